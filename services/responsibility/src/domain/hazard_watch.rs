//! 履责 read from the hazards stream, as pure logic: the few facts of a hazard's history the
//! duties depend on, and what one commit of that history derives for the months of duty:
//! - a self-reported 重大 hazard owes its enterprise's responsible officer the government's
//!   review by the end of the review clock;
//! - the government's first step about it is that review, whoever took it;
//! - a government check of a claimed rectification (验收 or rejection, on site) is a visit of
//!   the enterprise by the officer who made it.
//!
//! Each derivation comes from the facts before and after one commit, so reading the history up
//! to any commit gives the same answer however often it is read.

use chrono::NaiveDate;
use hl_domain::EventMeta;
use hl_domain::access::is_government_side;
use hl_domain::clock::local_date;
use hl_proto::hazard_events::HazardEvent;
use hl_proto::hazards::v1::{HazardLevel, Provenance};

/// What the duties read of one hazard.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HazardWatch {
    pub enterprise_id: String,
    pub township_code: String,
    /// Reported by the enterprise in its own ledger (企业自查).
    pub self_reported: bool,
    pub reported_on: Option<NaiveDate>,
    pub major: bool,
    /// The day of the government side's first step about it, and who took it.
    pub first_government_step: Option<(NaiveDate, String)>,
}

/// What one commit of a hazard derives.
#[derive(Clone, Debug, PartialEq)]
pub enum Derived {
    /// The responsible officer on `reported_on` owes its review by `due_on`.
    ReviewOwed {
        reported_on: NaiveDate,
        due_on: NaiveDate,
    },
    /// The government's first step about an owed review.
    Reviewed {
        on: NaiveDate,
        by: String,
        reported_on: NaiveDate,
        due_on: NaiveDate,
    },
    /// A government check of a claimed rectification, by the officer who made it.
    RectificationChecked {
        on: NaiveDate,
        by: String,
        event_id: String,
    },
}

impl HazardWatch {
    pub fn apply(&mut self, event: &HazardEvent, meta: &EventMeta) {
        if is_government_side(&meta.actor) && self.first_government_step.is_none() {
            self.first_government_step =
                Some((local_date(meta.occurred_at), meta.actor.id.clone()));
        }
        match event {
            HazardEvent::Reported(reported) => {
                self.enterprise_id = reported.enterprise_id.clone();
                self.township_code = reported.township_code.clone();
                self.self_reported = reported.provenance() == Provenance::EnterpriseSelf;
                self.reported_on = Some(local_date(meta.occurred_at));
            }
            // Once 重大, the clock started: a later regrade does not take the duty back.
            HazardEvent::Graded(graded) => self.major |= graded.level() == HazardLevel::Major,
            _ => {}
        }
    }

    /// A self-reported 重大 hazard: the government owes it a review.
    pub fn owes_review(&self) -> bool {
        self.self_reported && self.major && self.reported_on.is_some()
    }

    fn reviewed(&self) -> bool {
        self.owes_review() && self.first_government_step.is_some()
    }

    /// The day it was reported and the last day of its review clock.
    fn review_clock(&self, review_days: i64) -> Option<(NaiveDate, NaiveDate)> {
        let reported_on = self.reported_on?;
        Some((
            reported_on,
            reported_on + chrono::Days::new(review_days.max(0) as u64),
        ))
    }
}

/// The state after one commit, and what the commit derives.
pub fn derive(
    before: &HazardWatch,
    events: &[(HazardEvent, EventMeta)],
    review_days: i64,
) -> (HazardWatch, Vec<Derived>) {
    let mut after = before.clone();
    let mut derived = Vec::new();
    for (event, meta) in events {
        after.apply(event, meta);
        let check = matches!(
            event,
            HazardEvent::RectificationVerified(_) | HazardEvent::RectificationRejected(_)
        );
        if check && is_government_side(&meta.actor) {
            derived.push(Derived::RectificationChecked {
                on: local_date(meta.occurred_at),
                by: meta.actor.id.clone(),
                event_id: meta.event_id.clone(),
            });
        }
    }
    let Some((reported_on, due_on)) = after.review_clock(review_days) else {
        return (after, derived);
    };
    if after.owes_review() && !before.owes_review() {
        derived.push(Derived::ReviewOwed {
            reported_on,
            due_on,
        });
    }
    if after.reviewed()
        && !before.reviewed()
        && let Some((on, by)) = after.first_government_step.clone()
    {
        derived.push(Derived::Reviewed {
            on,
            by,
            reported_on,
            due_on,
        });
    }
    (after, derived)
}
