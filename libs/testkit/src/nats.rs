use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::process::free_port;

/// The nats-server binaries tests run against (see the crate docs).
pub fn nats_server_binaries() -> Vec<PathBuf> {
    if let Ok(list) = std::env::var("HL_TEST_NATS_SERVERS") {
        let binaries: Vec<PathBuf> = list
            .split(':')
            .filter(|entry| !entry.is_empty())
            .map(PathBuf::from)
            .collect();
        if !binaries.is_empty() {
            return binaries;
        }
    }
    if let Ok(binary) = std::env::var("NATS_SERVER_BIN") {
        return vec![PathBuf::from(binary)];
    }
    vec![PathBuf::from("nats-server")]
}

/// A nats-server with JetStream on a free loopback port, its store in a temporary folder.
pub struct NatsServer {
    binary: PathBuf,
    version: String,
    port: u16,
    data: tempfile::TempDir,
    child: Option<Child>,
    accounts: Option<Accounts>,
    cluster: Option<Membership>,
    federation: Option<Federation>,
    /// The port leaf nodes connect to, when the server accepts them.
    leaf_port: u16,
}

/// A server's place in a federation of JetStream domains linked by leaf nodes: a district
/// accepts the province's leaf connection; the province connects to each district.
#[derive(Clone, Debug, Default)]
pub struct Federation {
    /// The server's JetStream domain, e.g. "d330903" or "province".
    pub domain: String,
    /// Whether the server accepts leaf-node connections (on [`NatsServer::leaf_url`]).
    pub accepts_leaves: bool,
    /// The `host:port` it tells leaf nodes to connect to instead of its own, e.g. a
    /// [`crate::FaultyLink`] in front of it: a leaf node remembers the address a server
    /// advertises and would otherwise reconnect around a cut link.
    pub leaf_advertise: Option<String>,
    /// The leaf-node URLs this server connects to, each a remote of its own.
    pub remotes: Vec<String>,
    /// Subjects this server never sends over the links it makes (`deny_exports`): the
    /// province keeps a district's event subjects from being relayed to another district.
    pub deny_exports: Vec<String>,
}

/// A node's place in a cluster: the cluster's name, its own route port, and every node's.
#[derive(Clone, Debug)]
pub(crate) struct Membership {
    pub(crate) name: String,
    pub(crate) route_port: u16,
    pub(crate) route_ports: Vec<u16>,
}

/// Accounts and users for a server that requires credentials.
#[derive(Clone, Debug)]
pub struct Accounts {
    /// A configuration file defining `accounts { … }` (included as is).
    pub file: PathBuf,
    /// The variables it names ($VARIABLE), e.g. passwords.
    pub environment: Vec<(String, String)>,
    /// A user and password that may ask JetStream whether it is up.
    pub probe: (String, String),
}

impl NatsServer {
    /// Starts the first configured binary.
    pub async fn start() -> NatsServer {
        let binary = nats_server_binaries().remove(0);
        NatsServer::start_binary(&binary).await
    }

    /// Starts a given binary and waits until JetStream answers.
    pub async fn start_binary(binary: &Path) -> NatsServer {
        NatsServer::launch(binary, None).await
    }

    /// Starts the first configured binary with accounts: no one connects without credentials.
    pub async fn start_with_accounts(accounts: Accounts) -> NatsServer {
        let binary = nats_server_binaries().remove(0);
        NatsServer::launch(&binary, Some(accounts)).await
    }

    /// Starts a given binary in a JetStream domain of a federation.
    pub async fn start_federated(binary: &Path, federation: Federation) -> NatsServer {
        let mut server = NatsServer::unstarted(binary, None, None);
        server.federation = Some(federation);
        server.start_on_free_ports().await;
        server
    }

    async fn launch(binary: &Path, accounts: Option<Accounts>) -> NatsServer {
        let mut server = NatsServer::unstarted(binary, accounts, None);
        server.start_on_free_ports().await;
        server
    }

