//! The AlarmDevice aggregate: a safety alarm (e.g. 氨气浓度报警器 at an ammonia cold store) and
//! its annual test. An untested or failed device can itself be a major hazard (判定标准 Art. 14),
//! so the next test date and whether it has passed are what the reconciliation watches.
//!
//! Only an evidenced test counts: a test result names the testing organisation and carries the
//! report's hash, the interval comes from rule data, and a last test date given at registration
//! is recorded as the enterprise's claim, not as a pass. A device that failed, or was never
//! tested with evidence, is retired only by the government side, which so accepts it.

use chrono::{DateTime, NaiveDate, Utc};
use hl_directory::Standing;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::common::v1::EvidenceRef;
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::AlarmTestResult;
use serde::{Deserialize, Serialize};

use super::access::{is_government_side, is_system_covering, require_enterprise_or_government};
use super::clock::{add_days, is_past, local_date};
use super::{DomainError, rules};

pub use hl_proto::hazard_events::AlarmDeviceEvent;

#[derive(Clone, Debug, PartialEq)]
pub enum AlarmDeviceCommand {
    Register {
        /// What the registry says of the enterprise on the day.
        enterprise: Standing,
        region: String,
        kind: pb::AlarmDeviceKind,
        location: String,
        /// The last test the enterprise says the device had: recorded as its claim.
        claimed_last_tested_on: Option<NaiveDate>,
    },
    RecordTest {
        tested_on: NaiveDate,
        result: AlarmTestResult,
        certificate_number: String,
        /// The testing organisation.
        tester: String,
        /// The test report, by its hash.
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
    /// The enterprise's word at registration; not a test.
    pub claimed_last_tested_on: Option<NaiveDate>,
    /// The last evidenced test.
    pub last_tested_on: Option<NaiveDate>,
    pub last_result: AlarmTestResult,
    pub last_certificate_number: String,
    pub retired: bool,
}

impl AlarmDevice {
    pub fn exists(&self) -> bool {
        !self.device_id.is_empty()
    }

    /// The day the next test is due: the interval after a passed test; at once after a failed
    /// test or when the device has no evidenced test at all.
    pub fn next_test_due(&self) -> Option<NaiveDate> {
        next_test_due(
            self.last_tested_on,
            self.last_result,
            self.test_interval_days,
            self.registered_on,
        )
    }

    /// Failed its last test, or past the next test date, and still in service.
    pub fn is_overdue(&self, as_of: DateTime<Utc>) -> bool {
        if self.retired {
            return false;
        }
        self.last_result == AlarmTestResult::Fail
            || self.next_test_due().is_some_and(|due| is_past(due, as_of))
    }

    /// Passed its last evidenced test.
    fn in_good_order(&self) -> bool {
        self.last_result == AlarmTestResult::Pass
    }

    fn record_test(
        &self,
        tested_on: NaiveDate,
        result: AlarmTestResult,
        certificate_number: &str,
        tester: &str,
        evidence: &[EvidenceRef],
        context: &CommandContext,
    ) -> Result<Vec<AlarmDeviceEvent>, DomainError> {
        if tested_on > local_date(context.occurred_at) {
            return Err(DomainError::invalid("tested_on", "lies in the future"));
        }
        if let Some(last) = self.last_tested_on
            && tested_on < last
        {
            return Err(DomainError::invalid(
                "tested_on",
                format!("is before the last recorded test on {last}"),
            ));
        }
        if tester.trim().is_empty() {
            return Err(DomainError::invalid(
                "tester",
                "a test result names the testing organisation",
            ));
        }
        if evidence.is_empty() {
            return Err(DomainError::invalid(
                "evidence",
                "a test result carries the test report, by its SHA-256",
            ));
        }
        Ok(vec![AlarmDeviceEvent::Tested(pb::AlarmDeviceTested {
            device_id: self.device_id.clone(),
            tested_on: Some(tested_on.into()),
            result: result as i32,
            certificate_number: certificate_number.to_string(),
            tester: tester.to_string(),
            evidence: evidence.to_vec(),
        })])
    }

