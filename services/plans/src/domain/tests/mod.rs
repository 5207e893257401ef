//! Given/when/then tests of emergency plans and drills: every transition, the rule-version
//! change of the evaluation cycle, and revisions with their triggers.

use chrono::{DateTime, NaiveDate, Utc};
use hl_domain::Given;
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::{PlanLayer, PlanStatus, RevisionTrigger};

use hl_domain::access::test_actors::*;

mod accident;
mod typhoon;

use super::drill::{Drill, RecordDrill};
use super::plan::{Draft, DrillFinding, EmergencyPlan, PlanCommand};

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn noon(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{text}T12:00:00+08:00"))
        .unwrap()
        .to_utc()
}

fn drafted(layer: PlanLayer, on: &str) -> Given<EmergencyPlan> {
    Given::<EmergencyPlan>::new("plan-1").given(
        &PlanCommand::Draft(Draft {
            region: "330903".into(),
            layer,
            title: "普陀区防台风应急预案".into(),
            owner_unit_id: "bureau".into(),
            ..Draft::default()
        }),
        &inspector(),
        noon(on),
    )
}

/// Review, approval, publication and filing, all on one day.
fn through_to_filed(plan: Given<EmergencyPlan>, on: &str) -> Given<EmergencyPlan> {
    let at = noon(on);
    plan.given(
        &PlanCommand::SubmitForReview {
            note: String::new(),
        },
        &inspector(),
        at,
    )
    .given(
        &PlanCommand::Approve {
            document_number: "普政办发〔2026〕1号".into(),
        },
        &administrator(),
        at,
    )
    .given(&PlanCommand::Publish, &inspector(), at)
    .given(
        &PlanCommand::File {
            receipt: "备案〔2026〕7号".into(),
        },
        &inspector(),
        at,
    )
}

/// Review, approval, publication, filing and activation, all on one day.
fn through_to_active(plan: Given<EmergencyPlan>, on: &str) -> Given<EmergencyPlan> {
    through_to_filed(plan, on).given(
        &PlanCommand::Activate {
            in_force_since: None,
        },
        &inspector(),
        noon(on),
    )
}

fn reason<T: std::fmt::Debug>(result: Result<T, hl_domain::DomainError>) -> &'static str {
    match result {
        Ok(accepted) => panic!("accepted: {accepted:?}"),
        Err(error) => error.reason(),
    }
}

