//! The read-model schema. Control tables (generations, checkpoints, failures) are shared; the
//! read models themselves live in tables suffixed with their generation (`hazards_g1`, …), so a
//! rebuild can fill a new generation while the active one keeps answering.

use sqlx::Executor;

use crate::db::Database;

/// The read-model schema's version. A generation built by an older version is rebuilt.
pub const SCHEMA_VERSION: i64 = 1;

/// The one projection this service maintains, as named in the control tables.
pub const PROJECTION: &str = "ledger";

const CONTROL: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS projection_generations (
        projection TEXT PRIMARY KEY,
        active BIGINT NOT NULL,
        schema_version BIGINT NOT NULL,
        switched_at BIGINT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS projection_checkpoints (
        generation BIGINT NOT NULL,
        stream TEXT NOT NULL,
        last_sequence BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (generation, stream)
    )",
    "CREATE TABLE IF NOT EXISTS projection_failures (
        generation BIGINT NOT NULL,
        stream TEXT NOT NULL,
        sequence BIGINT NOT NULL,
        reason TEXT NOT NULL,
        failed_at BIGINT NOT NULL,
        PRIMARY KEY (generation, stream)
    )",
];

/// The columns of a hazard's state that change over its life; the same in the current table and
/// in its history.
pub const HAZARD_STATE_COLUMNS: &str = "
    status BIGINT NOT NULL,
    level BIGINT NOT NULL,
    deadline TEXT,
    deadline_source BIGINT NOT NULL,
    listed BIGINT NOT NULL,
    supervision_order_id TEXT NOT NULL,
    suspended BIGINT NOT NULL,
    claimed_at BIGINT,
    verdict_at BIGINT,
    verified_at BIGINT,
    verified_by_government BIGINT NOT NULL,
    closed_at BIGINT,
    first_government_action_at BIGINT,
    rejections BIGINT NOT NULL,
    government_rejections BIGINT NOT NULL,
    counterpart_hazard_id TEXT NOT NULL,
    last_event_id TEXT NOT NULL";

/// The statements that create one generation's tables.
fn generation_tables(generation: i64) -> Vec<String> {
    let g = format!("g{generation}");
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS hazards_{g} (
                hazard_id TEXT PRIMARY KEY,
                enterprise_id TEXT NOT NULL,
                township_code TEXT NOT NULL,
                provenance BIGINT NOT NULL,
                government_side BIGINT NOT NULL,
                source_type BIGINT NOT NULL,
                category BIGINT NOT NULL,
                location TEXT NOT NULL,
                equipment TEXT NOT NULL,
                description TEXT NOT NULL,
                reported_at BIGINT NOT NULL,
                reported_date TEXT NOT NULL,
                reported_event_id TEXT NOT NULL,
                inspection_id TEXT NOT NULL,
                version BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                {HAZARD_STATE_COLUMNS}
            )"
        ),
        format!(
            "CREATE INDEX IF NOT EXISTS hazards_{g}_enterprise ON hazards_{g} (enterprise_id, reported_date)"
        ),
        format!(
            "CREATE INDEX IF NOT EXISTS hazards_{g}_township ON hazards_{g} (township_code, reported_date)"
        ),
        format!("CREATE INDEX IF NOT EXISTS hazards_{g}_reported ON hazards_{g} (reported_date)"),
        format!(
            "CREATE TABLE IF NOT EXISTS hazard_history_{g} (
                hazard_id TEXT NOT NULL,
                sequence BIGINT NOT NULL,
                position BIGINT NOT NULL,
                at BIGINT NOT NULL,
                event_id TEXT NOT NULL,
                event_type TEXT NOT NULL,
                actor_id TEXT NOT NULL,
                actor_role BIGINT NOT NULL,
                {HAZARD_STATE_COLUMNS},
                PRIMARY KEY (hazard_id, sequence, position)
            )"
        ),
        format!("CREATE INDEX IF NOT EXISTS hazard_history_{g}_at ON hazard_history_{g} (at)"),
        format!(
            "CREATE TABLE IF NOT EXISTS hazard_matches_{g} (
                government_hazard_id TEXT NOT NULL,
                self_hazard_id TEXT NOT NULL,
                decision TEXT NOT NULL,
                decided_at BIGINT NOT NULL,
                decided_by TEXT NOT NULL,
                event_id TEXT NOT NULL,
                PRIMARY KEY (government_hazard_id, self_hazard_id)
            )"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS self_check_rounds_{g} (
                round_id TEXT PRIMARY KEY,
                enterprise_id TEXT NOT NULL,
                period_start TEXT NOT NULL,
                period_end TEXT NOT NULL,
                status BIGINT NOT NULL,
                zero_findings BIGINT NOT NULL,
                finding_count BIGINT NOT NULL,
                opened_at BIGINT NOT NULL,
                submitted_at BIGINT,
                event_id TEXT NOT NULL
            )"
        ),
        format!(
            "CREATE INDEX IF NOT EXISTS self_check_rounds_{g}_enterprise ON self_check_rounds_{g} (enterprise_id)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS periodic_statistics_{g} (
                statistics_id TEXT PRIMARY KEY,
                enterprise_id TEXT NOT NULL,
                kind BIGINT NOT NULL,
                year BIGINT NOT NULL,
                quarter BIGINT NOT NULL,
                due TEXT NOT NULL,
                late BIGINT NOT NULL,
                submitted_at BIGINT NOT NULL,
                event_id TEXT NOT NULL
            )"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS supervision_orders_{g} (
                order_id TEXT PRIMARY KEY,
                level BIGINT NOT NULL,
                notice_number TEXT NOT NULL,
                title TEXT NOT NULL,
                status BIGINT NOT NULL,
                deadline TEXT NOT NULL,
                hazard_ids TEXT NOT NULL,
                escalations BIGINT NOT NULL,
                issued_at BIGINT NOT NULL,
                delisted_at BIGINT,
                event_id TEXT NOT NULL
            )"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS supervision_sub_tasks_{g} (
                order_id TEXT NOT NULL,
                sub_task_id TEXT NOT NULL,
                assignee_unit TEXT NOT NULL,
                description TEXT NOT NULL,
                deadline TEXT NOT NULL,
                progress BIGINT NOT NULL,
                completed BIGINT NOT NULL,
                last_note TEXT NOT NULL,
                PRIMARY KEY (order_id, sub_task_id)
            )"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS alarm_devices_{g} (
                device_id TEXT PRIMARY KEY,
                enterprise_id TEXT NOT NULL,
                kind BIGINT NOT NULL,
                location TEXT NOT NULL,
                test_interval_days BIGINT NOT NULL,
                registered_on TEXT NOT NULL,
                registered_at BIGINT NOT NULL,
                retired_at BIGINT,
                event_id TEXT NOT NULL
            )"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS alarm_device_tests_{g} (
                device_id TEXT NOT NULL,
                sequence BIGINT NOT NULL,
                tested_on TEXT NOT NULL,
                result BIGINT NOT NULL,
                recorded_at BIGINT NOT NULL,
                event_id TEXT NOT NULL,
                PRIMARY KEY (device_id, sequence)
            )"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS enterprise_states_{g} (
                enterprise_id TEXT PRIMARY KEY,
                state TEXT NOT NULL,
                version BIGINT NOT NULL
            )"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS enterprise_periods_{g} (
                enterprise_id TEXT NOT NULL,
                valid_from TEXT NOT NULL,
                valid_to TEXT NOT NULL,
                display_name TEXT NOT NULL,
                township_code TEXT NOT NULL,
                village_code TEXT NOT NULL,
                grid_cell_id TEXT NOT NULL,
                industries TEXT NOT NULL,
                risk_colour BIGINT NOT NULL,
                status BIGINT NOT NULL,
                self_check_required BIGINT NOT NULL,
                PRIMARY KEY (enterprise_id, valid_from)
            )"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS admin_areas_{g} (
                code TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                level BIGINT NOT NULL,
                parent_code TEXT NOT NULL
            )"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS grid_cells_{g} (
                grid_cell_id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                township_code TEXT NOT NULL
            )"
        ),
    ]
}

