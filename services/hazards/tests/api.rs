//! The hazards gRPC API in-process against a real nats-server: error codes and details,
//! idempotent retries, concurrency, health, the supervision-order follow-up, and refusals that
//! tell a caller nothing about records it may not see.

use hl_eventstore::RepositorySettings;
use hl_proto::common::v1::{CommitInfo, Date, EvidenceRef};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::responsibility::v1::registry_service_client::RegistryServiceClient;
use hl_proto::responsibility::v1::{ChangeEnterpriseStatusRequest, EnterpriseStatus};
use hl_testkit::actors::{
    ENTERPRISE, OTHER_ENTERPRISE, OTHER_TOWNSHIP, as_actor, by_administrator, by_enterprise,
    by_inspector, township_officer,
};
use hl_testkit::fixtures::{Registered, register_district};
use hl_testkit::{NatsServer, TestService, unique_namespace};
use tonic::transport::Channel;
use tonic::{Code, Request};
use tonic_types::StatusExt;

/// The registry and the hazards service on their production mounts.
async fn start(nats_url: &str, namespace: &str, settings: RepositorySettings) -> TestService {
    TestService::spawn(nats_url, namespace, |server, store, region| {
        hl_responsibility::mount_without_ledger(server, store, region);
        hl_hazards::mount_with_settings(server, store, region, settings);
    })
    .await
}

async fn client(service: &TestService) -> HazardsServiceClient<Channel> {
    HazardsServiceClient::new(service.channel().await)
}

async fn register_enterprises(service: &TestService) {
    register_district(
        service.channel().await,
        &[
            Registered::cold_store(ENTERPRISE),
            Registered::cold_store(OTHER_ENTERPRISE),
        ],
    )
    .await;
}

const HAZARDS_SERVICE: &str = "hazard_ledger.hazards.v1.HazardsService";

fn enterprise<T>(body: T) -> Request<T> {
    by_enterprise(body, ENTERPRISE)
}

fn other_enterprise<T>(body: T) -> Request<T> {
    by_enterprise(body, OTHER_ENTERPRISE)
}

fn report(
    request_id: &str,
    hazard_id: &str,
    provenance: pb::Provenance,
    level: pb::HazardLevel,
) -> pb::ReportHazardRequest {
    pb::ReportHazardRequest {
        request_id: request_id.into(),
        hazard_id: hazard_id.into(),
        enterprise_id: ENTERPRISE.into(),
        township_code: "330903001".into(),
        provenance: provenance as i32,
        source_type: pb::SourceType::Routine as i32,
        category: pb::HazardCategory::AmmoniaRefrigeration as i32,
        location: "machine room".into(),
        description: "valve leaks".into(),
        level: level as i32,
        level_criterion: if level == pb::HazardLevel::Unspecified {
            String::new()
        } else {
            "c".into()
        },
        ..Default::default()
    }
}

fn order(request_id: &str, hazard_id: &str) -> pb::OrderRectificationRequest {
    pb::OrderRectificationRequest {
        request_id: request_id.into(),
        name: format!("hazards/{hazard_id}"),
        order: Some(pb::RectificationOrder {
            document_number: "责改〔2026〕1号".into(),
            deadline: Some(Date {
                year: 2099,
                month: 1,
                day: 1,
            }),
            measures: String::new(),
        }),
        ..Default::default()
    }
}

async fn fixture() -> (NatsServer, String, TestService) {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    let server = start(&nats.url(), &namespace, RepositorySettings::default()).await;
    register_enterprises(&server).await;
    (nats, namespace, server)
}

