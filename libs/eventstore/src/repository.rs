//! Loading aggregates and executing commands against them: decide, append with the expected
//! subject sequence, re-decide on conflict a bounded number of times, and recognise a retried
//! request from the aggregate's own history even after JetStream's de-duplication window.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;

use async_nats::HeaderMap;
use bytes::Bytes;
use chrono::{DateTime, SubsecRound, Utc};
use hl_proto::common::v1::Actor;
use hl_telemetry::metrics::{ContextLabels, metrics};
use tracing::{Instrument, warn};

use crate::CommitRecord;
use crate::cache::BoundedCache;
use crate::commit::{CommitHeader, DecodedCommit, commit_digest, decode_commit};
use crate::error::{ExecuteError, StoreError};
use crate::request_log::{Requests, requester};
use crate::snapshot;
use crate::store::{AppendFailure, EventStore, StoredMessage, message_id};
use crate::trace_context;
use hl_domain::aggregate::check_expectations;
use hl_domain::{Aggregate, CommandContext};

/// The context's label for the metrics.
fn labels<A: Aggregate>() -> ContextLabels {
    ContextLabels {
        context: A::CONTEXT.to_string(),
    }
}

/// Tuning of a repository. The defaults suit the embedded suite and production alike.
#[derive(Clone, Debug)]
pub struct RepositorySettings {
    /// How many times a command is decided before a persistent conflict returns ABORTED.
    pub max_attempts: u32,
    /// A snapshot is written after this many commits since the last one.
    pub snapshot_every: u64,
    /// How many loaded aggregates stay in memory.
    pub cache_capacity: usize,
    /// How many bytes the loaded aggregates in memory may weigh together, counting each as
    /// long as its snapshot would be (the heap they take is larger: strings and maps carry
    /// their own overhead). The suite's one process holds about forty repositories, so at
    /// 32 MiB each their caches weigh at most about 1.3 GiB together, however large single
    /// aggregates grow.
    pub cache_bytes: usize,
    /// How many recent request_ids each aggregate remembers, to recognise retries after
    /// JetStream's de-duplication window.
    pub request_log_capacity: usize,
    /// When a command is recorded: the system clock, except in tests of late entry.
    pub clock: hl_domain::clock::Clock,
    /// How many commits one read of an aggregate's history asks the server for. A load reads
    /// the commits after its snapshot in one request when there are no more than this.
    pub read_batch: usize,
}

impl Default for RepositorySettings {
    fn default() -> Self {
        RepositorySettings {
            max_attempts: 5,
            snapshot_every: 16,
            cache_capacity: 20_000,
            cache_bytes: 32 * 1024 * 1024,
            request_log_capacity: 1024,
            clock: hl_domain::clock::Clock::system(),
            read_batch: 256,
        }
    }
}

/// An aggregate as far as the stream has been read.
#[derive(Clone, Debug)]
pub struct Loaded<A> {
    pub state: A,
    /// Number of events applied: the aggregate's version.
    pub version: u64,
    /// Stream sequence of the last commit read; 0 when the aggregate has no history.
    pub last_sequence: u64,
    /// When the last recorded step happened (business time): a later step may not be dated
    /// before it.
    pub last_occurred_at: Option<DateTime<Utc>>,
    pub(crate) last_commit_sha256: Vec<u8>,
    pub(crate) commits_since_snapshot: u64,
    pub(crate) requests: Requests,
    /// The state's weight in the cache and the version it was weighed at.
    pub(crate) weighed: Option<(u64, usize)>,
}

impl<A: Aggregate> Loaded<A> {
    /// Whether a request is among those the aggregate recorded lately (its request log).
    pub fn has_recorded(&self, request_id: &str) -> bool {
        self.requests.log().get(request_id).is_some()
    }

    /// Whether this caller made this request lately: a retry of it is answered with what it
    /// recorded, whatever has changed since.
    pub fn recorded_for(&self, request_id: &str, actor: &Actor) -> bool {
        self.requests.log().made_by(request_id, &requester(actor))
    }

    fn empty(request_log_capacity: usize) -> Self {
        Loaded {
            state: A::default(),
            version: 0,
            last_sequence: 0,
            last_occurred_at: None,
            last_commit_sha256: Vec::new(),
            commits_since_snapshot: 0,
            requests: Requests::new(request_log_capacity),
            weighed: None,
        }
    }

