//! Two projections services on one read-model database, as two processes would be: the
//! projector holding a stream's lease applies it and the other stands by; and each batch moves
//! the checkpoint from where its projector last wrote it, in the batch's transaction, so a
//! projector that misjudged the lease would find the checkpoint moved and apply nothing. Every
//! event is applied once, on SQLite and PostgreSQL.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use hl_projections::Projections;
use hl_proto::hazards::v1 as hazards;
use hl_readmodel::Database;
use hl_testkit::wait_until;
use support::*;

/// Events the projectors of `projections` applied from the hazards stream.
fn hazard_events_applied(projections: &Projections) -> u64 {
    projections
        .statuses()
        .iter()
        .filter(|status| status.context == "hazards")
        .map(|status| status.events.load(Ordering::SeqCst))
        .sum()
}

#[tokio::test]
async fn two_projectors_on_one_database_apply_every_event_once() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        let second = Projections::start(
            Database::connect(&world.backend.url()).await.unwrap(),
            world.store.clone(),
            "330903",
            hl_projections::registry(),
            hl_projections::Settings::default(),
        )
        .await
        .unwrap();
        world.register(ENTERPRISE, "330903001", true).await;
        let hazards = 40;
        for index in 0..hazards {
            world
                .report(
                    &format!("h{index}"),
                    ENTERPRISE,
                    true,
                    hazards::HazardLevel::General,
                    "valve",
                    "2026-03-01",
                    "",
                )
                .await;
        }
        let mut recorded = 0;
        for index in 0..hazards {
            recorded += world
                .hazards
                .load(&format!("h{index}"))
                .await
                .unwrap()
                .version;
        }

        world.caught_up().await;
        let head = world.store.stream_head("hazards").await.unwrap();
        let both = [world.projections.clone(), second];
        wait_until(
            "both projectors to reach the head",
            Duration::from_secs(60),
            || {
                let both = both.clone();
                async move {
                    // A projector that stopped would never get there: say why at once.
                    for status in both.iter().flat_map(|projections| projections.statuses()) {
                        if let Some(failure) = status.failure() {
                            panic!("a projector stopped: {failure:?}");
                        }
                    }
                    both.iter()
                        .flat_map(|projections| projections.statuses())
                        .all(|status| {
                            status.context != "hazards"
                                || status.applied.load(Ordering::SeqCst) >= head
                        })
                        .then_some(())
                }
            },
        )
        .await;
        let applied: u64 = both
            .iter()
            .map(|projections| hazard_events_applied(projections))
            .sum();
        assert_eq!(applied, recorded, "each of {recorded} events applied once");
        // One holds the stream's lease and applies; the other stands by.
        let per_process: Vec<u64> = both.iter().map(|p| hazard_events_applied(p)).collect();
        assert!(
            per_process.contains(&0),
            "one projector applies, the other stands by: {per_process:?}"
        );

        // The read model holds each hazard once.
        assert_eq!(world.all_hazards().await.len(), hazards);
    })
    .await;
}
