//! One closed set of error codes that every service error maps into, mapped once to gRPC
//! codes, with the AIP-193 details (`BadRequest` field violations, `ErrorInfo`) attached.

use hl_domain::DomainError;
use hl_domain::reasons::{self, Reason};
use hl_eventstore::{ExecuteError, StoreError};
use tonic::Code;
use tonic_types::{ErrorDetails, StatusExt};

/// Every kind of failure a Hazard Ledger API reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// Bad input; nothing changed. Carries field violations.
    InvalidArgument,
    /// The state machine forbids the transition. Carries an ErrorInfo reason.
    FailedPrecondition,
    NotFound,
    AlreadyExists,
    /// Concurrent changes kept conflicting; retrying the same request is safe.
    Aborted,
    /// The actor's role or scope may not do this.
    PermissionDenied,
    /// No acting user in the request.
    Unauthenticated,
    /// NATS or the database cannot be reached; retrying the same request is safe.
    Unavailable,
    /// Stored history failed its integrity check.
    DataLoss,
    /// The server is at its limit of calls in flight; retry after the hint in RetryInfo.
    ResourceExhausted,
    /// The call ran past the server's request timeout (or the caller's deadline).
    DeadlineExceeded,
    Internal,
}

impl ErrorCode {
    /// The table: the one place error codes become gRPC codes.
    pub fn grpc_code(self) -> Code {
        match self {
            ErrorCode::InvalidArgument => Code::InvalidArgument,
            ErrorCode::FailedPrecondition => Code::FailedPrecondition,
            ErrorCode::NotFound => Code::NotFound,
            ErrorCode::AlreadyExists => Code::AlreadyExists,
            ErrorCode::Aborted => Code::Aborted,
            ErrorCode::PermissionDenied => Code::PermissionDenied,
            ErrorCode::Unauthenticated => Code::Unauthenticated,
            ErrorCode::Unavailable => Code::Unavailable,
            ErrorCode::DataLoss => Code::DataLoss,
            ErrorCode::ResourceExhausted => Code::ResourceExhausted,
            ErrorCode::DeadlineExceeded => Code::DeadlineExceeded,
            ErrorCode::Internal => Code::Internal,
        }
    }

    /// The canonical name of the gRPC code, e.g. "FAILED_PRECONDITION": what a catalog reason
    /// names as its code.
    pub fn canonical_name(self) -> &'static str {
        crate::rpc_layer::code_name(self.grpc_code())
    }

    /// The ErrorInfo reason used when an error names no more specific one. None for
    /// INVALID_ARGUMENT, which carries its BadRequest field violations instead.
    fn default_reason(self) -> Option<Reason> {
        Some(match self {
            ErrorCode::InvalidArgument => return None,
            ErrorCode::FailedPrecondition => reasons::FAILED_PRECONDITION,
            ErrorCode::NotFound => reasons::NOT_FOUND,
            ErrorCode::AlreadyExists => reasons::ALREADY_EXISTS,
            ErrorCode::Aborted => reasons::CONCURRENT_MODIFICATION,
            ErrorCode::PermissionDenied => reasons::PERMISSION_DENIED,
            ErrorCode::Unauthenticated => reasons::ACTOR_MISSING,
            ErrorCode::Unavailable => reasons::DEPENDENCY_UNAVAILABLE,
            ErrorCode::DataLoss => reasons::HISTORY_INTEGRITY,
            ErrorCode::ResourceExhausted => reasons::OVERLOADED,
            ErrorCode::DeadlineExceeded => reasons::REQUEST_TIMEOUT,
            ErrorCode::Internal => reasons::INTERNAL,
        })
    }
}

/// A failure as the API reports it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ServiceError {
    pub code: ErrorCode,
    pub message: String,
    /// The name of the machine-readable reason from the catalog, e.g.
    /// HAZARD_NOT_AWAITING_VERIFICATION; None for the code's default one. The name alone keeps
    /// the error small: it travels in every `Result` of the request path.
    pub reason: Option<&'static str>,
    /// ErrorInfo metadata, e.g. ("resource", "hazards/…").
    pub metadata: Vec<(String, String)>,
    /// (field path, description) pairs for INVALID_ARGUMENT.
    pub field_violations: Vec<(String, String)>,
    /// How long the caller should wait before retrying (RetryInfo).
    pub retry_after: Option<std::time::Duration>,
}

