//! The PenaltyCase aggregate (行政处罚, 一般程序):
//! `Filed → Investigating → LegalReview → Notified → [HearingRequested → HearingHeld] →
//! Decided → Served → Executing → Closed → Archived`.
//! Its clock ([`CaseClock`]) starts at filing with the length of the rule version in force that
//! day, pauses for hearings and appraisals, is extended only by a bureau administrator's recorded
//! approval, and stops at the decision. Fines are integer fen.

use hl_directory::Standing;
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::common::v1::Actor;
use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::{CaseDecision, CaseStatus, ExecutionKind};
use serde::{Deserialize, Serialize};

use super::access::{is_the_enterprise, require_bureau, require_government};
use super::clock::{CaseClock, Extension};
use super::officers::{Officer, check_officers};
use super::{DomainError, rules};

pub use hl_proto::enforcement_events::PenaltyCaseEvent;

/// Why the clock is paused.
pub const HEARING: &str = "hearing";
pub const APPRAISAL: &str = "appraisal";

/// A new case, its enterprise and officers read from the registry by the API.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileCase {
    pub region: String,
    pub enterprise: Standing,
    pub inspection_id: String,
    pub finding_id: String,
    pub hazard_id: String,
    pub facts: String,
    pub officers: Vec<Officer>,
}

#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum CaseCommand {
    File(FileCase),
    StartInvestigation,
    CompleteLegalReview {
        note: String,
    },
    ServeNotice {
        hearing_offered: bool,
    },
    RequestHearing,
    HoldHearing {
        note: String,
    },
    StartAppraisal {
        note: String,
    },
    FinishAppraisal,
    ApproveExtension {
        days: u32,
        reason: String,
    },
    Decide {
        decision: CaseDecision,
        fine_fen: i64,
        note: String,
    },
    ServeDecision,
    RecordExecution {
        kind: ExecutionKind,
        amount_fen: i64,
        note: String,
    },
    Close {
        note: String,
    },
    Archive,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PenaltyCase {
    pub case_id: String,
    pub enterprise_id: String,
    pub township_code: String,
    pub region: String,
    pub inspection_id: String,
    pub finding_id: String,
    pub hazard_id: String,
    pub facts: String,
    pub officer_ids: Vec<String>,
    pub status: CaseStatus,
    pub hearing_offered: bool,
    pub decision: CaseDecision,
    pub fine_fen: i64,
    pub execution: ExecutionKind,
    pub paid_fen: i64,
    pub clock: CaseClock,
    pub filed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl PenaltyCase {
    pub fn exists(&self) -> bool {
        !self.case_id.is_empty()
    }

    fn place(&self) -> &str {
        if self.township_code.is_empty() {
            &self.region
        } else {
            &self.township_code
        }
    }

    fn rules(&self) -> Result<&'static rules::CaseRules, DomainError> {
        Ok(&rules::CASES.by_name(&self.clock.rule_version)?.rules)
    }

    fn require_status(&self, allowed: &[CaseStatus], action: &str) -> Result<(), DomainError> {
        if allowed.contains(&self.status) {
            return Ok(());
        }
        Err(DomainError::precondition(
            reasons::CASE_STEP_OUT_OF_ORDER,
            format!("{action}: the case is {:?}", self.status),
        ))
    }

    fn event_case_id(&self) -> String {
        self.case_id.clone()
    }
}

fn file(case: &FileCase, context: &CommandContext) -> Result<Vec<PenaltyCaseEvent>, DomainError> {
    let place = match case.enterprise.township_code() {
        "" => case.region.as_str(),
        township => township,
    };
    require_government(&context.actor, place, "file a penalty case")?;
    if !case.enterprise.known {
        return Err(DomainError::precondition(
            reasons::ENTERPRISE_UNKNOWN,
            format!(
                "enterprises/{} is not in the registry",
                case.enterprise.enterprise_id
            ),
        ));
    }
    let day = local_date(context.occurred_at);
    let version = rules::CASES.in_force(day);
    let officer_ids = check_officers(&case.officers, day, version.rules.min_officers)?;
    Ok(vec![PenaltyCaseEvent::Filed(pb::CaseFiled {
        case_id: context.aggregate_id.clone(),
        enterprise_id: case.enterprise.enterprise_id.clone(),
        township_code: case.enterprise.township_code().to_string(),
        region: case.region.clone(),
        inspection_id: case.inspection_id.clone(),
        finding_id: case.finding_id.clone(),
        hazard_id: case.hazard_id.clone(),
        facts: case.facts.clone(),
        officer_ids,
        rule_version: version.name.to_string(),
        limit_days: version.rules.decision_days,
    })])
}

