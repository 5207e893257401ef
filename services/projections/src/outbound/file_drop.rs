//! The file-drop transport, the default while the national endpoint, its authentication and its
//! encryption are not public: each batch becomes one file in a folder that the bureau's
//! exchange system (前置机) picks up. A file appears whole or not at all (written aside, synced,
//! then renamed), and its name is the batch's, so a batch sent again replaces its own file with
//! the same bytes instead of adding a second one.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::ledger::Batch;

#[derive(Clone, Debug)]
pub struct FileDrop {
    folder: PathBuf,
}

impl FileDrop {
    pub fn new(folder: impl Into<PathBuf>) -> FileDrop {
        FileDrop {
            folder: folder.into(),
        }
    }

    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The file a batch goes into: `{object}-{batch:012}.json`, so the folder lists in order.
    pub fn file_name(object: &str, batch: i64) -> String {
        format!("{object}-{batch:012}.json")
    }

    /// Writes the batch's file and answers the acknowledgement the ledger keeps: the file's
    /// name, size and SHA-256.
    pub async fn deliver(&self, object: &str, batch: &Batch) -> std::io::Result<String> {
        let folder = self.folder.clone();
        let name = FileDrop::file_name(object, batch.number);
        let payload = batch.payload.clone();
        let sha256 = batch.sha256.clone();
        tokio::task::spawn_blocking(move || {
            write_whole(&folder, &name, payload.as_bytes())?;
            Ok(format!(
                "file {name}: {} bytes, sha256 {sha256}",
                payload.len()
            ))
        })
        .await
        .map_err(std::io::Error::other)?
    }
}

/// Writes `name` in `folder` so that a reader sees the whole file or none of it, and so that it
/// survives a crash once this returns.
fn write_whole(folder: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    // Each writer its own aside file: two exporters sending one batch never write into one.
    let aside = folder.join(format!(".{name}.{}.part", uuid::Uuid::new_v4()));
    {
        let mut file = std::fs::File::create(&aside)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&aside, folder.join(name))?;
    std::fs::File::open(folder)?.sync_all()
}
