//! 定人定责: everyone ever made responsible for one object (an enterprise, a grid cell, an
//! industry in a township, a committee task or a major problem), with their duties and the days
//! they held them. One aggregate per object, so two assignments of the same duty on the same
//! days are refused here, under the object's own optimistic lock, however concurrent the calls.
//! An assignment is never deleted: it ends on a day, with its reason, and the days after are a
//! vacancy until someone else holds the duty.

use chrono::NaiveDate;
use hl_domain::access::require_registrar;
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_domain::rules::{RuleBook, Version};
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::registry_events::ResponsibilitiesEvent;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::{Duty, ObjectKind};
use serde::{Deserialize, Serialize};

use super::DomainError;

/// Which duties an object of a kind may carry, and which it must always have someone for.
#[derive(Debug)]
pub struct DutyRules {
    pub allowed: &'static [(ObjectKind, &'static [Duty])],
    /// A day on which no one holds one of these is a gap.
    pub required: &'static [(ObjectKind, Duty)],
    /// Performances a month expects of a duty on each object it is held for.
    pub monthly: &'static [MonthlyDuty],
    /// An assignment held fewer days of a month than this expects nothing of it that month.
    pub min_days_held: u32,
    /// The officer answering for an enterprise on the day it self-reports a 重大 hazard sees
    /// that the government reviews it within this many days: the hazard rules' review clock (D2),
    /// which a projections test keeps equal.
    pub major_review_days: i64,
}

/// What a month expects of a duty on each object it is held for.
#[derive(Debug)]
pub struct MonthlyDuty {
    pub kind: ObjectKind,
    pub duty: Duty,
    pub required: u32,
    /// The kinds of performance that count toward it.
    pub counted_kinds: &'static [&'static str],
}

/// The kind of performance an inspection completed by the officer records.
pub const INSPECTION_COMPLETED: &str = "INSPECTION_COMPLETED";
/// The kind of performance a government check of a claimed rectification records (验收 or
/// rejection, on site).
pub const RECTIFICATION_CHECKED: &str = "RECTIFICATION_CHECKED";
/// The kind of performance an officer's record of an enterprise's drill records.
pub const DRILL_RECORDED: &str = "DRILL_RECORDED";
/// The kind of performance the government's first step on a self-reported 重大 hazard records.
pub const HAZARD_REVIEWED: &str = "HAZARD_REVIEWED";
/// A government officer's review of an enterprise's submitted self-check round.
pub const ROUND_REVIEWED: &str = "ROUND_REVIEWED";

impl DutyRules {
    pub fn allows(&self, kind: ObjectKind, duty: Duty) -> bool {
        self.allowed
            .iter()
            .any(|(allowed_kind, duties)| *allowed_kind == kind && duties.contains(&duty))
    }
}

pub const DUTY_RULES: RuleBook<DutyRules> = RuleBook {
    subject: "duty rules",
    versions: &[Version {
        // 全覆盖责任体系: every enterprise has its 属地监管责任人 and every grid cell its 网格长.
        name: "duties-2023-01-01",
        effective_from: (2023, 1, 1),
        rules: DutyRules {
            allowed: &[
                (ObjectKind::Enterprise, &[Duty::ResponsibleOfficer]),
                (ObjectKind::GridCell, &[Duty::GridHead, Duty::GridWorker]),
                (ObjectKind::TownshipIndustry, &[Duty::IndustrySupervisor]),
                (ObjectKind::CommitteeTask, &[Duty::TaskLead]),
                (ObjectKind::MajorIssue, &[Duty::TaskLead]),
            ],
            required: &[
                (ObjectKind::Enterprise, Duty::ResponsibleOfficer),
                (ObjectKind::GridCell, Duty::GridHead),
            ],
            // The responsible officer visits each enterprise they answer for at least once a
            // month, by an inspection or an on-site check of a claimed rectification [the
            // district's working rule; the bureau confirms it].
            monthly: &[MonthlyDuty {
                kind: ObjectKind::Enterprise,
                duty: Duty::ResponsibleOfficer,
                required: 1,
                counted_kinds: &[INSPECTION_COMPLETED, RECTIFICATION_CHECKED],
            }],
            min_days_held: 15,
            major_review_days: 10,
        },
    }],
};

/// The aggregate id of an object's responsibilities: "{kind}-{object_id}".
pub fn responsibilities_id(kind: ObjectKind, object_id: &str) -> String {
    let slug = match kind {
        ObjectKind::Enterprise => "enterprise",
        ObjectKind::GridCell => "grid-cell",
        ObjectKind::TownshipIndustry => "township-industry",
        ObjectKind::CommitteeTask => "committee-task",
        ObjectKind::MajorIssue => "major-issue",
        ObjectKind::Unspecified => "unspecified",
    };
    format!("{slug}-{object_id}")
}

