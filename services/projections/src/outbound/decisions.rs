//! The credit-publicity feed's source: the penalty decisions of the active generation, what of
//! them the credit platform lacks, and the audit of their 双公示 deadline against the delivery
//! ledger.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use hl_directory::read_models::EnterpriseStateRow;
use hl_enforcement::read_models::cases::CaseRow;
use hl_readmodel::Database;

use super::credit_publicity::{self, Decision};
use super::ledger::{self, Entry, Sent};
use super::{Changes, Feed, LateDecision};
use crate::reader;

/// The decisions the credit platform has not received. A decision never changes once made, so
/// each is sent once.
pub(super) fn changes(decisions: &[Decision], sent: &HashMap<String, Sent>) -> Changes {
    let mut changes = Changes::default();
    for decision in decisions {
        let record = &decision.record;
        if sent.contains_key(&record.id) {
            continue;
        }
        changes.records.push((
            Entry {
                record_id: record.id.clone(),
                source_id: record.case_id.clone(),
                source_version: 1,
                company_code: record.credit_code.clone(),
                deleted: false,
                update_date: record.decision_date.clone(),
            },
            serde_json::to_value(record).expect("records serialise"),
        ));
    }
    changes.records.sort_by(|(a, _), (b, _)| {
        (&a.update_date, &a.record_id).cmp(&(&b.update_date, &b.record_id))
    });
    changes
}

/// The decisions late at the credit platform on `today`, and those whose deadline the
/// working-day calendar cannot tell yet, by decision day. Decisions before the calendar's first
/// year are past any audit and left out.
pub(super) async fn late(
    database: &Database,
    decisions: &[Decision],
    today: NaiveDate,
) -> Result<Vec<LateDecision>, sqlx::Error> {
    let delivered = ledger::delivered_at(database, Feed::CreditPublicity.name()).await?;
    let mut late = Vec::new();
    let first_year = hl_domain::working_days::first_covered_year();
    for decision in decisions {
        if decision.decided_on.year() < first_year {
            continue;
        }
        let delivered_on = delivered
            .get(&decision.record.id)
            .map(|at| hl_domain::clock::local_date(*at));
        if credit_publicity::is_late(decision.due, delivered_on, today) == Some(false) {
            continue;
        }
        late.push(LateDecision {
            case_id: decision.record.case_id.clone(),
            decided_on: decision.decided_on,
            due_on: decision.due.ok(),
            delivered_on,
        });
    }
    late.sort_by(|a, b| (a.decided_on, &a.case_id).cmp(&(b.decided_on, &b.case_id)));
    Ok(late)
}

/// Every case decided with a penalty, with its party's name on the decision day.
pub(super) async fn all(
    database: &Database,
    generation: i64,
    region: &str,
) -> Result<Vec<Decision>, sqlx::Error> {
    let mut transaction = database.begin_read().await?;
    let enterprises: HashMap<String, EnterpriseStateRow> =
        reader::all_rows::<EnterpriseStateRow>(&mut transaction, generation)
            .await?
            .into_iter()
            .map(|row| (row.enterprise_id.clone(), row))
            .collect();
    let mut decisions = Vec::new();
    for case in reader::all_rows::<CaseRow>(&mut transaction, generation).await? {
        let case = case.state.0;
        let Some(decided_on) = case.clock.stopped_on else {
            continue;
        };
        let party_name = enterprises
            .get(&case.enterprise_id)
            .map(|row| row.state.0.details_as_of(decided_on).display_name)
            .unwrap_or_default();
        decisions.extend(credit_publicity::decision(&case, &party_name, region));
    }
    Ok(decisions)
}
