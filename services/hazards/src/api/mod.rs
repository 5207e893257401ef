//! The gRPC adapter of the hazards context. Each handler reads its request into a domain command
//! (`requests`), runs it through the shared pipeline (`hl_runtime::pipeline`) and answers with the
//! resource (`resources`). What only the hazards context checks against other aggregates (the
//! enterprise's standing in the registry, the counterpart of a pair, the finding of a round, the
//! hazards of a supervision order) is here and in `supervision`.

mod migration;
mod requests;
mod resources;
mod supervision;

use std::sync::Arc;

use chrono::NaiveDate;
use hl_directory::{Directory, Standing};
use hl_domain::{access, reasons};
use hl_eventstore::{EventStore, Repository, RepositorySettings};
use hl_proto::common::v1::Actor;
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::hazards_service_server::HazardsService;
use hl_runtime::ServiceError;
use hl_runtime::pipeline::{CommandCall, command_on_named, get_named};
use tonic::{Request, Response, Status};

pub use migration::MAX_FILE_BYTES;
pub use requests::{
    ALARM_DEVICES, HAZARDS, PERIODIC_STATISTICS, SELF_CHECK_ROUNDS, SUPERVISION_ORDERS,
};
use resources::{respond_device, respond_hazard, respond_round, respond_statistics};

use crate::domain::alarm_device::{AlarmDevice, AlarmDeviceCommand};
use crate::domain::hazard::{Hazard, HazardCommand, ListingOrder};
use crate::domain::past_ledger::PastLedgerImport;
use crate::domain::self_check::{SelfCheckRound, SelfCheckRoundCommand};
use crate::domain::statistics::PeriodicStatistics;
use crate::domain::supervision::SupervisionOrder;

/// The repositories of the hazards context in one district.
pub struct HazardsApi {
    region: String,
    /// What the registry says of enterprises.
    directory: Directory,
    hazards: Repository<Hazard>,
    rounds: Repository<SelfCheckRound>,
    statistics: Repository<PeriodicStatistics>,
    orders: Repository<SupervisionOrder>,
    devices: Repository<AlarmDevice>,
    imports: Repository<PastLedgerImport>,
}

impl HazardsApi {
    pub fn new(store: EventStore, region: &str, settings: RepositorySettings) -> Arc<Self> {
        Arc::new(HazardsApi {
            region: region.to_string(),
            directory: Directory::new(store.clone(), region, settings.clone()),
            hazards: Repository::new(store.clone(), region, settings.clone()),
            rounds: Repository::new(store.clone(), region, settings.clone()),
            statistics: Repository::new(store.clone(), region, settings.clone()),
            orders: Repository::new(store.clone(), region, settings.clone()),
            devices: Repository::new(store.clone(), region, settings.clone()),
            imports: Repository::new(store, region, settings),
        })
    }

    pub fn hazards(&self) -> &Repository<Hazard> {
        &self.hazards
    }

    /// What the registry says of enterprises.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// What the registry says of an enterprise on a day. A retry of an accepted request is still
    /// recognised whatever it says now, since the repository checks the request log first.
    async fn standing(&self, enterprise_id: &str, day: NaiveDate) -> Result<Standing, Status> {
        Ok(self
            .directory
            .standing(enterprise_id, day)
            .await
            .map_err(ServiceError::from)?)
    }

    /// Where an enterprise's records are, for who may read them: its township in the registry
    /// today, or the district when the registry does not have it.
    async fn place_of(&self, enterprise_id: &str) -> Result<String, Status> {
        let standing = self
            .standing(
                enterprise_id,
                hl_domain::clock::local_date(chrono::Utc::now()),
            )
            .await?;
        Ok(match standing.township_code() {
            "" => self.region.clone(),
            township => township.to_string(),
        })
    }

    /// Where a record of the enterprise is, as [`Self::place_of`], for the caller's access check:
    /// nowhere for a record that does not exist, which names no enterprise to look up, nor for a
    /// caller who may not know of the record, whose answer must not wait on the registry.
    async fn place_of_record(
        &self,
        actor: &Actor,
        exists: bool,
        enterprise_id: &str,
    ) -> Result<String, Status> {
        if exists && access::may_know_of(actor, enterprise_id) {
            self.place_of(enterprise_id).await
        } else {
            Ok(String::new())
        }
    }

