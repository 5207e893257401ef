//! The registry's simpler aggregates: administrative areas, grid cells, organisation units and
//! people. Each is a record that is defined once and updated field by field (an update mask);
//! every event carries the whole resulting record, so a consumer needs no history to read it.
//! What differs between them is in their [`RecordKind`].

use std::fmt::Debug;
use std::marker::PhantomData;

use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::DomainEvent;
use hl_proto::common::v1::Actor;
use hl_proto::registry_events::{AdminAreaEvent, GridCellEvent, OrgUnitEvent, PersonEvent};
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::{AdminAreaLevel, PersonRole};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use hl_domain::DomainError;
use hl_domain::access::require_bureau;
use hl_domain::access::require_registrar;

/// What distinguishes one kind of record.
pub trait RecordKind: Send + Sync + 'static {
    type Message: prost::Message
        + Default
        + Clone
        + PartialEq
        + Debug
        + Serialize
        + DeserializeOwned
        + Send
        + Sync;
    type Event: DomainEvent;
    const AGGREGATE_TYPE: &'static str;
    /// The collection id of resource names, e.g. "adminAreas".
    const COLLECTION: &'static str;
    /// Fields an update may change.
    const MUTABLE_FIELDS: &'static [&'static str];

    fn id(record: &Self::Message) -> &str;
    fn defined(record: Self::Message) -> Self::Event;
    fn updated(record: Self::Message, changed_fields: Vec<String>) -> Self::Event;
    /// The record an event carries.
    fn carried(event: &Self::Event) -> &Self::Message;
    fn copy_field(target: &mut Self::Message, source: &Self::Message, field: &str);
    /// Who may write this record, checked before anything else.
    fn authorize(actor: &Actor, record: &Self::Message, region: &str) -> Result<(), DomainError>;
    /// Rules about the record as a whole, checked after every change.
    fn check(_record: &Self::Message) -> Result<(), DomainError> {
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum RecordCommand<M> {
    Define {
        record: M,
        region: String,
    },
    /// The named fields take the values in `record`.
    Update {
        record: M,
        fields: Vec<String>,
    },
}

/// A record aggregate.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Record<K: RecordKind> {
    pub record: Option<K::Message>,
    pub region: String,
    #[serde(skip)]
    kind: PhantomData<K>,
}

impl<K: RecordKind> Default for Record<K> {
    fn default() -> Self {
        Record {
            record: None,
            region: String::new(),
            kind: PhantomData,
        }
    }
}

impl<K: RecordKind> Clone for Record<K> {
    fn clone(&self) -> Self {
        Record {
            record: self.record.clone(),
            region: self.region.clone(),
            kind: PhantomData,
        }
    }
}

impl<K: RecordKind> Debug for Record<K> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Record")
            .field("record", &self.record)
            .field("region", &self.region)
            .finish()
    }
}

impl<K: RecordKind> Aggregate for Record<K> {
    type Event = K::Event;
    type Command = RecordCommand<K::Message>;
    type Error = DomainError;
    const CONTEXT: &'static str = crate::CONTEXT;
    const AGGREGATE_TYPE: &'static str = K::AGGREGATE_TYPE;
    const COLLECTION: &'static str = K::COLLECTION;

