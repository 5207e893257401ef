//! Who a test acts as, and requests sent as them. Every test sends its calls through
//! [`as_actor`], so how a caller proves who it is lives in one place.

use hl_proto::common::v1::{Actor, Role};
use tonic::Request;

/// The demo district (Putuo, Zhoushan) every fixture lives in.
pub const REGION: &str = "330903";
/// 沈家门街道, the township the fixtures' enterprises are in.
pub const TOWNSHIP: &str = "330903001";
/// A second township, for tests of jurisdiction.
pub const OTHER_TOWNSHIP: &str = "330903002";
/// Enterprises with valid unified social credit codes.
pub const ENTERPRISE: &str = "91330903MA2NCU4LYE";
pub const OTHER_ENTERPRISE: &str = "91330903MA2WG7BT4R";

fn actor(id: &str, role: Role, organisation: &str, region: &str) -> Actor {
    Actor {
        id: id.to_string(),
        role: role as i32,
        organisation: organisation.to_string(),
        region: region.to_string(),
    }
}

/// The principal of an enterprise.
pub fn enterprise(credit_code: &str) -> Actor {
    actor("principal", Role::Enterprise, credit_code, "")
}

/// An inspector of the district.
pub fn inspector() -> Actor {
    actor("officer-1", Role::Inspector, "putuo-bureau", REGION)
}

/// An inspector of another district.
pub fn inspector_elsewhere() -> Actor {
    actor("officer-9", Role::Inspector, "dinghai-bureau", "330902")
}

/// A township officer of one township.
pub fn township_officer(township: &str) -> Actor {
    actor(
        "township-1",
        Role::TownshipOfficer,
        "township-centre",
        township,
    )
}

/// A bureau administrator of the district.
pub fn administrator() -> Actor {
    actor("admin-1", Role::BureauAdministrator, "putuo-bureau", REGION)
}

/// A government system of the district (a sensor platform).
pub fn system() -> Actor {
    actor("sensor-platform", Role::System, "sensor-platform", REGION)
}

/// The role as the actor headers spell it.
fn role_header(role: i32) -> &'static str {
    match Role::try_from(role).unwrap_or(Role::Unspecified) {
        Role::Enterprise => "enterprise",
        Role::Inspector => "inspector",
        Role::TownshipOfficer => "township-officer",
        Role::BureauAdministrator => "bureau-administrator",
        Role::System => "system",
        Role::Unspecified => "",
    }
}

/// A request sent by `actor`.
pub fn as_actor<T>(body: T, actor: &Actor) -> Request<T> {
    let mut request = Request::new(body);
    let metadata = request.metadata_mut();
    for (key, value) in [
        ("x-actor-id", actor.id.as_str()),
        ("x-actor-role", role_header(actor.role)),
        ("x-actor-organisation", actor.organisation.as_str()),
        ("x-actor-region", actor.region.as_str()),
    ] {
        if !value.is_empty() {
            metadata.insert(key, value.parse().expect("an ASCII header value"));
        }
    }
    request
}

/// A request sent by the principal of an enterprise.
pub fn by_enterprise<T>(body: T, credit_code: &str) -> Request<T> {
    as_actor(body, &enterprise(credit_code))
}

/// A request sent by an inspector of the district.
pub fn by_inspector<T>(body: T) -> Request<T> {
    as_actor(body, &inspector())
}

/// A request sent by a bureau administrator of the district.
pub fn by_administrator<T>(body: T) -> Request<T> {
    as_actor(body, &administrator())
}
