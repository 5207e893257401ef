//! The one path every RPC takes, whatever its context: who is calling, what the request says
//! (every bad field reported at once), the business time of what it records, the command run
//! through the aggregate's repository, and the commit it made. A handler names its aggregate, its
//! request's fields and its response; the rest is here.
//!
//! ```text
//! async fn grade_hazard(&self, request) -> Result<Response<pb::HazardCommandResponse>, Status> {
//!     let committed = command_on_named(&self.hazards, request, requests::grade).await?;
//!     Ok(Response::new(hazard_response(committed)))
//! }
//! ```

use chrono::{DateTime, NaiveDate, Utc};
use hl_domain::clock::local_date;
use hl_domain::{DomainError, access, reasons};
use hl_eventstore::{Aggregate, Executed, Loaded, Repository, RequestMeta};
use hl_proto::common::v1::{Actor, CommitInfo};
use hl_proto::requests::{AsOfRequest, CommandRequest, NamedRequest};
use tonic::{Request, Status};
use uuid::Uuid;

use crate::actor::caller;
use crate::error::ServiceError;
use crate::validation::{Violations, resource_id};

/// A command request on its way: who asks, what they sent, and what is wrong with it so far.
pub struct CommandCall<T> {
    pub actor: Actor,
    pub body: T,
    pub violations: Violations,
    /// When the call arrived.
    pub now: DateTime<Utc>,
    /// When what it records happened, if the caller dated it.
    pub occurred_at: Option<DateTime<Utc>>,
    correlation_id: Option<String>,
}

impl<T: CommandRequest> CommandCall<T> {
    /// Reads the caller and checks the request_id and the business time.
    pub fn from_request(request: Request<T>) -> Result<CommandCall<T>, Status> {
        let actor = caller(&request)?;
        let body = request.into_inner();
        let now = Utc::now();
        let mut violations = Violations::new();
        violations.request_id(body.request_id());
        let occurred_at = violations.business_time("occurred_at", body.occurred_at(), now, &actor);
        Ok(CommandCall {
            actor,
            body,
            violations,
            now,
            occurred_at,
            correlation_id: None,
        })
    }

    /// The id of the resource the request names in `name`, as "collection/{id}".
    pub fn named(&mut self, collection: &str) -> Option<String>
    where
        T: NamedRequest,
    {
        self.violations
            .resource_id("name", self.body.name(), collection)
    }

    /// The id of a new aggregate: the client's, or one derived from the request_id so that a
    /// retry reaches the same aggregate and is recognised there.
    pub fn new_id<A: Aggregate>(&self, client_id: &str) -> String {
        if client_id.is_empty() {
            Uuid::new_v5(
                &Uuid::NAMESPACE_OID,
                format!(
                    "hazard-ledger:{}:{}",
                    A::AGGREGATE_TYPE,
                    self.body.request_id()
                )
                .as_bytes(),
            )
            .to_string()
        } else {
            client_id.to_string()
        }
    }

    /// The business day of what the request records, in Asia/Shanghai.
    pub fn day(&self) -> NaiveDate {
        local_date(self.occurred_at.unwrap_or(self.now))
    }

    /// Another command this call causes, sharing its correlation.
    pub fn with_correlation(mut self, correlation_id: &str) -> Self {
        self.correlation_id = Some(correlation_id.to_string());
        self
    }

    /// Every problem found so far as INVALID_ARGUMENT, or nothing.
    pub fn check(&mut self) -> Result<(), Status> {
        std::mem::take(&mut self.violations)
            .into_result()
            .map_err(Status::from)
    }

    /// Who asks, under which request_id and business time.
    pub fn meta(&self) -> RequestMeta {
        RequestMeta {
            request_id: self.body.request_id().to_string(),
            actor: self.actor.clone(),
            occurred_at: self.occurred_at,
            correlation_id: self.correlation_id.clone(),
            migrated_by: None,
        }
    }

    /// Checks what is left to check, then runs the command on the aggregate.
    pub async fn run<A>(
        &mut self,
        repository: &Repository<A>,
        id: Option<String>,
        command: &A::Command,
    ) -> Result<Committed<A>, Status>
    where
        A: Aggregate,
        A::Error: Into<ServiceError>,
    {
        self.check()?;
        let id = id.expect("a checked request names its resource");
        run_command(repository, &id, command, &self.meta()).await
    }
}

/// What a command left: the aggregate's state and version, and its commit.
pub struct Committed<A> {
    pub state: A,
    pub version: u64,
    pub commit: CommitInfo,
}

impl<A: Aggregate> Committed<A> {
    pub fn from_executed(id: &str, executed: Executed<A>) -> Committed<A> {
        Committed {
            commit: CommitInfo {
                name: Repository::<A>::name(id),
                aggregate_version: executed.commit.aggregate_version,
                stream_sequence: executed.commit.stream_sequence,
                event_ids: executed.commit.event_ids,
                replayed: executed.replayed,
            },
            state: executed.state,
            version: executed.version,
        }
    }
}

