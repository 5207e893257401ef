//! The event-store kernel in process: loading aggregates with long histories, hot aggregates
//! under concurrent writers, and the plain append workload the peer framework runs too.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use chrono::Utc;
use hl_directory::Standing;
use hl_eventstore::{
    EventStore, ExecuteError, Namespace, Repository, RepositorySettings, RequestMeta, StoreError,
    StoreSettings,
};
use hl_hazards::domain::alarm_device::{AlarmDevice, AlarmDeviceCommand};
use hl_hazards::domain::hazard::{Hazard, HazardCommand, ReportHazard};
use hl_proto::common::v1::Actor;
use hl_proto::hazards::v1 as pb;
use hl_proto::responsibility::v1::EnterpriseDetails;
use hl_telemetry::metrics::{ContextLabels, metrics};

use crate::generate::{REGION, credit_code, enterprise_actor, inspector, township_code};
use crate::stats::Latencies;

/// An event store on a fresh namespace, its streams ready.
pub async fn open_store(nats_url: &str, namespace: &str) -> anyhow::Result<EventStore> {
    let client = async_nats::connect(nats_url).await?;
    let store = EventStore::new(
        client,
        Namespace::new(namespace).map_err(|error| anyhow!(error))?,
        StoreSettings::default(),
    );
    store.ensure_context_stream("hazards").await?;
    store.ensure_context_stream("responsibility").await?;
    store.ensure_snapshot_stream().await?;
    Ok(store)
}

fn request(request_id: String, actor: &Actor) -> RequestMeta {
    RequestMeta {
        request_id,
        actor: actor.clone(),
        occurred_at: None,
        correlation_id: None,
        migrated_by: None,
    }
}

/// Latencies of loading one hazard with `events` events of history: from a fresh repository
/// (snapshot plus the commits after it, as a service loads), and from the first commit.
pub struct LoadLatency {
    pub with_snapshots: Latencies,
    pub full_history: Latencies,
    /// Size of the snapshot a load starts from, 0 when there is none yet.
    pub snapshot_bytes: usize,
    /// Commits after the snapshot, each read with a request of its own.
    pub commits_after_snapshot: u64,
    /// The two reads a load is made of, timed alone: the snapshot, and the look past the last
    /// commit that ends every load (it finds nothing).
    pub snapshot_read: Latencies,
    pub end_probe: Latencies,
    pub snapshot_decode: Latencies,
}

