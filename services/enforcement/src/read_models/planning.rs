//! Classifications by enterprise and year, and the annual inspection plans.

use hl_eventstore::EventMeta;
use hl_proto::enforcement::v1::{PlanStatus, SupervisionGrade};
use hl_readmodel::{Json, StateRow, columns, table};

use crate::domain::classification::EnterpriseClassification;
use crate::domain::plan::InspectionPlan;

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct ClassificationRow {
        pub classification_id: String,
        pub enterprise_id: String,
        pub year: i32,
        pub grade: SupervisionGrade,
        pub state: Json<EnterpriseClassification>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(
    ClassificationRow,
    "classifications",
    key(classification_id),
    index(enterprise_id)
);

impl StateRow for ClassificationRow {
    type State = EnterpriseClassification;

    fn state_mut(&mut self) -> &mut EnterpriseClassification {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        let state = &self.state.0;
        self.classification_id = state.classification_id.clone();
        self.enterprise_id = state.enterprise_id.clone();
        self.year = state.year;
        self.grade = state.grade;
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct PlanRow {
        pub plan_id: String,
        pub year: i32,
        pub status: PlanStatus,
        pub state: Json<InspectionPlan>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(PlanRow, "inspection_plans", key(plan_id));

impl StateRow for PlanRow {
    type State = InspectionPlan;

    fn state_mut(&mut self) -> &mut InspectionPlan {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        let state = &self.state.0;
        self.plan_id = state.plan_id.clone();
        self.year = state.year;
        self.status = state.status;
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}
