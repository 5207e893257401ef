//! The plans context's read models: each plan, drill, shelter, rescue team, training campaign,
//! accident, disaster event, five-stop order and key vessel as the domain folds it, with the
//! columns the queries filter on.

use chrono::Datelike;
use hl_domain::clock::local_date;
use hl_eventstore::EventMeta;
use hl_proto::plans::v1::{PlanLayer, PlanStatus};
use hl_readmodel::{Json, Registry, StateModel, StateRow, columns, table};

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

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct EmergencyPlanRow {
        pub plan_id: String,
        pub layer: PlanLayer,
        pub status: PlanStatus,
        pub state: Json<EmergencyPlan>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(EmergencyPlanRow, "emergency_plans", key(plan_id));

impl StateRow for EmergencyPlanRow {
    type State = EmergencyPlan;

    fn state_mut(&mut self) -> &mut EmergencyPlan {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.plan_id = self.state.0.plan_id.clone();
        self.layer = self.state.0.layer;
        self.status = self.state.0.status;
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct DrillRow {
        pub drill_id: String,
        pub state: Json<Drill>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(DrillRow, "drills", key(drill_id));

impl StateRow for DrillRow {
    type State = Drill;

    fn state_mut(&mut self) -> &mut Drill {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.drill_id = self.state.0.drill.drill_id.clone();
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct ShelterRow {
        pub shelter_id: String,
        pub township_code: String,
        pub state: Json<Shelter>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(ShelterRow, "shelters", key(shelter_id));

impl StateRow for ShelterRow {
    type State = Shelter;

    fn state_mut(&mut self) -> &mut Shelter {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.shelter_id = self.state.0.shelter_id.clone();
        self.township_code = self.state.0.township_code.clone();
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct RescueTeamRow {
        pub team_id: String,
        pub township_code: String,
        pub state: Json<RescueTeam>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(RescueTeamRow, "rescue_teams", key(team_id));

impl StateRow for RescueTeamRow {
    type State = RescueTeam;

    fn state_mut(&mut self) -> &mut RescueTeam {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.team_id = self.state.0.team_id.clone();
        self.township_code = self.state.0.township_code.clone();
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct TrainingCampaignRow {
        pub campaign_id: String,
        pub year: i32,
        pub state: Json<TrainingCampaign>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(TrainingCampaignRow, "training_campaigns", key(campaign_id));

impl StateRow for TrainingCampaignRow {
    type State = TrainingCampaign;

    fn state_mut(&mut self) -> &mut TrainingCampaign {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.campaign_id = self.state.0.campaign_id.clone();
        self.year = self.state.0.year;
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct AccidentRow {
        pub accident_id: String,
        /// The year it happened in, Asia/Shanghai.
        pub year: i32,
        pub township_code: String,
        pub state: Json<Accident>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(AccidentRow, "accidents", key(accident_id));

impl StateRow for AccidentRow {
    type State = Accident;

    fn state_mut(&mut self) -> &mut Accident {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        let accident = &self.state.0;
        self.accident_id = accident.accident_id.clone();
        self.year = local_date(accident.happened_at).year();
        self.township_code = accident.township_code.clone();
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct DisasterEventRow {
        pub disaster_event_id: String,
        pub state: Json<DisasterEvent>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(DisasterEventRow, "disaster_events", key(disaster_event_id));

impl StateRow for DisasterEventRow {
    type State = DisasterEvent;

    fn state_mut(&mut self) -> &mut DisasterEvent {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.disaster_event_id = self.state.0.disaster_event_id.clone();
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct FiveStopOrderRow {
        pub order_id: String,
        /// The disaster event it was issued under.
        pub disaster_event_id: String,
        pub state: Json<FiveStopOrder>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(FiveStopOrderRow, "five_stop_orders", key(order_id));

impl StateRow for FiveStopOrderRow {
    type State = FiveStopOrder;

    fn state_mut(&mut self) -> &mut FiveStopOrder {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.order_id = self.state.0.order_id.clone();
        self.disaster_event_id = self.state.0.disaster_event_id.clone();
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct KeyVesselRow {
        pub vessel_id: String,
        pub township_code: String,
        pub state: Json<KeyVessel>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(KeyVesselRow, "key_vessels", key(vessel_id));

impl StateRow for KeyVesselRow {
    type State = KeyVessel;

    fn state_mut(&mut self) -> &mut KeyVessel {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.vessel_id = self.state.0.vessel_id.clone();
        self.township_code = self.state.0.township_code.clone();
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct AnnualGdpRow {
        /// The year, as the aggregate's id.
        pub gdp_id: String,
        pub year: i32,
        pub state: Json<AnnualGdp>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(AnnualGdpRow, "annual_gdp", key(gdp_id));

impl StateRow for AnnualGdpRow {
    type State = AnnualGdp;

    fn state_mut(&mut self) -> &mut AnnualGdp {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.gdp_id = self.state.0.year.to_string();
        self.year = self.state.0.year;
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct CommandReadinessRow {
        pub township_code: String,
        pub state: Json<CommandReadiness>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(CommandReadinessRow, "command_readiness", key(township_code));

impl StateRow for CommandReadinessRow {
    type State = CommandReadiness;

    fn state_mut(&mut self) -> &mut CommandReadiness {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.township_code = self.state.0.township_code.clone();
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

/// Adds this context's read models to the projector's registry.
pub fn register(registry: &mut Registry) {
    registry
        .add(StateModel::<EmergencyPlanRow>::new())
        .add(StateModel::<DrillRow>::new())
        .add(StateModel::<ShelterRow>::new())
        .add(StateModel::<RescueTeamRow>::new())
        .add(StateModel::<TrainingCampaignRow>::new())
        .add(StateModel::<AccidentRow>::new())
        .add(StateModel::<DisasterEventRow>::new())
        .add(StateModel::<FiveStopOrderRow>::new())
        .add(StateModel::<KeyVesselRow>::new())
        .add(StateModel::<AnnualGdpRow>::new())
        .add(StateModel::<CommandReadinessRow>::new())
        // A registration number's claim is read on the write side only; its events are checked.
        .check_only::<hl_proto::plans_events::VesselNumberEvent>(
            crate::domain::CONTEXT,
            <crate::domain::vessel_number::VesselNumber as hl_eventstore::Aggregate>::AGGREGATE_TYPE,
        );
}
