//! Mapping version 1 of the national dual-prevention (双重预防) upload object 隐患信息
//! (`sec_hidden_danger_info`): one record per hazard of an enterprise that has a
//! hazardous-chemicals registration code. docs/outbound-dual-prevention.md documents every field.
//!
//! The mapping is pure: the hazard as the read model holds it, the events of its history, and
//! the enterprise's 9-digit code go in; the record, or the reason it is held back, comes out.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use hl_hazards::domain::hazard::is_government_provenance;
use hl_hazards::read_models::hazards::HazardRow;
use hl_proto::hazards::v1::{HazardCategory, HazardLevel, HazardStatus, SourceType};
use serde::Serialize;

/// The mapping's version, carried by every batch: a change of any field's meaning is a new
/// version, documented next to the old one.
pub const MAPPING_VERSION: u32 = 1;

/// The upload object, by its path on the national platform.
pub const OBJECT: &str = "sec_hidden_danger_info";

/// The namespace of the records' UUIDs: a record's id is the version-5 UUID of
/// "hazards/{hazard_id}" in it, so it never changes, whatever restarts or rebuilds.
const RECORD_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6f1e_2a4c_9b3d_4e57_8a61_c0d2_f3e4_a5b6);

/// The stable id of a hazard's record.
pub fn record_id(hazard_id: &str) -> String {
    uuid::Uuid::new_v5(&RECORD_NAMESPACE, format!("hazards/{hazard_id}").as_bytes()).to_string()
}

/// One step of a hazard's history, as the mapping needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The event's short name, e.g. "RectificationVerified".
    pub event_type: String,
    pub actor_id: String,
    /// Business time.
    pub at: DateTime<Utc>,
}

/// What goes into one record.
pub struct HazardSource<'a> {
    pub hazard: &'a HazardRow,
    /// The enterprise's 9-digit hazardous-chemicals registration code.
    pub company_code: &'a str,
    /// The hazard's history, in stream order.
    pub steps: &'a [Step],
    /// When the record's content last changed (see [`Record`]'s `update_date`).
    pub updated_at: DateTime<Utc>,
    /// Sent as deleted (`deleted` = "1"): the enterprise no longer has a code.
    pub deleted: bool,
}

/// Why a hazard is not sent yet. It is sent once the reason goes away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// `dangerLevel` is required and the hazard is not graded yet.
    NotGraded,
    /// `dangerState` 9 (已验收) needs the acceptor and the time, and no verifying step names
    /// them.
    NoAcceptor,
}

impl Held {
    pub fn as_str(self) -> &'static str {
        match self {
            Held::NotGraded => "not graded yet: dangerLevel is required",
            Held::NoAcceptor => "accepted without a verifying step: checkAcceptPerson is required",
        }
    }
}

/// The 隐患信息 record. Codes travel as strings, as the uploaders read do; times as
/// "yyyy-MM-dd HH:mm:ss" in Asia/Shanghai.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub id: String,
    pub company_code: String,
    /// "0" valid, "1" deleted.
    pub deleted: String,
    /// When the hazard was recorded.
    pub create_date: String,
    pub create_by: String,
    /// When the record's content last changed: the recording time of the hazard's latest event,
    /// or, for a change that is not the hazard's (its enterprise's code), when the feed saw it.
    /// A receiver's delta is keyed on it.
    pub update_date: String,
    pub update_by: String,
    /// The 12-digit hazard-source code: not kept by the ledger, sent empty.
    pub hazard_code: String,
    /// Check-task bindings (risk measure, check record): not kept by the ledger, sent empty.
    pub risk_measure_id: String,
    pub check_record_id: String,
    pub danger_name: String,
    /// "0" 一般, "1" 重大.
    pub danger_level: String,
    /// When the hazard was found.
    pub regist_time: String,
    pub registrant: String,
    /// "1"-"10", see [`danger_source`].
    pub danger_src: String,
    /// The inspection that found a government-side hazard (links the two ledgers); empty for
    /// the enterprise's own.
    pub enforcement_id: String,
    /// "0" 即查即改, "1" 限期整改.
    pub danger_manage_type: String,
    /// "1"-"8", see [`danger_type`].
    pub hazard_danger_type: String,
    /// "0" 其他: the ledger does not record which responsible person registered it.
    pub hazard_category: String,
    pub danger_desc: String,
    pub danger_reason: String,
    pub control_measures: String,
    pub cost: String,
    pub liable_person: String,
    /// The rectification deadline, at the end of its day; empty without one.
    pub danger_manage_deadline: String,
    pub check_accept_person: String,
    pub check_accept_time: String,
    pub check_accept_comment: String,
    /// "0" 整改中, "1" 待验收, "9" 已验收.
    pub danger_state: String,
}

