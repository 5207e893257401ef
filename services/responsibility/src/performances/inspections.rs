//! The inspections of the enforcement stream: each completed inspection is a performance of
//! every officer on it, at its enterprise, in the month it was completed. The request_id of each
//! record is derived from (inspection, officer), and the month keeps the source of every
//! performance, so a crash, a redelivery or a replay never counts one inspection twice.

use chrono::Datelike;
use hl_domain::clock::local_date;
use hl_eventstore::{EventMeta, StoredMessage};
use hl_proto::enforcement_events::InspectionEvent;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::ObjectKind;
use hl_runtime::process::ProcessError;

use crate::api::duties::ResponsibilityApi;
use crate::domain::duty_period::{DutyPeriodCommand, period_id};
use crate::domain::responsibilities::INSPECTION_COMPLETED;

use super::run_on_month;

/// The process's name, and its durable consumer's.
pub const PROCESS: &str = "duty_performances";

/// The stream and aggregate type it follows.
pub const FOLLOWS: (&str, &str) = ("enforcement", "inspection");

/// The request_id of one officer's performance of one inspection.
pub fn request_id(inspection_id: &str, officer_id: &str) -> String {
    format!("performance:{inspection_id}:{officer_id}")
}

pub(super) async fn handle(
    api: &ResponsibilityApi,
    message: &StoredMessage,
) -> Result<(), ProcessError> {
    for (event, meta) in &super::events_of::<InspectionEvent>(&message.payload)? {
        let InspectionEvent::Completed(completed) = event else {
            continue;
        };
        for officer in &completed.officer_ids {
            record(api, completed, officer, meta).await?;
        }
    }
    Ok(())
}

async fn record(
    api: &ResponsibilityApi,
    completed: &hl_proto::enforcement::v1::InspectionCompleted,
    officer: &str,
    meta: &EventMeta,
) -> Result<(), ProcessError> {
    let day = local_date(meta.occurred_at);
    let command = DutyPeriodCommand::Record {
        person_id: officer.to_string(),
        performance: pb::Performance {
            source_id: format!("inspection:{}", completed.inspection_id),
            kind: ObjectKind::Enterprise as i32,
            object_id: completed.enterprise_id.clone(),
            on: Some(day.into()),
            what: INSPECTION_COMPLETED.into(),
            ..Default::default()
        },
    };
    let period = period_id(officer, day.year(), day.month());
    let request_id = request_id(&completed.inspection_id, officer);
    run_on_month(
        api,
        PROCESS,
        (&period, request_id),
        &command,
        (&meta.actor, meta.occurred_at),
    )
    .await
}
