//! Checking registry requests. Shapes are checked field by field; references (a township, a
//! grid cell, a parent area, an org unit, a person) are checked against the registry index, so
//! the registry never points at something that does not exist.

use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::{
    AdminAreaLevel, EnterpriseScale, Industry, OrgUnitKind, PersonRole, RiskColour,
    SelfCheckFrequency, StandardisationGrade,
};
use hl_runtime::Violations;
use hl_runtime::validation::MAX_SHORT_TEXT;

use crate::domain::enterprise::DETAIL_FIELDS;
use crate::index::IndexState;

/// The most industries an enterprise is listed under (the classification has 10).
const MAX_INDUSTRIES: usize = 10;

/// What requests are checked against.
pub struct Context<'a> {
    pub index: &'a IndexState,
    pub region: &'a str,
}

fn digits(value: &str, length: usize) -> bool {
    value.len() == length && value.bytes().all(|byte| byte.is_ascii_digit())
}

impl Context<'_> {
    /// A township (9-digit) code inside the district that the registry knows.
    pub fn township(&self, violations: &mut Violations, field: &str, code: &str) {
        if code.is_empty() {
            violations.add(field, "is required: a 9-digit township (乡镇/街道) code");
        } else if !digits(code, 9) || !code.starts_with(self.region) {
            violations.add(
                field,
                format!(
                    "must be a 9-digit township code inside district {}",
                    self.region
                ),
            );
        } else if !self.area_exists(code, AdminAreaLevel::Township) {
            violations.add(
                field,
                format!("adminAreas/{code} is not a registered township"),
            );
        }
    }

    fn area_exists(&self, code: &str, level: AdminAreaLevel) -> bool {
        self.index
            .areas
            .get(code)
            .and_then(|entry| entry.state.record.as_ref())
            .is_some_and(|area| area.level() == level)
    }

    /// An optional village (12-digit) code inside the given township.
    pub fn village(&self, violations: &mut Violations, field: &str, code: &str, township: &str) {
        if code.is_empty() {
            return;
        }
        if !digits(code, 12) || !code.starts_with(township) {
            violations.add(
                field,
                format!("must be a 12-digit village code inside township {township}"),
            );
        } else if !self.area_exists(code, AdminAreaLevel::Village) {
            violations.add(
                field,
                format!("adminAreas/{code} is not a registered village"),
            );
        }
    }

    /// An optional grid cell that exists and lies in the township.
    pub fn grid_cell(&self, violations: &mut Violations, field: &str, id: &str, township: &str) {
        if id.is_empty() {
            return;
        }
        match self
            .index
            .cells
            .get(id)
            .and_then(|entry| entry.state.record.as_ref())
        {
            None => violations.add(field, format!("gridCells/{id} does not exist")),
            Some(cell) if cell.township_code != township => violations.add(
                field,
                format!(
                    "gridCells/{id} lies in township {}, not {township}",
                    cell.township_code
                ),
            ),
            Some(_) => {}
        }
    }

    pub fn person(&self, violations: &mut Violations, field: &str, id: &str) {
        if !id.is_empty() && !self.index.persons.contains_key(id) {
            violations.add(field, format!("persons/{id} does not exist"));
        }
    }

    pub fn org_unit(&self, violations: &mut Violations, field: &str, id: &str) {
        if !id.is_empty() && !self.index.units.contains_key(id) {
            violations.add(field, format!("orgUnits/{id} does not exist"));
        }
    }

    pub fn enterprise(&self, violations: &mut Violations, field: &str, id: &str) {
        if id.is_empty() {
            return;
        }
        violations.credit_code(field, id);
        if !self.index.enterprises.contains_key(id) {
            violations.add(field, format!("enterprises/{id} is not registered"));
        }
    }

    /// The named fields of enterprise details (every field when `fields` is None). Violations
    /// are named `{prefix}{field}`.
    pub fn enterprise_details(
        &self,
        violations: &mut Violations,
        prefix: &str,
        details: &pb::EnterpriseDetails,
        fields: Option<&[String]>,
        current_township: &str,
    ) {
        let checks =
            |name: &str| fields.is_none_or(|fields| fields.iter().any(|field| field == name));
        let field = |name: &str| format!("{prefix}{name}");
        if checks("display_name") {
            violations.text(
                &field("display_name"),
                &details.display_name,
                MAX_SHORT_TEXT,
            );
        }
        if checks("address") {
            violations.optional_text(&field("address"), &details.address, MAX_SHORT_TEXT);
        }
        let township = if checks("township_code") {
            self.township(violations, &field("township_code"), &details.township_code);
            details.township_code.as_str()
        } else {
            current_township
        };
        if checks("village_code") {
            self.village(
                violations,
                &field("village_code"),
                &details.village_code,
                township,
            );
        }
        if checks("grid_cell_id") {
            violations.optional_identifier(&field("grid_cell_id"), &details.grid_cell_id);
            self.grid_cell(
                violations,
                &field("grid_cell_id"),
                &details.grid_cell_id,
                township,
            );
        }
        if checks("industries") {
            if details.industries.is_empty() {
                violations.add(field("industries"), "at least one industry is required");
            }
            let mut listed = std::collections::HashSet::new();
            let within = violations.list_length(
                &field("industries"),
                details.industries.len(),
                MAX_INDUSTRIES,
            );
            for (position, industry) in details.industries.iter().enumerate().filter(|_| within) {
                violations
                    .enumeration::<Industry>(&field(&format!("industries[{position}]")), *industry);
                if !listed.insert(*industry) {
                    violations.add(field(&format!("industries[{position}]")), "is listed twice");
                }
            }
        }
        if checks("scale") {
            violations.optional_enumeration::<EnterpriseScale>(&field("scale"), details.scale);
        }
        if checks("standardisation_grade") {
            violations.optional_enumeration::<StandardisationGrade>(
                &field("standardisation_grade"),
                details.standardisation_grade,
            );
        }
        if checks("risk_colour") {
            violations
                .optional_enumeration::<RiskColour>(&field("risk_colour"), details.risk_colour);
        }
        if checks("self_check_frequency") {
            violations.optional_enumeration::<SelfCheckFrequency>(
                &field("self_check_frequency"),
                details.self_check_frequency,
            );
        }
        if checks("chemical_registration_code")
            && !details.chemical_registration_code.is_empty()
            && !digits(&details.chemical_registration_code, 9)
        {
            violations.add(
                field("chemical_registration_code"),
                "must be the 9-digit code of the hazardous-chemicals registration system, or empty",
            );
        }
        if details.self_check_required
            && details.self_check_frequency == SelfCheckFrequency::Unspecified as i32
            && (checks("self_check_required") || checks("self_check_frequency"))
        {
            violations.add(
                field("self_check_frequency"),
                "is required when self-checks are required",
            );
        }
    }

    pub fn admin_area(&self, violations: &mut Violations, area: &pb::AdminArea) {
        let level = violations.enumeration::<AdminAreaLevel>("area.level", area.level);
        violations.text("area.display_name", &area.display_name, MAX_SHORT_TEXT);
        violations.optional_text("area.kind", &area.kind, 32);
        let expected = match level {
            Some(AdminAreaLevel::District) => 6,
            Some(AdminAreaLevel::Township) => 9,
            Some(AdminAreaLevel::Village) => 12,
            _ => return,
        };
        if !digits(&area.code, expected) {
            violations.add(
                "area.code",
                format!("must be {expected} digits for this level"),
            );
            return;
        }
        if !area.code.starts_with(self.region) {
            violations.add("area.code", format!("must lie in district {}", self.region));
        }
        let parent_level = match level {
            Some(AdminAreaLevel::Township) => Some(AdminAreaLevel::District),
            Some(AdminAreaLevel::Village) => Some(AdminAreaLevel::Township),
            _ => None,
        };
        if let Some(parent_level) = parent_level
            && area.parent_code == area.code[..expected - 3]
            && !self.area_exists(&area.parent_code, parent_level)
        {
            violations.add(
                "area.parent_code",
                format!("adminAreas/{} is not registered", area.parent_code),
            );
        }
    }

    pub fn grid_cell_record(&self, violations: &mut Violations, cell: &pb::GridCell) {
        violations.identifier("cell.grid_cell_id", &cell.grid_cell_id);
        violations.text("cell.display_name", &cell.display_name, MAX_SHORT_TEXT);
        self.township(violations, "cell.township_code", &cell.township_code);
        self.village(
            violations,
            "cell.village_code",
            &cell.village_code,
            &cell.township_code,
        );
        self.person(violations, "cell.grid_head_id", &cell.grid_head_id);
        for (position, worker) in cell.grid_worker_ids.iter().enumerate() {
            self.person(
                violations,
                &format!("cell.grid_worker_ids[{position}]"),
                worker,
            );
        }
    }

    pub fn org_unit_record(&self, violations: &mut Violations, unit: &pb::OrgUnit) {
        violations.identifier("unit.org_unit_id", &unit.org_unit_id);
        violations.text("unit.display_name", &unit.display_name, MAX_SHORT_TEXT);
        violations.enumeration::<OrgUnitKind>("unit.kind", unit.kind);
        self.org_unit(
            violations,
            "unit.parent_org_unit_id",
            &unit.parent_org_unit_id,
        );
        if !unit.region_code.is_empty() && !(6..=12).contains(&unit.region_code.len()) {
            violations.add(
                "unit.region_code",
                "must be an administrative code of 6 to 12 digits",
            );
        }
    }

    pub fn person_record(&self, violations: &mut Violations, person: &pb::Person) {
        violations.identifier("person.person_id", &person.person_id);
        violations.text("person.display_name", &person.display_name, MAX_SHORT_TEXT);
        if person.roles.is_empty() {
            violations.add("person.roles", "at least one role is required");
        }
        for (position, role) in person.roles.iter().enumerate() {
            violations.enumeration::<PersonRole>(&format!("person.roles[{position}]"), *role);
        }
        self.org_unit(violations, "person.org_unit_id", &person.org_unit_id);
        self.enterprise(violations, "person.enterprise_id", &person.enterprise_id);
        if let Some(certificate) = &person.enforcement_certificate {
            violations.text(
                "person.enforcement_certificate.number",
                &certificate.number,
                64,
            );
            violations.date(
                "person.enforcement_certificate.valid_from",
                certificate.valid_from.as_ref(),
            );
            violations.date(
                "person.enforcement_certificate.valid_until",
                certificate.valid_until.as_ref(),
            );
        }
    }
}

