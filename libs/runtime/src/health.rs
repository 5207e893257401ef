//! grpc.health.v1 statuses that follow the dependencies: a service is SERVING only while every
//! check it depends on passes (NATS connected, streams ready, database reachable …), NOT_SERVING
//! otherwise. A check of one service's own dependency (the read models of the ledger queries)
//! takes only that service down: a poisoned projection stops the queries, never the writes. The
//! server's own status ("") follows the checks every service depends on.

use std::sync::Arc;
use std::time::Duration;

use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// A named dependency check.
#[derive(Clone)]
pub struct HealthCheck {
    pub name: &'static str,
    pub passes: Arc<dyn Fn() -> bool + Send + Sync>,
    /// The services that depend on it ("package.Service"); every service when empty.
    pub only: &'static [&'static str],
}

impl HealthCheck {
    /// A dependency of every service.
    pub fn new(name: &'static str, passes: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        HealthCheck {
            name,
            passes: Arc::new(passes),
            only: &[],
        }
    }

    /// A dependency of the named services only.
    pub fn of_services(
        name: &'static str,
        only: &'static [&'static str],
        passes: impl Fn() -> bool + Send + Sync + 'static,
    ) -> Self {
        HealthCheck {
            only,
            ..HealthCheck::new(name, passes)
        }
    }

    fn concerns(&self, service: &str) -> bool {
        self.only.is_empty() || self.only.contains(&service)
    }
}

/// The status of a service ("" for the server) given the checks failing now.
fn status_of(service: &str, failing: &[&HealthCheck]) -> ServingStatus {
    let down = failing.iter().any(|check| {
        if service.is_empty() {
            check.only.is_empty()
        } else {
            check.concerns(service)
        }
    });
    if down {
        ServingStatus::NotServing
    } else {
        ServingStatus::Serving
    }
}

/// Polls the checks and sets every service's status (and the server's, "") accordingly,
/// logging each change. Stops when the reporter's server is gone.
pub fn watch(reporter: HealthReporter, services: Vec<String>, checks: Vec<HealthCheck>) {
    tokio::spawn(async move {
        let mut named = vec![String::new()];
        named.extend(services);
        let mut last: Option<Vec<ServingStatus>> = None;
        loop {
            let failing: Vec<&HealthCheck> =
                checks.iter().filter(|check| !(check.passes)()).collect();
            let statuses: Vec<ServingStatus> = named
                .iter()
                .map(|service| status_of(service, &failing))
                .collect();
            if last.as_ref() != Some(&statuses) {
                let names: Vec<&str> = failing.iter().map(|check| check.name).collect();
                if failing.is_empty() {
                    tracing::info!("health: SERVING");
                } else {
                    tracing::warn!(failing = ?names, "health: NOT_SERVING where they are needed");
                }
                for (service, status) in named.iter().zip(&statuses) {
                    reporter.set_service_status(service, *status).await;
                }
                last = Some(statuses);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_of_one_service_takes_only_that_service_down() {
        let everyone = HealthCheck::new("nats", || false);
        let ledger = HealthCheck::of_services("projections", &["ledger.Ledger"], || false);
        assert_eq!(
            status_of("hazards.Hazards", &[&ledger]),
            ServingStatus::Serving
        );
        assert_eq!(status_of("", &[&ledger]), ServingStatus::Serving);
        assert_eq!(
            status_of("ledger.Ledger", &[&ledger]),
            ServingStatus::NotServing
        );
        for service in ["", "hazards.Hazards", "ledger.Ledger"] {
            assert_eq!(status_of(service, &[&everyone]), ServingStatus::NotServing);
            assert_eq!(status_of(service, &[]), ServingStatus::Serving);
        }
    }
}
