//! The projections' configuration.

use crate::reconciliation::Policy;

#[derive(Clone, Debug, clap::Args)]
pub struct ProjectionArgs {
    /// Read-model database: sqlite://PATH (created when missing) or postgres://USER@HOST/DB.
    /// Defaults to a SQLite file in the data folder.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Days the government has to review a self-reported 重大 hazard or a rectification claim
    /// before the reconciliation reports it (D2).
    #[arg(long, env = "HL_REVIEW_CLOCK_DAYS", default_value_t = 10)]
    pub review_clock_days: i64,

    /// A hazard like a closed one, reported within this many days of the close-out, counts as
    /// a recurrence (D3).
    #[arg(long, env = "HL_RECURRENCE_WINDOW_DAYS", default_value_t = 90)]
    pub recurrence_window_days: i64,

    /// A self-check entry reported up to this many days before a government finding may be
    /// proposed as its counterpart.
    #[arg(long, env = "HL_MATCHING_WINDOW_DAYS", default_value_t = 90)]
    pub matching_window_days: i64,

    /// Most messages a projector applies in one transaction. Larger batches catch up faster;
    /// smaller ones keep each transaction short.
    #[arg(long, env = "HL_PROJECTION_BATCH", default_value_t = 1000)]
    pub projection_batch: usize,
}

impl ProjectionArgs {
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(url) = &self.database_url
            && !(url.starts_with("sqlite:")
                || url.starts_with("postgres:")
                || url.starts_with("postgresql:"))
        {
            problems.push(format!(
                "DATABASE_URL must start with sqlite: or postgres:, got {:?}",
                crate::db::redact(url)
            ));
        }
        for (name, value) in [
            ("HL_REVIEW_CLOCK_DAYS", self.review_clock_days),
            ("HL_RECURRENCE_WINDOW_DAYS", self.recurrence_window_days),
            ("HL_MATCHING_WINDOW_DAYS", self.matching_window_days),
        ] {
            if !(1..=3650).contains(&value) {
                problems.push(format!("{name} must be 1-3650 days, got {value}"));
            }
        }
        if !(1..=10_000).contains(&self.projection_batch) {
            problems.push(format!(
                "HL_PROJECTION_BATCH must be 1-10000, got {}",
                self.projection_batch
            ));
        }
        problems
    }

    /// The database URL: the configured one, else `ledger.db` in the data folder.
    pub fn database_url(&self, data_dir: &std::path::Path) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("ledger.db").display()))
    }

    pub fn policy(&self) -> Policy {
        Policy {
            review_clock_days: self.review_clock_days,
            recurrence_window_days: self.recurrence_window_days,
            matching_window_days: self.matching_window_days,
        }
    }
}
