//! The gRPC adapter of 定人定责 and the committee's lists. A handler reads what a decision needs
//! from the registry index (the person, the object's township, the lead unit) and hands it to
//! the pure domain through the shared pipeline.

use std::sync::Arc;

use chrono::NaiveDate;
use hl_eventstore::{EventStore, Repository, RepositorySettings};
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::responsibility_service_server::ResponsibilityService;
use hl_proto::responsibility::v1::{AccountabilityOutcome, Duty, ObjectKind, SafetyItemKind};
use hl_runtime::ServiceError;
use hl_runtime::pipeline::{CommandCall, Committed, command_on_named, get_named};
use hl_runtime::validation::{MAX_SHORT_TEXT, MAX_TEXT, Violations};
use tonic::{Request, Response, Status};

use crate::domain::accountability::{AccountabilityCase, AccountabilityCommand};
use crate::domain::duty_period::{DutyPeriod, DutyPeriodCommand, HeldDuty, expected_of, period_id};
use crate::domain::emergency_centre::EmergencyCentre;
use crate::domain::evaluation::Evaluation;
use crate::domain::responsibilities::{
    Assign, Held, Responsibilities, ResponsibilitiesCommand, responsibilities_id,
};
use crate::domain::safety_item::{ListItem, SafetyItem, SafetyItemCommand};
use crate::index::RegistryIndex;
use crate::scoring::EvaluationScorer;

/// The most duties one assignment may carry.
const MAX_DUTIES: usize = 8;

pub struct ResponsibilityApi {
    region: String,
    index: Arc<RegistryIndex>,
    /// Who answers for what: read by the hazards process for the officer owing a review.
    pub(crate) responsibilities: Repository<Responsibilities>,
    items: Repository<SafetyItem>,
    /// Months of duty: closed here, and fed by the performances process.
    pub(crate) duty_periods: Repository<DutyPeriod>,
    /// Accountability cases: proposed by the accountability process, decided here.
    pub(crate) cases: Repository<AccountabilityCase>,
    centres: Repository<EmergencyCentre>,
    evaluations: Repository<Evaluation>,
    /// Where a publication's totals come from.
    scorer: Arc<dyn EvaluationScorer>,
}

impl ResponsibilityApi {
    pub fn new(
        store: EventStore,
        region: &str,
        settings: RepositorySettings,
        (index, scorer): (Arc<RegistryIndex>, Arc<dyn EvaluationScorer>),
    ) -> Arc<Self> {
        Arc::new(ResponsibilityApi {
            region: region.to_string(),
            index,
            responsibilities: Repository::new(store.clone(), region, settings.clone()),
            items: Repository::new(store.clone(), region, settings.clone()),
            duty_periods: Repository::new(store.clone(), region, settings.clone()),
            cases: Repository::new(store.clone(), region, settings.clone()),
            centres: Repository::new(store.clone(), region, settings.clone()),
            evaluations: Repository::new(store, region, settings),
            scorer,
        })
    }

    pub(super) fn index(&self) -> &RegistryIndex {
        &self.index
    }

    pub(super) fn centres(&self) -> &Repository<EmergencyCentre> {
        &self.centres
    }

    pub(super) fn evaluations(&self) -> &Repository<Evaluation> {
        &self.evaluations
    }

    pub(super) fn scorer(&self) -> &dyn EvaluationScorer {
        self.scorer.as_ref()
    }

    pub(super) fn region(&self) -> &str {
        &self.region
    }

    pub(super) fn require_index(&self) -> Result<(), Status> {
        if self.index.is_ready() {
            Ok(())
        } else {
            Err(ServiceError::unavailable("the registry is still being read; retry shortly").into())
        }
    }

