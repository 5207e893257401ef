//! The declared limits of every request field (proto/limits.txt), checked on a request's
//! encoded bytes before it is decoded: after the RPC layer has authenticated the caller and
//! admitted its role, and before any handler work. Every RPC's codec is [`LimitedCodec`]. The
//! scan builds nothing, so a refused request costs a read of its bytes, however many entries
//! it packs into them (a few bytes on the wire can be a hundred bytes in memory).
//!
//! The field violations collected here are the same the handlers collect (the runtime's
//! `Violations` is built on [`FieldViolations`]), so a refusal looks the same from either.

use std::marker::PhantomData;

use bytes::Buf;
use prost::encoding::{DecodeContext, WireType};
use tonic::Status;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic_prost::ProstCodec;
use tonic_types::{ErrorDetails, StatusExt};

// The table of proto/limits.txt as constants: `DECLARED` (full field name, limit) and
// `DEFAULT_BYTES`, the limit of a string or bytes field the table does not list.
include!(concat!(env!("OUT_DIR"), "/declared_table.rs"));

/// The most violations an answer lists: a request with more gets these and a count of the rest,
/// so a huge bad request costs no more to answer than a small one.
pub const MAX_VIOLATIONS: usize = 100;

/// Field violations found so far: (field path, description), at most [`MAX_VIOLATIONS`].
#[derive(Debug, Default)]
pub struct FieldViolations {
    found: Vec<(String, String)>,
    /// Those found past [`MAX_VIOLATIONS`], counted only.
    more: usize,
}

impl FieldViolations {
    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        if self.found.len() < MAX_VIOLATIONS {
            self.found.push((field.into(), description.into()));
        } else {
            self.more += 1;
        }
    }

    /// A repeated field's length against its limit: false (and a violation) when it is longer,
    /// so its entries are not checked one by one.
    pub fn list_length(&mut self, field: &str, length: usize, max: usize) -> bool {
        if length > max {
            self.add(field, format!("at most {max} entries, got {length}"));
            return false;
        }
        true
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// What was found, as (field, description) pairs.
    pub fn into_list(self) -> Vec<(String, String)> {
        self.found
    }

    /// Every violation in one line, with the count of those not listed.
    pub fn summary(&self) -> String {
        let mut summary = self
            .found
            .iter()
            .map(|(field, description)| format!("{field}: {description}"))
            .collect::<Vec<_>>()
            .join("; ");
        if self.more > 0 {
            summary.push_str(&format!("; and {} more", self.more));
        }
        summary
    }

    /// INVALID_ARGUMENT with a `BadRequest` listing every violation, as the handlers answer.
    pub fn into_status(self) -> Status {
        let summary = self.summary();
        let mut details = ErrorDetails::new();
        for (field, description) in self.found {
            details.add_bad_request_violation(field, description);
        }
        Status::with_error_details(tonic::Code::InvalidArgument, summary, details)
    }
}

/// A message whose fields have declared limits. Generated for every RPC's input from
/// proto/limits.txt; answers (what a client decodes) have none.
pub trait DeclaredLimits {
    /// Scans a message's encoded bytes, before they are decoded, for fields past their limits.
    fn scan_limits(bytes: &[u8], violations: &mut FieldViolations);
}

/// `google.protobuf.Empty`.
impl DeclaredLimits for () {
    fn scan_limits(_bytes: &[u8], _violations: &mut FieldViolations) {}
}

include!(concat!(env!("OUT_DIR"), "/declared_limits.rs"));

/// How deep the scan follows nested messages; the API's own are a few levels deep.
pub const MAX_DEPTH: usize = 32;

/// How a repeated scalar's values are laid out on the wire.
pub enum Width {
    Varint,
    Fixed32,
    Fixed64,
}

/// The path of a field inside the message at `path`.
pub fn member(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// The path of an entry of a repeated field.
pub fn item(path: &str, field: &str, index: usize) -> String {
    format!("{}[{index}]", member(path, field))
}

/// The next field's number and wire type; None when the bytes are not protobuf.
pub fn key(bytes: &mut &[u8]) -> Option<(u32, WireType)> {
    prost::encoding::decode_key(bytes).ok()
}

/// The next length-delimited value; None when it is not one, or runs past the end.
pub fn length_delimited<'a>(bytes: &mut &'a [u8], wire: WireType) -> Option<&'a [u8]> {
    if wire != WireType::LengthDelimited {
        return None;
    }
    let length = usize::try_from(prost::encoding::decode_varint(bytes).ok()?).ok()?;
    let value = bytes.get(..length)?;
    *bytes = &bytes[length..];
    Some(value)
}

/// Skips a field this scan has no limit for.
pub fn skip(bytes: &mut &[u8], wire: WireType, number: u32) -> Option<()> {
    prost::encoding::skip_field(wire, number, bytes, DecodeContext::default()).ok()
}

