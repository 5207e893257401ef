//! Given/when/then tests of the Hazard aggregate: every allowed transition and every forbidden
//! one, with the reason the API reports.

use chrono::{DateTime, NaiveDate, Utc};
use hl_proto::DomainEvent;
use hl_proto::common::v1::{Actor, EvidenceRef};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::{HazardLevel, HazardStatus, Provenance};

use super::{DeadlineSource, Hazard, HazardCommand, ListingOrder, ReportHazard, overdue_from};
use crate::domain::access::test_actors::*;
use hl_directory::Standing;
use hl_eventstore::Given;
use hl_proto::responsibility::v1::{EnterpriseDetails, EnterpriseStatus};

mod ledger_integrity;

const TOWNSHIP: &str = "330903001";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Reported on 2023-05-10 in Zhoushan.
fn reported_at() -> DateTime<Utc> {
    at("2023-05-10T02:00:00Z")
}

fn evidence() -> Vec<EvidenceRef> {
    vec![EvidenceRef {
        sha256: "ab".repeat(32),
        media_type: "image/jpeg".into(),
        ..EvidenceRef::default()
    }]
}

/// The time a step is taken: when the hazard was reported, or its last step if later.
fn time_of(hazard: &Given<Hazard>) -> DateTime<Utc> {
    hazard
        .last_occurred_at()
        .map_or(reported_at(), |last| last.max(reported_at()))
}

/// Decides and applies, as the repository would, at `now`.
fn step_at(
    hazard: Given<Hazard>,
    command: HazardCommand,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Given<Hazard> {
    hazard.given(&command, actor, now)
}

fn step(hazard: Given<Hazard>, command: HazardCommand, actor: &Actor) -> Given<Hazard> {
    let now = time_of(&hazard);
    step_at(hazard, command, actor, now)
}

/// The short names of the events a command produces.
fn accepted(hazard: &Given<Hazard>, command: HazardCommand, actor: &Actor) -> Vec<String> {
    hazard
        .when(&command, actor, time_of(hazard))
        .unwrap_or_else(|error| panic!("{command:?} refused: {error}"))
        .iter()
        .map(|event| event.event_type().rsplit('.').next().unwrap().to_string())
        .collect()
}

/// The reason a command is refused.
fn refused(hazard: &Given<Hazard>, command: HazardCommand, actor: &Actor) -> &'static str {
    match hazard.when(&command, actor, time_of(hazard)) {
        Ok(events) => panic!("{command:?} was accepted: {events:?}"),
        Err(error) => error.reason(),
    }
}

fn new_hazard() -> Given<Hazard> {
    Given::new("hz-1")
}

fn report(provenance: Provenance, level: HazardLevel) -> HazardCommand {
    HazardCommand::Report(ReportHazard {
        enterprise: Standing::registered(
            ENTERPRISE,
            EnterpriseDetails {
                township_code: TOWNSHIP.into(),
                ..EnterpriseDetails::default()
            },
        ),
        region: "330903".into(),
        provenance,
        source_type: pb::SourceType::Routine,
        category: pb::HazardCategory::AmmoniaRefrigeration,
        location: "cold store 2".into(),
        equipment: "ammonia valve".into(),
        description: "leaking valve".into(),
        level,
        level_criterion: if level == HazardLevel::Unspecified {
            String::new()
        } else {
            "criterion".into()
        },
        ..ReportHazard::default()
    })
}

fn reporter(provenance: Provenance) -> Actor {
    match provenance {
        Provenance::EnterpriseSelf => enterprise(),
        Provenance::UpstreamCommittee | Provenance::SensorPlatform => administrator(),
        _ => inspector(),
    }
}

fn reported(provenance: Provenance) -> Given<Hazard> {
    step(
        new_hazard(),
        report(provenance, HazardLevel::Unspecified),
        &reporter(provenance),
    )
}

fn graded(provenance: Provenance, level: HazardLevel) -> Given<Hazard> {
    step(
        new_hazard(),
        report(provenance, level),
        &reporter(provenance),
    )
}

fn plan(deadline: &str) -> HazardCommand {
    HazardCommand::PlanRectification(pb::RectificationPlan {
        measures: "replace the valve".into(),
        owner: "Wang".into(),
        funds_fen: 120_000,
        deadline: Some(day(deadline).into()),
        acceptance_standard: "no leak at 1.5x pressure".into(),
        acceptor: "safety officer".into(),
    })
}

fn order(deadline: &str) -> HazardCommand {
    HazardCommand::OrderRectification(pb::RectificationOrder {
        document_number: "舟普应急责改〔2023〕12号".into(),
        deadline: Some(day(deadline).into()),
        measures: "replace the valve".into(),
    })
}

fn remediation_plan() -> HazardCommand {
    HazardCommand::SubmitRemediationPlan(pb::RemediationPlan {
        goals_and_tasks: "remove the leak".into(),
        ..pb::RemediationPlan::default()
    })
}

fn claim() -> HazardCommand {
    HazardCommand::ClaimRectification {
        note: "done".into(),
        evidence: evidence(),
    }
}

