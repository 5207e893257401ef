//! The gRPC adapter of the enforcement context: each handler reads its request into a domain
//! command (`requests`), fills in what the registry says (the enterprise's standing on the day,
//! the officers' records and certificates), runs it through the shared pipeline and answers with
//! the resource (`resources`).

mod planning;
mod requests;
pub mod resources;
mod review;

use std::sync::Arc;

use chrono::NaiveDate;
use hl_directory::{Directory, Standing};
use hl_domain::reasons;
use hl_eventstore::{EventStore, Repository, RepositorySettings};
use hl_hazards::domain::hazard::Hazard;
use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::enforcement_service_server::EnforcementService;
use hl_proto::enforcement::v1::{FollowUpResult, InspectionType};
use hl_proto::hazards::v1::HazardStatus;
use hl_runtime::ServiceError;
use hl_runtime::pipeline::{CommandCall, command_on_named, get_named};
use tonic::{Request, Response, Status};

pub use requests::{
    CASE_FILE_REVIEWS, CLASSIFICATIONS, INSPECTION_PLANS, INSPECTIONS, PENALTY_CASES,
};
use resources::{respond_case, respond_inspection};

use crate::domain::case_review::{CaseFileReview, CaseReviewCommand};
use crate::domain::classification::EnterpriseClassification;
use crate::domain::draw;
use crate::domain::inspection::{CitedEntry, Inspection, InspectionCommand, hazard_id_of};
use crate::domain::officers::Officer;
use crate::domain::penalty_case::{CaseCommand, PenaltyCase};
use crate::domain::plan::InspectionPlan;
use crate::history::EnforcementHistory;

/// The repositories of the enforcement context in one district.
pub struct EnforcementApi {
    region: String,
    directory: Directory,
    inspections: Repository<Inspection>,
    cases: Repository<PenaltyCase>,
    /// The hazards context's hazards, read for what a finding cites and what a follow-up checks.
    hazards: Repository<Hazard>,
    classifications: Repository<EnterpriseClassification>,
    plans: Repository<InspectionPlan>,
    reviews: Repository<CaseFileReview>,
    /// Each enterprise's enforcement record by year, for its classification.
    history: Arc<EnforcementHistory>,
}

impl EnforcementApi {
    pub fn new(
        store: EventStore,
        region: &str,
        settings: RepositorySettings,
        history: Arc<EnforcementHistory>,
    ) -> Arc<Self> {
        Arc::new(EnforcementApi {
            region: region.to_string(),
            directory: Directory::new(store.clone(), region, settings.clone()),
            inspections: Repository::new(store.clone(), region, settings.clone()),
            cases: Repository::new(store.clone(), region, settings.clone()),
            hazards: Repository::new(store.clone(), region, settings.clone()),
            classifications: Repository::new(store.clone(), region, settings.clone()),
            plans: Repository::new(store.clone(), region, settings.clone()),
            reviews: Repository::new(store, region, settings),
            history,
        })
    }

    async fn standing(&self, enterprise_id: &str, day: NaiveDate) -> Result<Standing, Status> {
        Ok(self
            .directory
            .standing(enterprise_id, day)
            .await
            .map_err(ServiceError::from)?)
    }

    /// The officers as the registry has them.
    async fn officers(&self, ids: &[String]) -> Result<Vec<Officer>, Status> {
        let mut officers = Vec::with_capacity(ids.len());
        for id in ids {
            let record = self
                .directory
                .person(id)
                .await
                .map_err(ServiceError::from)?;
            officers.push(Officer {
                person_id: id.clone(),
                record,
            });
        }
        Ok(officers)
    }

    /// A hazard as the hazards context has it, if it exists.
    async fn hazard(&self, hazard_id: &str) -> Result<Option<Hazard>, Status> {
        let loaded = self
            .hazards
            .load(hazard_id)
            .await
            .map_err(ServiceError::from)?;
        Ok(loaded.exists().then_some(loaded.state))
    }

    /// Where a record of the enterprise is, for who may read it.
    fn place<'a>(&'a self, township_code: &'a str) -> &'a str {
        if township_code.is_empty() {
            &self.region
        } else {
            township_code
        }
    }

