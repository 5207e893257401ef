//! The query API: the read models and the reconciliation, each answer with its freshness.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use futures::Stream;
use hl_domain::clock::local_date;
use hl_proto::common::v1::Date;
use hl_proto::hazards::v1::{HazardLevel, HazardStatus, SupervisionOrderStatus};
use hl_proto::ledger::v1 as pb;
use hl_proto::ledger::v1::ledger_service_server::LedgerService;
use hl_proto::ledger::v1::projection_admin_service_server::ProjectionAdminService;
use hl_proto::ledger::v1::{DiscrepancyClass, GroupBy, Ledger};
use hl_proto::timestamp;
use hl_runtime::pagination::{page, take_page, take_page_by_position};
use hl_runtime::validation::resource_id;
use hl_runtime::{ErrorCode, ServiceError, Violations, actor_from_metadata};
use tonic::{Request, Response, Status};

use crate::cache::Reconciled;
use crate::reader::{self, Scope};
use crate::reconciliation::{self, DiscrepancyRow, HazardView, ratio};
use crate::service::{Projections, RebuildError};

#[derive(Clone)]
pub struct LedgerGrpc(pub Arc<Projections>);

#[derive(Clone)]
pub struct AdminGrpc(pub Arc<Projections>);

fn database_error(error: sqlx::Error) -> Status {
    ServiceError::unavailable(format!("the read-model database failed: {error}")).into()
}

fn freshness(projections: &Projections) -> pb::Freshness {
    pb::Freshness {
        streams: projections
            .statuses()
            .iter()
            .map(|status| pb::StreamFreshness {
                stream: status.stream.clone(),
                applied_sequence: status.applied.load(Ordering::SeqCst),
                head_sequence: status.head.load(Ordering::SeqCst),
                lag_events: status.lag_events(),
                lag_seconds: status.lag_seconds(),
                stopped: status.failure().is_some(),
            })
            .collect(),
        generation: projections.generation(),
    }
}

fn date(day: Option<NaiveDate>) -> Option<Date> {
    day.map(Into::into)
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn instant(millis: i64) -> Option<hl_proto::Timestamp> {
    DateTime::from_timestamp_millis(millis).map(timestamp)
}

/// The as-of time and period of a request: now and the year to date by default.
fn when(
    violations: &mut Violations,
    as_of: Option<&hl_proto::Timestamp>,
    start: Option<&Date>,
    end: Option<&Date>,
) -> (DateTime<Utc>, NaiveDate, NaiveDate) {
    let now = Utc::now();
    let as_of = violations
        .optional_past_time("as_of", as_of, now + chrono::Duration::days(36_500))
        .unwrap_or(now);
    let today = local_date(as_of);
    let start = violations
        .optional_date("period_start", start)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
    let end = violations.optional_date("period_end", end).unwrap_or(today);
    if end < start {
        violations.add("period_end", "is before period_start");
    }
    (as_of, start, end)
}

fn filter_text(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_string())
}

fn hazard_record(view: &HazardView, as_of: DateTime<Utc>) -> pb::HazardRecord {
    let (facts, state) = (&view.facts, &view.state);
    pb::HazardRecord {
        hazard_id: facts.hazard_id.clone(),
        enterprise_id: facts.enterprise_id.clone(),
        enterprise_name: view.attributes.enterprise_name.clone(),
        township_code: view.attributes.township_code.clone(),
        industries: view.attributes.industries.clone(),
        grid_cell_id: view.attributes.grid_cell_id.clone(),
        ledger: if facts.government_side {
            Ledger::Government
        } else {
            Ledger::Enterprise
        } as i32,
        provenance: facts.provenance,
        category: facts.category,
        location: facts.location.clone(),
        equipment: facts.equipment.clone(),
        description: facts.description.clone(),
        level: state.level,
        status: state.status,
        deadline: date(state.deadline.as_deref().and_then(parse_day)),
        overdue: reconciliation::is_overdue(state, as_of),
        listed: state.listed,
        operations_suspended: state.suspended,
        reported_at: instant(facts.reported_at),
        closed_at: state.closed_at.and_then(instant),
        counterpart_hazard_id: state.counterpart_hazard_id.clone(),
        reopen_count: state.rejections as u32,
    }
}

