//! The plans queries of LedgerService: the plan register on a day, 修编率 per layer, each
//! enterprise's drills against the minimums, the shelters with T5, the rescue teams with T8 and
//! T9, and the persons trained with T12.

use std::collections::BTreeMap;

use chrono::Datelike;
use chrono::{Months, NaiveDate};
use hl_domain::access::require_district_reader;
use hl_domain::clock::local_date;
use hl_plans::api::resources::{self, plan, shelter};
use hl_plans::domain::drill_minimums::{MinimumReading, MinimumStatus, read_minimums};
use hl_plans::domain::plan::EmergencyPlan;
use hl_plans::domain::rescue_team::RescueTeam;
use hl_plans::domain::rules::TRAINING_TARGETS;
use hl_plans::domain::training::{TrainingCampaign, counts_of, distinct_trainees};
use hl_plans::read_models::{
    DrillRow, EmergencyPlanRow, RescueTeamRow, ShelterRow, TrainingCampaignRow,
};
use hl_proto::ledger::v1 as pb;
use hl_proto::ledger::v1::RevisionRateBasis;
use hl_proto::plans::v1::{PlanLayer, PlanStatus, TeamKind, TeamLevel};
use hl_readmodel::Known;
use hl_runtime::pagination::list;
use hl_runtime::{ServiceError, Violations, caller};
use tonic::{Request, Response, Status};

use super::{
    Shared, YearAsOf, begin_read, database_error, freshness, instant, known, seconds, year_as_of,
};
use crate::reader;
use crate::reconciliation::ratio;

/// Whether a plan counts for its layer's 修编率 on a day, and whether it was revised in its
/// cycle.
fn revision_standing(
    state: &EmergencyPlan,
    day: NaiveDate,
    basis: RevisionRateBasis,
) -> (bool, bool) {
    let in_force = matches!(state.status, PlanStatus::Active | PlanStatus::Revising);
    let Some(years) = state.cycle_on().filter(|_| in_force) else {
        return (false, false);
    };
    let first_active = state
        .versions
        .first()
        .and_then(|version| version.active_from)
        .and_then(|from| from.to_naive());
    let in_scope = match basis {
        RevisionRateBasis::CycleCompleted => first_active
            .and_then(|from| from.checked_add_months(Months::new(years * 12)))
            .is_some_and(|completed| completed <= day),
        _ => true,
    };
    (in_scope, in_scope && state.revised_within(day, years))
}

pub async fn list_plans(
    shared: &Shared,
    request: Request<pb::ListPlansRequest>,
) -> Result<Response<pb::ListPlansResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let day = violations
        .optional_date("day", body.day.as_ref())
        .unwrap_or_else(|| local_date(chrono::Utc::now()));
    let layer = violations.optional_enumeration::<PlanLayer>("layer", body.layer);
    let basis = violations
        .optional_enumeration::<RevisionRateBasis>("basis", body.basis)
        .unwrap_or_default();
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    let records = known::<EmergencyPlanRow>(shared, known_at).await?;
    let mut rates: BTreeMap<i32, pb::LayerRevisionRate> = BTreeMap::new();
    let mut overdue_count = 0;
    let mut register = Vec::new();
    for record in records {
        let row = &record.row;
        let state = &row.state.0;
        let (in_scope, revised) = revision_standing(state, day, basis);
        if in_scope {
            let rate = rates
                .entry(state.layer as i32)
                .or_insert_with(|| pb::LayerRevisionRate {
                    layer: state.layer as i32,
                    ..pb::LayerRevisionRate::default()
                });
            let name = format!("emergencyPlans/{}", state.plan_id);
            rate.in_scope += 1;
            rate.plans_in_scope.push(name.clone());
            rate.event_ids.extend(record.event_ids_by(day));
            if revised {
                rate.revised += 1;
                rate.revised_plans.push(name);
            }
        }
        let evaluation_overdue = state.next_evaluation_due.is_some_and(|due| due < day);
        overdue_count += u32::from(evaluation_overdue);
        let wanted =
            layer.is_none_or(|wanted| wanted == PlanLayer::Unspecified || wanted == state.layer);
        if wanted {
            register.push((
                row.plan_id.clone(),
                pb::PlanRegisterRow {
                    plan: Some(plan(state, row.version)),
                    evaluation_overdue,
                    in_scope,
                    revised_in_cycle: revised,
                },
            ));
        }
    }
    let query = format!(
        "day={day}&layer={}&basis={}&known_at={}",
        body.layer,
        body.basis,
        seconds(body.known_at.as_ref())
    );
    let listed = list(register, body.page_size, &body.page_token, &query)?;
    Ok(Response::new(pb::ListPlansResponse {
        plans: listed.items,
        next_page_token: listed.next_page_token,
        total_size: listed.total_size,
        revision_rates: rates
            .into_values()
            .map(|rate| pb::LayerRevisionRate {
                rate: ratio(rate.revised, rate.in_scope),
                ..rate
            })
            .collect(),
        evaluations_overdue: overdue_count,
        freshness: Some(freshness(shared)),
        known_at: instant(known_at),
    }))
}

