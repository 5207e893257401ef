//! The hazards context's read models: each aggregate's rows in SQL, folded with the domain's own
//! types and rules, for the projections service to keep and the ledger queries to read.

pub mod devices;
pub mod hazards;
pub mod orders;
pub mod rounds;
pub mod statistics;

use hl_readmodel::Registry;

/// Adds this context's read models to the projector's registry.
pub fn register(registry: &mut Registry) {
    registry
        .add(hazards::HazardModel)
        .add(rounds::RoundModel)
        .add(statistics::StatisticsModel)
        .add(hl_readmodel::StateModel::<orders::SupervisionOrderRow>::new())
        .add(devices::DeviceModel)
        // An import's own record is read from its event stream, not from a table; its
        // steps are on their aggregates, marked as migrated.
        .check_only::<crate::domain::past_ledger::PastLedgerImportEvent>(
            crate::domain::CONTEXT,
            <crate::domain::past_ledger::PastLedgerImport as hl_eventstore::Aggregate>::AGGREGATE_TYPE,
        );
}
