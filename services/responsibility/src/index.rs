//! The registry's lists: an in-memory index of every registry aggregate, built by folding the
//! responsibility stream (the same `apply` as the aggregates themselves) and kept current as new
//! commits arrive. Commands of this process update it at once, so a caller lists what it has
//! just written. The registry is small (tens of thousands of records), so memory is the right
//! home for its lists; the SQL read models are for the hazards' volumes.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use hl_eventstore::{Aggregate, EventStore, decode_commit};
use hl_proto::events::v1::Commit;
use hl_runtime::follower::{Progress, follow_stream};
use prost::Message;

use crate::domain::CONTEXT;
use crate::domain::enterprise::Enterprise;
use crate::domain::records::{AdminArea, GridCell, OrgUnit, Person};
use crate::domain::responsibilities::Responsibilities;
use crate::domain::safety_item::SafetyItem;

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
    /// Who answers for what, by object: what a month of duties expects of a person.
    pub responsibilities: BTreeMap<String, Versioned<Responsibilities>>,
    /// The committee's items: which are past their deadline.
    pub safety_items: BTreeMap<String, Versioned<SafetyItem>>,
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
impl Indexed for Responsibilities {
    fn entries(state: &mut IndexState) -> &mut BTreeMap<String, Versioned<Self>> {
        &mut state.responsibilities
    }
}
impl Indexed for SafetyItem {
    fn entries(state: &mut IndexState) -> &mut BTreeMap<String, Versioned<Self>> {
        &mut state.safety_items
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
    /// How far it has folded the stream; a commit that could not be folded stops it, loudly,
    /// instead of being skipped.
    progress: Arc<Progress>,
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
        self.progress.is_ready()
    }

    /// Why the index stopped, if it did.
    pub fn stopped_reason(&self) -> Option<String> {
        self.progress.stopped_reason()
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
            "responsibilities" => self.fold::<Responsibilities>(payload),
            "safety_item" => self.fold::<SafetyItem>(payload),
            // The context's other aggregates are read from their own repositories.
            "duty_period" | "accountability_case" | "emergency_centre" | "evaluation" => Ok(()),
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

/// Folds the responsibility stream into the index from the start, then follows it.
pub fn follow(store: EventStore, index: Arc<RegistryIndex>) {
    let progress = index.progress.clone();
    follow_stream(store, CONTEXT, progress, move |message| {
        index.apply_commit(&message.payload)
    });
}
