//! The SelfCheckRound aggregate: an enterprise's self-inspection for a period, ending in a
//! signed submission that lists its findings or states that it found none (零隐患). A zero-findings
//! statement is what lets the reconciliation tell a silent enterprise from a clean one.

use chrono::NaiveDate;
use hl_eventstore::{Aggregate, CommandContext, EventMeta};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::SelfCheckRoundStatus;
use serde::{Deserialize, Serialize};

use super::access::require_the_enterprise;
use super::{DomainError, EnterpriseStanding, decision};

pub use hl_proto::hazard_events::SelfCheckRoundEvent;

#[derive(Clone, Debug, PartialEq)]
pub enum SelfCheckRoundCommand {
    Open {
        enterprise_id: String,
        enterprise_standing: EnterpriseStanding,
        period_start: NaiveDate,
        period_end: NaiveDate,
        checklist: String,
        performer: String,
    },
    /// The hazard is checked by the API to be this enterprise's self-check entry.
    RecordFinding { hazard_id: String },
    Submit {
        zero_findings_attested: bool,
        signed_by: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SelfCheckRound {
    pub round_id: String,
    pub enterprise_id: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub checklist: String,
    pub performer: String,
    pub hazard_ids: Vec<String>,
    pub zero_findings_attested: bool,
    pub signed_by: String,
    pub status: SelfCheckRoundStatus,
    pub opened: Option<pb::Decision>,
    pub submitted: Option<pb::Decision>,
}

/// The longest period one round may cover.
const LONGEST_PERIOD_DAYS: i64 = 366;

impl SelfCheckRound {
    pub fn exists(&self) -> bool {
        !self.round_id.is_empty()
    }

    fn require_open(&self) -> Result<(), DomainError> {
        if self.status != SelfCheckRoundStatus::Open {
            return Err(DomainError::precondition(
                "SELF_CHECK_ROUND_SUBMITTED",
                format!("self-check round {} is already submitted", self.round_id),
            ));
        }
        Ok(())
    }
}

impl Aggregate for SelfCheckRound {
    type Event = SelfCheckRoundEvent;
    type Command = SelfCheckRoundCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "self_check_round";

    fn decide(
        &self,
        command: &SelfCheckRoundCommand,
        context: &CommandContext,
    ) -> Result<Vec<SelfCheckRoundEvent>, DomainError> {
        let actor = &context.actor;
        if let SelfCheckRoundCommand::Open {
            enterprise_id,
            enterprise_standing,
            period_start,
            period_end,
            checklist,
            performer,
        } = command
        {
            if self.exists() {
                return Err(DomainError::AlreadyExists(format!(
                    "selfCheckRounds/{}",
                    context.aggregate_id
                )));
            }
            require_the_enterprise(actor, enterprise_id, "open a self-check round")?;
            enterprise_standing.require_open(enterprise_id)?;
            if period_end < period_start {
                return Err(DomainError::invalid("period_end", "is before period_start"));
            }
            if (*period_end - *period_start).num_days() >= LONGEST_PERIOD_DAYS {
                return Err(DomainError::invalid(
                    "period_end",
                    format!("a round covers at most {LONGEST_PERIOD_DAYS} days"),
                ));
            }
            return Ok(vec![SelfCheckRoundEvent::Opened(
                pb::SelfCheckRoundOpened {
                    round_id: context.aggregate_id.clone(),
                    enterprise_id: enterprise_id.clone(),
                    period_start: Some((*period_start).into()),
                    period_end: Some((*period_end).into()),
                    checklist: checklist.clone(),
                    performer: performer.clone(),
                },
            )]);
        }
        if !self.exists() {
            return Err(DomainError::NotFound(format!(
                "selfCheckRounds/{}",
                context.aggregate_id
            )));
        }
        require_the_enterprise(actor, &self.enterprise_id, "work on its self-check round")?;
        self.require_open()?;
        match command {
            SelfCheckRoundCommand::Open { .. } => unreachable!("handled above"),
            SelfCheckRoundCommand::RecordFinding { hazard_id } => {
                if self.hazard_ids.contains(hazard_id) {
                    return Ok(Vec::new());
                }
                Ok(vec![SelfCheckRoundEvent::FindingRecorded(
                    pb::SelfCheckFindingRecorded {
                        round_id: self.round_id.clone(),
                        hazard_id: hazard_id.clone(),
                    },
                )])
            }
            SelfCheckRoundCommand::Submit {
                zero_findings_attested,
                signed_by,
            } => {
                if self.hazard_ids.is_empty() && !zero_findings_attested {
                    return Err(DomainError::precondition(
                        "ZERO_FINDINGS_ATTESTATION_REQUIRED",
                        "a round without findings must carry the signed zero-findings statement (零隐患)",
                    ));
                }
                if !self.hazard_ids.is_empty() && *zero_findings_attested {
                    return Err(DomainError::precondition(
                        "ZERO_FINDINGS_CONTRADICTED",
                        format!(
                            "the round recorded {} findings; it cannot attest zero",
                            self.hazard_ids.len()
                        ),
                    ));
                }
                Ok(vec![SelfCheckRoundEvent::Submitted(
                    pb::SelfCheckRoundSubmitted {
                        round_id: self.round_id.clone(),
                        zero_findings_attested: *zero_findings_attested,
                        signed_by: signed_by.clone(),
                        finding_count: self.hazard_ids.len() as u32,
                    },
                )])
            }
        }
    }

    fn apply(&mut self, event: &SelfCheckRoundEvent, meta: &EventMeta) {
        match event {
            SelfCheckRoundEvent::Opened(opened) => {
                self.round_id = opened.round_id.clone();
                self.enterprise_id = opened.enterprise_id.clone();
                self.period_start = opened
                    .period_start
                    .as_ref()
                    .and_then(|date| date.to_naive());
                self.period_end = opened.period_end.as_ref().and_then(|date| date.to_naive());
                self.checklist = opened.checklist.clone();
                self.performer = opened.performer.clone();
                self.status = SelfCheckRoundStatus::Open;
                self.opened = Some(decision(meta, "", &[]));
            }
            SelfCheckRoundEvent::FindingRecorded(recorded) => {
                self.hazard_ids.push(recorded.hazard_id.clone());
            }
            SelfCheckRoundEvent::Submitted(submitted) => {
                self.zero_findings_attested = submitted.zero_findings_attested;
                self.signed_by = submitted.signed_by.clone();
                self.status = SelfCheckRoundStatus::Submitted;
                self.submitted = Some(decision(meta, "", &[]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::domain::access::test_actors::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2023-04-02T02:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn decide(
        round: &SelfCheckRound,
        command: SelfCheckRoundCommand,
        actor: hl_proto::common::v1::Actor,
    ) -> Result<Vec<SelfCheckRoundEvent>, DomainError> {
        round.decide(&command, &CommandContext::new("round-1", actor, now()))
    }

    fn step(mut round: SelfCheckRound, command: SelfCheckRoundCommand) -> SelfCheckRound {
        for event in decide(&round, command, enterprise()).unwrap() {
            round.apply(&event, &EventMeta::at(now(), enterprise()));
        }
        round
    }

    fn open() -> SelfCheckRoundCommand {
        SelfCheckRoundCommand::Open {
            enterprise_id: ENTERPRISE.into(),
            enterprise_standing: EnterpriseStanding::Registered,
            period_start: day("2023-01-01"),
            period_end: day("2023-03-31"),
            checklist: "cold store checklist v3".into(),
            performer: "safety officer Li".into(),
        }
    }

    fn submit(zero: bool) -> SelfCheckRoundCommand {
        SelfCheckRoundCommand::Submit {
            zero_findings_attested: zero,
            signed_by: "principal Chen".into(),
        }
    }

    #[test]
    fn a_round_with_findings_is_submitted_signed() {
        let round = step(
            step(
                step_from_default(open()),
                SelfCheckRoundCommand::RecordFinding {
                    hazard_id: "hz-1".into(),
                },
            ),
            submit(false),
        );
        assert_eq!(round.status, SelfCheckRoundStatus::Submitted);
        assert_eq!(round.hazard_ids, ["hz-1"]);
        // Recording the same finding twice changes nothing.
        let open_round = step(
            step(SelfCheckRound::default(), open()),
            SelfCheckRoundCommand::RecordFinding {
                hazard_id: "hz-1".into(),
            },
        );
        assert!(
            decide(
                &open_round,
                SelfCheckRoundCommand::RecordFinding {
                    hazard_id: "hz-1".into()
                },
                enterprise()
            )
            .unwrap()
            .is_empty()
        );
    }

    fn step_from_default(command: SelfCheckRoundCommand) -> SelfCheckRound {
        step(SelfCheckRound::default(), command)
    }

    #[test]
    fn a_round_without_findings_needs_the_zero_findings_statement() {
        let round = step_from_default(open());
        assert_eq!(
            decide(&round, submit(false), enterprise())
                .unwrap_err()
                .reason(),
            "ZERO_FINDINGS_ATTESTATION_REQUIRED"
        );
        let attested = step(round, submit(true));
        assert!(attested.zero_findings_attested);
        let with_finding = step(
            step_from_default(open()),
            SelfCheckRoundCommand::RecordFinding {
                hazard_id: "hz-1".into(),
            },
        );
        assert_eq!(
            decide(&with_finding, submit(true), enterprise())
                .unwrap_err()
                .reason(),
            "ZERO_FINDINGS_CONTRADICTED"
        );
    }

    #[test]
    fn rounds_are_refused_to_others_twice_and_after_submission() {
        assert_eq!(
            decide(&SelfCheckRound::default(), open(), inspector())
                .unwrap_err()
                .reason(),
            "ENTERPRISE_ONLY"
        );
        assert_eq!(
            decide(&SelfCheckRound::default(), submit(true), enterprise())
                .unwrap_err()
                .reason(),
            "NOT_FOUND"
        );
        let round = step_from_default(open());
        assert_eq!(
            decide(&round, open(), enterprise()).unwrap_err().reason(),
            "ALREADY_EXISTS"
        );
        assert_eq!(
            decide(&round, submit(true), other_enterprise())
                .unwrap_err()
                .reason(),
            "ENTERPRISE_ONLY"
        );
        let submitted = step(round, submit(true));
        assert_eq!(
            decide(
                &submitted,
                SelfCheckRoundCommand::RecordFinding {
                    hazard_id: "hz-2".into()
                },
                enterprise()
            )
            .unwrap_err()
            .reason(),
            "SELF_CHECK_ROUND_SUBMITTED"
        );
        let backwards = SelfCheckRoundCommand::Open {
            enterprise_id: ENTERPRISE.into(),
            enterprise_standing: EnterpriseStanding::Registered,
            period_start: day("2023-03-31"),
            period_end: day("2023-01-01"),
            checklist: String::new(),
            performer: String::new(),
        };
        assert_eq!(
            decide(&SelfCheckRound::default(), backwards, enterprise())
                .unwrap_err()
                .reason(),
            "INVALID_ARGUMENT"
        );
    }
}
