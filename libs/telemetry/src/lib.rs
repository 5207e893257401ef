//! Telemetry for every Hazard Ledger process: `tracing` spans and events, written as human or
//! JSON logs, and exported as OpenTelemetry traces over OTLP/gRPC when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Without an endpoint there is no exporter and no noise,
//! but spans still carry trace ids, so the W3C trace context still travels with every command.

mod json_log;
pub mod metrics;

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How logs are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
}

/// Telemetry settings, shared by every binary's configuration.
#[derive(Clone, Debug, clap::Args)]
pub struct TelemetryArgs {
    /// Log format: human or json.
    #[arg(long, env = "HL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,

    /// Log filter in tracing's EnvFilter syntax, e.g. "info" or "info,hl_eventstore=debug".
    #[arg(long, env = "HL_LOG", default_value = "info")]
    pub log_filter: String,

    /// OTLP/gRPC endpoint to export traces to, e.g. http://127.0.0.1:4317. No export when unset.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,

    /// The service.name resource attribute of exported traces.
    #[arg(long, env = "OTEL_SERVICE_NAME", default_value = "hazard-ledger")]
    pub service_name: String,

    /// Address of the Prometheus metrics endpoint (GET /metrics); "off" for none.
    #[arg(long, env = "HL_METRICS_ADDR", default_value = "127.0.0.1:9464")]
    pub metrics_addr: String,
}

impl TelemetryArgs {
    /// The metrics address, or None when switched off; Err names a bad value.
    pub fn metrics_address(&self) -> Result<Option<std::net::SocketAddr>, String> {
        if self.metrics_addr.eq_ignore_ascii_case("off") || self.metrics_addr.is_empty() {
            return Ok(None);
        }
        self.metrics_addr.parse().map(Some).map_err(|_| {
            format!(
                "HL_METRICS_ADDR must be HOST:PORT or off, got {:?}",
                self.metrics_addr
            )
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("invalid log filter {filter:?}: {reason}")]
    Filter { filter: String, reason: String },
    #[error("cannot build the OTLP exporter for {endpoint}: {reason}")]
    Exporter { endpoint: String, reason: String },
    #[error("a tracing subscriber is already installed")]
    AlreadyInstalled,
}

/// Keeps the tracer provider alive; `shutdown` flushes what is left to export.
pub struct Telemetry {
    provider: SdkTracerProvider,
    exporting: bool,
}

impl Telemetry {
    /// Flushes pending spans, waiting at most `timeout` (an unreachable collector must not hold
    /// up shutdown).
    pub fn shutdown(self, timeout: Duration) {
        if self.exporting
            && let Err(error) = self.provider.shutdown_with_timeout(timeout)
        {
            tracing::warn!(%error, "trace export did not finish before shutdown");
        }
    }
}

/// Installs the global subscriber and trace propagator.
pub fn init(args: &TelemetryArgs) -> Result<Telemetry, TelemetryError> {
    let filter = EnvFilter::try_new(&args.log_filter).map_err(|error| TelemetryError::Filter {
        filter: args.log_filter.clone(),
        reason: error.to_string(),
    })?;
    let (provider, exporting) = tracer_provider(args)?;
    let tracer = provider.tracer("hazard-ledger");
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    opentelemetry::global::set_tracer_provider(provider.clone());

    // The log filter applies to logs only: spans at INFO and above always reach OpenTelemetry,
    // so trace context is written into every command's messages however quiet the logs are.
    let otel_layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(LevelFilter::INFO);
    let registry = tracing_subscriber::registry().with(otel_layer);
    // Logs go to standard error, leaving standard output to what a binary prints for people.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let installed = match args.log_format {
        LogFormat::Human => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_target(true)
                    .with_ansi(colour)
                    .with_writer(std::io::stderr)
                    .with_filter(filter),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .event_format(json_log::JsonWithTrace)
                    .with_filter(filter),
            )
            .try_init(),
    };
    installed.map_err(|_| TelemetryError::AlreadyInstalled)?;
    Ok(Telemetry {
        provider,
        exporting,
    })
}

fn tracer_provider(args: &TelemetryArgs) -> Result<(SdkTracerProvider, bool), TelemetryError> {
    let resource = Resource::builder()
        .with_service_name(args.service_name.clone())
        .build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    let Some(endpoint) = args
        .otlp_endpoint
        .as_deref()
        .filter(|value| !value.is_empty())
    else {
        return Ok((builder.build(), false));
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .with_timeout(Duration::from_secs(3))
        .build()
        .map_err(|error| TelemetryError::Exporter {
            endpoint: endpoint.to_string(),
            reason: error.to_string(),
        })?;
    Ok((builder.with_batch_exporter(exporter).build(), true))
}
