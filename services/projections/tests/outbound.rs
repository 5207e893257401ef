//! The dual-prevention outbound feed over a real nats-server and a real database (SQLite and
//! PostgreSQL): each hazard version reaches the file-drop folder exactly once, across a
//! receiver that was away and an exporter that restarted in between; a hazard that cannot be
//! sent yet is held back until it can; an enterprise whose code is cleared has its records
//! sent once more, deleted.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use sha2::Digest;

use hl_directory::enterprise::EnterpriseCommand;
use hl_domain::access::test_actors;
use hl_hazards::domain::hazard::HazardCommand;
use hl_projections::outbound::dual_prevention::{Held, record_id};
use hl_projections::outbound::encryption::DatasCipher;
use hl_projections::outbound::file_drop::FileDrop;
use hl_projections::outbound::transport::Transport;
use hl_projections::outbound::{Feed, OutboundFeed, Settings};
use hl_proto::hazards::v1 as hazards;
use hl_proto::responsibility::v1 as registry;
use hl_readmodel::Database;
use support::*;

const CODE: &str = "330901234";

/// Every record in the folder's batch files, in file order, as (file, record).
fn delivered(folder: &Path) -> Vec<(String, serde_json::Value)> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    let mut records = Vec::new();
    for name in names {
        let text = std::fs::read_to_string(folder.join(&name)).unwrap();
        let batch: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(batch["object"], "sec_hidden_danger_info");
        assert_eq!(batch["mappingVersion"], 1);
        assert_eq!(batch["region"], "330903");
        for record in batch["datas"].as_array().unwrap() {
            records.push((name.clone(), record.clone()));
        }
    }
    records
}

fn field<'a>(record: &'a serde_json::Value, name: &str) -> &'a str {
    record[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} in {record}"))
}

async fn feed(world: &World, folder: &Path) -> std::sync::Arc<OutboundFeed> {
    feed_over(world, FileDrop::new(folder)).await
}

/// The dual-prevention feed over a transport, with its own database connection, as a
/// restarted service would open.
async fn feed_over(world: &World, transport: impl Into<Transport>) -> std::sync::Arc<OutboundFeed> {
    let database = Database::connect(&world.backend.url()).await.unwrap();
    OutboundFeed::new(
        Feed::DualPrevention,
        database,
        world.projections.clone(),
        transport,
        Settings {
            batch_size: 2,
            every: std::time::Duration::from_secs(60),
            region: "330903".into(),
        },
    )
    .await
    .unwrap()
}

async fn register(world: &World, enterprise_id: &str, code: &str) {
    let details = registry::EnterpriseDetails {
        display_name: format!("enterprise {enterprise_id}"),
        township_code: "330903001".into(),
        industries: vec![registry::Industry::HazardousChemicals as i32],
        chemical_registration_code: code.into(),
        ..Default::default()
    };
    let command = EnterpriseCommand::Register {
        details,
        effective_from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        activate: true,
    };
    world
        .execute(
            &world.enterprises,
            enterprise_id,
            command,
            test_actors::administrator(),
            "2020-01-01",
        )
        .await;
}

fn evidence() -> Vec<hl_proto::common::v1::EvidenceRef> {
    vec![hl_proto::common::v1::EvidenceRef {
        sha256: "b".repeat(64),
        ..Default::default()
    }]
}

