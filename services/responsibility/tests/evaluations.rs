//! Publishing an evaluation through the responsibility service on its production mount, against
//! a real nats-server: the totals the ledger gives are recorded with their ranks and the sheet's
//! pass mark, and each unit below it is proposed an accountability case (FAILED_EVALUATION) by
//! the accountability process. The ledger here is a scorer that answers what the test sets, so
//! that a failing township needs no year of records.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Datelike, Utc};
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::responsibility_service_client::ResponsibilityServiceClient;
use hl_responsibility::scoring::EvaluationScorer;
use hl_testkit::actors::{OTHER_TOWNSHIP, TOWNSHIP, by_administrator, by_inspector};
use hl_testkit::evaluations::{open_scored, publish, published, results};
use hl_testkit::fixtures::register_district;
use hl_testkit::inspections::today;
use hl_testkit::{NatsServer, TestService, unique_namespace, wait_until};
use tonic::Code;
use tonic::metadata::MetadataMap;
use tonic_types::StatusExt;

/// A ledger that answers the totals set on it, counting the times it is asked.
#[derive(Default)]
struct SetTotals {
    totals: Mutex<Vec<(String, f64)>>,
    asked: AtomicUsize,
}

impl SetTotals {
    fn set(&self, totals: &[(&str, f64)]) {
        *self.totals.lock().unwrap() = totals
            .iter()
            .map(|(unit, total)| (unit.to_string(), *total))
            .collect();
    }
}

#[tonic::async_trait]
impl EvaluationScorer for SetTotals {
    async fn totals(
        &self,
        _: &str,
        _: DateTime<Utc>,
        _: &MetadataMap,
    ) -> Result<Vec<(String, f64)>, tonic::Status> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Ok(self.totals.lock().unwrap().clone())
    }
}

async fn start(nats: &NatsServer, scorer: Arc<SetTotals>) -> TestService {
    TestService::spawn(
        &nats.url(),
        &unique_namespace(),
        move |server, store, region| {
            hl_responsibility::mount(server, store, region, (&Default::default(), scorer.clone()));
        },
    )
    .await
}

#[tokio::test]
async fn a_township_published_below_the_pass_mark_is_proposed_an_accountability_case() {
    let nats = NatsServer::start().await;
    let scorer = Arc::new(SetTotals::default());
    let service = start(&nats, scorer.clone()).await;
    let channel = service.channel().await;
    register_district(channel.clone(), &[]).await;
    let mut client = ResponsibilityServiceClient::new(channel);
    let opened = open_scored(&mut client, "last-year", today().year() - 1, 5).await;
    assert_eq!(opened.units, [TOWNSHIP, OTHER_TOWNSHIP]);

    // Only the bureau publishes: the ledger is not even asked for anyone else.
    let refused = client
        .publish_evaluation(by_inspector(publish("publish-by-inspector", "last-year")))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert_eq!(scorer.asked.load(Ordering::SeqCst), 0);

    // A ledger that lost a township publishes nothing.
    scorer.set(&[(OTHER_TOWNSHIP, 88.0)]);
    let refused = client
        .publish_evaluation(by_administrator(publish("publish-short", "last-year")))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    assert_eq!(
        refused.get_details_error_info().unwrap().reason,
        "TOTALS_INCOMPLETE"
    );

    scorer.set(&[(TOWNSHIP, 45.5), (OTHER_TOWNSHIP, 88.0)]);
    let published = published(&mut client, "publish", "last-year").await;
    assert_eq!(
        results(&published.results),
        [(OTHER_TOWNSHIP, 88.0, 1, true), (TOWNSHIP, 45.5, 2, false)]
    );
    assert_eq!(published.pass_mark, 60.0);

    // A retry returns what was recorded, whatever the ledger says now.
    scorer.set(&[(TOWNSHIP, 99.0), (OTHER_TOWNSHIP, 99.0)]);
    let retried = hl_testkit::evaluations::published(&mut client, "publish", "last-year").await;
    assert_eq!(retried.results, published.results);

    let case_of = |unit: &str| pb::GetAccountabilityCaseRequest {
        name: format!("accountabilityCases/evaluation-last-year-{unit}"),
        ..Default::default()
    };
    let case = wait_until(
        "the failed township's case",
        Duration::from_secs(30),
        || {
            let mut client = client.clone();
            let request = case_of(TOWNSHIP);
            async move {
                client
                    .get_accountability_case(by_administrator(request))
                    .await
                    .ok()
                    .map(tonic::Response::into_inner)
            }
        },
    )
    .await;
    assert_eq!(
        case.trigger,
        pb::AccountabilityTrigger::FailedEvaluation as i32
    );
    assert_eq!(case.subject_id, TOWNSHIP);
    assert_eq!(case.evidence, ["evaluations/last-year"]);
    assert_eq!(case.status, pb::AccountabilityStatus::Proposed as i32);
    assert!(case.summary.contains("45.5"), "{}", case.summary);
    // The township that passed has none: the process proposed its cases in one pass over the
    // publication, and it is done.
    let none = client
        .get_accountability_case(by_administrator(case_of(OTHER_TOWNSHIP)))
        .await
        .unwrap_err();
    assert_eq!(none.code(), Code::NotFound);
}
