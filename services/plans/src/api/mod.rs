//! The gRPC adapter of the plans context: each request checked field by field, then run on its
//! aggregate through the shared pipeline.

mod accidents;
mod gdp;
mod readiness;
pub mod resources;
mod typhoon;

use std::sync::Arc;

use hl_eventstore::{EventStore, Repository, RepositorySettings};
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::plans_service_server::PlansService;
use hl_proto::plans::v1::{
    DrillForm, DrillKind, PlanLayer, RevisionTrigger, ShelterLevel, TeamKind, TeamLevel,
    TraineeRole,
};
use hl_runtime::ServiceError;
use hl_runtime::pipeline::{CommandCall, command_on_named, get_named};
use hl_runtime::validation::{MAX_SHORT_TEXT, MAX_TEXT, Violations};
use tonic::{Request, Response, Status};

use crate::domain::accident::Accident;
use crate::domain::command_readiness::CommandReadiness;
use crate::domain::disaster_event::DisasterEvent;
use crate::domain::drill::{Drill, RecordDrill};
use crate::domain::five_stop::FiveStopOrder;
use crate::domain::gdp::AnnualGdp;
use crate::domain::key_vessel::KeyVessel;
use crate::domain::plan::{Draft, DrillFinding, EmergencyPlan, PlanCommand};
use crate::domain::rescue_team::{Establish, RescueTeam, TeamCommand};
use crate::domain::shelter::{Register, Shelter, ShelterCommand};
use crate::domain::training::{TrainingCampaign, TrainingCommand};
use crate::domain::vessel_number::VesselNumber;
use resources::{
    campaign, drill, plan, respond_campaign, respond_drill, respond_plan, respond_shelter,
    respond_team, shelter, team,
};

/// The most plans one drill exercises, and the most findings it records.
const MAX_DRILL_PLANS: usize = 20;
const MAX_FINDINGS: usize = 100;
/// The most persons a shelter is registered for, or reported in it.
const MAX_SHELTER_PERSONS: u32 = 100_000;
/// The most members a team's roster lists, and the most kinds of equipment it records.
const MAX_ROSTER: usize = 500;
const MAX_EQUIPMENT: usize = 100;
/// The longest training recorded at once.
const MAX_TRAINING_HOURS: u32 = 1000;
/// The most attendees one training session records.
const MAX_ATTENDEES: usize = 2000;
/// The longest person key: a registry id or a SHA-256 digest in hex.
const MAX_PERSON_KEY: usize = 64;

pub struct PlansApi {
    region: String,
    plans: Repository<EmergencyPlan>,
    drills: Repository<Drill>,
    shelters: Repository<Shelter>,
    teams: Repository<RescueTeam>,
    campaigns: Repository<TrainingCampaign>,
    accidents: Repository<Accident>,
    disaster_events: Repository<DisasterEvent>,
    orders: Repository<FiveStopOrder>,
    vessels: Repository<KeyVessel>,
    vessel_numbers: Repository<VesselNumber>,
    /// Set once the numbers of vessels registered before numbers were claimed are claimed.
    numbers_claimed: tokio::sync::OnceCell<()>,
    gdp: Repository<AnnualGdp>,
    readiness: Repository<CommandReadiness>,
}

impl PlansApi {
    pub fn new(store: EventStore, region: &str, settings: RepositorySettings) -> Arc<Self> {
        Arc::new(PlansApi {
            region: region.to_string(),
            plans: Repository::new(store.clone(), region, settings.clone()),
            drills: Repository::new(store.clone(), region, settings.clone()),
            shelters: Repository::new(store.clone(), region, settings.clone()),
            teams: Repository::new(store.clone(), region, settings.clone()),
            campaigns: Repository::new(store.clone(), region, settings.clone()),
            accidents: Repository::new(store.clone(), region, settings.clone()),
            disaster_events: Repository::new(store.clone(), region, settings.clone()),
            orders: Repository::new(store.clone(), region, settings.clone()),
            vessels: Repository::new(store.clone(), region, settings.clone()),
            vessel_numbers: Repository::new(store.clone(), region, settings.clone()),
            numbers_claimed: tokio::sync::OnceCell::new(),
            gdp: Repository::new(store.clone(), region, settings.clone()),
            readiness: Repository::new(store, region, settings),
        })
    }

