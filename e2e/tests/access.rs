//! Who may call what, on the suite binary: every RPC server reflection lists, crossed with every
//! role, against the access policy; records outside a caller's scope; a request_id another caller
//! used; and the refusals counted in the metrics.

use std::time::Duration;

use hl_e2e::{Suite, http_get};
use hl_proto::common::v1::Actor;
use hl_proto::hazards::v1 as hazards;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_proto::responsibility::v1 as registry;
use hl_proto::responsibility::v1::registry_service_client::RegistryServiceClient;
use hl_runtime::policy;
use hl_testkit::actors::{
    ENTERPRISE, OTHER_ENTERPRISE, OTHER_TOWNSHIP, TOWNSHIP, administrator, as_actor, enterprise,
    inspector, inspector_elsewhere, one_of_each_role, township_officer,
};
use hl_testkit::fixtures::{Registered, inspection_report, register_district};
use prost::Message;
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

/// Every service and method the server's descriptors hold: what reflection lists.
fn methods() -> Vec<String> {
    let set = prost_types::FileDescriptorSet::decode(hl_proto::FILE_DESCRIPTOR_SET)
        .expect("the descriptor set decodes");
    let mut methods = Vec::new();
    for file in &set.file {
        for service in &file.service {
            for method in &service.method {
                methods.push(format!(
                    "{}.{}/{}",
                    file.package(),
                    service.name(),
                    method.name()
                ));
            }
        }
    }
    methods
}

/// The services reflection lists on the running server.
async fn reflected_services(channel: Channel) -> Vec<String> {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.message().await.unwrap().unwrap();
    match response.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => list
            .service
            .into_iter()
            .map(|service| service.name)
            .collect(),
        other => panic!("unexpected reflection answer {other:?}"),
    }
}

/// Calls `method` with an empty request (every field at its default) as `actor` (no one when
/// None), and returns the status it ends with.
async fn call(channel: Channel, method: &str, actor: Option<&Actor>) -> tonic::Status {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path: tonic::codegen::http::uri::PathAndQuery = format!("/{method}").parse().unwrap();
    let request = match actor {
        Some(actor) => as_actor((), actor),
        None => tonic::Request::new(()),
    };
    let codec = tonic_prost::ProstCodec::<(), ()>::default();
    match grpc.unary::<(), (), _>(request, path, codec).await {
        Ok(_) => tonic::Status::ok(""),
        Err(status) => status,
    }
}

fn reason(status: &tonic::Status) -> String {
    status
        .get_details_error_info()
        .map(|info| info.reason)
        .unwrap_or_default()
}

#[tokio::test]
async fn every_rpc_admits_exactly_the_roles_the_policy_names() {
    let suite = Suite::start(&[("HL_SEED_DEMO", "false".into())]).await;
    let channel = suite.channel().await;

    let services = reflected_services(channel.clone()).await;
    let methods: Vec<String> = methods()
        .into_iter()
        .filter(|method| {
            services
                .iter()
                .any(|service| method.starts_with(&format!("{service}/")))
        })
        .filter(|method| !policy::is_public(method))
        .collect();
    assert!(methods.len() > 60, "{} methods", methods.len());

    for method in &methods {
        let rule = policy::rule(method)
            .unwrap_or_else(|| panic!("{method} has no entry in the access policy"));
        let nobody = call(channel.clone(), method, None).await;
        assert_eq!(
            nobody.code(),
            Code::Unauthenticated,
            "{method} without a token"
        );
        for (role, actor) in one_of_each_role() {
            let status = call(channel.clone(), method, Some(&actor)).await;
            if rule.allows(role) {
                assert!(
                    !(status.code() == Code::PermissionDenied
                        && reason(&status) == "ROLE_NOT_ALLOWED")
                        && status.code() != Code::Unauthenticated,
                    "{method} as {role:?} is allowed, yet: {status:?}"
                );
            } else {
                assert_eq!(
                    status.code(),
                    Code::PermissionDenied,
                    "{method} as {role:?}"
                );
                assert_eq!(reason(&status), "ROLE_NOT_ALLOWED", "{method} as {role:?}");
            }
        }
    }

    // The refusals are counted, by method, role and reason.
    let metrics = http_get(suite.metrics_address.as_deref().unwrap(), "/metrics").await;
    assert!(
        metrics
            .lines()
            .any(|line| line.starts_with("hl_rpc_denials_total{")
                && line.contains("RebuildProjections")
                && line.contains("role=\"enterprise\"")
                && line.contains("reason=\"ROLE_NOT_ALLOWED\"")),
        "{metrics}"
    );
    assert!(metrics.contains("reason=\"UNAUTHENTICATED\""));

    // Made-up paths, with a caller or without, leave the metrics' series as they were: they are
    // all counted as "unknown".
    let series = |metrics: &str| {
        metrics
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.rsplit_once(' ').map(|(series, _)| series.to_string()))
            .filter(|series| series.starts_with("hl_rpc_"))
            .collect::<std::collections::BTreeSet<String>>()
    };
    let probe = |index: usize| format!("hazard_ledger.hazards.v1.HazardsService/Probe{index}");
    call(channel.clone(), &probe(0), None).await;
    call(channel.clone(), &probe(1), Some(&inspector())).await;
    let address = suite.metrics_address.as_deref().unwrap();
    let before = series(&http_get(address, "/metrics").await);
    for index in 2..10_000 {
        let actor = (index % 2 == 0).then(inspector);
        let status = call(channel.clone(), &probe(index), actor.as_ref()).await;
        assert_ne!(status.code(), Code::Ok);
    }
    let after = series(&http_get(address, "/metrics").await);
    assert_eq!(before, after);
    assert!(
        !after.iter().any(|series| series.contains("Probe")),
        "{after:?}"
    );
}

