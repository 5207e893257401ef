//! A synthetic district, written to the streams as the services would write it: every commit is
//! decided by the real aggregates and encoded by the event store's own encoder, so the
//! projections read exactly what production gives them, only faster to produce.

use std::time::Duration;

use anyhow::{Context as _, anyhow};
use async_nats::jetstream;
use bytes::Bytes;
use chrono::{DateTime, Days, NaiveDate, Utc};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use hl_directory::Standing;
use hl_directory::enterprise::{Enterprise, EnterpriseCommand};
use hl_eventstore::{
    Aggregate, CommandContext, CommitHeader, Namespace, RequestMeta, commit_digest, decode_commit,
    encode_commit,
};
use hl_hazards::domain::hazard::{Hazard, HazardCommand, ReportHazard};
use hl_proto::common::v1::{Actor, EvidenceRef, Role};
use hl_proto::hazards::v1 as hazards;
use hl_proto::responsibility::v1 as registry;
use hl_proto::responsibility::v1::EnterpriseDetails;

pub const REGION: &str = "330903";

/// Commits waiting for their acknowledgement at once.
const PUBLISH_WINDOW: usize = 1024;

/// What a generator wrote.
#[derive(Clone, Copy, Debug, Default)]
pub struct Written {
    pub commits: u64,
    pub events: u64,
    pub bytes: u64,
}

/// One aggregate decided and encoded in memory, as the repository would.
struct Simulated<A: Aggregate> {
    id: String,
    state: A,
    version: u64,
    last_digest: Vec<u8>,
}

impl<A: Aggregate> Simulated<A> {
    fn new(id: String) -> Self {
        Simulated {
            id,
            state: A::default(),
            version: 0,
            last_digest: Vec::new(),
        }
    }

    /// Decides the command, applies its events and returns the commit message.
    fn command(
        &mut self,
        command: A::Command,
        actor: &Actor,
        now: DateTime<Utc>,
        request_id: String,
    ) -> anyhow::Result<(Bytes, u64)> {
        let context = CommandContext::new(self.id.clone(), actor.clone(), now);
        let events = self
            .state
            .decide(&command, &context)
            .map_err(|error| anyhow!("{} {}: {error}", A::AGGREGATE_TYPE, self.id))?;
        let request = RequestMeta {
            request_id,
            actor: actor.clone(),
            occurred_at: None,
            correlation_id: None,
            migrated_by: None,
        };
        let commit = encode_commit(
            &events,
            &CommitHeader {
                aggregate_type: A::AGGREGATE_TYPE,
                region: REGION,
                version: self.version,
                previous_commit_sha256: &self.last_digest,
                request: &request,
                context: &context,
            },
        );
        let decoded = decode_commit::<A::Event>(&commit).map_err(|error| anyhow!(error))?;
        for (event, meta) in &decoded.events {
            self.state.apply(event, meta);
        }
        self.version += events.len() as u64;
        self.last_digest = commit_digest(&commit);
        Ok((commit, events.len() as u64))
    }
}

/// A publish's acknowledgement, awaitable.
pub type AcknowledgementFuture =
    <jetstream::context::PublishAckFuture as std::future::IntoFuture>::IntoFuture;

/// Publishes commits with up to PUBLISH_WINDOW acknowledgements outstanding.
pub struct Publisher {
    jetstream: jetstream::Context,
    in_flight: FuturesUnordered<AcknowledgementFuture>,
    pub written: Written,
}

impl Publisher {
    pub fn new(jetstream: jetstream::Context) -> Self {
        Publisher {
            jetstream,
            in_flight: FuturesUnordered::new(),
            written: Written::default(),
        }
    }

    pub async fn publish(
        &mut self,
        subject: String,
        commit: Bytes,
        events: u64,
    ) -> anyhow::Result<()> {
        while self.in_flight.len() >= PUBLISH_WINDOW {
            self.settle_one().await?;
        }
        self.written.commits += 1;
        self.written.events += events;
        self.written.bytes += commit.len() as u64;
        let acknowledgement = self
            .jetstream
            .publish(subject, commit)
            .await
            .context("publish a commit")?;
        self.in_flight
            .push(std::future::IntoFuture::into_future(acknowledgement));
        Ok(())
    }

    async fn settle_one(&mut self) -> anyhow::Result<()> {
        if let Some(acknowledgement) = self.in_flight.next().await {
            acknowledgement.context("a commit was not stored")?;
        }
        Ok(())
    }

    /// Waits for every acknowledgement.
    pub async fn finish(mut self) -> anyhow::Result<Written> {
        while !self.in_flight.is_empty() {
            self.settle_one().await?;
        }
        Ok(self.written)
    }
}

