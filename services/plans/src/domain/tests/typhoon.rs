//! Typhoon season: a disaster event's timeline, a five-stop order's measures from issue to lift,
//! and a key vessel's watch, each transition and each refusal.

use super::*;
use crate::domain::disaster_event::{Declare, DisasterCommand, DisasterEvent};
use crate::domain::five_stop::{FiveStopCommand, FiveStopOrder, Issue};
use crate::domain::key_vessel::{KeyVessel, RegisterVessel, VesselCommand};
use hl_proto::plans::v1::{
    DisasterKind, FiveStopStatus, ResponseLevel, StopMeasure, VesselKind, VesselMeasure,
};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-09-{text}:00+08:00"))
        .unwrap()
        .to_utc()
}

fn declared() -> Given<DisasterEvent> {
    Given::<DisasterEvent>::new("typhoon-2614").given(
        &DisasterCommand::Declare(Declare {
            region: "330903".into(),
            kind: DisasterKind::Typhoon,
            title: "台风“海葵”(2614)".into(),
            level: ResponseLevel::Iv,
            reason: "台风蓝色预警".into(),
        }),
        &inspector(),
        at("10T08:00"),
    )
}

fn change(level: ResponseLevel) -> DisasterCommand {
    DisasterCommand::ChangeLevel {
        level,
        reason: "台风逼近".into(),
    }
}

