//! grpc.health.v1 statuses that follow the dependencies: SERVING only while every check
//! passes (NATS connected, streams ready, database reachable …), NOT_SERVING otherwise.

use std::sync::Arc;
use std::time::Duration;

use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// A named dependency check.
#[derive(Clone)]
pub struct HealthCheck {
    pub name: &'static str,
    pub passes: Arc<dyn Fn() -> bool + Send + Sync>,
}

impl HealthCheck {
    pub fn new(name: &'static str, passes: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        HealthCheck {
            name,
            passes: Arc::new(passes),
        }
    }
}

/// Polls the checks and sets every service's status (and the server's, "") accordingly,
/// logging each change. Stops when the reporter's server is gone.
pub fn watch(reporter: HealthReporter, services: Vec<String>, checks: Vec<HealthCheck>) {
    tokio::spawn(async move {
        let mut last = Some(ServingStatus::NotServing);
        loop {
            let failing: Vec<&str> = checks
                .iter()
                .filter(|check| !(check.passes)())
                .map(|check| check.name)
                .collect();
            let status = if failing.is_empty() {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            if last != Some(status) {
                if failing.is_empty() {
                    tracing::info!("health: SERVING");
                } else {
                    tracing::warn!(failing = ?failing, "health: NOT_SERVING");
                }
                reporter.set_service_status("", status).await;
                for service in &services {
                    reporter.set_service_status(service, status).await;
                }
                last = Some(status);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
}
