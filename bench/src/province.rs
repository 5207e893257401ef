//! Province scale: the projector and the suite, each a process of its own, replay a large
//! history (peak memory measured by the kernel), then the reconciliation queries are timed over
//! gRPC against the projector's read model.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_proto::ledger::v1::projection_admin_service_client::ProjectionAdminServiceClient;
use tonic::transport::Channel;

use crate::process::{Service, as_actor};
use crate::stats::Latencies;

fn administrator<T>(body: T) -> tonic::Request<T> {
    as_actor(
        body,
        "bench-admin",
        "bureau-administrator",
        "putuo-bureau",
        crate::generate::REGION,
    )
}

/// What a replay took.
pub struct Replay {
    /// From the process's start until its health check said SERVING.
    pub serving_seconds: f64,
    /// From the process's start until its read models had applied every stream's head.
    pub seconds: f64,
    pub peak_rss_bytes: u64,
}

/// Waits until the service's read model has applied every stream's head.
async fn wait_for_catch_up(service: &Service, timeout: Duration) -> anyhow::Result<f64> {
    let mut admin = ProjectionAdminServiceClient::new(service.channel().await?);
    let deadline = Instant::now() + timeout;
    loop {
        let status = admin
            .get_projection_status(administrator(ledger::GetProjectionStatusRequest {}))
            .await?
            .into_inner();
        anyhow::ensure!(
            status.failures.is_empty(),
            "a projector stopped: {:?}",
            status.failures
        );
        if status
            .freshness
            .is_some_and(|freshness| freshness.is_caught_up())
        {
            return Ok(service.uptime());
        }
        anyhow::ensure!(Instant::now() < deadline, "no catch-up within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts a binary that projects (hl-projections or the suite) on the streams and waits for it
/// to catch up, keeping it running for queries.
pub async fn replay(
    binary: &Path,
    environment: &[(&str, String)],
) -> anyhow::Result<(Service, Replay)> {
    let service = Service::start(binary, environment).await?;
    let serving_seconds = service.uptime();
    let seconds = wait_for_catch_up(&service, Duration::from_secs(3600)).await?;
    let peak_rss_bytes = service
        .peak_rss_bytes()
        .context("read the process's peak memory")?;
    Ok((
        service,
        Replay {
            serving_seconds,
            seconds,
            peak_rss_bytes,
        },
    ))
}

/// Latencies of the two reconciliation queries the bureau runs most.
pub struct Queries {
    /// Every sample, the first (cold) one included.
    pub summary: Latencies,
    pub discrepancies: Latencies,
    /// The tenth page of 100 discrepancies.
    pub deep_discrepancies: Latencies,
    /// A page of 50 government-side hazards of one township.
    pub hazards_page: Latencies,
    /// A page of 50 of one township's overdue hazards: the indexes hold the day each becomes
    /// overdue, so the database reads the page alone.
    pub overdue_page: Latencies,
    /// One enterprise's two ledgers.
    pub enterprise_ledgers: Latencies,
    /// The summary as of 30 days ago (never kept: each is read from the history).
    pub past_summary: Latencies,
    /// Of those, the ones the server cut at its deadline.
    pub past_summary_deadlines: usize,
    /// Summaries of now refused DEADLINE_EXCEEDED, each timed as the time to the refusal.
    pub summary_deadlines: usize,
    /// The first summary: the service reconciles from the database, nothing kept yet.
    pub first_summary: Duration,
    pub samples: usize,
}

/// Times up to `samples` of each query, alternating, over one channel, stopping early (after at
/// least three) once `budget` is spent: a slow query is reported, not waited on for an hour.
pub async fn query(
    channel: Channel,
    samples: usize,
    budget: Duration,
    (period_start, period_end): (chrono::NaiveDate, chrono::NaiveDate),
    (enterprises, townships): (usize, usize),
) -> anyhow::Result<Queries> {
    let started = Instant::now();
    let mut client = LedgerServiceClient::new(channel);
    let mut result = Queries {
        summary: Latencies::default(),
        discrepancies: Latencies::default(),
        deep_discrepancies: Latencies::default(),
        hazards_page: Latencies::default(),
        overdue_page: Latencies::default(),
        enterprise_ledgers: Latencies::default(),
        past_summary: Latencies::default(),
        past_summary_deadlines: 0,
        summary_deadlines: 0,
        first_summary: Duration::ZERO,
        samples: 0,
    };
    for sample in 0..samples {
        if sample >= 3 && started.elapsed() > budget {
            break;
        }
        let started = Instant::now();
        let summary = client
            .get_reconciliation_summary(administrator(ledger::GetReconciliationSummaryRequest {
                group_by: ledger::GroupBy::Township as i32,
                period_start: Some(period_start.into()),
                period_end: Some(period_end.into()),
                ..Default::default()
            }))
            .await;
        if sample == 0 {
            result.first_summary = started.elapsed();
        }
        result.summary.record(started.elapsed());
        // A summary past the server's deadline counts as the past summaries do (below).
        match summary {
            Ok(summary) => {
                anyhow::ensure!(!summary.get_ref().rows.is_empty(), "the summary has rows")
            }
            Err(status) if status.code() == tonic::Code::DeadlineExceeded => {
                result.summary_deadlines += 1;
            }
            Err(status) => return Err(status.into()),
        }

        let started = Instant::now();
        let page = client
            .list_discrepancies(administrator(ledger::ListDiscrepanciesRequest {
                page_size: 100,
                period_start: Some(period_start.into()),
                period_end: Some(period_end.into()),
                ..Default::default()
            }))
            .await?
            .into_inner();
        result.discrepancies.record(started.elapsed());
        anyhow::ensure!(!page.discrepancies.is_empty(), "the list has discrepancies");

        let mut token = page.next_page_token;
        for page_number in 2..=DEEP_PAGE {
            let started = Instant::now();
            let page = client
                .list_discrepancies(administrator(ledger::ListDiscrepanciesRequest {
                    page_size: 100,
                    page_token: token,
                    period_start: Some(period_start.into()),
                    period_end: Some(period_end.into()),
                    ..Default::default()
                }))
                .await?
                .into_inner();
            if page_number == DEEP_PAGE {
                result.deep_discrepancies.record(started.elapsed());
            }
            token = page.next_page_token;
            anyhow::ensure!(!token.is_empty(), "{DEEP_PAGE} pages of discrepancies");
        }

        // The township and the enterprise of a government finding: both ledgers have rows.
        let enterprise = crate::generate::enterprise_of_hazard(sample * 5, enterprises);
        let township = crate::generate::township_code(enterprise, townships);
        let started = Instant::now();
        let hazards = client
            .list_hazards(administrator(ledger::ListHazardsRequest {
                page_size: 50,
                township_code: township.clone(),
                ledger: ledger::Ledger::Government as i32,
                ..Default::default()
            }))
            .await?
            .into_inner();
        result.hazards_page.record(started.elapsed());
        anyhow::ensure!(!hazards.hazards.is_empty(), "the township has hazards");

        let started = Instant::now();
        client
            .list_hazards(administrator(ledger::ListHazardsRequest {
                page_size: 50,
                township_code: township,
                overdue_only: true,
                ..Default::default()
            }))
            .await?;
        result.overdue_page.record(started.elapsed());

        let enterprise = crate::generate::credit_code(enterprise);
        let started = Instant::now();
        let ledgers = client
            .get_enterprise_ledgers(administrator(ledger::GetEnterpriseLedgersRequest {
                name: format!("enterprises/{enterprise}"),
                ..Default::default()
            }))
            .await?
            .into_inner();
        result.enterprise_ledgers.record(started.elapsed());
        anyhow::ensure!(
            !ledgers.enterprise_ledger.is_empty() || !ledgers.government_ledger.is_empty(),
            "the enterprise has hazards"
        );
        result.samples += 1;
    }
    // As of a past day nothing is kept, so each of these reads the history: a few samples.
    let as_of = chrono::Utc::now() - chrono::Duration::days(30);
    for sample in 0..PAST_SAMPLES {
        if sample >= 1 && started.elapsed() > budget * 2 {
            break;
        }
        let started = Instant::now();
        let answer = client
            .get_reconciliation_summary(administrator(ledger::GetReconciliationSummaryRequest {
                group_by: ledger::GroupBy::Township as i32,
                period_start: Some(period_start.into()),
                period_end: Some(hl_domain::clock::local_date(as_of).into()),
                as_of: Some(hl_proto::timestamp(as_of)),
                ..Default::default()
            }))
            .await;
        // Past the server's deadline the answer is DEADLINE_EXCEEDED: reported as the time it
        // took to be refused (a lower bound), and counted.
        match answer {
            Ok(_) => {}
            Err(status) if status.code() == tonic::Code::DeadlineExceeded => {
                result.past_summary_deadlines += 1;
            }
            Err(status) => return Err(status.into()),
        }
        result.past_summary.record(started.elapsed());
    }
    Ok(result)
}

/// The page the deep discrepancy page is.
const DEEP_PAGE: usize = 10;
/// Summaries as of a past day per run.
const PAST_SAMPLES: usize = 3;
