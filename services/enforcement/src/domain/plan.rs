//! The AnnualInspectionPlan aggregate (年度监督检查计划): `Draft → Approved → Filed`, revised back
//! to a draft with a reason. Its capacity is arithmetic on the record — officers × statutory
//! working days − other enforcement days − non-enforcement days = inspection days, divided by the
//! officer-days a visit takes — and a plan whose classified enterprises need more visits than
//! that is refused, naming both numbers. Coverage against it is read from the inspections.

use hl_domain::access::require_bureau;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::PlanStatus;
use serde::{Deserialize, Serialize};

use super::{DomainError, rules};

pub use hl_proto::enforcement_events::PlanEvent;

/// The capacity inputs as the bureau states them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CapacityInputs {
    pub officers: u32,
    pub statutory_working_days: u32,
    pub other_enforcement_days: u32,
    pub non_enforcement_days: u32,
}

/// A target as its classification for the plan's year has it, read by the API.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Target {
    pub enterprise_id: String,
    /// None: the enterprise is not classified for the year.
    pub classification: Option<pb::PlanTarget>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DraftPlan {
    pub region: String,
    pub year: i32,
    pub title: String,
    pub capacity: CapacityInputs,
    pub targets: Vec<Target>,
    /// Why an approved plan is drafted again (re-approval).
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PlanCommand {
    Draft(DraftPlan),
    /// Approved by the people's government of the district (本级政府).
    Approve {
        document_number: String,
    },
    /// Filed with the next level up (上级应急管理部门).
    File {
        receipt: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InspectionPlan {
    pub plan_id: String,
    pub region: String,
    pub year: i32,
    pub title: String,
    pub status: PlanStatus,
    pub capacity: pb::PlanCapacity,
    pub targets: Vec<pb::PlanTarget>,
    pub policy_version: String,
    pub revision: u32,
    pub approval: String,
    pub filing: String,
}

/// The arithmetic, checked: inspection days cannot be negative.
pub fn capacity(
    inputs: CapacityInputs,
    officer_days_per_visit: u32,
) -> Result<pb::PlanCapacity, DomainError> {
    let total = u64::from(inputs.officers) * u64::from(inputs.statutory_working_days);
    let taken = u64::from(inputs.other_enforcement_days) + u64::from(inputs.non_enforcement_days);
    let Some(inspection_days) = total.checked_sub(taken) else {
        return Err(DomainError::invalid(
            "capacity",
            format!(
                "{} officers × {} working days = {total} days, fewer than the {taken} days of other enforcement and non-enforcement work",
                inputs.officers, inputs.statutory_working_days
            ),
        ));
    };
    Ok(pb::PlanCapacity {
        officers: inputs.officers,
        statutory_working_days: inputs.statutory_working_days,
        total_working_days: total,
        other_enforcement_days: inputs.other_enforcement_days,
        non_enforcement_days: inputs.non_enforcement_days,
        inspection_days,
        officer_days_per_visit,
        visit_capacity: inspection_days / u64::from(officer_days_per_visit.max(1)),
        required_visits: 0,
    })
}

fn draft(
    plan: &DraftPlan,
    state: &InspectionPlan,
    context: &CommandContext,
) -> Result<Vec<PlanEvent>, DomainError> {
    require_bureau(
        &context.actor,
        &plan.region,
        "draft the annual inspection plan",
    )?;
    if state.status != PlanStatus::Unspecified {
        if state.year != plan.year {
            return Err(DomainError::invalid(
                "year",
                format!("the plan is the plan for {}", state.year),
            ));
        }
        if state.status != PlanStatus::Draft && plan.reason.trim().is_empty() {
            return Err(DomainError::invalid(
                "reason",
                "an approved plan is revised only with its reason, and is approved again",
            ));
        }
    }
    let mut targets = Vec::with_capacity(plan.targets.len());
    for (index, target) in plan.targets.iter().enumerate() {
        let Some(classified) = &target.classification else {
            return Err(DomainError::invalid(
                "targets",
                format!(
                    "targets[{index}]: enterprises/{} is not classified for {}",
                    target.enterprise_id, plan.year
                ),
            ));
        };
        if targets
            .iter()
            .any(|listed: &pb::PlanTarget| listed.enterprise_id == target.enterprise_id)
        {
            return Err(DomainError::invalid(
                "targets",
                format!(
                    "targets[{index}]: enterprises/{} is listed twice",
                    target.enterprise_id
                ),
            ));
        }
        targets.push(classified.clone());
    }
    let version = rules::CLASSIFICATION.in_force(hl_domain::clock::local_date(context.occurred_at));
    let mut capacity = capacity(plan.capacity, version.rules.officer_days_per_visit)?;
    capacity.required_visits = targets
        .iter()
        .map(|target| u64::from(target.min_visits))
        .sum();
    if capacity.required_visits > capacity.visit_capacity {
        return Err(DomainError::precondition(
            reasons::PLAN_OVER_CAPACITY,
            format!(
                "the targets need {} visits a year; {} inspection days at {} officer-days a visit allow {}",
                capacity.required_visits,
                capacity.inspection_days,
                capacity.officer_days_per_visit,
                capacity.visit_capacity
            ),
        ));
    }
    Ok(vec![PlanEvent::Drafted(pb::InspectionPlanDrafted {
        plan_id: context.aggregate_id.clone(),
        region: plan.region.clone(),
        year: plan.year,
        title: plan.title.trim().to_string(),
        capacity: Some(capacity),
        targets,
        policy_version: version.name.to_string(),
        reason: plan.reason.trim().to_string(),
    })])
}

impl InspectionPlan {
    fn require(&self, status: PlanStatus, action: &str) -> Result<(), DomainError> {
        if self.status == status {
            return Ok(());
        }
        Err(DomainError::precondition(
            reasons::PLAN_STEP_OUT_OF_ORDER,
            format!("{action}: the plan is {:?}", self.status),
        ))
    }
}

impl Aggregate for InspectionPlan {
    type Event = PlanEvent;
    type Command = PlanCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "inspection_plan";
    const COLLECTION: &'static str = "inspectionPlans";

    fn expects(command: &PlanCommand) -> Expects {
        match command {
            PlanCommand::Draft(_) => Expects::Either,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &PlanCommand,
        context: &CommandContext,
    ) -> Result<Vec<PlanEvent>, DomainError> {
        match command {
            PlanCommand::Draft(plan) => draft(plan, self, context),
            PlanCommand::Approve { document_number } => {
                require_bureau(&context.actor, &self.region, "record the plan's approval")?;
                self.require(PlanStatus::Draft, "approve the plan")?;
                Ok(vec![PlanEvent::Approved(pb::InspectionPlanApproved {
                    plan_id: self.plan_id.clone(),
                    document_number: document_number.clone(),
                })])
            }
            PlanCommand::File { receipt } => {
                require_bureau(&context.actor, &self.region, "record the plan's filing")?;
                self.require(PlanStatus::Approved, "file the plan")?;
                Ok(vec![PlanEvent::Filed(pb::InspectionPlanFiled {
                    plan_id: self.plan_id.clone(),
                    receipt: receipt.clone(),
                })])
            }
        }
    }

    fn apply(&mut self, event: &PlanEvent, _meta: &EventMeta) {
        match event {
            PlanEvent::Drafted(drafted) => {
                let revision = if self.plan_id.is_empty() {
                    0
                } else {
                    self.revision + 1
                };
                *self = InspectionPlan {
                    plan_id: drafted.plan_id.clone(),
                    region: drafted.region.clone(),
                    year: drafted.year,
                    title: drafted.title.clone(),
                    status: PlanStatus::Draft,
                    capacity: drafted.capacity.unwrap_or_default(),
                    targets: drafted.targets.clone(),
                    policy_version: drafted.policy_version.clone(),
                    revision,
                    approval: String::new(),
                    filing: String::new(),
                };
            }
            PlanEvent::Approved(approved) => {
                self.status = PlanStatus::Approved;
                self.approval = approved.document_number.clone();
            }
            PlanEvent::Filed(filed) => {
                self.status = PlanStatus::Filed;
                self.filing = filed.receipt.clone();
            }
        }
    }
}

/// Coverage of one grade's targets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GradeCoverage {
    pub grade: pb::SupervisionGrade,
    pub enterprises: u32,
    pub visits_required: u64,
    pub visits_done: u64,
}

/// How far the plan's targets have been visited.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Coverage {
    pub grades: Vec<GradeCoverage>,
    /// Targets whose minimum needs visits still.
    pub unvisited: Vec<String>,
}

impl Coverage {
    pub fn visits_required(&self) -> u64 {
        self.grades.iter().map(|grade| grade.visits_required).sum()
    }

    pub fn visits_done(&self) -> u64 {
        self.grades.iter().map(|grade| grade.visits_done).sum()
    }
}

/// The share done of what is required; all of nothing is done.
pub fn share(done: u64, required: u64) -> f64 {
    if required == 0 {
        1.0
    } else {
        done as f64 / required as f64
    }
}

/// The plan's coverage from the completed visits of its year (one entry per completed
/// inspection, by enterprise): each target counts its visits up to its grade's minimum, so an
/// enterprise visited often covers no other.
pub fn coverage<'a>(plan: &InspectionPlan, visits: impl IntoIterator<Item = &'a str>) -> Coverage {
    let mut done: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    for enterprise_id in visits {
        *done.entry(enterprise_id).or_default() += 1;
    }
    let mut coverage = Coverage::default();
    for grade in [
        pb::SupervisionGrade::Key,
        pb::SupervisionGrade::General,
        pb::SupervisionGrade::Routine,
    ] {
        let mut row = GradeCoverage {
            grade,
            ..GradeCoverage::default()
        };
        for target in plan.targets.iter().filter(|target| target.grade() == grade) {
            let visited = done
                .get(target.enterprise_id.as_str())
                .copied()
                .unwrap_or(0);
            row.enterprises += 1;
            row.visits_required += u64::from(target.min_visits);
            row.visits_done += u64::from(visited.min(target.min_visits));
            if visited < target.min_visits {
                coverage.unvisited.push(target.enterprise_id.clone());
            }
        }
        coverage.grades.push(row);
    }
    coverage
}
