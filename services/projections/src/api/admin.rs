//! ProjectionAdminService: where the read models stand, rebuilding them, at a province the
//! completeness of what the districts' streams delivered, and the outbound feeds' deliveries.

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use hl_domain::reasons;
use hl_proto::ledger::v1 as pb;
use hl_proto::ledger::v1::projection_admin_service_server::ProjectionAdminService;
use hl_runtime::{ErrorCode, ServiceError, Violations, caller};
use tonic::{Request, Response, Status};

use super::{Shared, freshness};
use crate::outbound::OutboundFeed;
use crate::province::ProvinceAudit;
use crate::service::RebuildError;

/// The read models, at a province its completeness audit, and the outbound feeds.
#[derive(Clone)]
pub struct AdminGrpc(
    pub Shared,
    pub Option<Arc<ProvinceAudit>>,
    /// The outbound feeds; none where neither HL_OUTBOUND_DIR nor HL_OUTBOUND_URL is set.
    pub Vec<Arc<OutboundFeed>>,
);

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
        let body = request.into_inner();
        let mut violations = Violations::new();
        violations.request_id(&body.request_id);
        violations.into_result()?;
        hl_domain::access::require_bureau(&actor, &self.0.region, "rebuild the read models")
            .map_err(ServiceError::from)?;
        let rebuild = self.0.rebuild_as(&body.request_id, &actor).await;
        let progress = rebuild.map_err(|error| match error {
            RebuildError::AlreadyRunning => ServiceError::precondition(
                reasons::REBUILD_RUNNING,
                "a rebuild is already running; watch GetProjectionStatus",
            ),
            RebuildError::RequestIdOfAnotherCaller(_) => ServiceError::permission_denied(
                reasons::REQUEST_ID_OF_ANOTHER_CALLER,
                error.to_string(),
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

    async fn get_federation_completeness(
        &self,
        request: Request<pb::GetFederationCompletenessRequest>,
    ) -> Result<Response<pb::FederationCompleteness>, Status> {
        let actor = caller(&request)?;
        hl_domain::access::require_district_reader(&actor, &self.0.region)
            .map_err(ServiceError::from)?;
        let Some(audit) = &self.1 else {
            return Err(ServiceError::precondition(
                reasons::NOT_A_PROVINCE,
                "this service follows no districts; ask the province's projections service",
            )
            .into());
        };
        let region = &request.get_ref().region;
        let districts = audit.districts();
        if !region.is_empty() && !districts.iter().any(|district| &district.region == region) {
            let known: Vec<&str> = districts
                .iter()
                .map(|district| district.region.as_str())
                .collect();
            return Err(ServiceError::invalid_field(
                "region",
                format!(
                    "{region:?} is not a district of this province (its districts: {})",
                    known.join(", ")
                ),
            )
            .into());
        }
        let latest = audit.latest();
        let Some(audited_at) = latest.audited_at else {
            return Err(
                first_round_pending("the first completeness audit", latest.last_error).into(),
            );
        };
        let sources: Vec<pb::SourceCompleteness> = latest
            .sources
            .iter()
            .filter(|source| region.is_empty() || &source.region == region)
            .map(source_completeness)
            .collect();
        let flag_count = sources
            .iter()
            .map(|source| source.flags.len())
            .sum::<usize>();
        Ok(Response::new(pb::FederationCompleteness {
            audited_at: Some(hl_proto::timestamp(audited_at)),
            last_error: latest.last_error.unwrap_or_default(),
            flag_count: i32::try_from(flag_count).unwrap_or(i32::MAX),
            sources,
        }))
    }

    async fn get_outbound_status(
        &self,
        request: Request<pb::GetOutboundStatusRequest>,
    ) -> Result<Response<pb::OutboundStatus>, Status> {
        let actor = caller(&request)?;
        hl_domain::access::require_district_reader(&actor, &self.0.region)
            .map_err(ServiceError::from)?;
        if self.2.is_empty() {
            return Err(ServiceError::precondition(
                reasons::OUTBOUND_OFF,
                "this service runs no outbound feeds; set HL_OUTBOUND_DIR or HL_OUTBOUND_URL to run them",
            )
            .into());
        }
        let feeds = self
            .2
            .iter()
            .map(|feed| outbound_feed_status(feed))
            .collect();
        Ok(Response::new(pb::OutboundStatus { feeds }))
    }
}

/// UNAVAILABLE until the first audit round ends, with why the last attempt failed.
fn first_round_pending(what: &str, last_error: Option<String>) -> ServiceError {
    ServiceError::unavailable(format!(
        "{what} has not ended yet{}; retry",
        last_error
            .map(|error| format!(" ({error})"))
            .unwrap_or_default()
    ))
}

/// Sources held back that one answer lists.
const HELD_LISTED: usize = 100;

fn outbound_feed_status(feed: &OutboundFeed) -> pb::OutboundFeedStatus {
    let status = feed.status();
    let date = |day: chrono::NaiveDate| hl_proto::common::v1::Date::from(day);
    pb::OutboundFeedStatus {
        feed: feed.feed().name().to_string(),
        object: feed.feed().object().to_string(),
        round_at: status.round_at.map(hl_proto::timestamp),
        last_error: status.last_error.unwrap_or_default(),
        batches: status.totals.batches,
        unacknowledged_batches: status.totals.unacknowledged,
        records: status.totals.records,
        last_acknowledged_at: status
            .totals
            .last_acknowledged_at
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(hl_proto::timestamp),
        held: status
            .round
            .held
            .iter()
            .take(HELD_LISTED)
            .map(|(source_id, reason)| pb::HeldRecord {
                source_id: source_id.clone(),
                reason: reason.to_string(),
            })
            .collect(),
        held_total: i32::try_from(status.round.held.len()).unwrap_or(i32::MAX),
        late_decisions: status
            .late
            .iter()
            .map(|late| pb::LateDecision {
                case_id: late.case_id.clone(),
                decided_on: Some(date(late.decided_on)),
                due_on: late.due_on.map(date),
                delivered_on: late.delivered_on.map(date),
            })
            .collect(),
    }
}

fn source_completeness(source: &hl_federation::SourceCompleteness) -> pb::SourceCompleteness {
    pb::SourceCompleteness {
        region: source.region.clone(),
        district_name: source.district_name.clone(),
        context: source.context.clone(),
        arrived: source.arrived,
        province_sequence: source.province_sequence,
        district_sequence: source.district_sequence,
        lag_events: source.lag_events,
        lag_seconds: source.lag.map(|lag| lag.as_secs_f64()),
        seconds_since_last_event: source.since_last_event.map(|since| since.as_secs_f64()),
        flags: source
            .flags
            .iter()
            .map(|flag| pb::CompletenessFlag {
                kind: flag_kind(flag.kind) as i32,
                detail: flag.detail.clone(),
                action: flag.action.clone(),
            })
            .collect(),
    }
}

fn flag_kind(kind: hl_federation::FlagKind) -> pb::CompletenessFlagKind {
    use hl_federation::FlagKind;
    match kind {
        FlagKind::Stalled => pb::CompletenessFlagKind::Stalled,
        FlagKind::Silent => pb::CompletenessFlagKind::Silent,
        FlagKind::Gap => pb::CompletenessFlagKind::Gap,
        FlagKind::Unreachable => pb::CompletenessFlagKind::Unreachable,
    }
}
