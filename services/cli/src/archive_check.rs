//! `hlctl verify CONTEXT --archive URL`: the stream compared with the event archive, the
//! append-only copy the projections keep in a database of their own. Every event must be in
//! both, with the same subject and payload digest. An event in the archive and not in the
//! stream was removed from the stream (or the stream restored from an older copy); one in the
//! stream and not in the archive was removed from the archive. Events the archive has not
//! reached yet are counted, not reported: its consumer trails the stream.

use std::collections::VecDeque;

use hl_projections::archive::{TABLE, high_water};
use hl_readmodel::Database;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::decode::Record;
use crate::failure::Failure;

/// Rows read from the archive at a time.
const PAGE: i64 = 1000;

/// An event as the archive holds it.
struct ArchivedEvent {
    sequence: u64,
    subject: String,
    payload_sha256: String,
}

/// The first difference between stream and archive.
pub struct Difference {
    pub sequence: u64,
    pub subject: String,
    pub reason: String,
}

/// The comparison as the stream is walked, in sequence order.
pub struct ArchiveComparison {
    database: Database,
    stream: String,
    /// The archive's highest sequence when the check began: stream events after it are not
    /// archived yet, not missing.
    archived_at_start: u64,
    page: VecDeque<ArchivedEvent>,
    /// The last sequence read from the archive.
    read_up_to: u64,
    exhausted: bool,
    alike: u64,
    differences: u64,
    not_yet_archived: u64,
    first_difference: Option<Difference>,
}

impl ArchiveComparison {
    pub async fn open(database: Database, stream: &str) -> Result<ArchiveComparison, Failure> {
        let archived_at_start = high_water(&database, stream)
            .await
            .map_err(|error| archive_failed(&error))?;
        Ok(ArchiveComparison {
            database,
            stream: stream.to_string(),
            archived_at_start,
            page: VecDeque::new(),
            read_up_to: 0,
            exhausted: false,
            alike: 0,
            differences: 0,
            not_yet_archived: 0,
            first_difference: None,
        })
    }

    /// Compares the next event of the stream with the archive.
    pub async fn check(&mut self, record: &Record) -> Result<(), Failure> {
        // Archived events the stream skipped over are gone from the stream.
        while let Some(archived) = self.take_before(record.sequence).await? {
            self.differ(
                archived.sequence,
                archived.subject,
                "in the archive, not in the stream: removed from the stream",
            );
        }
        let digest = hex::encode(Sha256::digest(&record.payload));
        match self.page.front() {
            Some(archived) if archived.sequence == record.sequence => {
                let archived = self.page.pop_front().expect("the front exists");
                if archived.subject != record.subject || archived.payload_sha256 != digest {
                    self.differ(
                        record.sequence,
                        record.subject.clone(),
                        "the stream and the archive hold different events at this sequence",
                    );
                } else {
                    self.alike += 1;
                }
            }
            _ if record.sequence <= self.archived_at_start => self.differ(
                record.sequence,
                record.subject.clone(),
                "in the stream, not in the archive: removed from the archive",
            ),
            _ => self.not_yet_archived += 1,
        }
        Ok(())
    }

    /// After the walk: archived events beyond the stream's head are a removed tail.
    pub async fn finish(&mut self, stream_head: u64) -> Result<(), Failure> {
        let (first, count): (Option<i64>, i64) = sqlx::query_as(&format!(
            "SELECT MIN(sequence), COUNT(*) FROM {TABLE} WHERE stream = $1 AND sequence > $2"
        ))
        .bind(&self.stream)
        .bind(i64::try_from(stream_head).unwrap_or(i64::MAX))
        .fetch_one(self.database.pool())
        .await
        .map_err(|error| archive_failed(&error))?;
        if let Some(first) = first {
            self.differences += u64::try_from(count).unwrap_or(0).saturating_sub(1);
            self.differ(
                u64::try_from(first).unwrap_or(0),
                self.stream.clone(),
                &format!(
                    "the archive holds {count} events after the stream's last (sequence \
                     {stream_head}): the stream's tail was removed, or it was restored from an \
                     older copy"
                ),
            );
        }
        Ok(())
    }

    pub fn first_difference(&self) -> Option<&Difference> {
        self.first_difference.as_ref()
    }

    pub fn summary(&self) -> String {
        format!(
            "archive: {} events alike, {} differences, {} not yet archived",
            self.alike, self.differences, self.not_yet_archived
        )
    }

    pub fn to_json(&self) -> Value {
        json!({
            "alike": self.alike,
            "differences": self.differences,
            "not_yet_archived": self.not_yet_archived,
        })
    }

    fn differ(&mut self, sequence: u64, subject: String, reason: &str) {
        self.differences += 1;
        if self.first_difference.is_none() {
            self.first_difference = Some(Difference {
                sequence,
                subject,
                reason: reason.to_string(),
            });
        }
    }

    /// The next archived event if its sequence is below `sequence`, reading pages as needed.
    async fn take_before(&mut self, sequence: u64) -> Result<Option<ArchivedEvent>, Failure> {
        if self.page.is_empty() && !self.exhausted {
            self.read_page().await?;
        }
        Ok(match self.page.front() {
            Some(archived) if archived.sequence < sequence => self.page.pop_front(),
            _ => None,
        })
    }

    async fn read_page(&mut self) -> Result<(), Failure> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(&format!(
            "SELECT sequence, subject, payload_sha256 FROM {TABLE} \
             WHERE stream = $1 AND sequence > $2 AND sequence <= $3 ORDER BY sequence LIMIT {PAGE}"
        ))
        .bind(&self.stream)
        .bind(i64::try_from(self.read_up_to).unwrap_or(i64::MAX))
        .bind(i64::try_from(self.archived_at_start).unwrap_or(i64::MAX))
        .fetch_all(self.database.pool())
        .await
        .map_err(|error| archive_failed(&error))?;
        self.exhausted = rows.len() < PAGE as usize;
        for (sequence, subject, payload_sha256) in rows {
            let sequence = u64::try_from(sequence).unwrap_or(0);
            self.read_up_to = sequence;
            self.page.push_back(ArchivedEvent {
                sequence,
                subject,
                payload_sha256,
            });
        }
        Ok(())
    }
}

fn archive_failed(error: &sqlx::Error) -> Failure {
    Failure::Unavailable(format!("the event archive cannot be read: {error}"))
}
