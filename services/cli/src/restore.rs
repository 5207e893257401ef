//! `hlctl restore`: a backup loaded into a deployment that has none of its streams, then
//! checked against its manifest.
//!
//! Nothing is created unless the whole file is sound: every copy's size and SHA-256 are checked
//! against the manifest first, and every stream the backup holds must be absent. After loading,
//! each stream's range must be the manifest's, each event stream must reproduce its content
//! digest, and every aggregate's hash chain must hold. The read models are then rebuilt from the
//! restored streams (`hlctl projections rebuild`, or the projections starting on an empty
//! database).

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::backup_file::{
    FORMAT, MANIFEST, Manifest, StreamEntry, append_only, range, snapshot_path, survey,
};
use crate::connect::{NatsArgs, Streams};
use crate::failure::Failure;
use crate::jetstream_copy::{self, StreamCopy};

#[derive(Clone, Debug, clap::Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub nats: NatsArgs,

    /// The backup file `hlctl backup` wrote.
    pub file: PathBuf,

    /// Replicas of every restored stream, e.g. 3 for a backup of one server restored into a
    /// three-node cluster. By default each stream keeps the replicas it had.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=5))]
    pub replicas: Option<u32>,

    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: &RestoreArgs) -> Result<(), Failure> {
    let manifest = read_manifest(&args.file)?;
    if manifest.namespace != args.nats.namespace {
        return Err(Failure::Usage(format!(
            "{} holds namespace {:?}; restore it with HL_NAMESPACE={} (or --namespace)",
            args.file.display(),
            manifest.namespace,
            manifest.namespace
        )));
    }
    check_copies(&args.file, &manifest)?;
    let streams = args.nats.connect().await?;
    refuse_clashes(&streams, &manifest).await?;

    let client = streams.jetstream.client();
    let mut archive = open(&args.file)?;
    let mut entries = archive.entries().map_err(damaged)?;
    entries.next(); // The manifest, read already.
    let by_name: HashMap<&str, &StreamEntry> = manifest
        .streams
        .iter()
        .map(|entry| (entry.name.as_str(), entry))
        .collect();
    for item in entries {
        let copy_bytes = item.map_err(damaged)?;
        let name = stream_of(&copy_bytes)?;
        let entry = by_name.get(name.as_str()).ok_or_else(|| {
            Failure::Data(format!(
                "{name} is not in the manifest; was the file changed?"
            ))
        })?;
        let mut config = entry.config.clone();
        if let Some(replicas) = args.replicas {
            config["num_replicas"] = json!(replicas);
        }
        let copy = StreamCopy {
            config,
            state: entry.state.clone(),
        };
        let state = jetstream_copy::restore(&client, &copy, copy_bytes).await?;
        let restored = range(&state);
        let wanted = (entry.first_sequence, entry.last_sequence, entry.messages);
        // An empty stream's first sequence is the next one it will give, or 0 before any.
        let same_first = restored.0 == wanted.0 || wanted.2 == 0;
        if !same_first || (restored.1, restored.2) != (wanted.1, wanted.2) {
            return Err(Failure::Data(format!(
                "{name}: restored with (first, last, messages) {restored:?}, the backup holds \
                 {wanted:?}"
            )));
        }
        eprintln!(
            "{name}: {} messages restored, sequences {} to {}",
            entry.messages, entry.first_sequence, entry.last_sequence
        );
    }

    let mut checked = Vec::new();
    for entry in manifest
        .streams
        .iter()
        .filter(|entry| append_only(&entry.config))
    {
        checked.push(check_restored(&streams.jetstream, entry).await?);
    }
    if args.json {
        crate::output::print_json(&json!({
            "file": args.file,
            "namespace": manifest.namespace,
            "streams": manifest.streams.iter().map(|entry| json!({
                "stream": entry.name,
                "messages": entry.messages,
                "first_sequence": entry.first_sequence,
                "last_sequence": entry.last_sequence,
            })).collect::<Vec<Value>>(),
            "event_streams_checked": checked,
        }))?;
    } else {
        println!(
            "restored {} streams from {} into {}; every event stream matches its manifest and \
             its hash chains hold. Rebuild the read models: start the projections on an empty \
             database, or run `hlctl projections rebuild`.",
            manifest.streams.len(),
            args.file.display(),
            streams.url
        );
    }
    Ok(())
}

/// A restore loads only into a deployment that has none of the backup's streams: it never
/// mixes a backup's history with another.
async fn refuse_clashes(streams: &Streams, manifest: &Manifest) -> Result<(), Failure> {
    let present = streams.names().await?;
    let clashes: Vec<&str> = manifest
        .streams
        .iter()
        .map(|entry| entry.name.as_str())
        .filter(|name| present.iter().any(|existing| existing == name))
        .collect();
    if !clashes.is_empty() {
        return Err(Failure::Conflict(format!(
            "{} already has {}; a restore loads only into a deployment without them \
             (nothing was changed)",
            streams.url,
            clashes.join(", ")
        )));
    }
    Ok(())
}

