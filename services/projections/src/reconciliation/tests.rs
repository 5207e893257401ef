//! One scenario per discrepancy class, the rates and the proposals, on hand-built snapshots.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use hl_hazards::domain::hazard::{DeadlineSource, HazardFacts, HazardLifecycle};
use hl_hazards::domain::rules::HAZARDS;
use hl_proto::hazards::v1::{
    AlarmTestResult, HazardCategory, HazardLevel, HazardStatus, Provenance, SelfCheckRoundStatus,
};
use hl_proto::ledger::v1::{DiscrepancyClass as Class, GroupBy, Severity};
use hl_proto::responsibility::v1::SelfCheckFrequency;

use super::*;

const ENTERPRISE: &str = "91330903MA2NCU4LYE";

pub(super) fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{text}T02:00:00Z"))
        .unwrap()
        .to_utc()
}

pub(super) fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn attributes() -> Attributes {
    Attributes {
        enterprise_name: "冷链公司".into(),
        township_code: "330903001".into(),
        grid_cell_id: "g1".into(),
        industries: vec![4, 1],
    }
}

/// A hazard found and recorded on `reported`, graded `level`, in the government's ledger or the
/// enterprise's.
fn hazard(id: &str, government: bool, level: HazardLevel, reported: &str) -> HazardView {
    HazardView {
        facts: HazardFacts {
            hazard_id: id.into(),
            enterprise_id: ENTERPRISE.into(),
            township_code: "330903001".into(),
            provenance: if government {
                Provenance::GovernmentInspection
            } else {
                Provenance::EnterpriseSelf
            },
            category: HazardCategory::AmmoniaRefrigeration,
            location: "机房".into(),
            reported_at: at(reported),
            recorded_at: at(reported),
            ..HazardFacts::default()
        },
        reported_day: day(reported),
        lifecycle: HazardLifecycle {
            status: HazardStatus::Graded,
            level,
            ..HazardLifecycle::default()
        },
        attributes: attributes(),
        rules: HAZARDS.in_force(day(reported)),
    }
}

/// A government finding paired with a self-check entry.
fn paired(government: &mut HazardView, own: &HazardView) {
    government.lifecycle.counterpart_hazard_id = own.facts.hazard_id.clone();
}

fn snapshot(as_of: &str, hazards: Vec<HazardView>) -> Snapshot {
    Snapshot {
        as_of: at(as_of),
        known_at: at(as_of),
        period_start: day("2023-01-01"),
        period_end: day("2023-12-31"),
        hazards,
        rejected_pairs: HashSet::new(),
        rounds: Vec::new(),
        statistics: Vec::new(),
        devices: Vec::new(),
        enterprises: Vec::new(),
        planned_visits: Vec::new(),
    }
}

fn classes(snapshot: &Snapshot) -> Vec<(Class, Severity, Vec<String>)> {
    discrepancies(snapshot)
        .into_iter()
        .map(|row| (row.class, row.severity, row.hazard_ids))
        .collect()
}

