//! Given/when/then tests of the enforcement aggregates: every transition, every refusal with the
//! reason the API reports, and every clock rule.

mod case_review;
mod classification;
mod inspection;
mod penalty_case;
mod plan;

use chrono::{DateTime, NaiveDate, Utc};
use hl_directory::Standing;
use hl_domain::DomainError;
use hl_proto::DomainEvent;
use hl_proto::common::v1::Date;
use hl_proto::responsibility::v1::{EnforcementCertificate, EnterpriseDetails, Person};

use super::officers::Officer;

pub use hl_domain::access::test_actors::*;

pub const TOWNSHIP: &str = "330903001";

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Noon in Zhoushan on a day.
pub fn noon(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{text}T12:00:00+08:00"))
        .unwrap()
        .to_utc()
}

/// A registry person holding a 执法证 valid from 2020 to `until`.
pub fn officer(id: &str, until: &str) -> Officer {
    Officer {
        person_id: id.into(),
        record: Some(Person {
            person_id: id.into(),
            enforcement_certificate: Some(EnforcementCertificate {
                number: format!("浙应执 {id}"),
                valid_from: Some(Date::from(day("2020-01-01"))),
                valid_until: Some(Date::from(day(until))),
            }),
            ..Person::default()
        }),
    }
}

/// The inspector of the test actors and a colleague, certified until 2030.
pub fn team() -> Vec<Officer> {
    vec![
        officer("officer-1", "2030-12-31"),
        officer("officer-2", "2030-12-31"),
    ]
}

/// The test enterprise, open, in [`TOWNSHIP`].
pub fn enterprise_standing() -> Standing {
    Standing::registered(
        ENTERPRISE,
        EnterpriseDetails {
            township_code: TOWNSHIP.into(),
            ..EnterpriseDetails::default()
        },
    )
}

/// The short names of events.
pub fn names<E: DomainEvent>(events: &[E]) -> Vec<String> {
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