/// The record of a hazard, or why it is held back. A deleted record is never held back: the
/// receiver must hear of the deletion.
pub fn record(source: &HazardSource<'_>) -> Result<Record, Held> {
    let hazard = source.hazard;
    let lifecycle = &hazard.lifecycle;
    let level = match lifecycle.level {
        HazardLevel::General => "0",
        HazardLevel::Major => "1",
        HazardLevel::Unspecified if source.deleted => "",
        HazardLevel::Unspecified => return Err(Held::NotGraded),
    };
    let state = danger_state(lifecycle.status);
    let acceptance = acceptance(source.steps);
    let (accept_person, accept_time) = match (state, acceptance) {
        ("9", Some(step)) => (step.actor_id.clone(), time(step.at)),
        ("9", None) if !source.deleted => return Err(Held::NoAcceptor),
        _ => (String::new(), String::new()),
    };
    let fixed_on_spot = lifecycle.status == HazardStatus::FixedOnSpot
        || source
            .steps
            .iter()
            .any(|step| step.event_type == "HazardFixedOnSpot");
    let registrant = source
        .steps
        .first()
        .map(|step| step.actor_id.clone())
        .unwrap_or_default();
    let updater = source
        .steps
        .last()
        .map(|step| step.actor_id.clone())
        .unwrap_or_default();
    let government = is_government_provenance(hazard.facts.provenance);
    Ok(Record {
        id: record_id(&hazard.facts.hazard_id),
        company_code: source.company_code.to_string(),
        deleted: if source.deleted { "1" } else { "0" }.to_string(),
        create_date: time(hazard.facts.recorded_at),
        create_by: registrant.clone(),
        update_date: time(source.updated_at),
        update_by: updater,
        hazard_code: String::new(),
        risk_measure_id: String::new(),
        check_record_id: String::new(),
        danger_name: name(&hazard.facts.description),
        danger_level: level.to_string(),
        regist_time: time(hazard.facts.reported_at),
        registrant,
        danger_src: danger_source(hazard.facts.source_type).to_string(),
        enforcement_id: if government {
            hazard.facts.inspection_id.clone()
        } else {
            String::new()
        },
        danger_manage_type: if fixed_on_spot { "0" } else { "1" }.to_string(),
        hazard_danger_type: danger_type(hazard.facts.category).to_string(),
        hazard_category: "0".to_string(),
        danger_desc: hazard.facts.description.clone(),
        danger_reason: String::new(),
        control_measures: String::new(),
        cost: String::new(),
        liable_person: String::new(),
        danger_manage_deadline: lifecycle.deadline.map(end_of_day).unwrap_or_default(),
        check_accept_person: accept_person,
        check_accept_time: accept_time,
        check_accept_comment: String::new(),
        danger_state: state.to_string(),
    })
}

/// 0 整改中 until the enterprise claims it fixed, 1 待验收 while the claim waits, 9 已验收 once
/// verified, fixed on the spot or closed out.
fn danger_state(status: HazardStatus) -> &'static str {
    match status {
        HazardStatus::AwaitingVerification => "1",
        HazardStatus::Verified | HazardStatus::FixedOnSpot | HazardStatus::Closed => "9",
        HazardStatus::Unspecified
        | HazardStatus::Reported
        | HazardStatus::Graded
        | HazardStatus::Rectifying => "0",
    }
}

/// The step that accepted the hazard: its latest verification, or its fix on the spot.
fn acceptance(steps: &[Step]) -> Option<&Step> {
    steps.iter().rev().find(|step| {
        matches!(
            step.event_type.as_str(),
            "RectificationVerified" | "HazardFixedOnSpot"
        )
    })
}

