//! Applying a context stream to the read models, exactly once: each batch of messages is folded
//! and written in one SQL transaction together with the stream sequence it reached (the
//! checkpoint). A restart resumes after the checkpoint, and messages at or below it are skipped,
//! so a crash in the middle of a batch leaves neither a gap nor a duplicate.
//!
//! A message that cannot be decoded or applied stops the projector of its stream, loudly: the
//! stream sequence and the reason go to the log, the failures table, health and metrics. It is
//! never skipped. So does a commit that does not continue its aggregate's history as the
//! projector last applied it (see `chain`).

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use hl_eventstore::{EventStore, StoredMessage, commit_digest, trace_context};
use hl_proto::events::v1::Commit;
use hl_readmodel::{Database, DecodedCommit, Registry};
use prost::Message;
use tokio::sync::watch;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use hl_telemetry::metrics::{StreamLabels, metrics};

use crate::chain::{self, Head, Heads};
use crate::schema;

/// Aborts a task when dropped, so a reader never outlives its projector.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Messages applied in one transaction, at most, unless configured otherwise.
pub const DEFAULT_BATCH: usize = 1000;

/// Where one stream's projector stands; shared with the query API and health.
#[derive(Debug, Default)]
pub struct StreamStatus {
    pub context: String,
    pub stream: String,
    pub applied: AtomicU64,
    pub head: AtomicU64,
    /// recorded_at (ms) of the newest applied event.
    pub applied_recorded_at: AtomicI64,
    /// Caught up with the head at least once since it started.
    pub caught_up: AtomicBool,
    pub failure: Mutex<Option<Failure>>,
    pub batches: AtomicU64,
    pub events: AtomicU64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub sequence: u64,
    pub reason: String,
    pub at: i64,
}

impl StreamStatus {
    /// Publishes the lag to the metrics.
    fn export_lag(&self) {
        let labels = StreamLabels {
            stream: self.stream.clone(),
        };
        metrics()
            .projection_lag_events
            .get_or_create(&labels)
            .set(self.lag_events() as i64);
        metrics()
            .projection_lag_seconds
            .get_or_create(&labels)
            .set(self.lag_seconds());
    }

    pub fn lag_events(&self) -> u64 {
        self.head
            .load(Ordering::SeqCst)
            .saturating_sub(self.applied.load(Ordering::SeqCst))
    }

    /// Seconds since the newest applied event was recorded, while events remain to apply.
    pub fn lag_seconds(&self) -> f64 {
        if self.lag_events() == 0 {
            return 0.0;
        }
        let applied = self.applied_recorded_at.load(Ordering::SeqCst);
        if applied == 0 {
            return 0.0;
        }
        ((chrono::Utc::now().timestamp_millis() - applied).max(0) as f64) / 1000.0
    }

    pub fn failure(&self) -> Option<Failure> {
        self.failure.lock().expect("status lock").clone()
    }
}

/// What the reader hands the writer: a decoded commit, or why reading stopped.
enum Read {
    /// The commit, its aggregate's subject, and the aggregate's head after it.
    Message(DecodedCommit, String, Head),
    /// The message cannot be decoded: the projector stops at its sequence.
    Poison { sequence: u64, reason: String },
    /// The subscription failed; the projector retries from its checkpoint.
    Failed(String),
}

/// A running projector of one stream into one generation.
pub struct Projector {
    pub status: Arc<StreamStatus>,
    stop: watch::Sender<bool>,
}

