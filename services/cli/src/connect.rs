//! Reaching NATS and the read-model database. Unlike the services, which wait for NATS to come
//! back, the tool gives up quickly and says so: an operator wants an answer, not a hang.

use std::time::Duration;

use async_nats::jetstream;
use hl_eventstore::Namespace;
use hl_readmodel::{Database, DatabaseError};

use crate::failure::Failure;

/// Where the event streams are.
#[derive(Clone, Debug, clap::Args)]
pub struct NatsArgs {
    /// NATS server URL.
    #[arg(long, env = "NATS_URL", default_value = "nats://127.0.0.1:4222")]
    pub nats_url: String,

    /// Namespace root of the deployment's streams and subjects (as the services' HL_NAMESPACE).
    #[arg(long, env = "HL_NAMESPACE", default_value = "hl")]
    pub namespace: String,

    #[command(flatten)]
    pub auth: hl_runtime::config::NatsAuthArgs,
}

/// The deployment's streams, reached.
pub struct Streams {
    pub jetstream: jetstream::Context,
    pub namespace: Namespace,
    pub url: String,
}

impl NatsArgs {
    pub async fn connect(&self) -> Result<Streams, Failure> {
        let namespace = Namespace::new(&self.namespace)
            .map_err(|error| Failure::Usage(format!("HL_NAMESPACE: {error}")))?;
        let problems = self.auth.problems();
        if !problems.is_empty() {
            return Err(Failure::Usage(problems.join("; ")));
        }
        let client = self
            .auth
            .connect_options()
            .await
            .map_err(Failure::Usage)?
            .name("hlctl")
            .connection_timeout(Duration::from_secs(5))
            .connect(hl_runtime::nats::server_list(&self.nats_url).as_slice())
            .await
            .map_err(|error| {
                Failure::Unavailable(format!(
                    "cannot connect to NATS at {}: {error}",
                    self.nats_url
                ))
            })?;
        Ok(Streams {
            jetstream: jetstream::new(client),
            namespace,
            url: self.nats_url.clone(),
        })
    }
}

impl Streams {
    /// The names of the namespace's streams (its contexts' and its snapshots'), sorted.
    pub async fn names(&self) -> Result<Vec<String>, Failure> {
        use futures::TryStreamExt;
        let prefix = format!("{}_", self.namespace.root().to_ascii_uppercase());
        let mut names: Vec<String> = self
            .jetstream
            .stream_names()
            .try_collect::<Vec<String>>()
            .await
            .map_err(|error| {
                Failure::Unavailable(format!("cannot list the streams at {}: {error}", self.url))
            })?
            .into_iter()
            .filter(|name| name.starts_with(&prefix))
            .collect();
        names.sort();
        Ok(names)
    }

    /// A context's stream, or NotFound naming the streams there are.
    pub async fn context_stream(
        &self,
        context: &str,
    ) -> Result<jetstream::stream::Stream, Failure> {
        if !hl_eventstore::is_valid_token(context) {
            return Err(Failure::Usage(format!(
                "{context:?} is not a context name (e.g. hazards, responsibility)"
            )));
        }
        let name = self.namespace.stream_name(context);
        match self.jetstream.get_stream(&name).await {
            Ok(stream) => Ok(stream),
            Err(error) if is_stream_not_found(&error) => {
                let known = self.names().await?.join(", ");
                Err(Failure::NotFound(format!(
                    "no stream {name} at {}; the namespace has: {}",
                    self.url,
                    if known.is_empty() { "none" } else { &known }
                )))
            }
            Err(error) => Err(Failure::Unavailable(format!("stream {name}: {error}"))),
        }
    }
}

fn is_stream_not_found(error: &jetstream::context::GetStreamError) -> bool {
    matches!(
        error.kind(),
        jetstream::context::GetStreamErrorKind::JetStream(inner)
            if inner.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND
    )
}

/// Opens the read-model database, which must exist already.
pub async fn open_database(url: &str) -> Result<Database, Failure> {
    Database::connect_existing(url)
        .await
        .map_err(|error| match error {
            DatabaseError::Missing(_) => Failure::NotFound(error.to_string()),
            DatabaseError::UnknownScheme(_) => Failure::Usage(error.to_string()),
            DatabaseError::Open { .. } => Failure::Unavailable(error.to_string()),
        })
}