/// Every read-model table of a generation, for dropping it.
pub fn generation_table_names(generation: i64) -> Vec<String> {
    [
        "hazards",
        "hazard_history",
        "hazard_matches",
        "self_check_rounds",
        "periodic_statistics",
        "supervision_orders",
        "supervision_sub_tasks",
        "alarm_devices",
        "alarm_device_tests",
        "enterprise_states",
        "enterprise_periods",
        "admin_areas",
        "grid_cells",
    ]
    .iter()
    .map(|table| format!("{table}_g{generation}"))
    .collect()
}

/// Creates the control tables.
pub async fn migrate(database: &Database) -> Result<(), sqlx::Error> {
    for statement in CONTROL {
        database.pool().execute(*statement).await?;
    }
    Ok(())
}

/// Creates a generation's tables.
pub async fn create_generation(database: &Database, generation: i64) -> Result<(), sqlx::Error> {
    for statement in generation_tables(generation) {
        database.pool().execute(statement.as_str()).await?;
    }
    Ok(())
}

/// Drops a generation's tables and its checkpoints and failures.
pub async fn drop_generation(database: &Database, generation: i64) -> Result<(), sqlx::Error> {
    for table in generation_table_names(generation) {
        database
            .pool()
            .execute(format!("DROP TABLE IF EXISTS {table}").as_str())
            .await?;
    }
    sqlx::query("DELETE FROM projection_checkpoints WHERE generation = $1")
        .bind(generation)
        .execute(database.pool())
        .await?;
    sqlx::query("DELETE FROM projection_failures WHERE generation = $1")
        .bind(generation)
        .execute(database.pool())
        .await?;
    Ok(())
}

/// The active generation, creating generation 1 on a new database.
pub async fn active_generation(database: &Database) -> Result<i64, sqlx::Error> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT active FROM projection_generations WHERE projection = $1")
            .bind(PROJECTION)
            .fetch_optional(database.pool())
            .await?;
    if let Some((active,)) = row {
        return Ok(active);
    }
    create_generation(database, 1).await?;
    sqlx::query("INSERT INTO projection_generations (projection, active, schema_version, switched_at) VALUES ($1, 1, $2, $3) ON CONFLICT (projection) DO NOTHING")
        .bind(PROJECTION)
        .bind(SCHEMA_VERSION)
        .bind(chrono::Utc::now().timestamp_millis())
        .execute(database.pool())
        .await?;
    let (active,): (i64,) =
        sqlx::query_as("SELECT active FROM projection_generations WHERE projection = $1")
            .bind(PROJECTION)
            .fetch_one(database.pool())
            .await?;
    Ok(active)
}
