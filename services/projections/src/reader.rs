//! Reading a snapshot of the read models as of a moment. `as_of` is business time: for a moment
//! in the past, each hazard's lifecycle comes from its history (the lifecycle after each event,
//! at the event's business time). `known_at` is recording time: what the ledger knew then, so a
//! report printed last month can be reproduced exactly. For now and everything known, the
//! current tables answer.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hl_directory::read_models::{EnterprisePeriodRow, industry_codes};
use hl_domain::clock::local_date;
use hl_enforcement::read_models::inspections::InspectionRow;
use hl_enforcement::read_models::planning::PlanRow;
use hl_hazards::domain::hazard::{is_government_provenance, overdue_from};
use hl_hazards::domain::rules::HAZARDS;
use hl_hazards::read_models::devices::{DeviceRow, DeviceTestRow};
use hl_hazards::read_models::hazards::{HazardRow, HistoryRow, MatchRow};
use hl_hazards::read_models::rounds::RoundRow;
use hl_hazards::read_models::statistics::StatisticsRow;
use hl_proto::enforcement::v1::PlanStatus;
use hl_proto::hazards::v1::{HazardLevel, HazardStatus, Provenance, SelfCheckRoundStatus};
use hl_readmodel::{Columns, Dialect, ReadTransaction, Table, Value, bind_all};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::reconciliation::{
    Attributes, DeviceView, EnterpriseView, HazardView, PlannedVisits, Snapshot,
};

/// Why a snapshot could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the read-model database failed: {0}")]
    Database(#[from] sqlx::Error),
    /// A hazard names rules this build does not know; it is not judged by other rules.
    #[error("hazards/{hazard_id}: {refusal}")]
    UnknownRules {
        hazard_id: String,
        refusal: hl_domain::DomainError,
    },
}

impl From<ReadError> for tonic::Status {
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::Database(error) => hl_runtime::ServiceError::unavailable(format!(
                "the read-model database failed: {error}"
            )),
            ReadError::UnknownRules { hazard_id, refusal } => {
                hl_runtime::ServiceError::from(refusal).with_metadata("hazard", hazard_id)
            }
        }
        .into()
    }
}

/// Which records a query looks at, and when.
#[derive(Clone, Debug)]
pub struct Scope {
    /// The business moment asked about.
    pub as_of: DateTime<Utc>,
    /// What the ledger had recorded by then.
    pub known_at: DateTime<Utc>,
    /// `as_of` and `known_at` are now: the current tables answer directly. Decided when the
    /// request arrives (see `is_now`), never while it runs, or a slow query would turn into a
    /// historical one and read the whole history.
    pub current: bool,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub enterprise_id: Option<String>,
    pub township_code: Option<String>,
    pub industry: Option<i32>,
}

/// Whether a requested moment means now (or later), judged as the request arrives.
pub fn is_now(moment: DateTime<Utc>) -> bool {
    moment >= Utc::now() - chrono::Duration::seconds(1)
}

