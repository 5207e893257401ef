//! Projection catch-up: a fresh read model fed from streams that already hold the district's
//! history, timed until every projector has reached the heads. Then the same rows inserted
//! straight into an empty database, the raw ceiling of what the projector writes.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use hl_eventstore::EventStore;
use hl_projections::Projections;
use hl_readmodel::{Database, Value};
use sqlx::Row;

/// The services' default clocks and windows.
/// What one catch-up achieved.
pub struct CatchUp {
    pub seconds: f64,
    pub events: u64,
    /// Transactions the projectors wrote.
    pub batches: u64,
    /// Rows in the read model afterwards, by table.
    pub rows: Vec<(String, Vec<Vec<Value>>, Vec<String>)>,
}

impl CatchUp {
    pub fn events_per_second(&self) -> f64 {
        self.events as f64 / self.seconds
    }

    pub fn row_count(&self) -> usize {
        self.rows.iter().map(|(_, rows, _)| rows.len()).sum()
    }
}

/// Projects every stream into the (empty) database at `url` and waits until each projector has
/// applied its stream's head.
pub async fn catch_up(
    url: &str,
    store: &EventStore,
    batch: usize,
    keep_rows: bool,
) -> anyhow::Result<CatchUp> {
    let database = Database::connect(url).await?;
    let mut heads = Vec::new();
    let registry = hl_projections::registry();
    for context in registry.contexts() {
        heads.push(store.stream_head(context).await?);
    }
    let started = Instant::now();
    let projections = Projections::start(
        database.clone(),
        store.clone(),
        crate::generate::REGION,
        registry,
        hl_projections::Settings {
            batch,
            ..hl_projections::Settings::default()
        },
    )
    .await
    .context("start the projections")?;
    loop {
        let statuses = projections.statuses();
        if let Some(failure) = statuses.iter().find_map(|status| status.failure()) {
            anyhow::bail!("a projector stopped: {failure:?}");
        }
        let done = statuses.iter().zip(&heads).all(|(status, head)| {
            status.applied.load(std::sync::atomic::Ordering::SeqCst) >= *head
        });
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let statuses = projections.statuses();
    let events = statuses
        .iter()
        .map(|status| status.events.load(std::sync::atomic::Ordering::SeqCst))
        .sum();
    let batches: u64 = statuses
        .iter()
        .map(|status| status.batches.load(std::sync::atomic::Ordering::SeqCst))
        .sum();
    let generation = *projections.generation();
    // Dropping the projections stops their projectors.
    drop(projections);
    let rows = if keep_rows {
        read_all_rows(&database, generation).await?
    } else {
        Vec::new()
    };
    database.pool().close().await;
    Ok(CatchUp {
        seconds,
        events,
        batches,
        rows,
    })
}

/// Every row of a generation's tables, as values to insert again.
async fn read_all_rows(
    database: &Database,
    generation: i64,
) -> anyhow::Result<Vec<(String, Vec<Vec<Value>>, Vec<String>)>> {
    let mut tables = Vec::new();
    for table in
        hl_projections::schema::generation_table_names(&hl_projections::registry(), generation)
    {
        let rows = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(database.pool())
            .await?;
        let Some(first) = rows.first() else {
            continue;
        };
        let columns: Vec<String> = first
            .columns()
            .iter()
            .map(|column| sqlx::Column::name(column).to_string())
            .collect();
        // The schema has two column types: BIGINT and TEXT.
        let integer: Vec<bool> = first
            .columns()
            .iter()
            .map(|column| {
                sqlx::TypeInfo::name(sqlx::Column::type_info(column))
                    .to_ascii_uppercase()
                    .contains("INT")
            })
            .collect();
        let mut values = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut row_values = Vec::with_capacity(columns.len());
            for (index, integer) in integer.iter().enumerate() {
                let value = if *integer {
                    Value::OptionalInt(row.try_get::<Option<i64>, _>(index)?)
                } else {
                    match row.try_get::<Option<String>, _>(index) {
                        Ok(text) => Value::OptionalText(text),
                        // SQLite reports a column's type by its value: a NULL or a number in
                        // a column this row happens to hold.
                        Err(_) => Value::OptionalInt(row.try_get::<Option<i64>, _>(index)?),
                    }
                };
                row_values.push(value);
            }
            values.push(row_values);
        }
        tables.push((table, values, columns));
    }
    Ok(tables)
}

/// Inserts the rows of a catch-up into an empty read model at `url`, `batch` rows per
/// transaction; rows per second.
pub async fn insert_same_rows(url: &str, catch_up: &CatchUp, batch: usize) -> anyhow::Result<f64> {
    let database = Database::connect(url).await?;
    hl_projections::schema::migrate(&database).await?;
    let generation =
        hl_projections::schema::active_generation(&database, &hl_projections::registry()).await?;
    let mut seconds = 0.0;
    let mut count = 0usize;
    for (table, rows, columns) in &catch_up.rows {
        // The copy goes into the same generation number's table of the new database.
        let target = format!(
            "{}_g{generation}",
            table
                .rsplit_once("_g")
                .map_or(table.as_str(), |(name, _)| name)
        );
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let started = Instant::now();
        crate::raw::batched_insert(&database, &target, &columns, rows.clone(), batch).await?;
        seconds += started.elapsed().as_secs_f64();
        count += rows.len();
    }
    database.pool().close().await;
    Ok(count as f64 / seconds)
}