#[test]
fn a_plan_goes_through_its_lifecycle_in_order() {
    let plan = drafted(PlanLayer::Special, "2026-01-05");
    assert_eq!(plan.status, PlanStatus::Drafting);
    assert_eq!(
        reason(plan.when(
            &PlanCommand::Activate {
                in_force_since: None
            },
            &inspector(),
            noon("2026-01-06")
        )),
        "PLAN_STEP_OUT_OF_ORDER"
    );
    assert_eq!(
        reason(plan.when(&PlanCommand::Publish, &enterprise(), noon("2026-01-06"))),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    let active = through_to_active(plan, "2026-02-01");
    assert_eq!(
        (active.status, active.active_version),
        (PlanStatus::Active, 1)
    );
    let first = &active.versions[0];
    assert_eq!(first.document_number, "普政办发〔2026〕1号");
    assert_eq!(first.filing_receipt, "备案〔2026〕7号");
    assert_eq!(first.rule_version, "plan-rules-2024-01-31");
    assert_eq!(active.next_evaluation_due, Some(day("2029-02-01")));
}

#[test]
fn the_evaluation_cycle_is_the_one_in_force_when_the_version_was_activated() {
    // A township plan had no cycle under the 2013 rules, and has three years since 2024-01-31.
    let old = through_to_active(drafted(PlanLayer::Township, "2023-06-01"), "2023-06-01");
    assert_eq!(old.versions[0].rule_version, "plan-rules-2013-10-25");
    assert_eq!(old.next_evaluation_due, None);
    let new = through_to_active(drafted(PlanLayer::Township, "2024-01-31"), "2024-01-31");
    assert_eq!(new.versions[0].rule_version, "plan-rules-2024-01-31");
    assert_eq!(new.next_evaluation_due, Some(day("2027-01-31")));
    // A village plan has none under either.
    let village = through_to_active(drafted(PlanLayer::Village, "2026-01-05"), "2026-01-05");
    assert_eq!(village.next_evaluation_due, None);
}

#[test]
fn a_drill_finding_revises_the_plan_and_the_new_version_replaces_the_old() {
    let active = through_to_active(drafted(PlanLayer::Special, "2026-01-05"), "2026-01-05");
    let finding = |exercised: bool, requires: bool| PlanCommand::StartRevision {
        trigger: RevisionTrigger::DrillFinding,
        note: "演练发现转移路线不清".into(),
        finding: Some(DrillFinding {
            drill_id: "drill-1".into(),
            finding_id: "f-1".into(),
            exercised_this_plan: exercised,
            requires_revision: requires,
        }),
        summary: "调整转移路线".into(),
    };
    let at = noon("2026-06-01");
    assert_eq!(
        reason(active.when(&finding(false, true), &inspector(), at)),
        "NO_SUCH_DRILL_FINDING"
    );
    assert_eq!(
        reason(active.when(&finding(true, false), &inspector(), at)),
        "NO_SUCH_DRILL_FINDING"
    );
    let revising = active.given(&finding(true, true), &inspector(), at);
    assert_eq!(revising.status, PlanStatus::Revising);
    assert_eq!(revising.active_version, 1, "the old version stays in force");
    let second = &revising.versions[1];
    assert_eq!(second.trigger, RevisionTrigger::DrillFinding as i32);
    assert_eq!(second.trigger_source, "drills/drill-1#f-1");
    assert!(!revising.revised_within(day("2026-06-01"), 3));

    let revised = through_to_active(revising, "2026-07-01");
    assert_eq!(
        (revised.status, revised.active_version),
        (PlanStatus::Active, 2)
    );
    assert_eq!(
        revised.versions[0].superseded_on,
        Some(day("2026-07-01").into())
    );
    assert_eq!(revised.versions.len(), 2, "the old version stays readable");
    assert!(revised.revised_within(day("2026-07-01"), 3));
    assert!(!revised.revised_within(day("2029-07-02"), 3));
}

#[test]
fn an_evaluation_resets_the_cycle_and_one_that_requires_revision_starts_it() {
    let active = through_to_active(drafted(PlanLayer::Special, "2026-01-05"), "2026-01-05");
    let evaluated = active.given(
        &PlanCommand::Evaluate {
            revision_required: false,
            note: "仍适用".into(),
        },
        &inspector(),
        noon("2026-12-01"),
    );
    assert_eq!(evaluated.next_evaluation_due, Some(day("2029-12-01")));
    assert_eq!(evaluated.status, PlanStatus::Active);
    let revising = evaluated.given(
        &PlanCommand::Evaluate {
            revision_required: true,
            note: "机构调整".into(),
        },
        &inspector(),
        noon("2026-12-15"),
    );
    assert_eq!(revising.status, PlanStatus::Revising);
    assert_eq!(
        revising.versions[1].trigger,
        RevisionTrigger::Evaluation as i32
    );
}

#[test]
fn a_drill_is_recorded_once_it_is_held_and_names_its_findings() {
    let record = |held_on: &str| RecordDrill {
        region: "330903".into(),
        drill: pb::Drill {
            plan_ids: vec!["plan-1".into()],
            subject: "防台风转移演练".into(),
            findings: vec![pb::DrillFinding {
                finding_id: "f-1".into(),
                description: "转移路线不清".into(),
                requires_revision: true,
            }],
            ..pb::Drill::default()
        },
        held_on: day(held_on),
    };
    let new = Given::<Drill>::new("drill-1");
    assert_eq!(
        reason(new.when(&record("2026-06-02"), &inspector(), noon("2026-06-01"))),
        "INVALID_ARGUMENT"
    );
    let drill = new.given(&record("2026-06-01"), &inspector(), noon("2026-06-01"));
    assert_eq!(
        drill.finding_requires_revision("plan-1", "f-1"),
        (true, true)
    );
    assert_eq!(
        drill.finding_requires_revision("plan-2", "f-1"),
        (false, true)
    );
    assert_eq!(
        drill.finding_requires_revision("plan-1", "f-2"),
        (true, false)
    );
}

#[test]
fn a_drill_gives_each_finding_its_own_id() {
    let finding = |finding_id: &str, requires_revision: bool| pb::DrillFinding {
        finding_id: finding_id.into(),
        description: "转移路线不清".into(),
        requires_revision,
    };
    let record = RecordDrill {
        region: "330903".into(),
        drill: pb::Drill {
            plan_ids: vec!["plan-1".into()],
            subject: "防台风转移演练".into(),
            findings: vec![
                finding("f-1", false),
                finding("f-2", false),
                finding("f-1", true),
            ],
            ..pb::Drill::default()
        },
        held_on: day("2026-06-01"),
    };
    let refusal = Given::<Drill>::new("drill-1")
        .when(&record, &inspector(), noon("2026-06-01"))
        .unwrap_err();
    let hl_domain::DomainError::Invalid { field, message } = &refusal else {
        panic!("not INVALID_ARGUMENT: {refusal:?}");
    };
    assert_eq!(field, "findings[2].finding_id");
    assert!(message.contains("findings[0]"), "{message}");
}

mod drill_minimums {
    use super::*;
    use crate::domain::drill_minimums::{MinimumStatus, read_minimums};
    use hl_proto::plans::v1::DrillKind;

    fn drill(id: &str, enterprise_id: &str, kind: DrillKind, held_on: &str) -> pb::Drill {
        pb::Drill {
            drill_id: id.into(),
            enterprise_id: enterprise_id.into(),
            kind: kind as i32,
            held_on: Some(day(held_on).into()),
            ..pb::Drill::default()
        }
    }

    fn statuses(day_read: &str, drills: &[pb::Drill]) -> Vec<(String, MinimumStatus, Vec<String>)> {
        let drills: Vec<&pb::Drill> = drills.iter().collect();
        let (version, readings) = read_minimums(&drills, "e-1", 2026, day(day_read));
        assert_eq!(version, "drill-rules-2016-07-01");
        readings
            .into_iter()
            .map(|reading| (reading.code, reading.status, reading.drills))
            .collect()
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|id| id.to_string()).collect()
    }

    #[test]
    fn a_year_needs_a_comprehensive_or_special_drill_and_each_half_an_on_site_one() {
        let drills = [
            drill("d-1", "e-1", DrillKind::Special, "2026-03-10"),
            drill("d-2", "e-1", DrillKind::OnSite, "2026-06-30"),
            // Another enterprise's, and last year's: not counted.
            drill("d-3", "e-2", DrillKind::OnSite, "2026-08-01"),
            drill("d-4", "e-1", DrillKind::OnSite, "2025-12-31"),
        ];
        assert_eq!(
            statuses("2026-11-30", &drills),
            [
                (
                    "YEARLY_COMPREHENSIVE_OR_SPECIAL".to_string(),
                    MinimumStatus::Met,
                    ids(&["d-1"])
                ),
                (
                    "ON_SITE_FIRST_HALF".into(),
                    MinimumStatus::Met,
                    ids(&["d-2"])
                ),
                ("ON_SITE_SECOND_HALF".into(), MinimumStatus::Due, vec![]),
            ]
        );
        // Once the year is over the second half is short.
        assert_eq!(statuses("2027-01-01", &drills)[2].1, MinimumStatus::Short);
    }

    #[test]
    fn an_on_site_drill_is_not_a_comprehensive_one_and_a_later_drill_does_not_change_a_past_day() {
        let drills = [
            drill("d-1", "e-1", DrillKind::OnSite, "2026-02-01"),
            drill("d-2", "e-1", DrillKind::Comprehensive, "2026-12-20"),
        ];
        let on_july_first = statuses("2026-07-01", &drills);
        assert_eq!(on_july_first[0].1, MinimumStatus::Due);
        assert_eq!(on_july_first[1].1, MinimumStatus::Met);
        let at_year_end = statuses("2026-12-31", &drills);
        assert_eq!(
            at_year_end[0],
            (
                "YEARLY_COMPREHENSIVE_OR_SPECIAL".to_string(),
                MinimumStatus::Met,
                ids(&["d-2"])
            )
        );
    }
}

