//! One scenario per discrepancy class, and the rates, on hand-built snapshots.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use hl_proto::hazards::v1::{AlarmTestResult, HazardLevel, HazardStatus, SelfCheckRoundStatus};
use hl_proto::ledger::v1::{DiscrepancyClass as Class, GroupBy, Severity};

use super::*;
use crate::model::{DeviceRow, DeviceTestRow, HazardFacts, HazardState, RoundRow};

const ENTERPRISE: &str = "91330903MA2NCU4LYE";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{text}T02:00:00Z"))
        .unwrap()
        .to_utc()
}

fn ms(text: &str) -> i64 {
    at(text).timestamp_millis()
}

fn day(text: &str) -> NaiveDate {
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

/// A hazard reported on `reported`, graded `level`, in the government's ledger or the
/// enterprise's.
fn hazard(id: &str, government: bool, level: HazardLevel, reported: &str) -> HazardView {
    HazardView {
        facts: HazardFacts {
            hazard_id: id.into(),
            enterprise_id: ENTERPRISE.into(),
            township_code: "330903001".into(),
            government_side: government,
            category: 5,
            location: "机房".into(),
            reported_at: ms(reported),
            reported_date: reported.into(),
            ..HazardFacts::default()
        },
        state: HazardState {
            status: HazardStatus::Graded as i32,
            level: level as i32,
            ..HazardState::default()
        },
        attributes: attributes(),
    }
}

fn snapshot(as_of: &str, hazards: Vec<HazardView>) -> Snapshot {
    Snapshot {
        as_of: at(as_of),
        period_start: day("2023-01-01"),
        period_end: day("2023-12-31"),
        hazards,
        rejected_pairs: HashSet::new(),
        rounds: Vec::new(),
        statistics: Vec::new(),
        devices: Vec::new(),
        enterprises: Vec::new(),
    }
}

fn classes(snapshot: &Snapshot) -> Vec<(Class, Severity, Vec<String>)> {
    discrepancies(snapshot, &Policy::default())
        .into_iter()
        .map(|row| (row.class, row.severity, row.hazard_ids))
        .collect()
}

fn ids(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

#[test]
fn d1_a_government_finding_without_an_earlier_self_check_entry_is_missed() {
    let mut later_own = hazard("own", false, HazardLevel::General, "2023-05-10");
    later_own.state.counterpart_hazard_id = "gov".into();
    let scenario = snapshot(
        "2023-06-01",
        vec![
            hazard("gov", true, HazardLevel::General, "2023-05-01"),
            later_own,
        ],
    );
    // The enterprise recorded it only after the inspection: still missed by its self-check.
    assert_eq!(
        classes(&scenario),
        [(Class::MissedBySelfCheck, Severity::Medium, ids(&["gov"]))]
    );

    let mut earlier_own = hazard("own", false, HazardLevel::General, "2023-04-20");
    earlier_own.state.counterpart_hazard_id = "gov".into();
    let matched = snapshot(
        "2023-06-01",
        vec![
            hazard("gov", true, HazardLevel::General, "2023-05-01"),
            earlier_own,
        ],
    );
    assert!(classes(&matched).is_empty());
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
        period_start: "2023-04-01".into(),
        period_end: "2023-06-30".into(),
        status: SelfCheckRoundStatus::Submitted as i32,
        zero_findings: true,
        submitted_at: Some(ms("2023-04-30")),
        ..RoundRow::default()
    });
    let rows = discrepancies(&scenario, &Policy::default());
    assert_eq!(rows[0].severity, Severity::High);
    assert!(rows[0].detail.contains("zero findings"));
}

