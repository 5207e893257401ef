//! The projector's anchor of each aggregate's history (its last applied commit, kept in the
//! read-model database): a stream restored without a hazard's last commit stops the projection
//! at the hazard's next commit that follows the shortened history, and a commit written around
//! the event store stops it at once. Neither is applied, on SQLite and PostgreSQL.

mod support;

use hl_domain::access::test_actors;
use hl_hazards::domain::hazard::{Hazard, HazardCommand};
use hl_proto::hazards::v1 as hazards;
use support::*;

/// The hazards projection stopped at the last commit on `subject`: its sequence, and why.
async fn stopped_at_the_last_commit(world: &World, subject: &str) -> (u64, String) {
    let last = world.store.last_sequence("hazards", subject).await.unwrap();
    let failure = world.stopped("hazards").await;
    assert_eq!(failure.sequence, last);
    (last, failure.reason)
}

async fn reported_and_ordered(world: &World) {
    world.register(ENTERPRISE, "330903001", true).await;
    world
        .report(
            "h1",
            ENTERPRISE,
            true,
            hazards::HazardLevel::General,
            "valve",
            "2026-03-01",
            "",
        )
        .await;
    world.order("h1", "2026-03-20", "2026-03-02").await;
    world.caught_up().await;
}

#[tokio::test]
async fn a_removed_last_commit_stops_the_projection_at_the_aggregates_next_commit() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        reported_and_ordered(&world).await;
        let subject = world.hazards.subject("h1");
        let ordered_at = world
            .store
            .last_sequence("hazards", &subject)
            .await
            .unwrap();
        // The stream restored from a copy taken before the order: the streams refuse deletes,
        // so a history loses its tail only by being replaced. What is left still chains.
        let jetstream = world.store.jetstream();
        let name = world.store.namespace().stream_name("hazards");
        let stream = jetstream.get_stream(&name).await.unwrap();
        let mut kept = Vec::new();
        for sequence in 1..ordered_at {
            kept.push(stream.get_raw_message(sequence).await.unwrap());
        }
        jetstream.delete_stream(&name).await.unwrap();
        world.store.ensure_context_stream("hazards").await.unwrap();
        for message in kept {
            jetstream
                .publish_with_headers(message.subject, message.headers, message.payload)
                .await
                .unwrap()
                .await
                .unwrap();
        }
        // The service, started again on the restored stream, records an order again (at the
        // sequence the projector has passed) and the enterprise claims it.
        let order = hazards::RectificationOrder {
            document_number: "责改-2".into(),
            deadline: Some(day("2026-03-25")),
            measures: String::new(),
        };
        world
            .execute(
                &world.repository::<Hazard>(),
                "h1",
                HazardCommand::OrderRectification(order),
                test_actors::inspector(),
                "2026-03-03",
            )
            .await;
        let claim = HazardCommand::ClaimRectification {
            note: String::new(),
            evidence: vec![hl_proto::common::v1::EvidenceRef {
                sha256: "a".repeat(64),
                ..Default::default()
            }],
        };
        world
            .execute(
                &world.repository::<Hazard>(),
                "h1",
                claim,
                enterprise_actor(ENTERPRISE),
                "2026-03-04",
            )
            .await;
        let (again, reason) = stopped_at_the_last_commit(&world, &subject).await;
        assert!(
            reason.contains(&format!(
                "does not continue from its commit at stream sequence {ordered_at}"
            )),
            "{reason}"
        );
        let status = world.status("hazards");
        assert!(
            status.applied.load(std::sync::atomic::Ordering::SeqCst) < again,
            "the commit is not applied"
        );
    })
    .await;
}

#[tokio::test]
async fn a_commit_written_around_the_event_store_stops_the_projection() {
    let world = World::start(Backend::sqlite().await).await;
    reported_and_ordered(&world).await;
    // Published straight to the aggregate's subject, naming no predecessor.
    let forged = hl_proto::events::v1::Commit {
        request_id: "forged".into(),
        ..Default::default()
    };
    let subject = world.hazards.subject("h1");
    world
        .store
        .jetstream()
        .publish(
            subject.clone(),
            prost::Message::encode_to_vec(&forged).into(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    let (_, reason) = stopped_at_the_last_commit(&world, &subject).await;
    assert!(reason.contains("does not continue"), "{reason}");
}
