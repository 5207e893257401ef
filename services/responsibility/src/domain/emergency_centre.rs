//! 乡镇应急管理中心: a township's emergency centre, held to a versioned standard (its staff, a duty
//! roster, its equipment, a command venue), and the readiness checks of someone who is not on
//! its staff — no centre checks itself. Readiness on a day is read from the record, not stored,
//! so it can be asked about any day.

use std::collections::HashSet;

use chrono::NaiveDate;
use hl_domain::access::{require_bureau, require_government, require_registrar};
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_domain::rules::{RuleBook, Version};
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::registry_events::EmergencyCentreEvent;
use hl_proto::responsibility::v1 as pb;
use serde::{Deserialize, Serialize};

use super::DomainError;

/// What a township's centre must have.
#[derive(Debug)]
pub struct CentreStandard {
    pub min_staff: u32,
    pub equipment: &'static [(&'static str, u32)],
}

pub const CENTRE_STANDARD: RuleBook<CentreStandard> = RuleBook {
    subject: "emergency centre standard",
    versions: &[Version {
        // 人员固定、机构明确、职责清晰; 应急指挥场所、值班值守队伍、应急指挥装备 100% 达标
        // [the counts are the district's working standard; the bureau confirms them].
        name: "centre-standard-2023-01-01",
        effective_from: (2023, 1, 1),
        rules: CentreStandard {
            min_staff: 3,
            equipment: &[
                ("SATELLITE_PHONE", 1),
                ("GENERATOR", 1),
                ("LOUDSPEAKER", 2),
                ("LIFE_JACKET", 20),
            ],
        },
    }],
};

/// A centre as the registry knows it when it is established.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Establish {
    pub township_code: String,
    pub org_unit_id: String,
    pub display_name: String,
    pub command_venue: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CentreCommand {
    Establish(Establish),
    SetStaff {
        staff_ids: Vec<String>,
        command_venue: String,
    },
    SetRoster(Vec<pb::RosterDay>),
    RecordEquipment(Vec<pb::EquipmentCount>),
    RecordCheck {
        passed: bool,
        findings: String,
        evidence: Vec<hl_proto::common::v1::EvidenceRef>,
    },
}

/// A centre's readiness on a day, against its standard.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Readiness {
    pub command_venue: bool,
    pub staff: u32,
    pub staff_required: u32,
    pub on_duty: bool,
    pub equipment_short: Vec<String>,
}

