//! The bureau's targets (T1–T16 of the work plan) for a year as of a day, in one answer. Each
//! figure is read by the query that answers it in full, asked here as the caller, so a target
//! and its own query can never disagree; this module only lines them up, holds each against its
//! target and keeps its lineage. A target that awaits data says so, with no figure: never a zero.

use chrono::NaiveDate;
use hl_domain::access::require_district_reader;
use hl_domain::clock::local_date;
use hl_hazards::read_models::devices::{DeviceRow, DeviceTestRow};
use hl_hazards::read_models::hazards::HazardRow;
use hl_plans::domain::disaster_event::DisasterEvent;
use hl_plans::domain::gdp::AnnualGdp;
use hl_plans::domain::rules::DISTRICT_TARGETS;
use hl_plans::read_models::{AnnualGdpRow, DisasterEventRow};
use hl_proto::common::v1::Actor;
use hl_proto::hazards::v1::{AlarmDeviceKind, AlarmTestResult, Provenance};
use hl_proto::ledger::v1 as pb;
use hl_proto::ledger::v1::TargetStatus;
use hl_proto::plans::v1::{DisasterKind, PlanLayer};
use hl_proto::responsibility::v1::{SafetyItemKind, SafetyItemStatus};
use hl_readmodel::Known;
use hl_runtime::pagination::MAX_PAGE_SIZE;
use hl_runtime::{ServiceError, Violations, caller};
use tonic::{Request, Response, Status};

use super::{Shared, YearAsOf, begin_read, database_error, freshness, instant, year_as_of};
use crate::reader;
use crate::reconciliation::ratio;

/// The year read: its days, whether it is over, and who asks.
struct Reading<'a> {
    shared: &'a Shared,
    actor: Actor,
    year: i32,
    days: YearAsOf,
    /// The recording time read, as the inner queries are asked it.
    known_at: Option<hl_proto::Timestamp>,
}

impl Reading<'_> {
    /// A request to one of the ledger's own queries, as the caller.
    fn ask<T>(&self, body: T) -> Request<T> {
        let mut request = Request::new(body);
        request.extensions_mut().insert(self.actor.clone());
        request
    }

    fn over(&self) -> bool {
        self.days.day >= self.days.last_day
    }

    /// A target reached by meeting it once (a count or share up to its target): met once
    /// reached, not met when the year ended short, not yet due before.
    fn reached(&self, reached: bool) -> TargetStatus {
        if reached {
            TargetStatus::Met
        } else if self.over() {
            TargetStatus::NotMet
        } else {
            TargetStatus::NotYetDue
        }
    }

    /// A share held against the least it should reach; without a share (nothing to count
    /// yet) it awaits data.
    fn share_reached(&self, share: Option<f64>, wanted: f64) -> TargetStatus {
        match share {
            Some(share) => self.reached(share >= wanted),
            None => TargetStatus::AwaitingData,
        }
    }

    fn day(&self) -> Option<hl_proto::common::v1::Date> {
        Some(self.days.day.into())
    }

    /// A plans read model's records as the ledger knew them at the recording time read.
    async fn known<R: hl_readmodel::StateRow>(&self) -> Result<Vec<Known<R>>, Status> {
        let known_at = self
            .known_at
            .as_ref()
            .and_then(hl_proto::instant)
            .unwrap_or_else(chrono::Utc::now);
        super::known::<R>(self.shared, known_at).await
    }
}

fn target(code: &str, title: &str, unit: &str, source: &str) -> pb::TargetReading {
    pb::TargetReading {
        code: code.into(),
        title: title.into(),
        unit: unit.into(),
        source: source.into(),
        ..pb::TargetReading::default()
    }
}

/// A share to reach in full: the records counted out of those it is a share of.
fn full_share(
    reading: &Reading<'_>,
    (code, title, source): (&str, &str, &str),
    counted: Vec<String>,
    out_of: Vec<String>,
) -> pb::TargetReading {
    let mut share = target(code, title, "share", source);
    share.figure = ratio(counted.len() as u32, out_of.len() as u32);
    share.target = Some(1.0);
    share.status = reading.share_reached(share.figure, 1.0) as i32;
    share.counted = counted;
    share.out_of = out_of;
    share
}

