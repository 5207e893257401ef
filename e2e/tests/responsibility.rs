//! Responsibility through the suite binary, over gRPC only: an officer made responsible for one
//! enterprise leaves the other a gap, the assignment's end leaves a vacancy with the day it was
//! last held, and a major problem (海岛民宿消防安全) goes from its listing through its sub-task
//! to close-out (销号) by a second administrator, with its overdue flag and T15 read from the
//! ledger. Then 履责: completed inspections count once as their officers' performances, across a
//! suite killed between recording one and acknowledging it, and a month that closes short
//! records its gap.

use std::time::Duration;

use chrono::Datelike;
use hl_e2e::Suite;
use hl_proto::common::v1::{Actor, Date, Role};
use hl_proto::enforcement::v1::enforcement_service_client::EnforcementServiceClient;
use hl_proto::hazards::v1 as hazards;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::responsibility_service_client::ResponsibilityServiceClient;
use hl_testkit::actors::{
    ENTERPRISE, OTHER_ENTERPRISE, OTHER_TOWNSHIP, REGION, TOWNSHIP, as_actor, by_administrator,
    by_inspector, second_administrator,
};
use hl_testkit::fixtures::{Registered, register_district, register_officers_in, register_unit};
use hl_testkit::inspections::{TEAM, complete, inspect, today};
use hl_testkit::{NatsServer, unique_namespace, wait_until};
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

const WAIT: Duration = Duration::from_secs(30);

async fn start(nats: &NatsServer, data_dir: &std::path::Path) -> Suite {
    start_in(nats, &unique_namespace(), data_dir, None).await
}

/// The suite on a namespace, killing itself at a process's fault point if one is named.
async fn start_in(
    nats: &NatsServer,
    namespace: &str,
    data_dir: &std::path::Path,
    fault: Option<&str>,
) -> Suite {
    Suite::without_demo(&nats.url(), namespace, data_dir, fault).await
}

fn date(day: chrono::NaiveDate) -> Option<Date> {
    Some(day.into())
}

/// The township centres once `check` holds of them.
async fn centres_when(
    ledger: &LedgerServiceClient<Channel>,
    what: &str,
    check: impl Fn(&ledger::ListEmergencyCentresResponse) -> bool,
) -> ledger::ListEmergencyCentresResponse {
    wait_until(what, WAIT, || {
        let mut client = ledger.clone();
        let check = &check;
        async move {
            let listed = client
                .list_emergency_centres(
                    by_inspector(ledger::ListEmergencyCentresRequest::default()),
                )
                .await
                .ok()?
                .into_inner();
            check(&listed).then_some(listed)
        }
    })
    .await
}

