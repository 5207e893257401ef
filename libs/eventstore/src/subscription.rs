//! Reading a whole context stream in order, for consumers that build state from it (indexes,
//! projections). An ordered consumer is ephemeral and server-side cheap; where to resume is the
//! consumer's own business (a checkpoint), so no durable consumer state lives in NATS.

use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::consumer::pull::OrderedConfig;
use futures::{Stream, StreamExt};

use crate::error::StoreError;
use crate::store::{EventStore, StoredMessage};

/// How long one pull request of an ordered consumer waits. The client asks for an idle
/// heartbeat every half of it and makes the consumer again after two missed ones, so this bounds
/// how long a reader stalls when the cluster node holding its consumer dies: about twice this
/// instead of a minute with the client's defaults (30 s pulls, 15 s heartbeats).
const PULL_EXPIRY: std::time::Duration = std::time::Duration::from_secs(4);

/// Where a consumer starts so that its first message is at `start_sequence` (0 and 1 both
/// mean the beginning).
pub fn deliver_from(start_sequence: u64) -> DeliverPolicy {
    if start_sequence <= 1 {
        DeliverPolicy::All
    } else {
        DeliverPolicy::ByStartSequence { start_sequence }
    }
}

impl EventStore {
    /// The sequence of the last message in a context's stream (0 when empty).
    pub async fn stream_head(&self, context: &str) -> Result<u64, StoreError> {
        let name = self.namespace().stream_name(context);
        let mut stream = self
            .jetstream()
            .get_stream(&name)
            .await
            .map_err(|error| StoreError::Unavailable(format!("stream {name}: {error}")))?;
        let info = stream
            .info()
            .await
            .map_err(|error| StoreError::Unavailable(format!("stream {name}: {error}")))?;
        Ok(info.state.last_sequence)
    }

    /// Every message of a context's stream from `start_sequence` on, in stream order, and then
    /// each new one as it arrives.
    pub async fn read_stream(
        &self,
        context: &str,
        start_sequence: u64,
    ) -> Result<impl Stream<Item = Result<StoredMessage, StoreError>> + use<>, StoreError> {
        let name = self.namespace().stream_name(context);
        let stream = self
            .jetstream()
            .get_stream(&name)
            .await
            .map_err(|error| StoreError::Unavailable(format!("stream {name}: {error}")))?;
        let consumer = stream
            .create_consumer(OrderedConfig {
                deliver_policy: deliver_from(start_sequence),
                max_expires: PULL_EXPIRY,
                ..OrderedConfig::default()
            })
            .await
            .map_err(|error| StoreError::Unavailable(format!("consumer on {name}: {error}")))?;
        let messages = consumer
            .messages()
            .await
            .map_err(|error| StoreError::Unavailable(format!("consumer on {name}: {error}")))?;
        Ok(messages.map(|message| {
            let message = message.map_err(|error| StoreError::Unavailable(error.to_string()))?;
            let sequence = message
                .info()
                .map_err(|error| StoreError::Unavailable(error.to_string()))?
                .stream_sequence;
            Ok(StoredMessage {
                subject: message.subject.to_string(),
                sequence,
                payload: message.payload.clone(),
                headers: message.headers.clone().unwrap_or_default(),
            })
        }))
    }
}
