//! 履责: performances counted once per source, a month closed only once it is over, against what
//! the duties held that month expect, with a gap naming what is missing; a late performance
//! stays on the record without undoing the gap.

use hl_domain::Given;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::{Duty, ObjectKind};

use super::*;
use crate::domain::duty_period::{
    DutyPeriod, DutyPeriodCommand, HeldDuty, expected_of, month_days, period_id,
};
use crate::domain::responsibilities::{HAZARD_REVIEWED, Held, RECTIFICATION_CHECKED};

const TOWNSHIP: &str = "330903001";

fn held(object_id: &str, from: &str, until: Option<&str>) -> HeldDuty {
    HeldDuty {
        kind: ObjectKind::Enterprise,
        object_id: object_id.into(),
        place_code: TOWNSHIP.into(),
        held: Held {
            assignment_id: format!("a-{object_id}"),
            person_id: "officer-1".into(),
            duties: vec![Duty::ResponsibleOfficer],
            valid_from: day(from),
            valid_until: until.map(day),
            ..Held::default()
        },
    }
}

fn performance(source: &str, object_id: &str, on: &str) -> DutyPeriodCommand {
    DutyPeriodCommand::Record {
        person_id: "officer-1".into(),
        performance: pb::Performance {
            source_id: source.into(),
            kind: ObjectKind::Enterprise as i32,
            object_id: object_id.into(),
            on: Some(day(on).into()),
            what: "INSPECTION_COMPLETED".into(),
            ..Default::default()
        },
    }
}

fn close(held: &[HeldDuty]) -> DutyPeriodCommand {
    let (expected, version) = expected_of(held, 2026, 3);
    DutyPeriodCommand::Close {
        person_id: "officer-1".into(),
        year: 2026,
        month: 3,
        expected,
        rule_version: version.into(),
    }
}

fn march() -> Given<DutyPeriod> {
    Given::new(&period_id("officer-1", 2026, 3))
}

#[test]
fn a_month_expects_a_visit_of_each_enterprise_held_long_enough() {
    assert_eq!(
        month_days(2026, 2),
        Some((day("2026-02-01"), day("2026-02-28")))
    );
    let (expected, version) = expected_of(
        &[
            held("a", "2026-01-01", None),
            // 17 days of March: expected.
            held("b", "2026-03-15", None),
            // 14 days: too few.
            held("c", "2026-03-18", None),
            // Ended in February.
            held("d", "2026-01-01", Some("2026-02-28")),
        ],
        2026,
        3,
    );
    let objects: Vec<&str> = expected
        .iter()
        .map(|entry| entry.object_id.as_str())
        .collect();
    assert_eq!(objects, ["a", "b"]);
    assert_eq!(expected[0].required, 1);
    assert_eq!(version, "duties-2023-01-01");
}

#[test]
fn each_source_counts_once() {
    let mut month = march();
    let first = month
        .then(
            &performance("inspection:i-1", "a", "2026-03-10"),
            &inspector(),
            noon("2026-03-10"),
        )
        .unwrap();
    assert_eq!(first.len(), 1);
    let again = month
        .then(
            &performance("inspection:i-1", "a", "2026-03-10"),
            &inspector(),
            noon("2026-03-11"),
        )
        .unwrap();
    assert!(again.is_empty(), "a redelivered inspection counted twice");
    assert_eq!(month.performances.len(), 1);
    assert_eq!((month.person_id.as_str(), month.month), ("officer-1", 3));
}

#[test]
fn a_month_closed_short_records_the_gap_and_a_late_performance_keeps_it() {
    let assignments = [held("a", "2026-01-01", None), held("b", "2026-01-01", None)];
    let mut month = march().given(
        &performance("inspection:i-1", "a", "2026-03-10"),
        &inspector(),
        noon("2026-03-10"),
    );
    assert_eq!(
        reason(month.when(&close(&assignments), &administrator(), noon("2026-03-31"))),
        "DUTY_PERIOD_NOT_OVER"
    );
    assert_eq!(
        reason(month.when(&close(&assignments), &inspector(), noon("2026-04-01"))),
        "BUREAU_ROLE_REQUIRED"
    );
    let events = month
        .then(&close(&assignments), &administrator(), noon("2026-04-01"))
        .unwrap();
    assert_eq!(names(&events), ["DutyPeriodClosed", "DutyGapRecorded"]);
    let missing: Vec<(&str, u32, u32)> = month
        .shortfalls
        .iter()
        .map(|short| (short.object_id.as_str(), short.required, short.performed))
        .collect();
    assert_eq!(missing, [("b", 1, 0)]);
    assert_eq!(month.shortfalls[0].place_code, TOWNSHIP);
    assert_eq!(
        reason(month.when(&close(&assignments), &administrator(), noon("2026-04-02"))),
        "DUTY_PERIOD_CLOSED"
    );
    month
        .then(
            &performance("inspection:i-2", "b", "2026-03-31"),
            &inspector(),
            noon("2026-04-02"),
        )
        .unwrap();
    assert!(month.performances[1].after_close);
    assert_eq!(
        month.shortfalls.len(),
        1,
        "a late visit does not undo the gap"
    );
}

