//! The committee's lists read on a past day, on a real nats-server and both databases: an item
//! closed out late was overdue between its deadline and its close-out, and a sub-task done late
//! was overdue before it was done. The day is judged by the dates recorded, not by the status
//! the item has today.

mod support;

use hl_domain::access::test_actors;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_server::LedgerService;
use hl_proto::responsibility::v1::SafetyItemKind;
use hl_responsibility::domain::safety_item::{ListItem, SafetyItem, SafetyItemCommand};
use support::*;

fn list(title: &str) -> SafetyItemCommand {
    SafetyItemCommand::List(ListItem {
        kind: SafetyItemKind::MajorIssue,
        region: "330903".into(),
        year: 2026,
        title: title.into(),
        description: "重大安全生产问题".into(),
        lead_unit_id: "fire-committee".into(),
        deadline: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
    })
}

/// Two major problems due on 31 October 2026, each with a sub-task due on 31 May: `late`, whose
/// sub-task was done on 1 July and which was closed out on 10 November; and `open`, never
/// worked on. Each step is entered the day it happened.
async fn two_items(world: &World) {
    let items = world.repository::<SafetyItem>();
    let administrator = test_actors::administrator();
    let inspector = test_actors::inspector();
    let sub_task = SafetyItemCommand::AssignSubTask {
        sub_task_id: "s-1".into(),
        assignee: "330903001".into(),
        description: "排查".into(),
        deadline: chrono::NaiveDate::from_ymd_opt(2026, 5, 31).unwrap(),
    };
    let accept = SafetyItemCommand::Accept {
        note: String::new(),
    };
    let steps = [
        ("late", list("渔港消防"), &administrator, "2026-02-01"),
        ("open", list("民宿消防"), &administrator, "2026-02-01"),
        ("late", accept.clone(), &inspector, "2026-02-02"),
        ("open", accept, &inspector, "2026-02-02"),
        ("late", sub_task.clone(), &administrator, "2026-02-03"),
        ("open", sub_task, &administrator, "2026-02-03"),
        (
            "late",
            SafetyItemCommand::CompleteSubTask {
                sub_task_id: "s-1".into(),
                note: "已完成".into(),
                evidence: Vec::new(),
            },
            &inspector,
            "2026-07-01",
        ),
        (
            "late",
            SafetyItemCommand::RequestCloseOut {
                note: "完成".into(),
            },
            &administrator,
            "2026-11-09",
        ),
    ];
    for (id, command, actor, on) in steps {
        world
            .execute_recorded(&items, id, command, actor.clone(), on, Some(at(on)))
            .await;
    }
    world
        .execute_recorded(
            &items,
            "late",
            SafetyItemCommand::ApproveCloseOut {
                note: "销号".into(),
            },
            test_actors::second_administrator(),
            "2026-11-10",
            Some(at("2026-11-10")),
        )
        .await;
    world.caught_up().await;
}

/// The items of 2026 read on `on`, today's knowledge, with the filters given.
async fn items_on(
    world: &World,
    on: &str,
    open_only: bool,
    overdue_only: bool,
) -> Vec<ledger::SafetyItemRow> {
    world
        .ledger()
        .list_safety_items(as_inspector(ledger::ListSafetyItemsRequest {
            year: 2026,
            day: Some(day(on)),
            open_only,
            overdue_only,
            ..Default::default()
        }))
        .await
        .expect("the items")
        .into_inner()
        .items
}

fn ids(rows: &[ledger::SafetyItemRow]) -> Vec<String> {
    rows.iter()
        .map(|row| row.item.as_ref().unwrap().item_id.clone())
        .collect()
}

#[tokio::test]
async fn a_past_day_reads_overdue_and_open_by_the_dates_recorded() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        two_items(&world).await;

        // 15 June: both sub-tasks were past their deadline and neither was done yet.
        let june = items_on(&world, "2026-06-15", false, false).await;
        assert_eq!(ids(&june), ["late", "open"]);
        for row in &june {
            assert_eq!(row.overdue_sub_task_ids, ["s-1"], "{row:?}");
            assert_eq!(row.sub_tasks_done, 0, "{row:?}");
            assert!(!row.overdue);
        }
        // 2 July: `late`'s sub-task is done.
        let july = items_on(&world, "2026-07-02", false, false).await;
        assert!(july[0].overdue_sub_task_ids.is_empty());
        assert_eq!(july[0].sub_tasks_done, 1);

        // 5 November: both items were past their deadline, and neither was closed out yet,
        // though `late` is closed out today.
        let november = items_on(&world, "2026-11-05", false, true).await;
        assert_eq!(ids(&november), ["late", "open"]);
        assert_eq!(
            ids(&items_on(&world, "2026-11-05", true, false).await),
            ["late", "open"]
        );

        // 1 December: `late` is closed out, `open` still overdue.
        let december = items_on(&world, "2026-12-01", false, true).await;
        assert_eq!(ids(&december), ["open"]);
        assert_eq!(
            ids(&items_on(&world, "2026-12-01", true, false).await),
            ["open"]
        );
    })
    .await;
}