/// How many values of a repeated scalar the next field holds: one, or a packed run of them.
pub fn scalars(bytes: &mut &[u8], wire: WireType, width: Width) -> Option<usize> {
    if wire != WireType::LengthDelimited {
        skip(bytes, wire, 1)?;
        return Some(1);
    }
    let packed = length_delimited(bytes, wire)?;
    Some(match width {
        // Each varint ends with the one byte whose high bit is clear.
        Width::Varint => packed.iter().filter(|byte| **byte & 0x80 == 0).count(),
        Width::Fixed32 => packed.len() / 4,
        Width::Fixed64 => packed.len() / 8,
    })
}

pub fn bytes(violations: &mut FieldViolations, path: &str, field: &str, value: &[u8], max: usize) {
    if value.len() > max {
        violations.add(
            member(path, field),
            format!("at most {max} bytes, got {}", value.len()),
        );
    }
}

/// One entry of a repeated string or bytes field against its bytes.
pub fn entry_bytes(
    violations: &mut FieldViolations,
    path: &str,
    field: &str,
    index: usize,
    value: &[u8],
    max: usize,
) {
    if value.len() > max {
        violations.add(
            item(path, field, index),
            format!("at most {max} bytes, got {}", value.len()),
        );
    }
}

/// A repeated field's number of entries against its limit.
pub fn entries(
    violations: &mut FieldViolations,
    path: &str,
    field: &str,
    length: usize,
    max: usize,
) {
    if length > max {
        violations.add(
            member(path, field),
            format!("at most {max} entries, got {length}"),
        );
    }
}

/// The encoded message's violations of its declared limits, as INVALID_ARGUMENT.
pub fn scan<M: DeclaredLimits>(bytes: &[u8]) -> Result<(), Status> {
    let mut violations = FieldViolations::default();
    M::scan_limits(bytes, &mut violations);
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations.into_status())
    }
}

/// A message's violations of its declared limits, as its encoding is scanned when it arrives.
pub fn check<M: DeclaredLimits + prost::Message>(message: &M) -> Result<(), Status> {
    scan::<M>(&message.encode_to_vec())
}

/// Protobuf encoding as `tonic_prost::ProstCodec`, with every decoded message checked against
/// its declared limits.
#[derive(Debug, Clone)]
pub struct LimitedCodec<T, U> {
    prost: ProstCodec<T, U>,
}

impl<T, U> Default for LimitedCodec<T, U> {
    fn default() -> Self {
        LimitedCodec {
            prost: ProstCodec::default(),
        }
    }
}

impl<T, U> Codec for LimitedCodec<T, U>
where
    T: prost::Message + Send + 'static,
    U: prost::Message + Default + DeclaredLimits + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = <ProstCodec<T, U> as Codec>::Encoder;
    type Decoder = LimitedDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        self.prost.encoder()
    }

    fn decoder(&mut self) -> Self::Decoder {
        LimitedDecoder {
            _message: PhantomData,
        }
    }
}

/// Refuses a message beyond its declared limits before decoding it, then decodes as prost does.
/// A message that
/// is not protobuf of its type is bad input too: INVALID_ARGUMENT naming the field that could
/// not be read (prost's own decoder would answer INTERNAL).
#[derive(Debug)]
pub struct LimitedDecoder<U> {
    _message: PhantomData<U>,
}

impl<U> Decoder for LimitedDecoder<U>
where
    U: prost::Message + Default + DeclaredLimits + Send + 'static,
{
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buffer: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        // The message's own bytes (tonic hands them over without copying), scanned first.
        let bytes = buffer.copy_to_bytes(buffer.remaining());
        scan::<U>(&bytes)?;
        let message = U::decode(bytes).map_err(undecodable)?;
        Ok(Some(message))
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::default()
    }
}

