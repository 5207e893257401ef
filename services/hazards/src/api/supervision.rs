//! Supervision orders change two kinds of aggregate: the order, and each hazard it lists. The
//! order's commit comes first; then each hazard is listed (or delisted) by its own command, whose
//! request_id is derived from the order's. Retrying the call with the same request_id replays the
//! order and finishes any hazard that was not done yet, so the pair converges without a
//! distributed transaction.

use chrono::Utc;
use hl_proto::common::v1::{Actor, CommitInfo};
use hl_proto::hazards::v1 as pb;
use hl_runtime::{ServiceError, Violations};
use tonic::{Request, Response, Status};

use super::requests::{self, HAZARDS, SUPERVISION_ORDERS};
use super::{HazardsGrpc, begin, execute, new_id, request_meta, resources};
use crate::domain::DomainError;
use crate::domain::hazard::HazardCommand;
use crate::domain::supervision::{SupervisionOrder, SupervisionOrderCommand};
use hl_eventstore::RequestMeta;

pub(super) async fn issue(
    service: &HazardsGrpc,
    request: Request<pb::IssueSupervisionOrderRequest>,
) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
    let api = &service.0;
    let (actor, mut violations) = begin(&request, &request.get_ref().request_id)?;
    let body = request.into_inner();
    let issue = requests::issue_order(&mut violations, &body, &api.region);
    violations.into_result()?;
    let id = new_id("supervision_order", &body.order_id, &body.request_id);

    // Every hazard must be listable before the order is recorded.
    let mut problems = Violations::new();
    for (index, hazard_id) in issue.hazard_ids.iter().enumerate() {
        let loaded = api
            .hazards
            .load(hazard_id)
            .await
            .map_err(ServiceError::from)?;
        let hazard = &loaded.state;
        let problem = if !loaded.exists() {
            Some("does not exist".to_string())
        } else if !hazard.is_major() {
            Some("is not graded 重大".to_string())
        } else if hazard.status == pb::HazardStatus::Closed {
            Some("is closed out".to_string())
        } else {
            match &hazard.listing {
                Some(listing) if listing.supervision_order_id != id => Some(format!(
                    "is listed under supervision order {}",
                    listing.supervision_order_id
                )),
                _ => None,
            }
        };
        if let Some(problem) = problem {
            problems.add(
                format!("hazard_ids[{index}]"),
                format!("{HAZARDS}/{hazard_id} {problem}"),
            );
        }
    }
    problems.into_result()?;

    let meta = request_meta(&body.request_id, &actor, None);
    let command = SupervisionOrderCommand::Issue(issue.clone());
    let executed = execute(&api.orders, &id, &command, &meta).await?;
    let hazard_commits = follow_up(
        service,
        &actor,
        &meta,
        &id,
        &executed.state,
        Follow::List(issue.level),
    )
    .await?;
    Ok(Response::new(pb::SupervisionOrderCommandResponse {
        order: Some(resources::supervision_order(
            &executed.state,
            executed.version,
            Utc::now(),
        )),
        commit: Some(resources::commit_info(SUPERVISION_ORDERS, &id, &executed)),
        hazard_commits,
    }))
}

pub(super) async fn command<T>(
    service: &HazardsGrpc,
    request: Request<T>,
    request_id: impl Fn(&T) -> &str,
    name: impl Fn(&T) -> &str,
    build: impl FnOnce(&mut Violations, &T) -> SupervisionOrderCommand,
) -> Result<Response<pb::SupervisionOrderCommandResponse>, Status> {
    let api = &service.0;
    let request_id = request_id(request.get_ref()).to_string();
    let (actor, mut violations) = begin(&request, &request_id)?;
    let body = request.into_inner();
    let id = violations.resource_id("name", name(&body), SUPERVISION_ORDERS);
    let command = build(&mut violations, &body);
    violations.into_result()?;
    let id = id.expect("validated");
    let meta = request_meta(&request_id, &actor, None);
    let executed = execute(&api.orders, &id, &command, &meta).await?;
    let hazard_commits = if matches!(command, SupervisionOrderCommand::Delist { .. }) {
        follow_up(service, &actor, &meta, &id, &executed.state, Follow::Delist).await?
    } else {
        Vec::new()
    };
    Ok(Response::new(pb::SupervisionOrderCommandResponse {
        order: Some(resources::supervision_order(
            &executed.state,
            executed.version,
            Utc::now(),
        )),
        commit: Some(resources::commit_info(SUPERVISION_ORDERS, &id, &executed)),
        hazard_commits,
    }))
}

enum Follow {
    List(pb::SupervisionLevel),
    Delist,
}

/// Lists or delists each hazard of the order. A hazard that no longer qualifies (closed,
/// delisted by hand in between) is skipped and logged; a store failure fails the call, whose
/// retry finishes the work.
async fn follow_up(
    service: &HazardsGrpc,
    actor: &Actor,
    order_meta: &RequestMeta,
    order_id: &str,
    order: &SupervisionOrder,
    follow: Follow,
) -> Result<Vec<CommitInfo>, Status> {
    let (step, command) = match follow {
        Follow::List(level) => (
            "list",
            HazardCommand::MarkListed {
                supervision_order_id: order_id.to_string(),
                level,
            },
        ),
        Follow::Delist => (
            "delist",
            HazardCommand::MarkDelisted {
                supervision_order_id: Some(order_id.to_string()),
            },
        ),
    };
    let mut commits = Vec::new();
    for hazard_id in &order.hazard_ids {
        let meta = RequestMeta {
            request_id: format!("{}/{step}/{hazard_id}", order_meta.request_id),
            actor: actor.clone(),
            occurred_at: None,
            correlation_id: Some(order_meta.request_id.clone()),
        };
        match service.0.hazards.execute(hazard_id, &command, &meta).await {
            Ok(executed) => commits.push(resources::commit_info(HAZARDS, hazard_id, &executed)),
            Err(hl_eventstore::ExecuteError::Domain(
                refusal @ (DomainError::Precondition { .. } | DomainError::NotFound(_)),
            )) => {
                tracing::warn!(order_id, hazard_id, %refusal, "supervision order: hazard skipped");
            }
            Err(error) => return Err(ServiceError::from(error).into()),
        }
    }
    Ok(commits)
}
