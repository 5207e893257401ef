//! A private PostgreSQL server a test owns and may crash: its own cluster (`initdb`) in a
//! temporary folder on a free port, killed with SIGKILL as a power cut would and started again
//! on the same data, which PostgreSQL then recovers from its write-ahead log. Tests that only
//! need a database use [`crate::TestDatabase`] on the shared server instead.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::process::{free_port, send_signal};

/// A PostgreSQL server of one test; stopped and removed when dropped.
pub struct PostgresServer {
    bin: PathBuf,
    port: u16,
    folder: tempfile::TempDir,
}

impl PostgresServer {
    /// Makes a cluster and starts it. Panics when no PostgreSQL server is installed.
    pub async fn start() -> PostgresServer {
        let bin = installed_bin()
            .expect("initdb and pg_ctl of a PostgreSQL installation (apt-get install postgresql)");
        let folder = tempfile::tempdir().expect("a temporary folder");
        let server = PostgresServer {
            bin,
            port: free_port(),
            folder,
        };
        // PostgreSQL refuses to run as root: the cluster then belongs to the postgres user.
        if is_root() {
            run("chown", &["-R", "postgres", &server.folder_text()]);
        }
        server.as_owner(
            "initdb",
            &[
                "-D",
                &server.data_text(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        server.start_again().await;
        server
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Kills the postmaster with SIGKILL: no shutdown checkpoint, its backends left to notice.
    pub fn kill(&self) {
        if let Some(pid) = self.postmaster_pid() {
            send_signal(pid, Signal::SIGKILL);
        }
    }

    /// Starts the server on its data and port, waiting (up to 60 s) until it accepts
    /// connections. After a kill the start is retried until the old backends have gone.
    pub async fn start_again(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on",
            self.port,
            self.folder_text()
        );
        loop {
            let log = self.folder.path().join("postgres.log");
            let started = self.as_owner(
                "pg_ctl",
                &[
                    "-D",
                    &self.data_text(),
                    "-l",
                    &log.display().to_string(),
                    "-w",
                    "-t",
                    "30",
                    "-o",
                    &options,
                    "start",
                ],
            );
            if started {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "PostgreSQL did not start again:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    fn postmaster_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.data().join("postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    fn data(&self) -> PathBuf {
        self.folder.path().join("data")
    }

    fn data_text(&self) -> String {
        self.data().display().to_string()
    }

    fn folder_text(&self) -> String {
        self.folder.path().display().to_string()
    }

    /// Runs one of the installation's programs as the cluster's owner; whether it succeeded.
    fn as_owner(&self, program: &str, arguments: &[&str]) -> bool {
        let program = self.bin.join(program);
        let mut command = if is_root() {
            let mut command = std::process::Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            std::process::Command::new(&program)
        };
        command
            .args(arguments)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        self.as_owner(
            "pg_ctl",
            &["-D", &self.data_text(), "-m", "immediate", "stop"],
        );
    }
}

/// The folder of `initdb` and `pg_ctl`: beside `initdb` on the PATH, else Debian's.
fn installed_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .map(|versions| {
            versions
                .filter_map(Result::ok)
                .map(|version| version.path().join("bin"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(debian)
        .find(|folder| is_program(&folder.join("initdb")) && is_program(&folder.join("pg_ctl")))
}

fn is_program(path: &Path) -> bool {
    path.is_file()
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

fn run(program: &str, arguments: &[&str]) {
    let status = std::process::Command::new(program)
        .args(arguments)
        .status()
        .unwrap_or_else(|error| panic!("cannot run {program}: {error}"));
    assert!(status.success(), "{program} {arguments:?} failed");
}
