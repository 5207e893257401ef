//! Configuration pieces every binary flattens into its own clap struct. Every value is a flag
//! and an environment variable; its doc comment is the `--help` text.

use std::net::SocketAddr;
use std::time::Duration;

use hl_eventstore::{Namespace, StoreSettings};

use crate::actor::is_region_code;

/// Who may call: how callers prove who they are, and the gRPC port's TLS.
#[derive(Clone, Debug, clap::Args)]
pub struct AuthArgs {
    /// The keys bearer tokens are checked against: a JWKS file, or an http(s):// URL serving
    /// one. Read again periodically and when a token names a new key id, so keys rotate
    /// without a restart. Only EdDSA (Ed25519) and ES256 (P-256) keys are used.
    #[arg(long, env = "HL_AUTH_JWKS")]
    pub jwks: Option<String>,

    /// The issuer (iss) a token must name.
    #[arg(long, env = "HL_AUTH_ISSUER", default_value = "hazard-ledger")]
    pub issuer: String,

    /// The audience (aud) a token must name.
    #[arg(long, env = "HL_AUTH_AUDIENCE", default_value = "hazard-ledger")]
    pub audience: String,

    /// Clock skew allowed on a token's expiry and not-before, in seconds.
    #[arg(long, env = "HL_AUTH_LEEWAY_SECONDS", default_value_t = 30)]
    pub leeway_seconds: u64,

    /// Seconds between readings of the JWKS.
    #[arg(long, env = "HL_AUTH_JWKS_REFRESH_SECONDS", default_value_t = 300)]
    pub jwks_refresh_seconds: u64,

    /// A JSON file mapping client-certificate common names to the government systems they
    /// log in as: {"<CN>": {"id": …, "org": …, "region": "330903"}}. Needs HL_TLS_CLIENT_CA.
    #[arg(long, env = "HL_AUTH_CERTIFICATE_ACTORS")]
    pub certificate_actors: Option<std::path::PathBuf>,

    /// PEM certificate (chain) the gRPC port serves TLS with.
    #[arg(long, env = "HL_TLS_CERT")]
    pub tls_cert: Option<std::path::PathBuf>,

    /// PEM private key of HL_TLS_CERT.
    #[arg(long, env = "HL_TLS_KEY")]
    pub tls_key: Option<std::path::PathBuf>,

    /// PEM CA whose client certificates are accepted (certificate login); without it no
    /// client certificate is asked for.
    #[arg(long, env = "HL_TLS_CLIENT_CA")]
    pub tls_client_ca: Option<std::path::PathBuf>,

    /// Refuse to start without TLS on the gRPC port (production).
    #[arg(long, env = "HL_REQUIRE_TLS", default_value_t = false)]
    pub require_tls: bool,
}

impl AuthArgs {
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            problems.push("HL_TLS_CERT and HL_TLS_KEY go together".to_string());
        }
        if self.require_tls && self.tls_cert.is_none() {
            problems
                .push("HL_REQUIRE_TLS is set but HL_TLS_CERT and HL_TLS_KEY are not".to_string());
        }
        if self.tls_client_ca.is_some() && self.tls_cert.is_none() {
            problems.push(
                "HL_TLS_CLIENT_CA needs the port to serve TLS (HL_TLS_CERT, HL_TLS_KEY)"
                    .to_string(),
            );
        }
        if self.certificate_actors.is_some() && self.tls_client_ca.is_none() {
            problems.push("HL_AUTH_CERTIFICATE_ACTORS needs HL_TLS_CLIENT_CA".to_string());
        }
        if self.jwks_refresh_seconds == 0 {
            problems.push("HL_AUTH_JWKS_REFRESH_SECONDS must be at least 1".to_string());
        }
        problems
    }

    /// What a token must be to be believed.
    pub fn expectations(&self) -> hl_auth::Expectations {
        hl_auth::Expectations {
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            leeway_seconds: self.leeway_seconds,
        }
    }
}

