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
    /// Which enterprise each case is of, from its filing.
    case_enterprise: HashMap<String, String>,
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
                    match event {
                        PenaltyCaseEvent::Filed(filed) => {
                            record
                                .case_enterprise
                                .insert(filed.case_id, filed.enterprise_id);
                        }
                        PenaltyCaseEvent::Decided(decided)
                            if decided.decision() == CaseDecision::Penalty =>
                        {
                            let year = local_date(meta.occurred_at).year();
                            if let Some(enterprise) =
                                record.case_enterprise.get(&decided.case_id).cloned()
                            {
                                record
                                    .by_year
                                    .entry((enterprise, year))
                                    .or_default()
                                    .penalties += 1;
                            }
                        }
                        _ => {}
                    }
                }
            }
            // Classifications and plans add nothing to the record.
            _ => {}
        }
        Ok(())
    }
}