    fn expects(command: &Self::Command) -> Expects {
        match command {
            RecordCommand::Define { .. } => Expects::New,
            RecordCommand::Update { .. } => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &Self::Command,
        context: &CommandContext,
    ) -> Result<Vec<K::Event>, DomainError> {
        match command {
            RecordCommand::Define { record, region } => {
                K::authorize(&context.actor, record, region)?;
                K::check(record)?;
                Ok(vec![K::defined(record.clone())])
            }
            RecordCommand::Update {
                record: update,
                fields,
            } => {
                let current = self
                    .record
                    .as_ref()
                    .expect("the repository found the record");
                K::authorize(&context.actor, current, &self.region)?;
                let mut next = current.clone();
                for field in fields {
                    K::copy_field(&mut next, update, field);
                }
                if next == *current {
                    return Ok(Vec::new());
                }
                K::authorize(&context.actor, &next, &self.region)?;
                K::check(&next)?;
                Ok(vec![K::updated(next, fields.clone())])
            }
        }
    }

    fn apply(&mut self, event: &K::Event, meta: &EventMeta) {
        if self.record.is_none() {
            self.region = meta.region.clone();
        }
        self.record = Some(K::carried(event).clone());
    }
}

macro_rules! copy_fields {
    ($target:expr, $source:expr, $field:expr, [$($name:ident),+ $(,)?]) => {
        match $field {
            $(stringify!($name) => $target.$name = $source.$name.clone(),)+
            _ => {}
        }
    };
}

pub struct AdminAreaKind;

impl RecordKind for AdminAreaKind {
    type Message = pb::AdminArea;
    type Event = AdminAreaEvent;
    const AGGREGATE_TYPE: &'static str = "admin_area";
    const COLLECTION: &'static str = "adminAreas";
    const MUTABLE_FIELDS: &'static [&'static str] = &["display_name", "kind"];

    fn id(record: &pb::AdminArea) -> &str {
        &record.code
    }
    fn defined(area: pb::AdminArea) -> AdminAreaEvent {
        AdminAreaEvent::Defined(pb::AdminAreaDefined { area: Some(area) })
    }
    fn updated(area: pb::AdminArea, changed_fields: Vec<String>) -> AdminAreaEvent {
        AdminAreaEvent::Updated(pb::AdminAreaUpdated {
            area: Some(area),
            changed_fields,
        })
    }
    fn carried(event: &AdminAreaEvent) -> &pb::AdminArea {
        let area = match event {
            AdminAreaEvent::Defined(defined) => &defined.area,
            AdminAreaEvent::Updated(updated) => &updated.area,
        };
        area.as_ref().expect("an area event carries the area")
    }
    fn copy_field(target: &mut pb::AdminArea, source: &pb::AdminArea, field: &str) {
        copy_fields!(target, source, field, [display_name, kind]);
    }
    fn authorize(actor: &Actor, record: &pb::AdminArea, region: &str) -> Result<(), DomainError> {
        let place = if record.code.starts_with(region) {
            region
        } else {
            &record.code
        };
        require_bureau(actor, place, "keep administrative areas")
    }
    /// The code's length fits the level, and the parent is the code's own prefix.
    fn check(area: &pb::AdminArea) -> Result<(), DomainError> {
        let (length, parent_length) = match area.level() {
            AdminAreaLevel::District => (6, 0),
            AdminAreaLevel::Township => (9, 6),
            AdminAreaLevel::Village => (12, 9),
            AdminAreaLevel::Unspecified => {
                return Err(DomainError::invalid("area.level", "is required"));
            }
        };
        if area.code.len() != length || !area.code.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(DomainError::invalid(
                "area.code",
                format!("a {} code has {length} digits", area.level().as_str_name()),
            ));
        }
        let expected_parent = &area.code[..parent_length];
        if area.parent_code != expected_parent {
            return Err(DomainError::invalid(
                "area.parent_code",
                format!("must be {expected_parent:?}, the code's first {parent_length} digits"),
            ));
        }
        Ok(())
    }
}

pub struct GridCellKind;

