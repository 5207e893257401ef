//! How far each district's streams reach, read at the district: the last message on the
//! subjects the province takes from it and when it was stored, and when the first message the
//! province lacks was stored there. Read through the district's monitor URL when it has one,
//! else through its JetStream domain over the leaf node.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::stream::{DirectGetErrorKind, Stream};
use async_nats::jetstream::{self, Context};
use chrono::{DateTime, Utc};
use tokio::sync::Mutex;

use crate::district::District;

/// A district stream's head on the province's subjects, and the first message after what the
/// province has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistrictHead {
    /// The district's sequence of its last message on the subjects (0: none).
    pub last_sequence: u64,
    /// When the district stored that message (None: there is none).
    pub last_stored: Option<DateTime<Utc>>,
    /// When the district stored the first message the province lacks (None: it lacks none).
    pub first_missing_stored: Option<DateTime<Utc>>,
}

/// Reads district heads, keeping one connection per district with a monitor URL.
pub struct HeadReader {
    province: async_nats::Client,
    timeout: Duration,
    /// One slot per district with a monitor URL, by region: its connection once made. Each
    /// district has its own lock, so one slow to connect holds up no other.
    monitors: HashMap<String, Arc<Mutex<Option<async_nats::Client>>>>,
}

impl HeadReader {
    /// `province` is the province's own connection, which reaches a district's domain over the
    /// leaf node; `timeout` bounds each question to a district.
    pub fn new(province: async_nats::Client, timeout: Duration, districts: &[District]) -> Self {
        HeadReader {
            province,
            timeout,
            monitors: districts
                .iter()
                .filter(|district| district.monitor_url.is_some())
                .map(|district| (district.region.clone(), Arc::default()))
                .collect(),
        }
    }

    /// The head of a district's stream `stream_name` on the subjects the province takes from
    /// it, given the district sequence the province holds up to, or why it could not be read.
    pub async fn head(
        &self,
        district: &District,
        (stream_name, subjects): (&str, &str),
        province_has: u64,
    ) -> Result<DistrictHead, String> {
        let read = async {
            let jetstream = self.jetstream(district).await?;
            let stream = jetstream
                .get_stream_no_info(stream_name)
                .await
                .map_err(|error| error.to_string())?;
            // The whole stream's head would count messages of subjects the province does not
            // take as lacking; the last message on the province's own subjects does not.
            let Some((last_sequence, last_stored)) =
                found(stream.direct_get_last_for_subject(subjects).await)?
            else {
                return Ok(DistrictHead {
                    last_sequence: 0,
                    last_stored: None,
                    first_missing_stored: None,
                });
            };
            let first_missing_stored = if last_sequence > province_has {
                // The next message at or after the one the province lacks (a removed message
                // leaves no trace here; the province sees it as a hole).
                next_stored(&stream, subjects, province_has + 1).await?
            } else {
                None
            };
            Ok(DistrictHead {
                last_sequence,
                last_stored: Some(last_stored),
                first_missing_stored,
            })
        };
        tokio::time::timeout(self.timeout, read)
            .await
            .map_err(|_| format!("no answer within {:?}", self.timeout))?
    }

    async fn jetstream(&self, district: &District) -> Result<Context, String> {
        let (Some(url), Some(slot)) = (&district.monitor_url, self.monitors.get(&district.region))
        else {
            return Ok(jetstream::ContextBuilder::new()
                .timeout(self.timeout)
                .api_prefix(district.api_prefix())
                .build(self.province.clone()));
        };
        let mut slot = slot.lock().await;
        let client = match &*slot {
            Some(client) => client.clone(),
            None => {
                let options = match &district.monitor_credentials {
                    Some(path) => async_nats::ConnectOptions::with_credentials_file(path)
                        .await
                        .map_err(|error| format!("credentials {}: {error}", path.display()))?,
                    None => async_nats::ConnectOptions::new(),
                };
                let client = options
                    .connection_timeout(self.timeout)
                    .connect(url.as_str())
                    .await
                    .map_err(|error| format!("cannot connect to {url}: {error}"))?;
                slot.insert(client).clone()
            }
        };
        // The district's own domain, asked directly: the same API whether or not the
        // connection is to a server of that domain.
        Ok(jetstream::ContextBuilder::new()
            .timeout(self.timeout)
            .api_prefix(district.api_prefix())
            .build(client))
    }
}

/// When the district stored its first message on `subjects` at or after `sequence`.
async fn next_stored(
    stream: &Stream<()>,
    subjects: &str,
    sequence: u64,
) -> Result<Option<DateTime<Utc>>, String> {
    let next = stream
        .direct_get_next_for_subject(subjects.to_string(), Some(sequence))
        .await;
    Ok(found(next)?.map(|(_, stored)| stored))
}

/// A direct get's message as (sequence, stored at); none when the stream has no such message.
/// Any other failure is a failure to read the district, not a sign that nothing is missing.
fn found(
    answer: Result<
        async_nats::jetstream::message::StreamMessage,
        jetstream::stream::DirectGetError,
    >,
) -> Result<Option<(u64, DateTime<Utc>)>, String> {
    match answer {
        Ok(message) => Ok(Some((message.sequence, to_chrono(message.time)))),
        Err(error) if error.kind() == DirectGetErrorKind::NotFound => Ok(None),
        Err(error) => Err(error.to_string()),
    }
}

fn to_chrono(time: async_nats::datetime::DateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(time.unix_timestamp(), time.nanosecond()).unwrap_or_default()
}
