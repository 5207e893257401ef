//! Encoding a command's events as one commit message, and decoding it again.

use chrono::{DateTime, Utc};
use hl_proto::events::v1::{Commit, EventEnvelope};
use hl_proto::{DomainEvent, EventDecodeError, instant, timestamp};
use prost::Message;
use sha2::{Digest, Sha256};

use bytes::Bytes;
use uuid::Uuid;

use crate::repository::RequestMeta;
use hl_domain::{CommandContext, EventMeta};

/// SHA-256 of a commit message as stored, the link of an aggregate's hash chain.
pub fn commit_digest(payload: &[u8]) -> Vec<u8> {
    Sha256::digest(payload).to_vec()
}

/// A commit whose events decoded into an aggregate's event type.
#[derive(Clone, Debug)]
pub struct DecodedCommit<E> {
    pub request_id: String,
    pub previous_commit_sha256: Vec<u8>,
    pub events: Vec<(E, EventMeta)>,
}

/// Where a commit goes in its aggregate's history, and who asked for it.
pub struct CommitHeader<'a> {
    pub aggregate_type: &'a str,
    pub region: &'a str,
    /// The aggregate's version before the commit.
    pub version: u64,
    /// The digest of the aggregate's previous commit (empty for its first).
    pub previous_commit_sha256: &'a [u8],
    pub request: &'a RequestMeta,
    pub context: &'a CommandContext,
}

/// One command's events as the commit message stored on the aggregate's subject.
pub fn encode_commit<E: DomainEvent>(events: &[E], header: &CommitHeader<'_>) -> Bytes {
    let request = header.request;
    let context = header.context;
    let envelopes = events
        .iter()
        .enumerate()
        .map(|(index, event)| EventEnvelope {
            event_id: Uuid::now_v7().to_string(),
            event_type: event.event_type(),
            schema_version: event.schema_version(),
            aggregate_type: header.aggregate_type.to_string(),
            aggregate_id: context.aggregate_id.clone(),
            aggregate_version: header.version + index as u64 + 1,
            region: header.region.to_string(),
            occurred_at: Some(timestamp(context.occurred_at)),
            recorded_at: Some(timestamp(context.now)),
            actor: Some(request.actor.clone()),
            correlation_id: request
                .correlation_id
                .clone()
                .unwrap_or_else(|| request.request_id.clone()),
            causation_id: request.request_id.clone(),
            payload: event.encode_payload(),
            migrated_by: request.migrated_by.clone(),
        })
        .collect();
    let commit = Commit {
        events: envelopes,
        request_id: request.request_id.clone(),
        previous_commit_sha256: header.previous_commit_sha256.to_vec(),
    };
    Bytes::from(commit.encode_to_vec())
}

/// Decodes a stored commit message into events with their metadata.
pub fn decode_commit<E: DomainEvent>(payload: &[u8]) -> Result<DecodedCommit<E>, String> {
    let commit = Commit::decode(payload).map_err(|error| format!("not a commit: {error}"))?;
    decode_events(commit)
}

/// Decodes the events of a commit message already decoded, for readers that look at the
/// envelopes first (to pick the event type by aggregate type) and must not decode twice.
pub fn decode_events<E: DomainEvent>(commit: Commit) -> Result<DecodedCommit<E>, String> {
    let mut events = Vec::with_capacity(commit.events.len());
    for envelope in &commit.events {
        let event = E::decode_payload(
            &envelope.event_type,
            envelope.schema_version,
            &envelope.payload,
        )
        .map_err(|error: EventDecodeError| error.to_string())?;
        events.push((event, envelope_meta(envelope)));
    }
    Ok(DecodedCommit {
        request_id: commit.request_id,
        previous_commit_sha256: commit.previous_commit_sha256,
        events,
    })
}

/// The envelope's metadata, as `apply` sees it.
pub fn envelope_meta(envelope: &EventEnvelope) -> EventMeta {
    let time = |timestamp: &Option<hl_proto::Timestamp>| -> DateTime<Utc> {
        timestamp
            .as_ref()
            .and_then(instant)
            .unwrap_or(DateTime::UNIX_EPOCH)
    };
    EventMeta {
        event_id: envelope.event_id.clone(),
        aggregate_id: envelope.aggregate_id.clone(),
        aggregate_version: envelope.aggregate_version,
        occurred_at: time(&envelope.occurred_at),
        recorded_at: time(&envelope.recorded_at),
        actor: envelope.actor.clone().unwrap_or_default(),
        causation_id: envelope.causation_id.clone(),
        region: envelope.region.clone(),
        migrated_by: envelope.migrated_by.clone(),
    }
}
