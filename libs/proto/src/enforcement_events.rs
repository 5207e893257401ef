//! The events of each enforcement-context aggregate: the contract every consumer of the
//! enforcement stream decodes (the projections; the hazards context, which records each finding
//! in the government ledger).

use crate::enforcement::v1 as pb;

crate::domain_events! {
    /// Everything that can happen to an inspection.
    pub enum InspectionEvent {
        Scheduled(pb::InspectionScheduled),
        Started(pb::InspectionStarted),
        FindingRecorded(pb::FindingRecorded),
        OrderIssued(pb::RectificationOrderIssued),
        Completed(pb::InspectionCompleted),
        FollowUpRecorded(pb::FollowUpRecorded),
    }
}

crate::domain_events! {
    /// Everything that can happen to a penalty case.
    pub enum PenaltyCaseEvent {
        Filed(pb::CaseFiled),
        InvestigationStarted(pb::InvestigationStarted),
        LegalReviewCompleted(pb::LegalReviewCompleted),
        NoticeServed(pb::NoticeServed),
        HearingRequested(pb::HearingRequested),
        HearingHeld(pb::HearingHeld),
        AppraisalStarted(pb::AppraisalStarted),
        AppraisalFinished(pb::AppraisalFinished),
        ExtensionApproved(pb::ExtensionApproved),
        Decided(pb::CaseDecided),
        DecisionServed(pb::DecisionServed),
        ExecutionRecorded(pb::ExecutionRecorded),
        Closed(pb::CaseClosed),
        Archived(pb::CaseArchived),
    }
}

crate::domain_events! {
    /// Everything that can happen to an enterprise's classification for a year.
    pub enum ClassificationEvent {
        Classified(pb::EnterpriseClassified),
    }
}

crate::domain_events! {
    /// Everything that can happen to an annual inspection plan.
    pub enum PlanEvent {
        Drafted(pb::InspectionPlanDrafted),
        Approved(pb::InspectionPlanApproved),
        Filed(pb::InspectionPlanFiled),
    }
}

crate::domain_events! {
    /// Everything that can happen to a case-file review.
    pub enum CaseReviewEvent {
        SampleDrawn(pb::CaseFilesDrawn),
        FileScored(pb::CaseFileScored),
        Published(pb::CaseFileReviewPublished),
    }
}
