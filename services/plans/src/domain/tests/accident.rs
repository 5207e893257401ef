//! Accidents: the grade at each boundary of the grading rules, the later reports, and who may
//! record them.

use super::*;
use crate::domain::accident::{Accident, AccidentCommand, RecordAccident};
use crate::domain::rules::ACCIDENT_GRADING;
use hl_proto::plans::v1::AccidentGrade;

fn figures(deaths: u32, serious_injuries: u32, direct_loss_fen: i64) -> pb::AccidentFigures {
    pb::AccidentFigures {
        deaths,
        serious_injuries,
        direct_loss_fen,
    }
}

fn recorded(figures: pb::AccidentFigures) -> Given<Accident> {
    Given::<Accident>::new("a-1").given(
        &AccidentCommand::Record(RecordAccident {
            region: "330903".into(),
            title: "冷库液氨泄漏".into(),
            happened_at: noon("2026-07-01"),
            township_code: "330903001".into(),
            place: "沈家门冷库".into(),
            enterprise_id: "ent-1".into(),
            hazards: vec!["hazards/h-1".into()],
            figures,
        }),
        &inspector(),
        noon("2026-07-02"),
    )
}

const WAN_YUAN: i64 = 1_000_000;

#[test]
fn deaths_grade_an_accident_at_each_boundary() {
    let rules = &ACCIDENT_GRADING.in_force(day("2026-07-01")).rules;
    let by_deaths = [
        (0, AccidentGrade::General),
        (2, AccidentGrade::General),
        (3, AccidentGrade::RelativelyMajor),
        (9, AccidentGrade::RelativelyMajor),
        (10, AccidentGrade::Major),
        (29, AccidentGrade::Major),
        (30, AccidentGrade::ExtraordinarilyMajor),
    ];
    for (deaths, grade) in by_deaths {
        assert_eq!(rules.grade(deaths, 0, 0), grade, "{deaths} deaths");
    }
}

#[test]
fn serious_injuries_and_direct_loss_grade_an_accident_at_each_boundary() {
    let rules = &ACCIDENT_GRADING.in_force(day("2026-07-01")).rules;
    let by_injuries = [
        (9, AccidentGrade::General),
        (10, AccidentGrade::RelativelyMajor),
        (49, AccidentGrade::RelativelyMajor),
        (50, AccidentGrade::Major),
        (99, AccidentGrade::Major),
        (100, AccidentGrade::ExtraordinarilyMajor),
    ];
    for (injuries, grade) in by_injuries {
        assert_eq!(rules.grade(0, injuries, 0), grade, "{injuries} injuries");
    }
    let by_loss = [
        (1_000 * WAN_YUAN - 1, AccidentGrade::General),
        (1_000 * WAN_YUAN, AccidentGrade::RelativelyMajor),
        (5_000 * WAN_YUAN - 1, AccidentGrade::RelativelyMajor),
        (5_000 * WAN_YUAN, AccidentGrade::Major),
        (10_000 * WAN_YUAN - 1, AccidentGrade::Major),
        (10_000 * WAN_YUAN, AccidentGrade::ExtraordinarilyMajor),
    ];
    for (loss, grade) in by_loss {
        assert_eq!(rules.grade(0, 0, loss), grade, "{loss} fen");
    }
    // The highest grade any figure reaches.
    assert_eq!(rules.grade(1, 60, 0), AccidentGrade::Major);
}

#[test]
fn a_recorded_accident_is_graded_from_its_figures_not_entered() {
    let accident = recorded(figures(3, 0, 0));
    assert_eq!(accident.grade, AccidentGrade::RelativelyMajor);
    assert_eq!(accident.rule_version, "accident-grading-2007-06-01");
    assert!(accident.grade.is_relatively_major_or_worse());
    assert!(!AccidentGrade::General.is_relatively_major_or_worse());
}

