//! The benchmark's sections, in the order they run, each recording its figures, ratios and
//! targets in the report.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream;
use bytes::Bytes;
use chrono::Datelike as _;
use hl_testkit::{NatsServer, TestDatabase, unique_namespace};

use crate::Config;
use crate::generate;
use crate::report::Report;
use crate::{catchup, commands, kernel, overload, peer, process, province, raw};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Scale {
    Full,
    Quick,
}

/// How much each section does.
struct Sizes {
    sync_publish: [(usize, u64); 4],
    async_publish: u64,
    consume: u64,
    command_levels: [usize; 4],
    command_seconds: u64,
    command_enterprises: usize,
    load_histories: [u64; 4],
    load_samples: usize,
    contention_per_task: u64,
    catchup_enterprises: usize,
    catchup_events: u64,
    province_enterprises: usize,
    province_events: u64,
    /// A province's year on PostgreSQL, generated as the province's district is.
    year_enterprises: usize,
    year_events: u64,
    query_samples: usize,
    peer_commands: u64,
    peer_aggregates: u64,
    overload_capacity_seconds: u64,
    overload_seconds: u64,
    /// Overload offered before the measured period, uncounted: the step from the capacity
    /// run's memory to the overload's is reported on its own, and "flat" is judged after it.
    overload_settle_seconds: u64,
}

impl Sizes {
    fn of(scale: Scale) -> Sizes {
        match scale {
            Scale::Full => Sizes {
                sync_publish: [(1, 5_000), (8, 20_000), (32, 40_000), (64, 40_000)],
                async_publish: 100_000,
                consume: 200_000,
                command_levels: [1, 8, 32, 64],
                command_seconds: 10,
                command_enterprises: 1_000,
                load_histories: [10, 100, 1_000, 10_000],
                load_samples: 30,
                contention_per_task: 100,
                catchup_enterprises: 2_000,
                catchup_events: 200_000,
                province_enterprises: 50_000,
                province_events: 1_000_000,
                year_enterprises: 300_000,
                year_events: 5_000_000,
                query_samples: 40,
                peer_commands: 20_000,
                peer_aggregates: 10_000,
                overload_capacity_seconds: 15,
                overload_seconds: 30,
                overload_settle_seconds: 10,
            },
            Scale::Quick => Sizes {
                sync_publish: [(1, 500), (8, 2_000), (32, 4_000), (64, 4_000)],
                async_publish: 10_000,
                consume: 20_000,
                command_levels: [1, 8, 32, 64],
                command_seconds: 2,
                command_enterprises: 200,
                load_histories: [10, 100, 1_000, 10_000],
                load_samples: 5,
                contention_per_task: 20,
                catchup_enterprises: 500,
                catchup_events: 20_000,
                province_enterprises: 5_000,
                province_events: 100_000,
                year_enterprises: 30_000,
                year_events: 500_000,
                query_samples: 10,
                peer_commands: 4_000,
                peer_aggregates: 2_000,
                overload_capacity_seconds: 3,
                overload_seconds: 6,
                overload_settle_seconds: 2,
            },
        }
    }
}

const TOWNSHIPS: usize = 20;
const PROVINCE_TOWNSHIPS: usize = 100;
/// Townships of the province's year: as many as the synthetic codes allow (three digits).
const YEAR_TOWNSHIPS: usize = 900;
const MIB: f64 = 1024.0 * 1024.0;

/// Calls hl-hazards runs at once in the overload section. It must be below the calls in flight
/// at twice the capacity, or nothing is refused: with the default (256) a 2-core machine reaches
/// its capacity with a few dozen calls in flight, and twice that rate would only lengthen the
/// line inside the limit, measuring a queue instead of the shedding.
const OVERLOAD_MAX_CALLS_IN_FLIGHT: usize = 16;
/// Unanswered calls the overload client allows itself: far above what the server admits, so the
/// server does the refusing, yet bounded, so a server that stops answering cannot make the client
/// pile up tasks without end.
const OVERLOAD_MAX_OUTSTANDING: usize = 4 * OVERLOAD_MAX_CALLS_IN_FLIGHT + 256;
/// Connections the overload calls are spread over. A server opens at most 100 streams on one
/// connection (HL_MAX_STREAMS_PER_CONNECTION); calls beyond that would wait in the client and
/// be counted as the server's latency.
const OVERLOAD_CONNECTIONS: usize = 8;
/// The longest one call may run on the server (its default, stated because the client waits
/// as long for the last answers after the schedule ends).
const OVERLOAD_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs every wanted section against one nats-server started for the purpose.
pub async fn run_all(config: &Config) -> anyhow::Result<Report> {
    let sizes = Sizes::of(config.scale);
    let mut report = Report::default();
    let nats = NatsServer::start_binary(&config.nats_server).await;
    describe(&mut report, config, &nats).await?;
    let jetstream = jetstream::new(async_nats::connect(nats.url()).await?);
    let payload = typical_commit(&nats.url(), &jetstream).await?;
    report.describe("raw_payload_bytes", payload.len());
    println!("Figures (median of {} runs, [min – max]):", config.runs);

    if config.wants("raw") {
        raw_baselines(config, &sizes, &mut report, &jetstream, payload.clone()).await?;
    }
    if config.wants("commands") {
        grpc_commands(config, &sizes, &mut report, &nats, &jetstream).await?;
    }
    if config.wants("load") {
        aggregate_load(config, &sizes, &mut report, &nats).await?;
    }
    if config.wants("contention") {
        contention(config, &sizes, &mut report, &nats).await?;
    }
    if config.wants("catchup") {
        projection_catch_up(config, &sizes, &mut report, &nats, &jetstream).await?;
    }
    if config.wants("province") {
        province_scale(config, &sizes, &mut report, &nats, &jetstream).await?;
    }
    if config.wants("province-year") {
        // A province's year on PostgreSQL, generated as the province's district is: held to a
        // catch-up of 50,000 events/s and a summary p99 of 100 ms, its size on disk reported.
        DataSet {
            section: "province-year",
            enterprises: sizes.year_enterprises,
            townships: YEAR_TOWNSHIPS,
            summary_at_most: 100.0,
            at_province_scale: false,
        }
        .measure(
            config,
            &sizes,
            &mut report,
            (&nats, &jetstream),
            sizes.year_events,
        )
        .await?;
    }
    if config.wants("peer") {
        peer_framework(config, &sizes, &mut report, &nats, &jetstream).await?;
    }
    if config.wants("overload") {
        overload_shedding(config, &sizes, &mut report, &nats, &jetstream).await?;
    }
    Ok(report)
}

