//! The hazards gRPC API in-process against a real nats-server: error codes and details,
//! idempotent retries, concurrency, health, and the supervision-order follow-up.

use std::net::SocketAddr;
use std::time::Duration;

use hl_eventstore::{EventStore, Namespace, RepositorySettings, StoreSettings};
use hl_hazards::{HazardsApi, HazardsGrpc};
use hl_proto::common::v1::{Date, EvidenceRef};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::hazards::v1::hazards_service_server::HazardsServiceServer;
use hl_proto::responsibility::v1::registry_service_client::RegistryServiceClient;
use hl_proto::responsibility::v1::{
    AdminArea, AdminAreaLevel, ChangeEnterpriseStatusRequest, CreateAdminAreaRequest, Enterprise,
    EnterpriseStatus, Industry, RegisterEnterpriseRequest,
};
use hl_runtime::grpc::GrpcServer;
use hl_runtime::health::HealthCheck;
use hl_testkit::{NatsServer, unique_namespace, wait_until};
use tonic::transport::Channel;
use tonic::{Code, Request};
use tonic_types::StatusExt;

const ENTERPRISE: &str = "91330903MA2NCU4LYE";
const OTHER_ENTERPRISE: &str = "91330903MA2WG7BT4R";

struct Server {
    address: SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Server {
    /// The hazards service on a free port, over its own NATS connection.
    async fn start(nats_url: &str, namespace: &str, settings: RepositorySettings) -> Server {
        let client = hl_runtime::nats::connect(nats_url, "api-test")
            .await
            .unwrap();
        let store = EventStore::new(
            client.clone(),
            Namespace::new(namespace).unwrap(),
            StoreSettings::default(),
        );
        let ready =
            hl_runtime::nats::ensure_streams(store.clone(), vec![hl_hazards::domain::CONTEXT]);
        let mut server = GrpcServer::new();
        hl_responsibility::mount(&mut server, &store, "330903");
        server.add_check(hl_runtime::nats::connection_check(&client));
        server.add_check(HealthCheck::new("streams", move || {
            ready.load(std::sync::atomic::Ordering::SeqCst)
        }));
        let api = HazardsApi::new(store, "330903", settings);
        server.add_service(HazardsServiceServer::new(HazardsGrpc(api)));
        let listener = hl_runtime::grpc::bind("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.serve(
            listener,
            async move {
                let _ = stopped.await;
            },
            std::time::Duration::from_secs(1),
        ));
        let server = Server {
            address,
            _stop: stop,
        };
        server
            .wait_for(tonic_health::pb::health_check_response::ServingStatus::Serving)
            .await;
        server
    }

    async fn client(&self) -> HazardsServiceClient<Channel> {
        HazardsServiceClient::connect(format!("http://{}", self.address))
            .await
            .unwrap()
    }

    /// Registers the district, the township and the test enterprises, as the bureau would.
    async fn register_enterprises(&self) {
        let mut registry = RegistryServiceClient::connect(format!("http://{}", self.address))
            .await
            .unwrap();
        for (code, level, parent) in [
            ("330903", AdminAreaLevel::District, ""),
            ("330903001", AdminAreaLevel::Township, "330903"),
        ] {
            let area = AdminArea {
                code: code.into(),
                display_name: code.into(),
                level: level as i32,
                parent_code: parent.into(),
                ..Default::default()
            };
            registry
                .create_admin_area(administrator(CreateAdminAreaRequest {
                    request_id: format!("area-{code}"),
                    area: Some(area),
                }))
                .await
                .unwrap();
        }
        for code in [ENTERPRISE, OTHER_ENTERPRISE] {
            let enterprise = Enterprise {
                enterprise_id: code.into(),
                display_name: format!("enterprise {code}"),
                township_code: "330903001".into(),
                industries: vec![Industry::AmmoniaRefrigeration as i32],
                ..Default::default()
            };
            registry
                .register_enterprise(administrator(RegisterEnterpriseRequest {
                    request_id: format!("register-{code}"),
                    enterprise: Some(enterprise),
                    effective_from: None,
                    activate: true,
                }))
                .await
                .unwrap();
        }
    }

