//! The projections service on its own, for deployments that run each context as a separate
//! process. (`hazard-ledger`, the suite binary, runs every context in one process.)

use clap::Parser;
use hl_projections::ProjectionArgs;
use hl_runtime::standalone::{StandaloneArgs, run_async};

/// The Hazard Ledger read models and two-ledger reconciliation over gRPC.
#[derive(Debug, Parser)]
#[command(name = "hl-projections", version)]
struct Config {
    #[command(flatten)]
    standalone: StandaloneArgs,
    #[command(flatten)]
    projections: ProjectionArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let projections = config.projections.clone();
    run_async(
        "hl-projections",
        config.standalone,
        config.projections.problems(),
        |server, store, region| {
            Box::pin(async move {
                hl_projections::mount(
                    server,
                    &store,
                    &region,
                    &projections,
                    std::path::Path::new(".data"),
                    hl_projections::registry(),
                )
                .await?;
                Ok(())
            })
        },
    )
    .await
}
