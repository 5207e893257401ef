//! What the shared command pipeline reads from any request. The build script implements these
//! traits for every request message that has the fields, so a new context's requests have them
//! with nothing to list.

use crate::Timestamp;

/// A request that changes something: it carries a client-chosen `request_id`, and may date what
/// it records (`occurred_at`, the business time).
pub trait CommandRequest: Send + 'static {
    fn request_id(&self) -> &str;
    /// When what the request records happened; None when the request has no such field or the
    /// caller left it out (then it happened now).
    fn occurred_at(&self) -> Option<&Timestamp>;
}

/// A request about one resource, named "collection/{id}".
pub trait NamedRequest {
    fn name(&self) -> &str;
}

/// A request that may ask about a past moment (`as_of`); None asks about now, as does every
/// request naming a resource that has no such field.
pub trait AsOfRequest {
    fn as_of(&self) -> Option<&Timestamp>;
}

include!(concat!(env!("OUT_DIR"), "/request_traits.rs"));