    /// The inspection finding a case is filed for: its follow-up failed. Its hazard, if so.
    async fn failed_finding(&self, request: &pb::FileCaseRequest) -> Result<String, Status> {
        if request.inspection_id.is_empty() {
            return Ok(String::new());
        }
        let loaded = self
            .inspections
            .load(&request.inspection_id)
            .await
            .map_err(ServiceError::from)?;
        let Some(finding) = loaded.state.finding(&request.finding_id) else {
            return Err(ServiceError::invalid_field(
                "finding_id",
                format!(
                    "{INSPECTIONS}/{} has no finding {}",
                    request.inspection_id, request.finding_id
                ),
            )
            .into());
        };
        if loaded.state.enterprise_id != request.enterprise_id {
            return Err(ServiceError::invalid_field(
                "enterprise_id",
                format!(
                    "the inspection was of enterprise {}",
                    loaded.state.enterprise_id
                ),
            )
            .into());
        }
        let failed = finding
            .follow_up
            .as_ref()
            .is_some_and(|follow_up| follow_up.result() == FollowUpResult::Failed);
        if !failed {
            return Err(ServiceError::precondition(
                reasons::FOLLOW_UP_NOT_FAILED,
                format!(
                    "finding {} has no failed follow-up to file a case for",
                    request.finding_id
                ),
            )
            .into());
        }
        Ok(finding.hazard.trim_start_matches("hazards/").to_string())
    }
}

/// The gRPC service over a shared [`EnforcementApi`].
#[derive(Clone)]
pub struct EnforcementGrpc(pub Arc<EnforcementApi>);

type InspectionResponse = Result<Response<pb::InspectionCommandResponse>, Status>;
type CaseResponse = Result<Response<pb::PenaltyCaseCommandResponse>, Status>;
type PlanResponse = Result<Response<pb::InspectionPlanCommandResponse>, Status>;
type ReviewResponse = Result<Response<pb::CaseFileReviewCommandResponse>, Status>;

/// A case step of the RPC's kind that carries only a note.
async fn case_step(
    api: &EnforcementApi,
    request: Request<pb::CaseStepRequest>,
    command: fn(String) -> CaseCommand,
) -> CaseResponse {
    command_on_named(&api.cases, request, |violations, body| {
        requests::case_step(violations, body, command)
    })
    .await
    .map(respond_case)
}

#[tonic::async_trait]
impl EnforcementService for EnforcementGrpc {
    async fn schedule_inspection(
        &self,
        request: Request<pb::ScheduleInspectionRequest>,
    ) -> InspectionResponse {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        let mut schedule = requests::schedule(&mut call.violations, &call.body, &api.region);
        call.check()?;
        let (enterprise_id, officer_ids) =
            if schedule.inspection_type == InspectionType::DoubleRandom {
                let asked = call.body.draw.clone().unwrap_or_default();
                let drawn = draw::draw(
                    &asked.seed,
                    &asked.enterprise_pool,
                    &asked.officer_pool,
                    asked.officers as usize,
                )
                .ok_or_else(|| {
                    ServiceError::invalid_field("draw", "the pools are too small to draw from")
                })?;
                schedule.draw = Some(pb::RandomDraw {
                    seed: asked.seed,
                    enterprise_pool: asked.enterprise_pool,
                    officer_pool: asked.officer_pool,
                    drawn_enterprise_id: drawn.enterprise_id.clone(),
                    drawn_officer_ids: drawn.officer_ids.clone(),
                });
                (drawn.enterprise_id, drawn.officer_ids)
            } else {
                (
                    call.body.enterprise_id.clone(),
                    call.body.officer_ids.clone(),
                )
            };
        schedule.enterprise = api.standing(&enterprise_id, schedule.scheduled_on).await?;
        schedule.officers = api.officers(&officer_ids).await?;
        schedule.plan = api.plan_link(&call.body.plan_id).await?;
        let id = call.new_id::<Inspection>(&call.body.inspection_id);
        call.run(
            &api.inspections,
            Some(id),
            &InspectionCommand::Schedule(schedule),
        )
        .await
        .map(respond_inspection)
    }

    async fn start_inspection(
        &self,
        request: Request<pb::StartInspectionRequest>,
    ) -> InspectionResponse {
        command_on_named(&self.0.inspections, request, |_, _| {
            InspectionCommand::Start
        })
        .await
        .map(respond_inspection)
    }

