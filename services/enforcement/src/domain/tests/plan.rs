//! The annual inspection plan: the capacity arithmetic, the refusal of a plan its capacity
//! cannot carry, approval and filing in order, a revision with its reason, and coverage.

use hl_domain::Given;
use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::{PlanStatus, SupervisionGrade};

use super::*;
use crate::domain::plan::{
    CapacityInputs, DraftPlan, InspectionPlan, PlanCommand, Target, coverage, share,
};

fn target(enterprise_id: &str, grade: SupervisionGrade, min_visits: u32) -> Target {
    Target {
        enterprise_id: enterprise_id.into(),
        classification: Some(pb::PlanTarget {
            enterprise_id: enterprise_id.into(),
            township_code: TOWNSHIP.into(),
            grade: grade as i32,
            min_visits,
            max_visits: min_visits * 2,
            classification_id: format!("{enterprise_id}-2026"),
        }),
    }
}

fn draft(officers: u32, targets: Vec<Target>, reason: &str) -> PlanCommand {
    PlanCommand::Draft(DraftPlan {
        region: "330903".into(),
        year: 2026,
        title: "2026年度安全生产监督检查计划".into(),
        capacity: CapacityInputs {
            officers,
            statutory_working_days: 250,
            other_enforcement_days: 100,
            non_enforcement_days: 50,
        },
        targets,
        reason: reason.into(),
    })
}

fn targets() -> Vec<Target> {
    vec![
        target("a", SupervisionGrade::Key, 2),
        target("b", SupervisionGrade::General, 1),
        target("c", SupervisionGrade::Routine, 0),
    ]
}

#[test]
fn the_capacity_is_arithmetic_on_the_record() {
    let plan = Given::<InspectionPlan>::new("plan-2026").given(
        &draft(2, targets(), ""),
        &administrator(),
        noon("2026-01-10"),
    );
    let capacity = &plan.capacity;
    // 2 × 250 − 100 − 50 = 350 inspection days; two officer-days a visit: 175 visits.
    assert_eq!(
        (
            capacity.total_working_days,
            capacity.inspection_days,
            capacity.visit_capacity,
            capacity.required_visits
        ),
        (500, 350, 175, 3)
    );
    assert_eq!(plan.status, PlanStatus::Draft);
    assert_eq!(plan.policy_version, "classification-2023-01-01");
}

#[test]
fn a_plan_its_capacity_cannot_carry_is_refused_with_both_numbers() {
    let many: Vec<Target> = (0..200)
        .map(|index| target(&format!("e{index}"), SupervisionGrade::Key, 2))
        .collect();
    let refusal = Given::<InspectionPlan>::new("plan-2026")
        .when(&draft(2, many, ""), &administrator(), noon("2026-01-10"))
        .unwrap_err();
    assert_eq!(refusal.reason(), "PLAN_OVER_CAPACITY");
    assert!(
        refusal.to_string().contains("400 visits") && refusal.to_string().contains("allow 175"),
        "{refusal}"
    );
    // Fewer days than the other work takes is a wrong input, not a small capacity.
    let refusal = Given::<InspectionPlan>::new("plan-2026")
        .when(
            &PlanCommand::Draft(DraftPlan {
                capacity: CapacityInputs {
                    officers: 1,
                    statutory_working_days: 100,
                    other_enforcement_days: 100,
                    non_enforcement_days: 1,
                },
                region: "330903".into(),
                year: 2026,
                ..DraftPlan::default()
            }),
            &administrator(),
            noon("2026-01-10"),
        )
        .unwrap_err();
    assert_eq!(refusal.reason(), "INVALID_ARGUMENT");
}

#[test]
fn every_target_is_classified_for_the_year_and_listed_once() {
    let new = Given::<InspectionPlan>::new("plan-2026");
    let unclassified = vec![Target {
        enterprise_id: "x".into(),
        classification: None,
    }];
    let refusal = new
        .when(
            &draft(2, unclassified, ""),
            &administrator(),
            noon("2026-01-10"),
        )
        .unwrap_err();
    assert!(
        refusal.to_string().contains("not classified for 2026"),
        "{refusal}"
    );
    let twice = vec![
        target("a", SupervisionGrade::Key, 2),
        target("a", SupervisionGrade::Key, 2),
    ];
    let refusal = new
        .when(&draft(2, twice, ""), &administrator(), noon("2026-01-10"))
        .unwrap_err();
    assert!(refusal.to_string().contains("listed twice"), "{refusal}");
    assert_eq!(
        reason(new.when(&draft(2, targets(), ""), &inspector(), noon("2026-01-10"))),
        "BUREAU_ROLE_REQUIRED"
    );
}

#[test]
fn approved_then_filed_and_a_revision_is_approved_again() {
    let approve = PlanCommand::Approve {
        document_number: "普政发〔2026〕3号".into(),
    };
    let file = PlanCommand::File {
        receipt: "舟应急备〔2026〕12号".into(),
    };
    let drafted = Given::<InspectionPlan>::new("plan-2026").given(
        &draft(2, targets(), ""),
        &administrator(),
        noon("2026-01-10"),
    );
    assert_eq!(
        reason(drafted.when(&file, &administrator(), noon("2026-01-11"))),
        "PLAN_STEP_OUT_OF_ORDER"
    );
    let filed = drafted
        .given(&approve, &administrator(), noon("2026-01-15"))
        .given(&file, &administrator(), noon("2026-01-20"));
    assert_eq!(filed.status, PlanStatus::Filed);
    assert_eq!(filed.approval, "普政发〔2026〕3号");
    assert_eq!(
        reason(filed.when(
            &draft(3, targets(), ""),
            &administrator(),
            noon("2026-06-01")
        )),
        "INVALID_ARGUMENT"
    );
    let revised = filed.given(
        &draft(3, targets(), "新增执法人员一名"),
        &administrator(),
        noon("2026-06-01"),
    );
    assert_eq!((revised.status, revised.revision), (PlanStatus::Draft, 1));
    assert_eq!(revised.capacity.officers, 3);
}

#[test]
fn coverage_counts_each_target_up_to_its_minimum() {
    let plan = Given::<InspectionPlan>::new("plan-2026").given(
        &draft(2, targets(), ""),
        &administrator(),
        noon("2026-01-10"),
    );
    // "a" visited three times (needs two), "c" once (needs none), "b" not at all, and an
    // enterprise outside the plan.
    let covered = coverage(&plan, ["a", "a", "a", "c", "z"]);
    let key = &covered.grades[0];
    assert_eq!(
        (key.grade, key.visits_required, key.visits_done),
        (SupervisionGrade::Key, 2, 2)
    );
    let general = &covered.grades[1];
    assert_eq!((general.visits_required, general.visits_done), (1, 0));
    assert_eq!(covered.unvisited, ["b"]);
    assert_eq!((covered.visits_required(), covered.visits_done()), (3, 2));
    assert!((share(2, 3) - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(share(0, 0), 1.0);
}