fn verify() -> HazardCommand {
    HazardCommand::Verify {
        note: "checked".into(),
        evidence: evidence(),
    }
}

fn reject(new_deadline: Option<&str>) -> HazardCommand {
    HazardCommand::Reject {
        reason: "still leaking".into(),
        new_deadline: new_deadline.map(day),
    }
}

fn close() -> HazardCommand {
    HazardCommand::Close {
        note: "销号".into(),
    }
}

fn fix() -> HazardCommand {
    HazardCommand::FixOnSpot {
        note: "tightened".into(),
        evidence: evidence(),
    }
}

/// A self-check 一般 hazard being rectified under the enterprise's own plan.
fn self_rectifying() -> Given<Hazard> {
    step(
        graded(Provenance::EnterpriseSelf, HazardLevel::General),
        plan("2023-06-30"),
        &enterprise(),
    )
}

/// A government-found hazard under an order, level as given.
fn ordered(level: HazardLevel) -> Given<Hazard> {
    let hazard = graded(Provenance::GovernmentInspection, level);
    let hazard = step(hazard, order("2023-06-30"), &inspector());
    if level == HazardLevel::Major {
        step(hazard, remediation_plan(), &enterprise())
    } else {
        hazard
    }
}

fn awaiting(hazard: Given<Hazard>) -> Given<Hazard> {
    step(hazard, claim(), &enterprise())
}

fn listed(hazard: Given<Hazard>) -> Given<Hazard> {
    step(
        hazard,
        HazardCommand::MarkListed {
            supervision_order_id: "order-1".into(),
            level: pb::SupervisionLevel::District,
            order: Some(ListingOrder {
                status: pb::SupervisionOrderStatus::Listed,
                names_the_hazard: true,
            }),
        },
        &administrator(),
    )
}

fn suspended(hazard: Given<Hazard>) -> Given<Hazard> {
    step(
        hazard,
        HazardCommand::SuspendOperations {
            reason: "ammonia leak".into(),
        },
        &inspector(),
    )
}

// ---- Report ----

#[test]
fn an_enterprise_reports_in_its_own_ledger_graded_in_the_same_commit() {
    let events = accepted(
        &new_hazard(),
        report(Provenance::EnterpriseSelf, HazardLevel::General),
        &enterprise(),
    );
    assert_eq!(events, ["HazardReported", "HazardGraded"]);
    let hazard = graded(Provenance::EnterpriseSelf, HazardLevel::General);
    assert_eq!(hazard.lifecycle.status, HazardStatus::Graded);
    assert_eq!(hazard.facts.region, "330903");
    assert_eq!(hazard.facts.rule_version, "hazard-rules-2008-02-01");
    assert_eq!(
        hazard.reported.clone().unwrap().actor.unwrap().id,
        "principal-1"
    );
}

#[test]
fn an_inspector_records_a_government_finding() {
    let events = accepted(
        &new_hazard(),
        report(Provenance::GovernmentInspection, HazardLevel::Unspecified),
        &inspector(),
    );
    assert_eq!(events, ["HazardReported"]);
    assert_eq!(
        reported(Provenance::GovernmentInspection).lifecycle.status,
        HazardStatus::Reported
    );
}

