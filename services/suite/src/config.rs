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