impl Projector {
    /// Starts projecting `context`'s stream into `generation`'s tables.
    pub fn spawn(
        database: Database,
        store: EventStore,
        registry: Arc<Registry>,
        generation: i64,
        context: &'static str,
        batch: usize,
    ) -> Projector {
        let status = Arc::new(StreamStatus {
            context: context.to_string(),
            stream: store.namespace().stream_name(context),
            ..StreamStatus::default()
        });
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(follow_head(
            store.clone(),
            context,
            status.clone(),
            stopped.clone(),
        ));
        tokio::spawn(run(
            Target {
                holder: uuid::Uuid::new_v4().to_string(),
                database,
                store,
                registry,
                generation,
                context,
                batch,
            },
            status.clone(),
            stopped,
        ));
        Projector { status, stop }
    }

    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for Projector {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Keeps the stream head current, for the lag.
async fn follow_head(
    store: EventStore,
    context: &'static str,
    status: Arc<StreamStatus>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        if let Ok(head) = store.stream_head(context).await {
            status.head.fetch_max(head, Ordering::SeqCst);
            if status.lag_events() == 0 && status.failure().is_none() && head > 0 {
                status.caught_up.store(true, Ordering::SeqCst);
            }
            status.export_lag();
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stopped.changed() => return,
        }
    }
}

/// What one projector reads and where it writes.
struct Target {
    /// This projector, as named in the stream's lease.
    holder: String,
    database: Database,
    store: EventStore,
    registry: Arc<Registry>,
    generation: i64,
    context: &'static str,
    batch: usize,
}

async fn run(target: Target, status: Arc<StreamStatus>, mut stopped: watch::Receiver<bool>) {
    let stream_name = status.stream.clone();
    loop {
        if *stopped.borrow() {
            return;
        }
        match follow(&target, &status, &mut stopped).await {
            Ok(()) => return,
            Err(Pause::Standby) => {
                // Another process applies this stream: look again when its lease may be over.
                tracing::debug!(stream = %stream_name, "projector standing by");
                tokio::select! {
                    _ = tokio::time::sleep(LEASE / 2) => {}
                    _ = stopped.changed() => return,
                }
            }
            Err(Pause::Failed(reason)) => {
                tracing::warn!(stream = %stream_name, %reason, "projector paused; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stopped.changed() => return,
                }
            }
        }
    }
}

/// How long a projector's lease on its stream lasts from its last batch: another process's
/// projector takes over this long after this one stopped applying.
pub const LEASE: Duration = Duration::from_secs(6);

/// How long a projector waits for the next message before it looks whether another projector
/// on the same database has applied past it.
const IDLE_CHECK: Duration = Duration::from_secs(2);

/// Why a projector stopped following its stream for now.
enum Pause {
    /// Another process's projector applies the stream: it holds the lease, or applied past
    /// this one.
    Standby,
    /// Anything else (NATS or the database unreachable); retried shortly.
    Failed(String),
}

impl From<String> for Pause {
    fn from(reason: String) -> Pause {
        Pause::Failed(reason)
    }
}

impl From<BatchError> for Pause {
    fn from(error: BatchError) -> Pause {
        match error {
            BatchError::Standby | BatchError::Fenced(_) => Pause::Standby,
            BatchError::Database(_) => Pause::Failed(error.to_string()),
        }
    }
}

/// The stream's checkpoint and the heads of its aggregates as of that checkpoint. Another
/// process's projector may commit a batch between the two reads; heads newer than the
/// checkpoint would make the commits between them look like a broken history. Both move in one
/// transaction and the checkpoint only grows, so heads read between two equal readings of the
/// checkpoint are its own.
async fn checkpoint_and_heads(
    database: &Database,
    generation: i64,
    stream_name: &str,
) -> Result<(u64, Heads), String> {
    loop {
        let before = schema::read_checkpoint(database, generation, stream_name)
            .await
            .map_err(|error| error.to_string())?;
        let heads = schema::read_heads(database, generation, stream_name)
            .await
            .map_err(|error| error.to_string())?;
        let after = schema::read_checkpoint(database, generation, stream_name)
            .await
            .map_err(|error| error.to_string())?;
        if before == after {
            return Ok((before, heads));
        }
    }
}

/// Ok(()) when stopped on purpose or by a poison message; Err to wait and follow again.
async fn follow(
    target: &Target,
    status: &StreamStatus,
    stopped: &mut watch::Receiver<bool>,
) -> Result<(), Pause> {
    let (database, store, generation, context) = (
        &target.database,
        &target.store,
        target.generation,
        target.context,
    );
    let batch = target.batch;
    let stream_name = status.stream.clone();
    let (checkpoint, heads) = checkpoint_and_heads(database, generation, &stream_name).await?;
    status.applied.fetch_max(checkpoint, Ordering::SeqCst);
    let head = store
        .stream_head(context)
        .await
        .map_err(|error| error.to_string())?;
    status.head.fetch_max(head, Ordering::SeqCst);
    if head <= checkpoint {
        status.caught_up.store(true, Ordering::SeqCst);
    }
    let messages = store
        .read_stream(context, checkpoint + 1)
        .await
        .map_err(|error| error.to_string())?;
    // Reading and decoding run ahead in their own task while the previous batch is written:
    // the ordered consumer asks the server for more only while it is polled, so reading and
    // writing in turn would leave each batch as small as what arrived during the last write,
    // and decoding there takes it off the writer's path.
    let (sender, mut receiver) = tokio::sync::mpsc::channel(batch.max(1) * 4);
    let reader = read_ahead(target, &stream_name, messages, (checkpoint, heads), sender);
    let _stop_reading = AbortOnDrop(reader);
    let mut received = Vec::with_capacity(batch.max(1));
    // The checkpoint as this projector last wrote it: each batch moves it on from there.
    let mut written = checkpoint;
    loop {
        received.clear();
        let count = tokio::select! {
            count = receiver.recv_many(&mut received, batch.max(1)) => count,
            _ = stopped.changed() => return Ok(()),
            () = tokio::time::sleep(IDLE_CHECK) => {
                // Nothing arrived for a while. Another projector on this database may have
                // applied past this one, which would otherwise learn so only from its next write
                // (fenced) and meanwhile report a lag the read model does not have.
                let stored = schema::read_checkpoint(database, generation, &stream_name)
                    .await
                    .map_err(|error| error.to_string())?;
                if stored > written {
                    status.applied.fetch_max(stored, Ordering::SeqCst);
                    return Err(BatchError::Fenced(written).into());
                }
                continue;
            }
        };
        if count == 0 {
            return Err(Pause::Failed("the stream subscription ended".to_string()));
        }
        // Everything before a failure is applied; the failure ends the batch.
        let (messages, failure) = until_failure(&mut received);
        if let Some(last) = messages.last().map(|(message, _, _)| message.sequence) {
            let applied = apply_batch(target, &stream_name, written, messages).await?;
            record_progress(status, &stream_name, last, &applied);
            written = last;
        }
        match failure {
            None | Some(Read::Message(..)) => {}
            Some(Read::Failed(reason)) => return Err(Pause::Failed(reason)),
            Some(Read::Poison { sequence, reason }) => {
                stop_on_poison(
                    target,
                    status,
                    &stream_name,
                    Failure {
                        sequence,
                        reason,
                        at: chrono::Utc::now().timestamp_millis(),
                    },
                )
                .await;
                return Ok(());
            }
        }
    }
}

/// The messages received before the first failure, and that failure; what follows it is dropped
/// (the projector reads it again after the pause).
fn until_failure(received: &mut Vec<Read>) -> (Vec<(DecodedCommit, String, Head)>, Option<Read>) {
    let mut messages = Vec::with_capacity(received.len());
    for read in received.drain(..) {
        match read {
            Read::Message(message, subject, head) => messages.push((message, subject, head)),
            failure => return (messages, Some(failure)),
        }
    }
    (messages, None)
}

/// Reads and decodes the stream from after `checkpoint` in a task of its own, checking each
/// commit against its aggregate's head, and hands each message (or the failure that ends the
/// reading) to `sender`.
fn read_ahead(
    target: &Target,
    stream_name: &str,
    messages: impl futures::Stream<Item = Result<StoredMessage, hl_eventstore::StoreError>>
    + Send
    + 'static,
    (checkpoint, mut heads): (u64, Heads),
    sender: tokio::sync::mpsc::Sender<Read>,
) -> tokio::task::JoinHandle<()> {
    let span_name = format!("process {stream_name}");
    let registry = target.registry.clone();
    let context = target.context;
    tokio::spawn(async move {
        let mut messages = std::pin::pin!(messages);
        let mut last_read = checkpoint;
        while let Some(message) = messages.next().await {
            let read = match message {
                // Redelivered after a reconnect: already read.
                Ok(message) if message.sequence <= last_read => continue,
                Ok(message) => {
                    last_read = message.sequence;
                    match decode_message(&registry, context, &message, &span_name, &heads) {
                        Ok((decoded, head)) => {
                            heads.insert(message.subject.clone(), head.clone());
                            Read::Message(decoded, message.subject, head)
                        }
                        Err(reason) => Read::Poison {
                            sequence: message.sequence,
                            reason,
                        },
                    }
                }
                Err(error) => Read::Failed(error.to_string()),
            };
            let more = matches!(read, Read::Message(..));
            if sender.send(read).await.is_err() || !more {
                return;
            }
        }
    })
}

/// Stops a projection at a message it cannot apply: logged, kept in the database and the
/// status, counted. It is never skipped.
async fn stop_on_poison(
    target: &Target,
    status: &StreamStatus,
    stream_name: &str,
    failure: Failure,
) {
    tracing::error!(stream = %stream_name, sequence = failure.sequence, reason = %failure.reason, "projection stopped: a message cannot be applied");
    let _ = record_failure(&target.database, target.generation, stream_name, &failure).await;
    *status.failure.lock().expect("status lock") = Some(failure);
    metrics()
        .projection_poison_stops
        .get_or_create(&StreamLabels {
            stream: stream_name.to_string(),
        })
        .inc();
}

/// Publishes what a written batch reached: status, metrics and lag.
fn record_progress(status: &StreamStatus, stream_name: &str, last: u64, applied: &Applied) {
    status.applied.store(last, Ordering::SeqCst);
    status.head.fetch_max(last, Ordering::SeqCst);
    status
        .applied_recorded_at
        .store(applied.newest_recorded_at, Ordering::SeqCst);
    status.batches.fetch_add(1, Ordering::Relaxed);
    status.events.fetch_add(applied.events, Ordering::Relaxed);
    metrics()
        .projection_events_applied
        .get_or_create(&StreamLabels {
            stream: stream_name.to_string(),
        })
        .inc_by(applied.events);
    status.export_lag();
    if status.lag_events() == 0 {
        status.caught_up.store(true, Ordering::SeqCst);
    }
}

async fn record_failure(
    database: &Database,
    generation: i64,
    stream: &str,
    failure: &Failure,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO projection_failures (generation, stream, sequence, reason, failed_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (generation, stream) DO UPDATE SET sequence = excluded.sequence, reason = excluded.reason, failed_at = excluded.failed_at",
    )
    .bind(generation)
    .bind(stream.to_string())
    .bind(failure.sequence as i64)
    .bind(failure.reason.clone())
    .bind(failure.at)
    .execute(database.pool())
    .await
    .map(drop)
}

/// Decodes one message inside its CONSUMER span, which continues the trace of the command that
/// produced it, with its aggregate's head after it.
fn decode_message(
    registry: &Registry,
    context: &str,
    message: &StoredMessage,
    span_name: &str,
    heads: &Heads,
) -> Result<(DecodedCommit, Head), String> {
    let span = tracing::info_span!(
        "apply",
        otel.name = span_name,
        otel.kind = "consumer",
        messaging.system = "nats",
        messaging.operation.type = "process",
        messaging.destination.name = message.subject.as_str(),
        messaging.message.sequence = message.sequence,
    );
    let _ = span.set_parent(trace_context::extract(&message.headers));
    let _entered = span.enter();
    let commit = Commit::decode(message.payload.as_ref())
        .map_err(|error| format!("not a commit: {error}"))?;
    let head = chain::follow(
        heads.get(&message.subject),
        &commit,
        (message.sequence, commit_digest(&message.payload)),
    )
    .map_err(|reason| format!("{}: {reason}", message.subject))?;
    Ok((registry.decode(context, message.sequence, commit)?, head))
}

/// What a batch put into the read model.
pub struct Applied {
    /// recorded_at (ms) of the newest event.
    pub newest_recorded_at: i64,
    /// Events in the batch's commits.
    pub events: u64,
}

/// Why a batch was not applied.
#[derive(Debug, thiserror::Error)]
enum BatchError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(
        "another projector applied this stream past stream sequence {0}; resuming from the \
         database's checkpoint"
    )]
    Fenced(u64),
    #[error("another projector holds this stream's lease; standing by")]
    Standby,
}

