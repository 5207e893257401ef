//! A drill (演练): the plans it exercised, its subject, kind and form, the day, the participants,
//! its evaluation and its findings, recorded once. A finding that requires a revision can be
//! named as the trigger of a plan's revision.

use chrono::NaiveDate;
use hl_domain::access::require_government;
use hl_domain::clock::local_date;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::plans::v1 as pb;
use hl_proto::plans_events::DrillEvent;
use serde::{Deserialize, Serialize};

use super::DomainError;

#[derive(Clone, Debug, PartialEq)]
pub struct RecordDrill {
    pub region: String,
    pub drill: pb::Drill,
    pub held_on: NaiveDate,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Drill {
    pub region: String,
    pub drill: pb::Drill,
}

impl Drill {
    /// The drill exercised the plan, and its finding requires a revision.
    pub fn finding_requires_revision(&self, plan_id: &str, finding_id: &str) -> (bool, bool) {
        let exercised = self.drill.plan_ids.iter().any(|known| known == plan_id);
        let requires = self
            .drill
            .findings
            .iter()
            .any(|finding| finding.finding_id == finding_id && finding.requires_revision);
        (exercised, requires)
    }
}

impl Aggregate for Drill {
    type Event = DrillEvent;
    type Command = RecordDrill;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "drill";
    const COLLECTION: &'static str = "drills";

    fn expects(_: &RecordDrill) -> Expects {
        Expects::New
    }

    fn decide(
        &self,
        command: &RecordDrill,
        context: &CommandContext,
    ) -> Result<Vec<DrillEvent>, DomainError> {
        require_government(&context.actor, &command.region, "record a drill")?;
        if command.held_on > local_date(context.occurred_at) {
            return Err(DomainError::invalid(
                "held_on",
                "a drill is recorded once it is held",
            ));
        }
        // A revision names the finding that triggered it by its id, so two findings with one id
        // would let either stand for the other.
        let finding_ids = command
            .drill
            .findings
            .iter()
            .map(|finding| &finding.finding_id);
        if let Some((index, earlier)) = hl_domain::first_repeat(finding_ids) {
            return Err(DomainError::invalid(
                format!("findings[{index}].finding_id"),
                format!(
                    "{} is the id of findings[{earlier}] already; each finding has its own id",
                    command.drill.findings[index].finding_id
                ),
            ));
        }
        Ok(vec![DrillEvent::Recorded(pb::DrillRecorded {
            drill: Some(pb::Drill {
                drill_id: context.aggregate_id.clone(),
                held_on: Some(command.held_on.into()),
                ..command.drill.clone()
            }),
        })])
    }

    fn apply(&mut self, event: &DrillEvent, meta: &EventMeta) {
        let DrillEvent::Recorded(recorded) = event;
        self.region = meta.region.clone();
        self.drill = recorded.drill.clone().unwrap_or_default();
    }
}