fn ids(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

#[test]
fn d1_a_government_finding_without_an_entry_recorded_before_it_is_missed() {
    let mut government = hazard("gov", true, HazardLevel::General, "2023-05-01");
    let later_own = hazard("own", false, HazardLevel::General, "2023-05-10");
    paired(&mut government, &later_own);
    let scenario = snapshot("2023-06-01", vec![government.clone(), later_own]);
    // The enterprise recorded it only after the inspection: still missed by its self-check.
    assert_eq!(
        classes(&scenario),
        [(Class::MissedBySelfCheck, Severity::Medium, ids(&["gov"]))]
    );

    let earlier_own = hazard("own", false, HazardLevel::General, "2023-04-20");
    let matched = snapshot("2023-06-01", vec![government, earlier_own]);
    assert!(classes(&matched).is_empty());
}

#[test]
fn d1_a_backdated_entry_recorded_after_the_finding_does_not_count_as_before_it() {
    let mut government = hazard("gov", true, HazardLevel::General, "2023-05-01");
    let mut backdated = hazard("own", false, HazardLevel::General, "2023-04-20");
    backdated.facts.recorded_at = at("2023-05-02");
    paired(&mut government, &backdated);
    let rows = discrepancies(&snapshot("2023-06-01", vec![government, backdated]));
    assert_eq!(rows[0].class, Class::MissedBySelfCheck);
    assert!(rows[0].detail.contains("backdated"), "{}", rows[0].detail);
}

#[test]
fn d1_is_worse_after_a_zero_findings_statement() {
    let mut scenario = snapshot(
        "2023-06-01",
        vec![hazard("gov", true, HazardLevel::General, "2023-05-01")],
    );
    scenario.rounds.push(RoundRow {
        round_id: "r".into(),
        enterprise_id: ENTERPRISE.into(),
        period_start: day("2023-04-01"),
        period_end: day("2023-06-30"),
        status: SelfCheckRoundStatus::Submitted,
        zero_findings: true,
        submitted_at: Some(at("2023-04-30")),
        submission_recorded_at: Some(at("2023-04-30")),
        ..RoundRow::default()
    });
    let rows = discrepancies(&scenario);
    assert_eq!(rows[0].severity, Severity::High);
    assert!(rows[0].detail.contains("zero findings"));
}

#[test]
fn d2_a_self_reported_major_hazard_reviewed_late_leaves_a_closed_row() {
    let own_major = hazard("own", false, HazardLevel::Major, "2023-05-01");
    assert!(
        classes(&snapshot("2023-05-10", vec![own_major.clone()])).is_empty(),
        "still within the clock"
    );
    assert_eq!(
        classes(&snapshot("2023-05-20", vec![own_major.clone()])),
        [(Class::SelfReportedUnattended, Severity::High, ids(&["own"]))]
    );
    let mut reviewed_in_time = own_major.clone();
    reviewed_in_time.lifecycle.first_government_action_at = Some(at("2023-05-05"));
    assert!(classes(&snapshot("2023-05-20", vec![reviewed_in_time])).is_empty());
    let mut reviewed_late = own_major;
    reviewed_late.lifecycle.first_government_action_at = Some(at("2023-05-15"));
    let rows = discrepancies(&snapshot("2023-05-20", vec![reviewed_late]));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].resolved_on, Some(day("2023-05-15")));
    assert_eq!(rows[0].days_late, 4);
    assert_eq!(rows[0].rule_version, "hazard-rules-2008-02-01");
}

#[test]
fn d2_not_d5_a_claim_in_time_waiting_on_the_government() {
    let mut government = hazard("gov", true, HazardLevel::General, "2023-04-01");
    let own = hazard("own", false, HazardLevel::General, "2023-03-01");
    paired(&mut government, &own);
    government.lifecycle.status = HazardStatus::AwaitingVerification;
    government.lifecycle.deadline = Some(day("2023-05-10"));
    government.lifecycle.deadline_source = DeadlineSource::Order;
    government.lifecycle.claimed_at = Some(at("2023-05-05"));
    assert_eq!(
        classes(&snapshot("2023-05-30", vec![government, own])),
        [(
            Class::SelfReportedUnattended,
            Severity::Medium,
            ids(&["gov"])
        )]
    );
}

#[test]
fn d5_an_own_claim_never_verified_is_overdue_after_the_deadline() {
    let mut own = hazard("own", false, HazardLevel::General, "2023-04-01");
    own.lifecycle.status = HazardStatus::AwaitingVerification;
    own.lifecycle.deadline = Some(day("2023-05-10"));
    own.lifecycle.deadline_source = DeadlineSource::Plan;
    own.lifecycle.claimed_at = Some(at("2023-05-05"));
    assert_eq!(
        classes(&snapshot("2023-05-30", vec![own])),
        [(Class::Overdue, Severity::Medium, ids(&["own"]))]
    );
}