/// The update mask's paths, each one of `allowed`.
pub fn update_mask(
    violations: &mut Violations,
    mask: Option<&hl_proto::FieldMask>,
    allowed: &[&str],
) -> Vec<String> {
    let paths: Vec<String> = mask.map(|mask| mask.paths.clone()).unwrap_or_default();
    if paths.is_empty() {
        violations.add(
            "update_mask",
            format!(
                "name at least one field to change, among: {}",
                allowed.join(", ")
            ),
        );
    }
    for path in &paths {
        if !allowed.contains(&path.as_str()) {
            violations.add(
                "update_mask",
                format!(
                    "{path:?} cannot be changed; fields that can: {}",
                    allowed.join(", ")
                ),
            );
        }
    }
    paths
}

/// The enterprise details a flat Enterprise resource carries.
pub fn details_of(enterprise: &pb::Enterprise) -> pb::EnterpriseDetails {
    pb::EnterpriseDetails {
        display_name: enterprise.display_name.trim().to_string(),
        address: enterprise.address.trim().to_string(),
        township_code: enterprise.township_code.clone(),
        village_code: enterprise.village_code.clone(),
        grid_cell_id: enterprise.grid_cell_id.clone(),
        industries: enterprise.industries.clone(),
        scale: enterprise.scale,
        standardisation_grade: enterprise.standardisation_grade,
        risk_colour: enterprise.risk_colour,
        self_check_required: enterprise.self_check_required,
        self_check_frequency: enterprise.self_check_frequency,
        chemical_registration_code: enterprise.chemical_registration_code.trim().to_string(),
    }
}

/// Every field an enterprise update may name.
pub fn enterprise_fields() -> &'static [&'static str] {
    DETAIL_FIELDS
}
