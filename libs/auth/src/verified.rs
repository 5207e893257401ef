//! Tokens already verified, so a client that sends the same token with every call (as it should,
//! for the token's lifetime) pays for one signature check, not one per call: an Ed25519 check is
//! the largest single cost of a command in the service's profile.
//!
//! A remembered token is believed again only while all of these hold:
//! - it is the same token, byte for byte (the whole token is the key, never a digest of part);
//! - the key set is the one it was checked against: any re-read of the JWKS forgets every token,
//!   so a key rotated out takes its tokens with it;
//! - it has not expired (with the same leeway as a first check); an expired one is checked again
//!   from the start, which refuses it with the usual reason.
//!
//! Only tokens that passed are kept; a refused token is checked in full each time. The memory is
//! bounded: two generations of at most [`VerifiedTokens::GENERATION`] tokens each, the older
//! dropped whole when the younger fills, so tokens in use stay and others age out.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::claims::Claims;

#[derive(Default)]
pub struct VerifiedTokens {
    inner: Mutex<Generations>,
}

#[derive(Default)]
struct Generations {
    /// The key set's generation the tokens were checked against.
    key_generation: u64,
    young: HashMap<String, Claims>,
    old: HashMap<String, Claims>,
}

impl VerifiedTokens {
    /// Tokens per generation: a district's active callers many times over, a few MiB at most.
    pub const GENERATION: usize = 8_192;

    /// The claims of `token` if it was verified against key set generation `key_generation` and
    /// has not expired at `now` (seconds since the epoch), allowing `leeway` seconds.
    pub fn get(&self, token: &str, key_generation: u64, now: u64, leeway: u64) -> Option<Claims> {
        let mut generations = self.inner.lock().expect("verified tokens lock");
        if generations.key_generation != key_generation {
            // A newer set forgets the tokens held; a caller that read the generation before a
            // re-read (an older number) finds nothing.
            if generations.key_generation < key_generation {
                generations.forget_all(key_generation);
            }
            return None;
        }
        let claims = match generations.young.get(token) {
            Some(claims) => claims.clone(),
            None => {
                let claims = generations.old.remove(token)?;
                generations.insert(token, claims.clone());
                claims
            }
        };
        if claims.exp.saturating_add(leeway) < now {
            generations.young.remove(token);
            return None;
        }
        Some(claims)
    }

    /// Remembers a token that passed verification against key set generation `key_generation`.
    pub fn put(&self, token: &str, key_generation: u64, claims: &Claims) {
        let mut generations = self.inner.lock().expect("verified tokens lock");
        if generations.key_generation != key_generation {
            // Checked against a set that has changed since (or one newer than the tokens held).
            if generations.key_generation > key_generation {
                return;
            }
            generations.forget_all(key_generation);
        }
        generations.insert(token, claims.clone());
    }
}

impl Generations {
    fn forget_all(&mut self, key_generation: u64) {
        self.key_generation = key_generation;
        self.young.clear();
        self.old.clear();
    }

    fn insert(&mut self, token: &str, claims: Claims) {
        if self.young.len() >= VerifiedTokens::GENERATION {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(token.to_string(), claims);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> Claims {
        Claims {
            sub: "officer-1".into(),
            exp,
            ..Claims::default()
        }
    }

    #[test]
    fn a_token_is_believed_again_only_until_it_expires_and_under_the_same_keys() {
        let tokens = VerifiedTokens::default();
        tokens.put("a.b.c", 1, &claims(1_000));
        assert_eq!(tokens.get("a.b.c", 1, 1_000, 0), Some(claims(1_000)));
        assert_eq!(tokens.get("a.b.c", 1, 1_029, 30), Some(claims(1_000)));
        assert_eq!(tokens.get("a.b.c", 1, 1_031, 30), None, "expired");
        assert_eq!(
            tokens.get("a.b.c", 1, 1_000, 0),
            None,
            "an expired one is forgotten"
        );

        tokens.put("a.b.c", 1, &claims(1_000));
        assert_eq!(tokens.get("a.b.d", 1, 1_000, 0), None, "another token");
        assert_eq!(tokens.get("a.b.c", 2, 1_000, 0), None, "the keys changed");
        tokens.put("a.b.c", 1, &claims(1_000));
        assert_eq!(
            tokens.get("a.b.c", 2, 1_000, 0),
            None,
            "a check against the older keys is not kept"
        );
        tokens.put("a.b.c", 2, &claims(1_000));
        assert_eq!(
            tokens.get("a.b.c", 1, 1_000, 0),
            None,
            "nor believed by older keys"
        );
        assert!(tokens.get("a.b.c", 2, 1_000, 0).is_some());
    }

    #[test]
    fn the_memory_is_bounded_and_keeps_the_tokens_in_use() {
        let tokens = VerifiedTokens::default();
        tokens.put("in-use", 1, &claims(10));
        for index in 0..3 * VerifiedTokens::GENERATION {
            tokens.put(&format!("token-{index}"), 1, &claims(10));
            if index % 1_000 == 0 {
                assert!(tokens.get("in-use", 1, 0, 0).is_some());
            }
        }
        let generations = tokens.inner.lock().unwrap();
        assert!(generations.young.len() + generations.old.len() <= 2 * VerifiedTokens::GENERATION);
        assert!(generations.young.contains_key("in-use") || generations.old.contains_key("in-use"));
        assert!(!generations.old.contains_key("token-0"));
    }
}
