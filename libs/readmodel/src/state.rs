//! The simplest read model: one row per aggregate that keeps the aggregate's state as its own
//! `apply` folds it (a [`Json`](crate::Json) column), with the columns queries filter on copied
//! beside it. Nothing of the domain is written twice: a query reads the state and asks it. Its
//! events are kept too ([`crate::history`]), for readings as the ledger knew them at any time.

use std::marker::PhantomData;

use hl_eventstore::{Aggregate, EventMeta};
use sqlx::AnyConnection;

use crate::history::{self, StateEventRow};
use crate::{Commit, ReadModel, Table, TableSpec, fold_rows};

/// A row that keeps an aggregate's state.
pub trait StateRow: Table + Default + Clone + 'static {
    type State: Aggregate;

    fn state_mut(&mut self) -> &mut Self::State;

    /// Copies what the queries filter on from the state, after `meta`'s event.
    fn refresh(&mut self, meta: &EventMeta);
}

/// The read model of a [`StateRow`].
pub struct StateModel<R>(PhantomData<fn() -> R>);

impl<R> StateModel<R> {
    pub fn new() -> Self {
        StateModel(PhantomData)
    }
}

impl<R> Default for StateModel<R> {
    fn default() -> Self {
        StateModel::new()
    }
}

impl<R: StateRow> ReadModel for StateModel<R> {
    type Event = <R::State as Aggregate>::Event;
    const CONTEXT: &'static str = <R::State as Aggregate>::CONTEXT;
    const AGGREGATE_TYPE: &'static str = <R::State as Aggregate>::AGGREGATE_TYPE;

    fn tables(&self) -> Vec<TableSpec> {
        vec![TableSpec::of::<R>(), TableSpec::of::<StateEventRow>()]
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        commits: Vec<Commit<Self::Event>>,
    ) -> Result<(), sqlx::Error> {
        fold_rows(
            connection,
            generation,
            &commits,
            |row: &mut R, event, meta, _| {
                row.state_mut().apply(event, meta);
                row.refresh(meta);
            },
        )
        .await?;
        history::record(
            connection,
            generation,
            Self::CONTEXT,
            Self::AGGREGATE_TYPE,
            &commits,
        )
        .await
    }
}
