//! Business time and recorded time in the read models, on a real nats-server and both databases:
//! a quarter entered a day late with its true dates reconciles exactly as if it had been entered
//! on the day; a report asked of a past `known_at` comes back the same after later and backdated
//! entries; backdated and migrated entries are marked on their rows; a rate names the records
//! behind it.

mod support;

use chrono::Duration;
use hl_proto::hazards::v1::HazardLevel;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_server::LedgerService;
use hl_testkit::{NatsServer, unique_namespace};
use support::*;

/// A quarter's work at two enterprises: a finding paired with the enterprise's earlier entry, a
/// finding its self-check missed (ordered and claimed), a 重大 finding ordered and overdue, and a
/// 重大 self-report nobody reviewed. Every self-check entry precedes the finding it could answer by
/// more than a day.
async fn quarter(world: &World) {
    world.register(ENTERPRISE, "330903001", true).await;
    world.register(OTHER, "330903001", true).await;
    let general = HazardLevel::General;
    world
        .report(
            "own-1",
            ENTERPRISE,
            false,
            general,
            "机房",
            "2023-04-03",
            "",
        )
        .await;
    world
        .report(
            "gov-1",
            ENTERPRISE,
            true,
            general,
            "机房",
            "2023-04-20",
            "own-1",
        )
        .await;
    world
        .report("gov-2", ENTERPRISE, true, general, "仓库", "2023-05-10", "")
        .await;
    world.order("gov-2", "2023-05-31", "2023-05-10").await;
    world.claim("gov-2", ENTERPRISE, "2023-05-25").await;
    let major = HazardLevel::Major;
    world
        .report("gov-3", OTHER, true, major, "码头", "2023-06-01", "")
        .await;
    world.order("gov-3", "2023-06-20", "2023-06-01").await;
    world
        .report("own-3", OTHER, false, major, "二号泊位", "2023-06-05", "")
        .await;
}

/// The question every test asks: the second quarter of 2023, as of 5 July.
struct Quarter {
    period_start: Option<hl_proto::common::v1::Date>,
    period_end: Option<hl_proto::common::v1::Date>,
    as_of: Option<hl_proto::Timestamp>,
}

fn second_quarter() -> Quarter {
    Quarter {
        period_start: Some(day("2023-04-01")),
        period_end: Some(day("2023-06-30")),
        as_of: Some(hl_proto::timestamp(at("2023-07-05"))),
    }
}

/// What the ledger says of the quarter, as known at `known_at` (everything when None): every
/// discrepancy and the summary per enterprise, without what differs between two stores of the
/// same facts (event ids, freshness).
async fn report(
    world: &World,
    known_at: Option<&str>,
) -> (Vec<ledger::Discrepancy>, ledger::ReconciliationSummary) {
    let known_at = known_at.map(|text| hl_proto::timestamp(at(text)));
    let quarter = second_quarter();
    let request = ledger::ListDiscrepanciesRequest {
        period_start: quarter.period_start,
        period_end: quarter.period_end,
        as_of: quarter.as_of,
        known_at,
        page_size: 1000,
        ..Default::default()
    };
    let mut discrepancies = world
        .ledger()
        .list_discrepancies(as_inspector(request))
        .await
        .unwrap()
        .into_inner()
        .discrepancies;
    for row in &mut discrepancies {
        row.event_ids.clear();
    }
    let quarter = second_quarter();
    let request = ledger::GetReconciliationSummaryRequest {
        group_by: ledger::GroupBy::Enterprise as i32,
        period_start: quarter.period_start,
        period_end: quarter.period_end,
        as_of: quarter.as_of,
        known_at,
        ..Default::default()
    };
    let mut summary = world
        .ledger()
        .get_reconciliation_summary(as_inspector(request))
        .await
        .unwrap()
        .into_inner();
    summary.freshness = None;
    (discrepancies, summary)
}