/// `dangerSrc`: 1 日常排查, 2 综合性, 3 专业性, 4 季节性, 5 重点时段及节假日前, 6 事故类比,
/// 7 复产复工前, 8 外聘专家诊断式, 10 其他. (9, 管控措施失效, is a check task's finding the
/// ledger does not record.)
pub fn danger_source(source: SourceType) -> &'static str {
    match source {
        SourceType::Routine => "1",
        SourceType::Comprehensive => "2",
        SourceType::Specialist => "3",
        SourceType::Seasonal => "4",
        SourceType::PreHoliday => "5",
        SourceType::AccidentAnalogy => "6",
        SourceType::PreResumption => "7",
        SourceType::ExpertDiagnosis => "8",
        SourceType::UpstreamAssignment
        | SourceType::Tipoff
        | SourceType::Sensor
        | SourceType::Unspecified => "10",
    }
}

/// `hazardDangerType`: 1 安全, 2 工艺, 3 电气, 5 消防, 7 设备, 8 其他 (4 仪表 and 6 总图 have no
/// category of their own in the ledger).
pub fn danger_type(category: HazardCategory) -> &'static str {
    match category {
        HazardCategory::ConfinedSpace
        | HazardCategory::HotWork
        | HazardCategory::Lifting
        | HazardCategory::WorkAtHeight
        | HazardCategory::Dust
        | HazardCategory::Gas
        | HazardCategory::Mining
        | HazardCategory::SafetyManagement => "1",
        HazardCategory::AmmoniaRefrigeration | HazardCategory::HazardousChemicals => "2",
        HazardCategory::TemporaryElectricity | HazardCategory::Electrical => "3",
        HazardCategory::FireSafety => "5",
        HazardCategory::SpecialEquipment | HazardCategory::Machinery => "7",
        HazardCategory::Other | HazardCategory::Unspecified => "8",
    }
}

/// The hazard's name: the first line of its description, at most 50 characters.
fn name(description: &str) -> String {
    description
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(50)
        .collect()
}

/// "yyyy-MM-dd HH:mm:ss" in Asia/Shanghai.
pub fn time(instant: DateTime<Utc>) -> String {
    hl_domain::clock::local_date_time(instant)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The instant of a "yyyy-MM-dd HH:mm:ss" Asia/Shanghai time, as [`time`] writes it.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok()?;
    Some(hl_domain::clock::local_instant(local.date(), local.time()))
}

