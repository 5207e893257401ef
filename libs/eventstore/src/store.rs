//! The thin layer over JetStream: streams, append with expectations, reads by subject.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::message::{PublishMessage, StreamMessage};
use async_nats::jetstream::stream::{
    Config as StreamConfig, DirectGetErrorKind, DiscardPolicy, LastRawMessageErrorKind, Source,
    StorageType,
};
use async_nats::jetstream::{self, Context};
use bytes::Bytes;
use futures::StreamExt;
use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::naming::Namespace;

/// Durability and de-duplication settings of the streams this store creates.
#[derive(Clone, Debug)]
pub struct StoreSettings {
    /// Stream replicas: 1 in development, 3 in production.
    pub replicas: usize,
    /// How long JetStream remembers a Nats-Msg-Id (one per aggregate and request_id). Retries
    /// after it are still recognised from the aggregate's own history.
    pub duplicate_window: Duration,
    /// How long to wait for a JetStream API answer or publish acknowledgement.
    pub request_timeout: Duration,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            replicas: 1,
            duplicate_window: Duration::from_secs(10 * 60),
            request_timeout: Duration::from_secs(5),
        }
    }
}

/// A message as stored.
#[derive(Clone, Debug)]
pub struct StoredMessage {
    pub subject: String,
    pub sequence: u64,
    pub payload: Bytes,
    pub headers: HeaderMap,
}

/// What [`EventStore::messages_after`] read.
#[derive(Debug, Default)]
pub struct MessagesAfter {
    /// In stream order.
    pub messages: Vec<StoredMessage>,
    /// The subject held nothing after these when the server answered; otherwise the caller
    /// asks again after the last of them.
    pub complete: bool,
}

/// The result of an append that JetStream acknowledged.
/// What a sourced stream gained and dropped, each source as an operator reads it
/// (`HL_HAZARDS hl.330903.hazards.> via $JS.d330903.API`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceChanges {
    pub added: Vec<String>,
    pub dropped: Vec<String>,
}

#[derive(Clone, Copy, Debug)]
pub struct Appended {
    pub sequence: u64,
    /// JetStream had seen this message id inside its duplicate window and stored nothing.
    pub duplicate: bool,
}

/// Why an append was not acknowledged.
#[derive(Debug)]
pub enum AppendFailure {
    /// The aggregate moved on since it was loaded.
    WrongLastSequence,
    /// No acknowledgement came: the message may or may not have been stored.
    Uncertain(String),
    /// Nothing was sent, or the server refused.
    Unavailable(String),
}

/// JetStream, seen as an event store. Cheap to clone.
#[derive(Clone)]
pub struct EventStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: async_nats::Client,
    jetstream: Context,
    namespace: Namespace,
    settings: StoreSettings,
    /// Context name → stream name, for streams this process has made sure exist.
    known_streams: RwLock<HashMap<String, String>>,
}

impl EventStore {
    pub fn new(client: async_nats::Client, namespace: Namespace, settings: StoreSettings) -> Self {
        let jetstream = jetstream::ContextBuilder::new()
            .timeout(settings.request_timeout)
            // Wait for room instead of failing when many acknowledgements are outstanding.
            .backpressure_on_inflight(true)
            .build(client.clone());
        EventStore {
            inner: Arc::new(Inner {
                client,
                jetstream,
                namespace,
                settings,
                known_streams: RwLock::new(HashMap::new()),
            }),
        }
    }

    pub fn namespace(&self) -> &Namespace {
        &self.inner.namespace
    }

    pub fn client(&self) -> &async_nats::Client {
        &self.inner.client
    }

    pub fn jetstream(&self) -> &Context {
        &self.inner.jetstream
    }

    pub fn settings(&self) -> &StoreSettings {
        &self.inner.settings
    }

    /// Creates a context's stream if it does not exist. The stream is the system of record:
    /// file storage, no limits, and neither deletion nor purge of messages.
    pub async fn ensure_context_stream(&self, context: &str) -> Result<(), StoreError> {
        let config = StreamConfig {
            subjects: vec![self.inner.namespace.stream_subjects(context)],
            ..self.context_stream_config(context)
        };
        self.ensure_stream(context, config).await.map(|_| ())
    }

