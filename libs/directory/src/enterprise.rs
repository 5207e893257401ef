//! The Enterprise aggregate: identified by its unified social credit code, with details that
//! change on effective dates (so "which township was it in on 2023-02-01" has an answer) and a
//! lifecycle `Registered → Active ⇄ Suspended → Closed`.
//!
//! Each change records only the fields it changes. The details on a day are every change
//! effective by that day, applied in order of effective date, so a correction entered late
//! (effective in the past) composes with the changes around it.

use chrono::{DateTime, NaiveDate, Utc};
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::EnterpriseStatus;
use serde::{Deserialize, Serialize};

use hl_domain::DomainError;
use hl_domain::access::require_registrar;
use hl_domain::reasons;

pub use hl_proto::registry_events::EnterpriseEvent;

/// Every field of the details, in the order of the message.
pub const DETAIL_FIELDS: &[&str] = &[
    "display_name",
    "address",
    "township_code",
    "village_code",
    "grid_cell_id",
    "industries",
    "scale",
    "standardisation_grade",
    "risk_colour",
    "self_check_required",
    "self_check_frequency",
    "chemical_registration_code",
];

/// Copies the named fields from `source` into `target`. Unknown names are ignored; the API
/// refuses them before they get here.
pub fn copy_detail_fields(
    target: &mut pb::EnterpriseDetails,
    source: &pb::EnterpriseDetails,
    fields: &[String],
) {
    for field in fields {
        match field.as_str() {
            "display_name" => target.display_name = source.display_name.clone(),
            "address" => target.address = source.address.clone(),
            "township_code" => target.township_code = source.township_code.clone(),
            "village_code" => target.village_code = source.village_code.clone(),
            "grid_cell_id" => target.grid_cell_id = source.grid_cell_id.clone(),
            "industries" => target.industries = source.industries.clone(),
            "scale" => target.scale = source.scale,
            "standardisation_grade" => target.standardisation_grade = source.standardisation_grade,
            "risk_colour" => target.risk_colour = source.risk_colour,
            "self_check_required" => target.self_check_required = source.self_check_required,
            "self_check_frequency" => target.self_check_frequency = source.self_check_frequency,
            "chemical_registration_code" => {
                target.chemical_registration_code = source.chemical_registration_code.clone()
            }
            _ => {}
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum EnterpriseCommand {
    Register {
        details: pb::EnterpriseDetails,
        effective_from: NaiveDate,
        activate: bool,
    },
    /// The named fields take the values in `update` from `effective_from` on.
    UpdateDetails {
        update: pb::EnterpriseDetails,
        fields: Vec<String>,
        effective_from: NaiveDate,
    },
    ChangeStatus {
        status: EnterpriseStatus,
        reason: String,
        effective_from: NaiveDate,
    },
}

/// One change of the details.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetailsVersion {
    pub effective_from: NaiveDate,
    /// The new values of `changed_fields`; other fields mean nothing.
    pub changes: pb::EnterpriseDetails,
    pub changed_fields: Vec<String>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusVersion {
    pub effective_from: NaiveDate,
    pub status: EnterpriseStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Enterprise {
    pub enterprise_id: String,
    pub region: String,
    pub registered_from: Option<NaiveDate>,
    pub registered_at: Option<DateTime<Utc>>,
    /// Ordered by effective date; changes with the same date in the order they were recorded.
    pub versions: Vec<DetailsVersion>,
    /// Ordered by effective date.
    pub statuses: Vec<StatusVersion>,
}

impl Enterprise {
    pub fn exists(&self) -> bool {
        !self.enterprise_id.is_empty()
    }

    /// The details in force on a day: every change effective by then, in order.
    pub fn details_as_of(&self, day: NaiveDate) -> pb::EnterpriseDetails {
        let mut details = pb::EnterpriseDetails::default();
        for version in self
            .versions
            .iter()
            .take_while(|version| version.effective_from <= day)
        {
            copy_detail_fields(&mut details, &version.changes, &version.changed_fields);
        }
        details
    }

    /// The date of the latest change in force on a day.
    pub fn details_effective_from(&self, day: NaiveDate) -> Option<NaiveDate> {
        self.versions
            .iter()
            .take_while(|version| version.effective_from <= day)
            .last()
            .map(|version| version.effective_from)
    }

    /// The status on a day; Unspecified before the registration took effect.
    pub fn status_as_of(&self, day: NaiveDate) -> EnterpriseStatus {
        self.statuses
            .iter()
            .take_while(|version| version.effective_from <= day)
            .last()
            .map(|version| version.status)
            .unwrap_or(EnterpriseStatus::Unspecified)
    }

    fn latest_status(&self) -> Option<&StatusVersion> {
        self.statuses.last()
    }

    fn name(&self) -> String {
        format!("enterprises/{}", self.enterprise_id)
    }
}

/// Whether the lifecycle allows going from one status to another.
fn allowed(from: EnterpriseStatus, to: EnterpriseStatus) -> bool {
    use EnterpriseStatus as S;
    matches!(
        (from, to),
        (S::Registered, S::Active)
            | (S::Active, S::Suspended)
            | (S::Suspended, S::Active)
            | (S::Registered | S::Active | S::Suspended, S::Closed)
    )
}

fn status_name(status: EnterpriseStatus) -> &'static str {
    status
        .as_str_name()
        .trim_start_matches("ENTERPRISE_STATUS_")
}

fn register(
    details: &pb::EnterpriseDetails,
    effective_from: NaiveDate,
    activate: bool,
    context: &CommandContext,
) -> Result<Vec<EnterpriseEvent>, DomainError> {
    require_registrar(
        &context.actor,
        &details.township_code,
        "register an enterprise",
    )?;
    let enterprise_id = context.aggregate_id.clone();
    let mut events = vec![EnterpriseEvent::Registered(pb::EnterpriseRegistered {
        enterprise_id: enterprise_id.clone(),
        details: Some(details.clone()),
        effective_from: Some(effective_from.into()),
    })];
    if activate {
        events.push(EnterpriseEvent::StatusChanged(
            pb::EnterpriseStatusChanged {
                enterprise_id,
                status: EnterpriseStatus::Active as i32,
                previous_status: EnterpriseStatus::Registered as i32,
                reason: "registered as active".to_string(),
                effective_from: Some(effective_from.into()),
            },
        ));
    }
    Ok(events)
}

impl Enterprise {
    fn require_not_closed(&self) -> Result<(), DomainError> {
        if self
            .latest_status()
            .is_some_and(|status| status.status == EnterpriseStatus::Closed)
        {
            return Err(DomainError::precondition(
                reasons::ENTERPRISE_CLOSED,
                format!("{} is closed", self.name()),
            ));
        }
        Ok(())
    }

    fn update_details(
        &self,
        update: &pb::EnterpriseDetails,
        fields: &[String],
        effective_from: NaiveDate,
        context: &CommandContext,
    ) -> Result<Vec<EnterpriseEvent>, DomainError> {
        let actor = &context.actor;
        let today = hl_domain::clock::local_date(context.now);
        let current = self.details_as_of(today.max(effective_from));
        require_registrar(
            actor,
            &current.township_code,
            "change an enterprise's details",
        )?;
        if fields.iter().any(|field| field == "township_code") {
            require_registrar(
                actor,
                &update.township_code,
                "move an enterprise into a township",
            )?;
        }
        self.require_not_closed()?;
        if let Some(registered) = self.registered_from
            && effective_from < registered
        {
            return Err(DomainError::invalid(
                "effective_from",
                format!("is before the registration took effect ({registered})"),
            ));
        }
        let before = self.details_as_of(effective_from);
        let mut after = before.clone();
        copy_detail_fields(&mut after, update, fields);
        if after == before {
            return Ok(Vec::new());
        }
        Ok(vec![EnterpriseEvent::DetailsChanged(
            pb::EnterpriseDetailsChanged {
                enterprise_id: self.enterprise_id.clone(),
                details: Some(update.clone()),
                changed_fields: fields.to_vec(),
                effective_from: Some(effective_from.into()),
            },
        )])
    }

    fn change_status(
        &self,
        status: EnterpriseStatus,
        reason: &str,
        effective_from: NaiveDate,
        context: &CommandContext,
    ) -> Result<Vec<EnterpriseEvent>, DomainError> {
        let today = hl_domain::clock::local_date(context.now);
        let township = self.details_as_of(today).township_code;
        require_registrar(&context.actor, &township, "change an enterprise's status")?;
        let latest = self
            .latest_status()
            .expect("a registered enterprise has a status");
        if latest.status == status {
            return Ok(Vec::new());
        }
        self.require_not_closed()?;
        if !allowed(latest.status, status) {
            return Err(DomainError::precondition(
                reasons::ENTERPRISE_STATUS_TRANSITION,
                format!(
                    "an enterprise goes from {} to {} only by way of the lifecycle",
                    status_name(latest.status),
                    status_name(status)
                ),
            ));
        }
        if effective_from < latest.effective_from {
            return Err(DomainError::invalid(
                "effective_from",
                format!(
                    "is before the last status change ({})",
                    latest.effective_from
                ),
            ));
        }
        Ok(vec![EnterpriseEvent::StatusChanged(
            pb::EnterpriseStatusChanged {
                enterprise_id: self.enterprise_id.clone(),
                status: status as i32,
                previous_status: latest.status as i32,
                reason: reason.to_string(),
                effective_from: Some(effective_from.into()),
            },
        )])
    }
}

impl Aggregate for Enterprise {
    type Event = EnterpriseEvent;
    type Command = EnterpriseCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = crate::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "enterprise";
    const COLLECTION: &'static str = "enterprises";

    /// Another enterprise does not learn whether this enterprise's records exist.
    fn known_to(&self, actor: &hl_proto::common::v1::Actor) -> bool {
        hl_domain::access::may_know_of(actor, &self.enterprise_id)
    }

    fn expects(command: &EnterpriseCommand) -> Expects {
        match command {
            EnterpriseCommand::Register { .. } => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &EnterpriseCommand,
        context: &CommandContext,
    ) -> Result<Vec<EnterpriseEvent>, DomainError> {
        match command {
            EnterpriseCommand::Register {
                details,
                effective_from,
                activate,
            } => register(details, *effective_from, *activate, context),
            EnterpriseCommand::UpdateDetails {
                update,
                fields,
                effective_from,
            } => self.update_details(update, fields, *effective_from, context),
            EnterpriseCommand::ChangeStatus {
                status,
                reason,
                effective_from,
            } => self.change_status(*status, reason, *effective_from, context),
        }
    }

    fn apply(&mut self, event: &EnterpriseEvent, meta: &EventMeta) {
        let date = |date: &Option<hl_proto::common::v1::Date>| {
            date.as_ref()
                .and_then(|date| date.to_naive())
                .unwrap_or_default()
        };
        match event {
            EnterpriseEvent::Registered(registered) => {
                let effective_from = date(&registered.effective_from);
                self.enterprise_id = registered.enterprise_id.clone();
                self.region = meta.region.clone();
                self.registered_from = Some(effective_from);
                self.registered_at = Some(meta.recorded_at);
                self.versions = vec![DetailsVersion {
                    effective_from,
                    changes: registered.details.clone().unwrap_or_default(),
                    changed_fields: DETAIL_FIELDS
                        .iter()
                        .map(|field| field.to_string())
                        .collect(),
                    recorded_at: meta.recorded_at,
                }];
                self.statuses = vec![StatusVersion {
                    effective_from,
                    status: EnterpriseStatus::Registered,
                }];
            }
            EnterpriseEvent::DetailsChanged(changed) => {
                let version = DetailsVersion {
                    effective_from: date(&changed.effective_from),
                    changes: changed.details.clone().unwrap_or_default(),
                    changed_fields: changed.changed_fields.clone(),
                    recorded_at: meta.recorded_at,
                };
                let position = self
                    .versions
                    .partition_point(|existing| existing.effective_from <= version.effective_from);
                self.versions.insert(position, version);
            }
            EnterpriseEvent::StatusChanged(changed) => {
                self.statuses.push(StatusVersion {
                    effective_from: date(&changed.effective_from),
                    status: changed.status(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use hl_domain::Given;
    use hl_domain::access::test_actors::*;
    use hl_proto::common::v1::Actor;
    use hl_proto::responsibility::v1::{Industry, RiskColour};

    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2023-09-01T02:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn details(township: &str) -> pb::EnterpriseDetails {
        pb::EnterpriseDetails {
            display_name: "舟山普陀海鲜冷链有限公司".into(),
            address: "沈家门".into(),
            township_code: township.into(),
            industries: vec![Industry::AmmoniaRefrigeration as i32],
            risk_colour: RiskColour::Yellow as i32,
            self_check_required: true,
            ..Default::default()
        }
    }

    fn decide(
        enterprise: &Given<Enterprise>,
        command: &EnterpriseCommand,
        actor: Actor,
    ) -> Result<Vec<EnterpriseEvent>, DomainError> {
        enterprise.when(command, &actor, now())
    }

    fn step(enterprise: Given<Enterprise>, command: EnterpriseCommand) -> Given<Enterprise> {
        enterprise.given(&command, &administrator(), now())
    }

    fn registered(activate: bool) -> Given<Enterprise> {
        step(
            Given::new(ENTERPRISE),
            EnterpriseCommand::Register {
                details: details("330903001"),
                effective_from: day("2023-01-01"),
                activate,
            },
        )
    }

    fn move_to(township: &str, from: &str) -> EnterpriseCommand {
        EnterpriseCommand::UpdateDetails {
            update: pb::EnterpriseDetails {
                township_code: township.into(),
                ..Default::default()
            },
            fields: vec!["township_code".into()],
            effective_from: day(from),
        }
    }

    fn status(status: EnterpriseStatus, from: &str) -> EnterpriseCommand {
        EnterpriseCommand::ChangeStatus {
            status,
            reason: "r".into(),
            effective_from: day(from),
        }
    }

    #[test]
    fn registering_records_the_details_and_optionally_activates() {
        let enterprise = registered(false);
        assert_eq!(
            enterprise.status_as_of(day("2023-03-01")),
            EnterpriseStatus::Registered
        );
        assert_eq!(
            enterprise.status_as_of(day("2022-12-31")),
            EnterpriseStatus::Unspecified
        );
        assert_eq!(
            enterprise.details_as_of(day("2023-03-01")).township_code,
            "330903001"
        );
        assert_eq!(
            registered(true).status_as_of(day("2023-01-01")),
            EnterpriseStatus::Active
        );
    }

    #[test]
    fn details_answer_for_any_day_even_after_a_late_correction() {
        let mut enterprise = registered(true);
        enterprise = step(enterprise, move_to("330903002", "2023-06-01"));
        let risk = EnterpriseCommand::UpdateDetails {
            update: pb::EnterpriseDetails {
                risk_colour: RiskColour::Red as i32,
                ..Default::default()
            },
            fields: vec!["risk_colour".into()],
            effective_from: day("2023-07-01"),
        };
        enterprise = step(enterprise, risk);
        // Entered in September, effective from March: the move happened earlier than recorded.
        enterprise = step(enterprise, move_to("330903003", "2023-03-01"));
        assert_eq!(
            enterprise.details_as_of(day("2023-02-01")).township_code,
            "330903001"
        );
        assert_eq!(
            enterprise.details_as_of(day("2023-04-01")).township_code,
            "330903003"
        );
        let july = enterprise.details_as_of(day("2023-07-15"));
        assert_eq!(
            (july.township_code.as_str(), july.risk_colour),
            ("330903002", RiskColour::Red as i32)
        );
        assert_eq!(
            enterprise.details_effective_from(day("2023-04-01")),
            Some(day("2023-03-01"))
        );
    }

    #[test]
    fn an_unchanged_update_records_nothing_and_an_early_one_is_refused() {
        let enterprise = registered(true);
        assert!(
            decide(
                &enterprise,
                &move_to("330903001", "2023-05-01"),
                administrator()
            )
            .unwrap()
            .is_empty()
        );
        assert_eq!(
            decide(
                &enterprise,
                &move_to("330903002", "2022-05-01"),
                administrator()
            )
            .unwrap_err()
            .reason(),
            "INVALID_ARGUMENT"
        );
    }

    #[test]
    fn the_lifecycle_allows_only_its_transitions() {
        let registered = registered(false);
        assert_eq!(
            decide(
                &registered,
                &status(EnterpriseStatus::Suspended, "2023-02-01"),
                administrator()
            )
            .unwrap_err()
            .reason(),
            "ENTERPRISE_STATUS_TRANSITION"
        );
        let active = step(registered, status(EnterpriseStatus::Active, "2023-02-01"));
        let suspended = step(active, status(EnterpriseStatus::Suspended, "2023-03-01"));
        assert_eq!(
            suspended.status_as_of(day("2023-02-15")),
            EnterpriseStatus::Active
        );
        assert_eq!(
            suspended.status_as_of(day("2023-03-15")),
            EnterpriseStatus::Suspended
        );
        assert_eq!(
            decide(
                &suspended,
                &status(EnterpriseStatus::Active, "2023-02-15"),
                administrator()
            )
            .unwrap_err()
            .reason(),
            "INVALID_ARGUMENT"
        );
        let resumed = step(suspended, status(EnterpriseStatus::Active, "2023-04-01"));
        let closed = step(resumed, status(EnterpriseStatus::Closed, "2023-05-01"));
        assert_eq!(
            decide(
                &closed,
                &status(EnterpriseStatus::Active, "2023-06-01"),
                administrator()
            )
            .unwrap_err()
            .reason(),
            "ENTERPRISE_CLOSED"
        );
        assert_eq!(
            decide(
                &closed,
                &move_to("330903002", "2023-06-01"),
                administrator()
            )
            .unwrap_err()
            .reason(),
            "ENTERPRISE_CLOSED"
        );
    }

    #[test]
    fn the_registry_is_kept_by_the_bureau_and_the_townships() {
        let new = Given::<Enterprise>::new(ENTERPRISE);
        let register = EnterpriseCommand::Register {
            details: details("330903001"),
            effective_from: day("2023-01-01"),
            activate: true,
        };
        assert!(decide(&new, &register, township_officer("330903001")).is_ok());
        assert_eq!(
            decide(&new, &register, township_officer("330903002"))
                .unwrap_err()
                .reason(),
            "OUTSIDE_JURISDICTION"
        );
        assert_eq!(
            decide(&new, &register, inspector()).unwrap_err().reason(),
            "REGISTRAR_ROLE_REQUIRED"
        );
        assert_eq!(
            decide(&new, &register, enterprise()).unwrap_err().reason(),
            "GOVERNMENT_ROLE_REQUIRED"
        );
        let existing = registered(true);
        assert_eq!(
            decide(&existing, &register, administrator())
                .unwrap_err()
                .reason(),
            "ALREADY_EXISTS"
        );
        // A township officer cannot move an enterprise out of reach into another township.
        assert_eq!(
            decide(
                &existing,
                &move_to("330903002", "2023-06-01"),
                township_officer("330903001")
            )
            .unwrap_err()
            .reason(),
            "OUTSIDE_JURISDICTION"
        );
        assert_eq!(
            decide(
                &new,
                &status(EnterpriseStatus::Active, "2023-01-01"),
                administrator()
            )
            .unwrap_err()
            .reason(),
            "NOT_FOUND"
        );
    }
}
