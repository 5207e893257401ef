//! The responsibility queries of LedgerService: where no one answers for an enterprise or a grid
//! cell on a day, and the committee's lists with their overdue flags and T15.

use chrono::NaiveDate;
use hl_domain::access::require_district_reader;
use hl_domain::clock::local_date;
use hl_plans::domain::command_readiness;
use hl_plans::read_models::CommandReadinessRow;
use hl_proto::ledger::v1 as pb;
use hl_proto::responsibility::v1::{
    AccountabilityStatus, AccountabilityTrigger, Duty, ExpectedPerformance, ObjectKind,
    SafetyItemKind,
};
use hl_readmodel::Known;
use hl_responsibility::api::duties::{accountability_case, safety_item};
use hl_responsibility::domain::duty_period::{
    DutyPeriod, HeldDuty, expected_of, period_id, shortfalls_of,
};
use hl_responsibility::domain::responsibilities::{DUTY_RULES, responsibilities_id};
use hl_responsibility::read_models::{
    AccountabilityRow, CentreRow, DutyPeriodRow, GridCellRow, ResponsibilitiesRow, SafetyItemRow,
};
use hl_runtime::pagination::list;
use hl_runtime::{ServiceError, Violations, caller};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tonic::{Request, Response, Status};

use super::{Shared, begin_read, database_error, freshness, instant, known, seconds};
use crate::reader;

/// The day a request asks about: the one it names, or today.
fn day_asked(violations: &mut Violations, day: Option<&hl_proto::common::v1::Date>) -> NaiveDate {
    violations
        .optional_date("day", day)
        .unwrap_or_else(|| local_date(chrono::Utc::now()))
}

/// An object needing a duty on a day, and whether someone holds it.
struct Needed {
    kind: ObjectKind,
    object_id: String,
    object_name: String,
    township_code: String,
}

pub async fn list_responsibility_gaps(
    shared: &Shared,
    request: Request<pb::ListResponsibilityGapsRequest>,
) -> Result<Response<pb::ListResponsibilityGapsResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let day = day_asked(&mut violations, body.day.as_ref());
    violations.optional_identifier("township_code", &body.township_code);
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    // Held for the whole query: the generation's tables stay until it ends.
    let reading_generation = shared.generation();
    let generation = *reading_generation;
    // Enterprises under supervision on the day (registered or active, required to self-check),
    // and every grid cell.
    let mut needed: Vec<Needed> =
        reader::enterprises_on(&mut begin_read(shared).await?, generation, day, None)
            .await
            .map_err(database_error)?
            .into_values()
            .filter(|enterprise| enterprise.in_scope)
            .map(|enterprise| Needed {
                kind: ObjectKind::Enterprise,
                object_id: enterprise.enterprise_id,
                object_name: enterprise.attributes.enterprise_name,
                township_code: enterprise.attributes.township_code,
            })
            .collect();
    needed.extend(
        reader::all_rows::<GridCellRow>(&mut begin_read(shared).await?, generation)
            .await
            .map_err(database_error)?
            .into_iter()
            .map(|cell| Needed {
                kind: ObjectKind::GridCell,
                object_id: cell.grid_cell_id,
                object_name: cell.name,
                township_code: cell.township_code,
            }),
    );
    needed.retain(|object| object.township_code.starts_with(&body.township_code));
    let held: HashMap<String, Known<ResponsibilitiesRow>> =
        known::<ResponsibilitiesRow>(shared, known_at)
            .await?
            .into_iter()
            .map(|record| (record.row.responsibilities_id.clone(), record))
            .collect();
    let rules = &DUTY_RULES.in_force(day).rules;
    let (mut required, mut covered) = (0u32, 0u32);
    let mut gaps = Vec::new();
    for object in &needed {
        let duties = rules
            .required
            .iter()
            .filter(|(kind, _)| *kind == object.kind)
            .map(|(_, duty)| *duty);
        let record = held.get(&responsibilities_id(object.kind, &object.object_id));
        let mut answered = true;
        for duty in duties {
            let state = record.map(|record| &record.row.state.0);
            if state.is_some_and(|state| state.holder_on(duty, day).is_some()) {
                continue;
            }
            answered = false;
            gaps.push(gap(object, duty, record, day));
        }
        required += 1;
        covered += u32::from(answered);
    }
    gaps.sort_by(|left, right| left.0.cmp(&right.0));
    let query = format!(
        "day={day}&township={}&known_at={}",
        body.township_code,
        seconds(body.known_at.as_ref())
    );
    let listed = list(gaps, body.page_size, &body.page_token, &query)?;
    Ok(Response::new(pb::ListResponsibilityGapsResponse {
        gaps: listed.items,
        next_page_token: listed.next_page_token,
        total_size: listed.total_size,
        objects_required: required,
        objects_covered: covered,
        freshness: Some(freshness(shared)),
        known_at: instant(known_at),
    }))
}

