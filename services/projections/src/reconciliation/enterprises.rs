//! What is about an enterprise rather than one hazard: a silent enterprise (D6: a self-check
//! sub-period of its frequency that ended without a round, or periodic statistics past due) and
//! an alarm device past its test (D8).

use chrono::{Datelike, NaiveDate};
use hl_hazards::domain::statistics::StatisticsPeriod;
use hl_proto::hazards::v1::AlarmTestResult;
use hl_proto::ledger::v1::{DiscrepancyClass, Severity};
use hl_proto::responsibility::v1::SelfCheckFrequency;

use super::{Attributes, DiscrepancyRow, EnterpriseView, Index, Snapshot};

/// The sub-periods of a self-check frequency (calendar months, quarters, halves or years) that end
/// between `start` and `end`, each as its first and last day.
pub fn sub_periods(
    frequency: SelfCheckFrequency,
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<(NaiveDate, NaiveDate)> {
    let months = match frequency {
        SelfCheckFrequency::Monthly => 1,
        SelfCheckFrequency::HalfYearly => 6,
        SelfCheckFrequency::Yearly => 12,
        // Quarterly, and the default the registry leaves unset (16号令: at least quarterly).
        SelfCheckFrequency::Quarterly | SelfCheckFrequency::Unspecified => 3,
    };
    let mut periods = Vec::new();
    for year in start.year()..=end.year() {
        for first_month in (1..=12).step_by(months as usize) {
            let Some(first) = NaiveDate::from_ymd_opt(year, first_month, 1) else {
                continue;
            };
            let next_month = first_month + months;
            let next = if next_month > 12 {
                NaiveDate::from_ymd_opt(year + 1, next_month - 12, 1)
            } else {
                NaiveDate::from_ymd_opt(year, next_month, 1)
            };
            let Some(last) = next.and_then(|next| next.pred_opt()) else {
                continue;
            };
            if last >= start && last <= end {
                periods.push((first, last));
            }
        }
    }
    periods
}

fn enterprise_row(
    enterprise: &EnterpriseView,
    severity: Severity,
    since: NaiveDate,
    record_name: String,
    detail: String,
    rule_version: &str,
) -> DiscrepancyRow {
    DiscrepancyRow {
        class: DiscrepancyClass::SilentEnterprise,
        severity,
        enterprise_id: enterprise.enterprise_id.clone(),
        attributes: enterprise.attributes.clone(),
        since,
        hazard_ids: Vec::new(),
        record_name,
        detail,
        rule_version: rule_version.to_string(),
        resolved_on: None,
        days_late: 0,
    }
}

/// D6: each ended sub-period of an in-scope enterprise's self-check frequency without a
/// submitted round, and each periodic statistics past its due day.
pub(super) fn silent_enterprises(
    snapshot: &Snapshot,
    index: &Index<'_>,
    rows: &mut Vec<DiscrepancyRow>,
) {
    let today = snapshot.today();
    for enterprise in snapshot
        .enterprises
        .iter()
        .filter(|enterprise| enterprise.in_scope)
    {
        let rounds = index.rounds_of(&enterprise.enterprise_id);
        for (first, last) in sub_periods(
            enterprise.frequency,
            snapshot.period_start,
            snapshot.period_end,
        ) {
            let checked = rounds.iter().any(|round| {
                round.submitted_by(snapshot.as_of, snapshot.known_at) && round.overlaps(first, last)
            });
            if last < today && !checked {
                let since = last.succ_opt().unwrap_or(last);
                rows.push(enterprise_row(
                    enterprise,
                    Severity::Medium,
                    since,
                    format!("enterprises/{}", enterprise.enterprise_id),
                    format!("no self-check round submitted for {first} to {last}"),
                    snapshot.rules_on(last).name,
                ));
            }
        }
        statistics_past_due(snapshot, enterprise, rows);
    }
}

/// The periodic statistics of quarters and years ending in the period that are past their due
/// day and not submitted.
fn statistics_past_due(
    snapshot: &Snapshot,
    enterprise: &EnterpriseView,
    rows: &mut Vec<DiscrepancyRow>,
) {
    let today = snapshot.today();
    let mut periods = Vec::new();
    for year in snapshot.period_start.year()..=snapshot.period_end.year() {
        periods.extend((1..=4).map(|quarter| StatisticsPeriod::Quarter { year, quarter }));
        periods.push(StatisticsPeriod::Year { year });
    }
    for period in periods {
        let last_day = period.last_day();
        if last_day < snapshot.period_start || last_day > snapshot.period_end {
            continue;
        }
        let rules = snapshot.rules_on(last_day);
        let due = period.due(&rules.rules);
        let statistics_id = period.statistics_id(&enterprise.enterprise_id);
        let submitted = snapshot.statistics.iter().any(|statistics| {
            statistics.statistics_id == statistics_id
                && statistics.submitted_at <= snapshot.as_of
                && statistics.recorded_at <= snapshot.known_at
        });
        if !submitted && today > due {
            rows.push(enterprise_row(
                enterprise,
                Severity::Low,
                due.succ_opt().unwrap_or(due),
                format!("periodicStatistics/{statistics_id}"),
                format!("periodic statistics due on {due} not submitted"),
                rules.name,
            ));
        }
    }
}

/// D8: an alarm device in service that failed its last evidenced test, or whose next test is past
/// due. A test date claimed at registration is not a test.
pub(super) fn overdue_devices(snapshot: &Snapshot, rows: &mut Vec<DiscrepancyRow>) {
    let today = snapshot.today();
    for view in &snapshot.devices {
        let device = &view.device;
        if device
            .retired_at
            .is_some_and(|retired| retired <= snapshot.as_of)
        {
            continue;
        }
        let last = view.tests.last();
        let (result, due) = device.next_test(last);
        let due = due.unwrap_or(device.registered_on);
        let failed = result == AlarmTestResult::Fail;
        if !(failed || today > due) {
            continue;
        }
        let detail = if failed {
            format!("failed its test on {due}")
        } else if last.is_none() {
            let claim = device
                .claimed_last_tested_on
                .map(|day| {
                    format!("; the registration claims a test on {day}, with no report on record")
                })
                .unwrap_or_default();
            format!(
                "no evidenced test since its registration on {}{claim}",
                device.registered_on
            )
        } else {
            format!("annual test due on {due} not done")
        };
        rows.push(device_row(
            view,
            &view.attributes,
            if failed {
                due
            } else {
                due.succ_opt().unwrap_or(due)
            },
            detail,
            snapshot,
        ));
    }
}

fn device_row(
    view: &super::DeviceView,
    attributes: &Attributes,
    since: NaiveDate,
    detail: String,
    snapshot: &Snapshot,
) -> DiscrepancyRow {
    DiscrepancyRow {
        class: DiscrepancyClass::DeviceOverdue,
        severity: Severity::High,
        enterprise_id: view.device.enterprise_id.clone(),
        attributes: attributes.clone(),
        since,
        hazard_ids: Vec::new(),
        record_name: format!("alarmDevices/{}", view.device.device_id),
        detail,
        rule_version: snapshot
            .rules_on(view.device.registered_on)
            .name
            .to_string(),
        resolved_on: None,
        days_late: 0,
    }
}
