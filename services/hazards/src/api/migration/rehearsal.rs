//! Rehearsing a file's steps before recording any: each step runs, in file order, through the
//! pure path its command takes in the repository (existence, date order, decide, apply) on the
//! aggregate as stored plus the file's earlier steps, and through the checks between aggregates
//! the live RPCs make (the enterprise's standing in the registry that day, the township, the
//! counterpart, the round's finding). What passes is recorded afterwards exactly as rehearsed.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use hl_directory::Standing;
use hl_domain::Given;
use hl_domain::clock::local_date;
use hl_eventstore::{Aggregate, Loaded, Repository};
use hl_proto::common::v1::{Actor, Role};
use hl_runtime::ServiceError;
use tonic::Status;

use super::super::{HazardsApi, counterpart_problem, finding_problem, requests};
use super::rows::{Action, Step};
use crate::domain::alarm_device::{AlarmDevice, AlarmDeviceCommand};
use crate::domain::hazard::{Hazard, HazardCommand};
use crate::domain::self_check::{SelfCheckRound, SelfCheckRoundCommand};
use crate::domain::statistics::PeriodicStatistics;

/// A step that passed: who took it (with the jurisdiction the registry gives a township
/// officer) and its command completed with what the registry says.
pub struct Prepared {
    pub step: Step,
    pub actor: Actor,
}

/// What became of a rehearsed step.
pub enum Rehearsed {
    /// It would be recorded.
    Ready(Box<Prepared>),
    /// An earlier run of the import recorded it.
    AlreadyRecorded,
    /// It would be refused, and why.
    Refused(String),
}

/// The aggregates of one type a file touches, as stored plus the steps rehearsed so far.
struct Staged<'a, A: Aggregate> {
    repository: &'a Repository<A>,
    region: &'a str,
    /// Who imports: the rehearsed events are marked as migrated by them.
    administrator: &'a Actor,
    aggregates: HashMap<String, (Loaded<A>, Given<A>)>,
}

impl<'a, A: Aggregate> Staged<'a, A> {
    fn new(repository: &'a Repository<A>, region: &'a str, administrator: &'a Actor) -> Self {
        Staged {
            repository,
            region,
            administrator,
            aggregates: HashMap::new(),
        }
    }

    async fn entry(&mut self, aggregate_id: &str) -> Result<&mut (Loaded<A>, Given<A>), Status> {
        if !self.aggregates.contains_key(aggregate_id) {
            let loaded = self
                .repository
                .load(aggregate_id)
                .await
                .map_err(ServiceError::from)?;
            let given = Given::resume(
                aggregate_id,
                self.region,
                loaded.state.clone(),
                loaded.version,
                loaded.last_occurred_at,
            )
            .migrated_by(self.administrator);
            self.aggregates
                .insert(aggregate_id.to_string(), (loaded, given));
        }
        Ok(self
            .aggregates
            .get_mut(aggregate_id)
            .expect("inserted above"))
    }

    /// The aggregate with the steps rehearsed so far; None when it has no history.
    async fn state(&mut self, aggregate_id: &str) -> Result<Option<A>, Status> {
        let (_, given) = self.entry(aggregate_id).await?;
        Ok((given.version() > 0).then(|| given.state().clone()))
    }

    /// Runs a command on the staged aggregate and keeps its events. `owner` names the
    /// enterprise an aggregate belongs to: a row may not carry a step onto another's record.
    async fn rehearse(
        &mut self,
        prepared: &Prepared,
        command: &A::Command,
        owner: fn(&A) -> &str,
        now: DateTime<Utc>,
    ) -> Result<Rehearsed, Status> {
        let step = &prepared.step;
        let (loaded, given) = self.entry(&step.aggregate_id).await?;
        if loaded.has_recorded(&step.request_id) {
            return Ok(Rehearsed::AlreadyRecorded);
        }
        let enterprise_id = owner(given.state());
        if given.version() > 0 && enterprise_id != step.enterprise_id {
            return Ok(Rehearsed::Refused(format!(
                "编号 {} is a record of enterprise {enterprise_id}, not of {}",
                step.number, step.enterprise_id
            )));
        }
        match given.when_recorded(command, &prepared.actor, step.occurred_at, now) {
            Ok(events) => {
                given.apply(&events, &prepared.actor, step.occurred_at, now);
                Ok(Rehearsed::Ready(Box::new(Prepared {
                    step: step.clone(),
                    actor: prepared.actor.clone(),
                })))
            }
            Err(error) => Ok(Rehearsed::Refused(error.to_string())),
        }
    }
}

/// One file's rehearsal.
pub struct Rehearsal<'a> {
    api: &'a HazardsApi,
    now: DateTime<Utc>,
    hazards: Staged<'a, Hazard>,
    rounds: Staged<'a, SelfCheckRound>,
    devices: Staged<'a, AlarmDevice>,
    statistics: Staged<'a, PeriodicStatistics>,
    standings: HashMap<(String, NaiveDate), Standing>,
}

