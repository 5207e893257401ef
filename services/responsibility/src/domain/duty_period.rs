//! 履责: one person's calendar month of duties. Performances arrive from the other contexts'
//! events through a process manager (an inspection completed counts once for each of its
//! officers at its enterprise, whatever the redeliveries); once the month is over it is closed
//! against what the duty rules expect of the duties the person held, and a month that falls
//! short records a gap naming the person and the missing performances. A performance that
//! arrives after the close is kept, marked late, and does not undo the gap.
//!
//! Besides the monthly duties, a month holds the performances its person owes once by a date in
//! it: the government's review of a self-reported 重大 hazard at an enterprise they answer for,
//! due when the review clock runs out. Only the review itself, on or before that date, meets it.

use chrono::{Datelike, NaiveDate};
use hl_domain::access::{require_bureau, require_government_or_system};
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::registry_events::DutyPeriodEvent;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::ObjectKind;
use serde::{Deserialize, Serialize};

use super::DomainError;
use super::responsibilities::{DUTY_RULES, Held};

/// The aggregate id of a person's month: "{person_id}-{yyyy}-{mm}".
pub fn period_id(person_id: &str, year: i32, month: u32) -> String {
    format!("{person_id}-{year:04}-{month:02}")
}

/// The first and last day of a calendar month.
pub fn month_days(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// One assignment as the close reads it: what was held, where, by whom.
#[derive(Clone, Debug, PartialEq)]
pub struct HeldDuty {
    pub kind: ObjectKind,
    pub object_id: String,
    pub place_code: String,
    pub held: Held,
}

/// What the duty rules expect of a person's assignments in a month: each monthly duty held for
/// at least the rules' minimum days of it.
pub fn expected_of(
    held: &[HeldDuty],
    year: i32,
    month: u32,
) -> (Vec<pb::ExpectedPerformance>, &'static str) {
    let Some((first, last)) = month_days(year, month) else {
        return (Vec::new(), DUTY_RULES.versions[0].name);
    };
    let version = DUTY_RULES.in_force(first);
    let mut expected: Vec<pb::ExpectedPerformance> = Vec::new();
    for assignment in held {
        let from = assignment.held.valid_from.max(first);
        let until = assignment.held.valid_until.unwrap_or(last).min(last);
        let days = (until - from).num_days() + 1;
        if days < i64::from(version.rules.min_days_held) {
            continue;
        }
        for monthly in version.rules.monthly {
            if monthly.kind != assignment.kind || !assignment.held.duties.contains(&monthly.duty) {
                continue;
            }
            let known = expected.iter().any(|entry| {
                entry.object_id == assignment.object_id && entry.duty == monthly.duty as i32
            });
            if !known {
                expected.push(pb::ExpectedPerformance {
                    kind: monthly.kind as i32,
                    object_id: assignment.object_id.clone(),
                    duty: monthly.duty as i32,
                    required: monthly.required,
                    performed: 0,
                    place_code: assignment.place_code.clone(),
                    counted_kinds: monthly
                        .counted_kinds
                        .iter()
                        .map(|kind| kind.to_string())
                        .collect(),
                    ..Default::default()
                });
            }
        }
    }
    expected.sort_by(|left, right| left.object_id.cmp(&right.object_id));
    (expected, version.name)
}

#[derive(Clone, Debug, PartialEq)]
pub enum DutyPeriodCommand {
    Record {
        person_id: String,
        performance: pb::Performance,
    },
    /// A performance owed once by a date in this month.
    Owe {
        person_id: String,
        year: i32,
        month: u32,
        owed: pb::ExpectedPerformance,
    },
    Close {
        person_id: String,
        year: i32,
        month: u32,
        /// From [`expected_of`], read by the API from the person's assignments.
        expected: Vec<pb::ExpectedPerformance>,
        rule_version: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DutyPeriod {
    pub period_id: String,
    pub person_id: String,
    pub year: i32,
    pub month: u32,
    pub performances: Vec<pb::Performance>,
    /// Performances owed once by a date in the month.
    #[serde(default)]
    pub owed: Vec<pb::ExpectedPerformance>,
    pub closed: bool,
    pub expected: Vec<pb::ExpectedPerformance>,
    pub shortfalls: Vec<pb::ExpectedPerformance>,
    pub rule_version: String,
}

/// The expected performances not met.
pub fn shortfalls_of(counted: &[pb::ExpectedPerformance]) -> Vec<pb::ExpectedPerformance> {
    counted
        .iter()
        .filter(|entry| entry.performed < entry.required)
        .cloned()
        .collect()
}

/// Whether a recorded performance counts toward an expected one: an owed one only by the
/// performance of its own source on or before its date; a monthly one by any performance of a
/// counted kind on its object.
fn counts_toward(done: &pb::Performance, entry: &pb::ExpectedPerformance) -> bool {
    if !entry.source_id.is_empty() {
        let by_due = match (done.on.and_then(|on| on.to_naive()), entry.due_on) {
            (Some(on), Some(due)) => due.to_naive().is_some_and(|due| on <= due),
            _ => false,
        };
        return done.source_id == entry.source_id && by_due;
    }
    done.kind == entry.kind
        && done.object_id == entry.object_id
        && entry.counted_kinds.contains(&done.what)
}

impl DutyPeriod {
    /// The month's expected performances (the duty rules' monthly ones, and those owed by a
    /// date) with what the month has recorded of each (late ones too, for a month still open).
    pub fn counted(&self, monthly: &[pb::ExpectedPerformance]) -> Vec<pb::ExpectedPerformance> {
        monthly
            .iter()
            .chain(&self.owed)
            .map(|entry| pb::ExpectedPerformance {
                performed: self
                    .performances
                    .iter()
                    .filter(|done| counts_toward(done, entry))
                    .count() as u32,
                ..entry.clone()
            })
            .collect()
    }

    fn record(
        &self,
        person_id: &str,
        performance: &pb::Performance,
        context: &CommandContext,
    ) -> Result<Vec<DutyPeriodEvent>, DomainError> {
        require_government_or_system(
            &context.actor,
            &context.actor.region,
            "record a performance",
        )?;
        if self
            .performances
            .iter()
            .any(|known| known.source_id == performance.source_id)
        {
            return Ok(Vec::new());
        }
        let on = performance
            .on
            .and_then(|day| day.to_naive())
            .unwrap_or_else(|| local_date(context.occurred_at));
        Ok(vec![DutyPeriodEvent::PerformanceRecorded(
            pb::PerformanceRecorded {
                period_id: context.aggregate_id.clone(),
                person_id: person_id.to_string(),
                year: on.year(),
                month: on.month() as i32,
                performance: Some(pb::Performance {
                    on: Some(on.into()),
                    after_close: self.closed,
                    ..performance.clone()
                }),
            },
        )])
    }

    fn owe(
        &self,
        (person_id, year, month): (&str, i32, u32),
        owed: &pb::ExpectedPerformance,
        context: &CommandContext,
    ) -> Result<Vec<DutyPeriodEvent>, DomainError> {
        require_government_or_system(&context.actor, &context.actor.region, "owe a performance")?;
        let due = owed.due_on.and_then(|day| day.to_naive());
        let Some((first, last)) = month_days(year, month) else {
            return Err(DomainError::invalid("month", "1 to 12"));
        };
        if owed.source_id.is_empty() || !due.is_some_and(|due| first <= due && due <= last) {
            return Err(DomainError::invalid(
                "owed",
                format!("a source and a due date within {year}-{month:02}"),
            ));
        }
        if self
            .owed
            .iter()
            .any(|known| known.source_id == owed.source_id)
        {
            return Ok(Vec::new());
        }
        // Owed after the month was closed (an old hazard's report arriving late) it is kept on
        // the record like a late performance; the close stands.
        Ok(vec![DutyPeriodEvent::PerformanceOwed(
            pb::PerformanceOwed {
                period_id: context.aggregate_id.clone(),
                person_id: person_id.to_string(),
                year,
                month: month as i32,
                owed: Some(pb::ExpectedPerformance {
                    performed: 0,
                    ..owed.clone()
                }),
            },
        )])
    }

    fn close(
        &self,
        (person_id, year, month): (&str, i32, u32),
        expected: &[pb::ExpectedPerformance],
        rule_version: &str,
        context: &CommandContext,
    ) -> Result<Vec<DutyPeriodEvent>, DomainError> {
        require_bureau(
            &context.actor,
            &context.actor.region,
            "close a month of duties",
        )?;
        if self.closed {
            return Err(DomainError::precondition(
                reasons::DUTY_PERIOD_CLOSED,
                format!("dutyPeriods/{} is closed", context.aggregate_id),
            ));
        }
        let Some((_, last)) = month_days(year, month) else {
            return Err(DomainError::invalid("month", "1 to 12"));
        };
        if local_date(context.occurred_at) <= last {
            return Err(DomainError::precondition(
                reasons::DUTY_PERIOD_NOT_OVER,
                format!("{year}-{month:02} runs to {last}; close it after"),
            ));
        }
        let counted = self.counted(expected);
        let shortfalls = shortfalls_of(&counted);
        let mut events = vec![DutyPeriodEvent::Closed(pb::DutyPeriodClosed {
            period_id: context.aggregate_id.clone(),
            person_id: person_id.to_string(),
            year,
            month: month as i32,
            expected: counted,
            rule_version: rule_version.to_string(),
        })];
        if !shortfalls.is_empty() {
            events.push(DutyPeriodEvent::GapRecorded(pb::DutyGapRecorded {
                period_id: context.aggregate_id.clone(),
                person_id: person_id.to_string(),
                shortfalls,
            }));
        }
        Ok(events)
    }
}

impl Aggregate for DutyPeriod {
    type Event = DutyPeriodEvent;
    type Command = DutyPeriodCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "duty_period";
    const COLLECTION: &'static str = "dutyPeriods";

    fn expects(_: &DutyPeriodCommand) -> Expects {
        // A month exists from its first performance or its close, whichever comes first.
        Expects::Either
    }

    fn decide(
        &self,
        command: &DutyPeriodCommand,
        context: &CommandContext,
    ) -> Result<Vec<DutyPeriodEvent>, DomainError> {
        match command {
            DutyPeriodCommand::Record {
                person_id,
                performance,
            } => self.record(person_id, performance, context),
            DutyPeriodCommand::Owe {
                person_id,
                year,
                month,
                owed,
            } => self.owe((person_id, *year, *month), owed, context),
            DutyPeriodCommand::Close {
                person_id,
                year,
                month,
                expected,
                rule_version,
            } => self.close((person_id, *year, *month), expected, rule_version, context),
        }
    }

    fn apply(&mut self, event: &DutyPeriodEvent, _meta: &EventMeta) {
        match event {
            DutyPeriodEvent::PerformanceRecorded(recorded) => {
                if self.period_id.is_empty() {
                    self.period_id = recorded.period_id.clone();
                    self.person_id = recorded.person_id.clone();
                    self.year = recorded.year;
                    self.month = recorded.month as u32;
                }
                self.performances.extend(recorded.performance.clone());
            }
            DutyPeriodEvent::PerformanceOwed(owed) => {
                if self.period_id.is_empty() {
                    self.period_id = owed.period_id.clone();
                    self.person_id = owed.person_id.clone();
                    self.year = owed.year;
                    self.month = owed.month as u32;
                }
                self.owed.extend(owed.owed.clone());
            }
            DutyPeriodEvent::Closed(closed) => {
                self.period_id = closed.period_id.clone();
                self.person_id = closed.person_id.clone();
                self.year = closed.year;
                self.month = closed.month as u32;
                self.closed = true;
                self.expected = closed.expected.clone();
                self.rule_version = closed.rule_version.clone();
            }
            DutyPeriodEvent::GapRecorded(gap) => self.shortfalls = gap.shortfalls.clone(),
        }
    }
}