#[test]
fn d3_a_claim_rejected_by_the_government_dated_by_the_rejection_and_a_recurrence() {
    let mut rejected = hazard("gov", true, HazardLevel::General, "2023-04-01");
    let own = hazard("own", false, HazardLevel::General, "2023-03-01");
    paired(&mut rejected, &own);
    rejected.lifecycle.government_rejections = 1;
    rejected.lifecycle.government_rejected_at = Some(at("2023-05-01"));
    rejected.lifecycle.verdict_at = Some(at("2023-05-20"));
    let rows = discrepancies(&snapshot("2023-06-01", vec![rejected, own]));
    assert_eq!(
        (rows[0].class, rows[0].since),
        (Class::FalseRectification, day("2023-05-01"))
    );

    let mut closed = hazard("first", false, HazardLevel::General, "2023-02-01");
    closed.lifecycle.status = HazardStatus::Closed;
    closed.lifecycle.closed_at = Some(at("2023-03-01"));
    let again = hazard("again", false, HazardLevel::General, "2023-04-15");
    assert_eq!(
        classes(&snapshot("2023-06-01", vec![closed.clone(), again])),
        [(
            Class::FalseRectification,
            Severity::Medium,
            ids(&["first", "again"])
        )]
    );
    let much_later = hazard("later", false, HazardLevel::General, "2023-09-01");
    assert!(
        classes(&snapshot("2023-10-01", vec![closed, much_later])).is_empty(),
        "outside the 90-day window"
    );
}

#[test]
fn d4_and_d7_a_pair_graded_differently_whichever_side_came_first() {
    for own_reported in ["2023-04-01", "2023-05-20"] {
        let mut government = hazard("gov", true, HazardLevel::Major, "2023-05-01");
        let own = hazard("own", false, HazardLevel::General, own_reported);
        paired(&mut government, &own);
        let found: Vec<Class> = classes(&snapshot("2023-06-01", vec![government, own]))
            .into_iter()
            .map(|(class, _, _)| class)
            .collect();
        assert!(
            found.contains(&Class::GradeDisagreement),
            "{own_reported}: {found:?}"
        );
        assert!(
            found.contains(&Class::UnreportedMajor),
            "{own_reported}: {found:?}"
        );
    }
}

#[test]
fn d7_a_counterpart_never_graded() {
    let mut government = hazard("gov", true, HazardLevel::Major, "2023-05-01");
    let own = hazard("own", false, HazardLevel::Unspecified, "2023-04-01");
    paired(&mut government, &own);
    let rows = discrepancies(&snapshot("2023-06-01", vec![government, own]));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].class, Class::UnreportedMajor);
    assert!(rows[0].detail.contains("never graded"));
}

#[test]
fn d5_past_the_deadline_and_not_verified() {
    let mut late = hazard("gov", true, HazardLevel::General, "2023-04-01");
    let own_before = hazard("own", false, HazardLevel::General, "2023-03-01");
    paired(&mut late, &own_before);
    late.lifecycle.status = HazardStatus::Rectifying;
    late.lifecycle.deadline = Some(day("2023-05-01"));
    assert!(
        classes(&snapshot(
            "2023-05-01",
            vec![late.clone(), own_before.clone()]
        ))
        .is_empty(),
        "due that day: not yet overdue"
    );
    assert_eq!(
        classes(&snapshot(
            "2023-05-02",
            vec![late.clone(), own_before.clone()]
        )),
        [(Class::Overdue, Severity::Medium, ids(&["gov"]))]
    );
    late.lifecycle.supervision_order_id = "order-1".into();
    assert_eq!(
        classes(&snapshot("2023-05-02", vec![late, own_before]))[0].1,
        Severity::High
    );
}

fn in_scope(frequency: SelfCheckFrequency) -> EnterpriseView {
    EnterpriseView {
        enterprise_id: ENTERPRISE.into(),
        attributes: attributes(),
        in_scope: true,
        frequency,
    }
}

