//! Fuzzing every event decoder the projector runs: arbitrary bytes as a stored commit, and
//! commits of every known aggregate and event type with arbitrary payloads, schema versions,
//! versions and times. A decoder answers an error for what it cannot read; it never panics, so
//! one malformed message stops only its projection, with a reason (see ProjectionStatus).
//!
//! `make test` runs proptest's default number of cases; `make fuzz` runs many more
//! (PROPTEST_CASES).

use hl_proto::events::v1::{Commit, EventEnvelope};
use proptest::prelude::*;
use proptest::sample::Index;
use prost::Message;

/// Every (context, aggregate type, event type) the projector decodes.
fn vocabulary() -> Vec<(&'static str, &'static str, String)> {
    hl_projections::registry()
        .vocabulary()
        .into_iter()
        .flat_map(|(context, aggregate_type, event_types)| {
            event_types
                .into_iter()
                .map(move |event_type| (context, aggregate_type, event_type))
        })
        .collect()
}

fn timestamp() -> impl Strategy<Value = Option<hl_proto::Timestamp>> {
    proptest::option::of(
        (any::<i64>(), any::<i32>())
            .prop_map(|(seconds, nanos)| hl_proto::Timestamp { seconds, nanos }),
    )
}

/// One event of a known type, with everything else arbitrary.
fn envelope() -> impl Strategy<Value = (Index, EventEnvelope)> {
    (
        any::<Index>(),
        proptest::collection::vec(any::<u8>(), 0..512),
        0u32..3,
        any::<u64>(),
        timestamp(),
        timestamp(),
        ".{0,40}",
    )
        .prop_map(
            |(which, payload, schema_version, aggregate_version, occurred_at, recorded_at, id)| {
                (
                    which,
                    EventEnvelope {
                        event_id: id.clone(),
                        schema_version,
                        aggregate_id: id,
                        aggregate_version,
                        region: "330903".into(),
                        occurred_at,
                        recorded_at,
                        payload,
                        ..EventEnvelope::default()
                    },
                )
            },
        )
}

proptest! {
    #[test]
    fn fuzz_arbitrary_bytes_as_a_stored_commit_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let registry = hl_projections::registry();
        if let Ok(commit) = Commit::decode(bytes.as_slice()) {
            for context in registry.contexts() {
                let _ = registry.decode(context, 1, commit.clone());
            }
        }
    }

    #[test]
    fn fuzz_known_event_types_with_arbitrary_payloads_never_panic(
        events in proptest::collection::vec(envelope(), 1..4),
    ) {
        let registry = hl_projections::registry();
        let vocabulary = vocabulary();
        let (context, aggregate_type, _) = vocabulary[events[0].0.index(vocabulary.len())].clone();
        let commit = Commit {
            events: events
                .into_iter()
                .map(|(which, mut envelope)| {
                    let (_, _, event_type) = which.get(&vocabulary);
                    envelope.event_type = event_type.clone();
                    envelope.aggregate_type = aggregate_type.to_string();
                    envelope
                })
                .collect(),
            ..Commit::default()
        };
        let _ = registry.decode(context, 1, commit);
    }
}
