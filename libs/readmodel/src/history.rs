//! The events behind a state read model, kept beside it: each event of the aggregate with its two
//! times. From them a query folds a record as the ledger knew it at any recording time
//! (`known_at`), and names the events a figure stands on.
//!
//! The current tables answer "now" fast; this table answers "what did the ledger say then, and
//! why". It holds each event once (its id is the key), so a batch applied twice adds nothing.

use chrono::{DateTime, NaiveDate, Utc};
use hl_domain::clock::local_date;
use hl_eventstore::{EventMeta, envelope_meta};
use hl_proto::DomainEvent;
use hl_proto::events::v1::EventEnvelope;
use prost::Message;
use sqlx::AnyConnection;

use crate::db::{Database, Value, bind_all};
use crate::registry::Commit;
use crate::state::StateRow;
use crate::table::{OnConflict, Table, write_rows};

crate::columns! {
    /// One event of a state aggregate, stored whole (its envelope, hex-encoded) so it can be
    /// folded again.
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct StateEventRow {
        pub event_id: String,
        pub context: String,
        pub aggregate_type: String,
        pub aggregate_id: String,
        pub aggregate_version: u64,
        pub event_type: String,
        pub occurred_at: DateTime<Utc>,
        pub recorded_at: DateTime<Utc>,
        pub envelope: String,
    }
}
crate::table!(
    StateEventRow,
    "state_events",
    key(event_id),
    index(context, aggregate_type, recorded_at)
);

/// Keeps a batch's events of one aggregate type.
pub(crate) async fn record<E: DomainEvent>(
    connection: &mut AnyConnection,
    generation: i64,
    context: &str,
    aggregate_type: &str,
    commits: &[Commit<E>],
) -> Result<(), sqlx::Error> {
    let rows: Vec<StateEventRow> = commits
        .iter()
        .flat_map(|commit| commit.events.iter())
        .map(|(event, meta)| StateEventRow {
            event_id: meta.event_id.clone(),
            context: context.to_string(),
            aggregate_type: aggregate_type.to_string(),
            aggregate_id: meta.aggregate_id.clone(),
            aggregate_version: meta.aggregate_version,
            event_type: event.event_type(),
            occurred_at: meta.occurred_at,
            recorded_at: meta.recorded_at,
            envelope: hex::encode(envelope(event, meta, aggregate_type).encode_to_vec()),
        })
        .collect();
    write_rows(connection, generation, &rows, OnConflict::Keep).await
}

fn envelope<E: DomainEvent>(event: &E, meta: &EventMeta, aggregate_type: &str) -> EventEnvelope {
    EventEnvelope {
        event_id: meta.event_id.clone(),
        event_type: event.event_type(),
        schema_version: event.schema_version(),
        aggregate_type: aggregate_type.to_string(),
        aggregate_id: meta.aggregate_id.clone(),
        aggregate_version: meta.aggregate_version,
        region: meta.region.clone(),
        occurred_at: Some(hl_proto::timestamp(meta.occurred_at)),
        recorded_at: Some(hl_proto::timestamp(meta.recorded_at)),
        actor: Some(meta.actor.clone()),
        correlation_id: String::new(),
        causation_id: meta.causation_id.clone(),
        payload: event.encode_payload(),
        migrated_by: meta.migrated_by.clone(),
    }
}

/// One event a record stands on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventStep {
    pub event_id: String,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
}

/// A record as the ledger knew it at a recording time, with the events folded into it.
#[derive(Clone, Debug)]
pub struct Known<R> {
    pub aggregate_id: String,
    pub row: R,
    pub events: Vec<EventStep>,
}

impl<R> Known<R> {
    /// The ids of its events that happened by the end of `day` (local calendar), in order: the
    /// events a figure read on that day stands on.
    pub fn event_ids_by(&self, day: NaiveDate) -> Vec<String> {
        self.events
            .iter()
            .filter(|step| local_date(step.occurred_at) <= day)
            .map(|step| step.event_id.clone())
            .collect()
    }
}

/// Every record of a state read model as the ledger knew it at `known_at`: its events recorded
/// by then, folded by the domain's own `apply`, in aggregate id order. A record none of whose
/// events were recorded by then is absent.
pub async fn known_rows<R: StateRow>(
    database: &Database,
    generation: i64,
    known_at: DateTime<Utc>,
) -> Result<Vec<Known<R>>, sqlx::Error> {
    known_rows_as_of(database, generation, known_at, DateTime::<Utc>::MAX_UTC).await
}

/// Every record of a state read model as it stood at `as_of` (business time) and as the ledger
/// knew it at `known_at`: its events that happened by the one and were recorded by the other.
/// Steps of an aggregate are dated and recorded in order, so these are the first events of its
/// history. A record with no such event is absent.
pub async fn known_rows_as_of<R: StateRow>(
    database: &Database,
    generation: i64,
    known_at: DateTime<Utc>,
    as_of: DateTime<Utc>,
) -> Result<Vec<Known<R>>, sqlx::Error> {
    use hl_eventstore::Aggregate;
    let sql = format!(
        "SELECT * FROM {} WHERE context = $1 AND aggregate_type = $2 AND recorded_at <= $3 \
         AND occurred_at <= $4 ORDER BY aggregate_id, aggregate_version",
        StateEventRow::table(generation)
    );
    let selected = bind_all(
        sqlx::query(&sql),
        vec![
            Value::Text(R::State::CONTEXT.to_string()),
            Value::Text(R::State::AGGREGATE_TYPE.to_string()),
            Value::Int(known_at.timestamp_millis()),
            Value::Int(as_of.timestamp_millis()),
        ],
    )
    .fetch_all(database.pool())
    .await?;
    let mut known: Vec<Known<R>> = Vec::new();
    for selected in &selected {
        let stored = <StateEventRow as crate::Columns>::from_row(selected)?;
        let (event, meta) = decode::<<R::State as Aggregate>::Event>(&stored)?;
        let starts_record = known
            .last()
            .is_none_or(|last| last.aggregate_id != meta.aggregate_id);
        if starts_record {
            known.push(Known {
                aggregate_id: meta.aggregate_id.clone(),
                row: R::default(),
                events: Vec::new(),
            });
        }
        let record = known.last_mut().expect("a record was just pushed");
        record.row.state_mut().apply(&event, &meta);
        record.row.refresh(&meta);
        record.events.push(EventStep {
            event_id: meta.event_id.clone(),
            occurred_at: meta.occurred_at,
            recorded_at: meta.recorded_at,
        });
    }
    Ok(known)
}

fn decode<E: DomainEvent>(stored: &StateEventRow) -> Result<(E, EventMeta), sqlx::Error> {
    let corrupt = |problem: String| {
        sqlx::Error::Decode(format!("state event {}: {problem}", stored.event_id).into())
    };
    let bytes = hex::decode(&stored.envelope).map_err(|error| corrupt(error.to_string()))?;
    let envelope = EventEnvelope::decode(bytes.as_slice()).map_err(|e| corrupt(e.to_string()))?;
    let event = E::decode_payload(
        &envelope.event_type,
        envelope.schema_version,
        &envelope.payload,
    )
    .map_err(|error| corrupt(error.to_string()))?;
    Ok((event, envelope_meta(&envelope)))
}
