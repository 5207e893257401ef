//! AIP-158 pagination: `page_size`, an opaque `page_token`, `next_page_token`. A token is bound
//! to the query it came from; using it with other filters is INVALID_ARGUMENT. Tokens are signed
//! (HMAC-SHA256) with the process's page-token key, so a token the service did not issue is
//! INVALID_ARGUMENT too, whatever it says.

use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::ServiceError;

/// The key page tokens are signed with: set once at start ([`use_key`]), or random for the
/// process when it never is.
static KEY: OnceLock<Vec<u8>> = OnceLock::new();

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// Signs this process's page tokens with `key` (at least [`MIN_KEY_BYTES`] bytes), so that the
/// pages of a query can be followed across restarts and replicas sharing it. Only the first call
/// counts; false when a key was already in use.
pub fn use_key(key: Vec<u8>) -> bool {
    KEY.set(key).is_ok()
}

/// A fresh random key.
pub fn random_key() -> Vec<u8> {
    let mut key = uuid::Uuid::new_v4().as_bytes().to_vec();
    key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    key
}

fn signature(payload: &str) -> Hmac<Sha256> {
    let key = KEY.get_or_init(random_key);
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(payload.as_bytes());
    mac
}

/// The bytes of the signature a token carries.
const SIGNATURE_BYTES: usize = 16;

fn not_issued() -> ServiceError {
    ServiceError::invalid_field("page_token", "is not a token this service issued")
}

pub const DEFAULT_PAGE_SIZE: usize = 100;
pub const MAX_PAGE_SIZE: usize = 1000;

/// Which page to return: at most `size` items after the key `after`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub size: usize,
    pub after: Option<String>,
}

/// Reads `page_size` and `page_token` for a query described by `query` (a canonical rendering
/// of its filters).
pub fn page(page_size: i32, page_token: &str, query: &str) -> Result<Page, ServiceError> {
    let size = match page_size {
        size if size < 0 => {
            return Err(ServiceError::invalid_field(
                "page_size",
                "cannot be negative",
            ));
        }
        0 => DEFAULT_PAGE_SIZE,
        size => (size as usize).min(MAX_PAGE_SIZE),
    };
    if page_token.is_empty() {
        return Ok(Page { size, after: None });
    }
    let (payload, tag) = page_token.split_once('.').ok_or_else(not_issued)?;
    let decoded = hex::decode(payload)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(not_issued)?;
    let tag = hex::decode(tag).map_err(|_| not_issued())?;
    if tag.len() != SIGNATURE_BYTES || signature(&decoded).verify_truncated_left(&tag).is_err() {
        return Err(not_issued());
    }
    let mut parts = decoded.splitn(3, '\n');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("v2"), Some(fingerprint), Some(after)) if fingerprint == query_fingerprint(query) => {
            Ok(Page {
                size,
                after: Some(after.to_string()),
            })
        }
        (Some("v2"), Some(_), Some(_)) => Err(ServiceError::invalid_field(
            "page_token",
            "was issued for other filters; keep the filters the same between pages",
        )),
        _ => Err(not_issued()),
    }
}

/// The token of the page after the one that ended at `last_key`.
pub fn next_page_token(last_key: &str, query: &str) -> String {
    let payload = format!("v2\n{}\n{last_key}", query_fingerprint(query));
    let tag = signature(&payload).finalize().into_bytes();
    format!(
        "{}.{}",
        hex::encode(&payload),
        hex::encode(&tag[..SIGNATURE_BYTES])
    )
}

/// A stable fingerprint (FNV-1a) of the query, the same in every process and build.
fn query_fingerprint(query: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in query.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// One page of keyed items, already filtered and ordered by key, and the next page's token.
pub fn take_page<T>(items: Vec<(String, T)>, page: &Page, query: &str) -> (Vec<T>, String) {
    let start = match &page.after {
        Some(after) => items.partition_point(|(key, _)| key.as_str() <= after.as_str()),
        None => 0,
    };
    let rest = items.len() - start;
    let mut taken: Vec<(String, T)> = items.into_iter().skip(start).take(page.size).collect();
    let next = if rest > page.size {
        taken
            .last()
            .map(|(key, _)| next_page_token(key, query))
            .unwrap_or_default()
    } else {
        String::new()
    };
    (taken.drain(..).map(|(_, item)| item).collect(), next)
}

/// One page of a list, with the token of the next and the size of the whole.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub next_page_token: String,
    pub total_size: i32,
}

