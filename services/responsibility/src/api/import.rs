//! Bulk registration of enterprises from a CSV file: the bureau's enterprise list is a
//! spreadsheet. Every row is checked (the same checks as a single registration) and every
//! problem is reported with its line number. A file with problems imports nothing, unless the
//! caller asks for only the good rows. Each row is one registration whose request_id derives
//! from the import's, so running the same import again records nothing twice.

use std::collections::HashMap;

use futures::StreamExt;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::{
    EnterpriseScale, Industry, RiskColour, SelfCheckFrequency, StandardisationGrade,
};
use hl_runtime::sheet::{self, Column, RowProblem, SheetFormat, pick};
use hl_runtime::{ErrorCode, ServiceError, Violations};
use tonic::{Request, Response, Status};

use hl_eventstore::RequestMeta;
use hl_proto::common::v1::Actor;
use hl_runtime::pipeline::CommandCall;

use super::{RegistryApi, today};

use crate::domain::DomainError;
use crate::domain::enterprise::EnterpriseCommand;

/// The most rows one import takes.
const MAX_ROWS: usize = 50_000;

/// The most problems a response lists, by line; `problems_total` counts them all.
const MAX_RESPONSE_PROBLEMS: usize = 1000;
/// Registrations in flight at once.
const CONCURRENCY: usize = 16;

/// The columns of the file: each name, the header spellings it is known by, whether required.
const COLUMNS: &[Column] = &[
    Column {
        name: "unified_social_credit_code",
        headers: &[
            "unified_social_credit_code",
            "enterprise_id",
            "统一社会信用代码",
        ],
        required: true,
    },
    Column {
        name: "display_name",
        headers: &["display_name", "name", "企业名称", "单位名称"],
        required: true,
    },
    Column {
        name: "address",
        headers: &["address", "地址"],
        required: false,
    },
    Column {
        name: "township_code",
        headers: &[
            "township_code",
            "乡镇街道代码",
            "乡镇(街道)代码",
            "乡镇代码",
        ],
        required: true,
    },
    Column {
        name: "village_code",
        headers: &["village_code", "村社区代码", "村(社区)代码"],
        required: false,
    },
    Column {
        name: "grid_cell_id",
        headers: &["grid_cell_id", "网格", "网格编号"],
        required: false,
    },
    Column {
        name: "industries",
        headers: &["industries", "industry", "行业"],
        required: true,
    },
    Column {
        name: "scale",
        headers: &["scale", "规模"],
        required: false,
    },
    Column {
        name: "standardisation_grade",
        headers: &["standardisation_grade", "标准化等级"],
        required: false,
    },
    Column {
        name: "risk_colour",
        headers: &["risk_colour", "risk_color", "风险等级"],
        required: false,
    },
    Column {
        name: "self_check_required",
        headers: &["self_check_required", "是否需自查"],
        required: false,
    },
    Column {
        name: "self_check_frequency",
        headers: &["self_check_frequency", "自查频次"],
        required: false,
    },
    Column {
        name: "chemical_registration_code",
        headers: &[
            "chemical_registration_code",
            "危化品登记编码",
            "危化品登记企业编码",
        ],
        required: false,
    },
];

/// A row read from the file.
struct Row {
    line: i32,
    enterprise_id: String,
    details: pb::EnterpriseDetails,
}

