//! The suite on its production topology: a three-node JetStream cluster with `sync_interval:
//! always` on every node and streams of three replicas (deploy/production/nats-cluster.conf).
//! The hazard flow runs on it; then the hazards stream's leader is killed while the enterprise keeps
//! reporting, and every report is acknowledged once, by retrying with its request_id.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use hl_e2e::Suite;
use hl_e2e::flows::{hazard_report_to_close_out, report_self_check, until_acknowledged};
use hl_proto::ledger::v1::ListHazardsRequest;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_testkit::actors::by_administrator;
use hl_testkit::{CLUSTER_NODES, NatsCluster, unique_namespace, wait_until};

const REPORTS_WITHOUT_THE_LEADER: usize = 10;

#[tokio::test]
async fn the_hazard_flow_runs_on_a_three_node_cluster_and_outlives_its_stream_leader() {
    let mut cluster = NatsCluster::start().await;
    let namespace = unique_namespace();
    let suite = Suite::start(&[
        ("NATS_URL", cluster.urls()),
        ("HL_NAMESPACE", namespace.clone()),
        ("HL_SEED_DEMO", "false".into()),
        ("HL_STREAM_REPLICAS", "3".into()),
    ])
    .await;
    let channel = suite.channel().await;
    hazard_report_to_close_out(channel.clone(), &cluster.urls(), &namespace).await;

    // Every stream the suite made is replicated on all three nodes.
    let jetstream = async_nats::jetstream::new(cluster.client().await.unwrap());
    let names: Vec<String> = jetstream.stream_names().try_collect().await.unwrap();
    let ours: Vec<&String> = names
        .iter()
        .filter(|name| name.starts_with(&namespace.to_uppercase()))
        .collect();
    assert!(!ours.is_empty(), "the suite made its streams: {names:?}");
    for name in ours {
        let mut stream = jetstream.get_stream(name).await.unwrap();
        let info = stream.info().await.unwrap();
        assert_eq!(info.config.num_replicas, CLUSTER_NODES, "{name}");
        let placement = info.cluster.clone().expect("a clustered stream");
        assert!(placement.leader.is_some(), "{name} has a leader");
        assert_eq!(placement.replicas.len(), CLUSTER_NODES - 1, "{name}");
    }

    // The hazards stream's leader dies (SIGKILL) while the enterprise reports: each report is
    // retried with its request_id until acknowledged, and the two nodes left elect a new leader.
    let hazards = format!("{namespace}_HAZARDS").to_uppercase();
    let leader = cluster
        .stream_leader(&hazards)
        .await
        .expect("the hazards stream has a leader");
    cluster.kill(leader).await;
    let mut retries = 0;
    for index in 0..REPORTS_WITHOUT_THE_LEADER {
        let request_id = format!("cluster-{index}");
        let acknowledged = until_acknowledged(&request_id, Duration::from_secs(60), || {
            report_self_check(channel.clone(), &request_id)
        })
        .await;
        assert!(
            !acknowledged.commit.replayed,
            "{request_id} was recorded now"
        );
        retries += acknowledged.retries;
    }
    eprintln!(
        "{REPORTS_WITHOUT_THE_LEADER} reports acknowledged without the old leader, {retries} retries"
    );
    let new_leader = cluster.stream_leader(&hazards).await;
    assert!(
        new_leader.is_some_and(|node| node != leader),
        "another node leads: {new_leader:?}"
    );

    // The killed node comes back and catches up: every replica current, none lagging.
    cluster.restart(leader).await;
    wait_until("every replica to catch up", Duration::from_secs(60), || {
        let jetstream = jetstream.clone();
        let hazards = hazards.clone();
        async move {
            let mut stream = jetstream.get_stream(&hazards).await.ok()?;
            let placement = stream.info().await.ok()?.cluster.clone()?;
            (placement.replicas.len() == CLUSTER_NODES - 1
                && placement
                    .replicas
                    .iter()
                    .all(|replica| replica.current && replica.lag.unwrap_or(0) == 0))
            .then_some(())
        }
    })
    .await;

    // Each report is on the stream exactly once, and every hash chain holds.
    let stream = jetstream.get_stream(&hazards).await.unwrap();
    let mut subjects = stream
        .info_with_subjects(format!("{namespace}.330903.hazards.hazard.cluster-*"))
        .await
        .unwrap();
    let mut counts = Vec::new();
    while let Some(entry) = subjects.next().await {
        counts.push(entry.unwrap());
    }
    assert_eq!(counts.len(), REPORTS_WITHOUT_THE_LEADER, "{counts:?}");
    assert!(counts.iter().all(|(_, count)| *count == 1), "{counts:?}");
    let verified = hl_e2e::run_hlctl(
        &["verify", "hazards"],
        &[
            ("NATS_URL", cluster.urls()),
            ("HL_NAMESPACE", namespace.clone()),
        ],
    )
    .await;
    assert!(
        verified.status.success(),
        "hlctl verify hazards: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );

    // And the read model holds all of them: the flow's hazard and the reports.
    // A reader whose consumer was on the killed node makes it again within seconds.
    let ledger = LedgerServiceClient::new(channel);
    wait_until(
        "the read model to hold every hazard",
        Duration::from_secs(20),
        || {
            let mut ledger = ledger.clone();
            async move {
                let listed = ledger
                    .list_hazards(by_administrator(ListHazardsRequest {
                        page_size: 100,
                        ..Default::default()
                    }))
                    .await
                    .ok()?
                    .into_inner();
                (listed.hazards.len() == REPORTS_WITHOUT_THE_LEADER + 1).then_some(())
            }
        },
    )
    .await;
    assert_eq!(suite.stop().await, Some(0));
}