    /// A hazard another record names, for the checks between aggregates: one the caller may
    /// read. One that does not exist and one the caller may not read are refused alike, so that
    /// the refusal does not tell whether another enterprise's hazard exists.
    async fn readable_hazard(
        &self,
        actor: &Actor,
        field: &str,
        hazard_id: &str,
    ) -> Result<Hazard, Status> {
        let loaded = self
            .hazards
            .load(hazard_id)
            .await
            .map_err(ServiceError::from)?;
        let readable = loaded.exists()
            && access::require_reader(
                actor,
                &loaded.state.facts.enterprise_id,
                loaded.state.place(),
            )
            .is_ok();
        if !readable {
            return Err(ServiceError::invalid_field(
                field,
                format!(
                    "{HAZARDS}/{hazard_id} is no hazard the caller may read: it does not exist, or \
                     is another's"
                ),
            )
            .into());
        }
        Ok(loaded.state)
    }

    /// The caller's own self-check round, loaded before anything else the request names. A round
    /// of another enterprise and one that does not exist are refused alike, so that the refusal
    /// tells the caller nothing about other enterprises' rounds, nor about the hazard it names.
    async fn own_round(&self, actor: &Actor, round_id: &str) -> Result<SelfCheckRound, Status> {
        let round = self
            .rounds
            .load(round_id)
            .await
            .map_err(ServiceError::from)?;
        if round.exists() && access::is_the_enterprise(actor, &round.state.enterprise_id) {
            return Ok(round.state);
        }
        Err(ServiceError::permission_denied(
            reasons::ENTERPRISE_ONLY,
            format!(
                "{SELF_CHECK_ROUNDS}/{round_id} is not a self-check round of the caller; only a \
                 round's own enterprise works on it"
            ),
        )
        .into())
    }

    /// Who may act on a record of the district that a government-side officer decides on (a
    /// round to review, the government-side hazard of a pair), at `place`, or None when there is
    /// no such record: an officer whose jurisdiction covers it. Asked before anything else about
    /// the record or the others the request names, and answered alike whether the record is
    /// outside the caller's jurisdiction or does not exist, so that the refusal tells nothing
    /// about either. Only a caller covering the whole district, who could read the record were
    /// it there, learns that it is not (NOT_FOUND).
    fn require_government_on(
        &self,
        actor: &Actor,
        name: &str,
        place: Option<&str>,
        action: &str,
    ) -> Result<(), Status> {
        match access::require_government(actor, place.unwrap_or(self.region.as_str()), action) {
            Ok(()) if place.is_some() => Ok(()),
            Ok(()) => Err(ServiceError::not_found(name).into()),
            // Refused for the caller's role alone, which tells nothing about the record.
            Err(refusal) if !access::is_government_side(actor) => {
                Err(ServiceError::from(refusal).into())
            }
            Err(_) => Err(ServiceError::permission_denied(
                reasons::OUTSIDE_JURISDICTION,
                format!(
                    "{action}: {name} is not within the caller's jurisdiction {:?}",
                    actor.region
                ),
            )
            .into()),
        }
    }

    /// A self-check round lists only the enterprise's own self-check entries.
    async fn check_finding_belongs_to_round(
        &self,
        actor: &Actor,
        round: &SelfCheckRound,
        hazard_id: &str,
    ) -> Result<(), Status> {
        let hazard = self.readable_hazard(actor, "hazard_id", hazard_id).await?;
        if let Some(problem) = finding_problem(&hazard, &round.enterprise_id) {
            return Err(ServiceError::precondition(
                reasons::FINDING_NOT_IN_ENTERPRISE_LEDGER,
                format!("{HAZARDS}/{hazard_id} {problem}"),
            )
            .into());
        }
        Ok(())
    }

    /// An explicitly cited counterpart is in the other ledger, at the same enterprise.
    async fn check_counterpart(
        &self,
        actor: &Actor,
        enterprise_id: &str,
        self_check: bool,
        counterpart_id: &str,
    ) -> Result<(), Status> {
        let field = "counterpart_hazard_id";
        let counterpart = self.readable_hazard(actor, field, counterpart_id).await?;
        match counterpart_problem(&counterpart, enterprise_id, self_check) {
            None => Ok(()),
            Some(problem) => Err(ServiceError::invalid_field(
                field,
                format!("{HAZARDS}/{counterpart_id} {problem}"),
            )
            .into()),
        }
    }

