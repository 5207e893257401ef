//! A training campaign (培训) of a year: its sessions, each with its attendees by role and
//! industry. A person trained twice in a campaign counts once in it, from the first session
//! they attended. T12 asks for at least 7000 persons trained in the district in the year; the
//! seed names two groups, the operators of ammonia-refrigeration enterprises and the contractors
//! working at shipyards.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::{Datelike, NaiveDate};
use hl_domain::access::require_government;
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::TraineeRole;
use hl_proto::plans_events::TrainingEvent;
use hl_proto::responsibility::v1::Industry;
use serde::{Deserialize, Serialize};

use super::DomainError;

#[derive(Clone, Debug, PartialEq)]
pub enum TrainingCommand {
    Open {
        region: String,
        title: String,
        year: i32,
        target: u32,
    },
    RecordSession {
        session_id: String,
        held_on: NaiveDate,
        topic: String,
        attendees: Vec<pb::Attendee>,
    },
}

/// A person trained in the campaign: as first recorded, and when.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trainee {
    pub role: TraineeRole,
    pub industry: Industry,
    pub first_trained_on: NaiveDate,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingCampaign {
    pub campaign_id: String,
    pub region: String,
    pub title: String,
    pub year: i32,
    pub target: u32,
    pub sessions: Vec<pb::TrainingSession>,
    /// By person key.
    pub trainees: BTreeMap<String, Trainee>,
}

/// The persons a campaign trained by a day: in all, by role, and the seed's two named groups.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrainingCounts {
    pub trained: u32,
    pub by_role: BTreeMap<i32, u32>,
    pub ammonia_refrigeration_operators: u32,
    pub shipyard_contractors: u32,
}

/// Counts persons trained on or before a day: in all, by role, and the seed's two named groups.
pub fn counts_of<'a>(
    trainees: impl IntoIterator<Item = &'a Trainee>,
    day: NaiveDate,
) -> TrainingCounts {
    let mut counts = TrainingCounts::default();
    for trainee in trainees {
        if trainee.first_trained_on > day {
            continue;
        }
        counts.trained += 1;
        *counts.by_role.entry(trainee.role as i32).or_default() += 1;
        let operates = matches!(
            trainee.role,
            TraineeRole::Operator | TraineeRole::SpecialOperator
        );
        if trainee.industry == Industry::AmmoniaRefrigeration && operates {
            counts.ammonia_refrigeration_operators += 1;
        }
        if trainee.industry == Industry::ShipbuildingAndRepair
            && trainee.role == TraineeRole::Contractor
        {
            counts.shipyard_contractors += 1;
        }
    }
    counts
}

/// The persons trained across campaigns, each once: T12 counts persons, so a person two
/// campaigns trained must not count twice. A person counts from their earliest session in any
/// campaign, as recorded there.
pub fn distinct_trainees<'a>(
    campaigns: impl IntoIterator<Item = &'a TrainingCampaign>,
) -> BTreeMap<&'a str, &'a Trainee> {
    let mut distinct: BTreeMap<&str, &Trainee> = BTreeMap::new();
    for campaign in campaigns {
        for (person_key, trainee) in &campaign.trainees {
            distinct
                .entry(person_key.as_str())
                .and_modify(|known| {
                    if trainee.first_trained_on < known.first_trained_on {
                        *known = trainee;
                    }
                })
                .or_insert(trainee);
        }
    }
    distinct
}

impl TrainingCampaign {
    /// The persons this campaign trained on or before a day.
    pub fn counts_on(&self, day: NaiveDate) -> TrainingCounts {
        counts_of(self.trainees.values(), day)
    }

    fn record_session(
        &self,
        (session_id, held_on, topic): (&str, NaiveDate, &str),
        attendees: &[pb::Attendee],
        context: &CommandContext,
    ) -> Result<TrainingEvent, DomainError> {
        if self
            .sessions
            .iter()
            .any(|known| known.session_id == session_id)
        {
            return Err(DomainError::precondition(
                reasons::SESSION_RECORDED,
                format!("session {session_id} is recorded"),
            ));
        }
        if held_on.year() != self.year || held_on > local_date(context.occurred_at) {
            return Err(DomainError::invalid(
                "held_on",
                format!("a day of {} not after the day recorded", self.year),
            ));
        }
        Ok(TrainingEvent::SessionRecorded(
            pb::TrainingSessionRecorded {
                campaign_id: context.aggregate_id.clone(),
                session_id: session_id.to_string(),
                held_on: Some(held_on.into()),
                topic: topic.to_string(),
                attendees: attendees.to_vec(),
            },
        ))
    }
}

impl Aggregate for TrainingCampaign {
    type Event = TrainingEvent;
    type Command = TrainingCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "training_campaign";
    const COLLECTION: &'static str = "trainingCampaigns";

    fn expects(command: &TrainingCommand) -> Expects {
        match command {
            TrainingCommand::Open { .. } => Expects::New,
            TrainingCommand::RecordSession { .. } => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &TrainingCommand,
        context: &CommandContext,
    ) -> Result<Vec<TrainingEvent>, DomainError> {
        let event = match command {
            TrainingCommand::Open {
                region,
                title,
                year,
                target,
            } => {
                require_government(&context.actor, region, "open a training campaign")?;
                TrainingEvent::Opened(pb::TrainingCampaignOpened {
                    campaign_id: context.aggregate_id.clone(),
                    title: title.clone(),
                    year: *year,
                    target: *target,
                })
            }
            TrainingCommand::RecordSession {
                session_id,
                held_on,
                topic,
                attendees,
            } => {
                require_government(&context.actor, &self.region, "record a training session")?;
                self.record_session((session_id, *held_on, topic), attendees, context)?
            }
        };
        Ok(vec![event])
    }

    fn apply(&mut self, event: &TrainingEvent, meta: &EventMeta) {
        match event {
            TrainingEvent::Opened(opened) => {
                self.campaign_id = opened.campaign_id.clone();
                self.region = meta.region.clone();
                self.title = opened.title.clone();
                self.year = opened.year;
                self.target = opened.target;
            }
            TrainingEvent::SessionRecorded(recorded) => {
                let held_on = recorded
                    .held_on
                    .and_then(|day| day.to_naive())
                    .unwrap_or_default();
                let mut first_trained = 0;
                for attendee in &recorded.attendees {
                    match self.trainees.entry(attendee.person_key.clone()) {
                        Entry::Vacant(vacant) => {
                            first_trained += 1;
                            vacant.insert(Trainee {
                                role: attendee.role(),
                                industry: attendee.industry(),
                                first_trained_on: held_on,
                            });
                        }
                        // A session recorded late may be the person's first.
                        Entry::Occupied(mut known) => {
                            let trainee = known.get_mut();
                            trainee.first_trained_on = trainee.first_trained_on.min(held_on);
                        }
                    }
                }
                self.sessions.push(pb::TrainingSession {
                    session_id: recorded.session_id.clone(),
                    held_on: recorded.held_on,
                    topic: recorded.topic.clone(),
                    attendees: recorded.attendees.len() as u32,
                    first_trained,
                });
            }
        }
    }
}
