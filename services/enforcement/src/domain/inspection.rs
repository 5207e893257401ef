//! The Inspection aggregate (监督检查): `Scheduled → InProgress → Completed`, carried out by at
//! least two officers with 执法证 valid on the day. Each finding becomes a government-ledger
//! hazard (the hazards context records it, once, under [`hazard_id_of`]); an order to rectify
//! sets the follow-up date; the follow-up passes (the hazard is verified) or fails (a penalty
//! case is proposed).

use chrono::NaiveDate;
use hl_directory::Standing;
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::common::v1::{Actor, EvidenceRef, Role};
use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::{FollowUpResult, InspectionStatus, InspectionType};
use hl_proto::hazards::v1::{HazardCategory, HazardLevel, HazardStatus};
use serde::{Deserialize, Serialize};

use super::access::{require_government, role};
use super::officers::{Officer, check_officers};
use super::{DomainError, rules};

pub use hl_proto::enforcement_events::InspectionEvent;

/// The government-ledger hazard a finding records: the same id whenever it is asked, so the
/// hazards context records it once however often the event is delivered.
pub fn hazard_id_of(inspection_id: &str, finding_id: &str) -> String {
    format!("{inspection_id}-{finding_id}")
}

/// A new inspection, its enterprise and officers read from the registry by the API.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScheduleInspection {
    pub region: String,
    pub enterprise: Standing,
    pub inspection_type: InspectionType,
    pub scheduled_on: NaiveDate,
    pub officers: Vec<Officer>,
    pub draw: Option<pb::RandomDraw>,
    /// The annual plan it carries out, as the API read it.
    pub plan: Option<PlanLink>,
}

/// An annual plan as an inspection that carries it out sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanLink {
    pub plan_id: String,
    pub year: i32,
    pub status: pb::PlanStatus,
    pub target_enterprise_ids: Vec<String>,
}

impl PlanLink {
    /// An inspection carries out an approved plan, in its year, at one of its targets.
    fn check(&self, enterprise_id: &str, scheduled_on: NaiveDate) -> Result<(), DomainError> {
        use chrono::Datelike;
        if !matches!(
            self.status,
            pb::PlanStatus::Approved | pb::PlanStatus::Filed
        ) {
            return Err(DomainError::precondition(
                reasons::PLAN_NOT_IN_FORCE,
                format!(
                    "inspectionPlans/{} is {:?}, not approved",
                    self.plan_id, self.status
                ),
            ));
        }
        if scheduled_on.year() != self.year {
            return Err(DomainError::invalid(
                "scheduled_on",
                format!("{scheduled_on} is outside the plan's year {}", self.year),
            ));
        }
        if !self
            .target_enterprise_ids
            .iter()
            .any(|id| id == enterprise_id)
        {
            return Err(DomainError::invalid(
                "plan_id",
                format!(
                    "enterprises/{enterprise_id} is not a target of inspectionPlans/{}",
                    self.plan_id
                ),
            ));
        }
        Ok(())
    }
}

/// A finding as the officers record it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewFinding {
    pub finding_id: String,
    pub category: HazardCategory,
    pub level: HazardLevel,
    pub level_criterion: String,
    pub location: String,
    pub equipment: String,
    pub description: String,
    pub evidence: Vec<EvidenceRef>,
    pub cited_hazard_id: String,
    /// What the hazards context holds under `cited_hazard_id`, read by the API.
    pub cited_entry: Option<CitedEntry>,
}

/// A hazard a finding cites, as the hazards context has it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CitedEntry {
    pub enterprise_id: String,
    /// In the enterprise's own self-check ledger.
    pub self_check: bool,
}

#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum InspectionCommand {
    Schedule(ScheduleInspection),
    Start,
    RecordFinding(NewFinding),
    IssueOrder {
        finding_id: String,
        order: pb::FindingOrder,
    },
    Complete,
    RecordFollowUp {
        finding_id: String,
        result: FollowUpResult,
        note: String,
        evidence: Vec<EvidenceRef>,
        /// The finding's hazard as the hazards context has it now (Unspecified: not recorded
        /// yet), read by the API.
        hazard_status: HazardStatus,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    pub inspection_id: String,
    pub enterprise_id: String,
    pub township_code: String,
    pub region: String,
    pub inspection_type: InspectionType,
    pub status: InspectionStatus,
    pub scheduled_on: Option<NaiveDate>,
    pub officer_ids: Vec<String>,
    pub draw: Option<pb::RandomDraw>,
    pub findings: Vec<pb::Finding>,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub plan_id: String,
}

impl Inspection {
    pub fn exists(&self) -> bool {
        !self.inspection_id.is_empty()
    }

