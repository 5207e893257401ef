//! The projections at run time: the active generation and its projectors, and rebuilds into a
//! new generation that take over once they have caught up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use hl_domain::reasons;
use hl_eventstore::EventStore;
use hl_proto::common::v1::Actor;
use hl_proto::ledger::v1::RebuildProgress;
use hl_runtime::ServiceError;
use tokio::sync::watch;

use hl_readmodel::{Database, Registry};

use crate::cache::{ContentVersion, ReconciliationCache};
use crate::projector::{Projector, StreamStatus};
use crate::schema;

/// How the projections run.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Most messages a projector applies in one transaction.
    pub batch: usize,
    /// A first catch-up after start that applied at least this many events filled the read
    /// model in bulk, and the database's statistics of it are refreshed.
    pub bulk_catch_up_events: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            batch: crate::projector::DEFAULT_BATCH,
            bulk_catch_up_events: 10_000,
        }
    }
}

/// Once the active generation first catches up after start, refreshes its statistics when the
/// catch-up applied enough events to have changed what the database knows of its tables. A
/// generation a rebuild switched to meanwhile was refreshed by the rebuild, before its switch.
/// The service is held only between looks, so that dropping it is never held up by this.
async fn refresh_statistics_after_bulk_catch_up(
    projections: std::sync::Weak<Projections>,
    started_with: i64,
) {
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let Some(projections) = projections.upgrade() else {
            return;
        };
        let (generation, statuses) = {
            let active = projections.active.read().expect("generation lock");
            (active.number, active.statuses())
        };
        if generation != started_with || statuses.iter().any(|status| status.failure().is_some()) {
            return;
        }
        if !statuses
            .iter()
            .all(|status| status.caught_up.load(Ordering::SeqCst))
        {
            continue;
        }
        let applied: u64 = statuses
            .iter()
            .map(|status| status.events.load(Ordering::Relaxed))
            .sum();
        if applied >= projections.settings.bulk_catch_up_events {
            let (database, registry) = (projections.database.clone(), projections.registry.clone());
            drop(projections);
            refresh_statistics(&database, &registry, generation).await;
        }
        return;
    }
}

/// Refreshes the database's statistics of a generation (see `schema::refresh_statistics`);
/// queries are answered meanwhile, and a failure only leaves the tables to autovacuum.
async fn refresh_statistics(database: &Database, registry: &Registry, generation: i64) {
    let started = Instant::now();
    tracing::info!(generation, "refreshing the read model's statistics");
    match schema::refresh_statistics(database, registry, generation).await {
        Ok(()) => tracing::info!(
            generation,
            seconds = started.elapsed().as_secs_f64(),
            "read-model statistics refreshed"
        ),
        Err(error) => {
            tracing::warn!(%error, generation, "read-model statistics could not be refreshed")
        }
    }
}

/// One generation of read models and the projectors that fill it.
struct Generation {
    number: i64,
    projectors: Vec<Projector>,
    /// Shared by every [`Reading`] of this generation: its tables are dropped only once no
    /// query holds one.
    readers: Arc<()>,
}

/// The generation a query reads, held for as long as the query reads it: a rebuild that has
/// switched to a new generation drops the old one's tables only after every reading of it has
/// ended, and a grace period after that.
pub struct Reading {
    number: i64,
    _reader: Arc<()>,
}

impl std::ops::Deref for Reading {
    type Target = i64;

    fn deref(&self) -> &i64 {
        &self.number
    }
}

/// How long an old generation stays after its last reading ended: a query that took its number
/// just before the switch and has not begun to read yet still finds its tables.
const DROP_GRACE: Duration = Duration::from_secs(2);

impl Generation {
    fn start(
        database: &Database,
        store: &EventStore,
        registry: &Arc<Registry>,
        number: i64,
        batch: usize,
    ) -> Generation {
        let projectors = registry
            .contexts()
            .into_iter()
            .map(|context| {
                Projector::spawn(
                    database.clone(),
                    store.clone(),
                    registry.clone(),
                    number,
                    context,
                    batch,
                )
            })
            .collect();
        Generation {
            number,
            projectors,
            readers: Arc::new(()),
        }
    }

    fn statuses(&self) -> Vec<Arc<StreamStatus>> {
        self.projectors
            .iter()
            .map(|projector| projector.status.clone())
            .collect()
    }

    fn applied(&self) -> u64 {
        self.projectors
            .iter()
            .map(|projector| projector.status.applied.load(Ordering::SeqCst))
            .sum()
    }
}

/// The projections service's state, shared by its gRPC services.
pub struct Projections {
    pub database: Database,
    store: EventStore,
    /// The district whose records these are: government callers must cover it.
    pub region: String,
    /// Every read model, contributed by the contexts.
    pub registry: Arc<Registry>,
    settings: Settings,
    active: RwLock<Generation>,
    rebuilding: AtomicBool,
    rebuild_progress: Mutex<Option<watch::Receiver<RebuildProgress>>>,
    /// The latest rebuild asked for over the API, so that its caller's retry follows it.
    /// Held while a rebuild it starts is prepared, so that a retry arriving meanwhile waits
    /// for it and follows it.
    latest_rebuild: tokio::sync::Mutex<Option<RebuildCall>>,
    /// The reconciliation of the current state, until the content moves.
    pub reconciliations: ReconciliationCache,
}