impl PenaltyCase {
    /// Who may take a step: the government side of the case's place; the party itself may ask
    /// for a hearing; extensions, decisions and instalments are a bureau administrator's.
    fn authorize(&self, command: &CaseCommand, actor: &Actor) -> Result<(), DomainError> {
        let place = self.place();
        match command {
            CaseCommand::RequestHearing if is_the_enterprise(actor, &self.enterprise_id) => Ok(()),
            CaseCommand::ApproveExtension { .. } => {
                require_bureau(actor, place, "approve a longer case clock")
            }
            CaseCommand::Decide { .. } => require_bureau(actor, place, "decide a case"),
            CaseCommand::RecordExecution {
                kind: ExecutionKind::Instalments | ExecutionKind::Deferred,
                ..
            } => require_bureau(actor, place, "approve instalments or a deferral"),
            _ => require_government(actor, place, "take a step of a penalty case"),
        }
    }

    fn step(&self, command: &CaseCommand) -> Result<Vec<PenaltyCaseEvent>, DomainError> {
        use CaseStatus as S;
        let case_id = self.event_case_id();
        let event = match command {
            CaseCommand::File(_) => unreachable!("filing is decided on its own"),
            CaseCommand::StartInvestigation => {
                self.require_status(&[S::Filed], "start the investigation")?;
                PenaltyCaseEvent::InvestigationStarted(pb::InvestigationStarted { case_id })
            }
            CaseCommand::CompleteLegalReview { note } => {
                self.require_status(&[S::Investigating], "complete the legal review")?;
                self.require_no_appraisal("complete the legal review")?;
                PenaltyCaseEvent::LegalReviewCompleted(pb::LegalReviewCompleted {
                    case_id,
                    note: note.clone(),
                })
            }
            CaseCommand::ServeNotice { hearing_offered } => {
                self.require_status(&[S::LegalReview], "serve the notice")?;
                PenaltyCaseEvent::NoticeServed(pb::NoticeServed {
                    case_id,
                    hearing_offered: *hearing_offered,
                })
            }
            CaseCommand::RequestHearing => {
                self.require_status(&[S::Notified], "request a hearing")?;
                if !self.hearing_offered {
                    return Err(DomainError::precondition(
                        reasons::NO_HEARING_OFFERED,
                        "the notice offered no hearing",
                    ));
                }
                PenaltyCaseEvent::HearingRequested(pb::HearingRequested { case_id })
            }
            CaseCommand::HoldHearing { note } => {
                self.require_status(&[S::HearingRequested], "hold the hearing")?;
                PenaltyCaseEvent::HearingHeld(pb::HearingHeld {
                    case_id,
                    note: note.clone(),
                })
            }
            CaseCommand::StartAppraisal { note } => {
                self.require_status(&[S::Investigating, S::LegalReview], "start an appraisal")?;
                self.require_no_appraisal("start an appraisal")?;
                PenaltyCaseEvent::AppraisalStarted(pb::AppraisalStarted {
                    case_id,
                    note: note.clone(),
                })
            }
            CaseCommand::FinishAppraisal => {
                if !self.appraisal_open() {
                    return Err(DomainError::precondition(
                        reasons::NO_APPRAISAL_OPEN,
                        "no appraisal is under way",
                    ));
                }
                PenaltyCaseEvent::AppraisalFinished(pb::AppraisalFinished { case_id })
            }
            CaseCommand::ApproveExtension { days, reason } => {
                self.approve_extension(*days, reason, case_id)?
            }
            CaseCommand::Decide {
                decision,
                fine_fen,
                note,
            } => self.decide_case(*decision, *fine_fen, note, case_id)?,
            CaseCommand::ServeDecision => {
                self.require_status(&[S::Decided], "serve the decision")?;
                PenaltyCaseEvent::DecisionServed(pb::DecisionServed { case_id })
            }
            CaseCommand::RecordExecution {
                kind,
                amount_fen,
                note,
            } => self.record_execution(*kind, *amount_fen, note, case_id)?,
            CaseCommand::Close { note } => {
                self.require_closable()?;
                PenaltyCaseEvent::Closed(pb::CaseClosed {
                    case_id,
                    note: note.clone(),
                })
            }
            CaseCommand::Archive => {
                self.require_status(&[S::Closed], "archive the case")?;
                PenaltyCaseEvent::Archived(pb::CaseArchived { case_id })
            }
        };
        Ok(vec![event])
    }

