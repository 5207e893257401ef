//! The embedded suite's own credentials: a development signing key kept in the data folder,
//! the JWKS the suite checks tokens against (unless HL_AUTH_JWKS names another), and a ready
//! token for each demo actor, printed and written to `auth/tokens.env` for scripts.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hl_auth::{Expectations, SigningKey};
use hl_proto::common::v1::{Actor, Role};

/// How long the printed demo tokens stay valid.
pub const DEMO_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The suite's signing key and what its tokens name.
#[derive(Clone)]
pub struct DevelopmentKey {
    pub key: Arc<SigningKey>,
    pub expectations: Expectations,
}

impl DevelopmentKey {
    /// The key at `path` (made there on first start), with its JWKS written beside it.
    pub fn load(path: &Path, expectations: Expectations) -> anyhow::Result<DevelopmentKey> {
        let key = SigningKey::load_or_create(path).map_err(|error| {
            anyhow::anyhow!("the development signing key {}: {error}", path.display())
        })?;
        std::fs::write(jwks_path(path), key.jwks())?;
        Ok(DevelopmentKey {
            key: Arc::new(key),
            expectations,
        })
    }

    /// A token for `actor`.
    pub fn token(&self, actor: &Actor) -> String {
        self.key
            .token_for(actor, &self.expectations, DEMO_TOKEN_LIFETIME)
    }

    /// A token for each kind of demo actor, as (variable name, actor, token); also written as
    /// `NAME=token` lines to `tokens.env` beside the key.
    pub fn demo_tokens(&self, path: &Path, region: &str) -> anyhow::Result<Vec<(String, String)>> {
        let actors = [
            (
                "INSPECTOR_TOKEN",
                actor(
                    "officer-zhang-wei",
                    Role::Inspector,
                    "putuo-emergency-bureau",
                    region,
                ),
            ),
            (
                "ADMIN_TOKEN",
                actor(
                    "admin-putuo",
                    Role::BureauAdministrator,
                    "putuo-safety-committee",
                    region,
                ),
            ),
            (
                "TOWNSHIP_TOKEN",
                actor(
                    "township-shenjiamen",
                    Role::TownshipOfficer,
                    "shenjiamen-office",
                    &format!("{region}001"),
                ),
            ),
            (
                "ENTERPRISE_TOKEN",
                actor(
                    "principal-chen",
                    Role::Enterprise,
                    crate::demo::ENTERPRISES[0].code,
                    "",
                ),
            ),
        ];
        let tokens: Vec<(String, String)> = actors
            .iter()
            .map(|(name, actor)| (name.to_string(), self.token(actor)))
            .collect();
        let lines: String = tokens
            .iter()
            .map(|(name, token)| format!("{name}={token}\n"))
            .collect();
        std::fs::write(path.with_file_name("tokens.env"), lines)?;
        Ok(tokens)
    }
}

/// Where the JWKS of a key is written.
pub fn jwks_path(key_path: &Path) -> PathBuf {
    key_path.with_file_name("jwks.json")
}

fn actor(id: &str, role: Role, organisation: &str, region: &str) -> Actor {
    Actor {
        id: id.to_string(),
        role: role as i32,
        organisation: organisation.to_string(),
        region: region.to_string(),
    }
}
