//! The SelfCheckRound aggregate: an enterprise's self-inspection for a period, ending in a
//! signed submission that lists its findings or states that it found none (零隐患). A zero-findings
//! statement is what lets the reconciliation tell a silent enterprise from a clean one.

use chrono::NaiveDate;
use hl_directory::Standing;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::{RoundReviewOutcome, SelfCheckRoundStatus};
use serde::{Deserialize, Serialize};

use super::access::{require_government, require_the_enterprise};
use super::{DomainError, decision};

pub use hl_proto::hazard_events::SelfCheckRoundEvent;

/// What may be asked of a round; like every command, it lives for one request.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum SelfCheckRoundCommand {
    Open {
        /// What the registry says of the enterprise on the day the round opens.
        enterprise: Standing,
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
    /// A government review of the submitted round. `place` is the enterprise's place in the
    /// registry, looked up by the API: the reviewer's jurisdiction must cover it.
    Review {
        place: String,
        outcome: RoundReviewOutcome,
        note: String,
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
    #[serde(default)]
    pub review: Option<Review>,
}

/// The government's review of a submitted round.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub outcome: RoundReviewOutcome,
    pub note: String,
    pub reviewed: pb::Decision,
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
                reasons::SELF_CHECK_ROUND_SUBMITTED,
                format!("self-check round {} is already submitted", self.round_id),
            ));
        }
        Ok(())
    }
}

fn open(
    enterprise: &Standing,
    period_start: NaiveDate,
    period_end: NaiveDate,
    checklist: &str,
    performer: &str,
    context: &CommandContext,
) -> Result<Vec<SelfCheckRoundEvent>, DomainError> {
    let enterprise_id = &enterprise.enterprise_id;
    require_the_enterprise(&context.actor, enterprise_id, "open a self-check round")?;
    enterprise.require_open()?;
    if period_end < period_start {
        return Err(DomainError::invalid("period_end", "is before period_start"));
    }
    if (period_end - period_start).num_days() >= LONGEST_PERIOD_DAYS {
        return Err(DomainError::invalid(
            "period_end",
            format!("a round covers at most {LONGEST_PERIOD_DAYS} days"),
        ));
    }
    Ok(vec![SelfCheckRoundEvent::Opened(
        pb::SelfCheckRoundOpened {
            round_id: context.aggregate_id.clone(),
            enterprise_id: enterprise_id.clone(),
            period_start: Some(period_start.into()),
            period_end: Some(period_end.into()),
            checklist: checklist.to_string(),
            performer: performer.to_string(),
        },
    )])
}

impl SelfCheckRound {
    fn require_own_open_round(&self, context: &CommandContext) -> Result<(), DomainError> {
        require_the_enterprise(
            &context.actor,
            &self.enterprise_id,
            "work on its self-check round",
        )?;
        self.require_open()
    }

    fn record_finding(&self, hazard_id: &str) -> Result<Vec<SelfCheckRoundEvent>, DomainError> {
        if self.hazard_ids.iter().any(|recorded| recorded == hazard_id) {
            return Ok(Vec::new());
        }
        Ok(vec![SelfCheckRoundEvent::FindingRecorded(
            pb::SelfCheckFindingRecorded {
                round_id: self.round_id.clone(),
                hazard_id: hazard_id.to_string(),
            },
        )])
    }

    fn submit(
        &self,
        zero_findings_attested: bool,
        signed_by: &str,
    ) -> Result<Vec<SelfCheckRoundEvent>, DomainError> {
        if self.hazard_ids.is_empty() && !zero_findings_attested {
            return Err(DomainError::precondition(
                reasons::ZERO_FINDINGS_ATTESTATION_REQUIRED,
                "a round without findings must carry the signed zero-findings statement (零隐患)",
            ));
        }
        if !self.hazard_ids.is_empty() && zero_findings_attested {
            return Err(DomainError::precondition(
                reasons::ZERO_FINDINGS_CONTRADICTED,
                format!(
                    "the round recorded {} findings; it cannot attest zero",
                    self.hazard_ids.len()
                ),
            ));
        }
        Ok(vec![SelfCheckRoundEvent::Submitted(
            pb::SelfCheckRoundSubmitted {
                round_id: self.round_id.clone(),
                zero_findings_attested,
                signed_by: signed_by.to_string(),
                finding_count: self.hazard_ids.len() as u32,
            },
        )])
    }
}