/// Builds a hazard of about `events` events (report, order, then claim/reject rounds) and loads
/// it `samples` times, each with an empty cache.
pub async fn load_latency(
    store: &EventStore,
    hazard_id: &str,
    events: u64,
    samples: usize,
) -> anyhow::Result<LoadLatency> {
    let repository =
        Repository::<Hazard>::new(store.clone(), REGION, RepositorySettings::default());
    let hazard_id = hazard_id.to_string();
    let enterprise = credit_code(1);
    let officer = inspector(1);
    let principal = enterprise_actor(&enterprise);
    let mut step = 0u64;
    let mut run = |command: HazardCommand, actor: Actor| {
        step += 1;
        let repository = &repository;
        let hazard_id = hazard_id.clone();
        async move {
            repository
                .execute(
                    &hazard_id,
                    &command,
                    &request(format!("{hazard_id}-{step}"), &actor),
                )
                .await
                .map_err(|error| anyhow!("{error}"))
        }
    };
    let report = HazardCommand::Report(ReportHazard {
        enterprise: Standing::registered(
            &enterprise,
            EnterpriseDetails {
                township_code: township_code(1, 10),
                ..Default::default()
            },
        ),
        region: REGION.into(),
        provenance: pb::Provenance::GovernmentInspection,
        source_type: pb::SourceType::Routine,
        category: pb::HazardCategory::FireSafety,
        location: "仓库".into(),
        description: "消防通道堵塞".into(),
        level: pb::HazardLevel::General,
        level_criterion: "一般事故隐患".into(),
        ..ReportHazard::default()
    });
    let mut version = run(report, officer.clone()).await?.version;
    let deadline = (Utc::now().date_naive() + chrono::Days::new(30)).into();
    let order = HazardCommand::OrderRectification(pb::RectificationOrder {
        document_number: "bench".into(),
        deadline: Some(deadline),
        measures: "清理通道".into(),
    });
    version = run(order, officer.clone()).await?.version.max(version);
    while version < events {
        let claim = HazardCommand::ClaimRectification {
            note: "已清理".into(),
            evidence: Vec::new(),
        };
        version = run(claim, principal.clone()).await?.version;
        if version >= events {
            break;
        }
        let reject = HazardCommand::Reject {
            reason: "复查仍有堆放".into(),
            new_deadline: None,
        };
        version = run(reject, officer.clone()).await?.version;
    }
    // Snapshots are written in the background after each sixteenth commit; give the last one
    // time to land so the loads below see the state a long-lived service would.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let subject = repository.subject(&hazard_id);
    let snapshot = store.latest_snapshot(&subject).await?;
    let snapshot_bytes = snapshot.as_ref().map_or(0, |snapshot| snapshot.len());
    // The commits a load reads after the snapshot (all of them without one).
    let snapshot_sequence = snapshot
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|snapshot| snapshot["last_sequence"].as_u64())
        .unwrap_or(0);
    let mut commits_after_snapshot = 0;
    store
        .each_after::<StoreError>(
            (hl_hazards::domain::CONTEXT, &subject),
            snapshot_sequence,
            RepositorySettings::default().read_batch,
            |_| {
                commits_after_snapshot += 1;
                Ok(true)
            },
        )
        .await?;
    let mut result = LoadLatency {
        with_snapshots: Latencies::default(),
        full_history: Latencies::default(),
        snapshot_bytes,
        commits_after_snapshot,
        snapshot_read: Latencies::default(),
        end_probe: Latencies::default(),
        snapshot_decode: Latencies::default(),
    };
    for _ in 0..samples {
        let fresh = Repository::<Hazard>::new(store.clone(), REGION, RepositorySettings::default());
        let started = Instant::now();
        let loaded = fresh.load(&hazard_id).await?;
        result.with_snapshots.record(started.elapsed());
        anyhow::ensure!(loaded.version == version, "loaded the whole history");
        let started = Instant::now();
        let loaded = fresh.load_full_history(&hazard_id).await?;
        result.full_history.record(started.elapsed());
        anyhow::ensure!(loaded.version == version, "loaded the whole history");
        let started = Instant::now();
        let snapshot = store.latest_snapshot(&subject).await?;
        result.snapshot_read.record(started.elapsed());
        if let Some(bytes) = snapshot {
            let started = Instant::now();
            let decoded = hl_eventstore::decode_snapshot::<Hazard>(&bytes);
            result.snapshot_decode.record(started.elapsed());
            anyhow::ensure!(decoded.is_some(), "the snapshot decodes");
        }
        let started = Instant::now();
        let beyond = store
            .next_message(
                hl_hazards::domain::CONTEXT,
                &subject,
                loaded.last_sequence,
                false,
            )
            .await?;
        result.end_probe.record(started.elapsed());
        anyhow::ensure!(beyond.is_none(), "nothing after the last commit");
    }
    Ok(result)
}

fn device_register(enterprise: &str) -> AlarmDeviceCommand {
    AlarmDeviceCommand::Register {
        enterprise: Standing::registered(enterprise, EnterpriseDetails::default()),
        region: REGION.into(),
        kind: pb::AlarmDeviceKind::AmmoniaConcentration,
        location: "机房".into(),
        claimed_last_tested_on: None,
    }
}

fn device_test(index: u64) -> AlarmDeviceCommand {
    AlarmDeviceCommand::RecordTest {
        tested_on: Utc::now().date_naive(),
        result: pb::AlarmTestResult::Pass,
        certificate_number: format!("ZS-{index:08}"),
        tester: "舟山市计量检定所".into(),
        // A test result carries its report (the peer's carries the same digest).
        evidence: vec![crate::generate::test_report(index)],
    }
}

/// The outcome of hot aggregates under concurrent writers.
pub struct Contention {
    pub attempts: u64,
    pub successes: u64,
    pub aborted: u64,
    pub retries: u64,
    pub conflicts: u64,
    pub successes_per_second: f64,
    pub latencies: Latencies,
}

fn counter(
    family: &prometheus_client::metrics::family::Family<
        ContextLabels,
        prometheus_client::metrics::counter::Counter,
    >,
) -> u64 {
    family
        .get_or_create(&ContextLabels {
            context: "hazards".into(),
        })
        .get()
}

