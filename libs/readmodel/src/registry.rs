//! Read models and the registry of them. A context contributes its read models with one
//! registration call; the projector follows every stream some model reads, decodes each commit
//! with the model of its aggregate type, and applies a batch model by model in one transaction.
//! The projector itself knows no aggregate type.

use std::any::Any;
use std::collections::BTreeSet;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use hl_eventstore::{EventMeta, decode_events};
use hl_proto::DomainEvent;
use hl_proto::events::v1::Commit as StoredCommit;
use sqlx::AnyConnection;

use crate::table::TableSpec;

/// One commit of a model's aggregate type, decoded: its stream sequence and its events.
#[derive(Clone, Debug)]
pub struct Commit<E> {
    pub sequence: u64,
    pub events: Vec<(E, EventMeta)>,
}

impl<E> Commit<E> {
    /// The aggregate the commit belongs to.
    pub fn aggregate_id(&self) -> &str {
        self.events
            .first()
            .map_or("", |(_, meta)| meta.aggregate_id.as_str())
    }
}

/// Where an event sits in the stream: its commit's sequence and its place in the commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub sequence: u64,
    pub index: u64,
}

impl<E> Commit<E> {
    /// The events with their positions.
    pub fn positioned(&self) -> impl Iterator<Item = (&E, &EventMeta, Position)> {
        self.events
            .iter()
            .enumerate()
            .map(|(index, (event, meta))| {
                (
                    event,
                    meta,
                    Position {
                        sequence: self.sequence,
                        index: index as u64,
                    },
                )
            })
    }
}

/// A read model: the tables it keeps and how a batch of its aggregate's commits changes them.
pub trait ReadModel: Send + Sync + 'static {
    /// The events of the aggregate it folds.
    type Event: DomainEvent;
    /// The stream (bounded context) it reads.
    const CONTEXT: &'static str;
    /// The aggregate type whose commits it folds, as in the subject.
    const AGGREGATE_TYPE: &'static str;

    /// Its tables, created in every generation.
    fn tables(&self) -> Vec<TableSpec>;

    /// Applies a batch of commits, in stream order, inside the projector's transaction (which
    /// also writes the checkpoint). Commits at or below what a row already reflects may come
    /// again after a crash; the fold skips them by the row's version.
    fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        commits: Vec<Commit<Self::Event>>,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
}

/// A decoded commit on its way from the reader to the writer.
pub struct DecodedCommit {
    pub sequence: u64,
    /// Events in the commit.
    pub events: u64,
    /// recorded_at of its last event.
    pub recorded_at: Option<DateTime<Utc>>,
    /// Which model decoded it; None for a commit with no events.
    model: Option<usize>,
    payload: Box<dyn Any + Send>,
}

/// A model with its types erased, so models of every context sit in one list.
trait ErasedModel: Send + Sync {
    fn context(&self) -> &'static str;
    fn aggregate_type(&self) -> &'static str;
    fn event_types(&self) -> Vec<String>;
    fn tables(&self) -> Vec<TableSpec>;
    fn decode(&self, sequence: u64, commit: StoredCommit) -> Result<Box<dyn Any + Send>, String>;
    fn apply<'a>(
        &'a self,
        connection: &'a mut AnyConnection,
        generation: i64,
        payloads: Vec<Box<dyn Any + Send>>,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>>;
}

struct Erased<M>(M);

impl<M: ReadModel> ErasedModel for Erased<M> {
    fn context(&self) -> &'static str {
        M::CONTEXT
    }

    fn aggregate_type(&self) -> &'static str {
        M::AGGREGATE_TYPE
    }

    fn event_types(&self) -> Vec<String> {
        M::Event::event_types()
    }

    fn tables(&self) -> Vec<TableSpec> {
        self.0.tables()
    }

    fn decode(&self, sequence: u64, commit: StoredCommit) -> Result<Box<dyn Any + Send>, String> {
        let decoded = decode_events::<M::Event>(commit)?;
        Ok(Box::new(Commit {
            sequence,
            events: decoded.events,
        }))
    }

    fn apply<'a>(
        &'a self,
        connection: &'a mut AnyConnection,
        generation: i64,
        payloads: Vec<Box<dyn Any + Send>>,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        let commits = payloads
            .into_iter()
            .map(|payload| {
                *payload
                    .downcast::<Commit<M::Event>>()
                    .expect("a payload goes back to the model that decoded it")
            })
            .collect();
        Box::pin(self.0.apply(connection, generation, commits))
    }
}

