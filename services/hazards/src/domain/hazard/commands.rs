//! One decision per command. Each runs after [`Hazard::authorize`] has accepted the actor and the
//! repository has checked that the hazard exists (or, for a report, that it does not).

use chrono::NaiveDate;
use hl_domain::access::{
    is_system_covering, require_bureau, require_government, require_the_enterprise,
};
use hl_domain::clock::{add_days, local_date};
use hl_domain::reasons;
use hl_eventstore::CommandContext;
use hl_proto::common::v1::EvidenceRef;
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::{HazardLevel, HazardStatus as S, Provenance};

use super::{DeadlineSource, Hazard, HazardEvent, ListingOrder, ReportHazard};
use crate::domain::{DomainError, rules};

/// A new hazard in the ledger its provenance names, graded in the same commit when a level is
/// given.
pub(super) fn report(
    report: &ReportHazard,
    context: &CommandContext,
) -> Result<Vec<HazardEvent>, DomainError> {
    let actor = &context.actor;
    let enterprise_id = &report.enterprise.enterprise_id;
    let township = report.enterprise.township_code();
    let place = if township.is_empty() {
        &report.region
    } else {
        township
    };
    match report.provenance {
        Provenance::EnterpriseSelf => require_the_enterprise(
            actor,
            enterprise_id,
            "report a hazard in its self-check ledger",
        )?,
        Provenance::GovernmentInspection | Provenance::PublicTipoff => {
            require_government(actor, place, "record a government-side hazard")?
        }
        Provenance::UpstreamCommittee => {
            require_bureau(actor, place, "record a hazard listed by a safety committee")?
        }
        Provenance::SensorPlatform if is_system_covering(actor, place) => {}
        Provenance::SensorPlatform => {
            require_bureau(actor, place, "record a sensor platform's hazard")?
        }
        Provenance::Unspecified => {
            return Err(DomainError::invalid("provenance", "is required"));
        }
    }
    report.enterprise.require_open()?;
    if report.provenance == Provenance::EnterpriseSelf && !report.inspection_id.is_empty() {
        return Err(DomainError::invalid(
            "inspection_id",
            "only government-side hazards come from an inspection",
        ));
    }
    let rule_version = rules::HAZARDS
        .in_force(local_date(context.occurred_at))
        .name;
    let mut events = vec![HazardEvent::Reported(pb::HazardReported {
        hazard_id: context.aggregate_id.clone(),
        enterprise_id: enterprise_id.clone(),
        township_code: township.to_string(),
        provenance: report.provenance as i32,
        source_type: report.source_type as i32,
        category: report.category as i32,
        location: report.location.clone(),
        equipment: report.equipment.clone(),
        description: report.description.clone(),
        evidence: report.evidence.clone(),
        temporary_controls: report.temporary_controls.clone(),
        inspection_id: report.inspection_id.clone(),
        counterpart_hazard_id: report.counterpart_hazard_id.clone(),
        rule_version: rule_version.to_string(),
    })];
    if report.level != HazardLevel::Unspecified {
        events.push(HazardEvent::Graded(pb::HazardGraded {
            hazard_id: context.aggregate_id.clone(),
            level: report.level as i32,
            criterion: report.level_criterion.clone(),
            previous_level: HazardLevel::Unspecified as i32,
            reason: String::new(),
        }));
    }
    Ok(events)
}

impl Hazard {
    fn hazard_id(&self) -> String {
        self.facts.hazard_id.clone()
    }

    pub(super) fn grade(
        &self,
        level: HazardLevel,
        criterion: &str,
        reason: &str,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_status(
            &[
                S::Reported,
                S::Graded,
                S::Rectifying,
                S::AwaitingVerification,
            ],
            reasons::HAZARD_ALREADY_RESOLVED,
            "grade",
        )?;
        if self.lifecycle.is_listed() && level != HazardLevel::Major {
            return Err(DomainError::precondition(
                reasons::HAZARD_LISTED,
                "a listed (挂牌) hazard stays 重大 until it is delisted",
            ));
        }
        if level == self.lifecycle.level && criterion == self.level_criterion {
            return Ok(Vec::new());
        }
        let regrade = self.lifecycle.level != HazardLevel::Unspecified;
        if regrade && reason.trim().is_empty() {
            return Err(DomainError::invalid(
                "reason",
                "a regrade records why the grade changes",
            ));
        }
        Ok(vec![HazardEvent::Graded(pb::HazardGraded {
            hazard_id: self.hazard_id(),
            level: level as i32,
            criterion: criterion.to_string(),
            previous_level: self.lifecycle.level as i32,
            reason: reason.to_string(),
        })])
    }