    async fn start_on_free_ports(&mut self) {
        for _attempt in 0..5 {
            self.port = free_port();
            self.leaf_port = free_port();
            if self.spawn().await {
                return;
            }
        }
        panic!("nats-server {} did not start", self.binary.display());
    }
    /// A server not started yet, on a free port, its store in a fresh temporary folder.
    pub(crate) fn unstarted(
        binary: &Path,
        accounts: Option<Accounts>,
        cluster: Option<Membership>,
    ) -> NatsServer {
        NatsServer {
            binary: binary.to_path_buf(),
            version: server_version(binary),
            port: free_port(),
            data: tempfile::tempdir().expect("a temporary folder"),
            child: None,
            accounts,
            cluster,
            federation: None,
            leaf_port: free_port(),
        }
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `nats-leaf://127.0.0.1:<port>`, where a federated server accepts leaf nodes.
    pub fn leaf_url(&self) -> String {
        format!("nats-leaf://127.0.0.1:{}", self.leaf_port)
    }

    /// The loopback address leaf nodes connect to, for a [`crate::FaultyLink`] to stand in.
    pub fn leaf_address(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.leaf_port))
    }

    /// e.g. "2.9.10".
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Whether the server is release `major.minor` or later.
    pub fn is_at_least(&self, major: u32, minor: u32) -> bool {
        version_at_least(&self.version, major, minor)
    }

    /// The server's log, for a failing test to print.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.path().join("nats-server.log")).unwrap_or_default()
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Starts the server again on the same port with the same store.
    pub async fn restart(&mut self) {
        self.kill().await;
        for _attempt in 0..40 {
            if self.spawn().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("nats-server did not restart:\n{}", self.log());
    }

    async fn spawn(&mut self) -> bool {
        let child = self.start_child();
        self.await_ready(child).await
    }

    /// Starts the process without waiting for it: a cluster's nodes elect their JetStream
    /// leader only once most of them run.
    pub(crate) fn start_child(&self) -> Child {
        let config_path = self.data.path().join("nats-server.conf");
        std::fs::write(&config_path, self.config()).expect("write nats-server.conf");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.path().join("nats-server.log"))
            .expect("open the nats-server log");
        let environment = self
            .accounts
            .as_ref()
            .map(|accounts| accounts.environment.clone())
            .unwrap_or_default();
        Command::new(&self.binary)
            .arg("-c")
            .arg(&config_path)
            .envs(environment)
            .stdout(Stdio::from(log.try_clone().expect("clone log handle")))
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", self.binary.display()))
    }

    /// Waits until the started process answers JetStream requests; false if it exited or did
    /// not answer within 10 s (it is then killed).
    pub(crate) async fn await_ready(&mut self, mut child: Child) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::time::Instant::now() < deadline {
            if let Ok(Some(_exited)) = child.try_wait() {
                return false;
            }
            let probe = self.accounts.as_ref().map(|accounts| &accounts.probe);
            if jetstream_answers(&self.url(), probe).await {
                self.child = Some(child);
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = child.start_kill();
        false
    }

    fn config(&self) -> String {
        let store = self.data.path().join("jetstream");
        // Servers from 2.10 can fsync every write before acknowledging it; 2.9 cannot.
        let sync = if version_at_least(&self.version, 2, 10) {
            "  sync_interval: always\n"
        } else {
            ""
        };
        let domain = match &self.federation {
            Some(federation) => format!("  domain: {}\n", federation.domain),
            None => String::new(),
        };
        let mut config = format!(
            "listen: 127.0.0.1:{}\nserver_name: hl_test_{}\njetstream {{\n  store_dir: {:?}\n{}{}}}\n",
            self.port,
            self.port,
            store.display().to_string(),
            sync,
            domain
        );
        if let Some(federation) = &self.federation {
            config.push_str(&leaf_nodes(federation, self.leaf_port));
        }
        if let Some(accounts) = &self.accounts {
            // An include names a file beside the configuration.
            std::fs::copy(&accounts.file, self.data.path().join("accounts.conf"))
                .expect("copy the accounts file");
            config.push_str("include \"accounts.conf\"\n");
        }
        if let Some(cluster) = &self.cluster {
            let routes: Vec<String> = cluster
                .route_ports
                .iter()
                .map(|port| format!("nats-route://127.0.0.1:{port}"))
                .collect();
            config.push_str(&format!(
                "cluster {{\n  name: {}\n  listen: 127.0.0.1:{}\n  routes: [{}]\n}}\n",
                cluster.name,
                cluster.route_port,
                routes.join(", ")
            ));
        }
        config
    }

    /// The name the server goes by in JetStream's cluster information.
    pub fn server_name(&self) -> String {
        format!("hl_test_{}", self.port)
    }
}

/// The `leafnodes` block of a federated server: where it listens, whom it connects to (again a
/// second after a link drops).
fn leaf_nodes(federation: &Federation, leaf_port: u16) -> String {
    let mut block = String::from("leafnodes {\n  reconnect: 1\n");
    if federation.accepts_leaves {
        block.push_str(&format!("  listen: 127.0.0.1:{leaf_port}\n"));
        if let Some(advertise) = &federation.leaf_advertise {
            block.push_str(&format!("  advertise: {advertise:?}\n"));
        }
    }
    if !federation.remotes.is_empty() {
        let remotes: Vec<String> = federation
            .remotes
            .iter()
            .map(|url| {
                format!(
                    "    {{ urls: [{url:?}], deny_exports: {:?} }}",
                    federation.deny_exports
                )
            })
            .collect();
        block.push_str(&format!("  remotes: [\n{}\n  ]\n", remotes.join(",\n")));
    }
    block.push_str("}\n");
    block
}

async fn jetstream_answers(url: &str, probe: Option<&(String, String)>) -> bool {
    let options = match probe {
        Some((user, password)) => {
            async_nats::ConnectOptions::with_user_and_password(user.clone(), password.clone())
        }
        None => async_nats::ConnectOptions::new(),
    };
    let Ok(client) = options
        .connection_timeout(Duration::from_millis(500))
        .connect(url)
        .await
    else {
        return false;
    };
    // A raw request, because the account-info reply of older servers does not parse in the
    // current client; any reply means JetStream is up.
    tokio::time::timeout(
        Duration::from_millis(500),
        client.request("$JS.API.INFO", bytes::Bytes::new()),
    )
    .await
    .is_ok_and(|reply| reply.is_ok())
}

fn server_version(binary: &Path) -> String {
    let output = std::process::Command::new(binary)
        .arg("--version")
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run {} (run `make tools`, or set HL_TEST_NATS_SERVERS): {error}",
                binary.display()
            )
        });
    let text = String::from_utf8_lossy(&output.stdout);
    text.trim()
        .rsplit('v')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn version_at_least(version: &str, major: u32, minor: u32) -> bool {
    let mut parts = version
        .split('.')
        .map(|part| part.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    found >= (major, minor)
}
