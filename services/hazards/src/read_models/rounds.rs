//! Self-check rounds: the enterprise ledger's rounds and zero-findings statements.

use chrono::{DateTime, NaiveDate, Utc};
use hl_eventstore::Aggregate;
use hl_proto::hazards::v1::SelfCheckRoundStatus;
use hl_readmodel::{Commit, ReadModel, TableSpec, columns, fold_rows, table};
use sqlx::AnyConnection;

use crate::domain::self_check::{SelfCheckRound, SelfCheckRoundEvent};

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct RoundRow {
        pub round_id: String,
        pub enterprise_id: String,
        pub period_start: NaiveDate,
        pub period_end: NaiveDate,
        pub status: SelfCheckRoundStatus,
        pub zero_findings: bool,
        pub finding_count: u32,
        pub opened_at: DateTime<Utc>,
        /// When the opening was recorded.
        pub opened_recorded_at: DateTime<Utc>,
        /// When the round was submitted (business time).
        pub submitted_at: Option<DateTime<Utc>>,
        /// When the submission was recorded.
        pub submission_recorded_at: Option<DateTime<Utc>>,
        pub event_id: String,
    }
}
table!(
    RoundRow,
    "self_check_rounds",
    key(round_id),
    index(enterprise_id)
);

impl RoundRow {
    /// Submitted, and known to have been by `as_of` (business time) and `known_at` (recording
    /// time).
    pub fn submitted_by(&self, as_of: DateTime<Utc>, known_at: DateTime<Utc>) -> bool {
        self.submitted_at.is_some_and(|at| at <= as_of)
            && self
                .submission_recorded_at
                .is_some_and(|recorded| recorded <= known_at)
    }

    /// The round as it stood at `as_of`, as the ledger knew it at `known_at`; None when it was
    /// not yet opened or not yet recorded.
    pub fn as_known(&self, as_of: DateTime<Utc>, known_at: DateTime<Utc>) -> Option<RoundRow> {
        if self.opened_at > as_of || self.opened_recorded_at > known_at {
            return None;
        }
        let mut round = self.clone();
        if !self.submitted_by(as_of, known_at) {
            round.status = SelfCheckRoundStatus::Open;
            round.zero_findings = false;
            round.submitted_at = None;
            round.submission_recorded_at = None;
        }
        Some(round)
    }

    /// Whether its period overlaps the days from `start` to `end`.
    pub fn overlaps(&self, start: NaiveDate, end: NaiveDate) -> bool {
        self.period_start <= end && self.period_end >= start
    }
}

pub struct RoundModel;

impl ReadModel for RoundModel {
    type Event = SelfCheckRoundEvent;
    const CONTEXT: &'static str = crate::domain::CONTEXT;
    const AGGREGATE_TYPE: &'static str = SelfCheckRound::AGGREGATE_TYPE;

    fn tables(&self) -> Vec<TableSpec> {
        vec![TableSpec::of::<RoundRow>()]
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        commits: Vec<Commit<SelfCheckRoundEvent>>,
    ) -> Result<(), sqlx::Error> {
        fold_rows(
            connection,
            generation,
            &commits,
            |row: &mut RoundRow, event, meta, _| {
                match event {
                    SelfCheckRoundEvent::Opened(opened) => {
                        *row = RoundRow {
                            round_id: opened.round_id.clone(),
                            enterprise_id: opened.enterprise_id.clone(),
                            period_start: opened
                                .period_start
                                .and_then(|date| date.to_naive())
                                .unwrap_or_default(),
                            period_end: opened
                                .period_end
                                .and_then(|date| date.to_naive())
                                .unwrap_or_default(),
                            status: SelfCheckRoundStatus::Open,
                            opened_at: meta.occurred_at,
                            opened_recorded_at: meta.recorded_at,
                            ..RoundRow::default()
                        };
                    }
                    SelfCheckRoundEvent::FindingRecorded(_) => row.finding_count += 1,
                    SelfCheckRoundEvent::Submitted(submitted) => {
                        row.status = SelfCheckRoundStatus::Submitted;
                        row.zero_findings = submitted.zero_findings_attested;
                        row.submitted_at = Some(meta.occurred_at);
                        row.submission_recorded_at = Some(meta.recorded_at);
                    }
                    // A review says nothing of the enterprise's own ledger: the round row, which
                    // the reconciliation reads, keeps what the enterprise submitted.
                    SelfCheckRoundEvent::Reviewed(_) => {}
                }
                row.event_id = meta.event_id.clone();
            },
        )
        .await
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn a_round_shows_as_it_stood_and_as_the_ledger_knew_it() {
        let round = RoundRow {
            round_id: "r".into(),
            status: SelfCheckRoundStatus::Submitted,
            zero_findings: true,
            opened_at: at("2023-04-02T00:00:00Z"),
            opened_recorded_at: at("2023-04-03T00:00:00Z"),
            submitted_at: Some(at("2023-06-28T00:00:00Z")),
            submission_recorded_at: Some(at("2023-07-02T00:00:00Z")),
            ..RoundRow::default()
        };
        let later = at("2023-12-31T00:00:00Z");
        assert!(
            round.as_known(at("2023-04-01T00:00:00Z"), later).is_none(),
            "not yet opened"
        );
        assert!(
            round.as_known(later, at("2023-04-02T12:00:00Z")).is_none(),
            "not yet recorded"
        );
        let before_the_submission_was_entered =
            round.as_known(later, at("2023-07-01T00:00:00Z")).unwrap();
        assert_eq!(
            before_the_submission_was_entered.status,
            SelfCheckRoundStatus::Open
        );
        assert!(!before_the_submission_was_entered.zero_findings);
        assert_eq!(round.as_known(later, later).unwrap(), round);
    }
}
