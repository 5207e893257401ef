//! One disaster event's response as the read models hold it: the event, the five-stop orders
//! issued under it, and the key vessels secured for it or not yet secured, the seed's ask for
//! typhoon season (台汛期重点船舶管控).

use hl_domain::access::require_district_reader;
use hl_plans::api::resources::{disaster_event, five_stop_order};
use hl_plans::domain::key_vessel::KeyVessel;
use hl_plans::read_models::{DisasterEventRow, FiveStopOrderRow, KeyVesselRow};
use hl_proto::ledger::v1 as pb;
use hl_runtime::{ServiceError, Violations, caller};
use tonic::{Request, Response, Status};

use super::{Shared, begin_read, database_error, freshness};
use crate::reader;

pub async fn get_disaster_response(
    shared: &Shared,
    request: Request<pb::GetDisasterResponseRequest>,
) -> Result<Response<pb::DisasterResponse>, Status> {
    let actor = caller(&request)?;
    let body = request.into_inner();
    let mut violations = Violations::new();
    let id = violations.resource_id("disaster_event", &body.disaster_event, "disasterEvents");
    violations.into_result()?;
    require_district_reader(&actor, &shared.region).map_err(ServiceError::from)?;
    let id = id.unwrap_or_default();
    // Held for the whole query: the generation's tables stay until it ends.
    let reading_generation = shared.generation();
    let generation = *reading_generation;
    let mut transaction = begin_read(shared).await?;
    let event = reader::rows_where::<DisasterEventRow>(
        &mut transaction,
        generation,
        "disaster_event_id",
        &id,
    )
    .await
    .map_err(database_error)?
    .into_iter()
    .next()
    .ok_or_else(|| ServiceError::not_found(format!("disasterEvents/{id}")))?;
    let orders: Vec<_> = reader::rows_where::<FiveStopOrderRow>(
        &mut transaction,
        generation,
        "disaster_event_id",
        &id,
    )
    .await
    .map_err(database_error)?
    .iter()
    .map(|row| five_stop_order(&row.state.0, row.version))
    .collect();
    let measures_in_force = orders
        .iter()
        .flat_map(|order| &order.measures)
        .filter(|measure| measure.lifted_at.is_none())
        .count() as u32;
    let vessels = reader::all_rows::<KeyVesselRow>(&mut transaction, generation)
        .await
        .map_err(database_error)?;
    let (mut secured, mut not_secured) = (Vec::new(), Vec::new());
    for row in &vessels {
        let vessel = &row.state.0;
        let watch = vessel.watch(&id);
        let standing = standing(vessel, watch);
        if watch.is_some_and(|watch| watch.secured) {
            secured.push(standing);
        } else {
            not_secured.push(standing);
        }
    }
    Ok(Response::new(pb::DisasterResponse {
        disaster_event: Some(disaster_event(&event.state.0, event.version)),
        orders,
        measures_in_force,
        not_secured,
        secured,
        freshness: Some(freshness(shared)),
    }))
}

/// A vessel's standing in one event: what was done for it there and the latest check.
fn standing(
    vessel: &KeyVessel,
    watch: Option<&hl_proto::plans::v1::VesselWatch>,
) -> pb::VesselStanding {
    let last_check = watch.and_then(|watch| watch.checks.last());
    pb::VesselStanding {
        vessel: format!("keyVessels/{}", vessel.vessel_id),
        vessel_name: vessel.vessel_name.clone(),
        kind: vessel.kind as i32,
        mooring_place: vessel.mooring_place.clone(),
        township_code: vessel.township_code.clone(),
        responsible_unit: vessel.responsible_unit.clone(),
        measures: watch
            .map(|watch| watch.measures.iter().map(|taken| taken.measure).collect())
            .unwrap_or_default(),
        last_checked_at: last_check.and_then(|check| check.at),
        last_findings: last_check
            .map(|check| check.findings.clone())
            .unwrap_or_default(),
    }
}
