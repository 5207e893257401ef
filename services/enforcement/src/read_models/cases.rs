//! Penalty cases with their clocks. The clock is kept as recorded and read as of the day asked
//! about, so "days left" and "overdue" are never stale.

use chrono::NaiveDate;
use hl_eventstore::Aggregate;
use hl_proto::enforcement::v1::{CaseDecision, CaseStatus};
use hl_readmodel::{Commit, Json, ReadModel, TableSpec, columns, fold_rows, table};
use sqlx::AnyConnection;

use crate::domain::penalty_case::{PenaltyCase, PenaltyCaseEvent};

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct CaseRow {
        pub case_id: String,
        pub enterprise_id: String,
        pub township_code: String,
        pub inspection_id: String,
        pub hazard_id: String,
        pub status: CaseStatus,
        pub decision: CaseDecision,
        pub fine_fen: i64,
        pub paid_fen: i64,
        pub filed_on: Option<NaiveDate>,
        /// The aggregate as the domain folds it, its clock included.
        pub state: Json<PenaltyCase>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(
    CaseRow,
    "penalty_cases",
    key(case_id),
    index(township_code),
    index(enterprise_id)
);

impl CaseRow {
    /// Not yet closed: its clock, or its execution, still matters.
    pub fn is_open(&self) -> bool {
        !matches!(self.status, CaseStatus::Closed | CaseStatus::Archived)
    }
}

pub struct CaseModel;

impl ReadModel for CaseModel {
    type Event = PenaltyCaseEvent;
    const CONTEXT: &'static str = crate::domain::CONTEXT;
    const AGGREGATE_TYPE: &'static str = PenaltyCase::AGGREGATE_TYPE;

    fn tables(&self) -> Vec<TableSpec> {
        vec![TableSpec::of::<CaseRow>()]
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        commits: Vec<Commit<PenaltyCaseEvent>>,
    ) -> Result<(), sqlx::Error> {
        fold_rows(
            connection,
            generation,
            &commits,
            |row: &mut CaseRow, event, meta, _| {
                row.state.0.apply(event, meta);
                let state = &row.state.0;
                row.case_id = state.case_id.clone();
                row.enterprise_id = state.enterprise_id.clone();
                row.township_code = state.township_code.clone();
                row.inspection_id = state.inspection_id.clone();
                row.hazard_id = state.hazard_id.clone();
                row.status = state.status;
                row.decision = state.decision;
                row.fine_fen = state.fine_fen;
                row.paid_fen = state.paid_fen;
                row.filed_on = state.clock.started_on;
                row.version = meta.aggregate_version;
                row.event_id = meta.event_id.clone();
            },
        )
        .await
        .map(drop)
    }
}