#[tokio::test]
async fn each_hazard_version_is_delivered_once_across_a_failed_delivery_and_a_restart() {
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        register(&world, ENTERPRISE, CODE).await;
        register(&world, OTHER, "").await;
        let general = hazards::HazardLevel::General;
        world
            .report(
                "h-graded",
                ENTERPRISE,
                true,
                general,
                "tank",
                "2026-03-02T01:00:00Z",
                "",
            )
            .await;
        world
            .report(
                "h-ungraded",
                ENTERPRISE,
                true,
                hazards::HazardLevel::Unspecified,
                "pipe",
                "2026-03-02T02:00:00Z",
                "",
            )
            .await;
        world
            .report(
                "h-no-code",
                OTHER,
                true,
                general,
                "valve",
                "2026-03-02T03:00:00Z",
                "",
            )
            .await;
        world.caught_up().await;

        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("drop");
        let first = feed(&world, &folder).await;
        let round = first.round().await.unwrap();
        assert_eq!((round.batches, round.records, round.resent), (1, 1, 0));
        assert_eq!(
            round.held,
            [("h-ungraded".to_string(), Held::NotGraded.as_str())]
        );
        let records = delivered(&folder);
        assert_eq!(records.len(), 1);
        assert_eq!(field(&records[0].1, "id"), record_id("h-graded"));
        assert_eq!(field(&records[0].1, "companyCode"), CODE);
        assert_eq!(field(&records[0].1, "dangerState"), "0");
        assert_eq!(field(&records[0].1, "enforcementId"), "");

        // Nothing changed: nothing is sent.
        assert_eq!(first.round().await.unwrap().records, 0);

        // The hazard is graded, the other rectified and verified by the government.
        world
            .execute(
                &world.hazards,
                "h-ungraded",
                HazardCommand::Grade {
                    level: hazards::HazardLevel::Major,
                    criterion: "c".into(),
                    reason: String::new(),
                },
                test_actors::inspector(),
                "2026-03-03T01:00:00Z",
            )
            .await;
        world
            .order("h-graded", "2026-03-31", "2026-03-03T02:00:00Z")
            .await;
        world
            .claim("h-graded", ENTERPRISE, "2026-03-10T02:00:00Z")
            .await;
        world
            .execute(
                &world.hazards,
                "h-graded",
                HazardCommand::Verify {
                    note: "checked on site".into(),
                    evidence: evidence(),
                },
                test_actors::inspector(),
                "2026-03-12T02:30:00Z",
            )
            .await;
        world.caught_up().await;

        // The receiver is away: the folder is a file. The batch is recorded, not acknowledged.
        std::fs::rename(&folder, root.path().join("saved")).unwrap();
        std::fs::write(&folder, b"not a folder").unwrap();
        assert!(first.round().await.is_err());
        drop(first);

        // The exporter restarts and the receiver is back: the recorded batch goes again as it
        // was, and nothing is recorded twice.
        std::fs::remove_file(&folder).unwrap();
        std::fs::rename(root.path().join("saved"), &folder).unwrap();
        let second = feed(&world, &folder).await;
        let round = second.round().await.unwrap();
        assert_eq!((round.resent, round.batches, round.records), (1, 0, 0));
        assert!(round.held.is_empty());
        assert_eq!(second.round().await.unwrap(), Default::default());

        let records = delivered(&folder);
        let mut versions = BTreeSet::new();
        let mut per_hazard: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
        for (file, record) in &records {
            // Each version once, and a later version always with a later updateDate.
            let key = (
                field(record, "id").to_string(),
                field(record, "updateDate").to_string(),
            );
            assert!(versions.insert(key), "{file} repeats {record}");
            if let Some(earlier) = per_hazard.get(field(record, "id")).and_then(|v| v.last()) {
                assert!(field(earlier, "updateDate") < field(record, "updateDate"));
            }
            per_hazard
                .entry(field(record, "id").to_string())
                .or_default()
                .push(record.clone());
        }
        assert_eq!(
            per_hazard.len(),
            2,
            "the enterprise without a code sends nothing"
        );
        assert!(!per_hazard.contains_key(&record_id("h-no-code")));
        let graded = &per_hazard[&record_id("h-graded")];
        assert_eq!(graded.len(), 2, "reported, then verified");
        let verified = graded.last().unwrap();
        assert_eq!(field(verified, "dangerState"), "9");
        assert_eq!(
            field(verified, "checkAcceptPerson"),
            test_actors::inspector().id
        );
        assert_eq!(field(verified, "checkAcceptTime"), "2026-03-12 10:30:00");
        assert_eq!(
            field(verified, "dangerManageDeadline"),
            "2026-03-31 23:59:59"
        );
        let major = &per_hazard[&record_id("h-ungraded")];
        assert_eq!(major.len(), 1);
        assert_eq!(field(&major[0], "dangerLevel"), "1");

        // The enterprise's code is cleared: its records go once more, deleted.
        world
            .execute(
                &world.enterprises,
                ENTERPRISE,
                EnterpriseCommand::UpdateDetails {
                    update: registry::EnterpriseDetails::default(),
                    fields: vec!["chemical_registration_code".into()],
                    effective_from: chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(),
                },
                test_actors::administrator(),
                "2021-01-01",
            )
            .await;
        world.caught_up().await;
        let round = second.round().await.unwrap();
        assert_eq!(round.records, 2);
        let records = delivered(&folder);
        let deletions: Vec<&serde_json::Value> = records
            .iter()
            .map(|(_, record)| record)
            .filter(|record| field(record, "deleted") == "1")
            .collect();
        assert_eq!(deletions.len(), 2);
        assert!(
            deletions
                .iter()
                .all(|record| field(record, "companyCode") == CODE)
        );
        assert_eq!(second.round().await.unwrap().records, 0);
    })
    .await;
}

