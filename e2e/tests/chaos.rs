//! Chaos: the production topology under crashes, with nothing acknowledged lost or doubled.
//!
//! A three-node JetStream cluster (R3 streams, `sync_interval: always`), the suite (its read
//! models on SQLite), a separate projector process (`hl-projections`, its read models on
//! PostgreSQL), and a PostgreSQL server of the test's own. Clients report hazards and plan
//! their rectification at a steady rate, retrying each command with its request_id until it is
//! acknowledged. Each round kills one victim with SIGKILL (a NATS node, the hazards stream's
//! leader, the suite, the projector or PostgreSQL), brings it back, and times how long until a
//! new command is acknowledged and shows in the read model that victim serves.
//!
//! At the end every acknowledged command is on its stream exactly once, every hash chain holds,
//! and the read models on SQLite and PostgreSQL give the same answers as a fresh fold of the
//! streams. A report prints the figures. `make test` runs one round per victim; `make chaos`
//! runs the long version (HL_CHAOS_ROUNDS, HL_CHAOS_SECONDS, HL_CHAOS_SEED, HL_CHAOS_REPORT).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hl_e2e::Suite;
use hl_e2e::flows::{Acknowledged, plan_rectification, report_self_check, until_acknowledged};
use hl_proto::common::v1::CommitInfo;
use hl_proto::events::v1::Commit;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_testkit::actors::{ENTERPRISE, by_administrator};
use hl_testkit::fixtures::{Registered, register_district};
use hl_testkit::{NatsCluster, PostgresServer, TestDatabase, free_port, unique_namespace};
use prost::Message;
use tokio::process::{Child, Command};
use tonic::transport::Channel;

const CLIENTS: usize = 4;
/// Each client's pause after a hazard's two commands: about eight commands a second in all.
const PAUSE: Duration = Duration::from_millis(1000);
/// How long a command may take to be acknowledged, retries included, and a victim to recover.
const PATIENCE: Duration = Duration::from_secs(120);

/// What a run is asked to do, from the environment.
struct Settings {
    rounds: usize,
    seconds: u64,
    seed: u64,
    report: Option<PathBuf>,
}

impl Settings {
    fn from_environment() -> Settings {
        let number = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .map(|value| {
                    value
                        .parse()
                        .unwrap_or_else(|_| panic!("{name} is a number"))
                })
                .unwrap_or(default)
        };
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Settings {
            rounds: number("HL_CHAOS_ROUNDS", VICTIMS.len() as u64) as usize,
            seconds: number("HL_CHAOS_SECONDS", 75),
            seed: number("HL_CHAOS_SEED", clock.as_nanos() as u64),
            report: std::env::var_os("HL_CHAOS_REPORT").map(PathBuf::from),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Victim {
    NatsNode,
    NatsLeader,
    Suite,
    Projector,
    Postgres,
}

const VICTIMS: [Victim; 5] = [
    Victim::NatsLeader,
    Victim::Suite,
    Victim::Projector,
    Victim::Postgres,
    Victim::NatsNode,
];

impl Victim {
    fn name(self) -> &'static str {
        match self {
            Victim::NatsNode => "a NATS node (not the leader)",
            Victim::NatsLeader => "the hazards stream's NATS leader",
            Victim::Suite => "the suite",
            Victim::Projector => "the projector (hl-projections)",
            Victim::Postgres => "the PostgreSQL server",
        }
    }

    /// Whether the projector's read model (PostgreSQL) is the one the victim takes away; else
    /// the suite's (SQLite).
    fn serves_postgres_read_model(self) -> bool {
        matches!(self, Victim::Projector | Victim::Postgres)
    }
}

/// A small reproducible generator (SplitMix64): the seed in the report replays the victims.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (mixed ^ (mixed >> 31)) % bound.max(1)
    }
}

/// The processes and servers under test, each of which a round may kill.
struct Deployment {
    cluster: NatsCluster,
    postgres: PostgresServer,
    database: TestDatabase,
    namespace: String,
    suite_data: tempfile::TempDir,
    suite_port: u16,
    suite: Option<Suite>,
    projector_folder: tempfile::TempDir,
    projector_port: u16,
    projector: Option<Child>,
    /// Times the projector had exited on its own and was started again, as systemd would.
    projector_restarts: usize,
}