    pub(super) fn plan_rectification(
        &self,
        plan: &pb::RectificationPlan,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_graded()?;
        self.require_status(
            &[S::Graded, S::Rectifying],
            reasons::HAZARD_NOT_RECTIFIABLE,
            "plan rectification",
        )?;
        if !self.is_self_check() || self.lifecycle.deadline_source == DeadlineSource::Order {
            return Err(DomainError::precondition(
                reasons::HAZARD_DEADLINE_SET_BY_ORDER,
                "the deadline of this hazard is set by a government order; request an extension instead",
            ));
        }
        let deadline = plan.deadline.as_ref().and_then(|date| date.to_naive());
        let deadline =
            deadline.ok_or_else(|| DomainError::invalid("plan.deadline", "is required"))?;
        self.require_deadline_not_before_report("plan.deadline", deadline)?;
        Ok(vec![HazardEvent::RectificationPlanned(
            pb::RectificationPlanned {
                hazard_id: self.hazard_id(),
                plan: Some(plan.clone()),
            },
        )])
    }

    pub(super) fn order_rectification(
        &self,
        order: &pb::RectificationOrder,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_graded()?;
        self.require_status(
            &[S::Graded, S::Rectifying],
            reasons::HAZARD_NOT_RECTIFIABLE,
            "order rectification",
        )?;
        let deadline = order.deadline.as_ref().and_then(|date| date.to_naive());
        let deadline =
            deadline.ok_or_else(|| DomainError::invalid("order.deadline", "is required"))?;
        self.require_deadline_not_before_report("order.deadline", deadline)?;
        Ok(vec![HazardEvent::RectificationOrdered(
            pb::RectificationOrdered {
                hazard_id: self.hazard_id(),
                order: Some(order.clone()),
            },
        )])
    }

    pub(super) fn submit_remediation_plan(
        &self,
        plan: &pb::RemediationPlan,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_graded()?;
        if !self.is_major() {
            return Err(DomainError::precondition(
                reasons::HAZARD_NOT_MAJOR,
                "a remediation plan (治理方案) is for 重大 hazards",
            ));
        }
        self.require_status(
            &[S::Graded, S::Rectifying],
            reasons::HAZARD_NOT_RECTIFIABLE,
            "submit a remediation plan",
        )?;
        Ok(vec![HazardEvent::RemediationPlanSubmitted(
            pb::RemediationPlanSubmitted {
                hazard_id: self.hazard_id(),
                plan: Some(plan.clone()),
            },
        )])
    }

    pub(super) fn fix_on_spot(
        &self,
        note: &str,
        evidence: &[EvidenceRef],
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_status(
            &[S::Reported, S::Graded],
            reasons::HAZARD_NOT_FIXABLE_ON_SPOT,
            "fix on the spot",
        )?;
        if self.is_major() {
            return Err(DomainError::precondition(
                reasons::HAZARD_MAJOR_CANNOT_BE_FIXED_ON_SPOT,
                "a 重大 hazard needs a remediation plan and verification, not a fix on the spot",
            ));
        }
        let mut events = Vec::new();
        if self.lifecycle.level == HazardLevel::Unspecified {
            // Fixable at once is what 一般 means (16号令 Art. 3).
            events.push(HazardEvent::Graded(pb::HazardGraded {
                hazard_id: self.hazard_id(),
                level: HazardLevel::General as i32,
                criterion: "即查即改".to_string(),
                previous_level: HazardLevel::Unspecified as i32,
                reason: String::new(),
            }));
        }
        events.push(HazardEvent::FixedOnSpot(pb::HazardFixedOnSpot {
            hazard_id: self.hazard_id(),
            note: note.to_string(),
            evidence: evidence.to_vec(),
        }));
        Ok(events)
    }

