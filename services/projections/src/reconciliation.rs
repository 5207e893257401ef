//! The reconciliation of the two ledgers (两本账, DOMAIN.md §5): discrepancies D1-D8, match
//! proposals and rates, computed from a snapshot of the read models as of a time. Pure functions,
//! so each class is tested scenario by scenario without a database.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use hl_domain::clock::local_date;
use hl_proto::hazards::v1::{AlarmTestResult, HazardLevel, HazardStatus, SelfCheckRoundStatus};
use hl_proto::ledger::v1::{DiscrepancyClass, GroupBy, Severity};
use hl_proto::responsibility::v1::Industry;

use crate::model::{DeviceRow, DeviceTestRow, HazardFacts, HazardState, RoundRow, StatisticsRow};

/// Clocks and windows of the reconciliation. Policy, not law: configurable.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Days the government has to review a self-reported 重大 hazard or a rectification claim.
    pub review_clock_days: i64,
    /// A hazard like a closed one, reported within this many days after the close-out, recurs.
    pub recurrence_window_days: i64,
    /// A self-check entry reported up to this many days before a government finding may be its
    /// counterpart.
    pub matching_window_days: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            review_clock_days: 10,
            recurrence_window_days: 90,
            matching_window_days: 90,
        }
    }
}

/// An enterprise's registry attributes on a given day.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attributes {
    pub enterprise_name: String,
    pub township_code: String,
    pub grid_cell_id: String,
    pub industries: Vec<i32>,
}

/// A hazard as of the snapshot's time, with its enterprise's attributes on the report day.
#[derive(Clone, Debug, Default)]
pub struct HazardView {
    pub facts: HazardFacts,
    pub state: HazardState,
    pub attributes: Attributes,
}

#[derive(Clone, Debug, Default)]
pub struct DeviceView {
    pub device: DeviceRow,
    /// Tests recorded by the snapshot's time, oldest first.
    pub tests: Vec<DeviceTestRow>,
    pub attributes: Attributes,
}

#[derive(Clone, Debug, Default)]
pub struct EnterpriseView {
    pub enterprise_id: String,
    pub attributes: Attributes,
    /// Registered or active, and required to self-check.
    pub in_scope: bool,
}

/// Everything the reconciliation reads, as of one time.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub as_of: DateTime<Utc>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Every hazard reported by `as_of`.
    pub hazards: Vec<HazardView>,
    /// (government hazard, self-check hazard) pairs an officer rejected.
    pub rejected_pairs: HashSet<(String, String)>,
    pub rounds: Vec<RoundRow>,
    pub statistics: Vec<StatisticsRow>,
    pub devices: Vec<DeviceView>,
    pub enterprises: Vec<EnterpriseView>,
}

impl Snapshot {
    fn today(&self) -> NaiveDate {
        local_date(self.as_of)
    }

    fn in_period(&self, day: &str) -> bool {
        NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .is_ok_and(|day| day >= self.period_start && day <= self.period_end)
    }

    fn as_of_millis(&self) -> i64 {
        self.as_of.timestamp_millis()
    }
}

/// The snapshot's records grouped by enterprise: every rule compares a record only with others
/// of its own enterprise, so it looks there instead of scanning the whole district.
struct ByEnterprise<'a> {
    hazards: HashMap<&'a str, Vec<&'a HazardView>>,
    rounds: HashMap<&'a str, Vec<&'a RoundRow>>,
    /// Periodic statistics submitted by the snapshot's time.
    submitted_statistics: HashSet<&'a str>,
}

