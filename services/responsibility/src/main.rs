//! The responsibility service (its registry, duties and evaluations) on its own, for deployments that run each context
//! as a separate process. (`hazard-ledger`, the suite binary, runs every context in one process.)

use clap::Parser;
use hl_runtime::standalone::{StandaloneArgs, run};

/// The Hazard Ledger registry: enterprises, administrative areas, grid cells, organisation units
/// and people, over gRPC.
#[derive(Debug, Parser)]
#[command(name = "hl-responsibility", version)]
struct Config {
    #[command(flatten)]
    standalone: StandaloneArgs,

    #[command(flatten)]
    responsibility: hl_responsibility::ResponsibilityArgs,

    #[command(flatten)]
    ledger: hl_responsibility::scoring::LedgerArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let settings = config.responsibility;
    let scorer = config.ledger.scorer()?;
    run(
        "hl-responsibility",
        config.standalone,
        move |server, store, region| {
            hl_responsibility::mount(server, store, region, (&settings, scorer));
        },
    )
    .await
}
