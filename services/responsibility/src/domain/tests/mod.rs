//! Given/when/then tests of who answers for what and of the committee's lists: every transition
//! and every refusal with the reason the API reports.

mod accountability;
mod duty_period;
mod emergency_centre;
mod evaluation;
mod hazard_watch;
mod responsibilities;
mod safety_item;

use chrono::{DateTime, NaiveDate, Utc};
use hl_domain::DomainError;

pub use hl_domain::access::test_actors::*;

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Noon in Zhoushan on a day.
pub fn noon(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{text}T12:00:00+08:00"))
        .unwrap()
        .to_utc()
}

/// The short names of events.
pub fn names<E: hl_proto::DomainEvent>(events: &[E]) -> Vec<String> {
    events
        .iter()
        .map(|event| event.event_type().rsplit('.').next().unwrap().to_string())
        .collect()
}

/// The reason of a refusal.
pub fn reason<T: std::fmt::Debug>(result: Result<T, DomainError>) -> &'static str {
    match result {
        Ok(accepted) => panic!("accepted: {accepted:?}"),
        Err(error) => error.reason(),
    }
}