    /// Whether the aggregate has any history.
    pub fn exists(&self) -> bool {
        self.last_sequence > 0
    }
}

/// Who asks for a command, and under which request.
#[derive(Clone, Debug)]
pub struct RequestMeta {
    pub request_id: String,
    pub actor: Actor,
    /// Business time of the command; now when absent.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Shared with the request that caused this one; the request_id when absent.
    pub correlation_id: Option<String>,
    /// For a step loaded from a past ledger: the bureau administrator who imported it; `actor`
    /// is then who the ledger says acted.
    pub migrated_by: Option<Actor>,
}

/// A command's outcome.
#[derive(Clone, Debug)]
pub struct Executed<A> {
    pub state: A,
    /// The aggregate's current version (after this command, or now for a replayed one).
    pub version: u64,
    pub commit: CommitRecord,
    /// The request had been recorded before: nothing new was appended.
    pub replayed: bool,
}

/// Loads and changes aggregates of one type in one region.
pub struct Repository<A: Aggregate> {
    store: EventStore,
    region: String,
    settings: RepositorySettings,
    cache: Mutex<BoundedCache<Loaded<A>>>,
    /// Commands on one aggregate run one at a time in this process; across processes the
    /// expected-sequence check keeps them apart.
    stripes: Vec<tokio::sync::Mutex<()>>,
}

const LOCK_STRIPES: usize = 1024;

