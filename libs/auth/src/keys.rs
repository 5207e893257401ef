//! The public keys tokens are checked against: a JWKS (RFC 7517) read from a file or fetched
//! from an endpoint, and read again periodically and whenever a token names a key id the set
//! does not have yet, so keys rotate without a restart.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};

use crate::fetch;

/// Where a JWKS comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    File(PathBuf),
    /// An http:// or https:// URL.
    Url(String),
}

impl KeySource {
    /// A URL when it starts with http:// or https://, else a file path.
    pub fn parse(text: &str) -> KeySource {
        if text.starts_with("http://") || text.starts_with("https://") {
            KeySource::Url(text.to_string())
        } else {
            KeySource::File(PathBuf::from(text))
        }
    }

    async fn read(&self) -> Result<Vec<u8>, String> {
        match self {
            KeySource::File(path) => tokio::fs::read(path)
                .await
                .map_err(|error| format!("cannot read the JWKS file {}: {error}", path.display())),
            KeySource::Url(url) => fetch::get(url).await,
        }
    }
}

/// A verification key and the one algorithm it is used with (taken from the key, never from a
/// token).
#[derive(Clone)]
pub struct VerificationKey {
    pub key: DecodingKey,
    pub algorithm: Algorithm,
}

/// The keys by id, kept fresh from their source.
pub struct KeySet {
    source: KeySource,
    keys: RwLock<Arc<HashMap<String, VerificationKey>>>,
    /// Counts the times the keys were replaced: what was verified against an older set is
    /// checked again.
    generation: AtomicU64,
    /// The document the keys in hand were read from: a periodic read that finds it unchanged
    /// replaces nothing, so the tokens already checked stay believed.
    document: Mutex<Vec<u8>>,
    /// When the set was last read, to read it at most every [`KeySet::MIN_REREAD`] on demand.
    last_read: Mutex<Instant>,
}

impl KeySet {
    /// How often an unknown key id may make the set be read again.
    pub const MIN_REREAD: Duration = Duration::from_secs(10);

    /// Reads the set once; a source that cannot be read or holds no usable key is an error.
    pub async fn load(source: KeySource) -> Result<Arc<KeySet>, String> {
        let document = source.read().await?;
        let keys = parse(&document)?;
        if keys.is_empty() {
            return Err(format!(
                "{source:?} holds no EdDSA (Ed25519) or ES256 (P-256) key with a kid"
            ));
        }
        Ok(Arc::new(KeySet {
            source,
            keys: RwLock::new(Arc::new(keys)),
            generation: AtomicU64::new(0),
            document: Mutex::new(document),
            last_read: Mutex::new(Instant::now()),
        }))
    }

    /// A set of fixed keys (tests, the embedded suite's own key).
    pub fn fixed(jwks: &[u8]) -> Result<Arc<KeySet>, String> {
        Ok(Arc::new(KeySet {
            source: KeySource::File(PathBuf::new()),
            keys: RwLock::new(Arc::new(parse(jwks)?)),
            generation: AtomicU64::new(0),
            document: Mutex::new(jwks.to_vec()),
            last_read: Mutex::new(Instant::now()),
        }))
    }

    pub fn get(&self, kid: &str) -> Option<VerificationKey> {
        self.keys.read().expect("keys lock").get(kid).cloned()
    }

    /// How many times the keys have been replaced. Read it before using the keys: it moves only
    /// after a replacement, so a check made with keys read later is never stamped newer than
    /// they are.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Reads the source again; on failure, or when the document is unchanged, the keys in hand
    /// stay.
    pub async fn reread(&self) {
        if self.source == KeySource::File(PathBuf::new()) {
            return;
        }
        *self.last_read.lock().expect("reread lock") = Instant::now();
        let document = match self.source.read().await {
            Ok(document) if document == *self.document.lock().expect("document lock") => return,
            read => read,
        };
        match document.and_then(|document| Ok((parse(&document)?, document))) {
            Ok((keys, document)) if !keys.is_empty() => {
                let mut held = self.keys.write().expect("keys lock");
                *held = Arc::new(keys);
                *self.document.lock().expect("document lock") = document;
                self.generation.fetch_add(1, Ordering::SeqCst);
            }
            Ok(_) => {
                tracing::warn!(source = ?self.source, "the JWKS holds no usable key; keeping the keys in hand")
            }
            Err(error) => {
                tracing::warn!(%error, "cannot read the JWKS again; keeping the keys in hand")
            }
        }
    }

    /// Reads the source again in the background if it was not read lately: a token named a key
    /// id the set does not have, perhaps a key just rotated in.
    pub fn reread_soon(self: &Arc<Self>) {
        let due = self.last_read.lock().expect("reread lock").elapsed() >= Self::MIN_REREAD;
        if due {
            *self.last_read.lock().expect("reread lock") = Instant::now();
            let keys = self.clone();
            tokio::spawn(async move { keys.reread().await });
        }
    }

    /// Reads the source again every `period`, for as long as the set is in use.
    pub fn reread_every(self: &Arc<Self>, period: Duration) {
        let keys = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let Some(keys) = keys.upgrade() else { return };
                keys.reread().await;
            }
        });
    }
}

/// The usable keys of a JWKS document: Ed25519 and P-256 keys that have a kid.
fn parse(bytes: &[u8]) -> Result<HashMap<String, VerificationKey>, String> {
    let set: JwkSet = serde_json::from_slice(bytes)
        .map_err(|error| format!("the JWKS is not valid JSON: {error}"))?;
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        let algorithm = match &jwk.algorithm {
            AlgorithmParameters::OctetKeyPair(parameters)
                if parameters.curve == EllipticCurve::Ed25519 =>
            {
                let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(&parameters.x)
                    .unwrap_or_default();
                if raw.len() != 32 {
                    tracing::warn!(%kid, "an Ed25519 key whose x is not 32 bytes is ignored");
                    continue;
                }
                Algorithm::EdDSA
            }
            AlgorithmParameters::EllipticCurve(parameters)
                if parameters.curve == EllipticCurve::P256 =>
            {
                Algorithm::ES256
            }
            _ => {
                tracing::warn!(%kid, "only EdDSA (Ed25519) and ES256 (P-256) keys are used; ignoring one");
                continue;
            }
        };
        let key = DecodingKey::from_jwk(jwk).map_err(|error| format!("key {kid}: {error}"))?;
        keys.insert(kid, VerificationKey { key, algorithm });
    }
    Ok(keys)
}
