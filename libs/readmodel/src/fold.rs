//! The common shape of a read model: one row per aggregate, loaded when a batch touches it,
//! folded event by event, written back.

use std::collections::{BTreeSet, HashMap};

use hl_eventstore::EventMeta;
use sqlx::AnyConnection;

use crate::registry::{Commit, Position};
use crate::table::{OnConflict, Table, rows_where_in, write_rows};

/// Folds a batch into rows keyed by aggregate id (the table's first key column): loads the rows
/// the batch touches, folds each event into its aggregate's row and writes the rows back.
pub async fn fold_rows<R, E>(
    connection: &mut AnyConnection,
    generation: i64,
    commits: &[Commit<E>],
    mut fold: impl FnMut(&mut R, &E, &EventMeta, Position),
) -> Result<Vec<R>, sqlx::Error>
where
    R: Table + Default + Clone,
{
    let ids: Vec<String> = commits
        .iter()
        .map(|commit| commit.aggregate_id().to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut rows: HashMap<String, R> = rows_where_in::<R>(connection, generation, R::KEY[0], &ids)
        .await?
        .into_iter()
        .map(|row| (row.key(), row))
        .collect();
    for commit in commits {
        for (event, meta, position) in commit.positioned() {
            fold(
                rows.entry(meta.aggregate_id.clone()).or_default(),
                event,
                meta,
                position,
            );
        }
    }
    let rows: Vec<R> = rows
        .into_values()
        .filter(|row| !row.key().is_empty())
        .collect();
    write_rows(connection, generation, &rows, OnConflict::Replace).await?;
    Ok(rows)
}
