//! The government ledger's intake from inspections: a process manager that follows the
//! inspections of the enforcement stream and records what they decide in the hazards:
//! - a finding becomes a government-ledger hazard, under the id the finding names, as the
//!   officer who recorded it, on the day it was found;
//! - an order to rectify becomes the hazard's rectification order;
//! - a passed follow-up (复查合格) verifies the hazard; a failed one rejects a rectification the
//!   enterprise claimed (a false rectification stays on the record).
//!
//! Each command's request_id is derived from (inspection, finding, step), so a crash between the
//! inspection's commit and this intake, or a redelivery, records nothing twice: the hazard's
//! request log recognises the retry, and a report finds its hazard already there. A command the
//! hazards domain refuses is logged and counted (`hl_process_commands{outcome="refused"}`) and
//! the intake moves on; the enforcement API checks beforehand what the hazards domain will ask,
//! so a refusal means the registry changed in between.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use hl_domain::clock::local_date;
use hl_eventstore::{
    EventMeta, EventStore, ExecuteError, RequestMeta, StoredMessage, decode_events,
};
use hl_proto::enforcement::v1 as enforcement;
use hl_proto::enforcement::v1::{FollowUpResult, InspectionType};
use hl_proto::enforcement_events::InspectionEvent;
use hl_proto::events::v1::Commit;
use hl_proto::hazards::v1::{HazardStatus, Provenance, SourceType};
use hl_runtime::process::{ProcessError, ProcessSpec, follow};
use hl_telemetry::metrics::{ProcessLabels, metrics};
use prost::Message;

use crate::api::HazardsApi;
use crate::domain::DomainError;
use crate::domain::hazard::{HazardCommand, ReportHazard};

/// The process's name, and its durable consumer's.
pub const PROCESS: &str = "inspection_findings";

/// The enforcement stream, and the one aggregate type of it this intake reads.
const ENFORCEMENT: &str = "enforcement";
const INSPECTION: &str = "inspection";

/// Starts the intake for one district once the streams are ready. The flag is true while it
/// follows the inspections.
pub fn start(
    store: EventStore,
    region: &str,
    api: Arc<HazardsApi>,
    streams_ready: Arc<AtomicBool>,
) -> Arc<AtomicBool> {
    let intake = Arc::new(Intake {
        region: region.to_string(),
        api,
    });
    let spec = ProcessSpec::aggregates(&store, PROCESS, region, (ENFORCEMENT, INSPECTION));
    follow(store, spec, streams_ready, move |message| {
        let intake = intake.clone();
        async move { intake.handle(&message).await }
    })
}

/// Shares the API's repositories, so its commands and the intake's on one hazard take turns.
struct Intake {
    region: String,
    api: Arc<HazardsApi>,
}

/// One hazards command an inspection event asks for.
struct Step {
    hazard_id: String,
    request_id: String,
    command: HazardCommand,
}

impl Intake {
    async fn handle(&self, message: &StoredMessage) -> Result<(), ProcessError> {
        let commit = Commit::decode(message.payload.as_ref())
            .map_err(|error| ProcessError::Poison(format!("not a commit: {error}")))?;
        let correlation_id = commit
            .events
            .first()
            .map(|envelope| envelope.correlation_id.clone())
            .unwrap_or_default();
        let decoded = decode_events::<InspectionEvent>(commit).map_err(ProcessError::Poison)?;
        for (event, meta) in &decoded.events {
            if let Some(step) = self.step(event, meta).await? {
                self.execute(step, meta, &correlation_id).await?;
            }
        }
        Ok(())
    }

    /// The hazards command an event asks for, if any.
    async fn step(
        &self,
        event: &InspectionEvent,
        meta: &EventMeta,
    ) -> Result<Option<Step>, ProcessError> {
        Ok(match event {
            InspectionEvent::FindingRecorded(found) => Some(Step {
                hazard_id: found.hazard_id.clone(),
                request_id: request_id("finding", &found.inspection_id, &found.finding_id),
                command: HazardCommand::Report(self.report(found, meta).await?),
            }),
            InspectionEvent::OrderIssued(issued) => {
                let order = issued.order.clone().unwrap_or_default();
                Some(Step {
                    hazard_id: issued.hazard_id.clone(),
                    request_id: request_id("order", &issued.inspection_id, &issued.finding_id),
                    command: HazardCommand::OrderRectification(
                        hl_proto::hazards::v1::RectificationOrder {
                            document_number: order.document_number,
                            deadline: order.deadline,
                            measures: order.measures,
                        },
                    ),
                })
            }
            InspectionEvent::FollowUpRecorded(followed) => self.follow_up(followed).await?,
            _ => None,
        })
    }

