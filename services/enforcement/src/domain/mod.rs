//! The enforcement domain: pure `decide` and `apply` for inspections and penalty cases, with no
//! I/O. Times come from the command context; rules that change over time from [`rules`].

pub mod case_review;
pub mod classification;
pub mod clock;
pub mod draw;
pub mod inspection;
pub mod officers;
pub mod penalty_case;
pub mod plan;
pub mod rules;

#[cfg(test)]
mod tests;

pub use hl_domain::{DomainError, access, clock as calendar};

/// The stream of this context.
pub const CONTEXT: &str = "enforcement";