    async fn draft(
        &self,
        request: Request<pb::DraftPlanRequest>,
    ) -> Result<Response<pb::PlanCommandResponse>, Status> {
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let violations = &mut call.violations;
        violations.optional_identifier("plan_id", &body.plan_id);
        let layer = violations
            .enumeration::<PlanLayer>("layer", body.layer)
            .unwrap_or_default();
        violations.text("title", &body.title, MAX_SHORT_TEXT);
        violations.identifier("owner_unit_id", &body.owner_unit_id);
        violations.optional_identifier("parent_plan_id", &body.parent_plan_id);
        violations.optional_text("summary", &body.summary, MAX_TEXT);
        // A parent whose id is already refused above is not looked up as well.
        if hl_eventstore::is_valid_token(&body.parent_plan_id) {
            let parent = self
                .plans
                .load(&body.parent_plan_id)
                .await
                .map_err(ServiceError::from)?;
            if !parent.exists() {
                call.violations.add(
                    "parent_plan_id",
                    format!("emergencyPlans/{} does not exist", body.parent_plan_id),
                );
            }
        }
        let command = PlanCommand::Draft(Draft {
            region: self.region.clone(),
            layer,
            title: body.title.trim().to_string(),
            owner_unit_id: body.owner_unit_id,
            parent_plan_id: body.parent_plan_id,
            summary: body.summary.trim().to_string(),
        });
        let id = call.new_id::<EmergencyPlan>(&body.plan_id);
        call.run(&self.plans, Some(id), &command)
            .await
            .map(respond_plan)
    }

    async fn step(
        &self,
        request: Request<pb::PlanStepRequest>,
        text_required: bool,
        command: fn(String) -> PlanCommand,
    ) -> Result<Response<pb::PlanCommandResponse>, Status> {
        command_on_named(&self.plans, request, |violations, body| {
            if body.in_force_since.is_some() {
                violations.add("in_force_since", "only when activating a plan");
            }
            if text_required {
                violations.text("text", &body.text, MAX_SHORT_TEXT);
            } else {
                violations.optional_text("text", &body.text, MAX_TEXT);
            }
            command(body.text.trim().to_string())
        })
        .await
        .map(respond_plan)
    }

    async fn start_revision(
        &self,
        request: Request<pb::StartPlanRevisionRequest>,
    ) -> Result<Response<pb::PlanCommandResponse>, Status> {
        let mut call = CommandCall::from_request(request)?;
        let id = call.named("emergencyPlans");
        let body = call.body.clone();
        let violations = &mut call.violations;
        let trigger = violations
            .enumeration::<RevisionTrigger>("trigger", body.trigger)
            .unwrap_or_default();
        violations.text("note", &body.note, MAX_TEXT);
        violations.optional_text("summary", &body.summary, MAX_TEXT);
        let mut finding = None;
        if trigger == RevisionTrigger::DrillFinding {
            violations.identifier("drill_id", &body.drill_id);
            violations.identifier("finding_id", &body.finding_id);
            if !body.drill_id.is_empty() && !body.finding_id.is_empty() {
                let loaded = self
                    .drills
                    .load(&body.drill_id)
                    .await
                    .map_err(ServiceError::from)?;
                let plan_id = id.clone().unwrap_or_default();
                let (exercised, requires) = loaded
                    .state
                    .finding_requires_revision(&plan_id, &body.finding_id);
                finding = Some(DrillFinding {
                    drill_id: body.drill_id.clone(),
                    finding_id: body.finding_id.clone(),
                    exercised_this_plan: loaded.exists() && exercised,
                    requires_revision: requires,
                });
            }
        }
        let command = PlanCommand::StartRevision {
            trigger,
            note: body.note.trim().to_string(),
            finding,
            summary: body.summary.trim().to_string(),
        };
        call.run(&self.plans, id, &command).await.map(respond_plan)
    }

