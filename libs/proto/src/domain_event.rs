//! A domain event is a protobuf message; an aggregate's events form an enum of them. The
//! `domain_events!` macro writes that enum and its encoding, so the event_type recorded in the
//! envelope is always the message's full protobuf name.

/// An enum of an aggregate's events, each a protobuf message.
pub trait DomainEvent: Sized + Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The payload's full protobuf name, e.g. "hazard_ledger.hazards.v1.HazardReported".
    fn event_type(&self) -> String;
    /// The payload's schema version. Version 1 for every event so far.
    fn schema_version(&self) -> u32 {
        1
    }
    fn encode_payload(&self) -> Vec<u8>;
    /// Decodes a payload recorded with the given type and schema version. Older schema versions
    /// are upcast here, so stored events stay readable forever.
    fn decode_payload(
        event_type: &str,
        schema_version: u32,
        payload: &[u8],
    ) -> Result<Self, EventDecodeError>;
    /// Every event type this enum can decode.
    fn event_types() -> Vec<String>;
}

#[derive(Debug, thiserror::Error)]
pub enum EventDecodeError {
    #[error("unknown event type {0}")]
    UnknownType(String),
    #[error("event type {event_type} has no schema version {schema_version}")]
    UnknownSchemaVersion {
        event_type: String,
        schema_version: u32,
    },
    #[error("cannot decode {event_type}: {source}")]
    Malformed {
        event_type: String,
        #[source]
        source: prost::DecodeError,
    },
}

/// Declares an aggregate's event enum over protobuf messages:
///
/// ```text
/// domain_events! {
///     pub enum AlarmDeviceEvent {
///         Registered(AlarmDeviceRegistered),
///         Tested(AlarmDeviceTested),
///     }
/// }
/// ```
#[macro_export]
macro_rules! domain_events {
    ($(#[$meta:meta])* $visibility:vis enum $name:ident { $($variant:ident($payload:ty)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        $visibility enum $name {
            $($variant($payload)),+
        }

        impl $crate::DomainEvent for $name {
            fn event_type(&self) -> String {
                match self {
                    $(Self::$variant(_) => <$payload as $crate::__private::prost::Name>::full_name()),+
                }
            }

            fn encode_payload(&self) -> Vec<u8> {
                match self {
                    $(Self::$variant(payload) => $crate::__private::prost::Message::encode_to_vec(payload)),+
                }
            }

            fn decode_payload(
                event_type: &str,
                schema_version: u32,
                payload: &[u8],
            ) -> Result<Self, $crate::EventDecodeError> {
                $(
                    if event_type == <$payload as $crate::__private::prost::Name>::full_name() {
                        if schema_version != 1 {
                            return Err($crate::EventDecodeError::UnknownSchemaVersion {
                                event_type: event_type.to_string(),
                                schema_version,
                            });
                        }
                        return <$payload as $crate::__private::prost::Message>::decode(payload)
                            .map(Self::$variant)
                            .map_err(|source| $crate::EventDecodeError::Malformed {
                                event_type: event_type.to_string(),
                                source,
                            });
                    }
                )+
                Err($crate::EventDecodeError::UnknownType(event_type.to_string()))
            }

            fn event_types() -> Vec<String> {
                vec![$(<$payload as $crate::__private::prost::Name>::full_name()),+]
            }
        }

        $(
            impl From<$payload> for $name {
                fn from(payload: $payload) -> Self {
                    Self::$variant(payload)
                }
            }
        )+
    };
}
