//! hazard-ledger: the whole suite in one process (the embedded default of `make run`).
//!
//! telemetry → configuration → NATS (given, or started here) → services → serve → seed the
//! demo district → wait for a signal → drain → stop NATS.

mod auth;
mod config;
mod demo;
mod embedded_nats;

use std::time::Duration;

use clap::Parser;
use hl_runtime::access::{AccessControl, server_tls};
use hl_runtime::config::exit_if_invalid;
use hl_runtime::grpc::{GrpcServer, bind};
use hl_runtime::{nats, shutdown};

use config::SuiteConfig;
use embedded_nats::EmbeddedNats;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = SuiteConfig::parse();
    let telemetry = hl_telemetry::init(&config.telemetry)?;
    let mut problems = config.problems();
    let tls = server_tls(&config.auth).unwrap_or_else(|problem| {
        problems.push(problem);
        None
    });
    exit_if_invalid(problems);
    let key_path = config.signing_key_path();
    let development = auth::DevelopmentKey::load(&key_path, config.auth.expectations())?;
    hl_runtime::pagination::use_key(config.page_token_key()?);
    let access = AccessControl::from_args(&config.auth, Some(development.key.jwks()))
        .await
        .map_err(anyhow::Error::msg)?;
    // Bind first: a taken port should stop us before anything else starts.
    let listener = bind(config.server.listen_addr).await?;
    let health_listener = hl_runtime::grpc::bind_health(&config.server).await?;
    let address = listener.local_addr()?;
    let metrics_address = serve_metrics(&config).await?;

    let (embedded, nats_url) = start_nats(&config).await?;
    let (client, store) = nats::open_store(&config.store, &nats_url, "hazard-ledger")
        .await
        .map_err(anyhow::Error::msg)?;
    let serves_tls = tls.is_some();
    let mut server = GrpcServer::new(access);
    server
        .with_tls(tls)
        .with_limits(config.server.limits())
        .with_browser_origins(&config.server.browser_origins)
        .with_health_listener(health_listener);
    server.add_check(nats::connection_check(&client));
    mount_contexts(&mut server, &store, &config).await?;
    let database_url = config.projections.database_url(&config.data_dir);
    print_banner(
        &address,
        &nats_url,
        embedded.as_ref(),
        &database_url,
        metrics_address,
        server.service_names(),
    );
    let tokens = development.demo_tokens(&key_path, &config.server.region)?;
    print_tokens(&tokens, &key_path, &address);
    announce_ready(&config.data_dir, &address, metrics_address, &nats_url)?;

    let (stop_sender, stop) = tokio::sync::oneshot::channel::<()>();
    let drain_timeout = config.server.drain_timeout();
    let serving = tokio::spawn(server.serve(
        listener,
        async move {
            let _ = stop.await;
        },
        drain_timeout,
    ));
    if config.seed_demo && serves_tls {
        tracing::warn!(
            "the demo district is seeded over plaintext loopback only; not seeding with HL_TLS_CERT set"
        );
    } else if config.seed_demo {
        tokio::spawn(seed_demo(
            address,
            config.server.region.clone(),
            development,
        ));
    }

    shutdown::signal().await;
    let _ = stop_sender.send(());
    match serving.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(%error, "gRPC server failed"),
        Err(error) => tracing::error!(%error, "gRPC server task failed"),
    }
    client.drain().await.ok();
    if let Some(embedded) = embedded {
        embedded.stop().await;
    }
    telemetry.shutdown(Duration::from_secs(2));
    tracing::info!("stopped");
    Ok(())
}

/// Serves metrics when an address is configured; the address it bound, for the banner.
async fn serve_metrics(config: &SuiteConfig) -> anyhow::Result<Option<std::net::SocketAddr>> {
    let Some(wanted) = config.telemetry.metrics_address().ok().flatten() else {
        return Ok(None);
    };
    let (listener, bound) = hl_telemetry::metrics::bind(wanted).await.map_err(|error| {
        anyhow::anyhow!("cannot listen for metrics on {wanted} (set HL_METRICS_ADDR): {error}")
    })?;
    hl_telemetry::metrics::serve(listener);
    Ok(Some(bound))
}

/// The NATS server to use: the configured one, or one started here (the embedded default),
/// which is stopped after the drain.
async fn start_nats(config: &SuiteConfig) -> anyhow::Result<(Option<EmbeddedNats>, String)> {
    if let Some(url) = &config.store.nats_url {
        return Ok((None, url.clone()));
    }
    let binary = embedded_nats::find_binary(config.nats_server_bin.as_deref())
        .map_err(anyhow::Error::msg)?;
    let embedded = EmbeddedNats::start(&binary, &config.data_dir.join("nats"))
        .await
        .map_err(anyhow::Error::msg)?;
    let url = embedded.url().to_string();
    Ok((Some(embedded), url))
}