    /// Where an object is, from the registry: its township, or the district for objects of the
    /// whole district. An object the registry does not know is named as a field violation.
    fn place_of(&self, violations: &mut Violations, kind: ObjectKind, object_id: &str) -> String {
        let index = self.index.read();
        match kind {
            ObjectKind::Enterprise => match index.enterprises.get(object_id) {
                Some(entry) if entry.state.exists() => {
                    let today = hl_domain::clock::local_date(chrono::Utc::now());
                    entry.state.details_as_of(today).township_code
                }
                _ => {
                    violations.add(
                        "object.object_id",
                        format!("enterprises/{object_id} is not registered"),
                    );
                    String::new()
                }
            },
            ObjectKind::GridCell => match index
                .cells
                .get(object_id)
                .and_then(|entry| entry.state.record.as_ref())
            {
                Some(cell) => cell.township_code.clone(),
                None => {
                    violations.add(
                        "object.object_id",
                        format!("gridCells/{object_id} does not exist"),
                    );
                    String::new()
                }
            },
            ObjectKind::TownshipIndustry => {
                let township = object_id.split('-').next().unwrap_or_default();
                if !index.areas.contains_key(township) {
                    violations.add(
                        "object.object_id",
                        format!("{township:?} is not a registered township code"),
                    );
                }
                township.to_string()
            }
            _ => self.region.clone(),
        }
    }

    async fn assign(
        &self,
        request: Request<pb::AssignResponsibilityRequest>,
    ) -> Result<Response<pb::ResponsibilitiesCommandResponse>, Status> {
        self.require_index()?;
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        let violations = &mut call.violations;
        let object = body.object.clone().unwrap_or_default();
        let kind = violations
            .enumeration::<ObjectKind>("object.kind", object.kind)
            .unwrap_or_default();
        violations.identifier("object.object_id", &object.object_id);
        violations.optional_identifier("assignment_id", &body.assignment_id);
        violations.identifier("person_id", &body.person_id);
        if body.duties.is_empty() || body.duties.len() > MAX_DUTIES {
            violations.add("duties", format!("1 to {MAX_DUTIES} duties"));
        }
        let duties: Vec<Duty> = body
            .duties
            .iter()
            .enumerate()
            .filter_map(|(index, duty)| {
                violations.enumeration::<Duty>(&format!("duties[{index}]"), *duty)
            })
            .collect();
        let valid_from = violations.date("valid_from", body.valid_from.as_ref());
        let valid_until = violations.optional_date("valid_until", body.valid_until.as_ref());
        let id = responsibilities_id(kind, &object.object_id);
        if !object.object_id.is_empty() && !hl_eventstore::is_valid_token(&id) {
            violations.add("object.object_id", "too long to name its responsibilities");
        }
        let place_code = if kind == ObjectKind::Unspecified || object.object_id.is_empty() {
            String::new()
        } else {
            self.place_of(violations, kind, &object.object_id)
        };
        call.check()?;
        let person = self
            .index
            .read()
            .persons
            .get(&body.person_id)
            .and_then(|entry| entry.state.record.clone());
        let assignment_id = if body.assignment_id.is_empty() {
            call.new_id::<Responsibilities>("")
        } else {
            body.assignment_id.clone()
        };
        let command = ResponsibilitiesCommand::Assign(Box::new(Assign {
            kind,
            object_id: object.object_id,
            place_code,
            assignment_id,
            person_id: body.person_id,
            person,
            duties,
            valid_from: valid_from.unwrap_or_default(),
            valid_until,
        }));
        let committed = call.run(&self.responsibilities, Some(id), &command).await?;
        Ok(self.indexed(committed))
    }

    /// Records an item in the index at once, so a sweep right after sees it.
    fn indexed_item(
        &self,
        committed: Committed<SafetyItem>,
    ) -> Response<pb::SafetyItemCommandResponse> {
        self.index.upsert(
            &committed.state.item_id,
            &committed.state,
            committed.version,
        );
        respond_item(committed)
    }

