//! Case-file reviews (案卷评查) by year, each with its drawn files and their grades.

use hl_eventstore::EventMeta;
use hl_proto::enforcement::v1::ReviewStatus;
use hl_readmodel::{Json, StateRow, columns, table};

use crate::domain::case_review::CaseFileReview;

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct ReviewRow {
        pub review_id: String,
        pub year: i32,
        pub status: ReviewStatus,
        pub state: Json<CaseFileReview>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(ReviewRow, "case_file_reviews", key(review_id), index(year));

impl StateRow for ReviewRow {
    type State = CaseFileReview;

    fn state_mut(&mut self) -> &mut CaseFileReview {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        let state = &self.state.0;
        self.review_id = state.review_id.clone();
        self.year = state.year;
        self.status = state.status;
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}
