//! The Hazard aggregate: one hidden hazard (隐患) at one enterprise, in either ledger.
//!
//! ```text
//! Reported ─► Graded ─► Rectifying(deadline) ─► AwaitingVerification ─► Verified ─► Closed (销号)
//!    │           │                     ▲                  │
//!    └───────────┴─► FixedOnSpot ──────┼──────────────────┼──────────────────────► Closed
//!                                      └──── rejected ────┘ (reopen count + 1)
//! ```
//! Side paths: extension requests on ordered deadlines, regrading, listing (挂牌) and delisting,
//! suspension of operations and approval of resumption. Overdue is computed from the deadline and
//! an as-of time; nobody sets it.
//!
//! Every command checks who is asking before it looks at the state, so an actor without the
//! right learns nothing about the hazard from the refusal.

use chrono::{DateTime, NaiveDate, Utc};
use hl_eventstore::{Aggregate, CommandContext, EventMeta};
use hl_proto::common::v1::{Actor, EvidenceRef};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::{HazardLevel, HazardStatus, Provenance};
use serde::{Deserialize, Serialize};

use super::access::{
    is_the_enterprise, require_bureau, require_enterprise_or_government, require_government,
    require_the_enterprise,
};
use super::clock::{add_days, is_past, local_date};
use super::{DomainError, EnterpriseStanding, decision, rules};

pub use hl_proto::hazard_events::HazardEvent;

/// A new hazard as reported. Validated for shape by the API before it gets here.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportHazard {
    pub enterprise_id: String,
    pub enterprise_standing: EnterpriseStanding,
    /// District code of the recording bureau.
    pub region: String,
    pub township_code: String,
    pub provenance: Provenance,
    pub source_type: pb::SourceType,
    pub category: pb::HazardCategory,
    pub location: String,
    pub equipment: String,
    pub description: String,
    pub evidence: Vec<EvidenceRef>,
    pub temporary_controls: String,
    pub inspection_id: String,
    pub counterpart_hazard_id: String,
    /// Unspecified: graded later.
    pub level: HazardLevel,
    pub level_criterion: String,
}

/// What may be asked of a hazard.
#[derive(Clone, Debug, PartialEq)]
pub enum HazardCommand {
    Report(ReportHazard),
    Grade {
        level: HazardLevel,
        criterion: String,
    },
    PlanRectification(pb::RectificationPlan),
    OrderRectification(pb::RectificationOrder),
    SubmitRemediationPlan(pb::RemediationPlan),
    FixOnSpot {
        note: String,
        evidence: Vec<EvidenceRef>,
    },
    ClaimRectification {
        note: String,
        evidence: Vec<EvidenceRef>,
    },
    Verify {
        note: String,
        evidence: Vec<EvidenceRef>,
    },
    Reject {
        reason: String,
        new_deadline: Option<NaiveDate>,
    },
    RequestExtension {
        requested_deadline: NaiveDate,
        reason: String,
    },
    DecideExtension {
        grant: bool,
        new_deadline: Option<NaiveDate>,
        note: String,
    },
    Close {
        note: String,
    },
    MarkListed {
        supervision_order_id: String,
        level: pb::SupervisionLevel,
    },
    /// With an order id, only a listing under that order is lifted.
    MarkDelisted {
        supervision_order_id: Option<String>,
    },
    SuspendOperations {
        reason: String,
    },
    RequestResumption {
        note: String,
        evidence: Vec<EvidenceRef>,
    },
    DecideResumption {
        approve: bool,
        note: String,
    },
    /// On a government-side hazard; the API has checked the counterpart is a self-check entry
    /// of the same enterprise.
    ConfirmCounterpart {
        counterpart_hazard_id: String,
        note: String,
    },
    RejectCounterpart {
        counterpart_hazard_id: String,
        reason: String,
    },
}

/// Where the deadline in force came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeadlineSource {
    #[default]
    None,
    /// The enterprise's own five-fixes plan.
    Plan,
    /// A government order.
    Order,
}