pub async fn get_targets(
    shared: &Shared,
    request: Request<pb::GetTargetsRequest>,
) -> Result<Response<pb::Targets>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let days = year_as_of(&mut violations, body.year, body.day.as_ref());
    let known_at = violations.instant("known_at", body.known_at.as_ref());
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    let reading = Reading {
        shared,
        actor,
        year: body.year,
        days,
        known_at: instant(known_at),
    };
    let mut targets = accidents(&reading).await?;
    targets.push(shelters(&reading).await?);
    targets.push(disaster_deaths(&reading).await?);
    targets.push(forest_fires(&reading).await?);
    targets.extend(teams(&reading).await?);
    targets.push(special_plans(&reading).await?);
    targets.push(emergency_centres(&reading).await?);
    targets.push(training(&reading).await?);
    targets.push(ammonia_alarms(&reading).await?);
    targets.push(expert_consultations(&reading).await?);
    targets.push(major_issues(&reading).await?);
    targets.push(upstream_items(&reading).await?);
    Ok(Response::new(pb::Targets {
        year: reading.year,
        day: reading.day(),
        targets,
        freshness: Some(freshness(shared)),
        known_at: reading.known_at,
    }))
}

/// T1, T2, T4 from the accident totals, and T3 from them and the two years' GDP.
async fn accidents(reading: &Reading<'_>) -> Result<Vec<pb::TargetReading>, Status> {
    let totals = super::accidents::get_accident_totals(
        reading.shared,
        reading.ask(pb::GetAccidentTotalsRequest {
            year: reading.year,
            day: reading.day(),
            known_at: reading.known_at,
        }),
    )
    .await?
    .into_inner();
    let source = "LedgerService/GetAccidentTotals";
    let this_year = totals.this_year.clone().unwrap_or_default();
    let year_before = totals.year_before.clone().unwrap_or_default();
    let compared = |mut target: pb::TargetReading, now: f64, before: f64, status| {
        target.figure = Some(now);
        target.year_before = Some(before);
        target.target = Some(before);
        target.status = status as i32;
        target.counted = this_year.counted.clone();
        target.out_of = year_before.counted.clone();
        target.event_ids = [&this_year.event_ids[..], &year_before.event_ids[..]].concat();
        target
    };
    let t1 = compared(
        target("T1", "生产安全事故起数同比下降", "accidents", source),
        f64::from(this_year.accidents),
        f64::from(year_before.accidents),
        totals.fewer_accidents(),
    );
    let t2 = compared(
        target("T2", "生产安全事故死亡人数同比下降", "deaths", source),
        f64::from(this_year.deaths),
        f64::from(year_before.deaths),
        totals.fewer_deaths(),
    );
    let t3 = deaths_per_gdp(reading, &this_year, &year_before).await?;
    let mut t4 = target("T4", "不发生较大及以上生产安全事故", "accidents", source);
    t4.figure = Some(totals.relatively_major_or_worse.len() as f64);
    t4.target = Some(0.0);
    t4.status = totals.no_relatively_major_accident;
    t4.counted = totals.relatively_major_or_worse.clone();
    // Every accident's grade settles T4, so every accident of the year stands behind it.
    t4.event_ids = this_year.event_ids.clone();
    Ok(vec![t1, t2, t3, t4])
}

