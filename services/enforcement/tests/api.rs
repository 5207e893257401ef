//! The enforcement API in-process against a real nats-server, with the registry and the hazards
//! context on their production mounts: a finding becomes exactly one government-ledger hazard,
//! its order and follow-ups reach that hazard, and nothing an enterprise can call makes a
//! finding disappear.

use std::time::Duration;

use chrono::Datelike;
use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::enforcement_service_client::EnforcementServiceClient;
use hl_proto::hazards::v1 as hazards;
use hl_proto::hazards::v1::HazardStatus;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_testkit::actors::{
    ENTERPRISE, OTHER_ENTERPRISE, by_administrator, by_enterprise, by_inspector,
};
use hl_testkit::fixtures::{
    Registered, register_district, register_officers, register_officers_in, register_unit,
};
use hl_testkit::inspections::{
    TEAM, claim_rectified, complete, finding, follow_up, in_days, inspect, order, reports_of,
    schedule,
};
use hl_testkit::{NatsServer, TestService, fields, unique_namespace};
use tonic::Code;
use tonic::transport::Channel;

/// The registry, the hazards and the enforcement services on their production mounts.
async fn start(nats_url: &str, namespace: &str) -> TestService {
    TestService::spawn(nats_url, namespace, |server, store, region| {
        hl_responsibility::mount_without_ledger(server, store, region);
        hl_hazards::mount(server, store, region);
        hl_enforcement::mount(server, store, region);
    })
    .await
}

/// A district with the enterprise and the officers of the [`TEAM`], certified until 2035;
/// officer-3's certificate has lapsed.
async fn district(service: &TestService) {
    register_district(
        service.channel().await,
        &[Registered::cold_store(ENTERPRISE)],
    )
    .await;
    register_unit(service.channel().await, "brigade-1").await;
    register_officers_in(service.channel().await, "brigade-1", &TEAM, (2035, 12, 31)).await;
    register_officers(service.channel().await, &["officer-3"], (2021, 12, 31)).await;
}

struct Clients {
    enforcement: EnforcementServiceClient<Channel>,
    hazards: HazardsServiceClient<Channel>,
}

impl Clients {
    async fn connect(service: &TestService) -> Clients {
        let channel = service.channel().await;
        Clients {
            enforcement: EnforcementServiceClient::new(channel.clone()),
            hazards: HazardsServiceClient::new(channel),
        }
    }

    async fn hazard_in(&self, hazard_id: &str, status: HazardStatus) -> hazards::Hazard {
        hl_testkit::inspections::hazard_in(
            &self.hazards,
            hazard_id,
            status,
            Duration::from_secs(20),
        )
        .await
    }

    /// Inspects with one finding f-1, orders it rectified and completes the inspection.
    async fn found_and_ordered(&mut self, inspection_id: &str) -> hazards::Hazard {
        inspect(&mut self.enforcement, inspection_id, &["f-1"]).await;
        let hazard_id = format!("{inspection_id}-f-1");
        self.hazard_in(&hazard_id, HazardStatus::Graded).await;
        self.enforcement
            .issue_rectification_order(by_inspector(order(inspection_id, "f-1", 14)))
            .await
            .expect("order");
        self.enforcement
            .complete_inspection(by_inspector(complete(inspection_id)))
            .await
            .expect("complete");
        self.hazard_in(&hazard_id, HazardStatus::Rectifying).await
    }
}

fn as_enterprise<T>(body: T) -> tonic::Request<T> {
    by_enterprise(body, ENTERPRISE)
}

