//! The two parts of a hazard that the ledgers are read from: its facts, fixed when it is
//! reported, and its lifecycle, which the state machine changes. The aggregate and the read
//! model fold them with the same [`HazardLifecycle::apply`], so the ledger shows exactly what
//! the domain decided on, and "overdue" has one definition.

use chrono::{DateTime, NaiveDate, Utc};
use hl_domain::EventMeta;
use hl_domain::access::is_government_side;
use hl_domain::clock::local_date;
use hl_proto::hazards::v1::{HazardCategory, HazardLevel, HazardStatus, Provenance, SourceType};
use serde::{Deserialize, Serialize};

use super::HazardEvent;

/// Whether a provenance puts a hazard in the government's ledger: every side but the
/// enterprise's own self-check (DOMAIN.md §0, "Provenance").
pub fn is_government_provenance(provenance: Provenance) -> bool {
    !matches!(
        provenance,
        Provenance::EnterpriseSelf | Provenance::Unspecified
    )
}

/// What never changes after a hazard is reported.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HazardFacts {
    pub hazard_id: String,
    pub enterprise_id: String,
    /// The district that recorded it.
    pub region: String,
    /// The township the registry had the enterprise in on the day it was found.
    pub township_code: String,
    pub provenance: Provenance,
    pub source_type: SourceType,
    pub category: HazardCategory,
    pub location: String,
    pub equipment: String,
    pub description: String,
    pub inspection_id: String,
    /// The government-side entry an enterprise cited when it reported: a proposal for an
    /// officer, never a pair by itself.
    pub cited_hazard_id: String,
    /// The hazard rules in force the day it was found; later decisions use them.
    pub rule_version: String,
    /// When it was found (business time).
    pub reported_at: DateTime<Utc>,
    /// When the report was recorded in the ledger.
    pub recorded_at: DateTime<Utc>,
    /// Loaded from a past (paper) ledger by a bureau administrator.
    pub migrated: bool,
}

impl HazardFacts {
    /// In the government's ledger, as opposed to the enterprise's own.
    pub fn is_government_side(&self) -> bool {
        is_government_provenance(self.provenance)
    }

    /// The day it was found, in Asia/Shanghai.
    pub fn reported_day(&self) -> NaiveDate {
        local_date(self.reported_at)
    }

    /// Recorded on a later day than it says it was found, by whoever found it (a migration of a
    /// past ledger is not backdating).
    pub fn is_backdated(&self) -> bool {
        !self.migrated && local_date(self.recorded_at) > self.reported_day()
    }

    /// When the ledger had it: when it was recorded, or for a past ledger the bureau loaded, when
    /// that ledger says it was entered.
    pub fn entered_at(&self) -> DateTime<Utc> {
        if self.migrated {
            self.reported_at
        } else {
            self.recorded_at
        }
    }
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

impl From<DeadlineSource> for i32 {
    fn from(source: DeadlineSource) -> i32 {
        match source {
            DeadlineSource::None => 0,
            DeadlineSource::Plan => 1,
            DeadlineSource::Order => 2,
        }
    }
}

impl TryFrom<i32> for DeadlineSource {
    type Error = i32;

