//! The gRPC server every service runs in: its own services plus grpc.health.v1 and server
//! reflection (v1 and v1alpha, so grpcurl 1.8 works too), a server span and duration metric per
//! call ([`RpcLayer`]), and a graceful drain on shutdown.

use std::convert::Infallible;
use std::future::Future;

use std::sync::Arc;

use crate::access::AccessControl;
use crate::admission::{Admission, Limits};
use crate::health::{self, HealthCheck};
use crate::rpc_layer::RpcLayer;
use tokio::net::TcpListener;
use tonic::body::Body;
use tonic::codegen::http;
use tonic::server::NamedService;
use tonic::service::RoutesBuilder;
use tonic::transport::{Server, ServerTlsConfig};
use tonic_health::ServingStatus;

/// A gRPC server being assembled.
pub struct GrpcServer {
    routes: RoutesBuilder,
    services: Vec<String>,
    checks: Vec<HealthCheck>,
    access: Arc<AccessControl>,
    tls: Option<ServerTlsConfig>,
    limits: Limits,
    browser_origins: Vec<String>,
    health_listener: Option<TcpListener>,
}

impl GrpcServer {
    /// A server whose every call (but health and reflection) is admitted by `access`.
    pub fn new(access: Arc<AccessControl>) -> Self {
        GrpcServer {
            routes: RoutesBuilder::default(),
            services: Vec::new(),
            checks: Vec::new(),
            access,
            tls: None,
            limits: Limits::default(),
            browser_origins: Vec::new(),
            health_listener: None,
        }
    }

    /// Serves within these limits instead of the defaults.
    pub fn with_limits(&mut self, limits: Limits) -> &mut Self {
        self.limits = limits;
        self
    }

    /// Lets browser pages of these origins call the API with gRPC-Web (CORS).
    pub fn with_browser_origins(&mut self, origins: &[String]) -> &mut Self {
        self.browser_origins = origins.to_vec();
        self
    }

    /// Serves TLS with this configuration.
    pub fn with_tls(&mut self, tls: Option<ServerTlsConfig>) -> &mut Self {
        self.tls = tls;
        self
    }

    /// Also answers health, and only health, in plaintext on this listener (HL_HEALTH_ADDR).
    pub fn with_health_listener(&mut self, listener: Option<TcpListener>) -> &mut Self {
        self.health_listener = listener;
        self
    }