/// One person's duties on an object, over the days they held them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Held {
    pub assignment_id: String,
    pub person_id: String,
    pub duties: Vec<Duty>,
    pub valid_from: NaiveDate,
    /// The last day held; None while open-ended.
    pub valid_until: Option<NaiveDate>,
    pub end_reason: String,
    pub rule_version: String,
}

impl Held {
    pub fn holds_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_until.is_none_or(|until| day <= until)
    }

    fn overlaps(&self, from: NaiveDate, until: Option<NaiveDate>) -> bool {
        let starts_before_other_ends = until.is_none_or(|until| self.valid_from <= until);
        let ends_after_other_starts = self.valid_until.is_none_or(|mine| from <= mine);
        starts_before_other_ends && ends_after_other_starts
    }
}

/// An assignment as asked, with the registry's record of the person.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Assign {
    pub kind: ObjectKind,
    pub object_id: String,
    /// Where the object is (its township, or the district): who may assign on it.
    pub place_code: String,
    pub assignment_id: String,
    pub person_id: String,
    pub person: Option<pb::Person>,
    pub duties: Vec<Duty>,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ResponsibilitiesCommand {
    Assign(Box<Assign>),
    End {
        assignment_id: String,
        valid_until: NaiveDate,
        reason: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Responsibilities {
    pub responsibilities_id: String,
    pub kind: ObjectKind,
    pub object_id: String,
    pub place_code: String,
    pub assignments: Vec<Held>,
}

impl Responsibilities {
    /// Who holds a duty on a day, if anyone.
    pub fn holder_on(&self, duty: Duty, day: NaiveDate) -> Option<&Held> {
        self.assignments
            .iter()
            .find(|held| held.duties.contains(&duty) && held.holds_on(day))
    }

    /// The last day before (or on) `day` anyone held a duty.
    pub fn last_held_before(&self, duty: Duty, day: NaiveDate) -> Option<NaiveDate> {
        self.assignments
            .iter()
            .filter(|held| held.duties.contains(&duty) && held.valid_from <= day)
            .filter_map(|held| held.valid_until)
            .filter(|until| *until < day)
            .max()
    }

    fn assign(
        &self,
        assign: &Assign,
        context: &CommandContext,
    ) -> Result<Vec<ResponsibilitiesEvent>, DomainError> {
        let place = if self.place_code.is_empty() {
            &assign.place_code
        } else {
            &self.place_code
        };
        require_registrar(&context.actor, place, "assign responsibility")?;
        let Some(person) = &assign.person else {
            return Err(DomainError::precondition(
                reasons::PERSON_NOT_REGISTERED,
                format!("persons/{} is not in the registry", assign.person_id),
            ));
        };
        if person.inactive {
            return Err(DomainError::precondition(
                reasons::PERSON_INACTIVE,
                format!("persons/{} has left", assign.person_id),
            ));
        }
        if assign
            .valid_until
            .is_some_and(|until| until < assign.valid_from)
        {
            return Err(DomainError::invalid(
                "valid_until",
                "must not be before valid_from",
            ));
        }
        let version = DUTY_RULES.in_force(assign.valid_from);
        if let Some(duty) = assign
            .duties
            .iter()
            .find(|duty| !version.rules.allows(assign.kind, **duty))
        {
            return Err(DomainError::invalid(
                "duties",
                format!(
                    "{} is not a duty of {} under {}",
                    duty.as_str_name(),
                    assign.kind.as_str_name(),
                    version.name
                ),
            ));
        }
        if self
            .assignments
            .iter()
            .any(|held| held.assignment_id == assign.assignment_id)
        {
            return Err(DomainError::precondition(
                reasons::ASSIGNMENT_EXISTS,
                format!("assignment {} exists", assign.assignment_id),
            ));
        }
        if let Some(clash) = self.assignments.iter().find(|held| {
            held.duties.iter().any(|duty| assign.duties.contains(duty))
                && held.overlaps(assign.valid_from, assign.valid_until)
        }) {
            return Err(DomainError::precondition(
                reasons::ASSIGNMENT_OVERLAPS,
                format!(
                    "assignment {} ({}) holds the same duty from {}{}",
                    clash.assignment_id,
                    clash.person_id,
                    clash.valid_from,
                    clash
                        .valid_until
                        .map(|until| format!(" to {until}"))
                        .unwrap_or_default()
                ),
            ));
        }
        Ok(vec![ResponsibilitiesEvent::Assigned(
            pb::ResponsibilityAssigned {
                responsibilities_id: context.aggregate_id.clone(),
                object: Some(pb::ResponsibilityObject {
                    kind: assign.kind as i32,
                    object_id: assign.object_id.clone(),
                }),
                assignment: Some(pb::Assignment {
                    assignment_id: assign.assignment_id.clone(),
                    person_id: assign.person_id.clone(),
                    duties: assign.duties.iter().map(|duty| *duty as i32).collect(),
                    valid_from: Some(assign.valid_from.into()),
                    valid_until: assign.valid_until.map(Into::into),
                    end_reason: String::new(),
                }),
                rule_version: version.name.to_string(),
                place_code: place.clone(),
            },
        )])
    }

    fn end(
        &self,
        assignment_id: &str,
        valid_until: NaiveDate,
        reason: &str,
        context: &CommandContext,
    ) -> Result<Vec<ResponsibilitiesEvent>, DomainError> {
        require_registrar(&context.actor, &self.place_code, "end an assignment")?;
        let Some(held) = self
            .assignments
            .iter()
            .find(|held| held.assignment_id == assignment_id)
        else {
            return Err(DomainError::invalid(
                "assignment_id",
                format!(
                    "{} has no assignment {assignment_id}",
                    self.responsibilities_id
                ),
            ));
        };
        if valid_until < held.valid_from {
            return Err(DomainError::invalid(
                "valid_until",
                format!("the assignment starts on {}", held.valid_from),
            ));
        }
        // An end can only shorten: lengthening would rewrite who answered on days already past.
        if let Some(current) = held.valid_until.filter(|current| *current <= valid_until) {
            return Err(DomainError::precondition(
                reasons::ASSIGNMENT_ENDED,
                format!("assignment {assignment_id} already ends on {current}"),
            ));
        }
        Ok(vec![ResponsibilitiesEvent::Ended(pb::AssignmentEnded {
            responsibilities_id: self.responsibilities_id.clone(),
            assignment_id: assignment_id.to_string(),
            valid_until: Some(valid_until.into()),
            reason: reason.to_string(),
        })])
    }
}

impl Aggregate for Responsibilities {
    type Event = ResponsibilitiesEvent;
    type Command = ResponsibilitiesCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "responsibilities";
    const COLLECTION: &'static str = "responsibilities";

    fn expects(command: &ResponsibilitiesCommand) -> Expects {
        match command {
            ResponsibilitiesCommand::Assign(_) => Expects::Either,
            ResponsibilitiesCommand::End { .. } => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &ResponsibilitiesCommand,
        context: &CommandContext,
    ) -> Result<Vec<ResponsibilitiesEvent>, DomainError> {
        match command {
            ResponsibilitiesCommand::Assign(assign) => self.assign(assign, context),
            ResponsibilitiesCommand::End {
                assignment_id,
                valid_until,
                reason,
            } => self.end(assignment_id, *valid_until, reason, context),
        }
    }

    fn apply(&mut self, event: &ResponsibilitiesEvent, meta: &EventMeta) {
        match event {
            ResponsibilitiesEvent::Assigned(assigned) => {
                let object = assigned.object.clone().unwrap_or_default();
                let assignment = assigned.assignment.clone().unwrap_or_default();
                if self.responsibilities_id.is_empty() {
                    self.responsibilities_id = assigned.responsibilities_id.clone();
                    self.kind = object.kind();
                    self.object_id = object.object_id;
                    self.place_code = assigned.place_code.clone();
                }
                self.assignments.push(Held {
                    duties: assignment.duties().collect(),
                    assignment_id: assignment.assignment_id,
                    person_id: assignment.person_id,
                    valid_from: assignment
                        .valid_from
                        .and_then(|day| day.to_naive())
                        .unwrap_or_else(|| local_date(meta.occurred_at)),
                    valid_until: assignment.valid_until.and_then(|day| day.to_naive()),
                    end_reason: String::new(),
                    rule_version: assigned.rule_version.clone(),
                });
            }
            ResponsibilitiesEvent::Ended(ended) => {
                if let Some(held) = self
                    .assignments
                    .iter_mut()
                    .find(|held| held.assignment_id == ended.assignment_id)
                {
                    held.valid_until = ended.valid_until.and_then(|day| day.to_naive());
                    held.end_reason = ended.reason.clone();
                }
            }
        }
    }
}
