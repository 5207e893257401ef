//! The hazards context (隐患排查治理): hazards in both ledgers, self-check rounds, periodic
//! statistics, listed-supervision orders (挂牌督办) and safety alarm devices.
//!
//! [`domain`] is pure decide/apply; [`api`] is the gRPC adapter; [`serve`] runs the context
//! as its own server.

pub mod api;
pub mod domain;
pub mod inspections;
pub mod read_models;

use std::sync::atomic::Ordering;

use hl_eventstore::{EventStore, RepositorySettings};
use hl_proto::hazards::v1::hazards_service_server::HazardsServiceServer;
use hl_runtime::grpc::GrpcServer;
use hl_runtime::health::HealthCheck;

pub use api::{HazardsApi, HazardsGrpc};

/// The largest request the service takes: a past ledger file with room for the rest.
const MAX_REQUEST_BYTES: usize = api::MAX_FILE_BYTES + 64 * 1024;

/// Mounts the hazards service on a server, with its health checks.
pub fn mount(
    server: &mut GrpcServer,
    store: &EventStore,
    region: &str,
) -> std::sync::Arc<HazardsApi> {
    mount_with_settings(server, store, region, RepositorySettings::default())
}

/// [`mount`] with repositories tuned otherwise (tests of conflicts, benchmarks).
pub fn mount_with_settings(
    server: &mut GrpcServer,
    store: &EventStore,
    region: &str,
    settings: RepositorySettings,
) -> std::sync::Arc<HazardsApi> {
    let api = HazardsApi::new(store.clone(), region, settings);
    server.add_service(
        HazardsServiceServer::new(HazardsGrpc(api.clone()))
            .max_decoding_message_size(MAX_REQUEST_BYTES),
    );
    // Hazards read the registry's enterprises from the responsibility stream, and record the
    // findings of the enforcement stream's inspections.
    let ready = hl_runtime::nats::ensure_streams(
        store.clone(),
        vec![domain::CONTEXT, hl_directory::CONTEXT, "enforcement"],
    );
    let intake = inspections::start(store.clone(), region, api.clone(), ready.clone());
    server.add_check(HealthCheck::new("hazards event stream", move || {
        ready.load(Ordering::SeqCst)
    }));
    server.add_check(HealthCheck::new("inspection findings intake", move || {
        intake.load(Ordering::SeqCst)
    }));
    api
}
