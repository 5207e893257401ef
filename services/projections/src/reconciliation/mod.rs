//! The reconciliation of the two ledgers (两本账, DOMAIN.md §5): discrepancies D1-D8, match
//! proposals and rates, computed from a snapshot of the read models as of a moment. Pure
//! functions over the hazards context's own types and rules (one definition of overdue, of the
//! government side, of who verifies), so each class is tested scenario by scenario without a
//! database.
//!
//! - `ledgers`: what one ledger has and the other lacks (D1, D4, D7) and proposed pairs.
//! - `clocks`: the government's and the enterprise's clocks (D2, D3, D5).
//! - `enterprises`: silent enterprises and alarm devices (D6, D8).
//! - `rates`: the rates per group, each with the records behind it.
//!
//! Every clock comes from the hazard rules (versioned rule data): a hazard's own version for
//! what is about one hazard, the version in force on the day for what is about an enterprise.
//! Every row names the version it used.

#[cfg(test)]
mod adversarial_tests;
mod clocks;
mod enterprises;
mod ledgers;
mod rates;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use hl_domain::clock::local_date;
use hl_domain::rules::Version;
use hl_hazards::domain::hazard::{HazardFacts, HazardLifecycle};
use hl_hazards::domain::rules::{HAZARDS, HazardRules};
use hl_hazards::read_models::devices::{DeviceRow, DeviceTestRow};
use hl_hazards::read_models::rounds::RoundRow;
use hl_hazards::read_models::statistics::StatisticsRow;
use hl_proto::hazards::v1::HazardLevel;
use hl_proto::ledger::v1::{DiscrepancyClass, Severity};
use hl_proto::responsibility::v1::SelfCheckFrequency;

pub use ledgers::{Proposal, pairs, proposals};
pub use rates::{Rate, Rates, median, rates, ratio};

/// An enterprise's registry attributes on a given day.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attributes {
    pub enterprise_name: String,
    pub township_code: String,
    pub grid_cell_id: String,
    pub industries: Vec<i32>,
}

/// A hazard as of the snapshot's moments, with its enterprise's attributes on the day it was
/// found and the rules it is judged by.
#[derive(Clone, Debug)]
pub struct HazardView {
    pub facts: HazardFacts,
    pub reported_day: NaiveDate,
    pub lifecycle: HazardLifecycle,
    pub attributes: Attributes,
    pub rules: &'static Version<HazardRules>,
}

impl HazardView {
    pub fn is_government_side(&self) -> bool {
        self.facts.is_government_side()
    }

    pub fn level(&self) -> HazardLevel {
        self.lifecycle.level
    }
}

#[derive(Clone, Debug, Default)]
pub struct DeviceView {
    pub device: DeviceRow,
    /// Evidenced tests known by the snapshot's moments, oldest first.
    pub tests: Vec<DeviceTestRow>,
    pub attributes: Attributes,
}

#[derive(Clone, Debug, Default)]
pub struct EnterpriseView {
    pub enterprise_id: String,
    pub attributes: Attributes,
    /// Registered or active, and required to self-check.
    pub in_scope: bool,
    pub frequency: SelfCheckFrequency,
}

/// Everything the reconciliation reads, as of one business moment and one recording moment.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub as_of: DateTime<Utc>,
    pub known_at: DateTime<Utc>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Every hazard found by `as_of` and recorded by `known_at`.
    pub hazards: Vec<HazardView>,
    /// (government hazard, self-check hazard) pairs an officer rejected.
    pub rejected_pairs: HashSet<(String, String)>,
    pub rounds: Vec<RoundRow>,
    pub statistics: Vec<StatisticsRow>,
    pub devices: Vec<DeviceView>,
    pub enterprises: Vec<EnterpriseView>,
    /// Each planned enterprise's visits against the annual inspection plans of the period.
    pub planned_visits: Vec<PlannedVisits>,
}

/// An enterprise's visits under the annual inspection plan of a year: required by its grade,
/// and done (counted up to that requirement).
#[derive(Clone, Debug, Default)]
pub struct PlannedVisits {
    pub enterprise_id: String,
    pub attributes: Attributes,
    pub required: u32,
    pub done: u32,
}

impl Snapshot {
    fn today(&self) -> NaiveDate {
        local_date(self.as_of)
    }

    fn in_period(&self, day: NaiveDate) -> bool {
        day >= self.period_start && day <= self.period_end
    }

    /// The hazard rules in force on a day: for what is about an enterprise, not one hazard.
    fn rules_on(&self, day: NaiveDate) -> &'static Version<HazardRules> {
        HAZARDS.in_force(day)
    }
}

/// The snapshot's records grouped by enterprise and by id: every rule compares a record only
/// with others of its own enterprise, so it looks there instead of scanning the district.
pub struct Index<'a> {
    pub by_id: HashMap<&'a str, &'a HazardView>,
    hazards: HashMap<&'a str, Vec<&'a HazardView>>,
    rounds: HashMap<&'a str, Vec<&'a RoundRow>>,
    /// Government hazard → its self-check counterpart.
    pub pairs: HashMap<&'a str, &'a str>,
}

