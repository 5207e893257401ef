//! The signatures jsonwebtoken checks and makes, computed with ring (already the TLS and NATS
//! crypto of the suite): EdDSA (Ed25519) and ES256 (ECDSA P-256 with SHA-256). Any other
//! algorithm is refused.

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{Error as SignatureError, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use ring::signature as ring_signature;

/// Installs the ring provider for the process; later calls change nothing.
pub fn install() {
    let _ = PROVIDER.install_default();
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

struct RingVerifier {
    algorithm: Algorithm,
    ring: &'static dyn ring_signature::VerificationAlgorithm,
    key: Vec<u8>,
}

impl Verifier<Vec<u8>> for RingVerifier {
    fn verify(
        &self,
        message: &[u8],
        signature: &Vec<u8>,
    ) -> std::result::Result<(), SignatureError> {
        ring_signature::UnparsedPublicKey::new(self.ring, &self.key)
            .verify(message, signature)
            .map_err(|_| SignatureError::new())
    }
}

impl JwtVerifier for RingVerifier {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    let ring: &'static dyn ring_signature::VerificationAlgorithm = match algorithm {
        // The key is the 32 raw bytes of the JWK's x.
        Algorithm::EdDSA => &ring_signature::ED25519,
        // The key is 0x04 || x || y; a JWS signature is r || s.
        Algorithm::ES256 => &ring_signature::ECDSA_P256_SHA256_FIXED,
        _ => return Err(ErrorKind::InvalidAlgorithm.into()),
    };
    if key.family() != algorithm.family() {
        return Err(ErrorKind::InvalidKeyFormat.into());
    }
    Ok(Box::new(RingVerifier {
        algorithm: *algorithm,
        ring,
        key: key.try_get_as_bytes()?.to_vec(),
    }))
}

struct Ed25519Signer(ring_signature::Ed25519KeyPair);

impl Signer<Vec<u8>> for Ed25519Signer {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, SignatureError> {
        Ok(self.0.sign(message).as_ref().to_vec())
    }
}

impl JwtSigner for Ed25519Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    match algorithm {
        // The key is the PKCS#8 document as stored.
        Algorithm::EdDSA => Ok(Box::new(Ed25519Signer(
            ring_signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(key.as_bytes())
                .map_err(|_| ErrorKind::InvalidEddsaKey)?,
        ))),
        _ => Err(ErrorKind::InvalidAlgorithm.into()),
    }
}