/// The machine and the settings, stated in every report.
async fn describe(report: &mut Report, config: &Config, nats: &NatsServer) -> anyhow::Result<()> {
    let cpus = std::thread::available_parallelism().map_or(0, |count| count.get());
    report.describe("cpus", cpus);
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_default();
    report.describe("cpu_model", cpu_model);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .next()
                .map(|line| line.split_whitespace().nth(1).unwrap_or("").to_string())
        })
        .unwrap_or_default();
    report.describe("memory_kib", memory);
    report.describe(
        "kernel",
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_string(),
    );
    report.describe("nats_server_version", nats.version().to_string());
    report.describe("nats_storage", "file");
    report.describe("nats_replicas", 1);
    report.describe(
        "nats_sync_interval",
        "always (every write is on disk before it is acknowledged)",
    );
    report.describe("runs", config.runs);
    report.describe("scale", format!("{:?}", config.scale).to_lowercase());
    report.describe("projection_batch", config.projection_batch);
    report.describe(
        "sqlite",
        "WAL, synchronous=NORMAL (the read model's settings)",
    );
    if config.wants("catchup") || config.wants("peer") {
        let database = TestDatabase::create().await;
        let mut connection: sqlx::PgConnection = sqlx::Connection::connect(&database.url).await?;
        for setting in ["server_version", "synchronous_commit", "fsync"] {
            let (value,): (String,) = sqlx::query_as(&format!("SHOW {setting}"))
                .fetch_one(&mut connection)
                .await?;
            report.describe(&format!("postgres_{setting}"), value);
        }
        report.describe(
            "postgres_projector_batches",
            "synchronous_commit=off per batch transaction (the read model's setting; the raw insert baseline uses it too)",
        );
    }
    println!("Environment:");
    for (key, value) in &report.environment {
        println!("  {key:<22} {value}");
    }
    println!();
    Ok(())
}

/// The mean size of the commits the hazards service writes, so the raw baselines publish
/// messages of the same size.
async fn typical_commit(nats_url: &str, jetstream: &jetstream::Context) -> anyhow::Result<Bytes> {
    let store = kernel::open_store(nats_url, &unique_namespace()).await?;
    let namespace = store.namespace().clone();
    let written = generate::write_hazards(
        jetstream,
        &namespace,
        100,
        TOWNSHIPS,
        1_000,
        chrono::Utc::now(),
    )
    .await?;
    drop(store);
    Ok(Bytes::from(vec![
        b'x';
        (written.bytes / written.commits) as usize
    ]))
}

async fn raw_baselines(
    config: &Config,
    sizes: &Sizes,
    report: &mut Report,
    jetstream: &jetstream::Context,
    payload: Bytes,
) -> anyhow::Result<()> {
    for (publishers, total) in sizes.sync_publish {
        let name = format!("sync publish, {publishers} publishers");
        let run = ((publishers, total), 1, payload.clone());
        sync_publish_figures(config, report, jetstream, &name, run).await?;
    }
    // Whether splitting a context's stream would raise the ceiling: 32 publishers over 2 and 4
    // streams, against the same publishers into one stream.
    let (publishers, total) = sizes.sync_publish[2];
    for streams in [2, 4] {
        let name = format!("sync publish, {publishers} publishers over {streams} streams");
        let run = ((publishers, total), streams, payload.clone());
        sync_publish_figures(config, report, jetstream, &name, run).await?;
        report.ratio(
            &format!("{publishers} publishers over {streams} streams ÷ into one stream"),
            &format!("raw/{name}"),
            &format!("raw/sync publish, {publishers} publishers"),
        );
    }
    let mut rates = Vec::new();
    for _ in 0..config.runs {
        rates
            .push(raw::async_publish(jetstream, sizes.async_publish, 1024, payload.clone()).await?);
    }
    report.add("raw", "async publish, 1024 in flight", "msg/s", rates);
    for (reading, name) in [
        (raw::Reading::Acked, "consume, pull, ack each"),
        (raw::Reading::Unacked, "consume, pull, no ack"),
        (raw::Reading::Ordered, "consume, ordered consumer"),
    ] {
        let mut rates = Vec::new();
        for _ in 0..config.runs {
            rates.push(raw::consume(jetstream, sizes.consume, payload.clone(), reading).await?);
        }
        report.add("raw", name, "msg/s", rates);
    }
    let _ = jetstream.delete_stream(raw::RAW_STREAM).await;
    Ok(())
}

/// Synchronous publishing, `config.runs` times: its rate as `name` and its ack p99.
async fn sync_publish_figures(
    config: &Config,
    report: &mut Report,
    jetstream: &jetstream::Context,
    name: &str,
    (counts, streams, payload): ((usize, u64), usize, Bytes),
) -> anyhow::Result<()> {
    let mut rates = Vec::new();
    let mut p99 = Vec::new();
    for _ in 0..config.runs {
        let run = raw::sync_publish(jetstream, counts, streams, payload.clone()).await?;
        rates.push(run.per_second);
        p99.push(run.latencies.quantile_ms(0.99));
    }
    report.add("raw", name, "msg/s", rates);
    report.add("raw", &format!("{name}, ack p99"), "ms", p99);
    Ok(())
}

/// A fresh namespace whose registry holds `enterprises` enterprises in [`TOWNSHIPS`] townships,
/// registered a year ago, so the hazards service takes their reports; and its event store.
async fn registry_namespace(
    nats: &NatsServer,
    jetstream: &jetstream::Context,
    enterprises: usize,
) -> anyhow::Result<(String, hl_eventstore::EventStore)> {
    let namespace = unique_namespace();
    let store = kernel::open_store(&nats.url(), &namespace).await?;
    generate::write_registry(
        jetstream,
        store.namespace(),
        enterprises,
        TOWNSHIPS,
        chrono::Utc::now().date_naive() - chrono::Days::new(365),
    )
    .await?;
    Ok((namespace, store))
}

