//! A row of a past ledger as a step: which record it belongs to (a hazard, a self-check round or
//! an alarm device, by the paper ledger's number), who took it, when, and the domain command it
//! is. Each step is read through the same request checks as the RPC that takes it live, so a
//! past step is held to the rules a live one is; only how far back it may be dated differs.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use hl_domain::clock::local_instant;
use hl_proto::common::v1::{Date, EvidenceRef, Role};
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::{
    AlarmDeviceKind, AlarmTestResult, HazardCategory, HazardLevel, Provenance, SourceType,
};
use hl_runtime::Violations;
use hl_runtime::actor::parse_role;
use hl_runtime::sheet::{Column, RowProblem, SheetRow, pick};
use hl_runtime::validation::MAX_SHORT_TEXT;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::super::requests;
use crate::domain::alarm_device::AlarmDeviceCommand;
use crate::domain::hazard::HazardCommand;
use crate::domain::self_check::SelfCheckRoundCommand;
use crate::domain::statistics::SubmitStatistics;

/// The bureau's column names. The first seven are on every row; the others are read by the
/// steps that need them.
pub const COLUMNS: &[Column] = &[
    required("记录类型"),
    required("编号"),
    required("统一社会信用代码"),
    required("步骤"),
    required("日期"),
    required("经办人"),
    required("角色"),
    optional("乡镇代码"),
    optional("来源"),
    optional("排查类型"),
    optional("类别"),
    optional("等级"),
    optional("判定依据"),
    optional("部位"),
    optional("设备"),
    optional("描述"),
    optional("整改措施"),
    optional("责任人"),
    optional("资金(元)"),
    optional("整改期限"),
    optional("验收标准"),
    optional("验收人"),
    optional("文书编号"),
    optional("治理目标任务"),
    optional("治理方法措施"),
    optional("经费物资"),
    optional("机构人员"),
    optional("时限要求"),
    optional("安全措施应急预案"),
    optional("说明"),
    optional("证据"),
    optional("对应编号"),
    optional("自查开始"),
    optional("自查结束"),
    optional("检查表"),
    optional("无隐患"),
    optional("装置类型"),
    optional("结果"),
    optional("检测机构"),
    optional("证书编号"),
    optional("一般隐患数"),
    optional("重大隐患数"),
    optional("已整改数"),
];

const fn required(name: &'static str) -> Column {
    Column {
        name,
        headers: &[],
        required: true,
    }
}

const fn optional(name: &'static str) -> Column {
    Column {
        name,
        headers: &[],
        required: false,
    }
}

/// The time of day a step dated by its day alone is given: noon in Zhoushan, so that the day
/// is the same whichever way a reader rounds.
const NOON: NaiveTime = NaiveTime::from_hms_opt(12, 0, 0).expect("noon is a time");

/// What a row is a step of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Record {
    Hazard,
    Round,
    Device,
    /// Periodic statistics (定期统计分析); the number is the period, e.g. 2026Q1 or 2026.
    Statistics,
}

impl Record {
    /// The resource name of the aggregate a number names.
    pub fn name(self, aggregate_id: &str) -> String {
        let collection = match self {
            Record::Hazard => super::super::HAZARDS,
            Record::Round => super::super::SELF_CHECK_ROUNDS,
            Record::Device => super::super::ALARM_DEVICES,
            Record::Statistics => super::super::PERIODIC_STATISTICS,
        };
        format!("{collection}/{aggregate_id}")
    }

    /// The aggregate a paper-ledger number names in a district: the same number always names
    /// the same aggregate, so a second run of an import finds what the first recorded.
    pub fn aggregate_id(self, region: &str, number: &str) -> String {
        let kind = match self {
            Record::Hazard => "hazard",
            Record::Round => "self-check-round",
            Record::Device => "alarm-device",
            Record::Statistics => "periodic-statistics",
        };
        Uuid::new_v5(
            &Uuid::NAMESPACE_OID,
            format!("hazard-ledger:past-ledger:{region}:{kind}:{number}").as_bytes(),
        )
        .to_string()
    }
}

/// The domain command of a step, on the aggregate of its record.
#[derive(Clone, Debug)]
pub enum Action {
    Hazard(HazardCommand),
    Round(SelfCheckRoundCommand),
    Device(AlarmDeviceCommand),
    Statistics(SubmitStatistics),
}

