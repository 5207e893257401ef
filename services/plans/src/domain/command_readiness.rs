//! A township's emergency command readiness (T11) as the plans context checks it: a command
//! venue, a duty team and the standard equipment, each to standard or not, on a day. It stands in
//! for the township's emergency centre of the responsibility context, which comes first where it
//! exists. Checks are kept by the day checked, so a check entered late still reads on its day.

use chrono::NaiveDate;
use hl_domain::access::require_government;
use hl_domain::clock::local_date;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::plans::v1 as pb;
use hl_proto::plans_events::CommandReadinessEvent;
use serde::{Deserialize, Serialize};

use super::DomainError;

#[derive(Clone, Debug, PartialEq)]
pub struct CheckReadiness {
    pub township_code: String,
    pub checked_on: NaiveDate,
    pub command_venue: bool,
    pub duty_team: bool,
    pub equipment: bool,
    pub note: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CommandReadiness {
    pub township_code: String,
    /// By the day checked, oldest first.
    pub checks: Vec<pb::CommandReadinessCheck>,
}

impl CommandReadiness {
    /// The latest check on or before a day.
    pub fn latest_on(&self, day: NaiveDate) -> Option<&pb::CommandReadinessCheck> {
        self.checks.iter().rev().find(|check| {
            check
                .checked_on
                .and_then(|on| on.to_naive())
                .is_some_and(|on| on <= day)
        })
    }
}

/// All three to standard.
pub fn to_standard(check: &pb::CommandReadinessCheck) -> bool {
    check.command_venue && check.duty_team && check.equipment
}

impl Aggregate for CommandReadiness {
    type Event = CommandReadinessEvent;
    type Command = CheckReadiness;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "command_readiness";
    const COLLECTION: &'static str = "commandReadiness";

    fn expects(_: &CheckReadiness) -> Expects {
        Expects::Either
    }

    fn decide(
        &self,
        command: &CheckReadiness,
        context: &CommandContext,
    ) -> Result<Vec<CommandReadinessEvent>, DomainError> {
        require_government(
            &context.actor,
            &command.township_code,
            "check a township's command readiness",
        )?;
        if command.checked_on > local_date(context.occurred_at) {
            return Err(DomainError::invalid(
                "checked_on",
                "a check is recorded once it is made",
            ));
        }
        let check = pb::CommandReadinessCheck {
            checked_on: Some(command.checked_on.into()),
            command_venue: command.command_venue,
            duty_team: command.duty_team,
            equipment: command.equipment,
            note: command.note.clone(),
            checked_by: String::new(),
        };
        if !to_standard(&check) && command.note.is_empty() {
            return Err(DomainError::invalid(
                "note",
                "a check that finds something short says what",
            ));
        }
        Ok(vec![CommandReadinessEvent::Checked(
            pb::CommandReadinessChecked {
                township_code: command.township_code.clone(),
                check: Some(check),
            },
        )])
    }

    fn apply(&mut self, event: &CommandReadinessEvent, meta: &EventMeta) {
        let CommandReadinessEvent::Checked(checked) = event;
        self.township_code = checked.township_code.clone();
        let mut check = checked.check.clone().unwrap_or_default();
        check.checked_by = meta.actor.id.clone();
        let day = |check: &pb::CommandReadinessCheck| check.checked_on.and_then(|on| on.to_naive());
        // After every check of the same day or earlier: a late entry reads on its own day.
        let place = self
            .checks
            .iter()
            .position(|kept| day(kept) > day(&check))
            .unwrap_or(self.checks.len());
        self.checks.insert(place, check);
    }
}
