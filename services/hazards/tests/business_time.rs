//! Business time over the API against a real nats-server: how far back each role may date a
//! step, steps dated in order, the township of a hazard as the registry had it on the day the
//! hazard occurred, and rule data the client cannot override.

mod support;

use chrono::{Duration, Utc};
use hl_proto::common::v1::Date;
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::responsibility::v1 as registry;
use hl_proto::responsibility::v1::registry_service_client::RegistryServiceClient;
use hl_proto::{FieldMask, timestamp};
use hl_testkit::TestService;
use hl_testkit::actors::{
    ENTERPRISE, OTHER_ENTERPRISE, OTHER_TOWNSHIP, TOWNSHIP, by_administrator, by_enterprise,
    by_inspector,
};
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_types::StatusExt;

async fn client(service: &TestService) -> HazardsServiceClient<Channel> {
    HazardsServiceClient::new(service.channel().await)
}

/// A report dated `days_ago` (fractions allowed), in the ledger `provenance` says.
fn report(request_id: &str, provenance: pb::Provenance, days_ago: f64) -> pb::ReportHazardRequest {
    pb::ReportHazardRequest {
        request_id: request_id.into(),
        hazard_id: request_id.into(),
        enterprise_id: ENTERPRISE.into(),
        provenance: provenance as i32,
        source_type: pb::SourceType::Routine as i32,
        category: pb::HazardCategory::FireSafety as i32,
        location: "cold room 2".into(),
        description: "emergency exit blocked".into(),
        occurred_at: Some(timestamp(
            Utc::now() - Duration::seconds((days_ago * 86_400.0) as i64),
        )),
        ..Default::default()
    }
}

/// The one field violation of an INVALID_ARGUMENT, as (field, description).
fn violation(status: &Status) -> (String, String) {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let violations = status.get_details_bad_request().unwrap().field_violations;
    assert_eq!(violations.len(), 1, "{violations:?}");
    (
        violations[0].field.clone(),
        violations[0].description.clone(),
    )
}

#[tokio::test]
async fn each_role_dates_a_step_only_as_far_back_as_the_rules_allow() {
    let (_nats, service) = support::district().await;
    let mut client = client(&service).await;
    let own = pb::Provenance::EnterpriseSelf;
    let finding = pb::Provenance::GovernmentInspection;

    let refused = client
        .report_hazard(by_enterprise(report("own-8", own, 8.0), ENTERPRISE))
        .await
        .unwrap_err();
    let (field, description) = violation(&refused);
    assert_eq!(field, "occurred_at");
    assert!(description.contains("at most 7 days back"), "{description}");
    client
        .report_hazard(by_enterprise(report("own-6", own, 6.0), ENTERPRISE))
        .await
        .expect("an enterprise dates a step six days back");

    let refused = client
        .report_hazard(by_inspector(report("finding-31", finding, 31.0)))
        .await
        .unwrap_err();
    let (_, description) = violation(&refused);
    assert!(
        description.contains("at most 30 days back"),
        "{description}"
    );
    let recorded = client
        .report_hazard(by_inspector(report("finding-20", finding, 20.0)))
        .await
        .expect("an officer dates an inspection twenty days back")
        .into_inner();
    let reported = recorded.hazard.unwrap().reported.unwrap();
    let reported_at = hl_proto::instant(reported.at.as_ref().unwrap()).unwrap();
    assert!(
        (Utc::now() - reported_at) > Duration::days(19),
        "the step keeps its date"
    );

    let refused = client
        .report_hazard(by_inspector(report("finding-tomorrow", finding, -1.0)))
        .await
        .unwrap_err();
    assert_eq!(violation(&refused).1, "lies in the future");

    // A later step may not be dated before the hazard's last one.
    let order = pb::OrderRectificationRequest {
        request_id: "order-early".into(),
        name: "hazards/finding-20".into(),
        order: Some(pb::RectificationOrder {
            document_number: "责改〔2026〕3号".into(),
            deadline: Some(Date::from(Utc::now().date_naive() + Duration::days(30))),
            measures: String::new(),
        }),
        occurred_at: Some(timestamp(Utc::now() - Duration::days(25))),
    };
    let refused = client
        .order_rectification(by_inspector(order))
        .await
        .unwrap_err();
    let (field, description) = violation(&refused);
    assert_eq!(field, "occurred_at");
    assert!(
        description.contains("steps are dated in order"),
        "{description}"
    );
}

#[tokio::test]
async fn the_township_is_the_registrys_on_the_day_the_hazard_occurred() {
    let (_nats, service) = support::district().await;
    let mut client = client(&service).await;
    // The enterprise moved to another township three days ago.
    let moved = registry::UpdateEnterpriseRequest {
        request_id: "move".into(),
        enterprise: Some(registry::Enterprise {
            name: format!("enterprises/{ENTERPRISE}"),
            township_code: OTHER_TOWNSHIP.into(),
            ..Default::default()
        }),
        update_mask: Some(FieldMask {
            paths: vec!["township_code".into()],
        }),
        effective_from: Some(Date::from(
            hl_domain::clock::local_date(Utc::now()) - Duration::days(3),
        )),
        ..Default::default()
    };
    RegistryServiceClient::new(service.channel().await)
        .update_enterprise(by_administrator(moved))
        .await
        .unwrap();

    // A finding of ten days ago is in the township the enterprise was in then.
    let mut before_the_move = report("before", pb::Provenance::GovernmentInspection, 10.0);
    before_the_move.township_code = OTHER_TOWNSHIP.into();
    let refused = client
        .report_hazard(by_inspector(before_the_move.clone()))
        .await
        .unwrap_err();
    let (field, description) = violation(&refused);
    assert_eq!(field, "township_code");
    assert!(description.contains(TOWNSHIP), "{description}");
    before_the_move.township_code = String::new();
    let recorded = client
        .report_hazard(by_inspector(before_the_move))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(recorded.hazard.unwrap().township_code, TOWNSHIP);

    // Today's finding is in the new township, whatever the client says.
    let mut today = report("today", pb::Provenance::GovernmentInspection, 0.0);
    today.township_code = TOWNSHIP.into();
    let refused = client
        .report_hazard(by_inspector(today.clone()))
        .await
        .unwrap_err();
    assert_eq!(violation(&refused).0, "township_code");
    today.township_code = OTHER_TOWNSHIP.into();
    let recorded = client
        .report_hazard(by_inspector(today))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(recorded.hazard.unwrap().township_code, OTHER_TOWNSHIP);
}