    pub fn finding(&self, finding_id: &str) -> Option<&pb::Finding> {
        self.findings
            .iter()
            .find(|finding| finding.finding_id == finding_id)
    }

    fn place(&self) -> &str {
        if self.township_code.is_empty() {
            &self.region
        } else {
            &self.township_code
        }
    }

    /// The team, or a bureau administrator, of the inspection's jurisdiction.
    fn require_team(&self, actor: &Actor, action: &str) -> Result<(), DomainError> {
        require_government(actor, self.place(), action)?;
        if role(actor) == Role::BureauAdministrator || self.officer_ids.contains(&actor.id) {
            return Ok(());
        }
        Err(DomainError::forbidden(
            reasons::NOT_ON_THE_TEAM,
            format!(
                "{action}: {} is not one of the inspection's officers ({})",
                actor.id,
                self.officer_ids.join(", ")
            ),
        ))
    }

    fn require_status(&self, wanted: InspectionStatus, action: &str) -> Result<(), DomainError> {
        if self.status == wanted {
            return Ok(());
        }
        Err(DomainError::precondition(
            match wanted {
                InspectionStatus::Scheduled => reasons::INSPECTION_NOT_SCHEDULED,
                InspectionStatus::InProgress => reasons::INSPECTION_NOT_IN_PROGRESS,
                _ => reasons::INSPECTION_NOT_COMPLETED,
            },
            format!("{action}: the inspection is {:?}", self.status),
        ))
    }

    fn existing_finding(&self, finding_id: &str) -> Result<&pb::Finding, DomainError> {
        self.finding(finding_id).ok_or_else(|| {
            DomainError::invalid(
                "finding_id",
                format!(
                    "inspection {} has no finding {finding_id}",
                    self.inspection_id
                ),
            )
        })
    }
}

fn schedule(
    schedule: &ScheduleInspection,
    context: &CommandContext,
) -> Result<Vec<InspectionEvent>, DomainError> {
    let enterprise = &schedule.enterprise;
    let place = match enterprise.township_code() {
        "" => schedule.region.as_str(),
        township => township,
    };
    require_government(&context.actor, place, "schedule an inspection")?;
    enterprise.require_open()?;
    let rules = &rules::CASES.in_force(schedule.scheduled_on).rules;
    let officer_ids = check_officers(
        &schedule.officers,
        schedule.scheduled_on,
        rules.min_officers,
    )?;
    if let Some(plan) = &schedule.plan {
        plan.check(&enterprise.enterprise_id, schedule.scheduled_on)?;
    }
    if schedule.scheduled_on < local_date(context.occurred_at) - chrono::Days::new(365) {
        return Err(DomainError::invalid(
            "scheduled_on",
            "lies more than a year before the scheduling",
        ));
    }
    Ok(vec![InspectionEvent::Scheduled(pb::InspectionScheduled {
        inspection_id: context.aggregate_id.clone(),
        enterprise_id: enterprise.enterprise_id.clone(),
        township_code: enterprise.township_code().to_string(),
        region: schedule.region.clone(),
        r#type: schedule.inspection_type as i32,
        scheduled_on: Some(schedule.scheduled_on.into()),
        officer_ids,
        draw: schedule.draw.clone(),
        plan_id: schedule
            .plan
            .as_ref()
            .map(|plan| plan.plan_id.clone())
            .unwrap_or_default(),
    })])
}

impl Inspection {
    fn record_finding(&self, finding: &NewFinding) -> Result<Vec<InspectionEvent>, DomainError> {
        self.require_status(InspectionStatus::InProgress, "record a finding")?;
        if self.finding(&finding.finding_id).is_some() {
            return Err(DomainError::AlreadyExists(format!(
                "inspections/{}/findings/{}",
                self.inspection_id, finding.finding_id
            )));
        }
        if finding.level == HazardLevel::Unspecified {
            return Err(DomainError::invalid(
                "level",
                "a finding is graded on the spot: general or major",
            ));
        }
        let hazard_id = hazard_id_of(&self.inspection_id, &finding.finding_id);
        if !hl_eventstore::is_valid_token(&hazard_id) {
            return Err(DomainError::invalid(
                "finding_id",
                format!(
                    "too long: the finding's hazard id {hazard_id} may have at most 64 characters"
                ),
            ));
        }
        self.check_citation(finding)?;
        Ok(vec![InspectionEvent::FindingRecorded(
            pb::FindingRecorded {
                inspection_id: self.inspection_id.clone(),
                finding_id: finding.finding_id.clone(),
                hazard_id,
                enterprise_id: self.enterprise_id.clone(),
                township_code: self.township_code.clone(),
                category: finding.category as i32,
                level: finding.level as i32,
                level_criterion: finding.level_criterion.clone(),
                location: finding.location.clone(),
                equipment: finding.equipment.clone(),
                description: finding.description.clone(),
                evidence: finding.evidence.clone(),
                cited_hazard_id: finding.cited_hazard_id.clone(),
                inspection_type: self.inspection_type as i32,
            },
        )])
    }