#[test]
fn d6_follows_the_self_check_frequency_and_shows_ended_quarters_of_the_year_to_date() {
    // The default question: the year to date, asked in July.
    let mut scenario = snapshot("2023-07-20", Vec::new());
    scenario.period_end = day("2023-07-20");
    scenario
        .enterprises
        .push(in_scope(SelfCheckFrequency::Quarterly));
    let silent: Vec<String> = discrepancies(&scenario)
        .into_iter()
        .filter(|row| row.record_name.starts_with("enterprises/"))
        .map(|row| row.detail)
        .collect();
    assert_eq!(
        silent.len(),
        2,
        "Q1 and Q2 ended without a round: {silent:?}"
    );
    scenario.rounds.push(RoundRow {
        enterprise_id: ENTERPRISE.into(),
        period_start: day("2023-04-01"),
        period_end: day("2023-06-30"),
        status: SelfCheckRoundStatus::Submitted,
        submitted_at: Some(at("2023-07-01")),
        submission_recorded_at: Some(at("2023-07-01")),
        ..RoundRow::default()
    });
    let after_one_round = discrepancies(&scenario)
        .into_iter()
        .filter(|row| row.record_name.starts_with("enterprises/"))
        .count();
    assert_eq!(after_one_round, 1, "only Q1 is still silent");
    scenario.enterprises[0].frequency = SelfCheckFrequency::Monthly;
    let monthly = discrepancies(&scenario)
        .into_iter()
        .filter(|row| row.record_name.starts_with("enterprises/"))
        .count();
    assert_eq!(monthly, 3, "January to March are each silent");
}

#[test]
fn d6_statistics_past_due_and_submitted() {
    let mut scenario = snapshot("2023-07-20", Vec::new());
    scenario.period_start = day("2023-04-01");
    scenario.period_end = day("2023-06-30");
    scenario
        .enterprises
        .push(in_scope(SelfCheckFrequency::Quarterly));
    scenario.rounds.push(RoundRow {
        enterprise_id: ENTERPRISE.into(),
        period_start: day("2023-04-01"),
        period_end: day("2023-06-30"),
        status: SelfCheckRoundStatus::Submitted,
        submitted_at: Some(at("2023-07-01")),
        submission_recorded_at: Some(at("2023-07-01")),
        ..RoundRow::default()
    });
    let records: Vec<String> = discrepancies(&scenario)
        .into_iter()
        .map(|row| row.record_name)
        .collect();
    assert_eq!(records, [format!("periodicStatistics/{ENTERPRISE}-2023Q2")]);
    scenario.statistics.push(StatisticsRow {
        statistics_id: format!("{ENTERPRISE}-2023Q2"),
        submitted_at: at("2023-07-10"),
        recorded_at: at("2023-07-10"),
        ..StatisticsRow::default()
    });
    assert!(discrepancies(&scenario).is_empty());
}

#[test]
fn d8_an_alarm_device_past_its_evidenced_test_or_failed() {
    let device = DeviceRow {
        device_id: "nh3".into(),
        enterprise_id: ENTERPRISE.into(),
        test_interval_days: 365,
        registered_on: day("2022-01-01"),
        claimed_last_tested_on: Some(day("2021-12-20")),
        ..DeviceRow::default()
    };
    let test = |on: &str, result: AlarmTestResult| DeviceTestRow {
        device_id: "nh3".into(),
        sequence: 1,
        tested_on: day(on),
        result,
        at: at(on),
        recorded_at: at(on),
        event_id: "e".into(),
    };
    let mut scenario = snapshot("2023-03-01", Vec::new());
    scenario.devices.push(DeviceView {
        device,
        tests: Vec::new(),
        attributes: attributes(),
    });
    let rows = discrepancies(&scenario);
    assert_eq!(
        (rows[0].class, rows[0].record_name.as_str()),
        (Class::DeviceOverdue, "alarmDevices/nh3")
    );
    assert!(
        rows[0].detail.contains("claims a test"),
        "{}",
        rows[0].detail
    );
    scenario.devices[0].tests = vec![test("2022-02-15", AlarmTestResult::Pass)];
    assert_eq!(discrepancies(&scenario).len(), 1, "due again on 2023-02-15");
    scenario.devices[0].tests = vec![test("2023-02-20", AlarmTestResult::Pass)];
    assert!(discrepancies(&scenario).is_empty());
    scenario.devices[0]
        .tests
        .push(test("2023-02-25", AlarmTestResult::Fail));
    assert!(discrepancies(&scenario)[0].detail.contains("failed"));
}

