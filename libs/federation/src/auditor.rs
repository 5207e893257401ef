//! The completeness audit as it runs at the province: read what arrived since the last round,
//! ask each district for its heads, and judge every district's stream of every context.

use std::time::Duration;

use chrono::Utc;
use hl_eventstore::{EventStore, StoreError};
use tokio::sync::Mutex;

use crate::arrivals::{Arrivals, SourceProgress};
use crate::audit::{AuditRules, SourceCompleteness, assess};
use crate::district::District;
use crate::heads::HeadReader;
use crate::sourcing::source_districts;

/// The audit of one province: its streams, its districts, and what it has read so far.
pub struct Auditor {
    store: EventStore,
    districts: Vec<District>,
    contexts: Vec<String>,
    rules: AuditRules,
    arrivals: Mutex<Arrivals>,
    heads: HeadReader,
}

impl Auditor {
    /// Makes sure every context's provincial stream sources exactly these districts, then
    /// audits them.
    /// `store` is the province's own event store.
    pub async fn start(
        store: EventStore,
        districts: Vec<District>,
        contexts: &[&str],
        rules: AuditRules,
    ) -> Result<Auditor, StoreError> {
        let changes = source_districts(&store, contexts, &districts).await?;
        for source in &changes.added {
            tracing::info!(%source, "provincial stream gained a source");
        }
        for source in &changes.dropped {
            tracing::info!(%source, "provincial stream dropped the source of a district no longer followed");
        }
        let heads = HeadReader::new(store.client().clone(), question_timeout(&store), &districts);
        Ok(Auditor {
            store,
            districts,
            contexts: contexts.iter().map(ToString::to_string).collect(),
            rules,
            arrivals: Mutex::new(Arrivals::default()),
            heads,
        })
    }

    pub fn districts(&self) -> &[District] {
        &self.districts
    }

    /// One round: every district's stream of every context, by district then context. The
    /// districts are asked all at once, so one that does not answer costs the round one
    /// timeout, not one per context.
    pub async fn audit(&self) -> Result<Vec<SourceCompleteness>, StoreError> {
        let mut arrivals = self.arrivals.lock().await;
        for context in &self.contexts {
            arrivals.read(&self.store, context).await?;
        }
        let namespace = self.store.namespace();
        let sources: Vec<(&District, &String, SourceProgress)> = self
            .districts
            .iter()
            .flat_map(|district| self.contexts.iter().map(move |context| (district, context)))
            .map(|(district, context)| {
                (
                    district,
                    context,
                    arrivals.progress(context, &district.region),
                )
            })
            .collect();
        drop(arrivals);
        let heads =
            futures::future::join_all(sources.iter().map(|(district, context, progress)| {
                let stream = namespace.stream_name(context);
                let subjects = namespace.region_subjects(&district.region, context);
                async move {
                    self.heads
                        .head(district, (&stream, &subjects), progress.origin_sequence)
                        .await
                }
            }))
            .await;
        let now = Utc::now();
        Ok(sources
            .iter()
            .zip(heads)
            .map(|((district, context, progress), head)| {
                assess((district, context), progress, &head, &self.rules, now)
            })
            .collect())
    }
}

/// A district gets as long to answer as the province's own store, at most five seconds: one
/// district that does not answer must not hold up the audit of the rest for long.
fn question_timeout(store: &EventStore) -> Duration {
    store.settings().request_timeout.min(Duration::from_secs(5))
}
