//! Exactly once through a crash: the projector process is killed (SIGKILL) while it catches up,
//! then restarted. Afterwards the read model equals a fold of the stream: every event applied
//! once, none missing, none twice. On SQLite and on PostgreSQL.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use hl_directory::Standing;
use hl_domain::access::test_actors;
use hl_eventstore::{EventStore, Repository, RepositorySettings, RequestMeta, decode_commit};
use hl_hazards::domain::hazard::{Hazard, HazardCommand, ReportHazard};
use hl_hazards::read_models::hazards::{HazardRow, fold_hazard};
use hl_proto::hazard_events::HazardEvent;
use hl_proto::hazards::v1 as hazards;
use hl_readmodel::{Columns, Database, Position};
use hl_testkit::{NatsServer, send_signal, unique_namespace, wait_until};
use nix::sys::signal::Signal;
use sqlx::Row;
use support::*;

const HAZARDS: usize = 600;

/// Records HAZARDS hazards, each reported, ordered and claimed: three commits apiece.
async fn preload(store: &EventStore) {
    let repository = Arc::new(Repository::<Hazard>::new(
        store.clone(),
        "330903",
        RepositorySettings::default(),
    ));
    let meta = |actor| RequestMeta {
        request_id: uuid::Uuid::new_v4().to_string(),
        actor,
        occurred_at: None,
        correlation_id: None,
        migrated_by: None,
    };
    futures::stream::iter(0..HAZARDS)
        .for_each_concurrent(32, |index| {
            let repository = repository.clone();
            async move {
                let id = format!("hz-{index:05}");
                let report = ReportHazard {
                    enterprise: Standing::registered(
                        ENTERPRISE,
                        hl_proto::responsibility::v1::EnterpriseDetails {
                            township_code: "330903001".into(),
                            ..Default::default()
                        },
                    ),
                    region: "330903".into(),
                    provenance: hazards::Provenance::GovernmentInspection,
                    source_type: hazards::SourceType::Routine,
                    category: hazards::HazardCategory::FireSafety,
                    location: format!("place {index}"),
                    description: "d".into(),
                    level: hazards::HazardLevel::General,
                    level_criterion: "c".into(),
                    ..ReportHazard::default()
                };
                let order = hazards::RectificationOrder {
                    document_number: "n".into(),
                    deadline: Some(day("2099-01-01")),
                    measures: String::new(),
                };
                let evidence = vec![hl_proto::common::v1::EvidenceRef {
                    sha256: "a".repeat(64),
                    ..Default::default()
                }];
                repository
                    .execute(
                        &id,
                        &HazardCommand::Report(report),
                        &meta(test_actors::inspector()),
                    )
                    .await
                    .unwrap();
                repository
                    .execute(
                        &id,
                        &HazardCommand::OrderRectification(order),
                        &meta(test_actors::inspector()),
                    )
                    .await
                    .unwrap();
                repository
                    .execute(
                        &id,
                        &HazardCommand::ClaimRectification {
                            note: String::new(),
                            evidence,
                        },
                        &meta(test_actors::enterprise()),
                    )
                    .await
                    .unwrap();
            }
        })
        .await;
}

/// The hazard rows and history keys a fold of the whole stream gives.
async fn fold_of_stream(
    store: &EventStore,
) -> (BTreeMap<String, HazardRow>, BTreeSet<(String, i64, i64)>) {
    let head = store.stream_head("hazards").await.unwrap();
    let mut messages = store.read_stream("hazards", 1).await.unwrap();
    let mut rows: BTreeMap<String, HazardRow> = BTreeMap::new();
    let mut history = BTreeSet::new();
    while let Some(message) = messages.next().await {
        let message = message.unwrap();
        let commit = decode_commit::<HazardEvent>(&message.payload).unwrap();
        for (index, (event, meta)) in commit.events.iter().enumerate() {
            let row = rows.entry(meta.aggregate_id.clone()).or_default();
            let position = Position {
                sequence: message.sequence,
                index: index as u64,
            };
            fold_hazard(row, event, meta, position);
            history.insert((
                meta.aggregate_id.clone(),
                position.sequence as i64,
                position.index as i64,
            ));
        }
        if message.sequence >= head {
            break;
        }
    }
    (rows, history)
}