mod shelters {
    use super::*;
    use crate::domain::shelter::{Register, Shelter, ShelterCommand};
    use hl_proto::plans::v1::ShelterLevel;

    fn registered() -> Given<Shelter> {
        Given::<Shelter>::new("shenjiamen-school").given(
            &ShelterCommand::Register(Register {
                region: "330903".into(),
                title: "沈家门小学避灾安置点".into(),
                level: ShelterLevel::Township,
                township_code: "330903001".into(),
                location: "沈家门街道".into(),
                capacity: 300,
            }),
            &inspector(),
            noon("2026-03-01"),
        )
    }

    fn certify(on: &str) -> ShelterCommand {
        ShelterCommand::Certify {
            certified_on: day(on),
            certificate: "规范化避灾安置场所 2026-01".into(),
        }
    }

    #[test]
    fn a_shelter_is_certified_once_and_not_before_the_day() {
        let mut shelter = registered();
        assert_eq!(
            reason(shelter.when(&certify("2026-05-02"), &inspector(), noon("2026-05-01"))),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            reason(shelter.when(&certify("2026-05-01"), &enterprise(), noon("2026-05-01"))),
            "GOVERNMENT_ROLE_REQUIRED"
        );
        shelter
            .then(&certify("2026-04-30"), &inspector(), noon("2026-05-01"))
            .unwrap();
        assert_eq!(shelter.certified_on, Some(day("2026-04-30")));
        assert_eq!(
            reason(shelter.when(&certify("2026-05-01"), &inspector(), noon("2026-05-02"))),
            "SHELTER_CERTIFIED"
        );
    }

