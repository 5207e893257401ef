//! The event store kernel on NATS JetStream (DESIGN.md §3).
//!
//! - One stream per bounded context, one subject per aggregate instance:
//!   `<root>.<region>.<context>.<aggregate_type>.<aggregate_id>`.
//! - One JetStream message per command (a [`Commit`](hl_proto::events::v1::Commit) of one or more
//!   event envelopes), appended with the expected last subject sequence for optimistic
//!   concurrency and with a hash of its subject and request_id as `Nats-Msg-Id`
//!   ([`message_id`]), so JetStream recognises a retry per aggregate.
//! - Aggregates are loaded with direct gets by subject, never a consumer per request, starting
//!   from a snapshot when one exists; the commits after it come in one batched direct get.
//! - Each commit carries the SHA-256 of the aggregate's previous commit, so loading detects a lost
//!   or altered commit.
//!
//! [`Repository`] is what a service uses: it loads, decides, appends, retries on conflict and
//! recognises retried requests. [`EventStore`] is the thin layer over JetStream beneath it.

mod cache;
mod commit;
mod error;
mod naming;
mod repository;
mod request_log;
mod snapshot;
mod store;
mod subscription;
pub mod trace_context;
mod work_queue;

pub use commit::{
    CommitHeader, DecodedCommit, commit_digest, decode_commit, decode_events, encode_commit,
    envelope_meta,
};
pub use error::{ExecuteError, StoreError};
pub use hl_domain::{Aggregate, CommandContext, EventMeta, Expects, Given};
pub use naming::{Namespace, is_valid_token};
pub use repository::{Executed, Loaded, Repository, RepositorySettings, RequestMeta};
pub use snapshot::decode as decode_snapshot;
pub use store::{
    AppendFailure, Appended, EventStore, MessagesAfter, SourceChanges, StoreSettings,
    StoredMessage, message_id,
};
pub use subscription::deliver_from;
pub use work_queue::WorkItem;

/// What a command recorded, or, for a retried request, what it recorded the first time.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommitRecord {
    /// The aggregate's version after the command.
    pub aggregate_version: u64,
    /// The stream sequence of the commit message.
    pub stream_sequence: u64,
    pub event_ids: Vec<String>,
}
