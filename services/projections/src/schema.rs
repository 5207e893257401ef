//! The read-model schema. Control tables (generations, checkpoints, failures) are shared; the
//! read models' own tables come from the registry and live once per generation (`hazards_g1`,
//! …), so a rebuild can fill a new generation while the active one keeps answering.

use hl_readmodel::{Conflict, Database, Registry, insert_rows};

use crate::chain::{Head, Heads};
use sqlx::Executor;

/// The version of how events are folded into rows, for a change of a fold that leaves the tables'
/// columns as they were. A change of any table's columns is seen without it (see [`layout`]).
const FOLD_VERSION: &str = "4";

/// The layout of the read models: a fingerprint of every table's definition and of the fold
/// version. A generation built with another layout is not used: the service starts a fresh
/// generation and fills it from the streams.
pub fn layout(registry: &Registry) -> i64 {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    digest.update(FOLD_VERSION.as_bytes());
    for table in registry.tables() {
        for statement in table.create_statements(0) {
            digest.update(statement.as_bytes());
        }
    }
    let bytes: [u8; 8] = digest.finalize()[..8].try_into().expect("eight bytes");
    (u64::from_be_bytes(bytes) >> 1) as i64
}

/// The one projection this service maintains, as named in the control tables.
pub const PROJECTION: &str = "ledger";

const CONTROL: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS projection_generations (
        projection TEXT PRIMARY KEY,
        active BIGINT NOT NULL,
        schema_version BIGINT NOT NULL,
        switched_at BIGINT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS projection_checkpoints (
        generation BIGINT NOT NULL,
        stream TEXT NOT NULL,
        last_sequence BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (generation, stream)
    )",
    "CREATE TABLE IF NOT EXISTS projection_failures (
        generation BIGINT NOT NULL,
        stream TEXT NOT NULL,
        sequence BIGINT NOT NULL,
        reason TEXT NOT NULL,
        failed_at BIGINT NOT NULL,
        PRIMARY KEY (generation, stream)
    )",
    // Which projector may apply a stream of a generation, until when (Unix milliseconds).
    "CREATE TABLE IF NOT EXISTS projection_leases (
        generation BIGINT NOT NULL,
        stream TEXT NOT NULL,
        holder TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (generation, stream)
    )",
    // The last commit applied of each aggregate (see `chain`).
    "CREATE TABLE IF NOT EXISTS projection_aggregate_heads (
        generation BIGINT NOT NULL,
        stream TEXT NOT NULL,
        subject TEXT NOT NULL,
        sequence BIGINT NOT NULL,
        version BIGINT NOT NULL,
        digest TEXT NOT NULL,
        PRIMARY KEY (generation, stream, subject)
    )",
];

/// Creates the control tables.
pub async fn migrate(database: &Database) -> Result<(), sqlx::Error> {
    for statement in CONTROL {
        database.pool().execute(*statement).await?;
    }
    Ok(())
}

/// Every read-model table of a generation, for dropping it.
pub fn generation_table_names(registry: &Registry, generation: i64) -> Vec<String> {
    registry
        .tables()
        .iter()
        .map(|table| format!("{}_g{generation}", table.name))
        .collect()
}

/// Tells PostgreSQL what a generation's tables hold once they were filled in bulk (a first
/// catch-up, a rebuild). Until autovacuum visits them, its planner guesses their sizes and
/// spreads, and an index-only scan (the lists' covering indexes) reads the table for every row,
/// as no page is marked all-visible yet. VACUUM (ANALYZE) does both; it takes no lock that stops
/// reads or the projector's writes. SQLite plans by the indexes' shapes: the lists' plans were
/// chosen without statistics, and none are kept.
pub async fn refresh_statistics(
    database: &Database,
    registry: &Registry,
    generation: i64,
) -> Result<(), sqlx::Error> {
    if database.dialect() != hl_readmodel::Dialect::Postgres {
        return Ok(());
    }
    let tables = generation_table_names(registry, generation).join(", ");
    sqlx::raw_sql(&format!("VACUUM (ANALYZE) {tables}"))
        .execute(database.pool())
        .await?;
    Ok(())
}

