//! Turning stored commits into readable JSON. The payload of each event is decoded by its
//! event_type, which is the full name of a protobuf message in the suite's own descriptor set, so
//! the tool reads every event type the services write without a line of per-type code.

use std::sync::OnceLock;

use hl_proto::events::v1::Commit;
use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, SerializeOptions};
use serde_json::{Map, Value, json};

/// One message of a context stream, as read.
pub struct Record {
    pub sequence: u64,
    pub subject: String,
    pub payload: bytes::Bytes,
    pub traceparent: Option<String>,
}

fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(hl_proto::FILE_DESCRIPTOR_SET)
            .expect("the suite's descriptor set is built with the crate")
    })
}

fn options() -> SerializeOptions {
    SerializeOptions::new()
        .use_proto_field_name(true)
        .skip_default_fields(true)
}

/// A message of the descriptor set as JSON, or a note saying why it could not be read.
fn to_json(type_name: &str, bytes: &[u8]) -> Value {
    let Some(descriptor) = pool().get_message_by_name(type_name) else {
        return json!({ "undecoded": format!("{} bytes of unknown type {type_name}", bytes.len()) });
    };
    match DynamicMessage::decode(descriptor, bytes) {
        Ok(message) => message
            .serialize_with_options(serde_json::value::Serializer, &options())
            .unwrap_or_else(|error| json!({ "undecoded": error.to_string() })),
        Err(error) => json!({ "undecoded": format!("not a {type_name}: {error}") }),
    }
}

/// A decoded commit: the stream position, the request, and each event with its envelope and
/// payload. A message that is not a commit comes back as an error naming its sequence.
pub fn commit_json(record: &Record) -> Result<Value, String> {
    let commit = Commit::decode(record.payload.as_ref()).map_err(|error| {
        format!(
            "stream sequence {} ({}) is not a commit: {error}",
            record.sequence, record.subject
        )
    })?;
    let mut events = Vec::with_capacity(commit.events.len());
    for envelope in &commit.events {
        let mut fields = match to_json(
            "hazard_ledger.events.v1.EventEnvelope",
            &envelope.encode_to_vec(),
        ) {
            Value::Object(fields) => fields,
            _ => Map::new(),
        };
        fields.insert(
            "payload".into(),
            to_json(&envelope.event_type, &envelope.payload),
        );
        events.push(Value::Object(fields));
    }
    let mut fields = Map::new();
    fields.insert("stream_sequence".into(), record.sequence.into());
    fields.insert("subject".into(), record.subject.clone().into());
    fields.insert("request_id".into(), commit.request_id.into());
    if !commit.previous_commit_sha256.is_empty() {
        fields.insert(
            "previous_commit_sha256".into(),
            hex::encode(&commit.previous_commit_sha256).into(),
        );
    }
    if let Some(traceparent) = &record.traceparent {
        fields.insert("traceparent".into(), traceparent.clone().into());
    }
    fields.insert("events".into(), events.into());
    Ok(Value::Object(fields))
}

#[cfg(test)]
mod tests {
    use hl_proto::common::v1::{Actor, Role};
    use hl_proto::events::v1::EventEnvelope;
    use hl_proto::hazards::v1 as pb;

    use super::*;

    #[test]
    fn an_event_payload_reads_as_json_with_names_not_numbers() {
        let reported = pb::HazardReported {
            description: "氨阀填料渗漏".into(),
            provenance: pb::Provenance::GovernmentInspection as i32,
            ..Default::default()
        };
        let commit = Commit {
            request_id: "request-1".into(),
            previous_commit_sha256: vec![0xab; 32],
            events: vec![EventEnvelope {
                event_type: "hazard_ledger.hazards.v1.HazardReported".into(),
                aggregate_type: "hazard".into(),
                aggregate_id: "h1".into(),
                aggregate_version: 1,
                actor: Some(Actor {
                    id: "officer-1".into(),
                    role: Role::Inspector as i32,
                    ..Default::default()
                }),
                payload: reported.encode_to_vec(),
                ..Default::default()
            }],
        };
        let record = Record {
            sequence: 7,
            subject: "hl.330903.hazards.hazard.h1".into(),
            payload: commit.encode_to_vec().into(),
            traceparent: None,
        };
        let json = commit_json(&record).unwrap();
        assert_eq!(json["stream_sequence"], 7);
        assert_eq!(json["previous_commit_sha256"], "ab".repeat(32));
        let event = &json["events"][0];
        assert_eq!(event["aggregate_id"], "h1");
        assert_eq!(event["actor"]["role"], "ROLE_INSPECTOR");
        assert_eq!(event["payload"]["description"], "氨阀填料渗漏");
        assert_eq!(
            event["payload"]["provenance"],
            "PROVENANCE_GOVERNMENT_INSPECTION"
        );
    }

