//! Who may act (DOMAIN.md §1, DESIGN.md §7). An enterprise acts only for itself, in its own
//! ledger; government-side roles act within their jurisdiction (their region code is a prefix of
//! the thing's township or district code); a province's or city's code reads, and only reads,
//! the records of its districts ([`reads`]). A system actor is another government system: it
//! reads, and writes only what a sensor platform does (sensor hazards, device readings).

use hl_proto::common::v1::{Actor, Role};

use crate::DomainError;
use crate::reasons;

pub fn role(actor: &Actor) -> Role {
    Role::try_from(actor.role).unwrap_or(Role::Unspecified)
}

/// An inspector, township officer or bureau administrator: a person of the government side who
/// decides. Government systems are not: they read, and write only sensor readings.
pub fn is_government_side(actor: &Actor) -> bool {
    matches!(
        role(actor),
        Role::Inspector | Role::TownshipOfficer | Role::BureauAdministrator
    )
}

/// A government system (a sensor platform) whose jurisdiction covers the place: what may report
/// a sensor hazard or record a device reading besides the government side.
pub fn is_system_covering(actor: &Actor, place_code: &str) -> bool {
    role(actor) == Role::System && covers(actor, place_code)
}

/// Whether the actor is the enterprise itself.
pub fn is_the_enterprise(actor: &Actor, enterprise_id: &str) -> bool {
    role(actor) == Role::Enterprise && actor.organisation == enterprise_id
}

/// Whether the actor may learn that a record of the enterprise exists: anyone but another
/// enterprise. See [`crate::Aggregate::known_to`].
pub fn may_know_of(actor: &Actor, enterprise_id: &str) -> bool {
    role(actor) != Role::Enterprise || actor.organisation == enterprise_id
}

/// Whether a government-side actor's jurisdiction covers a place with this code.
pub fn covers(actor: &Actor, place_code: &str) -> bool {
    !actor.region.is_empty() && place_code.starts_with(&actor.region)
}

/// The codes a jurisdiction reads: by the division codes' convention (GB/T 2260), a province's
/// code ("330000") stands for every code beginning with its first two digits and a city's
/// ("330900") for every code beginning with its first four; a district's or township's code
/// stands for the codes beginning with it.
pub fn readable_prefix(region: &str) -> &str {
    let division = region.len() == 6 && region.bytes().all(|byte| byte.is_ascii_digit());
    match region {
        _ if !division => region,
        _ if region.ends_with("0000") => &region[..2],
        _ if region.ends_with("00") => &region[..4],
        _ => region,
    }
}

/// Whether an actor's jurisdiction reaches a place for reading. A province's or city's
/// government reads the records its districts hold (the province's platform asks each district
/// for its own); writing stays with those whose code the place's begins with ([`covers`]).
pub fn reads(actor: &Actor, place_code: &str) -> bool {
    let prefix = readable_prefix(&actor.region);
    !prefix.is_empty() && place_code.starts_with(prefix)
}

/// A government-side actor whose jurisdiction covers the place.
pub fn require_government(
    actor: &Actor,
    place_code: &str,
    action: &str,
) -> Result<(), DomainError> {
    if !is_government_side(actor) {
        return Err(DomainError::forbidden(
            reasons::GOVERNMENT_ROLE_REQUIRED,
            format!("only an inspector, township officer or bureau administrator may {action}"),
        ));
    }
    if !covers(actor, place_code) {
        return Err(DomainError::forbidden(
            reasons::OUTSIDE_JURISDICTION,
            format!(
                "{action}: the actor's jurisdiction {:?} does not cover {place_code}",
                actor.region
            ),
        ));
    }
    Ok(())
}

/// A government-side actor, or a government system, whose jurisdiction covers the place: what
/// may act on the system's own schedule (a bulletin for an overdue item, the case it proposes).
pub fn require_government_or_system(
    actor: &Actor,
    place_code: &str,
    action: &str,
) -> Result<(), DomainError> {
    if is_system_covering(actor, place_code) {
        return Ok(());
    }
    require_government(actor, place_code, action)
}

/// A government-side actor working anywhere in the district, or above it: a township officer
/// reports on district-wide work such as a supervision order's sub-tasks.
pub fn require_government_within(
    actor: &Actor,
    district: &str,
    action: &str,
) -> Result<(), DomainError> {
    if is_government_side(actor) && !actor.region.is_empty() && actor.region.starts_with(district) {
        return Ok(());
    }
    require_government(actor, district, action)
}

/// A bureau administrator (the 安委会 level) covering the place.
pub fn require_bureau(actor: &Actor, place_code: &str, action: &str) -> Result<(), DomainError> {
    if role(actor) != Role::BureauAdministrator {
        return Err(DomainError::forbidden(
            reasons::BUREAU_ROLE_REQUIRED,
            format!("only a bureau administrator may {action}"),
        ));
    }
    require_government(actor, place_code, action)
}

