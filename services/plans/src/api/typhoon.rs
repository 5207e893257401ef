//! Typhoon season's requests: disaster events, five-stop orders and key vessels, each field
//! checked, then run on its aggregate. An order or a vessel's measure names a disaster event,
//! which is read first: an order is issued under the level in force, and nothing is recorded for
//! an event that has closed.

use hl_domain::access::require_government_within;
use hl_domain::reasons;
use hl_eventstore::{ExecuteError, RequestMeta, StoreError, decode_commit};
use hl_proto::common::v1::Actor;
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::{DisasterKind, ResponseLevel, StopMeasure, VesselKind, VesselMeasure};
use hl_proto::plans_events::KeyVesselEvent;
use hl_runtime::ServiceError;
use hl_runtime::pipeline::{CommandCall, command_on_named, get_named, run_command};
use hl_runtime::validation::{MAX_SHORT_TEXT, MAX_TEXT, Violations};
use tonic::{Request, Response, Status};

use super::resources::{
    disaster_event, five_stop_order, key_vessel, respond_disaster_event, respond_five_stop_order,
    respond_key_vessel,
};
use super::{PlansApi, township_in, township_of};
use crate::domain::disaster_event::{Declare, DisasterCommand, DisasterEvent};
use crate::domain::five_stop::{FiveStopCommand, FiveStopOrder, Issue};
use crate::domain::key_vessel::{KeyVessel, RegisterVessel, VesselCommand};
use crate::domain::vessel_number::{ClaimNumber, claim_id, normalise};

/// The most areas one order covers, and the most findings one check records.
const MAX_AREAS: usize = 100;
const MAX_FINDINGS: usize = 100;
/// The most resources involved in one request.
const MAX_INVOLVED: usize = 50;
/// Bounds of a situation report: far above any disaster, low enough to add up safely.
const MAX_PERSONS: u32 = 10_000_000;
/// Messages read per request when the registered vessels are read back.
const READ_BATCH: usize = 256;
const MAX_LOSS_FEN: i64 = 100_000_000_000_000;
const MAX_AREA_SQUARE_METRES: i64 = 1_000_000_000_000;

type DisasterResponse = Result<Response<pb::DisasterEventCommandResponse>, Status>;
type OrderResponse = Result<Response<pb::FiveStopOrderCommandResponse>, Status>;
type VesselResponse = Result<Response<pb::KeyVesselCommandResponse>, Status>;

impl PlansApi {
    pub(super) async fn declare_disaster_event(
        &self,
        request: Request<pb::DeclareDisasterEventRequest>,
    ) -> DisasterResponse {
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let violations = &mut call.violations;
        violations.optional_identifier("disaster_event_id", &body.disaster_event_id);
        let kind = violations
            .enumeration::<DisasterKind>("kind", body.kind)
            .unwrap_or_default();
        violations.text("title", &body.title, MAX_SHORT_TEXT);
        let level = violations
            .enumeration::<ResponseLevel>("level", body.level)
            .unwrap_or_default();
        violations.optional_text("reason", &body.reason, MAX_TEXT);
        let command = DisasterCommand::Declare(Declare {
            region: self.region.clone(),
            kind,
            title: body.title.trim().to_string(),
            level,
            reason: body.reason.trim().to_string(),
        });
        let id = call.new_id::<DisasterEvent>(&body.disaster_event_id);
        call.run(&self.disaster_events, Some(id), &command)
            .await
            .map(respond_disaster_event)
    }

    pub(super) async fn change_response_level(
        &self,
        request: Request<pb::ChangeResponseLevelRequest>,
    ) -> DisasterResponse {
        command_on_named(&self.disaster_events, request, |violations, body| {
            let level = violations
                .enumeration::<ResponseLevel>("level", body.level)
                .unwrap_or_default();
            violations.text("reason", &body.reason, MAX_TEXT);
            DisasterCommand::ChangeLevel {
                level,
                reason: body.reason.trim().to_string(),
            }
        })
        .await
        .map(respond_disaster_event)
    }