impl Scope {
    pub fn admits(&self, enterprise_id: &str, attributes: &Attributes) -> bool {
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

    fn as_of_millis(&self) -> i64 {
        self.as_of.timestamp_millis()
    }

    fn known_at_millis(&self) -> i64 {
        self.known_at.timestamp_millis()
    }
}

/// The enterprise attributes a query joined in under the prefix `e_`.
fn joined_attributes(row: &AnyRow, fallback_township: &str) -> Result<Attributes, sqlx::Error> {
    let name: Option<String> = row.try_get("e_display_name")?;
    let township: Option<String> = row.try_get("e_township_code")?;
    let grid: Option<String> = row.try_get("e_grid_cell_id")?;
    let industries: Option<String> = row.try_get("e_industries")?;
    Ok(Attributes {
        enterprise_name: name.unwrap_or_default(),
        township_code: township
            .filter(|code| !code.is_empty())
            .unwrap_or_else(|| fallback_township.to_string()),
        grid_cell_id: grid.unwrap_or_default(),
        industries: industries
            .as_deref()
            .map(industry_codes)
            .unwrap_or_default(),
    })
}

fn period_attributes(period: &EnterprisePeriodRow) -> Attributes {
    Attributes {
        enterprise_name: period.display_name.clone(),
        township_code: period.township_code.clone(),
        grid_cell_id: period.grid_cell_id.clone(),
        industries: period.industry_codes(),
    }
}

/// The join of a hazard `h` to its enterprise's registry period `e` on the day it was found.
const ENTERPRISE_ON_ITS_DAY: &str = "e.enterprise_id = h.enterprise_id AND e.valid_from <= h.reported_day AND h.reported_day < e.valid_to";

/// The columns of a hazard read with its enterprise's attributes (see `joined_attributes`).
const HAZARD_COLUMNS: &str = "h.*, e.display_name AS e_display_name, e.township_code AS e_township_code, e.grid_cell_id AS e_grid_cell_id, e.industries AS e_industries";

/// The hazards found by `as_of` and recorded by `known_at` in scope (all but its industry, which
/// `Scope::admits` applies), as the FROM and WHERE of a query and the values they bind. Each row
/// joins the enterprise's attributes on the day the hazard was found.
fn hazards_in_scope(dialect: Dialect, generation: i64, scope: &Scope) -> (String, Vec<Value>) {
    let (hazards, periods) = (
        HazardRow::table(generation),
        EnterprisePeriodRow::table(generation),
    );
    let mut sql_text = format!(
        "FROM {hazards} h LEFT JOIN {periods} e ON {ENTERPRISE_ON_ITS_DAY}
         WHERE h.reported_at <= $1 AND h.recorded_at <= $2"
    );
    let mut values: Vec<Value> = vec![scope.as_of_millis().into(), scope.known_at_millis().into()];
    if let Some(enterprise_id) = &scope.enterprise_id {
        sql_text.push_str(" AND h.enterprise_id = $3");
        values.push(enterprise_id.clone().into());
    }
    // The township the scope admits by (see `joined_attributes`), so that a township's query
    // reads its own rows and not the district's. The first condition says the same more
    // loosely, in terms the indexes answer (the hazard's township, or an enterprise that was
    // ever in the township), so the database does not scan the district to apply the second.
    // SQLite answers `IN (SELECT ...)` with both indexes; PostgreSQL does so only for a list
    // it has in hand (an array computed once), and otherwise scans every hazard of the district.
    if let Some(township_code) = &scope.township_code {
        let township = format!("${}", values.len() + 1);
        let ever_in_township =
            format!("SELECT enterprise_id FROM {periods} WHERE township_code = {township}");
        let enterprise_ever_in_township = match dialect {
            Dialect::Sqlite => format!("h.enterprise_id IN ({ever_in_township})"),
            Dialect::Postgres => format!("h.enterprise_id = ANY(ARRAY({ever_in_township}))"),
        };
        sql_text.push_str(&format!(
            " AND (h.township_code = {township} OR {enterprise_ever_in_township})
              AND COALESCE(NULLIF(e.township_code, ''), h.township_code) = {township}"
        ));
        values.push(township_code.clone().into());
    }
    (sql_text, values)
}

/// A row of `hazards_in_scope` as a view, when the scope admits it.
fn hazard_view(row: &AnyRow, scope: &Scope) -> Result<Option<HazardView>, ReadError> {
    let hazard = HazardRow::from_row(row)?;
    let attributes = joined_attributes(row, &hazard.facts.township_code)?;
    if !scope.admits(&hazard.facts.enterprise_id, &attributes) {
        return Ok(None);
    }
    let rules = HAZARDS
        .by_name(&hazard.facts.rule_version)
        .map_err(|refusal| ReadError::UnknownRules {
            hazard_id: hazard.facts.hazard_id.clone(),
            refusal,
        })?;
    Ok(Some(HazardView {
        facts: hazard.facts,
        reported_day: hazard.reported_day,
        lifecycle: hazard.lifecycle,
        attributes,
        rules,
    }))
}

/// The hazards found by `as_of` and recorded by `known_at` in scope, each with its lifecycle as
/// of then and its enterprise's attributes on the day it was found.
pub async fn hazards(
    transaction: &mut ReadTransaction,
    generation: i64,
    scope: &Scope,
) -> Result<Vec<HazardView>, ReadError> {
    let (conditions, values) = hazards_in_scope(transaction.dialect(), generation, scope);
    let rows = bind_all(
        sqlx::query(&format!("SELECT {HAZARD_COLUMNS} {conditions}")),
        values,
    )
    .fetch_all(transaction.connection())
    .await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in &rows {
        views.extend(hazard_view(row, scope)?);
    }
    if !scope.current {
        lifecycles_as_of(transaction, generation, scope, &mut views).await?;
    }
    views.sort_by(|left, right| left.facts.hazard_id.cmp(&right.facts.hazard_id));
    Ok(views)
}

/// What a list of hazards keeps, besides its scope: each condition one the current table
/// answers from its own columns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HazardFilter {
    /// Only the government's ledger (true) or only the enterprises' own (false).
    pub government_side: Option<bool>,
    pub level: Option<HazardLevel>,
    pub status: Option<HazardStatus>,
    /// Only hazards listed for supervision.
    pub listed_only: bool,
    /// Only hazards overdue on this day (Asia/Shanghai).
    pub overdue_on: Option<NaiveDate>,
}

