//! Safety alarm devices and their evidenced tests.

use chrono::{DateTime, NaiveDate, Utc};
use hl_eventstore::Aggregate;
use hl_eventstore::EventMeta;
use hl_proto::hazards::v1::{AlarmDeviceKind, AlarmTestResult};
use hl_readmodel::{
    Commit, OnConflict, Position, ReadModel, TableSpec, columns, fold_rows, table, write_rows,
};
use sqlx::AnyConnection;

use crate::domain::alarm_device::{AlarmDevice, AlarmDeviceEvent, next_test_due};
use hl_domain::clock::local_date;

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct DeviceRow {
        pub device_id: String,
        pub enterprise_id: String,
        pub kind: AlarmDeviceKind,
        pub location: String,
        pub test_interval_days: u32,
        pub registered_on: NaiveDate,
        pub registered_at: DateTime<Utc>,
        /// The enterprise's word at registration; not a test.
        pub claimed_last_tested_on: Option<NaiveDate>,
        pub retired_at: Option<DateTime<Utc>>,
        pub event_id: String,
    }
}
table!(
    DeviceRow,
    "alarm_devices",
    key(device_id),
    index(enterprise_id)
);

columns! {
    /// One evidenced test.
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct DeviceTestRow {
        pub device_id: String,
        /// Orders the tests of a device: stream sequence × 1000 + place in the commit.
        pub sequence: u64,
        pub tested_on: NaiveDate,
        pub result: AlarmTestResult,
        /// When the test was recorded as happening (business time).
        pub at: DateTime<Utc>,
        pub recorded_at: DateTime<Utc>,
        pub event_id: String,
    }
}
table!(
    DeviceTestRow,
    "alarm_device_tests",
    key(device_id, sequence),
    index(at)
);

impl DeviceRow {
    /// The result of `last`, its last evidenced test (none without one), and the day its next
    /// test is due: the domain's rule, read from the rows.
    pub fn next_test(&self, last: Option<&DeviceTestRow>) -> (AlarmTestResult, Option<NaiveDate>) {
        let result = last.map_or(AlarmTestResult::Unspecified, |test| test.result);
        let due = next_test_due(
            last.map(|test| test.tested_on),
            result,
            self.test_interval_days,
            Some(self.registered_on),
        );
        (result, due)
    }
}

pub struct DeviceModel;

impl ReadModel for DeviceModel {
    type Event = AlarmDeviceEvent;
    const CONTEXT: &'static str = crate::domain::CONTEXT;
    const AGGREGATE_TYPE: &'static str = AlarmDevice::AGGREGATE_TYPE;

    fn tables(&self) -> Vec<TableSpec> {
        vec![
            TableSpec::of::<DeviceRow>(),
            TableSpec::of::<DeviceTestRow>(),
        ]
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        commits: Vec<Commit<AlarmDeviceEvent>>,
    ) -> Result<(), sqlx::Error> {
        let mut tests = Vec::new();
        fold_rows(
            connection,
            generation,
            &commits,
            |row: &mut DeviceRow, event, meta, position| {
                fold_device(row, &mut tests, event, meta, position)
            },
        )
        .await?;
        write_rows(connection, generation, &tests, OnConflict::Keep).await
    }
}

/// A device's row and its evidenced tests after one event: the read model's fold, also used by
/// tests that judge a device without a database.
pub fn fold_device(
    row: &mut DeviceRow,
    tests: &mut Vec<DeviceTestRow>,
    event: &AlarmDeviceEvent,
    meta: &EventMeta,
    position: Position,
) {
    match event {
        AlarmDeviceEvent::Registered(registered) => {
            *row = DeviceRow {
                device_id: registered.device_id.clone(),
                enterprise_id: registered.enterprise_id.clone(),
                kind: registered.kind(),
                location: registered.location.clone(),
                test_interval_days: registered.test_interval_days,
                registered_on: local_date(meta.occurred_at),
                registered_at: meta.occurred_at,
                claimed_last_tested_on: registered.last_tested_on.and_then(|date| date.to_naive()),
                ..DeviceRow::default()
            };
        }
        AlarmDeviceEvent::Tested(tested) => tests.push(DeviceTestRow {
            device_id: meta.aggregate_id.clone(),
            sequence: position.sequence * 1000 + position.index,
            tested_on: tested
                .tested_on
                .and_then(|date| date.to_naive())
                .unwrap_or_default(),
            result: tested.result(),
            at: meta.occurred_at,
            recorded_at: meta.recorded_at,
            event_id: meta.event_id.clone(),
        }),
        AlarmDeviceEvent::Retired(_) => row.retired_at = Some(meta.occurred_at),
    }
    row.event_id = meta.event_id.clone();
}
