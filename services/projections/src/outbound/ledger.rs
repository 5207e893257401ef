//! The delivery ledger: every batch as it was made (its exact payload, so a resend is the same
//! bytes), each attempt to send it and the receiver's acknowledgement, and for every record the
//! version the receiver was last given. Its tables are not a generation's: a rebuild of the read
//! models does not make the feed send everything again.
//!
//! A batch is recorded, with its records' new versions, in one transaction before it is sent.
//! A crash or a refused delivery leaves it unacknowledged, and the next round sends that same
//! batch (same number, same payload) before making any new one, so no record is ever put into
//! two batches. Two exporters over one database cannot both record a batch from the same view:
//! the batch number is the table's key and each record's version is updated only from the
//! version it was read at.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hl_readmodel::Database;
use sqlx::{Executor, Row};

const TABLES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS outbound_batches (
        feed TEXT NOT NULL,
        batch BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        records BIGINT NOT NULL,
        payload TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        attempts BIGINT NOT NULL,
        last_attempt_at BIGINT,
        last_error TEXT,
        acknowledged_at BIGINT,
        acknowledgement TEXT,
        PRIMARY KEY (feed, batch)
    )",
    "CREATE TABLE IF NOT EXISTS outbound_records (
        feed TEXT NOT NULL,
        record_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        source_version BIGINT NOT NULL,
        company_code TEXT NOT NULL,
        deleted BIGINT NOT NULL,
        update_date TEXT NOT NULL,
        batch BIGINT NOT NULL,
        PRIMARY KEY (feed, record_id)
    )",
];

/// Creates the ledger's tables.
pub async fn migrate(database: &Database) -> Result<(), sqlx::Error> {
    for statement in TABLES {
        database.pool().execute(*statement).await?;
    }
    Ok(())
}

/// One version of a record: what the ledger keeps of it (the record itself is in its batch).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub record_id: String,
    /// The hazard the record is made from.
    pub source_id: String,
    /// The hazard's version the record was made from.
    pub source_version: u64,
    pub company_code: String,
    pub deleted: bool,
    pub update_date: String,
}

/// What the receiver was last given of one record, and the batch that carried it.
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    pub entry: Entry,
    pub batch: i64,
}

/// A batch as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub feed: String,
    pub number: i64,
    pub records: usize,
    pub payload: String,
    pub sha256: String,
}

/// Why a batch could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("the delivery ledger failed: {0}")]
    Database(#[from] sqlx::Error),
    /// Another exporter recorded a batch or a record first, or a batch still waits for its
    /// acknowledgement: this view is stale.
    #[error("the delivery ledger moved on: {0}")]
    Overtaken(String),
}

/// Every record the receiver was given, by record id.
pub async fn sent(database: &Database, feed: &str) -> Result<HashMap<String, Sent>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT record_id, source_id, source_version, company_code, deleted, update_date, batch
         FROM outbound_records WHERE feed = $1",
    )
    .bind(feed.to_string())
    .fetch_all(database.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let sent = Sent {
                entry: Entry {
                    record_id: row.try_get("record_id")?,
                    source_id: row.try_get("source_id")?,
                    source_version: row.try_get::<i64, _>("source_version")? as u64,
                    company_code: row.try_get("company_code")?,
                    deleted: row.try_get::<i64, _>("deleted")? != 0,
                    update_date: row.try_get("update_date")?,
                },
                batch: row.try_get("batch")?,
            };
            Ok((sent.entry.record_id.clone(), sent))
        })
        .collect()
}

/// The batches not acknowledged yet, oldest first.
pub async fn unacknowledged(database: &Database, feed: &str) -> Result<Vec<Batch>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT batch, records, payload, sha256 FROM outbound_batches
         WHERE feed = $1 AND acknowledged_at IS NULL ORDER BY batch",
    )
    .bind(feed.to_string())
    .fetch_all(database.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Batch {
                feed: feed.to_string(),
                number: row.try_get("batch")?,
                records: row.try_get::<i64, _>("records")? as usize,
                payload: row.try_get("payload")?,
                sha256: row.try_get("sha256")?,
            })
        })
        .collect()
}