#[test]
fn proposals_need_the_category_and_the_place_or_equipment_unless_the_enterprise_cited() {
    let government = hazard("gov", true, HazardLevel::General, "2023-05-01");
    let alike = hazard("own-alike", false, HazardLevel::General, "2023-04-20");
    let mut elsewhere = hazard("own-elsewhere", false, HazardLevel::General, "2023-04-20");
    elsewhere.facts.location = "仓库".into();
    let mut nowhere = hazard("own-nowhere", false, HazardLevel::General, "2023-04-20");
    nowhere.facts.location = String::new();
    let mut cited = hazard("own-cited", false, HazardLevel::General, "2023-04-25");
    cited.facts.category = HazardCategory::ConfinedSpace;
    cited.facts.location = "码头".into();
    cited.facts.cited_hazard_id = "gov".into();
    let too_old = hazard("own-old", false, HazardLevel::General, "2022-12-01");
    let mut scenario = snapshot(
        "2023-06-01",
        vec![government, alike, elsewhere, nowhere, cited, too_old],
    );
    let found: Vec<String> = proposals(&scenario)
        .into_iter()
        .map(|proposal| proposal.self_hazard_id)
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.contains(&"own-alike".to_string()));
    assert!(found.contains(&"own-cited".to_string()));
    scenario
        .rejected_pairs
        .insert(("gov".into(), "own-alike".into()));
    assert_eq!(proposals(&scenario).len(), 1);
}

#[test]
fn rates_divide_one_population_and_name_the_records_behind_them() {
    let mut matched = hazard("gov-1", true, HazardLevel::General, "2023-05-01");
    let own = hazard("own-1", false, HazardLevel::General, "2023-04-01");
    paired(&mut matched, &own);
    let missed = hazard("gov-2", true, HazardLevel::Major, "2023-05-02");
    let mut checked = hazard("gov-3", true, HazardLevel::General, "2023-05-03");
    checked.lifecycle.claimed_at = Some(at("2023-05-04"));
    checked.lifecycle.verified_by_government = true;
    checked.lifecycle.government_rejections = 2;
    let scenario = snapshot("2023-06-01", vec![matched, own, missed, checked]);
    let found = discrepancies(&scenario);
    let (total, by_township) = rates(&scenario, &found, GroupBy::Township);
    assert_eq!(total.self_discovery.numerator, ids(&["gov-1"]));
    assert_eq!(total.miss.numerator, ids(&["gov-2", "gov-3"]));
    assert_eq!(total.miss.denominator.len(), 3);
    assert_eq!(
        total.false_rectification.value(),
        Some(1.0),
        "never above 1"
    );
    assert_eq!(total.open_major, ids(&["gov-2"]));
    assert_eq!(by_township["330903001"].miss.denominator.len(), 3);
    let (_, by_industry) = rates(&scenario, &found, GroupBy::Industry);
    assert_eq!(
        by_industry.len(),
        2,
        "an enterprise of two industries counts in both"
    );
    assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), Some(2.5));
}

#[test]
fn on_time_closure_counts_verification_by_the_deadline_not_a_claim() {
    let mut claimed_only = hazard("own", false, HazardLevel::General, "2023-04-01");
    claimed_only.lifecycle.deadline = Some(day("2023-05-01"));
    claimed_only.lifecycle.claimed_at = Some(at("2023-04-20"));
    let mut verified = hazard("own-2", false, HazardLevel::General, "2023-04-01");
    verified.lifecycle.deadline = Some(day("2023-05-01"));
    verified.lifecycle.verified_at = Some(at("2023-04-30"));
    let scenario = snapshot("2023-06-01", vec![claimed_only, verified]);
    let (total, _) = rates(&scenario, &[], GroupBy::Township);
    let rate = &total.on_time[&(false, HazardLevel::General as i32)];
    assert_eq!(rate.numerator, ids(&["own-2"]));
    assert_eq!(rate.denominator.len(), 2);
}

