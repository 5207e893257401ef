//! 问责 proposed from its triggers: a process manager that follows this context's own stream and
//! proposes an accountability case
//! - when a person's month of duties closes short and the month before or after it closed short
//!   too (the case is the later month's, whichever closed first), and
//! - when a committee item's bulletin (通报) says it is past its deadline, and
//! - for each unit whose published evaluation fell below the sheet's pass mark.
//!
//! Each case's id (and its request_id) is derived from what triggered it, so a redelivery, a
//! replay or the two months of a pair closing in either order propose it once. This module also
//! runs the sweep that issues the bulletins (hourly unless HL_BULLETIN_SWEEP_SECONDS says
//! otherwise).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use hl_eventstore::{
    EventMeta, EventStore, ExecuteError, RequestMeta, StoredMessage, decode_events,
};
use hl_proto::common::v1::{Actor, Role};
use hl_proto::events::v1::Commit;
use hl_proto::registry_events::{DutyPeriodEvent, EvaluationEvent, SafetyItemEvent};
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::AccountabilityTrigger;
use hl_runtime::process::{ProcessError, ProcessSpec, follow};
use hl_telemetry::metrics::{ProcessLabels, metrics};
use prost::Message;

use crate::api::duties::ResponsibilityApi;
use crate::domain::CONTEXT;
use crate::domain::accountability::{AccountabilityCommand, Proposal};
use crate::domain::duty_period::period_id;

/// The process's name, and its durable consumer's.
pub const PROCESS: &str = "accountability_proposals";

/// The district's own system, which issues the bulletins of its schedule.
pub fn system_actor(region: &str) -> Actor {
    Actor {
        id: "hazard-ledger-schedule".into(),
        role: Role::System as i32,
        organisation: "hazard-ledger".into(),
        region: region.to_string(),
    }
}

/// Starts the process and the bulletin sweep (every `sweep_every`) for one district once the
/// streams are ready.
pub fn start(
    store: EventStore,
    region: &str,
    api: Arc<ResponsibilityApi>,
    (streams_ready, sweep_every): (Arc<AtomicBool>, Duration),
) -> Arc<AtomicBool> {
    let sweeper = api.clone();
    let actor = system_actor(region);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(sweep_every);
        loop {
            ticks.tick().await;
            match sweeper
                .issue_overdue_bulletins(&actor, chrono::Utc::now(), None)
                .await
            {
                Ok(issued) if !issued.is_empty() => {
                    tracing::info!(items = ?issued, "bulletins issued for overdue items");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "the bulletin sweep failed; next sweep"),
            }
        }
    });
    let spec = ProcessSpec::aggregates(&store, PROCESS, region, (CONTEXT, "*"));
    let region = region.to_string();
    follow(store, spec, streams_ready, move |message| {
        let api = api.clone();
        let region = region.clone();
        async move { handle(&api, &region, &message).await }
    })
}

