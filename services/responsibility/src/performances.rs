//! 履责 fed by events: a process manager that follows the inspections of the enforcement stream
//! and records each completed inspection as a performance of every officer on it, at its
//! enterprise, in the month it was completed. The request_id of each record is derived from
//! (inspection, officer), and the month keeps the source of every performance, so a crash, a
//! redelivery or a replay never counts one inspection twice.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use chrono::Datelike;
use hl_domain::clock::local_date;
use hl_eventstore::{
    EventMeta, EventStore, ExecuteError, RequestMeta, StoredMessage, decode_events,
};
use hl_proto::enforcement_events::InspectionEvent;
use hl_proto::events::v1::Commit;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::ObjectKind;
use hl_runtime::process::{ProcessError, ProcessSpec, follow};
use hl_telemetry::metrics::{ProcessLabels, metrics};
use prost::Message;

use crate::api::duties::ResponsibilityApi;
use crate::domain::duty_period::{DutyPeriodCommand, period_id};

/// The process's name, and its durable consumer's.
pub const PROCESS: &str = "duty_performances";

const ENFORCEMENT: &str = "enforcement";
const INSPECTION: &str = "inspection";

/// Starts the process for one district once the streams are ready. The flag is true while it
/// follows the inspections.
pub fn start(
    store: EventStore,
    region: &str,
    api: Arc<ResponsibilityApi>,
    streams_ready: Arc<AtomicBool>,
) -> Arc<AtomicBool> {
    let spec = ProcessSpec {
        name: PROCESS,
        context: ENFORCEMENT,
        filter_subject: store
            .namespace()
            .aggregate_subject(region, ENFORCEMENT, INSPECTION, "*"),
    };
    follow(store, spec, streams_ready, move |message| {
        let api = api.clone();
        async move { handle(&api, &message).await }
    })
}

/// The request_id of one officer's performance of one inspection.
pub fn request_id(inspection_id: &str, officer_id: &str) -> String {
    format!("performance:{inspection_id}:{officer_id}")
}

async fn handle(api: &ResponsibilityApi, message: &StoredMessage) -> Result<(), ProcessError> {
    let commit = Commit::decode(message.payload.as_ref())
        .map_err(|error| ProcessError::Poison(format!("not a commit: {error}")))?;
    let decoded = decode_events::<InspectionEvent>(commit).map_err(ProcessError::Poison)?;
    for (event, meta) in &decoded.events {
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
            what: "INSPECTION_COMPLETED".into(),
            after_close: false,
        },
    };
    let request = RequestMeta {
        request_id: request_id(&completed.inspection_id, officer),
        actor: meta.actor.clone(),
        occurred_at: Some(meta.occurred_at),
        correlation_id: None,
        migrated_by: None,
    };
    let period = period_id(officer, day.year(), day.month());
    let outcome = match api.duty_periods.execute(&period, &command, &request).await {
        Ok(executed) if executed.replayed => "already_recorded",
        Ok(_) => "recorded",
        Err(ExecuteError::Domain(refusal)) => {
            tracing::error!(%period, %refusal, "a month of duties refused a performance");
            "refused"
        }
        Err(ExecuteError::Store(error)) => return Err(error.into()),
        Err(error @ (ExecuteError::Conflict { .. } | ExecuteError::RequestIdReused { .. })) => {
            return Err(ProcessError::Transient(error.to_string()));
        }
    };
    tracing::info!(%period, inspection_id = %completed.inspection_id, outcome);
    metrics()
        .process_commands
        .get_or_create(&ProcessLabels {
            process: PROCESS.into(),
            outcome: outcome.into(),
        })
        .inc();
    Ok(())
}