/// The hazards of an enterprise (every one when empty), as known at `known_at`.
async fn hazards(
    world: &World,
    enterprise_id: &str,
    known_at: Option<&str>,
) -> Vec<ledger::HazardRecord> {
    world
        .ledger()
        .list_hazards(as_inspector(ledger::ListHazardsRequest {
            enterprise_id: enterprise_id.into(),
            known_at: known_at.map(|text| hl_proto::timestamp(at(text))),
            page_size: 100,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .hazards
}

fn codes(discrepancies: &[ledger::Discrepancy]) -> Vec<(String, Vec<String>)> {
    discrepancies
        .iter()
        .map(|row| (row.code.clone(), row.hazard_ids.clone()))
        .collect()
}

/// A second, empty database of the same kind.
async fn another(backend: &Backend) -> Backend {
    match backend {
        Backend::Sqlite(_) => Backend::sqlite().await,
        Backend::Postgres(_) => Backend::postgres().await,
    }
}

#[tokio::test]
async fn a_quarter_entered_a_day_late_with_its_true_dates_reconciles_as_if_entered_on_the_day() {
    on_both_databases(|backend| async move {
        let second = another(&backend).await;
        let on_the_day = World::start_entering(
            NatsServer::start().await,
            &unique_namespace(),
            backend,
            Entry::Live(Duration::zero()),
        )
        .await;
        let a_day_late = World::start_entering(
            NatsServer::start().await,
            &unique_namespace(),
            second,
            Entry::Live(Duration::days(1)),
        )
        .await;
        quarter(&on_the_day).await;
        quarter(&a_day_late).await;
        on_the_day.caught_up().await;
        a_day_late.caught_up().await;

        let (expected, expected_summary) = report(&on_the_day, None).await;
        let found = codes(&expected);
        for (code, hazard) in [
            ("D1", "gov-2"),
            ("D1", "gov-3"),
            ("D5", "gov-3"),
            ("D2", "own-3"),
        ] {
            assert!(
                found.iter().any(
                    |(found_code, ids)| found_code == code && ids.contains(&hazard.to_string())
                ),
                "{code} {hazard} in {found:?}"
            );
        }
        assert!(
            !found
                .iter()
                .any(|(code, ids)| code == "D1" && ids.contains(&"gov-1".to_string())),
            "the finding the enterprise had itself is not missed: {found:?}"
        );
        let (late, late_summary) = report(&a_day_late, None).await;
        assert_eq!(late, expected);
        assert_eq!(late_summary, expected_summary);
    })
    .await;
}

#[tokio::test]
async fn a_report_of_a_past_known_at_is_reproduced_after_later_and_backdated_entries() {
    on_both_databases(|backend| async move {
        let world = World::start_entering(
            NatsServer::start().await,
            &unique_namespace(),
            backend,
            Entry::Live(Duration::days(1)),
        )
        .await;
        quarter(&world).await;
        world.caught_up().await;
        let printed = report(&world, Some("2023-07-05T00:00:00Z")).await;

        // After the report was printed: the enterprise enters, on 10 July, an entry it dates
        // before the inspection that found gov-2; an inspector enters a June finding late; gov-2
        // is verified.
        let (own, enterprise) = reporting(
            "own-late",
            ENTERPRISE,
            false,
            HazardLevel::General,
            "仓库",
            "",
        );
        world
            .execute_recorded(
                &world.hazards,
                "own-late",
                own,
                enterprise,
                "2023-05-05",
                Some(at("2023-07-10")),
            )
            .await;
        let (finding, inspector) =
            reporting("gov-4", OTHER, true, HazardLevel::General, "冷库", "");
        world
            .execute_recorded(
                &world.hazards,
                "gov-4",
                finding,
                inspector,
                "2023-06-15",
                Some(at("2023-07-08")),
            )
            .await;
        world.caught_up().await;

        assert_eq!(
            report(&world, Some("2023-07-05T00:00:00Z")).await,
            printed,
            "what the ledger knew on 5 July is what it knew then"
        );
        let (now, _) = report(&world, None).await;
        let found = codes(&now);
        assert!(
            found
                .iter()
                .any(|(code, ids)| code == "D1" && ids == &["gov-4".to_string()])
        );
        assert!(
            found
                .iter()
                .any(|(code, ids)| code == "D1" && ids.contains(&"gov-2".to_string())),
            "an entry recorded after the finding does not count as reported before it: {found:?}"
        );

        // The late entry is marked as backdated on its row; nothing here is migrated.
        let listed = hazards(&world, ENTERPRISE, None).await;
        let own_late = listed
            .iter()
            .find(|row| row.hazard_id == "own-late")
            .unwrap();
        assert!(own_late.backdated && !own_late.migrated);
        let known_then = hazards(&world, ENTERPRISE, Some("2023-07-05T00:00:00Z")).await;
        assert!(known_then.iter().all(|row| row.hazard_id != "own-late"));
    })
    .await;
}

#[tokio::test]
async fn a_migrated_entry_is_marked_as_such_and_a_rate_names_the_records_behind_it() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        quarter(&world).await;
        world.caught_up().await;
        let listed = hazards(&world, "", None).await;
        assert_eq!(listed.len(), 5);
        assert!(listed.iter().all(|row| row.migrated && !row.backdated));

        let quarter = second_quarter();
        let request = ledger::ExplainRateRequest {
            rate: ledger::RateKind::SelfDiscovery as i32,
            group_by: ledger::GroupBy::Enterprise as i32,
            group: ENTERPRISE.into(),
            period_start: quarter.period_start,
            period_end: quarter.period_end,
            as_of: quarter.as_of,
            ..Default::default()
        };
        let lineage = world
            .ledger()
            .explain_rate(as_inspector(request))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(lineage.numerator, ["hazards/gov-1"]);
        assert_eq!(lineage.denominator, ["hazards/gov-1", "hazards/gov-2"]);
        assert_eq!(lineage.value, Some(0.5));
    })
    .await;
}
