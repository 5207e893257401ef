//! Rules that change over time are data with an effective date. A hazard stores the version in
//! force when it was reported, and later decisions about it use that version, so replaying
//! history never re-judges an old case under a newer rule.

use chrono::NaiveDate;

/// One version of the hazard rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HazardRules {
    pub version: &'static str,
    /// First day (Asia/Shanghai) the version applies to.
    pub effective_from: (i32, u32, u32),
    /// The authority reviews a resumption request on site within this many days
    /// (16号令 Art. 23).
    pub resumption_review_days: u64,
    /// Default interval between tests of a safety alarm device.
    pub alarm_test_interval_days: u32,
    /// Quarterly statistics are due by this day of the month after the quarter (16号令 Art. 14).
    pub quarterly_statistics_due_day: u32,
    /// Annual statistics are due by this (month, day) of the next year.
    pub annual_statistics_due: (u32, u32),
}

/// Every version, oldest first.
pub const VERSIONS: &[HazardRules] = &[HazardRules {
    // 《安全生产事故隐患排查治理暂行规定》(国家安全监管总局令第16号), in force 2008-02-01.
    version: "hazard-rules-2008-02-01",
    effective_from: (2008, 2, 1),
    resumption_review_days: 10,
    alarm_test_interval_days: 365,
    quarterly_statistics_due_day: 15,
    annual_statistics_due: (1, 31),
}];

impl HazardRules {
    fn effective_date(&self) -> NaiveDate {
        let (year, month, day) = self.effective_from;
        NaiveDate::from_ymd_opt(year, month, day).expect("rule dates are real days")
    }
}

/// The version in force on a day (the oldest one for days before every version).
pub fn in_force(day: NaiveDate) -> &'static HazardRules {
    VERSIONS
        .iter()
        .rev()
        .find(|rules| rules.effective_date() <= day)
        .unwrap_or(&VERSIONS[0])
}

/// A version by its name; the current one for a name this build does not know.
pub fn by_version(version: &str) -> &'static HazardRules {
    VERSIONS
        .iter()
        .find(|rules| rules.version == version)
        .unwrap_or_else(|| VERSIONS.last().expect("at least one rule version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_ordered_and_found_by_day() {
        for pair in VERSIONS.windows(2) {
            assert!(pair[0].effective_date() < pair[1].effective_date());
        }
        let day = NaiveDate::from_ymd_opt(2023, 3, 1).unwrap();
        assert_eq!(in_force(day).version, "hazard-rules-2008-02-01");
        assert_eq!(
            by_version("hazard-rules-2008-02-01").resumption_review_days,
            10
        );
    }
}