/// `tasks` writers spread over `instances` repositories (as service replicas are) issue
/// `per_task` alarm-device tests each, task t's j-th on device (t + j) mod `hot`. Afterwards
/// every device's history is read back: each success is there once, nothing else is.
pub async fn contention(
    store: &EventStore,
    hot: u64,
    tasks: u64,
    per_task: u64,
    instances: usize,
) -> anyhow::Result<Contention> {
    let officer = inspector(2);
    let setup =
        Repository::<AlarmDevice>::new(store.clone(), REGION, RepositorySettings::default());
    for device in 0..hot {
        setup
            .execute(
                &format!("hot-{device}"),
                &device_register(&credit_code(device as usize)),
                &request(format!("hot-register-{device}"), &officer),
            )
            .await
            .map_err(|error| anyhow!("{error}"))?;
    }
    let repositories: Vec<Arc<Repository<AlarmDevice>>> = (0..instances)
        .map(|_| {
            Arc::new(Repository::new(
                store.clone(),
                REGION,
                RepositorySettings::default(),
            ))
        })
        .collect();
    let retries_before = counter(&metrics().command_retries);
    let conflicts_before = counter(&metrics().append_conflicts);
    let started = Instant::now();
    let mut handles = Vec::new();
    for task in 0..tasks {
        let repository = repositories[task as usize % instances].clone();
        let officer = officer.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            let mut outcomes = Vec::new();
            for command in 0..per_task {
                let device = (task + command) % hot;
                let attempt = Instant::now();
                let result = repository
                    .execute(
                        &format!("hot-{device}"),
                        &device_test(task * per_task + command),
                        &request(format!("hot-{task}-{command}"), &officer),
                    )
                    .await;
                latencies.record(attempt.elapsed());
                outcomes.push((device, result.map(|_| ())));
            }
            (latencies, outcomes)
        }));
    }
    let mut result = Contention {
        attempts: tasks * per_task,
        successes: 0,
        aborted: 0,
        retries: 0,
        conflicts: 0,
        successes_per_second: 0.0,
        latencies: Latencies::default(),
    };
    let mut per_device = vec![0u64; hot as usize];
    for handle in handles {
        let (latencies, outcomes) = handle.await?;
        result.latencies.merge(&latencies);
        for (device, outcome) in outcomes {
            match outcome {
                Ok(()) => {
                    result.successes += 1;
                    per_device[device as usize] += 1;
                }
                Err(ExecuteError::Conflict { .. }) => result.aborted += 1,
                Err(other) => return Err(anyhow!("a contended command failed: {other}")),
            }
        }
    }
    result.successes_per_second = result.successes as f64 / started.elapsed().as_secs_f64();
    anyhow::ensure!(
        result.successes + result.aborted == result.attempts,
        "every attempt either succeeded or was aborted"
    );
    result.retries = counter(&metrics().command_retries) - retries_before;
    result.conflicts = counter(&metrics().append_conflicts) - conflicts_before;

    // Read back: each device holds its registration and exactly its successful tests, with an
    // unbroken hash chain (a lost or duplicated commit would break it or change the count).
    let reader =
        Repository::<AlarmDevice>::new(store.clone(), REGION, RepositorySettings::default());
    for (device, successes) in per_device.iter().enumerate() {
        let loaded = reader
            .load_full_history(&format!("hot-{device}"))
            .await
            .context("read a hot device back")?;
        anyhow::ensure!(
            loaded.version == successes + 1,
            "device hot-{device}: {} events recorded for {} successes",
            loaded.version,
            successes
        );
    }
    Ok(result)
}

/// The peer's workload on our kernel: `commands` commands over `aggregates` alarm devices,
/// the first on each a registration and the second a test, `concurrency` tasks at once.
pub async fn append_workload(
    store: &EventStore,
    concurrency: usize,
    commands: u64,
    aggregates: u64,
) -> anyhow::Result<(f64, Latencies)> {
    let repository = Arc::new(Repository::<AlarmDevice>::new(
        store.clone(),
        REGION,
        RepositorySettings::default(),
    ));
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..concurrency {
        let repository = repository.clone();
        let next = next.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            let officer = inspector(3);
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= commands {
                    return Ok::<_, anyhow::Error>(latencies);
                }
                let device = index % aggregates;
                let command = if index < aggregates {
                    device_register(&credit_code(device as usize))
                } else {
                    device_test(index)
                };
                let sent = Instant::now();
                repository
                    .execute(
                        &format!("dev-{device}"),
                        &command,
                        &request(format!("append-{index}"), &officer),
                    )
                    .await
                    .map_err(|error| anyhow!("{error}"))?;
                latencies.record(sent.elapsed());
            }
        }));
    }
    let mut latencies = Latencies::default();
    for handle in handles {
        latencies.merge(&handle.await??);
    }
    Ok((commands as f64 / started.elapsed().as_secs_f64(), latencies))
}
