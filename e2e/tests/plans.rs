//! Plans through the suite binary, over gRPC only: a special plan drafted, reviewed, approved,
//! published, filed and activated; a drill whose finding triggers its revision; the new version
//! active; and 修编率 read from the ledger before and after. Each enterprise's drills against the
//! minimums of the drill rules, and on the recording officer's month of duty.

use std::time::Duration;

use chrono::Datelike;
use hl_e2e::Suite;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::plans_service_client::PlansServiceClient;
use hl_proto::responsibility::v1 as duties_pb;
use hl_proto::responsibility::v1::Industry;
use hl_proto::responsibility::v1::responsibility_service_client::ResponsibilityServiceClient;
use hl_testkit::actors::{
    ENTERPRISE, OTHER_ENTERPRISE, OTHER_TOWNSHIP, TOWNSHIP, by_administrator, by_enterprise,
    by_inspector,
};
use hl_testkit::fixtures::{Registered, register_district, register_officers_in, register_unit};
use hl_testkit::inspections::today;
use hl_testkit::{NatsServer, unique_namespace, wait_until};
use tonic::Code;
use tonic::transport::Channel;

const WAIT: Duration = Duration::from_secs(30);

fn step(request_id: &str, text: &str) -> pb::PlanStepRequest {
    pb::PlanStepRequest {
        request_id: request_id.into(),
        name: "emergencyPlans/typhoon".into(),
        text: text.into(),
        ..Default::default()
    }
}

/// Review, approval, publication, filing and activation of the plan's working version.
async fn through_to_active(
    plans: &mut PlansServiceClient<Channel>,
    round: &str,
) -> pb::EmergencyPlan {
    plans
        .submit_plan_for_review(by_inspector(step(&format!("{round}-review"), "")))
        .await
        .expect("review");
    let by_inspector_refused = plans
        .approve_plan(by_inspector(step(
            &format!("{round}-approve-inspector"),
            "文号",
        )))
        .await
        .unwrap_err();
    assert_eq!(by_inspector_refused.code(), Code::PermissionDenied);
    plans
        .approve_plan(by_administrator(step(
            &format!("{round}-approve"),
            "普政办发〔2026〕9号",
        )))
        .await
        .expect("approve");
    plans
        .publish_plan(by_inspector(step(&format!("{round}-publish"), "")))
        .await
        .expect("publish");
    plans
        .file_plan(by_inspector(step(
            &format!("{round}-file"),
            "备案〔2026〕3号",
        )))
        .await
        .expect("file");
    plans
        .activate_plan(by_inspector(step(&format!("{round}-activate"), "")))
        .await
        .expect("activate")
        .into_inner()
        .plan
        .unwrap()
}

/// 修编率 of special plans once `check` holds of it.
async fn special_rate_when(
    ledger: &LedgerServiceClient<Channel>,
    what: &str,
    check: impl Fn(&ledger::LayerRevisionRate) -> bool,
) -> ledger::LayerRevisionRate {
    wait_until(what, WAIT, || {
        let mut client = ledger.clone();
        let check = &check;
        async move {
            let listed = client
                .list_plans(by_inspector(ledger::ListPlansRequest::default()))
                .await
                .ok()?
                .into_inner();
            let rate = listed
                .revision_rates
                .into_iter()
                .find(|rate| rate.layer == pb::PlanLayer::Special as i32)?;
            check(&rate).then_some(rate)
        }
    })
    .await
}