    async fn wait_for(&self, wanted: tonic_health::pb::health_check_response::ServingStatus) {
        let address = self.address;
        wait_until(
            &format!("health {wanted:?}"),
            Duration::from_secs(30),
            || async move {
                let channel = Channel::from_shared(format!("http://{address}"))
                    .ok()?
                    .connect()
                    .await
                    .ok()?;
                let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
                let status = health
                    .check(tonic_health::pb::HealthCheckRequest {
                        service: "hazard_ledger.hazards.v1.HazardsService".into(),
                    })
                    .await
                    .ok()?
                    .into_inner()
                    .status;
                (status == wanted as i32).then_some(())
            },
        )
        .await;
    }
}

fn as_actor<T>(body: T, id: &str, role: &str, organisation: &str, region: &str) -> Request<T> {
    let mut request = Request::new(body);
    for (key, value) in [
        ("x-actor-id", id),
        ("x-actor-role", role),
        ("x-actor-organisation", organisation),
        ("x-actor-region", region),
    ] {
        if !value.is_empty() {
            request.metadata_mut().insert(key, value.parse().unwrap());
        }
    }
    request
}

fn enterprise<T>(body: T) -> Request<T> {
    as_actor(body, "principal", "enterprise", ENTERPRISE, "")
}

fn inspector<T>(body: T) -> Request<T> {
    as_actor(body, "officer-1", "inspector", "bureau", "330903")
}

fn administrator<T>(body: T) -> Request<T> {
    as_actor(
        body,
        "admin-1",
        "bureau-administrator",
        "committee",
        "330903",
    )
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
    }
}

async fn fixture() -> (NatsServer, String, Server) {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    let server = Server::start(&nats.url(), &namespace, RepositorySettings::default()).await;
    server.register_enterprises().await;
    (nats, namespace, server)
}

