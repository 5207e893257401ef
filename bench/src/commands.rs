//! Commands over gRPC: workers walk hazards through their lifecycle against the hazards service
//! process, in both ledgers, each hazard a separate aggregate.

use std::time::{Duration, Instant};

use anyhow::anyhow;
use chrono::Utc;
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use tonic::transport::Channel;

use crate::generate::{REGION, credit_code, township_code};
use crate::process::as_actor;
use crate::stats::Latencies;

/// What one concurrency level achieved.
pub struct Mix {
    pub per_second: f64,
    pub latencies: Latencies,
}

struct Worker {
    client: HazardsServiceClient<Channel>,
    latencies: Latencies,
    completed: u64,
    /// Commands sent in this window are counted; those before it warm the service up.
    window: (Instant, Instant),
}

impl Worker {
    /// Sends one command and times it.
    async fn send<R>(
        &mut self,
        call: impl AsyncFnOnce(&mut HazardsServiceClient<Channel>) -> Result<R, tonic::Status>,
    ) -> anyhow::Result<()> {
        let sent = Instant::now();
        call(&mut self.client)
            .await
            .map_err(|status| anyhow!("command refused: {status:?}"))?;
        if self.window.0 <= sent && sent < self.window.1 {
            self.latencies.record(sent.elapsed());
            self.completed += 1;
        }
        Ok(())
    }
}

/// Who acts on one hazard: the enterprise's principal and an inspector.
struct Actors {
    principal: String,
    enterprise: String,
    officer: String,
}

impl Actors {
    /// The actors of the `index`-th hazard, whose enterprise is the `index % enterprises`-th.
    fn of(index: usize, enterprises: usize) -> Actors {
        let enterprise = credit_code(index % enterprises);
        Actors {
            principal: format!("principal-{}", &enterprise[12..]),
            officer: format!("officer-{}", index % 40),
            enterprise,
        }
    }

    fn enterprise<T>(&self, body: T) -> tonic::Request<T> {
        as_actor(body, &self.principal, "enterprise", &self.enterprise, "")
    }

    fn officer<T>(&self, body: T) -> tonic::Request<T> {
        as_actor(body, &self.officer, "inspector", "putuo-bureau", REGION)
    }
}

/// The report that opens the `index`-th hazard: by an inspector in the government ledger (even
/// `index`) or by the enterprise's principal in the enterprise's own (odd).
pub fn report_request(
    hazard_id: &str,
    index: usize,
    enterprises: usize,
    townships: usize,
) -> tonic::Request<pb::ReportHazardRequest> {
    let actors = Actors::of(index, enterprises);
    let government = index.is_multiple_of(2);
    let report = pb::ReportHazardRequest {
        request_id: format!("{hazard_id}-1"),
        hazard_id: hazard_id.to_string(),
        enterprise_id: actors.enterprise.clone(),
        township_code: township_code(index % enterprises, townships),
        provenance: if government {
            pb::Provenance::GovernmentInspection as i32
        } else {
            pb::Provenance::EnterpriseSelf as i32
        },
        source_type: pb::SourceType::Routine as i32,
        category: pb::HazardCategory::FireSafety as i32,
        location: "仓库".into(),
        description: "消防通道堵塞，灭火器过期".into(),
        level: pb::HazardLevel::General as i32,
        level_criterion: "一般事故隐患".into(),
        ..Default::default()
    };
    if government {
        actors.officer(report)
    } else {
        actors.enterprise(report)
    }
}

