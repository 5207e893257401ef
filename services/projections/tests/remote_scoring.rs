//! A responsibility service deployed apart from the projections reads an evaluation's totals
//! from the ledger over gRPC (HL_LEDGER_URL), with the publisher's own token, once the ledger
//! holds everything recorded before the call: the published results are the table's.

mod support;

use chrono::Datelike;
use hl_projections::api::LedgerGrpc;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_proto::ledger::v1::ledger_service_server::LedgerServiceServer;
use hl_proto::responsibility::v1::responsibility_service_client::ResponsibilityServiceClient;
use hl_responsibility::scoring::LedgerArgs;
use hl_testkit::TestService;
use hl_testkit::actors::{OTHER_TOWNSHIP, TOWNSHIP, by_inspector};
use hl_testkit::evaluations::{open_scored, published, results};
use hl_testkit::fixtures::register_district;
use hl_testkit::inspections::today;
use support::*;

#[tokio::test]
async fn a_separate_responsibility_service_publishes_the_totals_the_remote_ledger_reads() {
    let world = World::start(Backend::sqlite().await).await;
    let namespace = world.store.namespace().to_string();
    let projections = world.projections.clone();
    let ledger_service = TestService::spawn(&world.nats.url(), &namespace, move |server, _, _| {
        server.add_service(LedgerServiceServer::new(LedgerGrpc(projections)));
    })
    .await;
    let scorer = LedgerArgs {
        ledger_url: Some(format!("http://{}", ledger_service.address)),
        ledger_ca: None,
    }
    .scorer()
    .unwrap();
    let service = TestService::spawn(
        &world.nats.url(),
        &namespace,
        move |server, store, region| {
            hl_responsibility::mount(server, store, region, (&Default::default(), scorer));
        },
    )
    .await;
    let channel = service.channel().await;
    register_district(channel.clone(), &[]).await;
    let mut duties = ResponsibilityServiceClient::new(channel);
    open_scored(&mut duties, "last-year", today().year() - 1, 15).await;
    // Published at once: the remote ledger waits until it holds the scores just entered.
    let published = published(&mut duties, "publish", "last-year").await;
    assert_eq!(
        results(&published.results),
        [(TOWNSHIP, 100.0, 1, true), (OTHER_TOWNSHIP, 100.0, 1, true)],
        "a year with no findings and full entered scores is full marks"
    );
    world.caught_up().await;
    let table = LedgerServiceClient::new(ledger_service.channel().await)
        .get_evaluation_table(by_inspector(ledger::GetEvaluationTableRequest {
            name: "evaluations/last-year".into(),
            ..Default::default()
        }))
        .await
        .expect("the table")
        .into_inner();
    assert!(table.published);
    assert_eq!(table.as_of, published.published_at);
    let read: Vec<(&str, f64)> = table
        .rows
        .iter()
        .map(|row| (row.unit.as_str(), row.total))
        .collect();
    assert_eq!(read, [(TOWNSHIP, 100.0), (OTHER_TOWNSHIP, 100.0)]);
}
