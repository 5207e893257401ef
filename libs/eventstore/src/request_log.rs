//! The request log: the request_ids an aggregate has seen lately, with what each recorded and
//! who made it, so that a retry after JetStream's de-duplication window is answered with the
//! first outcome, and only to the caller who made it.
//!
//! A busy aggregate's log is most of its snapshot. A load that answers a Get never consults it,
//! so a log read from a snapshot is only checked for its shape when the snapshot is read, and
//! read in full when a command first asks of it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, OnceLock};

use serde::de::Visitor;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use crate::CommitRecord;
use hl_domain::reasons;

/// A loaded aggregate's request log: shared with the copies a load hands out and copied only
/// when a command is recorded; read from the snapshot's text only when first asked.
#[derive(Clone, Debug)]
pub(crate) struct Requests {
    /// The log as the snapshot stored it, until it is read.
    stored: Option<Arc<RawValue>>,
    /// The capacity the stored log names, found when its shape was checked.
    stored_capacity: usize,
    /// The requests of the commits applied after the snapshot while its log was unread, oldest
    /// first (request id, what it recorded, who made it).
    pending: Vec<(String, CommitRecord, String)>,
    log: OnceLock<Arc<RequestLog>>,
}

/// How many requests wait for an unread log before it is read: a cached aggregate that only
/// answers Gets while commands reach it through another process keeps no more than this.
const MOST_PENDING: usize = 64;

impl Requests {
    /// An empty log that keeps at most `capacity` requests.
    pub(crate) fn new(capacity: usize) -> Self {
        Requests {
            stored: None,
            stored_capacity: capacity,
            pending: Vec::new(),
            log: OnceLock::from(Arc::new(RequestLog::new(capacity))),
        }
    }

    /// The log, read from the snapshot's text the first time.
    pub(crate) fn log(&self) -> &RequestLog {
        self.log.get_or_init(|| {
            let text = self.stored.as_ref().map_or("{}", |stored| stored.get());
            // The text's shape was checked when the snapshot was read (`Deserialize` below),
            // so this reads; should it not, the log starts empty with the capacity the text
            // names, and retries of the requests before the snapshot are recognised by
            // JetStream's de-duplication alone.
            let mut log: RequestLog = serde_json::from_str(text).unwrap_or_else(|error| {
                // The shape check and the reading disagree: a test must hear of it.
                if cfg!(debug_assertions) {
                    panic!("a request log whose shape was checked did not read: {error}");
                }
                tracing::warn!(%error, "a snapshot's request log could not be read");
                RequestLog::new(self.stored_capacity)
            });
            for (request_id, record, made_by) in &self.pending {
                let made_by = log.requester(made_by);
                log.record(request_id.clone(), record.clone(), made_by);
            }
            Arc::new(log)
        })
    }

    /// The log, read, with the snapshot's text and the requests that waited beside it let go.
    pub(crate) fn read(&mut self) -> &RequestLog {
        self.log();
        self.stored = None;
        self.pending = Vec::new();
        self.log.get().expect("the log was read above")
    }

    /// Records what a request recorded and who made it ([`requester`]): in the log once it is
    /// read, until then after it.
    pub(crate) fn record(&mut self, request_id: String, record: CommitRecord, made_by: String) {
        if self.log.get().is_none() && self.pending.len() < MOST_PENDING {
            self.pending.push((request_id, record, made_by));
            return;
        }
        self.read();
        let log = Arc::make_mut(self.log.get_mut().expect("the log was read above"));
        let made_by = log.requester(&made_by);
        log.record(request_id, record, made_by);
    }

    /// About how many bytes the log holds: the log once read, and the snapshot's text and the
    /// requests that wait beside it for as long as they are kept.
    pub(crate) fn bytes(&self) -> usize {
        let text = self.stored.as_ref().map_or(0, |stored| stored.get().len());
        let pending: usize = self
            .pending
            .iter()
            .map(|(request_id, record, made_by)| entry_bytes(request_id, record, made_by))
            .sum();
        self.log.get().map_or(0, |log| log.bytes()) + text + pending
    }
}

/// Writes the log as it was read, or its text unchanged when nothing was asked of it or added.
impl Serialize for Requests {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.log.get(), &self.stored) {
            (None, Some(stored)) if self.pending.is_empty() => stored.serialize(serializer),
            _ => self.log().serialize(serializer),
        }
    }
}