/// `hl-hazards` as a process on a fresh namespace whose registry holds the command sizes'
/// enterprises, with four channels to it (callers share them as clients of a service would), and
/// the namespace's event store, which the caller keeps open while the service runs.
async fn hazards_service(
    config: &Config,
    nats: &NatsServer,
    jetstream: &jetstream::Context,
    sizes: &Sizes,
) -> anyhow::Result<(
    process::Service,
    Vec<tonic::transport::Channel>,
    hl_eventstore::EventStore,
)> {
    let (namespace, store) = registry_namespace(nats, jetstream, sizes.command_enterprises).await?;
    let service = process::Service::start(
        &config.bin_dir.join("hl-hazards"),
        &[("NATS_URL", nats.url()), ("HL_NAMESPACE", namespace)],
    )
    .await?;
    let mut channels = Vec::new();
    for _ in 0..4 {
        channels.push(service.channel().await?);
    }
    Ok((service, channels, store))
}

async fn grpc_commands(
    config: &Config,
    sizes: &Sizes,
    report: &mut Report,
    nats: &NatsServer,
    jetstream: &jetstream::Context,
) -> anyhow::Result<()> {
    let (service, channels, _store) = hazards_service(config, nats, jetstream, sizes).await?;
    for concurrency in sizes.command_levels {
        let mut rates = Vec::new();
        let mut quantiles = [Vec::new(), Vec::new(), Vec::new()];
        for run in 0..config.runs {
            let mix = commands::run(
                &channels,
                &format!("c{concurrency}r{run}"),
                concurrency,
                Duration::from_secs(sizes.command_seconds),
                sizes.command_enterprises,
                TOWNSHIPS,
            )
            .await?;
            rates.push(mix.per_second);
            for (index, quantile) in [0.5, 0.99, 0.999].iter().enumerate() {
                quantiles[index].push(mix.latencies.quantile_ms(*quantile));
            }
        }
        let name = format!("concurrency {concurrency}");
        report.add("commands", &format!("{name}, throughput"), "cmd/s", rates);
        for (index, label) in ["p50", "p99", "p99.9"].iter().enumerate() {
            report.add(
                "commands",
                &format!("{name}, {label}"),
                "ms",
                quantiles[index].clone(),
            );
        }
        report.ratio(
            &format!("commands ÷ raw sync publish, concurrency {concurrency}"),
            &format!("commands/{name}, throughput"),
            &format!("raw/sync publish, {concurrency} publishers"),
        );
    }
    if let Some(rss) = service.peak_rss_bytes() {
        report.add(
            "commands",
            "hl-hazards peak RSS",
            "MiB",
            vec![rss as f64 / MIB],
        );
    }
    service.stop().await;
    let ratio = report
        .ratios
        .iter()
        .find(|ratio| ratio.name.ends_with("concurrency 32"))
        .map(|ratio| ratio.value);
    report.at_least(
        "command throughput at concurrency 32 ÷ raw 32-publisher sync publish",
        ratio,
        0.4,
        "×",
    );
    let p99 = report.median("commands/concurrency 32, p99");
    report.at_most("command p99 at concurrency 32", p99, 15.0, "ms");
    Ok(())
}

async fn aggregate_load(
    config: &Config,
    sizes: &Sizes,
    report: &mut Report,
    nats: &NatsServer,
) -> anyhow::Result<()> {
    let store = kernel::open_store(&nats.url(), &unique_namespace()).await?;
    for events in sizes.load_histories {
        let mut snapshot_p50 = Vec::new();
        let mut snapshot_p99 = Vec::new();
        let mut full_p50 = Vec::new();
        let mut snapshot_kib = Vec::new();
        let mut snapshot_read = Vec::new();
        let mut tail = Vec::new();
        let mut end_probe = Vec::new();
        let mut snapshot_decode = Vec::new();
        for run in 0..config.runs {
            let latency = kernel::load_latency(
                &store,
                &format!("load-{events}-{run}"),
                events,
                sizes.load_samples,
            )
            .await?;
            snapshot_p50.push(latency.with_snapshots.quantile_ms(0.5));
            snapshot_p99.push(latency.with_snapshots.quantile_ms(0.99));
            full_p50.push(latency.full_history.quantile_ms(0.5));
            snapshot_kib.push(latency.snapshot_bytes as f64 / 1024.0);
            snapshot_read.push(latency.snapshot_read.quantile_ms(0.5));
            tail.push(latency.commits_after_snapshot as f64);
            end_probe.push(latency.end_probe.quantile_ms(0.5));
            snapshot_decode.push(latency.snapshot_decode.quantile_ms(0.5));
        }
        report.add("load", &format!("{events} events, p50"), "ms", snapshot_p50);
        report.add("load", &format!("{events} events, p99"), "ms", snapshot_p99);
        report.add(
            "load",
            &format!("{events} events, p50, whole history without snapshots"),
            "ms",
            full_p50,
        );
        report.add(
            "load",
            &format!("{events} events, size of the snapshot loaded"),
            "KiB",
            snapshot_kib,
        );
        report.add(
            "load",
            &format!("{events} events, commits read after the snapshot, in one batched read"),
            "count",
            tail,
        );
        report.add(
            "load",
            &format!("{events} events, of which reading the snapshot, p50"),
            "ms",
            snapshot_read,
        );
        report.add(
            "load",
            &format!("{events} events, one direct get past the last commit, p50"),
            "ms",
            end_probe,
        );
        report.add(
            "load",
            &format!("{events} events, of which decoding the snapshot, p50"),
            "ms",
            snapshot_decode,
        );
    }
    let largest = sizes.load_histories[3];
    let smallest = sizes.load_histories[0];
    let ratio = report.ratio(
        &format!("load p50 at {largest} events ÷ at {smallest} events"),
        &format!("load/{largest} events, p50"),
        &format!("load/{smallest} events, p50"),
    );
    report.at_most(
        &format!("aggregate load at {largest} events ÷ at {smallest} events"),
        ratio,
        2.0,
        "×",
    );
    Ok(())
}

