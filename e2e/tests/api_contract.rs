//! The API as an integrator meets it with nothing but a reflection client: grpcurl, as the
//! README uses it, reads a refusal's details (google.rpc.BadRequest, ErrorInfo) as JSON, since
//! the server's reflection includes the error detail types. And as a browser meets it: a
//! gRPC-Web call over HTTP/1.1 on the same port, from another origin only when configured.

use std::path::PathBuf;

use hl_e2e::Suite;
use hl_proto::ledger::v1::{ListHazardsRequest, ListHazardsResponse};
use hl_testkit::actors::{inspector, token};
use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// grpcurl as `make tools` installs it.
fn grpcurl() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/venv/bin/grpcurl");
    assert!(
        path.exists(),
        "{} is missing: run `make tools`",
        path.display()
    );
    path
}

#[tokio::test]
async fn grpcurl_reads_a_refusals_details_through_reflection_alone() {
    let suite = Suite::start(&[("HL_SEED_DEMO", "false".into())]).await;
    let output = tokio::process::Command::new(grpcurl())
        .args([
            "-plaintext",
            "-H",
            &format!("authorization: Bearer {}", token(&inspector())),
            "-d",
            r#"{"request_id": "contract-1", "hazard_id": "h1", "description": ""}"#,
            &suite.address,
            "hazard_ledger.hazards.v1.HazardsService/ReportHazard",
        ])
        .output()
        .await
        .expect("run grpcurl");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.status.success(), "{printed}");
    assert!(printed.contains("Code: InvalidArgument"), "{printed}");
    assert!(
        printed.contains("type.googleapis.com/google.rpc.BadRequest")
            && printed.contains("fieldViolations")
            && printed.contains("\"field\":\"description\""),
        "{printed}"
    );
    assert!(!printed.contains("not recognized"), "{printed}");
}

/// One gRPC-Web frame: a flag byte (0x80 for trailers), the length, the bytes.
fn frame(flag: u8, bytes: &[u8]) -> Vec<u8> {
    let mut framed = vec![flag];
    framed.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    framed.extend_from_slice(bytes);
    framed
}

/// The frames of a gRPC-Web body, as (flag, bytes).
fn frames(mut body: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while body.len() >= 5 {
        let length = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
        frames.push((body[0], body[5..5 + length].to_vec()));
        body = &body[5 + length..];
    }
    frames
}

#[tokio::test]
async fn a_browser_calls_the_api_with_grpc_web_over_http1() {
    let suite = Suite::start(&[("HL_SEED_DEMO", "false".into())]).await;
    let request = frame(
        0,
        &ListHazardsRequest {
            page_size: 10,
            ..Default::default()
        }
        .encode_to_vec(),
    );
    let head = list_hazards_over_grpc_web(&suite.address, None, request.len());
    let (head, body) = exchange(&suite.address, &head, &request).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains("content-type: application/grpc-web"),
        "{head}"
    );
    let mut body = body;
    if head.contains("transfer-encoding: chunked") {
        body = unchunk(&body);
    }
    let frames = frames(&body);
    let (flag, message) = &frames[0];
    assert_eq!(*flag, 0, "a message comes first");
    ListHazardsResponse::decode(message.as_slice()).expect("a ListHazardsResponse");
    let (flag, trailers) = frames.last().unwrap();
    assert_eq!(*flag, 0x80, "trailers come last");
    assert!(
        String::from_utf8_lossy(trailers).contains("grpc-status:0"),
        "{}",
        String::from_utf8_lossy(trailers)
    );
}

/// The head of what a browser's gRPC-Web client sends for ListHazards, as the inspector: an
/// HTTP/1.1 POST of `length` bytes of framed message, from a page of `origin` if given.
fn list_hazards_over_grpc_web(address: &str, origin: Option<&str>, length: usize) -> String {
    let origin = origin.map_or(String::new(), |origin| format!("Origin: {origin}\r\n"));
    format!(
        "POST /hazard_ledger.ledger.v1.LedgerService/ListHazards HTTP/1.1\r\n\
         Host: {address}\r\n\
         {origin}\
         Content-Type: application/grpc-web+proto\r\n\
         X-Grpc-Web: 1\r\n\
         Authorization: Bearer {}\r\n\
         Content-Length: {length}\r\n\
         Connection: close\r\n\r\n",
        token(&inspector()),
    )
}

/// Sends one HTTP/1.1 request and reads the answer to the end: its head, lower-cased, and its
/// body.
async fn exchange(address: &str, head: &str, body: &[u8]) -> (String, Vec<u8>) {
    let mut connection = tokio::net::TcpStream::connect(address).await.unwrap();
    connection.write_all(head.as_bytes()).await.unwrap();
    connection.write_all(body).await.unwrap();
    let mut response = Vec::new();
    connection.read_to_end(&mut response).await.unwrap();
    let split = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("an HTTP response head");
    let head = String::from_utf8_lossy(&response[..split]).to_lowercase();
    (head, response[split + 4..].to_vec())
}

#[tokio::test]
async fn a_dashboard_of_a_configured_origin_may_call_from_a_browser_and_no_other() {
    let dashboard = "https://dashboard.example.gov.cn";
    let suite = Suite::start(&[
        ("HL_SEED_DEMO", "false".into()),
        ("HL_BROWSER_ORIGINS", dashboard.into()),
    ])
    .await;
    // The browser asks first (a preflight), without a token.
    let preflight = |origin: &str| {
        format!(
            "OPTIONS /hazard_ledger.ledger.v1.LedgerService/ListHazards HTTP/1.1\r\n\
             Host: {}\r\n\
             Origin: {origin}\r\n\
             Access-Control-Request-Method: POST\r\n\
             Access-Control-Request-Headers: authorization, content-type, x-grpc-web\r\n\
             Connection: close\r\n\r\n",
            suite.address
        )
    };
    let (head, _) = exchange(&suite.address, &preflight(dashboard), &[]).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains(&format!("access-control-allow-origin: {dashboard}")),
        "{head}"
    );
    let allowed_headers = head
        .lines()
        .find(|line| line.starts_with("access-control-allow-headers:"))
        .unwrap_or_default();
    for needed in ["authorization", "content-type", "x-grpc-web"] {
        assert!(allowed_headers.contains(needed), "{head}");
    }
    let (head, _) = exchange(&suite.address, &preflight("https://elsewhere.example"), &[]).await;
    assert!(!head.contains("access-control-allow-origin"), "{head}");

    // Then the call itself, whose gRPC status the page may read.
    let request = frame(0, &ListHazardsRequest::default().encode_to_vec());
    let call = list_hazards_over_grpc_web(&suite.address, Some(dashboard), request.len());
    let (head, _) = exchange(&suite.address, &call, &request).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains(&format!("access-control-allow-origin: {dashboard}")),
        "{head}"
    );
    assert!(head.contains("access-control-expose-headers"), "{head}");
}

/// An HTTP/1.1 chunked body, joined.
fn unchunk(mut body: &[u8]) -> Vec<u8> {
    let mut joined = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|window| window == b"\r\n")
            .expect("a chunk size line");
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap().trim(), 16)
                .expect("a hexadecimal chunk size");
        if size == 0 {
            return joined;
        }
        let start = line_end + 2;
        joined.extend_from_slice(&body[start..start + size]);
        body = &body[start + size + 2..];
    }
}
