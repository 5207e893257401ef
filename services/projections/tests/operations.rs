//! Operating the read models: a rebuild gives what incremental application gave, while the old
//! tables keep answering; a message that cannot be applied stops its projector loudly.

mod support;

use std::sync::atomic::Ordering;

use futures::StreamExt;
use hl_projections::api::AdminGrpc;
use hl_proto::hazards::v1::HazardLevel;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_server::LedgerService;
use hl_proto::ledger::v1::projection_admin_service_server::ProjectionAdminService;
use hl_readmodel::Database;
use sqlx::Row;
use support::*;

fn as_administrator<T>(body: T) -> tonic::Request<T> {
    hl_testkit::actors::admitted(body, &hl_domain::access::test_actors::administrator())
}

#[tokio::test]
async fn a_rebuild_gives_the_same_read_model_as_incremental_application() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        world.register(ENTERPRISE, "330903001", true).await;
        for index in 0..40 {
            let id = format!("g{index:02}");
            world.report_finding(&id).await;
            if index % 2 == 0 {
                world.order(&id, "2023-05-20", "2023-05-02").await;
            }
            if index % 4 == 0 {
                world.claim(&id, ENTERPRISE, "2023-05-10").await;
            }
        }
        world.caught_up().await;
        let before = world.all_hazards().await;
        let discrepancies_before = world.discrepancies("2023-06-01").await;
        assert_eq!(before.len(), 40);

        let admin = AdminGrpc(world.projections.clone(), None, Vec::new());
        let rebuild = |request_id: &str| ledger::RebuildProjectionsRequest {
            request_id: request_id.into(),
        };
        let unnamed = admin
            .rebuild_projections(as_administrator(rebuild("")))
            .await
            .err()
            .expect("a rebuild without a request_id is refused");
        assert_eq!(hl_testkit::fields(&unnamed), ["request_id"]);
        let mut progress = admin
            .rebuild_projections(as_administrator(rebuild("rebuild-1")))
            .await
            .unwrap()
            .into_inner();
        // The old generation answers while the new one fills.
        assert_eq!(world.all_hazards().await, before);
        let mut last = None;
        while let Some(update) = progress.next().await {
            last = Some(update.unwrap());
        }
        let last = last.expect("progress updates");
        assert!(last.switched);
        assert_eq!(last.generation, 2);
        assert!(last.applied >= last.target && last.target > 0, "{last:?}");
        assert_eq!(*world.projections.generation(), 2);

        // The retry of that call reads how it ended, and starts no other rebuild; another
        // caller may not borrow its request_id.
        let retried: Vec<_> = admin
            .rebuild_projections(as_administrator(rebuild("rebuild-1")))
            .await
            .unwrap()
            .into_inner()
            .collect()
            .await;
        let retried_last = retried.last().unwrap().as_ref().unwrap();
        assert_eq!(retried_last, &last);
        assert_eq!(*world.projections.generation(), 2);
        let other = hl_proto::common::v1::Actor {
            id: "admin-2".into(),
            ..hl_domain::access::test_actors::administrator()
        };
        let borrowed = admin
            .rebuild_projections(hl_testkit::actors::admitted(rebuild("rebuild-1"), &other))
            .await
            .err()
            .expect("another caller's request_id is refused");
        assert_eq!(borrowed.code(), tonic::Code::PermissionDenied);

        assert_eq!(world.all_hazards().await, before);
        assert_eq!(
            world.discrepancies("2023-06-01").await,
            discrepancies_before
        );
        let old_tables = sqlx::query("SELECT COUNT(*) FROM hazards_g1")
            .fetch_one(world.projections.database.pool())
            .await;
        assert!(
            old_tables.is_err(),
            "the old generation's tables are dropped"
        );
        if world.projections.database.dialect() == hl_readmodel::Dialect::Postgres {
            // Refreshed before the switch: the first queries of the new generation are planned
            // with them.
            statistics_refreshed(&world.projections.database, "hazards_g2").await;
            let before_the_switch: bool = sqlx::query(
                "SELECT s.last_analyze <= to_timestamp(g.switched_at / 1000.0)
                 FROM pg_stat_user_tables s, projection_generations g WHERE s.relname = 'hazards_g2'",
            )
            .fetch_one(world.projections.database.pool())
            .await
            .unwrap()
            .get(0);
            assert!(before_the_switch);
        }

        // New events reach the new generation.
        world
            .report(
                "after",
                ENTERPRISE,
                true,
                HazardLevel::General,
                "机房",
                "2023-05-03",
                "",
            )
            .await;
        world.caught_up().await;
        assert_eq!(world.all_hazards().await.len(), 41);
    })
    .await;
}

