//! The gRPC adapter of the hazards context: checks the caller and the input, turns requests into
//! domain commands, runs them through the repositories and answers with the resources.

mod requests;
mod resources;
mod supervision;

use std::sync::Arc;

use chrono::Utc;
use hl_eventstore::{Aggregate, EventStore, Executed, Repository, RepositorySettings, RequestMeta};
use hl_proto::common::v1::{Actor, Role};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::hazards_service_server::HazardsService;
use hl_runtime::validation::resource_id;
use hl_runtime::{ServiceError, Violations, actor_from_metadata};
use tonic::{Request, Response, Status};
use uuid::Uuid;

pub use requests::{
    ALARM_DEVICES, HAZARDS, PERIODIC_STATISTICS, SELF_CHECK_ROUNDS, SUPERVISION_ORDERS,
};

use crate::domain::alarm_device::AlarmDevice;
use crate::domain::alarm_device::AlarmDeviceCommand;
use crate::domain::hazard::{Hazard, HazardCommand};
use crate::domain::self_check::{SelfCheckRound, SelfCheckRoundCommand};
use crate::domain::statistics::PeriodicStatistics;
use crate::domain::supervision::SupervisionOrder;
use crate::domain::{DomainError, EnterpriseStanding};
use hl_proto::responsibility::v1::EnterpriseStatus;
use hl_responsibility::domain::enterprise::Enterprise;

/// The repositories of the hazards context in one district.
pub struct HazardsApi {
    region: String,
    /// The registry's enterprises, read from the responsibility stream.
    enterprises: Repository<Enterprise>,
    hazards: Repository<Hazard>,
    rounds: Repository<SelfCheckRound>,
    statistics: Repository<PeriodicStatistics>,
    orders: Repository<SupervisionOrder>,
    devices: Repository<AlarmDevice>,
}

impl HazardsApi {
    pub fn new(store: EventStore, region: &str, settings: RepositorySettings) -> Arc<Self> {
        Arc::new(HazardsApi {
            region: region.to_string(),
            enterprises: Repository::new(store.clone(), region, settings.clone()),
            hazards: Repository::new(store.clone(), region, settings.clone()),
            rounds: Repository::new(store.clone(), region, settings.clone()),
            statistics: Repository::new(store.clone(), region, settings.clone()),
            orders: Repository::new(store.clone(), region, settings.clone()),
            devices: Repository::new(store, region, settings),
        })
    }

    pub fn hazards(&self) -> &Repository<Hazard> {
        &self.hazards
    }
}

/// The gRPC service over a shared [`HazardsApi`].
#[derive(Clone)]
pub struct HazardsGrpc(pub Arc<HazardsApi>);

/// An id for a new aggregate: the client's, or one derived from the request_id so that a retry
/// reaches the same aggregate and is recognised there.
fn new_id(kind: &str, client_id: &str, request_id: &str) -> String {
    if client_id.is_empty() {
        Uuid::new_v5(
            &Uuid::NAMESPACE_OID,
            format!("hazard-ledger:{kind}:{request_id}").as_bytes(),
        )
        .to_string()
    } else {
        client_id.to_string()
    }
}

fn request_meta(
    request_id: &str,
    actor: &Actor,
    occurred_at: Option<chrono::DateTime<Utc>>,
) -> RequestMeta {
    RequestMeta {
        request_id: request_id.to_string(),
        actor: actor.clone(),
        occurred_at,
        correlation_id: None,
    }
}

/// The actor, and a violation list that already checked the request_id.
fn begin<T>(request: &Request<T>, request_id: &str) -> Result<(Actor, Violations), Status> {
    let actor = actor_from_metadata(request.metadata())?;
    let mut violations = Violations::new();
    violations.request_id(request_id);
    Ok((actor, violations))
}

async fn execute<A>(
    repository: &Repository<A>,
    id: &str,
    command: &A::Command,
    meta: &RequestMeta,
) -> Result<Executed<A>, Status>
where
    A: Aggregate<Error = DomainError>,
{
    repository
        .execute(id, command, meta)
        .await
        .map_err(|error| Status::from(ServiceError::from(error)))
}

/// An enterprise reads only its own records; the government side reads all of its district's.
fn require_reader(actor: &Actor, enterprise_id: &str) -> Result<(), Status> {
    if actor.role == Role::Enterprise as i32 && actor.organisation != enterprise_id {
        return Err(ServiceError::permission_denied(
            "OTHER_ENTERPRISE",
            "an enterprise reads only its own records",
        )
        .into());
    }
    Ok(())
}

