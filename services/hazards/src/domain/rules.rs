//! The hazards context's rules that change over time, as versioned data (see
//! [`hl_domain::rules`]). A hazard stores the version in force on the day it was found; its later
//! decisions and the reconciliation's clocks use that version.

use hl_domain::rules::{RuleBook, Version};

/// One version of the hazard rules.
#[derive(Debug)]
pub struct HazardRules {
    /// The authority reviews a resumption request on site within this many days
    /// (16号令 Art. 23).
    pub resumption_review_days: u64,
    /// Interval between tests of a safety alarm device.
    pub alarm_test_interval_days: u32,
    /// Quarterly statistics are due by this day of the month after the quarter (16号令 Art. 14).
    pub quarterly_statistics_due_day: u32,
    /// Annual statistics are due by this (month, day) of the next year.
    pub annual_statistics_due: (u32, u32),
    /// Days the government has to review a self-reported 重大 hazard or a rectification claim
    /// on a hazard whose deadline it set (D2).
    pub review_clock_days: i64,
    /// A hazard like a closed one, found within this many days after the close-out, recurs (D3).
    pub recurrence_window_days: i64,
    /// A self-check entry recorded up to this many days before a government finding may be its
    /// counterpart.
    pub matching_window_days: i64,
}

pub const HAZARDS: RuleBook<HazardRules> = RuleBook {
    subject: "hazard rules",
    versions: &[Version {
        // 《安全生产事故隐患排查治理暂行规定》(国家安全监管总局令第16号), in force 2008-02-01;
        // the review, recurrence and matching clocks are the bureau's policy.
        name: "hazard-rules-2008-02-01",
        effective_from: (2008, 2, 1),
        rules: HazardRules {
            resumption_review_days: 10,
            alarm_test_interval_days: 365,
            quarterly_statistics_due_day: 15,
            annual_statistics_due: (1, 31),
            review_clock_days: 10,
            recurrence_window_days: 90,
            matching_window_days: 90,
        },
    }],
};

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn versions_are_ordered_and_found_by_day() {
        assert!(HAZARDS.is_ordered());
        let day = NaiveDate::from_ymd_opt(2023, 3, 1).unwrap();
        assert_eq!(HAZARDS.in_force(day).name, "hazard-rules-2008-02-01");
        let rules = &HAZARDS.by_name("hazard-rules-2008-02-01").unwrap().rules;
        assert_eq!(rules.resumption_review_days, 10);
        assert!(HAZARDS.by_name("hazard-rules-2099").is_err());
    }
}