impl RecordKind for GridCellKind {
    type Message = pb::GridCell;
    type Event = GridCellEvent;
    const AGGREGATE_TYPE: &'static str = "grid_cell";
    const COLLECTION: &'static str = "gridCells";
    const MUTABLE_FIELDS: &'static [&'static str] = &[
        "display_name",
        "village_code",
        "grid_head_id",
        "grid_worker_ids",
    ];

    fn id(record: &pb::GridCell) -> &str {
        &record.grid_cell_id
    }
    fn defined(cell: pb::GridCell) -> GridCellEvent {
        GridCellEvent::Defined(pb::GridCellDefined { cell: Some(cell) })
    }
    fn updated(cell: pb::GridCell, changed_fields: Vec<String>) -> GridCellEvent {
        GridCellEvent::Updated(pb::GridCellUpdated {
            cell: Some(cell),
            changed_fields,
        })
    }
    fn carried(event: &GridCellEvent) -> &pb::GridCell {
        let cell = match event {
            GridCellEvent::Defined(defined) => &defined.cell,
            GridCellEvent::Updated(updated) => &updated.cell,
        };
        cell.as_ref().expect("a grid cell event carries the cell")
    }
    fn copy_field(target: &mut pb::GridCell, source: &pb::GridCell, field: &str) {
        copy_fields!(
            target,
            source,
            field,
            [display_name, village_code, grid_head_id, grid_worker_ids]
        );
    }
    fn authorize(actor: &Actor, cell: &pb::GridCell, _region: &str) -> Result<(), DomainError> {
        require_registrar(actor, &cell.township_code, "keep grid cells")
    }
    fn check(cell: &pb::GridCell) -> Result<(), DomainError> {
        if !cell.village_code.is_empty() && !cell.village_code.starts_with(&cell.township_code) {
            return Err(DomainError::invalid(
                "cell.village_code",
                "must lie in the cell's township",
            ));
        }
        if cell.grid_worker_ids.contains(&cell.grid_head_id) && !cell.grid_head_id.is_empty() {
            return Err(DomainError::invalid(
                "cell.grid_worker_ids",
                "the grid head is named separately",
            ));
        }
        Ok(())
    }
}

pub struct OrgUnitKind;

impl RecordKind for OrgUnitKind {
    type Message = pb::OrgUnit;
    type Event = OrgUnitEvent;
    const AGGREGATE_TYPE: &'static str = "org_unit";
    const COLLECTION: &'static str = "orgUnits";
    const MUTABLE_FIELDS: &'static [&'static str] =
        &["display_name", "kind", "parent_org_unit_id", "region_code"];

    fn id(record: &pb::OrgUnit) -> &str {
        &record.org_unit_id
    }
    fn defined(unit: pb::OrgUnit) -> OrgUnitEvent {
        OrgUnitEvent::Defined(pb::OrgUnitDefined { unit: Some(unit) })
    }
    fn updated(unit: pb::OrgUnit, changed_fields: Vec<String>) -> OrgUnitEvent {
        OrgUnitEvent::Updated(pb::OrgUnitUpdated {
            unit: Some(unit),
            changed_fields,
        })
    }
    fn carried(event: &OrgUnitEvent) -> &pb::OrgUnit {
        let unit = match event {
            OrgUnitEvent::Defined(defined) => &defined.unit,
            OrgUnitEvent::Updated(updated) => &updated.unit,
        };
        unit.as_ref().expect("an org unit event carries the unit")
    }
    fn copy_field(target: &mut pb::OrgUnit, source: &pb::OrgUnit, field: &str) {
        copy_fields!(
            target,
            source,
            field,
            [display_name, kind, parent_org_unit_id, region_code]
        );
    }
    fn authorize(actor: &Actor, _unit: &pb::OrgUnit, region: &str) -> Result<(), DomainError> {
        require_bureau(actor, region, "keep organisation units")
    }
    fn check(unit: &pb::OrgUnit) -> Result<(), DomainError> {
        if unit.parent_org_unit_id == unit.org_unit_id {
            return Err(DomainError::invalid(
                "unit.parent_org_unit_id",
                "cannot be the unit itself",
            ));
        }
        Ok(())
    }
}

pub struct PersonKind;