fn minimum_status(status: MinimumStatus) -> pb::DrillMinimumStatus {
    match status {
        MinimumStatus::Met => pb::DrillMinimumStatus::Met,
        MinimumStatus::Due => pb::DrillMinimumStatus::Due,
        MinimumStatus::Short => pb::DrillMinimumStatus::Short,
    }
}

/// One minimum of an enterprise as the answer shows it, with the drills it counted and the
/// events that recorded them.
fn drill_minimum(
    reading: MinimumReading,
    drill_events: &impl Fn(&str) -> Vec<String>,
) -> pb::DrillMinimum {
    pb::DrillMinimum {
        code: reading.code,
        period_start: Some(reading.period_start.into()),
        period_end: Some(reading.period_end.into()),
        required: reading.required,
        held: reading.drills.len() as u32,
        status: minimum_status(reading.status) as i32,
        drills: reading
            .drills
            .iter()
            .map(|id| format!("drills/{id}"))
            .collect(),
        event_ids: reading
            .drills
            .iter()
            .flat_map(|id| drill_events(id))
            .collect(),
    }
}

pub async fn list_drill_shortfalls(
    shared: &Shared,
    request: Request<pb::ListDrillShortfallsRequest>,
) -> Result<Response<pb::ListDrillShortfallsResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let YearAsOf { day, .. } = year_as_of(&mut violations, body.year, body.day.as_ref());
    violations.optional_identifier("township_code", &body.township_code);
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    // Held for the whole query: the generation's tables stay until it ends.
    let reading_generation = shared.generation();
    let generation = *reading_generation;
    let records = known::<DrillRow>(shared, known_at).await?;
    let drills: Vec<&hl_proto::plans::v1::Drill> = records
        .iter()
        .map(|record| &record.row.state.0.drill)
        .collect();
    let events_of: std::collections::HashMap<&str, &Known<DrillRow>> = records
        .iter()
        .map(|record| (record.aggregate_id.as_str(), record))
        .collect();
    let drill_events = |drill_id: &str| {
        events_of
            .get(drill_id)
            .map(|record| record.event_ids_by(day))
            .unwrap_or_default()
    };
    let mut enterprises: Vec<_> =
        reader::enterprises_on(&mut begin_read(shared).await?, generation, day, None)
            .await
            .map_err(database_error)?
            .into_values()
            .filter(|enterprise| {
                enterprise.in_scope
                    && enterprise
                        .attributes
                        .township_code
                        .starts_with(&body.township_code)
            })
            .collect();
    enterprises.sort_by(|left, right| left.enterprise_id.cmp(&right.enterprise_id));
    let (mut rule_version, mut short_count) = ("", 0);
    let mut rows = Vec::with_capacity(enterprises.len());
    for enterprise in &enterprises {
        let (version, readings) = read_minimums(&drills, &enterprise.enterprise_id, body.year, day);
        rule_version = version;
        let minimums: Vec<pb::DrillMinimum> = readings
            .into_iter()
            .map(|reading| drill_minimum(reading, &drill_events))
            .collect();
        let short = minimums
            .iter()
            .any(|minimum| minimum.status == pb::DrillMinimumStatus::Short as i32);
        short_count += u32::from(short);
        if short || !body.only_short {
            let row = pb::EnterpriseDrillRow {
                enterprise_id: enterprise.enterprise_id.clone(),
                enterprise_name: enterprise.attributes.enterprise_name.clone(),
                township_code: enterprise.attributes.township_code.clone(),
                minimums,
                short,
            };
            rows.push((enterprise.enterprise_id.clone(), row));
        }
    }
    let query = format!(
        "year={}&township={}&day={day}&only_short={}&known_at={}",
        body.year,
        body.township_code,
        body.only_short,
        seconds(body.known_at.as_ref())
    );
    let listed = list(rows, body.page_size, &body.page_token, &query)?;
    Ok(Response::new(pb::ListDrillShortfallsResponse {
        rows: listed.items,
        next_page_token: listed.next_page_token,
        total_size: listed.total_size,
        enterprises: enterprises.len() as u32,
        enterprises_short: short_count,
        rule_version: rule_version.to_string(),
        freshness: Some(freshness(shared)),
        known_at: instant(known_at),
    }))
}

