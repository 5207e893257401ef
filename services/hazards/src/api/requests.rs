//! Turning API requests into domain commands. Every field is checked and every problem is
//! reported at once as a BadRequest field violation; nothing reaches the domain unchecked.

use chrono::{NaiveDate, Utc};
use hl_directory::Standing;
use hl_domain::clock::local_date;
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::{
    AlarmDeviceKind, AlarmTestResult, EscalationKind, HazardCategory, HazardLevel, Provenance,
    RoundReviewOutcome, SourceType, StatisticsPeriodKind, SupervisionLevel,
};
use hl_runtime::validation::{MAX_SHORT_TEXT, MAX_TEXT};
use hl_runtime::{ServiceError, Violations};
use tonic::Status;

use hl_eventstore::Aggregate;

use crate::domain::alarm_device::{AlarmDevice, AlarmDeviceCommand};
use crate::domain::hazard::{Hazard, HazardCommand, ReportHazard};
use crate::domain::rules;
use crate::domain::self_check::{SelfCheckRound, SelfCheckRoundCommand};
use crate::domain::statistics::{PeriodicStatistics, StatisticsPeriod, SubmitStatistics};
use crate::domain::supervision::{
    IssueOrder, NewSubTask, SupervisionOrder, SupervisionOrderCommand,
};

/// The most 重大 hazards one supervision order lists, and the most units it names: each hazard is
/// read before the order is recorded, so the lists are bounded.
const MAX_ORDER_HAZARDS: usize = 200;
const MAX_ORDER_UNITS: usize = 50;

/// Collection ids of the resource names.
pub const HAZARDS: &str = <Hazard as Aggregate>::COLLECTION;
pub const SELF_CHECK_ROUNDS: &str = <SelfCheckRound as Aggregate>::COLLECTION;
pub const PERIODIC_STATISTICS: &str = <PeriodicStatistics as Aggregate>::COLLECTION;
pub const SUPERVISION_ORDERS: &str = <SupervisionOrder as Aggregate>::COLLECTION;
pub const ALARM_DEVICES: &str = <AlarmDevice as Aggregate>::COLLECTION;

/// A township code: 9 (乡镇/街道) or 12 (村/社区) digits inside the district.
fn township_code(violations: &mut Violations, field: &str, value: &str, region: &str) {
    if value.is_empty() {
        return;
    }
    let digits = value.bytes().all(|byte| byte.is_ascii_digit());
    if !digits || !matches!(value.len(), 9 | 12) || !value.starts_with(region) {
        violations.add(
            field,
            format!("must be a 9- or 12-digit administrative code inside district {region}"),
        );
    }
}

pub fn report_hazard(
    violations: &mut Violations,
    request: &pb::ReportHazardRequest,
    region: &str,
) -> ReportHazard {
    violations.optional_identifier("hazard_id", &request.hazard_id);
    violations.credit_code("enterprise_id", &request.enterprise_id);
    township_code(violations, "township_code", &request.township_code, region);
    let provenance = violations.enumeration::<Provenance>("provenance", request.provenance);
    let source_type = violations.enumeration::<SourceType>("source_type", request.source_type);
    let category = violations.enumeration::<HazardCategory>("category", request.category);
    violations.text("location", &request.location, MAX_SHORT_TEXT);
    violations.optional_text("equipment", &request.equipment, MAX_SHORT_TEXT);
    violations.text("description", &request.description, MAX_TEXT);
    violations.evidence("evidence", &request.evidence, false);
    violations.optional_text("temporary_controls", &request.temporary_controls, MAX_TEXT);
    if !request.inspection_id.is_empty() {
        violations.add(
            "inspection_id",
            "is set only by an inspection's finding: record the finding on the inspection \
             (EnforcementService.RecordFinding)",
        );
    }
    violations.optional_identifier("counterpart_hazard_id", &request.counterpart_hazard_id);
    let level = violations.optional_enumeration::<HazardLevel>("level", request.level);
    if level.is_some_and(|level| level != HazardLevel::Unspecified) {
        violations.text("level_criterion", &request.level_criterion, MAX_SHORT_TEXT);
    } else if !request.level_criterion.is_empty() {
        violations.add("level_criterion", "is given without a level");
    }
    ReportHazard {
        enterprise: Standing::unknown(&request.enterprise_id),
        region: region.to_string(),
        provenance: provenance.unwrap_or_default(),
        source_type: source_type.unwrap_or_default(),
        category: category.unwrap_or_default(),
        location: request.location.trim().to_string(),
        equipment: request.equipment.trim().to_string(),
        description: request.description.trim().to_string(),
        evidence: request.evidence.clone(),
        temporary_controls: request.temporary_controls.clone(),
        inspection_id: String::new(),
        counterpart_hazard_id: request.counterpart_hazard_id.clone(),
        level: level.unwrap_or_default(),
        level_criterion: request.level_criterion.trim().to_string(),
    }
}