#[tokio::test]
async fn a_finding_is_one_government_hazard_its_order_and_pass_reach_it() {
    let nats = NatsServer::start().await;
    let namespace = unique_namespace();
    let service = start(&nats.url(), &namespace).await;
    district(&service).await;
    let mut clients = Clients::connect(&service).await;
    inspect(&mut clients.enforcement, "insp-1", &["f-1"]).await;

    let hazard = clients.hazard_in("insp-1-f-1", HazardStatus::Graded).await;
    assert_eq!(
        hazard.provenance,
        hazards::Provenance::GovernmentInspection as i32
    );
    assert_eq!(hazard.inspection_id, "insp-1");
    assert_eq!(hazard.enterprise_id, ENTERPRISE);
    assert_eq!(hazard.level, hazards::HazardLevel::General as i32);

    clients
        .enforcement
        .issue_rectification_order(by_inspector(order("insp-1", "f-1", 14)))
        .await
        .expect("order");
    let rectifying = clients
        .hazard_in("insp-1-f-1", HazardStatus::Rectifying)
        .await;
    assert_eq!(rectifying.deadline, in_days(14));
    clients
        .enforcement
        .complete_inspection(by_inspector(complete("insp-1")))
        .await
        .expect("complete");

    // A pass needs the enterprise's report that it is rectified.
    let passed = || follow_up("insp-1", "f-1", pb::FollowUpResult::Passed, "复查合格");
    let early = clients
        .enforcement
        .record_follow_up(by_inspector(passed()))
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition);
    assert!(
        early.message().contains("not reported it rectified"),
        "{early:?}"
    );

    claim_rectified(&mut clients.hazards, "insp-1-f-1").await;
    clients
        .hazard_in("insp-1-f-1", HazardStatus::AwaitingVerification)
        .await;
    clients
        .enforcement
        .record_follow_up(by_inspector(passed()))
        .await
        .expect("the follow-up passes");
    let verified = clients
        .hazard_in("insp-1-f-1", HazardStatus::Verified)
        .await;
    assert_eq!(
        verified.version,
        rectifying.version + 2,
        "claimed, then verified once"
    );
    assert_eq!(reports_of(&service.store, "insp-1-f-1").await, 1);

    // A new instance resumes the same durable intake and records nothing twice.
    drop(service);
    let restarted = start(&nats.url(), &namespace).await;
    let mut again = Clients::connect(&restarted).await;
    inspect(&mut again.enforcement, "insp-2", &["f-1"]).await;
    again.hazard_in("insp-2-f-1", HazardStatus::Graded).await;
    assert_eq!(reports_of(&restarted.store, "insp-1-f-1").await, 1);
    let unchanged = again.hazard_in("insp-1-f-1", HazardStatus::Verified).await;
    assert_eq!(unchanged.version, verified.version);
}

