//! The province's streams: one per context, named as a district's (`HL_HAZARDS`, …) so that the
//! projections service runs over them unchanged, holding no subjects of their own and sourcing
//! each district's stream of the context through the district's JetStream domain.
//!
//! A source filters on the district's region (`hl.330903.hazards.>`) and keeps the subject as it is:
//! the region is already its second token, so province read models group by it without a
//! transform. Sourcing copies each message with its headers and payload, so the commit digests
//! a province checks are the district's own, and it de-duplicates by message id. Nothing here
//! writes to a district: the province only reads through the district's API prefix.

use async_nats::jetstream::stream::{External, Source};
use hl_eventstore::{EventStore, SourceChanges, StoreError};

use crate::district::District;

/// The sources of one context's provincial stream: that context's stream of every district.
pub fn sources(store: &EventStore, context: &str, districts: &[District]) -> Vec<Source> {
    let namespace = store.namespace();
    districts
        .iter()
        .map(|district| Source {
            name: namespace.stream_name(context),
            filter_subject: Some(namespace.region_subjects(&district.region, context)),
            external: Some(External {
                api_prefix: district.api_prefix(),
                delivery_prefix: None,
            }),
            ..Default::default()
        })
        .collect()
}

/// Makes sure each context's provincial stream exists and sources exactly the districts
/// given: a district taken out of the list is no longer followed (what arrived from it stays).
/// Returns the sources added and dropped (both empty when every stream was as wanted).
pub async fn source_districts(
    store: &EventStore,
    contexts: &[&str],
    districts: &[District],
) -> Result<SourceChanges, StoreError> {
    let mut changes = SourceChanges::default();
    for context in contexts {
        let wanted = sources(store, context, districts);
        let changed = store
            .ensure_sourced_context_stream(context, &wanted)
            .await?;
        changes.added.extend(changed.added);
        changes.dropped.extend(changed.dropped);
    }
    Ok(changes)
}
