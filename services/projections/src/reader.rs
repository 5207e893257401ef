//! Reading a snapshot of the read models as of a time. For a time in the past, each hazard's
//! state comes from its history (the state after each event, at the event's business time), so
//! any past day can be asked about; for now, from the current table.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use hl_domain::clock::local_date;
use hl_proto::hazards::v1::SelfCheckRoundStatus;
use hl_proto::responsibility::v1::EnterpriseStatus;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Database, Value, bind_all};
use crate::model::{DeviceTestRow, HazardRow};
use crate::reconciliation::{Attributes, DeviceView, EnterpriseView, HazardView, Snapshot};
use crate::sql;

/// Which records a query looks at.
#[derive(Clone, Debug)]
pub struct Scope {
    pub as_of: DateTime<Utc>,
    /// `as_of` is now: the current tables answer directly. Decided when the request arrives
    /// (see `is_now`), never while it runs, or a slow query would turn into a historical one
    /// and read the whole history.
    pub current: bool,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub enterprise_id: Option<String>,
    pub township_code: Option<String>,
    pub industry: Option<i32>,
}

/// Whether a requested `as_of` means now (or later), judged as the request arrives.
pub fn is_now(as_of: DateTime<Utc>) -> bool {
    as_of >= Utc::now() - chrono::Duration::seconds(1)
}

impl Scope {
    fn admits(&self, enterprise_id: &str, attributes: &Attributes) -> bool {
        self.enterprise_id
            .as_deref()
            .is_none_or(|wanted| wanted == enterprise_id)
            && self
                .township_code
                .as_deref()
                .is_none_or(|wanted| wanted == attributes.township_code)
            && self
                .industry
                .is_none_or(|wanted| attributes.industries.contains(&wanted))
    }
}

fn industries(text: &str) -> Vec<i32> {
    text.split(',')
        .filter_map(|part| part.parse().ok())
        .collect()
}

fn attributes(
    row: &AnyRow,
    prefix: &str,
    fallback_township: &str,
) -> Result<Attributes, sqlx::Error> {
    let name: Option<String> = row.try_get(format!("{prefix}display_name").as_str())?;
    let township: Option<String> = row.try_get(format!("{prefix}township_code").as_str())?;
    let grid: Option<String> = row.try_get(format!("{prefix}grid_cell_id").as_str())?;
    let industry_list: Option<String> = row.try_get(format!("{prefix}industries").as_str())?;
    Ok(Attributes {
        enterprise_name: name.unwrap_or_default(),
        township_code: township
            .filter(|code| !code.is_empty())
            .unwrap_or_else(|| fallback_township.to_string()),
        grid_cell_id: grid.unwrap_or_default(),
        industries: industry_list.as_deref().map(industries).unwrap_or_default(),
    })
}

/// The hazards reported by `as_of` in scope, each with its state as of then and its
/// enterprise's attributes on the report day.
pub async fn hazards(
    database: &Database,
    generation: i64,
    scope: &Scope,
) -> Result<Vec<HazardView>, sqlx::Error> {
    let g = generation;
    let mut sql_text = format!(
        "SELECT h.*, e.display_name AS e_display_name, e.township_code AS e_township_code, e.grid_cell_id AS e_grid_cell_id, e.industries AS e_industries
         FROM hazards_g{g} h
         LEFT JOIN enterprise_periods_g{g} e ON e.enterprise_id = h.enterprise_id AND e.valid_from <= h.reported_date AND h.reported_date < e.valid_to
         WHERE h.reported_at <= $1"
    );
    let mut values: Vec<Value> = vec![scope.as_of.timestamp_millis().into()];
    if let Some(enterprise_id) = &scope.enterprise_id {
        sql_text.push_str(" AND h.enterprise_id = $2");
        values.push(enterprise_id.clone().into());
    }
    let rows = bind_all(sqlx::query(&sql_text), values.clone())
        .fetch_all(database.pool())
        .await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in &rows {
        let hazard: HazardRow = sql::read_hazard(row)?;
        let attributes = attributes(row, "e_", &hazard.facts.township_code)?;
        if scope.admits(&hazard.facts.enterprise_id, &attributes) {
            views.push(HazardView {
                facts: hazard.facts,
                state: hazard.state,
                attributes,
            });
        }
    }
    if !scope.current {
        let mut history_sql = format!("SELECT * FROM hazard_history_g{g} WHERE at <= $1");
        if scope.enterprise_id.is_some() {
            history_sql.push_str(&format!(
                " AND hazard_id IN (SELECT hazard_id FROM hazards_g{g} WHERE enterprise_id = $2)"
            ));
        }
        history_sql.push_str(" ORDER BY hazard_id, sequence, position");
        let history = bind_all(sqlx::query(&history_sql), values)
            .fetch_all(database.pool())
            .await?;
        let mut latest: HashMap<String, crate::model::HazardState> = HashMap::new();
        for row in &history {
            latest.insert(row.try_get("hazard_id")?, sql::read_state(row)?);
        }
        for view in &mut views {
            if let Some(state) = latest.remove(&view.facts.hazard_id) {
                view.state = state;
            }
        }
    }
    views.sort_by(|left, right| left.facts.hazard_id.cmp(&right.facts.hazard_id));
    Ok(views)
}

