//! The projections' configuration. The reconciliation's clocks are not here: they are versioned
//! rule data of the hazards context.

#[derive(Clone, Debug, clap::Args)]
pub struct ProjectionArgs {
    /// Read-model database: sqlite://PATH (created when missing) or postgres://USER@HOST/DB.
    /// Defaults to a SQLite file in the data folder. PostgreSQL over TLS:
    /// ?sslmode=verify-full&sslrootcert=/path/ca.pem.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// A file holding the PostgreSQL user's password, put into DATABASE_URL (so the URL itself
    /// carries no secret).
    #[arg(long, env = "HL_DATABASE_PASSWORD_FILE")]
    pub database_password_file: Option<std::path::PathBuf>,

    /// The event archive's database: an append-only copy of every event, written by its own
    /// consumer, that `hlctl verify CONTEXT --archive` compares with the streams.
    /// postgres://USER@HOST/DB (PostgreSQL 14 or later) in production, sqlite://PATH for a
    /// trial. Unset: no archive.
    #[arg(long, env = "HL_ARCHIVE_URL", hide_env_values = true)]
    pub archive_url: Option<String>,

    /// Most messages a projector applies in one transaction. Larger batches catch up faster;
    /// smaller ones keep each transaction short.
    #[arg(long, env = "HL_PROJECTION_BATCH", default_value_t = 1000)]
    pub projection_batch: usize,
}

impl ProjectionArgs {
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, url) in [
            ("DATABASE_URL", &self.database_url),
            ("HL_ARCHIVE_URL", &self.archive_url),
        ] {
            if let Some(url) = url
                && !(url.starts_with("sqlite:")
                    || url.starts_with("postgres:")
                    || url.starts_with("postgresql:"))
            {
                problems.push(format!(
                    "{name} must start with sqlite: or postgres:, got {:?}",
                    hl_readmodel::redact(url)
                ));
            }
        }
        if let Some(path) = &self.database_password_file
            && let Err(error) = std::fs::read_to_string(path)
        {
            problems.push(format!(
                "HL_DATABASE_PASSWORD_FILE {}: {error}",
                path.display()
            ));
        }
        if !(1..=10_000).contains(&self.projection_batch) {
            problems.push(format!(
                "HL_PROJECTION_BATCH must be 1-10000, got {}",
                self.projection_batch
            ));
        }
        problems
    }

    /// The database URL: the configured one (with the password from its file), else
    /// `ledger.db` in the data folder.
    pub fn database_url(&self, data_dir: &std::path::Path) -> String {
        let url = self
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("ledger.db").display()));
        match self
            .database_password_file
            .as_ref()
            .and_then(|path| std::fs::read_to_string(path).ok())
        {
            Some(password) => {
                hl_readmodel::with_password(&url, password.trim_end_matches(['\r', '\n']))
            }
            None => url,
        }
    }
}
