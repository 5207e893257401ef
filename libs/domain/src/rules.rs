//! Rules that change over time are data with an effective date (DOMAIN.md §0). A record stores
//! the version in force when it started and later decisions about it use that version, so
//! replaying history never re-judges an old case under a newer rule. A version name this build
//! does not know is an error, never silently the latest.

use chrono::NaiveDate;

use crate::DomainError;
use crate::reasons;

/// One version of a set of rules.
#[derive(Debug)]
pub struct Version<T: 'static> {
    /// e.g. "hazard-rules-2008-02-01".
    pub name: &'static str,
    /// The first day (Asia/Shanghai) it applies to.
    pub effective_from: (i32, u32, u32),
    pub rules: T,
}

impl<T> Version<T> {
    pub fn effective_date(&self) -> NaiveDate {
        let (year, month, day) = self.effective_from;
        NaiveDate::from_ymd_opt(year, month, day).expect("rule dates are real days")
    }
}

/// Every version of one set of rules, oldest first.
#[derive(Debug)]
pub struct RuleBook<T: 'static> {
    /// What the rules are about, for messages.
    pub subject: &'static str,
    pub versions: &'static [Version<T>],
}

impl<T> RuleBook<T> {
    /// The version in force on a day (the oldest one for days before every version).
    pub fn in_force(&self, day: NaiveDate) -> &'static Version<T> {
        self.versions
            .iter()
            .rev()
            .find(|version| version.effective_date() <= day)
            .unwrap_or(&self.versions[0])
    }

    /// A version by its name, as a record stored it.
    pub fn by_name(&self, name: &str) -> Result<&'static Version<T>, DomainError> {
        self.versions
            .iter()
            .find(|version| version.name == name)
            .ok_or_else(|| {
                DomainError::precondition(
                    reasons::UNKNOWN_RULE_VERSION,
                    format!(
                        "{} version {name:?} is not known to this build; it knows {}",
                        self.subject,
                        self.versions
                            .iter()
                            .map(|version| version.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    }

    /// Whether the versions are in order of effective date, for each book's own test.
    pub fn is_ordered(&self) -> bool {
        !self.versions.is_empty()
            && self
                .versions
                .windows(2)
                .all(|pair| pair[0].effective_date() < pair[1].effective_date())
    }
}

/// How far back each role may date a step it records (`occurred_at`). Older steps are loaded
/// by a bureau administrator as a migration of past ledgers, recorded as such.
#[derive(Debug)]
pub struct DatingRules {
    pub enterprise_days: i64,
    pub government_days: i64,
    pub system_days: i64,
}

pub const DATING: RuleBook<DatingRules> = RuleBook {
    subject: "dating rules",
    versions: &[Version {
        name: "dating-2023-01-01",
        effective_from: (2023, 1, 1),
        rules: DatingRules {
            enterprise_days: 7,
            government_days: 30,
            system_days: 1,
        },
    }],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_found_by_day_and_unknown_names_are_refused() {
        assert!(DATING.is_ordered());
        let day = NaiveDate::from_ymd_opt(2023, 3, 1).unwrap();
        assert_eq!(DATING.in_force(day).name, "dating-2023-01-01");
        assert_eq!(
            DATING.by_name("dating-1999").unwrap_err().reason(),
            "UNKNOWN_RULE_VERSION"
        );
    }
}
