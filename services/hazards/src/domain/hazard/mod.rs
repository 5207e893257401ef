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
//! right learns nothing about the hazard from the refusal. Each command's decision is its own
//! function, in `commands.rs`; who may give which command is [`Hazard::authorize`].

mod commands;
mod lifecycle;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use hl_directory::Standing;
use hl_domain::reasons::{self, Reason};
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::common::v1::{Actor, EvidenceRef};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::{HazardLevel, HazardStatus, Provenance};
use serde::{Deserialize, Serialize};

use super::access::{
    is_the_enterprise, require_bureau, require_enterprise_or_government, require_government,
    require_the_enterprise,
};
use super::{DomainError, decision};

pub use hl_proto::hazard_events::HazardEvent;
pub use lifecycle::{
    DeadlineSource, HazardFacts, HazardLifecycle, government_verifies, is_government_provenance,
    is_overdue, overdue_from,
};

/// A new hazard as reported. Validated for shape by the API before it gets here.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportHazard {
    /// What the registry says of the enterprise on the day the hazard was found.
    pub enterprise: Standing,
    /// District code of the recording bureau.
    pub region: String,
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

/// What a listing needs to know of the supervision order it names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ListingOrder {
    pub status: pb::SupervisionOrderStatus,
    /// The order names this hazard: an order lists only its own hazards, so that its delisting
    /// (摘牌) and its acceptance reach every hazard listed under it.
    pub names_the_hazard: bool,
}

