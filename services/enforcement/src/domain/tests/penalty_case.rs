//! The PenaltyCase, general procedure, and its clock: every step in order, who may take it, the
//! pauses, the extensions, the rule-version change and a case past its deadline.

use hl_domain::Given;
use hl_proto::enforcement::v1::{CaseDecision, CaseStatus, ExecutionKind};

use super::*;
use crate::domain::penalty_case::{CaseCommand, FileCase, PenaltyCase};

fn file_case() -> CaseCommand {
    CaseCommand::File(FileCase {
        region: "330903".into(),
        enterprise: enterprise_standing(),
        inspection_id: "insp-1".into(),
        finding_id: "f-1".into(),
        hazard_id: "insp-1-f-1".into(),
        facts: "逾期未整改".into(),
        officers: team(),
    })
}

fn filed_on(date: &str) -> Given<PenaltyCase> {
    Given::<PenaltyCase>::new("case-1").given(&file_case(), &inspector(), noon(date))
}

/// Filed on 2026-03-02, investigated, reviewed and the notice served with a hearing offered.
fn notified() -> Given<PenaltyCase> {
    filed_on("2026-03-02")
        .given(
            &CaseCommand::StartInvestigation,
            &inspector(),
            noon("2026-03-03"),
        )
        .given(
            &CaseCommand::CompleteLegalReview {
                note: "事实清楚".into(),
            },
            &inspector(),
            noon("2026-03-20"),
        )
        .given(
            &CaseCommand::ServeNotice {
                hearing_offered: true,
            },
            &inspector(),
            noon("2026-03-21"),
        )
}

fn decide(decision: CaseDecision, fine_fen: i64) -> CaseCommand {
    CaseCommand::Decide {
        decision,
        fine_fen,
        note: "依法决定".into(),
    }
}

fn pay(amount_fen: i64) -> CaseCommand {
    CaseCommand::RecordExecution {
        kind: ExecutionKind::Paid,
        amount_fen,
        note: String::new(),
    }
}

#[test]
fn filing_starts_the_clock_of_the_rules_in_force_that_day() {
    let old = filed_on("2026-01-31");
    assert_eq!(old.status, CaseStatus::Filed);
    assert_eq!(old.clock.rule_version, "penalty-rules-2015-05-01");
    assert_eq!(old.clock.limit_days, 30);
    let new = filed_on("2026-02-01");
    assert_eq!(new.clock.rule_version, "penalty-rules-2026-02-01");
    assert_eq!(new.clock.limit_days, 90);
    // The old case keeps its 30 days when read after the change.
    let reading = old.clock.reading(day("2026-03-05"));
    assert_eq!(reading.days_used, 33);
    assert!(reading.overdue);
    assert_eq!(reading.due_on, day("2026-03-02"));
}