/// One row, read.
#[derive(Clone, Debug)]
pub struct Step {
    pub line: i32,
    pub record: Record,
    /// 记录类型 as the row gives it.
    pub record_type: String,
    /// The ledger's number of the record.
    pub number: String,
    pub aggregate_id: String,
    pub enterprise_id: String,
    /// The township the row names for a new hazard, checked against the registry.
    pub township_code: String,
    /// Derived from the row's content, so the same row recorded twice is recognised.
    pub request_id: String,
    pub handler: String,
    pub role: Role,
    pub occurred_at: DateTime<Utc>,
    pub action: Action,
}

/// The step a row is, or every problem with it by column.
pub fn read_step(
    row: &SheetRow,
    region: &str,
    now: DateTime<Utc>,
) -> Result<Step, Vec<RowProblem>> {
    let mut found = Violations::new();
    let record = record(&mut found, row.cell("记录类型"));
    let number = row.cell("编号");
    if number.is_empty() || number.chars().count() > 64 || number.chars().any(char::is_control) {
        found.add(
            "编号",
            "is required: the ledger's number of the record (at most 64 characters)",
        );
    }
    let enterprise_id = row.cell("统一社会信用代码");
    found.credit_code("统一社会信用代码", enterprise_id);
    let occurred_at = moment(&mut found, "日期", row.cell("日期"), now);
    let handler = row.cell("经办人");
    found.text("经办人", handler, MAX_SHORT_TEXT);
    let role = role(&mut found, row.cell("角色"));

    let mut checks = Violations::new();
    let action = record.and_then(|record| {
        let cells = Cells { row, region };
        action(&mut found, &mut checks, &cells, record, row.cell("步骤"))
    });
    // The request checks name request fields; a problem already found in the same column
    // (an unknown label, a bad date) is not reported twice.
    let mut problems: Vec<RowProblem> = found
        .into_list()
        .into_iter()
        .map(|(column, problem)| RowProblem {
            line: row.line,
            column,
            problem,
        })
        .collect();
    for (field, problem) in checks.into_list() {
        let column = column_of(&field);
        if !problems.iter().any(|known| known.column == column) {
            problems.push(RowProblem {
                line: row.line,
                column: column.to_string(),
                problem,
            });
        }
    }
    match (record, role, occurred_at, action) {
        (Some(record), Some(role), Some(occurred_at), Some(action)) if problems.is_empty() => {
            Ok(Step {
                line: row.line,
                record,
                record_type: row.cell("记录类型").to_string(),
                number: number.to_string(),
                aggregate_id: match &action {
                    // Statistics are one per enterprise and period, whoever files them.
                    Action::Statistics(submit) => submit.period.statistics_id(enterprise_id),
                    _ => record.aggregate_id(region, number),
                },
                enterprise_id: enterprise_id.to_string(),
                township_code: row.cell("乡镇代码").to_string(),
                request_id: request_id(row, region),
                handler: handler.to_string(),
                role,
                occurred_at,
                action,
            })
        }
        _ => Err(problems),
    }
}

/// The request_id of a row's step: a hash of the district and every cell.
fn request_id(row: &SheetRow, region: &str) -> String {
    let digest = Sha256::digest(format!("{region}\u{1e}{}", row.content(COLUMNS)).as_bytes());
    format!("past-ledger:{}", &hex::encode(digest)[..48])
}

/// The cells of one row, read as the types of request fields.
struct Cells<'a> {
    row: &'a SheetRow,
    region: &'a str,
}

impl Cells<'_> {
    fn text(&self, column: &str) -> String {
        self.row.cell(column).to_string()
    }

    /// A calendar date; a bad one is reported on its column.
    fn date(&self, found: &mut Violations, column: &str) -> Option<Date> {
        let text = self.row.cell(column);
        if text.is_empty() {
            return None;
        }
        let day = day(text);
        if day.is_none() {
            found.add(column, format!("{text:?} is not a date such as 2023-03-15"));
        }
        day.map(Date::from)
    }

    /// Evidence as content hashes, each optionally followed by ":media/type", separated by
    /// semicolons or spaces.
    fn evidence(&self) -> Vec<EvidenceRef> {
        self.row
            .cell("证据")
            .split([';', '；', ',', '，', ' ', '\n'])
            .filter(|item| !item.is_empty())
            .map(|item| {
                let (hash, media_type) = item.split_once(':').unwrap_or((item, ""));
                EvidenceRef {
                    sha256: hash.to_ascii_lowercase(),
                    media_type: media_type.to_string(),
                    ..EvidenceRef::default()
                }
            })
            .collect()
    }

    /// The aggregate id of the record another row's number names, in `对应编号`.
    fn cited(&self, record: Record) -> String {
        let number = self.row.cell("对应编号");
        if number.is_empty() {
            String::new()
        } else {
            record.aggregate_id(self.region, number)
        }
    }
}