#[test]
fn d2_a_self_reported_major_hazard_left_unreviewed_and_a_claim_left_waiting() {
    let own_major = hazard("own", false, HazardLevel::Major, "2023-05-01");
    assert!(
        classes(&snapshot("2023-05-10", vec![own_major.clone()])).is_empty(),
        "still within the clock"
    );
    assert_eq!(
        classes(&snapshot("2023-05-20", vec![own_major.clone()])),
        [(Class::SelfReportedUnattended, Severity::High, ids(&["own"]))]
    );
    let mut reviewed = own_major;
    reviewed.state.first_government_action_at = Some(ms("2023-05-05"));
    assert!(classes(&snapshot("2023-05-20", vec![reviewed])).is_empty());

    let mut claimed = hazard("gov", true, HazardLevel::General, "2023-04-01");
    claimed.state.first_government_action_at = Some(ms("2023-04-01"));
    claimed.state.status = HazardStatus::AwaitingVerification as i32;
    claimed.state.deadline = Some("2023-06-30".into());
    claimed.state.deadline_source = 2;
    claimed.state.counterpart_hazard_id = String::new();
    claimed.state.claimed_at = Some(ms("2023-05-01"));
    let rows: Vec<Class> = classes(&snapshot("2023-05-20", vec![claimed]))
        .into_iter()
        .map(|(class, _, _)| class)
        .collect();
    assert!(rows.contains(&Class::SelfReportedUnattended), "{rows:?}");
}