/// Where a service listens and which district it records for.
#[derive(Clone, Debug, clap::Args)]
pub struct ServerArgs {
    /// Address the gRPC server listens on. Port 0 picks a free port (printed at start).
    #[arg(long, env = "HL_LISTEN_ADDR", default_value = "127.0.0.1:50051")]
    pub listen_addr: SocketAddr,

    /// A second address that answers grpc.health.v1 only, in plaintext, for probes that cannot
    /// speak TLS (Kubernetes' gRPC probe). It serves no API and no reflection. Unset: none.
    #[arg(long, env = "HL_HEALTH_ADDR")]
    pub health_addr: Option<SocketAddr>,

    /// Administrative division code (6 digits) of the district whose records this is;
    /// 330903 is Putuo District, Zhoushan.
    #[arg(long, env = "HL_REGION", default_value = "330903")]
    pub region: String,

    /// Seconds calls in flight may take to finish after SIGTERM or SIGINT.
    #[arg(long, env = "HL_DRAIN_SECONDS", default_value_t = 10)]
    pub drain_seconds: u64,

    /// A file of at least 32 bytes that page tokens are signed with, shared by the replicas of a
    /// service so a client can follow its pages across restarts and replicas. Unset: a service
    /// signs with a key of its own process, and the suite keeps one in its data folder.
    #[arg(long, env = "HL_PAGE_TOKEN_KEY_FILE")]
    pub page_token_key_file: Option<std::path::PathBuf>,

    /// Calls the server runs at once; one more is refused RESOURCE_EXHAUSTED with a retry hint
    /// (health and reflection never are).
    #[arg(
        long,
        env = "HL_MAX_CALLS_IN_FLIGHT",
        default_value_t = 256,
        value_parser = clap::value_parser!(u32).range(1..=100_000)
    )]
    pub max_calls_in_flight: u32,

    /// Seconds one call may run before it is answered DEADLINE_EXCEEDED.
    #[arg(
        long,
        env = "HL_REQUEST_TIMEOUT_SECONDS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub request_timeout_seconds: u64,

    /// HTTP/2 streams (calls) one connection may have open at once.
    #[arg(
        long,
        env = "HL_MAX_STREAMS_PER_CONNECTION",
        default_value_t = 100,
        value_parser = clap::value_parser!(u32).range(1..=10_000)
    )]
    pub max_streams_per_connection: u32,

    /// Seconds between keepalive pings on an idle connection; one unanswered for as long
    /// closes it.
    #[arg(
        long,
        env = "HL_KEEPALIVE_SECONDS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub keepalive_seconds: u64,

    /// Origins of browser dashboards that may call the API with gRPC-Web from another origin
    /// (CORS), comma-separated, e.g. `https://dashboard.example.gov.cn`. Unset: only a page of
    /// the same origin (or a proxy) can.
    #[arg(long, env = "HL_BROWSER_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub browser_origins: Vec<String>,
}

/// A web origin as a browser sends it: `scheme://host[:port]`, no path, no trailing slash.
fn parse_origin(origin: &str) -> Result<String, String> {
    let origin = origin.trim();
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or("an origin starts with https:// or http://")?;
    let well_formed = !rest.is_empty()
        && rest
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-.:[]".contains(&byte));
    if !well_formed {
        return Err("an origin is scheme://host[:port], with no path".to_string());
    }
    Ok(origin.to_string())
}

impl ServerArgs {
    /// The server's limits.
    pub fn limits(&self) -> crate::admission::Limits {
        crate::admission::Limits {
            max_in_flight: self.max_calls_in_flight as usize,
            request_timeout: Duration::from_secs(self.request_timeout_seconds),
            max_streams_per_connection: self.max_streams_per_connection,
            keepalive: Duration::from_secs(self.keepalive_seconds),
        }
    }