async fn handle(
    api: &ResponsibilityApi,
    region: &str,
    message: &StoredMessage,
) -> Result<(), ProcessError> {
    let commit = Commit::decode(message.payload.as_ref())
        .map_err(|error| ProcessError::Poison(format!("not a commit: {error}")))?;
    let aggregate_type = commit
        .events
        .first()
        .map(|envelope| envelope.aggregate_type.clone())
        .unwrap_or_default();
    match aggregate_type.as_str() {
        "duty_period" => {
            let decoded = decode_events::<DutyPeriodEvent>(commit).map_err(ProcessError::Poison)?;
            for (event, meta) in &decoded.events {
                if let DutyPeriodEvent::GapRecorded(gap) = event {
                    repeated_gap(api, region, gap, meta).await?;
                }
            }
        }
        "safety_item" => {
            let decoded = decode_events::<SafetyItemEvent>(commit).map_err(ProcessError::Poison)?;
            for (event, meta) in &decoded.events {
                if let SafetyItemEvent::OverdueBulletinIssued(bulletin) = event {
                    overdue_item(api, region, bulletin, meta).await?;
                }
            }
        }
        "evaluation" => {
            let decoded = decode_events::<EvaluationEvent>(commit).map_err(ProcessError::Poison)?;
            for (event, meta) in &decoded.events {
                if let EvaluationEvent::Published(published) = event {
                    failed_evaluation(api, region, published, meta).await?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Each unit published below the pass mark is proposed a case, with the evaluation as evidence.
async fn failed_evaluation(
    api: &ResponsibilityApi,
    region: &str,
    published: &pb::EvaluationPublished,
    meta: &EventMeta,
) -> Result<(), ProcessError> {
    for result in published.results.iter().filter(|result| !result.passed) {
        let proposal = Proposal {
            region: region.to_string(),
            trigger: AccountabilityTrigger::FailedEvaluation,
            subject_id: result.unit.clone(),
            evidence: vec![format!("evaluations/{}", published.evaluation_id)],
            summary: format!(
                "{} scored {} in evaluations/{}, below the pass mark of {}",
                result.unit, result.total, published.evaluation_id, published.pass_mark
            ),
        };
        let case_id = format!("evaluation-{}-{}", published.evaluation_id, result.unit);
        let request_id = format!("propose:{case_id}");
        propose(api, PROCESS, (&case_id, &request_id), proposal, meta).await?;
    }
    Ok(())
}

/// The month before and after a period's month.
fn neighbours(year: i32, month: u32) -> [(i32, u32); 2] {
    let index = year * 12 + month as i32 - 1;
    let of = |index: i32| (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
    [of(index - 1), of(index + 1)]
}

/// A gap next to another gap proposes a case for the later month of the pair.
async fn repeated_gap(
    api: &ResponsibilityApi,
    region: &str,
    gap: &pb::DutyGapRecorded,
    meta: &EventMeta,
) -> Result<(), ProcessError> {
    let this = api.duty_periods.load(&gap.period_id).await?.state;
    for (year, month) in neighbours(this.year, this.month) {
        let other_id = period_id(&gap.person_id, year, month);
        let other = api.duty_periods.load(&other_id).await?.state;
        if other.shortfalls.is_empty() {
            continue;
        }
        let (earlier, later) = if (year, month) < (this.year, this.month) {
            (other_id, gap.period_id.clone())
        } else {
            (gap.period_id.clone(), other_id)
        };
        let proposal = Proposal {
            region: region.to_string(),
            trigger: AccountabilityTrigger::RepeatedDutyGaps,
            subject_id: gap.person_id.clone(),
            evidence: vec![
                format!("dutyPeriods/{earlier}"),
                format!("dutyPeriods/{later}"),
            ],
            summary: format!(
                "{} fell short of their duties two months running",
                gap.person_id
            ),
        };
        // Each month of the pair proposes under its own request_id; the second finds the case.
        let case_id = format!("duty-gaps-{later}");
        let request_id = format!("propose:{case_id}:{}", gap.period_id);
        propose(api, PROCESS, (&case_id, &request_id), proposal, meta).await?;
    }
    Ok(())
}

async fn overdue_item(
    api: &ResponsibilityApi,
    region: &str,
    bulletin: &pb::OverdueBulletinIssued,
    meta: &EventMeta,
) -> Result<(), ProcessError> {
    let deadline = bulletin
        .deadline
        .and_then(|day| day.to_naive())
        .unwrap_or(NaiveDate::MIN);
    let proposal = Proposal {
        region: region.to_string(),
        trigger: AccountabilityTrigger::ListedItemOverdue,
        subject_id: bulletin.lead_unit_id.clone(),
        evidence: vec![format!("safetyItems/{}", bulletin.item_id)],
        summary: format!(
            "safetyItems/{} is past its deadline of {deadline}",
            bulletin.item_id
        ),
    };
    let case_id = format!(
        "overdue-{}-{:04}{:02}{:02}",
        bulletin.item_id,
        deadline.year(),
        deadline.month(),
        deadline.day()
    );
    let request_id = format!("propose:{case_id}");
    propose(api, PROCESS, (&case_id, &request_id), proposal, meta).await
}

/// Proposes a case for a process, counting the outcome under the process's name.
pub(crate) async fn propose(
    api: &ResponsibilityApi,
    process: &str,
    (case_id, request_id): (&str, &str),
    proposal: Proposal,
    meta: &EventMeta,
) -> Result<(), ProcessError> {
    let request = RequestMeta {
        request_id: request_id.to_string(),
        actor: meta.actor.clone(),
        occurred_at: Some(meta.occurred_at),
        correlation_id: None,
        migrated_by: None,
    };
    let outcome = match api
        .cases
        .execute(case_id, &AccountabilityCommand::Propose(proposal), &request)
        .await
    {
        Ok(executed) if executed.replayed => "already_recorded",
        Ok(_) => "recorded",
        // Proposed already from the other month of the pair.
        Err(ExecuteError::Domain(crate::domain::DomainError::AlreadyExists(_))) => {
            "already_recorded"
        }
        Err(ExecuteError::Domain(refusal)) => {
            tracing::error!(case_id, %refusal, "an accountability proposal was refused");
            "refused"
        }
        Err(ExecuteError::Store(error)) => return Err(error.into()),
        // This very step was recorded on the aggregate, so long ago its outcome is forgotten.
        Err(ExecuteError::RequestOutcomeForgotten { .. }) => "already_recorded",
        Err(error @ ExecuteError::Conflict { .. }) => {
            return Err(ProcessError::Transient(error.to_string()));
        }
    };
    tracing::info!(case_id, outcome, "accountability proposal");
    metrics()
        .process_commands
        .get_or_create(&ProcessLabels {
            process: process.into(),
            outcome: outcome.into(),
        })
        .inc();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_months_neighbours_cross_the_year() {
        assert_eq!(neighbours(2026, 1), [(2025, 12), (2026, 2)]);
        assert_eq!(neighbours(2026, 12), [(2026, 11), (2027, 1)]);
    }
}
