//! An adversarial property test of the two ledgers. A district starts with what the government
//! found at one enterprise: a finding its self-check missed (D1), a 重大 finding it has no entry of
//! (D1 and D7), an ordered finding past its deadline (D5); besides, the enterprise's own 重大
//! self-report that no officer has reviewed (D2), and an ammonia alarm past its test (D8).
//!
//! Then the enterprise sends any sequence of the commands it may send, through the domain as the
//! services run them (refusals are ignored, accepted commands applied): new entries with any
//! dates, places and citations; regrades; plans, claims, verifications and close-outs; counterpart
//! decisions; extension requests; device registrations, tests and retirements. Whatever it does:
//! - no row the government's findings created disappears or loses severity;
//! - its self-discovery rate does not rise;
//! - D8 goes only with a passing, evidenced test on the record.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use hl_directory::Standing;
use hl_domain::Given;
use hl_domain::access::test_actors::{ENTERPRISE, administrator, enterprise, inspector};
use hl_domain::clock::local_date;
use hl_eventstore::EventMeta;
use hl_hazards::domain::alarm_device::{AlarmDevice, AlarmDeviceCommand};
use hl_hazards::domain::hazard::{Hazard, HazardCommand, ReportHazard};
use hl_hazards::domain::rules::HAZARDS;
use hl_hazards::read_models::devices::{DeviceRow, DeviceTestRow, fold_device};
use hl_proto::common::v1::{Actor, EvidenceRef};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::{AlarmTestResult, HazardCategory, HazardLevel, Provenance};
use hl_proto::ledger::v1::{DiscrepancyClass, GroupBy, Severity};
use hl_proto::responsibility::v1::EnterpriseDetails;
use hl_readmodel::Position;
use proptest::prelude::*;

use super::tests::{at, day};
use super::*;

/// When the enterprise sends its commands (they are recorded then, whatever date they carry).
fn attack_time() -> DateTime<Utc> {
    at("2023-05-20")
}

const CATEGORIES: [HazardCategory; 3] = [
    HazardCategory::AmmoniaRefrigeration,
    HazardCategory::ConfinedSpace,
    HazardCategory::FireSafety,
];
const PLACES: [&str; 4] = ["机房", "码头", "仓库", ""];
const LEVELS: [HazardLevel; 3] = [
    HazardLevel::Unspecified,
    HazardLevel::General,
    HazardLevel::Major,
];

fn evidence() -> Vec<EvidenceRef> {
    vec![EvidenceRef {
        sha256: "cd".repeat(32),
        ..EvidenceRef::default()
    }]
}

fn report(
    provenance: Provenance,
    level: HazardLevel,
    category: HazardCategory,
    place: &str,
    cites: &str,
) -> HazardCommand {
    HazardCommand::Report(ReportHazard {
        enterprise: Standing::registered(
            ENTERPRISE,
            EnterpriseDetails {
                township_code: "330903001".into(),
                ..EnterpriseDetails::default()
            },
        ),
        region: "330903".into(),
        provenance,
        source_type: pb::SourceType::Routine,
        category,
        location: place.into(),
        description: "found".into(),
        counterpart_hazard_id: cites.into(),
        level,
        level_criterion: if level == HazardLevel::Unspecified {
            String::new()
        } else {
            "c".into()
        },
        ..ReportHazard::default()
    })
}

/// The district before the enterprise acts.
struct District {
    hazards: Vec<Given<Hazard>>,
    device: Given<AlarmDevice>,
    device_row: DeviceRow,
    device_tests: Vec<DeviceTestRow>,
    device_events: u64,
    /// Whether a passing, evidenced test was accepted.
    passed_a_test: bool,
}

const GOVERNMENT_FINDINGS: [&str; 3] = ["gov-missed", "gov-major", "gov-overdue"];

