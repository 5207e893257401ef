//! The demo's emergency plans: the district's 总体 plan and two 专项 plans in force, and a
//! typhoon drill whose finding has put the typhoon plan under revision; and the cold store's own
//! drills of the year.

use chrono::Datelike;
use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::PlanLayer;
use hl_proto::responsibility::v1::Industry;
use tonic::Status;

use super::{Demo, ENTERPRISES, TOWNSHIPS, Who};

impl Demo {
    pub(super) async fn seed_plans(&mut self) -> Result<(), Status> {
        self.at(0);
        self.put_the_district_plans_in_force().await?;
        self.drill_the_typhoon_plan().await?;
        self.drill_the_cold_store().await
    }

    /// The 总体 plan and two 专项 plans under it, each drafted and brought into force.
    async fn put_the_district_plans_in_force(&mut self) -> Result<(), Status> {
        // The hazardous-chemicals plan has been in force since mid-2021, before the system: its
        // evaluation fell due in 2024 and is overdue.
        let since_2021 = chrono::NaiveDate::from_ymd_opt(2021, 6, 1);
        for (plan_id, layer, title, parent, in_force_since) in [
            (
                "putuo-overall",
                PlanLayer::Overall,
                "普陀区突发事件总体应急预案",
                "",
                None,
            ),
            (
                "putuo-typhoon",
                PlanLayer::Special,
                "普陀区防台风应急预案",
                "putuo-overall",
                None,
            ),
            (
                "putuo-hazchem",
                PlanLayer::Special,
                "普陀区危险化学品事故应急预案",
                "putuo-overall",
                since_2021,
            ),
        ] {
            let draft = pb::DraftPlanRequest {
                request_id: self.next_request_id(),
                plan_id: plan_id.into(),
                layer: layer as i32,
                title: title.into(),
                owner_unit_id: "putuo-emergency-bureau".into(),
                parent_plan_id: parent.into(),
                ..Default::default()
            };
            self.plans
                .draft_plan(self.request(draft, Who::Inspector))
                .await?;
            self.plan_to_active(plan_id, in_force_since).await?;
        }
        Ok(())
    }

    /// A typhoon drill whose finding puts the typhoon plan under revision.
    async fn drill_the_typhoon_plan(&mut self) -> Result<(), Status> {
        let drill = pb::RecordDrillRequest {
            request_id: self.next_request_id(),
            drill_id: "typhoon-drill".into(),
            plan_ids: vec!["putuo-typhoon".into()],
            subject: "沈家门渔港防台风人员转移演练".into(),
            kind: pb::DrillKind::Special as i32,
            form: pb::DrillForm::Live as i32,
            held_on: Some(self.day(0)),
            participants: 150,
            evaluation: "转移组织有序，渔港路线标识不足".into(),
            findings: vec![pb::DrillFinding {
                finding_id: "routes".into(),
                description: "渔港转移路线标识不清".into(),
                requires_revision: true,
            }],
            ..Default::default()
        };
        self.plans
            .record_drill(self.request(drill, Who::Inspector))
            .await?;
        let revision = pb::StartPlanRevisionRequest {
            request_id: self.next_request_id(),
            name: "emergencyPlans/putuo-typhoon".into(),
            trigger: pb::RevisionTrigger::DrillFinding as i32,
            note: "演练发现转移路线问题".into(),
            drill_id: "typhoon-drill".into(),
            finding_id: "routes".into(),
            summary: "明确渔港转移路线与标识".into(),
            ..Default::default()
        };
        self.plans
            .start_plan_revision(self.request(revision, Who::Inspector))
            .await?;
        Ok(())
    }

