//! The report: every figure with its runs, the ratios against the raw baselines, and the
//! targets met or missed. Printed as a table and written as JSON.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::stats::Figure;

/// A figure divided by its baseline, both medians of the same run set.
#[derive(Clone, Debug, Serialize)]
pub struct Ratio {
    pub name: String,
    pub figure: String,
    pub baseline: String,
    pub value: f64,
}

/// A promise checked against a measured value.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    pub name: String,
    /// e.g. ">= 0.4" or "<= 15 ms".
    pub wanted: String,
    pub measured: f64,
    pub unit: String,
    pub met: bool,
}

#[derive(Default, Serialize)]
pub struct Report {
    /// The machine and the settings every figure was measured under.
    pub environment: BTreeMap<String, Value>,
    pub figures: Vec<Figure>,
    pub ratios: Vec<Ratio>,
    pub targets: Vec<Target>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn describe(&mut self, key: &str, value: impl Into<Value>) {
        self.environment.insert(key.to_string(), value.into());
    }

    pub fn add(&mut self, section: &str, name: &str, unit: &str, values: Vec<f64>) -> f64 {
        let figure = Figure::new(section, name, unit, values);
        let median = figure.median;
        println!(
            "  {:<58} {:>12} {:<8} [{} – {}]",
            format!("{section}: {name}"),
            format_number(median),
            unit,
            format_number(figure.min),
            format_number(figure.max)
        );
        self.figures
            .retain(|existing| existing.key() != figure.key());
        self.figures.push(figure);
        median
    }

    pub fn median(&self, key: &str) -> Option<f64> {
        self.figures
            .iter()
            .find(|figure| figure.key() == key)
            .map(|figure| figure.median)
    }

    /// Records figure ÷ baseline when both were measured.
    pub fn ratio(&mut self, name: &str, figure: &str, baseline: &str) -> Option<f64> {
        let value = self.median(figure)? / self.median(baseline)?;
        self.ratios.push(Ratio {
            name: name.into(),
            figure: figure.into(),
            baseline: baseline.into(),
            value,
        });
        Some(value)
    }

    pub fn at_least(&mut self, name: &str, measured: Option<f64>, minimum: f64, unit: &str) {
        if let Some(measured) = measured {
            self.targets.push(Target {
                name: name.into(),
                wanted: format!(">= {} {unit}", format_number(minimum)),
                measured,
                unit: unit.into(),
                met: measured >= minimum,
            });
        }
    }

    pub fn at_most(&mut self, name: &str, measured: Option<f64>, maximum: f64, unit: &str) {
        if let Some(measured) = measured {
            self.targets.push(Target {
                name: name.into(),
                wanted: format!("<= {} {unit}", format_number(maximum)),
                measured,
                unit: unit.into(),
                met: measured <= maximum,
            });
        }
    }

    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        println!("  note: {note}");
        self.notes.push(note);
    }

    pub fn print_summary(&self) {
        println!();
        println!("Ratios (median ÷ median):");
        for ratio in &self.ratios {
            println!("  {:<70} {:>8.3}", ratio.name, ratio.value);
        }
        println!();
        println!("Targets:");
        for target in &self.targets {
            println!(
                "  {:<6} {:<62} measured {} {}, wanted {}",
                if target.met { "MET" } else { "MISSED" },
                target.name,
                format_number(target.measured),
                target.unit,
                target.wanted
            );
        }
    }

    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, serde_json::to_vec_pretty(self)?)?;
        Ok(())
    }
}

/// Numbers as people read them: thousands grouped, two decimals below 100.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return "-".into();
    }
    if value.abs() >= 100.0 {
        let rounded = value.round() as i64;
        let digits = rounded.abs().to_string();
        let mut grouped = String::new();
        for (index, character) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(character);
        }
        if rounded < 0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(format_number(1234567.4), "1,234,567");
        assert_eq!(format_number(12.345), "12.35");
        assert_eq!(format_number(f64::NAN), "-");
    }

    #[test]
    fn a_target_is_met_only_on_the_right_side_of_its_limit() {
        let mut report = Report::default();
        report.at_least("fast enough", Some(0.5), 0.4, "×");
        report.at_most("quick enough", Some(16.0), 15.0, "ms");
        assert!(report.targets[0].met);
        assert!(!report.targets[1].met);
    }
}