impl HazardFilter {
    /// Whether a hazard passes, as the SQL of `push_conditions` judges it.
    pub fn passes(&self, view: &HazardView) -> bool {
        self.government_side
            .is_none_or(|government| view.facts.is_government_side() == government)
            && self.level.is_none_or(|level| view.lifecycle.level == level)
            && self
                .status
                .is_none_or(|status| view.lifecycle.status == status)
            && (!self.listed_only || view.lifecycle.is_listed())
            && self.overdue_on.is_none_or(|day| {
                overdue_from(&view.facts, &view.lifecycle).is_some_and(|first_day| first_day <= day)
            })
    }

    fn push_conditions(&self, sql_text: &mut String, values: &mut Vec<Value>) {
        if let Some(government) = self.government_side {
            // The enterprise's side: every provenance `is_government_provenance` says is not
            // the government's.
            let enterprise_side: Vec<String> = (0..=i32::from(u8::MAX))
                .filter_map(|code| Provenance::try_from(code).ok())
                .filter(|provenance| !is_government_provenance(*provenance))
                .map(|provenance| (provenance as i32).to_string())
                .collect();
            let enterprise_side = enterprise_side.join(", ");
            let negation = if government { "NOT " } else { "" };
            sql_text.push_str(&format!(
                " AND h.provenance {negation}IN ({enterprise_side})"
            ));
        }
        for (column, code) in [
            ("level", self.level.map(|level| level as i32)),
            ("status", self.status.map(|status| status as i32)),
        ] {
            if let Some(code) = code {
                sql_text.push_str(&format!(" AND h.{column} = ${}", values.len() + 1));
                values.push(Value::Int(code.into()));
            }
        }
        if self.listed_only {
            sql_text.push_str(" AND h.supervision_order_id <> ''");
        }
        if let Some(day) = self.overdue_on {
            // Dates as ISO text order as the days do.
            sql_text.push_str(&format!(" AND h.overdue_from <= ${}", values.len() + 1));
            values.push(Value::from(day.to_string()));
        }
    }
}