impl ServiceError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ServiceError {
            code,
            message: message.into(),
            reason: None,
            metadata: Vec::new(),
            field_violations: Vec::new(),
            retry_after: None,
        }
    }

    /// Adds the advice to retry after `delay` (RetryInfo).
    pub fn with_retry_after(mut self, delay: std::time::Duration) -> Self {
        self.retry_after = Some(delay);
        self
    }

    /// Names the reason sent in ErrorInfo; it must be one the catalog lists under this code.
    pub fn with_reason(mut self, reason: Reason) -> Self {
        // A reason sent with another code than the catalog lists it under would make the API
        // reference wrong.
        debug_assert_eq!(
            reason.code,
            self.code.canonical_name(),
            "{} is sent with the wrong code",
            reason.name
        );
        self.reason = Some(reason.name);
        self
    }

    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push((key.into(), value.into()));
        self
    }

    /// INVALID_ARGUMENT with one field violation.
    pub fn invalid_field(field: impl Into<String>, description: impl Into<String>) -> Self {
        let field = field.into();
        let description = description.into();
        let mut error = ServiceError::new(
            ErrorCode::InvalidArgument,
            format!("{field}: {description}"),
        );
        error.field_violations.push((field, description));
        error
    }

    pub fn precondition(reason: Reason, message: impl Into<String>) -> Self {
        ServiceError::new(ErrorCode::FailedPrecondition, message).with_reason(reason)
    }

    pub fn permission_denied(reason: Reason, message: impl Into<String>) -> Self {
        ServiceError::new(ErrorCode::PermissionDenied, message).with_reason(reason)
    }

    pub fn not_found(resource: impl Into<String>) -> Self {
        let resource = resource.into();
        ServiceError::new(ErrorCode::NotFound, format!("{resource} does not exist"))
            .with_metadata("resource", resource)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        ServiceError::new(ErrorCode::Unavailable, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ServiceError::new(ErrorCode::Internal, message)
    }
}

impl From<ServiceError> for tonic::Status {
    fn from(error: ServiceError) -> Self {
        let mut details = ErrorDetails::new();
        for (field, description) in &error.field_violations {
            details.add_bad_request_violation(field.clone(), description.clone());
        }
        let reason = error
            .reason
            .or_else(|| error.code.default_reason().map(|reason| reason.name));
        if let Some(reason) = reason {
            details.set_error_info(
                reason,
                hl_proto::ERROR_DOMAIN,
                error
                    .metadata
                    .iter()
                    .cloned()
                    .collect::<std::collections::HashMap<_, _>>(),
            );
        }
        if let Some(delay) = error.retry_after {
            details.set_retry_info(Some(delay));
        }
        tonic::Status::with_error_details(error.code.grpc_code(), error.message, details)
    }
}

/// The one place a domain refusal becomes an API error.
impl From<DomainError> for ServiceError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Precondition { reason, message } => {
                ServiceError::precondition(reason, message)
            }
            DomainError::Forbidden { reason, message } => {
                ServiceError::permission_denied(reason, message)
            }
            DomainError::NotFound(resource) => ServiceError::not_found(resource),
            DomainError::AlreadyExists(resource) => ServiceError::new(
                ErrorCode::AlreadyExists,
                format!("{resource} already exists"),
            )
            .with_metadata("resource", resource),
            DomainError::Invalid { field, message } => ServiceError::invalid_field(field, message),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match &error {
            StoreError::Unavailable(_) => ServiceError::unavailable(error.to_string()),
            StoreError::OutcomeUnknown(_) => ServiceError::unavailable(error.to_string())
                .with_reason(reasons::APPEND_OUTCOME_UNKNOWN)
                .with_metadata(
                    "advice",
                    "the command may have been recorded; retry with the same request_id, which \
                     records it at most once and returns its result",
                ),
            StoreError::Integrity {
                subject, sequence, ..
            }
            | StoreError::Undecodable {
                subject, sequence, ..
            } => {
                tracing::error!(%error, "stored history cannot be trusted");
                ServiceError::new(ErrorCode::DataLoss, error.to_string())
                    .with_metadata("subject", subject.clone())
                    .with_metadata("stream_sequence", sequence.to_string())
            }
            StoreError::Configuration(_) | StoreError::Mismatch(_) => {
                ServiceError::internal(error.to_string())
            }
        }
    }
}