impl Deployment {
    async fn start() -> Deployment {
        let cluster = NatsCluster::start().await;
        let postgres = PostgresServer::start().await;
        let database = TestDatabase::create_on(postgres.url()).await;
        let mut deployment = Deployment {
            cluster,
            postgres,
            database,
            namespace: unique_namespace(),
            suite_data: tempfile::tempdir().unwrap(),
            suite_port: free_port(),
            suite: None,
            projector_folder: tempfile::tempdir().unwrap(),
            projector_port: free_port(),
            projector: None,
            projector_restarts: 0,
        };
        deployment.start_suite().await;
        deployment.start_projector();
        deployment
    }

    async fn start_suite(&mut self) {
        let environment = [
            ("NATS_URL", self.cluster.urls()),
            ("HL_NAMESPACE", self.namespace.clone()),
            ("HL_SEED_DEMO", "false".into()),
            ("HL_STREAM_REPLICAS", "3".into()),
            ("HL_DATA_DIR", self.suite_data.path().display().to_string()),
            ("HL_LISTEN_ADDR", format!("127.0.0.1:{}", self.suite_port)),
            ("HL_LOG", "error".into()),
        ];
        self.suite = Some(Suite::start(&environment).await);
    }

    fn start_projector(&mut self) {
        self.projector = Some(projections_process(
            &self.cluster.urls(),
            &self.namespace,
            &self.database.url,
            self.projector_port,
            self.projector_folder.path(),
        ));
    }

    fn suite_address(&self) -> String {
        format!("127.0.0.1:{}", self.suite_port)
    }

    fn projector_address(&self) -> String {
        format!("127.0.0.1:{}", self.projector_port)
    }

    fn hazards_stream(&self) -> String {
        format!("{}_HAZARDS", self.namespace).to_uppercase()
    }

    /// Starts the projector again if it exited on its own (a supervisor's restart).
    async fn supervise(&mut self) {
        let exited = match self.projector.as_mut() {
            Some(child) => child.try_wait().ok().flatten().is_some(),
            None => false,
        };
        if exited {
            self.projector_restarts += 1;
            self.start_projector();
        }
    }

