//! The gRPC adapter of the registry.

mod import;
mod requests;
mod resources;

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use hl_eventstore::{Aggregate, EventStore, Executed, Repository, RepositorySettings, RequestMeta};
use hl_proto::common::v1::{Actor, CommitInfo};
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::registry_service_server::RegistryService;
use hl_runtime::pagination::{page, take_page};
use hl_runtime::validation::{MAX_TEXT, resource_id};
use hl_runtime::{ServiceError, Violations, actor_from_metadata};
use tonic::{Request, Response, Status};

use crate::domain::DomainError;
use crate::domain::clock::local_date;
use crate::domain::enterprise::{Enterprise, EnterpriseCommand};
use crate::domain::records::{
    AdminAreaKind, GridCellKind, OrgUnitKind, PersonKind, Record, RecordCommand, RecordKind,
};
use crate::index::{Indexed, RegistryIndex};

pub use requests::Context;

/// The registry's repositories and index in one district.
pub struct RegistryApi {
    region: String,
    pub(crate) index: Arc<RegistryIndex>,
    enterprises: Repository<Enterprise>,
    areas: Repository<Record<AdminAreaKind>>,
    cells: Repository<Record<GridCellKind>>,
    units: Repository<Record<OrgUnitKind>>,
    persons: Repository<Record<PersonKind>>,
}

impl RegistryApi {
    pub fn new(
        store: EventStore,
        region: &str,
        settings: RepositorySettings,
        index: Arc<RegistryIndex>,
    ) -> Arc<Self> {
        Arc::new(RegistryApi {
            region: region.to_string(),
            index,
            enterprises: Repository::new(store.clone(), region, settings.clone()),
            areas: Repository::new(store.clone(), region, settings.clone()),
            cells: Repository::new(store.clone(), region, settings.clone()),
            units: Repository::new(store.clone(), region, settings.clone()),
            persons: Repository::new(store, region, settings),
        })
    }
}

#[derive(Clone)]
pub struct RegistryGrpc(pub Arc<RegistryApi>);

fn request_meta(request_id: &str, actor: &Actor) -> RequestMeta {
    RequestMeta {
        request_id: request_id.to_string(),
        actor: actor.clone(),
        occurred_at: None,
        correlation_id: None,
    }
}

fn begin<T>(request: &Request<T>, request_id: &str) -> Result<(Actor, Violations), Status> {
    let actor = actor_from_metadata(request.metadata())?;
    let mut violations = Violations::new();
    violations.request_id(request_id);
    Ok((actor, violations))
}

fn commit_info<A>(collection: &str, id: &str, executed: &Executed<A>) -> CommitInfo {
    CommitInfo {
        name: format!("{collection}/{id}"),
        aggregate_version: executed.commit.aggregate_version,
        stream_sequence: executed.commit.stream_sequence,
        event_ids: executed.commit.event_ids.clone(),
        replayed: executed.replayed,
    }
}

fn today() -> NaiveDate {
    local_date(Utc::now())
}

impl RegistryGrpc {
    /// Runs a command and records its outcome in the index, so lists show it at once.
    async fn execute<A>(
        &self,
        repository: &Repository<A>,
        id: &str,
        command: &A::Command,
        meta: &RequestMeta,
    ) -> Result<Executed<A>, Status>
    where
        A: Indexed + Aggregate<Error = DomainError>,
    {
        let executed = repository
            .execute(id, command, meta)
            .await
            .map_err(|error| Status::from(ServiceError::from(error)))?;
        self.0.index.upsert(id, &executed.state, executed.version);
        Ok(executed)
    }

    fn require_index(&self) -> Result<(), Status> {
        if self.0.index.is_ready() {
            return Ok(());
        }
        let reason = self
            .0
            .index
            .stopped_reason()
            .unwrap_or_else(|| "still reading the registry stream".to_string());
        Err(ServiceError::unavailable(format!("the registry index is not ready: {reason}")).into())
    }

