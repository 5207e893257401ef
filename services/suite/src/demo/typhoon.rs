//! The demo's typhoon season: 台风“海葵” declared six days ago at Ⅳ and raised to Ⅱ, a five-stop
//! order over two townships with four stops, two of them lifted since; three key vessels, two
//! secured for the typhoon and one found loose, so "not yet secured" has an answer. Before the
//! season, two townships without an emergency centre had their command readiness checked (T11).

use hl_proto::plans::v1 as pb;
use hl_proto::plans::v1::{DisasterKind, ResponseLevel, StopMeasure, VesselKind, VesselMeasure};
use tonic::Status;

use super::{Demo, Who};

/// The demo typhoon's name.
pub const TYPHOON: &str = "disasterEvents/haikui";

impl Demo {
    pub(super) async fn seed_typhoon(&mut self) -> Result<(), Status> {
        self.check_readiness_before_the_season().await?;
        self.declare_the_typhoon().await?;
        self.order_the_five_stops().await?;
        self.secure_the_vessels().await?;
        self.report_and_lift().await
    }

    /// Recorded today: two townships without an emergency centre, as checked ten days ago.
    async fn check_readiness_before_the_season(&mut self) -> Result<(), Status> {
        self.at(0);
        let today = self.today();
        for (township, equipment, note) in [
            ("330903003", true, ""),
            ("330903102", false, "卫星电话和应急发电机未配备"),
        ] {
            let check = pb::CheckCommandReadinessRequest {
                request_id: self.next_request_id(),
                township_code: township.into(),
                checked_on: Some((today - chrono::Days::new(10)).into()),
                command_venue: true,
                duty_team: true,
                equipment,
                note: note.into(),
            };
            self.plans
                .check_command_readiness(self.request(check, Who::Inspector))
                .await?;
        }
        Ok(())
    }

    /// Six days ago: the typhoon is declared at Ⅳ and three key vessels are registered.
    async fn declare_the_typhoon(&mut self) -> Result<(), Status> {
        self.at(6);
        let declare = pb::DeclareDisasterEventRequest {
            request_id: self.next_request_id(),
            disaster_event_id: "haikui".into(),
            kind: DisasterKind::Typhoon as i32,
            title: "台风“海葵”".into(),
            level: ResponseLevel::Iv as i32,
            reason: "区防指发布台风蓝色预警".into(),
            occurred_at: self.occurred_at(),
        };
        self.plans
            .declare_disaster_event(self.request(declare, Who::Inspector))
            .await?;
        let vessels = [
            (
                "zpy-12345",
                "浙普渔12345",
                VesselKind::Detained,
                "沈家门渔港3号泊位",
                "330903001",
            ),
            (
                "hs-0082",
                "海顺82号驳船",
                VesselKind::Unpowered,
                "六横镇双塘码头",
                "330903101",
            ),
            (
                "dg-017",
                "东港17号",
                VesselKind::OtherKey,
                "东港避风锚地",
                "330903002",
            ),
        ];
        for (vessel_id, vessel_name, kind, mooring_place, township) in vessels {
            let register = pb::RegisterKeyVesselRequest {
                request_id: self.next_request_id(),
                vessel_id: vessel_id.into(),
                vessel_name: vessel_name.into(),
                registration_number: format!("330903-{vessel_id}"),
                kind: kind as i32,
                mooring_place: mooring_place.into(),
                township_code: township.into(),
                responsible_unit: "普陀区海洋与渔业执法大队".into(),
                occurred_at: self.occurred_at(),
            };
            self.plans
                .register_key_vessel(self.request(register, Who::Inspector))
                .await?;
        }

        Ok(())
    }

