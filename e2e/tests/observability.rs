//! What operations teams rely on, checked against the real binary: one trace per command from
//! the gRPC call through the append to the projection (exported over OTLP to a receiver in this
//! test), the metrics read back from /metrics, and JSON log lines that name their trace.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hl_e2e::{Suite, http_get};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_proto::responsibility::v1::registry_service_client::RegistryServiceClient;
use hl_proto::responsibility::v1::{
    AdminArea, AdminAreaLevel, CreateAdminAreaRequest, Enterprise, Industry,
    RegisterEnterpriseRequest,
};
use hl_testkit::actors::{by_administrator, by_inspector};
use hl_testkit::{NatsServer, unique_namespace, wait_until};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AttributeValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use tonic::transport::Channel;

const ENTERPRISE: &str = "91330903MA2NCU4LYE";
/// The trace context the test's own "caller" sends.
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID: &str = "00f067aa0ba902b7";

/// A minimal OTLP collector: keeps every span it is sent.
#[derive(Clone, Default)]
struct Receiver {
    spans: Arc<Mutex<Vec<Span>>>,
}

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut spans = self.spans.lock().unwrap();
        for resource in request.into_inner().resource_spans {
            for scope in resource.scope_spans {
                spans.extend(scope.spans);
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

async fn start_receiver() -> (Receiver, String) {
    let receiver = Receiver::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = TraceServiceServer::new(receiver.clone());
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    (receiver, format!("http://{address}"))
}

async fn register(channel: &Channel, prefix: &str) {
    let mut registry = RegistryServiceClient::new(channel.clone());
    for (code, level, parent) in [
        ("330903", AdminAreaLevel::District, ""),
        ("330903001", AdminAreaLevel::Township, "330903"),
    ] {
        let area = AdminArea {
            code: code.into(),
            display_name: code.into(),
            level: level as i32,
            parent_code: parent.into(),
            ..Default::default()
        };
        registry
            .create_admin_area(by_administrator(CreateAdminAreaRequest {
                request_id: format!("{prefix}-area-{code}"),
                area: Some(area),
                ..Default::default()
            }))
            .await
            .unwrap();
    }
    let enterprise = Enterprise {
        enterprise_id: ENTERPRISE.into(),
        display_name: "冷链公司".into(),
        township_code: "330903001".into(),
        industries: vec![Industry::AmmoniaRefrigeration as i32],
        ..Default::default()
    };
    registry
        .register_enterprise(by_administrator(RegisterEnterpriseRequest {
            request_id: format!("{prefix}-enterprise"),
            enterprise: Some(enterprise),
            effective_from: None,
            activate: true,
            ..Default::default()
        }))
        .await
        .unwrap();
}

fn report(request_id: &str, hazard_id: &str) -> pb::ReportHazardRequest {
    pb::ReportHazardRequest {
        request_id: request_id.into(),
        hazard_id: hazard_id.into(),
        enterprise_id: ENTERPRISE.into(),
        provenance: pb::Provenance::GovernmentInspection as i32,
        source_type: pb::SourceType::Routine as i32,
        category: pb::HazardCategory::FireSafety as i32,
        location: "仓库".into(),
        description: "消防通道堵塞".into(),
        ..Default::default()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|attribute| attribute.key == key)
        .and_then(
            |attribute| match attribute.value.as_ref()?.value.as_ref()? {
                AttributeValue::StringValue(text) => Some(text.clone()),
                other => Some(format!("{other:?}")),
            },
        )
}

async fn wait_until_projected(channel: &Channel, hazard_id: &str) {
    let channel = channel.clone();
    let hazard_id = hazard_id.to_string();
    wait_until(
        "the hazard to reach the read model",
        Duration::from_secs(30),
        || {
            let mut ledger = LedgerServiceClient::new(channel.clone());
            let hazard_id = hazard_id.clone();
            async move {
                let hazards = ledger
                    .list_hazards(by_inspector(ledger::ListHazardsRequest::default()))
                    .await
                    .ok()?
                    .into_inner()
                    .hazards;
                hazards
                    .iter()
                    .any(|hazard| hazard.hazard_id == hazard_id)
                    .then_some(())
            }
        },
    )
    .await;
}

#[tokio::test]
async fn one_trace_follows_a_command_from_the_call_through_the_append_to_the_projection() {
    let (receiver, endpoint) = start_receiver().await;
    let nats = NatsServer::start().await;
    let data = tempfile::tempdir().unwrap();
    let suite = Suite::start(&[
        ("NATS_URL", nats.url()),
        ("HL_NAMESPACE", unique_namespace()),
        ("HL_SEED_DEMO", "false".into()),
        ("HL_DATA_DIR", data.path().display().to_string()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_SERVICE_NAME", "hazard-ledger-e2e".into()),
    ])
    .await;
    let channel = suite.channel().await;
    register(&channel, "trace").await;

    let mut request = by_inspector(report("trace-report", "traced"));
    request.metadata_mut().insert(
        "traceparent",
        format!("00-{TRACE_ID}-{CALLER_SPAN_ID}-01")
            .parse()
            .unwrap(),
    );
    HazardsServiceClient::new(channel.clone())
        .report_hazard(request)
        .await
        .unwrap();
    wait_until_projected(&channel, "traced").await;
    // Stopping flushes the spans still queued for export.
    assert_eq!(suite.stop().await, Some(0));

    let spans: Vec<Span> = receiver
        .spans
        .lock()
        .unwrap()
        .iter()
        .filter(|span| hex(&span.trace_id) == TRACE_ID)
        .cloned()
        .collect();
    let names: Vec<(&str, i32)> = spans
        .iter()
        .map(|span| (span.name.as_str(), span.kind))
        .collect();
    let server = spans
        .iter()
        .find(|span| span.kind == SpanKind::Server as i32)
        .unwrap_or_else(|| panic!("no server span in the caller's trace: {names:?}"));
    assert_eq!(
        server.name,
        "hazard_ledger.hazards.v1.HazardsService/ReportHazard"
    );
    assert_eq!(
        hex(&server.parent_span_id),
        CALLER_SPAN_ID,
        "the server span continues the caller's trace"
    );
    assert_eq!(
        attribute(server, "rpc.system.name").as_deref(),
        Some("grpc")
    );
    assert_eq!(
        attribute(server, "rpc.response.status_code").as_deref(),
        Some("OK")
    );

    let producer = spans
        .iter()
        .find(|span| span.kind == SpanKind::Producer as i32)
        .unwrap_or_else(|| panic!("no producer span: {names:?}"));
    assert_eq!(
        attribute(producer, "messaging.system").as_deref(),
        Some("nats")
    );
    assert!(
        attribute(producer, "messaging.destination.name")
            .unwrap()
            .ends_with(".hazards.hazard.traced")
    );
    // The producer descends from the server span.
    let mut ancestor = producer.parent_span_id.clone();
    let mut reached_server = false;
    while let Some(parent) = spans.iter().find(|span| span.span_id == ancestor) {
        if parent.span_id == server.span_id {
            reached_server = true;
            break;
        }
        ancestor = parent.parent_span_id.clone();
    }
    assert!(reached_server, "the append is part of the call: {names:?}");

    let consumer = spans
        .iter()
        .find(|span| span.kind == SpanKind::Consumer as i32)
        .unwrap_or_else(|| panic!("no consumer span: {names:?}"));
    assert_eq!(
        consumer.parent_span_id, producer.span_id,
        "the projection applies the commit the producer sent"
    );
    assert_eq!(
        attribute(consumer, "messaging.system").as_deref(),
        Some("nats")
    );
}

#[tokio::test]
async fn metrics_count_calls_appends_conflicts_retries_deduplication_lag_and_poison() {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    let (first_data, second_data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let environment = |data: &tempfile::TempDir| {
        vec![
            ("NATS_URL", nats.url()),
            ("HL_NAMESPACE", namespace.clone()),
            ("HL_SEED_DEMO", "false".to_string()),
            ("HL_DATA_DIR", data.path().display().to_string()),
        ]
    };
    let first = Suite::start(&environment(&first_data)).await;
    let second = Suite::start(&environment(&second_data)).await;
    let (first_channel, second_channel) = (first.channel().await, second.channel().await);
    register(&first_channel, "metrics").await;
    let mut first_client = HazardsServiceClient::new(first_channel.clone());
    let mut second_client = HazardsServiceClient::new(second_channel.clone());

    first_client
        .report_hazard(by_inspector(report("m-1", "contested")))
        .await
        .unwrap();
    // The second suite caches the hazard; the first moves it on; the second's next command
    // meets a stale expected sequence, reloads and decides again.
    second_client
        .get_hazard(by_inspector(pb::GetHazardRequest {
            name: "hazards/contested".into(),
            as_of: None,
        }))
        .await
        .unwrap();
    let grade = |request_id: &str, level: pb::HazardLevel| pb::GradeHazardRequest {
        request_id: request_id.into(),
        name: "hazards/contested".into(),
        level: level as i32,
        criterion: "c".into(),
        reason: "re-examined on site".into(),
        ..Default::default()
    };
    first_client
        .grade_hazard(by_inspector(grade("m-2", pb::HazardLevel::General)))
        .await
        .unwrap();
    second_client
        .grade_hazard(by_inspector(grade("m-3", pb::HazardLevel::Major)))
        .await
        .unwrap();
    // A retry of the same request is answered from history.
    let retried = second_client
        .grade_hazard(by_inspector(grade("m-3", pb::HazardLevel::Major)))
        .await
        .unwrap()
        .into_inner();
    assert!(retried.commit.unwrap().replayed);
    let refused = second_client
        .report_hazard(by_inspector(pb::ReportHazardRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    wait_until_projected(&second_channel, "contested").await;

    let metrics_address = second.metrics_address.clone().expect("a metrics endpoint");
    let text = http_get(&metrics_address, "/metrics").await;
    let value = |needle: &str| -> f64 {
        text.lines()
            .find(|line| line.starts_with(needle))
            .and_then(|line| line.rsplit(' ').next())
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no {needle} in\n{text}"))
    };
    assert!(value("hl_append_conflicts_total{context=\"hazards\"}") >= 1.0);
    assert!(value("hl_command_retries_total{context=\"hazards\"}") >= 1.0);
    assert!(value("hl_requests_deduplicated_total{context=\"hazards\"}") >= 1.0);
    assert!(value("hl_append_duration_seconds_count{context=\"hazards\"}") >= 1.0);
    assert!(
        value(
            "hl_rpc_server_duration_seconds_count{method=\"hazard_ledger.hazards.v1.HazardsService/GradeHazard\",code=\"OK\"}"
        ) >= 2.0
    );
    assert_eq!(
        value(
            "hl_rpc_server_duration_seconds_count{method=\"hazard_ledger.hazards.v1.HazardsService/ReportHazard\",code=\"INVALID_ARGUMENT\"}"
        ),
        1.0
    );
    let hazards_stream = format!("{}_HAZARDS", namespace.to_uppercase());
    // The hazard reaches the read model with its first event; the grades follow.
    wait_until(
        "the projector to count the hazard's three events",
        Duration::from_secs(10),
        || {
            let metrics_address = metrics_address.clone();
            let needle =
                format!("hl_projection_events_applied_total{{stream=\"{hazards_stream}\"}} ");
            async move {
                let text = http_get(&metrics_address, "/metrics").await;
                let applied: f64 = text
                    .lines()
                    .find_map(|line| line.strip_prefix(&needle))?
                    .trim()
                    .parse()
                    .ok()?;
                (applied >= 3.0).then_some(())
            }
        },
    )
    .await;
    wait_until(
        "the lag gauge to settle at zero",
        Duration::from_secs(10),
        || {
            let metrics_address = metrics_address.clone();
            let needle = format!("hl_projection_lag_events{{stream=\"{hazards_stream}\"}} 0");
            async move {
                http_get(&metrics_address, "/metrics")
                    .await
                    .contains(&needle)
                    .then_some(())
            }
        },
    )
    .await;

    // A message that cannot be applied stops the projectors, and the metric says so.
    let client = async_nats::connect(nats.url()).await.unwrap();
    let jetstream = async_nats::jetstream::new(client);
    jetstream
        .publish(
            format!("{namespace}.330903.hazards.hazard.poison"),
            "not a commit".into(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    let needle = format!("hl_projection_poison_stops_total{{stream=\"{hazards_stream}\"}} 1");
    wait_until(
        "the poison stop to show in the metrics",
        Duration::from_secs(20),
        || {
            let metrics_address = metrics_address.clone();
            let needle = needle.clone();
            async move {
                http_get(&metrics_address, "/metrics")
                    .await
                    .contains(&needle)
                    .then_some(())
            }
        },
    )
    .await;
    // The poison takes the ledger queries down, not the writes.
    let health = tonic_health::pb::health_client::HealthClient::new(first_channel.clone());
    let status_of = |service: &'static str| {
        let mut health = health.clone();
        async move {
            health
                .check(tonic_health::pb::HealthCheckRequest {
                    service: service.into(),
                })
                .await
                .unwrap()
                .into_inner()
                .status()
        }
    };
    use tonic_health::pb::health_check_response::ServingStatus;
    wait_until(
        "the ledger queries to report NOT_SERVING",
        Duration::from_secs(20),
        || async {
            (status_of("hazard_ledger.ledger.v1.LedgerService").await == ServingStatus::NotServing)
                .then_some(())
        },
    )
    .await;
    for service in ["", "hazard_ledger.hazards.v1.HazardsService"] {
        assert_eq!(
            status_of(service).await,
            ServingStatus::Serving,
            "{service:?}"
        );
    }
    // A read that must hold everything recorded (an evaluation's totals on publication) is
    // refused while a projection is stopped, rather than answered short.
    let refused = LedgerServiceClient::new(first_channel.clone())
        .get_evaluation_table(by_inspector(ledger::GetEvaluationTableRequest {
            name: "evaluations/any".into(),
            consistent: true,
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unavailable, "{refused:?}");
    assert_eq!(
        tonic_types::StatusExt::get_details_error_info(&refused)
            .unwrap()
            .reason,
        "PROJECTION_STOPPED"
    );
    first_client
        .report_hazard(by_inspector(report("m-after-poison", "written")))
        .await
        .expect("writes go on past a poisoned projection");
    first.stop().await;
    second.stop().await;
}

#[tokio::test]
async fn json_log_lines_carry_the_trace_and_span_of_the_call() {
    let nats = NatsServer::start().await;
    let data = tempfile::tempdir().unwrap();
    let mut suite = Suite::start_capturing_logs(&[
        ("NATS_URL", nats.url()),
        ("HL_NAMESPACE", unique_namespace()),
        ("HL_SEED_DEMO", "false".into()),
        ("HL_DATA_DIR", data.path().display().to_string()),
        ("HL_LOG_FORMAT", "json".into()),
        ("HL_LOG", "warn,hl_access=debug".into()),
    ])
    .await;
    let channel = suite.channel().await;
    let mut request = by_inspector(pb::GetHazardRequest {
        name: "hazards/none".into(),
        as_of: None,
    });
    request.metadata_mut().insert(
        "traceparent",
        format!("00-{TRACE_ID}-{CALLER_SPAN_ID}-01")
            .parse()
            .unwrap(),
    );
    let missing = HazardsServiceClient::new(channel)
        .get_hazard(request)
        .await
        .unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);

    let logs = suite.logs.as_mut().expect("captured logs");
    let line = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(line) = logs.recv().await {
            if line.contains("HazardsService/GetHazard") {
                return line;
            }
        }
        panic!("the suite exited before logging the call");
    })
    .await
    .expect("an access log line for the call");
    let entry: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
    assert_eq!(entry["trace_id"], TRACE_ID, "{line}");
    assert_eq!(entry["span_id"].as_str().map(str::len), Some(16), "{line}");
    assert_ne!(
        entry["span_id"], CALLER_SPAN_ID,
        "the call's own span: {line}"
    );
    assert_eq!(entry["code"], "NOT_FOUND", "{line}");
    suite.stop().await;
}
