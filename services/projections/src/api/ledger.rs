//! LedgerService: the two ledgers side by side, their discrepancies and rates.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use hl_domain::clock::local_date;
use hl_hazards::domain::supervision::SupervisionOrder;
use hl_hazards::read_models::hazards::{HazardRow, MatchRow};
use hl_hazards::read_models::orders::SupervisionOrderRow;
use hl_hazards::read_models::rounds::RoundRow;
use hl_proto::hazards::v1::{HazardLevel, HazardStatus, SupervisionOrderStatus};
use hl_proto::ledger::v1 as pb;
use hl_proto::ledger::v1::ledger_service_server::LedgerService;
use hl_proto::ledger::v1::{DiscrepancyClass, GroupBy, Ledger, RateKind};
use hl_readmodel::{Columns, Table};
use hl_runtime::pagination::{list, page, take_page, take_page_by_position};
use hl_runtime::validation::resource_id;
use hl_runtime::{ServiceError, Violations, caller};
use tonic::{Request, Response, Status};

use super::records::{self, date, hazard_record, round_record};
use super::{Asked, Shared, begin_read, database_error, freshness, instant, restrict, seconds};
use crate::cache::Reconciled;
use crate::reader::{self, Scope};
use crate::reconciliation::{self, DiscrepancyRow, HazardView, Rate, Rates};
use hl_readmodel::ReadTransaction;

#[derive(Clone)]
pub struct LedgerGrpc(pub Shared);

impl LedgerGrpc {
    /// The generation a query reads, held while the statement (or binding) that takes it lasts.
    fn generation(&self) -> crate::service::Reading {
        self.0.generation()
    }

    /// The snapshot of a scope, in a read transaction of its own.
    async fn snapshot(&self, scope: &Scope) -> Result<reconciliation::Snapshot, Status> {
        let mut transaction = begin_read(&self.0).await?;
        Ok(reader::snapshot(&mut transaction, *self.generation(), scope).await?)
    }