/// A message that does not decode, as a field violation. prost names where it stopped as
/// "Message.field" steps before its description, innermost first; the steps' fields, outermost
/// first, make the path.
fn undecodable(error: prost::DecodeError) -> Status {
    let text = error.to_string();
    let detail = text
        .strip_prefix("failed to decode Protobuf message: ")
        .unwrap_or(&text);
    let mut path = Vec::new();
    let mut description = detail;
    for (index, step) in detail.split(": ").enumerate() {
        match step.split_once('.') {
            Some((message, field))
                if !message.is_empty()
                    && message
                        .chars()
                        .all(|character| character.is_ascii_alphanumeric())
                    && !field.is_empty()
                    && field
                        .chars()
                        .all(|character| character.is_ascii_alphanumeric() || character == '_') =>
            {
                path.push(field);
                description = detail.splitn(index + 2, ": ").last().unwrap_or(detail);
            }
            _ => break,
        }
    }
    path.reverse();
    let field = if path.is_empty() {
        "request".to_string()
    } else {
        path.join(".")
    };
    let mut violations = FieldViolations::default();
    violations.add(field, format!("is not protobuf of its type: {description}"));
    violations.into_status()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::v1::EvidenceRef;
    use crate::hazards::v1::{IssueSupervisionOrderRequest, ReportHazardRequest};
    use crate::responsibility::v1::{GridCell, UpdateGridCellRequest};

    fn refused(status: Status) -> Vec<(String, String)> {
        use tonic_types::StatusExt;
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        status
            .get_details_bad_request()
            .expect("BadRequest details")
            .field_violations
            .into_iter()
            .map(|violation| (violation.field, violation.description))
            .collect()
    }

    #[test]
    fn a_request_within_its_limits_passes() {
        let request = ReportHazardRequest {
            request_id: "r-1".into(),
            description: "氨".repeat(4000),
            evidence: vec![EvidenceRef::default(); 100],
            ..Default::default()
        };
        assert!(check(&request).is_ok());
    }

    #[test]
    fn a_text_beyond_its_bytes_is_refused_by_its_path() {
        let mut evidence = vec![EvidenceRef::default(); 4];
        evidence[3].description = "x".repeat(16_001);
        let request = ReportHazardRequest {
            description: "x".repeat(20_000),
            evidence,
            ..Default::default()
        };
        let violations = refused(check(&request).unwrap_err());
        assert_eq!(
            violations,
            [
                (
                    "description".to_string(),
                    "at most 16000 bytes, got 20000".to_string()
                ),
                (
                    "evidence[3].description".to_string(),
                    "at most 16000 bytes, got 16001".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_list_beyond_its_entries_is_one_violation_with_its_entries_unread() {
        let request = IssueSupervisionOrderRequest {
            hazard_ids: vec!["h".to_string(); 200_000],
            ..Default::default()
        };
        let violations = refused(check(&request).unwrap_err());
        assert_eq!(
            violations,
            [(
                "hazard_ids".to_string(),
                "at most 200 entries, got 200000".to_string()
            )]
        );
    }

    #[test]
    fn lists_inside_nested_messages_and_field_masks_have_limits() {
        let request = UpdateGridCellRequest {
            cell: Some(GridCell {
                grid_worker_ids: vec![String::new(); 51],
                ..Default::default()
            }),
            update_mask: Some(crate::FieldMask {
                paths: vec![String::new(); 33],
            }),
            ..Default::default()
        };
        let fields: Vec<String> = refused(check(&request).unwrap_err())
            .into_iter()
            .map(|(field, _)| field)
            .collect();
        assert_eq!(fields, ["cell.grid_worker_ids", "update_mask.paths"]);
    }

    #[test]
    fn packed_lists_are_counted_by_their_values() {
        use crate::responsibility::v1::{CreatePersonRequest, Person};
        let request = CreatePersonRequest {
            person: Some(Person {
                roles: vec![1; 11],
                ..Default::default()
            }),
            ..Default::default()
        };
        let violations = refused(check(&request).unwrap_err());
        assert_eq!(
            violations,
            [(
                "person.roles".to_string(),
                "at most 10 entries, got 11".to_string()
            )]
        );
    }

    #[test]
    fn a_message_given_twice_cannot_add_its_lists_up_past_their_limit() {
        use prost::Message;
        // Two `cell`s of 30 workers each would decode as one cell of 60 (the limit is 50).
        let half = UpdateGridCellRequest {
            cell: Some(GridCell {
                grid_worker_ids: vec!["w".into(); 30],
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec();
        let twice = [half.clone(), half].concat();
        let merged = UpdateGridCellRequest::decode(twice.as_slice()).unwrap();
        assert_eq!(merged.cell.unwrap().grid_worker_ids.len(), 60);
        let violations = refused(scan::<UpdateGridCellRequest>(&twice).unwrap_err());
        assert_eq!(violations[0].0, "cell");
        assert_eq!(violations[0].1, "is given more than once");
    }

    #[test]
    fn bytes_that_are_not_the_message_are_refused_naming_the_field() {
        use prost::Message;
        // Field 1 (request_id, a string) sent as a number.
        let bytes = [0x08, 0x8c, 0xbb, 0x01];
        let error = ReportHazardRequest::decode(&bytes[..]).unwrap_err();
        let violations = refused(undecodable(error));
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].0, "request_id");
        assert!(
            violations[0]
                .1
                .starts_with("is not protobuf of its type: invalid wire type"),
            "{}",
            violations[0].1
        );
        // Inside a nested message: the path runs from the request inwards.
        let mut nested = vec![0x12, 0x04]; // field 2 (cell), 4 bytes
        nested.extend([0x38, 0x01, 0x38, 0x02]); // field 7 (grid_worker_ids, strings) as numbers
        let error = UpdateGridCellRequest::decode(&nested[..]).unwrap_err();
        assert_eq!(refused(undecodable(error))[0].0, "cell.grid_worker_ids");
        // Nothing readable at all.
        let error = ReportHazardRequest::decode(&[0xff][..]).unwrap_err();
        assert_eq!(refused(undecodable(error))[0].0, "request");
    }

    #[test]
    fn every_rpc_input_has_declared_limits() {
        // Compiles only if every input type implements the trait; each passes when empty.
        macro_rules! empty_passes {
            ($request:path) => {
                assert!(check(&<$request>::default()).is_ok());
            };
        }
        for_each_request!(empty_passes);
    }
}