#[test]
fn a_later_report_regrades_and_keeps_every_report_on_the_record() {
    let mut accident = recorded(figures(2, 1, 50 * WAN_YUAN));
    assert_eq!(accident.grade, AccidentGrade::General);
    let revise = |deaths| AccidentCommand::ReviseFigures {
        figures: figures(deaths, 0, 50 * WAN_YUAN),
        reason: "一名重伤人员经抢救无效死亡".into(),
    };
    accident
        .then(&revise(3), &inspector(), noon("2026-07-10"))
        .unwrap();
    assert_eq!(accident.grade, AccidentGrade::RelativelyMajor);
    assert_eq!(accident.first_reported, figures(2, 1, 50 * WAN_YUAN));
    assert_eq!(accident.revisions.len(), 1);
    assert_eq!(
        reason(accident.when(&revise(3), &inspector(), noon("2026-07-11"))),
        "ACCIDENT_FIGURES_UNCHANGED"
    );
    // A lowered figure regrades too, and both reports stay.
    accident
        .then(&revise(2), &inspector(), noon("2026-07-12"))
        .unwrap();
    assert_eq!(accident.grade, AccidentGrade::General);
    let grades: Vec<i32> = accident
        .revisions
        .iter()
        .map(|revision| revision.grade)
        .collect();
    assert_eq!(
        grades,
        [
            AccidentGrade::RelativelyMajor as i32,
            AccidentGrade::General as i32
        ]
    );
}

#[test]
fn only_the_government_records_an_accident_and_only_after_it_happened() {
    let record = |happened_at| {
        AccidentCommand::Record(RecordAccident {
            region: "330903".into(),
            title: "高处坠落".into(),
            happened_at,
            township_code: "330903001".into(),
            place: "船厂".into(),
            enterprise_id: "ent-1".into(),
            hazards: Vec::new(),
            figures: figures(1, 0, 0),
        })
    };
    let blank = Given::<Accident>::new("a-2");
    assert_eq!(
        reason(blank.when(
            &record(noon("2026-07-01")),
            &enterprise(),
            noon("2026-07-02")
        )),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    assert_eq!(
        reason(blank.when(
            &record(noon("2026-07-03")),
            &inspector(),
            noon("2026-07-02")
        )),
        "INVALID_ARGUMENT"
    );
    let mut accident = recorded(figures(1, 0, 0));
    let lower = AccidentCommand::ReviseFigures {
        figures: figures(0, 0, 0),
        reason: "企业称无人死亡".into(),
    };
    assert_eq!(
        reason(accident.when(&lower, &enterprise(), noon("2026-07-03"))),
        "GOVERNMENT_ROLE_REQUIRED"
    );
    accident
        .then(&lower, &inspector(), noon("2026-07-03"))
        .unwrap();
    assert_eq!(accident.revisions[0].revised_by, inspector().id);
}

mod gdp {
    use super::*;
    use crate::domain::gdp::{AnnualGdp, RecordGdp};

    fn record(gdp_wan_yuan: i64, source: &str, reason: &str) -> RecordGdp {
        RecordGdp {
            region: "330903".into(),
            year: 2025,
            gdp_wan_yuan,
            source: source.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn a_years_gdp_is_revised_only_with_a_reason_and_every_entry_stays() {
        let new = Given::<AnnualGdp>::new("2025");
        assert_eq!(
            reason(new.when(
                &record(6_120_000, "统计公报", ""),
                &enterprise(),
                noon("2026-03-01")
            )),
            "GOVERNMENT_ROLE_REQUIRED"
        );
        let mut gdp = new.given(
            &record(6_120_000, "统计公报", ""),
            &administrator(),
            noon("2026-03-01"),
        );
        assert_eq!(gdp.gdp_yi_yuan(), Some(612.0));
        assert_eq!(
            reason(gdp.when(
                &record(6_120_000, "统计公报", "复核"),
                &administrator(),
                noon("2026-04-01")
            )),
            "GDP_UNCHANGED"
        );
        assert_eq!(
            reason(gdp.when(
                &record(6_200_000, "统计年鉴", ""),
                &administrator(),
                noon("2026-04-01")
            )),
            "INVALID_ARGUMENT"
        );
        gdp.then(
            &record(6_200_000, "统计年鉴", "统计局修订"),
            &administrator(),
            noon("2026-09-01"),
        )
        .unwrap();
        assert_eq!(gdp.gdp_wan_yuan(), Some(6_200_000));
        assert_eq!(gdp.entries.len(), 2, "the first figure stays on the record");
        assert_eq!(gdp.entries[1].reason, "统计局修订");
    }
}
