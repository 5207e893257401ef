//! 责任考评: entered items only, within their points and with evidence; computed items scored
//! from their figures; published once the year is over and every entered item is scored, and
//! fixed from then on.

use hl_domain::Given;
use hl_proto::common::v1::EvidenceRef;

use super::*;
use crate::domain::evaluation::{Evaluation, EvaluationCommand, SHEETS, Sheet};

const UNITS: [&str; 2] = ["330903001", "330903002"];

fn opened() -> Given<Evaluation> {
    Given::<Evaluation>::new("evaluation-2026").given(
        &EvaluationCommand::Open {
            region: "330903".into(),
            year: 2026,
            units: UNITS.iter().map(|unit| unit.to_string()).collect(),
            period: None,
        },
        &administrator(),
        noon("2026-12-01"),
    )
}

/// Publication with each unit's total, as the ledger computes them.
fn publish(totals: &[(&str, f64)]) -> EvaluationCommand {
    EvaluationCommand::Publish {
        totals: totals
            .iter()
            .map(|(unit, total)| (unit.to_string(), *total))
            .collect(),
    }
}

fn evidence() -> Vec<EvidenceRef> {
    vec![EvidenceRef {
        sha256: "ab".repeat(32),
        media_type: "application/pdf".into(),
        ..EvidenceRef::default()
    }]
}

fn enter(unit: &str, item: &str, score: u32) -> EvaluationCommand {
    EvaluationCommand::Enter {
        unit: unit.into(),
        item_code: item.into(),
        score,
        note: String::new(),
        evidence: evidence(),
    }
}

#[test]
fn computed_items_score_from_their_figures() {
    let sheet = &SHEETS.versions[0].rules;
    let discovery = sheet.item("SELF_DISCOVERY").unwrap();
    assert_eq!(Sheet::computed_score(discovery, Some(0.5), 0), 15.0);
    assert_eq!(Sheet::computed_score(discovery, None, 0), 30.0);
    let overdue = sheet.item("OVERDUE_HAZARDS").unwrap();
    assert_eq!(Sheet::computed_score(overdue, None, 3), 14.0);
    assert_eq!(Sheet::computed_score(overdue, None, 50), 0.0);
    let points: u32 = sheet.items.iter().map(|item| item.points).sum();
    assert_eq!(points, 100);
}

#[test]
fn only_entered_items_are_entered_within_their_points_with_evidence() {
    let evaluation = opened();
    let at = noon("2026-12-02");
    assert_eq!(evaluation.sheet_version, "township-sheet-2023-01-01");
    for (command, expected) in [
        (enter(UNITS[0], "SELF_DISCOVERY", 10), "INVALID_ARGUMENT"),
        (enter(UNITS[0], "TRAINING", 16), "INVALID_ARGUMENT"),
        (enter("330903999", "TRAINING", 10), "INVALID_ARGUMENT"),
        (
            EvaluationCommand::Enter {
                unit: UNITS[0].into(),
                item_code: "TRAINING".into(),
                score: 10,
                note: String::new(),
                evidence: Vec::new(),
            },
            "INVALID_ARGUMENT",
        ),
    ] {
        assert_eq!(
            reason(evaluation.when(&command, &administrator(), at)),
            expected
        );
    }
    assert_eq!(
        reason(evaluation.when(&enter(UNITS[0], "TRAINING", 10), &inspector(), at)),
        "BUREAU_ROLE_REQUIRED"
    );
}

#[test]
fn publication_needs_every_entered_score_and_the_year_over_and_fixes_the_sheet() {
    let mut evaluation = opened();
    let at = noon("2026-12-02");
    evaluation
        .then(&enter(UNITS[0], "TRAINING", 12), &administrator(), at)
        .unwrap();
    let refusal = evaluation
        .when(
            &publish(&[(UNITS[0], 72.5), (UNITS[1], 58.0)]),
            &administrator(),
            noon("2027-01-05"),
        )
        .unwrap_err();
    assert_eq!(refusal.reason(), "SCORES_MISSING");
    assert!(
        refusal.to_string().contains("330903001/CENTRE_BUILDING"),
        "{refusal}"
    );
    for unit in UNITS {
        for item in ["TRAINING", "CENTRE_BUILDING"] {
            evaluation
                .then(&enter(unit, item, 10), &administrator(), at)
                .unwrap();
        }
    }
    assert_eq!(
        evaluation.entered.len(),
        4,
        "an item entered again replaces its score"
    );
    assert_eq!(
        reason(evaluation.when(
            &publish(&[(UNITS[0], 72.5), (UNITS[1], 58.0)]),
            &administrator(),
            noon("2026-12-31")
        )),
        "EVALUATION_PERIOD_NOT_OVER"
    );
    evaluation
        .then(
            &publish(&[(UNITS[0], 72.5), (UNITS[1], 58.0)]),
            &administrator(),
            noon("2027-01-05"),
        )
        .unwrap();
    assert_eq!(evaluation.published_at, Some(noon("2027-01-05")));
    assert_eq!(
        reason(evaluation.when(
            &enter(UNITS[0], "TRAINING", 15),
            &administrator(),
            noon("2027-01-06")
        )),
        "EVALUATION_PUBLISHED"
    );
}