/// One vacancy, keyed for ordering by kind then object id.
fn gap(
    object: &Needed,
    duty: Duty,
    record: Option<&Known<ResponsibilitiesRow>>,
    day: NaiveDate,
) -> (String, pb::ResponsibilityGap) {
    let state = record.map(|record| &record.row.state.0);
    let key = format!(
        "{}/{}/{}",
        object.kind as i32, object.object_id, duty as i32
    );
    let gap = pb::ResponsibilityGap {
        kind: object.kind as i32,
        object_id: object.object_id.clone(),
        object_name: object.object_name.clone(),
        township_code: object.township_code.clone(),
        duty: duty as i32,
        last_held_on: state
            .and_then(|state| state.last_held_before(duty, day))
            .map(Into::into),
        event_ids: record
            .map(|record| record.event_ids_by(day))
            .unwrap_or_default(),
    };
    (key, gap)
}

pub async fn list_safety_items(
    shared: &Shared,
    request: Request<pb::ListSafetyItemsRequest>,
) -> Result<Response<pb::ListSafetyItemsResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let day = day_asked(&mut violations, body.day.as_ref());
    let kind = violations.optional_enumeration::<SafetyItemKind>("kind", body.kind);
    if body.year != 0 && !(2000..=2100).contains(&body.year) {
        violations.add(
            "year",
            "a calendar year from 2000 to 2100, or unset for every year",
        );
    }
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    let items: Vec<Known<SafetyItemRow>> = known::<SafetyItemRow>(shared, known_at)
        .await?
        .into_iter()
        .filter(|record| body.year == 0 || record.row.year == body.year)
        .collect();
    // T15: the major problems of the year and those closed out by the day.
    let majors: Vec<&Known<SafetyItemRow>> = items
        .iter()
        .filter(|record| record.row.kind == SafetyItemKind::MajorIssue)
        .collect();
    let closed_out = majors
        .iter()
        .filter(|record| record.row.state.0.closed_out_by(day))
        .count() as u32;
    let major_issue_event_ids: Vec<String> = majors
        .iter()
        .flat_map(|record| record.event_ids_by(day))
        .collect();
    let listed_count = majors.len() as u32;
    let matching = items
        .into_iter()
        .filter(|record| {
            kind.is_none_or(|wanted| {
                wanted == SafetyItemKind::Unspecified || wanted == record.row.kind
            })
        })
        .filter(|record| !body.open_only || !record.row.state.0.closed_out_by(day))
        .filter(|record| !body.overdue_only || record.row.state.0.is_overdue(day))
        .map(|record| {
            let row = &record.row;
            let state = &row.state.0;
            let entry = pb::SafetyItemRow {
                item: Some(safety_item(state, row.version)),
                overdue: state.is_overdue(day),
                overdue_sub_task_ids: state.overdue_sub_tasks(day),
                sub_tasks_done: state
                    .sub_tasks
                    .iter()
                    .filter(|task| {
                        task.completed_on
                            .and_then(|on| on.to_naive())
                            .is_some_and(|on| on <= day)
                    })
                    .count() as u32,
                event_ids: record.event_ids_by(day),
            };
            (row.item_id.clone(), entry)
        })
        .collect();
    let query = format!(
        "day={day}&kind={}&year={}&open={}&overdue={}&known_at={}",
        body.kind,
        body.year,
        body.open_only,
        body.overdue_only,
        seconds(body.known_at.as_ref())
    );
    let listed = list(matching, body.page_size, &body.page_token, &query)?;
    Ok(Response::new(pb::ListSafetyItemsResponse {
        items: listed.items,
        next_page_token: listed.next_page_token,
        total_size: listed.total_size,
        major_issues_listed: listed_count,
        major_issues_closed_out: closed_out,
        major_issue_close_out_share: crate::reconciliation::ratio(closed_out, listed_count),
        freshness: Some(freshness(shared)),
        major_issue_event_ids,
        known_at: instant(known_at),
    }))
}

