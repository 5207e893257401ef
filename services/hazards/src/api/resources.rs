//! Aggregate states as API resources. Computed facts (overdue, next due dates) are computed
//! here against the as-of time of the answer.

use chrono::{DateTime, Utc};
use hl_proto::common::v1::{CommitInfo, Date};
use hl_proto::hazards::v1 as pb;
use hl_proto::timestamp;
use hl_runtime::pipeline::Committed;
use tonic::Response;

use super::requests::{
    ALARM_DEVICES, HAZARDS, PERIODIC_STATISTICS, SELF_CHECK_ROUNDS, SUPERVISION_ORDERS,
};
use crate::domain::alarm_device::AlarmDevice;
use crate::domain::hazard::Hazard;
use crate::domain::self_check::SelfCheckRound;
use crate::domain::statistics::PeriodicStatistics;
use crate::domain::supervision::SupervisionOrder;

fn date(day: Option<chrono::NaiveDate>) -> Option<Date> {
    day.map(Into::into)
}

pub fn respond_hazard(committed: Committed<Hazard>) -> Response<pb::HazardCommandResponse> {
    Response::new(pb::HazardCommandResponse {
        hazard: Some(hazard(&committed.state, committed.version, Utc::now())),
        commit: Some(committed.commit),
    })
}

