//! The year's work-safety accidents against the year before: T1 (fewer accidents), T2 (fewer
//! deaths) and T4 (none graded 较大 or above), each with the accidents it counts.

use chrono::{Datelike, NaiveDate};
use hl_domain::access::require_district_reader;
use hl_domain::clock::local_date;
use hl_plans::domain::accident::Accident;
use hl_plans::read_models::AccidentRow;
use hl_proto::ledger::v1 as pb;
use hl_proto::ledger::v1::TargetStatus;
use hl_proto::plans::v1::AccidentGrade;
use hl_runtime::{ServiceError, Violations, caller};
use tonic::{Request, Response, Status};

use super::{Shared, YearAsOf, freshness, instant, known, year_as_of};

const GRADES: [AccidentGrade; 4] = [
    AccidentGrade::General,
    AccidentGrade::RelativelyMajor,
    AccidentGrade::Major,
    AccidentGrade::ExtraordinarilyMajor,
];

pub async fn get_accident_totals(
    shared: &Shared,
    request: Request<pb::GetAccidentTotalsRequest>,
) -> Result<Response<pb::AccidentTotals>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let YearAsOf {
        first_day,
        day,
        last_day: year_end,
    } = year_as_of(&mut violations, body.year, body.day.as_ref());
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    let records = known::<AccidentRow>(shared, known_at).await?;
    let accidents: Vec<&Accident> = records.iter().map(|record| &record.row.state.0).collect();
    let with_events = |mut period: pb::AccidentPeriod| {
        let counted: std::collections::HashSet<&str> =
            period.counted.iter().map(String::as_str).collect();
        period.event_ids = records
            .iter()
            .filter(|record| {
                counted.contains(format!("accidents/{}", record.aggregate_id).as_str())
            })
            .flat_map(|record| record.events.iter().map(|step| step.event_id.clone()))
            .collect();
        period
    };
    let this_year = with_events(period(&accidents, first_day, day));
    let year_before = with_events(period(
        &accidents,
        a_year_before(first_day),
        a_year_before(day),
    ));
    let whole_year_before = period(
        &accidents,
        a_year_before(first_day),
        a_year_before(year_end),
    );
    let over = day >= year_end;
    let relatively_major_or_worse: Vec<String> = accidents
        .iter()
        .filter(|accident| happened_within(accident, first_day, day))
        .filter(|accident| accident.grade.is_relatively_major_or_worse())
        .map(|accident| format!("accidents/{}", accident.accident_id))
        .collect();
    let no_relatively_major_accident = if !relatively_major_or_worse.is_empty() {
        TargetStatus::NotMet
    } else if over {
        TargetStatus::Met
    } else {
        TargetStatus::NotYetDue
    };
    let totals = pb::AccidentTotals {
        year: body.year,
        day: Some(day.into()),
        fewer_accidents: fewer(
            this_year.accidents,
            (year_before.accidents, whole_year_before.accidents),
            over,
        ) as i32,
        fewer_deaths: fewer(
            this_year.deaths,
            (year_before.deaths, whole_year_before.deaths),
            over,
        ) as i32,
        no_relatively_major_accident: no_relatively_major_accident as i32,
        relatively_major_or_worse,
        this_year: Some(this_year),
        year_before: Some(year_before),
        freshness: Some(freshness(shared)),
        known_at: instant(known_at),
    };
    Ok(Response::new(totals))
}

/// The same day a year before; 28 February for a 29 February.
fn a_year_before(day: NaiveDate) -> NaiveDate {
    let year = day.year() - 1;
    NaiveDate::from_ymd_opt(year, day.month(), day.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, day.month(), day.day() - 1))
        .unwrap_or(NaiveDate::MIN)
}

fn happened_within(accident: &Accident, first_day: NaiveDate, last_day: NaiveDate) -> bool {
    (first_day..=last_day).contains(&local_date(accident.happened_at))
}

/// The accidents that happened from `first_day` to `last_day`, by when they happened.
fn period(
    accidents: &[&Accident],
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> pb::AccidentPeriod {
    let mut within: Vec<&Accident> = accidents
        .iter()
        .copied()
        .filter(|accident| happened_within(accident, first_day, last_day))
        .collect();
    within.sort_by(|a, b| (a.happened_at, &a.accident_id).cmp(&(b.happened_at, &b.accident_id)));
    let mut totals = pb::AccidentPeriod {
        first_day: Some(first_day.into()),
        last_day: Some(last_day.into()),
        by_grade: GRADES
            .iter()
            .map(|grade| pb::AccidentGradeCount {
                grade: *grade as i32,
                accidents: 0,
            })
            .collect(),
        ..pb::AccidentPeriod::default()
    };
    for accident in within {
        totals.accidents += 1;
        totals.deaths += accident.figures.deaths;
        totals.serious_injuries += accident.figures.serious_injuries;
        totals.direct_loss_fen += accident.figures.direct_loss_fen;
        if let Some(count) = totals
            .by_grade
            .iter_mut()
            .find(|count| count.grade == accident.grade as i32)
        {
            count.accidents += 1;
        }
        totals
            .counted
            .push(format!("accidents/{}", accident.accident_id));
    }
    totals
}

/// A "fewer than the year before" target: met when the year ends below the same period of the
/// year before, or with none; not met once the year has as many as the whole year before had
/// (it can only grow); not yet due otherwise.
fn fewer(this_year: u32, (same_period, whole_year_before): (u32, u32), over: bool) -> TargetStatus {
    if this_year > 0 && this_year >= whole_year_before {
        return TargetStatus::NotMet;
    }
    if !over {
        return TargetStatus::NotYetDue;
    }
    if this_year == 0 || this_year < same_period {
        TargetStatus::Met
    } else {
        TargetStatus::NotMet
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leap_day_compares_with_the_last_day_of_february() {
        let leap = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(
            a_year_before(leap),
            NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()
        );
    }

    #[test]
    fn fewer_settles_early_only_when_it_cannot_be_met() {
        assert_eq!(fewer(2, (1, 3), false), TargetStatus::NotYetDue);
        assert_eq!(fewer(3, (1, 3), false), TargetStatus::NotMet);
        assert_eq!(fewer(2, (3, 3), true), TargetStatus::Met);
        assert_eq!(fewer(0, (0, 0), true), TargetStatus::Met);
        assert_eq!(fewer(0, (0, 0), false), TargetStatus::NotYetDue);
        assert_eq!(fewer(2, (2, 3), true), TargetStatus::NotMet);
    }
}
