//! The plans context's domain: pure `decide` and `apply` for emergency plans ([`plan`]) and
//! drills ([`drill`]), the plan rules that changed on 2024-01-31 ([`rules`]), the disaster
//! shelters ([`shelter`]), the rescue teams ([`rescue_team`]), the training campaigns
//! ([`training`]), the work-safety accidents ([`accident`]) with their grading rules, and
//! typhoon season: disaster events ([`disaster_event`]), five-stop orders ([`five_stop`]) and
//! key vessels ([`key_vessel`]) with their registration numbers ([`vessel_number`]), the district's GDP per year ([`gdp`]) that T3 divides by, and
//! the command readiness of townships without an emergency centre ([`command_readiness`], T11).

pub mod accident;
pub mod command_readiness;
pub mod disaster_event;
pub mod drill;
pub mod drill_minimums;
pub mod five_stop;
pub mod gdp;
pub mod key_vessel;
pub mod plan;
pub mod rescue_team;
pub mod rules;
pub mod shelter;
#[cfg(test)]
mod tests;
pub mod training;
pub mod vessel_number;

pub use hl_domain::DomainError;

/// The stream of this context.
pub const CONTEXT: &str = "plans";