#[test]
fn a_proposal_on_the_same_equipment_needs_the_same_category_too() {
    let mut government = hazard("gov", true, HazardLevel::General, "2023-05-01");
    government.facts.location = "二号冷库".into();
    government.facts.equipment = "氨阀 V-2".into();
    let mut same_equipment = hazard("own-equipment", false, HazardLevel::General, "2023-04-20");
    same_equipment.facts.location = "机房".into();
    same_equipment.facts.equipment = "氨阀 V-2".into();
    let mut other_category = hazard("own-other", false, HazardLevel::General, "2023-04-20");
    other_category.facts.location = "二号冷库".into();
    other_category.facts.category = HazardCategory::FireSafety;
    let mut no_equipment = hazard("own-blank", false, HazardLevel::General, "2023-04-20");
    no_equipment.facts.location = String::new();
    no_equipment.facts.equipment = String::new();
    let scenario = snapshot(
        "2023-06-01",
        vec![government, same_equipment, other_category, no_equipment],
    );
    let found: Vec<String> = proposals(&scenario)
        .into_iter()
        .map(|proposal| proposal.self_hazard_id)
        .collect();
    assert_eq!(found, ["own-equipment"]);
}

#[test]
fn a_rejected_claim_or_a_late_verification_is_never_closed_on_time() {
    let deadline = day("2023-05-01");
    let mut rejected = hazard("gov-rejected", true, HazardLevel::General, "2023-04-01");
    rejected.lifecycle.deadline = Some(deadline);
    rejected.lifecycle.deadline_source = DeadlineSource::Order;
    rejected.lifecycle.claimed_at = Some(at("2023-04-20"));
    rejected.lifecycle.government_rejections = 1;
    rejected.lifecycle.government_rejected_at = Some(at("2023-04-25"));
    rejected.lifecycle.status = HazardStatus::Rectifying;
    let mut late = hazard("gov-late", true, HazardLevel::General, "2023-04-01");
    late.lifecycle.deadline = Some(deadline);
    late.lifecycle.deadline_source = DeadlineSource::Order;
    late.lifecycle.claimed_at = Some(at("2023-04-28"));
    late.lifecycle.verified_at = Some(at("2023-05-03"));
    late.lifecycle.verified_by_government = true;
    late.lifecycle.status = HazardStatus::Verified;
    let mut in_time = hazard("gov-in-time", true, HazardLevel::General, "2023-04-01");
    in_time.lifecycle.deadline = Some(deadline);
    in_time.lifecycle.deadline_source = DeadlineSource::Order;
    in_time.lifecycle.verified_at = Some(at("2023-05-01"));
    in_time.lifecycle.verified_by_government = true;
    in_time.lifecycle.status = HazardStatus::Verified;
    let scenario = snapshot("2023-06-01", vec![rejected, late, in_time]);
    let (total, _) = rates(&scenario, &discrepancies(&scenario), GroupBy::Township);
    let rate = &total.on_time[&(true, HazardLevel::General as i32)];
    assert_eq!(rate.numerator, ids(&["gov-in-time"]));
    assert_eq!(rate.denominator.len(), 3);
}