    /// The government-ledger hazard of a finding, with the enterprise as the registry has it
    /// on the day of the finding.
    async fn report(
        &self,
        found: &enforcement::FindingRecorded,
        meta: &EventMeta,
    ) -> Result<ReportHazard, ProcessError> {
        let enterprise = self
            .api
            .directory()
            .standing(&found.enterprise_id, local_date(meta.occurred_at))
            .await?;
        Ok(ReportHazard {
            enterprise,
            region: self.region.clone(),
            provenance: Provenance::GovernmentInspection,
            source_type: source_type(found.inspection_type()),
            category: found.category(),
            location: found.location.clone(),
            equipment: found.equipment.clone(),
            description: found.description.clone(),
            evidence: found.evidence.clone(),
            temporary_controls: String::new(),
            inspection_id: found.inspection_id.clone(),
            counterpart_hazard_id: found.cited_hazard_id.clone(),
            level: found.level(),
            level_criterion: found.level_criterion.clone(),
        })
    }

    /// A passed follow-up verifies the hazard; a failed one rejects the enterprise's claim, if
    /// it made one. A failure while the hazard is still being rectified changes nothing here:
    /// the hazard stays open (and overdue), and the penalty case is the enforcement's.
    async fn follow_up(
        &self,
        followed: &enforcement::FollowUpRecorded,
    ) -> Result<Option<Step>, ProcessError> {
        let request_id = request_id("follow-up", &followed.inspection_id, &followed.finding_id);
        let command = match followed.result() {
            FollowUpResult::Passed => HazardCommand::Verify {
                note: followed.note.clone(),
                evidence: followed.evidence.clone(),
            },
            FollowUpResult::Failed => {
                let hazard = self.api.hazards().load(&followed.hazard_id).await?;
                if hazard.state.status() != HazardStatus::AwaitingVerification
                    || hazard.has_recorded(&request_id)
                {
                    return Ok(None);
                }
                HazardCommand::Reject {
                    reason: followed.note.clone(),
                    new_deadline: None,
                }
            }
            FollowUpResult::Unspecified => return Ok(None),
        };
        Ok(Some(Step {
            hazard_id: followed.hazard_id.clone(),
            request_id,
            command,
        }))
    }

    async fn execute(
        &self,
        step: Step,
        meta: &EventMeta,
        correlation_id: &str,
    ) -> Result<(), ProcessError> {
        let request = RequestMeta {
            request_id: step.request_id.clone(),
            actor: meta.actor.clone(),
            occurred_at: Some(meta.occurred_at),
            correlation_id: Some(correlation_id.to_string()).filter(|id| !id.is_empty()),
            migrated_by: None,
        };
        let outcome = match self
            .api
            .hazards()
            .execute(&step.hazard_id, &step.command, &request)
            .await
        {
            Ok(executed) if executed.replayed => "already_recorded",
            Ok(_) => "recorded",
            // The request log has forgotten the report, but the hazard is there.
            Err(ExecuteError::Domain(DomainError::AlreadyExists(_))) => "already_recorded",
            Err(ExecuteError::Domain(refusal)) => {
                tracing::error!(
                    hazard_id = %step.hazard_id,
                    request_id = %step.request_id,
                    %refusal,
                    "the hazards domain refused an inspection's step"
                );
                "refused"
            }
            Err(ExecuteError::Store(error)) => return Err(error.into()),
            // This very step was recorded on the aggregate, so long ago its outcome is forgotten.
            Err(ExecuteError::RequestOutcomeForgotten { .. }) => "already_recorded",
            Err(error @ ExecuteError::Conflict { .. }) => {
                return Err(ProcessError::Transient(error.to_string()));
            }
        };
        tracing::info!(hazard_id = %step.hazard_id, request_id = %step.request_id, outcome);
        metrics()
            .process_commands
            .get_or_create(&ProcessLabels {
                process: PROCESS.into(),
                outcome: outcome.into(),
            })
            .inc();
        Ok(())
    }
}

/// The request_id of one step of one finding: the same however often the event comes.
pub fn request_id(step: &str, inspection_id: &str, finding_id: &str) -> String {
    format!("{step}:{inspection_id}:{finding_id}")
}

/// The hazard's 排查类型 for an inspection of this kind.
fn source_type(inspection: InspectionType) -> SourceType {
    match inspection {
        InspectionType::SpecialCampaign => SourceType::Specialist,
        InspectionType::ExpertConsultation => SourceType::ExpertDiagnosis,
        _ => SourceType::Comprehensive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_name_the_step_and_the_finding() {
        assert_eq!(request_id("finding", "insp-1", "f-2"), "finding:insp-1:f-2");
        assert_ne!(
            request_id("order", "insp-1", "f-2"),
            request_id("finding", "insp-1", "f-2")
        );
    }

    #[test]
    fn expert_consultations_are_expert_diagnoses() {
        assert_eq!(
            source_type(InspectionType::ExpertConsultation),
            SourceType::ExpertDiagnosis
        );
        assert_eq!(
            source_type(InspectionType::DoubleRandom),
            SourceType::Comprehensive
        );
    }
}