/// Applies a batch in one transaction with its checkpoint (moved from `previous`, the checkpoint
/// this projector last wrote) and the heads it moved.
async fn apply_batch(
    target: &Target,
    stream: &str,
    previous: u64,
    batch: Vec<(DecodedCommit, String, Head)>,
) -> Result<Applied, BatchError> {
    let mut moved: Heads = Heads::new();
    let batch: Vec<DecodedCommit> = batch
        .into_iter()
        .map(|(commit, subject, head)| {
            moved.insert(subject, head);
            commit
        })
        .collect();
    let last_sequence = batch.last().map_or(0, |commit| commit.sequence);
    let newest_recorded_at = batch
        .iter()
        .filter_map(|commit| commit.recorded_at)
        .map(|at| at.timestamp_millis())
        .max()
        .unwrap_or_default();
    let events = batch.iter().map(|commit| commit.events).sum();
    let messages = batch.len();
    let write = async {
        let mut tx = target.database.begin_write().await?;
        let range = (previous, last_sequence);
        let (generation, holder) = (target.generation, target.holder.as_str());
        if !schema::take_lease(&mut tx, generation, stream, holder, LEASE).await? {
            tx.rollback().await?;
            return Err(BatchError::Standby);
        }
        if !schema::advance_checkpoint(&mut tx, target.generation, stream, range).await? {
            tx.rollback().await?;
            return Err(BatchError::Fenced(previous));
        }
        target
            .registry
            .apply(&mut tx, target.generation, batch)
            .await?;
        schema::write_heads(
            &mut tx,
            target.generation,
            stream,
            moved.into_iter().collect(),
        )
        .await?;
        tx.commit().await?;
        Ok::<(), BatchError>(())
    };
    write
        .instrument(tracing::debug_span!("write batch", messages))
        .await?;
    Ok(Applied {
        newest_recorded_at,
        events,
    })
}