/// Every context of the suite, each on its own mount; the projections keep every context's read
/// models (see `hl_projections::registry`). A new context adds its line here.
async fn mount_contexts(
    server: &mut GrpcServer,
    store: &hl_eventstore::EventStore,
    config: &SuiteConfig,
) -> anyhow::Result<()> {
    let region = &config.server.region;
    let projections = hl_projections::mount(
        server,
        store,
        region,
        &config.projections,
        &config.data_dir,
        hl_projections::registry(),
    )
    .await?;
    // Evaluations are published with the totals the projections read from the ledgers.
    let scorer = std::sync::Arc::new(hl_projections::scoring::ProjectionScorer(projections));
    hl_responsibility::mount(server, store, region, (&config.responsibility, scorer));
    hl_hazards::mount(server, store, region);
    hl_enforcement::mount(server, store, region);
    hl_plans::mount(server, store, region);
    Ok(())
}

/// Tells tools and tests where the suite listens, in a form they need not parse from the
/// banner: one JSON line on standard output starting with `ready `, and the same JSON in
/// `ready.json` in the data folder.
fn announce_ready(
    data_dir: &std::path::Path,
    address: &std::net::SocketAddr,
    metrics_address: Option<std::net::SocketAddr>,
    nats_url: &str,
) -> anyhow::Result<()> {
    let ready = serde_json::json!({
        "grpc": address.to_string(),
        "metrics": metrics_address.map(|address| address.to_string()),
        "nats": nats_url,
    });
    std::fs::create_dir_all(data_dir)?;
    std::fs::write(data_dir.join("ready.json"), ready.to_string())?;
    println!("ready {ready}");
    Ok(())
}

fn print_banner(
    address: &std::net::SocketAddr,
    nats_url: &str,
    embedded: Option<&EmbeddedNats>,
    database_url: &str,
    metrics_address: Option<std::net::SocketAddr>,
    services: &[String],
) {
    let nats = match embedded {
        Some(embedded) => format!(
            "{nats_url} (embedded nats-server {}, store {})",
            embedded.version(),
            embedded.store().display()
        ),
        None => nats_url.to_string(),
    };
    println!("Hazard Ledger is running.");
    println!("  gRPC      {address}");
    println!(
        "  services  {}, grpc.health.v1.Health, server reflection",
        services.join(", ")
    );
    println!("  NATS      {nats}");
    println!("  database  {}", hl_readmodel::redact(database_url));
    if let Some(metrics_address) = metrics_address {
        println!("  metrics   http://{metrics_address}/metrics");
    }
}

/// The demo actors' tokens, and a first call with one.
fn print_tokens(
    tokens: &[(String, String)],
    key_path: &std::path::Path,
    address: &std::net::SocketAddr,
) {
    println!(
        "Tokens for the demo actors, valid {} hours (also in {}):",
        auth::DEMO_TOKEN_LIFETIME.as_secs() / 3600,
        key_path.with_file_name("tokens.env").display()
    );
    for (name, token) in tokens {
        println!("  {name}={token}");
    }
    println!("Try:");
    println!(
        "  source {} && grpcurl -plaintext -H \"authorization: Bearer $INSPECTOR_TOKEN\" \\\n    -d '{{\"name\": \"hazards/demo-a-alarm-linkage\"}}' {address} hazard_ledger.hazards.v1.HazardsService/GetHazard",
        key_path.with_file_name("tokens.env").display()
    );
}

async fn seed_demo(
    address: std::net::SocketAddr,
    region: String,
    development: auth::DevelopmentKey,
) {
    let endpoint = format!("http://{address}");
    let channel = match tonic::transport::Endpoint::from_shared(endpoint) {
        Ok(endpoint) => endpoint.connect_lazy(),
        Err(error) => {
            tracing::error!(%error, "demo: bad endpoint");
            return;
        }
    };
    // The event streams are created in the background; the seed retries until they are ready.
    for attempt in 1..=60 {
        match demo::seed(channel.clone(), &region, &development).await {
            Ok(seeded) if seeded.already_seeded => {
                println!("Demo district already seeded.");
                break;
            }
            Ok(seeded) => {
                println!(
                    "Demo district seeded: {} hazards across {} enterprises in {} townships:",
                    seeded.hazards,
                    demo::ENTERPRISES.len(),
                    demo::TOWNSHIPS.len()
                );
                for enterprise in demo::ENTERPRISES {
                    let township = demo::TOWNSHIPS
                        .iter()
                        .find(|(code, _, _)| *code == enterprise.township)
                        .map_or("", |(_, name, _)| name);
                    println!("  {}  {}  {}", enterprise.code, township, enterprise.name);
                }
                break;
            }
            Err(status) if status.code() == tonic::Code::Unavailable && attempt < 60 => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(status) => {
                tracing::error!(code = ?status.code(), message = status.message(), "demo seeding stopped");
                return;
            }
        }
    }
    if let Err(status) = demo::report::print(channel, &region, &development).await {
        tracing::warn!(code = ?status.code(), message = status.message(), "cannot show the reconciliation");
    }
}
