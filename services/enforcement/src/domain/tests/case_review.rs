//! The case-file review (案卷评查): a reproducible draw, cross-review that never gives a reviewer
//! their own unit's file, veto items before points, the grade lines, and publication only once
//! every drawn file is scored.

use std::collections::BTreeSet;

use hl_domain::Given;
use hl_proto::enforcement::v1::{FileGrade, ReviewStatus};

use super::*;
use crate::domain::case_review::{
    CaseFile, CaseFileReview, CaseReviewCommand, DrawSample, Reviewer, Score,
};

fn file(case_id: &str, units: &[&str]) -> CaseFile {
    CaseFile {
        case_id: case_id.into(),
        township_code: TOWNSHIP.into(),
        units: units.iter().map(|unit| unit.to_string()).collect(),
    }
}

/// The inspector works in the bureau's first brigade, the administrator in its legal section.
fn reviewers() -> Vec<Reviewer> {
    vec![
        Reviewer {
            person_id: "officer-1".into(),
            unit: "brigade-1".into(),
        },
        Reviewer {
            person_id: "admin-1".into(),
            unit: "legal".into(),
        },
    ]
}

fn draw(seed: &str, sample_size: usize, pool: Vec<CaseFile>) -> CaseReviewCommand {
    CaseReviewCommand::Draw(DrawSample {
        region: "330903".into(),
        year: 2026,
        seed: seed.into(),
        sample_size,
        pool,
        reviewers: reviewers(),
    })
}

fn pool() -> Vec<CaseFile> {
    vec![
        file("case-1", &["brigade-1"]),
        file("case-2", &["legal"]),
        file("case-3", &["brigade-2"]),
        file("case-4", &["brigade-1"]),
    ]
}

fn score(case_id: &str, veto: &[&str], form: u32, content: u32) -> CaseReviewCommand {
    CaseReviewCommand::Score(Score {
        case_id: case_id.into(),
        veto_failures: veto.iter().map(|item| item.to_string()).collect(),
        form_points: form,
        content_points: content,
        notes: String::new(),
    })
}

fn drawn_all() -> Given<CaseFileReview> {
    Given::<CaseFileReview>::new("review-2026").given(
        &draw("2027-01-05 评查", 4, pool()),
        &administrator(),
        noon("2027-01-05"),
    )
}

/// The assigned reviewer of a drawn file, as an actor.
fn reviewer_of(review: &CaseFileReview, case_id: &str) -> hl_proto::common::v1::Actor {
    let file = review
        .files
        .iter()
        .find(|file| file.case_id == case_id)
        .unwrap();
    match file.reviewer_id.as_str() {
        "officer-1" => inspector(),
        _ => administrator(),
    }
}

