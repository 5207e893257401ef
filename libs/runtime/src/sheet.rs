//! Reading the spreadsheets a bureau keeps (UTF-8 CSV, or the first sheet of an .xlsx workbook)
//! into rows of text cells by column, each with its line number, so that an import names the
//! line and column of every problem. Both imports (the enterprise registry, past hazard
//! ledgers) read their files here and report their problems the same way.

use std::collections::HashMap;
use std::io::{Cursor, Read, Seek};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use crate::error::{ErrorCode, ServiceError};

/// The most an .xlsx file may unpack to. A workbook is a zip archive; its entries declare their
/// sizes, and a file that declares more is refused before anything is unpacked.
const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// The most problems an error lists; the rest are counted.
const MAX_LISTED_PROBLEMS: usize = 100;

/// The most cells a line may have: a file's columns are a few dozen, and a line of millions of
/// empty cells would take far more memory than its bytes.
pub const MAX_CELLS_PER_LINE: usize = 64;

fn too_many_cells(field: &str, line: impl std::fmt::Display) -> ServiceError {
    ServiceError::invalid_field(
        field,
        format!("line {line} has more than {MAX_CELLS_PER_LINE} cells"),
    )
}

/// How a file is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetFormat {
    /// UTF-8 text, comma-separated, the header on line 1 (a byte-order mark is allowed).
    Csv,
    /// The first sheet of an Excel workbook, the header on its first row.
    Xlsx,
}

/// A column an import knows: its name, and the other header spellings it is known by.
pub struct Column {
    pub name: &'static str,
    pub headers: &'static [&'static str],
    pub required: bool,
}

/// One data row: its line (row) number in the file, and its cells by column name.
#[derive(Clone, Debug, Default)]
pub struct SheetRow {
    pub line: i32,
    cells: HashMap<&'static str, String>,
}

impl SheetRow {
    /// The trimmed text of a column; empty when the column or the cell is absent.
    pub fn cell(&self, column: &str) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or("")
    }

    /// Every cell in the order of `columns`, for a fingerprint of the row's content.
    pub fn content(&self, columns: &[Column]) -> String {
        columns
            .iter()
            .map(|column| self.cell(column.name))
            .collect::<Vec<_>>()
            .join("\u{1f}")
    }
}

/// A problem with one row, by line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    pub line: i32,
    pub column: String,
    pub problem: String,
}

/// What a file holds, or INVALID_ARGUMENT on `field` when it cannot be read: not the format it
/// claims, a header that lacks a required column or names an unknown one, more than `max_rows`
/// data rows. Blank rows are skipped.
pub fn read(
    field: &str,
    format: SheetFormat,
    bytes: &[u8],
    columns: &[Column],
    max_rows: usize,
) -> Result<Vec<SheetRow>, ServiceError> {
    let lines = match format {
        SheetFormat::Csv => csv_lines(field, bytes)?,
        SheetFormat::Xlsx => xlsx_lines(field, bytes)?,
    };
    let mut lines = lines.into_iter();
    let Some((_, header)) = lines.next() else {
        return Err(ServiceError::invalid_field(field, "is empty"));
    };
    let positions = header_positions(field, &header, columns)?;
    let mut rows = Vec::new();
    for (line, cells) in lines {
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if rows.len() == max_rows {
            return Err(ServiceError::invalid_field(
                field,
                format!("has more than {max_rows} rows; split the file"),
            ));
        }
        let cells = positions
            .iter()
            .filter_map(|(name, position)| Some((*name, cells.get(*position)?.clone())))
            .collect();
        rows.push(SheetRow { line, cells });
    }
    Ok(rows)
}

/// Where each known column is in the header; every unknown or missing column is named.
fn header_positions(
    field: &str,
    header: &[String],
    columns: &[Column],
) -> Result<Vec<(&'static str, usize)>, ServiceError> {
    let normalise = |text: &str| {
        text.trim()
            .replace('（', "(")
            .replace('）', ")")
            .to_lowercase()
    };
    let mut positions = Vec::new();
    let mut problems = Vec::new();
    for (position, text) in header.iter().enumerate() {
        let text = normalise(text);
        if text.is_empty() {
            continue;
        }
        match columns.iter().find(|column| {
            std::iter::once(&column.name)
                .chain(column.headers)
                .any(|spelling| normalise(spelling) == text)
        }) {
            Some(column) => positions.push((column.name, position)),
            None => problems.push(format!("unknown column {text:?}")),
        }
    }
    for column in columns.iter().filter(|column| column.required) {
        if !positions.iter().any(|(name, _)| *name == column.name) {
            problems.push(format!(
                "the {} column is missing",
                column.headers.last().unwrap_or(&column.name)
            ));
        }
    }
    if problems.is_empty() {
        return Ok(positions);
    }
    let mut error = ServiceError::new(
        ErrorCode::InvalidArgument,
        format!("{field} line 1: {}", problems.join("; ")),
    );
    error.field_violations = problems
        .into_iter()
        .map(|problem| (format!("{field} line 1"), problem))
        .collect();
    Err(error)
}

