//! Helpers for black-box tests: build and start the suite binary as a separate process, read
//! the addresses from its `ready` line, and call it as a client would (as the actors of
//! `hl_testkit::actors`).

mod answers;
pub mod flows;

pub use answers::{answers_as, district_answers, summary_as};

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tonic::transport::Channel;

/// The suite binary, built once per test run from the current sources.
pub fn suite_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| workspace_binary("hl-suite", "hazard-ledger"))
        .clone()
}

/// The operator tool, built once per test run from the current sources.
pub fn hlctl_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| workspace_binary("hl-cli", "hlctl"))
        .clone()
}

/// The projections service on its own, built once per test run from the current sources.
pub fn projections_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| workspace_binary("hl-projections", "hl-projections"))
        .clone()
}

/// Makes sure one binary of the workspace is built from the current sources (a test of this
/// crate cannot depend on another crate's binary otherwise) and returns its path.
///
/// It builds what `cargo test --workspace` builds, every binary and test target, so that the
/// dependencies are resolved with the features that run resolved: under `make test` it finds
/// everything built already. Built for its package alone, the binary's dependencies would be
/// compiled again with that package's features, for minutes.
fn workspace_binary(package: &str, binary: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = std::process::Command::new(cargo)
        .args(["build", "--quiet", "--workspace", "--bins", "--tests"])
        .status()
        .expect("run cargo build");
    assert!(
        status.success(),
        "building the workspace for {package}'s {binary} failed"
    );
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("debug").join(binary)
}

/// Runs hlctl with the given arguments and environment (on top of a clean one, with the
/// tests' signing key) and returns what it printed and its exit status.
pub async fn run_hlctl(arguments: &[&str], environment: &[(&str, String)]) -> std::process::Output {
    Command::new(hlctl_binary())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HL_AUTH_SIGNING_KEY", signing_key_file())
        .envs(environment.iter().map(|(key, value)| (key, value)))
        .args(arguments)
        .output()
        .await
        .expect("run hlctl")
}

/// A running suite process.
pub struct Suite {
    pub child: Child,
    pub address: String,
    /// The metrics endpoint's host:port, when it serves one.
    pub metrics_address: Option<String>,
    /// The NATS server it uses (its own, in the embedded default), from its ready line.
    pub nats_url: String,
    /// Every line the suite printed on standard output so far arrives here.
    pub stdout: mpsc::UnboundedReceiver<String>,
    /// Its log lines (standard error), when started with [`Suite::start_capturing_logs`].
    pub logs: Option<mpsc::UnboundedReceiver<String>>,
    /// The lines of the banner, read while starting.
    pub banner: Vec<String>,
    /// The suite's own data folder (its SQLite read model), unless the test chose one.
    _data_dir: Option<tempfile::TempDir>,
}

/// The tests' signing key in a file, for the suite (HL_AUTH_SIGNING_KEY) and for hlctl.
pub fn signing_key_file() -> &'static std::path::Path {
    static FILE: OnceLock<tempfile::NamedTempFile> = OnceLock::new();
    FILE.get_or_init(|| {
        let file = tempfile::NamedTempFile::new().expect("a key file");
        std::fs::write(file.path(), hl_testkit::actors::signing_key().pkcs8())
            .expect("write the tests' key");
        file
    })
    .path()
}

impl Suite {
    /// The suite without the demo, on a namespace of a nats-server, its data in a folder; it
    /// kills itself at a process's fault point (`HL_FAULT_KILL`) when one is named.
    pub async fn without_demo(
        nats_url: &str,
        namespace: &str,
        data_dir: &std::path::Path,
        fault: Option<&str>,
    ) -> Suite {
        let mut environment = vec![
            ("NATS_URL", nats_url.to_string()),
            ("HL_NAMESPACE", namespace.to_string()),
            ("HL_SEED_DEMO", "false".into()),
            ("HL_DATA_DIR", data_dir.display().to_string()),
        ];
        if let Some(fault) = fault {
            environment.push(("HL_FAULT_KILL", fault.to_string()));
        }
        Suite::start(&environment).await
    }

    /// Starts the suite with the given environment (on top of a clean one) and waits for the
    /// gRPC address in its banner.
    pub async fn start(environment: &[(&str, String)]) -> Suite {
        Suite::launch(environment, false).await
    }

    /// Starts the suite and keeps its log lines for the test to read.
    pub async fn start_capturing_logs(environment: &[(&str, String)]) -> Suite {
        Suite::launch(environment, true).await
    }