/// The command a row's step is. Problems with labels and dates go to `found` by column; the
/// request checks go to `checks` by request field.
fn action(
    found: &mut Violations,
    checks: &mut Violations,
    cells: &Cells<'_>,
    record: Record,
    step: &str,
) -> Option<Action> {
    let (action, steps) = match record {
        Record::Hazard => (
            hazard_step(found, checks, cells, step),
            "上报, 定级, 整改计划, 责令整改, 治理方案, 即查即改, 整改完成, 验收, 退回, 销号",
        ),
        Record::Round => (round_step(found, checks, cells, step), "开始, 发现, 提交"),
        Record::Device => (device_step(found, checks, cells, step), "登记, 检测"),
        Record::Statistics => (statistics_step(found, checks, cells, step), "报送"),
    };
    if action.is_none() {
        found.add(
            "步骤",
            format!("{step:?} is not a step of this record; one of {steps}"),
        );
    }
    action
}

/// A step of a hazard's lifecycle, through the request checks of its RPC.
fn hazard_step(
    found: &mut Violations,
    checks: &mut Violations,
    cells: &Cells<'_>,
    step: &str,
) -> Option<Action> {
    Some(match step {
        "上报" => Action::Hazard(HazardCommand::Report(requests::report_hazard(
            checks,
            &report(found, cells),
            cells.region,
        ))),
        "定级" => {
            let level = label(found, cells, "等级", level);
            Action::Hazard(requests::grade(
                checks,
                &pb::GradeHazardRequest {
                    level: level.map_or(0, |level| level as i32),
                    criterion: cells.text("判定依据"),
                    reason: cells.text("说明"),
                    ..Default::default()
                },
            ))
        }
        "整改计划" => Action::Hazard(requests::plan_rectification(checks, &plan(found, cells))),
        "责令整改" => Action::Hazard(requests::order_rectification(
            checks,
            &pb::OrderRectificationRequest {
                order: Some(pb::RectificationOrder {
                    document_number: cells.text("文书编号"),
                    deadline: cells.date(found, "整改期限"),
                    measures: cells.text("整改措施"),
                }),
                ..Default::default()
            },
        )),
        "治理方案" => Action::Hazard(requests::remediation_plan(checks, &remediation(cells))),
        "即查即改" => Action::Hazard(requests::fix_on_spot(
            checks,
            &pb::FixHazardOnSpotRequest {
                note: cells.text("说明"),
                evidence: cells.evidence(),
                ..Default::default()
            },
        )),
        "整改完成" => Action::Hazard(requests::claim(
            checks,
            &pb::ClaimRectificationRequest {
                note: cells.text("说明"),
                evidence: cells.evidence(),
                ..Default::default()
            },
        )),
        "验收" => Action::Hazard(requests::verify(
            checks,
            &pb::VerifyRectificationRequest {
                note: cells.text("说明"),
                evidence: cells.evidence(),
                ..Default::default()
            },
        )),
        "退回" => Action::Hazard(requests::reject(
            checks,
            &pb::RejectRectificationRequest {
                reason: cells.text("说明"),
                new_deadline: cells.date(found, "整改期限"),
                ..Default::default()
            },
        )),
        "销号" => Action::Hazard(requests::close(
            checks,
            &pb::CloseHazardRequest {
                note: cells.text("说明"),
                ..Default::default()
            },
        )),
        _ => return None,
    })
}