    async fn record_finding(
        &self,
        request: Request<pb::RecordFindingRequest>,
    ) -> InspectionResponse {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        let id = call.named(INSPECTIONS);
        let mut command = requests::record_finding(&mut call.violations, &call.body);
        call.check()?;
        if let InspectionCommand::RecordFinding(finding) = &mut command
            && !finding.cited_hazard_id.is_empty()
        {
            finding.cited_entry =
                api.hazard(&finding.cited_hazard_id)
                    .await?
                    .map(|hazard| CitedEntry {
                        enterprise_id: hazard.facts.enterprise_id.clone(),
                        self_check: hazard.is_self_check(),
                    });
        }
        call.run(&api.inspections, id, &command)
            .await
            .map(respond_inspection)
    }

    async fn issue_rectification_order(
        &self,
        request: Request<pb::IssueRectificationOrderRequest>,
    ) -> InspectionResponse {
        command_on_named(&self.0.inspections, request, requests::issue_order)
            .await
            .map(respond_inspection)
    }

    async fn complete_inspection(
        &self,
        request: Request<pb::CompleteInspectionRequest>,
    ) -> InspectionResponse {
        command_on_named(&self.0.inspections, request, |_, _| {
            InspectionCommand::Complete
        })
        .await
        .map(respond_inspection)
    }

    async fn record_follow_up(
        &self,
        request: Request<pb::RecordFollowUpRequest>,
    ) -> InspectionResponse {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        let id = call.named(INSPECTIONS);
        let mut command = requests::follow_up(&mut call.violations, &call.body);
        call.check()?;
        let inspection_id = id.clone().expect("a checked request names its inspection");
        let hazard_id = hazard_id_of(&inspection_id, &call.body.finding_id);
        if let InspectionCommand::RecordFollowUp { hazard_status, .. } = &mut command {
            *hazard_status = api
                .hazard(&hazard_id)
                .await?
                .map_or(HazardStatus::Unspecified, |hazard| hazard.status());
        }
        call.run(&api.inspections, id, &command)
            .await
            .map(respond_inspection)
    }

    async fn get_inspection(
        &self,
        request: Request<pb::GetInspectionRequest>,
    ) -> Result<Response<pb::Inspection>, Status> {
        let fetched = get_named(&self.0.inspections, request).await?;
        let state = &fetched.state;
        fetched.require_reader(&state.enterprise_id, self.0.place(&state.township_code))?;
        Ok(Response::new(resources::inspection(state, fetched.version)))
    }

    async fn file_case(&self, request: Request<pb::FileCaseRequest>) -> CaseResponse {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        let mut case = requests::file_case(&mut call.violations, &call.body, &api.region);
        call.check()?;
        case.hazard_id = api.failed_finding(&call.body).await?;
        case.enterprise = api.standing(&call.body.enterprise_id, call.day()).await?;
        case.officers = api.officers(&call.body.officer_ids).await?;
        let id = call.new_id::<PenaltyCase>(&call.body.case_id);
        call.run(&api.cases, Some(id), &CaseCommand::File(case))
            .await
            .map(respond_case)
    }

    async fn start_investigation(&self, request: Request<pb::CaseStepRequest>) -> CaseResponse {
        case_step(&self.0, request, |_| CaseCommand::StartInvestigation).await
    }

    async fn complete_legal_review(&self, request: Request<pb::CaseStepRequest>) -> CaseResponse {
        case_step(&self.0, request, |note| CaseCommand::CompleteLegalReview {
            note,
        })
        .await
    }

    async fn serve_notice(&self, request: Request<pb::ServeNoticeRequest>) -> CaseResponse {
        command_on_named(&self.0.cases, request, requests::serve_notice)
            .await
            .map(respond_case)
    }

    async fn request_hearing(&self, request: Request<pb::CaseStepRequest>) -> CaseResponse {
        case_step(&self.0, request, |_| CaseCommand::RequestHearing).await
    }

    async fn hold_hearing(&self, request: Request<pb::CaseStepRequest>) -> CaseResponse {
        case_step(&self.0, request, |note| CaseCommand::HoldHearing { note }).await
    }

    async fn start_appraisal(&self, request: Request<pb::CaseStepRequest>) -> CaseResponse {
        case_step(&self.0, request, |note| CaseCommand::StartAppraisal {
            note,
        })
        .await
    }

