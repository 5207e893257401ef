//! `hlctl token`: mints a bearer token with a signing key the servers trust (the embedded
//! suite's development key by default), for grpcurl, scripts and `hlctl projections rebuild`.

use std::path::PathBuf;
use std::time::Duration;

use hl_auth::{Claims, SigningKey, parse_role};
use hl_proto::common::v1::Role;

use crate::failure::Failure;

/// Who the token is for, and the key it is signed with.
#[derive(Clone, Debug, clap::Args)]
pub struct TokenArgs {
    /// enterprise, inspector, township-officer, bureau-administrator or system.
    #[arg(long)]
    pub role: String,

    /// The 6-digit district of a government actor.
    #[arg(long, default_value = "330903")]
    pub region: String,

    /// The 9-digit township of a township officer.
    #[arg(long, default_value = "")]
    pub township: String,

    /// The organisation: an enterprise's unified social credit code, a department.
    #[arg(long, default_value = "")]
    pub organisation: String,

    /// The person or system the token is for.
    #[arg(long, default_value = "hlctl")]
    pub id: String,

    /// Hours the token is valid.
    #[arg(long, default_value_t = 8)]
    pub hours: u64,

    #[command(flatten)]
    pub key: KeyArgs,
}

/// The key tokens are signed with, and what they name as issuer and audience.
#[derive(Clone, Debug, clap::Args)]
pub struct KeyArgs {
    /// The Ed25519 signing key (PKCS#8 DER); the suite makes one in its data folder.
    #[arg(
        long,
        env = "HL_AUTH_SIGNING_KEY",
        default_value = ".data/auth/signing-key.pk8"
    )]
    pub signing_key: PathBuf,

    /// The issuer (iss) the servers expect.
    #[arg(long, env = "HL_AUTH_ISSUER", default_value = "hazard-ledger")]
    pub issuer: String,

    /// The audience (aud) the servers expect.
    #[arg(long, env = "HL_AUTH_AUDIENCE", default_value = "hazard-ledger")]
    pub audience: String,
}

impl KeyArgs {
    /// A token of these claims, signed with the key.
    pub fn sign(&self, claims: Claims, lifetime: Duration) -> Result<String, Failure> {
        let bytes = std::fs::read(&self.signing_key).map_err(|error| {
            Failure::NotFound(format!(
                "cannot read the signing key {} ({error}); start the suite once to make it, or set HL_AUTH_SIGNING_KEY",
                self.signing_key.display()
            ))
        })?;
        let key = SigningKey::from_pkcs8(&bytes).map_err(Failure::Data)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        Ok(key.sign(&Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + lifetime.as_secs(),
            ..claims
        }))
    }
}

/// Prints a token for the actor the arguments name.
pub fn run(args: &TokenArgs) -> Result<(), Failure> {
    let role = parse_role(&args.role)
        .ok_or_else(|| Failure::Usage(format!("--role {:?} is not a role", args.role)))?;
    let claims = Claims {
        sub: args.id.clone(),
        role: hl_auth::role_name(role).to_string(),
        org: args.organisation.clone(),
        region: if role == Role::Enterprise {
            String::new()
        } else {
            args.region.clone()
        },
        township: args.township.clone(),
        ..Claims::default()
    };
    claims
        .actor()
        .map_err(|problem| Failure::Usage(problem.0))?;
    println!(
        "{}",
        args.key
            .sign(claims, Duration::from_secs(args.hours * 3600))?
    );
    Ok(())
}
