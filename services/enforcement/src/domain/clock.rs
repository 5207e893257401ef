//! A penalty case's clock (DOMAIN.md §0 "Clocks are data"): it starts on the filing day, stops
//! at the decision, does not run while a hearing or an appraisal pauses it, and is lengthened
//! only by approved extensions. Days are calendar days in Asia/Shanghai; "overdue" is computed
//! against the day asked about, so any past day can be asked about.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A stretch the clock did not run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub reason: String,
    pub from: NaiveDate,
    /// None while it lasts.
    pub until: Option<NaiveDate>,
}

/// Days an approval added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub days: u32,
    pub approved_by: String,
    pub reason: String,
    pub approved_on: NaiveDate,
}

/// The clock as recorded: its rule version and length, its pauses and extensions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseClock {
    pub rule_version: String,
    pub started_on: Option<NaiveDate>,
    pub limit_days: u32,
    pub pauses: Vec<Pause>,
    pub extensions: Vec<Extension>,
    /// The decision day: the clock stops.
    pub stopped_on: Option<NaiveDate>,
}

/// The clock as of a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClockReading {
    pub due_on: NaiveDate,
    pub days_used: u32,
    pub days_paused: u32,
    pub days_left: i32,
    pub paused: bool,
    pub overdue: bool,
    pub stopped: bool,
}

impl CaseClock {
    pub fn extended_days(&self) -> u32 {
        self.extensions.iter().map(|extension| extension.days).sum()
    }

    pub fn is_paused(&self) -> bool {
        self.pauses.iter().any(|pause| pause.until.is_none())
    }

    /// Starts a pause on `day`.
    pub fn pause(&mut self, reason: &str, day: NaiveDate) {
        self.pauses.push(Pause {
            reason: reason.to_string(),
            from: day,
            until: None,
        });
    }

    /// Ends the pause of `reason` on `day`.
    pub fn resume(&mut self, reason: &str, day: NaiveDate) {
        if let Some(pause) = self
            .pauses
            .iter_mut()
            .find(|pause| pause.reason == reason && pause.until.is_none())
        {
            pause.until = Some(day.max(pause.from));
        }
    }

    /// The reading on `day` (a day before the filing reads as the filing day).
    pub fn reading(&self, day: NaiveDate) -> ClockReading {
        let started = self.started_on.unwrap_or(day);
        let end = self.stopped_on.unwrap_or(day).max(started);
        let days_paused: i64 = self
            .pauses
            .iter()
            .map(|pause| {
                let from = pause.from.max(started).min(end);
                let until = pause.until.unwrap_or(end).min(end);
                (until - from).num_days().max(0)
            })
            .sum();
        let elapsed = (end - started).num_days();
        let days_used = (elapsed - days_paused).max(0);
        let allowed = i64::from(self.limit_days) + i64::from(self.extended_days());
        let days_left = allowed - days_used;
        // The due day moves with every paused day known so far.
        let due_on = started + chrono::Days::new((allowed + days_paused).max(0) as u64);
        let stopped = self.stopped_on.is_some();
        ClockReading {
            due_on,
            days_used: days_used as u32,
            days_paused: days_paused as u32,
            days_left: days_left as i32,
            paused: !stopped && self.is_paused(),
            overdue: !stopped && days_left < 0,
            stopped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn clock(limit: u32) -> CaseClock {
        CaseClock {
            rule_version: "test".into(),
            started_on: Some(day("2026-03-01")),
            limit_days: limit,
            ..CaseClock::default()
        }
    }

    #[test]
    fn the_clock_runs_from_filing_and_is_overdue_after_its_days() {
        let clock = clock(90);
        let on_day_90 = clock.reading(day("2026-05-30"));
        assert_eq!(
            (on_day_90.days_used, on_day_90.days_left, on_day_90.overdue),
            (90, 0, false)
        );
        assert_eq!(on_day_90.due_on, day("2026-05-30"));
        let day_after = clock.reading(day("2026-05-31"));
        assert!(day_after.overdue);
        assert_eq!(day_after.days_left, -1);
    }

    #[test]
    fn a_hearing_pauses_the_clock_and_moves_the_due_day() {
        let mut clock = clock(30);
        clock.pause("hearing", day("2026-03-11"));
        let during = clock.reading(day("2026-03-21"));
        assert!(during.paused);
        assert_eq!((during.days_used, during.days_paused), (10, 10));
        clock.resume("hearing", day("2026-03-21"));
        let after = clock.reading(day("2026-04-10"));
        assert_eq!((after.days_used, after.days_paused), (30, 10));
        assert_eq!(after.due_on, day("2026-04-10"));
        assert!(!after.overdue);
        assert!(clock.reading(day("2026-04-11")).overdue);
    }

    #[test]
    fn extensions_lengthen_it_and_a_decision_stops_it() {
        let mut clock = clock(30);
        clock.extensions.push(Extension {
            days: 30,
            approved_by: "admin".into(),
            reason: "appraisal needed".into(),
            approved_on: day("2026-03-25"),
        });
        assert!(!clock.reading(day("2026-04-20")).overdue);
        assert_eq!(clock.reading(day("2026-04-20")).days_left, 10);
        clock.stopped_on = Some(day("2026-04-25"));
        let long_after = clock.reading(day("2026-12-31"));
        assert!(long_after.stopped && !long_after.overdue);
        assert_eq!(long_after.days_used, 55);
    }
}
