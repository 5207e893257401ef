//! Supervision orders change two kinds of aggregate: the order, and each hazard it lists. The
//! order's commit comes first; then each hazard is listed (or delisted) by its own command, whose
//! request_id is derived from the order's. Retrying the call with the same request_id replays the
//! order and finishes any hazard that was not done yet, so the pair converges without a
//! distributed transaction.

use hl_eventstore::RequestMeta;
use hl_proto::common::v1::{Actor, CommitInfo};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::HazardStatus;
use hl_proto::requests::{CommandRequest, NamedRequest};
use hl_runtime::pipeline::{CommandCall, Committed, run_command};
use hl_runtime::{ServiceError, Violations};
use tonic::{Request, Response, Status};

use super::HazardsApi;
use super::requests::{self, HAZARDS, SUPERVISION_ORDERS};
use super::resources::respond_order;
use crate::domain::access;
use crate::domain::hazard::{HazardCommand, ListingOrder};
use crate::domain::supervision::{SupervisionOrder, SupervisionOrderCommand};

type OrderResponse = Result<Response<pb::SupervisionOrderCommandResponse>, Status>;

pub(super) async fn issue(
    api: &HazardsApi,
    request: Request<pb::IssueSupervisionOrderRequest>,
) -> OrderResponse {
    let mut call = CommandCall::from_request(request)?;
    let issue = requests::issue_order(&mut call.violations, &call.body, &api.region);
    call.check()?;
    require_bureau(api, &call.actor, "issue a supervision order (挂牌督办)")?;
    let id = call.new_id::<SupervisionOrder>(&call.body.order_id);
    check_listable(api, &issue.hazard_ids, &id).await?;
    let level = issue.level;
    let committed = call
        .run(
            &api.orders,
            Some(id.clone()),
            &SupervisionOrderCommand::Issue(issue),
        )
        .await?;
    let hazard_commits = follow_up(api, &call.meta(), &id, &committed, Follow::List(level)).await?;
    Ok(respond_order(committed, hazard_commits))
}

/// Only a bureau administrator of the district lists and delists (挂牌, 摘牌). Asked before any
/// order or hazard is read, so that a refused caller learns nothing of them: not whether a
/// hazard exists, is graded 重大, or under which order it is listed. The decision asks again, of
/// the record's own place.
pub(super) fn require_bureau(api: &HazardsApi, actor: &Actor, action: &str) -> Result<(), Status> {
    access::require_bureau(actor, &api.region, action)
        .map_err(|refusal| ServiceError::from(refusal).into())
}

/// Every hazard must be listable before the order is recorded.
async fn check_listable(
    api: &HazardsApi,
    hazard_ids: &[String],
    order_id: &str,
) -> Result<(), Status> {
    let mut problems = Violations::new();
    for (index, hazard_id) in hazard_ids.iter().enumerate() {
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
        } else if hazard.status() == HazardStatus::Closed {
            Some("is closed out".to_string())
        } else {
            let listed_under = &hazard.lifecycle.supervision_order_id;
            (hazard.lifecycle.is_listed() && listed_under != order_id)
                .then(|| format!("is listed under supervision order {listed_under}"))
        };
        if let Some(problem) = problem {
            problems.add(
                format!("hazard_ids[{index}]"),
                format!("{HAZARDS}/{hazard_id} {problem}"),
            );
        }
    }
    problems.into_result().map_err(Status::from)
}

/// A command on an existing order that touches no hazard.
pub(super) async fn change<T>(
    api: &HazardsApi,
    request: Request<T>,
    build: impl FnOnce(&mut Violations, &T) -> SupervisionOrderCommand,
) -> OrderResponse
where
    T: CommandRequest + NamedRequest,
{
    let mut call = CommandCall::from_request(request)?;
    let id = call.named(SUPERVISION_ORDERS);
    let command = build(&mut call.violations, &call.body);
    let committed = call.run(&api.orders, id, &command).await?;
    Ok(respond_order(committed, Vec::new()))
}

/// 摘牌: the order is delisted once every hazard it lists is verified; then each hazard is.
pub(super) async fn delist(
    api: &HazardsApi,
    request: Request<pb::DelistSupervisionOrderRequest>,
) -> OrderResponse {
    let mut call = CommandCall::from_request(request)?;
    let id = call.named(SUPERVISION_ORDERS);
    let mut command = requests::delist_order(&mut call.violations, &call.body);
    call.check()?;
    require_bureau(api, &call.actor, "delist a supervision order (摘牌)")?;
    let order_id = id.clone().expect("a checked request names its order");
    let order = api
        .orders
        .load(&order_id)
        .await
        .map_err(ServiceError::from)?;
    if let SupervisionOrderCommand::Delist { unverified, .. } = &mut command {
        *unverified = unverified_hazards(api, &order.state.hazard_ids).await?;
    }
    let committed = call.run(&api.orders, id, &command).await?;
    let hazard_commits =
        follow_up(api, &call.meta(), &order_id, &committed, Follow::Delist).await?;
    Ok(respond_order(committed, hazard_commits))
}

/// The hazards of a list that are neither verified nor closed out.
async fn unverified_hazards(
    api: &HazardsApi,
    hazard_ids: &[String],
) -> Result<Vec<String>, Status> {
    let mut unverified = Vec::new();
    for hazard_id in hazard_ids {
        let loaded = api
            .hazards
            .load(hazard_id)
            .await
            .map_err(ServiceError::from)?;
        let verified = matches!(
            loaded.state.status(),
            HazardStatus::Verified | HazardStatus::Closed
        );
        if loaded.exists() && !verified {
            unverified.push(format!("{HAZARDS}/{hazard_id}"));
        }
    }
    Ok(unverified)
}

enum Follow {
    List(pb::SupervisionLevel),
    Delist,
}

/// Lists or delists each hazard of the order. A hazard that no longer qualifies (closed,
/// delisted by hand in between) is skipped and logged; a store failure fails the call, whose
/// retry finishes the work.
async fn follow_up(
    api: &HazardsApi,
    order_meta: &RequestMeta,
    order_id: &str,
    order: &Committed<SupervisionOrder>,
    follow: Follow,
) -> Result<Vec<CommitInfo>, Status> {
    let (step, command) = match follow {
        Follow::List(level) => (
            "list",
            HazardCommand::MarkListed {
                supervision_order_id: order_id.to_string(),
                level,
                order: Some(ListingOrder {
                    status: order.state.status,
                    names_the_hazard: true,
                }),
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
    for hazard_id in &order.state.hazard_ids {
        let meta = RequestMeta {
            request_id: format!("{}/{step}/{hazard_id}", order_meta.request_id),
            actor: order_meta.actor.clone(),
            occurred_at: order_meta.occurred_at,
            correlation_id: Some(order_meta.request_id.clone()),
            migrated_by: order_meta.migrated_by.clone(),
        };
        match run_command(&api.hazards, hazard_id, &command, &meta).await {
            Ok(committed) => commits.push(committed.commit),
            Err(status) if skippable(&status) => {
                tracing::warn!(
                    order_id,
                    hazard_id,
                    message = status.message(),
                    "supervision order: hazard skipped"
                );
            }
            Err(status) => return Err(status),
        }
    }
    Ok(commits)
}

/// A hazard that no longer qualifies is skipped; anything else fails the call.
fn skippable(status: &Status) -> bool {
    matches!(
        status.code(),
        tonic::Code::FailedPrecondition | tonic::Code::NotFound
    )
}
