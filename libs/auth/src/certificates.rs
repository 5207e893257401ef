//! Certificate logins: a government system (the provincial platform, a sensor platform) proves
//! who it is with a client certificate the server's TLS layer has already checked against the
//! configured CA. A table maps each certificate's subject common name to the system actor it is.

use std::collections::HashMap;
use std::path::Path;

use hl_proto::common::v1::{Actor, Role};
use serde::Deserialize;
use x509_cert::Certificate;
use x509_cert::der::oid::db::rfc4519::CN;
use x509_cert::der::{Decode, Tag, Tagged};

use crate::claims::Claims;

/// One system, as the table names it.
#[derive(Clone, Debug, Deserialize)]
struct Entry {
    id: String,
    #[serde(default)]
    org: String,
    region: String,
}

/// Certificate common names and the system actors they log in as.
#[derive(Clone, Debug, Default)]
pub struct CertificateActors {
    by_common_name: HashMap<String, Actor>,
}

impl CertificateActors {
    /// The table in a JSON file: `{"<common name>": {"id": …, "org": …, "region": "330903"}}`.
    /// Every entry is a system actor of its region.
    pub fn load(path: &Path) -> Result<CertificateActors, String> {
        let bytes = std::fs::read(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        CertificateActors::parse(&bytes).map_err(|problem| format!("{}: {problem}", path.display()))
    }

    pub fn parse(bytes: &[u8]) -> Result<CertificateActors, String> {
        let entries: HashMap<String, Entry> =
            serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
        let mut by_common_name = HashMap::new();
        for (common_name, entry) in entries {
            let claims = Claims {
                sub: entry.id,
                role: "system".into(),
                org: entry.org,
                region: entry.region,
                ..Claims::default()
            };
            let actor = claims
                .actor()
                .map_err(|problem| format!("{common_name}: {problem}"))?;
            by_common_name.insert(common_name, actor);
        }
        Ok(CertificateActors { by_common_name })
    }

    pub fn is_empty(&self) -> bool {
        self.by_common_name.is_empty()
    }

    /// The actor a client's end-entity certificate (DER) logs in as, if the table has it.
    pub fn actor_for(&self, certificate: &[u8]) -> Option<Actor> {
        let name = common_name(certificate)?;
        let actor = self.by_common_name.get(&name)?;
        debug_assert_eq!(actor.role, Role::System as i32);
        Some(actor.clone())
    }
}

/// The subject common name of a DER certificate.
pub fn common_name(certificate: &[u8]) -> Option<String> {
    let certificate = Certificate::from_der(certificate).ok()?;
    certificate
        .tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|relative| relative.0.iter())
        .find(|attribute| attribute.oid == CN)
        .filter(|attribute| {
            matches!(
                attribute.value.tag(),
                Tag::Utf8String | Tag::PrintableString
            )
        })
        .and_then(|attribute| std::str::from_utf8(attribute.value.value()).ok())
        .map(str::to_string)
}
