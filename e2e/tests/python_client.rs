//! The API as a contract: a Python client (e2e/python/hazard_walk.py) with stubs generated from
//! proto/ and nothing else walks a hazard from report to close-out against the real suite, then
//! reads it in the ledger and the reconciliation.

use std::path::PathBuf;
use std::time::Duration;

use hl_e2e::Suite;
use hl_testkit::actors::{self, ENTERPRISE, TOWNSHIP};
use hl_testkit::{NatsServer, unique_namespace};

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[tokio::test]
async fn a_python_client_walks_a_hazard_to_close_out_with_only_the_protos() {
    let root = workspace_root();
    let python = root.join(".tools/venv/bin/python3");
    assert!(
        python.exists(),
        "{} is missing: run `make tools` to install the Python client's packages",
        python.display()
    );
    let nats = NatsServer::start().await;
    let mut suite = Suite::start(&[
        ("NATS_URL", nats.url()),
        ("HL_NAMESPACE", unique_namespace()),
    ])
    .await;
    // The demo registers the enterprise; the reconciliation line comes once the read model has it.
    suite
        .wait_for_line("Two-ledger reconciliation", Duration::from_secs(90))
        .await;

    let hazard_id = format!("py-{}", uuid::Uuid::new_v4().simple());
    let mut walk = tokio::process::Command::new(&python);
    walk.arg(root.join("e2e/python/hazard_walk.py"))
        .args(["--address", suite.address.as_str()])
        .args(["--enterprise", ENTERPRISE, "--township", TOWNSHIP])
        .args(["--hazard-id", hazard_id.as_str(), "--timeout", "60"])
        // Only what the client needs: no PYTHONPATH or HL_* of the caller's shell leaks in.
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "HL_ENTERPRISE_TOKEN",
            actors::token(&actors::enterprise(ENTERPRISE)),
        )
        .env("HL_INSPECTOR_TOKEN", actors::token(&actors::inspector()))
        .env("HL_ADMIN_TOKEN", actors::token(&actors::administrator()))
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(180), walk.output())
        .await
        .expect("hazard_walk.py finished within 180 s")
        .expect("run hazard_walk.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains(&format!(
            "PASS hazards/{hazard_id} closed out and reconciled"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("hazards/{hazard_id} counted due")),
        "the reconciliation counts the hazard: {stdout}"
    );
}