/// The state of one hazard.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hazard {
    pub hazard_id: String,
    pub enterprise_id: String,
    pub region: String,
    pub township_code: String,
    pub provenance: Provenance,
    pub source_type: pb::SourceType,
    pub category: pb::HazardCategory,
    pub location: String,
    pub equipment: String,
    pub description: String,
    pub evidence: Vec<EvidenceRef>,
    pub temporary_controls: String,
    pub level: HazardLevel,
    pub level_criterion: String,
    pub status: HazardStatus,
    pub rectification_plan: Option<pb::RectificationPlan>,
    pub rectification_order: Option<pb::RectificationOrder>,
    pub deadline: Option<NaiveDate>,
    pub deadline_source: DeadlineSource,
    pub remediation_plan: Option<pb::RemediationPlan>,
    pub rectification_claim: Option<pb::Decision>,
    pub verification: Option<pb::Decision>,
    pub pending_extension: Option<pb::ExtensionRequest>,
    pub extensions_granted: u32,
    pub reopen_count: u32,
    pub listing: Option<pb::Listing>,
    pub suspension: Option<pb::Suspension>,
    pub inspection_id: String,
    pub counterpart_hazard_id: String,
    pub rejected_counterpart_ids: Vec<String>,
    pub rule_version: String,
    pub reported: Option<pb::Decision>,
    pub reported_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl Hazard {
    pub fn exists(&self) -> bool {
        !self.hazard_id.is_empty()
    }

    /// The most specific place code known: the township's, else the district's.
    pub fn place(&self) -> &str {
        if self.township_code.is_empty() {
            &self.region
        } else {
            &self.township_code
        }
    }

    pub fn is_self_check(&self) -> bool {
        self.provenance == Provenance::EnterpriseSelf
    }

    pub fn is_major(&self) -> bool {
        self.level == HazardLevel::Major
    }

    /// Past its deadline and not resolved, as of a time. A rectification claimed on time is not
    /// overdue while it waits for verification.
    pub fn is_overdue(&self, as_of: DateTime<Utc>) -> bool {
        let Some(deadline) = self.deadline else {
            return false;
        };
        match self.status {
            HazardStatus::Rectifying => is_past(deadline, as_of),
            HazardStatus::AwaitingVerification => {
                let claimed = self.claimed_at.unwrap_or(as_of).min(as_of);
                is_past(deadline, claimed)
            }
            _ => false,
        }
    }

    fn name(&self) -> String {
        format!("hazards/{}", self.hazard_id)
    }

    fn report_date(&self) -> NaiveDate {
        self.reported_at.map(local_date).unwrap_or(NaiveDate::MIN)
    }

    fn require_open(&self) -> Result<(), DomainError> {
        if self.status == HazardStatus::Closed {
            return Err(DomainError::precondition(
                "HAZARD_CLOSED",
                format!("{} is closed out", self.name()),
            ));
        }
        Ok(())
    }

    fn require_status(
        &self,
        allowed: &[HazardStatus],
        reason: &'static str,
        what: &str,
    ) -> Result<(), DomainError> {
        self.require_open()?;
        if allowed.contains(&self.status) {
            Ok(())
        } else {
            Err(DomainError::precondition(
                reason,
                format!(
                    "{what}: {} is {}",
                    self.name(),
                    self.status
                        .as_str_name()
                        .trim_start_matches("HAZARD_STATUS_")
                ),
            ))
        }
    }

    /// Matches are decided on the government-side hazard of a pair.
    fn require_government_side(&self, action: &str) -> Result<(), DomainError> {
        if self.is_self_check() {
            return Err(DomainError::precondition(
                "MATCH_DECIDED_ON_GOVERNMENT_SIDE",
                format!(
                    "{action} on the government-side hazard of the pair, not on the self-check entry"
                ),
            ));
        }
        Ok(())
    }

    fn require_graded(&self) -> Result<(), DomainError> {
        self.require_open()?;
        if self.status == HazardStatus::Reported {
            return Err(DomainError::precondition(
                "HAZARD_NOT_GRADED",
                format!("{} must be graded 一般 or 重大 first", self.name()),
            ));
        }
        Ok(())
    }

    /// Verification (验收) and its rejection and the close-out: the government side for every
    /// hazard in its jurisdiction; the enterprise only for its own self-check hazards of level 一般.
    fn require_verifier(&self, actor: &Actor, action: &str) -> Result<(), DomainError> {
        if is_the_enterprise(actor, &self.enterprise_id) {
            if self.is_self_check() && !self.is_major() {
                return Ok(());
            }
            return Err(DomainError::forbidden(
                "ENTERPRISE_CANNOT_VERIFY",
                format!(
                    "an enterprise may {action} only its own self-check hazards graded 一般; {} is {} in the {} ledger",
                    self.name(),
                    level_name(self.level),
                    if self.is_self_check() {
                        "enterprise"
                    } else {
                        "government"
                    },
                ),
            ));
        }
        require_enterprise_or_government(actor, &self.enterprise_id, self.place(), action)
    }

    /// Who may give a command to this hazard (DOMAIN.md §1). Checked before anything about the
    /// hazard's state, so a refusal tells an actor without the right nothing about the hazard.
    fn authorize(&self, command: &HazardCommand, actor: &Actor) -> Result<(), DomainError> {
        let enterprise = &self.enterprise_id;
        let place = self.place();
        match command {
            HazardCommand::Report(_) => Ok(()),
            HazardCommand::Grade { .. } => {
                if is_the_enterprise(actor, enterprise) && !self.is_self_check() {
                    return Err(DomainError::forbidden(
                        "ENTERPRISE_CANNOT_GRADE_GOVERNMENT_FINDING",
                        "a government finding is graded by the government side",
                    ));
                }
                require_enterprise_or_government(actor, enterprise, place, "grade a hazard")
            }
            HazardCommand::PlanRectification(_) => {
                require_the_enterprise(actor, enterprise, "plan the rectification (五定)")
            }
            HazardCommand::OrderRectification(_) => {
                require_government(actor, place, "order rectification (责令限期整改)")
            }
            HazardCommand::SubmitRemediationPlan(_) => require_enterprise_or_government(
                actor,
                enterprise,
                place,
                "submit a remediation plan",
            ),
            HazardCommand::FixOnSpot { .. } => require_enterprise_or_government(
                actor,
                enterprise,
                place,
                "fix a hazard on the spot",
            ),
            HazardCommand::ClaimRectification { .. } => {
                require_the_enterprise(actor, enterprise, "claim a rectification")
            }
            HazardCommand::Verify { .. } => self.require_verifier(actor, "verify"),
            HazardCommand::Reject { .. } => self.require_verifier(actor, "reject"),
            HazardCommand::Close { .. } => self.require_verifier(actor, "close out"),
            HazardCommand::RequestExtension { .. } => {
                require_the_enterprise(actor, enterprise, "request an extension")
            }
            HazardCommand::DecideExtension { .. } => {
                require_government(actor, place, "decide an extension")
            }
            HazardCommand::MarkListed { .. } => {
                require_bureau(actor, place, "list a hazard (挂牌)")
            }
            HazardCommand::MarkDelisted { .. } => {
                require_bureau(actor, place, "delist a hazard (摘牌)")
            }
            HazardCommand::SuspendOperations { .. } => {
                require_government(actor, place, "suspend operations")
            }
            HazardCommand::RequestResumption { .. } => {
                require_the_enterprise(actor, enterprise, "request resumption")
            }
            HazardCommand::DecideResumption { .. } => {
                require_government(actor, place, "decide on resumption")
            }
            HazardCommand::ConfirmCounterpart { .. } | HazardCommand::RejectCounterpart { .. } => {
                require_government(actor, place, "decide a two-ledger match")
            }
        }
    }

    fn require_deadline_not_before_report(
        &self,
        field: &'static str,
        deadline: NaiveDate,
    ) -> Result<(), DomainError> {
        if deadline < self.report_date() {
            return Err(DomainError::invalid(
                field,
                format!(
                    "{deadline} is before the hazard was reported ({})",
                    self.report_date()
                ),
            ));
        }
        Ok(())
    }

    fn decide_report(
        &self,
        report: &ReportHazard,
        context: &CommandContext,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        if self.exists() {
            return Err(DomainError::AlreadyExists(self.name()));
        }
        let actor = &context.actor;
        let place = if report.township_code.is_empty() {
            &report.region
        } else {
            &report.township_code
        };
        match report.provenance {
            Provenance::EnterpriseSelf => require_the_enterprise(
                actor,
                &report.enterprise_id,
                "report a hazard in its self-check ledger",
            )?,
            Provenance::GovernmentInspection | Provenance::PublicTipoff => {
                require_government(actor, place, "record a government-side hazard")?
            }
            Provenance::UpstreamCommittee | Provenance::SensorPlatform => {
                require_bureau(actor, place, "record an upstream or sensor hazard")?
            }
            Provenance::Unspecified => {
                return Err(DomainError::invalid("provenance", "is required"));
            }
        }
        report
            .enterprise_standing
            .require_open(&report.enterprise_id)?;
        if report.provenance == Provenance::EnterpriseSelf && !report.inspection_id.is_empty() {
            return Err(DomainError::invalid(
                "inspection_id",
                "only government-side hazards come from an inspection",
            ));
        }
        let mut events = vec![HazardEvent::Reported(pb::HazardReported {
            hazard_id: context.aggregate_id.clone(),
            enterprise_id: report.enterprise_id.clone(),
            township_code: report.township_code.clone(),
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
            rule_version: rules::in_force(local_date(context.occurred_at))
                .version
                .to_string(),
        })];
        if report.level != HazardLevel::Unspecified {
            events.push(HazardEvent::Graded(pb::HazardGraded {
                hazard_id: context.aggregate_id.clone(),
                level: report.level as i32,
                criterion: report.level_criterion.clone(),
                previous_level: HazardLevel::Unspecified as i32,
            }));
        }
        Ok(events)
    }
}

