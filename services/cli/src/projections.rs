//! `hlctl projections status` reads the read model's own control tables and the streams' heads;
//! `hlctl projections rebuild` asks the running projections service to rebuild, and draws its
//! progress.

use std::collections::BTreeMap;
use std::time::Duration;

use hl_proto::ledger::v1 as pb;
use hl_proto::ledger::v1::projection_admin_service_client::ProjectionAdminServiceClient;
use serde_json::{Value, json};
use sqlx::Row;

use crate::connect::{Streams, open_database};
use crate::failure::Failure;
use crate::output::{Table, millis_text};

/// Checkpoints, lag and poison state of every projected stream, in the active generation and in
/// any generation a rebuild is filling.
pub async fn status(streams: &Streams, database_url: &str, as_json: bool) -> Result<(), Failure> {
    let database = open_database(database_url).await?;
    let not_a_read_model = not_a_read_model(database_url);
    let (active, switched_at) = active_generation(&database, database_url).await?;

    let checkpoints = checkpoints(&database, active)
        .await
        .map_err(&not_a_read_model)?;
    let failures = failures(&database, active)
        .await
        .map_err(&not_a_read_model)?;

    // Every projected stream appears in the active generation, checkpointed or not yet.
    let mut generations: Vec<i64> = checkpoints
        .keys()
        .chain(failures.keys())
        .map(|(generation, _)| *generation)
        .chain(std::iter::once(active))
        .collect();
    generations.sort_unstable();
    generations.dedup();
    let mut rows = Vec::new();
    for generation in generations {
        for context in hl_projections::registry().contexts() {
            let stream_name = streams.namespace.stream_name(context);
            let head = stream_head(streams, context).await?;
            let key = (generation, stream_name.clone());
            let (applied, updated_at) = checkpoints.get(&key).copied().unwrap_or((0, 0));
            let failure = failures.get(&key);
            let state = match (failure, generation == active) {
                (Some(_), _) => "stopped (poison event)",
                (None, false) => "rebuilding",
                (None, true) if head > applied as u64 => "catching up",
                (None, true) => "current",
            };
            rows.push(json!({
                "generation": generation,
                "active": generation == active,
                "stream": stream_name,
                "checkpoint": applied,
                "head": head,
                "lag_events": head.saturating_sub(applied.max(0) as u64),
                "checkpoint_updated_at": (updated_at > 0).then(|| millis_text(updated_at)),
                "state": state,
                "poison": failure.map(|(sequence, reason, failed_at)| json!({
                    "sequence": sequence,
                    "reason": reason,
                    "failed_at": millis_text(*failed_at),
                })),
            }));
        }
    }

    let report = json!({
        "database": database.dialect().name(),
        "active_generation": active,
        "active_since": millis_text(switched_at),
        "projections": rows,
    });
    if as_json {
        crate::output::print_json(&report)?;
        return Ok(());
    }
    print_status(
        &format!(
            "read model: {} ({}), active generation {} since {}",
            hl_readmodel::redact(database_url),
            database.dialect().name(),
            active,
            millis_text(switched_at)
        ),
        &rows,
    )
}

/// A database error read as "this is not (yet) a read model".
fn not_a_read_model(database_url: &str) -> impl Fn(sqlx::Error) -> Failure + '_ {
    move |error| {
        Failure::NotFound(format!(
            "{} holds no Hazard Ledger read model ({error})",
            hl_readmodel::redact(database_url)
        ))
    }
}

/// The generation of the read models that answers queries, and since when (milliseconds).
pub async fn active_generation(
    database: &hl_readmodel::Database,
    database_url: &str,
) -> Result<(i64, i64), Failure> {
    let not_a_read_model = not_a_read_model(database_url);
    let generation = sqlx::query(
        "SELECT active, schema_version, switched_at FROM projection_generations WHERE projection = $1",
    )
    .bind(hl_projections::schema::PROJECTION)
    .fetch_optional(database.pool())
    .await
    .map_err(&not_a_read_model)?
    .ok_or_else(|| {
        Failure::NotFound(format!(
            "{} has no active projection generation yet",
            hl_readmodel::redact(database_url)
        ))
    })?;
    let active: i64 = generation.try_get("active").map_err(&not_a_read_model)?;
    let switched_at: i64 = generation
        .try_get("switched_at")
        .map_err(&not_a_read_model)?;
    Ok((active, switched_at))
}

/// The status as a table, and a line for each projection stopped by a poison event.
fn print_status(heading: &str, rows: &[Value]) -> Result<(), Failure> {
    println!("{heading}");
    let mut table = Table::new(&[
        "GENERATION",
        "STREAM",
        "CHECKPOINT",
        "HEAD",
        "LAG",
        "STATE",
        "UPDATED (UTC)",
    ]);
    for row in rows {
        table.row(vec![
            row["generation"].to_string(),
            text(&row["stream"]),
            row["checkpoint"].to_string(),
            row["head"].to_string(),
            row["lag_events"].to_string(),
            text(&row["state"]),
            row["checkpoint_updated_at"]
                .as_str()
                .unwrap_or("-")
                .to_string(),
        ]);
    }
    table.print()?;
    for row in rows {
        if let Some(poison) = row["poison"].as_object() {
            println!(
                "POISON: {} generation {} stopped at stream sequence {} on {}: {}",
                text(&row["stream"]),
                row["generation"],
                poison["sequence"],
                text(&poison["failed_at"]),
                text(&poison["reason"])
            );
        }
    }
    Ok(())
}