async fn contention(
    config: &Config,
    sizes: &Sizes,
    report: &mut Report,
    nats: &NatsServer,
) -> anyhow::Result<()> {
    let mut figures: [Vec<f64>; 6] = Default::default();
    for _ in 0..config.runs {
        let store = kernel::open_store(&nats.url(), &unique_namespace()).await?;
        let outcome = kernel::contention(&store, 8, 32, sizes.contention_per_task, 4).await?;
        figures[0].push(outcome.successes as f64);
        figures[1].push(outcome.aborted as f64);
        figures[2].push(outcome.retries as f64);
        figures[3].push(outcome.conflicts as f64);
        figures[4].push(outcome.successes_per_second);
        figures[5].push(outcome.latencies.quantile_ms(0.99));
    }
    let attempts = 32 * sizes.contention_per_task;
    let names = [
        (
            format!("8 hot aggregates, 32 writers in 4 instances: successes of {attempts}"),
            "cmd",
        ),
        ("ABORTED after 5 attempts".to_string(), "cmd"),
        ("re-decisions (retries)".to_string(), "count"),
        ("append conflicts".to_string(), "count"),
        ("successful commands".to_string(), "cmd/s"),
        ("p99 per command, retries included".to_string(), "ms"),
    ];
    for ((name, unit), values) in names.iter().zip(figures) {
        report.add("contention", name, unit, values);
    }
    report.note(
        "contention: after every run each hot aggregate was read back from its first commit: \
         its event count equals its successful commands plus the registration, with an unbroken \
         hash chain (no event lost or duplicated)",
    );
    Ok(())
}

async fn projection_catch_up(
    config: &Config,
    sizes: &Sizes,
    report: &mut Report,
    nats: &NatsServer,
    jetstream: &jetstream::Context,
) -> anyhow::Result<()> {
    let (store, registry, hazards) = district(
        nats,
        jetstream,
        sizes.catchup_enterprises,
        TOWNSHIPS,
        sizes.catchup_events,
    )
    .await?;
    let parsed = store.namespace().clone();
    report.describe("catchup_events", registry.events + hazards.events);
    report.describe("catchup_commits", registry.commits + hazards.commits);
    report.describe("catchup_mean_commit_bytes", hazards.bytes / hazards.commits);
    let events = registry.events + hazards.events;
    let messages = registry.commits + hazards.commits;
    let events_per_message = events as f64 / messages as f64;

    // What reading the same streams costs with nothing applied.
    let mut consume = Vec::new();
    for _ in 0..config.runs {
        let mut seconds = 0.0;
        for (context, count) in [
            ("hazards", hazards.commits),
            ("responsibility", registry.commits),
        ] {
            let stream = jetstream.get_stream(parsed.stream_name(context)).await?;
            let rate = raw::consume_stream(&stream, count, raw::Reading::Ordered).await?;
            seconds += count as f64 / rate;
        }
        consume.push(events as f64 / seconds);
    }
    report.add(
        "catchup",
        "raw ordered consume of the same streams",
        "events/s",
        consume,
    );

    for database in ["sqlite", "postgres"] {
        let mut rates = Vec::new();
        let mut insert_rates = Vec::new();
        for run in 0..config.runs {
            let (url, _keep) = database_url(database).await?;
            let result = catchup::catch_up(&url, &store, config.projection_batch, run == 0).await?;
            anyhow::ensure!(
                result.events == events,
                "the projection applied {} of {events} events",
                result.events
            );
            rates.push(result.events_per_second());
            report.describe(
                &format!("catchup_{database}_events_per_transaction"),
                result.events / result.batches.max(1),
            );
            if run == 0 {
                let rows = result.row_count() as f64;
                for _ in 0..config.runs {
                    let (copy_url, _copy_keep) = database_url(database).await?;
                    let rows_per_second =
                        catchup::insert_same_rows(&copy_url, &result, config.projection_batch)
                            .await?;
                    insert_rates.push(rows_per_second);
                }
                report.describe(&format!("catchup_{database}_rows"), rows as u64);
                report.describe(
                    &format!("catchup_{database}_rows_per_event"),
                    rows / events as f64,
                );
            }
        }
        let catch_up = report.add(
            "catchup",
            &format!("{database}: projection catch-up"),
            "events/s",
            rates,
        );
        let inserted = report.add(
            "catchup",
            &format!("{database}: raw batched insert of the same rows"),
            "rows/s",
            insert_rates,
        );
        let rows_per_event = report.environment[&format!("catchup_{database}_rows_per_event")]
            .as_f64()
            .unwrap_or(1.0);
        report.add(
            "catchup",
            &format!("{database}: raw batched insert, as events"),
            "events/s",
            vec![inserted / rows_per_event],
        );
        report.ratio(
            &format!("{database} catch-up ÷ raw ordered consume"),
            &format!("catchup/{database}: projection catch-up"),
            "catchup/raw ordered consume of the same streams",
        );
        report.ratio(
            &format!("{database} catch-up ÷ raw batched insert of the same rows"),
            &format!("catchup/{database}: projection catch-up"),
            &format!("catchup/{database}: raw batched insert, as events"),
        );
        let minimum = if database == "sqlite" {
            50_000.0
        } else {
            30_000.0
        };
        report.at_least(
            &format!("projection catch-up into {database}"),
            Some(catch_up),
            minimum,
            "events/s",
        );
    }
    report.describe("catchup_events_per_commit", events_per_message);
    Ok(())
}

/// A synthetic district on a fresh namespace: its enterprises registered a year ago, then
/// hazard lifecycles until `events` hazard events are written.
async fn district(
    nats: &NatsServer,
    jetstream: &jetstream::Context,
    enterprises: usize,
    townships: usize,
    events: u64,
) -> anyhow::Result<(
    hl_eventstore::EventStore,
    generate::Written,
    generate::Written,
)> {
    let store = kernel::open_store(&nats.url(), &unique_namespace()).await?;
    let namespace = store.namespace().clone();
    let registry = generate::write_registry(
        jetstream,
        &namespace,
        enterprises,
        townships,
        chrono::Utc::now().date_naive() - chrono::Days::new(365),
    )
    .await?;
    let hazards = generate::write_hazards(
        jetstream,
        &namespace,
        enterprises,
        townships,
        events,
        chrono::Utc::now(),
    )
    .await?;
    Ok((store, registry, hazards))
}

