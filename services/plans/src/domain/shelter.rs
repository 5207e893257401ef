//! A disaster shelter (避灾安置场所): registered with its level, township and capacity; certified
//! 规范化 once, on a day; opened for a disaster, with the people in it reported while open; and
//! closed. T5 counts the shelters certified in a year. An occupancy above the capacity is
//! recorded as reported (people are not turned away by a form) and shows as over capacity.

use chrono::NaiveDate;
use hl_domain::access::require_government;
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::ShelterLevel;
use hl_proto::plans_events::ShelterEvent;
use serde::{Deserialize, Serialize};

use super::DomainError;

#[derive(Clone, Debug, PartialEq)]
pub struct Register {
    pub region: String,
    pub title: String,
    pub level: ShelterLevel,
    pub township_code: String,
    pub location: String,
    pub capacity: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ShelterCommand {
    Register(Register),
    Certify {
        certified_on: NaiveDate,
        certificate: String,
    },
    Open {
        opened_for: String,
    },
    ReportOccupancy {
        persons: u32,
    },
    Close {
        note: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Shelter {
    pub shelter_id: String,
    pub region: String,
    pub title: String,
    pub level: ShelterLevel,
    pub township_code: String,
    pub location: String,
    pub capacity: u32,
    pub certified_on: Option<NaiveDate>,
    pub certificate: String,
    pub open: bool,
    pub opened_for: String,
    pub occupancy: Vec<pb::OccupancyReport>,
}

impl Shelter {
    /// The people in it at the latest report while open; 0 when closed.
    pub fn occupied(&self) -> u32 {
        if !self.open {
            return 0;
        }
        self.occupancy.last().map_or(0, |report| report.persons)
    }

    fn require_open(&self, doing: &str) -> Result<(), DomainError> {
        if self.open {
            return Ok(());
        }
        Err(DomainError::precondition(
            reasons::SHELTER_NOT_OPEN,
            format!("shelters/{} is not open: {doing}", self.shelter_id),
        ))
    }
}

impl Aggregate for Shelter {
    type Event = ShelterEvent;
    type Command = ShelterCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "shelter";
    const COLLECTION: &'static str = "shelters";

    fn expects(command: &ShelterCommand) -> Expects {
        match command {
            ShelterCommand::Register(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &ShelterCommand,
        context: &CommandContext,
    ) -> Result<Vec<ShelterEvent>, DomainError> {
        let region = match command {
            ShelterCommand::Register(register) => &register.region,
            _ => &self.region,
        };
        require_government(&context.actor, region, "keep the register of shelters")?;
        let shelter_id = context.aggregate_id.clone();
        let event = match command {
            ShelterCommand::Register(register) => ShelterEvent::Registered(pb::ShelterRegistered {
                shelter_id,
                title: register.title.clone(),
                level: register.level as i32,
                township_code: register.township_code.clone(),
                location: register.location.clone(),
                capacity: register.capacity,
            }),
            ShelterCommand::Certify {
                certified_on,
                certificate,
            } => {
                if let Some(on) = self.certified_on {
                    return Err(DomainError::precondition(
                        reasons::SHELTER_CERTIFIED,
                        format!("shelters/{shelter_id} was certified on {on}"),
                    ));
                }
                if *certified_on > local_date(context.occurred_at) {
                    return Err(DomainError::invalid(
                        "certified_on",
                        "a certification is recorded once it is given",
                    ));
                }
                ShelterEvent::Certified(pb::ShelterCertified {
                    shelter_id,
                    certified_on: Some((*certified_on).into()),
                    certificate: certificate.clone(),
                })
            }
            ShelterCommand::Open { opened_for } => {
                if self.open {
                    return Err(DomainError::precondition(
                        reasons::SHELTER_OPEN,
                        format!("shelters/{shelter_id} is open for {}", self.opened_for),
                    ));
                }
                ShelterEvent::Opened(pb::ShelterOpened {
                    shelter_id,
                    opened_for: opened_for.clone(),
                })
            }
            ShelterCommand::ReportOccupancy { persons } => {
                self.require_open("report its occupancy")?;
                ShelterEvent::OccupancyReported(pb::ShelterOccupancyReported {
                    shelter_id,
                    persons: *persons,
                })
            }
            ShelterCommand::Close { note } => {
                self.require_open("close it")?;
                ShelterEvent::Closed(pb::ShelterClosed {
                    shelter_id,
                    note: note.clone(),
                })
            }
        };
        Ok(vec![event])
    }

    fn apply(&mut self, event: &ShelterEvent, meta: &EventMeta) {
        match event {
            ShelterEvent::Registered(registered) => {
                self.shelter_id = registered.shelter_id.clone();
                self.region = meta.region.clone();
                self.title = registered.title.clone();
                self.level = registered.level();
                self.township_code = registered.township_code.clone();
                self.location = registered.location.clone();
                self.capacity = registered.capacity;
            }
            ShelterEvent::Certified(certified) => {
                self.certified_on = certified.certified_on.and_then(|day| day.to_naive());
                self.certificate = certified.certificate.clone();
            }
            ShelterEvent::Opened(opened) => {
                self.open = true;
                self.opened_for = opened.opened_for.clone();
                self.occupancy.clear();
            }
            ShelterEvent::OccupancyReported(reported) => {
                self.occupancy.push(pb::OccupancyReport {
                    at: Some(hl_proto::timestamp(meta.occurred_at)),
                    persons: reported.persons,
                });
            }
            ShelterEvent::Closed(_) => self.open = false,
        }
    }
}