/// The lines of a CSV file with their line numbers (a quoted cell may span lines).
fn csv_lines(field: &str, bytes: &[u8]) -> Result<Vec<(i32, Vec<String>)>, ServiceError> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        ServiceError::invalid_field(field, format!("is not UTF-8 text: {error}"))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| {
            let line = error.position().map_or(0, |position| position.line());
            ServiceError::invalid_field(field, format!("line {line}: {error}"))
        })?;
        let line = record.position().map_or(0, |position| position.line()) as i32;
        if record.len() > MAX_CELLS_PER_LINE {
            return Err(too_many_cells(field, line));
        }
        lines.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(lines)
}

/// The rows of the first sheet of a workbook with their row numbers.
fn xlsx_lines(field: &str, bytes: &[u8]) -> Result<Vec<(i32, Vec<String>)>, ServiceError> {
    let not_a_workbook = |error: &dyn std::fmt::Display| {
        ServiceError::invalid_field(field, format!("is not an .xlsx workbook: {error}"))
    };
    check_unpacked_size(field, Cursor::new(bytes))?;
    let mut workbook: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes)).map_err(|error| not_a_workbook(&error))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| ServiceError::invalid_field(field, "has no sheet"))?
        .map_err(|error| not_a_workbook(&error))?;
    let first_row = range.start().map_or(0, |(row, _)| row);
    let first_column = range.start().map_or(0, |(_, column)| column) as usize;
    let mut lines = Vec::new();
    for (index, row) in range.rows().enumerate() {
        if first_column + row.len() > MAX_CELLS_PER_LINE {
            return Err(too_many_cells(field, first_row as usize + index + 1));
        }
        let mut cells = vec![String::new(); first_column];
        cells.extend(row.iter().map(cell_text));
        lines.push((first_row as i32 + index as i32 + 1, cells));
    }
    Ok(lines)
}

/// Refuses a workbook whose entries declare more than [`MAX_UNPACKED_BYTES`] in all.
fn check_unpacked_size(field: &str, reader: impl Read + Seek) -> Result<(), ServiceError> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|error| {
        ServiceError::invalid_field(field, format!("is not an .xlsx workbook: {error}"))
    })?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|error| {
            ServiceError::invalid_field(field, format!("is not an .xlsx workbook: {error}"))
        })?;
        total = total.saturating_add(entry.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(ServiceError::invalid_field(
            field,
            format!(
                "unpacks to {total} bytes, more than the {MAX_UNPACKED_BYTES} a workbook may hold"
            ),
        ));
    }
    Ok(())
}

/// A cell as text: numbers without a needless ".0", dates as YYYY-MM-DD (with HH:MM when the
/// cell has a time of day).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => {
            text.trim().to_string()
        }
        Data::Int(number) => number.to_string(),
        Data::Float(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
            format!("{number:.0}")
        }
        Data::Float(number) => number.to_string(),
        Data::Bool(value) => if *value { "是" } else { "否" }.to_string(),
        Data::DateTime(value) => match value.as_datetime() {
            Some(moment) if moment.time() == chrono::NaiveTime::MIN => {
                moment.date().format("%Y-%m-%d").to_string()
            }
            Some(moment) => moment.format("%Y-%m-%d %H:%M").to_string(),
            None => value.as_f64().to_string(),
        },
        Data::Error(error) => format!("#{error:?}"),
    }
}

/// A value by any of its spellings (case aside): Chinese labels, enum names.
pub fn pick<T: Copy>(value: &str, choices: &[(T, &[&str])]) -> Option<T> {
    choices
        .iter()
        .find(|(_, spellings)| {
            spellings
                .iter()
                .any(|spelling| spelling.eq_ignore_ascii_case(value))
        })
        .map(|(choice, _)| *choice)
}