    #[test]
    fn occupancy_is_reported_only_while_open_and_an_overfull_shelter_is_kept_as_reported() {
        let mut shelter = registered();
        let report = |persons| ShelterCommand::ReportOccupancy { persons };
        assert_eq!(
            reason(shelter.when(&report(10), &inspector(), noon("2026-08-01"))),
            "SHELTER_NOT_OPEN"
        );
        let open = ShelterCommand::Open {
            opened_for: "台风“梅花”".into(),
        };
        shelter
            .then(&open, &inspector(), noon("2026-08-01"))
            .unwrap();
        assert_eq!(
            reason(shelter.when(&open, &inspector(), noon("2026-08-01"))),
            "SHELTER_OPEN"
        );
        shelter
            .then(&report(120), &inspector(), noon("2026-08-01"))
            .unwrap();
        shelter
            .then(&report(340), &inspector(), noon("2026-08-02"))
            .unwrap();
        assert_eq!(shelter.occupied(), 340);
        assert!(shelter.occupied() > shelter.capacity);
        let close = ShelterCommand::Close {
            note: "台风解除".into(),
        };
        shelter
            .then(&close, &inspector(), noon("2026-08-03"))
            .unwrap();
        assert_eq!(shelter.occupied(), 0);
        assert_eq!(
            reason(shelter.when(&close, &inspector(), noon("2026-08-03"))),
            "SHELTER_NOT_OPEN"
        );
        assert_eq!(shelter.occupancy.len(), 2, "the reports stay on the record");
    }
}

mod rescue_teams {
    use super::*;
    use crate::domain::rescue_team::{Establish, RescueTeam, TeamCommand};
    use hl_proto::plans::v1::{TeamKind, TeamLevel};

    fn established(on: &str) -> Given<RescueTeam> {
        Given::<RescueTeam>::new("shenjiamen-team").given(
            &TeamCommand::Establish(Establish {
                region: "330903".into(),
                title: "沈家门街道综合应急救援队".into(),
                level: TeamLevel::Township,
                kind: TeamKind::Comprehensive,
                township_code: "330903001".into(),
                established_on: day(on),
                ..Establish::default()
            }),
            &inspector(),
            noon("2026-03-01"),
        )
    }

