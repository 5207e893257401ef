//! Bearer tokens: checking one (signature by a key of the set, chosen by its kid; issuer,
//! audience, expiry and not-before with a small clock-skew allowance), and, for the embedded suite
//! and tools, an Ed25519 signing key that mints them.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hl_proto::common::v1::Actor;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm,
    OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header, Validation};
use ring::signature::{Ed25519KeyPair, KeyPair};
use sha2::{Digest, Sha256};

use crate::claims::Claims;
use crate::keys::KeySet;
use crate::verified::VerifiedTokens;

/// Why a token is refused. The message is for the caller; it names no key material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a well-formed JWT: {0}")]
    Malformed(String),
    #[error("the token's key {0:?} is not one this server trusts")]
    UnknownKey(String),
    #[error("the token was refused: {0}")]
    Invalid(String),
}

/// What a token must be to be believed.
#[derive(Clone, Debug)]
pub struct Expectations {
    pub issuer: String,
    pub audience: String,
    /// Clock skew allowed on exp and nbf, in seconds.
    pub leeway_seconds: u64,
}

/// Checks tokens against a key set.
pub struct TokenVerifier {
    keys: Arc<KeySet>,
    expectations: Expectations,
    verified: VerifiedTokens,
}

impl TokenVerifier {
    pub fn new(keys: Arc<KeySet>, expectations: Expectations) -> TokenVerifier {
        crate::crypto::install();
        TokenVerifier {
            keys,
            expectations,
            verified: VerifiedTokens::default(),
        }
    }

    /// The verified claims of a token, or why it is refused. A token verified before, against
    /// the same keys and not yet expired, is not checked again (see [`VerifiedTokens`]).
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let key_generation = self.keys.generation();
        let now = unix_seconds();
        if let Some(claims) =
            self.verified
                .get(token, key_generation, now, self.expectations.leeway_seconds)
        {
            return Ok(claims);
        }
        let claims = self.check(token)?;
        self.verified.put(token, key_generation, &claims);
        Ok(claims)
    }

    /// Every check of a token: its key, algorithm, signature, issuer, audience and times.
    fn check(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|error| TokenError::Malformed(error.to_string()))?;
        let kid = header
            .kid
            .ok_or_else(|| TokenError::Malformed("the header names no key (kid)".into()))?;
        let Some(key) = self.keys.get(&kid) else {
            self.keys.reread_soon();
            return Err(TokenError::UnknownKey(kid));
        };
        if header.alg != key.algorithm {
            return Err(TokenError::Invalid(format!(
                "key {kid} signs with {:?}, not {:?}",
                key.algorithm, header.alg
            )));
        }
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.expectations.issuer]);
        validation.set_audience(&[&self.expectations.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.expectations.leeway_seconds;
        jsonwebtoken::decode::<Claims>(token, &key.key, &validation)
            .map(|data| data.claims)
            .map_err(|error| TokenError::Invalid(error.to_string()))
    }
}

/// An Ed25519 key that signs tokens: the embedded suite's development key, and the key tests
/// and tools mint with.
pub struct SigningKey {
    pkcs8: Vec<u8>,
    public: Vec<u8>,
    kid: String,
}

impl SigningKey {
    /// A new random key.
    pub fn generate() -> SigningKey {
        let document = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
            .expect("the system's random source works");
        SigningKey::from_pkcs8(document.as_ref()).expect("a freshly generated key")
    }

    /// A key from its PKCS#8 (DER) document.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<SigningKey, String> {
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
            .map_err(|_| "not an Ed25519 PKCS#8 key".to_string())?;
        let public = pair.public_key().as_ref().to_vec();
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&public);
        // The RFC 7638 thumbprint: the same key always has the same id.
        let thumbprint = Sha256::digest(format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#));
        Ok(SigningKey {
            pkcs8: pkcs8.to_vec(),
            public,
            kid: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(thumbprint),
        })
    }

    /// The key kept in `path` (PKCS#8 DER, readable by its owner only), made there first when
    /// there is none.
    pub fn load_or_create(path: &Path) -> std::io::Result<SigningKey> {
        if path.exists() {
            let bytes = std::fs::read(path)?;
            return SigningKey::from_pkcs8(&bytes).map_err(|problem| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {problem}", path.display()),
                )
            });
        }
        let key = SigningKey::generate();
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        std::io::Write::write_all(&mut options.open(path)?, &key.pkcs8)?;
        Ok(key)
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The private key as its PKCS#8 (DER) document, to keep in a file only its owner reads.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public half as a JWKS document, for the servers that check this key's tokens.
    pub fn jwks(&self) -> Vec<u8> {
        let jwk = Jwk {
            common: CommonParameters {
                key_id: Some(self.kid.clone()),
                key_algorithm: Some(KeyAlgorithm::EdDSA),
                public_key_use: Some(PublicKeyUse::Signature),
                ..CommonParameters::default()
            },
            algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
                key_type: OctetKeyPairType::OctetKeyPair,
                curve: EllipticCurve::Ed25519,
                x: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&self.public),
            }),
        };
        serde_json::to_vec_pretty(&JwkSet { keys: vec![jwk] }).expect("a JWKS serialises")
    }

    /// A token with these claims, signed.
    pub fn sign(&self, claims: &Claims) -> String {
        crate::crypto::install();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(&self.pkcs8))
            .expect("an Ed25519 key signs")
    }

    /// A token for `actor`, valid from now for `lifetime`.
    pub fn token_for(
        &self,
        actor: &Actor,
        expectations: &Expectations,
        lifetime: Duration,
    ) -> String {
        let now = unix_seconds();
        let claims = Claims {
            iss: expectations.issuer.clone(),
            aud: expectations.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + lifetime.as_secs(),
            ..Claims::for_actor(actor)
        };
        self.sign(&claims)
    }
}

/// Now, in the seconds since the Unix epoch that a token's times are written in.
fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}
