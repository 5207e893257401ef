//! Districts and a province on real nats-servers, each its own JetStream domain, the province a
//! leaf node of every district through a link the test can cut: the province's streams source
//! the districts', a cut district catches up in order with nothing lost or doubled, and the
//! audit flags a stalled district during the cut, clears it after, and shows a message removed
//! at a district before the province copied it as a gap.

use std::collections::HashMap;
use std::time::Duration;

use async_nats::jetstream::{self, stream::Config as StreamConfig};
use bytes::Bytes;
use hl_eventstore::{EventStore, Namespace, StoreSettings, commit_digest};
use hl_federation::{AuditRules, Auditor, District, FlagKind, SourceCompleteness};
use hl_proto::events::v1::{Commit, EventEnvelope};
use hl_testkit::{FaultyLink, Federation, NatsServer, nats_server_binaries};
use prost::Message;

const CONTEXT: &str = "hazards";

/// One district: its server, the link the province reaches it through, and the chains of the
/// aggregates it recorded.
struct Site {
    region: &'static str,
    server: NatsServer,
    link: FaultyLink,
    jetstream: jetstream::Context,
    chains: HashMap<String, Vec<u8>>,
}

impl Site {
    async fn start(binary: &std::path::Path, region: &'static str) -> Site {
        let link = FaultyLink::start_unrouted().await;
        let server = NatsServer::start_federated(
            binary,
            Federation {
                domain: format!("d{region}"),
                accepts_leaves: true,
                leaf_advertise: Some(link.address().to_string()),
                ..Default::default()
            },
        )
        .await;
        link.route_to(server.leaf_address());
        let client = async_nats::connect(server.url()).await.unwrap();
        Site {
            region,
            server,
            link,
            jetstream: jetstream::new(client),
            chains: HashMap::new(),
        }
    }

    fn district(&self) -> District {
        District {
            region: self.region.into(),
            name: format!("district {}", self.region),
            domain: format!("d{}", self.region),
            quiet_hours: 72,
            monitor_url: Some(self.server.url()),
            monitor_credentials: None,
        }
    }

    /// Records one commit on an aggregate, linked to the aggregate's previous commit as the
    /// event store links them; returns its district sequence.
    async fn record(&mut self, namespace: &Namespace, aggregate: &str) -> u64 {
        let subject = namespace.aggregate_subject(self.region, CONTEXT, "hazard", aggregate);
        let previous = self.chains.get(&subject).cloned().unwrap_or_default();
        let now = hl_proto::timestamp(chrono::Utc::now());
        let commit = Commit {
            events: vec![EventEnvelope {
                event_id: uuid_like(&subject, &previous),
                aggregate_type: "hazard".into(),
                aggregate_id: aggregate.into(),
                region: self.region.into(),
                occurred_at: Some(now),
                recorded_at: Some(now),
                ..Default::default()
            }],
            request_id: format!("request-{}", self.chains.len()),
            previous_commit_sha256: previous,
        };
        let payload = Bytes::from(commit.encode_to_vec());
        self.chains.insert(subject.clone(), commit_digest(&payload));
        self.jetstream
            .publish(subject, payload)
            .await
            .unwrap()
            .await
            .unwrap()
            .sequence
    }

    async fn stream_messages(&self, namespace: &Namespace) -> u64 {
        let mut stream = self
            .jetstream
            .get_stream(namespace.stream_name(CONTEXT))
            .await
            .unwrap();
        stream.info().await.unwrap().state.messages
    }
}

fn uuid_like(subject: &str, previous: &[u8]) -> String {
    format!("{subject}-{}", previous.len())
}

/// The district's own stream, as its suite makes it.
async fn district_stream(site: &Site, namespace: &Namespace) {
    let client = async_nats::connect(site.server.url()).await.unwrap();
    EventStore::new(client, namespace.clone(), StoreSettings::default())
        .ensure_context_stream(CONTEXT)
        .await
        .unwrap();
}

fn found_for<'a>(found: &'a [SourceCompleteness], region: &str) -> &'a SourceCompleteness {
    found.iter().find(|entry| entry.region == region).unwrap()
}

fn kinds(entry: &SourceCompleteness) -> Vec<FlagKind> {
    entry.flags.iter().map(|flag| flag.kind).collect()
}

