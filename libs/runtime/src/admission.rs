//! What one server takes on at once. At most `max_in_flight` calls run together; a call beyond
//! that is refused at once with RESOURCE_EXHAUSTED and a retry hint (RetryInfo) instead of
//! waiting in a queue, where under overload it would only add its wait to every call behind it.
//! Each admitted call may run for `request_timeout` (an import of a whole file for an hour), then
//! it is answered DEADLINE_EXCEEDED.
//! Health and reflection are never refused: an overloaded server is busy, not dead, and its
//! orchestrator must still see it so.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{ErrorCode, ServiceError};

/// How long a refused caller is advised to wait before retrying.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Calls that take a whole file and may run for minutes: they get at least
/// [`LONG_RUNNING_TIMEOUT`] instead of the request timeout.
const LONG_RUNNING: &[&str] = &[
    "hazard_ledger.hazards.v1.HazardsService/ImportPastLedger",
    "hazard_ledger.responsibility.v1.RegistryService/ImportEnterprises",
];
pub const LONG_RUNNING_TIMEOUT: Duration = Duration::from_secs(3600);

/// A server's limits (see `ServerArgs` for their settings).
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Calls running at once, over every connection.
    pub max_in_flight: usize,
    /// The longest one call may run.
    pub request_timeout: Duration,
    /// HTTP/2 streams one connection may have open at once.
    pub max_streams_per_connection: u32,
    /// Idle connections are pinged this often (HTTP/2 keepalive) and dropped when a ping goes
    /// unanswered for as long.
    pub keepalive: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_in_flight: 256,
            request_timeout: Duration::from_secs(30),
            max_streams_per_connection: 100,
            keepalive: Duration::from_secs(60),
        }
    }
}

/// Admits calls within the limits.
#[derive(Clone, Debug)]
pub struct Admission {
    permits: Arc<Semaphore>,
    limits: Limits,
    /// The refusal, built once: under overload most calls get it.
    refusal: tonic::Status,
}

impl Admission {
    pub fn new(limits: Limits) -> Admission {
        let refusal = ServiceError::new(
            ErrorCode::ResourceExhausted,
            format!(
                "the server is running its limit of {} calls; retry shortly",
                limits.max_in_flight
            ),
        )
        .with_retry_after(RETRY_AFTER);
        Admission {
            permits: Arc::new(Semaphore::new(limits.max_in_flight.max(1))),
            limits,
            refusal: refusal.into(),
        }
    }

    /// A place for a call to `method`, held until it is answered; None for the calls never
    /// refused. RESOURCE_EXHAUSTED when every place is taken.
    pub fn admit(&self, method: &str) -> Result<Option<OwnedSemaphorePermit>, tonic::Status> {
        if never_refused(method) {
            return Ok(None);
        }
        self.permits
            .clone()
            .try_acquire_owned()
            .map(Some)
            .map_err(|_| self.refusal.clone())
    }

    /// How long a call to `method` may run.
    pub fn request_timeout(&self, method: &str) -> Duration {
        if LONG_RUNNING.contains(&method) {
            self.limits.request_timeout.max(LONG_RUNNING_TIMEOUT)
        } else {
            self.limits.request_timeout
        }
    }
}

/// The answer to a call that ran out of time. A command may have been recorded in that time,
/// so the advice is the one for an unknown outcome.
pub fn timed_out(timeout: Duration) -> ServiceError {
    ServiceError::new(
        ErrorCode::DeadlineExceeded,
        format!(
            "the call ran longer than the server's {} s",
            timeout.as_secs_f64()
        ),
    )
    .with_metadata(
        "advice",
        "a command may have been recorded; retry with the same request_id, which records it \
         at most once and returns its result",
    )
}

fn never_refused(method: &str) -> bool {
    method.starts_with("grpc.health.v1.Health/") || method.starts_with("grpc.reflection.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::StatusExt;

    #[test]
    fn a_call_beyond_the_limit_is_refused_with_a_retry_hint_and_a_freed_place_is_taken_again() {
        let admission = Admission::new(Limits {
            max_in_flight: 1,
            ..Limits::default()
        });
        let method = "hazard_ledger.hazards.v1.HazardsService/ReportHazard";
        let place = admission.admit(method).expect("room for one");
        let refused = admission.admit(method).expect_err("no room for two");
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
        assert_eq!(
            refused
                .get_details_retry_info()
                .and_then(|info| info.retry_delay),
            Some(RETRY_AFTER)
        );
        assert!(admission.admit("grpc.health.v1.Health/Check").is_ok());
        drop(place);
        assert!(admission.admit(method).is_ok());
    }

    #[test]
    fn an_import_of_a_whole_file_may_run_for_an_hour_and_other_calls_for_the_request_timeout() {
        let admission = Admission::new(Limits::default());
        assert_eq!(
            admission.request_timeout("hazard_ledger.hazards.v1.HazardsService/ImportPastLedger"),
            LONG_RUNNING_TIMEOUT
        );
        assert_eq!(
            admission.request_timeout("hazard_ledger.hazards.v1.HazardsService/GetHazard"),
            Limits::default().request_timeout
        );
    }
}