/// Who keeps the registry of a place: a bureau administrator whose district covers it, or a
/// township officer for a place in their own township. Inspectors use it but do not keep it
/// (REGISTRAR_ROLE_REQUIRED). As in [`require_government`], an enterprise or a government system
/// is refused (GOVERNMENT_ROLE_REQUIRED: a system writes only sensor readings), and a place
/// outside the actor's jurisdiction is OUTSIDE_JURISDICTION.
pub fn require_registrar(actor: &Actor, place_code: &str, action: &str) -> Result<(), DomainError> {
    if role(actor) == Role::Inspector {
        return Err(DomainError::forbidden(
            reasons::REGISTRAR_ROLE_REQUIRED,
            format!(
                "the registry is kept by the bureau and the townships; an inspector may not {action}"
            ),
        ));
    }
    require_government(actor, place_code, action)
}

/// The enterprise itself.
pub fn require_the_enterprise(
    actor: &Actor,
    enterprise_id: &str,
    action: &str,
) -> Result<(), DomainError> {
    if is_the_enterprise(actor, enterprise_id) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            reasons::ENTERPRISE_ONLY,
            format!("only enterprise {enterprise_id} itself may {action}"),
        ))
    }
}

/// Refuses an enterprise that names another enterprise, before anything about that enterprise is
/// looked up: what the registry says of it (registered or not, its township) is not the
/// caller's to learn from a refusal.
pub fn refuse_another_enterprise(
    actor: &Actor,
    enterprise_id: &str,
    action: &str,
) -> Result<(), DomainError> {
    if may_know_of(actor, enterprise_id) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            reasons::OTHER_ENTERPRISE,
            format!("an enterprise may {action} only for itself, not for {enterprise_id}"),
        ))
    }
}

/// The enterprise itself, or a government-side actor covering the place.
pub fn require_enterprise_or_government(
    actor: &Actor,
    enterprise_id: &str,
    place_code: &str,
    action: &str,
) -> Result<(), DomainError> {
    if is_the_enterprise(actor, enterprise_id) {
        return Ok(());
    }
    if role(actor) == Role::Enterprise {
        return Err(DomainError::forbidden(
            reasons::OTHER_ENTERPRISE,
            format!("an enterprise may {action} only for itself, not for {enterprise_id}"),
        ));
    }
    require_government(actor, place_code, action)
}

/// Who may read a record of `enterprise_id` at `place_code` (the township it is in, or the
/// district when it has none): the enterprise its own records only; the government side and
/// government systems within their jurisdiction (a township officer their township).
pub fn require_reader(
    actor: &Actor,
    enterprise_id: &str,
    place_code: &str,
) -> Result<(), DomainError> {
    match role(actor) {
        Role::Enterprise if actor.organisation == enterprise_id => Ok(()),
        Role::Enterprise => Err(DomainError::forbidden(
            reasons::OTHER_ENTERPRISE,
            "an enterprise reads only its own records",
        )),
        Role::Unspecified => Err(DomainError::forbidden(
            reasons::NO_ROLE,
            "the caller has no role",
        )),
        _ if reads(actor, place_code) => Ok(()),
        _ => Err(DomainError::forbidden(
            reasons::OUTSIDE_JURISDICTION,
            format!(
                "the record is in {place_code:?}, outside the caller's jurisdiction {:?}",
                actor.region
            ),
        )),
    }
}

/// Who may read the district's shared records (its organisation, grid, supervision orders): the
/// government side and government systems working in it, a township officer included.
pub fn require_district_reader(actor: &Actor, district: &str) -> Result<(), DomainError> {
    let working_in = !actor.region.is_empty()
        && (actor.region.starts_with(district)
            || district.starts_with(readable_prefix(&actor.region)));
    match role(actor) {
        Role::Enterprise | Role::Unspecified => Err(DomainError::forbidden(
            reasons::GOVERNMENT_ROLE_REQUIRED,
            "only the government side reads the district's shared records",
        )),
        _ if working_in => Ok(()),
        _ => Err(DomainError::forbidden(
            reasons::OUTSIDE_JURISDICTION,
            format!(
                "district {district} is outside the caller's jurisdiction {:?}",
                actor.region
            ),
        )),
    }
}

/// Who may read a person's record (certificate and phone numbers): a bureau administrator of
/// the district, and the person themself.
pub fn require_person_reader(
    actor: &Actor,
    person_id: &str,
    district: &str,
) -> Result<(), DomainError> {
    if actor.id == person_id && role(actor) != Role::Unspecified {
        return Ok(());
    }
    require_bureau(actor, district, "read another person's record")
}

