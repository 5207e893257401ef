//! `hlctl province`, run against the province's NATS: make each context's provincial stream
//! source every district in the districts file (`source`), and audit what arrived from each
//! (`audit`): how far the province got, how far the district is, and every district stalled,
//! silent or arrived with holes, each with what to do.

use std::path::PathBuf;
use std::time::Duration;

use hl_eventstore::EventStore;
use hl_federation::{AuditRules, Auditor, District, SourceCompleteness, parse_districts};
use hl_runtime::config::StreamSettingsArgs;
use serde_json::json;

use crate::connect::NatsArgs;
use crate::failure::Failure;
use crate::output::{Table, print_json};

/// The province's NATS and the districts it follows.
#[derive(Debug, clap::Args)]
pub struct ProvinceArgs {
    #[command(flatten)]
    pub nats: NatsArgs,
    /// The districts file: a JSON array of {"region", "name", "domain", "quiet_hours",
    /// "monitor_url"} (deploy/province/districts.json is an example).
    #[arg(long, env = "HL_PROVINCE_DISTRICTS")]
    pub districts: PathBuf,
    /// The provincial streams' guarantees, as the province's services are configured: a
    /// stream made or checked with other settings is refused.
    #[command(flatten)]
    pub streams: StreamSettingsArgs,
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub province: ProvinceArgs,
    /// Seconds a message may wait at a district before the province counts as stalled.
    #[arg(long, default_value_t = 300)]
    pub stall_after_seconds: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Applies the sources: each provincial stream sources exactly the districts in the file.
/// Prints the sources added and dropped.
pub async fn source(args: &ProvinceArgs) -> Result<(), Failure> {
    let (store, districts) = reach(args).await?;
    let contexts = hl_projections::registry().contexts();
    let changes = hl_federation::sourcing::source_districts(&store, &contexts, &districts)
        .await
        .map_err(|error| Failure::Unavailable(error.to_string()))?;
    if changes.added.is_empty() && changes.dropped.is_empty() {
        println!(
            "every provincial stream sources all {} district(s) already",
            districts.len()
        );
    }
    for source in changes.added {
        println!("added source {source}");
    }
    for source in changes.dropped {
        println!("dropped source {source} (a district no longer in the file; what it sent stays)");
    }
    Ok(())
}

/// One audit round over every district and context. Exits 65 when anything is flagged.
pub async fn audit(args: &AuditArgs) -> Result<(), Failure> {
    let (store, districts) = reach(&args.province).await?;
    let rules = AuditRules {
        stall_after: Duration::from_secs(args.stall_after_seconds),
    };
    let contexts = hl_projections::registry().contexts();
    let auditor = Auditor::start(store, districts, &contexts, rules)
        .await
        .map_err(|error| Failure::Unavailable(error.to_string()))?;
    let found = auditor
        .audit()
        .await
        .map_err(|error| Failure::Unavailable(error.to_string()))?;
    if args.json {
        print_json(&json!({ "sources": found.iter().map(as_json).collect::<Vec<_>>() }))?;
    } else {
        print_table(&found)?;
    }
    let flags: usize = found.iter().map(|entry| entry.flags.len()).sum();
    if flags > 0 {
        return Err(Failure::Data(format!(
            "{flags} flag(s) over {} district stream(s); each says what to do",
            found.len()
        )));
    }
    Ok(())
}

async fn reach(args: &ProvinceArgs) -> Result<(EventStore, Vec<District>), Failure> {
    let text = std::fs::read_to_string(&args.districts).map_err(|error| {
        Failure::NotFound(format!(
            "districts file {}: {error}",
            args.districts.display()
        ))
    })?;
    let districts = parse_districts(&text).map_err(Failure::Usage)?;
    let problems = args.streams.problems();
    if !problems.is_empty() {
        return Err(Failure::Usage(problems.join("; ")));
    }
    let streams = args.nats.connect().await?;
    let store = EventStore::new(
        streams.jetstream.client(),
        streams.namespace.clone(),
        args.streams.store_settings(),
    );
    Ok((store, districts))
}

fn as_json(entry: &SourceCompleteness) -> serde_json::Value {
    json!({
        "region": entry.region,
        "district": entry.district_name,
        "context": entry.context,
        "arrived": entry.arrived,
        "province_sequence": entry.province_sequence,
        "district_sequence": entry.district_sequence,
        "lag_events": entry.lag_events,
        "lag_seconds": entry.lag.map(|lag| lag.as_secs()),
        "seconds_since_last_event": entry.since_last_event.map(|since| since.as_secs()),
        "flags": entry.flags.iter().map(|flag| json!({
            "kind": flag.kind.as_str(),
            "detail": flag.detail,
            "action": flag.action,
        })).collect::<Vec<_>>(),
    })
}

fn print_table(found: &[SourceCompleteness]) -> std::io::Result<()> {
    let mut table = Table::new(&[
        "DISTRICT",
        "REGION",
        "CONTEXT",
        "ARRIVED",
        "PROVINCE SEQ",
        "DISTRICT SEQ",
        "LAG",
        "WAITED (S)",
        "QUIET (H)",
        "FLAGS",
    ]);
    let known = |value: Option<u64>| value.map_or("?".to_string(), |value| value.to_string());
    for entry in found {
        let flags: Vec<&str> = entry.flags.iter().map(|flag| flag.kind.as_str()).collect();
        table.row(vec![
            entry.district_name.clone(),
            entry.region.clone(),
            entry.context.clone(),
            entry.arrived.to_string(),
            entry.province_sequence.to_string(),
            known(entry.district_sequence),
            known(entry.lag_events),
            known(entry.lag.map(|lag| lag.as_secs())),
            known(entry.since_last_event.map(|since| since.as_secs() / 3600)),
            if flags.is_empty() {
                "-".to_string()
            } else {
                flags.join(",")
            },
        ]);
    }
    table.print()?;
    for entry in found {
        for flag in &entry.flags {
            println!(
                "\n[{}] {} {}: {}\n  what to do: {}",
                flag.kind.as_str(),
                entry.region,
                entry.context,
                flag.detail,
                flag.action
            );
        }
    }
    Ok(())
}