pub(super) async fn import(
    api: &RegistryApi,
    request: Request<pb::ImportEnterprisesRequest>,
) -> Result<Response<pb::ImportEnterprisesResponse>, Status> {
    let mut call = CommandCall::from_request(request)?;
    api.require_index()?;
    let (body, violations) = (&call.body, &mut call.violations);
    let mode = violations
        .optional_enumeration::<pb::ImportMode>("mode", body.mode)
        .unwrap_or_default();
    let effective_from = violations
        .optional_date("effective_from", body.effective_from.as_ref())
        .unwrap_or_else(today);
    if body.csv.is_empty() {
        violations.add("csv", "is empty");
    }
    call.check()?;
    // Parsing is CPU work; it stays off the async workers.
    let csv = std::mem::take(&mut call.body.csv);
    let (rows, mut problems) = tokio::task::spawn_blocking(move || read_rows(&csv))
        .await
        .map_err(|error| {
            Status::from(ServiceError::internal(format!(
                "reading the file failed: {error}"
            )))
        })??;
    let body = &call.body;
    check_rows(api, &call.actor, &rows, &mut problems);
    problems.sort_by_key(|problem| problem.line);
    if !problems.is_empty() && mode != pb::ImportMode::GoodRowsOnly {
        return Err(sheet::problems_error(
            "csv",
            &problems,
            rows.len(),
            "ask for GOOD_ROWS_ONLY to import the rest",
        )
        .into());
    }

    let row_count = rows.len() as i32;
    let bad_lines: std::collections::HashSet<i32> =
        problems.iter().map(|problem| problem.line).collect();
    let good: Vec<Row> = rows
        .into_iter()
        .filter(|row| !bad_lines.contains(&row.line))
        .collect();
    let registration = Registration {
        base: call.meta(),
        effective_from,
        activate: body.activate,
    };
    let outcomes = register_rows(api, good, &registration).await;

    let mut response = pb::ImportEnterprisesResponse {
        rows: row_count,
        ..Default::default()
    };
    for (line, outcome) in outcomes {
        match outcome {
            Ok(true) => response.imported += 1,
            Ok(false) => response.already_registered += 1,
            // A refusal (e.g. a township outside the actor's jurisdiction) is the row's problem;
            // an outage fails the call, and the same import can simply be run again.
            Err(error)
                if error.code == ErrorCode::PermissionDenied
                    || error.code == ErrorCode::FailedPrecondition =>
            {
                problems.push(RowProblem {
                    line,
                    column: String::new(),
                    problem: error.message,
                });
            }
            Err(error) => return Err(error.into()),
        }
    }
    problems.sort_by_key(|problem| problem.line);
    response.problems_total = problems.len() as i32;
    response.problems = problems
        .into_iter()
        .take(MAX_RESPONSE_PROBLEMS)
        .map(|problem| pb::ImportRowProblem {
            line: problem.line,
            column: problem.column,
            problem: problem.problem,
        })
        .collect();
    Ok(Response::new(response))
}

/// Checks every row as a single registration would be, who is registering it included, and
/// that no enterprise is on two lines: so that ALL_OR_NOTHING imports nothing when the caller
/// may not register one of the rows.
fn check_rows(api: &RegistryApi, actor: &Actor, rows: &[Row], problems: &mut Vec<RowProblem>) {
    let index = api.index.read();
    let context = api.context(&index);
    let mut first_line: HashMap<&str, i32> = HashMap::new();
    for row in rows {
        let mut row_violations = Violations::new();
        row_violations.credit_code("unified_social_credit_code", &row.enterprise_id);
        context.enterprise_details(&mut row_violations, "", &row.details, None, "");
        let township = &row.details.township_code;
        if !township.is_empty()
            && let Err(refusal) =
                hl_domain::access::require_registrar(actor, township, "register an enterprise")
        {
            row_violations.add("township_code", refusal.to_string());
        }
        if let Some(first) = first_line.insert(&row.enterprise_id, row.line) {
            row_violations.add(
                "unified_social_credit_code",
                format!("the same enterprise is on line {first}"),
            );
        }
        problems.extend(
            row_violations
                .into_list()
                .into_iter()
                .map(|(column, problem)| RowProblem {
                    line: row.line,
                    column,
                    problem,
                }),
        );
    }
}

/// What every row of one import registers with.
struct Registration {
    base: RequestMeta,
    effective_from: chrono::NaiveDate,
    activate: bool,
}

