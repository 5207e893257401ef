//! The enforcement rules that change over time, as versioned data (see [`hl_domain::rules`]). A
//! penalty case stores the version in force on its filing day (立案日), and its clock keeps that
//! version's length even after the rules change.

use hl_domain::rules::{RuleBook, Version};

/// One version of the penalty-procedure rules.
#[derive(Debug)]
pub struct CaseRules {
    /// Days from filing to the decision (行政处罚 一般程序).
    pub decision_days: u32,
    /// The most days approved extensions may add in all.
    pub max_extension_days: u32,
    /// Officers an inspection or a case needs at least (执法人员不得少于两人).
    pub min_officers: usize,
}

pub const CASES: RuleBook<CaseRules> = RuleBook {
    subject: "penalty procedure rules",
    versions: &[
        Version {
            // 《安全生产违法行为行政处罚办法》(国家安全监管总局令第15号, amended by 第77号,
            // 2015): decide within 30 days of filing, extendable with approvals to 90, and by
            // the next level to 180 [recalled; the bureau confirms the figures].
            name: "penalty-rules-2015-05-01",
            effective_from: (2015, 5, 1),
            rules: CaseRules {
                decision_days: 30,
                max_extension_days: 150,
                min_officers: 2,
            },
        },
        Version {
            // 应急管理部令第18号, in force 2026-02-01, aligned with the 2021 行政处罚法 Art. 60:
            // decide within 90 days of filing; extensions by approval [the extension limit is
            // the bureau's policy].
            name: "penalty-rules-2026-02-01",
            effective_from: (2026, 2, 1),
            rules: CaseRules {
                decision_days: 90,
                max_extension_days: 90,
                min_officers: 2,
            },
        },
    ],
};

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn a_case_filed_before_the_2026_rules_keeps_the_old_clock() {
        assert!(CASES.is_ordered());
        let before = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        let after = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        assert_eq!(CASES.in_force(before).rules.decision_days, 30);
        assert_eq!(CASES.in_force(after).rules.decision_days, 90);
        assert_eq!(
            CASES
                .by_name("penalty-rules-2015-05-01")
                .unwrap()
                .rules
                .decision_days,
            30
        );
    }
}
