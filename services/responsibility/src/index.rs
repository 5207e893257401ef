//! The registry's lists: an in-memory index of every registry aggregate, built by folding the
//! responsibility stream (the same `apply` as the aggregates themselves) and kept current as new
//! commits arrive. Commands of this process update it at once, so a caller lists what it has
//! just written. The registry is small (tens of thousands of records), so memory is the right
//! home for its lists; the SQL read models are for the hazards' volumes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use futures::StreamExt;
use hl_eventstore::{Aggregate, EventStore, decode_commit};
use hl_proto::events::v1::Commit;
use prost::Message;

use crate::domain::CONTEXT;
use crate::domain::enterprise::Enterprise;
use crate::domain::records::{AdminArea, GridCell, OrgUnit, Person};

/// An aggregate's state with the version it reflects.
#[derive(Clone, Debug, Default)]
pub struct Versioned<A> {
    pub state: A,
    pub version: u64,
}

#[derive(Default)]
pub struct IndexState {
    pub enterprises: BTreeMap<String, Versioned<Enterprise>>,
    pub areas: BTreeMap<String, Versioned<AdminArea>>,
    pub cells: BTreeMap<String, Versioned<GridCell>>,
    pub units: BTreeMap<String, Versioned<OrgUnit>>,
    pub persons: BTreeMap<String, Versioned<Person>>,
}

/// An aggregate type the index keeps.
pub trait Indexed: Aggregate {
    fn entries(state: &mut IndexState) -> &mut BTreeMap<String, Versioned<Self>>;
}

impl Indexed for Enterprise {
    fn entries(state: &mut IndexState) -> &mut BTreeMap<String, Versioned<Self>> {
        &mut state.enterprises
    }
}
impl Indexed for AdminArea {
    fn entries(state: &mut IndexState) -> &mut BTreeMap<String, Versioned<Self>> {
        &mut state.areas
    }
}
impl Indexed for GridCell {
    fn entries(state: &mut IndexState) -> &mut BTreeMap<String, Versioned<Self>> {
        &mut state.cells
    }
}
impl Indexed for OrgUnit {
    fn entries(state: &mut IndexState) -> &mut BTreeMap<String, Versioned<Self>> {
        &mut state.units
    }
}
impl Indexed for Person {
    fn entries(state: &mut IndexState) -> &mut BTreeMap<String, Versioned<Self>> {
        &mut state.persons
    }
}

#[derive(Default)]
pub struct RegistryIndex {
    state: RwLock<IndexState>,
    applied_sequence: AtomicU64,
    caught_up: AtomicBool,
    /// A commit that could not be folded stops the index, loudly, instead of being skipped.
    stopped: Mutex<Option<String>>,
}

impl RegistryIndex {
    pub fn new() -> Arc<Self> {
        Arc::new(RegistryIndex::default())
    }

    /// Read access to the whole index.
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, IndexState> {
        self.state.read().expect("index lock")
    }

    /// Ready to answer lists: caught up with the stream as it was at start, and not stopped.
    pub fn is_ready(&self) -> bool {
        self.caught_up.load(Ordering::SeqCst) && self.stopped.lock().expect("index lock").is_none()
    }

    /// Why the index stopped, if it did.
    pub fn stopped_reason(&self) -> Option<String> {
        self.stopped.lock().expect("index lock").clone()
    }

    /// Records the state a command of this process produced.
    pub fn upsert<A: Indexed>(&self, aggregate_id: &str, state: &A, version: u64) {
        let mut index = self.state.write().expect("index lock");
        let entry = A::entries(&mut index)
            .entry(aggregate_id.to_string())
            .or_default();
        if version > entry.version {
            *entry = Versioned {
                state: state.clone(),
                version,
            };
        }
    }

    /// Folds one stored commit into the index.
    pub fn apply_commit(&self, payload: &[u8]) -> Result<(), String> {
        let commit = Commit::decode(payload).map_err(|error| format!("not a commit: {error}"))?;
        let Some(first) = commit.events.first() else {
            return Ok(());
        };
        match first.aggregate_type.as_str() {
            "enterprise" => self.fold::<Enterprise>(payload),
            "admin_area" => self.fold::<AdminArea>(payload),
            "grid_cell" => self.fold::<GridCell>(payload),
            "org_unit" => self.fold::<OrgUnit>(payload),
            "person" => self.fold::<Person>(payload),
            other => Err(format!("unknown aggregate type {other}")),
        }
    }

    fn fold<A: Indexed>(&self, payload: &[u8]) -> Result<(), String> {
        let decoded = decode_commit::<A::Event>(payload)?;
        let mut index = self.state.write().expect("index lock");
        for (event, meta) in &decoded.events {
            let entry = A::entries(&mut index)
                .entry(meta.aggregate_id.clone())
                .or_default();
            // Already folded, or already recorded by this process's own command.
            if meta.aggregate_version <= entry.version {
                continue;
            }
            entry.state.apply(event, meta);
            entry.version = meta.aggregate_version;
        }
        Ok(())
    }
}

/// Folds the responsibility stream into the index from the start, then follows it. Reconnects
/// after NATS outages; stops for good on a commit it cannot fold.
pub fn follow(store: EventStore, index: Arc<RegistryIndex>) {
    tokio::spawn(async move {
        loop {
            match follow_once(&store, &index).await {
                Ok(()) => return,
                Err(reason) => {
                    tracing::debug!(%reason, "registry index: waiting for the stream");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
    });
}

/// Ok(()) when the index stopped on a bad commit; Err to retry.
async fn follow_once(store: &EventStore, index: &RegistryIndex) -> Result<(), String> {
    let head = store
        .stream_head(CONTEXT)
        .await
        .map_err(|error| error.to_string())?;
    if head <= index.applied_sequence.load(Ordering::SeqCst) {
        index.caught_up.store(true, Ordering::SeqCst);
    }
    let start = index.applied_sequence.load(Ordering::SeqCst) + 1;
    let mut messages = store
        .read_stream(CONTEXT, start)
        .await
        .map_err(|error| error.to_string())?;
    while let Some(message) = messages.next().await {
        let message = message.map_err(|error| error.to_string())?;
        if let Err(reason) = index.apply_commit(&message.payload) {
            let reason = format!("stream sequence {}: {reason}", message.sequence);
            tracing::error!(%reason, "registry index stopped on a commit it cannot fold");
            *index.stopped.lock().expect("index lock") = Some(reason);
            return Ok(());
        }
        index
            .applied_sequence
            .store(message.sequence, Ordering::SeqCst);
        if message.sequence >= head {
            index.caught_up.store(true, Ordering::SeqCst);
        }
    }
    Err("the stream subscription ended".to_string())
}