    pub fn drain_timeout(&self) -> Duration {
        Duration::from_secs(self.drain_seconds)
    }
}

/// How a process proves itself to NATS, and the TLS it talks with.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct NatsAuthArgs {
    /// A NATS credentials file (user JWT and nkey seed), as `nsc` makes.
    #[arg(long, env = "HL_NATS_CREDS")]
    pub nats_creds: Option<std::path::PathBuf>,

    /// The NATS user, with HL_NATS_PASSWORD_FILE.
    #[arg(long, env = "HL_NATS_USER")]
    pub nats_user: Option<String>,

    /// A file holding the NATS user's password (never the password itself in the environment).
    #[arg(long, env = "HL_NATS_PASSWORD_FILE")]
    pub nats_password_file: Option<std::path::PathBuf>,

    /// PEM CA the NATS servers' certificates are checked against; the connection uses TLS.
    #[arg(long, env = "HL_NATS_CA")]
    pub nats_ca: Option<std::path::PathBuf>,

    /// PEM client certificate for NATS TLS, with HL_NATS_KEY.
    #[arg(long, env = "HL_NATS_CERT")]
    pub nats_cert: Option<std::path::PathBuf>,

    /// PEM private key of HL_NATS_CERT.
    #[arg(long, env = "HL_NATS_KEY")]
    pub nats_key: Option<std::path::PathBuf>,
}

impl NatsAuthArgs {
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.nats_user.is_some() != self.nats_password_file.is_some() {
            problems.push("HL_NATS_USER and HL_NATS_PASSWORD_FILE go together".to_string());
        }
        if self.nats_creds.is_some() && self.nats_user.is_some() {
            problems.push("give HL_NATS_CREDS or HL_NATS_USER, not both".to_string());
        }
        if self.nats_cert.is_some() != self.nats_key.is_some() {
            problems.push("HL_NATS_CERT and HL_NATS_KEY go together".to_string());
        }
        problems
    }

    /// Connection options carrying these credentials and TLS settings.
    pub async fn connect_options(&self) -> Result<async_nats::ConnectOptions, String> {
        let mut options = match (&self.nats_creds, &self.nats_user, &self.nats_password_file) {
            (Some(creds), _, _) => async_nats::ConnectOptions::with_credentials_file(creds)
                .await
                .map_err(|error| format!("HL_NATS_CREDS {}: {error}", creds.display()))?,
            (None, Some(user), Some(password_file)) => {
                let password = std::fs::read_to_string(password_file).map_err(|error| {
                    format!("HL_NATS_PASSWORD_FILE {}: {error}", password_file.display())
                })?;
                async_nats::ConnectOptions::with_user_and_password(
                    user.clone(),
                    password.trim_end_matches(['\r', '\n']).to_string(),
                )
            }
            _ => async_nats::ConnectOptions::new(),
        };
        if let Some(authority) = &self.nats_ca {
            options = options
                .add_root_certificates(authority.clone())
                .require_tls(true);
        }
        if let (Some(certificate), Some(key)) = (&self.nats_cert, &self.nats_key) {
            options = options.add_client_certificate(certificate.clone(), key.clone());
        }
        Ok(options)
    }
}

/// The event store on NATS JetStream.
#[derive(Clone, Debug, clap::Args)]
pub struct EventStoreArgs {
    /// NATS server URL, e.g. nats://127.0.0.1:4222.
    #[arg(long, env = "NATS_URL")]
    pub nats_url: Option<String>,

    #[command(flatten)]
    pub nats_auth: NatsAuthArgs,

    /// Root of every stream and subject name, so deployments can share a NATS server
    /// (lower-case letters, digits and '_').
    #[arg(long, env = "HL_NAMESPACE", default_value = "hl")]
    pub namespace: String,

    #[command(flatten)]
    pub streams: StreamSettingsArgs,
}