    /// Creates a record after checking its fields and references.
    async fn create_record<K>(
        &self,
        repository: &Repository<Record<K>>,
        request_id: &str,
        actor: &Actor,
        record: K::Message,
        mut violations: Violations,
        check: impl FnOnce(&Context<'_>, &mut Violations, &K::Message),
    ) -> Result<(K::Message, u64, CommitInfo), Status>
    where
        K: RecordKind,
        Record<K>: Indexed + Aggregate<Error = DomainError, Command = RecordCommand<K::Message>>,
    {
        self.require_index()?;
        {
            let index = self.0.index.read();
            check(
                &Context {
                    index: &index,
                    region: &self.0.region,
                },
                &mut violations,
                &record,
            );
        }
        violations.into_result()?;
        let id = K::id(&record).to_string();
        let command = RecordCommand::Define {
            record,
            region: self.0.region.clone(),
        };
        let executed = self
            .execute(repository, &id, &command, &request_meta(request_id, actor))
            .await?;
        let record = executed.state.record.clone().unwrap_or_default();
        Ok((
            record,
            executed.version,
            commit_info(K::COLLECTION, &id, &executed),
        ))
    }

    /// Updates the masked fields of a record, checking the record as it would become.
    #[allow(clippy::too_many_arguments)]
    async fn update_record<K>(
        &self,
        repository: &Repository<Record<K>>,
        request_id: &str,
        actor: &Actor,
        name: &str,
        update: K::Message,
        mask: Option<&hl_proto::FieldMask>,
        mut violations: Violations,
        check: impl FnOnce(&Context<'_>, &mut Violations, &K::Message),
    ) -> Result<(K::Message, u64, CommitInfo), Status>
    where
        K: RecordKind,
        Record<K>: Indexed + Aggregate<Error = DomainError, Command = RecordCommand<K::Message>>,
    {
        self.require_index()?;
        let id = violations.resource_id("name", name, K::COLLECTION);
        let fields = requests::update_mask(&mut violations, mask, K::MUTABLE_FIELDS);
        violations.into_result()?;
        let id = id.expect("validated");
        let current = repository.load(&id).await.map_err(ServiceError::from)?;
        let Some(mut next) = current.state.record.clone() else {
            return Err(ServiceError::not_found(format!("{}/{id}", K::COLLECTION)).into());
        };
        for field in &fields {
            K::copy_field(&mut next, &update, field);
        }
        let mut violations = Violations::new();
        {
            let index = self.0.index.read();
            check(
                &Context {
                    index: &index,
                    region: &self.0.region,
                },
                &mut violations,
                &next,
            );
        }
        violations.into_result()?;
        let command = RecordCommand::Update {
            record: update,
            fields,
        };
        let executed = self
            .execute(repository, &id, &command, &request_meta(request_id, actor))
            .await?;
        let record = executed.state.record.clone().unwrap_or_default();
        Ok((
            record,
            executed.version,
            commit_info(K::COLLECTION, &id, &executed),
        ))
    }

    async fn get_record<K>(
        &self,
        repository: &Repository<Record<K>>,
        request: &Request<impl HasName>,
    ) -> Result<(K::Message, u64), Status>
    where
        K: RecordKind,
    {
        actor_from_metadata(request.metadata())?;
        let name = request.get_ref().name();
        let id = resource_id("name", name, K::COLLECTION)?;
        let loaded = repository.load(id).await.map_err(ServiceError::from)?;
        match loaded.state.record {
            Some(record) => Ok((record, loaded.version)),
            None => Err(ServiceError::not_found(name.to_string()).into()),
        }
    }

    /// A page of the records that pass `keep`, ordered by id.
    fn list_records<K, F>(
        &self,
        entries: impl Fn(&crate::index::IndexState) -> Vec<(String, K::Message, u64)>,
        size: i32,
        token: &str,
        query: String,
        keep: F,
    ) -> Result<RecordPage<K::Message>, Status>
    where
        K: RecordKind,
        F: Fn(&K::Message) -> bool,
    {
        self.require_index()?;
        let page = page(size, token, &query)?;
        let matching: Vec<(String, (K::Message, u64))> = {
            let index = self.0.index.read();
            entries(&index)
                .into_iter()
                .filter(|(_, record, _)| keep(record))
                .map(|(id, record, version)| (id, (record, version)))
                .collect()
        };
        let total = matching.len() as i32;
        let (items, next) = take_page(matching, &page, &query);
        Ok((items, next, total))
    }
}

/// One page of records with their versions, the next page's token, and the total matching.
type RecordPage<M> = (Vec<(M, u64)>, String, i32);

/// Requests that name one resource.
pub trait HasName {
    fn name(&self) -> &str;
}

macro_rules! has_name {
    ($($request:ty),+) => {
        $(impl HasName for $request {
            fn name(&self) -> &str {
                &self.name
            }
        })+
    };
}

has_name!(
    pb::GetAdminAreaRequest,
    pb::GetGridCellRequest,
    pb::GetOrgUnitRequest,
    pb::GetPersonRequest
);

fn records_of<K: RecordKind>(
    entries: &std::collections::BTreeMap<String, crate::index::Versioned<Record<K>>>,
) -> Vec<(String, K::Message, u64)> {
    entries
        .iter()
        .filter_map(|(id, entry)| {
            entry
                .state
                .record
                .clone()
                .map(|record| (id.clone(), record, entry.version))
        })
        .collect()
}

fn with_version<M>(mut record: M, version: u64, set: impl FnOnce(&mut M, u64)) -> M {
    set(&mut record, version);
    record
}

fn area(record: pb::AdminArea, version: u64) -> pb::AdminArea {
    with_version(
        pb::AdminArea {
            name: format!("adminAreas/{}", record.code),
            ..record
        },
        version,
        |area, version| area.version = version,
    )
}

fn cell(record: pb::GridCell, version: u64) -> pb::GridCell {
    with_version(
        pb::GridCell {
            name: format!("gridCells/{}", record.grid_cell_id),
            ..record
        },
        version,
        |cell, version| cell.version = version,
    )
}

fn unit(record: pb::OrgUnit, version: u64) -> pb::OrgUnit {
    with_version(
        pb::OrgUnit {
            name: format!("orgUnits/{}", record.org_unit_id),
            ..record
        },
        version,
        |unit, version| unit.version = version,
    )
}

fn person(record: pb::Person, version: u64) -> pb::Person {
    with_version(
        pb::Person {
            name: format!("persons/{}", record.person_id),
            ..record
        },
        version,
        |person, version| person.version = version,
    )
}

#[tonic::async_trait]
impl RegistryService for RegistryGrpc {
    async fn register_enterprise(
        &self,
        request: Request<pb::RegisterEnterpriseRequest>,
    ) -> Result<Response<pb::EnterpriseCommandResponse>, Status> {
        let (actor, mut violations) = begin(&request, &request.get_ref().request_id)?;
        self.require_index()?;
        let body = request.into_inner();
        let enterprise = body.enterprise.clone().unwrap_or_default();
        if body.enterprise.is_none() {
            violations.add("enterprise", "is required");
        }
        violations.credit_code("enterprise.enterprise_id", &enterprise.enterprise_id);
        let details = requests::details_of(&enterprise);
        let effective_from = violations
            .optional_date("effective_from", body.effective_from.as_ref())
            .unwrap_or_else(today);
        {
            let index = self.0.index.read();
            Context {
                index: &index,
                region: &self.0.region,
            }
            .enterprise_details(&mut violations, "enterprise.", &details, None, "");
        }
        violations.into_result()?;
        let command = EnterpriseCommand::Register {
            details,
            effective_from,
            activate: body.activate,
        };
        let id = enterprise.enterprise_id;
        let executed = self
            .execute(
                &self.0.enterprises,
                &id,
                &command,
                &request_meta(&body.request_id, &actor),
            )
            .await?;
        Ok(Response::new(pb::EnterpriseCommandResponse {
            enterprise: Some(resources::enterprise(
                &executed.state,
                executed.version,
                today(),
                false,
            )),
            commit: Some(commit_info("enterprises", &id, &executed)),
        }))
    }

    async fn update_enterprise(
        &self,
        request: Request<pb::UpdateEnterpriseRequest>,
    ) -> Result<Response<pb::EnterpriseCommandResponse>, Status> {
        let (actor, mut violations) = begin(&request, &request.get_ref().request_id)?;
        self.require_index()?;
        let body = request.into_inner();
        let enterprise = body.enterprise.clone().unwrap_or_default();
        let id = violations.resource_id("enterprise.name", &enterprise.name, "enterprises");
        let fields = requests::update_mask(
            &mut violations,
            body.update_mask.as_ref(),
            requests::enterprise_fields(),
        );
        let effective_from = violations
            .optional_date("effective_from", body.effective_from.as_ref())
            .unwrap_or_else(today);
        let update = requests::details_of(&enterprise);
        if let Some(id) = &id {
            let index = self.0.index.read();
            let current = index
                .enterprises
                .get(id)
                .map(|entry| entry.state.details_as_of(effective_from).township_code)
                .unwrap_or_default();
            Context {
                index: &index,
                region: &self.0.region,
            }
            .enterprise_details(
                &mut violations,
                "enterprise.",
                &update,
                Some(&fields),
                &current,
            );
        }
        violations.into_result()?;
        let id = id.expect("validated");
        let command = EnterpriseCommand::UpdateDetails {
            update,
            fields,
            effective_from,
        };
        let executed = self
            .execute(
                &self.0.enterprises,
                &id,
                &command,
                &request_meta(&body.request_id, &actor),
            )
            .await?;
        Ok(Response::new(pb::EnterpriseCommandResponse {
            enterprise: Some(resources::enterprise(
                &executed.state,
                executed.version,
                today(),
                false,
            )),
            commit: Some(commit_info("enterprises", &id, &executed)),
        }))
    }

    async fn change_enterprise_status(
        &self,
        request: Request<pb::ChangeEnterpriseStatusRequest>,
    ) -> Result<Response<pb::EnterpriseCommandResponse>, Status> {
        let (actor, mut violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let id = violations.resource_id("name", &body.name, "enterprises");
        let status = violations.enumeration::<pb::EnterpriseStatus>("status", body.status);
        violations.text("reason", &body.reason, MAX_TEXT);
        let effective_from = violations
            .optional_date("effective_from", body.effective_from.as_ref())
            .unwrap_or_else(today);
        violations.into_result()?;
        let id = id.expect("validated");
        let command = EnterpriseCommand::ChangeStatus {
            status: status.unwrap_or_default(),
            reason: body.reason.clone(),
            effective_from,
        };
        let executed = self
            .execute(
                &self.0.enterprises,
                &id,
                &command,
                &request_meta(&body.request_id, &actor),
            )
            .await?;
        Ok(Response::new(pb::EnterpriseCommandResponse {
            enterprise: Some(resources::enterprise(
                &executed.state,
                executed.version,
                today(),
                false,
            )),
            commit: Some(commit_info("enterprises", &id, &executed)),
        }))
    }

    async fn get_enterprise(
        &self,
        request: Request<pb::GetEnterpriseRequest>,
    ) -> Result<Response<pb::Enterprise>, Status> {
        actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let id = resource_id("name", &body.name, "enterprises")?;
        let mut violations = Violations::new();
        let day = violations
            .optional_date("as_of_date", body.as_of_date.as_ref())
            .unwrap_or_else(today);
        violations.into_result()?;
        let loaded = self
            .0
            .enterprises
            .load(id)
            .await
            .map_err(ServiceError::from)?;
        if !loaded.state.exists() {
            return Err(ServiceError::not_found(body.name).into());
        }
        Ok(Response::new(resources::enterprise(
            &loaded.state,
            loaded.version,
            day,
            true,
        )))
    }

    async fn list_enterprises(
        &self,
        request: Request<pb::ListEnterprisesRequest>,
    ) -> Result<Response<pb::ListEnterprisesResponse>, Status> {
        actor_from_metadata(request.metadata())?;
        self.require_index()?;
        let body = request.into_inner();
        let mut violations = Violations::new();
        violations.optional_enumeration::<pb::Industry>("industry", body.industry);
        violations.optional_enumeration::<pb::EnterpriseStatus>("status", body.status);
        violations.optional_identifier("grid_cell_id", &body.grid_cell_id);
        violations.into_result()?;
        let query = format!(
            "township={}&industry={}&grid={}&status={}",
            body.township_code, body.industry, body.grid_cell_id, body.status
        );
        let page = page(body.page_size, &body.page_token, &query)?;
        let day = today();
        let matching: Vec<(String, pb::Enterprise)> = {
            let index = self.0.index.read();
            index
                .enterprises
                .iter()
                .filter(|(_, entry)| entry.state.exists())
                .filter_map(|(id, entry)| {
                    let details = entry.state.details_as_of(day);
                    let status = entry.state.status_as_of(day) as i32;
                    let keep = (body.township_code.is_empty()
                        || details.township_code == body.township_code)
                        && (body.industry == 0 || details.industries.contains(&body.industry))
                        && (body.grid_cell_id.is_empty()
                            || details.grid_cell_id == body.grid_cell_id)
                        && (body.status == 0 || status == body.status);
                    keep.then(|| {
                        (
                            id.clone(),
                            resources::enterprise(&entry.state, entry.version, day, false),
                        )
                    })
                })
                .collect()
        };
        let total_size = matching.len() as i32;
        let (enterprises, next_page_token) = take_page(matching, &page, &query);
        Ok(Response::new(pb::ListEnterprisesResponse {
            enterprises,
            next_page_token,
            total_size,
        }))
    }

    async fn import_enterprises(
        &self,
        request: Request<pb::ImportEnterprisesRequest>,
    ) -> Result<Response<pb::ImportEnterprisesResponse>, Status> {
        import::import(self, request).await
    }

    async fn create_admin_area(
        &self,
        request: Request<pb::CreateAdminAreaRequest>,
    ) -> Result<Response<pb::AdminAreaCommandResponse>, Status> {
        let (actor, violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let record = body.area.unwrap_or_default();
        let (record, version, commit) = self
            .create_record(
                &self.0.areas,
                &body.request_id,
                &actor,
                record,
                violations,
                |context, violations, area| context.admin_area(violations, area),
            )
            .await?;
        Ok(Response::new(pb::AdminAreaCommandResponse {
            area: Some(area(record, version)),
            commit: Some(commit),
        }))
    }

    async fn update_admin_area(
        &self,
        request: Request<pb::UpdateAdminAreaRequest>,
    ) -> Result<Response<pb::AdminAreaCommandResponse>, Status> {
        let (actor, violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let update = body.area.unwrap_or_default();
        let name = update.name.clone();
        let (record, version, commit) = self
            .update_record(
                &self.0.areas,
                &body.request_id,
                &actor,
                &name,
                update,
                body.update_mask.as_ref(),
                violations,
                |context, violations, area| context.admin_area(violations, area),
            )
            .await?;
        Ok(Response::new(pb::AdminAreaCommandResponse {
            area: Some(area(record, version)),
            commit: Some(commit),
        }))
    }

    async fn get_admin_area(
        &self,
        request: Request<pb::GetAdminAreaRequest>,
    ) -> Result<Response<pb::AdminArea>, Status> {
        let (record, version) = self.get_record(&self.0.areas, &request).await?;
        Ok(Response::new(area(record, version)))
    }

    async fn list_admin_areas(
        &self,
        request: Request<pb::ListAdminAreasRequest>,
    ) -> Result<Response<pb::ListAdminAreasResponse>, Status> {
        actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let query = format!("parent={}&level={}", body.parent_code, body.level);
        let (items, next_page_token, total_size) = self.list_records::<AdminAreaKind, _>(
            |index| records_of(&index.areas),
            body.page_size,
            &body.page_token,
            query,
            |area| {
                (body.parent_code.is_empty() || area.parent_code == body.parent_code)
                    && (body.level == 0 || area.level == body.level)
            },
        )?;
        Ok(Response::new(pb::ListAdminAreasResponse {
            areas: items
                .into_iter()
                .map(|(record, version)| area(record, version))
                .collect(),
            next_page_token,
            total_size,
        }))
    }

    async fn create_grid_cell(
        &self,
        request: Request<pb::CreateGridCellRequest>,
    ) -> Result<Response<pb::GridCellCommandResponse>, Status> {
        let (actor, violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let record = body.cell.unwrap_or_default();
        let (record, version, commit) = self
            .create_record(
                &self.0.cells,
                &body.request_id,
                &actor,
                record,
                violations,
                |context, violations, cell| context.grid_cell_record(violations, cell),
            )
            .await?;
        Ok(Response::new(pb::GridCellCommandResponse {
            cell: Some(cell(record, version)),
            commit: Some(commit),
        }))
    }

    async fn update_grid_cell(
        &self,
        request: Request<pb::UpdateGridCellRequest>,
    ) -> Result<Response<pb::GridCellCommandResponse>, Status> {
        let (actor, violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let update = body.cell.unwrap_or_default();
        let name = update.name.clone();
        let (record, version, commit) = self
            .update_record(
                &self.0.cells,
                &body.request_id,
                &actor,
                &name,
                update,
                body.update_mask.as_ref(),
                violations,
                |context, violations, cell| context.grid_cell_record(violations, cell),
            )
            .await?;
        Ok(Response::new(pb::GridCellCommandResponse {
            cell: Some(cell(record, version)),
            commit: Some(commit),
        }))
    }

    async fn get_grid_cell(
        &self,
        request: Request<pb::GetGridCellRequest>,
    ) -> Result<Response<pb::GridCell>, Status> {
        let (record, version) = self.get_record(&self.0.cells, &request).await?;
        Ok(Response::new(cell(record, version)))
    }

    async fn list_grid_cells(
        &self,
        request: Request<pb::ListGridCellsRequest>,
    ) -> Result<Response<pb::ListGridCellsResponse>, Status> {
        actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let query = format!("township={}", body.township_code);
        let (items, next_page_token, total_size) = self.list_records::<GridCellKind, _>(
            |index| records_of(&index.cells),
            body.page_size,
            &body.page_token,
            query,
            |cell| body.township_code.is_empty() || cell.township_code == body.township_code,
        )?;
        Ok(Response::new(pb::ListGridCellsResponse {
            cells: items
                .into_iter()
                .map(|(record, version)| cell(record, version))
                .collect(),
            next_page_token,
            total_size,
        }))
    }

    async fn create_org_unit(
        &self,
        request: Request<pb::CreateOrgUnitRequest>,
    ) -> Result<Response<pb::OrgUnitCommandResponse>, Status> {
        let (actor, violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let record = body.unit.unwrap_or_default();
        let (record, version, commit) = self
            .create_record(
                &self.0.units,
                &body.request_id,
                &actor,
                record,
                violations,
                |context, violations, unit| context.org_unit_record(violations, unit),
            )
            .await?;
        Ok(Response::new(pb::OrgUnitCommandResponse {
            unit: Some(unit(record, version)),
            commit: Some(commit),
        }))
    }

    async fn update_org_unit(
        &self,
        request: Request<pb::UpdateOrgUnitRequest>,
    ) -> Result<Response<pb::OrgUnitCommandResponse>, Status> {
        let (actor, violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let update = body.unit.unwrap_or_default();
        let name = update.name.clone();
        let (record, version, commit) = self
            .update_record(
                &self.0.units,
                &body.request_id,
                &actor,
                &name,
                update,
                body.update_mask.as_ref(),
                violations,
                |context, violations, unit| context.org_unit_record(violations, unit),
            )
            .await?;
        Ok(Response::new(pb::OrgUnitCommandResponse {
            unit: Some(unit(record, version)),
            commit: Some(commit),
        }))
    }

    async fn get_org_unit(
        &self,
        request: Request<pb::GetOrgUnitRequest>,
    ) -> Result<Response<pb::OrgUnit>, Status> {
        let (record, version) = self.get_record(&self.0.units, &request).await?;
        Ok(Response::new(unit(record, version)))
    }

    async fn list_org_units(
        &self,
        request: Request<pb::ListOrgUnitsRequest>,
    ) -> Result<Response<pb::ListOrgUnitsResponse>, Status> {
        actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let query = format!("kind={}&parent={}", body.kind, body.parent_org_unit_id);
        let (items, next_page_token, total_size) = self.list_records::<OrgUnitKind, _>(
            |index| records_of(&index.units),
            body.page_size,
            &body.page_token,
            query,
            |unit| {
                (body.kind == 0 || unit.kind == body.kind)
                    && (body.parent_org_unit_id.is_empty()
                        || unit.parent_org_unit_id == body.parent_org_unit_id)
            },
        )?;
        Ok(Response::new(pb::ListOrgUnitsResponse {
            units: items
                .into_iter()
                .map(|(record, version)| unit(record, version))
                .collect(),
            next_page_token,
            total_size,
        }))
    }

    async fn create_person(
        &self,
        request: Request<pb::CreatePersonRequest>,
    ) -> Result<Response<pb::PersonCommandResponse>, Status> {
        let (actor, violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let record = body.person.unwrap_or_default();
        let (record, version, commit) = self
            .create_record(
                &self.0.persons,
                &body.request_id,
                &actor,
                record,
                violations,
                |context, violations, person| context.person_record(violations, person),
            )
            .await?;
        Ok(Response::new(pb::PersonCommandResponse {
            person: Some(person(record, version)),
            commit: Some(commit),
        }))
    }

    async fn update_person(
        &self,
        request: Request<pb::UpdatePersonRequest>,
    ) -> Result<Response<pb::PersonCommandResponse>, Status> {
        let (actor, violations) = begin(&request, &request.get_ref().request_id)?;
        let body = request.into_inner();
        let update = body.person.unwrap_or_default();
        let name = update.name.clone();
        let (record, version, commit) = self
            .update_record(
                &self.0.persons,
                &body.request_id,
                &actor,
                &name,
                update,
                body.update_mask.as_ref(),
                violations,
                |context, violations, person| context.person_record(violations, person),
            )
            .await?;
        Ok(Response::new(pb::PersonCommandResponse {
            person: Some(person(record, version)),
            commit: Some(commit),
        }))
    }

    async fn get_person(
        &self,
        request: Request<pb::GetPersonRequest>,
    ) -> Result<Response<pb::Person>, Status> {
        let (record, version) = self.get_record(&self.0.persons, &request).await?;
        Ok(Response::new(person(record, version)))
    }

    async fn list_persons(
        &self,
        request: Request<pb::ListPersonsRequest>,
    ) -> Result<Response<pb::ListPersonsResponse>, Status> {
        actor_from_metadata(request.metadata())?;
        let body = request.into_inner();
        let query = format!(
            "role={}&unit={}&enterprise={}",
            body.role, body.org_unit_id, body.enterprise_id
        );
        let (items, next_page_token, total_size) = self.list_records::<PersonKind, _>(
            |index| records_of(&index.persons),
            body.page_size,
            &body.page_token,
            query,
            |person| {
                (body.role == 0 || person.roles.contains(&body.role))
                    && (body.org_unit_id.is_empty() || person.org_unit_id == body.org_unit_id)
                    && (body.enterprise_id.is_empty() || person.enterprise_id == body.enterprise_id)
            },
        )?;
        Ok(Response::new(pb::ListPersonsResponse {
            persons: items
                .into_iter()
                .map(|(record, version)| person(record, version))
                .collect(),
            next_page_token,
            total_size,
        }))
    }
}
