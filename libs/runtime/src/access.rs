//! Every call's caller, before any state is read: the actor its bearer token or client
//! certificate proves (UNAUTHENTICATED otherwise), then the access policy's verdict on that
//! actor's role for the RPC (PERMISSION_DENIED otherwise). A refusal is logged with the actor and
//! the RPC and counted; an accepted call carries its actor to the handler in the request's
//! extensions, where [`crate::actor::caller`] finds it.

use std::sync::Arc;

use hl_auth::{
    AuthError, Authenticator, CertificateActors, KeySet, KeySource, TokenVerifier, role_name,
};
use hl_domain::reasons;
use hl_proto::common::v1::{Actor, Role};
use hl_telemetry::metrics::{DenialLabels, metrics};
use tonic::codegen::http;
use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};

use crate::config::AuthArgs;
use crate::error::{ErrorCode, ServiceError};
use crate::policy;

/// The policy's decision about one call.
pub struct AccessControl {
    authenticator: Arc<Authenticator>,
}

impl AccessControl {
    pub fn new(authenticator: Arc<Authenticator>) -> Arc<AccessControl> {
        Arc::new(AccessControl { authenticator })
    }

    /// Access control as configured: tokens checked against HL_AUTH_JWKS (or, in the embedded
    /// suite, against `own_keys`, the JWKS of its development key), certificates mapped by
    /// HL_AUTH_CERTIFICATE_ACTORS.
    pub async fn from_args(
        args: &AuthArgs,
        own_keys: Option<Vec<u8>>,
    ) -> Result<Arc<AccessControl>, String> {
        let keys = match (&args.jwks, own_keys) {
            (Some(source), _) => {
                let keys = KeySet::load(KeySource::parse(source)).await?;
                keys.reread_every(std::time::Duration::from_secs(args.jwks_refresh_seconds));
                keys
            }
            (None, Some(jwks)) => KeySet::fixed(&jwks)?,
            (None, None) => {
                return Err(
                    "HL_AUTH_JWKS is required: the keys bearer tokens are checked against".into(),
                );
            }
        };
        let certificates = match &args.certificate_actors {
            Some(path) => CertificateActors::load(path)?,
            None => CertificateActors::default(),
        };
        let tokens = TokenVerifier::new(keys, args.expectations());
        Ok(AccessControl::new(Authenticator::new(tokens, certificates)))
    }

    /// The actor of a call to `method` ("package.Service/Method"), or the refusal to answer
    /// with. A public method (health, reflection) needs no actor.
    pub fn admit<B>(
        &self,
        method: &str,
        request: &http::Request<B>,
    ) -> Result<Option<Actor>, ServiceError> {
        if policy::is_public(method) {
            return Ok(None);
        }
        let authorization = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .map(|value| value.to_str().unwrap_or("(not text)"));
        let certificate = request
            .extensions()
            .get::<TlsConnectInfo<TcpConnectInfo>>()
            .and_then(|connection| connection.peer_certs())
            .and_then(|certificates| certificates.first().map(|first| first.as_ref().to_vec()));
        let actor = match self
            .authenticator
            .authenticate(authorization, certificate.as_deref())
        {
            Ok(actor) => actor,
            Err(error) => {
                deny(method, None, "UNAUTHENTICATED", &error.to_string());
                return Err(unauthenticated(error));
            }
        };
        let role = Role::try_from(actor.role).unwrap_or(Role::Unspecified);
        let Some(rule) = policy::rule(method) else {
            deny(
                method,
                Some(&actor),
                reasons::NO_POLICY.name,
                "the access policy has no rule for this RPC",
            );
            return Err(ServiceError::permission_denied(
                reasons::NO_POLICY,
                format!("{method} is in no access policy; nobody may call it"),
            ));
        };
        if !rule.allows(role) {
            deny(
                method,
                Some(&actor),
                reasons::ROLE_NOT_ALLOWED.name,
                "the role may not call this RPC",
            );
            return Err(ServiceError::permission_denied(
                reasons::ROLE_NOT_ALLOWED,
                format!(
                    "a caller in the role {:?} may not call {method}",
                    role_name(role)
                ),
            ));
        }
        Ok(Some(actor))
    }
}

fn unauthenticated(error: AuthError) -> ServiceError {
    ServiceError::new(ErrorCode::Unauthenticated, error.to_string())
}

/// Logs and counts a refusal.
fn deny(method: &str, actor: Option<&Actor>, reason: &str, detail: &str) {
    let role = actor
        .map(|actor| role_name(Role::try_from(actor.role).unwrap_or(Role::Unspecified)))
        .filter(|name| !name.is_empty())
        .unwrap_or("none");
    tracing::warn!(
        method,
        actor.id = actor.map_or("", |actor| actor.id.as_str()),
        actor.role = role,
        actor.organisation = actor.map_or("", |actor| actor.organisation.as_str()),
        reason,
        detail,
        "call refused"
    );
    metrics()
        .rpc_denials
        .get_or_create(&DenialLabels {
            method: policy::metric_name(method).to_string(),
            role: role.to_string(),
            reason: reason.to_string(),
        })
        .inc();
}

/// The TLS the gRPC port serves, if configured: its certificate and key, and the CA of the
/// client certificates it accepts (a client without one still connects, and shows a token).
pub fn server_tls(args: &AuthArgs) -> Result<Option<tonic::transport::ServerTlsConfig>, String> {
    let (Some(certificate), Some(key)) = (&args.tls_cert, &args.tls_key) else {
        return Ok(None);
    };
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|error| format!("cannot read {}: {error}", path.display()))
    };
    let mut tls = tonic::transport::ServerTlsConfig::new().identity(
        tonic::transport::Identity::from_pem(read(certificate)?, read(key)?),
    );
    if let Some(authority) = &args.tls_client_ca {
        tls = tls
            .client_ca_root(tonic::transport::Certificate::from_pem(read(authority)?))
            .client_auth_optional(true);
    }
    Ok(Some(tls))
}
