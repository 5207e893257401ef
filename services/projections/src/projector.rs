//! Applying a context stream to the read models, exactly once: each batch of messages is folded
//! and written in one SQL transaction together with the stream sequence it reached (the
//! checkpoint). A restart resumes after the checkpoint, and messages at or below it are skipped,
//! so a crash in the middle of a batch leaves neither a gap nor a duplicate.
//!
//! A message that cannot be decoded or applied stops the projector of its stream, loudly: the
//! stream sequence and the reason go to the log, the failures table, health and metrics. It is
//! never skipped.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use hl_eventstore::{
    DecodedCommit, EventMeta, EventStore, StoredMessage, decode_events, trace_context,
};
use hl_proto::DomainEvent;
use hl_proto::events::v1::Commit;
use hl_proto::hazard_events::{
    AlarmDeviceEvent, HazardEvent, PeriodicStatisticsEvent, SelfCheckRoundEvent,
    SupervisionOrderEvent,
};
use hl_proto::registry_events::{
    AdminAreaEvent, EnterpriseEvent, GridCellEvent, OrgUnitEvent, PersonEvent,
};
use prost::Message;
use tokio::sync::watch;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use hl_telemetry::metrics::{StreamLabels, metrics};

use crate::db::Database;
use crate::model::*;
use crate::sql;

/// Aborts a task when dropped, so a reader never outlives its projector.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The streams the read models are built from.
pub const CONTEXTS: &[&str] = &["hazards", "responsibility"];

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

