//! The peer: cqrs-es with postgres-es, the event-sourcing framework Rust users pick instead,
//! running the same append workload (a registration, then a test, on each alarm device) on the
//! same PostgreSQL the projections use.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::anyhow;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPoolOptions;

use crate::stats::Latencies;

/// The alarm device as a cqrs-es aggregate, with the same fields as ours.
#[derive(Default, Serialize, Deserialize)]
pub struct PeerDevice {
    device_id: String,
    enterprise_id: String,
    tests: u64,
    last_tested_on: String,
}

pub enum PeerCommand {
    Register {
        device_id: String,
        enterprise_id: String,
    },
    RecordTest {
        tested_on: String,
        certificate_number: String,
        /// The test report's SHA-256, as ours carries it.
        report_sha256: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PeerEvent {
    Registered {
        device_id: String,
        enterprise_id: String,
        kind: String,
        location: String,
        test_interval_days: u32,
    },
    Tested {
        device_id: String,
        tested_on: String,
        result: String,
        certificate_number: String,
        tester: String,
        report_sha256: String,
    },
}

impl DomainEvent for PeerEvent {
    fn event_type(&self) -> String {
        match self {
            PeerEvent::Registered { .. } => "AlarmDeviceRegistered".into(),
            PeerEvent::Tested { .. } => "AlarmDeviceTested".into(),
        }
    }

    fn event_version(&self) -> String {
        "1".into()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PeerError(String);

impl Aggregate for PeerDevice {
    const TYPE: &'static str = "alarm_device";
    type Command = PeerCommand;
    type Event = PeerEvent;
    type Error = PeerError;
    type Services = ();

    async fn handle(
        &mut self,
        command: PeerCommand,
        _services: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), PeerError> {
        let event = match command {
            PeerCommand::Register {
                device_id,
                enterprise_id,
            } => {
                if !self.device_id.is_empty() {
                    return Err(PeerError("already registered".into()));
                }
                PeerEvent::Registered {
                    device_id,
                    enterprise_id,
                    kind: "ALARM_DEVICE_KIND_AMMONIA_CONCENTRATION".into(),
                    location: "机房".into(),
                    test_interval_days: 365,
                }
            }
            PeerCommand::RecordTest {
                tested_on,
                certificate_number,
                report_sha256,
            } => {
                if self.device_id.is_empty() {
                    return Err(PeerError("no such device".into()));
                }
                PeerEvent::Tested {
                    device_id: self.device_id.clone(),
                    tested_on,
                    result: "ALARM_TEST_RESULT_PASS".into(),
                    certificate_number,
                    tester: "舟山市计量检定所".into(),
                    report_sha256,
                }
            }
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: PeerEvent) {
        match event {
            PeerEvent::Registered {
                device_id,
                enterprise_id,
                ..
            } => {
                self.device_id = device_id;
                self.enterprise_id = enterprise_id;
            }
            PeerEvent::Tested { tested_on, .. } => {
                self.tests += 1;
                self.last_tested_on = tested_on;
            }
        }
    }
}

/// The events table of postgres-es (its db/init.sql).
const EVENTS_TABLE: &str = "CREATE TABLE events (
    aggregate_type text NOT NULL,
    aggregate_id text NOT NULL,
    sequence bigint CHECK (sequence >= 0) NOT NULL,
    event_type text NOT NULL,
    event_version text NOT NULL,
    payload json NOT NULL,
    metadata json NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
)";

/// Runs the workload through cqrs-es on the database at `url`: commands per second, latencies,
/// after checking that the events table holds exactly one row per command.
pub async fn append_workload(
    url: &str,
    concurrency: usize,
    commands: u64,
    aggregates: u64,
) -> anyhow::Result<(f64, Latencies)> {
    let pool = PgPoolOptions::new()
        .max_connections(concurrency as u32)
        .min_connections(concurrency as u32)
        .connect(url)
        .await?;
    sqlx::query(EVENTS_TABLE).execute(&pool).await?;
    let framework = Arc::new(postgres_es::postgres_cqrs::<PeerDevice>(
        pool.clone(),
        Vec::new(),
        (),
    ));
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    let today = chrono::Utc::now().date_naive().to_string();
    for _ in 0..concurrency {
        let framework = framework.clone();
        let next = next.clone();
        let today = today.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= commands {
                    return Ok::<_, anyhow::Error>(latencies);
                }
                let device = format!("dev-{}", index % aggregates);
                let command = if index < aggregates {
                    PeerCommand::Register {
                        device_id: device.clone(),
                        enterprise_id: crate::generate::credit_code((index % aggregates) as usize),
                    }
                } else {
                    PeerCommand::RecordTest {
                        tested_on: today.clone(),
                        certificate_number: format!("ZS-{index:08}"),
                        report_sha256: format!("{index:064x}"),
                    }
                };
                let sent = Instant::now();
                framework
                    .execute(&device, command)
                    .await
                    .map_err(|error| anyhow!("cqrs-es: {error}"))?;
                latencies.record(sent.elapsed());
            }
        }));
    }
    let mut latencies = Latencies::default();
    for handle in handles {
        latencies.merge(&handle.await??);
    }
    let per_second = commands as f64 / started.elapsed().as_secs_f64();
    let (rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await?;
    anyhow::ensure!(
        rows as u64 == commands,
        "cqrs-es stored {rows} events for {commands} commands"
    );
    pool.close().await;
    Ok((per_second, latencies))
}