impl District {
    fn new() -> District {
        let mut hazards = Vec::new();
        let government = |id: &str, level, category, place, on: &str| {
            Given::<Hazard>::new(id).given(
                &report(Provenance::GovernmentInspection, level, category, place, ""),
                &inspector(),
                at(on),
            )
        };
        hazards.push(government(
            "gov-missed",
            HazardLevel::General,
            CATEGORIES[0],
            "机房",
            "2023-05-01",
        ));
        hazards.push(government(
            "gov-major",
            HazardLevel::Major,
            CATEGORIES[1],
            "码头",
            "2023-05-05",
        ));
        let overdue = government(
            "gov-overdue",
            HazardLevel::General,
            CATEGORIES[2],
            "仓库",
            "2023-04-10",
        )
        .given(
            &HazardCommand::OrderRectification(pb::RectificationOrder {
                document_number: "责改〔2023〕7号".into(),
                deadline: Some(day("2023-04-30").into()),
                measures: String::new(),
            }),
            &inspector(),
            at("2023-04-10"),
        );
        hazards.push(overdue);
        hazards.push(Given::<Hazard>::new("own-major").given(
            &report(
                Provenance::EnterpriseSelf,
                HazardLevel::Major,
                CATEGORIES[0],
                "船坞",
                "",
            ),
            &enterprise(),
            at("2023-05-02"),
        ));
        let mut district = District {
            hazards,
            device: Given::new("nh3"),
            device_row: DeviceRow::default(),
            device_tests: Vec::new(),
            device_events: 0,
            passed_a_test: false,
        };
        district.device_command(
            &AlarmDeviceCommand::Register {
                enterprise: Standing::registered(ENTERPRISE, EnterpriseDetails::default()),
                region: "330903".into(),
                kind: pb::AlarmDeviceKind::AmmoniaConcentration,
                location: "机房".into(),
                claimed_last_tested_on: None,
            },
            &enterprise(),
            at("2022-01-10"),
            at("2022-01-10"),
        );
        district
    }

    /// Runs a device command as the service would and folds what it records into the device's
    /// read-model rows, with the read model's own fold.
    fn device_command(
        &mut self,
        command: &AlarmDeviceCommand,
        actor: &Actor,
        occurred_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        let Ok(events) = self.device.when_recorded(command, actor, occurred_at, now) else {
            return false;
        };
        self.device.apply(&events, actor, occurred_at, now);
        for (index, event) in events.iter().enumerate() {
            self.device_events += 1;
            let meta = EventMeta {
                event_id: format!("device-{}", self.device_events),
                aggregate_id: "nh3".into(),
                occurred_at,
                recorded_at: now,
                actor: actor.clone(),
                ..EventMeta::default()
            };
            let position = Position {
                sequence: self.device_events,
                index: index as u64,
            };
            fold_device(
                &mut self.device_row,
                &mut self.device_tests,
                event,
                &meta,
                position,
            );
        }
        true
    }

    fn hazard_ids(&self) -> Vec<String> {
        self.hazards
            .iter()
            .map(|hazard| hazard.facts.hazard_id.clone())
            .collect()
    }

    /// The reconciliation's view of the district at the end of June.
    fn snapshot(&self) -> Snapshot {
        let attributes = Attributes {
            township_code: "330903001".into(),
            ..Attributes::default()
        };
        let rejected_pairs = self
            .hazards
            .iter()
            .flat_map(|hazard| {
                hazard
                    .rejected_counterpart_ids
                    .iter()
                    .map(|own| (hazard.facts.hazard_id.clone(), own.clone()))
                    .collect::<Vec<_>>()
            })
            .collect::<HashSet<_>>();
        Snapshot {
            as_of: at("2023-06-30"),
            known_at: at("2023-06-30"),
            period_start: day("2023-01-01"),
            period_end: day("2023-12-31"),
            hazards: self
                .hazards
                .iter()
                .map(|hazard| HazardView {
                    facts: hazard.facts.clone(),
                    reported_day: local_date(hazard.facts.reported_at),
                    lifecycle: hazard.lifecycle.clone(),
                    attributes: attributes.clone(),
                    rules: HAZARDS.by_name(&hazard.facts.rule_version).unwrap(),
                })
                .collect(),
            rejected_pairs,
            rounds: Vec::new(),
            statistics: Vec::new(),
            devices: vec![DeviceView {
                device: self.device_row.clone(),
                tests: self.device_tests.clone(),
                attributes,
            }],
            enterprises: Vec::new(),
            planned_visits: Vec::new(),
        }
    }
}