/// Keeps the log's text, once its shape is found to be a request log's: a snapshot whose log
/// is not is refused as a whole, and the history is replayed instead.
impl<'de> Deserialize<'de> for Requests {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored: Box<RawValue> = Deserialize::deserialize(deserializer)?;
        let shape: StoredShape =
            serde_json::from_str(stored.get()).map_err(serde::de::Error::custom)?;
        if let Some(place) = shape
            .entries
            .iter()
            .find(|entry| entry.4 >= shape.requesters.len())
        {
            return Err(serde::de::Error::custom(format!(
                "a request names requester {} of {}",
                place.4,
                shape.requesters.len()
            )));
        }
        Ok(Requests {
            stored: Some(Arc::from(stored)),
            stored_capacity: shape.capacity,
            pending: Vec::new(),
            log: OnceLock::new(),
        })
    }
}

/// The shape of [`StoredRequestLog`], read without keeping its strings.
#[derive(Deserialize)]
struct StoredShape {
    capacity: usize,
    requesters: Vec<Text>,
    entries: Vec<(Text, u64, u64, Vec<Text>, usize)>,
}

/// A JSON string, checked and not kept.
struct Text;

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = Text;
            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Text, E> {
                Ok(Text)
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// The request_ids an aggregate has seen, most recent last, with what each recorded.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(try_from = "StoredRequestLog")]
pub(crate) struct RequestLog {
    capacity: usize,
    order: VecDeque<String>,
    /// What each request recorded, and who made it ([`requester`]). Most of an aggregate's
    /// requests come from a few callers, so consecutive requests by one caller share its name.
    records: HashMap<String, (CommitRecord, Arc<str>)>,
    /// About how many bytes the entries hold, kept as they come and go so that weighing a
    /// cached aggregate need not walk its log.
    bytes: usize,
}

/// About what one entry of a request log holds: its strings (the request_id twice, in the map
/// and in the order) and a fixed allowance for the numbers and the map's own slot.
fn entry_bytes(request_id: &str, record: &CommitRecord, requester: &str) -> usize {
    2 * request_id.len()
        + requester.len()
        + record.event_ids.iter().map(String::len).sum::<usize>()
        + 24 * record.event_ids.len()
        + 96
}

/// Who made a request, as the request log remembers them: a retry is answered only to them.
pub(crate) fn requester(actor: &hl_proto::common::v1::Actor) -> String {
    format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
        actor.role, actor.id, actor.organisation, actor.region
    )
}

/// The request log as a snapshot stores it: each requester once, then one positional entry
/// per request, oldest first (request id, aggregate version, stream sequence, event ids, the
/// requester's place in `requesters`). A busy aggregate's log is most of its snapshot, and every
/// load reads and parses the snapshot, so it is kept compact.
#[derive(Deserialize)]
struct StoredRequestLog {
    capacity: usize,
    requesters: Vec<String>,
    entries: Vec<(String, u64, u64, Vec<String>, usize)>,
}

/// Writes the log in the shape of [`StoredRequestLog`] straight from the log, without copying
/// it: besides every snapshot, every command that keeps its aggregate cached weighs it so.
impl Serialize for RequestLog {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut requesters: Vec<&str> = Vec::new();
        let mut places: HashMap<&str, usize> = HashMap::new();
        for request_id in &self.order {
            if let Some((_, requester)) = self.records.get(request_id) {
                places.entry(requester).or_insert_with(|| {
                    requesters.push(requester);
                    requesters.len() - 1
                });
            }
        }
        let mut stored = serializer.serialize_struct("StoredRequestLog", 3)?;
        stored.serialize_field("capacity", &self.capacity)?;
        stored.serialize_field("requesters", &requesters)?;
        stored.serialize_field("entries", &StoredEntries(self, &places))?;
        stored.end()
    }
}

/// A request log's entries, oldest first, as [`StoredRequestLog`] lists them, with each
/// requester's place in its list of requesters.
struct StoredEntries<'a>(&'a RequestLog, &'a HashMap<&'a str, usize>);

impl Serialize for StoredEntries<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let StoredEntries(log, places) = self;
        serializer.collect_seq(log.order.iter().filter_map(|request_id| {
            let (record, requester) = log.records.get(request_id)?;
            Some((
                request_id,
                record.aggregate_version,
                record.stream_sequence,
                &record.event_ids,
                places.get(&**requester)?,
            ))
        }))
    }
}

impl TryFrom<StoredRequestLog> for RequestLog {
    type Error = String;

    fn try_from(stored: StoredRequestLog) -> Result<Self, String> {
        let requesters: Vec<Arc<str>> = stored.requesters.into_iter().map(Arc::from).collect();
        let mut log = RequestLog::new(stored.capacity);
        log.order.reserve(stored.entries.len());
        log.records.reserve(stored.entries.len());
        for (request_id, aggregate_version, stream_sequence, event_ids, place) in stored.entries {
            let requester = requesters
                .get(place)
                .ok_or_else(|| format!("request {request_id:?} names no requester"))?;
            log.record(
                request_id,
                CommitRecord {
                    aggregate_version,
                    stream_sequence,
                    event_ids,
                },
                requester.clone(),
            );
        }
        Ok(log)
    }
}

