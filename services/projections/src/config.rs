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

    /// After start, a first catch-up that applied at least this many events has filled the
    /// read model in bulk: on PostgreSQL its tables are then vacuumed and analysed, so the
    /// planner knows their contents and index-only scans serve the lists before autovacuum
    /// comes by. A rebuild does the same before it switches. 0: after every start.
    #[arg(long, env = "HL_STATISTICS_AFTER_EVENTS", default_value_t = 10_000)]
    pub statistics_after_events: u64,

    /// At a province only: the districts file, a JSON array of {"region", "name", "domain",
    /// "quiet_hours", "monitor_url", "monitor_credentials"} (deploy/province/districts.json).
    /// Set, this service makes each context's stream source every district's stream through
    /// the district's JetStream domain, and audits what arrived (GetFederationCompleteness,
    /// the hl_province_* metrics). The file is read again before every audit round, so a
    /// district added to it is followed without a restart. Unset: a district's service, over
    /// its own streams.
    #[arg(long, env = "HL_PROVINCE_DISTRICTS")]
    pub province_districts: Option<std::path::PathBuf>,

    /// At a province: seconds between two completeness audits.
    #[arg(long, env = "HL_PROVINCE_AUDIT_SECONDS", default_value_t = 60)]
    pub province_audit_seconds: u64,

    /// At a province: seconds a message may wait at a district before the province counts as
    /// stalled. Sourcing copies within a second; a few minutes ride out a leaf link's
    /// reconnection.
    #[arg(long, env = "HL_PROVINCE_STALL_AFTER_SECONDS", default_value_t = 300)]
    pub province_stall_after_seconds: u64,

    /// The national dual-prevention (双重预防) feed's file-drop folder: every hazard of an
    /// enterprise with a hazardous-chemicals registration code goes there as 隐患信息 records,
    /// in JSON batch files for the bureau's exchange system to pick up
    /// (docs/outbound-dual-prevention.md), and so does the 双公示 feed of penalty decisions.
    /// Unset (and HL_OUTBOUND_URL unset): no outbound feeds.
    #[arg(long, env = "HL_OUTBOUND_DIR")]
    pub outbound_dir: Option<std::path::PathBuf>,

    /// Seconds between two rounds of the outbound feed.
    #[arg(long, env = "HL_OUTBOUND_SECONDS", default_value_t = 60)]
    pub outbound_seconds: u64,

    /// Most records in one outbound batch (the national interface's uploaders send 20 or 50).
    #[arg(long, env = "HL_OUTBOUND_BATCH", default_value_t = 20)]
    pub outbound_batch: usize,

    /// The receiver's base URL (http:// or https://), instead of the file-drop folder: each
    /// batch is POSTed to `{url}/{object}` (e.g. `/sec_hidden_danger_info`) and counts as
    /// delivered only when the receiver acknowledges it (docs/outbound-dual-prevention.md).
    #[arg(long, env = "HL_OUTBOUND_URL")]
    pub outbound_url: Option<String>,

    /// A file holding the value of the `Authorization` header the receiver expects (for
    /// example `Basic ...`), read at start-up; kept in a file so that no process listing or
    /// environment dump shows it. Unset: no `Authorization` header.
    #[arg(long, env = "HL_OUTBOUND_AUTHORIZATION_FILE")]
    pub outbound_authorization_file: Option<std::path::PathBuf>,

    /// A PEM file of the certificate authorities an https:// receiver's certificate may chain
    /// to besides the system's trusted roots (a provincial or bureau authority), read at
    /// start-up. Unset: the system's roots alone.
    #[arg(long, env = "HL_OUTBOUND_CA_FILE")]
    pub outbound_ca_file: Option<std::path::PathBuf>,

    /// Seconds one HTTP delivery may take, from connecting to the acknowledgement.
    #[arg(long, env = "HL_OUTBOUND_TIMEOUT_SECONDS", default_value_t = 30)]
    pub outbound_timeout_seconds: u64,

    /// A file holding the AES key the receiver decrypts `datas` with, as text (its UTF-8 bytes:
    /// 16, 24 or 32 of them; a final newline is ignored). Set, every HTTP batch's `datas` goes
    /// as the Base64 of its encrypted JSON. Unset: `datas` goes as plain JSON.
    #[arg(long, env = "HL_OUTBOUND_AES_KEY_FILE")]
    pub outbound_aes_key_file: Option<std::path::PathBuf>,

    /// The AES block mode the receiver expects: ecb (the client found sends each block on its
    /// own) or cbc (with HL_OUTBOUND_AES_IV_FILE). PKCS#7 padding either way.
    /// Unset: ecb.
    #[arg(long, env = "HL_OUTBOUND_AES_MODE", value_enum)]
    pub outbound_aes_mode: Option<crate::outbound::encryption::Mode>,

    /// For cbc: a file holding the 16-byte initialisation vector, as text.
    #[arg(long, env = "HL_OUTBOUND_AES_IV_FILE")]
    pub outbound_aes_iv_file: Option<std::path::PathBuf>,
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
        if let Err(problem) = self.province_districts() {
            problems.push(problem);
        }
        if !(1..=3600).contains(&self.province_audit_seconds) {
            problems.push(format!(
                "HL_PROVINCE_AUDIT_SECONDS must be 1-3600, got {}",
                self.province_audit_seconds
            ));
        }
        if !(1..=86_400).contains(&self.province_stall_after_seconds) {
            problems.push(format!(
                "HL_PROVINCE_STALL_AFTER_SECONDS must be 1-86400, got {}",
                self.province_stall_after_seconds
            ));
        }
        if (self.outbound_dir.is_some() || self.outbound_url.is_some())
            && self.province_districts.is_some()
        {
            problems.push(
                "HL_OUTBOUND_DIR and HL_OUTBOUND_URL are a district's: at a province (HL_PROVINCE_DISTRICTS) every district already reports its own"
                    .to_string(),
            );
        }
        if self.outbound_dir.is_some() && self.outbound_url.is_some() {
            problems.push(
                "HL_OUTBOUND_DIR and HL_OUTBOUND_URL are two transports for the same feeds: set one"
                    .to_string(),
            );
        }
        if let Some(url) = &self.outbound_url
            && let Err(problem) = hl_http::parse_url(url)
        {
            problems.push(format!("HL_OUTBOUND_URL: {problem}"));
        }
        if self.outbound_ca_file.is_some()
            && self
                .outbound_url
                .as_deref()
                .is_some_and(|url| !url.starts_with("https://"))
        {
            problems.push(
                "HL_OUTBOUND_CA_FILE is for an https:// receiver; HL_OUTBOUND_URL is not one"
                    .to_string(),
            );
        }
        for (name, set) in [
            (
                "HL_OUTBOUND_AUTHORIZATION_FILE",
                self.outbound_authorization_file.is_some(),
            ),
            (
                "HL_OUTBOUND_AES_KEY_FILE",
                self.outbound_aes_key_file.is_some(),
            ),
            (
                "HL_OUTBOUND_AES_IV_FILE",
                self.outbound_aes_iv_file.is_some(),
            ),
            ("HL_OUTBOUND_CA_FILE", self.outbound_ca_file.is_some()),
        ] {
            if set && self.outbound_url.is_none() {
                problems.push(format!(
                    "{name} is for the HTTP transport: set HL_OUTBOUND_URL"
                ));
            }
        }
        problems.extend(self.aes_problems());
        if !(1..=600).contains(&self.outbound_timeout_seconds) {
            problems.push(format!(
                "HL_OUTBOUND_TIMEOUT_SECONDS must be 1-600, got {}",
                self.outbound_timeout_seconds
            ));
        }
        if !(1..=86_400).contains(&self.outbound_seconds) {
            problems.push(format!(
                "HL_OUTBOUND_SECONDS must be 1-86400, got {}",
                self.outbound_seconds
            ));
        }
        if !(1..=1000).contains(&self.outbound_batch) {
            problems.push(format!(
                "HL_OUTBOUND_BATCH must be 1-1000, got {}",
                self.outbound_batch
            ));
        }
        problems
    }

    /// The districts this service follows as a province; none at a district.
    pub fn province_districts(&self) -> Result<Option<Vec<hl_federation::District>>, String> {
        let Some(path) = &self.province_districts else {
            return Ok(None);
        };
        hl_federation::read_districts(path)
            .map(Some)
            .map_err(|problem| format!("HL_PROVINCE_DISTRICTS {problem}"))
    }

    /// What is wrong with the AES settings taken together (the files are read at start-up).
    fn aes_problems(&self) -> Vec<String> {
        use crate::outbound::encryption::Mode;
        let key = self.outbound_aes_key_file.is_some();
        let iv = self.outbound_aes_iv_file.is_some();
        let mut problems = Vec::new();
        if !key && (iv || self.outbound_aes_mode.is_some()) {
            problems.push(
                "HL_OUTBOUND_AES_MODE and HL_OUTBOUND_AES_IV_FILE take effect with HL_OUTBOUND_AES_KEY_FILE: set it"
                    .to_string(),
            );
        }
        match (self.outbound_aes_mode.unwrap_or(Mode::Ecb), iv) {
            (Mode::Ecb, true) => problems.push(
                "HL_OUTBOUND_AES_IV_FILE is for cbc: ecb takes no initialisation vector".into(),
            ),
            (Mode::Cbc, false) if key => {
                problems.push("HL_OUTBOUND_AES_MODE cbc needs HL_OUTBOUND_AES_IV_FILE".into())
            }
            _ => {}
        }
        problems
    }

    /// Where the outbound feeds deliver, with the authorization read from its file; none when
    /// neither HL_OUTBOUND_DIR nor HL_OUTBOUND_URL is set.
    pub fn outbound_transport(
        &self,
    ) -> Result<Option<crate::outbound::transport::Transport>, String> {
        use crate::outbound::{file_drop::FileDrop, http_post::HttpPost};
        if let Some(folder) = &self.outbound_dir {
            return Ok(Some(FileDrop::new(folder).into()));
        }
        let Some(url) = &self.outbound_url else {
            return Ok(None);
        };
        let secret = |name: &str, path: &Option<std::path::PathBuf>| {
            path.as_ref()
                .map(|path| read_secret(name, path))
                .transpose()
        };
        let authorization = secret(
            "HL_OUTBOUND_AUTHORIZATION_FILE",
            &self.outbound_authorization_file,
        )?;
        let timeout = std::time::Duration::from_secs(self.outbound_timeout_seconds);
        let mut receiver = HttpPost::new(url, authorization.as_deref(), timeout)
            .map_err(|problem| format!("HL_OUTBOUND_URL: {problem}"))?;
        if let Some(path) = &self.outbound_ca_file {
            let roots = hl_http::ExtraRoots::from_pem_file(path)
                .map_err(|problem| format!("HL_OUTBOUND_CA_FILE: {problem}"))?;
            receiver = receiver.trusting(roots);
        }
        let Some(key) = secret("HL_OUTBOUND_AES_KEY_FILE", &self.outbound_aes_key_file)? else {
            return Ok(Some(receiver.into()));
        };
        let iv = secret("HL_OUTBOUND_AES_IV_FILE", &self.outbound_aes_iv_file)?;
        let mode = self
            .outbound_aes_mode
            .unwrap_or(crate::outbound::encryption::Mode::Ecb);
        let cipher = crate::outbound::encryption::DatasCipher::new(
            mode,
            key.as_bytes(),
            iv.as_deref().map(str::as_bytes),
        )
        .map_err(|problem| {
            format!("HL_OUTBOUND_AES_KEY_FILE / HL_OUTBOUND_AES_IV_FILE: {problem}")
        })?;
        Ok(Some(receiver.sealing(cipher).into()))
    }

    /// The province's audit rules.
    pub fn audit_rules(&self) -> hl_federation::AuditRules {
        hl_federation::AuditRules {
            stall_after: std::time::Duration::from_secs(self.province_stall_after_seconds),
        }
    }

    /// The database URL: the configured one (with the password from its file), else
    /// `ledger.db` in the data folder.
    pub fn database_url(&self, data_dir: &std::path::Path) -> String {
        let url = self
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("ledger.db").display()));
        // An unreadable file is among `problems`, reported before anything connects.
        match self
            .database_password_file
            .as_ref()
            .and_then(|path| read_secret("HL_DATABASE_PASSWORD_FILE", path).ok())
        {
            Some(password) => hl_readmodel::with_password(&url, &password),
            None => url,
        }
    }
}

