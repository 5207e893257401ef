//! Fuzzing the checks every request goes through: arbitrary bytes decoded as every RPC's input
//! and checked against its declared limits; arbitrary text, names, codes, dates, times,
//! evidence and page tokens. Each check answers a violation (or a value) for anything; none
//! panics, and a page token the server did not sign is never taken for one it did.
//!
//! `make test` runs proptest's default number of cases; `make fuzz` runs many more
//! (PROPTEST_CASES).

use hl_proto::common::v1::{Actor, Date, EvidenceRef};
use hl_runtime::Violations;
use hl_runtime::pagination;
use proptest::prelude::*;

fn timestamp() -> impl Strategy<Value = Option<hl_proto::Timestamp>> {
    proptest::option::of(
        (any::<i64>(), any::<i32>())
            .prop_map(|(seconds, nanos)| hl_proto::Timestamp { seconds, nanos }),
    )
}

fn actor() -> impl Strategy<Value = Actor> {
    (any::<i32>(), ".{0,12}").prop_map(|(role, region)| Actor {
        id: "fuzz".into(),
        role,
        organisation: "fuzz".into(),
        region,
    })
}

proptest! {
    #[test]
    fn fuzz_text_names_and_codes_never_panic(
        text in ".{0,300}",
        collection in "[a-zA-Z]{0,12}",
        max in 0usize..400,
    ) {
        let mut violations = Violations::new();
        violations.request_id(&text);
        violations.text("text", &text, max);
        violations.optional_text("text", &text, max);
        violations.identifier("identifier", &text);
        violations.optional_identifier("identifier", &text);
        let _ = violations.resource_id("name", &text, &collection);
        let _ = violations.resource_id("name", &format!("{collection}/{text}"), &collection);
        violations.credit_code("enterprise_id", &text);
        violations.list_length("list", text.len(), max);
        let _ = violations.into_result();
    }

    #[test]
    fn fuzz_dates_times_and_evidence_never_panic(
        (year, month, day) in (any::<i32>(), any::<i32>(), any::<i32>()),
        at in timestamp(),
        actor in actor(),
        (sha256, media_type) in (".{0,80}", ".{0,40}"),
        captured_at in timestamp(),
    ) {
        let mut violations = Violations::new();
        let date = Date { year, month, day };
        let _ = violations.date("day", Some(&date));
        let _ = violations.optional_date("day", Some(&date));
        violations.year("year", year);
        let now = chrono::Utc::now();
        let _ = violations.business_time("occurred_at", at.as_ref(), now, &actor);
        let _ = violations.optional_past_time("as_of", at.as_ref(), now);
        let _ = violations.as_of(at.as_ref());
        let evidence = EvidenceRef {
            sha256,
            media_type,
            captured_at,
            ..EvidenceRef::default()
        };
        violations.evidence("evidence", &[evidence], true);
        let _ = violations.into_result();
    }

    #[test]
    fn fuzz_a_page_token_not_issued_by_the_server_is_refused(
        page_size in any::<i32>(),
        payload in proptest::collection::vec(any::<u8>(), 0..120),
        tag in proptest::collection::vec(any::<u8>(), 0..40),
        raw in ".{0,200}",
    ) {
        // Any text, and any token of the issued shape (hex payload "." hex tag) with a tag the
        // server did not compute, are refused as INVALID_ARGUMENT.
        for token in [raw, format!("{}.{}", hex::encode(&payload), hex::encode(&tag))] {
            if token.is_empty() {
                continue;
            }
            let refused = pagination::page(page_size, &token, "query").unwrap_err();
            prop_assert_eq!(refused.code, hl_runtime::error::ErrorCode::InvalidArgument);
        }
        // The server's own token is taken, for its query only.
        let issued = pagination::next_page_token("key", "query");
        if page_size >= 0 {
            prop_assert_eq!(
                pagination::page(page_size, &issued, "query").unwrap().after,
                Some("key".to_string())
            );
        }
        prop_assert!(pagination::page(page_size.max(0), &issued, "other").is_err());
    }

    #[test]
    fn fuzz_any_bytes_as_any_request_decode_and_check_without_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        repeated in 0usize..64,
    ) {
        // The same bytes repeated reach the nested and repeated fields a short input cannot.
        let input: Vec<u8> = bytes.iter().copied().cycle().take(bytes.len() * (repeated + 1)).collect();
        // What the codec does with them: scan the bytes, then decode; and the scan of what
        // decoded, re-encoded.
        macro_rules! decode_and_check {
            ($request:path) => {
                let _ = hl_proto::limits::scan::<$request>(&input);
                if let Ok(request) = <$request as hl_proto::__private::prost::Message>::decode(input.as_slice()) {
                    let _ = hl_proto::limits::check(&request);
                }
            };
        }
        hl_proto::for_each_request!(decode_and_check);
    }
}
