//! One HTTP/1.1 exchange with a remote system: a request out over TCP, or over TLS for
//! https:// (the system's trusted roots, and any authority the configuration adds), and its
//! answer back, within a timeout and a size limit. The suite talks HTTP to few systems and
//! seldom (a JWKS every few minutes, an outbound batch every minute), so each exchange opens its
//! own connection: nothing is pooled, nothing outlives the call.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1;
use hyper::header::{HeaderName, HeaderValue};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;

pub use hyper::{Method, StatusCode, Uri, header};

/// A request to send.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
    /// The whole exchange, from connecting to the answer's last byte.
    pub timeout: Duration,
    /// The largest answer accepted; a longer one is an error.
    pub max_answer_bytes: usize,
    /// For https://: authorities trusted besides the system's roots.
    pub extra_roots: ExtraRoots,
}

/// Certificate authorities an https:// exchange trusts besides the system's roots: a receiver
/// certified by the bureau's or the province's own authority, which no system trusts.
#[derive(Clone, Debug, Default)]
pub struct ExtraRoots(Arc<Vec<CertificateDer<'static>>>);

impl ExtraRoots {
    /// Every certificate of a PEM file; a file without one is an error, not an empty trust.
    pub fn from_pem_file(path: &Path) -> Result<ExtraRoots, String> {
        let certificates = CertificateDer::pem_file_iter(path)
            .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
            .map_err(|error| format!("{}: {error}", path.display()))?;
        if certificates.is_empty() {
            return Err(format!("{}: no certificate in it", path.display()));
        }
        // Each must be one an exchange can trust, so that a damaged file stops the start-up
        // instead of every exchange.
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        for certificate in &certificates {
            roots
                .add(certificate.clone())
                .map_err(|error| format!("{}: {error}", path.display()))?;
        }
        Ok(ExtraRoots(Arc::new(certificates)))
    }
}

/// What the remote system answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

/// Checks that `url` names an http:// or https:// host, as configuration must.
pub fn parse_url(url: &str) -> Result<Uri, String> {
    let uri: Uri = url.parse().map_err(|error| format!("{url}: {error}"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(format!("{url}: not an http:// or https:// URL")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(format!("{url}: no host"));
    }
    // Credentials in a URL end up in logs and error texts; they belong in a header.
    if uri
        .authority()
        .is_some_and(|authority| authority.as_str().contains('@'))
    {
        return Err("a URL carries no user or password; give them as configured headers".into());
    }
    Ok(uri)
}

/// Sends `request` and reads the answer, whatever its status; every failure to get one is
/// described with the URL.
pub async fn exchange(request: Request) -> Result<Answer, String> {
    let (url, timeout) = (request.url.clone(), request.timeout);
    tokio::time::timeout(timeout, connect_and_send(request))
        .await
        .map_err(|_| format!("{url}: no answer within {} seconds", timeout.as_secs()))?
        .map_err(|error| format!("{url}: {error}"))
}

async fn connect_and_send(request: Request) -> Result<Answer, String> {
    let uri = parse_url(&request.url)?;
    let https = uri.scheme_str() == Some("https");
    let host = uri.host().unwrap_or_default().to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let authority = uri
        .authority()
        .map_or(host.clone(), |authority| authority.to_string());
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|error| error.to_string())?;
    if https {
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host)
            .map_err(|error| error.to_string())?;
        let stream = tls_connector(&request.extra_roots)?
            .connect(name, tcp)
            .await
            .map_err(|error| format!("TLS: {error}"))?;
        send(stream, &uri, &authority, request).await
    } else {
        send(tcp, &uri, &authority, request).await
    }
}

async fn send<S>(stream: S, uri: &Uri, authority: &str, request: Request) -> Result<Answer, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| error.to_string())?;
    tokio::spawn(connection);
    let path = uri.path_and_query().map_or("/", |path| path.as_str());
    let mut builder = hyper::Request::builder()
        .method(request.method)
        .uri(path)
        .header(header::HOST, authority);
    for (name, value) in request.headers {
        builder = builder.header(name, value);
    }
    let outgoing = builder
        .body(Full::new(request.body))
        .map_err(|error| error.to_string())?;
    let response = sender
        .send_request(outgoing)
        .await
        .map_err(|error| error.to_string())?;
    let status = response.status();
    let body = Limited::new(response.into_body(), request.max_answer_bytes)
        .collect()
        .await
        .map_err(|error| format!("HTTP {status}, its answer unread: {error}"))?;
    Ok(Answer {
        status,
        body: body.to_bytes().to_vec(),
    })
}

fn tls_connector(extra_roots: &ExtraRoots) -> Result<tokio_rustls::TlsConnector, String> {
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    for certificate in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(certificate);
    }
    for certificate in extra_roots.0.iter() {
        roots
            .add(certificate.clone())
            .map_err(|error| format!("a configured certificate authority: {error}"))?;
    }
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|error| error.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_names_an_http_or_https_host() {
        assert!(parse_url("http://10.1.2.3:8080/api").is_ok());
        assert!(parse_url("https://exchange.example/upload").is_ok());
        for wrong in [
            "ftp://host/x",
            "host:80/path",
            "/just/a/path",
            "http://",
            "http://user:secret@host/x",
        ] {
            assert!(parse_url(wrong).is_err(), "{wrong}");
        }
    }
}
