//! 定人定责: an assignment within the duty rules, never two holders of one duty on one day, an
//! end that only shortens, and the vacancies between holders.

use hl_domain::Given;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::{Duty, ObjectKind};

use super::*;
use crate::domain::responsibilities::{
    Assign, Responsibilities, ResponsibilitiesCommand, responsibilities_id,
};

const TOWNSHIP: &str = "330903001";

fn person(id: &str, inactive: bool) -> Option<pb::Person> {
    Some(pb::Person {
        person_id: id.into(),
        inactive,
        ..pb::Person::default()
    })
}

fn assign(id: &str, person_id: &str, from: &str, until: Option<&str>) -> ResponsibilitiesCommand {
    ResponsibilitiesCommand::Assign(Box::new(Assign {
        kind: ObjectKind::Enterprise,
        object_id: ENTERPRISE.into(),
        place_code: TOWNSHIP.into(),
        assignment_id: id.into(),
        person_id: person_id.into(),
        person: person(person_id, false),
        duties: vec![Duty::ResponsibleOfficer],
        valid_from: day(from),
        valid_until: until.map(day),
    }))
}

fn object() -> Given<Responsibilities> {
    Given::new(&responsibilities_id(ObjectKind::Enterprise, ENTERPRISE))
}

#[test]
fn an_assignment_records_its_duties_days_and_rule_version() {
    let held = object().given(
        &assign("a-1", "officer-1", "2026-01-01", None),
        &administrator(),
        noon("2026-01-01"),
    );
    assert_eq!(held.responsibilities_id, format!("enterprise-{ENTERPRISE}"));
    assert_eq!(held.place_code, TOWNSHIP);
    let holder = held.holder_on(Duty::ResponsibleOfficer, day("2026-06-01"));
    assert_eq!(
        holder.map(|held| held.person_id.as_str()),
        Some("officer-1")
    );
    assert_eq!(held.assignments[0].rule_version, "duties-2023-01-01");
    assert!(
        held.holder_on(Duty::ResponsibleOfficer, day("2025-12-31"))
            .is_none()
    );
}

#[test]
fn one_duty_has_one_holder_a_day() {
    let held = object().given(
        &assign("a-1", "officer-1", "2026-01-01", Some("2026-06-30")),
        &administrator(),
        noon("2026-01-01"),
    );
    let at = noon("2026-02-01");
    let refusal = held
        .when(
            &assign("a-2", "officer-2", "2026-06-30", None),
            &administrator(),
            at,
        )
        .unwrap_err();
    assert_eq!(refusal.reason(), "ASSIGNMENT_OVERLAPS");
    assert!(refusal.to_string().contains("a-1 (officer-1)"), "{refusal}");
    // An open-ended one before it overlaps too.
    assert_eq!(
        reason(held.when(
            &assign("a-2", "officer-2", "2025-01-01", None),
            &administrator(),
            at
        )),
        "ASSIGNMENT_OVERLAPS"
    );
    // The next day is free.
    held.when(
        &assign("a-2", "officer-2", "2026-07-01", None),
        &administrator(),
        at,
    )
    .unwrap();
    assert_eq!(
        reason(held.when(
            &assign("a-1", "officer-2", "2027-01-01", None),
            &administrator(),
            at
        )),
        "ASSIGNMENT_EXISTS"
    );
}

#[test]
fn the_person_must_be_registered_and_active_and_the_duty_fit_the_object() {
    let new = object();
    let at = noon("2026-01-01");
    let with_person = |person: Option<pb::Person>| {
        let ResponsibilitiesCommand::Assign(mut assign) = assign("a-1", "x", "2026-01-01", None)
        else {
            unreachable!()
        };
        assign.person = person;
        ResponsibilitiesCommand::Assign(assign)
    };
    assert_eq!(
        reason(new.when(&with_person(None), &administrator(), at)),
        "PERSON_NOT_REGISTERED"
    );
    assert_eq!(
        reason(new.when(&with_person(person("x", true)), &administrator(), at)),
        "PERSON_INACTIVE"
    );
    let ResponsibilitiesCommand::Assign(mut wrong_duty) =
        assign("a-1", "officer-1", "2026-01-01", None)
    else {
        unreachable!()
    };
    wrong_duty.duties = vec![Duty::GridHead];
    assert_eq!(
        reason(new.when(
            &ResponsibilitiesCommand::Assign(wrong_duty),
            &administrator(),
            at
        )),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        reason(new.when(
            &assign("a-1", "officer-1", "2026-02-01", Some("2026-01-31")),
            &administrator(),
            at
        )),
        "INVALID_ARGUMENT"
    );
    // Only registrars assign; a township officer only in their own township.
    assert_eq!(
        reason(new.when(
            &assign("a-1", "officer-1", "2026-01-01", None),
            &enterprise(),
            at
        )),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    assert!(
        new.when(
            &assign("a-1", "officer-1", "2026-01-01", None),
            &township_officer(TOWNSHIP),
            at
        )
        .is_ok()
    );
    assert!(
        new.when(
            &assign("a-1", "officer-1", "2026-01-01", None),
            &township_officer("330903002"),
            at
        )
        .is_err()
    );
}

#[test]
fn an_end_shortens_and_leaves_a_vacancy_until_the_next_holder() {
    let end = |until: &str| ResponsibilitiesCommand::End {
        assignment_id: "a-1".into(),
        valid_until: day(until),
        reason: "调岗".into(),
    };
    let ended = object()
        .given(
            &assign("a-1", "officer-1", "2026-01-01", None),
            &administrator(),
            noon("2026-01-01"),
        )
        .given(&end("2026-03-31"), &administrator(), noon("2026-03-31"));
    assert_eq!(ended.assignments[0].end_reason, "调岗");
    assert!(
        ended
            .holder_on(Duty::ResponsibleOfficer, day("2026-04-01"))
            .is_none()
    );
    assert_eq!(
        ended.last_held_before(Duty::ResponsibleOfficer, day("2026-05-01")),
        Some(day("2026-03-31"))
    );
    // Lengthening would rewrite who answered on past days.
    assert_eq!(
        reason(ended.when(&end("2026-12-31"), &administrator(), noon("2026-04-01"))),
        "ASSIGNMENT_ENDED"
    );
    assert_eq!(
        reason(ended.when(&end("2025-12-31"), &administrator(), noon("2026-04-01"))),
        "INVALID_ARGUMENT"
    );
    let refilled = ended.given(
        &assign("a-2", "officer-2", "2026-05-01", None),
        &administrator(),
        noon("2026-05-01"),
    );
    let holder = refilled.holder_on(Duty::ResponsibleOfficer, day("2026-05-01"));
    assert_eq!(
        holder.map(|held| held.person_id.as_str()),
        Some("officer-2")
    );
}
