//! The production NATS accounts (deploy/production/nats-accounts.conf) on a real nats-server: a
//! process without credentials is refused, each service writes only its own context's
//! subjects, and the projections write nothing.

use std::path::PathBuf;
use std::time::Duration;

use hl_eventstore::{AppendFailure, EventStore, Namespace, StoreSettings};
use hl_runtime::config::NatsAuthArgs;
use hl_testkit::{Accounts, NatsServer};
use tokio_stream::StreamExt;

/// The durable consumer of the hazards service's intake of inspection findings
/// (`hl_hazards::inspections::PROCESS`), as the accounts file names it.
const INTAKE: &str = "inspection_findings";

const USERS: &[&str] = &[
    "sys",
    "hazards",
    "responsibility",
    "enforcement",
    "plans",
    "projections",
    "hlctl",
    "province",
];

fn password(user: &str) -> String {
    format!("test-password-of-{user}")
}

/// The deployment's accounts file, the passwords of its users in the environment it reads.
fn accounts() -> Accounts {
    Accounts {
        file: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../deploy/production/nats-accounts.conf"),
        environment: USERS
            .iter()
            .map(|user| {
                (
                    format!("HL_NATS_{}_PASSWORD", user.to_ascii_uppercase()),
                    password(user),
                )
            })
            .collect(),
        probe: ("hlctl".into(), password("hlctl")),
    }
}

/// The store a service opens as `user`, its password in a file as in production.
async fn store_as(server: &NatsServer, user: &str, folder: &tempfile::TempDir) -> EventStore {
    let password_file = folder.path().join(format!("{user}.password"));
    std::fs::write(&password_file, format!("{}\n", password(user))).unwrap();
    let auth = NatsAuthArgs {
        nats_user: Some(user.into()),
        nats_password_file: Some(password_file),
        ..NatsAuthArgs::default()
    };
    let client = hl_runtime::nats::connect(&server.url(), user, &auth)
        .await
        .unwrap();
    EventStore::new(
        client,
        Namespace::new("hl").unwrap(),
        StoreSettings {
            request_timeout: Duration::from_secs(2),
            ..StoreSettings::default()
        },
    )
}

async fn append(store: &EventStore, subject: &str) -> Result<(), AppendFailure> {
    store
        .append(
            subject,
            0,
            &uuid::Uuid::new_v4().to_string(),
            "event".into(),
            Default::default(),
        )
        .await
        .map(drop)
}

