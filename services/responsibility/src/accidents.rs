//! 问责 proposed by accidents: a process manager that follows the accidents of the plans stream
//! and proposes an accountability case for each accident graded 较大 or above, from the first
//! report that grades it so (a later report that lowers the grade does not take the case back;
//! the administrator dismisses it with a reason, on the record).
//!
//! The case holds to account the officer answering for the accident's enterprise on the day it
//! happened, or, with no enterprise or no one answering, the township. Its id is derived from
//! the accident, so a redelivery, a replay or a second qualifying report proposes it once.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use hl_domain::clock::local_date;
use hl_eventstore::{EventMeta, EventStore, StoredMessage, decode_events};
use hl_proto::events::v1::Commit;
use hl_proto::plans::v1::AccidentRecorded;
use hl_proto::plans_events::AccidentEvent;
use hl_proto::responsibility::v1::{AccountabilityTrigger, Duty, ObjectKind};
use hl_runtime::process::{ProcessError, ProcessSpec, follow};
use prost::Message;

use crate::api::duties::ResponsibilityApi;
use crate::domain::accountability::Proposal;
use crate::domain::responsibilities::responsibilities_id;
use crate::proposals::propose;

/// The process's name, and its durable consumer's.
pub const PROCESS: &str = "accident_proposals";

const PLANS: &str = "plans";

/// The stream and aggregate type it follows.
pub const FOLLOWS: (&str, &str) = (PLANS, "accident");

/// Starts the process for one district once the streams are ready; the flag is true while it
/// follows the plans stream.
pub fn start(
    store: &EventStore,
    region: &str,
    api: &Arc<ResponsibilityApi>,
    streams_ready: &Arc<AtomicBool>,
) -> Arc<AtomicBool> {
    let spec = ProcessSpec::aggregates(store, PROCESS, region, FOLLOWS);
    let (api, follower, region) = (api.clone(), store.clone(), region.to_string());
    follow(store.clone(), spec, streams_ready.clone(), move |message| {
        let (api, store, region) = (api.clone(), follower.clone(), region.clone());
        async move { handle(&api, &store, &region, &message).await }
    })
}

fn decode(payload: &[u8]) -> Result<Vec<(AccidentEvent, EventMeta)>, ProcessError> {
    let commit = Commit::decode(payload)
        .map_err(|error| ProcessError::Poison(format!("not a commit: {error}")))?;
    Ok(decode_events::<AccidentEvent>(commit)
        .map_err(ProcessError::Poison)?
        .events)
}

async fn handle(
    api: &ResponsibilityApi,
    store: &EventStore,
    region: &str,
    message: &StoredMessage,
) -> Result<(), ProcessError> {
    for (event, meta) in decode(&message.payload)? {
        let (grade, recorded) = match &event {
            AccidentEvent::Recorded(recorded) => (recorded.grade(), Some(recorded.clone())),
            AccidentEvent::FiguresRevised(revised) => (revised.grade(), None),
        };
        if !grade.is_relatively_major_or_worse() {
            continue;
        }
        let recorded = match recorded {
            Some(recorded) => recorded,
            None => first_report(store, &message.subject).await?,
        };
        let subject_id = answering(api, &recorded).await?;
        let accident = format!("accidents/{}", recorded.accident_id);
        let mut evidence = vec![accident.clone()];
        evidence.extend(recorded.hazards.iter().cloned());
        let proposal = Proposal {
            region: region.to_string(),
            trigger: AccountabilityTrigger::Accident,
            subject_id,
            evidence,
            summary: format!(
                "{accident} ({}) is graded {}",
                recorded.title,
                grade.as_str_name()
            ),
        };
        let case_id = format!("accident-{}", recorded.accident_id);
        let request_id = format!("propose:{case_id}");
        propose(api, PROCESS, (&case_id, &request_id), proposal, &meta).await?;
    }
    Ok(())
}

/// The accident's first report, read from its history.
async fn first_report(store: &EventStore, subject: &str) -> Result<AccidentRecorded, ProcessError> {
    let first = store
        .next_message(PLANS, subject, 0, false)
        .await?
        .ok_or_else(|| ProcessError::Transient(format!("{subject} has no history yet")))?;
    decode(&first.payload)?
        .into_iter()
        .find_map(|(event, _)| match event {
            AccidentEvent::Recorded(recorded) => Some(recorded),
            AccidentEvent::FiguresRevised(_) => None,
        })
        .ok_or_else(|| ProcessError::Poison(format!("{subject} does not begin with its report")))
}

/// The officer answering for the accident's enterprise on the day it happened, or its township.
async fn answering(
    api: &ResponsibilityApi,
    recorded: &AccidentRecorded,
) -> Result<String, ProcessError> {
    let happened_on = recorded
        .happened_at
        .as_ref()
        .and_then(hl_proto::instant)
        .map(local_date);
    if recorded.enterprise_id.is_empty() {
        return Ok(recorded.township_code.clone());
    }
    let id = responsibilities_id(ObjectKind::Enterprise, &recorded.enterprise_id);
    let record = api.responsibilities.load(&id).await?.state;
    let officer = happened_on
        .and_then(|day| record.holder_on(Duty::ResponsibleOfficer, day))
        .map(|held| held.person_id.clone());
    Ok(officer.unwrap_or_else(|| recorded.township_code.clone()))
}
