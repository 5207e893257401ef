//! The enforcement queries of LedgerService: inspections and penalty cases, each row's state as
//! the domain folded it and its clock read on the day asked about.

use std::collections::BTreeMap;

use chrono::Datelike;
use hl_domain::access::require_district_reader;
use hl_domain::clock::local_date;
use hl_enforcement::api::{INSPECTION_PLANS, resources};
use hl_enforcement::domain::inspection::Inspection;
use hl_enforcement::domain::plan::{coverage, share};
use hl_enforcement::read_models::cases::CaseRow;
use hl_enforcement::read_models::inspections::InspectionRow;
use hl_enforcement::read_models::planning::PlanRow;
use hl_enforcement::read_models::reviews::ReviewRow;
use hl_proto::enforcement::v1::{FileGrade, InspectionStatus, InspectionType, ReviewedFile};
use hl_proto::ledger::v1 as pb;
use hl_proto::responsibility::v1::Industry;
use hl_readmodel::{Columns, Table};
use hl_runtime::pagination::list;
use hl_runtime::validation::resource_id;
use hl_runtime::{ServiceError, Violations, caller};
use tonic::{Request, Response, Status};

use super::{Asked, Shared, begin_read, database_error, freshness, restrict};
use crate::reader::{self, Scope};

/// Every row of a read model's table in the serving generation.
async fn rows<R: Table + Columns>(shared: &Shared) -> Result<Vec<R>, Status> {
    reader::all_rows(&mut begin_read(shared).await?, *shared.generation())
        .await
        .map_err(database_error)
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
    for (field, value) in [("officer_id", &body.officer_id), ("plan_id", &body.plan_id)] {
        if !value.is_empty() {
            violations.identifier(field, value);
        }
    }
    violations.into_result()?;
    restrict(&mut scope, &actor, &shared.region)?;
    let query = format!(
        "enterprise={}&township={}&officer={}&status={}&plan={}",
        body.enterprise_id, body.township_code, body.officer_id, body.status, body.plan_id
    );
    let matching = rows::<InspectionRow>(shared)
        .await?
        .into_iter()
        .filter(|row| in_scope(&scope, &row.enterprise_id, &row.township_code))
        .filter(|row| body.officer_id.is_empty() || row.officer_ids.contains(&body.officer_id))
        .filter(|row| body.plan_id.is_empty() || row.plan_id == body.plan_id)
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

pub async fn get_plan_coverage(
    shared: &Shared,
    request: Request<pb::GetPlanCoverageRequest>,
) -> Result<Response<pb::PlanCoverage>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let plan_id = resource_id("name", &body.name, INSPECTION_PLANS)?.to_string();
    let mut violations = Violations::new();
    let as_of = violations.as_of(body.as_of.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    let Some(plan) = rows::<PlanRow>(shared)
        .await?
        .into_iter()
        .find(|row| row.plan_id == plan_id)
    else {
        return Err(ServiceError::not_found(format!("{INSPECTION_PLANS}/{plan_id}")).into());
    };
    let plan = plan.state.0;
    let completed = completed_in_year(shared, plan.year, as_of).await?;
    let coverage = coverage(
        &plan,
        completed.iter().map(|visit| visit.enterprise_id.as_str()),
    );
    let (mines, consulted) = expert_consultations(shared, plan.year, as_of, &completed).await?;
    let (mines, consulted) = (mines.len() as u32, consulted.len() as u32);
    let grades = coverage
        .grades
        .iter()
        .map(|grade| pb::GradeCoverage {
            grade: grade.grade as i32,
            enterprises: grade.enterprises,
            visits_required: grade.visits_required,
            visits_done: grade.visits_done,
            coverage: share(grade.visits_done, grade.visits_required),
        })
        .collect();
    Ok(Response::new(pb::PlanCoverage {
        plan_id: plan.plan_id.clone(),
        year: plan.year,
        status: plan.status as i32,
        grades,
        visits_required: coverage.visits_required(),
        visits_done: coverage.visits_done(),
        coverage: share(coverage.visits_done(), coverage.visits_required()),
        unvisited_enterprise_ids: coverage.unvisited,
        non_coal_mines: mines,
        non_coal_mines_with_expert_consultation: consulted,
        expert_consultation_share: share(u64::from(consulted), u64::from(mines)),
        freshness: Some(freshness(shared)),
    }))
}

/// T14: the district's non-coal mines in the registry (on the day asked about, within the plan's
/// year), and how many of them had a completed expert consultation that year.
/// The inspections completed in a year by a moment.
pub(super) async fn completed_in_year(
    shared: &Shared,
    year: i32,
    as_of: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Inspection>, Status> {
    Ok(rows::<InspectionRow>(shared)
        .await?
        .into_iter()
        .map(|row| row.state.0)
        .filter(|inspection| {
            inspection
                .completed_at
                .is_some_and(|at| at <= as_of && local_date(at).year() == year)
        })
        .collect())
}

/// T14: the district's non-coal mines on the day read (the year's last day at most), and those
/// of them with a completed expert consultation (专家会诊) among `completed`, by credit code.
pub(super) async fn expert_consultations(
    shared: &Shared,
    year: i32,
    as_of: chrono::DateTime<chrono::Utc>,
    completed: &[Inspection],
) -> Result<(Vec<String>, Vec<String>), Status> {
    let year_end = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    let day = local_date(as_of).min(year_end);
    let enterprises = reader::enterprises_on(
        &mut begin_read(shared).await?,
        *shared.generation(),
        day,
        None,
    )
    .await
    .map_err(database_error)?;
    let mines: Vec<String> = enterprises
        .iter()
        .filter(|(_, enterprise)| {
            enterprise
                .attributes
                .industries
                .contains(&(Industry::NonCoalMine as i32))
        })
        .map(|(id, _)| id.clone())
        .collect();
    let consulted = mines
        .iter()
        .filter(|mine| {
            completed.iter().any(|visit| {
                visit.enterprise_id == **mine
                    && visit.inspection_type == InspectionType::ExpertConsultation
            })
        })
        .cloned()
        .collect();
    Ok((mines, consulted))
}

pub async fn list_case_file_grades(
    shared: &Shared,
    request: Request<pb::ListCaseFileGradesRequest>,
) -> Result<Response<pb::ListCaseFileGradesResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    violations.year("year", body.year);
    if !body.township_code.is_empty() {
        violations.identifier("township_code", &body.township_code);
    }
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    let files: Vec<ReviewedFile> = rows::<ReviewRow>(shared)
        .await?
        .into_iter()
        .filter(|row| row.year == body.year)
        .flat_map(|row| row.state.0.files)
        .filter(|file| file.township_code.starts_with(&body.township_code))
        .collect();
    let by_township = township_grades(&files);
    let query = format!("year={}&township={}", body.year, body.township_code);
    let mut keyed: Vec<(String, ReviewedFile)> = files
        .into_iter()
        .map(|file| (file.case_id.clone(), file))
        .collect();
    keyed.sort_by(|left, right| left.0.cmp(&right.0));
    let listed = list(keyed, body.page_size, &body.page_token, &query)?;
    Ok(Response::new(pb::ListCaseFileGradesResponse {
        files: listed.items,
        next_page_token: listed.next_page_token,
        total_size: listed.total_size,
        by_township,
        freshness: Some(freshness(shared)),
    }))
}

/// The grades of the files counted per township, in township order.
fn township_grades(files: &[ReviewedFile]) -> Vec<pb::TownshipFileGrades> {
    let mut townships: BTreeMap<&str, pb::TownshipFileGrades> = BTreeMap::new();
    for file in files {
        let counts =
            townships
                .entry(&file.township_code)
                .or_insert_with(|| pb::TownshipFileGrades {
                    township_code: file.township_code.clone(),
                    ..pb::TownshipFileGrades::default()
                });
        match file.grade() {
            FileGrade::Excellent => counts.excellent += 1,
            FileGrade::Passed => counts.passed += 1,
            FileGrade::Failed => counts.failed += 1,
            FileGrade::Unspecified => counts.unscored += 1,
        }
    }
    townships.into_values().collect()
}
