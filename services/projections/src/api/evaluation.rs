//! The evaluation table of LedgerService (责任考评): each township's score on the sheet's items,
//! the computed ones read from the reconciliation of the year as of the publication (or now,
//! before it), each with its figure and the records it counted.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hl_domain::access::require_district_reader;
use hl_proto::ledger::v1 as pb;
use hl_proto::ledger::v1::{DiscrepancyClass, GroupBy};
use hl_responsibility::domain::evaluation::{SHEETS, Sheet, SheetItem, Source};
use hl_responsibility::read_models::{AreaRow, EvaluationStateRow};
use hl_runtime::validation::resource_id;
use hl_runtime::{ServiceError, Violations, caller};
use tonic::{Request, Response, Status};

use super::ledger::LedgerGrpc;
use super::{begin_read, database_error};
use crate::reader::{self, Scope};
use crate::reconciliation::{self, DiscrepancyRow, Rates, ratio};

fn hazard_names(ids: &[String]) -> Vec<String> {
    ids.iter().map(|id| format!("hazards/{id}")).collect()
}

pub async fn get_evaluation_table(
    ledger: &LedgerGrpc,
    request: Request<pb::GetEvaluationTableRequest>,
) -> Result<Response<pb::EvaluationTable>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let evaluation_id = resource_id("name", &body.name, "evaluations")?.to_string();
    require_district_reader(&actor, &ledger.0.region).map_err(ServiceError::from)?;
    let mut violations = Violations::new();
    let at = violations.optional_past_time("as_of", body.as_of.as_ref(), Utc::now());
    violations.into_result()?;
    if body.consistent {
        ledger.0.catch_up(CATCH_UP_WAIT).await?;
    }
    evaluation_table(ledger, &evaluation_id, at)
        .await
        .map(Response::new)
}

/// How long a consistent read waits for the read models to catch up.
pub const CATCH_UP_WAIT: Duration = Duration::from_secs(10);

/// The table of an evaluation: as of `at` when given (a publication being scored), else as of
/// its publication, or now before it.
pub async fn evaluation_table(
    ledger: &LedgerGrpc,
    evaluation_id: &str,
    at: Option<DateTime<Utc>>,
) -> Result<pb::EvaluationTable, Status> {
    let evaluation_id = evaluation_id.to_string();
    let shared = &ledger.0;
    // Held for the whole query: the generation's tables stay until it ends.
    let reading_generation = shared.generation();
    let generation = *reading_generation;
    let Some(row) =
        reader::all_rows::<EvaluationStateRow>(&mut begin_read(shared).await?, generation)
            .await
            .map_err(database_error)?
            .into_iter()
            .find(|row| row.evaluation_id == evaluation_id)
    else {
        return Err(ServiceError::not_found(format!("evaluations/{evaluation_id}")).into());
    };
    let evaluation = row.state.0;
    let sheet = &SHEETS
        .by_name(&evaluation.sheet_version)
        .map_err(ServiceError::from)?
        .rules;
    let now = Utc::now();
    let as_of = at.or(evaluation.published_at).unwrap_or(now).min(now);
    let year = evaluation.year;
    let scope = Scope {
        as_of,
        known_at: as_of,
        current: at.is_none() && evaluation.published_at.is_none(),
        period_start: evaluation.period().0,
        period_end: evaluation.period().1,
        enterprise_id: None,
        township_code: None,
        industry: None,
    };
    let reconciled = ledger.reconciled(&scope).await?;
    let (_, by_township) = reconciliation::rates(
        &reconciled.snapshot,
        &reconciled.discrepancies,
        GroupBy::Township,
    );
    let overdue = overdue_by_township(&reconciled.discrepancies);
    let names: HashMap<String, String> =
        reader::all_rows::<AreaRow>(&mut begin_read(shared).await?, generation)
            .await
            .map_err(database_error)?
            .into_iter()
            .map(|area| (area.code, area.name))
            .collect();
    let empty = Rates::default();
    let mut rows: Vec<pb::EvaluationRow> = evaluation
        .units
        .iter()
        .map(|unit| {
            let figures = Figures {
                rates: by_township.get(unit).unwrap_or(&empty),
                overdue: overdue.get(unit.as_str()).map(Vec::as_slice).unwrap_or(&[]),
                entered: &evaluation.entered,
                unit,
            };
            let items: Vec<pb::EvaluationItemScore> =
                sheet.items.iter().map(|item| figures.score(item)).collect();
            pb::EvaluationRow {
                unit: unit.clone(),
                unit_name: names.get(unit).cloned().unwrap_or_default(),
                total: (items.iter().map(|item| item.score).sum::<f64>() * 10.0).round() / 10.0,
                items,
                rank: 0,
                passed: false,
            }
        })
        .collect();
    rank(&mut rows, sheet);
    Ok(pb::EvaluationTable {
        evaluation_id,
        year,
        sheet_version: evaluation.sheet_version,
        published: evaluation.published_at.is_some(),
        as_of: Some(hl_proto::timestamp(as_of)),
        rows,
        freshness: Some(super::freshness(shared)),
        period_start: Some(scope.period_start.into()),
        period_end: Some(scope.period_end.into()),
        pass_mark: f64::from(sheet.pass_mark),
    })
}

