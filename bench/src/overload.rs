//! Overload: the hazards service, as a process, offered twice what it can do. Its capacity is
//! measured first with as many callers as it admits calls at once, each waiting for its answer;
//! then calls arrive on a fixed schedule at twice that rate whether or not earlier ones were
//! answered, as many independent clients would send them. The server should run what it admits
//! as fast as at capacity and refuse the rest at once (RESOURCE_EXHAUSTED), its memory flat.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::bail;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use tokio::task::JoinSet;
use tonic::transport::Channel;

use crate::commands::report_request;
use crate::process::Service;
use crate::stats::Latencies;

/// Calls before the capacity window: the fresh process fills its caches and connections first.
const WARM_UP: Duration = Duration::from_secs(1);

/// How often the server's resident memory is read while it is overloaded.
const MEMORY_SAMPLE: Duration = Duration::from_secs(1);

/// What the service does offered no more calls than it admits at once.
pub struct Capacity {
    pub per_second: f64,
    pub latencies: Latencies,
    /// Refused calls: none are expected, no more being in flight than the limit, and any would
    /// mean the capacity was measured with fewer callers served than it says.
    pub rejected: u64,
}

/// `concurrency` callers, each sending its next report as soon as the last is answered, for
/// `duration` after a warm-up that is not counted. Any failure but a refusal ends the run: at
/// capacity nothing should fail.
pub async fn capacity(
    channels: &[Channel],
    label: &str,
    concurrency: usize,
    duration: Duration,
    enterprises: usize,
    townships: usize,
) -> anyhow::Result<Capacity> {
    let measured_from = Instant::now() + WARM_UP;
    let measured_until = measured_from + duration;
    let mut workers = JoinSet::new();
    for worker_index in 0..concurrency {
        let mut client = HazardsServiceClient::new(channels[worker_index % channels.len()].clone());
        let label = label.to_string();
        workers.spawn(async move {
            let mut latencies = Latencies::default();
            let mut completed = 0u64;
            let mut rejected = 0u64;
            let mut hazard = 0usize;
            loop {
                let sent = Instant::now();
                if sent >= measured_until {
                    break;
                }
                let request = report_request(
                    &format!("{label}-w{worker_index}-{hazard}"),
                    worker_index * 1_000_000 + hazard,
                    enterprises,
                    townships,
                );
                hazard += 1;
                let answer = client.report_hazard(request).await;
                let counted = sent >= measured_from;
                match answer {
                    Ok(_) => {
                        if counted {
                            latencies.record(sent.elapsed());
                            completed += 1;
                        }
                    }
                    Err(status) if status.code() == tonic::Code::ResourceExhausted => {
                        if counted {
                            rejected += 1;
                        }
                    }
                    Err(status) => bail!("a report at capacity failed: {status:?}"),
                }
            }
            Ok::<_, anyhow::Error>((latencies, completed, rejected))
        });
    }
    let mut result = Capacity {
        per_second: 0.0,
        latencies: Latencies::default(),
        rejected: 0,
    };
    let mut completed = 0;
    while let Some(joined) = workers.join_next().await {
        let (latencies, worker_completed, rejected) = joined??;
        result.latencies.merge(&latencies);
        completed += worker_completed;
        result.rejected += rejected;
    }
    result.per_second = completed as f64 / duration.as_secs_f64();
    Ok(result)
}

/// How one call offered under overload ended.
enum Outcome {
    Admitted(Duration),
    Rejected,
    Failed(tonic::Code),
}

/// What the service did with the calls offered beyond its capacity.
pub struct Overload {
    /// Calls the schedule asked for, per second.
    pub offered_per_second: f64,
    /// Calls the client started, per second: below the offered rate when the client itself
    /// fell behind its schedule or hit its cap.
    pub started_per_second: f64,
    /// Calls due while the schedule's cap of calls were unanswered, so never started.
    pub not_offered: u64,
    pub started: u64,
    pub admitted: u64,
    pub admitted_per_second: f64,
    /// Latencies of the admitted calls, from the moment each was sent.
    pub latencies: Latencies,
    pub rejected: u64,
    /// Calls that ended otherwise, by status code; "no answer" for those still unanswered
    /// the schedule's answer wait after it ended.
    pub failed: BTreeMap<String, u64>,
    /// The server's resident memory when the overload began, when it ended, and the most read
    /// in between.
    pub rss_start_bytes: Option<u64>,
    /// Halfway through: with the end, whether memory still grows once the overload is under way.
    pub rss_half_bytes: Option<u64>,
    pub rss_end_bytes: Option<u64>,
    pub rss_max_bytes: Option<u64>,
}