/// One command the enterprise may send.
#[derive(Clone, Debug)]
enum Move {
    Report {
        category: usize,
        place: usize,
        level: usize,
        cites: usize,
        days_back: i64,
    },
    Grade {
        target: usize,
        level: usize,
    },
    Plan {
        target: usize,
        days_ahead: i64,
    },
    RemediationPlan {
        target: usize,
    },
    Claim {
        target: usize,
    },
    Verify {
        target: usize,
    },
    Close {
        target: usize,
    },
    FixOnSpot {
        target: usize,
    },
    Confirm {
        target: usize,
        counterpart: usize,
    },
    RejectPair {
        target: usize,
        counterpart: usize,
    },
    RequestExtension {
        target: usize,
        days_ahead: i64,
    },
    DeviceTest {
        pass: bool,
        evidenced: bool,
        days_back: i64,
    },
    DeviceRetire,
    DeviceRegisterAgain {
        claimed_days_back: i64,
    },
}

fn moves() -> impl Strategy<Value = Move> {
    prop_oneof![
        (0..3usize, 0..4usize, 0..3usize, 0..6usize, 0..60i64).prop_map(
            |(category, place, level, cites, days_back)| Move::Report {
                category,
                place,
                level,
                cites,
                days_back
            }
        ),
        (0..10usize, 0..3usize).prop_map(|(target, level)| Move::Grade { target, level }),
        (0..10usize, -30..60i64).prop_map(|(target, days_ahead)| Move::Plan { target, days_ahead }),
        (0..10usize).prop_map(|target| Move::RemediationPlan { target }),
        (0..10usize).prop_map(|target| Move::Claim { target }),
        (0..10usize).prop_map(|target| Move::Verify { target }),
        (0..10usize).prop_map(|target| Move::Close { target }),
        (0..10usize).prop_map(|target| Move::FixOnSpot { target }),
        (0..10usize, 0..10usize).prop_map(|(target, counterpart)| Move::Confirm {
            target,
            counterpart
        }),
        (0..10usize, 0..10usize).prop_map(|(target, counterpart)| Move::RejectPair {
            target,
            counterpart
        }),
        (0..10usize, 0..90i64)
            .prop_map(|(target, days_ahead)| Move::RequestExtension { target, days_ahead }),
        (any::<bool>(), any::<bool>(), 0..400i64).prop_map(|(pass, evidenced, days_back)| {
            Move::DeviceTest {
                pass,
                evidenced,
                days_back,
            }
        }),
        Just(Move::DeviceRetire),
        (0..400i64).prop_map(|claimed_days_back| Move::DeviceRegisterAgain { claimed_days_back }),
    ]
}

/// Plays one move as the enterprise. A new entry gets the next id; a move on a hazard picks one
/// of those there are.
fn play(district: &mut District, step: usize, played: &Move) {
    let now = attack_time() + Duration::minutes(step as i64);
    match played {
        Move::Report { .. } => play_report(district, step, now, played),
        Move::DeviceTest { .. } | Move::DeviceRetire | Move::DeviceRegisterAgain { .. } => {
            play_on_device(district, now, played);
        }
        _ => play_on_hazard(district, now, played),
    }
}

/// A new self-reported entry, dated back as the move says.
fn play_report(district: &mut District, step: usize, now: DateTime<Utc>, played: &Move) {
    match played {
        Move::Report {
            category,
            place,
            level,
            cites,
            days_back,
        } => {
            let cited = [GOVERNMENT_FINDINGS.as_slice(), &["own-major", "", ""]].concat()[*cites]
                .to_string();
            let id = format!("own-{step}");
            let mut entry = Given::<Hazard>::new(&id);
            let command = report(
                Provenance::EnterpriseSelf,
                LEVELS[*level],
                CATEGORIES[*category],
                PLACES[*place],
                &cited,
            );
            let occurred = now - Duration::days(*days_back);
            if let Ok(events) = entry.when_recorded(&command, &enterprise(), occurred, now) {
                entry.apply(&events, &enterprise(), occurred, now);
                district.hazards.push(entry);
            }
        }
        _ => unreachable!("only reports are played here"),
    }
}