/// A query still reading the old generation when a rebuild switches keeps its tables: they are
/// dropped once it has finished (and a grace period has passed), not under it.
#[tokio::test]
async fn the_old_generation_stays_until_the_queries_reading_it_finish() {
    let world = World::start(Backend::sqlite().await).await;
    world.register(ENTERPRISE, "330903001", true).await;
    world
        .report(
            "held",
            ENTERPRISE,
            true,
            HazardLevel::General,
            "valve",
            "2023-05-01",
            "",
        )
        .await;
    world.caught_up().await;
    let old_rows = || async {
        sqlx::query("SELECT COUNT(*) FROM hazards_g1")
            .fetch_one(world.projections.database.pool())
            .await
            .map(|row| row.get::<i64, _>(0))
    };

    let reading = world.projections.generation();
    assert_eq!(*reading, 1);
    let mut progress = world.projections.rebuild().await.unwrap();
    hl_testkit::wait_until(
        "the rebuild to switch",
        std::time::Duration::from_secs(60),
        || {
            let switched = *world.projections.generation() == 2;
            async move { switched.then_some(()) }
        },
    )
    .await;
    // Switched, and new queries read generation 2; the held one still reads generation 1, past
    // the grace period that follows the last reading.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(old_rows().await.unwrap(), 1);
    assert!(
        !progress.borrow().switched,
        "not reported done while the old one is read"
    );

    drop(reading);
    while !progress.borrow_and_update().switched {
        progress.changed().await.unwrap();
    }
    assert!(old_rows().await.is_err(), "dropped once nothing reads it");
}

/// Whether PostgreSQL's statistics of a table were refreshed by the projections (a VACUUM
/// (ANALYZE) asked for, not autovacuum's), as its statistics views report it.
async fn statistics_refreshed_yet(database: &hl_readmodel::Database, table: &str) -> bool {
    sqlx::query(
        "SELECT COUNT(*) FROM pg_stat_user_tables
         WHERE relname = $1 AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL",
    )
    .bind(table.to_string())
    .fetch_one(database.pool())
    .await
    .unwrap()
    .get::<i64, _>(0)
        == 1
}

