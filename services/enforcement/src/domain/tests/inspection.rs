//! The Inspection: `Scheduled → InProgress → Completed`, its findings, orders and follow-ups.

use hl_domain::Given;
use hl_proto::common::v1::{Actor, Date};
use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::{FollowUpResult, InspectionStatus, InspectionType};
use hl_proto::hazards::v1::{HazardCategory, HazardLevel, HazardStatus};
use hl_proto::responsibility::v1::EnterpriseStatus;

use super::*;
use crate::domain::inspection::{
    CitedEntry, Inspection, InspectionCommand, InspectionEvent, NewFinding, ScheduleInspection,
    hazard_id_of,
};

fn schedule_on(scheduled_on: &str, officers: Vec<Officer>) -> InspectionCommand {
    InspectionCommand::Schedule(ScheduleInspection {
        region: "330903".into(),
        enterprise: enterprise_standing(),
        inspection_type: InspectionType::Planned,
        scheduled_on: day(scheduled_on),
        officers,
        draw: None,
        plan: None,
    })
}

fn scheduled() -> Given<Inspection> {
    Given::<Inspection>::new("insp-1").given(
        &schedule_on("2026-05-12", team()),
        &inspector(),
        noon("2026-05-10"),
    )
}

fn started() -> Given<Inspection> {
    scheduled().given(&InspectionCommand::Start, &inspector(), noon("2026-05-12"))
}

fn finding(finding_id: &str) -> NewFinding {
    NewFinding {
        finding_id: finding_id.into(),
        category: HazardCategory::FireSafety,
        level: HazardLevel::General,
        level_criterion: "一般事故隐患".into(),
        location: "二号仓库".into(),
        description: "消防通道堵塞".into(),
        ..NewFinding::default()
    }
}

fn order(deadline: &str, follow_up_on: &str) -> InspectionCommand {
    InspectionCommand::IssueOrder {
        finding_id: "f-1".into(),
        order: pb::FindingOrder {
            document_number: "舟普应急责改〔2026〕12号".into(),
            deadline: Some(Date::from(day(deadline))),
            follow_up_on: Some(Date::from(day(follow_up_on))),
            measures: "清理通道".into(),
        },
    }
}

/// Found, ordered to rectify by 2026-05-26, and the inspection completed.
fn ordered_and_completed() -> Given<Inspection> {
    started()
        .given(
            &InspectionCommand::RecordFinding(finding("f-1")),
            &inspector(),
            noon("2026-05-12"),
        )
        .given(
            &order("2026-05-26", "2026-05-27"),
            &inspector(),
            noon("2026-05-12"),
        )
        .given(
            &InspectionCommand::Complete,
            &inspector(),
            noon("2026-05-12"),
        )
}

fn follow_up(result: FollowUpResult, note: &str, hazard_status: HazardStatus) -> InspectionCommand {
    InspectionCommand::RecordFollowUp {
        finding_id: "f-1".into(),
        result,
        note: note.into(),
        evidence: Vec::new(),
        hazard_status,
    }
}

#[test]
fn scheduling_takes_two_certified_officers_and_an_open_enterprise() {
    let new = Given::<Inspection>::new("insp-1");
    let events = new
        .when(
            &schedule_on("2026-05-12", team()),
            &inspector(),
            noon("2026-05-10"),
        )
        .unwrap();
    assert_eq!(names(&events), ["InspectionScheduled"]);
    let InspectionEvent::Scheduled(scheduled) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(scheduled.township_code, TOWNSHIP);
    assert_eq!(scheduled.officer_ids, ["officer-1", "officer-2"]);

    let alone = vec![officer("officer-1", "2030-12-31")];
    let refused = new.when(
        &schedule_on("2026-05-12", alone),
        &inspector(),
        noon("2026-05-10"),
    );
    assert_eq!(reason(refused), "INVALID_ARGUMENT");

    // A certificate that lapses before the inspection day is named.
    let lapsing = vec![
        officer("officer-1", "2030-12-31"),
        officer("officer-2", "2026-05-11"),
    ];
    let refusal = new
        .when(
            &schedule_on("2026-05-12", lapsing),
            &inspector(),
            noon("2026-05-10"),
        )
        .unwrap_err();
    assert_eq!(refusal.reason(), "OFFICER_CERTIFICATE_INVALID");
    assert!(refusal.to_string().contains("officer-2"), "{refusal}");

    let InspectionCommand::Schedule(mut closed) = schedule_on("2026-05-12", team()) else {
        unreachable!()
    };
    closed.enterprise.status = EnterpriseStatus::Closed;
    let refused = new.when(
        &InspectionCommand::Schedule(closed),
        &inspector(),
        noon("2026-05-10"),
    );
    assert_eq!(reason(refused), "ENTERPRISE_CLOSED");
}