    /// Creates or mends a context's stream at a level above the districts (a city or the
    /// province) so that it sources exactly `sources`. It holds no subjects of its own: a stream
    /// that did would store a district's messages a second time wherever its subjects reach that
    /// district over a leaf node. It takes each district's stream of the context as a source,
    /// with the guarantees of a district's stream. An existing stream keeps the sources it
    /// still wants, gains the missing ones and drops the others (what a dropped source copied
    /// stays: the stream denies deletes). Returns the sources gained and dropped.
    pub async fn ensure_sourced_context_stream(
        &self,
        context: &str,
        sources: &[Source],
    ) -> Result<SourceChanges, StoreError> {
        let config = StreamConfig {
            sources: Some(sources.to_vec()),
            ..self.context_stream_config(context)
        };
        let name = config.name.clone();
        // What the stream sourced before this call, to report what it gained (none when it
        // did not exist: then it gains every source as it is created).
        let before = match self.inner.jetstream.get_stream(&name).await {
            Ok(stream) => stream
                .cached_info()
                .config
                .sources
                .clone()
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        let existing = self.ensure_stream(context, config).await?;
        if !existing.subjects.is_empty() {
            return Err(StoreError::Mismatch(format!(
                "stream {name} holds subjects of its own ({}); a sourced stream must hold none",
                existing.subjects.join(", ")
            )));
        }
        let has = existing.sources.clone().unwrap_or_default();
        let wanted = |source: &Source| sources.iter().any(|each| same_source(each, source));
        let kept = has.iter().filter(|source| wanted(source)).cloned();
        let missing = sources
            .iter()
            .filter(|source| !has.iter().any(|each| same_source(each, source)))
            .cloned();
        let exact: Vec<Source> = kept.into_iter().chain(missing).collect();
        if exact.len() != has.len() || has.iter().any(|source| !wanted(source)) {
            let mut updated = existing;
            updated.sources = Some(exact);
            self.inner
                .jetstream
                .update_stream(updated)
                .await
                .map_err(|error| StoreError::Unavailable(format!("stream {name}: {error}")))?;
        }
        Ok(SourceChanges {
            added: sources
                .iter()
                .filter(|source| !before.iter().any(|each| same_source(each, source)))
                .map(source_label)
                .collect(),
            dropped: before
                .iter()
                .filter(|source| !wanted(source))
                .map(source_label)
                .collect(),
        })
    }

    /// A context's stream without its subjects or sources.
    fn context_stream_config(&self, context: &str) -> StreamConfig {
        StreamConfig {
            name: self.inner.namespace.stream_name(context),
            description: Some(format!("Hazard Ledger events of the {context} context")),
            storage: StorageType::File,
            num_replicas: self.inner.settings.replicas,
            duplicate_window: self.inner.settings.duplicate_window,
            allow_direct: true,
            deny_delete: true,
            deny_purge: true,
            ..Default::default()
        }
    }

    /// Creates the stream that keeps each aggregate's latest snapshot. Snapshots are a cache:
    /// losing one only makes the next load replay more.
    pub async fn ensure_snapshot_stream(&self) -> Result<(), StoreError> {
        let namespace = &self.inner.namespace;
        let config = StreamConfig {
            name: namespace.snapshot_stream_name(),
            description: Some("Hazard Ledger aggregate snapshots (a cache)".to_string()),
            subjects: vec![namespace.snapshot_stream_subjects()],
            storage: StorageType::File,
            num_replicas: self.inner.settings.replicas,
            max_messages_per_subject: 1,
            discard: DiscardPolicy::Old,
            allow_direct: true,
            ..Default::default()
        };
        self.ensure_stream(SNAPSHOTS, config).await.map(|_| ())
    }

    /// Creates a stream unless it exists, checks its guarantees, and returns its settings.
    async fn ensure_stream(
        &self,
        key: &str,
        config: StreamConfig,
    ) -> Result<StreamConfig, StoreError> {
        let name = config.name.clone();
        let mut stream = self
            .inner
            .jetstream
            .get_or_create_stream(config.clone())
            .await
            .map_err(|error| StoreError::Unavailable(format!("stream {name}: {error}")))?;
        // Whichever process made the stream decided its settings; a stream that is not what
        // this configuration asks for stops the start instead of silently holding the ledger
        // with other guarantees.
        let existing = stream
            .info()
            .await
            .map_err(|error| StoreError::Unavailable(format!("stream {name}: {error}")))?
            .config
            .clone();
        let differences = stream_differences(&config, &existing);
        if !differences.is_empty() {
            return Err(StoreError::Mismatch(format!(
                "stream {name} exists with other settings than configured: {}",
                differences.join("; ")
            )));
        }
        self.inner
            .known_streams
            .write()
            .expect("stream registry lock")
            .insert(key.to_string(), name);
        Ok(existing)
    }

    fn stream_name(&self, key: &str) -> Result<String, StoreError> {
        self.inner
            .known_streams
            .read()
            .expect("stream registry lock")
            .get(key)
            .cloned()
            .ok_or_else(|| {
                // Streams are ensured once NATS answers; until then the store is not ready.
                StoreError::Unavailable(format!("the {key} stream is not ready yet"))
            })
    }

    async fn stream(&self, key: &str) -> Result<jetstream::stream::Stream<()>, StoreError> {
        let name = self.stream_name(key)?;
        self.inner
            .jetstream
            .get_stream_no_info(&name)
            .await
            .map_err(|error| StoreError::Configuration(format!("stream {name}: {error}")))
    }

    /// Appends one message to a subject if its last message is still `expected_last_sequence`
    /// (0: the subject must be empty). `message_id` de-duplicates retries inside the window,
    /// across the whole stream: a command's commit uses [`message_id`] of its subject and
    /// request_id.
    pub async fn append(
        &self,
        subject: &str,
        expected_last_sequence: u64,
        message_id: &str,
        payload: Bytes,
        headers: HeaderMap,
    ) -> Result<Appended, AppendFailure> {
        let message = PublishMessage::build()
            .headers(headers)
            .payload(payload)
            .message_id(message_id)
            .expected_last_subject_sequence(expected_last_sequence);
        let acknowledgement = self
            .inner
            .jetstream
            .send_publish(subject.to_string(), message)
            .await
            .map_err(|error| AppendFailure::Unavailable(error.to_string()))?;
        match acknowledgement.await {
            Ok(ack) => Ok(Appended {
                sequence: ack.sequence,
                duplicate: ack.duplicate,
            }),
            Err(error) => match error.kind() {
                PublishErrorKind::WrongLastSequence => Err(AppendFailure::WrongLastSequence),
                PublishErrorKind::TimedOut | PublishErrorKind::BrokenPipe => {
                    Err(AppendFailure::Uncertain(error.to_string()))
                }
                _ => Err(AppendFailure::Unavailable(error.to_string())),
            },
        }
    }

    /// The first message on `subject` after `after_sequence`, read without a consumer. Reads
    /// from any replica unless `from_leader`, which sees every acknowledged write.
    pub async fn next_message(
        &self,
        context: &str,
        subject: &str,
        after_sequence: u64,
        from_leader: bool,
    ) -> Result<Option<StoredMessage>, StoreError> {
        let stream = self.stream(context).await?;
        let found = if from_leader {
            match stream
                .raw_message_builder()
                .next_by_subject(subject)
                .sequence(after_sequence + 1)
                .send()
                .await
            {
                Ok(message) => Some(message),
                Err(error) if is_no_message(error.kind()) => None,
                Err(error) => return Err(StoreError::Unavailable(error.to_string())),
            }
        } else {
            match stream
                .direct_get_next_for_subject(subject, Some(after_sequence + 1))
                .await
            {
                Ok(message) => Some(message),
                Err(error) if error.kind() == DirectGetErrorKind::NotFound => None,
                Err(error) => return Err(StoreError::Unavailable(error.to_string())),
            }
        };
        Ok(found.map(|message| StoredMessage {
            subject: message.subject.to_string(),
            sequence: message.sequence,
            payload: message.payload,
            headers: message.headers,
        }))
    }

    /// Up to `limit` messages on `subject` after `after_sequence`, in stream order, in one
    /// request: a batched direct get (nats-server 2.11 and later). It reads without a consumer,
    /// from any replica, and the server ends its answer with a marker that says how many
    /// messages remain. A server before 2.11 answers the same request with the first message
    /// alone; the read then says it is not complete, and the caller asks again from there.
    pub async fn messages_after(
        &self,
        context: &str,
        subject: &str,
        after_sequence: u64,
        limit: usize,
    ) -> Result<MessagesAfter, StoreError> {
        let stream_name = self.stream_name(context)?;
        let unavailable = |error: &dyn std::fmt::Display| {
            StoreError::Unavailable(format!("a read of {subject}: {error}"))
        };
        let client = &self.inner.client;
        let inbox = client.new_inbox();
        let mut answers = client
            .subscribe(inbox.clone())
            .await
            .map_err(|error| unavailable(&error))?;
        let request = serde_json::json!({
            "seq": after_sequence + 1,
            "next_by_subj": subject,
            "batch": limit.clamp(1, MOST_IN_ONE_READ),
            "max_bytes": READ_MAX_BYTES,
        });
        client
            .publish_with_reply(
                format!("{JETSTREAM_API}.DIRECT.GET.{stream_name}"),
                inbox,
                Bytes::from(request.to_string()),
            )
            .await
            .map_err(|error| unavailable(&error))?;
        let timeout = self.inner.settings.request_timeout;
        let mut read = MessagesAfter::default();
        loop {
            let answer = tokio::time::timeout(timeout, answers.next())
                .await
                .map_err(|_| unavailable(&format!("no answer within {timeout:?}")))?
                .ok_or_else(|| unavailable(&"the connection closed"))?;
            // Each message of a batch names the one sent before it (0 for the first), and the
            // end marker the last one: a message lost on the way fails the read.
            let sent_before = header_number(&answer, LAST_SEQUENCE);
            let received_before = read.messages.last().map_or(0, |message| message.sequence);
            if sent_before.is_some_and(|sent| sent != received_before) {
                return Err(unavailable(&"a message of the batch did not arrive"));
            }
            match answer.status.map(|status| status.as_u16()) {
                None => {
                    let batched = header_number(&answer, NUM_PENDING).is_some();
                    let message =
                        StreamMessage::try_from(answer).map_err(|error| unavailable(&error))?;
                    read.messages.push(StoredMessage {
                        subject: message.subject.to_string(),
                        sequence: message.sequence,
                        payload: message.payload,
                        headers: message.headers,
                    });
                    if !batched {
                        return Ok(read);
                    }
                }
                Some(END_OF_BATCH) => {
                    read.complete = header_number(&answer, NUM_PENDING) == Some(0);
                    return Ok(read);
                }
                // Nothing on the subject after the sequence.
                Some(404) => {
                    read.complete = true;
                    return Ok(read);
                }
                Some(status) => {
                    return Err(unavailable(&format!(
                        "answered {status} {}",
                        answer.description.unwrap_or_default()
                    )));
                }
            }
        }
    }

    /// Hands every message on `subject` after `after_sequence` to `each`, in stream order,
    /// reading `batch` messages a request, until the subject ends or `each` answers false.
    pub async fn each_after<E: From<StoreError>>(
        &self,
        (context, subject): (&str, &str),
        mut after_sequence: u64,
        batch: usize,
        mut each: impl FnMut(&StoredMessage) -> Result<bool, E>,
    ) -> Result<(), E> {
        loop {
            let read = self
                .messages_after(context, subject, after_sequence, batch)
                .await?;
            for message in &read.messages {
                if !each(message)? {
                    return Ok(());
                }
                after_sequence = message.sequence;
            }
            if read.complete || read.messages.is_empty() {
                return Ok(());
            }
        }
    }

    /// The stream sequence of the last message on `subject`, 0 when there is none.
    pub async fn last_sequence(&self, context: &str, subject: &str) -> Result<u64, StoreError> {
        let stream = self.stream(context).await?;
        match stream.direct_get_last_for_subject(subject).await {
            Ok(message) => Ok(message.sequence),
            Err(error) if error.kind() == DirectGetErrorKind::NotFound => Ok(0),
            Err(error) => Err(StoreError::Unavailable(error.to_string())),
        }
    }

    /// The latest snapshot stored for an aggregate subject, if any.
    pub async fn latest_snapshot(
        &self,
        aggregate_subject: &str,
    ) -> Result<Option<Bytes>, StoreError> {
        let subject = self.inner.namespace.snapshot_subject(aggregate_subject);
        let stream = self.stream(SNAPSHOTS).await?;
        match stream.direct_get_last_for_subject(subject).await {
            Ok(message) => Ok(Some(message.payload)),
            Err(error) if error.kind() == DirectGetErrorKind::NotFound => Ok(None),
            Err(error) => Err(StoreError::Unavailable(error.to_string())),
        }
    }

    /// Stores a snapshot, replacing the previous one of the aggregate.
    pub async fn put_snapshot(
        &self,
        aggregate_subject: &str,
        payload: Bytes,
    ) -> Result<(), StoreError> {
        let subject = self.inner.namespace.snapshot_subject(aggregate_subject);
        let acknowledgement = self
            .inner
            .jetstream
            .publish(subject, payload)
            .await
            .map_err(|error| StoreError::Unavailable(error.to_string()))?;
        acknowledgement
            .await
            .map_err(|error| StoreError::Unavailable(error.to_string()))?;
        Ok(())
    }
}

/// The Nats-Msg-Id of a command's commit: the SHA-256, in lowercase hex, of the aggregate's
/// subject, a newline and the request_id.
///
/// JetStream de-duplicates message ids across the whole stream; mixing in the subject makes it
/// de-duplicate per aggregate. That loses nothing: the id of a new aggregate is derived from the
/// request_id, so a retry reaches the same subject and is recognised there, and every aggregate
/// also recognises retries from its own request log. And it keeps one caller from blocking a
/// command on another aggregate by using its request_id first. The newline cannot occur in a
/// subject, so no other (subject, request_id) pair hashes the same bytes.
pub fn message_id(subject: &str, request_id: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(subject.as_bytes());
    hasher.update(b"\n");
    hasher.update(request_id.as_bytes());
    hex::encode(hasher.finalize())
}

/// The JetStream API's subject prefix: the store's context has neither a domain nor a prefix of
/// its own.
const JETSTREAM_API: &str = "$JS.API";

/// The most bytes one batched read asks for; the server still sends a larger single message.
const READ_MAX_BYTES: usize = 8 * 1024 * 1024;

/// The status of the marker that ends a batched direct get's answer.
const END_OF_BATCH: u16 = 204;

/// The header of a batched direct get's messages and end marker: how many messages remain.
const NUM_PENDING: &str = "Nats-Num-Pending";

/// The header of a batched direct get's messages and end marker: the sequence of the message
/// sent before (0 for the first).
const LAST_SEQUENCE: &str = "Nats-Last-Sequence";

/// The most messages one read asks for, far below what a subscription buffers.
const MOST_IN_ONE_READ: usize = 1024;

/// A numeric header of an answer, when it has one.
fn header_number(answer: &async_nats::Message, name: &str) -> Option<u64> {
    answer
        .headers
        .as_ref()?
        .get(name)?
        .as_str()
        .trim()
        .parse()
        .ok()
}

/// The key of the snapshot stream among the known streams.
const SNAPSHOTS: &str = "__snapshots";

fn is_no_message(kind: LastRawMessageErrorKind) -> bool {
    match kind {
        LastRawMessageErrorKind::NoMessageFound => true,
        // Servers before 2.10 answer a get past the end with a JetStream "no message found"
        // error (code 10037) rather than an empty result.
        LastRawMessageErrorKind::JetStream(error) => {
            error.error_code() == async_nats::jetstream::ErrorCode::NO_MESSAGE_FOUND
        }
        _ => false,
    }
}

/// Whether two sources read the same stream of the same domain through the same filter.
fn same_source(one: &Source, other: &Source) -> bool {
    let api = |source: &Source| {
        source
            .external
            .as_ref()
            .map(|external| external.api_prefix.clone())
    };
    one.name == other.name && one.filter_subject == other.filter_subject && api(one) == api(other)
}

/// A source as an operator reads it: `HL_HAZARDS hl.330903.hazards.> via $JS.d330903.API`.
fn source_label(source: &Source) -> String {
    let filter = source.filter_subject.clone().unwrap_or_default();
    match &source.external {
        Some(external) => format!("{} {filter} via {}", source.name, external.api_prefix),
        None => format!("{} {filter}", source.name),
    }
}

/// What an existing stream's settings differ in from the ones asked for: replicas, storage,
/// the ban on deleting and purging, the duplicate window.
fn stream_differences(wanted: &StreamConfig, existing: &StreamConfig) -> Vec<String> {
    let mut differences = Vec::new();
    let mut compare = |what: &str, wanted: String, existing: String| {
        if wanted != existing {
            differences.push(format!("{what} is {existing}, configured {wanted}"));
        }
    };
    compare(
        "replicas",
        wanted.num_replicas.max(1).to_string(),
        existing.num_replicas.max(1).to_string(),
    );
    compare(
        "storage",
        format!("{:?}", wanted.storage),
        format!("{:?}", existing.storage),
    );
    compare(
        "deny_delete",
        wanted.deny_delete.to_string(),
        existing.deny_delete.to_string(),
    );
    compare(
        "deny_purge",
        wanted.deny_purge.to_string(),
        existing.deny_purge.to_string(),
    );
    if wanted.duplicate_window != Duration::ZERO {
        compare(
            "the duplicate window",
            format!("{:?}", wanted.duplicate_window),
            format!("{:?}", existing.duplicate_window),
        );
    }
    differences
}