#[test]
fn reporting_is_refused_outside_the_reporters_ledger_and_scope() {
    let new = new_hazard();
    assert_eq!(
        refused(
            &new,
            report(Provenance::GovernmentInspection, HazardLevel::General),
            &enterprise()
        ),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    assert_eq!(
        refused(
            &new,
            report(Provenance::EnterpriseSelf, HazardLevel::General),
            &other_enterprise()
        ),
        "ENTERPRISE_ONLY"
    );
    assert_eq!(
        refused(
            &new,
            report(Provenance::EnterpriseSelf, HazardLevel::General),
            &inspector()
        ),
        "ENTERPRISE_ONLY"
    );
    assert_eq!(
        refused(
            &new,
            report(Provenance::GovernmentInspection, HazardLevel::General),
            &inspector_elsewhere()
        ),
        "OUTSIDE_JURISDICTION"
    );
    assert_eq!(
        refused(
            &new,
            report(Provenance::UpstreamCommittee, HazardLevel::Major),
            &inspector()
        ),
        "BUREAU_ROLE_REQUIRED"
    );
    assert_eq!(
        refused(
            &new,
            report(Provenance::SensorPlatform, HazardLevel::Major),
            &inspector()
        ),
        "BUREAU_ROLE_REQUIRED"
    );
    let existing = reported(Provenance::EnterpriseSelf);
    assert_eq!(
        refused(
            &existing,
            report(Provenance::EnterpriseSelf, HazardLevel::General),
            &enterprise()
        ),
        "ALREADY_EXISTS"
    );
    let closed = Standing {
        status: EnterpriseStatus::Closed,
        ..Standing::registered(ENTERPRISE, EnterpriseDetails::default())
    };
    for (standing, reason) in [
        (Standing::unknown(ENTERPRISE), "ENTERPRISE_UNKNOWN"),
        (closed, "ENTERPRISE_CLOSED"),
    ] {
        let HazardCommand::Report(mut for_enterprise) =
            report(Provenance::GovernmentInspection, HazardLevel::General)
        else {
            unreachable!()
        };
        for_enterprise.enterprise = standing;
        assert_eq!(
            refused(&new, HazardCommand::Report(for_enterprise), &inspector()),
            reason
        );
    }
    let HazardCommand::Report(mut with_inspection) =
        report(Provenance::EnterpriseSelf, HazardLevel::General)
    else {
        unreachable!()
    };
    with_inspection.inspection_id = "insp-1".into();
    assert_eq!(
        refused(&new, HazardCommand::Report(with_inspection), &enterprise()),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn every_other_command_on_a_missing_hazard_is_not_found() {
    assert_eq!(refused(&new_hazard(), verify(), &inspector()), "NOT_FOUND");
}

// ---- Grade ----

#[test]
fn grading_moves_a_reported_hazard_and_regrading_keeps_the_status() {
    let hazard = step(
        reported(Provenance::EnterpriseSelf),
        HazardCommand::Grade {
            level: HazardLevel::General,
            criterion: "c".into(),
            reason: "regraded after review".into(),
        },
        &enterprise(),
    );
    assert_eq!(
        (hazard.lifecycle.status, hazard.lifecycle.level),
        (HazardStatus::Graded, HazardLevel::General)
    );
    let rectifying = self_rectifying();
    let regraded = step(
        rectifying,
        HazardCommand::Grade {
            level: HazardLevel::Major,
            criterion: "判定标准 第四条".into(),
            reason: "regraded after review".into(),
        },
        &inspector(),
    );
    assert_eq!(
        (regraded.lifecycle.status, regraded.lifecycle.level),
        (HazardStatus::Rectifying, HazardLevel::Major)
    );
    let unchanged = accepted(
        &regraded,
        HazardCommand::Grade {
            level: HazardLevel::Major,
            criterion: "判定标准 第四条".into(),
            reason: "regraded after review".into(),
        },
        &inspector(),
    );
    assert!(unchanged.is_empty());
}

#[test]
fn grading_is_refused_where_it_no_longer_applies_or_belongs_to_the_other_side() {
    let grade = |level| HazardCommand::Grade {
        level,
        criterion: "c".into(),
        reason: "regraded after review".into(),
    };
    assert_eq!(
        refused(
            &reported(Provenance::GovernmentInspection),
            grade(HazardLevel::General),
            &enterprise()
        ),
        "ENTERPRISE_CANNOT_GRADE_GOVERNMENT_FINDING"
    );
    let verified = step(
        awaiting(ordered(HazardLevel::General)),
        verify(),
        &inspector(),
    );
    assert_eq!(
        refused(&verified, grade(HazardLevel::Major), &inspector()),
        "HAZARD_ALREADY_RESOLVED"
    );
    let closed = step(verified, close(), &inspector());
    assert_eq!(
        refused(&closed, grade(HazardLevel::Major), &inspector()),
        "HAZARD_CLOSED"
    );
    let listed = listed(ordered(HazardLevel::Major));
    assert_eq!(
        refused(&listed, grade(HazardLevel::General), &inspector()),
        "HAZARD_LISTED"
    );
}

// ---- Rectification plan and order ----

#[test]
fn the_enterprise_plans_its_own_self_check_rectification_and_may_revise_it() {
    let hazard = self_rectifying();
    assert_eq!(hazard.lifecycle.status, HazardStatus::Rectifying);
    assert_eq!(hazard.lifecycle.deadline, Some(day("2023-06-30")));
    assert_eq!(hazard.lifecycle.deadline_source, DeadlineSource::Plan);
    let revised = step(hazard, plan("2023-07-15"), &enterprise());
    assert_eq!(revised.lifecycle.deadline, Some(day("2023-07-15")));
}

#[test]
fn a_plan_is_refused_before_grading_for_government_deadlines_and_for_others() {
    assert_eq!(
        refused(
            &reported(Provenance::EnterpriseSelf),
            plan("2023-06-30"),
            &enterprise()
        ),
        "HAZARD_NOT_GRADED"
    );
    assert_eq!(
        refused(
            &graded(Provenance::GovernmentInspection, HazardLevel::General),
            plan("2023-06-30"),
            &enterprise()
        ),
        "HAZARD_DEADLINE_SET_BY_ORDER"
    );
    let ordered_self = step(
        graded(Provenance::EnterpriseSelf, HazardLevel::General),
        order("2023-06-30"),
        &inspector(),
    );
    assert_eq!(
        refused(&ordered_self, plan("2023-07-30"), &enterprise()),
        "HAZARD_DEADLINE_SET_BY_ORDER"
    );
    let self_graded = graded(Provenance::EnterpriseSelf, HazardLevel::General);
    assert_eq!(
        refused(&self_graded, plan("2023-06-30"), &inspector()),
        "ENTERPRISE_ONLY"
    );
    assert_eq!(
        refused(&self_graded, plan("2023-05-01"), &enterprise()),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        refused(
            &awaiting(self_rectifying()),
            plan("2023-06-30"),
            &enterprise()
        ),
        "HAZARD_NOT_RECTIFIABLE"
    );
}

#[test]
fn the_government_orders_rectification_of_any_graded_hazard() {
    let hazard = ordered(HazardLevel::General);
    assert_eq!(
        (hazard.lifecycle.status, hazard.lifecycle.deadline_source),
        (HazardStatus::Rectifying, DeadlineSource::Order)
    );
    let self_check = step(
        graded(Provenance::EnterpriseSelf, HazardLevel::Major),
        order("2023-06-01"),
        &inspector(),
    );
    assert_eq!(self_check.lifecycle.deadline, Some(day("2023-06-01")));
}

#[test]
fn an_order_is_refused_to_enterprises_before_grading_and_after_a_claim() {
    let government = graded(Provenance::GovernmentInspection, HazardLevel::General);
    assert_eq!(
        refused(&government, order("2023-06-30"), &enterprise()),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    assert_eq!(
        refused(&government, order("2023-06-30"), &inspector_elsewhere()),
        "OUTSIDE_JURISDICTION"
    );
    assert_eq!(
        refused(
            &reported(Provenance::GovernmentInspection),
            order("2023-06-30"),
            &inspector()
        ),
        "HAZARD_NOT_GRADED"
    );
    assert_eq!(
        refused(
            &awaiting(ordered(HazardLevel::General)),
            order("2023-06-30"),
            &inspector()
        ),
        "HAZARD_NOT_RECTIFIABLE"
    );
}

// ---- Remediation plan, fix on the spot, claim ----

#[test]
fn a_major_hazard_needs_its_remediation_plan_before_a_claim() {
    let hazard = step(
        graded(Provenance::GovernmentInspection, HazardLevel::Major),
        order("2023-06-30"),
        &inspector(),
    );
    assert_eq!(
        refused(&hazard, claim(), &enterprise()),
        "REMEDIATION_PLAN_REQUIRED"
    );
    let planned = step(hazard, remediation_plan(), &enterprise());
    assert!(planned.remediation_plan.is_some());
    assert_eq!(
        awaiting(planned).lifecycle.status,
        HazardStatus::AwaitingVerification
    );
    assert_eq!(
        refused(
            &graded(Provenance::EnterpriseSelf, HazardLevel::General),
            remediation_plan(),
            &enterprise()
        ),
        "HAZARD_NOT_MAJOR"
    );
    assert_eq!(
        refused(
            &awaiting(ordered(HazardLevel::Major)),
            remediation_plan(),
            &enterprise()
        ),
        "HAZARD_NOT_RECTIFIABLE"
    );
}

#[test]
fn a_general_hazard_is_fixed_on_the_spot_and_an_ungraded_one_is_graded_general() {
    assert_eq!(
        accepted(
            &reported(Provenance::GovernmentInspection),
            fix(),
            &inspector()
        ),
        ["HazardGraded", "HazardFixedOnSpot"]
    );
    let fixed = step(
        graded(Provenance::EnterpriseSelf, HazardLevel::General),
        fix(),
        &enterprise(),
    );
    assert_eq!(
        (fixed.lifecycle.status, fixed.lifecycle.level),
        (HazardStatus::FixedOnSpot, HazardLevel::General)
    );
    assert!(fixed.verification.is_some());
}

#[test]
fn fixing_on_the_spot_is_refused_for_major_and_for_hazards_under_rectification() {
    assert_eq!(
        refused(
            &graded(Provenance::GovernmentInspection, HazardLevel::Major),
            fix(),
            &inspector()
        ),
        "HAZARD_MAJOR_CANNOT_BE_FIXED_ON_SPOT"
    );
    assert_eq!(
        refused(&self_rectifying(), fix(), &enterprise()),
        "HAZARD_NOT_FIXABLE_ON_SPOT"
    );
    assert_eq!(
        refused(
            &graded(Provenance::EnterpriseSelf, HazardLevel::General),
            fix(),
            &other_enterprise()
        ),
        "NOT_FOUND"
    );
}

#[test]
fn only_the_enterprise_claims_and_only_while_rectifying() {
    let claimed = awaiting(self_rectifying());
    assert_eq!(claimed.lifecycle.status, HazardStatus::AwaitingVerification);
    assert!(claimed.rectification_claim.is_some());
    assert_eq!(
        refused(&self_rectifying(), claim(), &inspector()),
        "ENTERPRISE_ONLY"
    );
    assert_eq!(
        refused(
            &graded(Provenance::EnterpriseSelf, HazardLevel::General),
            claim(),
            &enterprise()
        ),
        "HAZARD_NOT_RECTIFYING"
    );
}

// ---- Verify, reject, close ----

#[test]
fn the_enterprise_verifies_its_own_general_self_check_hazard() {
    let verified = step(awaiting(self_rectifying()), verify(), &enterprise());
    assert_eq!(verified.lifecycle.status, HazardStatus::Verified);
    let closed = step(verified, close(), &enterprise());
    assert_eq!(closed.lifecycle.status, HazardStatus::Closed);
    assert!(closed.lifecycle.closed_at.is_some());
}

#[test]
fn the_government_verifies_any_hazard_in_its_jurisdiction() {
    for hazard in [
        awaiting(self_rectifying()),
        awaiting(ordered(HazardLevel::General)),
        awaiting(ordered(HazardLevel::Major)),
    ] {
        assert_eq!(
            step(hazard, verify(), &inspector()).lifecycle.status,
            HazardStatus::Verified
        );
    }
    assert_eq!(
        step(
            awaiting(self_rectifying()),
            verify(),
            &township_officer(TOWNSHIP)
        )
        .lifecycle
        .status,
        HazardStatus::Verified
    );
}

#[test]
fn an_enterprise_cannot_verify_major_or_government_hazards() {
    let major_self = awaiting(step(
        step(
            graded(Provenance::EnterpriseSelf, HazardLevel::Major),
            order("2023-06-30"),
            &inspector(),
        ),
        remediation_plan(),
        &enterprise(),
    ));
    assert_eq!(
        refused(&major_self, verify(), &enterprise()),
        "ENTERPRISE_CANNOT_VERIFY"
    );
    assert_eq!(
        refused(
            &awaiting(ordered(HazardLevel::General)),
            verify(),
            &enterprise()
        ),
        "ENTERPRISE_CANNOT_VERIFY"
    );
    assert_eq!(
        refused(&awaiting(self_rectifying()), verify(), &other_enterprise()),
        "NOT_FOUND"
    );
    assert_eq!(
        refused(
            &awaiting(self_rectifying()),
            verify(),
            &township_officer("330903002")
        ),
        "OUTSIDE_JURISDICTION"
    );
    assert_eq!(
        refused(&self_rectifying(), verify(), &inspector()),
        "HAZARD_NOT_AWAITING_VERIFICATION"
    );
}

#[test]
fn a_rejection_reopens_the_rectification_with_an_optional_new_deadline() {
    let rejected = step(
        awaiting(ordered(HazardLevel::General)),
        reject(Some("2023-07-31")),
        &inspector(),
    );
    assert_eq!(rejected.lifecycle.status, HazardStatus::Rectifying);
    assert_eq!(rejected.lifecycle.rejections, 1);
    assert_eq!(rejected.lifecycle.deadline, Some(day("2023-07-31")));
    assert!(rejected.rectification_claim.is_none());
    let again = step(awaiting(rejected), reject(None), &inspector());
    assert_eq!(
        (again.lifecycle.rejections, again.lifecycle.deadline),
        (2, Some(day("2023-07-31")))
    );
    // The enterprise, as its own acceptor, sends back its own general entry.
    assert_eq!(
        step(awaiting(self_rectifying()), reject(None), &enterprise())
            .lifecycle
            .rejections,
        1
    );
}

#[test]
fn a_rejection_is_refused_without_a_claim_or_by_the_wrong_side() {
    assert_eq!(
        refused(&ordered(HazardLevel::General), reject(None), &inspector()),
        "HAZARD_NOT_AWAITING_VERIFICATION"
    );
    assert_eq!(
        refused(
            &awaiting(ordered(HazardLevel::General)),
            reject(None),
            &enterprise()
        ),
        "ENTERPRISE_CANNOT_VERIFY"
    );
    assert_eq!(
        refused(
            &awaiting(ordered(HazardLevel::General)),
            reject(Some("2023-01-01")),
            &inspector()
        ),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn closing_needs_a_verification_or_a_fix_and_no_listing() {
    let fixed = step(
        graded(Provenance::GovernmentInspection, HazardLevel::General),
        fix(),
        &inspector(),
    );
    assert_eq!(
        step(fixed, close(), &inspector()).lifecycle.status,
        HazardStatus::Closed
    );
    assert_eq!(
        refused(&self_rectifying(), close(), &enterprise()),
        "HAZARD_NOT_VERIFIED"
    );
    assert_eq!(
        refused(&awaiting(self_rectifying()), close(), &enterprise()),
        "HAZARD_NOT_VERIFIED"
    );
    let verified_government = step(
        awaiting(ordered(HazardLevel::General)),
        verify(),
        &inspector(),
    );
    assert_eq!(
        refused(&verified_government, close(), &enterprise()),
        "ENTERPRISE_CANNOT_VERIFY"
    );
    let listed_verified = step(
        awaiting(listed(ordered(HazardLevel::Major))),
        verify(),
        &inspector(),
    );
    assert_eq!(
        refused(&listed_verified, close(), &inspector()),
        "HAZARD_STILL_LISTED"
    );
    let closed = step(verified_government, close(), &inspector());
    assert_eq!(refused(&closed, close(), &inspector()), "HAZARD_CLOSED");
}

// ---- Extensions ----

fn request_extension(to: &str) -> HazardCommand {
    HazardCommand::RequestExtension {
        requested_deadline: day(to),
        reason: "parts on order".into(),
    }
}

fn decide_extension(grant: bool) -> HazardCommand {
    HazardCommand::DecideExtension {
        grant,
        new_deadline: None,
        note: "ok".into(),
    }
}

#[test]
fn an_extension_of_an_ordered_deadline_is_requested_and_granted_or_denied() {
    let requested = step(
        ordered(HazardLevel::General),
        request_extension("2023-07-31"),
        &enterprise(),
    );
    assert!(requested.pending_extension.is_some());
    let granted = step(requested.clone(), decide_extension(true), &inspector());
    assert_eq!(
        (granted.lifecycle.deadline, granted.extensions_granted),
        (Some(day("2023-07-31")), 1)
    );
    assert!(granted.pending_extension.is_none());
    let denied = step(requested, decide_extension(false), &inspector());
    assert_eq!(
        (denied.lifecycle.deadline, denied.extensions_granted),
        (Some(day("2023-06-30")), 0)
    );
    assert!(denied.pending_extension.is_none());
}

#[test]
fn extension_requests_and_decisions_are_refused_where_they_do_not_apply() {
    assert_eq!(
        refused(
            &self_rectifying(),
            request_extension("2023-07-31"),
            &enterprise()
        ),
        "EXTENSION_NOT_APPLICABLE"
    );
    assert_eq!(
        refused(
            &ordered(HazardLevel::General),
            request_extension("2023-06-30"),
            &enterprise()
        ),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        refused(
            &ordered(HazardLevel::General),
            request_extension("2023-07-31"),
            &inspector()
        ),
        "ENTERPRISE_ONLY"
    );
    assert_eq!(
        refused(
            &awaiting(ordered(HazardLevel::General)),
            request_extension("2023-07-31"),
            &enterprise()
        ),
        "HAZARD_NOT_RECTIFYING"
    );
    let requested = step(
        ordered(HazardLevel::General),
        request_extension("2023-07-31"),
        &enterprise(),
    );
    assert_eq!(
        refused(&requested, request_extension("2023-08-31"), &enterprise()),
        "EXTENSION_ALREADY_PENDING"
    );
    assert_eq!(
        refused(&requested, decide_extension(true), &enterprise()),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    let too_early = HazardCommand::DecideExtension {
        grant: true,
        new_deadline: Some(day("2023-06-01")),
        note: String::new(),
    };
    assert_eq!(
        refused(&requested, too_early, &inspector()),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        refused(
            &ordered(HazardLevel::General),
            decide_extension(true),
            &inspector()
        ),
        "NO_EXTENSION_PENDING"
    );
    // A new order makes a pending request moot.
    let reordered = step(requested, order("2023-08-31"), &inspector());
    assert!(reordered.pending_extension.is_none());
}

// ---- Listing ----

#[test]
fn a_major_hazard_is_listed_and_delisted_by_the_bureau() {
    let hazard = listed(ordered(HazardLevel::Major));
    assert_eq!(
        hazard.listing.as_ref().unwrap().supervision_order_id,
        "order-1"
    );
    let again = HazardCommand::MarkListed {
        supervision_order_id: "order-1".into(),
        level: pb::SupervisionLevel::District,
        order: Some(ListingOrder {
            status: pb::SupervisionOrderStatus::Listed,
            names_the_hazard: true,
        }),
    };
    assert!(accepted(&hazard, again, &administrator()).is_empty());
    let delisted = step(
        hazard,
        HazardCommand::MarkDelisted {
            supervision_order_id: Some("order-1".into()),
        },
        &administrator(),
    );
    assert!(delisted.listing.is_none());
}

#[test]
fn a_hazard_is_listed_only_under_an_order_in_force_that_names_it() {
    let under = |order: Option<(pb::SupervisionOrderStatus, bool)>| HazardCommand::MarkListed {
        supervision_order_id: "order-9".into(),
        level: pb::SupervisionLevel::District,
        order: order.map(|(status, names_the_hazard)| ListingOrder {
            status,
            names_the_hazard,
        }),
    };
    let major = ordered(HazardLevel::Major);
    assert_eq!(
        refused(&major, under(None), &administrator()),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        refused(
            &major,
            under(Some((pb::SupervisionOrderStatus::InProgress, false))),
            &administrator()
        ),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        refused(
            &major,
            under(Some((pb::SupervisionOrderStatus::Delisted, true))),
            &administrator()
        ),
        "SUPERVISION_ORDER_DELISTED"
    );
    // Who may list comes first: a refusal says nothing of whether the order exists.
    assert_eq!(
        refused(&major, under(None), &inspector()),
        "BUREAU_ROLE_REQUIRED"
    );
    assert_eq!(
        accepted(
            &major,
            under(Some((pb::SupervisionOrderStatus::InProgress, true))),
            &administrator()
        ),
        ["HazardListed"]
    );
}

#[test]
fn listing_is_refused_for_general_hazards_other_orders_and_non_bureau_actors() {
    let list = |order: &str| HazardCommand::MarkListed {
        supervision_order_id: order.into(),
        level: pb::SupervisionLevel::City,
        order: Some(ListingOrder {
            status: pb::SupervisionOrderStatus::Listed,
            names_the_hazard: true,
        }),
    };
    assert_eq!(
        refused(
            &ordered(HazardLevel::General),
            list("order-1"),
            &administrator()
        ),
        "HAZARD_NOT_MAJOR"
    );
    assert_eq!(
        refused(&ordered(HazardLevel::Major), list("order-1"), &inspector()),
        "BUREAU_ROLE_REQUIRED"
    );
    let hazard = listed(ordered(HazardLevel::Major));
    assert_eq!(
        refused(&hazard, list("order-2"), &administrator()),
        "HAZARD_ALREADY_LISTED"
    );
    let delist_other = HazardCommand::MarkDelisted {
        supervision_order_id: Some("order-2".into()),
    };
    assert_eq!(
        refused(&hazard, delist_other, &administrator()),
        "HAZARD_LISTED_UNDER_ANOTHER_ORDER"
    );
    let delist = HazardCommand::MarkDelisted {
        supervision_order_id: None,
    };
    assert_eq!(
        refused(&ordered(HazardLevel::Major), delist, &administrator()),
        "HAZARD_NOT_LISTED"
    );
    let closed = step(
        step(
            awaiting(ordered(HazardLevel::Major)),
            verify(),
            &inspector(),
        ),
        close(),
        &inspector(),
    );
    assert_eq!(
        refused(&closed, list("order-1"), &administrator()),
        "HAZARD_CLOSED"
    );
}

// ---- Suspension and resumption ----

fn request_resumption() -> HazardCommand {
    HazardCommand::RequestResumption {
        note: "remediated".into(),
        evidence: evidence(),
    }
}

fn decide_resumption(approve: bool) -> HazardCommand {
    HazardCommand::DecideResumption {
        approve,
        note: "on-site review".into(),
    }
}

#[test]
fn a_suspension_ends_with_a_reviewed_resumption() {
    let hazard = suspended(ordered(HazardLevel::Major));
    assert!(hazard.suspension.is_some());
    let requested = step_at(
        awaiting(hazard),
        request_resumption(),
        &enterprise(),
        at("2023-06-01T03:00:00Z"),
    );
    let due = requested
        .suspension
        .as_ref()
        .unwrap()
        .review_due
        .unwrap()
        .to_naive();
    assert_eq!(
        due,
        Some(day("2023-06-11")),
        "reviewed on site within 10 days"
    );
    assert_eq!(
        refused(&requested, decide_resumption(true), &inspector()),
        "HAZARD_NOT_VERIFIED"
    );
    let denied = step(requested.clone(), decide_resumption(false), &inspector());
    assert!(
        denied
            .suspension
            .as_ref()
            .unwrap()
            .resumption_requested
            .is_none()
    );
    let approved = step(
        step(requested, verify(), &inspector()),
        decide_resumption(true),
        &inspector(),
    );
    assert!(approved.suspension.is_none());
}

#[test]
fn suspension_and_resumption_are_refused_out_of_turn() {
    let suspend = || HazardCommand::SuspendOperations { reason: "r".into() };
    assert_eq!(
        refused(&ordered(HazardLevel::General), suspend(), &inspector()),
        "HAZARD_NOT_MAJOR"
    );
    assert_eq!(
        refused(&ordered(HazardLevel::Major), suspend(), &enterprise()),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    let hazard = suspended(ordered(HazardLevel::Major));
    assert_eq!(
        refused(&hazard, suspend(), &inspector()),
        "OPERATIONS_ALREADY_SUSPENDED"
    );
    assert_eq!(
        refused(&hazard, request_resumption(), &enterprise()),
        "HAZARD_NOT_REMEDIATED"
    );
    assert_eq!(
        refused(
            &ordered(HazardLevel::Major),
            request_resumption(),
            &enterprise()
        ),
        "OPERATIONS_NOT_SUSPENDED"
    );
    let requested = step(
        awaiting(hazard.clone()),
        request_resumption(),
        &enterprise(),
    );
    assert_eq!(
        refused(&requested, request_resumption(), &enterprise()),
        "RESUMPTION_ALREADY_REQUESTED"
    );
    assert_eq!(
        refused(&requested, decide_resumption(true), &enterprise()),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    assert_eq!(
        refused(&hazard, decide_resumption(true), &inspector()),
        "RESUMPTION_NOT_REQUESTED"
    );
}

// ---- Overdue, and a whole life ----

#[test]
fn overdue_is_computed_from_the_deadline_and_an_as_of_time() {
    let hazard = ordered(HazardLevel::General);
    assert!(!hazard.is_overdue(at("2023-06-30T15:59:59Z")));
    assert!(hazard.is_overdue(at("2023-06-30T16:00:00Z")));
    let on_time = step_at(
        hazard.clone(),
        claim(),
        &enterprise(),
        at("2023-06-29T02:00:00Z"),
    );
    assert!(!on_time.is_overdue(at("2023-08-01T00:00:00Z")));
    let late = step_at(
        hazard.clone(),
        claim(),
        &enterprise(),
        at("2023-07-03T02:00:00Z"),
    );
    assert!(late.is_overdue(at("2023-08-01T00:00:00Z")));
    let verified = step(on_time.clone(), verify(), &inspector());
    assert!(!verified.is_overdue(at("2024-01-01T00:00:00Z")));
    // The first day each is overdue on, as a read model keeps it: the day after the deadline
    // while the clock runs, none once it stops.
    let first_day = |hazard: &Hazard| overdue_from(&hazard.facts, &hazard.lifecycle);
    let day_after_deadline = NaiveDate::from_ymd_opt(2023, 7, 1);
    assert_eq!(first_day(&hazard), day_after_deadline);
    assert_eq!(first_day(&late), day_after_deadline);
    assert_eq!(first_day(&on_time), None);
    assert_eq!(first_day(&verified), None);
}

#[test]
fn a_government_finding_goes_from_report_to_close_out() {
    let mut hazard = reported(Provenance::GovernmentInspection);
    hazard = step(
        hazard,
        HazardCommand::Grade {
            level: HazardLevel::Major,
            criterion: "第四条".into(),
            reason: "regraded after review".into(),
        },
        &inspector(),
    );
    hazard = step(hazard, order("2023-06-30"), &inspector());
    hazard = step(hazard, remediation_plan(), &enterprise());
    hazard = listed(hazard);
    hazard = step(hazard, claim(), &enterprise());
    hazard = step(hazard, reject(Some("2023-07-15")), &inspector());
    hazard = step(hazard, claim(), &enterprise());
    hazard = step(hazard, verify(), &inspector());
    hazard = step(
        hazard,
        HazardCommand::MarkDelisted {
            supervision_order_id: None,
        },
        &administrator(),
    );
    hazard = step(hazard, close(), &inspector());
    assert_eq!(hazard.lifecycle.status, HazardStatus::Closed);
    assert_eq!(hazard.lifecycle.rejections, 1);
    assert_eq!(hazard.lifecycle.deadline, Some(day("2023-07-15")));
}

#[test]
fn who_may_act_is_checked_before_the_state_is_revealed() {
    // The hazard is not being rectified, but a stranger learns only that it may not act; and
    // another enterprise not even that the hazard exists.
    let graded = graded(Provenance::GovernmentInspection, HazardLevel::General);
    assert_eq!(refused(&graded, claim(), &other_enterprise()), "NOT_FOUND");
    assert_eq!(refused(&graded, verify(), &other_enterprise()), "NOT_FOUND");
    assert_eq!(
        refused(&graded, close(), &inspector_elsewhere()),
        "OUTSIDE_JURISDICTION"
    );
}

// ---- Two-ledger matches ----

fn confirm(counterpart: &str) -> HazardCommand {
    HazardCommand::ConfirmCounterpart {
        counterpart_hazard_id: counterpart.into(),
        note: "same valve".into(),
    }
}

fn reject_match(counterpart: &str) -> HazardCommand {
    HazardCommand::RejectCounterpart {
        counterpart_hazard_id: counterpart.into(),
        reason: "another valve".into(),
    }
}

#[test]
fn an_officer_confirms_and_rejects_counterparts_on_the_government_side() {
    let government = graded(Provenance::GovernmentInspection, HazardLevel::General);
    let confirmed = step(government.clone(), confirm("self-1"), &inspector());
    assert_eq!(confirmed.lifecycle.counterpart_hazard_id, "self-1");
    assert!(accepted(&confirmed, confirm("self-1"), &inspector()).is_empty());
    assert_eq!(
        refused(&confirmed, confirm("self-2"), &inspector()),
        "COUNTERPART_ALREADY_MATCHED"
    );
    // Rejecting the confirmed counterpart unlinks it and remembers the rejection.
    let unlinked = step(confirmed, reject_match("self-1"), &inspector());
    assert!(unlinked.lifecycle.counterpart_hazard_id.is_empty());
    assert_eq!(unlinked.rejected_counterpart_ids, ["self-1"]);
    assert!(accepted(&unlinked, reject_match("self-1"), &inspector()).is_empty());
    // A change of mind: confirming a rejected pair is allowed.
    let reconfirmed = step(unlinked, confirm("self-1"), &inspector());
    assert!(reconfirmed.rejected_counterpart_ids.is_empty());
}

#[test]
fn matches_are_decided_by_the_government_on_the_government_side() {
    let government = graded(Provenance::GovernmentInspection, HazardLevel::General);
    assert_eq!(
        refused(&government, confirm("self-1"), &enterprise()),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    let own = graded(Provenance::EnterpriseSelf, HazardLevel::General);
    assert_eq!(
        refused(&own, confirm("gov-1"), &inspector()),
        "MATCH_DECIDED_ON_GOVERNMENT_SIDE"
    );
}
