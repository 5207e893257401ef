//! AIP-158 pagination: `page_size`, an opaque `page_token`, `next_page_token`. A token is bound
//! to the query it came from; using it with other filters is INVALID_ARGUMENT.

use crate::error::ServiceError;

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
    let decoded = hex::decode(page_token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(decoded) = decoded else {
        return Err(ServiceError::invalid_field(
            "page_token",
            "is not a token this service issued",
        ));
    };
    let mut parts = decoded.splitn(3, '\n');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("v1"), Some(fingerprint), Some(after)) if fingerprint == query_fingerprint(query) => {
            Ok(Page {
                size,
                after: Some(after.to_string()),
            })
        }
        (Some("v1"), Some(_), Some(_)) => Err(ServiceError::invalid_field(
            "page_token",
            "was issued for other filters; keep the filters the same between pages",
        )),
        _ => Err(ServiceError::invalid_field(
            "page_token",
            "is not a token this service issued",
        )),
    }
}

/// The token of the page after the one that ended at `last_key`.
pub fn next_page_token(last_key: &str, query: &str) -> String {
    hex::encode(format!("v1\n{}\n{last_key}", query_fingerprint(query)))
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
        Some(after) => {
            after.parse::<usize>().map_err(|_| {
                ServiceError::invalid_field("page_token", "is not a token this service issued")
            })? + 1
        }
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
}
