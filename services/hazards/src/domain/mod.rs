//! The hazards domain: pure `decide` and `apply` for each aggregate, with no I/O. Times come
//! from the command context; rules that change over time come from [`rules`].

pub mod alarm_device;
pub mod hazard;
pub mod past_ledger;
pub mod rules;
pub mod self_check;
pub mod statistics;
pub mod supervision;

pub use hl_domain::{DomainError, access, clock};

/// The stream of this context.
pub const CONTEXT: &str = "hazards";

/// The decision record (who, when, note, evidence) of the event being applied.
pub(crate) fn decision(
    meta: &hl_eventstore::EventMeta,
    note: &str,
    evidence: &[hl_proto::common::v1::EvidenceRef],
) -> hl_proto::hazards::v1::Decision {
    hl_proto::hazards::v1::Decision {
        actor: Some(meta.actor.clone()),
        at: Some(hl_proto::timestamp(meta.occurred_at)),
        note: note.to_string(),
        evidence: evidence.to_vec(),
    }
}
