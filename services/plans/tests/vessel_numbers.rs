//! Key vessels' registration numbers on the plans service's production mount, against a real
//! nats-server: a number is held by one vessel however it is written, a registration's retry is
//! answered as first, and the vessels registered before numbers were claimed keep theirs.

use std::time::Duration;

use hl_eventstore::{Repository, RepositorySettings, RequestMeta};
use hl_plans::domain::key_vessel::{KeyVessel, RegisterVessel, VesselCommand};
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::VesselKind;
use hl_proto::plans::v1::plans_service_client::PlansServiceClient;
use hl_testkit::actors::{administrator, as_actor, by_inspector};
use hl_testkit::{NatsServer, TestService, unique_namespace};
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

fn register(request_id: &str, vessel_id: &str, number: &str) -> pb::RegisterKeyVesselRequest {
    pb::RegisterKeyVesselRequest {
        request_id: request_id.into(),
        vessel_id: vessel_id.into(),
        vessel_name: "浙普渔12345".into(),
        registration_number: number.into(),
        kind: VesselKind::Detained as i32,
        mooring_place: "沈家门渔港3号泊位".into(),
        township_code: "330903001".into(),
        responsible_unit: "区海洋与渔业执法大队".into(),
        ..Default::default()
    }
}

/// The reason of a refusal, with its message.
fn refusal(status: &tonic::Status) -> (Code, String, String) {
    let reason = status
        .get_details_error_info()
        .map(|info| info.reason)
        .unwrap_or_default();
    (status.code(), reason, status.message().to_string())
}

async fn start(nats: &NatsServer, namespace: &str) -> (TestService, PlansServiceClient<Channel>) {
    let service = TestService::spawn(&nats.url(), namespace, |server, store, region| {
        hl_plans::mount(server, store, region);
    })
    .await;
    let client = PlansServiceClient::new(service.channel().await);
    (service, client)
}

#[tokio::test]
async fn a_registration_number_is_held_by_one_vessel_however_it_is_written() {
    let nats = NatsServer::start().await;
    let (_service, mut plans) = start(&nats, &unique_namespace()).await;
    let first = plans
        .register_key_vessel(by_inspector(register("r-1", "v-1", "浙普渔xy12")))
        .await
        .unwrap()
        .into_inner();
    // Another vessel under the same number, written with spaces and full-width forms.
    let held = plans
        .register_key_vessel(by_inspector(register("r-2", "v-2", " 浙普渔 ＸＹ１２ ")))
        .await
        .unwrap_err();
    let (code, reason, message) = refusal(&held);
    assert_eq!(
        (code, reason.as_str()),
        (Code::FailedPrecondition, "REGISTRATION_NUMBER_HELD")
    );
    assert!(message.contains("keyVessels/v-1"), "{message}");
    let missing = plans
        .get_key_vessel(by_inspector(pb::GetKeyVesselRequest {
            name: "keyVessels/v-2".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound, "nothing was registered");
    // The first registration's retry is answered as first; a vessel id registered already is
    // refused as it always was, whatever its number.
    let retried = plans
        .register_key_vessel(by_inspector(register("r-1", "v-1", "浙普渔xy12")))
        .await
        .unwrap()
        .into_inner();
    let (first, retried) = (first.commit.unwrap(), retried.commit.unwrap());
    assert!(retried.replayed);
    assert_eq!(
        (retried.stream_sequence, retried.event_ids),
        (first.stream_sequence, first.event_ids)
    );
    let twice = plans
        .register_key_vessel(by_inspector(register("r-3", "v-1", "浙普渔XY99")))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::AlreadyExists);
    // Another number is another vessel's to hold.
    plans
        .register_key_vessel(by_inspector(register("r-4", "v-4", "浙普渔XY13")))
        .await
        .unwrap();
}

#[tokio::test]
async fn vessels_registered_before_numbers_were_claimed_keep_theirs() {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    // Two vessels registered under one number before numbers were claimed, straight on the
    // stream as an earlier release recorded them.
    let store = hl_testkit::event_store(&nats.url(), &namespace, &["plans"]).await;
    let earlier = Repository::<KeyVessel>::new(store, "330903", RepositorySettings::default());
    for vessel in ["v-old-1", "v-old-2"] {
        let command = VesselCommand::Register(RegisterVessel {
            region: "330903".into(),
            vessel_name: "浙普渔777".into(),
            registration_number: "浙普渔777".into(),
            kind: VesselKind::Unpowered,
            mooring_place: "沈家门渔港".into(),
            township_code: "330903001".into(),
            responsible_unit: "区海洋与渔业执法大队".into(),
        });
        let meta = RequestMeta {
            request_id: format!("earlier-{vessel}"),
            actor: administrator(),
            occurred_at: None,
            correlation_id: None,
            migrated_by: None,
        };
        earlier.execute(vessel, &command, &meta).await.unwrap();
    }
    let (_service, mut plans) = start(&nats, &namespace).await;
    let held = hl_testkit::wait_until("the service answers", Duration::from_secs(20), || {
        let mut plans = plans.clone();
        async move {
            plans
                .register_key_vessel(by_inspector(register("r-1", "v-new", "浙普渔 ７７７")))
                .await
                .err()
                .filter(|status| status.code() != Code::Unavailable)
        }
    })
    .await;
    let (code, reason, message) = refusal(&held);
    assert_eq!(
        (code, reason.as_str()),
        (Code::FailedPrecondition, "REGISTRATION_NUMBER_HELD")
    );
    assert!(
        message.contains("keyVessels/v-old-1"),
        "the first registered holds it: {message}"
    );
    // Both earlier vessels stay as they were recorded.
    for vessel in ["v-old-1", "v-old-2"] {
        plans
            .get_key_vessel(as_actor(
                pb::GetKeyVesselRequest {
                    name: format!("keyVessels/{vessel}"),
                    ..Default::default()
                },
                &administrator(),
            ))
            .await
            .unwrap();
    }
}