#[tokio::test]
async fn bad_input_is_refused_with_every_field_named_and_records_nothing() {
    let (_nats, _namespace, server) = fixture().await;
    let mut client = client(&server).await;
    let mut bad = report(
        "",
        "has.dot",
        pb::Provenance::Unspecified,
        pb::HazardLevel::Major,
    );
    bad.enterprise_id = "91330903MA2NCU4LYA".into();
    bad.township_code = "330902001".into();
    bad.description = String::new();
    bad.level_criterion = String::new();
    bad.evidence = vec![EvidenceRef {
        sha256: "not-a-hash".into(),
        ..Default::default()
    }];
    let status = client.report_hazard(enterprise(bad)).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let fields: Vec<String> = status
        .get_details_bad_request()
        .expect("BadRequest details")
        .field_violations
        .into_iter()
        .map(|violation| violation.field)
        .collect();
    for field in [
        "request_id",
        "hazard_id",
        "enterprise_id",
        "township_code",
        "provenance",
        "description",
        "evidence[0].sha256",
        "level_criterion",
    ] {
        assert!(
            fields.contains(&field.to_string()),
            "{field} missing from {fields:?}"
        );
    }
    let check_character = status
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .find(|violation| violation.field == "enterprise_id")
        .unwrap();
    assert!(
        check_character.description.contains("should end in"),
        "{}",
        check_character.description
    );

    // Nothing was recorded: the hazard does not exist.
    let missing = client
        .get_hazard(by_inspector(pb::GetHazardRequest {
            name: "hazards/has.dot".into(),
            as_of: None,
        }))
        .await
        .unwrap_err();
    assert_eq!(
        missing.code(),
        Code::InvalidArgument,
        "a malformed name is itself bad input"
    );
    let missing = client
        .get_hazard(by_inspector(pb::GetHazardRequest {
            name: "hazards/never-reported".into(),
            as_of: None,
        }))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

#[tokio::test]
async fn forbidden_transitions_and_roles_carry_their_reason() {
    let (_nats, _namespace, server) = fixture().await;
    let mut client = client(&server).await;
    client
        .report_hazard(by_inspector(report(
            "r1",
            "major-1",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::Major,
        )))
        .await
        .unwrap();

    let verify = pb::VerifyRectificationRequest {
        request_id: "r2".into(),
        name: "hazards/major-1".into(),
        ..Default::default()
    };
    let status = client
        .verify_rectification(by_inspector(verify))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    let info = status.get_details_error_info().expect("ErrorInfo");
    assert_eq!(
        (info.reason.as_str(), info.domain.as_str()),
        ("HAZARD_NOT_AWAITING_VERIFICATION", "hazard-ledger")
    );

    let claim = pb::ClaimRectificationRequest {
        request_id: "r3".into(),
        name: "hazards/major-1".into(),
        note: String::new(),
        evidence: vec![EvidenceRef {
            sha256: "b".repeat(64),
            ..Default::default()
        }],
        ..Default::default()
    };
    // Another enterprise is not told that the hazard exists.
    let status = client
        .claim_rectification(other_enterprise(claim))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(status.get_details_error_info().unwrap().reason, "NOT_FOUND");

    let nobody = client
        .get_hazard(Request::new(pb::GetHazardRequest {
            name: "hazards/major-1".into(),
            as_of: None,
        }))
        .await
        .unwrap_err();
    assert_eq!(nobody.code(), Code::Unauthenticated);
    assert!(nobody.message().contains("Bearer"), "{}", nobody.message());

    let other_reader = client
        .get_hazard(other_enterprise(pb::GetHazardRequest {
            name: "hazards/major-1".into(),
            as_of: None,
        }))
        .await
        .unwrap_err();
    assert_eq!(other_reader.code(), Code::NotFound);

    let twice = client
        .report_hazard(by_inspector(report(
            "r4",
            "major-1",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::Major,
        )))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::AlreadyExists);
}