pub fn respond_round(
    committed: Committed<SelfCheckRound>,
) -> Response<pb::SelfCheckRoundCommandResponse> {
    Response::new(pb::SelfCheckRoundCommandResponse {
        round: Some(self_check_round(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn respond_statistics(
    committed: Committed<PeriodicStatistics>,
) -> Response<pb::PeriodicStatisticsCommandResponse> {
    Response::new(pb::PeriodicStatisticsCommandResponse {
        statistics: Some(periodic_statistics(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn respond_order(
    committed: Committed<SupervisionOrder>,
    hazard_commits: Vec<CommitInfo>,
) -> Response<pb::SupervisionOrderCommandResponse> {
    Response::new(pb::SupervisionOrderCommandResponse {
        order: Some(supervision_order(
            &committed.state,
            committed.version,
            Utc::now(),
        )),
        commit: Some(committed.commit),
        hazard_commits,
    })
}

pub fn respond_device(
    committed: Committed<AlarmDevice>,
) -> Response<pb::AlarmDeviceCommandResponse> {
    Response::new(pb::AlarmDeviceCommandResponse {
        device: Some(alarm_device(
            &committed.state,
            committed.version,
            Utc::now(),
        )),
        commit: Some(committed.commit),
    })
}

pub fn hazard(state: &Hazard, version: u64, as_of: DateTime<Utc>) -> pb::Hazard {
    let (facts, lifecycle) = (&state.facts, &state.lifecycle);
    pb::Hazard {
        name: format!("{HAZARDS}/{}", facts.hazard_id),
        hazard_id: facts.hazard_id.clone(),
        enterprise_id: facts.enterprise_id.clone(),
        region: facts.region.clone(),
        township_code: facts.township_code.clone(),
        provenance: facts.provenance as i32,
        source_type: facts.source_type as i32,
        category: facts.category as i32,
        location: facts.location.clone(),
        equipment: facts.equipment.clone(),
        description: facts.description.clone(),
        evidence: state.evidence.clone(),
        temporary_controls: state.temporary_controls.clone(),
        level: lifecycle.level as i32,
        level_criterion: state.level_criterion.clone(),
        status: lifecycle.status as i32,
        rectification_plan: state.rectification_plan.clone(),
        rectification_order: state.rectification_order.clone(),
        deadline: date(lifecycle.deadline),
        remediation_plan: state.remediation_plan.clone(),
        rectification_claim: state.rectification_claim.clone(),
        verification: state.verification.clone(),
        pending_extension: state.pending_extension.clone(),
        extensions_granted: state.extensions_granted,
        reopen_count: lifecycle.rejections,
        listing: state.listing.clone(),
        suspension: state.suspension.clone(),
        inspection_id: facts.inspection_id.clone(),
        counterpart_hazard_id: lifecycle.counterpart_hazard_id.clone(),
        rejected_counterpart_ids: state.rejected_counterpart_ids.clone(),
        rule_version: facts.rule_version.clone(),
        reported: state.reported.clone(),
        closed_at: lifecycle.closed_at.map(timestamp),
        updated_at: state.updated_at.map(timestamp),
        overdue: state.is_overdue(as_of),
        version,
    }
}

pub fn self_check_round(state: &SelfCheckRound, version: u64) -> pb::SelfCheckRound {
    pb::SelfCheckRound {
        name: format!("{SELF_CHECK_ROUNDS}/{}", state.round_id),
        round_id: state.round_id.clone(),
        enterprise_id: state.enterprise_id.clone(),
        period_start: date(state.period_start),
        period_end: date(state.period_end),
        checklist: state.checklist.clone(),
        performer: state.performer.clone(),
        hazard_ids: state.hazard_ids.clone(),
        zero_findings_attested: state.zero_findings_attested,
        signed_by: state.signed_by.clone(),
        status: state.status as i32,
        opened: state.opened.clone(),
        submitted: state.submitted.clone(),
        version,
        review_outcome: state
            .review
            .as_ref()
            .map_or(0, |review| review.outcome as i32),
        review_note: state
            .review
            .as_ref()
            .map(|review| review.note.clone())
            .unwrap_or_default(),
        reviewed: state.review.as_ref().map(|review| review.reviewed.clone()),
    }
}

pub fn periodic_statistics(state: &PeriodicStatistics, version: u64) -> pb::PeriodicStatistics {
    let submitted = state.submitted_event.clone().unwrap_or_default();
    pb::PeriodicStatistics {
        name: format!("{PERIODIC_STATISTICS}/{}", submitted.statistics_id),
        statistics_id: submitted.statistics_id,
        enterprise_id: submitted.enterprise_id,
        period_kind: submitted.period_kind,
        year: submitted.year,
        quarter: submitted.quarter,
        general_found: submitted.general_found,
        major_found: submitted.major_found,
        rectified: submitted.rectified,
        analysis: submitted.analysis,
        signed_by_principal: submitted.signed_by_principal,
        due: submitted.due,
        late: submitted.late,
        submitted: state.submitted.clone(),
        version,
    }
}

pub fn supervision_order(
    state: &SupervisionOrder,
    version: u64,
    as_of: DateTime<Utc>,
) -> pb::SupervisionOrder {
    pb::SupervisionOrder {
        name: format!("{SUPERVISION_ORDERS}/{}", state.order_id),
        order_id: state.order_id.clone(),
        level: state.level as i32,
        notice_number: state.notice_number.clone(),
        title: state.title.clone(),
        hazard_ids: state.hazard_ids.clone(),
        responsible_units: state.responsible_units.clone(),
        public_notice: state.public_notice,
        deadline: date(state.deadline),
        sub_tasks: state.sub_tasks.clone(),
        status: state.status as i32,
        escalations: state.escalations.clone(),
        issued: state.issued.clone(),
        delisted: state.delisted.clone(),
        overdue: state.is_overdue(as_of),
        version,
    }
}

pub fn alarm_device(state: &AlarmDevice, version: u64, as_of: DateTime<Utc>) -> pb::AlarmDevice {
    pb::AlarmDevice {
        name: format!("{ALARM_DEVICES}/{}", state.device_id),
        device_id: state.device_id.clone(),
        enterprise_id: state.enterprise_id.clone(),
        kind: state.kind as i32,
        location: state.location.clone(),
        test_interval_days: state.test_interval_days,
        last_tested_on: date(state.last_tested_on),
        claimed_last_tested_on: date(state.claimed_last_tested_on),
        last_result: state.last_result as i32,
        last_certificate_number: state.last_certificate_number.clone(),
        next_test_due: date(state.next_test_due()),
        retired: state.retired,
        overdue: state.is_overdue(as_of),
        version,
    }
}
