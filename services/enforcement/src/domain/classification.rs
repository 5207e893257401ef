//! The EnterpriseClassification aggregate (分类分级): an enterprise's supervision grade for one
//! year, computed from what the registry says of it on the classification day and from its
//! enforcement history of the year before, with every factor used recorded. The visits a year
//! its grade asks for come from the versioned policy table ([`rules::CLASSIFICATION`]), and the
//! record keeps the version it was judged by. A reclassification during the year (动态管理) says
//! why.

use chrono::Datelike;
use hl_directory::Standing;
use hl_domain::clock::local_date;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::{FireworksGrade, SupervisionGrade};
use hl_proto::responsibility::v1::{EnterpriseDetails, Industry};
use serde::{Deserialize, Serialize};

use super::access::require_bureau;
use super::{DomainError, rules};

pub use hl_proto::enforcement_events::ClassificationEvent;

/// The classification's id: one per enterprise and year.
pub fn classification_id(enterprise_id: &str, year: i32) -> String {
    format!("{enterprise_id}-{year}")
}

/// What the enforcement record says of the enterprise's year before, read by the API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct History {
    /// 重大 hazards inspections found.
    pub major_findings: u32,
    /// Cases decided with a penalty.
    pub penalties: u32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Classify {
    pub region: String,
    pub year: i32,
    /// The registry's record of the enterprise on the classification day.
    pub enterprise: Standing,
    pub history: History,
    /// For a fireworks outlet: its grade under 烟花爆竹分级管控, assessed by the bureau.
    pub fireworks_grade: FireworksGrade,
    /// Why it is classified again; required for a reclassification.
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ClassificationCommand {
    Classify(Classify),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseClassification {
    pub classification_id: String,
    pub enterprise_id: String,
    pub township_code: String,
    pub year: i32,
    pub grade: SupervisionGrade,
    pub industry: Industry,
    pub score: i32,
    pub factors: Vec<pb::ClassificationFactor>,
    pub policy_version: String,
    pub min_visits: u32,
    pub max_visits: u32,
    pub fireworks_grade: FireworksGrade,
    /// How often it was classified again during the year.
    pub revisions: u32,
    pub reason: String,
}

/// The grade a set of factors gives, with the factors as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Graded {
    pub grade: SupervisionGrade,
    pub industry: Industry,
    pub score: i32,
    pub factors: Vec<pb::ClassificationFactor>,
}

fn factor(name: &str, value: String, points: i32) -> pb::ClassificationFactor {
    pb::ClassificationFactor {
        name: name.into(),
        value,
        points,
    }
}

/// Grades an enterprise by the policy: points for its industry, risk colour, standardisation
/// grade, history and (for a fireworks outlet) its graded-control grade; the sum picks the grade.
pub fn grade(
    details: &EnterpriseDetails,
    history: History,
    fireworks: FireworksGrade,
    policy: &rules::ClassificationPolicy,
) -> Graded {
    let industry = details
        .industries
        .iter()
        .filter_map(|code| Industry::try_from(*code).ok())
        .max_by_key(|industry| policy.industry_points(*industry))
        .unwrap_or(Industry::Other);
    let colour = details.risk_colour();
    let standardisation = details.standardisation_grade();
    let mut factors = vec![
        factor(
            "industry",
            industry.as_str_name().into(),
            policy.industry_points(industry),
        ),
        factor(
            "risk_colour",
            colour.as_str_name().into(),
            policy.colour_points(colour),
        ),
        factor(
            "standardisation_grade",
            standardisation.as_str_name().into(),
            policy.standardisation_points(standardisation),
        ),
        factor(
            "major_findings_last_year",
            history.major_findings.to_string(),
            if history.major_findings > 0 {
                policy.history_points
            } else {
                0
            },
        ),
        factor(
            "penalties_last_year",
            history.penalties.to_string(),
            if history.penalties > 0 {
                policy.history_points
            } else {
                0
            },
        ),
    ];
    if industry == Industry::Fireworks || fireworks != FireworksGrade::Unspecified {
        factors.push(factor(
            "fireworks_grade",
            fireworks.as_str_name().into(),
            policy.fireworks_points(fireworks),
        ));
    }
    let score = factors.iter().map(|factor| factor.points).sum();
    Graded {
        grade: policy.grade_of(score),
        industry,
        score,
        factors,
    }
}

fn classify(
    asked: &Classify,
    state: &EnterpriseClassification,
    context: &CommandContext,
) -> Result<Vec<ClassificationEvent>, DomainError> {
    let place = match asked.enterprise.township_code() {
        "" => asked.region.as_str(),
        township => township,
    };
    require_bureau(&context.actor, place, "classify an enterprise")?;
    asked.enterprise.require_open()?;
    if !state.classification_id.is_empty() && asked.reason.trim().is_empty() {
        return Err(DomainError::invalid(
            "reason",
            "a reclassification during the year (动态管理) says why",
        ));
    }
    let is_fireworks = asked
        .enterprise
        .details
        .industries
        .contains(&(Industry::Fireworks as i32));
    if is_fireworks && asked.fireworks_grade == FireworksGrade::Unspecified {
        return Err(DomainError::invalid(
            "fireworks_grade",
            "a fireworks outlet is classified with its 烟花爆竹分级管控 grade",
        ));
    }
    if !is_fireworks && asked.fireworks_grade != FireworksGrade::Unspecified {
        return Err(DomainError::invalid(
            "fireworks_grade",
            "only a fireworks outlet has a graded-control grade",
        ));
    }
    let day = local_date(context.occurred_at);
    if (asked.year - day.year()).abs() > 1 {
        return Err(DomainError::invalid(
            "year",
            format!(
                "{}: a classification on {day} is for last year, this year or next",
                asked.year
            ),
        ));
    }
    let version = rules::CLASSIFICATION.in_force(day);
    let graded = grade(
        &asked.enterprise.details,
        asked.history,
        asked.fireworks_grade,
        &version.rules,
    );
    let visits = version.rules.visits(graded.grade);
    Ok(vec![ClassificationEvent::Classified(
        pb::EnterpriseClassified {
            classification_id: context.aggregate_id.clone(),
            enterprise_id: asked.enterprise.enterprise_id.clone(),
            township_code: asked.enterprise.township_code().to_string(),
            year: asked.year,
            grade: graded.grade as i32,
            industry: graded.industry as i32,
            score: graded.score,
            factors: graded.factors,
            policy_version: version.name.to_string(),
            min_visits: visits.min,
            max_visits: visits.max,
            fireworks_grade: asked.fireworks_grade as i32,
            reason: asked.reason.trim().to_string(),
        },
    )])
}

impl Aggregate for EnterpriseClassification {
    type Event = ClassificationEvent;
    type Command = ClassificationCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "classification";
    const COLLECTION: &'static str = "classifications";

    /// Another enterprise does not learn whether this enterprise's records exist.
    fn known_to(&self, actor: &hl_proto::common::v1::Actor) -> bool {
        hl_domain::access::may_know_of(actor, &self.enterprise_id)
    }

    fn expects(_command: &ClassificationCommand) -> Expects {
        // The first classification of the year creates it; a later one reclassifies.
        Expects::Either
    }

    fn decide(
        &self,
        command: &ClassificationCommand,
        context: &CommandContext,
    ) -> Result<Vec<ClassificationEvent>, DomainError> {
        match command {
            ClassificationCommand::Classify(asked) => classify(asked, self, context),
        }
    }

    fn apply(&mut self, event: &ClassificationEvent, _meta: &EventMeta) {
        match event {
            ClassificationEvent::Classified(classified) => {
                let revisions = if self.classification_id.is_empty() {
                    0
                } else {
                    self.revisions + 1
                };
                *self = EnterpriseClassification {
                    classification_id: classified.classification_id.clone(),
                    enterprise_id: classified.enterprise_id.clone(),
                    township_code: classified.township_code.clone(),
                    year: classified.year,
                    grade: classified.grade(),
                    industry: classified.industry(),
                    score: classified.score,
                    factors: classified.factors.clone(),
                    policy_version: classified.policy_version.clone(),
                    min_visits: classified.min_visits,
                    max_visits: classified.max_visits,
                    fireworks_grade: classified.fireworks_grade(),
                    revisions,
                    reason: classified.reason.clone(),
                };
            }
        }
    }
}
