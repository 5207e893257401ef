//! The district's GDP per year: entered and revised with its source, read back with every entry.

use hl_proto::plans::v1 as pb;
use hl_runtime::pipeline::{CommandCall, get_named};
use hl_runtime::validation::{MAX_SHORT_TEXT, MAX_TEXT};
use tonic::{Request, Response, Status};

use super::PlansApi;
use super::resources::{annual_gdp, respond_annual_gdp};
use crate::domain::gdp::RecordGdp;

/// The largest GDP accepted, 万元: far above any district's, low enough to divide safely.
const MAX_GDP_WAN_YUAN: i64 = 1_000_000_000_000;

impl PlansApi {
    pub(super) async fn record_annual_gdp(
        &self,
        request: Request<pb::RecordAnnualGdpRequest>,
    ) -> Result<Response<pb::AnnualGdpCommandResponse>, Status> {
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let violations = &mut call.violations;
        violations.year("year", body.year);
        if !(1..=MAX_GDP_WAN_YUAN).contains(&body.gdp_wan_yuan) {
            violations.add(
                "gdp_wan_yuan",
                format!("above 0 and at most {MAX_GDP_WAN_YUAN} 万元"),
            );
        }
        violations.text("source", &body.source, MAX_SHORT_TEXT);
        violations.optional_text("reason", &body.reason, MAX_TEXT);
        let command = RecordGdp {
            region: self.region.clone(),
            year: body.year,
            gdp_wan_yuan: body.gdp_wan_yuan,
            source: body.source.trim().to_string(),
            reason: body.reason.trim().to_string(),
        };
        let id = body.year.to_string();
        call.run(&self.gdp, Some(id), &command)
            .await
            .map(respond_annual_gdp)
    }

    pub(super) async fn get_annual_gdp(
        &self,
        request: Request<pb::GetAnnualGdpRequest>,
    ) -> Result<Response<pb::AnnualGdp>, Status> {
        let fetched = get_named(&self.gdp, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(annual_gdp(&fetched.state, fetched.version)))
    }
}
