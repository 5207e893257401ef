//! 责任考评: a year's score sheet per township, built from a versioned sheet definition. Some
//! items are computed from the ledgers (the township's self-discovery rate, its overdue hazards,
//! its inspection coverage against the annual plan) by the ledger query that reads the sheet;
//! the others are entered here by the bureau, each with its evidence. Publishing records the
//! moment the table is read as of, so the published ranks can always be read again as they were.

use chrono::{Datelike, NaiveDate};
use hl_domain::access::require_bureau;
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_domain::rules::{RuleBook, Version};
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::common::v1::EvidenceRef;
use hl_proto::registry_events::EvaluationEvent;
use hl_proto::responsibility::v1 as pb;
use serde::{Deserialize, Serialize};

use super::DomainError;

/// Where an item's score comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The self-discovery rate (matched ÷ government findings) times the item's points; full
    /// points when the government found nothing.
    SelfDiscoveryRate,
    /// The item's points less `per_item` for each hazard overdue in the year, down to zero.
    OverdueHazards { per_item: u32 },
    /// Visits done ÷ visits the annual plan requires, times the points; full points when the
    /// plan requires none.
    InspectionCoverage,
    /// Entered by the bureau with its evidence.
    Entered,
}

#[derive(Debug)]
pub struct SheetItem {
    pub code: &'static str,
    pub title: &'static str,
    pub points: u32,
    pub source: Source,
}

#[derive(Debug)]
pub struct Sheet {
    pub items: &'static [SheetItem],
    /// The total a unit reaches to pass (合格); below it, publishing proposes an accountability
    /// case.
    pub pass_mark: u32,
}

impl Sheet {
    pub fn item(&self, code: &str) -> Option<&SheetItem> {
        self.items.iter().find(|item| item.code == code)
    }

    /// The most a unit can score.
    pub fn full_marks(&self) -> u32 {
        self.items.iter().map(|item| item.points).sum()
    }

    /// Each unit's result from its total: ranked (1 + the units with a higher total), held
    /// against the pass mark, by rank then unit.
    pub fn results(&self, totals: &[(String, f64)]) -> Vec<pb::EvaluationResult> {
        let mut results: Vec<pb::EvaluationResult> = totals
            .iter()
            .map(|(unit, total)| pb::EvaluationResult {
                unit: unit.clone(),
                total: *total,
                rank: 1 + totals.iter().filter(|(_, other)| other > total).count() as u32,
                passed: *total >= f64::from(self.pass_mark),
            })
            .collect();
        results.sort_by(|left, right| left.rank.cmp(&right.rank).then(left.unit.cmp(&right.unit)));
        results
    }

    /// The score of a computed item from its figure (a rate, or a count).
    pub fn computed_score(item: &SheetItem, figure: Option<f64>, count: u32) -> f64 {
        let points = f64::from(item.points);
        match item.source {
            Source::SelfDiscoveryRate | Source::InspectionCoverage => figure
                .map_or(points, |rate| {
                    (rate.clamp(0.0, 1.0) * points * 10.0).round() / 10.0
                }),
            Source::OverdueHazards { per_item } => {
                f64::from(item.points.saturating_sub(per_item.saturating_mul(count)))
            }
            Source::Entered => 0.0,
        }
    }
}

pub const SHEETS: RuleBook<Sheet> = RuleBook {
    subject: "evaluation sheet",
    versions: &[Version {
        // 安全生产责任制考核 of the townships [the items and points are the district's working
        // sheet; the bureau confirms them].
        name: "township-sheet-2023-01-01",
        effective_from: (2023, 1, 1),
        rules: Sheet {
            // 合格: 60 of the 100 points [the district's working sheet; the bureau confirms it].
            pass_mark: 60,
            items: &[
                SheetItem {
                    code: "SELF_DISCOVERY",
                    title: "企业隐患自查自纠率",
                    points: 30,
                    source: Source::SelfDiscoveryRate,
                },
                SheetItem {
                    code: "OVERDUE_HAZARDS",
                    title: "隐患逾期未整改",
                    points: 20,
                    source: Source::OverdueHazards { per_item: 2 },
                },
                SheetItem {
                    code: "INSPECTION_COVERAGE",
                    title: "年度监督检查计划完成率",
                    points: 20,
                    source: Source::InspectionCoverage,
                },
                SheetItem {
                    code: "CENTRE_BUILDING",
                    title: "乡镇应急管理中心建设",
                    points: 15,
                    source: Source::Entered,
                },
                SheetItem {
                    code: "TRAINING",
                    title: "安全生产宣传培训",
                    points: 15,
                    source: Source::Entered,
                },
            ],
        },
    }],
};