#[tokio::test]
async fn two_exporters_cannot_both_record_a_batch_from_the_same_view() {
    use hl_projections::outbound::ledger::{self, Entry, RecordError};
    on_both_databases(|backend| async move {
        let database = Database::connect(&backend.url()).await.unwrap();
        ledger::migrate(&database).await.unwrap();
        let entry = |version: u64| Entry {
            record_id: record_id("h-1"),
            source_id: "h-1".into(),
            source_version: version,
            company_code: CODE.into(),
            deleted: false,
            update_date: format!("2026-03-0{version} 10:00:00"),
        };
        let now = chrono::Utc::now();
        let record = |entries: Vec<Entry>, seen| {
            let database = database.clone();
            async move {
                ledger::record_batch(&database, "test", &entries, &seen, |n| n.to_string(), now)
                    .await
            }
        };
        let acknowledge = |batch: ledger::Batch| {
            let database = database.clone();
            async move {
                ledger::acknowledged(&database, &batch, now, "test")
                    .await
                    .unwrap();
            }
        };
        // Both saw an empty ledger: the first records the record, the second is overtaken.
        let empty = ledger::sent(&database, "test").await.unwrap();
        let first = record(vec![entry(1)], empty.clone()).await.unwrap();
        assert_eq!(first.number, 1);
        acknowledge(first).await;
        assert!(matches!(
            record(vec![entry(2)], empty).await,
            Err(RecordError::Overtaken(_))
        ));
        // Both saw batch 1: the first moves the record on, the second is overtaken.
        let seen = ledger::sent(&database, "test").await.unwrap();
        let second = record(vec![entry(2)], seen.clone()).await.unwrap();
        assert_eq!(second.number, 2);
        assert!(
            matches!(
                record(
                    vec![entry(3)],
                    ledger::sent(&database, "test").await.unwrap()
                )
                .await,
                Err(RecordError::Overtaken(_))
            ),
            "batch 2 waits for its acknowledgement: nothing newer may overtake it"
        );
        acknowledge(second).await;
        assert!(matches!(
            record(vec![entry(3)], seen).await,
            Err(RecordError::Overtaken(_))
        ));
        // Nothing of the refused batches was kept.
        let totals = ledger::totals(&database, "test").await.unwrap();
        assert_eq!((totals.batches, totals.records), (2, 1));
        let sent = ledger::sent(&database, "test").await.unwrap();
        assert_eq!(sent[&record_id("h-1")].entry.source_version, 2);
    })
    .await;
}

/// Files a case at `when` minus four hours and decides it at `when`, general procedure.
async fn decided_case(
    world: &World,
    case_id: &str,
    decision: hl_proto::enforcement::v1::CaseDecision,
    when: chrono::DateTime<chrono::Utc>,
) {
    use hl_enforcement::domain::officers::Officer;
    use hl_enforcement::domain::penalty_case::{CaseCommand, FileCase, PenaltyCase};
    let officer = |id: &str| Officer {
        person_id: id.into(),
        record: Some(registry::Person {
            person_id: id.into(),
            enforcement_certificate: Some(registry::EnforcementCertificate {
                number: format!("浙应执 {id}"),
                valid_from: Some(day("2020-01-01")),
                valid_until: Some(day("2030-12-31")),
            }),
            ..Default::default()
        }),
    };
    let cases = world.repository::<PenaltyCase>();
    let file = CaseCommand::File(FileCase {
        region: "330903".into(),
        enterprise: hl_directory::Standing::registered(
            ENTERPRISE,
            registry::EnterpriseDetails {
                township_code: "330903001".into(),
                ..Default::default()
            },
        ),
        inspection_id: "insp-1".into(),
        finding_id: format!("{case_id}-finding"),
        hazard_id: format!("{case_id}-hazard"),
        facts: "逾期未整改".into(),
        officers: vec![officer("officer-1"), officer("officer-2")],
    });
    let steps = [
        (file, test_actors::inspector()),
        (CaseCommand::StartInvestigation, test_actors::inspector()),
        (
            CaseCommand::CompleteLegalReview {
                note: String::new(),
            },
            test_actors::inspector(),
        ),
        (
            CaseCommand::ServeNotice {
                hearing_offered: false,
            },
            test_actors::inspector(),
        ),
        (
            CaseCommand::Decide {
                decision,
                fine_fen: if decision == hl_proto::enforcement::v1::CaseDecision::Penalty {
                    500_000
                } else {
                    0
                },
                note: "依法决定".into(),
            },
            test_actors::administrator(),
        ),
    ];
    for (hours_before, (command, actor)) in (0..=4).rev().zip(steps) {
        let at = (when - chrono::Duration::hours(hours_before)).to_rfc3339();
        world.execute(&cases, case_id, command, actor, &at).await;
    }
}

