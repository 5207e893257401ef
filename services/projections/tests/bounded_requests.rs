//! A request longer than its declared limits is refused with one field violation, before any of
//! its entries is read: the cost of answering it does not grow with its length.

mod support;

use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_server::LedgerService;
use support::*;

#[tokio::test]
async fn two_hundred_thousand_classes_are_one_violation() {
    let world = World::start(Backend::sqlite().await).await;
    let refused = world
        .ledger()
        .list_discrepancies(as_inspector(ledger::ListDiscrepanciesRequest {
            classes: vec![1; 200_000],
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert_eq!(hl_testkit::fields(&refused), ["classes"]);
    // Within the limit, every entry is still checked.
    let refused = world
        .ledger()
        .list_discrepancies(as_inspector(ledger::ListDiscrepanciesRequest {
            classes: vec![1, 99],
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(hl_testkit::fields(&refused), ["classes[1]"]);
}
