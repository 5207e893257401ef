//! The dual-prevention feed's source: the hazards of enterprises with a hazardous-chemicals
//! registration code, read from the active generation, and what of them the receiver lacks.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use hl_directory::read_models::EnterpriseStateRow;
use hl_hazards::read_models::hazards::{HazardRow, HistoryRow};
use hl_readmodel::{Database, ReadTransaction};

use super::Changes;
use super::dual_prevention::{self, HazardSource, Step};
use super::ledger::{Entry, Sent};
use crate::reader;

/// Why a deletion waits.
const HAZARD_MISSING: &str = "sent before, its enterprise has no code now, and the read model does not hold the hazard: the deletion waits";

/// A hazard due to be sent: with which code, whether as deleted, and its update time.
struct Due {
    hazard: HazardRow,
    company_code: String,
    deleted: bool,
    updated_at: DateTime<Utc>,
}

pub(super) async fn changes(
    database: &Database,
    generation: i64,
    sent: &HashMap<String, Sent>,
    now: DateTime<Utc>,
) -> Result<Changes, sqlx::Error> {
    let today = hl_domain::clock::local_date(now);
    let mut transaction = database.begin_read().await?;
    let mut codes: Vec<(String, String)> = Vec::new();
    for row in reader::all_rows::<EnterpriseStateRow>(&mut transaction, generation).await? {
        let code = row.state.0.details_as_of(today).chemical_registration_code;
        if !code.is_empty() {
            codes.push((row.enterprise_id, code));
        }
    }
    let mut due = Vec::new();
    let mut current = HashSet::new();
    for (enterprise_id, code) in &codes {
        for hazard in reader::rows_where::<HazardRow>(
            &mut transaction,
            generation,
            "enterprise_id",
            enterprise_id,
        )
        .await?
        {
            let record_id = dual_prevention::record_id(&hazard.facts.hazard_id);
            current.insert(record_id.clone());
            let before = sent.get(&record_id);
            let updated_at = match before {
                Some(before)
                    if before.entry.source_version == hazard.version
                        && before.entry.company_code == *code
                        && !before.entry.deleted =>
                {
                    continue;
                }
                // Only the enterprise's code changed (or came back): the record changes now.
                Some(before) if before.entry.source_version == hazard.version => now,
                _ => hazard.updated_at,
            };
            due.push(Due {
                hazard,
                company_code: code.clone(),
                deleted: false,
                updated_at: after_previous(updated_at, before),
            });
        }
    }
    // Records the receiver holds whose enterprise has no code now: sent once more, deleted.
    // One whose hazard the read model does not hold (a generation still filling) waits, held.
    let mut missing = Vec::new();
    for before in sent
        .values()
        .filter(|before| !before.entry.deleted && !current.contains(&before.entry.record_id))
    {
        let found = reader::rows_where::<HazardRow>(
            &mut transaction,
            generation,
            "hazard_id",
            &before.entry.source_id,
        )
        .await?;
        match found.into_iter().next() {
            Some(hazard) => due.push(Due {
                hazard,
                company_code: before.entry.company_code.clone(),
                deleted: true,
                updated_at: after_previous(now, Some(before)),
            }),
            None => missing.push(before.entry.source_id.clone()),
        }
    }
    let hazard_ids: Vec<String> = due
        .iter()
        .map(|due| due.hazard.facts.hazard_id.clone())
        .collect();
    let steps = steps_of(&mut transaction, generation, &hazard_ids).await?;
    drop(transaction);
    let mut changes = Changes::default();
    changes.held.extend(
        missing
            .into_iter()
            .map(|hazard_id| (hazard_id, HAZARD_MISSING)),
    );
    for due in due {
        let hazard_id = due.hazard.facts.hazard_id.clone();
        let source = HazardSource {
            hazard: &due.hazard,
            company_code: &due.company_code,
            steps: steps.get(&hazard_id).map(Vec::as_slice).unwrap_or_default(),
            updated_at: due.updated_at,
            deleted: due.deleted,
        };
        match dual_prevention::record(&source) {
            Ok(record) => changes.records.push((
                Entry {
                    record_id: record.id.clone(),
                    source_id: hazard_id,
                    source_version: due.hazard.version,
                    company_code: due.company_code,
                    deleted: due.deleted,
                    update_date: record.update_date.clone(),
                },
                serde_json::to_value(&record).expect("records serialise"),
            )),
            Err(held) => changes.held.push((hazard_id, held.as_str())),
        }
    }
    changes.records.sort_by(|(a, _), (b, _)| {
        (&a.update_date, &a.record_id).cmp(&(&b.update_date, &b.record_id))
    });
    changes.held.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(changes)
}

/// A record's update time, later than the one the receiver last got by at least a second (the
/// interface's resolution): a receiver that keeps the newer of two versions by `updateDate`
/// must never see two versions of one record with the same time.
fn after_previous(updated_at: DateTime<Utc>, before: Option<&Sent>) -> DateTime<Utc> {
    let floor = before
        .and_then(|before| dual_prevention::parse_time(&before.entry.update_date))
        .map(|previous| previous + chrono::Duration::seconds(1));
    match floor {
        Some(floor) if floor > updated_at => floor,
        _ => updated_at,
    }
}

/// Each hazard's history, in stream order.
async fn steps_of(
    transaction: &mut ReadTransaction,
    generation: i64,
    hazard_ids: &[String],
) -> Result<HashMap<String, Vec<Step>>, sqlx::Error> {
    let mut rows = hl_readmodel::rows_where_in::<HistoryRow>(
        transaction.connection(),
        generation,
        "hazard_id",
        hazard_ids,
    )
    .await?;
    rows.sort_by_key(|row| (row.sequence, row.position));
    let mut steps: HashMap<String, Vec<Step>> = HashMap::new();
    for row in rows {
        steps.entry(row.hazard_id).or_default().push(Step {
            event_type: row.event_type,
            actor_id: row.actor_id,
            at: row.at,
        });
    }
    Ok(steps)
}
