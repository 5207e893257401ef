//! 履责 read from the hazards stream: what each commit of a hazard derives, whatever the order
//! of its grading and the government's first step, and what an enterprise's regrade cannot undo.

use chrono::{DateTime, NaiveDate, Utc};
use hl_domain::EventMeta;
use hl_proto::hazard_events::HazardEvent;
use hl_proto::hazards::v1 as hz;
use hl_proto::hazards::v1::{HazardLevel, Provenance};

use super::*;
use crate::domain::hazard_watch::{Derived, HazardWatch, derive};

const REVIEW_DAYS: i64 = 10;

fn reported(provenance: Provenance) -> HazardEvent {
    HazardEvent::Reported(hz::HazardReported {
        hazard_id: "h-1".into(),
        enterprise_id: "e-1".into(),
        township_code: "330903001".into(),
        provenance: provenance as i32,
        ..Default::default()
    })
}

fn graded(level: HazardLevel) -> HazardEvent {
    HazardEvent::Graded(hz::HazardGraded {
        hazard_id: "h-1".into(),
        level: level as i32,
        ..Default::default()
    })
}

fn verified() -> HazardEvent {
    HazardEvent::RectificationVerified(hz::RectificationVerified {
        hazard_id: "h-1".into(),
        ..Default::default()
    })
}

fn by(actor: hl_proto::common::v1::Actor, at: DateTime<Utc>, id: &str) -> EventMeta {
    EventMeta {
        event_id: id.into(),
        ..EventMeta::at(at, actor)
    }
}

/// Runs commits through the watch, returning everything they derived.
fn run(commits: Vec<Vec<(HazardEvent, EventMeta)>>) -> (HazardWatch, Vec<Derived>) {
    let mut watch = HazardWatch::default();
    let mut all = Vec::new();
    for commit in commits {
        let (after, derived) = derive(&watch, &commit, REVIEW_DAYS);
        watch = after;
        all.extend(derived);
    }
    (watch, all)
}

/// The enterprise's report of its own hazard on 2026-03-02, graded in the same commit.
fn self_reported(level: HazardLevel) -> Vec<(HazardEvent, EventMeta)> {
    vec![
        (
            reported(Provenance::EnterpriseSelf),
            by(enterprise(), noon("2026-03-02"), "e1"),
        ),
        (graded(level), by(enterprise(), noon("2026-03-02"), "e2")),
    ]
}

fn on(text: &str) -> NaiveDate {
    day(text)
}

#[test]
fn a_self_reported_major_hazard_owes_a_review_met_by_the_governments_first_step() {
    let (_, derived) = run(vec![
        self_reported(HazardLevel::Major),
        vec![(
            graded(HazardLevel::Major),
            by(township_officer("330903001"), noon("2026-03-09"), "e3"),
        )],
        vec![(verified(), by(inspector(), noon("2026-04-20"), "e4"))],
    ]);
    assert_eq!(
        derived,
        [
            Derived::ReviewOwed {
                reported_on: on("2026-03-02"),
                due_on: on("2026-03-12"),
            },
            Derived::Reviewed {
                on: on("2026-03-09"),
                by: "township-1".into(),
                reported_on: on("2026-03-02"),
                due_on: on("2026-03-12"),
            },
            Derived::RectificationChecked {
                on: on("2026-04-20"),
                by: "officer-1".into(),
                event_id: "e4".into(),
            },
        ]
    );
}

#[test]
fn a_step_before_the_major_grading_is_the_review_once_the_hazard_is_major() {
    let (_, derived) = run(vec![
        self_reported(HazardLevel::General),
        vec![(
            graded(HazardLevel::Major),
            by(township_officer("330903001"), noon("2026-03-05"), "e3"),
        )],
    ]);
    assert_eq!(derived.len(), 2);
    assert!(matches!(derived[0], Derived::ReviewOwed { .. }));
    assert!(matches!(&derived[1], Derived::Reviewed { on: day, .. } if *day == on("2026-03-05")));
}

#[test]
fn a_regrade_to_general_does_not_take_the_owed_review_back() {
    let (watch, derived) = run(vec![
        self_reported(HazardLevel::Major),
        vec![(
            graded(HazardLevel::General),
            by(enterprise(), noon("2026-03-03"), "e3"),
        )],
    ]);
    assert!(watch.owes_review());
    assert_eq!(derived.len(), 1, "owed once, and not reviewed: {derived:?}");
}

#[test]
fn a_government_finding_owes_no_review_and_an_enterprises_own_verification_is_no_check() {
    let (_, derived) = run(vec![
        vec![
            (
                reported(Provenance::GovernmentInspection),
                by(inspector(), noon("2026-03-02"), "e1"),
            ),
            (
                graded(HazardLevel::Major),
                by(inspector(), noon("2026-03-02"), "e2"),
            ),
        ],
        vec![(verified(), by(enterprise(), noon("2026-03-20"), "e3"))],
    ]);
    assert!(derived.is_empty(), "{derived:?}");
}
