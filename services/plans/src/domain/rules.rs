//! The plan rules in force on a day: how often each layer's plans are evaluated. A plan version
//! keeps the rules it was activated under. Also the context's other versioned rule data: the
//! drill minimums, the district's yearly targets, and the grading of accidents and forest fires.

use hl_domain::rules::{RuleBook, Version};
use hl_proto::plans::v1::{AccidentGrade, DrillKind, PlanLayer};

#[derive(Debug)]
pub struct PlanRules {
    /// Years between evaluations per layer; a layer not listed has no cycle.
    pub evaluation_years: &'static [(PlanLayer, u32)],
}

impl PlanRules {
    pub fn cycle_years(&self, layer: PlanLayer) -> Option<u32> {
        self.evaluation_years
            .iter()
            .find(|(known, _)| *known == layer)
            .map(|(_, years)| *years)
    }
}

pub const PLAN_RULES: RuleBook<PlanRules> = RuleBook {
    subject: "emergency plan rules",
    versions: &[
        Version {
            // 国办发〔2013〕101号: government and department plans (and, under the enterprise
            // rules, key enterprises') evaluated every 3 years; township plans had no cycle
            // [the layers without a cycle are the district's reading; the bureau confirms it].
            name: "plan-rules-2013-10-25",
            effective_from: (2013, 10, 25),
            rules: PlanRules {
                evaluation_years: &[
                    (PlanLayer::Overall, 3),
                    (PlanLayer::Special, 3),
                    (PlanLayer::Department, 3),
                    (PlanLayer::KeyEnterprise, 3),
                ],
            },
        },
        Version {
            // 国办发〔2024〕5号 (2024-01-31): township (乡镇/街道) plans, filed with the level
            // above, join the 3-year evaluation cycle.
            name: "plan-rules-2024-01-31",
            effective_from: (2024, 1, 31),
            rules: PlanRules {
                evaluation_years: &[
                    (PlanLayer::Overall, 3),
                    (PlanLayer::Special, 3),
                    (PlanLayer::Department, 3),
                    (PlanLayer::Township, 3),
                    (PlanLayer::KeyEnterprise, 3),
                ],
            },
        },
    ],
};

/// One minimum of the drill rules: so many drills of these kinds in each period of the year.
#[derive(Debug)]
pub struct DrillMinimumRule {
    pub code: &'static str,
    pub kinds: &'static [DrillKind],
    pub required: u32,
    /// The periods of a year it applies to, as (first month, last month).
    pub periods: &'static [(&'static str, u32, u32)],
}

#[derive(Debug)]
pub struct DrillRules {
    pub enterprise_minimums: &'static [DrillMinimumRule],
}

pub const DRILL_RULES: RuleBook<DrillRules> = RuleBook {
    subject: "drill rules",
    versions: &[Version {
        // 《生产安全事故应急预案管理办法》第三十三条 (原国家安全监管总局令第88号, in force
        // 2016-07-01): an enterprise holds at least one comprehensive or special drill a year
        // and at least one on-site drill every half year.
        name: "drill-rules-2016-07-01",
        effective_from: (2016, 7, 1),
        rules: DrillRules {
            enterprise_minimums: &[
                DrillMinimumRule {
                    code: "YEARLY_COMPREHENSIVE_OR_SPECIAL",
                    kinds: &[DrillKind::Comprehensive, DrillKind::Special],
                    required: 1,
                    periods: &[("", 1, 12)],
                },
                DrillMinimumRule {
                    code: "ON_SITE",
                    kinds: &[DrillKind::OnSite],
                    required: 1,
                    periods: &[("FIRST_HALF", 1, 6), ("SECOND_HALF", 7, 12)],
                },
            ],
        },
    }],
};

#[derive(Debug)]
pub struct TrainingTargets {
    /// Persons the district trains in a year (T12).
    pub persons_per_year: u32,
}

pub const TRAINING_TARGETS: RuleBook<TrainingTargets> = RuleBook {
    subject: "training targets",
    versions: &[Version {
        // The district's 2023 work plan: 全区培训人数不少于7000人.
        name: "training-targets-2023-01-01",
        effective_from: (2023, 1, 1),
        rules: TrainingTargets {
            persons_per_year: 7000,
        },
    }],
};

