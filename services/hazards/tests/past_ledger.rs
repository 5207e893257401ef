//! Loading a past ledger (ImportPastLedger) against a real nats-server: a quarter of paper
//! ledger recorded on its own dates and marked as migrated, the same file again recording
//! nothing twice, every bad row named by line and column, steps the rules refuse caught before
//! anything is recorded, a workbook read like the CSV, and only an administrator importing.

mod support;

use chrono::{DateTime, Utc};
use hl_eventstore::{Repository, RepositorySettings};
use hl_hazards::domain::hazard::Hazard;
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::hazards_service_client::HazardsServiceClient;
use hl_testkit::TestService;
use hl_testkit::actors::{ENTERPRISE, REGION, by_administrator, by_inspector};
use hl_testkit::workbook::xlsx;
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

const PHOTO: &str = "9f2b5e1c4d3a29b7c8e6f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f";

/// A row as (column, value) pairs.
type Row<'a> = Vec<(&'a str, &'a str)>;

/// The rows every line shares: record type, number, enterprise, step, date, handler, role.
fn row<'a>(
    record: &'a str,
    number: &'a str,
    step: &'a str,
    date: &'a str,
    role: &'a str,
    more: &[(&'a str, &'a str)],
) -> Row<'a> {
    let handler = if role == "企业" {
        "王厂长"
    } else {
        "李检查员"
    };
    let mut cells = vec![
        ("记录类型", record),
        ("编号", number),
        ("统一社会信用代码", ENTERPRISE),
        ("步骤", step),
        ("日期", date),
        ("经办人", handler),
        ("角色", role),
    ];
    cells.extend_from_slice(more);
    cells
}

/// The table of a file: a header of every column used, in the order first used, then the rows.
fn table(rows: &[Row<'_>]) -> Vec<Vec<String>> {
    let mut header: Vec<&str> = Vec::new();
    for row in rows {
        for (column, _) in row {
            if !header.contains(column) {
                header.push(column);
            }
        }
    }
    let mut lines = vec![header.iter().map(|column| column.to_string()).collect()];
    for row in rows {
        lines.push(
            header
                .iter()
                .map(|column| {
                    row.iter()
                        .find(|(name, _)| name == column)
                        .map_or(String::new(), |(_, value)| value.to_string())
                })
                .collect(),
        );
    }
    lines
}

fn csv(rows: &[Row<'_>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for line in table(rows) {
        writer.write_record(&line).expect("a CSV row");
    }
    writer.into_inner().expect("CSV bytes")
}

/// The first quarter of a cold store's ledger: a government finding ordered, rectified,
/// verified and closed; a self-check entry planned, rectified and verified by the enterprise,
/// found in its quarterly round; an ammonia alarm registered and tested.
fn quarter() -> Vec<Row<'static>> {
    vec![
        row(
            "隐患",
            "PT-2026-001",
            "上报",
            "2026-03-02 10:30",
            "检查员",
            &[
                ("来源", "执法检查"),
                ("类别", "涉氨制冷"),
                ("部位", "氨机房"),
                ("描述", "液氨阀门填料处泄漏"),
                ("等级", "一般"),
                ("判定依据", "工贸企业重大事故隐患判定标准 对照未达重大"),
            ],
        ),
        row(
            "隐患",
            "PT-2026-001",
            "责令整改",
            "2026-03-02 10:45",
            "检查员",
            &[
                ("文书编号", "普应急责改〔2026〕12号"),
                ("整改期限", "2026-03-20"),
                ("整改措施", "更换阀门填料并检测"),
            ],
        ),
        row(
            "隐患",
            "PT-2026-001",
            "整改完成",
            "2026-03-15",
            "企业",
            &[("说明", "已更换填料，检测无泄漏"), ("证据", PHOTO)],
        ),
        row("隐患", "PT-2026-001", "验收", "2026-03-18", "检查员", &[]),
        row("隐患", "PT-2026-001", "销号", "2026-03-18", "检查员", &[]),
        row(
            "隐患",
            "SC-2026-007",
            "上报",
            "2026-02-20",
            "企业",
            &[
                ("来源", "企业自查"),
                ("类别", "消防"),
                ("部位", "成品库"),
                ("描述", "灭火器超过有效期"),
                ("等级", "一般"),
                ("判定依据", "企业隐患分级标准第3条"),
            ],
        ),
        row(
            "隐患",
            "SC-2026-007",
            "整改计划",
            "2026-02-20",
            "企业",
            &[
                ("整改措施", "更换灭火器"),
                ("责任人", "仓库主管"),
                ("资金(元)", "1,280.50"),
                ("整改期限", "2026-03-01"),
                ("验收标准", "全部在有效期内"),
                ("验收人", "安全员"),
            ],
        ),
        row(
            "隐患",
            "SC-2026-007",
            "整改完成",
            "2026-02-27",
            "企业",
            &[("证据", PHOTO)],
        ),
        row("隐患", "SC-2026-007", "验收", "2026-02-28", "企业", &[]),
        row(
            "自查",
            "ZC-2026-Q1",
            "开始",
            "2026-02-20",
            "企业",
            &[
                ("自查开始", "2026-01-01"),
                ("自查结束", "2026-03-31"),
                ("检查表", "涉氨制冷企业检查表"),
            ],
        ),
        row(
            "自查",
            "ZC-2026-Q1",
            "发现",
            "2026-02-20",
            "企业",
            &[("对应编号", "SC-2026-007")],
        ),
        row("自查", "ZC-2026-Q1", "提交", "2026-03-31", "企业", &[]),
        row(
            "报警装置",
            "BJ-3",
            "登记",
            "2026-01-10",
            "企业",
            &[("装置类型", "氨气浓度报警器"), ("部位", "氨机房")],
        ),
        row(
            "报警装置",
            "BJ-3",
            "检测",
            "2026-01-12",
            "企业",
            &[
                ("结果", "合格"),
                ("检测机构", "舟山市计量测试所"),
                ("证书编号", "ZJ-2026-0112"),
                ("证据", PHOTO),
            ],
        ),
    ]
}