impl RequestLog {
    fn new(capacity: usize) -> Self {
        RequestLog {
            capacity,
            ..RequestLog::default()
        }
    }

    /// Whether `request_id` is in the log, made by `requester`.
    pub(crate) fn made_by(&self, request_id: &str, requester: &str) -> bool {
        self.records
            .get(request_id)
            .is_some_and(|(_, made_by)| **made_by == *requester)
    }

    pub(crate) fn get(&self, request_id: &str) -> Option<&CommitRecord> {
        self.records.get(request_id).map(|(record, _)| record)
    }

    /// What a request recorded, for a retry by the requester who made it; a request_id another
    /// requester used is refused, whatever it recorded.
    pub(crate) fn replay<E: From<hl_domain::DomainError>>(
        &self,
        request_id: &str,
        requester: &str,
    ) -> Option<Result<&CommitRecord, E>> {
        let (record, made_by) = self.records.get(request_id)?;
        if &**made_by != requester {
            return Some(Err(hl_domain::DomainError::forbidden(
                reasons::REQUEST_ID_OF_ANOTHER_CALLER,
                format!("request_id {request_id:?} was used by another caller; choose a new one"),
            )
            .into()));
        }
        Some(Ok(record))
    }

    /// The requester as the log keeps it: the newest entry's, when the same caller made it.
    pub(crate) fn requester(&self, requester: &str) -> Arc<str> {
        self.order
            .back()
            .and_then(|newest| self.records.get(newest))
            .filter(|(_, made_by)| &**made_by == requester)
            .map_or_else(|| Arc::from(requester), |(_, made_by)| made_by.clone())
    }

    pub(crate) fn record(&mut self, request_id: String, record: CommitRecord, requester: Arc<str>) {
        self.bytes += entry_bytes(&request_id, &record, &requester);
        match self.records.insert(request_id.clone(), (record, requester)) {
            Some((replaced, made_by)) => {
                self.bytes -= entry_bytes(&request_id, &replaced, &made_by);
            }
            None => self.order.push_back(request_id),
        }
        while self.order.len() > self.capacity.max(1) {
            if let Some(oldest) = self.order.pop_front()
                && let Some((record, made_by)) = self.records.remove(&oldest)
            {
                self.bytes -= entry_bytes(&oldest, &record, &made_by);
            }
        }
    }

