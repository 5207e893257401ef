//! The responsibility context's settings, flattened into each binary that mounts it.

use std::time::Duration;

#[derive(Clone, Debug, clap::Args)]
pub struct ResponsibilityArgs {
    /// Seconds between the sweeps that issue a bulletin (通报) for each committee task or major
    /// problem past its deadline (and so propose its accountability case); IssueOverdueBulletins
    /// sweeps at once.
    #[arg(
        long,
        env = "HL_BULLETIN_SWEEP_SECONDS",
        default_value_t = 3600,
        value_parser = clap::value_parser!(u64).range(1..=86_400)
    )]
    pub bulletin_sweep_seconds: u64,
}

impl ResponsibilityArgs {
    pub fn bulletin_sweep(&self) -> Duration {
        Duration::from_secs(self.bulletin_sweep_seconds)
    }
}

impl Default for ResponsibilityArgs {
    fn default() -> Self {
        ResponsibilityArgs {
            bulletin_sweep_seconds: 3600,
        }
    }
}