/// One hazard's five commands, in the government ledger (even) or the enterprise's (odd).
async fn lifecycle(
    worker: &mut Worker,
    hazard_id: String,
    index: usize,
    enterprises: usize,
    townships: usize,
) -> anyhow::Result<()> {
    let actors = Actors::of(index, enterprises);
    let government = index.is_multiple_of(2);
    let name = format!("hazards/{hazard_id}");
    let deadline =
        hl_proto::common::v1::Date::from(Utc::now().date_naive() + chrono::Days::new(30));

    let request = report_request(&hazard_id, index, enterprises, townships);
    worker
        .send(async |client| client.report_hazard(request).await)
        .await?;

    if government {
        let order = actors.officer(pb::OrderRectificationRequest {
            request_id: format!("{hazard_id}-2"),
            name: name.clone(),
            order: Some(pb::RectificationOrder {
                document_number: format!("责改-{hazard_id}"),
                deadline: Some(deadline),
                measures: "清理通道，更换灭火器".into(),
            }),
            ..Default::default()
        });
        worker
            .send(async |client| client.order_rectification(order).await)
            .await?;
    } else {
        let plan = actors.enterprise(pb::PlanRectificationRequest {
            request_id: format!("{hazard_id}-2"),
            name: name.clone(),
            plan: Some(pb::RectificationPlan {
                measures: "清理通道，更换灭火器".into(),
                owner: "安全员".into(),
                funds_fen: 20_000,
                deadline: Some(deadline),
                acceptance_standard: "通道畅通".into(),
                acceptor: "主要负责人".into(),
            }),
            ..Default::default()
        });
        worker
            .send(async |client| client.plan_rectification(plan).await)
            .await?;
    }
    let claim = actors.enterprise(pb::ClaimRectificationRequest {
        request_id: format!("{hazard_id}-3"),
        name: name.clone(),
        note: "已整改".into(),
        evidence: vec![hl_proto::common::v1::EvidenceRef {
            sha256: format!("{index:064x}"),
            media_type: "image/jpeg".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    worker
        .send(async |client| client.claim_rectification(claim).await)
        .await?;
    let verify = pb::VerifyRectificationRequest {
        request_id: format!("{hazard_id}-4"),
        name: name.clone(),
        ..Default::default()
    };
    let verify = if government {
        actors.officer(verify)
    } else {
        actors.enterprise(verify)
    };
    worker
        .send(async |client| client.verify_rectification(verify).await)
        .await?;
    let close = pb::CloseHazardRequest {
        request_id: format!("{hazard_id}-5"),
        name,
        note: "销号".into(),
        ..Default::default()
    };
    let close = if government {
        actors.officer(close)
    } else {
        actors.enterprise(close)
    };
    worker
        .send(async |client| client.close_hazard(close).await)
        .await
}

/// Runs `concurrency` workers for `duration` (after a short warm-up that is not counted).
pub async fn run(
    channels: &[Channel],
    label: &str,
    concurrency: usize,
    duration: Duration,
    enterprises: usize,
    townships: usize,
) -> anyhow::Result<Mix> {
    let warm_up = Duration::from_millis(500);
    let start = Instant::now();
    let measured_from = start + warm_up;
    let measured_until = measured_from + duration;
    let mut handles = Vec::new();
    for worker_index in 0..concurrency {
        let client = HazardsServiceClient::new(channels[worker_index % channels.len()].clone());
        let label = label.to_string();
        handles.push(tokio::spawn(async move {
            let mut worker = Worker {
                client,
                latencies: Latencies::default(),
                completed: 0,
                window: (measured_from, measured_until),
            };
            let mut hazard = 0usize;
            while Instant::now() < measured_until {
                let index = worker_index * 1_000_000 + hazard;
                let hazard_id = format!("{label}-w{worker_index}-{hazard}");
                lifecycle(&mut worker, hazard_id, index, enterprises, townships).await?;
                hazard += 1;
            }
            Ok::<_, anyhow::Error>(worker)
        }));
    }
    let mut latencies = Latencies::default();
    let mut completed = 0;
    for handle in handles {
        let worker = handle.await??;
        latencies.merge(&worker.latencies);
        completed += worker.completed;
    }
    Ok(Mix {
        per_second: completed as f64 / duration.as_secs_f64(),
        latencies,
    })
}

/// The peer's workload (peer.rs, and the kernel's `append_workload`) through the hazards
/// service: `commands` commands, the first `devices` registering one alarm device each by its
/// enterprise, the rest recording a test of one, taken in turn by `concurrency` callers.
/// Returns commands per second and each command's latency.
pub async fn device_workload(
    channels: &[Channel],
    label: &str,
    concurrency: usize,
    (commands, devices): (u64, u64),
    enterprises: usize,
) -> anyhow::Result<(f64, Latencies)> {
    let next = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for worker_index in 0..concurrency {
        let mut worker = Worker {
            client: HazardsServiceClient::new(channels[worker_index % channels.len()].clone()),
            latencies: Latencies::default(),
            completed: 0,
            window: (started, started + Duration::from_secs(24 * 3600)),
        };
        let (next, label) = (next.clone(), label.to_string());
        handles.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if index >= commands {
                    return Ok::<_, anyhow::Error>(worker.latencies);
                }
                let device = index % devices;
                let actors = Actors::of(device as usize, enterprises);
                let device_id = format!("{label}-dev-{device}");
                let request_id = format!("{label}-append-{index}");
                if index < devices {
                    let register = actors.enterprise(pb::RegisterAlarmDeviceRequest {
                        request_id,
                        device_id,
                        enterprise_id: actors.enterprise.clone(),
                        kind: pb::AlarmDeviceKind::AmmoniaConcentration as i32,
                        location: "机房".into(),
                        ..Default::default()
                    });
                    worker
                        .send(async |client| client.register_alarm_device(register).await)
                        .await?;
                } else {
                    let test = actors.enterprise(pb::RecordAlarmDeviceTestRequest {
                        request_id,
                        name: format!("alarmDevices/{device_id}"),
                        tested_on: Some(Utc::now().date_naive().into()),
                        result: pb::AlarmTestResult::Pass as i32,
                        certificate_number: format!("ZS-{index:08}"),
                        tester: "舟山市计量检定所".into(),
                        evidence: vec![crate::generate::test_report(index)],
                        ..Default::default()
                    });
                    worker
                        .send(async |client| client.record_alarm_device_test(test).await)
                        .await?;
                }
            }
        }));
    }
    let mut latencies = Latencies::default();
    for handle in handles {
        latencies.merge(&handle.await??);
    }
    Ok((commands as f64 / started.elapsed().as_secs_f64(), latencies))
}