impl<A: Aggregate> Repository<A> {
    pub fn new(store: EventStore, region: impl Into<String>, settings: RepositorySettings) -> Self {
        Repository {
            store,
            region: region.into(),
            cache: Mutex::new(BoundedCache::new(
                settings.cache_capacity,
                settings.cache_bytes,
            )),
            settings,
            stripes: (0..LOCK_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }
    }

    pub fn store(&self) -> &EventStore {
        &self.store
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// The resource name of an aggregate, e.g. "hazards/{id}".
    pub fn name(aggregate_id: &str) -> String {
        format!("{}/{aggregate_id}", A::COLLECTION)
    }

    /// The subject that holds an aggregate's commits.
    pub fn subject(&self, aggregate_id: &str) -> String {
        self.store.namespace().aggregate_subject(
            &self.region,
            A::CONTEXT,
            A::AGGREGATE_TYPE,
            aggregate_id,
        )
    }

    fn stripe(&self, aggregate_id: &str) -> &tokio::sync::Mutex<()> {
        let mut hasher = DefaultHasher::new();
        aggregate_id.hash(&mut hasher);
        &self.stripes[(hasher.finish() as usize) % self.stripes.len()]
    }

    fn cache_take(&self, aggregate_id: &str) -> Option<Loaded<A>> {
        self.cache.lock().expect("cache lock").take(aggregate_id)
    }

    /// Keeps an aggregate for the next command. One with no commit is never kept: reads of
    /// unknown ids would otherwise push the aggregates in use out of the cache.
    fn cache_put(&self, aggregate_id: &str, mut loaded: Loaded<A>) {
        if loaded.last_sequence == 0 {
            return;
        }
        // Weighed before taking the lock, which every command of this type waits for.
        let weight = match snapshot::weight(&mut loaded) {
            Ok(weight) => weight,
            Err(error) => {
                // Its snapshot could not be written either; the next command loads it again.
                warn!(aggregate_id, %error, "cannot weigh an aggregate; not caching it");
                return;
            }
        };
        self.cache
            .lock()
            .expect("cache lock")
            .insert(aggregate_id.to_string(), loaded, weight);
    }

    /// How many aggregates the cache holds.
    pub fn cached_aggregates(&self) -> usize {
        self.cache.lock().expect("cache lock").len()
    }

    /// What the cached aggregates weigh together, in bytes (see `cache_bytes`).
    pub fn cached_bytes(&self) -> usize {
        self.cache.lock().expect("cache lock").bytes()
    }

    /// The aggregate's current state, as of the latest commit in the stream.
    pub async fn load(&self, aggregate_id: &str) -> Result<Loaded<A>, StoreError> {
        if !crate::is_valid_token(aggregate_id) {
            // Every aggregate's id is checked when it is made, so such an id names nothing, and
            // it would be no valid subject to read: a handler looking up an id from a request
            // learns "does not exist", not that the store failed.
            return Ok(Loaded::empty(self.settings.request_log_capacity));
        }
        let subject = self.subject(aggregate_id);
        let _turn = self.stripe(aggregate_id).lock().await;
        let loaded = match self.cache_take(aggregate_id) {
            Some(mut cached) => {
                // One read tells whether another process appended since we cached it.
                let last = self.store.last_sequence(A::CONTEXT, &subject).await?;
                if last != cached.last_sequence {
                    self.catch_up(&subject, &mut cached, true).await?;
                }
                cached
            }
            None => self.load_from_store(&subject).await?,
        };
        let result = loaded.clone();
        self.cache_put(aggregate_id, loaded);
        Ok(result)
    }

    /// Loads without the cache: the latest snapshot that matches the history, then every later
    /// commit. With a snapshot, one read starts at the commit the snapshot claims to follow, so
    /// checking it and reading what came after take one request.
    pub async fn load_from_store(&self, subject: &str) -> Result<Loaded<A>, StoreError> {
        let snapshot = match self.store.latest_snapshot(subject).await? {
            Some(bytes) => snapshot::decode::<A>(&bytes),
            None => None,
        };
        if let Some(mut loaded) = snapshot
            && let Some(before) = loaded.last_sequence.checked_sub(1)
        {
            let read = self
                .store
                .messages_after(A::CONTEXT, subject, before, self.settings.read_batch)
                .await?;
            let mut messages = read.messages.iter();
            if snapshot_follows(&loaded, messages.next()) {
                for message in messages {
                    apply_commit(&mut loaded, message)?;
                }
                if !read.complete {
                    self.catch_up(subject, &mut loaded, false).await?;
                }
                return Ok(loaded);
            }
            warn!(
                subject,
                sequence = loaded.last_sequence,
                "a snapshot does not match the commit it claims to follow; replaying the history"
            );
        }
        let mut loaded = Loaded::empty(self.settings.request_log_capacity);
        self.catch_up(subject, &mut loaded, false).await?;
        Ok(loaded)
    }

    /// Loads the whole history from the first commit, ignoring snapshots.
    pub async fn load_full_history(&self, aggregate_id: &str) -> Result<Loaded<A>, StoreError> {
        let subject = self.subject(aggregate_id);
        let mut loaded = Loaded::empty(self.settings.request_log_capacity);
        self.catch_up(&subject, &mut loaded, false).await?;
        Ok(loaded)
    }

    /// The aggregate as it stood at `as_of` (business time): its commits that happened by then,
    /// as the stream holds them now. Steps are dated in order ([`check_expectations`]), so these
    /// are the first commits of its history, and an aggregate whose first step came later did
    /// not exist yet. A moment at or after its last step is its current state, from the cache.
    ///
    /// The history is read only for a reader who `may_know_of` the aggregate as it stands: one
    /// who may not (another enterprise's record) is handed it as missing, which it is to them,
    /// without the cost of a replay. What decides it, the record's enterprise, never changes.
    pub async fn load_as_of(
        &self,
        aggregate_id: &str,
        as_of: DateTime<Utc>,
        may_know_of: impl FnOnce(&A) -> bool,
    ) -> Result<Loaded<A>, StoreError> {
        let current = self.load(aggregate_id).await?;
        if current.exists() && !may_know_of(&current.state) {
            return Ok(Loaded::empty(self.settings.request_log_capacity));
        }
        // A snapshot from before steps were dated in it knows no last step: replayed.
        let settled = current.last_occurred_at.is_some_and(|last| last <= as_of);
        if !current.exists() || settled {
            return Ok(current);
        }
        let subject = self.subject(aggregate_id);
        let mut loaded = Loaded::empty(self.settings.request_log_capacity);
        self.store
            .each_after(
                (A::CONTEXT, &subject),
                0,
                self.settings.read_batch,
                |message| {
                    let decoded = decode_stored::<A>(message)?;
                    let later = decoded
                        .events
                        .first()
                        .is_some_and(|(_, meta)| meta.occurred_at > as_of);
                    if later {
                        return Ok(false);
                    }
                    apply_decoded(&mut loaded, message, decoded).map(|_| true)
                },
            )
            .await?;
        Ok(loaded)
    }

    /// Reads and applies every commit after the loaded one: in batches, or, `from_leader`, one
    /// by one from the stream's leader, which has every acknowledged write.
    async fn catch_up(
        &self,
        subject: &str,
        loaded: &mut Loaded<A>,
        from_leader: bool,
    ) -> Result<(), StoreError> {
        if from_leader {
            while let Some(message) = self
                .store
                .next_message(A::CONTEXT, subject, loaded.last_sequence, true)
                .await?
            {
                apply_commit(loaded, &message)?;
            }
            return Ok(());
        }
        self.store
            .each_after(
                (A::CONTEXT, subject),
                loaded.last_sequence,
                self.settings.read_batch,
                |message| apply_commit(loaded, message).map(|_| true),
            )
            .await
    }

    /// Decides a command against the aggregate and appends its events as one commit.
    ///
    /// A request_id the aggregate has already recorded returns the first outcome and appends
    /// nothing. A conflict with a concurrent writer reloads and decides again, up to
    /// `max_attempts` times.
    pub async fn execute(
        &self,
        aggregate_id: &str,
        command: &A::Command,
        request: &RequestMeta,
    ) -> Result<Executed<A>, ExecuteError<A::Error>> {
        let subject = self.subject(aggregate_id);
        let _turn = self.stripe(aggregate_id).lock().await;
        let mut loaded = match self.cache_take(aggregate_id) {
            Some(cached) => cached,
            None => self.load_from_store(&subject).await?,
        };
        let result = self
            .decide_and_append(&subject, aggregate_id, command, request, &mut loaded)
            .await;
        // Whatever happened, `loaded` is the stream's state as far as it was read, unless the
        // history itself could not be trusted.
        if !matches!(
            result,
            Err(ExecuteError::Store(
                StoreError::Integrity { .. } | StoreError::Undecodable { .. }
            ))
        ) {
            self.cache_put(aggregate_id, loaded);
        }
        result
    }

    async fn decide_and_append(
        &self,
        subject: &str,
        aggregate_id: &str,
        command: &A::Command,
        request: &RequestMeta,
        loaded: &mut Loaded<A>,
    ) -> Result<Executed<A>, ExecuteError<A::Error>> {
        let message_id = message_id(subject, &request.request_id);
        let mut attempts = 0;
        loop {
            // A caller who may not know of the aggregate learns nothing from its request log
            // either: it is answered as a missing one is, before any replay.
            if loaded.exists() && !loaded.state.known_to(&request.actor) {
                let context = CommandContext::new(aggregate_id, request.actor.clone(), Utc::now());
                check_expectations::<A>(&loaded.state, command, true, None, &context)
                    .map_err(|refusal| ExecuteError::Domain(refusal.into()))?;
            }
            if let Some(replay) = loaded
                .requests
                .read()
                .replay::<A::Error>(&request.request_id, &requester(&request.actor))
            {
                let record = replay.map_err(ExecuteError::Domain)?;
                metrics()
                    .requests_deduplicated
                    .get_or_create(&labels::<A>())
                    .inc();
                return Ok(Executed {
                    state: loaded.state.clone(),
                    version: loaded.version,
                    commit: record.clone(),
                    replayed: true,
                });
            }
            if attempts == self.settings.max_attempts {
                metrics()
                    .commands_aborted
                    .get_or_create(&labels::<A>())
                    .inc();
                return Err(ExecuteError::Conflict { attempts });
            }
            if attempts > 0 {
                metrics()
                    .command_retries
                    .get_or_create(&labels::<A>())
                    .inc();
            }
            attempts += 1;

            // Times are kept to the millisecond, as the read models store them, so a state
            // folded from the events and one read back from a table are equal.
            let now = self.settings.clock.now().trunc_subsecs(3);
            let context = CommandContext {
                aggregate_id: aggregate_id.to_string(),
                actor: request.actor.clone(),
                now,
                occurred_at: request.occurred_at.map_or(now, |at| at.trunc_subsecs(3)),
            };
            check_expectations::<A>(
                &loaded.state,
                command,
                loaded.exists(),
                loaded.last_occurred_at,
                &context,
            )
            .map_err(|refusal| ExecuteError::Domain(refusal.into()))?;
            let events = loaded
                .state
                .decide(command, &context)
                .map_err(ExecuteError::Domain)?;
            if events.is_empty() {
                return Ok(Executed {
                    state: loaded.state.clone(),
                    version: loaded.version,
                    commit: CommitRecord {
                        aggregate_version: loaded.version,
                        stream_sequence: loaded.last_sequence,
                        event_ids: Vec::new(),
                    },
                    replayed: false,
                });
            }
            let payload = self.encode_commit(&events, loaded, request, &context);

            let span = tracing::info_span!(
                "append",
                otel.name = format!("send {}", A::CONTEXT),
                otel.kind = "producer",
                messaging.system = "nats",
                messaging.operation.type = "send",
                messaging.destination.name = subject,
                messaging.message.id = message_id.as_str(),
                aggregate.version = loaded.version,
            );
            let mut headers = HeaderMap::new();
            trace_context::inject(&span, &mut headers);
            let started = std::time::Instant::now();
            let outcome = self
                .store
                .append(
                    subject,
                    loaded.last_sequence,
                    &message_id,
                    payload.clone(),
                    headers,
                )
                .instrument(span)
                .await;
            metrics()
                .append_duration
                .get_or_create(&labels::<A>())
                .observe(started.elapsed().as_secs_f64());
            match outcome {
                Ok(appended) if !appended.duplicate => {
                    let stored = StoredMessage {
                        subject: subject.to_string(),
                        sequence: appended.sequence,
                        payload,
                        headers: HeaderMap::new(),
                    };
                    // Applying the stored bytes, not the in-memory events, keeps the cached
                    // state identical to what a reload would produce.
                    let record = apply_commit(loaded, &stored)?;
                    self.maybe_snapshot(subject, loaded);
                    return Ok(Executed {
                        state: loaded.state.clone(),
                        version: loaded.version,
                        commit: record,
                        replayed: false,
                    });
                }
                Ok(_) => {
                    // JetStream saw this request_id on this aggregate inside its window: an
                    // earlier attempt recorded it (or another request given the same
                    // request_id did). Its outcome is in the request log, unless more commands
                    // followed it on this aggregate than the log holds.
                    self.catch_up(subject, loaded, true).await?;
                    return match loaded
                        .requests
                        .read()
                        .replay::<A::Error>(&request.request_id, &requester(&request.actor))
                    {
                        Some(Ok(record)) => Ok(Executed {
                            state: loaded.state.clone(),
                            version: loaded.version,
                            commit: record.clone(),
                            replayed: true,
                        }),
                        Some(Err(refusal)) => Err(ExecuteError::Domain(refusal)),
                        None => Err(ExecuteError::RequestOutcomeForgotten {
                            request_id: request.request_id.clone(),
                        }),
                    };
                }
                Err(AppendFailure::WrongLastSequence) => {
                    metrics()
                        .append_conflicts
                        .get_or_create(&labels::<A>())
                        .inc();
                    self.catch_up(subject, loaded, true).await?;
                }
                Err(AppendFailure::Uncertain(reason)) => {
                    // The commit may have landed; the next loop turn finds it by request_id.
                    // When the store cannot even be read back, the caller must not be told that
                    // nothing changed.
                    warn!(subject, %reason, "append outcome unknown; reloading");
                    if let Err(error) = self.catch_up(subject, loaded, true).await {
                        return Err(ExecuteError::Store(StoreError::OutcomeUnknown(format!(
                            "{reason}; reading it back failed: {error}"
                        ))));
                    }
                }
                Err(AppendFailure::Unavailable(reason)) => {
                    return Err(ExecuteError::Store(StoreError::Unavailable(reason)));
                }
            }
        }
    }

    fn encode_commit(
        &self,
        events: &[A::Event],
        loaded: &Loaded<A>,
        request: &RequestMeta,
        context: &CommandContext,
    ) -> Bytes {
        crate::commit::encode_commit(
            events,
            &CommitHeader {
                aggregate_type: A::AGGREGATE_TYPE,
                region: &self.region,
                version: loaded.version,
                previous_commit_sha256: &loaded.last_commit_sha256,
                request,
                context,
            },
        )
    }

    /// Writes a snapshot in the background once enough commits have piled up since the last.
    fn maybe_snapshot(&self, subject: &str, loaded: &mut Loaded<A>) {
        if loaded.commits_since_snapshot < self.settings.snapshot_every {
            return;
        }
        loaded.commits_since_snapshot = 0;
        let encoded = match snapshot::encode(loaded) {
            Ok(encoded) => encoded,
            Err(error) => {
                warn!(subject, %error, "cannot encode a snapshot");
                return;
            }
        };
        let store = self.store.clone();
        let subject = subject.to_string();
        tokio::spawn(async move {
            if let Err(error) = store.put_snapshot(&subject, Bytes::from(encoded)).await {
                warn!(subject, %error, "cannot store a snapshot; loads replay more until the next");
            }
        });
    }
}

/// A snapshot is used only if the commit it claims to follow is there: the first message read
/// from its sequence is a commit of this aggregate at that sequence, with the digest and the
/// version the snapshot names. Otherwise (a snapshot of another aggregate, of a history since
/// restored or cut short, or altered) it is ignored and the history is replayed from its first
/// commit, whose chain of digests is checked commit by commit.
fn snapshot_follows<A: Aggregate>(snapshot: &Loaded<A>, first: Option<&StoredMessage>) -> bool {
    first.is_some_and(|message| {
        message.sequence == snapshot.last_sequence
            && commit_digest(&message.payload) == snapshot.last_commit_sha256
            && decode_commit::<A::Event>(&message.payload)
                .ok()
                .and_then(|commit| commit.events.last().map(|(_, meta)| meta.aggregate_version))
                == Some(snapshot.version)
    })
}

/// Applies one stored commit to a loaded aggregate, checking its place in the hash chain.
fn apply_commit<A: Aggregate>(
    loaded: &mut Loaded<A>,
    message: &StoredMessage,
) -> Result<CommitRecord, StoreError> {
    let decoded = decode_stored::<A>(message)?;
    apply_decoded(loaded, message, decoded)
}

fn decode_stored<A: Aggregate>(
    message: &StoredMessage,
) -> Result<DecodedCommit<A::Event>, StoreError> {
    decode_commit::<A::Event>(&message.payload).map_err(|reason| StoreError::Undecodable {
        subject: message.subject.clone(),
        sequence: message.sequence,
        reason,
    })
}

/// Applies a stored commit, decoded, to a loaded aggregate (see [`apply_commit`]).
fn apply_decoded<A: Aggregate>(
    loaded: &mut Loaded<A>,
    message: &StoredMessage,
    decoded: DecodedCommit<A::Event>,
) -> Result<CommitRecord, StoreError> {
    if decoded.previous_commit_sha256 != loaded.last_commit_sha256 {
        return Err(StoreError::Integrity {
            subject: message.subject.clone(),
            sequence: message.sequence,
            reason: "the commit does not follow the previous commit of its aggregate".to_string(),
        });
    }
    let mut event_ids = Vec::with_capacity(decoded.events.len());
    for (event, meta) in &decoded.events {
        if meta.aggregate_version != loaded.version + 1 {
            return Err(StoreError::Integrity {
                subject: message.subject.clone(),
                sequence: message.sequence,
                reason: format!(
                    "event version {} follows version {}",
                    meta.aggregate_version, loaded.version
                ),
            });
        }
        loaded.state.apply(event, meta);
        loaded.version = meta.aggregate_version;
        loaded.last_occurred_at = Some(
            loaded
                .last_occurred_at
                .map_or(meta.occurred_at, |previous| previous.max(meta.occurred_at)),
        );
        event_ids.push(meta.event_id.clone());
    }
    let record = CommitRecord {
        aggregate_version: loaded.version,
        stream_sequence: message.sequence,
        event_ids,
    };
    loaded.last_sequence = message.sequence;
    loaded.last_commit_sha256 = commit_digest(&message.payload);
    loaded.commits_since_snapshot += 1;
    let made_by = decoded
        .events
        .first()
        .map(|(_, meta)| requester(&meta.actor))
        .unwrap_or_default();
    loaded
        .requests
        .record(decoded.request_id, record.clone(), made_by);
    Ok(record)
}