    #[test]
    fn a_team_serves_from_its_establishment_until_the_day_it_is_disbanded() {
        let mut team = established("2026-02-15");
        assert!(!team.serves_on(day("2026-02-14")));
        assert!(team.serves_on(day("2026-02-15")));
        team.then(
            &TeamCommand::SetRoster(vec!["p-1".into(), "p-2".into()]),
            &inspector(),
            noon("2026-03-02"),
        )
        .unwrap();
        team.then(
            &TeamCommand::Disband {
                reason: "并入区综合队".into(),
            },
            &inspector(),
            noon("2026-06-01"),
        )
        .unwrap();
        assert!(team.serves_on(day("2026-05-31")));
        assert!(!team.serves_on(day("2026-06-01")));
        assert_eq!(
            reason(team.when(
                &TeamCommand::CheckReadiness {
                    ready: true,
                    note: String::new(),
                },
                &inspector(),
                noon("2026-06-02"),
            )),
            "TEAM_DISBANDED"
        );
        assert_eq!(team.person_ids, ["p-1", "p-2"]);
    }

    #[test]
    fn a_team_is_established_and_trained_only_on_days_that_have_come() {
        let future = Given::<RescueTeam>::new("t").when(
            &TeamCommand::Establish(Establish {
                region: "330903".into(),
                established_on: day("2026-03-02"),
                ..Establish::default()
            }),
            &inspector(),
            noon("2026-03-01"),
        );
        assert_eq!(reason(future), "INVALID_ARGUMENT");
        let mut team = established("2026-02-15");
        let train = |on: &str| TeamCommand::Train {
            held_on: day(on),
            topic: "水域救援".into(),
            hours: 8,
        };
        assert_eq!(
            reason(team.when(&train("2026-02-14"), &inspector(), noon("2026-03-05"))),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            reason(team.when(&train("2026-03-06"), &inspector(), noon("2026-03-05"))),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            reason(team.when(&train("2026-03-05"), &enterprise(), noon("2026-03-05"))),
            "GOVERNMENT_ROLE_REQUIRED"
        );
        team.then(&train("2026-03-05"), &inspector(), noon("2026-03-05"))
            .unwrap();
        assert_eq!(team.trainings.len(), 1);
    }
}

mod training {
    use super::*;
    use crate::domain::training::{
        TrainingCampaign, TrainingCommand, counts_of, distinct_trainees,
    };
    use hl_proto::plans::v1::TraineeRole;
    use hl_proto::responsibility::v1::Industry;

    fn opened() -> Given<TrainingCampaign> {
        Given::<TrainingCampaign>::new("safety-2026").given(
            &TrainingCommand::Open {
                region: "330903".into(),
                title: "百万员工安全大培训".into(),
                year: 2026,
                target: 7000,
            },
            &inspector(),
            noon("2026-01-05"),
        )
    }

    fn attendee(key: &str, role: TraineeRole, industry: Industry) -> pb::Attendee {
        pb::Attendee {
            person_key: key.into(),
            role: role as i32,
            industry: industry as i32,
        }
    }

    fn session(id: &str, on: &str, attendees: Vec<pb::Attendee>) -> TrainingCommand {
        TrainingCommand::RecordSession {
            session_id: id.into(),
            held_on: day(on),
            topic: "涉氨制冷安全操作".into(),
            attendees,
        }
    }

    #[test]
    fn a_person_trained_twice_counts_once_from_their_first_session() {
        let mut campaign = opened();
        let ammonia = |key| attendee(key, TraineeRole::Operator, Industry::AmmoniaRefrigeration);
        let contractor = |key| {
            attendee(
                key,
                TraineeRole::Contractor,
                Industry::ShipbuildingAndRepair,
            )
        };
        campaign
            .then(
                &session("s-2", "2026-03-10", vec![ammonia("p-1"), contractor("p-2")]),
                &inspector(),
                noon("2026-03-10"),
            )
            .unwrap();
        // Recorded later, held earlier: p-1's first session.
        campaign
            .then(
                &session("s-1", "2026-02-01", vec![ammonia("p-1"), ammonia("p-3")]),
                &inspector(),
                noon("2026-03-11"),
            )
            .unwrap();
        assert_eq!(campaign.trainees.len(), 3);
        assert_eq!(campaign.sessions[1].first_trained, 1);
        let february = campaign.counts_on(day("2026-02-28"));
        assert_eq!(
            (february.trained, february.ammonia_refrigeration_operators),
            (2, 2)
        );
        let march = campaign.counts_on(day("2026-03-31"));
        assert_eq!(
            (
                march.trained,
                march.ammonia_refrigeration_operators,
                march.shipyard_contractors
            ),
            (3, 2, 1)
        );
        assert_eq!(march.by_role.get(&(TraineeRole::Operator as i32)), Some(&2));
    }

