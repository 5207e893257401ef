//! The safety committee's lists (安委会/专委会 年度重点工作清单, 重大安全生产问题清单): an item is
//! `Listed → Accepted → InProgress → CloseOutRequested → ClosedOut (销号)`, and a rejected
//! close-out goes back to InProgress. Its sub-tasks go to departments and townships, each with a
//! deadline no later than the item's. Close-out needs every sub-task done, and the bureau
//! administrator who approves it may not be the one who asked for it: no one signs off their own
//! list. Nothing removes an item or a rejection from the record. An item past its deadline gets
//! one bulletin (通报) per deadline, which proposes an accountability case.

use chrono::NaiveDate;
use hl_domain::access::{require_bureau, require_government};
use hl_domain::clock::local_date;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, CommandContext, EventMeta, Expects};
use hl_proto::common::v1::EvidenceRef;
use hl_proto::registry_events::SafetyItemEvent;
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::{SafetyItemKind, SafetyItemStatus};
use serde::{Deserialize, Serialize};

use super::DomainError;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListItem {
    pub kind: SafetyItemKind,
    pub region: String,
    pub year: i32,
    pub title: String,
    pub description: String,
    pub lead_unit_id: String,
    pub deadline: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SafetyItemCommand {
    List(ListItem),
    Accept {
        note: String,
    },
    AssignSubTask {
        sub_task_id: String,
        assignee: String,
        description: String,
        deadline: NaiveDate,
    },
    ReportProgress {
        note: String,
    },
    CompleteSubTask {
        sub_task_id: String,
        note: String,
        evidence: Vec<EvidenceRef>,
    },
    RequestCloseOut {
        note: String,
    },
    RejectCloseOut {
        reason: String,
    },
    ApproveCloseOut {
        note: String,
    },
    /// 通报 an item past its deadline; nothing when it is not overdue or has its bulletin.
    IssueOverdueBulletin,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SafetyItem {
    pub item_id: String,
    pub kind: SafetyItemKind,
    pub region: String,
    pub year: i32,
    pub title: String,
    pub description: String,
    pub lead_unit_id: String,
    pub deadline: Option<NaiveDate>,
    pub status: SafetyItemStatus,
    pub sub_tasks: Vec<pb::SubTask>,
    pub notes: Vec<pb::SafetyItemNote>,
    pub close_out_requested_by: String,
    pub closed_out_on: Option<NaiveDate>,
    pub rejected_close_outs: u32,
    /// The deadline a bulletin was issued for, if one was.
    pub bulletin_for: Option<NaiveDate>,
}

impl SafetyItem {
    /// Closed out (销号) on or before `day`.
    pub fn closed_out_by(&self, day: NaiveDate) -> bool {
        self.closed_out_on.is_some_and(|on| on <= day)
    }

    /// Past its deadline on `day` and not closed out by then. Judged by the dates recorded, not
    /// by today's status, so a past day reads as it stood: an item closed out late was overdue
    /// on the days between its deadline and its close-out.
    pub fn is_overdue(&self, day: NaiveDate) -> bool {
        !self.closed_out_by(day) && self.deadline.is_some_and(|deadline| deadline < day)
    }

    /// The sub-tasks past their deadline on `day` and not done by then.
    pub fn overdue_sub_tasks(&self, day: NaiveDate) -> Vec<String> {
        self.sub_tasks
            .iter()
            .filter(|task| {
                let done_by_day = task
                    .completed_on
                    .and_then(|on| on.to_naive())
                    .is_some_and(|on| on <= day);
                let past_deadline = task
                    .deadline
                    .and_then(|deadline| deadline.to_naive())
                    .is_some_and(|deadline| deadline < day);
                past_deadline && !done_by_day
            })
            .map(|task| task.sub_task_id.clone())
            .collect()
    }

    fn in_status(&self, allowed: &[SafetyItemStatus], step: &str) -> Result<(), DomainError> {
        if self.status == SafetyItemStatus::ClosedOut {
            return Err(DomainError::precondition(
                reasons::SAFETY_ITEM_CLOSED_OUT,
                format!("safetyItems/{} is closed out (销号)", self.item_id),
            ));
        }
        if allowed.contains(&self.status) {
            Ok(())
        } else {
            Err(DomainError::precondition(
                reasons::SAFETY_ITEM_STEP_OUT_OF_ORDER,
                format!(
                    "cannot {step} an item that is {}",
                    self.status.as_str_name()
                ),
            ))
        }
    }

    fn list(
        item: &ListItem,
        context: &CommandContext,
    ) -> Result<Vec<SafetyItemEvent>, DomainError> {
        require_bureau(&context.actor, &item.region, "list a committee item")?;
        Ok(vec![SafetyItemEvent::Listed(pb::SafetyItemListed {
            item_id: context.aggregate_id.clone(),
            kind: item.kind as i32,
            region: item.region.clone(),
            year: item.year,
            title: item.title.clone(),
            description: item.description.clone(),
            lead_unit_id: item.lead_unit_id.clone(),
            deadline: Some(item.deadline.into()),
        })])
    }

    fn step(
        &self,
        command: &SafetyItemCommand,
        context: &CommandContext,
    ) -> Result<Vec<SafetyItemEvent>, DomainError> {
        use SafetyItemStatus::{Accepted, CloseOutRequested, InProgress, Listed};
        let item_id = self.item_id.clone();
        match command {
            SafetyItemCommand::List(_) => unreachable!("listing makes a new item"),
            SafetyItemCommand::Accept { note } => {
                require_government(&context.actor, &self.region, "accept a committee item")?;
                self.in_status(&[Listed], "accept")?;
                Ok(vec![SafetyItemEvent::Accepted(pb::SafetyItemAccepted {
                    item_id,
                    note: note.clone(),
                })])
            }
            SafetyItemCommand::AssignSubTask {
                sub_task_id,
                assignee,
                description,
                deadline,
            } => self.assign_sub_task(sub_task_id, assignee, description, *deadline, context),
            SafetyItemCommand::ReportProgress { note } => {
                require_government(&context.actor, &self.region, "report progress")?;
                self.in_status(&[Accepted, InProgress], "report progress on")?;
                Ok(vec![SafetyItemEvent::ProgressReported(
                    pb::SafetyItemProgressReported {
                        item_id,
                        note: note.clone(),
                    },
                )])
            }
            SafetyItemCommand::CompleteSubTask {
                sub_task_id,
                note,
                evidence,
            } => {
                require_government(&context.actor, &self.region, "complete a sub-task")?;
                self.in_status(&[Accepted, InProgress], "complete a sub-task of")?;
                self.check_open_sub_task(sub_task_id)?;
                Ok(vec![SafetyItemEvent::SubTaskCompleted(
                    pb::SubTaskCompleted {
                        item_id,
                        sub_task_id: sub_task_id.clone(),
                        completed_on: Some(local_date(context.occurred_at).into()),
                        note: note.clone(),
                        evidence: evidence.clone(),
                    },
                )])
            }
            SafetyItemCommand::RequestCloseOut { note } => {
                require_government(&context.actor, &self.region, "ask for a close-out")?;
                self.in_status(&[InProgress], "ask to close out")?;
                self.check_all_sub_tasks_done()?;
                Ok(vec![SafetyItemEvent::CloseOutRequested(
                    pb::CloseOutRequested {
                        item_id,
                        note: note.clone(),
                    },
                )])
            }
            SafetyItemCommand::RejectCloseOut { reason } => {
                require_bureau(&context.actor, &self.region, "reject a close-out")?;
                self.in_status(&[CloseOutRequested], "reject the close-out of")?;
                Ok(vec![SafetyItemEvent::CloseOutRejected(
                    pb::CloseOutRejected {
                        item_id,
                        reason: reason.clone(),
                    },
                )])
            }
            SafetyItemCommand::IssueOverdueBulletin => self.issue_overdue_bulletin(context),
            SafetyItemCommand::ApproveCloseOut { note } => self.approve_close_out(note, context),
        }
    }

    fn assign_sub_task(
        &self,
        sub_task_id: &str,
        assignee: &str,
        description: &str,
        deadline: NaiveDate,
        context: &CommandContext,
    ) -> Result<Vec<SafetyItemEvent>, DomainError> {
        use SafetyItemStatus::{Accepted, InProgress, Listed};
        require_bureau(&context.actor, &self.region, "assign a sub-task")?;
        self.in_status(&[Listed, Accepted, InProgress], "assign a sub-task to")?;
        self.check_new_sub_task(sub_task_id, deadline)?;
        Ok(vec![SafetyItemEvent::SubTaskAssigned(
            pb::SubTaskAssigned {
                item_id: self.item_id.clone(),
                sub_task: Some(pb::SubTask {
                    sub_task_id: sub_task_id.to_string(),
                    assignee: assignee.to_string(),
                    description: description.to_string(),
                    deadline: Some(deadline.into()),
                    ..pb::SubTask::default()
                }),
            },
        )])
    }

    /// One bulletin per deadline, and only once the item is overdue; otherwise nothing.
    fn issue_overdue_bulletin(
        &self,
        context: &CommandContext,
    ) -> Result<Vec<SafetyItemEvent>, DomainError> {
        hl_domain::access::require_government_or_system(
            &context.actor,
            &self.region,
            "issue a bulletin",
        )?;
        let day = local_date(context.occurred_at);
        if !self.is_overdue(day) || self.bulletin_for == self.deadline {
            return Ok(Vec::new());
        }
        Ok(vec![SafetyItemEvent::OverdueBulletinIssued(
            pb::OverdueBulletinIssued {
                item_id: self.item_id.clone(),
                deadline: self.deadline.map(Into::into),
                overdue_sub_task_ids: self.overdue_sub_tasks(day),
                lead_unit_id: self.lead_unit_id.clone(),
            },
        )])
    }

    /// 销号 by an administrator other than the one who asked for it.
    fn approve_close_out(
        &self,
        note: &str,
        context: &CommandContext,
    ) -> Result<Vec<SafetyItemEvent>, DomainError> {
        require_bureau(&context.actor, &self.region, "approve a close-out (销号)")?;
        self.in_status(
            &[SafetyItemStatus::CloseOutRequested],
            "approve the close-out of",
        )?;
        if self.close_out_requested_by == context.actor.id {
            return Err(DomainError::forbidden(
                reasons::OWN_CLOSE_OUT,
                format!(
                    "{} asked for this close-out; another administrator approves it",
                    context.actor.id
                ),
            ));
        }
        Ok(vec![SafetyItemEvent::ClosedOut(pb::SafetyItemClosedOut {
            item_id: self.item_id.clone(),
            closed_out_on: Some(local_date(context.occurred_at).into()),
            note: note.to_string(),
        })])
    }

    /// A new sub-task's id is free and its deadline within the item's.
    fn check_new_sub_task(
        &self,
        sub_task_id: &str,
        deadline: NaiveDate,
    ) -> Result<(), DomainError> {
        if self
            .sub_tasks
            .iter()
            .any(|task| task.sub_task_id == sub_task_id)
        {
            return Err(DomainError::precondition(
                reasons::SUB_TASK_EXISTS,
                format!("sub-task {sub_task_id} exists"),
            ));
        }
        if let Some(item_deadline) = self.deadline.filter(|item| deadline > *item) {
            return Err(DomainError::invalid(
                "deadline",
                format!("must be on or before the item's deadline, {item_deadline}"),
            ));
        }
        Ok(())
    }

    /// The sub-task exists and is not done yet.
    fn check_open_sub_task(&self, sub_task_id: &str) -> Result<(), DomainError> {
        let Some(task) = self
            .sub_tasks
            .iter()
            .find(|task| task.sub_task_id == sub_task_id)
        else {
            return Err(DomainError::invalid(
                "sub_task_id",
                format!("safetyItems/{} has no sub-task {sub_task_id}", self.item_id),
            ));
        };
        if task.completed_on.is_some() {
            return Err(DomainError::precondition(
                reasons::SUB_TASK_DONE,
                format!("sub-task {sub_task_id} is done"),
            ));
        }
        Ok(())
    }

    /// A close-out needs every sub-task done.
    fn check_all_sub_tasks_done(&self) -> Result<(), DomainError> {
        let open: Vec<&str> = self
            .sub_tasks
            .iter()
            .filter(|task| task.completed_on.is_none())
            .map(|task| task.sub_task_id.as_str())
            .collect();
        if open.is_empty() {
            Ok(())
        } else {
            Err(DomainError::precondition(
                reasons::SUB_TASKS_OPEN,
                format!("sub-tasks still open: {}", open.join(", ")),
            ))
        }
    }

    fn note(&mut self, status: SafetyItemStatus, note: &str, meta: &EventMeta) {
        self.status = status;
        self.notes.push(pb::SafetyItemNote {
            status: status as i32,
            note: note.to_string(),
            actor_id: meta.actor.id.clone(),
            at: Some(hl_proto::timestamp(meta.occurred_at)),
        });
    }
}

impl Aggregate for SafetyItem {
    type Event = SafetyItemEvent;
    type Command = SafetyItemCommand;
    type Error = DomainError;
    const CONTEXT: &'static str = super::CONTEXT;
    const AGGREGATE_TYPE: &'static str = "safety_item";
    const COLLECTION: &'static str = "safetyItems";

    fn expects(command: &SafetyItemCommand) -> Expects {
        match command {
            SafetyItemCommand::List(_) => Expects::New,
            _ => Expects::Existing,
        }
    }

    fn decide(
        &self,
        command: &SafetyItemCommand,
        context: &CommandContext,
    ) -> Result<Vec<SafetyItemEvent>, DomainError> {
        match command {
            SafetyItemCommand::List(item) => SafetyItem::list(item, context),
            step => self.step(step, context),
        }
    }

    fn apply(&mut self, event: &SafetyItemEvent, meta: &EventMeta) {
        use SafetyItemStatus::{Accepted, CloseOutRequested, ClosedOut, InProgress, Listed};
        match event {
            SafetyItemEvent::Listed(listed) => {
                *self = SafetyItem {
                    item_id: listed.item_id.clone(),
                    kind: listed.kind(),
                    region: listed.region.clone(),
                    year: listed.year,
                    title: listed.title.clone(),
                    description: listed.description.clone(),
                    lead_unit_id: listed.lead_unit_id.clone(),
                    deadline: listed.deadline.and_then(|day| day.to_naive()),
                    ..SafetyItem::default()
                };
                self.note(Listed, "", meta);
            }
            SafetyItemEvent::Accepted(accepted) => self.note(Accepted, &accepted.note, meta),
            SafetyItemEvent::SubTaskAssigned(assigned) => {
                self.sub_tasks.extend(assigned.sub_task.clone());
            }
            SafetyItemEvent::ProgressReported(progress) => {
                self.note(InProgress, &progress.note, meta)
            }
            SafetyItemEvent::SubTaskCompleted(completed) => {
                if let Some(task) = self
                    .sub_tasks
                    .iter_mut()
                    .find(|task| task.sub_task_id == completed.sub_task_id)
                {
                    task.completed_on = completed.completed_on;
                    task.completion_note = completed.note.clone();
                    task.evidence = completed.evidence.clone();
                }
                self.status = InProgress;
            }
            SafetyItemEvent::CloseOutRequested(requested) => {
                self.close_out_requested_by = meta.actor.id.clone();
                self.note(CloseOutRequested, &requested.note, meta);
            }
            SafetyItemEvent::CloseOutRejected(rejected) => {
                self.rejected_close_outs += 1;
                self.note(InProgress, &rejected.reason, meta);
            }
            SafetyItemEvent::OverdueBulletinIssued(bulletin) => {
                self.bulletin_for = bulletin.deadline.and_then(|day| day.to_naive());
            }
            SafetyItemEvent::ClosedOut(closed) => {
                self.closed_out_on = closed.closed_out_on.and_then(|day| day.to_naive());
                self.note(ClosedOut, &closed.note, meta);
            }
        }
    }
}
