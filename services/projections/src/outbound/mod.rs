//! Outbound reporting to provincial systems: the national dual-prevention (双重预防) feed of
//! hazards (隐患信息), folded from the read models into the upload object, batched, sent through
//! the configured transport and kept in a delivery ledger.
//!
//! Every round: first the batches recorded but not acknowledged (a crash, a receiver away) go
//! again exactly as they were; then every record whose hazard, enterprise code or deletion
//! changed since the receiver last got it goes out in new batches, ordered by update time. A
//! record is an upsert by its stable UUID; a record of an enterprise whose code was cleared goes
//! once more marked deleted.

pub mod dual_prevention;
pub mod file_drop;
pub mod ledger;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hl_directory::read_models::EnterpriseStateRow;
use hl_hazards::read_models::hazards::{HazardRow, HistoryRow};
use hl_readmodel::Database;
use hl_telemetry::metrics::{FeedLabels, metrics};
use serde::Serialize;

use crate::reader;
use crate::service::Projections;
use dual_prevention::{HazardSource, Held, Record, Step};
use file_drop::FileDrop;
use ledger::{Batch, Entry, Sent};

/// The feed's name in the delivery ledger and the metrics.
pub const FEED: &str = "dual-prevention/sec_hidden_danger_info";

/// How the feed runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Most records in one batch.
    pub batch_size: usize,
    /// Time between two rounds.
    pub every: Duration,
    /// The district's region code, carried by every batch.
    pub region: String,
}

/// Why a round stopped. What it delivered before stopping stays delivered.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("the read-model database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Ledger(#[from] ledger::RecordError),
    #[error("batch {batch} could not be delivered: {error}")]
    Delivery { batch: i64, error: String },
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Round {
    /// Batches sent again because no acknowledgement had been recorded.
    pub resent: usize,
    /// New batches, and the records in them.
    pub batches: usize,
    pub records: usize,
    /// Hazards of enterprises with a code that cannot be sent yet, by hazard id.
    pub held: Vec<(String, Held)>,
}

/// The feed as the service holds it.
pub struct OutboundFeed {
    database: Database,
    projections: Arc<Projections>,
    transport: FileDrop,
    settings: Settings,
    latest: RwLock<Status>,
}

/// The latest round, and the ledger's totals after it.
#[derive(Clone, Debug, Default)]
pub struct Status {
    pub round_at: Option<DateTime<Utc>>,
    pub round: Round,
    pub last_error: Option<String>,
    pub totals: ledger::Totals,
}

impl OutboundFeed {
    /// Creates the delivery ledger's tables.
    pub async fn new(
        database: Database,
        projections: Arc<Projections>,
        transport: FileDrop,
        settings: Settings,
    ) -> Result<Arc<OutboundFeed>, sqlx::Error> {
        ledger::migrate(&database).await?;
        Ok(Arc::new(OutboundFeed {
            database,
            projections,
            transport,
            settings,
            latest: RwLock::new(Status::default()),
        }))
    }

    /// Runs a round every `settings.every`, for as long as the service runs.
    pub fn spawn(self: &Arc<OutboundFeed>) {
        let feed = self.clone();
        tokio::spawn(async move {
            loop {
                let outcome = feed.round().await;
                feed.record(outcome).await;
                tokio::time::sleep(feed.settings.every).await;
            }
        });
    }

    pub fn status(&self) -> Status {
        self.latest.read().expect("feed lock").clone()
    }

    /// One round: what is unacknowledged first, then what changed.
    pub async fn round(&self) -> Result<Round, OutboundError> {
        let mut round = Round::default();
        for batch in ledger::unacknowledged(&self.database, FEED).await? {
            self.deliver(&batch).await?;
            round.resent += 1;
        }
        let now = Utc::now();
        let sent = ledger::sent(&self.database, FEED).await?;
        let changes = {
            let generation = self.projections.generation();
            changes(&self.database, *generation, &sent, now).await?
        };
        round.held = changes.held;
        for chunk in changes.records.chunks(self.settings.batch_size) {
            let entries: Vec<Entry> = chunk.iter().map(|(entry, _)| entry.clone()).collect();
            let records: Vec<&Record> = chunk.iter().map(|(_, record)| record).collect();
            let batch = ledger::record_batch(
                &self.database,
                FEED,
                &entries,
                &sent,
                |number| self.payload(number, &records, now),
                now,
            )
            .await?;
            self.deliver(&batch).await?;
            round.batches += 1;
            round.records += batch.records;
        }
        Ok(round)
    }