/// How calls are offered under overload.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    /// Calls a second.
    pub rate: f64,
    pub duration: Duration,
    /// Most calls the client leaves unanswered; a call due beyond them is not started (beyond
    /// them the client, not the server, would be measured).
    pub max_outstanding: usize,
    /// How long after the schedule ends the client waits for the last answers.
    pub answer_wait: Duration,
}

/// Offers reports on `schedule`. Each call is started when its time comes, however many earlier
/// ones are still unanswered (up to the schedule's cap), and followed to its answer.
pub async fn overload(
    service: &Service,
    channels: &[Channel],
    label: &str,
    schedule: &Schedule,
    enterprises: usize,
    townships: usize,
) -> anyhow::Result<Overload> {
    let Schedule {
        rate,
        duration,
        max_outstanding,
        answer_wait,
    } = *schedule;
    anyhow::ensure!(
        rate > 0.0,
        "no rate to offer: the capacity measured nothing"
    );
    let mut result = Overload {
        offered_per_second: rate,
        started_per_second: 0.0,
        not_offered: 0,
        started: 0,
        admitted: 0,
        admitted_per_second: 0.0,
        latencies: Latencies::default(),
        rejected: 0,
        failed: BTreeMap::new(),
        rss_start_bytes: service.rss_bytes(),
        rss_half_bytes: None,
        rss_end_bytes: None,
        rss_max_bytes: None,
    };
    result.rss_max_bytes = result.rss_start_bytes;
    let mut calls: JoinSet<Outcome> = JoinSet::new();
    let started = Instant::now();
    let until = started + duration;
    let mut next_sample = started + MEMORY_SAMPLE;
    // Call n is due at n / rate seconds; `scheduled` calls were due so far.
    let mut scheduled: u64 = 0;
    loop {
        let now = Instant::now();
        if now >= until {
            break;
        }
        while let Some(joined) = calls.try_join_next() {
            result.count(joined?);
        }
        if now >= next_sample {
            result.sample_memory(service);
            next_sample += MEMORY_SAMPLE;
        }
        if result.rss_half_bytes.is_none() && now >= started + duration / 2 {
            result.rss_half_bytes = result.sample_memory(service);
        }
        // The timer ticks by the millisecond, so at thousands of calls a second the calls due
        // since the last tick leave together.
        let due = ((now - started).as_secs_f64() * rate) as u64 + 1;
        while scheduled < due {
            let index = scheduled as usize;
            scheduled += 1;
            if calls.len() >= max_outstanding {
                result.not_offered += 1;
                continue;
            }
            result.started += 1;
            let hazard_id = format!("{label}-{index}");
            let mut client = HazardsServiceClient::new(channels[index % channels.len()].clone());
            calls.spawn(async move {
                let request = report_request(&hazard_id, index, enterprises, townships);
                let sent = Instant::now();
                match client.report_hazard(request).await {
                    Ok(_) => Outcome::Admitted(sent.elapsed()),
                    Err(status) if status.code() == tonic::Code::ResourceExhausted => {
                        Outcome::Rejected
                    }
                    Err(status) => Outcome::Failed(status.code()),
                }
            });
        }
        let next_due = started + Duration::from_secs_f64(scheduled as f64 / rate);
        tokio::time::sleep_until(tokio::time::Instant::from_std(next_due.min(until))).await;
    }
    result.rss_end_bytes = result.sample_memory(service);

    let deadline = tokio::time::Instant::now() + answer_wait;
    while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, calls.join_next()).await {
        result.count(joined?);
    }
    if !calls.is_empty() {
        *result.failed.entry("no answer".to_string()).or_default() += calls.len() as u64;
        calls.abort_all();
    }
    let seconds = duration.as_secs_f64();
    result.started_per_second = result.started as f64 / seconds;
    result.admitted_per_second = result.admitted as f64 / seconds;
    Ok(result)
}

impl Overload {
    /// Calls neither admitted nor refused for want of room.
    pub fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }

    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Admitted(latency) => {
                self.latencies.record(latency);
                self.admitted += 1;
            }
            Outcome::Rejected => self.rejected += 1,
            Outcome::Failed(code) => {
                *self.failed.entry(format!("{code:?}")).or_default() += 1;
            }
        }
    }

    /// Reads the server's resident memory now, keeping the most read.
    fn sample_memory(&mut self, service: &Service) -> Option<u64> {
        let rss = service.rss_bytes()?;
        self.rss_max_bytes = Some(self.rss_max_bytes.map_or(rss, |max| max.max(rss)));
        Some(rss)
    }
}
