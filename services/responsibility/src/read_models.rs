//! The registry's read models: enterprises and their periods (from the enterprise directory),
//! and the names of administrative areas and grid cells that answers are labelled with.
//! Organisation units and people are checked as they pass but kept only in the registry. Each
//! object's responsibilities and each committee item are kept as the domain folds them.

use hl_eventstore::Aggregate;
use hl_proto::registry_events::{AdminAreaEvent, GridCellEvent, OrgUnitEvent, PersonEvent};
use hl_proto::responsibility::v1::AdminAreaLevel;
use hl_readmodel::{Commit, ReadModel, Registry, TableSpec, columns, fold_rows, table};
use sqlx::AnyConnection;

use crate::domain::CONTEXT;
use crate::domain::accountability::AccountabilityCase;
use crate::domain::duty_period::DutyPeriod;
use crate::domain::emergency_centre::EmergencyCentre;
use crate::domain::evaluation::Evaluation;
use crate::domain::records::{AdminArea, GridCell, OrgUnit, Person};
use crate::domain::responsibilities::Responsibilities;
use crate::domain::safety_item::SafetyItem;
use hl_eventstore::EventMeta;
use hl_proto::responsibility::v1::{
    AccountabilityStatus, AccountabilityTrigger, ObjectKind, SafetyItemKind, SafetyItemStatus,
};
use hl_readmodel::{Json, StateModel, StateRow};

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct ResponsibilitiesRow {
        pub responsibilities_id: String,
        pub kind: ObjectKind,
        pub object_id: String,
        pub state: Json<Responsibilities>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(
    ResponsibilitiesRow,
    "responsibilities",
    key(responsibilities_id),
    index(object_id)
);

impl StateRow for ResponsibilitiesRow {
    type State = Responsibilities;

    fn state_mut(&mut self) -> &mut Responsibilities {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        let state = &self.state.0;
        self.responsibilities_id = state.responsibilities_id.clone();
        self.kind = state.kind;
        self.object_id = state.object_id.clone();
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct SafetyItemRow {
        pub item_id: String,
        pub kind: SafetyItemKind,
        pub year: i32,
        pub status: SafetyItemStatus,
        pub state: Json<SafetyItem>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(SafetyItemRow, "safety_items", key(item_id), index(year));

impl StateRow for SafetyItemRow {
    type State = SafetyItem;

    fn state_mut(&mut self) -> &mut SafetyItem {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        let state = &self.state.0;
        self.item_id = state.item_id.clone();
        self.kind = state.kind;
        self.year = state.year;
        self.status = state.status;
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct AreaRow {
        pub code: String,
        pub name: String,
        pub level: AdminAreaLevel,
        pub parent_code: String,
    }
}
table!(AreaRow, "admin_areas", key(code));

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct GridCellRow {
        pub grid_cell_id: String,
        pub name: String,
        pub township_code: String,
    }
}
table!(GridCellRow, "grid_cells", key(grid_cell_id));

pub struct AreaModel;

impl ReadModel for AreaModel {
    type Event = AdminAreaEvent;
    const CONTEXT: &'static str = CONTEXT;
    const AGGREGATE_TYPE: &'static str = AdminArea::AGGREGATE_TYPE;

    fn tables(&self) -> Vec<TableSpec> {
        vec![TableSpec::of::<AreaRow>()]
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        commits: Vec<Commit<AdminAreaEvent>>,
    ) -> Result<(), sqlx::Error> {
        fold_rows(
            connection,
            generation,
            &commits,
            |row: &mut AreaRow, event, _, _| {
                let (AdminAreaEvent::Defined(hl_proto::responsibility::v1::AdminAreaDefined {
                    area,
                })
                | AdminAreaEvent::Updated(hl_proto::responsibility::v1::AdminAreaUpdated {
                    area,
                    ..
                })) = event;
                if let Some(area) = area {
                    *row = AreaRow {
                        code: area.code.clone(),
                        name: area.display_name.clone(),
                        level: area.level(),
                        parent_code: area.parent_code.clone(),
                    };
                }
            },
        )
        .await
        .map(drop)
    }
}

pub struct GridCellModel;

impl ReadModel for GridCellModel {
    type Event = GridCellEvent;
    const CONTEXT: &'static str = CONTEXT;
    const AGGREGATE_TYPE: &'static str = GridCell::AGGREGATE_TYPE;

    fn tables(&self) -> Vec<TableSpec> {
        vec![TableSpec::of::<GridCellRow>()]
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        commits: Vec<Commit<GridCellEvent>>,
    ) -> Result<(), sqlx::Error> {
        fold_rows(
            connection,
            generation,
            &commits,
            |row: &mut GridCellRow, event, _, _| {
                let (GridCellEvent::Defined(hl_proto::responsibility::v1::GridCellDefined {
                    cell,
                })
                | GridCellEvent::Updated(hl_proto::responsibility::v1::GridCellUpdated {
                    cell,
                    ..
                })) = event;
                if let Some(cell) = cell {
                    *row = GridCellRow {
                        grid_cell_id: cell.grid_cell_id.clone(),
                        name: cell.display_name.clone(),
                        township_code: cell.township_code.clone(),
                    };
                }
            },
        )
        .await
        .map(drop)
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct DutyPeriodRow {
        pub period_id: String,
        pub person_id: String,
        pub year: i32,
        pub month: i32,
        pub closed: bool,
        pub state: Json<DutyPeriod>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(
    DutyPeriodRow,
    "duty_periods",
    key(period_id),
    index(person_id)
);

impl StateRow for DutyPeriodRow {
    type State = DutyPeriod;

    fn state_mut(&mut self) -> &mut DutyPeriod {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        let state = &self.state.0;
        self.period_id = state.period_id.clone();
        self.person_id = state.person_id.clone();
        self.year = state.year;
        self.month = state.month as i32;
        self.closed = state.closed;
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct AccountabilityRow {
        pub case_id: String,
        pub status: AccountabilityStatus,
        pub trigger: AccountabilityTrigger,
        pub subject_id: String,
        pub state: Json<AccountabilityCase>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(
    AccountabilityRow,
    "accountability_cases",
    key(case_id),
    index(subject_id)
);

impl StateRow for AccountabilityRow {
    type State = AccountabilityCase;

    fn state_mut(&mut self) -> &mut AccountabilityCase {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        let state = &self.state.0;
        self.case_id = state.case_id.clone();
        self.status = state.status;
        self.trigger = state.trigger;
        self.subject_id = state.subject_id.clone();
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct CentreRow {
        pub township_code: String,
        pub state: Json<EmergencyCentre>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(CentreRow, "emergency_centres", key(township_code));

impl StateRow for CentreRow {
    type State = EmergencyCentre;

    fn state_mut(&mut self) -> &mut EmergencyCentre {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.township_code = self.state.0.township_code.clone();
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct EvaluationStateRow {
        pub evaluation_id: String,
        pub year: i32,
        pub state: Json<Evaluation>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(EvaluationStateRow, "evaluations", key(evaluation_id));

impl StateRow for EvaluationStateRow {
    type State = Evaluation;

    fn state_mut(&mut self) -> &mut Evaluation {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.evaluation_id = self.state.0.evaluation_id.clone();
        self.year = self.state.0.year;
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}

/// Adds the registry's read models to the projector's registry.
pub fn register(registry: &mut Registry) {
    registry
        .add(hl_directory::read_models::EnterpriseModel)
        .add(AreaModel)
        .add(GridCellModel)
        .check_only::<OrgUnitEvent>(CONTEXT, OrgUnit::AGGREGATE_TYPE)
        .check_only::<PersonEvent>(CONTEXT, Person::AGGREGATE_TYPE)
        .add(StateModel::<ResponsibilitiesRow>::new())
        .add(StateModel::<SafetyItemRow>::new())
        .add(StateModel::<DutyPeriodRow>::new())
        .add(StateModel::<AccountabilityRow>::new())
        .add(StateModel::<CentreRow>::new())
        .add(StateModel::<EvaluationStateRow>::new());
}