    /// Issues a bulletin (通报) for every item past its deadline on the day that has none for its
    /// deadline, as `actor`; returns the items it issued one for.
    ///
    /// The sweep (`request_id` None) keys each bulletin by its item and deadline and skips the
    /// items that have theirs. A caller's call keys each by its own request_id and revisits
    /// those too, so that its retry answers the items the first attempt issued for, replayed,
    /// and finishes those it did not reach.
    pub async fn issue_overdue_bulletins(
        &self,
        actor: &hl_proto::common::v1::Actor,
        now: chrono::DateTime<chrono::Utc>,
        request_id: Option<&str>,
    ) -> Result<Vec<String>, ServiceError> {
        let day = hl_domain::clock::local_date(now);
        let due: Vec<(String, NaiveDate)> = self
            .index
            .read()
            .safety_items
            .iter()
            .filter(|(_, entry)| {
                let item = &entry.state;
                let unbulletined = item.bulletin_for != item.deadline;
                // A caller's retry also revisits the items bulletined before: the first
                // attempt's, closed out since perhaps, are answered again.
                let revisited = request_id.is_some() && item.bulletin_for.is_some();
                (item.is_overdue(day) && unbulletined) || revisited
            })
            .filter_map(|(id, entry)| Some((id.clone(), entry.state.deadline?)))
            .collect();
        let key = |item_id: &str, deadline: NaiveDate| match request_id {
            Some(request_id) => format!("{request_id}/bulletin/{item_id}"),
            None => format!("bulletin:{item_id}:{deadline}"),
        };
        // Another caller's request_id is refused before anything is recorded.
        for (item_id, deadline) in &due {
            let loaded = self.items.load(item_id).await.map_err(ServiceError::from)?;
            let request = key(item_id, *deadline);
            if loaded.has_recorded(&request) && !loaded.recorded_for(&request, actor) {
                return Err(ServiceError::permission_denied(
                    hl_domain::reasons::REQUEST_ID_OF_ANOTHER_CALLER,
                    format!(
                        "request_id {:?} was used by another caller; choose a new one",
                        request_id.unwrap_or_default()
                    ),
                ));
            }
        }
        let mut issued = Vec::new();
        for (item_id, deadline) in due {
            let meta = hl_eventstore::RequestMeta {
                request_id: key(&item_id, deadline),
                actor: actor.clone(),
                occurred_at: None,
                correlation_id: request_id.map(str::to_string),
                migrated_by: None,
            };
            let executed = self
                .items
                .execute(&item_id, &SafetyItemCommand::IssueOverdueBulletin, &meta)
                .await
                .map_err(ServiceError::from)?;
            let bulletined = !executed.commit.event_ids.is_empty();
            if bulletined && !executed.replayed {
                self.index
                    .upsert(&item_id, &executed.state, executed.version);
            }
            // A replay is this caller's own bulletin, issued by an attempt that did not answer.
            if bulletined && (!executed.replayed || request_id.is_some()) {
                issued.push(item_id);
            }
        }
        Ok(issued)
    }

    /// Records an object's responsibilities in the index at once, so a month closed right
    /// after an assignment counts it.
    fn indexed(
        &self,
        committed: Committed<Responsibilities>,
    ) -> Response<pb::ResponsibilitiesCommandResponse> {
        self.index.upsert(
            &committed.state.responsibilities_id,
            &committed.state,
            committed.version,
        );
        respond_responsibilities(committed)
    }

    async fn close_duty_period(
        &self,
        request: Request<pb::CloseDutyPeriodRequest>,
    ) -> Result<Response<pb::DutyPeriodCommandResponse>, Status> {
        self.require_index()?;
        let mut call = CommandCall::from_request(request)?;
        let body = call.body.clone();
        call.violations.identifier("person_id", &body.person_id);
        call.violations.year("year", body.year);
        if !(1..=12).contains(&body.month) {
            call.violations.add("month", "1 to 12");
        }
        let held: Vec<HeldDuty> = {
            let index = self.index.read();
            if !body.person_id.is_empty() && !index.persons.contains_key(&body.person_id) {
                call.violations.add(
                    "person_id",
                    format!("persons/{} does not exist", body.person_id),
                );
            }
            index
                .responsibilities
                .values()
                .flat_map(|entry| {
                    let object = &entry.state;
                    object
                        .assignments
                        .iter()
                        .filter(|held| held.person_id == body.person_id)
                        .map(|held| HeldDuty {
                            kind: object.kind,
                            object_id: object.object_id.clone(),
                            place_code: object.place_code.clone(),
                            held: held.clone(),
                        })
                })
                .collect()
        };
        call.check()?;
        let month = body.month as u32;
        let (expected, rule_version) = expected_of(&held, body.year, month);
        let command = DutyPeriodCommand::Close {
            person_id: body.person_id.clone(),
            year: body.year,
            month,
            expected,
            rule_version: rule_version.to_string(),
        };
        let id = period_id(&body.person_id, body.year, month);
        call.run(&self.duty_periods, Some(id), &command)
            .await
            .map(respond_period)
    }