impl<E> From<ExecuteError<E>> for ServiceError
where
    E: std::error::Error + Into<ServiceError>,
{
    fn from(error: ExecuteError<E>) -> Self {
        match error {
            ExecuteError::Domain(domain) => domain.into(),
            ExecuteError::Conflict { attempts } => ServiceError::new(
                ErrorCode::Aborted,
                format!(
                    "the resource kept changing concurrently ({attempts} attempts); retry with the same request_id"
                ),
            )
            .with_metadata("attempts", attempts.to_string()),
            ExecuteError::RequestOutcomeForgotten { request_id } => ServiceError::precondition(
                reasons::REQUEST_OUTCOME_FORGOTTEN,
                format!(
                    "request_id {request_id} was recorded on this resource too many commands ago \
                     for its outcome to be returned; nothing new was recorded: read the resource \
                     to see its state"
                ),
            ),
            ExecuteError::Store(store) => store.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_argument_carries_field_violations() {
        let status = tonic::Status::from(ServiceError::invalid_field("hazard_id", "is empty"));
        assert_eq!(status.code(), Code::InvalidArgument);
        let bad_request = status
            .get_details_bad_request()
            .expect("BadRequest details");
        assert_eq!(bad_request.field_violations[0].field, "hazard_id");
        assert_eq!(bad_request.field_violations[0].description, "is empty");
    }

    #[test]
    fn a_precondition_carries_its_reason_in_the_hazard_ledger_domain() {
        let status = tonic::Status::from(ServiceError::precondition(
            reasons::HAZARD_NOT_AWAITING_VERIFICATION,
            "nothing to verify",
        ));
        assert_eq!(status.code(), Code::FailedPrecondition);
        let info = status.get_details_error_info().expect("ErrorInfo details");
        assert_eq!(info.reason, "HAZARD_NOT_AWAITING_VERIFICATION");
        assert_eq!(info.domain, "hazard-ledger");
    }

    #[test]
    fn every_default_reason_is_listed_under_its_own_code() {
        assert_eq!(ErrorCode::InvalidArgument.default_reason(), None);
        let codes = [
            ErrorCode::FailedPrecondition,
            ErrorCode::NotFound,
            ErrorCode::AlreadyExists,
            ErrorCode::Aborted,
            ErrorCode::PermissionDenied,
            ErrorCode::Unauthenticated,
            ErrorCode::Unavailable,
            ErrorCode::DataLoss,
            ErrorCode::ResourceExhausted,
            ErrorCode::DeadlineExceeded,
            ErrorCode::Internal,
        ];
        for code in codes {
            let reason = code.default_reason().unwrap();
            assert_eq!(reason.code, code.canonical_name(), "{}", reason.name);
        }
    }

    #[test]
    fn store_failures_map_to_unavailable_and_data_loss() {
        let unavailable = ServiceError::from(StoreError::Unavailable("down".into()));
        assert_eq!(unavailable.code.grpc_code(), Code::Unavailable);
        let unknown = tonic::Status::from(ServiceError::from(StoreError::OutcomeUnknown(
            "no acknowledgement".into(),
        )));
        assert_eq!(unknown.code(), Code::Unavailable);
        let info = unknown.get_details_error_info().expect("ErrorInfo details");
        assert_eq!(info.reason, "APPEND_OUTCOME_UNKNOWN");
        assert!(info.metadata["advice"].contains("same request_id"));
        let broken = ServiceError::from(StoreError::Integrity {
            subject: "s".into(),
            sequence: 4,
            reason: "r".into(),
        });
        assert_eq!(broken.code.grpc_code(), Code::DataLoss);
        assert!(
            broken
                .metadata
                .contains(&("stream_sequence".to_string(), "4".to_string()))
        );
    }
}