/// INVALID_ARGUMENT for a file with bad rows: how many rows, and the first problems by line and
/// column (the rest are counted, and `listing` says where to get them all).
pub fn problems_error(
    field: &str,
    problems: &[RowProblem],
    rows: usize,
    listing: &str,
) -> ServiceError {
    let bad_rows = problems
        .iter()
        .map(|problem| problem.line)
        .collect::<std::collections::HashSet<_>>()
        .len();
    let mut message =
        format!("{bad_rows} of {rows} rows have problems; nothing was recorded ({listing})");
    if problems.len() > MAX_LISTED_PROBLEMS {
        message.push_str(&format!(
            "; the first {MAX_LISTED_PROBLEMS} of {} problems are listed",
            problems.len()
        ));
    }
    let mut error = ServiceError::new(ErrorCode::InvalidArgument, message);
    error.field_violations = problems
        .iter()
        .take(MAX_LISTED_PROBLEMS)
        .map(|problem| {
            (
                format!("{field} line {}: {}", problem.line, problem.column),
                problem.problem.clone(),
            )
        })
        .collect();
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[Column] = &[
        Column {
            name: "number",
            headers: &["number", "编号"],
            required: true,
        },
        Column {
            name: "note",
            headers: &["note", "说明（备注）"],
            required: false,
        },
    ];

    #[test]
    fn a_csv_reads_by_header_with_line_numbers_and_skips_blank_rows() {
        let csv = "\u{feff}编号,说明(备注)\nA-1, first \n,\n\"A-2\",\"two\nlines\"\nA-3,third\n";
        let rows = read("file", SheetFormat::Csv, csv.as_bytes(), COLUMNS, 10).unwrap();
        let seen: Vec<(i32, &str, &str)> = rows
            .iter()
            .map(|row| (row.line, row.cell("number"), row.cell("note")))
            .collect();
        assert_eq!(
            seen,
            vec![
                (2, "A-1", "first"),
                (4, "A-2", "two\nlines"),
                (6, "A-3", "third")
            ]
        );
    }

    #[test]
    fn a_header_with_an_unknown_or_missing_column_is_refused_naming_each() {
        let error = read(
            "file",
            SheetFormat::Csv,
            "说明,颜色\nx,y\n".as_bytes(),
            COLUMNS,
            10,
        )
        .unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidArgument);
        let problems: Vec<&str> = error
            .field_violations
            .iter()
            .map(|(_, problem)| problem.as_str())
            .collect();
        assert_eq!(
            problems,
            vec![
                "unknown column \"说明\"",
                "unknown column \"颜色\"",
                "the 编号 column is missing"
            ]
        );
    }

    #[test]
    fn more_rows_than_the_limit_are_refused() {
        let error = read(
            "file",
            SheetFormat::Csv,
            "编号\n1\n2\n3\n".as_bytes(),
            COLUMNS,
            2,
        )
        .unwrap_err();
        assert!(
            error.message.contains("more than 2 rows"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_line_of_more_cells_than_the_limit_is_refused_naming_it() {
        let within = format!("编号\n1\n2{}\n", ",".repeat(MAX_CELLS_PER_LINE - 1));
        assert_eq!(
            read("file", SheetFormat::Csv, within.as_bytes(), COLUMNS, 10)
                .unwrap()
                .len(),
            2
        );
        let beyond = format!("编号\n1\n2{}\n", ",".repeat(200_000));
        let error = read("file", SheetFormat::Csv, beyond.as_bytes(), COLUMNS, 10).unwrap_err();
        assert_eq!(
            error.field_violations,
            [(
                "file".to_string(),
                format!("line 3 has more than {MAX_CELLS_PER_LINE} cells")
            )]
        );
    }

    #[test]
    fn bytes_that_are_not_a_workbook_are_refused() {
        let error = read("file", SheetFormat::Xlsx, b"no zip here", COLUMNS, 10).unwrap_err();
        assert!(
            error.message.contains("not an .xlsx workbook"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_long_list_of_problems_is_cut_and_counted() {
        let problems: Vec<RowProblem> = (2..300)
            .map(|line| RowProblem {
                line,
                column: "编号".into(),
                problem: "is required".into(),
            })
            .collect();
        let error = problems_error("file", &problems, 400, "ask for validate_only");
        assert_eq!(error.field_violations.len(), MAX_LISTED_PROBLEMS);
        assert!(
            error.message.starts_with("298 of 400 rows"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("first 100 of 298"),
            "{}",
            error.message
        );
    }
}
