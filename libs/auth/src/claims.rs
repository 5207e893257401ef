//! What a token says of its bearer, and the actor it makes. The actor comes from verified claims
//! only: nothing a caller asserts about itself otherwise is believed.

use hl_proto::common::v1::{Actor, Role};
use serde::{Deserialize, Serialize};

/// The claims of a Hazard Ledger token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The person or system: the actor's id.
    pub sub: String,
    /// enterprise, inspector, township-officer, bureau-administrator or system.
    pub role: String,
    /// The organisation the bearer acts for: an enterprise's unified social credit code, a
    /// department or a platform.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub org: String,
    /// The district (6 digits) of a government actor.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    /// The township (9 digits) of a township officer: their jurisdiction.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub township: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
}

/// Why claims do not make an actor.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ClaimsError(pub String);

impl Claims {
    /// The actor the claims name, or what is wrong with them.
    pub fn actor(&self) -> Result<Actor, ClaimsError> {
        let mut problems = Vec::new();
        if self.sub.is_empty() || self.sub.len() > 128 {
            problems.push("sub must name the bearer (at most 128 characters)".to_string());
        }
        let role = parse_role(&self.role);
        match role {
            None => problems.push(format!(
                "role must be one of enterprise, inspector, township-officer, bureau-administrator, system (got {:?})",
                self.role
            )),
            Some(Role::Enterprise) if self.org.is_empty() => {
                problems.push("an enterprise's token names its unified social credit code in org".into())
            }
            Some(Role::TownshipOfficer) if !(self.township.len() == 9 && is_region_code(&self.township)) => {
                problems.push("a township officer's token names the 9-digit township".into())
            }
            Some(role) if role != Role::Enterprise && !(self.region.len() == 6 && is_region_code(&self.region)) => {
                problems.push("a government token names its 6-digit district in region".into())
            }
            _ => {}
        }
        if !problems.is_empty() {
            return Err(ClaimsError(problems.join("; ")));
        }
        let role = role.expect("checked above");
        let region = match role {
            Role::Enterprise => String::new(),
            Role::TownshipOfficer => self.township.clone(),
            _ => self.region.clone(),
        };
        Ok(Actor {
            id: self.sub.clone(),
            role: role as i32,
            organisation: self.org.clone(),
            region,
        })
    }

    /// The claims of a token for `actor` (a township officer's region is their township).
    pub fn for_actor(actor: &Actor) -> Claims {
        let role = Role::try_from(actor.role).unwrap_or(Role::Unspecified);
        let (region, township) = match role {
            Role::TownshipOfficer => (actor.region.chars().take(6).collect(), actor.region.clone()),
            _ => (actor.region.clone(), String::new()),
        };
        Claims {
            sub: actor.id.clone(),
            role: role_name(role).to_string(),
            org: actor.organisation.clone(),
            region,
            township,
            ..Claims::default()
        }
    }
}

/// A role as tokens and tools spell it: "inspector", "township-officer", or the enum name.
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

/// The spelling of a role in tokens.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Enterprise => "enterprise",
        Role::Inspector => "inspector",
        Role::TownshipOfficer => "township-officer",
        Role::BureauAdministrator => "bureau-administrator",
        Role::System => "system",
        Role::Unspecified => "",
    }
}

/// 6 (district) to 12 (village) digits.
pub fn is_region_code(code: &str) -> bool {
    (6..=12).contains(&code.len()) && code.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(role: &str) -> Claims {
        Claims {
            sub: "officer-7".into(),
            role: role.into(),
            org: "putuo-bureau".into(),
            region: "330903".into(),
            township: "330903001".into(),
            ..Claims::default()
        }
    }

    #[test]
    fn a_township_officer_acts_in_the_township_the_token_names() {
        let actor = claims("township-officer").actor().unwrap();
        assert_eq!(actor.role, Role::TownshipOfficer as i32);
        assert_eq!(actor.region, "330903001");
        assert_eq!(Claims::for_actor(&actor).actor().unwrap(), actor);
    }

    #[test]
    fn claims_that_do_not_make_an_actor_are_named() {
        let mut enterprise = claims("enterprise");
        enterprise.org = String::new();
        assert!(enterprise.actor().unwrap_err().0.contains("org"));
        let mut inspector = claims("inspector");
        inspector.region = "33x".into();
        assert!(inspector.actor().unwrap_err().0.contains("region"));
        assert!(claims("mayor").actor().unwrap_err().0.contains("role"));
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
