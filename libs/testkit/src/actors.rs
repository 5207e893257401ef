//! Who a test acts as, and requests sent as them. Every test sends its calls through
//! [`as_actor`], so how a caller proves who it is lives in one place: a bearer token signed by
//! the tests' key ([`signing_key`]), which every service under test trusts.

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

/// Anyone, for a test that needs someone the helpers here do not name.
pub fn actor(id: &str, role: Role, organisation: &str, region: &str) -> Actor {
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

/// Another bureau administrator of the district, to approve what the first asked for.
pub fn second_administrator() -> Actor {
    actor("admin-2", Role::BureauAdministrator, "putuo-bureau", REGION)
}

/// A government system of the district (a sensor platform).
pub fn system() -> Actor {
    actor("sensor-platform", Role::System, "sensor-platform", REGION)
}

/// The key every test's tokens are signed with, and every service under test trusts: one per
/// test process.
pub fn signing_key() -> &'static hl_auth::SigningKey {
    static KEY: std::sync::OnceLock<hl_auth::SigningKey> = std::sync::OnceLock::new();
    KEY.get_or_init(hl_auth::SigningKey::generate)
}

/// A file holding the JWKS of the tests' key, for a service started as its own process
/// (HL_AUTH_JWKS).
pub fn jwks_file() -> &'static std::path::Path {
    static FILE: std::sync::OnceLock<tempfile::NamedTempFile> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let file = tempfile::NamedTempFile::new().expect("a temporary file");
        std::fs::write(file.path(), signing_key().jwks()).expect("write the JWKS");
        file
    })
    .path()
}

/// What the tests' tokens name as issuer and audience: the services' defaults.
pub fn expectations() -> hl_auth::Expectations {
    hl_auth::Expectations {
        issuer: "hazard-ledger".into(),
        audience: "hazard-ledger".into(),
        leeway_seconds: 30,
    }
}

/// One actor of each role, as the access policy names them.
pub fn one_of_each_role() -> Vec<(Role, Actor)> {
    vec![
        (Role::Enterprise, enterprise(ENTERPRISE)),
        (Role::Inspector, inspector()),
        (Role::TownshipOfficer, township_officer(TOWNSHIP)),
        (Role::BureauAdministrator, administrator()),
        (Role::System, system()),
    ]
}

/// A bearer token of `actor`, valid for an hour.
pub fn token(actor: &Actor) -> String {
    signing_key().token_for(actor, &expectations(), std::time::Duration::from_secs(3600))
}

/// A request sent by `actor`, with its bearer token.
pub fn as_actor<T>(body: T, actor: &Actor) -> Request<T> {
    let mut request = Request::new(body);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", token(actor))
            .parse()
            .expect("a token is ASCII"),
    );
    request
}

/// A request handed to a service's handler directly, in process, as the access layer hands it
/// on once it has admitted `actor`.
pub fn admitted<T>(body: T, actor: &Actor) -> Request<T> {
    let mut request = Request::new(body);
    request.extensions_mut().insert(actor.clone());
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
