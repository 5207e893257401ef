//! The HTTP transport: each batch POSTed to the receiver's path for its object
//! (`{HL_OUTBOUND_URL}/{object}`), as the one complete public client of the national interface
//! sends it, with the `Authorization` value the bureau was issued. The body is the batch's
//! bytes as the delivery ledger keeps them (its `datas` already sealed where the receiver
//! expects them encrypted, see [`DatasCipher`]), so a resend is byte for byte the first send.
//! A batch is delivered only when the receiver says so: HTTP 2xx with a JSON answer whose
//! result code is 0 or 200, at the top level and under `data` alike wherever either is given
//! (that client reads `{data:{code,msg}}`). Anything else leaves the batch unacknowledged, to
//! go again at the next round. `X-Batch` (`{region}/{feed}/{batch}`) and `X-Batch-Sha256` (the
//! body's) together let the receiver tell a batch sent again from a new one.

use std::time::Duration;

use hl_http::header::{HeaderName, HeaderValue};
use hl_http::{ExtraRoots, Method, Request, StatusCode, header};

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
    extra_roots: ExtraRoots,
}

impl HttpPost {
    /// `authorization` is the `Authorization` header's whole value, e.g. `Basic ...`.
    pub fn new(
        base_url: &str,
        authorization: Option<&str>,
        timeout: Duration,
    ) -> Result<HttpPost, String> {
        let uri = hl_http::parse_url(base_url)?;
        // The object's path is appended to the base: a query or fragment would swallow it.
        if uri.query().is_some() || base_url.contains('#') {
            return Err("the base URL takes no query or fragment".into());
        }
        let authorization = authorization
            .map(|value| {
                let value = value.trim();
                if value.is_empty() {
                    return Err("the authorization is empty".to_string());
                }
                let mut value = HeaderValue::from_str(value)
                    .map_err(|_| "the authorization is not a valid header value".to_string())?;
                value.set_sensitive(true);
                Ok(value)
            })
            .transpose()?;
        Ok(HttpPost {
            base: base_url.trim_end_matches('/').to_string(),
            authorization,
            timeout,
            cipher: None,
            extra_roots: ExtraRoots::default(),
        })
    }

    /// Seals every batch's `datas` with `cipher` (when the batch is made, see the module).
    pub fn sealing(mut self, cipher: DatasCipher) -> HttpPost {
        self.cipher = Some(cipher);
        self
    }

    /// Trusts `roots` besides the system's for an https:// receiver.
    pub fn trusting(mut self, roots: ExtraRoots) -> HttpPost {
        self.extra_roots = roots;
        self
    }

    pub fn cipher(&self) -> Option<&DatasCipher> {
        self.cipher.as_ref()
    }

    /// Where a batch of `object` goes.
    pub fn url_of(&self, object: &str) -> String {
        format!("{}/{object}", self.base)
    }

    /// POSTs a batch of `region`'s feed and answers the acknowledgement the ledger keeps, or
    /// why there is none.
    pub async fn deliver(
        &self,
        object: &str,
        region: &str,
        batch: &Batch,
    ) -> Result<String, String> {
        let mut headers = vec![
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=UTF-8"),
            ),
            (
                HeaderName::from_static("x-batch"),
                header_value(&format!("{region}/{}/{}", batch.feed, batch.number))?,
            ),
            (
                HeaderName::from_static("x-batch-sha256"),
                header_value(&batch.sha256)?,
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
            body: batch.payload.clone().into(),
            timeout: self.timeout,
            max_answer_bytes: MAX_ANSWER_BYTES,
            extra_roots: self.extra_roots.clone(),
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
    // Every result code given, at the top level and under `data`, must say success.
    let codes: Vec<&serde_json::Value> = [answer.get("code"), answer.pointer("/data/code")]
        .into_iter()
        .flatten()
        .collect();
    if codes.is_empty() {
        return Err(format!("HTTP {status} without a result code: {kept}"));
    }
    let success = |code: &serde_json::Value| match code {
        serde_json::Value::Number(code) => matches!(code.as_i64(), Some(0 | 200)),
        serde_json::Value::String(code) => matches!(code.trim(), "0" | "200"),
        _ => false,
    };
    if codes.into_iter().all(success) {
        Ok(format!("HTTP {status}: {kept}"))
    } else {
        Err(format!("refused: {kept}"))
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
        assert!(answer(200, r#"{"code":200,"data":{"code":0}}"#).is_ok());
        let refused = answer(200, r#"{"data":{"code":500,"msg":"数据格式错误"}}"#).unwrap_err();
        assert!(
            refused.contains("500") && refused.contains("数据格式错误"),
            "{refused}"
        );
        // A failure said anywhere is a failure, and a refusal keeps what the receiver said.
        assert!(answer(200, r#"{"code":500,"msg":"失败","data":{"code":200}}"#).is_err());
        let unworded = answer(200, r#"{"code":401,"message":"token expired"}"#).unwrap_err();
        assert!(unworded.contains("token expired"), "{unworded}");
        assert!(answer(200, r#"{"code":true}"#).is_err());
        assert!(answer(200, r#"{"code":200.5}"#).is_err());
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
        assert!(HttpPost::new("http://10.0.0.1/api", Some(" \n"), timeout).is_err());
        assert!(HttpPost::new("10.0.0.1/api", None, timeout).is_err());
        for leaky in [
            "http://user:secret@10.0.0.1/api",
            "http://10.0.0.1/api?token=x",
            "http://10.0.0.1/api#part",
        ] {
            assert!(HttpPost::new(leaky, None, timeout).is_err(), "{leaky}");
        }
        let post = HttpPost::new("http://10.0.0.1/api/", None, timeout).unwrap();
        assert_eq!(
            post.url_of("sec_hidden_danger_info"),
            "http://10.0.0.1/api/sec_hidden_danger_info"
        );
    }
}