#[tokio::test]
async fn each_service_writes_only_its_own_context_and_strangers_are_refused() {
    let server = NatsServer::start_with_accounts(accounts()).await;
    let folder = tempfile::tempdir().unwrap();

    let stranger = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(2))
        .connect(server.url())
        .await;
    assert!(stranger.is_err(), "a client without credentials is refused");
    let wrong =
        async_nats::ConnectOptions::with_user_and_password("hazards".into(), "guess".into())
            .connection_timeout(Duration::from_secs(2))
            .connect(server.url())
            .await;
    assert!(wrong.is_err(), "a wrong password is refused");

    let responsibility = store_as(&server, "responsibility", &folder).await;
    responsibility.ensure_snapshot_stream().await.unwrap();
    responsibility
        .ensure_context_stream("responsibility")
        .await
        .unwrap();
    let hazards = store_as(&server, "hazards", &folder).await;
    hazards.ensure_snapshot_stream().await.unwrap();
    hazards.ensure_context_stream("hazards").await.unwrap();
    // The hazards service reads the registry's stream, and may not make it.
    hazards
        .ensure_context_stream("responsibility")
        .await
        .unwrap();

    append(&hazards, "hl.330903.hazards.hazard.h-1")
        .await
        .expect("the hazards service writes its own context");
    let forged = append(&hazards, "hl.330903.responsibility.enterprise.e-1").await;
    assert!(
        forged.is_err(),
        "the hazards service may not write the registry's events"
    );
    assert_eq!(
        responsibility
            .last_sequence("responsibility", "hl.330903.responsibility.enterprise.e-1")
            .await
            .unwrap_or(0),
        0
    );

    // The hazards service takes the inspections' findings through its durable consumer, and may
    // not write the enforcement stream.
    let enforcement = store_as(&server, "enforcement", &folder).await;
    enforcement
        .ensure_context_stream("enforcement")
        .await
        .unwrap();
    append(&enforcement, "hl.330903.enforcement.inspection.i-1")
        .await
        .expect("the enforcement service writes its own context");
    hazards.ensure_context_stream("enforcement").await.unwrap();
    let queue = hazards
        .work_queue(
            "enforcement",
            INTAKE,
            "hl.330903.enforcement.inspection.*".into(),
        )
        .await
        .expect("the hazards service follows the inspections");
    let mut queue = std::pin::pin!(queue);
    let item = tokio::time::timeout(Duration::from_secs(10), queue.next())
        .await
        .expect("an inspection arrives")
        .unwrap()
        .unwrap();
    assert_eq!(item.message.subject, "hl.330903.enforcement.inspection.i-1");
    item.done().await.expect("and is acknowledged");
    assert!(
        append(&hazards, "hl.330903.enforcement.inspection.i-2")
            .await
            .is_err(),
        "the hazards service may not write the inspections"
    );

    // The responsibility service counts the same inspections as its officers' performances,
    // through a durable consumer of its own, and may not write them either.
    responsibility
        .ensure_context_stream("enforcement")
        .await
        .unwrap();
    let performances = responsibility
        .work_queue(
            "enforcement",
            "duty_performances",
            "hl.330903.enforcement.inspection.*".into(),
        )
        .await
        .expect("the responsibility service follows the inspections");
    let mut performances = std::pin::pin!(performances);
    let item = tokio::time::timeout(Duration::from_secs(10), performances.next())
        .await
        .expect("an inspection arrives")
        .unwrap()
        .unwrap();
    item.done().await.expect("and is acknowledged");
    assert!(
        append(&responsibility, "hl.330903.enforcement.inspection.i-3")
            .await
            .is_err(),
        "the responsibility service may not write the inspections"
    );
    // It follows the hazards the same way, reading each hazard's history, and may not write
    // them.
    responsibility
        .ensure_context_stream("hazards")
        .await
        .unwrap();
    let checks = responsibility
        .work_queue(
            "hazards",
            "hazard_performances",
            "hl.330903.hazards.hazard.*".into(),
        )
        .await
        .expect("the responsibility service follows the hazards");
    let mut checks = std::pin::pin!(checks);
    let item = tokio::time::timeout(Duration::from_secs(10), checks.next())
        .await
        .expect("a hazard's commit arrives")
        .unwrap()
        .unwrap();
    assert_eq!(item.message.subject, "hl.330903.hazards.hazard.h-1");
    item.done().await.expect("and is acknowledged");
    let history = responsibility
        .next_message("hazards", "hl.330903.hazards.hazard.h-1", 0, false)
        .await
        .expect("the responsibility service reads a hazard's history");
    assert!(history.is_some());
    assert!(
        append(&responsibility, "hl.330903.hazards.hazard.h-2")
            .await
            .is_err(),
        "the responsibility service may not write the hazards"
    );
    // It follows the reviews of self-check rounds too.
    append(&hazards, "hl.330903.hazards.self_check_round.r-1")
        .await
        .expect("the hazards service writes its rounds");
    let reviews = responsibility
        .work_queue(
            "hazards",
            "round_performances",
            "hl.330903.hazards.self_check_round.*".into(),
        )
        .await
        .expect("the responsibility service follows the rounds");
    let mut reviews = std::pin::pin!(reviews);
    let item = tokio::time::timeout(Duration::from_secs(10), reviews.next())
        .await
        .expect("a round's commit arrives")
        .unwrap()
        .unwrap();
    item.done().await.expect("and is acknowledged");
    assert!(
        append(&responsibility, "hl.330903.hazards.self_check_round.r-2")
            .await
            .is_err(),
        "the responsibility service may not write the rounds"
    );
    // And the drills of the plans stream.
    let plans = store_as(&server, "plans", &folder).await;
    plans.ensure_context_stream("plans").await.unwrap();
    append(&plans, "hl.330903.plans.drill.d-1")
        .await
        .expect("the plans service writes its own context");
    responsibility.ensure_context_stream("plans").await.unwrap();
    let drills = responsibility
        .work_queue(
            "plans",
            "drill_performances",
            "hl.330903.plans.drill.*".into(),
        )
        .await
        .expect("the responsibility service follows the drills");
    let mut drills = std::pin::pin!(drills);
    let item = tokio::time::timeout(Duration::from_secs(10), drills.next())
        .await
        .expect("a drill arrives")
        .unwrap()
        .unwrap();
    item.done().await.expect("and is acknowledged");
    assert!(
        append(&responsibility, "hl.330903.plans.drill.d-2")
            .await
            .is_err(),
        "the responsibility service may not write the drills"
    );
    // And the accidents, reading each accident's first report.
    append(&plans, "hl.330903.plans.accident.a-1")
        .await
        .expect("the plans service writes its accidents");
    let accidents = responsibility
        .work_queue(
            "plans",
            "accident_proposals",
            "hl.330903.plans.accident.*".into(),
        )
        .await
        .expect("the responsibility service follows the accidents");
    let mut accidents = std::pin::pin!(accidents);
    let item = tokio::time::timeout(Duration::from_secs(10), accidents.next())
        .await
        .expect("an accident arrives")
        .unwrap()
        .unwrap();
    item.done().await.expect("and is acknowledged");
    let history = responsibility
        .next_message("plans", "hl.330903.plans.accident.a-1", 0, false)
        .await
        .expect("the responsibility service reads an accident's history");
    assert!(history.is_some());
    // And it follows its own stream for the accountability proposals.
    append(&responsibility, "hl.330903.responsibility.duty_period.p-1")
        .await
        .expect("the responsibility service writes its own context");
    let proposals = responsibility
        .work_queue(
            "responsibility",
            "accountability_proposals",
            "hl.330903.responsibility.*.*".into(),
        )
        .await
        .expect("the responsibility service follows its own stream");
    let mut proposals = std::pin::pin!(proposals);
    let item = tokio::time::timeout(Duration::from_secs(10), proposals.next())
        .await
        .expect("a commit arrives")
        .unwrap()
        .unwrap();
    item.done().await.expect("and is acknowledged");

    let projections = store_as(&server, "projections", &folder).await;
    projections.ensure_context_stream("hazards").await.unwrap();
    assert!(
        append(&projections, "hl.330903.hazards.hazard.h-2")
            .await
            .is_err(),
        "the projections write nothing"
    );
    assert_eq!(
        projections
            .last_sequence("hazards", "hl.330903.hazards.hazard.h-1")
            .await
            .unwrap(),
        1,
        "the projections read"
    );
}