/// The township of a hazard is the registry's on the day it was found; a client that names a
/// different one is told so.
pub fn registry_township(given: &str, enterprise: &Standing, day: NaiveDate) -> Result<(), Status> {
    let registered = enterprise.township_code();
    if given.is_empty() || !enterprise.known || given == registered {
        return Ok(());
    }
    Err(ServiceError::invalid_field(
        "township_code",
        format!(
            "the registry has enterprises/{} in township {registered:?} on {day}; leave township_code empty or name that one",
            enterprise.enterprise_id
        ),
    )
    .into())
}

pub fn grade(violations: &mut Violations, request: &pb::GradeHazardRequest) -> HazardCommand {
    let level = violations.enumeration::<HazardLevel>("level", request.level);
    violations.text("criterion", &request.criterion, MAX_SHORT_TEXT);
    violations.optional_text("reason", &request.reason, MAX_TEXT);
    HazardCommand::Grade {
        level: level.unwrap_or_default(),
        criterion: request.criterion.trim().to_string(),
        reason: request.reason.trim().to_string(),
    }
}

pub fn plan_rectification(
    violations: &mut Violations,
    request: &pb::PlanRectificationRequest,
) -> HazardCommand {
    let plan = request.plan.clone().unwrap_or_default();
    if request.plan.is_none() {
        violations.add(
            "plan",
            "is required: measures, owner, funds, deadline, acceptance standard, acceptor (五定)",
        );
    } else {
        violations.text("plan.measures", &plan.measures, MAX_TEXT);
        violations.text("plan.owner", &plan.owner, MAX_SHORT_TEXT);
        if plan.funds_fen < 0 {
            violations.add("plan.funds_fen", "cannot be negative");
        }
        violations.date("plan.deadline", plan.deadline.as_ref());
        violations.text(
            "plan.acceptance_standard",
            &plan.acceptance_standard,
            MAX_TEXT,
        );
        violations.text("plan.acceptor", &plan.acceptor, MAX_SHORT_TEXT);
    }
    HazardCommand::PlanRectification(plan)
}

pub fn order_rectification(
    violations: &mut Violations,
    request: &pb::OrderRectificationRequest,
) -> HazardCommand {
    let order = request.order.clone().unwrap_or_default();
    if request.order.is_none() {
        violations.add(
            "order",
            "is required: document number, deadline and measures",
        );
    } else {
        violations.text(
            "order.document_number",
            &order.document_number,
            MAX_SHORT_TEXT,
        );
        violations.date("order.deadline", order.deadline.as_ref());
        violations.optional_text("order.measures", &order.measures, MAX_TEXT);
    }
    HazardCommand::OrderRectification(order)
}