    /// About how many bytes the log holds.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(index: u64) -> CommitRecord {
        CommitRecord {
            aggregate_version: index + 1,
            stream_sequence: 10 + index,
            event_ids: vec![format!("event-{index}")],
        }
    }

    #[test]
    fn a_request_logs_byte_count_follows_what_it_holds() {
        let mut log = RequestLog::new(4);
        for index in 0..50 {
            log.record(format!("request-{index}"), record(index), "someone".into());
        }
        // A request recorded again replaces its entry.
        log.record("request-49".into(), record(99), "someone".into());
        let held: usize = log
            .records
            .iter()
            .map(|(request_id, (record, requester))| entry_bytes(request_id, record, requester))
            .sum();
        assert_eq!(log.order.len(), 4);
        assert_eq!(log.bytes(), held);
    }

    #[test]
    fn the_request_log_survives_a_snapshot_in_order_and_within_its_capacity() {
        let mut log = RequestLog::new(3);
        for index in 0..5 {
            log.record(
                format!("request-{index}"),
                record(index),
                format!("caller-{index}").into(),
            );
        }
        let stored = serde_json::to_string(&log).unwrap();
        let read: RequestLog = serde_json::from_str(&stored).unwrap();
        assert_eq!(read.order, ["request-2", "request-3", "request-4"]);
        assert_eq!(read.get("request-4"), Some(&record(4)));
        assert_eq!(read.get("request-1"), None);
        assert_eq!(read.capacity, 3);
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"capacity":3,"requesters":["caller-2","caller-3","caller-4"],"entries":[["request-2",3,12,["event-2"],0],["request-3",4,13,["event-3"],1],["request-4",5,14,["event-4"],2]]}"#
        );
    }

    #[test]
    fn a_snapshot_stores_each_requester_once() {
        let mut log = RequestLog::new(8);
        for (index, caller) in ["officer", "officer", "enterprise", "officer"]
            .into_iter()
            .enumerate()
        {
            let caller = log.requester(caller);
            log.record(format!("request-{index}"), record(index as u64), caller);
        }
        let stored = serde_json::to_string(&log).unwrap();
        assert!(
            stored.contains(r#""requesters":["officer","enterprise"]"#),
            "{stored}"
        );
        let read: RequestLog = serde_json::from_str(&stored).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), stored);
        assert!(
            read.replay::<hl_domain::DomainError>("request-2", "enterprise")
                .unwrap()
                .is_ok()
        );
        assert!(
            read.replay::<hl_domain::DomainError>("request-3", "enterprise")
                .unwrap()
                .is_err()
        );
        // An entry naming a requester the list does not hold makes the snapshot unreadable.
        let broken = r#"{"capacity":3,"requesters":[],"entries":[["r",1,1,[],0]]}"#;
        assert!(serde_json::from_str::<RequestLog>(broken).is_err());
    }

    #[test]
    fn a_request_id_is_replayed_only_to_the_caller_who_made_it() {
        let mut log = RequestLog::new(3);
        log.record("r".into(), record(0), "me".into());
        let replayed = log.replay::<hl_domain::DomainError>("r", "me").unwrap();
        assert_eq!(replayed.unwrap(), &record(0));
        let refused = log
            .replay::<hl_domain::DomainError>("r", "someone else")
            .unwrap();
        assert_eq!(
            refused.unwrap_err().reason(),
            "REQUEST_ID_OF_ANOTHER_CALLER"
        );
        assert!(
            log.replay::<hl_domain::DomainError>("unknown", "me")
                .is_none()
        );
    }

    #[test]
    fn a_stored_log_is_read_only_when_asked_and_written_back_unchanged_until_then() {
        let mut log = RequestLog::new(3);
        log.record("r".into(), record(0), "me".into());
        let text = serde_json::to_string(&log).unwrap();
        let requests: Requests = serde_json::from_str(&text).unwrap();
        assert!(requests.log.get().is_none());
        assert_eq!(requests.bytes(), text.len());
        assert_eq!(serde_json::to_string(&requests).unwrap(), text);
        assert!(requests.log().made_by("r", "me"));
        assert!(!requests.log().made_by("r", "someone else"));
        let mut copy = requests.clone();
        copy.record("s".into(), record(1), "me".into());
        assert!(copy.log().get("s").is_some());
        assert!(
            requests.log().get("s").is_none(),
            "the copy recorded, not the original"
        );
        assert!(serde_json::to_string(&copy).unwrap().contains(r#""s""#));

        // Read through a shared reference, the text is still held and still weighed; read to
        // decide a command, it is let go.
        assert!(requests.bytes() > text.len());
        let mut deciding = requests.clone();
        deciding.read();
        assert_eq!(deciding.bytes(), deciding.log().bytes());
    }

    #[test]
    fn requests_recorded_before_the_log_is_read_follow_it_in_order() {
        let mut log = RequestLog::new(3);
        for index in 0..3 {
            log.record(format!("old-{index}"), record(index), "me".into());
        }
        let text = serde_json::to_string(&log).unwrap();
        let mut requests: Requests = serde_json::from_str(&text).unwrap();
        requests.record("new-0".into(), record(3), "you".into());
        requests.record("new-1".into(), record(4), "me".into());
        assert!(
            requests.log.get().is_none(),
            "recording does not read the log"
        );
        assert!(requests.bytes() > text.len());
        // Read, the log holds the newest three in order, the oldest dropped.
        assert_eq!(requests.log().order, ["old-2", "new-0", "new-1"]);
        assert!(requests.log().made_by("new-0", "you"));
        let written = serde_json::to_string(&requests).unwrap();
        assert!(written.contains(r#""new-1""#) && !written.contains(r#""old-0""#));
        // Past the bound, recording reads the log.
        let mut busy: Requests = serde_json::from_str(&text).unwrap();
        for index in 0..=MOST_PENDING as u64 {
            busy.record(format!("busy-{index}"), record(index), "me".into());
        }
        assert!(busy.log.get().is_some() && busy.pending.is_empty());
        assert_eq!(busy.log().order.len(), 3);
    }

    #[test]
    fn a_stored_log_of_another_shape_is_refused_when_the_snapshot_is_read() {
        for text in [
            r#"{"capacity":3,"requesters":[],"entries":[["r",1,1,[],0]]}"#,
            r#"{"capacity":3,"requesters":["me"],"entries":[[7,1,1,[],0]]}"#,
            r#"{"capacity":3,"requesters":["me"],"entries":[["r",1,1,[5],0]]}"#,
            r#"{"capacity":-1,"requesters":["me"],"entries":[]}"#,
            r#"{"capacity":3,"entries":[]}"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<Requests>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_request_log_in_the_earlier_shape_is_not_read() {
        // Its snapshot is then ignored and the history replayed, which rebuilds the log.
        let earlier = r#"{"capacity":3,"order":["a"],"records":{"a":{"aggregate_version":1,"stream_sequence":1,"event_ids":[]}}}"#;
        assert!(serde_json::from_str::<RequestLog>(earlier).is_err());
    }
}
