//! The PeriodicStatistics aggregate: an enterprise's quarterly or annual hazard statistics,
//! signed by its principal (16号令 Art. 14), due by the 15th of the next quarter or by 31 January.
//! Submitted once; a late submission is recorded as late.

use chrono::{Datelike, NaiveDate};
use hl_directory::Standing;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::StatisticsPeriodKind;
use serde::{Deserialize, Serialize};

use super::access::require_the_enterprise;
use super::clock::local_date;
use super::{DomainError, decision, rules};

pub use hl_proto::hazard_events::PeriodicStatisticsEvent;

/// The period statistics cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatisticsPeriod {
    Quarter { year: i32, quarter: u32 },
    Year { year: i32 },
}

impl StatisticsPeriod {
    /// The aggregate id: "{enterprise}-2023Q1" or "{enterprise}-2023".
    pub fn statistics_id(&self, enterprise_id: &str) -> String {
        match self {
            StatisticsPeriod::Quarter { year, quarter } => {
                format!("{enterprise_id}-{year}Q{quarter}")
            }
            StatisticsPeriod::Year { year } => format!("{enterprise_id}-{year}"),
        }
    }

    /// The last day the period covers.
    pub fn last_day(&self) -> NaiveDate {
        let (year, month) = match *self {
            StatisticsPeriod::Quarter { year, quarter } => (year, quarter * 3),
            StatisticsPeriod::Year { year } => (year, 12),
        };
        first_of_next_month(year, month)
            .pred_opt()
            .expect("a day before")
    }

    /// The day the statistics are due, under the given rule version.
    pub fn due(&self, rules: &rules::HazardRules) -> NaiveDate {
        match *self {
            StatisticsPeriod::Quarter { .. } => {
                let next = self.last_day().succ_opt().expect("a next day");
                NaiveDate::from_ymd_opt(
                    next.year(),
                    next.month(),
                    rules.quarterly_statistics_due_day,
                )
                .expect("a real due day")
            }
            StatisticsPeriod::Year { year } => {
                let (month, day) = rules.annual_statistics_due;
                NaiveDate::from_ymd_opt(year + 1, month, day).expect("a real due day")
            }
        }
    }
}

fn first_of_next_month(year: i32, month: u32) -> NaiveDate {
    if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("a real month")
}

#[derive(Clone, Debug, PartialEq)]
pub struct SubmitStatistics {
    pub enterprise_id: String,
    /// What the registry says of the enterprise today.
    pub enterprise: Standing,
    pub period: StatisticsPeriod,
    pub general_found: u32,
    pub major_found: u32,
    pub rectified: u32,
    pub analysis: String,
    pub signed_by_principal: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeriodicStatistics {
    pub submitted_event: Option<pb::PeriodicStatisticsSubmitted>,
    pub submitted: Option<pb::Decision>,
}

impl Aggregate for PeriodicStatistics {
    type Event = PeriodicStatisticsEvent;
    type Command = SubmitStatistics;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "periodic_statistics";
    const COLLECTION: &'static str = "periodicStatistics";

    /// Another enterprise does not learn whether this enterprise's statistics exist.
    fn known_to(&self, actor: &hl_proto::common::v1::Actor) -> bool {
        self.submitted_event
            .as_ref()
            .is_none_or(|submitted| hl_domain::access::may_know_of(actor, &submitted.enterprise_id))
    }

    /// Statistics are submitted once and signed; a second submission is ALREADY_EXISTS.
    fn expects(_command: &SubmitStatistics) -> Expects {
        Expects::New
    }

    fn decide(
        &self,
        command: &SubmitStatistics,
        context: &CommandContext,
    ) -> Result<Vec<PeriodicStatisticsEvent>, DomainError> {
        require_the_enterprise(
            &context.actor,
            &command.enterprise_id,
            "submit its periodic statistics",
        )?;
        command.enterprise.require_open()?;
        if command.major_found + command.general_found < command.rectified {
            return Err(DomainError::invalid(
                "rectified",
                "cannot exceed the hazards found in the period",
            ));
        }
        let today = local_date(context.occurred_at);
        if today <= command.period.last_day() {
            return Err(DomainError::precondition(
                reasons::STATISTICS_PERIOD_NOT_ENDED,
                format!("the period ends on {}", command.period.last_day()),
            ));
        }
        let rules = rules::HAZARDS.in_force(command.period.last_day());
        let due = command.period.due(&rules.rules);
        let (kind, year, quarter) = match command.period {
            StatisticsPeriod::Quarter { year, quarter } => {
                (StatisticsPeriodKind::Quarter, year, quarter as i32)
            }
            StatisticsPeriod::Year { year } => (StatisticsPeriodKind::Year, year, 0),
        };
        Ok(vec![PeriodicStatisticsEvent::Submitted(
            pb::PeriodicStatisticsSubmitted {
                statistics_id: context.aggregate_id.clone(),
                enterprise_id: command.enterprise_id.clone(),
                period_kind: kind as i32,
                year,
                quarter,
                general_found: command.general_found,
                major_found: command.major_found,
                rectified: command.rectified,
                analysis: command.analysis.clone(),
                signed_by_principal: command.signed_by_principal.clone(),
                due: Some(due.into()),
                late: today > due,
            },
        )])
    }

