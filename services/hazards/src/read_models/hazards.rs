//! Hazards: each hazard's facts and lifecycle (the columns both ledgers are read from), the
//! lifecycle after each of its events (so any past moment can be asked about, by business time
//! or by recording time), and the pairs between the ledgers.

use chrono::{DateTime, NaiveDate, Utc};
use hl_eventstore::{Aggregate, EventMeta};
use hl_proto::common::v1::Role;
use hl_readmodel::{
    Commit, OnConflict, Position, ReadModel, Table, TableSpec, code_column, columns, fold_rows,
    impl_columns, table, write_rows,
};
use sqlx::AnyConnection;

use crate::domain::hazard::{
    DeadlineSource, Hazard, HazardEvent, HazardFacts, HazardLifecycle, is_government_provenance,
    overdue_from,
};

impl_columns!(HazardFacts {
    hazard_id: String,
    enterprise_id: String,
    region: String,
    township_code: String,
    provenance: hl_proto::hazards::v1::Provenance,
    source_type: hl_proto::hazards::v1::SourceType,
    category: hl_proto::hazards::v1::HazardCategory,
    location: String,
    equipment: String,
    description: String,
    inspection_id: String,
    cited_hazard_id: String,
    rule_version: String,
    reported_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    migrated: bool,
});

code_column!(DeadlineSource);

impl_columns!(HazardLifecycle {
    status: hl_proto::hazards::v1::HazardStatus,
    level: hl_proto::hazards::v1::HazardLevel,
    graded_by_government: bool,
    deadline: Option<NaiveDate>,
    deadline_source: DeadlineSource,
    supervision_order_id: String,
    suspended: bool,
    claimed_at: Option<DateTime<Utc>>,
    verdict_at: Option<DateTime<Utc>>,
    verified_at: Option<DateTime<Utc>>,
    verified_by_government: bool,
    closed_at: Option<DateTime<Utc>>,
    first_government_action_at: Option<DateTime<Utc>>,
    rejections: u32,
    government_rejections: u32,
    government_rejected_at: Option<DateTime<Utc>>,
    counterpart_hazard_id: String,
    last_event_id: String,
});

columns! {
    /// A hazard as it stands.
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct HazardRow {
        pub facts: HazardFacts,
        /// The day it was found, in Asia/Shanghai: what periods and registry days join on.
        pub reported_day: NaiveDate,
        pub lifecycle: HazardLifecycle,
        /// The first day it is overdue on as it stands (Asia/Shanghai), if it ever is: a list of
        /// overdue hazards compares it with its day in the indexes.
        pub overdue_from: Option<NaiveDate>,
        pub version: u64,
        pub updated_at: DateTime<Utc>,
    }
}

impl Table for HazardRow {
    const NAME: &'static str = "hazards";
    const KEY: &'static [&'static str] = &["hazard_id"];
    // The two first cover a list of an enterprise's or a township's hazards: every column its
    // conditions read is in the index, so the list never visits the rows of other hazards.
    const INDEXES: &'static [&'static [&'static str]] = &[
        &[
            "enterprise_id",
            "reported_day",
            "township_code",
            "provenance",
            "level",
            "status",
            "supervision_order_id",
            "overdue_from",
            "reported_at",
            "recorded_at",
            "hazard_id",
        ],
        &[
            "township_code",
            "enterprise_id",
            "reported_day",
            "provenance",
            "level",
            "status",
            "supervision_order_id",
            "overdue_from",
            "reported_at",
            "recorded_at",
            "hazard_id",
        ],
        &["reported_day"],
    ];

    fn key(&self) -> String {
        self.facts.hazard_id.clone()
    }
}

columns! {
    /// A hazard's lifecycle after one of its events.
    #[derive(Clone, Debug, PartialEq)]
    pub struct HistoryRow {
        pub hazard_id: String,
        pub sequence: u64,
        pub position: u64,
        /// When the event happened (business time).
        pub at: DateTime<Utc>,
        /// When it was recorded.
        pub recorded_at: DateTime<Utc>,
        pub event_id: String,
        pub event_type: String,
        pub actor_id: String,
        pub actor_role: Role,
        pub lifecycle: HazardLifecycle,
    }
}
table!(
    HistoryRow,
    "hazard_history",
    key(hazard_id, sequence, position),
    index(at),
    index(recorded_at),
);

