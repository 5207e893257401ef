//! The hazards context (隐患排查治理): hazards in both ledgers, self-check rounds, periodic
//! statistics, listed-supervision orders (挂牌督办) and safety alarm devices.
//!
//! [`domain`] is pure decide/apply; [`api`] is the gRPC adapter; [`serve`] runs the context
//! as its own server.

pub mod api;
pub mod domain;

use std::sync::atomic::Ordering;

use hl_eventstore::{EventStore, RepositorySettings};
use hl_proto::hazards::v1::hazards_service_server::HazardsServiceServer;
use hl_runtime::grpc::GrpcServer;
use hl_runtime::health::HealthCheck;

pub use api::{HazardsApi, HazardsGrpc};

/// Mounts the hazards service on a server, with its health checks.
pub fn mount(
    server: &mut GrpcServer,
    store: &EventStore,
    region: &str,
) -> std::sync::Arc<HazardsApi> {
    let api = HazardsApi::new(store.clone(), region, RepositorySettings::default());
    server.add_service(HazardsServiceServer::new(HazardsGrpc(api.clone())));
    // Hazards read the registry's enterprises from the responsibility stream.
    let ready = hl_runtime::nats::ensure_streams(
        store.clone(),
        vec![domain::CONTEXT, hl_responsibility::domain::CONTEXT],
    );
    server.add_check(HealthCheck::new("hazards event stream", move || {
        ready.load(Ordering::SeqCst)
    }));
    api
}
