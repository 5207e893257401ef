//! The plans service on its own, for deployments that run each context as a separate process.
//! (`hazard-ledger`, the suite binary, runs every context in one process.)

use clap::Parser;
use hl_runtime::standalone::{StandaloneArgs, run};

/// The Hazard Ledger plans service: emergency plans and drills, over gRPC.
#[derive(Debug, Parser)]
#[command(name = "hl-plans", version)]
struct Config {
    #[command(flatten)]
    standalone: StandaloneArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    run("hl-plans", config.standalone, |server, store, region| {
        hl_plans::mount(server, store, region);
    })
    .await
}
