//! The case-file review's handlers: what a draw reads before deciding — the year's closed case
//! files from the enforcement record, and the units of their officers and of the reviewers from
//! the registry.

use std::collections::{BTreeSet, HashMap};

use hl_runtime::ServiceError;
use hl_runtime::pipeline::{CommandCall, get_named};
use tonic::{Request, Response, Status};

use super::requests;
use super::resources::{self, respond_review};
use super::{EnforcementApi, pb};
use crate::domain::case_review::{CaseFile, CaseFileReview, CaseReviewCommand, Reviewer};

impl EnforcementApi {
    /// The unit (org unit) of a registry person; None when the registry has no such person.
    async fn unit_of(&self, person_id: &str) -> Result<Option<String>, Status> {
        Ok(self
            .directory
            .person(person_id)
            .await
            .map_err(ServiceError::from)?
            .map(|person| person.org_unit_id))
    }

    pub(super) async fn draw_case_files(
        &self,
        request: Request<pb::DrawCaseFilesRequest>,
    ) -> Result<Response<pb::CaseFileReviewCommandResponse>, Status> {
        let mut call = CommandCall::from_request(request)?;
        let mut sample = requests::draw_case_files(&mut call.violations, &call.body, &self.region);
        call.check()?;
        if !self.history.progress.is_ready() {
            return Err(ServiceError::unavailable(
                "the enforcement record is still being read; retry shortly",
            )
            .into());
        }
        for (index, person_id) in call.body.reviewer_ids.iter().enumerate() {
            match self.unit_of(person_id).await? {
                Some(unit) if !unit.is_empty() => sample.reviewers.push(Reviewer {
                    person_id: person_id.clone(),
                    unit,
                }),
                _ => {
                    return Err(ServiceError::invalid_field(
                        format!("reviewer_ids[{index}]"),
                        format!("persons/{person_id} is not in the registry with a unit"),
                    )
                    .into());
                }
            }
        }
        let mut units: HashMap<String, Option<String>> = HashMap::new();
        for closed in self.history.closed_cases(sample.year) {
            let mut file = CaseFile {
                case_id: closed.case_id,
                township_code: closed.township_code,
                units: BTreeSet::new(),
            };
            for officer in &closed.officer_ids {
                let unit = match units.get(officer) {
                    Some(known) => known.clone(),
                    None => {
                        let unit = self.unit_of(officer).await?;
                        units.insert(officer.clone(), unit.clone());
                        unit
                    }
                };
                if let Some(unit) = unit.filter(|unit| !unit.is_empty()) {
                    file.units.insert(unit);
                }
            }
            sample.pool.push(file);
        }
        let id = call.new_id::<CaseFileReview>(&call.body.review_id);
        call.run(&self.reviews, Some(id), &CaseReviewCommand::Draw(sample))
            .await
            .map(respond_review)
    }

    pub(super) async fn get_case_file_review(
        &self,
        request: Request<pb::GetCaseFileReviewRequest>,
    ) -> Result<Response<pb::CaseFileReview>, Status> {
        let fetched = get_named(&self.reviews, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(resources::review(
            &fetched.state,
            fetched.version,
        )))
    }
}