    fn try_from(code: i32) -> Result<Self, i32> {
        match code {
            0 => Ok(DeadlineSource::None),
            1 => Ok(DeadlineSource::Plan),
            2 => Ok(DeadlineSource::Order),
            other => Err(other),
        }
    }
}

/// What the state machine changes over a hazard's life.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HazardLifecycle {
    pub status: HazardStatus,
    pub level: HazardLevel,
    /// The last grading was the government side's.
    pub graded_by_government: bool,
    /// The deadline in force, a calendar date.
    pub deadline: Option<NaiveDate>,
    pub deadline_source: DeadlineSource,
    /// The supervision order it is listed (挂牌) under; empty when not listed.
    pub supervision_order_id: String,
    pub suspended: bool,
    /// The latest rectification claim (business time).
    pub claimed_at: Option<DateTime<Utc>>,
    /// The latest verification or rejection.
    pub verdict_at: Option<DateTime<Utc>>,
    /// The verification, or the fix on the spot.
    pub verified_at: Option<DateTime<Utc>>,
    pub verified_by_government: bool,
    pub closed_at: Option<DateTime<Utc>>,
    /// The first thing a government-side actor did about the hazard (its report included).
    pub first_government_action_at: Option<DateTime<Utc>>,
    /// Claims rejected, by anyone (the reopen count).
    pub rejections: u32,
    /// Claims rejected by the government's check.
    pub government_rejections: u32,
    /// The latest rejection by the government's check.
    pub government_rejected_at: Option<DateTime<Utc>>,
    /// The counterpart in the other ledger.
    pub counterpart_hazard_id: String,
    pub last_event_id: String,
}

impl HazardLifecycle {
    pub fn is_listed(&self) -> bool {
        !self.supervision_order_id.is_empty()
    }

    pub fn is_major(&self) -> bool {
        self.level == HazardLevel::Major
    }

    /// The state after one event.
    pub fn apply(&mut self, event: &HazardEvent, meta: &EventMeta) {
        let at = meta.occurred_at;
        let by_government = is_government_side(&meta.actor);
        if by_government && self.first_government_action_at.is_none() {
            self.first_government_action_at = Some(at);
        }
        match event {
            HazardEvent::Reported(reported) => {
                self.status = HazardStatus::Reported;
                // Only the government side's citation forms a pair.
                if is_government_provenance(reported.provenance()) {
                    self.counterpart_hazard_id = reported.counterpart_hazard_id.clone();
                }
            }
            HazardEvent::Graded(graded) => {
                self.level = graded.level();
                self.graded_by_government = by_government;
                if self.status == HazardStatus::Reported {
                    self.status = HazardStatus::Graded;
                }
            }
            HazardEvent::RectificationPlanned(planned) => {
                self.set_deadline(
                    planned
                        .plan
                        .as_ref()
                        .and_then(|plan| plan.deadline.as_ref()),
                    DeadlineSource::Plan,
                );
            }
            HazardEvent::RectificationOrdered(ordered) => {
                self.set_deadline(
                    ordered
                        .order
                        .as_ref()
                        .and_then(|order| order.deadline.as_ref()),
                    DeadlineSource::Order,
                );
            }
            HazardEvent::FixedOnSpot(_) => {
                self.status = HazardStatus::FixedOnSpot;
                self.verified_at = Some(at);
                self.verified_by_government = by_government;
            }
            HazardEvent::RectificationClaimed(_) => {
                self.status = HazardStatus::AwaitingVerification;
                self.claimed_at = Some(at);
            }
            HazardEvent::RectificationVerified(_) => {
                self.status = HazardStatus::Verified;
                self.verdict_at = Some(at);
                self.verified_at = Some(at);
                self.verified_by_government = by_government;
            }
            HazardEvent::RectificationRejected(rejected) => {
                self.status = HazardStatus::Rectifying;
                self.verdict_at = Some(at);
                self.rejections += 1;
                if by_government {
                    self.government_rejections += 1;
                    self.government_rejected_at = Some(at);
                }
                if let Some(deadline) = rejected.new_deadline.and_then(|date| date.to_naive()) {
                    self.deadline = Some(deadline);
                }
            }
            HazardEvent::ExtensionGranted(granted) => {
                self.deadline = granted.new_deadline.and_then(|date| date.to_naive());
            }
            HazardEvent::Closed(_) => {
                self.status = HazardStatus::Closed;
                self.closed_at = Some(at);
            }
            HazardEvent::Listed(listed) => {
                self.supervision_order_id = listed.supervision_order_id.clone();
            }
            HazardEvent::Delisted(_) => self.supervision_order_id.clear(),
            HazardEvent::OperationsSuspended(_) => self.suspended = true,
            HazardEvent::ResumptionApproved(_) => self.suspended = false,
            HazardEvent::CounterpartMatchConfirmed(confirmed) => {
                self.counterpart_hazard_id = confirmed.counterpart_hazard_id.clone();
            }
            HazardEvent::CounterpartMatchRejected(rejected) => {
                if self.counterpart_hazard_id == rejected.counterpart_hazard_id {
                    self.counterpart_hazard_id.clear();
                }
            }
            HazardEvent::RemediationPlanSubmitted(_)
            | HazardEvent::ExtensionRequested(_)
            | HazardEvent::ExtensionDenied(_)
            | HazardEvent::ResumptionRequested(_)
            | HazardEvent::ResumptionDenied(_) => {}
        }
        self.last_event_id = meta.event_id.clone();
    }