/// T3: deaths per 亿元 of the year's GDP, against the same days of the year before over that
/// year's GDP. Without either year's GDP there is no figure; it is settled when the year ends.
async fn deaths_per_gdp(
    reading: &Reading<'_>,
    this_year: &pb::AccidentPeriod,
    year_before: &pb::AccidentPeriod,
) -> Result<pb::TargetReading, Status> {
    let mut t3 = target(
        "T3",
        "亿元GDP生产安全事故死亡率同比下降",
        "deaths per 亿元 GDP",
        "LedgerService/GetAccidentTotals, PlansService/GetAnnualGdp",
    );
    let records = reading.known::<AnnualGdpRow>().await?;
    let record_of = |year: i32| {
        records
            .iter()
            .find(|record| record.row.state.0.year == year)
    };
    let gdp_of =
        |year: i32| -> Option<&AnnualGdp> { record_of(year).map(|record| &record.row.state.0) };
    let rate = |period: &pb::AccidentPeriod, gdp: Option<&AnnualGdp>| {
        gdp.and_then(AnnualGdp::gdp_yi_yuan)
            .map(|yi_yuan| f64::from(period.deaths) / yi_yuan)
    };
    let (now, gdp_now) = (reading.year, gdp_of(reading.year));
    let gdp_before = gdp_of(now - 1);
    t3.figure = rate(this_year, gdp_now);
    t3.year_before = rate(year_before, gdp_before);
    t3.target = t3.year_before;
    t3.counted = this_year.counted.clone();
    t3.out_of = year_before.counted.clone();
    t3.event_ids = [&this_year.event_ids[..], &year_before.event_ids[..]].concat();
    for year in [now, now - 1] {
        if let Some(record) = record_of(year) {
            t3.counted.push(format!("annualGdp/{year}"));
            t3.event_ids
                .extend(record.events.iter().map(|step| step.event_id.clone()));
        }
    }
    let missing: Vec<String> = [(now, gdp_now), (now - 1, gdp_before)]
        .into_iter()
        .filter(|(_, gdp)| gdp.is_none())
        .map(|(year, _)| year.to_string())
        .collect();
    t3.status = match (t3.figure, t3.year_before) {
        (Some(figure), Some(before)) if reading.over() => {
            if figure < before || figure == 0.0 {
                TargetStatus::Met
            } else {
                TargetStatus::NotMet
            }
        }
        (Some(_), Some(_)) => TargetStatus::NotYetDue,
        _ => {
            t3.note = format!(
                "the GDP of {} is not entered yet (PlansService/RecordAnnualGdp)",
                missing.join(" and ")
            );
            TargetStatus::AwaitingData
        }
    } as i32;
    Ok(t3)
}

/// T5: the shelters certified 规范化 in the year.
async fn shelters(reading: &Reading<'_>) -> Result<pb::TargetReading, Status> {
    let listed = super::plans::list_shelters(
        reading.shared,
        reading.ask(pb::ListSheltersRequest {
            page_size: 1,
            year: reading.year,
            day: reading.day(),
            known_at: reading.known_at,
            ..pb::ListSheltersRequest::default()
        }),
    )
    .await?
    .into_inner();
    let rules = DISTRICT_TARGETS.in_force(reading.days.last_day);
    let wanted = rules.rules.shelters_certified_per_year;
    let mut t5 = target(
        "T5",
        "新增规范化避灾安置场所",
        "shelters",
        "LedgerService/ListShelters",
    );
    t5.figure = Some(f64::from(listed.certified_in_year));
    t5.target = Some(f64::from(wanted));
    t5.status = reading.reached(listed.certified_in_year >= wanted) as i32;
    t5.counted = listed.certified_in_year_shelters;
    t5.event_ids = listed.certified_in_year_event_ids;
    t5.note = rules.name.to_string();
    Ok(t5)
}

/// The disaster events of the kinds asked for declared in the year up to the day.
async fn events_of_year(
    reading: &Reading<'_>,
    kinds: &[DisasterKind],
) -> Result<Vec<Known<DisasterEventRow>>, Status> {
    let YearAsOf { first_day, day, .. } = reading.days;
    Ok(reading
        .known::<DisasterEventRow>()
        .await?
        .into_iter()
        .filter(|record| {
            let event = &record.row.state.0;
            kinds.contains(&event.kind)
                && declared_on(event).is_some_and(|on| (first_day..=day).contains(&on))
        })
        .collect())
}

fn event_name(record: &Known<DisasterEventRow>) -> String {
    format!("disasterEvents/{}", record.aggregate_id)
}

/// The events of the records that happened by the day read.
fn events_by_day<R>(reading: &Reading<'_>, records: &[Known<R>]) -> Vec<String> {
    records
        .iter()
        .flat_map(|record| record.event_ids_by(reading.days.day))
        .collect()
}

