//! Evaluations (责任考评) as a test records them through the responsibility API: one opened for
//! a year with every entered item scored, ready to publish, and its published results in a form
//! an assertion compares.

use hl_proto::common::v1::EvidenceRef;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::responsibility_service_client::ResponsibilityServiceClient;
use tonic::transport::Channel;

use crate::actors::{OTHER_TOWNSHIP, TOWNSHIP, by_administrator};

/// Opens `evaluations/{id}` for `year` and enters `score` for every entered item of both
/// fixture townships.
pub async fn open_scored(
    client: &mut ResponsibilityServiceClient<Channel>,
    id: &str,
    year: i32,
    score: u32,
) -> pb::Evaluation {
    let opened = client
        .open_evaluation(by_administrator(pb::OpenEvaluationRequest {
            request_id: format!("open-{id}"),
            evaluation_id: id.into(),
            year,
            ..Default::default()
        }))
        .await
        .expect("open an evaluation")
        .into_inner()
        .evaluation
        .expect("the evaluation");
    for unit in [TOWNSHIP, OTHER_TOWNSHIP] {
        for item in ["TRAINING", "CENTRE_BUILDING"] {
            client
                .enter_evaluation_score(by_administrator(pb::EnterEvaluationScoreRequest {
                    request_id: format!("enter-{id}-{unit}-{item}"),
                    name: format!("evaluations/{id}"),
                    unit: unit.into(),
                    item_code: item.into(),
                    score,
                    evidence: vec![EvidenceRef {
                        sha256: "cd".repeat(32),
                        media_type: "application/pdf".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                }))
                .await
                .expect("enter a score");
        }
    }
    opened
}

/// A publication of `evaluations/{id}`.
pub fn publish(request_id: &str, id: &str) -> pb::PublishEvaluationRequest {
    pb::PublishEvaluationRequest {
        request_id: request_id.into(),
        name: format!("evaluations/{id}"),
        ..Default::default()
    }
}

/// Each result as (unit, total, rank, passed).
pub fn results(results: &[pb::EvaluationResult]) -> Vec<(&str, f64, u32, bool)> {
    results
        .iter()
        .map(|result| {
            (
                result.unit.as_str(),
                result.total,
                result.rank,
                result.passed,
            )
        })
        .collect()
}

/// Publishes `evaluations/{id}` as the bureau, which must succeed; the evaluation as published.
pub async fn published(
    client: &mut ResponsibilityServiceClient<Channel>,
    request_id: &str,
    id: &str,
) -> pb::Evaluation {
    client
        .publish_evaluation(by_administrator(publish(request_id, id)))
        .await
        .expect("publish the evaluation")
        .into_inner()
        .evaluation
        .expect("the evaluation")
}