/// A valid unified social credit code (GB 32100-2015) for the n-th synthetic enterprise.
pub fn credit_code(index: usize) -> String {
    const CHARACTERS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut body = String::from("91330903");
    let mut value = index;
    let mut digits = Vec::new();
    for _ in 0..9 {
        digits.push(CHARACTERS[value % CHARACTERS.len()] as char);
        value /= CHARACTERS.len();
    }
    body.extend(digits.iter().rev());
    let check = hl_runtime::validation::credit_code_check_character(&body)
        .expect("the body uses the code alphabet");
    body.push(check);
    body
}

pub fn township_code(index: usize, townships: usize) -> String {
    format!("{REGION}{:03}", index % townships + 1)
}

fn administrator() -> Actor {
    Actor {
        id: "bench-admin".into(),
        role: Role::BureauAdministrator as i32,
        organisation: "putuo-bureau".into(),
        region: REGION.into(),
    }
}

/// The report of the `index`-th alarm device test, by its SHA-256: every test carries one.
pub fn test_report(index: u64) -> hl_proto::common::v1::EvidenceRef {
    hl_proto::common::v1::EvidenceRef {
        sha256: format!("{index:064x}"),
        media_type: "application/pdf".into(),
        ..Default::default()
    }
}

pub fn inspector(index: usize) -> Actor {
    Actor {
        id: format!("officer-{}", index % 40),
        role: Role::Inspector as i32,
        organisation: "putuo-bureau".into(),
        region: REGION.into(),
    }
}

pub fn enterprise_actor(code: &str) -> Actor {
    Actor {
        id: format!("principal-{}", &code[code.len() - 6..]),
        role: Role::Enterprise as i32,
        organisation: code.into(),
        region: String::new(),
    }
}

const INDUSTRIES: &[registry::Industry] = &[
    registry::Industry::IndustryAndTrade,
    registry::Industry::HazardousChemicals,
    registry::Industry::AmmoniaRefrigeration,
    registry::Industry::ShipbuildingAndRepair,
    registry::Industry::FillingStation,
    registry::Industry::Homestay,
    registry::Industry::NonCoalMine,
];

/// Registers `count` active enterprises across `townships` townships.
pub async fn write_registry(
    jetstream: &jetstream::Context,
    namespace: &Namespace,
    count: usize,
    townships: usize,
    registered_on: NaiveDate,
) -> anyhow::Result<Written> {
    let mut publisher = Publisher::new(jetstream.clone());
    let actor = administrator();
    let now = Utc::now();
    for index in 0..count {
        let code = credit_code(index);
        let mut enterprise = Simulated::<Enterprise>::new(code.clone());
        let details = registry::EnterpriseDetails {
            display_name: format!("普陀企业{index:05}"),
            address: format!("普陀区某路{}号", index % 500 + 1),
            township_code: township_code(index, townships),
            industries: vec![INDUSTRIES[index % INDUSTRIES.len()] as i32],
            risk_colour: registry::RiskColour::Yellow as i32,
            self_check_required: true,
            self_check_frequency: registry::SelfCheckFrequency::Quarterly as i32,
            ..Default::default()
        };
        let (commit, events) = enterprise.command(
            EnterpriseCommand::Register {
                details,
                effective_from: registered_on,
                activate: true,
            },
            &actor,
            now,
            format!("bench-register-{index}"),
        )?;
        let subject = namespace.aggregate_subject(REGION, "responsibility", "enterprise", &code);
        publisher.publish(subject, commit, events).await?;
    }
    publisher.finish().await
}

fn evidence(index: usize) -> Vec<EvidenceRef> {
    vec![EvidenceRef {
        sha256: format!("{index:064x}"),
        media_type: "image/jpeg".into(),
        ..Default::default()
    }]
}

fn date(day: NaiveDate) -> hl_proto::common::v1::Date {
    day.into()
}

/// The enterprise the `index`-th hazard is written for: a stride through all of them. Every
/// fifth hazard from the first is a government finding ([`is_government_hazard`]).
pub fn enterprise_of_hazard(index: usize, enterprises: usize) -> usize {
    (index * 7919) % enterprises
}

/// Whether the `index`-th hazard is a government finding (two in five are).
pub fn is_government_hazard(index: usize) -> bool {
    index % 5 < 2
}