    pub(super) async fn report_disaster_situation(
        &self,
        request: Request<pb::ReportDisasterSituationRequest>,
    ) -> DisasterResponse {
        command_on_named(&self.disaster_events, request, |violations, body| {
            for (field, value) in [
                ("deaths", body.deaths),
                ("missing", body.missing),
                ("injured", body.injured),
                ("serious_injuries", body.serious_injuries),
                ("evacuated", body.evacuated),
            ] {
                if value > MAX_PERSONS {
                    violations.add(field, format!("0 to {MAX_PERSONS}"));
                }
            }
            if !(0..=MAX_LOSS_FEN).contains(&body.direct_loss_fen) {
                violations.add("direct_loss_fen", format!("0 to {MAX_LOSS_FEN} fen"));
            }
            if !(0..=MAX_AREA_SQUARE_METRES).contains(&body.burned_area_square_metres) {
                violations.add(
                    "burned_area_square_metres",
                    format!("0 to {MAX_AREA_SQUARE_METRES} square metres"),
                );
            }
            violations.optional_text("note", &body.note, MAX_TEXT);
            DisasterCommand::ReportSituation(pb::SituationReport {
                deaths: body.deaths,
                missing: body.missing,
                injured: body.injured,
                serious_injuries: body.serious_injuries,
                burned_area_square_metres: body.burned_area_square_metres,
                evacuated: body.evacuated,
                direct_loss_fen: body.direct_loss_fen,
                note: body.note.trim().to_string(),
                ..pb::SituationReport::default()
            })
        })
        .await
        .map(respond_disaster_event)
    }

    pub(super) async fn involve_in_disaster_event(
        &self,
        request: Request<pb::InvolveInDisasterEventRequest>,
    ) -> DisasterResponse {
        let mut call = CommandCall::from_request(request)?;
        let id = call.named("disasterEvents");
        let resources = call.body.resources.clone();
        if resources.is_empty() || resources.len() > MAX_INVOLVED {
            call.violations.add(
                "resources",
                format!("1 to {MAX_INVOLVED} shelters or rescue teams"),
            );
        }
        call.check()?;
        require_government_within(&call.actor, &self.region, "involve resources in a disaster")
            .map_err(ServiceError::from)?;
        for (index, name) in resources.iter().enumerate() {
            let field = format!("resources[{index}]");
            if resources[..index].contains(name) {
                call.violations.add(field, format!("{name} is named twice"));
                continue;
            }
            let exists = if let Some(shelter_id) = name.strip_prefix("shelters/") {
                self.shelters.load(shelter_id).await.map(|l| l.exists())
            } else if let Some(team_id) = name.strip_prefix("rescueTeams/") {
                self.teams.load(team_id).await.map(|l| l.exists())
            } else {
                call.violations.add(
                    field,
                    format!("\"shelters/{{id}}\" or \"rescueTeams/{{id}}\"; got {name:?}"),
                );
                continue;
            };
            if !exists.map_err(ServiceError::from)? {
                call.violations.add(field, format!("{name} does not exist"));
            }
        }
        call.run(
            &self.disaster_events,
            id,
            &DisasterCommand::Involve { resources },
        )
        .await
        .map(respond_disaster_event)
    }

    pub(super) async fn close_disaster_event(
        &self,
        request: Request<pb::CloseDisasterEventRequest>,
    ) -> DisasterResponse {
        command_on_named(&self.disaster_events, request, |violations, body| {
            violations.text("reason", &body.reason, MAX_TEXT);
            DisasterCommand::Close {
                reason: body.reason.trim().to_string(),
            }
        })
        .await
        .map(respond_disaster_event)
    }

    pub(super) async fn get_disaster_event(
        &self,
        request: Request<pb::GetDisasterEventRequest>,
    ) -> Result<Response<pb::DisasterEvent>, Status> {
        let fetched = get_named(&self.disaster_events, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(disaster_event(
            &fetched.state,
            fetched.version,
        )))
    }

    /// The open disaster event a request names in `field`, or a violation.
    async fn open_disaster_event(
        &self,
        violations: &mut Violations,
        field: &str,
        name: &str,
    ) -> Result<Option<DisasterEvent>, Status> {
        let Some(id) = violations.resource_id(field, name, "disasterEvents") else {
            return Ok(None);
        };
        let loaded = self
            .disaster_events
            .load(&id)
            .await
            .map_err(ServiceError::from)?;
        if !loaded.exists() {
            violations.add(field, format!("{name} does not exist"));
            return Ok(None);
        }
        Ok(Some(loaded.state))
    }