impl<'a> ByEnterprise<'a> {
    fn new(snapshot: &'a Snapshot) -> Self {
        let mut hazards: HashMap<&str, Vec<&HazardView>> = HashMap::new();
        for hazard in &snapshot.hazards {
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
        let as_of = snapshot.as_of_millis();
        let submitted_statistics = snapshot
            .statistics
            .iter()
            .filter(|statistics| statistics.submitted_at <= as_of)
            .map(|statistics| statistics.statistics_id.as_str())
            .collect();
        ByEnterprise {
            hazards,
            rounds,
            submitted_statistics,
        }
    }

    fn hazards_of(&self, enterprise_id: &str) -> &[&'a HazardView] {
        self.hazards.get(enterprise_id).map_or(&[], Vec::as_slice)
    }

    fn rounds_of(&self, enterprise_id: &str) -> &[&'a RoundRow] {
        self.rounds.get(enterprise_id).map_or(&[], Vec::as_slice)
    }
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn day_of(millis: i64) -> NaiveDate {
    local_date(DateTime::from_timestamp_millis(millis).unwrap_or_default())
}

fn plus_days(day: NaiveDate, days: i64) -> NaiveDate {
    day.checked_add_days(Days::new(days.max(0) as u64))
        .unwrap_or(NaiveDate::MAX)
}

/// Past its deadline and not rectified, as of a time (a claim made in time is not overdue).
pub fn is_overdue(state: &HazardState, as_of: DateTime<Utc>) -> bool {
    let Some(deadline) = state.deadline.as_deref().and_then(parse_day) else {
        return false;
    };
    let today = local_date(as_of);
    match HazardStatus::try_from(state.status) {
        Ok(HazardStatus::Rectifying) => today > deadline,
        Ok(HazardStatus::AwaitingVerification) => state
            .claimed_at
            .is_some_and(|claimed| day_of(claimed) > deadline),
        _ => false,
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
}

impl DiscrepancyRow {
    pub fn code(&self) -> String {
        format!("D{}", self.class as i32)
    }
}

/// A proposed pair between the ledgers.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    pub government_hazard_id: String,
    pub self_hazard_id: String,
    pub enterprise_id: String,
    pub township_code: String,
    pub grounds: Vec<String>,
    pub score: f64,
}

/// Pairs in force as of the snapshot: government hazard → self-check hazard.
fn pairs(snapshot: &Snapshot) -> HashMap<String, String> {
    let mut pairs = HashMap::new();
    for hazard in &snapshot.hazards {
        let counterpart = &hazard.state.counterpart_hazard_id;
        if counterpart.is_empty() {
            continue;
        }
        if hazard.facts.government_side {
            pairs.insert(hazard.facts.hazard_id.clone(), counterpart.clone());
        } else {
            pairs
                .entry(counterpart.clone())
                .or_insert_with(|| hazard.facts.hazard_id.clone());
        }
    }
    pairs
}

fn level(state: &HazardState) -> HazardLevel {
    HazardLevel::try_from(state.level).unwrap_or(HazardLevel::Unspecified)
}

fn level_name(level: HazardLevel) -> &'static str {
    match level {
        HazardLevel::Major => "重大",
        HazardLevel::General => "一般",
        HazardLevel::Unspecified => "ungraded",
    }
}

/// Every discrepancy D1-D8 in the snapshot.
pub fn discrepancies(snapshot: &Snapshot, policy: &Policy) -> Vec<DiscrepancyRow> {
    let today = snapshot.today();
    let as_of = snapshot.as_of_millis();
    let by_id: HashMap<&str, &HazardView> = snapshot
        .hazards
        .iter()
        .map(|hazard| (hazard.facts.hazard_id.as_str(), hazard))
        .collect();
    let pairs = pairs(snapshot);
    let index = ByEnterprise::new(snapshot);
    let mut rows = Vec::new();
    let row = |class,
               severity,
               hazard: &HazardView,
               since: NaiveDate,
               hazard_ids: Vec<String>,
               detail: String| DiscrepancyRow {
        class,
        severity,
        enterprise_id: hazard.facts.enterprise_id.clone(),
        attributes: hazard.attributes.clone(),
        since,
        hazard_ids,
        record_name: String::new(),
        detail,
    };

    for hazard in &snapshot.hazards {
        let facts = &hazard.facts;
        let state = &hazard.state;
        let reported_day = parse_day(&facts.reported_date).unwrap_or(today);
        let in_period = snapshot.in_period(&facts.reported_date);
        let hazard_level = level(state);

        if facts.government_side && in_period {
            // The self-check counterpart that was reported before the government found it.
            let earlier_counterpart = pairs
                .get(&facts.hazard_id)
                .and_then(|id| by_id.get(id.as_str()))
                .filter(|counterpart| counterpart.facts.reported_at <= facts.reported_at);
            match earlier_counterpart {
                None => {
                    let attested_zero = index.rounds_of(&facts.enterprise_id).iter().any(|round| {
                        round.zero_findings
                            && round
                                .submitted_at
                                .is_some_and(|submitted| submitted <= as_of)
                            && round.period_start.as_str() <= facts.reported_date.as_str()
                            && facts.reported_date.as_str() <= round.period_end.as_str()
                    });
                    let severity = if hazard_level == HazardLevel::Major || attested_zero {
                        Severity::High
                    } else {
                        Severity::Medium
                    };
                    let mut detail = format!(
                        "found by the government ({}); no self-check entry reported before it",
                        level_name(hazard_level)
                    );
                    if attested_zero {
                        detail.push_str(
                            "; the enterprise attested zero findings (零隐患) for the period",
                        );
                    }
                    rows.push(row(
                        DiscrepancyClass::MissedBySelfCheck,
                        severity,
                        hazard,
                        reported_day,
                        vec![facts.hazard_id.clone()],
                        detail,
                    ));
                    if hazard_level == HazardLevel::Major {
                        rows.push(row(
                            DiscrepancyClass::UnreportedMajor,
                            Severity::High,
                            hazard,
                            reported_day,
                            vec![facts.hazard_id.clone()],
                            "a 重大 hazard the enterprise's own ledger does not have".to_string(),
                        ));
                    }
                }
                Some(counterpart) => {
                    let own_level = level(&counterpart.state);
                    if hazard_level != HazardLevel::Unspecified
                        && own_level != HazardLevel::Unspecified
                        && own_level != hazard_level
                    {
                        let severity = if hazard_level == HazardLevel::Major {
                            Severity::High
                        } else {
                            Severity::Medium
                        };
                        rows.push(row(
                            DiscrepancyClass::GradeDisagreement,
                            severity,
                            hazard,
                            reported_day,
                            vec![facts.hazard_id.clone(), counterpart.facts.hazard_id.clone()],
                            format!(
                                "graded {} by the government, {} by the enterprise",
                                level_name(hazard_level),
                                level_name(own_level)
                            ),
                        ));
                    }
                    if hazard_level == HazardLevel::Major && own_level == HazardLevel::General {
                        rows.push(row(
                            DiscrepancyClass::UnreportedMajor,
                            Severity::High,
                            hazard,
                            reported_day,
                            vec![facts.hazard_id.clone(), counterpart.facts.hazard_id.clone()],
                            "a 重大 hazard the enterprise recorded only as 一般".to_string(),
                        ));
                    }
                }
            }
        }

        // D2: a self-reported 重大 hazard the government has not looked at within its clock.
        if !facts.government_side && in_period && hazard_level == HazardLevel::Major {
            let clock_ends = plus_days(reported_day, policy.review_clock_days);
            let reviewed = state
                .first_government_action_at
                .is_some_and(|at| at <= as_of);
            if !reviewed && today > clock_ends && state.status != HazardStatus::Closed as i32 {
                rows.push(row(
                    DiscrepancyClass::SelfReportedUnattended,
                    Severity::High,
                    hazard,
                    clock_ends,
                    vec![facts.hazard_id.clone()],
                    format!(
                        "self-reported 重大 hazard not reviewed by the government within {} days",
                        policy.review_clock_days
                    ),
                ));
            }
        }
        // D2: a claim on a government-ordered hazard waiting for its verdict beyond the clock.
        let government_ordered = facts.government_side || state.deadline_source == 2;
        if state.status == HazardStatus::AwaitingVerification as i32
            && government_ordered
            && let Some(claimed) = state
                .claimed_at
                .filter(|claimed| snapshot.in_period(&day_of(*claimed).to_string()))
        {
            let clock_ends = plus_days(day_of(claimed), policy.review_clock_days);
            if today > clock_ends {
                rows.push(row(
                    DiscrepancyClass::SelfReportedUnattended,
                    Severity::Medium,
                    hazard,
                    clock_ends,
                    vec![facts.hazard_id.clone()],
                    format!("rectification claimed on {} awaits the government's verdict beyond {} days", day_of(claimed), policy.review_clock_days),
                ));
            }
        }

        // D3: a claim the government's check found false.
        if in_period && state.government_rejections > 0 {
            let since = state.verdict_at.map(day_of).unwrap_or(reported_day);
            rows.push(row(
                DiscrepancyClass::FalseRectification,
                Severity::High,
                hazard,
                since,
                vec![facts.hazard_id.clone()],
                format!(
                    "rectification claimed but rejected by the government's check {} time(s)",
                    state.government_rejections
                ),
            ));
        }

        // D5: past its deadline and not rectified.
        if is_overdue(state, snapshot.as_of) {
            let deadline = state
                .deadline
                .as_deref()
                .and_then(parse_day)
                .unwrap_or(today);
            if deadline <= snapshot.period_end {
                let severity = if hazard_level == HazardLevel::Major || state.listed {
                    Severity::High
                } else {
                    Severity::Medium
                };
                let ledger = if facts.government_side {
                    "government"
                } else {
                    "enterprise"
                };
                let listing = if state.listed {
                    ", listed (挂牌)"
                } else {
                    ""
                };
                rows.push(row(
                    DiscrepancyClass::Overdue,
                    severity,
                    hazard,
                    deadline.succ_opt().unwrap_or(deadline),
                    vec![facts.hazard_id.clone()],
                    format!(
                        "{} ledger, {}{listing}: deadline {deadline} passed",
                        ledger,
                        level_name(hazard_level)
                    ),
                ));
            }
        }
    }

    // D3: the same hazard again soon after a close-out.
    for closed in snapshot
        .hazards
        .iter()
        .filter(|hazard| hazard.state.closed_at.is_some_and(|at| at <= as_of))
    {
        let closed_at = closed.state.closed_at.unwrap_or_default();
        let window_ends = closed_at + policy.recurrence_window_days * 86_400_000;
        for later in index.hazards_of(&closed.facts.enterprise_id) {
            let same_place = (!later.facts.location.is_empty()
                && later.facts.location == closed.facts.location)
                || (!later.facts.equipment.is_empty()
                    && later.facts.equipment == closed.facts.equipment);
            if later.facts.hazard_id != closed.facts.hazard_id
                && later.facts.enterprise_id == closed.facts.enterprise_id
                && later.facts.category == closed.facts.category
                && same_place
                && later.facts.reported_at > closed_at
                && later.facts.reported_at <= window_ends
                && snapshot.in_period(&later.facts.reported_date)
            {
                rows.push(DiscrepancyRow {
                    class: DiscrepancyClass::FalseRectification,
                    severity: Severity::Medium,
                    enterprise_id: later.facts.enterprise_id.clone(),
                    attributes: later.attributes.clone(),
                    since: parse_day(&later.facts.reported_date).unwrap_or(today),
                    hazard_ids: vec![
                        closed.facts.hazard_id.clone(),
                        later.facts.hazard_id.clone(),
                    ],
                    record_name: String::new(),
                    detail: format!(
                        "recurred {} days after close-out",
                        (later.facts.reported_at - closed_at) / 86_400_000
                    ),
                });
            }
        }
    }

    rows.extend(silent_enterprises(snapshot, &index));
    rows.extend(overdue_devices(snapshot));
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

/// D6: an enterprise in scope without a self-check round in the period, or with periodic
/// statistics past due.
fn silent_enterprises(snapshot: &Snapshot, index: &ByEnterprise<'_>) -> Vec<DiscrepancyRow> {
    let today = snapshot.today();
    let as_of = snapshot.as_of_millis();
    let mut rows = Vec::new();
    for enterprise in snapshot
        .enterprises
        .iter()
        .filter(|enterprise| enterprise.in_scope)
    {
        let checked = index
            .rounds_of(&enterprise.enterprise_id)
            .iter()
            .any(|round| {
                round.status == SelfCheckRoundStatus::Submitted as i32
                    && round
                        .submitted_at
                        .is_some_and(|submitted| submitted <= as_of)
                    && parse_day(&round.period_start)
                        .is_some_and(|start| start <= snapshot.period_end)
                    && parse_day(&round.period_end).is_some_and(|end| end >= snapshot.period_start)
            });
        let period_over = snapshot.period_end < today;
        if !checked && period_over {
            rows.push(DiscrepancyRow {
                class: DiscrepancyClass::SilentEnterprise,
                severity: Severity::Medium,
                enterprise_id: enterprise.enterprise_id.clone(),
                attributes: enterprise.attributes.clone(),
                since: snapshot
                    .period_end
                    .succ_opt()
                    .unwrap_or(snapshot.period_end),
                hazard_ids: Vec::new(),
                record_name: format!("enterprises/{}", enterprise.enterprise_id),
                detail: format!(
                    "no self-check round submitted for {} to {}",
                    snapshot.period_start, snapshot.period_end
                ),
            });
        }
        for (statistics_id, due) in statistics_due(
            &enterprise.enterprise_id,
            snapshot.period_start,
            snapshot.period_end,
        ) {
            let submitted = index.submitted_statistics.contains(statistics_id.as_str());
            if !submitted && today > due {
                rows.push(DiscrepancyRow {
                    class: DiscrepancyClass::SilentEnterprise,
                    severity: Severity::Low,
                    enterprise_id: enterprise.enterprise_id.clone(),
                    attributes: enterprise.attributes.clone(),
                    since: due.succ_opt().unwrap_or(due),
                    hazard_ids: Vec::new(),
                    record_name: format!("periodicStatistics/{statistics_id}"),
                    detail: format!("periodic statistics due on {due} not submitted"),
                });
            }
        }
    }
    rows
}

/// The quarterly statistics of quarters ending in the period, with their due dates (the 15th of
/// the next quarter's first month), and the annual ones of years ending in it (31 January).
pub fn statistics_due(
    enterprise_id: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<(String, NaiveDate)> {
    use chrono::Datelike;
    let mut due = Vec::new();
    for year in start.year()..=end.year() {
        for quarter in 1..=4u32 {
            let Some(first_of_next) = (if quarter == 4 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, quarter * 3 + 1, 1)
            }) else {
                continue;
            };
            let last_day = first_of_next.pred_opt().unwrap_or(first_of_next);
            if last_day >= start && last_day <= end {
                let due_day = first_of_next.with_day(15).unwrap_or(first_of_next);
                due.push((format!("{enterprise_id}-{year}Q{quarter}"), due_day));
            }
        }
        if let Some(last_day) = NaiveDate::from_ymd_opt(year, 12, 31)
            && last_day >= start
            && last_day <= end
            && let Some(due_day) = NaiveDate::from_ymd_opt(year + 1, 1, 31)
        {
            due.push((format!("{enterprise_id}-{year}"), due_day));
        }
    }
    due
}

/// D8: a safety alarm device that failed its last test, or whose test is past due.
fn overdue_devices(snapshot: &Snapshot) -> Vec<DiscrepancyRow> {
    let today = snapshot.today();
    let as_of = snapshot.as_of_millis();
    snapshot
        .devices
        .iter()
        .filter(|view| view.device.retired_at.is_none_or(|retired| retired > as_of))
        .filter_map(|view| {
            let last = view.tests.last();
            let failed = last.is_some_and(|test| test.result == AlarmTestResult::Fail as i32);
            let due = match last {
                Some(test) if test.result == AlarmTestResult::Fail as i32 => {
                    parse_day(&test.tested_on)
                }
                Some(test) => parse_day(&test.tested_on)
                    .map(|day| plus_days(day, view.device.test_interval_days)),
                None => parse_day(&view.device.registered_on),
            }?;
            if !(failed || today > due) {
                return None;
            }
            let detail = if failed {
                format!("failed its test on {due}")
            } else {
                format!("annual test due on {due} not done")
            };
            Some(DiscrepancyRow {
                class: DiscrepancyClass::DeviceOverdue,
                severity: Severity::High,
                enterprise_id: view.device.enterprise_id.clone(),
                attributes: view.attributes.clone(),
                since: if failed {
                    due
                } else {
                    due.succ_opt().unwrap_or(due)
                },
                hazard_ids: Vec::new(),
                record_name: format!("alarmDevices/{}", view.device.device_id),
                detail,
            })
        })
        .collect()
}

/// Proposed pairs for government findings without a counterpart: self-check entries of the same
/// enterprise reported before the finding, within the matching window, alike in category,
/// place or equipment, and not rejected for this finding.
pub fn proposals(snapshot: &Snapshot, policy: &Policy) -> Vec<Proposal> {
    let pairs = pairs(snapshot);
    let paired_self: HashSet<&String> = pairs.values().collect();
    let window = policy.matching_window_days * 86_400_000;
    let index = ByEnterprise::new(snapshot);
    let mut proposals = Vec::new();
    for government in snapshot.hazards.iter().filter(|hazard| {
        hazard.facts.government_side && !pairs.contains_key(&hazard.facts.hazard_id)
    }) {
        for own in index
            .hazards_of(&government.facts.enterprise_id)
            .iter()
            .filter(|hazard| !hazard.facts.government_side)
        {
            let (government_facts, own_facts) = (&government.facts, &own.facts);
            if own_facts.enterprise_id != government_facts.enterprise_id
                || own_facts.reported_at > government_facts.reported_at
                || government_facts.reported_at - own_facts.reported_at > window
                || paired_self.contains(&own_facts.hazard_id)
                || snapshot.rejected_pairs.contains(&(
                    government_facts.hazard_id.clone(),
                    own_facts.hazard_id.clone(),
                ))
            {
                continue;
            }
            let mut grounds = Vec::new();
            let mut score: f64 = 0.0;
            if own_facts.category == government_facts.category {
                grounds.push("same category".to_string());
                score += 0.5;
            }
            let same_location = !own_facts.location.is_empty()
                && (own_facts.location.contains(&government_facts.location)
                    || government_facts.location.contains(&own_facts.location));
            if same_location {
                grounds.push(format!("same place ({})", own_facts.location));
                score += 0.3;
            }
            if !own_facts.equipment.is_empty() && own_facts.equipment == government_facts.equipment
            {
                grounds.push(format!("same equipment ({})", own_facts.equipment));
                score += 0.2;
            }
            if score < 0.5 {
                continue;
            }
            let days = (government_facts.reported_at - own_facts.reported_at) / 86_400_000;
            grounds.push(format!(
                "self-check entry reported {days} day(s) before the government finding"
            ));
            proposals.push(Proposal {
                government_hazard_id: government_facts.hazard_id.clone(),
                self_hazard_id: own_facts.hazard_id.clone(),
                enterprise_id: government_facts.enterprise_id.clone(),
                township_code: government.attributes.township_code.clone(),
                grounds,
                score: score.min(1.0),
            });
        }
    }
    proposals.sort_by(|left, right| {
        right.score.total_cmp(&left.score).then_with(|| {
            (&left.government_hazard_id, &left.self_hazard_id)
                .cmp(&(&right.government_hazard_id, &right.self_hazard_id))
        })
    });
    proposals
}

/// The counts and rates of one group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rates {
    pub government_findings: u32,
    pub self_found_matched: u32,
    pub missed_by_self_check: u32,
    pub false_rectifications: u32,
    pub government_checked_rectifications: u32,
    pub verification_lags_hours: Vec<f64>,
    /// (government side, level) → (due, on time).
    pub on_time: BTreeMap<(bool, i32), (u32, u32)>,
    pub open_major: u32,
    pub enterprises_in_scope: u32,
    pub enterprises_self_checked: u32,
    pub discrepancies: u32,
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
        GroupBy::Industry => {
            if attributes.industries.is_empty() {
                vec![String::new()]
            } else {
                attributes
                    .industries
                    .iter()
                    .map(|industry| {
                        Industry::try_from(*industry).map_or_else(
                            |_| industry.to_string(),
                            |industry| industry.as_str_name().to_string(),
                        )
                    })
                    .collect()
            }
        }
    }
}

