//! Collecting every problem with a request before answering, so a caller sees all bad fields
//! at once, as `BadRequest` field violations.

use chrono::NaiveDate;
use hl_eventstore::is_valid_token;
use hl_proto::common::v1::Date;

use crate::error::{ErrorCode, ServiceError};

/// The longest free-text field accepted (descriptions, notes, measures).
pub const MAX_TEXT: usize = 4000;
/// The longest short text accepted (names, locations, document numbers).
pub const MAX_SHORT_TEXT: usize = 256;

/// Field violations found so far.
#[derive(Debug, Default)]
pub struct Violations {
    found: Vec<(String, String)>,
}

impl Violations {
    pub fn new() -> Self {
        Violations::default()
    }

    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.found.push((field.into(), description.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// Ok when nothing was found; otherwise INVALID_ARGUMENT listing every violation.
    pub fn into_result(self) -> Result<(), ServiceError> {
        if self.found.is_empty() {
            return Ok(());
        }
        let summary = self
            .found
            .iter()
            .map(|(field, description)| format!("{field}: {description}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut error = ServiceError::new(ErrorCode::InvalidArgument, summary);
        error.field_violations = self.found;
        Err(error)
    }

    /// A client request_id: required, 1-128 visible ASCII characters without spaces.
    pub fn request_id(&mut self, value: &str) {
        if value.is_empty() {
            self.add(
                "request_id",
                "is required: a client-chosen id (a UUID is best) that makes retries safe",
            );
        } else if value.len() > 128 || !value.bytes().all(|byte| byte.is_ascii_graphic()) {
            self.add(
                "request_id",
                "must be 1-128 visible ASCII characters without spaces",
            );
        }
    }

    /// Required free text of at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(field, "is required");
        } else {
            self.optional_text(field, value, max);
        }
    }

    /// Optional free text of at most `max` characters.
    pub fn optional_text(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
    }

    /// A required identifier usable in a resource name: 1-64 letters, digits, '-' or '_'.
    pub fn identifier(&mut self, field: &str, value: &str) {
        if value.is_empty() {
            self.add(field, "is required");
        } else {
            self.optional_identifier(field, value);
        }
    }

    pub fn optional_identifier(&mut self, field: &str, value: &str) {
        if !value.is_empty() && !is_valid_token(value) {
            self.add(field, "must be 1-64 letters, digits, '-' or '_'");
        }
    }

    /// A required enum value: known to the schema and not the _UNSPECIFIED zero.
    pub fn enumeration<E: TryFrom<i32>>(&mut self, field: &str, value: i32) -> Option<E> {
        if value == 0 {
            self.add(field, "is required");
            return None;
        }
        self.optional_enumeration(field, value)
    }

    /// An optional enum value: 0 (unspecified) or known to the schema.
    pub fn optional_enumeration<E: TryFrom<i32>>(&mut self, field: &str, value: i32) -> Option<E> {
        match E::try_from(value) {
            Ok(known) => Some(known),
            Err(_) => {
                self.add(field, format!("{value} is not a known value"));
                None
            }
        }
    }

    /// A required calendar date.
    pub fn date(&mut self, field: &str, value: Option<&Date>) -> Option<NaiveDate> {
        match value {
            None => {
                self.add(field, "is required");
                None
            }
            Some(date) => self.real_date(field, date),
        }
    }

    /// An optional calendar date: absent is fine, present must be a real day.
    pub fn optional_date(&mut self, field: &str, value: Option<&Date>) -> Option<NaiveDate> {
        value.and_then(|date| self.real_date(field, date))
    }

    fn real_date(&mut self, field: &str, date: &Date) -> Option<NaiveDate> {
        let day = date.to_naive();
        if day.is_none() {
            self.add(
                field,
                format!(
                    "{:04}-{:02}-{:02} is not a calendar date",
                    date.year, date.month, date.day
                ),
            );
        }
        day
    }
}

/// The id in a resource name such as "hazards/{id}", or INVALID_ARGUMENT naming `field`.
pub fn resource_id<'a>(
    field: &str,
    name: &'a str,
    collection: &str,
) -> Result<&'a str, ServiceError> {
    let id = name
        .strip_prefix(collection)
        .and_then(|rest| rest.strip_prefix('/'))
        .filter(|id| is_valid_token(id));
    id.ok_or_else(|| {
        ServiceError::invalid_field(
            field,
            format!("must be \"{collection}/{{id}}\" with an id of 1-64 letters, digits, '-' or '_'; got {name:?}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_violation_is_reported_at_once() {
        let mut violations = Violations::new();
        violations.request_id("");
        violations.text("description", "  ", MAX_TEXT);
        violations.identifier("hazard_id", "a.b");
        violations.date(
            "deadline",
            Some(&Date {
                year: 2023,
                month: 2,
                day: 30,
            }),
        );
        let error = violations.into_result().unwrap_err();
        let fields: Vec<&str> = error
            .field_violations
            .iter()
            .map(|(field, _)| field.as_str())
            .collect();
        assert_eq!(fields, ["request_id", "description", "hazard_id", "deadline"]);
    }

    #[test]
    fn resource_names_are_parsed_strictly() {
        assert_eq!(resource_id("name", "hazards/abc-1", "hazards").unwrap(), "abc-1");
        assert!(resource_id("name", "hazards/", "hazards").is_err());
        assert!(resource_id("name", "hazardsabc", "hazards").is_err());
        assert!(resource_id("name", "rounds/abc", "hazards").is_err());
        assert!(resource_id("name", "hazards/a/b", "hazards").is_err());
    }
}
