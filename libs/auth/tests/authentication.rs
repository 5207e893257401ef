//! Tokens and certificates as a caller presents them: what is believed, and every way a token
//! is refused.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hl_auth::{
    AuthError, Authenticator, CertificateActors, Claims, Expectations, KeySet, KeySource,
    SigningKey, TokenError, TokenVerifier,
};
use hl_proto::common::v1::{Actor, Role};

fn expectations() -> Expectations {
    Expectations {
        issuer: "https://auth.putuo.example".into(),
        audience: "hazard-ledger".into(),
        leeway_seconds: 30,
    }
}

fn inspector() -> Actor {
    Actor {
        id: "officer-zhang-wei".into(),
        role: Role::Inspector as i32,
        organisation: "putuo-emergency-bureau".into(),
        region: "330903".into(),
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(key_lifetime: i64) -> Claims {
    let expectations = expectations();
    Claims {
        iss: expectations.issuer,
        aud: expectations.audience,
        iat: now(),
        nbf: now(),
        exp: (now() as i64 + key_lifetime) as u64,
        ..Claims::for_actor(&inspector())
    }
}

fn authenticator(key: &SigningKey) -> std::sync::Arc<Authenticator> {
    let keys = KeySet::fixed(&key.jwks()).unwrap();
    Authenticator::new(
        TokenVerifier::new(keys, expectations()),
        CertificateActors::default(),
    )
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[test]
fn a_signed_token_names_its_actor() {
    let key = SigningKey::generate();
    let token = key.token_for(&inspector(), &expectations(), Duration::from_secs(600));
    let actor = authenticator(&key)
        .authenticate(Some(&bearer(&token)), None)
        .unwrap();
    assert_eq!(actor, inspector());
}

#[test]
fn a_token_is_refused_for_each_thing_wrong_with_it() {
    let key = SigningKey::generate();
    let authenticator = authenticator(&key);
    let refused = |token: String| {
        authenticator
            .authenticate(Some(&bearer(&token)), None)
            .unwrap_err()
    };

    let expired = claims(-120);
    assert!(matches!(
        refused(key.sign(&expired)),
        AuthError::Token(TokenError::Invalid(_))
    ));
    let mut not_yet = claims(600);
    not_yet.nbf = now() + 300;
    assert!(matches!(
        refused(key.sign(&not_yet)),
        AuthError::Token(TokenError::Invalid(_))
    ));
    let mut other_audience = claims(600);
    other_audience.aud = "another-system".into();
    assert!(matches!(
        refused(key.sign(&other_audience)),
        AuthError::Token(TokenError::Invalid(_))
    ));
    let mut other_issuer = claims(600);
    other_issuer.iss = "https://elsewhere.example".into();
    assert!(matches!(
        refused(key.sign(&other_issuer)),
        AuthError::Token(TokenError::Invalid(_))
    ));

    // Signed by a key the server does not trust.
    let stranger = SigningKey::generate();
    assert!(matches!(
        refused(stranger.sign(&claims(600))),
        AuthError::Token(TokenError::UnknownKey(_))
    ));

    // The claims changed after signing, of a token the server has just believed.
    let token = key.sign(&claims(600));
    assert!(
        authenticator
            .authenticate(Some(&bearer(&token)), None)
            .is_ok()
    );
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let mut forged = claims(600);
    forged.role = "bureau-administrator".into();
    use base64::Engine;
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&forged).unwrap());
    assert!(matches!(
        refused(parts.join(".")),
        AuthError::Token(TokenError::Invalid(_))
    ));

    // Claims that name no actor.
    let mut no_region = claims(600);
    no_region.region = String::new();
    assert!(matches!(
        refused(key.sign(&no_region)),
        AuthError::Claims(_)
    ));

    assert_eq!(
        authenticator
            .authenticate(Some("Basic abc"), None)
            .unwrap_err(),
        AuthError::NotBearer
    );
    assert_eq!(
        authenticator.authenticate(None, None).unwrap_err(),
        AuthError::Missing
    );
}

/// A key set read from a JWKS file holding `key`'s public key; the folder holds the file
/// (`jwks.json`) for the test to write again.
async fn key_set_from_file(key: &SigningKey) -> (tempfile::TempDir, PathBuf, Arc<KeySet>) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("jwks.json");
    std::fs::write(&path, key.jwks()).unwrap();
    let keys = KeySet::load(KeySource::parse(path.to_str().unwrap()))
        .await
        .unwrap();
    (folder, path, keys)
}

