//! Tables: a row type of [`Columns`] with a name, a primary key and indexes, declared once with
//! [`table!`]. Its CREATE statements and every read and write of its rows derive from that.
//!
//! Each read model's tables exist once per generation (`hazards_g1`, `hazards_g2` …), so a
//! rebuild fills a new generation while the active one keeps answering.

use sqlx::AnyConnection;

use crate::columns::{Column, Columns};
use crate::db::{Dialect, Value, bind_all};

/// A row type stored in its own table.
pub trait Table: Columns + Send + Sync {
    /// The table's name without its generation suffix.
    const NAME: &'static str;
    /// The primary key's columns.
    const KEY: &'static [&'static str];
    /// Secondary indexes, each a list of columns.
    const INDEXES: &'static [&'static [&'static str]];

    /// The primary key's value as one text, to find a row among others.
    fn key(&self) -> String;

    /// The table of a generation.
    fn table(generation: i64) -> String {
        format!("{}_g{generation}", Self::NAME)
    }
}

/// The text form of a key column's value.
pub trait KeyText {
    fn key_text(&self) -> String;
}

impl KeyText for String {
    fn key_text(&self) -> String {
        self.clone()
    }
}

impl KeyText for i64 {
    fn key_text(&self) -> String {
        format!("{self:020}")
    }
}

impl KeyText for u64 {
    fn key_text(&self) -> String {
        format!("{self:020}")
    }
}

impl KeyText for chrono::NaiveDate {
    fn key_text(&self) -> String {
        self.to_string()
    }
}

/// Declares a [`Columns`] struct to be a table:
///
/// ```text
/// table!(RoundRow, "self_check_rounds", key(round_id), index(enterprise_id));
/// ```
#[macro_export]
macro_rules! table {
    ($row:ty, $name:literal, key($($key:ident),+) $(, index($($index:ident),+))* $(,)?) => {
        impl $crate::Table for $row {
            const NAME: &'static str = $name;
            const KEY: &'static [&'static str] = &[$(stringify!($key)),+];
            const INDEXES: &'static [&'static [&'static str]] = &[$(&[$(stringify!($index)),+]),*];

            fn key(&self) -> String {
                [$($crate::KeyText::key_text(&self.$key)),+].join("\u{1f}")
            }
        }
    };
}

/// How a table is created, for the registry to create and drop every generation's tables.
#[derive(Clone, Debug)]
pub struct TableSpec {
    pub name: &'static str,
    pub columns: Vec<Column>,
    pub key: &'static [&'static str],
    pub indexes: &'static [&'static [&'static str]],
}

impl TableSpec {
    pub fn of<T: Table>() -> TableSpec {
        TableSpec {
            name: T::NAME,
            columns: T::column_list(),
            key: T::KEY,
            indexes: T::INDEXES,
        }
    }

    /// CREATE TABLE and CREATE INDEX statements for a generation.
    pub fn create_statements(&self, generation: i64) -> Vec<String> {
        let table = format!("{}_g{generation}", self.name);
        let columns: Vec<String> = self
            .columns
            .iter()
            .map(|column| format!("{} {}", column.name, column.sql_type))
            .collect();
        let mut statements = vec![format!(
            "CREATE TABLE IF NOT EXISTS {table} ({}, PRIMARY KEY ({}))",
            columns.join(", "),
            self.key.join(", ")
        )];
        for (place, index) in self.indexes.iter().enumerate() {
            statements.push(format!(
                "CREATE INDEX IF NOT EXISTS {} ON {table} ({})",
                index_name(&table, place, index),
                index.join(", ")
            ));
        }
        statements
    }
}

/// The longest name PostgreSQL keeps whole; it cuts longer ones, perhaps to another's name.
const MAX_NAME_BYTES: usize = 63;

/// An index's name: its table and columns, or where that is too long, its table, first column
/// and place in the table's list, which no other index of the table shares.
fn index_name(table: &str, place: usize, columns: &[&str]) -> String {
    let named = format!("{table}_{}", columns.join("_"));
    if named.len() <= MAX_NAME_BYTES {
        named
    } else {
        format!("{table}_{}_i{place}", columns[0])
    }
}

/// What an insert does with a row whose key exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnConflict {
    /// Replace every other column: the row's newest state.
    Replace,
    /// Keep the row already there: history, once written, stays.
    Keep,
}

/// Writes rows in as few statements as the parameter limit allows.
pub async fn write_rows<T: Table>(
    connection: &mut AnyConnection,
    generation: i64,
    rows: &[T],
    on_conflict: OnConflict,
) -> Result<(), sqlx::Error> {
    let columns: Vec<String> = T::column_list()
        .into_iter()
        .map(|column| column.name)
        .collect();
    let updated: Vec<&str> = columns
        .iter()
        .map(String::as_str)
        .filter(|column| !T::KEY.contains(column))
        .collect();
    insert_rows(
        connection,
        &T::table(generation),
        &columns.iter().map(String::as_str).collect::<Vec<_>>(),
        rows.iter().map(Columns::value_list).collect(),
        Some(match on_conflict {
            OnConflict::Keep => Conflict::Nothing { key: T::KEY },
            OnConflict::Replace => Conflict::Update {
                key: T::KEY,
                columns: &updated,
            },
        }),
    )
    .await
}

