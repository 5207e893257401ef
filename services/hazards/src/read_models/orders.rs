//! Supervision orders (挂牌督办) and their sub-tasks.

use chrono::{DateTime, NaiveDate, Utc};
use hl_eventstore::Aggregate;
use hl_proto::hazards::v1::{SupervisionLevel, SupervisionOrderStatus};
use hl_readmodel::{
    Commit, OnConflict, ReadModel, TableSpec, columns, delete_where_in, fold_rows, rows_where_in,
    table, write_rows,
};
use sqlx::AnyConnection;

use crate::domain::supervision::{SupervisionOrder, SupervisionOrderEvent, order_overdue};

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct OrderRow {
        pub order_id: String,
        pub level: SupervisionLevel,
        pub notice_number: String,
        pub title: String,
        pub status: SupervisionOrderStatus,
        pub deadline: NaiveDate,
        pub hazard_ids: Vec<String>,
        pub escalations: u32,
        pub issued_at: DateTime<Utc>,
        pub delisted_at: Option<DateTime<Utc>>,
        pub event_id: String,
    }
}
table!(OrderRow, "supervision_orders", key(order_id));

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct SubTaskRow {
        pub order_id: String,
        pub sub_task_id: String,
        pub assignee_unit: String,
        pub description: String,
        pub deadline: NaiveDate,
        pub progress: u32,
        pub completed: bool,
        pub last_note: String,
    }
}
table!(
    SubTaskRow,
    "supervision_sub_tasks",
    key(order_id, sub_task_id)
);

impl OrderRow {
    /// Past its deadline, or with a sub-task past its own, and not delisted, as of a day.
    pub fn is_overdue(&self, sub_tasks: &[SubTaskRow], today: NaiveDate) -> bool {
        let open_deadlines = sub_tasks
            .iter()
            .filter(|task| !task.completed)
            .map(|task| task.deadline);
        order_overdue(self.status, Some(self.deadline), open_deadlines, today)
    }
}

pub struct OrderModel;

impl ReadModel for OrderModel {
    type Event = SupervisionOrderEvent;
    const CONTEXT: &'static str = crate::domain::CONTEXT;
    const AGGREGATE_TYPE: &'static str = SupervisionOrder::AGGREGATE_TYPE;

    fn tables(&self) -> Vec<TableSpec> {
        vec![TableSpec::of::<OrderRow>(), TableSpec::of::<SubTaskRow>()]
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        commits: Vec<Commit<SupervisionOrderEvent>>,
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<String> = commits
            .iter()
            .map(|commit| commit.aggregate_id().to_string())
            .collect();
        let mut tasks: Vec<SubTaskRow> =
            rows_where_in(connection, generation, "order_id", &ids).await?;
        fold_rows(
            connection,
            generation,
            &commits,
            |row: &mut OrderRow, event, meta, _| {
                fold_order(row, &mut tasks, event, meta);
            },
        )
        .await?;
        delete_where_in::<SubTaskRow>(connection, generation, "order_id", &ids).await?;
        write_rows(connection, generation, &tasks, OnConflict::Replace).await
    }
}

fn fold_order(
    row: &mut OrderRow,
    tasks: &mut Vec<SubTaskRow>,
    event: &SupervisionOrderEvent,
    meta: &hl_eventstore::EventMeta,
) {
    use SupervisionOrderStatus as S;
    match event {
        SupervisionOrderEvent::Issued(issued) => {
            *row = OrderRow {
                order_id: issued.order_id.clone(),
                level: issued.level(),
                notice_number: issued.notice_number.clone(),
                title: issued.title.clone(),
                status: S::Listed,
                deadline: issued
                    .deadline
                    .and_then(|date| date.to_naive())
                    .unwrap_or_default(),
                hazard_ids: issued.hazard_ids.clone(),
                issued_at: meta.occurred_at,
                ..OrderRow::default()
            };
        }
        SupervisionOrderEvent::Decomposed(decomposed) => {
            tasks.extend(decomposed.sub_tasks.iter().map(|task| {
                SubTaskRow {
                    order_id: decomposed.order_id.clone(),
                    sub_task_id: task.sub_task_id.clone(),
                    assignee_unit: task.assignee_unit.clone(),
                    description: task.description.clone(),
                    deadline: task
                        .deadline
                        .and_then(|date| date.to_naive())
                        .unwrap_or_default(),
                    ..SubTaskRow::default()
                }
            }));
            row.status = S::InProgress;
        }
        SupervisionOrderEvent::SubTaskProgressReported(reported) => {
            if let Some(task) = tasks.iter_mut().find(|task| {
                task.order_id == reported.order_id && task.sub_task_id == reported.sub_task_id
            }) {
                task.progress = reported.progress_percent;
                task.completed = reported.completed;
                task.last_note = reported.note.clone();
            }
            row.status = S::InProgress;
        }
        SupervisionOrderEvent::AcceptanceRequested(_) => row.status = S::AcceptanceRequested,
        SupervisionOrderEvent::AcceptanceRejected(_) => row.status = S::InProgress,
        SupervisionOrderEvent::Delisted(_) => {
            row.status = S::Delisted;
            row.delisted_at = Some(meta.occurred_at);
        }
        SupervisionOrderEvent::Escalated(_) => row.escalations += 1,
    }
    row.event_id = meta.event_id.clone();
}
