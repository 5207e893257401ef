//! The kernel's typed errors. Services map them once into their error codes.

/// Something went wrong talking to JetStream or reading what it holds.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// NATS or the stream cannot be reached, or timed out.
    #[error("event store unavailable: {0}")]
    Unavailable(String),
    /// An append was sent but its acknowledgement never came, and the store could not be read
    /// back to tell: the commit may or may not have been recorded.
    #[error("the outcome of the append is unknown: {0}")]
    OutcomeUnknown(String),
    /// A stored commit cannot be decoded. Never skipped: the aggregate cannot be loaded.
    #[error("commit at {subject} sequence {sequence} cannot be decoded: {reason}")]
    Undecodable {
        subject: String,
        sequence: u64,
        reason: String,
    },
    /// The hash chain of an aggregate is broken: a commit was lost or altered.
    #[error("hash chain broken at {subject} sequence {sequence}: {reason}")]
    Integrity {
        subject: String,
        sequence: u64,
        reason: String,
    },
    #[error("event store misconfigured: {0}")]
    Configuration(String),
    /// A stream exists with other settings than this process is configured with.
    #[error("{0}")]
    Mismatch(String),
}

/// Why a command was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError<E: std::error::Error> {
    /// The domain refused the command.
    #[error(transparent)]
    Domain(E),
    /// Concurrent changes kept conflicting after the allowed number of re-decisions.
    #[error("the aggregate kept changing concurrently; gave up after {attempts} attempts")]
    Conflict { attempts: u32 },
    /// JetStream recognised the request_id on this aggregate inside its de-duplication window
    /// (a retry, or another request given the same request_id), but more commands followed it
    /// on the aggregate than its request log holds, so what it recorded can no longer be told.
    /// Nothing new was recorded. The same request_id on another aggregate is another request.
    #[error(
        "request_id {request_id} was recorded on this aggregate too many commands ago for its outcome to be returned; nothing new was recorded"
    )]
    RequestOutcomeForgotten { request_id: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}