/// Enterprises on a day, with their attributes and whether they must self-check.
pub async fn enterprises_on(
    database: &Database,
    generation: i64,
    day: NaiveDate,
) -> Result<HashMap<String, EnterpriseView>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT * FROM enterprise_periods_g{generation} WHERE valid_from <= $1 AND $1 < valid_to"
    ))
    .bind(day.to_string())
    .fetch_all(database.pool())
    .await?;
    let mut enterprises = HashMap::new();
    for row in &rows {
        let enterprise_id: String = row.try_get("enterprise_id")?;
        let status = row.try_get::<i64, _>("status")? as i32;
        let required = row.try_get::<i64, _>("self_check_required")? != 0;
        let active = status == EnterpriseStatus::Registered as i32
            || status == EnterpriseStatus::Active as i32;
        let attributes = attributes(row, "", "")?;
        enterprises.insert(
            enterprise_id.clone(),
            EnterpriseView {
                enterprise_id,
                attributes,
                in_scope: active && required,
            },
        );
    }
    Ok(enterprises)
}

/// Everything the reconciliation needs, as of the scope's time.
pub async fn snapshot(
    database: &Database,
    generation: i64,
    scope: &Scope,
) -> Result<Snapshot, sqlx::Error> {
    let as_of = scope.as_of.timestamp_millis();
    let g = generation;
    let hazards = hazards(database, generation, scope).await?;
    let rejected_pairs: HashSet<(String, String)> = sqlx::query_as::<_, (String, String)>(&format!(
        "SELECT government_hazard_id, self_hazard_id FROM hazard_matches_g{g} WHERE decision = 'rejected' AND decided_at <= $1"
    ))
    .bind(as_of)
    .fetch_all(database.pool())
    .await?
    .into_iter()
    .collect();

    let today = local_date(scope.as_of);
    let enterprises_today = enterprises_on(database, generation, today).await?;
    let scope_day = scope.period_end.min(today);
    let enterprises: Vec<EnterpriseView> = enterprises_on(database, generation, scope_day)
        .await?
        .into_values()
        .filter(|enterprise| scope.admits(&enterprise.enterprise_id, &enterprise.attributes))
        .collect();
    let admitted = |enterprise_id: &str| {
        enterprises_today
            .get(enterprise_id)
            .is_some_and(|view| scope.admits(enterprise_id, &view.attributes))
    };

    let mut rounds = Vec::new();
    for row in sqlx::query(&format!(
        "SELECT * FROM self_check_rounds_g{g} WHERE opened_at <= $1"
    ))
    .bind(as_of)
    .fetch_all(database.pool())
    .await?
    {
        let mut round = sql::read_round(&row)?;
        if round
            .submitted_at
            .is_some_and(|submitted| submitted > as_of)
        {
            round.submitted_at = None;
            round.status = SelfCheckRoundStatus::Open as i32;
        }
        if admitted(&round.enterprise_id)
            || scope.enterprise_id.as_deref() == Some(&round.enterprise_id)
        {
            rounds.push(round);
        }
    }
    let mut statistics = Vec::new();
    for row in sqlx::query(&format!(
        "SELECT * FROM periodic_statistics_g{g} WHERE submitted_at <= $1"
    ))
    .bind(as_of)
    .fetch_all(database.pool())
    .await?
    {
        statistics.push(crate::model::StatisticsRow {
            statistics_id: row.try_get("statistics_id")?,
            enterprise_id: row.try_get("enterprise_id")?,
            kind: row.try_get::<i64, _>("kind")? as i32,
            year: row.try_get("year")?,
            quarter: row.try_get("quarter")?,
            due: row.try_get("due")?,
            late: row.try_get::<i64, _>("late")? != 0,
            submitted_at: row.try_get("submitted_at")?,
            event_id: row.try_get("event_id")?,
        });
    }
    let mut tests: HashMap<String, Vec<DeviceTestRow>> = HashMap::new();
    for row in sqlx::query(&format!(
        "SELECT * FROM alarm_device_tests_g{g} WHERE recorded_at <= $1 ORDER BY device_id, sequence"
    ))
    .bind(as_of)
    .fetch_all(database.pool())
    .await?
    {
        let device_id: String = row.try_get("device_id")?;
        tests
            .entry(device_id.clone())
            .or_default()
            .push(DeviceTestRow {
                device_id,
                sequence: row.try_get("sequence")?,
                tested_on: row.try_get("tested_on")?,
                result: row.try_get::<i64, _>("result")? as i32,
                recorded_at: row.try_get("recorded_at")?,
                event_id: row.try_get("event_id")?,
            });
    }
    let mut devices = Vec::new();
    for row in sqlx::query(&format!(
        "SELECT * FROM alarm_devices_g{g} WHERE registered_at <= $1"
    ))
    .bind(as_of)
    .fetch_all(database.pool())
    .await?
    {
        let device = sql::read_device(&row)?;
        let attributes = enterprises_today
            .get(&device.enterprise_id)
            .map(|view| view.attributes.clone())
            .unwrap_or_default();
        if scope.admits(&device.enterprise_id, &attributes) {
            let device_tests = tests.remove(&device.device_id).unwrap_or_default();
            devices.push(DeviceView {
                device,
                tests: device_tests,
                attributes,
            });
        }
    }
    Ok(Snapshot {
        as_of: scope.as_of,
        period_start: scope.period_start,
        period_end: scope.period_end,
        hazards,
        rejected_pairs,
        rounds,
        statistics,
        devices,
        enterprises,
    })
}

