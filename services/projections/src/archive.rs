//! The event archive: an append-only copy of every message of the context streams in a
//! database of its own (PostgreSQL in production), written by its own consumer. It is the
//! witness outside NATS: `hlctl verify CONTEXT --archive URL` compares stream and archive and
//! reports any event in one and not the other, so a stream restored from an older copy, or a
//! message removed around the event store, is found even when the hash chains still hold.
//!
//! Rows are only ever inserted: triggers refuse updates and deletes. Each stream's copy resumes
//! after the highest sequence archived, so the table is its own checkpoint; a message copied
//! twice (after a crash between commit and acknowledgement) is the same row, and the second
//! copy is ignored.

use std::time::Duration;

use futures::{FutureExt, StreamExt};
use hl_eventstore::{EventStore, StoredMessage};
use hl_readmodel::{Database, Dialect};
use sha2::{Digest, Sha256};

/// The archive's table.
pub const TABLE: &str = "event_archive";

/// Most messages written in one transaction.
const BATCH: usize = 500;

/// Creates the table and its append-only triggers when missing.
pub async fn ensure_schema(database: &Database) -> Result<(), sqlx::Error> {
    let binary = match database.dialect() {
        Dialect::Sqlite => "BLOB",
        Dialect::Postgres => "BYTEA",
    };
    let mut statements = vec![format!(
        "CREATE TABLE IF NOT EXISTS {TABLE} (
            stream TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            subject TEXT NOT NULL,
            payload_sha256 TEXT NOT NULL,
            payload {binary} NOT NULL,
            archived_at TEXT NOT NULL,
            PRIMARY KEY (stream, sequence)
        )"
    )];
    match database.dialect() {
        Dialect::Sqlite => {
            for operation in ["UPDATE", "DELETE"] {
                statements.push(format!(
                    "CREATE TRIGGER IF NOT EXISTS {TABLE}_no_{operation} BEFORE {operation} ON \
                     {TABLE} BEGIN SELECT RAISE(ABORT, 'the event archive is append-only'); END"
                ));
            }
        }
        Dialect::Postgres => {
            statements.push(format!(
                "CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                 RAISE EXCEPTION 'the event archive is append-only'; END $$"
            ));
            statements.push(format!(
                "CREATE OR REPLACE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE OR \
                 TRUNCATE ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()"
            ));
        }
    }
    for statement in statements {
        sqlx::query(&statement).execute(database.pool()).await?;
    }
    Ok(())
}

/// The highest sequence of a stream in the archive, 0 when none.
pub async fn high_water(database: &Database, stream: &str) -> Result<u64, sqlx::Error> {
    let (highest,): (i64,) = sqlx::query_as(&format!(
        "SELECT COALESCE(MAX(sequence), 0) FROM {TABLE} WHERE stream = $1"
    ))
    .bind(stream)
    .fetch_one(database.pool())
    .await?;
    Ok(u64::try_from(highest).unwrap_or(0))
}

/// Starts copying each context's stream into the archive, for as long as the process runs.
pub fn spawn(database: Database, store: EventStore, contexts: Vec<&'static str>) {
    for context in contexts {
        let (database, store) = (database.clone(), store.clone());
        tokio::spawn(async move {
            loop {
                let reason = follow(&database, &store, context).await;
                tracing::warn!(context, %reason, "event archive paused; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

/// Copies one stream from after its highest archived sequence on; returns why it stopped.
async fn follow(database: &Database, store: &EventStore, context: &str) -> String {
    let stream = store.namespace().stream_name(context);
    let archived = match high_water(database, &stream).await {
        Ok(archived) => archived,
        Err(error) => return format!("the archive database failed: {error}"),
    };
    let mut messages = match store.read_stream(context, archived + 1).await {
        Ok(messages) => messages,
        Err(error) => return error.to_string(),
    };
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        // Wait for one message, then take what has arrived with it.
        match messages.next().await {
            Some(Ok(message)) => batch.push(message),
            Some(Err(error)) => return error.to_string(),
            None => return "the stream subscription ended".into(),
        }
        while batch.len() < BATCH {
            match messages.next().now_or_never() {
                Some(Some(Ok(message))) => batch.push(message),
                Some(Some(Err(error))) => return error.to_string(),
                _ => break,
            }
        }
        if let Err(error) = insert(database, &stream, &batch).await {
            return format!("the archive database failed: {error}");
        }
        batch.clear();
    }
}

async fn insert(
    database: &Database,
    stream: &str,
    messages: &[StoredMessage],
) -> Result<(), sqlx::Error> {
    let archived_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let statement = format!(
        "INSERT INTO {TABLE} (stream, sequence, subject, payload_sha256, payload, archived_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (stream, sequence) DO NOTHING"
    );
    let mut transaction = database.begin_write().await?;
    for message in messages {
        sqlx::query(&statement)
            .bind(stream)
            .bind(i64::try_from(message.sequence).unwrap_or(i64::MAX))
            .bind(&message.subject)
            .bind(hex::encode(Sha256::digest(&message.payload)))
            .bind(message.payload.to_vec())
            .bind(&archived_at)
            .execute(&mut *transaction)
            .await?;
    }
    transaction.commit().await
}
