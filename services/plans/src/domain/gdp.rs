//! The district's GDP of a year (地区生产总值), entered as data with its source because T3 reads
//! deaths per 亿元 of it and no other context holds it. The statistics bureau publishes a
//! preliminary figure and revises it later; a revision says why, and every entry stays on the
//! record.

use hl_domain::access::require_government;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::plans::v1 as pb;
use hl_proto::plans_events::AnnualGdpEvent;
use serde::{Deserialize, Serialize};

use super::DomainError;

/// 万元 in one 亿元.
pub const WAN_YUAN_PER_YI_YUAN: f64 = 10_000.0;

#[derive(Clone, Debug, PartialEq)]
pub struct RecordGdp {
    pub region: String,
    pub year: i32,
    pub gdp_wan_yuan: i64,
    pub source: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnnualGdp {
    pub year: i32,
    pub region: String,
    pub entries: Vec<pb::GdpEntry>,
}

impl AnnualGdp {
    /// The latest entry's figure, 万元.
    pub fn gdp_wan_yuan(&self) -> Option<i64> {
        self.entries.last().map(|entry| entry.gdp_wan_yuan)
    }

    /// The latest entry's figure in 亿元, the unit T3 divides by.
    pub fn gdp_yi_yuan(&self) -> Option<f64> {
        self.gdp_wan_yuan()
            .map(|wan| wan as f64 / WAN_YUAN_PER_YI_YUAN)
    }
}

impl Aggregate for AnnualGdp {
    type Event = AnnualGdpEvent;
    type Command = RecordGdp;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "annual_gdp";
    const COLLECTION: &'static str = "annualGdp";

    fn expects(_: &RecordGdp) -> Expects {
        Expects::Either
    }

    fn decide(
        &self,
        command: &RecordGdp,
        context: &CommandContext,
    ) -> Result<Vec<AnnualGdpEvent>, DomainError> {
        require_government(&context.actor, &command.region, "enter the district's GDP")?;
        if let Some(latest) = self.entries.last() {
            if latest.gdp_wan_yuan == command.gdp_wan_yuan && latest.source == command.source {
                return Err(DomainError::precondition(
                    reasons::GDP_UNCHANGED,
                    format!(
                        "annualGdp/{} already has this figure and source",
                        command.year
                    ),
                ));
            }
            if command.reason.is_empty() {
                return Err(DomainError::invalid(
                    "reason",
                    "a revision of a year's GDP says why the figure changed",
                ));
            }
        }
        Ok(vec![AnnualGdpEvent::Recorded(pb::AnnualGdpRecorded {
            year: command.year,
            gdp_wan_yuan: command.gdp_wan_yuan,
            source: command.source.clone(),
            reason: command.reason.clone(),
        })])
    }

    fn apply(&mut self, event: &AnnualGdpEvent, meta: &EventMeta) {
        let AnnualGdpEvent::Recorded(recorded) = event;
        self.year = recorded.year;
        self.region = meta.region.clone();
        self.entries.push(pb::GdpEntry {
            gdp_wan_yuan: recorded.gdp_wan_yuan,
            source: recorded.source.clone(),
            reason: recorded.reason.clone(),
            recorded_at: Some(hl_proto::timestamp(meta.recorded_at)),
            recorded_by: meta.actor.id.clone(),
        });
    }
}