#[derive(Clone, Debug, PartialEq)]
pub enum EvaluationCommand {
    Open {
        region: String,
        year: i32,
        units: Vec<String>,
        /// A part of the year (a quarter, a half-year); the whole year when None.
        period: Option<(NaiveDate, NaiveDate)>,
    },
    Enter {
        unit: String,
        item_code: String,
        score: u32,
        note: String,
        evidence: Vec<EvidenceRef>,
    },
    /// Publish with each unit's total as of the publication, computed from the ledgers.
    Publish { totals: Vec<(String, f64)> },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub evaluation_id: String,
    pub region: String,
    pub year: i32,
    pub units: Vec<String>,
    pub sheet_version: String,
    pub entered: Vec<pb::EnteredScore>,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The part of the year evaluated; the whole year when None.
    #[serde(default)]
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// Each unit's published result; empty until published.
    #[serde(default)]
    pub results: Vec<pb::EvaluationResult>,
    #[serde(default)]
    pub pass_mark: f64,
}

/// The whole of a year.
fn whole_year(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
    )
}

/// Checks a period to evaluate: within the year, its first day not after its last.
fn check_period(year: i32, (first, last): (NaiveDate, NaiveDate)) -> Result<(), DomainError> {
    if first.year() != year || last.year() != year {
        return Err(DomainError::invalid(
            "period_start",
            format!("the period evaluated lies within {year}"),
        ));
    }
    if last < first {
        return Err(DomainError::invalid("period_end", "is before period_start"));
    }
    Ok(())
}

impl Evaluation {
    /// The days evaluated, both included.
    pub fn period(&self) -> (NaiveDate, NaiveDate) {
        self.period.unwrap_or_else(|| whole_year(self.year))
    }
}

impl Evaluation {
    fn enter(
        &self,
        (unit, item_code, score): (&str, &str, u32),
        note: &str,
        evidence: &[EvidenceRef],
        context: &CommandContext,
    ) -> Result<Vec<EvaluationEvent>, DomainError> {
        require_bureau(&context.actor, &self.region, "enter an evaluation score")?;
        if self.published_at.is_some() {
            return Err(DomainError::precondition(
                reasons::EVALUATION_PUBLISHED,
                format!("evaluations/{} is published", self.evaluation_id),
            ));
        }
        if !self.units.iter().any(|known| known == unit) {
            return Err(DomainError::invalid(
                "unit",
                format!(
                    "{unit} is not evaluated in evaluations/{}",
                    self.evaluation_id
                ),
            ));
        }
        let sheet = &SHEETS.by_name(&self.sheet_version)?.rules;
        let Some(item) = sheet
            .item(item_code)
            .filter(|item| item.source == Source::Entered)
        else {
            return Err(DomainError::invalid(
                "item_code",
                format!(
                    "{item_code:?} is not an entered item of {}; computed items come from the ledgers",
                    self.sheet_version
                ),
            ));
        };
        if score > item.points {
            return Err(DomainError::invalid(
                "score",
                format!("{} is scored out of {}", item.code, item.points),
            ));
        }
        if evidence.is_empty() {
            return Err(DomainError::invalid(
                "evidence",
                "an entered score names its evidence",
            ));
        }
        Ok(vec![EvaluationEvent::ScoreEntered(
            pb::EvaluationScoreEntered {
                evaluation_id: self.evaluation_id.clone(),
                score: Some(pb::EnteredScore {
                    unit: unit.to_string(),
                    item_code: item_code.to_string(),
                    score,
                    note: note.to_string(),
                    evidence: evidence.to_vec(),
                    entered_by: context.actor.id.clone(),
                }),
            },
        )])
    }

    fn publish(
        &self,
        totals: &[(String, f64)],
        context: &CommandContext,
    ) -> Result<Vec<EvaluationEvent>, DomainError> {
        require_bureau(&context.actor, &self.region, "publish an evaluation")?;
        if self.published_at.is_some() {
            return Err(DomainError::precondition(
                reasons::EVALUATION_PUBLISHED,
                format!("evaluations/{} is published", self.evaluation_id),
            ));
        }
        let sheet = &SHEETS.by_name(&self.sheet_version)?.rules;
        let missing: Vec<String> =
            self.units
                .iter()
                .flat_map(|unit| {
                    sheet
                        .items
                        .iter()
                        .filter(|item| item.source == Source::Entered)
                        .filter(move |item| {
                            !self.entered.iter().any(|entered| {
                                &entered.unit == unit && entered.item_code == item.code
                            })
                        })
                        .map(move |item| format!("{unit}/{}", item.code))
                })
                .collect();
        if !missing.is_empty() {
            return Err(DomainError::precondition(
                reasons::SCORES_MISSING,
                format!("still to enter: {}", missing.join(", ")),
            ));
        }
        // The period's figures are read as of the publication: not before the period has ended.
        let day = local_date(context.occurred_at);
        let (first, last) = self.period();
        if day <= last {
            return Err(DomainError::precondition(
                reasons::EVALUATION_PERIOD_NOT_OVER,
                format!("{first} to {last} is evaluated once it is over"),
            ));
        }
        check_totals(&self.units, totals, sheet)?;
        Ok(vec![EvaluationEvent::Published(pb::EvaluationPublished {
            evaluation_id: self.evaluation_id.clone(),
            results: sheet.results(totals),
            pass_mark: f64::from(sheet.pass_mark),
        })])
    }
}