#[tokio::test]
async fn penalty_decisions_reach_the_credit_feed_and_the_late_ones_are_named() {
    on_both_databases(|backend| async move { credit_feed_on(backend).await }).await;
}

async fn credit_feed_on(backend: Backend) {
    use hl_proto::enforcement::v1::CaseDecision;
    let world = World::start(backend).await;
    register(&world, ENTERPRISE, "").await;
    // Decided Monday 2026-03-09 (Asia/Shanghai): due by Wednesday the 18th, long past.
    let long_ago = at("2026-03-09T04:00:00Z");
    decided_case(&world, "case-late", CaseDecision::Penalty, long_ago).await;
    decided_case(&world, "case-no-penalty", CaseDecision::NoPenalty, long_ago).await;
    let now = chrono::Utc::now();
    decided_case(&world, "case-recent", CaseDecision::Penalty, now).await;
    world.caught_up().await;

    let root = tempfile::tempdir().unwrap();
    let database = Database::connect(&world.backend.url()).await.unwrap();
    let feed = OutboundFeed::new(
        Feed::CreditPublicity,
        database,
        world.projections.clone(),
        FileDrop::new(root.path()),
        Settings {
            batch_size: 20,
            every: std::time::Duration::from_secs(60),
            region: "330903".into(),
        },
    )
    .await
    .unwrap();
    let round = feed.round().await.unwrap();
    assert_eq!((round.batches, round.records), (1, 2), "penalties only");
    let today = hl_domain::clock::local_date(chrono::Utc::now());
    let late: Vec<_> = round
        .late
        .iter()
        .filter(|late| late.case_id == "case-late")
        .collect();
    assert_eq!(late.len(), 1, "{:?}", round.late);
    assert_eq!(late[0].decided_on.to_string(), "2026-03-09");
    assert_eq!(
        late[0].due_on.map(|due| due.to_string()).as_deref(),
        Some("2026-03-18")
    );
    assert_eq!(
        late[0].delivered_on,
        Some(today),
        "delivered now, late all the same"
    );
    // The recent one is on time (unless its seven working days run into a year the calendar
    // does not cover yet, when it is listed without a due day).
    assert!(
        round
            .late
            .iter()
            .filter(|late| late.case_id == "case-recent")
            .all(|late| late.due_on.is_none()),
        "{:?}",
        round.late
    );

    let text = std::fs::read_to_string(
        root.path()
            .join("penalty_decision_publicity-000000000001.json"),
    )
    .unwrap();
    let batch: serde_json::Value = serde_json::from_str(&text).unwrap();
    let records = batch["datas"].as_array().unwrap();
    let first = &records[0];
    assert_eq!(field(first, "caseId"), "case-late");
    assert_eq!(field(first, "creditCode"), ENTERPRISE);
    assert_eq!(
        field(first, "partyName"),
        format!("enterprise {ENTERPRISE}")
    );
    assert_eq!(field(first, "fineYuan"), "5000.00");
    assert_eq!(field(first, "publicityDueDate"), "2026-03-18");

    // Sent once: the next round sends nothing and still names the late decision.
    let again = feed.round().await.unwrap();
    assert_eq!(again.records, 0);
    assert!(again.late.iter().any(|late| late.case_id == "case-late"));

    // The audit over gRPC, for the bureau; refused where no feed runs.
    use hl_proto::ledger::v1::GetOutboundStatusRequest;
    use hl_proto::ledger::v1::projection_admin_service_server::ProjectionAdminService;
    let admin = hl_projections::api::AdminGrpc(world.projections.clone(), None, vec![feed]);
    let status = admin
        .get_outbound_status(hl_testkit::actors::admitted(
            GetOutboundStatusRequest::default(),
            &test_actors::administrator(),
        ))
        .await
        .unwrap()
        .into_inner();
    let credit = &status.feeds[0];
    assert_eq!(credit.feed, "credit-publicity/penalty_decision_publicity");
    assert_eq!(
        (
            credit.batches,
            credit.unacknowledged_batches,
            credit.records
        ),
        (1, 0, 2)
    );
    assert!(credit.last_acknowledged_at.is_some());
    let listed = credit
        .late_decisions
        .iter()
        .find(|late| late.case_id == "case-late")
        .expect("the late decision is listed");
    assert_eq!(listed.due_on, Some(day("2026-03-18")));
    assert_eq!(listed.delivered_on, Some(today.into()));
    let off = hl_projections::api::AdminGrpc(world.projections.clone(), None, Vec::new())
        .get_outbound_status(hl_testkit::actors::admitted(
            GetOutboundStatusRequest::default(),
            &test_actors::administrator(),
        ))
        .await
        .unwrap_err();
    assert_eq!(off.code(), tonic::Code::FailedPrecondition);
    assert!(off.message().contains("HL_OUTBOUND_DIR"), "{off:?}");
}

