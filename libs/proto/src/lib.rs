//! Protobuf messages and gRPC stubs of the Hazard Ledger API and its events, generated at build
//! time from the workspace's proto/ folder, plus the few helpers every context needs to treat a
//! protobuf message as a domain event.

mod dates;
mod domain_event;
pub mod enforcement_events;
pub mod hazard_events;
pub mod limits;
pub mod plans_events;
pub mod registry_events;
pub mod requests;

pub use dates::{FieldMask, Timestamp, instant, timestamp};
pub use domain_event::{DomainEvent, EventDecodeError};

pub mod common {
    pub mod v1 {
        tonic::include_proto!("hazard_ledger.common.v1");
    }
}

pub mod enforcement {
    pub mod v1 {
        tonic::include_proto!("hazard_ledger.enforcement.v1");
    }
}

pub mod plans {
    pub mod v1 {
        tonic::include_proto!("hazard_ledger.plans.v1");
    }
}

pub mod events {
    pub mod v1 {
        tonic::include_proto!("hazard_ledger.events.v1");
    }
}

pub mod hazards {
    pub mod v1 {
        tonic::include_proto!("hazard_ledger.hazards.v1");
    }
}

pub mod ledger {
    pub mod v1 {
        tonic::include_proto!("hazard_ledger.ledger.v1");

        impl Freshness {
            /// The read model has applied every event of every stream (a context with no
            /// events yet has none to apply), and there are events.
            pub fn is_caught_up(&self) -> bool {
                self.streams.iter().all(|stream| stream.lag_events == 0)
                    && self.streams.iter().any(|stream| stream.head_sequence > 0)
            }
        }
    }
}

pub mod responsibility {
    pub mod v1 {
        tonic::include_proto!("hazard_ledger.responsibility.v1");
    }
}

include!(concat!(env!("OUT_DIR"), "/enum_list.rs"));

/// Every Hazard Ledger descriptor, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/hazard_ledger_descriptor.bin"));

/// The `domain` of every `google.rpc.ErrorInfo` the suite returns.
pub const ERROR_DOMAIN: &str = "hazard-ledger";

/// Used by `domain_events!`, so that its callers need not depend on prost themselves.
#[doc(hidden)]
pub mod __private {
    pub use prost;
}