    async fn record_drill(
        &self,
        request: Request<pb::RecordDrillRequest>,
    ) -> Result<Response<pb::DrillCommandResponse>, Status> {
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let violations = &mut call.violations;
        check_drill(violations, &body);
        let held_on = violations.date("held_on", body.held_on.as_ref());
        for (index, plan_id) in body.plan_ids.iter().enumerate().take(MAX_DRILL_PLANS) {
            let known = self
                .plans
                .load(plan_id)
                .await
                .map_err(ServiceError::from)?
                .exists();
            if !known {
                call.violations.add(
                    format!("plan_ids[{index}]"),
                    format!("emergencyPlans/{plan_id} does not exist"),
                );
            }
        }
        let command = RecordDrill {
            region: self.region.clone(),
            drill: pb::Drill {
                plan_ids: body.plan_ids.clone(),
                enterprise_id: body.enterprise_id.clone(),
                subject: body.subject.trim().to_string(),
                kind: body.kind,
                form: body.form,
                participants: body.participants,
                evaluation: body.evaluation.trim().to_string(),
                findings: body.findings.clone(),
                ..pb::Drill::default()
            },
            held_on: held_on.unwrap_or_default(),
        };
        let id = call.new_id::<Drill>(&body.drill_id);
        call.run(&self.drills, Some(id), &command)
            .await
            .map(respond_drill)
    }
}

/// A drill's fields, every one checked at once.
fn check_drill(violations: &mut Violations, body: &pb::RecordDrillRequest) {
    violations.optional_identifier("drill_id", &body.drill_id);
    // An enterprise's own drill may exercise a plan the district does not hold (its 现场处置方案);
    // any other drill names the plans it exercised.
    let fewest = usize::from(body.enterprise_id.is_empty());
    if body.plan_ids.len() < fewest || body.plan_ids.len() > MAX_DRILL_PLANS {
        let allowed = if fewest == 0 {
            format!("at most {MAX_DRILL_PLANS} plans")
        } else {
            format!("1 to {MAX_DRILL_PLANS} plans (only an enterprise's drill may name none)")
        };
        violations.add("plan_ids", allowed);
    }
    for (index, plan_id) in body.plan_ids.iter().enumerate().take(MAX_DRILL_PLANS) {
        violations.identifier(&format!("plan_ids[{index}]"), plan_id);
    }
    if !body.enterprise_id.is_empty() {
        violations.credit_code("enterprise_id", &body.enterprise_id);
    }
    violations.text("subject", &body.subject, MAX_SHORT_TEXT);
    violations.enumeration::<DrillKind>("kind", body.kind);
    violations.enumeration::<DrillForm>("form", body.form);
    violations.optional_text("evaluation", &body.evaluation, MAX_TEXT);
    if body.findings.len() > MAX_FINDINGS {
        violations.add("findings", format!("at most {MAX_FINDINGS}"));
    }
    for (index, finding) in body.findings.iter().enumerate().take(MAX_FINDINGS) {
        violations.identifier(
            &format!("findings[{index}].finding_id"),
            &finding.finding_id,
        );
        violations.text(
            &format!("findings[{index}].description"),
            &finding.description,
            MAX_TEXT,
        );
    }
}

impl PlansApi {
    async fn register_shelter(
        &self,
        request: Request<pb::RegisterShelterRequest>,
    ) -> Result<Response<pb::ShelterCommandResponse>, Status> {
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let violations = &mut call.violations;
        violations.optional_identifier("shelter_id", &body.shelter_id);
        violations.text("title", &body.title, MAX_SHORT_TEXT);
        let level = violations
            .enumeration::<ShelterLevel>("level", body.level)
            .unwrap_or_default();
        township_of(violations, &self.region, &body.township_code);
        violations.text("location", &body.location, MAX_SHORT_TEXT);
        if !(1..=MAX_SHELTER_PERSONS).contains(&body.capacity) {
            violations.add("capacity", format!("1 to {MAX_SHELTER_PERSONS} persons"));
        }
        let command = ShelterCommand::Register(Register {
            region: self.region.clone(),
            title: body.title.trim().to_string(),
            level,
            township_code: body.township_code.clone(),
            location: body.location.trim().to_string(),
            capacity: body.capacity,
        });
        let id = call.new_id::<Shelter>(&body.shelter_id);
        call.run(&self.shelters, Some(id), &command)
            .await
            .map(respond_shelter)
    }
}

