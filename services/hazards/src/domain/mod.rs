//! The hazards domain: pure `decide` and `apply` for each aggregate, with no I/O. Times come
//! from the command context; rules that change over time come from [`rules`].

pub mod alarm_device;
pub mod hazard;
pub mod rules;
pub mod self_check;
pub mod statistics;
pub mod supervision;

pub use hl_domain::{DomainError, access, clock};

/// What the registry says of an enterprise on the day a record for it is started. New records
/// are kept only for registered enterprises that are not closed; records already started go on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EnterpriseStanding {
    #[default]
    Unknown,
    Registered,
    Closed,
}

impl EnterpriseStanding {
    pub fn require_open(self, enterprise_id: &str) -> Result<(), DomainError> {
        match self {
            EnterpriseStanding::Registered => Ok(()),
            EnterpriseStanding::Unknown => Err(DomainError::precondition(
                "ENTERPRISE_UNKNOWN",
                format!("enterprises/{enterprise_id} is not in the registry; register it first"),
            )),
            EnterpriseStanding::Closed => Err(DomainError::precondition(
                "ENTERPRISE_CLOSED",
                format!("enterprises/{enterprise_id} is closed; no new records are kept for it"),
            )),
        }
    }
}

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
