//! 问责: a case proposed by the system from its trigger, with the records behind it, then opened
//! or dismissed (with its reason) by a bureau administrator, and an opened one concluded with
//! its outcome. Nothing removes a case: a dismissed one stays on the record with why.

use hl_domain::access::{require_bureau, require_government_or_system};
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::registry_events::AccountabilityEvent;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::{
    AccountabilityOutcome, AccountabilityStatus, AccountabilityTrigger,
};
use serde::{Deserialize, Serialize};

use super::DomainError;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Proposal {
    pub region: String,
    pub trigger: AccountabilityTrigger,
    pub subject_id: String,
    pub evidence: Vec<String>,
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AccountabilityCommand {
    Propose(Proposal),
    Open {
        note: String,
    },
    Dismiss {
        reason: String,
    },
    Conclude {
        outcome: AccountabilityOutcome,
        note: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountabilityCase {
    pub case_id: String,
    pub region: String,
    pub trigger: AccountabilityTrigger,
    pub subject_id: String,
    pub evidence: Vec<String>,
    pub summary: String,
    pub status: AccountabilityStatus,
    pub outcome: AccountabilityOutcome,
    pub decision_note: String,
    pub decided_by: String,
}

impl AccountabilityCase {
    fn require_status(&self, wanted: AccountabilityStatus, step: &str) -> Result<(), DomainError> {
        if self.status == wanted {
            Ok(())
        } else {
            Err(DomainError::precondition(
                reasons::ACCOUNTABILITY_STEP_OUT_OF_ORDER,
                format!("cannot {step} a case that is {}", self.status.as_str_name()),
            ))
        }
    }

    fn step(
        &self,
        command: &AccountabilityCommand,
        context: &CommandContext,
    ) -> Result<Vec<AccountabilityEvent>, DomainError> {
        let case_id = self.case_id.clone();
        match command {
            AccountabilityCommand::Propose(_) => unreachable!("a proposal makes a new case"),
            AccountabilityCommand::Open { note } => {
                require_bureau(&context.actor, &self.region, "open an accountability case")?;
                self.require_status(AccountabilityStatus::Proposed, "open")?;
                Ok(vec![AccountabilityEvent::Opened(
                    pb::AccountabilityOpened {
                        case_id,
                        note: note.clone(),
                    },
                )])
            }
            AccountabilityCommand::Dismiss { reason } => {
                require_bureau(
                    &context.actor,
                    &self.region,
                    "dismiss an accountability case",
                )?;
                self.require_status(AccountabilityStatus::Proposed, "dismiss")?;
                Ok(vec![AccountabilityEvent::Dismissed(
                    pb::AccountabilityDismissed {
                        case_id,
                        reason: reason.clone(),
                    },
                )])
            }
            AccountabilityCommand::Conclude { outcome, note } => {
                require_bureau(
                    &context.actor,
                    &self.region,
                    "conclude an accountability case",
                )?;
                self.require_status(AccountabilityStatus::Opened, "conclude")?;
                Ok(vec![AccountabilityEvent::Concluded(
                    pb::AccountabilityConcluded {
                        case_id,
                        outcome: *outcome as i32,
                        note: note.clone(),
                    },
                )])
            }
        }
    }
}

impl Aggregate for AccountabilityCase {
    type Event = AccountabilityEvent;
    type Command = AccountabilityCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "accountability_case";
    const COLLECTION: &'static str = "accountabilityCases";

    fn expects(command: &AccountabilityCommand) -> Expects {
        match command {
            AccountabilityCommand::Propose(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &AccountabilityCommand,
        context: &CommandContext,
    ) -> Result<Vec<AccountabilityEvent>, DomainError> {
        match command {
            AccountabilityCommand::Propose(proposal) => {
                require_government_or_system(&context.actor, &proposal.region, "propose a case")?;
                Ok(vec![AccountabilityEvent::Proposed(
                    pb::AccountabilityProposed {
                        case_id: context.aggregate_id.clone(),
                        region: proposal.region.clone(),
                        trigger: proposal.trigger as i32,
                        subject_id: proposal.subject_id.clone(),
                        evidence: proposal.evidence.clone(),
                        summary: proposal.summary.clone(),
                    },
                )])
            }
            step => self.step(step, context),
        }
    }

    fn apply(&mut self, event: &AccountabilityEvent, meta: &EventMeta) {
        match event {
            AccountabilityEvent::Proposed(proposed) => {
                *self = AccountabilityCase {
                    case_id: proposed.case_id.clone(),
                    region: proposed.region.clone(),
                    trigger: proposed.trigger(),
                    subject_id: proposed.subject_id.clone(),
                    evidence: proposed.evidence.clone(),
                    summary: proposed.summary.clone(),
                    status: AccountabilityStatus::Proposed,
                    ..AccountabilityCase::default()
                };
            }
            AccountabilityEvent::Opened(opened) => {
                self.status = AccountabilityStatus::Opened;
                self.decision_note = opened.note.clone();
                self.decided_by = meta.actor.id.clone();
            }
            AccountabilityEvent::Dismissed(dismissed) => {
                self.status = AccountabilityStatus::Dismissed;
                self.decision_note = dismissed.reason.clone();
                self.decided_by = meta.actor.id.clone();
            }
            AccountabilityEvent::Concluded(concluded) => {
                self.status = AccountabilityStatus::Concluded;
                self.outcome = concluded.outcome();
                self.decision_note = concluded.note.clone();
                self.decided_by = meta.actor.id.clone();
            }
        }
    }
}