/// A 9-digit township code of the district, in `township_code`.
pub(super) fn township_of(violations: &mut Violations, region: &str, code: &str) {
    township_in(violations, region, "township_code", code);
}

/// A 9-digit township code of the district, in the field named.
pub(super) fn township_in(violations: &mut Violations, region: &str, field: &str, code: &str) {
    let is_township = code.len() == 9
        && code.starts_with(region)
        && code.bytes().all(|byte| byte.is_ascii_digit());
    if !is_township {
        violations.add(
            field,
            format!("a 9-digit township code of district {region}"),
        );
    }
}

impl PlansApi {
    async fn establish_team(
        &self,
        request: Request<pb::EstablishRescueTeamRequest>,
    ) -> Result<Response<pb::RescueTeamCommandResponse>, Status> {
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let violations = &mut call.violations;
        violations.optional_identifier("team_id", &body.team_id);
        violations.text("title", &body.title, MAX_SHORT_TEXT);
        let level = violations
            .enumeration::<TeamLevel>("level", body.level)
            .unwrap_or_default();
        let kind = violations
            .enumeration::<TeamKind>("kind", body.kind)
            .unwrap_or_default();
        match level {
            TeamLevel::Township | TeamLevel::Village => {
                township_of(violations, &self.region, &body.township_code);
            }
            TeamLevel::Enterprise => violations.credit_code("enterprise_id", &body.enterprise_id),
            _ => {}
        }
        if !body.township_code.is_empty()
            && !matches!(level, TeamLevel::Township | TeamLevel::Village)
        {
            violations.add("township_code", "only for a township or village team");
        }
        if !body.enterprise_id.is_empty() && level != TeamLevel::Enterprise {
            violations.add("enterprise_id", "only for an enterprise's team");
        }
        let established_on = violations.date("established_on", body.established_on.as_ref());
        let command = TeamCommand::Establish(Establish {
            region: self.region.clone(),
            title: body.title.trim().to_string(),
            level,
            kind,
            township_code: body.township_code.clone(),
            enterprise_id: body.enterprise_id.clone(),
            established_on: established_on.unwrap_or_default(),
        });
        let id = call.new_id::<RescueTeam>(&body.team_id);
        call.run(&self.teams, Some(id), &command)
            .await
            .map(respond_team)
    }
}