pub async fn list_duty_shortfalls(
    shared: &Shared,
    request: Request<pb::ListDutyShortfallsRequest>,
) -> Result<Response<pb::ListDutyShortfallsResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    violations.year("year", body.year);
    if !(1..=12).contains(&body.month) {
        violations.add("month", "1 to 12");
    }
    violations.optional_identifier("township_code", &body.township_code);
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    let month = body.month as u32;
    let periods: HashMap<String, Known<DutyPeriodRow>> = known::<DutyPeriodRow>(shared, known_at)
        .await?
        .into_iter()
        .filter(|record| record.row.year == body.year && record.row.month == body.month)
        .map(|record| (record.row.person_id.clone(), record))
        .collect();
    // Every person's assignments, for the months not closed yet: what they are short so far.
    let held = held_by_person(
        known::<ResponsibilitiesRow>(shared, known_at)
            .await?
            .into_iter()
            .map(|record| record.row)
            .collect(),
    );
    let mut persons: BTreeSet<String> = periods.keys().cloned().collect();
    persons.extend(held.keys().cloned());
    let mut periods_closed = 0;
    let mut townships: BTreeMap<String, (u32, BTreeSet<String>)> = BTreeMap::new();
    let mut rows: Vec<(String, pb::DutyShortfallRow)> = Vec::new();
    for person in persons {
        let record = periods.get(&person);
        let period = record.map(|record| &record.row);
        let closed = period.is_some_and(|row| row.closed);
        if closed {
            periods_closed += 1;
        }
        let assignments = held.get(&person).map(Vec::as_slice).unwrap_or(&[]);
        let shortfalls: Vec<_> = shortfalls_so_far(period, assignments, body.year, month)
            .into_iter()
            .filter(|short| short.place_code.starts_with(&body.township_code))
            .collect();
        if shortfalls.is_empty() {
            continue;
        }
        for short in &shortfalls {
            let township = townships.entry(short.place_code.clone()).or_default();
            township.0 += 1;
            township.1.insert(person.clone());
        }
        let entry = pb::DutyShortfallRow {
            person_id: person.clone(),
            period_id: period_id(&person, body.year, month),
            shortfalls,
            closed,
            event_ids: record
                .map(|record| {
                    record
                        .events
                        .iter()
                        .map(|step| step.event_id.clone())
                        .collect()
                })
                .unwrap_or_default(),
        };
        rows.push((person, entry));
    }
    let periods_short = rows.iter().filter(|(_, row)| row.closed).count() as u32;
    let query = format!(
        "year={}&month={}&township={}&known_at={}",
        body.year,
        body.month,
        body.township_code,
        seconds(body.known_at.as_ref())
    );
    let listed = list(rows, body.page_size, &body.page_token, &query)?;
    Ok(Response::new(pb::ListDutyShortfallsResponse {
        rows: listed.items,
        next_page_token: listed.next_page_token,
        total_size: listed.total_size,
        by_township: townships
            .into_iter()
            .map(
                |(township_code, (shortfalls, persons))| pb::TownshipShortfalls {
                    township_code,
                    shortfalls,
                    persons: persons.len() as u32,
                },
            )
            .collect(),
        periods_closed,
        periods_short,
        freshness: Some(freshness(shared)),
        known_at: instant(known_at),
    }))
}

/// A person's shortfalls in a month: as recorded when the period closed, otherwise what their
/// assignments ask of the month against what they have performed so far.
fn shortfalls_so_far(
    period: Option<&DutyPeriodRow>,
    assignments: &[HeldDuty],
    year: i32,
    month: u32,
) -> Vec<ExpectedPerformance> {
    match period {
        Some(row) if row.closed => row.state.0.shortfalls.clone(),
        _ => {
            let (expected, _) = expected_of(assignments, year, month);
            let empty = DutyPeriod::default();
            let state = period.map_or(&empty, |row| &row.state.0);
            shortfalls_of(&state.counted(&expected))
        }
    }
}

