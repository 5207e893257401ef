//! Snapshots: an aggregate's state after a known commit, so long histories load in a few reads.

use serde::{Deserialize, Serialize};

use crate::repository::{Loaded, RequestLog};
use hl_domain::Aggregate;

/// The kernel's snapshot format: 2 added the business time of the last step.
const FORMAT: u32 = 3;

#[derive(Serialize, Deserialize)]
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
    requests: RequestLog,
    state: A,
}

pub(crate) fn encode<A: Aggregate>(loaded: &Loaded<A>) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&Snapshot {
        format: FORMAT,
        snapshot_version: A::SNAPSHOT_VERSION,
        aggregate_type: A::AGGREGATE_TYPE.to_string(),
        aggregate_version: loaded.version,
        last_sequence: loaded.last_sequence,
        last_occurred_at: loaded.last_occurred_at,
        last_commit_sha256: hex::encode(&loaded.last_commit_sha256),
        commits_since_snapshot: 0,
        requests: loaded.requests.clone(),
        state: loaded.state.clone(),
    })
}

/// The loaded aggregate a snapshot describes, or None when it was written for another shape of
/// the state (or cannot be read): then the history is replayed from the start.
pub(crate) fn decode<A: Aggregate>(bytes: &[u8]) -> Option<Loaded<A>> {
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
    })
}
