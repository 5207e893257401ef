//! Around every gRPC call: a server span that follows the OpenTelemetry RPC conventions and
//! continues the caller's W3C trace context, whether the server has room for it ([`Admission`]),
//! who is calling and whether they may ([`AccessControl`]), the server's time limit, and the
//! call's duration recorded by method and status code. A call refused for want of room gets
//! only the count: no span, no access-log line.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use std::sync::Arc;

use hl_telemetry::metrics::{RpcLabels, metrics};
use tonic::codegen::http;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::access::AccessControl;
use crate::admission::{Admission, timed_out};

#[derive(Clone)]
pub struct RpcLayer {
    access: Arc<AccessControl>,
    admission: Admission,
}

impl RpcLayer {
    pub fn new(access: Arc<AccessControl>, admission: Admission) -> RpcLayer {
        RpcLayer { access, admission }
    }
}

impl<S> tower_layer::Layer<S> for RpcLayer {
    type Service = RpcService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RpcService {
            inner,
            access: self.access.clone(),
            admission: self.admission.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RpcService<S> {
    inner: S,
    access: Arc<AccessControl>,
    admission: Admission,
}

impl<S, RequestBody, ResponseBody> tower_service::Service<http::Request<RequestBody>>
    for RpcService<S>
where
    S: tower_service::Service<http::Request<RequestBody>, Response = http::Response<ResponseBody>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResponseBody: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut request: http::Request<RequestBody>) -> Self::Future {
        // Room first, before anything else is spent on the call: under overload the refused
        // calls are most of them, and each one's cost comes out of the admitted calls' share of
        // the processor. A refusal is counted, not traced.
        let path = request.uri().path().trim_start_matches('/');
        let place = match self.admission.admit(path) {
            Ok(place) => place,
            Err(refusal) => {
                record_duration(path, tonic::Code::ResourceExhausted, 0.0);
                return Box::pin(std::future::ready(Ok(refusal.into_http::<ResponseBody>())));
            }
        };
        let method = request.uri().path().trim_start_matches('/').to_string();
        let span = tracing::info_span!(
            "grpc",
            otel.name = method.as_str(),
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            rpc.system.name = "grpc",
            rpc.method = method.as_str(),
            rpc.response.status_code = tracing::field::Empty,
        );
        let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
            propagator.extract(&HttpHeaders(request.headers()))
        });
        let _ = span.set_parent(parent);
        let started = Instant::now();
        // Then the caller's credentials.
        let admitted = span.in_scope(|| self.access.admit(&method, &request));
        let response: Self::Future = match admitted {
            Ok(actor) => {
                if let Some(actor) = actor {
                    request.extensions_mut().insert(actor);
                }
                let call = self.inner.call(request);
                let timeout = self.admission.request_timeout(&method);
                Box::pin(async move {
                    let _place = place;
                    match tokio::time::timeout(timeout, call).await {
                        Ok(response) => response,
                        Err(_) => {
                            Ok(tonic::Status::from(timed_out(timeout)).into_http::<ResponseBody>())
                        }
                    }
                })
            }
            Err(refusal) => {
                let response = tonic::Status::from(refusal).into_http::<ResponseBody>();
                Box::pin(std::future::ready(Ok(response)))
            }
        };
        let recorded = span.clone();
        Box::pin(
            async move {
                let response = response.await?;
                // A failed unary call answers with its status in the headers ("trailers-only");
                // a successful one carries grpc-status 0 in the trailers.
                let code = response
                    .headers()
                    .get("grpc-status")
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.parse::<i32>().ok())
                    .map(tonic::Code::from)
                    .unwrap_or(tonic::Code::Ok);
                let name = code_name(code);
                recorded.record("rpc.response.status_code", name);
                if is_server_error(code) {
                    recorded.record("otel.status_code", "ERROR");
                }
                let seconds = started.elapsed().as_secs_f64();
                // An access log line, off unless HL_LOG enables the hl_access target.
                tracing::debug!(target: "hl_access", method = method.as_str(), code = name, milliseconds = seconds * 1000.0, "served");
                record_duration(&method, code, seconds);
                Ok(response)
            }
            .instrument(span),
        )
    }
}

/// A call's duration, by method (a method the server does not serve counts as "unknown", so
/// that made-up paths create no series) and status code.
fn record_duration(method: &str, code: tonic::Code, seconds: f64) {
    let labels = RpcLabels {
        method: crate::policy::metric_name(method).to_string(),
        code: code_name(code).to_string(),
    };
    metrics()
        .rpc_duration
        .get_or_create(&labels)
        .observe(seconds);
}

/// Codes that mean the server failed, as opposed to the caller's request being refused.
fn is_server_error(code: tonic::Code) -> bool {
    matches!(
        code,
        tonic::Code::Unknown
            | tonic::Code::DeadlineExceeded
            | tonic::Code::Unimplemented
            | tonic::Code::Internal
            | tonic::Code::Unavailable
            | tonic::Code::DataLoss
    )
}

/// The canonical name of a status code, e.g. "FAILED_PRECONDITION".
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

struct HttpHeaders<'a>(&'a http::HeaderMap);

impl opentelemetry::propagation::Extractor for HttpHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}

/// Writes the current span's trace context into an outgoing request's metadata, so a call to
/// another service continues the trace.
pub fn inject_trace_context<T>(mut request: tonic::Request<T>) -> tonic::Request<T> {
    struct Metadata<'a>(&'a mut tonic::metadata::MetadataMap);
    impl opentelemetry::propagation::Injector for Metadata<'_> {
        fn set(&mut self, key: &str, value: String) {
            if let (Ok(key), Ok(value)) = (
                tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
                value.parse(),
            ) {
                self.0.insert(key, value);
            }
        }
    }
    let context = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut Metadata(request.metadata_mut()))
    });
    request
}
