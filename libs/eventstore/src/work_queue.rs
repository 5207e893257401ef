//! A durable, ordered work queue over part of a context stream, for process managers: what one
//! context must do because of another's events. Unlike the read side's ordered consumers, the
//! position lives in NATS (a durable consumer), because the work is commands that must not be
//! lost: a message stays pending until its handler says it is done, and one not acknowledged
//! (the process crashed, the store was away) comes again. Handlers make redelivery harmless with
//! request_ids derived from the event.
//!
//! One message is outstanding at a time (`max_ack_pending = 1`), so the queue is handled in
//! stream order even across redeliveries and across instances sharing the consumer.

use std::time::Duration;

use async_nats::jetstream;
use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use futures::{Stream, StreamExt};

use crate::error::StoreError;
use crate::store::{EventStore, StoredMessage};

/// How long a delivered message may stay unacknowledged before it comes again: long enough
/// for a handler's few commands, short enough that a crashed process's work resumes soon.
const ACK_WAIT: Duration = Duration::from_secs(10);

/// One message of a work queue, to be marked done or handed back.
pub struct WorkItem {
    pub message: StoredMessage,
    /// How often it has been delivered, this time included.
    pub delivered: u64,
    inner: jetstream::Message,
}

impl WorkItem {
    /// The work is recorded: the queue moves on.
    pub async fn done(self) -> Result<(), StoreError> {
        self.inner
            .double_ack()
            .await
            .map_err(|error| StoreError::Unavailable(format!("acknowledging: {error}")))
    }

    /// The work could not be done now: the same message comes again after `delay`, before any
    /// later one.
    pub async fn retry_later(self, delay: Duration) -> Result<(), StoreError> {
        self.inner
            .ack_with(AckKind::Nak(Some(delay)))
            .await
            .map_err(|error| StoreError::Unavailable(format!("handing back: {error}")))
    }
}

impl EventStore {
    /// The messages of `context`'s stream on `filter_subject`, from the first one the durable
    /// consumer `name` has not been told is done.
    pub async fn work_queue(
        &self,
        context: &str,
        name: &str,
        filter_subject: String,
    ) -> Result<impl Stream<Item = Result<WorkItem, StoreError>> + use<>, StoreError> {
        let stream_name = self.namespace().stream_name(context);
        let unavailable = |error: String| {
            StoreError::Unavailable(format!("work queue {name} on {stream_name}: {error}"))
        };
        let stream = self
            .jetstream()
            .get_stream(&stream_name)
            .await
            .map_err(|error| unavailable(error.to_string()))?;
        let consumer: jetstream::consumer::Consumer<pull::Config> = stream
            .get_or_create_consumer(
                name,
                pull::Config {
                    durable_name: Some(name.to_string()),
                    description: Some(format!("work queue {name}")),
                    deliver_policy: DeliverPolicy::All,
                    ack_policy: AckPolicy::Explicit,
                    ack_wait: ACK_WAIT,
                    max_ack_pending: 1,
                    filter_subject,
                    ..pull::Config::default()
                },
            )
            .await
            .map_err(|error| unavailable(error.to_string()))?;
        let messages = consumer
            .messages()
            .await
            .map_err(|error| unavailable(error.to_string()))?;
        Ok(messages.map(|message| {
            let inner = message.map_err(|error| StoreError::Unavailable(error.to_string()))?;
            let info = inner
                .info()
                .map_err(|error| StoreError::Unavailable(error.to_string()))?;
            let (sequence, delivered) = (info.stream_sequence, info.delivered.max(1) as u64);
            Ok(WorkItem {
                message: StoredMessage {
                    subject: inner.subject.to_string(),
                    sequence,
                    payload: inner.payload.clone(),
                    headers: inner.headers.clone().unwrap_or_default(),
                },
                delivered,
                inner,
            })
        }))
    }
}