/// The event types behind a discrepancy of each class.
fn evidence_types(class: DiscrepancyClass) -> &'static [&'static str] {
    match class {
        DiscrepancyClass::MissedBySelfCheck => &["HazardReported"],
        DiscrepancyClass::SelfReportedUnattended => &["HazardReported", "RectificationClaimed"],
        DiscrepancyClass::FalseRectification => &[
            "RectificationClaimed",
            "RectificationRejected",
            "HazardClosed",
            "HazardReported",
        ],
        DiscrepancyClass::GradeDisagreement | DiscrepancyClass::UnreportedMajor => &[
            "HazardReported",
            "HazardGraded",
            "CounterpartMatchConfirmed",
        ],
        DiscrepancyClass::Overdue => &[
            "RectificationPlanned",
            "RectificationOrdered",
            "ExtensionGranted",
            "RectificationRejected",
        ],
        _ => &[],
    }
}

impl LedgerGrpc {
    async fn snapshot(&self, scope: &Scope) -> Result<reconciliation::Snapshot, Status> {
        reader::snapshot(&self.0.database, self.0.generation(), scope)
            .await
            .map_err(database_error)
    }

    /// The snapshot and its discrepancies; for now, kept until the read model moves.
    async fn reconciled(&self, scope: &Scope) -> Result<Arc<Reconciled>, Status> {
        // Read before the snapshot: content newer than its key only costs a recomputation.
        let version = self.0.content_version();
        if let Some(kept) = self.0.reconciliations.get(&version, scope) {
            return Ok(kept);
        }
        let snapshot = self.snapshot(scope).await?;
        let discrepancies = reconciliation::discrepancies(&snapshot, &self.0.policy);
        let reconciled = Arc::new(Reconciled::new(snapshot, discrepancies));
        self.0
            .reconciliations
            .put(version, scope, reconciled.clone());
        Ok(reconciled)
    }

    /// A page of discrepancies, each with the ids of the events behind it, read in one query.
    async fn discrepancy_messages(
        &self,
        rows: &[&DiscrepancyRow],
        as_of: DateTime<Utc>,
    ) -> Result<Vec<pb::Discrepancy>, Status> {
        let mut hazard_ids: Vec<String> = rows
            .iter()
            .flat_map(|row| row.hazard_ids.iter().cloned())
            .collect();
        hazard_ids.sort();
        hazard_ids.dedup();
        let history = reader::history_events(
            &self.0.database,
            self.0.generation(),
            &hazard_ids,
            as_of.timestamp_millis(),
        )
        .await
        .map_err(database_error)?;
        Ok(rows
            .iter()
            .map(|row| {
                let types = evidence_types(row.class);
                let event_ids = history
                    .iter()
                    .filter(|event| {
                        row.hazard_ids.contains(&event.hazard_id)
                            && types.contains(&event.event_type.as_str())
                    })
                    .map(|event| event.event_id.clone())
                    .collect();
                discrepancy_message(row, as_of, event_ids)
            })
            .collect())
    }
}

fn discrepancy_message(
    row: &DiscrepancyRow,
    as_of: DateTime<Utc>,
    event_ids: Vec<String>,
) -> pb::Discrepancy {
    pb::Discrepancy {
        class: row.class as i32,
        code: row.code(),
        severity: row.severity as i32,
        enterprise_id: row.enterprise_id.clone(),
        enterprise_name: row.attributes.enterprise_name.clone(),
        township_code: row.attributes.township_code.clone(),
        industries: row.attributes.industries.clone(),
        grid_cell_id: row.attributes.grid_cell_id.clone(),
        age_days: (local_date(as_of) - row.since).num_days().max(0) as i32,
        hazard_ids: row.hazard_ids.clone(),
        event_ids,
        record_name: row.record_name.clone(),
        detail: row.detail.clone(),
    }
}

