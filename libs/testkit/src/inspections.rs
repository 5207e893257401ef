//! Inspections as a test records them through the enforcement API, and what the hazards context
//! makes of their findings: the requests, the hazard a finding becomes, and how often the
//! hazards stream reports it (which must be once).

use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use hl_eventstore::EventStore;
use hl_proto::common::v1::{Date, EvidenceRef};
use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::enforcement_service_client::EnforcementServiceClient;
use hl_proto::hazards::v1 as hazards;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use tonic::transport::Channel;

use crate::actors::{ENTERPRISE, REGION, by_enterprise, by_inspector};
use crate::wait_until;

/// The two officers of the fixtures ([`crate::fixtures::register_officers`]); officer-1 is the
/// test inspector.
pub const TEAM: [&str; 2] = ["officer-1", "officer-2"];

/// Today in Asia/Shanghai.
pub fn today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// A day `days` after today, as the API takes it.
pub fn in_days(days: u64) -> Option<Date> {
    Some(Date::from(today() + Days::new(days)))
}

fn name(inspection_id: &str) -> String {
    format!("inspections/{inspection_id}")
}

/// A planned inspection of the fixture enterprise today by `officers`.
pub fn schedule(inspection_id: &str, officers: &[&str]) -> pb::ScheduleInspectionRequest {
    pb::ScheduleInspectionRequest {
        request_id: format!("schedule-{inspection_id}"),
        inspection_id: inspection_id.into(),
        r#type: pb::InspectionType::Planned as i32,
        enterprise_id: ENTERPRISE.into(),
        scheduled_on: in_days(0),
        officer_ids: officers.iter().map(|officer| officer.to_string()).collect(),
        ..Default::default()
    }
}

/// A general fire-safety finding.
pub fn finding(inspection_id: &str, finding_id: &str) -> pb::RecordFindingRequest {
    pb::RecordFindingRequest {
        request_id: format!("find-{inspection_id}-{finding_id}"),
        name: name(inspection_id),
        finding_id: finding_id.into(),
        category: hazards::HazardCategory::FireSafety as i32,
        level: hazards::HazardLevel::General as i32,
        level_criterion: "一般事故隐患".into(),
        location: "二号冷库".into(),
        description: "冷库安全出口被货物堵塞".into(),
        ..Default::default()
    }
}

/// An order to rectify within `days`, followed up the day after.
pub fn order(
    inspection_id: &str,
    finding_id: &str,
    days: u64,
) -> pb::IssueRectificationOrderRequest {
    pb::IssueRectificationOrderRequest {
        request_id: format!("order-{inspection_id}-{finding_id}"),
        name: name(inspection_id),
        finding_id: finding_id.into(),
        order: Some(pb::FindingOrder {
            document_number: format!("舟普应急责改〔2026〕{inspection_id}-{finding_id}号"),
            deadline: in_days(days),
            follow_up_on: in_days(days + 1),
            measures: "清理通道".into(),
        }),
        ..Default::default()
    }
}

pub fn complete(inspection_id: &str) -> pb::CompleteInspectionRequest {
    pb::CompleteInspectionRequest {
        request_id: format!("complete-{inspection_id}"),
        name: name(inspection_id),
        ..Default::default()
    }
}

pub fn follow_up(
    inspection_id: &str,
    finding_id: &str,
    result: pb::FollowUpResult,
    note: &str,
) -> pb::RecordFollowUpRequest {
    pb::RecordFollowUpRequest {
        request_id: format!("follow-up-{inspection_id}-{finding_id}-{}", result as i32),
        name: name(inspection_id),
        finding_id: finding_id.into(),
        result: result as i32,
        note: note.into(),
        ..Default::default()
    }
}

/// Schedules and starts an inspection by the [`TEAM`], and records its findings.
pub async fn inspect(
    client: &mut EnforcementServiceClient<Channel>,
    inspection_id: &str,
    findings: &[&str],
) {
    client
        .schedule_inspection(by_inspector(schedule(inspection_id, &TEAM)))
        .await
        .expect("schedule");
    client
        .start_inspection(by_inspector(pb::StartInspectionRequest {
            request_id: format!("start-{inspection_id}"),
            name: name(inspection_id),
            ..Default::default()
        }))
        .await
        .expect("start");
    for finding_id in findings {
        client
            .record_finding(by_inspector(finding(inspection_id, finding_id)))
            .await
            .expect("record a finding");
    }
}

/// The hazard once the hazards context has it in `status`, within `timeout`.
pub async fn hazard_in(
    client: &HazardsServiceClient<Channel>,
    hazard_id: &str,
    status: hazards::HazardStatus,
    timeout: Duration,
) -> hazards::Hazard {
    wait_until(
        &format!("hazards/{hazard_id} to be {status:?}"),
        timeout,
        || {
            let mut client = client.clone();
            async move {
                let hazard = client
                    .get_hazard(by_inspector(hazards::GetHazardRequest {
                        name: format!("hazards/{hazard_id}"),
                        ..Default::default()
                    }))
                    .await
                    .ok()?
                    .into_inner();
                (hazard.status == status as i32).then_some(hazard)
            }
        },
    )
    .await
}

/// The fixture enterprise reports a hazard rectified, with a photo.
pub async fn claim_rectified(client: &mut HazardsServiceClient<Channel>, hazard_id: &str) {
    client
        .claim_rectification(by_enterprise(
            hazards::ClaimRectificationRequest {
                request_id: format!("claim-{hazard_id}"),
                name: format!("hazards/{hazard_id}"),
                note: "已整改".into(),
                evidence: vec![EvidenceRef {
                    sha256: "c".repeat(64),
                    media_type: "image/jpeg".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
            ENTERPRISE,
        ))
        .await
        .expect("the enterprise reports it rectified");
}

/// How many events on the hazards stream report the hazard: a finding's must be one.
pub async fn reports_of(store: &EventStore, hazard_id: &str) -> usize {
    store
        .ensure_context_stream("hazards")
        .await
        .expect("the hazards stream");
    let subject = store
        .namespace()
        .aggregate_subject(REGION, "hazards", "hazard", hazard_id);
    let (mut after, mut reports) = (0, 0);
    while let Some(message) = store
        .next_message("hazards", &subject, after, false)
        .await
        .expect("read the hazard's commits")
    {
        after = message.sequence;
        let commit: hl_proto::events::v1::Commit =
            prost::Message::decode(message.payload.as_ref()).expect("a commit");
        reports += commit
            .events
            .iter()
            .filter(|event| event.event_type == "hazard_ledger.hazards.v1.HazardReported")
            .count();
    }
    reports
}
