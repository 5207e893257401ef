//! Turning API requests into domain commands. Every field is checked and every problem reported
//! at once; what needs the registry (the enterprise's standing, the officers' certificates) is
//! filled in by the handlers.

use hl_directory::Standing;
use hl_eventstore::Aggregate;
use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::{
    CaseDecision, ExecutionKind, FireworksGrade, FollowUpResult, InspectionType,
};
use hl_proto::hazards::v1::{HazardCategory, HazardLevel, HazardStatus};
use hl_runtime::Violations;
use hl_runtime::validation::{MAX_SHORT_TEXT, MAX_TEXT};

use crate::domain::case_review::{CaseFileReview, CaseReviewCommand, DrawSample, Score};
use crate::domain::classification::{Classify, EnterpriseClassification};
use crate::domain::inspection::{Inspection, InspectionCommand, NewFinding, ScheduleInspection};
use crate::domain::penalty_case::{CaseCommand, FileCase, PenaltyCase};
use crate::domain::plan::{CapacityInputs, DraftPlan, InspectionPlan, PlanCommand};

/// Collection ids of the resource names.
pub const INSPECTIONS: &str = <Inspection as Aggregate>::COLLECTION;
pub const PENALTY_CASES: &str = <PenaltyCase as Aggregate>::COLLECTION;
pub const CLASSIFICATIONS: &str = <EnterpriseClassification as Aggregate>::COLLECTION;
pub const INSPECTION_PLANS: &str = <InspectionPlan as Aggregate>::COLLECTION;
pub const CASE_FILE_REVIEWS: &str = <CaseFileReview as Aggregate>::COLLECTION;

/// The most officers an inspection or a draw's pool may name.
const MAX_OFFICERS: usize = 50;
/// The most enterprises a 双随机 pool may hold.
const MAX_POOL: usize = 100_000;

/// Officer ids: identifiers, at most [`MAX_OFFICERS`], each named once. A draw's pool is held to
/// it too, since a pool naming someone twice could draw them twice.
fn officer_ids(violations: &mut Violations, field: &str, ids: &[String]) {
    if ids.len() > MAX_OFFICERS {
        violations.add(field, format!("at most {MAX_OFFICERS} officers"));
        return;
    }
    for (index, id) in ids.iter().enumerate() {
        let entry = format!("{field}[{index}]");
        violations.identifier(&entry, id);
        if let Some(earlier) = ids[..index].iter().position(|named| named == id) {
            violations.add(
                entry,
                format!("{id} is listed already, as {field}[{earlier}]; list each once"),
            );
        }
    }
}