#[tonic::async_trait]
impl LedgerService for LedgerGrpc {
    async fn list_hazards(
        &self,
        request: Request<pb::ListHazardsRequest>,
    ) -> Result<Response<pb::ListHazardsResponse>, Status> {
        actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let mut violations = Violations::new();
        let (as_of, _, _) = when(&mut violations, body.as_of.as_ref(), None, None);
        violations.optional_enumeration::<Ledger>("ledger", body.ledger);
        violations.optional_enumeration::<HazardLevel>("level", body.level);
        violations.optional_enumeration::<HazardStatus>("status", body.status);
        violations.into_result()?;
        let query = format!(
            "enterprise={}&township={}&industry={}&ledger={}&level={}&status={}&listed={}&overdue={}&as_of={}",
            body.enterprise_id,
            body.township_code,
            body.industry,
            body.ledger,
            body.level,
            body.status,
            body.listed_only,
            body.overdue_only,
            body.as_of.map(|at| at.seconds).unwrap_or_default()
        );
        let page = page(body.page_size, &body.page_token, &query)?;
        let scope = Scope {
            current: reader::is_now(as_of),
            as_of,
            period_start: NaiveDate::MIN,
            period_end: NaiveDate::MAX,
            enterprise_id: filter_text(&body.enterprise_id),
            township_code: filter_text(&body.township_code),
            industry: (body.industry != 0).then_some(body.industry),
        };
        let hazards = reader::hazards(&self.0.database, self.0.generation(), &scope)
            .await
            .map_err(database_error)?;
        let matching: Vec<(String, pb::HazardRecord)> = hazards
            .iter()
            .map(|view| hazard_record(view, as_of))
            .filter(|record| {
                (body.ledger == 0 || record.ledger == body.ledger)
                    && (body.level == 0 || record.level == body.level)
                    && (body.status == 0 || record.status == body.status)
                    && (!body.listed_only || record.listed)
                    && (!body.overdue_only || record.overdue)
            })
            .map(|record| (record.hazard_id.clone(), record))
            .collect();
        let total_size = matching.len() as i32;
        let (hazards, next_page_token) = take_page(matching, &page, &query);
        Ok(Response::new(pb::ListHazardsResponse {
            hazards,
            next_page_token,
            total_size,
            freshness: Some(freshness(&self.0)),
        }))
    }

    async fn get_enterprise_ledgers(
        &self,
        request: Request<pb::GetEnterpriseLedgersRequest>,
    ) -> Result<Response<pb::EnterpriseLedgers>, Status> {
        let actor = actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let enterprise_id = resource_id("name", &body.name, "enterprises")?.to_string();
        if actor.role == hl_proto::common::v1::Role::Enterprise as i32
            && actor.organisation != enterprise_id
        {
            return Err(ServiceError::permission_denied(
                "OTHER_ENTERPRISE",
                "an enterprise reads only its own ledgers",
            )
            .into());
        }
        let mut violations = Violations::new();
        let (as_of, _, _) = when(&mut violations, body.as_of.as_ref(), None, None);
        violations.into_result()?;
        let scope = Scope {
            current: reader::is_now(as_of),
            as_of,
            period_start: NaiveDate::MIN,
            period_end: NaiveDate::MAX,
            enterprise_id: Some(enterprise_id.clone()),
            township_code: None,
            industry: None,
        };
        let snapshot = self.snapshot(&scope).await?;
        let enterprises =
            reader::enterprises_on(&self.0.database, self.0.generation(), local_date(as_of))
                .await
                .map_err(database_error)?;
        let Some(enterprise) = enterprises.get(&enterprise_id) else {
            return Err(ServiceError::not_found(body.name).into());
        };
        // How each pair came about: cited when reported ("linked") or decided by an officer.
        let generation = self.0.generation();
        let bases: HashMap<(String, String), String> = sqlx::query_as::<_, (String, String, String)>(&format!(
            "SELECT m.government_hazard_id, m.self_hazard_id, m.decision FROM hazard_matches_g{generation} m
             JOIN hazards_g{generation} h ON h.hazard_id = m.government_hazard_id
             WHERE h.enterprise_id = $1 AND m.decided_at <= $2 AND m.decision <> 'rejected'"
        ))
        .bind(enterprise_id.clone())
        .bind(as_of.timestamp_millis())
        .fetch_all(self.0.database.pool())
        .await
        .map_err(database_error)?
        .into_iter()
        .map(|(government, own, decision)| ((government, own), decision))
        .collect();
        let mut ledgers = pb::EnterpriseLedgers {
            enterprise_id: enterprise_id.clone(),
            enterprise_name: enterprise.attributes.enterprise_name.clone(),
            township_code: enterprise.attributes.township_code.clone(),
            freshness: Some(freshness(&self.0)),
            ..Default::default()
        };
        for view in &snapshot.hazards {
            let record = hazard_record(view, as_of);
            if view.facts.government_side {
                if !view.state.counterpart_hazard_id.is_empty() {
                    ledgers.pairs.push(pb::LedgerPair {
                        government_hazard_id: view.facts.hazard_id.clone(),
                        self_check_hazard_id: view.state.counterpart_hazard_id.clone(),
                        basis: bases
                            .get(&(
                                view.facts.hazard_id.clone(),
                                view.state.counterpart_hazard_id.clone(),
                            ))
                            .cloned()
                            .unwrap_or_default(),
                    });
                }
                ledgers.government_ledger.push(record);
            } else {
                ledgers.enterprise_ledger.push(record);
            }
        }
        ledgers.self_check_rounds = snapshot
            .rounds
            .iter()
            .filter(|round| round.enterprise_id == enterprise_id)
            .map(round_record)
            .collect();
        Ok(Response::new(ledgers))
    }

