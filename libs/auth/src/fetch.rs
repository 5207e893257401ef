//! Fetching a JWKS from its endpoint: one GET, with a timeout and a size limit.

use std::time::Duration;

use hl_http::{Method, Request, header};

/// The largest JWKS document accepted.
const MAX_BYTES: usize = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(10);

/// The body of a GET of `url`, or why there is none.
pub async fn get(url: &str) -> Result<Vec<u8>, String> {
    let answer = hl_http::exchange(Request {
        method: Method::GET,
        url: url.to_string(),
        headers: vec![(
            header::ACCEPT,
            header::HeaderValue::from_static("application/json"),
        )],
        body: Default::default(),
        timeout: TIMEOUT,
        max_answer_bytes: MAX_BYTES,
        extra_roots: Default::default(),
    })
    .await?;
    if !answer.status.is_success() {
        return Err(format!("{url}: HTTP {}", answer.status));
    }
    Ok(answer.body)
}
