//! Flows several tests run on different topologies (one nats-server, a three-node cluster):
//! each drives a running suite over gRPC only and checks what it recorded on the stream.

use hl_proto::common::v1::EvidenceRef;
use hl_proto::events::v1::Commit;
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_testkit::actors::{ENTERPRISE, by_enterprise};
use hl_testkit::fixtures::{Registered, register_district};
use prost::Message;
use tonic::transport::Channel;

fn by_enterprise_request<T>(body: T) -> tonic::Request<T> {
    by_enterprise(body, ENTERPRISE)
}

fn photo() -> Vec<EvidenceRef> {
    vec![EvidenceRef {
        sha256: "a".repeat(64),
        media_type: "image/jpeg".into(),
        ..EvidenceRef::default()
    }]
}

/// A hazard an enterprise finds goes from report to close-out (销号) on a suite without the
/// demo; the stream then holds one commit per command, in order, each with its actor, region,
/// causation and trace context.
pub async fn hazard_report_to_close_out(channel: Channel, nats_url: &str, namespace: &str) {
    register_district(channel.clone(), &[Registered::cold_store(ENTERPRISE)]).await;
    let mut client = HazardsServiceClient::new(channel);

    let reported = client
        .report_hazard(by_enterprise_request(self_check_report(
            "e2e-report",
            "e2e-valve",
        )))
        .await
        .expect("report")
        .into_inner();
    assert_eq!(
        reported.hazard.unwrap().status,
        pb::HazardStatus::Graded as i32
    );

    let name = "hazards/e2e-valve".to_string();
    client
        .plan_rectification(by_enterprise_request(pb::PlanRectificationRequest {
            request_id: "e2e-plan".into(),
            name: name.clone(),
            plan: Some(rectification_plan()),
            ..Default::default()
        }))
        .await
        .expect("plan");
    client
        .claim_rectification(by_enterprise_request(pb::ClaimRectificationRequest {
            request_id: "e2e-claim".into(),
            name: name.clone(),
            note: "replaced".into(),
            evidence: photo(),
            ..Default::default()
        }))
        .await
        .expect("claim");
    client
        .verify_rectification(by_enterprise_request(pb::VerifyRectificationRequest {
            request_id: "e2e-verify".into(),
            name: name.clone(),
            ..Default::default()
        }))
        .await
        .expect("verify");
    let closed = client
        .close_hazard(by_enterprise_request(pb::CloseHazardRequest {
            request_id: "e2e-close".into(),
            name: name.clone(),
            note: "销号".into(),
            ..Default::default()
        }))
        .await
        .expect("close")
        .into_inner();
    let hazard = closed.hazard.unwrap();
    assert_eq!(hazard.status, pb::HazardStatus::Closed as i32);
    assert_eq!(hazard.version, 6);
    assert_eq!(closed.commit.unwrap().aggregate_version, 6);

    // The stream holds one commit per command, in order, each with its actor and trace context.
    let client = async_nats::connect(hl_runtime::nats::server_list(nats_url).as_slice())
        .await
        .unwrap();
    let jetstream = async_nats::jetstream::new(client);
    let stream = jetstream
        .get_stream(format!("{}_HAZARDS", namespace.to_uppercase()))
        .await
        .expect("the hazards stream exists");
    let subject = format!("{namespace}.330903.hazards.hazard.e2e-valve");
    let mut event_types = Vec::new();
    let mut sequence = 0;
    while let Ok(message) = stream
        .direct_get_next_for_subject(&subject, Some(sequence + 1))
        .await
    {
        sequence = message.sequence;
        assert!(
            message.headers.get("traceparent").is_some(),
            "commit {sequence} carries a traceparent"
        );
        let commit = Commit::decode(message.payload).expect("a commit");
        for envelope in commit.events {
            assert_eq!(envelope.actor.as_ref().unwrap().organisation, ENTERPRISE);
            assert_eq!(envelope.region, "330903");
            assert_eq!(envelope.causation_id, commit.request_id);
            event_types.push(envelope.event_type.rsplit('.').next().unwrap().to_string());
        }
    }
    assert_eq!(
        event_types,
        [
            "HazardReported",
            "HazardGraded",
            "RectificationPlanned",
            "RectificationClaimed",
            "RectificationVerified",
            "HazardClosed"
        ]
    );
}