/// The guarantees of the streams a process creates, and checks existing ones against: every
/// process and tool that creates a stream of a deployment takes the same settings.
#[derive(Clone, Debug, clap::Args)]
pub struct StreamSettingsArgs {
    /// Replicas of each stream: 1 for one server, 3 for a production cluster.
    #[arg(long, env = "HL_STREAM_REPLICAS", default_value_t = 1)]
    pub stream_replicas: usize,

    /// Seconds JetStream remembers a request on an aggregate (its Nats-Msg-Id, a hash of the
    /// aggregate's subject and the request_id) to drop duplicates. Retries
    /// after this window are still recognised from each aggregate's history.
    #[arg(long, env = "HL_DUPLICATE_WINDOW_SECONDS", default_value_t = 600)]
    pub duplicate_window_seconds: u64,
}

impl StreamSettingsArgs {
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !matches!(self.stream_replicas, 1 | 3 | 5) {
            problems.push(format!(
                "HL_STREAM_REPLICAS must be 1, 3 or 5, got {}",
                self.stream_replicas
            ));
        }
        if self.duplicate_window_seconds == 0 {
            problems.push("HL_DUPLICATE_WINDOW_SECONDS must be at least 1".to_string());
        }
        problems
    }

    pub fn store_settings(&self) -> StoreSettings {
        StoreSettings {
            replicas: self.stream_replicas,
            duplicate_window: Duration::from_secs(self.duplicate_window_seconds),
            ..StoreSettings::default()
        }
    }
}

impl ServerArgs {
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !(self.region.len() == 6 && is_region_code(&self.region)) {
            problems.push(format!(
                "HL_REGION must be a 6-digit district code, got {:?}",
                self.region
            ));
        }
        if let Err(problem) = self.page_token_key() {
            problems.push(problem);
        }
        problems
    }

    /// The page-token key HL_PAGE_TOKEN_KEY_FILE names, if it names one.
    pub fn page_token_key(&self) -> Result<Option<Vec<u8>>, String> {
        let Some(path) = &self.page_token_key_file else {
            return Ok(None);
        };
        let key = std::fs::read(path).map_err(|error| {
            format!(
                "HL_PAGE_TOKEN_KEY_FILE {} cannot be read: {error}",
                path.display()
            )
        })?;
        if key.len() < crate::pagination::MIN_KEY_BYTES {
            return Err(format!(
                "HL_PAGE_TOKEN_KEY_FILE {} holds {} bytes; a key has at least {}",
                path.display(),
                key.len(),
                crate::pagination::MIN_KEY_BYTES
            ));
        }
        Ok(Some(key))
    }
}

impl EventStoreArgs {
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(error) = Namespace::new(&self.namespace) {
            problems.push(format!("HL_NAMESPACE: {error}"));
        }
        problems.extend(self.streams.problems());
        if let Some(url) = &self.nats_url
            && url.trim().is_empty()
        {
            problems.push("NATS_URL is set but empty".to_string());
        }
        problems.extend(self.nats_auth.problems());
        problems
    }

    pub fn namespace(&self) -> Namespace {
        Namespace::new(&self.namespace).expect("validated namespace")
    }

    pub fn store_settings(&self) -> StoreSettings {
        self.streams.store_settings()
    }
}

/// Exit code for bad configuration (EX_USAGE).
pub const EXIT_BAD_CONFIGURATION: i32 = 64;

/// Exit code when an existing stream's settings differ from the configuration (EX_CONFIG).
pub const EXIT_STREAM_MISMATCH: i32 = 78;

/// Prints every configuration problem at once and exits with 64, or returns when there are none.
pub fn exit_if_invalid(problems: Vec<String>) {
    if problems.is_empty() {
        return;
    }
    for problem in &problems {
        tracing::error!("configuration: {problem}");
        eprintln!("configuration error: {problem}");
    }
    std::process::exit(EXIT_BAD_CONFIGURATION);
}
