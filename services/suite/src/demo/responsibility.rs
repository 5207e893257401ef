//! The demo's responsibilities: the two inspectors answer for most of the enterprises and the
//! grid heads for their cells, one enterprise is left without a responsible officer (the gap
//! the coverage query shows), and the 海岛民宿消防安全 major problem is partly done: one of its
//! sub-tasks complete, the other open. The month before last is closed for one inspector: no
//! inspection of the demo is that old, so it closes short, with its gap.

use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::{Duty, ObjectKind, SafetyItemKind};
use tonic::Status;

use super::{Demo, ENTERPRISES, Who, photo};

/// The enterprise of [`ENTERPRISES`] no one answers for, as a gap to show.
const UNASSIGNED: usize = 5;

/// The inspector whose month before last the demo closes.
const SHORT_OFFICER: &str = "officer-li-na";

/// The month before last: over, and older than any step the demo dates.
pub(crate) fn short_month(today: chrono::NaiveDate) -> (i32, u32) {
    use chrono::Datelike;
    let months = today.year() * 12 + today.month0() as i32 - 2;
    (months.div_euclid(12), months.rem_euclid(12) as u32 + 1)
}

/// The id of a year's evaluation.
pub(crate) fn evaluation_id(year: i32) -> String {
    format!("townships-{year}")
}

/// The major problem the demo lists.
pub(crate) const HOMESTAY_FIRE: &str = "homestay-fire-safety";

