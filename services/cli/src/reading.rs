//! Reading a context stream, or one aggregate's part of it, in order from a sequence, knowing
//! when the messages that existed at the start have all arrived. An ordered consumer is cheap
//! and ephemeral: the tool leaves nothing behind on the server.

use async_nats::jetstream;
use async_nats::jetstream::consumer::pull::OrderedConfig;
use futures::StreamExt;

use crate::decode::Record;
use crate::failure::Failure;

/// Messages of a stream in stream order.
pub struct Reader {
    messages: jetstream::consumer::pull::Ordered,
    /// Messages in the stream not yet read, as the server last counted them.
    remaining: u64,
}

/// An aggregate named as `type/id`, e.g. `hazard/demo-a-valve`.
pub fn parse_aggregate(text: &str) -> Result<(String, String), Failure> {
    let (aggregate_type, aggregate_id) = text.split_once('/').ok_or_else(|| {
        Failure::Usage(format!(
            "{text:?}: name an aggregate as TYPE/ID, e.g. hazard/demo-a-valve"
        ))
    })?;
    for token in [aggregate_type, aggregate_id] {
        if !hl_eventstore::is_valid_token(token) {
            return Err(Failure::Usage(format!(
                "{text:?}: {token:?} cannot be part of a subject"
            )));
        }
    }
    Ok((aggregate_type.to_string(), aggregate_id.to_string()))
}

impl Reader {
    /// Opens a reader from `start_sequence` (1 for the beginning), on the messages whose subject
    /// matches `filter` (every message when None).
    pub async fn open(
        stream: &jetstream::stream::Stream,
        filter: Option<String>,
        start_sequence: u64,
    ) -> Result<Reader, Failure> {
        let consumer = stream
            .create_consumer(OrderedConfig {
                deliver_policy: hl_eventstore::deliver_from(start_sequence),
                filter_subject: filter.unwrap_or_default(),
                ..OrderedConfig::default()
            })
            .await
            .map_err(|error| Failure::Unavailable(format!("cannot read the stream: {error}")))?;
        let remaining = consumer.cached_info().num_pending;
        let messages = consumer
            .messages()
            .await
            .map_err(|error| Failure::Unavailable(format!("cannot read the stream: {error}")))?;
        Ok(Reader {
            messages,
            remaining,
        })
    }

    /// Whether every message in the stream so far has been read.
    pub fn caught_up(&self) -> bool {
        self.remaining == 0
    }

    /// The next message; waits for new ones once caught up.
    pub async fn next(&mut self) -> Result<Record, Failure> {
        let message = self
            .messages
            .next()
            .await
            .ok_or_else(|| Failure::Unavailable("the stream subscription ended".into()))?
            .map_err(|error| Failure::Unavailable(format!("reading the stream: {error}")))?;
        let info = message
            .info()
            .map_err(|error| Failure::Unavailable(format!("reading the stream: {error}")))?;
        let sequence = info.stream_sequence;
        // The server counts what is left with every delivery, including messages published
        // while reading.
        self.remaining = info.pending;
        Ok(Record {
            sequence,
            subject: message.subject.to_string(),
            payload: message.payload.clone(),
            traceparent: message
                .headers
                .as_ref()
                .and_then(|headers| headers.get("traceparent"))
                .map(|value| value.to_string()),
        })
    }
}