/// Runs one command on one aggregate, mapping every failure to its API error.
pub async fn run_command<A>(
    repository: &Repository<A>,
    id: &str,
    command: &A::Command,
    meta: &RequestMeta,
) -> Result<Committed<A>, Status>
where
    A: Aggregate,
    A::Error: Into<ServiceError>,
{
    let executed = repository
        .execute(id, command, meta)
        .await
        .map_err(|error| Status::from(ServiceError::from(error)))?;
    Ok(Committed::from_executed(id, executed))
}

/// The common case: a command on the aggregate the request names, built from its fields.
pub async fn command_on_named<A, T>(
    repository: &Repository<A>,
    request: Request<T>,
    build: impl FnOnce(&mut Violations, &T) -> A::Command,
) -> Result<Committed<A>, Status>
where
    A: Aggregate,
    A::Error: Into<ServiceError>,
    T: CommandRequest + NamedRequest,
{
    let mut call = CommandCall::from_request(request)?;
    let id = call.named(A::COLLECTION);
    let command = build(&mut call.violations, &call.body);
    call.run(repository, id, &command).await
}

/// A read of one resource: who asks, the resource as it stood at the moment asked about (its
/// default state when it had no history by then), and that moment. Nothing of it is answered before the handler's access
/// check, [`Fetched::require`], which also answers for a resource that does not exist.
pub struct Fetched<A, T> {
    pub actor: Actor,
    pub body: T,
    pub state: A,
    pub version: u64,
    pub as_of: DateTime<Utc>,
    id: String,
    name: String,
    exists: bool,
}

/// Loads the resource a request names as it stood at the request's as_of: the steps that
/// happened by then, as the ledger knows them now (its latest state when unset). Whether it exists is not
/// said yet: the handler asks
/// next who may read it ([`Fetched::require`]), and that answer covers a missing resource too.
pub async fn get_named<A, T>(
    repository: &Repository<A>,
    request: Request<T>,
) -> Result<Fetched<A, T>, Status>
where
    A: Aggregate,
    T: NamedRequest + AsOfRequest,
{
    let actor = caller(&request)?;
    let body = request.into_inner();
    let id = resource_id("name", body.name(), A::COLLECTION)?.to_string();
    let mut violations = Violations::new();
    let as_of = violations.as_of(body.as_of());
    violations.into_result()?;
    // Unset means the latest state, whatever the steps' dates: a step dated a little ahead
    // (the clock skew a command is allowed) is shown at once. The past is replayed only for a
    // caller who may know of the record; to anyone else it is missing, before any replay.
    let loaded: Loaded<A> = match body.as_of() {
        None => repository.load(&id).await,
        Some(_) => {
            repository
                .load_as_of(&id, as_of, |state| state.known_to(&actor))
                .await
        }
    }
    .map_err(ServiceError::from)?;
    Ok(Fetched {
        actor,
        body,
        exists: loaded.exists(),
        state: loaded.state,
        version: loaded.version,
        as_of,
        name: Repository::<A>::name(&id),
        id,
    })
}

impl<A, T> Fetched<A, T> {
    /// Whether the resource has any history. Its state is the default one when not.
    pub fn exists(&self) -> bool {
        self.exists
    }

    /// The id the request names, whether or not the resource exists.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The caller may read the resource by `rule`, asked of the state as loaded. The answer
    /// tells nothing the caller may not know (AIP-211):
    /// - a refusal for the caller's role alone stands, whether or not the resource exists;
    /// - a resource of another enterprise is NOT_FOUND, word for word as a missing one;
    /// - a missing resource is NOT_FOUND; an existing one refused for the caller's
    ///   jurisdiction is that refusal.
    pub fn require(
        &self,
        rule: impl FnOnce(&Actor) -> Result<(), DomainError>,
    ) -> Result<(), Status> {
        let refusal = match rule(&self.actor) {
            Ok(()) if self.exists => return Ok(()),
            Ok(()) => None,
            Err(refusal) => Some(refusal),
        };
        let said_of_the_record = |reasons: &[&str]| {
            refusal
                .as_ref()
                .is_none_or(|refusal| reasons.contains(&refusal.reason()))
        };
        let hidden = if self.exists {
            // Refused, and the refusal would say whose the record is.
            said_of_the_record(&[
                reasons::OTHER_ENTERPRISE.name,
                reasons::ENTERPRISE_ONLY.name,
            ])
        } else {
            // A rule asked of the default state refuses for its empty place or enterprise.
            said_of_the_record(&[
                reasons::OTHER_ENTERPRISE.name,
                reasons::ENTERPRISE_ONLY.name,
                reasons::OUTSIDE_JURISDICTION.name,
            ])
        };
        match refusal {
            Some(refusal) if !hidden => Err(ServiceError::from(refusal).into()),
            _ => Err(ServiceError::not_found(self.name.clone()).into()),
        }
    }

    /// The caller may see a record of `enterprise_id` at `place_code` (its township, or the
    /// district): an enterprise its own, the government side its jurisdiction.
    pub fn require_reader(&self, enterprise_id: &str, place_code: &str) -> Result<(), Status> {
        self.require(|actor| access::require_reader(actor, enterprise_id, place_code))
    }

    /// The caller works in the government of `district`, for its shared records.
    pub fn require_district_reader(&self, district: &str) -> Result<(), Status> {
        self.require(|actor| access::require_district_reader(actor, district))
    }
}