/// The district's yearly targets that are counts or shares of the plans context's records.
#[derive(Debug)]
pub struct DistrictTargets {
    /// Shelters newly certified 规范化 in a year (T5).
    pub shelters_certified_per_year: u32,
    /// The least 修编率 of the special plans (T10).
    pub special_plan_revision_rate: f64,
}

pub const DISTRICT_TARGETS: RuleBook<DistrictTargets> = RuleBook {
    subject: "district targets",
    versions: &[Version {
        // The district's 2023 work plan: 新增规范化避灾安置场所5个; 专项应急预案修编率达90%以上.
        name: "district-targets-2023-01-01",
        effective_from: (2023, 1, 1),
        rules: DistrictTargets {
            shelters_certified_per_year: 5,
            special_plan_revision_rate: 0.9,
        },
    }],
};

/// The least deaths, serious injuries and extent that make a grade of the national four-grade
/// scale. The extent is an accident's direct loss in fen, or a forest fire's burned forest in
/// square metres.
#[derive(Debug)]
pub struct GradeThreshold {
    pub grade: AccidentGrade,
    pub deaths: u32,
    pub serious_injuries: u32,
    pub extent: i64,
}

#[derive(Debug)]
pub struct Grading {
    /// From the highest grade down; what reaches none is 一般.
    pub thresholds: &'static [GradeThreshold],
}

impl Grading {
    /// The highest grade any of the three figures reaches ("以上包括本数").
    pub fn grade(&self, deaths: u32, serious_injuries: u32, extent: i64) -> AccidentGrade {
        self.thresholds
            .iter()
            .find(|threshold| {
                deaths >= threshold.deaths
                    || serious_injuries >= threshold.serious_injuries
                    || extent >= threshold.extent
            })
            .map_or(AccidentGrade::General, |threshold| threshold.grade)
    }
}

/// 10,000 yuan (万元) in fen.
const WAN_YUAN: i64 = 10_000 * 100;

pub const ACCIDENT_GRADING: RuleBook<Grading> = RuleBook {
    subject: "accident grading",
    versions: &[Version {
        // 《生产安全事故报告和调查处理条例》(国务院令第493号) 第三条, in force 2007-06-01.
        name: "accident-grading-2007-06-01",
        effective_from: (2007, 6, 1),
        rules: Grading {
            thresholds: &[
                GradeThreshold {
                    grade: AccidentGrade::ExtraordinarilyMajor,
                    deaths: 30,
                    serious_injuries: 100,
                    extent: 10_000 * WAN_YUAN,
                },
                GradeThreshold {
                    grade: AccidentGrade::Major,
                    deaths: 10,
                    serious_injuries: 50,
                    extent: 5_000 * WAN_YUAN,
                },
                GradeThreshold {
                    grade: AccidentGrade::RelativelyMajor,
                    deaths: 3,
                    serious_injuries: 10,
                    extent: 1_000 * WAN_YUAN,
                },
            ],
        },
    }],
};

/// Square metres in one hectare (公顷).
pub const SQUARE_METRES_PER_HECTARE: i64 = 10_000;

pub const FOREST_FIRE_GRADING: RuleBook<Grading> = RuleBook {
    subject: "forest fire grading",
    versions: &[Version {
        // 《森林防火条例》(国务院令第541号) 第四十条, in force 2009-01-01: 较大 from 1 hectare of
        // forest burned, 3 deaths or 10 serious injuries; 重大 from 100 hectares, 10 or 50;
        // 特别重大 from 1000 hectares, 30 or 100.
        name: "forest-fire-grading-2009-01-01",
        effective_from: (2009, 1, 1),
        rules: Grading {
            thresholds: &[
                GradeThreshold {
                    grade: AccidentGrade::ExtraordinarilyMajor,
                    deaths: 30,
                    serious_injuries: 100,
                    extent: 1_000 * SQUARE_METRES_PER_HECTARE,
                },
                GradeThreshold {
                    grade: AccidentGrade::Major,
                    deaths: 10,
                    serious_injuries: 50,
                    extent: 100 * SQUARE_METRES_PER_HECTARE,
                },
                GradeThreshold {
                    grade: AccidentGrade::RelativelyMajor,
                    deaths: 3,
                    serious_injuries: 10,
                    extent: SQUARE_METRES_PER_HECTARE,
                },
            ],
        },
    }],
};
