//! Loading a past (paper) ledger (ImportPastLedger). A bureau administrator sends the bureau's
//! spreadsheet, one step a row: hazards with their lifecycle steps, self-check rounds, alarm
//! device tests. The import
//! 1. reads the file (CSV or .xlsx) and every row through the request checks of its step;
//! 2. rehearses every step in file order on the aggregates as stored (see [`rehearsal`]);
//! 3. if nothing is wrong (or only the good rows are asked for), records each step on the date it
//!    happened, by the person the row names, marked as migrated by the administrator;
//! 4. records the import itself: the file's hash and what became of its rows.
//!
//! A step's request_id is a hash of its row, so running the same file again records nothing
//! twice, and a run cut short is finished by running it again.

mod rehearsal;
mod rows;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hl_eventstore::RequestMeta;
use hl_proto::hazards::v1 as pb;
use hl_runtime::ServiceError;
use hl_runtime::pipeline::{CommandCall, run_command};
use hl_runtime::sheet::{self, RowProblem, SheetFormat};
use sha2::{Digest, Sha256};
use tonic::{Request, Response, Status};

use super::HazardsApi;
use crate::domain::access::require_bureau;
use crate::domain::past_ledger::{ImportOutcome, PastLedgerImport};
use rehearsal::{Prepared, Rehearsal, Rehearsed};
use rows::{Action, Step};

/// The largest file an import takes.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// The most rows one file may have.
const MAX_ROWS: usize = 20_000;
/// How often a long import logs its progress, in steps.
const PROGRESS_EVERY: usize = 500;

/// A file read: its rows, the steps of the good ones, the problems of the bad ones.
struct ReadFile {
    sha256: String,
    rows: usize,
    steps: Vec<Step>,
    problems: Vec<RowProblem>,
    /// Each record the good rows name, once, in the order first seen.
    records: Vec<pb::LedgerRecord>,
}

pub(super) async fn import_past_ledger(
    api: &HazardsApi,
    request: Request<pb::ImportPastLedgerRequest>,
) -> Result<Response<pb::ImportPastLedgerResponse>, Status> {
    let mut call = CommandCall::from_request(request)?;
    let format = call
        .violations
        .enumeration::<pb::LedgerFileFormat>("format", call.body.format);
    if call.body.file.is_empty() {
        call.violations.add("file", "is empty");
    } else if call.body.file.len() > MAX_FILE_BYTES {
        call.violations.add(
            "file",
            format!("is larger than {MAX_FILE_BYTES} bytes; split the ledger"),
        );
    }
    call.check()?;
    require_bureau(&call.actor, &api.region, "import a past ledger").map_err(ServiceError::from)?;

    let sheet_format = match format {
        Some(pb::LedgerFileFormat::Xlsx) => SheetFormat::Xlsx,
        _ => SheetFormat::Csv,
    };
    let file = std::mem::take(&mut call.body.file);
    let (region, now) = (api.region.clone(), call.now);
    // Unpacking and parsing a workbook is CPU work; it stays off the async workers.
    let read = tokio::task::spawn_blocking(move || read_file(&file, sheet_format, &region, now))
        .await
        .map_err(|error| {
            Status::from(ServiceError::internal(format!(
                "reading the file failed: {error}"
            )))
        })??;

    let (ready, already_recorded, problems) =
        rehearse(api, &call.actor, now, read.steps, read.problems).await?;

    let body = &call.body;
    let mut response = pb::ImportPastLedgerResponse {
        rows: read.rows as i32,
        recorded: ready.len() as i32,
        already_recorded,
        problems: problems.iter().map(row_problem).collect(),
        commit: None,
        records: read.records,
    };
    if body.validate_only {
        return Ok(Response::new(response));
    }
    if !problems.is_empty() && !body.good_rows_only {
        return Err(sheet::problems_error(
            "file",
            &problems,
            read.rows,
            "ask for validate_only to list every problem, or good_rows_only to record the rest",
        )
        .into());
    }

    let base = call.meta();
    let (recorded, replayed) = record_all(api, ready, &base, &mut response.problems).await?;
    let already_recorded = already_recorded + replayed;

    let outcome = ImportOutcome {
        region: api.region.clone(),
        file_sha256: read.sha256,
        format: format.unwrap_or_default(),
        rows: read.rows as i32,
        recorded,
        already_recorded,
        problems: response.problems.len() as i32,
    };
    let import_id = call.new_id::<PastLedgerImport>("");
    let committed = run_command(&api.imports, &import_id, &outcome, &base).await?;
    // A retry of the same call answers with what the first one did.
    if let Some(first) = committed
        .state
        .imported
        .filter(|_| committed.commit.replayed)
    {
        response.recorded = first.recorded;
        response.already_recorded = first.already_recorded;
    } else {
        response.recorded = recorded;
        response.already_recorded = already_recorded;
    }
    response.commit = Some(committed.commit);
    Ok(Response::new(response))
}