    #[test]
    fn the_district_counts_a_person_two_campaigns_trained_once_from_their_earliest_session() {
        let operator = |key| attendee(key, TraineeRole::Operator, Industry::AmmoniaRefrigeration);
        let mut first = opened();
        first
            .then(
                &session("s-1", "2026-04-01", vec![operator("p-1"), operator("p-2")]),
                &inspector(),
                noon("2026-04-01"),
            )
            .unwrap();
        let mut second = Given::<TrainingCampaign>::new("ammonia-2026").given(
            &TrainingCommand::Open {
                region: "330903".into(),
                title: "涉氨制冷专项培训".into(),
                year: 2026,
                target: 500,
            },
            &inspector(),
            noon("2026-01-05"),
        );
        second
            .then(
                &session("s-1", "2026-02-01", vec![operator("p-1"), operator("p-3")]),
                &inspector(),
                noon("2026-02-01"),
            )
            .unwrap();
        let campaigns = [&*first, &*second];
        let distinct = distinct_trainees(campaigns);
        assert_eq!(distinct.len(), 3);
        assert_eq!(distinct["p-1"].first_trained_on, day("2026-02-01"));
        let counted = |on: &str| counts_of(distinct.values().copied(), day(on));
        assert_eq!(counted("2026-03-01").trained, 2, "p-1 and p-3 by March");
        let april = counted("2026-04-30");
        assert_eq!(
            (april.trained, april.ammonia_refrigeration_operators),
            (3, 3)
        );
        let each: u32 = campaigns
            .iter()
            .map(|campaign| campaign.counts_on(day("2026-04-30")).trained)
            .sum();
        assert_eq!(each, 4, "each campaign still counts p-1 in its own row");
    }

    #[test]
    fn a_session_is_recorded_once_within_the_campaigns_year_and_not_before_it_is_held() {
        let mut campaign = opened();
        let one = || vec![attendee("p-1", TraineeRole::Employee, Industry::Other)];
        assert_eq!(
            reason(campaign.when(
                &session("s-1", "2025-12-31", one()),
                &inspector(),
                noon("2026-03-01")
            )),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            reason(campaign.when(
                &session("s-1", "2026-03-02", one()),
                &inspector(),
                noon("2026-03-01")
            )),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            reason(campaign.when(
                &session("s-1", "2026-03-01", one()),
                &enterprise(),
                noon("2026-03-01")
            )),
            "GOVERNMENT_ROLE_REQUIRED"
        );
        campaign
            .then(
                &session("s-1", "2026-03-01", one()),
                &inspector(),
                noon("2026-03-01"),
            )
            .unwrap();
        assert_eq!(
            reason(campaign.when(
                &session("s-1", "2026-03-01", one()),
                &inspector(),
                noon("2026-03-02")
            )),
            "SESSION_RECORDED"
        );
    }
}

#[test]
fn a_plan_in_force_before_it_was_entered_runs_its_cycle_from_that_day() {
    let activate = |since: &str| PlanCommand::Activate {
        in_force_since: Some(day(since)),
    };
    let mut plan = through_to_filed(drafted(PlanLayer::Special, "2026-03-01"), "2026-03-01");
    assert_eq!(
        reason(plan.when(&activate("2026-03-02"), &inspector(), noon("2026-03-01"))),
        "INVALID_ARGUMENT"
    );
    plan.then(&activate("2021-06-01"), &inspector(), noon("2026-03-01"))
        .unwrap();
    // Under the 2013 rules in force that day: three years, so overdue since 2024-06-01.
    assert_eq!(plan.next_evaluation_due, Some(day("2024-06-01")));
    assert_eq!(
        plan.versions[0].rule_version, "plan-rules-2013-10-25",
        "the rules of the day it came into force"
    );
}