    /// The snapshot and its discrepancies; for now, kept until the read model moves.
    pub(super) async fn reconciled(&self, scope: &Scope) -> Result<Arc<Reconciled>, Status> {
        // Read before the snapshot: content newer than its key only costs a recomputation.
        let version = self.0.content_version();
        if let Some(kept) = self.0.reconciliations.get(&version, scope) {
            return Ok(kept);
        }
        let snapshot = self.snapshot(scope).await?;
        let discrepancies = reconciliation::discrepancies(&snapshot);
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
            &mut begin_read(&self.0).await?,
            *self.generation(),
            &hazard_ids,
            as_of.timestamp_millis(),
        )
        .await
        .map_err(database_error)?;
        Ok(rows
            .iter()
            .map(|row| {
                let types = records::evidence_types(row.class);
                let event_ids = history
                    .iter()
                    .filter(|event| {
                        row.hazard_ids.contains(&event.hazard_id)
                            && types.contains(&event.event_type.as_str())
                    })
                    .map(|event| event.event_id.clone())
                    .collect();
                records::discrepancy_message(row, as_of, event_ids)
            })
            .collect())
    }

    /// How each pair of an enterprise came about: cited when reported ("linked") or decided by
    /// an officer.
    async fn pair_bases(
        transaction: &mut ReadTransaction,
        generation: i64,
        scope: &Scope,
    ) -> Result<HashMap<(String, String), String>, Status> {
        // Of one enterprise's hazards only, where the scope names one.
        let rows = sqlx::query(&format!(
            "SELECT * FROM {} WHERE decided_at <= $1 AND recorded_at <= $2 AND decision <> 'rejected'
             AND ($3 = '' OR government_hazard_id IN (SELECT hazard_id FROM {} WHERE enterprise_id = $3))",
            MatchRow::table(generation),
            HazardRow::table(generation),
        ))
        .bind(scope.as_of.timestamp_millis())
        .bind(scope.known_at.timestamp_millis())
        .bind(scope.enterprise_id.clone().unwrap_or_default())
        .fetch_all(transaction.connection())
        .await
        .map_err(database_error)?;
        let mut bases = HashMap::new();
        for row in &rows {
            let pair = MatchRow::from_row(row).map_err(database_error)?;
            bases.insert(
                (pair.government_hazard_id, pair.self_hazard_id),
                pair.decision,
            );
        }
        Ok(bases)
    }

    /// Supervision orders as they stood at `as_of` and as the ledger knew them at `known_at`,
    /// ordered by id.
    async fn orders(
        &self,
        as_of: DateTime<Utc>,
        known_at: DateTime<Utc>,
    ) -> Result<Vec<SupervisionOrder>, Status> {
        let known = hl_readmodel::known_rows_as_of::<SupervisionOrderRow>(
            &self.0.database,
            *self.generation(),
            known_at,
            as_of,
        )
        .await
        .map_err(database_error)?;
        Ok(known.into_iter().map(|order| order.row.state.0).collect())
    }

    /// The rates of a reconciliation grouped one way, without the request's as_of and freshness.
    async fn summarize(
        &self,
        reconciled: &Reconciled,
        group_by: GroupBy,
    ) -> Result<pb::ReconciliationSummary, Status> {
        let (snapshot, discrepancies) = (&reconciled.snapshot, &reconciled.discrepancies);
        let (total, groups) = reconciliation::rates(snapshot, discrepancies, group_by);
        let mut names = reader::names(&mut begin_read(&self.0).await?, *self.generation())
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
        Ok(pb::ReconciliationSummary {
            group_by: group_by as i32,
            period_start: date(snapshot.period_start),
            period_end: date(snapshot.period_end),
            as_of: None,
            total: Some(records::rate_row("", "total", &total)),
            rows: groups
                .iter()
                .map(|(group, rates)| {
                    records::rate_row(group, &records::group_name(group, group_by, &names), rates)
                })
                .collect(),
            discrepancies_by_class: by_class,
            listing_progress: self
                .listing_progress(snapshot.as_of, snapshot.known_at)
                .await?,
            freshness: None,
        })
    }

    /// Sub-tasks completed ÷ all sub-tasks of orders not yet delisted.
    async fn listing_progress(
        &self,
        as_of: DateTime<Utc>,
        known_at: DateTime<Utc>,
    ) -> Result<Option<f64>, Status> {
        let orders = self.orders(as_of, known_at).await?;
        let tasks: Vec<&hl_proto::hazards::v1::SubTask> = orders
            .iter()
            .filter(|order| order.status != SupervisionOrderStatus::Delisted)
            .flat_map(|order| &order.sub_tasks)
            .collect();
        let done = tasks.iter().filter(|task| task.completed).count();
        Ok(reconciliation::ratio(done as u32, tasks.len() as u32))
    }
}

/// A group by, defaulting to townships.
fn group_by_of(violations: &mut Violations, value: i32) -> GroupBy {
    match violations
        .optional_enumeration::<GroupBy>("group_by", value)
        .unwrap_or_default()
    {
        GroupBy::Unspecified => GroupBy::Township,
        group_by => group_by,
    }
}

/// The rate a lineage request asks about, of one group's rates.
fn rate_of(rates: &Rates, kind: RateKind) -> Rate {
    match kind {
        RateKind::SelfDiscovery => rates.self_discovery.clone(),
        RateKind::Miss => rates.miss.clone(),
        RateKind::FalseRectification => rates.false_rectification.clone(),
        RateKind::OnTimeClosure => rates
            .on_time
            .values()
            .fold(Rate::default(), |mut all, rate| {
                all.numerator.extend(rate.numerator.iter().cloned());
                all.denominator.extend(rate.denominator.iter().cloned());
                all
            }),
        RateKind::SelfCheckCoverage | RateKind::Unspecified => rates.self_check.clone(),
    }
}

