//! A small world for projection tests: a real nats-server, a real database (SQLite or
//! PostgreSQL), the projections running on them, and the domain's repositories to record events
//! as the services would, with business times chosen by the test.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use hl_directory::Standing;
use hl_directory::enterprise::{Enterprise, EnterpriseCommand};
use hl_domain::access::test_actors;
use hl_eventstore::{
    Aggregate, EventStore, Namespace, Repository, RepositorySettings, RequestMeta, StoreSettings,
};
use hl_hazards::domain::hazard::{Hazard, HazardCommand, ReportHazard};
use hl_projections::api::LedgerGrpc;
use hl_projections::{Projections, projector};
use hl_proto::common::v1::Actor;
use hl_proto::hazards::v1 as hazards;
use hl_proto::ledger::v1 as ledger;
use hl_proto::ledger::v1::ledger_service_server::LedgerService;
use hl_proto::responsibility::v1 as registry;
use hl_readmodel::Database;
use hl_testkit::{NatsServer, TestDatabase, unique_namespace, wait_until};
use tonic::Request;

pub const ENTERPRISE: &str = test_actors::ENTERPRISE;
pub const OTHER: &str = test_actors::OTHER_ENTERPRISE;

/// Where a test's read models live.
pub enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(TestDatabase),
}

impl Backend {
    pub async fn sqlite() -> Backend {
        Backend::Sqlite(tempfile::tempdir().unwrap())
    }

    pub async fn postgres() -> Backend {
        Backend::Postgres(TestDatabase::create().await)
    }