async fn client(service: &TestService) -> HazardsServiceClient<Channel> {
    HazardsServiceClient::new(service.channel().await)
}

fn import(
    request_id: &str,
    file: Vec<u8>,
    format: pb::LedgerFileFormat,
) -> pb::ImportPastLedgerRequest {
    pb::ImportPastLedgerRequest {
        request_id: request_id.into(),
        file,
        format: format as i32,
        ..Default::default()
    }
}

fn name_of<'a>(response: &'a pb::ImportPastLedgerResponse, number: &str) -> &'a str {
    &response
        .records
        .iter()
        .find(|record| record.number == number)
        .unwrap_or_else(|| panic!("{number} is listed: {:?}", response.records))
        .name
}

/// Noon (or the given time) of a day in Zhoushan.
fn local(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn decision_at(decision: &Option<pb::Decision>) -> DateTime<Utc> {
    hl_proto::instant(decision.as_ref().unwrap().at.as_ref().unwrap()).unwrap()
}

#[tokio::test]
async fn a_quarter_of_paper_ledger_is_recorded_on_its_dates_and_again_records_nothing() {
    let (_nats, service) = support::district().await;
    let mut client = client(&service).await;
    let file = csv(&quarter());

    let first = client
        .import_past_ledger(by_administrator(import(
            "load-q1",
            file.clone(),
            pb::LedgerFileFormat::Csv,
        )))
        .await
        .expect("the quarter imports")
        .into_inner();
    assert_eq!(
        (first.rows, first.recorded, first.already_recorded),
        (14, 14, 0)
    );
    assert!(first.problems.is_empty(), "{:?}", first.problems);
    assert_eq!(first.records.len(), 4, "{:?}", first.records);
    assert!(
        first
            .commit
            .as_ref()
            .unwrap()
            .name
            .starts_with("pastLedgerImports/")
    );

    // The government finding went through its whole lifecycle on the paper's dates.
    let finding = name_of(&first, "PT-2026-001").to_string();
    let hazard = client
        .get_hazard(by_inspector(pb::GetHazardRequest {
            name: finding.clone(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hazard.status, pb::HazardStatus::Closed as i32);
    assert_eq!(
        hazard.provenance,
        pb::Provenance::GovernmentInspection as i32
    );
    assert_eq!(
        decision_at(&hazard.reported),
        local("2026-03-02T10:30:00+08:00")
    );
    assert_eq!(
        decision_at(&hazard.verification),
        local("2026-03-18T12:00:00+08:00")
    );
    assert_eq!(hazard.verification.unwrap().actor.unwrap().id, "李检查员");
    assert_eq!(
        hazard
            .rectification_claim
            .unwrap()
            .actor
            .unwrap()
            .organisation,
        ENTERPRISE
    );
    assert_eq!(
        hazard.deadline,
        Some(hl_proto::common::v1::Date {
            year: 2026,
            month: 3,
            day: 20
        })
    );

    // Each step is marked as migrated, and recorded now.
    let repository: Repository<Hazard> =
        Repository::new(service.store.clone(), REGION, RepositorySettings::default());
    let loaded = repository
        .load(finding.strip_prefix("hazards/").unwrap())
        .await
        .unwrap();
    assert!(loaded.state.facts.migrated);
    assert!(loaded.state.facts.recorded_at > local("2026-11-01T00:00:00+08:00"));

    // The self-check entry carries the plan's funds in fen; the round lists it.
    let own = client
        .get_hazard(by_inspector(pb::GetHazardRequest {
            name: name_of(&first, "SC-2026-007").into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(own.status, pb::HazardStatus::Verified as i32);
    assert_eq!(own.rectification_plan.unwrap().funds_fen, 128_050);
    let round = client
        .get_self_check_round(by_inspector(pb::GetSelfCheckRoundRequest {
            name: name_of(&first, "ZC-2026-Q1").into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(round.hazard_ids, vec![own.hazard_id.clone()]);
    assert_eq!(round.status, pb::SelfCheckRoundStatus::Submitted as i32);

    // The same file again, under another request: every step is recognised, none recorded.
    let again = client
        .import_past_ledger(by_administrator(import(
            "load-q1-again",
            file,
            pb::LedgerFileFormat::Csv,
        )))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (again.rows, again.recorded, again.already_recorded),
        (14, 0, 14)
    );
    let reloaded = repository
        .load(finding.strip_prefix("hazards/").unwrap())
        .await
        .unwrap();
    assert_eq!(reloaded.version, loaded.version);
}

#[tokio::test]
async fn a_file_with_bad_rows_records_nothing_and_names_every_line_and_column() {
    let (_nats, service) = support::district().await;
    let mut client = client(&service).await;
    let mut rows = quarter();
    // Line 3: a date that is not one; line 7: no description and an unknown category;
    // line 8: funds that are not an amount; line 14: a step devices do not have.
    rows[1][4].1 = "2026-02-30";
    rows[5].retain(|(column, _)| !matches!(*column, "描述" | "类别"));
    rows[5].push(("类别", "未知类别"));
    rows[6].retain(|(column, _)| *column != "资金(元)");
    rows[6].push(("资金(元)", "一千"));
    rows[12][3].1 = "报废";
    let file = csv(&rows);

    let status = client
        .import_past_ledger(by_administrator(import(
            "bad",
            file.clone(),
            pb::LedgerFileFormat::Csv,
        )))
        .await
        .expect_err("a file with bad rows is refused");
    assert_eq!(status.code(), Code::InvalidArgument);
    let fields: Vec<String> = status
        .get_details_bad_request()
        .expect("field violations")
        .field_violations
        .into_iter()
        .map(|violation| violation.field)
        .collect();
    for expected in [
        "file line 3: 日期",
        "file line 7: 描述",
        "file line 7: 类别",
        "file line 8: 资金(元)",
        "file line 14: 步骤",
    ] {
        assert!(
            fields.iter().any(|field| field == expected),
            "{expected} in {fields:?}"
        );
    }
    assert!(
        status.message().contains("nothing was recorded"),
        "{}",
        status.message()
    );

    // Asking only to validate lists every problem and records nothing either.
    let mut validate = import("validate", file.clone(), pb::LedgerFileFormat::Csv);
    validate.validate_only = true;
    let listed = client
        .import_past_ledger(by_administrator(validate))
        .await
        .unwrap()
        .into_inner();
    let lines: Vec<i32> = listed.problems.iter().map(|problem| problem.line).collect();
    assert!(
        lines.contains(&3) && lines.contains(&7) && lines.contains(&8) && lines.contains(&14),
        "{lines:?}"
    );
    assert!(listed.commit.is_none());
    let repository: Repository<Hazard> =
        Repository::new(service.store.clone(), REGION, RepositorySettings::default());
    let untouched = repository
        .load(
            name_of(&listed, "PT-2026-001")
                .strip_prefix("hazards/")
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        untouched.version, 0,
        "nothing is recorded before the good rows are asked for"
    );

    // Only the good rows, when asked for: the bad ones are reported, the rest recorded.
    let mut good_only = import("good-only", file, pb::LedgerFileFormat::Csv);
    good_only.good_rows_only = true;
    let partial = client
        .import_past_ledger(by_administrator(good_only))
        .await
        .unwrap()
        .into_inner();
    assert!(
        partial.recorded > 0 && !partial.problems.is_empty(),
        "{partial:?}"
    );
    assert!(partial.commit.is_some());
}

#[tokio::test]
async fn steps_the_rules_refuse_are_caught_before_anything_is_recorded() {
    let (_nats, service) = support::district().await;
    let mut client = client(&service).await;
    let mut rows = quarter();
    // The enterprise verifying the government's finding itself (line 5), and a self-check
    // claim dated before its plan (line 9) are refused as they would be live.
    rows[3][5].1 = "王厂长";
    rows[3][6].1 = "企业";
    rows[7][4].1 = "2026-02-19";
    let status = client
        .import_past_ledger(by_administrator(import(
            "refused",
            csv(&rows),
            pb::LedgerFileFormat::Csv,
        )))
        .await
        .expect_err("refused steps stop the import");
    assert_eq!(status.code(), Code::InvalidArgument);
    let violations = status.get_details_bad_request().unwrap().field_violations;
    let lines: Vec<&str> = violations
        .iter()
        .map(|violation| violation.field.as_str())
        .collect();
    assert!(lines.contains(&"file line 5: "), "{lines:?}");
    assert!(lines.contains(&"file line 9: "), "{lines:?}");
    let verification = violations
        .iter()
        .find(|violation| violation.field == "file line 5: ")
        .unwrap();
    assert!(
        verification.description.contains("verif"),
        "{}",
        verification.description
    );

    let repository: Repository<Hazard> =
        Repository::new(service.store.clone(), REGION, RepositorySettings::default());
    let mut validate = import("list", csv(&rows), pb::LedgerFileFormat::Csv);
    validate.validate_only = true;
    let listed = client
        .import_past_ledger(by_administrator(validate))
        .await
        .unwrap()
        .into_inner();
    for number in ["PT-2026-001", "SC-2026-007"] {
        let id = name_of(&listed, number)
            .strip_prefix("hazards/")
            .unwrap()
            .to_string();
        assert_eq!(
            repository.load(&id).await.unwrap().version,
            0,
            "{number} untouched"
        );
    }
}

#[tokio::test]
async fn a_workbook_imports_like_the_csv_and_only_an_administrator_imports() {
    let (_nats, service) = support::district().await;
    let mut client = client(&service).await;
    let workbook = xlsx(&table(&quarter()));

    let refused = client
        .import_past_ledger(by_inspector(import(
            "by-inspector",
            workbook.clone(),
            pb::LedgerFileFormat::Xlsx,
        )))
        .await
        .expect_err("an inspector may not import");
    assert_eq!(refused.code(), Code::PermissionDenied);

    let imported = client
        .import_past_ledger(by_administrator(import(
            "xlsx",
            workbook,
            pb::LedgerFileFormat::Xlsx,
        )))
        .await
        .expect("the workbook imports")
        .into_inner();
    assert_eq!(
        (imported.rows, imported.recorded),
        (14, 14),
        "{:?}",
        imported.problems
    );
    // The deadline typed as a date cell arrives as the same calendar date.
    let hazard = client
        .get_hazard(by_inspector(pb::GetHazardRequest {
            name: name_of(&imported, "PT-2026-001").into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        hazard.deadline,
        Some(hl_proto::common::v1::Date {
            year: 2026,
            month: 3,
            day: 20
        })
    );

    // The same rows as CSV are the same steps: nothing new is recorded.
    let as_csv = client
        .import_past_ledger(by_administrator(import(
            "csv",
            csv(&quarter()),
            pb::LedgerFileFormat::Csv,
        )))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((as_csv.recorded, as_csv.already_recorded), (0, 14));
}
