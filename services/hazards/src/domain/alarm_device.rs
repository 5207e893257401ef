//! The AlarmDevice aggregate: a safety alarm (e.g. 氨气浓度报警器 at an ammonia cold store) and
//! its annual test. An untested or failed device can itself be a major hazard (判定标准 Art. 14),
//! so the next test date and whether it has passed are what the reconciliation watches.

use chrono::{DateTime, NaiveDate, Utc};
use hl_eventstore::{Aggregate, CommandContext, EventMeta};
use hl_proto::common::v1::EvidenceRef;
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::AlarmTestResult;
use serde::{Deserialize, Serialize};

use super::access::require_enterprise_or_government;
use super::clock::{add_days, is_past, local_date};
use super::{DomainError, EnterpriseStanding, rules};

pub use hl_proto::hazard_events::AlarmDeviceEvent;

#[derive(Clone, Debug, PartialEq)]
pub enum AlarmDeviceCommand {
    Register {
        enterprise_id: String,
        enterprise_standing: EnterpriseStanding,
        region: String,
        kind: pb::AlarmDeviceKind,
        location: String,
        /// 0: the rule version's default.
        test_interval_days: u32,
        last_tested_on: Option<NaiveDate>,
    },
    RecordTest {
        tested_on: NaiveDate,
        result: AlarmTestResult,
        certificate_number: String,
        tester: String,
        evidence: Vec<EvidenceRef>,
    },
    Retire {
        reason: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AlarmDevice {
    pub device_id: String,
    pub enterprise_id: String,
    pub region: String,
    pub kind: pb::AlarmDeviceKind,
    pub location: String,
    pub test_interval_days: u32,
    pub registered_on: Option<NaiveDate>,
    pub last_tested_on: Option<NaiveDate>,
    pub last_result: AlarmTestResult,
    pub last_certificate_number: String,
    pub retired: bool,
}

impl AlarmDevice {
    pub fn exists(&self) -> bool {
        !self.device_id.is_empty()
    }

    /// The day the next test is due: a year (the interval) after a passed test; at once after a
    /// failed test or when the device has never been tested.
    pub fn next_test_due(&self) -> Option<NaiveDate> {
        match (self.last_tested_on, self.last_result) {
            (Some(tested), AlarmTestResult::Fail) => Some(tested),
            (Some(tested), _) => Some(add_days(tested, u64::from(self.test_interval_days))),
            (None, _) => self.registered_on,
        }
    }

    /// Failed its last test, or past the next test date, and still in service.
    pub fn is_overdue(&self, as_of: DateTime<Utc>) -> bool {
        if self.retired {
            return false;
        }
        self.last_result == AlarmTestResult::Fail
            || self.next_test_due().is_some_and(|due| is_past(due, as_of))
    }
}

impl Aggregate for AlarmDevice {
    type Event = AlarmDeviceEvent;
    type Command = AlarmDeviceCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "alarm_device";

    fn decide(
        &self,
        command: &AlarmDeviceCommand,
        context: &CommandContext,
    ) -> Result<Vec<AlarmDeviceEvent>, DomainError> {
        let actor = &context.actor;
        let today = local_date(context.occurred_at);
        if let AlarmDeviceCommand::Register {
            enterprise_id,
            enterprise_standing,
            region,
            kind,
            location,
            test_interval_days,
            last_tested_on,
        } = command
        {
            if self.exists() {
                return Err(DomainError::AlreadyExists(format!(
                    "alarmDevices/{}",
                    context.aggregate_id
                )));
            }
            require_enterprise_or_government(
                actor,
                enterprise_id,
                region,
                "register an alarm device",
            )?;
            enterprise_standing.require_open(enterprise_id)?;
            if last_tested_on.is_some_and(|tested| tested > today) {
                return Err(DomainError::invalid("last_tested_on", "lies in the future"));
            }
            let interval = if *test_interval_days == 0 {
                rules::in_force(today).alarm_test_interval_days
            } else {
                *test_interval_days
            };
            return Ok(vec![AlarmDeviceEvent::Registered(
                pb::AlarmDeviceRegistered {
                    device_id: context.aggregate_id.clone(),
                    enterprise_id: enterprise_id.clone(),
                    kind: *kind as i32,
                    location: location.clone(),
                    test_interval_days: interval,
                    last_tested_on: last_tested_on.map(Into::into),
                },
            )]);
        }
        if !self.exists() {
            return Err(DomainError::NotFound(format!(
                "alarmDevices/{}",
                context.aggregate_id
            )));
        }
        require_enterprise_or_government(
            actor,
            &self.enterprise_id,
            &self.region,
            "act on an alarm device",
        )?;
        if self.retired {
            return Err(DomainError::precondition(
                "ALARM_DEVICE_RETIRED",
                "the device is retired",
            ));
        }
        let events = match command {
            AlarmDeviceCommand::Register { .. } => unreachable!("handled above"),
            AlarmDeviceCommand::RecordTest {
                tested_on,
                result,
                certificate_number,
                tester,
                evidence,
            } => {
                if *tested_on > today {
                    return Err(DomainError::invalid("tested_on", "lies in the future"));
                }
                if let Some(last) = self.last_tested_on
                    && *tested_on < last
                {
                    return Err(DomainError::invalid(
                        "tested_on",
                        format!("is before the last recorded test on {last}"),
                    ));
                }
                vec![AlarmDeviceEvent::Tested(pb::AlarmDeviceTested {
                    device_id: self.device_id.clone(),
                    tested_on: Some((*tested_on).into()),
                    result: *result as i32,
                    certificate_number: certificate_number.clone(),
                    tester: tester.clone(),
                    evidence: evidence.clone(),
                })]
            }
            AlarmDeviceCommand::Retire { reason } => {
                vec![AlarmDeviceEvent::Retired(pb::AlarmDeviceRetired {
                    device_id: self.device_id.clone(),
                    reason: reason.clone(),
                })]
            }
        };
        Ok(events)
    }

    fn apply(&mut self, event: &AlarmDeviceEvent, meta: &EventMeta) {
        match event {
            AlarmDeviceEvent::Registered(registered) => {
                self.device_id = registered.device_id.clone();
                self.enterprise_id = registered.enterprise_id.clone();
                self.region = meta.region.clone();
                self.kind = registered.kind();
                self.location = registered.location.clone();
                self.test_interval_days = registered.test_interval_days;
                self.registered_on = Some(local_date(meta.occurred_at));
                self.last_tested_on = registered
                    .last_tested_on
                    .as_ref()
                    .and_then(|date| date.to_naive());
                if self.last_tested_on.is_some() {
                    self.last_result = AlarmTestResult::Pass;
                }
            }
            AlarmDeviceEvent::Tested(tested) => {
                self.last_tested_on = tested.tested_on.as_ref().and_then(|date| date.to_naive());
                self.last_result = tested.result();
                self.last_certificate_number = tested.certificate_number.clone();
            }
            AlarmDeviceEvent::Retired(_) => self.retired = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::test_actors::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn step(
        mut device: AlarmDevice,
        command: AlarmDeviceCommand,
        actor: hl_proto::common::v1::Actor,
    ) -> AlarmDevice {
        let now = at("2023-03-01T02:00:00Z");
        for event in device
            .decide(&command, &CommandContext::new("dev-1", actor.clone(), now))
            .unwrap()
        {
            device.apply(
                &event,
                &EventMeta {
                    region: "330903".into(),
                    ..EventMeta::at(now, actor.clone())
                },
            );
        }
        device
    }

    fn register(last_tested_on: Option<&str>) -> AlarmDeviceCommand {
        AlarmDeviceCommand::Register {
            enterprise_id: ENTERPRISE.into(),
            enterprise_standing: EnterpriseStanding::Registered,
            region: "330903".into(),
            kind: pb::AlarmDeviceKind::AmmoniaConcentration,
            location: "machine room".into(),
            test_interval_days: 0,
            last_tested_on: last_tested_on.map(day),
        }
    }

    fn test(on: &str, result: AlarmTestResult) -> AlarmDeviceCommand {
        AlarmDeviceCommand::RecordTest {
            tested_on: day(on),
            result,
            certificate_number: "C-1".into(),
            tester: "lab".into(),
            evidence: vec![],
        }
    }

    #[test]
    fn a_passed_test_is_due_again_a_year_later() {
        let device = step(
            AlarmDevice::default(),
            register(Some("2022-02-15")),
            enterprise(),
        );
        assert_eq!(device.test_interval_days, 365);
        assert_eq!(device.next_test_due(), Some(day("2023-02-15")));
        assert!(device.is_overdue(at("2023-03-01T00:00:00Z")));
        let tested = step(
            device,
            test("2023-02-28", AlarmTestResult::Pass),
            inspector(),
        );
        assert_eq!(tested.next_test_due(), Some(day("2024-02-28")));
        assert!(!tested.is_overdue(at("2023-03-01T00:00:00Z")));
    }

    #[test]
    fn a_failed_or_missing_test_is_overdue_at_once() {
        let untested = step(AlarmDevice::default(), register(None), enterprise());
        assert_eq!(untested.next_test_due(), Some(day("2023-03-01")));
        assert!(untested.is_overdue(at("2023-03-02T00:00:00Z")));
        let failed = step(
            untested,
            test("2023-03-01", AlarmTestResult::Fail),
            enterprise(),
        );
        assert!(failed.is_overdue(at("2023-03-01T03:00:00Z")));
        let retired = step(
            failed,
            AlarmDeviceCommand::Retire {
                reason: "replaced".into(),
            },
            enterprise(),
        );
        assert!(!retired.is_overdue(at("2023-03-02T00:00:00Z")));
    }

    #[test]
    fn tests_are_refused_out_of_order_in_the_future_or_after_retirement() {
        let now = at("2023-03-01T02:00:00Z");
        let device = step(
            AlarmDevice::default(),
            register(Some("2022-02-15")),
            enterprise(),
        );
        let decide = |device: &AlarmDevice, command: AlarmDeviceCommand, actor| {
            device
                .decide(&command, &CommandContext::new("dev-1", actor, now))
                .unwrap_err()
                .reason()
        };
        assert_eq!(
            decide(
                &device,
                test("2022-01-01", AlarmTestResult::Pass),
                enterprise()
            ),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            decide(
                &device,
                test("2023-04-01", AlarmTestResult::Pass),
                enterprise()
            ),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            decide(
                &device,
                test("2023-02-20", AlarmTestResult::Pass),
                other_enterprise()
            ),
            "OTHER_ENTERPRISE"
        );
        assert_eq!(
            decide(&device, register(None), enterprise()),
            "ALREADY_EXISTS"
        );
        let retired = step(
            device,
            AlarmDeviceCommand::Retire { reason: "r".into() },
            enterprise(),
        );
        assert_eq!(
            decide(
                &retired,
                test("2023-02-20", AlarmTestResult::Pass),
                enterprise()
            ),
            "ALARM_DEVICE_RETIRED"
        );
        assert_eq!(
            decide(
                &AlarmDevice::default(),
                test("2023-02-20", AlarmTestResult::Pass),
                enterprise()
            ),
            "NOT_FOUND"
        );
    }
}
