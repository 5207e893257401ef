//! `hlctl backup`: every stream of the deployment copied into one file, with a manifest of
//! sequence ranges and digests (see `backup_file`). The copies are the server's own stream
//! snapshots, so a restore gives back every message with its sequence and time.
//!
//! The file is written under a temporary name and renamed once whole: a backup that failed
//! never leaves a file that looks complete.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::backup_file::{
    FORMAT, MANIFEST, Manifest, StreamEntry, append_only, range, snapshot_path, survey,
};
use crate::connect::{NatsArgs, Streams};
use crate::failure::Failure;
use crate::jetstream_copy;

#[derive(Clone, Debug, clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub nats: NatsArgs,

    /// The file to write, e.g. putuo-2026-12-01.tar. An existing file is never overwritten.
    pub file: PathBuf,

    /// Print the manifest as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: &BackupArgs) -> Result<(), Failure> {
    if args.file.exists() {
        return Err(Failure::Conflict(format!(
            "{} exists already; a backup never overwrites a file",
            args.file.display()
        )));
    }
    let streams = args.nats.connect().await?;
    let names = streams.names().await?;
    if names.is_empty() {
        return Err(Failure::NotFound(format!(
            "no streams under namespace {:?} at {}",
            streams.namespace.root(),
            streams.url
        )));
    }
    let folder = match args.file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // The copies wait beside the file, on the same disk, until the archive is assembled.
    let staging = tempfile::tempdir_in(&folder).map_err(|error| {
        Failure::Unavailable(format!("cannot write in {}: {error}", folder.display()))
    })?;
    let mut entries = Vec::with_capacity(names.len());
    let mut first_break = None;
    for name in &names {
        let (entry, broken) = copy_stream(&streams, name, staging.path()).await?;
        first_break = first_break.or(broken);
        entries.push(entry);
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        namespace: streams.namespace.root().to_string(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        streams: entries,
    };
    write_archive(&args.file, &manifest, staging.path())?;

    if args.json {
        crate::output::print_json(&json!({ "file": args.file, "manifest": manifest }))?;
    } else {
        let messages: u64 = manifest.streams.iter().map(|entry| entry.messages).sum();
        println!(
            "{}: {} streams, {messages} messages, namespace {:?}",
            args.file.display(),
            manifest.streams.len(),
            manifest.namespace
        );
    }
    // The copy of a tampered history is kept, as evidence; the operator is told.
    match first_break {
        None => Ok(()),
        Some(broken) => Err(Failure::Data(format!(
            "the backup is written, but a history in it is broken: {broken}"
        ))),
    }
}

/// One stream's snapshot written into the staging folder, with its manifest entry; for an
/// append-only stream also its content digest and the first break in its history, if any.
async fn copy_stream(
    streams: &Streams,
    name: &str,
    staging: &Path,
) -> Result<(StreamEntry, Option<String>), Failure> {
    let client = streams.jetstream.client();
    let path = staging.join(format!("{name}.snapshot"));
    let mut file = File::create(&path).map_err(cannot_write)?;
    let mut hasher = Sha256::new();
    let mut bytes = 0_u64;
    let copy = jetstream_copy::snapshot(&client, name, |chunk| {
        hasher.update(chunk);
        bytes += chunk.len() as u64;
        file.write_all(chunk)
    })
    .await?;
    file.sync_all().map_err(cannot_write)?;
    let (first, last, messages) = range(&copy.state);
    let survey = if append_only(&copy.config) {
        let stream = streams
            .jetstream
            .get_stream(name)
            .await
            .map_err(|error| Failure::Unavailable(format!("stream {name}: {error}")))?;
        Some(survey(&stream, (first, last, messages)).await?)
    } else {
        None
    };
    let broken = survey
        .as_ref()
        .and_then(|survey| survey.walk.first_break())
        .map(|broken| {
            format!(
                "{name}: BROKEN at stream sequence {} ({}): {}",
                broken.sequence, broken.subject, broken.reason
            )
        });
    eprintln!("{name}: {messages} messages, sequences {first} to {last}, {bytes} bytes");
    let entry = StreamEntry {
        name: name.to_string(),
        first_sequence: first,
        last_sequence: last,
        messages,
        snapshot_bytes: bytes,
        snapshot_sha256: hex::encode(hasher.finalize()),
        content_sha256: survey.as_ref().map(|survey| survey.content_sha256.clone()),
        commits: survey.as_ref().map(|survey| survey.walk.commits()),
        aggregates: survey
            .as_ref()
            .map(|survey| survey.walk.aggregates() as u64),
        config: copy.config,
        state: copy.state,
    };
    Ok((entry, broken))
}

/// Assembles the archive under a temporary name, flushes it to disk, and renames it.
fn write_archive(file: &Path, manifest: &Manifest, staging: &Path) -> Result<(), Failure> {
    let partial = file.with_extension("partial");
    let mut archive = tar::Builder::new(File::create(&partial).map_err(cannot_write)?);
    let manifest_bytes = serde_json::to_vec_pretty(manifest)
        .map_err(|error| Failure::Unavailable(format!("cannot write the manifest: {error}")))?;
    let mut header = tar::Header::new_gnu();
    header.set_size(manifest_bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(chrono::Utc::now().timestamp().max(0) as u64);
    archive
        .append_data(&mut header, MANIFEST, manifest_bytes.as_slice())
        .map_err(cannot_write)?;
    for entry in &manifest.streams {
        archive
            .append_path_with_name(
                staging.join(format!("{}.snapshot", entry.name)),
                snapshot_path(&entry.name),
            )
            .map_err(cannot_write)?;
    }
    let written = archive.into_inner().map_err(cannot_write)?;
    written.sync_all().map_err(cannot_write)?;
    std::fs::rename(&partial, file).map_err(cannot_write)
}

fn cannot_write(error: std::io::Error) -> Failure {
    Failure::Unavailable(format!("cannot write the backup: {error}"))
}