/// What the reader hands the writer: a decoded message, or why reading stopped.
enum Read {
    Message(DecodedMessage),
    /// The message cannot be decoded: the projector stops at its sequence.
    Poison {
        sequence: u64,
        reason: String,
    },
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
            database,
            store,
            generation,
            context,
            batch,
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

async fn run(
    database: Database,
    store: EventStore,
    generation: i64,
    context: &'static str,
    batch: usize,
    status: Arc<StreamStatus>,
    mut stopped: watch::Receiver<bool>,
) {
    let stream_name = status.stream.clone();
    loop {
        if *stopped.borrow() {
            return;
        }
        match follow(
            &database,
            &store,
            generation,
            context,
            batch,
            &status,
            &mut stopped,
        )
        .await
        {
            Ok(()) => return,
            Err(reason) => {
                tracing::warn!(stream = %stream_name, %reason, "projector paused; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stopped.changed() => return,
                }
            }
        }
    }
}

/// Ok(()) when stopped on purpose or by a poison message; Err to retry.
async fn follow(
    database: &Database,
    store: &EventStore,
    generation: i64,
    context: &'static str,
    batch: usize,
    status: &StreamStatus,
    stopped: &mut watch::Receiver<bool>,
) -> Result<(), String> {
    let stream_name = status.stream.clone();
    let checkpoint = sql::read_checkpoint(database.pool(), generation, &stream_name)
        .await
        .map_err(|error| error.to_string())?;
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
    let span_name = format!("process {stream_name}");
    let reader = tokio::spawn(async move {
        let mut messages = std::pin::pin!(messages);
        let mut last_read = checkpoint;
        while let Some(message) = messages.next().await {
            let read = match message {
                // Redelivered after a reconnect: already read.
                Ok(message) if message.sequence <= last_read => continue,
                Ok(message) => {
                    last_read = message.sequence;
                    match decode_message(&message, &span_name) {
                        Ok(decoded) => Read::Message(decoded),
                        Err(reason) => Read::Poison {
                            sequence: message.sequence,
                            reason,
                        },
                    }
                }
                Err(error) => Read::Failed(error.to_string()),
            };
            let more = matches!(read, Read::Message(_));
            if sender.send(read).await.is_err() || !more {
                return;
            }
        }
    });
    let _stop_reading = AbortOnDrop(reader);
    let mut received = Vec::with_capacity(batch.max(1));
    loop {
        received.clear();
        let count = tokio::select! {
            count = receiver.recv_many(&mut received, batch.max(1)) => count,
            _ = stopped.changed() => return Ok(()),
        };
        if count == 0 {
            return Err("the stream subscription ended".to_string());
        }
        // Everything before a failure is applied; the failure ends the batch.
        let mut messages = Vec::with_capacity(received.len());
        let mut failure = None;
        for read in received.drain(..) {
            match read {
                Read::Message(message) => messages.push(message),
                other => {
                    failure = Some(other);
                    break;
                }
            }
        }
        if let Some(last) = messages.last().map(|message| message.sequence) {
            let applied = apply_batch(database, generation, &stream_name, messages)
                .await
                .map_err(|error| format!("database: {error}"))?;
            record_progress(status, &stream_name, last, &applied);
        }
        match failure {
            None | Some(Read::Message(_)) => {}
            Some(Read::Failed(reason)) => return Err(reason),
            Some(Read::Poison { sequence, reason }) => {
                tracing::error!(stream = %stream_name, sequence, %reason, "projection stopped: a message cannot be applied");
                let failure = Failure {
                    sequence,
                    reason,
                    at: chrono::Utc::now().timestamp_millis(),
                };
                let _ = record_failure(database, generation, &stream_name, &failure).await;
                *status.failure.lock().expect("status lock") = Some(failure);
                metrics()
                    .projection_poison_stops
                    .get_or_create(&StreamLabels {
                        stream: stream_name.clone(),
                    })
                    .inc();
                return Ok(());
            }
        }
    }
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

/// One commit's events, decoded by aggregate type.
enum Decoded {
    Hazard(DecodedCommit<HazardEvent>),
    Round(DecodedCommit<SelfCheckRoundEvent>),
    Statistics(DecodedCommit<PeriodicStatisticsEvent>),
    Order(DecodedCommit<SupervisionOrderEvent>),
    Device(DecodedCommit<AlarmDeviceEvent>),
    Enterprise(DecodedCommit<EnterpriseEvent>),
    Area(DecodedCommit<AdminAreaEvent>),
    Cell(DecodedCommit<GridCellEvent>),
    /// Org units and people: decoded (so a bad message still stops the projector) but not kept.
    Unused,
}

/// A message of the stream with its commit decoded.
struct DecodedMessage {
    sequence: u64,
    commit: Decoded,
}

/// Decodes one message inside its CONSUMER span, which continues the trace of the command that
/// produced it.
fn decode_message(message: &StoredMessage, span_name: &str) -> Result<DecodedMessage, String> {
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
    Ok(DecodedMessage {
        sequence: message.sequence,
        commit: decode(message)?,
    })
}

fn decode(message: &StoredMessage) -> Result<Decoded, String> {
    let commit = Commit::decode(message.payload.as_ref())
        .map_err(|error| format!("not a commit: {error}"))?;
    let Some(first) = commit.events.first() else {
        return Ok(Decoded::Unused);
    };
    let aggregate_type = first.aggregate_type.clone();
    Ok(match aggregate_type.as_str() {
        "hazard" => Decoded::Hazard(decode_events(commit)?),
        "self_check_round" => Decoded::Round(decode_events(commit)?),
        "periodic_statistics" => Decoded::Statistics(decode_events(commit)?),
        "supervision_order" => Decoded::Order(decode_events(commit)?),
        "alarm_device" => Decoded::Device(decode_events(commit)?),
        "enterprise" => Decoded::Enterprise(decode_events(commit)?),
        "admin_area" => Decoded::Area(decode_events(commit)?),
        "grid_cell" => Decoded::Cell(decode_events(commit)?),
        "org_unit" => decode_events::<OrgUnitEvent>(commit).map(|_| Decoded::Unused)?,
        "person" => decode_events::<PersonEvent>(commit).map(|_| Decoded::Unused)?,
        other => return Err(format!("unknown aggregate type {other:?}")),
    })
}

/// The ids a batch touches, per aggregate type, in first-seen order.
#[derive(Default)]
struct Touched {
    hazards: BTreeSet<String>,
    rounds: BTreeSet<String>,
    orders: BTreeSet<String>,
    devices: BTreeSet<String>,
    enterprises: BTreeSet<String>,
}

fn id_of<E>(commit: &DecodedCommit<E>) -> String {
    commit
        .events
        .first()
        .map(|(_, meta)| meta.aggregate_id.clone())
        .unwrap_or_default()
}

/// What a batch put into the read model.
pub struct Applied {
    /// recorded_at (ms) of the newest event.
    pub newest_recorded_at: i64,
    /// Events in the batch's commits.
    pub events: u64,
}

/// Applies a batch in one transaction with its checkpoint.
async fn apply_batch(
    database: &Database,
    generation: i64,
    stream: &str,
    messages: Vec<DecodedMessage>,
) -> Result<Applied, sqlx::Error> {
    let last_sequence = messages.last().map_or(0, |message| message.sequence);
    let mut touched = Touched::default();
    for message in &messages {
        match &message.commit {
            Decoded::Hazard(commit) => touched.hazards.insert(id_of(commit)),
            Decoded::Round(commit) => touched.rounds.insert(id_of(commit)),
            Decoded::Order(commit) => touched.orders.insert(id_of(commit)),
            Decoded::Device(commit) => touched.devices.insert(id_of(commit)),
            Decoded::Enterprise(commit) => touched.enterprises.insert(id_of(commit)),
            _ => false,
        };
    }
    let decoded: Vec<(u64, Decoded)> = messages
        .into_iter()
        .map(|message| (message.sequence, message.commit))
        .collect();
    let newest_recorded_at = decoded
        .iter()
        .filter_map(|(_, commit)| event_summary(commit).1.map(|meta| millis(meta.recorded_at)))
        .max()
        .unwrap_or_default();
    let events: u64 = decoded
        .iter()
        .map(|(_, commit)| event_summary(commit).0)
        .sum();

    let write = async {
        let mut tx = database.begin_write().await?;
        let ids = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>();
        let mut hazards = sql::load_hazards(&mut tx, generation, &ids(&touched.hazards)).await?;
        let mut rounds = sql::load_rounds(&mut tx, generation, &ids(&touched.rounds)).await?;
        let mut orders = sql::load_orders(&mut tx, generation, &ids(&touched.orders)).await?;
        let mut devices = sql::load_devices(&mut tx, generation, &ids(&touched.devices)).await?;
        let mut enterprises =
            sql::load_enterprise_states(&mut tx, generation, &ids(&touched.enterprises)).await?;
        let mut history = Vec::new();
        let mut pairs = Vec::new();
        let mut statistics = Vec::new();
        let mut tests = Vec::new();
        let mut areas: HashMap<String, hl_proto::responsibility::v1::AdminArea> = HashMap::new();
        let mut cells: HashMap<String, hl_proto::responsibility::v1::GridCell> = HashMap::new();

        for (sequence, commit) in &decoded {
            match commit {
                Decoded::Hazard(commit) => {
                    for (index, (event, meta)) in commit.events.iter().enumerate() {
                        let row = hazards.entry(meta.aggregate_id.clone()).or_default();
                        if meta.aggregate_version as i64 <= row.version {
                            continue;
                        }
                        let (row_history, pair) = apply_hazard(
                            row,
                            event,
                            meta,
                            Position {
                                sequence: *sequence as i64,
                                index: index as i64,
                            },
                        );
                        history.push(row_history);
                        pairs.extend(pair);
                    }
                }
                Decoded::Round(commit) => {
                    for (event, meta) in &commit.events {
                        apply_round(
                            rounds.entry(meta.aggregate_id.clone()).or_default(),
                            event,
                            meta,
                        );
                    }
                }
                Decoded::Statistics(commit) => statistics.extend(
                    commit
                        .events
                        .iter()
                        .map(|(event, meta)| statistics_row(event, meta)),
                ),
                Decoded::Order(commit) => {
                    for (event, meta) in &commit.events {
                        apply_order(
                            orders.entry(meta.aggregate_id.clone()).or_default(),
                            event,
                            meta,
                        );
                    }
                }
                Decoded::Device(commit) => {
                    for (index, (event, meta)) in commit.events.iter().enumerate() {
                        let row = devices.entry(meta.aggregate_id.clone()).or_default();
                        tests.extend(apply_device(
                            row,
                            event,
                            meta,
                            Position {
                                sequence: *sequence as i64,
                                index: index as i64,
                            },
                        ));
                    }
                }
                Decoded::Enterprise(commit) => {
                    for (event, meta) in &commit.events {
                        let (state, version) =
                            enterprises.entry(meta.aggregate_id.clone()).or_default();
                        if meta.aggregate_version as i64 <= *version {
                            continue;
                        }
                        apply_enterprise(state, event, meta);
                        *version = meta.aggregate_version as i64;
                    }
                }
                Decoded::Area(commit) => {
                    for (event, _) in &commit.events {
                        let area = match event {
                            AdminAreaEvent::Defined(defined) => defined.area.clone(),
                            AdminAreaEvent::Updated(updated) => updated.area.clone(),
                        };
                        if let Some(area) = area {
                            areas.insert(area.code.clone(), area);
                        }
                    }
                }
                Decoded::Cell(commit) => {
                    for (event, _) in &commit.events {
                        let cell = match event {
                            GridCellEvent::Defined(defined) => defined.cell.clone(),
                            GridCellEvent::Updated(updated) => updated.cell.clone(),
                        };
                        if let Some(cell) = cell {
                            cells.insert(cell.grid_cell_id.clone(), cell);
                        }
                    }
                }
                Decoded::Unused => {}
            }
        }

        let hazard_rows: Vec<HazardRow> = hazards
            .into_values()
            .filter(|row| !row.facts.hazard_id.is_empty())
            .collect();
        sql::upsert_hazards(&mut tx, generation, &hazard_rows).await?;
        sql::insert_history(&mut tx, generation, &history).await?;
        sql::upsert_matches(&mut tx, generation, &pairs).await?;
        sql::upsert_rounds(
            &mut tx,
            generation,
            &rounds.into_values().collect::<Vec<_>>(),
        )
        .await?;
        sql::upsert_statistics(&mut tx, generation, &statistics).await?;
        sql::upsert_orders(
            &mut tx,
            generation,
            &orders.into_values().collect::<Vec<_>>(),
        )
        .await?;
        sql::upsert_devices(
            &mut tx,
            generation,
            &devices.into_values().collect::<Vec<_>>(),
            &tests,
        )
        .await?;
        sql::write_enterprises(
            &mut tx,
            generation,
            &enterprises.into_values().collect::<Vec<_>>(),
        )
        .await?;
        sql::upsert_areas(
            &mut tx,
            generation,
            &areas.into_values().collect::<Vec<_>>(),
        )
        .await?;
        sql::upsert_grid_cells(
            &mut tx,
            generation,
            &cells.into_values().collect::<Vec<_>>(),
        )
        .await?;
        sql::write_checkpoint(&mut tx, generation, stream, last_sequence).await?;
        tx.commit().await?;
        Ok::<(), sqlx::Error>(())
    };
    write
        .instrument(tracing::debug_span!(
            "write batch",
            messages = decoded.len()
        ))
        .await?;
    Ok(Applied {
        newest_recorded_at,
        events,
    })
}

/// How many events a commit holds for the read models, and the metadata of its last one.
fn event_summary(commit: &Decoded) -> (u64, Option<&EventMeta>) {
    fn of<E: DomainEvent>(commit: &DecodedCommit<E>) -> (u64, Option<&EventMeta>) {
        (
            commit.events.len() as u64,
            commit.events.last().map(|(_, meta)| meta),
        )
    }
    match commit {
        Decoded::Hazard(commit) => of(commit),
        Decoded::Round(commit) => of(commit),
        Decoded::Statistics(commit) => of(commit),
        Decoded::Order(commit) => of(commit),
        Decoded::Device(commit) => of(commit),
        Decoded::Enterprise(commit) => of(commit),
        Decoded::Area(commit) => of(commit),
        Decoded::Cell(commit) => of(commit),
        Decoded::Unused => (0, None),
    }
}
