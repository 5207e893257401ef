//! 履责 fed by events: process managers that follow the other contexts' streams and record what
//! their officers did in the months of duty.
//! - [`inspections`]: each completed inspection, for every officer on it (enforcement stream);
//! - [`hazards`]: each government check of a claimed rectification, and the government's review
//!   owed to each self-reported 重大 hazard (hazards stream);
//! - [`drills`]: each enterprise drill an officer recorded (plans stream);
//! - [`rounds`]: each government review of an enterprise's self-check round (hazards stream).
//!
//! Every step's request_id is derived from its source, so a crash, a redelivery or a replay
//! never counts a source twice.

pub mod drills;
pub mod hazards;
pub mod inspections;
pub mod rounds;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Utc};
use hl_eventstore::{EventStore, ExecuteError, RequestMeta};
use hl_proto::common::v1::Actor;
use hl_runtime::process::{ProcessError, ProcessSpec, follow};
use hl_telemetry::metrics::{ProcessLabels, metrics};

use crate::api::duties::ResponsibilityApi;
use crate::domain::duty_period::DutyPeriodCommand;

/// Starts the four processes for one district once the streams are ready. Each flag is true while
/// its process follows its stream.
pub fn start(
    store: &EventStore,
    region: &str,
    api: &Arc<ResponsibilityApi>,
    streams_ready: &Arc<AtomicBool>,
) -> [(&'static str, Arc<AtomicBool>); 4] {
    let inspections = {
        let spec =
            ProcessSpec::aggregates(store, inspections::PROCESS, region, inspections::FOLLOWS);
        let api = api.clone();
        follow(store.clone(), spec, streams_ready.clone(), move |message| {
            let api = api.clone();
            async move { inspections::handle(&api, &message).await }
        })
    };
    let hazards = {
        let spec = ProcessSpec::aggregates(store, hazards::PROCESS, region, hazards::FOLLOWS);
        let (api, follower, region) = (api.clone(), store.clone(), region.to_string());
        follow(store.clone(), spec, streams_ready.clone(), move |message| {
            let (api, store, region) = (api.clone(), follower.clone(), region.clone());
            async move { hazards::handle(&api, &store, &region, &message).await }
        })
    };
    let drills = {
        let spec = ProcessSpec::aggregates(store, drills::PROCESS, region, drills::FOLLOWS);
        let api = api.clone();
        follow(store.clone(), spec, streams_ready.clone(), move |message| {
            let api = api.clone();
            async move { drills::handle(&api, &message).await }
        })
    };
    let rounds = {
        let spec = ProcessSpec::aggregates(store, rounds::PROCESS, region, rounds::FOLLOWS);
        let api = api.clone();
        follow(store.clone(), spec, streams_ready.clone(), move |message| {
            let api = api.clone();
            async move { rounds::handle(&api, &message).await }
        })
    };
    [
        ("duty performances process", inspections),
        ("hazard performances process", hazards),
        ("drill performances process", drills),
        ("round performances process", rounds),
    ]
}

/// The events of a stored commit, or a poison error: a commit that cannot be read never will be.
pub(crate) fn events_of<E: hl_proto::DomainEvent>(
    payload: &[u8],
) -> Result<Vec<(E, hl_eventstore::EventMeta)>, ProcessError> {
    use prost::Message;
    let commit = hl_proto::events::v1::Commit::decode(payload)
        .map_err(|error| ProcessError::Poison(format!("not a commit: {error}")))?;
    Ok(hl_eventstore::decode_events::<E>(commit)
        .map_err(ProcessError::Poison)?
        .events)
}

/// What an officer did at an enterprise on a day, recorded as themselves on their month: an
/// enterprise drill they recorded, a self-check round they reviewed.
pub(crate) struct OfficerStep<'a> {
    pub process: &'static str,
    pub enterprise_id: &'a str,
    pub on: chrono::NaiveDate,
    pub what: &'static str,
    pub source_id: String,
}

/// Records an officer's own step on their month; the step's source names its request_id.
pub(crate) async fn record_officer_step(
    api: &ResponsibilityApi,
    step: OfficerStep<'_>,
    meta: &hl_eventstore::EventMeta,
) -> Result<(), ProcessError> {
    use chrono::Datelike;
    let officer = meta.actor.id.clone();
    let request_id = format!("performance:{}", step.source_id);
    let command = DutyPeriodCommand::Record {
        person_id: officer.clone(),
        performance: hl_proto::responsibility::v1::Performance {
            source_id: step.source_id,
            kind: hl_proto::responsibility::v1::ObjectKind::Enterprise as i32,
            object_id: step.enterprise_id.to_string(),
            on: Some(step.on.into()),
            what: step.what.into(),
            performed_by: officer.clone(),
            after_close: false,
        },
    };
    let period = crate::domain::duty_period::period_id(&officer, step.on.year(), step.on.month());
    run_on_month(
        api,
        step.process,
        (&period, request_id),
        &command,
        (&meta.actor, meta.occurred_at),
    )
    .await
}

/// Runs one step on a month of duty for a process, counting its outcome. The step is dated at
/// its source's business time, or at the month's last step when that came later: the steps of a
/// month are dated in order, and sources arrive in any order.
pub(crate) async fn run_on_month(
    api: &ResponsibilityApi,
    process: &str,
    (period, request_id): (&str, String),
    command: &DutyPeriodCommand,
    (actor, occurred_at): (&Actor, DateTime<Utc>),
) -> Result<(), ProcessError> {
    let last_step = api.duty_periods.load(period).await?.last_occurred_at;
    let request = RequestMeta {
        request_id,
        actor: actor.clone(),
        occurred_at: Some(last_step.map_or(occurred_at, |last| last.max(occurred_at))),
        correlation_id: None,
        migrated_by: None,
    };
    let outcome = match api.duty_periods.execute(period, command, &request).await {
        Ok(executed) if executed.replayed => "already_recorded",
        Ok(_) => "recorded",
        Err(ExecuteError::Domain(refusal)) => {
            tracing::error!(%period, %refusal, "a month of duties refused a step");
            "refused"
        }
        Err(ExecuteError::Store(error)) => return Err(error.into()),
        // This very step was recorded on the aggregate, so long ago its outcome is forgotten.
        Err(ExecuteError::RequestOutcomeForgotten { .. }) => "already_recorded",
        Err(error @ ExecuteError::Conflict { .. }) => {
            return Err(ProcessError::Transient(error.to_string()));
        }
    };
    tracing::info!(%period, request_id = %request.request_id, outcome, "month of duty");
    metrics()
        .process_commands
        .get_or_create(&ProcessLabels {
            process: process.into(),
            outcome: outcome.into(),
        })
        .inc();
    Ok(())
}
