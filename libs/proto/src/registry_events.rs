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

crate::domain_events! {
    /// Everything that can happen to an object's responsibilities (定人定责).
    pub enum ResponsibilitiesEvent {
        Assigned(pb::ResponsibilityAssigned),
        Ended(pb::AssignmentEnded),
    }
}

crate::domain_events! {
    /// Everything that can happen to a committee task or major problem.
    pub enum SafetyItemEvent {
        Listed(pb::SafetyItemListed),
        Accepted(pb::SafetyItemAccepted),
        SubTaskAssigned(pb::SubTaskAssigned),
        ProgressReported(pb::SafetyItemProgressReported),
        SubTaskCompleted(pb::SubTaskCompleted),
        CloseOutRequested(pb::CloseOutRequested),
        CloseOutRejected(pb::CloseOutRejected),
        ClosedOut(pb::SafetyItemClosedOut),
        OverdueBulletinIssued(pb::OverdueBulletinIssued),
    }
}

crate::domain_events! {
    /// Everything that can happen to a person's month of duties (履责).
    pub enum DutyPeriodEvent {
        PerformanceRecorded(pb::PerformanceRecorded),
        PerformanceOwed(pb::PerformanceOwed),
        Closed(pb::DutyPeriodClosed),
        GapRecorded(pb::DutyGapRecorded),
    }
}

crate::domain_events! {
    /// Everything that can happen to an accountability case (问责).
    pub enum AccountabilityEvent {
        Proposed(pb::AccountabilityProposed),
        Opened(pb::AccountabilityOpened),
        Dismissed(pb::AccountabilityDismissed),
        Concluded(pb::AccountabilityConcluded),
    }
}

crate::domain_events! {
    /// Everything that can happen to a township's emergency centre (乡镇应急管理中心).
    pub enum EmergencyCentreEvent {
        Established(pb::EmergencyCentreEstablished),
        StaffSet(pb::CentreStaffSet),
        RosterSet(pb::CentreRosterSet),
        EquipmentRecorded(pb::CentreEquipmentRecorded),
        ReadinessChecked(pb::ReadinessCheckRecorded),
    }
}

crate::domain_events! {
    /// Everything that can happen to a year's evaluation (责任考评).
    pub enum EvaluationEvent {
        Opened(pb::EvaluationOpened),
        ScoreEntered(pb::EvaluationScoreEntered),
        Published(pb::EvaluationPublished),
    }
}