    /// A batch's file: the object, the mapping's version, the district, the batch's number and
    /// the records (`datas`, as the national interface names the list).
    fn payload(&self, number: i64, records: &[&Record], now: DateTime<Utc>) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Payload<'a> {
            object: &'a str,
            mapping_version: u32,
            region: &'a str,
            batch: i64,
            created_at: String,
            datas: &'a [&'a Record],
        }
        serde_json::to_string_pretty(&Payload {
            object: dual_prevention::OBJECT,
            mapping_version: dual_prevention::MAPPING_VERSION,
            region: &self.settings.region,
            batch: number,
            created_at: dual_prevention::time(now),
            datas: records,
        })
        .expect("records serialise")
    }

    async fn deliver(&self, batch: &Batch) -> Result<(), OutboundError> {
        match self.transport.deliver(dual_prevention::OBJECT, batch).await {
            Ok(acknowledgement) => {
                ledger::attempted(&self.database, batch, Utc::now(), None).await?;
                ledger::acknowledged(&self.database, batch, Utc::now(), &acknowledgement).await?;
                metrics()
                    .outbound_records_sent
                    .get_or_create(&feed_labels())
                    .inc_by(batch.records as u64);
                Ok(())
            }
            Err(error) => {
                let error = error.to_string();
                ledger::attempted(&self.database, batch, Utc::now(), Some(&error)).await?;
                Err(OutboundError::Delivery {
                    batch: batch.number,
                    error,
                })
            }
        }
    }

    async fn record(&self, outcome: Result<Round, OutboundError>) {
        let totals = ledger::totals(&self.database, FEED).await;
        let mut latest = self.latest.write().expect("feed lock");
        if let Ok(totals) = totals {
            export(&totals);
            latest.totals = totals;
        }
        match outcome {
            Ok(round) => {
                if !round.held.is_empty() {
                    tracing::info!(
                        held = round.held.len(),
                        "hazards held back from the dual-prevention feed"
                    );
                }
                metrics()
                    .outbound_records_held
                    .get_or_create(&feed_labels())
                    .set(round.held.len() as i64);
                latest.round_at = Some(Utc::now());
                latest.round = round;
                latest.last_error = None;
            }
            Err(error) => {
                tracing::warn!(%error, "the dual-prevention feed's round stopped; the next round resumes it");
                latest.last_error = Some(error.to_string());
            }
        }
    }
}

fn feed_labels() -> FeedLabels {
    FeedLabels {
        feed: FEED.to_string(),
    }
}

fn export(totals: &ledger::Totals) {
    let metrics = metrics();
    metrics
        .outbound_batches_unacknowledged
        .get_or_create(&feed_labels())
        .set(totals.unacknowledged);
    if let Some(at) = totals.last_acknowledged_at {
        metrics
            .outbound_acknowledged_at
            .get_or_create(&feed_labels())
            .set(at as f64 / 1000.0);
    }
}

/// The records the receiver lacks, in order of update time, and the hazards held back.
struct Changes {
    records: Vec<(Entry, Record)>,
    held: Vec<(String, Held)>,
}

/// A hazard due to be sent: with which code, whether as deleted, and its update time.
struct Due {
    hazard: HazardRow,
    company_code: String,
    deleted: bool,
    updated_at: DateTime<Utc>,
}

async fn changes(
    database: &Database,
    generation: i64,
    sent: &HashMap<String, Sent>,
    now: DateTime<Utc>,
) -> Result<Changes, sqlx::Error> {
    let today = hl_domain::clock::local_date(now);
    let mut codes: Vec<(String, String)> = Vec::new();
    for row in reader::all_rows::<EnterpriseStateRow>(database, generation).await? {
        let code = row.state.0.details_as_of(today).chemical_registration_code;
        if !code.is_empty() {
            codes.push((row.enterprise_id, code));
        }
    }
    let mut due = Vec::new();
    let mut current = HashSet::new();
    for (enterprise_id, code) in &codes {
        for hazard in
            reader::rows_where::<HazardRow>(database, generation, "enterprise_id", enterprise_id)
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
    for before in sent
        .values()
        .filter(|before| !before.entry.deleted && !current.contains(&before.entry.record_id))
    {
        let found = reader::rows_where::<HazardRow>(
            database,
            generation,
            "hazard_id",
            &before.entry.source_id,
        )
        .await?;
        if let Some(hazard) = found.into_iter().next() {
            due.push(Due {
                hazard,
                company_code: before.entry.company_code.clone(),
                deleted: true,
                updated_at: after_previous(now, Some(before)),
            });
        }
    }
    let hazard_ids: Vec<String> = due
        .iter()
        .map(|due| due.hazard.facts.hazard_id.clone())
        .collect();
    let steps = steps_of(database, generation, &hazard_ids).await?;
    let mut changes = Changes {
        records: Vec::new(),
        held: Vec::new(),
    };
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
                record,
            )),
            Err(held) => changes.held.push((hazard_id, held)),
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
    database: &Database,
    generation: i64,
    hazard_ids: &[String],
) -> Result<HashMap<String, Vec<Step>>, sqlx::Error> {
    let mut connection = database.pool().acquire().await?;
    let mut rows = hl_readmodel::rows_where_in::<HistoryRow>(
        &mut connection,
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