/// T6: the deaths the year's typhoons and floods caused, by their latest situation reports up to
/// the day.
async fn disaster_deaths(reading: &Reading<'_>) -> Result<pb::TargetReading, Status> {
    let day = reading.days.day;
    let events = events_of_year(reading, &[DisasterKind::Typhoon, DisasterKind::Flood]).await?;
    let deaths: u32 = events
        .iter()
        .map(|record| {
            record
                .row
                .state
                .0
                .situation_reports
                .iter()
                .rev()
                .find(|report| local_day(report.as_of).is_some_and(|on| on <= day))
                .map_or(0, |report| report.deaths)
        })
        .sum();
    let mut t6 = target(
        "T6",
        "台风、洪涝灾害不发生人员死亡",
        "deaths",
        "PlansService/GetDisasterEvent",
    );
    t6.figure = Some(f64::from(deaths));
    t6.target = Some(0.0);
    t6.status = if deaths > 0 {
        TargetStatus::NotMet
    } else {
        reading.reached(reading.over())
    } as i32;
    t6.counted = events.iter().map(event_name).collect();
    t6.event_ids = events_by_day(reading, &events);
    t6.note = "each typhoon and flood declared in the year, by its latest situation report".into();
    Ok(t6)
}

/// T7: the year's forest fires graded 较大 or worse by their latest situation report.
async fn forest_fires(reading: &Reading<'_>) -> Result<pb::TargetReading, Status> {
    let fires = events_of_year(reading, &[DisasterKind::ForestFire]).await?;
    let graded: Vec<String> = fires
        .iter()
        .filter(|fire| {
            fire.row
                .state
                .0
                .forest_fire_grade()
                .is_some_and(|(grade, _)| grade.is_relatively_major_or_worse())
        })
        .map(event_name)
        .collect();
    let mut t7 = target(
        "T7",
        "不发生较大及以上森林火灾",
        "forest fires",
        "PlansService/GetDisasterEvent",
    );
    t7.figure = Some(graded.len() as f64);
    t7.target = Some(0.0);
    t7.status = if graded.is_empty() {
        reading.reached(reading.over())
    } else {
        TargetStatus::NotMet
    } as i32;
    t7.note = "graded by burned forest, deaths and serious injuries (森林防火条例 第四十条)".into();
    t7.counted = graded;
    t7.out_of = fires.iter().map(event_name).collect();
    t7.event_ids = events_by_day(reading, &fires);
    Ok(t7)
}

/// The local day of a recorded moment.
fn local_day(at: Option<hl_proto::Timestamp>) -> Option<NaiveDate> {
    hl_proto::instant(&at?).map(hl_domain::clock::local_date)
}

/// The day an event was declared: its timeline's first step.
fn declared_on(event: &DisasterEvent) -> Option<NaiveDate> {
    local_day(event.timeline.first()?.at)
}

/// T8 and T9 from the team coverage on the day.
async fn teams(reading: &Reading<'_>) -> Result<Vec<pb::TargetReading>, Status> {
    let coverage = super::plans::get_team_coverage(
        reading.shared,
        reading.ask(pb::GetTeamCoverageRequest {
            day: reading.day(),
            known_at: reading.known_at,
        }),
    )
    .await?
    .into_inner();
    let source = "LedgerService/GetTeamCoverage";
    let mut t8 = target("T8", "区级综合性应急救援队伍组建率100%", "share", source);
    let established = coverage.district_team_established;
    t8.figure = Some(if established { 1.0 } else { 0.0 });
    t8.target = Some(1.0);
    t8.status = reading.reached(established) as i32;
    t8.counted = coverage.district_teams.clone();
    t8.event_ids = coverage.district_team_event_ids.clone();
    let mut t9 = target(
        "T9",
        "乡镇（街道）综合性应急救援队伍覆盖率100%",
        "share",
        source,
    );
    t9.figure = coverage.coverage;
    t9.target = Some(1.0);
    t9.status = reading.share_reached(coverage.coverage, 1.0) as i32;
    t9.counted = coverage
        .townships
        .iter()
        .filter(|township| township.covered)
        .flat_map(|township| township.teams.iter().cloned())
        .collect();
    t9.event_ids = coverage
        .townships
        .iter()
        .flat_map(|township| township.event_ids.iter().cloned())
        .collect();
    t9.out_of = coverage
        .townships
        .iter()
        .map(|township| format!("townships/{}", township.township_code))
        .collect();
    Ok(vec![t8, t9])
}