#[tokio::test]
async fn a_deletion_whose_hazard_the_read_model_lacks_waits_held_instead_of_vanishing() {
    use hl_projections::outbound::ledger::{self, Entry};
    let world = World::start(Backend::sqlite().await).await;
    register(&world, ENTERPRISE, "").await;
    world.caught_up().await;
    let database = Database::connect(&world.backend.url()).await.unwrap();
    ledger::migrate(&database).await.unwrap();
    // The receiver holds a record of a hazard this read model does not (yet) hold.
    let name = Feed::DualPrevention.name();
    let entry = Entry {
        record_id: record_id("h-elsewhere"),
        source_id: "h-elsewhere".into(),
        source_version: 3,
        company_code: CODE.into(),
        deleted: false,
        update_date: "2026-03-02 10:00:00".into(),
    };
    let now = chrono::Utc::now();
    let batch = ledger::record_batch(
        &database,
        name,
        &[entry],
        &Default::default(),
        |_| "{}".into(),
        now,
    )
    .await
    .unwrap();
    ledger::acknowledged(&database, &batch, now, "test")
        .await
        .unwrap();

    let root = tempfile::tempdir().unwrap();
    let round = feed(&world, root.path()).await.round().await.unwrap();
    assert_eq!(round.records, 0);
    assert_eq!(round.held.len(), 1);
    assert_eq!(round.held[0].0, "h-elsewhere");
    let sent = ledger::sent(&database, name).await.unwrap();
    assert!(
        !sent[&record_id("h-elsewhere")].entry.deleted,
        "not marked sent"
    );
}

