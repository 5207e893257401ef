//! The enforcement queries of LedgerService: inspections and penalty cases, each row's state as
//! the domain folded it and its clock read on the day asked about.

use hl_domain::clock::local_date;
use hl_enforcement::api::resources;
use hl_enforcement::read_models::cases::CaseRow;
use hl_enforcement::read_models::inspections::InspectionRow;
use hl_proto::enforcement::v1::InspectionStatus;
use hl_proto::ledger::v1 as pb;
use hl_readmodel::{Columns, Table};
use hl_runtime::pagination::list;
use hl_runtime::{Violations, caller};
use tonic::{Request, Response, Status};

use super::{Asked, Shared, database_error, freshness, restrict};
use crate::reader::Scope;

/// Every row of a read model's table in the serving generation.
async fn rows<R: Table + Columns>(shared: &Shared) -> Result<Vec<R>, Status> {
    let rows = sqlx::query(&format!(
        "SELECT * FROM {} ORDER BY {}",
        R::table(shared.generation()),
        R::KEY[0]
    ))
    .fetch_all(shared.database.pool())
    .await
    .map_err(database_error)?;
    rows.iter()
        .map(|row| R::from_row(row).map_err(database_error))
        .collect()
}

/// Whether a record of an enterprise in a township is within the (restricted) scope.
fn in_scope(scope: &Scope, enterprise_id: &str, township_code: &str) -> bool {
    scope
        .enterprise_id
        .as_deref()
        .is_none_or(|wanted| wanted == enterprise_id)
        && scope
            .township_code
            .as_deref()
            .is_none_or(|wanted| township_code.starts_with(wanted))
}

pub async fn list_inspections(
    shared: &Shared,
    request: Request<pb::ListInspectionsRequest>,
) -> Result<Response<pb::ListInspectionsResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let mut scope = Asked {
        enterprise_id: &body.enterprise_id,
        township_code: &body.township_code,
        ..Asked::at(None, None)
    }
    .scope(&mut violations, false);
    let status = violations.optional_enumeration::<InspectionStatus>("status", body.status);
    if !body.officer_id.is_empty() {
        violations.identifier("officer_id", &body.officer_id);
    }
    violations.into_result()?;
    restrict(&mut scope, &actor, &shared.region)?;
    let query = format!(
        "enterprise={}&township={}&officer={}&status={}",
        body.enterprise_id, body.township_code, body.officer_id, body.status
    );
    let matching = rows::<InspectionRow>(shared)
        .await?
        .into_iter()
        .filter(|row| in_scope(&scope, &row.enterprise_id, &row.township_code))
        .filter(|row| body.officer_id.is_empty() || row.officer_ids.contains(&body.officer_id))
        .filter(|row| {
            status.is_none_or(|wanted| {
                wanted == InspectionStatus::Unspecified || wanted == row.status
            })
        })
        .map(|row| {
            let inspection = resources::inspection(&row.state.0, row.version);
            (row.inspection_id, inspection)
        })
        .collect();
    let listed = list(matching, body.page_size, &body.page_token, &query)?;
    Ok(Response::new(pb::ListInspectionsResponse {
        inspections: listed.items,
        next_page_token: listed.next_page_token,
        total_size: listed.total_size,
        freshness: Some(freshness(shared)),
    }))
}

pub async fn list_penalty_cases(
    shared: &Shared,
    request: Request<pb::ListPenaltyCasesRequest>,
) -> Result<Response<pb::ListPenaltyCasesResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let mut scope = Asked {
        enterprise_id: &body.enterprise_id,
        township_code: &body.township_code,
        ..Asked::at(body.as_of.as_ref(), None)
    }
    .scope(&mut violations, false);
    violations.into_result()?;
    restrict(&mut scope, &actor, &shared.region)?;
    let as_of = scope.as_of;
    let day = local_date(as_of);
    let query = format!(
        "enterprise={}&township={}&open={}&overdue={}&as_of={}",
        body.enterprise_id,
        body.township_code,
        body.open_only,
        body.overdue_only,
        as_of.timestamp_millis()
    );
    let matching = rows::<CaseRow>(shared)
        .await?
        .into_iter()
        .filter(|row| in_scope(&scope, &row.enterprise_id, &row.township_code))
        .filter(|row| !body.open_only || row.is_open())
        .filter(|row| !body.overdue_only || row.state.0.clock.reading(day).overdue)
        .map(|row| {
            let case = resources::penalty_case(&row.state.0, row.version, as_of);
            (row.case_id, case)
        })
        .collect();
    let listed = list(matching, body.page_size, &body.page_token, &query)?;
    Ok(Response::new(pb::ListPenaltyCasesResponse {
        cases: listed.items,
        next_page_token: listed.next_page_token,
        total_size: listed.total_size,
        freshness: Some(freshness(shared)),
    }))
}
