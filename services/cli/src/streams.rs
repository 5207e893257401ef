//! `hlctl streams`: every stream of the deployment with its size and sequence range.

use serde_json::json;

use crate::connect::Streams;
use crate::failure::Failure;
use crate::output::{Table, time_text};

pub async fn run(streams: &Streams, as_json: bool) -> Result<(), Failure> {
    let names = streams.names().await?;
    let mut rows = Vec::with_capacity(names.len());
    for name in &names {
        let mut stream = streams
            .jetstream
            .get_stream(name)
            .await
            .map_err(|error| Failure::Unavailable(format!("stream {name}: {error}")))?;
        let info = stream
            .info()
            .await
            .map_err(|error| Failure::Unavailable(format!("stream {name}: {error}")))?;
        rows.push(json!({
            "stream": name,
            "subjects": info.config.subjects,
            "messages": info.state.messages,
            "bytes": info.state.bytes,
            "first_sequence": info.state.first_sequence,
            "last_sequence": info.state.last_sequence,
            "last_message_at": (info.state.messages > 0)
                .then(|| time_text(info.state.last_timestamp)),
            "consumers": info.state.consumer_count,
            "replicas": info.config.num_replicas,
            "storage": format!("{:?}", info.config.storage).to_lowercase(),
        }));
    }
    if as_json {
        crate::output::print_json(&json!({ "nats_url": streams.url, "streams": rows }))?;
        return Ok(());
    }
    if rows.is_empty() {
        println!(
            "no streams under namespace {:?} at {}",
            streams.namespace.root(),
            streams.url
        );
        return Ok(());
    }
    let mut table = Table::new(&[
        "STREAM",
        "MESSAGES",
        "BYTES",
        "FIRST SEQ",
        "LAST SEQ",
        "LAST MESSAGE (UTC)",
        "CONSUMERS",
        "REPLICAS",
    ]);
    for row in &rows {
        table.row(vec![
            row["stream"].as_str().unwrap_or_default().to_string(),
            row["messages"].to_string(),
            row["bytes"].to_string(),
            row["first_sequence"].to_string(),
            row["last_sequence"].to_string(),
            row["last_message_at"].as_str().unwrap_or("-").to_string(),
            row["consumers"].to_string(),
            row["replicas"].to_string(),
        ]);
    }
    table.print()?;
    Ok(())
}
