//! What an aggregate is to the kernel: pure `decide` and `apply` over protobuf events.

use chrono::{DateTime, Utc};
use hl_proto::DomainEvent;
use hl_proto::common::v1::Actor;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// An event-sourced aggregate. `decide` and `apply` are pure: no I/O, no clock (the time comes
/// in the [`CommandContext`]), so the domain is tested given/when/then without NATS.
pub trait Aggregate:
    Default + Clone + Serialize + DeserializeOwned + Send + Sync + 'static
{
    type Event: DomainEvent;
    type Command: Send + Sync;
    type Error: std::error::Error + Send + Sync + 'static;

    /// The bounded context, e.g. "hazards": names the stream.
    const CONTEXT: &'static str;
    /// e.g. "hazard": names the subject.
    const AGGREGATE_TYPE: &'static str;
    /// Bump when the state's shape changes, so snapshots of the old shape are ignored.
    const SNAPSHOT_VERSION: u32 = 1;

    /// The events a command produces against the current state, or why it is refused.
    fn decide(
        &self,
        command: &Self::Command,
        context: &CommandContext,
    ) -> Result<Vec<Self::Event>, Self::Error>;

    /// The state after one event.
    fn apply(&mut self, event: &Self::Event, meta: &EventMeta);
}

/// Everything a decision may depend on besides the state and the command.
#[derive(Clone, Debug)]
pub struct CommandContext {
    pub aggregate_id: String,
    pub actor: Actor,
    /// The time the command is decided at.
    pub now: DateTime<Utc>,
    /// The business time of what the command records (defaults to `now`).
    pub occurred_at: DateTime<Utc>,
}

impl CommandContext {
    /// A context for tests and tools: occurred_at = now.
    pub fn new(aggregate_id: impl Into<String>, actor: Actor, now: DateTime<Utc>) -> Self {
        CommandContext {
            aggregate_id: aggregate_id.into(),
            actor,
            now,
            occurred_at: now,
        }
    }
}

/// What the envelope says about an event, for `apply`.
#[derive(Clone, Debug, Default)]
pub struct EventMeta {
    pub event_id: String,
    pub aggregate_id: String,
    pub aggregate_version: u64,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor: Actor,
    pub causation_id: String,
    /// The district that recorded the event.
    pub region: String,
}

impl EventMeta {
    /// Metadata for applying events in tests.
    pub fn at(occurred_at: DateTime<Utc>, actor: Actor) -> Self {
        EventMeta {
            occurred_at,
            recorded_at: occurred_at,
            actor,
            ..EventMeta::default()
        }
    }
}
