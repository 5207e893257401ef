//! What every context's read models share: the read-model database (SQLite or PostgreSQL through
//! one set of SQL statements), columns and tables declared once, and the registry through which a
//! context contributes its read models to the projector.
//!
//! Adding a read model is one new file in its context (a [`columns!`] row, a [`table!`]
//! declaration and a [`ReadModel`] impl, usually through [`fold_rows`]) and one line in that
//! context's registration function.

pub mod columns;
pub mod db;
mod fold;
pub mod history;
mod registry;
mod state;
mod table;

pub use columns::{Column, Columns, Json, LIST_SEPARATOR, field_name};
pub use db::{
    Database, DatabaseError, Dialect, ReadTransaction, Value, bind_all, placeholders, redact,
    with_password,
};
pub use fold::fold_rows;
pub use history::{EventStep, Known, known_rows, known_rows_as_of};
pub use registry::{Commit, DecodedCommit, Position, ReadModel, Registry};
pub use state::{StateModel, StateRow};
pub use table::{
    Conflict, KeyText, OnConflict, Table, TableSpec, delete_where_in, insert_rows, rows_where_in,
    write_rows,
};

/// For the macros, so their callers need not depend on sqlx themselves.
#[doc(hidden)]
pub use sqlx;
#[doc(hidden)]
pub use sqlx::any::AnyRow;
