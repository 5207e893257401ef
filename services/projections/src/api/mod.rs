//! The query API: the read models and the reconciliation, each answer with its freshness.
//!
//! - `ledger`: LedgerService, the two ledgers and their reconciliation.
//! - `enforcement`: its inspections and penalty cases queries.
//! - `responsibility`: responsibility gaps and the committee's lists.
//! - `evaluation`: the townships' evaluation table.
//! - `plans`: the plan register and 修编率.
//! - `accidents`: the year's accidents against the year before.
//! - `disasters`: one disaster event's response, with the key vessels not yet secured.
//! - `targets`: T1–T16 for a year, each read by its own query, with its lineage.
//! - `records`: read-model rows and reconciliation results as API messages.
//! - `admin`: ProjectionAdminService, the status and rebuild of the read models.

mod accidents;
mod admin;
mod disasters;
mod enforcement;
pub(crate) mod evaluation;
mod ledger;
mod plans;
mod records;
mod responsibility;
mod targets;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hl_domain::access::{require_district_reader, role};
use hl_domain::clock::local_date;
use hl_domain::reasons::{self, Reason};
use hl_proto::common::v1::{Actor, Date, Role};
use hl_proto::ledger::v1 as pb;
use hl_readmodel::ReadTransaction;
use hl_runtime::{ServiceError, Violations};
use tonic::Status;

use crate::reader::{Scope, is_now};
use crate::service::Projections;

pub use admin::AdminGrpc;
pub use ledger::LedgerGrpc;

fn database_error(error: sqlx::Error) -> Status {
    ServiceError::unavailable(format!("the read-model database failed: {error}")).into()
}

/// A read-only transaction on the read model: every statement of one answer reads one state of
/// it, never part of a projector's batch.
async fn begin_read(projections: &Projections) -> Result<ReadTransaction, Status> {
    projections
        .database
        .begin_read()
        .await
        .map_err(database_error)
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
        generation: *projections.generation(),
    }
}

/// What a ledger query asks about: its moments (business and recording) and, where it has one,
/// its period and filters.
struct Asked<'a> {
    as_of: Option<&'a hl_proto::Timestamp>,
    known_at: Option<&'a hl_proto::Timestamp>,
    period_start: Option<&'a Date>,
    period_end: Option<&'a Date>,
    enterprise_id: &'a str,
    township_code: &'a str,
    industry: i32,
}

impl<'a> Asked<'a> {
    fn at(
        as_of: Option<&'a hl_proto::Timestamp>,
        known_at: Option<&'a hl_proto::Timestamp>,
    ) -> Self {
        Asked {
            as_of,
            known_at,
            period_start: None,
            period_end: None,
            enterprise_id: "",
            township_code: "",
            industry: 0,
        }
    }

    /// The scope: now and everything recorded by default; the year to date of `as_of` when the
    /// query has a period and leaves it unset; all time when it has none.
    fn scope(&self, violations: &mut Violations, with_period: bool) -> Scope {
        let as_of = violations.as_of(self.as_of);
        let known_at = violations.instant("known_at", self.known_at);
        let today = local_date(as_of);
        let (period_start, period_end) = if with_period {
            let start = violations
                .optional_date("period_start", self.period_start)
                .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
            let end = violations
                .optional_date("period_end", self.period_end)
                .unwrap_or(today);
            if end < start {
                violations.add("period_end", "is before period_start");
            }
            (start, end)
        } else {
            (NaiveDate::MIN, NaiveDate::MAX)
        };
        let text = |value: &str| (!value.is_empty()).then(|| value.to_string());
        Scope {
            current: is_now(as_of) && is_now(known_at),
            as_of,
            known_at,
            period_start,
            period_end,
            enterprise_id: text(self.enterprise_id),
            township_code: text(self.township_code),
            industry: (self.industry != 0).then_some(self.industry),
        }
    }
}

/// Narrows a query to what the caller may see: an enterprise its own records, a township officer
/// their township, the district's government side and systems the district.
fn restrict(scope: &mut Scope, actor: &Actor, district: &str) -> Result<(), Status> {
    let refused = |reason: Reason, message: String| -> Result<(), Status> {
        Err(ServiceError::permission_denied(reason, message).into())
    };
    match role(actor) {
        Role::Enterprise => match &scope.enterprise_id {
            Some(asked) if *asked != actor.organisation => refused(
                reasons::OTHER_ENTERPRISE,
                format!("an enterprise reads only its own ledgers, not those of {asked}"),
            ),
            _ => {
                scope.enterprise_id = Some(actor.organisation.clone());
                Ok(())
            }
        },
        Role::TownshipOfficer => {
            require_district_reader(actor, district).map_err(ServiceError::from)?;
            match &scope.township_code {
                Some(asked) if !asked.starts_with(&actor.region) => refused(
                    reasons::OUTSIDE_JURISDICTION,
                    format!(
                        "township {asked} is outside the caller's township {}",
                        actor.region
                    ),
                ),
                Some(_) => Ok(()),
                None => {
                    scope.township_code = Some(actor.region.clone());
                    Ok(())
                }
            }
        }
        _ => Ok(require_district_reader(actor, district).map_err(ServiceError::from)?),
    }
}

/// The records of a state read model as the ledger knew them at `known_at`, each with the
/// events folded into it: what the plans figures count, and the events behind them.
async fn known<R: hl_readmodel::StateRow>(
    shared: &Shared,
    known_at: DateTime<Utc>,
) -> Result<Vec<hl_readmodel::Known<R>>, Status> {
    hl_readmodel::known_rows::<R>(&shared.database, *shared.generation(), known_at)
        .await
        .map_err(database_error)
}

/// The moment as seconds, for a page token's query fingerprint.
fn seconds(moment: Option<&hl_proto::Timestamp>) -> i64 {
    moment.map(|at| at.seconds).unwrap_or_default()
}

/// The kept reconciliation or a fresh one.
type Shared = Arc<Projections>;

fn instant(moment: DateTime<Utc>) -> Option<hl_proto::Timestamp> {
    Some(hl_proto::timestamp(moment))
}

/// A year's figures as of a day: its first and last days, and the day asked (today within the
/// year when none is asked).
#[derive(Clone, Copy, Debug)]
struct YearAsOf {
    first_day: NaiveDate,
    day: NaiveDate,
    last_day: NaiveDate,
}

/// Checks a `year` and an optional `day` of it, adding what is wrong to the violations.
fn year_as_of(violations: &mut Violations, year: i32, day: Option<&Date>) -> YearAsOf {
    violations.year("year", year);
    let first_day = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let last_day = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let asked = violations.optional_date("day", day);
    if asked.is_some_and(|day| day.year() != year) {
        violations.add("day", format!("a day of {year}"));
    }
    let day = asked.unwrap_or_else(|| local_date(Utc::now()).clamp(first_day, last_day));
    YearAsOf {
        first_day,
        day,
        last_day,
    }
}