/// A test, retirement or second registration of the enterprise's alarm device.
fn play_on_device(district: &mut District, now: DateTime<Utc>, played: &Move) {
    match played {
        Move::DeviceTest {
            pass,
            evidenced,
            days_back,
        } => {
            let command = AlarmDeviceCommand::RecordTest {
                tested_on: local_date(now - Duration::days(*days_back)),
                result: if *pass {
                    AlarmTestResult::Pass
                } else {
                    AlarmTestResult::Fail
                },
                certificate_number: "JL-1".into(),
                tester: if *evidenced {
                    "计量所".into()
                } else {
                    String::new()
                },
                evidence: if *evidenced { evidence() } else { Vec::new() },
            };
            let accepted = district.device_command(&command, &enterprise(), now, now);
            district.passed_a_test |= accepted && *pass;
        }
        Move::DeviceRetire => {
            let command = AlarmDeviceCommand::Retire {
                reason: "replaced".into(),
            };
            district.device_command(&command, &enterprise(), now, now);
        }
        Move::DeviceRegisterAgain { claimed_days_back } => {
            let command = AlarmDeviceCommand::Register {
                enterprise: Standing::registered(ENTERPRISE, EnterpriseDetails::default()),
                region: "330903".into(),
                kind: pb::AlarmDeviceKind::AmmoniaConcentration,
                location: "机房".into(),
                claimed_last_tested_on: Some(local_date(now - Duration::days(*claimed_days_back))),
            };
            district.device_command(&command, &enterprise(), now, now);
        }
        _ => unreachable!("only device moves are played here"),
    }
}

/// A step on one of the district's hazards, as the enterprise.
fn play_on_hazard(district: &mut District, now: DateTime<Utc>, played: &Move) {
    let ids = district.hazard_ids();
    let pick = |index: usize| ids[index % ids.len()].clone();
    let command = match played {
        Move::Grade { target, level } => (
            pick(*target),
            HazardCommand::Grade {
                level: LEVELS[*level],
                criterion: "our reading".into(),
                reason: "re-examined".into(),
            },
        ),
        Move::Plan { target, days_ahead } => (
            pick(*target),
            HazardCommand::PlanRectification(pb::RectificationPlan {
                measures: "m".into(),
                owner: "o".into(),
                deadline: Some(local_date(now + Duration::days(*days_ahead)).into()),
                acceptance_standard: "s".into(),
                acceptor: "a".into(),
                ..Default::default()
            }),
        ),
        Move::RemediationPlan { target } => (
            pick(*target),
            HazardCommand::SubmitRemediationPlan(pb::RemediationPlan {
                goals_and_tasks: "g".into(),
                ..Default::default()
            }),
        ),
        Move::Claim { target } => (
            pick(*target),
            HazardCommand::ClaimRectification {
                note: String::new(),
                evidence: evidence(),
            },
        ),
        Move::Verify { target } => (
            pick(*target),
            HazardCommand::Verify {
                note: String::new(),
                evidence: evidence(),
            },
        ),
        Move::Close { target } => (
            pick(*target),
            HazardCommand::Close {
                note: String::new(),
            },
        ),
        Move::FixOnSpot { target } => (
            pick(*target),
            HazardCommand::FixOnSpot {
                note: String::new(),
                evidence: evidence(),
            },
        ),
        Move::Confirm {
            target,
            counterpart,
        } => (
            pick(*target),
            HazardCommand::ConfirmCounterpart {
                counterpart_hazard_id: pick(*counterpart),
                note: String::new(),
            },
        ),
        Move::RejectPair {
            target,
            counterpart,
        } => (
            pick(*target),
            HazardCommand::RejectCounterpart {
                counterpart_hazard_id: pick(*counterpart),
                reason: "not the same".into(),
            },
        ),
        Move::RequestExtension { target, days_ahead } => (
            pick(*target),
            HazardCommand::RequestExtension {
                requested_deadline: local_date(now + Duration::days(*days_ahead)),
                reason: "waiting for parts".into(),
            },
        ),
        _ => unreachable!("report and device moves are played elsewhere"),
    };
    let (id, command) = command;
    let hazard = district
        .hazards
        .iter_mut()
        .find(|hazard| hazard.facts.hazard_id == id)
        .expect("a hazard of the district");
    if let Ok(events) = hazard.when_recorded(&command, &enterprise(), now, now) {
        hazard.apply(&events, &enterprise(), now, now);
    }
}

