//! A rolling restart: the suite gets SIGTERM while clients are reporting hazards, and a new
//! process takes over on the same NATS and data folder. Every call either was acknowledged or
//! failed with a code that says "retry with the same request_id"; retried on the new process,
//! each lands, and every acknowledged one is replayed with the commit it first got. At the end
//! every hazard is on its stream exactly once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use hl_e2e::Suite;
use hl_proto::common::v1::CommitInfo;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_testkit::actors::{ENTERPRISE, by_inspector};
use hl_testkit::fixtures::{Registered, inspection_report, register_district};
use hl_testkit::{NatsServer, unique_namespace, wait_until};
use tonic::Code;
use tonic::transport::Channel;

const CLIENTS: usize = 4;

async fn call(channel: Channel, request_id: &str) -> Result<CommitInfo, tonic::Status> {
    let answer = tokio::time::timeout(
        Duration::from_secs(20),
        HazardsServiceClient::new(channel).report_hazard(by_inspector(inspection_report(
            request_id, request_id, ENTERPRISE,
        ))),
    )
    .await
    .map_err(|_| tonic::Status::deadline_exceeded("no answer within 20 s"))??;
    Ok(answer.into_inner().commit.expect("a commit"))
}

/// What a client saw: its acknowledged commits, and the calls whose outcome it does not know.
#[derive(Default)]
struct Seen {
    acknowledged: Vec<(String, CommitInfo)>,
    unknown: Vec<(String, Code)>,
}

#[tokio::test]
async fn a_suite_restarted_with_sigterm_under_load_loses_and_doubles_nothing() {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    let data = tempfile::tempdir().unwrap();
    let first = Suite::without_demo(&nats.url(), &namespace, data.path(), None).await;
    let channel = first.channel().await;
    register_district(channel.clone(), &[Registered::cold_store(ENTERPRISE)]).await;

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let (channel, stop, acknowledged) = (channel.clone(), stop.clone(), acknowledged.clone());
        clients.push(tokio::spawn(async move {
            let mut seen = Seen::default();
            let mut index = 0;
            while !stop.load(Ordering::SeqCst) {
                let request_id = format!("restart-{client}-{index}");
                index += 1;
                match call(channel.clone(), &request_id).await {
                    Ok(commit) => {
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                        seen.acknowledged.push((request_id, commit));
                    }
                    Err(status) => seen.unknown.push((request_id, status.code())),
                }
            }
            seen
        }));
    }
    wait_until("commands to flow", Duration::from_secs(30), || async {
        (acknowledged.load(Ordering::SeqCst) >= 40).then_some(())
    })
    .await;
    // SIGTERM with calls in flight: the drain lets them finish, and the process exits cleanly.
    assert_eq!(first.stop().await, Some(0));
    stop.store(true, Ordering::SeqCst);
    let mut seen = Seen::default();
    for client in clients {
        let client = client.await.unwrap();
        seen.acknowledged.extend(client.acknowledged);
        seen.unknown.extend(client.unknown);
    }
    eprintln!(
        "{} calls acknowledged before the restart, {} with an unknown outcome",
        seen.acknowledged.len(),
        seen.unknown.len()
    );
    for (request_id, code) in &seen.unknown {
        assert!(
            matches!(
                code,
                Code::Unavailable | Code::Unknown | Code::Cancelled | Code::DeadlineExceeded
            ),
            "{request_id} failed with {code:?}, which does not say to retry"
        );
    }

    let second = Suite::without_demo(&nats.url(), &namespace, data.path(), None).await;
    let channel = second.channel().await;
    let mut sequences = BTreeMap::new();
    for (request_id, first_commit) in &seen.acknowledged {
        let again = call(channel.clone(), request_id).await.unwrap();
        assert!(again.replayed, "{request_id} is recognised as recorded");
        assert_eq!(again.stream_sequence, first_commit.stream_sequence);
        sequences.insert(request_id.clone(), again.stream_sequence);
    }
    for (request_id, _) in &seen.unknown {
        let landed = call(channel.clone(), request_id).await.unwrap();
        sequences.insert(request_id.clone(), landed.stream_sequence);
    }

    // Each hazard once on the stream: one commit on its subject, at the sequence it was given.
    let jetstream = async_nats::jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    let stream = jetstream
        .get_stream(format!("{namespace}_HAZARDS").to_uppercase())
        .await
        .unwrap();
    let mut subjects = stream
        .info_with_subjects(format!("{namespace}.330903.hazards.hazard.restart-*"))
        .await
        .unwrap();
    let mut on_stream = BTreeMap::new();
    while let Some(entry) = subjects.next().await {
        let (subject, count) = entry.unwrap();
        on_stream.insert(subject, count);
    }
    let expected: BTreeSet<String> = sequences
        .keys()
        .map(|id| format!("{namespace}.330903.hazards.hazard.{id}"))
        .collect();
    assert_eq!(on_stream.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(on_stream.values().all(|count| *count == 1), "{on_stream:?}");
    // And that one commit is at the sequence every answer named.
    for (request_id, sequence) in &sequences {
        let stored = stream
            .get_last_raw_message_by_subject(&format!(
                "{namespace}.330903.hazards.hazard.{request_id}"
            ))
            .await
            .unwrap();
        assert_eq!(stored.sequence, *sequence, "{request_id}");
    }
    assert!(seen.acknowledged.len() >= 40);
    second.stop().await;
}