/// T10: 修编率 of the special plans on the day.
async fn special_plans(reading: &Reading<'_>) -> Result<pb::TargetReading, Status> {
    let listed = super::plans::list_plans(
        reading.shared,
        reading.ask(pb::ListPlansRequest {
            page_size: 1,
            layer: PlanLayer::Special as i32,
            day: reading.day(),
            known_at: reading.known_at,
            ..pb::ListPlansRequest::default()
        }),
    )
    .await?
    .into_inner();
    let rules = DISTRICT_TARGETS.in_force(reading.days.last_day);
    let wanted = rules.rules.special_plan_revision_rate;
    let mut t10 = target(
        "T10",
        "专项应急预案修编率达90%以上",
        "share",
        "LedgerService/ListPlans",
    );
    t10.target = Some(wanted);
    t10.note = rules.name.to_string();
    let special = listed
        .revision_rates
        .into_iter()
        .find(|rate| rate.layer == PlanLayer::Special as i32);
    match special.and_then(|rate| rate.rate.map(|share| (share, rate))) {
        Some((share, rate)) => {
            t10.figure = Some(share);
            t10.status = reading.reached(share >= wanted) as i32;
            t10.counted = rate.revised_plans;
            t10.out_of = rate.plans_in_scope;
            t10.event_ids = rate.event_ids;
        }
        None => {
            t10.status = TargetStatus::AwaitingData as i32;
            t10.note = format!("{}; no special plan is in scope", rules.name);
        }
    }
    Ok(t10)
}

/// T11: the townships whose emergency centre is to standard on the day.
async fn emergency_centres(reading: &Reading<'_>) -> Result<pb::TargetReading, Status> {
    let listed = super::responsibility::list_emergency_centres(
        reading.shared,
        reading.ask(pb::ListEmergencyCentresRequest {
            page_size: MAX_PAGE_SIZE as i32,
            day: reading.day(),
            known_at: reading.known_at,
            ..pb::ListEmergencyCentresRequest::default()
        }),
    )
    .await?
    .into_inner();
    let township = |centre: &pb::CentreReadiness| format!("townships/{}", centre.township_code);
    let mut t11 = full_share(
        reading,
        (
            "T11",
            "乡镇（街道）应急指挥场所、值班队伍、装备配备100%达标",
            "LedgerService/ListEmergencyCentres",
        ),
        listed
            .centres
            .iter()
            .filter(|centre| centre.to_standard)
            .map(township)
            .collect(),
        listed.centres.iter().map(township).collect(),
    );
    t11.event_ids = listed
        .centres
        .iter()
        .flat_map(|centre| centre.event_ids.iter().cloned())
        .collect();
    Ok(t11)
}

/// T12: the distinct persons the year's campaigns trained.
async fn training(reading: &Reading<'_>) -> Result<pb::TargetReading, Status> {
    let totals = super::plans::get_training_totals(
        reading.shared,
        reading.ask(pb::GetTrainingTotalsRequest {
            year: reading.year,
            day: reading.day(),
            known_at: reading.known_at,
        }),
    )
    .await?
    .into_inner();
    let mut t12 = target(
        "T12",
        "安全生产培训不少于7000人",
        "persons",
        "LedgerService/GetTrainingTotals",
    );
    t12.figure = Some(f64::from(totals.trained));
    t12.target = Some(f64::from(totals.target));
    t12.status = reading.reached(totals.target_met) as i32;
    t12.counted = totals
        .campaigns
        .iter()
        .map(|campaign| campaign.campaign.clone())
        .collect();
    t12.event_ids = totals.event_ids;
    t12.note = format!(
        "{}; each person once, however many campaigns trained them",
        totals.rule_version
    );
    Ok(t12)
}

