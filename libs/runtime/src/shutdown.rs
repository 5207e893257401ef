//! Waiting for the signal to stop.

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("install the SIGTERM handler");
        tokio::select! {
            _ = interrupt => tracing::info!("SIGINT received; draining"),
            _ = terminate.recv() => tracing::info!("SIGTERM received; draining"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
