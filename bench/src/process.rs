//! The suite's release binaries as separate processes, as they run in production, with their
//! peak memory read from the kernel.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use tokio::process::{Child, Command};
use tonic::transport::Channel;

/// A running service process.
pub struct Service {
    child: Child,
    pub address: String,
    started: Instant,
}

impl Service {
    /// Starts `binary` with `environment` on a free port and waits until its health check says
    /// SERVING.
    pub async fn start(binary: &Path, environment: &[(&str, String)]) -> anyhow::Result<Service> {
        let port = hl_testkit::free_port();
        let address = format!("127.0.0.1:{port}");
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HL_LISTEN_ADDR", &address)
            .env("HL_METRICS_ADDR", "off")
            .env("HL_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        command.env("HL_AUTH_JWKS", hl_testkit::actors::jwks_file());
        for (key, value) in environment {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .with_context(|| format!("start {} (build it with make bench)", binary.display()))?;
        let service = Service {
            child,
            address,
            started: Instant::now(),
        };
        service.wait_until_serving(Duration::from_secs(600)).await?;
        Ok(service)
    }

    pub async fn channel(&self) -> anyhow::Result<Channel> {
        Ok(Channel::from_shared(format!("http://{}", self.address))?
            .connect()
            .await?)
    }

    async fn wait_until_serving(&self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(channel) = self.channel().await {
                let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
                let request = tonic_health::pb::HealthCheckRequest {
                    service: String::new(),
                };
                if let Ok(response) = health.check(request).await
                    && response.into_inner().status
                        == tonic_health::pb::health_check_response::ServingStatus::Serving as i32
                {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!("{} did not report SERVING within {timeout:?}", self.address);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Seconds since the process was started.
    pub fn uptime(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// The most resident memory the process has had (VmHWM), in bytes.
    pub fn peak_rss_bytes(&self) -> Option<u64> {
        self.memory_bytes("VmHWM:")
    }

    /// The resident memory of the process now (VmRSS), in bytes.
    pub fn rss_bytes(&self) -> Option<u64> {
        self.memory_bytes("VmRSS:")
    }

    /// A memory field of the kernel's status of the process (given in kB), in bytes.
    fn memory_bytes(&self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()?)).ok()?;
        let line = status.lines().find(|line| line.starts_with(field))?;
        let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kilobytes * 1024)
    }

    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            hl_testkit::send_signal(pid, nix::sys::signal::Signal::SIGTERM);
        }
        let _ = tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await;
    }
}

/// A request carrying the acting user's bearer token. Tokens are made once per actor, so
/// signing stays out of the measured calls.
pub fn as_actor<T>(
    body: T,
    id: &str,
    role: &str,
    organisation: &str,
    region: &str,
) -> tonic::Request<T> {
    type Tokens = std::sync::Mutex<
        std::collections::HashMap<String, tonic::metadata::MetadataValue<tonic::metadata::Ascii>>,
    >;
    static TOKENS: std::sync::OnceLock<Tokens> = std::sync::OnceLock::new();
    let key = format!("{id}\u{1f}{role}\u{1f}{organisation}\u{1f}{region}");
    let value = TOKENS
        .get_or_init(Default::default)
        .lock()
        .expect("tokens lock")
        .entry(key)
        .or_insert_with(|| {
            let actor = hl_proto::common::v1::Actor {
                id: id.to_string(),
                role: hl_auth::parse_role(role).map_or(0, |role| role as i32),
                organisation: organisation.to_string(),
                region: region.to_string(),
            };
            // Valid a day: longer than the longest bench run.
            let token = hl_testkit::actors::signing_key().token_for(
                &actor,
                &hl_testkit::actors::expectations(),
                Duration::from_secs(24 * 3600),
            );
            format!("Bearer {token}").parse().expect("a token is ASCII")
        })
        .clone();
    let mut request = tonic::Request::new(body);
    request.metadata_mut().insert("authorization", value);
    request
}
