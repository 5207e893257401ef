//! Fuzzing the snapshot decoder with every aggregate of the suite: arbitrary bytes, and
//! snapshots of the stored shape whose fields (the state's included) are replaced by arbitrary
//! JSON. A snapshot that cannot be read is ignored (the history is replayed instead); the
//! decoder never panics, and what it does accept has the numbers it was given.
//!
//! `make test` runs proptest's default number of cases; `make fuzz` runs many more
//! (PROPTEST_CASES).

use hl_eventstore::{Aggregate, decode_snapshot};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|number| json!(number)),
        ".{0,24}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A snapshot of the stored shape for `A`.
fn snapshot_of<A: Aggregate>(entries: Vec<Value>) -> Value {
    json!({
        "format": 4,
        "snapshot_version": A::SNAPSHOT_VERSION,
        "aggregate_type": A::AGGREGATE_TYPE,
        "aggregate_version": 3,
        "last_sequence": 9,
        "last_occurred_at": null,
        "last_commit_sha256": "ab".repeat(32),
        "commits_since_snapshot": 0,
        "requests": { "capacity": 4, "requesters": ["someone"], "entries": entries },
        "state": serde_json::to_value(A::default()).expect("a state serializes"),
    })
}

/// The snapshot with one field replaced: of the state (even `field`), or of the snapshot.
fn replaced(mut snapshot: Value, field: usize, replacement: Value) -> Vec<u8> {
    let object = snapshot.as_object_mut().expect("an object");
    match object.get_mut("state").and_then(Value::as_object_mut) {
        Some(state) if field.is_multiple_of(2) && !state.is_empty() => {
            let key = state.keys().nth(field / 2 % state.len()).cloned();
            state.insert(key.expect("a field"), replacement);
        }
        _ => {
            let key = object.keys().nth(field % object.len()).cloned();
            object.insert(key.expect("a field"), replacement);
        }
    }
    serde_json::to_vec(&snapshot).expect("JSON")
}

/// Decodes with every aggregate of the suite; none may panic. The untouched shape, with no
/// field replaced, must read back with its numbers.
macro_rules! every_aggregate {
    ($check:ident) => {
        $check!(hl_hazards::domain::hazard::Hazard);
        $check!(hl_hazards::domain::self_check::SelfCheckRound);
        $check!(hl_hazards::domain::statistics::PeriodicStatistics);
        $check!(hl_hazards::domain::supervision::SupervisionOrder);
        $check!(hl_hazards::domain::alarm_device::AlarmDevice);
        $check!(hl_hazards::domain::past_ledger::PastLedgerImport);
        $check!(hl_enforcement::domain::inspection::Inspection);
        $check!(hl_enforcement::domain::case_review::CaseFileReview);
        $check!(hl_enforcement::domain::penalty_case::PenaltyCase);
        $check!(hl_enforcement::domain::plan::InspectionPlan);
        $check!(hl_enforcement::domain::classification::EnterpriseClassification);
        $check!(hl_plans::domain::disaster_event::DisasterEvent);
        $check!(hl_plans::domain::five_stop::FiveStopOrder);
        $check!(hl_plans::domain::rescue_team::RescueTeam);
        $check!(hl_plans::domain::gdp::AnnualGdp);
        $check!(hl_plans::domain::key_vessel::KeyVessel);
        $check!(hl_plans::domain::vessel_number::VesselNumber);
        $check!(hl_plans::domain::shelter::Shelter);
        $check!(hl_plans::domain::training::TrainingCampaign);
        $check!(hl_plans::domain::command_readiness::CommandReadiness);
        $check!(hl_plans::domain::plan::EmergencyPlan);
        $check!(hl_plans::domain::accident::Accident);
        $check!(hl_plans::domain::drill::Drill);
        $check!(hl_responsibility::domain::responsibilities::Responsibilities);
        $check!(hl_responsibility::domain::evaluation::Evaluation);
        $check!(hl_responsibility::domain::duty_period::DutyPeriod);
        $check!(hl_responsibility::domain::emergency_centre::EmergencyCentre);
        $check!(hl_responsibility::domain::safety_item::SafetyItem);
        $check!(hl_responsibility::domain::accountability::AccountabilityCase);
        $check!(hl_directory::enterprise::Enterprise);
        $check!(hl_directory::records::AdminArea);
        $check!(hl_directory::records::GridCell);
        $check!(hl_directory::records::OrgUnit);
        $check!(hl_directory::records::Person);
    };
}

#[test]
fn the_stored_shape_of_every_aggregate_reads_back() {
    let entry = json!(["request-1", 3, 9, ["event-1"], 0]);
    macro_rules! reads_back {
        ($aggregate:path) => {
            let bytes =
                serde_json::to_vec(&snapshot_of::<$aggregate>(vec![entry.clone()])).unwrap();
            let loaded = decode_snapshot::<$aggregate>(&bytes)
                .unwrap_or_else(|| panic!("{} reads back", stringify!($aggregate)));
            assert_eq!((loaded.version, loaded.last_sequence), (3, 9));
            assert!(loaded.has_recorded("request-1"));
        };
    }
    every_aggregate!(reads_back);
}

proptest! {
    #[test]
    fn fuzz_arbitrary_bytes_are_no_snapshot(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        macro_rules! ignored {
            ($aggregate:path) => {
                let _ = decode_snapshot::<$aggregate>(&bytes);
            };
        }
        every_aggregate!(ignored);
    }

    #[test]
    fn fuzz_snapshots_with_arbitrary_fields_never_panic(
        field in any::<usize>(),
        replacement in json_value(),
        entries in proptest::collection::vec(json_value(), 0..4),
    ) {
        macro_rules! decoded {
            ($aggregate:path) => {
                let snapshot = snapshot_of::<$aggregate>(entries.clone());
                let bytes = replaced(snapshot, field, replacement.clone());
                // What is accepted has a request log that reads when a command asks of it (a
                // log that passed its shape check and does not read panics in a debug build).
                if let Some(loaded) = decode_snapshot::<$aggregate>(&bytes) {
                    let _ = loaded.has_recorded("request-1");
                }
            };
        }
        every_aggregate!(decoded);
    }
}
