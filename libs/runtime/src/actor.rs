//! The acting user of a call: the actor the access layer proved from the call's bearer token or
//! client certificate (see [`crate::access`]). Nothing a caller asserts about itself otherwise is
//! believed.

use hl_proto::common::v1::Actor;

use crate::error::{ErrorCode, ServiceError};

pub use hl_auth::{is_region_code, parse_role};

/// The caller of a request. The one place a handler learns who is calling.
pub fn caller<T>(request: &tonic::Request<T>) -> Result<Actor, tonic::Status> {
    request.extensions().get::<Actor>().cloned().ok_or_else(|| {
        ServiceError::new(
            ErrorCode::Unauthenticated,
            "the call carries no authenticated actor",
        )
        .into()
    })
}