/// A fresh read-model database: a SQLite file in a temporary folder, or a PostgreSQL database
/// dropped when the guard goes.
async fn database_url(database: &str) -> anyhow::Result<(String, DatabaseGuard)> {
    if database == "sqlite" {
        let folder = tempfile::tempdir()?;
        let url = format!("sqlite://{}", folder.path().join("ledger.db").display());
        Ok((
            url,
            DatabaseGuard {
                _folder: Some(folder),
                _database: None,
            },
        ))
    } else {
        let database = TestDatabase::create().await;
        Ok((
            database.url.clone(),
            DatabaseGuard {
                _folder: None,
                _database: Some(database),
            },
        ))
    }
}

/// Keeps a benchmark database until the measurement is done with it.
struct DatabaseGuard {
    _folder: Option<tempfile::TempDir>,
    _database: Option<TestDatabase>,
}

async fn province_scale(
    config: &Config,
    sizes: &Sizes,
    report: &mut Report,
    nats: &NatsServer,
    jetstream: &jetstream::Context,
) -> anyhow::Result<()> {
    let (namespace, events) = DataSet {
        section: "province",
        enterprises: sizes.province_enterprises,
        townships: PROVINCE_TOWNSHIPS,
        summary_at_most: 50.0,
        at_province_scale: true,
    }
    .measure(
        config,
        sizes,
        report,
        (nats, jetstream),
        sizes.province_events,
    )
    .await?;

    let suite_data = tempfile::tempdir()?;
    let suite_environment = [
        ("NATS_URL", nats.url()),
        ("HL_NAMESPACE", namespace),
        ("HL_SEED_DEMO", "false".into()),
        ("HL_DATA_DIR", suite_data.path().display().to_string()),
        ("HL_PROJECTION_BATCH", config.projection_batch.to_string()),
    ];
    let suite_binary = config.bin_dir.join("hazard-ledger");
    let (suite, replay) = province::replay(&suite_binary, &suite_environment).await?;
    suite.stop().await;
    report.add(
        "province",
        &format!("hazard-ledger (the suite) peak RSS replaying {events} events"),
        "MiB",
        vec![replay.peak_rss_bytes as f64 / MIB],
    );
    suite_restarts(config, report, events, (&suite_binary, &suite_environment)).await
}

/// Seconds until PostgreSQL reports every table of the read model's first generation vacuumed
/// and analysed by the service.
async fn statistics_refreshed(url: &str, limit: Duration) -> anyhow::Result<f64> {
    let started = std::time::Instant::now();
    let mut connection: sqlx::PgConnection = sqlx::Connection::connect(url).await?;
    loop {
        let (waiting,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM pg_stat_user_tables
             WHERE relname LIKE '%\\_g1' AND (last_vacuum IS NULL OR last_analyze IS NULL)",
        )
        .fetch_one(&mut connection)
        .await?;
        if waiting == 0 {
            return Ok(started.elapsed().as_secs_f64());
        }
        anyhow::ensure!(
            started.elapsed() < limit,
            "{waiting} tables of the read model not yet vacuumed and analysed after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A synthetic district the projector replays and the queries are timed against.
struct DataSet {
    /// The report's section.
    section: &'static str,
    enterprises: usize,
    townships: usize,
    /// The p99 the reconciliation summary is held to.
    summary_at_most: f64,
    /// The province's own scale: measured on SQLite too, and every query and the projector's
    /// memory held to the targets set at that scale (else only the summary).
    at_province_scale: bool,
}

impl DataSet {
    /// Writes the district (its registry, then about `hazard_events` hazard events) into a
    /// fresh namespace, and measures its read model on SQLite (at the province's scale) and on
    /// PostgreSQL; returns the namespace and the events written.
    async fn measure(
        &self,
        config: &Config,
        sizes: &Sizes,
        report: &mut Report,
        (nats, jetstream): (&NatsServer, &jetstream::Context),
        hazard_events: u64,
    ) -> anyhow::Result<(String, u64)> {
        let (store, registry, hazards) = district(
            nats,
            jetstream,
            self.enterprises,
            self.townships,
            hazard_events,
        )
        .await?;
        let events = registry.events + hazards.events;
        let prefix = self.section.replace('-', "_");
        report.describe(&format!("{prefix}_enterprises"), self.enterprises);
        report.describe(&format!("{prefix}_townships"), self.townships);
        report.describe(&format!("{prefix}_hazard_events"), hazards.events);
        report.describe(&format!("{prefix}_events"), events);
        let namespace = store.namespace().root().to_string();
        let databases: &[&str] = if self.at_province_scale {
            &["sqlite", "postgres"]
        } else {
            &["postgres"]
        };
        for database in databases {
            province_read_model(
                config,
                sizes,
                report,
                nats,
                (&namespace, self, events),
                database,
            )
            .await?;
        }
        Ok((namespace, events))
    }
}

/// The size on disk of a read model: a SQLite file with its journal, or every table and index
/// of a PostgreSQL database.
async fn read_model_bytes(url: &str) -> anyhow::Result<f64> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = std::path::Path::new(path);
        let mut bytes = 0;
        for entry in std::fs::read_dir(path.parent().context("a folder")?)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with("ledger.db") {
                bytes += entry.metadata()?.len();
            }
        }
        return Ok(bytes as f64);
    }
    let mut connection: sqlx::PgConnection = sqlx::Connection::connect(url).await?;
    let (bytes,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(SUM(pg_total_relation_size(relid)), 0)::BIGINT FROM pg_stat_user_tables",
    )
    .fetch_one(&mut connection)
    .await?;
    Ok(bytes as f64)
}