async fn checkpoint(database: &Database, stream: &str) -> u64 {
    sqlx::query(
        "SELECT last_sequence FROM projection_checkpoints WHERE generation = 1 AND stream = $1",
    )
    .bind(stream.to_string())
    .fetch_optional(database.pool())
    .await
    .ok()
    .flatten()
    .map_or(0, |row| row.get::<i64, _>(0) as u64)
}

fn start_projector(
    nats: &NatsServer,
    namespace: &str,
    database_url: &str,
) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_hl-projections"))
        .env_clear()
        .env("NATS_URL", nats.url())
        .env("HL_NAMESPACE", namespace)
        .env("DATABASE_URL", database_url)
        .env("HL_LISTEN_ADDR", "127.0.0.1:0")
        .env("HL_LOG", "warn")
        .env("HL_METRICS_ADDR", "off")
        .env("HL_AUTH_JWKS", hl_testkit::actors::jwks_file())
        // Small batches: the catch-up takes long enough to be interrupted.
        .env("HL_PROJECTION_BATCH", "5")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start hl-projections")
}

#[tokio::test]
async fn a_projector_killed_during_catch_up_resumes_without_duplicates_or_gaps() {
    on_both_databases(|backend| async move {
        let nats = NatsServer::start().await;
        let namespace = unique_namespace();
        let store =
            hl_testkit::event_store(&nats.url(), &namespace, &["hazards", "responsibility"]).await;
        preload(&store).await;
        let head = store.stream_head("hazards").await.unwrap();
        let stream_name = store.namespace().stream_name("hazards");
        let url = backend.url();

        let mut projector = start_projector(&nats, &namespace, &url);
        let database = wait_until("the read-model database", Duration::from_secs(30), || {
            let url = url.clone();
            async move { Database::connect(&url).await.ok() }
        })
        .await;
        let killed_at = wait_until(
            "the catch-up to be under way",
            Duration::from_secs(60),
            || {
                let database = database.clone();
                let stream_name = stream_name.clone();
                async move {
                    let applied = checkpoint(&database, &stream_name).await;
                    (applied >= head / 4).then_some(applied)
                }
            },
        )
        .await;
        send_signal(projector.id().unwrap(), Signal::SIGKILL);
        projector.wait().await.unwrap();
        assert!(
            killed_at < head,
            "killed after {killed_at} of {head}: the catch-up was not interrupted"
        );
        eprintln!("killed at sequence {killed_at} of {head}");

        let mut projector = start_projector(&nats, &namespace, &url);
        wait_until(
            "the restarted projector to catch up",
            Duration::from_secs(120),
            || {
                let database = database.clone();
                let stream_name = stream_name.clone();
                async move { (checkpoint(&database, &stream_name).await >= head).then_some(()) }
            },
        )
        .await;
        send_signal(projector.id().unwrap(), Signal::SIGTERM);
        projector.wait().await.unwrap();

        let (expected_rows, expected_history) = fold_of_stream(&store).await;
        let rows = sqlx::query("SELECT * FROM hazards_g1")
            .fetch_all(database.pool())
            .await
            .unwrap();
        let actual_rows: BTreeMap<String, HazardRow> = rows
            .iter()
            .map(|row| {
                let hazard = HazardRow::from_row(row).unwrap();
                (hazard.facts.hazard_id.clone(), hazard)
            })
            .collect();
        assert_eq!(actual_rows.len(), HAZARDS);
        assert_eq!(actual_rows, expected_rows);
        let history: Vec<(String, i64, i64)> =
            sqlx::query("SELECT hazard_id, sequence, position FROM hazard_history_g1")
                .fetch_all(database.pool())
                .await
                .unwrap()
                .iter()
                .map(|row| (row.get(0), row.get(1), row.get(2)))
                .collect();
        let unique: BTreeSet<(String, i64, i64)> = history.iter().cloned().collect();
        assert_eq!(history.len(), unique.len(), "no event applied twice");
        assert_eq!(
            unique, expected_history,
            "every event applied, none missing"
        );
    })
    .await;
}
