//! Penalty cases with their clocks. The clock is kept as recorded and read as of the day asked
//! about, so "days left" and "overdue" are never stale.

use hl_eventstore::EventMeta;
use hl_proto::enforcement::v1::CaseStatus;
use hl_readmodel::{Json, StateRow, columns, table};

use crate::domain::penalty_case::PenaltyCase;

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct CaseRow {
        pub case_id: String,
        pub enterprise_id: String,
        pub township_code: String,
        pub status: CaseStatus,
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

impl StateRow for CaseRow {
    type State = PenaltyCase;

    fn state_mut(&mut self) -> &mut PenaltyCase {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        let state = &self.state.0;
        self.case_id = state.case_id.clone();
        self.enterprise_id = state.enterprise_id.clone();
        self.township_code = state.township_code.clone();
        self.status = state.status;
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}
