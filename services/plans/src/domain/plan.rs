//! An emergency plan (应急预案): `Drafting → UnderReview → Approved → Published → Filed (备案) →
//! Active`. A revision, with its trigger, makes it Revising while the active version stays in
//! force; the new version goes through review, approval, publication and filing again and
//! replaces it when activated. Every version stays on the record. The evaluation cycle comes
//! from the plan rules in force when a version was activated.

use chrono::{Months, NaiveDate};
use hl_domain::access::require_government;
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::{PlanLayer, PlanStatus, RevisionTrigger};
use hl_proto::plans_events::PlanEvent;
use serde::{Deserialize, Serialize};

use super::DomainError;
use super::rules::PLAN_RULES;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draft {
    pub region: String,
    pub layer: PlanLayer,
    pub title: String,
    pub owner_unit_id: String,
    pub parent_plan_id: String,
    pub summary: String,
}

/// A drill finding as the API read it, for a revision it triggers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DrillFinding {
    pub drill_id: String,
    pub finding_id: String,
    /// The drill exercised this plan.
    pub exercised_this_plan: bool,
    /// The drill has the finding and it requires a revision.
    pub requires_revision: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PlanCommand {
    Draft(Draft),
    SubmitForReview {
        note: String,
    },
    Approve {
        document_number: String,
    },
    Publish,
    File {
        receipt: String,
    },
    /// `in_force_since`: for the first version of a plan already in force before it was
    /// entered, the day it came into force; its evaluation cycle runs from that day.
    Activate {
        in_force_since: Option<NaiveDate>,
    },
    Evaluate {
        revision_required: bool,
        note: String,
    },
    StartRevision {
        trigger: RevisionTrigger,
        note: String,
        finding: Option<DrillFinding>,
        summary: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EmergencyPlan {
    pub plan_id: String,
    pub region: String,
    pub layer: PlanLayer,
    pub title: String,
    pub owner_unit_id: String,
    pub parent_plan_id: String,
    pub status: PlanStatus,
    pub active_version: u32,
    pub versions: Vec<pb::PlanVersion>,
    pub last_evaluated_on: Option<NaiveDate>,
    pub next_evaluation_due: Option<NaiveDate>,
}

/// A day `years` years after another.
fn years_after(day: NaiveDate, years: u32) -> NaiveDate {
    day.checked_add_months(Months::new(years * 12))
        .unwrap_or(day)
}

impl EmergencyPlan {
    /// The version being written or reviewed: the last one.
    fn working(&self) -> Option<&pb::PlanVersion> {
        self.versions.last()
    }

    /// The cycle's length under the rules of the active version.
    fn cycle_years(&self) -> Option<u32> {
        let active = self
            .versions
            .iter()
            .find(|version| version.number == self.active_version)?;
        PLAN_RULES
            .by_name(&active.rule_version)
            .ok()?
            .rules
            .cycle_years(self.layer)
    }

    /// Whether a version became active after a revision within `years` before `day`: revised
    /// in its cycle (修编).
    pub fn revised_within(&self, day: NaiveDate, years: u32) -> bool {
        let since = day
            .checked_sub_months(Months::new(years * 12))
            .unwrap_or(day);
        self.versions.iter().any(|version| {
            version.number > 1
                && version
                    .active_from
                    .and_then(|from| from.to_naive())
                    .is_some_and(|from| since <= from && from <= day)
        })
    }

    /// The evaluation cycle of the plan on a day, if its rules give it one.
    pub fn cycle_on(&self) -> Option<u32> {
        self.cycle_years()
    }

    fn require_status(&self, allowed: &[PlanStatus], step: &str) -> Result<(), DomainError> {
        if allowed.contains(&self.status) {
            Ok(())
        } else {
            Err(DomainError::precondition(
                reasons::PLAN_STEP_OUT_OF_ORDER,
                format!("cannot {step} a plan that is {}", self.status.as_str_name()),
            ))
        }
    }

    fn step(
        &self,
        command: &PlanCommand,
        context: &CommandContext,
    ) -> Result<Vec<PlanEvent>, DomainError> {
        use PlanStatus::{Active, Approved, Drafting, Published, Revising, UnderReview};
        require_government(&context.actor, &self.region, "work on an emergency plan")?;
        let plan_id = self.plan_id.clone();
        let day = local_date(context.occurred_at);
        match command {
            PlanCommand::Draft(_) => unreachable!("drafting makes a new plan"),
            PlanCommand::SubmitForReview { note } => {
                self.require_status(&[Drafting, Revising], "submit for review")?;
                Ok(vec![PlanEvent::SubmittedForReview(
                    pb::PlanSubmittedForReview {
                        plan_id,
                        note: note.clone(),
                    },
                )])
            }
            PlanCommand::Approve { document_number } => {
                self.require_status(&[UnderReview], "approve")?;
                Ok(vec![PlanEvent::Approved(pb::PlanApproved {
                    plan_id,
                    document_number: document_number.clone(),
                })])
            }
            PlanCommand::Publish => {
                self.require_status(&[Approved], "publish")?;
                Ok(vec![PlanEvent::Published(pb::PlanPublished { plan_id })])
            }
            PlanCommand::File { receipt } => {
                self.require_status(&[Published], "file")?;
                Ok(vec![PlanEvent::Filed(pb::PlanFiled {
                    plan_id,
                    receipt: receipt.clone(),
                })])
            }
            PlanCommand::Activate { in_force_since } => {
                self.activate(*in_force_since, day, plan_id)
            }
            PlanCommand::Evaluate {
                revision_required,
                note,
            } => {
                self.require_status(&[Active], "evaluate")?;
                let mut events = vec![PlanEvent::Evaluated(pb::PlanEvaluated {
                    plan_id: plan_id.clone(),
                    revision_required: *revision_required,
                    note: note.clone(),
                    evaluated_on: Some(day.into()),
                    next_evaluation_due: self
                        .cycle_years()
                        .map(|years| years_after(day, years).into()),
                })];
                if *revision_required {
                    events.push(self.revision(RevisionTrigger::Evaluation, note, "", note));
                }
                Ok(events)
            }
            PlanCommand::StartRevision {
                trigger,
                note,
                finding,
                summary,
            } => {
                self.require_status(&[Active], "revise")?;
                let source = match (trigger, finding) {
                    (RevisionTrigger::DrillFinding, Some(finding))
                        if finding.exercised_this_plan && finding.requires_revision =>
                    {
                        format!("drills/{}#{}", finding.drill_id, finding.finding_id)
                    }
                    (RevisionTrigger::DrillFinding, _) => {
                        return Err(DomainError::precondition(
                            reasons::NO_SUCH_DRILL_FINDING,
                            "a drill finding that triggers a revision must be of a drill of this plan and require revision",
                        ));
                    }
                    _ => String::new(),
                };
                Ok(vec![self.revision(*trigger, note, &source, summary)])
            }
        }
    }

    /// Filed → active. A plan's first version may say it was in force since an earlier day (a
    /// plan older than the system); its evaluation cycle runs from that day.
    fn activate(
        &self,
        in_force_since: Option<NaiveDate>,
        day: NaiveDate,
        plan_id: String,
    ) -> Result<Vec<PlanEvent>, DomainError> {
        self.require_status(&[PlanStatus::Filed], "activate")?;
        let number = self.working().map_or(1, |working| working.number);
        if let Some(since) = in_force_since
            && (number != 1 || since > day)
        {
            return Err(DomainError::invalid(
                "in_force_since",
                "only for a plan's first version, and not after the day recorded",
            ));
        }
        let day = in_force_since.unwrap_or(day);
        let version = PLAN_RULES.in_force(day);
        Ok(vec![PlanEvent::Activated(pb::PlanActivated {
            plan_id,
            version_number: number,
            active_from: Some(day.into()),
            rule_version: version.name.to_string(),
            next_evaluation_due: version
                .rules
                .cycle_years(self.layer)
                .map(|years| years_after(day, years).into()),
        })])
    }

    fn revision(
        &self,
        trigger: RevisionTrigger,
        note: &str,
        source: &str,
        summary: &str,
    ) -> PlanEvent {
        PlanEvent::RevisionStarted(pb::PlanRevisionStarted {
            plan_id: self.plan_id.clone(),
            version_number: self.versions.len() as u32 + 1,
            trigger: trigger as i32,
            note: note.to_string(),
            source: source.to_string(),
            summary: summary.to_string(),
        })
    }
}

impl Aggregate for EmergencyPlan {
    type Event = PlanEvent;
    type Command = PlanCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "emergency_plan";
    const COLLECTION: &'static str = "emergencyPlans";

    fn expects(command: &PlanCommand) -> Expects {
        match command {
            PlanCommand::Draft(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &PlanCommand,
        context: &CommandContext,
    ) -> Result<Vec<PlanEvent>, DomainError> {
        match command {
            PlanCommand::Draft(draft) => {
                require_government(&context.actor, &draft.region, "draft an emergency plan")?;
                Ok(vec![PlanEvent::Drafted(pb::PlanDrafted {
                    plan_id: context.aggregate_id.clone(),
                    region: draft.region.clone(),
                    layer: draft.layer as i32,
                    title: draft.title.clone(),
                    owner_unit_id: draft.owner_unit_id.clone(),
                    parent_plan_id: draft.parent_plan_id.clone(),
                    version_number: 1,
                    summary: draft.summary.clone(),
                })])
            }
            step => self.step(step, context),
        }
    }

    fn apply(&mut self, event: &PlanEvent, _meta: &EventMeta) {
        match event {
            PlanEvent::Drafted(drafted) => {
                *self = EmergencyPlan {
                    plan_id: drafted.plan_id.clone(),
                    region: drafted.region.clone(),
                    layer: drafted.layer(),
                    title: drafted.title.clone(),
                    owner_unit_id: drafted.owner_unit_id.clone(),
                    parent_plan_id: drafted.parent_plan_id.clone(),
                    status: PlanStatus::Drafting,
                    versions: vec![pb::PlanVersion {
                        number: 1,
                        summary: drafted.summary.clone(),
                        ..pb::PlanVersion::default()
                    }],
                    ..EmergencyPlan::default()
                };
            }
            PlanEvent::SubmittedForReview(_) => self.status = PlanStatus::UnderReview,
            PlanEvent::Approved(approved) => {
                self.status = PlanStatus::Approved;
                if let Some(version) = self.versions.last_mut() {
                    version.document_number = approved.document_number.clone();
                }
            }
            PlanEvent::Published(_) => self.status = PlanStatus::Published,
            PlanEvent::Filed(filed) => {
                self.status = PlanStatus::Filed;
                if let Some(version) = self.versions.last_mut() {
                    version.filing_receipt = filed.receipt.clone();
                }
            }
            PlanEvent::Activated(activated) => {
                let previous = self.active_version;
                for version in &mut self.versions {
                    if version.number == previous && previous != activated.version_number {
                        version.superseded_on = activated.active_from;
                    }
                    if version.number == activated.version_number {
                        version.active_from = activated.active_from;
                        version.rule_version = activated.rule_version.clone();
                    }
                }
                self.status = PlanStatus::Active;
                self.active_version = activated.version_number;
                self.next_evaluation_due =
                    activated.next_evaluation_due.and_then(|day| day.to_naive());
            }
            PlanEvent::Evaluated(evaluated) => {
                self.last_evaluated_on = evaluated.evaluated_on.and_then(|day| day.to_naive());
                self.next_evaluation_due =
                    evaluated.next_evaluation_due.and_then(|day| day.to_naive());
            }
            PlanEvent::RevisionStarted(started) => {
                self.status = PlanStatus::Revising;
                self.versions.push(pb::PlanVersion {
                    number: started.version_number,
                    summary: started.summary.clone(),
                    trigger: started.trigger,
                    trigger_note: started.note.clone(),
                    trigger_source: started.source.clone(),
                    ..pb::PlanVersion::default()
                });
            }
        }
    }
}