    /// A finding cites only a self-check entry of the inspected enterprise.
    fn check_citation(&self, finding: &NewFinding) -> Result<(), DomainError> {
        if finding.cited_hazard_id.is_empty() {
            return Ok(());
        }
        let problem = match &finding.cited_entry {
            None => "does not exist",
            Some(entry) if entry.enterprise_id != self.enterprise_id => {
                "is another enterprise's hazard"
            }
            Some(entry) if !entry.self_check => {
                "is a government-side hazard; a finding cites the enterprise's own entry"
            }
            Some(_) => return Ok(()),
        };
        Err(DomainError::invalid(
            "cited_hazard_id",
            format!("hazards/{} {problem}", finding.cited_hazard_id),
        ))
    }

    fn issue_order(
        &self,
        finding_id: &str,
        order: &pb::FindingOrder,
        context: &CommandContext,
    ) -> Result<Vec<InspectionEvent>, DomainError> {
        if self.status == InspectionStatus::Scheduled {
            return Err(DomainError::precondition(
                reasons::INSPECTION_NOT_IN_PROGRESS,
                "issue an order: the inspection has not started",
            ));
        }
        let finding = self.existing_finding(finding_id)?;
        if finding.order.is_some() {
            return Err(DomainError::precondition(
                reasons::ORDER_ALREADY_ISSUED,
                format!("finding {finding_id} already has its order"),
            ));
        }
        let today = local_date(context.occurred_at);
        let deadline = order.deadline.and_then(|date| date.to_naive());
        let follow_up = order.follow_up_on.and_then(|date| date.to_naive());
        match (deadline, follow_up) {
            (Some(deadline), _) if deadline < today => Err(DomainError::invalid(
                "order.deadline",
                format!("{deadline} is before the order, on {today}"),
            )),
            (Some(deadline), Some(follow_up)) if follow_up < deadline => Err(DomainError::invalid(
                "order.follow_up_on",
                format!(
                    "{follow_up} is before the deadline {deadline}: the follow-up checks the rectification"
                ),
            )),
            _ => Ok(vec![InspectionEvent::OrderIssued(
                pb::RectificationOrderIssued {
                    inspection_id: self.inspection_id.clone(),
                    finding_id: finding_id.to_string(),
                    hazard_id: finding.hazard.trim_start_matches("hazards/").to_string(),
                    order: Some(order.clone()),
                },
            )]),
        }
    }

    fn record_follow_up(
        &self,
        finding_id: &str,
        result: FollowUpResult,
        note: &str,
        evidence: &[EvidenceRef],
        hazard_status: HazardStatus,
    ) -> Result<Vec<InspectionEvent>, DomainError> {
        self.require_status(InspectionStatus::Completed, "record a follow-up")?;
        let finding = self.existing_finding(finding_id)?;
        if finding.order.is_none() {
            return Err(DomainError::precondition(
                reasons::NO_ORDER_TO_FOLLOW_UP,
                format!("finding {finding_id} has no order to rectify to follow up"),
            ));
        }
        if finding.follow_up.is_some() {
            return Err(DomainError::precondition(
                reasons::FOLLOW_UP_ALREADY_RECORDED,
                format!("finding {finding_id} was followed up already"),
            ));
        }
        if result == FollowUpResult::Failed && note.trim().is_empty() {
            return Err(DomainError::invalid(
                "note",
                "a failed follow-up says what is still wrong",
            ));
        }
        // A pass verifies the hazard, which the enterprise must have reported rectified
        // (整改报告) first; the follow-up checks that report.
        if result == FollowUpResult::Passed && hazard_status != HazardStatus::AwaitingVerification {
            return Err(DomainError::precondition(
                reasons::RECTIFICATION_NOT_REPORTED,
                format!(
                    "{}: the enterprise has not reported it rectified (the hazard is {:?})",
                    finding.hazard, hazard_status
                ),
            ));
        }
        Ok(vec![InspectionEvent::FollowUpRecorded(
            pb::FollowUpRecorded {
                inspection_id: self.inspection_id.clone(),
                finding_id: finding_id.to_string(),
                hazard_id: finding.hazard.trim_start_matches("hazards/").to_string(),
                result: result as i32,
                note: note.to_string(),
                evidence: evidence.to_vec(),
            },
        )])
    }
}

