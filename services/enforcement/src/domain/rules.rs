//! The enforcement rules that change over time, as versioned data (see [`hl_domain::rules`]). A
//! penalty case stores the version in force on its filing day (立案日), and its clock keeps that
//! version's length even after the rules change.

use hl_domain::rules::{RuleBook, Version};
use hl_proto::enforcement::v1::{FireworksGrade, SupervisionGrade};
use hl_proto::responsibility::v1::{Industry, RiskColour, StandardisationGrade};

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

/// The visits a year a grade asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visits {
    pub min: u32,
    pub max: u32,
}

/// One version of the classification policy (分类分级): the points each factor gives, the
/// scores that make each grade, and the visits a year per grade.
#[derive(Debug)]
pub struct ClassificationPolicy {
    /// Points for an enterprise's riskiest industry.
    pub high_risk_industry_points: i32,
    pub medium_risk_industry_points: i32,
    /// Points for a 重大 finding, and for a penalty, in the year before.
    pub history_points: i32,
    /// The lowest scores of a 重点 (key) and of a 一般 (general) grade.
    pub key_from: i32,
    pub general_from: i32,
    pub key: Visits,
    pub general: Visits,
    pub routine: Visits,
    /// Officer-days one visit takes: two officers for a day.
    pub officer_days_per_visit: u32,
}

impl ClassificationPolicy {
    pub fn industry_points(&self, industry: Industry) -> i32 {
        match industry {
            Industry::HazardousChemicals
            | Industry::NonCoalMine
            | Industry::OilDepot
            | Industry::AmmoniaRefrigeration
            | Industry::Fireworks => self.high_risk_industry_points,
            Industry::ShipbuildingAndRepair
            | Industry::FillingStation
            | Industry::IndustryAndTrade => self.medium_risk_industry_points,
            Industry::Homestay | Industry::Other | Industry::Unspecified => 0,
        }
    }

    /// A colour the registry does not state counts as yellow: a gap never lowers a grade.
    pub fn colour_points(&self, colour: RiskColour) -> i32 {
        match colour {
            RiskColour::Red => 3,
            RiskColour::Orange => 2,
            RiskColour::Yellow | RiskColour::Unspecified => 1,
            RiskColour::Blue => 0,
        }
    }

    /// Grade one (一级) lowers the score; none, small-enterprise or unstated raise it.
    pub fn standardisation_points(&self, grade: StandardisationGrade) -> i32 {
        match grade {
            StandardisationGrade::One => -1,
            StandardisationGrade::Two => 0,
            StandardisationGrade::Three
            | StandardisationGrade::None
            | StandardisationGrade::SmallEnterprise
            | StandardisationGrade::Unspecified => 1,
        }
    }

    /// 烟花爆竹分级管控: grade one is the closest control.
    pub fn fireworks_points(&self, grade: FireworksGrade) -> i32 {
        match grade {
            FireworksGrade::One => 2,
            FireworksGrade::Two => 1,
            FireworksGrade::Three | FireworksGrade::Unspecified => 0,
        }
    }

    pub fn grade_of(&self, score: i32) -> SupervisionGrade {
        if score >= self.key_from {
            SupervisionGrade::Key
        } else if score >= self.general_from {
            SupervisionGrade::General
        } else {
            SupervisionGrade::Routine
        }
    }

    pub fn visits(&self, grade: SupervisionGrade) -> Visits {
        match grade {
            SupervisionGrade::Key => self.key,
            SupervisionGrade::General => self.general,
            SupervisionGrade::Routine | SupervisionGrade::Unspecified => self.routine,
        }
    }
}

pub const CLASSIFICATION: RuleBook<ClassificationPolicy> = RuleBook {
    subject: "classification policy",
    versions: &[Version {
        // 《浙江省安全生产条例》分类分级 as the district applies it; the points and the visits a
        // year are the district's working table [the bureau confirms its 2023 list]. Caps follow
        // the published practice of at most a few visits a year for a key enterprise.
        name: "classification-2023-01-01",
        effective_from: (2023, 1, 1),
        rules: ClassificationPolicy {
            high_risk_industry_points: 3,
            medium_risk_industry_points: 1,
            history_points: 2,
            key_from: 5,
            general_from: 2,
            key: Visits { min: 2, max: 4 },
            general: Visits { min: 1, max: 2 },
            routine: Visits { min: 0, max: 1 },
            officer_days_per_visit: 2,
        },
    }],
};

/// One version of the case-file review standard (案卷评查标准).
#[derive(Debug)]
pub struct ReviewStandard {
    /// Items any failure of which makes a file 不合格, whatever its points.
    pub veto_items: &'static [&'static str],
    /// 卷面 (the file's form) and 内容 (its substance) are scored out of these.
    pub form_max: u32,
    pub content_max: u32,
    /// The lowest totals of an 优秀 and of a 合格 file.
    pub excellent_from: u32,
    pub pass_from: u32,
}

pub const REVIEW: RuleBook<ReviewStandard> = RuleBook {
    subject: "case-file review standard",
    versions: &[Version {
        // 行政执法案卷评查: veto items first, then 卷面 20 + 内容 80 points [the grade lines are
        // the district's working standard; the bureau confirms them].
        name: "case-file-review-2023-01-01",
        effective_from: (2023, 1, 1),
        rules: ReviewStandard {
            veto_items: &[
                // 执法主体不合法
                "UNLAWFUL_ENFORCEMENT_BODY",
                // 执法人员无执法资格
                "OFFICERS_NOT_QUALIFIED",
                // 认定事实不清、主要证据不足
                "FACTS_NOT_ESTABLISHED",
                // 适用法律错误
                "WRONG_LAW_APPLIED",
                // 违反法定程序
                "STATUTORY_PROCEDURE_VIOLATED",
                // 超越职权或滥用职权
                "BEYOND_AUTHORITY",
            ],
            form_max: 20,
            content_max: 80,
            excellent_from: 90,
            pass_from: 70,
        },
    }],
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
