//! The gRPC port over TLS, on the suite binary: the provincial platform logs in with its client
//! certificate as a system of the province and reads the district's records but writes none, a
//! caller with neither certificate nor token is refused, and a certificate the table does not
//! name logs in as no one.

use std::time::Duration;

use hl_e2e::Suite;
use hl_proto::hazards::v1 as hazards;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_client::LedgerServiceClient;
use hl_testkit::actors::{ENTERPRISE, TOWNSHIP, as_actor, inspector};
use hl_testkit::fixtures::{Registered, register_district};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use tonic::Code;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

/// A CA, a server certificate for localhost, and client certificates by common name, as PEM.
struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Authority {
    fn new() -> Authority {
        let mut parameters = CertificateParams::new(Vec::<String>::new()).unwrap();
        parameters.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        parameters.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        parameters.distinguished_name = DistinguishedName::new();
        parameters
            .distinguished_name
            .push(DnType::CommonName, "hazard-ledger test CA");
        Authority {
            issuer: CertifiedIssuer::self_signed(parameters, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// (certificate, key) PEM.
    fn issue(
        &self,
        names: Vec<String>,
        common_name: &str,
        usage: ExtendedKeyUsagePurpose,
    ) -> (String, String) {
        let mut parameters = CertificateParams::new(names).unwrap();
        parameters.distinguished_name = DistinguishedName::new();
        parameters
            .distinguished_name
            .push(DnType::CommonName, common_name);
        parameters.extended_key_usages = vec![usage];
        let key = KeyPair::generate().unwrap();
        let certificate = parameters.signed_by(&key, &*self.issuer).unwrap();
        (certificate.pem(), key.serialize_pem())
    }
}

async fn tls_channel(
    address: &str,
    authority: &str,
    identity: Option<&(String, String)>,
) -> Result<Channel, tonic::transport::Error> {
    let port = address.rsplit(':').next().unwrap();
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(authority))
        .domain_name("localhost");
    if let Some((certificate, key)) = identity {
        tls = tls.identity(Identity::from_pem(certificate, key));
    }
    Channel::from_shared(format!("https://localhost:{port}"))
        .unwrap()
        .tls_config(tls)?
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
}

#[tokio::test]
async fn a_government_system_logs_in_with_its_certificate_over_tls() {
    let authority = Authority::new();
    let folder = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = folder.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let (server_certificate, server_key) = authority.issue(
        vec!["localhost".into(), "127.0.0.1".into()],
        "hazard-ledger",
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let platform = authority.issue(
        Vec::new(),
        "zj-provincial-platform",
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    let stranger = authority.issue(
        Vec::new(),
        "somebody-else",
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    // The port a probe that cannot speak TLS asks health on.
    let health_address = format!("127.0.0.1:{}", hl_testkit::free_port());
    let environment = [
        ("HL_SEED_DEMO", "false".to_string()),
        ("HL_TLS_CERT", write("server.pem", &server_certificate)),
        ("HL_TLS_KEY", write("server.key", &server_key)),
        ("HL_TLS_CLIENT_CA", write("ca.pem", &authority.pem())),
        (
            "HL_AUTH_CERTIFICATE_ACTORS",
            write(
                "systems.json",
                r#"{"zj-provincial-platform": {"id": "provincial-platform", "org": "zhejiang-emergency", "region": "330000"}}"#,
            ),
        ),
        ("HL_REQUIRE_TLS", "true".to_string()),
        ("HL_HEALTH_ADDR", health_address.clone()),
    ];
    let suite = Suite::start(&environment).await;

    let list = || ledger::ListHazardsRequest::default();
    let anonymous = tls_channel(&suite.address, &authority.pem(), None)
        .await
        .unwrap();
    // An inspector records a finding over TLS with a token.
    register_district(anonymous.clone(), &[Registered::cold_store(ENTERPRISE)]).await;
    let finding = |request_id: &str| hazards::ReportHazardRequest {
        request_id: request_id.into(),
        hazard_id: request_id.into(),
        enterprise_id: ENTERPRISE.into(),
        township_code: TOWNSHIP.into(),
        provenance: hazards::Provenance::GovernmentInspection as i32,
        source_type: hazards::SourceType::Routine as i32,
        category: hazards::HazardCategory::AmmoniaRefrigeration as i32,
        location: "machine room".into(),
        description: "valve leaks".into(),
        level: hazards::HazardLevel::General as i32,
        level_criterion: "一般隐患".into(),
        ..Default::default()
    };
    HazardsServiceClient::new(anonymous.clone())
        .report_hazard(as_actor(finding("tls-1"), &inspector()))
        .await
        .expect("the inspector's finding");

    // The provincial platform's certificate is a system of the province (330000): it reads the
    // district's records, and writes nothing there.
    let channel = tls_channel(&suite.address, &authority.pem(), Some(&platform))
        .await
        .unwrap();
    let listed = hl_testkit::wait_until(
        "the platform reads the finding with its certificate",
        Duration::from_secs(30),
        || {
            let channel = channel.clone();
            async move {
                let listed = LedgerServiceClient::new(channel)
                    .list_hazards(tonic::Request::new(list()))
                    .await
                    .ok()?
                    .into_inner();
                (listed.hazards.len() == 1).then_some(listed)
            }
        },
    )
    .await;
    assert_eq!(listed.hazards[0].hazard_id, "tls-1");
    let written = HazardsServiceClient::new(channel)
        .report_hazard(tonic::Request::new(finding("tls-2")))
        .await
        .unwrap_err();
    assert_eq!(written.code(), Code::PermissionDenied, "{written:?}");

    let refused = LedgerServiceClient::new(anonymous.clone())
        .list_hazards(tonic::Request::new(list()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    // Over TLS, a token still works without a certificate.
    assert!(
        LedgerServiceClient::new(anonymous)
            .list_hazards(as_actor(list(), &inspector()))
            .await
            .is_ok()
    );

    let unknown = tls_channel(&suite.address, &authority.pem(), Some(&stranger))
        .await
        .unwrap();
    let refused = LedgerServiceClient::new(unknown)
        .list_hazards(tonic::Request::new(list()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);

    // Plaintext is not served: the call fails or never gets an answer.
    let plaintext = async {
        let channel = Channel::from_shared(format!("http://{}", suite.address))
            .unwrap()
            .connect_timeout(Duration::from_secs(3))
            .connect()
            .await
            .ok()?;
        LedgerServiceClient::new(channel)
            .list_hazards(as_actor(list(), &inspector()))
            .await
            .ok()
    };
    let answered = tokio::time::timeout(Duration::from_secs(5), plaintext)
        .await
        .ok()
        .flatten();
    assert!(answered.is_none(), "a plaintext call does not get through");

    // The health port answers health in plaintext, and nothing else.
    let probe = Channel::from_shared(format!("http://{health_address}"))
        .unwrap()
        .connect_lazy();
    hl_e2e::await_serving(&probe, "health SERVING on the health port").await;
    let not_served = LedgerServiceClient::new(probe)
        .list_hazards(as_actor(list(), &inspector()))
        .await
        .unwrap_err();
    assert_eq!(not_served.code(), Code::Unimplemented, "{not_served:?}");
}
