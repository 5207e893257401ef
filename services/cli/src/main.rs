//! hlctl, the operator's tool for a Hazard Ledger deployment: the event streams, the read
//! models, and one aggregate's history, without writing code.

mod archive_check;
mod backup;
mod backup_file;
mod chain;
mod connect;
mod decode;
mod failure;
mod history;
mod jetstream_copy;
mod output;
mod projections;
mod province;
mod reading;
mod restore;
mod streams;
mod tail;
mod token;
mod verify;

use clap::{Parser, Subcommand};

use crate::connect::NatsArgs;
use crate::failure::Failure;

/// Inspect and repair a Hazard Ledger deployment: event streams, read models, histories.
///
/// Exit codes: 0 done; 64 bad arguments; 65 bad data (a broken hash chain, a damaged backup); 66
/// no such stream, aggregate, database or file; 69 NATS, the database or the server unreachable;
/// 73 what would be created exists already; 75 or 77 the server refused.
#[derive(Debug, Parser)]
#[command(name = "hlctl", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Every stream of the deployment: messages, bytes, first and last sequence.
    Streams {
        #[command(flatten)]
        nats: NatsArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The read models: their checkpoints, lag and poison state, and rebuilding them.
    Projections {
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// Print the newest commits of a stream or of one aggregate as JSON, and follow new ones.
    Tail(tail::TailArgs),
    /// One aggregate's full history with actors and times, and its hash-chain check.
    History(history::HistoryArgs),
    /// Check a whole context stream: every commit chained to its aggregate's previous one and
    /// numbered on from it; the first break is reported (exit 65).
    Verify(verify::VerifyArgs),
    /// Copy every stream of the deployment into one file (a tar archive): the server's stream
    /// snapshots with their configuration, and a manifest of sequence ranges and digests.
    Backup(backup::BackupArgs),
    /// Load a backup into a deployment that has none of its streams, then check every event
    /// stream against the manifest and its hash chains. Rebuild the read models afterwards.
    Restore(restore::RestoreArgs),
    /// At the province: its streams' sources in the districts, and the completeness audit.
    Province {
        #[command(subcommand)]
        command: ProvinceCommand,
    },
    /// Mint a bearer token for an actor with a trusted signing key, e.g.
    /// `hlctl token --role inspector --region 330903`.
    Token(token::TokenArgs),
}

#[derive(Debug, Subcommand)]
enum ProjectionsCommand {
    /// Checkpoint, stream head, lag and poison state of every projected stream.
    Status {
        #[command(flatten)]
        nats: NatsArgs,
        /// The read-model database, as the projections service's DATABASE_URL.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://.data/ledger.db")]
        database_url: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the read models from the streams into fresh tables, then switch to them, showing
    /// progress. The current tables keep answering queries until the switch.
    Rebuild(projections::ServerArgs),
}

#[derive(Debug, Subcommand)]
enum ProvinceCommand {
    /// Make each context's provincial stream source that context's stream of every district in
    /// the districts file, through the district's JetStream domain; prints the sources added.
    Source(province::ProvinceArgs),
    /// For every district and context: what arrived, how far the district is, and the flags
    /// (stalled, silent, gap, unreachable), each with what to do. Applies missing sources
    /// first, as `source` does. Exit 65 when anything is flagged.
    Audit(province::AuditArgs),
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cli = Cli::parse();
    if let Err(failure) = run(cli.command).await {
        eprintln!("hlctl: {failure}");
        std::process::exit(failure.exit_code());
    }
}

async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Streams { nats, json } => streams::run(&nats.connect().await?, json).await,
        Command::Projections {
            command:
                ProjectionsCommand::Status {
                    nats,
                    database_url,
                    json,
                },
        } => projections::status(&nats.connect().await?, &database_url, json).await,
        Command::Projections {
            command: ProjectionsCommand::Rebuild(server),
        } => projections::rebuild(&server).await,
        Command::Tail(args) => tail::run(&args).await,
        Command::History(args) => history::run(&args).await,
        Command::Verify(args) => verify::run(&args).await,
        Command::Backup(args) => backup::run(&args).await,
        Command::Restore(args) => restore::run(&args).await,
        Command::Province {
            command: ProvinceCommand::Source(args),
        } => province::source(&args).await,
        Command::Province {
            command: ProvinceCommand::Audit(args),
        } => province::audit(&args).await,
        Command::Token(args) => token::run(&args),
    }
}
