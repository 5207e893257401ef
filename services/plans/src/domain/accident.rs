//! A work-safety accident (生产安全事故): recorded by the government with when and where it
//! happened, the enterprise and hazards involved, and its figures (deaths, serious injuries,
//! direct loss). Its grade is computed from the figures by the grading rules in force on the day
//! it happened, never entered. Later reports (补报) revise the figures with a reason; every report
//! stays on the record, so a lowered figure shows beside the one it replaced.

use chrono::{DateTime, Utc};
use hl_domain::access::require_government;
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::AccidentGrade;
use hl_proto::plans_events::AccidentEvent;
use serde::{Deserialize, Serialize};

use super::DomainError;
use super::rules::ACCIDENT_GRADING;

#[derive(Clone, Debug, PartialEq)]
pub struct RecordAccident {
    pub region: String,
    pub title: String,
    pub happened_at: DateTime<Utc>,
    pub township_code: String,
    pub place: String,
    pub enterprise_id: String,
    pub hazards: Vec<String>,
    pub figures: pb::AccidentFigures,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AccidentCommand {
    Record(RecordAccident),
    ReviseFigures {
        figures: pb::AccidentFigures,
        reason: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Accident {
    pub accident_id: String,
    pub region: String,
    pub title: String,
    pub happened_at: DateTime<Utc>,
    pub township_code: String,
    pub place: String,
    pub enterprise_id: String,
    pub hazards: Vec<String>,
    pub figures: pb::AccidentFigures,
    pub grade: AccidentGrade,
    pub rule_version: String,
    pub first_reported: pb::AccidentFigures,
    pub revisions: Vec<pb::AccidentRevision>,
}

/// The grade of an accident's figures under the grading rules in force on the day it happened,
/// and those rules' name.
pub fn grade_of(
    figures: &pb::AccidentFigures,
    happened_at: DateTime<Utc>,
) -> (AccidentGrade, &'static str) {
    let version = ACCIDENT_GRADING.in_force(local_date(happened_at));
    let grade = version.rules.grade(
        figures.deaths,
        figures.serious_injuries,
        figures.direct_loss_fen,
    );
    (grade, version.name)
}

impl Aggregate for Accident {
    type Event = AccidentEvent;
    type Command = AccidentCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "accident";
    const COLLECTION: &'static str = "accidents";

    fn expects(command: &AccidentCommand) -> Expects {
        match command {
            AccidentCommand::Record(_) => Expects::New,
            AccidentCommand::ReviseFigures { .. } => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &AccidentCommand,
        context: &CommandContext,
    ) -> Result<Vec<AccidentEvent>, DomainError> {
        let accident_id = context.aggregate_id.clone();
        let event = match command {
            AccidentCommand::Record(record) => {
                require_government(&context.actor, &record.region, "record an accident")?;
                if record.happened_at > context.occurred_at {
                    return Err(DomainError::invalid(
                        "happened_at",
                        "an accident is recorded after it happens",
                    ));
                }
                let (grade, rule_version) = grade_of(&record.figures, record.happened_at);
                AccidentEvent::Recorded(pb::AccidentRecorded {
                    accident_id,
                    title: record.title.clone(),
                    happened_at: Some(hl_proto::timestamp(record.happened_at)),
                    township_code: record.township_code.clone(),
                    place: record.place.clone(),
                    enterprise_id: record.enterprise_id.clone(),
                    hazards: record.hazards.clone(),
                    figures: Some(record.figures),
                    grade: grade as i32,
                    rule_version: rule_version.to_string(),
                })
            }
            AccidentCommand::ReviseFigures { figures, reason } => {
                require_government(&context.actor, &self.region, "revise an accident's figures")?;
                if *figures == self.figures {
                    return Err(DomainError::precondition(
                        reasons::ACCIDENT_FIGURES_UNCHANGED,
                        format!("accidents/{accident_id} already has these figures"),
                    ));
                }
                let (grade, rule_version) = grade_of(figures, self.happened_at);
                AccidentEvent::FiguresRevised(pb::AccidentFiguresRevised {
                    accident_id,
                    figures: Some(*figures),
                    reason: reason.clone(),
                    grade: grade as i32,
                    rule_version: rule_version.to_string(),
                })
            }
        };
        Ok(vec![event])
    }

    fn apply(&mut self, event: &AccidentEvent, meta: &EventMeta) {
        match event {
            AccidentEvent::Recorded(recorded) => {
                self.accident_id = recorded.accident_id.clone();
                self.region = meta.region.clone();
                self.title = recorded.title.clone();
                self.happened_at = recorded
                    .happened_at
                    .and_then(|at| hl_proto::instant(&at))
                    .unwrap_or_default();
                self.township_code = recorded.township_code.clone();
                self.place = recorded.place.clone();
                self.enterprise_id = recorded.enterprise_id.clone();
                self.hazards = recorded.hazards.clone();
                self.figures = recorded.figures.unwrap_or_default();
                self.first_reported = self.figures;
                self.grade = recorded.grade();
                self.rule_version = recorded.rule_version.clone();
            }
            AccidentEvent::FiguresRevised(revised) => {
                self.figures = revised.figures.unwrap_or_default();
                self.grade = revised.grade();
                self.rule_version = revised.rule_version.clone();
                self.revisions.push(pb::AccidentRevision {
                    at: Some(hl_proto::timestamp(meta.occurred_at)),
                    figures: revised.figures,
                    reason: revised.reason.clone(),
                    grade: revised.grade,
                    revised_by: meta.actor.id.clone(),
                });
            }
        }
    }
}