    /// The cold store's own drills, so its drill duty for the year has records to count.
    async fn drill_the_cold_store(&mut self) -> Result<(), Status> {
        // The cold store's own drills this year: its comprehensive drill today, and an on-site
        // drill in each half year so far.
        let today = self.today();
        let mid_june = chrono::NaiveDate::from_ymd_opt(today.year(), 6, 15).unwrap_or(today);
        for (drill_id, kind, subject, held_on) in [
            (
                "cold-store-comprehensive",
                pb::DrillKind::Comprehensive,
                "冷库综合应急演练",
                today,
            ),
            (
                "cold-store-ammonia-spring",
                pb::DrillKind::OnSite,
                "液氨泄漏现场处置演练",
                mid_june.min(today),
            ),
            (
                "cold-store-ammonia-autumn",
                pb::DrillKind::OnSite,
                "液氨泄漏现场处置演练",
                today,
            ),
        ] {
            let drill = pb::RecordDrillRequest {
                request_id: self.next_request_id(),
                drill_id: drill_id.into(),
                enterprise_id: ENTERPRISES[0].code.into(),
                subject: subject.into(),
                kind: kind as i32,
                form: pb::DrillForm::Live as i32,
                held_on: Some(held_on.into()),
                participants: 24,
                ..Default::default()
            };
            self.plans
                .record_drill(self.request(drill, Who::Inspector))
                .await?;
        }
        Ok(())
    }

    async fn plan_to_active(
        &mut self,
        plan_id: &str,
        in_force_since: Option<chrono::NaiveDate>,
    ) -> Result<(), Status> {
        let name = format!("emergencyPlans/{plan_id}");
        for (step, text) in [
            ("review", ""),
            ("approve", "普政办发〔2026〕12号"),
            ("publish", ""),
            ("file", "舟应急备〔2026〕21号"),
            ("activate", ""),
        ] {
            let request = pb::PlanStepRequest {
                request_id: self.next_request_id(),
                name: name.clone(),
                text: text.into(),
                ..Default::default()
            };
            match step {
                "review" => {
                    self.plans
                        .submit_plan_for_review(self.request(request, Who::Inspector))
                        .await?
                }
                "approve" => {
                    self.plans
                        .approve_plan(self.request(request, Who::Administrator))
                        .await?
                }
                "publish" => {
                    self.plans
                        .publish_plan(self.request(request, Who::Inspector))
                        .await?
                }
                "file" => {
                    self.plans
                        .file_plan(self.request(request, Who::Inspector))
                        .await?
                }
                _ => {
                    let request = pb::PlanStepRequest {
                        in_force_since: in_force_since.map(Into::into),
                        ..request
                    };
                    self.plans
                        .activate_plan(self.request(request, Who::Inspector))
                        .await?
                }
            };
        }
        Ok(())
    }
}

impl Demo {
    /// Four shelters: two certified this year (T5 counts them), one certified before, and one
    /// not yet; the school is open for a typhoon with people in it.
    pub(super) async fn seed_shelters(&mut self) -> Result<(), Status> {
        self.at(0);
        let today = self.today();
        let last_year = chrono::NaiveDate::from_ymd_opt(today.year() - 1, 9, 1).unwrap_or(today);
        for (shelter_id, title, township, capacity, certified_on) in [
            (
                "shenjiamen-school",
                "沈家门小学避灾安置点",
                "330903001",
                300,
                Some(today),
            ),
            (
                "zhujiajian-hall",
                "朱家尖文化礼堂",
                "330903003",
                150,
                Some(today),
            ),
            (
                "liuheng-centre",
                "六横镇避灾安置中心",
                "330903101",
                500,
                Some(last_year),
            ),
            ("taohua-hall", "桃花镇村避灾点", "330903102", 80, None),
        ] {
            let register = pb::RegisterShelterRequest {
                request_id: self.next_request_id(),
                shelter_id: shelter_id.into(),
                title: title.into(),
                level: pb::ShelterLevel::Township as i32,
                township_code: township.into(),
                location: title.into(),
                capacity,
                ..Default::default()
            };
            self.plans
                .register_shelter(self.request(register, Who::Inspector))
                .await?;
            if let Some(on) = certified_on {
                let certify = pb::CertifyShelterRequest {
                    request_id: self.next_request_id(),
                    name: format!("shelters/{shelter_id}"),
                    certified_on: Some(on.into()),
                    certificate: "规范化避灾安置场所".into(),
                    ..Default::default()
                };
                self.plans
                    .certify_shelter(self.request(certify, Who::Inspector))
                    .await?;
            }
        }
        let open = pb::ShelterStepRequest {
            request_id: self.next_request_id(),
            name: "shelters/shenjiamen-school".into(),
            text: "台风预警，转移渔民".into(),
            ..Default::default()
        };
        self.plans
            .open_shelter(self.request(open, Who::Inspector))
            .await?;
        let occupancy = pb::ReportShelterOccupancyRequest {
            request_id: self.next_request_id(),
            name: "shelters/shenjiamen-school".into(),
            persons: 126,
            ..Default::default()
        };
        self.plans
            .report_shelter_occupancy(self.request(occupancy, Who::Inspector))
            .await?;
        Ok(())
    }
}