async fn statistics_refreshed(database: &hl_readmodel::Database, table: &str) {
    hl_testkit::wait_until(
        "the table's statistics to be refreshed",
        std::time::Duration::from_secs(30),
        || async {
            statistics_refreshed_yet(database, table)
                .await
                .then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn a_read_model_filled_in_bulk_on_postgresql_is_vacuumed_and_analysed_once_caught_up() {
    let world = World::start(Backend::postgres().await).await;
    world.register(ENTERPRISE, "330903001", true).await;
    for index in 0..3 {
        world.report_finding(&format!("h{index}")).await;
    }
    world.caught_up().await;
    let applied: u64 = world
        .projections
        .statuses()
        .iter()
        .map(|status| status.events.load(Ordering::SeqCst))
        .sum();

    // A second read model of the same streams, started empty: its first catch-up applies every
    // event, as many as its bulk threshold, and it is then vacuumed and analysed.
    let bulk = Backend::postgres().await;
    let filled = Database::connect(&bulk.url()).await.unwrap();
    let _projections = hl_projections::Projections::start(
        filled.clone(),
        world.store.clone(),
        "330903",
        hl_projections::registry(),
        hl_projections::Settings {
            bulk_catch_up_events: applied,
            ..hl_projections::Settings::default()
        },
    )
    .await
    .unwrap();
    statistics_refreshed(&filled, "hazards_g1").await;
    // The world's own read model applied the same events under the default threshold, far
    // above them: it was left to autovacuum.
    assert!(!statistics_refreshed_yet(&world.projections.database, "hazards_g1").await);
}

#[tokio::test]
async fn many_queries_at_once_never_wait_on_each_other_for_the_read_models_connections() {
    // SQLite's pool is the smaller (four connections): more queries at once than it has
    // connections, each reading in several statements, with the projector writing meanwhile.
    let world = World::start(Backend::sqlite().await).await;
    world.register(ENTERPRISE, "330903001", true).await;
    world.report_finding("first").await;
    world.caught_up().await;
    let ledger = world.ledger();
    let targets = |_| {
        let ledger = ledger.clone();
        async move {
            ledger
                .get_targets(as_inspector(ledger::GetTargetsRequest {
                    year: 2023,
                    day: Some(day("2023-06-30")),
                    known_at: None,
                }))
                .await
                .map(|_| ())
        }
    };
    let hazards = |_| {
        let ledger = ledger.clone();
        async move {
            ledger
                .list_hazards(as_inspector(ledger::ListHazardsRequest {
                    enterprise_id: ENTERPRISE.into(),
                    ..Default::default()
                }))
                .await
                .map(|_| ())
        }
    };
    let queries = futures::future::join_all(
        (0..12)
            .map(|index| futures::future::Either::Left(targets(index)))
            .chain((0..12).map(|index| futures::future::Either::Right(hazards(index)))),
    );
    let answers = tokio::time::timeout(std::time::Duration::from_secs(20), queries)
        .await
        .expect("every query answers: none holds a connection while it waits for another");
    for answer in answers {
        answer.expect("answered");
    }
    world.report_finding("second").await;
    world.caught_up().await;
}

async fn count(connection: &mut sqlx::AnyConnection) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM hazards_g1")
        .fetch_one(connection)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn an_answer_read_in_several_statements_reads_one_state_while_batches_are_applied() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        world.register(ENTERPRISE, "330903001", true).await;
        world.report_finding("first").await;
        world.caught_up().await;
        let database = &world.projections.database;
        let mut reading = database.begin_read().await.unwrap();
        assert_eq!(count(reading.connection()).await, 1);

        // A batch is applied and committed between two statements of the reading: the reading
        // does not hold the projector back, and its second statement sees what its first saw.
        world.report_finding("second").await;
        world.caught_up().await;
        let mut latest = database.pool().acquire().await.unwrap();
        assert_eq!(count(&mut latest).await, 2);
        assert_eq!(count(reading.connection()).await, 1);
        drop(reading);

        let mut next = database.begin_read().await.unwrap();
        assert_eq!(count(next.connection()).await, 2);
        if database.dialect() == hl_readmodel::Dialect::Postgres {
            let write = sqlx::query("DELETE FROM hazards_g1")
                .execute(next.connection())
                .await;
            assert!(write.is_err(), "a reading writes nothing: {write:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_message_that_cannot_be_applied_stops_its_projector_and_names_its_sequence() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        world.register(ENTERPRISE, "330903001", true).await;
        world.report_finding("before").await;
        world.caught_up().await;
        // Something that is not a commit lands on a hazard's subject.
        let subject = world
            .store
            .namespace()
            .aggregate_subject("330903", "hazards", "hazard", "broken");
        let ack = world
            .store
            .jetstream()
            .publish(subject, "not a commit".into())
            .await
            .unwrap()
            .await
            .unwrap();
        world
            .report(
                "after",
                ENTERPRISE,
                true,
                HazardLevel::General,
                "机房",
                "2023-05-02",
                "",
            )
            .await;

        let failure = world.stopped("hazards").await;
        assert_eq!(failure.sequence, ack.sequence);
        assert!(
            failure.reason.contains("not a commit"),
            "{}",
            failure.reason
        );
        let status = AdminGrpc(world.projections.clone(), None, Vec::new())
            .get_projection_status(as_administrator(ledger::GetProjectionStatusRequest {}))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(status.failures.len(), 1);
        assert_eq!(status.failures[0].sequence, ack.sequence);
        let hazards_stream = status
            .freshness
            .unwrap()
            .streams
            .into_iter()
            .find(|stream| stream.stream.ends_with("_HAZARDS"))
            .unwrap();
        assert!(hazards_stream.stopped);
        assert_eq!(
            hazards_stream.applied_sequence,
            ack.sequence - 1,
            "nothing after the poison is applied, nothing skipped"
        );
        let recorded = sqlx::query("SELECT sequence, reason FROM projection_failures")
            .fetch_one(world.projections.database.pool())
            .await
            .unwrap();
        assert_eq!(recorded.get::<i64, _>(0) as u64, ack.sequence);
        let hazards = world.all_hazards().await;
        assert_eq!(
            hazards.len(),
            1,
            "the hazard after the poison is not applied"
        );
        let responsibility = world.status("responsibility");
        assert!(
            responsibility.failure().is_none(),
            "the other stream's projector goes on"
        );
        assert!(responsibility.applied.load(Ordering::SeqCst) > 0);
    })
    .await;
}