    pub(super) fn claim(
        &self,
        note: &str,
        evidence: &[EvidenceRef],
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_status(
            &[S::Rectifying],
            reasons::HAZARD_NOT_RECTIFYING,
            "claim rectification",
        )?;
        if self.is_major() && self.remediation_plan.is_none() {
            return Err(DomainError::precondition(
                reasons::REMEDIATION_PLAN_REQUIRED,
                "a 重大 hazard needs its remediation plan (治理方案) before a rectification claim",
            ));
        }
        Ok(vec![HazardEvent::RectificationClaimed(
            pb::RectificationClaimed {
                hazard_id: self.hazard_id(),
                note: note.to_string(),
                evidence: evidence.to_vec(),
            },
        )])
    }

    pub(super) fn verify(
        &self,
        note: &str,
        evidence: &[EvidenceRef],
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_status(
            &[S::AwaitingVerification],
            reasons::HAZARD_NOT_AWAITING_VERIFICATION,
            "verify",
        )?;
        Ok(vec![HazardEvent::RectificationVerified(
            pb::RectificationVerified {
                hazard_id: self.hazard_id(),
                note: note.to_string(),
                evidence: evidence.to_vec(),
            },
        )])
    }

    pub(super) fn reject(
        &self,
        reason: &str,
        new_deadline: Option<NaiveDate>,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_status(
            &[S::AwaitingVerification],
            reasons::HAZARD_NOT_AWAITING_VERIFICATION,
            "reject",
        )?;
        if let Some(deadline) = new_deadline {
            self.require_deadline_not_before_report("new_deadline", deadline)?;
        }
        Ok(vec![HazardEvent::RectificationRejected(
            pb::RectificationRejected {
                hazard_id: self.hazard_id(),
                reason: reason.to_string(),
                new_deadline: new_deadline.map(Into::into),
            },
        )])
    }

    pub(super) fn request_extension(
        &self,
        requested_deadline: NaiveDate,
        reason: &str,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_status(
            &[S::Rectifying],
            reasons::HAZARD_NOT_RECTIFYING,
            "request an extension",
        )?;
        if self.lifecycle.deadline_source != DeadlineSource::Order {
            return Err(DomainError::precondition(
                reasons::EXTENSION_NOT_APPLICABLE,
                "the enterprise sets this deadline itself; revise the rectification plan instead",
            ));
        }
        if self.pending_extension.is_some() {
            return Err(DomainError::precondition(
                reasons::EXTENSION_ALREADY_PENDING,
                "an extension request is already awaiting a decision",
            ));
        }
        self.require_later_than_deadline("requested_deadline", requested_deadline)?;
        Ok(vec![HazardEvent::ExtensionRequested(
            pb::ExtensionRequested {
                hazard_id: self.hazard_id(),
                requested_deadline: Some(requested_deadline.into()),
                reason: reason.to_string(),
            },
        )])
    }

    fn require_later_than_deadline(
        &self,
        field: &'static str,
        deadline: NaiveDate,
    ) -> Result<(), DomainError> {
        match self.lifecycle.deadline {
            Some(current) if deadline <= current => Err(DomainError::invalid(
                field,
                format!("must be after the current deadline {current}"),
            )),
            _ => Ok(()),
        }
    }

    pub(super) fn decide_extension(
        &self,
        grant: bool,
        new_deadline: Option<NaiveDate>,
        note: &str,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_open()?;
        let Some(pending) = &self.pending_extension else {
            return Err(DomainError::precondition(
                reasons::NO_EXTENSION_PENDING,
                "no extension request awaits a decision",
            ));
        };
        if !grant {
            return Ok(vec![HazardEvent::ExtensionDenied(pb::ExtensionDenied {
                hazard_id: self.hazard_id(),
                reason: note.to_string(),
            })]);
        }
        let requested = pending
            .requested_deadline
            .as_ref()
            .and_then(|date| date.to_naive());
        let granted = new_deadline.or(requested).ok_or_else(|| {
            DomainError::invalid("new_deadline", "is required to grant an extension")
        })?;
        self.require_later_than_deadline("new_deadline", granted)?;
        Ok(vec![HazardEvent::ExtensionGranted(pb::ExtensionGranted {
            hazard_id: self.hazard_id(),
            new_deadline: Some(granted.into()),
            note: note.to_string(),
        })])
    }

