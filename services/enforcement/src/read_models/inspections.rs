//! Inspections, by enterprise, township and officer, with their findings.

use chrono::NaiveDate;
use hl_eventstore::Aggregate;
use hl_proto::enforcement::v1::{InspectionStatus, InspectionType};
use hl_readmodel::{Commit, Json, ReadModel, TableSpec, columns, fold_rows, table};
use sqlx::AnyConnection;

use crate::domain::inspection::{Inspection, InspectionEvent};

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
        pub findings: u32,
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

pub struct InspectionModel;

impl ReadModel for InspectionModel {
    type Event = InspectionEvent;
    const CONTEXT: &'static str = crate::domain::CONTEXT;
    const AGGREGATE_TYPE: &'static str = Inspection::AGGREGATE_TYPE;

    fn tables(&self) -> Vec<TableSpec> {
        vec![TableSpec::of::<InspectionRow>()]
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        commits: Vec<Commit<InspectionEvent>>,
    ) -> Result<(), sqlx::Error> {
        fold_rows(
            connection,
            generation,
            &commits,
            |row: &mut InspectionRow, event, meta, _| {
                row.state.0.apply(event, meta);
                let state = &row.state.0;
                row.inspection_id = state.inspection_id.clone();
                row.enterprise_id = state.enterprise_id.clone();
                row.township_code = state.township_code.clone();
                row.inspection_type = state.inspection_type;
                row.status = state.status;
                row.scheduled_on = state.scheduled_on;
                row.officer_ids = state.officer_ids.clone();
                row.findings = state.findings.len() as u32;
                row.version = meta.aggregate_version;
                row.event_id = meta.event_id.clone();
            },
        )
        .await
        .map(drop)
    }
}