pub fn remediation_plan(
    violations: &mut Violations,
    request: &pb::SubmitRemediationPlanRequest,
) -> HazardCommand {
    let plan = request.plan.clone().unwrap_or_default();
    if request.plan.is_none() {
        violations.add("plan", "is required: the six parts of a 治理方案");
    } else {
        violations.text("plan.goals_and_tasks", &plan.goals_and_tasks, MAX_TEXT);
        violations.text(
            "plan.methods_and_measures",
            &plan.methods_and_measures,
            MAX_TEXT,
        );
        violations.text(
            "plan.funds_and_materials",
            &plan.funds_and_materials,
            MAX_TEXT,
        );
        violations.text(
            "plan.responsible_organisation_and_people",
            &plan.responsible_organisation_and_people,
            MAX_TEXT,
        );
        violations.text(
            "plan.time_limit_and_requirements",
            &plan.time_limit_and_requirements,
            MAX_TEXT,
        );
        violations.text(
            "plan.safety_measures_and_emergency_plan",
            &plan.safety_measures_and_emergency_plan,
            MAX_TEXT,
        );
    }
    HazardCommand::SubmitRemediationPlan(plan)
}

pub fn fix_on_spot(
    violations: &mut Violations,
    request: &pb::FixHazardOnSpotRequest,
) -> HazardCommand {
    violations.optional_text("note", &request.note, MAX_TEXT);
    violations.evidence("evidence", &request.evidence, true);
    HazardCommand::FixOnSpot {
        note: request.note.clone(),
        evidence: request.evidence.clone(),
    }
}

pub fn claim(
    violations: &mut Violations,
    request: &pb::ClaimRectificationRequest,
) -> HazardCommand {
    violations.optional_text("note", &request.note, MAX_TEXT);
    violations.evidence("evidence", &request.evidence, true);
    HazardCommand::ClaimRectification {
        note: request.note.clone(),
        evidence: request.evidence.clone(),
    }
}

pub fn verify(
    violations: &mut Violations,
    request: &pb::VerifyRectificationRequest,
) -> HazardCommand {
    violations.optional_text("note", &request.note, MAX_TEXT);
    violations.evidence("evidence", &request.evidence, false);
    HazardCommand::Verify {
        note: request.note.clone(),
        evidence: request.evidence.clone(),
    }
}

pub fn reject(
    violations: &mut Violations,
    request: &pb::RejectRectificationRequest,
) -> HazardCommand {
    violations.text("reason", &request.reason, MAX_TEXT);
    let new_deadline = violations.optional_date("new_deadline", request.new_deadline.as_ref());
    HazardCommand::Reject {
        reason: request.reason.clone(),
        new_deadline,
    }
}

pub fn request_extension(
    violations: &mut Violations,
    request: &pb::RequestExtensionRequest,
) -> HazardCommand {
    let requested = violations.date("requested_deadline", request.requested_deadline.as_ref());
    violations.text("reason", &request.reason, MAX_TEXT);
    HazardCommand::RequestExtension {
        requested_deadline: requested.unwrap_or_default(),
        reason: request.reason.clone(),
    }
}

pub fn decide_extension(
    violations: &mut Violations,
    request: &pb::DecideExtensionRequest,
) -> HazardCommand {
    let new_deadline = violations.optional_date("new_deadline", request.new_deadline.as_ref());
    if request.grant {
        violations.optional_text("note", &request.note, MAX_TEXT);
    } else {
        violations.text("note", &request.note, MAX_TEXT);
    }
    HazardCommand::DecideExtension {
        grant: request.grant,
        new_deadline,
        note: request.note.clone(),
    }
}

pub fn close(violations: &mut Violations, request: &pb::CloseHazardRequest) -> HazardCommand {
    violations.optional_text("note", &request.note, MAX_TEXT);
    HazardCommand::Close {
        note: request.note.clone(),
    }
}

pub fn suspend(
    violations: &mut Violations,
    request: &pb::SuspendOperationsRequest,
) -> HazardCommand {
    violations.text("reason", &request.reason, MAX_TEXT);
    HazardCommand::SuspendOperations {
        reason: request.reason.clone(),
    }
}

pub fn request_resumption(
    violations: &mut Violations,
    request: &pb::RequestResumptionRequest,
) -> HazardCommand {
    violations.optional_text("note", &request.note, MAX_TEXT);
    violations.evidence("evidence", &request.evidence, false);
    HazardCommand::RequestResumption {
        note: request.note.clone(),
        evidence: request.evidence.clone(),
    }
}