impl HazardsApi {
    /// What the registry says of an enterprise today, and its township. The domain refuses new
    /// records for an unknown or closed enterprise; a retry of an accepted request is still
    /// recognised, since the repository checks the request log before deciding.
    async fn enterprise_standing(
        &self,
        enterprise_id: &str,
    ) -> Result<(EnterpriseStanding, String), Status> {
        let loaded = self
            .enterprises
            .load(enterprise_id)
            .await
            .map_err(ServiceError::from)?;
        if !loaded.state.exists() {
            return Ok((EnterpriseStanding::Unknown, String::new()));
        }
        let today = crate::domain::clock::local_date(Utc::now());
        let standing = if loaded.state.status_as_of(today) == EnterpriseStatus::Closed {
            EnterpriseStanding::Closed
        } else {
            EnterpriseStanding::Registered
        };
        Ok((standing, loaded.state.details_as_of(today).township_code))
    }
}

impl HazardsGrpc {
    /// The common path of every hazard command after its fields are read.
    async fn hazard_command<T>(
        &self,
        request: Request<T>,
        request_id: impl Fn(&T) -> &str,
        name: impl Fn(&T) -> &str,
        build: impl FnOnce(&mut Violations, &T) -> HazardCommand,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        let request_id = request_id(request.get_ref()).to_string();
        let (actor, mut violations) = begin(&request, &request_id)?;
        let body = request.into_inner();
        let id = violations.resource_id("name", name(&body), HAZARDS);
        let command = build(&mut violations, &body);
        violations.into_result()?;
        let id = id.expect("validated");
        let executed = execute(
            &self.0.hazards,
            &id,
            &command,
            &request_meta(&request_id, &actor, None),
        )
        .await?;
        Ok(Response::new(pb::HazardCommandResponse {
            hazard: Some(resources::hazard(
                &executed.state,
                executed.version,
                Utc::now(),
            )),
            commit: Some(resources::commit_info(HAZARDS, &id, &executed)),
        }))
    }

    async fn round_command<T>(
        &self,
        request: Request<T>,
        request_id: impl Fn(&T) -> &str,
        name: impl Fn(&T) -> &str,
        build: impl FnOnce(&mut Violations, &T) -> SelfCheckRoundCommand,
    ) -> Result<Response<pb::SelfCheckRoundCommandResponse>, Status> {
        let request_id = request_id(request.get_ref()).to_string();
        let (actor, mut violations) = begin(&request, &request_id)?;
        let body = request.into_inner();
        let id = violations.resource_id("name", name(&body), SELF_CHECK_ROUNDS);
        let command = build(&mut violations, &body);
        violations.into_result()?;
        let id = id.expect("validated");
        if let SelfCheckRoundCommand::RecordFinding { hazard_id } = &command {
            self.check_finding_belongs_to_round(&id, hazard_id).await?;
        }
        let executed = execute(
            &self.0.rounds,
            &id,
            &command,
            &request_meta(&request_id, &actor, None),
        )
        .await?;
        Ok(Response::new(pb::SelfCheckRoundCommandResponse {
            round: Some(resources::self_check_round(
                &executed.state,
                executed.version,
            )),
            commit: Some(resources::commit_info(SELF_CHECK_ROUNDS, &id, &executed)),
        }))
    }

    /// A self-check round lists only the enterprise's own self-check entries.
    async fn check_finding_belongs_to_round(
        &self,
        round_id: &str,
        hazard_id: &str,
    ) -> Result<(), Status> {
        let round = self
            .0
            .rounds
            .load(round_id)
            .await
            .map_err(ServiceError::from)?;
        if !round.exists() {
            return Err(ServiceError::not_found(format!("{SELF_CHECK_ROUNDS}/{round_id}")).into());
        }
        let hazard = self
            .0
            .hazards
            .load(hazard_id)
            .await
            .map_err(ServiceError::from)?;
        if !hazard.exists() {
            return Err(ServiceError::invalid_field(
                "hazard_id",
                format!("{HAZARDS}/{hazard_id} does not exist"),
            )
            .into());
        }
        let hazard = hazard.state;
        if !hazard.is_self_check() || hazard.enterprise_id != round.state.enterprise_id {
            return Err(ServiceError::precondition(
                "FINDING_NOT_IN_ENTERPRISE_LEDGER",
                format!(
                    "{HAZARDS}/{hazard_id} is not a self-check entry of enterprise {}",
                    round.state.enterprise_id
                ),
            )
            .into());
        }
        Ok(())
    }

