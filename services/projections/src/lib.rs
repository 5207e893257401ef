//! The projections service: read models of the event streams in SQL (SQLite by default,
//! PostgreSQL in production), applied exactly once, and the queries on them, above all the
//! reconciliation of the two ledgers (两本账).

pub mod db;
pub mod model;
pub mod projector;
pub mod schema;
pub mod sql;
pub mod reconciliation;