#[tokio::test]
async fn a_key_rotated_into_the_jwks_file_is_used_without_a_restart() {
    let old = SigningKey::generate();
    let (_folder, path, keys) = key_set_from_file(&old).await;
    let verifier = TokenVerifier::new(keys.clone(), expectations());
    let old_token = old.sign(&claims(600));
    assert!(verifier.verify(&old_token).is_ok());
    assert!(verifier.verify(&old_token).is_ok(), "believed again");

    let new = SigningKey::generate();
    std::fs::write(&path, new.jwks()).unwrap();
    keys.reread().await;
    assert!(verifier.verify(&new.sign(&claims(600))).is_ok());
    assert!(
        matches!(verifier.verify(&old_token), Err(TokenError::UnknownKey(_))),
        "a token believed before is refused once its key is rotated out"
    );
}

#[tokio::test]
async fn reading_an_unchanged_jwks_again_keeps_the_tokens_believed() {
    let (_folder, path, keys) = key_set_from_file(&SigningKey::generate()).await;
    let before = keys.generation();
    keys.reread().await;
    keys.reread().await;
    assert_eq!(
        keys.generation(),
        before,
        "the periodic read of the same document replaces no keys"
    );

    std::fs::write(&path, SigningKey::generate().jwks()).unwrap();
    keys.reread().await;
    assert_eq!(keys.generation(), before + 1, "a changed document does");
    std::fs::write(&path, b"not a JWKS").unwrap();
    keys.reread().await;
    assert_eq!(
        keys.generation(),
        before + 1,
        "a document that cannot be read keeps the keys in hand"
    );
}

#[test]
fn a_token_believed_before_is_refused_once_it_expires() {
    let key = SigningKey::generate();
    let verifier = TokenVerifier::new(
        KeySet::fixed(&key.jwks()).unwrap(),
        Expectations {
            leeway_seconds: 0,
            ..expectations()
        },
    );
    let short_lived = claims(1);
    let token = key.sign(&short_lived);
    let expires = short_lived.exp;
    assert!(verifier.verify(&token).is_ok());
    assert!(verifier.verify(&token).is_ok(), "believed again");
    // Each turn checks the clock before the token: once past its expiry, the token must fail.
    loop {
        let before = now();
        let verdict = verifier.verify(&token);
        if before > expires {
            assert!(
                matches!(verdict, Err(TokenError::Invalid(_))),
                "{verdict:?}"
            );
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_signing_key_is_kept_and_read_back_with_the_same_id() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("keys").join("signing-key.pk8");
    let made = SigningKey::load_or_create(&path).unwrap();
    let read = SigningKey::load_or_create(&path).unwrap();
    assert_eq!(made.kid(), read.kid());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "only its owner reads the key");
    }
}

#[test]
fn a_client_certificate_logs_in_as_the_system_its_common_name_maps_to() {
    let table = CertificateActors::parse(
        br#"{"zj-provincial-platform": {"id": "provincial-platform", "org": "zhejiang-emergency", "region": "330903"}}"#,
    )
    .unwrap();
    let certificate = |common_name: &str| {
        let mut parameters = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        parameters.distinguished_name = rcgen::DistinguishedName::new();
        parameters
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        let key = rcgen::KeyPair::generate().unwrap();
        parameters.self_signed(&key).unwrap().der().to_vec()
    };
    let key = SigningKey::generate();
    let authenticator = Authenticator::new(
        TokenVerifier::new(KeySet::fixed(&key.jwks()).unwrap(), expectations()),
        table,
    );
    let actor = authenticator
        .authenticate(None, Some(&certificate("zj-provincial-platform")))
        .unwrap();
    assert_eq!(actor.role, Role::System as i32);
    assert_eq!(actor.id, "provincial-platform");
    assert_eq!(
        authenticator
            .authenticate(None, Some(&certificate("somebody-else")))
            .unwrap_err(),
        AuthError::UnknownCertificate
    );
    assert!(CertificateActors::parse(br#"{"x": {"id": "x", "region": "33"}}"#).is_err());
}

#[tokio::test]
async fn the_keys_are_fetched_from_a_jwks_endpoint() {
    let key = SigningKey::generate();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let body = key.jwks();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut connection, _)) = listener.accept().await {
            let mut request = [0u8; 2048];
            let _ = connection.read(&mut request).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = connection.write_all(head.as_bytes()).await;
            let _ = connection.write_all(&body).await;
        }
    });
    let keys = KeySet::load(KeySource::parse(&format!(
        "http://{address}/.well-known/jwks.json"
    )))
    .await
    .unwrap();
    let verifier = TokenVerifier::new(keys, expectations());
    assert!(verifier.verify(&key.sign(&claims(600))).is_ok());
    assert!(
        KeySet::load(KeySource::parse("http://127.0.0.1:9/jwks.json"))
            .await
            .is_err(),
        "an endpoint that does not answer is an error at start"
    );
}
