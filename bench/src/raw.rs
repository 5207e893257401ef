//! The raw baselines: what JetStream and the databases do on this machine with nothing of ours
//! in between. Every other figure is read against these, measured in the same run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context as _;
use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use hl_readmodel::{Database, Value};

use crate::stats::Latencies;

pub const RAW_STREAM: &str = "BENCH_RAW";

/// A fresh file-backed R1 stream for raw publishing (the suite's stream settings).
pub async fn fresh_stream(jetstream: &jetstream::Context) -> anyhow::Result<stream::Stream> {
    let _ = jetstream.delete_stream(RAW_STREAM).await;
    jetstream
        .create_stream(stream::Config {
            name: RAW_STREAM.into(),
            subjects: vec!["bench.raw.>".into()],
            storage: stream::StorageType::File,
            num_replicas: 1,
            ..Default::default()
        })
        .await
        .context("create the raw stream")
}

/// What a publishing run achieved.
pub struct PublishRun {
    pub per_second: f64,
    pub latencies: Latencies,
}

/// Fresh file-backed R1 streams `BENCH_RAW_0`, `BENCH_RAW_1`, … holding `bench.raw.<i>.>` each,
/// for publishing spread over several streams, each flushing to disk on its own.
async fn fresh_streams(jetstream: &jetstream::Context, count: usize) -> anyhow::Result<()> {
    let _ = jetstream.delete_stream(RAW_STREAM).await;
    for index in 0..count {
        let name = format!("{RAW_STREAM}_{index}");
        let _ = jetstream.delete_stream(&name).await;
        jetstream
            .create_stream(stream::Config {
                name: name.clone(),
                subjects: vec![format!("bench.raw.{index}.>")],
                storage: stream::StorageType::File,
                num_replicas: 1,
                ..Default::default()
            })
            .await
            .with_context(|| format!("create the raw stream {name}"))?;
    }
    Ok(())
}

async fn delete_streams(jetstream: &jetstream::Context, count: usize) {
    for index in 0..count {
        let _ = jetstream
            .delete_stream(format!("{RAW_STREAM}_{index}"))
            .await;
    }
}

/// `publishers` tasks each publish and wait for the acknowledgement before the next message,
/// `total` messages in all, each to one of many subjects (as commands go to many aggregates).
/// The subjects are spread evenly over `streams` streams: more than one is what a context's
/// stream split (for example by township) would write to.
pub async fn sync_publish(
    jetstream: &jetstream::Context,
    (publishers, total): (usize, u64),
    streams: usize,
    payload: Bytes,
) -> anyhow::Result<PublishRun> {
    if streams == 1 {
        fresh_stream(jetstream).await?;
        return publish_and_wait(jetstream, (publishers, total), 1, payload).await;
    }
    fresh_streams(jetstream, streams).await?;
    let run = publish_and_wait(jetstream, (publishers, total), streams, payload).await;
    delete_streams(jetstream, streams).await;
    run
}

/// Publishes to `bench.raw.<index % streams>.a<index % 10,000>` (one stream: `bench.raw.0…`,
/// which the single raw stream holds too).
async fn publish_and_wait(
    jetstream: &jetstream::Context,
    (publishers, total): (usize, u64),
    streams: usize,
    payload: Bytes,
) -> anyhow::Result<PublishRun> {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..publishers {
        let jetstream = jetstream.clone();
        let next = next.clone();
        let payload = payload.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total {
                    return Ok::<_, anyhow::Error>(latencies);
                }
                let subject = format!("bench.raw.{}.a{}", index % streams as u64, index % 10_000);
                let sent = Instant::now();
                jetstream.publish(subject, payload.clone()).await?.await?;
                latencies.record(sent.elapsed());
            }
        }));
    }
    let mut latencies = Latencies::default();
    for task in tasks {
        latencies.merge(&task.await??);
    }
    Ok(PublishRun {
        per_second: total as f64 / started.elapsed().as_secs_f64(),
        latencies,
    })
}

/// Publishes without waiting, up to `window` acknowledgements outstanding.
pub async fn async_publish(
    jetstream: &jetstream::Context,
    total: u64,
    window: usize,
    payload: Bytes,
) -> anyhow::Result<f64> {
    fresh_stream(jetstream).await?;
    let started = Instant::now();
    fill(jetstream, total, window, payload).await?;
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

async fn fill(
    jetstream: &jetstream::Context,
    total: u64,
    window: usize,
    payload: Bytes,
) -> anyhow::Result<()> {
    let mut in_flight = FuturesUnordered::new();
    for index in 0..total {
        while in_flight.len() >= window {
            if let Some(acknowledgement) = in_flight.next().await {
                acknowledgement?;
            }
        }
        let acknowledgement = jetstream
            .publish(format!("bench.raw.a{}", index % 10_000), payload.clone())
            .await?;
        in_flight.push(std::future::IntoFuture::into_future(acknowledgement));
    }
    while let Some(acknowledgement) = in_flight.next().await {
        acknowledgement?;
    }
    Ok(())
}

/// How a consumer reads.
#[derive(Clone, Copy, Debug)]
pub enum Reading {
    /// A pull consumer acknowledging every message.
    Acked,
    /// A pull consumer with no acknowledgements.
    Unacked,
    /// An ordered consumer, as the projectors read.
    Ordered,
}

/// Fills a stream with `total` messages, then reads them all; messages per second.
pub async fn consume(
    jetstream: &jetstream::Context,
    total: u64,
    payload: Bytes,
    reading: Reading,
) -> anyhow::Result<f64> {
    fresh_stream(jetstream).await?;
    fill(jetstream, total, 1024, payload).await?;
    let stream = jetstream.get_stream(RAW_STREAM).await?;
    consume_stream(&stream, total, reading).await
}

/// Reads `total` messages of an existing stream from its start; messages per second.
pub async fn consume_stream(
    stream: &stream::Stream,
    total: u64,
    reading: Reading,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut received = 0u64;
    match reading {
        Reading::Ordered => {
            let consumer = stream
                .create_consumer(consumer::pull::OrderedConfig::default())
                .await?;
            let mut messages = consumer.messages().await?;
            while received < total {
                messages.next().await.context("the stream ended")??;
                received += 1;
            }
        }
        Reading::Acked | Reading::Unacked => {
            let consumer = stream
                .create_consumer(consumer::pull::Config {
                    ack_policy: match reading {
                        Reading::Acked => consumer::AckPolicy::Explicit,
                        _ => consumer::AckPolicy::None,
                    },
                    ..Default::default()
                })
                .await?;
            let mut messages = consumer
                .stream()
                .max_messages_per_batch(1000)
                .messages()
                .await?;
            while received < total {
                let message = messages.next().await.context("the stream ended")??;
                if matches!(reading, Reading::Acked) {
                    message
                        .ack()
                        .await
                        .map_err(|error| anyhow::anyhow!(error))?;
                }
                received += 1;
            }
        }
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// Inserts `rows` into a table in statements of up to 1000 rows and transactions of
/// `rows_per_transaction`, as the projector batches; rows per second.
pub async fn batched_insert(
    database: &Database,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
    rows_per_transaction: usize,
) -> anyhow::Result<f64> {
    let count = rows.len();
    let started = Instant::now();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(rows_per_transaction).collect();
        let mut transaction = database.begin_write().await?;
        hl_readmodel::insert_rows(&mut transaction, table, columns, chunk, None).await?;
        transaction.commit().await?;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}