#[tonic::async_trait]
impl LedgerService for LedgerGrpc {
    async fn list_hazards(
        &self,
        request: Request<pb::ListHazardsRequest>,
    ) -> Result<Response<pb::ListHazardsResponse>, Status> {
        let actor = caller(&request)?;
        let body = request.into_inner();
        let mut violations = Violations::new();
        let mut scope = Asked {
            enterprise_id: &body.enterprise_id,
            township_code: &body.township_code,
            industry: body.industry,
            ..Asked::at(body.as_of.as_ref(), body.known_at.as_ref())
        }
        .scope(&mut violations, false);
        let filter = reader::HazardFilter {
            government_side: match violations.optional_enumeration::<Ledger>("ledger", body.ledger)
            {
                Some(Ledger::Government) => Some(true),
                Some(Ledger::Enterprise) => Some(false),
                _ => None,
            },
            level: violations
                .optional_enumeration::<HazardLevel>("level", body.level)
                .filter(|level| *level != HazardLevel::Unspecified),
            status: violations
                .optional_enumeration::<HazardStatus>("status", body.status)
                .filter(|status| *status != HazardStatus::Unspecified),
            listed_only: body.listed_only,
            overdue_on: body.overdue_only.then(|| local_date(scope.as_of)),
        };
        violations.into_result()?;
        restrict(&mut scope, &actor, &self.0.region)?;
        let query = format!(
            "enterprise={}&township={}&industry={}&ledger={}&level={}&status={}&listed={}&overdue={}&as_of={}&known_at={}",
            body.enterprise_id,
            body.township_code,
            body.industry,
            body.ledger,
            body.level,
            body.status,
            body.listed_only,
            body.overdue_only,
            seconds(body.as_of.as_ref()),
            seconds(body.known_at.as_ref()),
        );
        let page = page(body.page_size, &body.page_token, &query)?;
        let keyed = |view: &HazardView| {
            let record = hazard_record(view, scope.as_of);
            (record.hazard_id.clone(), record)
        };
        // Of the hazards as they stand, the database reads only the page. An industry and a past
        // moment are judged here, over all in scope.
        let mut transaction = begin_read(&self.0).await?;
        let (matching, total_size) = if scope.current && scope.industry.is_none() {
            let (views, total) = reader::hazard_page(
                &mut transaction,
                *self.generation(),
                &scope,
                &filter,
                page.after.as_deref(),
                page.size + 1,
            )
            .await?;
            (views.iter().map(keyed).collect(), total)
        } else {
            let hazards = reader::hazards(&mut transaction, *self.generation(), &scope).await?;
            let matching: Vec<_> = hazards
                .iter()
                .filter(|view| filter.passes(view))
                .map(keyed)
                .collect();
            let total = matching.len();
            (matching, total)
        };
        drop(transaction);
        let (hazards, next_page_token) = take_page(matching, &page, &query);
        Ok(Response::new(pb::ListHazardsResponse {
            hazards,
            next_page_token,
            total_size: i32::try_from(total_size).unwrap_or(i32::MAX),
            freshness: Some(freshness(&self.0)),
        }))
    }