#[tokio::test]
async fn a_retried_request_returns_the_first_result_and_records_nothing_twice() {
    let (_nats, _namespace, server) = fixture().await;
    let mut client = client(&server).await;
    // Without a client-chosen id the id derives from the request_id, so the retry finds it.
    let first = client
        .report_hazard(enterprise(report(
            "same-request",
            "",
            pb::Provenance::EnterpriseSelf,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap()
        .into_inner();
    let again = client
        .report_hazard(enterprise(report(
            "same-request",
            "",
            pb::Provenance::EnterpriseSelf,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap()
        .into_inner();
    let (first_commit, again_commit) = (first.commit.unwrap(), again.commit.unwrap());
    assert!(!first_commit.replayed);
    assert!(again_commit.replayed);
    assert_eq!(first_commit.name, again_commit.name);
    assert_eq!(first_commit.event_ids, again_commit.event_ids);
    assert_eq!(again.hazard.unwrap().version, 2);

    // Request_ids are told apart per aggregate: the same one for another hazard is another
    // request, recorded in a commit of its own.
    let another = || {
        enterprise(report(
            "same-request",
            "another",
            pb::Provenance::EnterpriseSelf,
            pb::HazardLevel::General,
        ))
    };
    let other = client.report_hazard(another()).await.unwrap().into_inner();
    let other_commit = other.commit.unwrap();
    assert!(!other_commit.replayed);
    assert_eq!(other_commit.name, "hazards/another");
    assert_ne!(other_commit.stream_sequence, first_commit.stream_sequence);
    assert_ne!(other_commit.event_ids, first_commit.event_ids);

    // A retry of each returns its own first result and records nothing.
    let other_again = client.report_hazard(another()).await.unwrap().into_inner();
    let other_again_commit = other_again.commit.unwrap();
    assert!(other_again_commit.replayed);
    assert_eq!(
        other_again_commit,
        CommitInfo {
            replayed: true,
            ..other_commit
        }
    );
    assert_eq!(other_again.hazard.unwrap().version, 2);
    let first_again = client
        .report_hazard(enterprise(report(
            "same-request",
            "",
            pb::Provenance::EnterpriseSelf,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap()
        .into_inner();
    let first_again_commit = first_again.commit.unwrap();
    assert_eq!(
        first_again_commit,
        CommitInfo {
            replayed: true,
            ..first_commit
        }
    );
    assert_eq!(first_again.hazard.unwrap().version, 2);
}

#[tokio::test]
async fn persistent_conflicts_end_in_aborted() {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    let patient = start(&nats.url(), &namespace, RepositorySettings::default()).await;
    register_enterprises(&patient).await;
    let impatient = start(
        &nats.url(),
        &namespace,
        RepositorySettings {
            max_attempts: 1,
            ..RepositorySettings::default()
        },
    )
    .await;
    let (mut first, mut second) = (client(&patient).await, client(&impatient).await);
    first
        .report_hazard(by_inspector(report(
            "c1",
            "contested",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap();
    // The impatient server caches the hazard, then the other server moves it on.
    second
        .get_hazard(by_inspector(pb::GetHazardRequest {
            name: "hazards/contested".into(),
            as_of: None,
        }))
        .await
        .unwrap();
    first
        .order_rectification(by_inspector(order("c2", "contested")))
        .await
        .unwrap();
    let grade = pb::GradeHazardRequest {
        request_id: "c3".into(),
        reason: "the valve feeds the whole machine room".into(),
        name: "hazards/contested".into(),
        level: pb::HazardLevel::Major as i32,
        criterion: "c".into(),
        ..Default::default()
    };
    let status = second
        .grade_hazard(by_inspector(grade.clone()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Aborted);
    // Retrying with the same request_id is safe, and now succeeds.
    let retried = second
        .grade_hazard(by_inspector(grade))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retried.hazard.unwrap().level, pb::HazardLevel::Major as i32);
}

#[tokio::test]
async fn health_is_not_serving_while_nats_is_down_and_recovers() {
    let (mut nats, _namespace, server) = fixture().await;
    let mut client = client(&server).await;
    nats.kill().await;
    server
        .wait_for(
            HAZARDS_SERVICE,
            tonic_health::pb::health_check_response::ServingStatus::NotServing,
        )
        .await;
    let status = client
        .report_hazard(by_inspector(report(
            "h1",
            "during-outage",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    nats.restart().await;
    server
        .wait_for(
            HAZARDS_SERVICE,
            tonic_health::pb::health_check_response::ServingStatus::Serving,
        )
        .await;
    client
        .report_hazard(by_inspector(report(
            "h1",
            "during-outage",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap();
}

/// Takes a government-found 重大 hazard through its order, remediation plan, claim and the
/// government's verification.
async fn verify_major(client: &mut HazardsServiceClient<Channel>, hazard_id: &str) {
    let name = format!("hazards/{hazard_id}");
    client
        .order_rectification(by_inspector(order(
            &format!("{hazard_id}-order"),
            hazard_id,
        )))
        .await
        .unwrap();
    let text = |value: &str| value.to_string();
    let plan = pb::RemediationPlan {
        goals_and_tasks: text("g"),
        methods_and_measures: text("m"),
        funds_and_materials: text("f"),
        responsible_organisation_and_people: text("r"),
        time_limit_and_requirements: text("t"),
        safety_measures_and_emergency_plan: text("s"),
    };
    client
        .submit_remediation_plan(enterprise(pb::SubmitRemediationPlanRequest {
            request_id: format!("{hazard_id}-plan"),
            name: name.clone(),
            plan: Some(plan),
            ..Default::default()
        }))
        .await
        .unwrap();
    client
        .claim_rectification(enterprise(pb::ClaimRectificationRequest {
            request_id: format!("{hazard_id}-claim"),
            name: name.clone(),
            evidence: vec![EvidenceRef {
                sha256: "c".repeat(64),
                ..Default::default()
            }],
            ..Default::default()
        }))
        .await
        .unwrap();
    client
        .verify_rectification(by_inspector(pb::VerifyRectificationRequest {
            request_id: format!("{hazard_id}-verify"),
            name,
            ..Default::default()
        }))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_supervision_order_lists_and_delists_its_hazards() {
    let (_nats, _namespace, server) = fixture().await;
    let mut client = client(&server).await;
    client
        .report_hazard(by_inspector(report(
            "s1",
            "listed-1",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::Major,
        )))
        .await
        .unwrap();
    client
        .report_hazard(by_inspector(report(
            "s2",
            "general-1",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap();
    client
        .report_hazard(by_inspector(report(
            "s2b",
            "loose-1",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::Major,
        )))
        .await
        .unwrap();
    let list_by_hand = |request_id: &str, hazard_id: &str, order_id: &str| {
        by_administrator(pb::MarkHazardListedRequest {
            request_id: request_id.into(),
            name: format!("hazards/{hazard_id}"),
            supervision_order_id: order_id.into(),
            level: pb::SupervisionLevel::District as i32,
            occurred_at: None,
        })
    };
    // No hazard is listed under an order that does not exist: nothing would ever delist it.
    let no_order = client
        .mark_hazard_listed(list_by_hand("m1", "loose-1", "order-none"))
        .await
        .unwrap_err();
    assert_eq!(no_order.code(), Code::InvalidArgument, "{no_order:?}");
    assert_eq!(
        no_order.get_details_bad_request().unwrap().field_violations[0].field,
        "supervision_order_id"
    );
    let mut issue = pb::IssueSupervisionOrderRequest {
        request_id: "s3".into(),
        order_id: "order-1".into(),
        level: pb::SupervisionLevel::District as i32,
        notice_number: "督〔2026〕1号".into(),
        title: "t".into(),
        hazard_ids: vec!["listed-1".into(), "general-1".into()],
        responsible_units: vec!["六横镇".into()],
        public_notice: true,
        deadline: Some(Date {
            year: 2099,
            month: 1,
            day: 1,
        }),
        ..Default::default()
    };
    // Only a bureau administrator lists, issues or delists (no other role may call these at
    // all), and one of another district is refused before anything is read: the same answer
    // whether a hazard is there, graded 重大, or the order exists.
    let elsewhere = hl_proto::common::v1::Actor {
        id: "admin-9".into(),
        role: hl_proto::common::v1::Role::BureauAdministrator as i32,
        organisation: "dinghai-bureau".into(),
        region: "330902".into(),
    };
    let list = |hazard_id: &str| pb::MarkHazardListedRequest {
        request_id: "m0".into(),
        name: format!("hazards/{hazard_id}"),
        supervision_order_id: "order-none".into(),
        level: pb::SupervisionLevel::District as i32,
        occurred_at: None,
    };
    let issue_of = |hazard_id: &str| pb::IssueSupervisionOrderRequest {
        request_id: "s0".into(),
        hazard_ids: vec![hazard_id.into()],
        ..issue.clone()
    };
    let delist_of = |order_id: &str| pb::DelistSupervisionOrderRequest {
        request_id: "s0d".into(),
        name: format!("supervisionOrders/{order_id}"),
        note: "摘牌".into(),
        ..Default::default()
    };
    for hazard_id in ["loose-1", "general-1", "no-such-hazard"] {
        let listed = client
            .mark_hazard_listed(as_actor(list(hazard_id), &elsewhere))
            .await
            .unwrap_err();
        let issued = client
            .issue_supervision_order(as_actor(issue_of(hazard_id), &elsewhere))
            .await
            .unwrap_err();
        let delisted = client
            .delist_supervision_order(as_actor(delist_of(hazard_id), &elsewhere))
            .await
            .unwrap_err();
        for refused in [listed, issued, delisted] {
            assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
            assert_eq!(
                refused.get_details_error_info().unwrap().reason,
                "OUTSIDE_JURISDICTION",
                "{hazard_id}: {refused:?}"
            );
        }
    }
    let refused = client
        .issue_supervision_order(by_administrator(issue.clone()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(
        refused.get_details_bad_request().unwrap().field_violations[0].field,
        "hazard_ids[1]"
    );

    // An order of 200,000 hazards is refused as one violation, none of them read.
    let huge = client
        .issue_supervision_order(by_administrator(pb::IssueSupervisionOrderRequest {
            hazard_ids: (0..200_000).map(|index| format!("h{index}")).collect(),
            ..issue.clone()
        }))
        .await
        .unwrap_err();
    assert_eq!(huge.code(), Code::InvalidArgument);
    let violations = huge.get_details_bad_request().unwrap().field_violations;
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].field, "hazard_ids");

    issue.hazard_ids = vec!["listed-1".into()];
    let issued = client
        .issue_supervision_order(by_administrator(issue))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(issued.hazard_commits.len(), 1);
    let hazard = client
        .get_hazard(by_inspector(pb::GetHazardRequest {
            name: "hazards/listed-1".into(),
            as_of: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hazard.listing.unwrap().supervision_order_id, "order-1");
    // An order lists only the hazards it names.
    let not_named = client
        .mark_hazard_listed(list_by_hand("m2", "loose-1", "order-1"))
        .await
        .unwrap_err();
    assert_eq!(not_named.code(), Code::InvalidArgument, "{not_named:?}");
    let again = client
        .mark_hazard_listed(list_by_hand("m3", "listed-1", "order-1"))
        .await
        .unwrap()
        .into_inner();
    assert!(again.commit.unwrap().event_ids.is_empty());

    let name = "supervisionOrders/order-1".to_string();
    let acceptance = pb::RequestSupervisionAcceptanceRequest {
        request_id: "s4".into(),
        name: name.clone(),
        ..Default::default()
    };
    client
        .request_supervision_acceptance(by_inspector(acceptance))
        .await
        .unwrap();
    let delist = pb::DelistSupervisionOrderRequest {
        request_id: "s5".into(),
        name: name.clone(),
        note: "摘牌".into(),
        ..Default::default()
    };
    let unverified = client
        .delist_supervision_order(by_administrator(delist.clone()))
        .await
        .unwrap_err();
    assert_eq!(
        unverified.get_details_error_info().unwrap().reason,
        "LISTED_HAZARDS_NOT_VERIFIED",
        "摘牌 needs every listed hazard verified"
    );
    verify_major(&mut client, "listed-1").await;
    let delisted = client
        .delist_supervision_order(by_administrator(pb::DelistSupervisionOrderRequest {
            request_id: "s6".into(),
            ..delist
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        delisted.order.unwrap().status,
        pb::SupervisionOrderStatus::Delisted as i32
    );
    assert_eq!(delisted.hazard_commits.len(), 1);
    let hazard = client
        .get_hazard(by_inspector(pb::GetHazardRequest {
            name: "hazards/listed-1".into(),
            as_of: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(hazard.listing.is_none());
    let after_delisting = client
        .mark_hazard_listed(list_by_hand("m4", "listed-1", "order-1"))
        .await
        .unwrap_err();
    assert_eq!(
        after_delisting.get_details_error_info().unwrap().reason,
        "SUPERVISION_ORDER_DELISTED"
    );
}

#[tokio::test]
async fn a_self_check_round_lists_only_the_enterprises_own_entries() {
    let (_nats, _namespace, server) = fixture().await;
    let mut client = client(&server).await;
    client
        .report_hazard(enterprise(report(
            "f1",
            "own-entry",
            pb::Provenance::EnterpriseSelf,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap();
    client
        .report_hazard(by_inspector(report(
            "f2",
            "government-entry",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap();
    let open = round_of_the_third_quarter("f3");
    client
        .open_self_check_round(enterprise(open))
        .await
        .unwrap();
    let record = |request_id: &str, hazard_id: &str| pb::RecordSelfCheckFindingRequest {
        request_id: request_id.into(),
        name: "selfCheckRounds/round-1".into(),
        hazard_id: hazard_id.into(),
        ..Default::default()
    };
    let refused = client
        .record_self_check_finding(enterprise(record("f4", "government-entry")))
        .await
        .unwrap_err();
    assert_eq!(
        refused.get_details_error_info().unwrap().reason,
        "FINDING_NOT_IN_ENTERPRISE_LEDGER"
    );
    client
        .record_self_check_finding(enterprise(record("f5", "own-entry")))
        .await
        .unwrap();
    let submit = pb::SubmitSelfCheckRoundRequest {
        request_id: "f6".into(),
        name: "selfCheckRounds/round-1".into(),
        zero_findings_attested: true,
        signed_by: "Chen".into(),
        ..Default::default()
    };
    let contradicted = client
        .submit_self_check_round(enterprise(submit))
        .await
        .unwrap_err();
    assert_eq!(
        contradicted.get_details_error_info().unwrap().reason,
        "ZERO_FINDINGS_CONTRADICTED"
    );
}

#[tokio::test]
async fn new_records_need_a_registered_enterprise_that_is_not_closed() {
    let (_nats, _namespace, server) = fixture().await;

    let mut client = client(&server).await;
    let mut unknown = report(
        "u1",
        "for-unknown",
        pb::Provenance::GovernmentInspection,
        pb::HazardLevel::General,
    );
    unknown.enterprise_id = "91330903MA2T55F3CQ".into();
    let status = client
        .report_hazard(by_inspector(unknown))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(
        status.get_details_error_info().unwrap().reason,
        "ENTERPRISE_UNKNOWN"
    );

    // Without a township in the report, the registry's is used.
    let mut no_township = report(
        "u2",
        "township-from-registry",
        pb::Provenance::GovernmentInspection,
        pb::HazardLevel::General,
    );
    no_township.township_code = String::new();
    let reported = client
        .report_hazard(by_inspector(no_township.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reported.hazard.unwrap().township_code, "330903001");

    let mut registry = RegistryServiceClient::new(server.channel().await);
    let close = ChangeEnterpriseStatusRequest {
        request_id: "close-1".into(),
        name: format!("enterprises/{ENTERPRISE}"),
        status: EnterpriseStatus::Closed as i32,
        reason: "注销".into(),
        effective_from: None,
        ..Default::default()
    };
    registry
        .change_enterprise_status(by_administrator(close))
        .await
        .unwrap();
    let status = client
        .report_hazard(by_inspector(report(
            "u3",
            "after-closure",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap_err();
    assert_eq!(
        status.get_details_error_info().unwrap().reason,
        "ENTERPRISE_CLOSED"
    );
    // A retry of a report accepted before the closure still returns its first result.
    let retried = client
        .report_hazard(by_inspector(no_township))
        .await
        .unwrap()
        .into_inner();
    assert!(retried.commit.unwrap().replayed);
}

/// A refusal as its caller reads it (code, reason and message), with the resource name it was
/// about replaced, so that refusals about different names compare.
fn as_read(status: &tonic::Status, name: &str) -> (Code, String, String) {
    let reason = status
        .get_details_error_info()
        .map(|info| info.reason)
        .unwrap_or_default();
    (
        status.code(),
        reason,
        status.message().replace(name, "{name}"),
    )
}

/// Every probe got one and the same answer, with this code and reason.
fn assert_one_answer(answers: &[(Code, String, String)], code: Code, reason: &str) {
    let (first_code, first_reason, _) = &answers[0];
    assert_eq!((*first_code, first_reason.as_str()), (code, reason));
    assert!(
        answers.iter().all(|answer| *answer == answers[0]),
        "{answers:#?}"
    );
}

/// The enterprise's self-check entry "own-entry" and a government-side hazard
/// "government-entry" of it, both in its township; the other enterprise's self-check entry
/// "other-entry"; and the enterprise's open round "round-1".
async fn a_round_and_hazards_of_two_enterprises(client: &mut HazardsServiceClient<Channel>) {
    let self_check = |request_id: &str, hazard_id: &str| {
        report(
            request_id,
            hazard_id,
            pb::Provenance::EnterpriseSelf,
            pb::HazardLevel::General,
        )
    };
    client
        .report_hazard(enterprise(self_check("p1", "own-entry")))
        .await
        .unwrap();
    client
        .report_hazard(by_inspector(report(
            "p2",
            "government-entry",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap();
    let other = pb::ReportHazardRequest {
        enterprise_id: OTHER_ENTERPRISE.into(),
        ..self_check("p3", "other-entry")
    };
    client.report_hazard(other_enterprise(other)).await.unwrap();
    let open = round_of_the_third_quarter("p4");
    client
        .open_self_check_round(enterprise(open))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_enterprise_learns_nothing_of_another_enterprises_round_or_hazards() {
    let (_nats, _namespace, server) = fixture().await;
    let mut client = client(&server).await;
    a_round_and_hazards_of_two_enterprises(&mut client).await;
    let record =
        |request_id: &str, round_id: &str, hazard_id: &str| pb::RecordSelfCheckFindingRequest {
            request_id: request_id.into(),
            name: format!("selfCheckRounds/{round_id}"),
            hazard_id: hazard_id.into(),
            ..Default::default()
        };

    // Another enterprise's round, whatever hazard is named (one it could record, a
    // government-side one, none), and a round that does not exist: one answer, which names no
    // enterprise and says nothing of the hazard.
    let mut answers = Vec::new();
    for (request_id, round_id, hazard_id) in [
        ("probe-1", "round-1", "own-entry"),
        ("probe-2", "round-1", "government-entry"),
        ("probe-3", "round-1", "never-reported"),
        ("probe-4", "no-such-round", "own-entry"),
        ("probe-5", "no-such-round", "never-reported"),
    ] {
        let refused = client
            .record_self_check_finding(other_enterprise(record(request_id, round_id, hazard_id)))
            .await
            .unwrap_err();
        answers.push(as_read(&refused, &format!("selfCheckRounds/{round_id}")));
    }
    assert_one_answer(&answers, Code::PermissionDenied, "ENTERPRISE_ONLY");
    assert!(!answers[0].2.contains(ENTERPRISE), "{answers:?}");

    // On its own round, the enterprise is told alike that the other enterprise's entry and a
    // hazard that does not exist are no hazards it may name.
    let mut answers = Vec::new();
    for (request_id, hazard_id) in [("probe-6", "other-entry"), ("probe-7", "never-reported")] {
        let refused = client
            .record_self_check_finding(enterprise(record(request_id, "round-1", hazard_id)))
            .await
            .unwrap_err();
        assert_eq!(hl_testkit::fields(&refused), ["hazard_id"], "{refused:?}");
        answers.push(as_read(&refused, &format!("hazards/{hazard_id}")));
    }
    assert_one_answer(&answers, Code::InvalidArgument, "");

    // None of it was recorded.
    let round = client
        .get_self_check_round(enterprise(pb::GetSelfCheckRoundRequest {
            name: "selfCheckRounds/round-1".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(round.hazard_ids.is_empty(), "{:?}", round.hazard_ids);
}

#[tokio::test]
async fn an_officer_outside_the_jurisdiction_learns_nothing_of_its_rounds_or_hazards() {
    let (_nats, _namespace, server) = fixture().await;
    let mut client = client(&server).await;
    a_round_and_hazards_of_two_enterprises(&mut client).await;
    let elsewhere = township_officer(OTHER_TOWNSHIP);

    // A round of another township and one that does not exist: one answer.
    let review = |request_id: &str, round_id: &str| pb::ReviewSelfCheckRoundRequest {
        request_id: request_id.into(),
        name: format!("selfCheckRounds/{round_id}"),
        outcome: pb::RoundReviewOutcome::Accepted as i32,
        ..Default::default()
    };
    let mut answers = Vec::new();
    for (request_id, round_id) in [("review-1", "round-1"), ("review-2", "no-such-round")] {
        let refused = client
            .review_self_check_round(as_actor(review(request_id, round_id), &elsewhere))
            .await
            .unwrap_err();
        answers.push(as_read(&refused, &format!("selfCheckRounds/{round_id}")));
    }
    assert_one_answer(&answers, Code::PermissionDenied, "OUTSIDE_JURISDICTION");
    // An officer of the whole district, who would read the round were it there, learns that it
    // is not.
    let missing = client
        .review_self_check_round(by_inspector(review("review-3", "no-such-round")))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound, "{missing:?}");

    // The government-side hazard of another township, whatever counterpart is named (the right
    // one, another enterprise's, none), and a hazard that does not exist: one answer, to a
    // confirmation and a rejection alike.
    let confirm =
        |request_id: &str, hazard_id: &str, counterpart: &str| pb::ConfirmCounterpartMatchRequest {
            request_id: request_id.into(),
            name: format!("hazards/{hazard_id}"),
            counterpart_hazard_id: counterpart.into(),
            ..Default::default()
        };
    let mut answers = Vec::new();
    for (request_id, hazard_id, counterpart) in [
        ("match-1", "government-entry", "own-entry"),
        ("match-2", "government-entry", "other-entry"),
        ("match-3", "government-entry", "never-reported"),
        ("match-4", "never-reported", "own-entry"),
    ] {
        let asked = confirm(request_id, hazard_id, counterpart);
        let refused = client
            .confirm_counterpart_match(as_actor(asked, &elsewhere))
            .await
            .unwrap_err();
        answers.push(as_read(&refused, &format!("hazards/{hazard_id}")));
    }
    let reject = pb::RejectCounterpartMatchRequest {
        request_id: "match-5".into(),
        name: "hazards/government-entry".into(),
        counterpart_hazard_id: "other-entry".into(),
        reason: "不是同一隐患".into(),
        ..Default::default()
    };
    let refused = client
        .reject_counterpart_match(as_actor(reject, &elsewhere))
        .await
        .unwrap_err();
    answers.push(as_read(&refused, "hazards/government-entry"));
    assert_one_answer(&answers, Code::PermissionDenied, "OUTSIDE_JURISDICTION");

    // An officer covering the hazard is told that a counterpart does not do.
    let unknown = client
        .confirm_counterpart_match(by_inspector(confirm(
            "match-6",
            "government-entry",
            "never-reported",
        )))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::InvalidArgument, "{unknown:?}");
    assert_eq!(hl_testkit::fields(&unknown), ["counterpart_hazard_id"]);
}

#[tokio::test]
async fn an_enterprise_is_told_another_enterprises_records_do_not_exist() {
    let (_nats, _namespace, server) = fixture().await;
    let mut client = client(&server).await;
    a_round_and_hazards_of_two_enterprises(&mut client).await;

    // Reading another enterprise's hazard or round, and one that does not exist: one answer.
    let mut answers = Vec::new();
    for hazard_id in ["own-entry", "government-entry", "never-reported"] {
        let name = format!("hazards/{hazard_id}");
        let refused = client
            .get_hazard(other_enterprise(pb::GetHazardRequest {
                name: name.clone(),
                ..Default::default()
            }))
            .await
            .unwrap_err();
        answers.push(as_read(&refused, &name));
    }
    for round_id in ["round-1", "no-such-round"] {
        let name = format!("selfCheckRounds/{round_id}");
        let refused = client
            .get_self_check_round(other_enterprise(pb::GetSelfCheckRoundRequest {
                name: name.clone(),
            }))
            .await
            .unwrap_err();
        answers.push(as_read(&refused, &name));
    }
    assert_one_answer(&answers, Code::NotFound, "NOT_FOUND");

    // Reporting a hazard or submitting statistics for another enterprise, registered or not:
    // one answer, given before the registry is asked.
    let unregistered = "91330903MA27UB96FP";
    let mut answers = Vec::new();
    for (request_id, enterprise_id) in [("other-1", ENTERPRISE), ("other-2", unregistered)] {
        let request = pb::ReportHazardRequest {
            enterprise_id: enterprise_id.into(),
            ..report(
                request_id,
                "",
                pb::Provenance::EnterpriseSelf,
                pb::HazardLevel::General,
            )
        };
        let refused = client
            .report_hazard(other_enterprise(request))
            .await
            .unwrap_err();
        answers.push(as_read(&refused, enterprise_id));
    }
    assert_one_answer(&answers, Code::PermissionDenied, "OTHER_ENTERPRISE");
    let statistics = |request_id: &str, enterprise_id: &str| pb::SubmitPeriodicStatisticsRequest {
        request_id: request_id.into(),
        enterprise_id: enterprise_id.into(),
        period_kind: pb::StatisticsPeriodKind::Quarter as i32,
        year: 2026,
        quarter: 3,
        signed_by_principal: "principal".into(),
        ..Default::default()
    };
    let mut answers = Vec::new();
    for (request_id, enterprise_id) in [("stats-1", ENTERPRISE), ("stats-2", unregistered)] {
        let refused = client
            .submit_periodic_statistics(other_enterprise(statistics(request_id, enterprise_id)))
            .await
            .unwrap_err();
        answers.push(as_read(&refused, enterprise_id));
    }
    assert_one_answer(&answers, Code::PermissionDenied, "ENTERPRISE_ONLY");

    // A command on another enterprise's hazard, even one dated before the hazard's last step
    // (whose date the refusal would otherwise give away), is answered as one on a missing
    // hazard, and records nothing.
    let claim = |request_id: &str, hazard_id: &str| pb::ClaimRectificationRequest {
        request_id: request_id.into(),
        name: format!("hazards/{hazard_id}"),
        note: "fixed".into(),
        evidence: vec![EvidenceRef {
            sha256: "a".repeat(64),
            media_type: "image/jpeg".into(),
            ..Default::default()
        }],
        occurred_at: Some(hl_proto::timestamp(
            chrono::Utc::now() - chrono::Duration::days(1),
        )),
    };
    let version_before = own_entry_version(&mut client).await;
    let mut answers = Vec::new();
    for (request_id, hazard_id) in [("claim-1", "own-entry"), ("claim-2", "never-reported")] {
        let refused = client
            .claim_rectification(other_enterprise(claim(request_id, hazard_id)))
            .await
            .unwrap_err();
        answers.push(as_read(&refused, &format!("hazards/{hazard_id}")));
    }
    assert_one_answer(&answers, Code::NotFound, "NOT_FOUND");
    assert_eq!(own_entry_version(&mut client).await, version_before);

    // The enterprise itself is still told why it may not (the step's date), and a government
    // reader of the whole district still learns that a hazard is missing.
    let dated = client
        .claim_rectification(enterprise(claim("claim-3", "own-entry")))
        .await
        .unwrap_err();
    assert_eq!(dated.code(), Code::InvalidArgument, "{dated:?}");
    let missing = client
        .get_hazard(by_inspector(pb::GetHazardRequest {
            name: "hazards/never-reported".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound, "{missing:?}");
}

async fn own_entry_version(client: &mut HazardsServiceClient<Channel>) -> u64 {
    client
        .get_hazard(enterprise(pb::GetHazardRequest {
            name: "hazards/own-entry".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .version
}

#[tokio::test]
async fn a_reviewers_retry_is_answered_after_the_enterprise_moves_township() {
    let (_nats, _namespace, server) = fixture().await;
    let mut client = client(&server).await;
    a_round_and_hazards_of_two_enterprises(&mut client).await;
    client
        .submit_self_check_round(enterprise(pb::SubmitSelfCheckRoundRequest {
            request_id: "submit".into(),
            name: "selfCheckRounds/round-1".into(),
            zero_findings_attested: true,
            signed_by: "principal".into(),
            ..Default::default()
        }))
        .await
        .unwrap();
    let officer = township_officer(hl_testkit::actors::TOWNSHIP);
    let review = |request_id: &str| pb::ReviewSelfCheckRoundRequest {
        request_id: request_id.into(),
        name: "selfCheckRounds/round-1".into(),
        outcome: pb::RoundReviewOutcome::Accepted as i32,
        ..Default::default()
    };
    let first = client
        .review_self_check_round(as_actor(review("review"), &officer))
        .await
        .unwrap()
        .into_inner();

    // The enterprise moves to the other township.
    let moved = hl_proto::responsibility::v1::UpdateEnterpriseRequest {
        request_id: "move".into(),
        enterprise: Some(hl_proto::responsibility::v1::Enterprise {
            name: format!("enterprises/{ENTERPRISE}"),
            township_code: OTHER_TOWNSHIP.into(),
            ..Default::default()
        }),
        update_mask: Some(hl_proto::FieldMask {
            paths: vec!["township_code".into()],
        }),
        ..Default::default()
    };
    RegistryServiceClient::new(server.channel().await)
        .update_enterprise(by_administrator(moved))
        .await
        .unwrap();

    // The officer's retry gets the review it recorded; a new review is outside the officer's
    // jurisdiction now.
    let retried = client
        .review_self_check_round(as_actor(review("review"), &officer))
        .await
        .expect("a retry is answered with what it recorded")
        .into_inner();
    let commit = retried.commit.expect("commit");
    assert!(commit.replayed, "{commit:?}");
    assert_eq!(Some(commit.event_ids), first.commit.map(|c| c.event_ids));
    let anew = client
        .review_self_check_round(as_actor(review("review-anew"), &officer))
        .await
        .unwrap_err();
    assert_eq!(anew.code(), Code::PermissionDenied, "{anew:?}");
}

/// The enterprise opens "round-1" for July to September 2026.
fn round_of_the_third_quarter(request_id: &str) -> pb::OpenSelfCheckRoundRequest {
    pb::OpenSelfCheckRoundRequest {
        request_id: request_id.into(),
        round_id: "round-1".into(),
        enterprise_id: ENTERPRISE.into(),
        period_start: Some(Date {
            year: 2026,
            month: 7,
            day: 1,
        }),
        period_end: Some(Date {
            year: 2026,
            month: 9,
            day: 30,
        }),
        checklist: "list".into(),
        performer: "Li".into(),
        ..Default::default()
    }
}
