//! The enforcement context (分类分级执法, 规范化执法): inspections whose findings write the
//! government ledger, their orders and follow-ups (复查), and penalty cases (行政处罚) with their
//! statutory clocks.
//!
//! [`domain`] is pure decide/apply; [`api`] is the gRPC adapter; [`mount`] adds the service to
//! a server. The hazards context turns each finding into a government-ledger hazard
//! (`hl_hazards::inspections`).

pub mod api;
pub mod domain;
pub mod history;
pub mod read_models;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use hl_eventstore::{EventStore, RepositorySettings};
use hl_proto::enforcement::v1::enforcement_service_server::EnforcementServiceServer;
use hl_runtime::grpc::GrpcServer;
use hl_runtime::health::HealthCheck;

pub use api::{EnforcementApi, EnforcementGrpc};

/// The largest request the service takes: a 双随机 draw over a district's enterprise pool.
const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// Mounts the enforcement service on a server, with its health checks.
pub fn mount(server: &mut GrpcServer, store: &EventStore, region: &str) -> Arc<EnforcementApi> {
    // Enforcement reads the registry (enterprises, officers) and the hazards its findings cite
    // and its follow-ups check.
    let ready = hl_runtime::nats::ensure_streams(
        store.clone(),
        vec![domain::CONTEXT, hl_directory::CONTEXT, "hazards"],
    );
    server.add_check(HealthCheck::new("enforcement event stream", move || {
        ready.load(Ordering::SeqCst)
    }));
    let history = history::EnforcementHistory::follow(store.clone());
    let history_progress = history.progress.clone();
    server.add_check(HealthCheck::new("enforcement record", move || {
        history_progress.is_ready()
    }));
    let api = EnforcementApi::new(
        store.clone(),
        region,
        RepositorySettings::default(),
        history,
    );
    server.add_service(
        EnforcementServiceServer::new(EnforcementGrpc(api.clone()))
            .max_decoding_message_size(MAX_REQUEST_BYTES),
    );
    api
}