#[test]
fn every_row_names_the_rule_version_it_was_judged_by() {
    let missed = hazard("gov-missed", true, HazardLevel::Major, "2023-05-01");
    let mut overdue = hazard("gov-overdue", true, HazardLevel::General, "2023-04-01");
    overdue.lifecycle.status = HazardStatus::Rectifying;
    overdue.lifecycle.deadline = Some(day("2023-04-20"));
    overdue.lifecycle.deadline_source = DeadlineSource::Order;
    let mut rejected = hazard("gov-rejected", true, HazardLevel::General, "2023-04-02");
    rejected.lifecycle.government_rejections = 1;
    rejected.lifecycle.government_rejected_at = Some(at("2023-04-25"));
    let mut major_own = hazard("own-major", false, HazardLevel::Major, "2023-04-03");
    major_own.lifecycle.status = HazardStatus::Graded;
    let mut scenario = snapshot("2023-07-20", vec![missed, overdue, rejected, major_own]);
    scenario.period_end = day("2023-07-20");
    scenario
        .enterprises
        .push(in_scope(SelfCheckFrequency::Quarterly));
    scenario.devices.push(DeviceView {
        device: DeviceRow {
            device_id: "nh3".into(),
            enterprise_id: ENTERPRISE.into(),
            test_interval_days: 365,
            registered_on: day("2022-01-01"),
            ..DeviceRow::default()
        },
        tests: Vec::new(),
        attributes: attributes(),
    });
    let rows = discrepancies(&scenario);
    let classes: HashSet<Class> = rows.iter().map(|row| row.class).collect();
    assert!(classes.len() >= 6, "{classes:?}");
    let version = HAZARDS.in_force(day("2023-05-01")).name;
    for row in &rows {
        assert_eq!(
            row.rule_version, version,
            "{:?} {}",
            row.class, row.record_name
        );
    }
}

#[test]
fn inspection_coverage_sums_each_groups_planned_visits() {
    let mut scenario = snapshot("2023-06-30", Vec::new());
    scenario.planned_visits = vec![
        planned_visits(ENTERPRISE, "330903001", 2, 2),
        planned_visits("91330903MA2WG7BT4R", "330903001", 1, 0),
        planned_visits("91330903307699187A", "330903002", 2, 1),
    ];
    let (total, by_township) = rates(&scenario, &[], GroupBy::Township);
    assert_eq!((total.visits_required, total.visits_done), (5, 3));
    let first = &by_township["330903001"];
    assert_eq!((first.visits_required, first.visits_done), (3, 2));
    let second = &by_township["330903002"];
    assert_eq!((second.visits_required, second.visits_done), (2, 1));
    let (_, by_enterprise) = rates(&scenario, &[], GroupBy::Enterprise);
    assert_eq!(by_enterprise[ENTERPRISE].visits_done, 2);
}

#[test]
fn rates_roll_up_by_district_and_city_from_the_township_code() {
    let mut scenario = snapshot("2023-06-30", Vec::new());
    scenario.planned_visits = vec![
        // Putuo and Dinghai districts of Zhoushan city, and Haishu of Ningbo.
        planned_visits(ENTERPRISE, "330903001", 2, 2),
        planned_visits("91330903MA2WG7BT4R", "330903002", 1, 0),
        planned_visits("91330902307699187A", "330902001", 2, 1),
        planned_visits("91330203307699187B", "330203001", 1, 1),
    ];
    let visits = |rates: &Rates| (rates.visits_required, rates.visits_done);
    let (total, by_district) = rates(&scenario, &[], GroupBy::District);
    assert_eq!(by_district.len(), 3);
    assert_eq!(visits(&by_district["330903"]), (3, 2));
    assert_eq!(visits(&by_district["330902"]), (2, 1));
    assert_eq!(visits(&by_district["330203"]), (1, 1));
    let (city_total, by_city) = rates(&scenario, &[], GroupBy::City);
    assert_eq!(by_city.len(), 2);
    assert_eq!(visits(&by_city["330900"]), (5, 3));
    assert_eq!(visits(&by_city["330200"]), (1, 1));
    assert_eq!(visits(&total), visits(&city_total));
    assert_eq!(visits(&total), (6, 4));
}

/// An enterprise's visits the inspection plans require of it in a township, and those done.
fn planned_visits(enterprise_id: &str, township: &str, required: u32, done: u32) -> PlannedVisits {
    PlannedVisits {
        enterprise_id: enterprise_id.into(),
        attributes: Attributes {
            township_code: township.into(),
            ..attributes()
        },
        required,
        done,
    }
}