fn level_name(level: HazardLevel) -> &'static str {
    match level {
        HazardLevel::General => "一般",
        HazardLevel::Major => "重大",
        HazardLevel::Unspecified => "ungraded",
    }
}

impl Aggregate for Hazard {
    type Event = HazardEvent;
    type Command = HazardCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "hazard";

    fn decide(
        &self,
        command: &HazardCommand,
        context: &CommandContext,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        if let HazardCommand::Report(report) = command {
            return self.decide_report(report, context);
        }
        if !self.exists() {
            return Err(DomainError::NotFound(format!(
                "hazards/{}",
                context.aggregate_id
            )));
        }
        self.authorize(command, &context.actor)?;
        let hazard_id = self.hazard_id.clone();
        use HazardStatus as S;
        let events = match command {
            HazardCommand::Report(_) => unreachable!("handled above"),

            HazardCommand::Grade { level, criterion } => {
                self.require_status(
                    &[
                        S::Reported,
                        S::Graded,
                        S::Rectifying,
                        S::AwaitingVerification,
                    ],
                    "HAZARD_ALREADY_RESOLVED",
                    "grade",
                )?;
                if self.listing.is_some() && *level != HazardLevel::Major {
                    return Err(DomainError::precondition(
                        "HAZARD_LISTED",
                        "a listed (挂牌) hazard stays 重大 until it is delisted",
                    ));
                }
                if *level == self.level && *criterion == self.level_criterion {
                    return Ok(Vec::new());
                }
                vec![HazardEvent::Graded(pb::HazardGraded {
                    hazard_id,
                    level: *level as i32,
                    criterion: criterion.clone(),
                    previous_level: self.level as i32,
                })]
            }

            HazardCommand::PlanRectification(plan) => {
                self.require_graded()?;
                self.require_status(
                    &[S::Graded, S::Rectifying],
                    "HAZARD_NOT_RECTIFIABLE",
                    "plan rectification",
                )?;
                if !self.is_self_check() || self.deadline_source == DeadlineSource::Order {
                    return Err(DomainError::precondition(
                        "HAZARD_DEADLINE_SET_BY_ORDER",
                        "the deadline of this hazard is set by a government order; request an extension instead",
                    ));
                }
                let deadline = plan.deadline.as_ref().and_then(|date| date.to_naive());
                let deadline =
                    deadline.ok_or_else(|| DomainError::invalid("plan.deadline", "is required"))?;
                self.require_deadline_not_before_report("plan.deadline", deadline)?;
                vec![HazardEvent::RectificationPlanned(
                    pb::RectificationPlanned {
                        hazard_id,
                        plan: Some(plan.clone()),
                    },
                )]
            }

            HazardCommand::OrderRectification(order) => {
                self.require_graded()?;
                self.require_status(
                    &[S::Graded, S::Rectifying],
                    "HAZARD_NOT_RECTIFIABLE",
                    "order rectification",
                )?;
                let deadline = order.deadline.as_ref().and_then(|date| date.to_naive());
                let deadline = deadline
                    .ok_or_else(|| DomainError::invalid("order.deadline", "is required"))?;
                self.require_deadline_not_before_report("order.deadline", deadline)?;
                vec![HazardEvent::RectificationOrdered(
                    pb::RectificationOrdered {
                        hazard_id,
                        order: Some(order.clone()),
                    },
                )]
            }

            HazardCommand::SubmitRemediationPlan(plan) => {
                self.require_graded()?;
                if !self.is_major() {
                    return Err(DomainError::precondition(
                        "HAZARD_NOT_MAJOR",
                        "a remediation plan (治理方案) is for 重大 hazards",
                    ));
                }
                self.require_status(
                    &[S::Graded, S::Rectifying],
                    "HAZARD_NOT_RECTIFIABLE",
                    "submit a remediation plan",
                )?;
                vec![HazardEvent::RemediationPlanSubmitted(
                    pb::RemediationPlanSubmitted {
                        hazard_id,
                        plan: Some(plan.clone()),
                    },
                )]
            }

            HazardCommand::FixOnSpot { note, evidence } => {
                self.require_status(
                    &[S::Reported, S::Graded],
                    "HAZARD_NOT_FIXABLE_ON_SPOT",
                    "fix on the spot",
                )?;
                if self.is_major() {
                    return Err(DomainError::precondition(
                        "HAZARD_MAJOR_CANNOT_BE_FIXED_ON_SPOT",
                        "a 重大 hazard needs a remediation plan and verification, not a fix on the spot",
                    ));
                }
                let mut events = Vec::new();
                if self.level == HazardLevel::Unspecified {
                    // Fixable at once is what 一般 means (16号令 Art. 3).
                    events.push(HazardEvent::Graded(pb::HazardGraded {
                        hazard_id: hazard_id.clone(),
                        level: HazardLevel::General as i32,
                        criterion: "即查即改".to_string(),
                        previous_level: HazardLevel::Unspecified as i32,
                    }));
                }
                events.push(HazardEvent::FixedOnSpot(pb::HazardFixedOnSpot {
                    hazard_id,
                    note: note.clone(),
                    evidence: evidence.clone(),
                }));
                events
            }

            HazardCommand::ClaimRectification { note, evidence } => {
                self.require_status(
                    &[S::Rectifying],
                    "HAZARD_NOT_RECTIFYING",
                    "claim rectification",
                )?;
                if self.is_major() && self.remediation_plan.is_none() {
                    return Err(DomainError::precondition(
                        "REMEDIATION_PLAN_REQUIRED",
                        "a 重大 hazard needs its remediation plan (治理方案) before a rectification claim",
                    ));
                }
                vec![HazardEvent::RectificationClaimed(
                    pb::RectificationClaimed {
                        hazard_id,
                        note: note.clone(),
                        evidence: evidence.clone(),
                    },
                )]
            }

            HazardCommand::Verify { note, evidence } => {
                self.require_status(
                    &[S::AwaitingVerification],
                    "HAZARD_NOT_AWAITING_VERIFICATION",
                    "verify",
                )?;
                vec![HazardEvent::RectificationVerified(
                    pb::RectificationVerified {
                        hazard_id,
                        note: note.clone(),
                        evidence: evidence.clone(),
                    },
                )]
            }

            HazardCommand::Reject {
                reason,
                new_deadline,
            } => {
                self.require_status(
                    &[S::AwaitingVerification],
                    "HAZARD_NOT_AWAITING_VERIFICATION",
                    "reject",
                )?;
                if let Some(deadline) = new_deadline {
                    self.require_deadline_not_before_report("new_deadline", *deadline)?;
                }
                vec![HazardEvent::RectificationRejected(
                    pb::RectificationRejected {
                        hazard_id,
                        reason: reason.clone(),
                        new_deadline: new_deadline.map(Into::into),
                    },
                )]
            }

            HazardCommand::RequestExtension {
                requested_deadline,
                reason,
            } => {
                self.require_status(
                    &[S::Rectifying],
                    "HAZARD_NOT_RECTIFYING",
                    "request an extension",
                )?;
                if self.deadline_source != DeadlineSource::Order {
                    return Err(DomainError::precondition(
                        "EXTENSION_NOT_APPLICABLE",
                        "the enterprise sets this deadline itself; revise the rectification plan instead",
                    ));
                }
                if self.pending_extension.is_some() {
                    return Err(DomainError::precondition(
                        "EXTENSION_ALREADY_PENDING",
                        "an extension request is already awaiting a decision",
                    ));
                }
                if let Some(current) = self.deadline
                    && *requested_deadline <= current
                {
                    return Err(DomainError::invalid(
                        "requested_deadline",
                        format!("must be after the current deadline {current}"),
                    ));
                }
                vec![HazardEvent::ExtensionRequested(pb::ExtensionRequested {
                    hazard_id,
                    requested_deadline: Some((*requested_deadline).into()),
                    reason: reason.clone(),
                })]
            }

            HazardCommand::DecideExtension {
                grant,
                new_deadline,
                note,
            } => {
                self.require_open()?;
                let Some(pending) = &self.pending_extension else {
                    return Err(DomainError::precondition(
                        "NO_EXTENSION_PENDING",
                        "no extension request awaits a decision",
                    ));
                };
                if *grant {
                    let requested = pending
                        .requested_deadline
                        .as_ref()
                        .and_then(|date| date.to_naive());
                    let granted = new_deadline.or(requested).ok_or_else(|| {
                        DomainError::invalid("new_deadline", "is required to grant an extension")
                    })?;
                    if let Some(current) = self.deadline
                        && granted <= current
                    {
                        return Err(DomainError::invalid(
                            "new_deadline",
                            format!("must be after the current deadline {current}"),
                        ));
                    }
                    vec![HazardEvent::ExtensionGranted(pb::ExtensionGranted {
                        hazard_id,
                        new_deadline: Some(granted.into()),
                        note: note.clone(),
                    })]
                } else {
                    vec![HazardEvent::ExtensionDenied(pb::ExtensionDenied {
                        hazard_id,
                        reason: note.clone(),
                    })]
                }
            }

            HazardCommand::Close { note } => {
                self.require_status(
                    &[S::Verified, S::FixedOnSpot],
                    "HAZARD_NOT_VERIFIED",
                    "close out",
                )?;
                if self.listing.is_some() {
                    return Err(DomainError::precondition(
                        "HAZARD_STILL_LISTED",
                        "a listed (挂牌) hazard is delisted (摘牌) before it is closed out",
                    ));
                }
                vec![HazardEvent::Closed(pb::HazardClosed {
                    hazard_id,
                    note: note.clone(),
                })]
            }

            HazardCommand::MarkListed {
                supervision_order_id,
                level,
            } => {
                self.require_open()?;
                if !self.is_major() {
                    return Err(DomainError::precondition(
                        "HAZARD_NOT_MAJOR",
                        "only 重大 hazards are listed (挂牌)",
                    ));
                }
                match &self.listing {
                    Some(listing) if listing.supervision_order_id == *supervision_order_id => {
                        Vec::new()
                    }
                    Some(listing) => {
                        return Err(DomainError::precondition(
                            "HAZARD_ALREADY_LISTED",
                            format!(
                                "already listed under supervision order {}",
                                listing.supervision_order_id
                            ),
                        ));
                    }
                    None => vec![HazardEvent::Listed(pb::HazardListed {
                        hazard_id,
                        supervision_order_id: supervision_order_id.clone(),
                        level: *level as i32,
                    })],
                }
            }

            HazardCommand::MarkDelisted {
                supervision_order_id,
            } => {
                let Some(listing) = &self.listing else {
                    return Err(DomainError::precondition(
                        "HAZARD_NOT_LISTED",
                        "the hazard is not listed",
                    ));
                };
                if let Some(order) = supervision_order_id
                    && *order != listing.supervision_order_id
                {
                    return Err(DomainError::precondition(
                        "HAZARD_LISTED_UNDER_ANOTHER_ORDER",
                        format!(
                            "listed under supervision order {}",
                            listing.supervision_order_id
                        ),
                    ));
                }
                vec![HazardEvent::Delisted(pb::HazardDelisted {
                    hazard_id,
                    supervision_order_id: listing.supervision_order_id.clone(),
                })]
            }

            HazardCommand::SuspendOperations { reason } => {
                self.require_open()?;
                if !self.is_major() {
                    return Err(DomainError::precondition(
                        "HAZARD_NOT_MAJOR",
                        "operations are suspended for 重大 hazards",
                    ));
                }
                if self.suspension.is_some() {
                    return Err(DomainError::precondition(
                        "OPERATIONS_ALREADY_SUSPENDED",
                        "operations are already suspended",
                    ));
                }
                vec![HazardEvent::OperationsSuspended(pb::OperationsSuspended {
                    hazard_id,
                    reason: reason.clone(),
                })]
            }

            HazardCommand::RequestResumption { note, evidence } => {
                let Some(suspension) = &self.suspension else {
                    return Err(DomainError::precondition(
                        "OPERATIONS_NOT_SUSPENDED",
                        "operations are not suspended",
                    ));
                };
                if suspension.resumption_requested.is_some() {
                    return Err(DomainError::precondition(
                        "RESUMPTION_ALREADY_REQUESTED",
                        "a resumption request already awaits its on-site review",
                    ));
                }
                if !matches!(
                    self.status,
                    S::AwaitingVerification | S::Verified | S::Closed
                ) {
                    return Err(DomainError::precondition(
                        "HAZARD_NOT_REMEDIATED",
                        "claim the rectification before requesting resumption",
                    ));
                }
                let review_days = rules::by_version(&self.rule_version).resumption_review_days;
                let review_due = add_days(local_date(context.occurred_at), review_days);
                vec![HazardEvent::ResumptionRequested(pb::ResumptionRequested {
                    hazard_id,
                    note: note.clone(),
                    evidence: evidence.clone(),
                    review_due: Some(review_due.into()),
                })]
            }

            HazardCommand::DecideResumption { approve, note } => {
                let requested = self
                    .suspension
                    .as_ref()
                    .is_some_and(|suspension| suspension.resumption_requested.is_some());
                if !requested {
                    return Err(DomainError::precondition(
                        "RESUMPTION_NOT_REQUESTED",
                        "no resumption request awaits a decision",
                    ));
                }
                if *approve {
                    if !matches!(self.status, S::Verified | S::Closed) {
                        return Err(DomainError::precondition(
                            "HAZARD_NOT_VERIFIED",
                            "verify the rectification before approving resumption",
                        ));
                    }
                    vec![HazardEvent::ResumptionApproved(pb::ResumptionApproved {
                        hazard_id,
                        note: note.clone(),
                    })]
                } else {
                    vec![HazardEvent::ResumptionDenied(pb::ResumptionDenied {
                        hazard_id,
                        reason: note.clone(),
                    })]
                }
            }

            HazardCommand::ConfirmCounterpart {
                counterpart_hazard_id,
                note,
            } => {
                self.require_government_side("confirm a counterpart")?;
                if self.counterpart_hazard_id == *counterpart_hazard_id {
                    return Ok(Vec::new());
                }
                if !self.counterpart_hazard_id.is_empty() {
                    return Err(DomainError::precondition(
                        "COUNTERPART_ALREADY_MATCHED",
                        format!(
                            "{} is matched with hazards/{}; reject that match first",
                            self.name(),
                            self.counterpart_hazard_id
                        ),
                    ));
                }
                vec![HazardEvent::CounterpartMatchConfirmed(
                    pb::CounterpartMatchConfirmed {
                        hazard_id,
                        counterpart_hazard_id: counterpart_hazard_id.clone(),
                        note: note.clone(),
                    },
                )]
            }

            HazardCommand::RejectCounterpart {
                counterpart_hazard_id,
                reason,
            } => {
                self.require_government_side("reject a counterpart")?;
                let linked = self.counterpart_hazard_id == *counterpart_hazard_id;
                if !linked
                    && self
                        .rejected_counterpart_ids
                        .contains(counterpart_hazard_id)
                {
                    return Ok(Vec::new());
                }
                vec![HazardEvent::CounterpartMatchRejected(
                    pb::CounterpartMatchRejected {
                        hazard_id,
                        counterpart_hazard_id: counterpart_hazard_id.clone(),
                        reason: reason.clone(),
                    },
                )]
            }
        };
        Ok(events)
    }