/// A rebuild asked for by a caller's request_id.
struct RebuildCall {
    request_id: String,
    actor: Actor,
    progress: watch::Receiver<RebuildProgress>,
}

#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("a rebuild is already running")]
    AlreadyRunning,
    #[error("request_id {0:?} was used by another caller; choose a new one")]
    RequestIdOfAnotherCaller(String),
    #[error("the database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the event store failed: {0}")]
    Store(#[from] hl_eventstore::StoreError),
}

impl Projections {
    /// Creates the schema when needed and starts projecting into the active generation.
    pub async fn start(
        database: Database,
        store: EventStore,
        region: &str,
        registry: Registry,
        settings: Settings,
    ) -> Result<Arc<Projections>, sqlx::Error> {
        let registry = Arc::new(registry);
        schema::migrate(&database).await?;
        let number = schema::active_generation(&database, &registry).await?;
        schema::create_generation(&database, &registry, number).await?;
        let active = Generation::start(&database, &store, &registry, number, settings.batch);
        let projections = Arc::new(Projections {
            database,
            store,
            region: region.to_string(),
            registry,
            settings,
            active: RwLock::new(active),
            rebuilding: AtomicBool::new(false),
            rebuild_progress: Mutex::new(None),
            latest_rebuild: tokio::sync::Mutex::new(None),
            reconciliations: ReconciliationCache::default(),
        });
        tokio::spawn(refresh_statistics_after_bulk_catch_up(
            Arc::downgrade(&projections),
            number,
        ));
        Ok(projections)
    }

    /// The generation queries read, held by the caller while it reads: keep the [`Reading`]
    /// (or use it within one statement) for the whole of a query.
    pub fn generation(&self) -> Reading {
        let active = self.active.read().expect("generation lock");
        Reading {
            number: active.number,
            _reader: active.readers.clone(),
        }
    }

    /// What the read model holds: the active generation and how far each stream is applied.
    pub fn content_version(&self) -> ContentVersion {
        let active = self.active.read().expect("generation lock");
        ContentVersion {
            generation: active.number,
            applied: active
                .statuses()
                .iter()
                .map(|status| (status.stream.clone(), status.applied.load(Ordering::SeqCst)))
                .collect(),
        }
    }

    /// Where each stream's projector of the active generation stands.
    pub fn statuses(&self) -> Vec<Arc<StreamStatus>> {
        self.active.read().expect("generation lock").statuses()
    }

    /// Waits, at most `wait`, until the read models hold every event recorded before the call:
    /// each stream applied up to the head it has now. UNAVAILABLE if a projector stopped or the
    /// wait ran out, so that nothing is decided from a read model that lags.
    pub async fn catch_up(&self, wait: Duration) -> Result<(), ServiceError> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut targets = Vec::new();
        for status in self.statuses() {
            let head = self
                .store
                .stream_head(&status.context)
                .await
                .map_err(|error| {
                    ServiceError::unavailable(format!("the event store failed: {error}"))
                })?;
            targets.push((status, head));
        }
        loop {
            if let Some((status, _)) = targets
                .iter()
                .find(|(status, _)| status.failure().is_some())
            {
                return Err(ServiceError::unavailable(format!(
                    "the projection of {} stopped; see GetProjectionStatus",
                    status.stream
                ))
                .with_reason(reasons::PROJECTION_STOPPED));
            }
            let behind: Vec<String> = targets
                .iter()
                .filter(|(status, head)| status.applied.load(Ordering::SeqCst) < *head)
                .map(|(status, head)| {
                    format!(
                        "{} at {} of {head}",
                        status.stream,
                        status.applied.load(Ordering::SeqCst)
                    )
                })
                .collect();
            if behind.is_empty() {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ServiceError::unavailable(format!(
                    "the read models are catching up ({}); retry",
                    behind.join(", ")
                ))
                .with_reason(reasons::PROJECTION_LAGGING));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The running rebuild's progress, if one runs.
    pub fn rebuild_progress(&self) -> Option<RebuildProgress> {
        if !self.rebuilding.load(Ordering::SeqCst) {
            return None;
        }
        self.rebuild_progress
            .lock()
            .expect("rebuild lock")
            .as_ref()
            .map(|progress| *progress.borrow())
    }

    /// A rebuild asked for by `actor` as `request_id`. The retry of the latest such call, by
    /// the same caller, follows that rebuild (or reads how it ended) instead of starting
    /// another; the same request_id from another caller is refused. Remembered in memory only:
    /// after a restart, a retry starts a new rebuild, which gives the same tables.
    pub async fn rebuild_as(
        self: &Arc<Self>,
        request_id: &str,
        actor: &Actor,
    ) -> Result<watch::Receiver<RebuildProgress>, RebuildError> {
        let mut latest_call = self.latest_rebuild.lock().await;
        if let Some(latest) = latest_call.as_ref()
            && latest.request_id == request_id
        {
            if latest.actor != *actor {
                return Err(RebuildError::RequestIdOfAnotherCaller(
                    request_id.to_string(),
                ));
            }
            return Ok(latest.progress.clone());
        }
        let progress = self.rebuild().await?;
        *latest_call = Some(RebuildCall {
            request_id: request_id.to_string(),
            actor: actor.clone(),
            progress: progress.clone(),
        });
        Ok(progress)
    }

    /// Starts a rebuild: a new generation filled from the first event of every stream, while the
    /// active one keeps answering. It takes over once it has caught up with the heads the
    /// streams had when it started. Progress is published on the returned channel.
    pub async fn rebuild(
        self: &Arc<Self>,
    ) -> Result<watch::Receiver<RebuildProgress>, RebuildError> {
        if self.rebuilding.swap(true, Ordering::SeqCst) {
            return Err(RebuildError::AlreadyRunning);
        }
        let prepared = self.prepare_rebuild().await;
        let (number, target) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => {
                self.rebuilding.store(false, Ordering::SeqCst);
                return Err(error);
            }
        };
        let building = Generation::start(
            &self.database,
            &self.store,
            &self.registry,
            number,
            self.settings.batch,
        );
        let (sender, receiver) = watch::channel(RebuildProgress {
            generation: number,
            applied: 0,
            target,
            switched: false,
            elapsed_seconds: 0.0,
        });
        *self.rebuild_progress.lock().expect("rebuild lock") = Some(receiver.clone());
        let projections = self.clone();
        tokio::spawn(async move { projections.finish_rebuild(building, target, sender).await });
        Ok(receiver)
    }

