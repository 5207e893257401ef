//! What has arrived at the province from each district, read from the provincial streams in
//! order and remembered between audits: for each district and context, the district's own
//! sequence of the last message (from the `Nats-Stream-Source` header sourcing adds), how many
//! arrived, when the last one arrived and when its events were recorded, and every hole: a
//! district sequence skipped or repeated, or a commit that does not name its aggregate's
//! previous commit as the district's hash chain requires.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use hl_eventstore::{EventStore, StoreError, StoredMessage, commit_digest};
use hl_proto::events::v1::Commit;
use prost::Message;

/// The header sourcing adds to each message it copies: `<stream>[:<hash>] <sequence> …`.
const STREAM_SOURCE: &str = "Nats-Stream-Source";
/// The holes a source keeps in detail; beyond them only their number.
const HOLES_KEPT: usize = 32;
/// Messages read a request.
const READ_BATCH: usize = 256;

/// One district's arrivals in one context.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceProgress {
    /// The district's stream sequence of the last message that arrived (0: none yet).
    pub origin_sequence: u64,
    /// Messages that arrived.
    pub arrived: u64,
    /// When the district recorded the events of the last of them.
    pub last_recorded: Option<DateTime<Utc>>,
    /// The first holes found, in the order found.
    pub holes: Vec<Hole>,
    /// Holes found beyond those kept.
    pub more_holes: u64,
}

/// Something missing or out of place in what arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hole {
    /// District sequences `from..=to` never arrived.
    Skipped { from: u64, to: u64 },
    /// A district sequence arrived again, or out of order, at this provincial sequence.
    Repeated {
        origin_sequence: u64,
        province_sequence: u64,
    },
    /// The commit at this provincial sequence does not follow the previous commit of its
    /// aggregate.
    ChainBreak {
        subject: String,
        province_sequence: u64,
    },
    /// The message at this provincial sequence is not a commit, or names no district sequence.
    Unreadable {
        province_sequence: u64,
        reason: String,
    },
}

impl std::fmt::Display for Hole {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Hole::Skipped { from, to } if from == to => {
                write!(formatter, "district sequence {from} never arrived")
            }
            Hole::Skipped { from, to } => {
                write!(formatter, "district sequences {from}-{to} never arrived")
            }
            Hole::Repeated {
                origin_sequence,
                province_sequence,
            } => write!(
                formatter,
                "district sequence {origin_sequence} arrived again or out of order \
                 (provincial sequence {province_sequence})"
            ),
            Hole::ChainBreak {
                subject,
                province_sequence,
            } => write!(
                formatter,
                "the commit at provincial sequence {province_sequence} on {subject} does not \
                 follow its aggregate's previous commit"
            ),
            Hole::Unreadable {
                province_sequence,
                reason,
            } => write!(
                formatter,
                "provincial sequence {province_sequence} cannot be read: {reason}"
            ),
        }
    }
}

impl SourceProgress {
    fn record_hole(&mut self, hole: Hole) {
        if self.holes.len() < HOLES_KEPT {
            self.holes.push(hole);
        } else {
            self.more_holes += 1;
        }
    }

    /// Every hole found, kept or not.
    pub fn hole_count(&self) -> u64 {
        self.holes.len() as u64 + self.more_holes
    }
}

/// The arrivals of every district in every context, as far as read.
#[derive(Debug, Default)]
pub struct Arrivals {
    contexts: BTreeMap<String, ContextArrivals>,
}

#[derive(Debug, Default)]
struct ContextArrivals {
    /// The provincial stream sequence read up to.
    read_to: u64,
    /// By region.
    sources: BTreeMap<String, SourceProgress>,
    /// Each aggregate subject's last commit digest, the link the next commit must name.
    chain_heads: HashMap<String, Vec<u8>>,
}

impl Arrivals {
    /// Reads what arrived in a context's provincial stream since the last call.
    pub async fn read(&mut self, store: &EventStore, context: &str) -> Result<(), StoreError> {
        let subjects = store.namespace().stream_subjects(context);
        let arrivals = self.contexts.entry(context.to_string()).or_default();
        let after = arrivals.read_to;
        store
            .each_after((context, &subjects), after, READ_BATCH, |message| {
                arrivals.take(message);
                Ok::<bool, StoreError>(true)
            })
            .await
    }

    /// One district's progress in one context (empty when nothing arrived).
    pub fn progress(&self, context: &str, region: &str) -> SourceProgress {
        self.contexts
            .get(context)
            .and_then(|arrivals| arrivals.sources.get(region))
            .cloned()
            .unwrap_or_default()
    }
}

impl ContextArrivals {
    fn take(&mut self, message: &StoredMessage) {
        self.read_to = message.sequence;
        // hl.<region>.<context>.…: the region is the subject's second token.
        let region = message.subject.split('.').nth(1).unwrap_or_default();
        let progress = self.sources.entry(region.to_string()).or_default();
        match origin_sequence(message) {
            Some(origin) if origin > progress.origin_sequence => {
                if origin > progress.origin_sequence + 1 {
                    progress.record_hole(Hole::Skipped {
                        from: progress.origin_sequence + 1,
                        to: origin - 1,
                    });
                }
                progress.origin_sequence = origin;
            }
            Some(origin) => {
                // A copy of what already arrived: one hole, neither a second arrival nor a
                // break in the chain the first copy continued.
                progress.record_hole(Hole::Repeated {
                    origin_sequence: origin,
                    province_sequence: message.sequence,
                });
                return;
            }
            None => progress.record_hole(Hole::Unreadable {
                province_sequence: message.sequence,
                reason: format!("no district sequence in its {STREAM_SOURCE} header"),
            }),
        }
        progress.arrived += 1;
        let commit = match Commit::decode(message.payload.as_ref()) {
            Ok(commit) => commit,
            Err(error) => {
                progress.record_hole(Hole::Unreadable {
                    province_sequence: message.sequence,
                    reason: format!("not a commit: {error}"),
                });
                return;
            }
        };
        progress.last_recorded = commit
            .events
            .last()
            .and_then(|envelope| envelope.recorded_at.as_ref())
            .and_then(hl_proto::instant)
            .or(progress.last_recorded);
        let digest = commit_digest(&message.payload);
        let previous = self
            .chain_heads
            .insert(message.subject.clone(), digest)
            .unwrap_or_default();
        if previous != commit.previous_commit_sha256 {
            progress.record_hole(Hole::ChainBreak {
                subject: message.subject.clone(),
                province_sequence: message.sequence,
            });
        }
    }
}

fn header<'a>(message: &'a StoredMessage, name: &str) -> Option<&'a str> {
    message.headers.get(name).map(|value| value.as_str())
}

/// The district's sequence of a sourced message: the second word of `Nats-Stream-Source`.
fn origin_sequence(message: &StoredMessage) -> Option<u64> {
    header(message, STREAM_SOURCE)?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
