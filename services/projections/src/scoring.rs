//! The read side's scorer of evaluations, for a process that runs the responsibility context
//! beside the projections: a publication's totals are read from the evaluation table once the
//! read models hold every event recorded before the call.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hl_responsibility::scoring::EvaluationScorer;
use tonic::Status;
use tonic::metadata::MetadataMap;

use crate::api::LedgerGrpc;
use crate::api::evaluation::{CATCH_UP_WAIT, evaluation_table};
use crate::service::Projections;

pub struct ProjectionScorer(pub Arc<Projections>);

#[tonic::async_trait]
impl EvaluationScorer for ProjectionScorer {
    async fn totals(
        &self,
        evaluation_id: &str,
        at: DateTime<Utc>,
        _: &MetadataMap,
    ) -> Result<Vec<(String, f64)>, Status> {
        self.0.catch_up(CATCH_UP_WAIT).await?;
        let ledger = LedgerGrpc(self.0.clone());
        let table = evaluation_table(&ledger, evaluation_id, Some(at)).await?;
        Ok(table
            .rows
            .into_iter()
            .map(|row| (row.unit, row.total))
            .collect())
    }
}
