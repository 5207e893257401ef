//! A five-stop order (五停令): issued under a disaster event's response, naming its issuer and
//! areas and the stops it starts (停止户外集体活动, 停课, 停工, 停业, 停运). Amendments add areas and
//! stops; exemptions and township compliance checks are recorded while it is in force; each stop
//! is lifted on its own, and the order is Lifted with its last one. A stop never started, or
//! already lifted, cannot be lifted: the record says exactly when each stop held.

use chrono::{DateTime, Utc};
use hl_domain::access::require_government;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::{FiveStopStatus, ResponseLevel, StopMeasure};
use hl_proto::plans_events::FiveStopOrderEvent;
use serde::{Deserialize, Serialize};

use super::DomainError;

#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub region: String,
    pub disaster_event_id: String,
    /// The event's response level now, read by the caller; `Unspecified` when the event is
    /// closed or has no response in force.
    pub event_level: ResponseLevel,
    pub issuer: String,
    pub document_number: String,
    pub areas: Vec<pb::OrderArea>,
    pub measures: Vec<StopMeasure>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FiveStopCommand {
    Issue(Issue),
    Amend {
        add_areas: Vec<pb::OrderArea>,
        add_measures: Vec<StopMeasure>,
        reason: String,
    },
    Lift {
        measure: StopMeasure,
    },
    Exempt {
        measure: StopMeasure,
        subject: String,
        reason: String,
    },
    CheckCompliance {
        township_code: String,
        compliant: bool,
        findings: Vec<String>,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FiveStopOrder {
    pub order_id: String,
    pub region: String,
    pub disaster_event_id: String,
    pub issued_at_level: ResponseLevel,
    pub issuer: String,
    pub document_number: String,
    pub areas: Vec<pb::OrderArea>,
    pub measures: Vec<pb::StopMeasureState>,
    pub exemptions: Vec<pb::StopExemption>,
    pub checks: Vec<pb::ComplianceCheck>,
    pub status: FiveStopStatus,
    pub issued_at: Option<DateTime<Utc>>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub amendments: Vec<String>,
}

impl FiveStopOrder {
    fn measure(&self, measure: StopMeasure) -> Option<&pb::StopMeasureState> {
        self.measures
            .iter()
            .find(|state| state.measure == measure as i32)
    }

    /// The stops in force: started and not lifted.
    pub fn in_force(&self) -> impl Iterator<Item = StopMeasure> + '_ {
        self.measures
            .iter()
            .filter(|state| state.lifted_at.is_none())
            .map(|state| state.measure())
    }

    fn covers_township(&self, township_code: &str) -> bool {
        self.areas
            .iter()
            .any(|area| area.township_code == township_code)
    }

    /// Refuses a step on a lifted order.
    fn require_in_force(&self, doing: &str) -> Result<(), DomainError> {
        if self.status == FiveStopStatus::Lifted {
            return Err(DomainError::precondition(
                reasons::ORDER_LIFTED,
                format!("fiveStopOrders/{} is lifted: cannot {doing}", self.order_id),
            ));
        }
        Ok(())
    }

    /// Refuses a measure the order has not started, or has lifted.
    fn require_measure_in_force(&self, measure: StopMeasure) -> Result<(), DomainError> {
        let name = measure.as_str_name();
        match self.measure(measure) {
            None => Err(DomainError::precondition(
                reasons::MEASURE_NOT_STARTED,
                format!("fiveStopOrders/{} never started {name}", self.order_id),
            )),
            Some(state) if state.lifted_at.is_some() => Err(DomainError::precondition(
                reasons::MEASURE_ALREADY_LIFTED,
                format!("fiveStopOrders/{} already lifted {name}", self.order_id),
            )),
            Some(_) => Ok(()),
        }
    }
}

/// Refuses an area named twice, or already covered by the order.
fn new_areas(order: &FiveStopOrder, areas: &[pb::OrderArea]) -> Result<(), DomainError> {
    for (index, area) in areas.iter().enumerate() {
        if order.areas.contains(area) || areas[..index].contains(area) {
            return Err(DomainError::precondition(
                reasons::AREA_COVERED,
                format!(
                    "the order already covers {} {}",
                    area.township_code, area.village
                ),
            ));
        }
    }
    Ok(())
}

/// The order's first event: issued under a response level in force, each area named once.
fn issue_order(
    order: &FiveStopOrder,
    issue: &Issue,
    order_id: String,
) -> Result<Vec<FiveStopOrderEvent>, DomainError> {
    if issue.event_level == ResponseLevel::Unspecified {
        return Err(DomainError::precondition(
            reasons::NO_RESPONSE_IN_FORCE,
            format!(
                "disasterEvents/{} has no response level in force: a five-stop order is issued under one",
                issue.disaster_event_id
            ),
        ));
    }
    new_areas(order, &issue.areas)?;
    Ok(vec![FiveStopOrderEvent::Issued(pb::FiveStopOrderIssued {
        order_id,
        disaster_event_id: issue.disaster_event_id.clone(),
        issued_at_level: issue.event_level as i32,
        issuer: issue.issuer.clone(),
        document_number: issue.document_number.clone(),
        areas: issue.areas.clone(),
        measures: issue.measures.iter().map(|m| *m as i32).collect(),
    })])
}

impl FiveStopOrder {
    /// More areas or stops for an order in force; a stop it already started is refused.
    fn amend(
        &self,
        add_areas: &[pb::OrderArea],
        add_measures: &[StopMeasure],
        reason: &str,
        order_id: String,
    ) -> Result<Vec<FiveStopOrderEvent>, DomainError> {
        self.require_in_force("amend it")?;
        new_areas(self, add_areas)?;
        if let Some(started) = add_measures.iter().find(|m| self.measure(**m).is_some()) {
            return Err(DomainError::precondition(
                reasons::MEASURE_IN_ORDER,
                format!(
                    "fiveStopOrders/{order_id} already started {}",
                    started.as_str_name()
                ),
            ));
        }
        Ok(vec![FiveStopOrderEvent::Amended(
            pb::FiveStopOrderAmended {
                order_id,
                added_areas: add_areas.to_vec(),
                added_measures: add_measures.iter().map(|m| *m as i32).collect(),
                reason: reason.to_string(),
            },
        )])
    }
}

impl Aggregate for FiveStopOrder {
    type Event = FiveStopOrderEvent;
    type Command = FiveStopCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "five_stop_order";
    const COLLECTION: &'static str = "fiveStopOrders";

    fn expects(command: &FiveStopCommand) -> Expects {
        match command {
            FiveStopCommand::Issue(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &FiveStopCommand,
        context: &CommandContext,
    ) -> Result<Vec<FiveStopOrderEvent>, DomainError> {
        // A township officer checks compliance in their township; the rest is the district's.
        let place = match command {
            FiveStopCommand::Issue(issue) => &issue.region,
            FiveStopCommand::CheckCompliance { township_code, .. } => township_code,
            _ => &self.region,
        };
        require_government(
            &context.actor,
            place,
            "keep the record of a five-stop order",
        )?;
        let order_id = context.aggregate_id.clone();
        let events = match command {
            FiveStopCommand::Issue(issue) => issue_order(self, issue, order_id)?,
            FiveStopCommand::Amend {
                add_areas,
                add_measures,
                reason,
            } => self.amend(add_areas, add_measures, reason, order_id)?,
            FiveStopCommand::Lift { measure } => {
                self.require_measure_in_force(*measure)?;
                self.require_in_force("lift a stop")?;
                let mut events = vec![FiveStopOrderEvent::MeasureLifted(pb::StopMeasureLifted {
                    order_id: order_id.clone(),
                    measure: *measure as i32,
                })];
                if self.in_force().all(|in_force| in_force == *measure) {
                    events.push(FiveStopOrderEvent::Lifted(pb::FiveStopOrderLifted {
                        order_id,
                    }));
                }
                events
            }
            FiveStopCommand::Exempt {
                measure,
                subject,
                reason,
            } => {
                self.require_in_force("exempt from it")?;
                self.require_measure_in_force(*measure)?;
                vec![FiveStopOrderEvent::ExemptionRecorded(
                    pb::StopExemptionRecorded {
                        order_id,
                        measure: *measure as i32,
                        subject: subject.clone(),
                        reason: reason.clone(),
                    },
                )]
            }
            FiveStopCommand::CheckCompliance {
                township_code,
                compliant,
                findings,
            } => {
                self.require_in_force("check compliance with it")?;
                if !self.covers_township(township_code) {
                    return Err(DomainError::invalid(
                        "township_code",
                        format!("fiveStopOrders/{order_id} does not cover {township_code}"),
                    ));
                }
                vec![FiveStopOrderEvent::ComplianceChecked(
                    pb::ComplianceChecked {
                        order_id,
                        township_code: township_code.clone(),
                        compliant: *compliant,
                        findings: findings.clone(),
                    },
                )]
            }
        };
        Ok(events)
    }

    fn apply(&mut self, event: &FiveStopOrderEvent, meta: &EventMeta) {
        let at = meta.occurred_at;
        let started = |measures: &[i32]| -> Vec<pb::StopMeasureState> {
            measures
                .iter()
                .map(|measure| pb::StopMeasureState {
                    measure: *measure,
                    started_at: Some(hl_proto::timestamp(at)),
                    lifted_at: None,
                })
                .collect()
        };
        match event {
            FiveStopOrderEvent::Issued(issued) => {
                self.order_id = issued.order_id.clone();
                self.region = meta.region.clone();
                self.disaster_event_id = issued.disaster_event_id.clone();
                self.issued_at_level = issued.issued_at_level();
                self.issuer = issued.issuer.clone();
                self.document_number = issued.document_number.clone();
                self.areas = issued.areas.clone();
                self.measures = started(&issued.measures);
                self.status = FiveStopStatus::Issued;
                self.issued_at = Some(at);
            }
            FiveStopOrderEvent::Amended(amended) => {
                self.areas.extend(amended.added_areas.iter().cloned());
                self.measures.extend(started(&amended.added_measures));
                self.amendments.push(amended.reason.clone());
                self.status = FiveStopStatus::Amended;
            }
            FiveStopOrderEvent::MeasureLifted(lifted) => {
                if let Some(state) = self
                    .measures
                    .iter_mut()
                    .find(|state| state.measure == lifted.measure)
                {
                    state.lifted_at = Some(hl_proto::timestamp(at));
                }
            }
            FiveStopOrderEvent::ExemptionRecorded(exempted) => {
                self.exemptions.push(pb::StopExemption {
                    measure: exempted.measure,
                    subject: exempted.subject.clone(),
                    reason: exempted.reason.clone(),
                    at: Some(hl_proto::timestamp(at)),
                    granted_by: meta.actor.id.clone(),
                });
            }
            FiveStopOrderEvent::ComplianceChecked(checked) => {
                self.checks.push(pb::ComplianceCheck {
                    checked_at: Some(hl_proto::timestamp(at)),
                    township_code: checked.township_code.clone(),
                    compliant: checked.compliant,
                    findings: checked.findings.clone(),
                    checked_by: meta.actor.id.clone(),
                });
            }
            FiveStopOrderEvent::Lifted(_) => {
                self.status = FiveStopStatus::Lifted;
                self.lifted_at = Some(at);
            }
        }
    }
}
