//! `hlctl verify`: a whole context stream checked, commit by commit, as the event store checks
//! one aggregate when it loads it: every commit decodes, names the digest of its aggregate's
//! commit before it, and numbers its events on from that commit's last version. The first break
//! is reported with its subject and stream sequence.
//!
//! What this cannot see from the stream alone: an aggregate's last commits removed together, as
//! the commits left still chain. That needs an anchor kept outside the aggregate's subject.

use std::collections::HashMap;

use hl_eventstore::commit_digest;
use hl_proto::events::v1::Commit;
use prost::Message;
use serde_json::json;

use crate::connect::NatsArgs;
use crate::decode::Record;
use crate::failure::Failure;
use crate::reading::Reader;

#[derive(Clone, Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub nats: NatsArgs,

    /// The context whose stream is checked: hazards, responsibility, enforcement, plans.
    pub context: String,

    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Where an aggregate's history stands so far in the walk.
#[derive(Default)]
struct Head {
    digest: Vec<u8>,
    version: u64,
}

/// The first commit that does not follow its aggregate's history.
struct Break {
    sequence: u64,
    subject: String,
    reason: String,
}

pub async fn run(args: &VerifyArgs) -> Result<(), Failure> {
    let streams = args.nats.connect().await?;
    let stream = streams.context_stream(&args.context).await?;
    let stream_name = streams.namespace.stream_name(&args.context);
    let mut reader = Reader::open(&stream, None, 1).await?;
    let mut heads: HashMap<String, Head> = HashMap::new();
    let (mut commits, mut broken) = (0u64, None);
    while !reader.caught_up() {
        let record = reader.next().await?;
        // Only aggregate subjects ({root}.{region}.{context}.{type}.{id}) carry commits.
        if record.subject.split('.').count() != 5 {
            continue;
        }
        commits += 1;
        let head = heads.entry(record.subject.clone()).or_default();
        if broken.is_none()
            && let Err(reason) = follows(head, &record)
        {
            broken = Some(Break {
                sequence: record.sequence,
                subject: record.subject.clone(),
                reason,
            });
        }
        head.digest = commit_digest(&record.payload);
    }
    let verdict = match &broken {
        None => format!("intact: {commits} commits of {} aggregates", heads.len()),
        Some(at) => format!(
            "BROKEN at stream sequence {} ({}): {}",
            at.sequence, at.subject, at.reason
        ),
    };
    if args.json {
        crate::output::print_json(&json!({
            "stream": stream_name,
            "commits": commits,
            "aggregates": heads.len(),
            "intact": broken.is_none(),
            "first_break": broken.as_ref().map(|at| json!({
                "stream_sequence": at.sequence,
                "subject": at.subject,
                "reason": at.reason,
            })),
        }))?;
    } else {
        println!("{stream_name}: {verdict}");
    }
    match broken {
        None => Ok(()),
        Some(_) => Err(Failure::Data(format!("{stream_name}: {verdict}"))),
    }
}

/// Whether a commit follows its aggregate's history so far; the head moves on to it.
fn follows(head: &mut Head, record: &Record) -> Result<(), String> {
    let commit = Commit::decode(record.payload.as_ref())
        .map_err(|error| format!("not a commit: {error}"))?;
    if commit.previous_commit_sha256 != head.digest {
        return Err("it does not name the digest of its aggregate's commit before it".into());
    }
    for envelope in &commit.events {
        if envelope.aggregate_version != head.version + 1 {
            return Err(format!(
                "event version {} follows version {}",
                envelope.aggregate_version, head.version
            ));
        }
        head.version = envelope.aggregate_version;
    }
    Ok(())
}