#[test]
fn a_month_that_meets_its_duties_closes_without_a_gap() {
    let assignments = [held("a", "2026-01-01", None)];
    let mut month = march().given(
        &performance("inspection:i-1", "a", "2026-03-10"),
        &inspector(),
        noon("2026-03-10"),
    );
    let events = month
        .then(&close(&assignments), &administrator(), noon("2026-04-01"))
        .unwrap();
    assert_eq!(names(&events), ["DutyPeriodClosed"]);
    assert!(month.closed && month.shortfalls.is_empty());
}

fn review_owed(hazard: &str, due: &str) -> DutyPeriodCommand {
    DutyPeriodCommand::Owe {
        person_id: "officer-1".into(),
        year: 2026,
        month: 3,
        owed: pb::ExpectedPerformance {
            kind: ObjectKind::Enterprise as i32,
            object_id: "a".into(),
            duty: Duty::ResponsibleOfficer as i32,
            required: 1,
            place_code: TOWNSHIP.into(),
            source_id: format!("hazard-review:{hazard}"),
            due_on: Some(day(due).into()),
            counted_kinds: vec![HAZARD_REVIEWED.into()],
            performed: 0,
        },
    }
}

fn review(hazard: &str, object_id: &str, on: &str) -> DutyPeriodCommand {
    DutyPeriodCommand::Record {
        person_id: "officer-1".into(),
        performance: pb::Performance {
            source_id: format!("hazard-review:{hazard}"),
            kind: ObjectKind::Enterprise as i32,
            object_id: object_id.into(),
            on: Some(day(on).into()),
            what: HAZARD_REVIEWED.into(),
            performed_by: "officer-2".into(),
            after_close: false,
        },
    }
}

#[test]
fn a_review_owed_is_met_only_by_its_own_review_on_or_before_its_day() {
    let assignments = [held("a", "2026-01-01", None)];
    let mut month = march()
        .given(
            &review_owed("h-1", "2026-03-12"),
            &system(),
            noon("2026-03-02"),
        )
        .given(
            &review_owed("h-2", "2026-03-20"),
            &system(),
            noon("2026-03-10"),
        )
        .given(
            &review_owed("h-3", "2026-03-25"),
            &system(),
            noon("2026-03-15"),
        );
    // Owed twice (a redelivery): once.
    assert!(
        month
            .then(
                &review_owed("h-1", "2026-03-12"),
                &system(),
                noon("2026-03-16")
            )
            .unwrap()
            .is_empty()
    );
    // h-1 reviewed in time by a colleague; h-2 reviewed a day late; h-3 never. The monthly
    // visit is an inspection, which meets no review.
    let mut month = month
        .given(
            &review("h-1", "a", "2026-03-12"),
            &system(),
            noon("2026-03-16"),
        )
        .given(
            &review("h-2", "a", "2026-03-21"),
            &system(),
            noon("2026-03-21"),
        )
        .given(
            &performance("inspection:i-1", "a", "2026-03-22"),
            &inspector(),
            noon("2026-03-22"),
        );
    let events = month
        .then(&close(&assignments), &administrator(), noon("2026-04-01"))
        .unwrap();
    assert_eq!(names(&events), ["DutyPeriodClosed", "DutyGapRecorded"]);
    let missing: Vec<(&str, &str, u32)> = month
        .shortfalls
        .iter()
        .map(|short| {
            (
                short.object_id.as_str(),
                short.source_id.as_str(),
                short.performed,
            )
        })
        .collect();
    assert_eq!(
        missing,
        [("a", "hazard-review:h-2", 0), ("a", "hazard-review:h-3", 0)]
    );
    assert_eq!(month.expected.len(), 4, "the visit and the three reviews");
}

#[test]
fn a_review_is_owed_only_by_a_day_of_its_month_and_only_by_the_district() {
    let month = march();
    assert_eq!(
        reason(month.when(
            &review_owed("h-1", "2026-04-02"),
            &system(),
            noon("2026-03-02")
        )),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        reason(month.when(
            &review_owed("h-1", "2026-03-12"),
            &enterprise(),
            noon("2026-03-02")
        )),
        "GOVERNMENT_ROLE_REQUIRED"
    );
}

#[test]
fn a_monthly_visit_counts_an_inspection_or_a_rectification_check_and_nothing_else() {
    let assignments = [held("a", "2026-01-01", None), held("b", "2026-01-01", None)];
    let month = march().given(
        &DutyPeriodCommand::Record {
            person_id: "officer-1".into(),
            performance: pb::Performance {
                source_id: "rectification-check:e-1".into(),
                kind: ObjectKind::Enterprise as i32,
                object_id: "a".into(),
                on: Some(day("2026-03-05").into()),
                what: RECTIFICATION_CHECKED.into(),
                performed_by: "officer-1".into(),
                after_close: false,
            },
        },
        &system(),
        noon("2026-03-05"),
    );
    // A review of a hazard at b is not a visit of b.
    let mut month = month.given(
        &review("h-9", "b", "2026-03-06"),
        &system(),
        noon("2026-03-06"),
    );
    month
        .then(&close(&assignments), &administrator(), noon("2026-04-01"))
        .unwrap();
    let missing: Vec<&str> = month
        .shortfalls
        .iter()
        .map(|short| short.object_id.as_str())
        .collect();
    assert_eq!(missing, ["b"]);
}