    pub(super) async fn issue_five_stop_order(
        &self,
        request: Request<pb::IssueFiveStopOrderRequest>,
    ) -> OrderResponse {
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let violations = &mut call.violations;
        violations.optional_identifier("order_id", &body.order_id);
        violations.text("issuer", &body.issuer, MAX_SHORT_TEXT);
        violations.optional_text("document_number", &body.document_number, MAX_SHORT_TEXT);
        let areas = self.check_areas(violations, "areas", &body.areas, true);
        let measures = check_measures(violations, "measures", &body.measures, true);
        call.check()?;
        require_government_within(&call.actor, &self.region, "issue a five-stop order")
            .map_err(ServiceError::from)?;
        let event = self
            .open_disaster_event(&mut call.violations, "disaster_event", &body.disaster_event)
            .await?;
        let event = event.unwrap_or_default();
        let command = FiveStopCommand::Issue(Issue {
            region: self.region.clone(),
            disaster_event_id: event.disaster_event_id.clone(),
            event_level: event.level,
            issuer: body.issuer.trim().to_string(),
            document_number: body.document_number.trim().to_string(),
            areas,
            measures,
        });
        let id = call.new_id::<FiveStopOrder>(&body.order_id);
        call.run(&self.orders, Some(id), &command)
            .await
            .map(respond_five_stop_order)
    }

    pub(super) async fn amend_five_stop_order(
        &self,
        request: Request<pb::AmendFiveStopOrderRequest>,
    ) -> OrderResponse {
        command_on_named(&self.orders, request, |violations, body| {
            let add_areas = self.check_areas(violations, "add_areas", &body.add_areas, false);
            let add_measures =
                check_measures(violations, "add_measures", &body.add_measures, false);
            if add_areas.is_empty() && add_measures.is_empty() {
                violations.add("add_areas", "an amendment adds areas, measures or both");
            }
            violations.text("reason", &body.reason, MAX_TEXT);
            FiveStopCommand::Amend {
                add_areas,
                add_measures,
                reason: body.reason.trim().to_string(),
            }
        })
        .await
        .map(respond_five_stop_order)
    }

    pub(super) async fn lift_stop_measure(
        &self,
        request: Request<pb::LiftStopMeasureRequest>,
    ) -> OrderResponse {
        command_on_named(&self.orders, request, |violations, body| {
            let measure = violations
                .enumeration::<StopMeasure>("measure", body.measure)
                .unwrap_or_default();
            FiveStopCommand::Lift { measure }
        })
        .await
        .map(respond_five_stop_order)
    }

    pub(super) async fn record_stop_exemption(
        &self,
        request: Request<pb::RecordStopExemptionRequest>,
    ) -> OrderResponse {
        command_on_named(&self.orders, request, |violations, body| {
            let measure = violations
                .enumeration::<StopMeasure>("measure", body.measure)
                .unwrap_or_default();
            violations.text("subject", &body.subject, MAX_SHORT_TEXT);
            violations.text("reason", &body.reason, MAX_TEXT);
            FiveStopCommand::Exempt {
                measure,
                subject: body.subject.trim().to_string(),
                reason: body.reason.trim().to_string(),
            }
        })
        .await
        .map(respond_five_stop_order)
    }

    pub(super) async fn record_compliance_check(
        &self,
        request: Request<pb::RecordComplianceCheckRequest>,
    ) -> OrderResponse {
        command_on_named(&self.orders, request, |violations, body| {
            township_of(violations, &self.region, &body.township_code);
            let findings = check_findings(violations, &body.findings, body.compliant);
            FiveStopCommand::CheckCompliance {
                township_code: body.township_code.clone(),
                compliant: body.compliant,
                findings,
            }
        })
        .await
        .map(respond_five_stop_order)
    }

    pub(super) async fn get_five_stop_order(
        &self,
        request: Request<pb::GetFiveStopOrderRequest>,
    ) -> Result<Response<pb::FiveStopOrder>, Status> {
        let fetched = get_named(&self.orders, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(five_stop_order(
            &fetched.state,
            fetched.version,
        )))
    }

    /// An order's areas: each a township of the district with an optional village, once.
    fn check_areas(
        &self,
        violations: &mut Violations,
        field: &str,
        areas: &[pb::OrderArea],
        required: bool,
    ) -> Vec<pb::OrderArea> {
        if areas.len() > MAX_AREAS || (required && areas.is_empty()) {
            let least = usize::from(required);
            violations.add(field, format!("{least} to {MAX_AREAS} areas"));
            return Vec::new();
        }
        let mut checked: Vec<pb::OrderArea> = Vec::new();
        for (index, area) in areas.iter().enumerate() {
            let area_field = format!("{field}[{index}]");
            township_in(
                violations,
                &self.region,
                &format!("{area_field}.township_code"),
                &area.township_code,
            );
            violations.optional_text(
                &format!("{area_field}.village"),
                &area.village,
                MAX_SHORT_TEXT,
            );
            let area = pb::OrderArea {
                township_code: area.township_code.clone(),
                village: area.village.trim().to_string(),
            };
            if checked.contains(&area) {
                violations.add(area_field, "is named twice");
                continue;
            }
            checked.push(area);
        }
        checked
    }

