//! The events of each hazards-context aggregate: the contract every consumer of the hazards
//! stream (projections, other contexts, the provincial platform) decodes.

use crate::hazards::v1 as pb;

crate::domain_events! {
    /// Everything that can happen to a hazard.
    pub enum HazardEvent {
        Reported(pb::HazardReported),
        Graded(pb::HazardGraded),
        RectificationPlanned(pb::RectificationPlanned),
        RectificationOrdered(pb::RectificationOrdered),
        RemediationPlanSubmitted(pb::RemediationPlanSubmitted),
        FixedOnSpot(pb::HazardFixedOnSpot),
        RectificationClaimed(pb::RectificationClaimed),
        RectificationVerified(pb::RectificationVerified),
        RectificationRejected(pb::RectificationRejected),
        ExtensionRequested(pb::ExtensionRequested),
        ExtensionGranted(pb::ExtensionGranted),
        ExtensionDenied(pb::ExtensionDenied),
        Closed(pb::HazardClosed),
        Listed(pb::HazardListed),
        Delisted(pb::HazardDelisted),
        OperationsSuspended(pb::OperationsSuspended),
        ResumptionRequested(pb::ResumptionRequested),
        ResumptionApproved(pb::ResumptionApproved),
        ResumptionDenied(pb::ResumptionDenied),
        CounterpartMatchConfirmed(pb::CounterpartMatchConfirmed),
        CounterpartMatchRejected(pb::CounterpartMatchRejected),
    }
}

crate::domain_events! {
    pub enum SelfCheckRoundEvent {
        Opened(pb::SelfCheckRoundOpened),
        FindingRecorded(pb::SelfCheckFindingRecorded),
        Submitted(pb::SelfCheckRoundSubmitted),
        Reviewed(pb::SelfCheckRoundReviewed),
    }
}

crate::domain_events! {
    pub enum PeriodicStatisticsEvent {
        Submitted(pb::PeriodicStatisticsSubmitted),
    }
}

crate::domain_events! {
    pub enum SupervisionOrderEvent {
        Issued(pb::SupervisionOrderIssued),
        Decomposed(pb::SupervisionOrderDecomposed),
        SubTaskProgressReported(pb::SubTaskProgressReported),
        AcceptanceRequested(pb::SupervisionAcceptanceRequested),
        AcceptanceRejected(pb::SupervisionAcceptanceRejected),
        Delisted(pb::SupervisionOrderDelisted),
        Escalated(pb::SupervisionOrderEscalated),
    }
}

crate::domain_events! {
    pub enum AlarmDeviceEvent {
        Registered(pb::AlarmDeviceRegistered),
        Tested(pb::AlarmDeviceTested),
        Retired(pb::AlarmDeviceRetired),
    }
}

crate::domain_events! {
    /// The record of a past ledger's import.
    pub enum PastLedgerImportEvent {
        Imported(pb::PastLedgerImported),
    }
}
