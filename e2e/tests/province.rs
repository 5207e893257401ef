//! A province over a district, as deployed: the district's suite on its own nats-server in its
//! JetStream domain, the province's nats-server a leaf node of it, `hlctl province source`
//! making the provincial streams source the district's, the projections service running over
//! the provincial streams, and `hlctl province audit` saying what arrived. Then two districts
//! (Putuo with its demo, Dinghai with a finding of its own, added to the province's file while
//! it runs): the province's reconciliation is the sum of theirs.

use std::process::{Output, Stdio};
use std::time::Duration;

use hl_e2e::{Suite, answers_as, district_answers, summary_as};
use hl_proto::common::v1::{Actor, Role};
use hl_proto::hazards::v1 as hazards;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_proto::ledger::v1::projection_admin_service_client::ProjectionAdminServiceClient;
use hl_proto::ledger::v1::{
    CompletenessFlagKind, FederationCompleteness, GetFederationCompletenessRequest, GroupBy,
    RateRow, ReconciliationSummary,
};
use hl_proto::responsibility::v1::Industry;
use hl_testkit::actors::{actor, administrator, inspector_elsewhere};
use hl_testkit::fixtures::{Registered, register_district_as};
use hl_testkit::{
    Federation, NatsServer, as_actor, free_port, nats_server_binaries, unique_namespace,
};
use serde_json::Value;
use tokio::process::{Child, Command};
use tonic_types::StatusExt;

/// The province's reader: an administrator of Zhejiang (330000) at the provincial department.
fn provincial_reader() -> Actor {
    actor(
        "province-admin-1",
        Role::BureauAdministrator,
        "zhejiang-emergency-department",
        "330000",
    )
}

/// `hl-projections` over the province's streams, its read models in a SQLite file, sourcing
/// and auditing the districts of `districts_file` every second.
fn provincial_projections(
    (nats_url, namespace): (&str, &str),
    folder: &std::path::Path,
    districts_file: &std::path::Path,
    (port, metrics_port): (u16, u16),
) -> Child {
    Command::new(hl_e2e::projections_binary())
        .current_dir(folder)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NATS_URL", nats_url)
        .env("HL_NAMESPACE", namespace)
        .env("HL_REGION", "330000")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/province.db", folder.display()),
        )
        .env("HL_LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("HL_METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
        .env("HL_PROVINCE_DISTRICTS", districts_file)
        .env("HL_PROVINCE_AUDIT_SECONDS", "1")
        .env("HL_AUTH_JWKS", hl_testkit::actors::jwks_file())
        .env("HL_DRAIN_SECONDS", "2")
        .env("HL_LOG", "error")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start hl-projections")
}

/// A channel to the province's projections service on `port`, once it listens.
async fn province_channel(port: u16) -> Option<tonic::transport::Channel> {
    tonic::transport::Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .ok()
}