    fn appraisal_open(&self) -> bool {
        self.clock
            .pauses
            .iter()
            .any(|pause| pause.reason == APPRAISAL && pause.until.is_none())
    }

    fn require_no_appraisal(&self, action: &str) -> Result<(), DomainError> {
        if self.appraisal_open() {
            return Err(DomainError::precondition(
                reasons::APPRAISAL_UNDER_WAY,
                format!("{action}: an appraisal is under way"),
            ));
        }
        Ok(())
    }

    fn approve_extension(
        &self,
        days: u32,
        reason: &str,
        case_id: String,
    ) -> Result<PenaltyCaseEvent, DomainError> {
        use CaseStatus as S;
        self.require_status(
            &[
                S::Filed,
                S::Investigating,
                S::LegalReview,
                S::Notified,
                S::HearingRequested,
                S::HearingHeld,
            ],
            "extend the case clock",
        )?;
        if days == 0 {
            return Err(DomainError::invalid(
                "days",
                "an extension adds at least one day",
            ));
        }
        if reason.trim().is_empty() {
            return Err(DomainError::invalid("reason", "an extension records why"));
        }
        let limit = self.rules()?.max_extension_days;
        let total = self.clock.extended_days() + days;
        if total > limit {
            return Err(DomainError::precondition(
                reasons::EXTENSION_LIMIT,
                format!(
                    "{} allows {limit} extra days in all; {} are approved already",
                    self.clock.rule_version,
                    self.clock.extended_days()
                ),
            ));
        }
        Ok(PenaltyCaseEvent::ExtensionApproved(pb::ExtensionApproved {
            case_id,
            days,
            reason: reason.to_string(),
        }))
    }

    fn decide_case(
        &self,
        decision: CaseDecision,
        fine_fen: i64,
        note: &str,
        case_id: String,
    ) -> Result<PenaltyCaseEvent, DomainError> {
        use CaseStatus as S;
        self.require_status(&[S::Notified, S::HearingHeld], "decide the case")?;
        self.require_no_appraisal("decide the case")?;
        match decision {
            CaseDecision::Penalty if fine_fen < 0 => {
                return Err(DomainError::invalid("fine_fen", "cannot be negative"));
            }
            CaseDecision::Penalty => {}
            _ if fine_fen != 0 => {
                return Err(DomainError::invalid(
                    "fine_fen",
                    "only a penalty carries a fine",
                ));
            }
            _ => {}
        }
        Ok(PenaltyCaseEvent::Decided(pb::CaseDecided {
            case_id,
            decision: decision as i32,
            fine_fen,
            note: note.to_string(),
        }))
    }

    fn record_execution(
        &self,
        kind: ExecutionKind,
        amount_fen: i64,
        note: &str,
        case_id: String,
    ) -> Result<PenaltyCaseEvent, DomainError> {
        use CaseStatus as S;
        self.require_status(&[S::Served, S::Executing], "record the execution")?;
        if self.decision != CaseDecision::Penalty || self.fine_fen == 0 {
            return Err(DomainError::precondition(
                reasons::NOTHING_TO_EXECUTE,
                "the decision carries no fine to execute",
            ));
        }
        if kind == ExecutionKind::Paid {
            if amount_fen <= 0 {
                return Err(DomainError::invalid(
                    "amount_fen",
                    "a payment is more than nothing",
                ));
            }
            if self.paid_fen + amount_fen > self.fine_fen {
                return Err(DomainError::invalid(
                    "amount_fen",
                    format!(
                        "{} fen of the {} fen fine are paid; {amount_fen} more is too much",
                        self.paid_fen, self.fine_fen
                    ),
                ));
            }
        }
        Ok(PenaltyCaseEvent::ExecutionRecorded(pb::ExecutionRecorded {
            case_id,
            kind: kind as i32,
            amount_fen: if kind == ExecutionKind::Paid {
                amount_fen
            } else {
                0
            },
            note: note.to_string(),
        }))
    }