    pub fn url(&self) -> String {
        match self {
            Backend::Sqlite(folder) => {
                format!("sqlite://{}", folder.path().join("ledger.db").display())
            }
            Backend::Postgres(database) => database.url.clone(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// Runs a test body on SQLite, then on PostgreSQL.
pub async fn on_both_databases<F, Fut>(body: F)
where
    F: Fn(Backend) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in [Backend::sqlite().await, Backend::postgres().await] {
        eprintln!("--- on {}", backend.name());
        body(backend).await;
    }
}

pub fn at(text: &str) -> DateTime<Utc> {
    if text.len() == 10 {
        DateTime::parse_from_rfc3339(&format!("{text}T02:00:00Z"))
            .unwrap()
            .to_utc()
    } else {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }
}

pub fn day(text: &str) -> hl_proto::common::v1::Date {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap().into()
}

/// How a world's steps are entered.
#[derive(Clone, Copy, Debug)]
pub enum Entry {
    /// Loaded from a past ledger by a bureau administrator: recorded now, marked as migrated.
    Migrated,
    /// Entered live, this long after each step happened (zero: on the day).
    Live(chrono::Duration),
}

pub struct World {
    pub nats: NatsServer,
    pub store: EventStore,
    pub projections: Arc<Projections>,
    pub hazards: Repository<Hazard>,
    pub rounds: Repository<hl_hazards::domain::self_check::SelfCheckRound>,
    pub devices: Repository<hl_hazards::domain::alarm_device::AlarmDevice>,
    pub enterprises: Repository<Enterprise>,
    pub backend: Backend,
    entry: Entry,
    /// What the repositories' clock reads: when the step being entered is recorded.
    recording_time: Arc<std::sync::Mutex<Option<DateTime<Utc>>>>,
    settings: RepositorySettings,
}

impl World {
    pub async fn start(backend: Backend) -> World {
        let nats = NatsServer::start().await;
        World::start_on(nats, &unique_namespace(), backend).await
    }

    pub async fn start_on(nats: NatsServer, namespace: &str, backend: Backend) -> World {
        World::start_entering(nats, namespace, backend, Entry::Migrated).await
    }

    /// A world whose steps are entered as `entry` says.
    pub async fn start_entering(
        nats: NatsServer,
        namespace: &str,
        backend: Backend,
        entry: Entry,
    ) -> World {
        let client = async_nats::connect(nats.url()).await.unwrap();
        let store = EventStore::new(
            client,
            Namespace::new(namespace).unwrap(),
            StoreSettings::default(),
        );
        store.ensure_snapshot_stream().await.unwrap();
        let registry = hl_projections::registry();
        for context in registry.contexts() {
            store.ensure_context_stream(context).await.unwrap();
        }
        let database = Database::connect(&backend.url()).await.unwrap();
        let projections = Projections::start(
            database,
            store.clone(),
            "330903",
            registry,
            hl_projections::Settings::default(),
        )
        .await
        .unwrap();
        let recording_time: Arc<std::sync::Mutex<Option<DateTime<Utc>>>> = Arc::default();
        let clock_reads = recording_time.clone();
        let settings = RepositorySettings {
            clock: hl_domain::clock::Clock::from_fn(move || {
                clock_reads.lock().unwrap().unwrap_or_else(Utc::now)
            }),
            ..RepositorySettings::default()
        };
        World {
            hazards: Repository::new(store.clone(), "330903", settings.clone()),
            rounds: Repository::new(store.clone(), "330903", settings.clone()),
            devices: Repository::new(store.clone(), "330903", settings.clone()),
            enterprises: Repository::new(store.clone(), "330903", settings.clone()),
            settings,
            nats,
            store,
            projections,
            backend,
            entry,
            recording_time,
        }
    }

    /// A repository of any aggregate, on the world's store and recording clock.
    pub fn repository<A: Aggregate>(&self) -> Repository<A> {
        Repository::new(self.store.clone(), "330903", self.settings.clone())
    }

    /// Records a command as `actor` at business time `when`, entered as the world enters steps.
    pub async fn execute<A: Aggregate>(
        &self,
        repository: &Repository<A>,
        id: &str,
        command: A::Command,
        actor: Actor,
        when: &str,
    ) {
        let recorded = match self.entry {
            Entry::Migrated => None,
            Entry::Live(delay) => Some(at(when) + delay),
        };
        self.execute_recorded(repository, id, command, actor, when, recorded)
            .await;
    }

    /// Records a command that happened at `when`, entered live at `recorded` (or loaded from a
    /// past ledger when None).
    pub async fn execute_recorded<A: Aggregate>(
        &self,
        repository: &Repository<A>,
        id: &str,
        command: A::Command,
        actor: Actor,
        when: &str,
        recorded: Option<DateTime<Utc>>,
    ) {
        *self.recording_time.lock().unwrap() = recorded;
        let meta = RequestMeta {
            request_id: uuid::Uuid::new_v4().to_string(),
            actor,
            occurred_at: Some(at(when)),
            correlation_id: None,
            // Loaded from a past year's ledgers, as a bureau administrator would.
            migrated_by: recorded.is_none().then(test_actors::administrator),
        };
        let outcome = repository.execute(id, &command, &meta).await;
        *self.recording_time.lock().unwrap() = None;
        outcome.unwrap_or_else(|error| panic!("{id}: {error}"));
    }

    /// Registers an enterprise in township 330903001, industry 涉氨制冷, from 2020.
    pub async fn register(&self, enterprise_id: &str, township: &str, self_check_required: bool) {
        let details = registry::EnterpriseDetails {
            display_name: format!("enterprise {enterprise_id}"),
            township_code: township.into(),
            industries: vec![registry::Industry::AmmoniaRefrigeration as i32],
            self_check_required,
            self_check_frequency: registry::SelfCheckFrequency::Quarterly as i32,
            ..Default::default()
        };
        let command = EnterpriseCommand::Register {
            details,
            effective_from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            activate: true,
        };
        self.execute(
            &self.enterprises,
            enterprise_id,
            command,
            test_actors::administrator(),
            "2020-01-01",
        )
        .await;
    }

    /// A general hazard of ENTERPRISE found by an inspection on 2023-05-01.
    pub async fn report_finding(&self, id: &str) {
        self.report_finding_on(id, "2023-05-01").await;
    }

    /// A government finding of a 一般 hazard at the enterprise, on a day.
    pub async fn report_finding_on(&self, id: &str, when: &str) {
        self.report(
            id,
            ENTERPRISE,
            true,
            hazards::HazardLevel::General,
            "机房",
            when,
            "",
        )
        .await;
    }

    /// Reports a hazard: government-side by the inspector, self-check by the enterprise.
    #[allow(clippy::too_many_arguments)]
    pub async fn report(
        &self,
        id: &str,
        enterprise_id: &str,
        government: bool,
        level: hazards::HazardLevel,
        location: &str,
        when: &str,
        counterpart: &str,
    ) {
        let (command, actor) =
            reporting(id, enterprise_id, government, level, location, counterpart);
        self.execute(&self.hazards, id, command, actor, when).await;
    }

    /// A government order with a deadline.
    pub async fn order(&self, id: &str, deadline: &str, when: &str) {
        let order = hazards::RectificationOrder {
            document_number: "责改".into(),
            deadline: Some(day(deadline)),
            measures: String::new(),
        };
        self.execute(
            &self.hazards,
            id,
            HazardCommand::OrderRectification(order),
            test_actors::inspector(),
            when,
        )
        .await;
    }

    pub async fn claim(&self, id: &str, enterprise_id: &str, when: &str) {
        let evidence = vec![hl_proto::common::v1::EvidenceRef {
            sha256: "a".repeat(64),
            ..Default::default()
        }];
        self.execute(
            &self.hazards,
            id,
            HazardCommand::ClaimRectification {
                note: String::new(),
                evidence,
            },
            enterprise_actor(enterprise_id),
            when,
        )
        .await;
    }

    /// Waits until both streams are applied up to their heads.
    pub async fn caught_up(&self) {
        let projections = self.projections.clone();
        let store = self.store.clone();
        wait_until(
            "the projections to catch up",
            Duration::from_secs(60),
            || {
                let projections = projections.clone();
                let store = store.clone();
                async move {
                    for status in projections.statuses() {
                        let head = store.stream_head(&status.context).await.ok()?;
                        if status.applied.load(Ordering::SeqCst) < head {
                            return None;
                        }
                    }
                    Some(())
                }
            },
        )
        .await;
    }

    /// Where the projector of a context's stream stands.
    pub fn status(&self, context: &str) -> Arc<projector::StreamStatus> {
        self.projections
            .statuses()
            .into_iter()
            .find(|status| status.context == context)
            .unwrap_or_else(|| panic!("no projector of {context}"))
    }

    /// The failure a context's projector stopped at, once it has.
    pub async fn stopped(&self, context: &str) -> projector::Failure {
        wait_until(
            &format!("the {context} projector to stop"),
            Duration::from_secs(30),
            || async { self.status(context).failure() },
        )
        .await
    }

    pub fn ledger(&self) -> LedgerGrpc {
        LedgerGrpc(self.projections.clone())
    }

    /// Every hazard the read model lists as it stands, in one page.
    pub async fn all_hazards(&self) -> Vec<ledger::HazardRecord> {
        let request = ledger::ListHazardsRequest {
            page_size: 1000,
            ..Default::default()
        };
        self.ledger()
            .list_hazards(as_inspector(request))
            .await
            .unwrap()
            .into_inner()
            .hazards
    }

    /// (code, hazard ids) of the discrepancies as of a time, for the year of that time.
    pub async fn discrepancies(&self, as_of: &str) -> Vec<(String, Vec<String>)> {
        let request = ledger::ListDiscrepanciesRequest {
            as_of: Some(hl_proto::timestamp(at(as_of))),
            period_start: Some(day("2023-01-01")),
            period_end: Some(day("2023-12-31")),
            page_size: 1000,
            ..Default::default()
        };
        let response = self
            .ledger()
            .list_discrepancies(as_inspector(request))
            .await
            .unwrap()
            .into_inner();
        response
            .discrepancies
            .into_iter()
            .map(|row| (row.code, row.hazard_ids))
            .collect()
    }
}

/// The report of a hazard and who makes it: government-side by the inspector, self-check by the
/// enterprise.
pub fn reporting(
    id: &str,
    enterprise_id: &str,
    government: bool,
    level: hazards::HazardLevel,
    location: &str,
    counterpart: &str,
) -> (HazardCommand, Actor) {
    let report = ReportHazard {
        enterprise: Standing::registered(
            enterprise_id,
            registry::EnterpriseDetails {
                township_code: "330903001".into(),
                ..Default::default()
            },
        ),
        region: "330903".into(),
        provenance: if government {
            hazards::Provenance::GovernmentInspection
        } else {
            hazards::Provenance::EnterpriseSelf
        },
        source_type: hazards::SourceType::Routine,
        category: hazards::HazardCategory::AmmoniaRefrigeration,
        location: location.into(),
        description: format!("hazard {id}"),
        counterpart_hazard_id: counterpart.into(),
        level,
        level_criterion: "c".into(),
        ..ReportHazard::default()
    };
    let actor = if government {
        test_actors::inspector()
    } else {
        enterprise_actor(enterprise_id)
    };
    (HazardCommand::Report(report), actor)
}

pub fn enterprise_actor(enterprise_id: &str) -> Actor {
    Actor {
        id: "principal".into(),
        role: hl_proto::common::v1::Role::Enterprise as i32,
        organisation: enterprise_id.into(),
        region: String::new(),
    }
}

/// A query handed to the ledger service in process, as the access layer hands on an
/// inspector's call.
pub fn as_inspector<T>(body: T) -> Request<T> {
    hl_testkit::actors::admitted(body, &test_actors::inspector())
}
