//! Inspections, by enterprise, township, officer and plan, with their findings.

use chrono::NaiveDate;
use hl_eventstore::EventMeta;
use hl_proto::enforcement::v1::{InspectionStatus, InspectionType};
use hl_readmodel::{Json, StateRow, columns, table};

use crate::domain::inspection::Inspection;

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct InspectionRow {
        pub inspection_id: String,
        pub enterprise_id: String,
        pub township_code: String,
        pub inspection_type: InspectionType,
        pub status: InspectionStatus,
        pub scheduled_on: Option<NaiveDate>,
        pub officer_ids: Vec<String>,
        pub plan_id: String,
        /// The aggregate as the domain folds it.
        pub state: Json<Inspection>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(
    InspectionRow,
    "inspections",
    key(inspection_id),
    index(township_code),
    index(enterprise_id)
);

impl StateRow for InspectionRow {
    type State = Inspection;

    fn state_mut(&mut self) -> &mut Inspection {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        let state = &self.state.0;
        self.inspection_id = state.inspection_id.clone();
        self.enterprise_id = state.enterprise_id.clone();
        self.township_code = state.township_code.clone();
        self.inspection_type = state.inspection_type;
        self.status = state.status;
        self.scheduled_on = state.scheduled_on;
        self.officer_ids = state.officer_ids.clone();
        self.plan_id = state.plan_id.clone();
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}
