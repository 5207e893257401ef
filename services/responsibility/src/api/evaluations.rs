//! The evaluation's handlers: the townships it covers come from the registry.

use hl_domain::access::require_bureau;
use hl_eventstore::Aggregate;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::AdminAreaLevel;
use hl_runtime::ServiceError;
use hl_runtime::pipeline::{CommandCall, Committed, command_on_named, get_named};
use hl_runtime::validation::MAX_TEXT;
use tonic::{Request, Response, Status};

use super::duties::ResponsibilityApi;
use crate::domain::evaluation::{Evaluation, EvaluationCommand};

pub fn evaluation(state: &Evaluation, version: u64) -> pb::Evaluation {
    pb::Evaluation {
        name: format!("evaluations/{}", state.evaluation_id),
        evaluation_id: state.evaluation_id.clone(),
        region: state.region.clone(),
        year: state.year,
        units: state.units.clone(),
        sheet_version: state.sheet_version.clone(),
        entered: state.entered.clone(),
        published_at: state.published_at.map(hl_proto::timestamp),
        version,
        period_start: Some(state.period().0.into()),
        period_end: Some(state.period().1.into()),
        results: state.results.clone(),
        pass_mark: state.pass_mark,
    }
}

fn respond(committed: Committed<Evaluation>) -> Response<pb::EvaluationCommandResponse> {
    Response::new(pb::EvaluationCommandResponse {
        evaluation: Some(evaluation(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

impl ResponsibilityApi {
    pub(super) async fn open_evaluation(
        &self,
        request: Request<pb::OpenEvaluationRequest>,
    ) -> Result<Response<pb::EvaluationCommandResponse>, Status> {
        self.require_index()?;
        let mut call = CommandCall::from_request(request)?;
        call.violations
            .optional_identifier("evaluation_id", &call.body.evaluation_id);
        call.violations.year("year", call.body.year);
        let period = match (
            call.violations
                .optional_date("period_start", call.body.period_start.as_ref()),
            call.violations
                .optional_date("period_end", call.body.period_end.as_ref()),
        ) {
            (Some(first), Some(last)) => Some((first, last)),
            (None, None) => None,
            (Some(_), None) => {
                call.violations
                    .add("period_end", "is set with period_start");
                None
            }
            (None, Some(_)) => {
                call.violations
                    .add("period_start", "is set with period_end");
                None
            }
        };
        let units: Vec<String> = self
            .index()
            .read()
            .areas
            .iter()
            .filter(|(code, entry)| {
                code.starts_with(self.region())
                    && entry
                        .state
                        .record
                        .as_ref()
                        .is_some_and(|area| area.level == AdminAreaLevel::Township as i32)
            })
            .map(|(code, _)| code.clone())
            .collect();
        let command = EvaluationCommand::Open {
            region: self.region().to_string(),
            year: call.body.year,
            units,
            period,
        };
        let id = call.new_id::<Evaluation>(&call.body.evaluation_id);
        call.run(self.evaluations(), Some(id), &command)
            .await
            .map(respond)
    }

    pub(super) async fn enter_evaluation_score(
        &self,
        request: Request<pb::EnterEvaluationScoreRequest>,
    ) -> Result<Response<pb::EvaluationCommandResponse>, Status> {
        command_on_named(self.evaluations(), request, |violations, body| {
            violations.identifier("unit", &body.unit);
            violations.identifier("item_code", &body.item_code);
            violations.optional_text("note", &body.note, MAX_TEXT);
            violations.evidence("evidence", &body.evidence, true);
            EvaluationCommand::Enter {
                unit: body.unit.clone(),
                item_code: body.item_code.clone(),
                score: body.score,
                note: body.note.trim().to_string(),
                evidence: body.evidence.clone(),
            }
        })
        .await
        .map(respond)
    }

    pub(super) async fn publish_evaluation(
        &self,
        request: Request<pb::PublishEvaluationRequest>,
    ) -> Result<Response<pb::EvaluationCommandResponse>, Status> {
        let caller = request.metadata().clone();
        let mut call = CommandCall::from_request(request)?;
        let id = call.named(Evaluation::COLLECTION);
        call.check()?;
        // Authorization before the ledger is read on the caller's behalf.
        require_bureau(&call.actor, self.region(), "publish an evaluation")
            .map_err(ServiceError::from)?;
        // The totals are read as of the publication, which is dated now unless the caller dated
        // it: the published table is then read again as of the same moment.
        let at = call.occurred_at.unwrap_or(call.now);
        call.occurred_at = Some(at);
        let id = id.expect("a checked request names its evaluation");
        let totals = self.scorer().totals(&id, at, &caller).await?;
        call.run(
            self.evaluations(),
            Some(id),
            &EvaluationCommand::Publish { totals },
        )
        .await
        .map(respond)
    }

    pub(super) async fn get_evaluation(
        &self,
        request: Request<pb::GetEvaluationRequest>,
    ) -> Result<Response<pb::Evaluation>, Status> {
        let fetched = get_named(self.evaluations(), request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(evaluation(&fetched.state, fetched.version)))
    }
}
