//! hlctl against a running suite on a real nats-server with its SQLite read model: every
//! subcommand, and its exit codes when something cannot be reached.

use std::process::Output;
use std::time::Duration;

use hl_e2e::{Suite, district_answers, hlctl_binary};
use hl_proto::events::v1::Commit;
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::ledger::v1 as ledger;
use hl_testkit::actors::by_inspector;

use hl_testkit::{NatsServer, TestDatabase, free_port, unique_namespace, wait_until};
use prost::Message;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

/// A suite with the demo district on its own nats-server, namespace and data folder.
struct Deployment {
    nats: NatsServer,
    namespace: String,
    data: tempfile::TempDir,
    suite: Suite,
    /// The event archive's PostgreSQL database, when the suite keeps one.
    archive: Option<TestDatabase>,
}

impl Deployment {
    async fn start() -> Deployment {
        Deployment::launch(None).await
    }

    /// A deployment whose projections also keep the event archive in PostgreSQL.
    async fn start_with_archive() -> Deployment {
        Deployment::launch(Some(TestDatabase::create().await)).await
    }

    async fn launch(archive: Option<TestDatabase>) -> Deployment {
        let nats = NatsServer::start().await;
        let namespace = unique_namespace();
        let data = tempfile::tempdir().unwrap();
        let mut environment = vec![
            ("NATS_URL", nats.url()),
            ("HL_NAMESPACE", namespace.clone()),
            ("HL_DATA_DIR", data.path().display().to_string()),
        ];
        if let Some(archive) = &archive {
            environment.push(("HL_ARCHIVE_URL", archive.url.clone()));
        }
        let mut suite = Suite::start(&environment).await;
        // The suite prints the reconciliation once the read model has caught up with the demo.
        suite
            .wait_for_line("Two-ledger reconciliation", Duration::from_secs(90))
            .await;
        Deployment {
            nats,
            namespace,
            data,
            suite,
            archive,
        }
    }

    fn environment(&self) -> Vec<(&'static str, String)> {
        vec![
            ("NATS_URL", self.nats.url()),
            ("HL_NAMESPACE", self.namespace.clone()),
            (
                "DATABASE_URL",
                format!("sqlite://{}", self.data.path().join("ledger.db").display()),
            ),
            ("HL_SERVER", format!("http://{}", self.suite.address)),
        ]
    }

    async fn hlctl(&self, arguments: &[&str]) -> Output {
        hlctl(arguments, &self.environment()).await
    }

    fn stream_name(&self, context: &str) -> String {
        format!("{}_{}", self.namespace, context).to_uppercase()
    }

    async fn jetstream(&self) -> async_nats::jetstream::Context {
        async_nats::jetstream::new(async_nats::connect(self.nats.url()).await.unwrap())
    }

    async fn stream_last_sequence(&self, context: &str) -> (u64, u64) {
        let mut stream = self
            .jetstream()
            .await
            .get_stream(self.stream_name(context))
            .await
            .unwrap();
        let info = stream.info().await.unwrap();
        (info.state.messages, info.state.last_sequence)
    }

    /// The district's answers once the deployment has stopped moving. Its processes (the
    /// findings intake, the performance records) may still append after the demo's
    /// reconciliation is printed, and a copy taken meanwhile would not answer as an earlier look
    /// did: two looks half a second apart must agree, streams and answers alike.
    async fn settled_answers(&self) -> (Vec<ledger::HazardRecord>, ledger::ReconciliationSummary) {
        let look = || async {
            let mut positions = Vec::new();
            for context in ["hazards", "responsibility", "enforcement", "plans"] {
                positions.push(self.stream_last_sequence(context).await);
            }
            (
                positions,
                district_answers(self.suite.channel().await).await,
            )
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(90);
        let mut previous = look().await;
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let next = look().await;
            if next == previous {
                return next.1;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the deployment did not settle in 90 s"
            );
            previous = next;
        }
    }
}

