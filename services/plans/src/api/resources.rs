//! State → resource.

use hl_proto::plans::v1 as pb;
use hl_runtime::pipeline::Committed;
use tonic::Response;

use crate::domain::accident::Accident;
use crate::domain::command_readiness::CommandReadiness;
use crate::domain::disaster_event::DisasterEvent;
use crate::domain::drill::Drill;
use crate::domain::five_stop::FiveStopOrder;
use crate::domain::gdp::AnnualGdp;
use crate::domain::key_vessel::KeyVessel;
use crate::domain::plan::EmergencyPlan;
use crate::domain::rescue_team::RescueTeam;
use crate::domain::shelter::Shelter;
use crate::domain::training::TrainingCampaign;

pub fn plan(state: &EmergencyPlan, version: u64) -> pb::EmergencyPlan {
    pb::EmergencyPlan {
        name: format!("emergencyPlans/{}", state.plan_id),
        plan_id: state.plan_id.clone(),
        region: state.region.clone(),
        layer: state.layer as i32,
        title: state.title.clone(),
        owner_unit_id: state.owner_unit_id.clone(),
        parent_plan_id: state.parent_plan_id.clone(),
        status: state.status as i32,
        active_version: state.active_version,
        versions: state.versions.clone(),
        last_evaluated_on: state.last_evaluated_on.map(Into::into),
        next_evaluation_due: state.next_evaluation_due.map(Into::into),
        version,
    }
}

pub fn drill(state: &Drill, version: u64) -> pb::Drill {
    pb::Drill {
        name: format!("drills/{}", state.drill.drill_id),
        version,
        ..state.drill.clone()
    }
}

