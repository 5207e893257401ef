//! The bureau's spreadsheet goes in through the import, an inspection finds a hazard at one of
//! the imported enterprises, and the township roll-up of the two-ledger reconciliation shows it;
//! the enterprise has a hazardous-chemicals registration code, so the hazard also goes out in
//! the dual-prevention feed's file drop.

use std::time::Duration;

use hl_e2e::Suite;
use hl_proto::hazards::v1 as hazards;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_proto::ledger::v1::projection_admin_service_client::ProjectionAdminServiceClient;
use hl_proto::responsibility::v1 as registry;
use hl_proto::responsibility::v1::registry_service_client::RegistryServiceClient;
use hl_testkit::actors::{by_administrator, by_inspector};
use hl_testkit::{NatsServer, unique_namespace, wait_until};
use tonic::Code;

const SHENJIAMEN: &str = "330903001";
const LIUHENG: &str = "330903101";
const COLD_STORAGE: &str = "91330903MA2NCU4LYE";

const ENTERPRISES_CSV: &str =
    "统一社会信用代码,企业名称,地址,乡镇街道代码,行业,风险等级,是否需自查,自查频次,危化品登记编码
91330903MA2NCU4LYE,舟山普陀海鲜冷链有限公司,沈家门,330903001,涉氨制冷;工贸,橙,是,季,330901234
91330903MA27UB96FP,舟山六横船舶修造有限公司,六横,330903101,船舶修造,红,是,月,
91330903MA2T55F3CQ,沈家门加油站,沈家门,330903001,加油站,黄,是,季,
";

async fn create_townships(registry_client: &mut RegistryServiceClient<tonic::transport::Channel>) {
    for (code, name, level, parent) in [
        ("330903", "普陀区", registry::AdminAreaLevel::District, ""),
        (
            SHENJIAMEN,
            "沈家门街道",
            registry::AdminAreaLevel::Township,
            "330903",
        ),
        (
            LIUHENG,
            "六横镇",
            registry::AdminAreaLevel::Township,
            "330903",
        ),
    ] {
        registry_client
            .create_admin_area(by_administrator(registry::CreateAdminAreaRequest {
                request_id: format!("area-{code}"),
                area: Some(registry::AdminArea {
                    code: code.into(),
                    display_name: name.into(),
                    level: level as i32,
                    parent_code: parent.into(),
                    ..Default::default()
                }),
                ..Default::default()
            }))
            .await
            .expect("create the admin area");
    }
}

fn township_row<'a>(summary: &'a ledger::ReconciliationSummary, code: &str) -> &'a ledger::RateRow {
    summary
        .rows
        .iter()
        .find(|row| row.group == code)
        .unwrap_or_else(|| panic!("a row for township {code} in {summary:?}"))
}