columns! {
    /// A pair between the ledgers: cited by the government side when reported ("linked"), or
    /// decided by an officer ("confirmed", "rejected").
    #[derive(Clone, Debug, PartialEq)]
    pub struct MatchRow {
        pub government_hazard_id: String,
        pub self_hazard_id: String,
        pub decision: String,
        pub decided_at: DateTime<Utc>,
        pub recorded_at: DateTime<Utc>,
        pub decided_by: String,
        pub event_id: String,
    }
}
table!(
    MatchRow,
    "hazard_matches",
    key(government_hazard_id, self_hazard_id)
);

/// The short name of an event, e.g. "HazardClosed".
pub fn event_name(event: &impl hl_proto::DomainEvent) -> String {
    event
        .event_type()
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Folds one event into a hazard's row with the domain's own fold; returns its history row and
/// any pair it records.
pub fn fold_hazard(
    row: &mut HazardRow,
    event: &HazardEvent,
    meta: &EventMeta,
    position: Position,
) -> Option<(HistoryRow, Option<MatchRow>)> {
    if meta.aggregate_version <= row.version {
        return None;
    }
    if let HazardEvent::Reported(reported) = event {
        row.facts = HazardFacts::reported(reported, meta);
        row.reported_day = row.facts.reported_day();
    }
    row.lifecycle.apply(event, meta);
    row.overdue_from = overdue_from(&row.facts, &row.lifecycle);
    row.version = meta.aggregate_version;
    row.updated_at = meta.recorded_at;
    let history = HistoryRow {
        hazard_id: row.facts.hazard_id.clone(),
        sequence: position.sequence,
        position: position.index,
        at: meta.occurred_at,
        recorded_at: meta.recorded_at,
        event_id: meta.event_id.clone(),
        event_type: event_name(event),
        actor_id: meta.actor.id.clone(),
        actor_role: meta.actor.role(),
        lifecycle: row.lifecycle.clone(),
    };
    Some((history, pair_of(event, meta, &row.facts)))
}

/// The pair an event records, if any.
fn pair_of(event: &HazardEvent, meta: &EventMeta, facts: &HazardFacts) -> Option<MatchRow> {
    let decided = |government: &str, own: &str, decision: &str| MatchRow {
        government_hazard_id: government.to_string(),
        self_hazard_id: own.to_string(),
        decision: decision.to_string(),
        decided_at: meta.occurred_at,
        recorded_at: meta.recorded_at,
        decided_by: meta.actor.id.clone(),
        event_id: meta.event_id.clone(),
    };
    match event {
        // Only the government side's citation is a pair; an enterprise's is a proposal.
        HazardEvent::Reported(reported)
            if !reported.counterpart_hazard_id.is_empty()
                && is_government_provenance(reported.provenance()) =>
        {
            Some(decided(
                &facts.hazard_id,
                &reported.counterpart_hazard_id,
                "linked",
            ))
        }
        HazardEvent::CounterpartMatchConfirmed(confirmed) => Some(decided(
            &confirmed.hazard_id,
            &confirmed.counterpart_hazard_id,
            "confirmed",
        )),
        HazardEvent::CounterpartMatchRejected(rejected) => Some(decided(
            &rejected.hazard_id,
            &rejected.counterpart_hazard_id,
            "rejected",
        )),
        _ => None,
    }
}

/// Hazards, their history and the pairs between the ledgers.
pub struct HazardModel;

impl ReadModel for HazardModel {
    type Event = HazardEvent;
    const CONTEXT: &'static str = crate::domain::CONTEXT;
    const AGGREGATE_TYPE: &'static str = Hazard::AGGREGATE_TYPE;

    fn tables(&self) -> Vec<TableSpec> {
        vec![
            TableSpec::of::<HazardRow>(),
            TableSpec::of::<HistoryRow>(),
            TableSpec::of::<MatchRow>(),
        ]
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        generation: i64,
        commits: Vec<Commit<HazardEvent>>,
    ) -> Result<(), sqlx::Error> {
        let mut history = Vec::new();
        let mut pairs: Vec<MatchRow> = Vec::new();
        fold_rows(
            connection,
            generation,
            &commits,
            |row: &mut HazardRow, event, meta, position| {
                if let Some((row_history, pair)) = fold_hazard(row, event, meta, position) {
                    history.push(row_history);
                    pairs.extend(pair);
                }
            },
        )
        .await?;
        write_rows(connection, generation, &history, OnConflict::Keep).await?;
        // Later decisions about a pair replace earlier ones; keep only the last of the batch.
        let mut last = std::collections::HashMap::new();
        for pair in pairs {
            last.insert(pair.key(), pair);
        }
        let pairs: Vec<MatchRow> = last.into_values().collect();
        write_rows(connection, generation, &pairs, OnConflict::Replace).await
    }
}
