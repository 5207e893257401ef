//! Command readiness checks of townships without an emergency centre (T11).

use hl_proto::plans::v1 as pb;
use hl_runtime::pipeline::{CommandCall, get_named};
use hl_runtime::validation::MAX_TEXT;
use tonic::{Request, Response, Status};

use super::resources::{command_readiness, respond_command_readiness};
use super::{PlansApi, township_of};
use crate::domain::command_readiness::CheckReadiness;

impl PlansApi {
    pub(super) async fn check_command_readiness(
        &self,
        request: Request<pb::CheckCommandReadinessRequest>,
    ) -> Result<Response<pb::CommandReadinessCommandResponse>, Status> {
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let violations = &mut call.violations;
        township_of(violations, &self.region, &body.township_code);
        let checked_on = violations.date("checked_on", body.checked_on.as_ref());
        violations.optional_text("note", &body.note, MAX_TEXT);
        let command = CheckReadiness {
            township_code: body.township_code.clone(),
            checked_on: checked_on.unwrap_or_default(),
            command_venue: body.command_venue,
            duty_team: body.duty_team,
            equipment: body.equipment,
            note: body.note.trim().to_string(),
        };
        call.run(&self.readiness, Some(body.township_code), &command)
            .await
            .map(respond_command_readiness)
    }

    pub(super) async fn get_command_readiness(
        &self,
        request: Request<pb::GetCommandReadinessRequest>,
    ) -> Result<Response<pb::CommandReadiness>, Status> {
        let fetched = get_named(&self.readiness, request).await?;
        fetched.require_district_reader(&self.region)?;
        Ok(Response::new(command_readiness(
            &fetched.state,
            fetched.version,
        )))
    }
}
