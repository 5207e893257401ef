//! `hlctl tail`: the newest commits of a context stream, or of one aggregate, as JSON, and with
//! --follow every commit after them as it is written.

use std::collections::VecDeque;
use std::io::Write;

use crate::connect::NatsArgs;
use crate::decode::{Record, commit_json};
use crate::failure::Failure;
use crate::reading::{Reader, parse_aggregate};

#[derive(Clone, Debug, clap::Args)]
pub struct TailArgs {
    #[command(flatten)]
    pub nats: NatsArgs,

    /// The context whose stream to read: hazards, responsibility.
    pub context: String,

    /// Only this aggregate's commits, named TYPE/ID (e.g. hazard/demo-a-valve).
    #[arg(long)]
    pub aggregate: Option<String>,

    /// Start at this stream sequence instead of showing the last commits.
    #[arg(long, conflicts_with = "last")]
    pub from_sequence: Option<u64>,

    /// How many of the newest commits to show first.
    #[arg(long, default_value_t = 10)]
    pub last: u64,

    /// Keep reading and print each new commit as it is written (stop with Ctrl-C).
    #[arg(long, short)]
    pub follow: bool,

    /// Stop after printing this many commits.
    #[arg(long)]
    pub limit: Option<u64>,

    /// Indent the JSON instead of printing one commit per line.
    #[arg(long)]
    pub pretty: bool,
}

pub async fn run(args: &TailArgs) -> Result<(), Failure> {
    if args.limit == Some(0) {
        return Err(Failure::Usage("--limit must be at least 1".into()));
    }
    let streams = args.nats.connect().await?;
    let mut stream = streams.context_stream(&args.context).await?;
    let filter = match &args.aggregate {
        Some(aggregate) => {
            let (aggregate_type, aggregate_id) = parse_aggregate(aggregate)?;
            Some(format!(
                "{}.*.{}.{aggregate_type}.{aggregate_id}",
                streams.namespace.root(),
                args.context
            ))
        }
        None => None,
    };
    // Without a filter the last N commits are the last N sequences: start there rather than
    // reading the whole stream.
    let start = match (args.from_sequence, &filter) {
        (Some(sequence), _) => sequence,
        (None, Some(_)) => 1,
        (None, None) => {
            let info = stream
                .info()
                .await
                .map_err(|error| Failure::Unavailable(format!("stream info: {error}")))?;
            (info.state.last_sequence + 1)
                .saturating_sub(args.last)
                .max(info.state.first_sequence)
        }
    };
    let keep = args.from_sequence.map_or(args.last, |_| u64::MAX);
    let mut reader = Reader::open(&stream, filter, start).await?;
    let mut printer = Printer {
        pretty: args.pretty,
        printed: 0,
        limit: args.limit.unwrap_or(u64::MAX),
    };

    let mut newest = VecDeque::new();
    while !reader.caught_up() {
        newest.push_back(reader.next().await?);
        if newest.len() as u64 > keep {
            newest.pop_front();
        }
    }
    for record in &newest {
        if !printer.print(record)? {
            return Ok(());
        }
    }
    if !args.follow {
        if newest.is_empty() {
            eprintln!("no commits to show");
        }
        return Ok(());
    }
    loop {
        tokio::select! {
            record = reader.next() => {
                if !printer.print(&record?)? {
                    return Ok(());
                }
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

struct Printer {
    pretty: bool,
    printed: u64,
    limit: u64,
}

impl Printer {
    /// Prints one commit; false once the limit is reached.
    fn print(&mut self, record: &Record) -> Result<bool, Failure> {
        let json = commit_json(record).unwrap_or_else(|error| {
            serde_json::json!({ "stream_sequence": record.sequence, "subject": record.subject, "error": error })
        });
        let mut out = std::io::stdout().lock();
        if self.pretty {
            serde_json::to_writer_pretty(&mut out, &json).map_err(std::io::Error::from)?;
        } else {
            serde_json::to_writer(&mut out, &json).map_err(std::io::Error::from)?;
        }
        writeln!(out)?;
        // Followers read line by line through pipes: hand each commit over as it comes.
        out.flush()?;
        self.printed += 1;
        Ok(self.printed < self.limit)
    }
}