/// What may be asked of a hazard. A command lives for one request, so the report's size next to
/// the other variants costs nothing worth a box.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum HazardCommand {
    Report(ReportHazard),
    Grade {
        level: HazardLevel,
        criterion: String,
        /// Why the grade changes; required for a regrade.
        reason: String,
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
        /// The order as the store holds it; None when there is no such order.
        order: Option<ListingOrder>,
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

/// The state of one hazard: its facts and lifecycle (what the ledgers read), and the documents
/// and decisions behind them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hazard {
    pub facts: HazardFacts,
    pub lifecycle: HazardLifecycle,
    pub evidence: Vec<EvidenceRef>,
    pub temporary_controls: String,
    pub level_criterion: String,
    pub rectification_plan: Option<pb::RectificationPlan>,
    pub rectification_order: Option<pb::RectificationOrder>,
    pub remediation_plan: Option<pb::RemediationPlan>,
    pub rectification_claim: Option<pb::Decision>,
    pub verification: Option<pb::Decision>,
    pub pending_extension: Option<pb::ExtensionRequest>,
    pub extensions_granted: u32,
    pub listing: Option<pb::Listing>,
    pub suspension: Option<pb::Suspension>,
    pub rejected_counterpart_ids: Vec<String>,
    pub reported: Option<pb::Decision>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl Hazard {
    pub fn exists(&self) -> bool {
        !self.facts.hazard_id.is_empty()
    }

    /// The most specific place code known: the township's, else the district's.
    pub fn place(&self) -> &str {
        if self.facts.township_code.is_empty() {
            &self.facts.region
        } else {
            &self.facts.township_code
        }
    }

    pub fn is_self_check(&self) -> bool {
        !self.facts.is_government_side()
    }

    pub fn is_major(&self) -> bool {
        self.lifecycle.is_major()
    }

    pub fn status(&self) -> HazardStatus {
        self.lifecycle.status
    }

    /// Past its deadline and not verified, as of a time.
    pub fn is_overdue(&self, as_of: DateTime<Utc>) -> bool {
        lifecycle::is_overdue(&self.facts, &self.lifecycle, as_of)
    }

    fn name(&self) -> String {
        format!("hazards/{}", self.facts.hazard_id)
    }

    fn report_date(&self) -> NaiveDate {
        self.facts.reported_day()
    }

    fn require_open(&self) -> Result<(), DomainError> {
        if self.status() == HazardStatus::Closed {
            return Err(DomainError::precondition(
                reasons::HAZARD_CLOSED,
                format!("{} is closed out", self.name()),
            ));
        }
        Ok(())
    }

    fn require_status(
        &self,
        allowed: &[HazardStatus],
        reason: Reason,
        what: &str,
    ) -> Result<(), DomainError> {
        self.require_open()?;
        if allowed.contains(&self.status()) {
            Ok(())
        } else {
            Err(DomainError::precondition(
                reason,
                format!(
                    "{what}: {} is {}",
                    self.name(),
                    self.status()
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
                reasons::MATCH_DECIDED_ON_GOVERNMENT_SIDE,
                format!(
                    "{action} on the government-side hazard of the pair, not on the self-check entry"
                ),
            ));
        }
        Ok(())
    }

    fn require_graded(&self) -> Result<(), DomainError> {
        self.require_open()?;
        if self.status() == HazardStatus::Reported {
            return Err(DomainError::precondition(
                reasons::HAZARD_NOT_GRADED,
                format!("{} must be graded 一般 or 重大 first", self.name()),
            ));
        }
        Ok(())
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

    /// Verification (验收) and its rejection and the close-out: the government side for every
    /// hazard in its jurisdiction; the enterprise only where [`government_verifies`] says not.
    fn require_verifier(&self, actor: &Actor, action: &str) -> Result<(), DomainError> {
        if is_the_enterprise(actor, &self.facts.enterprise_id) {
            if !government_verifies(&self.facts, &self.lifecycle) {
                return Ok(());
            }
            return Err(DomainError::forbidden(
                reasons::ENTERPRISE_CANNOT_VERIFY,
                format!(
                    "an enterprise may {action} only its own self-check hazards graded 一般 with a deadline it set; {} is {} in the {} ledger{}",
                    self.name(),
                    level_name(self.lifecycle.level),
                    if self.is_self_check() {
                        "enterprise"
                    } else {
                        "government"
                    },
                    if self.lifecycle.deadline_source == DeadlineSource::Order {
                        ", with a deadline the government ordered"
                    } else {
                        ""
                    },
                ),
            ));
        }
        require_enterprise_or_government(actor, &self.facts.enterprise_id, self.place(), action)
    }

    /// Who may give a command to this hazard (DOMAIN.md §1). Checked before anything about the
    /// hazard's state, so a refusal tells an actor without the right nothing about the hazard.
    fn authorize(&self, command: &HazardCommand, actor: &Actor) -> Result<(), DomainError> {
        let enterprise = self.facts.enterprise_id.as_str();
        let place = self.place();
        let by_the_enterprise = |action| require_the_enterprise(actor, enterprise, action);
        let by_either = |action| require_enterprise_or_government(actor, enterprise, place, action);
        let by_government = |action| require_government(actor, place, action);
        match command {
            HazardCommand::Report(_) => Ok(()),
            HazardCommand::Grade { level, .. } => {
                if is_the_enterprise(actor, enterprise) {
                    self.enterprise_may_grade(*level)?;
                }
                by_either("grade a hazard")
            }
            HazardCommand::PlanRectification(_) => {
                by_the_enterprise("plan the rectification (五定)")
            }
            HazardCommand::OrderRectification(_) => {
                by_government("order rectification (责令限期整改)")
            }
            HazardCommand::SubmitRemediationPlan(_) => by_either("submit a remediation plan"),
            HazardCommand::FixOnSpot { .. } if !self.is_self_check() => {
                by_government("record 即查即改 of a government finding")
            }
            HazardCommand::FixOnSpot { .. } => by_either("fix a hazard on the spot"),
            HazardCommand::ClaimRectification { .. } => by_the_enterprise("claim a rectification"),
            HazardCommand::Verify { .. } => self.require_verifier(actor, "verify"),
            HazardCommand::Reject { .. } => self.require_verifier(actor, "reject"),
            HazardCommand::Close { .. } => self.require_verifier(actor, "close out"),
            HazardCommand::RequestExtension { .. } => by_the_enterprise("request an extension"),
            HazardCommand::DecideExtension { .. } => by_government("decide an extension"),
            HazardCommand::MarkListed { .. } => {
                require_bureau(actor, place, "list a hazard (挂牌)")
            }
            HazardCommand::MarkDelisted { .. } => {
                require_bureau(actor, place, "delist a hazard (摘牌)")
            }
            HazardCommand::SuspendOperations { .. } => by_government("suspend operations"),
            HazardCommand::RequestResumption { .. } => by_the_enterprise("request resumption"),
            HazardCommand::DecideResumption { .. } => by_government("decide on resumption"),
            HazardCommand::ConfirmCounterpart { .. } | HazardCommand::RejectCounterpart { .. } => {
                by_government("decide a two-ledger match")
            }
        }
    }
}

impl Hazard {
    /// An enterprise grades only its own entries, never downgrades a 重大 one, and never
    /// overrides the government's grade.
    fn enterprise_may_grade(&self, level: HazardLevel) -> Result<(), DomainError> {
        let refusal = if !self.is_self_check() {
            Some((
                reasons::ENTERPRISE_CANNOT_GRADE_GOVERNMENT_FINDING,
                "a government finding is graded by the government side",
            ))
        } else if self.lifecycle.graded_by_government {
            Some((
                reasons::GRADED_BY_GOVERNMENT,
                "the government side graded this hazard; only it regrades it",
            ))
        } else if self.is_major() && level != HazardLevel::Major {
            Some((
                reasons::ENTERPRISE_CANNOT_DOWNGRADE_MAJOR,
                "an enterprise may not downgrade a 重大 hazard; the government side regrades it",
            ))
        } else {
            None
        };
        match refusal {
            Some((reason, message)) => Err(DomainError::forbidden(reason, message)),
            None => Ok(()),
        }
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
    const COLLECTION: &'static str = "hazards";
    /// 2: facts and lifecycle became parts of their own.
    const SNAPSHOT_VERSION: u32 = 2;

    /// Another enterprise does not learn whether this enterprise's records exist.
    fn known_to(&self, actor: &hl_proto::common::v1::Actor) -> bool {
        hl_domain::access::may_know_of(actor, &self.facts.enterprise_id)
    }

    fn expects(command: &HazardCommand) -> Expects {
        match command {
            HazardCommand::Report(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &HazardCommand,
        context: &CommandContext,
    ) -> Result<Vec<HazardEvent>, DomainError> {
        self.authorize(command, &context.actor)?;
        match command {
            HazardCommand::Report(report) => commands::report(report, context),
            HazardCommand::Grade {
                level,
                criterion,
                reason,
            } => self.grade(*level, criterion, reason),
            HazardCommand::PlanRectification(plan) => self.plan_rectification(plan),
            HazardCommand::OrderRectification(order) => self.order_rectification(order),
            HazardCommand::SubmitRemediationPlan(plan) => self.submit_remediation_plan(plan),
            HazardCommand::FixOnSpot { note, evidence } => self.fix_on_spot(note, evidence),
            HazardCommand::ClaimRectification { note, evidence } => self.claim(note, evidence),
            HazardCommand::Verify { note, evidence } => self.verify(note, evidence),
            HazardCommand::Reject {
                reason,
                new_deadline,
            } => self.reject(reason, *new_deadline),
            HazardCommand::RequestExtension {
                requested_deadline,
                reason,
            } => self.request_extension(*requested_deadline, reason),
            HazardCommand::DecideExtension {
                grant,
                new_deadline,
                note,
            } => self.decide_extension(*grant, *new_deadline, note),
            HazardCommand::Close { note } => self.close(note),
            HazardCommand::MarkListed {
                supervision_order_id,
                level,
                order,
            } => self.mark_listed(supervision_order_id, *level, *order),
            HazardCommand::MarkDelisted {
                supervision_order_id,
            } => self.mark_delisted(supervision_order_id.as_deref()),
            HazardCommand::SuspendOperations { reason } => self.suspend_operations(reason),
            HazardCommand::RequestResumption { note, evidence } => {
                self.request_resumption(note, evidence, context)
            }
            HazardCommand::DecideResumption { approve, note } => {
                self.decide_resumption(*approve, note)
            }
            HazardCommand::ConfirmCounterpart {
                counterpart_hazard_id,
                note,
            } => self.confirm_counterpart(counterpart_hazard_id, note),
            HazardCommand::RejectCounterpart {
                counterpart_hazard_id,
                reason,
            } => self.reject_counterpart(counterpart_hazard_id, reason),
        }
    }

    fn apply(&mut self, event: &HazardEvent, meta: &EventMeta) {
        self.updated_at = Some(meta.recorded_at);
        self.lifecycle.apply(event, meta);
        match event {
            HazardEvent::Reported(reported) => {
                self.facts = HazardFacts::reported(reported, meta);
                self.evidence = reported.evidence.clone();
                self.temporary_controls = reported.temporary_controls.clone();
                self.reported = Some(decision(meta, "", &[]));
            }
            HazardEvent::Graded(graded) => self.level_criterion = graded.criterion.clone(),
            HazardEvent::RectificationPlanned(planned) => {
                self.rectification_plan = planned.plan.clone();
            }
            HazardEvent::RectificationOrdered(ordered) => {
                self.rectification_order = ordered.order.clone();
                self.pending_extension = None;
            }
            HazardEvent::RemediationPlanSubmitted(submitted) => {
                self.remediation_plan = submitted.plan.clone();
            }
            HazardEvent::FixedOnSpot(fixed) => {
                self.verification = Some(decision(meta, &fixed.note, &fixed.evidence));
            }
            HazardEvent::RectificationClaimed(claimed) => {
                self.rectification_claim = Some(decision(meta, &claimed.note, &claimed.evidence));
                self.pending_extension = None;
            }
            HazardEvent::RectificationVerified(verified) => {
                self.verification = Some(decision(meta, &verified.note, &verified.evidence));
            }
            HazardEvent::RectificationRejected(_) => self.rectification_claim = None,
            HazardEvent::ExtensionRequested(requested) => {
                self.pending_extension = Some(pb::ExtensionRequest {
                    requested_deadline: requested.requested_deadline,
                    reason: requested.reason.clone(),
                    requested: Some(decision(meta, &requested.reason, &[])),
                });
            }
            HazardEvent::ExtensionGranted(_) => {
                self.extensions_granted += 1;
                self.pending_extension = None;
            }
            HazardEvent::ExtensionDenied(_) => self.pending_extension = None,
            HazardEvent::Listed(listed) => {
                self.listing = Some(pb::Listing {
                    supervision_order_id: listed.supervision_order_id.clone(),
                    level: listed.level,
                    listed_at: Some(hl_proto::timestamp(meta.occurred_at)),
                });
            }
            HazardEvent::Delisted(_) => self.listing = None,
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
            HazardEvent::ResumptionApproved(_) => self.suspension = None,
            HazardEvent::ResumptionDenied(_) => {
                if let Some(suspension) = &mut self.suspension {
                    suspension.resumption_requested = None;
                    suspension.review_due = None;
                }
            }
            HazardEvent::CounterpartMatchConfirmed(confirmed) => {
                self.rejected_counterpart_ids
                    .retain(|rejected| *rejected != confirmed.counterpart_hazard_id);
            }
            HazardEvent::CounterpartMatchRejected(rejected) => {
                if !self
                    .rejected_counterpart_ids
                    .contains(&rejected.counterpart_hazard_id)
                {
                    self.rejected_counterpart_ids
                        .push(rejected.counterpart_hazard_id.clone());
                }
            }
            HazardEvent::Closed(_) => {}
        }
    }
}