/// A scheduling: the inspection as asked, the draw request checked. The handler draws (for a
/// 双随机 inspection) and reads the enterprise and officers from the registry.
pub fn schedule(
    violations: &mut Violations,
    request: &pb::ScheduleInspectionRequest,
    region: &str,
) -> ScheduleInspection {
    violations.optional_identifier("inspection_id", &request.inspection_id);
    let inspection_type = violations.enumeration::<InspectionType>("type", request.r#type);
    let scheduled_on = violations.date("scheduled_on", request.scheduled_on.as_ref());
    violations.optional_identifier("plan_id", &request.plan_id);
    if inspection_type == Some(InspectionType::DoubleRandom) {
        match &request.draw {
            None => violations.add("draw", "a 双随机 inspection names its seed and pools"),
            Some(draw) => {
                violations.text("draw.seed", &draw.seed, MAX_SHORT_TEXT);
                if draw.enterprise_pool.is_empty() || draw.enterprise_pool.len() > MAX_POOL {
                    violations.add(
                        "draw.enterprise_pool",
                        format!("1 to {MAX_POOL} enterprises"),
                    );
                }
                for (index, id) in draw.enterprise_pool.iter().take(MAX_POOL).enumerate() {
                    violations.credit_code(&format!("draw.enterprise_pool[{index}]"), id);
                }
                officer_ids(violations, "draw.officer_pool", &draw.officer_pool);
                if draw.officers < 2 || draw.officers as usize > draw.officer_pool.len() {
                    violations.add(
                        "draw.officers",
                        "at least 2, and no more than the pool holds",
                    );
                }
            }
        }
        if !request.enterprise_id.is_empty() || !request.officer_ids.is_empty() {
            violations.add(
                "enterprise_id",
                "a 双随机 inspection's enterprise and officers are drawn, not named",
            );
        }
    } else {
        violations.credit_code("enterprise_id", &request.enterprise_id);
        officer_ids(violations, "officer_ids", &request.officer_ids);
        if request.draw.is_some() {
            violations.add("draw", "only a 双随机 inspection draws");
        }
    }
    ScheduleInspection {
        region: region.to_string(),
        enterprise: Standing::unknown(&request.enterprise_id),
        inspection_type: inspection_type.unwrap_or_default(),
        scheduled_on: scheduled_on.unwrap_or_default(),
        officers: Vec::new(),
        draw: None,
        plan: None,
    }
}

pub fn record_finding(
    violations: &mut Violations,
    request: &pb::RecordFindingRequest,
) -> InspectionCommand {
    violations.identifier("finding_id", &request.finding_id);
    let category = violations.enumeration::<HazardCategory>("category", request.category);
    let level = violations.enumeration::<HazardLevel>("level", request.level);
    violations.text("level_criterion", &request.level_criterion, MAX_SHORT_TEXT);
    violations.text("location", &request.location, MAX_SHORT_TEXT);
    violations.optional_text("equipment", &request.equipment, MAX_SHORT_TEXT);
    violations.text("description", &request.description, MAX_TEXT);
    violations.evidence("evidence", &request.evidence, false);
    violations.optional_identifier("cited_hazard_id", &request.cited_hazard_id);
    InspectionCommand::RecordFinding(NewFinding {
        finding_id: request.finding_id.clone(),
        category: category.unwrap_or_default(),
        level: level.unwrap_or_default(),
        level_criterion: request.level_criterion.trim().to_string(),
        location: request.location.trim().to_string(),
        equipment: request.equipment.trim().to_string(),
        description: request.description.trim().to_string(),
        evidence: request.evidence.clone(),
        cited_hazard_id: request.cited_hazard_id.clone(),
        cited_entry: None,
    })
}

pub fn issue_order(
    violations: &mut Violations,
    request: &pb::IssueRectificationOrderRequest,
) -> InspectionCommand {
    violations.identifier("finding_id", &request.finding_id);
    let order = request.order.clone().unwrap_or_default();
    match &request.order {
        None => violations.add(
            "order",
            "is required: document number, deadline and follow-up day",
        ),
        Some(order) => {
            violations.text(
                "order.document_number",
                &order.document_number,
                MAX_SHORT_TEXT,
            );
            violations.date("order.deadline", order.deadline.as_ref());
            violations.date("order.follow_up_on", order.follow_up_on.as_ref());
            violations.optional_text("order.measures", &order.measures, MAX_TEXT);
        }
    }
    InspectionCommand::IssueOrder {
        finding_id: request.finding_id.clone(),
        order,
    }
}

pub fn follow_up(
    violations: &mut Violations,
    request: &pb::RecordFollowUpRequest,
) -> InspectionCommand {
    violations.identifier("finding_id", &request.finding_id);
    let result = violations.enumeration::<FollowUpResult>("result", request.result);
    violations.optional_text("note", &request.note, MAX_TEXT);
    violations.evidence("evidence", &request.evidence, false);
    InspectionCommand::RecordFollowUp {
        finding_id: request.finding_id.clone(),
        result: result.unwrap_or_default(),
        note: request.note.trim().to_string(),
        evidence: request.evidence.clone(),
        hazard_status: HazardStatus::Unspecified,
    }
}

/// A filing: the case as asked; the handler reads the enterprise and officers.
pub fn file_case(
    violations: &mut Violations,
    request: &pb::FileCaseRequest,
    region: &str,
) -> FileCase {
    violations.optional_identifier("case_id", &request.case_id);
    violations.credit_code("enterprise_id", &request.enterprise_id);
    violations.optional_identifier("inspection_id", &request.inspection_id);
    violations.optional_identifier("finding_id", &request.finding_id);
    if request.inspection_id.is_empty() != request.finding_id.is_empty() {
        violations.add(
            "finding_id",
            "an inspection and its finding are named together",
        );
    }
    violations.text("facts", &request.facts, MAX_TEXT);
    officer_ids(violations, "officer_ids", &request.officer_ids);
    FileCase {
        region: region.to_string(),
        enterprise: Standing::unknown(&request.enterprise_id),
        inspection_id: request.inspection_id.clone(),
        finding_id: request.finding_id.clone(),
        hazard_id: String::new(),
        facts: request.facts.trim().to_string(),
        officers: Vec::new(),
    }
}

/// A case step that needs only its name and a note: which one is the RPC's.
pub fn case_step(
    violations: &mut Violations,
    request: &pb::CaseStepRequest,
    command: fn(String) -> CaseCommand,
) -> CaseCommand {
    violations.optional_text("note", &request.note, MAX_TEXT);
    command(request.note.trim().to_string())
}

pub fn serve_notice(_violations: &mut Violations, request: &pb::ServeNoticeRequest) -> CaseCommand {
    CaseCommand::ServeNotice {
        hearing_offered: request.hearing_offered,
    }
}

pub fn approve_extension(
    violations: &mut Violations,
    request: &pb::ApproveExtensionRequest,
) -> CaseCommand {
    if request.days == 0 || request.days > 365 {
        violations.add("days", "1 to 365 days");
    }
    violations.text("reason", &request.reason, MAX_TEXT);
    CaseCommand::ApproveExtension {
        days: request.days,
        reason: request.reason.trim().to_string(),
    }
}

pub fn decide(violations: &mut Violations, request: &pb::DecideCaseRequest) -> CaseCommand {
    let decision = violations.enumeration::<CaseDecision>("decision", request.decision);
    if !(0..=100_000_000_000).contains(&request.fine_fen) {
        violations.add("fine_fen", "0 to 1,000,000,000 yuan, in fen");
    }
    violations.text("note", &request.note, MAX_TEXT);
    CaseCommand::Decide {
        decision: decision.unwrap_or_default(),
        fine_fen: request.fine_fen,
        note: request.note.trim().to_string(),
    }
}

pub fn record_execution(
    violations: &mut Violations,
    request: &pb::RecordExecutionRequest,
) -> CaseCommand {
    let kind = violations.enumeration::<ExecutionKind>("kind", request.kind);
    if !(0..=100_000_000_000).contains(&request.amount_fen) {
        violations.add("amount_fen", "0 to 1,000,000,000 yuan, in fen");
    }
    violations.optional_text("note", &request.note, MAX_TEXT);
    CaseCommand::RecordExecution {
        kind: kind.unwrap_or_default(),
        amount_fen: request.amount_fen,
        note: request.note.trim().to_string(),
    }
}

/// The most enterprises one annual plan may cover.
pub const MAX_PLAN_TARGETS: usize = 10_000;

/// A classification as asked; the handler reads the registry and the enforcement record.
pub fn classify(
    violations: &mut Violations,
    request: &pb::ClassifyEnterpriseRequest,
    region: &str,
) -> Classify {
    violations.credit_code("enterprise_id", &request.enterprise_id);
    year(violations, request.year);
    let fireworks_grade = violations
        .optional_enumeration::<FireworksGrade>("fireworks_grade", request.fireworks_grade);
    violations.optional_text("reason", &request.reason, MAX_TEXT);
    Classify {
        region: region.to_string(),
        year: request.year,
        enterprise: Standing::unknown(&request.enterprise_id),
        history: Default::default(),
        fireworks_grade: fireworks_grade.unwrap_or_default(),
        reason: request.reason.trim().to_string(),
    }
}

fn year(violations: &mut Violations, year: i32) {
    violations.year("year", year);
}

/// A draft as asked; the handler reads each target's classification for the year.
pub fn draft_plan(
    violations: &mut Violations,
    request: &pb::DraftInspectionPlanRequest,
    region: &str,
) -> DraftPlan {
    violations.optional_identifier("plan_id", &request.plan_id);
    year(violations, request.year);
    violations.text("title", &request.title, MAX_SHORT_TEXT);
    if request.officers == 0 || request.officers > 10_000 {
        violations.add("officers", "1 to 10,000 officers");
    }
    if request.statutory_working_days == 0 || request.statutory_working_days > 366 {
        violations.add("statutory_working_days", "1 to 366 days per officer");
    }
    for (field, days) in [
        ("other_enforcement_days", request.other_enforcement_days),
        ("non_enforcement_days", request.non_enforcement_days),
    ] {
        if days > 10_000 * 366 {
            violations.add(field, "more days than any bureau has");
        }
    }
    if request.enterprise_ids.is_empty() || request.enterprise_ids.len() > MAX_PLAN_TARGETS {
        violations.add(
            "enterprise_ids",
            format!("1 to {MAX_PLAN_TARGETS} enterprises"),
        );
    } else {
        for (index, id) in request.enterprise_ids.iter().enumerate() {
            violations.credit_code(&format!("enterprise_ids[{index}]"), id);
        }
    }
    violations.optional_text("reason", &request.reason, MAX_TEXT);
    DraftPlan {
        region: region.to_string(),
        year: request.year,
        title: request.title.trim().to_string(),
        capacity: CapacityInputs {
            officers: request.officers,
            statutory_working_days: request.statutory_working_days,
            other_enforcement_days: request.other_enforcement_days,
            non_enforcement_days: request.non_enforcement_days,
        },
        targets: Vec::new(),
        reason: request.reason.trim().to_string(),
    }
}

pub fn approve_plan(
    violations: &mut Violations,
    request: &pb::ApproveInspectionPlanRequest,
) -> PlanCommand {
    violations.text("document_number", &request.document_number, MAX_SHORT_TEXT);
    PlanCommand::Approve {
        document_number: request.document_number.trim().to_string(),
    }
}

pub fn file_plan(
    violations: &mut Violations,
    request: &pb::FileInspectionPlanRequest,
) -> PlanCommand {
    violations.text("receipt", &request.receipt, MAX_SHORT_TEXT);
    PlanCommand::File {
        receipt: request.receipt.trim().to_string(),
    }
}

/// The most case files one review may draw, and the most reviewers it may name.
const MAX_SAMPLE: u32 = 1_000;
const MAX_REVIEWERS: usize = 200;

/// A draw as asked; the handler reads the closed cases and the units.
pub fn draw_case_files(
    violations: &mut Violations,
    request: &pb::DrawCaseFilesRequest,
    region: &str,
) -> DrawSample {
    violations.optional_identifier("review_id", &request.review_id);
    year(violations, request.year);
    violations.text("seed", &request.seed, MAX_SHORT_TEXT);
    if request.sample_size == 0 || request.sample_size > MAX_SAMPLE {
        violations.add("sample_size", format!("1 to {MAX_SAMPLE} files"));
    }
    if request.reviewer_ids.is_empty() || request.reviewer_ids.len() > MAX_REVIEWERS {
        violations.add("reviewer_ids", format!("1 to {MAX_REVIEWERS} reviewers"));
    } else {
        for (index, id) in request.reviewer_ids.iter().enumerate() {
            violations.identifier(&format!("reviewer_ids[{index}]"), id);
        }
    }
    DrawSample {
        region: region.to_string(),
        year: request.year,
        seed: request.seed.clone(),
        sample_size: request.sample_size as usize,
        pool: Vec::new(),
        reviewers: Vec::new(),
    }
}

pub fn score_case_file(
    violations: &mut Violations,
    request: &pb::ScoreCaseFileRequest,
) -> CaseReviewCommand {
    violations.identifier("case_id", &request.case_id);
    if request.veto_failures.len() > 20 {
        violations.add("veto_failures", "at most 20 items");
    }
    violations.optional_text("notes", &request.notes, MAX_TEXT);
    CaseReviewCommand::Score(Score {
        case_id: request.case_id.clone(),
        veto_failures: request.veto_failures.clone(),
        form_points: request.form_points,
        content_points: request.content_points,
        notes: request.notes.trim().to_string(),
    })
}