/// Rates per group, and for the whole snapshot (the group "").
pub fn rates(
    snapshot: &Snapshot,
    discrepancies: &[DiscrepancyRow],
    group_by: GroupBy,
) -> (Rates, BTreeMap<String, Rates>) {
    let mut total = Rates::default();
    let mut by_group: BTreeMap<String, Rates> = BTreeMap::new();
    let today = snapshot.today();
    let as_of = snapshot.as_of_millis();
    let pairs = pairs(snapshot);
    let by_id: HashMap<&str, &HazardView> = snapshot
        .hazards
        .iter()
        .map(|hazard| (hazard.facts.hazard_id.as_str(), hazard))
        .collect();
    let missed: HashSet<&str> = discrepancies
        .iter()
        .filter(|row| row.class == DiscrepancyClass::MissedBySelfCheck)
        .filter_map(|row| row.hazard_ids.first().map(String::as_str))
        .collect();
    let mut each = |attributes: &Attributes, enterprise_id: &str, change: &dyn Fn(&mut Rates)| {
        change(&mut total);
        for group in groups(attributes, enterprise_id, group_by) {
            change(by_group.entry(group).or_default());
        }
    };

    for hazard in &snapshot.hazards {
        let (facts, state) = (&hazard.facts, &hazard.state);
        let in_period = snapshot.in_period(&facts.reported_date);
        let attributes = &hazard.attributes;
        if facts.government_side && in_period {
            let is_missed = missed.contains(facts.hazard_id.as_str());
            let matched = pairs
                .get(&facts.hazard_id)
                .and_then(|id| by_id.get(id.as_str()))
                .is_some_and(|counterpart| counterpart.facts.reported_at <= facts.reported_at);
            each(attributes, &facts.enterprise_id, &|rates| {
                rates.government_findings += 1;
                if is_missed {
                    rates.missed_by_self_check += 1;
                }
                if matched {
                    rates.self_found_matched += 1;
                }
            });
        }
        if in_period
            && (state.government_rejections > 0
                || (state.verified_by_government && state.claimed_at.is_some()))
        {
            each(attributes, &facts.enterprise_id, &|rates| {
                rates.government_checked_rectifications += 1
            });
        }
        if in_period
            && let (Some(claimed), Some(verdict)) = (state.claimed_at, state.verdict_at)
            && verdict >= claimed
        {
            let hours = (verdict - claimed) as f64 / 3_600_000.0;
            each(attributes, &facts.enterprise_id, &|rates| {
                rates.verification_lags_hours.push(hours)
            });
        }
        if let Some(deadline) = state.deadline.as_deref().and_then(parse_day)
            && deadline >= snapshot.period_start
            && deadline <= snapshot.period_end.min(today)
        {
            let rectified = [state.claimed_at, state.verified_at]
                .into_iter()
                .flatten()
                .filter(|at| *at <= as_of)
                .map(day_of)
                .min();
            let on_time = rectified.is_some_and(|day| day <= deadline);
            let key = (facts.government_side, state.level);
            each(attributes, &facts.enterprise_id, &|rates| {
                let entry = rates.on_time.entry(key).or_default();
                entry.0 += 1;
                if on_time {
                    entry.1 += 1;
                }
            });
        }
        if state.level == HazardLevel::Major as i32 && state.status != HazardStatus::Closed as i32 {
            each(attributes, &facts.enterprise_id, &|rates| {
                rates.open_major += 1
            });
        }
    }
    for row in discrepancies {
        let false_rectification = row.class == DiscrepancyClass::FalseRectification;
        each(&row.attributes, &row.enterprise_id, &|rates| {
            rates.discrepancies += 1;
            if false_rectification {
                rates.false_rectifications += 1;
            }
        });
    }
    let index = ByEnterprise::new(snapshot);
    for enterprise in snapshot
        .enterprises
        .iter()
        .filter(|enterprise| enterprise.in_scope)
    {
        let checked = index
            .rounds_of(&enterprise.enterprise_id)
            .iter()
            .any(|round| {
                round
                    .submitted_at
                    .is_some_and(|submitted| submitted <= as_of)
                    && parse_day(&round.period_start)
                        .is_some_and(|start| start <= snapshot.period_end)
                    && parse_day(&round.period_end).is_some_and(|end| end >= snapshot.period_start)
            });
        each(
            &enterprise.attributes,
            &enterprise.enterprise_id,
            &|rates| {
                rates.enterprises_in_scope += 1;
                if checked {
                    rates.enterprises_self_checked += 1;
                }
            },
        );
    }
    (total, by_group)
}

#[cfg(test)]
#[path = "reconciliation_tests.rs"]
mod tests;
