//! The read-model database: SQLite (the embedded default, WAL) or PostgreSQL, through sqlx's
//! `Any` driver so that one set of SQL statements serves both. Statements use `$1`-style
//! placeholders, which both accept, and portable types only: TEXT, BIGINT (instants as
//! milliseconds since the epoch, flags as 0/1) and dates as 'YYYY-MM-DD' text, which compare
//! correctly as text.

use std::time::Duration;

use sqlx::any::{AnyArguments, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Executor};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// The collation that orders text as bytes, as Rust orders strings: SQLite's default
    /// (BINARY) and PostgreSQL's "C" (its default follows the database's locale), to append to
    /// a column that is ordered or compared.
    pub fn byte_order(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " COLLATE \"C\"",
        }
    }

    /// The most bind parameters one statement may carry (SQLite's limit is 32766, PostgreSQL's
    /// 65535; stay well below both).
    pub fn max_parameters(self) -> usize {
        30_000
    }
}

#[derive(Clone)]
pub struct Database {
    pool: AnyPool,
    dialect: Dialect,
}

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("DATABASE_URL must start with sqlite: or postgres:, got {0:?}")]
    UnknownScheme(String),
    #[error("no read-model database at {0} (has the projections service run?)")]
    Missing(String),
    #[error("cannot open {what}: {source}")]
    Open {
        what: String,
        #[source]
        source: sqlx::Error,
    },
}

impl Database {
    /// Opens the database, creating a SQLite file (and its folder) when missing.
    pub async fn connect(url: &str) -> Result<Database, DatabaseError> {
        Database::open(url, true).await
    }

    /// Opens a database that must already exist: tools that inspect a deployment's read model
    /// must not create an empty one where they were pointed wrongly.
    pub async fn connect_existing(url: &str) -> Result<Database, DatabaseError> {
        Database::open(url, false).await
    }

    async fn open(url: &str, create: bool) -> Result<Database, DatabaseError> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else {
            return Err(DatabaseError::UnknownScheme(url.to_string()));
        };
        // A service waits out a database restart; a tool answers its operator quickly.
        let acquire_timeout = Duration::from_secs(if create { 30 } else { 5 });
        let open = |source| DatabaseError::Open {
            what: redact(url),
            source,
        };
        let pool = match dialect {
            Dialect::Sqlite => {
                let path = sqlite_path(url);
                if !create
                    && let Some(path) = &path
                    && !std::path::Path::new(path).exists()
                {
                    return Err(DatabaseError::Missing(path.clone()));
                }
                if create
                    && let Some(path) = &path
                    && let Some(folder) = std::path::Path::new(path).parent()
                    && !folder.as_os_str().is_empty()
                {
                    let _ = std::fs::create_dir_all(folder);
                }
                let mode = if create { "rwc" } else { "rw" };
                let url = if url.contains("mode=") {
                    url.to_string()
                } else if url.contains('?') {
                    format!("{url}&mode={mode}")
                } else {
                    format!("{url}?mode={mode}")
                };
                AnyPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(acquire_timeout)
                    .after_connect(|connection, _| {
                        Box::pin(async move {
                            // WAL lets queries read while the projector writes; NORMAL syncs at
                            // checkpoints, which is safe in WAL mode (the events are in
                            // JetStream, and the checkpoint travels in the same transaction).
                            connection.execute("PRAGMA journal_mode = WAL").await?;
                            connection.execute("PRAGMA synchronous = NORMAL").await?;
                            connection.execute("PRAGMA busy_timeout = 30000").await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await
                    .map_err(open)?
            }
            Dialect::Postgres => AnyPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(acquire_timeout)
                .connect(url)
                .await
                .map_err(open)?,
        };
        Ok(Database { pool, dialect })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// A transaction that writes a projector batch. On SQLite it takes the write lock at its
    /// start (BEGIN IMMEDIATE): a transaction that reads first and writes later cannot wait for
    /// another writer to finish, and would fail with "database is locked" instead.
    ///
    /// On PostgreSQL the commit does not wait for the WAL to reach the disk. A batch is derived
    /// data that carries its own checkpoint: should PostgreSQL crash before flushing, the batch
    /// and its checkpoint are lost together and applied again from the stream (the same
    /// reasoning as `synchronous = NORMAL` on SQLite).
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Any>, sqlx::Error> {
        match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Dialect::Postgres => {
                let mut transaction = self.pool.begin().await?;
                sqlx::query("SET LOCAL synchronous_commit = off")
                    .execute(&mut *transaction)
                    .await?;
                Ok(transaction)
            }
        }
    }

    /// One state of the database for every statement of an answer, so that an answer read in
    /// several statements never mixes a projector batch's rows with the rows before it. SQLite
    /// in WAL mode keeps the state of a transaction's first read until the transaction ends;
    /// PostgreSQL does so under REPEATABLE READ (its default, READ COMMITTED, gives each
    /// statement the state of its own start). Nothing is written: the transaction is rolled
    /// back when it is dropped.
    pub async fn begin_read(&self) -> Result<ReadTransaction, sqlx::Error> {
        let transaction = match self.dialect {
            Dialect::Sqlite => self.pool.begin().await?,
            Dialect::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?
            }
        };
        Ok(ReadTransaction {
            transaction,
            dialect: self.dialect,
        })
    }

    /// Whether the database answers right now.
    pub async fn is_reachable(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// A read-only transaction on one state of the read-model database (see `Database::begin_read`).
pub struct ReadTransaction {
    transaction: sqlx::Transaction<'static, Any>,
    dialect: Dialect,
}

impl ReadTransaction {
    /// The connection every statement of the transaction runs on.
    pub fn connection(&mut self) -> &mut AnyConnection {
        &mut self.transaction
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }
}

fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

/// The URL without a password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// A database URL with `password` as its user's password (percent-encoded).
pub fn with_password(url: &str, password: &str) -> String {
    let encoded: String = password
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    let Some(scheme) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme + 3..];
    let (authority_end, _) = rest
        .char_indices()
        .find(|(_, character)| *character == '/' || *character == '?')
        .unwrap_or((rest.len(), ' '));
    let authority = &rest[..authority_end];
    let Some((user_part, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    let user = user_part.split(':').next().unwrap_or(user_part);
    format!(
        "{}{user}:{encoded}@{host}{}",
        &url[..scheme + 3],
        &rest[authority_end..]
    )
}

/// A value bound into a statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    OptionalText(Option<String>),
    Int(i64),
    OptionalInt(Option<i64>),
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Text(value)
    }
}
impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(value.to_string())
    }
}
impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Self {
        Value::OptionalText(value)
    }
}
impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}
impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        Value::OptionalInt(value)
    }
}
impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Int(i64::from(value))
    }
}