/// A receiver of the national interface's kind on a free port: it keeps every POST it gets and
/// answers with a refusal while it has refusals left, then with acknowledgements.
struct Receiver {
    url: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    refusals: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

#[derive(Clone, Debug)]
struct Received {
    path: String,
    authorization: String,
    batch: String,
    sha256: String,
    body: Vec<u8>,
}

impl Receiver {
    async fn start(refusals: usize) -> Receiver {
        use http_body_util::BodyExt;
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/upload/", listener.local_addr().unwrap());
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let refusals = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(refusals));
        let (kept, left) = (received.clone(), refusals.clone());
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let (kept, left) = (kept.clone(), left.clone());
                let service = hyper::service::service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| {
                        let (kept, left) = (kept.clone(), left.clone());
                        async move {
                            let header = |name: &str| {
                                request
                                    .headers()
                                    .get(name)
                                    .map(|value| value.to_str().unwrap().to_string())
                                    .unwrap_or_default()
                            };
                            let (path, authorization, batch, sha256) = (
                                request.uri().path().to_string(),
                                header("authorization"),
                                header("x-batch"),
                                header("x-batch-sha256"),
                            );
                            let body = request.into_body().collect().await?.to_bytes().to_vec();
                            kept.lock().unwrap().push(Received {
                                path,
                                authorization,
                                batch,
                                sha256,
                                body,
                            });
                            let refuse = left
                                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                                    left.checked_sub(1)
                                })
                                .is_ok();
                            let answer = if refuse {
                                r#"{"data":{"code":500,"msg":"系统繁忙"}}"#
                            } else {
                                r#"{"data":{"code":200,"msg":"成功"}}"#
                            };
                            Ok::<_, hyper::Error>(hyper::Response::new(http_body_util::Full::new(
                                hyper::body::Bytes::from(answer),
                            )))
                        }
                    },
                );
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
            }
        });
        Receiver {
            url,
            received,
            refusals,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// The records of a batch whose `datas` came sealed, as the receiver opens them.
fn records_of(body: &[u8], cipher: &DatasCipher) -> Vec<serde_json::Value> {
    let batch: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(batch["object"], "sec_hidden_danger_info");
    let sealed = batch["datas"].as_str().expect("datas sealed");
    serde_json::from_slice(&cipher.decrypt(sealed).unwrap()).unwrap()
}

#[tokio::test]
async fn over_http_a_batch_counts_only_once_the_receiver_acknowledges_it() {
    use hl_projections::outbound::encryption::Mode;
    use hl_projections::outbound::http_post::HttpPost;
    on_both_databases(|backend| async move {
        let world = World::start(backend).await;
        register(&world, ENTERPRISE, CODE).await;
        for (id, at) in [
            ("h-1", "2026-03-02T01:00:00Z"),
            ("h-2", "2026-03-02T02:00:00Z"),
            ("h-3", "2026-03-02T03:00:00Z"),
        ] {
            let general = hazards::HazardLevel::General;
            world
                .report(id, ENTERPRISE, true, general, "tank", at, "")
                .await;
        }
        world.caught_up().await;
        let receiver = Receiver::start(1).await;
        let authorization = "Basic ZGlzdHJpY3Q6c2VjcmV0";
        let iv: &[u8] = b"fedcba0987654321";
        let first_key = DatasCipher::new(Mode::Cbc, b"1234567890abcdef", Some(iv)).unwrap();
        let second_key = DatasCipher::new(Mode::Cbc, b"abcdef1234567890", Some(iv)).unwrap();
        let transport = |cipher: &DatasCipher| {
            let timeout = std::time::Duration::from_secs(10);
            HttpPost::new(&receiver.url, Some(authorization), timeout)
                .unwrap()
                .sealing(cipher.clone())
        };

        // The receiver refuses the first batch: the round stops with the receiver's reason,
        // and the batch waits unacknowledged.
        let first = feed_over(&world, transport(&first_key)).await;
        let refused = first.round().await.unwrap_err().to_string();
        assert!(
            refused.contains("refused") && refused.contains("500") && refused.contains("系统繁忙"),
            "{refused}"
        );
        assert_eq!(first.status().totals.unacknowledged, 1);
        drop(first);

        // Restarted with a new key, the exporter sends that batch again as it was made (sealed
        // with the key of then), then the rest sealed with the new key.
        let second = feed_over(&world, transport(&second_key)).await;
        let round = second.round().await.unwrap();
        assert_eq!((round.resent, round.batches, round.records), (1, 1, 1));
        assert_eq!(second.round().await.unwrap(), Default::default());
        assert_eq!(second.status().totals.unacknowledged, 0);
        assert_eq!(
            receiver.refusals.load(std::sync::atomic::Ordering::SeqCst),
            0
        );

        let received = receiver.received();
        assert_eq!(received.len(), 3);
        for request in &received {
            assert_eq!(request.path, "/upload/sec_hidden_danger_info");
            assert_eq!(request.authorization, authorization);
            assert_eq!(
                request.sha256,
                hex::encode(sha2::Sha256::digest(&request.body))
            );
        }
        assert_eq!(received[0].body, received[1].body, "sent again as it was");
        assert_eq!(received[0].batch, received[1].batch);
        assert_eq!(
            received[0].batch,
            "330903/dual-prevention/sec_hidden_danger_info/1"
        );
        assert_eq!(
            received[2].batch,
            "330903/dual-prevention/sec_hidden_danger_info/2"
        );
        // What the receiver acknowledged holds each hazard once.
        let acknowledged: Vec<String> = records_of(&received[1].body, &first_key)
            .into_iter()
            .chain(records_of(&received[2].body, &second_key))
            .map(|record| field(&record, "id").to_string())
            .collect();
        let distinct: BTreeSet<&String> = acknowledged.iter().collect();
        assert_eq!((acknowledged.len(), distinct.len()), (3, 3));
        for id in ["h-1", "h-2", "h-3"] {
            assert!(distinct.contains(&record_id(id)), "{id}");
        }
    })
    .await;
}

/// A batch of no records, as the receivers here take it.
fn empty_batch() -> hl_projections::outbound::ledger::Batch {
    hl_projections::outbound::ledger::Batch {
        feed: "dual-prevention/sec_hidden_danger_info".into(),
        number: 1,
        records: 0,
        payload: "{}".into(),
        sha256: hex::encode(sha2::Sha256::digest(b"{}")),
    }
}

/// A receiver behind TLS with a certificate for localhost from an authority of its own, as a
/// provincial platform's may be: (the authority's PEM, the receiver's URL).
async fn tls_receiver() -> (String, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    use tokio_rustls::rustls;
    let mut authority = CertificateParams::new(Vec::<String>::new()).unwrap();
    authority.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let authority = CertifiedIssuer::self_signed(authority, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let certificate = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &*authority)
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![certificate.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://localhost:{}/upload",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that does not trust the authority hangs up in the handshake.
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(|_| async {
                    Ok::<_, hyper::Error>(hyper::Response::new(http_body_util::Full::new(
                        hyper::body::Bytes::from(r#"{"data":{"code":200,"msg":"成功"}}"#),
                    )))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (authority.pem(), url)
}

#[tokio::test]
async fn a_receiver_behind_tls_is_reached_only_through_the_authority_the_configuration_names() {
    #[derive(clap::Parser)]
    struct Command {
        #[command(flatten)]
        projections: hl_projections::ProjectionArgs,
    }
    let (authority, url) = tls_receiver().await;
    let folder = tempfile::tempdir().unwrap();
    let authority_file = folder.path().join("receiver-ca.pem");
    std::fs::write(&authority_file, authority).unwrap();
    let empty_file = folder.path().join("empty.pem");
    std::fs::write(&empty_file, "").unwrap();
    let configured = |ca_file: Option<&Path>| {
        let mut arguments = vec![
            "hl-projections".to_string(),
            format!("--outbound-url={url}"),
        ];
        arguments.extend(ca_file.map(|path| format!("--outbound-ca-file={}", path.display())));
        <Command as clap::Parser>::try_parse_from(arguments)
            .unwrap()
            .projections
            .outbound_transport()
            .map(|transport| transport.expect("the HTTP transport"))
    };
    let batch = empty_batch();
    let object = "sec_hidden_danger_info";

    let trusting = configured(Some(&authority_file)).unwrap();
    let acknowledged = trusting.deliver(object, "330903", &batch).await;
    assert!(acknowledged.expect("delivered over TLS").contains("成功"));

    // Without the authority, the system's roots do not know the receiver's certificate.
    let untrusting = configured(None).unwrap();
    let refused = untrusting.deliver(object, "330903", &batch).await;
    let refused = refused.expect_err("refused in the handshake");
    assert!(refused.contains("TLS"), "{refused}");

    // An authority file that names none, or one whose certificate is damaged, is a
    // configuration error at start-up, not at every delivery.
    let problem = configured(Some(&empty_file)).err().unwrap();
    assert!(problem.contains("HL_OUTBOUND_CA_FILE"), "{problem}");
    assert!(problem.contains("no certificate"), "{problem}");
    let damaged_file = folder.path().join("damaged.pem");
    std::fs::write(
        &damaged_file,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let problem = configured(Some(&damaged_file)).err().unwrap();
    assert!(problem.contains("HL_OUTBOUND_CA_FILE"), "{problem}");
    assert!(problem.contains("damaged.pem"), "{problem}");
}

#[tokio::test]
async fn a_receiver_that_does_not_answer_leaves_the_batch_undelivered_within_the_timeout() {
    use hl_projections::outbound::http_post::HttpPost;
    // Accepts the connection and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            open.push(stream);
        }
    });
    let receiver = HttpPost::new(&url, None, std::time::Duration::from_secs(1)).unwrap();
    let batch = empty_batch();
    let error = receiver
        .deliver("sec_hidden_danger_info", "330903", &batch)
        .await
        .unwrap_err();
    assert!(error.contains("no answer within 1 seconds"), "{error}");
    held.abort();
    // Nobody listening at all is an error too, at once.
    let closed = HttpPost::new(
        "http://127.0.0.1:9",
        None,
        std::time::Duration::from_secs(5),
    )
    .unwrap()
    .deliver("sec_hidden_danger_info", "330903", &batch)
    .await;
    assert!(closed.is_err());
}
