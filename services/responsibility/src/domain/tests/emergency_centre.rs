//! 乡镇应急管理中心: readiness read on a day against the standard (venue, staff, someone of the
//! staff on duty, equipment), a roster only of the staff, and no centre checking itself.

use hl_domain::{Aggregate, DomainError, EventMeta, Given};
use hl_proto::common::v1::{Actor, Role};
use hl_proto::registry_events::EmergencyCentreEvent;
use hl_proto::responsibility::v1 as pb;

use super::*;
use crate::domain::emergency_centre::{CentreCommand, EmergencyCentre, Establish};

const TOWNSHIP: &str = "330903101";

fn established(venue: &str) -> Given<EmergencyCentre> {
    Given::<EmergencyCentre>::new(TOWNSHIP).given(
        &CentreCommand::Establish(Establish {
            township_code: TOWNSHIP.into(),
            org_unit_id: "liuheng-centre".into(),
            display_name: "六横镇应急管理中心".into(),
            command_venue: venue.into(),
        }),
        &administrator(),
        noon("2026-03-01"),
    )
}

fn staff(ids: &[&str]) -> CentreCommand {
    CentreCommand::SetStaff {
        staff_ids: ids.iter().map(|id| id.to_string()).collect(),
        command_venue: "六横镇政府三楼".into(),
    }
}

fn on_duty(day_text: &str, person: &str) -> pb::RosterDay {
    pb::RosterDay {
        day: Some(day(day_text).into()),
        person_id: person.into(),
    }
}

fn full_kit() -> CentreCommand {
    CentreCommand::RecordEquipment(
        [
            ("SATELLITE_PHONE", 1),
            ("GENERATOR", 1),
            ("LOUDSPEAKER", 2),
            ("LIFE_JACKET", 25),
        ]
        .iter()
        .map(|(code, quantity)| pb::EquipmentCount {
            code: code.to_string(),
            quantity: *quantity,
        })
        .collect(),
    )
}

#[test]
fn a_centre_is_to_standard_only_with_venue_staff_duty_and_equipment() {
    let new = established("");
    let bare = new.readiness(day("2026-03-02")).unwrap();
    assert!(!bare.to_standard());
    assert_eq!(bare.staff_required, 3);
    assert_eq!(bare.equipment_short.len(), 4);
    let at = noon("2026-03-02");
    let ready = new
        .given(&staff(&["wu", "li", "zhao"]), &administrator(), at)
        .given(
            &CentreCommand::SetRoster(vec![on_duty("2026-03-02", "wu")]),
            &township_officer(TOWNSHIP),
            at,
        )
        .given(&full_kit(), &administrator(), at);
    let readiness = ready.readiness(day("2026-03-02")).unwrap();
    assert!(readiness.to_standard(), "{readiness:?}");
    // No one is on duty the next day.
    assert!(!ready.readiness(day("2026-03-03")).unwrap().to_standard());
}

#[test]
fn a_person_listed_twice_on_the_staff_is_refused_and_never_counts_twice() {
    let at = noon("2026-03-02");
    let new = established("venue");
    let refusal = new
        .when(&staff(&["wu", "li", "wu"]), &administrator(), at)
        .unwrap_err();
    let DomainError::Invalid { field, message } = &refusal else {
        panic!("not INVALID_ARGUMENT: {refusal:?}");
    };
    assert_eq!(field, "staff_ids[2]");
    assert!(message.contains("staff_ids[0]"), "{message}");
    // A history recorded before repeats were refused still counts each person once.
    let mut centre = new.state().clone();
    centre.apply(
        &EmergencyCentreEvent::StaffSet(pb::CentreStaffSet {
            township_code: TOWNSHIP.into(),
            staff_ids: vec!["wu".into(), "li".into(), "wu".into()],
            command_venue: "venue".into(),
        }),
        &EventMeta::at(at, administrator()),
    );
    assert_eq!(centre.readiness(day("2026-03-02")).unwrap().staff, 2);
}

#[test]
fn the_roster_is_of_the_staff_and_a_day_set_again_is_replaced() {
    let at = noon("2026-03-02");
    let staffed = established("venue").given(&staff(&["wu", "li"]), &administrator(), at);
    assert_eq!(
        reason(staffed.when(
            &CentreCommand::SetRoster(vec![on_duty("2026-03-02", "stranger")]),
            &administrator(),
            at
        )),
        "NOT_CENTRE_STAFF"
    );
    let rostered = staffed
        .given(
            &CentreCommand::SetRoster(vec![
                on_duty("2026-03-02", "wu"),
                on_duty("2026-03-03", "li"),
            ]),
            &administrator(),
            at,
        )
        .given(
            &CentreCommand::SetRoster(vec![on_duty("2026-03-02", "li")]),
            &administrator(),
            at,
        );
    let duty: Vec<&str> = rostered
        .roster
        .iter()
        .map(|entry| entry.person_id.as_str())
        .collect();
    assert_eq!(duty, ["li", "li"]);
}

#[test]
fn a_check_is_by_the_government_side_and_not_by_the_centres_own_staff() {
    let at = noon("2026-03-05");
    let staffed = established("venue").given(&staff(&["officer-1"]), &administrator(), at);
    let check = CentreCommand::RecordCheck {
        passed: false,
        findings: "卫星电话无法接通".into(),
        evidence: Vec::new(),
    };
    assert_eq!(reason(staffed.when(&check, &inspector(), at)), "OWN_CENTRE");
    assert_eq!(
        reason(staffed.when(&check, &enterprise(), at)),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    let checked = staffed.given(&check, &administrator(), at);
    let last = checked.last_check(day("2026-03-05")).unwrap();
    assert_eq!((last.passed, last.checked_by.as_str()), (false, "admin-1"));
    assert!(checked.last_check(day("2026-03-04")).is_none());
    let system = Actor {
        id: "sensor-platform".into(),
        role: Role::System as i32,
        organisation: "x".into(),
        region: "330903".into(),
    };
    assert_eq!(
        reason(Given::<EmergencyCentre>::new(TOWNSHIP).when(
            &CentreCommand::Establish(Establish {
                township_code: TOWNSHIP.into(),
                ..Establish::default()
            }),
            &system,
            at
        )),
        "BUREAU_ROLE_REQUIRED"
    );
}