    async fn launch(environment: &[(&str, String)], capture_logs: bool) -> Suite {
        let mut command = Command::new(suite_binary());
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HL_LISTEN_ADDR", "127.0.0.1:0")
            .env("HL_METRICS_ADDR", "127.0.0.1:0")
            .env("HL_DRAIN_SECONDS", "2")
            .env("HL_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(if capture_logs {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .kill_on_drop(true);
        // Each suite gets its own read-model database, so tests never see each other's rows.
        let data_dir = if environment.iter().any(|(key, _)| *key == "HL_DATA_DIR") {
            None
        } else {
            let data_dir = tempfile::tempdir().expect("a data folder");
            command.env("HL_DATA_DIR", data_dir.path());
            Some(data_dir)
        };
        // The suite signs and checks tokens with the tests' key, so the tests' tokens are its own.
        command.env("HL_AUTH_SIGNING_KEY", signing_key_file());
        for (key, value) in environment {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start hazard-ledger");
        let logs = child.stderr.take().map(|stderr| {
            let (sender, receiver) = mpsc::unbounded_channel();
            let mut lines = BufReader::new(stderr).lines();
            tokio::spawn(async move {
                while let Ok(Some(line)) = lines.next_line().await {
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            });
            receiver
        });
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let (sender, mut stdout) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut banner = Vec::new();
        let (address, metrics_address, nats_url) =
            tokio::time::timeout(Duration::from_secs(60), async {
                while let Some(line) = stdout.recv().await {
                    banner.push(line.clone());
                    // The machine-readable line the suite prints once it listens.
                    if let Some(ready) = line.strip_prefix("ready ") {
                        let ready: serde_json::Value =
                            serde_json::from_str(ready).expect("the ready line is JSON");
                        let text = |key: &str| ready[key].as_str().map(str::to_string);
                        return (
                            text("grpc").expect("a gRPC address"),
                            text("metrics"),
                            text("nats").expect("a NATS URL"),
                        );
                    }
                }
                panic!("hazard-ledger exited before it was ready");
            })
            .await
            .expect("hazard-ledger was ready within 60 s");
        Suite {
            child,
            address,
            metrics_address,
            nats_url,
            stdout,
            logs,
            banner,
            _data_dir: data_dir,
        }
    }

    /// Waits for a printed line that contains `text`.
    pub async fn wait_for_line(&mut self, text: &str, timeout: Duration) -> String {
        if let Some(line) = self.banner.iter().find(|line| line.contains(text)) {
            return line.clone();
        }
        tokio::time::timeout(timeout, async {
            while let Some(line) = self.stdout.recv().await {
                if line.contains(text) {
                    return line;
                }
            }
            panic!("hazard-ledger exited before printing {text:?}");
        })
        .await
        .unwrap_or_else(|_| panic!("no line with {text:?} within {timeout:?}"))
    }

    /// A channel to the suite once its health check says SERVING: a client that calls before
    /// the event streams are ready is told UNAVAILABLE, so tests wait as a client should.
    pub async fn channel(&self) -> Channel {
        let channel = Channel::from_shared(format!("http://{}", self.address))
            .expect("a valid endpoint")
            .connect()
            .await
            .expect("connect to hazard-ledger");
        await_serving(&channel, "the suite to report SERVING").await;
        channel
    }

    /// Sends SIGTERM and waits for the process to exit, returning its exit code.
    pub async fn stop(mut self) -> Option<i32> {
        let pid = self.child.id().expect("a running process");
        hl_testkit::send_signal(pid, nix::sys::signal::Signal::SIGTERM);
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("hazard-ledger stopped within 30 s after SIGTERM")
            .expect("wait for hazard-ledger");
        status.code()
    }
}

/// Waits (up to 30 s) until the server behind a channel says SERVING for the whole server.
pub async fn await_serving(channel: &Channel, what: &str) {
    use tonic_health::pb::health_check_response::ServingStatus;
    let health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    hl_testkit::wait_until(what, Duration::from_secs(30), || {
        let mut health = health.clone();
        async move {
            let request = tonic_health::pb::HealthCheckRequest::default();
            let status = health.check(request).await.ok()?.into_inner().status;
            (status == ServingStatus::Serving as i32).then_some(())
        }
    })
    .await;
}

/// The body of `GET http://{address}{path}`, over a plain TCP connection.
pub async fn http_get(address: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect for HTTP");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send the HTTP request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("read the HTTP response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default()
}

/// Waits until a process manager's durable consumer on a context's stream has acknowledged
/// everything: nothing pending, nothing delivered and unacknowledged.
pub async fn process_idle(url: &str, namespace: &str, context: &str, process: &str) {
    let client = async_nats::connect(url).await.expect("connect to NATS");
    let jetstream = async_nats::jetstream::new(client);
    let stream = format!("{namespace}_{context}").to_ascii_uppercase();
    hl_testkit::wait_until(
        &format!("{process} to acknowledge everything"),
        Duration::from_secs(30),
        || {
            let jetstream = jetstream.clone();
            let stream = stream.clone();
            async move {
                let mut consumer: async_nats::jetstream::consumer::PullConsumer = jetstream
                    .get_consumer_from_stream(process, &stream)
                    .await
                    .ok()?;
                let info = consumer.info().await.ok()?;
                (info.num_pending == 0 && info.num_ack_pending == 0).then_some(())
            }
        },
    )
    .await;
}
