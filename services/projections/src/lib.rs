//! The projections service: read models of the event streams in SQL (SQLite by default,
//! PostgreSQL in production), applied exactly once, and the queries on them, above all the
//! reconciliation of the two ledgers (两本账).

pub mod api;
pub mod archive;
pub mod cache;
pub mod chain;
pub mod config;
pub mod outbound;
pub mod projector;
pub mod province;
pub mod reader;
pub mod reconciliation;
pub mod schema;
pub mod scoring;
pub mod service;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hl_eventstore::EventStore;
use hl_proto::ledger::v1::ledger_service_server::LedgerServiceServer;
use hl_proto::ledger::v1::projection_admin_service_server::ProjectionAdminServiceServer;
use hl_readmodel::{Database, Registry};
use hl_runtime::grpc::GrpcServer;
use hl_runtime::health::HealthCheck;

/// The ledger queries' service, by its health name.
const LEDGER_SERVICE: &str = "hazard_ledger.ledger.v1.LedgerService";

pub use config::ProjectionArgs;
pub use service::{Projections, Settings};

/// Every read model of the suite: each context contributes its own with one registration call.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    hl_responsibility::read_models::register(&mut registry);
    hl_hazards::read_models::register(&mut registry);
    hl_enforcement::read_models::register(&mut registry);
    hl_plans::read_models::register(&mut registry);
    registry
}

/// Opens the read-model database, starts the projectors of the registry's read models and mounts
/// the query and admin services with their health checks.
pub async fn mount(
    server: &mut GrpcServer,
    store: &EventStore,
    region: &str,
    args: &ProjectionArgs,
    data_dir: &std::path::Path,
    registry: Registry,
) -> anyhow::Result<Arc<Projections>> {
    // Read before anything starts: an unreadable authorization stops the start-up here.
    let outbound_transport = args.outbound_transport().map_err(anyhow::Error::msg)?;
    let database = Database::connect(&args.database_url(data_dir)).await?;
    // The projectors read every stream a read model needs; make sure they exist even before
    // their services write. At a province they are the streams that source the districts'.
    let province = args
        .province_districts()
        .map_err(anyhow::Error::msg)?
        .map(|districts| {
            province::ProvinceAudit::start(
                store.clone(),
                (
                    districts,
                    args.province_districts.clone().unwrap_or_default(),
                ),
                registry.contexts(),
                args.audit_rules(),
                Duration::from_secs(args.province_audit_seconds),
            )
        });
    let streams_ready = match &province {
        Some(audit) => audit.streams_ready.clone(),
        None => hl_runtime::nats::ensure_streams(store.clone(), registry.contexts()),
    };
    server.add_check(HealthCheck::new("projection streams", move || {
        streams_ready.load(Ordering::SeqCst)
    }));
    let contexts = registry.contexts();
    let projections = Projections::start(
        database.clone(),
        store.clone(),
        region,
        registry,
        service::Settings {
            batch: args.projection_batch,
            bulk_catch_up_events: args.statistics_after_events,
        },
    )
    .await?;
    let mut outbound_feeds = Vec::new();
    if let Some(transport) = outbound_transport {
        for feed in outbound::Feed::ALL {
            let feed = outbound::OutboundFeed::new(
                feed,
                database.clone(),
                projections.clone(),
                transport.clone(),
                outbound::Settings {
                    batch_size: args.outbound_batch,
                    every: Duration::from_secs(args.outbound_seconds),
                    region: region.to_string(),
                },
            )
            .await?;
            feed.spawn();
            outbound_feeds.push(feed);
        }
    }
    if let Some(url) = &args.archive_url {
        let archive = Database::connect(url).await?;
        archive::ensure_schema(&archive).await?;
        archive::spawn(archive, store.clone(), contexts);
    }

    let reachable = Arc::new(AtomicBool::new(true));
    let flag = reachable.clone();
    tokio::spawn(async move {
        loop {
            flag.store(database.is_reachable().await, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    server.add_check(HealthCheck::new("read-model database", move || {
        reachable.load(Ordering::SeqCst)
    }));
    // A poison event stops the projectors: the ledger queries would answer from stale read
    // models, so they go NOT_SERVING; the write services and the projection admin (which
    // rebuilds) carry on.
    let watched = projections.clone();
    server.add_check(HealthCheck::of_services(
        "projections applying (no poison event)",
        &[LEDGER_SERVICE],
        move || {
            watched
                .statuses()
                .iter()
                .all(|status| status.failure().is_none())
        },
    ));

    server.add_service(LedgerServiceServer::new(api::LedgerGrpc(
        projections.clone(),
    )));
    server.add_service(ProjectionAdminServiceServer::new(api::AdminGrpc(
        projections.clone(),
        province,
        outbound_feeds,
    )));
    Ok(projections)
}
