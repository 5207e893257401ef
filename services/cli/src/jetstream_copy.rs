//! The JetStream API's stream snapshot and restore, which async-nats does not wrap: the server's
//! own copy of a stream, with every message's sequence, time and headers, its durable consumers'
//! positions, and the stream's configuration.
//!
//! A snapshot arrives as chunks on an inbox; acknowledging each chunk paces the server, and an
//! empty message ends the copy, with a status header saying whether it is complete. A restore
//! sends chunks to a subject the server names, waits for each to be taken, and ends with an
//! empty chunk, answered once the stream exists.

use std::io::Read;
use std::time::Duration;

use async_nats::{Client, Request};
use bytes::Bytes;
use futures::StreamExt;
use serde_json::{Value, json};

use crate::failure::Failure;

/// The size of the chunks sent to the server on restore, and asked of it on snapshot.
const CHUNK_BYTES: usize = 128 * 1024;

/// How long a copy may go without a chunk, or a chunk without its answer, before the tool
/// gives up on a server that stalled.
const STALL: Duration = Duration::from_secs(30);

/// How long the server may take to prepare a stream's copy, or to build a stream from the
/// chunks it received.
const RESTORE_FINISH: Duration = Duration::from_secs(600);

/// What a stream copy holds, as the server describes it: the stream's configuration and its
/// state (first and last sequence, messages, bytes) at the moment of the copy. Kept as the
/// server's own JSON, so a restore hands back exactly what the snapshot gave.
#[derive(Clone, Debug)]
pub struct StreamCopy {
    pub config: Value,
    pub state: Value,
}

/// Copies a stream from the server, handing each chunk of the copy to `write` in order.
pub async fn snapshot(
    client: &Client,
    stream: &str,
    mut write: impl FnMut(&[u8]) -> std::io::Result<()>,
) -> Result<StreamCopy, Failure> {
    let inbox = client.new_inbox();
    let mut chunks = client
        .subscribe(inbox.clone())
        .await
        .map_err(|error| unavailable(stream, &error))?;
    // Durable consumers come along: a work queue restored without its position would hand
    // every item it ever held to its service again.
    let answer = api_request(
        client,
        &format!("STREAM.SNAPSHOT.{stream}"),
        &json!({ "deliver_subject": inbox, "no_consumers": false, "chunk_size": CHUNK_BYTES }),
        // The server prepares the whole copy before it answers.
        Some(RESTORE_FINISH),
    )
    .await?;
    let copy = StreamCopy {
        config: answer["config"].clone(),
        state: answer["state"].clone(),
    };
    loop {
        let chunk = tokio::time::timeout(STALL, chunks.next())
            .await
            .map_err(|_| {
                Failure::Unavailable(format!(
                    "the snapshot of {stream} stalled: no chunk for {} s",
                    STALL.as_secs()
                ))
            })?
            .ok_or_else(|| Failure::Unavailable(format!("the snapshot of {stream} ended early")))?;
        if chunk.payload.is_empty() {
            // The end of the copy: 204 (or, from older servers, no status) when it is whole.
            return match chunk.status.map(|status| status.as_u16()) {
                None | Some(200 | 204) => Ok(copy),
                Some(code) => Err(Failure::Unavailable(format!(
                    "the server stopped the snapshot of {stream}: {code} {}",
                    chunk.description.unwrap_or_default()
                ))),
            };
        }
        write(&chunk.payload)
            .map_err(|error| Failure::Unavailable(format!("cannot write the backup: {error}")))?;
        if let Some(reply) = chunk.reply {
            client
                .publish(reply, Bytes::new())
                .await
                .map_err(|error| unavailable(stream, &error))?;
        }
    }
}

/// Creates a stream on the server from a copy, reading the copy's bytes from `source`; returns
/// the new stream's state.
pub async fn restore(
    client: &Client,
    copy: &StreamCopy,
    mut source: impl Read,
) -> Result<Value, Failure> {
    let stream = copy.config["name"].as_str().unwrap_or_default().to_string();
    let answer = api_request(
        client,
        &format!("STREAM.RESTORE.{stream}"),
        &json!({ "config": copy.config, "state": copy.state }),
        None,
    )
    .await?;
    let deliver = answer["deliver_subject"]
        .as_str()
        .ok_or_else(|| {
            Failure::Unavailable(format!(
                "the server named no subject to restore {stream} to"
            ))
        })?
        .to_string();
    let mut buffer = vec![0; CHUNK_BYTES];
    loop {
        let length = read_full(&mut source, &mut buffer)
            .map_err(|error| Failure::Unavailable(format!("cannot read the backup: {error}")))?;
        if length == 0 {
            break;
        }
        let taken = client
            .send_request(
                deliver.clone(),
                Request::new()
                    .payload(Bytes::copy_from_slice(&buffer[..length]))
                    .timeout(Some(STALL)),
            )
            .await
            .map_err(|error| unavailable(&stream, &error))?;
        // An empty answer takes the chunk; anything else is the server's error.
        if !taken.payload.is_empty() {
            api_answer(&stream, &taken.payload)?;
        }
    }
    let finished = client
        .send_request(
            deliver,
            Request::new()
                .payload(Bytes::new())
                .timeout(Some(RESTORE_FINISH)),
        )
        .await
        .map_err(|error| unavailable(&stream, &error))?;
    // The answer is the new stream's info: its configuration and state at the top level.
    let answer = api_answer(&stream, &finished.payload)?;
    Ok(answer["state"].clone())
}

/// A JetStream API request (`$JS.API.` + `operation`) and its answer, or the server's error.
async fn api_request(
    client: &Client,
    operation: &str,
    body: &Value,
    timeout: Option<Duration>,
) -> Result<Value, Failure> {
    let subject = format!("$JS.API.{operation}");
    let mut request = Request::new().payload(Bytes::from(body.to_string()));
    if let Some(timeout) = timeout {
        request = request.timeout(Some(timeout));
    }
    let answer = client
        .send_request(subject, request)
        .await
        .map_err(|error| unavailable(operation, &error))?;
    api_answer(operation, &answer.payload)
}

/// An API answer's JSON, or a failure carrying its error: a stream that exists already is a
/// conflict, one that does not is not found, anything else the server refused.
fn api_answer(what: &str, payload: &[u8]) -> Result<Value, Failure> {
    let answer: Value = serde_json::from_slice(payload).map_err(|error| {
        Failure::Unavailable(format!("{what}: the server's answer is not JSON: {error}"))
    })?;
    let Some(error) = answer.get("error") else {
        return Ok(answer);
    };
    let description = error["description"].as_str().unwrap_or("no description");
    let message = format!("{what}: the server refused: {description}");
    Err(match error["err_code"].as_u64() {
        // JSStreamNameExistErr, JSStreamNameExistRestoreFailedErr.
        Some(10058 | 10130) => Failure::Conflict(message),
        // JSStreamNotFoundErr.
        Some(10059) => Failure::NotFound(message),
        _ => Failure::Unavailable(message),
    })
}

/// Reads until `buffer` is full or the source ends; the number of bytes read.
fn read_full(source: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match source.read(&mut buffer[filled..])? {
            0 => break,
            read => filled += read,
        }
    }
    Ok(filled)
}

fn unavailable(what: &str, error: &dyn std::fmt::Display) -> Failure {
    Failure::Unavailable(format!("{what}: {error}"))
}
