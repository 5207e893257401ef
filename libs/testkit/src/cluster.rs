//! Three nats-servers as one JetStream cluster on loopback, configured as production runs them
//! (deploy/production/nats-cluster.conf): routes between every pair of nodes, `sync_interval:
//! always` on each, and streams of three replicas. Tests kill and restart nodes, among them a
//! stream's leader.

use std::collections::BTreeSet;
use std::time::Duration;

use async_nats::jetstream::stream::{Config, StorageType};

use crate::nats::{Membership, NatsServer, nats_server_binaries};
use crate::process::free_port;

/// The number of nodes: the smallest cluster that keeps a quorum with one node down.
pub const CLUSTER_NODES: usize = 3;

/// A running three-node JetStream cluster; every node is killed when it is dropped.
pub struct NatsCluster {
    nodes: Vec<NatsServer>,
}

impl NatsCluster {
    /// Starts the first configured binary on three nodes and waits until a stream of three
    /// replicas can be created (the nodes have elected a leader and know each other).
    pub async fn start() -> NatsCluster {
        let binary = nats_server_binaries().remove(0);
        let mut logs = String::new();
        for _attempt in 0..3 {
            match NatsCluster::launch(&binary).await {
                Ok(cluster) => return cluster,
                Err(failed) => logs = failed,
            }
        }
        panic!(
            "a three-node cluster of {} did not form:\n{logs}",
            binary.display()
        );
    }

    /// A formed cluster, or the logs of the nodes that did not form one.
    async fn launch(binary: &std::path::Path) -> Result<NatsCluster, String> {
        // Six distinct ports: three for clients and three for routes.
        let mut ports = BTreeSet::new();
        while ports.len() < CLUSTER_NODES {
            ports.insert(free_port());
        }
        let route_ports: Vec<u16> = ports.into_iter().collect();
        let name = format!("hl_test_cluster_{}", route_ports[0]);
        let mut nodes: Vec<NatsServer> = route_ports
            .iter()
            .map(|route_port| {
                let membership = Membership {
                    name: name.clone(),
                    route_port: *route_port,
                    route_ports: route_ports.clone(),
                };
                NatsServer::unstarted(binary, None, Some(membership))
            })
            .collect();
        let client_ports: BTreeSet<u16> = nodes.iter().map(NatsServer::port).collect();
        if client_ports.len() < CLUSTER_NODES
            || client_ports.iter().any(|p| route_ports.contains(p))
        {
            return Err("two nodes drew the same port".into());
        }
        // All at once: no node's JetStream answers before a majority runs.
        let children: Vec<_> = nodes.iter().map(NatsServer::start_child).collect();
        let mut ready = true;
        for (node, child) in nodes.iter_mut().zip(children) {
            ready = ready && node.await_ready(child).await;
        }
        let cluster = NatsCluster { nodes };
        if ready && cluster.replicated_streams_work().await {
            Ok(cluster)
        } else {
            Err(cluster.logs())
        }
    }

    /// Whether a stream of three replicas can be created (and is removed again) within 30 s.
    async fn replicated_streams_work(&self) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while tokio::time::Instant::now() < deadline {
            if let Ok(client) = self.client().await {
                let jetstream = async_nats::jetstream::new(client);
                let probe = Config {
                    name: "HL_TEST_CLUSTER_PROBE".into(),
                    subjects: vec!["hl_test_cluster_probe".into()],
                    num_replicas: CLUSTER_NODES,
                    storage: StorageType::Memory,
                    ..Default::default()
                };
                if jetstream.get_or_create_stream(probe).await.is_ok() {
                    return jetstream
                        .delete_stream("HL_TEST_CLUSTER_PROBE")
                        .await
                        .is_ok();
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    }

    /// A client of the cluster, connected to any of its nodes.
    pub async fn client(&self) -> Result<async_nats::Client, async_nats::ConnectError> {
        let urls = self.urls();
        async_nats::connect(hl_runtime::nats::server_list(&urls).as_slice()).await
    }

    /// Every node's client URL, comma-separated, as `NATS_URL` takes them.
    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(NatsServer::url)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Kills one node at once (SIGKILL), as a crash would.
    pub async fn kill(&mut self, index: usize) {
        self.nodes[index].kill().await;
    }

    /// Starts a killed node again, on its ports with its store, and waits until it answers.
    pub async fn restart(&mut self, index: usize) {
        self.nodes[index].restart().await;
    }

    /// The node leading a stream's replicas, when one leads.
    pub async fn stream_leader(&self, stream: &str) -> Option<usize> {
        let client = self.client().await.ok()?;
        let mut stream = async_nats::jetstream::new(client)
            .get_stream(stream)
            .await
            .ok()?;
        let leader = stream.info().await.ok()?.cluster.clone()?.leader?;
        self.nodes
            .iter()
            .position(|node| node.server_name() == leader)
    }

    /// Every node's log, for a failing test to print.
    pub fn logs(&self) -> String {
        self.nodes
            .iter()
            .map(|node| format!("--- {} ---\n{}", node.server_name(), node.log()))
            .collect()
    }
}
