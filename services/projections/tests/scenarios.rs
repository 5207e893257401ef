//! The two-ledger reconciliation end to end: events recorded as the services record them, applied
//! by the projector into a real database, and read back through the query API. One scenario per
//! discrepancy class, on SQLite and on PostgreSQL.

mod support;

use hl_directory::Standing;
use hl_domain::access::test_actors;
use hl_hazards::domain::alarm_device::AlarmDeviceCommand;
use hl_hazards::domain::hazard::HazardCommand;
use hl_proto::hazards::v1::{AlarmDeviceKind, HazardLevel};
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_server::LedgerService;
use support::*;

fn has(found: &[(String, Vec<String>)], code: &str, hazards: &[&str]) -> bool {
    found.iter().any(|(found_code, ids)| {
        found_code == code && ids.iter().map(String::as_str).eq(hazards.iter().copied())
    })
}

async fn scenario(world: &World) {
    world.register(ENTERPRISE, "330903001", true).await;
    // D1: found by the government; the enterprise never recorded it.
    world
        .report(
            "g1",
            ENTERPRISE,
            true,
            HazardLevel::General,
            "仓库",
            "2023-05-01",
            "",
        )
        .await;
    // D2: a 重大 hazard the enterprise reported that nobody from the government looked at.
    world
        .report(
            "s2",
            ENTERPRISE,
            false,
            HazardLevel::Major,
            "配电房",
            "2023-03-01",
            "",
        )
        .await;
    // D3: claimed fixed, rejected on the government's follow-up.
    world
        .report(
            "g3",
            ENTERPRISE,
            true,
            HazardLevel::General,
            "吊装区",
            "2023-05-02",
            "",
        )
        .await;
    world.order("g3", "2023-07-30", "2023-05-02").await;
    world.claim("g3", ENTERPRISE, "2023-05-10").await;
    world
        .execute(
            &world.hazards,
            "g3",
            HazardCommand::Reject {
                reason: "not fixed".into(),
                new_deadline: None,
            },
            test_actors::inspector(),
            "2023-05-12",
        )
        .await;
    // D4 and D7: the enterprise graded it 一般, the government 重大.
    world
        .report(
            "s4",
            ENTERPRISE,
            false,
            HazardLevel::General,
            "冷凝器",
            "2023-04-01",
            "",
        )
        .await;
    world
        .report(
            "g4",
            ENTERPRISE,
            true,
            HazardLevel::Major,
            "冷凝器",
            "2023-05-05",
            "s4",
        )
        .await;
    // D5: ordered by 20 May, still not rectified.
    world
        .report(
            "g5",
            ENTERPRISE,
            true,
            HazardLevel::General,
            "机房",
            "2023-05-06",
            "",
        )
        .await;
    world.order("g5", "2023-05-20", "2023-05-06").await;
    // D8: an ammonia alarm last tested in March 2022.
    // Its registration claims a test in March 2022; no test report is on record.
    let register = AlarmDeviceCommand::Register {
        enterprise: Standing::registered(ENTERPRISE, Default::default()),
        region: "330903".into(),
        kind: AlarmDeviceKind::AmmoniaConcentration,
        location: "机房".into(),
        claimed_last_tested_on: Some(chrono::NaiveDate::from_ymd_opt(2022, 3, 1).unwrap()),
    };
    world
        .execute(
            &world.devices,
            "nh3",
            register,
            test_actors::inspector(),
            "2023-01-10",
        )
        .await;
    world.caught_up().await;
}