/// Writes hazard lifecycles in both ledgers, spread over the year before `until`, until at
/// least `target_events` events are written. Every fifth hazard stays open (some overdue).
pub async fn write_hazards(
    jetstream: &jetstream::Context,
    namespace: &Namespace,
    enterprises: usize,
    townships: usize,
    target_events: u64,
    until: DateTime<Utc>,
) -> anyhow::Result<Written> {
    let mut publisher = Publisher::new(jetstream.clone());
    // About six events per hazard.
    let expected_hazards = (target_events / 6).max(1) as usize;
    let span = Duration::from_secs(300 * 24 * 3600);
    let mut index = 0usize;
    while publisher.written.events < target_events {
        let enterprise_index = enterprise_of_hazard(index, enterprises);
        let code = credit_code(enterprise_index);
        let hazard_id = format!("h{index:07}");
        let government = is_government_hazard(index);
        let reported_at = until - chrono::Duration::from_std(span).expect("a year fits")
            + chrono::Duration::from_std(span.mul_f64(index as f64 / expected_hazards as f64))
                .unwrap_or_default();
        let reported_at = reported_at.min(until - chrono::Duration::days(9));
        let officer = inspector(index);
        let principal = enterprise_actor(&code);
        let reporter = if government { &officer } else { &principal };
        let verifier = if government { &officer } else { &principal };
        let mut hazard = Simulated::<Hazard>::new(hazard_id.clone());
        let subject = namespace.aggregate_subject(REGION, "hazards", "hazard", &hazard_id);
        let mut step = 0;
        let mut next_request = || {
            step += 1;
            format!("bench-{hazard_id}-{step}")
        };

        let report = HazardCommand::Report(ReportHazard {
            enterprise: Standing::registered(
                &code,
                EnterpriseDetails {
                    township_code: township_code(enterprise_index, townships),
                    ..Default::default()
                },
            ),
            region: REGION.into(),
            provenance: if government {
                hazards::Provenance::GovernmentInspection
            } else {
                hazards::Provenance::EnterpriseSelf
            },
            source_type: hazards::SourceType::Routine,
            category: category(index),
            location: format!("车间{}", index % 12 + 1),
            equipment: String::new(),
            description: format!("第{index}项隐患：安全防护设施缺失"),
            evidence: evidence(index),
            level: hazards::HazardLevel::General,
            level_criterion: "一般事故隐患".into(),
            inspection_id: if government {
                format!("inspection-{}", index / 3)
            } else {
                String::new()
            },
            ..ReportHazard::default()
        });
        let (commit, events) = hazard.command(report, reporter, reported_at, next_request())?;
        publisher.publish(subject.clone(), commit, events).await?;

        let deadline = reported_at.date_naive() + Days::new(if index % 10 == 3 { 3 } else { 30 });
        let ordered = if government {
            HazardCommand::OrderRectification(hazards::RectificationOrder {
                document_number: format!("舟普应急责改〔2023〕{index}号"),
                deadline: Some(date(deadline)),
                measures: "立即整改".into(),
            })
        } else {
            HazardCommand::PlanRectification(hazards::RectificationPlan {
                measures: "更换防护装置".into(),
                owner: "安全员".into(),
                funds_fen: 50_000,
                deadline: Some(date(deadline)),
                acceptance_standard: "符合标准".into(),
                acceptor: "主要负责人".into(),
            })
        };
        let at = reported_at + chrono::Duration::hours(2);
        let (commit, events) = hazard.command(ordered, reporter, at, next_request())?;
        publisher.publish(subject.clone(), commit, events).await?;

        // Every fifth hazard stays open; the rest are claimed, verified and closed.
        if index % 5 != 4 {
            let at = reported_at + chrono::Duration::days(2);
            let claim = HazardCommand::ClaimRectification {
                note: "已整改".into(),
                evidence: evidence(index + 1),
            };
            let (commit, events) = hazard.command(claim, &principal, at, next_request())?;
            publisher.publish(subject.clone(), commit, events).await?;
            let at = reported_at + chrono::Duration::days(4);
            let verify = HazardCommand::Verify {
                note: "复查合格".into(),
                evidence: Vec::new(),
            };
            let (commit, events) = hazard.command(verify, verifier, at, next_request())?;
            publisher.publish(subject.clone(), commit, events).await?;
            let at = reported_at + chrono::Duration::days(5);
            let close = HazardCommand::Close {
                note: "销号".into(),
            };
            let (commit, events) = hazard.command(close, verifier, at, next_request())?;
            publisher.publish(subject, commit, events).await?;
        }
        index += 1;
    }
    publisher.finish().await
}

/// The categories cycle, so every kind of hazard appears.
fn category(index: usize) -> hazards::HazardCategory {
    const CATEGORIES: [hazards::HazardCategory; 5] = [
        hazards::HazardCategory::AmmoniaRefrigeration,
        hazards::HazardCategory::FireSafety,
        hazards::HazardCategory::Electrical,
        hazards::HazardCategory::ConfinedSpace,
        hazards::HazardCategory::HotWork,
    ];
    CATEGORIES[index % CATEGORIES.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_credit_codes_pass_the_check_character_and_differ() {
        let codes: Vec<String> = (0..1000).map(credit_code).collect();
        for code in &codes {
            assert_eq!(code.len(), 18, "{code}");
            let expected = hl_runtime::validation::credit_code_check_character(&code[..17]);
            assert_eq!(expected, code.chars().last(), "{code}");
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
    }
}