/// A secret kept in a file (a password, an authorization, a key): its text without the final
/// line break an editor or `echo` leaves, or why it cannot be read, naming the setting.
fn read_secret(setting: &str, path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|text| text.trim_end_matches(['\r', '\n']).to_string())
        .map_err(|error| format!("{setting} {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::ProjectionArgs;
    use crate::outbound::transport::Transport;

    #[derive(clap::Parser)]
    struct Flags {
        #[command(flatten)]
        projections: ProjectionArgs,
    }

    fn args(flags: &[&str]) -> ProjectionArgs {
        let program = std::iter::once("hl-projections").chain(flags.iter().copied());
        Flags::try_parse_from(program).unwrap().projections
    }

    #[test]
    fn the_outbound_feeds_take_one_transport() {
        let problems = args(&[
            "--outbound-dir",
            "drop",
            "--outbound-url",
            "http://10.0.0.1/",
        ])
        .problems()
        .join("\n");
        assert!(problems.contains("set one"), "{problems}");
        let problems = args(&["--outbound-url", "ftp://10.0.0.1/"])
            .problems()
            .join("\n");
        assert!(problems.contains("HL_OUTBOUND_URL"), "{problems}");
        let problems = args(&["--outbound-authorization-file", "secret"])
            .problems()
            .join("\n");
        assert!(problems.contains("set HL_OUTBOUND_URL"), "{problems}");
        let problems = args(&["--outbound-ca-file", "ca.pem"])
            .problems()
            .join("\n");
        assert!(problems.contains("set HL_OUTBOUND_URL"), "{problems}");
        let problems = args(&[
            "--outbound-url",
            "http://10.0.0.1/",
            "--outbound-ca-file",
            "ca.pem",
        ])
        .problems()
        .join("\n");
        assert!(problems.contains("https:// receiver"), "{problems}");
        let https = [
            "--outbound-url",
            "https://10.0.0.1/",
            "--outbound-ca-file",
            "ca.pem",
        ];
        assert!(args(&https).problems().is_empty());
        let problems = args(&[
            "--outbound-url",
            "http://10.0.0.1/",
            "--outbound-timeout-seconds",
            "0",
        ])
        .problems()
        .join("\n");
        assert!(
            problems.contains("HL_OUTBOUND_TIMEOUT_SECONDS"),
            "{problems}"
        );
        assert!(args(&[]).outbound_transport().unwrap().is_none());
        assert!(matches!(
            args(&["--outbound-dir", "drop"]).outbound_transport(),
            Ok(Some(Transport::FileDrop(_)))
        ));
    }

    #[test]
    fn the_authorization_is_read_from_its_file_at_start_up() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("authorization");
        let file_flag = file.display().to_string();
        let flags = [
            "--outbound-url",
            "http://10.0.0.1/upload",
            "--outbound-authorization-file",
            file_flag.as_str(),
        ];
        let missing = args(&flags).outbound_transport().unwrap_err();
        assert!(
            missing.contains("HL_OUTBOUND_AUTHORIZATION_FILE"),
            "{missing}"
        );
        std::fs::write(&file, "Basic ZGlzdHJpY3Q6c2VjcmV0\n").unwrap();
        assert!(matches!(
            args(&flags).outbound_transport(),
            Ok(Some(Transport::HttpPost(_)))
        ));
        assert!(args(&flags).problems().is_empty());
    }

    #[test]
    fn the_database_password_is_read_from_its_file_without_its_line_break() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("password");
        std::fs::write(&file, "s3cret\n").unwrap();
        let file = file.display().to_string();
        let flags = [
            "--database-url",
            "postgres://ledger@db.example/ledger",
            "--database-password-file",
            file.as_str(),
        ];
        let url = args(&flags).database_url(folder.path());
        assert_eq!(url, "postgres://ledger:s3cret@db.example/ledger");
    }

    #[test]
    fn the_aes_key_and_vector_are_read_from_their_files_and_checked() {
        let folder = tempfile::tempdir().unwrap();
        let (key, iv) = (folder.path().join("key"), folder.path().join("iv"));
        std::fs::write(&key, "1234567890abcdef\n").unwrap();
        std::fs::write(&iv, "fedcba0987654321").unwrap();
        let (key, iv) = (key.display().to_string(), iv.display().to_string());
        let url = ["--outbound-url", "http://10.0.0.1/upload"];
        let with = |more: &[&str]| {
            let flags: Vec<&str> = url.iter().chain(more).copied().collect();
            args(&flags).outbound_transport()
        };
        assert!(matches!(
            with(&["--outbound-aes-key-file", &key]),
            Ok(Some(Transport::HttpPost(_)))
        ));
        let flags = [
            "--outbound-aes-key-file",
            &key,
            "--outbound-aes-mode",
            "cbc",
        ];
        let no_vector = with(&flags).unwrap_err();
        assert!(no_vector.contains("initialisation vector"), "{no_vector}");
        let problems = |more: &[&str]| {
            let flags: Vec<&str> = url.iter().chain(more).copied().collect();
            args(&flags).problems().join("\n")
        };
        assert!(problems(&flags).contains("needs HL_OUTBOUND_AES_IV_FILE"));
        let without_key = problems(&["--outbound-aes-mode", "cbc", "--outbound-aes-iv-file", &iv]);
        assert!(without_key.contains("set it"), "{without_key}");
        let ecb_with_vector = problems(&[
            "--outbound-aes-key-file",
            &key,
            "--outbound-aes-iv-file",
            &iv,
        ]);
        assert!(
            ecb_with_vector.contains("ecb takes no"),
            "{ecb_with_vector}"
        );
        let flags = [
            "--outbound-aes-key-file",
            &key,
            "--outbound-aes-mode",
            "cbc",
            "--outbound-aes-iv-file",
            &iv,
        ];
        assert!(with(&flags).is_ok());
        // A key of another length is refused.
        std::fs::write(folder.path().join("short"), "12345").unwrap();
        let short = folder.path().join("short").display().to_string();
        let refused = with(&["--outbound-aes-key-file", &short]).unwrap_err();
        assert!(refused.contains("16, 24 or 32 bytes"), "{refused}");
        let problems = args(&["--outbound-aes-key-file", &key])
            .problems()
            .join("\n");
        assert!(problems.contains("HL_OUTBOUND_AES_KEY_FILE is for the HTTP transport"));
    }
}