/// The projector replays a data set into a fresh read model of `database` (sqlite or
/// postgres), and the reconciliation queries are timed against it.
async fn province_read_model(
    config: &Config,
    sizes: &Sizes,
    report: &mut Report,
    nats: &NatsServer,
    (namespace, data_set, events): (&str, &DataSet, u64),
    database: &str,
) -> anyhow::Result<()> {
    let section = data_set.section;
    let data = tempfile::tempdir()?;
    let (url, _keep) = database_url(database).await?;
    // SQLite's figures keep their names from before PostgreSQL was measured too (the
    // environment's sample counts name their database).
    let (on, into) = match database {
        "sqlite" => (String::new(), "SQLite"),
        _ => (" on PostgreSQL".to_string(), "PostgreSQL"),
    };
    let environment = [
        ("NATS_URL", nats.url()),
        ("HL_NAMESPACE", namespace.to_string()),
        ("DATABASE_URL", url.clone()),
        ("HL_DATA_DIR", data.path().display().to_string()),
        ("HL_PROJECTION_BATCH", config.projection_batch.to_string()),
    ];
    let (projector, replay) =
        province::replay(&config.bin_dir.join("hl-projections"), &environment).await?;
    let catch_up = report.add(
        section,
        &format!("hl-projections replay into {into} (process start to caught up)"),
        "events/s",
        vec![events as f64 / replay.seconds],
    );
    if section == "province-year" {
        report.at_least(
            &format!("{section} catch-up{on}"),
            Some(catch_up),
            50_000.0,
            "events/s",
        );
    }
    if database == "postgres" {
        // The service vacuums and analyses a read model filled in bulk once it has caught up;
        // the queries are timed once that is done, as they would run after it in service.
        report.add(
            section,
            "hl-projections VACUUM (ANALYZE) of the read model after the catch-up on PostgreSQL",
            "s",
            vec![statistics_refreshed(&url, Duration::from_secs(1800)).await?],
        );
    }
    report.add(
        section,
        &format!("read model on disk after {events} events{on}"),
        "MiB",
        vec![read_model_bytes(&url).await? / MIB],
    );
    let projector_rss = report.add(
        section,
        &format!("hl-projections peak RSS replaying {events} events{on}"),
        "MiB",
        vec![replay.peak_rss_bytes as f64 / MIB],
    );
    // (figure, target's name, target in ms, [p50 per run, p99 per run]); at a scale other than
    // the province's only the summary is held to a target.
    let held = |at_most: f64| data_set.at_province_scale.then_some(at_most);
    let mut figures = [
        (
            "reconciliation summary by township",
            "reconciliation summary",
            Some(data_set.summary_at_most),
        ),
        (
            "discrepancy list (first 100)",
            "discrepancy list",
            held(50.0),
        ),
        (
            "discrepancy list (10th page of 100)",
            "discrepancy list, deep page",
            held(50.0),
        ),
        (
            "ListHazards (a township's government ledger, 50)",
            "ListHazards, a filtered page",
            held(20.0),
        ),
        (
            "ListHazards (a township's overdue hazards, 50)",
            "ListHazards, a filtered page (a township's overdue hazards)",
            held(20.0),
        ),
        (
            "one enterprise's two ledgers",
            "one enterprise's two ledgers",
            held(20.0),
        ),
        (
            "reconciliation summary as of 30 days ago",
            "summary as of a past date",
            held(200.0),
        ),
    ]
    .map(|(figure, target, at_most)| (figure, target, at_most, [Vec::new(), Vec::new()]));
    let mut first_summary = Vec::new();
    let mut samples = Vec::new();
    let mut past_deadlines = Vec::new();
    let mut summary_deadlines = Vec::new();
    for run in 0..config.runs {
        // Each run asks about a period of its own, which the service has not reconciled yet,
        // so every run starts cold, as the first query after the read model moves does.
        let today = hl_domain::clock::local_date(chrono::Utc::now());
        let period_start = chrono::NaiveDate::from_ymd_opt(today.year() - run as i32, 1, 1)
            .context("a period start")?;
        let queries = province::query(
            projector.channel().await?,
            sizes.query_samples,
            Duration::from_secs(60),
            (period_start, today),
            (data_set.enterprises, data_set.townships),
        )
        .await?;
        samples.push(queries.samples);
        past_deadlines.push(queries.past_summary_deadlines);
        summary_deadlines.push(queries.summary_deadlines);
        first_summary.push(queries.first_summary.as_secs_f64() * 1000.0);
        let measured = [
            &queries.summary,
            &queries.discrepancies,
            &queries.deep_discrepancies,
            &queries.hazards_page,
            &queries.overdue_page,
            &queries.enterprise_ledgers,
            &queries.past_summary,
        ];
        for ((_, _, _, [p50, p99]), latencies) in figures.iter_mut().zip(measured) {
            p50.push(latencies.quantile_ms(0.5));
            p99.push(latencies.quantile_ms(0.99));
        }
    }
    projector.stop().await;
    let prefix = section.replace('-', "_");
    report.describe(
        &format!("{prefix}_query_samples_per_run_{database}"),
        format!("{samples:?}"),
    );
    report.describe(
        &format!("{prefix}_past_summaries_cut_at_the_server_deadline_per_run_{database}"),
        format!("{past_deadlines:?}"),
    );
    report.describe(
        &format!("{prefix}_summaries_cut_at_the_server_deadline_per_run_{database}"),
        format!("{summary_deadlines:?}"),
    );
    // The service keeps the reconciliation of now until the read model moves. A run's first
    // query finds nothing kept and reads the database; its p99 includes that query.
    report.add(
        section,
        &format!("reconciliation summary, first query of a period (reads the database){on}"),
        "ms",
        first_summary,
    );
    for (figure, target, at_most, [p50, p99]) in figures {
        report.add(section, &format!("{figure}{on}, p50"), "ms", p50);
        let p99 = report.add(section, &format!("{figure}{on}, p99"), "ms", p99);
        if let Some(at_most) = at_most {
            report.at_most(
                &format!("{section} query p99: {target}{on}"),
                Some(p99),
                at_most,
                "ms",
            );
        }
    }
    if data_set.at_province_scale {
        report.at_most(
            &format!("projector peak RSS replaying {events} events{on}"),
            Some(projector_rss),
            256.0,
            "MiB",
        );
    }

    Ok(())
}

/// The suite started again on the store and read models it has already built: how soon it is
/// SERVING, and how soon its read models are caught up (no replay from the first event).
async fn suite_restarts(
    config: &Config,
    report: &mut Report,
    events: u64,
    (binary, environment): (&std::path::Path, &[(&str, String)]),
) -> anyhow::Result<()> {
    let mut serving = Vec::new();
    let mut caught_up = Vec::new();
    for _ in 0..config.runs {
        let (suite, restart) = province::replay(binary, environment).await?;
        suite.stop().await;
        serving.push(restart.serving_seconds);
        caught_up.push(restart.seconds);
    }
    let serving = report.add(
        "province",
        &format!("hazard-ledger restart on {events} events, until SERVING"),
        "s",
        serving,
    );
    report.add(
        "province",
        &format!("hazard-ledger restart on {events} events, until caught up"),
        "s",
        caught_up,
    );
    report.at_most(
        &format!("suite start-up on {events} events, until SERVING"),
        Some(serving),
        5.0,
        "s",
    );
    Ok(())
}

