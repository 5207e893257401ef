//! The hazards service on its own, for deployments that run each context as a separate
//! process. (`hazard-ledger`, the suite binary, runs every context in one process.)

use clap::Parser;
use hl_runtime::standalone::{StandaloneArgs, run};

/// The Hazard Ledger hazards service (隐患排查治理) over gRPC.
#[derive(Debug, Parser)]
#[command(name = "hl-hazards", version)]
struct Config {
    #[command(flatten)]
    standalone: StandaloneArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    run("hl-hazards", config.standalone, |server, store, region| {
        hl_hazards::mount(server, store, region);
    })
    .await
}
