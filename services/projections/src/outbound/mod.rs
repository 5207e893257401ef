//! Outbound reporting to provincial systems. Two feeds, each folded from the read models into
//! its receiver's object, batched, sent through the configured transport and kept in a delivery
//! ledger:
//! - the national dual-prevention (双重预防) platform's 隐患信息, one record per hazard of an
//!   enterprise with a hazardous-chemicals registration code;
//! - the credit platform's penalty decisions (双公示), one record per case decided with a
//!   penalty, due within 7 working days of the decision: the feed's audit lists the late ones.
//!
//! Every round: first the batches recorded but not acknowledged (a crash, a receiver away) go
//! again exactly as they were; then every record the receiver lacks or holds in an older
//! version goes out in new batches, ordered by update time. A record is an upsert by its stable
//! UUID; a hazard record of an enterprise whose code was cleared goes once more marked deleted.

pub mod credit_publicity;
mod decisions;
pub mod dual_prevention;
pub mod encryption;
pub mod file_drop;
mod hazards;
pub mod http_post;
pub mod ledger;
pub mod transport;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use hl_readmodel::Database;
use hl_telemetry::metrics::{FeedLabels, metrics};
use serde::Serialize;

use crate::service::Projections;
use ledger::{Batch, Entry};
use transport::Transport;

/// A feed: what it carries and to whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// Hazards to the national dual-prevention platform.
    DualPrevention,
    /// Penalty decisions to the credit platform (双公示).
    CreditPublicity,
}

impl Feed {
    pub const ALL: [Feed; 2] = [Feed::DualPrevention, Feed::CreditPublicity];

    /// The feed's name in the delivery ledger and the metrics.
    pub fn name(self) -> &'static str {
        match self {
            Feed::DualPrevention => "dual-prevention/sec_hidden_danger_info",
            Feed::CreditPublicity => "credit-publicity/penalty_decision_publicity",
        }
    }

    /// The receiver's object, which names the batch files.
    pub fn object(self) -> &'static str {
        match self {
            Feed::DualPrevention => dual_prevention::OBJECT,
            Feed::CreditPublicity => credit_publicity::OBJECT,
        }
    }

    fn mapping_version(self) -> u32 {
        match self {
            Feed::DualPrevention => dual_prevention::MAPPING_VERSION,
            Feed::CreditPublicity => credit_publicity::MAPPING_VERSION,
        }
    }
}

/// How a feed runs.
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