    async fn list_item(
        &self,
        request: Request<pb::ListSafetyItemRequest>,
    ) -> Result<Response<pb::SafetyItemCommandResponse>, Status> {
        self.require_index()?;
        let mut call = CommandCall::from_request(request)?;
        let body = &call.body;
        let violations = &mut call.violations;
        violations.optional_identifier("item_id", &body.item_id);
        let kind = violations
            .enumeration::<SafetyItemKind>("kind", body.kind)
            .unwrap_or_default();
        violations.year("year", body.year);
        violations.text("title", &body.title, MAX_SHORT_TEXT);
        violations.optional_text("description", &body.description, MAX_TEXT);
        violations.identifier("lead_unit_id", &body.lead_unit_id);
        if !body.lead_unit_id.is_empty()
            && !self.index.read().units.contains_key(&body.lead_unit_id)
        {
            violations.add(
                "lead_unit_id",
                format!("orgUnits/{} does not exist", body.lead_unit_id),
            );
        }
        let deadline = violations.date("deadline", body.deadline.as_ref());
        let item = ListItem {
            kind,
            region: self.region.clone(),
            year: body.year,
            title: body.title.trim().to_string(),
            description: body.description.trim().to_string(),
            lead_unit_id: body.lead_unit_id.clone(),
            deadline: deadline.unwrap_or_default(),
        };
        let id = call.new_id::<SafetyItem>(&call.body.item_id);
        call.run(&self.items, Some(id), &SafetyItemCommand::List(item))
            .await
            .map(|committed| self.indexed_item(committed))
    }

    async fn assign_sub_task(
        &self,
        request: Request<pb::AssignSubTaskRequest>,
    ) -> Result<Response<pb::SafetyItemCommandResponse>, Status> {
        self.require_index()?;
        let mut call = CommandCall::from_request(request)?;
        let id = call.named("safetyItems");
        let body = &call.body;
        let violations = &mut call.violations;
        violations.identifier("sub_task_id", &body.sub_task_id);
        violations.identifier("assignee", &body.assignee);
        let known = {
            let index = self.index.read();
            index.units.contains_key(&body.assignee) || index.areas.contains_key(&body.assignee)
        };
        if !body.assignee.is_empty() && !known {
            violations.add(
                "assignee",
                format!("{:?} is neither an org unit nor an area", body.assignee),
            );
        }
        violations.text("description", &body.description, MAX_TEXT);
        let deadline = violations.date("deadline", body.deadline.as_ref());
        let command = SafetyItemCommand::AssignSubTask {
            sub_task_id: body.sub_task_id.clone(),
            assignee: body.assignee.clone(),
            description: body.description.trim().to_string(),
            deadline: deadline.unwrap_or_default(),
        };
        call.run(&self.items, id, &command)
            .await
            .map(|committed| self.indexed_item(committed))
    }

    async fn item_step(
        &self,
        request: Request<pb::SafetyItemStepRequest>,
        note_required: bool,
        step: fn(String) -> SafetyItemCommand,
    ) -> Result<Response<pb::SafetyItemCommandResponse>, Status> {
        command_on_named(&self.items, request, |violations, body| {
            if note_required {
                violations.text("note", &body.note, MAX_TEXT);
            } else {
                violations.optional_text("note", &body.note, MAX_TEXT);
            }
            step(body.note.trim().to_string())
        })
        .await
        .map(|committed| self.indexed_item(committed))
    }
}

fn date(day: NaiveDate) -> Option<hl_proto::common::v1::Date> {
    Some(day.into())
}

fn assignment(held: &Held) -> pb::Assignment {
    pb::Assignment {
        assignment_id: held.assignment_id.clone(),
        person_id: held.person_id.clone(),
        duties: held.duties.iter().map(|duty| *duty as i32).collect(),
        valid_from: date(held.valid_from),
        valid_until: held.valid_until.and_then(date),
        end_reason: held.end_reason.clone(),
    }
}

pub fn responsibilities(state: &Responsibilities, version: u64) -> pb::Responsibilities {
    pb::Responsibilities {
        name: format!("responsibilities/{}", state.responsibilities_id),
        object: Some(pb::ResponsibilityObject {
            kind: state.kind as i32,
            object_id: state.object_id.clone(),
        }),
        assignments: state.assignments.iter().map(assignment).collect(),
        version,
    }
}