#[tokio::test]
async fn a_false_rectification_fails_the_follow_up_and_opens_a_case() {
    let nats = NatsServer::start().await;
    let service = start(&nats.url(), &unique_namespace()).await;
    district(&service).await;
    let mut clients = Clients::connect(&service).await;
    clients.found_and_ordered("insp-1").await;

    // No case for a finding whose follow-up has not failed.
    let case = |request_id: &str| pb::FileCaseRequest {
        request_id: request_id.into(),
        case_id: "case-1".into(),
        enterprise_id: ENTERPRISE.into(),
        inspection_id: "insp-1".into(),
        finding_id: "f-1".into(),
        facts: "逾期未整改".into(),
        officer_ids: TEAM.iter().map(|officer| officer.to_string()).collect(),
        ..Default::default()
    };
    let premature = clients
        .enforcement
        .file_case(by_inspector(case("case-early")))
        .await
        .unwrap_err();
    assert_eq!(premature.code(), Code::FailedPrecondition);

    // The enterprise says it is done; the officers find it is not.
    claim_rectified(&mut clients.hazards, "insp-1-f-1").await;
    clients
        .hazard_in("insp-1-f-1", HazardStatus::AwaitingVerification)
        .await;
    let failed = |note: &str| follow_up("insp-1", "f-1", pb::FollowUpResult::Failed, note);
    let silent = clients
        .enforcement
        .record_follow_up(by_inspector(failed("")))
        .await
        .unwrap_err();
    assert_eq!(fields(&silent), ["note"]);
    clients
        .enforcement
        .record_follow_up(by_inspector(failed("通道仍堵塞")))
        .await
        .expect("the follow-up fails");
    let rejected = clients
        .hazard_in("insp-1-f-1", HazardStatus::Rectifying)
        .await;
    assert_eq!(
        rejected.reopen_count, 1,
        "the false claim stays on the record"
    );

    let filed = clients
        .enforcement
        .file_case(by_inspector(case("case-1")))
        .await
        .expect("the failed follow-up becomes a case")
        .into_inner()
        .case
        .unwrap();
    assert_eq!(filed.hazard_id, "insp-1-f-1");
    assert_eq!(filed.status, pb::CaseStatus::Filed as i32);
    let clock = filed.clock.unwrap();
    assert_eq!(clock.rule_version, "penalty-rules-2026-02-01");
    assert_eq!(
        (clock.limit_days, clock.days_used, clock.days_left),
        (90, 0, 90)
    );
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_records_nothing() {
    let nats = NatsServer::start().await;
    let service = start(&nats.url(), &unique_namespace()).await;
    district(&service).await;
    let mut clients = Clients::connect(&service).await;

    let everything_wrong = pb::ScheduleInspectionRequest {
        request_id: "bad".into(),
        r#type: 99,
        enterprise_id: "not-a-credit-code".into(),
        officer_ids: vec!["officer 1".into()],
        ..Default::default()
    };
    let refused = clients
        .enforcement
        .schedule_inspection(by_inspector(everything_wrong))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    let named = fields(&refused);
    for field in ["type", "scheduled_on", "enterprise_id", "officer_ids[0]"] {
        assert!(named.contains(&field.to_string()), "{field} in {named:?}");
    }

    let lapsed = clients
        .enforcement
        .schedule_inspection(by_inspector(schedule(
            "insp-1",
            &["officer-1", "officer-3"],
        )))
        .await
        .unwrap_err();
    assert_eq!(lapsed.code(), Code::FailedPrecondition);
    assert!(lapsed.message().contains("officer-3"), "{lapsed:?}");
    let alone = clients
        .enforcement
        .schedule_inspection(by_inspector(schedule("insp-1", &["officer-1"])))
        .await
        .unwrap_err();
    assert_eq!(alone.code(), Code::InvalidArgument);
    // An officer named twice is refused at the repeat, not counted once and recorded twice; a
    // draw's pool naming one twice, which could draw them twice, likewise.
    let twice = clients
        .enforcement
        .schedule_inspection(by_inspector(schedule(
            "insp-1",
            &["officer-1", "officer-2", "officer-1"],
        )))
        .await
        .unwrap_err();
    assert_eq!(fields(&twice), ["officer_ids[2]"]);
    let pooled_twice = pb::ScheduleInspectionRequest {
        r#type: pb::InspectionType::DoubleRandom as i32,
        enterprise_id: String::new(),
        draw: Some(pb::DrawRequest {
            seed: "seed".into(),
            enterprise_pool: vec![ENTERPRISE.into()],
            officer_pool: vec!["officer-1".into(), "officer-1".into()],
            officers: 2,
        }),
        ..schedule("insp-1", &[])
    };
    let refused = clients
        .enforcement
        .schedule_inspection(by_inspector(pooled_twice))
        .await
        .unwrap_err();
    assert_eq!(fields(&refused), ["draw.officer_pool[1]"]);

    let missing = clients
        .enforcement
        .get_inspection(by_inspector(pb::GetInspectionRequest {
            name: "inspections/insp-1".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound, "nothing was recorded");

    // A case-file draw: every wrong field named; a reviewer outside the registry named by
    // position; and with no closed case to draw, nothing is drawn.
    let wrong_draw = pb::DrawCaseFilesRequest {
        request_id: "bad-draw".into(),
        review_id: "review 1".into(),
        year: 1900,
        ..Default::default()
    };
    let refused = clients
        .enforcement
        .draw_case_files(by_administrator(wrong_draw))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&refused),
        ["review_id", "year", "seed", "sample_size", "reviewer_ids"]
    );
    let draw = |reviewer: &str| pb::DrawCaseFilesRequest {
        request_id: format!("draw-{reviewer}"),
        review_id: "review-1".into(),
        year: 2026,
        seed: "seed".into(),
        sample_size: 1,
        reviewer_ids: vec!["officer-1".into(), reviewer.into()],
        ..Default::default()
    };
    let stranger = clients
        .enforcement
        .draw_case_files(by_administrator(draw("nobody")))
        .await
        .unwrap_err();
    assert_eq!(fields(&stranger), ["reviewer_ids[1]"]);
    let empty = clients
        .enforcement
        .draw_case_files(by_administrator(draw("officer-2")))
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::FailedPrecondition, "{empty:?}");
    let by_inspector_refused = clients
        .enforcement
        .draw_case_files(by_inspector(draw("officer-2")))
        .await
        .unwrap_err();
    assert_eq!(by_inspector_refused.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn no_enterprise_call_makes_a_finding_disappear() {
    let nats = NatsServer::start().await;
    let service = start(&nats.url(), &unique_namespace()).await;
    district(&service).await;
    let mut clients = Clients::connect(&service).await;
    inspect(&mut clients.enforcement, "insp-1", &["f-1"]).await;
    clients.hazard_in("insp-1-f-1", HazardStatus::Graded).await;

    // It cannot pass its own follow-up or complete the inspection.
    let denied = clients
        .enforcement
        .record_follow_up(as_enterprise(follow_up(
            "insp-1",
            "f-1",
            pb::FollowUpResult::Passed,
            "",
        )))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let denied = clients
        .enforcement
        .complete_inspection(as_enterprise(complete("insp-1")))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    // It cannot claim an inspection for a hazard of its own choosing, nor close the finding.
    let forged = clients
        .hazards
        .report_hazard(as_enterprise(hazards::ReportHazardRequest {
            request_id: "forged".into(),
            hazard_id: "insp-1-f-2".into(),
            enterprise_id: ENTERPRISE.into(),
            provenance: hazards::Provenance::EnterpriseSelf as i32,
            source_type: hazards::SourceType::Routine as i32,
            category: hazards::HazardCategory::FireSafety as i32,
            location: "x".into(),
            description: "x".into(),
            inspection_id: "insp-1".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(fields(&forged), ["inspection_id"]);
    let closed = clients
        .hazards
        .close_hazard(as_enterprise(hazards::CloseHazardRequest {
            request_id: "close".into(),
            name: "hazards/insp-1-f-1".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert!(
        matches!(
            closed.code(),
            Code::PermissionDenied | Code::FailedPrecondition
        ),
        "{closed:?}"
    );

    // The same finding id again, even by the bureau, records no second hazard.
    let again = clients
        .enforcement
        .record_finding(by_administrator(pb::RecordFindingRequest {
            request_id: "find-again".into(),
            ..finding("insp-1", "f-1")
        }))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);
    let read = clients
        .enforcement
        .get_inspection(as_enterprise(pb::GetInspectionRequest {
            name: "inspections/insp-1".into(),
            ..Default::default()
        }))
        .await
        .expect("the enterprise reads its own inspection")
        .into_inner();
    assert_eq!(read.findings.len(), 1);
    assert_eq!(reports_of(&service.store, "insp-1-f-1").await, 1);
}

fn classify(enterprise_id: &str, year: i32) -> pb::ClassifyEnterpriseRequest {
    pb::ClassifyEnterpriseRequest {
        request_id: format!("classify-{enterprise_id}-{year}"),
        enterprise_id: enterprise_id.into(),
        year,
        ..Default::default()
    }
}

fn draft_plan(
    request_id: &str,
    officers: u32,
    enterprise_ids: &[&str],
) -> pb::DraftInspectionPlanRequest {
    pb::DraftInspectionPlanRequest {
        request_id: request_id.into(),
        plan_id: "plan".into(),
        year: hl_testkit::inspections::today().year(),
        title: "年度监督检查计划".into(),
        officers,
        statutory_working_days: 250,
        other_enforcement_days: 100,
        non_enforcement_days: 50,
        enterprise_ids: enterprise_ids.iter().map(|id| id.to_string()).collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_plan_covers_classified_enterprises_within_its_capacity() {
    let nats = NatsServer::start().await;
    let service = start(&nats.url(), &unique_namespace()).await;
    district(&service).await;
    let mut clients = Clients::connect(&service).await;
    let year = hl_testkit::inspections::today().year();

    // Only the bureau classifies; the factors come from the registry.
    let denied = clients
        .enforcement
        .classify_enterprise(by_inspector(classify(ENTERPRISE, year)))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let classified = clients
        .enforcement
        .classify_enterprise(by_administrator(classify(ENTERPRISE, year)))
        .await
        .expect("classify")
        .into_inner()
        .classification
        .unwrap();
    let industry = classified
        .factors
        .iter()
        .find(|factor| factor.name == "industry")
        .unwrap();
    assert_eq!(industry.value, "INDUSTRY_AMMONIA_REFRIGERATION");
    assert!(classified.min_visits >= 1, "{classified:?}");

    // A plan for an enterprise not classified this year, or beyond its capacity, is refused.
    let unclassified = clients
        .enforcement
        .draft_inspection_plan(by_administrator(draft_plan(
            "draft-0",
            2,
            &[ENTERPRISE, OTHER_ENTERPRISE],
        )))
        .await
        .unwrap_err();
    assert_eq!(fields(&unclassified), ["targets"]);
    let tiny = pb::DraftInspectionPlanRequest {
        statutory_working_days: 76,
        other_enforcement_days: 1,
        non_enforcement_days: 150,
        ..draft_plan("draft-1", 2, &[ENTERPRISE])
    };
    let over = clients
        .enforcement
        .draft_inspection_plan(by_administrator(tiny))
        .await
        .unwrap_err();
    assert_eq!(over.code(), Code::FailedPrecondition);
    assert!(over.message().contains("allow 0"), "{over:?}");

    let drafted = clients
        .enforcement
        .draft_inspection_plan(by_administrator(draft_plan("draft-2", 2, &[ENTERPRISE])))
        .await
        .expect("draft")
        .into_inner()
        .plan
        .unwrap();
    let capacity = drafted.capacity.unwrap();
    assert_eq!(
        (capacity.inspection_days, capacity.visit_capacity),
        (350, 175)
    );

    // An inspection under a plan not yet approved is refused; once approved, it is accepted.
    let under_plan = |request_id: &str| pb::ScheduleInspectionRequest {
        request_id: request_id.into(),
        plan_id: "plan".into(),
        ..schedule("insp-plan", &TEAM)
    };
    let early = clients
        .enforcement
        .schedule_inspection(by_inspector(under_plan("early")))
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition);
    clients
        .enforcement
        .approve_inspection_plan(by_administrator(pb::ApproveInspectionPlanRequest {
            request_id: "approve".into(),
            name: "inspectionPlans/plan".into(),
            document_number: "普政发〔2026〕3号".into(),
            ..Default::default()
        }))
        .await
        .expect("approve");
    let scheduled = clients
        .enforcement
        .schedule_inspection(by_inspector(under_plan("scheduled")))
        .await
        .expect("schedule under the plan")
        .into_inner()
        .inspection
        .unwrap();
    assert_eq!(scheduled.plan_id, "plan");
}