/// Registers the rows, several at a time; for each line, whether it registered a new enterprise
/// (false: an earlier run of the import had), or why not.
async fn register_rows(
    api: &RegistryApi,
    rows: Vec<Row>,
    registration: &Registration,
) -> Vec<(i32, Result<bool, ServiceError>)> {
    let base = &registration.base;
    futures::stream::iter(rows)
        .map(|row| {
            let meta = RequestMeta {
                request_id: format!("{}/line/{}", base.request_id, row.line),
                correlation_id: Some(base.request_id.clone()),
                ..base.clone()
            };
            let command = EnterpriseCommand::Register {
                details: row.details,
                effective_from: registration.effective_from,
                activate: registration.activate,
            };
            async move {
                let outcome = api
                    .enterprises()
                    .execute(&row.enterprise_id, &command, &meta)
                    .await;
                let outcome = match outcome {
                    Ok(executed) => {
                        api.index
                            .upsert(&row.enterprise_id, &executed.state, executed.version);
                        Ok(true)
                    }
                    Err(hl_eventstore::ExecuteError::Domain(DomainError::AlreadyExists(_))) => {
                        Ok(false)
                    }
                    Err(error) => Err(ServiceError::from(error)),
                };
                (row.line, outcome)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await
}

/// The rows of the file, and the problems found reading it (unknown values).
fn read_rows(csv_bytes: &[u8]) -> Result<(Vec<Row>, Vec<RowProblem>), Status> {
    let sheet = sheet::read("csv", SheetFormat::Csv, csv_bytes, COLUMNS, MAX_ROWS)?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in sheet {
        let line = record.line;
        let cell = |column: &str| record.cell(column).to_string();
        let mut problem = |column: &str, text: String| {
            problems.push(RowProblem {
                line,
                column: column.to_string(),
                problem: text,
            })
        };
        let mut details = pb::EnterpriseDetails {
            display_name: cell("display_name"),
            address: cell("address"),
            township_code: cell("township_code"),
            village_code: cell("village_code"),
            grid_cell_id: cell("grid_cell_id"),
            chemical_registration_code: cell("chemical_registration_code"),
            ..Default::default()
        };
        for name in cell("industries")
            .split([';', '；', '、', ',', '，'])
            .map(str::trim)
            .filter(|name| !name.is_empty())
        {
            match industry(name) {
                Some(industry) => details.industries.push(industry as i32),
                None => problem("industries", format!("unknown industry {name:?}")),
            }
        }
        let value = cell("scale");
        match scale(&value) {
            Some(scale) => details.scale = scale as i32,
            None => problem("scale", format!("unknown scale {value:?}")),
        }
        let value = cell("standardisation_grade");
        match grade(&value) {
            Some(grade) => details.standardisation_grade = grade as i32,
            None => problem("standardisation_grade", format!("unknown grade {value:?}")),
        }
        let value = cell("risk_colour");
        match colour(&value) {
            Some(colour) => details.risk_colour = colour as i32,
            None => problem("risk_colour", format!("unknown risk colour {value:?}")),
        }
        let value = cell("self_check_required");
        match yes_no(&value) {
            Some(required) => details.self_check_required = required,
            None => problem(
                "self_check_required",
                format!("{value:?} is neither yes nor no"),
            ),
        }
        let value = cell("self_check_frequency");
        match frequency(&value) {
            Some(frequency) => details.self_check_frequency = frequency as i32,
            None => problem(
                "self_check_frequency",
                format!("unknown frequency {value:?}"),
            ),
        }
        rows.push(Row {
            line,
            enterprise_id: cell("unified_social_credit_code"),
            details,
        });
    }
    Ok((rows, problems))
}

fn industry(value: &str) -> Option<Industry> {
    use Industry as I;
    pick(
        value,
        &[
            (
                I::IndustryAndTrade,
                &["工贸", "INDUSTRY_AND_TRADE", "INDUSTRY_INDUSTRY_AND_TRADE"],
            ),
            (
                I::HazardousChemicals,
                &[
                    "危化",
                    "危险化学品",
                    "HAZARDOUS_CHEMICALS",
                    "INDUSTRY_HAZARDOUS_CHEMICALS",
                ],
            ),
            (
                I::NonCoalMine,
                &["非煤矿山", "NON_COAL_MINE", "INDUSTRY_NON_COAL_MINE"],
            ),
            (
                I::AmmoniaRefrigeration,
                &[
                    "涉氨制冷",
                    "AMMONIA_REFRIGERATION",
                    "INDUSTRY_AMMONIA_REFRIGERATION",
                ],
            ),
            (
                I::ShipbuildingAndRepair,
                &[
                    "船舶修造",
                    "SHIPBUILDING_AND_REPAIR",
                    "INDUSTRY_SHIPBUILDING_AND_REPAIR",
                ],
            ),
            (
                I::FillingStation,
                &["加油站", "FILLING_STATION", "INDUSTRY_FILLING_STATION"],
            ),
            (I::OilDepot, &["油库", "OIL_DEPOT", "INDUSTRY_OIL_DEPOT"]),
            (I::Homestay, &["民宿", "HOMESTAY", "INDUSTRY_HOMESTAY"]),
            (
                I::Fireworks,
                &["烟花爆竹", "FIREWORKS", "INDUSTRY_FIREWORKS"],
            ),
            (I::Other, &["其他", "OTHER", "INDUSTRY_OTHER"]),
        ],
    )
}

fn scale(value: &str) -> Option<EnterpriseScale> {
    use EnterpriseScale as S;
    pick(
        value,
        &[
            (S::Unspecified, &[""]),
            (S::Large, &["大型", "LARGE", "ENTERPRISE_SCALE_LARGE"]),
            (S::Medium, &["中型", "MEDIUM", "ENTERPRISE_SCALE_MEDIUM"]),
            (S::Small, &["小型", "SMALL", "ENTERPRISE_SCALE_SMALL"]),
            (S::Micro, &["微型", "MICRO", "ENTERPRISE_SCALE_MICRO"]),
        ],
    )
}

fn grade(value: &str) -> Option<StandardisationGrade> {
    use StandardisationGrade as G;
    pick(
        value,
        &[
            (G::Unspecified, &[""]),
            (
                G::None,
                &["无", "未达标", "NONE", "STANDARDISATION_GRADE_NONE"],
            ),
            (G::One, &["一级", "ONE", "STANDARDISATION_GRADE_ONE"]),
            (G::Two, &["二级", "TWO", "STANDARDISATION_GRADE_TWO"]),
            (G::Three, &["三级", "THREE", "STANDARDISATION_GRADE_THREE"]),
            (
                G::SmallEnterprise,
                &[
                    "小微",
                    "小微企业",
                    "SMALL_ENTERPRISE",
                    "STANDARDISATION_GRADE_SMALL_ENTERPRISE",
                ],
            ),
        ],
    )
}

fn colour(value: &str) -> Option<RiskColour> {
    use RiskColour as C;
    pick(
        value,
        &[
            (C::Unspecified, &[""]),
            (C::Red, &["红", "红色", "重大", "RED", "RISK_COLOUR_RED"]),
            (
                C::Orange,
                &["橙", "橙色", "较大", "ORANGE", "RISK_COLOUR_ORANGE"],
            ),
            (
                C::Yellow,
                &["黄", "黄色", "一般", "YELLOW", "RISK_COLOUR_YELLOW"],
            ),
            (C::Blue, &["蓝", "蓝色", "低", "BLUE", "RISK_COLOUR_BLUE"]),
        ],
    )
}

fn frequency(value: &str) -> Option<SelfCheckFrequency> {
    use SelfCheckFrequency as F;
    pick(
        value,
        &[
            (F::Unspecified, &[""]),
            (
                F::Monthly,
                &["月", "每月", "MONTHLY", "SELF_CHECK_FREQUENCY_MONTHLY"],
            ),
            (
                F::Quarterly,
                &[
                    "季",
                    "每季",
                    "季度",
                    "QUARTERLY",
                    "SELF_CHECK_FREQUENCY_QUARTERLY",
                ],
            ),
            (
                F::HalfYearly,
                &[
                    "半年",
                    "每半年",
                    "HALF_YEARLY",
                    "SELF_CHECK_FREQUENCY_HALF_YEARLY",
                ],
            ),
            (
                F::Yearly,
                &["年", "每年", "YEARLY", "SELF_CHECK_FREQUENCY_YEARLY"],
            ),
        ],
    )
}

fn yes_no(value: &str) -> Option<bool> {
    pick(
        value,
        &[
            (false, &["", "否", "no", "false", "0", "n"]),
            (true, &["是", "yes", "true", "1", "y"]),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_headers_and_values_are_read() {
        let csv = "统一社会信用代码,企业名称,乡镇街道代码,行业,风险等级,是否需自查,自查频次,危化品登记编码\n\
                   91330903MA2NCU4LYE,冷链公司,330903001,涉氨制冷;工贸,红,是,季,330901234\n";
        let (rows, problems) = read_rows(csv.as_bytes()).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let row = &rows[0];
        assert_eq!(row.line, 2);
        assert_eq!(
            row.details.industries,
            [
                Industry::AmmoniaRefrigeration as i32,
                Industry::IndustryAndTrade as i32
            ]
        );
        assert_eq!(row.details.risk_colour, RiskColour::Red as i32);
        assert!(row.details.self_check_required);
        assert_eq!(
            row.details.self_check_frequency,
            SelfCheckFrequency::Quarterly as i32
        );
        assert_eq!(row.details.chemical_registration_code, "330901234");
    }

    #[test]
    fn unknown_values_are_problems_of_their_line_and_bad_headers_fail_the_file() {
        let csv = "unified_social_credit_code,display_name,township_code,industries,risk_colour\n\
                   91330903MA2NCU4LYE,A,330903001,钢铁,紫\n";
        let (_, problems) = read_rows(csv.as_bytes()).unwrap();
        let columns: Vec<(i32, &str)> = problems
            .iter()
            .map(|problem| (problem.line, problem.column.as_str()))
            .collect();
        assert_eq!(columns, [(2, "industries"), (2, "risk_colour")]);
        assert!(read_rows("name,colour\nA,red\n".as_bytes()).is_err());
    }
}