impl Demo {
    /// The district's comprehensive rescue team, and one in every demo township but the last,
    /// so T9 shows its gap.
    pub(super) async fn seed_rescue_teams(&mut self) -> Result<(), Status> {
        self.at(0);
        let established_on = chrono::NaiveDate::from_ymd_opt(2023, 3, 1).map(Into::into);
        let mut teams = vec![(
            "putuo-district".to_string(),
            "普陀区综合应急救援大队".to_string(),
            pb::TeamLevel::District,
            String::new(),
        )];
        let served = TOWNSHIPS.len().saturating_sub(1);
        for (code, name, _) in &TOWNSHIPS[..served] {
            teams.push((
                format!("team-{code}"),
                format!("{name}综合应急救援队"),
                pb::TeamLevel::Township,
                code.to_string(),
            ));
        }
        for (team_id, title, level, township_code) in teams {
            let establish = pb::EstablishRescueTeamRequest {
                request_id: self.next_request_id(),
                team_id,
                title,
                level: level as i32,
                kind: pb::TeamKind::Comprehensive as i32,
                township_code,
                established_on,
                ..Default::default()
            };
            self.plans
                .establish_rescue_team(self.request(establish, Who::Inspector))
                .await?;
        }
        Ok(())
    }
}

impl Demo {
    /// The year's training campaign, part-way: a session for the cold stores' ammonia operators
    /// and one for the shipyards' contractors, where some operators come again.
    pub(super) async fn seed_training(&mut self) -> Result<(), Status> {
        self.at(0);
        let today = self.today();
        let open = pb::OpenTrainingCampaignRequest {
            request_id: self.next_request_id(),
            campaign_id: format!("safety-training-{}", today.year()),
            title: "企业百万员工安全大培训".into(),
            year: today.year(),
            target: 7000,
            ..Default::default()
        };
        self.plans
            .open_training_campaign(self.request(open, Who::Inspector))
            .await?;
        let attendee = |key: u32, role: pb::TraineeRole, industry: Industry| pb::Attendee {
            person_key: format!("demo-trainee-{key}"),
            role: role as i32,
            industry: industry as i32,
        };
        let operators: Vec<pb::Attendee> = (0..120)
            .map(|key| {
                attendee(
                    key,
                    pb::TraineeRole::Operator,
                    Industry::AmmoniaRefrigeration,
                )
            })
            .collect();
        let mut contractors: Vec<pb::Attendee> = (1000..1080)
            .map(|key| {
                attendee(
                    key,
                    pb::TraineeRole::Contractor,
                    Industry::ShipbuildingAndRepair,
                )
            })
            .collect();
        contractors.extend(operators[..20].iter().cloned());
        for (session_id, topic, attendees) in [
            (
                "ammonia-operators",
                "涉氨制冷企业操作人员规范化管理能力提升培训",
                operators,
            ),
            (
                "shipyard-contractors",
                "船舶修造外协施工单位安全培训",
                contractors,
            ),
        ] {
            let session = pb::RecordTrainingSessionRequest {
                request_id: self.next_request_id(),
                name: format!("trainingCampaigns/safety-training-{}", today.year()),
                session_id: session_id.into(),
                held_on: Some(today.into()),
                topic: topic.into(),
                attendees,
                ..Default::default()
            };
            self.plans
                .record_training_session(self.request(session, Who::Inspector))
                .await?;
        }
        Ok(())
    }
}