#[test]
fn d3_a_claim_rejected_by_the_government_and_a_recurrence_after_close_out() {
    let mut rejected = hazard("gov", true, HazardLevel::General, "2023-04-01");
    rejected.state.counterpart_hazard_id = "own".into();
    rejected.state.government_rejections = 1;
    rejected.state.verdict_at = Some(ms("2023-05-01"));
    let mut own = hazard("own", false, HazardLevel::General, "2023-03-01");
    own.state.counterpart_hazard_id = "gov".into();
    assert_eq!(
        classes(&snapshot("2023-06-01", vec![rejected, own])),
        [(Class::FalseRectification, Severity::High, ids(&["gov"]))]
    );

    let mut closed = hazard("first", false, HazardLevel::General, "2023-02-01");
    closed.state.status = HazardStatus::Closed as i32;
    closed.state.closed_at = Some(ms("2023-03-01"));
    let again = hazard("again", false, HazardLevel::General, "2023-04-15");
    let rows = classes(&snapshot("2023-06-01", vec![closed.clone(), again]));
    assert_eq!(
        rows,
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
fn d4_and_d7_a_pair_graded_differently() {
    let mut government = hazard("gov", true, HazardLevel::Major, "2023-05-01");
    government.state.counterpart_hazard_id = "own".into();
    let own = hazard("own", false, HazardLevel::General, "2023-04-01");
    let rows = classes(&snapshot("2023-06-01", vec![government, own]));
    assert_eq!(
        rows,
        [
            (
                Class::GradeDisagreement,
                Severity::High,
                ids(&["gov", "own"])
            ),
            (Class::UnreportedMajor, Severity::High, ids(&["gov", "own"])),
        ]
    );
}

#[test]
fn d5_past_the_deadline_and_not_rectified() {
    let mut late = hazard("gov", true, HazardLevel::General, "2023-04-01");
    late.state.status = HazardStatus::Rectifying as i32;
    late.state.deadline = Some("2023-05-01".into());
    let mut own_before = hazard("own", false, HazardLevel::General, "2023-03-01");
    own_before.state.counterpart_hazard_id = "gov".into();
    late.state.counterpart_hazard_id = "own".into();
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
    late.state.listed = true;
    assert_eq!(
        classes(&snapshot("2023-05-02", vec![late, own_before]))[0].1,
        Severity::High
    );
}

#[test]
fn d6_silent_enterprises_and_missing_statistics() {
    let mut scenario = snapshot("2023-07-20", Vec::new());
    scenario.period_start = day("2023-04-01");
    scenario.period_end = day("2023-06-30");
    scenario.enterprises.push(EnterpriseView {
        enterprise_id: ENTERPRISE.into(),
        attributes: attributes(),
        in_scope: true,
    });
    let rows = discrepancies(&scenario, &Policy::default());
    let records: Vec<&str> = rows.iter().map(|row| row.record_name.as_str()).collect();
    assert_eq!(
        records,
        [
            format!("enterprises/{ENTERPRISE}").as_str(),
            format!("periodicStatistics/{ENTERPRISE}-2023Q2").as_str()
        ]
    );
    assert!(rows.iter().all(|row| row.class == Class::SilentEnterprise));

    scenario.rounds.push(RoundRow {
        enterprise_id: ENTERPRISE.into(),
        period_start: "2023-04-01".into(),
        period_end: "2023-06-30".into(),
        status: SelfCheckRoundStatus::Submitted as i32,
        submitted_at: Some(ms("2023-07-01")),
        ..RoundRow::default()
    });
    scenario.statistics.push(crate::model::StatisticsRow {
        statistics_id: format!("{ENTERPRISE}-2023Q2"),
        submitted_at: ms("2023-07-10"),
        ..Default::default()
    });
    assert!(discrepancies(&scenario, &Policy::default()).is_empty());
}

#[test]
fn d8_an_alarm_device_past_its_test_or_failed() {
    let device = DeviceRow {
        device_id: "nh3".into(),
        enterprise_id: ENTERPRISE.into(),
        test_interval_days: 365,
        registered_on: "2022-01-01".into(),
        ..DeviceRow::default()
    };
    let test = |on: &str, result: AlarmTestResult| DeviceTestRow {
        device_id: "nh3".into(),
        sequence: 1,
        tested_on: on.into(),
        result: result as i32,
        recorded_at: ms(on),
        event_id: "e".into(),
    };
    let mut scenario = snapshot("2023-03-01", Vec::new());
    scenario.devices.push(DeviceView {
        device: device.clone(),
        tests: vec![test("2022-02-15", AlarmTestResult::Pass)],
        attributes: attributes(),
    });
    let rows = discrepancies(&scenario, &Policy::default());
    assert_eq!(
        (rows[0].class, rows[0].record_name.as_str()),
        (Class::DeviceOverdue, "alarmDevices/nh3")
    );
    scenario.devices[0].tests = vec![test("2023-02-20", AlarmTestResult::Pass)];
    assert!(discrepancies(&scenario, &Policy::default()).is_empty());
    scenario.devices[0]
        .tests
        .push(test("2023-02-25", AlarmTestResult::Fail));
    assert!(
        discrepancies(&scenario, &Policy::default())[0]
            .detail
            .contains("failed")
    );
}

#[test]
fn proposals_pair_alike_entries_of_the_same_enterprise_unless_rejected() {
    let government = hazard("gov", true, HazardLevel::General, "2023-05-01");
    let alike = hazard("own-alike", false, HazardLevel::General, "2023-04-20");
    let mut different = hazard("own-other", false, HazardLevel::General, "2023-04-20");
    different.facts.category = 9;
    different.facts.location = "仓库".into();
    let too_old = hazard("own-old", false, HazardLevel::General, "2022-12-01");
    let mut scenario = snapshot("2023-06-01", vec![government, alike, different, too_old]);
    let found = proposals(&scenario, &Policy::default());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].self_hazard_id, "own-alike");
    assert!(
        found[0]
            .grounds
            .iter()
            .any(|ground| ground == "same category")
    );
    scenario
        .rejected_pairs
        .insert(("gov".into(), "own-alike".into()));
    assert!(proposals(&scenario, &Policy::default()).is_empty());
}

#[test]
fn rates_divide_what_the_ledgers_agree_on() {
    let mut matched = hazard("gov-1", true, HazardLevel::General, "2023-05-01");
    matched.state.counterpart_hazard_id = "own-1".into();
    let own = hazard("own-1", false, HazardLevel::General, "2023-04-01");
    let missed = hazard("gov-2", true, HazardLevel::Major, "2023-05-02");
    let scenario = snapshot("2023-06-01", vec![matched, own, missed]);
    let found = discrepancies(&scenario, &Policy::default());
    let (total, by_township) = rates(&scenario, &found, GroupBy::Township);
    assert_eq!(
        (
            total.government_findings,
            total.self_found_matched,
            total.missed_by_self_check
        ),
        (2, 1, 1)
    );
    assert_eq!(
        ratio(
            total.self_found_matched,
            total.self_found_matched + total.missed_by_self_check
        ),
        Some(0.5)
    );
    assert_eq!(total.open_major, 1);
    assert_eq!(by_township["330903001"].government_findings, 2);
    let (_, by_industry) = rates(&scenario, &found, GroupBy::Industry);
    assert_eq!(
        by_industry.len(),
        2,
        "an enterprise of two industries counts in both"
    );
    assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), Some(2.5));
}
