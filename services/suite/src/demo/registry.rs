//! The demo district's registry: the district, its townships and two villages, the bureau and
//! its safety committee, two inspectors with enforcement certificates, two grid cells with their
//! grid workers, and the twelve enterprises.

use hl_proto::common::v1::Date;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::{
    AdminAreaLevel, OrgUnitKind, PersonRole, RiskColour, SelfCheckFrequency,
};
use tonic::Status;

use super::{Demo, ENTERPRISES, TOWNSHIPS, Who};

/// Villages (村/社区) the demo's grid cells lie in.
const VILLAGES: &[(&str, &str, &str)] = &[
    ("330903001001", "东河社区", "社区"),
    ("330903101001", "峧头村", "村"),
];

impl Demo {
    async fn area(
        &mut self,
        code: &str,
        name: &str,
        level: AdminAreaLevel,
        parent: &str,
        kind: &str,
    ) -> Result<(), Status> {
        let area = pb::AdminArea {
            code: code.into(),
            display_name: name.into(),
            level: level as i32,
            parent_code: parent.into(),
            kind: kind.into(),
            ..Default::default()
        };
        let request = pb::CreateAdminAreaRequest {
            request_id: self.next_request_id(),
            area: Some(area),
            ..Default::default()
        };
        self.registry
            .create_admin_area(self.request(request, Who::Administrator))
            .await
            .map(drop)
    }

    async fn person(
        &mut self,
        id: &str,
        name: &str,
        roles: &[PersonRole],
        unit: &str,
        certificate: Option<&str>,
    ) -> Result<(), Status> {
        let person = pb::Person {
            person_id: id.into(),
            display_name: name.into(),
            roles: roles.iter().map(|role| *role as i32).collect(),
            org_unit_id: unit.into(),
            enforcement_certificate: certificate.map(|number| pb::EnforcementCertificate {
                number: number.into(),
                valid_from: Some(Date {
                    year: 2022,
                    month: 1,
                    day: 1,
                }),
                valid_until: Some(Date {
                    year: 2030,
                    month: 12,
                    day: 31,
                }),
            }),
            ..Default::default()
        };
        let request = pb::CreatePersonRequest {
            request_id: self.next_request_id(),
            person: Some(person),
            ..Default::default()
        };
        self.registry
            .create_person(self.request(request, Who::Administrator))
            .await
            .map(drop)
    }

    pub(super) async fn seed_registry(&mut self) -> Result<(), Status> {
        let district = self.region.clone();
        self.area(&district, "普陀区", AdminAreaLevel::District, "", "区")
            .await?;
        for (code, name, kind) in TOWNSHIPS {
            self.area(code, name, AdminAreaLevel::Township, &district, kind)
                .await?;
        }
        for (code, name, kind) in VILLAGES {
            self.area(code, name, AdminAreaLevel::Village, &code[..9], kind)
                .await?;
        }

        self.seed_organisation(&district).await?;
        self.seed_grid().await?;
        self.seed_enterprises().await
    }

    /// The bureau, the safety committee and a township centre, with their people.
    async fn seed_organisation(&mut self, district: &str) -> Result<(), Status> {
        for (id, name, kind, parent) in [
            (
                "putuo-emergency-bureau",
                "普陀区应急管理局",
                OrgUnitKind::Department,
                "",
            ),
            (
                "putuo-safety-committee",
                "普陀区安全生产委员会",
                OrgUnitKind::SafetyCommittee,
                "",
            ),
            (
                "liuheng-emergency-centre",
                "六横镇应急管理中心",
                OrgUnitKind::TownshipEmergencyCentre,
                "putuo-safety-committee",
            ),
        ] {
            let unit = pb::OrgUnit {
                org_unit_id: id.into(),
                display_name: name.into(),
                kind: kind as i32,
                parent_org_unit_id: parent.into(),
                region_code: district.to_string(),
                ..Default::default()
            };
            let request = pb::CreateOrgUnitRequest {
                request_id: self.next_request_id(),
                unit: Some(unit),
                ..Default::default()
            };
            self.registry
                .create_org_unit(self.request(request, Who::Administrator))
                .await?;
        }

        self.person(
            "officer-zhang-wei",
            "张伟",
            &[PersonRole::Inspector],
            "putuo-emergency-bureau",
            Some("浙应执 330903-0012"),
        )
        .await?;
        self.person(
            "officer-li-na",
            "李娜",
            &[PersonRole::Inspector],
            "putuo-emergency-bureau",
            Some("浙应执 330903-0027"),
        )
        .await?;
        self.person(
            "admin-putuo",
            "王建国",
            &[PersonRole::BureauAdministrator],
            "putuo-emergency-bureau",
            None,
        )
        .await?;
        self.person("grid-chen", "陈海波", &[PersonRole::GridHead], "", None)
            .await?;
        self.person("grid-zhou", "周丽", &[PersonRole::GridWorker], "", None)
            .await?;
        self.person(
            "grid-wu",
            "吴强",
            &[PersonRole::GridHead],
            "liuheng-emergency-centre",
            None,
        )
        .await?;
        Ok(())
    }

    /// Two grid cells with their heads and workers.
    async fn seed_grid(&mut self) -> Result<(), Status> {
        for (id, name, township, village, head, workers) in [
            (
                "shenjiamen-01",
                "沈家门第一网格",
                "330903001",
                "330903001001",
                "grid-chen",
                vec!["grid-zhou"],
            ),
            (
                "liuheng-01",
                "六横峧头网格",
                "330903101",
                "330903101001",
                "grid-wu",
                vec![],
            ),
        ] {
            let cell = pb::GridCell {
                grid_cell_id: id.into(),
                display_name: name.into(),
                township_code: township.into(),
                village_code: village.into(),
                grid_head_id: head.into(),
                grid_worker_ids: workers.into_iter().map(String::from).collect(),
                ..Default::default()
            };
            let request = pb::CreateGridCellRequest {
                request_id: self.next_request_id(),
                cell: Some(cell),
                ..Default::default()
            };
            self.registry
                .create_grid_cell(self.request(request, Who::Administrator))
                .await?;
        }
        Ok(())
    }

    /// The demo's enterprises, registered from 2020.
    async fn seed_enterprises(&mut self) -> Result<(), Status> {
        for (index, enterprise) in ENTERPRISES.iter().enumerate() {
            let risk = match index % 4 {
                0 => RiskColour::Orange,
                1 => RiskColour::Yellow,
                2 => RiskColour::Red,
                _ => RiskColour::Blue,
            };
            let resource = pb::Enterprise {
                enterprise_id: enterprise.code.into(),
                display_name: enterprise.name.into(),
                address: format!(
                    "舟山市普陀区{}",
                    TOWNSHIPS
                        .iter()
                        .find(|(code, _, _)| *code == enterprise.township)
                        .map_or("", |(_, name, _)| name)
                ),
                township_code: enterprise.township.into(),
                grid_cell_id: enterprise.grid_cell.into(),
                industries: enterprise
                    .industries
                    .iter()
                    .map(|industry| *industry as i32)
                    .collect(),
                risk_colour: risk as i32,
                self_check_required: true,
                self_check_frequency: SelfCheckFrequency::Quarterly as i32,
                ..Default::default()
            };
            let request = pb::RegisterEnterpriseRequest {
                request_id: self.next_request_id(),
                enterprise: Some(resource),
                effective_from: Some(Date {
                    year: 2020,
                    month: 1,
                    day: 1,
                }),
                activate: true,
                ..Default::default()
            };
            self.registry
                .register_enterprise(self.request(request, Who::Administrator))
                .await?;
        }
        Ok(())
    }
}