pub async fn list_accountability_cases(
    shared: &Shared,
    request: Request<pb::ListAccountabilityCasesRequest>,
) -> Result<Response<pb::ListAccountabilityCasesResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let status = violations.optional_enumeration::<AccountabilityStatus>("status", body.status);
    let trigger = violations.optional_enumeration::<AccountabilityTrigger>("trigger", body.trigger);
    violations.optional_identifier("subject_id", &body.subject_id);
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    let matching = known::<AccountabilityRow>(shared, known_at)
        .await?
        .into_iter()
        .map(|record| record.row)
        .filter(|row| {
            status.is_none_or(|wanted| {
                wanted == AccountabilityStatus::Unspecified || wanted == row.status
            })
        })
        .filter(|row| {
            trigger.is_none_or(|wanted| {
                wanted == AccountabilityTrigger::Unspecified || wanted == row.trigger
            })
        })
        .filter(|row| body.subject_id.is_empty() || row.subject_id == body.subject_id)
        .map(|row| {
            let case = accountability_case(&row.state.0, row.version);
            (row.case_id, case)
        })
        .collect();
    let query = format!(
        "status={}&trigger={}&subject={}&known_at={}",
        body.status,
        body.trigger,
        body.subject_id,
        seconds(body.known_at.as_ref())
    );
    let listed = list(matching, body.page_size, &body.page_token, &query)?;
    Ok(Response::new(pb::ListAccountabilityCasesResponse {
        cases: listed.items,
        next_page_token: listed.next_page_token,
        total_size: listed.total_size,
        freshness: Some(freshness(shared)),
        known_at: instant(known_at),
    }))
}

pub async fn list_emergency_centres(
    shared: &Shared,
    request: Request<pb::ListEmergencyCentresRequest>,
) -> Result<Response<pb::ListEmergencyCentresResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let day = day_asked(&mut violations, body.day.as_ref());
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    // Held for the whole query: the generation's tables stay until it ends.
    let reading_generation = shared.generation();
    let generation = *reading_generation;
    let centres: HashMap<String, Known<CentreRow>> = known::<CentreRow>(shared, known_at)
        .await?
        .into_iter()
        .map(|record| (record.row.township_code.clone(), record))
        .collect();
    // A township without a centre is read from the plans context's command readiness checks.
    let readiness: HashMap<String, Known<CommandReadinessRow>> =
        known::<CommandReadinessRow>(shared, known_at)
            .await?
            .into_iter()
            .map(|record| (record.row.township_code.clone(), record))
            .collect();
    let townships = reader::townships(&mut begin_read(shared).await?, generation)
        .await
        .map_err(database_error)?;
    let mut rows = Vec::with_capacity(townships.len());
    for township in &townships {
        let mut row = pb::CentreReadiness {
            township_code: township.code.clone(),
            township_name: township.name.clone(),
            ..pb::CentreReadiness::default()
        };
        if let Some(record) = centres.get(&township.code) {
            let centre = &record.row.state.0;
            let readiness = centre.readiness(day).map_err(ServiceError::from)?;
            row = pb::CentreReadiness {
                established: true,
                command_venue: readiness.command_venue,
                staff: readiness.staff,
                staff_required: readiness.staff_required,
                on_duty: readiness.on_duty,
                to_standard: readiness.to_standard(),
                equipment_short: readiness.equipment_short,
                last_check: centre.last_check(day).cloned(),
                event_ids: record.event_ids_by(day),
                ..row
            };
        } else if let Some((record, check)) = readiness.get(&township.code).and_then(|record| {
            let check = record.row.state.0.latest_on(day)?;
            Some((record, check))
        }) {
            row.event_ids = record.event_ids_by(day);
            row.command_venue = check.command_venue;
            row.on_duty = check.duty_team;
            row.to_standard = command_readiness::to_standard(check);
            row.command_readiness = Some(check.clone());
        }
        rows.push((township.code.clone(), row));
    }
    let to_standard = rows.iter().filter(|(_, row)| row.to_standard).count() as u32;
    let count = rows.len() as u32;
    let listed = list(
        rows,
        body.page_size,
        &body.page_token,
        &format!("day={day}&known_at={}", seconds(body.known_at.as_ref())),
    )?;
    Ok(Response::new(pb::ListEmergencyCentresResponse {
        centres: listed.items,
        next_page_token: listed.next_page_token,
        total_size: listed.total_size,
        townships: count,
        to_standard,
        to_standard_share: crate::reconciliation::ratio(to_standard, count),
        freshness: Some(freshness(shared)),
        known_at: instant(known_at),
    }))
}

/// Every assignment of every object, by the person who holds it.
fn held_by_person(rows: Vec<ResponsibilitiesRow>) -> BTreeMap<String, Vec<HeldDuty>> {
    let mut held: BTreeMap<String, Vec<HeldDuty>> = BTreeMap::new();
    for row in rows {
        let object = row.state.0;
        for assignment in &object.assignments {
            held.entry(assignment.person_id.clone())
                .or_default()
                .push(HeldDuty {
                    kind: object.kind,
                    object_id: object.object_id.clone(),
                    place_code: object.place_code.clone(),
                    held: assignment.clone(),
                });
        }
    }
    held
}
