//! What every test shares: real servers (nats-server with JetStream, any installed version, as
//! one server or a three-node cluster ([`NatsCluster`]), and, where none is reachable, a private
//! PostgreSQL cluster), each on a free port with its data in a temporary folder and killed when
//! dropped; a service under test on its production mount ([`TestService`]); the actors tests act
//! as ([`actors`]); the registry fixtures ([`fixtures`]); and polling instead of sleeping
//! ([`wait_until`]). The given/when/then harness of the pure domain is `hl_domain::Given`.
//!
//! Which nats-server binaries to test against comes from `HL_TEST_NATS_SERVERS` (a
//! colon-separated list of paths; the Makefile sets it to the pinned current release and
//! Debian's 2.9), else `NATS_SERVER_BIN`, else `nats-server` on the PATH.

pub mod actors;
mod cluster;
pub mod evaluations;
pub mod fixtures;
pub mod inspections;
mod link;
mod nats;
mod poll;
mod postgres;
mod postgres_server;
mod process;
mod service;
pub mod workbook;

pub use actors::as_actor;
pub use cluster::{CLUSTER_NODES, NatsCluster};
pub use link::FaultyLink;
pub use nats::{Accounts, Federation, NatsServer, nats_server_binaries};
pub use poll::wait_until;
pub use postgres::{TestDatabase, postgres_server_url};
pub use postgres_server::PostgresServer;
pub use process::{free_port, send_signal};
pub use service::{AsyncMount, TestService, access_control, event_store};

/// A namespace root no other test uses: streams and subjects of one test never meet another's.
pub fn unique_namespace() -> String {
    format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// The fields a refusal names, in order.
pub fn fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|bad| {
            bad.field_violations
                .into_iter()
                .map(|violation| violation.field)
                .collect()
        })
        .unwrap_or_default()
}
