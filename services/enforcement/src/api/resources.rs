//! Aggregate states as API resources; a case's clock is read as of the answer's moment.

use chrono::{DateTime, Utc};
use hl_domain::clock::local_date;
use hl_proto::enforcement::v1 as pb;
use hl_proto::timestamp;
use hl_runtime::pipeline::Committed;
use tonic::Response;

use crate::domain::case_review::CaseFileReview;
use crate::domain::classification::EnterpriseClassification;
use crate::domain::inspection::Inspection;
use crate::domain::penalty_case::PenaltyCase;
use crate::domain::plan::InspectionPlan;

pub fn respond_inspection(
    committed: Committed<Inspection>,
) -> Response<pb::InspectionCommandResponse> {
    Response::new(pb::InspectionCommandResponse {
        inspection: Some(inspection(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn respond_case(committed: Committed<PenaltyCase>) -> Response<pb::PenaltyCaseCommandResponse> {
    Response::new(pb::PenaltyCaseCommandResponse {
        case: Some(penalty_case(
            &committed.state,
            committed.version,
            Utc::now(),
        )),
        commit: Some(committed.commit),
    })
}

pub fn inspection(state: &Inspection, version: u64) -> pb::Inspection {
    pb::Inspection {
        name: format!("inspections/{}", state.inspection_id),
        inspection_id: state.inspection_id.clone(),
        enterprise_id: state.enterprise_id.clone(),
        township_code: state.township_code.clone(),
        r#type: state.inspection_type as i32,
        status: state.status as i32,
        scheduled_on: state.scheduled_on.map(Into::into),
        officer_ids: state.officer_ids.clone(),
        draw: state.draw.clone(),
        findings: state.findings.clone(),
        started_at: state.started_at.map(timestamp),
        completed_at: state.completed_at.map(timestamp),
        region: state.region.clone(),
        version,
        plan_id: state.plan_id.clone(),
    }
}

/// The clock of a case as of a moment.
pub fn clock(state: &PenaltyCase, as_of: DateTime<Utc>) -> pb::CaseClock {
    let clock = &state.clock;
    let reading = clock.reading(local_date(as_of));
    pb::CaseClock {
        rule_version: clock.rule_version.clone(),
        started_on: clock.started_on.map(Into::into),
        limit_days: clock.limit_days,
        pauses: clock
            .pauses
            .iter()
            .map(|pause| pb::ClockPause {
                reason: pause.reason.clone(),
                from: Some(pause.from.into()),
                until: pause.until.map(Into::into),
            })
            .collect(),
        extensions: clock
            .extensions
            .iter()
            .map(|extension| pb::ClockExtension {
                days: extension.days,
                approved_by: extension.approved_by.clone(),
                reason: extension.reason.clone(),
                approved_on: Some(extension.approved_on.into()),
            })
            .collect(),
        due_on: Some(reading.due_on.into()),
        days_used: reading.days_used,
        days_paused: reading.days_paused,
        days_left: reading.days_left,
        paused: reading.paused,
        overdue: reading.overdue,
        stopped: reading.stopped,
    }
}

pub fn penalty_case(state: &PenaltyCase, version: u64, as_of: DateTime<Utc>) -> pb::PenaltyCase {
    pb::PenaltyCase {
        name: format!("penaltyCases/{}", state.case_id),
        case_id: state.case_id.clone(),
        enterprise_id: state.enterprise_id.clone(),
        township_code: state.township_code.clone(),
        region: state.region.clone(),
        inspection_id: state.inspection_id.clone(),
        finding_id: state.finding_id.clone(),
        hazard_id: state.hazard_id.clone(),
        facts: state.facts.clone(),
        officer_ids: state.officer_ids.clone(),
        status: state.status as i32,
        decision: state.decision as i32,
        fine_fen: state.fine_fen,
        execution: state.execution as i32,
        paid_fen: state.paid_fen,
        clock: Some(clock(state, as_of)),
        filed_at: state.filed_at.map(timestamp),
        version,
    }
}

pub fn classification(
    state: &EnterpriseClassification,
    version: u64,
) -> pb::EnterpriseClassification {
    pb::EnterpriseClassification {
        name: format!("classifications/{}", state.classification_id),
        classification_id: state.classification_id.clone(),
        enterprise_id: state.enterprise_id.clone(),
        township_code: state.township_code.clone(),
        year: state.year,
        grade: state.grade as i32,
        industry: state.industry as i32,
        score: state.score,
        factors: state.factors.clone(),
        policy_version: state.policy_version.clone(),
        min_visits: state.min_visits,
        max_visits: state.max_visits,
        fireworks_grade: state.fireworks_grade as i32,
        revisions: state.revisions,
        reason: state.reason.clone(),
        version,
    }
}

pub fn respond_classification(
    committed: Committed<EnterpriseClassification>,
) -> Response<pb::ClassificationCommandResponse> {
    Response::new(pb::ClassificationCommandResponse {
        classification: Some(classification(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn plan(state: &InspectionPlan, version: u64) -> pb::InspectionPlan {
    pb::InspectionPlan {
        name: format!("inspectionPlans/{}", state.plan_id),
        plan_id: state.plan_id.clone(),
        region: state.region.clone(),
        year: state.year,
        title: state.title.clone(),
        status: state.status as i32,
        capacity: Some(state.capacity),
        targets: state.targets.clone(),
        policy_version: state.policy_version.clone(),
        revision: state.revision,
        approval_document: state.approval.clone(),
        filing_receipt: state.filing.clone(),
        version,
    }
}

pub fn respond_plan(
    committed: Committed<InspectionPlan>,
) -> Response<pb::InspectionPlanCommandResponse> {
    Response::new(pb::InspectionPlanCommandResponse {
        plan: Some(plan(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn review(state: &CaseFileReview, version: u64) -> pb::CaseFileReview {
    pb::CaseFileReview {
        name: format!("caseFileReviews/{}", state.review_id),
        review_id: state.review_id.clone(),
        region: state.region.clone(),
        year: state.year,
        seed: state.seed.clone(),
        standard_version: state.standard_version.clone(),
        status: state.status as i32,
        files: state.files.clone(),
        version,
    }
}

pub fn respond_review(
    committed: Committed<CaseFileReview>,
) -> Response<pb::CaseFileReviewCommandResponse> {
    Response::new(pb::CaseFileReviewCommandResponse {
        review: Some(review(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}
