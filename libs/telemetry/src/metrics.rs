//! The suite's metrics: one registry, exposed as Prometheus text on `GET /metrics`. Every
//! process registers the same families; a family stays empty where its part does not run.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::sync::atomic::AtomicU64;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RpcLabels {
    /// Full method, e.g. "hazard_ledger.hazards.v1.HazardsService/ReportHazard".
    pub method: String,
    /// gRPC status code name, e.g. "OK", "FAILED_PRECONDITION".
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DenialLabels {
    /// Full method, e.g. "hazard_ledger.ledger.v1.ProjectionAdminService/RebuildProjections".
    pub method: String,
    /// The caller's role ("none" when unauthenticated).
    pub role: String,
    /// Why: e.g. "UNAUTHENTICATED", "ROLE_NOT_ALLOWED".
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ContextLabels {
    pub context: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProcessLabels {
    /// The process manager, e.g. "inspection_findings".
    pub process: String,
    /// "recorded", "already_recorded" or "refused".
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StreamLabels {
    pub stream: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    /// The district's region code, e.g. "330903".
    pub region: String,
    pub context: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceFlagLabels {
    pub region: String,
    pub context: String,
    /// "stalled", "silent", "gap" or "unreachable".
    pub flag: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FeedLabels {
    /// The outbound feed, e.g. "dual-prevention/sec_hidden_danger_info".
    pub feed: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 100 µs to ~6.5 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 17))
}

/// Every metric the suite records.
pub struct Metrics {
    /// gRPC server call duration by method and status code.
    pub rpc_duration: Histograms<RpcLabels>,
    /// Calls refused before any state was read: no or bad credentials, or a role the access
    /// policy does not allow.
    pub rpc_denials: Family<DenialLabels, Counter>,
    /// From publishing a commit to JetStream's acknowledgement.
    pub append_duration: Histograms<ContextLabels>,
    /// Appends refused because the aggregate moved on (optimistic concurrency).
    pub append_conflicts: Family<ContextLabels, Counter>,
    /// Commands decided again after a conflict or an unknown outcome.
    pub command_retries: Family<ContextLabels, Counter>,
    /// Commands that ended in ABORTED after every allowed attempt.
    pub commands_aborted: Family<ContextLabels, Counter>,
    /// Requests recognised as retries: the first result returned, nothing appended.
    pub requests_deduplicated: Family<ContextLabels, Counter>,
    /// Events between a projection's checkpoint and its stream's head.
    pub projection_lag_events: Family<StreamLabels, Gauge>,
    /// Seconds since the newest applied event was recorded, while events remain.
    pub projection_lag_seconds: Family<StreamLabels, Gauge<f64, AtomicU64>>,
    pub projection_events_applied: Family<StreamLabels, Counter>,
    /// Projectors stopped by an event they cannot apply.
    pub projection_poison_stops: Family<StreamLabels, Counter>,
    /// Commands a process manager issued for another context's events, by outcome.
    pub process_commands: Family<ProcessLabels, Counter>,
    /// At a province: messages a district holds that the province lacks (absent while the
    /// district cannot be read).
    pub province_lag_events: Family<SourceLabels, Gauge>,
    /// At a province: seconds since a district's last event.
    pub province_seconds_since_last_event: Family<SourceLabels, Gauge<f64, AtomicU64>>,
    /// At a province: 1 for each flag the latest audit raised, 0 once it clears.
    pub province_flags: Family<SourceFlagLabels, Gauge>,
    /// At a province: when the latest audit round ended (Unix seconds).
    pub province_audited_at: Gauge<f64, AtomicU64>,
    /// Records an outbound feed delivered (a batch sent again counts again).
    pub outbound_records_sent: Family<FeedLabels, Counter>,
    /// Records an outbound feed holds back after its latest round (not graded, no acceptor).
    pub outbound_records_held: Family<FeedLabels, Gauge>,
    /// Penalty decisions late at the credit platform (双公示) after the latest round.
    pub outbound_records_late: Family<FeedLabels, Gauge>,
    /// Batches recorded but not acknowledged by the receiver.
    pub outbound_batches_unacknowledged: Family<FeedLabels, Gauge>,
    /// When the receiver last acknowledged a batch (Unix seconds).
    pub outbound_acknowledged_at: Family<FeedLabels, Gauge<f64, AtomicU64>>,
    registry: Registry,
}

impl Metrics {
    fn new() -> Metrics {
        let mut metrics = Metrics {
            rpc_duration: Family::new_with_constructor(latency_histogram),
            rpc_denials: Family::default(),
            append_duration: Family::new_with_constructor(latency_histogram),
            append_conflicts: Family::default(),
            command_retries: Family::default(),
            commands_aborted: Family::default(),
            requests_deduplicated: Family::default(),
            projection_lag_events: Family::default(),
            projection_lag_seconds: Family::default(),
            projection_events_applied: Family::default(),
            projection_poison_stops: Family::default(),
            process_commands: Family::default(),
            province_lag_events: Family::default(),
            province_seconds_since_last_event: Family::default(),
            province_flags: Family::default(),
            province_audited_at: Gauge::default(),
            outbound_records_sent: Family::default(),
            outbound_records_held: Family::default(),
            outbound_records_late: Family::default(),
            outbound_batches_unacknowledged: Family::default(),
            outbound_acknowledged_at: Family::default(),
            registry: Registry::with_prefix("hl"),
        };
        let registry = &mut metrics.registry;
        registry.register(
            "rpc_server_duration_seconds",
            "gRPC server call duration by method and status code",
            metrics.rpc_duration.clone(),
        );
        registry.register(
            "rpc_denials",
            "Calls refused for their credentials or by the access policy, by method, role and reason",
            metrics.rpc_denials.clone(),
        );
        registry.register(
            "append_duration_seconds",
            "Time from publishing a commit to JetStream's acknowledgement",
            metrics.append_duration.clone(),
        );
        registry.register(
            "append_conflicts",
            "Appends refused because the aggregate had moved on",
            metrics.append_conflicts.clone(),
        );
        registry.register(
            "command_retries",
            "Commands decided again after a conflict or an unknown outcome",
            metrics.command_retries.clone(),
        );
        registry.register(
            "commands_aborted",
            "Commands that ended in ABORTED after every attempt",
            metrics.commands_aborted.clone(),
        );
        registry.register(
            "requests_deduplicated",
            "Retried requests answered with their first result",
            metrics.requests_deduplicated.clone(),
        );
        registry.register(
            "projection_lag_events",
            "Events between a projection's checkpoint and the stream head",
            metrics.projection_lag_events.clone(),
        );
        registry.register(
            "projection_lag_seconds",
            "Seconds the read model trails the newest recorded event",
            metrics.projection_lag_seconds.clone(),
        );
        registry.register(
            "projection_events_applied",
            "Events applied to the read models",
            metrics.projection_events_applied.clone(),
        );
        registry.register(
            "projection_poison_stops",
            "Projectors stopped by an event they cannot apply",
            metrics.projection_poison_stops.clone(),
        );
        registry.register(
            "process_commands",
            "Commands process managers issued for other contexts' events, by outcome",
            metrics.process_commands.clone(),
        );
        registry.register(
            "province_lag_events",
            "At a province: messages a district holds that the province lacks",
            metrics.province_lag_events.clone(),
        );
        registry.register(
            "province_seconds_since_last_event",
            "At a province: seconds since a district's last event",
            metrics.province_seconds_since_last_event.clone(),
        );
        registry.register(
            "province_flags",
            "At a province: 1 for each flag the latest completeness audit raised",
            metrics.province_flags.clone(),
        );
        registry.register(
            "province_audited_at_seconds",
            "At a province: when the latest completeness audit round ended (Unix time)",
            metrics.province_audited_at.clone(),
        );
        registry.register(
            "outbound_records_sent",
            "Records an outbound feed delivered (a batch sent again counts again)",
            metrics.outbound_records_sent.clone(),
        );
        registry.register(
            "outbound_records_held",
            "Records an outbound feed holds back after its latest round",
            metrics.outbound_records_held.clone(),
        );
        registry.register(
            "outbound_records_late",
            "Penalty decisions late at the credit platform (7 working days) after the latest round",
            metrics.outbound_records_late.clone(),
        );
        registry.register(
            "outbound_batches_unacknowledged",
            "Batches of an outbound feed recorded but not acknowledged by the receiver",
            metrics.outbound_batches_unacknowledged.clone(),
        );
        registry.register(
            "outbound_acknowledged_at_seconds",
            "When the receiver last acknowledged a batch of an outbound feed (Unix time)",
            metrics.outbound_acknowledged_at.clone(),
        );
        metrics
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// Serves `GET /metrics` (Prometheus text) on a bound listener until the process ends.
pub fn serve(listener: TcpListener) {
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = service_fn(|request: Request<Incoming>| async move {
                    let response = if request.uri().path() == "/metrics" {
                        Response::builder()
                            .header(
                                "content-type",
                                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                            )
                            .body(Full::new(Bytes::from(metrics().render())))
                    } else {
                        Response::builder()
                            .status(404)
                            .body(Full::new(Bytes::from_static(b"metrics are at /metrics\n")))
                    };
                    response.map_err(std::io::Error::other)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

/// Binds the metrics address; the bound address is returned (port 0 picks one).
pub async fn bind(address: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    Ok((listener, bound))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_values_appear_in_the_exposition() {
        let labels = ContextLabels {
            context: "unit-test".into(),
        };
        metrics().append_conflicts.get_or_create(&labels).inc();
        metrics()
            .rpc_duration
            .get_or_create(&RpcLabels {
                method: "m/n".into(),
                code: "OK".into(),
            })
            .observe(0.002);
        let text = metrics().render();
        assert!(
            text.contains("hl_append_conflicts_total{context=\"unit-test\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("hl_rpc_server_duration_seconds_count{method=\"m/n\",code=\"OK\"} 1"),
            "{text}"
        );
    }
}