impl<'a> Rehearsal<'a> {
    pub fn new(api: &'a HazardsApi, administrator: &'a Actor, now: DateTime<Utc>) -> Self {
        let region = api.region.as_str();
        Rehearsal {
            api,
            now,
            hazards: Staged::new(&api.hazards, region, administrator),
            rounds: Staged::new(&api.rounds, region, administrator),
            devices: Staged::new(&api.devices, region, administrator),
            statistics: Staged::new(&api.statistics, region, administrator),
            standings: HashMap::new(),
        }
    }

    /// What the registry says of the step's enterprise on the step's day.
    async fn standing(&mut self, step: &Step) -> Result<Standing, Status> {
        let key = (step.enterprise_id.clone(), local_date(step.occurred_at));
        if let Some(standing) = self.standings.get(&key) {
            return Ok(standing.clone());
        }
        let standing = self.api.standing(&key.0, key.1).await?;
        self.standings.insert(key, standing.clone());
        Ok(standing)
    }

    /// Rehearses the next step of the file.
    pub async fn step(&mut self, mut step: Step) -> Result<Rehearsed, Status> {
        let standing = self.standing(&step).await?;
        let actor = Actor {
            id: step.handler.clone(),
            role: step.role as i32,
            organisation: match step.role {
                Role::Enterprise => step.enterprise_id.clone(),
                _ => String::new(),
            },
            region: match step.role {
                Role::Enterprise => String::new(),
                // A township officer acts in the township the registry has the enterprise in.
                Role::TownshipOfficer => standing.township_code().to_string(),
                _ => self.api.region.clone(),
            },
        };
        if let Some(problem) = self.complete(&mut step, &standing).await? {
            return Ok(Rehearsed::Refused(problem));
        }
        let prepared = Prepared { step, actor };
        let now = self.now;
        match &prepared.step.action {
            Action::Hazard(command) => {
                let owner: fn(&Hazard) -> &str = |hazard| &hazard.facts.enterprise_id;
                self.hazards.rehearse(&prepared, command, owner, now).await
            }
            Action::Round(command) => {
                let owner: fn(&SelfCheckRound) -> &str = |round| &round.enterprise_id;
                self.rounds.rehearse(&prepared, command, owner, now).await
            }
            Action::Device(command) => {
                let owner: fn(&AlarmDevice) -> &str = |device| &device.enterprise_id;
                self.devices.rehearse(&prepared, command, owner, now).await
            }
            Action::Statistics(command) => {
                let owner: fn(&PeriodicStatistics) -> &str = |statistics| {
                    statistics
                        .submitted_event
                        .as_ref()
                        .map_or("", |submitted| submitted.enterprise_id.as_str())
                };
                self.statistics
                    .rehearse(&prepared, command, owner, now)
                    .await
            }
        }
    }

    /// Puts what the registry says into the commands that carry it, and makes the checks
    /// between aggregates; the problem, if one is found.
    async fn complete(
        &mut self,
        step: &mut Step,
        standing: &Standing,
    ) -> Result<Option<String>, Status> {
        match &mut step.action {
            Action::Hazard(HazardCommand::Report(report)) => {
                report.enterprise = standing.clone();
                let day = local_date(step.occurred_at);
                if let Err(status) = requests::registry_township(&step.township_code, standing, day)
                {
                    return Ok(Some(status.message().to_string()));
                }
                if report.counterpart_hazard_id.is_empty() {
                    return Ok(None);
                }
                let self_check =
                    report.provenance == hl_proto::hazards::v1::Provenance::EnterpriseSelf;
                let counterpart = self.hazards.state(&report.counterpart_hazard_id).await?;
                Ok(match counterpart {
                    None => Some("对应编号 names a hazard the ledger does not have".to_string()),
                    Some(counterpart) => {
                        counterpart_problem(&counterpart, &step.enterprise_id, self_check)
                            .map(|problem| format!("the hazard 对应编号 names {problem}"))
                    }
                })
            }
            Action::Round(SelfCheckRoundCommand::Open { enterprise, .. }) => {
                *enterprise = standing.clone();
                Ok(None)
            }
            Action::Round(SelfCheckRoundCommand::RecordFinding { hazard_id }) => {
                let hazard = self.hazards.state(hazard_id).await?;
                Ok(match hazard {
                    None => Some("对应编号 names a hazard the ledger does not have".to_string()),
                    Some(hazard) => finding_problem(&hazard, &step.enterprise_id)
                        .map(|problem| format!("the hazard 对应编号 names {problem}")),
                })
            }
            Action::Device(AlarmDeviceCommand::Register { enterprise, .. }) => {
                *enterprise = standing.clone();
                Ok(None)
            }
            Action::Statistics(submit) => {
                submit.enterprise = standing.clone();
                Ok(None)
            }
            _ => Ok(None),
        }
    }
}