/// A restored event stream read through: its contents must be the backup's, its chains whole.
async fn check_restored(
    jetstream: &async_nats::jetstream::Context,
    entry: &StreamEntry,
) -> Result<Value, Failure> {
    let stream = jetstream
        .get_stream(&entry.name)
        .await
        .map_err(|error| Failure::Unavailable(format!("stream {}: {error}", entry.name)))?;
    let survey = survey(
        &stream,
        (entry.first_sequence, entry.last_sequence, entry.messages),
    )
    .await?;
    if entry.content_sha256.as_deref() != Some(survey.content_sha256.as_str()) {
        return Err(Failure::Data(format!(
            "{}: the restored messages differ from the backed-up ones (content digest {} \
             against the manifest's {})",
            entry.name,
            survey.content_sha256,
            entry.content_sha256.as_deref().unwrap_or("none")
        )));
    }
    if let Some(broken) = survey.walk.first_break() {
        return Err(Failure::Data(format!(
            "{}: restored, but its history is BROKEN at stream sequence {} ({}): {}",
            entry.name, broken.sequence, broken.subject, broken.reason
        )));
    }
    Ok(json!({
        "stream": entry.name,
        "commits": survey.walk.commits(),
        "aggregates": survey.walk.aggregates(),
        "content_sha256": survey.content_sha256,
    }))
}

fn open(file: &Path) -> Result<tar::Archive<File>, Failure> {
    let opened = File::open(file)
        .map_err(|error| Failure::NotFound(format!("cannot open {}: {error}", file.display())))?;
    Ok(tar::Archive::new(opened))
}

/// The manifest, which must be the archive's first entry and of this tool's format.
fn read_manifest(file: &Path) -> Result<Manifest, Failure> {
    let mut archive = open(file)?;
    let mut entries = archive.entries().map_err(damaged)?;
    let mut first = entries
        .next()
        .ok_or_else(|| Failure::Data(format!("{} is empty", file.display())))?
        .map_err(damaged)?;
    if first.path().map_err(damaged)?.as_os_str() != MANIFEST {
        return Err(Failure::Data(format!(
            "{} is not a backup: its first entry is not {MANIFEST}",
            file.display()
        )));
    }
    let mut text = String::new();
    first.read_to_string(&mut text).map_err(damaged)?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|error| Failure::Data(format!("{MANIFEST} cannot be read: {error}")))?;
    if manifest.format != FORMAT {
        return Err(Failure::Data(format!(
            "{} is in format {:?}; this hlctl reads {FORMAT:?}",
            file.display(),
            manifest.format
        )));
    }
    for entry in &manifest.streams {
        if !hl_eventstore::is_valid_token(&entry.name) || entry.config["name"] != entry.name {
            return Err(Failure::Data(format!(
                "{MANIFEST} names a stream {:?} that cannot be restored",
                entry.name
            )));
        }
    }
    Ok(manifest)
}

/// Every copy in the file, hashed against the manifest: one per stream, whole and unaltered.
fn check_copies(file: &Path, manifest: &Manifest) -> Result<(), Failure> {
    let mut archive = open(file)?;
    let mut entries = archive.entries().map_err(damaged)?;
    entries.next();
    let mut unseen: HashMap<&str, &StreamEntry> = manifest
        .streams
        .iter()
        .map(|entry| (entry.name.as_str(), entry))
        .collect();
    for item in entries {
        let mut copy = item.map_err(damaged)?;
        let name = stream_of(&copy)?;
        let entry = unseen.remove(name.as_str()).ok_or_else(|| {
            Failure::Data(format!(
                "the file holds a copy of {name} twice, or one its manifest does not list"
            ))
        })?;
        let mut hasher = Sha256::new();
        let bytes = std::io::copy(&mut copy, &mut hasher).map_err(damaged)?;
        let digest = hex::encode(hasher.finalize());
        if bytes != entry.snapshot_bytes || digest != entry.snapshot_sha256 {
            return Err(Failure::Data(format!(
                "the copy of {name} is damaged or altered: {bytes} bytes with SHA-256 {digest}, \
                 the manifest says {} bytes with {} (nothing was restored)",
                entry.snapshot_bytes, entry.snapshot_sha256
            )));
        }
    }
    if let Some(missing) = unseen.keys().min() {
        return Err(Failure::Data(format!(
            "the file lacks the copy of {missing} its manifest lists (nothing was restored)"
        )));
    }
    Ok(())
}

/// The stream an archive entry is the copy of, from its path `streams/<STREAM>.snapshot`.
fn stream_of(entry: &tar::Entry<'_, File>) -> Result<String, Failure> {
    let path = entry.path().map_err(damaged)?;
    let text = path.to_string_lossy();
    text.strip_prefix("streams/")
        .and_then(|rest| rest.strip_suffix(".snapshot"))
        .filter(|name| snapshot_path(name) == text)
        .map(str::to_string)
        .ok_or_else(|| Failure::Data(format!("the file holds an unexpected entry {text}")))
}

fn damaged(error: std::io::Error) -> Failure {
    Failure::Data(format!("the backup cannot be read: {error}"))
}
