//! The township emergency centres' handlers: what the registry must say about a centre's
//! township, org unit and staff before the domain decides.

use hl_proto::responsibility::v1 as pb;
use hl_runtime::pipeline::{CommandCall, Committed, command_on_named, get_named};
use hl_runtime::validation::{MAX_SHORT_TEXT, MAX_TEXT, Violations};
use tonic::{Request, Response, Status};

use super::duties::ResponsibilityApi;
use crate::domain::emergency_centre::{CentreCommand, EmergencyCentre, Establish};

/// The most staff, roster days and equipment lines one request may carry.
const MAX_STAFF: usize = 50;
const MAX_ROSTER_DAYS: usize = 366;
const MAX_EQUIPMENT: usize = 50;
const MAX_QUANTITY: u32 = 100_000;

pub fn centre(state: &EmergencyCentre, version: u64) -> pb::EmergencyCentre {
    pb::EmergencyCentre {
        name: format!("emergencyCentres/{}", state.township_code),
        township_code: state.township_code.clone(),
        org_unit_id: state.org_unit_id.clone(),
        display_name: state.display_name.clone(),
        command_venue: state.command_venue.clone(),
        staff_ids: state.staff_ids.clone(),
        roster: state.roster.clone(),
        equipment: state.equipment.clone(),
        checks: state.checks.clone(),
        standard_version: state.standard_version.clone(),
        version,
    }
}

fn respond(committed: Committed<EmergencyCentre>) -> Response<pb::EmergencyCentreCommandResponse> {
    Response::new(pb::EmergencyCentreCommandResponse {
        centre: Some(centre(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

impl ResponsibilityApi {
    /// Each id names an active registry person; violations are named `{field}[i]`.
    fn check_persons(&self, violations: &mut Violations, field: &str, ids: &[String]) {
        let index = self.index().read();
        for (position, id) in ids.iter().enumerate() {
            let name = format!("{field}[{position}]");
            violations.identifier(&name, id);
            let active = index
                .persons
                .get(id)
                .and_then(|entry| entry.state.record.as_ref())
                .is_some_and(|person| !person.inactive);
            if !id.is_empty() && !active {
                violations.add(
                    name,
                    format!("persons/{id} is not an active registry person"),
                );
            }
        }
    }

    pub(super) async fn establish_centre(
        &self,
        request: Request<pb::EstablishEmergencyCentreRequest>,
    ) -> Result<Response<pb::EmergencyCentreCommandResponse>, Status> {
        self.require_index()?;
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let violations = &mut call.violations;
        violations.identifier("township_code", &body.township_code);
        violations.identifier("org_unit_id", &body.org_unit_id);
        violations.text("display_name", &body.display_name, MAX_SHORT_TEXT);
        violations.optional_text("command_venue", &body.command_venue, MAX_SHORT_TEXT);
        {
            let index = self.index().read();
            let is_township = index
                .areas
                .get(&body.township_code)
                .and_then(|entry| entry.state.record.as_ref())
                .is_some_and(|area| {
                    area.level == hl_proto::responsibility::v1::AdminAreaLevel::Township as i32
                });
            if !body.township_code.is_empty() && !is_township {
                violations.add(
                    "township_code",
                    format!("{:?} is not a registered township", body.township_code),
                );
            }
            if !body.org_unit_id.is_empty() && !index.units.contains_key(&body.org_unit_id) {
                violations.add(
                    "org_unit_id",
                    format!("orgUnits/{} does not exist", body.org_unit_id),
                );
            }
        }
        let command = CentreCommand::Establish(Establish {
            township_code: body.township_code.clone(),
            org_unit_id: body.org_unit_id,
            display_name: body.display_name.trim().to_string(),
            command_venue: body.command_venue.trim().to_string(),
        });
        call.run(self.centres(), Some(body.township_code), &command)
            .await
            .map(respond)
    }

    pub(super) async fn set_centre_staff(
        &self,
        request: Request<pb::SetCentreStaffRequest>,
    ) -> Result<Response<pb::EmergencyCentreCommandResponse>, Status> {
        self.require_index()?;
        command_on_named(self.centres(), request, |violations, body| {
            if body.staff_ids.len() > MAX_STAFF {
                violations.add("staff_ids", format!("at most {MAX_STAFF}"));
            } else {
                self.check_persons(violations, "staff_ids", &body.staff_ids);
            }
            violations.optional_text("command_venue", &body.command_venue, MAX_SHORT_TEXT);
            CentreCommand::SetStaff {
                staff_ids: body.staff_ids.clone(),
                command_venue: body.command_venue.trim().to_string(),
            }
        })
        .await
        .map(respond)
    }

    pub(super) async fn set_centre_roster(
        &self,
        request: Request<pb::SetCentreRosterRequest>,
    ) -> Result<Response<pb::EmergencyCentreCommandResponse>, Status> {
        command_on_named(self.centres(), request, |violations, body| {
            if body.days.is_empty() || body.days.len() > MAX_ROSTER_DAYS {
                violations.add("days", format!("1 to {MAX_ROSTER_DAYS} days"));
            }
            for (position, entry) in body.days.iter().enumerate().take(MAX_ROSTER_DAYS) {
                violations.date(&format!("days[{position}].day"), entry.day.as_ref());
                violations.identifier(&format!("days[{position}].person_id"), &entry.person_id);
            }
            CentreCommand::SetRoster(body.days.clone())
        })
        .await
        .map(respond)
    }

    pub(super) async fn record_centre_equipment(
        &self,
        request: Request<pb::RecordCentreEquipmentRequest>,
    ) -> Result<Response<pb::EmergencyCentreCommandResponse>, Status> {
        command_on_named(self.centres(), request, |violations, body| {
            if body.equipment.len() > MAX_EQUIPMENT {
                violations.add("equipment", format!("at most {MAX_EQUIPMENT} lines"));
            }
            for (position, item) in body.equipment.iter().enumerate().take(MAX_EQUIPMENT) {
                let field = format!("equipment[{position}]");
                violations.identifier(&format!("{field}.code"), &item.code);
                if item.quantity > MAX_QUANTITY {
                    violations.add(
                        format!("{field}.quantity"),
                        format!("at most {MAX_QUANTITY}"),
                    );
                }
                if body.equipment[..position]
                    .iter()
                    .any(|earlier| earlier.code == item.code)
                {
                    violations.add(format!("{field}.code"), "listed twice");
                }
            }
            CentreCommand::RecordEquipment(body.equipment.clone())
        })
        .await
        .map(respond)
    }

    pub(super) async fn record_readiness_check(
        &self,
        request: Request<pb::RecordReadinessCheckRequest>,
    ) -> Result<Response<pb::EmergencyCentreCommandResponse>, Status> {
        command_on_named(self.centres(), request, |violations, body| {
            if body.passed {
                violations.optional_text("findings", &body.findings, MAX_TEXT);
            } else {
                violations.text("findings", &body.findings, MAX_TEXT);
            }
            violations.evidence("evidence", &body.evidence, false);
            CentreCommand::RecordCheck {
                passed: body.passed,
                findings: body.findings.trim().to_string(),
                evidence: body.evidence.clone(),
            }
        })
        .await
        .map(respond)
    }

    pub(super) async fn get_centre(
        &self,
        request: Request<pb::GetEmergencyCentreRequest>,
    ) -> Result<Response<pb::EmergencyCentre>, Status> {
        let fetched = get_named(self.centres(), request).await?;
        fetched.require_district_reader(self.region())?;
        Ok(Response::new(centre(&fetched.state, fetched.version)))
    }
}