/// Decodes an aggregate type's commits, so a malformed one still stops the projector, but keeps
/// nothing of them.
struct CheckOnly<E> {
    context: &'static str,
    aggregate_type: &'static str,
    events: PhantomData<fn() -> E>,
}

impl<E: DomainEvent> ErasedModel for CheckOnly<E> {
    fn context(&self) -> &'static str {
        self.context
    }

    fn aggregate_type(&self) -> &'static str {
        self.aggregate_type
    }

    fn event_types(&self) -> Vec<String> {
        E::event_types()
    }

    fn tables(&self) -> Vec<TableSpec> {
        Vec::new()
    }

    fn decode(&self, _sequence: u64, commit: StoredCommit) -> Result<Box<dyn Any + Send>, String> {
        decode_events::<E>(commit)?;
        Ok(Box::new(()))
    }

    fn apply<'a>(
        &'a self,
        _connection: &'a mut AnyConnection,
        _generation: i64,
        _payloads: Vec<Box<dyn Any + Send>>,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async { Ok(()) })
    }
}

/// Every read model of the suite.
#[derive(Clone, Default)]
pub struct Registry {
    models: Vec<Arc<dyn ErasedModel>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a read model.
    pub fn add<M: ReadModel>(&mut self, model: M) -> &mut Self {
        self.push(Arc::new(Erased(model)))
    }

    /// Has an aggregate type's commits decoded (a malformed one stops the projector) without
    /// keeping anything of them.
    pub fn check_only<E: DomainEvent>(
        &mut self,
        context: &'static str,
        aggregate_type: &'static str,
    ) -> &mut Self {
        self.push(Arc::new(CheckOnly::<E> {
            context,
            aggregate_type,
            events: PhantomData,
        }))
    }

    fn push(&mut self, model: Arc<dyn ErasedModel>) -> &mut Self {
        assert!(
            self.model_of(model.context(), model.aggregate_type())
                .is_none(),
            "two read models of {}.{}",
            model.context(),
            model.aggregate_type()
        );
        self.models.push(model);
        self
    }

    /// What the models decode: each (context, aggregate type) with its event types.
    pub fn vocabulary(&self) -> Vec<(&'static str, &'static str, Vec<String>)> {
        self.models
            .iter()
            .map(|model| (model.context(), model.aggregate_type(), model.event_types()))
            .collect()
    }

    /// The streams the models read, in name order.
    pub fn contexts(&self) -> Vec<&'static str> {
        self.models
            .iter()
            .map(|model| model.context())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// Every table of every model, each once (the state models share their events' table).
    pub fn tables(&self) -> Vec<TableSpec> {
        let mut seen = BTreeSet::new();
        self.models
            .iter()
            .flat_map(|model| model.tables())
            .filter(|table| seen.insert(table.name))
            .collect()
    }

    fn model_of(&self, context: &str, aggregate_type: &str) -> Option<usize> {
        self.models.iter().position(|model| {
            model.context() == context && model.aggregate_type() == aggregate_type
        })
    }

    /// Decodes one stored commit of a context's stream with its aggregate type's model.
    pub fn decode(
        &self,
        context: &str,
        sequence: u64,
        commit: StoredCommit,
    ) -> Result<DecodedCommit, String> {
        let Some(first) = commit.events.first() else {
            return Ok(DecodedCommit {
                sequence,
                events: 0,
                recorded_at: None,
                model: None,
                payload: Box::new(()),
            });
        };
        let aggregate_type = first.aggregate_type.clone();
        let model = self
            .model_of(context, &aggregate_type)
            .ok_or_else(|| format!("no read model knows aggregate type {aggregate_type:?}"))?;
        let events = commit.events.len() as u64;
        let recorded_at = commit
            .events
            .last()
            .and_then(|envelope| envelope.recorded_at.as_ref())
            .and_then(hl_proto::instant);
        let payload = self.models[model].decode(sequence, commit)?;
        Ok(DecodedCommit {
            sequence,
            events,
            recorded_at,
            model: Some(model),
            payload,
        })
    }

    /// Applies a batch of decoded commits, each model its own in stream order.
    pub async fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        batch: Vec<DecodedCommit>,
    ) -> Result<(), sqlx::Error> {
        let mut per_model: Vec<Vec<Box<dyn Any + Send>>> =
            self.models.iter().map(|_| Vec::new()).collect();
        for commit in batch {
            if let Some(model) = commit.model {
                per_model[model].push(commit.payload);
            }
        }
        for (model, payloads) in self.models.iter().zip(per_model) {
            if !payloads.is_empty() {
                model.apply(connection, generation, payloads).await?;
            }
        }
        Ok(())
    }
}
