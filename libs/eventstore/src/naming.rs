//! Stream and subject names. A namespace root keeps deployments (and tests) apart on one server:
//! root "hl" gives streams `HL_HAZARDS`, … and subjects `hl.330903.hazards.hazard.<id>`.

use std::fmt;

/// The root every stream and subject name of one deployment starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Namespace {
    root: String,
}

impl Namespace {
    /// A namespace root: lower-case ASCII letters, digits and `_`, starting with a letter.
    pub fn new(root: &str) -> Result<Self, String> {
        let valid = root.len() <= 32
            && root.starts_with(|character: char| character.is_ascii_lowercase())
            && root.chars().all(|character| {
                character.is_ascii_lowercase() || character.is_ascii_digit() || character == '_'
            });
        if valid {
            Ok(Namespace {
                root: root.to_string(),
            })
        } else {
            Err(format!(
                "namespace {root:?} must be 1-32 lower-case letters, digits or '_', starting with a letter"
            ))
        }
    }

    pub fn root(&self) -> &str {
        &self.root
    }

    /// The stream of one bounded context, e.g. `HL_HAZARDS`.
    pub fn stream_name(&self, context: &str) -> String {
        format!("{}_{}", self.root, context).to_ascii_uppercase()
    }

    /// The subjects a context's stream holds, in every region: `hl.*.hazards.>`.
    pub fn stream_subjects(&self, context: &str) -> String {
        format!("{}.*.{}.>", self.root, context)
    }

    /// The subjects of one region in one context's stream: `hl.330903.hazards.>`, what a city
    /// or the province sources from that district's stream (a filter servers before 2.10 take
    /// only when it lies within the stream's subjects).
    pub fn region_subjects(&self, region: &str, context: &str) -> String {
        format!("{}.{region}.{context}.>", self.root)
    }

    /// The subject of one aggregate instance.
    pub fn aggregate_subject(
        &self,
        region: &str,
        context: &str,
        aggregate_type: &str,
        aggregate_id: &str,
    ) -> String {
        format!(
            "{}.{region}.{context}.{aggregate_type}.{aggregate_id}",
            self.root
        )
    }

    /// The stream that keeps the latest snapshot of each aggregate.
    pub fn snapshot_stream_name(&self) -> String {
        format!("{}_SNAPSHOTS", self.root.to_ascii_uppercase())
    }

    pub fn snapshot_stream_subjects(&self) -> String {
        format!("{}_snapshots.>", self.root)
    }

    /// The snapshot subject of an aggregate subject. Its first token differs from the root, so
    /// no context stream captures it.
    pub fn snapshot_subject(&self, aggregate_subject: &str) -> String {
        let rest = aggregate_subject
            .strip_prefix(&self.root)
            .unwrap_or(aggregate_subject);
        format!("{}_snapshots{rest}", self.root)
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.root)
    }
}

/// Whether a string can be one subject token: an aggregate id or a region code.
/// 1-64 ASCII letters, digits, `-` or `_`.
pub fn is_valid_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 64
        && token
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_design() {
        let namespace = Namespace::new("hl").unwrap();
        assert_eq!(namespace.stream_name("hazards"), "HL_HAZARDS");
        assert_eq!(namespace.stream_subjects("hazards"), "hl.*.hazards.>");
        assert_eq!(
            namespace.region_subjects("330903", "hazards"),
            "hl.330903.hazards.>"
        );
        let subject = namespace.aggregate_subject("330903", "hazards", "hazard", "abc");
        assert_eq!(subject, "hl.330903.hazards.hazard.abc");
        assert_eq!(
            namespace.snapshot_subject(&subject),
            "hl_snapshots.330903.hazards.hazard.abc"
        );
    }

    #[test]
    fn bad_roots_and_tokens_are_refused() {
        assert!(Namespace::new("HL").is_err());
        assert!(Namespace::new("9hl").is_err());
        assert!(Namespace::new("h.l").is_err());
        assert!(Namespace::new("").is_err());
        assert!(is_valid_token("91330903MA2A1B2C3X"));
        assert!(is_valid_token("0190c2a4-7d1e-7000-8000-000000000000"));
        assert!(!is_valid_token("a.b"));
        assert!(!is_valid_token("a*"));
        assert!(!is_valid_token("a b"));
        assert!(!is_valid_token(""));
        assert!(!is_valid_token(&"x".repeat(65)));
    }
}