/// The gaps on a day once `check` holds of them.
async fn gaps_when(
    ledger: &LedgerServiceClient<Channel>,
    day: chrono::NaiveDate,
    what: &str,
    check: impl Fn(&ledger::ListResponsibilityGapsResponse) -> bool,
) -> ledger::ListResponsibilityGapsResponse {
    wait_until(what, WAIT, || {
        let mut client = ledger.clone();
        let check = &check;
        async move {
            let gaps = client
                .list_responsibility_gaps(by_inspector(ledger::ListResponsibilityGapsRequest {
                    day: date(day),
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            check(&gaps).then_some(gaps)
        }
    })
    .await
}

fn gap_ids(gaps: &ledger::ListResponsibilityGapsResponse) -> Vec<&str> {
    gaps.gaps.iter().map(|gap| gap.object_id.as_str()).collect()
}

#[tokio::test]
async fn an_assignment_closes_a_gap_and_a_major_problem_is_closed_out() {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = start(&nats, data_dir.path()).await;
    let channel = suite.channel().await;
    register_district(
        channel.clone(),
        &[
            Registered::cold_store(ENTERPRISE),
            Registered::cold_store(OTHER_ENTERPRISE),
        ],
    )
    .await;
    register_unit(channel.clone(), "brigade-1").await;
    register_officers_in(channel.clone(), "brigade-1", &["officer-1"], (2035, 12, 31)).await;
    let mut duties = ResponsibilityServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);

    // No one answers for either enterprise yet.
    let today = today();
    let before = gaps_when(&ledger, today, "both enterprises as gaps", |gaps| {
        gaps.objects_required == 2
    })
    .await;
    assert_eq!(gap_ids(&before), [ENTERPRISE, OTHER_ENTERPRISE]);

    // 定人定责: officer-1 answers for the first from the start of the year.
    let start_of_year = chrono::NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap();
    let assign = |request_id: &str, person_id: &str| pb::AssignResponsibilityRequest {
        request_id: request_id.into(),
        object: Some(pb::ResponsibilityObject {
            kind: pb::ObjectKind::Enterprise as i32,
            object_id: ENTERPRISE.into(),
        }),
        assignment_id: request_id.into(),
        person_id: person_id.into(),
        duties: vec![pb::Duty::ResponsibleOfficer as i32],
        valid_from: date(start_of_year),
        ..Default::default()
    };
    let stranger = duties
        .assign_responsibility(by_administrator(assign("a-0", "nobody")))
        .await
        .unwrap_err();
    assert_eq!(stranger.code(), Code::FailedPrecondition, "{stranger:?}");
    let assigned = duties
        .assign_responsibility(by_administrator(assign("a-1", "officer-1")))
        .await
        .expect("assign")
        .into_inner()
        .commit
        .unwrap_or_default()
        .event_ids;
    let twice = duties
        .assign_responsibility(by_administrator(assign("a-2", "officer-1")))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    assert!(twice.message().contains("a-1"), "{twice:?}");
    let after = gaps_when(&ledger, today, "the first enterprise covered", |gaps| {
        gaps.objects_covered == 1
    })
    .await;
    assert_eq!(gap_ids(&after), [OTHER_ENTERPRISE]);

    // The assignment ends yesterday: from today the enterprise is a vacancy again.
    let yesterday = today.pred_opt().unwrap();
    let before_the_end = hl_proto::timestamp(chrono::Utc::now());
    let ended = duties
        .end_assignment(by_administrator(pb::EndAssignmentRequest {
            request_id: "end-a-1".into(),
            name: format!("responsibilities/enterprise-{ENTERPRISE}"),
            assignment_id: "a-1".into(),
            valid_until: date(yesterday),
            reason: "调岗".into(),
            ..Default::default()
        }))
        .await
        .expect("end")
        .into_inner()
        .commit
        .unwrap_or_default()
        .event_ids;
    let vacant = gaps_when(&ledger, today, "the vacancy", |gaps| {
        gaps.objects_covered == 0
    })
    .await;
    let first = vacant
        .gaps
        .iter()
        .find(|gap| gap.object_id == ENTERPRISE)
        .unwrap();
    assert_eq!(first.last_held_on, date(yesterday));
    // The vacancy names the events it came from: the assignment and its end.
    assert_eq!(first.event_ids, [assigned, ended].concat());
    // Today, as the ledger knew it before the end was entered, the enterprise was covered.
    let as_then_known = ledger
        .clone()
        .list_responsibility_gaps(by_inspector(ledger::ListResponsibilityGapsRequest {
            day: date(today),
            known_at: Some(before_the_end),
            ..Default::default()
        }))
        .await
        .expect("the gaps as known before the end")
        .into_inner();
    assert_eq!(gap_ids(&as_then_known), [OTHER_ENTERPRISE]);
    assert_eq!(as_then_known.known_at, Some(before_the_end));
    // Asked about yesterday, it was covered.
    let past = gaps_when(&ledger, yesterday, "yesterday's coverage", |gaps| {
        gaps.objects_covered == 1
    })
    .await;
    assert_eq!(gap_ids(&past), [OTHER_ENTERPRISE]);

    // A major problem from its listing to its close-out (销号).
    let year = today.year();
    let list = |item_id: &str, deadline: chrono::NaiveDate| pb::ListSafetyItemRequest {
        request_id: format!("list-{item_id}"),
        item_id: item_id.into(),
        kind: pb::SafetyItemKind::MajorIssue as i32,
        year,
        title: "海岛民宿消防安全".into(),
        lead_unit_id: "brigade-1".into(),
        deadline: date(deadline),
        ..Default::default()
    };
    duties
        .list_safety_item(by_administrator(list("homestay", in_days_date(30))))
        .await
        .expect("list");
    duties
        .list_safety_item(by_administrator(list("late", yesterday)))
        .await
        .expect("list one already past its deadline");
    let step = |request_id: &str, note: &str| pb::SafetyItemStepRequest {
        request_id: request_id.into(),
        name: "safetyItems/homestay".into(),
        note: note.into(),
        ..Default::default()
    };
    duties
        .accept_safety_item(by_inspector(step("accept", "")))
        .await
        .expect("accept");
    duties
        .assign_sub_task(by_administrator(pb::AssignSubTaskRequest {
            request_id: "sub-1".into(),
            name: "safetyItems/homestay".into(),
            sub_task_id: "check-homestays".into(),
            assignee: hl_testkit::actors::TOWNSHIP.into(),
            description: "排查辖区民宿消防设施".into(),
            deadline: date(in_days_date(10)),
            ..Default::default()
        }))
        .await
        .expect("assign the sub-task");
    let early = duties
        .request_close_out(by_inspector(step("close-early", "完成")))
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition);
    duties
        .complete_sub_task(by_inspector(pb::CompleteSubTaskRequest {
            request_id: "sub-1-done".into(),
            name: "safetyItems/homestay".into(),
            sub_task_id: "check-homestays".into(),
            note: "已排查 42 家".into(),
            ..Default::default()
        }))
        .await
        .expect("complete the sub-task");
    duties
        .request_close_out(by_administrator(step("close", "全部整改")))
        .await
        .expect("ask to close out");
    let own = duties
        .approve_close_out(by_administrator(step("approve-own", "")))
        .await
        .unwrap_err();
    assert_eq!(own.code(), Code::PermissionDenied, "{own:?}");
    let before_close_out = hl_proto::timestamp(chrono::Utc::now());
    let approved = duties
        .approve_close_out(as_actor(step("approve", "销号"), &second_administrator()))
        .await
        .expect("approved by another administrator")
        .into_inner();
    let closed = approved.item.unwrap();
    assert_eq!(closed.status, pb::SafetyItemStatus::ClosedOut as i32);

    let listed = wait_until("T15 in the ledger", WAIT, || {
        let mut client = ledger.clone();
        async move {
            let listed = client
                .list_safety_items(by_inspector(ledger::ListSafetyItemsRequest {
                    year,
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            (listed.major_issues_closed_out == 1).then_some(listed)
        }
    })
    .await;
    assert_eq!(listed.major_issues_listed, 2);
    assert_eq!(listed.major_issue_close_out_share, Some(0.5));
    let overdue: Vec<(&str, bool)> = listed
        .items
        .iter()
        .map(|row| (row.item.as_ref().unwrap().item_id.as_str(), row.overdue))
        .collect();
    assert_eq!(overdue, [("homestay", false), ("late", true)]);
    // T15 names the events behind it, the close-out among them; as known before the close-out
    // was approved, nothing was closed out.
    let close_out_events = approved.commit.unwrap_or_default().event_ids;
    assert!(!close_out_events.is_empty());
    for event_id in &close_out_events {
        assert!(listed.major_issue_event_ids.contains(event_id));
    }
    let as_then_known = ledger
        .clone()
        .list_safety_items(by_inspector(ledger::ListSafetyItemsRequest {
            year,
            known_at: Some(before_close_out),
            ..Default::default()
        }))
        .await
        .expect("the items as known before the close-out")
        .into_inner();
    assert_eq!(
        (
            as_then_known.major_issues_listed,
            as_then_known.major_issues_closed_out
        ),
        (2, 0)
    );
    assert!(
        close_out_events
            .iter()
            .all(|event_id| !as_then_known.major_issue_event_ids.contains(event_id))
    );

    // The overdue item gets its bulletin (通报), once, and it proposes an accountability case
    // of the lead unit, which the bureau dismisses with its reason.
    let sweep = |request_id: &str| pb::IssueOverdueBulletinsRequest {
        request_id: request_id.into(),
    };
    let issued = duties
        .issue_overdue_bulletins(by_administrator(sweep("sweep-1")))
        .await
        .expect("sweep")
        .into_inner();
    assert_eq!(issued.item_ids, ["late"]);
    let again = duties
        .issue_overdue_bulletins(by_administrator(sweep("sweep-2")))
        .await
        .expect("sweep again")
        .into_inner();
    assert!(again.item_ids.is_empty(), "{again:?}");
    // A retry of the first call answers what it issued, replayed, and issues nothing more.
    let retried = duties
        .issue_overdue_bulletins(by_administrator(sweep("sweep-1")))
        .await
        .expect("the retry")
        .into_inner();
    assert_eq!(retried.item_ids, ["late"]);
    let borrowed = duties
        .issue_overdue_bulletins(as_actor(sweep("sweep-1"), &second_administrator()))
        .await
        .unwrap_err();
    assert_eq!(borrowed.code(), Code::PermissionDenied, "{borrowed:?}");
    assert_eq!(
        borrowed.get_details_error_info().unwrap().reason,
        "REQUEST_ID_OF_ANOTHER_CALLER"
    );
    // An administrator of another district learns nothing, not even that an item is overdue.
    let elsewhere = Actor {
        id: "admin-9".into(),
        role: Role::BureauAdministrator as i32,
        organisation: "dinghai-bureau".into(),
        region: "330902".into(),
    };
    let from_elsewhere = duties
        .issue_overdue_bulletins(as_actor(sweep("sweep-3"), &elsewhere))
        .await
        .unwrap_err();
    assert_eq!(
        from_elsewhere.get_details_error_info().unwrap().reason,
        "OUTSIDE_JURISDICTION"
    );
    let no_request_id = duties
        .issue_overdue_bulletins(by_administrator(sweep("")))
        .await
        .unwrap_err();
    assert_eq!(no_request_id.code(), Code::InvalidArgument);
    let case = overdue_case_when(&duties, "late", yesterday).await;
    assert_eq!(case.subject_id, "brigade-1");
    assert_eq!(case.evidence, ["safetyItems/late"]);
    let unexplained = duties
        .dismiss_accountability_case(by_administrator(pb::AccountabilityStepRequest {
            request_id: "dismiss-silent".into(),
            name: case.name.clone(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(unexplained.code(), Code::InvalidArgument);
    let dismissed = duties
        .dismiss_accountability_case(by_administrator(pb::AccountabilityStepRequest {
            request_id: "dismiss".into(),
            name: case.name.clone(),
            note: "期限已由安委会调整".into(),
            ..Default::default()
        }))
        .await
        .expect("dismiss")
        .into_inner()
        .case
        .unwrap();
    assert_eq!(dismissed.status, pb::AccountabilityStatus::Dismissed as i32);
}

/// The calendar day `days` from today.
fn in_days_date(days: u64) -> chrono::NaiveDate {
    today() + chrono::Days::new(days)
}

/// The accountability case an overdue item's bulletin proposed, once it exists.
async fn overdue_case_when(
    duties: &ResponsibilityServiceClient<Channel>,
    item_id: &str,
    deadline: chrono::NaiveDate,
) -> pb::AccountabilityCase {
    let name = format!(
        "accountabilityCases/overdue-{item_id}-{:04}{:02}{:02}",
        deadline.year(),
        deadline.month(),
        deadline.day()
    );
    wait_until("the overdue item's proposal", WAIT, || {
        let mut client = duties.clone();
        let name = name.clone();
        async move {
            client
                .get_accountability_case(by_inspector(pb::GetAccountabilityCaseRequest {
                    name,
                    ..Default::default()
                }))
                .await
                .ok()
                .map(tonic::Response::into_inner)
        }
    })
    .await
}

/// An officer's month of duties once `check` holds of it.
async fn period_when(
    duties: &ResponsibilityServiceClient<Channel>,
    name: &str,
    what: &str,
    check: impl Fn(&pb::DutyPeriod) -> bool,
) -> pb::DutyPeriod {
    wait_until(what, WAIT, || {
        let mut client = duties.clone();
        let check = &check;
        async move {
            let period = client
                .get_duty_period(by_inspector(pb::GetDutyPeriodRequest {
                    name: name.to_string(),
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            check(&period).then_some(period)
        }
    })
    .await
}

async fn killed(mut suite: Suite) {
    let status = tokio::time::timeout(WAIT, suite.child.wait())
        .await
        .expect("the suite killed itself")
        .expect("wait for the suite");
    assert!(!status.success(), "{status:?}");
}

#[tokio::test]
async fn performances_count_once_across_a_crash_and_a_short_month_records_its_gap() {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    let data_dir = tempfile::tempdir().unwrap();
    let suite = start_in(&nats, &namespace, data_dir.path(), None).await;
    let channel = suite.channel().await;
    register_district(
        channel.clone(),
        &[
            Registered::cold_store(ENTERPRISE),
            Registered::cold_store(OTHER_ENTERPRISE),
        ],
    )
    .await;
    register_officers_in(channel.clone(), "", &TEAM, (2035, 12, 31)).await;
    let mut duties = ResponsibilityServiceClient::new(channel.clone());
    let mut enforcement = EnforcementServiceClient::new(channel);

    // officer-1 answers for both enterprises since the start of the month before last.
    let today = today();
    let this_month = today.with_day(1).unwrap();
    let last_month = this_month.pred_opt().unwrap().with_day(1).unwrap();
    let month_before = last_month.pred_opt().unwrap().with_day(1).unwrap();
    for enterprise in [ENTERPRISE, OTHER_ENTERPRISE] {
        duties
            .assign_responsibility(by_administrator(pb::AssignResponsibilityRequest {
                request_id: format!("assign-{enterprise}"),
                object: Some(pb::ResponsibilityObject {
                    kind: pb::ObjectKind::Enterprise as i32,
                    object_id: enterprise.into(),
                }),
                person_id: "officer-1".into(),
                duties: vec![pb::Duty::ResponsibleOfficer as i32],
                valid_from: date(month_before),
                ..Default::default()
            }))
            .await
            .expect("assign");
    }

    // An inspection completed today counts for each of its officers, this month.
    inspect(&mut enforcement, "insp-1", &[]).await;
    enforcement
        .complete_inspection(by_inspector(complete("insp-1")))
        .await
        .expect("complete");
    let this_period = format!(
        "dutyPeriods/officer-1-{:04}-{:02}",
        this_month.year(),
        this_month.month()
    );
    let counted = period_when(&duties, &this_period, "the first performance", |period| {
        period.performances.len() == 1
    })
    .await;
    assert_eq!(counted.performances[0].object_id, ENTERPRISE);
    assert_eq!(counted.performances[0].source_id, "inspection:insp-1");

    // The second inspection is under way when the suite stops with nothing pending.
    inspect(&mut enforcement, "insp-2", &[]).await;
    hl_e2e::process_idle(&nats.url(), &namespace, "enforcement", "duty_performances").await;
    assert!(suite.stop().await.is_some());

    // Killed after the performance of its completion is recorded, before it is acknowledged.
    let suite = start_in(
        &nats,
        &namespace,
        data_dir.path(),
        Some("duty_performances:after"),
    )
    .await;
    let mut enforcement = EnforcementServiceClient::new(suite.channel().await);
    let _ = enforcement
        .complete_inspection(by_inspector(complete("insp-2")))
        .await;
    killed(suite).await;

    // A clean start: the completion comes again and is recognised.
    let suite = start_in(&nats, &namespace, data_dir.path(), None).await;
    let channel = suite.channel().await;
    let mut duties = ResponsibilityServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);
    hl_e2e::process_idle(&nats.url(), &namespace, "enforcement", "duty_performances").await;
    let both = period_when(&duties, &this_period, "both inspections", |period| {
        !period.performances.is_empty()
    })
    .await;
    let sources: Vec<&str> = both
        .performances
        .iter()
        .map(|done| done.source_id.as_str())
        .collect();
    assert_eq!(sources, ["inspection:insp-1", "inspection:insp-2"]);

    // Last month: neither enterprise was visited, so it closes short.
    let close = |year: i32, month: u32| pb::CloseDutyPeriodRequest {
        request_id: format!("close-{year}-{month}"),
        person_id: "officer-1".into(),
        year,
        month: month as i32,
        ..Default::default()
    };
    let closing = duties
        .close_duty_period(by_administrator(close(
            last_month.year(),
            last_month.month(),
        )))
        .await
        .expect("close last month")
        .into_inner();
    let close_events = closing.commit.unwrap_or_default().event_ids;
    let closed = closing.period.unwrap();
    let missing: Vec<&str> = closed
        .shortfalls
        .iter()
        .map(|short| short.object_id.as_str())
        .collect();
    assert_eq!(missing, [ENTERPRISE, OTHER_ENTERPRISE]);
    let early = duties
        .close_duty_period(by_administrator(close(
            this_month.year(),
            this_month.month(),
        )))
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition, "{early:?}");

    let shortfalls = wait_until("the month's shortfalls in the ledger", WAIT, || {
        let mut client = ledger.clone();
        async move {
            let listed = client
                .list_duty_shortfalls(by_inspector(ledger::ListDutyShortfallsRequest {
                    year: last_month.year(),
                    month: last_month.month() as i32,
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            (listed.periods_short == 1).then_some(listed)
        }
    })
    .await;
    assert_eq!(shortfalls.rows[0].person_id, "officer-1");
    // The month's row names its events, ending with its close.
    assert!(shortfalls.rows[0].event_ids.ends_with(&close_events));
    let township = &shortfalls.by_township[0];
    assert_eq!(
        (
            township.township_code.as_str(),
            township.shortfalls,
            township.persons
        ),
        (TOWNSHIP, 2, 1)
    );

    // This month is open: what it is short so far, not a recorded gap.
    let so_far = wait_until("this month's progress", WAIT, || {
        let mut client = ledger.clone();
        async move {
            let listed = client
                .list_duty_shortfalls(by_inspector(ledger::ListDutyShortfallsRequest {
                    year: this_month.year(),
                    month: this_month.month() as i32,
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            let row = listed.rows.first()?;
            (row.shortfalls.len() == 1).then_some(listed)
        }
    })
    .await;
    assert!(!so_far.rows[0].closed);
    assert_eq!(so_far.rows[0].shortfalls[0].object_id, OTHER_ENTERPRISE);
    assert_eq!((so_far.periods_closed, so_far.periods_short), (0, 0));

    // The month before closes short too: two months running proposes an accountability case
    // (问责) for the later one, with both months as its evidence.
    duties
        .close_duty_period(by_administrator(close(
            month_before.year(),
            month_before.month(),
        )))
        .await
        .expect("close the month before");
    let later = format!(
        "officer-1-{:04}-{:02}",
        last_month.year(),
        last_month.month()
    );
    let proposed = wait_until("the accountability proposal", WAIT, || {
        let mut client = ledger.clone();
        async move {
            let listed = client
                .list_accountability_cases(by_inspector(ledger::ListAccountabilityCasesRequest {
                    subject_id: "officer-1".into(),
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            listed.cases.into_iter().next()
        }
    })
    .await;
    assert_eq!(proposed.case_id, format!("duty-gaps-{later}"));
    assert_eq!(
        proposed.trigger,
        pb::AccountabilityTrigger::RepeatedDutyGaps as i32
    );
    assert_eq!(proposed.evidence.len(), 2);
    let case_name = format!("accountabilityCases/{}", proposed.case_id);
    let by_inspector_refused = duties
        .open_accountability_case(by_inspector(pb::AccountabilityStepRequest {
            request_id: "open-by-inspector".into(),
            name: case_name.clone(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(by_inspector_refused.code(), Code::PermissionDenied);
    duties
        .open_accountability_case(by_administrator(pb::AccountabilityStepRequest {
            request_id: "open-case".into(),
            name: case_name.clone(),
            note: "立案".into(),
            ..Default::default()
        }))
        .await
        .expect("open");
    let concluded = duties
        .conclude_accountability_case(by_administrator(pb::ConcludeAccountabilityCaseRequest {
            request_id: "conclude-case".into(),
            name: case_name,
            outcome: pb::AccountabilityOutcome::AdmonitoryTalk as i32,
            note: "约谈".into(),
            ..Default::default()
        }))
        .await
        .expect("conclude")
        .into_inner()
        .case
        .unwrap();
    assert_eq!(concluded.status, pb::AccountabilityStatus::Concluded as i32);
    assert_eq!(
        concluded.outcome,
        pb::AccountabilityOutcome::AdmonitoryTalk as i32
    );
}

#[tokio::test]
async fn a_township_centre_to_standard_counts_for_t11() {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = start(&nats, data_dir.path()).await;
    let channel = suite.channel().await;
    register_district(channel.clone(), &[Registered::cold_store(ENTERPRISE)]).await;
    register_unit(channel.clone(), "centre-1").await;
    let staff = ["staff-1", "staff-2", "staff-3"];
    register_officers_in(channel.clone(), "centre-1", &staff, (2035, 12, 31)).await;
    let mut duties = ResponsibilityServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);
    let name = format!("emergencyCentres/{TOWNSHIP}");

    let not_a_township = duties
        .establish_emergency_centre(by_administrator(pb::EstablishEmergencyCentreRequest {
            request_id: "establish-district".into(),
            township_code: REGION.into(),
            org_unit_id: "centre-1".into(),
            display_name: "中心".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(hl_testkit::fields(&not_a_township), ["township_code"]);
    duties
        .establish_emergency_centre(by_administrator(pb::EstablishEmergencyCentreRequest {
            request_id: "establish".into(),
            township_code: TOWNSHIP.into(),
            org_unit_id: "centre-1".into(),
            display_name: "沈家门街道应急管理中心".into(),
            command_venue: "街道办事处二楼".into(),
            ..Default::default()
        }))
        .await
        .expect("establish");
    duties
        .set_centre_staff(by_administrator(pb::SetCentreStaffRequest {
            request_id: "staff".into(),
            name: name.clone(),
            staff_ids: staff.iter().map(|id| id.to_string()).collect(),
            command_venue: "街道办事处二楼".into(),
            ..Default::default()
        }))
        .await
        .expect("staff");
    duties
        .set_centre_roster(by_administrator(pb::SetCentreRosterRequest {
            request_id: "roster".into(),
            name: name.clone(),
            days: vec![pb::RosterDay {
                day: date(today()),
                person_id: "staff-1".into(),
            }],
            ..Default::default()
        }))
        .await
        .expect("roster");
    let equipment = |quantity: u32| {
        ["SATELLITE_PHONE", "GENERATOR", "LOUDSPEAKER", "LIFE_JACKET"]
            .iter()
            .map(|code| pb::EquipmentCount {
                code: code.to_string(),
                quantity: if *code == "LIFE_JACKET" { quantity } else { 2 },
            })
            .collect::<Vec<_>>()
    };
    let mut twice = equipment(30);
    twice.push(twice[0].clone());
    let refused = duties
        .record_centre_equipment(by_administrator(pb::RecordCentreEquipmentRequest {
            request_id: "equipment-twice".into(),
            name: name.clone(),
            equipment: twice,
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(hl_testkit::fields(&refused), ["equipment[4].code"]);
    duties
        .record_centre_equipment(by_administrator(pb::RecordCentreEquipmentRequest {
            request_id: "equipment".into(),
            name: name.clone(),
            equipment: equipment(30),
            ..Default::default()
        }))
        .await
        .expect("equipment");
    duties
        .record_readiness_check(by_inspector(pb::RecordReadinessCheckRequest {
            request_id: "check".into(),
            name: name.clone(),
            passed: true,
            ..Default::default()
        }))
        .await
        .expect("check");

    let listed = centres_when(&ledger, "T11 and the check in the ledger", |listed| {
        let checked = listed
            .centres
            .first()
            .is_some_and(|centre| centre.last_check.is_some());
        listed.to_standard == 1 && checked
    })
    .await;
    assert_eq!(listed.townships, 2);
    assert_eq!(listed.to_standard_share, Some(0.5));
    let ready = &listed.centres[0];
    assert_eq!(ready.township_code, TOWNSHIP);
    assert!(ready.on_duty && ready.command_venue);
    assert_eq!(ready.last_check.as_ref().unwrap().checked_by, "officer-1");
    assert!(!listed.centres[1].established);

    // Too few life jackets: no longer to standard.
    duties
        .record_centre_equipment(by_administrator(pb::RecordCentreEquipmentRequest {
            request_id: "equipment-short".into(),
            name,
            equipment: equipment(5),
            ..Default::default()
        }))
        .await
        .expect("equipment");
    let short = centres_when(&ledger, "the shortfall in the ledger", |listed| {
        listed.to_standard == 0
    })
    .await;
    assert_eq!(short.centres[0].equipment_short, ["LIFE_JACKET"]);
}

#[tokio::test]
async fn an_evaluation_ranks_townships_on_computed_and_entered_scores() {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = start(&nats, data_dir.path()).await;
    let channel = suite.channel().await;
    register_district(channel.clone(), &[Registered::cold_store(ENTERPRISE)]).await;
    register_officers_in(channel.clone(), "", &TEAM, (2035, 12, 31)).await;
    let mut duties = ResponsibilityServiceClient::new(channel.clone());
    let mut enforcement = EnforcementServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);
    // A government finding the cold store's self-check missed: TOWNSHIP's self-discovery is 0.
    inspect(&mut enforcement, "insp-1", &["f-1"]).await;

    let year = today().year();
    let open = |id: &str, year: i32| pb::OpenEvaluationRequest {
        request_id: format!("open-{id}"),
        evaluation_id: id.into(),
        year,
        ..Default::default()
    };
    let evaluation = duties
        .open_evaluation(by_administrator(open("this-year", year)))
        .await
        .expect("open")
        .into_inner()
        .evaluation
        .unwrap();
    assert_eq!(evaluation.units, [TOWNSHIP, OTHER_TOWNSHIP]);
    // A part of the year may be evaluated (a quarter, say), both its days given and within the
    // year.
    let day =
        |month: u32, day: u32| date(chrono::NaiveDate::from_ymd_opt(year, month, day).unwrap());
    for (period_start, period_end, field) in [
        (day(1, 1), None, "period_end"),
        (
            date(chrono::NaiveDate::from_ymd_opt(year - 1, 12, 1).unwrap()),
            day(3, 31),
            "period_start",
        ),
        (day(3, 31), day(1, 1), "period_end"),
    ] {
        let refused = duties
            .open_evaluation(by_administrator(pb::OpenEvaluationRequest {
                period_start,
                period_end,
                ..open("a-quarter", year)
            }))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
        assert_eq!(hl_testkit::fields(&refused), [field]);
    }
    let quarter = duties
        .open_evaluation(by_administrator(pb::OpenEvaluationRequest {
            period_start: day(1, 1),
            period_end: day(3, 31),
            ..open("a-quarter", year)
        }))
        .await
        .expect("a quarter")
        .into_inner()
        .evaluation
        .unwrap();
    assert_eq!(
        (quarter.period_start, quarter.period_end),
        (day(1, 1), day(3, 31))
    );
    assert_eq!(
        (evaluation.period_start, evaluation.period_end),
        (day(1, 1), day(12, 31))
    );
    let photo = hl_proto::common::v1::EvidenceRef {
        sha256: "cd".repeat(32),
        media_type: "application/pdf".into(),
        ..Default::default()
    };
    let enter_all = |evaluation: &str| {
        let mut requests = Vec::new();
        for unit in [TOWNSHIP, OTHER_TOWNSHIP] {
            for item in ["TRAINING", "CENTRE_BUILDING"] {
                requests.push(pb::EnterEvaluationScoreRequest {
                    request_id: format!("enter-{evaluation}-{unit}-{item}"),
                    name: format!("evaluations/{evaluation}"),
                    unit: unit.into(),
                    item_code: item.into(),
                    score: 10,
                    evidence: vec![photo.clone()],
                    ..Default::default()
                });
            }
        }
        requests
    };
    for request in enter_all("this-year") {
        duties
            .enter_evaluation_score(by_administrator(request))
            .await
            .expect("enter");
    }
    let computed = pb::EnterEvaluationScoreRequest {
        request_id: "enter-computed".into(),
        name: "evaluations/this-year".into(),
        unit: TOWNSHIP.into(),
        item_code: "SELF_DISCOVERY".into(),
        score: 30,
        evidence: vec![photo.clone()],
        ..Default::default()
    };
    let refused = duties
        .enter_evaluation_score(by_administrator(computed))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");

    let table_of = |name: &str| ledger::GetEvaluationTableRequest {
        name: name.into(),
        ..Default::default()
    };
    let table = wait_until("the missed finding in the evaluation", WAIT, || {
        let mut client = ledger.clone();
        async move {
            let table = client
                .get_evaluation_table(by_inspector(table_of("evaluations/this-year")))
                .await
                .ok()?
                .into_inner();
            // The finding (hazards stream) and the entered scores (responsibility stream) are
            // both in the table.
            let (first, last) = (table.rows.first()?, table.rows.last()?);
            (first.total == 90.0 && last.unit == TOWNSHIP && last.items[0].denominator.len() == 1)
                .then_some(table)
        }
    })
    .await;
    let (first, second) = (&table.rows[0], &table.rows[1]);
    assert_eq!(
        (table.period_start, table.period_end),
        (day(1, 1), day(12, 31))
    );
    assert_eq!(
        (first.unit.as_str(), first.rank, first.total),
        (OTHER_TOWNSHIP, 1, 90.0)
    );
    assert_eq!((second.rank, second.total), (2, 60.0));
    let discovery = &second.items[0];
    assert_eq!(discovery.item_code, "SELF_DISCOVERY");
    assert_eq!(discovery.figure, Some(0.0));
    assert_eq!(discovery.denominator, ["hazards/insp-1-f-1"]);
    let early = duties
        .publish_evaluation(by_administrator(pb::PublishEvaluationRequest {
            request_id: "publish-early".into(),
            name: "evaluations/this-year".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition);

    // Last year's evaluation, published: read as of its publication.
    duties
        .open_evaluation(by_administrator(open("last-year", year - 1)))
        .await
        .expect("open last year");
    for request in enter_all("last-year") {
        duties
            .enter_evaluation_score(by_administrator(request))
            .await
            .expect("enter");
    }
    let published = duties
        .publish_evaluation(by_administrator(pb::PublishEvaluationRequest {
            request_id: "publish".into(),
            name: "evaluations/last-year".into(),
            ..Default::default()
        }))
        .await
        .expect("publish")
        .into_inner()
        .evaluation
        .unwrap();
    let table = wait_until("the published table", WAIT, || {
        let mut client = ledger.clone();
        async move {
            let table = client
                .get_evaluation_table(by_inspector(table_of("evaluations/last-year")))
                .await
                .ok()?
                .into_inner();
            table.published.then_some(table)
        }
    })
    .await;
    assert_eq!(table.as_of, published.published_at);
    let ranks: Vec<u32> = table.rows.iter().map(|row| row.rank).collect();
    assert_eq!(ranks, [1, 1], "equal totals share a rank");
    // Publication recorded the totals the ledger read as of the same moment, and both passed.
    let recorded = hl_testkit::evaluations::results(&published.results);
    let read: Vec<(&str, f64, u32, bool)> = table
        .rows
        .iter()
        .map(|row| (row.unit.as_str(), row.total, row.rank, row.passed))
        .collect();
    assert_eq!(recorded, read);
    assert_eq!(
        recorded,
        [(TOWNSHIP, 90.0, 1, true), (OTHER_TOWNSHIP, 90.0, 1, true)]
    );
    assert_eq!((published.pass_mark, table.pass_mark), (60.0, 60.0));

    // This year's table read as of a moment, consistently: the finding and the scores were
    // recorded before the call, so they are in it, with no waiting on the caller's side.
    let consistent = ledger
        .clone()
        .get_evaluation_table(by_inspector(ledger::GetEvaluationTableRequest {
            as_of: Some(hl_proto::timestamp(chrono::Utc::now())),
            consistent: true,
            ..table_of("evaluations/this-year")
        }))
        .await
        .expect("a consistent read")
        .into_inner();
    assert_eq!(consistent.rows[1].unit, TOWNSHIP);
    assert_eq!(consistent.rows[1].total, 60.0);
    assert!(consistent.rows[1].passed, "60 is the pass mark itself");
    let future = ledger
        .clone()
        .get_evaluation_table(by_inspector(ledger::GetEvaluationTableRequest {
            as_of: Some(hl_proto::timestamp(
                chrono::Utc::now() + chrono::Duration::days(1),
            )),
            ..table_of("evaluations/this-year")
        }))
        .await
        .unwrap_err();
    assert_eq!(future.code(), Code::InvalidArgument);
    assert_eq!(hl_testkit::fields(&future), ["as_of"]);
}

fn by_the_enterprise<T>(body: T) -> tonic::Request<T> {
    hl_testkit::actors::by_enterprise(body, ENTERPRISE)
}

fn self_reported_major(hazard_id: &str) -> hazards::ReportHazardRequest {
    hazards::ReportHazardRequest {
        request_id: format!("report-{hazard_id}"),
        hazard_id: hazard_id.into(),
        enterprise_id: ENTERPRISE.into(),
        township_code: TOWNSHIP.into(),
        provenance: hazards::Provenance::EnterpriseSelf as i32,
        source_type: hazards::SourceType::Routine as i32,
        category: hazards::HazardCategory::AmmoniaRefrigeration as i32,
        location: "machine room".into(),
        description: "ammonia detector disconnected".into(),
        level: hazards::HazardLevel::Major as i32,
        level_criterion: "工贸企业重大事故隐患判定标准 第十二条".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_hazards_feed_the_months_a_review_owed_and_a_rectification_checked() {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    let data_dir = tempfile::tempdir().unwrap();
    let suite = start_in(&nats, &namespace, data_dir.path(), None).await;
    let channel = suite.channel().await;
    register_district(channel.clone(), &[Registered::cold_store(ENTERPRISE)]).await;
    register_officers_in(channel.clone(), "", &TEAM, (2035, 12, 31)).await;
    let mut duties = ResponsibilityServiceClient::new(channel.clone());
    let mut hazard_client = HazardsServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);
    let today = today();
    let this_month = today.with_day(1).unwrap();
    duties
        .assign_responsibility(by_administrator(pb::AssignResponsibilityRequest {
            request_id: "assign".into(),
            object: Some(pb::ResponsibilityObject {
                kind: pb::ObjectKind::Enterprise as i32,
                object_id: ENTERPRISE.into(),
            }),
            person_id: "officer-2".into(),
            duties: vec![pb::Duty::ResponsibleOfficer as i32],
            valid_from: date(this_month.pred_opt().unwrap()),
            ..Default::default()
        }))
        .await
        .expect("assign");

    // The enterprise self-reports two 重大 hazards; an inspector (officer-1) orders the first
    // rectified by a deadline (责令限期整改), which is the government's review of it. The second
    // waits.
    for hazard_id in ["reviewed", "waiting"] {
        hazard_client
            .report_hazard(by_the_enterprise(self_reported_major(hazard_id)))
            .await
            .expect("report");
    }
    hazard_client
        .order_rectification(by_inspector(hazards::OrderRectificationRequest {
            request_id: "order".into(),
            name: "hazards/reviewed".into(),
            order: Some(hazards::RectificationOrder {
                document_number: "普应急责改〔2026〕1号".into(),
                deadline: date(today + chrono::Days::new(30)),
                measures: "reconnect the detector".into(),
            }),
            ..Default::default()
        }))
        .await
        .expect("the inspector orders the rectification");

    // Both reviews are owed by officer-2, who answers for the enterprise, in the month their
    // clock runs out; the first is met by officer-1's step.
    let due = today + chrono::Days::new(10);
    let due_period = format!("dutyPeriods/officer-2-{:04}-{:02}", due.year(), due.month());
    let owed = period_when(
        &duties,
        &due_period,
        "both reviews owed, one met",
        |period| period.owed.len() == 2 && period.performances.len() == 1,
    )
    .await;
    let owed_sources: Vec<&str> = owed
        .owed
        .iter()
        .map(|entry| entry.source_id.as_str())
        .collect();
    assert_eq!(
        owed_sources,
        ["hazard-review:reviewed", "hazard-review:waiting"]
    );
    assert_eq!(owed.owed[0].due_on, date(due));
    let review = &owed.performances[0];
    assert_eq!(
        (
            review.source_id.as_str(),
            review.what.as_str(),
            review.performed_by.as_str()
        ),
        ("hazard-review:reviewed", "HAZARD_REVIEWED", "officer-1")
    );

    // The ledger shows the waiting review, and only it, as what officer-2 is short of in that
    // month, once it has read both reviews owed and the one met.
    let reviews_short = |row: &ledger::DutyShortfallRow| -> Vec<String> {
        row.shortfalls
            .iter()
            .filter(|short| !short.source_id.is_empty())
            .map(|short| short.source_id.clone())
            .collect()
    };
    wait_until("only the waiting review short in the ledger", WAIT, || {
        let mut client = ledger.clone();
        async move {
            let listed = client
                .list_duty_shortfalls(by_inspector(ledger::ListDutyShortfallsRequest {
                    year: due.year(),
                    month: due.month() as i32,
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            let row = listed
                .rows
                .into_iter()
                .find(|row| row.person_id == "officer-2")?;
            (reviews_short(&row) == ["hazard-review:waiting"]).then_some(row)
        }
    })
    .await;

    // The inspector rejects a claimed rectification of a general hazard on site: a visit of the
    // enterprise by officer-1 this month, whatever officer-2 owes.
    let name = "hazards/general".to_string();
    hazard_client
        .report_hazard(by_the_enterprise(hazards::ReportHazardRequest {
            level: hazards::HazardLevel::General as i32,
            level_criterion: "一般事故隐患".into(),
            ..self_reported_major("general")
        }))
        .await
        .expect("report");
    hazard_client
        .plan_rectification(by_the_enterprise(hazards::PlanRectificationRequest {
            request_id: "plan".into(),
            name: name.clone(),
            plan: Some(hazards::RectificationPlan {
                measures: "reconnect the detector".into(),
                owner: "Li".into(),
                funds_fen: 20_000,
                deadline: date(today + chrono::Days::new(30)),
                acceptance_standard: "the alarm sounds".into(),
                acceptor: "principal".into(),
            }),
            ..Default::default()
        }))
        .await
        .expect("plan");
    hazard_client
        .claim_rectification(by_the_enterprise(hazards::ClaimRectificationRequest {
            request_id: "claim".into(),
            name: name.clone(),
            note: "reconnected".into(),
            evidence: vec![hl_proto::common::v1::EvidenceRef {
                sha256: "a".repeat(64),
                media_type: "image/jpeg".into(),
                ..Default::default()
            }],
            ..Default::default()
        }))
        .await
        .expect("claim");
    hazard_client
        .reject_rectification(by_inspector(hazards::RejectRectificationRequest {
            request_id: "reject".into(),
            name,
            reason: "the alarm does not sound".into(),
            ..Default::default()
        }))
        .await
        .expect("reject");
    let this_period = format!(
        "dutyPeriods/officer-1-{:04}-{:02}",
        this_month.year(),
        this_month.month()
    );
    let checked = period_when(&duties, &this_period, "the check as a visit", |period| {
        !period.performances.is_empty()
    })
    .await;
    let visit = &checked.performances[0];
    assert_eq!(
        (visit.what.as_str(), visit.object_id.as_str()),
        ("RECTIFICATION_CHECKED", ENTERPRISE)
    );
    assert!(visit.source_id.starts_with("rectification-check:"));

    // The enterprise submits a self-check round with no findings; officer-1 reviews it and finds
    // it deficient. The review is on officer-1's month too.
    hazard_client
        .open_self_check_round(by_the_enterprise(hazards::OpenSelfCheckRoundRequest {
            request_id: "open-round".into(),
            round_id: "round-1".into(),
            enterprise_id: ENTERPRISE.into(),
            period_start: date(this_month),
            period_end: date(today),
            checklist: "冷库检查表".into(),
            performer: "安全员".into(),
            ..Default::default()
        }))
        .await
        .expect("open a round");
    let review = |request_id: &str, outcome: hazards::RoundReviewOutcome| {
        hazards::ReviewSelfCheckRoundRequest {
            request_id: request_id.into(),
            name: "selfCheckRounds/round-1".into(),
            outcome: outcome as i32,
            note: "氨制冷机房未列入检查表".into(),
            ..Default::default()
        }
    };
    let early = hazard_client
        .review_self_check_round(by_inspector(review(
            "review-early",
            hazards::RoundReviewOutcome::Deficient,
        )))
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition, "{early:?}");
    hazard_client
        .submit_self_check_round(by_the_enterprise(hazards::SubmitSelfCheckRoundRequest {
            request_id: "submit-round".into(),
            name: "selfCheckRounds/round-1".into(),
            zero_findings_attested: true,
            signed_by: "principal".into(),
            ..Default::default()
        }))
        .await
        .expect("submit the round");
    let unstated = hazard_client
        .review_self_check_round(by_inspector(review(
            "review-unstated",
            hazards::RoundReviewOutcome::Unspecified,
        )))
        .await
        .unwrap_err();
    assert_eq!(unstated.code(), Code::InvalidArgument, "{unstated:?}");
    assert_eq!(hl_testkit::fields(&unstated), ["outcome"]);
    let own = hazard_client
        .review_self_check_round(by_the_enterprise(review(
            "review-own",
            hazards::RoundReviewOutcome::Accepted,
        )))
        .await
        .unwrap_err();
    assert_eq!(own.code(), Code::PermissionDenied, "{own:?}");
    let reviewed = hazard_client
        .review_self_check_round(by_inspector(review(
            "review",
            hazards::RoundReviewOutcome::Deficient,
        )))
        .await
        .expect("the inspector reviews the round")
        .into_inner()
        .round
        .unwrap();
    assert_eq!(
        reviewed.review_outcome,
        hazards::RoundReviewOutcome::Deficient as i32
    );
    let twice = hazard_client
        .review_self_check_round(by_inspector(review(
            "review-again",
            hazards::RoundReviewOutcome::Accepted,
        )))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition, "{twice:?}");
    let both = period_when(
        &duties,
        &this_period,
        "the review as a performance",
        |period| period.performances.len() == 2,
    )
    .await;
    let round_review = both
        .performances
        .iter()
        .find(|done| done.what == "ROUND_REVIEWED")
        .expect("the review on officer-1's month");
    assert_eq!(
        (
            round_review.source_id.as_str(),
            round_review.object_id.as_str(),
            round_review.performed_by.as_str()
        ),
        ("round-review:round-1", ENTERPRISE, "officer-1")
    );
}

#[tokio::test]
async fn the_service_sweeps_for_overdue_items_on_its_own_every_configured_interval() {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = Suite::start(&[
        ("NATS_URL", nats.url()),
        ("HL_NAMESPACE", unique_namespace()),
        ("HL_SEED_DEMO", "false".into()),
        ("HL_DATA_DIR", data_dir.path().display().to_string()),
        ("HL_BULLETIN_SWEEP_SECONDS", "1".into()),
    ])
    .await;
    let channel = suite.channel().await;
    register_district(channel.clone(), &[]).await;
    register_unit(channel.clone(), "brigade-1").await;
    let mut duties = ResponsibilityServiceClient::new(channel);
    let yesterday = today().pred_opt().unwrap();
    duties
        .list_safety_item(by_administrator(pb::ListSafetyItemRequest {
            request_id: "list-late".into(),
            item_id: "late".into(),
            kind: pb::SafetyItemKind::CommitteeTask as i32,
            year: yesterday.year(),
            title: "渔港防台设施改造".into(),
            lead_unit_id: "brigade-1".into(),
            deadline: date(yesterday),
            ..Default::default()
        }))
        .await
        .expect("list an item already past its deadline");
    // No one calls IssueOverdueBulletins: the sweep finds the item, and its bulletin proposes
    // the lead unit's case.
    let case = overdue_case_when(&duties, "late", yesterday).await;
    assert_eq!(
        case.trigger,
        pb::AccountabilityTrigger::ListedItemOverdue as i32
    );
    assert_eq!(case.subject_id, "brigade-1");
}