    /// An explicitly cited counterpart is in the other ledger, at the same enterprise.
    async fn check_counterpart(
        &self,
        enterprise_id: &str,
        self_check: bool,
        counterpart_id: &str,
    ) -> Result<(), Status> {
        let counterpart = self
            .0
            .hazards
            .load(counterpart_id)
            .await
            .map_err(ServiceError::from)?;
        let problem = if !counterpart.exists() {
            Some(format!("{HAZARDS}/{counterpart_id} does not exist"))
        } else if counterpart.state.enterprise_id != enterprise_id {
            Some(format!(
                "{HAZARDS}/{counterpart_id} is at another enterprise"
            ))
        } else if counterpart.state.is_self_check() == self_check {
            Some(format!(
                "{HAZARDS}/{counterpart_id} is in the same ledger; a counterpart is in the other one"
            ))
        } else {
            None
        };
        match problem {
            Some(problem) => {
                Err(ServiceError::invalid_field("counterpart_hazard_id", problem).into())
            }
            None => Ok(()),
        }
    }
}

#[tonic::async_trait]
impl HazardsService for HazardsGrpc {
    async fn report_hazard(
        &self,
        request: Request<pb::ReportHazardRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        let (actor, mut violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let (mut report, occurred_at) =
            requests::report_hazard(&mut violations, &body, &self.0.region, Utc::now());
        violations.into_result()?;
        let (standing, township) = self.0.enterprise_standing(&report.enterprise_id).await?;
        report.enterprise_standing = standing;
        if report.township_code.is_empty() {
            report.township_code = township;
        }
        let id = new_id("hazard", &body.hazard_id, &body.request_id);
        if !report.counterpart_hazard_id.is_empty() {
            let self_check = report.provenance == pb::Provenance::EnterpriseSelf;
            self.check_counterpart(
                &report.enterprise_id,
                self_check,
                &report.counterpart_hazard_id,
            )
            .await?;
        }
        let command = HazardCommand::Report(report);
        let executed = execute(
            &self.0.hazards,
            &id,
            &command,
            &request_meta(&body.request_id, &actor, occurred_at),
        )
        .await?;
        Ok(Response::new(pb::HazardCommandResponse {
            hazard: Some(resources::hazard(
                &executed.state,
                executed.version,
                Utc::now(),
            )),
            commit: Some(resources::commit_info(HAZARDS, &id, &executed)),
        }))
    }

    async fn grade_hazard(
        &self,
        request: Request<pb::GradeHazardRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::grade,
        )
        .await
    }

