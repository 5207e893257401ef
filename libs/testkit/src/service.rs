//! A service under test: the production mount of a context on a gRPC server on a free port,
//! over its own NATS connection and stream namespace, reporting SERVING before the test goes on.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use hl_eventstore::{EventStore, Namespace, StoreSettings};
use hl_runtime::grpc::GrpcServer;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::poll::wait_until;

/// The access control of every service under test: it trusts the tests' signing key.
pub fn access_control() -> std::sync::Arc<hl_runtime::access::AccessControl> {
    let keys = hl_auth::KeySet::fixed(&crate::actors::signing_key().jwks())
        .expect("the tests' key makes a JWKS");
    hl_runtime::access::AccessControl::new(hl_auth::Authenticator::new(
        hl_auth::TokenVerifier::new(keys, crate::actors::expectations()),
        hl_auth::CertificateActors::default(),
    ))
}

/// A running server with the services a test mounted.
pub struct TestService {
    pub address: SocketAddr,
    pub store: EventStore,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// An asynchronous mount step, e.g. the projections' (which opens a database).
pub type AsyncMount<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

impl TestService {
    /// Mounts services with their production mount functions and serves them.
    pub async fn spawn(
        nats_url: &str,
        namespace: &str,
        mount: impl FnOnce(&mut GrpcServer, &EventStore, &str),
    ) -> TestService {
        TestService::spawn_async(nats_url, namespace, |server, store, region| {
            mount(server, store, region);
            Box::pin(async {})
        })
        .await
    }

    /// [`TestService::spawn`] for a mount that waits.
    pub async fn spawn_async(
        nats_url: &str,
        namespace: &str,
        mount: impl for<'a> FnOnce(&'a mut GrpcServer, &'a EventStore, &'a str) -> AsyncMount<'a>,
    ) -> TestService {
        let client = hl_runtime::nats::connect(nats_url, "test-service", &Default::default())
            .await
            .expect("connect to the test nats-server");
        let store = EventStore::new(
            client.clone(),
            Namespace::new(namespace).expect("a valid namespace"),
            StoreSettings::default(),
        );
        let mut server = GrpcServer::new(access_control());
        server.add_check(hl_runtime::nats::connection_check(&client));
        mount(&mut server, &store, crate::actors::REGION).await;
        let listener = hl_runtime::grpc::bind("127.0.0.1:0".parse().expect("an address"))
            .await
            .expect("a free port");
        let address = listener.local_addr().expect("a bound address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.serve(
            listener,
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(1),
        ));
        let service = TestService {
            address,
            store,
            _stop: stop,
        };
        service.wait_for("", ServingStatus::Serving).await;
        service
    }

    /// A channel to the server.
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.address))
            .expect("a valid endpoint")
            .connect()
            .await
            .expect("connect to the test server")
    }

    /// Waits until health reports `wanted` for a service ("" for the whole server).
    pub async fn wait_for(&self, service: &str, wanted: ServingStatus) {
        let address = self.address;
        wait_until(
            &format!("health of {service:?} to be {wanted:?}"),
            Duration::from_secs(30),
            || async move {
                let channel = Channel::from_shared(format!("http://{address}"))
                    .ok()?
                    .connect()
                    .await
                    .ok()?;
                let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
                let status = health
                    .check(tonic_health::pb::HealthCheckRequest {
                        service: service.to_string(),
                    })
                    .await
                    .ok()?
                    .into_inner()
                    .status;
                (status == wanted as i32).then_some(())
            },
        )
        .await;
    }
}

/// An event store on a test nats-server under `namespace`, with the snapshot stream and each
/// context's stream made, as a service's start makes them: for a test that writes the stream
/// itself (a history as an earlier release recorded it, a preload).
pub async fn event_store(nats_url: &str, namespace: &str, contexts: &[&str]) -> EventStore {
    let client = async_nats::connect(nats_url)
        .await
        .expect("connect to the test nats-server");
    let store = EventStore::new(
        client,
        Namespace::new(namespace).expect("a valid namespace"),
        StoreSettings::default(),
    );
    store
        .ensure_snapshot_stream()
        .await
        .expect("the snapshot stream");
    for context in contexts {
        store
            .ensure_context_stream(context)
            .await
            .expect("a context stream");
    }
    store
}