    async fn prepare_rebuild(&self) -> Result<(i64, u64), RebuildError> {
        let number = *self.generation() + 1;
        schema::drop_generation(&self.database, &self.registry, number).await?;
        schema::create_generation(&self.database, &self.registry, number).await?;
        let mut target = 0;
        for context in self.registry.contexts() {
            target += self.store.stream_head(context).await?;
        }
        Ok((number, target))
    }

    async fn finish_rebuild(
        self: Arc<Self>,
        building: Generation,
        target: u64,
        progress: watch::Sender<RebuildProgress>,
    ) {
        let started = Instant::now();
        let number = building.number;
        tracing::info!(generation = number, target, "rebuild started");
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let applied = building.applied();
            let _ = progress.send(RebuildProgress {
                generation: number,
                applied,
                target,
                switched: false,
                elapsed_seconds: started.elapsed().as_secs_f64(),
            });
            if let Some(failure) = building
                .statuses()
                .iter()
                .find_map(|status| status.failure())
            {
                tracing::error!(generation = number, sequence = failure.sequence, reason = %failure.reason, "rebuild abandoned: the new generation stopped");
                drop(building);
                let _ = schema::drop_generation(&self.database, &self.registry, number).await;
                self.rebuilding.store(false, Ordering::SeqCst);
                return;
            }
            if applied >= target
                && building
                    .statuses()
                    .iter()
                    .all(|status| status.caught_up.load(Ordering::SeqCst))
            {
                break;
            }
        }
        refresh_statistics(&self.database, &self.registry, number).await;
        let switched = schema::activate(&self.database, &self.registry, number).await;
        if let Err(error) = switched {
            tracing::error!(%error, generation = number, "rebuild could not switch; the old generation stays active");
            drop(building);
            let _ = schema::drop_generation(&self.database, &self.registry, number).await;
            self.rebuilding.store(false, Ordering::SeqCst);
            return;
        }
        let old = std::mem::replace(
            &mut *self.active.write().expect("generation lock"),
            building,
        );
        let (old_number, readers) = (old.number, old.readers.clone());
        drop(old);
        // Queries still reading the old generation finish on it first. Each is bounded by the
        // request timeout, so a wait that goes on says something holds a reading it should not.
        let waiting = Instant::now();
        let mut next_report = Duration::from_secs(10);
        while Arc::strong_count(&readers) > 1 {
            if waiting.elapsed() >= next_report {
                tracing::warn!(
                    generation = old_number,
                    readers = Arc::strong_count(&readers) - 1,
                    seconds = waiting.elapsed().as_secs(),
                    "rebuild switched; the old generation is still being read, its tables stay"
                );
                next_report += Duration::from_secs(10);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(DROP_GRACE).await;
        if let Err(error) =
            schema::drop_generation(&self.database, &self.registry, old_number).await
        {
            tracing::warn!(%error, generation = old_number, "the old generation's tables could not be dropped");
        }
        let applied = self.active.read().expect("generation lock").applied();
        let _ = progress.send(RebuildProgress {
            generation: number,
            applied,
            target,
            switched: true,
            elapsed_seconds: started.elapsed().as_secs_f64(),
        });
        tracing::info!(
            generation = number,
            seconds = started.elapsed().as_secs_f64(),
            "rebuild switched over"
        );
        self.rebuilding.store(false, Ordering::SeqCst);
    }
}