/// A step of a self-check round.
fn round_step(
    found: &mut Violations,
    checks: &mut Violations,
    cells: &Cells<'_>,
    step: &str,
) -> Option<Action> {
    Some(match step {
        "开始" => Action::Round(requests::open_round(
            checks,
            &pb::OpenSelfCheckRoundRequest {
                enterprise_id: cells.text("统一社会信用代码"),
                period_start: cells.date(found, "自查开始"),
                period_end: cells.date(found, "自查结束"),
                checklist: cells.text("检查表"),
                performer: cells.text("经办人"),
                ..Default::default()
            },
        )),
        "发现" => {
            let hazard_id = cells.cited(Record::Hazard);
            if hazard_id.is_empty() {
                found.add(
                    "对应编号",
                    "is required: the number of the hazard the round found",
                );
            }
            Action::Round(SelfCheckRoundCommand::RecordFinding { hazard_id })
        }
        "提交" => {
            let zero = cells.row.cell("无隐患");
            let attested = pick(
                zero,
                &[
                    (true, &["是", "yes", "true"][..]),
                    (false, &["否", "", "no", "false"]),
                ],
            );
            if attested.is_none() {
                found.add("无隐患", format!("{zero:?} is neither 是 nor 否"));
            }
            Action::Round(requests::submit_round(
                checks,
                &pb::SubmitSelfCheckRoundRequest {
                    zero_findings_attested: attested.unwrap_or(false),
                    signed_by: cells.text("经办人"),
                    ..Default::default()
                },
            ))
        }
        _ => return None,
    })
}

/// A step of an alarm device.
fn device_step(
    found: &mut Violations,
    checks: &mut Violations,
    cells: &Cells<'_>,
    step: &str,
) -> Option<Action> {
    Some(match step {
        "登记" => {
            let kind = label(found, cells, "装置类型", device_kind);
            Action::Device(requests::register_device(
                checks,
                &pb::RegisterAlarmDeviceRequest {
                    enterprise_id: cells.text("统一社会信用代码"),
                    kind: kind.map_or(0, |kind| kind as i32),
                    location: cells.text("部位"),
                    ..Default::default()
                },
                cells.region,
            ))
        }
        "检测" => {
            let result = label(found, cells, "结果", test_result);
            Action::Device(requests::record_test(
                checks,
                &pb::RecordAlarmDeviceTestRequest {
                    tested_on: cells.date(found, "日期"),
                    result: result.map_or(0, |result| result as i32),
                    certificate_number: cells.text("证书编号"),
                    tester: cells.text("检测机构"),
                    evidence: cells.evidence(),
                    ..Default::default()
                },
            ))
        }
        _ => return None,
    })
}

/// The filing of periodic statistics.
fn statistics_step(
    found: &mut Violations,
    checks: &mut Violations,
    cells: &Cells<'_>,
    step: &str,
) -> Option<Action> {
    Some(match step {
        "报送" => {
            let (year, quarter) = period(found, cells.row.cell("编号"));
            let count = |found: &mut Violations, column: &str| -> u32 {
                let text = cells.row.cell(column);
                text.parse().unwrap_or_else(|_| {
                    if !text.is_empty() {
                        found.add(column, format!("{text:?} is not a count"));
                    }
                    0
                })
            };
            Action::Statistics(requests::submit_statistics(
                checks,
                &pb::SubmitPeriodicStatisticsRequest {
                    enterprise_id: cells.text("统一社会信用代码"),
                    period_kind: if quarter == 0 {
                        pb::StatisticsPeriodKind::Year
                    } else {
                        pb::StatisticsPeriodKind::Quarter
                    } as i32,
                    year,
                    quarter,
                    general_found: count(found, "一般隐患数"),
                    major_found: count(found, "重大隐患数"),
                    rectified: count(found, "已整改数"),
                    analysis: cells.text("说明"),
                    signed_by_principal: cells.text("经办人"),
                    ..Default::default()
                },
            ))
        }
        _ => return None,
    })
}

/// The plan (五定) a 整改计划 row makes.
fn plan(found: &mut Violations, cells: &Cells<'_>) -> pb::PlanRectificationRequest {
    pb::PlanRectificationRequest {
        plan: Some(pb::RectificationPlan {
            measures: cells.text("整改措施"),
            owner: cells.text("责任人"),
            funds_fen: funds_fen(found, cells.row.cell("资金(元)")),
            deadline: cells.date(found, "整改期限"),
            acceptance_standard: cells.text("验收标准"),
            acceptor: cells.text("验收人"),
        }),
        ..Default::default()
    }
}