/// Creates a generation's tables.
pub async fn create_generation(
    database: &Database,
    registry: &Registry,
    generation: i64,
) -> Result<(), sqlx::Error> {
    for table in registry.tables() {
        for statement in table.create_statements(generation) {
            database.pool().execute(statement.as_str()).await?;
        }
    }
    Ok(())
}

/// Drops a generation's tables and its checkpoints and failures.
pub async fn drop_generation(
    database: &Database,
    registry: &Registry,
    generation: i64,
) -> Result<(), sqlx::Error> {
    for table in generation_table_names(registry, generation) {
        database
            .pool()
            .execute(format!("DROP TABLE IF EXISTS {table}").as_str())
            .await?;
    }
    for control in [
        "projection_checkpoints",
        "projection_failures",
        "projection_aggregate_heads",
        "projection_leases",
    ] {
        sqlx::query(&format!("DELETE FROM {control} WHERE generation = $1"))
            .bind(generation)
            .execute(database.pool())
            .await?;
    }
    Ok(())
}

/// Makes `generation` the active one, built with the registry's layout.
pub async fn activate(
    database: &Database,
    registry: &Registry,
    generation: i64,
) -> Result<(), sqlx::Error> {
    let mut connection = database.pool().acquire().await?;
    insert_rows(
        &mut connection,
        "projection_generations",
        &["projection", "active", "schema_version", "switched_at"],
        vec![vec![
            PROJECTION.into(),
            generation.into(),
            layout(registry).into(),
            chrono::Utc::now().timestamp_millis().into(),
        ]],
        Some(Conflict::Update {
            key: &["projection"],
            columns: &["active", "schema_version", "switched_at"],
        }),
    )
    .await
}

/// The active generation, ready to be projected into: generation 1 on a new database, and a
/// fresh one (the old one dropped) when the active one was built with another layout.
pub async fn active_generation(
    database: &Database,
    registry: &Registry,
) -> Result<i64, sqlx::Error> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT active, schema_version FROM projection_generations WHERE projection = $1",
    )
    .bind(PROJECTION)
    .fetch_optional(database.pool())
    .await?;
    let generation = match row {
        Some((active, version)) if version == layout(registry) => return Ok(active),
        Some((active, version)) => {
            tracing::warn!(
                generation = active,
                built_with = version,
                layout = layout(registry),
                "the read model was built with another layout; rebuilding it from the streams"
            );
            drop_generation(database, registry, active).await?;
            active + 1
        }
        None => 1,
    };
    create_generation(database, registry, generation).await?;
    activate(database, registry, generation).await?;
    Ok(generation)
}

/// The stream sequence a generation's projector of a stream has applied.
pub async fn read_checkpoint(
    database: &Database,
    generation: i64,
    stream: &str,
) -> Result<u64, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT last_sequence FROM projection_checkpoints WHERE generation = $1 AND stream = $2",
    )
    .bind(generation)
    .bind(stream.to_string())
    .fetch_optional(database.pool())
    .await?;
    Ok(row.map_or(0, |(sequence,)| sequence as u64))
}

/// Takes or renews, inside a batch's transaction, the lease on a stream of a generation for
/// `holder` until `duration` from now: false when another projector holds an unexpired one.
/// Two projections processes on one database then never both apply a stream: one applies, the
/// other stands by and takes over once the lease of a projector that stopped has run out. (The
/// checkpoint guard below still holds should a lease be misjudged, e.g. across a clock jump.)
/// The update takes the lease's row lock, so on PostgreSQL a concurrent taker waits and then
/// sees the lease renewed.
pub async fn take_lease(
    connection: &mut sqlx::AnyConnection,
    generation: i64,
    stream: &str,
    holder: &str,
    duration: std::time::Duration,
) -> Result<bool, sqlx::Error> {
    let now = chrono::Utc::now().timestamp_millis();
    let until = now + i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 2);
    let taken = sqlx::query(
        "UPDATE projection_leases SET holder = $1, expires_at = $2
         WHERE generation = $3 AND stream = $4 AND (holder = $1 OR expires_at < $5)",
    )
    .bind(holder.to_string())
    .bind(until)
    .bind(generation)
    .bind(stream.to_string())
    .bind(now)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    if taken == 1 {
        return Ok(true);
    }
    let created = sqlx::query(
        "INSERT INTO projection_leases (generation, stream, holder, expires_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (generation, stream) DO NOTHING",
    )
    .bind(generation)
    .bind(stream.to_string())
    .bind(holder.to_string())
    .bind(until)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    Ok(created == 1)
}

