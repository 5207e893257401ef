//! Given/when/then for any aggregate: the pure path a command takes through the repository
//! (existence, the order of business times, decide, apply), without NATS. Domain tests use it,
//! so they see exactly what a caller of the service would; an import rehearses a file's steps
//! with it before recording any of them.

use chrono::{DateTime, Utc};
use hl_proto::common::v1::Actor;

use crate::aggregate::{Aggregate, CommandContext, EventMeta, check_expectations};

/// An aggregate built from the commands given so far.
#[derive(Clone, Debug)]
pub struct Given<A: Aggregate> {
    aggregate_id: String,
    state: A,
    version: u64,
    last_occurred_at: Option<DateTime<Utc>>,
    region: String,
    migrated_by: Option<Actor>,
}

impl<A: Aggregate> Given<A> {
    /// An aggregate with no history yet, in district 330903.
    pub fn new(aggregate_id: &str) -> Given<A> {
        Given {
            aggregate_id: aggregate_id.to_string(),
            state: A::default(),
            version: 0,
            last_occurred_at: None,
            region: "330903".to_string(),
            migrated_by: None,
        }
    }

    /// An aggregate as loaded from the store, in `region`, to rehearse further commands on.
    pub fn resume(
        aggregate_id: &str,
        region: &str,
        state: A,
        version: u64,
        last_occurred_at: Option<DateTime<Utc>>,
    ) -> Given<A> {
        Given {
            aggregate_id: aggregate_id.to_string(),
            state,
            version,
            last_occurred_at,
            region: region.to_string(),
            migrated_by: None,
        }
    }

    /// Events applied from now on are marked as loaded from a past ledger by `administrator`.
    pub fn migrated_by(mut self, administrator: &Actor) -> Self {
        self.migrated_by = Some(administrator.clone());
        self
    }

    /// The state after everything given.
    pub fn state(&self) -> &A {
        &self.state
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// When the last given step happened.
    pub fn last_occurred_at(&self) -> Option<DateTime<Utc>> {
        self.last_occurred_at
    }

    /// The events `command` would record, asked by `actor` about something that happened at
    /// `occurred_at` (and is recorded then too); nothing is applied.
    pub fn when(
        &self,
        command: &A::Command,
        actor: &Actor,
        occurred_at: DateTime<Utc>,
    ) -> Result<Vec<A::Event>, A::Error> {
        self.when_recorded(command, actor, occurred_at, occurred_at)
    }

    /// Like [`Given::when`], recorded at `now`, later than it happened.
    pub fn when_recorded(
        &self,
        command: &A::Command,
        actor: &Actor,
        occurred_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<A::Event>, A::Error> {
        let context = CommandContext {
            aggregate_id: self.aggregate_id.clone(),
            actor: actor.clone(),
            now,
            occurred_at,
        };
        check_expectations::<A>(
            &self.state,
            command,
            self.version > 0,
            self.last_occurred_at,
            &context,
        )?;
        self.state.decide(command, &context)
    }

    /// Runs a command and applies its events; returns them.
    pub fn then(
        &mut self,
        command: &A::Command,
        actor: &Actor,
        occurred_at: DateTime<Utc>,
    ) -> Result<Vec<A::Event>, A::Error> {
        let events = self.when(command, actor, occurred_at)?;
        self.apply(&events, actor, occurred_at, occurred_at);
        Ok(events)
    }

    /// Runs a command that must succeed, for building up the history of a test.
    pub fn given(mut self, command: &A::Command, actor: &Actor, occurred_at: DateTime<Utc>) -> Self
    where
        A::Error: std::fmt::Debug,
    {
        self.then(command, actor, occurred_at)
            .unwrap_or_else(|error| panic!("the given command was refused: {error:?}"));
        self
    }

    /// Applies events as if recorded at `recorded_at` about `occurred_at`.
    pub fn apply(
        &mut self,
        events: &[A::Event],
        actor: &Actor,
        occurred_at: DateTime<Utc>,
        recorded_at: DateTime<Utc>,
    ) {
        for event in events {
            self.version += 1;
            let meta = EventMeta {
                event_id: format!("{}-{}", self.aggregate_id, self.version),
                aggregate_id: self.aggregate_id.clone(),
                aggregate_version: self.version,
                occurred_at,
                recorded_at,
                actor: actor.clone(),
                causation_id: String::new(),
                region: self.region.clone(),
                migrated_by: self.migrated_by.clone(),
            };
            self.state.apply(event, &meta);
            self.last_occurred_at = Some(
                self.last_occurred_at
                    .map_or(occurred_at, |previous| previous.max(occurred_at)),
            );
        }
    }
}

/// The state's own methods read through the harness: `given.status_as_of(day)`.
impl<A: Aggregate> std::ops::Deref for Given<A> {
    type Target = A;

    fn deref(&self) -> &A {
        &self.state
    }
}
