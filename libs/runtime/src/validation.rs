//! Collecting every problem with a request before answering, so a caller sees all bad fields
//! at once, as `BadRequest` field violations.

use chrono::NaiveDate;
use hl_eventstore::is_valid_token;
use hl_proto::common::v1::{Date, EvidenceRef};
use hl_proto::limits::FieldViolations;

use crate::error::{ErrorCode, ServiceError};

/// The longest free-text field accepted (descriptions, notes, measures).
pub const MAX_TEXT: usize = 4000;
/// The longest short text accepted (names, locations, document numbers).
pub const MAX_SHORT_TEXT: usize = 256;

pub use hl_proto::limits::MAX_VIOLATIONS;

/// Field violations found so far: the same collection the request decoder fills with the
/// declared limits (`hl_proto::limits`), so both refusals look alike.
#[derive(Debug, Default)]
pub struct Violations {
    found: FieldViolations,
}

impl Violations {
    pub fn new() -> Self {
        Violations::default()
    }

    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.found.add(field, description);
    }

    /// A repeated field's length against its declared limit: false (and a violation) when it is
    /// longer, so its elements are not checked one by one.
    pub fn list_length(&mut self, field: &str, length: usize, max: usize) -> bool {
        self.found.list_length(field, length, max)
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// What was found, as (field, description) pairs.
    pub fn into_list(self) -> Vec<(String, String)> {
        self.found.into_list()
    }

    /// Ok when nothing was found; otherwise INVALID_ARGUMENT listing every violation.
    pub fn into_result(self) -> Result<(), ServiceError> {
        if self.found.is_empty() {
            return Ok(());
        }
        let mut error = ServiceError::new(ErrorCode::InvalidArgument, self.found.summary());
        error.field_violations = self.found.into_list();
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

    /// A calendar year the ledgers can hold: 2000 to 2100.
    pub fn year(&mut self, field: &str, value: i32) {
        if !(2000..=2100).contains(&value) {
            self.add(field, "a calendar year from 2000 to 2100");
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

impl Violations {
    /// Evidence references: each names its content by a lower-case hex SHA-256.
    pub fn evidence(&mut self, field: &str, evidence: &[EvidenceRef], required: bool) {
        if required && evidence.is_empty() {
            self.add(field, "at least one evidence reference is required");
        }
        if evidence.len() > 100 {
            self.add(field, "at most 100 evidence references");
        }
        for (index, reference) in evidence.iter().enumerate() {
            let valid_hash = reference.sha256.len() == 64
                && reference
                    .sha256
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
            if !valid_hash {
                self.add(
                    format!("{field}[{index}].sha256"),
                    "must be the content's SHA-256 as 64 lower-case hex digits",
                );
            }
            self.optional_text(
                &format!("{field}[{index}].media_type"),
                &reference.media_type,
                128,
            );
            self.optional_text(
                &format!("{field}[{index}].place"),
                &reference.place,
                MAX_SHORT_TEXT,
            );
            self.optional_text(
                &format!("{field}[{index}].signer"),
                &reference.signer,
                MAX_SHORT_TEXT,
            );
            self.optional_text(
                &format!("{field}[{index}].description"),
                &reference.description,
                MAX_TEXT,
            );
        }
    }

    /// The id of a resource name such as "hazards/{id}", recording a violation when malformed.
    pub fn resource_id(&mut self, field: &str, name: &str, collection: &str) -> Option<String> {
        match resource_id(field, name, collection) {
            Ok(id) => Some(id.to_string()),
            Err(error) => {
                for (field, description) in error.field_violations {
                    self.add(field, description);
                }
                None
            }
        }
    }

    /// An optional business time: not in the future (beyond five minutes of clock skew) and
    /// not before 2000.
    pub fn optional_past_time(
        &mut self,
        field: &str,
        value: Option<&hl_proto::Timestamp>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        let timestamp = value?;
        let Some(instant) = hl_proto::instant(timestamp) else {
            self.add(field, "is not a valid timestamp");
            return None;
        };
        if instant > now + chrono::Duration::minutes(5) {
            self.add(field, "lies in the future");
            return None;
        }
        if instant.timestamp() < 946_684_800 {
            self.add(field, "is before 2000");
            return None;
        }
        Some(instant)
    }
}

impl Violations {
    /// When what a command records happened (its business time), if the caller dated it: not
    /// in the future (beyond five minutes of clock skew), and not further back than the
    /// caller's role may date a step (rule data). Older steps come in as a migration.
    pub fn business_time(
        &mut self,
        field: &str,
        value: Option<&hl_proto::Timestamp>,
        now: chrono::DateTime<chrono::Utc>,
        actor: &hl_proto::common::v1::Actor,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        let instant = self.optional_past_time(field, value, now)?;
        let version = hl_domain::rules::DATING.in_force(hl_domain::clock::local_date(now));
        let (days, who) = match hl_domain::access::role(actor) {
            hl_proto::common::v1::Role::Enterprise => {
                (version.rules.enterprise_days, "an enterprise")
            }
            hl_proto::common::v1::Role::System => {
                (version.rules.system_days, "a government system")
            }
            _ => (version.rules.government_days, "an officer"),
        };
        if now - instant > chrono::Duration::days(days) {
            self.add(
                field,
                format!(
                    "{} is more than {days} days ago: {who} may date a step at most {days} days back ({}); older ledgers are loaded by a bureau administrator as a migration",
                    instant.to_rfc3339(),
                    version.name
                ),
            );
            return None;
        }
        Some(instant)
    }

    /// The moment a read asks about (`as_of`): now when absent.
    pub fn as_of(&mut self, value: Option<&hl_proto::Timestamp>) -> chrono::DateTime<chrono::Utc> {
        self.instant("as_of", value)
    }

    /// A moment a read asks about: now when absent; any valid instant from 2000 on.
    pub fn instant(
        &mut self,
        field: &str,
        value: Option<&hl_proto::Timestamp>,
    ) -> chrono::DateTime<chrono::Utc> {
        let now = chrono::Utc::now();
        self.optional_past_time(field, value, now + chrono::Duration::days(36_500))
            .unwrap_or(now)
    }
}

/// The 31 characters of GB 32100-2015 codes (no I, O, S, V, Z), in value order.
const CREDIT_CODE_CHARACTERS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_CODE_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The check character (18th) of a unified social credit code's first 17 characters, or None
/// when one of them is not a code character.
pub fn credit_code_check_character(first_seventeen: &str) -> Option<char> {
    if first_seventeen.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (character, weight) in first_seventeen.chars().zip(CREDIT_CODE_WEIGHTS) {
        sum += CREDIT_CODE_CHARACTERS.find(character)? as u32 * weight;
    }
    let check = (31 - sum % 31) % 31;
    CREDIT_CODE_CHARACTERS.chars().nth(check as usize)
}

/// Whether a string is a unified social credit code (统一社会信用代码) whose check character is
/// right (GB 32100-2015).
pub fn is_unified_social_credit_code(code: &str) -> bool {
    code.len() == 18
        && code.is_ascii()
        && credit_code_check_character(&code[..17]) == code.chars().nth(17)
}

impl Violations {
    /// A required unified social credit code with a correct check character.
    pub fn credit_code(&mut self, field: &str, value: &str) {
        if value.is_empty() {
            self.add(
                field,
                "is required: the enterprise's unified social credit code",
            );
        } else if value.len() != 18 || !value.is_ascii() {
            self.add(field, "must be an 18-character unified social credit code");
        } else if !is_unified_social_credit_code(value) {
            match credit_code_check_character(&value[..17]) {
                Some(expected) => self.add(
                    field,
                    format!("check character is wrong: {value} should end in {expected} (GB 32100-2015)"),
                ),
                None => self.add(
                    field,
                    "uses characters a unified social credit code cannot contain (I, O, S, V, Z, lower case …)",
                ),
            }
        }
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
mod bounds {
    use super::*;

    #[test]
    fn an_answer_lists_a_bounded_number_of_violations() {
        let mut violations = Violations::new();
        for index in 0..100_000 {
            violations.add(format!("ids[{index}]"), "is not an id");
        }
        let error = violations.into_result().unwrap_err();
        assert_eq!(error.field_violations.len(), MAX_VIOLATIONS);
        assert!(
            error.message.ends_with("and 99900 more"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_list_over_its_limit_is_one_violation() {
        let mut violations = Violations::new();
        assert!(violations.list_length("classes", 8, 8));
        assert!(!violations.list_length("classes", 200_000, 8));
        let error = violations.into_result().unwrap_err();
        assert_eq!(error.field_violations.len(), 1);
        assert_eq!(error.field_violations[0].0, "classes");
    }

    /// The request decoder's refusal (declared limits) and a handler's are the same answer.
    #[test]
    fn a_refusal_at_decoding_reads_as_a_handlers_refusal() {
        let violate = |field: &str| (field.to_string(), "at most 8 entries, got 9".to_string());
        let mut at_decoding = FieldViolations::default();
        let mut in_handler = Violations::new();
        for index in 0..150 {
            let (field, description) = violate(&format!("list[{index}]"));
            at_decoding.add(field.clone(), description.clone());
            in_handler.add(field, description);
        }
        let decoded = at_decoding.into_status();
        let handled: tonic::Status = in_handler.into_result().unwrap_err().into();
        assert_eq!(decoded.code(), handled.code());
        assert_eq!(decoded.message(), handled.message());
        assert_eq!(decoded.details(), handled.details());
    }
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
        assert_eq!(
            fields,
            ["request_id", "description", "hazard_id", "deadline"]
        );
    }

    #[test]
    fn credit_codes_of_real_enterprises_pass_and_altered_ones_fail() {
        for code in [
            "9144030071526726XG",
            "91330100716105852F",
            "914403001922038216",
            "91110108551385082Q",
        ] {
            assert!(is_unified_social_credit_code(code), "{code}");
        }
        assert!(!is_unified_social_credit_code("9144030071526726XH"));
        assert!(!is_unified_social_credit_code("9144030071526726X"));
        assert!(!is_unified_social_credit_code("91440300715267I6XG"));
        let mut violations = Violations::new();
        violations.credit_code("enterprise_id", "91330100716105852E");
        let error = violations.into_result().unwrap_err();
        assert!(error.field_violations[0].1.contains("should end in F"));
    }

    #[test]
    fn resource_names_are_parsed_strictly() {
        assert_eq!(
            resource_id("name", "hazards/abc-1", "hazards").unwrap(),
            "abc-1"
        );
        assert!(resource_id("name", "hazards/", "hazards").is_err());
        assert!(resource_id("name", "hazardsabc", "hazards").is_err());
        assert!(resource_id("name", "rounds/abc", "hazards").is_err());
        assert!(resource_id("name", "hazards/a/b", "hazards").is_err());
    }
}