    async fn get_enterprise_ledgers(
        &self,
        request: Request<pb::GetEnterpriseLedgersRequest>,
    ) -> Result<Response<pb::EnterpriseLedgers>, Status> {
        let actor = caller(&request)?;
        let body = request.into_inner();
        let enterprise_id = resource_id("name", &body.name, "enterprises")?.to_string();
        let mut violations = Violations::new();
        let mut scope = Asked {
            enterprise_id: &enterprise_id,
            ..Asked::at(body.as_of.as_ref(), body.known_at.as_ref())
        }
        .scope(&mut violations, false);
        violations.into_result()?;
        restrict(&mut scope, &actor, &self.0.region)?;
        // The hazards, the enterprise and the pairs' bases as of one state of the read model.
        let generation = self.generation();
        let mut transaction = begin_read(&self.0).await?;
        let snapshot = reader::snapshot(&mut transaction, *generation, &scope).await?;
        let enterprises = reader::enterprises_on(
            &mut transaction,
            *generation,
            local_date(scope.as_of),
            Some(&enterprise_id),
        )
        .await
        .map_err(database_error)?;
        let Some(enterprise) = enterprises.get(&enterprise_id) else {
            return Err(ServiceError::not_found(body.name).into());
        };
        let bases = Self::pair_bases(&mut transaction, *generation, &scope).await?;
        drop(transaction);
        let mut ledgers = pb::EnterpriseLedgers {
            enterprise_id: enterprise_id.clone(),
            enterprise_name: enterprise.attributes.enterprise_name.clone(),
            township_code: enterprise.attributes.township_code.clone(),
            freshness: Some(freshness(&self.0)),
            ..Default::default()
        };
        for view in &snapshot.hazards {
            let record = hazard_record(view, scope.as_of);
            if !view.is_government_side() {
                ledgers.enterprise_ledger.push(record);
                continue;
            }
            let counterpart = &view.lifecycle.counterpart_hazard_id;
            if !counterpart.is_empty() {
                let key = (view.facts.hazard_id.clone(), counterpart.clone());
                ledgers.pairs.push(pb::LedgerPair {
                    government_hazard_id: view.facts.hazard_id.clone(),
                    self_check_hazard_id: counterpart.clone(),
                    basis: bases.get(&key).cloned().unwrap_or_default(),
                });
            }
            ledgers.government_ledger.push(record);
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
        let actor = caller(&request)?;
        let body = request.into_inner();
        let mut violations = Violations::new();
        let mut scope = Asked {
            enterprise_id: &body.enterprise_id,
            ..Asked::at(body.as_of.as_ref(), body.known_at.as_ref())
        }
        .scope(&mut violations, false);
        violations.into_result()?;
        restrict(&mut scope, &actor, &self.0.region)?;
        let query = format!(
            "enterprise={}&as_of={}&known_at={}",
            body.enterprise_id,
            scope.as_of.timestamp_millis(),
            scope.known_at.timestamp_millis()
        );
        let generation = self.generation();
        let mut transaction = begin_read(&self.0).await?;
        let rows = sqlx::query(&format!(
            "SELECT * FROM {} WHERE ($1 = '' OR enterprise_id = $1) ORDER BY round_id",
            RoundRow::table(*generation)
        ))
        .bind(scope.enterprise_id.clone().unwrap_or_default())
        .fetch_all(transaction.connection())
        .await
        .map_err(database_error)?;
        // A township's rounds are those of the enterprises the registry has in it.
        let enterprises = reader::enterprises_on(
            &mut transaction,
            *generation,
            local_date(scope.as_of),
            scope.enterprise_id.as_deref(),
        )
        .await
        .map_err(database_error)?;
        drop(transaction);
        let mut matching = Vec::new();
        for row in &rows {
            let round = RoundRow::from_row(row).map_err(database_error)?;
            let attributes = enterprises
                .get(&round.enterprise_id)
                .map(|enterprise| enterprise.attributes.clone())
                .unwrap_or_default();
            if !scope.admits(&round.enterprise_id, &attributes) {
                continue;
            }
            if let Some(round) = round.as_known(scope.as_of, scope.known_at) {
                matching.push((round.round_id.clone(), round_record(&round)));
            }
        }
        let listed = list(matching, body.page_size, &body.page_token, &query)?;
        Ok(Response::new(pb::ListSelfCheckRoundsResponse {
            rounds: listed.items,
            next_page_token: listed.next_page_token,
            total_size: listed.total_size,
            freshness: Some(freshness(&self.0)),
        }))
    }

    async fn list_supervision_orders(
        &self,
        request: Request<pb::ListSupervisionOrdersRequest>,
    ) -> Result<Response<pb::ListSupervisionOrdersResponse>, Status> {
        let actor = caller(&request)?;
        let body = request.into_inner();
        let mut violations = Violations::new();
        let mut scope =
            Asked::at(body.as_of.as_ref(), body.known_at.as_ref()).scope(&mut violations, false);
        violations.into_result()?;
        restrict(&mut scope, &actor, &self.0.region)?;
        // Unset, every step counts, one dated a little ahead (allowed clock skew) included.
        let stood_at = match body.as_of {
            Some(_) => scope.as_of,
            None => DateTime::<Utc>::MAX_UTC,
        };
        let matching: Vec<(String, pb::SupervisionOrderRecord)> = self
            .orders(stood_at, scope.known_at)
            .await?
            .into_iter()
            .map(|order| {
                let record = pb::SupervisionOrderRecord {
                    order_id: order.order_id.clone(),
                    level: order.level as i32,
                    notice_number: order.notice_number.clone(),
                    title: order.title.clone(),
                    status: order.status as i32,
                    deadline: order.deadline.map(Into::into),
                    hazard_ids: order.hazard_ids.clone(),
                    overdue: order.is_overdue(scope.as_of),
                    sub_tasks: order.sub_tasks.clone(),
                    escalations: order.escalations.len() as u32,
                };
                (order.order_id, record)
            })
            .collect();
        let query = format!(
            "as_of={}&known_at={}",
            seconds(body.as_of.as_ref()),
            seconds(body.known_at.as_ref())
        );
        let listed = list(matching, body.page_size, &body.page_token, &query)?;
        Ok(Response::new(pb::ListSupervisionOrdersResponse {
            orders: listed.items,
            next_page_token: listed.next_page_token,
            total_size: listed.total_size,
            freshness: Some(freshness(&self.0)),
        }))
    }

    async fn list_match_proposals(
        &self,
        request: Request<pb::ListMatchProposalsRequest>,
    ) -> Result<Response<pb::ListMatchProposalsResponse>, Status> {
        let actor = caller(&request)?;
        let body = request.into_inner();
        let query = format!(
            "enterprise={}&township={}",
            body.enterprise_id, body.township_code
        );
        let mut violations = Violations::new();
        let mut scope = Asked {
            enterprise_id: &body.enterprise_id,
            township_code: &body.township_code,
            ..Asked::at(None, body.known_at.as_ref())
        }
        .scope(&mut violations, false);
        violations.into_result()?;
        restrict(&mut scope, &actor, &self.0.region)?;
        let snapshot = self.snapshot(&scope).await?;
        let matching: Vec<(String, pb::MatchProposal)> = reconciliation::proposals(&snapshot)
            .into_iter()
            .enumerate()
            .map(|(index, proposal)| {
                let message = pb::MatchProposal {
                    government_hazard_id: proposal.government_hazard_id,
                    self_check_hazard_id: proposal.self_hazard_id,
                    enterprise_id: proposal.enterprise_id,
                    grounds: proposal.grounds,
                    score: proposal.score,
                };
                (format!("{index:09}"), message)
            })
            .collect();
        let listed = list(matching, body.page_size, &body.page_token, &query)?;
        Ok(Response::new(pb::ListMatchProposalsResponse {
            proposals: listed.items,
            next_page_token: listed.next_page_token,
            total_size: listed.total_size,
            freshness: Some(freshness(&self.0)),
        }))
    }

    async fn list_discrepancies(
        &self,
        request: Request<pb::ListDiscrepanciesRequest>,
    ) -> Result<Response<pb::ListDiscrepanciesResponse>, Status> {
        let actor = caller(&request)?;
        let body = request.into_inner();
        let mut violations = Violations::new();
        let mut scope = Asked {
            period_start: body.period_start.as_ref(),
            period_end: body.period_end.as_ref(),
            enterprise_id: &body.enterprise_id,
            township_code: &body.township_code,
            industry: body.industry,
            ..Asked::at(body.as_of.as_ref(), body.known_at.as_ref())
        }
        .scope(&mut violations, true);
        // Eight classes: a longer list cannot ask for more, and is not read.
        if violations.list_length("classes", body.classes.len(), 8) {
            for (index, class) in body.classes.iter().enumerate() {
                violations.enumeration::<DiscrepancyClass>(&format!("classes[{index}]"), *class);
            }
        }
        violations.into_result()?;
        restrict(&mut scope, &actor, &self.0.region)?;
        let query = format!(
            "classes={:?}&start={}&end={}&as_of={}&known_at={}&enterprise={}&township={}&industry={}",
            body.classes,
            scope.period_start,
            scope.period_end,
            seconds(body.as_of.as_ref()),
            seconds(body.known_at.as_ref()),
            body.enterprise_id,
            body.township_code,
            body.industry
        );
        let page = page(body.page_size, &body.page_token, &query)?;
        let reconciled = self.reconciled(&scope).await?;
        let matching = || {
            reconciled
                .discrepancies
                .iter()
                .filter(|row| body.classes.is_empty() || body.classes.contains(&(row.class as i32)))
        };
        let total_size = matching().count() as i32;
        let (rows, next_page_token) = take_page_by_position(matching(), &page, &query)?;
        let discrepancies = self.discrepancy_messages(&rows, scope.as_of).await?;
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
        let actor = caller(&request)?;
        let body = request.into_inner();
        let mut violations = Violations::new();
        let mut scope = Asked {
            period_start: body.period_start.as_ref(),
            period_end: body.period_end.as_ref(),
            township_code: &body.township_code,
            industry: body.industry,
            ..Asked::at(body.as_of.as_ref(), body.known_at.as_ref())
        }
        .scope(&mut violations, true);
        let group_by = group_by_of(&mut violations, body.group_by);
        violations.into_result()?;
        restrict(&mut scope, &actor, &self.0.region)?;
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
            as_of: instant(scope.as_of),
            freshness: Some(freshness(&self.0)),
            ..(*summary).clone()
        }))
    }

    async fn explain_rate(
        &self,
        request: Request<pb::ExplainRateRequest>,
    ) -> Result<Response<pb::RateLineage>, Status> {
        let actor = caller(&request)?;
        let body = request.into_inner();
        let mut violations = Violations::new();
        let mut scope = Asked {
            period_start: body.period_start.as_ref(),
            period_end: body.period_end.as_ref(),
            township_code: &body.township_code,
            industry: body.industry,
            ..Asked::at(body.as_of.as_ref(), body.known_at.as_ref())
        }
        .scope(&mut violations, true);
        let kind = violations
            .enumeration::<RateKind>("rate", body.rate)
            .unwrap_or_default();
        let group_by = group_by_of(&mut violations, body.group_by);
        violations.into_result()?;
        restrict(&mut scope, &actor, &self.0.region)?;
        let reconciled = self.reconciled(&scope).await?;
        let (total, groups) =
            reconciliation::rates(&reconciled.snapshot, &reconciled.discrepancies, group_by);
        let rates = if body.group.is_empty() {
            total
        } else {
            groups.get(&body.group).cloned().unwrap_or_default()
        };
        let rate = rate_of(&rates, kind);
        let collection = if kind == RateKind::SelfCheckCoverage {
            "enterprises"
        } else {
            "hazards"
        };
        let names = |ids: Vec<String>| -> Vec<String> {
            ids.into_iter()
                .map(|id| format!("{collection}/{id}"))
                .collect()
        };
        Ok(Response::new(pb::RateLineage {
            rate: kind as i32,
            group: body.group,
            value: rate.value(),
            numerator: names(rate.numerator),
            denominator: names(rate.denominator),
            freshness: Some(freshness(&self.0)),
        }))
    }

    async fn list_inspections(
        &self,
        request: Request<pb::ListInspectionsRequest>,
    ) -> Result<Response<pb::ListInspectionsResponse>, Status> {
        super::enforcement::list_inspections(&self.0, request).await
    }

    async fn list_penalty_cases(
        &self,
        request: Request<pb::ListPenaltyCasesRequest>,
    ) -> Result<Response<pb::ListPenaltyCasesResponse>, Status> {
        super::enforcement::list_penalty_cases(&self.0, request).await
    }

    async fn get_plan_coverage(
        &self,
        request: Request<pb::GetPlanCoverageRequest>,
    ) -> Result<Response<pb::PlanCoverage>, Status> {
        super::enforcement::get_plan_coverage(&self.0, request).await
    }

    async fn list_case_file_grades(
        &self,
        request: Request<pb::ListCaseFileGradesRequest>,
    ) -> Result<Response<pb::ListCaseFileGradesResponse>, Status> {
        super::enforcement::list_case_file_grades(&self.0, request).await
    }

    async fn list_responsibility_gaps(
        &self,
        request: Request<pb::ListResponsibilityGapsRequest>,
    ) -> Result<Response<pb::ListResponsibilityGapsResponse>, Status> {
        super::responsibility::list_responsibility_gaps(&self.0, request).await
    }

    async fn list_safety_items(
        &self,
        request: Request<pb::ListSafetyItemsRequest>,
    ) -> Result<Response<pb::ListSafetyItemsResponse>, Status> {
        super::responsibility::list_safety_items(&self.0, request).await
    }

    async fn list_duty_shortfalls(
        &self,
        request: Request<pb::ListDutyShortfallsRequest>,
    ) -> Result<Response<pb::ListDutyShortfallsResponse>, Status> {
        super::responsibility::list_duty_shortfalls(&self.0, request).await
    }

    async fn list_accountability_cases(
        &self,
        request: Request<pb::ListAccountabilityCasesRequest>,
    ) -> Result<Response<pb::ListAccountabilityCasesResponse>, Status> {
        super::responsibility::list_accountability_cases(&self.0, request).await
    }

    async fn list_emergency_centres(
        &self,
        request: Request<pb::ListEmergencyCentresRequest>,
    ) -> Result<Response<pb::ListEmergencyCentresResponse>, Status> {
        super::responsibility::list_emergency_centres(&self.0, request).await
    }

    async fn get_evaluation_table(
        &self,
        request: Request<pb::GetEvaluationTableRequest>,
    ) -> Result<Response<pb::EvaluationTable>, Status> {
        super::evaluation::get_evaluation_table(self, request).await
    }

    async fn list_drill_shortfalls(
        &self,
        request: Request<pb::ListDrillShortfallsRequest>,
    ) -> Result<Response<pb::ListDrillShortfallsResponse>, Status> {
        super::plans::list_drill_shortfalls(&self.0, request).await
    }

    async fn list_drills(
        &self,
        request: Request<pb::ListDrillsRequest>,
    ) -> Result<Response<pb::ListDrillsResponse>, Status> {
        super::plans::list_drills(&self.0, request).await
    }

    async fn list_shelters(
        &self,
        request: Request<pb::ListSheltersRequest>,
    ) -> Result<Response<pb::ListSheltersResponse>, Status> {
        super::plans::list_shelters(&self.0, request).await
    }

    async fn get_team_coverage(
        &self,
        request: Request<pb::GetTeamCoverageRequest>,
    ) -> Result<Response<pb::TeamCoverage>, Status> {
        super::plans::get_team_coverage(&self.0, request).await
    }

    async fn get_training_totals(
        &self,
        request: Request<pb::GetTrainingTotalsRequest>,
    ) -> Result<Response<pb::TrainingTotals>, Status> {
        super::plans::get_training_totals(&self.0, request).await
    }

    async fn get_accident_totals(
        &self,
        request: Request<pb::GetAccidentTotalsRequest>,
    ) -> Result<Response<pb::AccidentTotals>, Status> {
        super::accidents::get_accident_totals(&self.0, request).await
    }

    async fn get_disaster_response(
        &self,
        request: Request<pb::GetDisasterResponseRequest>,
    ) -> Result<Response<pb::DisasterResponse>, Status> {
        super::disasters::get_disaster_response(&self.0, request).await
    }

    async fn get_targets(
        &self,
        request: Request<pb::GetTargetsRequest>,
    ) -> Result<Response<pb::Targets>, Status> {
        super::targets::get_targets(&self.0, request).await
    }

    async fn list_plans(
        &self,
        request: Request<pb::ListPlansRequest>,
    ) -> Result<Response<pb::ListPlansResponse>, Status> {
        super::plans::list_plans(&self.0, request).await
    }
}
