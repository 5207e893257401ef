//! Conversions between protobuf times and chrono. Timestamps are UTC instants; `Date` is a
//! calendar date in Asia/Shanghai, the time zone legal deadlines are counted in.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::common::v1::Date;

impl Date {
    /// The calendar date, or None when the fields do not name a real day.
    pub fn to_naive(&self) -> Option<NaiveDate> {
        let month = u32::try_from(self.month).ok()?;
        let day = u32::try_from(self.day).ok()?;
        NaiveDate::from_ymd_opt(self.year, month, day)
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Date {
            year: date.year(),
            month: date.month() as i32,
            day: date.day() as i32,
        }
    }
}

/// `google.protobuf.Timestamp`, wire-identical to prost's, with serde so that messages holding
/// one can live in aggregate snapshots.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, prost::Message, serde::Serialize, serde::Deserialize,
)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl prost::Name for Timestamp {
    const NAME: &'static str = "Timestamp";
    const PACKAGE: &'static str = "google.protobuf";
}

/// `google.protobuf.FieldMask`, wire-identical to prost's, with serde like every other message.
#[derive(Clone, PartialEq, Eq, Hash, prost::Message, serde::Serialize, serde::Deserialize)]
pub struct FieldMask {
    #[prost(string, repeated, tag = "1")]
    pub paths: Vec<String>,
}

impl prost::Name for FieldMask {
    const NAME: &'static str = "FieldMask";
    const PACKAGE: &'static str = "google.protobuf";
}

/// A protobuf timestamp for a UTC instant.
pub fn timestamp(instant: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: instant.timestamp(),
        nanos: instant.timestamp_subsec_nanos() as i32,
    }
}

/// The UTC instant of a protobuf timestamp, or None when it is out of range.
pub fn instant(timestamp: &Timestamp) -> Option<DateTime<Utc>> {
    let nanos = u32::try_from(timestamp.nanos).ok()?;
    DateTime::from_timestamp(timestamp.seconds, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_reject_impossible_days() {
        let day = NaiveDate::from_ymd_opt(2023, 2, 28).unwrap();
        assert_eq!(Date::from(day).to_naive(), Some(day));
        let impossible = Date {
            year: 2023,
            month: 2,
            day: 29,
        };
        assert_eq!(impossible.to_naive(), None);
        let negative = Date {
            year: 2023,
            month: -1,
            day: 1,
        };
        assert_eq!(negative.to_naive(), None);
    }

    #[test]
    fn timestamps_round_trip() {
        let now = DateTime::from_timestamp(1_700_000_000, 123_000_000).unwrap();
        assert_eq!(instant(&timestamp(now)), Some(now));
    }
}