/// The rows the government's findings and the unreviewed self-report created, with severities.
fn government_rows(rows: &[DiscrepancyRow]) -> Vec<(DiscrepancyClass, Vec<String>, Severity)> {
    rows.iter()
        .filter(|row| row.class != DiscrepancyClass::DeviceOverdue)
        .map(|row| (row.class, row.hazard_ids.clone(), row.severity))
        .collect()
}

#[test]
fn the_starting_district_has_every_row_the_property_guards() {
    let district = District::new();
    let rows = discrepancies(&district.snapshot());
    let classes: HashSet<DiscrepancyClass> = rows.iter().map(|row| row.class).collect();
    for class in [
        DiscrepancyClass::MissedBySelfCheck,
        DiscrepancyClass::UnreportedMajor,
        DiscrepancyClass::Overdue,
        DiscrepancyClass::SelfReportedUnattended,
        DiscrepancyClass::DeviceOverdue,
    ] {
        assert!(classes.contains(&class), "{class:?} in {rows:#?}");
    }
    // The guard is real: an officer's confirmation of a pair does lift a D1.
    let mut confirmed = District::new();
    let own = Given::<Hazard>::new("own-before").given(
        &report(
            Provenance::EnterpriseSelf,
            HazardLevel::General,
            CATEGORIES[0],
            "机房",
            "",
        ),
        &enterprise(),
        at("2023-04-20"),
    );
    confirmed.hazards.push(own);
    let missed = &mut confirmed.hazards[0];
    let confirm = HazardCommand::ConfirmCounterpart {
        counterpart_hazard_id: "own-before".into(),
        note: String::new(),
    };
    let events = missed
        .when_recorded(&confirm, &administrator(), attack_time(), attack_time())
        .unwrap();
    missed.apply(&events, &administrator(), attack_time(), attack_time());
    let after = discrepancies(&confirmed.snapshot());
    assert!(government_rows(&after).len() < government_rows(&rows).len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn nothing_an_enterprise_sends_removes_or_weakens_a_government_row(
        played in proptest::collection::vec(moves(), 1..25)
    ) {
        let mut district = District::new();
        let before = district.snapshot();
        let rows_before = discrepancies(&before);
        let (rates_before, _) = rates(&before, &rows_before, GroupBy::Enterprise);

        for (step, next) in played.iter().enumerate() {
            play(&mut district, step, next);
        }

        let after = district.snapshot();
        let rows_after = discrepancies(&after);
        let kept = government_rows(&rows_after);
        for (class, ids, severity) in government_rows(&rows_before) {
            let still = kept
                .iter()
                .find(|(found, found_ids, _)| *found == class && *found_ids == ids);
            prop_assert!(still.is_some(), "{class:?} {ids:?} disappeared after {played:?}");
            prop_assert!(still.unwrap().2 >= severity, "{class:?} {ids:?} weakened after {played:?}");
        }
        let (rates_after, _) = rates(&after, &rows_after, GroupBy::Enterprise);
        prop_assert!(
            rates_after.self_discovery.value().unwrap_or(0.0)
                <= rates_before.self_discovery.value().unwrap_or(0.0),
            "self-discovery rose after {played:?}"
        );
        let device_overdue = rows_after.iter().any(|row| row.class == DiscrepancyClass::DeviceOverdue);
        prop_assert!(device_overdue || district.passed_a_test, "D8 went without a passing test after {played:?}");
    }
}
