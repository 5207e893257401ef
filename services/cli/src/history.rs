//! `hlctl history`: one aggregate's every commit with its actor and time, and the check that
//! each commit names the digest of the one before (the hash chain the event store writes).

use serde_json::{Value, json};

use crate::chain::Walk;
use crate::connect::NatsArgs;
use crate::decode::commit_json;
use crate::failure::Failure;
use crate::output::Table;
use crate::reading::{Reader, parse_aggregate};

#[derive(Clone, Debug, clap::Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub nats: NatsArgs,

    /// The context the aggregate belongs to: hazards, responsibility.
    pub context: String,

    /// The aggregate, named TYPE/ID (e.g. hazard/demo-a-valve).
    pub aggregate: String,

    /// Print the whole history, payloads included, as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: &HistoryArgs) -> Result<(), Failure> {
    let (aggregate_type, aggregate_id) = parse_aggregate(&args.aggregate)?;
    let streams = args.nats.connect().await?;
    let stream = streams.context_stream(&args.context).await?;
    let filter = format!(
        "{}.*.{}.{aggregate_type}.{aggregate_id}",
        streams.namespace.root(),
        args.context
    );
    let mut reader = Reader::open(&stream, Some(filter), 1).await?;
    let mut commits = Vec::new();
    let mut walk = Walk::default();
    while !reader.caught_up() {
        let record = reader.next().await?;
        walk.check(&record);
        commits.push(commit_json(&record).map_err(Failure::Data)?);
    }
    if commits.is_empty() {
        return Err(Failure::NotFound(format!(
            "no commits for {aggregate_type}/{aggregate_id} in {}",
            streams.namespace.stream_name(&args.context)
        )));
    }

    let broken = walk.first_break();
    let chain = match broken {
        None => format!("intact over {} commits", commits.len()),
        Some(at) => format!(
            "BROKEN at commit {} (stream sequence {}): {}",
            at.commit_number, at.sequence, at.reason
        ),
    };
    if args.json {
        crate::output::print_json(&json!({
            "aggregate_type": aggregate_type,
            "aggregate_id": aggregate_id,
            "hash_chain_intact": broken.is_none(),
            "hash_chain": chain,
            "commits": commits,
        }))?;
    } else {
        print_table(&aggregate_type, &aggregate_id, &commits)?;
        println!("hash chain: {chain}");
    }
    match broken {
        None => Ok(()),
        Some(_) => Err(Failure::Data(format!(
            "{aggregate_type}/{aggregate_id}: hash chain {chain}"
        ))),
    }
}

fn print_table(aggregate_type: &str, aggregate_id: &str, commits: &[Value]) -> std::io::Result<()> {
    println!("{aggregate_type}/{aggregate_id}: {} commits", commits.len());
    let mut table = Table::new(&[
        "VERSION",
        "SEQ",
        "OCCURRED (UTC)",
        "RECORDED (UTC)",
        "EVENT",
        "ACTOR",
        "ROLE",
        "ORGANISATION",
        "REQUEST",
    ]);
    let text = |value: &Value| value.as_str().unwrap_or("-").to_string();
    for commit in commits {
        for event in commit["events"].as_array().into_iter().flatten() {
            let event_type = text(&event["event_type"]);
            table.row(vec![
                event["aggregate_version"]
                    .to_string()
                    .trim_matches('"')
                    .to_string(),
                commit["stream_sequence"].to_string(),
                to_seconds(&text(&event["occurred_at"])),
                to_seconds(&text(&event["recorded_at"])),
                event_type
                    .rsplit('.')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                text(&event["actor"]["id"]),
                text(&event["actor"]["role"])
                    .trim_start_matches("ROLE_")
                    .to_lowercase(),
                text(&event["actor"]["organisation"]),
                text(&commit["request_id"]),
            ]);
        }
    }
    table.print()
}

/// `2023-03-01T08:00:00.123456789Z` as `2023-03-01T08:00:00Z`: enough for a person to read.
fn to_seconds(time: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(time)
        .map(|instant| instant.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| time.to_string())
}
