//! The demo's enforcement: inspections of the last weeks whose findings sit in the government
//! ledger (the hazards context records them from the inspections' events), a follow-up that
//! passed, one that failed and became a penalty case, an expert consultation (专家会诊) at a
//! non-coal mine, and a case whose clock a hearing has paused.

use hl_proto::enforcement::v1 as pb;
use hl_proto::enforcement::v1::{FireworksGrade, FollowUpResult, InspectionType};
use hl_proto::hazards::v1 as hazards;
use hl_proto::hazards::v1::{HazardCategory, HazardLevel};
use tonic::Status;

use super::{Demo, ENTERPRISES, Who, photo};

/// The inspectors of the demo bureau, each with a 执法证.
const OFFICERS: [&str; 2] = ["officer-zhang-wei", "officer-li-na"];

/// The cold store, the fishery, the shipyard and the quarry of [`ENTERPRISES`].
const COLD_STORE: usize = 0;
const FISHERY: usize = 1;
const SHIPYARD: usize = 2;
const QUARRY: usize = 8;

/// The fireworks outlet of [`ENTERPRISES`].
const FIREWORKS: usize = 10;

/// The case the seeding records last: a seeded district has it.
pub(super) const LAST_CASE: &str = "penaltyCases/demo-case-shipyard";

/// The year's annual inspection plan.
pub(crate) const PLAN: &str = "demo-plan";

/// A finding as the officers write it down.
struct Found {
    id: &'static str,
    category: HazardCategory,
    level: HazardLevel,
    location: &'static str,
    description: &'static str,
}

impl Demo {
    pub(super) async fn seed_enforcement(&mut self) -> Result<(), Status> {
        self.classify_and_plan().await?;
        self.inspect_cold_store().await?;
        self.inspect_fishery().await?;
        self.consult_at_quarry().await?;
        self.hearing_at_shipyard().await
    }

    /// The bureau classifies the enterprises it plans to inspect (分类分级) and its plan for the
    /// year is approved and filed: two inspectors' capacity against the visits their grades ask.
    async fn classify_and_plan(&mut self) -> Result<(), Status> {
        self.at(7);
        let year = chrono::Datelike::year(&self.today());
        let planned = [COLD_STORE, FISHERY, SHIPYARD, QUARRY, FIREWORKS];
        for enterprise in planned {
            let request = pb::ClassifyEnterpriseRequest {
                request_id: self.next_request_id(),
                enterprise_id: ENTERPRISES[enterprise].code.into(),
                year,
                fireworks_grade: if enterprise == FIREWORKS {
                    FireworksGrade::Two as i32
                } else {
                    FireworksGrade::Unspecified as i32
                },
                reason: String::new(),
                occurred_at: self.occurred_at(),
            };
            self.enforcement
                .classify_enterprise(self.request(request, Who::Administrator))
                .await?;
        }
        let request = pb::DraftInspectionPlanRequest {
            request_id: self.next_request_id(),
            plan_id: PLAN.into(),
            year,
            title: format!("普陀区{year}年度安全生产监督检查计划"),
            officers: OFFICERS.len() as u32,
            statutory_working_days: 250,
            other_enforcement_days: 120,
            non_enforcement_days: 60,
            enterprise_ids: planned
                .iter()
                .map(|enterprise| ENTERPRISES[*enterprise].code.to_string())
                .collect(),
            reason: String::new(),
            occurred_at: self.occurred_at(),
        };
        self.enforcement
            .draft_inspection_plan(self.request(request, Who::Administrator))
            .await?;
        let request = pb::ApproveInspectionPlanRequest {
            request_id: self.next_request_id(),
            name: format!("inspectionPlans/{PLAN}"),
            document_number: format!("普政发〔{year}〕3号"),
            occurred_at: self.occurred_at(),
        };
        self.enforcement
            .approve_inspection_plan(self.request(request, Who::Administrator))
            .await?;
        let request = pb::FileInspectionPlanRequest {
            request_id: self.next_request_id(),
            name: format!("inspectionPlans/{PLAN}"),
            receipt: format!("舟应急备〔{year}〕12号"),
            occurred_at: self.occurred_at(),
        };
        self.enforcement
            .file_inspection_plan(self.request(request, Who::Administrator))
            .await
            .map(drop)
    }

