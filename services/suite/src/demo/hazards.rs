//! The demo district's hazards: both ledgers at different stages, recorded as the enterprises,
//! the inspectors and the bureau would record them.

use hl_proto::hazards::v1 as pb;
use tonic::Status;

use pb::HazardCategory as C;
use pb::HazardLevel as L;
use pb::Provenance as P;
use pb::SourceType as S;

use super::{Demo, ENTERPRISES, Who, photo};

impl Demo {
    // One argument per column of the demo's table of findings, which reads best as a table.
    #[allow(clippy::too_many_arguments)]
    async fn report(
        &mut self,
        hazard_id: &str,
        enterprise: usize,
        provenance: pb::Provenance,
        source: pb::SourceType,
        category: pb::HazardCategory,
        level: pb::HazardLevel,
        location: &str,
        description: &str,
        counterpart: &str,
    ) -> Result<(), Status> {
        let who = match provenance {
            pb::Provenance::EnterpriseSelf => Who::Enterprise(enterprise),
            pb::Provenance::UpstreamCommittee | pb::Provenance::SensorPlatform => {
                Who::Administrator
            }
            _ => Who::Inspector,
        };
        let criterion = match level {
            pb::HazardLevel::Major => "《工贸企业重大事故隐患判定标准》",
            pb::HazardLevel::General => "一般事故隐患 (16号令 第三条)",
            pb::HazardLevel::Unspecified => "",
        };
        let body = pb::ReportHazardRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            hazard_id: hazard_id.into(),
            enterprise_id: ENTERPRISES[enterprise].code.into(),
            township_code: ENTERPRISES[enterprise].township.into(),
            provenance: provenance as i32,
            source_type: source as i32,
            category: category as i32,
            location: location.into(),
            description: description.into(),
            evidence: vec![photo(description)],
            counterpart_hazard_id: counterpart.into(),
            level: level as i32,
            level_criterion: criterion.into(),
            ..Default::default()
        };
        let request = self.request(body, who);
        self.hazards.report_hazard(request).await?;
        self.hazards_reported += 1;
        Ok(())
    }

    async fn plan(
        &mut self,
        hazard_id: &str,
        enterprise: usize,
        deadline_offset: i64,
    ) -> Result<(), Status> {
        let body = pb::PlanRectificationRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: format!("hazards/{hazard_id}"),
            plan: Some(pb::RectificationPlan {
                measures: "按五定要求整改".into(),
                owner: "安全员".into(),
                funds_fen: 500_000,
                deadline: Some(self.day(deadline_offset)),
                acceptance_standard: "符合相关标准".into(),
                acceptor: "企业主要负责人".into(),
            }),
        };
        let request = self.request(body, Who::Enterprise(enterprise));
        self.hazards.plan_rectification(request).await.map(drop)
    }

    async fn order(&mut self, hazard_id: &str, deadline_offset: i64) -> Result<(), Status> {
        let step = self.step;
        let body = pb::OrderRectificationRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: format!("hazards/{hazard_id}"),
            order: Some(pb::RectificationOrder {
                document_number: format!(
                    "（普）应急责改〔{}〕{}号",
                    self.today().format("%Y"),
                    100 + step
                ),
                deadline: Some(self.day(deadline_offset)),
                measures: "限期整改到位".into(),
            }),
        };
        let request = self.request(body, Who::Inspector);
        self.hazards.order_rectification(request).await.map(drop)
    }

    async fn remediation_plan(&mut self, hazard_id: &str, enterprise: usize) -> Result<(), Status> {
        let body = pb::SubmitRemediationPlanRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: format!("hazards/{hazard_id}"),
            plan: Some(pb::RemediationPlan {
                goals_and_tasks: "消除重大事故隐患".into(),
                methods_and_measures: "停用、改造、复测".into(),
                funds_and_materials: "专项资金 50 万元".into(),
                responsible_organisation_and_people: "企业主要负责人牵头".into(),
                time_limit_and_requirements: "按指令书期限完成".into(),
                safety_measures_and_emergency_plan: "设置警戒区，落实应急预案".into(),
            }),
        };
        let request = self.request(body, Who::Enterprise(enterprise));
        self.hazards
            .submit_remediation_plan(request)
            .await
            .map(drop)
    }

    async fn claim(&mut self, hazard_id: &str, enterprise: usize) -> Result<(), Status> {
        let body = pb::ClaimRectificationRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: format!("hazards/{hazard_id}"),
            note: "整改完成".into(),
            evidence: vec![photo(&format!("{hazard_id} after rectification"))],
        };
        let request = self.request(body, Who::Enterprise(enterprise));
        self.hazards.claim_rectification(request).await.map(drop)
    }

    async fn verify(&mut self, hazard_id: &str, who: Who) -> Result<(), Status> {
        let body = pb::VerifyRectificationRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: format!("hazards/{hazard_id}"),
            note: "验收合格".into(),
            evidence: vec![],
        };
        let request = self.request(body, who);
        self.hazards.verify_rectification(request).await.map(drop)
    }

    async fn close(&mut self, hazard_id: &str, who: Who) -> Result<(), Status> {
        let body = pb::CloseHazardRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: format!("hazards/{hazard_id}"),
            note: "销号".into(),
        };
        let request = self.request(body, who);
        self.hazards.close_hazard(request).await.map(drop)
    }

    pub(super) async fn seed_hazards(&mut self) -> Result<(), Status> {
        self.cold_store_in_shenjiamen().await?;
        self.cold_store_in_donggang().await?;
        self.shipyard_in_liuheng().await?;
        self.shipyard_in_taohua().await?;
        self.filling_station().await?;
        self.diesel_depot().await?;
        self.homestays().await?;
        self.mine().await?;
        self.fireworks_outlet().await?;
        self.at(0);
        Ok(())
    }

    /// 0 — ammonia cold store, 沈家门: its own general hazard closed out, a government
    /// finding it missed, and an ammonia alarm whose annual test has lapsed.
    async fn cold_store_in_shenjiamen(&mut self) -> Result<(), Status> {
        self.at(6);
        let round_request_id = self.next_request_id();
        let quarter_start = self.day(-90);
        let quarter_end = self.day(-7);
        self.hazards
            .open_self_check_round(self.request(
                pb::OpenSelfCheckRoundRequest {
                    request_id: round_request_id,
                    occurred_at: self.occurred_at(),
                    round_id: "demo-a-round".into(),
                    enterprise_id: ENTERPRISES[0].code.into(),
                    period_start: Some(quarter_start),
                    period_end: Some(quarter_end),
                    checklist: "涉氨制冷企业自查清单".into(),
                    performer: "安全员 李明".into(),
                },
                Who::Enterprise(0),
            ))
            .await?;
        self.report(
            "demo-a-valve",
            0,
            P::EnterpriseSelf,
            S::Routine,
            C::AmmoniaRefrigeration,
            L::General,
            "机房 2 号氨阀",
            "氨阀填料轻微渗漏",
            "",
        )
        .await?;
        let finding = pb::RecordSelfCheckFindingRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: "selfCheckRounds/demo-a-round".into(),
            hazard_id: "demo-a-valve".into(),
        };
        self.hazards
            .record_self_check_finding(self.request(finding, Who::Enterprise(0)))
            .await?;
        self.at(5);
        let submit = pb::SubmitSelfCheckRoundRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: "selfCheckRounds/demo-a-round".into(),
            zero_findings_attested: false,
            signed_by: "主要负责人 陈海".into(),
        };
        self.hazards
            .submit_self_check_round(self.request(submit, Who::Enterprise(0)))
            .await?;
        self.plan("demo-a-valve", 0, -1).await?;
        self.at(2);
        self.claim("demo-a-valve", 0).await?;
        self.at(1);
        self.verify("demo-a-valve", Who::Enterprise(0)).await?;
        self.close("demo-a-valve", Who::Enterprise(0)).await?;
        self.at(25);
        self.report(
            "demo-a-alarm-linkage",
            0,
            P::GovernmentInspection,
            S::Specialist,
            C::AmmoniaRefrigeration,
            L::Major,
            "氨制冷机房",
            "氨气浓度报警未与事故排风联锁",
            "",
        )
        .await?;
        self.order("demo-a-alarm-linkage", -5).await?;
        self.at(6);
        self.remediation_plan("demo-a-alarm-linkage", 0).await?;
        let device = pb::RegisterAlarmDeviceRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            device_id: "demo-a-nh3-alarm".into(),
            enterprise_id: ENTERPRISES[0].code.into(),
            kind: pb::AlarmDeviceKind::AmmoniaConcentration as i32,
            location: "氨制冷机房".into(),
            test_interval_days: 0,
            last_tested_on: Some(self.day(-400)),
        };
        self.hazards
            .register_alarm_device(self.request(device, Who::Enterprise(0)))
            .await?;
        Ok(())
    }

    /// 1 — cold store, 东港: attested zero findings, yet the inspector found one.
    async fn cold_store_in_donggang(&mut self) -> Result<(), Status> {
        self.at(6);
        let round = pb::OpenSelfCheckRoundRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            round_id: "demo-b-round".into(),
            enterprise_id: ENTERPRISES[1].code.into(),
            period_start: Some(self.day(-90)),
            period_end: Some(self.day(-7)),
            checklist: "涉氨制冷企业自查清单".into(),
            performer: "安全员 王芳".into(),
        };
        self.hazards
            .open_self_check_round(self.request(round, Who::Enterprise(1)))
            .await?;
        let submit = pb::SubmitSelfCheckRoundRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: "selfCheckRounds/demo-b-round".into(),
            zero_findings_attested: true,
            signed_by: "主要负责人 周强".into(),
        };
        self.hazards
            .submit_self_check_round(self.request(submit, Who::Enterprise(1)))
            .await?;
        self.at(5);
        self.report(
            "demo-b-confined-space",
            1,
            P::GovernmentInspection,
            S::Routine,
            C::ConfinedSpace,
            L::General,
            "污水池",
            "有限空间未设置警示标识，未配备检测仪",
            "",
        )
        .await?;
        self.order("demo-b-confined-space", 15).await?;
        Ok(())
    }

    /// 2 — shipyard, 六横: a major hazard it reported itself, listed under a supervision
    /// order; and a lifting hazard both sides recorded, graded differently.
    async fn shipyard_in_liuheng(&mut self) -> Result<(), Status> {
        self.at(6);
        self.report(
            "demo-c-hot-work",
            2,
            P::EnterpriseSelf,
            S::Specialist,
            C::HotWork,
            L::Major,
            "3 号船坞 舱内",
            "舱内动火作业未执行气体检测",
            "",
        )
        .await?;
        self.at(5);
        self.order("demo-c-hot-work", 30).await?;
        self.remediation_plan("demo-c-hot-work", 2).await?;
        self.at(4);
        let issue = pb::IssueSupervisionOrderRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            order_id: "demo-order-c".into(),
            level: pb::SupervisionLevel::District as i32,
            notice_number: format!("普安委督〔{}〕3号", self.today().format("%Y")),
            title: "船舶修造企业舱内动火重大事故隐患挂牌督办".into(),
            hazard_ids: vec!["demo-c-hot-work".into()],
            responsible_units: vec!["六横镇人民政府".into(), "区应急管理局".into()],
            public_notice: true,
            deadline: Some(self.day(45)),
        };
        self.hazards
            .issue_supervision_order(self.request(issue, Who::Administrator))
            .await?;
        let decompose = pb::DecomposeSupervisionOrderRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: "supervisionOrders/demo-order-c".into(),
            sub_tasks: vec![
                pb::SubTask {
                    sub_task_id: "township-watch".into(),
                    assignee_unit: "六横镇人民政府".into(),
                    description: "每周现场督查整改进度".into(),
                    deadline: Some(self.day(30)),
                    ..Default::default()
                },
                pb::SubTask {
                    sub_task_id: "bureau-acceptance".into(),
                    assignee_unit: "区应急管理局".into(),
                    description: "组织专家验收".into(),
                    deadline: Some(self.day(40)),
                    ..Default::default()
                },
            ],
        };
        self.hazards
            .decompose_supervision_order(self.request(decompose, Who::Administrator))
            .await?;
        self.at(1);
        let progress = pb::ReportSubTaskProgressRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: "supervisionOrders/demo-order-c".into(),
            sub_task_id: "township-watch".into(),
            progress_percent: 40,
            completed: false,
            note: "已督查两次".into(),
        };
        self.hazards
            .report_sub_task_progress(self.request(progress, Who::Inspector))
            .await?;
        self.at(5);
        self.report(
            "demo-c-lifting-self",
            2,
            P::EnterpriseSelf,
            S::Routine,
            C::Lifting,
            L::General,
            "龙门吊",
            "吊索具磨损",
            "",
        )
        .await?;
        self.at(4);
        self.report(
            "demo-c-lifting",
            2,
            P::GovernmentInspection,
            S::Routine,
            C::Lifting,
            L::Major,
            "龙门吊",
            "龙门吊限位失效、吊索具严重磨损",
            "demo-c-lifting-self",
        )
        .await?;
        Ok(())
    }

    /// 3 — shipyard, 桃花: claimed fixed, failed the follow-up (false rectification).
    async fn shipyard_in_taohua(&mut self) -> Result<(), Status> {
        self.at(28);
        self.report(
            "demo-d-electrical",
            3,
            P::GovernmentInspection,
            S::Routine,
            C::TemporaryElectricity,
            L::General,
            "船台临时配电箱",
            "临时用电未设漏电保护",
            "",
        )
        .await?;
        self.order("demo-d-electrical", -10).await?;
        self.at(6);
        self.claim("demo-d-electrical", 3).await?;
        self.at(3);
        let reject = pb::RejectRectificationRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: "hazards/demo-d-electrical".into(),
            reason: "复查发现仍未安装漏电保护器".into(),
            new_deadline: Some(self.day(10)),
        };
        self.hazards
            .reject_rectification(self.request(reject, Who::Inspector))
            .await?;
        Ok(())
    }

    /// 4 — filling station: fixed on the spot during the inspection, closed out.
    async fn filling_station(&mut self) -> Result<(), Status> {
        self.at(12);
        self.report(
            "demo-e-static",
            4,
            P::GovernmentInspection,
            S::Routine,
            C::FireSafety,
            L::General,
            "卸油区",
            "静电接地夹损坏",
            "",
        )
        .await?;
        let fix = pb::FixHazardOnSpotRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: "hazards/demo-e-static".into(),
            note: "现场更换接地夹".into(),
            evidence: vec![photo("new grounding clamp")],
        };
        self.hazards
            .fix_hazard_on_spot(self.request(fix, Who::Inspector))
            .await?;
        self.close("demo-e-static", Who::Inspector).await?;
        Ok(())
    }

    /// 5 — diesel depot: an ordered deadline extended on request.
    async fn diesel_depot(&mut self) -> Result<(), Status> {
        self.at(8);
        self.report(
            "demo-f-tank-grounding",
            5,
            P::GovernmentInspection,
            S::Seasonal,
            C::HazardousChemicals,
            L::General,
            "2 号储罐",
            "储罐防雷接地检测超期",
            "",
        )
        .await?;
        self.order("demo-f-tank-grounding", 5).await?;
        self.at(3);
        let extension = pb::RequestExtensionRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: "hazards/demo-f-tank-grounding".into(),
            requested_deadline: Some(self.day(20)),
            reason: "检测机构排期".into(),
        };
        self.hazards
            .request_extension(self.request(extension, Who::Enterprise(5)))
            .await?;
        self.at(2);
        let decide = pb::DecideExtensionRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: "hazards/demo-f-tank-grounding".into(),
            grant: true,
            new_deadline: None,
            note: "同意延期".into(),
        };
        self.hazards
            .decide_extension(self.request(decide, Who::Inspector))
            .await?;
        Ok(())
    }

    /// 6, 7 — island homestays: a tip-off now overdue; a self-check entry being fixed.
    async fn homestays(&mut self) -> Result<(), Status> {
        self.at(18);
        self.report(
            "demo-g-fire-exit",
            6,
            P::PublicTipoff,
            S::Tipoff,
            C::FireSafety,
            L::General,
            "二楼走廊",
            "安全出口被杂物堵塞",
            "",
        )
        .await?;
        self.order("demo-g-fire-exit", -3).await?;
        self.at(3);
        self.report(
            "demo-h-extinguishers",
            7,
            P::EnterpriseSelf,
            S::PreHoliday,
            C::FireSafety,
            L::General,
            "客房走廊",
            "灭火器过期",
            "",
        )
        .await?;
        self.plan("demo-h-extinguishers", 7, 7).await?;
        Ok(())
    }

    /// 8 — non-coal mine: expert diagnosis, operations suspended, resumption requested.
    async fn mine(&mut self) -> Result<(), Status> {
        self.at(29);
        self.report(
            "demo-i-slope",
            8,
            P::GovernmentInspection,
            S::ExpertDiagnosis,
            C::Mining,
            L::Major,
            "西采场",
            "边坡角超过设计值，未分台阶开采",
            "",
        )
        .await?;
        self.order("demo-i-slope", -15).await?;
        self.at(6);
        self.remediation_plan("demo-i-slope", 8).await?;
        let suspend = pb::SuspendOperationsRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: "hazards/demo-i-slope".into(),
            reason: "重大事故隐患，责令暂时停产".into(),
        };
        self.hazards
            .suspend_operations(self.request(suspend, Who::Inspector))
            .await?;
        self.at(4);
        self.claim("demo-i-slope", 8).await?;
        let resume = pb::RequestResumptionRequest {
            request_id: self.next_request_id(),
            occurred_at: self.occurred_at(),
            name: "hazards/demo-i-slope".into(),
            note: "边坡治理完成，申请复产".into(),
            evidence: vec![photo("slope after remediation")],
        };
        self.hazards
            .request_resumption(self.request(resume, Who::Enterprise(8)))
            .await?;
        Ok(())
    }

    /// 10 — fireworks outlet: an item assigned by the city safety committee.
    async fn fireworks_outlet(&mut self) -> Result<(), Status> {
        self.at(9);
        self.report(
            "demo-k-storage",
            10,
            P::UpstreamCommittee,
            S::UpstreamAssignment,
            C::HazardousChemicals,
            L::General,
            "仓储间",
            "烟花爆竹超量储存",
            "",
        )
        .await?;
        Ok(())
    }
}