    fn apply(&mut self, event: &HazardEvent, meta: &EventMeta) {
        self.updated_at = Some(meta.recorded_at);
        match event {
            HazardEvent::Reported(reported) => {
                self.hazard_id = reported.hazard_id.clone();
                self.enterprise_id = reported.enterprise_id.clone();
                self.township_code = reported.township_code.clone();
                self.provenance = reported.provenance();
                self.source_type = reported.source_type();
                self.category = reported.category();
                self.location = reported.location.clone();
                self.equipment = reported.equipment.clone();
                self.description = reported.description.clone();
                self.evidence = reported.evidence.clone();
                self.temporary_controls = reported.temporary_controls.clone();
                self.inspection_id = reported.inspection_id.clone();
                self.counterpart_hazard_id = reported.counterpart_hazard_id.clone();
                self.rule_version = reported.rule_version.clone();
                self.status = HazardStatus::Reported;
                self.reported = Some(decision(meta, "", &[]));
                self.reported_at = Some(meta.occurred_at);
                self.region = meta.region.clone();
            }
            HazardEvent::Graded(graded) => {
                self.level = graded.level();
                self.level_criterion = graded.criterion.clone();
                if self.status == HazardStatus::Reported {
                    self.status = HazardStatus::Graded;
                }
            }
            HazardEvent::RectificationPlanned(planned) => {
                self.deadline = planned
                    .plan
                    .as_ref()
                    .and_then(|plan| plan.deadline.as_ref())
                    .and_then(|date| date.to_naive());
                self.rectification_plan = planned.plan.clone();
                self.deadline_source = DeadlineSource::Plan;
                self.status = HazardStatus::Rectifying;
            }
            HazardEvent::RectificationOrdered(ordered) => {
                self.deadline = ordered
                    .order
                    .as_ref()
                    .and_then(|order| order.deadline.as_ref())
                    .and_then(|date| date.to_naive());
                self.rectification_order = ordered.order.clone();
                self.deadline_source = DeadlineSource::Order;
                self.pending_extension = None;
                self.status = HazardStatus::Rectifying;
            }
            HazardEvent::RemediationPlanSubmitted(submitted) => {
                self.remediation_plan = submitted.plan.clone();
            }
            HazardEvent::FixedOnSpot(fixed) => {
                self.verification = Some(decision(meta, &fixed.note, &fixed.evidence));
                self.status = HazardStatus::FixedOnSpot;
            }
            HazardEvent::RectificationClaimed(claimed) => {
                self.rectification_claim = Some(decision(meta, &claimed.note, &claimed.evidence));
                self.claimed_at = Some(meta.occurred_at);
                self.pending_extension = None;
                self.status = HazardStatus::AwaitingVerification;
            }
            HazardEvent::RectificationVerified(verified) => {
                self.verification = Some(decision(meta, &verified.note, &verified.evidence));
                self.status = HazardStatus::Verified;
            }
            HazardEvent::RectificationRejected(rejected) => {
                self.reopen_count += 1;
                self.rectification_claim = None;
                self.claimed_at = None;
                if let Some(deadline) = rejected
                    .new_deadline
                    .as_ref()
                    .and_then(|date| date.to_naive())
                {
                    self.deadline = Some(deadline);
                }
                self.status = HazardStatus::Rectifying;
            }
            HazardEvent::ExtensionRequested(requested) => {
                self.pending_extension = Some(pb::ExtensionRequest {
                    requested_deadline: requested.requested_deadline,
                    reason: requested.reason.clone(),
                    requested: Some(decision(meta, &requested.reason, &[])),
                });
            }
            HazardEvent::ExtensionGranted(granted) => {
                self.deadline = granted
                    .new_deadline
                    .as_ref()
                    .and_then(|date| date.to_naive());
                self.extensions_granted += 1;
                self.pending_extension = None;
            }
            HazardEvent::ExtensionDenied(_) => {
                self.pending_extension = None;
            }
            HazardEvent::Closed(_) => {
                self.closed_at = Some(meta.occurred_at);
                self.status = HazardStatus::Closed;
            }
            HazardEvent::Listed(listed) => {
                self.listing = Some(pb::Listing {
                    supervision_order_id: listed.supervision_order_id.clone(),
                    level: listed.level,
                    listed_at: Some(hl_proto::timestamp(meta.occurred_at)),
                });
            }
            HazardEvent::Delisted(_) => {
                self.listing = None;
            }
            HazardEvent::OperationsSuspended(suspended) => {
                self.suspension = Some(pb::Suspension {
                    reason: suspended.reason.clone(),
                    suspended_at: Some(hl_proto::timestamp(meta.occurred_at)),
                    resumption_requested: None,
                    review_due: None,
                });
            }
            HazardEvent::ResumptionRequested(requested) => {
                if let Some(suspension) = &mut self.suspension {
                    suspension.resumption_requested =
                        Some(decision(meta, &requested.note, &requested.evidence));
                    suspension.review_due = requested.review_due;
                }
            }
            HazardEvent::ResumptionApproved(_) => {
                self.suspension = None;
            }
            HazardEvent::CounterpartMatchConfirmed(confirmed) => {
                self.counterpart_hazard_id = confirmed.counterpart_hazard_id.clone();
                self.rejected_counterpart_ids
                    .retain(|rejected| *rejected != confirmed.counterpart_hazard_id);
            }
            HazardEvent::CounterpartMatchRejected(rejected) => {
                if self.counterpart_hazard_id == rejected.counterpart_hazard_id {
                    self.counterpart_hazard_id.clear();
                }
                if !self
                    .rejected_counterpart_ids
                    .contains(&rejected.counterpart_hazard_id)
                {
                    self.rejected_counterpart_ids
                        .push(rejected.counterpart_hazard_id.clone());
                }
            }
            HazardEvent::ResumptionDenied(_) => {
                if let Some(suspension) = &mut self.suspension {
                    suspension.resumption_requested = None;
                    suspension.review_due = None;
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "hazard_tests.rs"]
mod tests;