#[test]
fn the_draw_is_reproducible_and_no_one_reviews_their_own_units_file() {
    let sample = |seed: &str| {
        Given::<CaseFileReview>::new("review-2026")
            .given(&draw(seed, 2, pool()), &administrator(), noon("2027-01-05"))
            .files
            .iter()
            .map(|file| file.case_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(sample("seed-a"), sample("seed-a"));
    assert_eq!(sample("seed-a").len(), 2);
    let seeds: BTreeSet<Vec<String>> = (0..8).map(|n| sample(&format!("seed-{n}"))).collect();
    assert!(seeds.len() > 1, "the seed does not change the sample");

    let review = drawn_all();
    assert_eq!(review.status, ReviewStatus::Drawn);
    assert_eq!(review.standard_version, "case-file-review-2023-01-01");
    for drawn in &review.files {
        let units = &pool()
            .into_iter()
            .find(|candidate| candidate.case_id == drawn.case_id)
            .unwrap()
            .units;
        let unit = &reviewers()
            .into_iter()
            .find(|reviewer| reviewer.person_id == drawn.reviewer_id)
            .unwrap()
            .unit;
        assert!(!units.contains(unit), "{drawn:?} went to its own unit");
    }
    // The files no one else can take go to the other reviewer; the free one evens the load.
    let load = |id: &str| review.files.iter().filter(|f| f.reviewer_id == id).count();
    assert_eq!((load("officer-1"), load("admin-1")), (2, 2));
}

#[test]
fn a_draw_is_refused_without_files_an_independent_reviewer_or_a_bureau_role() {
    let new = Given::<CaseFileReview>::new("review-2026");
    let at = noon("2027-01-05");
    assert_eq!(
        reason(new.when(&draw("s", 1, vec![]), &administrator(), at)),
        "NO_CASE_FILES"
    );
    assert_eq!(
        reason(new.when(&draw("s", 5, pool()), &administrator(), at)),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        reason(new.when(&draw("s", 0, pool()), &administrator(), at)),
        "INVALID_ARGUMENT"
    );
    // Both reviewers' units handled the case: reviewing it would be reviewing one's own file.
    let shared = vec![file("case-9", &["brigade-1", "legal"])];
    assert_eq!(
        reason(new.when(&draw("s", 1, shared), &administrator(), at)),
        "NO_INDEPENDENT_REVIEWER"
    );
    assert_eq!(
        reason(new.when(&draw("s", 1, pool()), &inspector(), at)),
        "BUREAU_ROLE_REQUIRED"
    );
}

#[test]
fn veto_items_come_before_points_and_points_give_the_grade() {
    let mut review = drawn_all();
    let at = noon("2027-01-10");
    // A perfect score with a veto item failed is still 不合格.
    let by = reviewer_of(&review, "case-1");
    review
        .then(&score("case-1", &["WRONG_LAW_APPLIED"], 20, 80), &by, at)
        .unwrap();
    for (case_id, form, content, grade) in [
        ("case-2", 18, 75, FileGrade::Excellent),
        ("case-3", 15, 60, FileGrade::Passed),
        ("case-4", 10, 59, FileGrade::Failed),
    ] {
        let by = reviewer_of(&review, case_id);
        review
            .then(&score(case_id, &[], form, content), &by, at)
            .unwrap();
        let scored = review.files.iter().find(|f| f.case_id == case_id).unwrap();
        assert_eq!((scored.total, scored.grade()), (form + content, grade));
    }
    let vetoed = review.files.iter().find(|f| f.case_id == "case-1").unwrap();
    assert_eq!((vetoed.total, vetoed.grade()), (100, FileGrade::Failed));
}

#[test]
fn only_the_assigned_reviewer_scores_a_drawn_file_once_within_the_standard() {
    let review = drawn_all();
    let at = noon("2027-01-10");
    let by = reviewer_of(&review, "case-1");
    let other = if by.id == "officer-1" {
        administrator()
    } else {
        inspector()
    };
    assert_eq!(
        reason(review.when(&score("case-1", &[], 20, 80), &other, at)),
        "NOT_THE_ASSIGNED_REVIEWER"
    );
    assert_eq!(
        reason(review.when(&score("case-1", &[], 20, 80), &enterprise(), at)),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    assert_eq!(
        reason(review.when(&score("case-7", &[], 20, 80), &by, at)),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        reason(review.when(&score("case-1", &["LATE_STAMP"], 20, 80), &by, at)),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        reason(review.when(&score("case-1", &[], 21, 80), &by, at)),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        reason(review.when(&score("case-1", &[], 20, 81), &by, at)),
        "INVALID_ARGUMENT"
    );
    let scored = review.given(&score("case-1", &[], 20, 70), &by, at);
    assert_eq!(
        reason(scored.when(&score("case-1", &[], 20, 80), &by, at)),
        "FILE_ALREADY_SCORED"
    );
}

#[test]
fn a_review_is_published_once_every_file_is_scored_and_then_closes() {
    let mut review = drawn_all();
    let at = noon("2027-01-20");
    let refusal = review
        .when(&CaseReviewCommand::Publish, &administrator(), at)
        .unwrap_err();
    assert_eq!(refusal.reason(), "FILES_NOT_SCORED");
    assert!(refusal.to_string().contains("case-1"), "{refusal}");
    for case_id in ["case-1", "case-2", "case-3", "case-4"] {
        let by = reviewer_of(&review, case_id);
        review
            .then(&score(case_id, &[], 18, 72), &by, noon("2027-01-10"))
            .unwrap();
    }
    assert_eq!(
        reason(review.when(&CaseReviewCommand::Publish, &inspector(), at)),
        "BUREAU_ROLE_REQUIRED"
    );
    let events = review
        .then(&CaseReviewCommand::Publish, &administrator(), at)
        .unwrap();
    assert_eq!(names(&events), ["CaseFileReviewPublished"]);
    assert_eq!(review.status, ReviewStatus::Published);
    assert_eq!(
        reason(review.when(&CaseReviewCommand::Publish, &administrator(), at)),
        "REVIEW_PUBLISHED"
    );
}