pub fn decide_resumption(
    violations: &mut Violations,
    request: &pb::DecideResumptionRequest,
) -> HazardCommand {
    if request.approve {
        violations.optional_text("note", &request.note, MAX_TEXT);
    } else {
        violations.text("note", &request.note, MAX_TEXT);
    }
    HazardCommand::DecideResumption {
        approve: request.approve,
        note: request.note.clone(),
    }
}

pub fn open_round(
    violations: &mut Violations,
    request: &pb::OpenSelfCheckRoundRequest,
) -> SelfCheckRoundCommand {
    violations.optional_identifier("round_id", &request.round_id);
    violations.credit_code("enterprise_id", &request.enterprise_id);
    let start = violations.date("period_start", request.period_start.as_ref());
    let end = violations.date("period_end", request.period_end.as_ref());
    violations.text("checklist", &request.checklist, MAX_SHORT_TEXT);
    violations.text("performer", &request.performer, MAX_SHORT_TEXT);
    SelfCheckRoundCommand::Open {
        enterprise: Standing::unknown(&request.enterprise_id),
        period_start: start.unwrap_or_default(),
        period_end: end.unwrap_or_default(),
        checklist: request.checklist.clone(),
        performer: request.performer.clone(),
    }
}

pub fn submit_round(
    violations: &mut Violations,
    request: &pb::SubmitSelfCheckRoundRequest,
) -> SelfCheckRoundCommand {
    violations.text("signed_by", &request.signed_by, MAX_SHORT_TEXT);
    SelfCheckRoundCommand::Submit {
        zero_findings_attested: request.zero_findings_attested,
        signed_by: request.signed_by.clone(),
    }
}

/// The outcome a review asks for; a deficient one must say what is wrong (the domain checks).
pub fn review_round(
    violations: &mut Violations,
    request: &pb::ReviewSelfCheckRoundRequest,
) -> RoundReviewOutcome {
    violations.optional_text("note", &request.note, MAX_TEXT);
    violations
        .enumeration::<RoundReviewOutcome>("outcome", request.outcome)
        .unwrap_or_default()
}

pub fn submit_statistics(
    violations: &mut Violations,
    request: &pb::SubmitPeriodicStatisticsRequest,
) -> SubmitStatistics {
    violations.credit_code("enterprise_id", &request.enterprise_id);
    let kind = violations.enumeration::<StatisticsPeriodKind>("period_kind", request.period_kind);
    violations.year("year", request.year);
    let period = match kind {
        Some(StatisticsPeriodKind::Quarter) => {
            if !(1..=4).contains(&request.quarter) {
                violations.add("quarter", "must be 1-4 for quarterly statistics");
            }
            StatisticsPeriod::Quarter {
                year: request.year,
                quarter: request.quarter.clamp(1, 4) as u32,
            }
        }
        _ => {
            if request.quarter != 0 {
                violations.add("quarter", "must be 0 for annual statistics");
            }
            StatisticsPeriod::Year { year: request.year }
        }
    };
    violations.optional_text("analysis", &request.analysis, MAX_TEXT);
    violations.text(
        "signed_by_principal",
        &request.signed_by_principal,
        MAX_SHORT_TEXT,
    );
    SubmitStatistics {
        enterprise_id: request.enterprise_id.clone(),
        enterprise: Standing::unknown(&request.enterprise_id),
        period,
        general_found: request.general_found,
        major_found: request.major_found,
        rectified: request.rectified,
        analysis: request.analysis.clone(),
        signed_by_principal: request.signed_by_principal.clone(),
    }
}