    async fn list_self_check_rounds(
        &self,
        request: Request<pb::ListSelfCheckRoundsRequest>,
    ) -> Result<Response<pb::ListSelfCheckRoundsResponse>, Status> {
        actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let query = format!("enterprise={}", body.enterprise_id);
        let page = page(body.page_size, &body.page_token, &query)?;
        let generation = self.0.generation();
        let rows = sqlx::query(&format!("SELECT * FROM self_check_rounds_g{generation} WHERE ($1 = '' OR enterprise_id = $1) ORDER BY round_id"))
            .bind(body.enterprise_id.clone())
            .fetch_all(self.0.database.pool())
            .await
            .map_err(database_error)?;
        let mut matching = Vec::new();
        for row in &rows {
            let round = crate::sql::read_round(row).map_err(database_error)?;
            matching.push((round.round_id.clone(), round_record(&round)));
        }
        let total_size = matching.len() as i32;
        let (rounds, next_page_token) = take_page(matching, &page, &query);
        Ok(Response::new(pb::ListSelfCheckRoundsResponse {
            rounds,
            next_page_token,
            total_size,
            freshness: Some(freshness(&self.0)),
        }))
    }

    async fn list_supervision_orders(
        &self,
        request: Request<pb::ListSupervisionOrdersRequest>,
    ) -> Result<Response<pb::ListSupervisionOrdersResponse>, Status> {
        actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let mut violations = Violations::new();
        let (as_of, _, _) = when(&mut violations, body.as_of.as_ref(), None, None);
        violations.into_result()?;
        let query = String::new();
        let page = page(body.page_size, &body.page_token, &query)?;
        let generation = self.0.generation();
        let ids: Vec<String> = sqlx::query_as::<_, (String,)>(&format!(
            "SELECT order_id FROM supervision_orders_g{generation} ORDER BY order_id"
        ))
        .fetch_all(self.0.database.pool())
        .await
        .map_err(database_error)?
        .into_iter()
        .map(|(id,)| id)
        .collect();
        let mut tx = self
            .0
            .database
            .pool()
            .begin()
            .await
            .map_err(database_error)?;
        let mut orders = crate::sql::load_orders(&mut tx, generation, &ids)
            .await
            .map_err(database_error)?;
        tx.rollback().await.map_err(database_error)?;
        let today = local_date(as_of);
        let matching: Vec<(String, pb::SupervisionOrderRecord)> = ids
            .iter()
            .filter_map(|id| orders.remove(id))
            .map(|order| {
                let late =
                    |deadline: Option<NaiveDate>| deadline.is_some_and(|deadline| today > deadline);
                let overdue = order.status != SupervisionOrderStatus::Delisted as i32
                    && (late(parse_day(&order.deadline))
                        || order.sub_tasks.iter().any(|task| {
                            !task.completed
                                && late(task.deadline.as_ref().and_then(|date| date.to_naive()))
                        }));
                let record = pb::SupervisionOrderRecord {
                    order_id: order.order_id.clone(),
                    level: order.level,
                    notice_number: order.notice_number,
                    title: order.title,
                    status: order.status,
                    deadline: date(parse_day(&order.deadline)),
                    hazard_ids: order.hazard_ids,
                    sub_tasks: order.sub_tasks,
                    escalations: order.escalations as u32,
                    overdue,
                };
                (order.order_id, record)
            })
            .collect();
        let total_size = matching.len() as i32;
        let (orders, next_page_token) = take_page(matching, &page, &query);
        Ok(Response::new(pb::ListSupervisionOrdersResponse {
            orders,
            next_page_token,
            total_size,
            freshness: Some(freshness(&self.0)),
        }))
    }