    pub(super) fn close(&self, note: &str) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_status(
            &[S::Verified, S::FixedOnSpot],
            reasons::HAZARD_NOT_VERIFIED,
            "close out",
        )?;
        if self.lifecycle.is_listed() {
            return Err(DomainError::precondition(
                reasons::HAZARD_STILL_LISTED,
                "a listed (挂牌) hazard is delisted (摘牌) before it is closed out",
            ));
        }
        Ok(vec![HazardEvent::Closed(pb::HazardClosed {
            hazard_id: self.hazard_id(),
            note: note.to_string(),
        })])
    }

    pub(super) fn mark_listed(
        &self,
        supervision_order_id: &str,
        level: pb::SupervisionLevel,
        order: Option<ListingOrder>,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_open()?;
        if !self.is_major() {
            return Err(DomainError::precondition(
                reasons::HAZARD_NOT_MAJOR,
                "only 重大 hazards are listed (挂牌)",
            ));
        }
        let listed_under = &self.lifecycle.supervision_order_id;
        if listed_under == supervision_order_id {
            return Ok(Vec::new());
        }
        // Listed under an order that does not exist, does not name it or is delisted, the hazard
        // could not be closed out until delisted by hand: no order's delisting would reach it.
        let order_name = format!("supervisionOrders/{supervision_order_id}");
        match order {
            None => {
                return Err(DomainError::invalid(
                    "supervision_order_id",
                    format!("{order_name} does not exist"),
                ));
            }
            Some(order) if order.status == pb::SupervisionOrderStatus::Delisted => {
                return Err(DomainError::precondition(
                    reasons::SUPERVISION_ORDER_DELISTED,
                    format!("{order_name} is delisted (摘牌)"),
                ));
            }
            Some(order) if !order.names_the_hazard => {
                return Err(DomainError::invalid(
                    "supervision_order_id",
                    format!("{order_name} does not name this hazard; an order lists its own"),
                ));
            }
            Some(_) => {}
        }
        if self.lifecycle.is_listed() {
            return Err(DomainError::precondition(
                reasons::HAZARD_ALREADY_LISTED,
                format!("already listed under supervision order {listed_under}"),
            ));
        }
        Ok(vec![HazardEvent::Listed(pb::HazardListed {
            hazard_id: self.hazard_id(),
            supervision_order_id: supervision_order_id.to_string(),
            level: level as i32,
        })])
    }

    pub(super) fn mark_delisted(
        &self,
        supervision_order_id: Option<&str>,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        let listed_under = &self.lifecycle.supervision_order_id;
        if !self.lifecycle.is_listed() {
            return Err(DomainError::precondition(
                reasons::HAZARD_NOT_LISTED,
                "the hazard is not listed",
            ));
        }
        if let Some(order) = supervision_order_id
            && order != listed_under
        {
            return Err(DomainError::precondition(
                reasons::HAZARD_LISTED_UNDER_ANOTHER_ORDER,
                format!("listed under supervision order {listed_under}"),
            ));
        }
        Ok(vec![HazardEvent::Delisted(pb::HazardDelisted {
            hazard_id: self.hazard_id(),
            supervision_order_id: listed_under.clone(),
        })])
    }

    pub(super) fn suspend_operations(&self, reason: &str) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_open()?;
        if !self.is_major() {
            return Err(DomainError::precondition(
                reasons::HAZARD_NOT_MAJOR,
                "operations are suspended for 重大 hazards",
            ));
        }
        if self.lifecycle.suspended {
            return Err(DomainError::precondition(
                reasons::OPERATIONS_ALREADY_SUSPENDED,
                "operations are already suspended",
            ));
        }
        Ok(vec![HazardEvent::OperationsSuspended(
            pb::OperationsSuspended {
                hazard_id: self.hazard_id(),
                reason: reason.to_string(),
            },
        )])
    }

    pub(super) fn request_resumption(
        &self,
        note: &str,
        evidence: &[EvidenceRef],
        context: &CommandContext,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        let Some(suspension) = &self.suspension else {
            return Err(DomainError::precondition(
                reasons::OPERATIONS_NOT_SUSPENDED,
                "operations are not suspended",
            ));
        };
        if suspension.resumption_requested.is_some() {
            return Err(DomainError::precondition(
                reasons::RESUMPTION_ALREADY_REQUESTED,
                "a resumption request already awaits its on-site review",
            ));
        }
        if !matches!(
            self.status(),
            S::AwaitingVerification | S::Verified | S::Closed
        ) {
            return Err(DomainError::precondition(
                reasons::HAZARD_NOT_REMEDIATED,
                "claim the rectification before requesting resumption",
            ));
        }
        let rules = rules::HAZARDS.by_name(&self.facts.rule_version)?;
        let review_due = add_days(
            local_date(context.occurred_at),
            rules.rules.resumption_review_days,
        );
        Ok(vec![HazardEvent::ResumptionRequested(
            pb::ResumptionRequested {
                hazard_id: self.hazard_id(),
                note: note.to_string(),
                evidence: evidence.to_vec(),
                review_due: Some(review_due.into()),
            },
        )])
    }

    pub(super) fn decide_resumption(
        &self,
        approve: bool,
        note: &str,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        let requested = self
            .suspension
            .as_ref()
            .is_some_and(|suspension| suspension.resumption_requested.is_some());
        if !requested {
            return Err(DomainError::precondition(
                reasons::RESUMPTION_NOT_REQUESTED,
                "no resumption request awaits a decision",
            ));
        }
        if !approve {
            return Ok(vec![HazardEvent::ResumptionDenied(pb::ResumptionDenied {
                hazard_id: self.hazard_id(),
                reason: note.to_string(),
            })]);
        }
        if !matches!(self.status(), S::Verified | S::Closed) {
            return Err(DomainError::precondition(
                reasons::HAZARD_NOT_VERIFIED,
                "verify the rectification before approving resumption",
            ));
        }
        Ok(vec![HazardEvent::ResumptionApproved(
            pb::ResumptionApproved {
                hazard_id: self.hazard_id(),
                note: note.to_string(),
            },
        )])
    }

    pub(super) fn confirm_counterpart(
        &self,
        counterpart_hazard_id: &str,
        note: &str,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_government_side("confirm a counterpart")?;
        let current = &self.lifecycle.counterpart_hazard_id;
        if current == counterpart_hazard_id {
            return Ok(Vec::new());
        }
        if !current.is_empty() {
            return Err(DomainError::precondition(
                reasons::COUNTERPART_ALREADY_MATCHED,
                format!(
                    "{} is matched with hazards/{current}; reject that match first",
                    self.name()
                ),
            ));
        }
        Ok(vec![HazardEvent::CounterpartMatchConfirmed(
            pb::CounterpartMatchConfirmed {
                hazard_id: self.hazard_id(),
                counterpart_hazard_id: counterpart_hazard_id.to_string(),
                note: note.to_string(),
            },
        )])
    }

    pub(super) fn reject_counterpart(
        &self,
        counterpart_hazard_id: &str,
        reason: &str,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.require_government_side("reject a counterpart")?;
        let linked = self.lifecycle.counterpart_hazard_id == counterpart_hazard_id;
        let already_rejected = self
            .rejected_counterpart_ids
            .iter()
            .any(|rejected| rejected == counterpart_hazard_id);
        if !linked && already_rejected {
            return Ok(Vec::new());
        }
        Ok(vec![HazardEvent::CounterpartMatchRejected(
            pb::CounterpartMatchRejected {
                hazard_id: self.hazard_id(),
                counterpart_hazard_id: counterpart_hazard_id.to_string(),
                reason: reason.to_string(),
            },
        )])
    }
}