pub fn issue_order(
    violations: &mut Violations,
    request: &pb::IssueSupervisionOrderRequest,
    region: &str,
) -> IssueOrder {
    violations.optional_identifier("order_id", &request.order_id);
    let level = violations.enumeration::<SupervisionLevel>("level", request.level);
    violations.text("notice_number", &request.notice_number, MAX_SHORT_TEXT);
    violations.text("title", &request.title, MAX_SHORT_TEXT);
    if request.hazard_ids.is_empty() {
        violations.add("hazard_ids", "at least one hazard is listed");
    }
    let mut seen = std::collections::HashSet::new();
    let hazards = request.hazard_ids.len();
    let within = violations.list_length("hazard_ids", hazards, MAX_ORDER_HAZARDS);
    for (index, hazard_id) in request.hazard_ids.iter().enumerate().filter(|_| within) {
        violations.identifier(&format!("hazard_ids[{index}]"), hazard_id);
        if !seen.insert(hazard_id.as_str()) {
            violations.add(format!("hazard_ids[{index}]"), "is listed twice");
        }
    }
    if request.responsible_units.is_empty() {
        violations.add(
            "responsible_units",
            "at least one responsible unit is named",
        );
    }
    let units = request.responsible_units.len();
    let within = violations.list_length("responsible_units", units, MAX_ORDER_UNITS);
    for (index, unit) in request
        .responsible_units
        .iter()
        .enumerate()
        .filter(|_| within)
    {
        violations.text(&format!("responsible_units[{index}]"), unit, MAX_SHORT_TEXT);
    }
    let deadline = violations.date("deadline", request.deadline.as_ref());
    IssueOrder {
        region: region.to_string(),
        level: level.unwrap_or_default(),
        notice_number: request.notice_number.clone(),
        title: request.title.clone(),
        hazard_ids: request.hazard_ids.clone(),
        responsible_units: request.responsible_units.clone(),
        public_notice: request.public_notice,
        deadline: deadline.unwrap_or_default(),
    }
}

pub fn decompose(
    violations: &mut Violations,
    request: &pb::DecomposeSupervisionOrderRequest,
) -> SupervisionOrderCommand {
    if request.sub_tasks.is_empty() {
        violations.add("sub_tasks", "at least one sub-task is required");
    }
    let tasks = request
        .sub_tasks
        .iter()
        .enumerate()
        .map(|(index, task)| {
            violations.identifier(
                &format!("sub_tasks[{index}].sub_task_id"),
                &task.sub_task_id,
            );
            violations.text(
                &format!("sub_tasks[{index}].assignee_unit"),
                &task.assignee_unit,
                MAX_SHORT_TEXT,
            );
            violations.text(
                &format!("sub_tasks[{index}].description"),
                &task.description,
                MAX_TEXT,
            );
            let deadline = violations.date(
                &format!("sub_tasks[{index}].deadline"),
                task.deadline.as_ref(),
            );
            NewSubTask {
                sub_task_id: task.sub_task_id.clone(),
                assignee_unit: task.assignee_unit.clone(),
                description: task.description.clone(),
                deadline: deadline.unwrap_or_default(),
            }
        })
        .collect();
    SupervisionOrderCommand::Decompose(tasks)
}

pub fn report_progress(
    violations: &mut Violations,
    request: &pb::ReportSubTaskProgressRequest,
) -> SupervisionOrderCommand {
    violations.identifier("sub_task_id", &request.sub_task_id);
    if request.progress_percent > 100 {
        violations.add("progress_percent", "must be 0-100");
    }
    violations.optional_text("note", &request.note, MAX_TEXT);
    SupervisionOrderCommand::ReportProgress {
        sub_task_id: request.sub_task_id.clone(),
        progress_percent: request.progress_percent,
        completed: request.completed,
        note: request.note.clone(),
    }
}

pub fn request_acceptance(
    violations: &mut Violations,
    request: &pb::RequestSupervisionAcceptanceRequest,
) -> SupervisionOrderCommand {
    violations.optional_text("note", &request.note, MAX_TEXT);
    violations.evidence("evidence", &request.evidence, false);
    SupervisionOrderCommand::RequestAcceptance {
        note: request.note.clone(),
        evidence: request.evidence.clone(),
    }
}

pub fn reject_acceptance(
    violations: &mut Violations,
    request: &pb::RejectSupervisionAcceptanceRequest,
) -> SupervisionOrderCommand {
    violations.text("reason", &request.reason, MAX_TEXT);
    SupervisionOrderCommand::RejectAcceptance {
        reason: request.reason.clone(),
    }
}