/// One page of the hazards of a current scope without an industry that pass `filter`: at most
/// `limit` of them with ids after `after`, in id order, and how many pass in all. The database
/// answers every condition from the covering indexes, orders and counts the ids, and gives the
/// page's alone; only the page's rows are read whole, by a second statement of the same read
/// transaction, so they stand as they did when the ids were counted.
pub async fn hazard_page(
    transaction: &mut ReadTransaction,
    generation: i64,
    scope: &Scope,
    filter: &HazardFilter,
    after: Option<&str>,
    limit: usize,
) -> Result<(Vec<HazardView>, usize), ReadError> {
    debug_assert!(scope.current && scope.industry.is_none());
    let (hazards, periods) = (
        HazardRow::table(generation),
        EnterprisePeriodRow::table(generation),
    );
    let mut values: Vec<Value> = vec![scope.as_of_millis().into(), scope.known_at_millis().into()];
    let mut conditions = "h.reported_at <= $1 AND h.recorded_at <= $2".to_string();
    if let Some(enterprise_id) = &scope.enterprise_id {
        conditions.push_str(" AND h.enterprise_id = $3");
        values.push(enterprise_id.clone().into());
    }
    filter.push_conditions(&mut conditions, &mut values);
    let ids_sql = match &scope.township_code {
        None => format!("SELECT h.hazard_id FROM {hazards} h WHERE {conditions}"),
        // The township of `hazards_in_scope` as two selections the indexes answer: hazards of
        // enterprises the registry has in the township on the day, and hazards recorded in the
        // township whose enterprise the registry gives no township on the day. Most of the
        // second are in the first; only the others ask the registry, one probe of the covering
        // index each (a subquery, which PostgreSQL does not turn into a hash of every period of
        // the district).
        Some(township_code) => {
            let township = format!("${}", values.len() + 1);
            values.push(township_code.clone().into());
            format!(
                "WITH registered AS (
                     SELECT h.hazard_id FROM {periods} e JOIN {hazards} h ON {ENTERPRISE_ON_ITS_DAY}
                     WHERE e.township_code = {township} AND {conditions})
                 SELECT hazard_id FROM registered
                 UNION ALL
                 SELECT h.hazard_id FROM {hazards} h
                 WHERE h.township_code = {township} AND {conditions}
                   AND h.hazard_id NOT IN (SELECT hazard_id FROM registered)
                   AND COALESCE((SELECT MIN(e.township_code) FROM {periods} e WHERE {ENTERPRISE_ON_ITS_DAY}), '') = ''"
            )
        }
    };
    // Only the page's ids travel: the database orders them as bytes (as Rust orders strings,
    // and so the page tokens), once each should overlapping registry periods join a hazard
    // twice, and counts them all before the page is cut.
    let byte_order = transaction.dialect().byte_order();
    let distinct = format!("SELECT DISTINCT hazard_id FROM ({ids_sql}) AS matching");
    let mut page_values = values.clone();
    let mut page_conditions = String::new();
    if let Some(after) = after {
        page_conditions = format!(" WHERE hazard_id{byte_order} > ${}", values.len() + 1);
        page_values.push(after.to_string().into());
    }
    let page_rows = bind_all(
        sqlx::query(&format!(
            "SELECT hazard_id, total FROM (SELECT hazard_id, COUNT(*) OVER () AS total FROM ({distinct}) AS ids) AS counted{page_conditions}
             ORDER BY hazard_id{byte_order} LIMIT {limit}"
        )),
        page_values,
    )
    .fetch_all(transaction.connection())
    .await?;
    let mut page = Vec::with_capacity(page_rows.len());
    let mut total = 0;
    for row in &page_rows {
        page.push(row.try_get::<String, _>("hazard_id")?);
        total = row.try_get::<i64, _>("total")?;
    }
    if page.is_empty() && after.is_some() {
        // Past the last id the page says nothing of the whole, which is counted on its own.
        total = bind_all(
            sqlx::query(&format!(
                "SELECT COUNT(*) AS total FROM ({distinct}) AS ids"
            )),
            values,
        )
        .fetch_one(transaction.connection())
        .await?
        .try_get::<i64, _>("total")?;
    }
    let total = usize::try_from(total).unwrap_or(0);
    if page.is_empty() {
        return Ok((Vec::new(), total));
    }
    let rows = bind_all(
        sqlx::query(&format!(
            "SELECT {HAZARD_COLUMNS} FROM {hazards} h LEFT JOIN {periods} e ON {ENTERPRISE_ON_ITS_DAY}
             WHERE h.hazard_id IN ({})",
            hl_readmodel::placeholders(1, page.len())
        )),
        page.iter().map(|id| Value::from(id.clone())).collect(),
    )
    .fetch_all(transaction.connection())
    .await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in &rows {
        views.extend(hazard_view(row, scope)?);
    }
    views.sort_by(|left, right| left.facts.hazard_id.cmp(&right.facts.hazard_id));
    Ok((views, total))
}