impl RecordKind for PersonKind {
    type Message = pb::Person;
    type Event = PersonEvent;
    const AGGREGATE_TYPE: &'static str = "person";
    const COLLECTION: &'static str = "persons";
    const MUTABLE_FIELDS: &'static [&'static str] = &[
        "display_name",
        "roles",
        "org_unit_id",
        "enterprise_id",
        "enforcement_certificate",
        "inactive",
    ];

    fn id(record: &pb::Person) -> &str {
        &record.person_id
    }
    fn defined(person: pb::Person) -> PersonEvent {
        PersonEvent::Registered(pb::PersonRegistered {
            person: Some(person),
        })
    }
    fn updated(person: pb::Person, changed_fields: Vec<String>) -> PersonEvent {
        PersonEvent::Updated(pb::PersonUpdated {
            person: Some(person),
            changed_fields,
        })
    }
    fn carried(event: &PersonEvent) -> &pb::Person {
        let person = match event {
            PersonEvent::Registered(registered) => &registered.person,
            PersonEvent::Updated(updated) => &updated.person,
        };
        person.as_ref().expect("a person event carries the person")
    }
    fn copy_field(target: &mut pb::Person, source: &pb::Person, field: &str) {
        copy_fields!(
            target,
            source,
            field,
            [
                display_name,
                roles,
                org_unit_id,
                enterprise_id,
                enforcement_certificate,
                inactive
            ]
        );
    }
    fn authorize(actor: &Actor, _person: &pb::Person, region: &str) -> Result<(), DomainError> {
        require_bureau(actor, region, "keep the register of people")
    }
    /// An inspector holds an enforcement certificate (执法证) with its number and validity.
    fn check(person: &pb::Person) -> Result<(), DomainError> {
        if !person.roles.contains(&(PersonRole::Inspector as i32)) {
            return Ok(());
        }
        let certificate = person.enforcement_certificate.as_ref();
        let from = certificate
            .and_then(|certificate| certificate.valid_from.as_ref())
            .and_then(|date| date.to_naive());
        let until = certificate
            .and_then(|certificate| certificate.valid_until.as_ref())
            .and_then(|date| date.to_naive());
        match (certificate, from, until) {
            (Some(certificate), Some(from), Some(until))
                if !certificate.number.is_empty() && from <= until =>
            {
                Ok(())
            }
            _ => Err(DomainError::invalid(
                "person.enforcement_certificate",
                "an inspector needs an enforcement certificate (执法证) with its number and a validity period",
            )),
        }
    }
}

