//! At a province: the projections service follows the districts in its districts file (read
//! again before every round, so a district added there is followed, and one taken out is
//! dropped, without a restart). It
//! makes each context's stream source every district's (instead of creating streams with
//! subjects of their own, as a district's service does), projects them as a district's
//! service projects its own, and audits every round how complete each district's copy is:
//! the answer of GetFederationCompleteness and the `hl_province_*` metrics.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hl_eventstore::{EventStore, StoreError};
use hl_federation::{AuditRules, Auditor, District, FlagKind, SourceCompleteness};
use hl_telemetry::metrics::{SourceFlagLabels, SourceLabels, metrics};

/// The province's audit as the service holds it: the districts, and the latest round.
pub struct ProvinceAudit {
    districts: RwLock<Vec<District>>,
    latest: RwLock<LatestRound>,
    /// Set once every context's stream sources every district: the projectors' streams exist.
    pub streams_ready: Arc<AtomicBool>,
}

/// The latest round that ended, and why a later one failed if it did.
#[derive(Clone, Debug, Default)]
pub struct LatestRound {
    pub audited_at: Option<DateTime<Utc>>,
    pub sources: Vec<SourceCompleteness>,
    pub last_error: Option<String>,
}

impl ProvinceAudit {
    /// Applies the sources (retrying while NATS is away) and then audits every `every`. Before
    /// each round the districts file is read again: a district added there is sourced and
    /// audited from that round on, with no restart.
    pub fn start(
        store: EventStore,
        (districts, file): (Vec<District>, PathBuf),
        contexts: Vec<&'static str>,
        rules: AuditRules,
        every: Duration,
    ) -> Arc<ProvinceAudit> {
        let audit = Arc::new(ProvinceAudit {
            districts: RwLock::new(districts.clone()),
            latest: RwLock::new(LatestRound::default()),
            streams_ready: Arc::new(AtomicBool::new(false)),
        });
        let running = audit.clone();
        tokio::spawn(async move {
            let mut auditor = running
                .source(store.clone(), districts, &contexts, rules)
                .await;
            running.streams_ready.store(true, Ordering::SeqCst);
            loop {
                let round = auditor.audit().await;
                running.record(round);
                tokio::time::sleep(every).await;
                if let Some(changed) = running
                    .reread(&store, &file, &auditor, &contexts, rules)
                    .await
                {
                    auditor = changed;
                }
            }
        });
        audit
    }

    pub fn districts(&self) -> Vec<District> {
        self.districts.read().expect("districts lock").clone()
    }

    /// The auditor of the districts file as it now reads, when it changed: its districts are
    /// sourced first, exactly (a district taken out of the file loses its sources, and what it
    /// sent stays). A file that cannot be read, or sources that cannot be applied, leave the
    /// districts as they were, with a warning each round until it is mended.
    async fn reread(
        &self,
        store: &EventStore,
        file: &Path,
        current: &Auditor,
        contexts: &[&str],
        rules: AuditRules,
    ) -> Option<Auditor> {
        let districts = match hl_federation::read_districts(file) {
            Ok(districts) if districts != current.districts() => districts,
            Ok(_) => return None,
            Err(problem) => {
                tracing::warn!(%problem, "the districts file cannot be read; the districts stay as they were");
                return None;
            }
        };
        match Auditor::start(store.clone(), districts.clone(), contexts, rules).await {
            Ok(auditor) => {
                tracing::info!(
                    districts = districts.len(),
                    "the districts file changed: provincial streams source every district"
                );
                *self.districts.write().expect("districts lock") = districts;
                Some(auditor)
            }
            Err(error) => {
                tracing::warn!(%error, "the districts file changed but its sources could not be applied; next round");
                None
            }
        }
    }

    pub fn latest(&self) -> LatestRound {
        self.latest.read().expect("audit lock").clone()
    }

    /// Makes every context's stream source every district, as a district's service makes its
    /// streams (`hl_runtime::nats::ensure_streams`).
    async fn source(
        &self,
        store: EventStore,
        districts: Vec<District>,
        contexts: &[&str],
        rules: AuditRules,
    ) -> Auditor {
        let auditor = hl_runtime::nats::until_streams_ready(
            || Auditor::start(store.clone(), districts.clone(), contexts, rules),
            |error| self.latest.write().expect("audit lock").last_error = Some(error.to_string()),
        )
        .await;
        tracing::info!(
            districts = districts.len(),
            "provincial streams source every district"
        );
        auditor
    }

    fn record(&self, round: Result<Vec<SourceCompleteness>, StoreError>) {
        let mut latest = self.latest.write().expect("audit lock");
        match round {
            Ok(sources) => {
                let now = Utc::now();
                forget_series_of_the_gone(&latest.sources, &sources);
                export(&sources, now);
                let flags: usize = sources.iter().map(|source| source.flags.len()).sum();
                if flags > 0 {
                    tracing::warn!(flags, "the completeness audit flagged district streams");
                }
                *latest = LatestRound {
                    audited_at: Some(now),
                    sources,
                    last_error: None,
                };
            }
            Err(error) => {
                // The figures stay those of the last round that ended; its time says how old
                // they are (hl_province_audited_at_seconds).
                tracing::warn!(%error, "the completeness audit round failed");
                latest.last_error = Some(error.to_string());
            }
        }
    }
}

/// Removes the `hl_province_*` series of every district and context audited last round and not
/// this one (a district taken out of the districts file): its last figures would otherwise
/// stand as if it were still followed.
fn forget_series_of_the_gone(previous: &[SourceCompleteness], now: &[SourceCompleteness]) {
    let metrics = metrics();
    let audited = |source: &SourceCompleteness| {
        now.iter()
            .any(|each| each.region == source.region && each.context == source.context)
    };
    for gone in previous.iter().filter(|source| !audited(source)) {
        let labels = source_labels(gone);
        metrics.province_lag_events.remove(&labels);
        metrics.province_seconds_since_last_event.remove(&labels);
        for kind in FlagKind::ALL {
            metrics.province_flags.remove(&flag_labels(gone, kind));
        }
    }
}

fn source_labels(source: &SourceCompleteness) -> SourceLabels {
    SourceLabels {
        region: source.region.clone(),
        context: source.context.clone(),
    }
}

fn flag_labels(source: &SourceCompleteness, kind: FlagKind) -> SourceFlagLabels {
    SourceFlagLabels {
        region: source.region.clone(),
        context: source.context.clone(),
        flag: kind.as_str().to_string(),
    }
}

/// Sets the `hl_province_*` gauges from one round.
fn export(sources: &[SourceCompleteness], now: DateTime<Utc>) {
    let metrics = metrics();
    for source in sources {
        let labels = source_labels(source);
        match source.lag_events {
            Some(lag) => {
                metrics
                    .province_lag_events
                    .get_or_create(&labels)
                    .set(i64::try_from(lag).unwrap_or(i64::MAX));
            }
            // Unknown is not zero: the series goes away until the district answers.
            None => {
                metrics.province_lag_events.remove(&labels);
            }
        }
        match source.since_last_event {
            Some(since) => {
                metrics
                    .province_seconds_since_last_event
                    .get_or_create(&labels)
                    .set(since.as_secs_f64());
            }
            None => {
                metrics.province_seconds_since_last_event.remove(&labels);
            }
        }
        for kind in FlagKind::ALL {
            let raised = source.flags.iter().any(|flag| flag.kind == kind);
            metrics
                .province_flags
                .get_or_create(&flag_labels(source, kind))
                .set(i64::from(raised));
        }
    }
    metrics
        .province_audited_at
        .set(now.timestamp_millis() as f64 / 1000.0);
}