/// A penalty decision late at the credit platform (or whose deadline the working-day calendar
/// cannot tell yet).
#[derive(Clone, Debug, PartialEq)]
pub struct LateDecision {
    pub case_id: String,
    pub decided_on: NaiveDate,
    /// None while the working-day calendar lacks the year.
    pub due_on: Option<NaiveDate>,
    /// When the credit platform's copy was acknowledged; None while it was not.
    pub delivered_on: Option<NaiveDate>,
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Round {
    /// Batches sent again because no acknowledgement had been recorded.
    pub resent: usize,
    /// New batches, and the records in them.
    pub batches: usize,
    pub records: usize,
    /// Sources that cannot be sent yet, by id, with why.
    pub held: Vec<(String, &'static str)>,
    /// The credit-publicity feed's audit after the round: the decisions that are late, and
    /// those the working-day calendar cannot date yet.
    pub late: Vec<LateDecision>,
}

/// What a round found to send.
#[derive(Default)]
struct Changes {
    /// Each record with its ledger entry, in order of update time.
    records: Vec<(Entry, serde_json::Value)>,
    held: Vec<(String, &'static str)>,
}

/// A feed as the service holds it.
pub struct OutboundFeed {
    feed: Feed,
    database: Database,
    projections: Arc<Projections>,
    transport: Transport,
    settings: Settings,
    latest: RwLock<Status>,
}

/// The latest round, the ledger's totals after it, and the latest deadline audit.
#[derive(Clone, Debug, Default)]
pub struct Status {
    /// When the latest round that went through ended; None before the first.
    pub round_at: Option<DateTime<Utc>>,
    pub round: Round,
    /// Why a later round stopped, when one did.
    pub last_error: Option<String>,
    pub totals: ledger::Totals,
    /// The credit-publicity feed's late decisions, audited after every round (also one that
    /// stopped), and when.
    pub late: Vec<LateDecision>,
    pub audited_at: Option<DateTime<Utc>>,
}

impl OutboundFeed {
    /// Creates the delivery ledger's tables.
    pub async fn new(
        feed: Feed,
        database: Database,
        projections: Arc<Projections>,
        transport: impl Into<Transport>,
        settings: Settings,
    ) -> Result<Arc<OutboundFeed>, sqlx::Error> {
        ledger::migrate(&database).await?;
        Ok(Arc::new(OutboundFeed {
            feed,
            database,
            projections,
            transport: transport.into(),
            settings,
            latest: RwLock::new(Status::default()),
        }))
    }

    /// Runs a round every `settings.every`, for as long as the service runs.
    pub fn spawn(self: &Arc<OutboundFeed>) {
        let feed = self.clone();
        tokio::spawn(async move {
            loop {
                let _ = feed.round().await;
                tokio::time::sleep(feed.settings.every).await;
            }
        });
    }

    pub fn feed(&self) -> Feed {
        self.feed
    }

    pub fn status(&self) -> Status {
        self.latest.read().expect("feed lock").clone()
    }

    /// One round, kept as the latest (see [`OutboundFeed::status`]).
    pub async fn round(&self) -> Result<Round, OutboundError> {
        let (mut outcome, late) = match self.feed {
            Feed::DualPrevention => (self.run(&[]).await, Ok(Vec::new())),
            Feed::CreditPublicity => {
                // Read once, for the deliveries and the deadline audit. The audit runs whether
                // or not the deliveries went through: a receiver that is away is exactly when
                // decisions fall late.
                let decisions = {
                    let reading = self.projections.generation();
                    decisions::all(&self.database, *reading, &self.settings.region).await
                };
                match decisions {
                    Ok(decisions) => {
                        let outcome = self.run(&decisions).await;
                        let today = hl_domain::clock::local_date(Utc::now());
                        let late = decisions::late(&self.database, &decisions, today).await;
                        (outcome, late.map_err(|error| error.to_string()))
                    }
                    Err(error) => {
                        let text = error.to_string();
                        (Err(error.into()), Err(text))
                    }
                }
            }
        };
        if let (Ok(round), Ok(late)) = (&mut outcome, &late) {
            round.late = late.clone();
        }
        self.record(&outcome, late).await;
        outcome
    }

    /// What is unacknowledged first, then what changed.
    /// `decisions` are the credit feed's source, read by the caller.
    async fn run(&self, decisions: &[credit_publicity::Decision]) -> Result<Round, OutboundError> {
        let name = self.feed.name();
        let mut round = Round::default();
        for batch in ledger::unacknowledged(&self.database, name).await? {
            self.deliver(&batch).await?;
            round.resent += 1;
        }
        let now = Utc::now();
        let sent = ledger::sent(&self.database, name).await?;
        let changes = match self.feed {
            Feed::DualPrevention => {
                // The generation is held while its tables are read, never while batches travel
                // (a receiver may take its whole timeout): a rebuild waits for no receiver.
                let reading = self.projections.generation();
                hazards::changes(&self.database, *reading, &sent, now).await?
            }
            Feed::CreditPublicity => decisions::changes(decisions, &sent),
        };
        round.held = changes.held;
        for chunk in changes.records.chunks(self.settings.batch_size) {
            let entries: Vec<Entry> = chunk.iter().map(|(entry, _)| entry.clone()).collect();
            let records: Vec<&serde_json::Value> = chunk.iter().map(|(_, record)| record).collect();
            let batch = ledger::record_batch(
                &self.database,
                name,
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
    /// the records (`datas`, as the national interface names the list), sealed here when the
    /// receiver expects them encrypted, so the ledger keeps the very bytes that travel and a
    /// resend is those bytes whatever the configuration has become since.
    fn payload(&self, number: i64, records: &[&serde_json::Value], now: DateTime<Utc>) -> String {
        #[derive(Serialize)]
        #[serde(untagged)]
        enum Datas<'a> {
            Plain(&'a [&'a serde_json::Value]),
            Sealed(String),
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Payload<'a> {
            object: &'a str,
            mapping_version: u32,
            region: &'a str,
            batch: i64,
            created_at: String,
            datas: Datas<'a>,
        }
        let datas = match self.transport.cipher() {
            Some(cipher) => Datas::Sealed(cipher.seal_records(records)),
            None => Datas::Plain(records),
        };
        serde_json::to_string_pretty(&Payload {
            object: self.feed.object(),
            mapping_version: self.feed.mapping_version(),
            region: &self.settings.region,
            batch: number,
            created_at: dual_prevention::time(now),
            datas,
        })
        .expect("records serialise")
    }

    async fn deliver(&self, batch: &Batch) -> Result<(), OutboundError> {
        let region = &self.settings.region;
        match self
            .transport
            .deliver(self.feed.object(), region, batch)
            .await
        {
            Ok(acknowledgement) => {
                ledger::attempted(&self.database, batch, Utc::now(), None).await?;
                ledger::acknowledged(&self.database, batch, Utc::now(), &acknowledgement).await?;
                metrics()
                    .outbound_records_sent
                    .get_or_create(&self.labels())
                    .inc_by(batch.records as u64);
                Ok(())
            }
            Err(error) => {
                ledger::attempted(&self.database, batch, Utc::now(), Some(&error)).await?;
                Err(OutboundError::Delivery {
                    batch: batch.number,
                    error,
                })
            }
        }
    }

    async fn record(
        &self,
        outcome: &Result<Round, OutboundError>,
        late: Result<Vec<LateDecision>, String>,
    ) {
        let totals = ledger::totals(&self.database, self.feed.name()).await;
        let metrics = metrics();
        let labels = self.labels();
        let mut latest = self.latest.write().expect("feed lock");
        if let Ok(totals) = totals {
            metrics
                .outbound_batches_unacknowledged
                .get_or_create(&labels)
                .set(totals.unacknowledged);
            if let Some(at) = totals.last_acknowledged_at {
                metrics
                    .outbound_acknowledged_at
                    .get_or_create(&labels)
                    .set(at as f64 / 1000.0);
            }
            latest.totals = totals;
        }
        match late {
            Ok(late) => {
                if !late.is_empty() {
                    let cases: Vec<&str> = late.iter().map(|late| late.case_id.as_str()).collect();
                    tracing::warn!(
                        ?cases,
                        "penalty decisions late at the credit platform (双公示), or undated"
                    );
                }
                // Undated decisions (the calendar lacks their year) are listed, not counted.
                let dated = late.iter().filter(|late| late.due_on.is_some()).count();
                metrics
                    .outbound_records_late
                    .get_or_create(&labels)
                    .set(dated as i64);
                latest.late = late;
                latest.audited_at = Some(Utc::now());
            }
            Err(error) => {
                tracing::warn!(%error, "the 双公示 deadline audit failed; the next round runs it again");
            }
        }
        match outcome {
            Ok(round) => {
                if !round.held.is_empty() {
                    tracing::info!(
                        feed = self.feed.name(),
                        held = round.held.len(),
                        "records held back"
                    );
                }
                metrics
                    .outbound_records_held
                    .get_or_create(&labels)
                    .set(round.held.len() as i64);
                latest.round_at = Some(Utc::now());
                latest.round = round.clone();
                latest.last_error = None;
            }
            Err(error) => {
                tracing::warn!(feed = self.feed.name(), %error, "an outbound round stopped; the next round resumes it");
                latest.last_error = Some(error.to_string());
            }
        }
    }

    fn labels(&self) -> FeedLabels {
        FeedLabels {
            feed: self.feed.name().to_string(),
        }
    }
}
