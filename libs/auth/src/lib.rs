//! Who is calling. A call proves its caller with a bearer token (a JWT signed by a key of the
//! configured JWKS) or, for a government system, with a client certificate the TLS layer has
//! checked; the actor comes from the verified claims or the certificate table only.
//!
//! - [`claims`]: what a token says and the actor it makes.
//! - [`keys`]: the JWKS, read from a file or an endpoint and kept fresh as keys rotate.
//! - [`tokens`]: checking a token; the Ed25519 signing key of the embedded suite and tools.
//! - `verified`: tokens already checked, so a token sent with every call is checked once.
//! - [`certificates`]: certificate common names and the system actors they log in as.

pub mod certificates;
pub mod claims;
mod crypto;
mod fetch;
pub mod keys;
pub mod tokens;
mod verified;

use std::sync::Arc;

use hl_proto::common::v1::Actor;

pub use certificates::CertificateActors;
pub use claims::{Claims, is_region_code, parse_role, role_name};
pub use keys::{KeySet, KeySource};
pub use tokens::{Expectations, SigningKey, TokenError, TokenVerifier};

/// Why a call's caller is not known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error(
        "no credentials: send `authorization: Bearer <token>`, or log in with a client certificate"
    )]
    Missing,
    #[error("the authorization header is not `Bearer <token>`")]
    NotBearer,
    #[error("{0}")]
    Token(#[from] TokenError),
    #[error("the token's claims do not name an actor: {0}")]
    Claims(String),
    #[error("the client certificate's subject is not a known system")]
    UnknownCertificate,
}

/// Turns a call's credentials into its actor.
pub struct Authenticator {
    tokens: TokenVerifier,
    certificates: CertificateActors,
}

impl Authenticator {
    pub fn new(tokens: TokenVerifier, certificates: CertificateActors) -> Arc<Authenticator> {
        Arc::new(Authenticator {
            tokens,
            certificates,
        })
    }

    /// The actor of a call: from its bearer token when it sends one, else from its client
    /// certificate (DER, already verified by TLS).
    pub fn authenticate(
        &self,
        authorization: Option<&str>,
        client_certificate: Option<&[u8]>,
    ) -> Result<Actor, AuthError> {
        if let Some(header) = authorization {
            let token = header
                .strip_prefix("Bearer ")
                .or_else(|| header.strip_prefix("bearer "))
                .map(str::trim)
                .filter(|token| !token.is_empty())
                .ok_or(AuthError::NotBearer)?;
            let claims = self.tokens.verify(token)?;
            return claims
                .actor()
                .map_err(|problem| AuthError::Claims(problem.0));
        }
        match client_certificate {
            Some(certificate) => self
                .certificates
                .actor_for(certificate)
                .ok_or(AuthError::UnknownCertificate),
            None => Err(AuthError::Missing),
        }
    }
}