#[test]
fn only_the_government_side_of_the_place_schedules() {
    let new = Given::<Inspection>::new("insp-1");
    let command = schedule_on("2026-05-12", team());
    assert_eq!(
        reason(new.when(&command, &enterprise(), noon("2026-05-10"))),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    assert_eq!(
        reason(new.when(&command, &inspector_elsewhere(), noon("2026-05-10"))),
        "OUTSIDE_JURISDICTION"
    );
    assert_eq!(
        reason(new.when(&command, &township_officer("330903002"), noon("2026-05-10"))),
        "OUTSIDE_JURISDICTION"
    );
}

#[test]
fn the_team_starts_records_and_completes_in_order() {
    let inspection = scheduled();
    let finding_now = InspectionCommand::RecordFinding(finding("f-1"));
    assert_eq!(
        reason(inspection.when(&finding_now, &inspector(), noon("2026-05-12"))),
        "INSPECTION_NOT_IN_PROGRESS"
    );
    assert_eq!(
        reason(inspection.when(
            &InspectionCommand::Complete,
            &inspector(),
            noon("2026-05-12")
        )),
        "INSPECTION_NOT_IN_PROGRESS"
    );
    // A bureau colleague who is not on the team cannot start it; an administrator can.
    let colleague = Actor {
        id: "officer-7".into(),
        ..inspector()
    };
    assert_eq!(
        reason(inspection.when(&InspectionCommand::Start, &colleague, noon("2026-05-12"))),
        "NOT_ON_THE_TEAM"
    );
    assert!(
        inspection
            .when(
                &InspectionCommand::Start,
                &administrator(),
                noon("2026-05-12")
            )
            .is_ok()
    );

    let mut inspection = started();
    assert_eq!(inspection.status, InspectionStatus::InProgress);
    assert_eq!(
        reason(inspection.when(&InspectionCommand::Start, &inspector(), noon("2026-05-12"))),
        "INSPECTION_NOT_SCHEDULED"
    );
    let events = inspection
        .then(&finding_now, &inspector(), noon("2026-05-12"))
        .unwrap();
    let InspectionEvent::FindingRecorded(found) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(found.hazard_id, hazard_id_of("insp-1", "f-1"));
    assert_eq!(found.enterprise_id, ENTERPRISE);
    assert_eq!(found.inspection_type(), InspectionType::Planned);
    assert_eq!(
        reason(inspection.when(&finding_now, &inspector(), noon("2026-05-12"))),
        "ALREADY_EXISTS"
    );
    inspection
        .then(
            &InspectionCommand::Complete,
            &inspector(),
            noon("2026-05-12"),
        )
        .unwrap();
    assert_eq!(inspection.status, InspectionStatus::Completed);
    assert_eq!(
        reason(inspection.when(
            &InspectionCommand::RecordFinding(finding("f-2")),
            &inspector(),
            noon("2026-05-12")
        )),
        "INSPECTION_NOT_IN_PROGRESS"
    );
}

#[test]
fn a_finding_is_graded_and_cites_only_the_enterprises_own_entry() {
    let inspection = started();
    let ungraded = NewFinding {
        level: HazardLevel::Unspecified,
        ..finding("f-1")
    };
    let refused = inspection.when(
        &InspectionCommand::RecordFinding(ungraded),
        &inspector(),
        noon("2026-05-12"),
    );
    assert_eq!(reason(refused), "INVALID_ARGUMENT");

    let citing = |entry: Option<CitedEntry>| {
        InspectionCommand::RecordFinding(NewFinding {
            cited_hazard_id: "self-7".into(),
            cited_entry: entry,
            ..finding("f-1")
        })
    };
    let own = CitedEntry {
        enterprise_id: ENTERPRISE.into(),
        self_check: true,
    };
    assert!(
        inspection
            .when(&citing(Some(own.clone())), &inspector(), noon("2026-05-12"))
            .is_ok()
    );
    for wrong in [
        None,
        Some(CitedEntry {
            enterprise_id: OTHER_ENTERPRISE.into(),
            ..own.clone()
        }),
        Some(CitedEntry {
            self_check: false,
            ..own.clone()
        }),
    ] {
        let refusal = inspection
            .when(&citing(wrong.clone()), &inspector(), noon("2026-05-12"))
            .unwrap_err();
        assert!(
            refusal.to_string().starts_with("cited_hazard_id"),
            "{wrong:?}: {refusal}"
        );
    }

    let long = NewFinding {
        finding_id: "f".repeat(60),
        ..finding("f-1")
    };
    let refusal = inspection
        .when(
            &InspectionCommand::RecordFinding(long),
            &inspector(),
            noon("2026-05-12"),
        )
        .unwrap_err();
    assert!(refusal.to_string().contains("at most 64"), "{refusal}");
}

#[test]
fn an_order_sets_a_deadline_after_the_day_and_a_follow_up_after_the_deadline() {
    let found = started().given(
        &InspectionCommand::RecordFinding(finding("f-1")),
        &inspector(),
        noon("2026-05-12"),
    );
    let refusal = found
        .when(
            &order("2026-05-11", "2026-05-27"),
            &inspector(),
            noon("2026-05-12"),
        )
        .unwrap_err();
    assert!(
        refusal.to_string().starts_with("order.deadline"),
        "{refusal}"
    );
    let refusal = found
        .when(
            &order("2026-05-26", "2026-05-20"),
            &inspector(),
            noon("2026-05-12"),
        )
        .unwrap_err();
    assert!(
        refusal.to_string().starts_with("order.follow_up_on"),
        "{refusal}"
    );
    let unknown = InspectionCommand::IssueOrder {
        finding_id: "f-9".into(),
        order: pb::FindingOrder::default(),
    };
    assert_eq!(
        reason(found.when(&unknown, &inspector(), noon("2026-05-12"))),
        "INVALID_ARGUMENT"
    );

    let mut found = found;
    let events = found
        .then(
            &order("2026-05-26", "2026-05-27"),
            &inspector(),
            noon("2026-05-12"),
        )
        .unwrap();
    let InspectionEvent::OrderIssued(issued) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(issued.hazard_id, "insp-1-f-1");
    assert_eq!(
        reason(found.when(
            &order("2026-05-26", "2026-05-27"),
            &inspector(),
            noon("2026-05-12")
        )),
        "ORDER_ALREADY_ISSUED"
    );
    // An order may also follow the inspection day, once the team has written it up.
    let completed = found.given(
        &InspectionCommand::Complete,
        &inspector(),
        noon("2026-05-12"),
    );
    assert_eq!(
        completed
            .finding("f-1")
            .unwrap()
            .order
            .as_ref()
            .unwrap()
            .document_number,
        "舟普应急责改〔2026〕12号"
    );
}

#[test]
fn a_follow_up_passes_only_a_rectification_the_enterprise_reported() {
    let inspection = ordered_and_completed();
    let passed = |status| follow_up(FollowUpResult::Passed, "", status);
    for not_reported in [HazardStatus::Unspecified, HazardStatus::Rectifying] {
        assert_eq!(
            reason(inspection.when(&passed(not_reported), &inspector(), noon("2026-05-27"))),
            "RECTIFICATION_NOT_REPORTED"
        );
    }
    let events = inspection
        .when(
            &passed(HazardStatus::AwaitingVerification),
            &inspector(),
            noon("2026-05-27"),
        )
        .unwrap();
    assert_eq!(names(&events), ["FollowUpRecorded"]);
    // Any government officer of the place may go; the enterprise may not.
    assert!(
        inspection
            .when(
                &passed(HazardStatus::AwaitingVerification),
                &township_officer(TOWNSHIP),
                noon("2026-05-27")
            )
            .is_ok()
    );
    assert_eq!(
        reason(inspection.when(
            &passed(HazardStatus::AwaitingVerification),
            &enterprise(),
            noon("2026-05-27")
        )),
        "GOVERNMENT_ROLE_REQUIRED"
    );
}

#[test]
fn a_failed_follow_up_says_why_and_is_recorded_once() {
    let mut inspection = ordered_and_completed();
    let silent = follow_up(FollowUpResult::Failed, " ", HazardStatus::Rectifying);
    assert_eq!(
        reason(inspection.when(&silent, &inspector(), noon("2026-05-27"))),
        "INVALID_ARGUMENT"
    );
    let failed = follow_up(
        FollowUpResult::Failed,
        "通道仍堵塞",
        HazardStatus::Rectifying,
    );
    inspection
        .then(&failed, &inspector(), noon("2026-05-27"))
        .unwrap();
    let recorded = inspection
        .finding("f-1")
        .unwrap()
        .follow_up
        .clone()
        .unwrap();
    assert_eq!(recorded.result(), FollowUpResult::Failed);
    assert_eq!(recorded.by.unwrap().id, "officer-1");
    assert_eq!(
        reason(inspection.when(&failed, &inspector(), noon("2026-05-28"))),
        "FOLLOW_UP_ALREADY_RECORDED"
    );
}

#[test]
fn a_follow_up_needs_a_completed_inspection_and_an_order() {
    let in_progress = started().given(
        &InspectionCommand::RecordFinding(finding("f-1")),
        &inspector(),
        noon("2026-05-12"),
    );
    let failed = follow_up(FollowUpResult::Failed, "未整改", HazardStatus::Rectifying);
    assert_eq!(
        reason(in_progress.when(&failed, &inspector(), noon("2026-05-27"))),
        "INSPECTION_NOT_COMPLETED"
    );
    let unordered = in_progress.given(
        &InspectionCommand::Complete,
        &inspector(),
        noon("2026-05-12"),
    );
    assert_eq!(
        reason(unordered.when(&failed, &inspector(), noon("2026-05-27"))),
        "NO_ORDER_TO_FOLLOW_UP"
    );
}
