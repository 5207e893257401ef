//! A network link that can fail the way networks do: a TCP proxy between a client and a server
//! that, once told to, lets the client's bytes through but loses the server's answers from the
//! moment the client sends a given pattern. That is a write that reached the server and whose
//! acknowledgement never came back: the case where the writer cannot know whether it happened.
//! It can also be cut outright, as a network between two sites is, and restored.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A proxy on a free loopback port in front of `upstream`; its connections end when dropped.
pub struct FaultyLink {
    address: SocketAddr,
    shared: Arc<Shared>,
    accepting: JoinHandle<()>,
}

#[derive(Default)]
struct Shared {
    /// When set, the next connection to send these bytes loses the server's answers from then on.
    trigger: Mutex<Option<Vec<u8>>>,
    /// The tasks pumping each open connection, so that `heal` can cut them.
    pumps: Mutex<Vec<JoinHandle<()>>>,
    /// While set, every connection is closed as soon as it is accepted.
    cut: AtomicBool,
    /// Where connections go; none until [`FaultyLink::route_to`].
    upstream: Mutex<Option<SocketAddr>>,
}

impl FaultyLink {
    pub async fn start(upstream: SocketAddr) -> FaultyLink {
        let link = FaultyLink::start_unrouted().await;
        link.route_to(upstream);
        link
    }

    /// A proxy whose server is not known yet: a server that must advertise the proxy's address
    /// is configured with it before it starts. Connections before [`FaultyLink::route_to`]
    /// are closed.
    pub async fn start_unrouted() -> FaultyLink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a proxy");
        let address = listener.local_addr().expect("the proxy's address");
        let shared = Arc::new(Shared::default());
        let accepting = tokio::spawn({
            let shared = shared.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    let upstream = *shared.upstream.lock().expect("upstream");
                    let Some(upstream) = upstream.filter(|_| !shared.cut.load(Ordering::SeqCst))
                    else {
                        continue;
                    };
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        continue;
                    };
                    let pumps = connect(client, server, shared.clone());
                    shared.pumps.lock().expect("pumps").extend(pumps);
                }
            }
        });
        FaultyLink {
            address,
            shared,
            accepting,
        }
    }

    /// Sends connections to `upstream` from now on.
    pub fn route_to(&self, upstream: SocketAddr) {
        *self.shared.upstream.lock().expect("upstream") = Some(upstream);
    }

    /// The proxy's loopback address, `127.0.0.1:<port>`.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The proxy as a NATS URL.
    pub fn url(&self) -> String {
        format!("nats://{}", self.address)
    }

    /// The proxy as a leaf-node URL.
    pub fn leaf_url(&self) -> String {
        format!("nats-leaf://{}", self.address)
    }

    /// Cuts every connection and refuses new ones until [`FaultyLink::restore`].
    pub fn cut(&self) {
        self.shared.cut.store(true, Ordering::SeqCst);
        self.heal();
    }

    /// Accepts connections again after [`FaultyLink::cut`].
    pub fn restore(&self) {
        self.shared.cut.store(false, Ordering::SeqCst);
    }

    /// From the moment a client sends `pattern`, the server's answers on that connection are
    /// lost; what the client sends still arrives.
    pub fn lose_answers_after(&self, pattern: &[u8]) {
        *self.shared.trigger.lock().expect("trigger") = Some(pattern.to_vec());
    }

    /// Cuts every connection (clients reconnect) and forwards everything again.
    pub fn heal(&self) {
        *self.shared.trigger.lock().expect("trigger") = None;
        for pump in self.shared.pumps.lock().expect("pumps").drain(..) {
            pump.abort();
        }
    }
}

impl Drop for FaultyLink {
    fn drop(&mut self) {
        self.accepting.abort();
        self.heal();
    }
}

/// Pumps bytes both ways between a client and the server.
fn connect(client: TcpStream, server: TcpStream, shared: Arc<Shared>) -> [JoinHandle<()>; 2] {
    let (mut client_reads, mut client_writes) = client.into_split();
    let (mut server_reads, mut server_writes) = server.into_split();
    let losing = Arc::new(AtomicBool::new(false));
    let upstream = tokio::spawn({
        let losing = losing.clone();
        async move {
            let mut buffer = vec![0; 64 * 1024];
            // The tail of what came before, so a pattern split across two reads is still seen.
            let mut seen: Vec<u8> = Vec::new();
            while let Ok(read) = client_reads.read(&mut buffer).await {
                if read == 0 {
                    return;
                }
                // Decided before the bytes go on, so that no answer to them can slip through.
                seen.extend_from_slice(&buffer[..read]);
                {
                    let mut trigger = shared.trigger.lock().expect("trigger");
                    let pattern_length = trigger.as_ref().map_or(0, Vec::len);
                    let found = trigger.as_ref().is_some_and(|pattern| {
                        seen.windows(pattern.len())
                            .any(|window| window == pattern.as_slice())
                    });
                    if found {
                        losing.store(true, Ordering::SeqCst);
                        *trigger = None;
                    }
                    let keep = pattern_length.saturating_sub(1);
                    seen.drain(..seen.len().saturating_sub(keep));
                }
                if server_writes.write_all(&buffer[..read]).await.is_err() {
                    return;
                }
            }
        }
    });
    let downstream = tokio::spawn(async move {
        let mut buffer = vec![0; 64 * 1024];
        while let Ok(read) = server_reads.read(&mut buffer).await {
            if read == 0 {
                return;
            }
            if losing.load(Ordering::SeqCst) {
                continue;
            }
            if client_writes.write_all(&buffer[..read]).await.is_err() {
                return;
            }
        }
    });
    [upstream, downstream]
}
