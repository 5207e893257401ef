//! Reading and writing read-model rows. Writes are multi-row statements (hundreds of rows per
//! statement), because one statement per row is what limits a projector: the SQLite driver
//! pays a thread hand-off per statement and PostgreSQL a round trip.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::db::{Dialect, Value, bind_all};
use crate::model::*;

pub type Tx<'a> = Transaction<'a, Any>;

/// What to do when a row with the same key exists.
pub enum OnConflict<'a> {
    /// Keep the existing row.
    Nothing { key: &'a str },
    /// Replace the named columns.
    Update {
        key: &'a str,
        columns: &'a [&'a str],
    },
}

/// Inserts rows in as few statements as the parameter limit allows.
pub async fn insert_rows(
    tx: &mut Tx<'_>,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
    on_conflict: Option<OnConflict<'_>>,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let per_statement = (30_000 / columns.len()).clamp(1, 1000);
    let conflict = match on_conflict {
        None => String::new(),
        Some(OnConflict::Nothing { key }) => format!(" ON CONFLICT ({key}) DO NOTHING"),
        Some(OnConflict::Update { key, columns }) => format!(
            " ON CONFLICT ({key}) DO UPDATE SET {}",
            columns
                .iter()
                .map(|column| format!("{column} = excluded.{column}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let dialect = Dialect::of(tx);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(per_statement).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {}{conflict}",
            columns.join(", "),
            dialect.row_placeholders(chunk.len(), columns.len())
        );
        bind_all(sqlx::query(&sql), chunk.into_iter().flatten().collect())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Rows whose key is among `keys`, as many statements as needed.
pub async fn load_by_keys<T>(
    tx: &mut Tx<'_>,
    select: &str,
    key_column: &str,
    keys: &[String],
    convert: impl Fn(&AnyRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, sqlx::Error> {
    let dialect = Dialect::of(tx);
    let mut found = Vec::new();
    for chunk in keys.chunks(500) {
        let sql = format!(
            "{select} WHERE {key_column} IN ({})",
            dialect.list_placeholders(chunk.len())
        );
        let rows = bind_all(
            sqlx::query(&sql),
            chunk.iter().cloned().map(Value::Text).collect(),
        )
        .fetch_all(&mut **tx)
        .await?;
        for row in &rows {
            found.push(convert(row)?);
        }
    }
    Ok(found)
}

pub async fn delete_by_keys(
    tx: &mut Tx<'_>,
    table: &str,
    key_column: &str,
    keys: &[String],
) -> Result<(), sqlx::Error> {
    let dialect = Dialect::of(tx);
    for chunk in keys.chunks(500) {
        let sql = format!(
            "DELETE FROM {table} WHERE {key_column} IN ({})",
            dialect.list_placeholders(chunk.len())
        );
        bind_all(
            sqlx::query(&sql),
            chunk.iter().cloned().map(Value::Text).collect(),
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

fn int(row: &AnyRow, column: &str) -> Result<i32, sqlx::Error> {
    Ok(row.try_get::<i64, _>(column)? as i32)
}

// ---- Hazards ----

pub const HAZARD_FACT_COLUMNS: &[&str] = &[
    "hazard_id",
    "enterprise_id",
    "township_code",
    "provenance",
    "government_side",
    "source_type",
    "category",
    "location",
    "equipment",
    "description",
    "reported_at",
    "reported_date",
    "reported_event_id",
    "inspection_id",
    "version",
    "updated_at",
];

pub const HAZARD_STATE_COLUMNS: &[&str] = &[
    "status",
    "level",
    "deadline",
    "deadline_source",
    "listed",
    "supervision_order_id",
    "suspended",
    "claimed_at",
    "verdict_at",
    "verified_at",
    "verified_by_government",
    "closed_at",
    "first_government_action_at",
    "rejections",
    "government_rejections",
    "counterpart_hazard_id",
    "last_event_id",
];

fn state_values(state: &HazardState) -> Vec<Value> {
    vec![
        i64::from(state.status).into(),
        i64::from(state.level).into(),
        state.deadline.clone().into(),
        i64::from(state.deadline_source).into(),
        state.listed.into(),
        state.supervision_order_id.clone().into(),
        state.suspended.into(),
        state.claimed_at.into(),
        state.verdict_at.into(),
        state.verified_at.into(),
        state.verified_by_government.into(),
        state.closed_at.into(),
        state.first_government_action_at.into(),
        state.rejections.into(),
        state.government_rejections.into(),
        state.counterpart_hazard_id.clone().into(),
        state.last_event_id.clone().into(),
    ]
}

pub fn read_state(row: &AnyRow) -> Result<HazardState, sqlx::Error> {
    Ok(HazardState {
        status: int(row, "status")?,
        level: int(row, "level")?,
        deadline: row.try_get("deadline")?,
        deadline_source: int(row, "deadline_source")?,
        listed: flag(row, "listed")?,
        supervision_order_id: row.try_get("supervision_order_id")?,
        suspended: flag(row, "suspended")?,
        claimed_at: row.try_get("claimed_at")?,
        verdict_at: row.try_get("verdict_at")?,
        verified_at: row.try_get("verified_at")?,
        verified_by_government: flag(row, "verified_by_government")?,
        closed_at: row.try_get("closed_at")?,
        first_government_action_at: row.try_get("first_government_action_at")?,
        rejections: row.try_get("rejections")?,
        government_rejections: row.try_get("government_rejections")?,
        counterpart_hazard_id: row.try_get("counterpart_hazard_id")?,
        last_event_id: row.try_get("last_event_id")?,
    })
}

pub fn read_facts(row: &AnyRow) -> Result<HazardFacts, sqlx::Error> {
    Ok(HazardFacts {
        hazard_id: row.try_get("hazard_id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        township_code: row.try_get("township_code")?,
        provenance: int(row, "provenance")?,
        government_side: flag(row, "government_side")?,
        source_type: int(row, "source_type")?,
        category: int(row, "category")?,
        location: row.try_get("location")?,
        equipment: row.try_get("equipment")?,
        description: row.try_get("description")?,
        reported_at: row.try_get("reported_at")?,
        reported_date: row.try_get("reported_date")?,
        reported_event_id: row.try_get("reported_event_id")?,
        inspection_id: row.try_get("inspection_id")?,
    })
}

pub fn read_hazard(row: &AnyRow) -> Result<HazardRow, sqlx::Error> {
    Ok(HazardRow {
        facts: read_facts(row)?,
        state: read_state(row)?,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub async fn load_hazards(
    tx: &mut Tx<'_>,
    generation: i64,
    ids: &[String],
) -> Result<HashMap<String, HazardRow>, sqlx::Error> {
    let rows = load_by_keys(
        tx,
        &format!("SELECT * FROM hazards_g{generation}"),
        "hazard_id",
        ids,
        read_hazard,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.facts.hazard_id.clone(), row))
        .collect())
}

pub async fn upsert_hazards(
    tx: &mut Tx<'_>,
    generation: i64,
    rows: &[HazardRow],
) -> Result<(), sqlx::Error> {
    let columns: Vec<&str> = HAZARD_FACT_COLUMNS
        .iter()
        .chain(HAZARD_STATE_COLUMNS)
        .copied()
        .collect();
    let values = rows
        .iter()
        .map(|row| {
            let facts = &row.facts;
            let mut values: Vec<Value> = vec![
                facts.hazard_id.clone().into(),
                facts.enterprise_id.clone().into(),
                facts.township_code.clone().into(),
                i64::from(facts.provenance).into(),
                facts.government_side.into(),
                i64::from(facts.source_type).into(),
                i64::from(facts.category).into(),
                facts.location.clone().into(),
                facts.equipment.clone().into(),
                facts.description.clone().into(),
                facts.reported_at.into(),
                facts.reported_date.clone().into(),
                facts.reported_event_id.clone().into(),
                facts.inspection_id.clone().into(),
                row.version.into(),
                row.updated_at.into(),
            ];
            values.extend(state_values(&row.state));
            values
        })
        .collect();
    let updated: Vec<&str> = ["version", "updated_at"]
        .iter()
        .chain(HAZARD_STATE_COLUMNS)
        .copied()
        .collect();
    insert_rows(
        tx,
        &format!("hazards_g{generation}"),
        &columns,
        values,
        Some(OnConflict::Update {
            key: "hazard_id",
            columns: &updated,
        }),
    )
    .await
}

pub async fn insert_history(
    tx: &mut Tx<'_>,
    generation: i64,
    rows: &[HistoryRow],
) -> Result<(), sqlx::Error> {
    let columns: Vec<&str> = [
        "hazard_id",
        "sequence",
        "position",
        "at",
        "event_id",
        "event_type",
        "actor_id",
        "actor_role",
    ]
    .iter()
    .chain(HAZARD_STATE_COLUMNS)
    .copied()
    .collect();
    let values = rows
        .iter()
        .map(|row| {
            let mut values: Vec<Value> = vec![
                row.hazard_id.clone().into(),
                row.sequence.into(),
                row.position.into(),
                row.at.into(),
                row.event_id.clone().into(),
                row.event_type.clone().into(),
                row.actor_id.clone().into(),
                row.actor_role.into(),
            ];
            values.extend(state_values(&row.state));
            values
        })
        .collect();
    insert_rows(
        tx,
        &format!("hazard_history_g{generation}"),
        &columns,
        values,
        Some(OnConflict::Nothing {
            key: "hazard_id, sequence, position",
        }),
    )
    .await
}

pub async fn upsert_matches(
    tx: &mut Tx<'_>,
    generation: i64,
    rows: &[MatchRow],
) -> Result<(), sqlx::Error> {
    // Later decisions about a pair replace earlier ones; keep only the last of this batch.
    let mut last: HashMap<(String, String), &MatchRow> = HashMap::new();
    for row in rows {
        last.insert(
            (row.government_hazard_id.clone(), row.self_hazard_id.clone()),
            row,
        );
    }
    let values = last
        .values()
        .map(|row| {
            vec![
                row.government_hazard_id.clone().into(),
                row.self_hazard_id.clone().into(),
                row.decision.clone().into(),
                row.decided_at.into(),
                row.decided_by.clone().into(),
                row.event_id.clone().into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        &format!("hazard_matches_g{generation}"),
        &[
            "government_hazard_id",
            "self_hazard_id",
            "decision",
            "decided_at",
            "decided_by",
            "event_id",
        ],
        values,
        Some(OnConflict::Update {
            key: "government_hazard_id, self_hazard_id",
            columns: &["decision", "decided_at", "decided_by", "event_id"],
        }),
    )
    .await
}

// ---- Self-check rounds, statistics ----

pub fn read_round(row: &AnyRow) -> Result<RoundRow, sqlx::Error> {
    Ok(RoundRow {
        round_id: row.try_get("round_id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        period_start: row.try_get("period_start")?,
        period_end: row.try_get("period_end")?,
        status: int(row, "status")?,
        zero_findings: flag(row, "zero_findings")?,
        finding_count: row.try_get("finding_count")?,
        opened_at: row.try_get("opened_at")?,
        submitted_at: row.try_get("submitted_at")?,
        event_id: row.try_get("event_id")?,
    })
}

pub async fn load_rounds(
    tx: &mut Tx<'_>,
    generation: i64,
    ids: &[String],
) -> Result<HashMap<String, RoundRow>, sqlx::Error> {
    let rows = load_by_keys(
        tx,
        &format!("SELECT * FROM self_check_rounds_g{generation}"),
        "round_id",
        ids,
        read_round,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.round_id.clone(), row))
        .collect())
}

pub async fn upsert_rounds(
    tx: &mut Tx<'_>,
    generation: i64,
    rows: &[RoundRow],
) -> Result<(), sqlx::Error> {
    let columns = [
        "round_id",
        "enterprise_id",
        "period_start",
        "period_end",
        "status",
        "zero_findings",
        "finding_count",
        "opened_at",
        "submitted_at",
        "event_id",
    ];
    let values = rows
        .iter()
        .map(|row| {
            vec![
                row.round_id.clone().into(),
                row.enterprise_id.clone().into(),
                row.period_start.clone().into(),
                row.period_end.clone().into(),
                i64::from(row.status).into(),
                row.zero_findings.into(),
                row.finding_count.into(),
                row.opened_at.into(),
                row.submitted_at.into(),
                row.event_id.clone().into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        &format!("self_check_rounds_g{generation}"),
        &columns,
        values,
        Some(OnConflict::Update {
            key: "round_id",
            columns: &columns[1..],
        }),
    )
    .await
}

pub async fn upsert_statistics(
    tx: &mut Tx<'_>,
    generation: i64,
    rows: &[StatisticsRow],
) -> Result<(), sqlx::Error> {
    let columns = [
        "statistics_id",
        "enterprise_id",
        "kind",
        "year",
        "quarter",
        "due",
        "late",
        "submitted_at",
        "event_id",
    ];
    let values = rows
        .iter()
        .map(|row| {
            vec![
                row.statistics_id.clone().into(),
                row.enterprise_id.clone().into(),
                i64::from(row.kind).into(),
                row.year.into(),
                row.quarter.into(),
                row.due.clone().into(),
                row.late.into(),
                row.submitted_at.into(),
                row.event_id.clone().into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        &format!("periodic_statistics_g{generation}"),
        &columns,
        values,
        Some(OnConflict::Nothing {
            key: "statistics_id",
        }),
    )
    .await
}

// ---- Supervision orders ----

pub fn read_order(row: &AnyRow) -> Result<OrderRow, sqlx::Error> {
    let hazard_ids: String = row.try_get("hazard_ids")?;
    Ok(OrderRow {
        order_id: row.try_get("order_id")?,
        level: int(row, "level")?,
        notice_number: row.try_get("notice_number")?,
        title: row.try_get("title")?,
        status: int(row, "status")?,
        deadline: row.try_get("deadline")?,
        hazard_ids: hazard_ids
            .split(',')
            .filter(|id| !id.is_empty())
            .map(String::from)
            .collect(),
        escalations: row.try_get("escalations")?,
        issued_at: row.try_get("issued_at")?,
        delisted_at: row.try_get("delisted_at")?,
        event_id: row.try_get("event_id")?,
        sub_tasks: Vec::new(),
    })
}

pub fn read_sub_task(
    row: &AnyRow,
) -> Result<(String, hl_proto::hazards::v1::SubTask), sqlx::Error> {
    let deadline: String = row.try_get("deadline")?;
    Ok((
        row.try_get("order_id")?,
        hl_proto::hazards::v1::SubTask {
            sub_task_id: row.try_get("sub_task_id")?,
            assignee_unit: row.try_get("assignee_unit")?,
            description: row.try_get("description")?,
            deadline: chrono::NaiveDate::parse_from_str(&deadline, "%Y-%m-%d")
                .ok()
                .map(Into::into),
            progress_percent: row.try_get::<i64, _>("progress")? as u32,
            completed: flag(row, "completed")?,
            last_note: row.try_get("last_note")?,
        },
    ))
}

pub async fn load_orders(
    tx: &mut Tx<'_>,
    generation: i64,
    ids: &[String],
) -> Result<HashMap<String, OrderRow>, sqlx::Error> {
    let mut orders: HashMap<String, OrderRow> = load_by_keys(
        tx,
        &format!("SELECT * FROM supervision_orders_g{generation}"),
        "order_id",
        ids,
        read_order,
    )
    .await?
    .into_iter()
    .map(|row| (row.order_id.clone(), row))
    .collect();
    for (order_id, task) in load_by_keys(
        tx,
        &format!("SELECT * FROM supervision_sub_tasks_g{generation}"),
        "order_id",
        ids,
        read_sub_task,
    )
    .await?
    {
        if let Some(order) = orders.get_mut(&order_id) {
            order.sub_tasks.push(task);
        }
    }
    for order in orders.values_mut() {
        order
            .sub_tasks
            .sort_by(|left, right| left.sub_task_id.cmp(&right.sub_task_id));
    }
    Ok(orders)
}

pub async fn upsert_orders(
    tx: &mut Tx<'_>,
    generation: i64,
    rows: &[OrderRow],
) -> Result<(), sqlx::Error> {
    let columns = [
        "order_id",
        "level",
        "notice_number",
        "title",
        "status",
        "deadline",
        "hazard_ids",
        "escalations",
        "issued_at",
        "delisted_at",
        "event_id",
    ];
    let values = rows
        .iter()
        .map(|row| {
            vec![
                row.order_id.clone().into(),
                i64::from(row.level).into(),
                row.notice_number.clone().into(),
                row.title.clone().into(),
                i64::from(row.status).into(),
                row.deadline.clone().into(),
                row.hazard_ids.join(",").into(),
                row.escalations.into(),
                row.issued_at.into(),
                row.delisted_at.into(),
                row.event_id.clone().into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        &format!("supervision_orders_g{generation}"),
        &columns,
        values,
        Some(OnConflict::Update {
            key: "order_id",
            columns: &columns[1..],
        }),
    )
    .await?;
    let ids: Vec<String> = rows.iter().map(|row| row.order_id.clone()).collect();
    delete_by_keys(
        tx,
        &format!("supervision_sub_tasks_g{generation}"),
        "order_id",
        &ids,
    )
    .await?;
    let task_columns = [
        "order_id",
        "sub_task_id",
        "assignee_unit",
        "description",
        "deadline",
        "progress",
        "completed",
        "last_note",
    ];
    let tasks = rows
        .iter()
        .flat_map(|row| {
            row.sub_tasks.iter().map(|task| {
                vec![
                    row.order_id.clone().into(),
                    task.sub_task_id.clone().into(),
                    task.assignee_unit.clone().into(),
                    task.description.clone().into(),
                    date_text(&task.deadline).unwrap_or_default().into(),
                    i64::from(task.progress_percent).into(),
                    task.completed.into(),
                    task.last_note.clone().into(),
                ]
            })
        })
        .collect();
    insert_rows(
        tx,
        &format!("supervision_sub_tasks_g{generation}"),
        &task_columns,
        tasks,
        None,
    )
    .await
}

// ---- Alarm devices ----

pub fn read_device(row: &AnyRow) -> Result<DeviceRow, sqlx::Error> {
    Ok(DeviceRow {
        device_id: row.try_get("device_id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        kind: int(row, "kind")?,
        location: row.try_get("location")?,
        test_interval_days: row.try_get("test_interval_days")?,
        registered_on: row.try_get("registered_on")?,
        registered_at: row.try_get("registered_at")?,
        retired_at: row.try_get("retired_at")?,
        event_id: row.try_get("event_id")?,
    })
}

pub async fn load_devices(
    tx: &mut Tx<'_>,
    generation: i64,
    ids: &[String],
) -> Result<HashMap<String, DeviceRow>, sqlx::Error> {
    let rows = load_by_keys(
        tx,
        &format!("SELECT * FROM alarm_devices_g{generation}"),
        "device_id",
        ids,
        read_device,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.device_id.clone(), row))
        .collect())
}

pub async fn upsert_devices(
    tx: &mut Tx<'_>,
    generation: i64,
    rows: &[DeviceRow],
    tests: &[DeviceTestRow],
) -> Result<(), sqlx::Error> {
    let columns = [
        "device_id",
        "enterprise_id",
        "kind",
        "location",
        "test_interval_days",
        "registered_on",
        "registered_at",
        "retired_at",
        "event_id",
    ];
    let values = rows
        .iter()
        .map(|row| {
            vec![
                row.device_id.clone().into(),
                row.enterprise_id.clone().into(),
                i64::from(row.kind).into(),
                row.location.clone().into(),
                row.test_interval_days.into(),
                row.registered_on.clone().into(),
                row.registered_at.into(),
                row.retired_at.into(),
                row.event_id.clone().into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        &format!("alarm_devices_g{generation}"),
        &columns,
        values,
        Some(OnConflict::Update {
            key: "device_id",
            columns: &columns[1..],
        }),
    )
    .await?;
    let test_values = tests
        .iter()
        .map(|test| {
            vec![
                test.device_id.clone().into(),
                test.sequence.into(),
                test.tested_on.clone().into(),
                i64::from(test.result).into(),
                test.recorded_at.into(),
                test.event_id.clone().into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        &format!("alarm_device_tests_g{generation}"),
        &[
            "device_id",
            "sequence",
            "tested_on",
            "result",
            "recorded_at",
            "event_id",
        ],
        test_values,
        Some(OnConflict::Nothing {
            key: "device_id, sequence",
        }),
    )
    .await
}

// ---- Registry ----

pub async fn load_enterprise_states(
    tx: &mut Tx<'_>,
    generation: i64,
    ids: &[String],
) -> Result<HashMap<String, (hl_responsibility::domain::enterprise::Enterprise, i64)>, sqlx::Error>
{
    let rows = load_by_keys(
        tx,
        &format!("SELECT enterprise_id, state, version FROM enterprise_states_g{generation}"),
        "enterprise_id",
        ids,
        |row| {
            let id: String = row.try_get("enterprise_id")?;
            let state: String = row.try_get("state")?;
            let version: i64 = row.try_get("version")?;
            let state = serde_json::from_str(&state)
                .map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
            Ok((id, (state, version)))
        },
    )
    .await?;
    Ok(rows.into_iter().collect())
}

pub async fn write_enterprises(
    tx: &mut Tx<'_>,
    generation: i64,
    states: &[(hl_responsibility::domain::enterprise::Enterprise, i64)],
) -> Result<(), sqlx::Error> {
    let mut state_values = Vec::new();
    let mut period_values = Vec::new();
    for (state, version) in states {
        let json =
            serde_json::to_string(state).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
        state_values.push(vec![
            state.enterprise_id.clone().into(),
            json.into(),
            (*version).into(),
        ]);
        for period in enterprise_periods(state) {
            period_values.push(vec![
                period.enterprise_id.into(),
                period.valid_from.into(),
                period.valid_to.into(),
                period.display_name.into(),
                period.township_code.into(),
                period.village_code.into(),
                period.grid_cell_id.into(),
                period.industries.into(),
                i64::from(period.risk_colour).into(),
                i64::from(period.status).into(),
                period.self_check_required.into(),
            ]);
        }
    }
    insert_rows(
        tx,
        &format!("enterprise_states_g{generation}"),
        &["enterprise_id", "state", "version"],
        state_values,
        Some(OnConflict::Update {
            key: "enterprise_id",
            columns: &["state", "version"],
        }),
    )
    .await?;
    let ids: Vec<String> = states
        .iter()
        .map(|(state, _)| state.enterprise_id.clone())
        .collect();
    delete_by_keys(
        tx,
        &format!("enterprise_periods_g{generation}"),
        "enterprise_id",
        &ids,
    )
    .await?;
    insert_rows(
        tx,
        &format!("enterprise_periods_g{generation}"),
        &[
            "enterprise_id",
            "valid_from",
            "valid_to",
            "display_name",
            "township_code",
            "village_code",
            "grid_cell_id",
            "industries",
            "risk_colour",
            "status",
            "self_check_required",
        ],
        period_values,
        None,
    )
    .await
}

pub async fn upsert_areas(
    tx: &mut Tx<'_>,
    generation: i64,
    areas: &[hl_proto::responsibility::v1::AdminArea],
) -> Result<(), sqlx::Error> {
    let values = areas
        .iter()
        .map(|area| {
            vec![
                area.code.clone().into(),
                area.display_name.clone().into(),
                i64::from(area.level).into(),
                area.parent_code.clone().into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        &format!("admin_areas_g{generation}"),
        &["code", "name", "level", "parent_code"],
        values,
        Some(OnConflict::Update {
            key: "code",
            columns: &["name", "level", "parent_code"],
        }),
    )
    .await
}

pub async fn upsert_grid_cells(
    tx: &mut Tx<'_>,
    generation: i64,
    cells: &[hl_proto::responsibility::v1::GridCell],
) -> Result<(), sqlx::Error> {
    let values = cells
        .iter()
        .map(|cell| {
            vec![
                cell.grid_cell_id.clone().into(),
                cell.display_name.clone().into(),
                cell.township_code.clone().into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        &format!("grid_cells_g{generation}"),
        &["grid_cell_id", "name", "township_code"],
        values,
        Some(OnConflict::Update {
            key: "grid_cell_id",
            columns: &["name", "township_code"],
        }),
    )
    .await
}

// ---- Checkpoints ----

pub async fn read_checkpoint(
    executor: &sqlx::AnyPool,
    generation: i64,
    stream: &str,
) -> Result<u64, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT last_sequence FROM projection_checkpoints WHERE generation = $1 AND stream = $2",
    )
    .bind(generation)
    .bind(stream.to_string())
    .fetch_optional(executor)
    .await?;
    Ok(row.map_or(0, |(sequence,)| sequence as u64))
}

pub async fn write_checkpoint(
    tx: &mut Tx<'_>,
    generation: i64,
    stream: &str,
    sequence: u64,
) -> Result<(), sqlx::Error> {
    insert_rows(
        tx,
        "projection_checkpoints",
        &["generation", "stream", "last_sequence", "updated_at"],
        vec![vec![
            generation.into(),
            stream.into(),
            (sequence as i64).into(),
            chrono::Utc::now().timestamp_millis().into(),
        ]],
        Some(OnConflict::Update {
            key: "generation, stream",
            columns: &["last_sequence", "updated_at"],
        }),
    )
    .await
}
