//! The read models' rows and how each event changes them: pure functions, tested without a
//! database. The projector loads the rows a batch touches, folds the batch's events into them
//! here, and writes them back in one transaction.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use hl_domain::access::is_government_side;
use hl_domain::clock::local_date;
use hl_eventstore::{Aggregate, EventMeta};
use hl_proto::hazard_events::{
    AlarmDeviceEvent, HazardEvent, PeriodicStatisticsEvent, SelfCheckRoundEvent,
    SupervisionOrderEvent,
};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::{
    HazardStatus, Provenance, SelfCheckRoundStatus, SupervisionOrderStatus,
};
use hl_proto::{DomainEvent, common::v1::Date};
use hl_responsibility::domain::enterprise::Enterprise;

/// The last day of the open-ended period.
pub const END_OF_TIME: &str = "9999-12-31";

pub fn millis(instant: DateTime<Utc>) -> i64 {
    instant.timestamp_millis()
}

pub fn date_text(date: &Option<Date>) -> Option<String> {
    date.as_ref()
        .and_then(|date| date.to_naive())
        .map(|day| day.to_string())
}

/// The short name of an event, e.g. "HazardClosed".
pub fn short_type(event: &impl DomainEvent) -> String {
    event
        .event_type()
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// What never changes after a hazard is reported.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HazardFacts {
    pub hazard_id: String,
    pub enterprise_id: String,
    pub township_code: String,
    pub provenance: i32,
    pub government_side: bool,
    pub source_type: i32,
    pub category: i32,
    pub location: String,
    pub equipment: String,
    pub description: String,
    pub reported_at: i64,
    /// The report's calendar date in Asia/Shanghai.
    pub reported_date: String,
    pub reported_event_id: String,
    pub inspection_id: String,
}

/// What changes over a hazard's life.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HazardState {
    pub status: i32,
    pub level: i32,
    pub deadline: Option<String>,
    /// 0 none, 1 the enterprise's plan, 2 a government order.
    pub deadline_source: i32,
    pub listed: bool,
    pub supervision_order_id: String,
    pub suspended: bool,
    /// The latest rectification claim.
    pub claimed_at: Option<i64>,
    /// The latest verification or rejection.
    pub verdict_at: Option<i64>,
    pub verified_at: Option<i64>,
    pub verified_by_government: bool,
    pub closed_at: Option<i64>,
    /// The first thing a government-side actor did about the hazard (its report included).
    pub first_government_action_at: Option<i64>,
    pub rejections: i64,
    pub government_rejections: i64,
    pub counterpart_hazard_id: String,
    pub last_event_id: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct HazardRow {
    pub facts: HazardFacts,
    pub state: HazardState,
    pub version: i64,
    pub updated_at: i64,
}

/// The state a hazard had after one event.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryRow {
    pub hazard_id: String,
    pub sequence: i64,
    pub position: i64,
    pub at: i64,
    pub event_id: String,
    pub event_type: String,
    pub actor_id: String,
    pub actor_role: i64,
    pub state: HazardState,
}

/// A pair between the ledgers: linked when reported, or decided by an officer.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchRow {
    pub government_hazard_id: String,
    pub self_hazard_id: String,
    /// "linked", "confirmed" or "rejected".
    pub decision: String,
    pub decided_at: i64,
    pub decided_by: String,
    pub event_id: String,
}

/// Where an event sits in the stream.
#[derive(Clone, Copy, Debug)]
pub struct Position {
    pub sequence: i64,
    pub index: i64,
}

