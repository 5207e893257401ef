//! A key vessel watched in typhoon season (台汛期重点船舶管控): a detained, unpowered or other key
//! vessel, registered with its mooring place and the unit that answers for it. For each disaster
//! event, the measures taken for it (reinforced, moved, crew ashore) and the checks are recorded;
//! it is secured for the event when its latest check says so, and a check can say so only after
//! a measure for that event is on the record.

use hl_domain::access::require_government;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::{VesselKind, VesselMeasure};
use hl_proto::plans_events::KeyVesselEvent;
use serde::{Deserialize, Serialize};

use super::DomainError;

#[derive(Clone, Debug, PartialEq)]
pub struct RegisterVessel {
    pub region: String,
    pub vessel_name: String,
    pub registration_number: String,
    pub kind: VesselKind,
    pub mooring_place: String,
    pub township_code: String,
    pub responsible_unit: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum VesselCommand {
    Register(RegisterVessel),
    /// For an open disaster event, checked by the caller.
    RecordMeasure {
        disaster_event_id: String,
        measure: VesselMeasure,
        note: String,
    },
    /// For an open disaster event, checked by the caller.
    Check {
        disaster_event_id: String,
        secured: bool,
        findings: Vec<String>,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyVessel {
    pub vessel_id: String,
    pub region: String,
    pub vessel_name: String,
    pub registration_number: String,
    pub kind: VesselKind,
    pub mooring_place: String,
    pub township_code: String,
    pub responsible_unit: String,
    /// One per disaster event, in the order first acted on.
    pub watches: Vec<pb::VesselWatch>,
}

impl KeyVessel {
    /// Its watch in a disaster event, if anything was done for it there.
    pub fn watch(&self, disaster_event_id: &str) -> Option<&pb::VesselWatch> {
        let event = format!("disasterEvents/{disaster_event_id}");
        self.watches
            .iter()
            .find(|watch| watch.disaster_event == event)
    }

    fn watch_mut(&mut self, disaster_event_id: &str) -> &mut pb::VesselWatch {
        let event = format!("disasterEvents/{disaster_event_id}");
        let index = match self
            .watches
            .iter()
            .position(|watch| watch.disaster_event == event)
        {
            Some(index) => index,
            None => {
                self.watches.push(pb::VesselWatch {
                    disaster_event: event,
                    ..pb::VesselWatch::default()
                });
                self.watches.len() - 1
            }
        };
        &mut self.watches[index]
    }
}

impl Aggregate for KeyVessel {
    type Event = KeyVesselEvent;
    type Command = VesselCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "key_vessel";
    const COLLECTION: &'static str = "keyVessels";

    fn expects(command: &VesselCommand) -> Expects {
        match command {
            VesselCommand::Register(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &VesselCommand,
        context: &CommandContext,
    ) -> Result<Vec<KeyVesselEvent>, DomainError> {
        // The district registers a vessel; the officers of its township, or of the district,
        // take and check its measures.
        let place = match command {
            VesselCommand::Register(register) => &register.region,
            _ => &self.township_code,
        };
        require_government(&context.actor, place, "keep the watch of key vessels")?;
        let vessel_id = context.aggregate_id.clone();
        let event = match command {
            VesselCommand::Register(register) => {
                KeyVesselEvent::Registered(pb::KeyVesselRegistered {
                    vessel_id,
                    vessel_name: register.vessel_name.clone(),
                    registration_number: register.registration_number.clone(),
                    kind: register.kind as i32,
                    mooring_place: register.mooring_place.clone(),
                    township_code: register.township_code.clone(),
                    responsible_unit: register.responsible_unit.clone(),
                })
            }
            VesselCommand::RecordMeasure {
                disaster_event_id,
                measure,
                note,
            } => KeyVesselEvent::MeasureRecorded(pb::VesselMeasureRecorded {
                vessel_id,
                disaster_event_id: disaster_event_id.clone(),
                measure: *measure as i32,
                note: note.clone(),
            }),
            VesselCommand::Check {
                disaster_event_id,
                secured,
                findings,
            } => {
                let measured = self
                    .watch(disaster_event_id)
                    .is_some_and(|watch| !watch.measures.is_empty());
                if *secured && !measured {
                    return Err(DomainError::precondition(
                        reasons::NO_VESSEL_MEASURE,
                        format!(
                            "keyVessels/{vessel_id} has no measure recorded for disasterEvents/{disaster_event_id}: it cannot be checked secured before one is taken"
                        ),
                    ));
                }
                KeyVesselEvent::Checked(pb::VesselChecked {
                    vessel_id,
                    disaster_event_id: disaster_event_id.clone(),
                    secured: *secured,
                    findings: findings.clone(),
                })
            }
        };
        Ok(vec![event])
    }

    fn apply(&mut self, event: &KeyVesselEvent, meta: &EventMeta) {
        let at = Some(hl_proto::timestamp(meta.occurred_at));
        match event {
            KeyVesselEvent::Registered(registered) => {
                self.vessel_id = registered.vessel_id.clone();
                self.region = meta.region.clone();
                self.vessel_name = registered.vessel_name.clone();
                self.registration_number = registered.registration_number.clone();
                self.kind = registered.kind();
                self.mooring_place = registered.mooring_place.clone();
                self.township_code = registered.township_code.clone();
                self.responsible_unit = registered.responsible_unit.clone();
            }
            KeyVesselEvent::MeasureRecorded(recorded) => {
                let watch = self.watch_mut(&recorded.disaster_event_id);
                watch.measures.push(pb::VesselMeasureTaken {
                    measure: recorded.measure,
                    at,
                    note: recorded.note.clone(),
                    recorded_by: meta.actor.id.clone(),
                });
            }
            KeyVesselEvent::Checked(checked) => {
                let watch = self.watch_mut(&checked.disaster_event_id);
                watch.secured = checked.secured;
                watch.checks.push(pb::VesselCheck {
                    at,
                    secured: checked.secured,
                    findings: checked.findings.clone(),
                    checked_by: meta.actor.id.clone(),
                });
            }
        }
    }
}