    #[test]
    fn a_message_that_is_not_a_commit_is_named_by_its_sequence() {
        let record = Record {
            sequence: 9,
            subject: "hl.330903.hazards.hazard.h1".into(),
            payload: bytes::Bytes::from_static(&[0xff, 0xff, 0xff]),
            traceparent: None,
        };
        let error = commit_json(&record).unwrap_err();
        assert!(error.contains("stream sequence 9"), "{error}");
    }

    #[test]
    fn every_context_event_decodes_including_the_enforcement_stream() {
        let found = hl_proto::enforcement::v1::FindingRecorded {
            inspection_id: "insp-1".into(),
            hazard_id: "insp-1-f-1".into(),
            level: pb::HazardLevel::Major as i32,
            ..Default::default()
        };
        let json = to_json(
            "hazard_ledger.enforcement.v1.FindingRecorded",
            &found.encode_to_vec(),
        );
        assert_eq!(json["hazard_id"], "insp-1-f-1");
        assert_eq!(json["level"], "HAZARD_LEVEL_MAJOR");
        let decided = hl_proto::enforcement::v1::CaseDecided {
            case_id: "case-1".into(),
            fine_fen: 3_000_000,
            decision: hl_proto::enforcement::v1::CaseDecision::Penalty as i32,
            ..Default::default()
        };
        let json = to_json(
            "hazard_ledger.enforcement.v1.CaseDecided",
            &decided.encode_to_vec(),
        );
        assert_eq!(json["decision"], "CASE_DECISION_PENALTY");
        assert_eq!(json["fine_fen"], "3000000");
    }

    #[test]
    fn the_responsibility_events_decode() {
        let gap = hl_proto::responsibility::v1::DutyGapRecorded {
            period_id: "officer-1-2026-10".into(),
            person_id: "officer-1".into(),
            shortfalls: vec![hl_proto::responsibility::v1::ExpectedPerformance {
                duty: hl_proto::responsibility::v1::Duty::ResponsibleOfficer as i32,
                object_id: "91330903MA2NCU4LYE".into(),
                required: 1,
                ..Default::default()
            }],
        };
        let json = to_json(
            "hazard_ledger.responsibility.v1.DutyGapRecorded",
            &gap.encode_to_vec(),
        );
        assert_eq!(json["shortfalls"][0]["duty"], "DUTY_RESPONSIBLE_OFFICER");
        let proposed = hl_proto::responsibility::v1::AccountabilityProposed {
            case_id: "duty-gaps-officer-1-2026-10".into(),
            trigger: hl_proto::responsibility::v1::AccountabilityTrigger::RepeatedDutyGaps as i32,
            ..Default::default()
        };
        let json = to_json(
            "hazard_ledger.responsibility.v1.AccountabilityProposed",
            &proposed.encode_to_vec(),
        );
        assert_eq!(json["trigger"], "ACCOUNTABILITY_TRIGGER_REPEATED_DUTY_GAPS");
        let owed = hl_proto::responsibility::v1::PerformanceOwed {
            period_id: "officer-1-2026-10".into(),
            owed: Some(hl_proto::responsibility::v1::ExpectedPerformance {
                source_id: "hazard-review:h-1".into(),
                due_on: Some(hl_proto::common::v1::Date {
                    year: 2026,
                    month: 10,
                    day: 12,
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let json = to_json(
            "hazard_ledger.responsibility.v1.PerformanceOwed",
            &owed.encode_to_vec(),
        );
        assert_eq!(json["owed"]["source_id"], "hazard-review:h-1");
        assert_eq!(json["owed"]["due_on"]["day"], 12);
    }

    #[test]
    fn an_unknown_event_type_is_shown_undecoded_rather_than_dropped() {
        let json = to_json("hazard_ledger.hazards.v9.Unheard", &[1, 2, 3]);
        assert!(json["undecoded"].as_str().unwrap().contains("unknown type"));
    }
}
