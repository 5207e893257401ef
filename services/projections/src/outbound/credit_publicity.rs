//! Mapping version 1 of penalty decisions for the credit platform (双公示, 行政处罚信息公示):
//! one record per case decided with a penalty, due there within 7 working days of the decision
//! day. docs/outbound-dual-prevention.md documents every field.
//!
//! The mapping is pure: the case as the read model holds it and its party's name go in; the
//! record, with the day it is due, comes out.

use chrono::NaiveDate;
use hl_domain::working_days::{YearNotCovered, add_working_days};
use hl_enforcement::domain::penalty_case::PenaltyCase;
use hl_proto::enforcement::v1::CaseDecision;
use serde::Serialize;

pub const MAPPING_VERSION: u32 = 1;

/// The object, as the batch files are named.
pub const OBJECT: &str = "penalty_decision_publicity";

/// Working days from the decision within which it must reach the credit platform.
pub const DUE_WITHIN_WORKING_DAYS: u32 = 7;

const RECORD_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x2b7c_41d0_8e5f_4a93_b16d_07e2_c9f8_3a14);

/// The stable id of a case's record.
pub fn record_id(case_id: &str) -> String {
    uuid::Uuid::new_v5(
        &RECORD_NAMESPACE,
        format!("penaltyCases/{case_id}").as_bytes(),
    )
    .to_string()
}

/// A decision's record. Dates as "yyyy-MM-dd"; the fine in yuan with two decimals.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub id: String,
    pub case_id: String,
    /// 行政相对人名称: the enterprise's name on the decision day.
    pub party_name: String,
    /// 行政相对人类别: "个体工商户" for a credit code starting "92", otherwise
    /// "法人及非法人组织".
    pub party_category: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    /// 处罚决定日期.
    pub decision_date: String,
    /// 处罚类别: "罚款" with a fine, otherwise "警告".
    pub penalty_category: String,
    /// 罚款金额, yuan.
    pub fine_yuan: String,
    /// 违法事实.
    pub facts: String,
    /// The deciding bureau's region code.
    pub authority_region: String,
    /// The last day it is on time at the credit platform; empty while the working-day calendar
    /// lacks the year.
    pub publicity_due_date: String,
    pub deleted: String,
}

/// A decision the credit platform must receive.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub record: Record,
    pub decided_on: NaiveDate,
    pub due: Result<NaiveDate, YearNotCovered>,
}

/// The decision of a case, if it was decided with a penalty.
pub fn decision(case: &PenaltyCase, party_name: &str, region: &str) -> Option<Decision> {
    if case.decision != CaseDecision::Penalty {
        return None;
    }
    let decided_on = case.clock.stopped_on?;
    let due = add_working_days(decided_on, DUE_WITHIN_WORKING_DAYS);
    let sole_trader = case.enterprise_id.starts_with("92");
    Some(Decision {
        record: Record {
            id: record_id(&case.case_id),
            case_id: case.case_id.clone(),
            party_name: party_name.to_string(),
            party_category: if sole_trader {
                "个体工商户"
            } else {
                "法人及非法人组织"
            }
            .to_string(),
            credit_code: case.enterprise_id.clone(),
            decision_date: decided_on.to_string(),
            penalty_category: if case.fine_fen > 0 {
                "罚款"
            } else {
                "警告"
            }
            .to_string(),
            fine_yuan: format!("{}.{:02}", case.fine_fen / 100, case.fine_fen % 100),
            facts: case.facts.clone(),
            authority_region: region.to_string(),
            publicity_due_date: due.map(|due| due.to_string()).unwrap_or_default(),
            deleted: "0".to_string(),
        },
        decided_on,
        due,
    })
}

/// Whether a decision is late at the credit platform: delivered after its due day, or not
/// delivered and its due day past. Unknown (None) while the calendar lacks the year.
pub fn is_late(
    due: Result<NaiveDate, YearNotCovered>,
    delivered_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<bool> {
    let due = due.ok()?;
    Some(delivered_on.unwrap_or(today) > due)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(decision: CaseDecision, decided_on: Option<NaiveDate>) -> PenaltyCase {
        let mut case = PenaltyCase {
            case_id: "case-1".into(),
            enterprise_id: "92330903MA2NCU4LYE".into(),
            decision,
            fine_fen: 1_250_050,
            facts: "未按规定检测报警装置".into(),
            ..Default::default()
        };
        case.clock.stopped_on = decided_on;
        case
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn a_penalty_is_due_seven_working_days_after_its_decision() {
        let case = case(CaseDecision::Penalty, Some(day("2026-09-24")));
        let decision = decision(&case, "沈家门冷库", "330903").expect("a penalty");
        assert_eq!(decision.due, Ok(day("2026-10-12")));
        let record = &decision.record;
        assert_eq!(record.id, record_id("case-1"));
        assert_eq!(record.party_category, "个体工商户");
        assert_eq!(record.penalty_category, "罚款");
        assert_eq!(record.fine_yuan, "12500.50");
        assert_eq!(record.decision_date, "2026-09-24");
        assert_eq!(record.publicity_due_date, "2026-10-12");
    }

    #[test]
    fn only_penalties_are_published() {
        for other in [
            CaseDecision::NoPenalty,
            CaseDecision::NotEstablished,
            CaseDecision::Transferred,
        ] {
            assert!(decision(&case(other, Some(day("2026-03-02"))), "", "330903").is_none());
        }
        assert!(decision(&case(CaseDecision::Penalty, None), "", "330903").is_none());
    }

    #[test]
    fn late_is_after_the_due_day_delivered_or_not() {
        let due = Ok(day("2026-03-11"));
        assert_eq!(
            is_late(due, Some(day("2026-03-11")), day("2026-04-01")),
            Some(false)
        );
        assert_eq!(
            is_late(due, Some(day("2026-03-12")), day("2026-04-01")),
            Some(true)
        );
        assert_eq!(is_late(due, None, day("2026-03-11")), Some(false));
        assert_eq!(is_late(due, None, day("2026-03-12")), Some(true));
        assert_eq!(
            is_late(Err(YearNotCovered(2027)), None, day("2027-03-12")),
            None
        );
    }
}