/// Replaces each hazard's lifecycle by the one after its last event that happened by `as_of`
/// and was recorded by `known_at`. The database picks each hazard's last row, of the hazards in
/// scope when the scope names an enterprise or a township, so only those rows are decoded.
async fn lifecycles_as_of(
    transaction: &mut ReadTransaction,
    generation: i64,
    scope: &Scope,
    views: &mut [HazardView],
) -> Result<(), sqlx::Error> {
    let history = HistoryRow::table(generation);
    // The same values bind the same meanings ($1 as_of, $2 known_at, then the scope's).
    let (in_scope, values) = hazards_in_scope(transaction.dialect(), generation, scope);
    let narrowed = if scope.enterprise_id.is_some() || scope.township_code.is_some() {
        format!(" AND hazard_id IN (SELECT h.hazard_id {in_scope})")
    } else {
        String::new()
    };
    let recorded = format!("FROM {history} entry WHERE at <= $1 AND recorded_at <= $2{narrowed}");
    // Each in one ordered pass of the key (hazard, sequence, position), where a window over it
    // would sort the history first.
    let history_sql = match transaction.dialect() {
        // SQLite takes the other columns from the row holding the one max(); an event's
        // place in its commit stays far below a million (a commit is one NATS message).
        Dialect::Sqlite => format!(
            "SELECT entry.*, MAX(entry.sequence * 1000000 + entry.position) AS newest {recorded} GROUP BY entry.hazard_id"
        ),
        Dialect::Postgres => format!(
            "SELECT DISTINCT ON (entry.hazard_id) entry.* {recorded}
             ORDER BY entry.hazard_id DESC, entry.sequence DESC, entry.position DESC"
        ),
    };
    let rows = bind_all(sqlx::query(&history_sql), values)
        .fetch_all(transaction.connection())
        .await?;
    let mut latest = HashMap::with_capacity(rows.len());
    for row in &rows {
        let entry = HistoryRow::from_row(row)?;
        latest.insert(entry.hazard_id, entry.lifecycle);
    }
    for view in views {
        if let Some(lifecycle) = latest.remove(&view.facts.hazard_id) {
            view.lifecycle = lifecycle;
        }
    }
    Ok(())
}

/// Enterprises on a day (only `only` when given), with their attributes and whether they must
/// self-check.
pub async fn enterprises_on(
    transaction: &mut ReadTransaction,
    generation: i64,
    day: NaiveDate,
    only: Option<&str>,
) -> Result<HashMap<String, EnterpriseView>, sqlx::Error> {
    let mut sql_text = format!(
        "SELECT * FROM {} WHERE valid_from <= $1 AND $1 < valid_to",
        EnterprisePeriodRow::table(generation)
    );
    let mut values: Vec<Value> = vec![day.to_string().into()];
    if let Some(enterprise_id) = only {
        sql_text.push_str(" AND enterprise_id = $2");
        values.push(enterprise_id.to_string().into());
    }
    let rows = bind_all(sqlx::query(&sql_text), values)
        .fetch_all(transaction.connection())
        .await?;
    let mut enterprises = HashMap::new();
    for row in &rows {
        let period = EnterprisePeriodRow::from_row(row)?;
        enterprises.insert(
            period.enterprise_id.clone(),
            EnterpriseView {
                enterprise_id: period.enterprise_id.clone(),
                attributes: period_attributes(&period),
                in_scope: period.must_self_check(),
                frequency: period.self_check_frequency,
            },
        );
    }
    Ok(enterprises)
}

/// Every row of a table recorded by the scope's moments, by a column of business time and one of
/// recording time; of the scope's enterprise only, where it names one, by `of_enterprise` (a
/// condition on `$3`, the caller's constant).
async fn rows_known_by<T: Table>(
    transaction: &mut ReadTransaction,
    generation: i64,
    scope: &Scope,
    (business_time, recording_time): (&str, &str),
    of_enterprise: &str,
) -> Result<Vec<T>, sqlx::Error> {
    let mut sql_text = format!(
        "SELECT * FROM {} WHERE {business_time} <= $1 AND {recording_time} <= $2",
        T::table(generation)
    );
    let mut values: Vec<Value> = vec![scope.as_of_millis().into(), scope.known_at_millis().into()];
    if let Some(enterprise_id) = &scope.enterprise_id {
        sql_text.push_str(&format!(" AND {of_enterprise}"));
        values.push(enterprise_id.clone().into());
    }
    let rows = bind_all(sqlx::query(&sql_text), values)
        .fetch_all(transaction.connection())
        .await?;
    rows.iter().map(T::from_row).collect()
}