/// The totals computed for a publication name every unit evaluated once, each within the
/// sheet's full marks: a scorer that lost a unit must not publish it as passed or failed.
fn check_totals(
    units: &[String],
    totals: &[(String, f64)],
    sheet: &Sheet,
) -> Result<(), DomainError> {
    let full = f64::from(sheet.full_marks());
    for unit in units {
        let count = totals.iter().filter(|(scored, _)| scored == unit).count();
        if count != 1 {
            return Err(DomainError::precondition(
                reasons::TOTALS_INCOMPLETE,
                format!("the ledger scored {unit} {count} times; it is scored once"),
            ));
        }
    }
    if let Some((unit, total)) = totals.iter().find(|(unit, total)| {
        !units.contains(unit) || !total.is_finite() || *total < 0.0 || *total > full
    }) {
        return Err(DomainError::precondition(
            reasons::TOTALS_INCOMPLETE,
            format!(
                "the ledger scored {unit} {total}, outside the sheet's 0 to {full} or its units"
            ),
        ));
    }
    Ok(())
}

impl Aggregate for Evaluation {
    type Event = EvaluationEvent;
    type Command = EvaluationCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "evaluation";
    const COLLECTION: &'static str = "evaluations";

    fn expects(command: &EvaluationCommand) -> Expects {
        match command {
            EvaluationCommand::Open { .. } => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &EvaluationCommand,
        context: &CommandContext,
    ) -> Result<Vec<EvaluationEvent>, DomainError> {
        match command {
            EvaluationCommand::Open {
                region,
                year,
                units,
                period,
            } => {
                require_bureau(&context.actor, region, "open an evaluation")?;
                if let Some(period) = period {
                    check_period(*year, *period)?;
                }
                if units.is_empty() {
                    return Err(DomainError::precondition(
                        reasons::NO_UNITS,
                        "the district has no township to evaluate",
                    ));
                }
                let (first, last) = period.unwrap_or_else(|| whole_year(*year));
                Ok(vec![EvaluationEvent::Opened(pb::EvaluationOpened {
                    evaluation_id: context.aggregate_id.clone(),
                    region: region.clone(),
                    year: *year,
                    units: units.clone(),
                    // The sheet in force on the period's first day.
                    sheet_version: SHEETS.in_force(first).name.to_string(),
                    period_start: period.map(|_| first.into()),
                    period_end: period.map(|_| last.into()),
                })])
            }
            EvaluationCommand::Enter {
                unit,
                item_code,
                score,
                note,
                evidence,
            } => self.enter((unit, item_code, *score), note, evidence, context),
            EvaluationCommand::Publish { totals } => self.publish(totals, context),
        }
    }

    fn apply(&mut self, event: &EvaluationEvent, meta: &EventMeta) {
        match event {
            EvaluationEvent::Opened(opened) => {
                *self = Evaluation {
                    evaluation_id: opened.evaluation_id.clone(),
                    region: opened.region.clone(),
                    year: opened.year,
                    units: opened.units.clone(),
                    sheet_version: opened.sheet_version.clone(),
                    period: opened
                        .period_start
                        .and_then(|first| first.to_naive())
                        .zip(opened.period_end.and_then(|last| last.to_naive())),
                    ..Evaluation::default()
                };
            }
            EvaluationEvent::ScoreEntered(entered) => {
                if let Some(score) = &entered.score {
                    // An item entered again replaces its score; the earlier one stays in history.
                    self.entered.retain(|known| {
                        !(known.unit == score.unit && known.item_code == score.item_code)
                    });
                    self.entered.push(score.clone());
                }
            }
            EvaluationEvent::Published(published) => {
                self.published_at = Some(meta.occurred_at);
                self.results = published.results.clone();
                self.pass_mark = published.pass_mark;
            }
        }
    }
}