fn hazard(id: &str, enterprise_id: &str) -> hazards::ReportHazardRequest {
    inspection_report(&format!("report-{id}"), id, enterprise_id)
}

#[tokio::test]
async fn each_role_sees_only_its_own_scope() {
    let suite = Suite::start(&[("HL_SEED_DEMO", "false".into())]).await;
    let channel = suite.channel().await;
    register_district(
        channel.clone(),
        &[
            Registered::cold_store(ENTERPRISE),
            Registered {
                township: OTHER_TOWNSHIP,
                ..Registered::cold_store(OTHER_ENTERPRISE)
            },
        ],
    )
    .await;
    let mut hazards = HazardsServiceClient::new(channel.clone());
    for (id, enterprise_id) in [("mine", ENTERPRISE), ("theirs", OTHER_ENTERPRISE)] {
        hazards
            .report_hazard(as_actor(hazard(id, enterprise_id), &inspector()))
            .await
            .unwrap();
    }
    let get = |actor: Actor| {
        let mut hazards = hazards.clone();
        async move {
            hazards
                .get_hazard(as_actor(
                    hazards::GetHazardRequest {
                        name: "hazards/mine".into(),
                        as_of: None,
                    },
                    &actor,
                ))
                .await
        }
    };
    assert!(get(enterprise(ENTERPRISE)).await.is_ok());
    assert!(get(township_officer(TOWNSHIP)).await.is_ok());
    assert!(get(inspector()).await.is_ok());
    // Another enterprise is told the hazard does not exist; the government side outside its
    // jurisdiction that it may not read it.
    for (actor, code, expected) in [
        (enterprise(OTHER_ENTERPRISE), Code::NotFound, "NOT_FOUND"),
        (
            township_officer(OTHER_TOWNSHIP),
            Code::PermissionDenied,
            "OUTSIDE_JURISDICTION",
        ),
        (
            inspector_elsewhere(),
            Code::PermissionDenied,
            "OUTSIDE_JURISDICTION",
        ),
    ] {
        let refused = get(actor.clone()).await.unwrap_err();
        assert_eq!(refused.code(), code, "{actor:?}");
        assert_eq!(reason(&refused), expected, "{actor:?}");
    }

    // The ledgers: an enterprise lists its own hazards only, a township officer their township.
    let mut ledger = LedgerServiceClient::new(channel.clone());
    hl_testkit::wait_until(
        "the read model to hold both hazards",
        Duration::from_secs(30),
        || {
            let mut ledger = ledger.clone();
            async move {
                let listed = ledger
                    .list_hazards(as_actor(
                        ledger::ListHazardsRequest::default(),
                        &inspector(),
                    ))
                    .await
                    .ok()?
                    .into_inner();
                (listed.hazards.len() == 2).then_some(())
            }
        },
    )
    .await;
    let list = |actor: Actor, enterprise_id: &str| {
        let mut ledger = ledger.clone();
        let request = ledger::ListHazardsRequest {
            enterprise_id: enterprise_id.into(),
            ..Default::default()
        };
        async move { ledger.list_hazards(as_actor(request, &actor)).await }
    };
    let ids = |listed: ledger::ListHazardsResponse| -> Vec<String> {
        listed
            .hazards
            .into_iter()
            .map(|record| record.hazard_id)
            .collect()
    };
    assert_eq!(
        ids(list(enterprise(ENTERPRISE), "").await.unwrap().into_inner()),
        ["mine"]
    );
    assert_eq!(
        ids(list(township_officer(OTHER_TOWNSHIP), "")
            .await
            .unwrap()
            .into_inner()),
        ["theirs"]
    );
    let refused = list(enterprise(ENTERPRISE), OTHER_ENTERPRISE)
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "OTHER_ENTERPRISE");
    let refused = list(inspector_elsewhere(), "").await.unwrap_err();
    assert_eq!(reason(&refused), "OUTSIDE_JURISDICTION");
    let summary = ledger
        .get_reconciliation_summary(as_actor(
            ledger::GetReconciliationSummaryRequest::default(),
            &enterprise(OTHER_ENTERPRISE),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summary.total.unwrap().government_findings,
        1,
        "only its own finding"
    );

    // The registry: an enterprise reads its own record; people are read by administrators and
    // themselves.
    let mut registry = RegistryServiceClient::new(channel.clone());
    let get_enterprise = |actor: Actor| {
        let mut registry = registry.clone();
        async move {
            registry
                .get_enterprise(as_actor(
                    registry::GetEnterpriseRequest {
                        name: format!("enterprises/{ENTERPRISE}"),
                        as_of_date: None,
                    },
                    &actor,
                ))
                .await
        }
    };
    assert!(get_enterprise(enterprise(ENTERPRISE)).await.is_ok());
    assert_eq!(
        reason(
            &get_enterprise(enterprise(OTHER_ENTERPRISE))
                .await
                .unwrap_err()
        ),
        "NOT_FOUND"
    );
    let person = registry::Person {
        person_id: inspector().id,
        display_name: "张伟".into(),
        roles: vec![registry::PersonRole::Inspector as i32],
        enforcement_certificate: Some(registry::EnforcementCertificate {
            number: "浙应执 330903-0012".into(),
            valid_from: Some(hl_proto::common::v1::Date {
                year: 2024,
                month: 1,
                day: 1,
            }),
            valid_until: Some(hl_proto::common::v1::Date {
                year: 2099,
                month: 12,
                day: 31,
            }),
        }),
        ..Default::default()
    };
    let before = registry
        .get_person(as_actor(
            registry::GetPersonRequest {
                name: format!("persons/{}", inspector().id),
            },
            &inspector(),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        before.code(),
        Code::NotFound,
        "a person asking for their own record before it is created is told it is missing"
    );
    registry
        .create_person(as_actor(
            registry::CreatePersonRequest {
                request_id: "person-1".into(),
                person: Some(person),
                ..Default::default()
            },
            &administrator(),
        ))
        .await
        .unwrap();
    let read_person = |actor: Actor| {
        let mut registry = registry.clone();
        async move {
            registry
                .get_person(as_actor(
                    registry::GetPersonRequest {
                        name: format!("persons/{}", inspector().id),
                    },
                    &actor,
                ))
                .await
        }
    };
    assert!(
        read_person(inspector()).await.is_ok(),
        "a person reads their own record"
    );
    assert!(read_person(administrator()).await.is_ok());
    let another_officer = Actor {
        id: "officer-2".into(),
        ..inspector()
    };
    assert_eq!(
        read_person(another_officer).await.unwrap_err().code(),
        Code::PermissionDenied
    );

    // A request_id answers with its first result only to the caller who made it.
    let replayed = hazards
        .report_hazard(as_actor(
            hazard("mine", ENTERPRISE),
            &township_officer(TOWNSHIP),
        ))
        .await
        .unwrap_err();
    assert_eq!(replayed.code(), Code::PermissionDenied);
    assert_eq!(reason(&replayed), "REQUEST_ID_OF_ANOTHER_CALLER");
    let again = hazards
        .report_hazard(as_actor(hazard("mine", ENTERPRISE), &inspector()))
        .await
        .unwrap()
        .into_inner();
    assert!(again.commit.unwrap().replayed);
}
