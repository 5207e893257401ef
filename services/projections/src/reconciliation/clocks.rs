//! The clocks of one hazard: the government's (D2: reviewing a self-reported 重大 hazard, giving
//! its verdict on a claim), the enterprise's (D5: rectifying by the deadline), and what a false
//! rectification leaves behind (D3).

use chrono::{DateTime, NaiveDate, Utc};
use hl_domain::clock::local_date;
use hl_hazards::domain::hazard::{government_verifies, is_overdue};
use hl_proto::hazards::v1::{HazardLevel, HazardStatus};
use hl_proto::ledger::v1::{DiscrepancyClass, Severity};

use super::{DiscrepancyRow, HazardView, Index, Snapshot, level_name, plus_days};

/// D2, D3 (its rejection branch) and D5 of one hazard.
pub(super) fn hazard_clocks(
    snapshot: &Snapshot,
    hazard: &HazardView,
    rows: &mut Vec<DiscrepancyRow>,
) {
    unattended_major(snapshot, hazard, rows);
    unattended_claim(snapshot, hazard, rows);
    rejected_claim(snapshot, hazard, rows);
    overdue(snapshot, hazard, rows);
}

/// A government clock that started on `started` and was met at `met` (if it was): the open
/// row while it runs late, the closed row saying by how many days once it was met late.
fn government_clock(
    snapshot: &Snapshot,
    hazard: &HazardView,
    started: NaiveDate,
    met: Option<DateTime<Utc>>,
    (severity, what): (Severity, String),
) -> Option<DiscrepancyRow> {
    let days = hazard.rules.rules.review_clock_days;
    let clock_ends = plus_days(started, days);
    let met = met.filter(|at| *at <= snapshot.as_of).map(local_date);
    let (resolved_on, days_late) = match met {
        Some(day) if day > clock_ends => (Some(day), (day - clock_ends).num_days()),
        Some(_) => return None,
        None if snapshot.today() > clock_ends => (None, (snapshot.today() - clock_ends).num_days()),
        None => return None,
    };
    let detail = match resolved_on {
        Some(day) => format!("{what} within {days} days: done on {day}, {days_late} day(s) late"),
        None => format!("{what} within {days} days: {days_late} day(s) late and still waiting"),
    };
    let mut row = DiscrepancyRow::about(
        hazard,
        DiscrepancyClass::SelfReportedUnattended,
        severity,
        clock_ends,
        vec![hazard.facts.hazard_id.clone()],
        detail,
    );
    row.resolved_on = resolved_on;
    row.days_late = days_late;
    Some(row)
}

/// D2: a self-reported 重大 hazard the government has to look at within its clock.
fn unattended_major(snapshot: &Snapshot, hazard: &HazardView, rows: &mut Vec<DiscrepancyRow>) {
    if hazard.is_government_side()
        || hazard.level() != HazardLevel::Major
        || !snapshot.in_period(hazard.reported_day)
    {
        return;
    }
    let reviewed = hazard.lifecycle.first_government_action_at;
    let closed_unreviewed = hazard.lifecycle.status == HazardStatus::Closed && reviewed.is_none();
    if closed_unreviewed {
        return;
    }
    rows.extend(government_clock(
        snapshot,
        hazard,
        hazard.reported_day,
        reviewed,
        (
            Severity::High,
            "a self-reported 重大 hazard is reviewed by the government".to_string(),
        ),
    ));
}

/// D2: a rectification claim the government gives its verdict on within its clock.
fn unattended_claim(snapshot: &Snapshot, hazard: &HazardView, rows: &mut Vec<DiscrepancyRow>) {
    let lifecycle = &hazard.lifecycle;
    let Some(claimed) = lifecycle.claimed_at else {
        return;
    };
    let claimed_day = local_date(claimed);
    if !government_verifies(&hazard.facts, lifecycle) || !snapshot.in_period(claimed_day) {
        return;
    }
    let verdict = lifecycle.verdict_at.filter(|verdict| *verdict >= claimed);
    if verdict.is_none() && lifecycle.status != HazardStatus::AwaitingVerification {
        return;
    }
    rows.extend(government_clock(
        snapshot,
        hazard,
        claimed_day,
        verdict,
        (
            Severity::Medium,
            format!(
                "the government gives its verdict on the rectification claimed on {claimed_day}"
            ),
        ),
    ));
}

