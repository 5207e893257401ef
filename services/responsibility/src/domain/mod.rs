//! The registry's domain: pure `decide` and `apply` for the simpler records (administrative
//! areas, grid cells, organisation units, people). Enterprises live in the enterprise directory
//! (`hl-directory`), which every context reads.

pub use hl_directory::{enterprise, records};
pub use hl_domain::{DomainError, access, clock};

/// The stream of this context.
pub const CONTEXT: &str = hl_directory::CONTEXT;
