//! Regression tests of the enterprise-side paths around the government ledger: each test is one
//! way an enterprise could make a government finding, or the government's judgement of it,
//! disappear or weaken, and shows the path is closed.

use super::*;
use crate::domain::hazard::HazardEvent;

fn grade(level: HazardLevel, reason: &str) -> HazardCommand {
    HazardCommand::Grade {
        level,
        criterion: "《工贸企业重大事故隐患判定标准》第四条".into(),
        reason: reason.into(),
    }
}

// ---- Grading ----

#[test]
fn an_enterprise_may_not_downgrade_its_own_major_hazard() {
    let major = graded(Provenance::EnterpriseSelf, HazardLevel::Major);
    assert_eq!(
        refused(
            &major,
            grade(HazardLevel::General, "fixed most of it"),
            &enterprise()
        ),
        "ENTERPRISE_CANNOT_DOWNGRADE_MAJOR"
    );
    // The government side may, with its reason.
    let regraded = step(
        major,
        grade(HazardLevel::General, "复核后不属于重大"),
        &inspector(),
    );
    assert_eq!(regraded.lifecycle.level, HazardLevel::General);
}

#[test]
fn an_enterprise_may_not_regrade_what_the_government_graded() {
    let own = graded(Provenance::EnterpriseSelf, HazardLevel::General);
    let upgraded = step(
        own,
        grade(HazardLevel::Major, "复核后属于重大"),
        &inspector(),
    );
    assert!(upgraded.lifecycle.graded_by_government);
    for level in [HazardLevel::General, HazardLevel::Major] {
        assert_eq!(
            refused(&upgraded, grade(level, "our own review"), &enterprise()),
            "GRADED_BY_GOVERNMENT"
        );
    }
    let finding = graded(Provenance::GovernmentInspection, HazardLevel::Major);
    assert_eq!(
        refused(
            &finding,
            grade(HazardLevel::General, "disagree"),
            &enterprise()
        ),
        "ENTERPRISE_CANNOT_GRADE_GOVERNMENT_FINDING"
    );
}

#[test]
fn a_regrade_records_its_reason_criterion_and_previous_level() {
    let own = graded(Provenance::EnterpriseSelf, HazardLevel::General);
    let refusal = own
        .when(
            &grade(HazardLevel::Major, "  "),
            &inspector(),
            time_of(&own),
        )
        .unwrap_err();
    assert_eq!(refusal.reason(), "INVALID_ARGUMENT");
    assert!(refusal.to_string().starts_with("reason:"), "{refusal}");

    let events = own
        .when(
            &grade(HazardLevel::Major, "复核后属于重大"),
            &inspector(),
            time_of(&own),
        )
        .unwrap();
    let HazardEvent::Graded(graded) = &events[0] else {
        panic!("{events:?}");
    };
    assert_eq!(graded.reason, "复核后属于重大");
    assert_eq!(graded.criterion, "《工贸企业重大事故隐患判定标准》第四条");
    assert_eq!(graded.previous_level, HazardLevel::General as i32);
}

// ---- Verification ----

#[test]
fn the_government_verifies_an_own_major_hazard_even_under_the_enterprises_own_deadline() {
    let major = graded(Provenance::EnterpriseSelf, HazardLevel::Major);
    let planned = step(major, remediation_plan(), &enterprise());
    let planned = step(planned, plan("2023-06-30"), &enterprise());
    assert_eq!(planned.lifecycle.deadline_source, DeadlineSource::Plan);
    let claimed = awaiting(planned);
    assert_eq!(
        refused(&claimed, verify(), &enterprise()),
        "ENTERPRISE_CANNOT_VERIFY"
    );
    assert_eq!(
        refused(&claimed, close(), &enterprise()),
        "ENTERPRISE_CANNOT_VERIFY"
    );
    assert_eq!(
        accepted(&claimed, verify(), &inspector()),
        vec!["RectificationVerified"]
    );
}

#[test]
fn the_government_verifies_an_own_general_hazard_whose_deadline_it_ordered() {
    let own = graded(Provenance::EnterpriseSelf, HazardLevel::General);
    let ordered = step(own, order("2023-06-30"), &inspector());
    assert_eq!(ordered.lifecycle.deadline_source, DeadlineSource::Order);
    let claimed = awaiting(ordered);
    assert_eq!(
        refused(&claimed, verify(), &enterprise()),
        "ENTERPRISE_CANNOT_VERIFY"
    );
    assert_eq!(
        refused(&claimed, reject(None), &enterprise()),
        "ENTERPRISE_CANNOT_VERIFY"
    );
}

// ---- 即查即改 ----

#[test]
fn an_enterprise_may_not_record_a_fix_on_the_spot_of_a_government_finding() {
    let finding = graded(Provenance::GovernmentInspection, HazardLevel::General);
    assert_eq!(
        refused(&finding, fix(), &enterprise()),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    assert_eq!(
        accepted(&finding, fix(), &inspector()),
        vec!["HazardFixedOnSpot"]
    );
}

// ---- Pairs ----

fn citing(provenance: Provenance, cited: &str) -> HazardCommand {
    let HazardCommand::Report(mut report) = report(provenance, HazardLevel::General) else {
        unreachable!()
    };
    report.counterpart_hazard_id = cited.into();
    HazardCommand::Report(report)
}

#[test]
fn an_enterprise_citing_a_government_finding_proposes_a_pair_and_forms_none() {
    let own = step(
        new_hazard(),
        citing(Provenance::EnterpriseSelf, "gov-1"),
        &enterprise(),
    );
    assert_eq!(own.facts.cited_hazard_id, "gov-1");
    assert_eq!(
        own.lifecycle.counterpart_hazard_id, "",
        "no pair from the enterprise's word"
    );

    let finding = step(
        new_hazard(),
        citing(Provenance::GovernmentInspection, "own-1"),
        &inspector(),
    );
    assert_eq!(
        finding.lifecycle.counterpart_hazard_id, "own-1",
        "the inspector's citation pairs"
    );
}

// ---- The system role ----

#[test]
fn a_sensor_platform_reports_sensor_hazards_and_nothing_else() {
    let sensor = step(
        new_hazard(),
        report(Provenance::SensorPlatform, HazardLevel::Unspecified),
        &system(),
    );
    assert_eq!(sensor.lifecycle.status, HazardStatus::Reported);
    for provenance in [
        Provenance::GovernmentInspection,
        Provenance::EnterpriseSelf,
        Provenance::PublicTipoff,
    ] {
        let refusal = new_hazard()
            .when(
                &report(provenance, HazardLevel::Unspecified),
                &system(),
                reported_at(),
            )
            .unwrap_err();
        assert!(
            matches!(refusal, crate::domain::DomainError::Forbidden { .. }),
            "{provenance:?}: {refusal}"
        );
    }
    assert_eq!(
        refused(&sensor, grade(HazardLevel::General, ""), &system()),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    let ordered = ordered(HazardLevel::General);
    for command in [order("2023-07-30"), fix(), close()] {
        assert_eq!(
            refused(&ordered, command, &system()),
            "GOVERNMENT_ROLE_REQUIRED"
        );
    }
    let claimed = awaiting(ordered);
    assert_eq!(
        refused(&claimed, verify(), &system()),
        "GOVERNMENT_ROLE_REQUIRED"
    );
}
