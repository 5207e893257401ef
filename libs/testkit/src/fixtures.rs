//! The registry a test needs, recorded through the registry's API as the bureau would: the
//! district, its townships and the enterprises.

use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::registry_service_client::RegistryServiceClient;
use hl_proto::responsibility::v1::{AdminAreaLevel, Industry};
use tonic::transport::Channel;

use crate::actors::{OTHER_TOWNSHIP, REGION, TOWNSHIP, administrator, as_actor};

/// An enterprise to register, in a township.
pub struct Registered<'a> {
    pub enterprise_id: &'a str,
    pub township: &'a str,
    pub industries: &'a [Industry],
}

impl<'a> Registered<'a> {
    /// An ammonia cold store of the fixture township: the demo's typical enterprise.
    pub fn cold_store(enterprise_id: &'a str) -> Self {
        Registered {
            enterprise_id,
            township: TOWNSHIP,
            industries: &[Industry::AmmoniaRefrigeration],
        }
    }
}

/// Registers the district, its two fixture townships and the enterprises (active, required to
/// self-check quarterly), from 2020. Registering again changes nothing.
pub async fn register_district(channel: Channel, enterprises: &[Registered<'_>]) {
    register_district_as(
        channel,
        &administrator(),
        (REGION, &[TOWNSHIP, OTHER_TOWNSHIP]),
        enterprises,
    )
    .await;
}

/// Registers any district as its bureau administrator: the district, its townships and the
/// enterprises, as [`register_district`] does for the fixture district.
pub async fn register_district_as(
    channel: Channel,
    administrator: &hl_proto::common::v1::Actor,
    (district, townships): (&str, &[&str]),
    enterprises: &[Registered<'_>],
) {
    let mut registry = RegistryServiceClient::new(channel);
    let district_area = (district, AdminAreaLevel::District, "");
    let township_areas = townships
        .iter()
        .map(|township| (*township, AdminAreaLevel::Township, district));
    for (code, level, parent) in std::iter::once(district_area).chain(township_areas) {
        let area = pb::AdminArea {
            code: code.into(),
            display_name: format!("area {code}"),
            level: level as i32,
            parent_code: parent.into(),
            ..Default::default()
        };
        let request = pb::CreateAdminAreaRequest {
            request_id: format!("fixture-area-{code}"),
            area: Some(area),
            ..Default::default()
        };
        registry
            .create_admin_area(as_actor(request, administrator))
            .await
            .expect("register an area");
    }
    for enterprise in enterprises {
        let details = pb::Enterprise {
            enterprise_id: enterprise.enterprise_id.into(),
            display_name: format!("enterprise {}", enterprise.enterprise_id),
            township_code: enterprise.township.into(),
            industries: enterprise
                .industries
                .iter()
                .map(|industry| *industry as i32)
                .collect(),
            self_check_required: true,
            self_check_frequency: pb::SelfCheckFrequency::Quarterly as i32,
            ..Default::default()
        };
        let request = pb::RegisterEnterpriseRequest {
            request_id: format!("fixture-enterprise-{}", enterprise.enterprise_id),
            enterprise: Some(details),
            effective_from: Some(chrono_date(2020, 1, 1)),
            activate: true,
            ..Default::default()
        };
        registry
            .register_enterprise(as_actor(request, administrator))
            .await
            .expect("register an enterprise");
    }
}

fn chrono_date(year: i32, month: i32, day: i32) -> hl_proto::common::v1::Date {
    hl_proto::common::v1::Date { year, month, day }
}

/// Registers enforcement officers (inspectors of the district's bureau), each holding a 执法证
/// valid from 2020-01-01 to `valid_until`. Registering again changes nothing.
pub async fn register_officers(channel: Channel, officers: &[&str], valid_until: (i32, i32, i32)) {
    register_officers_in(channel, "", officers, valid_until).await;
}

/// Registers a department of the district's bureau. Registering again changes nothing.
pub async fn register_unit(channel: Channel, unit_id: &str) {
    let unit = pb::OrgUnit {
        org_unit_id: unit_id.into(),
        display_name: format!("unit {unit_id}"),
        kind: pb::OrgUnitKind::Department as i32,
        region_code: REGION.into(),
        ..Default::default()
    };
    let request = pb::CreateOrgUnitRequest {
        request_id: format!("fixture-unit-{unit_id}"),
        unit: Some(unit),
        ..Default::default()
    };
    RegistryServiceClient::new(channel)
        .create_org_unit(as_actor(request, &administrator()))
        .await
        .expect("register an org unit");
}

/// Like [`register_officers`], each officer a member of a registered org unit (none when
/// `unit_id` is empty).
pub async fn register_officers_in(
    channel: Channel,
    unit_id: &str,
    officers: &[&str],
    valid_until: (i32, i32, i32),
) {
    let mut registry = RegistryServiceClient::new(channel);
    let (year, month, day) = valid_until;
    for officer in officers {
        let person = pb::Person {
            person_id: officer.to_string(),
            display_name: format!("officer {officer}"),
            roles: vec![pb::PersonRole::Inspector as i32],
            org_unit_id: unit_id.into(),
            enforcement_certificate: Some(pb::EnforcementCertificate {
                number: format!("浙应执{officer}"),
                valid_from: Some(chrono_date(2020, 1, 1)),
                valid_until: Some(chrono_date(year, month, day)),
            }),
            ..Default::default()
        };
        let request = pb::CreatePersonRequest {
            request_id: format!("fixture-person-{officer}"),
            person: Some(person),
            ..Default::default()
        };
        registry
            .create_person(as_actor(request, &administrator()))
            .await
            .expect("register an officer");
    }
}

/// A hazard an inspection finds at an enterprise (a blocked fire exit), as an inspector reports
/// it.
pub fn inspection_report(
    request_id: &str,
    hazard_id: &str,
    enterprise_id: &str,
) -> hl_proto::hazards::v1::ReportHazardRequest {
    use hl_proto::hazards::v1 as hazards;
    hazards::ReportHazardRequest {
        request_id: request_id.into(),
        hazard_id: hazard_id.into(),
        enterprise_id: enterprise_id.into(),
        provenance: hazards::Provenance::GovernmentInspection as i32,
        source_type: hazards::SourceType::Routine as i32,
        category: hazards::HazardCategory::FireSafety as i32,
        location: "warehouse".into(),
        description: "exit blocked".into(),
        ..Default::default()
    }
}