    async fn list_match_proposals(
        &self,
        request: Request<pb::ListMatchProposalsRequest>,
    ) -> Result<Response<pb::ListMatchProposalsResponse>, Status> {
        actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let query = format!(
            "enterprise={}&township={}",
            body.enterprise_id, body.township_code
        );
        let page = page(body.page_size, &body.page_token, &query)?;
        let scope = Scope {
            as_of: Utc::now(),
            current: true,
            period_start: NaiveDate::MIN,
            period_end: NaiveDate::MAX,
            enterprise_id: filter_text(&body.enterprise_id),
            township_code: filter_text(&body.township_code),
            industry: None,
        };
        let snapshot = self.snapshot(&scope).await?;
        let matching: Vec<(String, pb::MatchProposal)> =
            reconciliation::proposals(&snapshot, &self.0.policy)
                .into_iter()
                .enumerate()
                .map(|(index, proposal)| {
                    (
                        format!("{index:09}"),
                        pb::MatchProposal {
                            government_hazard_id: proposal.government_hazard_id,
                            self_check_hazard_id: proposal.self_hazard_id,
                            enterprise_id: proposal.enterprise_id,
                            grounds: proposal.grounds,
                            score: proposal.score,
                        },
                    )
                })
                .collect();
        let total_size = matching.len() as i32;
        let (proposals, next_page_token) = take_page(matching, &page, &query);
        Ok(Response::new(pb::ListMatchProposalsResponse {
            proposals,
            next_page_token,
            total_size,
            freshness: Some(freshness(&self.0)),
        }))
    }

    async fn list_discrepancies(
        &self,
        request: Request<pb::ListDiscrepanciesRequest>,
    ) -> Result<Response<pb::ListDiscrepanciesResponse>, Status> {
        actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let mut violations = Violations::new();
        let (as_of, period_start, period_end) = when(
            &mut violations,
            body.as_of.as_ref(),
            body.period_start.as_ref(),
            body.period_end.as_ref(),
        );
        for (index, class) in body.classes.iter().enumerate() {
            violations.enumeration::<DiscrepancyClass>(&format!("classes[{index}]"), *class);
        }
        violations.into_result()?;
        let query = format!(
            "classes={:?}&start={period_start}&end={period_end}&as_of={}&enterprise={}&township={}&industry={}",
            body.classes,
            body.as_of.map(|at| at.seconds).unwrap_or_default(),
            body.enterprise_id,
            body.township_code,
            body.industry
        );
        let page = page(body.page_size, &body.page_token, &query)?;
        let scope = Scope {
            current: reader::is_now(as_of),
            as_of,
            period_start,
            period_end,
            enterprise_id: filter_text(&body.enterprise_id),
            township_code: filter_text(&body.township_code),
            industry: (body.industry != 0).then_some(body.industry),
        };
        let reconciled = self.reconciled(&scope).await?;
        let matching = || {
            reconciled
                .discrepancies
                .iter()
                .filter(|row| body.classes.is_empty() || body.classes.contains(&(row.class as i32)))
        };
        let total_size = matching().count() as i32;
        let (rows, next_page_token) = take_page_by_position(matching(), &page, &query)?;
        let discrepancies = self.discrepancy_messages(&rows, as_of).await?;
        Ok(Response::new(pb::ListDiscrepanciesResponse {
            discrepancies,
            next_page_token,
            total_size,
            freshness: Some(freshness(&self.0)),
        }))
    }