pub type AdminArea = Record<AdminAreaKind>;
pub type GridCell = Record<GridCellKind>;
pub type OrgUnit = Record<OrgUnitKind>;
pub type Person = Record<PersonKind>;

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use hl_domain::access::test_actors::*;
    use hl_proto::common::v1::Date;

    use hl_eventstore::Given;

    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2023-09-01T02:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn decide<K: RecordKind>(
        record: &Given<Record<K>>,
        command: RecordCommand<K::Message>,
        actor: Actor,
    ) -> Result<Vec<K::Event>, DomainError> {
        record.when(&command, &actor, now())
    }

    fn defined<K: RecordKind>(message: K::Message) -> Given<Record<K>> {
        Given::<Record<K>>::new("id-1").given(
            &RecordCommand::Define {
                record: message,
                region: "330903".into(),
            },
            &administrator(),
            now(),
        )
    }

    fn fresh<K: RecordKind>() -> Given<Record<K>> {
        Given::new("id-1")
    }

    fn township(code: &str, parent: &str) -> pb::AdminArea {
        pb::AdminArea {
            code: code.into(),
            display_name: "沈家门街道".into(),
            level: AdminAreaLevel::Township as i32,
            parent_code: parent.into(),
            kind: "街道".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_area_code_fits_its_level_and_names_its_parent() {
        let define = |area| RecordCommand::Define {
            record: area,
            region: "330903".into(),
        };
        assert!(
            decide(
                &fresh::<AdminAreaKind>(),
                define(township("330903001", "330903")),
                administrator()
            )
            .is_ok()
        );
        assert_eq!(
            decide(
                &fresh::<AdminAreaKind>(),
                define(township("330903001", "330902")),
                administrator()
            )
            .unwrap_err()
            .reason(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            decide(
                &fresh::<AdminAreaKind>(),
                define(township("3309031", "330903")),
                administrator()
            )
            .unwrap_err()
            .reason(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            decide(
                &fresh::<AdminAreaKind>(),
                define(township("330903001", "330903")),
                inspector()
            )
            .unwrap_err()
            .reason(),
            "BUREAU_ROLE_REQUIRED"
        );
        let existing = defined::<AdminAreaKind>(township("330903001", "330903"));
        assert_eq!(
            decide(
                &existing,
                define(township("330903001", "330903")),
                administrator()
            )
            .unwrap_err()
            .reason(),
            "ALREADY_EXISTS"
        );
    }

    #[test]
    fn an_update_changes_only_the_masked_fields() {
        let area = defined::<AdminAreaKind>(township("330903001", "330903"));
        let update = pb::AdminArea {
            display_name: "沈家门".into(),
            code: "ignored".into(),
            ..Default::default()
        };
        let events = decide(
            &area,
            RecordCommand::Update {
                record: update.clone(),
                fields: vec!["display_name".into()],
            },
            administrator(),
        )
        .unwrap();
        let carried = AdminAreaKind::carried(&events[0]);
        assert_eq!(
            (carried.display_name.as_str(), carried.code.as_str()),
            ("沈家门", "330903001")
        );
        let same = pb::AdminArea {
            display_name: "沈家门街道".into(),
            ..Default::default()
        };
        assert!(
            decide(
                &area,
                RecordCommand::Update {
                    record: same,
                    fields: vec!["display_name".into()]
                },
                administrator()
            )
            .unwrap()
            .is_empty()
        );
        assert_eq!(
            decide(
                &fresh::<AdminAreaKind>(),
                RecordCommand::Update {
                    record: update,
                    fields: vec![]
                },
                administrator()
            )
            .unwrap_err()
            .reason(),
            "NOT_FOUND"
        );
    }

    #[test]
    fn an_inspector_needs_an_enforcement_certificate() {
        let mut person = pb::Person {
            person_id: "p1".into(),
            display_name: "张伟".into(),
            roles: vec![PersonRole::Inspector as i32],
            ..Default::default()
        };
        let define = |person: pb::Person| RecordCommand::Define {
            record: person,
            region: "330903".into(),
        };
        assert_eq!(
            decide(
                &fresh::<PersonKind>(),
                define(person.clone()),
                administrator()
            )
            .unwrap_err()
            .reason(),
            "INVALID_ARGUMENT"
        );
        person.enforcement_certificate = Some(pb::EnforcementCertificate {
            number: "浙应执 330903-001".into(),
            valid_from: Some(Date {
                year: 2022,
                month: 1,
                day: 1,
            }),
            valid_until: Some(Date {
                year: 2027,
                month: 12,
                day: 31,
            }),
        });
        assert!(decide(&fresh::<PersonKind>(), define(person), administrator()).is_ok());
    }

    #[test]
    fn grid_cells_are_kept_by_their_township() {
        let cell = pb::GridCell {
            grid_cell_id: "g1".into(),
            display_name: "网格1".into(),
            township_code: "330903001".into(),
            village_code: "330903001001".into(),
            grid_head_id: "p1".into(),
            ..Default::default()
        };
        let define = |cell: pb::GridCell| RecordCommand::Define {
            record: cell,
            region: "330903".into(),
        };
        assert!(
            decide(
                &fresh::<GridCellKind>(),
                define(cell.clone()),
                township_officer("330903001")
            )
            .is_ok()
        );
        assert_eq!(
            decide(
                &fresh::<GridCellKind>(),
                define(cell.clone()),
                township_officer("330903002")
            )
            .unwrap_err()
            .reason(),
            "OUTSIDE_JURISDICTION"
        );
        let wrong_village = pb::GridCell {
            village_code: "330903002001".into(),
            ..cell
        };
        assert_eq!(
            decide(
                &fresh::<GridCellKind>(),
                define(wrong_village),
                administrator()
            )
            .unwrap_err()
            .reason(),
            "INVALID_ARGUMENT"
        );
    }
}
