//! The SupervisionOrder aggregate (挂牌督办 / 分解督办): a safety committee lists one or more
//! major hazards, decomposes the work into sub-tasks for departments and townships, follows
//! their progress, and delists (摘牌) after acceptance. An overdue order is escalated
//! (约谈 / 通报).
//!
//! `Listed → InProgress → AcceptanceRequested → Delisted`, with a rejected acceptance going
//! back to InProgress. Listing and delisting the hazards themselves is done by the service,
//! one hazard command per hazard, after the order's own commit.

use chrono::NaiveDate;
use hl_domain::reasons::{self, Reason};
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::common::v1::EvidenceRef;
use hl_proto::hazards::v1 as pb;
use hl_proto::hazards::v1::SupervisionOrderStatus;
use serde::{Deserialize, Serialize};

use super::access::{require_bureau, require_government_within};
use super::clock::local_date;
use super::{DomainError, decision};

pub use hl_proto::hazard_events::SupervisionOrderEvent;

#[derive(Clone, Debug, PartialEq)]
pub struct IssueOrder {
    /// The district the order is recorded in.
    pub region: String,
    pub level: pb::SupervisionLevel,
    pub notice_number: String,
    pub title: String,
    pub hazard_ids: Vec<String>,
    pub responsible_units: Vec<String>,
    pub public_notice: bool,
    pub deadline: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewSubTask {
    pub sub_task_id: String,
    pub assignee_unit: String,
    pub description: String,
    pub deadline: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SupervisionOrderCommand {
    Issue(IssueOrder),
    Decompose(Vec<NewSubTask>),
    ReportProgress {
        sub_task_id: String,
        progress_percent: u32,
        completed: bool,
        note: String,
    },
    RequestAcceptance {
        note: String,
        evidence: Vec<EvidenceRef>,
    },
    RejectAcceptance {
        reason: String,
    },
    /// `unverified`: the listed hazards not yet verified, as the service found them.
    Delist {
        note: String,
        unverified: Vec<String>,
    },
    Escalate {
        kind: pb::EscalationKind,
        reason: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SupervisionOrder {
    pub order_id: String,
    pub region: String,
    pub level: pb::SupervisionLevel,
    pub notice_number: String,
    pub title: String,
    pub hazard_ids: Vec<String>,
    pub responsible_units: Vec<String>,
    pub public_notice: bool,
    pub deadline: Option<NaiveDate>,
    pub sub_tasks: Vec<pb::SubTask>,
    pub status: SupervisionOrderStatus,
    pub escalations: Vec<pb::Escalation>,
    pub issued: Option<pb::Decision>,
    pub delisted: Option<pb::Decision>,
}

impl SupervisionOrder {
    pub fn exists(&self) -> bool {
        !self.order_id.is_empty()
    }

    /// Past its deadline, or with a sub-task not completed past its own, and not delisted, on
    /// the day of `as_of`. The read model folds the same state, so this is the one rule.
    pub fn is_overdue(&self, as_of: chrono::DateTime<chrono::Utc>) -> bool {
        let today = local_date(as_of);
        let mut open_deadlines = self
            .sub_tasks
            .iter()
            .filter(|task| !task.completed)
            .filter_map(|task| task.deadline.as_ref().and_then(|date| date.to_naive()));
        self.status != SupervisionOrderStatus::Delisted
            && (self.deadline.is_some_and(|deadline| today > deadline)
                || open_deadlines.any(|deadline| today > deadline))
    }

    fn require_status(
        &self,
        allowed: &[SupervisionOrderStatus],
        reason: Reason,
        what: &str,
    ) -> Result<(), DomainError> {
        if allowed.contains(&self.status) {
            Ok(())
        } else {
            Err(DomainError::precondition(
                reason,
                format!(
                    "{what}: supervision order {} is {}",
                    self.order_id,
                    self.status
                        .as_str_name()
                        .trim_start_matches("SUPERVISION_ORDER_STATUS_")
                ),
            ))
        }
    }
}

fn issue_order(
    issue: &IssueOrder,
    context: &CommandContext,
) -> Result<Vec<SupervisionOrderEvent>, DomainError> {
    require_bureau(
        &context.actor,
        &issue.region,
        "issue a supervision order (挂牌督办)",
    )?;
    Ok(vec![SupervisionOrderEvent::Issued(
        pb::SupervisionOrderIssued {
            order_id: context.aggregate_id.clone(),
            level: issue.level as i32,
            notice_number: issue.notice_number.clone(),
            title: issue.title.clone(),
            hazard_ids: issue.hazard_ids.clone(),
            responsible_units: issue.responsible_units.clone(),
            public_notice: issue.public_notice,
            deadline: Some(issue.deadline.into()),
        },
    )])
}

impl SupervisionOrder {
    fn decompose(&self, tasks: &[NewSubTask]) -> Result<Vec<SupervisionOrderEvent>, DomainError> {
        use SupervisionOrderStatus as S;
        self.require_status(
            &[S::Listed, S::InProgress],
            reasons::SUPERVISION_ORDER_NOT_IN_PROGRESS,
            "decompose",
        )?;
        let mut seen = std::collections::HashSet::new();
        for task in tasks {
            let known = self
                .sub_tasks
                .iter()
                .any(|existing| existing.sub_task_id == task.sub_task_id);
            if known || !seen.insert(task.sub_task_id.as_str()) {
                return Err(DomainError::invalid(
                    "sub_tasks",
                    format!("sub-task id {} is used twice", task.sub_task_id),
                ));
            }
            if let Some(deadline) = self.deadline
                && task.deadline > deadline
            {
                return Err(DomainError::invalid(
                    "sub_tasks",
                    format!(
                        "sub-task {} is due after the order's deadline {deadline}",
                        task.sub_task_id
                    ),
                ));
            }
        }
        Ok(vec![SupervisionOrderEvent::Decomposed(
            pb::SupervisionOrderDecomposed {
                order_id: self.order_id.clone(),
                sub_tasks: tasks
                    .iter()
                    .map(|task| pb::SubTask {
                        sub_task_id: task.sub_task_id.clone(),
                        assignee_unit: task.assignee_unit.clone(),
                        description: task.description.clone(),
                        deadline: Some(task.deadline.into()),
                        ..pb::SubTask::default()
                    })
                    .collect(),
            },
        )])
    }

    fn report_progress(
        &self,
        sub_task_id: &str,
        progress_percent: u32,
        completed: bool,
        note: &str,
    ) -> Result<Vec<SupervisionOrderEvent>, DomainError> {
        use SupervisionOrderStatus as S;
        self.require_status(
            &[S::Listed, S::InProgress],
            reasons::SUPERVISION_ORDER_NOT_IN_PROGRESS,
            "report progress",
        )?;
        let Some(task) = self
            .sub_tasks
            .iter()
            .find(|task| task.sub_task_id == sub_task_id)
        else {
            return Err(DomainError::NotFound(format!(
                "sub-task {sub_task_id} of supervision order {}",
                self.order_id
            )));
        };
        if task.completed {
            return Err(DomainError::precondition(
                reasons::SUB_TASK_COMPLETED,
                format!("sub-task {sub_task_id} is already completed"),
            ));
        }
        Ok(vec![SupervisionOrderEvent::SubTaskProgressReported(
            pb::SubTaskProgressReported {
                order_id: self.order_id.clone(),
                sub_task_id: sub_task_id.to_string(),
                progress_percent: if completed { 100 } else { progress_percent },
                completed,
                note: note.to_string(),
            },
        )])
    }

    fn request_acceptance(
        &self,
        note: &str,
        evidence: &[EvidenceRef],
    ) -> Result<Vec<SupervisionOrderEvent>, DomainError> {
        use SupervisionOrderStatus as S;
        self.require_status(
            &[S::Listed, S::InProgress],
            reasons::SUPERVISION_ORDER_NOT_IN_PROGRESS,
            "request acceptance",
        )?;
        let open: Vec<&str> = self
            .sub_tasks
            .iter()
            .filter(|task| !task.completed)
            .map(|task| task.sub_task_id.as_str())
            .collect();
        if !open.is_empty() {
            return Err(DomainError::precondition(
                reasons::SUB_TASKS_INCOMPLETE,
                format!("sub-tasks not completed: {}", open.join(", ")),
            ));
        }
        Ok(vec![SupervisionOrderEvent::AcceptanceRequested(
            pb::SupervisionAcceptanceRequested {
                order_id: self.order_id.clone(),
                note: note.to_string(),
                evidence: evidence.to_vec(),
            },
        )])
    }

    fn reject_acceptance(&self, reason: &str) -> Result<Vec<SupervisionOrderEvent>, DomainError> {
        self.require_status(
            &[SupervisionOrderStatus::AcceptanceRequested],
            reasons::SUPERVISION_ACCEPTANCE_NOT_REQUESTED,
            "reject acceptance",
        )?;
        Ok(vec![SupervisionOrderEvent::AcceptanceRejected(
            pb::SupervisionAcceptanceRejected {
                order_id: self.order_id.clone(),
                reason: reason.to_string(),
            },
        )])
    }

    /// 摘牌 needs the acceptance and every listed hazard verified.
    fn delist(
        &self,
        note: &str,
        unverified: &[String],
    ) -> Result<Vec<SupervisionOrderEvent>, DomainError> {
        self.require_status(
            &[SupervisionOrderStatus::AcceptanceRequested],
            reasons::SUPERVISION_ACCEPTANCE_NOT_REQUESTED,
            "delist",
        )?;
        if !unverified.is_empty() {
            return Err(DomainError::precondition(
                reasons::LISTED_HAZARDS_NOT_VERIFIED,
                format!(
                    "every listed hazard is verified before 摘牌; not yet: {}",
                    unverified.join(", ")
                ),
            ));
        }
        Ok(vec![SupervisionOrderEvent::Delisted(
            pb::SupervisionOrderDelisted {
                order_id: self.order_id.clone(),
                note: note.to_string(),
            },
        )])
    }

    fn escalate(
        &self,
        kind: pb::EscalationKind,
        reason: &str,
        context: &CommandContext,
    ) -> Result<Vec<SupervisionOrderEvent>, DomainError> {
        use SupervisionOrderStatus as S;
        self.require_status(
            &[S::Listed, S::InProgress, S::AcceptanceRequested],
            reasons::SUPERVISION_ORDER_DELISTED,
            "escalate",
        )?;
        if !self.is_overdue(context.occurred_at) {
            return Err(DomainError::precondition(
                reasons::SUPERVISION_ORDER_NOT_OVERDUE,
                "only an overdue order (or one with an overdue sub-task) is escalated",
            ));
        }
        Ok(vec![SupervisionOrderEvent::Escalated(
            pb::SupervisionOrderEscalated {
                order_id: self.order_id.clone(),
                kind: kind as i32,
                reason: reason.to_string(),
            },
        )])
    }
}

impl Aggregate for SupervisionOrder {
    type Event = SupervisionOrderEvent;
    type Command = SupervisionOrderCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "supervision_order";
    const COLLECTION: &'static str = "supervisionOrders";

    fn expects(command: &SupervisionOrderCommand) -> Expects {
        match command {
            SupervisionOrderCommand::Issue(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &SupervisionOrderCommand,
        context: &CommandContext,
    ) -> Result<Vec<SupervisionOrderEvent>, DomainError> {
        let actor = &context.actor;
        match command {
            SupervisionOrderCommand::Issue(issue) => issue_order(issue, context),
            SupervisionOrderCommand::Decompose(tasks) => {
                require_bureau(actor, &self.region, "decompose a supervision order")?;
                self.decompose(tasks)
            }
            SupervisionOrderCommand::ReportProgress {
                sub_task_id,
                progress_percent,
                completed,
                note,
            } => {
                require_government_within(actor, &self.region, "report sub-task progress")?;
                self.report_progress(sub_task_id, *progress_percent, *completed, note)
            }
            SupervisionOrderCommand::RequestAcceptance { note, evidence } => {
                require_government_within(actor, &self.region, "request acceptance")?;
                self.request_acceptance(note, evidence)
            }
            SupervisionOrderCommand::RejectAcceptance { reason } => {
                require_bureau(actor, &self.region, "reject acceptance")?;
                self.reject_acceptance(reason)
            }
            SupervisionOrderCommand::Delist { note, unverified } => {
                require_bureau(actor, &self.region, "delist a supervision order (摘牌)")?;
                self.delist(note, unverified)
            }
            SupervisionOrderCommand::Escalate { kind, reason } => {
                require_bureau(actor, &self.region, "escalate a supervision order")?;
                self.escalate(*kind, reason, context)
            }
        }
    }

    fn apply(&mut self, event: &SupervisionOrderEvent, meta: &EventMeta) {
        use SupervisionOrderStatus as S;
        match event {
            SupervisionOrderEvent::Issued(issued) => {
                self.order_id = issued.order_id.clone();
                self.region = meta.region.clone();
                self.level = issued.level();
                self.notice_number = issued.notice_number.clone();
                self.title = issued.title.clone();
                self.hazard_ids = issued.hazard_ids.clone();
                self.responsible_units = issued.responsible_units.clone();
                self.public_notice = issued.public_notice;
                self.deadline = issued.deadline.as_ref().and_then(|date| date.to_naive());
                self.status = S::Listed;
                self.issued = Some(decision(meta, "", &[]));
            }
            SupervisionOrderEvent::Decomposed(decomposed) => {
                self.sub_tasks.extend(decomposed.sub_tasks.iter().cloned());
                self.status = S::InProgress;
            }
            SupervisionOrderEvent::SubTaskProgressReported(reported) => {
                if let Some(task) = self
                    .sub_tasks
                    .iter_mut()
                    .find(|task| task.sub_task_id == reported.sub_task_id)
                {
                    task.progress_percent = reported.progress_percent;
                    task.completed = reported.completed;
                    task.last_note = reported.note.clone();
                }
                self.status = S::InProgress;
            }
            SupervisionOrderEvent::AcceptanceRequested(_) => self.status = S::AcceptanceRequested,
            SupervisionOrderEvent::AcceptanceRejected(_) => self.status = S::InProgress,
            SupervisionOrderEvent::Delisted(delisted) => {
                self.status = S::Delisted;
                self.delisted = Some(decision(meta, &delisted.note, &[]));
            }
            SupervisionOrderEvent::Escalated(escalated) => {
                self.escalations.push(pb::Escalation {
                    kind: escalated.kind,
                    reason: escalated.reason.clone(),
                    decided: Some(decision(meta, &escalated.reason, &[])),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use hl_eventstore::Given;

    use super::*;
    use crate::domain::access::test_actors::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn decide_at(
        order: &Given<SupervisionOrder>,
        command: &SupervisionOrderCommand,
        actor: hl_proto::common::v1::Actor,
        now: &str,
    ) -> Result<Vec<SupervisionOrderEvent>, DomainError> {
        order.when(command, &actor, at(now))
    }

    fn step(
        order: Given<SupervisionOrder>,
        command: SupervisionOrderCommand,
        actor: hl_proto::common::v1::Actor,
    ) -> Given<SupervisionOrder> {
        order.given(&command, &actor, at("2023-05-01T00:00:00Z"))
    }

    fn fresh() -> Given<SupervisionOrder> {
        Given::new("order-1")
    }

    fn issue() -> SupervisionOrderCommand {
        SupervisionOrderCommand::Issue(IssueOrder {
            region: "330903".into(),
            level: pb::SupervisionLevel::District,
            notice_number: "普安委督〔2023〕3号".into(),
            title: "冷库涉氨制冷重大隐患".into(),
            hazard_ids: vec!["hz-1".into()],
            responsible_units: vec!["沈家门街道".into()],
            public_notice: true,
            deadline: day("2023-07-31"),
        })
    }

    fn task(id: &str, deadline: &str) -> NewSubTask {
        NewSubTask {
            sub_task_id: id.into(),
            assignee_unit: "沈家门街道".into(),
            description: "监督整改".into(),
            deadline: day(deadline),
        }
    }

    fn progress(id: &str, completed: bool) -> SupervisionOrderCommand {
        SupervisionOrderCommand::ReportProgress {
            sub_task_id: id.into(),
            progress_percent: 50,
            completed,
            note: "n".into(),
        }
    }

    fn issued_and_decomposed() -> Given<SupervisionOrder> {
        let order = step(fresh(), issue(), administrator());
        step(
            order,
            SupervisionOrderCommand::Decompose(vec![
                task("t1", "2023-06-30"),
                task("t2", "2023-07-15"),
            ]),
            administrator(),
        )
    }

    #[test]
    fn an_order_goes_from_listing_through_sub_tasks_and_acceptance_to_delisting() {
        let mut order = issued_and_decomposed();
        assert_eq!(order.status, SupervisionOrderStatus::InProgress);
        order = step(order, progress("t1", false), township_officer("330903001"));
        assert_eq!(order.sub_tasks[0].progress_percent, 50);
        order = step(order, progress("t1", true), inspector());
        order = step(order, progress("t2", true), inspector());
        let request = SupervisionOrderCommand::RequestAcceptance {
            note: "done".into(),
            evidence: vec![],
        };
        order = step(order, request.clone(), inspector());
        assert_eq!(order.status, SupervisionOrderStatus::AcceptanceRequested);
        order = step(
            order,
            SupervisionOrderCommand::RejectAcceptance {
                reason: "signage missing".into(),
            },
            administrator(),
        );
        assert_eq!(order.status, SupervisionOrderStatus::InProgress);
        order = step(order, request, inspector());
        order = step(
            order,
            SupervisionOrderCommand::Delist {
                note: "验收通过".into(),
                unverified: vec![],
            },
            administrator(),
        );
        assert_eq!(order.status, SupervisionOrderStatus::Delisted);
    }

    #[test]
    fn acceptance_needs_every_sub_task_done_and_is_decided_by_the_bureau() {
        let order = issued_and_decomposed();
        let request = SupervisionOrderCommand::RequestAcceptance {
            note: String::new(),
            evidence: vec![],
        };
        assert_eq!(
            decide_at(&order, &request, inspector(), "2023-05-02T00:00:00Z")
                .unwrap_err()
                .reason(),
            "SUB_TASKS_INCOMPLETE"
        );
        assert_eq!(
            decide_at(
                &order,
                &SupervisionOrderCommand::Delist {
                    note: String::new(),
                    unverified: vec![],
                },
                administrator(),
                "2023-05-02T00:00:00Z"
            )
            .unwrap_err()
            .reason(),
            "SUPERVISION_ACCEPTANCE_NOT_REQUESTED"
        );
        assert_eq!(
            decide_at(
                &order,
                &progress("t9", true),
                inspector(),
                "2023-05-02T00:00:00Z"
            )
            .unwrap_err()
            .reason(),
            "NOT_FOUND"
        );
        assert_eq!(
            decide_at(
                &order,
                &progress("t1", true),
                enterprise(),
                "2023-05-02T00:00:00Z"
            )
            .unwrap_err()
            .reason(),
            "GOVERNMENT_ROLE_REQUIRED"
        );
        let done = step(order, progress("t1", true), inspector());
        assert_eq!(
            decide_at(
                &done,
                &progress("t1", true),
                inspector(),
                "2023-05-02T00:00:00Z"
            )
            .unwrap_err()
            .reason(),
            "SUB_TASK_COMPLETED"
        );
    }

    #[test]
    fn issuing_and_decomposing_are_for_the_bureau_with_consistent_sub_tasks() {
        assert_eq!(
            decide_at(&fresh(), &issue(), inspector(), "2023-05-01T00:00:00Z")
                .unwrap_err()
                .reason(),
            "BUREAU_ROLE_REQUIRED"
        );
        let order = step(fresh(), issue(), administrator());
        assert_eq!(
            decide_at(&order, &issue(), administrator(), "2023-05-01T00:00:00Z")
                .unwrap_err()
                .reason(),
            "ALREADY_EXISTS"
        );
        let late_task = SupervisionOrderCommand::Decompose(vec![task("t1", "2023-08-31")]);
        assert_eq!(
            decide_at(&order, &late_task, administrator(), "2023-05-01T00:00:00Z")
                .unwrap_err()
                .reason(),
            "INVALID_ARGUMENT"
        );
        let twice = SupervisionOrderCommand::Decompose(vec![
            task("t1", "2023-06-01"),
            task("t1", "2023-06-02"),
        ]);
        assert_eq!(
            decide_at(&order, &twice, administrator(), "2023-05-01T00:00:00Z")
                .unwrap_err()
                .reason(),
            "INVALID_ARGUMENT"
        );
    }

    #[test]
    fn only_an_overdue_order_is_escalated() {
        let order = issued_and_decomposed();
        let escalate = SupervisionOrderCommand::Escalate {
            kind: pb::EscalationKind::Summons,
            reason: "t1 late".into(),
        };
        assert_eq!(
            decide_at(&order, &escalate, administrator(), "2023-06-30T10:00:00Z")
                .unwrap_err()
                .reason(),
            "SUPERVISION_ORDER_NOT_OVERDUE"
        );
        // Sub-task t1 was due 30 June; on 1 July (Zhoushan) it is overdue.
        assert!(order.is_overdue(at("2023-06-30T16:00:00Z")));
        let events = decide_at(&order, &escalate, administrator(), "2023-07-01T02:00:00Z").unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(
            decide_at(&order, &escalate, inspector(), "2023-07-01T02:00:00Z")
                .unwrap_err()
                .reason(),
            "BUREAU_ROLE_REQUIRED"
        );
    }

    #[test]
    fn delisting_needs_every_listed_hazard_verified() {
        let mut order = issued_and_decomposed();
        order = step(order, progress("t1", true), inspector());
        order = step(order, progress("t2", true), inspector());
        order = step(
            order,
            SupervisionOrderCommand::RequestAcceptance {
                note: "done".into(),
                evidence: vec![],
            },
            inspector(),
        );
        let delist = |unverified: Vec<String>| SupervisionOrderCommand::Delist {
            note: "验收".into(),
            unverified,
        };
        assert_eq!(
            decide_at(
                &order,
                &delist(vec!["hz-1".into()]),
                administrator(),
                "2023-05-02T00:00:00Z"
            )
            .unwrap_err()
            .reason(),
            "LISTED_HAZARDS_NOT_VERIFIED"
        );
        assert!(
            decide_at(
                &order,
                &delist(vec![]),
                administrator(),
                "2023-05-02T00:00:00Z"
            )
            .is_ok()
        );
    }
}