/// Records a new batch and its records' versions in one transaction. `seen` is what the ledger
/// held of each record when the batch was made; a record that moved since fails the batch.
pub async fn record_batch(
    database: &Database,
    feed: &str,
    entries: &[Entry],
    seen: &HashMap<String, Sent>,
    payload_of: impl FnOnce(i64) -> String,
    now: DateTime<Utc>,
) -> Result<Batch, RecordError> {
    let mut transaction = database.pool().begin().await?;
    // A batch waiting for its acknowledgement goes first: a newer version of a record must
    // never overtake an older one at the receiver.
    let waiting: i64 = sqlx::query(
        "SELECT COUNT(*) AS waiting FROM outbound_batches WHERE feed = $1 AND acknowledged_at IS NULL",
    )
    .bind(feed.to_string())
    .fetch_one(&mut *transaction)
    .await?
    .try_get("waiting")?;
    if waiting > 0 {
        return Err(RecordError::Overtaken(format!(
            "{waiting} unacknowledged batch(es)"
        )));
    }
    let last: Option<i64> =
        sqlx::query("SELECT MAX(batch) AS last FROM outbound_batches WHERE feed = $1")
            .bind(feed.to_string())
            .fetch_one(&mut *transaction)
            .await?
            .try_get("last")?;
    let number = last.unwrap_or(0) + 1;
    let payload = payload_of(number);
    let sha256 = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(payload.as_bytes()))
    };
    let inserted = sqlx::query(
        "INSERT INTO outbound_batches (feed, batch, created_at, records, payload, sha256, attempts)
         VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT DO NOTHING",
    )
    .bind(feed.to_string())
    .bind(number)
    .bind(now.timestamp_millis())
    .bind(entries.len() as i64)
    .bind(payload.clone())
    .bind(sha256.clone())
    .execute(&mut *transaction)
    .await?;
    if inserted.rows_affected() != 1 {
        return Err(RecordError::Overtaken(format!("batch {number}")));
    }
    for entry in entries {
        // Both statements take the entry as $1-$8; the update also the batch it was seen in.
        let before = seen.get(&entry.record_id);
        let statement = if before.is_some() {
            "UPDATE outbound_records SET source_id = $3, source_version = $4, company_code = $5,
                 deleted = $6, update_date = $7, batch = $8
             WHERE feed = $1 AND record_id = $2 AND batch = $9"
        } else {
            "INSERT INTO outbound_records
                 (feed, record_id, source_id, source_version, company_code, deleted, update_date, batch)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING"
        };
        let query = sqlx::query(statement)
            .bind(feed.to_string())
            .bind(entry.record_id.clone())
            .bind(entry.source_id.clone())
            .bind(entry.source_version as i64)
            .bind(entry.company_code.clone())
            .bind(i64::from(entry.deleted))
            .bind(entry.update_date.clone())
            .bind(number);
        let query = match before {
            Some(before) => query.bind(before.batch),
            None => query,
        };
        let changed = query.execute(&mut *transaction).await?.rows_affected();
        if changed != 1 {
            return Err(RecordError::Overtaken(format!(
                "record {}",
                entry.record_id
            )));
        }
    }
    transaction.commit().await?;
    Ok(Batch {
        feed: feed.to_string(),
        number,
        records: entries.len(),
        payload,
        sha256,
    })
}

/// Notes an attempt to send a batch, and why it failed if it did.
pub async fn attempted(
    database: &Database,
    batch: &Batch,
    now: DateTime<Utc>,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbound_batches SET attempts = attempts + 1, last_attempt_at = $3, last_error = $4
         WHERE feed = $1 AND batch = $2",
    )
    .bind(batch.feed.clone())
    .bind(batch.number)
    .bind(now.timestamp_millis())
    .bind(error.map(str::to_string))
    .execute(database.pool())
    .await?;
    Ok(())
}

/// Records the receiver's acknowledgement of a batch.
pub async fn acknowledged(
    database: &Database,
    batch: &Batch,
    now: DateTime<Utc>,
    acknowledgement: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbound_batches SET acknowledged_at = $3, acknowledgement = $4
         WHERE feed = $1 AND batch = $2",
    )
    .bind(batch.feed.clone())
    .bind(batch.number)
    .bind(now.timestamp_millis())
    .bind(acknowledgement.to_string())
    .execute(database.pool())
    .await?;
    Ok(())
}

/// The ledger's totals for a feed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals {
    pub batches: i64,
    pub unacknowledged: i64,
    pub records: i64,
    pub last_acknowledged_at: Option<i64>,
}

pub async fn totals(database: &Database, feed: &str) -> Result<Totals, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS batches,
                COALESCE(SUM(CASE WHEN acknowledged_at IS NULL THEN 1 ELSE 0 END), 0) AS unacknowledged,
                MAX(acknowledged_at) AS last_acknowledged_at
         FROM outbound_batches WHERE feed = $1",
    )
    .bind(feed.to_string())
    .fetch_one(database.pool())
    .await?;
    let records: i64 =
        sqlx::query("SELECT COUNT(*) AS records FROM outbound_records WHERE feed = $1")
            .bind(feed.to_string())
            .fetch_one(database.pool())
            .await?
            .try_get("records")?;
    Ok(Totals {
        batches: row.try_get("batches")?,
        unacknowledged: row.try_get("unacknowledged")?,
        records,
        last_acknowledged_at: row.try_get("last_acknowledged_at")?,
    })
}

/// When the receiver acknowledged the batch that carries each record's current version.
pub async fn delivered_at(
    database: &Database,
    feed: &str,
) -> Result<HashMap<String, DateTime<Utc>>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT records.record_id, batches.acknowledged_at
         FROM outbound_records records
         JOIN outbound_batches batches ON batches.feed = records.feed AND batches.batch = records.batch
         WHERE records.feed = $1 AND batches.acknowledged_at IS NOT NULL",
    )
    .bind(feed.to_string())
    .fetch_all(database.pool())
    .await?;
    let mut delivered = HashMap::new();
    for row in &rows {
        let at: i64 = row.try_get("acknowledged_at")?;
        if let Some(at) = DateTime::from_timestamp_millis(at) {
            delivered.insert(row.try_get("record_id")?, at);
        }
    }
    Ok(delivered)
}
