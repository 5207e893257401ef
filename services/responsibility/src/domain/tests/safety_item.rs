//! The committee's lists: listed, accepted, worked on, closed out (销号) only with every sub-task
//! done and by another administrator than the one who asked; a rejection sends it back; the
//! overdue flags read on a day.

use hl_domain::Given;
use hl_proto::common::v1::{Actor, Role};
use hl_proto::responsibility::v1::{SafetyItemKind, SafetyItemStatus};

use super::*;
use crate::domain::safety_item::{ListItem, SafetyItem, SafetyItemCommand};

fn listed() -> Given<SafetyItem> {
    Given::<SafetyItem>::new("homestay-fire").given(
        &SafetyItemCommand::List(ListItem {
            kind: SafetyItemKind::MajorIssue,
            region: "330903".into(),
            year: 2026,
            title: "海岛民宿消防安全".into(),
            description: "民宿消防设施不足".into(),
            lead_unit_id: "fire-committee".into(),
            deadline: day("2026-10-31"),
        }),
        &administrator(),
        noon("2026-02-01"),
    )
}

fn sub_task(id: &str, deadline: &str) -> SafetyItemCommand {
    SafetyItemCommand::AssignSubTask {
        sub_task_id: id.into(),
        assignee: "330903001".into(),
        description: "排查民宿".into(),
        deadline: day(deadline),
    }
}

fn complete(id: &str) -> SafetyItemCommand {
    SafetyItemCommand::CompleteSubTask {
        sub_task_id: id.into(),
        note: "已完成".into(),
        evidence: Vec::new(),
    }
}

fn note(text: &str) -> String {
    text.to_string()
}

fn accepted_with_tasks() -> Given<SafetyItem> {
    listed()
        .given(
            &SafetyItemCommand::Accept { note: note("") },
            &inspector(),
            noon("2026-02-02"),
        )
        .given(
            &sub_task("s-1", "2026-05-31"),
            &administrator(),
            noon("2026-02-03"),
        )
        .given(
            &sub_task("s-2", "2026-08-31"),
            &administrator(),
            noon("2026-02-03"),
        )
}

#[test]
fn an_item_runs_to_its_close_out_with_every_step_on_its_record() {
    let mut item = accepted_with_tasks();
    assert_eq!(item.status, SafetyItemStatus::Accepted);
    item.then(&complete("s-1"), &inspector(), noon("2026-05-20"))
        .unwrap();
    assert_eq!(item.status, SafetyItemStatus::InProgress);
    assert_eq!(
        reason(item.when(
            &SafetyItemCommand::RequestCloseOut {
                note: note("完成")
            },
            &inspector(),
            noon("2026-06-01")
        )),
        "SUB_TASKS_OPEN"
    );
    item.then(&complete("s-2"), &inspector(), noon("2026-08-01"))
        .unwrap();
    item.then(
        &SafetyItemCommand::RequestCloseOut {
            note: note("完成")
        },
        &administrator(),
        noon("2026-08-02"),
    )
    .unwrap();
    assert_eq!(item.status, SafetyItemStatus::CloseOutRequested);
    // No one signs off their own request.
    assert_eq!(
        reason(item.when(
            &SafetyItemCommand::ApproveCloseOut { note: note("") },
            &administrator(),
            noon("2026-08-03")
        )),
        "OWN_CLOSE_OUT"
    );
    assert_eq!(
        reason(item.when(
            &SafetyItemCommand::ApproveCloseOut { note: note("") },
            &inspector(),
            noon("2026-08-03")
        )),
        "BUREAU_ROLE_REQUIRED"
    );
    item.then(
        &SafetyItemCommand::ApproveCloseOut {
            note: note("销号")
        },
        &second_administrator(),
        noon("2026-08-03"),
    )
    .unwrap();
    assert_eq!(item.status, SafetyItemStatus::ClosedOut);
    assert_eq!(item.closed_out_on, Some(day("2026-08-03")));
    assert_eq!(
        reason(item.when(&complete("s-1"), &inspector(), noon("2026-08-04"))),
        "SAFETY_ITEM_CLOSED_OUT"
    );
    let statuses: Vec<i32> = item.notes.iter().map(|note| note.status).collect();
    assert_eq!(
        statuses,
        [
            SafetyItemStatus::Listed as i32,
            SafetyItemStatus::Accepted as i32,
            SafetyItemStatus::CloseOutRequested as i32,
            SafetyItemStatus::ClosedOut as i32
        ]
    );
}

#[test]
fn a_rejected_close_out_goes_back_to_work_and_stays_on_the_record() {
    let mut item = accepted_with_tasks()
        .given(
            &SafetyItemCommand::ReportProgress {
                note: note("推进中"),
            },
            &inspector(),
            noon("2026-03-01"),
        )
        .given(&complete("s-1"), &inspector(), noon("2026-04-01"))
        .given(&complete("s-2"), &inspector(), noon("2026-04-02"))
        .given(
            &SafetyItemCommand::RequestCloseOut {
                note: note("完成")
            },
            &inspector(),
            noon("2026-04-03"),
        );
    item.then(
        &SafetyItemCommand::RejectCloseOut {
            reason: note("仍有民宿未整改"),
        },
        &administrator(),
        noon("2026-04-05"),
    )
    .unwrap();
    assert_eq!(item.status, SafetyItemStatus::InProgress);
    assert_eq!(item.rejected_close_outs, 1);
    assert_eq!(
        reason(item.when(
            &SafetyItemCommand::ApproveCloseOut { note: note("") },
            &second_administrator(),
            noon("2026-04-06")
        )),
        "SAFETY_ITEM_STEP_OUT_OF_ORDER"
    );
}