    fn retire(
        &self,
        reason: &str,
        context: &CommandContext,
    ) -> Result<Vec<AlarmDeviceEvent>, DomainError> {
        if !self.in_good_order() && !is_government_side(&context.actor) {
            return Err(DomainError::forbidden(
                reasons::DEVICE_RETIREMENT_NEEDS_GOVERNMENT,
                "a device that failed its test, or has no evidenced test, is retired only with the government's acceptance",
            ));
        }
        Ok(vec![AlarmDeviceEvent::Retired(pb::AlarmDeviceRetired {
            device_id: self.device_id.clone(),
            reason: reason.to_string(),
        })])
    }
}

/// When the next test of a device is due, from its last evidenced test (one rule for the domain
/// and the read model).
pub fn next_test_due(
    last_tested_on: Option<NaiveDate>,
    last_result: AlarmTestResult,
    interval_days: u32,
    registered_on: Option<NaiveDate>,
) -> Option<NaiveDate> {
    match (last_tested_on, last_result) {
        (Some(tested), AlarmTestResult::Fail) => Some(tested),
        (Some(tested), _) => Some(add_days(tested, u64::from(interval_days))),
        (None, _) => registered_on,
    }
}

fn register(
    enterprise: &Standing,
    region: &str,
    kind: pb::AlarmDeviceKind,
    location: &str,
    claimed_last_tested_on: Option<NaiveDate>,
    context: &CommandContext,
) -> Result<Vec<AlarmDeviceEvent>, DomainError> {
    let enterprise_id = &enterprise.enterprise_id;
    require_enterprise_or_government(
        &context.actor,
        enterprise_id,
        region,
        "register an alarm device",
    )?;
    enterprise.require_open()?;
    let today = local_date(context.occurred_at);
    if claimed_last_tested_on.is_some_and(|tested| tested > today) {
        return Err(DomainError::invalid("last_tested_on", "lies in the future"));
    }
    Ok(vec![AlarmDeviceEvent::Registered(
        pb::AlarmDeviceRegistered {
            device_id: context.aggregate_id.clone(),
            enterprise_id: enterprise_id.clone(),
            kind: kind as i32,
            location: location.to_string(),
            test_interval_days: rules::HAZARDS
                .in_force(today)
                .rules
                .alarm_test_interval_days,
            last_tested_on: claimed_last_tested_on.map(Into::into),
        },
    )])
}

impl Aggregate for AlarmDevice {
    type Event = AlarmDeviceEvent;
    type Command = AlarmDeviceCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "alarm_device";
    const COLLECTION: &'static str = "alarmDevices";
    /// 2: the registration's test date became a claim.
    const SNAPSHOT_VERSION: u32 = 2;

    /// Another enterprise does not learn whether this enterprise's records exist.
    fn known_to(&self, actor: &hl_proto::common::v1::Actor) -> bool {
        hl_domain::access::may_know_of(actor, &self.enterprise_id)
    }

    fn expects(command: &AlarmDeviceCommand) -> Expects {
        match command {
            AlarmDeviceCommand::Register { .. } => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &AlarmDeviceCommand,
        context: &CommandContext,
    ) -> Result<Vec<AlarmDeviceEvent>, DomainError> {
        if let AlarmDeviceCommand::Register {
            enterprise,
            region,
            kind,
            location,
            claimed_last_tested_on,
        } = command
        {
            return register(
                enterprise,
                region,
                *kind,
                location,
                *claimed_last_tested_on,
                context,
            );
        }
        let sensor_reading = matches!(command, AlarmDeviceCommand::RecordTest { .. })
            && is_system_covering(&context.actor, &self.region);
        if !sensor_reading {
            require_enterprise_or_government(
                &context.actor,
                &self.enterprise_id,
                &self.region,
                "act on an alarm device",
            )?;
        }
        if self.retired {
            return Err(DomainError::precondition(
                reasons::ALARM_DEVICE_RETIRED,
                "the device is retired",
            ));
        }
        match command {
            AlarmDeviceCommand::Register { .. } => unreachable!("handled above"),
            AlarmDeviceCommand::RecordTest {
                tested_on,
                result,
                certificate_number,
                tester,
                evidence,
            } => self.record_test(
                *tested_on,
                *result,
                certificate_number,
                tester,
                evidence,
                context,
            ),
            AlarmDeviceCommand::Retire { reason } => self.retire(reason, context),
        }
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
                self.claimed_last_tested_on =
                    registered.last_tested_on.and_then(|date| date.to_naive());
            }
            AlarmDeviceEvent::Tested(tested) => {
                self.last_tested_on = tested.tested_on.and_then(|date| date.to_naive());
                self.last_result = tested.result();
                self.last_certificate_number = tested.certificate_number.clone();
            }
            AlarmDeviceEvent::Retired(_) => self.retired = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use hl_eventstore::Given;

    use super::*;
    use crate::domain::access::test_actors::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn now() -> DateTime<Utc> {
        at("2023-03-01T02:00:00Z")
    }

    fn register(claimed: Option<&str>) -> AlarmDeviceCommand {
        AlarmDeviceCommand::Register {
            enterprise: Standing::registered(ENTERPRISE, Default::default()),
            region: "330903".into(),
            kind: pb::AlarmDeviceKind::AmmoniaConcentration,
            location: "machine room".into(),
            claimed_last_tested_on: claimed.map(day),
        }
    }

    fn test(on: &str, result: AlarmTestResult) -> AlarmDeviceCommand {
        AlarmDeviceCommand::RecordTest {
            tested_on: day(on),
            result,
            certificate_number: "C-1".into(),
            tester: "Zhoushan testing centre".into(),
            evidence: vec![EvidenceRef {
                sha256: "ab".repeat(32),
                ..EvidenceRef::default()
            }],
        }
    }

    fn registered(claimed: Option<&str>) -> Given<AlarmDevice> {
        Given::<AlarmDevice>::new("dev-1").given(&register(claimed), &enterprise(), now())
    }

    fn refused(
        device: &Given<AlarmDevice>,
        command: AlarmDeviceCommand,
        actor: hl_proto::common::v1::Actor,
    ) -> &'static str {
        device.when(&command, &actor, now()).unwrap_err().reason()
    }

