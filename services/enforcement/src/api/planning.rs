//! Classification and the annual inspection plan: what their handlers read before deciding —
//! the registry and the enforcement record for a classification, each target's classification
//! for a plan, the plan an inspection carries out.

use hl_runtime::ServiceError;
use hl_runtime::pipeline::{CommandCall, get_named};
use tonic::{Request, Response, Status};

use super::requests::{self, INSPECTION_PLANS};
use super::resources::{self, respond_classification, respond_plan};
use super::{EnforcementApi, pb};
use crate::domain::classification::{ClassificationCommand, classification_id};
use crate::domain::inspection::PlanLink;
use crate::domain::plan::{InspectionPlan, PlanCommand, Target};

impl EnforcementApi {
    pub(super) async fn classify(
        &self,
        request: Request<pb::ClassifyEnterpriseRequest>,
    ) -> Result<Response<pb::ClassificationCommandResponse>, Status> {
        let mut call = CommandCall::from_request(request)?;
        let mut classify = requests::classify(&mut call.violations, &call.body, &self.region);
        call.check()?;
        if !self.history.progress.is_ready() {
            return Err(ServiceError::unavailable(
                "the enforcement record is still being read; retry shortly",
            )
            .into());
        }
        let enterprise_id = call.body.enterprise_id.clone();
        classify.enterprise = self.standing(&enterprise_id, call.day()).await?;
        // A year's grade weighs the year before.
        classify.history = self.history.of(&enterprise_id, classify.year - 1);
        let id = classification_id(&enterprise_id, classify.year);
        call.run(
            &self.classifications,
            Some(id),
            &ClassificationCommand::Classify(classify),
        )
        .await
        .map(respond_classification)
    }

    pub(super) async fn get_classification(
        &self,
        request: Request<pb::GetClassificationRequest>,
    ) -> Result<Response<pb::EnterpriseClassification>, Status> {
        let fetched = get_named(&self.classifications, request).await?;
        let state = &fetched.state;
        fetched.require_reader(&state.enterprise_id, self.place(&state.township_code))?;
        Ok(Response::new(resources::classification(
            state,
            fetched.version,
        )))
    }

    pub(super) async fn draft_plan(
        &self,
        request: Request<pb::DraftInspectionPlanRequest>,
    ) -> Result<Response<pb::InspectionPlanCommandResponse>, Status> {
        let mut call = CommandCall::from_request(request)?;
        let mut plan = requests::draft_plan(&mut call.violations, &call.body, &self.region);
        call.check()?;
        for enterprise_id in &call.body.enterprise_ids {
            let loaded = self
                .classifications
                .load(&classification_id(enterprise_id, plan.year))
                .await
                .map_err(ServiceError::from)?;
            let state = &loaded.state;
            plan.targets.push(Target {
                enterprise_id: enterprise_id.clone(),
                classification: loaded.exists().then(|| pb::PlanTarget {
                    enterprise_id: enterprise_id.clone(),
                    township_code: state.township_code.clone(),
                    grade: state.grade as i32,
                    min_visits: state.min_visits,
                    max_visits: state.max_visits,
                    classification_id: state.classification_id.clone(),
                }),
            });
        }
        let id = call.new_id::<InspectionPlan>(&call.body.plan_id);
        call.run(&self.plans, Some(id), &PlanCommand::Draft(plan))
            .await
            .map(respond_plan)
    }

    pub(super) async fn get_plan(
        &self,
        request: Request<pb::GetInspectionPlanRequest>,
    ) -> Result<Response<pb::InspectionPlan>, Status> {
        let fetched = get_named(&self.plans, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(resources::plan(
            &fetched.state,
            fetched.version,
        )))
    }

    /// The plan an inspection names, as it stands; INVALID_ARGUMENT when there is none.
    pub(super) async fn plan_link(&self, plan_id: &str) -> Result<Option<PlanLink>, Status> {
        if plan_id.is_empty() {
            return Ok(None);
        }
        let loaded = self.plans.load(plan_id).await.map_err(ServiceError::from)?;
        if !loaded.exists() {
            return Err(ServiceError::invalid_field(
                "plan_id",
                format!("{INSPECTION_PLANS}/{plan_id} does not exist"),
            )
            .into());
        }
        let plan = loaded.state;
        Ok(Some(PlanLink {
            plan_id: plan.plan_id,
            year: plan.year,
            status: plan.status,
            target_enterprise_ids: plan
                .targets
                .into_iter()
                .map(|target| target.enterprise_id)
                .collect(),
        }))
    }
}
