//! The kernel against real nats-server processes: every test runs once per configured server
//! binary (Debian's 2.9 and the current release in CI; see hl-testkit).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_nats::HeaderMap;
use bytes::Bytes;
use hl_eventstore::{
    Aggregate, AppendFailure, CommandContext, EventMeta, EventStore, ExecuteError, Expects,
    Namespace, Repository, RepositorySettings, RequestMeta, StoreError, StoreSettings, message_id,
};
use hl_proto::common::v1::{Actor, Role};
use hl_testkit::{FaultyLink, NatsServer, nats_server_binaries, unique_namespace, wait_until};
use serde::{Deserialize, Serialize};

// ---- A small aggregate that exists only for these tests ----

#[derive(Clone, PartialEq, prost::Message)]
pub struct Added {
    #[prost(int64, tag = "1")]
    pub amount: i64,
}

impl prost::Name for Added {
    const NAME: &'static str = "Added";
    const PACKAGE: &'static str = "hazard_ledger.test.v1";
}

hl_proto::domain_events! {
    pub enum TallyEvent {
        Added(Added),
    }
}

#[derive(Debug)]
pub enum TallyCommand {
    /// Adds `amount` as `events` separate events in one commit.
    Add { amount: i64, events: usize },
    /// Refused when the total is already above the limit.
    AddUnlessAbove { amount: i64, limit: i64 },
}