/// Rehearses every step in file order: the steps ready to record, how many an earlier run
/// recorded, and every problem (the file's and the rehearsal's) by line.
async fn rehearse(
    api: &HazardsApi,
    administrator: &hl_proto::common::v1::Actor,
    now: DateTime<Utc>,
    steps: Vec<Step>,
    mut problems: Vec<RowProblem>,
) -> Result<(Vec<Prepared>, i32, Vec<RowProblem>), Status> {
    let mut rehearsal = Rehearsal::new(api, administrator, now);
    let mut ready = Vec::new();
    let mut already_recorded = 0;
    for step in steps {
        let line = step.line;
        match rehearsal.step(step).await? {
            Rehearsed::Ready(prepared) => ready.push(*prepared),
            Rehearsed::AlreadyRecorded => already_recorded += 1,
            Rehearsed::Refused(problem) => problems.push(RowProblem {
                line,
                column: String::new(),
                problem,
            }),
        }
    }
    problems.sort_by_key(|problem| problem.line);
    Ok((ready, already_recorded, problems))
}

/// Records the rehearsed steps in order, logging progress on a long file: how many were
/// recorded now and how many an earlier run had. A step someone else's change refuses since the
/// rehearsal is the row's problem; an outage fails the call, which can simply be made again.
async fn record_all(
    api: &HazardsApi,
    ready: Vec<Prepared>,
    base: &RequestMeta,
    problems: &mut Vec<pb::LedgerRowProblem>,
) -> Result<(i32, i32), Status> {
    let (mut recorded, mut replayed) = (0, 0);
    let total = ready.len();
    for (done, prepared) in ready.into_iter().enumerate() {
        match record(api, &prepared, base).await {
            Ok(true) => recorded += 1,
            Ok(false) => replayed += 1,
            Err(status) if is_refusal(&status) => problems.push(pb::LedgerRowProblem {
                line: prepared.step.line,
                column: String::new(),
                problem: status.message().to_string(),
            }),
            Err(status) => return Err(status),
        }
        if (done + 1) % PROGRESS_EVERY == 0 {
            tracing::info!(done = done + 1, total, "past ledger import: steps recorded");
        }
    }
    Ok((recorded, replayed))
}

/// Reads a file into steps; a file that cannot be read at all is INVALID_ARGUMENT.
fn read_file(
    bytes: &[u8],
    format: SheetFormat,
    region: &str,
    now: DateTime<Utc>,
) -> Result<ReadFile, Status> {
    let table = sheet::read("file", format, bytes, rows::COLUMNS, MAX_ROWS)?;
    let mut steps = Vec::new();
    let mut problems = Vec::new();
    let mut first_line: HashMap<String, i32> = HashMap::new();
    let mut records: Vec<pb::LedgerRecord> = Vec::new();
    let mut named = std::collections::HashSet::new();
    for row in &table {
        match rows::read_step(row, region, now) {
            Ok(step) => match first_line.get(&step.request_id) {
                Some(first) => problems.push(RowProblem {
                    line: row.line,
                    column: String::new(),
                    problem: format!("repeats line {first}"),
                }),
                None => {
                    first_line.insert(step.request_id.clone(), row.line);
                    if named.insert((step.record, step.number.clone())) {
                        records.push(pb::LedgerRecord {
                            record_type: step.record_type.clone(),
                            number: step.number.clone(),
                            name: step.record.name(&step.aggregate_id),
                        });
                    }
                    steps.push(step);
                }
            },
            Err(found) => problems.extend(found),
        }
    }
    Ok(ReadFile {
        sha256: hex::encode(Sha256::digest(bytes)),
        rows: table.len(),
        steps,
        problems,
        records,
    })
}

/// Records one rehearsed step: true when recorded now, false when an earlier run had.
async fn record(api: &HazardsApi, prepared: &Prepared, base: &RequestMeta) -> Result<bool, Status> {
    let step = &prepared.step;
    let meta = RequestMeta {
        request_id: step.request_id.clone(),
        actor: prepared.actor.clone(),
        occurred_at: Some(step.occurred_at),
        correlation_id: Some(base.request_id.clone()),
        migrated_by: Some(base.actor.clone()),
    };
    let id = &step.aggregate_id;
    let replayed = match &step.action {
        Action::Hazard(command) => {
            run_command(&api.hazards, id, command, &meta)
                .await?
                .commit
                .replayed
        }
        Action::Round(command) => {
            run_command(&api.rounds, id, command, &meta)
                .await?
                .commit
                .replayed
        }
        Action::Device(command) => {
            run_command(&api.devices, id, command, &meta)
                .await?
                .commit
                .replayed
        }
        Action::Statistics(command) => {
            run_command(&api.statistics, id, command, &meta)
                .await?
                .commit
                .replayed
        }
    };
    Ok(!replayed)
}

/// A refusal of the domain, as opposed to an outage: the row's problem, not the call's.
fn is_refusal(status: &Status) -> bool {
    matches!(
        status.code(),
        tonic::Code::FailedPrecondition
            | tonic::Code::PermissionDenied
            | tonic::Code::InvalidArgument
            | tonic::Code::AlreadyExists
            | tonic::Code::NotFound
    )
}

fn row_problem(problem: &RowProblem) -> pb::LedgerRowProblem {
    pb::LedgerRowProblem {
        line: problem.line,
        column: problem.column.clone(),
        problem: problem.problem.clone(),
    }
}
