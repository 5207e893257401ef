//! Running a process manager: one context acting on another's events (an inspection finding
//! becomes a government-ledger hazard). The events come from a durable work queue
//! ([`EventStore::work_queue`]) one at a time, in stream order; each is handled inside a span
//! that continues the trace of the command that recorded it, so operations follow one
//! inspection into the hazards it caused.
//!
//! What a handler returns decides what happens to the message:
//! - `Ok`: done (the handler recorded its commands, or found them recorded, or counted a
//!   refusal); the queue moves on.
//! - [`ProcessError::Transient`]: the store or a lookup was away; the same message comes again
//!   after a back-off, before any later one.
//! - [`ProcessError::Poison`]: the message cannot be understood; the process stops there, loudly
//!   and unhealthy, instead of skipping work it owes.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hl_eventstore::{EventStore, StoreError, StoredMessage, trace_context};
use tokio_stream::StreamExt;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Why a message was not handled.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("{0}")]
    Transient(String),
    #[error("{0}")]
    Poison(String),
}

impl From<StoreError> for ProcessError {
    fn from(error: StoreError) -> Self {
        match error {
            // A step whose append may have landed is retried with its own request_id, which
            // records it at most once.
            StoreError::Unavailable(_) | StoreError::OutcomeUnknown(_) => {
                ProcessError::Transient(error.to_string())
            }
            other => ProcessError::Poison(other.to_string()),
        }
    }
}

/// Which part of which stream a process manager follows.
#[derive(Clone, Debug)]
pub struct ProcessSpec {
    /// Its name in logs, spans and metrics, and its durable consumer's name.
    pub name: &'static str,
    /// The context whose stream it follows.
    pub context: &'static str,
    /// The subjects it wants, e.g. every inspection of one district.
    pub filter_subject: String,
}

impl ProcessSpec {
    /// A process following every aggregate of one type in one district, e.g. every inspection
    /// ("*" for every type).
    pub fn aggregates(
        store: &EventStore,
        name: &'static str,
        region: &str,
        (context, aggregate_type): (&'static str, &str),
    ) -> Self {
        ProcessSpec {
            name,
            context,
            filter_subject: store.namespace().aggregate_subject(
                region,
                context,
                aggregate_type,
                "*",
            ),
        }
    }
}

/// Starts a process manager in the background, once `streams_ready` says its stream exists.
/// The flag it returns is true while it follows its queue; it turns false when a poison message
/// stops it.
pub fn follow<H, F>(
    store: EventStore,
    spec: ProcessSpec,
    streams_ready: Arc<AtomicBool>,
    handler: H,
) -> Arc<AtomicBool>
where
    H: Fn(StoredMessage) -> F + Send + Sync + 'static,
    F: Future<Output = Result<(), ProcessError>> + Send,
{
    let following = Arc::new(AtomicBool::new(false));
    let flag = following.clone();
    tokio::spawn(async move {
        while !streams_ready.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut delay = Duration::from_millis(100);
        loop {
            match run(&store, &spec, &handler, &flag).await {
                Ok(()) => return,
                Err(error) => {
                    flag.store(false, Ordering::SeqCst);
                    tracing::warn!(process = spec.name, %error, "work queue not available; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    });
    following
}

/// Follows the queue until a poison message (`Ok`) or until the queue itself fails (`Err`).
async fn run<H, F>(
    store: &EventStore,
    spec: &ProcessSpec,
    handler: &H,
    following: &AtomicBool,
) -> Result<(), StoreError>
where
    H: Fn(StoredMessage) -> F,
    F: Future<Output = Result<(), ProcessError>>,
{
    let mut queue = std::pin::pin!(
        store
            .work_queue(spec.context, spec.name, spec.filter_subject.clone())
            .await?
    );
    following.store(true, Ordering::SeqCst);
    tracing::info!(process = spec.name, "following its work queue");
    let fault = fault_point(spec.name);
    while let Some(item) = queue.next().await {
        let item = item?;
        if fault == Some(FaultPoint::Before) {
            kill_self(spec.name, "before handling a message");
        }
        let span = tracing::info_span!(
            "process",
            otel.name = spec.name,
            otel.kind = "consumer",
            messaging.system = "nats",
            messaging.operation.type = "process",
            messaging.destination.name = item.message.subject.as_str(),
            messaging.message.sequence = item.message.sequence,
            delivered = item.delivered,
        );
        let _ = span.set_parent(trace_context::extract(&item.message.headers));
        match handler(item.message.clone()).instrument(span).await {
            Ok(()) => {
                if fault == Some(FaultPoint::After) {
                    kill_self(
                        spec.name,
                        "after handling a message, before acknowledging it",
                    );
                }
                item.done().await?
            }
            Err(ProcessError::Transient(problem)) => {
                let delay = back_off(item.delivered);
                tracing::warn!(process = spec.name, %problem, ?delay, "will retry the message");
                item.retry_later(delay).await?;
            }
            Err(ProcessError::Poison(problem)) => {
                following.store(false, Ordering::SeqCst);
                tracing::error!(
                    process = spec.name,
                    sequence = item.message.sequence,
                    %problem,
                    "stopped: a message cannot be handled"
                );
                return Ok(());
            }
        }
    }
    Err(StoreError::Unavailable("the work queue ended".into()))
}

/// Where a crash test stops the process (see [`fault_point`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FaultPoint {
    Before,
    After,
}

/// A crash on purpose, for crash tests only: `HL_FAULT_KILL=<process>:before` (or `:after`)
/// makes the process SIGKILL itself on the first message the named process manager receives,
/// before handling it, or after handling it and before acknowledging it. Unset in production.
fn fault_point(process: &str) -> Option<FaultPoint> {
    parse_fault(&std::env::var("HL_FAULT_KILL").ok()?, process)
}

fn parse_fault(value: &str, process: &str) -> Option<FaultPoint> {
    match value.split_once(':')? {
        (name, "before") if name == process => Some(FaultPoint::Before),
        (name, "after") if name == process => Some(FaultPoint::After),
        _ => None,
    }
}

/// Ends the process as `kill -9` would: no destructor runs and nothing is acknowledged.
fn kill_self(process: &str, moment: &str) -> ! {
    tracing::error!(process, moment, "HL_FAULT_KILL: killing the process");
    let pid = std::process::id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status();
    std::process::abort();
}

/// 200 ms doubling per delivery, at most 10 s.
fn back_off(delivered: u64) -> Duration {
    let doublings = delivered.saturating_sub(1).min(6) as u32;
    (Duration::from_millis(200) * 2u32.pow(doublings)).min(Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_is_injected_only_where_named() {
        let asked = "inspection_findings:after";
        assert_eq!(
            parse_fault(asked, "inspection_findings"),
            Some(FaultPoint::After)
        );
        assert_eq!(
            parse_fault("inspection_findings:before", "inspection_findings"),
            Some(FaultPoint::Before)
        );
        assert_eq!(parse_fault(asked, "other"), None);
        assert_eq!(
            parse_fault("inspection_findings:sometime", "inspection_findings"),
            None
        );
    }

    #[test]
    fn back_off_grows_and_is_capped() {
        assert_eq!(back_off(1), Duration::from_millis(200));
        assert_eq!(back_off(2), Duration::from_millis(400));
        assert_eq!(back_off(7), Duration::from_millis(10_000));
        assert_eq!(back_off(1_000), Duration::from_secs(10));
    }
}