/// The six parts of the 治理方案 a row makes.
fn remediation(cells: &Cells<'_>) -> pb::SubmitRemediationPlanRequest {
    pb::SubmitRemediationPlanRequest {
        plan: Some(pb::RemediationPlan {
            goals_and_tasks: cells.text("治理目标任务"),
            methods_and_measures: cells.text("治理方法措施"),
            funds_and_materials: cells.text("经费物资"),
            responsible_organisation_and_people: cells.text("机构人员"),
            time_limit_and_requirements: cells.text("时限要求"),
            safety_measures_and_emergency_plan: cells.text("安全措施应急预案"),
        }),
        ..Default::default()
    }
}

/// The report request a 上报 row makes.
fn report(found: &mut Violations, cells: &Cells<'_>) -> pb::ReportHazardRequest {
    let source_type = if cells.row.cell("排查类型").is_empty() {
        Some(SourceType::Routine)
    } else {
        label(found, cells, "排查类型", source_type)
    };
    pb::ReportHazardRequest {
        enterprise_id: cells.text("统一社会信用代码"),
        township_code: cells.text("乡镇代码"),
        provenance: label(found, cells, "来源", provenance).map_or(0, |value| value as i32),
        source_type: source_type.map_or(0, |value| value as i32),
        category: label(found, cells, "类别", category).map_or(0, |value| value as i32),
        location: cells.text("部位"),
        equipment: cells.text("设备"),
        description: cells.text("描述"),
        evidence: cells.evidence(),
        counterpart_hazard_id: cells.cited(Record::Hazard),
        level: label(found, cells, "等级", level).map_or(0, |value| value as i32),
        level_criterion: cells.text("判定依据"),
        ..Default::default()
    }
}