#[tokio::test]
async fn a_drill_finding_revises_a_plan_and_the_revision_rate_counts_it() {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = Suite::without_demo(&nats.url(), &unique_namespace(), data_dir.path(), None).await;
    let channel = suite.channel().await;
    let mut plans = PlansServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);

    let draft = pb::DraftPlanRequest {
        request_id: "draft".into(),
        plan_id: "typhoon".into(),
        layer: pb::PlanLayer::Special as i32,
        title: "普陀区防台风应急预案".into(),
        owner_unit_id: "bureau".into(),
        summary: "防台风、防汛".into(),
        ..Default::default()
    };
    let by_enterprise_refused = plans
        .draft_plan(by_enterprise(draft.clone(), ENTERPRISE))
        .await
        .unwrap_err();
    assert_eq!(by_enterprise_refused.code(), Code::PermissionDenied);
    // A parent named by an id no record can have is bad input, not a store failure.
    let bad_parent = plans
        .draft_plan(by_inspector(pb::DraftPlanRequest {
            request_id: "draft-bad-parent".into(),
            parent_plan_id: "xu*".into(),
            ..draft.clone()
        }))
        .await
        .unwrap_err();
    assert_eq!(bad_parent.code(), Code::InvalidArgument, "{bad_parent:?}");
    assert_eq!(hl_testkit::fields(&bad_parent), ["parent_plan_id"]);
    plans.draft_plan(by_inspector(draft)).await.expect("draft");
    let active = through_to_active(&mut plans, "v1").await;
    assert_eq!(active.active_version, 1);
    assert!(active.next_evaluation_due.is_some());
    let before = special_rate_when(&ledger, "the plan in scope", |rate| rate.in_scope == 1).await;
    assert_eq!((before.revised, before.rate), (0, Some(0.0)));

    // A drill of the plan finds the evacuation routes unclear: the plan must be revised.
    let drill = pb::RecordDrillRequest {
        request_id: "drill".into(),
        drill_id: "drill-1".into(),
        plan_ids: vec!["typhoon".into()],
        subject: "防台风人员转移演练".into(),
        kind: pb::DrillKind::Special as i32,
        form: pb::DrillForm::Live as i32,
        held_on: Some(today().into()),
        participants: 120,
        evaluation: "基本达到预期".into(),
        findings: vec![pb::DrillFinding {
            finding_id: "f-1".into(),
            description: "渔港转移路线标识不清".into(),
            requires_revision: true,
        }],
        ..Default::default()
    };
    let drill_events = plans
        .record_drill(by_inspector(drill))
        .await
        .expect("drill")
        .into_inner()
        .commit
        .unwrap_or_default()
        .event_ids;
    let of_the_plan = wait_until("the plan's drills", WAIT, || {
        let mut client = ledger.clone();
        async move {
            let listed = client
                .list_drills(by_inspector(ledger::ListDrillsRequest {
                    plan_id: "typhoon".into(),
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            (!listed.rows.is_empty()).then_some(listed)
        }
    })
    .await;
    assert_eq!(of_the_plan.rows.len(), 1);
    assert_eq!(
        of_the_plan.rows[0].drill.as_ref().unwrap().name,
        "drills/drill-1"
    );
    assert_eq!(of_the_plan.rows[0].event_ids, drill_events);
    let other_plan = ledger
        .clone()
        .list_drills(by_inspector(ledger::ListDrillsRequest {
            plan_id: "flood".into(),
            ..Default::default()
        }))
        .await
        .expect("another plan's drills")
        .into_inner();
    assert_eq!(other_plan.total_size, 0);
    let refused = ledger
        .clone()
        .list_drills(by_inspector(ledger::ListDrillsRequest {
            held_from: Some(today().into()),
            held_until: Some((today() - chrono::Days::new(1)).into()),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&refused), ["held_until"]);
    let revise = |finding_id: &str| pb::StartPlanRevisionRequest {
        request_id: format!("revise-{finding_id}"),
        name: "emergencyPlans/typhoon".into(),
        trigger: pb::RevisionTrigger::DrillFinding as i32,
        note: "演练发现问题".into(),
        drill_id: "drill-1".into(),
        finding_id: finding_id.into(),
        summary: "明确渔港转移路线".into(),
        ..Default::default()
    };
    let unknown = plans
        .start_plan_revision(by_inspector(revise("f-9")))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::FailedPrecondition, "{unknown:?}");
    let revising = plans
        .start_plan_revision(by_inspector(revise("f-1")))
        .await
        .expect("revise")
        .into_inner()
        .plan
        .unwrap();
    assert_eq!(revising.status, pb::PlanStatus::Revising as i32);
    assert_eq!(revising.active_version, 1, "the old version stays in force");
    assert_eq!(revising.versions[1].trigger_source, "drills/drill-1#f-1");

    let revised = through_to_active(&mut plans, "v2").await;
    assert_eq!(revised.active_version, 2);
    assert!(revised.versions[0].superseded_on.is_some());
    let after = special_rate_when(&ledger, "the revision counted", |rate| rate.revised == 1).await;
    assert_eq!(after.rate, Some(1.0));
    assert_eq!(after.revised_plans, ["emergencyPlans/typhoon"]);
}

#[tokio::test]
async fn each_enterprises_drills_are_read_against_the_minimums() {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = Suite::without_demo(&nats.url(), &unique_namespace(), data_dir.path(), None).await;
    let channel = suite.channel().await;
    register_district(
        channel.clone(),
        &[
            Registered::cold_store(ENTERPRISE),
            Registered::cold_store(OTHER_ENTERPRISE),
        ],
    )
    .await;
    let mut plans = PlansServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);

    // ENTERPRISE holds a special drill and an on-site drill today; OTHER_ENTERPRISE none.
    let today = today();
    for (drill_id, kind) in [
        ("special", pb::DrillKind::Special),
        ("on-site", pb::DrillKind::OnSite),
    ] {
        plans
            .record_drill(by_inspector(pb::RecordDrillRequest {
                request_id: format!("drill-{drill_id}"),
                drill_id: drill_id.into(),
                enterprise_id: ENTERPRISE.into(),
                subject: "液氨泄漏处置演练".into(),
                kind: kind as i32,
                form: pb::DrillForm::Live as i32,
                held_on: Some(today.into()),
                participants: 12,
                ..Default::default()
            }))
            .await
            .expect("drill");
    }
    let read = wait_until("both drills in the ledger", WAIT, || {
        let mut client = ledger.clone();
        async move {
            let listed = client
                .list_drill_shortfalls(by_inspector(ledger::ListDrillShortfallsRequest {
                    year: today.year(),
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            let held: u32 = listed
                .rows
                .iter()
                .flat_map(|row| &row.minimums)
                .map(|minimum| minimum.held)
                .sum();
            (held == 2).then_some(listed)
        }
    })
    .await;
    assert_eq!(read.rule_version, "drill-rules-2016-07-01");
    assert_eq!(read.enterprises, 2);
    let status = |enterprise: &str, code: &str| {
        let row = read
            .rows
            .iter()
            .find(|row| row.enterprise_id == enterprise)
            .expect("a row per enterprise");
        let minimum = row
            .minimums
            .iter()
            .find(|minimum| minimum.code == code)
            .expect("a minimum per code");
        (
            ledger::DrillMinimumStatus::try_from(minimum.status).unwrap(),
            minimum.drills.clone(),
        )
    };
    let (this_half, other_half) = if today.month() <= 6 {
        ("ON_SITE_FIRST_HALF", "ON_SITE_SECOND_HALF")
    } else {
        ("ON_SITE_SECOND_HALF", "ON_SITE_FIRST_HALF")
    };
    assert_eq!(
        status(ENTERPRISE, "YEARLY_COMPREHENSIVE_OR_SPECIAL"),
        (
            ledger::DrillMinimumStatus::Met,
            vec!["drills/special".to_string()]
        )
    );
    assert_eq!(
        status(ENTERPRISE, this_half),
        (
            ledger::DrillMinimumStatus::Met,
            vec!["drills/on-site".to_string()]
        )
    );
    assert_eq!(
        status(OTHER_ENTERPRISE, "YEARLY_COMPREHENSIVE_OR_SPECIAL").0,
        ledger::DrillMinimumStatus::Due
    );
    // The half before today's is over, so it is short where no on-site drill was held; the half
    // after today's is due.
    let other = if today.month() <= 6 {
        ledger::DrillMinimumStatus::Due
    } else {
        ledger::DrillMinimumStatus::Short
    };
    assert_eq!(status(ENTERPRISE, other_half).0, other);
    assert_eq!(
        read.enterprises_short,
        if today.month() <= 6 { 0 } else { 2 }
    );

    // Each drill the inspector recorded is on officer-1's month of duty (履责), once.
    let duties = ResponsibilityServiceClient::new(suite.channel().await);
    let period = format!(
        "dutyPeriods/officer-1-{:04}-{:02}",
        today.year(),
        today.month()
    );
    let month = wait_until("the drills on the month of duty", WAIT, || {
        let mut client = duties.clone();
        let name = period.clone();
        async move {
            let month = client
                .get_duty_period(by_inspector(duties_pb::GetDutyPeriodRequest {
                    name,
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            (month.performances.len() == 2).then_some(month)
        }
    })
    .await;
    let sources: Vec<(&str, &str)> = month
        .performances
        .iter()
        .map(|done| (done.source_id.as_str(), done.what.as_str()))
        .collect();
    assert_eq!(
        sources,
        [
            ("drill:special", "DRILL_RECORDED"),
            ("drill:on-site", "DRILL_RECORDED")
        ]
    );

    let bad = ledger
        .clone()
        .list_drill_shortfalls(by_inspector(ledger::ListDrillShortfallsRequest {
            year: 1999,
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument, "{bad:?}");
}

fn shelter(shelter_id: &str, capacity: u32) -> pb::RegisterShelterRequest {
    pb::RegisterShelterRequest {
        request_id: format!("register-{shelter_id}"),
        shelter_id: shelter_id.into(),
        title: format!("{shelter_id} 避灾安置点"),
        level: pb::ShelterLevel::Township as i32,
        township_code: "330903001".into(),
        location: "沈家门街道".into(),
        capacity,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_shelter_certified_this_year_counts_for_t5_and_its_occupancy_shows() {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = Suite::without_demo(&nats.url(), &unique_namespace(), data_dir.path(), None).await;
    let channel = suite.channel().await;
    let mut plans = PlansServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);

    let refused = plans
        .register_shelter(by_inspector(pb::RegisterShelterRequest {
            township_code: "330902001".into(),
            ..shelter("bad", 0)
        }))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&refused), ["township_code", "capacity"]);

    let before_any = hl_proto::timestamp(chrono::Utc::now());
    let mut registered = Vec::new();
    for (shelter_id, capacity) in [("school", 300), ("hall", 120)] {
        let response = plans
            .register_shelter(by_inspector(shelter(shelter_id, capacity)))
            .await
            .expect("register")
            .into_inner();
        registered.push(response.commit.unwrap_or_default().event_ids);
    }
    let before_certification = hl_proto::timestamp(chrono::Utc::now());
    let today = today();
    let certify = pb::CertifyShelterRequest {
        request_id: "certify-school".into(),
        name: "shelters/school".into(),
        certified_on: Some(today.into()),
        certificate: "规范化避灾安置场所".into(),
        ..Default::default()
    };
    let certified = plans
        .certify_shelter(by_inspector(certify.clone()))
        .await
        .expect("certify")
        .into_inner()
        .commit
        .unwrap_or_default()
        .event_ids;
    let again = plans
        .certify_shelter(by_inspector(pb::CertifyShelterRequest {
            request_id: "certify-again".into(),
            ..certify
        }))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition, "{again:?}");
    plans
        .open_shelter(by_inspector(pb::ShelterStepRequest {
            request_id: "open".into(),
            name: "shelters/school".into(),
            text: "台风".into(),
            ..Default::default()
        }))
        .await
        .expect("open");
    plans
        .report_shelter_occupancy(by_inspector(pb::ReportShelterOccupancyRequest {
            request_id: "occupancy".into(),
            name: "shelters/school".into(),
            persons: 180,
            ..Default::default()
        }))
        .await
        .expect("occupancy");

    let listed = wait_until("the shelters in the ledger", WAIT, || {
        let mut client = ledger.clone();
        async move {
            let listed = client
                .list_shelters(by_inspector(ledger::ListSheltersRequest {
                    year: today.year(),
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            (listed.shelters == 2 && listed.occupied == 180).then_some(listed)
        }
    })
    .await;
    assert_eq!(
        (listed.capacity, listed.certified, listed.open),
        (420, 1, 1)
    );
    assert_eq!(listed.certified_in_year, 1);
    assert_eq!(listed.certified_in_year_shelters, ["shelters/school"]);
    // Read on a day before the certification, the year has none.
    let before = ledger
        .clone()
        .list_shelters(by_inspector(ledger::ListSheltersRequest {
            year: today.year(),
            day: Some((today - chrono::Days::new(1)).into()),
            ..Default::default()
        }))
        .await
        .expect("an earlier day")
        .into_inner();
    assert_eq!(before.certified_in_year, 0);

    // The events behind T5 are the school's, up to its certification and after: never the hall's.
    let behind = &listed.certified_in_year_event_ids;
    assert!(
        registered[0].iter().all(|id| behind.contains(id)),
        "{behind:?}"
    );
    assert!(certified.iter().all(|id| behind.contains(id)), "{behind:?}");
    assert!(
        !registered[1].iter().any(|id| behind.contains(id)),
        "{behind:?}"
    );
    // Read today as the ledger knew it before the certification was recorded, T5 has none; and
    // before anything was recorded, there are no shelters at all.
    let known_at = |known_at: &hl_proto::Timestamp| {
        let mut client = ledger.clone();
        let known_at = *known_at;
        async move {
            client
                .list_shelters(by_inspector(ledger::ListSheltersRequest {
                    year: today.year(),
                    known_at: Some(known_at),
                    ..Default::default()
                }))
                .await
                .map(tonic::Response::into_inner)
        }
    };
    let then = known_at(&before_certification)
        .await
        .expect("as then known");
    assert_eq!(
        (
            then.shelters,
            then.certified,
            then.certified_in_year,
            then.open
        ),
        (2, 0, 0, 0)
    );
    assert!(then.certified_in_year_event_ids.is_empty());
    assert_eq!(then.known_at, Some(before_certification));
    let nothing_yet = known_at(&before_any).await.expect("before anything");
    assert_eq!((nothing_yet.shelters, nothing_yet.total_size), (0, 0));
    let refused = known_at(&hl_proto::Timestamp {
        seconds: 0,
        nanos: 0,
    })
    .await
    .unwrap_err();
    assert_eq!(violated_fields(&refused), ["known_at"]);
}

fn team(
    team_id: &str,
    level: pb::TeamLevel,
    township_code: &str,
) -> pb::EstablishRescueTeamRequest {
    pb::EstablishRescueTeamRequest {
        request_id: format!("establish-{team_id}"),
        team_id: team_id.into(),
        title: format!("{team_id} 综合应急救援队"),
        level: level as i32,
        kind: pb::TeamKind::Comprehensive as i32,
        township_code: township_code.into(),
        established_on: Some((today() - chrono::Days::new(10)).into()),
        ..Default::default()
    }
}

/// The field names of an INVALID_ARGUMENT's violations.
fn violated_fields(status: &tonic::Status) -> Vec<String> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    hl_testkit::fields(status)
}

/// A suite of its own over the fixture district with no enterprises, and its plans and ledger
/// clients; the server, the data folder and the suite live as long as the test holds them.
async fn fixture_district_suite() -> (
    NatsServer,
    tempfile::TempDir,
    Suite,
    PlansServiceClient<Channel>,
    LedgerServiceClient<Channel>,
) {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = Suite::without_demo(&nats.url(), &unique_namespace(), data_dir.path(), None).await;
    let channel = suite.channel().await;
    register_district(channel.clone(), &[]).await;
    let plans = PlansServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);
    (nats, data_dir, suite, plans, ledger)
}

#[tokio::test]
async fn rescue_teams_give_t8_and_the_township_coverage_of_t9() {
    let (_nats, _data_dir, _suite, mut plans, ledger) = fixture_district_suite().await;

    let refused = plans
        .establish_rescue_team(by_inspector(team("nowhere", pb::TeamLevel::Township, "")))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&refused), ["township_code"]);
    plans
        .establish_rescue_team(by_inspector(team("district", pb::TeamLevel::District, "")))
        .await
        .expect("the district team");
    plans
        .establish_rescue_team(by_inspector(team(
            "shenjiamen",
            pb::TeamLevel::Township,
            TOWNSHIP,
        )))
        .await
        .expect("a township team");
    let twice = plans
        .set_team_roster(by_inspector(pb::SetTeamRosterRequest {
            request_id: "roster".into(),
            name: "rescueTeams/shenjiamen".into(),
            person_ids: vec!["officer-1".into(), "officer-1".into()],
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&twice), ["person_ids[1]"]);

    let coverage = |day: Option<chrono::NaiveDate>| {
        let ledger = ledger.clone();
        async move {
            ledger
                .clone()
                .get_team_coverage(by_inspector(ledger::GetTeamCoverageRequest {
                    day: day.map(Into::into),
                    ..Default::default()
                }))
                .await
                .ok()
                .map(tonic::Response::into_inner)
        }
    };
    let read = wait_until("both teams in the ledger", WAIT, || async {
        coverage(None).await.filter(|read| read.teams_serving == 2)
    })
    .await;
    assert!(read.district_team_established);
    assert_eq!(read.district_teams, ["rescueTeams/district"]);
    assert_eq!((read.townships_covered, read.townships_total), (1, 2));
    assert_eq!(read.coverage, Some(0.5));
    let uncovered: Vec<&str> = read
        .townships
        .iter()
        .filter(|township| !township.covered)
        .map(|township| township.township_code.as_str())
        .collect();
    assert_eq!(uncovered, [OTHER_TOWNSHIP]);

    // Disbanded today: it no longer serves today, and still served yesterday.
    plans
        .disband_rescue_team(by_inspector(pb::DisbandRescueTeamRequest {
            request_id: "disband".into(),
            name: "rescueTeams/shenjiamen".into(),
            reason: "并入区综合队".into(),
            ..Default::default()
        }))
        .await
        .expect("disband");
    let after = wait_until("the team disbanded in the ledger", WAIT, || async {
        coverage(None).await.filter(|read| read.teams_serving == 1)
    })
    .await;
    assert_eq!(after.townships_covered, 0);
    let yesterday = coverage(Some(today() - chrono::Days::new(1)))
        .await
        .expect("yesterday");
    assert_eq!(
        (yesterday.teams_serving, yesterday.townships_covered),
        (2, 1)
    );
    let before = coverage(Some(today() - chrono::Days::new(11)))
        .await
        .expect("before they were established");
    assert_eq!(before.teams_serving, 0);
}

fn attendees(
    keys: std::ops::Range<u32>,
    role: pb::TraineeRole,
    industry: Industry,
) -> Vec<pb::Attendee> {
    keys.map(|key| pb::Attendee {
        person_key: format!("person-{key}"),
        role: role as i32,
        industry: industry as i32,
    })
    .collect()
}

#[tokio::test]
async fn training_counts_each_person_once_per_campaign_against_t12() {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = Suite::without_demo(&nats.url(), &unique_namespace(), data_dir.path(), None).await;
    let channel = suite.channel().await;
    let mut plans = PlansServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);
    let today = today();
    plans
        .open_training_campaign(by_inspector(pb::OpenTrainingCampaignRequest {
            request_id: "open".into(),
            campaign_id: "safety".into(),
            title: "百万员工安全大培训".into(),
            year: today.year(),
            target: 7000,
            ..Default::default()
        }))
        .await
        .expect("open");
    let session = |id: &str, attendees: Vec<pb::Attendee>| pb::RecordTrainingSessionRequest {
        request_id: format!("session-{id}"),
        name: "trainingCampaigns/safety".into(),
        session_id: id.into(),
        held_on: Some(today.into()),
        topic: "安全生产培训".into(),
        attendees,
        ..Default::default()
    };
    // 30 ammonia-refrigeration operators, then 20 shipyard contractors with 10 of the operators
    // again: 50 persons.
    plans
        .record_training_session(by_inspector(session(
            "ammonia",
            attendees(
                0..30,
                pb::TraineeRole::Operator,
                Industry::AmmoniaRefrigeration,
            ),
        )))
        .await
        .expect("first session");
    let mut second = attendees(
        100..120,
        pb::TraineeRole::Contractor,
        Industry::ShipbuildingAndRepair,
    );
    second.extend(attendees(
        0..10,
        pb::TraineeRole::Operator,
        Industry::AmmoniaRefrigeration,
    ));
    plans
        .record_training_session(by_inspector(session("shipyard", second)))
        .await
        .expect("second session");
    let mut twice = attendees(200..202, pb::TraineeRole::Employee, Industry::Other);
    twice.push(twice[0].clone());
    let refused = plans
        .record_training_session(by_inspector(session("twice", twice)))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&refused), ["attendees[2].person_key"]);

    let totals = training_totals_when(
        &ledger,
        today.year(),
        "the campaign in the ledger",
        |totals| totals.trained == 50,
    )
    .await;
    assert_eq!(
        (
            totals.ammonia_refrigeration_operators,
            totals.shipyard_contractors
        ),
        (30, 20)
    );
    assert_eq!((totals.target, totals.target_met), (7000, false));
    assert_eq!(totals.campaigns[0].campaign, "trainingCampaigns/safety");

    // A second campaign trains 10 of the same operators again and 5 new persons: it counts 15
    // in its own row, and the district 55 persons, not 65.
    plans
        .open_training_campaign(by_inspector(pb::OpenTrainingCampaignRequest {
            request_id: "open-second".into(),
            campaign_id: "second".into(),
            title: "涉氨制冷专项培训".into(),
            year: today.year(),
            target: 100,
            ..Default::default()
        }))
        .await
        .expect("open the second campaign");
    let mut again = attendees(
        0..10,
        pb::TraineeRole::Operator,
        Industry::AmmoniaRefrigeration,
    );
    again.extend(attendees(
        500..505,
        pb::TraineeRole::Employee,
        Industry::Other,
    ));
    plans
        .record_training_session(by_inspector(pb::RecordTrainingSessionRequest {
            name: "trainingCampaigns/second".into(),
            ..session("again", again)
        }))
        .await
        .expect("the second campaign's session");
    let totals = training_totals_when(
        &ledger,
        today.year(),
        "the second campaign in the ledger",
        |totals| totals.campaigns.len() == 2 && totals.campaigns[1].trained == 15,
    )
    .await;
    let each: Vec<u32> = totals.campaigns.iter().map(|row| row.trained).collect();
    assert_eq!(each, [50, 15]);
    assert_eq!(
        (totals.trained, totals.ammonia_refrigeration_operators),
        (55, 30)
    );
}

/// Polls the year's training totals until they pass a check.
async fn training_totals_when(
    ledger: &LedgerServiceClient<Channel>,
    year: i32,
    what: &str,
    check: impl Fn(&ledger::TrainingTotals) -> bool,
) -> ledger::TrainingTotals {
    wait_until(what, WAIT, || {
        let mut client = ledger.clone();
        let check = &check;
        async move {
            let totals = client
                .get_training_totals(by_inspector(ledger::GetTrainingTotalsRequest {
                    year,
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            check(&totals).then_some(totals)
        }
    })
    .await
}

fn accident(
    accident_id: &str,
    happened_at: chrono::DateTime<chrono::Utc>,
    deaths: u32,
) -> pb::RecordAccidentRequest {
    pb::RecordAccidentRequest {
        request_id: format!("accident-{accident_id}"),
        accident_id: accident_id.into(),
        title: "液氨泄漏".into(),
        happened_at: Some(hl_proto::timestamp(happened_at)),
        township_code: TOWNSHIP.into(),
        place: "沈家门冷库".into(),
        figures: Some(pb::AccidentFigures {
            deaths,
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn revise(request_id: &str, deaths: u32, reason: &str) -> pb::ReviseAccidentFiguresRequest {
    pb::ReviseAccidentFiguresRequest {
        request_id: request_id.into(),
        name: "accidents/cold-store".into(),
        figures: Some(pb::AccidentFigures {
            deaths,
            serious_injuries: 1,
            direct_loss_fen: 300_000_000,
        }),
        reason: reason.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_relatively_major_accident_proposes_a_case_and_counts_against_the_year_before() {
    let nats = NatsServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let suite = Suite::without_demo(&nats.url(), &unique_namespace(), data_dir.path(), None).await;
    let channel = suite.channel().await;
    register_district(channel.clone(), &[Registered::cold_store(ENTERPRISE)]).await;
    register_unit(channel.clone(), "brigade-1").await;
    register_officers_in(channel.clone(), "brigade-1", &["officer-1"], (2035, 12, 31)).await;
    let mut plans = PlansServiceClient::new(channel.clone());
    let mut duties = ResponsibilityServiceClient::new(channel.clone());
    let ledger = LedgerServiceClient::new(channel);
    let today = today();
    let start_of_year = chrono::NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap();
    duties
        .assign_responsibility(by_administrator(duties_pb::AssignResponsibilityRequest {
            request_id: "assign".into(),
            object: Some(duties_pb::ResponsibilityObject {
                kind: duties_pb::ObjectKind::Enterprise as i32,
                object_id: ENTERPRISE.into(),
            }),
            assignment_id: "assign".into(),
            person_id: "officer-1".into(),
            duties: vec![duties_pb::Duty::ResponsibleOfficer as i32],
            valid_from: Some(start_of_year.into()),
            ..Default::default()
        }))
        .await
        .expect("officer-1 answers for the enterprise");

    // Bad input changes nothing and names every field; an enterprise records no accident.
    let refused = plans
        .record_accident(by_inspector(pb::RecordAccidentRequest {
            township_code: "123".into(),
            hazards: vec!["h-1".into(), "hazards/h-1".into(), "hazards/h-1".into()],
            figures: None,
            happened_at: None,
            ..accident("bad", chrono::Utc::now(), 0)
        }))
        .await
        .unwrap_err();
    let mut fields = violated_fields(&refused);
    fields.sort();
    assert_eq!(
        fields,
        [
            "figures",
            "happened_at",
            "hazards[0]",
            "hazards[2]",
            "township_code"
        ]
    );
    let stranger = plans
        .record_accident(by_enterprise(
            accident("mine", chrono::Utc::now(), 0),
            ENTERPRISE,
        ))
        .await
        .unwrap_err();
    assert_eq!(stranger.code(), Code::PermissionDenied, "{stranger:?}");

    // The year before: two accidents by the same day, one death.
    let a_year_ago = today
        .with_year(today.year() - 1)
        .unwrap_or_else(|| today - chrono::Days::new(366));
    let morning = a_year_ago.and_hms_opt(0, 30, 0).unwrap().and_utc();
    for (accident_id, deaths) in [("last-1", 1), ("last-2", 0)] {
        plans
            .record_accident(by_inspector(accident(accident_id, morning, deaths)))
            .await
            .expect("last year's accident");
    }
    // This year: one accident at the enterprise, two deaths (一般) until a later report says
    // a third person died (较大).
    let happened_at = chrono::Utc::now() - chrono::Duration::minutes(1);
    let recorded = plans
        .record_accident(by_inspector(pb::RecordAccidentRequest {
            enterprise_id: ENTERPRISE.into(),
            hazards: vec!["hazards/h-1".into()],
            ..accident("cold-store", happened_at, 2)
        }))
        .await
        .expect("this year's accident")
        .into_inner()
        .accident
        .unwrap();
    assert_eq!(recorded.grade(), pb::AccidentGrade::General);
    let revised = plans
        .revise_accident_figures(by_inspector(revise(
            "third-death",
            3,
            "一名重伤人员抢救无效死亡",
        )))
        .await
        .expect("the later report")
        .into_inner()
        .accident
        .unwrap();
    assert_eq!(revised.grade(), pb::AccidentGrade::RelativelyMajor);

    let case = wait_until("the accident's proposal", WAIT, || {
        let mut client = duties.clone();
        async move {
            client
                .get_accountability_case(by_inspector(duties_pb::GetAccountabilityCaseRequest {
                    name: "accountabilityCases/accident-cold-store".into(),
                    ..Default::default()
                }))
                .await
                .ok()
                .map(tonic::Response::into_inner)
        }
    })
    .await;
    assert_eq!(case.trigger(), duties_pb::AccountabilityTrigger::Accident);
    assert_eq!(case.subject_id, "officer-1");
    assert_eq!(case.evidence, ["accidents/cold-store", "hazards/h-1"]);

    let totals = accident_totals_when(&ledger, today, "the later report in the ledger", |totals| {
        totals
            .this_year
            .as_ref()
            .is_some_and(|year| year.deaths == 3)
    })
    .await;
    let this_year = totals.this_year.clone().unwrap();
    let year_before = totals.year_before.clone().unwrap();
    assert_eq!((this_year.accidents, this_year.deaths), (1, 3));
    assert_eq!(this_year.counted, ["accidents/cold-store"]);
    assert_eq!((year_before.accidents, year_before.deaths), (2, 1));
    assert_eq!(
        year_before.counted,
        ["accidents/last-1", "accidents/last-2"]
    );
    assert_eq!(
        totals.no_relatively_major_accident(),
        ledger::TargetStatus::NotMet
    );
    assert_eq!(totals.relatively_major_or_worse, ["accidents/cold-store"]);
    assert_eq!(
        totals.fewer_deaths(),
        ledger::TargetStatus::NotMet,
        "3 deaths already pass the whole year before"
    );
    let year_end = chrono::NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap();
    let expected = if today == year_end {
        ledger::TargetStatus::Met
    } else {
        ledger::TargetStatus::NotYetDue
    };
    assert_eq!(totals.fewer_accidents(), expected);

    // A report that lowers the figures regrades the accident, keeps both reports on the record,
    // and does not take the proposed case back.
    plans
        .revise_accident_figures(by_inspector(revise("recount", 2, "复核死亡人数")))
        .await
        .expect("the lowering report");
    let totals = accident_totals_when(&ledger, today, "the lowered figures", |totals| {
        totals
            .this_year
            .as_ref()
            .is_some_and(|year| year.deaths == 2)
    })
    .await;
    assert!(totals.relatively_major_or_worse.is_empty());
    let history = plans
        .get_accident(by_inspector(pb::GetAccidentRequest {
            name: "accidents/cold-store".into(),
            ..Default::default()
        }))
        .await
        .expect("the accident")
        .into_inner();
    assert_eq!(history.revisions.len(), 2);
    assert_eq!(history.first_reported.unwrap().deaths, 2);
    let still = duties
        .get_accountability_case(by_inspector(duties_pb::GetAccountabilityCaseRequest {
            name: "accountabilityCases/accident-cold-store".into(),
            ..Default::default()
        }))
        .await
        .expect("the case stays")
        .into_inner();
    assert_eq!(still.status(), duties_pb::AccountabilityStatus::Proposed);
}

/// Polls the accident totals of a day's year until they pass a check.
async fn accident_totals_when(
    ledger: &LedgerServiceClient<Channel>,
    day: chrono::NaiveDate,
    what: &str,
    check: impl Fn(&ledger::AccidentTotals) -> bool,
) -> ledger::AccidentTotals {
    wait_until(what, WAIT, || {
        let mut client = ledger.clone();
        let check = &check;
        async move {
            let totals = client
                .get_accident_totals(by_inspector(ledger::GetAccidentTotalsRequest {
                    year: day.year(),
                    day: Some(day.into()),
                    ..Default::default()
                }))
                .await
                .ok()?
                .into_inner();
            check(&totals).then_some(totals)
        }
    })
    .await
}

#[tokio::test]
async fn a_township_without_a_centre_counts_for_t11_by_its_command_readiness_check() {
    let (_nats, _data_dir, _suite, mut plans, ledger) = fixture_district_suite().await;
    let today = today();
    let check =
        |request_id: &str, township: &str, equipment: bool, on| pb::CheckCommandReadinessRequest {
            request_id: request_id.into(),
            township_code: township.into(),
            checked_on: Some(on),
            command_venue: true,
            duty_team: true,
            equipment,
            note: String::new(),
        };

    // Something short needs a note; a check is not dated ahead; an officer checks their own
    // township only.
    let refused = plans
        .check_command_readiness(by_inspector(check("short", TOWNSHIP, false, today.into())))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&refused), ["note"]);
    let ahead = plans
        .check_command_readiness(by_inspector(check(
            "ahead",
            TOWNSHIP,
            true,
            (today + chrono::Days::new(1)).into(),
        )))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&ahead), ["checked_on"]);
    let stranger = plans
        .check_command_readiness(hl_testkit::as_actor(
            check("stranger", OTHER_TOWNSHIP, true, today.into()),
            &hl_testkit::actors::township_officer(TOWNSHIP),
        ))
        .await
        .unwrap_err();
    assert_eq!(stranger.code(), Code::PermissionDenied, "{stranger:?}");

    // Two days ago the equipment fell short; today all three are to standard.
    let two_days_ago = today - chrono::Days::new(2);
    plans
        .check_command_readiness(by_inspector(pb::CheckCommandReadinessRequest {
            note: "应急照明和卫星电话未配齐".into(),
            ..check("first", TOWNSHIP, false, two_days_ago.into())
        }))
        .await
        .expect("a check that found the equipment short");
    plans
        .check_command_readiness(by_inspector(check("second", TOWNSHIP, true, today.into())))
        .await
        .expect("a check to standard");

    let centres_on = |day: chrono::NaiveDate| {
        let ledger = ledger.clone();
        wait_until("the readiness checks", WAIT, move || {
            let mut ledger = ledger.clone();
            async move {
                let listed = ledger
                    .list_emergency_centres(by_inspector(ledger::ListEmergencyCentresRequest {
                        day: Some(day.into()),
                        ..Default::default()
                    }))
                    .await
                    .ok()?
                    .into_inner();
                let ours = listed
                    .centres
                    .iter()
                    .find(|centre| centre.township_code == TOWNSHIP)?;
                // Each day asked has a check of its own: wait until that one is read.
                let check = ours.command_readiness.as_ref()?;
                (check.checked_on == Some(day.into())).then_some(listed)
            }
        })
    };
    let earlier = centres_on(two_days_ago).await;
    assert_eq!(earlier.to_standard, 0);
    let listed = centres_on(today).await;
    assert_eq!((listed.to_standard, listed.townships), (1, 2));
    assert_eq!(listed.to_standard_share, Some(0.5));
    let ours = &listed.centres[0];
    assert_eq!(ours.township_code, TOWNSHIP);
    assert!(!ours.established && ours.to_standard);
    assert!(
        !listed.centres[1].to_standard,
        "the other township has no check"
    );
}
