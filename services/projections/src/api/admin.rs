//! ProjectionAdminService: where the read models stand, and rebuilding them.

use std::pin::Pin;

use futures::Stream;
use hl_domain::reasons;
use hl_proto::ledger::v1 as pb;
use hl_proto::ledger::v1::projection_admin_service_server::ProjectionAdminService;
use hl_runtime::{ErrorCode, ServiceError, caller};
use tonic::{Request, Response, Status};

use super::{Shared, freshness};
use crate::service::RebuildError;

#[derive(Clone)]
pub struct AdminGrpc(pub Shared);

type ProgressStream = Pin<Box<dyn Stream<Item = Result<pb::RebuildProgress, Status>> + Send>>;

#[tonic::async_trait]
impl ProjectionAdminService for AdminGrpc {
    async fn get_projection_status(
        &self,
        request: Request<pb::GetProjectionStatusRequest>,
    ) -> Result<Response<pb::ProjectionStatus>, Status> {
        caller(&request)?;
        let failures = self
            .0
            .statuses()
            .iter()
            .filter_map(|status| {
                status.failure().map(|failure| pb::ProjectionFailure {
                    stream: status.stream.clone(),
                    sequence: failure.sequence,
                    reason: failure.reason,
                    failed_at: chrono::DateTime::from_timestamp_millis(failure.at)
                        .map(hl_proto::timestamp),
                })
            })
            .collect();
        Ok(Response::new(pb::ProjectionStatus {
            active_generation: *self.0.generation(),
            freshness: Some(freshness(&self.0)),
            failures,
            rebuild: self.0.rebuild_progress(),
            database: self.0.database.dialect().name().to_string(),
        }))
    }

    type RebuildProjectionsStream = ProgressStream;

    async fn rebuild_projections(
        &self,
        request: Request<pb::RebuildProjectionsRequest>,
    ) -> Result<Response<ProgressStream>, Status> {
        let actor = caller(&request)?;
        hl_domain::access::require_bureau(&actor, &self.0.region, "rebuild the read models")
            .map_err(ServiceError::from)?;
        let progress = self.0.rebuild().await.map_err(|error| match error {
            RebuildError::AlreadyRunning => ServiceError::precondition(
                reasons::REBUILD_RUNNING,
                "a rebuild is already running; watch GetProjectionStatus",
            ),
            other => ServiceError::new(ErrorCode::Unavailable, other.to_string()),
        })?;
        let updates = tokio_stream::wrappers::WatchStream::new(progress);
        let stream = futures::StreamExt::scan(updates, false, |done, progress| {
            if *done {
                return futures::future::ready(None);
            }
            *done = progress.switched;
            futures::future::ready(Some(Ok(progress)))
        });
        Ok(Response::new(Box::pin(stream)))
    }
}