    /// Two findings, both ordered rectified; the enterprise fixes one and the follow-up passes.
    async fn inspect_cold_store(&mut self) -> Result<(), Status> {
        let inspection = "demo-insp-cold-store";
        self.at(6);
        self.schedule(inspection, COLD_STORE, InspectionType::Planned, -6)
            .await?;
        let found = [
            Found {
                id: "f-1",
                category: HazardCategory::AmmoniaRefrigeration,
                level: HazardLevel::General,
                location: "氨机房",
                description: "氨气泄漏报警器未与事故排风机联动",
            },
            Found {
                id: "f-2",
                category: HazardCategory::FireSafety,
                level: HazardLevel::General,
                location: "二号冷库",
                description: "冷库安全出口被货物堵塞",
            },
        ];
        for finding in &found {
            self.find(inspection, finding).await?;
            self.order_rectified(inspection, finding.id, 8, 9).await?;
        }
        self.complete(inspection).await?;
        self.at(2);
        self.claim_rectified(
            COLD_STORE,
            &format!("{inspection}-f-2"),
            "出口已清理，货物移至三号冷库",
        )
        .await?;
        self.at(1);
        self.follow_up(inspection, "f-2", FollowUpResult::Passed, "复查合格")
            .await
    }

    /// The order's deadline passes unrectified: the follow-up fails and a case is filed.
    async fn inspect_fishery(&mut self) -> Result<(), Status> {
        let inspection = "demo-insp-fishery";
        self.at(6);
        self.schedule(inspection, FISHERY, InspectionType::DoubleRandom, -6)
            .await?;
        let finding = Found {
            id: "f-1",
            category: HazardCategory::AmmoniaRefrigeration,
            level: HazardLevel::General,
            location: "氨储罐区",
            description: "液氨储罐安全阀超期未校验",
        };
        self.find(inspection, &finding).await?;
        self.order_rectified(inspection, finding.id, 3, 4).await?;
        self.complete(inspection).await?;
        self.at(1);
        self.follow_up(
            inspection,
            "f-1",
            FollowUpResult::Failed,
            "逾期未整改：安全阀仍未校验",
        )
        .await?;
        self.file_case(
            "demo-case-fishery",
            FISHERY,
            Some((inspection, "f-1")),
            "逾期未整改（安全生产法第一百零二条）",
        )
        .await?;
        let request = self.case_request("demo-case-fishery", "", Who::Inspector);
        self.enforcement
            .start_investigation(request)
            .await
            .map(drop)
    }

    /// 专家会诊 at a non-coal mine: a major finding.
    async fn consult_at_quarry(&mut self) -> Result<(), Status> {
        let inspection = "demo-insp-quarry";
        self.at(5);
        self.schedule(inspection, QUARRY, InspectionType::ExpertConsultation, -5)
            .await?;
        let finding = Found {
            id: "f-1",
            category: HazardCategory::Mining,
            level: HazardLevel::Major,
            location: "东采区边坡",
            description: "台阶坡面角超过设计值，未按设计分台阶开采",
        };
        self.find(inspection, &finding).await?;
        self.order_rectified(inspection, finding.id, 25, 26).await?;
        self.complete(inspection).await
    }

