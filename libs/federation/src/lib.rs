//! District to province. Each district runs its own suite; the province's NATS connects to every
//! district as a leaf node, each in its own JetStream domain, and its streams source the
//! districts' streams ([`sourcing`]). Sourcing has been seen to stop silently, so the province
//! audits itself ([`Auditor`]): for every district and context, how far the province got, how
//! far the district is, and whether it is stalled, silent or arrived with holes.

mod arrivals;
mod audit;
mod auditor;
mod district;
mod heads;
pub mod sourcing;

pub use arrivals::{Arrivals, Hole, SourceProgress};
pub use audit::{AuditRules, Flag, FlagKind, SourceCompleteness, assess};
pub use auditor::Auditor;
pub use district::{District, parse_districts, read_districts};
pub use heads::{DistrictHead, HeadReader};