    async fn get_reconciliation_summary(
        &self,
        request: Request<pb::GetReconciliationSummaryRequest>,
    ) -> Result<Response<pb::ReconciliationSummary>, Status> {
        actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let mut violations = Violations::new();
        let (as_of, period_start, period_end) = when(
            &mut violations,
            body.as_of.as_ref(),
            body.period_start.as_ref(),
            body.period_end.as_ref(),
        );
        let group_by = violations
            .optional_enumeration::<GroupBy>("group_by", body.group_by)
            .unwrap_or_default();
        violations.into_result()?;
        let group_by = if group_by == GroupBy::Unspecified {
            GroupBy::Township
        } else {
            group_by
        };
        let scope = Scope {
            current: reader::is_now(as_of),
            as_of,
            period_start,
            period_end,
            enterprise_id: None,
            township_code: filter_text(&body.township_code),
            industry: (body.industry != 0).then_some(body.industry),
        };
        let reconciled = self.reconciled(&scope).await?;
        let summary = match reconciled.summary(group_by as i32) {
            Some(kept) => kept,
            None => {
                let computed = Arc::new(self.summarize(&reconciled, group_by).await?);
                reconciled.keep_summary(group_by as i32, computed.clone());
                computed
            }
        };
        Ok(Response::new(pb::ReconciliationSummary {
            as_of: Some(timestamp(as_of)),
            freshness: Some(freshness(&self.0)),
            ..(*summary).clone()
        }))
    }
}

impl LedgerGrpc {
    /// The rates of a reconciliation grouped one way, without the request's as_of and freshness.
    async fn summarize(
        &self,
        reconciled: &Reconciled,
        group_by: GroupBy,
    ) -> Result<pb::ReconciliationSummary, Status> {
        let (snapshot, discrepancies) = (&reconciled.snapshot, &reconciled.discrepancies);
        let (total, groups) = reconciliation::rates(snapshot, discrepancies, group_by);
        let mut names = reader::names(&self.0.database, self.0.generation())
            .await
            .map_err(database_error)?;
        for enterprise in &snapshot.enterprises {
            names.insert(
                enterprise.enterprise_id.clone(),
                enterprise.attributes.enterprise_name.clone(),
            );
        }
        for hazard in &snapshot.hazards {
            names
                .entry(hazard.facts.enterprise_id.clone())
                .or_insert_with(|| hazard.attributes.enterprise_name.clone());
        }
        let mut counts: HashMap<i32, u32> = HashMap::new();
        for row in discrepancies {
            *counts.entry(row.class as i32).or_default() += 1;
        }
        let mut by_class: Vec<pb::ClassCount> = counts
            .into_iter()
            .map(|(class, count)| pb::ClassCount {
                class,
                code: format!("D{class}"),
                count,
            })
            .collect();
        by_class.sort_by_key(|count| count.class);
        let listing_progress = listing_progress(&self.0, self.0.generation()).await?;
        Ok(pb::ReconciliationSummary {
            group_by: group_by as i32,
            period_start: date(Some(snapshot.period_start)),
            period_end: date(Some(snapshot.period_end)),
            as_of: None,
            total: Some(rate_row("", "total", &total)),
            rows: groups
                .iter()
                .map(|(group, rates)| rate_row(group, &group_name(group, group_by, &names), rates))
                .collect(),
            discrepancies_by_class: by_class,
            listing_progress,
            freshness: None,
        })
    }
}

fn group_name(group: &str, group_by: GroupBy, names: &HashMap<String, String>) -> String {
    if group.is_empty() {
        return "(none)".to_string();
    }
    match group_by {
        GroupBy::Industry => group.trim_start_matches("INDUSTRY_").to_lowercase(),
        _ => names.get(group).cloned().unwrap_or_default(),
    }
}

fn rate_row(group: &str, name: &str, rates: &reconciliation::Rates) -> pb::RateRow {
    pb::RateRow {
        group: group.to_string(),
        group_name: name.to_string(),
        government_findings: rates.government_findings,
        self_found_matched: rates.self_found_matched,
        missed_by_self_check: rates.missed_by_self_check,
        self_discovery_rate: ratio(
            rates.self_found_matched,
            rates.self_found_matched + rates.missed_by_self_check,
        ),
        miss_rate: ratio(rates.missed_by_self_check, rates.government_findings),
        false_rectifications: rates.false_rectifications,
        government_checked_rectifications: rates.government_checked_rectifications,
        false_rectification_rate: ratio(
            rates.false_rectifications,
            rates.government_checked_rectifications,
        ),
        verification_lag_median_hours: reconciliation::median(&rates.verification_lags_hours),
        on_time_closures: rates
            .on_time
            .iter()
            .map(|((government, level), (due, on_time))| pb::OnTimeClosure {
                ledger: if *government {
                    Ledger::Government
                } else {
                    Ledger::Enterprise
                } as i32,
                level: *level,
                due: *due,
                on_time: *on_time,
                rate: ratio(*on_time, *due),
            })
            .collect(),
        open_major: rates.open_major,
        enterprises_in_scope: rates.enterprises_in_scope,
        enterprises_self_checked: rates.enterprises_self_checked,
        self_check_coverage: ratio(rates.enterprises_self_checked, rates.enterprises_in_scope),
        discrepancies: rates.discrepancies,
    }
}