#[cfg(any(test, feature = "test-support"))]
pub mod test_actors {
    use super::*;

    pub const ENTERPRISE: &str = "91330903MA28F1XQ1P";
    pub const OTHER_ENTERPRISE: &str = "91330903307699187A";

    pub(crate) fn actor(id: &str, role: Role, organisation: &str, region: &str) -> Actor {
        Actor {
            id: id.into(),
            role: role as i32,
            organisation: organisation.into(),
            region: region.into(),
        }
    }

    pub fn enterprise() -> Actor {
        actor("principal-1", Role::Enterprise, ENTERPRISE, "")
    }

    pub fn other_enterprise() -> Actor {
        actor("principal-2", Role::Enterprise, OTHER_ENTERPRISE, "")
    }

    pub fn inspector() -> Actor {
        actor("officer-1", Role::Inspector, "putuo-bureau", "330903")
    }

    pub fn inspector_elsewhere() -> Actor {
        actor("officer-9", Role::Inspector, "dinghai-bureau", "330902")
    }

    pub fn township_officer(township: &str) -> Actor {
        actor("township-1", Role::TownshipOfficer, "township", township)
    }

    /// A government system of the district: a sensor platform.
    pub fn system() -> Actor {
        actor("sensor-platform", Role::System, "sensor-platform", "330903")
    }

    pub fn administrator() -> Actor {
        actor(
            "admin-1",
            Role::BureauAdministrator,
            "putuo-bureau",
            "330903",
        )
    }

    /// Another bureau administrator of the district, to approve what the first asked for.
    pub fn second_administrator() -> Actor {
        actor(
            "admin-2",
            Role::BureauAdministrator,
            "putuo-bureau",
            "330903",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::test_actors::*;
    use super::*;

    #[test]
    fn jurisdiction_is_a_code_prefix() {
        assert!(require_government(&inspector(), "330903001", "act").is_ok());
        let outside = require_government(&inspector_elsewhere(), "330903001", "act").unwrap_err();
        assert_eq!(outside.reason(), "OUTSIDE_JURISDICTION");
        let township = township_officer("330903002");
        assert!(require_government(&township, "330903002", "act").is_ok());
        assert!(require_government(&township, "330903001", "act").is_err());
        assert!(require_government(&township, "330903", "act").is_err());
    }

    #[test]
    fn a_province_or_city_reads_its_districts_records_and_writes_none() {
        let province = actor("zhejiang-platform", Role::System, "province", "330000");
        let city = actor(
            "zhoushan-admin",
            Role::BureauAdministrator,
            "city",
            "330900",
        );
        for reader in [&province, &city] {
            assert!(require_district_reader(reader, "330903").is_ok());
            assert!(require_reader(reader, ENTERPRISE, "330903001").is_ok());
            assert_eq!(
                require_government(reader, "330903001", "act")
                    .unwrap_err()
                    .reason(),
                if reader == &province {
                    "GOVERNMENT_ROLE_REQUIRED"
                } else {
                    "OUTSIDE_JURISDICTION"
                }
            );
            assert!(require_bureau(reader, "330903", "act").is_err());
        }
        // Zhoushan's city reads neither Ningbo's districts nor another province's.
        assert!(require_district_reader(&city, "330203").is_err());
        assert!(require_reader(&city, ENTERPRISE, "330203001").is_err());
        let jiangsu = actor("jiangsu-platform", Role::System, "province", "320000");
        assert!(require_district_reader(&jiangsu, "330903").is_err());
        // A district reads its own records only, and a township officer its township.
        assert!(require_reader(&inspector_elsewhere(), ENTERPRISE, "330903001").is_err());
        assert!(require_reader(&township_officer("330903002"), ENTERPRISE, "330903001").is_err());
        assert_eq!(readable_prefix("330903"), "330903");
        assert_eq!(readable_prefix("330903001"), "330903001");
        assert_eq!(readable_prefix("33x000"), "33x000");
    }

    #[test]
    fn enterprises_act_only_for_themselves() {
        assert!(
            require_enterprise_or_government(&enterprise(), ENTERPRISE, "330903", "act").is_ok()
        );
        let other =
            require_enterprise_or_government(&other_enterprise(), ENTERPRISE, "330903", "act")
                .unwrap_err();
        assert_eq!(other.reason(), "OTHER_ENTERPRISE");
        assert_eq!(
            require_government(&enterprise(), "330903", "act")
                .unwrap_err()
                .reason(),
            "GOVERNMENT_ROLE_REQUIRED"
        );
        assert_eq!(
            require_bureau(&inspector(), "330903", "act")
                .unwrap_err()
                .reason(),
            "BUREAU_ROLE_REQUIRED"
        );
        assert!(require_bureau(&administrator(), "330903", "act").is_ok());
    }
}
