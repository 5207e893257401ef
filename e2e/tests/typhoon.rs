//! Typhoon season end to end, through the suite's gRPC API and its read models: a typhoon's
//! response raised, a five-stop order issued under it and checked in a township, key vessels
//! watched until the one left loose is secured, the order's measures lifted one by one, and the
//! event closed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hl_e2e::Suite;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::plans_service_client::PlansServiceClient;
use hl_proto::plans::v1::{
    DisasterKind, FiveStopStatus, ResponseLevel, StopMeasure, VesselKind, VesselMeasure,
};
use hl_testkit::actors::{
    ENTERPRISE, OTHER_TOWNSHIP, TOWNSHIP, as_actor, by_enterprise, by_inspector, township_officer,
};
use hl_testkit::{NatsServer, fields, unique_namespace, wait_until};
use tonic::Code;
use tonic::transport::Channel;

const WAIT: Duration = Duration::from_secs(30);

/// A business time `minutes` before now: the steps of the test run forward from three hours ago.
fn minutes_ago(minutes: i64) -> Option<hl_proto::Timestamp> {
    let at: DateTime<Utc> = Utc::now() - chrono::Duration::minutes(minutes);
    Some(hl_proto::timestamp(at))
}

fn vessel(vessel_id: &str, kind: VesselKind) -> pb::RegisterKeyVesselRequest {
    pb::RegisterKeyVesselRequest {
        request_id: format!("register-{vessel_id}"),
        vessel_id: vessel_id.into(),
        vessel_name: format!("浙普渔{vessel_id}"),
        registration_number: format!("3309032000{vessel_id}"),
        kind: kind as i32,
        mooring_place: "沈家门渔港".into(),
        township_code: TOWNSHIP.into(),
        responsible_unit: "区海洋与渔业执法大队".into(),
        occurred_at: minutes_ago(175),
    }
}

fn lift(request_id: &str, measure: StopMeasure, minutes: i64) -> pb::LiftStopMeasureRequest {
    pb::LiftStopMeasureRequest {
        request_id: request_id.into(),
        name: "fiveStopOrders/order-1".into(),
        measure: measure as i32,
        occurred_at: minutes_ago(minutes),
    }
}

/// The event's response once the read models show `ready`.
async fn response_when(
    ledger: &LedgerServiceClient<Channel>,
    what: &str,
    ready: impl Fn(&ledger::DisasterResponse) -> bool,
) -> ledger::DisasterResponse {
    wait_until(what, WAIT, || {
        let mut ledger = ledger.clone();
        let ready = &ready;
        async move {
            let response = ledger
                .get_disaster_response(by_inspector(ledger::GetDisasterResponseRequest {
                    disaster_event: "disasterEvents/haikui".into(),
                }))
                .await
                .ok()?
                .into_inner();
            ready(&response).then_some(response)
        }
    })
    .await
}

fn names(standings: &[ledger::VesselStanding]) -> Vec<&str> {
    standings
        .iter()
        .map(|standing| standing.vessel.as_str())
        .collect()
}

