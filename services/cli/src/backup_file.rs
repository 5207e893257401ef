//! The backup file: a tar archive an operator can list with `tar -tf`. `manifest.json` comes
//! first, then each stream's copy as `streams/<STREAM>.snapshot`: the server's snapshot bytes
//! as they arrived.
//!
//! The manifest is what makes a backup checkable: per stream, its sequence range, the size and
//! SHA-256 of its copy in the file, and, for an event stream, a digest of its contents that the
//! restored stream must reproduce.

use async_nats::jetstream;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::chain::{Walk, is_commit_subject};
use crate::failure::Failure;
use crate::reading::Reader;

/// The format this tool writes and reads.
pub const FORMAT: &str = "hazard-ledger-backup/1";

/// The manifest's name in the archive.
pub const MANIFEST: &str = "manifest.json";

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// The deployment's namespace (HL_NAMESPACE): a restore goes into the same one.
    pub namespace: String,
    /// When the backup was taken (UTC, RFC 3339).
    pub created_at: String,
    pub streams: Vec<StreamEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct StreamEntry {
    pub name: String,
    pub first_sequence: u64,
    pub last_sequence: u64,
    pub messages: u64,
    /// The copy's size in the file, in bytes.
    pub snapshot_bytes: u64,
    /// The copy's SHA-256 (hex): a damaged or altered backup is refused before anything is
    /// restored.
    pub snapshot_sha256: String,
    /// For a stream whose messages cannot be deleted (an event stream): the SHA-256 (hex) of
    /// every message's sequence, subject and payload digest, in order. A restored stream must
    /// reproduce it. None for a stream that replaces its messages (snapshots, work queues),
    /// whose contents may change while the copy is taken.
    pub content_sha256: Option<String>,
    /// Commits and aggregates whose hash chains were walked, for an event stream.
    pub commits: Option<u64>,
    pub aggregates: Option<u64>,
    /// The stream's configuration and state as the server gave them with the copy.
    pub config: Value,
    pub state: Value,
}

/// Where a stream's copy is in the archive.
pub fn snapshot_path(stream: &str) -> String {
    format!("streams/{stream}.snapshot")
}

/// Whether a stream's configuration keeps every message: no deletes and no purges.
pub fn append_only(config: &Value) -> bool {
    config["deny_delete"] == Value::Bool(true) && config["deny_purge"] == Value::Bool(true)
}

/// A stream's range as its state gives it: first sequence, last sequence, messages.
pub fn range(state: &Value) -> (u64, u64, u64) {
    let number = |key: &str| state[key].as_u64().unwrap_or(0);
    (number("first_seq"), number("last_seq"), number("messages"))
}

/// A stream's contents read through once: their digest and every aggregate's hash chain.
pub struct Survey {
    pub content_sha256: String,
    pub walk: Walk,
}

/// Reads a stream's messages from `first` to `last` (its range at the moment of a copy),
/// folding each into the content digest and, on aggregate subjects, into the hash-chain walk.
pub async fn survey(
    stream: &jetstream::stream::Stream,
    (first, last, messages): (u64, u64, u64),
) -> Result<Survey, Failure> {
    let mut digest = Sha256::new();
    let mut walk = Walk::default();
    if messages > 0 {
        let mut reader = Reader::open(stream, None, first).await?;
        loop {
            let record = reader.next().await?;
            if record.sequence > last {
                break;
            }
            digest.update(record.sequence.to_be_bytes());
            digest.update((record.subject.len() as u64).to_be_bytes());
            digest.update(record.subject.as_bytes());
            digest.update(Sha256::digest(&record.payload));
            if is_commit_subject(&record.subject) {
                walk.check(&record);
            }
            if record.sequence == last {
                break;
            }
        }
    }
    Ok(Survey {
        content_sha256: hex::encode(digest.finalize()),
        walk,
    })
}
