//! What a district asks of its read models, in a form two deployments' answers compare in.

use hl_proto::common::v1::Actor;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_testkit::actors::{administrator, as_actor};
use tonic::transport::Channel;

/// Every hazard, every page, and the reconciliation summary, with what differs by server or
/// moment (signed page tokens, the answer's time, the streams' progress) left out, as the
/// district's administrator asks.
pub async fn district_answers(
    channel: Channel,
) -> (Vec<ledger::HazardRecord>, ledger::ReconciliationSummary) {
    answers_as(channel, &administrator()).await
}

/// The same answers, asked as `reader` (the province's reader asks its own read models).
pub async fn answers_as(
    channel: Channel,
    reader: &Actor,
) -> (Vec<ledger::HazardRecord>, ledger::ReconciliationSummary) {
    let mut client = LedgerServiceClient::new(channel);
    let mut hazards = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .list_hazards(as_actor(
                ledger::ListHazardsRequest {
                    page_size: 1000,
                    page_token: page_token.clone(),
                    ..Default::default()
                },
                reader,
            ))
            .await
            .expect("the ledger lists the hazards")
            .into_inner();
        hazards.extend(page.hazards);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let summary = summary_as(client, reader, ledger::GroupBy::Township).await;
    (hazards, summary)
}

/// The reconciliation summary grouped one way, as `reader` asks, without what differs by server
/// or moment.
pub async fn summary_as(
    mut client: LedgerServiceClient<Channel>,
    reader: &Actor,
    group_by: ledger::GroupBy,
) -> ledger::ReconciliationSummary {
    let mut summary = client
        .get_reconciliation_summary(as_actor(
            ledger::GetReconciliationSummaryRequest {
                group_by: group_by as i32,
                ..Default::default()
            },
            reader,
        ))
        .await
        .expect("the ledger summarises the reconciliation")
        .into_inner();
    summary.as_of = None;
    summary.freshness = None;
    summary
}