#[tokio::test]
async fn an_alarm_devices_test_interval_comes_from_rule_data_not_from_the_client() {
    let (_nats, service) = support::district().await;
    let mut client = client(&service).await;
    let register = |interval| pb::RegisterAlarmDeviceRequest {
        request_id: format!("device-{interval}"),
        device_id: format!("nh3-{interval}"),
        enterprise_id: ENTERPRISE.into(),
        kind: pb::AlarmDeviceKind::AmmoniaConcentration as i32,
        location: "machine room".into(),
        test_interval_days: interval,
        ..Default::default()
    };
    let refused = client
        .register_alarm_device(by_enterprise(register(3650), ENTERPRISE))
        .await
        .unwrap_err();
    let (field, description) = violation(&refused);
    assert_eq!(field, "test_interval_days");
    assert!(description.contains("rule data"), "{description}");
    let device = client
        .register_alarm_device(by_enterprise(register(0), ENTERPRISE))
        .await
        .unwrap()
        .into_inner()
        .device
        .unwrap();
    assert_eq!(device.test_interval_days, 365);
}

#[tokio::test]
async fn a_hazard_reads_as_it_stood_at_as_of_from_the_steps_that_happened_by_then() {
    let (_nats, service) = support::district().await;
    let mut client = client(&service).await;
    let days_ago = |days: i64| Some(timestamp(Utc::now() - Duration::days(days)));
    // Found 20 days ago; ordered rectified 10 days ago, by 7 days ago.
    client
        .report_hazard(by_inspector(pb::ReportHazardRequest {
            level: pb::HazardLevel::General as i32,
            level_criterion: "一般隐患".into(),
            ..report("found", pb::Provenance::GovernmentInspection, 20.0)
        }))
        .await
        .expect("the finding");
    client
        .order_rectification(by_inspector(pb::OrderRectificationRequest {
            request_id: "ordered".into(),
            name: "hazards/found".into(),
            order: Some(pb::RectificationOrder {
                document_number: "责改〔2026〕4号".into(),
                deadline: Some(Date::from(hl_domain::clock::local_date(
                    Utc::now() - Duration::days(7),
                ))),
                measures: String::new(),
            }),
            occurred_at: days_ago(10),
        }))
        .await
        .expect("the order");
    let get = |as_of| pb::GetHazardRequest {
        name: "hazards/found".into(),
        as_of,
    };

    // Before it was found it did not exist.
    let before = client
        .get_hazard(by_inspector(get(days_ago(25))))
        .await
        .unwrap_err();
    assert_eq!(before.code(), Code::NotFound, "{before:?}");
    // Between the finding and the order: reported, not yet ordered, not overdue.
    let found = client
        .get_hazard(by_inspector(get(days_ago(15))))
        .await
        .unwrap()
        .into_inner();
    // The report and its grading: one commit of two events.
    assert_eq!(found.version, 2);
    assert_ne!(found.status(), pb::HazardStatus::Rectifying);
    assert!(found.rectification_order.is_none());
    assert!(!found.overdue);
    // After the deadline passed: ordered, and overdue then.
    let late = client
        .get_hazard(by_inspector(get(days_ago(5))))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(late.version, 3);
    assert_eq!(late.status(), pb::HazardStatus::Rectifying);
    assert!(late.rectification_order.is_some());
    assert!(late.overdue);
    // Unset: as it stands now, the same two steps.
    let now = client
        .get_hazard(by_inspector(get(None)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((now.version, now.status), (late.version, late.status));

    // Its enterprise reads its past too; another enterprise finds it missing at every moment,
    // word for word as a hazard that does not exist (and no history is read for them).
    let own = client
        .get_hazard(by_enterprise(get(days_ago(15)), ENTERPRISE))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(own.version, 2);
    let missing = client
        .get_hazard(by_enterprise(
            pb::GetHazardRequest {
                name: "hazards/never".into(),
                as_of: days_ago(15),
            },
            OTHER_ENTERPRISE,
        ))
        .await
        .unwrap_err();
    for as_of in [days_ago(15), days_ago(5), None] {
        let hidden = client
            .get_hazard(by_enterprise(get(as_of), OTHER_ENTERPRISE))
            .await
            .unwrap_err();
        assert_eq!(hidden.code(), Code::NotFound, "{hidden:?}");
        assert_eq!(
            hidden.message().replace("hazards/found", "hazards/never"),
            missing.message()
        );
    }
}
