//! The drills of the plans stream: an enterprise's drill recorded by a government officer (who
//! saw it held, or checked its record) is a performance of that officer at the enterprise, in
//! the month it was held. It is on the record of the month; no monthly duty counts it yet.

use hl_eventstore::StoredMessage;
use hl_proto::plans_events::DrillEvent;
use hl_runtime::process::ProcessError;

use super::{OfficerStep, events_of, record_officer_step};
use crate::api::duties::ResponsibilityApi;
use crate::domain::access::is_government_side;
use crate::domain::responsibilities::DRILL_RECORDED;

/// The process's name, and its durable consumer's.
pub const PROCESS: &str = "drill_performances";

/// The stream and aggregate type it follows.
pub const FOLLOWS: (&str, &str) = ("plans", "drill");

pub(super) async fn handle(
    api: &ResponsibilityApi,
    message: &StoredMessage,
) -> Result<(), ProcessError> {
    for (DrillEvent::Recorded(recorded), meta) in &events_of::<DrillEvent>(&message.payload)? {
        let Some(drill) = &recorded.drill else {
            continue;
        };
        if drill.enterprise_id.is_empty() || !is_government_side(&meta.actor) {
            continue;
        }
        let Some(held_on) = drill.held_on.and_then(|day| day.to_naive()) else {
            continue;
        };
        let step = OfficerStep {
            process: PROCESS,
            enterprise_id: &drill.enterprise_id,
            on: held_on,
            what: DRILL_RECORDED,
            source_id: format!("drill:{}", drill.drill_id),
        };
        record_officer_step(api, step, meta).await?;
    }
    Ok(())
}
