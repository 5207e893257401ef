//! The hazards service on its own: for deployments that run each context as a separate process.
//! (`hazard-ledger`, the suite binary, runs every context in one process.)

use std::time::Duration;

use clap::Parser;
use hl_runtime::config::{EventStoreArgs, ServerArgs, exit_if_invalid};
use hl_runtime::grpc::{GrpcServer, bind};
use hl_runtime::{nats, shutdown};
use hl_telemetry::TelemetryArgs;

/// The Hazard Ledger hazards service (隐患排查治理) over gRPC.
#[derive(Debug, Parser)]
#[command(name = "hl-hazards", version)]
struct Config {
    #[command(flatten)]
    telemetry: TelemetryArgs,
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    store: EventStoreArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let telemetry = hl_telemetry::init(&config.telemetry)?;

    let mut problems = config.server.problems();
    problems.extend(config.store.problems());
    if config.store.nats_url.is_none() {
        problems.push("NATS_URL is required for a standalone service".to_string());
    }
    exit_if_invalid(problems);

    let url = config.store.nats_url.clone().unwrap_or_default();
    let (client, store) = nats::open_store(&config.store, &url, "hl-hazards")
        .await
        .map_err(anyhow::Error::msg)?;
    let mut server = GrpcServer::new();
    server.add_check(nats::connection_check(&client));
    hl_hazards::mount(&mut server, &store, &config.server.region);

    let listener = bind(config.server.listen_addr).await?;
    tracing::info!(address = %listener.local_addr()?, "hazards service listening");
    server.serve(listener, shutdown::signal()).await?;

    client.drain().await.ok();
    telemetry.shutdown(Duration::from_secs(2));
    Ok(())
}