pub fn safety_item(state: &SafetyItem, version: u64) -> pb::SafetyItem {
    pb::SafetyItem {
        name: format!("safetyItems/{}", state.item_id),
        item_id: state.item_id.clone(),
        kind: state.kind as i32,
        region: state.region.clone(),
        year: state.year,
        title: state.title.clone(),
        description: state.description.clone(),
        lead_unit_id: state.lead_unit_id.clone(),
        deadline: state.deadline.and_then(date),
        status: state.status as i32,
        sub_tasks: state.sub_tasks.clone(),
        notes: state.notes.clone(),
        close_out_requested_by: state.close_out_requested_by.clone(),
        closed_out_on: state.closed_out_on.and_then(date),
        rejected_close_outs: state.rejected_close_outs,
        version,
    }
}

fn respond_responsibilities(
    committed: Committed<Responsibilities>,
) -> Response<pb::ResponsibilitiesCommandResponse> {
    Response::new(pb::ResponsibilitiesCommandResponse {
        responsibilities: Some(responsibilities(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn duty_period(state: &DutyPeriod, version: u64) -> pb::DutyPeriod {
    pb::DutyPeriod {
        name: format!("dutyPeriods/{}", state.period_id),
        period_id: state.period_id.clone(),
        person_id: state.person_id.clone(),
        year: state.year,
        month: state.month as i32,
        performances: state.performances.clone(),
        closed: state.closed,
        expected: state.expected.clone(),
        shortfalls: state.shortfalls.clone(),
        rule_version: state.rule_version.clone(),
        version,
        owed: state.owed.clone(),
    }
}

fn respond_period(committed: Committed<DutyPeriod>) -> Response<pb::DutyPeriodCommandResponse> {
    Response::new(pb::DutyPeriodCommandResponse {
        period: Some(duty_period(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

pub fn accountability_case(state: &AccountabilityCase, version: u64) -> pb::AccountabilityCase {
    pb::AccountabilityCase {
        name: format!("accountabilityCases/{}", state.case_id),
        case_id: state.case_id.clone(),
        region: state.region.clone(),
        trigger: state.trigger as i32,
        subject_id: state.subject_id.clone(),
        evidence: state.evidence.clone(),
        summary: state.summary.clone(),
        status: state.status as i32,
        outcome: state.outcome as i32,
        decision_note: state.decision_note.clone(),
        decided_by: state.decided_by.clone(),
        version,
    }
}

fn respond_case(
    committed: Committed<AccountabilityCase>,
) -> Response<pb::AccountabilityCaseCommandResponse> {
    Response::new(pb::AccountabilityCaseCommandResponse {
        case: Some(accountability_case(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

fn respond_item(committed: Committed<SafetyItem>) -> Response<pb::SafetyItemCommandResponse> {
    Response::new(pb::SafetyItemCommandResponse {
        item: Some(safety_item(&committed.state, committed.version)),
        commit: Some(committed.commit),
    })
}

/// The gRPC face of [`ResponsibilityApi`].
pub struct ResponsibilityGrpc(pub Arc<ResponsibilityApi>);

type ItemResponse = Result<Response<pb::SafetyItemCommandResponse>, Status>;
type CentreResponse = Result<Response<pb::EmergencyCentreCommandResponse>, Status>;
type EvaluationResponse = Result<Response<pb::EvaluationCommandResponse>, Status>;

#[tonic::async_trait]
impl ResponsibilityService for ResponsibilityGrpc {
    async fn assign_responsibility(
        &self,
        request: Request<pb::AssignResponsibilityRequest>,
    ) -> Result<Response<pb::ResponsibilitiesCommandResponse>, Status> {
        self.0.assign(request).await
    }

    async fn end_assignment(
        &self,
        request: Request<pb::EndAssignmentRequest>,
    ) -> Result<Response<pb::ResponsibilitiesCommandResponse>, Status> {
        command_on_named(&self.0.responsibilities, request, |violations, body| {
            violations.identifier("assignment_id", &body.assignment_id);
            let valid_until = violations.date("valid_until", body.valid_until.as_ref());
            violations.text("reason", &body.reason, MAX_TEXT);
            ResponsibilitiesCommand::End {
                assignment_id: body.assignment_id.clone(),
                valid_until: valid_until.unwrap_or_default(),
                reason: body.reason.trim().to_string(),
            }
        })
        .await
        .map(|committed| self.0.indexed(committed))
    }

    async fn get_responsibilities(
        &self,
        request: Request<pb::GetResponsibilitiesRequest>,
    ) -> Result<Response<pb::Responsibilities>, Status> {
        let fetched = get_named(&self.0.responsibilities, request).await?;
        fetched.require_district_reader(&self.0.region)?;
        Ok(Response::new(responsibilities(
            &fetched.state,
            fetched.version,
        )))
    }

    async fn list_safety_item(&self, request: Request<pb::ListSafetyItemRequest>) -> ItemResponse {
        self.0.list_item(request).await
    }

    async fn accept_safety_item(
        &self,
        request: Request<pb::SafetyItemStepRequest>,
    ) -> ItemResponse {
        self.0
            .item_step(request, false, |note| SafetyItemCommand::Accept { note })
            .await
    }

    async fn assign_sub_task(&self, request: Request<pb::AssignSubTaskRequest>) -> ItemResponse {
        self.0.assign_sub_task(request).await
    }

    async fn report_safety_item_progress(
        &self,
        request: Request<pb::SafetyItemStepRequest>,
    ) -> ItemResponse {
        self.0
            .item_step(request, true, |note| SafetyItemCommand::ReportProgress {
                note,
            })
            .await
    }

    async fn complete_sub_task(
        &self,
        request: Request<pb::CompleteSubTaskRequest>,
    ) -> ItemResponse {
        command_on_named(&self.0.items, request, |violations, body| {
            violations.identifier("sub_task_id", &body.sub_task_id);
            violations.text("note", &body.note, MAX_TEXT);
            violations.evidence("evidence", &body.evidence, false);
            SafetyItemCommand::CompleteSubTask {
                sub_task_id: body.sub_task_id.clone(),
                note: body.note.trim().to_string(),
                evidence: body.evidence.clone(),
            }
        })
        .await
        .map(|committed| self.0.indexed_item(committed))
    }

    async fn request_close_out(&self, request: Request<pb::SafetyItemStepRequest>) -> ItemResponse {
        self.0
            .item_step(request, true, |note| SafetyItemCommand::RequestCloseOut {
                note,
            })
            .await
    }

    async fn reject_close_out(&self, request: Request<pb::SafetyItemStepRequest>) -> ItemResponse {
        self.0
            .item_step(request, true, |reason| SafetyItemCommand::RejectCloseOut {
                reason,
            })
            .await
    }

    async fn approve_close_out(&self, request: Request<pb::SafetyItemStepRequest>) -> ItemResponse {
        self.0
            .item_step(request, false, |note| SafetyItemCommand::ApproveCloseOut {
                note,
            })
            .await
    }

    async fn close_duty_period(
        &self,
        request: Request<pb::CloseDutyPeriodRequest>,
    ) -> Result<Response<pb::DutyPeriodCommandResponse>, Status> {
        self.0.close_duty_period(request).await
    }

    async fn get_duty_period(
        &self,
        request: Request<pb::GetDutyPeriodRequest>,
    ) -> Result<Response<pb::DutyPeriod>, Status> {
        let fetched = get_named(&self.0.duty_periods, request).await?;
        fetched.require_district_reader(&self.0.region)?;
        Ok(Response::new(duty_period(&fetched.state, fetched.version)))
    }

    async fn issue_overdue_bulletins(
        &self,
        request: Request<pb::IssueOverdueBulletinsRequest>,
    ) -> Result<Response<pb::IssueOverdueBulletinsResponse>, Status> {
        self.0.require_index()?;
        let mut call = CommandCall::from_request(request)?;
        call.check()?;
        hl_domain::access::require_bureau(&call.actor, &self.0.region, "issue bulletins (通报)")
            .map_err(ServiceError::from)?;
        let item_ids = self
            .0
            .issue_overdue_bulletins(&call.actor, call.now, Some(call.body.request_id.as_str()))
            .await?;
        Ok(Response::new(pb::IssueOverdueBulletinsResponse {
            item_ids,
        }))
    }

    async fn open_accountability_case(
        &self,
        request: Request<pb::AccountabilityStepRequest>,
    ) -> Result<Response<pb::AccountabilityCaseCommandResponse>, Status> {
        command_on_named(&self.0.cases, request, |violations, body| {
            violations.optional_text("note", &body.note, MAX_TEXT);
            AccountabilityCommand::Open {
                note: body.note.trim().to_string(),
            }
        })
        .await
        .map(respond_case)
    }

    async fn dismiss_accountability_case(
        &self,
        request: Request<pb::AccountabilityStepRequest>,
    ) -> Result<Response<pb::AccountabilityCaseCommandResponse>, Status> {
        command_on_named(&self.0.cases, request, |violations, body| {
            violations.text("note", &body.note, MAX_TEXT);
            AccountabilityCommand::Dismiss {
                reason: body.note.trim().to_string(),
            }
        })
        .await
        .map(respond_case)
    }

    async fn conclude_accountability_case(
        &self,
        request: Request<pb::ConcludeAccountabilityCaseRequest>,
    ) -> Result<Response<pb::AccountabilityCaseCommandResponse>, Status> {
        command_on_named(&self.0.cases, request, |violations, body| {
            let outcome = violations
                .enumeration::<AccountabilityOutcome>("outcome", body.outcome)
                .unwrap_or_default();
            violations.text("note", &body.note, MAX_TEXT);
            AccountabilityCommand::Conclude {
                outcome,
                note: body.note.trim().to_string(),
            }
        })
        .await
        .map(respond_case)
    }

    async fn get_accountability_case(
        &self,
        request: Request<pb::GetAccountabilityCaseRequest>,
    ) -> Result<Response<pb::AccountabilityCase>, Status> {
        let fetched = get_named(&self.0.cases, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(accountability_case(
            &fetched.state,
            fetched.version,
        )))
    }

    async fn establish_emergency_centre(
        &self,
        request: Request<pb::EstablishEmergencyCentreRequest>,
    ) -> CentreResponse {
        self.0.establish_centre(request).await
    }

    async fn set_centre_staff(
        &self,
        request: Request<pb::SetCentreStaffRequest>,
    ) -> CentreResponse {
        self.0.set_centre_staff(request).await
    }

    async fn set_centre_roster(
        &self,
        request: Request<pb::SetCentreRosterRequest>,
    ) -> CentreResponse {
        self.0.set_centre_roster(request).await
    }

    async fn record_centre_equipment(
        &self,
        request: Request<pb::RecordCentreEquipmentRequest>,
    ) -> CentreResponse {
        self.0.record_centre_equipment(request).await
    }

    async fn record_readiness_check(
        &self,
        request: Request<pb::RecordReadinessCheckRequest>,
    ) -> CentreResponse {
        self.0.record_readiness_check(request).await
    }

    async fn get_emergency_centre(
        &self,
        request: Request<pb::GetEmergencyCentreRequest>,
    ) -> Result<Response<pb::EmergencyCentre>, Status> {
        self.0.get_centre(request).await
    }

    async fn open_evaluation(
        &self,
        request: Request<pb::OpenEvaluationRequest>,
    ) -> EvaluationResponse {
        self.0.open_evaluation(request).await
    }

    async fn enter_evaluation_score(
        &self,
        request: Request<pb::EnterEvaluationScoreRequest>,
    ) -> EvaluationResponse {
        self.0.enter_evaluation_score(request).await
    }

    async fn publish_evaluation(
        &self,
        request: Request<pb::PublishEvaluationRequest>,
    ) -> EvaluationResponse {
        self.0.publish_evaluation(request).await
    }

    async fn get_evaluation(
        &self,
        request: Request<pb::GetEvaluationRequest>,
    ) -> Result<Response<pb::Evaluation>, Status> {
        self.0.get_evaluation(request).await
    }

    async fn get_safety_item(
        &self,
        request: Request<pb::GetSafetyItemRequest>,
    ) -> Result<Response<pb::SafetyItem>, Status> {
        let fetched = get_named(&self.0.items, request).await?;
        fetched.require_district_reader(&fetched.state.region)?;
        Ok(Response::new(safety_item(&fetched.state, fetched.version)))
    }
}