impl Demo {
    pub(super) async fn seed_responsibility(&mut self) -> Result<(), Status> {
        self.at(0);
        let start_of_year =
            chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&self.today()), 1, 1)
                .unwrap_or_default();
        for (index, enterprise) in ENTERPRISES.iter().enumerate() {
            if index == UNASSIGNED {
                continue;
            }
            let officer = if index % 2 == 0 {
                "officer-zhang-wei"
            } else {
                "officer-li-na"
            };
            self.assign(
                ObjectKind::Enterprise,
                enterprise.code,
                officer,
                Duty::ResponsibleOfficer,
                start_of_year,
            )
            .await?;
        }
        for (cell, head) in [("shenjiamen-01", "grid-chen"), ("liuheng-01", "grid-wu")] {
            self.assign(
                ObjectKind::GridCell,
                cell,
                head,
                Duty::GridHead,
                start_of_year,
            )
            .await?;
        }
        self.homestay_fire_safety().await?;
        self.liuheng_centre().await?;
        self.evaluation().await?;
        let (year, month) = short_month(self.today());
        let close = pb::CloseDutyPeriodRequest {
            request_id: self.next_request_id(),
            person_id: SHORT_OFFICER.into(),
            year,
            month: month as i32,
            ..Default::default()
        };
        self.responsibility
            .close_duty_period(self.request(close, Who::Administrator))
            .await?;
        Ok(())
    }

    async fn assign(
        &mut self,
        kind: ObjectKind,
        object_id: &str,
        person_id: &str,
        duty: Duty,
        from: chrono::NaiveDate,
    ) -> Result<(), Status> {
        let request = pb::AssignResponsibilityRequest {
            request_id: self.next_request_id(),
            object: Some(pb::ResponsibilityObject {
                kind: kind as i32,
                object_id: object_id.into(),
            }),
            person_id: person_id.into(),
            duties: vec![duty as i32],
            valid_from: Some(from.into()),
            ..Default::default()
        };
        self.responsibility
            .assign_responsibility(self.request(request, Who::Administrator))
            .await?;
        Ok(())
    }

    /// The year's evaluation of the townships (责任考评), its entered items scored from the
    /// townships' reports; the computed ones are read from the ledgers.
    async fn evaluation(&mut self) -> Result<(), Status> {
        let year = chrono::Datelike::year(&self.today());
        let opened = pb::OpenEvaluationRequest {
            request_id: self.next_request_id(),
            evaluation_id: evaluation_id(year),
            year,
            ..Default::default()
        };
        self.responsibility
            .open_evaluation(self.request(opened, Who::Administrator))
            .await?;
        for (index, (township, _, _)) in super::TOWNSHIPS.iter().enumerate() {
            for (item, score) in [("CENTRE_BUILDING", 15 - index as u32), ("TRAINING", 12)] {
                let entered = pb::EnterEvaluationScoreRequest {
                    request_id: self.next_request_id(),
                    name: format!("evaluations/{}", evaluation_id(year)),
                    unit: township.to_string(),
                    item_code: item.into(),
                    score,
                    evidence: vec![photo(&format!("{township} {item} 考评材料"))],
                    ..Default::default()
                };
                self.responsibility
                    .enter_evaluation_score(self.request(entered, Who::Administrator))
                    .await?;
            }
        }
        Ok(())
    }

    /// 六横镇应急管理中心: established with its venue, one of the three staff the standard asks
    /// for, today's duty and part of its equipment: not yet to standard (T11).
    async fn liuheng_centre(&mut self) -> Result<(), Status> {
        let township = "330903101";
        let name = format!("emergencyCentres/{township}");
        let established = pb::EstablishEmergencyCentreRequest {
            request_id: self.next_request_id(),
            township_code: township.into(),
            org_unit_id: "liuheng-emergency-centre".into(),
            display_name: "六横镇应急管理中心".into(),
            command_venue: "六横镇人民政府应急指挥室".into(),
            ..Default::default()
        };
        self.responsibility
            .establish_emergency_centre(self.request(established, Who::Administrator))
            .await?;
        let staffed = pb::SetCentreStaffRequest {
            request_id: self.next_request_id(),
            name: name.clone(),
            staff_ids: vec!["grid-wu".into()],
            command_venue: "六横镇人民政府应急指挥室".into(),
            ..Default::default()
        };
        self.responsibility
            .set_centre_staff(self.request(staffed, Who::Administrator))
            .await?;
        let rostered = pb::SetCentreRosterRequest {
            request_id: self.next_request_id(),
            name: name.clone(),
            days: vec![pb::RosterDay {
                day: Some(self.day(0)),
                person_id: "grid-wu".into(),
            }],
            ..Default::default()
        };
        self.responsibility
            .set_centre_roster(self.request(rostered, Who::Administrator))
            .await?;
        let equipped = pb::RecordCentreEquipmentRequest {
            request_id: self.next_request_id(),
            name,
            equipment: [
                ("SATELLITE_PHONE", 1),
                ("LOUDSPEAKER", 2),
                ("LIFE_JACKET", 12),
            ]
            .iter()
            .map(|(code, quantity)| pb::EquipmentCount {
                code: code.to_string(),
                quantity: *quantity,
            })
            .collect(),
            ..Default::default()
        };
        self.responsibility
            .record_centre_equipment(self.request(equipped, Who::Administrator))
            .await?;
        Ok(())
    }

    /// 海岛民宿消防安全: listed, accepted, its Zhujiajian sub-task done and Liuheng's still open.
    async fn homestay_fire_safety(&mut self) -> Result<(), Status> {
        let name = format!("safetyItems/{HOMESTAY_FIRE}");
        let listed = pb::ListSafetyItemRequest {
            request_id: self.next_request_id(),
            item_id: HOMESTAY_FIRE.into(),
            kind: SafetyItemKind::MajorIssue as i32,
            year: chrono::Datelike::year(&self.today()),
            title: "海岛民宿消防安全".into(),
            description: "海岛民宿消防设施不足、疏散通道不畅".into(),
            lead_unit_id: "putuo-safety-committee".into(),
            deadline: Some(self.day(60)),
            ..Default::default()
        };
        self.responsibility
            .list_safety_item(self.request(listed, Who::Administrator))
            .await?;
        let accepted = pb::SafetyItemStepRequest {
            request_id: self.next_request_id(),
            name: name.clone(),
            note: "普陀区安委会牵头".into(),
            ..Default::default()
        };
        self.responsibility
            .accept_safety_item(self.request(accepted, Who::Administrator))
            .await?;
        for (sub_task, township, what, deadline) in [
            ("zhujiajian", "330903003", "朱家尖民宿消防设施排查整治", 20),
            ("liuheng", "330903101", "六横民宿疏散通道整治", 45),
        ] {
            let assigned = pb::AssignSubTaskRequest {
                request_id: self.next_request_id(),
                name: name.clone(),
                sub_task_id: sub_task.into(),
                assignee: township.into(),
                description: what.into(),
                deadline: Some(self.day(deadline)),
                ..Default::default()
            };
            self.responsibility
                .assign_sub_task(self.request(assigned, Who::Administrator))
                .await?;
        }
        let done = pb::CompleteSubTaskRequest {
            request_id: self.next_request_id(),
            name,
            sub_task_id: "zhujiajian".into(),
            note: "已排查民宿 38 家，整改完毕".into(),
            evidence: vec![photo("朱家尖民宿消防整改照片")],
            ..Default::default()
        };
        self.responsibility
            .complete_sub_task(self.request(done, Who::Inspector))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::short_month;

    #[test]
    fn the_month_before_last_crosses_the_new_year() {
        let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        assert_eq!(short_month(day("2026-11-30")), (2026, 9));
        assert_eq!(short_month(day("2026-02-01")), (2025, 12));
        assert_eq!(short_month(day("2026-01-15")), (2025, 11));
    }
}
