//! What `make run` shows once the demo district is in: the two-ledger reconciliation per
//! township, read back through the public query API as any client would.

use std::time::Duration;

use hl_proto::ledger::v1 as pb;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_proto::ledger::v1::projection_admin_service_client::ProjectionAdminServiceClient;
use hl_proto::plans::v1::ResponseLevel;
use tonic::Status;
use tonic::transport::Channel;

use super::{Demo, Who};

/// `text` padded to `width` terminal columns; CJK characters take two.
fn pad(text: &str, width: usize) -> String {
    let used: usize = text
        .chars()
        .map(|character| if character >= '\u{2e80}' { 2 } else { 1 })
        .sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_string(), |rate| format!("{:.0}%", rate * 100.0))
}

/// Waits until the read models have applied everything, then prints the reconciliation.
pub async fn print(
    channel: Channel,
    region: &str,
    development: &crate::auth::DevelopmentKey,
) -> Result<(), Status> {
    let demo = Demo::for_reading(channel.clone(), region, development);
    let mut admin = ProjectionAdminServiceClient::new(channel.clone());
    for _ in 0..150 {
        let status = admin
            .get_projection_status(
                demo.request(pb::GetProjectionStatusRequest {}, Who::Administrator),
            )
            .await?
            .into_inner();
        if status
            .freshness
            .is_some_and(|freshness| freshness.is_caught_up())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut ledger = LedgerServiceClient::new(channel);
    let request = pb::GetReconciliationSummaryRequest {
        group_by: pb::GroupBy::Township as i32,
        ..Default::default()
    };
    let summary = ledger
        .get_reconciliation_summary(demo.request(request, Who::Administrator))
        .await?
        .into_inner();
    let period = |date: Option<hl_proto::common::v1::Date>| {
        date.and_then(|date| date.to_naive())
            .map(|day| day.to_string())
            .unwrap_or_default()
    };
    println!();
    println!(
        "Two-ledger reconciliation (两本账), {} to {}:",
        period(summary.period_start),
        period(summary.period_end)
    );
    println!(
        "  {} {:>9} {:>11} {:>7} {:>15} {:>10} {:>14}",
        pad("township", 12),
        "gov-found",
        "self-found",
        "missed",
        "self-discovery",
        "open major",
        "discrepancies"
    );
    let mut rows = summary.rows.clone();
    rows.extend(summary.total.clone());
    for row in &rows {
        let name = if row.group_name.is_empty() {
            row.group.clone()
        } else {
            row.group_name.clone()
        };
        println!(
            "  {} {:>9} {:>11} {:>7} {:>15} {:>10} {:>14}",
            pad(&name, 12),
            row.government_findings,
            row.self_found_matched,
            row.missed_by_self_check,
            percent(row.self_discovery_rate),
            row.open_major,
            row.discrepancies
        );
    }
    let classes: Vec<String> = summary
        .discrepancies_by_class
        .iter()
        .map(|count| format!("{} {}", count.code, count.count))
        .collect();
    println!("  discrepancies by class: {}", classes.join(" · "));
    println!(
        "  listing (挂牌) progress: {}",
        percent(summary.listing_progress)
    );
    print_enforcement(&demo, &mut ledger).await?;
    print_responsibility(&demo, &mut ledger).await?;
    print_duties(&demo, &mut ledger).await?;
    print_centres(&demo, &mut ledger).await?;
    print_evaluation(&demo, &mut ledger).await?;
    print_safety_items(&demo, &mut ledger).await?;
    print_plans(&demo, &mut ledger).await
}

/// The year's plan coverage and the open penalty cases with their clocks.
async fn print_enforcement(
    demo: &Demo,
    ledger: &mut LedgerServiceClient<Channel>,
) -> Result<(), Status> {
    let request = pb::GetPlanCoverageRequest {
        name: format!("inspectionPlans/{}", super::enforcement::PLAN),
        as_of: None,
    };
    let coverage = ledger
        .get_plan_coverage(demo.request(request, Who::Administrator))
        .await?
        .into_inner();
    println!();
    println!(
        "Annual inspection plan {}: {} of {} required visits done ({}); T14 expert consultations at non-coal mines: {} of {}",
        coverage.year,
        coverage.visits_done,
        coverage.visits_required,
        percent(Some(coverage.coverage)),
        coverage.non_coal_mines_with_expert_consultation,
        coverage.non_coal_mines
    );
    for grade in &coverage.grades {
        let name = hl_proto::enforcement::v1::SupervisionGrade::try_from(grade.grade)
            .map_or("?", |grade| grade.as_str_name());
        println!(
            "  {name:<28} {:>3} enterprises {:>3} of {:>3} visits",
            grade.enterprises, grade.visits_done, grade.visits_required
        );
    }
    let request = pb::ListPenaltyCasesRequest {
        open_only: true,
        ..Default::default()
    };
    let cases = ledger
        .list_penalty_cases(demo.request(request, Who::Administrator))
        .await?
        .into_inner();
    println!("Open penalty cases (行政处罚) and their clocks:");
    for case in &cases.cases {
        let clock = case.clock.clone().unwrap_or_default();
        let due = clock
            .due_on
            .and_then(|date| date.to_naive())
            .map(|day| day.to_string())
            .unwrap_or_default();
        println!(
            "  {:<24} {:<28} day {:>3} of {:>3}, due {due}{}",
            case.case_id,
            hl_proto::enforcement::v1::CaseStatus::try_from(case.status)
                .map_or("?", |status| status.as_str_name()),
            clock.days_used,
            clock.limit_days,
            if clock.paused { ", paused" } else { "" }
        );
    }
    Ok(())
}

async fn print_responsibility(
    demo: &Demo,
    ledger: &mut LedgerServiceClient<Channel>,
) -> Result<(), Status> {
    let gaps = ledger
        .list_responsibility_gaps(demo.request(
            pb::ListResponsibilityGapsRequest::default(),
            Who::Administrator,
        ))
        .await?
        .into_inner();
    println!();
    println!(
        "Responsibility (定人定责): {} of {} enterprises and grid cells have someone answering for them today; gaps:",
        gaps.objects_covered, gaps.objects_required
    );
    for gap in &gaps.gaps {
        println!(
            "  {:<20} {:<28} {}",
            gap.object_id,
            gap.object_name,
            hl_proto::responsibility::v1::Duty::try_from(gap.duty)
                .map_or("?", |duty| duty.as_str_name())
        );
    }
    Ok(())
}

/// The month before last's duties (履责) that fell short.
async fn print_duties(
    demo: &Demo,
    ledger: &mut LedgerServiceClient<Channel>,
) -> Result<(), Status> {
    let (year, month) = super::responsibility::short_month(demo.today());
    let short = ledger
        .list_duty_shortfalls(demo.request(
            pb::ListDutyShortfallsRequest {
                year,
                month: month as i32,
                ..Default::default()
            },
            Who::Administrator,
        ))
        .await?
        .into_inner();
    println!(
        "Duties (履责) of {year}-{month:02}: {} of {} closed months short",
        short.periods_short, short.periods_closed
    );
    for row in &short.rows {
        let missing: Vec<&str> = row
            .shortfalls
            .iter()
            .map(|short| short.object_id.as_str())
            .collect();
        println!(
            "  {:<20} no inspection of {}{}",
            row.person_id,
            missing.join(", "),
            if row.closed {
                ""
            } else {
                " (month not closed)"
            }
        );
    }
    Ok(())
}

/// The township emergency centres against their standard (T11).
async fn print_centres(
    demo: &Demo,
    ledger: &mut LedgerServiceClient<Channel>,
) -> Result<(), Status> {
    let centres = ledger
        .list_emergency_centres(demo.request(
            pb::ListEmergencyCentresRequest::default(),
            Who::Administrator,
        ))
        .await?
        .into_inner();
    println!(
        "Township emergency centres: T11 {} of {} townships to standard",
        centres.to_standard, centres.townships
    );
    for centre in centres.centres.iter().filter(|centre| centre.established) {
        println!(
            "  {:<12} staff {} of {}, on duty today: {}, equipment short: {}",
            centre.township_name,
            centre.staff,
            centre.staff_required,
            if centre.on_duty { "yes" } else { "no" },
            centre.equipment_short.join(", ")
        );
    }
    Ok(())
}

/// The townships' evaluation table (责任考评) with ranks.
async fn print_evaluation(
    demo: &Demo,
    ledger: &mut LedgerServiceClient<Channel>,
) -> Result<(), Status> {
    let year = chrono::Datelike::year(&demo.today());
    let table = ledger
        .get_evaluation_table(demo.request(
            pb::GetEvaluationTableRequest {
                name: format!("evaluations/{}", super::responsibility::evaluation_id(year)),
                ..Default::default()
            },
            Who::Administrator,
        ))
        .await?
        .into_inner();
    println!("Township evaluation (责任考评) {year}, as of today:");
    for row in &table.rows {
        let scores: Vec<String> = row
            .items
            .iter()
            .map(|item| format!("{:.0}", item.score))
            .collect();
        println!(
            "  {:>2}. {:<12} {:>5.1}  ({})",
            row.rank,
            row.unit_name,
            row.total,
            scores.join(" + ")
        );
    }
    Ok(())
}

/// The committee's lists with T15.
async fn print_safety_items(
    demo: &Demo,
    ledger: &mut LedgerServiceClient<Channel>,
) -> Result<(), Status> {
    let items = ledger
        .list_safety_items(demo.request(
            pb::ListSafetyItemsRequest {
                year: chrono::Datelike::year(&demo.today()),
                ..Default::default()
            },
            Who::Administrator,
        ))
        .await?
        .into_inner();
    println!(
        "Committee lists: T15 major problems closed out (销号) {} of {}",
        items.major_issues_closed_out, items.major_issues_listed
    );
    for row in &items.items {
        let item = row.item.clone().unwrap_or_default();
        println!(
            "  {:<24} {:<36} {} of {} sub-tasks done{}",
            item.item_id,
            hl_proto::responsibility::v1::SafetyItemStatus::try_from(item.status)
                .map_or("?", |status| status.as_str_name()),
            row.sub_tasks_done,
            item.sub_tasks.len(),
            if row.overdue { ", overdue" } else { "" }
        );
    }
    Ok(())
}

async fn print_plans(demo: &Demo, ledger: &mut LedgerServiceClient<Channel>) -> Result<(), Status> {
    let register = ledger
        .list_plans(demo.request(pb::ListPlansRequest::default(), Who::Administrator))
        .await?
        .into_inner();
    println!();
    println!("Emergency plans (应急预案):");
    for row in &register.plans {
        let plan = row.plan.clone().unwrap_or_default();
        let due = plan
            .next_evaluation_due
            .and_then(|date| date.to_naive())
            .map(|day| day.to_string())
            .unwrap_or_default();
        println!(
            "  {:<16} {:<30} v{} {:<24} evaluation due {due}{}",
            plan.plan_id,
            plan.title,
            plan.active_version,
            hl_proto::plans::v1::PlanStatus::try_from(plan.status)
                .map_or("?", |status| status.as_str_name()),
            if row.evaluation_overdue {
                ", overdue"
            } else {
                ""
            }
        );
    }
    for rate in &register.revision_rates {
        println!(
            "  修编率 {}: {} of {} revised in their cycle ({})",
            hl_proto::plans::v1::PlanLayer::try_from(rate.layer)
                .map_or("?", |layer| layer.as_str_name()),
            rate.revised,
            rate.in_scope,
            percent(rate.rate)
        );
    }
    let year = chrono::Datelike::year(&demo.today());
    print_readiness(demo, ledger, year).await?;
    print_accidents(demo, ledger, year).await?;
    print_typhoon(demo, ledger).await?;
    print_targets(demo, ledger, year).await
}

/// The year's drills, shelters, rescue teams and training, one line each.
async fn print_readiness(
    demo: &Demo,
    ledger: &mut LedgerServiceClient<Channel>,
    year: i32,
) -> Result<(), Status> {
    let drills = ledger
        .list_drill_shortfalls(demo.request(
            pb::ListDrillShortfallsRequest {
                year,
                ..Default::default()
            },
            Who::Administrator,
        ))
        .await?
        .into_inner();
    let met = drills
        .rows
        .iter()
        .filter(|row| {
            row.minimums
                .iter()
                .all(|minimum| minimum.status == pb::DrillMinimumStatus::Met as i32)
        })
        .count();
    println!(
        "  Enterprise drills (演练) in {year}: {} of {} enterprises short of a minimum, {met} meeting every minimum so far",
        drills.enterprises_short, drills.enterprises
    );
    let shelters = ledger
        .list_shelters(demo.request(pb::ListSheltersRequest::default(), Who::Administrator))
        .await?
        .into_inner();
    println!(
        "  Shelters (避灾安置场所): {} for {} persons, {} certified; {} open with {} people; T5: {} certified in {year} ({})",
        shelters.shelters,
        shelters.capacity,
        shelters.certified,
        shelters.open,
        shelters.occupied,
        shelters.certified_in_year,
        shelters.certified_in_year_shelters.join(", ")
    );
    let teams = ledger
        .get_team_coverage(demo.request(pb::GetTeamCoverageRequest::default(), Who::Administrator))
        .await?
        .into_inner();
    let without: Vec<&str> = teams
        .townships
        .iter()
        .filter(|township| !township.covered)
        .map(|township| township.township_name.as_str())
        .collect();
    println!(
        "  Rescue teams (救援队伍): T8 district team {}; T9 {} of {} townships ({}), without one: {}",
        if teams.district_team_established {
            "established"
        } else {
            "missing"
        },
        teams.townships_covered,
        teams.townships_total,
        percent(teams.coverage),
        without.join(", ")
    );
    let training = ledger
        .get_training_totals(demo.request(
            pb::GetTrainingTotalsRequest {
                year,
                ..Default::default()
            },
            Who::Administrator,
        ))
        .await?
        .into_inner();
    println!(
        "  Training (培训) in {year}: {} persons of the T12 target {} ({} ammonia-refrigeration operators, {} shipyard contractors)",
        training.trained,
        training.target,
        training.ammonia_refrigeration_operators,
        training.shipyard_contractors
    );
    Ok(())
}

/// T1, T2 and T4: the year's accidents against the same days of the year before.
async fn print_accidents(
    demo: &Demo,
    ledger: &mut LedgerServiceClient<Channel>,
    year: i32,
) -> Result<(), Status> {
    let totals = ledger
        .get_accident_totals(demo.request(
            pb::GetAccidentTotalsRequest {
                year,
                ..Default::default()
            },
            Who::Administrator,
        ))
        .await?
        .into_inner();
    let this_year = totals.this_year.clone().unwrap_or_default();
    let year_before = totals.year_before.clone().unwrap_or_default();
    let status = |status: pb::TargetStatus| match status {
        pb::TargetStatus::Met => "met",
        pb::TargetStatus::NotMet => "not met",
        _ => "not yet due",
    };
    println!(
        "  Accidents (生产安全事故) in {year} so far: {} with {} deaths, against {} with {} deaths the same days of {}; T1 fewer accidents {}, T2 fewer deaths {}, T4 none 较大 or above {}",
        this_year.accidents,
        this_year.deaths,
        year_before.accidents,
        year_before.deaths,
        year - 1,
        status(totals.fewer_accidents()),
        status(totals.fewer_deaths()),
        status(totals.no_relatively_major_accident())
    );
    Ok(())
}

/// The demo typhoon's response: its level, the stops still in force, the vessels not secured.
async fn print_typhoon(
    demo: &Demo,
    ledger: &mut LedgerServiceClient<Channel>,
) -> Result<(), Status> {
    let response = ledger
        .get_disaster_response(demo.request(
            pb::GetDisasterResponseRequest {
                disaster_event: super::typhoon::TYPHOON.into(),
            },
            Who::Administrator,
        ))
        .await?
        .into_inner();
    let event = response.disaster_event.clone().unwrap_or_default();
    let measures: usize = response
        .orders
        .iter()
        .map(|order| order.measures.len())
        .sum();
    let loose: Vec<String> = response
        .not_secured
        .iter()
        .map(|vessel| format!("{} at {}", vessel.vessel_name, vessel.mooring_place))
        .collect();
    println!(
        "  Typhoon season (台汛期): {} at response {}; {} five-stop order(s), {} of {} stops still in force; key vessels secured {}, not yet secured {}: {}",
        event.title,
        match event.level() {
            ResponseLevel::I => "Ⅰ级",
            ResponseLevel::Ii => "Ⅱ级",
            ResponseLevel::Iii => "Ⅲ级",
            ResponseLevel::Iv => "Ⅳ级",
            ResponseLevel::Unspecified => "ended",
        },
        response.orders.len(),
        response.measures_in_force,
        measures,
        response.secured.len(),
        response.not_secured.len(),
        loose.join(", ")
    );
    Ok(())
}

/// The year's targets, T1 to T16, one line each.
async fn print_targets(
    demo: &Demo,
    ledger: &mut LedgerServiceClient<Channel>,
    year: i32,
) -> Result<(), Status> {
    let targets = ledger
        .get_targets(demo.request(
            pb::GetTargetsRequest {
                year,
                ..Default::default()
            },
            Who::Administrator,
        ))
        .await?
        .into_inner();
    println!("  Targets of {year} (T1–T16), each with the records it counts:");
    for target in &targets.targets {
        let status = match target.status() {
            pb::TargetStatus::Met => "met",
            pb::TargetStatus::NotMet => "NOT MET",
            pb::TargetStatus::NotYetDue => "not yet due",
            pb::TargetStatus::AwaitingData => "awaiting data",
            pb::TargetStatus::Unspecified => "?",
        };
        let number = |value: Option<f64>| match (value, target.unit.as_str()) {
            (None, _) => "—".to_string(),
            (Some(share), "share") => percent(Some(share)),
            (Some(value), _) if value.fract() == 0.0 => format!("{value}"),
            (Some(value), _) => format!("{value:.4}"),
        };
        let against = match target.year_before {
            Some(before) => format!("{} the same days of the year before", number(Some(before))),
            None => number(target.target),
        };
        println!(
            "    {:<4} {}: {} against {against}, {}; {} counted",
            target.code,
            target.title,
            number(target.figure),
            status,
            target.counted.len()
        );
    }
    Ok(())
}