#[tokio::test]
async fn every_discrepancy_class_is_found_from_real_events() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        scenario(&world).await;
        let found = world.discrepancies("2023-06-01").await;
        eprintln!("{found:?}");
        assert!(has(&found, "D1", &["g1"]), "D1");
        assert!(has(&found, "D2", &["s2"]), "D2");
        assert!(has(&found, "D3", &["g3"]), "D3");
        assert!(has(&found, "D4", &["g4", "s4"]), "D4");
        assert!(has(&found, "D5", &["g5"]), "D5");
        assert!(
            found.iter().any(|(code, _)| code == "D6"),
            "D6: the Q1 statistics were due on 15 April"
        );
        assert!(has(&found, "D7", &["g4", "s4"]), "D7");
        assert!(has(&found, "D8", &[]), "D8");

        // The same question about an earlier day has an earlier answer.
        let before = world.discrepancies("2023-05-11").await;
        assert!(!has(&before, "D3", &["g3"]), "the rejection came on 12 May");
        assert!(!has(&before, "D5", &["g5"]), "the deadline was 20 May");
        assert!(has(&before, "D1", &["g1"]));

        // Every row names the events behind it.
        let request = ledger::ListDiscrepanciesRequest {
            as_of: Some(hl_proto::timestamp(at("2023-06-01"))),
            period_start: Some(day("2023-01-01")),
            period_end: Some(day("2023-12-31")),
            classes: vec![ledger::DiscrepancyClass::FalseRectification as i32],
            ..Default::default()
        };
        let rows = world
            .ledger()
            .list_discrepancies(as_inspector(request))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(rows.total_size, 1);
        assert_eq!(
            rows.discrepancies[0].event_ids.len(),
            3,
            "reported, claimed, rejected: {:?}",
            rows.discrepancies[0]
        );
        // The evidence of a page is read at once; each row still names only its own events.
        let everything = world
            .ledger()
            .list_discrepancies(as_inspector(ledger::ListDiscrepanciesRequest {
                as_of: Some(hl_proto::timestamp(at("2023-06-01"))),
                period_start: Some(day("2023-01-01")),
                period_end: Some(day("2023-12-31")),
                page_size: 1000,
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(everything.discrepancies.len() > 3);
        // Pages of two, followed to the end, give the same rows in the same order.
        let mut paged = Vec::new();
        let mut page_token = String::new();
        loop {
            let page = world
                .ledger()
                .list_discrepancies(as_inspector(ledger::ListDiscrepanciesRequest {
                    as_of: Some(hl_proto::timestamp(at("2023-06-01"))),
                    period_start: Some(day("2023-01-01")),
                    period_end: Some(day("2023-12-31")),
                    page_size: 2,
                    page_token: page_token.clone(),
                    ..Default::default()
                }))
                .await
                .unwrap()
                .into_inner();
            assert_eq!(page.total_size, everything.total_size);
            assert!(page.discrepancies.len() <= 2);
            paged.extend(page.discrepancies);
            if page.next_page_token.is_empty() {
                break;
            }
            page_token = page.next_page_token;
        }
        assert_eq!(paged, everything.discrepancies);
        let false_rectification = everything
            .discrepancies
            .iter()
            .find(|row| row.code == "D3")
            .unwrap();
        assert_eq!(
            false_rectification.event_ids,
            rows.discrepancies[0].event_ids
        );
        let missed = everything
            .discrepancies
            .iter()
            .find(|row| row.code == "D1" && row.hazard_ids == ["g1"])
            .unwrap();
        assert_eq!(missed.event_ids.len(), 1, "its report: {missed:?}");
        assert!(
            rows.freshness
                .unwrap()
                .streams
                .iter()
                .all(|stream| stream.lag_events == 0)
        );
    })
    .await;
}

