//! The hazards of the hazards stream, read through [`HazardWatch`]: for each commit the process
//! reads the hazard's history before it, derives what the commit means for the months of duty,
//! and records it:
//! - a government check of a claimed rectification: a visit of the enterprise by the officer
//!   who made it, in the month of the check;
//! - a self-reported 重大 hazard: the review owed by the officer answering for the enterprise on
//!   the day it was reported, in the month its clock runs out, and the government's first step
//!   about it as the review (met only when on or before the clock's last day).
//!
//! A past ledger's import is history, not duty: migrated commits derive nothing.

use chrono::{Datelike, NaiveDate};
use hl_domain::clock::local_date;
use hl_eventstore::{EventMeta, EventStore, StoredMessage};
use hl_proto::hazard_events::HazardEvent;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::{Duty, ObjectKind};
use hl_runtime::process::ProcessError;

use super::run_on_month;
use crate::api::duties::ResponsibilityApi;
use crate::domain::duty_period::{DutyPeriodCommand, period_id};
use crate::domain::hazard_watch::{Derived, HazardWatch, derive};
use crate::domain::responsibilities::{
    DUTY_RULES, HAZARD_REVIEWED, RECTIFICATION_CHECKED, responsibilities_id,
};
use crate::proposals::system_actor;

/// The process's name, and its durable consumer's.
pub const PROCESS: &str = "hazard_performances";

const HAZARDS: &str = "hazards";

/// How many of a hazard's commits one read asks for: most histories are shorter.
const READ_BATCH: usize = 64;

/// The stream and aggregate type it follows.
pub const FOLLOWS: (&str, &str) = (HAZARDS, "hazard");

/// The source id of the review owed to a hazard.
pub fn review_source(hazard_id: &str) -> String {
    format!("hazard-review:{hazard_id}")
}

fn decode(payload: &[u8]) -> Result<Vec<(HazardEvent, EventMeta)>, ProcessError> {
    super::events_of::<HazardEvent>(payload)
}

/// The hazard's facts from every commit before `sequence`.
async fn watch_before(
    store: &EventStore,
    subject: &str,
    sequence: u64,
) -> Result<HazardWatch, ProcessError> {
    let mut watch = HazardWatch::default();
    store
        .each_after::<ProcessError>((HAZARDS, subject), 0, READ_BATCH, |message| {
            if message.sequence >= sequence {
                return Ok(false);
            }
            for (event, meta) in decode(&message.payload)? {
                watch.apply(&event, &meta);
            }
            Ok(true)
        })
        .await?;
    Ok(watch)
}

pub(super) async fn handle(
    api: &ResponsibilityApi,
    store: &EventStore,
    region: &str,
    message: &StoredMessage,
) -> Result<(), ProcessError> {
    let events = decode(&message.payload)?;
    let Some((_, first)) = events.first() else {
        return Ok(());
    };
    if first.migrated_by.is_some() {
        return Ok(());
    }
    let hazard_id = first.aggregate_id.clone();
    let before = watch_before(store, &message.subject, message.sequence).await?;
    // The duty rules in force on the day the hazard was reported (this commit's, for a report).
    let reported_on = before
        .reported_on
        .unwrap_or_else(|| local_date(first.occurred_at));
    let review_days = DUTY_RULES.in_force(reported_on).rules.major_review_days;
    let (after, derived) = derive(&before, &events, review_days);
    let actor = system_actor(region);
    let occurred_at = events
        .iter()
        .map(|(_, meta)| meta.occurred_at)
        .max()
        .unwrap_or(first.occurred_at);
    for step in derived {
        let Some((period, request_id, command)) = step_of(api, &hazard_id, &after, step).await?
        else {
            continue;
        };
        run_on_month(
            api,
            PROCESS,
            (&period, request_id),
            &command,
            (&actor, occurred_at),
        )
        .await?;
    }
    Ok(())
}

/// The month, request_id and command of one derived step; None when no one answered for the
/// enterprise on the day (a vacancy, which the coverage gaps already show).
async fn step_of(
    api: &ResponsibilityApi,
    hazard_id: &str,
    watch: &HazardWatch,
    step: Derived,
) -> Result<Option<(String, String, DutyPeriodCommand)>, ProcessError> {
    let performance = |on: NaiveDate, what: &str, source_id: String, by: &str| pb::Performance {
        source_id,
        kind: ObjectKind::Enterprise as i32,
        object_id: watch.enterprise_id.clone(),
        on: Some(on.into()),
        what: what.into(),
        performed_by: by.to_string(),
        after_close: false,
    };
    let step = match step {
        Derived::RectificationChecked { on, by, event_id } => {
            let source = format!("rectification-check:{event_id}");
            let request_id = format!("performance:{source}");
            let command = DutyPeriodCommand::Record {
                person_id: by.clone(),
                performance: performance(on, RECTIFICATION_CHECKED, source, &by),
            };
            (period_id(&by, on.year(), on.month()), request_id, command)
        }
        Derived::ReviewOwed {
            reported_on,
            due_on,
        } => {
            let Some((officer, place_code)) = answering(api, watch, reported_on).await? else {
                return Ok(None);
            };
            let owed = pb::ExpectedPerformance {
                kind: ObjectKind::Enterprise as i32,
                object_id: watch.enterprise_id.clone(),
                duty: Duty::ResponsibleOfficer as i32,
                required: 1,
                place_code,
                source_id: review_source(hazard_id),
                due_on: Some(due_on.into()),
                counted_kinds: vec![HAZARD_REVIEWED.into()],
                performed: 0,
            };
            let request_id = format!("owed:{}:{officer}", review_source(hazard_id));
            let command = DutyPeriodCommand::Owe {
                person_id: officer.clone(),
                year: due_on.year(),
                month: due_on.month(),
                owed,
            };
            (
                period_id(&officer, due_on.year(), due_on.month()),
                request_id,
                command,
            )
        }
        Derived::Reviewed {
            on,
            by,
            reported_on,
            due_on,
        } => {
            let Some((officer, _)) = answering(api, watch, reported_on).await? else {
                return Ok(None);
            };
            let source = review_source(hazard_id);
            let request_id = format!("performance:{source}:{officer}");
            let command = DutyPeriodCommand::Record {
                person_id: officer.clone(),
                performance: performance(on, HAZARD_REVIEWED, source, &by),
            };
            (
                period_id(&officer, due_on.year(), due_on.month()),
                request_id,
                command,
            )
        }
    };
    Ok(Some(step))
}

/// The officer who answered for the hazard's enterprise on a day, and the enterprise's place.
async fn answering(
    api: &ResponsibilityApi,
    watch: &HazardWatch,
    day: NaiveDate,
) -> Result<Option<(String, String)>, ProcessError> {
    let id = responsibilities_id(ObjectKind::Enterprise, &watch.enterprise_id);
    let record = api.responsibilities.load(&id).await?.state;
    let place = if record.place_code.is_empty() {
        watch.township_code.clone()
    } else {
        record.place_code.clone()
    };
    Ok(record
        .holder_on(Duty::ResponsibleOfficer, day)
        .map(|held| (held.person_id.clone(), place)))
}