/// The condition of `rows_known_by` for a table whose rows name their enterprise.
const ENTERPRISE_IS: &str = "enterprise_id = $3";

/// The condition of `rows_known_by` for a table whose rows name a hazard in `column`.
fn hazard_of_enterprise(generation: i64, column: &str) -> String {
    format!(
        "{column} IN (SELECT hazard_id FROM {} WHERE enterprise_id = $3)",
        HazardRow::table(generation)
    )
}

/// Everything the reconciliation needs, as of the scope's moments.
pub async fn snapshot(
    transaction: &mut ReadTransaction,
    generation: i64,
    scope: &Scope,
) -> Result<Snapshot, ReadError> {
    let hazards = hazards(transaction, generation, scope).await?;
    let rejected_pairs: HashSet<(String, String)> = rows_known_by::<MatchRow>(
        transaction,
        generation,
        scope,
        ("decided_at", "recorded_at"),
        &hazard_of_enterprise(generation, "government_hazard_id"),
    )
    .await?
    .into_iter()
    .filter(|pair| pair.decision == "rejected")
    .map(|pair| (pair.government_hazard_id, pair.self_hazard_id))
    .collect();
    let today = local_date(scope.as_of);
    let only = scope.enterprise_id.as_deref();
    let enterprises_today = enterprises_on(transaction, generation, today, only).await?;
    let enterprises: Vec<EnterpriseView> =
        enterprises_on(transaction, generation, scope.period_end.min(today), only)
            .await?
            .into_values()
            .filter(|enterprise| scope.admits(&enterprise.enterprise_id, &enterprise.attributes))
            .collect();
    let admitted = |enterprise_id: &str| {
        scope.enterprise_id.as_deref() == Some(enterprise_id)
            || enterprises_today
                .get(enterprise_id)
                .is_some_and(|view| scope.admits(enterprise_id, &view.attributes))
    };
    let rounds = rounds_as_of(transaction, generation, scope)
        .await?
        .into_iter()
        .filter(|round| admitted(&round.enterprise_id))
        .collect();
    let statistics = rows_known_by::<StatisticsRow>(
        transaction,
        generation,
        scope,
        ("submitted_at", "recorded_at"),
        ENTERPRISE_IS,
    )
    .await?;
    let devices = devices_as_of(transaction, generation, scope, &enterprises_today).await?;
    let planned_visits = planned_visits(transaction, generation, scope)
        .await?
        .into_iter()
        .filter(|planned| admitted(&planned.enterprise_id))
        .filter_map(|mut planned| {
            let today = enterprises_today.get(&planned.enterprise_id)?;
            planned.attributes = today.attributes.clone();
            Some(planned)
        })
        .collect();
    Ok(Snapshot {
        as_of: scope.as_of,
        known_at: scope.known_at,
        period_start: scope.period_start,
        period_end: scope.period_end,
        hazards,
        rejected_pairs,
        rounds,
        statistics,
        devices,
        enterprises,
        planned_visits,
    })
}

/// Every row of a read model's table in a generation, by its key.
pub async fn all_rows<T: Table + Columns>(
    transaction: &mut ReadTransaction,
    generation: i64,
) -> Result<Vec<T>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT * FROM {} ORDER BY {}",
        T::table(generation),
        T::KEY[0]
    ))
    .fetch_all(transaction.connection())
    .await?;
    rows.iter().map(T::from_row).collect()
}

/// The rows of a read model's table in a generation whose `column` holds `value`, by key. The
/// column name is the caller's constant, never the request's.
pub async fn rows_where<T: Table + Columns>(
    transaction: &mut ReadTransaction,
    generation: i64,
    column: &'static str,
    value: &str,
) -> Result<Vec<T>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT * FROM {} WHERE {column} = $1 ORDER BY {}",
        T::table(generation),
        T::KEY[0]
    ))
    .bind(value.to_string())
    .fetch_all(transaction.connection())
    .await?;
    rows.iter().map(T::from_row).collect()
}

