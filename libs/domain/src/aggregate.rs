//! What an aggregate is to the kernel: pure `decide` and `apply` over protobuf events.

use chrono::{DateTime, Utc};
use hl_proto::DomainEvent;
use hl_proto::common::v1::Actor;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::DomainError;

/// An event-sourced aggregate. `decide` and `apply` are pure: no I/O, no clock (the time comes
/// in the [`CommandContext`]), so the domain is tested given/when/then without NATS.
pub trait Aggregate:
    Default + Clone + Serialize + DeserializeOwned + Send + Sync + 'static
{
    type Event: DomainEvent;
    type Command: Send + Sync;
    /// Why a command is refused; the kernel's own refusals (exists already, not found, dated
    /// before the last step) are domain errors too.
    type Error: std::error::Error + From<DomainError> + Send + Sync + 'static;

    /// The bounded context, e.g. "hazards": names the stream.
    const CONTEXT: &'static str;
    /// e.g. "hazard": names the subject.
    const AGGREGATE_TYPE: &'static str;
    /// The collection of its resource names, e.g. "hazards" in "hazards/{id}".
    const COLLECTION: &'static str;
    /// Bump when the state's shape changes, so snapshots of the old shape are ignored.
    const SNAPSHOT_VERSION: u32 = 1;

    /// Whether a command starts a new aggregate or changes an existing one. The repository
    /// answers ALREADY_EXISTS or NOT_FOUND before `decide` is asked.
    fn expects(command: &Self::Command) -> Expects;

    /// Whether the actor may learn that this aggregate exists. A command from one who may not
    /// is answered NOT_FOUND, exactly as if it did not exist, before anything else about it is
    /// checked or said, so that no answer tells an enterprise whether another enterprise's
    /// record exists. Most aggregates are the district's own records, whose commands are
    /// refused for the caller's role alone, which tells nothing about the record.
    fn known_to(&self, _actor: &Actor) -> bool {
        true
    }

    /// The events a command produces against the current state, or why it is refused.
    fn decide(
        &self,
        command: &Self::Command,
        context: &CommandContext,
    ) -> Result<Vec<Self::Event>, Self::Error>;

    /// The state after one event.
    fn apply(&mut self, event: &Self::Event, meta: &EventMeta);
}

/// What a command expects of its aggregate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expects {
    /// It creates the aggregate, which must not exist yet.
    New,
    /// It changes the aggregate, which must exist.
    Existing,
    /// It works on the aggregate whether it exists or not (a counter, a log).
    Either,
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
    /// The administrator who loaded it from a past ledger, for a migrated event.
    pub migrated_by: Option<Actor>,
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

/// What every command expects of its aggregate, checked before it is decided: it exists (or
/// not), the caller may know of it, and the step is not dated before the aggregate's last one.
pub fn check_expectations<A: Aggregate>(
    state: &A,
    command: &A::Command,
    exists: bool,
    last_occurred_at: Option<DateTime<Utc>>,
    context: &CommandContext,
) -> Result<(), DomainError> {
    let name = format!("{}/{}", A::COLLECTION, context.aggregate_id);
    match (A::expects(command), exists) {
        (Expects::New, true) => return Err(DomainError::AlreadyExists(name)),
        (Expects::Existing, false) => return Err(DomainError::NotFound(name)),
        // Answered as the missing aggregate is, and before its last step's date is mentioned.
        (_, true) if !state.known_to(&context.actor) => return Err(DomainError::NotFound(name)),
        _ => {}
    }
    if let Some(previous) = last_occurred_at
        && context.occurred_at < previous
    {
        return Err(DomainError::invalid(
            "occurred_at",
            format!(
                "{} is before {previous}, when the last step of {name} happened; steps are dated in order",
                context.occurred_at
            ),
        ));
    }
    Ok(())
}
