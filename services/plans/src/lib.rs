//! The plans context (应急预案, 演练): emergency plans through their lifecycle, their versions and
//! evaluation cycle, and the drills whose findings can trigger a revision.
//!
//! [`domain`] is pure decide/apply; [`api`] is the gRPC adapter; [`mount`] adds the service to
//! a server.

pub mod api;
pub mod domain;
pub mod read_models;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use hl_eventstore::{EventStore, RepositorySettings};
use hl_proto::plans::v1::plans_service_server::PlansServiceServer;
use hl_runtime::grpc::GrpcServer;
use hl_runtime::health::HealthCheck;

pub use api::{PlansApi, PlansGrpc};

/// Mounts the plans service on a server, with its health check.
pub fn mount(server: &mut GrpcServer, store: &EventStore, region: &str) -> Arc<PlansApi> {
    let ready = hl_runtime::nats::ensure_streams(store.clone(), vec![domain::CONTEXT]);
    server.add_check(HealthCheck::new("plans event stream", move || {
        ready.load(Ordering::SeqCst)
    }));
    let api = PlansApi::new(store.clone(), region, RepositorySettings::default());
    server.add_service(PlansServiceServer::new(PlansGrpc(api.clone())));
    api
}
