//! The directory's read model: each enterprise's state, and the periods over which nothing about
//! it changed, so a query joins a record (a hazard on its day) to the enterprise's township,
//! industries and grid cell on that day.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use hl_eventstore::Aggregate;
use hl_proto::responsibility::v1::{EnterpriseStatus, RiskColour, SelfCheckFrequency};
use hl_readmodel::{
    Commit, Json, OnConflict, ReadModel, TableSpec, columns, delete_where_in, rows_where_in, table,
    write_rows,
};
use sqlx::AnyConnection;

use crate::enterprise::{Enterprise, EnterpriseEvent};

/// The last day of the open-ended period.
pub fn end_of_time() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).expect("a real day")
}

columns! {
    /// An enterprise's whole state, to fold the next event into.
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct EnterpriseStateRow {
        pub enterprise_id: String,
        pub state: Json<Enterprise>,
        pub version: u64,
    }
}
table!(EnterpriseStateRow, "enterprise_states", key(enterprise_id));

columns! {
    /// An enterprise's registry details over one period of days.
    #[derive(Clone, Debug, PartialEq)]
    pub struct EnterprisePeriodRow {
        pub enterprise_id: String,
        pub valid_from: NaiveDate,
        /// Exclusive.
        pub valid_to: NaiveDate,
        pub display_name: String,
        pub township_code: String,
        pub village_code: String,
        pub grid_cell_id: String,
        /// ",4,1,": one industry is found with LIKE '%,4,%'.
        pub industries: String,
        pub risk_colour: RiskColour,
        pub status: EnterpriseStatus,
        pub self_check_required: bool,
        pub self_check_frequency: SelfCheckFrequency,
    }
}
table!(
    EnterprisePeriodRow,
    "enterprise_periods",
    key(enterprise_id, valid_from),
    // These two cover the join of a hazard to its enterprise's township on its day, from either
    // side (see the projections' list of a township's hazards).
    index(township_code, valid_from, enterprise_id, valid_to),
    index(enterprise_id, valid_from, valid_to, township_code),
    index(valid_from),
);

impl EnterprisePeriodRow {
    /// The industries as codes.
    pub fn industry_codes(&self) -> Vec<i32> {
        industry_codes(&self.industries)
    }

    /// Registered or active, and required to self-check.
    pub fn must_self_check(&self) -> bool {
        matches!(
            self.status,
            EnterpriseStatus::Registered | EnterpriseStatus::Active
        ) && self.self_check_required
    }
}

/// The codes of an industries column.
pub fn industry_codes(text: &str) -> Vec<i32> {
    text.split(',')
        .filter_map(|part| part.parse().ok())
        .collect()
}

/// The periods over which nothing about the enterprise changed: a new period begins on every
/// effective date of a change of details or status.
pub fn enterprise_periods(enterprise: &Enterprise) -> Vec<EnterprisePeriodRow> {
    let starts: Vec<NaiveDate> = enterprise
        .versions
        .iter()
        .map(|version| version.effective_from)
        .chain(
            enterprise
                .statuses
                .iter()
                .map(|status| status.effective_from),
        )
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(index, start)| {
            let details = enterprise.details_as_of(*start);
            let industries: Vec<String> = details
                .industries
                .iter()
                .map(|industry| industry.to_string())
                .collect();
            EnterprisePeriodRow {
                enterprise_id: enterprise.enterprise_id.clone(),
                valid_from: *start,
                valid_to: starts.get(index + 1).copied().unwrap_or_else(end_of_time),
                display_name: details.display_name.clone(),
                township_code: details.township_code.clone(),
                village_code: details.village_code.clone(),
                grid_cell_id: details.grid_cell_id.clone(),
                industries: format!(",{},", industries.join(",")),
                risk_colour: details.risk_colour(),
                status: enterprise.status_as_of(*start),
                self_check_required: details.self_check_required,
                self_check_frequency: details.self_check_frequency(),
            }
        })
        .collect()
}

