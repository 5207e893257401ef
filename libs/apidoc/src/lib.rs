//! The API reference an integrator reads without the source: every package, service, method,
//! message, field, enum and error reason, generated from the .proto files' comments (carried by
//! the descriptor set the build compiles), the role table and the error-reason catalog.
//!
//! `make docs` writes it to docs/api-reference.md; a test keeps that file current and another
//! fails on any public element without a comment.

mod descriptors;
mod markdown;

pub use descriptors::undocumented;
pub use markdown::render;

/// The API's descriptor set, with source comments.
pub fn api_descriptors() -> prost_types::FileDescriptorSet {
    prost::Message::decode(hl_proto::FILE_DESCRIPTOR_SET)
        .expect("the build writes a valid descriptor set")
}