async fn hlctl(arguments: &[&str], environment: &[(&str, String)]) -> Output {
    hl_e2e::run_hlctl(arguments, environment).await
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn succeeded(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    stdout(output)
}

fn json(output: &Output) -> Value {
    serde_json::from_str(&succeeded(output)).expect("hlctl printed JSON")
}

fn json_lines(output: &Output) -> Vec<Value> {
    succeeded(output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON commit per line"))
        .collect()
}

fn event_names(commits: &[Value]) -> Vec<String> {
    commits
        .iter()
        .flat_map(|commit| commit["events"].as_array().unwrap().clone())
        .map(|event| {
            event["event_type"]
                .as_str()
                .unwrap()
                .rsplit('.')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn streams_and_projection_status_agree_with_the_server_and_the_read_model() {
    let deployment = Deployment::start().await;

    let listed = json(&deployment.hlctl(&["streams", "--json"]).await);
    let streams = listed["streams"].as_array().unwrap();
    let names: Vec<&str> = streams
        .iter()
        .map(|stream| stream["stream"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            deployment.stream_name("enforcement"),
            deployment.stream_name("hazards"),
            deployment.stream_name("plans"),
            deployment.stream_name("responsibility"),
            deployment.stream_name("snapshots"),
        ]
    );
    for context in ["enforcement", "hazards", "plans", "responsibility"] {
        let (messages, last_sequence) = deployment.stream_last_sequence(context).await;
        assert!(messages > 0, "the demo wrote to {context}");
        let row = streams
            .iter()
            .find(|stream| stream["stream"] == deployment.stream_name(context))
            .unwrap();
        assert_eq!(row["messages"], messages);
        assert_eq!(row["last_sequence"], last_sequence);
        assert_eq!(row["first_sequence"], 1);
        assert!(row["bytes"].as_u64().unwrap() > 0);
    }
    let table = succeeded(&deployment.hlctl(&["streams"]).await);
    assert!(table.starts_with("STREAM"), "{table}");
    assert!(
        table.contains(&deployment.stream_name("hazards")),
        "{table}"
    );

    let status = json(&deployment.hlctl(&["projections", "status", "--json"]).await);
    assert_eq!(status["database"], "sqlite");
    assert_eq!(status["active_generation"], 1);
    let projections = status["projections"].as_array().unwrap();
    assert_eq!(projections.len(), 4, "{status}");
    for context in ["enforcement", "hazards", "plans", "responsibility"] {
        let (_, head) = deployment.stream_last_sequence(context).await;
        let row = projections
            .iter()
            .find(|row| row["stream"] == deployment.stream_name(context))
            .unwrap();
        assert_eq!(row["checkpoint"], head, "{row}");
        assert_eq!(row["head"], head, "{row}");
        assert_eq!(row["lag_events"], 0, "{row}");
        assert_eq!(row["state"], "current", "{row}");
        assert!(row["poison"].is_null(), "{row}");
    }
}

#[tokio::test]
async fn history_lists_every_commit_with_its_actor_and_catches_a_forged_one() {
    let deployment = Deployment::start().await;

    let table = succeeded(
        &deployment
            .hlctl(&["history", "hazards", "hazard/demo-a-valve"])
            .await,
    );
    for expected in [
        "hazard/demo-a-valve: 5 commits",
        "HazardReported",
        "HazardGraded",
        "RectificationPlanned",
        "RectificationClaimed",
        "RectificationVerified",
        "HazardClosed",
        "principal-CU4LYE",
        "91330903MA2NCU4LYE",
        "hash chain: intact over 5 commits",
    ] {
        assert!(table.contains(expected), "{expected:?} in\n{table}");
    }

    let history = json(
        &deployment
            .hlctl(&["history", "hazards", "hazard/demo-a-valve", "--json"])
            .await,
    );
    assert_eq!(history["hash_chain_intact"], true);
    let verified = json(&deployment.hlctl(&["verify", "hazards", "--json"]).await);
    assert_eq!(verified["intact"], true, "{verified}");
    assert!(verified["aggregates"].as_u64().unwrap() > 1, "{verified}");
    assert_eq!(
        verified["anchors_checked"], verified["aggregates"],
        "{verified}"
    );
    let commits = history["commits"].as_array().unwrap();
    assert_eq!(
        event_names(commits),
        [
            "HazardReported",
            "HazardGraded",
            "RectificationPlanned",
            "RectificationClaimed",
            "RectificationVerified",
            "HazardClosed"
        ]
    );
    let first = &commits[0]["events"][0];
    assert_eq!(first["payload"]["description"], "氨阀填料轻微渗漏");
    assert_eq!(first["actor"]["role"], "ROLE_ENTERPRISE");

    // A commit written around the event store, not naming the digest of the one before it.
    let forged = Commit {
        request_id: "forged".into(),
        previous_commit_sha256: vec![0; 32],
        events: Vec::new(),
    };
    deployment
        .jetstream()
        .await
        .publish(
            format!(
                "{}.330903.hazards.hazard.demo-a-valve",
                deployment.namespace
            ),
            forged.encode_to_vec().into(),
        )
        .await
        .unwrap()
        .await
        .expect("the forged commit is stored");
    let checked = deployment
        .hlctl(&["history", "hazards", "hazard/demo-a-valve"])
        .await;
    assert_eq!(checked.status.code(), Some(65), "{}", stderr(&checked));
    assert!(
        stdout(&checked).contains("hash chain: BROKEN at commit 6"),
        "{}",
        stdout(&checked)
    );
    // The whole stream's check finds the same commit, by subject and sequence.
    let verified = deployment.hlctl(&["verify", "hazards"]).await;
    assert_eq!(verified.status.code(), Some(65), "{}", stderr(&verified));
    let report = stdout(&verified);
    assert!(
        report.contains("BROKEN at stream sequence")
            && report.contains("hazard.demo-a-valve")
            && report.contains("does not continue from its commit at stream sequence"),
        "{report}"
    );

    let missing = deployment
        .hlctl(&["history", "hazards", "hazard/never-reported"])
        .await;
    assert_eq!(missing.status.code(), Some(66));
    assert!(stderr(&missing).contains("no commits for hazard/never-reported"));
    let malformed = deployment.hlctl(&["history", "hazards", "no-slash"]).await;
    assert_eq!(malformed.status.code(), Some(64));
}

/// A stream restored from a copy without its last commit: what is left still chains, so the
/// stream alone looks intact, but the read models' anchor of that aggregate names a commit the
/// stream no longer holds.
#[tokio::test]
async fn verify_finds_a_removed_last_commit_against_the_read_models_anchor_and_the_archive() {
    let deployment = Deployment::start_with_archive().await;
    let archive_url = deployment.archive.as_ref().unwrap().url.clone();
    for context in ["hazards", "responsibility"] {
        let (_, last) = deployment.stream_last_sequence(context).await;
        wait_until(
            "the archive to hold every event",
            Duration::from_secs(60),
            || async {
                let checked = json(
                    &deployment
                        .hlctl(&["verify", context, "--archive", &archive_url, "--json"])
                        .await,
                );
                (checked["archive"]["alike"].as_u64() >= Some(last)).then_some(())
            },
        )
        .await;
    }
    // The archive takes rows and keeps them.
    let mut database = <sqlx::PgConnection as sqlx::Connection>::connect(&archive_url)
        .await
        .unwrap();
    for tampering in [
        "DELETE FROM event_archive",
        "UPDATE event_archive SET subject = 'x'",
    ] {
        let refused = sqlx::query(tampering).execute(&mut database).await;
        assert!(
            refused.unwrap_err().to_string().contains("append-only"),
            "{tampering}"
        );
    }

    let jetstream = deployment.jetstream().await;
    let name = deployment.stream_name("hazards");
    let mut stream = jetstream.get_stream(&name).await.unwrap();
    let info = stream.info().await.unwrap().clone();
    // Only aggregate subjects ({root}.{region}.{context}.{type}.{id}) carry commits.
    let mut messages = Vec::new();
    for sequence in 1..=info.state.last_sequence {
        messages.push(stream.get_raw_message(sequence).await.unwrap());
    }
    let last_commit = messages
        .iter()
        .rposition(|message| message.subject.split('.').count() == 5)
        .expect("the demo recorded hazards");
    let (removed_sequence, removed_subject) = (
        messages[last_commit].sequence,
        messages[last_commit].subject.to_string(),
    );
    messages.truncate(last_commit);
    jetstream.delete_stream(&name).await.unwrap();
    jetstream.create_stream(info.config).await.unwrap();
    for message in messages {
        jetstream
            .publish_with_headers(message.subject, message.headers, message.payload)
            .await
            .unwrap()
            .await
            .unwrap();
    }

    let without_database: Vec<_> = deployment
        .environment()
        .into_iter()
        .filter(|(key, _)| *key != "DATABASE_URL")
        .collect();
    let stream_alone = hlctl(&["verify", "hazards"], &without_database).await;
    assert!(
        stdout(&stream_alone).contains("intact"),
        "{}",
        stdout(&stream_alone)
    );

    let verified = deployment.hlctl(&["verify", "hazards"]).await;
    assert_eq!(verified.status.code(), Some(65), "{}", stderr(&verified));
    let report = stdout(&verified);
    assert!(
        report.contains(&format!("BROKEN at stream sequence {removed_sequence}"))
            && report.contains(&removed_subject)
            && report.contains("which the stream no longer holds"),
        "{report}"
    );

    // The archive, kept apart from the stream, still holds the removed commit.
    let against_archive = hlctl(
        &["verify", "hazards", "--archive", &archive_url],
        &without_database,
    )
    .await;
    assert_eq!(against_archive.status.code(), Some(65));
    let report = stdout(&against_archive);
    assert!(
        report.contains(&format!("BROKEN at stream sequence {removed_sequence}"))
            && report.contains("the stream's tail was removed"),
        "{report}"
    );

    // An archived event removed by someone able to lift the archive's guard is found too.
    sqlx::query("ALTER TABLE event_archive DISABLE TRIGGER event_archive_append_only")
        .execute(&mut database)
        .await
        .unwrap();
    sqlx::query("DELETE FROM event_archive WHERE stream = $1 AND sequence = 3")
        .bind(deployment.stream_name("responsibility"))
        .execute(&mut database)
        .await
        .unwrap();
    let against_archive = hlctl(
        &["verify", "responsibility", "--archive", &archive_url],
        &without_database,
    )
    .await;
    assert_eq!(against_archive.status.code(), Some(65));
    let report = stdout(&against_archive);
    assert!(
        report.contains("BROKEN at stream sequence 3")
            && report.contains("in the stream, not in the archive"),
        "{report}"
    );
}

#[tokio::test]
async fn tail_prints_the_newest_commits_as_json_and_follows_new_ones() {
    let deployment = Deployment::start().await;
    let (_, head) = deployment.stream_last_sequence("hazards").await;

    let newest = json_lines(&deployment.hlctl(&["tail", "hazards", "--last", "3"]).await);
    let sequences: Vec<u64> = newest
        .iter()
        .map(|commit| commit["stream_sequence"].as_u64().unwrap())
        .collect();
    assert_eq!(sequences, [head - 2, head - 1, head]);

    let from = json_lines(
        &deployment
            .hlctl(&["tail", "hazards", "--from-sequence", "1", "--limit", "4"])
            .await,
    );
    assert_eq!(from.len(), 4);
    assert_eq!(from[0]["stream_sequence"], 1);

    let one = json_lines(
        &deployment
            .hlctl(&[
                "tail",
                "hazards",
                "--aggregate",
                "hazard/demo-a-valve",
                "--last",
                "100",
            ])
            .await,
    );
    assert_eq!(one.len(), 5);
    assert!(one.iter().all(|commit| {
        commit["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|event| event["aggregate_id"] == "demo-a-valve")
    }));
    assert!(one[1]["traceparent"].as_str().unwrap().starts_with("00-"));

    // A follower sees a hazard reported after it started.
    let mut follower = tokio::process::Command::new(hlctl_binary())
        .env_clear()
        .envs(deployment.environment())
        .args([
            "tail",
            "hazards",
            "--aggregate",
            "hazard/cli-followed",
            "--follow",
            "--limit",
            "1",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(follower.stdout.take().unwrap()).lines();
    let mut hazards = HazardsServiceClient::new(deployment.suite.channel().await);
    hazards
        .report_hazard(by_inspector(pb::ReportHazardRequest {
            request_id: "cli-followed".into(),
            hazard_id: "cli-followed".into(),
            enterprise_id: "91330903MA2NCU4LYE".into(),
            township_code: "330903001".into(),
            provenance: pb::Provenance::GovernmentInspection as i32,
            source_type: pb::SourceType::Routine as i32,
            category: pb::HazardCategory::AmmoniaRefrigeration as i32,
            location: "机房".into(),
            description: "氨气报警器未联动排风".into(),
            level: pb::HazardLevel::General as i32,
            level_criterion: "一般事故隐患".into(),
            ..Default::default()
        }))
        .await
        .expect("report a hazard");
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the follower printed the new commit within 30 s")
        .unwrap()
        .expect("a line");
    let commit: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(commit["events"][0]["aggregate_id"], "cli-followed");
    assert_eq!(
        commit["events"][0]["payload"]["description"],
        "氨气报警器未联动排风"
    );
    let exit = tokio::time::timeout(Duration::from_secs(10), follower.wait())
        .await
        .expect("the follower stops at its limit")
        .unwrap();
    assert!(exit.success());

    let unknown = deployment.hlctl(&["tail", "enforcementx"]).await;
    assert_eq!(unknown.status.code(), Some(66));
    assert!(
        stderr(&unknown).contains("the namespace has"),
        "{}",
        stderr(&unknown)
    );
}

#[tokio::test]
async fn a_rebuild_shows_progress_and_switches_to_a_new_generation() {
    let deployment = Deployment::start().await;

    let rebuilt = deployment.hlctl(&["projections", "rebuild"]).await;
    let printed = succeeded(&rebuilt);
    assert!(
        printed.contains("rebuilt generation 2") && printed.contains("switched"),
        "{printed}"
    );
    // Off a terminal the progress comes as lines, ending with every event applied.
    let progress = stderr(&rebuilt);
    let (_, hazards_head) = deployment.stream_last_sequence("hazards").await;
    let (_, registry_head) = deployment.stream_last_sequence("responsibility").await;
    let (_, enforcement_head) = deployment.stream_last_sequence("enforcement").await;
    let (_, plans_head) = deployment.stream_last_sequence("plans").await;
    let total = hazards_head + registry_head + enforcement_head + plans_head;
    assert!(
        progress.contains(&format!("generation 2: {total} of {total} events applied")),
        "{progress}"
    );

    let status = json(&deployment.hlctl(&["projections", "status", "--json"]).await);
    assert_eq!(status["active_generation"], 2);
    for row in status["projections"].as_array().unwrap() {
        assert_eq!(row["generation"], 2);
        assert_eq!(row["lag_events"], 0, "{row}");
    }

    // Only a bureau administrator of the district rebuilds.
    let environment = deployment.environment();
    let inspector = succeeded(&hlctl(&["token", "--role", "inspector"], &environment).await);
    let refused = hlctl(
        &["projections", "rebuild", "--token", inspector.trim()],
        &environment,
    )
    .await;
    assert_eq!(refused.status.code(), Some(77), "{}", stderr(&refused));
    let elsewhere = hlctl(
        &["projections", "rebuild", "--region", "330902"],
        &environment,
    )
    .await;
    assert_eq!(elsewhere.status.code(), Some(77), "{}", stderr(&elsewhere));
}

#[tokio::test]
async fn projection_status_names_the_poison_event_that_stopped_a_projection() {
    let deployment = Deployment::start().await;
    let acknowledged = deployment
        .jetstream()
        .await
        .publish(
            format!("{}.330903.hazards.hazard.poison", deployment.namespace),
            "not a commit".into(),
        )
        .await
        .unwrap()
        .await
        .unwrap();

    let hazards_stream = deployment.stream_name("hazards");
    let row = wait_until(
        "hlctl to report the stopped projection",
        Duration::from_secs(30),
        || {
            let deployment = &deployment;
            let hazards_stream = hazards_stream.clone();
            async move {
                let status = json(&deployment.hlctl(&["projections", "status", "--json"]).await);
                status["projections"]
                    .as_array()?
                    .iter()
                    .find(|row| row["stream"] == hazards_stream && !row["poison"].is_null())
                    .cloned()
            }
        },
    )
    .await;
    assert_eq!(row["state"], "stopped (poison event)");
    assert_eq!(row["poison"]["sequence"], acknowledged.sequence);
    assert_eq!(row["checkpoint"], acknowledged.sequence - 1);
    let table = succeeded(&deployment.hlctl(&["projections", "status"]).await);
    assert!(
        table.contains(&format!(
            "POISON: {hazards_stream} generation 1 stopped at stream sequence {}",
            acknowledged.sequence
        )),
        "{table}"
    );
}

#[tokio::test]
async fn unreachable_nats_database_or_server_exit_non_zero_with_a_clear_message() {
    let nowhere = format!("nats://127.0.0.1:{}", free_port());
    for arguments in [
        vec!["streams"],
        vec!["tail", "hazards"],
        vec!["history", "hazards", "hazard/demo-a-valve"],
        vec!["projections", "status"],
    ] {
        let output = hlctl(&arguments, &[("NATS_URL", nowhere.clone())]).await;
        assert_eq!(output.status.code(), Some(69), "{arguments:?}");
        assert!(
            stderr(&output).contains("cannot connect to NATS at"),
            "{arguments:?}: {}",
            stderr(&output)
        );
    }

    let nats = NatsServer::start().await;
    let missing_file = tempfile::tempdir().unwrap();
    let missing = hlctl(
        &["projections", "status"],
        &[
            ("NATS_URL", nats.url()),
            (
                "DATABASE_URL",
                format!(
                    "sqlite://{}",
                    missing_file.path().join("ledger.db").display()
                ),
            ),
        ],
    )
    .await;
    assert_eq!(missing.status.code(), Some(66));
    assert!(stderr(&missing).contains("no read-model database at"));
    assert!(
        !missing_file.path().join("ledger.db").exists(),
        "the tool does not create a database where it was pointed wrongly"
    );

    let unreachable_postgres = hlctl(
        &["projections", "status"],
        &[
            ("NATS_URL", nats.url()),
            (
                "DATABASE_URL",
                format!("postgres://postgres@127.0.0.1:{}/ledger", free_port()),
            ),
        ],
    )
    .await;
    assert_eq!(unreachable_postgres.status.code(), Some(69));
    assert!(stderr(&unreachable_postgres).contains("cannot open postgres://"));

    let no_server = hlctl(
        &["projections", "rebuild"],
        &[("HL_SERVER", format!("http://127.0.0.1:{}", free_port()))],
    )
    .await;
    assert_eq!(no_server.status.code(), Some(69));
    assert!(stderr(&no_server).contains("cannot reach the projections service"));
}

/// The names of the streams a nats-server holds.
async fn stream_names(url: &str) -> Vec<String> {
    use futures::TryStreamExt;
    async_nats::jetstream::new(async_nats::connect(url).await.unwrap())
        .stream_names()
        .try_collect()
        .await
        .unwrap()
}

/// Each durable consumer of a server's streams (the work queues) with how far it has acknowledged.
async fn durable_positions(url: &str) -> Vec<(String, u64)> {
    use futures::TryStreamExt;
    let jetstream = async_nats::jetstream::new(async_nats::connect(url).await.unwrap());
    let mut positions = Vec::new();
    for name in stream_names(url).await {
        let stream = jetstream.get_stream(&name).await.unwrap();
        let consumers: Vec<_> = stream.consumers().try_collect().await.unwrap();
        positions.extend(consumers.into_iter().filter_map(|info| {
            info.config
                .durable_name
                .map(|durable| (format!("{name}/{durable}"), info.ack_floor.stream_sequence))
        }));
    }
    positions.sort();
    positions
}

#[tokio::test]
async fn a_backup_restores_into_an_empty_server_with_the_same_answers_and_damage_is_refused() {
    let deployment = Deployment::start().await;
    let before = deployment.settled_answers().await;
    assert!(!before.0.is_empty());
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("putuo.tar");
    let file_text = file.display().to_string();

    let backup = json(&deployment.hlctl(&["backup", &file_text, "--json"]).await);
    let entries = backup["manifest"]["streams"].as_array().unwrap();
    let entry = |stream: &str| {
        entries
            .iter()
            .find(|entry| entry["name"] == stream)
            .unwrap_or_else(|| panic!("{stream} in {backup}"))
            .clone()
    };
    let hazards_entry = entry(&deployment.stream_name("hazards"));
    assert_eq!(hazards_entry["first_sequence"], 1);
    assert!(hazards_entry["messages"].as_u64().unwrap() > 10);
    assert!(hazards_entry["commits"].as_u64().unwrap() > 10);
    assert_eq!(hazards_entry["content_sha256"].as_str().unwrap().len(), 64);
    // Snapshots replace each other, so their stream has no content digest.
    assert!(
        entry(&deployment.stream_name("snapshots")).get("content_sha256") == Some(&Value::Null)
    );
    let again = deployment.hlctl(&["backup", &file_text]).await;
    assert_eq!(again.status.code(), Some(73), "{}", stderr(&again));

    let empty = NatsServer::start().await;
    let into_empty = vec![
        ("NATS_URL", empty.url()),
        ("HL_NAMESPACE", deployment.namespace.clone()),
    ];

    // A copy altered in the file: refused before anything is created.
    let damaged = folder.path().join("damaged.tar");
    std::fs::copy(&file, &damaged).unwrap();
    let position = {
        let mut archive = tar::Archive::new(std::fs::File::open(&damaged).unwrap());
        let hazards_path = format!("streams/{}.snapshot", deployment.stream_name("hazards"));
        let found = archive
            .entries()
            .unwrap()
            .map(Result::unwrap)
            .find(|entry| entry.path().unwrap().to_string_lossy() == hazards_path)
            .expect("the hazards copy is in the archive");
        found.raw_file_position() + found.header().size().unwrap() / 2
    };
    let mut bytes = std::fs::read(&damaged).unwrap();
    bytes[position as usize] ^= 0x01;
    std::fs::write(&damaged, bytes).unwrap();
    let refused = hlctl(&["restore", &damaged.display().to_string()], &into_empty).await;
    assert_eq!(refused.status.code(), Some(65), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("damaged or altered"),
        "{}",
        stderr(&refused)
    );
    assert!(stream_names(&empty.url()).await.is_empty());

    // Into a deployment that has the streams already: refused, nothing changed.
    let (messages, last) = deployment.stream_last_sequence("hazards").await;
    let clash = deployment.hlctl(&["restore", &file_text]).await;
    assert_eq!(clash.status.code(), Some(73), "{}", stderr(&clash));
    assert!(stderr(&clash).contains("already has"), "{}", stderr(&clash));
    assert_eq!(
        deployment.stream_last_sequence("hazards").await,
        (messages, last)
    );

    // Into an empty server: every stream back, checked against the manifest.
    let restored = json(&hlctl(&["restore", &file_text, "--json"], &into_empty).await);
    assert_eq!(
        restored["streams"].as_array().unwrap().len(),
        entries.len(),
        "{restored}"
    );
    let checked = restored["event_streams_checked"].as_array().unwrap();
    let hazards_checked = checked
        .iter()
        .find(|row| row["stream"] == hazards_entry["name"])
        .unwrap();
    assert_eq!(
        hazards_checked["content_sha256"],
        hazards_entry["content_sha256"]
    );
    let verified = succeeded(&hlctl(&["verify", "hazards"], &into_empty).await);
    assert!(verified.contains("intact"), "{verified}");
    // The work queues' consumers come back where they were, not at the start of their streams.
    let original = durable_positions(&deployment.nats.url()).await;
    let restored_positions = durable_positions(&empty.url()).await;
    assert!(!original.is_empty());
    assert_eq!(
        restored_positions
            .iter()
            .map(|(name, _)| name)
            .collect::<Vec<_>>(),
        original.iter().map(|(name, _)| name).collect::<Vec<_>>()
    );
    for ((name, restored), (_, now)) in restored_positions.iter().zip(&original) {
        assert!(
            *restored > 0 && restored <= now,
            "{name}: {restored} of {now}"
        );
    }

    // A suite on the restored streams and an empty database answers as the original did, and
    // again after a rebuild.
    let data = tempfile::tempdir().unwrap();
    let suite = Suite::without_demo(&empty.url(), &deployment.namespace, data.path(), None).await;
    let channel = suite.channel().await;
    wait_until(
        "the restored read models to answer as the original",
        Duration::from_secs(90),
        || {
            let channel = channel.clone();
            let before = before.clone();
            async move { (district_answers(channel).await == before).then_some(()) }
        },
    )
    .await;
    let mut rebuild_environment = into_empty.clone();
    rebuild_environment.push(("HL_SERVER", format!("http://{}", suite.address)));
    succeeded(&hlctl(&["projections", "rebuild"], &rebuild_environment).await);
    let (hazards, summary) = district_answers(channel).await;
    assert_eq!(summary, before.1);
    assert_eq!(hazards.len(), before.0.len());
    for (rebuilt, original) in hazards.iter().zip(&before.0) {
        assert_eq!(rebuilt, original);
    }
}
