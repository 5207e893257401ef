//! Enforcement through the suite binary, over gRPC only: an inspection's finding becomes a
//! government-ledger hazard, its failed follow-up a penalty case whose clock pauses for a
//! hearing, and the case runs to its close, with the read models and the reconciliation checked
//! at each step. Then the crash test: the suite killed between an inspection's event and the
//! hazard it causes records that hazard exactly once after a restart.

use std::time::Duration;

use chrono::Datelike;
use hl_e2e::Suite;
use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::enforcement_service_client::EnforcementServiceClient;
use hl_proto::hazards::v1 as hazards;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_proto::responsibility::v1::Industry;
use hl_testkit::actors::{
    ENTERPRISE, OTHER_ENTERPRISE, TOWNSHIP, by_administrator, by_enterprise, by_inspector,
};
use hl_testkit::fixtures::{Registered, register_district, register_officers_in, register_unit};
use hl_testkit::inspections::{
    TEAM, claim_rectified, complete, finding, follow_up, in_days, inspect, order, schedule, today,
};
use hl_testkit::{NatsServer, unique_namespace, wait_until};
use tonic::transport::Channel;

const WAIT: Duration = Duration::from_secs(30);

struct Clients {
    enforcement: EnforcementServiceClient<Channel>,
    hazards: HazardsServiceClient<Channel>,
    ledger: LedgerServiceClient<Channel>,
}

async fn connect(suite: &Suite) -> Clients {
    let channel = suite.channel().await;
    Clients {
        enforcement: EnforcementServiceClient::new(channel.clone()),
        hazards: HazardsServiceClient::new(channel.clone()),
        ledger: LedgerServiceClient::new(channel),
    }
}

impl Clients {
    async fn hazard_in(&self, hazard_id: &str, status: hazards::HazardStatus) -> hazards::Hazard {
        hl_testkit::inspections::hazard_in(&self.hazards, hazard_id, status, WAIT).await
    }
}

async fn start_suite(
    nats: &NatsServer,
    namespace: &str,
    data_dir: &std::path::Path,
    fault: Option<&str>,
) -> Suite {
    Suite::without_demo(&nats.url(), namespace, data_dir, fault).await
}

/// The cold store, a non-coal mine (the other fixture enterprise) and the officers.
async fn district(suite: &Suite) {
    let channel = suite.channel().await;
    let mine = Registered {
        enterprise_id: OTHER_ENTERPRISE,
        township: TOWNSHIP,
        industries: &[Industry::NonCoalMine],
    };
    register_district(channel.clone(), &[Registered::cold_store(ENTERPRISE), mine]).await;
    // The team works in the first brigade; the administrator, a reviewer, in the legal section.
    register_unit(channel.clone(), "brigade-1").await;
    register_unit(channel.clone(), "legal").await;
    register_officers_in(channel.clone(), "brigade-1", &TEAM, (2035, 12, 31)).await;
    register_officers_in(channel, "legal", &["admin-1"], (2035, 12, 31)).await;
}

/// The cold store classified for this year, and an approved plan that covers it.
async fn classified_and_planned(clients: &mut Clients) -> u32 {
    let year = today().year();
    let classified = clients
        .enforcement
        .classify_enterprise(by_administrator(pb::ClassifyEnterpriseRequest {
            request_id: "classify".into(),
            enterprise_id: ENTERPRISE.into(),
            year,
            ..Default::default()
        }))
        .await
        .expect("classify")
        .into_inner()
        .classification
        .unwrap();
    clients
        .enforcement
        .draft_inspection_plan(by_administrator(pb::DraftInspectionPlanRequest {
            request_id: "draft-plan".into(),
            plan_id: "plan".into(),
            year,
            title: "年度监督检查计划".into(),
            officers: 2,
            statutory_working_days: 250,
            other_enforcement_days: 100,
            non_enforcement_days: 50,
            enterprise_ids: vec![ENTERPRISE.into()],
            ..Default::default()
        }))
        .await
        .expect("draft the plan");
    clients
        .enforcement
        .approve_inspection_plan(by_administrator(pb::ApproveInspectionPlanRequest {
            request_id: "approve-plan".into(),
            name: "inspectionPlans/plan".into(),
            document_number: "普政发〔2026〕3号".into(),
            ..Default::default()
        }))
        .await
        .expect("approve the plan");
    classified.min_visits
}