pub fn delist_order(
    violations: &mut Violations,
    request: &pb::DelistSupervisionOrderRequest,
) -> SupervisionOrderCommand {
    violations.optional_text("note", &request.note, MAX_TEXT);
    SupervisionOrderCommand::Delist {
        note: request.note.clone(),
        unverified: Vec::new(),
    }
}

pub fn escalate(
    violations: &mut Violations,
    request: &pb::EscalateSupervisionOrderRequest,
) -> SupervisionOrderCommand {
    let kind = violations.enumeration::<EscalationKind>("kind", request.kind);
    violations.text("reason", &request.reason, MAX_TEXT);
    SupervisionOrderCommand::Escalate {
        kind: kind.unwrap_or_default(),
        reason: request.reason.clone(),
    }
}

pub fn register_device(
    violations: &mut Violations,
    request: &pb::RegisterAlarmDeviceRequest,
    region: &str,
) -> AlarmDeviceCommand {
    violations.optional_identifier("device_id", &request.device_id);
    violations.credit_code("enterprise_id", &request.enterprise_id);
    let kind = violations.enumeration::<AlarmDeviceKind>("kind", request.kind);
    violations.text("location", &request.location, MAX_SHORT_TEXT);
    let rule_interval = rules::HAZARDS
        .in_force(local_date(Utc::now()))
        .rules
        .alarm_test_interval_days;
    if request.test_interval_days != 0 && request.test_interval_days != rule_interval {
        violations.add(
            "test_interval_days",
            format!("comes from rule data ({rule_interval} days); leave it 0"),
        );
    }
    let claimed = violations.optional_date("last_tested_on", request.last_tested_on.as_ref());
    AlarmDeviceCommand::Register {
        enterprise: Standing::unknown(&request.enterprise_id),
        region: region.to_string(),
        kind: kind.unwrap_or_default(),
        location: request.location.clone(),
        claimed_last_tested_on: claimed,
    }
}

pub fn record_test(
    violations: &mut Violations,
    request: &pb::RecordAlarmDeviceTestRequest,
) -> AlarmDeviceCommand {
    let tested_on = violations.date("tested_on", request.tested_on.as_ref());
    let result = violations.enumeration::<AlarmTestResult>("result", request.result);
    violations.optional_text(
        "certificate_number",
        &request.certificate_number,
        MAX_SHORT_TEXT,
    );
    violations.text("tester", &request.tester, MAX_SHORT_TEXT);
    violations.evidence("evidence", &request.evidence, true);
    AlarmDeviceCommand::RecordTest {
        tested_on: tested_on.unwrap_or_default(),
        result: result.unwrap_or_default(),
        certificate_number: request.certificate_number.clone(),
        tester: request.tester.clone(),
        evidence: request.evidence.clone(),
    }
}

pub fn retire(
    violations: &mut Violations,
    request: &pb::RetireAlarmDeviceRequest,
) -> AlarmDeviceCommand {
    violations.text("reason", &request.reason, MAX_TEXT);
    AlarmDeviceCommand::Retire {
        reason: request.reason.clone(),
    }
}

pub fn confirm_counterpart(
    violations: &mut Violations,
    request: &pb::ConfirmCounterpartMatchRequest,
) -> HazardCommand {
    violations.optional_text("note", &request.note, MAX_TEXT);
    HazardCommand::ConfirmCounterpart {
        counterpart_hazard_id: request.counterpart_hazard_id.clone(),
        note: request.note.clone(),
    }
}

pub fn reject_counterpart(
    violations: &mut Violations,
    request: &pb::RejectCounterpartMatchRequest,
) -> HazardCommand {
    violations.text("reason", &request.reason, MAX_TEXT);
    HazardCommand::RejectCounterpart {
        counterpart_hazard_id: request.counterpart_hazard_id.clone(),
        reason: request.reason.clone(),
    }
}
