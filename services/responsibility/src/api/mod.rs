//! The gRPC adapter of the registry. Commands go through the shared pipeline
//! (`hl_runtime::pipeline`) and then into the in-memory index, so a caller lists what it has just
//! written; lists read the index.

pub mod centres;
pub mod duties;
pub mod evaluations;
mod import;
mod requests;
mod resources;

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use hl_directory::Directory;
use hl_domain::reasons;
use hl_eventstore::{Aggregate, EventStore, Repository, RepositorySettings};
use hl_proto::common::v1::{Actor, CommitInfo};
use hl_proto::requests::{CommandRequest, NamedRequest};
use hl_proto::responsibility::v1 as pb;
use hl_proto::responsibility::v1::registry_service_server::RegistryService;
use hl_runtime::pagination::{Listed, list};
use hl_runtime::pipeline::{CommandCall, Committed, get_named};
use hl_runtime::validation::MAX_TEXT;
use hl_runtime::{ServiceError, caller};
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
    directory: Directory,
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
            directory: Directory::new(store.clone(), region, settings.clone()),
            areas: Repository::new(store.clone(), region, settings.clone()),
            cells: Repository::new(store.clone(), region, settings.clone()),
            units: Repository::new(store.clone(), region, settings.clone()),
            persons: Repository::new(store, region, settings),
        })
    }

    fn enterprises(&self) -> &Repository<Enterprise> {
        self.directory.repository()
    }

    fn context<'a>(&'a self, index: &'a crate::index::IndexState) -> Context<'a> {
        Context {
            index,
            region: &self.region,
        }
    }

    /// Runs a command and records its outcome in the index, so lists show it at once.
    async fn record<A, T>(
        &self,
        call: &mut CommandCall<T>,
        repository: &Repository<A>,
        id: String,
        command: &A::Command,
    ) -> Result<Committed<A>, Status>
    where
        A: Indexed + Aggregate<Error = DomainError>,
        T: CommandRequest,
    {
        let committed = call.run(repository, Some(id.clone()), command).await?;
        self.index.upsert(&id, &committed.state, committed.version);
        Ok(committed)
    }

    fn require_index(&self) -> Result<(), Status> {
        if self.index.is_ready() {
            return Ok(());
        }
        let reason = self
            .index
            .stopped_reason()
            .unwrap_or_else(|| "still reading the registry stream".to_string());
        Err(ServiceError::unavailable(format!("the registry index is not ready: {reason}")).into())
    }

    /// Defines a record after checking its fields and references.
    async fn create_record<K, T>(
        &self,
        repository: &Repository<Record<K>>,
        mut call: CommandCall<T>,
        record: K::Message,
        check: impl FnOnce(&Context<'_>, &mut hl_runtime::Violations, &K::Message),
    ) -> Result<(K::Message, u64, CommitInfo), Status>
    where
        K: RecordKind,
        Record<K>: Indexed + Aggregate<Error = DomainError, Command = RecordCommand<K::Message>>,
        T: CommandRequest,
    {
        self.require_index()?;
        check(
            &self.context(&self.index.read()),
            &mut call.violations,
            &record,
        );
        let id = K::id(&record).to_string();
        let command = RecordCommand::Define {
            record,
            region: self.region.clone(),
        };
        let committed = self.record(&mut call, repository, id, &command).await?;
        Ok(record_of(committed))
    }

    /// Updates the masked fields of a record, checking the record as it would become.
    async fn update_record<K, T>(
        &self,
        repository: &Repository<Record<K>>,
        mut call: CommandCall<T>,
        (update, name, mask): (K::Message, String, Option<hl_proto::FieldMask>),
        check: impl FnOnce(&Context<'_>, &mut hl_runtime::Violations, &K::Message),
    ) -> Result<(K::Message, u64, CommitInfo), Status>
    where
        K: RecordKind,
        Record<K>: Indexed + Aggregate<Error = DomainError, Command = RecordCommand<K::Message>>,
        T: CommandRequest,
    {
        self.require_index()?;
        let id = call.violations.resource_id("name", &name, K::COLLECTION);
        let fields = requests::update_mask(&mut call.violations, mask.as_ref(), K::MUTABLE_FIELDS);
        call.check()?;
        let id = id.expect("validated");
        let current = repository.load(&id).await.map_err(ServiceError::from)?;
        let Some(mut next) = current.state.record.clone() else {
            return Err(ServiceError::not_found(format!("{}/{id}", K::COLLECTION)).into());
        };
        for field in &fields {
            K::copy_field(&mut next, &update, field);
        }
        check(
            &self.context(&self.index.read()),
            &mut call.violations,
            &next,
        );
        let command = RecordCommand::Update {
            record: update,
            fields,
        };
        let committed = self.record(&mut call, repository, id, &command).await?;
        Ok(record_of(committed))
    }

    /// A record by its name, for a caller `who_may_read` admits (asked of the record's id, as
    /// requested: a person asking for their own missing record is told it is missing).
    async fn get_record<K, T>(
        &self,
        repository: &Repository<Record<K>>,
        request: Request<T>,
        who_may_read: impl FnOnce(&Actor, &str) -> Result<(), DomainError>,
    ) -> Result<(K::Message, u64), Status>
    where
        K: RecordKind,
        T: NamedRequest + hl_proto::requests::AsOfRequest,
    {
        let fetched = get_named(repository, request).await?;
        // Asked of the id requested, so that the rule reads the same whether or not it exists.
        fetched.require(|actor| who_may_read(actor, fetched.id()))?;
        let record = fetched.state.record.clone().unwrap_or_default();
        Ok((record, fetched.version))
    }

    /// The caller works in this district's government (for its shared records).
    fn require_district_reader(&self, actor: &Actor) -> Result<(), Status> {
        hl_domain::access::require_district_reader(actor, &self.region)
            .map_err(|refusal| ServiceError::from(refusal).into())
    }

    /// A page of the records that pass `keep`, ordered by id.
    fn list_records<K: RecordKind>(
        &self,
        entries: impl Fn(&crate::index::IndexState) -> Vec<(String, K::Message, u64)>,
        (size, token, query): (i32, &str, String),
        keep: impl Fn(&K::Message) -> bool,
    ) -> Result<Listed<(K::Message, u64)>, Status> {
        self.require_index()?;
        let matching: Vec<(String, (K::Message, u64))> = entries(&self.index.read())
            .into_iter()
            .filter(|(_, record, _)| keep(record))
            .map(|(id, record, version)| (id, (record, version)))
            .collect();
        Ok(list(matching, size, token, &query)?)
    }

    /// An enterprise command answered with the enterprise as it stands today.
    async fn enterprise_command<T: CommandRequest>(
        &self,
        mut call: CommandCall<T>,
        id: Option<String>,
        command: EnterpriseCommand,
    ) -> Result<Response<pb::EnterpriseCommandResponse>, Status> {
        call.check()?;
        let id = id.expect("validated");
        let committed = self
            .record(&mut call, self.enterprises(), id, &command)
            .await?;
        Ok(Response::new(pb::EnterpriseCommandResponse {
            enterprise: Some(resources::enterprise(
                &committed.state,
                committed.version,
                today(),
                false,
            )),
            commit: Some(committed.commit),
        }))
    }
}

fn record_of<K: RecordKind>(committed: Committed<Record<K>>) -> (K::Message, u64, CommitInfo) {
    (
        committed.state.record.unwrap_or_default(),
        committed.version,
        committed.commit,
    )
}

#[derive(Clone)]
pub struct RegistryGrpc(pub Arc<RegistryApi>);

fn today() -> NaiveDate {
    local_date(Utc::now())
}

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

fn area(record: pb::AdminArea, version: u64) -> pb::AdminArea {
    pb::AdminArea {
        name: format!("adminAreas/{}", record.code),
        version,
        ..record
    }
}

fn cell(record: pb::GridCell, version: u64) -> pb::GridCell {
    pb::GridCell {
        name: format!("gridCells/{}", record.grid_cell_id),
        version,
        ..record
    }
}

fn unit(record: pb::OrgUnit, version: u64) -> pb::OrgUnit {
    pb::OrgUnit {
        name: format!("orgUnits/{}", record.org_unit_id),
        version,
        ..record
    }
}

fn person(record: pb::Person, version: u64) -> pb::Person {
    pb::Person {
        name: format!("persons/{}", record.person_id),
        version,
        ..record
    }
}

#[tonic::async_trait]
impl RegistryService for RegistryGrpc {
    async fn register_enterprise(
        &self,
        request: Request<pb::RegisterEnterpriseRequest>,
    ) -> Result<Response<pb::EnterpriseCommandResponse>, Status> {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        api.require_index()?;
        let enterprise = call.body.enterprise.clone().unwrap_or_default();
        if call.body.enterprise.is_none() {
            call.violations.add("enterprise", "is required");
        }
        call.violations
            .credit_code("enterprise.enterprise_id", &enterprise.enterprise_id);
        let details = requests::details_of(&enterprise);
        let effective_from = call
            .violations
            .optional_date("effective_from", call.body.effective_from.as_ref())
            .unwrap_or_else(today);
        api.context(&api.index.read()).enterprise_details(
            &mut call.violations,
            "enterprise.",
            &details,
            None,
            "",
        );
        let command = EnterpriseCommand::Register {
            details,
            effective_from,
            activate: call.body.activate,
        };
        api.enterprise_command(call, Some(enterprise.enterprise_id), command)
            .await
    }

    async fn update_enterprise(
        &self,
        request: Request<pb::UpdateEnterpriseRequest>,
    ) -> Result<Response<pb::EnterpriseCommandResponse>, Status> {
        let api = &self.0;
        let mut call = CommandCall::from_request(request)?;
        api.require_index()?;
        let enterprise = call.body.enterprise.clone().unwrap_or_default();
        let id = call
            .violations
            .resource_id("enterprise.name", &enterprise.name, "enterprises");
        let fields = requests::update_mask(
            &mut call.violations,
            call.body.update_mask.as_ref(),
            requests::enterprise_fields(),
        );
        let effective_from = call
            .violations
            .optional_date("effective_from", call.body.effective_from.as_ref())
            .unwrap_or_else(today);
        let update = requests::details_of(&enterprise);
        if let Some(id) = &id {
            let index = api.index.read();
            let current = index
                .enterprises
                .get(id)
                .map(|entry| entry.state.details_as_of(effective_from).township_code)
                .unwrap_or_default();
            api.context(&index).enterprise_details(
                &mut call.violations,
                "enterprise.",
                &update,
                Some(&fields),
                &current,
            );
        }
        let command = EnterpriseCommand::UpdateDetails {
            update,
            fields,
            effective_from,
        };
        api.enterprise_command(call, id, command).await
    }

    async fn change_enterprise_status(
        &self,
        request: Request<pb::ChangeEnterpriseStatusRequest>,
    ) -> Result<Response<pb::EnterpriseCommandResponse>, Status> {
        let mut call = CommandCall::from_request(request)?;
        let id = call.named("enterprises");
        let status = call
            .violations
            .enumeration::<pb::EnterpriseStatus>("status", call.body.status);
        call.violations.text("reason", &call.body.reason, MAX_TEXT);
        let effective_from = call
            .violations
            .optional_date("effective_from", call.body.effective_from.as_ref())
            .unwrap_or_else(today);
        let command = EnterpriseCommand::ChangeStatus {
            status: status.unwrap_or_default(),
            reason: call.body.reason.clone(),
            effective_from,
        };
        self.0.enterprise_command(call, id, command).await
    }

    async fn get_enterprise(
        &self,
        request: Request<pb::GetEnterpriseRequest>,
    ) -> Result<Response<pb::Enterprise>, Status> {
        let mut violations = hl_runtime::Violations::new();
        let day = violations
            .optional_date("as_of_date", request.get_ref().as_of_date.as_ref())
            .unwrap_or_else(today);
        violations.into_result()?;
        let fetched = get_named(self.0.enterprises(), request).await?;
        let township = fetched.state.details_as_of(day).township_code;
        let place = if township.is_empty() {
            self.0.region.clone()
        } else {
            township
        };
        fetched.require_reader(&fetched.state.enterprise_id, &place)?;
        Ok(Response::new(resources::enterprise(
            &fetched.state,
            fetched.version,
            day,
            true,
        )))
    }

    async fn list_enterprises(
        &self,
        request: Request<pb::ListEnterprisesRequest>,
    ) -> Result<Response<pb::ListEnterprisesResponse>, Status> {
        let actor = caller(&request)?;
        self.0.require_district_reader(&actor)?;
        self.0.require_index()?;
        let body = request.into_inner();
        let mut violations = hl_runtime::Violations::new();
        violations.optional_enumeration::<pb::Industry>("industry", body.industry);
        violations.optional_enumeration::<pb::EnterpriseStatus>("status", body.status);
        violations.optional_identifier("grid_cell_id", &body.grid_cell_id);
        violations.into_result()?;
        // A township officer lists the enterprises of their township.
        let township_code = match hl_domain::access::role(&actor) {
            hl_proto::common::v1::Role::TownshipOfficer if body.township_code.is_empty() => {
                actor.region.clone()
            }
            hl_proto::common::v1::Role::TownshipOfficer
                if !body.township_code.starts_with(&actor.region) =>
            {
                return Err(ServiceError::permission_denied(
                    reasons::OUTSIDE_JURISDICTION,
                    format!(
                        "township {} is outside the caller's township {}",
                        body.township_code, actor.region
                    ),
                )
                .into());
            }
            _ => body.township_code.clone(),
        };
        let query = format!(
            "township={}&industry={}&grid={}&status={}",
            township_code, body.industry, body.grid_cell_id, body.status
        );
        let day = today();
        let matching: Vec<(String, pb::Enterprise)> = self
            .0
            .index
            .read()
            .enterprises
            .iter()
            .filter(|(_, entry)| entry.state.exists())
            .filter_map(|(id, entry)| {
                let details = entry.state.details_as_of(day);
                let status = entry.state.status_as_of(day) as i32;
                let keep = (township_code.is_empty() || details.township_code == township_code)
                    && (body.industry == 0 || details.industries.contains(&body.industry))
                    && (body.grid_cell_id.is_empty() || details.grid_cell_id == body.grid_cell_id)
                    && (body.status == 0 || status == body.status);
                keep.then(|| {
                    (
                        id.clone(),
                        resources::enterprise(&entry.state, entry.version, day, false),
                    )
                })
            })
            .collect();
        let listed = list(matching, body.page_size, &body.page_token, &query)?;
        Ok(Response::new(pb::ListEnterprisesResponse {
            enterprises: listed.items,
            next_page_token: listed.next_page_token,
            total_size: listed.total_size,
        }))
    }

    async fn import_enterprises(
        &self,
        request: Request<pb::ImportEnterprisesRequest>,
    ) -> Result<Response<pb::ImportEnterprisesResponse>, Status> {
        import::import(&self.0, request).await
    }

    async fn create_admin_area(
        &self,
        request: Request<pb::CreateAdminAreaRequest>,
    ) -> Result<Response<pb::AdminAreaCommandResponse>, Status> {
        let call = CommandCall::from_request(request)?;
        let record = call.body.area.clone().unwrap_or_default();
        let (record, version, commit) = self
            .0
            .create_record(&self.0.areas, call, record, |context, violations, area| {
                context.admin_area(violations, area)
            })
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
        let call = CommandCall::from_request(request)?;
        let update = call.body.area.clone().unwrap_or_default();
        let change = (update.clone(), update.name, call.body.update_mask.clone());
        let (record, version, commit) = self
            .0
            .update_record(&self.0.areas, call, change, |context, violations, area| {
                context.admin_area(violations, area)
            })
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
        // The district's places are public.
        let (record, version) = self
            .0
            .get_record(&self.0.areas, request, |_, _| Ok(()))
            .await?;
        Ok(Response::new(area(record, version)))
    }

    async fn list_admin_areas(
        &self,
        request: Request<pb::ListAdminAreasRequest>,
    ) -> Result<Response<pb::ListAdminAreasResponse>, Status> {
        caller(&request)?;
        let body = request.into_inner();
        let query = format!("parent={}&level={}", body.parent_code, body.level);
        let listed = self.0.list_records::<AdminAreaKind>(
            |index| records_of(&index.areas),
            (body.page_size, &body.page_token, query),
            |area| {
                (body.parent_code.is_empty() || area.parent_code == body.parent_code)
                    && (body.level == 0 || area.level == body.level)
            },
        )?;
        Ok(Response::new(pb::ListAdminAreasResponse {
            areas: listed
                .items
                .into_iter()
                .map(|(record, version)| area(record, version))
                .collect(),
            next_page_token: listed.next_page_token,
            total_size: listed.total_size,
        }))
    }

    async fn create_grid_cell(
        &self,
        request: Request<pb::CreateGridCellRequest>,
    ) -> Result<Response<pb::GridCellCommandResponse>, Status> {
        let call = CommandCall::from_request(request)?;
        let record = call.body.cell.clone().unwrap_or_default();
        let (record, version, commit) = self
            .0
            .create_record(&self.0.cells, call, record, |context, violations, cell| {
                context.grid_cell_record(violations, cell)
            })
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
        let call = CommandCall::from_request(request)?;
        let update = call.body.cell.clone().unwrap_or_default();
        let change = (update.clone(), update.name, call.body.update_mask.clone());
        let (record, version, commit) = self
            .0
            .update_record(&self.0.cells, call, change, |context, violations, cell| {
                context.grid_cell_record(violations, cell)
            })
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
        let district = &self.0.region;
        let (record, version) = self
            .0
            .get_record(&self.0.cells, request, |actor, _| {
                hl_domain::access::require_district_reader(actor, district)
            })
            .await?;
        Ok(Response::new(cell(record, version)))
    }

    async fn list_grid_cells(
        &self,
        request: Request<pb::ListGridCellsRequest>,
    ) -> Result<Response<pb::ListGridCellsResponse>, Status> {
        let actor = caller(&request)?;
        self.0.require_district_reader(&actor)?;
        let body = request.into_inner();
        let query = format!("township={}", body.township_code);
        let listed = self.0.list_records::<GridCellKind>(
            |index| records_of(&index.cells),
            (body.page_size, &body.page_token, query),
            |cell| body.township_code.is_empty() || cell.township_code == body.township_code,
        )?;
        Ok(Response::new(pb::ListGridCellsResponse {
            cells: listed
                .items
                .into_iter()
                .map(|(record, version)| cell(record, version))
                .collect(),
            next_page_token: listed.next_page_token,
            total_size: listed.total_size,
        }))
    }

    async fn create_org_unit(
        &self,
        request: Request<pb::CreateOrgUnitRequest>,
    ) -> Result<Response<pb::OrgUnitCommandResponse>, Status> {
        let call = CommandCall::from_request(request)?;
        let record = call.body.unit.clone().unwrap_or_default();
        let (record, version, commit) = self
            .0
            .create_record(&self.0.units, call, record, |context, violations, unit| {
                context.org_unit_record(violations, unit)
            })
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
        let call = CommandCall::from_request(request)?;
        let update = call.body.unit.clone().unwrap_or_default();
        let change = (update.clone(), update.name, call.body.update_mask.clone());
        let (record, version, commit) = self
            .0
            .update_record(&self.0.units, call, change, |context, violations, unit| {
                context.org_unit_record(violations, unit)
            })
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
        let district = &self.0.region;
        let (record, version) = self
            .0
            .get_record(&self.0.units, request, |actor, _| {
                hl_domain::access::require_district_reader(actor, district)
            })
            .await?;
        Ok(Response::new(unit(record, version)))
    }

    async fn list_org_units(
        &self,
        request: Request<pb::ListOrgUnitsRequest>,
    ) -> Result<Response<pb::ListOrgUnitsResponse>, Status> {
        let actor = caller(&request)?;
        self.0.require_district_reader(&actor)?;
        let body = request.into_inner();
        let query = format!("kind={}&parent={}", body.kind, body.parent_org_unit_id);
        let listed = self.0.list_records::<OrgUnitKind>(
            |index| records_of(&index.units),
            (body.page_size, &body.page_token, query),
            |unit| {
                (body.kind == 0 || unit.kind == body.kind)
                    && (body.parent_org_unit_id.is_empty()
                        || unit.parent_org_unit_id == body.parent_org_unit_id)
            },
        )?;
        Ok(Response::new(pb::ListOrgUnitsResponse {
            units: listed
                .items
                .into_iter()
                .map(|(record, version)| unit(record, version))
                .collect(),
            next_page_token: listed.next_page_token,
            total_size: listed.total_size,
        }))
    }

    async fn create_person(
        &self,
        request: Request<pb::CreatePersonRequest>,
    ) -> Result<Response<pb::PersonCommandResponse>, Status> {
        let call = CommandCall::from_request(request)?;
        let record = call.body.person.clone().unwrap_or_default();
        let (record, version, commit) = self
            .0
            .create_record(
                &self.0.persons,
                call,
                record,
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
        let call = CommandCall::from_request(request)?;
        let update = call.body.person.clone().unwrap_or_default();
        let change = (update.clone(), update.name, call.body.update_mask.clone());
        let (record, version, commit) = self
            .0
            .update_record(
                &self.0.persons,
                call,
                change,
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
        let district = &self.0.region;
        let (record, version) = self
            .0
            .get_record(&self.0.persons, request, |actor, person_id| {
                hl_domain::access::require_person_reader(actor, person_id, district)
            })
            .await?;
        Ok(Response::new(person(record, version)))
    }

    async fn list_persons(
        &self,
        request: Request<pb::ListPersonsRequest>,
    ) -> Result<Response<pb::ListPersonsResponse>, Status> {
        let actor = caller(&request)?;
        hl_domain::access::require_bureau(&actor, &self.0.region, "list people")
            .map_err(ServiceError::from)?;
        let body = request.into_inner();
        let query = format!(
            "role={}&unit={}&enterprise={}",
            body.role, body.org_unit_id, body.enterprise_id
        );
        let listed = self.0.list_records::<PersonKind>(
            |index| records_of(&index.persons),
            (body.page_size, &body.page_token, query),
            |person| {
                (body.role == 0 || person.roles.contains(&body.role))
                    && (body.org_unit_id.is_empty() || person.org_unit_id == body.org_unit_id)
                    && (body.enterprise_id.is_empty() || person.enterprise_id == body.enterprise_id)
            },
        )?;
        Ok(Response::new(pb::ListPersonsResponse {
            persons: listed
                .items
                .into_iter()
                .map(|(record, version)| person(record, version))
                .collect(),
            next_page_token: listed.next_page_token,
            total_size: listed.total_size,
        }))
    }
}