    fn set_deadline(
        &mut self,
        deadline: Option<&hl_proto::common::v1::Date>,
        source: DeadlineSource,
    ) {
        self.deadline = deadline.and_then(|date| date.to_naive());
        self.deadline_source = source;
        self.status = HazardStatus::Rectifying;
    }
}

impl HazardFacts {
    /// The facts a report records.
    pub fn reported(reported: &hl_proto::hazards::v1::HazardReported, meta: &EventMeta) -> Self {
        HazardFacts {
            hazard_id: reported.hazard_id.clone(),
            enterprise_id: reported.enterprise_id.clone(),
            region: meta.region.clone(),
            township_code: reported.township_code.clone(),
            provenance: reported.provenance(),
            source_type: reported.source_type(),
            category: reported.category(),
            location: reported.location.clone(),
            equipment: reported.equipment.clone(),
            description: reported.description.clone(),
            inspection_id: reported.inspection_id.clone(),
            cited_hazard_id: if is_government_provenance(reported.provenance()) {
                String::new()
            } else {
                reported.counterpart_hazard_id.clone()
            },
            rule_version: reported.rule_version.clone(),
            reported_at: meta.occurred_at,
            recorded_at: meta.recorded_at,
            migrated: meta.migrated_by.is_some(),
        }
    }
}

/// Whether the verdict on a rectification (验收) is the government's: for every 重大 hazard,
/// every hazard of a government-side provenance, and every hazard whose deadline the government
/// ordered. The enterprise gives it only for its own 一般 self-check hazards with a deadline it
/// set itself.
pub fn government_verifies(facts: &HazardFacts, lifecycle: &HazardLifecycle) -> bool {
    facts.is_government_side()
        || lifecycle.is_major()
        || lifecycle.deadline_source == DeadlineSource::Order
}

/// Past its deadline and not verified, as of a time (D5): on or after the day
/// [`overdue_from`] gives.
pub fn is_overdue(facts: &HazardFacts, lifecycle: &HazardLifecycle, as_of: DateTime<Utc>) -> bool {
    overdue_from(facts, lifecycle).is_some_and(|first_day| local_date(as_of) >= first_day)
}

/// The first day (Asia/Shanghai) a hazard as it stands is overdue on, if it ever is: the day
/// after its deadline, while it is not verified. Overdue then depends on the day alone, so a read
/// model keeps this day with the hazard and a list of overdue hazards is a comparison of dates.
/// A claim made by the deadline that waits for the government's verdict is the government's lag
/// (D2), not the enterprise's; a claim the enterprise itself must verify does not stop the clock.
pub fn overdue_from(facts: &HazardFacts, lifecycle: &HazardLifecycle) -> Option<NaiveDate> {
    let deadline = lifecycle.deadline?;
    let binds = match lifecycle.status {
        HazardStatus::Rectifying => true,
        HazardStatus::AwaitingVerification => {
            let claimed_in_time = lifecycle
                .claimed_at
                .is_some_and(|claimed| local_date(claimed) <= deadline);
            !(claimed_in_time && government_verifies(facts, lifecycle))
        }
        _ => false,
    };
    binds.then(|| deadline.succ_opt().unwrap_or(NaiveDate::MAX))
}
