//! Overload: the server runs at most its limit of calls; one more is refused at once with
//! RESOURCE_EXHAUSTED and a retry hint while health still answers, a place frees when its call
//! is answered, and a call that runs past the request timeout is answered DEADLINE_EXCEEDED and
//! frees its place too. The calls go through the production layer to a service whose calls
//! finish only when the test lets them.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hl_runtime::admission::{Admission, Limits, RETRY_AFTER};
use hl_runtime::rpc_layer::RpcLayer;
use tokio::sync::Semaphore;
use tonic::Code;
use tonic::body::Body;
use tonic::codegen::http;
use tonic_types::StatusExt;
use tower_layer::Layer;
use tower_service::Service;

const READ: &str = "/hazard_ledger.hazards.v1.HazardsService/GetHazard";
const HEALTH: &str = "/grpc.health.v1.Health/Check";

/// Answers health at once and every other call once the gate lets one through.
#[derive(Clone)]
struct Gated(Arc<Semaphore>);

impl Service<http::Request<Body>> for Gated {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let gate = self.0.clone();
        let health = request.uri().path() == HEALTH;
        Box::pin(async move {
            if !health {
                gate.acquire().await.expect("the gate stays open").forget();
            }
            Ok(http::Response::new(Body::default()))
        })
    }
}

fn request(path: &str) -> http::Request<Body> {
    let mut request = http::Request::new(Body::default());
    *request.uri_mut() = path.parse().unwrap();
    let token = hl_testkit::actors::token(&hl_testkit::actors::inspector());
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// The status a response carries in its headers; OK when it carries none.
fn status(response: &http::Response<Body>) -> tonic::Status {
    tonic::Status::from_header_map(response.headers()).unwrap_or_else(|| tonic::Status::ok(""))
}

#[tokio::test]
async fn calls_beyond_the_limit_are_refused_with_a_retry_hint_and_a_timed_out_call_frees_its_place()
{
    let gate = Arc::new(Semaphore::new(0));
    let limits = Limits {
        max_in_flight: 1,
        request_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let mut server = RpcLayer::new(hl_testkit::access_control(), Admission::new(limits))
        .layer(Gated(gate.clone()));

    // The one place is taken from the moment the call is accepted.
    let first = server.call(request(READ));
    let refused = server.call(request(READ)).await.unwrap();
    let refused = status(&refused);
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert_eq!(
        refused.get_details_retry_info().unwrap().retry_delay,
        Some(RETRY_AFTER)
    );
    assert_eq!(
        refused.get_details_error_info().unwrap().reason,
        "OVERLOADED"
    );
    let health = server.call(request(HEALTH)).await.unwrap();
    assert_eq!(status(&health).code(), Code::Ok, "health is never refused");

    // Answered, the call gives its place back.
    gate.add_permits(1);
    assert_eq!(status(&first.await.unwrap()).code(), Code::Ok);
    gate.add_permits(1);
    let second = server.call(request(READ)).await.unwrap();
    assert_eq!(status(&second).code(), Code::Ok);

    // A call the gate never lets through runs out of time, with the advice for an unknown
    // outcome, and frees its place.
    let timed_out = server.call(request(READ)).await.unwrap();
    let timed_out = status(&timed_out);
    assert_eq!(timed_out.code(), Code::DeadlineExceeded, "{timed_out:?}");
    let info = timed_out.get_details_error_info().unwrap();
    assert_eq!(info.reason, "REQUEST_TIMEOUT");
    assert!(info.metadata["advice"].contains("same request_id"));
    gate.add_permits(1);
    let after = server.call(request(READ)).await.unwrap();
    assert_eq!(status(&after).code(), Code::Ok);
}