    pub(super) async fn register_key_vessel(
        &self,
        request: Request<pb::RegisterKeyVesselRequest>,
    ) -> VesselResponse {
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let violations = &mut call.violations;
        violations.optional_identifier("vessel_id", &body.vessel_id);
        violations.text("vessel_name", &body.vessel_name, MAX_SHORT_TEXT);
        violations.text(
            "registration_number",
            &body.registration_number,
            MAX_SHORT_TEXT,
        );
        let kind = violations
            .enumeration::<VesselKind>("kind", body.kind)
            .unwrap_or_default();
        violations.text("mooring_place", &body.mooring_place, MAX_SHORT_TEXT);
        township_of(violations, &self.region, &body.township_code);
        violations.text("responsible_unit", &body.responsible_unit, MAX_SHORT_TEXT);
        let command = VesselCommand::Register(RegisterVessel {
            region: self.region.clone(),
            vessel_name: body.vessel_name.trim().to_string(),
            registration_number: body.registration_number.trim().to_string(),
            kind,
            mooring_place: body.mooring_place.trim().to_string(),
            township_code: body.township_code.clone(),
            responsible_unit: body.responsible_unit.trim().to_string(),
        });
        let id = call.new_id::<KeyVessel>(&body.vessel_id);
        call.check()?;
        // The number is claimed before the vessel is registered, unless the vessel is: then
        // the registration is its retry (answered as first) or refused as it always was.
        if !self
            .vessels
            .load(&id)
            .await
            .map_err(ServiceError::from)?
            .exists()
        {
            self.claim_legacy_numbers(&call.meta().actor).await?;
            let claim = ClaimNumber {
                region: self.region.clone(),
                registration_number: normalise(&body.registration_number),
                vessel_id: id.clone(),
            };
            run_command(
                &self.vessel_numbers,
                &claim_id(&claim.registration_number),
                &claim,
                &call.meta(),
            )
            .await?;
        }
        call.run(&self.vessels, Some(id), &command)
            .await
            .map(respond_key_vessel)
    }

    /// Once per process, before its first claim: the numbers of the vessels registered before
    /// numbers were claimed are claimed for them, the first registered first (a later vessel
    /// registered under a number already held is left as it is, and logged). Each claim is
    /// keyed by its vessel, so a second pass, in this process or another, records nothing.
    async fn claim_legacy_numbers(&self, caller: &Actor) -> Result<(), Status> {
        self.numbers_claimed
            .get_or_try_init(|| async {
                let mut registered = Vec::new();
                self.vessels
                    .store()
                    .each_after(
                        (crate::domain::CONTEXT, &self.vessels.subject("*")),
                        0,
                        READ_BATCH,
                        |message| {
                            let commit = decode_commit::<KeyVesselEvent>(&message.payload)
                                .map_err(|problem| StoreError::Undecodable {
                                    subject: message.subject.clone(),
                                    sequence: message.sequence,
                                    reason: problem,
                                })?;
                            registered.extend(commit.events.into_iter().filter_map(
                                |(event, _)| match event {
                                    KeyVesselEvent::Registered(vessel) => Some(vessel),
                                    _ => None,
                                },
                            ));
                            Ok::<bool, StoreError>(true)
                        },
                    )
                    .await
                    .map_err(ServiceError::from)?;
                for vessel in registered {
                    let claim = ClaimNumber {
                        region: self.region.clone(),
                        registration_number: normalise(&vessel.registration_number),
                        vessel_id: vessel.vessel_id.clone(),
                    };
                    let meta = RequestMeta {
                        request_id: format!("registered-vessel:{}", vessel.vessel_id),
                        actor: caller.clone(),
                        occurred_at: None,
                        correlation_id: None,
                        migrated_by: None,
                    };
                    let id = claim_id(&claim.registration_number);
                    match self.vessel_numbers.execute(&id, &claim, &meta).await {
                        Ok(_) => {}
                        Err(ExecuteError::Domain(refusal))
                            if refusal.reason() == reasons::REGISTRATION_NUMBER_HELD.name =>
                        {
                            tracing::warn!(vessel = %vessel.vessel_id, %refusal, "a key vessel registered before numbers were claimed shares its number with an earlier one");
                        }
                        Err(error) => return Err(Status::from(ServiceError::from(error))),
                    }
                }
                Ok(())
            })
            .await
            .map(|_| ())
    }

