//! What every Hazard Ledger service shares: configuration pieces, the one table from error
//! codes to gRPC codes, input validation helpers, the acting user from request metadata, the
//! NATS connection, and the gRPC server with health and reflection.

pub mod access;
pub mod actor;
pub mod admission;
pub mod config;
pub mod error;
pub mod follower;
pub mod grpc;
pub mod health;
pub mod nats;
pub mod pagination;
pub mod pipeline;
pub mod policy;
pub mod process;
pub mod rpc_layer;
pub mod sheet;
pub mod shutdown;
pub mod standalone;
pub mod validation;

pub use actor::caller;
pub use error::{ErrorCode, ServiceError};
pub use validation::Violations;