pub async fn list_drills(
    shared: &Shared,
    request: Request<pb::ListDrillsRequest>,
) -> Result<Response<pb::ListDrillsResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    violations.optional_identifier("plan_id", &body.plan_id);
    violations.optional_identifier("enterprise_id", &body.enterprise_id);
    let held_from = violations.optional_date("held_from", body.held_from.as_ref());
    let held_until = violations.optional_date("held_until", body.held_until.as_ref());
    if let (Some(from), Some(until)) = (held_from, held_until)
        && until < from
    {
        violations.add("held_until", "is before held_from");
    }
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    let held = held_from.unwrap_or(NaiveDate::MIN)..=held_until.unwrap_or(NaiveDate::MAX);
    let mut rows: Vec<(String, pb::DrillListRow)> = known::<DrillRow>(shared, known_at)
        .await?
        .into_iter()
        .filter_map(|record| {
            let state = &record.row.state.0;
            let drill = &state.drill;
            let held_on = drill.held_on.and_then(|on| on.to_naive())?;
            let wanted = held.contains(&held_on)
                && (body.plan_id.is_empty() || drill.plan_ids.contains(&body.plan_id))
                && (body.enterprise_id.is_empty() || drill.enterprise_id == body.enterprise_id);
            wanted.then(|| {
                let row = pb::DrillListRow {
                    drill: Some(resources::drill(state, record.row.version)),
                    event_ids: record
                        .events
                        .iter()
                        .map(|step| step.event_id.clone())
                        .collect(),
                };
                (format!("{held_on}/{}", drill.drill_id), row)
            })
        })
        .collect();
    rows.sort_by(|left, right| left.0.cmp(&right.0));
    let query = format!(
        "plan={}&enterprise={}&from={held_from:?}&until={held_until:?}&known_at={}",
        body.plan_id,
        body.enterprise_id,
        seconds(body.known_at.as_ref())
    );
    let listed = list(rows, body.page_size, &body.page_token, &query)?;
    Ok(Response::new(pb::ListDrillsResponse {
        rows: listed.items,
        next_page_token: listed.next_page_token,
        total_size: listed.total_size,
        freshness: Some(freshness(shared)),
        known_at: instant(known_at),
    }))
}

pub async fn list_shelters(
    shared: &Shared,
    request: Request<pb::ListSheltersRequest>,
) -> Result<Response<pb::ListSheltersResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let today = local_date(chrono::Utc::now());
    let year = if body.year == 0 {
        today.year()
    } else {
        body.year
    };
    violations.year("year", year);
    violations.optional_identifier("township_code", &body.township_code);
    let day = violations
        .optional_date("day", body.day.as_ref())
        .unwrap_or(today);
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    let shelters = known::<ShelterRow>(shared, known_at).await?;
    let mut totals = pb::ListSheltersResponse {
        known_at: instant(known_at),
        ..pb::ListSheltersResponse::default()
    };
    let mut rows = Vec::new();
    for record in shelters {
        let row = &record.row;
        let state = &row.state.0;
        if !state.township_code.starts_with(&body.township_code) {
            continue;
        }
        let certified_on = state.certified_on.filter(|on| *on <= day);
        let certified_in_year = certified_on.is_some_and(|on| on.year() == year);
        let occupied = state.occupied();
        totals.shelters += 1;
        totals.capacity += state.capacity;
        totals.certified += u32::from(certified_on.is_some());
        totals.open += u32::from(state.open);
        totals.occupied += occupied;
        if certified_in_year {
            totals.certified_in_year += 1;
            totals
                .certified_in_year_shelters
                .push(format!("shelters/{}", state.shelter_id));
            totals
                .certified_in_year_event_ids
                .extend(record.event_ids_by(day));
        }
        let entry = pb::ShelterRegisterRow {
            shelter: Some(shelter(state, row.version)),
            certified: certified_on.is_some(),
            certified_in_year,
            occupied,
            over_capacity: occupied > state.capacity,
        };
        rows.push((row.shelter_id.clone(), entry));
    }
    let query = format!(
        "township={}&year={year}&day={day}&known_at={}",
        body.township_code,
        seconds(body.known_at.as_ref())
    );
    let listed = list(rows, body.page_size, &body.page_token, &query)?;
    Ok(Response::new(pb::ListSheltersResponse {
        rows: listed.items,
        next_page_token: listed.next_page_token,
        total_size: listed.total_size,
        freshness: Some(freshness(shared)),
        ..totals
    }))
}

