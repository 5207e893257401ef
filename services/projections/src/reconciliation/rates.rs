//! The rates of DOMAIN.md §5 per group. Each rate keeps the records above and below its line, so
//! any cell of a dashboard can be opened into the hazards (or enterprises) it was made of, and
//! numerator and denominator are always counted over one population.

use std::collections::BTreeMap;

use hl_proto::hazards::v1::{HazardLevel, HazardStatus};
use hl_proto::ledger::v1::GroupBy;
use hl_proto::responsibility::v1::Industry;

use super::{Attributes, DiscrepancyRow, HazardView, Index, Snapshot};

/// One rate: the ids counted above the line and below it (the numerator is a part of the
/// denominator).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rate {
    pub numerator: Vec<String>,
    pub denominator: Vec<String>,
}

impl Rate {
    pub fn value(&self) -> Option<f64> {
        ratio(self.numerator.len() as u32, self.denominator.len() as u32)
    }

    fn count(&mut self, id: &str, above: bool) {
        self.denominator.push(id.to_string());
        if above {
            self.numerator.push(id.to_string());
        }
    }
}

/// The counts and rates of one group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rates {
    /// Government findings in the period, and those the enterprise's ledger had before them.
    pub self_discovery: Rate,
    /// Government findings in the period, and those missed by the self-check (D1).
    pub miss: Rate,
    /// Claims the government checked (hazards of the period), and those it rejected.
    pub false_rectification: Rate,
    pub verification_lags_hours: Vec<f64>,
    /// (government side, level) → hazards due in the period, and those verified by the deadline.
    pub on_time: BTreeMap<(bool, i32), Rate>,
    pub open_major: Vec<String>,
    /// Enterprises that must self-check, and those that did for the period.
    pub self_check: Rate,
    pub discrepancies: u32,
    /// Visits the annual inspection plans require of the group's enterprises, and those done.
    pub visits_required: u32,
    pub visits_done: u32,
}

pub fn ratio(numerator: u32, denominator: u32) -> Option<f64> {
    (denominator > 0).then(|| f64::from(numerator) / f64::from(denominator))
}

pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    })
}

/// The groups an enterprise's attributes put it in.
pub fn groups(attributes: &Attributes, enterprise_id: &str, group_by: GroupBy) -> Vec<String> {
    match group_by {
        GroupBy::Enterprise | GroupBy::Unspecified => vec![enterprise_id.to_string()],
        GroupBy::Township => vec![attributes.township_code.clone()],
        GroupBy::GridCell => vec![attributes.grid_cell_id.clone()],
        GroupBy::District => vec![division(&attributes.township_code, 6)],
        GroupBy::City => vec![division(&attributes.township_code, 4)],
        GroupBy::Industry if attributes.industries.is_empty() => vec![String::new()],
        GroupBy::Industry => attributes
            .industries
            .iter()
            .map(|industry| {
                Industry::try_from(*industry).map_or_else(
                    |_| industry.to_string(),
                    |industry| industry.as_str_name().to_string(),
                )
            })
            .collect(),
    }
}

/// The administrative division a township code lies in, by the code's first `digits` digits
/// padded with zeros to the six of a division code: "330903001" lies in district "330903" and in
/// city "330900". A code too short to tell stays as it is.
fn division(township_code: &str, digits: usize) -> String {
    match township_code.get(..digits) {
        Some(prefix) if township_code.len() >= 6 => format!("{prefix:0<6}"),
        _ => township_code.to_string(),
    }
}

/// Adds a record to the total and to each of its groups.
struct Tally<'a> {
    group_by: GroupBy,
    total: &'a mut Rates,
    by_group: &'a mut BTreeMap<String, Rates>,
}

impl Tally<'_> {
    fn add(&mut self, attributes: &Attributes, enterprise_id: &str, change: impl Fn(&mut Rates)) {
        change(self.total);
        for group in groups(attributes, enterprise_id, self.group_by) {
            change(self.by_group.entry(group).or_default());
        }
    }
}

