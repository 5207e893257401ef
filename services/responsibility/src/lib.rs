//! The responsibility context (全覆盖责任体系): its registry (DOMAIN.md §0) of enterprises,
//! administrative areas, grid cells, organisation units and people, which every other context
//! refers to; who answers for what (定人定责); and the safety committee's lists of key tasks and
//! major problems through to close-out (销号).

pub mod accidents;
pub mod api;
pub mod config;
pub mod domain;
pub mod index;
pub mod performances;
pub mod proposals;
pub mod read_models;
pub mod scoring;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use hl_eventstore::{EventStore, RepositorySettings};
use hl_proto::responsibility::v1::registry_service_server::RegistryServiceServer;
use hl_proto::responsibility::v1::responsibility_service_server::ResponsibilityServiceServer;
use hl_runtime::grpc::GrpcServer;
use hl_runtime::health::HealthCheck;

pub use api::{RegistryApi, RegistryGrpc};
pub use config::ResponsibilityArgs;

/// The largest request the registry takes: a CSV import of tens of thousands of rows.
const MAX_REQUEST_BYTES: usize = 32 * 1024 * 1024;

/// [`mount`] with the default settings and no ledger to publish evaluations from: for the tests
/// and tools that need the registry and duties, not evaluations.
pub fn mount_without_ledger(server: &mut GrpcServer, store: &EventStore, region: &str) {
    mount(
        server,
        store,
        region,
        (&ResponsibilityArgs::default(), Arc::new(scoring::NoLedger)),
    );
}

/// Mounts the registry and responsibility services on a server, with their health checks; an
/// evaluation's totals come from `scorer` when it is published.
pub fn mount(
    server: &mut GrpcServer,
    store: &EventStore,
    region: &str,
    (settings, scorer): (&ResponsibilityArgs, Arc<dyn scoring::EvaluationScorer>),
) -> Arc<RegistryApi> {
    // Months of duty are fed by the inspections of the enforcement stream, by the hazards and by
    // the drills of the plans stream.
    let ready = hl_runtime::nats::ensure_streams(
        store.clone(),
        vec![domain::CONTEXT, "enforcement", "hazards", "plans"],
    );
    let stream_ready = ready.clone();
    server.add_check(HealthCheck::new("responsibility event stream", move || {
        stream_ready.load(Ordering::SeqCst)
    }));
    let index = index::RegistryIndex::new();
    index::follow(store.clone(), index.clone());
    let index_ready = index.clone();
    server.add_check(HealthCheck::new("registry index", move || {
        index_ready.is_ready()
    }));
    let duties = api::duties::ResponsibilityApi::new(
        store.clone(),
        region,
        RepositorySettings::default(),
        (index.clone(), scorer),
    );
    for (name, following) in performances::start(store, region, &duties, &ready) {
        server.add_check(HealthCheck::new(name, move || {
            following.load(Ordering::SeqCst)
        }));
    }
    let accident_proposals = accidents::start(store, region, &duties, &ready);
    server.add_check(HealthCheck::new("accident proposals process", move || {
        accident_proposals.load(Ordering::SeqCst)
    }));
    let proposing = proposals::start(
        store.clone(),
        region,
        duties.clone(),
        (ready, settings.bulletin_sweep()),
    );
    server.add_check(HealthCheck::new(
        "accountability proposals process",
        move || proposing.load(Ordering::SeqCst),
    ));
    server.add_service(ResponsibilityServiceServer::new(
        api::duties::ResponsibilityGrpc(duties),
    ));
    let api = RegistryApi::new(store.clone(), region, RepositorySettings::default(), index);
    server.add_service(
        RegistryServiceServer::new(RegistryGrpc(api.clone()))
            .max_decoding_message_size(MAX_REQUEST_BYTES),
    );
    api
}
