//! What every context's pure domain shares: what an aggregate is (pure decide and apply) and a
//! given/when/then harness for it, the refusals a decision can end in, who may act (roles and
//! jurisdictions), and legal deadlines as calendar dates in Asia/Shanghai.

pub mod access;
pub mod aggregate;
pub mod clock;
mod given;
pub mod rules;

pub use aggregate::{Aggregate, CommandContext, EventMeta, Expects};
pub use given::Given;

/// Why the domain refused a command. Each maps to one gRPC code in the API layer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The state machine forbids it now (FAILED_PRECONDITION with the reason).
    #[error("{message}")]
    Precondition {
        reason: &'static str,
        message: String,
    },
    /// The actor's role or scope may not do it (PERMISSION_DENIED with the reason).
    #[error("{message}")]
    Forbidden {
        reason: &'static str,
        message: String,
    },
    /// The aggregate does not exist (NOT_FOUND).
    #[error("{0} does not exist")]
    NotFound(String),
    /// The aggregate already exists (ALREADY_EXISTS).
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// A field's value is wrong given the state (INVALID_ARGUMENT on that field).
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

impl DomainError {
    pub fn precondition(reason: &'static str, message: impl Into<String>) -> Self {
        DomainError::Precondition {
            reason,
            message: message.into(),
        }
    }

    pub fn forbidden(reason: &'static str, message: impl Into<String>) -> Self {
        DomainError::Forbidden {
            reason,
            message: message.into(),
        }
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The machine-readable reason, for tests and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            DomainError::Precondition { reason, .. } | DomainError::Forbidden { reason, .. } => {
                reason
            }
            DomainError::NotFound(_) => "NOT_FOUND",
            DomainError::AlreadyExists(_) => "ALREADY_EXISTS",
            DomainError::Invalid { .. } => "INVALID_ARGUMENT",
        }
    }
}
