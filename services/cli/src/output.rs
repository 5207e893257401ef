//! Printing: aligned tables for people, JSON for scripts, times in UTC.

use std::io::Write;

/// A plain table whose columns are as wide as their widest cell.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|cell| cell.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn print(&self) -> std::io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|cell| width(cell)).collect();
        for row in &self.rows {
            for (column, cell) in row.iter().enumerate() {
                if let Some(current) = widths.get_mut(column) {
                    *current = (*current).max(width(cell));
                }
            }
        }
        let mut out = std::io::stdout().lock();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (column, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if column + 1 < row.len() {
                    let padding = widths[column] - width(cell) + 2;
                    line.push_str(&" ".repeat(padding));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// Display width: CJK characters take two columns in a terminal.
fn width(text: &str) -> usize {
    text.chars()
        .map(|character| if (character as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

pub fn print_json(value: &serde_json::Value) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)
}

/// An instant as `2023-03-01T08:00:00Z`.
pub fn time_text(time: time::OffsetDateTime) -> String {
    chrono::DateTime::from_timestamp(time.unix_timestamp(), time.nanosecond())
        .map(|instant| instant.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Milliseconds since the epoch (as the read model stores instants) as UTC text.
pub fn millis_text(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|instant| instant.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}