    /// A two-ledger match decision: names a counterpart in the other ledger of the hazard's
    /// enterprise.
    async fn match_decision<T>(
        &self,
        request: Request<T>,
        counterpart_id: impl Fn(&T) -> &str,
        build: impl FnOnce(&mut hl_runtime::Violations, &T) -> HazardCommand,
    ) -> Result<Response<pb::HazardCommandResponse>, Status>
    where
        T: hl_proto::requests::CommandRequest + hl_proto::requests::NamedRequest,
    {
        let mut call = CommandCall::from_request(request)?;
        let id = call.named(HAZARDS);
        let counterpart = counterpart_id(&call.body).to_string();
        call.violations
            .identifier("counterpart_hazard_id", &counterpart);
        let command = build(&mut call.violations, &call.body);
        call.check()?;
        let hazard_id = id.clone().expect("a checked request names its hazard");
        let hazard = self
            .hazards
            .load(&hazard_id)
            .await
            .map_err(ServiceError::from)?;
        // Who may decide on this hazard comes first: the counterpart is looked at only for them.
        self.require_government_on(
            &call.actor,
            &format!("{HAZARDS}/{hazard_id}"),
            hazard.exists().then(|| hazard.state.place()),
            "decide a two-ledger match",
        )?;
        self.check_counterpart(
            &call.actor,
            &hazard.state.facts.enterprise_id,
            hazard.state.is_self_check(),
            &counterpart,
        )
        .await?;
        call.run(&self.hazards, id, &command)
            .await
            .map(respond_hazard)
    }
}

/// Why a hazard cannot be a finding of a self-check round of `enterprise_id`, if it cannot: a
/// round lists only the enterprise's own self-check entries.
fn finding_problem(hazard: &Hazard, enterprise_id: &str) -> Option<String> {
    (!hazard.is_self_check() || hazard.facts.enterprise_id != enterprise_id)
        .then(|| format!("is not a self-check entry of enterprise {enterprise_id}"))
}

/// Why a hazard cannot be the counterpart of one of `enterprise_id` in the ledger `self_check`
/// names, if it cannot: a counterpart is at the same enterprise, in the other ledger.
fn counterpart_problem(
    counterpart: &Hazard,
    enterprise_id: &str,
    self_check: bool,
) -> Option<&'static str> {
    if counterpart.facts.enterprise_id != enterprise_id {
        Some("is at another enterprise")
    } else if counterpart.is_self_check() == self_check {
        Some("is in the same ledger; a counterpart is in the other one")
    } else {
        None
    }
}

/// The gRPC service over a shared [`HazardsApi`].
#[derive(Clone)]
pub struct HazardsGrpc(pub Arc<HazardsApi>);

#[tonic::async_trait]
impl HazardsService for HazardsGrpc {
    async fn report_hazard(
        &self,
        request: Request<pb::ReportHazardRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        let mut report = requests::report_hazard(&mut call.violations, &call.body, &api.region);
        call.check()?;
        access::refuse_another_enterprise(&call.actor, &call.body.enterprise_id, "report a hazard")
            .map_err(ServiceError::from)?;
        report.enterprise = api.standing(&call.body.enterprise_id, call.day()).await?;
        requests::registry_township(&call.body.township_code, &report.enterprise, call.day())?;
        if !report.counterpart_hazard_id.is_empty() {
            let self_check = report.provenance == pb::Provenance::EnterpriseSelf;
            api.check_counterpart(
                &call.actor,
                &call.body.enterprise_id,
                self_check,
                &report.counterpart_hazard_id,
            )
            .await?;
        }
        let id = call.new_id::<Hazard>(&call.body.hazard_id);
        call.run(&api.hazards, Some(id), &HazardCommand::Report(report))
            .await
            .map(respond_hazard)
    }

