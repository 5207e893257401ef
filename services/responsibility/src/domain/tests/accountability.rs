//! 问责: proposed by the system or the government side with its evidence, opened or dismissed
//! (with the reason) by a bureau administrator, an opened one concluded with its outcome; no
//! step out of order, and nothing an enterprise may do.

use hl_domain::Given;
use hl_proto::common::v1::{Actor, Role};
use hl_proto::responsibility::v1::{
    AccountabilityOutcome, AccountabilityStatus, AccountabilityTrigger,
};

use super::*;
use crate::domain::accountability::{AccountabilityCase, AccountabilityCommand, Proposal};

fn system() -> Actor {
    Actor {
        id: "hazard-ledger-schedule".into(),
        role: Role::System as i32,
        organisation: "hazard-ledger".into(),
        region: "330903".into(),
    }
}

fn propose() -> AccountabilityCommand {
    AccountabilityCommand::Propose(Proposal {
        region: "330903".into(),
        trigger: AccountabilityTrigger::RepeatedDutyGaps,
        subject_id: "officer-1".into(),
        evidence: vec![
            "dutyPeriods/officer-1-2026-02".into(),
            "dutyPeriods/officer-1-2026-03".into(),
        ],
        summary: "两个月未履责".into(),
    })
}

fn proposed() -> Given<AccountabilityCase> {
    Given::<AccountabilityCase>::new("duty-gaps-officer-1-2026-03").given(
        &propose(),
        &system(),
        noon("2026-04-01"),
    )
}

#[test]
fn a_proposed_case_is_opened_and_concluded_with_its_outcome() {
    let case = proposed();
    assert_eq!(case.status, AccountabilityStatus::Proposed);
    assert_eq!(case.evidence.len(), 2);
    let at = noon("2026-04-02");
    let conclude = AccountabilityCommand::Conclude {
        outcome: AccountabilityOutcome::AdmonitoryTalk,
        note: "约谈".into(),
    };
    assert_eq!(
        reason(case.when(&conclude, &administrator(), at)),
        "ACCOUNTABILITY_STEP_OUT_OF_ORDER"
    );
    let concluded = case
        .given(
            &AccountabilityCommand::Open {
                note: "立案".into(),
            },
            &administrator(),
            at,
        )
        .given(&conclude, &administrator(), at);
    assert_eq!(concluded.status, AccountabilityStatus::Concluded);
    assert_eq!(concluded.outcome, AccountabilityOutcome::AdmonitoryTalk);
    assert_eq!(concluded.decided_by, "admin-1");
}

#[test]
fn a_dismissal_stays_on_the_record_and_ends_the_case() {
    let dismissed = proposed().given(
        &AccountabilityCommand::Dismiss {
            reason: "已调岗，责任不在本人".into(),
        },
        &administrator(),
        noon("2026-04-02"),
    );
    assert_eq!(dismissed.status, AccountabilityStatus::Dismissed);
    assert_eq!(dismissed.decision_note, "已调岗，责任不在本人");
    assert_eq!(
        reason(dismissed.when(
            &AccountabilityCommand::Open {
                note: String::new()
            },
            &administrator(),
            noon("2026-04-03")
        )),
        "ACCOUNTABILITY_STEP_OUT_OF_ORDER"
    );
}

#[test]
fn only_the_bureau_decides_and_no_enterprise_proposes() {
    let case = proposed();
    let at = noon("2026-04-02");
    assert_eq!(
        reason(case.when(
            &AccountabilityCommand::Dismiss { reason: "x".into() },
            &inspector(),
            at
        )),
        "BUREAU_ROLE_REQUIRED"
    );
    assert_eq!(
        reason(Given::<AccountabilityCase>::new("c").when(&propose(), &enterprise(), at)),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    assert_eq!(
        reason(Given::<AccountabilityCase>::new("c").when(&propose(), &inspector_elsewhere(), at)),
        "OUTSIDE_JURISDICTION"
    );
}
