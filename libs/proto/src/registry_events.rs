//! The events of each registry aggregate (responsibility context).

use crate::responsibility::v1 as pb;

crate::domain_events! {
    pub enum EnterpriseEvent {
        Registered(pb::EnterpriseRegistered),
        DetailsChanged(pb::EnterpriseDetailsChanged),
        StatusChanged(pb::EnterpriseStatusChanged),
    }
}

crate::domain_events! {
    pub enum AdminAreaEvent {
        Defined(pb::AdminAreaDefined),
        Updated(pb::AdminAreaUpdated),
    }
}

crate::domain_events! {
    pub enum GridCellEvent {
        Defined(pb::GridCellDefined),
        Updated(pb::GridCellUpdated),
    }
}

crate::domain_events! {
    pub enum OrgUnitEvent {
        Defined(pb::OrgUnitDefined),
        Updated(pb::OrgUnitUpdated),
    }
}

crate::domain_events! {
    pub enum PersonEvent {
        Registered(pb::PersonRegistered),
        Updated(pb::PersonUpdated),
    }
}
