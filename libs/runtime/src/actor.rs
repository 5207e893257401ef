//! The acting user, taken from request metadata and recorded in every event.
//!
//! Headers: `x-actor-id`, `x-actor-role`, `x-actor-organisation`, `x-actor-region`. They are
//! trusted as given; authenticating them (bearer tokens, mTLS identities) is a separate layer.

use hl_proto::common::v1::{Actor, Role};
use tonic::metadata::MetadataMap;

use crate::error::{ErrorCode, ServiceError};

pub const ACTOR_ID: &str = "x-actor-id";
pub const ACTOR_ROLE: &str = "x-actor-role";
pub const ACTOR_ORGANISATION: &str = "x-actor-organisation";
pub const ACTOR_REGION: &str = "x-actor-region";

/// The caller of a request: the actor an authentication layer put in the request's extensions,
/// else the one its headers name. The one place a handler learns who is calling.
pub fn caller<T>(request: &tonic::Request<T>) -> Result<Actor, tonic::Status> {
    if let Some(actor) = request.extensions().get::<Actor>() {
        return Ok(actor.clone());
    }
    actor_from_metadata(request.metadata()).map_err(tonic::Status::from)
}

/// Parses a role as written in the header: "inspector", "township-officer", or the enum name.
pub fn parse_role(value: &str) -> Option<Role> {
    let normalised = value.trim().to_ascii_uppercase().replace('-', "_");
    let name = normalised.strip_prefix("ROLE_").unwrap_or(&normalised);
    match name {
        "ENTERPRISE" => Some(Role::Enterprise),
        "INSPECTOR" => Some(Role::Inspector),
        "TOWNSHIP_OFFICER" => Some(Role::TownshipOfficer),
        "BUREAU_ADMINISTRATOR" => Some(Role::BureauAdministrator),
        "SYSTEM" => Some(Role::System),
        _ => None,
    }
}

/// The actor of a request, or UNAUTHENTICATED naming every missing or bad header.
pub fn actor_from_metadata(metadata: &MetadataMap) -> Result<Actor, ServiceError> {
    let header = |name: &str| -> String {
        metadata
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.trim().to_string())
            .unwrap_or_default()
    };
    let id = header(ACTOR_ID);
    let role_text = header(ACTOR_ROLE);
    let organisation = header(ACTOR_ORGANISATION);
    let region = header(ACTOR_REGION);

    let mut problems = Vec::new();
    if id.is_empty() || id.len() > 128 {
        problems.push(format!("{ACTOR_ID} is required (at most 128 characters)"));
    }
    let role = parse_role(&role_text);
    if role.is_none() {
        problems.push(format!(
            "{ACTOR_ROLE} must be one of enterprise, inspector, township-officer, bureau-administrator, system (got {role_text:?})"
        ));
    }
    if role == Some(Role::Enterprise) && organisation.is_empty() {
        problems.push(format!(
            "{ACTOR_ORGANISATION} is required for an enterprise: its unified social credit code"
        ));
    }
    if !region.is_empty() && !is_region_code(&region) {
        problems.push(format!(
            "{ACTOR_REGION} must be an administrative division code of 6 to 12 digits (got {region:?})"
        ));
    }
    if !problems.is_empty() {
        return Err(ServiceError::new(
            ErrorCode::Unauthenticated,
            problems.join("; "),
        ));
    }
    Ok(Actor {
        id,
        role: role.map(|role| role as i32).unwrap_or_default(),
        organisation,
        region,
    })
}

/// 6 (district) to 12 (village) digits.
pub fn is_region_code(code: &str) -> bool {
    (6..=12).contains(&code.len()) && code.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(pairs: &[(&'static str, &'static str)]) -> MetadataMap {
        let mut map = MetadataMap::new();
        for (key, value) in pairs {
            map.insert(*key, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_complete_actor_is_read() {
        let actor = actor_from_metadata(&metadata(&[
            (ACTOR_ID, "officer-7"),
            (ACTOR_ROLE, "township-officer"),
            (ACTOR_ORGANISATION, "shenjiamen-office"),
            (ACTOR_REGION, "330903001"),
        ]))
        .unwrap();
        assert_eq!(actor.role, Role::TownshipOfficer as i32);
        assert_eq!(actor.region, "330903001");
    }

    #[test]
    fn missing_and_bad_headers_are_all_named() {
        let error = actor_from_metadata(&metadata(&[
            (ACTOR_ROLE, "enterprise"),
            (ACTOR_REGION, "33x"),
        ]))
        .unwrap_err();
        assert_eq!(error.code, ErrorCode::Unauthenticated);
        assert!(error.message.contains(ACTOR_ID));
        assert!(error.message.contains(ACTOR_ORGANISATION));
        assert!(error.message.contains(ACTOR_REGION));
    }

    #[test]
    fn roles_parse_in_either_spelling() {
        assert_eq!(parse_role("ROLE_INSPECTOR"), Some(Role::Inspector));
        assert_eq!(
            parse_role("bureau-administrator"),
            Some(Role::BureauAdministrator)
        );
        assert_eq!(parse_role("mayor"), None);
    }
}