/// Folds one hazard event into its row; returns the history row and any pair it records.
pub fn apply_hazard(
    row: &mut HazardRow,
    event: &HazardEvent,
    meta: &EventMeta,
    position: Position,
) -> (HistoryRow, Option<MatchRow>) {
    let at = millis(meta.occurred_at);
    let state = &mut row.state;
    let government_actor = is_government_side(&meta.actor);
    if government_actor && state.first_government_action_at.is_none() {
        state.first_government_action_at = Some(at);
    }
    let mut pair = None;
    let decided = |government_hazard_id: &str, self_hazard_id: &str, decision: &str| MatchRow {
        government_hazard_id: government_hazard_id.to_string(),
        self_hazard_id: self_hazard_id.to_string(),
        decision: decision.to_string(),
        decided_at: at,
        decided_by: meta.actor.id.clone(),
        event_id: meta.event_id.clone(),
    };
    match event {
        HazardEvent::Reported(reported) => {
            let government_side = reported.provenance() != Provenance::EnterpriseSelf;
            row.facts = HazardFacts {
                hazard_id: reported.hazard_id.clone(),
                enterprise_id: reported.enterprise_id.clone(),
                township_code: reported.township_code.clone(),
                provenance: reported.provenance,
                government_side,
                source_type: reported.source_type,
                category: reported.category,
                location: reported.location.clone(),
                equipment: reported.equipment.clone(),
                description: reported.description.clone(),
                reported_at: at,
                reported_date: local_date(meta.occurred_at).to_string(),
                reported_event_id: meta.event_id.clone(),
                inspection_id: reported.inspection_id.clone(),
            };
            state.status = HazardStatus::Reported as i32;
            if !reported.counterpart_hazard_id.is_empty() {
                state.counterpart_hazard_id = reported.counterpart_hazard_id.clone();
                pair = Some(if government_side {
                    decided(
                        &reported.hazard_id,
                        &reported.counterpart_hazard_id,
                        "linked",
                    )
                } else {
                    decided(
                        &reported.counterpart_hazard_id,
                        &reported.hazard_id,
                        "linked",
                    )
                });
            }
        }
        HazardEvent::Graded(graded) => {
            state.level = graded.level;
            if state.status == HazardStatus::Reported as i32 {
                state.status = HazardStatus::Graded as i32;
            }
        }
        HazardEvent::RectificationPlanned(planned) => {
            state.deadline = date_text(&planned.plan.as_ref().and_then(|plan| plan.deadline));
            state.deadline_source = 1;
            state.status = HazardStatus::Rectifying as i32;
        }
        HazardEvent::RectificationOrdered(ordered) => {
            state.deadline = date_text(&ordered.order.as_ref().and_then(|order| order.deadline));
            state.deadline_source = 2;
            state.status = HazardStatus::Rectifying as i32;
        }
        HazardEvent::RemediationPlanSubmitted(_)
        | HazardEvent::ExtensionRequested(_)
        | HazardEvent::ExtensionDenied(_) => {}
        HazardEvent::FixedOnSpot(_) => {
            state.status = HazardStatus::FixedOnSpot as i32;
            state.verified_at = Some(at);
            state.verified_by_government = government_actor;
        }
        HazardEvent::RectificationClaimed(_) => {
            state.status = HazardStatus::AwaitingVerification as i32;
            state.claimed_at = Some(at);
        }
        HazardEvent::RectificationVerified(_) => {
            state.status = HazardStatus::Verified as i32;
            state.verdict_at = Some(at);
            state.verified_at = Some(at);
            state.verified_by_government = government_actor;
        }
        HazardEvent::RectificationRejected(rejected) => {
            state.status = HazardStatus::Rectifying as i32;
            state.verdict_at = Some(at);
            state.rejections += 1;
            if government_actor {
                state.government_rejections += 1;
            }
            if let Some(deadline) = date_text(&rejected.new_deadline) {
                state.deadline = Some(deadline);
            }
        }
        HazardEvent::ExtensionGranted(granted) => {
            state.deadline = date_text(&granted.new_deadline);
        }
        HazardEvent::Closed(_) => {
            state.status = HazardStatus::Closed as i32;
            state.closed_at = Some(at);
        }
        HazardEvent::Listed(listed) => {
            state.listed = true;
            state.supervision_order_id = listed.supervision_order_id.clone();
        }
        HazardEvent::Delisted(_) => {
            state.listed = false;
            state.supervision_order_id.clear();
        }
        HazardEvent::OperationsSuspended(_) => state.suspended = true,
        HazardEvent::ResumptionApproved(_) => state.suspended = false,
        HazardEvent::ResumptionRequested(_) | HazardEvent::ResumptionDenied(_) => {}
        HazardEvent::CounterpartMatchConfirmed(confirmed) => {
            state.counterpart_hazard_id = confirmed.counterpart_hazard_id.clone();
            pair = Some(decided(
                &confirmed.hazard_id,
                &confirmed.counterpart_hazard_id,
                "confirmed",
            ));
        }
        HazardEvent::CounterpartMatchRejected(rejected) => {
            if state.counterpart_hazard_id == rejected.counterpart_hazard_id {
                state.counterpart_hazard_id.clear();
            }
            pair = Some(decided(
                &rejected.hazard_id,
                &rejected.counterpart_hazard_id,
                "rejected",
            ));
        }
    }
    state.last_event_id = meta.event_id.clone();
    row.version = meta.aggregate_version as i64;
    row.updated_at = millis(meta.recorded_at);
    let history = HistoryRow {
        hazard_id: row.facts.hazard_id.clone(),
        sequence: position.sequence,
        position: position.index,
        at,
        event_id: meta.event_id.clone(),
        event_type: short_type(event),
        actor_id: meta.actor.id.clone(),
        actor_role: i64::from(meta.actor.role),
        state: row.state.clone(),
    };
    (history, pair)
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoundRow {
    pub round_id: String,
    pub enterprise_id: String,
    pub period_start: String,
    pub period_end: String,
    pub status: i32,
    pub zero_findings: bool,
    pub finding_count: i64,
    pub opened_at: i64,
    pub submitted_at: Option<i64>,
    pub event_id: String,
}

pub fn apply_round(row: &mut RoundRow, event: &SelfCheckRoundEvent, meta: &EventMeta) {
    match event {
        SelfCheckRoundEvent::Opened(opened) => {
            *row = RoundRow {
                round_id: opened.round_id.clone(),
                enterprise_id: opened.enterprise_id.clone(),
                period_start: date_text(&opened.period_start).unwrap_or_default(),
                period_end: date_text(&opened.period_end).unwrap_or_default(),
                status: SelfCheckRoundStatus::Open as i32,
                opened_at: millis(meta.occurred_at),
                ..RoundRow::default()
            };
        }
        SelfCheckRoundEvent::FindingRecorded(_) => row.finding_count += 1,
        SelfCheckRoundEvent::Submitted(submitted) => {
            row.status = SelfCheckRoundStatus::Submitted as i32;
            row.zero_findings = submitted.zero_findings_attested;
            row.submitted_at = Some(millis(meta.occurred_at));
        }
    }
    row.event_id = meta.event_id.clone();
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatisticsRow {
    pub statistics_id: String,
    pub enterprise_id: String,
    pub kind: i32,
    pub year: i64,
    pub quarter: i64,
    pub due: String,
    pub late: bool,
    pub submitted_at: i64,
    pub event_id: String,
}

pub fn statistics_row(event: &PeriodicStatisticsEvent, meta: &EventMeta) -> StatisticsRow {
    let PeriodicStatisticsEvent::Submitted(submitted) = event;
    StatisticsRow {
        statistics_id: submitted.statistics_id.clone(),
        enterprise_id: submitted.enterprise_id.clone(),
        kind: submitted.period_kind,
        year: i64::from(submitted.year),
        quarter: i64::from(submitted.quarter),
        due: date_text(&submitted.due).unwrap_or_default(),
        late: submitted.late,
        submitted_at: millis(meta.occurred_at),
        event_id: meta.event_id.clone(),
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrderRow {
    pub order_id: String,
    pub level: i32,
    pub notice_number: String,
    pub title: String,
    pub status: i32,
    pub deadline: String,
    pub hazard_ids: Vec<String>,
    pub escalations: i64,
    pub issued_at: i64,
    pub delisted_at: Option<i64>,
    pub event_id: String,
    pub sub_tasks: Vec<pb::SubTask>,
}

pub fn apply_order(row: &mut OrderRow, event: &SupervisionOrderEvent, meta: &EventMeta) {
    match event {
        SupervisionOrderEvent::Issued(issued) => {
            *row = OrderRow {
                order_id: issued.order_id.clone(),
                level: issued.level,
                notice_number: issued.notice_number.clone(),
                title: issued.title.clone(),
                status: SupervisionOrderStatus::Listed as i32,
                deadline: date_text(&issued.deadline).unwrap_or_default(),
                hazard_ids: issued.hazard_ids.clone(),
                issued_at: millis(meta.occurred_at),
                ..OrderRow::default()
            };
        }
        SupervisionOrderEvent::Decomposed(decomposed) => {
            row.sub_tasks.extend(decomposed.sub_tasks.iter().cloned());
            row.status = SupervisionOrderStatus::InProgress as i32;
        }
        SupervisionOrderEvent::SubTaskProgressReported(reported) => {
            if let Some(task) = row
                .sub_tasks
                .iter_mut()
                .find(|task| task.sub_task_id == reported.sub_task_id)
            {
                task.progress_percent = reported.progress_percent;
                task.completed = reported.completed;
                task.last_note = reported.note.clone();
            }
            row.status = SupervisionOrderStatus::InProgress as i32;
        }
        SupervisionOrderEvent::AcceptanceRequested(_) => {
            row.status = SupervisionOrderStatus::AcceptanceRequested as i32
        }
        SupervisionOrderEvent::AcceptanceRejected(_) => {
            row.status = SupervisionOrderStatus::InProgress as i32
        }
        SupervisionOrderEvent::Delisted(_) => {
            row.status = SupervisionOrderStatus::Delisted as i32;
            row.delisted_at = Some(millis(meta.occurred_at));
        }
        SupervisionOrderEvent::Escalated(_) => row.escalations += 1,
    }
    row.event_id = meta.event_id.clone();
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeviceRow {
    pub device_id: String,
    pub enterprise_id: String,
    pub kind: i32,
    pub location: String,
    pub test_interval_days: i64,
    pub registered_on: String,
    pub registered_at: i64,
    pub retired_at: Option<i64>,
    pub event_id: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeviceTestRow {
    pub device_id: String,
    pub sequence: i64,
    pub tested_on: String,
    pub result: i32,
    pub recorded_at: i64,
    pub event_id: String,
}

/// Folds a device event; a test (or the last test before registration) becomes a test row.
pub fn apply_device(
    row: &mut DeviceRow,
    event: &AlarmDeviceEvent,
    meta: &EventMeta,
    position: Position,
) -> Option<DeviceTestRow> {
    let test = |tested_on: Option<String>, result: i32| DeviceTestRow {
        device_id: meta.aggregate_id.clone(),
        sequence: position.sequence * 1000 + position.index,
        tested_on: tested_on.unwrap_or_default(),
        result,
        recorded_at: millis(meta.occurred_at),
        event_id: meta.event_id.clone(),
    };
    let mut recorded = None;
    match event {
        AlarmDeviceEvent::Registered(registered) => {
            *row = DeviceRow {
                device_id: registered.device_id.clone(),
                enterprise_id: registered.enterprise_id.clone(),
                kind: registered.kind,
                location: registered.location.clone(),
                test_interval_days: i64::from(registered.test_interval_days),
                registered_on: local_date(meta.occurred_at).to_string(),
                registered_at: millis(meta.occurred_at),
                ..DeviceRow::default()
            };
            if registered.last_tested_on.is_some() {
                recorded = Some(test(
                    date_text(&registered.last_tested_on),
                    pb::AlarmTestResult::Pass as i32,
                ));
            }
        }
        AlarmDeviceEvent::Tested(tested) => {
            recorded = Some(test(date_text(&tested.tested_on), tested.result))
        }
        AlarmDeviceEvent::Retired(_) => row.retired_at = Some(millis(meta.occurred_at)),
    }
    row.event_id = meta.event_id.clone();
    recorded
}

/// An enterprise's registry details over one period of days.
#[derive(Clone, Debug, PartialEq)]
pub struct EnterprisePeriodRow {
    pub enterprise_id: String,
    pub valid_from: String,
    /// Exclusive.
    pub valid_to: String,
    pub display_name: String,
    pub township_code: String,
    pub village_code: String,
    pub grid_cell_id: String,
    /// ",4,1," so that one industry is found with LIKE '%,4,%'.
    pub industries: String,
    pub risk_colour: i32,
    pub status: i32,
    pub self_check_required: bool,
}

/// The periods over which nothing about the enterprise changed: a new period begins on every
/// effective date of a change of details or status.
pub fn enterprise_periods(enterprise: &Enterprise) -> Vec<EnterprisePeriodRow> {
    let starts: BTreeSet<NaiveDate> = enterprise
        .versions
        .iter()
        .map(|version| version.effective_from)
        .chain(
            enterprise
                .statuses
                .iter()
                .map(|status| status.effective_from),
        )
        .collect();
    let starts: Vec<NaiveDate> = starts.into_iter().collect();
    starts
        .iter()
        .enumerate()
        .map(|(index, start)| {
            let details = enterprise.details_as_of(*start);
            let industries = format!(
                ",{},",
                details
                    .industries
                    .iter()
                    .map(|industry| industry.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            EnterprisePeriodRow {
                enterprise_id: enterprise.enterprise_id.clone(),
                valid_from: start.to_string(),
                valid_to: starts
                    .get(index + 1)
                    .map_or_else(|| END_OF_TIME.to_string(), |next| next.to_string()),
                display_name: details.display_name,
                township_code: details.township_code,
                village_code: details.village_code,
                grid_cell_id: details.grid_cell_id,
                industries,
                risk_colour: details.risk_colour,
                status: enterprise.status_as_of(*start) as i32,
                self_check_required: details.self_check_required,
            }
        })
        .collect()
}

/// Folds a registry enterprise event into the enterprise's state.
pub fn apply_enterprise(
    state: &mut Enterprise,
    event: &<Enterprise as Aggregate>::Event,
    meta: &EventMeta,
) {
    state.apply(event, meta);
}

#[cfg(test)]
mod tests {
    use hl_domain::access::test_actors::*;
    use hl_proto::common::v1::Actor;
    use hl_proto::hazards::v1::HazardLevel;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn meta(actor: Actor, when: &str, version: u64) -> EventMeta {
        EventMeta {
            event_id: format!("event-{version}"),
            aggregate_version: version,
            ..EventMeta::at(at(when), actor)
        }
    }

    fn reported(provenance: Provenance, counterpart: &str) -> HazardEvent {
        HazardEvent::Reported(pb::HazardReported {
            hazard_id: "hz-1".into(),
            enterprise_id: ENTERPRISE.into(),
            provenance: provenance as i32,
            counterpart_hazard_id: counterpart.into(),
            ..Default::default()
        })
    }

    #[test]
    fn a_hazard_row_follows_its_events_and_keeps_its_history() {
        let mut row = HazardRow::default();
        let events = [
            (
                reported(Provenance::EnterpriseSelf, ""),
                enterprise(),
                "2023-05-01T16:30:00Z",
            ),
            (
                HazardEvent::Graded(pb::HazardGraded {
                    level: HazardLevel::Major as i32,
                    ..Default::default()
                }),
                inspector(),
                "2023-05-03T02:00:00Z",
            ),
            (
                HazardEvent::RectificationOrdered(pb::RectificationOrdered {
                    order: Some(pb::RectificationOrder {
                        deadline: Some(Date {
                            year: 2023,
                            month: 6,
                            day: 30,
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                inspector(),
                "2023-05-03T02:00:00Z",
            ),
            (
                HazardEvent::RectificationClaimed(Default::default()),
                enterprise(),
                "2023-06-20T02:00:00Z",
            ),
            (
                HazardEvent::RectificationRejected(Default::default()),
                inspector(),
                "2023-06-22T02:00:00Z",
            ),
        ];
        let mut history = Vec::new();
        for (index, (event, actor, when)) in events.iter().enumerate() {
            let (row_history, _) = apply_hazard(
                &mut row,
                event,
                &meta(actor.clone(), when, index as u64 + 1),
                Position {
                    sequence: index as i64 + 1,
                    index: 0,
                },
            );
            history.push(row_history);
        }
        // Reported at 00:30 on 2 May in Zhoushan.
        assert_eq!(row.facts.reported_date, "2023-05-02");
        assert!(!row.facts.government_side);
        assert_eq!(row.state.status, HazardStatus::Rectifying as i32);
        assert_eq!(row.state.deadline.as_deref(), Some("2023-06-30"));
        assert_eq!(row.state.deadline_source, 2);
        assert_eq!(
            (row.state.rejections, row.state.government_rejections),
            (1, 1)
        );
        assert_eq!(
            row.state.first_government_action_at,
            Some(millis(at("2023-05-03T02:00:00Z")))
        );
        assert_eq!(row.version, 5);
        assert_eq!(history.len(), 5);
        assert_eq!(
            history[3].state.status,
            HazardStatus::AwaitingVerification as i32
        );
        assert_eq!(history[3].event_type, "RectificationClaimed");
    }

    #[test]
    fn pairs_are_recorded_from_either_side() {
        let mut government = HazardRow::default();
        let (_, pair) = apply_hazard(
            &mut government,
            &reported(Provenance::GovernmentInspection, "self-9"),
            &meta(inspector(), "2023-05-01T02:00:00Z", 1),
            Position {
                sequence: 1,
                index: 0,
            },
        );
        let pair = pair.unwrap();
        assert_eq!(
            (
                pair.government_hazard_id.as_str(),
                pair.self_hazard_id.as_str(),
                pair.decision.as_str()
            ),
            ("hz-1", "self-9", "linked")
        );
        let mut own = HazardRow::default();
        let (_, pair) = apply_hazard(
            &mut own,
            &reported(Provenance::EnterpriseSelf, "gov-3"),
            &meta(enterprise(), "2023-05-01T02:00:00Z", 1),
            Position {
                sequence: 2,
                index: 0,
            },
        );
        let pair = pair.unwrap();
        assert_eq!(
            (
                pair.government_hazard_id.as_str(),
                pair.self_hazard_id.as_str()
            ),
            ("gov-3", "hz-1")
        );
        let rejected = HazardEvent::CounterpartMatchRejected(pb::CounterpartMatchRejected {
            hazard_id: "hz-1".into(),
            counterpart_hazard_id: "self-9".into(),
            reason: String::new(),
        });
        let (_, pair) = apply_hazard(
            &mut government,
            &rejected,
            &meta(inspector(), "2023-05-02T02:00:00Z", 2),
            Position {
                sequence: 3,
                index: 0,
            },
        );
        assert_eq!(pair.unwrap().decision, "rejected");
        assert!(government.state.counterpart_hazard_id.is_empty());
    }

    #[test]
    fn enterprise_periods_start_at_every_change() {
        use hl_proto::registry_events::EnterpriseEvent;
        use hl_proto::responsibility::v1 as registry;
        let mut enterprise_state = Enterprise::default();
        let registered = EnterpriseEvent::Registered(registry::EnterpriseRegistered {
            enterprise_id: ENTERPRISE.into(),
            details: Some(registry::EnterpriseDetails {
                township_code: "330903001".into(),
                industries: vec![4, 1],
                ..Default::default()
            }),
            effective_from: Some(Date {
                year: 2023,
                month: 1,
                day: 1,
            }),
        });
        let moved = EnterpriseEvent::DetailsChanged(registry::EnterpriseDetailsChanged {
            enterprise_id: ENTERPRISE.into(),
            details: Some(registry::EnterpriseDetails {
                township_code: "330903002".into(),
                ..Default::default()
            }),
            changed_fields: vec!["township_code".into()],
            effective_from: Some(Date {
                year: 2023,
                month: 6,
                day: 1,
            }),
        });
        for event in [registered, moved] {
            apply_enterprise(
                &mut enterprise_state,
                &event,
                &meta(administrator(), "2023-07-01T00:00:00Z", 1),
            );
        }
        let periods = enterprise_periods(&enterprise_state);
        assert_eq!(periods.len(), 2);
        assert_eq!(
            (
                periods[0].valid_from.as_str(),
                periods[0].valid_to.as_str(),
                periods[0].township_code.as_str()
            ),
            ("2023-01-01", "2023-06-01", "330903001")
        );
        assert_eq!(
            (
                periods[1].valid_to.as_str(),
                periods[1].township_code.as_str()
            ),
            (END_OF_TIME, "330903002")
        );
        assert_eq!(periods[1].industries, ",4,1,");
    }
}
