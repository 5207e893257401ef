//! Working days (工作日) in mainland China, for deadlines the law counts in them (双公示: a
//! penalty decision reaches the credit platform within 7 working days of the decision).
//!
//! A working day is Monday to Friday, except the public holidays the State Council announces
//! each year, plus the weekend days its notice makes working days (调休). The notices are rule
//! data: each year's is written out below with its document number, and a year without one is
//! refused, never guessed, because a guess would move a legal deadline.

use chrono::{Datelike, NaiveDate, Weekday};

/// One year's notice: its public holidays and the weekend days worked instead.
struct YearNotice {
    year: i32,
    /// The State Council General Office's notice the dates come from.
    source: &'static str,
    /// (month, first day, last day) of each holiday stretch, weekends inside it included.
    holidays: &'static [(u32, u32, u32)],
    /// (month, day) of each weekend day worked instead (调休上班).
    working_weekends: &'static [(u32, u32)],
}

const NOTICES: &[YearNotice] = &[
    YearNotice {
        year: 2023,
        source: "国办发明电〔2022〕16号",
        holidays: &[
            (1, 1, 2),
            (1, 21, 27),
            (4, 5, 5),
            (4, 29, 30),
            (5, 1, 3),
            (6, 22, 24),
            (9, 29, 30),
            (10, 1, 6),
        ],
        working_weekends: &[(1, 28), (1, 29), (4, 23), (5, 6), (6, 25), (10, 7), (10, 8)],
    },
    YearNotice {
        year: 2024,
        source: "国办发明电〔2023〕7号",
        holidays: &[
            (1, 1, 1),
            (2, 10, 17),
            (4, 4, 6),
            (5, 1, 5),
            (6, 8, 10),
            (9, 15, 17),
            (10, 1, 7),
        ],
        working_weekends: &[
            (2, 4),
            (2, 18),
            (4, 7),
            (4, 28),
            (5, 11),
            (9, 14),
            (9, 29),
            (10, 12),
        ],
    },
    YearNotice {
        year: 2025,
        source: "国办发明电〔2024〕12号",
        holidays: &[
            (1, 1, 1),
            (1, 28, 31),
            (2, 1, 4),
            (4, 4, 6),
            (5, 1, 5),
            (5, 31, 31),
            (6, 1, 2),
            (10, 1, 8),
        ],
        working_weekends: &[(1, 26), (2, 8), (4, 27), (9, 28), (10, 11)],
    },
    YearNotice {
        year: 2026,
        source: "国办发明电〔2025〕7号",
        holidays: &[
            (1, 1, 3),
            (2, 15, 23),
            (4, 4, 6),
            (5, 1, 5),
            (6, 19, 21),
            (9, 25, 27),
            (10, 1, 7),
        ],
        working_weekends: &[(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)],
    },
];

/// A day of a year no notice covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the working-day calendar has no holiday notice for {0}: add the State Council's notice of that year"
)]
pub struct YearNotCovered(pub i32);

/// The years the calendar covers, with each notice's document number.
pub fn covered_years() -> impl Iterator<Item = (i32, &'static str)> {
    NOTICES.iter().map(|notice| (notice.year, notice.source))
}

/// The first year the calendar covers: days before it cannot be counted in working days.
pub fn first_covered_year() -> i32 {
    NOTICES
        .iter()
        .map(|notice| notice.year)
        .min()
        .expect("at least one notice")
}

/// Whether `day` is a working day.
pub fn is_working_day(day: NaiveDate) -> Result<bool, YearNotCovered> {
    let notice = NOTICES
        .iter()
        .find(|notice| notice.year == day.year())
        .ok_or(YearNotCovered(day.year()))?;
    let (month, date) = (day.month(), day.day());
    if notice.working_weekends.contains(&(month, date)) {
        return Ok(true);
    }
    if notice.holidays.iter().any(|&(holiday_month, first, last)| {
        holiday_month == month && (first..=last).contains(&date)
    }) {
        return Ok(false);
    }
    Ok(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
}

/// The day that ends a period of `days` working days counted from the day after `from` (the
/// day of the decision itself is not counted): the last day something due "within `days`
/// working days of `from`" is on time.
pub fn add_working_days(from: NaiveDate, days: u32) -> Result<NaiveDate, YearNotCovered> {
    let mut day = from;
    let mut counted = 0;
    while counted < days {
        day = day.succ_opt().ok_or(YearNotCovered(i32::MAX))?;
        if is_working_day(day)? {
            counted += 1;
        }
    }
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(year: i32, month: u32, date: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, date).expect("a real day")
    }

    #[test]
    fn every_notice_is_well_formed() {
        for notice in NOTICES {
            for &(month, first, last) in notice.holidays {
                assert!(first <= last, "{} {month}-{first}", notice.year);
                assert!(NaiveDate::from_ymd_opt(notice.year, month, last).is_some());
            }
            // A day worked instead is always a Saturday or a Sunday: a slip in the table would
            // otherwise make a weekday a working day twice over and go unnoticed.
            for &(month, date) in notice.working_weekends {
                let worked = day(notice.year, month, date);
                assert!(
                    matches!(worked.weekday(), Weekday::Sat | Weekday::Sun),
                    "{worked} is not a weekend day"
                );
            }
        }
    }

    #[test]
    fn holidays_and_weekends_rest_and_the_days_worked_instead_count() {
        // 2026: 春节 15-23 February, with Saturday the 14th and Saturday the 28th worked.
        assert_eq!(is_working_day(day(2026, 2, 13)), Ok(true));
        assert_eq!(is_working_day(day(2026, 2, 14)), Ok(true));
        assert_eq!(is_working_day(day(2026, 2, 16)), Ok(false));
        assert_eq!(is_working_day(day(2026, 2, 24)), Ok(true));
        assert_eq!(is_working_day(day(2026, 2, 28)), Ok(true));
        assert_eq!(is_working_day(day(2026, 3, 1)), Ok(false));
        assert_eq!(is_working_day(day(2026, 10, 8)), Ok(true));
        assert_eq!(is_working_day(day(2027, 1, 4)), Err(YearNotCovered(2027)));
    }

    #[test]
    fn seven_working_days_skip_weekends_and_holidays() {
        // An ordinary week: decided on Monday 2026-03-02, due Wednesday the 11th.
        assert_eq!(add_working_days(day(2026, 3, 2), 7), Ok(day(2026, 3, 11)));
        // Decided on Thursday 2026-09-24, the eve of 中秋 (25-27) and before 国庆 (1-7 October):
        // Monday the 28th, Tuesday the 29th, Wednesday the 30th, Thursday 8 October, Friday
        // the 9th, Saturday the 10th (worked) and Monday the 12th.
        assert_eq!(add_working_days(day(2026, 9, 24), 7), Ok(day(2026, 10, 12)));
        // A decision on a holiday counts from the next working day.
        assert_eq!(add_working_days(day(2026, 5, 1), 1), Ok(day(2026, 5, 6)));
        // Across into a year no notice covers: refused, not guessed.
        assert_eq!(
            add_working_days(day(2026, 12, 28), 7),
            Err(YearNotCovered(2027))
        );
    }
}
