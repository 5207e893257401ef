//! Periodic statistics: what each enterprise submitted, and whether on time.

use chrono::{DateTime, NaiveDate, Utc};
use hl_eventstore::Aggregate;
use hl_proto::hazards::v1::StatisticsPeriodKind;
use hl_readmodel::{Commit, OnConflict, ReadModel, TableSpec, columns, table, write_rows};
use sqlx::AnyConnection;

use crate::domain::statistics::{PeriodicStatistics, PeriodicStatisticsEvent};

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct StatisticsRow {
        pub statistics_id: String,
        pub enterprise_id: String,
        pub kind: StatisticsPeriodKind,
        pub year: i32,
        pub quarter: i32,
        pub due: NaiveDate,
        pub late: bool,
        pub submitted_at: DateTime<Utc>,
        pub recorded_at: DateTime<Utc>,
        pub event_id: String,
    }
}
table!(
    StatisticsRow,
    "periodic_statistics",
    key(statistics_id),
    index(enterprise_id)
);

pub struct StatisticsModel;

impl ReadModel for StatisticsModel {
    type Event = PeriodicStatisticsEvent;
    const CONTEXT: &'static str = crate::domain::CONTEXT;
    const AGGREGATE_TYPE: &'static str = PeriodicStatistics::AGGREGATE_TYPE;

    fn tables(&self) -> Vec<TableSpec> {
        vec![TableSpec::of::<StatisticsRow>()]
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        commits: Vec<Commit<PeriodicStatisticsEvent>>,
    ) -> Result<(), sqlx::Error> {
        let rows: Vec<StatisticsRow> = commits
            .iter()
            .flat_map(|commit| &commit.events)
            .map(|(event, meta)| {
                let PeriodicStatisticsEvent::Submitted(submitted) = event;
                StatisticsRow {
                    statistics_id: submitted.statistics_id.clone(),
                    enterprise_id: submitted.enterprise_id.clone(),
                    kind: submitted.period_kind(),
                    year: submitted.year,
                    quarter: submitted.quarter,
                    due: submitted
                        .due
                        .and_then(|date| date.to_naive())
                        .unwrap_or_default(),
                    late: submitted.late,
                    submitted_at: meta.occurred_at,
                    recorded_at: meta.recorded_at,
                    event_id: meta.event_id.clone(),
                }
            })
            .collect();
        write_rows(connection, generation, &rows, OnConflict::Keep).await
    }
}
