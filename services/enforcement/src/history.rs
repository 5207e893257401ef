//! Each enterprise's enforcement record by year — 重大 findings and penalties — folded from the
//! enforcement stream as it grows, for classifying enterprises (a year's grade weighs the year
//! before). Days are calendar days in Asia/Shanghai of when each step happened.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::Datelike;
use hl_domain::clock::local_date;
use hl_eventstore::{EventStore, decode_events};
use hl_proto::enforcement::v1::CaseDecision;
use hl_proto::enforcement_events::{InspectionEvent, PenaltyCaseEvent};
use hl_proto::events::v1::Commit;
use hl_proto::hazards::v1::HazardLevel;
use hl_runtime::follower::{Progress, follow_stream};
use prost::Message;

use crate::domain::classification::History;

#[derive(Default)]
struct Record {
    by_year: HashMap<(String, i32), History>,
    /// Each case as filed, and the year it closed.
    cases: HashMap<String, CaseFacts>,
}

/// A case as the record keeps it: enough to draw its file for a review.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaseFacts {
    pub case_id: String,
    pub enterprise_id: String,
    pub township_code: String,
    pub officer_ids: Vec<String>,
    pub closed_in: Option<i32>,
}

/// The record, and how far it has read the stream.
#[derive(Default)]
pub struct EnforcementHistory {
    record: RwLock<Record>,
    pub progress: Arc<Progress>,
}

impl EnforcementHistory {
    /// Starts folding the enforcement stream into a new record.
    pub fn follow(store: EventStore) -> Arc<EnforcementHistory> {
        let history = Arc::new(EnforcementHistory::default());
        let folding = history.clone();
        follow_stream(
            store,
            crate::domain::CONTEXT,
            history.progress.clone(),
            move |message| folding.fold(&message.payload),
        );
        history
    }

    /// The enterprise's record of a year.
    pub fn of(&self, enterprise_id: &str, year: i32) -> History {
        self.record
            .read()
            .expect("history lock")
            .by_year
            .get(&(enterprise_id.to_string(), year))
            .copied()
            .unwrap_or_default()
    }

    /// The cases closed in a year, by case id: the files a review may draw.
    pub fn closed_cases(&self, year: i32) -> Vec<CaseFacts> {
        let record = self.record.read().expect("history lock");
        let mut closed: Vec<CaseFacts> = record
            .cases
            .values()
            .filter(|case| case.closed_in == Some(year))
            .cloned()
            .collect();
        closed.sort_by(|left, right| left.case_id.cmp(&right.case_id));
        closed
    }

    fn fold(&self, payload: &[u8]) -> Result<(), String> {
        let commit = Commit::decode(payload).map_err(|error| format!("not a commit: {error}"))?;
        let aggregate_type = commit
            .events
            .first()
            .map(|envelope| envelope.aggregate_type.clone())
            .unwrap_or_default();
        let mut record = self.record.write().expect("history lock");
        match aggregate_type.as_str() {
            "inspection" => {
                for (event, meta) in decode_events::<InspectionEvent>(commit)?.events {
                    if let InspectionEvent::FindingRecorded(found) = event
                        && found.level() == HazardLevel::Major
                    {
                        let year = local_date(meta.occurred_at).year();
                        record
                            .by_year
                            .entry((found.enterprise_id, year))
                            .or_default()
                            .major_findings += 1;
                    }
                }
            }
            "penalty_case" => {
                for (event, meta) in decode_events::<PenaltyCaseEvent>(commit)?.events {
                    fold_case(&mut record, event, &meta);
                }
            }
            // Classifications, plans and reviews add nothing to the record.
            _ => {}
        }
        Ok(())
    }
}

fn fold_case(record: &mut Record, event: PenaltyCaseEvent, meta: &hl_eventstore::EventMeta) {
    let year = local_date(meta.occurred_at).year();
    match event {
        PenaltyCaseEvent::Filed(filed) => {
            record.cases.insert(
                filed.case_id.clone(),
                CaseFacts {
                    case_id: filed.case_id,
                    enterprise_id: filed.enterprise_id,
                    township_code: filed.township_code,
                    officer_ids: filed.officer_ids,
                    closed_in: None,
                },
            );
        }
        PenaltyCaseEvent::Decided(decided) if decided.decision() == CaseDecision::Penalty => {
            if let Some(case) = record.cases.get(&decided.case_id) {
                let key = (case.enterprise_id.clone(), year);
                record.by_year.entry(key).or_default().penalties += 1;
            }
        }
        PenaltyCaseEvent::Closed(closed) => {
            if let Some(case) = record.cases.get_mut(&closed.case_id) {
                case.closed_in = Some(year);
            }
        }
        _ => {}
    }
}