#[test]
fn filing_takes_the_government_side_two_officers_and_a_registered_enterprise() {
    let new = Given::<PenaltyCase>::new("case-1");
    assert_eq!(
        reason(new.when(&file_case(), &enterprise(), noon("2026-03-02"))),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    let CaseCommand::File(mut unknown) = file_case() else {
        unreachable!()
    };
    unknown.enterprise = hl_directory::Standing::unknown(ENTERPRISE);
    assert_eq!(
        reason(new.when(
            &CaseCommand::File(unknown),
            &inspector(),
            noon("2026-03-02")
        )),
        "ENTERPRISE_UNKNOWN"
    );
    let CaseCommand::File(mut expired) = file_case() else {
        unreachable!()
    };
    expired.officers[1] = officer("officer-2", "2026-03-01");
    assert_eq!(
        reason(new.when(
            &CaseCommand::File(expired),
            &inspector(),
            noon("2026-03-02")
        )),
        "OFFICER_CERTIFICATE_INVALID"
    );
}

#[test]
fn the_steps_go_in_the_order_of_the_general_procedure() {
    let filed = filed_on("2026-03-02");
    for early in [
        CaseCommand::CompleteLegalReview {
            note: String::new(),
        },
        CaseCommand::ServeNotice {
            hearing_offered: false,
        },
        CaseCommand::RequestHearing,
        CaseCommand::ServeDecision,
        CaseCommand::Archive,
    ] {
        let refusal = reason(filed.when(&early, &administrator(), noon("2026-03-03")));
        assert_eq!(refusal, "CASE_STEP_OUT_OF_ORDER", "{early:?}");
    }
    assert_eq!(
        reason(filed.when(
            &decide(CaseDecision::Penalty, 100),
            &administrator(),
            noon("2026-03-03")
        )),
        "CASE_STEP_OUT_OF_ORDER"
    );
    assert_eq!(
        reason(filed.when(
            &CaseCommand::Close {
                note: String::new()
            },
            &inspector(),
            noon("2026-03-03")
        )),
        "CASE_NOT_CLOSABLE"
    );
    let notified = notified();
    assert_eq!(notified.status, CaseStatus::Notified);
    assert!(notified.hearing_offered);
}

#[test]
fn a_hearing_pauses_the_clock_and_only_the_party_or_the_government_asks_for_it() {
    let notified = notified();
    assert_eq!(
        reason(notified.when(
            &CaseCommand::RequestHearing,
            &other_enterprise(),
            noon("2026-03-23")
        )),
        // Another enterprise is not told the case exists.
        "NOT_FOUND"
    );
    let mut case = notified.given(
        &CaseCommand::RequestHearing,
        &enterprise(),
        noon("2026-03-23"),
    );
    assert_eq!(case.status, CaseStatus::HearingRequested);
    let during = case.clock.reading(day("2026-04-02"));
    assert!(during.paused);
    assert_eq!((during.days_used, during.days_paused), (21, 10));
    // No decision while the hearing is pending.
    assert_eq!(
        reason(case.when(
            &decide(CaseDecision::Penalty, 5_000_000),
            &administrator(),
            noon("2026-04-02")
        )),
        "CASE_STEP_OUT_OF_ORDER"
    );
    case.then(
        &CaseCommand::HoldHearing {
            note: "听证笔录".into(),
        },
        &inspector(),
        noon("2026-04-02"),
    )
    .unwrap();
    let after = case.clock.reading(day("2026-04-10"));
    assert!(!after.paused);
    assert_eq!((after.days_used, after.days_paused), (29, 10));
    // The 2026 rules give 90 days; ten paused days move the due day by ten.
    assert_eq!(after.due_on, day("2026-06-10"));
}

#[test]
fn no_hearing_is_requested_when_none_was_offered() {
    let case = filed_on("2026-03-02")
        .given(
            &CaseCommand::StartInvestigation,
            &inspector(),
            noon("2026-03-03"),
        )
        .given(
            &CaseCommand::CompleteLegalReview {
                note: String::new(),
            },
            &inspector(),
            noon("2026-03-20"),
        )
        .given(
            &CaseCommand::ServeNotice {
                hearing_offered: false,
            },
            &inspector(),
            noon("2026-03-21"),
        );
    assert_eq!(
        reason(case.when(
            &CaseCommand::RequestHearing,
            &enterprise(),
            noon("2026-03-23")
        )),
        "NO_HEARING_OFFERED"
    );
}

#[test]
fn an_appraisal_pauses_the_clock_and_holds_the_review() {
    let mut case = filed_on("2026-03-02")
        .given(
            &CaseCommand::StartInvestigation,
            &inspector(),
            noon("2026-03-03"),
        )
        .given(
            &CaseCommand::StartAppraisal {
                note: "委托检测机构鉴定".into(),
            },
            &inspector(),
            noon("2026-03-05"),
        );
    assert!(case.clock.reading(day("2026-03-15")).paused);
    assert_eq!(
        reason(case.when(
            &CaseCommand::CompleteLegalReview {
                note: String::new()
            },
            &inspector(),
            noon("2026-03-15")
        )),
        "APPRAISAL_UNDER_WAY"
    );
    assert_eq!(
        reason(case.when(
            &CaseCommand::StartAppraisal {
                note: String::new()
            },
            &inspector(),
            noon("2026-03-15")
        )),
        "APPRAISAL_UNDER_WAY"
    );
    case.then(
        &CaseCommand::FinishAppraisal,
        &inspector(),
        noon("2026-03-25"),
    )
    .unwrap();
    assert_eq!(case.clock.reading(day("2026-03-25")).days_paused, 20);
    assert_eq!(
        reason(case.when(
            &CaseCommand::FinishAppraisal,
            &inspector(),
            noon("2026-03-26")
        )),
        "NO_APPRAISAL_OPEN"
    );
}

#[test]
fn extensions_come_only_from_a_bureau_administrators_recorded_approval() {
    let case = filed_on("2026-01-15");
    let extend = |days: u32| CaseCommand::ApproveExtension {
        days,
        reason: "案情复杂".into(),
    };
    assert_eq!(
        reason(case.when(&extend(30), &inspector(), noon("2026-02-10"))),
        "BUREAU_ROLE_REQUIRED"
    );
    assert_eq!(
        reason(case.when(
            &CaseCommand::ApproveExtension {
                days: 30,
                reason: " ".into()
            },
            &administrator(),
            noon("2026-02-10")
        )),
        "INVALID_ARGUMENT"
    );
    // The 2015 rules allow 150 extra days in all.
    let mut case = case.given(&extend(100), &administrator(), noon("2026-02-10"));
    assert_eq!(
        reason(case.when(&extend(51), &administrator(), noon("2026-02-11"))),
        "EXTENSION_LIMIT"
    );
    case.then(&extend(50), &administrator(), noon("2026-02-11"))
        .unwrap();
    let extension = &case.clock.extensions[0];
    assert_eq!(
        (extension.days, extension.approved_by.as_str()),
        (100, "admin-1")
    );
    assert_eq!(extension.approved_on, day("2026-02-10"));
    let reading = case.clock.reading(day("2026-06-01"));
    assert_eq!(reading.days_left, 30 + 150 - 137);
    assert!(!reading.overdue);
}

#[test]
fn a_case_past_its_deadline_reads_overdue_until_decided() {
    let case = filed_on("2026-02-01");
    assert!(!case.clock.reading(day("2026-05-02")).overdue);
    let late = case.clock.reading(day("2026-05-03"));
    assert!(late.overdue);
    assert_eq!(late.days_left, -1);
    let decided = notified_on_filed(case).given(
        &decide(CaseDecision::Penalty, 2_000_000),
        &administrator(),
        noon("2026-05-10"),
    );
    let long_after = decided.clock.reading(day("2026-12-31"));
    assert!(long_after.stopped);
    assert!(!long_after.overdue, "a decided case no longer runs");
    assert_eq!(
        long_after.days_left, -8,
        "decided eight days late, and the record says so"
    );
}

/// Investigated, reviewed and notified on days after a filing.
fn notified_on_filed(case: Given<PenaltyCase>) -> Given<PenaltyCase> {
    case.given(
        &CaseCommand::StartInvestigation,
        &inspector(),
        noon("2026-05-05"),
    )
    .given(
        &CaseCommand::CompleteLegalReview {
            note: String::new(),
        },
        &inspector(),
        noon("2026-05-06"),
    )
    .given(
        &CaseCommand::ServeNotice {
            hearing_offered: false,
        },
        &inspector(),
        noon("2026-05-07"),
    )
}

#[test]
fn a_decision_is_an_administrators_and_only_a_penalty_carries_a_fine() {
    let case = notified();
    assert_eq!(
        reason(case.when(
            &decide(CaseDecision::Penalty, 100),
            &inspector(),
            noon("2026-03-25")
        )),
        "BUREAU_ROLE_REQUIRED"
    );
    assert_eq!(
        reason(case.when(
            &decide(CaseDecision::NoPenalty, 100),
            &administrator(),
            noon("2026-03-25")
        )),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        reason(case.when(
            &decide(CaseDecision::Penalty, -1),
            &administrator(),
            noon("2026-03-25")
        )),
        "INVALID_ARGUMENT"
    );
    for decision in [
        CaseDecision::NoPenalty,
        CaseDecision::NotEstablished,
        CaseDecision::Transferred,
    ] {
        let served = case
            .clone()
            .given(&decide(decision, 0), &administrator(), noon("2026-03-25"))
            .given(
                &CaseCommand::ServeDecision,
                &inspector(),
                noon("2026-03-26"),
            );
        assert_eq!(
            reason(served.when(&pay(100), &inspector(), noon("2026-03-27"))),
            "NOTHING_TO_EXECUTE"
        );
        let closed = served.given(
            &CaseCommand::Close {
                note: String::new(),
            },
            &inspector(),
            noon("2026-03-27"),
        );
        assert_eq!(closed.status, CaseStatus::Closed, "{decision:?}");
    }
}

#[test]
fn a_fine_is_paid_in_fen_before_the_case_closes_and_is_archived() {
    let mut case = notified()
        .given(
            &decide(CaseDecision::Penalty, 3_000_000),
            &administrator(),
            noon("2026-03-25"),
        )
        .given(
            &CaseCommand::ServeDecision,
            &inspector(),
            noon("2026-03-26"),
        );
    assert_eq!(case.clock.stopped_on, Some(day("2026-03-25")));
    assert_eq!(
        reason(case.when(
            &CaseCommand::Close {
                note: String::new()
            },
            &inspector(),
            noon("2026-03-27")
        )),
        "CASE_NOT_CLOSABLE"
    );
    assert_eq!(
        reason(case.when(&pay(3_000_001), &inspector(), noon("2026-03-27"))),
        "INVALID_ARGUMENT"
    );
    let instalments = CaseCommand::RecordExecution {
        kind: ExecutionKind::Instalments,
        amount_fen: 0,
        note: "分三期".into(),
    };
    assert_eq!(
        reason(case.when(&instalments, &inspector(), noon("2026-03-27"))),
        "BUREAU_ROLE_REQUIRED"
    );
    case.then(&instalments, &administrator(), noon("2026-03-27"))
        .unwrap();
    case.then(&pay(1_000_000), &inspector(), noon("2026-04-27"))
        .unwrap();
    assert_eq!(
        reason(case.when(
            &CaseCommand::Close {
                note: String::new()
            },
            &inspector(),
            noon("2026-04-28")
        )),
        "CASE_NOT_CLOSABLE"
    );
    case.then(&pay(2_000_000), &inspector(), noon("2026-05-27"))
        .unwrap();
    assert_eq!(
        (case.status, case.paid_fen),
        (CaseStatus::Executing, 3_000_000)
    );
    let closed = case
        .given(
            &CaseCommand::Close {
                note: "罚款缴清".into(),
            },
            &inspector(),
            noon("2026-05-28"),
        )
        .given(&CaseCommand::Archive, &inspector(), noon("2026-06-01"));
    assert_eq!(closed.status, CaseStatus::Archived);
}

#[test]
fn compulsory_execution_lets_an_unpaid_case_close() {
    let case = notified()
        .given(
            &decide(CaseDecision::Penalty, 500_000),
            &administrator(),
            noon("2026-03-25"),
        )
        .given(
            &CaseCommand::ServeDecision,
            &inspector(),
            noon("2026-03-26"),
        )
        .given(
            &CaseCommand::RecordExecution {
                kind: ExecutionKind::CompulsoryExecution,
                amount_fen: 0,
                note: "申请法院强制执行".into(),
            },
            &inspector(),
            noon("2026-06-01"),
        );
    assert!(
        case.when(
            &CaseCommand::Close {
                note: String::new()
            },
            &inspector(),
            noon("2026-06-02")
        )
        .is_ok()
    );
}
