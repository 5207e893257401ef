//! The suite binary as a black box: started as a process, driven over gRPC only, its events
//! checked on the stream.

use std::time::Duration;

use hl_e2e::Suite;
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_proto::ledger::v1::{HazardRecord, ListHazardsRequest};
use hl_testkit::actors::{by_administrator, by_inspector};
use hl_testkit::{NatsServer, unique_namespace};

#[tokio::test]
async fn a_hazard_goes_from_report_to_close_out_and_every_step_is_on_the_stream() {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    let suite = Suite::start(&[
        ("NATS_URL", nats.url()),
        ("HL_NAMESPACE", namespace.clone()),
        ("HL_SEED_DEMO", "false".into()),
    ])
    .await;
    hl_e2e::flows::hazard_report_to_close_out(suite.channel().await, &nats.url(), &namespace).await;
    assert_eq!(suite.stop().await, Some(0));
}

#[tokio::test]
async fn the_embedded_default_starts_its_own_nats_seeds_the_demo_and_stops_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let nats_binary = hl_testkit::nats_server_binaries().remove(0);
    let environment = [
        ("NATS_SERVER_BIN", nats_binary.display().to_string()),
        ("HL_DATA_DIR", data.path().display().to_string()),
    ];
    let before_start = hl_proto::timestamp(chrono::Utc::now());
    let mut suite = Suite::start(&environment).await;
    let nats_url = suite.nats_url.clone();
    suite
        .wait_for_line("Demo district seeded", Duration::from_secs(60))
        .await;

    let mut client = HazardsServiceClient::new(suite.channel().await);
    let hazard = client
        .get_hazard(by_inspector(pb::GetHazardRequest {
            name: "hazards/demo-a-alarm-linkage".into(),
            as_of: None,
        }))
        .await
        .expect("the demo hazard exists")
        .into_inner();
    assert_eq!(hazard.level, pb::HazardLevel::Major as i32);
    assert!(
        hazard.overdue,
        "the demo's ordered deadline lies in the past"
    );

    // The district's past came in as a migrated ledger, each hazard on the day it was found;
    // asked what the ledger knew before the suite started, the answer is nothing.
    suite
        .wait_for_line("Two-ledger reconciliation", Duration::from_secs(60))
        .await;
    let mut ledger = LedgerServiceClient::new(suite.channel().await);
    let listed = ledger
        .list_hazards(by_administrator(ListHazardsRequest {
            page_size: 500,
            ..Default::default()
        }))
        .await
        .expect("the ledger lists the demo's hazards")
        .into_inner();
    let migrated: Vec<&HazardRecord> = listed
        .hazards
        .iter()
        .filter(|record| record.migrated)
        .collect();
    assert!(
        migrated.len() > 20,
        "{} migrated of {}",
        migrated.len(),
        listed.hazards.len()
    );
    let started = hl_proto::instant(&before_start).unwrap();
    assert!(migrated.iter().all(|record| {
        hl_proto::instant(record.reported_at.as_ref().unwrap()).unwrap()
            < started - chrono::Duration::days(30)
    }));
    let known_before = ledger
        .list_hazards(by_administrator(ListHazardsRequest {
            page_size: 500,
            known_at: Some(before_start),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        known_before.total_size, 0,
        "nothing was recorded before the suite started"
    );
    suite.wait_for_line("T16", Duration::from_secs(60)).await;
    targets_match_their_lineage(suite.channel().await).await;
    // A page token is signed with the key the suite keeps in its data folder: it still works
    // after a restart, and one the suite did not sign is refused.
    let first_page = ledger
        .list_hazards(by_administrator(ListHazardsRequest {
            page_size: 2,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let (token, second_expected) = (
        first_page.next_page_token.clone(),
        ledger
            .list_hazards(by_administrator(ListHazardsRequest {
                page_size: 2,
                page_token: first_page.next_page_token.clone(),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner()
            .hazards,
    );
    let forged = format!("{}.{}", token.split('.').next().unwrap(), "0".repeat(32));
    let refused = ledger
        .list_hazards(by_administrator(ListHazardsRequest {
            page_size: 2,
            page_token: forged,
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(hl_testkit::fields(&refused), ["page_token"]);
    assert_eq!(suite.stop().await, Some(0));

    // The embedded nats-server stopped with the suite.
    assert!(
        async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_millis(500))
            .connect(&nats_url)
            .await
            .is_err()
    );

    // Its data stays: a second start finds the district already seeded.
    let mut again = Suite::start(&environment).await;
    again
        .wait_for_line("already seeded", Duration::from_secs(60))
        .await;
    let second_page = LedgerServiceClient::new(again.channel().await)
        .list_hazards(by_administrator(ListHazardsRequest {
            page_size: 2,
            page_token: token,
            ..Default::default()
        }))
        .await
        .expect("a page token of the first start")
        .into_inner();
    assert_eq!(second_page.hazards, second_expected);
    assert_eq!(again.stop().await, Some(0));
}

/// Every target of the demo year, checked against a hand count of the records its lineage
/// names, each read back through the plans API.
async fn targets_match_their_lineage(channel: tonic::transport::Channel) {
    use hl_proto::ledger::v1::{GetTargetsRequest, TargetStatus};
    use hl_proto::plans::v1 as plans;
    use hl_proto::plans::v1::plans_service_client::PlansServiceClient;
    let mut ledger = LedgerServiceClient::new(channel.clone());
    let mut plans = PlansServiceClient::new(channel);
    let year = chrono::Datelike::year(&hl_testkit::inspections::today());
    let targets = ledger
        .get_targets(by_administrator(GetTargetsRequest {
            year,
            ..Default::default()
        }))
        .await
        .expect("the year's targets")
        .into_inner()
        .targets;
    let codes: Vec<&str> = targets.iter().map(|target| target.code.as_str()).collect();
    let expected: Vec<String> = (1..=16).map(|number| format!("T{number}")).collect();
    assert_eq!(codes, expected);
    let by_code = |code: &str| targets.iter().find(|target| target.code == code).unwrap();
    let count = |names: &[String]| names.len() as f64;
    let share = |counted: &[String], out_of: &[String]| {
        (!out_of.is_empty()).then(|| count(counted) / count(out_of))
    };

    // T1 and T4 count accidents; T2 their deaths, each read back.
    let t1 = by_code("T1");
    assert_eq!(t1.figure, Some(count(&t1.counted)));
    assert_eq!(t1.year_before, Some(count(&t1.out_of)));
    let deaths = |names: Vec<String>| {
        let mut plans = plans.clone();
        async move {
            let mut total = 0;
            for name in names {
                let accident = plans
                    .get_accident(by_inspector(plans::GetAccidentRequest {
                        name,
                        as_of: None,
                    }))
                    .await
                    .expect("a counted accident")
                    .into_inner();
                total += accident.figures.unwrap().deaths;
            }
            f64::from(total)
        }
    };
    let t2 = by_code("T2");
    let deaths_this_year = deaths(t2.counted.clone()).await;
    assert_eq!(t2.figure, Some(deaths_this_year));
    assert_eq!(t2.year_before, Some(deaths(t2.out_of.clone()).await));
    let t4 = by_code("T4");
    assert_eq!(t4.figure, Some(count(&t4.counted)));

    // T3: the deaths over the year's GDP in 亿元, both named in its lineage.
    let t3 = by_code("T3");
    let gdp_name = format!("annualGdp/{year}");
    assert!(t3.counted.contains(&gdp_name), "{:?}", t3.counted);
    let gdp = plans
        .get_annual_gdp(by_inspector(plans::GetAnnualGdpRequest {
            name: gdp_name,
            as_of: None,
        }))
        .await
        .expect("the year's GDP")
        .into_inner();
    let rate = t3.figure.expect("a rate once both years' GDP is entered");
    let by_hand = deaths_this_year / (gdp.gdp_wan_yuan as f64 / 10_000.0);
    assert!((rate - by_hand).abs() < 1e-12, "{rate} against {by_hand}");

    // T5 counts shelters certified in the year; T6 the deaths of the year's typhoons by their
    // latest situation report.
    let t5 = by_code("T5");
    assert_eq!(t5.figure, Some(count(&t5.counted)));
    for name in &t5.counted {
        let shelter = plans
            .get_shelter(by_inspector(plans::GetShelterRequest {
                name: name.clone(),
                as_of: None,
            }))
            .await
            .expect("a counted shelter")
            .into_inner();
        assert_eq!(shelter.certified_on.unwrap().year, year, "{name}");
    }
    let t6 = by_code("T6");
    // The demo's typhoon was declared six days before the demo was seeded.
    let declared = hl_testkit::inspections::today() - chrono::Days::new(6);
    if chrono::Datelike::year(&declared) == year {
        assert_eq!(t6.counted, ["disasterEvents/haikui"]);
    }
    let mut typhoon_deaths = 0;
    for name in &t6.counted {
        let event = plans
            .get_disaster_event(by_inspector(plans::GetDisasterEventRequest {
                name: name.clone(),
                as_of: None,
            }))
            .await
            .expect("a counted disaster event")
            .into_inner();
        typhoon_deaths += event
            .situation_reports
            .last()
            .map_or(0, |report| report.deaths);
    }
    assert_eq!(t6.figure, Some(f64::from(typhoon_deaths)));

    // The shares are their lineage's numerator over its denominator.
    for code in ["T9", "T10", "T11", "T13", "T14", "T15", "T16"] {
        let target = by_code(code);
        if target.figure.is_none() {
            assert_eq!(target.status(), TargetStatus::AwaitingData, "{code}");
        }
    }
    for code in ["T9", "T10", "T11", "T13", "T14", "T15", "T16"] {
        let target = by_code(code);
        assert_eq!(
            target.figure,
            share(&target.counted, &target.out_of),
            "{code}: {target:?}"
        );
    }
    let t8 = by_code("T8");
    assert_eq!(
        t8.figure,
        Some(if t8.counted.is_empty() { 0.0 } else { 1.0 })
    );

    // T12 counts each person once: no more than its campaigns' counts together, no fewer than
    // the largest.
    let t12 = by_code("T12");
    let mut trained = Vec::new();
    for name in &t12.counted {
        let campaign = plans
            .get_training_campaign(by_inspector(plans::GetTrainingCampaignRequest {
                name: name.clone(),
                as_of: None,
            }))
            .await
            .expect("a counted campaign")
            .into_inner();
        trained.push(f64::from(campaign.trained));
    }
    let figure = t12.figure.unwrap();
    assert!(
        figure <= trained.iter().sum::<f64>()
            && figure >= trained.iter().cloned().fold(0.0, f64::max)
    );

    // T7 counts the year's forest fires graded 较大 or worse: the demo has none.
    let t7 = by_code("T7");
    assert_eq!(t7.figure, Some(count(&t7.counted)));
    assert!(t7.out_of.is_empty());

    // The targets read from the plans and centre records (T1–T12) name the events behind what
    // they count; the hazards' targets read the ledger as it stands and name none.
    let keeps_events = |code: &str| code[1..].parse::<u32>().is_ok_and(|number| number <= 12);
    for target in &targets {
        if !keeps_events(&target.code) {
            assert!(target.event_ids.is_empty(), "{target:?}");
        } else if !target.counted.is_empty() {
            assert!(!target.event_ids.is_empty(), "{target:?}");
        }
    }
    // Read as the ledger knew it before the demo was seeded, they count nothing.
    let before_the_demo = ledger
        .get_targets(by_administrator(GetTargetsRequest {
            year,
            known_at: Some(hl_proto::timestamp(
                chrono::Utc::now() - chrono::Duration::days(400),
            )),
            ..Default::default()
        }))
        .await
        .expect("the targets as known before the demo")
        .into_inner();
    for target in before_the_demo.targets.iter() {
        if keeps_events(&target.code) {
            assert!(
                target.counted.is_empty() && target.event_ids.is_empty(),
                "{target:?}"
            );
        }
    }
}