    /// Five days ago: raised to Ⅱ, a shelter involved, the five-stop order issued and checked.
    async fn order_the_five_stops(&mut self) -> Result<(), Status> {
        self.at(5);
        let raise = pb::ChangeResponseLevelRequest {
            request_id: self.next_request_id(),
            name: TYPHOON.into(),
            level: ResponseLevel::Ii as i32,
            reason: "台风橙色预警，预计在舟山沿海登陆".into(),
            occurred_at: self.occurred_at(),
        };
        self.plans
            .change_response_level(self.request(raise, Who::Inspector))
            .await?;
        let involve = pb::InvolveInDisasterEventRequest {
            request_id: self.next_request_id(),
            name: TYPHOON.into(),
            resources: vec!["shelters/shenjiamen-school".into()],
            occurred_at: self.occurred_at(),
        };
        self.plans
            .involve_in_disaster_event(self.request(involve, Who::Inspector))
            .await?;
        let area = |township_code: &str| pb::OrderArea {
            township_code: township_code.into(),
            village: String::new(),
        };
        let issue = pb::IssueFiveStopOrderRequest {
            request_id: self.next_request_id(),
            order_id: "haikui-five-stops".into(),
            disaster_event: TYPHOON.into(),
            issuer: "普陀区防汛防台抗旱指挥部".into(),
            document_number: "普防指〔台〕1号".into(),
            areas: vec![area("330903001"), area("330903101")],
            measures: [
                StopMeasure::OutdoorGatherings,
                StopMeasure::Classes,
                StopMeasure::Work,
                StopMeasure::Transport,
            ]
            .map(|measure| measure as i32)
            .to_vec(),
            occurred_at: self.occurred_at(),
        };
        self.plans
            .issue_five_stop_order(self.request(issue, Who::Inspector))
            .await?;
        let check = pb::RecordComplianceCheckRequest {
            request_id: self.next_request_id(),
            name: "fiveStopOrders/haikui-five-stops".into(),
            township_code: "330903001".into(),
            compliant: false,
            findings: vec!["沈家门渔港有两处工地未停工，已责令停止".into()],
            occurred_at: self.occurred_at(),
        };
        self.plans
            .record_compliance_check(self.request(check, Who::Inspector))
            .await?;
        Ok(())
    }

    /// Two vessels reinforced or moved and found secured; the third is found loose.
    async fn secure_the_vessels(&mut self) -> Result<(), Status> {
        for (vessel_id, measure) in [
            ("zpy-12345", VesselMeasure::Reinforced),
            ("hs-0082", VesselMeasure::Moved),
        ] {
            let taken = pb::RecordVesselMeasureRequest {
                request_id: self.next_request_id(),
                name: format!("keyVessels/{vessel_id}"),
                disaster_event: TYPHOON.into(),
                measure: measure as i32,
                note: String::new(),
                occurred_at: self.occurred_at(),
            };
            self.plans
                .record_vessel_measure(self.request(taken, Who::Inspector))
                .await?;
        }
        for (vessel_id, secured) in [("zpy-12345", true), ("hs-0082", true), ("dg-017", false)] {
            let check = pb::CheckVesselRequest {
                request_id: self.next_request_id(),
                name: format!("keyVessels/{vessel_id}"),
                disaster_event: TYPHOON.into(),
                secured,
                findings: if secured {
                    Vec::new()
                } else {
                    vec!["船上仍有人员留守，缆绳未加固".into()]
                },
                occurred_at: self.occurred_at(),
            };
            self.plans
                .check_vessel(self.request(check, Who::Inspector))
                .await?;
        }

        Ok(())
    }

    /// Four days ago: the situation reported and two of the four stops lifted.
    async fn report_and_lift(&mut self) -> Result<(), Status> {
        self.at(4);
        let report = pb::ReportDisasterSituationRequest {
            request_id: self.next_request_id(),
            name: TYPHOON.into(),
            evacuated: 12_600,
            direct_loss_fen: 3_800 * 10_000 * 100,
            note: "无人员伤亡".into(),
            occurred_at: self.occurred_at(),
            ..Default::default()
        };
        self.plans
            .report_disaster_situation(self.request(report, Who::Inspector))
            .await?;
        for measure in [StopMeasure::Transport, StopMeasure::Classes] {
            let lift = pb::LiftStopMeasureRequest {
                request_id: self.next_request_id(),
                name: "fiveStopOrders/haikui-five-stops".into(),
                measure: measure as i32,
                occurred_at: self.occurred_at(),
            };
            self.plans
                .lift_stop_measure(self.request(lift, Who::Inspector))
                .await?;
        }
        Ok(())
    }
}
