//! Read-model rows and reconciliation results as API messages.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use hl_domain::clock::local_date;
use hl_hazards::domain::hazard::is_overdue;
use hl_hazards::read_models::rounds::RoundRow;
use hl_proto::ledger::v1 as pb;
use hl_proto::ledger::v1::{DiscrepancyClass, GroupBy, Ledger};
use hl_proto::timestamp;

use crate::reconciliation::{DiscrepancyRow, HazardView, Rates, ratio};

pub fn ledger_of(government_side: bool) -> Ledger {
    if government_side {
        Ledger::Government
    } else {
        Ledger::Enterprise
    }
}

pub fn hazard_record(view: &HazardView, as_of: DateTime<Utc>) -> pb::HazardRecord {
    let (facts, lifecycle) = (&view.facts, &view.lifecycle);
    pb::HazardRecord {
        hazard_id: facts.hazard_id.clone(),
        enterprise_id: facts.enterprise_id.clone(),
        enterprise_name: view.attributes.enterprise_name.clone(),
        township_code: view.attributes.township_code.clone(),
        industries: view.attributes.industries.clone(),
        grid_cell_id: view.attributes.grid_cell_id.clone(),
        ledger: ledger_of(facts.is_government_side()) as i32,
        provenance: facts.provenance as i32,
        category: facts.category as i32,
        location: facts.location.clone(),
        equipment: facts.equipment.clone(),
        description: facts.description.clone(),
        level: lifecycle.level as i32,
        status: lifecycle.status as i32,
        deadline: lifecycle.deadline.map(Into::into),
        overdue: is_overdue(facts, lifecycle, as_of),
        listed: lifecycle.is_listed(),
        operations_suspended: lifecycle.suspended,
        reported_at: Some(timestamp(facts.reported_at)),
        closed_at: lifecycle.closed_at.map(timestamp),
        counterpart_hazard_id: lifecycle.counterpart_hazard_id.clone(),
        reopen_count: lifecycle.rejections,
        recorded_at: Some(timestamp(facts.recorded_at)),
        backdated: facts.is_backdated(),
        migrated: facts.migrated,
        cited_hazard_id: facts.cited_hazard_id.clone(),
        inspection_id: facts.inspection_id.clone(),
    }
}

pub fn round_record(round: &RoundRow) -> pb::SelfCheckRoundRecord {
    pb::SelfCheckRoundRecord {
        round_id: round.round_id.clone(),
        enterprise_id: round.enterprise_id.clone(),
        period_start: Some(round.period_start.into()),
        period_end: Some(round.period_end.into()),
        status: round.status as i32,
        zero_findings_attested: round.zero_findings,
        finding_count: round.finding_count,
        submitted_at: round.submitted_at.map(timestamp),
    }
}

/// The event types behind a discrepancy of each class.
pub fn evidence_types(class: DiscrepancyClass) -> &'static [&'static str] {
    match class {
        DiscrepancyClass::MissedBySelfCheck => &["HazardReported"],
        DiscrepancyClass::SelfReportedUnattended => &[
            "HazardReported",
            "RectificationClaimed",
            "RectificationVerified",
            "RectificationRejected",
        ],
        DiscrepancyClass::FalseRectification => &[
            "RectificationClaimed",
            "RectificationRejected",
            "HazardClosed",
            "HazardReported",
        ],
        DiscrepancyClass::GradeDisagreement | DiscrepancyClass::UnreportedMajor => &[
            "HazardReported",
            "HazardGraded",
            "CounterpartMatchConfirmed",
        ],
        DiscrepancyClass::Overdue => &[
            "RectificationPlanned",
            "RectificationOrdered",
            "ExtensionGranted",
            "RectificationRejected",
        ],
        _ => &[],
    }
}

pub fn discrepancy_message(
    row: &DiscrepancyRow,
    as_of: DateTime<Utc>,
    event_ids: Vec<String>,
) -> pb::Discrepancy {
    pb::Discrepancy {
        class: row.class as i32,
        code: row.code(),
        severity: row.severity as i32,
        enterprise_id: row.enterprise_id.clone(),
        enterprise_name: row.attributes.enterprise_name.clone(),
        township_code: row.attributes.township_code.clone(),
        industries: row.attributes.industries.clone(),
        grid_cell_id: row.attributes.grid_cell_id.clone(),
        age_days: (local_date(as_of) - row.since).num_days().max(0) as i32,
        hazard_ids: row.hazard_ids.clone(),
        event_ids,
        record_name: row.record_name.clone(),
        detail: row.detail.clone(),
        rule_version: row.rule_version.clone(),
        resolved_on: row.resolved_on.map(Into::into),
        days_late: row.days_late as i32,
    }
}

pub fn group_name(group: &str, group_by: GroupBy, names: &HashMap<String, String>) -> String {
    if group.is_empty() {
        return "(none)".to_string();
    }
    match group_by {
        GroupBy::Industry => group.trim_start_matches("INDUSTRY_").to_lowercase(),
        _ => names.get(group).cloned().unwrap_or_default(),
    }
}

fn count(ids: &[String]) -> u32 {
    ids.len() as u32
}

pub fn rate_row(group: &str, name: &str, rates: &Rates) -> pb::RateRow {
    let (discovery, miss, falsely) = (
        &rates.self_discovery,
        &rates.miss,
        &rates.false_rectification,
    );
    pb::RateRow {
        group: group.to_string(),
        group_name: name.to_string(),
        government_findings: count(&miss.denominator),
        self_found_matched: count(&discovery.numerator),
        missed_by_self_check: count(&miss.numerator),
        self_discovery_rate: discovery.value(),
        miss_rate: miss.value(),
        false_rectifications: count(&falsely.numerator),
        government_checked_rectifications: count(&falsely.denominator),
        false_rectification_rate: falsely.value(),
        verification_lag_median_hours: crate::reconciliation::median(
            &rates.verification_lags_hours,
        ),
        on_time_closures: rates
            .on_time
            .iter()
            .map(|((government, level), rate)| pb::OnTimeClosure {
                ledger: ledger_of(*government) as i32,
                level: *level,
                due: count(&rate.denominator),
                on_time: count(&rate.numerator),
                rate: rate.value(),
            })
            .collect(),
        open_major: count(&rates.open_major),
        enterprises_in_scope: count(&rates.self_check.denominator),
        enterprises_self_checked: count(&rates.self_check.numerator),
        self_check_coverage: ratio(
            count(&rates.self_check.numerator),
            count(&rates.self_check.denominator),
        ),
        discrepancies: rates.discrepancies,
        inspection_visits_required: rates.visits_required,
        inspection_visits_done: rates.visits_done,
        inspection_coverage: ratio(rates.visits_done, rates.visits_required),
    }
}

/// A date field from a calendar day.
pub fn date(day: NaiveDate) -> Option<hl_proto::common::v1::Date> {
    Some(day.into())
}
