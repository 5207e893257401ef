//! Keeping an in-memory view of a whole context stream: folded from the first commit, then kept
//! current as commits arrive. The registry's lists and the enforcement record by enterprise are
//! such views: small enough for memory, needed by every call. A commit that cannot be folded
//! stops the view, loudly and unready, instead of being skipped.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hl_eventstore::{EventStore, StoredMessage};
use tokio_stream::StreamExt;

/// How far a view has got.
#[derive(Default)]
pub struct Progress {
    applied_sequence: AtomicU64,
    caught_up: AtomicBool,
    stopped: Mutex<Option<String>>,
}

impl Progress {
    pub fn new() -> Arc<Self> {
        Arc::new(Progress::default())
    }

    /// Caught up with the stream as it was at start, and not stopped.
    pub fn is_ready(&self) -> bool {
        self.caught_up.load(Ordering::SeqCst) && self.stopped_reason().is_none()
    }

    /// Why the view stopped, if it did.
    pub fn stopped_reason(&self) -> Option<String> {
        self.stopped.lock().expect("progress lock").clone()
    }
}

/// Folds `context`'s stream into a view with `fold`, from the start, then follows it.
/// Reconnects after NATS outages; stops for good on a commit `fold` refuses.
pub fn follow_stream<F>(store: EventStore, context: &'static str, progress: Arc<Progress>, fold: F)
where
    F: Fn(&StoredMessage) -> Result<(), String> + Send + Sync + 'static,
{
    tokio::spawn(async move {
        loop {
            match follow_once(&store, context, &progress, &fold).await {
                Ok(()) => return,
                Err(reason) => {
                    tracing::debug!(context, %reason, "view: waiting for the stream");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
    });
}

/// Ok(()) when the view stopped on a bad commit; Err to retry.
async fn follow_once<F>(
    store: &EventStore,
    context: &'static str,
    progress: &Progress,
    fold: &F,
) -> Result<(), String>
where
    F: Fn(&StoredMessage) -> Result<(), String>,
{
    let head = store
        .stream_head(context)
        .await
        .map_err(|error| error.to_string())?;
    if head <= progress.applied_sequence.load(Ordering::SeqCst) {
        progress.caught_up.store(true, Ordering::SeqCst);
    }
    let start = progress.applied_sequence.load(Ordering::SeqCst) + 1;
    let mut messages = std::pin::pin!(
        store
            .read_stream(context, start)
            .await
            .map_err(|error| error.to_string())?
    );
    while let Some(message) = messages.next().await {
        let message = message.map_err(|error| error.to_string())?;
        if let Err(reason) = fold(&message) {
            let reason = format!("stream sequence {}: {reason}", message.sequence);
            tracing::error!(context, %reason, "view stopped on a commit it cannot fold");
            *progress.stopped.lock().expect("progress lock") = Some(reason);
            return Ok(());
        }
        progress
            .applied_sequence
            .store(message.sequence, Ordering::SeqCst);
        if message.sequence >= head {
            progress.caught_up.store(true, Ordering::SeqCst);
        }
    }
    Err("the stream subscription ended".to_string())
}