#[tokio::test]
async fn bad_input_is_refused_with_every_field_named_and_records_nothing() {
    let (_nats, _namespace, server) = fixture().await;
    let mut client = server.client().await;
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
        .get_hazard(inspector(pb::GetHazardRequest {
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
        .get_hazard(inspector(pb::GetHazardRequest {
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
    let mut client = server.client().await;
    client
        .report_hazard(inspector(report(
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
        .verify_rectification(inspector(verify))
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
    };
    let status = client
        .claim_rectification(as_actor(claim, "p", "enterprise", OTHER_ENTERPRISE, ""))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(
        status.get_details_error_info().unwrap().reason,
        "ENTERPRISE_ONLY"
    );

    let nobody = client
        .get_hazard(Request::new(pb::GetHazardRequest {
            name: "hazards/major-1".into(),
            as_of: None,
        }))
        .await
        .unwrap_err();
    assert_eq!(nobody.code(), Code::Unauthenticated);
    assert!(nobody.message().contains("x-actor-id"));

    let other_reader = client
        .get_hazard(as_actor(
            pb::GetHazardRequest {
                name: "hazards/major-1".into(),
                as_of: None,
            },
            "p",
            "enterprise",
            OTHER_ENTERPRISE,
            "",
        ))
        .await
        .unwrap_err();
    assert_eq!(other_reader.code(), Code::PermissionDenied);

    let twice = client
        .report_hazard(inspector(report(
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
    let mut client = server.client().await;
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

    // The same request_id for a different hazard is refused, naming the field.
    let reused = client
        .report_hazard(enterprise(report(
            "same-request",
            "another",
            pb::Provenance::EnterpriseSelf,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap_err();
    assert_eq!(reused.code(), Code::InvalidArgument);
    assert_eq!(
        reused.get_details_bad_request().unwrap().field_violations[0].field,
        "request_id"
    );
}

#[tokio::test]
async fn persistent_conflicts_end_in_aborted() {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    let patient = Server::start(&nats.url(), &namespace, RepositorySettings::default()).await;
    patient.register_enterprises().await;
    let impatient = Server::start(
        &nats.url(),
        &namespace,
        RepositorySettings {
            max_attempts: 1,
            ..RepositorySettings::default()
        },
    )
    .await;
    let (mut first, mut second) = (patient.client().await, impatient.client().await);
    first
        .report_hazard(inspector(report(
            "c1",
            "contested",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap();
    // The impatient server caches the hazard, then the other server moves it on.
    second
        .get_hazard(inspector(pb::GetHazardRequest {
            name: "hazards/contested".into(),
            as_of: None,
        }))
        .await
        .unwrap();
    first
        .order_rectification(inspector(order("c2", "contested")))
        .await
        .unwrap();
    let grade = pb::GradeHazardRequest {
        request_id: "c3".into(),
        name: "hazards/contested".into(),
        level: pb::HazardLevel::Major as i32,
        criterion: "c".into(),
    };
    let status = second
        .grade_hazard(inspector(grade.clone()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Aborted);
    // Retrying with the same request_id is safe, and now succeeds.
    let retried = second
        .grade_hazard(inspector(grade))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retried.hazard.unwrap().level, pb::HazardLevel::Major as i32);
}

#[tokio::test]
async fn health_is_not_serving_while_nats_is_down_and_recovers() {
    let (mut nats, _namespace, server) = fixture().await;
    let mut client = server.client().await;
    nats.kill().await;
    server
        .wait_for(tonic_health::pb::health_check_response::ServingStatus::NotServing)
        .await;
    let status = client
        .report_hazard(inspector(report(
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
        .wait_for(tonic_health::pb::health_check_response::ServingStatus::Serving)
        .await;
    client
        .report_hazard(inspector(report(
            "h1",
            "during-outage",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_supervision_order_lists_and_delists_its_hazards() {
    let (_nats, _namespace, server) = fixture().await;
    let mut client = server.client().await;
    client
        .report_hazard(inspector(report(
            "s1",
            "listed-1",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::Major,
        )))
        .await
        .unwrap();
    client
        .report_hazard(inspector(report(
            "s2",
            "general-1",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap();
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
    };
    let refused = client
        .issue_supervision_order(administrator(issue.clone()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(
        refused.get_details_bad_request().unwrap().field_violations[0].field,
        "hazard_ids[1]"
    );

    issue.hazard_ids = vec!["listed-1".into()];
    let issued = client
        .issue_supervision_order(administrator(issue))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(issued.hazard_commits.len(), 1);
    let hazard = client
        .get_hazard(inspector(pb::GetHazardRequest {
            name: "hazards/listed-1".into(),
            as_of: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hazard.listing.unwrap().supervision_order_id, "order-1");

    let name = "supervisionOrders/order-1".to_string();
    let acceptance = pb::RequestSupervisionAcceptanceRequest {
        request_id: "s4".into(),
        name: name.clone(),
        ..Default::default()
    };
    client
        .request_supervision_acceptance(inspector(acceptance))
        .await
        .unwrap();
    let delisted = client
        .delist_supervision_order(administrator(pb::DelistSupervisionOrderRequest {
            request_id: "s5".into(),
            name,
            note: "摘牌".into(),
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
        .get_hazard(inspector(pb::GetHazardRequest {
            name: "hazards/listed-1".into(),
            as_of: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(hazard.listing.is_none());
}

#[tokio::test]
async fn a_self_check_round_lists_only_the_enterprises_own_entries() {
    let (_nats, _namespace, server) = fixture().await;
    let mut client = server.client().await;
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
        .report_hazard(inspector(report(
            "f2",
            "government-entry",
            pb::Provenance::GovernmentInspection,
            pb::HazardLevel::General,
        )))
        .await
        .unwrap();
    let open = pb::OpenSelfCheckRoundRequest {
        request_id: "f3".into(),
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
    };
    client
        .open_self_check_round(enterprise(open))
        .await
        .unwrap();
    let record = |request_id: &str, hazard_id: &str| pb::RecordSelfCheckFindingRequest {
        request_id: request_id.into(),
        name: "selfCheckRounds/round-1".into(),
        hazard_id: hazard_id.into(),
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

    let mut client = server.client().await;
    let mut unknown = report(
        "u1",
        "for-unknown",
        pb::Provenance::GovernmentInspection,
        pb::HazardLevel::General,
    );
    unknown.enterprise_id = "91330903MA2T55F3CQ".into();
    let status = client.report_hazard(inspector(unknown)).await.unwrap_err();
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
        .report_hazard(inspector(no_township.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reported.hazard.unwrap().township_code, "330903001");

    let mut registry = RegistryServiceClient::connect(format!("http://{}", server.address))
        .await
        .unwrap();
    let close = ChangeEnterpriseStatusRequest {
        request_id: "close-1".into(),
        name: format!("enterprises/{ENTERPRISE}"),
        status: EnterpriseStatus::Closed as i32,
        reason: "注销".into(),
        effective_from: None,
    };
    registry
        .change_enterprise_status(administrator(close))
        .await
        .unwrap();
    let status = client
        .report_hazard(inspector(report(
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
        .report_hazard(inspector(no_township))
        .await
        .unwrap()
        .into_inner();
    assert!(retried.commit.unwrap().replayed);
}
