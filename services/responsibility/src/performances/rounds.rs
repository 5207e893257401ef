//! The self-check rounds of the hazards stream: a government officer's review of an enterprise's
//! submitted round is a performance of that officer at the enterprise, in the month of the
//! review. It is on the record of the month; no monthly duty counts it yet. A past ledger's
//! import is history, not duty: a migrated review derives nothing.

use hl_domain::clock::local_date;
use hl_eventstore::StoredMessage;
use hl_proto::hazard_events::SelfCheckRoundEvent;
use hl_runtime::process::ProcessError;

use super::{OfficerStep, events_of, record_officer_step};
use crate::api::duties::ResponsibilityApi;
use crate::domain::access::is_government_side;
use crate::domain::responsibilities::ROUND_REVIEWED;

/// The process's name, and its durable consumer's.
pub const PROCESS: &str = "round_performances";

/// The stream and aggregate type it follows.
pub const FOLLOWS: (&str, &str) = ("hazards", "self_check_round");

pub(super) async fn handle(
    api: &ResponsibilityApi,
    message: &StoredMessage,
) -> Result<(), ProcessError> {
    for (event, meta) in &events_of::<SelfCheckRoundEvent>(&message.payload)? {
        let SelfCheckRoundEvent::Reviewed(reviewed) = event else {
            continue;
        };
        if meta.migrated_by.is_some() || !is_government_side(&meta.actor) {
            continue;
        }
        let step = OfficerStep {
            process: PROCESS,
            enterprise_id: &reviewed.enterprise_id,
            on: local_date(meta.occurred_at),
            what: ROUND_REVIEWED,
            source_id: format!("round-review:{}", reviewed.round_id),
        };
        record_officer_step(api, step, meta).await?;
    }
    Ok(())
}