    async fn plan_rectification(
        &self,
        request: Request<pb::PlanRectificationRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::plan_rectification,
        )
        .await
    }

    async fn order_rectification(
        &self,
        request: Request<pb::OrderRectificationRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::order_rectification,
        )
        .await
    }

    async fn submit_remediation_plan(
        &self,
        request: Request<pb::SubmitRemediationPlanRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::remediation_plan,
        )
        .await
    }

    async fn fix_hazard_on_spot(
        &self,
        request: Request<pb::FixHazardOnSpotRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::fix_on_spot,
        )
        .await
    }

    async fn claim_rectification(
        &self,
        request: Request<pb::ClaimRectificationRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::claim,
        )
        .await
    }

    async fn verify_rectification(
        &self,
        request: Request<pb::VerifyRectificationRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::verify,
        )
        .await
    }

    async fn reject_rectification(
        &self,
        request: Request<pb::RejectRectificationRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::reject,
        )
        .await
    }

    async fn request_extension(
        &self,
        request: Request<pb::RequestExtensionRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::request_extension,
        )
        .await
    }

    async fn decide_extension(
        &self,
        request: Request<pb::DecideExtensionRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::decide_extension,
        )
        .await
    }

    async fn close_hazard(
        &self,
        request: Request<pb::CloseHazardRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::close,
        )
        .await
    }

    async fn mark_hazard_listed(
        &self,
        request: Request<pb::MarkHazardListedRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::mark_listed,
        )
        .await
    }

    async fn mark_hazard_delisted(
        &self,
        request: Request<pb::MarkHazardDelistedRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            |_, _| HazardCommand::MarkDelisted {
                supervision_order_id: None,
            },
        )
        .await
    }

    async fn suspend_operations(
        &self,
        request: Request<pb::SuspendOperationsRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::suspend,
        )
        .await
    }

    async fn request_resumption(
        &self,
        request: Request<pb::RequestResumptionRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::request_resumption,
        )
        .await
    }

    async fn decide_resumption(
        &self,
        request: Request<pb::DecideResumptionRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.hazard_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::decide_resumption,
        )
        .await
    }

    async fn confirm_counterpart_match(
        &self,
        request: Request<pb::ConfirmCounterpartMatchRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        let body = request.get_ref();
        let command = HazardCommand::ConfirmCounterpart {
            counterpart_hazard_id: body.counterpart_hazard_id.clone(),
            note: body.note.clone(),
        };
        let (request_id, name, counterpart) = (
            body.request_id.clone(),
            body.name.clone(),
            body.counterpart_hazard_id.clone(),
        );
        self.match_command(request, &request_id, &name, &counterpart, command)
            .await
    }

    async fn reject_counterpart_match(
        &self,
        request: Request<pb::RejectCounterpartMatchRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        let body = request.get_ref();
        let command = HazardCommand::RejectCounterpart {
            counterpart_hazard_id: body.counterpart_hazard_id.clone(),
            reason: body.reason.clone(),
        };
        let (request_id, name, counterpart) = (
            body.request_id.clone(),
            body.name.clone(),
            body.counterpart_hazard_id.clone(),
        );
        self.match_command(request, &request_id, &name, &counterpart, command)
            .await
    }

    async fn get_hazard(
        &self,
        request: Request<pb::GetHazardRequest>,
    ) -> Result<Response<pb::Hazard>, Status> {
        let actor = actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let id = resource_id("name", &body.name, HAZARDS)?;
        let mut violations = Violations::new();
        let as_of = violations.optional_past_time(
            "as_of",
            body.as_of.as_ref(),
            Utc::now() + chrono::Duration::days(36_500),
        );
        violations.into_result()?;
        let loaded = self.0.hazards.load(id).await.map_err(ServiceError::from)?;
        if !loaded.exists() {
            return Err(ServiceError::not_found(body.name).into());
        }
        require_reader(&actor, &loaded.state.enterprise_id)?;
        Ok(Response::new(resources::hazard(
            &loaded.state,
            loaded.version,
            as_of.unwrap_or_else(Utc::now),
        )))
    }

    async fn open_self_check_round(
        &self,
        request: Request<pb::OpenSelfCheckRoundRequest>,
    ) -> Result<Response<pb::SelfCheckRoundCommandResponse>, Status> {
        let (actor, mut violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let mut command = requests::open_round(&mut violations, &body);
        violations.into_result()?;
        if let SelfCheckRoundCommand::Open {
            enterprise_standing,
            ..
        } = &mut command
        {
            *enterprise_standing = self.0.enterprise_standing(&body.enterprise_id).await?.0;
        }
        let id = new_id("self_check_round", &body.round_id, &body.request_id);
        let executed = execute(
            &self.0.rounds,
            &id,
            &command,
            &request_meta(&body.request_id, &actor, None),
        )
        .await?;
        Ok(Response::new(pb::SelfCheckRoundCommandResponse {
            round: Some(resources::self_check_round(
                &executed.state,
                executed.version,
            )),
            commit: Some(resources::commit_info(SELF_CHECK_ROUNDS, &id, &executed)),
        }))
    }

    async fn record_self_check_finding(
        &self,
        request: Request<pb::RecordSelfCheckFindingRequest>,
    ) -> Result<Response<pb::SelfCheckRoundCommandResponse>, Status> {
        self.round_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            |violations, body| {
                violations.identifier("hazard_id", &body.hazard_id);
                SelfCheckRoundCommand::RecordFinding {
                    hazard_id: body.hazard_id.clone(),
                }
            },
        )
        .await
    }

    async fn submit_self_check_round(
        &self,
        request: Request<pb::SubmitSelfCheckRoundRequest>,
    ) -> Result<Response<pb::SelfCheckRoundCommandResponse>, Status> {
        self.round_command(
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::submit_round,
        )
        .await
    }

    async fn get_self_check_round(
        &self,
        request: Request<pb::GetSelfCheckRoundRequest>,
    ) -> Result<Response<pb::SelfCheckRound>, Status> {
        let actor = actor_from_metadata(request.metadata())?;
        let id = resource_id("name", &request.get_ref().name, SELF_CHECK_ROUNDS)?;
        let loaded = self.0.rounds.load(id).await.map_err(ServiceError::from)?;
        if !loaded.exists() {
            return Err(ServiceError::not_found(request.get_ref().name.clone()).into());
        }
        require_reader(&actor, &loaded.state.enterprise_id)?;
        Ok(Response::new(resources::self_check_round(
            &loaded.state,
            loaded.version,
        )))
    }

    async fn submit_periodic_statistics(
        &self,
        request: Request<pb::SubmitPeriodicStatisticsRequest>,
    ) -> Result<Response<pb::PeriodicStatisticsCommandResponse>, Status> {
        let (actor, mut violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let mut command = requests::submit_statistics(&mut violations, &body);
        violations.into_result()?;
        command.enterprise_standing = self.0.enterprise_standing(&body.enterprise_id).await?.0;
        let id = command.period.statistics_id(&command.enterprise_id);
        let executed = execute(
            &self.0.statistics,
            &id,
            &command,
            &request_meta(&body.request_id, &actor, None),
        )
        .await?;
        Ok(Response::new(pb::PeriodicStatisticsCommandResponse {
            statistics: Some(resources::periodic_statistics(
                &executed.state,
                executed.version,
            )),
            commit: Some(resources::commit_info(PERIODIC_STATISTICS, &id, &executed)),
        }))
    }

    async fn get_periodic_statistics(
        &self,
        request: Request<pb::GetPeriodicStatisticsRequest>,
    ) -> Result<Response<pb::PeriodicStatistics>, Status> {
        let actor = actor_from_metadata(request.metadata())?;
        let id = resource_id("name", &request.get_ref().name, PERIODIC_STATISTICS)?;
        let loaded = self
            .0
            .statistics
            .load(id)
            .await
            .map_err(ServiceError::from)?;
        let Some(submitted) = loaded.state.submitted_event.as_ref() else {
            return Err(ServiceError::not_found(request.get_ref().name.clone()).into());
        };
        require_reader(&actor, &submitted.enterprise_id)?;
        Ok(Response::new(resources::periodic_statistics(
            &loaded.state,
            loaded.version,
        )))
    }

    async fn issue_supervision_order(
        &self,
        request: Request<pb::IssueSupervisionOrderRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::issue(self, request).await
    }

    async fn decompose_supervision_order(
        &self,
        request: Request<pb::DecomposeSupervisionOrderRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::command(
            self,
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::decompose,
        )
        .await
    }

    async fn report_sub_task_progress(
        &self,
        request: Request<pb::ReportSubTaskProgressRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::command(
            self,
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::report_progress,
        )
        .await
    }

    async fn request_supervision_acceptance(
        &self,
        request: Request<pb::RequestSupervisionAcceptanceRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::command(
            self,
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::request_acceptance,
        )
        .await
    }

    async fn reject_supervision_acceptance(
        &self,
        request: Request<pb::RejectSupervisionAcceptanceRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::command(
            self,
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::reject_acceptance,
        )
        .await
    }

    async fn delist_supervision_order(
        &self,
        request: Request<pb::DelistSupervisionOrderRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::command(
            self,
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::delist_order,
        )
        .await
    }

    async fn escalate_supervision_order(
        &self,
        request: Request<pb::EscalateSupervisionOrderRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::command(
            self,
            request,
            |body| &body.request_id,
            |body| &body.name,
            requests::escalate,
        )
        .await
    }

    async fn get_supervision_order(
        &self,
        request: Request<pb::GetSupervisionOrderRequest>,
    ) -> Result<Response<pb::SupervisionOrder>, Status> {
        actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let id = resource_id("name", &body.name, SUPERVISION_ORDERS)?;
        let mut violations = Violations::new();
        let as_of = violations.optional_past_time(
            "as_of",
            body.as_of.as_ref(),
            Utc::now() + chrono::Duration::days(36_500),
        );
        violations.into_result()?;
        let loaded = self.0.orders.load(id).await.map_err(ServiceError::from)?;
        if !loaded.exists() {
            return Err(ServiceError::not_found(body.name).into());
        }
        Ok(Response::new(resources::supervision_order(
            &loaded.state,
            loaded.version,
            as_of.unwrap_or_else(Utc::now),
        )))
    }

    async fn register_alarm_device(
        &self,
        request: Request<pb::RegisterAlarmDeviceRequest>,
    ) -> Result<Response<pb::AlarmDeviceCommandResponse>, Status> {
        let (actor, mut violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let mut command = requests::register_device(&mut violations, &body, &self.0.region);
        violations.into_result()?;
        if let AlarmDeviceCommand::Register {
            enterprise_standing,
            ..
        } = &mut command
        {
            *enterprise_standing = self.0.enterprise_standing(&body.enterprise_id).await?.0;
        }
        let id = new_id("alarm_device", &body.device_id, &body.request_id);
        self.device_response(&id, &command, &request_meta(&body.request_id, &actor, None))
            .await
    }

    async fn record_alarm_device_test(
        &self,
        request: Request<pb::RecordAlarmDeviceTestRequest>,
    ) -> Result<Response<pb::AlarmDeviceCommandResponse>, Status> {
        let (actor, mut violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let id = violations.resource_id("name", &body.name, ALARM_DEVICES);
        let command = requests::record_test(&mut violations, &body);
        violations.into_result()?;
        self.device_response(
            &id.expect("validated"),
            &command,
            &request_meta(&body.request_id, &actor, None),
        )
        .await
    }

    async fn retire_alarm_device(
        &self,
        request: Request<pb::RetireAlarmDeviceRequest>,
    ) -> Result<Response<pb::AlarmDeviceCommandResponse>, Status> {
        let (actor, mut violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let id = violations.resource_id("name", &body.name, ALARM_DEVICES);
        let command = requests::retire(&mut violations, &body);
        violations.into_result()?;
        self.device_response(
            &id.expect("validated"),
            &command,
            &request_meta(&body.request_id, &actor, None),
        )
        .await
    }

    async fn get_alarm_device(
        &self,
        request: Request<pb::GetAlarmDeviceRequest>,
    ) -> Result<Response<pb::AlarmDevice>, Status> {
        let actor = actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let id = resource_id("name", &body.name, ALARM_DEVICES)?;
        let mut violations = Violations::new();
        let as_of = violations.optional_past_time(
            "as_of",
            body.as_of.as_ref(),
            Utc::now() + chrono::Duration::days(36_500),
        );
        violations.into_result()?;
        let loaded = self.0.devices.load(id).await.map_err(ServiceError::from)?;
        if !loaded.exists() {
            return Err(ServiceError::not_found(body.name).into());
        }
        require_reader(&actor, &loaded.state.enterprise_id)?;
        Ok(Response::new(resources::alarm_device(
            &loaded.state,
            loaded.version,
            as_of.unwrap_or_else(Utc::now),
        )))
    }
}

impl HazardsGrpc {
    /// A match decision names a self-check entry of the same enterprise as the hazard.
    async fn match_command<T>(
        &self,
        request: Request<T>,
        request_id: &str,
        name: &str,
        counterpart_id: &str,
        command: HazardCommand,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        let (actor, mut violations) = begin(&request, request_id)?;
        let id = violations.resource_id("name", name, HAZARDS);
        violations.identifier("counterpart_hazard_id", counterpart_id);
        if let HazardCommand::RejectCounterpart { reason, .. } = &command {
            violations.text("reason", reason, hl_runtime::validation::MAX_TEXT);
        }
        violations.into_result()?;
        let id = id.expect("validated");
        let hazard = self.0.hazards.load(&id).await.map_err(ServiceError::from)?;
        if !hazard.exists() {
            return Err(ServiceError::not_found(format!("{HAZARDS}/{id}")).into());
        }
        self.check_counterpart(
            &hazard.state.enterprise_id,
            hazard.state.is_self_check(),
            counterpart_id,
        )
        .await?;
        let executed = execute(
            &self.0.hazards,
            &id,
            &command,
            &request_meta(request_id, &actor, None),
        )
        .await?;
        Ok(Response::new(pb::HazardCommandResponse {
            hazard: Some(resources::hazard(
                &executed.state,
                executed.version,
                Utc::now(),
            )),
            commit: Some(resources::commit_info(HAZARDS, &id, &executed)),
        }))
    }

    async fn device_response(
        &self,
        id: &str,
        command: &crate::domain::alarm_device::AlarmDeviceCommand,
        meta: &RequestMeta,
    ) -> Result<Response<pb::AlarmDeviceCommandResponse>, Status> {
        let executed = execute(&self.0.devices, id, command, meta).await?;
        Ok(Response::new(pb::AlarmDeviceCommandResponse {
            device: Some(resources::alarm_device(
                &executed.state,
                executed.version,
                Utc::now(),
            )),
            commit: Some(resources::commit_info(ALARM_DEVICES, id, &executed)),
        }))
    }
}