/// The whole roster: distinct registry person ids.
fn check_roster(violations: &mut Violations, person_ids: &[String]) -> Vec<String> {
    if person_ids.is_empty() || person_ids.len() > MAX_ROSTER {
        violations.add("person_ids", format!("1 to {MAX_ROSTER} persons"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (index, person_id) in person_ids.iter().enumerate().take(MAX_ROSTER) {
        let field = format!("person_ids[{index}]");
        violations.identifier(&field, person_id);
        if !seen.insert(person_id.as_str()) {
            violations.add(field, format!("{person_id} is listed twice"));
        }
    }
    person_ids.to_vec()
}

/// The whole equipment list: distinct codes, each with a quantity.
fn check_equipment(
    violations: &mut Violations,
    equipment: &[pb::TeamEquipment],
) -> Vec<pb::TeamEquipment> {
    if equipment.is_empty() || equipment.len() > MAX_EQUIPMENT {
        violations.add("equipment", format!("1 to {MAX_EQUIPMENT} items"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (index, item) in equipment.iter().enumerate().take(MAX_EQUIPMENT) {
        violations.identifier(&format!("equipment[{index}].code"), &item.code);
        if !seen.insert(item.code.as_str()) {
            violations.add(
                format!("equipment[{index}].code"),
                format!("{} is listed twice", item.code),
            );
        }
        if item.quantity == 0 {
            violations.add(format!("equipment[{index}].quantity"), "at least 1");
        }
        violations.optional_date(
            &format!("equipment[{index}].inspected_on"),
            item.inspected_on.as_ref(),
        );
    }
    equipment.to_vec()
}

/// A session's attendees: each person once, with a role and an industry.
fn check_attendees(violations: &mut Violations, attendees: &[pb::Attendee]) -> Vec<pb::Attendee> {
    if attendees.is_empty() || attendees.len() > MAX_ATTENDEES {
        violations.add("attendees", format!("1 to {MAX_ATTENDEES} attendees"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (index, attendee) in attendees.iter().enumerate().take(MAX_ATTENDEES) {
        let field = format!("attendees[{index}].person_key");
        violations.identifier(&field, &attendee.person_key);
        if attendee.person_key.len() > MAX_PERSON_KEY {
            violations.add(
                field.clone(),
                format!("at most {MAX_PERSON_KEY} characters"),
            );
        }
        if !seen.insert(attendee.person_key.as_str()) {
            violations.add(field, format!("{} attends twice", attendee.person_key));
        }
        violations.enumeration::<TraineeRole>(&format!("attendees[{index}].role"), attendee.role);
        violations.enumeration::<hl_proto::responsibility::v1::Industry>(
            &format!("attendees[{index}].industry"),
            attendee.industry,
        );
    }
    attendees.to_vec()
}

/// The gRPC face of [`PlansApi`].
pub struct PlansGrpc(pub Arc<PlansApi>);

type PlanResponse = Result<Response<pb::PlanCommandResponse>, Status>;
type ShelterResponse = Result<Response<pb::ShelterCommandResponse>, Status>;
type TeamResponse = Result<Response<pb::RescueTeamCommandResponse>, Status>;
type CampaignResponse = Result<Response<pb::TrainingCampaignCommandResponse>, Status>;

#[tonic::async_trait]
impl PlansService for PlansGrpc {
    async fn draft_plan(&self, request: Request<pb::DraftPlanRequest>) -> PlanResponse {
        self.0.draft(request).await
    }

    async fn submit_plan_for_review(&self, request: Request<pb::PlanStepRequest>) -> PlanResponse {
        self.0
            .step(request, false, |note| PlanCommand::SubmitForReview { note })
            .await
    }

    async fn approve_plan(&self, request: Request<pb::PlanStepRequest>) -> PlanResponse {
        self.0
            .step(request, true, |document_number| PlanCommand::Approve {
                document_number,
            })
            .await
    }

    async fn publish_plan(&self, request: Request<pb::PlanStepRequest>) -> PlanResponse {
        self.0.step(request, false, |_| PlanCommand::Publish).await
    }

    async fn file_plan(&self, request: Request<pb::PlanStepRequest>) -> PlanResponse {
        self.0
            .step(request, true, |receipt| PlanCommand::File { receipt })
            .await
    }

    async fn activate_plan(&self, request: Request<pb::PlanStepRequest>) -> PlanResponse {
        command_on_named(&self.0.plans, request, |violations, body| {
            violations.optional_text("text", &body.text, MAX_TEXT);
            PlanCommand::Activate {
                in_force_since: violations
                    .optional_date("in_force_since", body.in_force_since.as_ref()),
            }
        })
        .await
        .map(respond_plan)
    }

    async fn evaluate_plan(&self, request: Request<pb::EvaluatePlanRequest>) -> PlanResponse {
        command_on_named(&self.0.plans, request, |violations, body| {
            violations.text("note", &body.note, MAX_TEXT);
            PlanCommand::Evaluate {
                revision_required: body.revision_required,
                note: body.note.trim().to_string(),
            }
        })
        .await
        .map(respond_plan)
    }

    async fn start_plan_revision(
        &self,
        request: Request<pb::StartPlanRevisionRequest>,
    ) -> PlanResponse {
        self.0.start_revision(request).await
    }

    async fn get_plan(
        &self,
        request: Request<pb::GetPlanRequest>,
    ) -> Result<Response<pb::EmergencyPlan>, Status> {
        let fetched = get_named(&self.0.plans, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(plan(&fetched.state, fetched.version)))
    }

    async fn record_drill(
        &self,
        request: Request<pb::RecordDrillRequest>,
    ) -> Result<Response<pb::DrillCommandResponse>, Status> {
        self.0.record_drill(request).await
    }

    async fn get_drill(
        &self,
        request: Request<pb::GetDrillRequest>,
    ) -> Result<Response<pb::Drill>, Status> {
        let fetched = get_named(&self.0.drills, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(drill(&fetched.state, fetched.version)))
    }

    async fn register_shelter(
        &self,
        request: Request<pb::RegisterShelterRequest>,
    ) -> ShelterResponse {
        self.0.register_shelter(request).await
    }

    async fn certify_shelter(
        &self,
        request: Request<pb::CertifyShelterRequest>,
    ) -> ShelterResponse {
        command_on_named(&self.0.shelters, request, |violations, body| {
            let certified_on = violations.date("certified_on", body.certified_on.as_ref());
            violations.text("certificate", &body.certificate, MAX_SHORT_TEXT);
            ShelterCommand::Certify {
                certified_on: certified_on.unwrap_or_default(),
                certificate: body.certificate.trim().to_string(),
            }
        })
        .await
        .map(respond_shelter)
    }

    async fn open_shelter(&self, request: Request<pb::ShelterStepRequest>) -> ShelterResponse {
        command_on_named(&self.0.shelters, request, |violations, body| {
            violations.text("text", &body.text, MAX_SHORT_TEXT);
            ShelterCommand::Open {
                opened_for: body.text.trim().to_string(),
            }
        })
        .await
        .map(respond_shelter)
    }

    async fn report_shelter_occupancy(
        &self,
        request: Request<pb::ReportShelterOccupancyRequest>,
    ) -> ShelterResponse {
        command_on_named(&self.0.shelters, request, |violations, body| {
            if body.persons > MAX_SHELTER_PERSONS {
                violations.add("persons", format!("0 to {MAX_SHELTER_PERSONS} persons"));
            }
            ShelterCommand::ReportOccupancy {
                persons: body.persons,
            }
        })
        .await
        .map(respond_shelter)
    }

    async fn close_shelter(&self, request: Request<pb::ShelterStepRequest>) -> ShelterResponse {
        command_on_named(&self.0.shelters, request, |violations, body| {
            violations.optional_text("text", &body.text, MAX_TEXT);
            ShelterCommand::Close {
                note: body.text.trim().to_string(),
            }
        })
        .await
        .map(respond_shelter)
    }

    async fn get_shelter(
        &self,
        request: Request<pb::GetShelterRequest>,
    ) -> Result<Response<pb::Shelter>, Status> {
        let fetched = get_named(&self.0.shelters, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(shelter(&fetched.state, fetched.version)))
    }

    async fn establish_rescue_team(
        &self,
        request: Request<pb::EstablishRescueTeamRequest>,
    ) -> TeamResponse {
        self.0.establish_team(request).await
    }

    async fn set_team_roster(&self, request: Request<pb::SetTeamRosterRequest>) -> TeamResponse {
        command_on_named(&self.0.teams, request, |violations, body| {
            TeamCommand::SetRoster(check_roster(violations, &body.person_ids))
        })
        .await
        .map(respond_team)
    }

    async fn record_team_equipment(
        &self,
        request: Request<pb::RecordTeamEquipmentRequest>,
    ) -> TeamResponse {
        command_on_named(&self.0.teams, request, |violations, body| {
            TeamCommand::RecordEquipment(check_equipment(violations, &body.equipment))
        })
        .await
        .map(respond_team)
    }

    async fn record_team_training(
        &self,
        request: Request<pb::RecordTeamTrainingRequest>,
    ) -> TeamResponse {
        command_on_named(&self.0.teams, request, |violations, body| {
            let training = body.training.clone().unwrap_or_default();
            let held_on = violations.date("training.held_on", training.held_on.as_ref());
            violations.text("training.topic", &training.topic, MAX_SHORT_TEXT);
            if !(1..=MAX_TRAINING_HOURS).contains(&training.hours) {
                violations.add("training.hours", format!("1 to {MAX_TRAINING_HOURS} hours"));
            }
            TeamCommand::Train {
                held_on: held_on.unwrap_or_default(),
                topic: training.topic.trim().to_string(),
                hours: training.hours,
            }
        })
        .await
        .map(respond_team)
    }

    async fn check_team_readiness(
        &self,
        request: Request<pb::CheckTeamReadinessRequest>,
    ) -> TeamResponse {
        command_on_named(&self.0.teams, request, |violations, body| {
            // A team found not ready says why.
            if body.ready {
                violations.optional_text("note", &body.note, MAX_TEXT);
            } else {
                violations.text("note", &body.note, MAX_TEXT);
            }
            TeamCommand::CheckReadiness {
                ready: body.ready,
                note: body.note.trim().to_string(),
            }
        })
        .await
        .map(respond_team)
    }

    async fn disband_rescue_team(
        &self,
        request: Request<pb::DisbandRescueTeamRequest>,
    ) -> TeamResponse {
        command_on_named(&self.0.teams, request, |violations, body| {
            violations.text("reason", &body.reason, MAX_TEXT);
            TeamCommand::Disband {
                reason: body.reason.trim().to_string(),
            }
        })
        .await
        .map(respond_team)
    }

    async fn get_rescue_team(
        &self,
        request: Request<pb::GetRescueTeamRequest>,
    ) -> Result<Response<pb::RescueTeam>, Status> {
        let fetched = get_named(&self.0.teams, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(team(&fetched.state, fetched.version)))
    }

    async fn open_training_campaign(
        &self,
        request: Request<pb::OpenTrainingCampaignRequest>,
    ) -> CampaignResponse {
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let violations = &mut call.violations;
        violations.optional_identifier("campaign_id", &body.campaign_id);
        violations.text("title", &body.title, MAX_SHORT_TEXT);
        violations.year("year", body.year);
        let command = TrainingCommand::Open {
            region: self.0.region.clone(),
            title: body.title.trim().to_string(),
            year: body.year,
            target: body.target,
        };
        let id = call.new_id::<TrainingCampaign>(&body.campaign_id);
        call.run(&self.0.campaigns, Some(id), &command)
            .await
            .map(respond_campaign)
    }

    async fn record_training_session(
        &self,
        request: Request<pb::RecordTrainingSessionRequest>,
    ) -> CampaignResponse {
        command_on_named(&self.0.campaigns, request, |violations, body| {
            violations.identifier("session_id", &body.session_id);
            let held_on = violations.date("held_on", body.held_on.as_ref());
            violations.text("topic", &body.topic, MAX_SHORT_TEXT);
            TrainingCommand::RecordSession {
                session_id: body.session_id.clone(),
                held_on: held_on.unwrap_or_default(),
                topic: body.topic.trim().to_string(),
                attendees: check_attendees(violations, &body.attendees),
            }
        })
        .await
        .map(respond_campaign)
    }

    async fn get_training_campaign(
        &self,
        request: Request<pb::GetTrainingCampaignRequest>,
    ) -> Result<Response<pb::TrainingCampaign>, Status> {
        let fetched = get_named(&self.0.campaigns, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(campaign(&fetched.state, fetched.version)))
    }

    async fn record_accident(
        &self,
        request: Request<pb::RecordAccidentRequest>,
    ) -> Result<Response<pb::AccidentCommandResponse>, Status> {
        self.0.record_accident(request).await
    }

    async fn revise_accident_figures(
        &self,
        request: Request<pb::ReviseAccidentFiguresRequest>,
    ) -> Result<Response<pb::AccidentCommandResponse>, Status> {
        self.0.revise_accident_figures(request).await
    }

    async fn get_accident(
        &self,
        request: Request<pb::GetAccidentRequest>,
    ) -> Result<Response<pb::Accident>, Status> {
        self.0.get_accident(request).await
    }

    async fn declare_disaster_event(
        &self,
        request: Request<pb::DeclareDisasterEventRequest>,
    ) -> Result<Response<pb::DisasterEventCommandResponse>, Status> {
        self.0.declare_disaster_event(request).await
    }

    async fn change_response_level(
        &self,
        request: Request<pb::ChangeResponseLevelRequest>,
    ) -> Result<Response<pb::DisasterEventCommandResponse>, Status> {
        self.0.change_response_level(request).await
    }

    async fn report_disaster_situation(
        &self,
        request: Request<pb::ReportDisasterSituationRequest>,
    ) -> Result<Response<pb::DisasterEventCommandResponse>, Status> {
        self.0.report_disaster_situation(request).await
    }

    async fn involve_in_disaster_event(
        &self,
        request: Request<pb::InvolveInDisasterEventRequest>,
    ) -> Result<Response<pb::DisasterEventCommandResponse>, Status> {
        self.0.involve_in_disaster_event(request).await
    }

    async fn close_disaster_event(
        &self,
        request: Request<pb::CloseDisasterEventRequest>,
    ) -> Result<Response<pb::DisasterEventCommandResponse>, Status> {
        self.0.close_disaster_event(request).await
    }

    async fn get_disaster_event(
        &self,
        request: Request<pb::GetDisasterEventRequest>,
    ) -> Result<Response<pb::DisasterEvent>, Status> {
        self.0.get_disaster_event(request).await
    }

    async fn issue_five_stop_order(
        &self,
        request: Request<pb::IssueFiveStopOrderRequest>,
    ) -> Result<Response<pb::FiveStopOrderCommandResponse>, Status> {
        self.0.issue_five_stop_order(request).await
    }

    async fn amend_five_stop_order(
        &self,
        request: Request<pb::AmendFiveStopOrderRequest>,
    ) -> Result<Response<pb::FiveStopOrderCommandResponse>, Status> {
        self.0.amend_five_stop_order(request).await
    }

    async fn lift_stop_measure(
        &self,
        request: Request<pb::LiftStopMeasureRequest>,
    ) -> Result<Response<pb::FiveStopOrderCommandResponse>, Status> {
        self.0.lift_stop_measure(request).await
    }

    async fn record_stop_exemption(
        &self,
        request: Request<pb::RecordStopExemptionRequest>,
    ) -> Result<Response<pb::FiveStopOrderCommandResponse>, Status> {
        self.0.record_stop_exemption(request).await
    }

    async fn record_compliance_check(
        &self,
        request: Request<pb::RecordComplianceCheckRequest>,
    ) -> Result<Response<pb::FiveStopOrderCommandResponse>, Status> {
        self.0.record_compliance_check(request).await
    }

    async fn get_five_stop_order(
        &self,
        request: Request<pb::GetFiveStopOrderRequest>,
    ) -> Result<Response<pb::FiveStopOrder>, Status> {
        self.0.get_five_stop_order(request).await
    }

    async fn register_key_vessel(
        &self,
        request: Request<pb::RegisterKeyVesselRequest>,
    ) -> Result<Response<pb::KeyVesselCommandResponse>, Status> {
        self.0.register_key_vessel(request).await
    }

    async fn record_vessel_measure(
        &self,
        request: Request<pb::RecordVesselMeasureRequest>,
    ) -> Result<Response<pb::KeyVesselCommandResponse>, Status> {
        self.0.record_vessel_measure(request).await
    }

    async fn check_vessel(
        &self,
        request: Request<pb::CheckVesselRequest>,
    ) -> Result<Response<pb::KeyVesselCommandResponse>, Status> {
        self.0.check_vessel(request).await
    }

    async fn get_key_vessel(
        &self,
        request: Request<pb::GetKeyVesselRequest>,
    ) -> Result<Response<pb::KeyVessel>, Status> {
        self.0.get_key_vessel(request).await
    }

    async fn record_annual_gdp(
        &self,
        request: Request<pb::RecordAnnualGdpRequest>,
    ) -> Result<Response<pb::AnnualGdpCommandResponse>, Status> {
        self.0.record_annual_gdp(request).await
    }

    async fn get_annual_gdp(
        &self,
        request: Request<pb::GetAnnualGdpRequest>,
    ) -> Result<Response<pb::AnnualGdp>, Status> {
        self.0.get_annual_gdp(request).await
    }

    async fn check_command_readiness(
        &self,
        request: Request<pb::CheckCommandReadinessRequest>,
    ) -> Result<Response<pb::CommandReadinessCommandResponse>, Status> {
        self.0.check_command_readiness(request).await
    }

    async fn get_command_readiness(
        &self,
        request: Request<pb::GetCommandReadinessRequest>,
    ) -> Result<Response<pb::CommandReadiness>, Status> {
        self.0.get_command_readiness(request).await
    }
}