/// D3: a claim the government's check found false, dated by the rejection.
fn rejected_claim(snapshot: &Snapshot, hazard: &HazardView, rows: &mut Vec<DiscrepancyRow>) {
    let lifecycle = &hazard.lifecycle;
    let Some(rejected) = lifecycle.government_rejected_at else {
        return;
    };
    let rejected_day = local_date(rejected);
    if !snapshot.in_period(rejected_day) {
        return;
    }
    rows.push(DiscrepancyRow::about(
        hazard,
        DiscrepancyClass::FalseRectification,
        Severity::High,
        rejected_day,
        vec![hazard.facts.hazard_id.clone()],
        format!(
            "rectification claimed but rejected by the government's check {} time(s), last on {rejected_day}",
            lifecycle.government_rejections
        ),
    ));
}

/// D5: past the deadline and not verified.
fn overdue(snapshot: &Snapshot, hazard: &HazardView, rows: &mut Vec<DiscrepancyRow>) {
    let lifecycle = &hazard.lifecycle;
    if !is_overdue(&hazard.facts, lifecycle, snapshot.as_of) {
        return;
    }
    let Some(deadline) = lifecycle
        .deadline
        .filter(|deadline| *deadline <= snapshot.period_end)
    else {
        return;
    };
    let severity = if hazard.level() == HazardLevel::Major || lifecycle.is_listed() {
        Severity::High
    } else {
        Severity::Medium
    };
    let ledger = if hazard.is_government_side() {
        "government"
    } else {
        "enterprise"
    };
    let listing = if lifecycle.is_listed() {
        ", listed (挂牌)"
    } else {
        ""
    };
    rows.push(DiscrepancyRow::about(
        hazard,
        DiscrepancyClass::Overdue,
        severity,
        deadline.succ_opt().unwrap_or(deadline),
        vec![hazard.facts.hazard_id.clone()],
        format!(
            "{ledger} ledger, {}{listing}: deadline {deadline} passed without a verification",
            level_name(hazard.level())
        ),
    ));
}

/// D3: the same hazard again soon after a close-out, within the closed hazard's window.
pub(super) fn recurrences(snapshot: &Snapshot, index: &Index<'_>, rows: &mut Vec<DiscrepancyRow>) {
    for closed in &snapshot.hazards {
        let Some(closed_at) = closed
            .lifecycle
            .closed_at
            .filter(|at| *at <= snapshot.as_of)
        else {
            continue;
        };
        let window = chrono::Duration::days(closed.rules.rules.recurrence_window_days);
        for later in index.hazards_of(&closed.facts.enterprise_id) {
            let (old, new) = (&closed.facts, &later.facts);
            let same_place = (!new.location.is_empty() && new.location == old.location)
                || (!new.equipment.is_empty() && new.equipment == old.equipment);
            let recurs = new.hazard_id != old.hazard_id
                && new.category == old.category
                && same_place
                && new.reported_at > closed_at
                && new.reported_at <= closed_at + window
                && snapshot.in_period(later.reported_day);
            if recurs {
                let mut row = DiscrepancyRow::about(
                    later,
                    DiscrepancyClass::FalseRectification,
                    Severity::Medium,
                    later.reported_day,
                    vec![old.hazard_id.clone(), new.hazard_id.clone()],
                    format!(
                        "recurred {} days after close-out",
                        (new.reported_at - closed_at).num_days()
                    ),
                );
                row.rule_version = closed.rules.name.to_string();
                rows.push(row);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use hl_hazards::domain::rules::HAZARDS;
    use hl_responsibility::domain::responsibilities::DUTY_RULES;

    /// The officer's duty to see a self-reported 重大 hazard reviewed runs on the same clock as
    /// D2: on every day either rule book changes, the two agree.
    #[test]
    fn the_duty_to_see_a_major_hazard_reviewed_runs_on_the_d2_clock() {
        let days = HAZARDS
            .versions
            .iter()
            .map(|version| version.effective_date())
            .chain(
                DUTY_RULES
                    .versions
                    .iter()
                    .map(|version| version.effective_date()),
            );
        for day in days {
            assert_eq!(
                DUTY_RULES.in_force(day).rules.major_review_days,
                HAZARDS.in_force(day).rules.review_clock_days,
                "on {day}"
            );
        }
    }
}