    #[test]
    fn a_passed_test_is_due_again_after_the_rule_interval() {
        let device = registered(None);
        assert_eq!(device.test_interval_days, 365);
        let tested = device.given(
            &test("2023-02-28", AlarmTestResult::Pass),
            &inspector(),
            now(),
        );
        assert_eq!(tested.next_test_due(), Some(day("2024-02-28")));
        assert!(!tested.is_overdue(at("2023-03-01T03:00:00Z")));
        assert!(tested.is_overdue(at("2024-02-29T03:00:00Z")));
    }

    #[test]
    fn a_test_date_claimed_at_registration_is_not_a_pass() {
        let device = registered(Some("2023-02-15"));
        assert_eq!(device.claimed_last_tested_on, Some(day("2023-02-15")));
        assert_eq!(device.next_test_due(), Some(day("2023-03-01")));
        assert!(device.is_overdue(at("2023-03-02T00:00:00Z")));
    }

    #[test]
    fn a_failed_or_missing_test_is_overdue_at_once_and_retired_only_by_the_government() {
        let untested = registered(None);
        assert!(untested.is_overdue(at("2023-03-02T00:00:00Z")));
        let failed = untested.given(
            &test("2023-03-01", AlarmTestResult::Fail),
            &enterprise(),
            now(),
        );
        assert!(failed.is_overdue(at("2023-03-01T03:00:00Z")));
        let retire = AlarmDeviceCommand::Retire {
            reason: "replaced".into(),
        };
        assert_eq!(
            refused(&failed, retire.clone(), enterprise()),
            "DEVICE_RETIREMENT_NEEDS_GOVERNMENT"
        );
        let retired = failed.given(&retire, &inspector(), now());
        assert!(!retired.is_overdue(at("2023-03-02T00:00:00Z")));
        // A device in good order the enterprise retires itself.
        let passed = registered(None).given(
            &test("2023-02-28", AlarmTestResult::Pass),
            &enterprise(),
            now(),
        );
        assert!(passed.when(&retire, &enterprise(), now()).is_ok());
    }

    #[test]
    fn a_test_result_needs_the_report_and_the_testing_organisation() {
        let device = registered(None);
        let mut without_report = test("2023-02-28", AlarmTestResult::Pass);
        if let AlarmDeviceCommand::RecordTest { evidence, .. } = &mut without_report {
            evidence.clear();
        }
        assert_eq!(
            refused(&device, without_report, enterprise()),
            "INVALID_ARGUMENT"
        );
        let mut without_tester = test("2023-02-28", AlarmTestResult::Pass);
        if let AlarmDeviceCommand::RecordTest { tester, .. } = &mut without_tester {
            tester.clear();
        }
        assert_eq!(
            refused(&device, without_tester, enterprise()),
            "INVALID_ARGUMENT"
        );
    }

    #[test]
    fn tests_are_refused_out_of_order_in_the_future_or_after_retirement() {
        let device = registered(None).given(
            &test("2023-02-01", AlarmTestResult::Pass),
            &enterprise(),
            now(),
        );
        assert_eq!(
            refused(
                &device,
                test("2023-01-01", AlarmTestResult::Pass),
                enterprise()
            ),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            refused(
                &device,
                test("2023-04-01", AlarmTestResult::Pass),
                enterprise()
            ),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            refused(
                &device,
                test("2023-02-20", AlarmTestResult::Pass),
                other_enterprise()
            ),
            "NOT_FOUND"
        );
        assert_eq!(
            refused(&device, register(None), enterprise()),
            "ALREADY_EXISTS"
        );
        let retired = device.given(
            &AlarmDeviceCommand::Retire { reason: "r".into() },
            &enterprise(),
            now(),
        );
        assert_eq!(
            refused(
                &retired,
                test("2023-02-20", AlarmTestResult::Pass),
                enterprise()
            ),
            "ALARM_DEVICE_RETIRED"
        );
        assert_eq!(
            refused(
                &Given::<AlarmDevice>::new("dev-2"),
                test("2023-02-20", AlarmTestResult::Pass),
                enterprise()
            ),
            "NOT_FOUND"
        );
    }
}
