//! How far each district's streams reach, read at the district: its last sequence and when it
//! was stored, and when the first message the province lacks was stored there. Read through
//! the district's monitor URL when it has one, else through its JetStream domain over the leaf
//! node.

use std::collections::HashMap;
use std::time::Duration;

use async_nats::jetstream::{self, Context};
use chrono::{DateTime, Utc};
use tokio::sync::Mutex;

use crate::district::District;

/// A district stream's head, and the first message after what the province has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistrictHead {
    pub last_sequence: u64,
    /// When the district stored its last message (None: the stream is empty).
    pub last_stored: Option<DateTime<Utc>>,
    /// When the district stored the first message the province lacks (None: it lacks none).
    pub first_missing_stored: Option<DateTime<Utc>>,
}

/// Reads district heads, keeping one connection per district with a monitor URL.
pub struct HeadReader {
    province: async_nats::Client,
    timeout: Duration,
    monitors: Mutex<HashMap<String, async_nats::Client>>,
}

impl HeadReader {
    /// `province` is the province's own connection, which reaches a district's domain over the
    /// leaf node; `timeout` bounds each question to a district.
    pub fn new(province: async_nats::Client, timeout: Duration) -> Self {
        HeadReader {
            province,
            timeout,
            monitors: Mutex::new(HashMap::new()),
        }
    }

    /// The head of a district's stream `stream_name`, given the subjects the province takes
    /// from it and the district sequence it holds up to, or why it could not be read.
    pub async fn head(
        &self,
        district: &District,
        (stream_name, subjects): (&str, &str),
        province_has: u64,
    ) -> Result<DistrictHead, String> {
        let jetstream = self.jetstream(district).await?;
        let read = async {
            let stream = jetstream
                .get_stream(stream_name)
                .await
                .map_err(|error| error.to_string())?;
            let state = stream.cached_info().state.clone();
            let first_missing_stored = if state.last_sequence > province_has {
                // The next message at or after the one the province lacks (a removed message
                // leaves no trace here; the province sees it as a hole).
                stream
                    .direct_get_next_for_subject(subjects.to_string(), Some(province_has + 1))
                    .await
                    .ok()
                    .map(|message| to_chrono(message.time))
            } else {
                None
            };
            Ok::<DistrictHead, String>(DistrictHead {
                last_sequence: state.last_sequence,
                last_stored: (state.messages > 0).then(|| to_chrono(state.last_timestamp)),
                first_missing_stored,
            })
        };
        tokio::time::timeout(self.timeout, read)
            .await
            .map_err(|_| format!("no answer within {:?}", self.timeout))?
    }

    async fn jetstream(&self, district: &District) -> Result<Context, String> {
        let Some(url) = &district.monitor_url else {
            return Ok(jetstream::ContextBuilder::new()
                .timeout(self.timeout)
                .api_prefix(district.api_prefix())
                .build(self.province.clone()));
        };
        let mut monitors = self.monitors.lock().await;
        if let Some(client) = monitors.get(&district.region) {
            return Ok(jetstream::ContextBuilder::new()
                .timeout(self.timeout)
                .build(client.clone()));
        }
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(self.timeout)
            .connect(url.as_str())
            .await
            .map_err(|error| format!("cannot connect to {url}: {error}"))?;
        monitors.insert(district.region.clone(), client.clone());
        Ok(jetstream::ContextBuilder::new()
            .timeout(self.timeout)
            .build(client))
    }
}

fn to_chrono(time: async_nats::datetime::DateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(time.unix_timestamp(), time.nanosecond()).unwrap_or_default()
}
