//! Classification: the grade the factors give, every factor recorded, the policy version kept,
//! a reclassification with its reason, and fireworks outlets with their graded-control grade.

use hl_domain::Given;
use hl_proto::enforcement::v1::{FireworksGrade, SupervisionGrade};
use hl_proto::responsibility::v1::{EnterpriseDetails, Industry, RiskColour, StandardisationGrade};

use super::*;
use crate::domain::classification::{
    ClassificationCommand, Classify, EnterpriseClassification, History, grade,
};
use crate::domain::rules::CLASSIFICATION;

fn details(
    industry: Industry,
    colour: RiskColour,
    standardisation: StandardisationGrade,
) -> EnterpriseDetails {
    EnterpriseDetails {
        township_code: TOWNSHIP.into(),
        industries: vec![industry as i32],
        risk_colour: colour as i32,
        standardisation_grade: standardisation as i32,
        ..EnterpriseDetails::default()
    }
}

fn policy() -> &'static crate::domain::rules::ClassificationPolicy {
    &CLASSIFICATION.in_force(day("2026-01-05")).rules
}

#[test]
fn the_factors_add_up_to_the_grade() {
    // An ammonia cold store, orange, standardised to grade two: 3 + 2 + 0 = 5, key.
    let cold_store = grade(
        &details(
            Industry::AmmoniaRefrigeration,
            RiskColour::Orange,
            StandardisationGrade::Two,
        ),
        History::default(),
        FireworksGrade::Unspecified,
        policy(),
    );
    assert_eq!(
        (cold_store.grade, cold_store.score),
        (SupervisionGrade::Key, 5)
    );
    let names: Vec<&str> = cold_store
        .factors
        .iter()
        .map(|factor| factor.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "industry",
            "risk_colour",
            "standardisation_grade",
            "major_findings_last_year",
            "penalties_last_year"
        ]
    );
    // A blue homestay standardised to grade one: 0 + 0 − 1, routine.
    let homestay = grade(
        &details(
            Industry::Homestay,
            RiskColour::Blue,
            StandardisationGrade::One,
        ),
        History::default(),
        FireworksGrade::Unspecified,
        policy(),
    );
    assert_eq!(
        (homestay.grade, homestay.score),
        (SupervisionGrade::Routine, -1)
    );
    // The same homestay with a 重大 finding and a penalty the year before: 0 + 0 − 1 + 2 + 2.
    let troubled = grade(
        &details(
            Industry::Homestay,
            RiskColour::Blue,
            StandardisationGrade::One,
        ),
        History {
            major_findings: 1,
            penalties: 2,
        },
        FireworksGrade::Unspecified,
        policy(),
    );
    assert_eq!(
        (troubled.grade, troubled.score),
        (SupervisionGrade::General, 3)
    );
}

#[test]
fn a_gap_in_the_registry_never_lowers_the_grade() {
    let stated = grade(
        &details(
            Industry::Homestay,
            RiskColour::Yellow,
            StandardisationGrade::None,
        ),
        History::default(),
        FireworksGrade::Unspecified,
        policy(),
    );
    let unstated = grade(
        &details(
            Industry::Homestay,
            RiskColour::Unspecified,
            StandardisationGrade::Unspecified,
        ),
        History::default(),
        FireworksGrade::Unspecified,
        policy(),
    );
    assert_eq!(stated.score, unstated.score);
}

fn classify(
    enterprise: EnterpriseDetails,
    fireworks: FireworksGrade,
    reason: &str,
) -> ClassificationCommand {
    ClassificationCommand::Classify(Classify {
        region: "330903".into(),
        year: 2026,
        enterprise: hl_directory::Standing::registered(ENTERPRISE, enterprise),
        history: History::default(),
        fireworks_grade: fireworks,
        reason: reason.into(),
    })
}

#[test]
fn a_classification_keeps_its_policy_and_a_reclassification_says_why() {
    let cold_store = details(
        Industry::AmmoniaRefrigeration,
        RiskColour::Red,
        StandardisationGrade::Three,
    );
    let new = Given::<EnterpriseClassification>::new("e-2026");
    assert_eq!(
        reason(new.when(
            &classify(cold_store.clone(), FireworksGrade::Unspecified, ""),
            &inspector(),
            noon("2026-01-05")
        )),
        "BUREAU_ROLE_REQUIRED"
    );
    let classified = new.given(
        &classify(cold_store.clone(), FireworksGrade::Unspecified, ""),
        &administrator(),
        noon("2026-01-05"),
    );
    assert_eq!(classified.grade, SupervisionGrade::Key);
    assert_eq!((classified.min_visits, classified.max_visits), (2, 4));
    assert_eq!(classified.policy_version, "classification-2023-01-01");
    assert_eq!(classified.revisions, 0);

    let again = classify(cold_store, FireworksGrade::Unspecified, "");
    assert_eq!(
        reason(classified.when(&again, &administrator(), noon("2026-06-01"))),
        "INVALID_ARGUMENT"
    );
    let safer = details(
        Industry::AmmoniaRefrigeration,
        RiskColour::Blue,
        StandardisationGrade::One,
    );
    let mut classified = classified;
    classified
        .then(
            &classify(
                safer,
                FireworksGrade::Unspecified,
                "改用二氧化碳制冷，风险降为蓝色",
            ),
            &administrator(),
            noon("2026-06-01"),
        )
        .unwrap();
    assert_eq!(
        (classified.grade, classified.revisions),
        (SupervisionGrade::General, 1)
    );
}

#[test]
fn a_fireworks_outlet_is_classified_with_its_graded_control_grade() {
    let outlet = details(
        Industry::Fireworks,
        RiskColour::Yellow,
        StandardisationGrade::SmallEnterprise,
    );
    let new = Given::<EnterpriseClassification>::new("e-2026");
    assert_eq!(
        reason(new.when(
            &classify(outlet.clone(), FireworksGrade::Unspecified, ""),
            &administrator(),
            noon("2026-01-05")
        )),
        "INVALID_ARGUMENT"
    );
    let homestay = details(
        Industry::Homestay,
        RiskColour::Yellow,
        StandardisationGrade::Two,
    );
    assert_eq!(
        reason(new.when(
            &classify(homestay, FireworksGrade::One, ""),
            &administrator(),
            noon("2026-01-05")
        )),
        "INVALID_ARGUMENT"
    );
    let classified = new.given(
        &classify(outlet, FireworksGrade::One, ""),
        &administrator(),
        noon("2026-01-05"),
    );
    let factor = classified
        .factors
        .iter()
        .find(|factor| factor.name == "fireworks_grade")
        .unwrap();
    assert_eq!(
        (factor.value.as_str(), factor.points),
        ("FIREWORKS_GRADE_ONE", 2)
    );
    assert_eq!(classified.fireworks_grade, FireworksGrade::One);
}