#[tokio::test]
async fn an_imported_enterprise_takes_a_hazard_and_its_township_roll_up_shows_it() {
    let nats = NatsServer::start().await;
    let outbound = tempfile::tempdir().unwrap();
    let suite = Suite::start(&[
        ("NATS_URL", nats.url()),
        ("HL_NAMESPACE", unique_namespace()),
        ("HL_SEED_DEMO", "false".into()),
        ("HL_OUTBOUND_DIR", outbound.path().display().to_string()),
        ("HL_OUTBOUND_SECONDS", "1".into()),
    ])
    .await;
    let channel = suite.channel().await;
    let mut registry_client = RegistryServiceClient::new(channel.clone());
    create_townships(&mut registry_client).await;

    let imported = registry_client
        .import_enterprises(by_administrator(registry::ImportEnterprisesRequest {
            request_id: "import-putuo".into(),
            csv: ENTERPRISES_CSV.as_bytes().to_vec(),
            mode: registry::ImportMode::AllOrNothing as i32,
            activate: true,
            effective_from: None,
            ..Default::default()
        }))
        .await
        .expect("the import")
        .into_inner();
    assert_eq!((imported.rows, imported.imported), (3, 3));
    assert!(imported.problems.is_empty(), "{:?}", imported.problems);

    // Listed by township, as the bureau looks at them.
    let shenjiamen = registry_client
        .list_enterprises(by_administrator(registry::ListEnterprisesRequest {
            township_code: SHENJIAMEN.into(),
            ..Default::default()
        }))
        .await
        .expect("list by township")
        .into_inner();
    let mut listed: Vec<_> = shenjiamen
        .enterprises
        .iter()
        .map(|enterprise| enterprise.enterprise_id.as_str())
        .collect();
    listed.sort_unstable();
    assert_eq!(listed, ["91330903MA2NCU4LYE", "91330903MA2T55F3CQ"]);

    // An inspection finds what the cold store's self-check did not.
    let mut hazards_client = HazardsServiceClient::new(channel.clone());
    hazards_client
        .report_hazard(by_inspector(hazards::ReportHazardRequest {
            request_id: "inspection-1".into(),
            hazard_id: "ammonia-alarm".into(),
            enterprise_id: COLD_STORAGE.into(),
            township_code: SHENJIAMEN.into(),
            provenance: hazards::Provenance::GovernmentInspection as i32,
            source_type: hazards::SourceType::Routine as i32,
            category: hazards::HazardCategory::AmmoniaRefrigeration as i32,
            location: "machine room".into(),
            description: "ammonia leak alarm not linked to the exhaust fan".into(),
            level: hazards::HazardLevel::General as i32,
            level_criterion: "一般事故隐患".into(),
            ..Default::default()
        }))
        .await
        .expect("report the inspection finding");

    // An enterprise that is not in the registry is refused, and nothing is recorded for it.
    let unknown = hazards_client
        .report_hazard(by_inspector(hazards::ReportHazardRequest {
            request_id: "inspection-2".into(),
            hazard_id: "nowhere".into(),
            enterprise_id: "91330903MA2WG7BT4R".into(),
            township_code: SHENJIAMEN.into(),
            provenance: hazards::Provenance::GovernmentInspection as i32,
            source_type: hazards::SourceType::Routine as i32,
            category: hazards::HazardCategory::AmmoniaRefrigeration as i32,
            location: "yard".into(),
            description: "unknown enterprise".into(),
            level: hazards::HazardLevel::General as i32,
            level_criterion: "一般事故隐患".into(),
            ..Default::default()
        }))
        .await
        .expect_err("an enterprise outside the registry");
    assert_eq!(unknown.code(), Code::FailedPrecondition, "{unknown:?}");

    let mut ledger_client = LedgerServiceClient::new(channel);
    let summary = wait_until(
        "the township roll-up to count the inspection finding",
        Duration::from_secs(30),
        || {
            let mut ledger_client = ledger_client.clone();
            async move {
                let summary = ledger_client
                    .get_reconciliation_summary(by_administrator(
                        ledger::GetReconciliationSummaryRequest {
                            group_by: ledger::GroupBy::Township as i32,
                            ..Default::default()
                        },
                    ))
                    .await
                    .ok()?
                    .into_inner();
                // Every stream caught up, so the registry's rows are in as well as the finding.
                let caught_up = summary
                    .freshness
                    .as_ref()
                    .is_some_and(|freshness| freshness.is_caught_up());
                let counted = summary
                    .rows
                    .iter()
                    .any(|row| row.group == SHENJIAMEN && row.government_findings == 1);
                (caught_up && counted).then_some(summary)
            }
        },
    )
    .await;

    let shenjiamen_row = township_row(&summary, SHENJIAMEN);
    assert_eq!(shenjiamen_row.group_name, "沈家门街道");
    assert_eq!(shenjiamen_row.missed_by_self_check, 1);
    assert_eq!(shenjiamen_row.self_found_matched, 0);
    assert_eq!(shenjiamen_row.miss_rate, Some(1.0));
    assert_eq!(shenjiamen_row.enterprises_in_scope, 2);
    let liuheng_row = township_row(&summary, LIUHENG);
    assert_eq!(liuheng_row.government_findings, 0);
    assert_eq!(liuheng_row.enterprises_in_scope, 1);
    assert_eq!(summary.total.as_ref().unwrap().government_findings, 1);

    // The enterprise's two ledgers side by side name the finding on the government side.
    let ledgers = ledger_client
        .get_enterprise_ledgers(by_administrator(ledger::GetEnterpriseLedgersRequest {
            name: format!("enterprises/{COLD_STORAGE}"),
            as_of: None,
            ..Default::default()
        }))
        .await
        .expect("the enterprise's two ledgers")
        .into_inner();
    assert_eq!(ledgers.township_code, SHENJIAMEN);
    assert_eq!(ledgers.government_ledger.len(), 1, "{ledgers:?}");
    assert_eq!(ledgers.government_ledger[0].hazard_id, "ammonia-alarm");
    assert!(ledgers.enterprise_ledger.is_empty(), "{ledgers:?}");

    // The finding goes to the dual-prevention platform under the enterprise's registration code.
    let record = wait_until(
        "the finding in the dual-prevention file drop",
        Duration::from_secs(30),
        || {
            let folder = outbound.path().to_path_buf();
            async move {
                let file = folder.join("sec_hidden_danger_info-000000000001.json");
                let batch: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(file).ok()?).ok()?;
                batch["datas"].as_array()?.first().cloned()
            }
        },
    )
    .await;
    assert_eq!(record["companyCode"], "330901234");
    assert_eq!(record["dangerLevel"], "0");
    assert_eq!(record["dangerState"], "0");
    assert_eq!(
        record["dangerDesc"],
        "ammonia leak alarm not linked to the exhaust fan"
    );
    // The bureau sees both feeds' deliveries over gRPC.
    let mut admin = ProjectionAdminServiceClient::new(suite.channel().await);
    let status = wait_until(
        "both outbound feeds to report a round with the finding delivered",
        Duration::from_secs(30),
        || {
            let mut admin = admin.clone();
            async move {
                let status = admin
                    .get_outbound_status(by_administrator(ledger::GetOutboundStatusRequest {}))
                    .await
                    .ok()?
                    .into_inner();
                (status.feeds.len() == 2 && status.feeds[0].records == 1).then_some(status)
            }
        },
    )
    .await;
    assert_eq!(
        status.feeds[0].feed,
        "dual-prevention/sec_hidden_danger_info"
    );
    assert_eq!(status.feeds[0].unacknowledged_batches, 0);
    assert_eq!(
        status.feeds[1].feed,
        "credit-publicity/penalty_decision_publicity"
    );
    let refused = admin
        .get_outbound_status(by_inspector(ledger::GetOutboundStatusRequest {}))
        .await
        .expect_err("an inspector is not the bureau");
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");

    suite.stop().await;
}
