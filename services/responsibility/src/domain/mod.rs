//! The responsibility context's domain: pure `decide` and `apply` for the registry's simpler
//! records (administrative areas, grid cells, organisation units, people), for who answers for
//! what ([`responsibilities`]) and for the committee's lists ([`safety_item`]). Enterprises live in the enterprise directory
//! (`hl-directory`), which every context reads.

pub mod accountability;
pub mod duty_period;
pub mod emergency_centre;
pub mod evaluation;
pub mod hazard_watch;
pub mod responsibilities;
pub mod safety_item;
#[cfg(test)]
mod tests;

pub use hl_directory::{enterprise, records};
pub use hl_domain::{DomainError, access, clock};

/// The stream of this context.
pub const CONTEXT: &str = hl_directory::CONTEXT;