#[tokio::test]
async fn an_officer_confirms_a_proposal_and_the_miss_disappears() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        world.register(ENTERPRISE, "330903001", true).await;
        world
            .report(
                "own",
                ENTERPRISE,
                false,
                HazardLevel::General,
                "氨阀",
                "2023-04-01",
                "",
            )
            .await;
        world
            .report(
                "found",
                ENTERPRISE,
                true,
                HazardLevel::General,
                "2号氨阀",
                "2023-04-20",
                "",
            )
            .await;
        world.caught_up().await;
        let proposals = world
            .ledger()
            .list_match_proposals(as_inspector(ledger::ListMatchProposalsRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(proposals.total_size, 1);
        let proposal = &proposals.proposals[0];
        assert_eq!(
            (
                proposal.government_hazard_id.as_str(),
                proposal.self_check_hazard_id.as_str()
            ),
            ("found", "own")
        );
        assert!(
            proposal
                .grounds
                .iter()
                .any(|ground| ground.contains("same place")),
            "{:?}",
            proposal.grounds
        );
        assert!(has(
            &world.discrepancies("2023-05-01").await,
            "D1",
            &["found"]
        ));

        world
            .execute(
                &world.hazards,
                "found",
                HazardCommand::ConfirmCounterpart {
                    counterpart_hazard_id: "own".into(),
                    note: String::new(),
                },
                test_actors::inspector(),
                "2023-04-25",
            )
            .await;
        world.caught_up().await;
        assert!(!has(
            &world.discrepancies("2023-05-01").await,
            "D1",
            &["found"]
        ));
        let proposals = world
            .ledger()
            .list_match_proposals(as_inspector(ledger::ListMatchProposalsRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(proposals.total_size, 0);

        let summary = world
            .ledger()
            .get_reconciliation_summary(as_inspector(ledger::GetReconciliationSummaryRequest {
                group_by: ledger::GroupBy::Township as i32,
                period_start: Some(day("2023-01-01")),
                period_end: Some(day("2023-12-31")),
                as_of: Some(hl_proto::timestamp(at("2023-05-01"))),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        let total = summary.total.unwrap();
        assert_eq!(
            (
                total.government_findings,
                total.self_found_matched,
                total.self_discovery_rate
            ),
            (1, 1, Some(1.0))
        );
        assert_eq!(summary.rows[0].group, "330903001");
    })
    .await;
}

#[tokio::test]
async fn hazards_and_an_enterprises_two_ledgers_are_listed_as_of_a_time() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        scenario(&world).await;
        let ledger_service = world.ledger();
        let overdue = ledger_service
            .list_hazards(as_inspector(ledger::ListHazardsRequest {
                overdue_only: true,
                as_of: Some(hl_proto::timestamp(at("2023-06-01"))),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        let ids: Vec<&str> = overdue
            .hazards
            .iter()
            .map(|hazard| hazard.hazard_id.as_str())
            .collect();
        assert_eq!(ids, ["g5"]);
        let government = ledger_service
            .list_hazards(as_inspector(ledger::ListHazardsRequest {
                ledger: ledger::Ledger::Government as i32,
                page_size: 2,
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!((government.total_size, government.hazards.len()), (4, 2));
        assert!(!government.next_page_token.is_empty());
        // Filtered by the enterprise's township: all of them there, none in another.
        for (township, listed) in [("330903001", 4), ("330903002", 0)] {
            let page = ledger_service
                .list_hazards(as_inspector(ledger::ListHazardsRequest {
                    ledger: ledger::Ledger::Government as i32,
                    township_code: township.into(),
                    page_size: 10,
                    ..Default::default()
                }))
                .await
                .unwrap()
                .into_inner();
            assert_eq!(page.total_size, listed, "{township}");
            assert!(
                page.hazards
                    .iter()
                    .all(|hazard| hazard.township_code == township)
            );
        }

        let ledgers = ledger_service
            .get_enterprise_ledgers(as_inspector(ledger::GetEnterpriseLedgersRequest {
                name: format!("enterprises/{ENTERPRISE}"),
                as_of: None,
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (
                ledgers.enterprise_ledger.len(),
                ledgers.government_ledger.len()
            ),
            (2, 4)
        );
        assert_eq!(ledgers.pairs.len(), 1);
        assert_eq!(ledgers.pairs[0].self_check_hazard_id, "s4");
        assert_eq!(ledgers.pairs[0].basis, "linked");
        assert_eq!(ledgers.government_ledger[0].township_code, "330903001");
    })
    .await;
}

#[tokio::test]
async fn a_reconciliation_of_now_follows_every_new_event() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        world.register(ENTERPRISE, "330903001", true).await;
        // Asked about now: the answer is kept only until the read model moves.
        let today = hl_domain::clock::local_date(chrono::Utc::now());
        let yesterday = (today - chrono::Days::new(1)).to_string();
        let period = |request: &mut ledger::ListDiscrepanciesRequest| {
            request.period_start = Some(day(&yesterday));
            request.period_end = Some(today.into());
            request.page_size = 1000;
        };
        let now = || async {
            let mut request = ledger::ListDiscrepanciesRequest::default();
            period(&mut request);
            let listed = world
                .ledger()
                .list_discrepancies(as_inspector(request))
                .await
                .unwrap()
                .into_inner();
            let summary = world
                .ledger()
                .get_reconciliation_summary(as_inspector(ledger::GetReconciliationSummaryRequest {
                    group_by: ledger::GroupBy::Township as i32,
                    period_start: Some(day(&yesterday)),
                    period_end: Some(today.into()),
                    ..Default::default()
                }))
                .await
                .unwrap()
                .into_inner();
            let missed: Vec<(String, Vec<String>)> = listed
                .discrepancies
                .into_iter()
                .map(|row| (row.code, row.hazard_ids))
                .collect();
            (missed, summary.total.unwrap().government_findings)
        };

        for (index, id) in ["first", "second", "third"].into_iter().enumerate() {
            world
                .report(
                    id,
                    ENTERPRISE,
                    true,
                    HazardLevel::General,
                    &format!("{index}号冷库"),
                    &yesterday,
                    "",
                )
                .await;
            world.caught_up().await;
            // Asked twice, so the second answer may come from what the first one kept.
            for _ in 0..2 {
                let (found, findings) = now().await;
                assert!(has(&found, "D1", &[id]), "{id}: {found:?}");
                assert_eq!(findings, index as u32 + 1);
            }
        }
    })
    .await;
}

/// A township's hazards are those of the enterprises in it on the day each was found, as the
/// registry says (so an enterprise that moved lists each hazard under its township of the day),
/// and, for an enterprise the registry does not hold that day, the township recorded with the
/// hazard.
#[tokio::test]
async fn a_township_lists_each_hazard_under_the_township_of_its_day() {
    use hl_directory::enterprise::EnterpriseCommand;
    use hl_proto::responsibility::v1 as registry;
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        // The mover is registered in 002 and moves to 003 on 1 June; ENTERPRISE is not
        // registered at all. Every hazard below was recorded with township 001.
        world.register(OTHER, "330903002", true).await;
        world
            .execute(
                &world.enterprises,
                OTHER,
                EnterpriseCommand::UpdateDetails {
                    update: registry::EnterpriseDetails {
                        township_code: "330903003".into(),
                        ..Default::default()
                    },
                    fields: vec!["township_code".into()],
                    effective_from: chrono::NaiveDate::from_ymd_opt(2023, 6, 1).unwrap(),
                },
                test_actors::administrator(),
                "2023-06-01",
            )
            .await;
        let general = HazardLevel::General;
        for (id, enterprise, when) in [
            ("m-before", OTHER, "2023-05-01"),
            ("m-after", OTHER, "2023-07-01"),
            ("u-1", ENTERPRISE, "2023-05-01"),
        ] {
            world
                .report(id, enterprise, true, general, "泵房", when, "")
                .await;
        }
        world.caught_up().await;
        let ledger_service = world.ledger();
        // As they stand (the database reads the page) and as of a past moment after every
        // event (every hazard in scope is read with its enterprise's attributes): the same.
        for as_of in [None, Some(hl_proto::timestamp(at("2024-01-01")))] {
            for (township, expected) in [
                ("330903001", vec!["u-1"]),
                ("330903002", vec!["m-before"]),
                ("330903003", vec!["m-after"]),
            ] {
                let page = ledger_service
                    .list_hazards(as_inspector(ledger::ListHazardsRequest {
                        township_code: township.into(),
                        page_size: 10,
                        as_of,
                        ..Default::default()
                    }))
                    .await
                    .unwrap()
                    .into_inner();
                let ids: Vec<&str> = page.hazards.iter().map(|h| h.hazard_id.as_str()).collect();
                assert_eq!(ids, expected, "{township} as of {as_of:?}");
                assert!(page.hazards.iter().all(|h| h.township_code == township));
            }
        }
    })
    .await;
}

/// A page asked for after the hazards behind its token left the filter is empty, and still
/// says how many pass now: the database counts them apart when no id comes after the token.
#[tokio::test]
async fn a_page_past_the_hazards_that_left_the_filter_is_empty_and_counts_those_that_remain() {
    use hl_proto::hazards::v1::HazardStatus;

    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        world.register(ENTERPRISE, "330903001", true).await;
        for id in ["a", "b", "c"] {
            world.report_finding(id).await;
            world.order(id, "2023-05-20", "2023-05-02").await;
        }
        world.caught_up().await;
        let service = world.ledger();
        let request = ledger::ListHazardsRequest {
            page_size: 2,
            township_code: "330903001".into(),
            status: HazardStatus::Rectifying as i32,
            ..Default::default()
        };
        let first = service
            .list_hazards(as_inspector(request.clone()))
            .await
            .unwrap()
            .into_inner();
        let ids: Vec<&str> = first.hazards.iter().map(|h| h.hazard_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(first.total_size, 3);
        assert!(!first.next_page_token.is_empty());

        // The one hazard after the token is claimed: it no longer stands in rectification.
        world.claim("c", ENTERPRISE, "2023-05-10").await;
        world.caught_up().await;
        let next = service
            .list_hazards(as_inspector(ledger::ListHazardsRequest {
                page_token: first.next_page_token,
                ..request
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(next.hazards.is_empty(), "{:?}", next.hazards);
        assert_eq!(next.total_size, 2);
        assert!(next.next_page_token.is_empty());
    })
    .await;
}

#[tokio::test]
async fn an_overdue_page_holds_the_hazards_past_their_deadline_on_the_day_asked() {
    use chrono::Days;
    use hl_domain::clock::local_date;

    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        world.register(ENTERPRISE, "330903001", true).await;
        let today = || local_date(chrono::Utc::now());
        let found = today() - Days::new(3);
        // Due yesterday: overdue today. Due today: not yet. Due in three days: not yet.
        let deadlines = [
            ("due-yesterday", found + Days::new(2)),
            ("due-today", found + Days::new(3)),
            ("due-later", found + Days::new(6)),
        ];
        for (id, deadline) in deadlines {
            world.report_finding_on(id, &found.to_string()).await;
            world
                .order(id, &deadline.to_string(), &found.to_string())
                .await;
        }
        world.caught_up().await;
        let service = world.ledger();
        for township in ["", "330903001"] {
            let request = ledger::ListHazardsRequest {
                overdue_only: true,
                township_code: township.into(),
                ..Default::default()
            };
            // Asked again should the day turn in Asia/Shanghai while it is answered.
            let ids = loop {
                let day = today();
                let ids = ids_of_every_page(&service, request.clone()).await;
                if today() == day {
                    break ids;
                }
            };
            assert_eq!(ids, ["due-yesterday"], "{request:?}");
        }
    })
    .await;
}

/// The ids of every page of a list of hazards, checking that each page gives the whole's size.
async fn ids_of_every_page(
    service: &hl_projections::api::LedgerGrpc,
    request: ledger::ListHazardsRequest,
) -> Vec<String> {
    let mut ids = Vec::new();
    let mut page_token = String::new();
    let mut total = None;
    loop {
        let page = service
            .list_hazards(as_inspector(ledger::ListHazardsRequest {
                page_size: 2,
                page_token: page_token.clone(),
                ..request.clone()
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(*total.get_or_insert(page.total_size), page.total_size);
        ids.extend(page.hazards.into_iter().map(|hazard| hazard.hazard_id));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!(total, Some(ids.len() as i32), "{request:?}");
    ids
}

#[tokio::test]
async fn a_page_of_hazards_as_they_stand_is_the_whole_list_filtered_in_the_order_of_their_ids() {
    use hl_hazards::domain::hazard::ListingOrder;
    use hl_proto::hazards::v1::{HazardStatus, SupervisionLevel, SupervisionOrderStatus};

    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        world.register(ENTERPRISE, "330903001", true).await;
        world.register(OTHER, "330903002", true).await;
        // Ids a locale orders otherwise than bytes do (case, '-' and '_').
        let ids = [
            "z-b", "z_a", "Za", "za", "z-A", "zB", "ZZ", "z0", "a-1", "A_1", "y-late",
        ];
        for (index, id) in ids.into_iter().enumerate() {
            let enterprise = if index % 3 == 0 { OTHER } else { ENTERPRISE };
            let government = index % 2 == 0;
            let level = if index % 4 < 2 {
                HazardLevel::Major
            } else {
                HazardLevel::General
            };
            world
                .report(id, enterprise, government, level, "机房", "2023-05-01", "")
                .await;
            if government && index % 3 != 2 {
                world.order(id, "2023-05-20", "2023-05-02").await;
                // A 重大 hazard is claimed only with its remediation plan.
                // One claimed after its deadline of 20 May: awaiting the verdict, and overdue.
                if level == HazardLevel::General {
                    let claimed = if id == "y-late" { "2023-05-25" } else { "2023-05-10" };
                    world.claim(id, enterprise, claimed).await;
                }
            }
            if government && level == HazardLevel::Major && index != 4 {
                let listing = HazardCommand::MarkListed {
                    supervision_order_id: format!("order-{id}"),
                    level: SupervisionLevel::District,
                    order: Some(ListingOrder {
                        status: SupervisionOrderStatus::Listed,
                        names_the_hazard: true,
                    }),
                };
                world
                    .execute(
                        &world.hazards,
                        id,
                        listing,
                        test_actors::administrator(),
                        "2023-05-03",
                    )
                    .await;
            }
        }
        // Found before either enterprise was registered (2020): listed under the township
        // recorded with them, among the registered enterprises' hazards of that township.
        let before_registration = ["m-early", "Zb-early"];
        for (id, enterprise) in before_registration.into_iter().zip([ENTERPRISE, OTHER]) {
            world
                .report(
                    id,
                    enterprise,
                    true,
                    HazardLevel::General,
                    "机房",
                    "2019-06-01",
                    "",
                )
                .await;
        }
        world.caught_up().await;
        let service = world.ledger();
        let everything = world.all_hazards().await;
        let mut in_byte_order: Vec<&str> =
            ids.iter().chain(&before_registration).copied().collect();
        in_byte_order.sort_unstable();
        let listed_ids: Vec<&str> = everything
            .iter()
            .map(|hazard| hazard.hazard_id.as_str())
            .collect();
        assert_eq!(listed_ids, in_byte_order);
        assert!(
            everything
                .iter()
                .filter(|hazard| before_registration.contains(&hazard.hazard_id.as_str()))
                .all(|hazard| hazard.township_code == "330903001"),
            "a hazard found before its enterprise was registered is in the township recorded with it"
        );
        let statuses: std::collections::HashSet<i32> =
            everything.iter().map(|hazard| hazard.status).collect();
        assert!(
            statuses.len() >= 3,
            "the hazards stand in several states: {statuses:?}"
        );
        assert!(statuses.contains(&(HazardStatus::Rectifying as i32)));
        assert!(everything.iter().any(|hazard| hazard.listed));
        let awaiting = |overdue: bool| {
            everything.iter().any(|hazard| {
                hazard.status == HazardStatus::AwaitingVerification as i32
                    && hazard.overdue == overdue
            })
        };
        assert!(
            awaiting(true) && awaiting(false),
            "a claim after the deadline leaves a hazard overdue, one by it does not"
        );
        assert!(
            everything
                .iter()
                .any(|hazard| hazard.overdue && hazard.status == HazardStatus::Rectifying as i32)
        );

        for ledger_kind in [
            ledger::Ledger::Unspecified,
            ledger::Ledger::Government,
            ledger::Ledger::Enterprise,
        ] {
            for level in [HazardLevel::Unspecified, HazardLevel::Major] {
                for status in [HazardStatus::Unspecified, HazardStatus::Rectifying] {
                    for (listed_only, overdue_only) in
                        [(false, false), (true, false), (false, true)]
                    {
                        for (township, enterprise) in [
                            ("", ""),
                            ("330903001", ""),
                            ("330903002", ""),
                            ("", ENTERPRISE),
                            ("330903001", ENTERPRISE),
                        ] {
                            let expected: Vec<String> = everything
                                .iter()
                                .filter(|hazard| {
                                    (ledger_kind == ledger::Ledger::Unspecified
                                        || hazard.ledger == ledger_kind as i32)
                                        && (level == HazardLevel::Unspecified
                                            || hazard.level == level as i32)
                                        && (status == HazardStatus::Unspecified
                                            || hazard.status == status as i32)
                                        && (!listed_only || hazard.listed)
                                        && (!overdue_only || hazard.overdue)
                                        && (township.is_empty() || hazard.township_code == township)
                                        && (enterprise.is_empty()
                                            || hazard.enterprise_id == enterprise)
                                })
                                .map(|hazard| hazard.hazard_id.clone())
                                .collect();
                            // As they stand (the database reads the page) and as of a past
                            // moment after every event (the whole is read and filtered here).
                            for as_of in [None, Some(hl_proto::timestamp(at("2024-01-01")))] {
                                let request = ledger::ListHazardsRequest {
                                    ledger: ledger_kind as i32,
                                    level: level as i32,
                                    status: status as i32,
                                    listed_only,
                                    overdue_only,
                                    township_code: township.into(),
                                    enterprise_id: enterprise.into(),
                                    as_of,
                                    ..Default::default()
                                };
                                assert_eq!(
                                    ids_of_every_page(&service, request.clone()).await,
                                    expected,
                                    "{request:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    })
    .await;
}
