//! Connecting to NATS and making the event store's streams exist.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hl_eventstore::EventStore;

/// The servers a `NATS_URL` names: one URL, or several comma-separated (a cluster's nodes,
/// any of which the client may connect to and fail over between).
pub fn server_list(urls: &str) -> Vec<&str> {
    urls.split(',')
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .collect()
}

/// Connects to NATS. The client keeps reconnecting on its own, so a NATS outage makes calls
/// fail with UNAVAILABLE and health NOT_SERVING, and both recover when NATS is back.
pub async fn connect(
    url: &str,
    client_name: &str,
    auth: &crate::config::NatsAuthArgs,
) -> Result<async_nats::Client, String> {
    auth.connect_options()
        .await?
        .name(client_name)
        .connection_timeout(Duration::from_secs(5))
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connect(server_list(url).as_slice())
        .await
        .map_err(|error| format!("cannot connect to NATS at {url}: {error}"))
}

/// Makes sure each context's stream and the snapshot stream exist, retrying in the background
/// until NATS answers. The flag turns true once they do.
pub fn ensure_streams(store: EventStore, contexts: Vec<&'static str>) -> Arc<AtomicBool> {
    let ready = Arc::new(AtomicBool::new(false));
    let flag = ready.clone();
    tokio::spawn(async move {
        until_streams_ready(
            || {
                let store = store.clone();
                let contexts = contexts.clone();
                async move {
                    store.ensure_snapshot_stream().await?;
                    for context in &contexts {
                        store.ensure_context_stream(context).await?;
                    }
                    Ok(())
                }
            },
            |_| {},
        )
        .await;
        flag.store(true, Ordering::SeqCst);
        tracing::info!(?contexts, namespace = %store.namespace(), "event streams ready");
    });
    ready
}

/// Runs `attempt` until it succeeds. A passing outage is retried with a growing delay (and
/// handed to `on_retry`); a stream whose settings do not match the configuration stops the
/// process (exit 78), since retrying cannot change an existing stream.
pub async fn until_streams_ready<T, Attempt, Attempted>(
    mut attempt: Attempt,
    mut on_retry: impl FnMut(&hl_eventstore::StoreError),
) -> T
where
    Attempt: FnMut() -> Attempted,
    Attempted: std::future::Future<Output = Result<T, hl_eventstore::StoreError>>,
{
    let mut delay = Duration::from_millis(100);
    loop {
        match attempt().await {
            Ok(value) => return value,
            Err(hl_eventstore::StoreError::Mismatch(problem)) => {
                tracing::error!(%problem, "stream settings do not match the configuration; stopping");
                eprintln!("hazard-ledger: {problem}");
                std::process::exit(crate::config::EXIT_STREAM_MISMATCH);
            }
            Err(error) => {
                tracing::warn!(%error, "event streams not ready; retrying");
                on_retry(&error);
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Whether the client is connected right now.
pub fn is_connected(client: &async_nats::Client) -> bool {
    client.connection_state() == async_nats::connection::State::Connected
}

/// NOT_SERVING while the NATS connection is down.
pub fn connection_check(client: &async_nats::Client) -> crate::health::HealthCheck {
    let client = client.clone();
    crate::health::HealthCheck::new("nats connection", move || is_connected(&client))
}

/// Connects to NATS and opens the event store described by the arguments.
pub async fn open_store(
    args: &crate::config::EventStoreArgs,
    url: &str,
    client_name: &str,
) -> Result<(async_nats::Client, EventStore), String> {
    let client = connect(url, client_name, &args.nats_auth).await?;
    let store = EventStore::new(client.clone(), args.namespace(), args.store_settings());
    Ok((client, store))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_list_of_servers_is_split_at_commas_and_trimmed() {
        assert_eq!(
            super::server_list("nats://a:4222, nats://b:4222,,nats://c:4222 "),
            ["nats://a:4222", "nats://b:4222", "nats://c:4222"]
        );
        assert_eq!(super::server_list("nats://a:4222"), ["nats://a:4222"]);
    }
}
