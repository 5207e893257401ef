//! Supervision orders read as they stood at a moment and as the ledger knew them at a recording
//! time, on a real nats-server and both databases: an order issued later is not listed yet, a
//! delisted order was open before its 摘牌, and a sub-task's completion entered late changes
//! today's reading of a past day but never the reading as known before it was entered.

mod support;

use hl_domain::access::test_actors;
use hl_hazards::domain::supervision::{
    IssueOrder, NewSubTask, SupervisionOrder, SupervisionOrderCommand,
};
use hl_proto::hazards::v1::{SupervisionLevel, SupervisionOrderStatus};
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_server::LedgerService;
use support::*;

fn on(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn issue(title: &str, deadline: &str) -> SupervisionOrderCommand {
    SupervisionOrderCommand::Issue(IssueOrder {
        region: "330903".into(),
        level: SupervisionLevel::District,
        notice_number: format!("普安委督〔2023〕{title}号"),
        title: title.into(),
        hazard_ids: vec!["hz-1".into()],
        responsible_units: vec!["沈家门街道".into()],
        public_notice: true,
        deadline: on(deadline),
    })
}

/// `o-1`: issued on 1 May, its sub-task due on 30 June done on 10 July but entered on 20 July,
/// delisted on 10 August. `o-2`: issued on 1 September, due by the end of the year.
async fn two_orders(world: &World) {
    let orders = world.repository::<SupervisionOrder>();
    let administrator = test_actors::administrator();
    let inspector = test_actors::inspector();
    let steps = [
        (
            "o-1",
            issue("1", "2023-07-31"),
            &administrator,
            "2023-05-01",
            "2023-05-01",
        ),
        (
            "o-1",
            SupervisionOrderCommand::Decompose(vec![NewSubTask {
                sub_task_id: "t1".into(),
                assignee_unit: "沈家门街道".into(),
                description: "监督整改".into(),
                deadline: on("2023-06-30"),
            }]),
            &administrator,
            "2023-05-02",
            "2023-05-02",
        ),
        (
            "o-1",
            SupervisionOrderCommand::ReportProgress {
                sub_task_id: "t1".into(),
                progress_percent: 100,
                completed: true,
                note: "已整改".into(),
            },
            &inspector,
            "2023-07-10",
            "2023-07-20",
        ),
        (
            "o-1",
            SupervisionOrderCommand::RequestAcceptance {
                note: "申请验收".into(),
                evidence: Vec::new(),
            },
            &inspector,
            "2023-07-25",
            "2023-07-25",
        ),
        (
            "o-1",
            SupervisionOrderCommand::Delist {
                note: "摘牌".into(),
                unverified: Vec::new(),
            },
            &administrator,
            "2023-08-10",
            "2023-08-10",
        ),
        (
            "o-2",
            issue("2", "2023-12-31"),
            &administrator,
            "2023-09-01",
            "2023-09-01",
        ),
    ];
    for (id, command, actor, happened, recorded) in steps {
        world
            .execute_recorded(
                &orders,
                id,
                command,
                actor.clone(),
                happened,
                Some(at(recorded)),
            )
            .await;
    }
    world.caught_up().await;
}

/// The orders as they stood at `as_of` (now when None), as known at `known_at` (now when None).
async fn orders(
    world: &World,
    as_of: Option<&str>,
    known_at: Option<&str>,
) -> ledger::ListSupervisionOrdersResponse {
    world
        .ledger()
        .list_supervision_orders(as_inspector(ledger::ListSupervisionOrdersRequest {
            as_of: as_of.map(|moment| hl_proto::timestamp(at(moment))),
            known_at: known_at.map(|moment| hl_proto::timestamp(at(moment))),
            ..Default::default()
        }))
        .await
        .expect("the orders")
        .into_inner()
}

fn summary(listed: &ledger::ListSupervisionOrdersResponse) -> Vec<(String, i32, bool)> {
    listed
        .orders
        .iter()
        .map(|order| (order.order_id.clone(), order.status, order.overdue))
        .collect()
}

#[tokio::test]
async fn orders_read_as_they_stood_and_as_the_ledger_knew_them() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        two_orders(&world).await;
        let in_progress = SupervisionOrderStatus::InProgress as i32;

        // 5 July: o-1 was in progress with its sub-task past due; o-2 was not issued yet.
        let july = orders(&world, Some("2023-07-05"), None).await;
        assert_eq!(summary(&july), [("o-1".to_string(), in_progress, true)]);
        assert_eq!(july.total_size, 1);
        assert!(!july.orders[0].sub_tasks[0].completed);

        // 15 July, as known today: the sub-task was done on 10 July.
        let done = orders(&world, Some("2023-07-15"), None).await;
        assert_eq!(summary(&done), [("o-1".to_string(), in_progress, false)]);
        assert!(done.orders[0].sub_tasks[0].completed);
        // 15 July as the ledger knew it that day: the completion was entered on 20 July.
        let then = orders(&world, Some("2023-07-15"), Some("2023-07-15")).await;
        assert_eq!(summary(&then), [("o-1".to_string(), in_progress, true)]);

        // Today: o-1 delisted, o-2 open.
        let today = orders(&world, None, None).await;
        assert_eq!(
            summary(&today),
            [
                (
                    "o-1".to_string(),
                    SupervisionOrderStatus::Delisted as i32,
                    false
                ),
                // Past its deadline of 31 December 2023.
                (
                    "o-2".to_string(),
                    SupervisionOrderStatus::Listed as i32,
                    true
                ),
            ]
        );
    })
    .await;
}