/// The peer's append workload three ways at concurrency 32: our kernel alone, cqrs-es with
/// postgres-es, and the hazards service over gRPC (every layer a caller meets).
async fn peer_framework(
    config: &Config,
    sizes: &Sizes,
    report: &mut Report,
    nats: &NatsServer,
    jetstream: &jetstream::Context,
) -> anyhow::Result<()> {
    let concurrency = 32;
    let mut ours = (Vec::new(), Vec::new());
    let mut theirs = (Vec::new(), Vec::new());
    let mut through_grpc = (Vec::new(), Vec::new());
    let (service, channels, _store) = hazards_service(config, nats, jetstream, sizes).await?;
    for run in 0..config.runs {
        let store = kernel::open_store(&nats.url(), &unique_namespace()).await?;
        let (rate, latencies) = kernel::append_workload(
            &store,
            concurrency,
            sizes.peer_commands,
            sizes.peer_aggregates,
        )
        .await?;
        ours.0.push(rate);
        ours.1.push(latencies.quantile_ms(0.99));
        let database = TestDatabase::create().await;
        let (rate, latencies) = peer::append_workload(
            &database.url,
            concurrency,
            sizes.peer_commands,
            sizes.peer_aggregates,
        )
        .await?;
        theirs.0.push(rate);
        theirs.1.push(latencies.quantile_ms(0.99));
        let (rate, latencies) = commands::device_workload(
            &channels,
            &format!("peer-r{run}"),
            concurrency,
            (sizes.peer_commands, sizes.peer_aggregates),
            sizes.command_enterprises,
        )
        .await?;
        through_grpc.0.push(rate);
        through_grpc.1.push(latencies.quantile_ms(0.99));
    }
    service.stop().await;
    report.add(
        "peer",
        "hazard ledger kernel (JetStream), concurrency 32",
        "cmd/s",
        ours.0,
    );
    report.add(
        "peer",
        "hazard ledger kernel (JetStream), concurrency 32, p99",
        "ms",
        ours.1,
    );
    report.add(
        "peer",
        "cqrs-es + postgres-es, concurrency 32",
        "cmd/s",
        theirs.0,
    );
    report.add(
        "peer",
        "cqrs-es + postgres-es, concurrency 32, p99",
        "ms",
        theirs.1,
    );
    let ratio = report.ratio(
        "append throughput: ours ÷ cqrs-es/postgres-es",
        "peer/hazard ledger kernel (JetStream), concurrency 32",
        "peer/cqrs-es + postgres-es, concurrency 32",
    );
    report.at_least("append throughput ÷ cqrs-es/postgres-es", ratio, 2.0, "×");
    report.add(
        "peer",
        "hazards service over gRPC, concurrency 32",
        "cmd/s",
        through_grpc.0,
    );
    report.add(
        "peer",
        "hazards service over gRPC, concurrency 32, p99",
        "ms",
        through_grpc.1,
    );
    let ratio = report.ratio(
        "append throughput through gRPC: the hazards service ÷ cqrs-es/postgres-es",
        "peer/hazards service over gRPC, concurrency 32",
        "peer/cqrs-es + postgres-es, concurrency 32",
    );
    report.at_least(
        "append throughput through the gRPC service ÷ cqrs-es/postgres-es",
        ratio,
        1.0,
        "×",
    );
    Ok(())
}