    /// A case whose party asked for a hearing: its clock is paused.
    async fn hearing_at_shipyard(&mut self) -> Result<(), Status> {
        let case = "demo-case-shipyard";
        self.at(5);
        self.file_case(
            case,
            SHIPYARD,
            None,
            "动火作业未办理审批手续（安全生产法第一百零一条）",
        )
        .await?;
        self.at(4);
        let request = self.case_request(case, "", Who::Inspector);
        self.enforcement.start_investigation(request).await?;
        self.at(3);
        let request = self.case_request(case, "事实清楚，证据确凿，程序合法", Who::Inspector);
        self.enforcement.complete_legal_review(request).await?;
        self.at(2);
        let request = pb::ServeNoticeRequest {
            request_id: self.next_request_id(),
            name: format!("penaltyCases/{case}"),
            hearing_offered: true,
            occurred_at: self.occurred_at(),
        };
        self.enforcement
            .serve_notice(self.request(request, Who::Inspector))
            .await?;
        self.at(1);
        let request = self.case_request(case, "要求举行听证", Who::Enterprise(SHIPYARD));
        self.enforcement.request_hearing(request).await.map(drop)
    }

    async fn schedule(
        &mut self,
        inspection: &str,
        enterprise: usize,
        kind: InspectionType,
        day: i64,
    ) -> Result<(), Status> {
        let mut request = pb::ScheduleInspectionRequest {
            request_id: self.next_request_id(),
            inspection_id: inspection.into(),
            r#type: kind as i32,
            scheduled_on: Some(self.day(day)),
            occurred_at: self.occurred_at(),
            ..Default::default()
        };
        if kind == InspectionType::DoubleRandom {
            // The draw of the day: this pool and seed draw the fishery and both officers.
            request.draw = Some(pb::DrawRequest {
                seed: format!("{inspection}-seed"),
                enterprise_pool: vec![ENTERPRISES[enterprise].code.into()],
                officer_pool: OFFICERS.iter().map(|officer| officer.to_string()).collect(),
                officers: 2,
            });
        } else {
            request.enterprise_id = ENTERPRISES[enterprise].code.into();
            request.officer_ids = OFFICERS.iter().map(|officer| officer.to_string()).collect();
        }
        self.enforcement
            .schedule_inspection(self.request(request, Who::Inspector))
            .await?;
        let request = pb::StartInspectionRequest {
            request_id: self.next_request_id(),
            name: format!("inspections/{inspection}"),
            occurred_at: self.occurred_at(),
        };
        self.enforcement
            .start_inspection(self.request(request, Who::Inspector))
            .await
            .map(drop)
    }

    async fn find(&mut self, inspection: &str, finding: &Found) -> Result<(), Status> {
        let request = pb::RecordFindingRequest {
            request_id: self.next_request_id(),
            name: format!("inspections/{inspection}"),
            finding_id: finding.id.into(),
            category: finding.category as i32,
            level: finding.level as i32,
            level_criterion: match finding.level {
                HazardLevel::Major => "金属非金属矿山重大事故隐患判定标准 第六条".into(),
                _ => "一般事故隐患".into(),
            },
            location: finding.location.into(),
            description: finding.description.into(),
            evidence: vec![photo(finding.description)],
            occurred_at: self.occurred_at(),
            ..Default::default()
        };
        self.enforcement
            .record_finding(self.request(request, Who::Inspector))
            .await
            .map(drop)
    }

    /// Orders a finding rectified within `deadline` days of the inspection day, followed up on
    /// the day after `follow_up` days.
    async fn order_rectified(
        &mut self,
        inspection: &str,
        finding: &str,
        deadline: i64,
        follow_up: i64,
    ) -> Result<(), Status> {
        let request = pb::IssueRectificationOrderRequest {
            request_id: self.next_request_id(),
            name: format!("inspections/{inspection}"),
            finding_id: finding.into(),
            order: Some(pb::FindingOrder {
                document_number: format!("舟普应急责改〔2026〕{}号", self.step),
                deadline: Some(self.day(deadline - self.days_ago)),
                follow_up_on: Some(self.day(follow_up - self.days_ago)),
                measures: "限期整改到位，整改完成后书面报告".into(),
            }),
            occurred_at: self.occurred_at(),
        };
        self.enforcement
            .issue_rectification_order(self.request(request, Who::Inspector))
            .await
            .map(drop)
    }