    async fn finish_appraisal(&self, request: Request<pb::CaseStepRequest>) -> CaseResponse {
        case_step(&self.0, request, |_| CaseCommand::FinishAppraisal).await
    }

    async fn approve_extension(
        &self,
        request: Request<pb::ApproveExtensionRequest>,
    ) -> CaseResponse {
        command_on_named(&self.0.cases, request, requests::approve_extension)
            .await
            .map(respond_case)
    }

    async fn decide_case(&self, request: Request<pb::DecideCaseRequest>) -> CaseResponse {
        command_on_named(&self.0.cases, request, requests::decide)
            .await
            .map(respond_case)
    }

    async fn serve_decision(&self, request: Request<pb::CaseStepRequest>) -> CaseResponse {
        case_step(&self.0, request, |_| CaseCommand::ServeDecision).await
    }

    async fn record_execution(&self, request: Request<pb::RecordExecutionRequest>) -> CaseResponse {
        command_on_named(&self.0.cases, request, requests::record_execution)
            .await
            .map(respond_case)
    }

    async fn close_case(&self, request: Request<pb::CaseStepRequest>) -> CaseResponse {
        case_step(&self.0, request, |note| CaseCommand::Close { note }).await
    }

    async fn archive_case(&self, request: Request<pb::CaseStepRequest>) -> CaseResponse {
        case_step(&self.0, request, |_| CaseCommand::Archive).await
    }

    async fn classify_enterprise(
        &self,
        request: Request<pb::ClassifyEnterpriseRequest>,
    ) -> Result<Response<pb::ClassificationCommandResponse>, Status> {
        self.0.classify(request).await
    }

    async fn get_classification(
        &self,
        request: Request<pb::GetClassificationRequest>,
    ) -> Result<Response<pb::EnterpriseClassification>, Status> {
        self.0.get_classification(request).await
    }

    async fn draft_inspection_plan(
        &self,
        request: Request<pb::DraftInspectionPlanRequest>,
    ) -> PlanResponse {
        self.0.draft_plan(request).await
    }

    async fn approve_inspection_plan(
        &self,
        request: Request<pb::ApproveInspectionPlanRequest>,
    ) -> PlanResponse {
        command_on_named(&self.0.plans, request, requests::approve_plan)
            .await
            .map(resources::respond_plan)
    }

    async fn file_inspection_plan(
        &self,
        request: Request<pb::FileInspectionPlanRequest>,
    ) -> PlanResponse {
        command_on_named(&self.0.plans, request, requests::file_plan)
            .await
            .map(resources::respond_plan)
    }

    async fn get_inspection_plan(
        &self,
        request: Request<pb::GetInspectionPlanRequest>,
    ) -> Result<Response<pb::InspectionPlan>, Status> {
        self.0.get_plan(request).await
    }

    async fn draw_case_files(&self, request: Request<pb::DrawCaseFilesRequest>) -> ReviewResponse {
        self.0.draw_case_files(request).await
    }

    async fn score_case_file(&self, request: Request<pb::ScoreCaseFileRequest>) -> ReviewResponse {
        command_on_named(&self.0.reviews, request, requests::score_case_file)
            .await
            .map(resources::respond_review)
    }

    async fn publish_case_file_review(
        &self,
        request: Request<pb::PublishCaseFileReviewRequest>,
    ) -> ReviewResponse {
        command_on_named(&self.0.reviews, request, |_, _| CaseReviewCommand::Publish)
            .await
            .map(resources::respond_review)
    }

    async fn get_case_file_review(
        &self,
        request: Request<pb::GetCaseFileReviewRequest>,
    ) -> Result<Response<pb::CaseFileReview>, Status> {
        self.0.get_case_file_review(request).await
    }

    async fn get_penalty_case(
        &self,
        request: Request<pb::GetPenaltyCaseRequest>,
    ) -> Result<Response<pb::PenaltyCase>, Status> {
        let fetched = get_named(&self.0.cases, request).await?;
        let state = &fetched.state;
        fetched.require_reader(&state.enterprise_id, self.0.place(&state.township_code))?;
        Ok(Response::new(resources::penalty_case(
            state,
            fetched.version,
            fetched.as_of,
        )))
    }
}