impl Aggregate for Inspection {
    type Event = InspectionEvent;
    type Command = InspectionCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "inspection";
    const COLLECTION: &'static str = "inspections";

    /// Another enterprise does not learn whether this enterprise's records exist.
    fn known_to(&self, actor: &hl_proto::common::v1::Actor) -> bool {
        hl_domain::access::may_know_of(actor, &self.enterprise_id)
    }

    fn expects(command: &InspectionCommand) -> Expects {
        match command {
            InspectionCommand::Schedule(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &InspectionCommand,
        context: &CommandContext,
    ) -> Result<Vec<InspectionEvent>, DomainError> {
        let actor = &context.actor;
        match command {
            InspectionCommand::Schedule(scheduled) => schedule(scheduled, context),
            InspectionCommand::Start => {
                self.require_team(actor, "start the inspection")?;
                self.require_status(InspectionStatus::Scheduled, "start the inspection")?;
                Ok(vec![InspectionEvent::Started(pb::InspectionStarted {
                    inspection_id: self.inspection_id.clone(),
                })])
            }
            InspectionCommand::RecordFinding(finding) => {
                self.require_team(actor, "record a finding")?;
                self.record_finding(finding)
            }
            InspectionCommand::IssueOrder { finding_id, order } => {
                self.require_team(actor, "order a rectification")?;
                self.issue_order(finding_id, order, context)
            }
            InspectionCommand::Complete => {
                self.require_team(actor, "complete the inspection")?;
                self.require_status(InspectionStatus::InProgress, "complete the inspection")?;
                Ok(vec![InspectionEvent::Completed(pb::InspectionCompleted {
                    inspection_id: self.inspection_id.clone(),
                    enterprise_id: self.enterprise_id.clone(),
                    township_code: self.township_code.clone(),
                    officer_ids: self.officer_ids.clone(),
                })])
            }
            InspectionCommand::RecordFollowUp {
                finding_id,
                result,
                note,
                evidence,
                hazard_status,
            } => {
                // A follow-up is the government side's, whoever of it goes.
                require_government(actor, self.place(), "follow up a finding")?;
                self.record_follow_up(finding_id, *result, note, evidence, *hazard_status)
            }
        }
    }

    fn apply(&mut self, event: &InspectionEvent, meta: &EventMeta) {
        match event {
            InspectionEvent::Scheduled(scheduled) => {
                *self = Inspection {
                    inspection_id: scheduled.inspection_id.clone(),
                    enterprise_id: scheduled.enterprise_id.clone(),
                    township_code: scheduled.township_code.clone(),
                    region: scheduled.region.clone(),
                    inspection_type: scheduled.r#type(),
                    status: InspectionStatus::Scheduled,
                    scheduled_on: scheduled.scheduled_on.and_then(|date| date.to_naive()),
                    officer_ids: scheduled.officer_ids.clone(),
                    draw: scheduled.draw.clone(),
                    plan_id: scheduled.plan_id.clone(),
                    ..Inspection::default()
                };
            }
            InspectionEvent::Started(_) => {
                self.status = InspectionStatus::InProgress;
                self.started_at = Some(meta.occurred_at);
            }
            InspectionEvent::FindingRecorded(found) => self.findings.push(pb::Finding {
                finding_id: found.finding_id.clone(),
                hazard: format!("hazards/{}", found.hazard_id),
                category: found.category,
                level: found.level,
                level_criterion: found.level_criterion.clone(),
                location: found.location.clone(),
                equipment: found.equipment.clone(),
                description: found.description.clone(),
                evidence: found.evidence.clone(),
                cited_hazard_id: found.cited_hazard_id.clone(),
                order: None,
                follow_up: None,
                found_at: Some(hl_proto::timestamp(meta.occurred_at)),
            }),
            InspectionEvent::OrderIssued(issued) => {
                if let Some(finding) = self
                    .findings
                    .iter_mut()
                    .find(|finding| finding.finding_id == issued.finding_id)
                {
                    finding.order = issued.order.clone();
                }
            }
            InspectionEvent::Completed(_) => {
                self.status = InspectionStatus::Completed;
                self.completed_at = Some(meta.occurred_at);
            }
            InspectionEvent::FollowUpRecorded(followed) => {
                if let Some(finding) = self
                    .findings
                    .iter_mut()
                    .find(|finding| finding.finding_id == followed.finding_id)
                {
                    finding.follow_up = Some(pb::FollowUp {
                        result: followed.result,
                        note: followed.note.clone(),
                        evidence: followed.evidence.clone(),
                        at: Some(hl_proto::timestamp(meta.occurred_at)),
                        by: Some(meta.actor.clone()),
                    });
                }
            }
        }
    }
}