/// Moves a stream's checkpoint from `from` to `to` inside a batch's transaction, first thing in
/// it: false, and nothing moved, when the checkpoint is no longer `from` because another
/// projector (another process on the same database) applied past it. A batch is applied only
/// with its checkpoint, so two projectors of one stream never both apply one message. The update
/// takes the checkpoint's row lock, so on PostgreSQL a concurrent batch waits here and then
/// finds the checkpoint moved; SQLite's write transactions run one at a time.
pub async fn advance_checkpoint(
    connection: &mut sqlx::AnyConnection,
    generation: i64,
    stream: &str,
    (from, to): (u64, u64),
) -> Result<bool, sqlx::Error> {
    let now = chrono::Utc::now().timestamp_millis();
    let moved = sqlx::query(
        "UPDATE projection_checkpoints SET last_sequence = $1, updated_at = $2
         WHERE generation = $3 AND stream = $4 AND last_sequence = $5",
    )
    .bind(to as i64)
    .bind(now)
    .bind(generation)
    .bind(stream.to_string())
    .bind(from as i64)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    if moved == 1 {
        return Ok(true);
    }
    if from != 0 {
        return Ok(false);
    }
    // The stream's first batch: the checkpoint row is made, unless another projector made it.
    let created = sqlx::query(
        "INSERT INTO projection_checkpoints (generation, stream, last_sequence, updated_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (generation, stream) DO NOTHING",
    )
    .bind(generation)
    .bind(stream.to_string())
    .bind(to as i64)
    .bind(now)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    Ok(created == 1)
}

/// The heads of a stream's aggregates a generation has applied, by subject.
pub async fn read_heads(
    database: &Database,
    generation: i64,
    stream: &str,
) -> Result<Heads, sqlx::Error> {
    let rows: Vec<(String, i64, i64, String)> = sqlx::query_as(
        "SELECT subject, sequence, version, digest FROM projection_aggregate_heads
         WHERE generation = $1 AND stream = $2",
    )
    .bind(generation)
    .bind(stream.to_string())
    .fetch_all(database.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(subject, sequence, version, digest)| {
            let head = Head {
                sequence: sequence as u64,
                version: version as u64,
                digest: hex::decode(digest).unwrap_or_default(),
            };
            (subject, head)
        })
        .collect())
}

/// Records, inside a batch's transaction, the heads the batch moved.
pub async fn write_heads(
    connection: &mut sqlx::AnyConnection,
    generation: i64,
    stream: &str,
    heads: Vec<(String, Head)>,
) -> Result<(), sqlx::Error> {
    if heads.is_empty() {
        return Ok(());
    }
    let rows = heads
        .into_iter()
        .map(|(subject, head)| {
            vec![
                generation.into(),
                stream.into(),
                subject.into(),
                (head.sequence as i64).into(),
                (head.version as i64).into(),
                hex::encode(head.digest).into(),
            ]
        })
        .collect();
    insert_rows(
        connection,
        "projection_aggregate_heads",
        &[
            "generation",
            "stream",
            "subject",
            "sequence",
            "version",
            "digest",
        ],
        rows,
        Some(Conflict::Update {
            key: &["generation", "stream", "subject"],
            columns: &["sequence", "version", "digest"],
        }),
    )
    .await
}