#[derive(Debug, thiserror::Error)]
pub enum AboveLimit {
    #[error("total {0} is above the limit")]
    Total(i64),
    #[error(transparent)]
    Refused(#[from] hl_domain::DomainError),
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Tally {
    total: i64,
    events: u64,
}

impl Aggregate for Tally {
    type Event = TallyEvent;
    type Command = TallyCommand;
    type Error = AboveLimit;
    const CONTEXT: &'static str = "tests";
    const AGGREGATE_TYPE: &'static str = "tally";
    const COLLECTION: &'static str = "tallies";

    fn expects(_: &TallyCommand) -> Expects {
        Expects::Either
    }

    fn decide(
        &self,
        command: &TallyCommand,
        _: &CommandContext,
    ) -> Result<Vec<TallyEvent>, AboveLimit> {
        match *command {
            TallyCommand::Add { amount, events } => Ok((0..events)
                .map(|_| TallyEvent::Added(Added { amount }))
                .collect()),
            TallyCommand::AddUnlessAbove { amount, limit } => {
                if self.total > limit {
                    Err(AboveLimit::Total(self.total))
                } else {
                    Ok(vec![TallyEvent::Added(Added { amount })])
                }
            }
        }
    }

    fn apply(&mut self, event: &TallyEvent, _: &EventMeta) {
        let TallyEvent::Added(added) = event;
        self.total += added.amount;
        self.events += 1;
    }
}

// ---- Fixtures ----

struct Fixture {
    server: NatsServer,
    namespace: String,
}

impl Fixture {
    async fn start(binary: &std::path::Path) -> Fixture {
        Fixture {
            server: NatsServer::start_binary(binary).await,
            namespace: unique_namespace(),
        }
    }

    async fn store(&self, settings: StoreSettings) -> EventStore {
        let client = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connect(self.server.url())
            .await
            .expect("connect to nats-server");
        let store = EventStore::new(client, Namespace::new(&self.namespace).unwrap(), settings);
        store.ensure_context_stream(Tally::CONTEXT).await.unwrap();
        store.ensure_snapshot_stream().await.unwrap();
        store
    }

    async fn repository(&self, settings: RepositorySettings) -> Repository<Tally> {
        Repository::new(
            self.store(StoreSettings::default()).await,
            "330903",
            settings,
        )
    }
}

fn request(request_id: &str) -> RequestMeta {
    RequestMeta {
        request_id: request_id.to_string(),
        actor: Actor {
            id: "tester".into(),
            role: Role::System as i32,
            organisation: "tests".into(),
            region: "330903".into(),
        },
        occurred_at: None,
        correlation_id: None,
        migrated_by: None,
    }
}

fn add(amount: i64) -> TallyCommand {
    TallyCommand::Add { amount, events: 1 }
}

/// Runs a test body once per configured nats-server binary.
async fn for_each_server<F, Fut>(body: F)
where
    F: Fn(Fixture) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for binary in nats_server_binaries() {
        let fixture = Fixture::start(&binary).await;
        eprintln!(
            "nats-server {} ({})",
            fixture.server.version(),
            binary.display()
        );
        body(fixture).await;
    }
}

// ---- Tests ----

#[tokio::test]
async fn reads_of_unknown_aggregates_are_never_cached() {
    for_each_server(|fixture| async move {
        let repository = fixture.repository(RepositorySettings::default()).await;
        for index in 0..500 {
            let unknown = repository.load(&format!("unknown-{index}")).await.unwrap();
            assert!(!unknown.exists());
        }
        assert_eq!(repository.cached_aggregates(), 0);
        repository
            .execute("known", &add(1), &request("known-1"))
            .await
            .unwrap();
        assert_eq!(repository.cached_aggregates(), 1);
    })
    .await;
}

#[tokio::test]
async fn an_id_that_is_no_valid_token_names_no_aggregate() {
    for_each_server(|fixture| async move {
        let repository = fixture.repository(RepositorySettings::default()).await;
        for id in ["a*b", "a.b", "a b", "x/y", ">", ""] {
            let loaded = repository.load(id).await.expect("no store failure");
            assert!(!loaded.exists(), "{id:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_cache_stays_within_its_byte_bound() {
    for_each_server(|fixture| async move {
        let bound = 8 * 1024;
        let repository = fixture
            .repository(RepositorySettings {
                cache_bytes: bound,
                ..RepositorySettings::default()
            })
            .await;
        for index in 0..100 {
            let aggregate_id = format!("weighed-{index}");
            for step in 0..3 {
                repository
                    .execute(
                        &aggregate_id,
                        &add(1),
                        &request(&format!("{aggregate_id}-{step}")),
                    )
                    .await
                    .unwrap();
                assert!(repository.cached_bytes() <= bound);
            }
        }
        // The byte bound, not the entry bound, let the oldest go.
        let cached = repository.cached_aggregates();
        assert!(0 < cached && cached < 100, "{cached} aggregates cached");
        assert!(repository.cached_bytes() > 0);

        // An aggregate weighs about what its snapshot holds (its state as written, its request
        // log as counted), and a little bookkeeping.
        let single = fixture
            .repository(RepositorySettings {
                snapshot_every: 3,
                ..RepositorySettings::default()
            })
            .await;
        for step in 0..3 {
            single
                .execute("snapshotted", &add(1), &request(&format!("single-{step}")))
                .await
                .unwrap();
        }
        let subject = single.subject("snapshotted");
        let store = single.store().clone();
        let snapshot = wait_until("a snapshot to be stored", Duration::from_secs(10), || {
            let store = store.clone();
            let subject = subject.clone();
            async move { store.latest_snapshot(&subject).await.unwrap() }
        })
        .await;
        let weight = single.cached_bytes();
        assert!(
            snapshot.len() / 2 <= weight && weight <= 2 * snapshot.len() + 1024,
            "weighs {weight} bytes, its snapshot {} bytes",
            snapshot.len()
        );
    })
    .await;
}

#[tokio::test]
async fn a_stale_writer_re_decides_after_a_conflict() {
    for_each_server(|fixture| async move {
        let first = fixture.repository(RepositorySettings::default()).await;
        let second = fixture.repository(RepositorySettings::default()).await;
        first.execute("a", &add(1), &request("r1")).await.unwrap();
        // `second` caches the aggregate at version 1 ...
        assert_eq!(second.load("a").await.unwrap().state.total, 1);
        // ... then `first` moves it on, so `second` appends with a stale expected sequence.
        first.execute("a", &add(10), &request("r2")).await.unwrap();
        let executed = second
            .execute(
                "a",
                &TallyCommand::AddUnlessAbove {
                    amount: 100,
                    limit: 5,
                },
                &request("r3"),
            )
            .await;
        // Re-decided against the fresh state (total 11 > 5), so the domain refuses it.
        assert!(
            matches!(executed, Err(ExecuteError::Domain(AboveLimit::Total(11)))),
            "{executed:?}"
        );
        let executed = second
            .execute("a", &add(100), &request("r4"))
            .await
            .unwrap();
        assert_eq!(executed.state.total, 111);
        assert_eq!(executed.commit.aggregate_version, 3);
    })
    .await;
}

#[tokio::test]
async fn a_conflict_that_persists_gives_up_with_conflict() {
    for_each_server(|fixture| async move {
        let settings = RepositorySettings {
            max_attempts: 1,
            ..RepositorySettings::default()
        };
        let stale = fixture.repository(settings).await;
        let other = fixture.repository(RepositorySettings::default()).await;
        other.execute("b", &add(1), &request("b1")).await.unwrap();
        stale.load("b").await.unwrap();
        other.execute("b", &add(1), &request("b2")).await.unwrap();
        let executed = stale.execute("b", &add(1), &request("b3")).await;
        assert!(
            matches!(executed, Err(ExecuteError::Conflict { attempts: 1 })),
            "{executed:?}"
        );

        // The raw store reports the conflict as such.
        let store = fixture.store(StoreSettings::default()).await;
        let subject = stale.subject("b");
        let outcome = store
            .append(
                &subject,
                1,
                "raw-1",
                Bytes::from_static(b"x"),
                HeaderMap::new(),
            )
            .await;
        assert!(
            matches!(outcome, Err(AppendFailure::WrongLastSequence)),
            "{outcome:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_retry_inside_the_window_records_nothing_twice() {
    for_each_server(|fixture| async move {
        let first = fixture.repository(RepositorySettings::default()).await;
        let stale = fixture.repository(RepositorySettings::default()).await;
        // `stale` knows the aggregate as empty: its retry goes all the way to JetStream.
        stale.load("c").await.unwrap();
        let original = first.execute("c", &add(5), &request("same")).await.unwrap();
        assert!(!original.replayed);

        let retried = stale.execute("c", &add(5), &request("same")).await.unwrap();
        assert!(retried.replayed);
        assert_eq!(retried.commit, original.commit);
        assert_eq!(retried.state.total, 5);

        let fresh = fixture.repository(RepositorySettings::default()).await;
        let again = fresh.execute("c", &add(5), &request("same")).await.unwrap();
        assert!(again.replayed);
        assert_eq!(fresh.load_full_history("c").await.unwrap().version, 1);

        // The same request_id on another aggregate, inside the window, is another request: it
        // records a commit of its own ...
        let stale_elsewhere = fixture.repository(RepositorySettings::default()).await;
        first.execute("d", &add(1), &request("d-1")).await.unwrap();
        stale_elsewhere.load("d").await.unwrap();
        let elsewhere = first.execute("d", &add(3), &request("same")).await.unwrap();
        assert!(!elsewhere.replayed);
        assert_ne!(elsewhere.commit, original.commit);
        assert_eq!(elsewhere.state.total, 4);
        // ... and a retry on either aggregate replays that aggregate's own outcome and appends
        // nothing, whether JetStream recognises it (`stale_elsewhere` has "d" cached as it was
        // before, so it appends) or the aggregate's request log does.
        let retried = stale_elsewhere
            .execute("d", &add(3), &request("same"))
            .await
            .unwrap();
        assert!(retried.replayed);
        assert_eq!(retried.commit, elsewhere.commit);
        assert_eq!(retried.state.total, 4);
        for (aggregate_id, amount, executed) in [("c", 5, &original), ("d", 3, &elsewhere)] {
            let later = fixture.repository(RepositorySettings::default()).await;
            let again = later
                .execute(aggregate_id, &add(amount), &request("same"))
                .await
                .unwrap();
            assert!(again.replayed, "{aggregate_id}");
            assert_eq!(again.commit, executed.commit);
            let history = later.load_full_history(aggregate_id).await.unwrap();
            assert_eq!(
                (history.version, history.state.total),
                (executed.version, executed.state.total),
                "{aggregate_id}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn the_message_id_is_per_aggregate_and_request() {
    for_each_server(|fixture| async move {
        let repository = fixture.repository(RepositorySettings::default()).await;
        let (first, second) = (repository.subject("g"), repository.subject("h"));
        assert_ne!(message_id(&first, "same"), message_id(&second, "same"));
        assert_ne!(message_id(&first, "same"), message_id(&first, "other"));
        // The subject and the request_id are kept apart: moving a character across does not
        // give the same id.
        assert_ne!(message_id("a.b", "c"), message_id("a.", "bc"));
        let hex_sha256 = message_id(&first, "same");
        assert_eq!(hex_sha256.len(), 64);
        assert!(
            hex_sha256
                .chars()
                .all(|character| matches!(character, '0'..='9' | 'a'..='f')),
            "{hex_sha256}"
        );

        // Each commit carries the id of its own subject and request_id.
        for (aggregate_id, subject) in [("g", &first), ("h", &second)] {
            repository
                .execute(aggregate_id, &add(1), &request("same"))
                .await
                .unwrap();
            let stored = repository
                .store()
                .next_message(Tally::CONTEXT, subject, 0, true)
                .await
                .unwrap()
                .expect("the commit is stored");
            assert_eq!(
                stored
                    .headers
                    .get("Nats-Msg-Id")
                    .map(|value| value.as_str()),
                Some(message_id(subject, "same").as_str()),
                "{aggregate_id}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_retry_after_the_window_is_recognised_from_history() {
    for_each_server(|fixture| async move {
        let settings = StoreSettings {
            duplicate_window: Duration::from_millis(500),
            ..StoreSettings::default()
        };
        let store = fixture.store(settings).await;
        let first =
            Repository::<Tally>::new(store.clone(), "330903", RepositorySettings::default());
        let stale =
            Repository::<Tally>::new(store.clone(), "330903", RepositorySettings::default());
        stale.load("e").await.unwrap();
        let original = first.execute("e", &add(7), &request("late")).await.unwrap();

        // Wait until JetStream has forgotten the message id: a probe message carrying it stops
        // being reported as a duplicate.
        let subject = first.subject("e");
        wait_until(
            "the de-duplication window to pass",
            Duration::from_secs(10),
            || {
                let store = store.clone();
                let subject = subject.clone();
                async move {
                    match store
                        .append(
                            &probe_subject(&store),
                            0,
                            &message_id(&subject, "late"),
                            Bytes::new(),
                            HeaderMap::new(),
                        )
                        .await
                    {
                        Ok(appended) if !appended.duplicate => Some(()),
                        _ => None,
                    }
                }
            },
        )
        .await;

        let retried = stale.execute("e", &add(7), &request("late")).await.unwrap();
        assert!(retried.replayed);
        assert_eq!(retried.commit, original.commit);
        let fresh =
            Repository::<Tally>::new(store.clone(), "330903", RepositorySettings::default());
        let again = fresh.execute("e", &add(7), &request("late")).await.unwrap();
        assert!(again.replayed);
        let history = fresh.load_full_history("e").await.unwrap();
        assert_eq!((history.version, history.state.total), (1, 7));
    })
    .await;
}

#[tokio::test]
async fn an_acknowledgement_lost_on_the_network_is_outcome_unknown_and_its_retry_records_once() {
    for_each_server(|fixture| async move {
        // The store reaches NATS through a link that will lose the answer to one append: the
        // commit reaches the server, its acknowledgement never comes back, and reading the
        // stream back fails as well.
        let upstream = format!("127.0.0.1:{}", fixture.server.port())
            .parse()
            .unwrap();
        let link = FaultyLink::start(upstream).await;
        let client = async_nats::ConnectOptions::new()
            .connect(link.url())
            .await
            .expect("connect through the link");
        let settings = StoreSettings {
            request_timeout: Duration::from_secs(1),
            ..StoreSettings::default()
        };
        let store = EventStore::new(
            client,
            Namespace::new(&fixture.namespace).unwrap(),
            settings,
        );
        store.ensure_context_stream(Tally::CONTEXT).await.unwrap();
        store.ensure_snapshot_stream().await.unwrap();
        let repository =
            Repository::<Tally>::new(store.clone(), "330903", RepositorySettings::default());
        repository
            .execute("f", &add(1), &request("f-1"))
            .await
            .unwrap();

        link.lose_answers_after(format!("HPUB {} ", repository.subject("f")).as_bytes());
        let lost = tokio::time::timeout(
            Duration::from_secs(60),
            repository.execute("f", &add(5), &request("f-2")),
        )
        .await
        .expect("an append whose answer is lost ends, it does not hang");
        assert!(
            matches!(
                lost,
                Err(ExecuteError::Store(StoreError::OutcomeUnknown(_)))
            ),
            "the caller must not be told that nothing changed: {lost:?}"
        );

        // The network heals; the caller retries with the same request_id. The commit had
        // landed, so the retry returns it and records nothing.
        link.heal();
        let retried = wait_until(
            "the retry to be answered once the client has reconnected",
            Duration::from_secs(30),
            || {
                let repository = &repository;
                async move { repository.execute("f", &add(5), &request("f-2")).await.ok() }
            },
        )
        .await;
        assert!(retried.replayed, "{retried:?}");
        let reader = fixture.repository(RepositorySettings::default()).await;
        let history = reader.load_full_history("f").await.unwrap();
        assert_eq!((history.version, history.state.total), (2, 6));
    })
    .await;
}

/// A subject of the test stream where probe messages go, apart from every aggregate.
fn probe_subject(store: &EventStore) -> String {
    store
        .namespace()
        .aggregate_subject("330903", Tally::CONTEXT, "probe", "window")
}

#[tokio::test]
async fn an_aggregate_with_ten_thousand_events_loads_whole() {
    for_each_server(|fixture| async move {
        let settings = RepositorySettings {
            snapshot_every: 64,
            ..RepositorySettings::default()
        };
        let writer = fixture.repository(settings.clone()).await;
        // 2,000 commits of 5 events each.
        for commit in 0..2000 {
            writer
                .execute(
                    "long",
                    &TallyCommand::Add {
                        amount: 1,
                        events: 5,
                    },
                    &request(&format!("long-{commit}")),
                )
                .await
                .unwrap();
        }
        let expected = Tally {
            total: 10_000,
            events: 10_000,
        };

        let reader = fixture.repository(settings).await;
        let full = reader.load_full_history("long").await.unwrap();
        assert_eq!((full.version, &full.state), (10_000, &expected));

        // A cold load starts from the latest snapshot, which the writer stores in the background.
        let subject = reader.subject("long");
        let store = reader.store().clone();
        wait_until("a snapshot to be stored", Duration::from_secs(10), || {
            let store = store.clone();
            let subject = subject.clone();
            async move { store.latest_snapshot(&subject).await.unwrap().map(|_| ()) }
        })
        .await;
        let cold = reader.load_from_store(&subject).await.unwrap();
        assert_eq!((cold.version, &cold.state), (10_000, &expected));
        // The snapshot remembers recent request_ids: a retry of the last command is recognised.
        let retried = reader
            .execute(
                "long",
                &TallyCommand::Add {
                    amount: 1,
                    events: 5,
                },
                &request("long-1999"),
            )
            .await
            .unwrap();
        assert!(retried.replayed);
    })
    .await;
}

#[tokio::test]
async fn a_history_is_read_in_batches_of_the_size_asked_for() {
    for_each_server(|fixture| async move {
        let settings = RepositorySettings {
            read_batch: 3,
            ..RepositorySettings::default()
        };
        let writer = fixture.repository(settings.clone()).await;
        // Two aggregates written in turn, so each one's commits are not adjacent in the stream.
        for step in 0..10 {
            for id in ["batched", "other"] {
                writer
                    .execute(id, &add(1), &request(&format!("{id}-{step}")))
                    .await
                    .unwrap();
            }
        }
        let store = writer.store();
        let subject = writer.subject("batched");

        // nats-server 2.11 brought the batched direct get; an older one answers one message.
        let first = store
            .messages_after(Tally::CONTEXT, &subject, 0, 3)
            .await
            .unwrap();
        let expected_first = if fixture.server.is_at_least(2, 11) {
            3
        } else {
            1
        };
        assert_eq!(first.messages.len(), expected_first);
        assert!(!first.complete);

        // Reading on from the last message read finds the aggregate's ten commits in order.
        let mut sequences = Vec::new();
        let mut after = 0;
        loop {
            let read = store
                .messages_after(Tally::CONTEXT, &subject, after, 3)
                .await
                .unwrap();
            for message in &read.messages {
                assert_eq!(message.subject, subject);
                sequences.push(message.sequence);
                after = message.sequence;
            }
            if read.complete {
                break;
            }
            assert!(
                !read.messages.is_empty(),
                "an incomplete read with nothing in it"
            );
        }
        assert_eq!(sequences.len(), 10);
        assert!(sequences.windows(2).all(|pair| pair[0] < pair[1]));
        let past = store
            .messages_after(Tally::CONTEXT, &subject, after, 3)
            .await
            .unwrap();
        assert!(past.messages.is_empty() && past.complete);

        // A cold load reading three commits a request has the whole state.
        let reader = fixture.repository(settings).await;
        let loaded = reader.load("batched").await.unwrap();
        assert_eq!(
            (loaded.version, &loaded.state),
            (
                10,
                &Tally {
                    total: 10,
                    events: 10
                }
            )
        );
    })
    .await;
}

#[tokio::test]
async fn an_aggregate_reads_as_it_stood_at_a_moment_from_the_steps_that_happened_by_then() {
    for_each_server(|fixture| async move {
        // Batches of two, so the history is read over several requests and the read stops
        // inside one.
        let settings = RepositorySettings {
            read_batch: 2,
            ..RepositorySettings::default()
        };
        let repository = fixture.repository(settings).await;
        let day = |number: u32| {
            chrono::DateTime::parse_from_rfc3339(&format!("2026-03-{number:02}T04:00:00Z"))
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        // Five steps, on 1, 3, 5, 7 and 9 March, of 1, 2, 4, 8 and 16.
        for (step, amount) in [1, 2, 4, 8, 16].into_iter().enumerate() {
            let meta = RequestMeta {
                occurred_at: Some(day(1 + 2 * step as u32)),
                ..request(&format!("step-{step}"))
            };
            repository
                .execute("dated", &add(amount), &meta)
                .await
                .unwrap();
        }
        let at = |number: u32| {
            let repository = &repository;
            async move {
                repository
                    .load_as_of("dated", day(number), |_| true)
                    .await
                    .unwrap()
            }
        };
        // Before the first step it did not exist yet.
        let before = repository
            .load_as_of("dated", day(1) - chrono::Duration::hours(1), |_| true)
            .await
            .unwrap();
        assert!(!before.exists());
        // A reader who may not know of it is handed it as missing, at any moment.
        for number in [4, 30] {
            let hidden = repository
                .load_as_of("dated", day(number), |tally| tally.total != 31)
                .await
                .unwrap();
            assert!(!hidden.exists());
            assert_eq!((hidden.version, hidden.state.total), (0, 0));
        }
        // Between steps: those that happened by then, with their version.
        let on_the_fourth = at(4).await;
        assert_eq!((on_the_fourth.version, on_the_fourth.state.total), (2, 3));
        // On a step's own moment the step counts.
        let on_the_seventh = at(7).await;
        assert_eq!(
            (on_the_seventh.version, on_the_seventh.state.total),
            (4, 15)
        );
        // After the last step: as it stands now.
        let after = at(30).await;
        assert_eq!((after.version, after.state.total), (5, 31));
        // Reading the past changes nothing of the present.
        let now = repository.load("dated").await.unwrap();
        assert_eq!((now.version, now.state.total), (5, 31));
    })
    .await;
}

#[tokio::test]
async fn a_snapshot_followed_by_more_commits_than_one_read_holds_loads_whole() {
    for_each_server(|fixture| async move {
        // Three commits and a snapshot after them ...
        let snapshotting = fixture
            .repository(RepositorySettings {
                snapshot_every: 3,
                ..RepositorySettings::default()
            })
            .await;
        for step in 0..3 {
            snapshotting
                .execute("tail", &add(1), &request(&format!("tail-{step}")))
                .await
                .unwrap();
        }
        let snapshot = stored_snapshot(&snapshotting, "tail").await;
        assert_eq!(snapshot["aggregate_version"], 3);
        // ... then five more that no snapshot covers.
        let writer = fixture
            .repository(RepositorySettings {
                snapshot_every: 1000,
                ..RepositorySettings::default()
            })
            .await;
        for step in 3..8 {
            writer
                .execute("tail", &add(1), &request(&format!("tail-{step}")))
                .await
                .unwrap();
        }
        // Two commits a read: the snapshot's own commit and the next, then three more reads.
        let reader = fixture
            .repository(RepositorySettings {
                read_batch: 2,
                ..RepositorySettings::default()
            })
            .await;
        let loaded = reader
            .load_from_store(&reader.subject("tail"))
            .await
            .unwrap();
        assert_eq!(
            (loaded.version, &loaded.state),
            (
                8,
                &Tally {
                    total: 8,
                    events: 8
                }
            )
        );
        // The request log holds the requests from before the snapshot and after it.
        assert!(loaded.has_recorded("tail-0") && loaded.has_recorded("tail-7"));
    })
    .await;
}

/// A snapshot of `aggregate_id` as JSON, once the writer has stored one.
async fn stored_snapshot(repository: &Repository<Tally>, aggregate_id: &str) -> serde_json::Value {
    let subject = repository.subject(aggregate_id);
    let store = repository.store().clone();
    let bytes = wait_until("a snapshot to be stored", Duration::from_secs(10), || {
        let store = store.clone();
        let subject = subject.clone();
        async move { store.latest_snapshot(&subject).await.unwrap() }
    })
    .await;
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn a_snapshot_that_does_not_match_the_commit_it_claims_to_follow_is_ignored() {
    for_each_server(|fixture| async move {
        // One snapshot each, after the third commit.
        let settings = RepositorySettings {
            snapshot_every: 3,
            ..RepositorySettings::default()
        };
        let writer = fixture.repository(settings.clone()).await;
        for n in 0..3 {
            for (id, amount) in [("other", 100), ("kept", 1)] {
                writer
                    .execute(id, &add(amount), &request(&format!("{id}-{n}")))
                    .await
                    .unwrap();
            }
        }
        let of_other = stored_snapshot(&writer, "other").await;
        let genuine = stored_snapshot(&writer, "kept").await;
        let store = writer.store().clone();
        let subject = writer.subject("kept");
        let cold_total = |snapshot: serde_json::Value| {
            let store = store.clone();
            let subject = subject.clone();
            let settings = settings.clone();
            let fixture = &fixture;
            async move {
                store
                    .put_snapshot(
                        &subject,
                        Bytes::from(serde_json::to_vec(&snapshot).unwrap()),
                    )
                    .await
                    .unwrap();
                let reader = fixture.repository(settings).await;
                reader.load_from_store(&subject).await.unwrap().state.total
            }
        };
        // Another aggregate's snapshot put in this one's place: its sequence is not a commit of
        // this aggregate.
        assert_eq!(cold_total(of_other).await, 3);
        // A snapshot whose digest is not the commit's at its sequence.
        let mut altered = genuine.clone();
        altered["last_commit_sha256"] = serde_json::Value::String("00".repeat(32));
        altered["state"]["total"] = 999.into();
        assert_eq!(cold_total(altered).await, 3);
        // A snapshot claiming a version its commit does not have.
        let mut misnumbered = genuine.clone();
        misnumbered["aggregate_version"] = 2.into();
        misnumbered["state"]["total"] = 999.into();
        assert_eq!(cold_total(misnumbered).await, 3);
        // One that matches its commit is used as it stands: its state is not read again from
        // the history (the snapshot subjects are writable only by the aggregate's service).
        let mut matching = genuine;
        matching["state"]["total"] = 7.into();
        assert_eq!(cold_total(matching).await, 7);
    })
    .await;
}

#[tokio::test]
async fn a_tampered_history_is_detected_not_applied() {
    for_each_server(|fixture| async move {
        let repository = fixture.repository(RepositorySettings::default()).await;
        repository
            .execute("f", &add(1), &request("f1"))
            .await
            .unwrap();
        // Append a commit that claims to be first although the aggregate already has one.
        let forged = hl_proto::events::v1::Commit {
            events: vec![],
            request_id: "forged".into(),
            previous_commit_sha256: vec![],
        };
        let store = repository.store().clone();
        store
            .append(
                &repository.subject("f"),
                0,
                "forged",
                Bytes::from(prost::Message::encode_to_vec(&forged)),
                HeaderMap::new(),
            )
            .await
            .expect_err("the expected-sequence check refuses a second 'first' commit");
        // Bypass the check the way a corrupted store would: publish without expectations.
        fixture
            .store(StoreSettings::default())
            .await
            .jetstream()
            .publish(
                repository.subject("f"),
                Bytes::from(prost::Message::encode_to_vec(&forged)),
            )
            .await
            .unwrap()
            .await
            .unwrap();
        let fresh = fixture.repository(RepositorySettings::default()).await;
        let loaded = fresh.load_full_history("f").await;
        assert!(
            matches!(loaded, Err(StoreError::Integrity { .. })),
            "{loaded:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_server_restart_mid_load_loses_nothing_acknowledged() {
    for binary in nats_server_binaries() {
        let mut fixture = Fixture::start(&binary).await;
        eprintln!("nats-server {}", fixture.server.version());
        let settings = StoreSettings {
            request_timeout: Duration::from_secs(1),
            ..StoreSettings::default()
        };
        let store = fixture.store(settings).await;
        let repository = Arc::new(Repository::<Tally>::new(
            store.clone(),
            "330903",
            RepositorySettings::default(),
        ));

        // Eight writers append to 16 aggregates until told to stop, keeping what was
        // acknowledged and what failed.
        let (stop_sender, stop) = tokio::sync::watch::channel(false);
        let mut writers = Vec::new();
        for writer in 0..8 {
            let repository = repository.clone();
            let stop = stop.clone();
            writers.push(tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                let mut failed = Vec::new();
                let mut turn = 0;
                while !*stop.borrow() {
                    let aggregate = format!("agg-{}", (writer * 7 + turn) % 16);
                    let request_id = format!("w{writer}-{turn}");
                    match repository
                        .execute(&aggregate, &add(1), &request(&request_id))
                        .await
                    {
                        Ok(_) => acknowledged.push((aggregate, request_id)),
                        Err(_) => failed.push((aggregate, request_id)),
                    }
                    turn += 1;
                }
                (acknowledged, failed)
            }));
        }

        wait_until("writes before the crash", Duration::from_secs(10), || {
            let store = store.clone();
            async move {
                let mut stream = store
                    .jetstream()
                    .get_stream(store.namespace().stream_name(Tally::CONTEXT))
                    .await
                    .ok()?;
                let messages = stream.info().await.ok()?.state.messages;
                (messages >= 300).then_some(())
            }
        })
        .await;
        fixture.server.kill().await;
        fixture.server.restart().await;
        wait_until("writes after the restart", Duration::from_secs(30), || {
            let store = store.clone();
            async move {
                let mut stream = store
                    .jetstream()
                    .get_stream(store.namespace().stream_name(Tally::CONTEXT))
                    .await
                    .ok()?;
                let messages = stream.info().await.ok()?.state.messages;
                (messages >= 900).then_some(())
            }
        })
        .await;
        stop_sender.send(true).unwrap();

        let mut acknowledged = Vec::new();
        let mut failed = HashSet::new();
        for writer in writers {
            let (ok, not_ok) = writer.await.unwrap();
            acknowledged.extend(ok);
            failed.extend(not_ok.into_iter().map(|(_, request_id)| request_id));
        }
        assert!(!acknowledged.is_empty());

        // Every acknowledged command is in the history after the restart, exactly once; the
        // only other commits are commands whose callers saw an error (their outcome unknown).
        let reader = Repository::<Tally>::new(
            store.clone(),
            "330903",
            RepositorySettings {
                request_log_capacity: 100_000,
                ..RepositorySettings::default()
            },
        );
        let mut acknowledged_per_aggregate: HashMap<String, Vec<String>> = HashMap::new();
        for (aggregate, request_id) in &acknowledged {
            acknowledged_per_aggregate
                .entry(aggregate.clone())
                .or_default()
                .push(request_id.clone());
        }
        for index in 0..16 {
            let aggregate = format!("agg-{index}");
            let history = reader.load_full_history(&aggregate).await.unwrap();
            let expected = acknowledged_per_aggregate
                .remove(&aggregate)
                .unwrap_or_default();
            let recorded = history.state.total as usize;
            let extra = recorded.checked_sub(expected.len()).unwrap_or_else(|| {
                panic!(
                    "{aggregate}: {recorded} recorded < {} acknowledged",
                    expected.len()
                )
            });
            for request_id in &expected {
                let replay = reader
                    .execute(&aggregate, &add(1), &request(request_id))
                    .await
                    .unwrap();
                assert!(
                    replay.replayed,
                    "{request_id} acknowledged but not in {aggregate}'s history"
                );
            }
            assert!(
                extra <= failed.len(),
                "{aggregate}: {extra} commits nobody asked for"
            );
        }
        eprintln!(
            "{} acknowledged, {} failed during the restart",
            acknowledged.len(),
            failed.len()
        );
    }
}

#[tokio::test]
async fn a_stream_made_with_other_settings_stops_the_start() {
    for_each_server(|fixture| async move {
        fixture.store(StoreSettings::default()).await;
        let client = async_nats::connect(fixture.server.url()).await.unwrap();
        let other = EventStore::new(
            client,
            Namespace::new(&fixture.namespace).unwrap(),
            StoreSettings {
                duplicate_window: Duration::from_secs(5),
                ..StoreSettings::default()
            },
        );
        let error = other
            .ensure_context_stream(Tally::CONTEXT)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, hl_eventstore::StoreError::Mismatch(problem) if problem.contains("duplicate window")),
            "{error}"
        );
    })
    .await;
}