/// Enterprises and their periods.
pub struct EnterpriseModel;

impl ReadModel for EnterpriseModel {
    type Event = EnterpriseEvent;
    const CONTEXT: &'static str = crate::CONTEXT;
    const AGGREGATE_TYPE: &'static str = Enterprise::AGGREGATE_TYPE;

    fn tables(&self) -> Vec<TableSpec> {
        vec![
            TableSpec::of::<EnterpriseStateRow>(),
            TableSpec::of::<EnterprisePeriodRow>(),
        ]
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        commits: Vec<Commit<EnterpriseEvent>>,
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<String> = commits
            .iter()
            .map(|commit| commit.aggregate_id().to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut states: HashMap<String, EnterpriseStateRow> =
            rows_where_in::<EnterpriseStateRow>(connection, generation, "enterprise_id", &ids)
                .await?
                .into_iter()
                .map(|row| (row.enterprise_id.clone(), row))
                .collect();
        for commit in &commits {
            for (event, meta) in &commit.events {
                let row = states.entry(meta.aggregate_id.clone()).or_default();
                if meta.aggregate_version <= row.version {
                    continue;
                }
                row.enterprise_id = meta.aggregate_id.clone();
                row.state.0.apply(event, meta);
                row.version = meta.aggregate_version;
            }
        }
        let states: Vec<EnterpriseStateRow> = states.into_values().collect();
        let periods: Vec<EnterprisePeriodRow> = states
            .iter()
            .flat_map(|row| enterprise_periods(&row.state.0))
            .collect();
        write_rows(connection, generation, &states, OnConflict::Replace).await?;
        delete_where_in::<EnterprisePeriodRow>(connection, generation, "enterprise_id", &ids)
            .await?;
        write_rows(connection, generation, &periods, OnConflict::Keep).await
    }
}

#[cfg(test)]
mod tests {
    use hl_domain::access::test_actors::*;
    use hl_eventstore::EventMeta;
    use hl_proto::common::v1::Date;
    use hl_proto::responsibility::v1 as registry;

    use super::*;

    #[test]
    fn enterprise_periods_start_at_every_change() {
        let mut enterprise = Enterprise::default();
        let registered = EnterpriseEvent::Registered(registry::EnterpriseRegistered {
            enterprise_id: ENTERPRISE.into(),
            details: Some(registry::EnterpriseDetails {
                township_code: "330903001".into(),
                industries: vec![4, 1],
                ..Default::default()
            }),
            effective_from: Some(Date {
                year: 2023,
                month: 1,
                day: 1,
            }),
        });
        let moved = EnterpriseEvent::DetailsChanged(registry::EnterpriseDetailsChanged {
            enterprise_id: ENTERPRISE.into(),
            details: Some(registry::EnterpriseDetails {
                township_code: "330903002".into(),
                ..Default::default()
            }),
            changed_fields: vec!["township_code".into()],
            effective_from: Some(Date {
                year: 2023,
                month: 6,
                day: 1,
            }),
        });
        let at = chrono::DateTime::parse_from_rfc3339("2023-07-01T00:00:00Z")
            .unwrap()
            .to_utc();
        for event in [registered, moved] {
            enterprise.apply(&event, &EventMeta::at(at, administrator()));
        }
        let periods = enterprise_periods(&enterprise);
        let day = |text| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        assert_eq!(periods.len(), 2);
        assert_eq!(
            (
                periods[0].valid_from,
                periods[0].valid_to,
                periods[0].township_code.as_str()
            ),
            (day("2023-01-01"), day("2023-06-01"), "330903001")
        );
        assert_eq!(
            (periods[1].valid_to, periods[1].township_code.as_str()),
            (end_of_time(), "330903002")
        );
        assert_eq!(periods[1].industries, ",4,1,");
        assert_eq!(periods[1].industry_codes(), [4, 1]);
    }
}
