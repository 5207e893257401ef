//! The CaseFileReview aggregate (案卷评查): `Drawn → Published`. A bureau administrator draws a
//! sample of the year's closed case files with a recorded seed (anyone can draw it again), and
//! each file goes to a reviewer of another unit than the officers who handled the case — a
//! cross-review, never one's own unit's files. The assigned reviewer scores it: any failed veto
//! item makes it 不合格; otherwise 卷面 (up to 20) and 内容 (up to 80) points give 优秀, 合格 or
//! 不合格 by the review standard's version. Published once every file is scored.

use std::collections::BTreeSet;

use hl_domain::access::{require_bureau, require_government};
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::{FileGrade, ReviewStatus};
use serde::{Deserialize, Serialize};

use super::draw::shuffled;
use super::{DomainError, rules};

pub use hl_proto::enforcement_events::CaseReviewEvent;

/// A closed case file that may be drawn, with the units of the officers who handled it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaseFile {
    pub case_id: String,
    pub township_code: String,
    pub units: BTreeSet<String>,
}

/// A reviewer and their unit, as the registry has them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reviewer {
    pub person_id: String,
    pub unit: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DrawSample {
    pub region: String,
    pub year: i32,
    pub seed: String,
    pub sample_size: usize,
    /// The year's closed case files, read by the API.
    pub pool: Vec<CaseFile>,
    pub reviewers: Vec<Reviewer>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Score {
    pub case_id: String,
    pub veto_failures: Vec<String>,
    pub form_points: u32,
    pub content_points: u32,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CaseReviewCommand {
    Draw(DrawSample),
    Score(Score),
    Publish,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseFileReview {
    pub review_id: String,
    pub region: String,
    pub year: i32,
    pub seed: String,
    pub standard_version: String,
    pub status: ReviewStatus,
    pub files: Vec<pb::ReviewedFile>,
}

/// The grade of a scored file by a standard.
pub fn grade_of(standard: &rules::ReviewStandard, vetoed: bool, total: u32) -> FileGrade {
    if vetoed || total < standard.pass_from {
        FileGrade::Failed
    } else if total >= standard.excellent_from {
        FileGrade::Excellent
    } else {
        FileGrade::Passed
    }
}

/// Assigns each drawn file to a reviewer outside the file's units, spreading the files over the
/// reviewers in the seed's order. The first file with no such reviewer is refused by name.
fn assign(
    seed: &str,
    files: &[&CaseFile],
    reviewers: &[Reviewer],
) -> Result<Vec<pb::ReviewedFile>, DomainError> {
    let ids: Vec<String> = reviewers
        .iter()
        .map(|reviewer| reviewer.person_id.clone())
        .collect();
    let order: Vec<&Reviewer> = shuffled(&format!("{seed}/reviewers"), &ids)
        .into_iter()
        .filter_map(|id| reviewers.iter().find(|reviewer| &reviewer.person_id == id))
        .collect();
    let mut load = vec![0usize; order.len()];
    let mut assigned = Vec::with_capacity(files.len());
    for file in files {
        let choice = order
            .iter()
            .enumerate()
            .filter(|(_, reviewer)| !file.units.contains(&reviewer.unit))
            .min_by_key(|(index, _)| (load[*index], *index))
            .map(|(index, _)| index);
        let Some(index) = choice else {
            return Err(DomainError::precondition(
                reasons::NO_INDEPENDENT_REVIEWER,
                format!(
                    "penaltyCases/{}: every reviewer belongs to a unit that handled it",
                    file.case_id
                ),
            ));
        };
        load[index] += 1;
        assigned.push(pb::ReviewedFile {
            case_id: file.case_id.clone(),
            township_code: file.township_code.clone(),
            reviewer_id: order[index].person_id.clone(),
            ..pb::ReviewedFile::default()
        });
    }
    Ok(assigned)
}

fn draw_sample(
    sample: &DrawSample,
    context: &CommandContext,
) -> Result<Vec<CaseReviewEvent>, DomainError> {
    require_bureau(&context.actor, &sample.region, "draw case files for review")?;
    if sample.pool.is_empty() {
        return Err(DomainError::precondition(
            reasons::NO_CASE_FILES,
            format!("no case of {} is closed yet to review", sample.year),
        ));
    }
    if sample.sample_size == 0 || sample.sample_size > sample.pool.len() {
        return Err(DomainError::invalid(
            "sample_size",
            format!(
                "1 to the {} closed case files of {}",
                sample.pool.len(),
                sample.year
            ),
        ));
    }
    let case_ids: Vec<String> = sample
        .pool
        .iter()
        .map(|file| file.case_id.clone())
        .collect();
    let drawn: Vec<&CaseFile> = shuffled(&sample.seed, &case_ids)
        .into_iter()
        .take(sample.sample_size)
        .filter_map(|id| sample.pool.iter().find(|file| &file.case_id == id))
        .collect();
    let files = assign(&sample.seed, &drawn, &sample.reviewers)?;
    let version = rules::REVIEW.in_force(hl_domain::clock::local_date(context.occurred_at));
    Ok(vec![CaseReviewEvent::SampleDrawn(pb::CaseFilesDrawn {
        review_id: context.aggregate_id.clone(),
        region: sample.region.clone(),
        year: sample.year,
        seed: sample.seed.clone(),
        pool_case_ids: case_ids,
        files,
        standard_version: version.name.to_string(),
    })])
}

impl CaseFileReview {
    fn score(
        &self,
        score: &Score,
        context: &CommandContext,
    ) -> Result<Vec<CaseReviewEvent>, DomainError> {
        require_government(&context.actor, &self.region, "score a case file")?;
        if self.status != ReviewStatus::Drawn {
            return Err(DomainError::precondition(
                reasons::REVIEW_PUBLISHED,
                "the review is published",
            ));
        }
        let Some(file) = self.files.iter().find(|file| file.case_id == score.case_id) else {
            return Err(DomainError::invalid(
                "case_id",
                format!(
                    "penaltyCases/{} was not drawn for this review",
                    score.case_id
                ),
            ));
        };
        if file.reviewer_id != context.actor.id {
            return Err(DomainError::forbidden(
                reasons::NOT_THE_ASSIGNED_REVIEWER,
                format!(
                    "penaltyCases/{} is {}'s to review",
                    score.case_id, file.reviewer_id
                ),
            ));
        }
        if file.grade() != FileGrade::Unspecified {
            return Err(DomainError::precondition(
                reasons::FILE_ALREADY_SCORED,
                format!("penaltyCases/{} is scored", score.case_id),
            ));
        }
        let standard = &rules::REVIEW.by_name(&self.standard_version)?.rules;
        if let Some(unknown) = score
            .veto_failures
            .iter()
            .find(|item| !standard.veto_items.contains(&item.as_str()))
        {
            return Err(DomainError::invalid(
                "veto_failures",
                format!(
                    "{unknown:?} is not a veto item of {}",
                    self.standard_version
                ),
            ));
        }
        if score.form_points > standard.form_max || score.content_points > standard.content_max {
            return Err(DomainError::invalid(
                "form_points",
                format!(
                    "卷面 is scored out of {} and 内容 out of {}",
                    standard.form_max, standard.content_max
                ),
            ));
        }
        let total = score.form_points + score.content_points;
        Ok(vec![CaseReviewEvent::FileScored(pb::CaseFileScored {
            review_id: self.review_id.clone(),
            case_id: score.case_id.clone(),
            veto_failures: score.veto_failures.clone(),
            form_points: score.form_points,
            content_points: score.content_points,
            total,
            grade: grade_of(standard, !score.veto_failures.is_empty(), total) as i32,
            notes: score.notes.clone(),
        })])
    }

    fn publish(&self, context: &CommandContext) -> Result<Vec<CaseReviewEvent>, DomainError> {
        require_bureau(&context.actor, &self.region, "publish the case-file review")?;
        if self.status != ReviewStatus::Drawn {
            return Err(DomainError::precondition(
                reasons::REVIEW_PUBLISHED,
                "the review is published",
            ));
        }
        let unscored: Vec<&str> = self
            .files
            .iter()
            .filter(|file| file.grade() == FileGrade::Unspecified)
            .map(|file| file.case_id.as_str())
            .collect();
        if !unscored.is_empty() {
            return Err(DomainError::precondition(
                reasons::FILES_NOT_SCORED,
                format!("still to score: {}", unscored.join(", ")),
            ));
        }
        Ok(vec![CaseReviewEvent::Published(
            pb::CaseFileReviewPublished {
                review_id: self.review_id.clone(),
            },
        )])
    }
}

impl Aggregate for CaseFileReview {
    type Event = CaseReviewEvent;
    type Command = CaseReviewCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "case_file_review";
    const COLLECTION: &'static str = "caseFileReviews";

    fn expects(command: &CaseReviewCommand) -> Expects {
        match command {
            CaseReviewCommand::Draw(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &CaseReviewCommand,
        context: &CommandContext,
    ) -> Result<Vec<CaseReviewEvent>, DomainError> {
        match command {
            CaseReviewCommand::Draw(sample) => draw_sample(sample, context),
            CaseReviewCommand::Score(score) => self.score(score, context),
            CaseReviewCommand::Publish => self.publish(context),
        }
    }

    fn apply(&mut self, event: &CaseReviewEvent, meta: &EventMeta) {
        match event {
            CaseReviewEvent::SampleDrawn(drawn) => {
                *self = CaseFileReview {
                    review_id: drawn.review_id.clone(),
                    region: drawn.region.clone(),
                    year: drawn.year,
                    seed: drawn.seed.clone(),
                    standard_version: drawn.standard_version.clone(),
                    status: ReviewStatus::Drawn,
                    files: drawn.files.clone(),
                };
            }
            CaseReviewEvent::FileScored(scored) => {
                if let Some(file) = self
                    .files
                    .iter_mut()
                    .find(|file| file.case_id == scored.case_id)
                {
                    file.veto_failures = scored.veto_failures.clone();
                    file.form_points = scored.form_points;
                    file.content_points = scored.content_points;
                    file.total = scored.total;
                    file.grade = scored.grade;
                    file.notes = scored.notes.clone();
                    file.scored_at = Some(hl_proto::timestamp(meta.occurred_at));
                }
            }
            CaseReviewEvent::Published(_) => self.status = ReviewStatus::Published,
        }
    }
}
