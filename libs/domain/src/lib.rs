//! What every context's pure domain shares: what an aggregate is (pure decide and apply) and a
//! given/when/then harness for it, the refusals a decision can end in, who may act (roles and
//! jurisdictions), and legal deadlines as calendar dates in Asia/Shanghai, in calendar days or in
//! working days.

pub mod access;
pub mod aggregate;
pub mod clock;
mod given;
pub mod reasons;
pub mod rules;
pub mod working_days;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;

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
        /// The field as the request names it; an entry of a list by its index, "staff_ids[2]".
        field: Cow<'static, str>,
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

    pub fn invalid(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            field: field.into(),
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

/// Where a list first repeats an entry: the repeat's index and the earlier entry's.
pub fn first_repeat<K: Eq + Hash>(keys: impl IntoIterator<Item = K>) -> Option<(usize, usize)> {
    let mut first_at: HashMap<K, usize> = HashMap::new();
    for (index, key) in keys.into_iter().enumerate() {
        if let Some(&earlier) = first_at.get(&key) {
            return Some((index, earlier));
        }
        first_at.insert(key, index);
    }
    None
}

/// Refuses a list in which an entry repeats an earlier one: INVALID_ARGUMENT on the first repeat,
/// `{field}[i]`, naming the entry it repeats. Whatever counts a list's entries (staff toward a
/// minimum, an inspection toward each officer's duties) would count a repeated one twice, so the
/// ledger takes each entry once, and a list that names one twice not at all.
pub fn refuse_repeats<K: Eq + Hash + Display>(
    field: &str,
    keys: impl IntoIterator<Item = K>,
) -> Result<(), DomainError> {
    let keys: Vec<K> = keys.into_iter().collect();
    match first_repeat(&keys) {
        None => Ok(()),
        Some((index, earlier)) => Err(DomainError::invalid(
            format!("{field}[{index}]"),
            format!(
                "{} is listed already, as {field}[{earlier}]; list each once",
                keys[index]
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_entry_is_refused_at_its_own_index() {
        assert_eq!(refuse_repeats("ids", ["a", "b", "c"]), Ok(()));
        assert_eq!(refuse_repeats("ids", Vec::<String>::new()), Ok(()));
        let refusal = refuse_repeats("ids", ["a", "b", "a", "b"]).unwrap_err();
        let DomainError::Invalid { field, message } = &refusal else {
            panic!("not INVALID_ARGUMENT: {refusal:?}");
        };
        assert_eq!(field, "ids[2]");
        assert!(message.contains("ids[0]"), "{message}");
        assert_eq!(first_repeat(["x", "y", "z", "y"]), Some((3, 1)));
    }
}
