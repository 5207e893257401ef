//! A key vessel's registration number, held by one vessel only. Registering a vessel claims its
//! number first: a second registration of the same vessel under another id, or under the
//! number written another way (with spaces, in full-width forms, in lower case), is refused and
//! names the vessel that holds it, so one vessel's watch is never split over two records.

use hl_domain::access::require_government_or_system;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::plans::v1 as pb;
use hl_proto::plans_events::VesselNumberEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DomainError;

/// Claims a number for a vessel.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimNumber {
    pub region: String,
    /// As normalised ([`normalise`]).
    pub registration_number: String,
    pub vessel_id: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VesselNumber {
    pub registration_number: String,
    /// Empty until claimed.
    pub vessel_id: String,
}

/// A registration number as compared: without whitespace, full-width ASCII forms (U+FF01 to
/// U+FF5E) as ASCII, and ASCII letters upper-cased. "浙普渔 ｘｙ１２" and "浙普渔XY12" are one
/// number.
pub fn normalise(registration_number: &str) -> String {
    registration_number
        .chars()
        .filter(|character| !character.is_whitespace())
        .map(|character| match character {
            '\u{FF01}'..='\u{FF5E}' => {
                char::from_u32(character as u32 - 0xFF01 + 0x21).unwrap_or(character)
            }
            other => other,
        })
        .map(|character| character.to_ascii_uppercase())
        .collect()
}

/// The claim's id: derived from the normalised number, so every registration of a number
/// meets at one aggregate (a number may hold characters no id may).
pub fn claim_id(normalised: &str) -> String {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!(
            "hazard-ledger:{}:{normalised}",
            VesselNumber::AGGREGATE_TYPE
        )
        .as_bytes(),
    )
    .to_string()
}

impl Aggregate for VesselNumber {
    type Event = VesselNumberEvent;
    type Command = ClaimNumber;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "vessel_number";
    const COLLECTION: &'static str = "vesselNumbers";

    fn expects(_: &ClaimNumber) -> Expects {
        Expects::Either
    }

    fn decide(
        &self,
        command: &ClaimNumber,
        context: &CommandContext,
    ) -> Result<Vec<VesselNumberEvent>, DomainError> {
        require_government_or_system(&context.actor, &command.region, "register key vessels")?;
        if self.vessel_id == command.vessel_id {
            // The same vessel's registration, retried or re-read: it holds the number already.
            return Ok(Vec::new());
        }
        if !self.vessel_id.is_empty() {
            return Err(DomainError::precondition(
                reasons::REGISTRATION_NUMBER_HELD,
                format!(
                    "registration number {} is held by keyVessels/{}",
                    self.registration_number, self.vessel_id
                ),
            ));
        }
        Ok(vec![VesselNumberEvent::Claimed(pb::VesselNumberClaimed {
            registration_number: command.registration_number.clone(),
            vessel_id: command.vessel_id.clone(),
        })])
    }

    fn apply(&mut self, event: &VesselNumberEvent, _: &EventMeta) {
        let VesselNumberEvent::Claimed(claimed) = event;
        self.registration_number = claimed.registration_number.clone();
        self.vessel_id = claimed.vessel_id.clone();
    }
}