    async fn grade_hazard(
        &self,
        request: Request<pb::GradeHazardRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::grade)
            .await
            .map(respond_hazard)
    }

    async fn plan_rectification(
        &self,
        request: Request<pb::PlanRectificationRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::plan_rectification)
            .await
            .map(respond_hazard)
    }

    async fn order_rectification(
        &self,
        request: Request<pb::OrderRectificationRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::order_rectification)
            .await
            .map(respond_hazard)
    }

    async fn submit_remediation_plan(
        &self,
        request: Request<pb::SubmitRemediationPlanRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::remediation_plan)
            .await
            .map(respond_hazard)
    }

    async fn fix_hazard_on_spot(
        &self,
        request: Request<pb::FixHazardOnSpotRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::fix_on_spot)
            .await
            .map(respond_hazard)
    }

    async fn claim_rectification(
        &self,
        request: Request<pb::ClaimRectificationRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::claim)
            .await
            .map(respond_hazard)
    }

    async fn verify_rectification(
        &self,
        request: Request<pb::VerifyRectificationRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::verify)
            .await
            .map(respond_hazard)
    }

    async fn reject_rectification(
        &self,
        request: Request<pb::RejectRectificationRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::reject)
            .await
            .map(respond_hazard)
    }

    async fn request_extension(
        &self,
        request: Request<pb::RequestExtensionRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::request_extension)
            .await
            .map(respond_hazard)
    }

    async fn decide_extension(
        &self,
        request: Request<pb::DecideExtensionRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::decide_extension)
            .await
            .map(respond_hazard)
    }

    async fn close_hazard(
        &self,
        request: Request<pb::CloseHazardRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::close)
            .await
            .map(respond_hazard)
    }

    async fn mark_hazard_listed(
        &self,
        request: Request<pb::MarkHazardListedRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        let id = call.named(HAZARDS);
        let order_id = call.body.supervision_order_id.clone();
        call.violations
            .identifier("supervision_order_id", &order_id);
        let level = call
            .violations
            .enumeration::<pb::SupervisionLevel>("level", call.body.level);
        call.check()?;
        supervision::require_bureau(api, &call.actor, "list a hazard (挂牌)")?;
        // Looked up for the hazard's decision, which answers on it only after who may list.
        let order = api
            .orders
            .load(&order_id)
            .await
            .map_err(ServiceError::from)?;
        let hazard_id = id.as_deref().unwrap_or_default();
        let command = HazardCommand::MarkListed {
            supervision_order_id: order_id,
            level: level.unwrap_or_default(),
            order: order.exists().then(|| ListingOrder {
                status: order.state.status,
                names_the_hazard: order.state.hazard_ids.iter().any(|id| id == hazard_id),
            }),
        };
        call.run(&api.hazards, id, &command)
            .await
            .map(respond_hazard)
    }

    async fn mark_hazard_delisted(
        &self,
        request: Request<pb::MarkHazardDelistedRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, |_, _| {
            HazardCommand::MarkDelisted {
                supervision_order_id: None,
            }
        })
        .await
        .map(respond_hazard)
    }

    async fn suspend_operations(
        &self,
        request: Request<pb::SuspendOperationsRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::suspend)
            .await
            .map(respond_hazard)
    }

    async fn request_resumption(
        &self,
        request: Request<pb::RequestResumptionRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::request_resumption)
            .await
            .map(respond_hazard)
    }

    async fn decide_resumption(
        &self,
        request: Request<pb::DecideResumptionRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        command_on_named(&self.0.hazards, request, requests::decide_resumption)
            .await
            .map(respond_hazard)
    }

    async fn confirm_counterpart_match(
        &self,
        request: Request<pb::ConfirmCounterpartMatchRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.0
            .match_decision(
                request,
                |body| &body.counterpart_hazard_id,
                requests::confirm_counterpart,
            )
            .await
    }

    async fn reject_counterpart_match(
        &self,
        request: Request<pb::RejectCounterpartMatchRequest>,
    ) -> Result<Response<pb::HazardCommandResponse>, Status> {
        self.0
            .match_decision(
                request,
                |body| &body.counterpart_hazard_id,
                requests::reject_counterpart,
            )
            .await
    }

    async fn get_hazard(
        &self,
        request: Request<pb::GetHazardRequest>,
    ) -> Result<Response<pb::Hazard>, Status> {
        let fetched = get_named(&self.0.hazards, request).await?;
        let facts = &fetched.state.facts;
        let place = if facts.township_code.is_empty() {
            &facts.region
        } else {
            &facts.township_code
        };
        fetched.require_reader(&facts.enterprise_id, place)?;
        Ok(Response::new(resources::hazard(
            &fetched.state,
            fetched.version,
            fetched.as_of,
        )))
    }

    async fn open_self_check_round(
        &self,
        request: Request<pb::OpenSelfCheckRoundRequest>,
    ) -> Result<Response<pb::SelfCheckRoundCommandResponse>, Status> {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        let mut command = requests::open_round(&mut call.violations, &call.body);
        call.check()?;
        if let SelfCheckRoundCommand::Open { enterprise, .. } = &mut command {
            *enterprise = api.standing(&call.body.enterprise_id, call.day()).await?;
        }
        let id = call.new_id::<SelfCheckRound>(&call.body.round_id);
        call.run(&api.rounds, Some(id), &command)
            .await
            .map(respond_round)
    }

    async fn record_self_check_finding(
        &self,
        request: Request<pb::RecordSelfCheckFindingRequest>,
    ) -> Result<Response<pb::SelfCheckRoundCommandResponse>, Status> {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        let id = call.named(SELF_CHECK_ROUNDS);
        call.violations
            .identifier("hazard_id", &call.body.hazard_id);
        call.check()?;
        let round_id = id.clone().expect("a checked request names its round");
        // Whose round it is comes first: the hazard is looked at only for the round's enterprise.
        let round = api.own_round(&call.actor, &round_id).await?;
        api.check_finding_belongs_to_round(&call.actor, &round, &call.body.hazard_id)
            .await?;
        let command = SelfCheckRoundCommand::RecordFinding {
            hazard_id: call.body.hazard_id.clone(),
        };
        call.run(&api.rounds, id, &command).await.map(respond_round)
    }

    async fn submit_self_check_round(
        &self,
        request: Request<pb::SubmitSelfCheckRoundRequest>,
    ) -> Result<Response<pb::SelfCheckRoundCommandResponse>, Status> {
        command_on_named(&self.0.rounds, request, requests::submit_round)
            .await
            .map(respond_round)
    }

    async fn review_self_check_round(
        &self,
        request: Request<pb::ReviewSelfCheckRoundRequest>,
    ) -> Result<Response<pb::SelfCheckRoundCommandResponse>, Status> {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        let id = call.named(SELF_CHECK_ROUNDS);
        let outcome = requests::review_round(&mut call.violations, &call.body);
        call.check()?;
        let round_id = id.clone().expect("a checked request names its round");
        let round = api
            .rounds
            .load(&round_id)
            .await
            .map_err(ServiceError::from)?;
        // A retry of this reviewer's own review is answered with what it recorded, even after
        // the enterprise moved to a township outside the reviewer's jurisdiction.
        let retry = round.recorded_for(&call.body.request_id, &call.actor);
        // Otherwise the round's place decides who may review it, and comes before anything else
        // is said.
        let place = if round.state.exists() && !retry {
            Some(api.place_of(&round.state.enterprise_id).await?)
        } else {
            None
        };
        if !retry {
            api.require_government_on(
                &call.actor,
                &format!("{SELF_CHECK_ROUNDS}/{round_id}"),
                place.as_deref(),
                "review a self-check round",
            )?;
        }
        let command = SelfCheckRoundCommand::Review {
            place: place.unwrap_or_default(),
            outcome,
            note: call.body.note.clone(),
        };
        call.run(&api.rounds, id, &command).await.map(respond_round)
    }

    async fn get_self_check_round(
        &self,
        request: Request<pb::GetSelfCheckRoundRequest>,
    ) -> Result<Response<pb::SelfCheckRound>, Status> {
        let fetched = get_named(&self.0.rounds, request).await?;
        let enterprise_id = fetched.state.enterprise_id.clone();
        let place = self
            .0
            .place_of_record(&fetched.actor, fetched.exists(), &enterprise_id)
            .await?;
        fetched.require_reader(&enterprise_id, &place)?;
        Ok(Response::new(resources::self_check_round(
            &fetched.state,
            fetched.version,
        )))
    }

    async fn submit_periodic_statistics(
        &self,
        request: Request<pb::SubmitPeriodicStatisticsRequest>,
    ) -> Result<Response<pb::PeriodicStatisticsCommandResponse>, Status> {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        let mut command = requests::submit_statistics(&mut call.violations, &call.body);
        call.check()?;
        // Whose statistics they are comes first, so that another enterprise learns nothing of
        // this one's (whether it is registered, whether it has submitted).
        access::require_the_enterprise(
            &call.actor,
            &call.body.enterprise_id,
            "submit periodic statistics",
        )
        .map_err(ServiceError::from)?;
        command.enterprise = api.standing(&call.body.enterprise_id, call.day()).await?;
        let id = command.period.statistics_id(&command.enterprise_id);
        call.run(&api.statistics, Some(id), &command)
            .await
            .map(respond_statistics)
    }

    async fn get_periodic_statistics(
        &self,
        request: Request<pb::GetPeriodicStatisticsRequest>,
    ) -> Result<Response<pb::PeriodicStatistics>, Status> {
        let fetched = get_named(&self.0.statistics, request).await?;
        let enterprise_id = fetched
            .state
            .submitted_event
            .as_ref()
            .map(|submitted| submitted.enterprise_id.clone())
            .unwrap_or_default();
        let place = self
            .0
            .place_of_record(&fetched.actor, fetched.exists(), &enterprise_id)
            .await?;
        fetched.require_reader(&enterprise_id, &place)?;
        Ok(Response::new(resources::periodic_statistics(
            &fetched.state,
            fetched.version,
        )))
    }

    async fn issue_supervision_order(
        &self,
        request: Request<pb::IssueSupervisionOrderRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::issue(&self.0, request).await
    }

    async fn decompose_supervision_order(
        &self,
        request: Request<pb::DecomposeSupervisionOrderRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::change(&self.0, request, requests::decompose).await
    }

    async fn report_sub_task_progress(
        &self,
        request: Request<pb::ReportSubTaskProgressRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::change(&self.0, request, requests::report_progress).await
    }

    async fn request_supervision_acceptance(
        &self,
        request: Request<pb::RequestSupervisionAcceptanceRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::change(&self.0, request, requests::request_acceptance).await
    }

    async fn reject_supervision_acceptance(
        &self,
        request: Request<pb::RejectSupervisionAcceptanceRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::change(&self.0, request, requests::reject_acceptance).await
    }

    async fn delist_supervision_order(
        &self,
        request: Request<pb::DelistSupervisionOrderRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::delist(&self.0, request).await
    }

    async fn escalate_supervision_order(
        &self,
        request: Request<pb::EscalateSupervisionOrderRequest>,
    ) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
        supervision::change(&self.0, request, requests::escalate).await
    }

    async fn get_supervision_order(
        &self,
        request: Request<pb::GetSupervisionOrderRequest>,
    ) -> Result<Response<pb::SupervisionOrder>, Status> {
        let fetched = get_named(&self.0.orders, request).await?;
        // An order of the district: read by its government side, whatever their township.
        let region = &fetched.state.region;
        fetched.require(|actor| {
            hl_domain::access::require_government_within(actor, region, "read a supervision order")
                .or_else(|_| hl_domain::access::require_reader(actor, "", region))
        })?;
        Ok(Response::new(resources::supervision_order(
            &fetched.state,
            fetched.version,
            fetched.as_of,
        )))
    }

    async fn register_alarm_device(
        &self,
        request: Request<pb::RegisterAlarmDeviceRequest>,
    ) -> Result<Response<pb::AlarmDeviceCommandResponse>, Status> {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        let mut command = requests::register_device(&mut call.violations, &call.body, &api.region);
        call.check()?;
        if let AlarmDeviceCommand::Register { enterprise, .. } = &mut command {
            *enterprise = api.standing(&call.body.enterprise_id, call.day()).await?;
        }
        let id = call.new_id::<AlarmDevice>(&call.body.device_id);
        call.run(&api.devices, Some(id), &command)
            .await
            .map(respond_device)
    }

    async fn record_alarm_device_test(
        &self,
        request: Request<pb::RecordAlarmDeviceTestRequest>,
    ) -> Result<Response<pb::AlarmDeviceCommandResponse>, Status> {
        command_on_named(&self.0.devices, request, requests::record_test)
            .await
            .map(respond_device)
    }

    async fn retire_alarm_device(
        &self,
        request: Request<pb::RetireAlarmDeviceRequest>,
    ) -> Result<Response<pb::AlarmDeviceCommandResponse>, Status> {
        command_on_named(&self.0.devices, request, requests::retire)
            .await
            .map(respond_device)
    }

    async fn get_alarm_device(
        &self,
        request: Request<pb::GetAlarmDeviceRequest>,
    ) -> Result<Response<pb::AlarmDevice>, Status> {
        let fetched = get_named(&self.0.devices, request).await?;
        let enterprise_id = fetched.state.enterprise_id.clone();
        let place = self
            .0
            .place_of_record(&fetched.actor, fetched.exists(), &enterprise_id)
            .await?;
        fetched.require_reader(&enterprise_id, &place)?;
        Ok(Response::new(resources::alarm_device(
            &fetched.state,
            fetched.version,
            fetched.as_of,
        )))
    }

    async fn import_past_ledger(
        &self,
        request: Request<pb::ImportPastLedgerRequest>,
    ) -> Result<Response<pb::ImportPastLedgerResponse>, Status> {
        migration::import_past_ledger(&self.0, request).await
    }
}
