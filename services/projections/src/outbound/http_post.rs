//! The HTTP transport: each batch POSTed to the receiver's path for its object
//! (`{HL_OUTBOUND_URL}/{object}`), as the one complete public client of the national interface
//! sends it, with the `Authorization` value the bureau was issued. The body is the batch's file
//! bytes, or, where the receiver expects the records encrypted, the same batch with `datas`
//! sealed ([`DatasCipher`]), deterministically. A batch is delivered only when the receiver
//! says so: HTTP 2xx with a JSON answer whose `code` (top level or under `data`, as that client
//! reads it) is 0 or 200. Anything else leaves the batch unacknowledged, to go again byte for
//! byte at the next round; the headers `X-Batch` and `X-Batch-Sha256` (the body's) let the
//! receiver tell a batch sent again from a new one and check what it got.

use std::time::Duration;

use hl_http::header::{HeaderName, HeaderValue};
use hl_http::{Method, Request, StatusCode, header};
use sha2::{Digest, Sha256};

use super::encryption::DatasCipher;
use super::ledger::Batch;

/// The longest answer read; an acknowledgement is a few hundred bytes.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// The most of an answer the delivery ledger keeps.
const ANSWER_KEPT_CHARS: usize = 500;

#[derive(Clone, Debug)]
pub struct HttpPost {
    /// The receiver's base URL, without a trailing slash.
    base: String,
    authorization: Option<HeaderValue>,
    timeout: Duration,
    cipher: Option<DatasCipher>,
}

impl HttpPost {
    /// `authorization` is the `Authorization` header's whole value, e.g. `Basic ...`.
    pub fn new(
        base_url: &str,
        authorization: Option<&str>,
        timeout: Duration,
    ) -> Result<HttpPost, String> {
        hl_http::parse_url(base_url)?;
        let authorization = authorization
            .map(|value| {
                let mut value = HeaderValue::from_str(value.trim())
                    .map_err(|_| "the authorization is not a valid header value".to_string())?;
                value.set_sensitive(true);
                Ok::<_, String>(value)
            })
            .transpose()?;
        Ok(HttpPost {
            base: base_url.trim_end_matches('/').to_string(),
            authorization,
            timeout,
            cipher: None,
        })
    }

    /// Sends every batch's `datas` encrypted with `cipher`.
    pub fn sealing(mut self, cipher: DatasCipher) -> HttpPost {
        self.cipher = Some(cipher);
        self
    }

    /// Where a batch of `object` goes.
    pub fn url_of(&self, object: &str) -> String {
        format!("{}/{object}", self.base)
    }

    /// POSTs the batch and answers the acknowledgement the ledger keeps, or why there is none.
    pub async fn deliver(&self, object: &str, batch: &Batch) -> Result<String, String> {
        let body = match &self.cipher {
            Some(cipher) => cipher.encrypt_datas(&batch.payload)?,
            None => batch.payload.clone(),
        };
        let mut headers = vec![
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=UTF-8"),
            ),
            (
                HeaderName::from_static("x-batch"),
                header_value(&format!("{}/{}", batch.feed, batch.number))?,
            ),
            (
                HeaderName::from_static("x-batch-sha256"),
                header_value(&hex::encode(Sha256::digest(body.as_bytes())))?,
            ),
        ];
        if let Some(authorization) = &self.authorization {
            headers.push((header::AUTHORIZATION, authorization.clone()));
        }
        let url = self.url_of(object);
        let answer = hl_http::exchange(Request {
            method: Method::POST,
            url: url.clone(),
            headers,
            body: body.into(),
            timeout: self.timeout,
            max_answer_bytes: MAX_ANSWER_BYTES,
        })
        .await?;
        acknowledgement(answer.status, &answer.body).map_err(|refusal| format!("{url}: {refusal}"))
    }
}

fn header_value(text: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_str(text).map_err(|_| format!("{text:?} is not a valid header value"))
}

/// Whether an answer acknowledges the batch: the text the ledger keeps, or why it does not.
pub fn acknowledgement(status: StatusCode, body: &[u8]) -> Result<String, String> {
    let text = String::from_utf8_lossy(body);
    let kept: String = text.chars().take(ANSWER_KEPT_CHARS).collect();
    if !status.is_success() {
        return Err(format!("HTTP {status}: {kept}"));
    }
    let answer: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| format!("HTTP {status} without a JSON acknowledgement: {kept}"))?;
    let result = answer.get("data").filter(|data| data.get("code").is_some());
    let result = result.unwrap_or(&answer);
    let code = match result.get("code") {
        Some(serde_json::Value::Number(code)) => code.as_i64(),
        Some(serde_json::Value::String(code)) => code.trim().parse().ok(),
        _ => None,
    };
    let message = result
        .get("msg")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    match code {
        Some(0 | 200) => Ok(format!("HTTP {status}: {kept}")),
        Some(code) => Err(format!("refused, code {code}: {message}")),
        None => Err(format!("HTTP {status} without a result code: {kept}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Result<String, String> {
        acknowledgement(StatusCode::from_u16(status).unwrap(), body.as_bytes())
    }

    #[test]
    fn only_a_success_code_acknowledges() {
        assert!(answer(200, r#"{"data":{"code":200,"msg":"成功"}}"#).is_ok());
        assert!(answer(200, r#"{"code":0,"msg":"ok"}"#).is_ok());
        assert!(answer(200, r#"{"data":{"code":"200"}}"#).is_ok());
        let refused = answer(200, r#"{"data":{"code":500,"msg":"数据格式错误"}}"#).unwrap_err();
        assert!(refused.contains("code 500") && refused.contains("数据格式错误"));
        // A page from a proxy, an empty answer, a failure status: nothing is acknowledged.
        assert!(answer(200, "<html>gateway</html>").is_err());
        assert!(answer(200, "").is_err());
        assert!(answer(200, r#"{"data":{"list":[]}}"#).is_err());
        assert!(answer(503, r#"{"code":0}"#).is_err());
    }

    #[test]
    fn the_authorization_must_be_a_header_value_and_the_url_a_host() {
        let timeout = Duration::from_secs(1);
        assert!(HttpPost::new("http://10.0.0.1/api/", Some("Basic x\n"), timeout).is_ok());
        assert!(HttpPost::new("http://10.0.0.1/api", Some("a\u{7f}b"), timeout).is_err());
        assert!(HttpPost::new("10.0.0.1/api", None, timeout).is_err());
        let post = HttpPost::new("http://10.0.0.1/api/", None, timeout).unwrap();
        assert_eq!(
            post.url_of("sec_hidden_danger_info"),
            "http://10.0.0.1/api/sec_hidden_danger_info"
        );
    }
}