/// Display names: township and village codes, and grid cells.
pub async fn names(
    database: &Database,
    generation: i64,
) -> Result<HashMap<String, String>, sqlx::Error> {
    let mut names: HashMap<String, String> = sqlx::query_as::<_, (String, String)>(&format!(
        "SELECT code, name FROM admin_areas_g{generation}"
    ))
    .fetch_all(database.pool())
    .await?
    .into_iter()
    .collect();
    for (id, name) in sqlx::query_as::<_, (String, String)>(&format!(
        "SELECT grid_cell_id, name FROM grid_cells_g{generation}"
    ))
    .fetch_all(database.pool())
    .await?
    {
        names.insert(id, name);
    }
    Ok(names)
}

/// One event in a hazard's history: the evidence a discrepancy names.
pub struct HistoryEvent {
    pub hazard_id: String,
    pub event_type: String,
    pub event_id: String,
}

/// The events about these hazards recorded by `as_of`, in stream order, read at once for a
/// whole page of discrepancies.
pub async fn history_events(
    database: &Database,
    generation: i64,
    hazard_ids: &[String],
    as_of: i64,
) -> Result<Vec<HistoryEvent>, sqlx::Error> {
    if hazard_ids.is_empty() {
        return Ok(Vec::new());
    }
    let hazards = crate::db::placeholders(2, hazard_ids.len());
    let sql_text = format!(
        "SELECT hazard_id, event_type, event_id FROM hazard_history_g{generation} WHERE at <= $1 AND hazard_id IN ({hazards}) ORDER BY sequence, position"
    );
    let mut values: Vec<Value> = vec![as_of.into()];
    values.extend(hazard_ids.iter().cloned().map(Value::Text));
    let rows = bind_all(sqlx::query(&sql_text), values)
        .fetch_all(database.pool())
        .await?;
    rows.iter()
        .map(|row| {
            Ok(HistoryEvent {
                hazard_id: row.try_get("hazard_id")?,
                event_type: row.try_get("event_type")?,
                event_id: row.try_get("event_id")?,
            })
        })
        .collect()
}