/// Each enterprise's visits under the approved (or filed) annual inspection plans of the
/// period's years: the visits its grade requires, and the completed inspections of that year up
/// to the period's end and `as_of`, counted up to that minimum as the plan's coverage counts
/// them. Plans are read as they stand now; the visits by their business dates.
async fn planned_visits(
    transaction: &mut ReadTransaction,
    generation: i64,
    scope: &Scope,
) -> Result<Vec<PlannedVisits>, sqlx::Error> {
    let years = scope.period_start.year()..=scope.period_end.year();
    // (enterprise, year) → the most visits any plan in force requires of it.
    let mut required: HashMap<(String, i32), u32> = HashMap::new();
    let of_scope = |enterprise_id: &str| {
        scope
            .enterprise_id
            .as_deref()
            .is_none_or(|only| only == enterprise_id)
    };
    for plan in all_rows::<PlanRow>(transaction, generation).await? {
        if !years.contains(&plan.year)
            || !matches!(plan.status, PlanStatus::Approved | PlanStatus::Filed)
        {
            continue;
        }
        for target in plan
            .state
            .0
            .targets
            .iter()
            .filter(|target| of_scope(&target.enterprise_id))
        {
            let visits = required
                .entry((target.enterprise_id.clone(), plan.year))
                .or_default();
            *visits = (*visits).max(target.min_visits);
        }
    }
    let mut done: HashMap<(String, i32), u32> = HashMap::new();
    // One enterprise's inspections by its index, not the district's.
    let inspections = match &scope.enterprise_id {
        Some(enterprise_id) => {
            rows_where::<InspectionRow>(transaction, generation, "enterprise_id", enterprise_id)
                .await?
        }
        None => all_rows::<InspectionRow>(transaction, generation).await?,
    };
    for inspection in inspections {
        let completed_in_scope = inspection
            .state
            .0
            .completed_at
            .filter(|at| *at <= scope.as_of && local_date(*at) <= scope.period_end);
        if let Some(completed) = completed_in_scope {
            let year = local_date(completed).year();
            *done.entry((inspection.enterprise_id, year)).or_default() += 1;
        }
    }
    Ok(required
        .into_iter()
        .map(|(key, required)| PlannedVisits {
            done: done.get(&key).copied().unwrap_or(0).min(required),
            enterprise_id: key.0,
            required,
            attributes: Attributes::default(),
        })
        .collect())
}

/// The rows of `table` whose `column` is at or before `as_of`, of the scope's enterprise only
/// where it names one.
async fn rows_by_as_of(
    transaction: &mut ReadTransaction,
    scope: &Scope,
    (table, column): (String, &str),
) -> Result<Vec<AnyRow>, sqlx::Error> {
    let mut sql_text = format!("SELECT * FROM {table} WHERE {column} <= $1");
    let mut values: Vec<Value> = vec![scope.as_of_millis().into()];
    if let Some(enterprise_id) = &scope.enterprise_id {
        sql_text.push_str(" AND enterprise_id = $2");
        values.push(enterprise_id.clone().into());
    }
    bind_all(sqlx::query(&sql_text), values)
        .fetch_all(transaction.connection())
        .await
}

/// The rounds opened by `as_of`, each submitted only if its submission is known by then.
async fn rounds_as_of(
    transaction: &mut ReadTransaction,
    generation: i64,
    scope: &Scope,
) -> Result<Vec<RoundRow>, sqlx::Error> {
    let rows = rows_by_as_of(
        transaction,
        scope,
        (RoundRow::table(generation), "opened_at"),
    )
    .await?;
    let mut rounds = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut round = RoundRow::from_row(row)?;
        if !round.submitted_by(scope.as_of, scope.known_at) {
            round.submitted_at = None;
            round.submission_recorded_at = None;
            round.status = SelfCheckRoundStatus::Open;
        }
        rounds.push(round);
    }
    Ok(rounds)
}