#[test]
fn a_quarter_is_evaluated_once_it_is_over_and_a_period_stays_within_its_year() {
    let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    let open = |first: &str, last: &str| EvaluationCommand::Open {
        region: "330903".into(),
        year: 2026,
        units: UNITS.iter().map(|unit| unit.to_string()).collect(),
        period: Some((day(first), day(last))),
    };
    let fresh = Given::<Evaluation>::new("evaluation-2026-q1");
    let at = noon("2026-03-01");
    for (first, last) in [("2025-12-01", "2026-03-31"), ("2026-03-31", "2026-01-01")] {
        assert_eq!(
            reason(fresh.when(&open(first, last), &administrator(), at)),
            "INVALID_ARGUMENT"
        );
    }
    let mut quarter = fresh.given(&open("2026-01-01", "2026-03-31"), &administrator(), at);
    assert_eq!(quarter.period(), (day("2026-01-01"), day("2026-03-31")));
    for unit in UNITS {
        for item in ["TRAINING", "CENTRE_BUILDING"] {
            quarter
                .then(&enter(unit, item, 10), &administrator(), at)
                .unwrap();
        }
    }
    assert_eq!(
        reason(quarter.when(
            &publish(&[(UNITS[0], 72.5), (UNITS[1], 58.0)]),
            &administrator(),
            noon("2026-03-31")
        )),
        "EVALUATION_PERIOD_NOT_OVER"
    );
    quarter
        .then(
            &publish(&[(UNITS[0], 72.5), (UNITS[1], 58.0)]),
            &administrator(),
            noon("2026-04-01"),
        )
        .unwrap();
    assert_eq!(quarter.published_at, Some(noon("2026-04-01")));
    // A year's evaluation opened without a period covers the whole year.
    assert_eq!(opened().period(), (day("2026-01-01"), day("2026-12-31")));
}

/// An evaluation ready to publish: every entered item scored.
fn scored() -> Given<Evaluation> {
    let mut evaluation = opened();
    for unit in UNITS {
        for item in ["TRAINING", "CENTRE_BUILDING"] {
            evaluation
                .then(&enter(unit, item, 10), &administrator(), noon("2026-12-02"))
                .unwrap();
        }
    }
    evaluation
}

#[test]
fn publication_records_each_units_total_rank_and_pass_against_the_sheets_pass_mark() {
    let mut evaluation = scored();
    let sheet = &SHEETS.by_name(&evaluation.sheet_version).unwrap().rules;
    assert_eq!((sheet.pass_mark, sheet.full_marks()), (60, 100));
    let events = evaluation
        .then(
            &publish(&[(UNITS[1], 59.9), (UNITS[0], 60.0)]),
            &administrator(),
            noon("2027-01-05"),
        )
        .unwrap();
    let results: Vec<(String, f64, u32, bool)> = evaluation
        .results
        .iter()
        .map(|result| {
            (
                result.unit.clone(),
                result.total,
                result.rank,
                result.passed,
            )
        })
        .collect();
    assert_eq!(
        results,
        vec![
            (UNITS[0].to_string(), 60.0, 1, true),
            (UNITS[1].to_string(), 59.9, 2, false),
        ],
        "the pass mark itself passes; a tenth below fails"
    );
    assert_eq!(evaluation.pass_mark, 60.0);
    assert_eq!(events.len(), 1, "{events:?}");
}

#[test]
fn equal_totals_share_a_rank() {
    let sheet = &SHEETS.versions[0].rules;
    let ranks: Vec<u32> = sheet
        .results(&[("a".into(), 80.0), ("b".into(), 90.0), ("c".into(), 80.0)])
        .iter()
        .map(|result| result.rank)
        .collect();
    assert_eq!(ranks, vec![1, 2, 2]);
}

#[test]
fn totals_that_miss_a_unit_name_another_or_leave_the_sheets_range_are_refused() {
    let evaluation = scored();
    let at = noon("2027-01-05");
    for totals in [
        vec![(UNITS[0], 70.0)],
        vec![(UNITS[0], 70.0), (UNITS[1], 70.0), (UNITS[1], 70.0)],
        vec![(UNITS[0], 70.0), (UNITS[1], 70.0), ("330903099", 70.0)],
        vec![(UNITS[0], 70.0), (UNITS[1], 100.5)],
        vec![(UNITS[0], -1.0), (UNITS[1], 70.0)],
        vec![(UNITS[0], f64::NAN), (UNITS[1], 70.0)],
    ] {
        assert_eq!(
            reason(evaluation.when(&publish(&totals), &administrator(), at)),
            "TOTALS_INCOMPLETE",
            "{totals:?}"
        );
    }
}