    /// Mounts a service; health reports it by its full name.
    pub fn add_service<S>(&mut self, service: S) -> &mut Self
    where
        S: tower_service::Service<
                http::Request<Body>,
                Response = http::Response<Body>,
                Error = Infallible,
            > + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.services.push(S::NAME.to_string());
        self.routes.add_service(service);
        self
    }

    /// A dependency every mounted service needs; health is NOT_SERVING while it fails.
    pub fn add_check(&mut self, check: HealthCheck) -> &mut Self {
        self.checks.push(check);
        self
    }

    /// Names of the mounted services.
    pub fn service_names(&self) -> &[String] {
        &self.services
    }

    /// Serves on `listener` until `shutdown` resolves, then reports NOT_SERVING and drains the
    /// calls in flight for at most `drain_timeout`: clients that keep idle connections open do
    /// not hold the process up.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
        drain_timeout: std::time::Duration,
    ) -> Result<(), tonic::transport::Error> {
        let (reporter, health_service) = tonic_health::server::health_reporter();
        // NOT_SERVING until the first check passes: the reporter starts out SERVING, and a
        // client that asks in between must not be told the dependencies are ready.
        reporter
            .set_service_status("", ServingStatus::NotServing)
            .await;
        for service in &self.services {
            reporter
                .set_service_status(service, ServingStatus::NotServing)
                .await;
        }
        health::watch(reporter.clone(), self.services.clone(), self.checks);
        // The probes' port shares the reporter, so it turns NOT_SERVING with the API's. It ends
        // with this function.
        let _health_only = self.health_listener.map(|listener| {
            let serving = Server::builder()
                .add_service(health_service.clone())
                .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener));
            AbortOnDrop(tokio::spawn(serving))
        });

        let descriptors = || {
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(hl_proto::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
                // The error details (google.rpc.ErrorInfo, BadRequest, RetryInfo), so reflection
                // clients such as grpcurl print them as JSON rather than bytes.
                .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        };
        let reflection_v1 = descriptors()
            .build_v1()
            .expect("the descriptor sets are valid");
        let reflection_v1alpha = descriptors()
            .build_v1alpha()
            .expect("the descriptor sets are valid");

        let services = self.services;
        let (draining, drain_started) = tokio::sync::oneshot::channel::<()>();
        let drain = async move {
            shutdown.await;
            let _ = draining.send(());
            reporter
                .set_service_status("", ServingStatus::NotServing)
                .await;
            for service in &services {
                reporter
                    .set_service_status(service, ServingStatus::NotServing)
                    .await;
            }
        };

        let limits = self.limits;
        let mut builder = Server::builder()
            .max_concurrent_streams(Some(limits.max_streams_per_connection))
            .http2_keepalive_interval(Some(limits.keepalive))
            .http2_keepalive_timeout(Some(limits.keepalive))
            .tcp_keepalive(Some(limits.keepalive));
        if let Some(tls) = self.tls {
            // tonic builds its rustls config from the process's crypto provider: ring, as the
            // rest of the suite.
            let _ = async_nats::rustls::crypto::ring::default_provider().install_default();
            builder = builder.tls_config(tls)?;
        }
        let serving = builder
            // gRPC-Web on the same port, over HTTP/1.1 or HTTP/2, so that a browser can call
            // the API; it is outermost so that refusals of the layers below reach a browser in
            // gRPC-Web's form too.
            .accept_http1(true)
            // CORS outermost: a browser's preflight carries no token, and is answered here.
            .layer(cross_origin(&self.browser_origins))
            .layer(tonic_web::GrpcWebLayer::new())
            .layer(RpcLayer::new(self.access, Admission::new(limits)))
            .add_routes(self.routes.routes())
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            // Without TCP_NODELAY a small response waits for the client's delayed ACK: every
            // call would take about 40 ms however fast the command itself is.
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
                drain,
            );
        tokio::select! {
            result = serving => result,
            () = async {
                if drain_started.await.is_ok() {
                    tokio::time::sleep(drain_timeout).await;
                } else {
                    std::future::pending::<()>().await;
                }
            } => {
                tracing::warn!(seconds = drain_timeout.as_secs_f64(), "connections still open after the drain period; closing them");
                Ok(())
            }
        }
    }
}

/// Stops a background task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What a browser page of another origin may do: call with gRPC-Web, send a token, and read
/// the gRPC status of the answer. Only the configured origins; none when there are none.
fn cross_origin(origins: &[String]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origins: Vec<http::HeaderValue> = origins
        .iter()
        .filter_map(|origin| http::HeaderValue::from_str(origin).ok())
        .collect();
    let header = http::HeaderName::from_static;
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([http::Method::POST])
        .allow_headers([
            header("content-type"),
            header("authorization"),
            header("x-grpc-web"),
            header("x-user-agent"),
            header("grpc-timeout"),
        ])
        .expose_headers([
            header("grpc-status"),
            header("grpc-message"),
            header("grpc-status-details-bin"),
        ])
        .max_age(std::time::Duration::from_secs(24 * 60 * 60))
}

/// Binds a listener; port 0 picks a free one.
pub async fn bind(address: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(address).await
}

/// Binds the health-only port when one is configured (HL_HEALTH_ADDR).
pub async fn bind_health(
    server: &crate::config::ServerArgs,
) -> anyhow::Result<Option<TcpListener>> {
    let Some(address) = server.health_addr else {
        return Ok(None);
    };
    let listener = bind(address).await.map_err(|error| {
        anyhow::anyhow!("cannot listen for health on {address} (HL_HEALTH_ADDR): {error}")
    })?;
    tracing::info!(address = %listener.local_addr()?, "health (plaintext) listening");
    Ok(Some(listener))
}
