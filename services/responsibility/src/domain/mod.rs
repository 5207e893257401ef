//! The registry's domain: pure `decide` and `apply` for enterprises (details that change on
//! effective dates, and a lifecycle) and for the simpler records (administrative areas, grid
//! cells, organisation units, people).

pub mod enterprise;
pub mod records;

use hl_proto::common::v1::{Actor, Role};

pub use hl_domain::{DomainError, access, clock};

/// The stream of this context.
pub const CONTEXT: &str = "responsibility";

/// Who keeps the registry of a place: a bureau administrator or government system for its
/// district, or a township officer for the township. Inspectors use it but do not keep it.
pub fn require_registrar(actor: &Actor, place_code: &str, action: &str) -> Result<(), DomainError> {
    if access::role(actor) == Role::Inspector {
        return Err(DomainError::forbidden(
            "REGISTRAR_ROLE_REQUIRED",
            format!(
                "the registry is kept by the bureau and the townships; an inspector may not {action}"
            ),
        ));
    }
    access::require_government(actor, place_code, action)
}