/// Binds values onto a query in order.
pub fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, Any, AnyArguments<'q>>,
    values: Vec<Value>,
) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
    for value in values {
        query = match value {
            Value::Text(text) => query.bind(text),
            Value::OptionalText(text) => query.bind(text),
            Value::Int(number) => query.bind(number),
            Value::OptionalInt(number) => query.bind(number),
        };
    }
    query
}

/// `$first, $first+1, …` for `count` values.
pub fn placeholders(first: usize, count: usize) -> String {
    let mut text = String::with_capacity(count * 7);
    push_numbered(&mut text, first, count);
    text
}

/// Appends `$first, …` without an allocation per placeholder: a batch writes tens of
/// thousands of them.
fn push_numbered(text: &mut String, first: usize, count: usize) {
    use std::fmt::Write;
    for index in first..first + count {
        if index > first {
            text.push_str(", ");
        }
        let _ = write!(text, "${index}");
    }
}

fn push_anonymous(text: &mut String, count: usize) {
    for index in 0..count {
        if index > 0 {
            text.push_str(", ");
        }
        text.push('?');
    }
}

impl Dialect {
    /// The dialect of an open connection.
    pub fn of(connection: &sqlx::AnyConnection) -> Dialect {
        if connection.backend_name().eq_ignore_ascii_case("sqlite") {
            Dialect::Sqlite
        } else {
            Dialect::Postgres
        }
    }

    /// Placeholders for `count` values, for a statement whose only parameters they are.
    /// SQLite gets anonymous `?`: it finds the name of a numbered parameter (`$7`) by a linear
    /// search, so binding a statement with thousands of them costs quadratic time.
    pub fn list_placeholders(self, count: usize) -> String {
        let mut text = String::with_capacity(count * 7);
        match self {
            Dialect::Sqlite => push_anonymous(&mut text, count),
            Dialect::Postgres => push_numbered(&mut text, 1, count),
        }
        text
    }

    /// Placeholders for several rows of `columns` values each, in one statement.
    pub fn row_placeholders(self, rows: usize, columns: usize) -> String {
        let mut text = String::with_capacity(rows * columns * 6);
        for row in 0..rows {
            if row > 0 {
                text.push_str(", ");
            }
            text.push('(');
            match self {
                Dialect::Sqlite => push_anonymous(&mut text, columns),
                Dialect::Postgres => push_numbered(&mut text, row * columns + 1, columns),
            }
            text.push(')');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_from_its_file_goes_into_the_url_encoded() {
        assert_eq!(
            with_password(
                "postgres://ledger@db.internal:5432/hl?sslmode=verify-full",
                "p@ss:w/rd"
            ),
            "postgres://ledger:p%40ss%3Aw%2Frd@db.internal:5432/hl?sslmode=verify-full"
        );
        assert_eq!(
            with_password("postgres://ledger:old@db/hl", "new"),
            "postgres://ledger:new@db/hl"
        );
        assert_eq!(
            with_password("sqlite://ledger.db", "x"),
            "sqlite://ledger.db"
        );
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact("postgres://ledger:secret@db:5432/ledger"),
            "postgres://ledger:***@db:5432/ledger"
        );
        assert_eq!(
            redact("postgres://postgres@db/x"),
            "postgres://postgres@db/x"
        );
        assert_eq!(
            redact("sqlite://.data/ledger.db"),
            "sqlite://.data/ledger.db"
        );
    }

    #[test]
    fn sqlite_paths_are_found() {
        assert_eq!(
            sqlite_path("sqlite://.data/ledger.db?mode=rwc").as_deref(),
            Some(".data/ledger.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
    }

    #[test]
    fn sqlite_gets_anonymous_placeholders_and_postgres_numbered_ones() {
        assert_eq!(Dialect::Sqlite.list_placeholders(3), "?, ?, ?");
        assert_eq!(Dialect::Postgres.list_placeholders(3), "$1, $2, $3");
        assert_eq!(Dialect::Sqlite.row_placeholders(2, 2), "(?, ?), (?, ?)");
        assert_eq!(
            Dialect::Postgres.row_placeholders(2, 2),
            "($1, $2), ($3, $4)"
        );
    }
}