/// A labelled value of a column; an unknown label is reported with the labels it may be. An
/// empty cell is left to the request checks (required or not).
fn label<T: Copy>(
    found: &mut Violations,
    cells: &Cells<'_>,
    column: &str,
    choices: fn() -> &'static [(T, &'static [&'static str])],
) -> Option<T> {
    let value = cells.row.cell(column);
    if value.is_empty() {
        return None;
    }
    let chosen = pick(value, choices());
    if chosen.is_none() {
        let labels: Vec<&str> = choices()
            .iter()
            .map(|(_, spellings)| spellings[0])
            .collect();
        found.add(
            column,
            format!("{value:?} is not one of {}", labels.join(", ")),
        );
    }
    chosen
}

fn record(found: &mut Violations, value: &str) -> Option<Record> {
    let chosen = pick(
        value,
        &[
            (Record::Hazard, &["隐患", "hazard"][..]),
            (Record::Round, &["自查", "自查轮次", "self-check round"]),
            (Record::Device, &["报警装置", "alarm device"]),
            (
                Record::Statistics,
                &["统计", "定期统计", "periodic statistics"],
            ),
        ],
    );
    if chosen.is_none() {
        found.add(
            "记录类型",
            format!("{value:?} is not one of 隐患, 自查, 报警装置, 统计"),
        );
    }
    chosen
}

fn role(found: &mut Violations, value: &str) -> Option<Role> {
    let chosen = pick(
        value,
        &[
            (Role::Enterprise, &["企业"][..]),
            (Role::Inspector, &["检查员", "执法人员"]),
            (Role::TownshipOfficer, &["乡镇", "乡镇干部"]),
            (Role::BureauAdministrator, &["局", "管理员"]),
        ],
    )
    .or_else(|| parse_role(value));
    if chosen.is_none() {
        found.add(
            "角色",
            format!("{value:?} is not one of 企业, 检查员, 乡镇, 局"),
        );
    }
    chosen
}

fn provenance() -> &'static [(Provenance, &'static [&'static str])] {
    &[
        (Provenance::EnterpriseSelf, &["企业自查", "ENTERPRISE_SELF"]),
        (
            Provenance::GovernmentInspection,
            &["政府检查", "执法检查", "GOVERNMENT_INSPECTION"],
        ),
        (
            Provenance::UpstreamCommittee,
            &["安委会交办", "上级交办", "UPSTREAM_COMMITTEE"],
        ),
        (Provenance::SensorPlatform, &["在线监测", "SENSOR_PLATFORM"]),
        (Provenance::PublicTipoff, &["举报", "PUBLIC_TIPOFF"]),
    ]
}

fn source_type() -> &'static [(SourceType, &'static [&'static str])] {
    &[
        (SourceType::Routine, &["日常", "ROUTINE"]),
        (SourceType::Comprehensive, &["综合", "COMPREHENSIVE"]),
        (SourceType::Specialist, &["专业", "SPECIALIST"]),
        (SourceType::Seasonal, &["季节性", "SEASONAL"]),
        (SourceType::PreHoliday, &["节假日前", "PRE_HOLIDAY"]),
        (
            SourceType::AccidentAnalogy,
            &["事故类比", "ACCIDENT_ANALOGY"],
        ),
        (SourceType::PreResumption, &["复产前", "PRE_RESUMPTION"]),
        (
            SourceType::ExpertDiagnosis,
            &["专家诊断", "EXPERT_DIAGNOSIS"],
        ),
        (
            SourceType::UpstreamAssignment,
            &["上级交办", "UPSTREAM_ASSIGNMENT"],
        ),
        (SourceType::Tipoff, &["举报", "TIPOFF"]),
        (SourceType::Sensor, &["传感器", "SENSOR"]),
    ]
}

fn category() -> &'static [(HazardCategory, &'static [&'static str])] {
    use HazardCategory as C;
    &[
        (C::ConfinedSpace, &["有限空间", "CONFINED_SPACE"]),
        (C::HotWork, &["动火", "HOT_WORK"]),
        (C::Lifting, &["吊装", "LIFTING"]),
        (
            C::TemporaryElectricity,
            &["临时用电", "TEMPORARY_ELECTRICITY"],
        ),
        (
            C::AmmoniaRefrigeration,
            &["涉氨制冷", "AMMONIA_REFRIGERATION"],
        ),
        (C::FireSafety, &["消防", "FIRE_SAFETY"]),
        (C::Electrical, &["电气", "ELECTRICAL"]),
        (C::SpecialEquipment, &["特种设备", "SPECIAL_EQUIPMENT"]),
        (
            C::HazardousChemicals,
            &["危险化学品", "危化", "HAZARDOUS_CHEMICALS"],
        ),
        (C::WorkAtHeight, &["高处作业", "WORK_AT_HEIGHT"]),
        (C::Machinery, &["机械", "MACHINERY"]),
        (C::Dust, &["粉尘", "DUST"]),
        (C::Gas, &["燃气", "GAS"]),
        (C::Mining, &["矿山", "MINING"]),
        (C::SafetyManagement, &["安全管理", "SAFETY_MANAGEMENT"]),
        (C::Other, &["其他", "OTHER"]),
    ]
}

fn level() -> &'static [(HazardLevel, &'static [&'static str])] {
    &[
        (HazardLevel::General, &["一般", "一般事故隐患", "GENERAL"]),
        (HazardLevel::Major, &["重大", "重大事故隐患", "MAJOR"]),
    ]
}

fn test_result() -> &'static [(AlarmTestResult, &'static [&'static str])] {
    &[
        (AlarmTestResult::Pass, &["合格", "PASS"]),
        (AlarmTestResult::Fail, &["不合格", "FAIL"]),
    ]
}

fn device_kind() -> &'static [(AlarmDeviceKind, &'static [&'static str])] {
    use AlarmDeviceKind as K;
    &[
        (
            K::AmmoniaConcentration,
            &["氨气浓度报警器", "氨气浓度", "AMMONIA_CONCENTRATION"],
        ),
        (
            K::CombustibleGas,
            &["可燃气体报警器", "可燃气体", "COMBUSTIBLE_GAS"],
        ),
        (K::ToxicGas, &["有毒气体报警器", "有毒气体", "TOXIC_GAS"]),
        (K::Other, &["其他", "OTHER"]),
    ]
}

/// The period a statistics row's 编号 names: a quarter (2026Q1, 2026-Q1, 2026年第1季度) as
/// (year, quarter), or a year (2026, 2026年) as (year, 0).
fn period(found: &mut Violations, text: &str) -> (i32, i32) {
    let digits: Vec<i32> = text
        .split(|character: char| !character.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .filter_map(|part| part.parse().ok())
        .collect();
    let quarterly = text.contains(['Q', 'q', '季']);
    match (digits.as_slice(), quarterly) {
        ([year], false) => (*year, 0),
        ([year, quarter], true) if (1..=4).contains(quarter) => (*year, *quarter),
        _ => {
            found.add(
                "编号",
                format!("{text:?} is not a period such as 2026Q1 or 2026"),
            );
            (0, 0)
        }
    }
}

/// A calendar day as the bureau writes it: 2023-03-15, 2023/3/15, 2023.3.15 or 2023年3月15日.
fn day(text: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
}

/// When a step happened: a day, optionally followed by a time of day (HH:MM or HH:MM:SS), in
/// Zhoushan; a day alone is taken at noon. Not in the future, not before 2000.
fn moment(
    found: &mut Violations,
    column: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let (day_text, time_text) = match text.split_once([' ', 'T']) {
        Some((day_text, time_text)) => (day_text, Some(time_text.trim())),
        None => (text, None),
    };
    let time = match time_text {
        None => Some(NOON),
        Some(time_text) => NaiveTime::parse_from_str(time_text, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(time_text, "%H:%M"))
            .ok(),
    };
    let Some((day, time)) = day(day_text).zip(time) else {
        found.add(
            column,
            format!("{text:?} is not a date such as 2023-03-15 or 2023-03-15 09:30"),
        );
        return None;
    };
    let instant = local_instant(day, time);
    found.optional_past_time(column, Some(&hl_proto::timestamp(instant)), now)
}

/// An amount in yuan (up to two decimals, thousands separators allowed) in fen.
fn funds_fen(found: &mut Violations, text: &str) -> i64 {
    let cleaned: String = text.chars().filter(|c| !matches!(c, ',' | '，')).collect();
    if cleaned.is_empty() {
        return 0;
    }
    let (yuan, fen) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let parsed =
        (digits(yuan) && !yuan.is_empty() && yuan.len() <= 12 && digits(fen) && fen.len() <= 2)
            .then(|| {
                let fen: i64 = format!("{fen:0<2}").parse().unwrap_or(0);
                yuan.parse::<i64>().unwrap_or(0) * 100 + fen
            });
    parsed.unwrap_or_else(|| {
        found.add(
            "资金(元)",
            format!("{text:?} is not an amount in yuan such as 12000 or 850.50"),
        );
        0
    })
}

/// The column a request field is read from, for problems the request checks find.
fn column_of(field: &str) -> &str {
    if field.starts_with("evidence") {
        return "证据";
    }
    match field {
        "enterprise_id" => "统一社会信用代码",
        "township_code" => "乡镇代码",
        "provenance" => "来源",
        "source_type" => "排查类型",
        "category" => "类别",
        "level" => "等级",
        "level_criterion" | "criterion" => "判定依据",
        "location" => "部位",
        "equipment" => "设备",
        "description" => "描述",
        "counterpart_hazard_id" | "hazard_id" => "对应编号",
        "plan.measures" | "order.measures" => "整改措施",
        "plan.owner" => "责任人",
        "plan.funds_fen" => "资金(元)",
        "plan.deadline" | "order.deadline" | "new_deadline" => "整改期限",
        "plan.acceptance_standard" => "验收标准",
        "plan.acceptor" => "验收人",
        "order.document_number" => "文书编号",
        "plan.goals_and_tasks" => "治理目标任务",
        "plan.methods_and_measures" => "治理方法措施",
        "plan.funds_and_materials" => "经费物资",
        "plan.responsible_organisation_and_people" => "机构人员",
        "plan.time_limit_and_requirements" => "时限要求",
        "plan.safety_measures_and_emergency_plan" => "安全措施应急预案",
        "note" | "reason" => "说明",
        "period_start" => "自查开始",
        "period_end" => "自查结束",
        "checklist" => "检查表",
        "performer" | "signed_by" => "经办人",
        "kind" => "装置类型",
        "tested_on" => "日期",
        "result" => "结果",
        "certificate_number" => "证书编号",
        "tester" => "检测机构",
        "general_found" => "一般隐患数",
        "major_found" => "重大隐患数",
        "rectified" => "已整改数",
        "analysis" => "说明",
        "signed_by_principal" => "经办人",
        "year" | "quarter" | "period_kind" => "编号",
        other => other,
    }
}