fn end_of_day(day: NaiveDate) -> String {
    time(hl_domain::clock::local_instant(
        day,
        NaiveTime::from_hms_opt(23, 59, 59).expect("a time of day"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hl_hazards::domain::hazard::{HazardFacts, HazardLifecycle};
    use hl_proto::hazards::v1::Provenance;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("an RFC 3339 time")
    }

    fn hazard(status: HazardStatus, level: HazardLevel) -> HazardRow {
        HazardRow {
            facts: HazardFacts {
                hazard_id: "h-1".into(),
                enterprise_id: "91330903MA2NCU4LYE".into(),
                provenance: Provenance::GovernmentInspection,
                source_type: SourceType::Specialist,
                category: HazardCategory::Electrical,
                description: "配电箱未接地\n二楼车间东侧".into(),
                inspection_id: "insp-7".into(),
                reported_at: at("2026-03-02T01:00:00Z"),
                recorded_at: at("2026-03-02T02:00:00Z"),
                ..Default::default()
            },
            lifecycle: HazardLifecycle {
                status,
                level,
                deadline: NaiveDate::from_ymd_opt(2026, 3, 31),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn step(event_type: &str, actor_id: &str, time: &str) -> Step {
        Step {
            event_type: event_type.into(),
            actor_id: actor_id.into(),
            at: at(time),
        }
    }

    fn source<'a>(hazard: &'a HazardRow, steps: &'a [Step]) -> HazardSource<'a> {
        HazardSource {
            hazard,
            company_code: "330901234",
            steps,
            updated_at: at("2026-03-20T08:00:00Z"),
            deleted: false,
        }
    }

    #[test]
    fn a_government_finding_keeps_its_inspection_and_maps_every_code() {
        let row = hazard(HazardStatus::Rectifying, HazardLevel::Major);
        let steps = [step("HazardReported", "officer-1", "2026-03-02T01:00:00Z")];
        let record = record(&source(&row, &steps)).expect("a record");
        assert_eq!(record.id, record_id("h-1"));
        assert_eq!(record.id.len(), 36);
        assert_eq!(record.company_code, "330901234");
        assert_eq!(record.deleted, "0");
        assert_eq!(record.danger_level, "1");
        assert_eq!(record.danger_src, "3");
        assert_eq!(record.hazard_danger_type, "3");
        assert_eq!(record.danger_manage_type, "1");
        assert_eq!(record.danger_state, "0");
        assert_eq!(record.enforcement_id, "insp-7");
        assert_eq!(record.danger_name, "配电箱未接地");
        assert_eq!(record.regist_time, "2026-03-02 09:00:00");
        assert_eq!(record.create_date, "2026-03-02 10:00:00");
        assert_eq!(record.update_date, "2026-03-20 16:00:00");
        assert_eq!(record.danger_manage_deadline, "2026-03-31 23:59:59");
        assert_eq!(record.registrant, "officer-1");
        assert!(record.check_accept_person.is_empty());
    }

    #[test]
    fn acceptance_needs_its_acceptor_and_time() {
        let row = hazard(HazardStatus::Closed, HazardLevel::General);
        let verified = [
            step("HazardReported", "officer-1", "2026-03-02T01:00:00Z"),
            step("RectificationClaimed", "ent-1", "2026-03-10T01:00:00Z"),
            step("RectificationVerified", "officer-2", "2026-03-12T02:30:00Z"),
            step("HazardClosed", "officer-2", "2026-03-12T03:00:00Z"),
        ];
        let record = record(&source(&row, &verified)).expect("a record");
        assert_eq!(record.danger_state, "9");
        assert_eq!(record.check_accept_person, "officer-2");
        assert_eq!(record.check_accept_time, "2026-03-12 10:30:00");
        assert_eq!(record.update_by, "officer-2");

        let unverified = [step("HazardReported", "officer-1", "2026-03-02T01:00:00Z")];
        assert_eq!(
            super::record(&source(&row, &unverified)),
            Err(Held::NoAcceptor)
        );
    }

    #[test]
    fn a_fix_on_the_spot_is_accepted_at_once_and_managed_immediately() {
        let mut row = hazard(HazardStatus::FixedOnSpot, HazardLevel::General);
        row.facts.provenance = Provenance::EnterpriseSelf;
        let steps = [
            step("HazardReported", "ent-1", "2026-03-02T01:00:00Z"),
            step("HazardFixedOnSpot", "ent-1", "2026-03-02T01:20:00Z"),
        ];
        let record = record(&source(&row, &steps)).expect("a record");
        assert_eq!(record.danger_manage_type, "0");
        assert_eq!(record.danger_state, "9");
        assert_eq!(record.check_accept_person, "ent-1");
        assert!(record.enforcement_id.is_empty(), "the enterprise's own");
    }

    #[test]
    fn an_ungraded_hazard_waits_unless_it_is_a_deletion() {
        let row = hazard(HazardStatus::Reported, HazardLevel::Unspecified);
        let steps = [step("HazardReported", "officer-1", "2026-03-02T01:00:00Z")];
        assert_eq!(record(&source(&row, &steps)), Err(Held::NotGraded));
        let mut deletion = source(&row, &steps);
        deletion.deleted = true;
        let record = record(&deletion).expect("a deletion is always sent");
        assert_eq!(record.deleted, "1");
    }

    #[test]
    fn times_read_back_as_written() {
        let instant = at("2026-03-12T02:30:07Z");
        assert_eq!(parse_time(&time(instant)), Some(instant));
        assert_eq!(parse_time("2026-03-12T10:30:07"), None);
    }

    #[test]
    fn the_states_follow_the_lifecycle() {
        for (status, state) in [
            (HazardStatus::Reported, "0"),
            (HazardStatus::Graded, "0"),
            (HazardStatus::Rectifying, "0"),
            (HazardStatus::AwaitingVerification, "1"),
            (HazardStatus::Verified, "9"),
            (HazardStatus::FixedOnSpot, "9"),
            (HazardStatus::Closed, "9"),
        ] {
            assert_eq!(danger_state(status), state, "{status:?}");
        }
        assert_eq!(danger_source(SourceType::Tipoff), "10");
        assert_eq!(danger_source(SourceType::Routine), "1");
        assert_eq!(danger_type(HazardCategory::FireSafety), "5");
    }
}
