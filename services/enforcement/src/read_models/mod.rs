//! The enforcement context's read models, for the projections service to keep and the ledger
//! queries to read. Each row keeps the aggregate's state folded by the domain's own `apply`
//! (never a second version of a rule), with the columns the queries filter on beside it.

pub mod cases;
pub mod inspections;
pub mod planning;
pub mod reviews;

use hl_readmodel::{Registry, StateModel};

/// Adds this context's read models to the projector's registry.
pub fn register(registry: &mut Registry) {
    registry
        .add(StateModel::<inspections::InspectionRow>::new())
        .add(StateModel::<cases::CaseRow>::new())
        .add(StateModel::<planning::ClassificationRow>::new())
        .add(StateModel::<planning::PlanRow>::new())
        .add(StateModel::<reviews::ReviewRow>::new());
}