/// T14: the district's non-coal mines with a completed expert consultation in the year.
async fn expert_consultations(reading: &Reading<'_>) -> Result<pb::TargetReading, Status> {
    let as_of = end_of(reading.days.day);
    let completed =
        super::enforcement::completed_in_year(reading.shared, reading.year, as_of).await?;
    let (mines, consulted) =
        super::enforcement::expert_consultations(reading.shared, reading.year, as_of, &completed)
            .await?;
    let enterprise = |id: &String| format!("enterprises/{id}");
    Ok(full_share(
        reading,
        (
            "T14",
            "非煤矿山专家会诊覆盖率100%",
            "LedgerService/GetPlanCoverage",
        ),
        consulted.iter().map(enterprise).collect(),
        mines.iter().map(enterprise).collect(),
    ))
}

/// The last moment of a day in the district.
fn end_of(day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    let next = day.succ_opt().unwrap_or(day);
    hl_domain::clock::local_instant(next, chrono::NaiveTime::MIN)
        - chrono::Duration::milliseconds(1)
}

/// T15: the year's major problems closed out (销号) by the day, every page of them.
async fn major_issues(reading: &Reading<'_>) -> Result<pb::TargetReading, Status> {
    let (mut counted, mut out_of) = (Vec::new(), Vec::new());
    let mut page_token = String::new();
    loop {
        let page = super::responsibility::list_safety_items(
            reading.shared,
            reading.ask(pb::ListSafetyItemsRequest {
                page_size: MAX_PAGE_SIZE as i32,
                page_token: page_token.clone(),
                kind: SafetyItemKind::MajorIssue as i32,
                year: reading.year,
                day: reading.day(),
                ..pb::ListSafetyItemsRequest::default()
            }),
        )
        .await?
        .into_inner();
        for row in &page.items {
            let Some(item) = &row.item else { continue };
            let name = format!("safetyItems/{}", item.item_id);
            let closed_by_day = item.status == SafetyItemStatus::ClosedOut as i32
                && item
                    .closed_out_on
                    .as_ref()
                    .and_then(hl_proto::common::v1::Date::to_naive)
                    .is_some_and(|on| on <= reading.days.day);
            if closed_by_day {
                counted.push(name.clone());
            }
            out_of.push(name);
        }
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    Ok(full_share(
        reading,
        (
            "T15",
            "重大安全生产问题清单全部销号",
            "LedgerService/ListSafetyItems",
        ),
        counted,
        out_of,
    ))
}

/// T13: the ammonia-concentration alarms in service on the day whose last evidenced test up to
/// the day passed and whose next test is not yet past: the devices D8 does not list.
async fn ammonia_alarms(reading: &Reading<'_>) -> Result<pb::TargetReading, Status> {
    // Held for the whole query: the generation's tables stay until it ends.
    let reading_generation = reading.shared.generation();
    let generation = *reading_generation;
    let mut transaction = begin_read(reading.shared).await?;
    let devices = reader::all_rows::<DeviceRow>(&mut transaction, generation)
        .await
        .map_err(database_error)?;
    let tests = reader::all_rows::<DeviceTestRow>(&mut transaction, generation)
        .await
        .map_err(database_error)?;
    let day = reading.days.day;
    let in_service = devices.iter().filter(|device| {
        device.kind == AlarmDeviceKind::AmmoniaConcentration
            && device.registered_on <= day
            && device
                .retired_at
                .is_none_or(|retired| local_date(retired) > day)
    });
    let (mut counted, mut out_of) = (Vec::new(), Vec::new());
    for device in in_service {
        let name = format!("alarmDevices/{}", device.device_id);
        // The tests are ordered by device, then by their place on the stream.
        let last = tests
            .iter()
            .rev()
            .find(|test| test.device_id == device.device_id && test.tested_on <= day);
        let (result, due) = device.next_test(last);
        if result == AlarmTestResult::Pass && due.is_some_and(|due| day <= due) {
            counted.push(name.clone());
        }
        out_of.push(name);
    }
    let mut t13 = full_share(
        reading,
        (
            "T13",
            "涉氨制冷企业氨气泄漏报警装置检测率100%",
            "LedgerService/ListDiscrepancies (D8)",
        ),
        counted,
        out_of,
    );
    t13.note = "a device counts while its last evidenced test passed and its next is not past; a test claimed at registration is not a test".into();
    Ok(t13)
}

/// T16: the items a higher authority's safety committee listed in the year (hazards of the
/// upstream-committee provenance), closed out (销号) by their deadline. One whose deadline has
/// passed without a close-out can no longer be on time, so the target is not met from then.
async fn upstream_items(reading: &Reading<'_>) -> Result<pb::TargetReading, Status> {
    let hazards = reader::all_rows::<HazardRow>(
        &mut begin_read(reading.shared).await?,
        *reading.shared.generation(),
    )
    .await
    .map_err(database_error)?;
    let YearAsOf { first_day, day, .. } = reading.days;
    let (mut counted, mut out_of, mut late) = (Vec::new(), Vec::new(), 0);
    for hazard in hazards.iter().filter(|hazard| {
        hazard.facts.provenance == Provenance::UpstreamCommittee
            && (first_day..=day).contains(&hazard.reported_day)
    }) {
        let name = format!("hazards/{}", hazard.facts.hazard_id);
        let closed_on = hazard.lifecycle.closed_at.map(local_date);
        match close_out(hazard.lifecycle.deadline, closed_on, day) {
            CloseOut::OnTime => counted.push(name.clone()),
            CloseOut::Late => late += 1,
            CloseOut::Open => {}
        }
        out_of.push(name);
    }
    let all_on_time = counted.len() == out_of.len();
    let mut t16 = full_share(
        reading,
        (
            "T16",
            "上级挂牌督办事项按期销号",
            "LedgerService/ListHazards",
        ),
        counted,
        out_of,
    );
    // One item past its deadline open can no longer be on time; with none listed the year
    // ends met.
    t16.status = if late > 0 {
        TargetStatus::NotMet
    } else {
        reading.reached(reading.over() && all_on_time)
    } as i32;
    t16.note = format!("{late} past their deadline without a close-out in time");
    Ok(t16)
}

/// Where a listed item stands on a day against its deadline.
#[derive(Debug, PartialEq)]
enum CloseOut {
    /// Closed out by the day, on or before its deadline (or it has none).
    OnTime,
    /// Its deadline has passed without a close-out in time: it can no longer be on time.
    Late,
    /// Open, with its deadline still ahead.
    Open,
}

fn close_out(
    deadline: Option<NaiveDate>,
    closed_on: Option<NaiveDate>,
    day: NaiveDate,
) -> CloseOut {
    let closed_by_day = closed_on.filter(|closed_on| *closed_on <= day);
    let in_time = |on: NaiveDate| deadline.is_none_or(|deadline| on <= deadline);
    if closed_by_day.is_some_and(in_time) {
        CloseOut::OnTime
    } else if deadline.is_some_and(|deadline| day > deadline) {
        CloseOut::Late
    } else {
        CloseOut::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_item_closed_after_its_deadline_is_late_however_it_was_closed() {
        let deadline = Some(day("2026-06-30"));
        let on = |closed: &str, read: &str| close_out(deadline, Some(day(closed)), day(read));
        assert_eq!(on("2026-06-30", "2026-07-01"), CloseOut::OnTime);
        assert_eq!(on("2026-07-01", "2026-07-01"), CloseOut::Late);
        // Read before the close-out: open while the deadline is ahead, late once it has passed.
        assert_eq!(on("2026-06-20", "2026-06-10"), CloseOut::Open);
        assert_eq!(on("2026-07-05", "2026-07-02"), CloseOut::Late);
        assert_eq!(close_out(deadline, None, day("2026-06-30")), CloseOut::Open);
        assert_eq!(close_out(deadline, None, day("2026-07-01")), CloseOut::Late);
        assert_eq!(
            close_out(None, Some(day("2026-12-01")), day("2026-12-31")),
            CloseOut::OnTime,
            "an item without a deadline is on time whenever it is closed"
        );
    }
}