#[tokio::test]
async fn a_typhoon_is_met_with_a_five_stop_order_and_secured_vessels_then_lifted_and_closed() {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = Suite::without_demo(&nats.url(), &unique_namespace(), data_dir.path(), None).await;
    let channel = suite.channel().await;
    let mut plans = PlansServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);

    // A typhoon is declared at Ⅳ and raised to Ⅱ; an enterprise cannot touch the record.
    let declare = pb::DeclareDisasterEventRequest {
        request_id: "declare".into(),
        disaster_event_id: "haikui".into(),
        kind: DisasterKind::Typhoon as i32,
        title: "台风“海葵”".into(),
        level: ResponseLevel::Iv as i32,
        reason: "台风蓝色预警".into(),
        occurred_at: minutes_ago(180),
    };
    let refused = plans
        .declare_disaster_event(by_enterprise(declare.clone(), ENTERPRISE))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    plans
        .declare_disaster_event(by_inspector(declare))
        .await
        .expect("declare");
    let raise = pb::ChangeResponseLevelRequest {
        request_id: "raise".into(),
        name: "disasterEvents/haikui".into(),
        level: ResponseLevel::Ii as i32,
        reason: "台风橙色预警".into(),
        occurred_at: minutes_ago(170),
    };
    plans
        .change_response_level(by_inspector(raise.clone()))
        .await
        .expect("raise");
    let again = plans
        .change_response_level(by_inspector(pb::ChangeResponseLevelRequest {
            request_id: "raise-again".into(),
            ..raise
        }))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition, "{again:?}");

    // The order: bad input names every field and changes nothing.
    let order = pb::IssueFiveStopOrderRequest {
        request_id: "issue".into(),
        order_id: "order-1".into(),
        disaster_event: "disasterEvents/haikui".into(),
        issuer: "普陀区防汛防台抗旱指挥部".into(),
        document_number: "普防指〔2026〕12号".into(),
        areas: vec![
            pb::OrderArea {
                township_code: TOWNSHIP.into(),
                village: String::new(),
            },
            pb::OrderArea {
                township_code: OTHER_TOWNSHIP.into(),
                village: "东极村".into(),
            },
        ],
        measures: vec![
            StopMeasure::OutdoorGatherings as i32,
            StopMeasure::Classes as i32,
            StopMeasure::Transport as i32,
        ],
        occurred_at: minutes_ago(160),
    };
    let refused = plans
        .issue_five_stop_order(by_inspector(pb::IssueFiveStopOrderRequest {
            areas: vec![pb::OrderArea {
                township_code: "330902001".into(),
                village: String::new(),
            }],
            measures: vec![StopMeasure::Classes as i32, StopMeasure::Classes as i32],
            ..order.clone()
        }))
        .await
        .unwrap_err();
    assert_eq!(fields(&refused), ["areas[0].township_code", "measures[1]"]);
    let unknown = plans
        .issue_five_stop_order(by_inspector(pb::IssueFiveStopOrderRequest {
            request_id: "issue-unknown".into(),
            disaster_event: "disasterEvents/nothing".into(),
            ..order.clone()
        }))
        .await
        .unwrap_err();
    assert_eq!(fields(&unknown), ["disaster_event"]);
    let issued = plans
        .issue_five_stop_order(by_inspector(order))
        .await
        .expect("issue")
        .into_inner()
        .order
        .unwrap();
    assert_eq!(issued.issued_at_level, ResponseLevel::Ii as i32);
    assert_eq!(issued.status, FiveStopStatus::Issued as i32);

    // A township officer checks compliance in their own township only.
    let check = pb::RecordComplianceCheckRequest {
        request_id: "check".into(),
        name: "fiveStopOrders/order-1".into(),
        township_code: TOWNSHIP.into(),
        compliant: false,
        findings: vec!["渔港内仍有人员作业，已劝离".into()],
        occurred_at: minutes_ago(150),
    };
    let outside = plans
        .record_compliance_check(as_actor(
            pb::RecordComplianceCheckRequest {
                township_code: OTHER_TOWNSHIP.into(),
                ..check.clone()
            },
            &township_officer(TOWNSHIP),
        ))
        .await
        .unwrap_err();
    assert_eq!(outside.code(), Code::PermissionDenied, "{outside:?}");
    plans
        .record_compliance_check(as_actor(check, &township_officer(TOWNSHIP)))
        .await
        .expect("check");

    // Three key vessels: two secured, one left loose.
    for (vessel_id, kind) in [
        ("v-1", VesselKind::Detained),
        ("v-2", VesselKind::Unpowered),
        ("v-3", VesselKind::OtherKey),
    ] {
        plans
            .register_key_vessel(by_inspector(vessel(vessel_id, kind)))
            .await
            .expect("register");
    }
    let measure = |vessel_id: &str, minutes| pb::RecordVesselMeasureRequest {
        request_id: format!("measure-{vessel_id}"),
        name: format!("keyVessels/{vessel_id}"),
        disaster_event: "disasterEvents/haikui".into(),
        measure: VesselMeasure::Reinforced as i32,
        note: "增加双缆".into(),
        occurred_at: minutes_ago(minutes),
    };
    let vessel_check = |vessel_id: &str, secured: bool, minutes| pb::CheckVesselRequest {
        request_id: format!("check-{vessel_id}-{minutes}"),
        name: format!("keyVessels/{vessel_id}"),
        disaster_event: "disasterEvents/haikui".into(),
        secured,
        findings: if secured {
            vec![]
        } else {
            vec!["缆绳未加固".into()]
        },
        occurred_at: minutes_ago(minutes),
    };
    let too_soon = plans
        .check_vessel(by_inspector(vessel_check("v-3", true, 140)))
        .await
        .unwrap_err();
    assert_eq!(too_soon.code(), Code::FailedPrecondition, "{too_soon:?}");
    for vessel_id in ["v-1", "v-2"] {
        plans
            .record_vessel_measure(by_inspector(measure(vessel_id, 140)))
            .await
            .expect("measure");
        plans
            .check_vessel(by_inspector(vessel_check(vessel_id, true, 130)))
            .await
            .expect("secured");
    }
    plans
        .check_vessel(by_inspector(vessel_check("v-3", false, 130)))
        .await
        .expect("found loose");
    // v-3 was not secured before its check too: wait for the check's findings themselves.
    let response = response_when(&ledger, "v-3's loose check in the ledger", |response| {
        response.secured.len() == 2
            && response.not_secured.len() == 1
            && !response.not_secured[0].last_findings.is_empty()
    })
    .await;
    assert_eq!(names(&response.not_secured), ["keyVessels/v-3"]);
    assert_eq!(response.not_secured[0].last_findings, ["缆绳未加固"]);
    assert_eq!(response.orders.len(), 1);
    assert_eq!(response.measures_in_force, 3);
    assert_eq!(
        response.disaster_event.as_ref().unwrap().level,
        ResponseLevel::Ii as i32
    );

    // v-3 is moved and found secured.
    plans
        .record_vessel_measure(by_inspector(pb::RecordVesselMeasureRequest {
            measure: VesselMeasure::Moved as i32,
            ..measure("v-3", 120)
        }))
        .await
        .expect("moved");
    plans
        .check_vessel(by_inspector(vessel_check("v-3", true, 110)))
        .await
        .expect("secured");

    // The measures are lifted one by one: never one not started, never one twice.
    let never = plans
        .lift_stop_measure(by_inspector(lift("lift-work", StopMeasure::Work, 100)))
        .await
        .unwrap_err();
    assert_eq!(never.code(), Code::FailedPrecondition, "{never:?}");
    plans
        .lift_stop_measure(by_inspector(lift(
            "lift-transport",
            StopMeasure::Transport,
            90,
        )))
        .await
        .expect("lift transport");
    let twice = plans
        .lift_stop_measure(by_inspector(lift(
            "lift-transport-again",
            StopMeasure::Transport,
            85,
        )))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition, "{twice:?}");
    plans
        .lift_stop_measure(by_inspector(lift("lift-classes", StopMeasure::Classes, 80)))
        .await
        .expect("lift classes");
    let lifted = plans
        .lift_stop_measure(by_inspector(lift(
            "lift-outdoor",
            StopMeasure::OutdoorGatherings,
            70,
        )))
        .await
        .expect("lift the last")
        .into_inner()
        .order
        .unwrap();
    assert_eq!(lifted.status, FiveStopStatus::Lifted as i32);
    assert!(
        lifted
            .measures
            .iter()
            .all(|state| state.lifted_at.is_some())
    );

    // The event closes; nothing more is recorded under it.
    plans
        .close_disaster_event(by_inspector(pb::CloseDisasterEventRequest {
            request_id: "close".into(),
            name: "disasterEvents/haikui".into(),
            reason: "台风影响解除".into(),
            occurred_at: minutes_ago(60),
        }))
        .await
        .expect("close");
    let late = plans
        .record_vessel_measure(by_inspector(measure("v-1", 50)))
        .await
        .unwrap_err();
    assert_eq!(late.code(), Code::FailedPrecondition, "{late:?}");
    let response = response_when(&ledger, "the closed response", |response| {
        response
            .disaster_event
            .as_ref()
            .is_some_and(|event| event.closed)
            && response.measures_in_force == 0
            && response.not_secured.is_empty()
    })
    .await;
    assert_eq!(
        names(&response.secured),
        ["keyVessels/v-1", "keyVessels/v-2", "keyVessels/v-3"]
    );
    let event = response.disaster_event.unwrap();
    let levels: Vec<i32> = event.timeline.iter().map(|step| step.level).collect();
    assert_eq!(levels, [ResponseLevel::Iv as i32, ResponseLevel::Ii as i32]);
    assert_eq!(response.orders[0].checks.len(), 1);
}