/// Rates per group, and for the whole snapshot.
pub fn rates(
    snapshot: &Snapshot,
    discrepancies: &[DiscrepancyRow],
    group_by: GroupBy,
) -> (Rates, BTreeMap<String, Rates>) {
    let mut total = Rates::default();
    let mut by_group = BTreeMap::new();
    let mut tally = Tally {
        group_by,
        total: &mut total,
        by_group: &mut by_group,
    };
    let index = Index::new(snapshot);
    for hazard in &snapshot.hazards {
        hazard_rates(snapshot, &index, hazard, &mut tally);
    }
    for row in discrepancies {
        tally.add(&row.attributes, &row.enterprise_id, |rates| {
            rates.discrepancies += 1
        });
    }
    for enterprise in snapshot
        .enterprises
        .iter()
        .filter(|enterprise| enterprise.in_scope)
    {
        let checked = index
            .rounds_of(&enterprise.enterprise_id)
            .iter()
            .any(|round| {
                round.submitted_by(snapshot.as_of, snapshot.known_at)
                    && round.overlaps(snapshot.period_start, snapshot.period_end)
            });
        let id = enterprise.enterprise_id.as_str();
        tally.add(&enterprise.attributes, id, |rates| {
            rates.self_check.count(id, checked)
        });
    }
    for planned in &snapshot.planned_visits {
        tally.add(&planned.attributes, &planned.enterprise_id, |rates| {
            rates.visits_required += planned.required;
            rates.visits_done += planned.done;
        });
    }
    (total, by_group)
}

/// What one hazard adds to the rates of its groups.
fn hazard_rates(
    snapshot: &Snapshot,
    index: &Index<'_>,
    hazard: &HazardView,
    tally: &mut Tally<'_>,
) {
    let (facts, lifecycle) = (&hazard.facts, &hazard.lifecycle);
    let id = facts.hazard_id.as_str();
    let attributes = &hazard.attributes;
    let enterprise = facts.enterprise_id.as_str();
    let in_period = snapshot.in_period(hazard.reported_day);
    if hazard.is_government_side() && in_period {
        let matched = index.reported_before(hazard).is_some();
        tally.add(attributes, enterprise, |rates| {
            rates.self_discovery.count(id, matched);
            rates.miss.count(id, !matched);
        });
    }
    let checked_by_government = lifecycle.government_rejections > 0
        || (lifecycle.verified_by_government && lifecycle.claimed_at.is_some());
    if in_period && checked_by_government {
        let rejected = lifecycle.government_rejections > 0;
        tally.add(attributes, enterprise, |rates| {
            rates.false_rectification.count(id, rejected)
        });
    }
    if in_period
        && let (Some(claimed), Some(verdict)) = (lifecycle.claimed_at, lifecycle.verdict_at)
        && verdict >= claimed
    {
        let hours = (verdict - claimed).num_milliseconds() as f64 / 3_600_000.0;
        tally.add(attributes, enterprise, |rates| {
            rates.verification_lags_hours.push(hours)
        });
    }
    on_time_closure(snapshot, hazard, tally);
    if lifecycle.level == HazardLevel::Major && lifecycle.status != HazardStatus::Closed {
        tally.add(attributes, enterprise, |rates| {
            rates.open_major.push(id.to_string())
        });
    }
}

/// A hazard due in the period (up to today) counts as on time when it was verified (or fixed on
/// the spot) by the end of its deadline day; a claim, rejected or not, does not.
fn on_time_closure(snapshot: &Snapshot, hazard: &HazardView, tally: &mut Tally<'_>) {
    let lifecycle = &hazard.lifecycle;
    let Some(deadline) = lifecycle.deadline else {
        return;
    };
    if deadline < snapshot.period_start || deadline > snapshot.period_end.min(snapshot.today()) {
        return;
    }
    let verified_day = lifecycle
        .verified_at
        .filter(|at| *at <= snapshot.as_of)
        .map(hl_domain::clock::local_date);
    let on_time = verified_day.is_some_and(|day| day <= deadline);
    let key = (hazard.is_government_side(), lifecycle.level as i32);
    let id = hazard.facts.hazard_id.as_str();
    tally.add(&hazard.attributes, &hazard.facts.enterprise_id, |rates| {
        rates.on_time.entry(key).or_default().count(id, on_time)
    });
}