    async fn complete(&mut self, inspection: &str) -> Result<(), Status> {
        let request = pb::CompleteInspectionRequest {
            request_id: self.next_request_id(),
            name: format!("inspections/{inspection}"),
            occurred_at: self.occurred_at(),
        };
        self.enforcement
            .complete_inspection(self.request(request, Who::Inspector))
            .await
            .map(drop)
    }

    async fn claim_rectified(
        &mut self,
        enterprise: usize,
        hazard_id: &str,
        note: &str,
    ) -> Result<(), Status> {
        // The hazards context records the finding from the inspection's event; wait for it.
        self.wait_for_hazard(hazard_id).await?;
        let request = hazards::ClaimRectificationRequest {
            request_id: self.next_request_id(),
            name: format!("hazards/{hazard_id}"),
            note: note.into(),
            evidence: vec![photo(note)],
            occurred_at: self.occurred_at(),
        };
        self.hazards
            .claim_rectification(self.request(request, Who::Enterprise(enterprise)))
            .await
            .map(drop)
    }

    /// Waits until the hazards context has recorded a finding's hazard (it follows the
    /// inspections' events), at most ten seconds.
    async fn wait_for_hazard(&mut self, hazard_id: &str) -> Result<(), Status> {
        for _ in 0..200 {
            let request = hazards::GetHazardRequest {
                name: format!("hazards/{hazard_id}"),
                as_of: None,
            };
            let found = self
                .hazards
                .get_hazard(self.request(request, Who::Inspector))
                .await;
            match found {
                Ok(hazard) if hazard.get_ref().status != hazards::HazardStatus::Graded as i32 => {
                    return Ok(());
                }
                Ok(_) => {}
                Err(status) if status.code() == tonic::Code::NotFound => {}
                Err(status) => return Err(status),
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Err(Status::unavailable(format!(
            "hazards/{hazard_id} was not recorded from its inspection in time"
        )))
    }

    async fn follow_up(
        &mut self,
        inspection: &str,
        finding: &str,
        result: FollowUpResult,
        note: &str,
    ) -> Result<(), Status> {
        self.wait_for_hazard(&format!("{inspection}-{finding}"))
            .await?;
        let request = pb::RecordFollowUpRequest {
            request_id: self.next_request_id(),
            name: format!("inspections/{inspection}"),
            finding_id: finding.into(),
            result: result as i32,
            note: note.into(),
            evidence: vec![photo(note)],
            occurred_at: self.occurred_at(),
        };
        self.enforcement
            .record_follow_up(self.request(request, Who::Inspector))
            .await
            .map(drop)
    }

    async fn file_case(
        &mut self,
        case: &str,
        enterprise: usize,
        finding: Option<(&str, &str)>,
        facts: &str,
    ) -> Result<(), Status> {
        let (inspection_id, finding_id) = finding.unwrap_or_default();
        let request = pb::FileCaseRequest {
            request_id: self.next_request_id(),
            case_id: case.into(),
            enterprise_id: ENTERPRISES[enterprise].code.into(),
            inspection_id: inspection_id.into(),
            finding_id: finding_id.into(),
            facts: facts.into(),
            officer_ids: OFFICERS.iter().map(|officer| officer.to_string()).collect(),
            occurred_at: self.occurred_at(),
        };
        self.enforcement
            .file_case(self.request(request, Who::Inspector))
            .await
            .map(drop)
    }

    /// A case step that carries only a note, as its actor asks it.
    fn case_request(
        &mut self,
        case: &str,
        note: &str,
        who: Who,
    ) -> tonic::Request<pb::CaseStepRequest> {
        let request = pb::CaseStepRequest {
            request_id: self.next_request_id(),
            name: format!("penaltyCases/{case}"),
            note: note.into(),
            occurred_at: self.occurred_at(),
        };
        self.request(request, who)
    }
}
