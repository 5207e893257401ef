//! The drills of the plans stream: an enterprise's drill recorded by a government officer (who
//! saw it held, or checked its record) is a performance of that officer at the enterprise, in
//! the month it was held. It is on the record of the month; no monthly duty counts it yet.

use chrono::Datelike;
use hl_eventstore::{EventMeta, StoredMessage, decode_events};
use hl_proto::events::v1::Commit;
use hl_proto::plans::v1::Drill;
use hl_proto::plans_events::DrillEvent;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::ObjectKind;
use hl_runtime::process::ProcessError;
use prost::Message;

use super::run_on_month;
use crate::api::duties::ResponsibilityApi;
use crate::domain::access::is_government_side;
use crate::domain::duty_period::{DutyPeriodCommand, period_id};
use crate::domain::responsibilities::DRILL_RECORDED;

/// The process's name, and its durable consumer's.
pub const PROCESS: &str = "drill_performances";

/// The stream and aggregate type it follows.
pub const FOLLOWS: (&str, &str) = ("plans", "drill");

pub(super) async fn handle(
    api: &ResponsibilityApi,
    message: &StoredMessage,
) -> Result<(), ProcessError> {
    let commit = Commit::decode(message.payload.as_ref())
        .map_err(|error| ProcessError::Poison(format!("not a commit: {error}")))?;
    let decoded = decode_events::<DrillEvent>(commit).map_err(ProcessError::Poison)?;
    for (DrillEvent::Recorded(recorded), meta) in &decoded.events {
        let Some(drill) = &recorded.drill else {
            continue;
        };
        if drill.enterprise_id.is_empty() || !is_government_side(&meta.actor) {
            continue;
        }
        record(api, drill, meta).await?;
    }
    Ok(())
}

async fn record(
    api: &ResponsibilityApi,
    drill: &Drill,
    meta: &EventMeta,
) -> Result<(), ProcessError> {
    let Some(held_on) = drill.held_on.and_then(|day| day.to_naive()) else {
        return Ok(());
    };
    let officer = meta.actor.id.clone();
    let source = format!("drill:{}", drill.drill_id);
    let command = DutyPeriodCommand::Record {
        person_id: officer.clone(),
        performance: pb::Performance {
            source_id: source.clone(),
            kind: ObjectKind::Enterprise as i32,
            object_id: drill.enterprise_id.clone(),
            on: Some(held_on.into()),
            what: DRILL_RECORDED.into(),
            performed_by: officer.clone(),
            after_close: false,
        },
    };
    let period = period_id(&officer, held_on.year(), held_on.month());
    run_on_month(
        api,
        PROCESS,
        (&period, format!("performance:{source}")),
        &command,
        (&meta.actor, meta.occurred_at),
    )
    .await
}