/// hl-hazards offered twice its capacity: its capacity measured with as many callers as it
/// admits calls at once, then reports offered on a fixed schedule at twice that rate. Each run
/// starts a fresh process, so its memory figures are its own.
async fn overload_shedding(
    config: &Config,
    sizes: &Sizes,
    report: &mut Report,
    nats: &NatsServer,
    jetstream: &jetstream::Context,
) -> anyhow::Result<()> {
    let enterprises = sizes.command_enterprises;
    let (namespace, store) = registry_namespace(nats, jetstream, enterprises).await?;
    // Every token the calls carry is signed now (enterprise and ledger pairs repeat within twice
    // the enterprises, inspectors within 80), so signing stays out of the measured calls.
    for index in 0..2 * enterprises.max(40) {
        let _ = commands::report_request("tokens", index, enterprises, TOWNSHIPS);
    }
    let limit = OVERLOAD_MAX_CALLS_IN_FLIGHT;
    let environment = [
        ("NATS_URL", nats.url()),
        ("HL_NAMESPACE", namespace.clone()),
        ("HL_MAX_CALLS_IN_FLIGHT", limit.to_string()),
        (
            "HL_REQUEST_TIMEOUT_SECONDS",
            OVERLOAD_REQUEST_TIMEOUT.as_secs().to_string(),
        ),
    ];
    let mut capacity_rate = Vec::new();
    let mut capacity_p99 = Vec::new();
    let mut capacity_rejected = Vec::new();
    let mut offered = Vec::new();
    let mut started = Vec::new();
    let mut not_offered = Vec::new();
    let mut admitted = Vec::new();
    let mut admitted_p50 = Vec::new();
    let mut admitted_p99 = Vec::new();
    let mut rejected_share = Vec::new();
    let mut failed = Vec::new();
    let mut failures = Vec::new();
    let mut rss_before = Vec::new();
    let mut rss_start = Vec::new();
    let mut rss_half = Vec::new();
    let mut rss_end = Vec::new();
    let mut rss_most = Vec::new();
    let mut peak_rss = Vec::new();
    for run in 0..config.runs {
        let service =
            process::Service::start(&config.bin_dir.join("hl-hazards"), &environment).await?;
        let mut channels = Vec::new();
        for _ in 0..OVERLOAD_CONNECTIONS {
            channels.push(service.channel().await?);
        }
        let capacity = overload::capacity(
            &channels,
            &format!("cap{run}"),
            limit,
            Duration::from_secs(sizes.overload_capacity_seconds),
            enterprises,
            TOWNSHIPS,
        )
        .await?;
        let schedule = overload::Schedule {
            rate: 2.0 * capacity.per_second,
            duration: Duration::from_secs(sizes.overload_seconds),
            max_outstanding: OVERLOAD_MAX_OUTSTANDING,
            answer_wait: OVERLOAD_REQUEST_TIMEOUT + Duration::from_secs(5),
        };
        let before_overload = service.rss_bytes();
        let settling = overload::Schedule {
            duration: Duration::from_secs(sizes.overload_settle_seconds),
            ..schedule
        };
        overload::overload(
            &service,
            &channels,
            &format!("settle{run}"),
            &settling,
            enterprises,
            TOWNSHIPS,
        )
        .await?;
        let outcome = overload::overload(
            &service,
            &channels,
            &format!("over{run}"),
            &schedule,
            enterprises,
            TOWNSHIPS,
        )
        .await?;
        let peak = service.peak_rss_bytes();
        service.stop().await;

        capacity_rate.push(capacity.per_second);
        capacity_p99.push(capacity.latencies.quantile_ms(0.99));
        capacity_rejected.push(capacity.rejected as f64);
        offered.push(outcome.offered_per_second);
        started.push(outcome.started_per_second);
        not_offered.push(outcome.not_offered as f64);
        admitted.push(outcome.admitted_per_second);
        admitted_p50.push(outcome.latencies.quantile_ms(0.5));
        admitted_p99.push(outcome.latencies.quantile_ms(0.99));
        rejected_share.push(100.0 * outcome.rejected as f64 / outcome.started.max(1) as f64);
        failed.push(outcome.failed_total() as f64);
        if !outcome.failed.is_empty() {
            failures.push(format!("run {run}: {:?}", outcome.failed));
        }
        for (values, bytes) in [
            (&mut rss_before, before_overload),
            (&mut rss_start, outcome.rss_start_bytes),
            (&mut rss_half, outcome.rss_half_bytes),
            (&mut rss_end, outcome.rss_end_bytes),
            (&mut rss_most, outcome.rss_max_bytes),
            (&mut peak_rss, peak),
        ] {
            if let Some(bytes) = bytes {
                values.push(bytes as f64 / MIB);
            }
        }
    }
    drop(store);
    report.describe("overload_max_calls_in_flight", limit);
    report.describe("overload_capacity_seconds", sizes.overload_capacity_seconds);
    report.describe("overload_seconds", sizes.overload_seconds);
    report.describe("overload_settle_seconds", sizes.overload_settle_seconds);
    report.note(format!(
        "overload: hl-hazards admits {limit} calls at once (HL_MAX_CALLS_IN_FLIGHT); its \
         capacity is {limit} callers reporting hazards back to back for {} s, then reports are \
         offered on a fixed schedule at twice that rate for {} s over {OVERLOAD_CONNECTIONS} \
         connections, whether or not earlier ones were answered (at most \
         {OVERLOAD_MAX_OUTSTANDING} unanswered), after {} s of the same overload that are not \
         counted (the memory step from the capacity run to the overload is reported on its own); \
         a fresh process each run",
        sizes.overload_capacity_seconds, sizes.overload_seconds, sizes.overload_settle_seconds
    ));
    let capacity_throughput = format!("capacity, {limit} callers, throughput");
    let capacity_latency = format!("capacity, {limit} callers, p99");
    report.add("overload", &capacity_throughput, "cmd/s", capacity_rate);
    report.add("overload", &capacity_latency, "ms", capacity_p99);
    report.add(
        "overload",
        &format!("capacity, {limit} callers, refused RESOURCE_EXHAUSTED"),
        "cmd",
        capacity_rejected,
    );
    report.add("overload", "offered, 2 × capacity", "cmd/s", offered);
    report.add(
        "overload",
        "offered, started by the client",
        "cmd/s",
        started,
    );
    report.add(
        "overload",
        &format!("not offered, {OVERLOAD_MAX_OUTSTANDING} unanswered already"),
        "cmd",
        not_offered,
    );
    report.add("overload", "admitted throughput", "cmd/s", admitted);
    report.add("overload", "admitted, p50", "ms", admitted_p50);
    report.add("overload", "admitted, p99", "ms", admitted_p99);
    report.add(
        "overload",
        "rejected share (RESOURCE_EXHAUSTED)",
        "%",
        rejected_share,
    );
    report.add(
        "overload",
        "other errors (neither admitted nor rejected)",
        "cmd",
        failed,
    );
    if !failures.is_empty() {
        report.note(format!(
            "overload: calls neither admitted nor rejected, by status: {}",
            failures.join("; ")
        ));
    }
    let memory = [
        ("hl-hazards RSS after the capacity run", rss_before),
        ("hl-hazards RSS at overload start", rss_start),
        ("hl-hazards RSS halfway through the overload", rss_half),
        ("hl-hazards RSS at overload end", rss_end),
        ("hl-hazards most RSS read during overload", rss_most),
        ("hl-hazards peak RSS (VmHWM)", peak_rss),
    ];
    for (name, values) in memory {
        if !values.is_empty() {
            report.add("overload", name, "MiB", values);
        }
    }

    let throughput = report.ratio(
        "overload: admitted throughput ÷ capacity",
        "overload/admitted throughput",
        &format!("overload/{capacity_throughput}"),
    );
    report.at_least(
        "admitted throughput at 2 × capacity offered ÷ capacity",
        throughput,
        0.9,
        "×",
    );
    let latency = report.ratio(
        "overload: admitted p99 ÷ p99 at capacity",
        "overload/admitted, p99",
        &format!("overload/{capacity_latency}"),
    );
    report.at_most(
        "admitted p99 at 2 × capacity offered ÷ p99 at capacity",
        latency,
        2.0,
        "×",
    );
    // Judged from before the overload began, so that the step into it counts too.
    let growth = report.ratio(
        "overload: hl-hazards RSS at end ÷ after the capacity run",
        "overload/hl-hazards RSS at overload end",
        "overload/hl-hazards RSS after the capacity run",
    );
    report.at_most(
        "hl-hazards RSS at 2 × capacity offered, end ÷ before the overload",
        growth,
        1.2,
        "×",
    );
    // Growth over the second half would be memory kept per call.
    let second_half = report.ratio(
        "overload: hl-hazards RSS at end ÷ halfway",
        "overload/hl-hazards RSS at overload end",
        "overload/hl-hazards RSS halfway through the overload",
    );
    report.at_most(
        "hl-hazards RSS at 2 × capacity offered, end ÷ halfway",
        second_half,
        1.1,
        "×",
    );
    Ok(())
}
