//! A disaster event (a typhoon, flood or forest fire) the district responds to: declared at a
//! response level, raised and lowered along a timeline, reported on (casualties, people
//! evacuated, losses), joined by shelters and rescue teams, and closed when the response ends.
//! Each step is dated by its business time; the event store keeps an aggregate's steps in date
//! order, so the timeline only runs forward.

use chrono::{DateTime, Utc};
use hl_domain::access::require_government;
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::{AccidentGrade, DisasterKind, ResponseLevel};
use hl_proto::plans_events::DisasterEventEvent;
use serde::{Deserialize, Serialize};

use super::DomainError;
use super::rules::FOREST_FIRE_GRADING;

#[derive(Clone, Debug, PartialEq)]
pub struct Declare {
    pub region: String,
    pub kind: DisasterKind,
    pub title: String,
    pub level: ResponseLevel,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DisasterCommand {
    Declare(Declare),
    ChangeLevel {
        level: ResponseLevel,
        reason: String,
    },
    ReportSituation(pb::SituationReport),
    /// "shelters/{id}" and "rescueTeams/{id}", each checked to exist by the caller.
    Involve {
        resources: Vec<String>,
    },
    Close {
        reason: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DisasterEvent {
    pub disaster_event_id: String,
    pub region: String,
    pub kind: DisasterKind,
    pub title: String,
    /// The level in force; `Unspecified` once closed.
    pub level: ResponseLevel,
    pub timeline: Vec<pb::ResponseLevelChange>,
    pub situation_reports: Vec<pb::SituationReport>,
    pub involved: Vec<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl DisasterEvent {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none() && !self.disaster_event_id.is_empty()
    }

    /// Refuses a step on a closed event.
    fn require_open(&self, doing: &str) -> Result<(), DomainError> {
        if let Some(closed_at) = self.closed_at {
            return Err(DomainError::precondition(
                reasons::DISASTER_EVENT_CLOSED,
                format!(
                    "disasterEvents/{} closed at {}: cannot {doing}",
                    self.disaster_event_id,
                    closed_at.to_rfc3339()
                ),
            ));
        }
        Ok(())
    }
}

impl DisasterEvent {
    /// A forest fire's grade from its latest situation report, by the grading rules in force on
    /// the day it was declared, and those rules' name; None for other disasters and before a
    /// report.
    pub fn forest_fire_grade(&self) -> Option<(AccidentGrade, &'static str)> {
        if self.kind != DisasterKind::ForestFire {
            return None;
        }
        let report = self.situation_reports.last()?;
        let declared = self
            .timeline
            .first()?
            .at
            .and_then(|at| hl_proto::instant(&at))?;
        let version = FOREST_FIRE_GRADING.in_force(local_date(declared));
        let grade = version.rules.grade(
            report.deaths,
            report.serious_injuries,
            report.burned_area_square_metres,
        );
        Some((grade, version.name))
    }
}

impl Aggregate for DisasterEvent {
    type Event = DisasterEventEvent;
    type Command = DisasterCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "disaster_event";
    const COLLECTION: &'static str = "disasterEvents";

    fn expects(command: &DisasterCommand) -> Expects {
        match command {
            DisasterCommand::Declare(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &DisasterCommand,
        context: &CommandContext,
    ) -> Result<Vec<DisasterEventEvent>, DomainError> {
        let region = match command {
            DisasterCommand::Declare(declare) => &declare.region,
            _ => &self.region,
        };
        require_government(
            &context.actor,
            region,
            "keep the record of a disaster response",
        )?;
        let disaster_event_id = context.aggregate_id.clone();
        let event = match command {
            DisasterCommand::Declare(declare) => {
                DisasterEventEvent::Declared(pb::DisasterEventDeclared {
                    disaster_event_id,
                    kind: declare.kind as i32,
                    title: declare.title.clone(),
                    level: declare.level as i32,
                    reason: declare.reason.clone(),
                })
            }
            DisasterCommand::ChangeLevel { level, reason } => {
                self.require_open("change its response level")?;
                if *level == self.level {
                    return Err(DomainError::precondition(
                        reasons::RESPONSE_LEVEL_UNCHANGED,
                        format!(
                            "disasterEvents/{disaster_event_id} is already at {}",
                            level.as_str_name()
                        ),
                    ));
                }
                DisasterEventEvent::LevelChanged(pb::ResponseLevelChanged {
                    disaster_event_id,
                    level: *level as i32,
                    reason: reason.clone(),
                })
            }
            DisasterCommand::ReportSituation(report) => {
                self.require_open("report on it")?;
                if report.burned_area_square_metres > 0 && self.kind != DisasterKind::ForestFire {
                    return Err(DomainError::invalid(
                        "burned_area_square_metres",
                        "only a forest fire burns forest",
                    ));
                }
                DisasterEventEvent::SituationReported(pb::SituationReported {
                    disaster_event_id,
                    report: Some(report.clone()),
                })
            }
            DisasterCommand::Involve { resources } => {
                self.require_open("involve more resources")?;
                if let Some(named) = resources.iter().find(|name| self.involved.contains(name)) {
                    return Err(DomainError::precondition(
                        reasons::ALREADY_INVOLVED,
                        format!(
                            "{named} is already involved in disasterEvents/{disaster_event_id}"
                        ),
                    ));
                }
                DisasterEventEvent::ResourcesInvolved(pb::ResourcesInvolved {
                    disaster_event_id,
                    resources: resources.clone(),
                })
            }
            DisasterCommand::Close { reason } => {
                self.require_open("close it again")?;
                DisasterEventEvent::Closed(pb::DisasterEventClosed {
                    disaster_event_id,
                    reason: reason.clone(),
                })
            }
        };
        Ok(vec![event])
    }

    fn apply(&mut self, event: &DisasterEventEvent, meta: &EventMeta) {
        let at = meta.occurred_at;
        match event {
            DisasterEventEvent::Declared(declared) => {
                self.disaster_event_id = declared.disaster_event_id.clone();
                self.region = meta.region.clone();
                self.kind = declared.kind();
                self.title = declared.title.clone();
                self.level = declared.level();
                self.timeline.push(pb::ResponseLevelChange {
                    at: Some(hl_proto::timestamp(at)),
                    level: declared.level,
                    reason: declared.reason.clone(),
                    changed_by: meta.actor.id.clone(),
                });
            }
            DisasterEventEvent::LevelChanged(changed) => {
                self.level = changed.level();
                self.timeline.push(pb::ResponseLevelChange {
                    at: Some(hl_proto::timestamp(at)),
                    level: changed.level,
                    reason: changed.reason.clone(),
                    changed_by: meta.actor.id.clone(),
                });
            }
            DisasterEventEvent::SituationReported(reported) => {
                let mut report = reported.report.clone().unwrap_or_default();
                report.as_of = Some(hl_proto::timestamp(at));
                report.reported_by = meta.actor.id.clone();
                self.situation_reports.push(report);
            }
            DisasterEventEvent::ResourcesInvolved(involved) => {
                self.involved.extend(involved.resources.iter().cloned());
            }
            DisasterEventEvent::Closed(_) => {
                self.level = ResponseLevel::Unspecified;
                self.closed_at = Some(at);
            }
        }
    }
}