/// Each projection's checkpoint in the active generation and any later one, by (generation,
/// stream): the last sequence applied and when.
async fn checkpoints(
    database: &hl_readmodel::Database,
    active: i64,
) -> Result<BTreeMap<(i64, String), (i64, i64)>, sqlx::Error> {
    let mut checkpoints = BTreeMap::new();
    for row in sqlx::query(
        "SELECT generation, stream, last_sequence, updated_at FROM projection_checkpoints WHERE generation >= $1",
    )
    .bind(active)
    .fetch_all(database.pool())
    .await?
    {
        checkpoints.insert(
            (row.try_get("generation")?, row.try_get("stream")?),
            (row.try_get("last_sequence")?, row.try_get("updated_at")?),
        );
    }
    Ok(checkpoints)
}

/// The poison event that stopped a projection, by (generation, stream): its sequence, the
/// reason and when.
async fn failures(
    database: &hl_readmodel::Database,
    active: i64,
) -> Result<BTreeMap<(i64, String), (i64, String, i64)>, sqlx::Error> {
    let mut failures = BTreeMap::new();
    for row in sqlx::query(
        "SELECT generation, stream, sequence, reason, failed_at FROM projection_failures WHERE generation >= $1",
    )
    .bind(active)
    .fetch_all(database.pool())
    .await?
    {
        failures.insert(
            (row.try_get("generation")?, row.try_get("stream")?),
            (
                row.try_get("sequence")?,
                row.try_get("reason")?,
                row.try_get("failed_at")?,
            ),
        );
    }
    Ok(failures)
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

/// The last sequence of a context's stream; 0 when the stream does not exist yet.
async fn stream_head(streams: &Streams, context: &str) -> Result<u64, Failure> {
    match streams.context_stream(context).await {
        Ok(mut stream) => {
            let info = stream
                .info()
                .await
                .map_err(|error| Failure::Unavailable(format!("stream info: {error}")))?;
            Ok(info.state.last_sequence)
        }
        Err(Failure::NotFound(_)) => Ok(0),
        Err(other) => Err(other),
    }
}

/// Where the projections service listens, and who asks it to rebuild.
#[derive(Clone, Debug, clap::Args)]
pub struct ServerArgs {
    /// gRPC address of the projections service (or of the suite).
    #[arg(long, env = "HL_SERVER", default_value = "http://127.0.0.1:50051")]
    pub server: String,

    /// A bureau administrator's bearer token (only they may rebuild the read models); when
    /// unset, one is minted for HL_ACTOR_ID of HL_REGION with the signing key.
    #[arg(long, env = "HL_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Who a minted token names: the administrator the rebuild is recorded as coming from.
    #[arg(long, env = "HL_ACTOR_ID", default_value = "hlctl")]
    pub actor_id: String,

    /// The district of the minted token's administrator.
    #[arg(long, env = "HL_REGION", default_value = "330903")]
    pub region: String,

    #[command(flatten)]
    pub key: crate::token::KeyArgs,
}

/// Starts a rebuild and follows it to the switch, with a progress bar on a terminal and a line
/// per tenth of the way otherwise.
pub async fn rebuild(server: &ServerArgs) -> Result<(), Failure> {
    let endpoint = tonic::transport::Endpoint::from_shared(server.server.clone())
        .map_err(|error| Failure::Usage(format!("HL_SERVER {:?}: {error}", server.server)))?
        .connect_timeout(Duration::from_secs(5));
    let channel = endpoint.connect().await.map_err(|error| {
        Failure::Unavailable(format!(
            "cannot reach the projections service at {}: {error}",
            server.server
        ))
    })?;
    let mut client = ProjectionAdminServiceClient::new(channel);
    let mut request = tonic::Request::new(pb::RebuildProjectionsRequest {
        request_id: format!("hlctl-rebuild-{}", uuid::Uuid::now_v7()),
    });
    let token = match &server.token {
        Some(token) => token.clone(),
        None => server.key.sign(
            hl_auth::Claims {
                sub: server.actor_id.clone(),
                role: "bureau-administrator".into(),
                region: server.region.clone(),
                ..hl_auth::Claims::default()
            },
            Duration::from_secs(600),
        )?,
    };
    let value = format!("Bearer {token}")
        .parse()
        .map_err(|_| Failure::Usage("HL_TOKEN must be printable ASCII".to_string()))?;
    request.metadata_mut().insert("authorization", value);
    let mut progress = client
        .rebuild_projections(request)
        .await
        .map_err(|status| Failure::from_status("rebuild", &status))?
        .into_inner();

    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} events ({per_sec})",
        )
        .expect("a valid template"),
    );
    let on_terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut last_tenth = None;
    loop {
        let update = progress
            .message()
            .await
            .map_err(|status| Failure::from_status("rebuild", &status))?;
        let Some(update) = update else {
            bar.abandon();
            return Err(Failure::Unavailable(
                "the server ended the rebuild stream before the switch".into(),
            ));
        };
        bar.set_length(update.target);
        bar.set_position(update.applied);
        bar.set_message(format!("generation {}", update.generation));
        if !on_terminal {
            let tenth = (update.applied * 10)
                .checked_div(update.target)
                .unwrap_or(10);
            if last_tenth != Some(tenth) {
                eprintln!(
                    "generation {}: {} of {} events applied",
                    update.generation, update.applied, update.target
                );
                last_tenth = Some(tenth);
            }
        }
        if update.switched {
            bar.finish_and_clear();
            println!(
                "rebuilt generation {} from {} events in {:.1} s and switched to it",
                update.generation, update.applied, update.elapsed_seconds
            );
            return Ok(());
        }
    }
}