    /// A case closes once served without a fine, or once its fine is paid or sent to the court.
    fn require_closable(&self) -> Result<(), DomainError> {
        use CaseStatus as S;
        let closable = match self.status {
            S::Served => self.decision != CaseDecision::Penalty || self.fine_fen == 0,
            S::Executing => {
                self.paid_fen >= self.fine_fen
                    || self.execution == ExecutionKind::CompulsoryExecution
            }
            _ => false,
        };
        if closable {
            return Ok(());
        }
        Err(DomainError::precondition(
            reasons::CASE_NOT_CLOSABLE,
            format!(
                "the case is {:?} with {} of {} fen paid",
                self.status, self.paid_fen, self.fine_fen
            ),
        ))
    }
}

impl Aggregate for PenaltyCase {
    type Event = PenaltyCaseEvent;
    type Command = CaseCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "penalty_case";
    const COLLECTION: &'static str = "penaltyCases";

    /// Another enterprise does not learn whether this enterprise's records exist.
    fn known_to(&self, actor: &hl_proto::common::v1::Actor) -> bool {
        hl_domain::access::may_know_of(actor, &self.enterprise_id)
    }

    fn expects(command: &CaseCommand) -> Expects {
        match command {
            CaseCommand::File(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &CaseCommand,
        context: &CommandContext,
    ) -> Result<Vec<PenaltyCaseEvent>, DomainError> {
        if let CaseCommand::File(case) = command {
            return file(case, context);
        }
        self.authorize(command, &context.actor)?;
        self.step(command)
    }

    fn apply(&mut self, event: &PenaltyCaseEvent, meta: &EventMeta) {
        let day = local_date(meta.occurred_at);
        match event {
            PenaltyCaseEvent::Filed(filed) => {
                *self = PenaltyCase {
                    case_id: filed.case_id.clone(),
                    enterprise_id: filed.enterprise_id.clone(),
                    township_code: filed.township_code.clone(),
                    region: filed.region.clone(),
                    inspection_id: filed.inspection_id.clone(),
                    finding_id: filed.finding_id.clone(),
                    hazard_id: filed.hazard_id.clone(),
                    facts: filed.facts.clone(),
                    officer_ids: filed.officer_ids.clone(),
                    status: CaseStatus::Filed,
                    clock: CaseClock {
                        rule_version: filed.rule_version.clone(),
                        started_on: Some(day),
                        limit_days: filed.limit_days,
                        ..CaseClock::default()
                    },
                    filed_at: Some(meta.occurred_at),
                    ..PenaltyCase::default()
                };
            }
            PenaltyCaseEvent::InvestigationStarted(_) => self.status = CaseStatus::Investigating,
            PenaltyCaseEvent::LegalReviewCompleted(_) => self.status = CaseStatus::LegalReview,
            PenaltyCaseEvent::NoticeServed(served) => {
                self.status = CaseStatus::Notified;
                self.hearing_offered = served.hearing_offered;
            }
            PenaltyCaseEvent::HearingRequested(_) => {
                self.status = CaseStatus::HearingRequested;
                self.clock.pause(HEARING, day);
            }
            PenaltyCaseEvent::HearingHeld(_) => {
                self.status = CaseStatus::HearingHeld;
                self.clock.resume(HEARING, day);
            }
            PenaltyCaseEvent::AppraisalStarted(_) => self.clock.pause(APPRAISAL, day),
            PenaltyCaseEvent::AppraisalFinished(_) => self.clock.resume(APPRAISAL, day),
            PenaltyCaseEvent::ExtensionApproved(approved) => {
                self.clock.extensions.push(Extension {
                    days: approved.days,
                    approved_by: meta.actor.id.clone(),
                    reason: approved.reason.clone(),
                    approved_on: day,
                });
            }
            PenaltyCaseEvent::Decided(decided) => {
                self.status = CaseStatus::Decided;
                self.decision = decided.decision();
                self.fine_fen = decided.fine_fen;
                self.clock.stopped_on = Some(day);
            }
            PenaltyCaseEvent::DecisionServed(_) => self.status = CaseStatus::Served,
            PenaltyCaseEvent::ExecutionRecorded(recorded) => {
                self.status = CaseStatus::Executing;
                self.execution = recorded.kind();
                self.paid_fen += recorded.amount_fen;
            }
            PenaltyCaseEvent::Closed(_) => self.status = CaseStatus::Closed,
            PenaltyCaseEvent::Archived(_) => self.status = CaseStatus::Archived,
        }
    }
}
