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

crate::domain_events! {
    /// Everything that can happen to an accident's record.
    pub enum AccidentEvent {
        Recorded(pb::AccidentRecorded),
        FiguresRevised(pb::AccidentFiguresRevised),
    }
}

crate::domain_events! {
    /// Everything that can happen to a disaster event.
    pub enum DisasterEventEvent {
        Declared(pb::DisasterEventDeclared),
        LevelChanged(pb::ResponseLevelChanged),
        SituationReported(pb::SituationReported),
        ResourcesInvolved(pb::ResourcesInvolved),
        Closed(pb::DisasterEventClosed),
    }
}

crate::domain_events! {
    /// Everything that can happen to a five-stop order.
    pub enum FiveStopOrderEvent {
        Issued(pb::FiveStopOrderIssued),
        Amended(pb::FiveStopOrderAmended),
        MeasureLifted(pb::StopMeasureLifted),
        ExemptionRecorded(pb::StopExemptionRecorded),
        ComplianceChecked(pb::ComplianceChecked),
        Lifted(pb::FiveStopOrderLifted),
    }
}

crate::domain_events! {
    /// Everything that can happen to a key vessel's watch.
    pub enum KeyVesselEvent {
        Registered(pb::KeyVesselRegistered),
        MeasureRecorded(pb::VesselMeasureRecorded),
        Checked(pb::VesselChecked),
    }
}

crate::domain_events! {
    /// A key vessel's registration number, held by one vessel.
    pub enum VesselNumberEvent {
        Claimed(pb::VesselNumberClaimed),
    }
}

crate::domain_events! {
    /// Everything that can happen to a year's GDP figure.
    pub enum AnnualGdpEvent {
        Recorded(pb::AnnualGdpRecorded),
    }
}

crate::domain_events! {
    /// Everything that can happen to a township's command readiness record.
    pub enum CommandReadinessEvent {
        Checked(pb::CommandReadinessChecked),
    }
}

impl pb::AccidentGrade {
    /// 较大 or above: T4 counts these, and each proposes an accountability case.
    pub fn is_relatively_major_or_worse(self) -> bool {
        self as i32 >= pb::AccidentGrade::RelativelyMajor as i32
    }
}
