//! The districts a province follows: rule data the provincial operators keep in one file, read
//! at start and again before every audit round. Each district names its region (the subjects the province takes from it), its
//! JetStream domain (how the province reaches its streams over the leaf node) and how long it
//! is usually quiet.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::Deserialize;

/// One district the province sources.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// The 6-digit administrative division code, e.g. "330903" (Putuo District).
    pub region: String,
    /// The district's name, for operators.
    pub name: String,
    /// The district cluster's JetStream domain, e.g. "d330903".
    pub domain: String,
    /// Hours without any event after which the district counts as silent: its usual longest
    /// quiet spell (a district that records every working day might say 72).
    pub quiet_hours: u64,
    /// A NATS URL the audit reads the district's heads through, apart from the leaf node, so
    /// that a district whose leaf link is down still shows how far ahead it is. Unset: the
    /// audit asks through the leaf node, and a cut link shows as unreachable.
    #[serde(default)]
    pub monitor_url: Option<String>,
    /// The NATS credentials file (user JWT and nkey seed) the monitor connection proves itself
    /// with; unset where the district's server asks for none.
    #[serde(default)]
    pub monitor_credentials: Option<std::path::PathBuf>,
}

impl District {
    pub fn quiet_period(&self) -> Duration {
        Duration::from_secs(self.quiet_hours.saturating_mul(3600))
    }

    /// The JetStream API prefix of the district's domain, as seen across the leaf node.
    pub fn api_prefix(&self) -> String {
        format!("$JS.{}.API", self.domain)
    }
}

/// Reads a districts file and checks it ([`parse_districts`]); a fault names the file.
pub fn read_districts(path: &std::path::Path) -> Result<Vec<District>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
    parse_districts(&text).map_err(|problem| format!("{}: {problem}", path.display()))
}

/// Reads and checks a districts file: a JSON array of [`District`]. Every fault is named with
/// the entry and field it is in.
pub fn parse_districts(text: &str) -> Result<Vec<District>, String> {
    let districts: Vec<District> =
        serde_json::from_str(text).map_err(|error| format!("districts file: {error}"))?;
    let mut faults = Vec::new();
    let mut regions = BTreeSet::new();
    let mut domains = BTreeSet::new();
    for (index, district) in districts.iter().enumerate() {
        let at = format!("districts[{index}]");
        if district.region.len() != 6 || !district.region.bytes().all(|b| b.is_ascii_digit()) {
            faults.push(format!(
                "{at}.region: {:?} is not a 6-digit code",
                district.region
            ));
        }
        let domain_valid = !district.domain.is_empty()
            && district.domain.len() <= 32
            && district
                .domain
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
        if !domain_valid {
            faults.push(format!(
                "{at}.domain: {:?} must be 1-32 letters, digits, '-' or '_'",
                district.domain
            ));
        }
        if district.monitor_credentials.is_some() && district.monitor_url.is_none() {
            faults.push(format!(
                "{at}.monitor_credentials: given without a monitor_url to use them on"
            ));
        }
        if district.quiet_hours == 0 {
            faults.push(format!("{at}.quiet_hours: must be at least 1"));
        }
        if !regions.insert(district.region.clone()) {
            faults.push(format!("{at}.region: {} is listed twice", district.region));
        }
        if !domains.insert(district.domain.clone()) {
            faults.push(format!("{at}.domain: {} is listed twice", district.domain));
        }
    }
    if districts.is_empty() {
        faults.push("districts: the file lists none".to_string());
    }
    if faults.is_empty() {
        Ok(districts)
    } else {
        Err(faults.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_districts_file_reads_and_names_its_faults() {
        let districts = parse_districts(
            r#"[{"region": "330903", "name": "Putuo", "domain": "d330903", "quiet_hours": 72,
                 "monitor_url": "nats://putuo.example:4222"},
                {"region": "330902", "name": "Dinghai", "domain": "d330902", "quiet_hours": 48}]"#,
        )
        .unwrap();
        assert_eq!(districts[0].api_prefix(), "$JS.d330903.API");
        assert_eq!(districts[1].quiet_period(), Duration::from_secs(48 * 3600));
        assert_eq!(districts[1].monitor_url, None);

        let faults = parse_districts(
            r#"[{"region": "3309", "name": "x", "domain": "a.b", "quiet_hours": 0,
                  "monitor_credentials": "putuo.creds"},
                {"region": "3309", "name": "y", "domain": "d1", "quiet_hours": 1}]"#,
        )
        .unwrap_err();
        for expected in [
            "districts[0].region",
            "districts[0].domain",
            "districts[0].quiet_hours",
            "districts[0].monitor_credentials: given without a monitor_url",
            "districts[1].region: 3309 is listed twice",
        ] {
            assert!(
                faults.contains(expected),
                "{expected} missing from {faults}"
            );
        }
        assert!(parse_districts("[]").unwrap_err().contains("lists none"));
        assert!(parse_districts(r#"[{"region": "330903"}]"#).is_err());
    }
}
