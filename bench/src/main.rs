//! `make bench`: the suite measured against the raw speed of JetStream and the databases on the
//! same machine, in the same run. Prints a table and writes a JSON report.

mod catchup;
mod commands;
mod generate;
mod kernel;
mod overload;
mod peer;
mod process;
mod province;
mod raw;
mod report;
mod sections;
mod stats;

use std::path::PathBuf;

use clap::Parser;

/// The Hazard Ledger benchmark harness.
#[derive(Debug, Parser)]
#[command(name = "hl-bench", version)]
pub struct Config {
    /// Runs of each measurement; the report gives their median, minimum and maximum.
    #[arg(long, env = "HL_BENCH_RUNS", default_value_t = 3)]
    pub runs: usize,

    /// full: the sizes the targets speak of; quick: about a tenth, to try the harness out.
    #[arg(long, env = "HL_BENCH_SCALE", default_value = "full")]
    pub scale: sections::Scale,

    /// Only these sections, comma-separated: raw, commands, load, contention, catchup,
    /// province, province-year, peer, overload. Every section when empty.
    #[arg(long, env = "HL_BENCH_ONLY", value_delimiter = ',')]
    pub only: Vec<String>,

    /// The nats-server binary to measure against.
    #[arg(long, env = "NATS_SERVER_BIN", default_value = "nats-server")]
    pub nats_server: PathBuf,

    /// Folder of the release binaries run as processes (hl-hazards, hl-projections,
    /// hazard-ledger).
    #[arg(long, env = "HL_BENCH_BIN_DIR", default_value = "target/release")]
    pub bin_dir: PathBuf,

    /// Most messages a projector applies in one transaction (as the services' setting).
    #[arg(long, env = "HL_PROJECTION_BATCH", default_value_t = 1000)]
    pub projection_batch: usize,

    /// Where the JSON report is written.
    #[arg(
        long,
        env = "HL_BENCH_REPORT",
        default_value = "target/bench/report.json"
    )]
    pub report: PathBuf,
}

impl Config {
    pub fn wants(&self, section: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|wanted| wanted == section)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let report = sections::run_all(&config).await?;
    report.print_summary();
    report.write(&config.report)?;
    println!();
    println!("report written to {}", config.report.display());
    Ok(())
}