/// The devices registered by `as_of` in scope, each with its tests known by then.
async fn devices_as_of(
    transaction: &mut ReadTransaction,
    generation: i64,
    scope: &Scope,
    enterprises_today: &HashMap<String, EnterpriseView>,
) -> Result<Vec<DeviceView>, sqlx::Error> {
    let mut tests: HashMap<String, Vec<DeviceTestRow>> = HashMap::new();
    let of_enterprise = format!(
        "device_id IN (SELECT device_id FROM {} WHERE {ENTERPRISE_IS})",
        DeviceRow::table(generation)
    );
    let times = ("at", "recorded_at");
    let mut known_tests =
        rows_known_by::<DeviceTestRow>(transaction, generation, scope, times, &of_enterprise)
            .await?;
    known_tests.sort_by_key(|test| test.sequence);
    for test in known_tests {
        tests.entry(test.device_id.clone()).or_default().push(test);
    }
    let rows = rows_by_as_of(
        transaction,
        scope,
        (DeviceRow::table(generation), "registered_at"),
    )
    .await?;
    let mut devices = Vec::new();
    for row in &rows {
        let device = DeviceRow::from_row(row)?;
        let attributes = enterprises_today
            .get(&device.enterprise_id)
            .map(|view| view.attributes.clone())
            .unwrap_or_default();
        if scope.admits(&device.enterprise_id, &attributes) {
            devices.push(DeviceView {
                tests: tests.remove(&device.device_id).unwrap_or_default(),
                device,
                attributes,
            });
        }
    }
    Ok(devices)
}

/// Display names: township and village codes, and grid cells.
pub async fn names(
    transaction: &mut ReadTransaction,
    generation: i64,
) -> Result<HashMap<String, String>, sqlx::Error> {
    use hl_responsibility::read_models::{AreaRow, GridCellRow};
    let mut names: HashMap<String, String> = sqlx::query_as::<_, (String, String)>(&format!(
        "SELECT code, name FROM {}",
        AreaRow::table(generation)
    ))
    .fetch_all(transaction.connection())
    .await?
    .into_iter()
    .collect();
    for (id, name) in sqlx::query_as::<_, (String, String)>(&format!(
        "SELECT grid_cell_id, name FROM {}",
        GridCellRow::table(generation)
    ))
    .fetch_all(transaction.connection())
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
    transaction: &mut ReadTransaction,
    generation: i64,
    hazard_ids: &[String],
    as_of: i64,
) -> Result<Vec<HistoryEvent>, sqlx::Error> {
    if hazard_ids.is_empty() {
        return Ok(Vec::new());
    }
    let hazards = hl_readmodel::placeholders(2, hazard_ids.len());
    let sql_text = format!(
        "SELECT hazard_id, event_type, event_id FROM {} WHERE at <= $1 AND hazard_id IN ({hazards}) ORDER BY sequence, position",
        HistoryRow::table(generation)
    );
    let mut values: Vec<Value> = vec![as_of.into()];
    values.extend(hazard_ids.iter().cloned().map(Value::Text));
    let rows = bind_all(sqlx::query(&sql_text), values)
        .fetch_all(transaction.connection())
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

/// The townships (乡镇/街道) of the registry, by code.
pub async fn townships(
    transaction: &mut ReadTransaction,
    generation: i64,
) -> Result<Vec<hl_responsibility::read_models::AreaRow>, sqlx::Error> {
    Ok(
        all_rows::<hl_responsibility::read_models::AreaRow>(transaction, generation)
            .await?
            .into_iter()
            .filter(|area| area.level == hl_proto::responsibility::v1::AdminAreaLevel::Township)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::StatusExt;

    #[test]
    fn a_hazard_judged_by_rules_this_build_does_not_know_is_an_error_not_the_latest_rules() {
        let refusal = HAZARDS.by_name("hazards-1999").unwrap_err();
        let status = tonic::Status::from(ReadError::UnknownRules {
            hazard_id: "h-1".into(),
            refusal,
        });
        assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
        let info = status.get_details_error_info().expect("ErrorInfo");
        assert_eq!(info.reason, "UNKNOWN_RULE_VERSION");
        assert_eq!(info.metadata["hazard"], "h-1");
        assert!(
            HAZARDS
                .by_name(HAZARDS.in_force(chrono::NaiveDate::MAX).name)
                .is_ok()
        );
    }
}
