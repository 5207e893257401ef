//! The `main` of a service that runs as its own process: telemetry → configuration → NATS →
//! mount the service → serve → wait for a signal → drain.

use std::time::Duration;

use hl_eventstore::EventStore;
use hl_telemetry::TelemetryArgs;

use crate::access::{AccessControl, server_tls};
use crate::config::{AuthArgs, EventStoreArgs, ServerArgs, exit_if_invalid};
use crate::grpc::{GrpcServer, bind, bind_health};
use crate::{nats, shutdown};

/// The configuration every standalone service takes.
#[derive(Debug, clap::Args)]
pub struct StandaloneArgs {
    #[command(flatten)]
    pub telemetry: TelemetryArgs,
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub store: EventStoreArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
}

/// Runs one service until SIGINT or SIGTERM. `mount` adds its gRPC services and health checks.
pub async fn run(
    name: &str,
    args: StandaloneArgs,
    mount: impl FnOnce(&mut GrpcServer, &EventStore, &str),
) -> anyhow::Result<()> {
    run_async(name, args, Vec::new(), |server, store, region| {
        mount(server, &store, &region);
        Box::pin(async { Ok(()) })
    })
    .await
}

/// A mount step that needs to wait (e.g. to open a database).
pub type Mounting<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + 'a>>;

/// [`run`] for services whose mounting is asynchronous, with their own configuration problems.
pub async fn run_async(
    name: &str,
    args: StandaloneArgs,
    more_problems: Vec<String>,
    mount: impl for<'a> FnOnce(&'a mut GrpcServer, EventStore, String) -> Mounting<'a>,
) -> anyhow::Result<()> {
    let telemetry = hl_telemetry::init(&args.telemetry)?;
    let mut problems = args.server.problems();
    problems.extend(more_problems);
    let metrics_address = args.telemetry.metrics_address().unwrap_or_else(|problem| {
        problems.push(problem);
        None
    });
    problems.extend(args.store.problems());
    problems.extend(args.auth.problems());
    if args.store.nats_url.is_none() {
        problems.push("NATS_URL is required for a standalone service".to_string());
    }
    if args.auth.jwks.is_none() {
        problems.push("HL_AUTH_JWKS is required for a standalone service".to_string());
    }
    let tls = server_tls(&args.auth).unwrap_or_else(|problem| {
        problems.push(problem);
        None
    });
    exit_if_invalid(problems);
    if let Ok(Some(key)) = args.server.page_token_key() {
        crate::pagination::use_key(key);
    }
    let access = AccessControl::from_args(&args.auth, None)
        .await
        .map_err(anyhow::Error::msg)?;

    let listener = bind(args.server.listen_addr).await?;
    let health_listener = bind_health(&args.server).await?;
    if let Some(address) = metrics_address {
        let (metrics_listener, bound) = hl_telemetry::metrics::bind(address)
            .await
            .map_err(|error| anyhow::anyhow!("cannot listen for metrics on {address}: {error}"))?;
        hl_telemetry::metrics::serve(metrics_listener);
        tracing::info!(address = %bound, "metrics at /metrics");
    }
    let url = args.store.nats_url.clone().unwrap_or_default();
    let (client, store) = nats::open_store(&args.store, &url, name)
        .await
        .map_err(anyhow::Error::msg)?;
    let mut server = GrpcServer::new(access);
    server
        .with_tls(tls)
        .with_limits(args.server.limits())
        .with_browser_origins(&args.server.browser_origins)
        .with_health_listener(health_listener);
    server.add_check(nats::connection_check(&client));
    mount(&mut server, store, args.server.region.clone()).await?;

    tracing::info!(address = %listener.local_addr()?, service = name, "listening");
    server
        .serve(listener, shutdown::signal(), args.server.drain_timeout())
        .await?;
    client.drain().await.ok();
    telemetry.shutdown(Duration::from_secs(2));
    Ok(())
}