/// Asks the province's completeness audit, as the provincial reader, until `done` holds.
async fn completeness_until(
    admin: &mut ProjectionAdminServiceClient<tonic::transport::Channel>,
    what: &str,
    done: impl Fn(&FederationCompleteness) -> bool,
) -> FederationCompleteness {
    let done = &done;
    hl_testkit::wait_until(what, Duration::from_secs(60), || {
        let mut admin = admin.clone();
        async move {
            let audit = admin
                .get_federation_completeness(as_actor(
                    GetFederationCompletenessRequest::default(),
                    &provincial_reader(),
                ))
                .await
                .ok()?
                .into_inner();
            done(&audit).then_some(audit)
        }
    })
    .await
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn a_province_follows_its_district_answers_as_it_does_and_audits_it() {
    let binary = nats_server_binaries().remove(0);
    let namespace = unique_namespace();
    let mut district = NatsServer::start_federated(
        &binary,
        Federation {
            domain: "d330903".into(),
            accepts_leaves: true,
            ..Default::default()
        },
    )
    .await;
    let suite = Suite::start(&[
        ("NATS_URL", district.url()),
        ("HL_NAMESPACE", namespace.clone()),
    ])
    .await;
    let mut suite = suite;
    suite
        .wait_for_line("Two-ledger reconciliation", Duration::from_secs(90))
        .await;
    let province = NatsServer::start_federated(
        &binary,
        Federation {
            domain: "province".into(),
            remotes: vec![district.leaf_url()],
            deny_exports: vec![format!("{namespace}.>")],
            ..Default::default()
        },
    )
    .await;
    let folder = tempfile::tempdir().unwrap();
    let districts_file = folder.path().join("districts.json");
    std::fs::write(
        &districts_file,
        serde_json::json!([{
            "region": "330903",
            "name": "Putuo",
            "domain": "d330903",
            "quiet_hours": 72,
            "monitor_url": district.url(),
        }])
        .to_string(),
    )
    .unwrap();
    let environment = [
        ("NATS_URL", province.url()),
        ("HL_NAMESPACE", namespace.clone()),
        (
            "HL_PROVINCE_DISTRICTS",
            districts_file.display().to_string(),
        ),
    ];

    let sourced = hl_e2e::run_hlctl(&["province", "source"], &environment).await;
    assert_eq!(sourced.status.code(), Some(0), "{}", text(&sourced));
    let added = String::from_utf8_lossy(&sourced.stdout)
        .lines()
        .filter(|line| line.starts_with("added source"))
        .count();
    assert!(added >= 4, "one source per context: {}", text(&sourced));
    let again = hl_e2e::run_hlctl(&["province", "source"], &environment).await;
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("already"),
        "{}",
        text(&again)
    );

    // The audit passes, and finds nothing missing, once every message of the district arrived.
    let audited = hl_testkit::wait_until(
        "the audit finds every district stream complete",
        Duration::from_secs(60),
        || {
            let environment = environment.clone();
            async move {
                let output =
                    hl_e2e::run_hlctl(&["province", "audit", "--json"], &environment).await;
                let report: Value = serde_json::from_slice(&output.stdout).ok()?;
                let complete = report["sources"]
                    .as_array()?
                    .iter()
                    .all(|source| source["lag_events"] == 0);
                (output.status.code() == Some(0) && complete).then_some(report)
            }
        },
    )
    .await;
    let hazards = audited["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|source| source["context"] == "hazards")
        .expect("the hazards stream is audited");
    assert!(hazards["arrived"].as_u64().unwrap() > 20, "{hazards}");
    assert_eq!(hazards["lag_events"], 0);
    assert_eq!(hazards["flags"], Value::Array(Vec::new()));

    // The projections service over the provincial streams answers as the district's does.
    let (port, metrics_port) = (free_port(), free_port());
    let _projections = provincial_projections(
        (&province.url(), &namespace),
        folder.path(),
        &districts_file,
        (port, metrics_port),
    );
    let expected = district_answers(suite.channel().await).await;
    let reader = provincial_reader();
    hl_testkit::wait_until(
        "the province's read models answer as the district's",
        Duration::from_secs(90),
        || {
            let reader = reader.clone();
            let expected = expected.clone();
            async move {
                let channel = province_channel(port).await?;
                let province_answers =
                    tokio::spawn(async move { answers_as(channel, &reader).await })
                        .await
                        .ok()?;
                (province_answers == expected).then_some(())
            }
        },
    )
    .await;

    // The province rolls its districts up by district and by city: Putuo's row, and
    // Zhoushan's, as the district's own service rolls them.
    let channel = province_channel(port)
        .await
        .expect("the province's service listens");
    for (group_by, code) in [(GroupBy::District, "330903"), (GroupBy::City, "330900")] {
        let at_province =
            summary_as(LedgerServiceClient::new(channel.clone()), &reader, group_by).await;
        let at_district = summary_as(
            LedgerServiceClient::new(suite.channel().await),
            &administrator(),
            group_by,
        )
        .await;
        assert!(
            at_province.rows.iter().any(|row| row.group == code),
            "{group_by:?} has a row {code}: {at_province:?}"
        );
        assert_eq!(at_province, at_district, "{group_by:?}");
    }

    // The province's platform may also ask a district's own service, which answers it with
    // that district's records; it writes nothing there.
    let platform = actor(
        "zhejiang-platform",
        Role::System,
        "zhejiang-emergency-department",
        "330000",
    );
    assert_eq!(answers_as(suite.channel().await, &platform).await, expected);

    // The projections service audits the province itself: over gRPC and in its metrics.
    let mut admin = ProjectionAdminServiceClient::new(channel);
    let complete = completeness_until(&mut admin, "every district stream complete", |audit| {
        audit.flag_count == 0
            && audit.sources.len() >= 4
            && audit
                .sources
                .iter()
                .all(|source| source.lag_events == Some(0))
    })
    .await;
    let hazards = complete
        .sources
        .iter()
        .find(|source| source.context == "hazards")
        .expect("the hazards stream is audited");
    assert_eq!(hazards.region, "330903");
    assert!(hazards.arrived > 20, "{hazards:?}");
    assert_eq!(
        hazards.province_sequence,
        hazards.district_sequence.unwrap()
    );
    let metrics_address = format!("127.0.0.1:{metrics_port}");
    let exposition = hl_e2e::http_get(&metrics_address, "/metrics").await;
    for line in [
        "hl_province_lag_events{region=\"330903\",context=\"hazards\"} 0",
        "hl_province_flags{region=\"330903\",context=\"hazards\",flag=\"stalled\"} 0",
    ] {
        assert!(
            exposition.contains(line),
            "{line} missing from {exposition}"
        );
    }
    let unknown = admin
        .get_federation_completeness(as_actor(
            GetFederationCompletenessRequest {
                region: "330999".into(),
            },
            &reader,
        ))
        .await
        .expect_err("a region the province does not follow is refused");
    assert_eq!(unknown.code(), tonic::Code::InvalidArgument, "{unknown:?}");
    assert_eq!(hl_testkit::fields(&unknown), ["region"]);
    let at_district = ProjectionAdminServiceClient::new(suite.channel().await)
        .get_federation_completeness(as_actor(
            GetFederationCompletenessRequest::default(),
            &administrator(),
        ))
        .await
        .expect_err("a district's service has no federation to audit");
    assert_eq!(at_district.code(), tonic::Code::FailedPrecondition);
    assert_eq!(
        at_district
            .get_details_error_info()
            .map(|info| info.reason)
            .as_deref(),
        Some("NOT_A_PROVINCE")
    );

    // The district goes away: the audit says it cannot be read, and what to do.
    district.kill().await;
    let cut_off = completeness_until(&mut admin, "the district flagged unreachable", |audit| {
        audit.sources.iter().all(|source| {
            source
                .flags
                .iter()
                .any(|flag| flag.kind == CompletenessFlagKind::Unreachable as i32)
        })
    })
    .await;
    assert!(
        cut_off
            .sources
            .iter()
            .all(|source| source.lag_events.is_none()),
        "unknown is not zero: {cut_off:?}"
    );
    let exposition = hl_e2e::http_get(&metrics_address, "/metrics").await;
    assert!(
        exposition.contains(
            "hl_province_flags{region=\"330903\",context=\"hazards\",flag=\"unreachable\"} 1"
        ),
        "{exposition}"
    );
    let unreachable = hl_e2e::run_hlctl(&["province", "audit"], &environment).await;
    assert_eq!(
        unreachable.status.code(),
        Some(65),
        "{}",
        text(&unreachable)
    );
    let printed = String::from_utf8_lossy(&unreachable.stdout);
    assert!(
        printed.contains("[unreachable] 330903 hazards") && printed.contains("what to do:"),
        "{}",
        text(&unreachable)
    );
    drop(suite);
}

/// Dinghai's bureau administrator.
fn dinghai_administrator() -> Actor {
    actor(
        "admin-dinghai",
        Role::BureauAdministrator,
        "dinghai-bureau",
        "330902",
    )
}

/// Dinghai (330902) without the demo: one township, one cold store, one inspection finding.
async fn record_dinghai(channel: tonic::transport::Channel) {
    const COLD_STORE: &str = "91330902MA2DH00017";
    register_district_as(
        channel.clone(),
        &dinghai_administrator(),
        ("330902", &["330902001"]),
        &[Registered {
            enterprise_id: COLD_STORE,
            township: "330902001",
            industries: &[Industry::AmmoniaRefrigeration],
        }],
    )
    .await;
    HazardsServiceClient::new(channel)
        .report_hazard(as_actor(
            hazards::ReportHazardRequest {
                request_id: "dinghai-finding-1".into(),
                hazard_id: "dinghai-finding-1".into(),
                enterprise_id: COLD_STORE.into(),
                township_code: "330902001".into(),
                provenance: hazards::Provenance::GovernmentInspection as i32,
                source_type: hazards::SourceType::Routine as i32,
                category: hazards::HazardCategory::AmmoniaRefrigeration as i32,
                location: "机房".into(),
                description: "液氨管道阀门泄漏".into(),
                level: hazards::HazardLevel::General as i32,
                level_criterion: "一般隐患".into(),
                ..Default::default()
            },
            &inspector_elsewhere(),
        ))
        .await
        .expect("Dinghai's finding");
}

/// A district's own reconciliation, grouped by district, as its administrator reads it.
async fn by_district(suite: &Suite, administrator: &Actor) -> ReconciliationSummary {
    let client = LedgerServiceClient::new(suite.channel().await);
    summary_as(client, administrator, GroupBy::District).await
}

#[tokio::test]
async fn a_provinces_reconciliation_is_the_sum_of_its_two_districts() {
    let binary = nats_server_binaries().remove(0);
    let namespace = unique_namespace();
    let district_nats = |domain: &str| {
        NatsServer::start_federated(
            &binary,
            Federation {
                domain: domain.into(),
                accepts_leaves: true,
                ..Default::default()
            },
        )
    };
    let (putuo_nats, dinghai_nats) = (
        district_nats("d330903").await,
        district_nats("d330902").await,
    );
    let mut putuo = Suite::start(&[
        ("NATS_URL", putuo_nats.url()),
        ("HL_NAMESPACE", namespace.clone()),
    ])
    .await;
    putuo
        .wait_for_line("Two-ledger reconciliation", Duration::from_secs(90))
        .await;
    let dinghai = Suite::start(&[
        ("NATS_URL", dinghai_nats.url()),
        ("HL_NAMESPACE", namespace.clone()),
        ("HL_REGION", "330902".into()),
        ("HL_SEED_DEMO", "false".into()),
    ])
    .await;
    record_dinghai(dinghai.channel().await).await;
    let dinghai_own = hl_testkit::wait_until(
        "Dinghai's own read models count its finding",
        Duration::from_secs(30),
        || async {
            let summary = by_district(&dinghai, &dinghai_administrator()).await;
            let findings = summary.total.as_ref()?.government_findings;
            (findings == 1).then_some(summary)
        },
    )
    .await;
    let putuo_own = by_district(&putuo, &administrator()).await;

    let province = NatsServer::start_federated(
        &binary,
        Federation {
            domain: "province".into(),
            remotes: vec![putuo_nats.leaf_url(), dinghai_nats.leaf_url()],
            deny_exports: vec![format!("{namespace}.>")],
            ..Default::default()
        },
    )
    .await;
    let folder = tempfile::tempdir().unwrap();
    let districts_file = folder.path().join("districts.json");
    let district = |region: &str, name: &str, nats: &NatsServer| {
        serde_json::json!({
            "region": region,
            "name": name,
            "domain": format!("d{region}"),
            "quiet_hours": 72,
            "monitor_url": nats.url(),
        })
    };
    // The province starts with Putuo alone in its file.
    let putuo_entry = district("330903", "Putuo", &putuo_nats);
    std::fs::write(
        &districts_file,
        serde_json::json!([putuo_entry.clone()]).to_string(),
    )
    .unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    let _projections = provincial_projections(
        (&province.url(), &namespace),
        folder.path(),
        &districts_file,
        (port, metrics_port),
    );
    let reader = provincial_reader();
    let rows_become = |what: &'static str, expected_rows: Vec<RateRow>| {
        let reader = reader.clone();
        hl_testkit::wait_until(what, Duration::from_secs(120), move || {
            let reader = reader.clone();
            let expected_rows = expected_rows.clone();
            async move {
                let channel = province_channel(port).await?;
                let summary = tokio::spawn(async move {
                    summary_as(
                        LedgerServiceClient::new(channel),
                        &reader,
                        GroupBy::District,
                    )
                    .await
                })
                .await
                .ok()?;
                (summary.rows == expected_rows).then_some(summary)
            }
        })
    };
    rows_become("the province follows Putuo", putuo_own.rows.clone()).await;

    // Dinghai is added to the file, and followed from the next round, with no restart: the
    // province's rows by district are each district's own row, its total their sum.
    std::fs::write(
        &districts_file,
        serde_json::json!([
            putuo_entry.clone(),
            district("330902", "Dinghai", &dinghai_nats)
        ])
        .to_string(),
    )
    .unwrap();
    let expected_rows: Vec<RateRow> = dinghai_own
        .rows
        .iter()
        .chain(&putuo_own.rows)
        .cloned()
        .collect();
    let at_province = rows_become(
        "the province's rows by district are the districts' own",
        expected_rows,
    )
    .await;
    let counts = |row: &RateRow| {
        [
            row.government_findings,
            row.self_found_matched,
            row.missed_by_self_check,
            row.false_rectifications,
            row.government_checked_rectifications,
            row.open_major,
            row.enterprises_in_scope,
            row.enterprises_self_checked,
        ]
    };
    let (putuo_total, dinghai_total) = (
        counts(putuo_own.total.as_ref().unwrap()),
        counts(dinghai_own.total.as_ref().unwrap()),
    );
    let summed: Vec<u32> = putuo_total
        .iter()
        .zip(dinghai_total)
        .map(|(putuo, dinghai)| putuo + dinghai)
        .collect();
    assert_eq!(counts(at_province.total.as_ref().unwrap()).to_vec(), summed);
    let class_counts = |summary: &ReconciliationSummary| {
        summary
            .discrepancies_by_class
            .iter()
            .map(|class| (class.class, class.count))
            .collect::<std::collections::BTreeMap<i32, u32>>()
    };
    let mut expected_classes = class_counts(&putuo_own);
    for (class, count) in class_counts(&dinghai_own) {
        *expected_classes.entry(class).or_default() += count;
    }
    assert_eq!(class_counts(&at_province), expected_classes);
    assert!(
        dinghai_total[0] == 1 && putuo_total[0] > 0,
        "both districts count"
    );

    // Dinghai is taken out of the file again: from the next round it is no longer audited and
    // its `hl_province_*` series are gone, while what it sent stays in the province's rows.
    let metrics_address = format!("127.0.0.1:{metrics_port}");
    let dinghai_series = || async {
        let exposition = hl_e2e::http_get(&metrics_address, "/metrics").await;
        exposition
            .lines()
            .filter(|line| line.starts_with("hl_province_") && line.contains("region=\"330902\""))
            .count()
    };
    let mut admin = ProjectionAdminServiceClient::new(province_channel(port).await.unwrap());
    completeness_until(&mut admin, "Dinghai is audited", |audit| {
        audit.sources.iter().any(|source| source.region == "330902")
    })
    .await;
    assert!(
        dinghai_series().await > 0,
        "Dinghai's series while followed"
    );
    std::fs::write(
        &districts_file,
        serde_json::json!([putuo_entry]).to_string(),
    )
    .unwrap();
    completeness_until(&mut admin, "Dinghai is no longer audited", |audit| {
        !audit.sources.is_empty() && audit.sources.iter().all(|source| source.region == "330903")
    })
    .await;
    assert_eq!(dinghai_series().await, 0, "Dinghai's series are removed");
    rows_become("what Dinghai sent stays", at_province.rows.clone()).await;
    drop((putuo, dinghai));
}