impl<'a> Index<'a> {
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let mut hazards: HashMap<&str, Vec<&HazardView>> = HashMap::new();
        let mut by_id = HashMap::new();
        for hazard in &snapshot.hazards {
            by_id.insert(hazard.facts.hazard_id.as_str(), hazard);
            hazards
                .entry(hazard.facts.enterprise_id.as_str())
                .or_default()
                .push(hazard);
        }
        let mut rounds: HashMap<&str, Vec<&RoundRow>> = HashMap::new();
        for round in &snapshot.rounds {
            rounds
                .entry(round.enterprise_id.as_str())
                .or_default()
                .push(round);
        }
        Index {
            by_id,
            hazards,
            rounds,
            pairs: pairs(snapshot),
        }
    }

    fn hazards_of(&self, enterprise_id: &str) -> &[&'a HazardView] {
        self.hazards.get(enterprise_id).map_or(&[], Vec::as_slice)
    }

    fn rounds_of(&self, enterprise_id: &str) -> &[&'a RoundRow] {
        self.rounds.get(enterprise_id).map_or(&[], Vec::as_slice)
    }

    /// The self-check counterpart of a government finding, if the enterprise's ledger had it
    /// before the finding: entered (recorded, not merely dated) by the time the government found
    /// it.
    pub fn reported_before(&self, government: &HazardView) -> Option<&'a HazardView> {
        self.counterpart(government)
            .filter(|own| own.facts.entered_at() <= government.facts.reported_at)
    }

    /// The self-check counterpart of a government finding, whenever it was recorded.
    pub fn counterpart(&self, government: &HazardView) -> Option<&'a HazardView> {
        self.pairs
            .get(government.facts.hazard_id.as_str())
            .and_then(|id| self.by_id.get(id).copied())
    }
}

/// One discrepancy.
#[derive(Clone, Debug, PartialEq)]
pub struct DiscrepancyRow {
    pub class: DiscrepancyClass,
    pub severity: Severity,
    pub enterprise_id: String,
    pub attributes: Attributes,
    /// The day the discrepancy began.
    pub since: NaiveDate,
    pub hazard_ids: Vec<String>,
    pub record_name: String,
    pub detail: String,
    /// The rule version its clocks came from.
    pub rule_version: String,
    /// For a clock kept late: the day it was met, and by how many days late. Such a row stays,
    /// closed, so a late review is never erased by the review itself.
    pub resolved_on: Option<NaiveDate>,
    pub days_late: i64,
}

impl DiscrepancyRow {
    pub fn code(&self) -> String {
        format!("D{}", self.class as i32)
    }

    /// A row about one hazard (and the others named), judged by its rules.
    fn about(
        hazard: &HazardView,
        class: DiscrepancyClass,
        severity: Severity,
        since: NaiveDate,
        hazard_ids: Vec<String>,
        detail: String,
    ) -> DiscrepancyRow {
        DiscrepancyRow {
            class,
            severity,
            enterprise_id: hazard.facts.enterprise_id.clone(),
            attributes: hazard.attributes.clone(),
            since,
            hazard_ids,
            record_name: String::new(),
            detail,
            rule_version: hazard.rules.name.to_string(),
            resolved_on: None,
            days_late: 0,
        }
    }
}

fn plus_days(day: NaiveDate, days: i64) -> NaiveDate {
    day.checked_add_days(Days::new(days.max(0) as u64))
        .unwrap_or(NaiveDate::MAX)
}

fn level_name(level: HazardLevel) -> &'static str {
    match level {
        HazardLevel::Major => "重大",
        HazardLevel::General => "一般",
        HazardLevel::Unspecified => "ungraded",
    }
}

/// Every discrepancy D1-D8 in the snapshot, in a stable order.
pub fn discrepancies(snapshot: &Snapshot) -> Vec<DiscrepancyRow> {
    let index = Index::new(snapshot);
    let mut rows = Vec::new();
    for hazard in &snapshot.hazards {
        ledgers::between_ledgers(snapshot, &index, hazard, &mut rows);
        clocks::hazard_clocks(snapshot, hazard, &mut rows);
    }
    clocks::recurrences(snapshot, &index, &mut rows);
    enterprises::silent_enterprises(snapshot, &index, &mut rows);
    enterprises::overdue_devices(snapshot, &mut rows);
    rows.sort_by(|left, right| {
        (
            left.class as i32,
            std::cmp::Reverse(left.severity as i32),
            &left.enterprise_id,
            &left.hazard_ids,
            &left.record_name,
        )
            .cmp(&(
                right.class as i32,
                std::cmp::Reverse(right.severity as i32),
                &right.enterprise_id,
                &right.hazard_ids,
                &right.record_name,
            ))
    });
    rows
}