/// A hazard the enterprise finds in its self-check, graded general at once.
fn self_check_report(request_id: &str, hazard_id: &str) -> pb::ReportHazardRequest {
    pb::ReportHazardRequest {
        request_id: request_id.into(),
        hazard_id: hazard_id.into(),
        enterprise_id: ENTERPRISE.into(),
        township_code: hl_testkit::actors::TOWNSHIP.into(),
        provenance: pb::Provenance::EnterpriseSelf as i32,
        source_type: pb::SourceType::Routine as i32,
        category: pb::HazardCategory::AmmoniaRefrigeration as i32,
        location: "machine room".into(),
        description: "valve packing leaks".into(),
        level: pb::HazardLevel::General as i32,
        level_criterion: "一般事故隐患".into(),
        ..Default::default()
    }
}

/// The enterprise reports a hazard of its self-check, the hazard named by its request_id.
pub async fn report_self_check(
    channel: Channel,
    request_id: &str,
) -> Result<hl_proto::common::v1::CommitInfo, tonic::Status> {
    let answer = HazardsServiceClient::new(channel)
        .report_hazard(by_enterprise_request(self_check_report(
            request_id, request_id,
        )))
        .await?;
    Ok(answer.into_inner().commit.unwrap_or_default())
}

/// What an enterprise plans for a hazard: new packing by the end of 2099.
fn rectification_plan() -> pb::RectificationPlan {
    pb::RectificationPlan {
        measures: "replace packing".into(),
        owner: "Li".into(),
        funds_fen: 20_000,
        deadline: Some(hl_proto::common::v1::Date {
            year: 2099,
            month: 12,
            day: 31,
        }),
        acceptance_standard: "no leak".into(),
        acceptor: "principal".into(),
    }
}

/// The enterprise plans the rectification of a hazard.
pub async fn plan_rectification(
    channel: Channel,
    hazard_id: &str,
    request_id: &str,
) -> Result<hl_proto::common::v1::CommitInfo, tonic::Status> {
    let answer = HazardsServiceClient::new(channel)
        .plan_rectification(by_enterprise_request(pb::PlanRectificationRequest {
            request_id: request_id.into(),
            name: format!("hazards/{hazard_id}"),
            plan: Some(rectification_plan()),
            ..Default::default()
        }))
        .await?;
    Ok(answer.into_inner().commit.unwrap_or_default())
}

/// The codes that say "the outcome is unknown or the service is away: retry with the same
/// request_id", as a well-behaved client reads them.
pub fn says_retry(code: tonic::Code) -> bool {
    use tonic::Code;
    matches!(
        code,
        Code::Unavailable
            | Code::Unknown
            | Code::Cancelled
            | Code::DeadlineExceeded
            | Code::Aborted
    )
}

/// What it took to get one command acknowledged.
pub struct Acknowledged {
    pub commit: hl_proto::common::v1::CommitInfo,
    /// Calls that were answered with a retryable code (or not at all) before the one that
    /// was acknowledged.
    pub retries: usize,
}

/// Sends a command until it is acknowledged, with the same request_id each time, as clients
/// are told to; each call may take 10 s. Panics on a refusal that does not say to retry, or
/// when nothing is acknowledged within `patience`.
pub async fn until_acknowledged<F, Fut>(
    what: &str,
    patience: std::time::Duration,
    mut call: F,
) -> Acknowledged
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<hl_proto::common::v1::CommitInfo, tonic::Status>>,
{
    use std::time::Duration;
    let deadline = tokio::time::Instant::now() + patience;
    let mut retries = 0;
    loop {
        let outcome = tokio::time::timeout(Duration::from_secs(10), call())
            .await
            .unwrap_or_else(|_| Err(tonic::Status::deadline_exceeded("no answer within 10 s")));
        match outcome {
            Ok(commit) => return Acknowledged { commit, retries },
            Err(status) if says_retry(status.code()) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "{what} was not acknowledged within {patience:?}; last: {status:?}"
                );
                retries += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(status) => panic!("{what} was refused: {status:?}"),
        }
    }
}