/// The page a request asks for of items already filtered and ordered by key.
pub fn list<T>(
    items: Vec<(String, T)>,
    page_size: i32,
    page_token: &str,
    query: &str,
) -> Result<Listed<T>, ServiceError> {
    let page = page(page_size, page_token, query)?;
    let total_size = items.len() as i32;
    let (items, next_page_token) = take_page(items, &page, query);
    Ok(Listed {
        items,
        next_page_token,
        total_size,
    })
}

/// One page of a list whose order is stable between pages, keyed by position. The items are
/// read only as far as the page reaches, so a long list costs no key per item.
pub fn take_page_by_position<T>(
    items: impl Iterator<Item = T>,
    page: &Page,
    query: &str,
) -> Result<(Vec<T>, String), ServiceError> {
    let start = match &page.after {
        Some(after) => after
            .parse::<usize>()
            .ok()
            .and_then(|position| position.checked_add(1))
            .ok_or_else(not_issued)?,
        None => 0,
    };
    let mut rest = items.skip(start);
    let taken: Vec<T> = rest.by_ref().take(page.size).collect();
    let next = match (taken.len(), rest.next()) {
        (count, Some(_)) if count > 0 => next_page_token(&position_key(start + count - 1), query),
        _ => String::new(),
    };
    Ok((taken, next))
}

/// The key of the item at `position`, zero-padded so keys order as positions do.
fn position_key(position: usize) -> String {
    format!("{position:09}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_by_position_follow_each_other_to_the_end() {
        let first = page(2, "", "q").unwrap();
        let (values, token) = take_page_by_position(0..5, &first, "q").unwrap();
        assert_eq!(values, [0, 1]);
        let second = page(2, &token, "q").unwrap();
        let (values, token) = take_page_by_position(0..5, &second, "q").unwrap();
        assert_eq!(values, [2, 3]);
        let third = page(2, &token, "q").unwrap();
        let (values, token) = take_page_by_position(0..5, &third, "q").unwrap();
        assert_eq!(values, [4]);
        assert!(token.is_empty());
        let exact = page(5, "", "q").unwrap();
        let (values, token) = take_page_by_position(0..5, &exact, "q").unwrap();
        assert_eq!(values.len(), 5);
        assert!(token.is_empty(), "no page after the last item");
    }

    #[test]
    fn a_position_token_of_another_list_shape_is_refused() {
        let forged = page(2, &next_page_token("not-a-position", "q"), "q").unwrap();
        assert!(take_page_by_position(0..5, &forged, "q").is_err());
    }

    #[test]
    fn pages_follow_each_other_to_the_end() {
        let items: Vec<(String, u32)> = (0..5).map(|index| (format!("k{index}"), index)).collect();
        let first = page(2, "", "q").unwrap();
        let (values, token) = take_page(items.clone(), &first, "q");
        assert_eq!(values, [0, 1]);
        let second = page(2, &token, "q").unwrap();
        let (values, token) = take_page(items.clone(), &second, "q");
        assert_eq!(values, [2, 3]);
        let (values, token) = take_page(items, &page(2, &token, "q").unwrap(), "q");
        assert_eq!(values, [4]);
        assert!(token.is_empty());
    }

    #[test]
    fn a_token_only_works_with_its_own_query() {
        let token = next_page_token("k1", "township=330903001");
        assert!(page(10, &token, "township=330903001").is_ok());
        let error = page(10, &token, "township=330903002").unwrap_err();
        assert_eq!(error.field_violations[0].0, "page_token");
        assert!(page(10, "zz", "q").is_err());
        assert!(page(-1, "", "q").is_err());
        assert_eq!(page(5000, "", "q").unwrap().size, MAX_PAGE_SIZE);
    }

    #[test]
    fn a_forged_or_altered_token_is_refused() {
        let token = next_page_token("k1", "q");
        let (payload, tag) = token.split_once('.').unwrap();
        // The same page, asked for another key without the signature to match.
        let forged_payload = hex::encode(format!("v2\n{}\nk9", query_fingerprint("q")));
        let forged_tag = "0".repeat(2 * SIGNATURE_BYTES);
        let unsigned_v1 = hex::encode(format!("v1\n{}\nk9", query_fingerprint("q")));
        for forged in [
            format!("{forged_payload}.{tag}"),
            format!("{payload}.{forged_tag}"),
            forged_payload.clone(),
            unsigned_v1,
            format!("{payload}.{}", &tag[..8]),
        ] {
            let error = page(10, &forged, "q").unwrap_err();
            assert_eq!(error.field_violations[0].0, "page_token", "{forged}");
        }
        // A position at the end of the counting range is refused, not wrapped round.
        let last = page(2, &next_page_token(&usize::MAX.to_string(), "q"), "q").unwrap();
        assert!(take_page_by_position(0..5, &last, "q").is_err());
    }
}
