//! The events of each plans-context aggregate.

use crate::plans::v1 as pb;

crate::domain_events! {
    /// Everything that can happen to an emergency plan.
    pub enum PlanEvent {
        Drafted(pb::PlanDrafted),
        SubmittedForReview(pb::PlanSubmittedForReview),
        Approved(pb::PlanApproved),
        Published(pb::PlanPublished),
        Filed(pb::PlanFiled),
        Activated(pb::PlanActivated),
        Evaluated(pb::PlanEvaluated),
        RevisionStarted(pb::PlanRevisionStarted),
    }
}

crate::domain_events! {
    /// Everything that can happen to a drill.
    pub enum DrillEvent {
        Recorded(pb::DrillRecorded),
    }
}

crate::domain_events! {
    /// Everything that can happen to a disaster shelter.
    pub enum ShelterEvent {
        Registered(pb::ShelterRegistered),
        Certified(pb::ShelterCertified),
        Opened(pb::ShelterOpened),
        OccupancyReported(pb::ShelterOccupancyReported),
        Closed(pb::ShelterClosed),
    }
}

crate::domain_events! {
    /// Everything that can happen to a rescue team.
    pub enum RescueTeamEvent {
        Established(pb::RescueTeamEstablished),
        RosterSet(pb::RescueTeamRosterSet),
        EquipmentRecorded(pb::RescueTeamEquipmentRecorded),
        Trained(pb::RescueTeamTrained),
        ReadinessChecked(pb::RescueTeamReadinessChecked),
        Disbanded(pb::RescueTeamDisbanded),
    }
}

crate::domain_events! {
    /// Everything that can happen to a training campaign.
    pub enum TrainingEvent {
        Opened(pb::TrainingCampaignOpened),
        SessionRecorded(pb::TrainingSessionRecorded),
    }
}