    fn apply(&mut self, event: &PeriodicStatisticsEvent, meta: &EventMeta) {
        let PeriodicStatisticsEvent::Submitted(submitted) = event;
        self.submitted_event = Some(submitted.clone());
        self.submitted = Some(decision(meta, "", &[]));
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use hl_eventstore::Given;

    use super::*;
    use crate::domain::access::test_actors::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn submit(period: StatisticsPeriod) -> SubmitStatistics {
        SubmitStatistics {
            enterprise_id: ENTERPRISE.into(),
            enterprise: Standing::registered(ENTERPRISE, Default::default()),
            period,
            general_found: 3,
            major_found: 1,
            rectified: 4,
            analysis: "valves and wiring".into(),
            signed_by_principal: "Chen".into(),
        }
    }

    fn decide(
        statistics: &Given<PeriodicStatistics>,
        command: &SubmitStatistics,
        when: &str,
        actor: hl_proto::common::v1::Actor,
    ) -> Result<Vec<PeriodicStatisticsEvent>, DomainError> {
        statistics.when(command, &actor, at(when))
    }

    fn submitted(events: Vec<PeriodicStatisticsEvent>) -> pb::PeriodicStatisticsSubmitted {
        let PeriodicStatisticsEvent::Submitted(submitted) = events.into_iter().next().unwrap();
        submitted
    }

    #[test]
    fn quarterly_statistics_are_due_on_the_fifteenth_of_the_next_quarter() {
        let first = StatisticsPeriod::Quarter {
            year: 2023,
            quarter: 1,
        };
        let on_time = submitted(
            decide(
                &Given::new("s-1"),
                &submit(first),
                "2023-04-14T02:00:00Z",
                enterprise(),
            )
            .unwrap(),
        );
        assert_eq!(
            on_time.due.unwrap().to_naive(),
            NaiveDate::from_ymd_opt(2023, 4, 15)
        );
        assert!(!on_time.late);
        let late = submitted(
            decide(
                &Given::new("s-1"),
                &submit(first),
                "2023-04-16T02:00:00Z",
                enterprise(),
            )
            .unwrap(),
        );
        assert!(late.late);
        let fourth = StatisticsPeriod::Quarter {
            year: 2023,
            quarter: 4,
        };
        assert_eq!(
            fourth.due(&rules::HAZARDS.in_force(fourth.last_day()).rules),
            NaiveDate::from_ymd_opt(2024, 1, 15).unwrap()
        );
    }

    #[test]
    fn annual_statistics_are_due_by_the_thirty_first_of_january() {
        let year = StatisticsPeriod::Year { year: 2023 };
        assert_eq!(year.statistics_id(ENTERPRISE), format!("{ENTERPRISE}-2023"));
        let statistics = submitted(
            decide(
                &Given::new("s-1"),
                &submit(year),
                "2024-02-01T02:00:00Z",
                enterprise(),
            )
            .unwrap(),
        );
        assert_eq!(
            statistics.due.unwrap().to_naive(),
            NaiveDate::from_ymd_opt(2024, 1, 31)
        );
        assert!(statistics.late);
    }

    #[test]
    fn statistics_are_refused_early_twice_inconsistent_or_for_others() {
        let first = StatisticsPeriod::Quarter {
            year: 2023,
            quarter: 1,
        };
        let empty = Given::<PeriodicStatistics>::new("s-1");
        assert_eq!(
            decide(&empty, &submit(first), "2023-03-31T02:00:00Z", enterprise())
                .unwrap_err()
                .reason(),
            "STATISTICS_PERIOD_NOT_ENDED"
        );
        assert_eq!(
            decide(&empty, &submit(first), "2023-04-02T02:00:00Z", inspector())
                .unwrap_err()
                .reason(),
            "ENTERPRISE_ONLY"
        );
        let mut inconsistent = submit(first);
        inconsistent.rectified = 9;
        assert_eq!(
            decide(&empty, &inconsistent, "2023-04-02T02:00:00Z", enterprise())
                .unwrap_err()
                .reason(),
            "INVALID_ARGUMENT"
        );
        let done = empty.given(&submit(first), &enterprise(), at("2023-04-02T02:00:00Z"));
        assert_eq!(
            decide(&done, &submit(first), "2023-04-03T02:00:00Z", enterprise())
                .unwrap_err()
                .reason(),
            "ALREADY_EXISTS"
        );
    }
}