    pub(super) async fn record_vessel_measure(
        &self,
        request: Request<pb::RecordVesselMeasureRequest>,
    ) -> VesselResponse {
        let mut call = CommandCall::from_request(request)?;
        let id = call.named("keyVessels");
        let body = call.body.clone();
        let measure = call
            .violations
            .enumeration::<VesselMeasure>("measure", body.measure)
            .unwrap_or_default();
        call.violations.optional_text("note", &body.note, MAX_TEXT);
        let disaster_event_id = self.event_in_force(&mut call, &body.disaster_event).await?;
        let command = VesselCommand::RecordMeasure {
            disaster_event_id,
            measure,
            note: body.note.trim().to_string(),
        };
        call.run(&self.vessels, id, &command)
            .await
            .map(respond_key_vessel)
    }

    pub(super) async fn check_vessel(
        &self,
        request: Request<pb::CheckVesselRequest>,
    ) -> VesselResponse {
        let mut call = CommandCall::from_request(request)?;
        let id = call.named("keyVessels");
        let body = call.body.clone();
        let findings = check_findings(&mut call.violations, &body.findings, body.secured);
        let disaster_event_id = self.event_in_force(&mut call, &body.disaster_event).await?;
        let command = VesselCommand::Check {
            disaster_event_id,
            secured: body.secured,
            findings,
        };
        call.run(&self.vessels, id, &command)
            .await
            .map(respond_key_vessel)
    }

    /// The id of the open disaster event a vessel's request names, once the rest of the request
    /// is found sound and the caller is an officer of the district.
    async fn event_in_force<T: hl_proto::requests::CommandRequest>(
        &self,
        call: &mut CommandCall<T>,
        name: &str,
    ) -> Result<String, Status> {
        call.check()?;
        require_government_within(&call.actor, &self.region, "keep the watch of key vessels")
            .map_err(ServiceError::from)?;
        let event = self
            .open_disaster_event(&mut call.violations, "disaster_event", name)
            .await?;
        if let Some(event) = &event
            && !event.is_open()
        {
            return Err(ServiceError::precondition(
                reasons::DISASTER_EVENT_CLOSED,
                format!("{name} is closed: its vessel watch is over"),
            )
            .into());
        }
        Ok(event
            .map(|event| event.disaster_event_id)
            .unwrap_or_default())
    }

    pub(super) async fn get_key_vessel(
        &self,
        request: Request<pb::GetKeyVesselRequest>,
    ) -> Result<Response<pb::KeyVessel>, Status> {
        let fetched = get_named(&self.vessels, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(key_vessel(&fetched.state, fetched.version)))
    }
}

/// An order's stops: each a five-stop measure, once; at least one when `required`.
fn check_measures(
    violations: &mut Violations,
    field: &str,
    measures: &[i32],
    required: bool,
) -> Vec<StopMeasure> {
    if measures.len() > 5 || (required && measures.is_empty()) {
        violations.add(field, format!("{} to 5 measures", usize::from(required)));
        return Vec::new();
    }
    let mut checked = Vec::new();
    for (index, value) in measures.iter().enumerate() {
        let item = format!("{field}[{index}]");
        let Some(measure) = violations.enumeration::<StopMeasure>(&item, *value) else {
            continue;
        };
        if checked.contains(&measure) {
            violations.add(item, format!("{} is named twice", measure.as_str_name()));
            continue;
        }
        checked.push(measure);
    }
    checked
}

/// A check's findings: up to [`MAX_FINDINGS`], at least one when the check found a fault.
fn check_findings(violations: &mut Violations, findings: &[String], passed: bool) -> Vec<String> {
    if findings.len() > MAX_FINDINGS {
        violations.add("findings", format!("at most {MAX_FINDINGS}"));
        return Vec::new();
    }
    if !passed && findings.is_empty() {
        violations.add("findings", "a check that found a fault says what it found");
    }
    for (index, finding) in findings.iter().enumerate() {
        violations.text(&format!("findings[{index}]"), finding, MAX_TEXT);
    }
    findings
        .iter()
        .map(|finding| finding.trim().to_string())
        .collect()
}
