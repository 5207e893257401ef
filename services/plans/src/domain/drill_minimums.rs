//! An enterprise's drills of a year against the minimums of the drill rules in force on the
//! year's first day, read on a day: each minimum over each of its periods is met, due (the period
//! is not over) or short. Only drills held by the day read count, so the reading of a past day
//! does not change when later drills are recorded.

use chrono::NaiveDate;
use hl_proto::plans::v1 as pb;

use super::rules::DRILL_RULES;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinimumStatus {
    Met,
    Due,
    Short,
}

/// One minimum over one period.
#[derive(Clone, Debug, PartialEq)]
pub struct MinimumReading {
    /// The rule's code, with the period's name when it has several, e.g. "ON_SITE_FIRST_HALF".
    pub code: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub required: u32,
    /// The drills counted, by id.
    pub drills: Vec<String>,
    pub status: MinimumStatus,
}

/// The rule version for a year, and the readings of one enterprise's drills (any drills may be
/// passed: those of other enterprises and other years are not counted).
pub fn read_minimums(
    drills: &[&pb::Drill],
    enterprise_id: &str,
    year: i32,
    day: NaiveDate,
) -> (&'static str, Vec<MinimumReading>) {
    let Some(first_day) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return (DRILL_RULES.versions[0].name, Vec::new());
    };
    let version = DRILL_RULES.in_force(first_day);
    let mut readings = Vec::new();
    for rule in version.rules.enterprise_minimums {
        for (period, first_month, last_month) in rule.periods {
            let (Some(start), Some(end)) = (
                NaiveDate::from_ymd_opt(year, *first_month, 1),
                last_day_of(year, *last_month),
            ) else {
                continue;
            };
            let counted: Vec<String> = drills
                .iter()
                .filter(|drill| drill.enterprise_id == enterprise_id)
                .filter(|drill| rule.kinds.iter().any(|kind| *kind as i32 == drill.kind))
                .filter(|drill| {
                    drill
                        .held_on
                        .and_then(|held| held.to_naive())
                        .is_some_and(|held| start <= held && held <= end && held <= day)
                })
                .map(|drill| drill.drill_id.clone())
                .collect();
            let status = if counted.len() as u32 >= rule.required {
                MinimumStatus::Met
            } else if day <= end {
                MinimumStatus::Due
            } else {
                MinimumStatus::Short
            };
            readings.push(MinimumReading {
                code: if period.is_empty() {
                    rule.code.to_string()
                } else {
                    format!("{}_{period}", rule.code)
                },
                period_start: start,
                period_end: end,
                required: rule.required,
                drills: counted,
                status,
            });
        }
    }
    (version.name, readings)
}

fn last_day_of(year: i32, month: u32) -> Option<NaiveDate> {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    next.pred_opt()
}