pub fn respond_plan(committed: Committed<EmergencyPlan>) -> Response<pb::PlanCommandResponse> {
    Response::new(pb::PlanCommandResponse {
        plan: Some(plan(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn respond_drill(committed: Committed<Drill>) -> Response<pb::DrillCommandResponse> {
    Response::new(pb::DrillCommandResponse {
        drill: Some(drill(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn shelter(state: &Shelter, version: u64) -> pb::Shelter {
    pb::Shelter {
        name: format!("shelters/{}", state.shelter_id),
        shelter_id: state.shelter_id.clone(),
        title: state.title.clone(),
        level: state.level as i32,
        township_code: state.township_code.clone(),
        location: state.location.clone(),
        capacity: state.capacity,
        certified_on: state.certified_on.map(Into::into),
        certificate: state.certificate.clone(),
        open: state.open,
        opened_for: state.opened_for.clone(),
        occupancy: state.occupancy.clone(),
        version,
    }
}

pub fn respond_shelter(committed: Committed<Shelter>) -> Response<pb::ShelterCommandResponse> {
    Response::new(pb::ShelterCommandResponse {
        shelter: Some(shelter(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn team(state: &RescueTeam, version: u64) -> pb::RescueTeam {
    pb::RescueTeam {
        name: format!("rescueTeams/{}", state.team_id),
        team_id: state.team_id.clone(),
        title: state.title.clone(),
        level: state.level as i32,
        kind: state.kind as i32,
        township_code: state.township_code.clone(),
        enterprise_id: state.enterprise_id.clone(),
        established_on: state.established_on.map(Into::into),
        person_ids: state.person_ids.clone(),
        equipment: state.equipment.clone(),
        trainings: state.trainings.clone(),
        ready: state.ready,
        readiness_note: state.readiness_note.clone(),
        readiness_checked_on: state.readiness_checked_on.map(Into::into),
        disbanded_on: state.disbanded_on.map(Into::into),
        version,
    }
}

pub fn respond_team(committed: Committed<RescueTeam>) -> Response<pb::RescueTeamCommandResponse> {
    Response::new(pb::RescueTeamCommandResponse {
        team: Some(team(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn campaign(state: &TrainingCampaign, version: u64) -> pb::TrainingCampaign {
    pb::TrainingCampaign {
        name: format!("trainingCampaigns/{}", state.campaign_id),
        campaign_id: state.campaign_id.clone(),
        title: state.title.clone(),
        year: state.year,
        target: state.target,
        sessions: state.sessions.clone(),
        trained: state.trainees.len() as u32,
        version,
    }
}

pub fn respond_campaign(
    committed: Committed<TrainingCampaign>,
) -> Response<pb::TrainingCampaignCommandResponse> {
    Response::new(pb::TrainingCampaignCommandResponse {
        campaign: Some(campaign(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn accident(state: &Accident, version: u64) -> pb::Accident {
    pb::Accident {
        name: format!("accidents/{}", state.accident_id),
        accident_id: state.accident_id.clone(),
        title: state.title.clone(),
        happened_at: Some(hl_proto::timestamp(state.happened_at)),
        township_code: state.township_code.clone(),
        place: state.place.clone(),
        enterprise_id: state.enterprise_id.clone(),
        hazards: state.hazards.clone(),
        figures: Some(state.figures),
        grade: state.grade as i32,
        rule_version: state.rule_version.clone(),
        first_reported: Some(state.first_reported),
        revisions: state.revisions.clone(),
        version,
    }
}

pub fn respond_accident(committed: Committed<Accident>) -> Response<pb::AccidentCommandResponse> {
    Response::new(pb::AccidentCommandResponse {
        accident: Some(accident(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn disaster_event(state: &DisasterEvent, version: u64) -> pb::DisasterEvent {
    let grade = state.forest_fire_grade();
    pb::DisasterEvent {
        name: format!("disasterEvents/{}", state.disaster_event_id),
        disaster_event_id: state.disaster_event_id.clone(),
        kind: state.kind as i32,
        title: state.title.clone(),
        level: state.level as i32,
        timeline: state.timeline.clone(),
        situation_reports: state.situation_reports.clone(),
        involved: state.involved.clone(),
        closed: state.closed_at.is_some(),
        closed_at: state.closed_at.map(hl_proto::timestamp),
        version,
        forest_fire_grade: grade.map_or(0, |(grade, _)| grade as i32),
        grading_rule_version: grade.map(|(_, name)| name.to_string()).unwrap_or_default(),
    }
}

pub fn respond_disaster_event(
    committed: Committed<DisasterEvent>,
) -> Response<pb::DisasterEventCommandResponse> {
    Response::new(pb::DisasterEventCommandResponse {
        disaster_event: Some(disaster_event(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn five_stop_order(state: &FiveStopOrder, version: u64) -> pb::FiveStopOrder {
    pb::FiveStopOrder {
        name: format!("fiveStopOrders/{}", state.order_id),
        order_id: state.order_id.clone(),
        disaster_event: format!("disasterEvents/{}", state.disaster_event_id),
        issued_at_level: state.issued_at_level as i32,
        issuer: state.issuer.clone(),
        document_number: state.document_number.clone(),
        areas: state.areas.clone(),
        measures: state.measures.clone(),
        exemptions: state.exemptions.clone(),
        checks: state.checks.clone(),
        status: state.status as i32,
        issued_at: state.issued_at.map(hl_proto::timestamp),
        lifted_at: state.lifted_at.map(hl_proto::timestamp),
        amendments: state.amendments.clone(),
        version,
    }
}

pub fn respond_five_stop_order(
    committed: Committed<FiveStopOrder>,
) -> Response<pb::FiveStopOrderCommandResponse> {
    Response::new(pb::FiveStopOrderCommandResponse {
        order: Some(five_stop_order(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn key_vessel(state: &KeyVessel, version: u64) -> pb::KeyVessel {
    pb::KeyVessel {
        name: format!("keyVessels/{}", state.vessel_id),
        vessel_id: state.vessel_id.clone(),
        vessel_name: state.vessel_name.clone(),
        registration_number: state.registration_number.clone(),
        kind: state.kind as i32,
        mooring_place: state.mooring_place.clone(),
        township_code: state.township_code.clone(),
        responsible_unit: state.responsible_unit.clone(),
        watches: state.watches.clone(),
        version,
    }
}

pub fn respond_key_vessel(
    committed: Committed<KeyVessel>,
) -> Response<pb::KeyVesselCommandResponse> {
    Response::new(pb::KeyVesselCommandResponse {
        vessel: Some(key_vessel(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn annual_gdp(state: &AnnualGdp, version: u64) -> pb::AnnualGdp {
    let latest = state.entries.last().cloned().unwrap_or_default();
    pb::AnnualGdp {
        name: format!("annualGdp/{}", state.year),
        year: state.year,
        gdp_wan_yuan: latest.gdp_wan_yuan,
        source: latest.source,
        entries: state.entries.clone(),
        version,
    }
}

pub fn respond_annual_gdp(
    committed: Committed<AnnualGdp>,
) -> Response<pb::AnnualGdpCommandResponse> {
    Response::new(pb::AnnualGdpCommandResponse {
        gdp: Some(annual_gdp(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn command_readiness(state: &CommandReadiness, version: u64) -> pb::CommandReadiness {
    pb::CommandReadiness {
        name: format!("commandReadiness/{}", state.township_code),
        township_code: state.township_code.clone(),
        checks: state.checks.clone(),
        version,
    }
}

pub fn respond_command_readiness(
    committed: Committed<CommandReadiness>,
) -> Response<pb::CommandReadinessCommandResponse> {
    Response::new(pb::CommandReadinessCommandResponse {
        readiness: Some(command_readiness(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}
