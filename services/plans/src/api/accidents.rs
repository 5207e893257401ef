//! The accidents' requests: each field checked, then run on the accident's aggregate.

use hl_proto::plans::v1 as pb;
use hl_runtime::pipeline::{CommandCall, command_on_named, get_named};
use hl_runtime::validation::{MAX_SHORT_TEXT, MAX_TEXT, Violations};
use tonic::{Request, Response, Status};

use super::resources::{accident, respond_accident};
use super::{PlansApi, township_of};
use crate::domain::accident::{Accident, AccidentCommand, RecordAccident};

/// The most hazards one accident names.
const MAX_ACCIDENT_HAZARDS: usize = 20;
/// Bounds of an accident's figures: far above any accident, low enough to add up safely.
const MAX_DEATHS: u32 = 1000;
const MAX_SERIOUS_INJURIES: u32 = 10_000;
const MAX_LOSS_FEN: i64 = 100_000_000_000_000;

type AccidentResponse = Result<Response<pb::AccidentCommandResponse>, Status>;

impl PlansApi {
    pub(super) async fn record_accident(
        &self,
        request: Request<pb::RecordAccidentRequest>,
    ) -> AccidentResponse {
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let now = call.now;
        let violations = &mut call.violations;
        violations.optional_identifier("accident_id", &body.accident_id);
        violations.text("title", &body.title, MAX_SHORT_TEXT);
        let happened_at =
            violations.optional_past_time("happened_at", body.happened_at.as_ref(), now);
        if body.happened_at.is_none() {
            violations.add("happened_at", "is required: when the accident happened");
        }
        township_of(violations, &self.region, &body.township_code);
        violations.text("place", &body.place, MAX_SHORT_TEXT);
        violations.optional_identifier("enterprise_id", &body.enterprise_id);
        let hazards = check_hazards(violations, &body.hazards);
        let figures = check_figures(violations, body.figures.as_ref());
        let command = AccidentCommand::Record(RecordAccident {
            region: self.region.clone(),
            title: body.title.trim().to_string(),
            happened_at: happened_at.unwrap_or_default(),
            township_code: body.township_code.clone(),
            place: body.place.trim().to_string(),
            enterprise_id: body.enterprise_id.clone(),
            hazards,
            figures,
        });
        let id = call.new_id::<Accident>(&body.accident_id);
        call.run(&self.accidents, Some(id), &command)
            .await
            .map(respond_accident)
    }

    pub(super) async fn revise_accident_figures(
        &self,
        request: Request<pb::ReviseAccidentFiguresRequest>,
    ) -> AccidentResponse {
        command_on_named(&self.accidents, request, |violations, body| {
            let figures = check_figures(violations, body.figures.as_ref());
            violations.text("reason", &body.reason, MAX_TEXT);
            AccidentCommand::ReviseFigures {
                figures,
                reason: body.reason.trim().to_string(),
            }
        })
        .await
        .map(respond_accident)
    }

    pub(super) async fn get_accident(
        &self,
        request: Request<pb::GetAccidentRequest>,
    ) -> Result<Response<pb::Accident>, Status> {
        let fetched = get_named(&self.accidents, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(accident(&fetched.state, fetched.version)))
    }
}

/// The hazards an accident names: each "hazards/{id}", once, at most [`MAX_ACCIDENT_HAZARDS`].
fn check_hazards(violations: &mut Violations, hazards: &[String]) -> Vec<String> {
    if hazards.len() > MAX_ACCIDENT_HAZARDS {
        violations.add("hazards", format!("at most {MAX_ACCIDENT_HAZARDS} hazards"));
        return Vec::new();
    }
    let mut named = Vec::new();
    for (index, name) in hazards.iter().enumerate() {
        let field = format!("hazards[{index}]");
        if violations.resource_id(&field, name, "hazards").is_none() {
            continue;
        }
        if named.contains(name) {
            violations.add(field, format!("{name} is named twice"));
            continue;
        }
        named.push(name.clone());
    }
    named
}

/// An accident's figures, each within its bound.
fn check_figures(
    violations: &mut Violations,
    figures: Option<&pb::AccidentFigures>,
) -> pb::AccidentFigures {
    let Some(figures) = figures else {
        violations.add(
            "figures",
            "is required: deaths, serious injuries and direct loss",
        );
        return pb::AccidentFigures::default();
    };
    if figures.deaths > MAX_DEATHS {
        violations.add("figures.deaths", format!("0 to {MAX_DEATHS}"));
    }
    if figures.serious_injuries > MAX_SERIOUS_INJURIES {
        violations.add(
            "figures.serious_injuries",
            format!("0 to {MAX_SERIOUS_INJURIES}"),
        );
    }
    if !(0..=MAX_LOSS_FEN).contains(&figures.direct_loss_fen) {
        violations.add(
            "figures.direct_loss_fen",
            format!("0 to {MAX_LOSS_FEN} fen"),
        );
    }
    *figures
}
