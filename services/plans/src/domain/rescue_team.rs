//! A rescue team (救援队伍): established on a day at a level (区, 乡镇, 村, 企业, 社会) and of a kind
//! (综合 or 专业), with its roster of registry persons, its equipment with their inspection
//! dates, its training and its readiness checks, until it is disbanded. A team serves from the
//! day it was established to the day before it was disbanded: T8 asks for the district's
//! comprehensive team, T9 for one in every township.

use chrono::NaiveDate;
use hl_domain::access::require_government;
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::{TeamKind, TeamLevel};
use hl_proto::plans_events::RescueTeamEvent;
use serde::{Deserialize, Serialize};

use super::DomainError;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Establish {
    pub region: String,
    pub title: String,
    pub level: TeamLevel,
    pub kind: TeamKind,
    pub township_code: String,
    pub enterprise_id: String,
    pub established_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TeamCommand {
    Establish(Establish),
    SetRoster(Vec<String>),
    RecordEquipment(Vec<pb::TeamEquipment>),
    Train {
        held_on: NaiveDate,
        topic: String,
        hours: u32,
    },
    CheckReadiness {
        ready: bool,
        note: String,
    },
    Disband {
        reason: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RescueTeam {
    pub team_id: String,
    pub region: String,
    pub title: String,
    pub level: TeamLevel,
    pub kind: TeamKind,
    pub township_code: String,
    pub enterprise_id: String,
    pub established_on: Option<NaiveDate>,
    pub person_ids: Vec<String>,
    pub equipment: Vec<pb::TeamEquipment>,
    pub trainings: Vec<pb::TeamTraining>,
    pub ready: bool,
    pub readiness_note: String,
    pub readiness_checked_on: Option<NaiveDate>,
    pub disbanded_on: Option<NaiveDate>,
}

impl RescueTeam {
    /// Established by the day and not disbanded by it.
    pub fn serves_on(&self, day: NaiveDate) -> bool {
        self.established_on.is_some_and(|from| from <= day)
            && self.disbanded_on.is_none_or(|until| day < until)
    }

    /// The event of one command, once the actor may act and the team is not disbanded.
    fn decide_step(
        &self,
        command: &TeamCommand,
        context: &CommandContext,
    ) -> Result<RescueTeamEvent, DomainError> {
        let team_id = context.aggregate_id.clone();
        let today = local_date(context.occurred_at);
        Ok(match command {
            TeamCommand::Establish(establish) => {
                if establish.established_on > today {
                    return Err(DomainError::invalid(
                        "established_on",
                        "a team is recorded once it is established",
                    ));
                }
                RescueTeamEvent::Established(pb::RescueTeamEstablished {
                    team_id,
                    title: establish.title.clone(),
                    level: establish.level as i32,
                    kind: establish.kind as i32,
                    township_code: establish.township_code.clone(),
                    enterprise_id: establish.enterprise_id.clone(),
                    established_on: Some(establish.established_on.into()),
                })
            }
            TeamCommand::SetRoster(person_ids) => {
                RescueTeamEvent::RosterSet(pb::RescueTeamRosterSet {
                    team_id,
                    person_ids: person_ids.clone(),
                })
            }
            TeamCommand::RecordEquipment(equipment) => {
                RescueTeamEvent::EquipmentRecorded(pb::RescueTeamEquipmentRecorded {
                    team_id,
                    equipment: equipment.clone(),
                })
            }
            TeamCommand::Train {
                held_on,
                topic,
                hours,
            } => {
                if *held_on > today || self.established_on.is_some_and(|from| *held_on < from) {
                    return Err(DomainError::invalid(
                        "training.held_on",
                        "a day from the team's establishment to the day recorded",
                    ));
                }
                RescueTeamEvent::Trained(pb::RescueTeamTrained {
                    team_id,
                    training: Some(pb::TeamTraining {
                        held_on: Some((*held_on).into()),
                        topic: topic.clone(),
                        hours: *hours,
                    }),
                })
            }
            TeamCommand::CheckReadiness { ready, note } => {
                RescueTeamEvent::ReadinessChecked(pb::RescueTeamReadinessChecked {
                    team_id,
                    ready: *ready,
                    note: note.clone(),
                    checked_on: Some(today.into()),
                })
            }
            TeamCommand::Disband { reason } => {
                RescueTeamEvent::Disbanded(pb::RescueTeamDisbanded {
                    team_id,
                    disbanded_on: Some(today.into()),
                    reason: reason.clone(),
                })
            }
        })
    }
}

impl Aggregate for RescueTeam {
    type Event = RescueTeamEvent;
    type Command = TeamCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "rescue_team";
    const COLLECTION: &'static str = "rescueTeams";

    fn expects(command: &TeamCommand) -> Expects {
        match command {
            TeamCommand::Establish(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &TeamCommand,
        context: &CommandContext,
    ) -> Result<Vec<RescueTeamEvent>, DomainError> {
        let region = match command {
            TeamCommand::Establish(establish) => &establish.region,
            _ => &self.region,
        };
        require_government(&context.actor, region, "keep a rescue team's record")?;
        if let Some(on) = self.disbanded_on {
            return Err(DomainError::precondition(
                reasons::TEAM_DISBANDED,
                format!("rescueTeams/{} was disbanded on {on}", self.team_id),
            ));
        }
        Ok(vec![self.decide_step(command, context)?])
    }

    fn apply(&mut self, event: &RescueTeamEvent, meta: &EventMeta) {
        match event {
            RescueTeamEvent::Established(established) => {
                self.team_id = established.team_id.clone();
                self.region = meta.region.clone();
                self.title = established.title.clone();
                self.level = established.level();
                self.kind = established.kind();
                self.township_code = established.township_code.clone();
                self.enterprise_id = established.enterprise_id.clone();
                self.established_on = established.established_on.and_then(|day| day.to_naive());
            }
            RescueTeamEvent::RosterSet(roster) => self.person_ids = roster.person_ids.clone(),
            RescueTeamEvent::EquipmentRecorded(recorded) => {
                self.equipment = recorded.equipment.clone();
            }
            RescueTeamEvent::Trained(trained) => self.trainings.extend(trained.training.clone()),
            RescueTeamEvent::ReadinessChecked(checked) => {
                self.ready = checked.ready;
                self.readiness_note = checked.note.clone();
                self.readiness_checked_on = checked.checked_on.and_then(|day| day.to_naive());
            }
            RescueTeamEvent::Disbanded(disbanded) => {
                self.disbanded_on = disbanded.disbanded_on.and_then(|day| day.to_naive());
            }
        }
    }
}