/// The overdue hazards of each township, for the items that count them.
fn overdue_by_township(discrepancies: &[DiscrepancyRow]) -> HashMap<&str, Vec<String>> {
    let mut overdue: HashMap<&str, Vec<String>> = HashMap::new();
    for row in discrepancies
        .iter()
        .filter(|row| row.class == DiscrepancyClass::Overdue)
    {
        overdue
            .entry(row.attributes.township_code.as_str())
            .or_default()
            .extend(row.hazard_ids.iter().cloned());
    }
    overdue
}

/// Ranked and held against the pass mark as publication records them, best first.
fn rank(rows: &mut [pb::EvaluationRow], sheet: &Sheet) {
    let totals: Vec<(String, f64)> = rows
        .iter()
        .map(|row| (row.unit.clone(), row.total))
        .collect();
    let results: HashMap<String, (u32, bool)> = sheet
        .results(&totals)
        .into_iter()
        .map(|result| (result.unit, (result.rank, result.passed)))
        .collect();
    for row in rows.iter_mut() {
        (row.rank, row.passed) = results.get(&row.unit).copied().unwrap_or_default();
    }
    rows.sort_by(|left, right| left.rank.cmp(&right.rank).then(left.unit.cmp(&right.unit)));
}

/// What one township's items are scored from.
struct Figures<'a> {
    rates: &'a Rates,
    overdue: &'a [String],
    entered: &'a [hl_proto::responsibility::v1::EnteredScore],
    unit: &'a str,
}

impl Figures<'_> {
    /// One item's score, with the figure and the records behind it.
    fn score(&self, item: &SheetItem) -> pb::EvaluationItemScore {
        let mut scored = pb::EvaluationItemScore {
            item_code: item.code.to_string(),
            title: item.title.to_string(),
            points: item.points,
            ..pb::EvaluationItemScore::default()
        };
        match item.source {
            Source::SelfDiscoveryRate => {
                let rate = &self.rates.self_discovery;
                scored.figure = rate.value();
                scored.count = rate.numerator.len() as u32;
                scored.numerator = hazard_names(&rate.numerator);
                scored.denominator = hazard_names(&rate.denominator);
                scored.score = Sheet::computed_score(item, scored.figure, 0);
            }
            Source::OverdueHazards { .. } => {
                scored.count = self.overdue.len() as u32;
                scored.numerator = hazard_names(self.overdue);
                scored.score = Sheet::computed_score(item, None, scored.count);
            }
            Source::InspectionCoverage => {
                scored.figure = ratio(self.rates.visits_done, self.rates.visits_required);
                scored.count = self.rates.visits_done;
                scored.score = Sheet::computed_score(item, scored.figure, 0);
            }
            Source::Entered => {
                scored.entered = true;
                if let Some(entered) = self
                    .entered
                    .iter()
                    .find(|entered| entered.unit == self.unit && entered.item_code == item.code)
                {
                    scored.score = f64::from(entered.score);
                    scored.note = entered.note.clone();
                    scored.numerator = entered
                        .evidence
                        .iter()
                        .map(|evidence| format!("evidence/{}", evidence.sha256))
                        .collect();
                }
            }
        }
        scored
    }
}
