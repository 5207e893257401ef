//! `hlctl verify`: a whole context stream checked, commit by commit, by the projector's own rule:
//! every commit decodes, names the digest of its aggregate's commit before it, and numbers its
//! events on from that commit's last version. The first break is reported with its subject and
//! stream sequence.
//!
//! The stream alone cannot show an aggregate's last commits removed together, as the commits
//! left still chain. With the read-model database (`--database-url`), each aggregate's anchor is
//! checked too: the last commit the projector applied of it, kept outside the event store. An
//! anchor whose commit the stream no longer holds is a removed tail. With the event archive
//! (`--archive`), every event is compared with its archived copy (see `archive_check`).

use std::collections::HashMap;

use hl_projections::chain::Head;
use serde_json::json;

use crate::archive_check::ArchiveComparison;
use crate::chain::{Walk, is_commit_subject};
use crate::connect::{NatsArgs, open_database};
use crate::failure::Failure;
use crate::projections::active_generation;
use crate::reading::Reader;

#[derive(Clone, Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub nats: NatsArgs,

    /// The context whose stream is checked: hazards, responsibility, enforcement, plans.
    pub context: String,

    /// The read-model database (the projections service's DATABASE_URL). When given, every
    /// aggregate's last commit the projections applied must still be in the stream.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// The event archive's database (the projections' HL_ARCHIVE_URL). When given, every
    /// event must be in both the stream and the archive, alike; one in only one of them is
    /// reported.
    #[arg(long = "archive", env = "HL_ARCHIVE_URL", value_name = "URL")]
    pub archive_url: Option<String>,

    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// What breaks the stream's history first.
struct Finding {
    sequence: u64,
    subject: String,
    reason: String,
}

pub async fn run(args: &VerifyArgs) -> Result<(), Failure> {
    let streams = args.nats.connect().await?;
    let mut stream = streams.context_stream(&args.context).await?;
    let stream_name = streams.namespace.stream_name(&args.context);
    let mut anchors = match &args.database_url {
        Some(url) => Some(read_anchors(url, &stream_name).await?),
        None => None,
    };
    let mut archive = match &args.archive_url {
        Some(url) => Some(ArchiveComparison::open(open_database(url).await?, &stream_name).await?),
        None => None,
    };
    // Anchors left here at the end are commits the stream no longer holds.
    let anchors_checked = anchors.as_ref().map(HashMap::len);
    let mut reader = Reader::open(&stream, None, 1).await?;
    let mut walk = Walk::default();
    while !reader.caught_up() {
        let record = reader.next().await?;
        if let Some(archive) = &mut archive {
            archive.check(&record).await?;
        }
        if !is_commit_subject(&record.subject) {
            continue;
        }
        walk.check(&record);
        // Matched by digest and version, not sequence: a restore may renumber what it keeps.
        if let (Some(anchors), Some(head)) = (&mut anchors, walk.head(&record.subject))
            && anchors.get(&record.subject).is_some_and(|anchor| {
                anchor.digest == head.digest && anchor.version == head.version
            })
        {
            anchors.remove(&record.subject);
        }
    }
    let removed_tail = anchors.as_ref().and_then(first_missing);
    if let Some(archive) = &mut archive {
        let head = stream
            .info()
            .await
            .map_err(|error| Failure::Unavailable(format!("stream {stream_name}: {error}")))?
            .state
            .last_sequence;
        archive.finish(head).await?;
    }
    let archive_difference = archive
        .as_ref()
        .and_then(ArchiveComparison::first_difference)
        .map(|at| Finding {
            sequence: at.sequence,
            subject: at.subject.clone(),
            reason: at.reason.clone(),
        });
    let finding = walk
        .first_break()
        .map(|at| Finding {
            sequence: at.sequence,
            subject: at.subject.clone(),
            reason: at.reason.clone(),
        })
        .or(removed_tail)
        .or(archive_difference);

    let verdict = verdict(finding.as_ref(), &walk, anchors_checked, archive.as_ref());
    if args.json {
        crate::output::print_json(&json!({
            "stream": stream_name,
            "commits": walk.commits(),
            "aggregates": walk.aggregates(),
            "anchors_checked": anchors_checked,
            "archive": archive.as_ref().map(ArchiveComparison::to_json),
            "intact": finding.is_none(),
            "first_break": finding.as_ref().map(|at| json!({
                "stream_sequence": at.sequence,
                "subject": at.subject,
                "reason": at.reason,
            })),
        }))?;
    } else {
        println!("{stream_name}: {verdict}");
    }
    match finding {
        None => Ok(()),
        Some(_) => Err(Failure::Data(format!("{stream_name}: {verdict}"))),
    }
}

/// The one line the operator reads: intact with what was checked, or where it first broke.
fn verdict(
    finding: Option<&Finding>,
    walk: &Walk,
    anchors_checked: Option<usize>,
    archive: Option<&ArchiveComparison>,
) -> String {
    match finding {
        None => format!(
            "intact: {} commits of {} aggregates{}{}",
            walk.commits(),
            walk.aggregates(),
            anchors_checked.map_or(String::new(), |checked| format!(
                "; {checked} read-model anchors held"
            )),
            archive.map_or(String::new(), |archive| format!("; {}", archive.summary()))
        ),
        Some(at) => format!(
            "BROKEN at stream sequence {} ({}): {}",
            at.sequence, at.subject, at.reason
        ),
    }
}

/// Each aggregate's last commit the active read models applied, by subject.
async fn read_anchors(
    database_url: &str,
    stream_name: &str,
) -> Result<HashMap<String, Head>, Failure> {
    let database = open_database(database_url).await?;
    let (generation, _) = active_generation(&database, database_url).await?;
    hl_projections::schema::read_heads(&database, generation, stream_name)
        .await
        .map_err(|error| {
            Failure::NotFound(format!(
                "{} holds no aggregate anchors ({error})",
                hl_readmodel::redact(database_url)
            ))
        })
}

/// The anchor with the lowest stream sequence among those whose commit the stream lacks.
fn first_missing(missing: &HashMap<String, Head>) -> Option<Finding> {
    missing
        .iter()
        .min_by_key(|(subject, head)| (head.sequence, subject.as_str()))
        .map(|(subject, head)| Finding {
            sequence: head.sequence,
            subject: subject.clone(),
            reason: format!(
                "the read models applied this aggregate's commit at stream sequence {} \
                 (version {}), which the stream no longer holds: commits removed, or the stream \
                 restored from an older copy",
                head.sequence, head.version
            ),
        })
}
