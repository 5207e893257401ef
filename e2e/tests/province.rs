//! A province over a district, as deployed: the district's suite on its own nats-server in its
//! JetStream domain, the province's nats-server a leaf node of it, `hlctl province source`
//! making the provincial streams source the district's, the projections service running over
//! the provincial streams, and `hlctl province audit` saying what arrived.

use std::process::{Output, Stdio};
use std::time::Duration;

use hl_e2e::{Suite, answers_as, district_answers};
use hl_proto::common::v1::{Actor, Role};
use hl_testkit::{Federation, NatsServer, free_port, nats_server_binaries, unique_namespace};
use serde_json::Value;
use tokio::process::{Child, Command};

/// The province's reader: an administrator of Zhejiang (330000) at the provincial department.
fn provincial_reader() -> Actor {
    Actor {
        id: "province-admin-1".into(),
        role: Role::BureauAdministrator as i32,
        organisation: "zhejiang-emergency-department".into(),
        region: "330000".into(),
    }
}

/// `hl-projections` over the province's streams, its read models in a SQLite file.
fn provincial_projections(
    nats_url: &str,
    namespace: &str,
    folder: &std::path::Path,
    port: u16,
) -> Child {
    Command::new(hl_e2e::projections_binary())
        .current_dir(folder)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NATS_URL", nats_url)
        .env("HL_NAMESPACE", namespace)
        .env("HL_REGION", "330000")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/province.db", folder.display()),
        )
        .env("HL_LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("HL_METRICS_ADDR", "off")
        .env("HL_AUTH_JWKS", hl_testkit::actors::jwks_file())
        .env("HL_DRAIN_SECONDS", "2")
        .env("HL_LOG", "error")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start hl-projections")
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn a_province_follows_its_district_answers_as_it_does_and_audits_it() {
    let binary = nats_server_binaries().remove(0);
    let namespace = unique_namespace();
    let mut district = NatsServer::start_federated(
        &binary,
        Federation {
            domain: "d330903".into(),
            accepts_leaves: true,
            ..Default::default()
        },
    )
    .await;
    let suite = Suite::start(&[
        ("NATS_URL", district.url()),
        ("HL_NAMESPACE", namespace.clone()),
    ])
    .await;
    let mut suite = suite;
    suite
        .wait_for_line("Two-ledger reconciliation", Duration::from_secs(90))
        .await;
    let province = NatsServer::start_federated(
        &binary,
        Federation {
            domain: "province".into(),
            remotes: vec![district.leaf_url()],
            deny_exports: vec![format!("{namespace}.>")],
            ..Default::default()
        },
    )
    .await;
    let folder = tempfile::tempdir().unwrap();
    let districts_file = folder.path().join("districts.json");
    std::fs::write(
        &districts_file,
        serde_json::json!([{
            "region": "330903",
            "name": "Putuo",
            "domain": "d330903",
            "quiet_hours": 72,
            "monitor_url": district.url(),
        }])
        .to_string(),
    )
    .unwrap();
    let environment = [
        ("NATS_URL", province.url()),
        ("HL_NAMESPACE", namespace.clone()),
        (
            "HL_PROVINCE_DISTRICTS",
            districts_file.display().to_string(),
        ),
    ];

    let sourced = hl_e2e::run_hlctl(&["province", "source"], &environment).await;
    assert_eq!(sourced.status.code(), Some(0), "{}", text(&sourced));
    let added = String::from_utf8_lossy(&sourced.stdout)
        .lines()
        .filter(|line| line.starts_with("added source"))
        .count();
    assert!(added >= 4, "one source per context: {}", text(&sourced));
    let again = hl_e2e::run_hlctl(&["province", "source"], &environment).await;
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("already"),
        "{}",
        text(&again)
    );

    // The audit passes, and finds nothing missing, once every message of the district arrived.
    let audited = hl_testkit::wait_until(
        "the audit finds every district stream complete",
        Duration::from_secs(60),
        || {
            let environment = environment.clone();
            async move {
                let output =
                    hl_e2e::run_hlctl(&["province", "audit", "--json"], &environment).await;
                let report: Value = serde_json::from_slice(&output.stdout).ok()?;
                let complete = report["sources"]
                    .as_array()?
                    .iter()
                    .all(|source| source["lag_events"] == 0);
                (output.status.code() == Some(0) && complete).then_some(report)
            }
        },
    )
    .await;
    let hazards = audited["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|source| source["context"] == "hazards")
        .expect("the hazards stream is audited");
    assert!(hazards["arrived"].as_u64().unwrap() > 20, "{hazards}");
    assert_eq!(hazards["lag_events"], 0);
    assert_eq!(hazards["flags"], Value::Array(Vec::new()));

    // The projections service over the provincial streams answers as the district's does.
    let port = free_port();
    let _projections = provincial_projections(&province.url(), &namespace, folder.path(), port);
    let expected = district_answers(suite.channel().await).await;
    let reader = provincial_reader();
    hl_testkit::wait_until(
        "the province's read models answer as the district's",
        Duration::from_secs(90),
        || {
            let reader = reader.clone();
            let expected = expected.clone();
            async move {
                let channel =
                    tonic::transport::Channel::from_shared(format!("http://127.0.0.1:{port}"))
                        .unwrap()
                        .connect()
                        .await
                        .ok()?;
                let province_answers =
                    tokio::spawn(async move { answers_as(channel, &reader).await })
                        .await
                        .ok()?;
                (province_answers == expected).then_some(())
            }
        },
    )
    .await;

    // The district goes away: the audit says it cannot be read, and what to do.
    district.kill().await;
    let unreachable = hl_e2e::run_hlctl(&["province", "audit"], &environment).await;
    assert_eq!(
        unreachable.status.code(),
        Some(65),
        "{}",
        text(&unreachable)
    );
    let printed = String::from_utf8_lossy(&unreachable.stdout);
    assert!(
        printed.contains("[unreachable] 330903 hazards") && printed.contains("what to do:"),
        "{}",
        text(&unreachable)
    );
    drop(suite);
}