#[test]
fn a_response_level_is_raised_and_lowered_along_a_timeline() {
    let mut event = declared();
    event
        .then(&change(ResponseLevel::Ii), &inspector(), at("11T06:00"))
        .unwrap();
    assert_eq!(
        reason(event.when(&change(ResponseLevel::Ii), &inspector(), at("11T07:00"))),
        "RESPONSE_LEVEL_UNCHANGED"
    );
    assert_eq!(
        reason(event.when(&change(ResponseLevel::I), &enterprise(), at("11T08:00"))),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    event
        .then(&change(ResponseLevel::Iii), &inspector(), at("12T18:00"))
        .unwrap();
    let levels: Vec<i32> = event.timeline.iter().map(|step| step.level).collect();
    assert_eq!(
        levels,
        [
            ResponseLevel::Iv as i32,
            ResponseLevel::Ii as i32,
            ResponseLevel::Iii as i32
        ]
    );
    assert_eq!(
        event.timeline[1].at,
        Some(hl_proto::timestamp(at("11T06:00")))
    );
    assert_eq!(event.level, ResponseLevel::Iii);
}

#[test]
fn situation_reports_and_resources_are_kept_until_the_event_closes() {
    let mut event = declared();
    let report = |evacuated| {
        DisasterCommand::ReportSituation(pb::SituationReport {
            evacuated,
            direct_loss_fen: 120_000_000,
            ..pb::SituationReport::default()
        })
    };
    event
        .then(&report(1200), &inspector(), at("11T09:00"))
        .unwrap();
    event
        .then(&report(3400), &inspector(), at("11T15:00"))
        .unwrap();
    let involve = |names: &[&str]| DisasterCommand::Involve {
        resources: names.iter().map(|name| name.to_string()).collect(),
    };
    event
        .then(
            &involve(&["shelters/s-1", "rescueTeams/t-1"]),
            &inspector(),
            at("11T16:00"),
        )
        .unwrap();
    assert_eq!(
        reason(event.when(&involve(&["shelters/s-1"]), &inspector(), at("11T17:00"))),
        "ALREADY_INVOLVED"
    );
    let close = DisasterCommand::Close {
        reason: "台风影响解除".into(),
    };
    event.then(&close, &inspector(), at("13T10:00")).unwrap();
    assert!(!event.is_open());
    assert_eq!(event.level, ResponseLevel::Unspecified);
    assert_eq!(
        event
            .situation_reports
            .iter()
            .map(|report| report.evacuated)
            .collect::<Vec<_>>(),
        [1200, 3400]
    );
    assert_eq!(event.situation_reports[1].reported_by, inspector().id);
    for command in [close, report(10), change(ResponseLevel::I)] {
        assert_eq!(
            reason(event.when(&command, &inspector(), at("13T11:00"))),
            "DISASTER_EVENT_CLOSED"
        );
    }
}

fn area(township_code: &str, village: &str) -> pb::OrderArea {
    pb::OrderArea {
        township_code: township_code.into(),
        village: village.into(),
    }
}

fn issue(level: ResponseLevel) -> FiveStopCommand {
    FiveStopCommand::Issue(Issue {
        region: "330903".into(),
        disaster_event_id: "typhoon-2614".into(),
        event_level: level,
        issuer: "普陀区防汛防台抗旱指挥部".into(),
        document_number: "普防指〔2026〕12号".into(),
        areas: vec![area("330903001", ""), area("330903101", "东极村")],
        measures: vec![
            StopMeasure::OutdoorGatherings,
            StopMeasure::Classes,
            StopMeasure::Transport,
        ],
    })
}

fn issued() -> Given<FiveStopOrder> {
    Given::<FiveStopOrder>::new("order-1").given(
        &issue(ResponseLevel::Ii),
        &inspector(),
        at("11T12:00"),
    )
}

fn lift(measure: StopMeasure) -> FiveStopCommand {
    FiveStopCommand::Lift { measure }
}

#[test]
fn an_order_is_issued_only_under_a_response_in_force() {
    let new = Given::<FiveStopOrder>::new("order-1");
    assert_eq!(
        reason(new.when(
            &issue(ResponseLevel::Unspecified),
            &inspector(),
            at("11T12:00")
        )),
        "NO_RESPONSE_IN_FORCE"
    );
    assert_eq!(
        reason(new.when(&issue(ResponseLevel::Ii), &enterprise(), at("11T12:00"))),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    let order = issued();
    assert_eq!(order.status, FiveStopStatus::Issued);
    assert_eq!(order.issued_at_level, ResponseLevel::Ii);
    assert_eq!(order.in_force().count(), 3);
    assert!(
        order
            .measures
            .iter()
            .all(|measure| measure.started_at == Some(hl_proto::timestamp(at("11T12:00"))))
    );
}

#[test]
fn an_amendment_adds_areas_and_measures_not_yet_in_the_order() {
    let mut order = issued();
    let amend = |areas: Vec<pb::OrderArea>, measures: Vec<StopMeasure>| FiveStopCommand::Amend {
        add_areas: areas,
        add_measures: measures,
        reason: "风力加强".into(),
    };
    assert_eq!(
        reason(order.when(
            &amend(vec![], vec![StopMeasure::Classes]),
            &inspector(),
            at("11T18:00")
        )),
        "MEASURE_IN_ORDER"
    );
    assert_eq!(
        reason(order.when(
            &amend(vec![area("330903001", "")], vec![]),
            &inspector(),
            at("11T18:00")
        )),
        "AREA_COVERED"
    );
    order
        .then(
            &amend(
                vec![area("330903102", "")],
                vec![StopMeasure::Work, StopMeasure::Business],
            ),
            &inspector(),
            at("11T18:00"),
        )
        .unwrap();
    assert_eq!(order.status, FiveStopStatus::Amended);
    assert_eq!(order.in_force().count(), 5);
    assert_eq!(order.areas.len(), 3);
    assert_eq!(
        order.measures[3].started_at,
        Some(hl_proto::timestamp(at("11T18:00"))),
        "an added measure starts when it is added"
    );
    assert_eq!(order.amendments, ["风力加强"]);
}

#[test]
fn measures_are_lifted_one_by_one_never_unstarted_never_twice_and_the_last_lifts_the_order() {
    let mut order = issued();
    assert_eq!(
        reason(order.when(&lift(StopMeasure::Work), &inspector(), at("12T08:00"))),
        "MEASURE_NOT_STARTED"
    );
    order
        .then(&lift(StopMeasure::Transport), &inspector(), at("12T08:00"))
        .unwrap();
    assert_eq!(
        reason(order.when(&lift(StopMeasure::Transport), &inspector(), at("12T09:00"))),
        "MEASURE_ALREADY_LIFTED"
    );
    order
        .then(&lift(StopMeasure::Classes), &inspector(), at("12T10:00"))
        .unwrap();
    assert_eq!(order.status, FiveStopStatus::Issued);
    assert_eq!(order.lifted_at, None);
    let events = order
        .then(
            &lift(StopMeasure::OutdoorGatherings),
            &inspector(),
            at("12T12:00"),
        )
        .unwrap();
    assert_eq!(events.len(), 2, "the last lift also lifts the order");
    assert_eq!(order.status, FiveStopStatus::Lifted);
    assert_eq!(order.lifted_at, Some(at("12T12:00")));
    assert_eq!(order.in_force().count(), 0);
    assert_eq!(
        reason(order.when(
            &lift(StopMeasure::OutdoorGatherings),
            &inspector(),
            at("12T13:00")
        )),
        "MEASURE_ALREADY_LIFTED"
    );
    assert_eq!(
        reason(order.when(
            &FiveStopCommand::Amend {
                add_areas: vec![],
                add_measures: vec![StopMeasure::Work],
                reason: "再次加强".into(),
            },
            &inspector(),
            at("12T13:00")
        )),
        "ORDER_LIFTED"
    );
}

#[test]
fn exemptions_need_a_measure_in_force_and_township_officers_check_their_own_township() {
    let mut order = issued();
    let exempt = |measure| FiveStopCommand::Exempt {
        measure,
        subject: "普陀医院食堂".into(),
        reason: "保障住院病人供餐".into(),
    };
    assert_eq!(
        reason(order.when(&exempt(StopMeasure::Business), &inspector(), at("11T13:00"))),
        "MEASURE_NOT_STARTED"
    );
    order
        .then(
            &exempt(StopMeasure::Transport),
            &inspector(),
            at("11T13:00"),
        )
        .unwrap();
    assert_eq!(order.exemptions[0].granted_by, inspector().id);
    let check = |township: &str, compliant| FiveStopCommand::CheckCompliance {
        township_code: township.into(),
        compliant,
        findings: vec!["渔港内仍有人员作业".into()],
    };
    let officer = township_officer("330903001");
    assert_eq!(
        reason(order.when(&check("330903101", false), &officer, at("11T14:00"))),
        "OUTSIDE_JURISDICTION"
    );
    assert_eq!(
        reason(order.when(&check("330903102", false), &inspector(), at("11T14:00"))),
        "INVALID_ARGUMENT",
        "a township the order does not cover"
    );
    order
        .then(&check("330903001", false), &officer, at("11T14:00"))
        .unwrap();
    assert_eq!(order.checks[0].checked_by, officer.id);
    assert!(!order.checks[0].compliant);
}

fn vessel() -> Given<KeyVessel> {
    Given::<KeyVessel>::new("v-1").given(
        &VesselCommand::Register(RegisterVessel {
            region: "330903".into(),
            vessel_name: "浙普渔12345".into(),
            registration_number: "330903200012345".into(),
            kind: VesselKind::Detained,
            mooring_place: "沈家门渔港3号泊位".into(),
            township_code: "330903001".into(),
            responsible_unit: "区海洋与渔业执法大队".into(),
        }),
        &inspector(),
        at("01T09:00"),
    )
}

fn check(event: &str, secured: bool) -> VesselCommand {
    VesselCommand::Check {
        disaster_event_id: event.into(),
        secured,
        findings: if secured {
            vec![]
        } else {
            vec!["缆绳未加固".into()]
        },
    }
}

#[test]
fn a_vessel_is_secured_for_an_event_only_by_a_check_after_a_measure() {
    let mut vessel = vessel();
    assert_eq!(
        reason(vessel.when(&check("typhoon-2614", true), &inspector(), at("11T09:00"))),
        "NO_VESSEL_MEASURE"
    );
    vessel
        .then(&check("typhoon-2614", false), &inspector(), at("11T09:00"))
        .unwrap();
    assert!(!vessel.watch("typhoon-2614").unwrap().secured);
    let reinforce = VesselCommand::RecordMeasure {
        disaster_event_id: "typhoon-2614".into(),
        measure: VesselMeasure::Reinforced,
        note: "增加双缆".into(),
    };
    assert_eq!(
        reason(vessel.when(&reinforce, &township_officer("330903101"), at("11T10:00"))),
        "OUTSIDE_JURISDICTION"
    );
    vessel
        .then(&reinforce, &township_officer("330903001"), at("11T10:00"))
        .unwrap();
    vessel
        .then(&check("typhoon-2614", true), &inspector(), at("11T11:00"))
        .unwrap();
    assert!(vessel.watch("typhoon-2614").unwrap().secured);
    // Secured for one typhoon says nothing of the next.
    assert_eq!(vessel.watch("typhoon-2615"), None);
    assert_eq!(
        reason(vessel.when(&check("typhoon-2615", true), &inspector(), at("20T09:00"))),
        "NO_VESSEL_MEASURE"
    );
    // A later check that finds it loose again takes it off the secured list.
    vessel
        .then(&check("typhoon-2614", false), &inspector(), at("11T20:00"))
        .unwrap();
    let watch = vessel.watch("typhoon-2614").unwrap();
    assert!(!watch.secured);
    assert_eq!(watch.checks.len(), 3);
}

#[test]
fn a_registration_number_is_held_by_one_vessel_however_it_is_written() {
    use crate::domain::vessel_number::{ClaimNumber, VesselNumber, claim_id, normalise};
    assert_eq!(normalise(" 浙普渔 ｘｙ１２\t"), "浙普渔XY12");
    assert_eq!(
        claim_id(&normalise("浙普渔xy12")),
        claim_id(&normalise("浙普渔 ＸＹ１２"))
    );
    assert_ne!(claim_id("浙普渔XY12"), claim_id("浙普渔XY13"));
    let claim = |vessel: &str, number: &str| ClaimNumber {
        region: "330903".into(),
        registration_number: normalise(number),
        vessel_id: vessel.into(),
    };
    let mut number = Given::<VesselNumber>::new(&claim_id("浙普渔XY12"));
    assert_eq!(
        reason(number.when(&claim("v-1", "浙普渔XY12"), &enterprise(), at("01T09:00"))),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    assert_eq!(
        reason(number.when(
            &claim("v-1", "浙普渔XY12"),
            &inspector_elsewhere(),
            at("01T09:00")
        )),
        "OUTSIDE_JURISDICTION"
    );
    number
        .then(&claim("v-1", "浙普渔XY12"), &inspector(), at("01T09:00"))
        .unwrap();
    // The same vessel's registration again (a retry) holds it already: nothing new.
    let again = number
        .when(&claim("v-1", "浙普渔xy12"), &inspector(), at("01T10:00"))
        .unwrap();
    assert!(again.is_empty());
    // Another vessel, however the number is written: refused, naming the vessel that holds it.
    let refused = number
        .when(
            &claim("v-2", "浙普渔 ＸＹ１２"),
            &administrator(),
            at("01T11:00"),
        )
        .unwrap_err();
    assert_eq!(refused.reason(), "REGISTRATION_NUMBER_HELD");
    assert!(refused.to_string().contains("keyVessels/v-1"), "{refused}");
    assert_eq!(number.state().vessel_id, "v-1");
}

#[test]
fn forest_fires_are_graded_at_each_boundary_of_the_grading_rules() {
    use crate::domain::rules::{FOREST_FIRE_GRADING, SQUARE_METRES_PER_HECTARE};
    use hl_proto::plans::v1::AccidentGrade;
    let rules = &FOREST_FIRE_GRADING.in_force(day("2026-03-01")).rules;
    let hectares = |tenths: i64| tenths * SQUARE_METRES_PER_HECTARE / 10;
    let by_area = [
        (hectares(9), AccidentGrade::General),
        (hectares(10), AccidentGrade::RelativelyMajor),
        (hectares(999), AccidentGrade::RelativelyMajor),
        (hectares(1000), AccidentGrade::Major),
        (hectares(9999), AccidentGrade::Major),
        (hectares(10_000), AccidentGrade::ExtraordinarilyMajor),
    ];
    for (area, grade) in by_area {
        assert_eq!(rules.grade(0, 0, area), grade, "{area} square metres");
    }
    let by_deaths_and_injuries = [
        ((2, 9), AccidentGrade::General),
        ((3, 0), AccidentGrade::RelativelyMajor),
        ((0, 10), AccidentGrade::RelativelyMajor),
        ((10, 0), AccidentGrade::Major),
        ((0, 50), AccidentGrade::Major),
        ((30, 0), AccidentGrade::ExtraordinarilyMajor),
        ((0, 100), AccidentGrade::ExtraordinarilyMajor),
    ];
    for ((deaths, injuries), grade) in by_deaths_and_injuries {
        assert_eq!(
            rules.grade(deaths, injuries, 0),
            grade,
            "{deaths}, {injuries}"
        );
    }

    let mut fire = Given::<DisasterEvent>::new("fire-1").given(
        &DisasterCommand::Declare(Declare {
            region: "330903".into(),
            kind: DisasterKind::ForestFire,
            title: "桃花岛山林火灾".into(),
            level: ResponseLevel::Iv,
            reason: "林区起火".into(),
        }),
        &inspector(),
        at("10T08:00"),
    );
    assert_eq!(fire.forest_fire_grade(), None, "no report yet");
    let burned = |area| {
        DisasterCommand::ReportSituation(pb::SituationReport {
            burned_area_square_metres: area,
            ..pb::SituationReport::default()
        })
    };
    fire.then(&burned(hectares(5)), &inspector(), at("10T10:00"))
        .unwrap();
    assert_eq!(
        fire.forest_fire_grade(),
        Some((AccidentGrade::General, "forest-fire-grading-2009-01-01"))
    );
    fire.then(&burned(hectares(15)), &inspector(), at("10T12:00"))
        .unwrap();
    assert_eq!(
        fire.forest_fire_grade().map(|(grade, _)| grade),
        Some(AccidentGrade::RelativelyMajor),
        "the latest report grades it"
    );
    let typhoon = declared();
    assert_eq!(
        reason(typhoon.when(&burned(hectares(1)), &inspector(), at("10T09:00"))),
        "INVALID_ARGUMENT",
        "only a forest fire burns forest"
    );
    assert_eq!(typhoon.forest_fire_grade(), None);
}

#[test]
fn command_readiness_is_read_on_its_day_and_a_shortfall_says_what() {
    use crate::domain::command_readiness::{CheckReadiness, CommandReadiness, to_standard};
    let check = |on: &str, equipment: bool, note: &str| CheckReadiness {
        township_code: "330903001".into(),
        checked_on: day(on),
        command_venue: true,
        duty_team: true,
        equipment,
        note: note.into(),
    };
    let mut readiness = Given::<CommandReadiness>::new("330903001");
    assert_eq!(
        reason(readiness.when(
            &check("2026-09-01", false, ""),
            &inspector(),
            at("01T12:00")
        )),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        reason(readiness.when(&check("2026-09-02", true, ""), &inspector(), at("01T12:00"))),
        "INVALID_ARGUMENT",
        "not dated ahead"
    );
    assert_eq!(
        reason(readiness.when(
            &check("2026-09-01", true, ""),
            &township_officer("330903002"),
            at("01T12:00")
        )),
        "OUTSIDE_JURISDICTION"
    );
    readiness
        .then(&check("2026-09-10", true, ""), &inspector(), at("10T12:00"))
        .unwrap();
    // Entered later, checked earlier: it reads on its own day.
    readiness
        .then(
            &check("2026-09-05", false, "卫星电话未配"),
            &township_officer("330903001"),
            at("11T12:00"),
        )
        .unwrap();
    assert_eq!(readiness.latest_on(day("2026-09-04")), None);
    assert!(!to_standard(
        readiness.latest_on(day("2026-09-07")).unwrap()
    ));
    assert!(to_standard(readiness.latest_on(day("2026-09-10")).unwrap()));
    assert_eq!(readiness.checks[0].checked_by, "township-1");
}