/// A completed expert consultation at the mine, without findings.
async fn expert_consultation(clients: &mut Clients) {
    let consultation = pb::ScheduleInspectionRequest {
        r#type: pb::InspectionType::ExpertConsultation as i32,
        enterprise_id: OTHER_ENTERPRISE.into(),
        ..schedule("consult", &TEAM)
    };
    clients
        .enforcement
        .schedule_inspection(by_inspector(consultation))
        .await
        .expect("schedule the consultation");
    clients
        .enforcement
        .start_inspection(by_inspector(pb::StartInspectionRequest {
            request_id: "start-consult".into(),
            name: "inspections/consult".into(),
            ..Default::default()
        }))
        .await
        .expect("start it");
    clients
        .enforcement
        .complete_inspection(by_inspector(complete("consult")))
        .await
        .expect("complete it");
}

/// The plan's coverage once `check` holds of it.
async fn coverage_when(
    clients: &Clients,
    what: &str,
    check: impl Fn(&ledger::PlanCoverage) -> bool,
) -> ledger::PlanCoverage {
    wait_until(what, WAIT, || {
        let mut client = clients.ledger.clone();
        let check = &check;
        async move {
            let coverage = client
                .get_plan_coverage(by_inspector(ledger::GetPlanCoverageRequest {
                    name: "inspectionPlans/plan".into(),
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            check(&coverage).then_some(coverage)
        }
    })
    .await
}

fn case_step(case_id: &str, what: &str, note: &str) -> pb::CaseStepRequest {
    pb::CaseStepRequest {
        request_id: format!("{what}-{case_id}"),
        name: format!("penaltyCases/{case_id}"),
        note: note.into(),
        ..Default::default()
    }
}

/// The government ledger's record of a hazard, once the read model shows it in `status`.
async fn ledger_record(
    clients: &Clients,
    hazard_id: &str,
    status: hazards::HazardStatus,
) -> ledger::HazardRecord {
    wait_until(
        &format!("the ledger to show {hazard_id} {status:?}"),
        WAIT,
        || {
            let mut client = clients.ledger.clone();
            async move {
                let listed = client
                    .list_hazards(by_inspector(ledger::ListHazardsRequest {
                        enterprise_id: ENTERPRISE.into(),
                        ledger: ledger::Ledger::Government as i32,
                        ..Default::default()
                    }))
                    .await
                    .ok()?
                    .into_inner();
                listed
                    .hazards
                    .into_iter()
                    .find(|record| record.hazard_id == hazard_id && record.status == status as i32)
            }
        },
    )
    .await
}

/// The discrepancy of a class that names the hazard, once the reconciliation finds it.
async fn discrepancy(
    clients: &Clients,
    class: ledger::DiscrepancyClass,
    hazard_id: &str,
) -> ledger::Discrepancy {
    wait_until(
        &format!("a {class:?} discrepancy on {hazard_id}"),
        WAIT,
        || {
            let mut client = clients.ledger.clone();
            async move {
                let listed = client
                    .list_discrepancies(by_inspector(ledger::ListDiscrepanciesRequest {
                        classes: vec![class as i32],
                        enterprise_id: ENTERPRISE.into(),
                        ..Default::default()
                    }))
                    .await
                    .ok()?
                    .into_inner();
                listed
                    .discrepancies
                    .into_iter()
                    .find(|found| found.hazard_ids.iter().any(|id| id == hazard_id))
            }
        },
    )
    .await
}

/// The case as the read model has it, once its status is `status`.
async fn listed_case(clients: &Clients, case_id: &str, status: pb::CaseStatus) -> pb::PenaltyCase {
    wait_until(
        &format!("the case list to show {case_id} {status:?}"),
        WAIT,
        || {
            let mut client = clients.ledger.clone();
            async move {
                let listed = client
                    .list_penalty_cases(by_inspector(ledger::ListPenaltyCasesRequest {
                        enterprise_id: ENTERPRISE.into(),
                        ..Default::default()
                    }))
                    .await
                    .ok()?
                    .into_inner();
                listed
                    .cases
                    .into_iter()
                    .find(|case| case.case_id == case_id && case.status == status as i32)
            }
        },
    )
    .await
}

async fn take(clients: &mut Clients, request: pb::CaseStepRequest, step: &str) {
    let call = match step {
        "investigate" => {
            clients
                .enforcement
                .start_investigation(by_inspector(request))
                .await
        }
        "review" => {
            clients
                .enforcement
                .complete_legal_review(by_inspector(request))
                .await
        }
        "hear" => {
            clients
                .enforcement
                .hold_hearing(by_inspector(request))
                .await
        }
        "serve" => {
            clients
                .enforcement
                .serve_decision(by_inspector(request))
                .await
        }
        "close" => clients.enforcement.close_case(by_inspector(request)).await,
        other => panic!("no step {other}"),
    };
    call.unwrap_or_else(|error| panic!("{step}: {error:?}"));
}

#[tokio::test]
async fn an_inspection_writes_the_government_ledger_and_its_case_runs_its_clock() {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = start_suite(&nats, &unique_namespace(), data_dir.path(), None).await;
    district(&suite).await;
    let mut clients = connect(&suite).await;
    let min_visits = classified_and_planned(&mut clients).await;
    let planned = coverage_when(&clients, "the plan in the read model", |coverage| {
        coverage.visits_required == u64::from(min_visits)
    })
    .await;
    assert_eq!(planned.visits_done, 0);
    assert_eq!(planned.unvisited_enterprise_ids, [ENTERPRISE]);

    // Inspection → finding → a government-ledger hazard, linked to its inspection.
    inspect(&mut clients.enforcement, "insp-1", &["f-1"]).await;
    clients
        .hazard_in("insp-1-f-1", hazards::HazardStatus::Graded)
        .await;
    let record = ledger_record(&clients, "insp-1-f-1", hazards::HazardStatus::Graded).await;
    assert_eq!(record.inspection_id, "insp-1");
    assert_eq!(
        record.provenance,
        hazards::Provenance::GovernmentInspection as i32
    );
    discrepancy(
        &clients,
        ledger::DiscrepancyClass::MissedBySelfCheck,
        "insp-1-f-1",
    )
    .await;

    // → order: the hazard is being rectified to the order's deadline.
    clients
        .enforcement
        .issue_rectification_order(by_inspector(order("insp-1", "f-1", 10)))
        .await
        .expect("order");
    let ordered = ledger_record(&clients, "insp-1-f-1", hazards::HazardStatus::Rectifying).await;
    assert_eq!(ordered.deadline, in_days(10));
    clients
        .enforcement
        .complete_inspection(by_inspector(complete("insp-1")))
        .await
        .expect("complete");
    let inspections = wait_until("the inspection list", WAIT, || {
        let mut client = clients.ledger.clone();
        async move {
            let listed = client
                .list_inspections(by_inspector(ledger::ListInspectionsRequest {
                    officer_id: "officer-2".into(),
                    status: pb::InspectionStatus::Completed as i32,
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            (listed.total_size == 1).then_some(listed)
        }
    })
    .await;
    let listed = &inspections.inspections[0];
    assert_eq!(listed.findings[0].hazard, "hazards/insp-1-f-1");
    assert!(listed.findings[0].order.is_some());
    let covered = coverage_when(&clients, "the visit to count", |coverage| {
        coverage.visits_done == 1
    })
    .await;
    assert_eq!(covered.coverage, 1.0 / f64::from(min_visits));
    // The reconciliation's rates carry the same coverage, for the township and the district.
    let year = today().year();
    let summary = wait_until("the rates to count the visit", WAIT, || {
        let mut client = clients.ledger.clone();
        async move {
            let summary = client
                .get_reconciliation_summary(by_inspector(ledger::GetReconciliationSummaryRequest {
                    group_by: ledger::GroupBy::Township as i32,
                    period_start: Some(hl_proto::common::v1::Date {
                        year,
                        month: 1,
                        day: 1,
                    }),
                    period_end: Some(hl_proto::common::v1::Date {
                        year,
                        month: 12,
                        day: 31,
                    }),
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            (summary.total.as_ref()?.inspection_visits_done == 1).then_some(summary)
        }
    })
    .await;
    let township = summary
        .rows
        .iter()
        .find(|row| row.group == TOWNSHIP)
        .unwrap();
    assert_eq!(
        (
            township.inspection_visits_required,
            township.inspection_visits_done
        ),
        (min_visits, 1)
    );
    assert_eq!(
        township.inspection_coverage,
        Some(1.0 / f64::from(min_visits))
    );

    // T14: the district's one non-coal mine has its expert consultation (专家会诊).
    assert_eq!(covered.non_coal_mines, 1);
    assert_eq!(covered.non_coal_mines_with_expert_consultation, 0);
    expert_consultation(&mut clients).await;
    coverage_when(&clients, "T14 to count the consultation", |coverage| {
        coverage.expert_consultation_share == 1.0
    })
    .await;

    // → the enterprise claims; the follow-up fails: a false rectification on the record.
    claim_rectified(&mut clients.hazards, "insp-1-f-1").await;
    clients
        .hazard_in("insp-1-f-1", hazards::HazardStatus::AwaitingVerification)
        .await;
    clients
        .enforcement
        .record_follow_up(by_inspector(follow_up(
            "insp-1",
            "f-1",
            pb::FollowUpResult::Failed,
            "报警器仍未联动",
        )))
        .await
        .expect("the follow-up fails");
    let reopened = ledger_record(&clients, "insp-1-f-1", hazards::HazardStatus::Rectifying).await;
    assert_eq!(reopened.reopen_count, 1);
    discrepancy(
        &clients,
        ledger::DiscrepancyClass::FalseRectification,
        "insp-1-f-1",
    )
    .await;

    // → a penalty case on the failed follow-up; its clock starts with the 2026 rules.
    let filed = clients
        .enforcement
        .file_case(by_inspector(pb::FileCaseRequest {
            request_id: "file-case-1".into(),
            case_id: "case-1".into(),
            enterprise_id: ENTERPRISE.into(),
            inspection_id: "insp-1".into(),
            finding_id: "f-1".into(),
            facts: "逾期未整改".into(),
            officer_ids: vec!["officer-1".into(), "officer-2".into()],
            ..Default::default()
        }))
        .await
        .expect("file the case")
        .into_inner()
        .case
        .unwrap();
    assert_eq!(filed.hazard_id, "insp-1-f-1");
    let listed = listed_case(&clients, "case-1", pb::CaseStatus::Filed).await;
    let clock = listed.clock.unwrap();
    assert_eq!(
        (
            clock.rule_version.as_str(),
            clock.limit_days,
            clock.days_left
        ),
        ("penalty-rules-2026-02-01", 90, 90)
    );

    take(
        &mut clients,
        case_step("case-1", "investigate", ""),
        "investigate",
    )
    .await;
    take(
        &mut clients,
        case_step("case-1", "review", "事实清楚、证据确凿"),
        "review",
    )
    .await;
    clients
        .enforcement
        .serve_notice(by_inspector(pb::ServeNoticeRequest {
            request_id: "notice-case-1".into(),
            name: "penaltyCases/case-1".into(),
            hearing_offered: true,
            ..Default::default()
        }))
        .await
        .expect("serve the notice");

    // → the enterprise asks for a hearing: the clock pauses.
    clients
        .enforcement
        .request_hearing(by_enterprise(
            case_step("case-1", "hearing", ""),
            ENTERPRISE,
        ))
        .await
        .expect("the party asks for a hearing");
    let paused = listed_case(&clients, "case-1", pb::CaseStatus::HearingRequested).await;
    let clock = paused.clock.unwrap();
    assert!(clock.paused, "{clock:?}");
    assert_eq!(clock.pauses.len(), 1);
    assert!(!clock.overdue);

    take(
        &mut clients,
        case_step("case-1", "hear", "听证笔录"),
        "hear",
    )
    .await;
    let resumed = listed_case(&clients, "case-1", pb::CaseStatus::HearingHeld).await;
    assert!(!resumed.clock.unwrap().paused);

    // → decided (a bureau administrator's), served, paid in full, closed.
    let decision = |request_id: &str| pb::DecideCaseRequest {
        request_id: request_id.into(),
        name: "penaltyCases/case-1".into(),
        decision: pb::CaseDecision::Penalty as i32,
        fine_fen: 3_000_000,
        note: "罚款三万元".into(),
        ..Default::default()
    };
    let by_inspector_refused = clients
        .enforcement
        .decide_case(by_inspector(decision("decide-by-inspector")))
        .await
        .unwrap_err();
    assert_eq!(by_inspector_refused.code(), tonic::Code::PermissionDenied);
    clients
        .enforcement
        .decide_case(by_administrator(decision("decide-case-1")))
        .await
        .expect("decide");
    let decided = listed_case(&clients, "case-1", pb::CaseStatus::Decided).await;
    assert!(decided.clock.unwrap().stopped);
    take(&mut clients, case_step("case-1", "serve", ""), "serve").await;
    clients
        .enforcement
        .record_execution(by_inspector(pb::RecordExecutionRequest {
            request_id: "pay-case-1".into(),
            name: "penaltyCases/case-1".into(),
            kind: pb::ExecutionKind::Paid as i32,
            amount_fen: 3_000_000,
            note: "缴款书".into(),
            ..Default::default()
        }))
        .await
        .expect("paid");
    let paid = listed_case(&clients, "case-1", pb::CaseStatus::Executing).await;
    assert_eq!(paid.paid_fen, 3_000_000);
    take(
        &mut clients,
        case_step("case-1", "close", "罚款缴清"),
        "close",
    )
    .await;
    listed_case(&clients, "case-1", pb::CaseStatus::Closed).await;
    let open = clients
        .ledger
        .list_penalty_cases(by_inspector(ledger::ListPenaltyCasesRequest {
            open_only: true,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(open.total_size, 0, "{open:?}");

    case_file_review(&mut clients).await;
}

/// 案卷评查 of the closed case: drawn for the legal section's reviewer (the team's own brigade
/// may not review it), a veto item failed, published, and the grade in the ledger's list.
async fn case_file_review(clients: &mut Clients) {
    let year = today().year();
    let draw = pb::DrawCaseFilesRequest {
        request_id: "draw-review".into(),
        review_id: "review".into(),
        year,
        seed: "评查抽签".into(),
        sample_size: 1,
        reviewer_ids: vec!["officer-1".into(), "admin-1".into()],
        ..Default::default()
    };
    // The closed case reaches the enforcement record shortly after its close.
    let drawn = wait_until("the closed case to be drawn", WAIT, || {
        let mut client = clients.enforcement.clone();
        let draw = draw.clone();
        async move { client.draw_case_files(by_administrator(draw)).await.ok() }
    })
    .await
    .into_inner()
    .review
    .unwrap();
    let file = &drawn.files[0];
    assert_eq!(
        (file.case_id.as_str(), file.reviewer_id.as_str()),
        ("case-1", "admin-1")
    );

    let score = |request_id: &str| pb::ScoreCaseFileRequest {
        request_id: request_id.into(),
        name: "caseFileReviews/review".into(),
        case_id: "case-1".into(),
        veto_failures: vec!["STATUTORY_PROCEDURE_VIOLATED".into()],
        form_points: 19,
        content_points: 78,
        notes: "未告知听证权利".into(),
        ..Default::default()
    };
    let own_unit = clients
        .enforcement
        .score_case_file(by_inspector(score("score-by-officer")))
        .await
        .unwrap_err();
    assert_eq!(
        own_unit.code(),
        tonic::Code::PermissionDenied,
        "{own_unit:?}"
    );
    let scored = clients
        .enforcement
        .score_case_file(by_administrator(score("score")))
        .await
        .expect("score")
        .into_inner()
        .review
        .unwrap();
    assert_eq!(scored.files[0].grade, pb::FileGrade::Failed as i32);
    clients
        .enforcement
        .publish_case_file_review(by_administrator(pb::PublishCaseFileReviewRequest {
            request_id: "publish-review".into(),
            name: "caseFileReviews/review".into(),
            ..Default::default()
        }))
        .await
        .expect("publish");

    let grades = wait_until("the review's grades in the ledger", WAIT, || {
        let mut client = clients.ledger.clone();
        async move {
            let listed = client
                .list_case_file_grades(by_inspector(ledger::ListCaseFileGradesRequest {
                    year,
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            (listed.files.first()?.grade != pb::FileGrade::Unspecified as i32).then_some(listed)
        }
    })
    .await;
    assert_eq!(grades.total_size, 1);
    assert_eq!(grades.files[0].total, 97);
    let township = &grades.by_township[0];
    assert_eq!(
        (
            township.township_code.as_str(),
            township.failed,
            township.excellent
        ),
        (TOWNSHIP, 1, 0)
    );
}

/// How many events on the hazards stream report a hazard, read from NATS as an operator would.
async fn reports_of(nats: &NatsServer, namespace: &str, hazard_id: &str) -> usize {
    let client = async_nats::connect(nats.url())
        .await
        .expect("connect to NATS");
    let store = hl_eventstore::EventStore::new(
        client,
        hl_eventstore::Namespace::new(namespace).unwrap(),
        hl_eventstore::StoreSettings::default(),
    );
    hl_testkit::inspections::reports_of(&store, hazard_id).await
}

/// Waits until the hazards' intake has acknowledged every inspection message delivered to it.
async fn intake_idle(nats: &NatsServer, namespace: &str) {
    hl_e2e::process_idle(&nats.url(), namespace, "enforcement", "inspection_findings").await;
}

/// Waits for the suite to die of the injected fault.
async fn killed(mut suite: Suite) {
    let status = tokio::time::timeout(WAIT, suite.child.wait())
        .await
        .expect("the suite killed itself")
        .expect("wait for the suite");
    assert!(!status.success(), "{status:?}");
}

#[tokio::test]
async fn a_suite_killed_between_a_finding_and_its_hazard_records_it_once() {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    let data_dir = tempfile::tempdir().unwrap();
    let suite = start_suite(&nats, &namespace, data_dir.path(), None).await;
    district(&suite).await;
    let mut clients = connect(&suite).await;
    inspect(&mut clients.enforcement, "insp-1", &["f-0"]).await;
    // The intake has caught up: nothing pending when the faulty run starts.
    clients
        .hazard_in("insp-1-f-0", hazards::HazardStatus::Graded)
        .await;
    intake_idle(&nats, &namespace).await;
    assert!(suite.stop().await.is_some());

    // Killed after the hazard is recorded and before the intake acknowledges the finding.
    let suite = start_suite(
        &nats,
        &namespace,
        data_dir.path(),
        Some("inspection_findings:after"),
    )
    .await;
    let mut clients = connect(&suite).await;
    // The reply may or may not arrive before the process dies; the finding is recorded either way.
    let _ = clients
        .enforcement
        .record_finding(by_inspector(finding("insp-1", "f-1")))
        .await;
    killed(suite).await;
    assert_eq!(
        reports_of(&nats, &namespace, "insp-1-f-1").await,
        1,
        "recorded before the kill"
    );

    // Killed again when the finding comes back, before it is handled.
    let suite = start_suite(
        &nats,
        &namespace,
        data_dir.path(),
        Some("inspection_findings:before"),
    )
    .await;
    killed(suite).await;

    // A clean start: the finding comes again, is recognised, and its retried request too.
    let suite = start_suite(&nats, &namespace, data_dir.path(), None).await;
    let mut clients = connect(&suite).await;
    let retried = clients
        .enforcement
        .record_finding(by_inspector(finding("insp-1", "f-1")))
        .await
        .expect("the retried request returns its first result")
        .into_inner();
    assert!(retried.commit.unwrap().replayed);
    clients
        .enforcement
        .record_finding(by_inspector(finding("insp-1", "f-2")))
        .await
        .unwrap();
    clients
        .hazard_in("insp-1-f-2", hazards::HazardStatus::Graded)
        .await;
    for hazard_id in ["insp-1-f-0", "insp-1-f-1", "insp-1-f-2"] {
        assert_eq!(
            reports_of(&nats, &namespace, hazard_id).await,
            1,
            "{hazard_id}"
        );
    }
}