#[tokio::test]
async fn the_targets_count_typhoon_deaths_and_forest_fires_by_grade_and_await_the_gdp() {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = Suite::without_demo(&nats.url(), &unique_namespace(), data_dir.path(), None).await;
    let channel = suite.channel().await;
    let mut plans = PlansServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);
    for (disaster_event_id, kind) in [
        ("haikui", DisasterKind::Typhoon),
        ("taohua-fire", DisasterKind::ForestFire),
    ] {
        plans
            .declare_disaster_event(by_inspector(pb::DeclareDisasterEventRequest {
                request_id: format!("declare-{disaster_event_id}"),
                disaster_event_id: disaster_event_id.into(),
                kind: kind as i32,
                title: disaster_event_id.into(),
                level: ResponseLevel::Iii as i32,
                reason: "预警".into(),
                occurred_at: minutes_ago(2),
            }))
            .await
            .expect("declare");
    }
    let report = |name: &str, deaths, burned_area_square_metres| {
        by_inspector(pb::ReportDisasterSituationRequest {
            request_id: format!("report-{name}"),
            name: format!("disasterEvents/{name}"),
            deaths,
            burned_area_square_metres,
            occurred_at: minutes_ago(1),
            ..Default::default()
        })
    };
    let typhoon_burns = plans
        .report_disaster_situation(report("haikui", 1, 5_000))
        .await
        .unwrap_err();
    assert_eq!(fields(&typhoon_burns), ["burned_area_square_metres"]);
    plans
        .report_disaster_situation(report("haikui", 1, 0))
        .await
        .expect("a death in the typhoon");
    // 15 hectares burned: 较大 (from 1 hectare).
    let fire = plans
        .report_disaster_situation(report("taohua-fire", 0, 150_000))
        .await
        .expect("the fire's report")
        .into_inner()
        .disaster_event
        .unwrap();
    assert_eq!(
        fire.forest_fire_grade,
        pb::AccidentGrade::RelativelyMajor as i32
    );

    let year = chrono::Datelike::year(&hl_testkit::inspections::today());
    let targets = wait_until("the targets count both events", WAIT, || {
        let mut ledger = ledger.clone();
        async move {
            let targets = ledger
                .get_targets(by_inspector(ledger::GetTargetsRequest {
                    year,
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner()
                .targets;
            let counted = |code: &str| {
                targets
                    .iter()
                    .find(|target| target.code == code)
                    .is_some_and(|target| !target.counted.is_empty())
            };
            (counted("T6") && counted("T7")).then_some(targets)
        }
    })
    .await;
    let by_code = |code: &str| targets.iter().find(|target| target.code == code).unwrap();
    let t6 = by_code("T6");
    assert_eq!(t6.counted, ["disasterEvents/haikui"]);
    assert_eq!(t6.figure, Some(1.0));
    assert_eq!(t6.status(), ledger::TargetStatus::NotMet);
    let t7 = by_code("T7");
    assert_eq!(t7.counted, ["disasterEvents/taohua-fire"]);
    assert_eq!(t7.figure, Some(1.0));
    assert_eq!(t7.status(), ledger::TargetStatus::NotMet);
    // No GDP is entered: T3 has no figure, never a zero.
    let t3 = by_code("T3");
    assert_eq!(t3.status(), ledger::TargetStatus::AwaitingData);
    assert_eq!(t3.figure, None);
    assert!(t3.note.contains("GDP"), "{}", t3.note);
}
