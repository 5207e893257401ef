//! What every context's pure domain shares: what an aggregate is (pure decide and apply) and a
//! given/when/then harness for it, the refusals a decision can end in, who may act (roles and
//! jurisdictions), and legal deadlines as calendar dates in Asia/Shanghai.

pub mod access;
pub mod aggregate;
pub mod clock;
mod given;
pub mod reasons;
pub mod rules;

pub use aggregate::{Aggregate, CommandContext, EventMeta, Expects};
pub use given::Given;
pub use reasons::Reason;

/// Why the domain refused a command. Each maps to one gRPC code in the API layer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The state machine forbids it now (FAILED_PRECONDITION with the reason).
    #[error("{message}")]
    Precondition { reason: Reason, message: String },
    /// The actor's role or scope may not do it (PERMISSION_DENIED with the reason).
    #[error("{message}")]
    Forbidden { reason: Reason, message: String },
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
    /// A refusal by the state machine; `reason` is one of the catalog's FAILED_PRECONDITION
    /// reasons.
    pub fn precondition(reason: Reason, message: impl Into<String>) -> Self {
        debug_assert_eq!(reason.code, "FAILED_PRECONDITION", "{}", reason.name);
        DomainError::Precondition {
            reason,
            message: message.into(),
        }
    }

    /// A refusal for who the actor is; `reason` is one of the catalog's PERMISSION_DENIED
    /// reasons.
    pub fn forbidden(reason: Reason, message: impl Into<String>) -> Self {
        debug_assert_eq!(reason.code, "PERMISSION_DENIED", "{}", reason.name);
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
                reason.name
            }
            DomainError::NotFound(_) => "NOT_FOUND",
            DomainError::AlreadyExists(_) => "ALREADY_EXISTS",
            DomainError::Invalid { .. } => "INVALID_ARGUMENT",
        }
    }
}
