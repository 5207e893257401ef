//! The suite's configuration: every value a flag and an environment variable.

use std::path::PathBuf;

use clap::{ArgAction, Parser};
use hl_runtime::config::{AuthArgs, EventStoreArgs, ServerArgs};
use hl_telemetry::TelemetryArgs;

/// Hazard Ledger: every context of the suite in one process. Without NATS_URL it starts its own
/// nats-server (JetStream, data under HL_DATA_DIR) and stops it on exit.
#[derive(Debug, Parser)]
#[command(name = "hazard-ledger", version)]
pub struct SuiteConfig {
    #[command(flatten)]
    pub telemetry: TelemetryArgs,

    #[command(flatten)]
    pub server: ServerArgs,

    #[command(flatten)]
    pub store: EventStoreArgs,

    #[command(flatten)]
    pub projections: hl_projections::ProjectionArgs,

    #[command(flatten)]
    pub responsibility: hl_responsibility::ResponsibilityArgs,

    #[command(flatten)]
    pub auth: AuthArgs,

    /// The development key the suite signs its demo tokens with (Ed25519, PKCS#8), made on
    /// first start; its JWKS is written beside it and trusted unless HL_AUTH_JWKS is set.
    /// Defaults to auth/signing-key.pk8 in HL_DATA_DIR.
    #[arg(long, env = "HL_AUTH_SIGNING_KEY")]
    pub signing_key: Option<PathBuf>,

    /// nats-server binary for the embedded mode; defaults to nats-server on the PATH, then the
    /// one `make tools` installs.
    #[arg(long, env = "NATS_SERVER_BIN")]
    pub nats_server_bin: Option<PathBuf>,

    /// Folder for the embedded mode's data: the nats-server store and log, and the SQLite read
    /// models unless DATABASE_URL says otherwise.
    #[arg(long, env = "HL_DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,

    /// Seed the demo district (Putuo townships, enterprises and hazards) once at start.
    #[arg(long, env = "HL_SEED_DEMO", default_value_t = true, action = ArgAction::Set)]
    pub seed_demo: bool,
}

impl SuiteConfig {
    /// Where the development signing key is kept.
    pub fn signing_key_path(&self) -> PathBuf {
        self.signing_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join("auth").join("signing-key.pk8"))
    }

    /// The key page tokens are signed with: HL_PAGE_TOKEN_KEY_FILE's, or the one the suite keeps
    /// in its data folder (made on first start), so pages can be followed across restarts.
    pub fn page_token_key(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(key) = self.server.page_token_key().map_err(anyhow::Error::msg)? {
            return Ok(key);
        }
        let path = self.data_dir.join("auth").join("page-token.key");
        match std::fs::read(&path) {
            Ok(key) if key.len() >= hl_runtime::pagination::MIN_KEY_BYTES => Ok(key),
            Ok(_) => anyhow::bail!("{} is too short to be a page-token key", path.display()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                use std::io::Write;
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::create_dir_all(path.parent().unwrap_or(&self.data_dir))?;
                let key = hl_runtime::pagination::random_key();
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)?
                    .write_all(&key)?;
                Ok(key)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Every problem with the configuration, to report all at once.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = self.server.problems();
        if let Err(problem) = self.telemetry.metrics_address() {
            problems.push(problem);
        }
        problems.extend(self.store.problems());
        problems.extend(self.projections.problems());
        problems.extend(self.auth.problems());
        if self.data_dir.as_os_str().is_empty() {
            problems.push("HL_DATA_DIR is empty".to_string());
        }
        problems
    }
}