pub async fn get_team_coverage(
    shared: &Shared,
    request: Request<pb::GetTeamCoverageRequest>,
) -> Result<Response<pb::TeamCoverage>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let day = violations
        .optional_date("day", body.day.as_ref())
        .unwrap_or_else(|| local_date(chrono::Utc::now()));
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    // Held for the whole query: the generation's tables stay until it ends.
    let reading_generation = shared.generation();
    let generation = *reading_generation;
    let serving: Vec<Known<RescueTeamRow>> = known::<RescueTeamRow>(shared, known_at)
        .await?
        .into_iter()
        .filter(|record| record.row.state.0.serves_on(day))
        .collect();
    let comprehensive = |level: TeamLevel| {
        serving.iter().filter(move |record| {
            let team: &RescueTeam = &record.row.state.0;
            team.level == level && team.kind == TeamKind::Comprehensive
        })
    };
    let named = |record: &Known<RescueTeamRow>| format!("rescueTeams/{}", record.aggregate_id);
    let district_teams: Vec<String> = comprehensive(TeamLevel::District).map(named).collect();
    let district_team_event_ids: Vec<String> = comprehensive(TeamLevel::District)
        .flat_map(|record| record.event_ids_by(day))
        .collect();
    let townships: Vec<pb::TownshipTeams> =
        reader::townships(&mut begin_read(shared).await?, generation)
            .await
            .map_err(database_error)?
            .into_iter()
            .map(|township| {
                let counted: Vec<&Known<RescueTeamRow>> = comprehensive(TeamLevel::Township)
                    .filter(|record| record.row.state.0.township_code == township.code)
                    .collect();
                pb::TownshipTeams {
                    township_code: township.code,
                    township_name: township.name,
                    covered: !counted.is_empty(),
                    teams: counted.iter().map(|record| named(record)).collect(),
                    event_ids: counted
                        .iter()
                        .flat_map(|record| record.event_ids_by(day))
                        .collect(),
                }
            })
            .collect();
    let covered = townships.iter().filter(|township| township.covered).count() as u32;
    let total = townships.len() as u32;
    Ok(Response::new(pb::TeamCoverage {
        day: Some(day.into()),
        district_team_established: !district_teams.is_empty(),
        district_teams,
        townships,
        townships_covered: covered,
        townships_total: total,
        coverage: ratio(covered, total),
        teams_serving: serving.len() as u32,
        freshness: Some(freshness(shared)),
        district_team_event_ids,
        known_at: instant(known_at),
    }))
}

pub async fn get_training_totals(
    shared: &Shared,
    request: Request<pb::GetTrainingTotalsRequest>,
) -> Result<Response<pb::TrainingTotals>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let YearAsOf {
        day,
        last_day: year_end,
        ..
    } = year_as_of(&mut violations, body.year, body.day.as_ref());
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    let records = known::<TrainingCampaignRow>(shared, known_at).await?;
    let target = TRAINING_TARGETS.in_force(year_end);
    let mut totals = pb::TrainingTotals {
        year: body.year,
        day: Some(day.into()),
        target: target.rules.persons_per_year,
        rule_version: target.name.to_string(),
        known_at: instant(known_at),
        ..pb::TrainingTotals::default()
    };
    let records: Vec<&Known<TrainingCampaignRow>> = records
        .iter()
        .filter(|record| record.row.state.0.year == body.year)
        .collect();
    let campaigns: Vec<&TrainingCampaign> =
        records.iter().map(|record| &record.row.state.0).collect();
    // The district counts each person once across the year's campaigns.
    let district = counts_of(
        distinct_trainees(campaigns.iter().copied()).into_values(),
        day,
    );
    totals.trained = district.trained;
    totals.ammonia_refrigeration_operators = district.ammonia_refrigeration_operators;
    totals.shipyard_contractors = district.shipyard_contractors;
    for record in records {
        let state = &record.row.state.0;
        let counts = state.counts_on(day);
        let event_ids = record.event_ids_by(day);
        totals.event_ids.extend(event_ids.iter().cloned());
        totals.campaigns.push(pb::CampaignTotals {
            campaign: format!("trainingCampaigns/{}", state.campaign_id),
            title: state.title.clone(),
            target: state.target,
            trained: counts.trained,
            by_role: counts
                .by_role
                .into_iter()
                .map(|(role, trained)| pb::RoleCount { role, trained })
                .collect(),
            ammonia_refrigeration_operators: counts.ammonia_refrigeration_operators,
            shipyard_contractors: counts.shipyard_contractors,
            event_ids,
        });
    }
    totals.target_met = totals.trained >= totals.target;
    totals.freshness = Some(freshness(shared));
    Ok(Response::new(totals))
}