#[test]
fn steps_out_of_order_and_sub_tasks_past_the_items_deadline_are_refused() {
    let item = listed();
    let at = noon("2026-03-01");
    assert_eq!(
        reason(item.when(
            &SafetyItemCommand::RequestCloseOut { note: note("x") },
            &inspector(),
            at
        )),
        "SAFETY_ITEM_STEP_OUT_OF_ORDER"
    );
    assert_eq!(
        reason(item.when(&complete("s-1"), &inspector(), at)),
        "SAFETY_ITEM_STEP_OUT_OF_ORDER"
    );
    assert_eq!(
        reason(item.when(&sub_task("s-1", "2026-11-30"), &administrator(), at)),
        "INVALID_ARGUMENT"
    );
    let tasked = item.given(&sub_task("s-1", "2026-05-31"), &administrator(), at);
    assert_eq!(
        reason(tasked.when(&sub_task("s-1", "2026-05-31"), &administrator(), at)),
        "SUB_TASK_EXISTS"
    );
    assert_eq!(
        reason(tasked.when(&sub_task("s-2", "2026-05-31"), &inspector(), at)),
        "BUREAU_ROLE_REQUIRED"
    );
    assert_eq!(
        reason(tasked.when(
            &SafetyItemCommand::Accept { note: note("") },
            &enterprise(),
            at
        )),
        "GOVERNMENT_ROLE_REQUIRED"
    );
}

#[test]
fn overdue_is_read_on_a_day_for_the_item_and_each_sub_task() {
    let item = accepted_with_tasks().given(&complete("s-2"), &inspector(), noon("2026-04-01"));
    assert!(item.overdue_sub_tasks(day("2026-05-31")).is_empty());
    assert_eq!(item.overdue_sub_tasks(day("2026-06-01")), ["s-1"]);
    assert!(!item.is_overdue(day("2026-10-31")));
    assert!(item.is_overdue(day("2026-11-01")));
}

#[test]
fn a_past_day_reads_overdue_by_the_dates_recorded_not_by_todays_status() {
    let late = accepted_with_tasks()
        .given(&complete("s-1"), &inspector(), noon("2026-07-01"))
        .given(&complete("s-2"), &inspector(), noon("2026-08-01"))
        .given(
            &SafetyItemCommand::RequestCloseOut {
                note: note("完成")
            },
            &administrator(),
            noon("2026-11-09"),
        )
        .given(
            &SafetyItemCommand::ApproveCloseOut {
                note: note("销号")
            },
            &second_administrator(),
            noon("2026-11-10"),
        );
    assert_eq!(late.status, SafetyItemStatus::ClosedOut);
    // s-1 was due on 31 May and done on 1 July: overdue in June, whatever happened since.
    assert_eq!(late.overdue_sub_tasks(day("2026-06-15")), ["s-1"]);
    assert!(late.overdue_sub_tasks(day("2026-07-01")).is_empty());
    // The item was due on 31 October and closed out on 10 November.
    assert!(!late.is_overdue(day("2026-10-31")));
    assert!(late.is_overdue(day("2026-11-05")));
    assert!(!late.is_overdue(day("2026-11-10")));
    assert!(!late.is_overdue(day("2027-01-01")));
    // Steps are dated in order, so no bulletin can be dated before the close-out; after it
    // there is nothing to bulletin.
    let after_close_out = late
        .when(
            &SafetyItemCommand::IssueOverdueBulletin,
            &administrator(),
            noon("2026-11-11"),
        )
        .unwrap();
    assert!(after_close_out.is_empty());
}

#[test]
fn an_overdue_item_gets_one_bulletin_per_deadline() {
    let system = Actor {
        id: "hazard-ledger-schedule".into(),
        role: Role::System as i32,
        organisation: "hazard-ledger".into(),
        region: "330903".into(),
    };
    let mut item = accepted_with_tasks();
    // Not yet overdue: nothing.
    let early = item
        .when(
            &SafetyItemCommand::IssueOverdueBulletin,
            &system,
            noon("2026-10-31"),
        )
        .unwrap();
    assert!(early.is_empty());
    let events = item
        .then(
            &SafetyItemCommand::IssueOverdueBulletin,
            &system,
            noon("2026-11-01"),
        )
        .unwrap();
    assert_eq!(names(&events), ["OverdueBulletinIssued"]);
    assert_eq!(item.bulletin_for, Some(day("2026-10-31")));
    let again = item
        .when(
            &SafetyItemCommand::IssueOverdueBulletin,
            &system,
            noon("2026-11-02"),
        )
        .unwrap();
    assert!(again.is_empty(), "one bulletin per deadline");
    assert_eq!(
        reason(item.when(
            &SafetyItemCommand::IssueOverdueBulletin,
            &enterprise(),
            noon("2026-11-02")
        )),
        "GOVERNMENT_ROLE_REQUIRED"
    );
}