/// Audits until `done` holds of a round (polling), returning that round; fails with the last
/// round found.
async fn audit_until(
    auditor: &Auditor,
    what: &str,
    done: impl Fn(&[SourceCompleteness]) -> bool,
) -> Vec<SourceCompleteness> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let round = auditor.audit().await.expect("an audit round");
        if done(&round) {
            return round;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out waiting until {what}; the last audit found {round:#?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_province_sources_its_districts_catches_up_after_a_cut_and_audits_what_arrived() {
    for binary in nats_server_binaries() {
        province_of_three_districts(&binary).await;
    }
}

async fn province_of_three_districts(binary: &std::path::Path) {
    let namespace = Namespace::new(&hl_testkit::unique_namespace()).unwrap();
    let mut putuo = Site::start(binary, "330903").await;
    let mut dinghai = Site::start(binary, "330902").await;
    // A district whose operators lifted the ban on deleting messages, and took one out before
    // the province ever copied it.
    let mut daishan = Site::start(binary, "330921").await;
    district_stream(&putuo, &namespace).await;
    district_stream(&dinghai, &namespace).await;
    daishan
        .jetstream
        .create_stream(StreamConfig {
            name: namespace.stream_name(CONTEXT),
            subjects: vec![namespace.stream_subjects(CONTEXT)],
            allow_direct: true,
            ..Default::default()
        })
        .await
        .unwrap();
    for aggregate in ["h1", "h2"] {
        for _ in 0..2 {
            putuo.record(&namespace, aggregate).await;
            dinghai.record(&namespace, aggregate).await;
        }
    }
    let mut removed = 0;
    for index in 0..3 {
        let sequence = daishan.record(&namespace, "h1").await;
        if index == 1 {
            removed = sequence;
        }
    }
    daishan
        .jetstream
        .get_stream(namespace.stream_name(CONTEXT))
        .await
        .unwrap()
        .delete_message(removed)
        .await
        .unwrap();

    let province = NatsServer::start_federated(
        binary,
        Federation {
            domain: "province".into(),
            accepts_leaves: false,
            remotes: vec![
                putuo.link.leaf_url(),
                dinghai.link.leaf_url(),
                daishan.link.leaf_url(),
            ],
            deny_exports: vec![format!("{namespace}.>")],
            ..Default::default()
        },
    )
    .await;
    let province_client = async_nats::connect(province.url()).await.unwrap();
    // A province client that listens to every event subject draws each district's messages to
    // the province; the province's links must not pass them on to the other districts.
    let _listener = province_client
        .subscribe(format!("{namespace}.>"))
        .await
        .unwrap();
    let store = EventStore::new(province_client, namespace.clone(), StoreSettings::default());
    let rules = AuditRules {
        stall_after: Duration::from_secs(1),
    };
    let districts = vec![putuo.district(), dinghai.district(), daishan.district()];
    // The province starts with two districts and adds the third to its existing stream.
    let source = |districts: Vec<District>| {
        let store = store.clone();
        async move {
            hl_federation::sourcing::source_districts(&store, &[CONTEXT], &districts)
                .await
                .unwrap()
        }
    };
    assert_eq!(source(districts[..2].to_vec()).await.added.len(), 2);
    let changes = source(districts.clone()).await;
    assert!(
        changes.added.len() == 1
            && changes.added[0].contains("via $JS.d330921.API")
            && changes.dropped.is_empty(),
        "{changes:?}"
    );
    assert_eq!(source(districts.clone()).await, Default::default());
    let auditor = Auditor::start(store.clone(), districts.clone(), &[CONTEXT], rules)
        .await
        .unwrap();

    let found = audit_until(&auditor, "every district's messages arrive", |found| {
        found_for(found, "330903").province_sequence == 4
            && found_for(found, "330902").province_sequence == 4
            && found_for(found, "330921").province_sequence == 3
    })
    .await;
    for region in ["330903", "330902"] {
        let entry = found_for(&found, region);
        assert_eq!(entry.flags, [], "{region}");
        assert_eq!((entry.arrived, entry.lag_events), (4, Some(0)));
    }
    // The message removed at Daishan never arrived, and the commit after it no longer follows
    // the one before: a gap, with what to do about it.
    let daishan_found = found_for(&found, "330921");
    assert_eq!(kinds(daishan_found), [FlagKind::Gap]);
    let gap = &daishan_found.flags[0];
    assert!(
        gap.detail.starts_with("2 hole(s)")
            && gap
                .detail
                .contains(&format!("district sequence {removed} never arrived")),
        "{gap:?}"
    );
    assert!(gap.action.contains("integrity review"));
    // A district's stream holds its own messages only: what Dinghai records while the province
    // listens does not reach Putuo's or Daishan's stream through the province.
    dinghai.record(&namespace, "h1").await;
    audit_until(&auditor, "Dinghai's fifth message arrives", |found| {
        found_for(found, "330902").province_sequence == 5
    })
    .await;
    assert_eq!(putuo.stream_messages(&namespace).await, 4);
    assert_eq!(daishan.stream_messages(&namespace).await, 2);

    // Putuo's leaf link goes down while Putuo keeps recording.
    putuo.link.cut();
    for _ in 0..3 {
        putuo.record(&namespace, "h3").await;
    }
    let during = audit_until(&auditor, "the audit flags Putuo stalled", |found| {
        kinds(found_for(found, "330903")) == [FlagKind::Stalled]
    })
    .await;
    let stalled = found_for(&during, "330903");
    assert_eq!(
        (stalled.province_sequence, stalled.lag_events),
        (4, Some(3))
    );
    assert!(stalled.flags[0].action.contains("leaf connection"));
    let dinghai_during = found_for(&during, "330902");
    assert_eq!(dinghai_during.flags, []);

    // The link comes back: Putuo catches up, in order, nothing lost and nothing doubled.
    putuo.link.restore();
    let after = audit_until(&auditor, "Putuo catches up and the flag clears", |found| {
        let entry = found_for(found, "330903");
        entry.province_sequence == 7 && entry.flags.is_empty()
    })
    .await;
    let caught_up = found_for(&after, "330903");
    assert_eq!((caught_up.arrived, caught_up.lag_events), (7, Some(0)));
    assert_eq!(found_for(&after, "330902").arrived, 5);
    let mut provincial = jetstream::new(async_nats::connect(province.url()).await.unwrap())
        .get_stream(namespace.stream_name(CONTEXT))
        .await
        .unwrap();
    assert_eq!(
        provincial.info().await.unwrap().state.messages,
        7 + 5 + 2,
        "every district message arrived once"
    );
    assert_eq!(putuo.stream_messages(&namespace).await, 7);

    // Daishan is taken out of the districts: its source is dropped and what it records from then
    // on stays at Daishan, while Dinghai's messages still arrive. What Daishan sent stays.
    let changes = source(districts[..2].to_vec()).await;
    assert!(
        changes.added.is_empty()
            && changes.dropped.len() == 1
            && changes.dropped[0].contains("via $JS.d330921.API"),
        "{changes:?}"
    );
    let two = Auditor::start(store.clone(), districts[..2].to_vec(), &[CONTEXT], rules)
        .await
        .unwrap();
    daishan.record(&namespace, "h9").await;
    dinghai.record(&namespace, "h1").await;
    audit_until(&two, "Dinghai's sixth message arrives", |found| {
        found_for(found, "330902").province_sequence == 6
    })
    .await;
    assert_eq!(daishan.stream_messages(&namespace).await, 3);
    assert_eq!(
        provincial.info().await.unwrap().state.messages,
        7 + 6 + 2,
        "nothing of Daishan's arrives once it is no longer followed"
    );
    // Taken back in, Daishan resumes where it stopped: its one new message arrives, once.
    let changes = source(districts.clone()).await;
    assert_eq!(changes.added.len(), 1, "{changes:?}");
    let back = audit_until(
        &auditor,
        "Daishan's message recorded meanwhile arrives",
        |found| found_for(found, "330921").arrived == 3,
    )
    .await;
    assert_eq!(found_for(&back, "330921").lag_events, Some(0));
    assert_eq!(
        provincial.info().await.unwrap().state.messages,
        7 + 6 + 3,
        "every district message arrived once"
    );
}
