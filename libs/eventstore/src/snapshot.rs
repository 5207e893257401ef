//! Snapshots: an aggregate's state after a known commit, so long histories load in a few reads.
//! A loaded aggregate is also weighed by its snapshot, to bound what the aggregate cache holds.

use serde::{Deserialize, Serialize};

use crate::repository::Loaded;
use crate::request_log::Requests;
use hl_domain::Aggregate;

/// The kernel's snapshot format: 2 added the business time of the last step, 4 stores each
/// requester of the request log once.
const FORMAT: u32 = 4;

/// What a cached aggregate costs besides its snapshot's bytes: its key (twice, in the map and
/// in the eviction order), those two entries and the loaded aggregate's own fields.
const CACHE_BOOKKEEPING: usize = 256;

/// A snapshot as read.
#[derive(Deserialize)]
#[serde(bound = "A: Aggregate")]
struct Snapshot<A: Aggregate> {
    /// The kernel's snapshot format; snapshots of an earlier format are ignored.
    format: u32,
    /// The aggregate type's SNAPSHOT_VERSION when it was written.
    snapshot_version: u32,
    aggregate_type: String,
    aggregate_version: u64,
    last_sequence: u64,
    last_occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    last_commit_sha256: String,
    commits_since_snapshot: u64,
    requests: Requests,
    state: A,
}

/// A snapshot as written: the fields of [`Snapshot`], borrowing the loaded aggregate's state
/// and request log rather than copying them.
#[derive(Serialize)]
#[serde(bound = "A: Aggregate")]
struct SnapshotOf<'a, A: Aggregate> {
    format: u32,
    snapshot_version: u32,
    aggregate_type: &'static str,
    aggregate_version: u64,
    last_sequence: u64,
    last_occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    last_commit_sha256: String,
    commits_since_snapshot: u64,
    requests: &'a Requests,
    state: &'a A,
}

impl<'a, A: Aggregate> SnapshotOf<'a, A> {
    fn new(loaded: &'a Loaded<A>) -> Self {
        SnapshotOf {
            format: FORMAT,
            snapshot_version: A::SNAPSHOT_VERSION,
            aggregate_type: A::AGGREGATE_TYPE,
            aggregate_version: loaded.version,
            last_sequence: loaded.last_sequence,
            last_occurred_at: loaded.last_occurred_at,
            last_commit_sha256: hex::encode(&loaded.last_commit_sha256),
            commits_since_snapshot: 0,
            requests: &loaded.requests,
            state: &loaded.state,
        }
    }
}

pub(crate) fn encode<A: Aggregate>(loaded: &Loaded<A>) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&SnapshotOf::new(loaded))
}

/// What a loaded aggregate weighs in the cache: its state's bytes as a snapshot writes them,
/// counted without writing them out, its request log's own count, and a fixed allowance for the
/// cache's bookkeeping. The log is not serialized for this: a busy aggregate's log is most of
/// its snapshot, and every command that keeps its aggregate cached weighs it.
///
/// The state is weighed once per version (kept in `weighed`), so loads that find no new commit
/// do not serialize it again.
pub(crate) fn weight<A: Aggregate>(loaded: &mut Loaded<A>) -> Result<usize, serde_json::Error> {
    let state = match loaded.weighed {
        Some((version, state)) if version == loaded.version => state,
        _ => {
            let mut count = ByteCount(0);
            serde_json::to_writer(&mut count, &loaded.state)?;
            loaded.weighed = Some((loaded.version, count.0));
            count.0
        }
    };
    Ok(state + loaded.requests.bytes() + CACHE_BOOKKEEPING)
}

/// A writer that keeps only how many bytes were written to it.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The loaded aggregate a snapshot describes, or None when it was written for another shape of
/// the state (or cannot be read): then the history is replayed from the start.
///
/// Public so that it can be fuzzed with the suite's real aggregates; a repository uses a
/// snapshot only once it matches the commit at its sequence (`snapshot_follows`).
pub fn decode<A: Aggregate>(bytes: &[u8]) -> Option<Loaded<A>> {
    let snapshot: Snapshot<A> = serde_json::from_slice(bytes).ok()?;
    if snapshot.format != FORMAT
        || snapshot.snapshot_version != A::SNAPSHOT_VERSION
        || snapshot.aggregate_type != A::AGGREGATE_TYPE
    {
        return None;
    }
    Some(Loaded {
        state: snapshot.state,
        version: snapshot.aggregate_version,
        last_sequence: snapshot.last_sequence,
        last_occurred_at: snapshot.last_occurred_at,
        last_commit_sha256: hex::decode(snapshot.last_commit_sha256).ok()?,
        commits_since_snapshot: snapshot.commits_since_snapshot,
        requests: snapshot.requests,
        weighed: None,
    })
}
