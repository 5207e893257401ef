//! Legal deadlines are calendar dates in Asia/Shanghai (UTC+8, no daylight saving): a deadline
//! of 30 June is met by anything done before 1 July 00:00 in Zhoushan. "Overdue" is a fact about
//! a deadline and an as-of time, never a state set by hand.

use std::sync::Arc;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Where the time a step is recorded comes from: the system clock, or one a test sets (to
/// record a step a day after it happened, say).
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(Utc::now))
    }

    /// A clock that reads `now`.
    pub fn from_fn(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Clock({})", self.now())
    }
}

fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The calendar date in Asia/Shanghai at an instant.
pub fn local_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&shanghai()).date_naive()
}

/// The date and wall-clock time in Asia/Shanghai at an instant.
pub fn local_date_time(instant: DateTime<Utc>) -> NaiveDateTime {
    instant.with_timezone(&shanghai()).naive_local()
}

/// The instant of a date and wall-clock time in Asia/Shanghai.
pub fn local_instant(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    shanghai()
        .from_local_datetime(&date.and_time(time))
        .single()
        .expect("a fixed offset maps every local time to one instant")
        .to_utc()
}

/// Whether a deadline has passed at `as_of`: true from the day after the deadline.
pub fn is_past(deadline: NaiveDate, as_of: DateTime<Utc>) -> bool {
    local_date(as_of) > deadline
}

/// `date` plus `days` calendar days.
pub fn add_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_day_changes_at_midnight_in_shanghai() {
        let day = NaiveDate::from_ymd_opt(2023, 6, 30).unwrap();
        // 15:59 UTC is 23:59 in Zhoushan: still the deadline day.
        let last_minute = DateTime::parse_from_rfc3339("2023-06-30T15:59:59Z")
            .unwrap()
            .to_utc();
        let next_day = DateTime::parse_from_rfc3339("2023-06-30T16:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(local_date(last_minute), day);
        assert!(!is_past(day, last_minute));
        assert!(is_past(day, next_day));
    }
}