    /// Waits until a read model has applied the hazards stream up to `sequence`. The projector
    /// may exit while its database is away; a supervisor would start it again, and so does this.
    async fn await_applied(&mut self, channel: Channel, stream: &str, sequence: u64) {
        let deadline = Instant::now() + PATIENCE;
        while applied_hazards(channel.clone(), stream)
            .await
            .is_none_or(|applied| applied < sequence)
        {
            assert!(
                Instant::now() < deadline,
                "a read model did not apply {stream} up to {sequence} within {PATIENCE:?}"
            );
            self.supervise().await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the victim with SIGKILL, leaves it down for `down`, and brings it back.
    async fn crash(&mut self, victim: Victim, random: &mut Random, down: Duration) {
        match victim {
            Victim::NatsNode | Victim::NatsLeader => {
                let leader = self.cluster.stream_leader(&self.hazards_stream()).await;
                let node = match (victim, leader) {
                    (Victim::NatsLeader, Some(leader)) => leader,
                    (_, leader) => {
                        let others: Vec<usize> = (0..hl_testkit::CLUSTER_NODES)
                            .filter(|node| Some(*node) != leader)
                            .collect();
                        others[random.below(others.len() as u64) as usize]
                    }
                };
                self.cluster.kill(node).await;
                tokio::time::sleep(down).await;
                self.cluster.restart(node).await;
            }
            Victim::Suite => {
                if let Some(mut suite) = self.suite.take() {
                    let _ = suite.child.start_kill();
                    let _ = suite.child.wait().await;
                }
                tokio::time::sleep(down).await;
                self.start_suite().await;
            }
            Victim::Projector => {
                if let Some(mut projector) = self.projector.take() {
                    let _ = projector.start_kill();
                    let _ = projector.wait().await;
                }
                tokio::time::sleep(down).await;
                self.start_projector();
            }
            Victim::Postgres => {
                self.postgres.kill();
                tokio::time::sleep(down).await;
                self.postgres.start_again().await;
            }
        }
    }
}

/// `hl-projections` on the cluster, its read models in a PostgreSQL database.
fn projections_process(
    nats_urls: &str,
    namespace: &str,
    database_url: &str,
    port: u16,
    folder: &std::path::Path,
) -> Child {
    Command::new(hl_e2e::projections_binary())
        .current_dir(folder)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NATS_URL", nats_urls)
        .env("HL_NAMESPACE", namespace)
        .env("HL_STREAM_REPLICAS", "3")
        .env("DATABASE_URL", database_url)
        .env("HL_LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("HL_METRICS_ADDR", "off")
        .env("HL_AUTH_JWKS", hl_testkit::actors::jwks_file())
        .env("HL_DRAIN_SECONDS", "2")
        .env("HL_LOG", "error")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start hl-projections")
}

/// One acknowledged command: its request_id, when it was first sent, and how long until it
/// was acknowledged (its wait).
struct Outcome {
    request_id: String,
    sent: Instant,
    waited: Duration,
    retries: usize,
}

/// A command sent until acknowledged, recorded as an outcome.
async fn acknowledge<F, Fut>(request_id: &str, call: F) -> (Outcome, CommitInfo)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<CommitInfo, tonic::Status>>,
{
    let sent = Instant::now();
    let Acknowledged { commit, retries } = until_acknowledged(request_id, PATIENCE, call).await;
    let outcome = Outcome {
        request_id: request_id.to_string(),
        sent,
        waited: sent.elapsed(),
        retries,
    };
    (outcome, commit)
}

/// A client: a new hazard, then its rectification plan, then a pause, until told to stop.
async fn client(
    channel: Channel,
    number: usize,
    stop: Arc<AtomicBool>,
    outcomes: Arc<Mutex<Vec<Outcome>>>,
) {
    let mut index = 0;
    while !stop.load(Ordering::SeqCst) {
        index += 1;
        let hazard = format!("chaos-{number}-{index}");
        let (reported, _) =
            acknowledge(&hazard, || report_self_check(channel.clone(), &hazard)).await;
        let plan = format!("{hazard}-plan");
        let (planned, _) = acknowledge(&plan, || {
            plan_rectification(channel.clone(), &hazard, &plan)
        })
        .await;
        outcomes.lock().unwrap().extend([reported, planned]);
        tokio::time::sleep(PAUSE).await;
    }
}

/// A channel that connects when first used and again after the server restarts.
fn lazy_channel(address: &str) -> Channel {
    Channel::from_shared(format!("http://{address}"))
        .expect("a valid endpoint")
        .connect_timeout(Duration::from_secs(2))
        .connect_lazy()
}

/// The read model's hazards freshness: how far it has applied the hazards stream.
async fn applied_hazards(channel: Channel, stream: &str) -> Option<u64> {
    let answer = LedgerServiceClient::new(channel)
        .list_hazards(by_administrator(ledger::ListHazardsRequest {
            page_size: 1,
            ..Default::default()
        }))
        .await
        .ok()?
        .into_inner();
    answer
        .freshness?
        .streams
        .into_iter()
        .find(|freshness| freshness.stream == stream)
        .map(|freshness| freshness.applied_sequence)
}

/// How many commits of each request_id the hazards stream holds, and its last sequence.
async fn commits_by_request(
    client: async_nats::Client,
    stream: &str,
) -> (BTreeMap<String, usize>, u64) {
    let jetstream = async_nats::jetstream::new(client);
    let mut stream = jetstream.get_stream(stream).await.unwrap();
    let last = stream.info().await.unwrap().state.last_sequence;
    let mut counts = BTreeMap::new();
    for sequence in 1..=last {
        let message = stream.get_raw_message(sequence).await.unwrap();
        let commit = Commit::decode(message.payload).expect("a commit");
        *counts.entry(commit.request_id).or_insert(0) += 1;
    }
    (counts, last)
}

/// One round's record: the victim, when it was killed, and how long until it recovered.
struct Round {
    victim: Victim,
    killed: Instant,
    recovered_after: Duration,
}

#[tokio::test]
async fn a_chaos_run_loses_and_doubles_no_acknowledged_command() {
    let settings = Settings::from_environment();
    let mut random = Random(settings.seed);
    let started = Instant::now();
    let mut deployment = Deployment::start().await;
    let suite_channel = lazy_channel(&deployment.suite_address());
    let projector_channel = lazy_channel(&deployment.projector_address());
    register_district(
        deployment.suite.as_ref().unwrap().channel().await,
        &[Registered::cold_store(ENTERPRISE)],
    )
    .await;
    let stream = deployment.hazards_stream();

    let stop = Arc::new(AtomicBool::new(false));
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|index| {
            tokio::spawn(client(
                suite_channel.clone(),
                index,
                stop.clone(),
                outcomes.clone(),
            ))
        })
        .collect();

    // Each round: a victim from a shuffled cycle of every kind, down one to four seconds, then
    // a probe command that must be acknowledged and reach the victim's read model.
    let round_length = Duration::from_secs(settings.seconds) / settings.rounds.max(1) as u32;
    let mut rounds = Vec::new();
    let mut cycle = Vec::new();
    for round in 0..settings.rounds {
        if cycle.is_empty() {
            cycle = VICTIMS.to_vec();
            for index in (1..cycle.len()).rev() {
                cycle.swap(index, random.below(index as u64 + 1) as usize);
            }
        }
        let victim = cycle.pop().unwrap();
        let round_start = Instant::now();
        deployment.supervise().await;
        let down = Duration::from_millis(1000 + random.below(3000));
        eprintln!("round {round}: killing {} for {down:?}", victim.name());
        let killed = Instant::now();
        deployment.crash(victim, &mut random, down).await;
        let probe = format!("chaos-probe-{round}");
        let (outcome, commit) =
            acknowledge(&probe, || report_self_check(suite_channel.clone(), &probe)).await;
        outcomes.lock().unwrap().push(outcome);
        let read_model = if victim.serves_postgres_read_model() {
            projector_channel.clone()
        } else {
            suite_channel.clone()
        };
        deployment
            .await_applied(read_model, &stream, commit.stream_sequence)
            .await;
        rounds.push(Round {
            victim,
            killed,
            recovered_after: killed.elapsed(),
        });
        if let Some(rest) = round_length.checked_sub(round_start.elapsed()) {
            tokio::time::sleep(rest).await;
        }
    }
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.expect("a client finished");
    }
    deployment.supervise().await;

    // What is on the stream: each acknowledged command exactly once.
    let outcomes = std::mem::take(&mut *outcomes.lock().unwrap());
    let (on_stream, last_sequence) =
        commits_by_request(deployment.cluster.client().await.unwrap(), &stream).await;
    let lost: Vec<&str> = outcomes
        .iter()
        .filter(|outcome| !on_stream.contains_key(&outcome.request_id))
        .map(|outcome| outcome.request_id.as_str())
        .collect();
    let duplicated: Vec<(&String, &usize)> =
        on_stream.iter().filter(|(_, count)| **count > 1).collect();
    let verified = hl_e2e::run_hlctl(
        &["verify", "hazards"],
        &[
            ("NATS_URL", deployment.cluster.urls()),
            ("HL_NAMESPACE", deployment.namespace.clone()),
        ],
    )
    .await;

    // The read models: SQLite (the suite's), PostgreSQL (the projector's) and a fresh fold of
    // the streams into a new SQLite file give the same answers.
    for channel in [&suite_channel, &projector_channel] {
        deployment
            .await_applied(channel.clone(), &stream, last_sequence)
            .await;
    }
    let fresh_folder = tempfile::tempdir().unwrap();
    let fresh_port = free_port();
    let _fresh = projections_process(
        &deployment.cluster.urls(),
        &deployment.namespace,
        &format!("sqlite://{}/fresh.db", fresh_folder.path().display()),
        fresh_port,
        fresh_folder.path(),
    );
    let fresh_channel = lazy_channel(&format!("127.0.0.1:{fresh_port}"));
    deployment
        .await_applied(fresh_channel.clone(), &stream, last_sequence)
        .await;
    let on_sqlite = hl_e2e::district_answers(suite_channel).await;
    let on_postgres = hl_e2e::district_answers(projector_channel).await;
    let folded = hl_e2e::district_answers(fresh_channel).await;

    let report = report(
        &settings,
        started,
        &outcomes,
        &rounds,
        &deployment,
        ReportCounts {
            lost: lost.len(),
            duplicated: duplicated.len(),
            chains_intact: verified.status.success(),
            read_models_equal: on_sqlite == folded && on_postgres == folded,
            hazards: folded.0.len(),
        },
    );
    eprintln!("{report}");
    if let Some(path) = &settings.report {
        std::fs::write(path, &report).expect("write the chaos report");
    }

    assert!(lost.is_empty(), "acknowledged and lost: {lost:?}");
    assert!(duplicated.is_empty(), "on the stream twice: {duplicated:?}");
    assert!(
        verified.status.success(),
        "hlctl verify hazards: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    let reports = outcomes
        .iter()
        .filter(|outcome| !outcome.request_id.ends_with("-plan"))
        .count();
    assert_eq!(folded.0.len(), reports, "a hazard per acknowledged report");
    assert!(
        on_sqlite == folded,
        "the SQLite read model differs from a fresh fold"
    );
    assert!(
        on_postgres == folded,
        "the PostgreSQL read model differs from a fresh fold"
    );
    assert_eq!(rounds.len(), settings.rounds);
}

/// The figures of the end checks.
struct ReportCounts {
    lost: usize,
    duplicated: usize,
    chains_intact: bool,
    read_models_equal: bool,
    hazards: usize,
}

fn report(
    settings: &Settings,
    started: Instant,
    outcomes: &[Outcome],
    rounds: &[Round],
    deployment: &Deployment,
    counts: ReportCounts,
) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "chaos run: seed {}, {} rounds planned over {} s, took {:.0} s",
        settings.seed,
        settings.rounds,
        settings.seconds,
        started.elapsed().as_secs_f64()
    );
    let _ = writeln!(
        text,
        "topology: 3 NATS nodes (R3 streams, sync_interval always), the suite (SQLite), \
         hl-projections (PostgreSQL), PostgreSQL; {CLIENTS} clients"
    );
    let retried: usize = outcomes.iter().map(|outcome| outcome.retries).sum();
    let _ = writeln!(text, "rounds:        {}", rounds.len());
    let _ = writeln!(text, "acknowledged:  {}", outcomes.len());
    let _ = writeln!(
        text,
        "retried:       {retried} calls answered with a retryable code before their acknowledgement"
    );
    let _ = writeln!(text, "lost:          {}", counts.lost);
    let _ = writeln!(text, "duplicated:    {}", counts.duplicated);
    let _ = writeln!(
        text,
        "hash chains:   {}",
        if counts.chains_intact {
            "intact"
        } else {
            "BROKEN"
        }
    );
    let _ = writeln!(
        text,
        "read models:   {} ({} hazards; SQLite, PostgreSQL and a fresh fold)",
        if counts.read_models_equal {
            "equal"
        } else {
            "DIFFER"
        },
        counts.hazards
    );
    let _ = writeln!(
        text,
        "projector restarts by the supervisor (it had exited on its own): {}",
        deployment.projector_restarts
    );
    let _ = writeln!(
        text,
        "\n| victim | rounds | longest wait of a command during the outage | longest recovery |\n|---|---|---|---|"
    );
    let mut victims = VICTIMS;
    victims.sort();
    for victim in victims {
        let of_victim: Vec<&Round> = rounds
            .iter()
            .filter(|round| round.victim == victim)
            .collect();
        if of_victim.is_empty() {
            continue;
        }
        // A command counts for a round when it was waiting at any moment between the kill and
        // the recovery: sent before the kill and still unanswered, or sent while the victim was
        // away.
        let longest_wait = outcomes
            .iter()
            .filter(|outcome| {
                of_victim.iter().any(|round| {
                    outcome.sent <= round.killed + round.recovered_after
                        && round.killed <= outcome.sent + outcome.waited
                })
            })
            .map(|outcome| outcome.waited)
            .max()
            .unwrap_or_default();
        let longest_recovery = of_victim
            .iter()
            .map(|round| round.recovered_after)
            .max()
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "| {} | {} | {:.1} s | {:.1} s |",
            victim.name(),
            of_victim.len(),
            longest_wait.as_secs_f64(),
            longest_recovery.as_secs_f64()
        );
    }
    let _ = writeln!(
        text,
        "\nrecovery: from the kill until the victim is back and a new command is acknowledged and \
         applied to the read model the victim serves (the projector's for the projector and \
         PostgreSQL, the suite's otherwise); it includes the 1 to 4 s the victim is kept down."
    );
    text
}