impl SelfCheckRound {
    /// The review of a submitted round, once, by a government officer covering the enterprise;
    /// a deficient round says what is wrong.
    fn review(
        &self,
        (place, outcome, note): (&str, RoundReviewOutcome, &str),
        context: &CommandContext,
    ) -> Result<Vec<SelfCheckRoundEvent>, DomainError> {
        require_government(&context.actor, place, "review a self-check round")?;
        if outcome == RoundReviewOutcome::Unspecified {
            return Err(DomainError::invalid("outcome", "accepted or deficient"));
        }
        if outcome == RoundReviewOutcome::Deficient && note.trim().is_empty() {
            return Err(DomainError::invalid(
                "note",
                "a deficient round's review says what is wrong",
            ));
        }
        if self.status != SelfCheckRoundStatus::Submitted {
            return Err(DomainError::precondition(
                reasons::SELF_CHECK_ROUND_NOT_SUBMITTED,
                format!("self-check round {} is not submitted yet", self.round_id),
            ));
        }
        if let Some(review) = &self.review {
            return Err(DomainError::precondition(
                reasons::SELF_CHECK_ROUND_REVIEWED,
                format!(
                    "self-check round {} was reviewed by {}",
                    self.round_id,
                    review.reviewed.actor.as_ref().map_or("", |actor| &actor.id)
                ),
            ));
        }
        Ok(vec![SelfCheckRoundEvent::Reviewed(
            pb::SelfCheckRoundReviewed {
                round_id: self.round_id.clone(),
                enterprise_id: self.enterprise_id.clone(),
                outcome: outcome as i32,
                note: note.to_string(),
            },
        )])
    }
}

impl Aggregate for SelfCheckRound {
    type Event = SelfCheckRoundEvent;
    type Command = SelfCheckRoundCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "self_check_round";
    const COLLECTION: &'static str = "selfCheckRounds";

    /// Another enterprise does not learn whether this enterprise's records exist.
    fn known_to(&self, actor: &hl_proto::common::v1::Actor) -> bool {
        hl_domain::access::may_know_of(actor, &self.enterprise_id)
    }