/// What to do when a row with the same key exists, for [`insert_rows`].
pub enum Conflict<'a> {
    /// Keep the existing row.
    Nothing { key: &'a [&'a str] },
    /// Replace the named columns.
    Update {
        key: &'a [&'a str],
        columns: &'a [&'a str],
    },
}

/// Inserts rows of values into any table, many rows per statement: one statement per row is
/// what limits a projector (the SQLite driver pays a thread hand-off per statement, PostgreSQL
/// a round trip).
pub async fn insert_rows(
    connection: &mut AnyConnection,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
    on_conflict: Option<Conflict<'_>>,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let per_statement = (30_000 / columns.len()).clamp(1, 1000);
    let conflict = match on_conflict {
        None => String::new(),
        Some(Conflict::Nothing { key } | Conflict::Update { key, columns: [] }) => {
            format!(" ON CONFLICT ({}) DO NOTHING", key.join(", "))
        }
        Some(Conflict::Update { key, columns }) => format!(
            " ON CONFLICT ({}) DO UPDATE SET {}",
            key.join(", "),
            columns
                .iter()
                .map(|column| format!("{column} = excluded.{column}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let dialect = Dialect::of(connection);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(per_statement).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {}{conflict}",
            columns.join(", "),
            dialect.row_placeholders(chunk.len(), columns.len())
        );
        bind_all(sqlx::query(&sql), chunk.into_iter().flatten().collect())
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// The rows whose `column` is one of `values`, in as many statements as needed.
pub async fn rows_where_in<T: Table>(
    connection: &mut AnyConnection,
    generation: i64,
    column: &str,
    values: &[String],
) -> Result<Vec<T>, sqlx::Error> {
    let dialect = Dialect::of(connection);
    let mut found = Vec::new();
    for chunk in values.chunks(500) {
        let sql = format!(
            "SELECT * FROM {} WHERE {column} IN ({})",
            T::table(generation),
            dialect.list_placeholders(chunk.len())
        );
        let rows = bind_all(
            sqlx::query(&sql),
            chunk.iter().cloned().map(Value::Text).collect(),
        )
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            found.push(T::from_row(row)?);
        }
    }
    Ok(found)
}

/// Deletes the rows whose `column` is one of `values`.
pub async fn delete_where_in<T: Table>(
    connection: &mut AnyConnection,
    generation: i64,
    column: &str,
    values: &[String],
) -> Result<(), sqlx::Error> {
    let dialect = Dialect::of(connection);
    for chunk in values.chunks(500) {
        let sql = format!(
            "DELETE FROM {} WHERE {column} IN ({})",
            T::table(generation),
            dialect.list_placeholders(chunk.len())
        );
        bind_all(
            sqlx::query(&sql),
            chunk.iter().cloned().map(Value::Text).collect(),
        )
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::columns! {
        #[derive(Clone, Debug, Default, PartialEq)]
        struct TestRow {
            owner_id: String,
            sequence: i64,
            note: Option<String>,
        }
    }
    crate::table!(TestRow, "test_rows", key(owner_id, sequence), index(note));

    #[test]
    fn indexes_too_long_to_name_by_their_columns_keep_names_of_their_own() {
        let long = [
            "enterprise_id",
            "reported_day",
            "township_code",
            "provenance",
            "status",
        ];
        let longer = [
            "enterprise_id",
            "reported_day",
            "township_code",
            "provenance",
            "level",
        ];
        let names = [
            index_name("hazards_g12", 0, &["enterprise_id"]),
            index_name("hazards_g12", 1, &long),
            index_name("hazards_g12", 2, &longer),
        ];
        assert_eq!(names[0], "hazards_g12_enterprise_id");
        assert_eq!(names[1], "hazards_g12_enterprise_id_i1");
        assert_eq!(names[2], "hazards_g12_enterprise_id_i2");
        assert!(names.iter().all(|name| name.len() <= MAX_NAME_BYTES));
    }

    #[test]
    fn a_declared_table_creates_its_columns_key_and_indexes() {
        let statements = TableSpec::of::<TestRow>().create_statements(3);
        assert_eq!(
            statements[0],
            "CREATE TABLE IF NOT EXISTS test_rows_g3 (owner_id TEXT NOT NULL, sequence BIGINT NOT NULL, note TEXT, PRIMARY KEY (owner_id, sequence))"
        );
        assert_eq!(
            statements[1],
            "CREATE INDEX IF NOT EXISTS test_rows_g3_note ON test_rows_g3 (note)"
        );
        let row = TestRow {
            owner_id: "a".into(),
            sequence: 7,
            note: None,
        };
        assert_eq!(row.key(), format!("a\u{1f}{:020}", 7));
    }
}
