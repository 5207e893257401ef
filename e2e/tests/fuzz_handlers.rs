//! Fuzzing every handler of the suite through its real server: each unary RPC of the API gets
//! the empty message, arbitrary bytes, and protobuf-shaped messages of arbitrary fields, sent
//! as every role the access policy lets call it (so each handler's own checks are reached, in
//! each role's branch). Every answer must be a refusal the API documents or a success,
//! never an internal error or a dropped call, each within a bounded time; and the suite still
//! serves afterwards.
//!
//! `make test` sends 16 payloads to every method; `make fuzz` sends FUZZ_CASES (through
//! PROPTEST_CASES).

use std::time::{Duration, Instant};

use bytes::{Buf, BufMut};
use hl_e2e::Suite;
use hl_runtime::policy;
use hl_testkit::actors::{one_of_each_role, token};
use hl_testkit::{NatsServer, unique_namespace};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use prost::Message;
use tonic::Code;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic_types::StatusExt;

/// The most one call may take, however bad its input.
const BOUND: Duration = Duration::from_secs(5);

/// Every unary method of the API, as "/package.Service/Method".
fn unary_methods() -> Vec<String> {
    let descriptors = prost_types::FileDescriptorSet::decode(hl_proto::FILE_DESCRIPTOR_SET)
        .expect("the suite's descriptor set");
    let mut methods = Vec::new();
    for file in &descriptors.file {
        if !file.package().starts_with("hazard_ledger.") {
            continue;
        }
        for service in &file.service {
            for method in &service.method {
                if !method.client_streaming() && !method.server_streaming() {
                    methods.push(format!(
                        "/{}.{}/{}",
                        file.package(),
                        service.name(),
                        method.name()
                    ));
                }
            }
        }
    }
    methods
}

/// Sends bytes as they are and hands the answer's bytes back unread.
#[derive(Clone, Default)]
struct RawCodec;

struct RawEncoder;
struct RawDecoder;

impl Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Vec<u8>, buffer: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        buffer.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawDecoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn decode(&mut self, buffer: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Self::Error> {
        let mut bytes = vec![0; buffer.remaining()];
        buffer.copy_to_slice(&mut bytes);
        Ok(Some(bytes))
    }
}

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawEncoder;
    type Decoder = RawDecoder;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

/// One field of a protobuf-shaped payload: a number and a value of either wire type.
#[derive(Clone, Debug)]
enum Field {
    Varint(u32, u64),
    Text(u32, String),
}

/// Fields encoded as protobuf, so most payloads decode and reach the handler with values in
/// the fields their numbers name (strings in strings, text where a message or date belongs).
fn encode_fields(fields: &[Field]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for field in fields {
        match field {
            Field::Varint(number, value) => {
                prost::encoding::encode_key(*number, prost::encoding::WireType::Varint, &mut bytes);
                prost::encoding::encode_varint(*value, &mut bytes);
            }
            Field::Text(number, text) => {
                prost::encoding::encode_key(
                    *number,
                    prost::encoding::WireType::LengthDelimited,
                    &mut bytes,
                );
                prost::encoding::encode_varint(text.len() as u64, &mut bytes);
                bytes.extend_from_slice(text.as_bytes());
            }
        }
    }
    bytes
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        (1u32..12, any::<u64>()).prop_map(|(number, value)| Field::Varint(number, value)),
        (1u32..12, ".{0,40}").prop_map(|(number, text)| Field::Text(number, text)),
        (1u32..12, "[a-z]{1,12}/[a-z0-9-]{0,24}")
            .prop_map(|(number, name)| Field::Text(number, name)),
    ];
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        proptest::collection::vec(field, 0..12).prop_map(|fields| encode_fields(&fields)),
    ]
}

/// What a call may answer: success, or a refusal the API documents. UNAVAILABLE is one only as
/// a consistent read waiting for the read models; otherwise it would hide a failing server.
fn acceptable(code: Code, reason: &str) -> bool {
    matches!(
        code,
        Code::Ok
            | Code::InvalidArgument
            | Code::NotFound
            | Code::AlreadyExists
            | Code::FailedPrecondition
            | Code::PermissionDenied
            | Code::OutOfRange
            | Code::Aborted
            | Code::ResourceExhausted
    ) || (code == Code::Unavailable && reason == "PROJECTION_LAGGING")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_handler_answers_any_input_with_a_documented_code_in_bounded_time() {
    let nats = NatsServer::start().await;
    let suite = Suite::start(&[
        ("NATS_URL", nats.url()),
        ("HL_NAMESPACE", unique_namespace()),
    ])
    .await;
    let channel = suite.channel().await;
    let methods = unary_methods();
    assert!(methods.len() > 150, "{} methods", methods.len());
    // Each method with the bearer token of every role allowed to call it.
    let callers: Vec<(String, tonic::metadata::MetadataValue<_>)> = methods
        .iter()
        .flat_map(|method| {
            let rule = policy::rule(&method[1..])
                .unwrap_or_else(|| panic!("{method} has no entry in the access policy"));
            one_of_each_role()
                .into_iter()
                .filter(|(role, _)| rule.allows(*role))
                .map(|(_, actor)| {
                    let bearer = format!("Bearer {}", token(&actor));
                    (method.clone(), bearer.parse().expect("a token is ASCII"))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(callers.len() >= methods.len());

    let call = |method: String, authorization, body: Vec<u8>| {
        let channel = channel.clone();
        async move {
            let mut grpc = tonic::client::Grpc::new(channel);
            grpc.ready().await.expect("the suite accepts calls");
            let mut request = tonic::Request::new(body.clone());
            request
                .metadata_mut()
                .insert("authorization", authorization);
            let started = Instant::now();
            let answer = grpc
                .unary(request, method.parse().expect("a method path"), RawCodec)
                .await;
            let took = started.elapsed();
            let (code, message, reason) = answer.map_or_else(
                |status| {
                    let reason = status
                        .get_details_error_info()
                        .map(|info| info.reason)
                        .unwrap_or_default();
                    (status.code(), status.message().to_string(), reason)
                },
                |_| (Code::Ok, String::new(), String::new()),
            );
            assert!(
                acceptable(code, &reason),
                "{method} answered {code:?} ({message}) to {} bytes {:?}",
                body.len(),
                hex(&body)
            );
            assert!(took < BOUND, "{method} took {took:?} for {:?}", hex(&body));
        }
    };

    for (method, authorization) in &callers {
        call(method.clone(), authorization.clone(), Vec::new()).await;
    }
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(16);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let runtime = tokio::runtime::Handle::current();
    let outcome = tokio::task::block_in_place(|| {
        runner.run(&payload(), |body| {
            for (method, authorization) in &callers {
                runtime.block_on(call(method.clone(), authorization.clone(), body.clone()));
            }
            Ok(())
        })
    });
    outcome.expect("every handler answers every input");

    // The suite still serves.
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("the suite answers its health check")
        .into_inner();
    assert_eq!(
        status.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