/// Sub-tasks completed ÷ all sub-tasks of orders not yet delisted.
async fn listing_progress(
    projections: &Projections,
    generation: i64,
) -> Result<Option<f64>, Status> {
    let (done, all): (Option<i64>, i64) = sqlx::query_as(&format!(
        "SELECT CAST(SUM(t.completed) AS BIGINT), COUNT(*) FROM supervision_sub_tasks_g{generation} t JOIN supervision_orders_g{generation} o ON o.order_id = t.order_id WHERE o.status <> $1"
    ))
    .bind(SupervisionOrderStatus::Delisted as i64)
    .fetch_one(projections.database.pool())
    .await
    .map_err(database_error)?;
    Ok(ratio(done.unwrap_or_default() as u32, all as u32))
}

fn round_record(round: &crate::model::RoundRow) -> pb::SelfCheckRoundRecord {
    pb::SelfCheckRoundRecord {
        round_id: round.round_id.clone(),
        enterprise_id: round.enterprise_id.clone(),
        period_start: date(parse_day(&round.period_start)),
        period_end: date(parse_day(&round.period_end)),
        status: round.status,
        zero_findings_attested: round.zero_findings,
        finding_count: round.finding_count as u32,
        submitted_at: round.submitted_at.and_then(instant),
    }
}

type ProgressStream = Pin<Box<dyn Stream<Item = Result<pb::RebuildProgress, Status>> + Send>>;

#[tonic::async_trait]
impl ProjectionAdminService for AdminGrpc {
    async fn get_projection_status(
        &self,
        request: Request<pb::GetProjectionStatusRequest>,
    ) -> Result<Response<pb::ProjectionStatus>, Status> {
        actor_from_metadata(request.metadata())?;
        let failures = self
            .0
            .statuses()
            .iter()
            .filter_map(|status| {
                status.failure().map(|failure| pb::ProjectionFailure {
                    stream: status.stream.clone(),
                    sequence: failure.sequence,
                    reason: failure.reason,
                    failed_at: instant(failure.at),
                })
            })
            .collect();
        Ok(Response::new(pb::ProjectionStatus {
            active_generation: self.0.generation(),
            freshness: Some(freshness(&self.0)),
            failures,
            rebuild: self.0.rebuild_progress(),
            database: self.0.database.dialect().name().to_string(),
        }))
    }

    type RebuildProjectionsStream = ProgressStream;

    async fn rebuild_projections(
        &self,
        request: Request<pb::RebuildProjectionsRequest>,
    ) -> Result<Response<ProgressStream>, Status> {
        let actor = actor_from_metadata(request.metadata())?;
        if actor.role != hl_proto::common::v1::Role::BureauAdministrator as i32
            && actor.role != hl_proto::common::v1::Role::System as i32
        {
            return Err(ServiceError::permission_denied(
                "BUREAU_ROLE_REQUIRED",
                "only a bureau administrator or system may rebuild the read models",
            )
            .into());
        }
        let progress = self.0.rebuild().await.map_err(|error| match error {
            RebuildError::AlreadyRunning => ServiceError::precondition(
                "REBUILD_RUNNING",
                "a rebuild is already running; watch GetProjectionStatus",
            ),
            other => ServiceError::new(ErrorCode::Unavailable, other.to_string()),
        })?;
        let updates = tokio_stream::wrappers::WatchStream::new(progress);
        let stream = futures::StreamExt::scan(updates, false, |done, progress| {
            if *done {
                return futures::future::ready(None);
            }
            *done = progress.switched;
            futures::future::ready(Some(Ok(progress)))
        });
        Ok(Response::new(Box::pin(stream)))
    }
}