    fn expects(command: &SelfCheckRoundCommand) -> Expects {
        match command {
            SelfCheckRoundCommand::Open { .. } => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &SelfCheckRoundCommand,
        context: &CommandContext,
    ) -> Result<Vec<SelfCheckRoundEvent>, DomainError> {
        match command {
            SelfCheckRoundCommand::Open {
                enterprise,
                period_start,
                period_end,
                checklist,
                performer,
            } => open(
                enterprise,
                *period_start,
                *period_end,
                checklist,
                performer,
                context,
            ),
            SelfCheckRoundCommand::RecordFinding { hazard_id } => {
                self.require_own_open_round(context)?;
                self.record_finding(hazard_id)
            }
            SelfCheckRoundCommand::Submit {
                zero_findings_attested,
                signed_by,
            } => {
                self.require_own_open_round(context)?;
                self.submit(*zero_findings_attested, signed_by)
            }
            SelfCheckRoundCommand::Review {
                place,
                outcome,
                note,
            } => self.review((place, *outcome, note), context),
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
            SelfCheckRoundEvent::Reviewed(reviewed) => {
                self.review = Some(Review {
                    outcome: reviewed.outcome(),
                    note: reviewed.note.clone(),
                    reviewed: decision(meta, &reviewed.note, &[]),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use hl_eventstore::Given;

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
        round: &Given<SelfCheckRound>,
        command: SelfCheckRoundCommand,
        actor: hl_proto::common::v1::Actor,
    ) -> Result<Vec<SelfCheckRoundEvent>, DomainError> {
        round.when(&command, &actor, now())
    }

    fn step(round: Given<SelfCheckRound>, command: SelfCheckRoundCommand) -> Given<SelfCheckRound> {
        round.given(&command, &enterprise(), now())
    }

    fn fresh() -> Given<SelfCheckRound> {
        Given::new("round-1")
    }

    fn open() -> SelfCheckRoundCommand {
        SelfCheckRoundCommand::Open {
            enterprise: Standing::registered(ENTERPRISE, Default::default()),
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
            step(fresh(), open()),
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

    fn step_from_default(command: SelfCheckRoundCommand) -> Given<SelfCheckRound> {
        step(fresh(), command)
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

    fn review(outcome: RoundReviewOutcome, note: &str) -> SelfCheckRoundCommand {
        SelfCheckRoundCommand::Review {
            place: "330903001".into(),
            outcome,
            note: note.into(),
        }
    }

    #[test]
    fn a_submitted_round_is_reviewed_once_by_the_government_covering_it() {
        let open_round = step_from_default(open());
        let accepted = review(RoundReviewOutcome::Accepted, "");
        assert_eq!(
            decide(&open_round, accepted.clone(), inspector())
                .unwrap_err()
                .reason(),
            "SELF_CHECK_ROUND_NOT_SUBMITTED"
        );
        let submitted = step(open_round, submit(true));
        for (actor, reason) in [
            (enterprise(), "GOVERNMENT_ROLE_REQUIRED"),
            (inspector_elsewhere(), "OUTSIDE_JURISDICTION"),
            (township_officer("330903102"), "OUTSIDE_JURISDICTION"),
        ] {
            assert_eq!(
                decide(&submitted, accepted.clone(), actor)
                    .unwrap_err()
                    .reason(),
                reason
            );
        }
        for bad in [
            review(RoundReviewOutcome::Unspecified, ""),
            review(RoundReviewOutcome::Deficient, "  "),
        ] {
            assert_eq!(
                decide(&submitted, bad, inspector()).unwrap_err().reason(),
                "INVALID_ARGUMENT"
            );
        }
        let deficient = review(RoundReviewOutcome::Deficient, "冷库氨区未列入检查表");
        let events = decide(&submitted, deficient.clone(), township_officer("330903001")).unwrap();
        let SelfCheckRoundEvent::Reviewed(reviewed) = &events[0] else {
            panic!("{events:?}");
        };
        assert_eq!(reviewed.enterprise_id, ENTERPRISE);
        let reviewed = submitted.given(&deficient, &inspector(), now());
        let review = reviewed.review.clone().unwrap();
        assert_eq!(review.outcome, RoundReviewOutcome::Deficient);
        assert_eq!(review.reviewed.actor.unwrap().id, inspector().id);
        assert_eq!(
            decide(&reviewed, accepted, inspector())
                .unwrap_err()
                .reason(),
            "SELF_CHECK_ROUND_REVIEWED"
        );
    }

    #[test]
    fn rounds_are_refused_to_others_twice_and_after_submission() {
        assert_eq!(
            decide(&fresh(), open(), inspector()).unwrap_err().reason(),
            "ENTERPRISE_ONLY"
        );
        assert_eq!(
            decide(&fresh(), submit(true), enterprise())
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
            "NOT_FOUND"
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
            enterprise: Standing::registered(ENTERPRISE, Default::default()),
            period_start: day("2023-03-31"),
            period_end: day("2023-01-01"),
            checklist: String::new(),
            performer: String::new(),
        };
        assert_eq!(
            decide(&fresh(), backwards, enterprise())
                .unwrap_err()
                .reason(),
            "INVALID_ARGUMENT"
        );
    }
}