impl Readiness {
    pub fn to_standard(&self) -> bool {
        self.command_venue
            && self.staff >= self.staff_required
            && self.on_duty
            && self.equipment_short.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EmergencyCentre {
    pub township_code: String,
    pub org_unit_id: String,
    pub display_name: String,
    pub command_venue: String,
    pub staff_ids: Vec<String>,
    pub roster: Vec<pb::RosterDay>,
    pub equipment: Vec<pb::EquipmentCount>,
    pub checks: Vec<pb::ReadinessCheck>,
    pub standard_version: String,
}

impl EmergencyCentre {
    pub fn readiness(&self, day: NaiveDate) -> Result<Readiness, DomainError> {
        let standard = &CENTRE_STANDARD.by_name(&self.standard_version)?.rules;
        let held = |code: &str| {
            self.equipment
                .iter()
                .find(|item| item.code == code)
                .map_or(0, |item| item.quantity)
        };
        Ok(Readiness {
            command_venue: !self.command_venue.is_empty(),
            // Each person once: staff set before repeats were refused may list someone twice.
            staff: self.staff_ids.iter().collect::<HashSet<_>>().len() as u32,
            staff_required: standard.min_staff,
            on_duty: self.roster.iter().any(|entry| {
                entry.day.and_then(|on| on.to_naive()) == Some(day)
                    && self.staff_ids.contains(&entry.person_id)
            }),
            equipment_short: standard
                .equipment
                .iter()
                .filter(|(code, required)| held(code) < *required)
                .map(|(code, _)| code.to_string())
                .collect(),
        })
    }

    /// The latest check on or before a day.
    pub fn last_check(&self, day: NaiveDate) -> Option<&pb::ReadinessCheck> {
        self.checks.iter().rfind(|check| {
            check
                .on
                .and_then(|on| on.to_naive())
                .is_some_and(|on| on <= day)
        })
    }

    fn decide_step(
        &self,
        command: &CentreCommand,
        context: &CommandContext,
    ) -> Result<Vec<EmergencyCentreEvent>, DomainError> {
        let township_code = self.township_code.clone();
        match command {
            CentreCommand::Establish(_) => unreachable!("establishing makes a new centre"),
            CentreCommand::SetStaff {
                staff_ids,
                command_venue,
            } => {
                require_registrar(&context.actor, &township_code, "set a centre's staff")?;
                // Readiness counts the staff toward the standard's minimum, so a person listed
                // twice would count twice.
                hl_domain::refuse_repeats("staff_ids", staff_ids)?;
                Ok(vec![EmergencyCentreEvent::StaffSet(pb::CentreStaffSet {
                    township_code,
                    staff_ids: staff_ids.clone(),
                    command_venue: command_venue.clone(),
                })])
            }
            CentreCommand::SetRoster(days) => {
                require_registrar(&context.actor, &township_code, "set a centre's roster")?;
                if let Some(stranger) = days
                    .iter()
                    .find(|entry| !self.staff_ids.contains(&entry.person_id))
                {
                    return Err(DomainError::precondition(
                        reasons::NOT_CENTRE_STAFF,
                        format!(
                            "persons/{} is not on the staff of emergencyCentres/{township_code}",
                            stranger.person_id
                        ),
                    ));
                }
                Ok(vec![EmergencyCentreEvent::RosterSet(pb::CentreRosterSet {
                    township_code,
                    days: days.clone(),
                })])
            }
            CentreCommand::RecordEquipment(equipment) => {
                require_registrar(&context.actor, &township_code, "record equipment")?;
                Ok(vec![EmergencyCentreEvent::EquipmentRecorded(
                    pb::CentreEquipmentRecorded {
                        township_code,
                        equipment: equipment.clone(),
                    },
                )])
            }
            CentreCommand::RecordCheck {
                passed,
                findings,
                evidence,
            } => {
                require_government(&context.actor, &township_code, "check a centre")?;
                if self.staff_ids.contains(&context.actor.id) {
                    return Err(DomainError::forbidden(
                        reasons::OWN_CENTRE,
                        format!(
                            "{} is on this centre's staff; someone else checks it",
                            context.actor.id
                        ),
                    ));
                }
                Ok(vec![EmergencyCentreEvent::ReadinessChecked(
                    pb::ReadinessCheckRecorded {
                        township_code,
                        check: Some(pb::ReadinessCheck {
                            on: Some(local_date(context.occurred_at).into()),
                            passed: *passed,
                            findings: findings.clone(),
                            checked_by: context.actor.id.clone(),
                            evidence: evidence.clone(),
                        }),
                    },
                )])
            }
        }
    }
}

impl Aggregate for EmergencyCentre {
    type Event = EmergencyCentreEvent;
    type Command = CentreCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "emergency_centre";
    const COLLECTION: &'static str = "emergencyCentres";

    fn expects(command: &CentreCommand) -> Expects {
        match command {
            CentreCommand::Establish(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &CentreCommand,
        context: &CommandContext,
    ) -> Result<Vec<EmergencyCentreEvent>, DomainError> {
        match command {
            CentreCommand::Establish(establish) => {
                require_bureau(
                    &context.actor,
                    &establish.township_code,
                    "establish an emergency centre",
                )?;
                let version = CENTRE_STANDARD.in_force(local_date(context.occurred_at));
                Ok(vec![EmergencyCentreEvent::Established(
                    pb::EmergencyCentreEstablished {
                        township_code: establish.township_code.clone(),
                        org_unit_id: establish.org_unit_id.clone(),
                        display_name: establish.display_name.clone(),
                        command_venue: establish.command_venue.clone(),
                        standard_version: version.name.to_string(),
                    },
                )])
            }
            step => self.decide_step(step, context),
        }
    }

    fn apply(&mut self, event: &EmergencyCentreEvent, _meta: &EventMeta) {
        match event {
            EmergencyCentreEvent::Established(established) => {
                *self = EmergencyCentre {
                    township_code: established.township_code.clone(),
                    org_unit_id: established.org_unit_id.clone(),
                    display_name: established.display_name.clone(),
                    command_venue: established.command_venue.clone(),
                    standard_version: established.standard_version.clone(),
                    ..EmergencyCentre::default()
                };
            }
            EmergencyCentreEvent::StaffSet(set) => {
                self.staff_ids = set.staff_ids.clone();
                self.command_venue = set.command_venue.clone();
            }
            EmergencyCentreEvent::RosterSet(set) => {
                for entry in &set.days {
                    self.roster.retain(|known| known.day != entry.day);
                    self.roster.push(entry.clone());
                }
                self.roster
                    .sort_by_key(|entry| entry.day.and_then(|day| day.to_naive()));
            }
            EmergencyCentreEvent::EquipmentRecorded(recorded) => {
                self.equipment = recorded.equipment.clone();
            }
            EmergencyCentreEvent::ReadinessChecked(checked) => {
                self.checks.extend(checked.check.clone());
            }
        }
    }
}
