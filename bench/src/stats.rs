//! Figures measured over several runs, and latency distributions.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Latencies in microseconds, from 1 µs to 60 s at three significant digits.
#[derive(Clone)]
pub struct Latencies(Histogram<u64>);

impl Default for Latencies {
    fn default() -> Self {
        Latencies(Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds"))
    }
}

impl Latencies {
    pub fn record(&mut self, latency: Duration) {
        let micros = (latency.as_micros() as u64).clamp(1, 60_000_000);
        self.0.record(micros).expect("within bounds");
    }

    pub fn merge(&mut self, other: &Latencies) {
        self.0.add(&other.0).expect("same bounds");
    }

    /// The latency at a quantile (0.5, 0.99, 0.999) in milliseconds.
    pub fn quantile_ms(&self, quantile: f64) -> f64 {
        self.0.value_at_quantile(quantile) as f64 / 1000.0
    }
}

/// One quantity measured in each run: its values and their median, minimum and maximum.
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    pub section: String,
    pub name: String,
    pub unit: String,
    pub values: Vec<f64>,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Figure {
    pub fn new(section: &str, name: &str, unit: &str, values: Vec<f64>) -> Figure {
        let mut sorted = values.clone();
        sorted.sort_by(|left, right| left.total_cmp(right));
        let median = if sorted.is_empty() {
            f64::NAN
        } else if sorted.len() % 2 == 1 {
            sorted[sorted.len() / 2]
        } else {
            (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]) / 2.0
        };
        Figure {
            section: section.into(),
            name: name.into(),
            unit: unit.into(),
            median,
            min: sorted.first().copied().unwrap_or(f64::NAN),
            max: sorted.last().copied().unwrap_or(f64::NAN),
            values,
        }
    }

    pub fn key(&self) -> String {
        format!("{}/{}", self.section, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let figure = Figure::new("s", "n", "u", vec![4.0, 1.0, 3.0, 2.0]);
        assert_eq!((figure.median, figure.min, figure.max), (2.5, 1.0, 4.0));
        let odd = Figure::new("s", "n", "u", vec![9.0, 1.0, 5.0]);
        assert_eq!(odd.median, 5.0);
    }

    #[test]
    fn quantiles_come_back_in_milliseconds() {
        let mut latencies = Latencies::default();
        for micros in 1..=1000 {
            latencies.record(Duration::from_micros(micros));
        }
        assert!((latencies.quantile_ms(0.5) - 0.5).abs() < 0.01);
        assert!((latencies.quantile_ms(0.99) - 0.99).abs() < 0.01);
        assert_eq!(latencies.0.len(), 1000);
    }
}
