//! The reconciliation of the current state, kept until the read model moves.
//!
//! Reconciling the whole district reads every hazard, round, device and enterprise, which takes
//! seconds at province scale. Asked about now, the answer depends only on the read model's
//! content (its generation and how far each stream is applied), the local day (every rule of
//! DOMAIN.md §5 counts whole days) and the scope's filters. So it is computed once per content
//! and day and shared by every query until a batch is applied, the generation switches or the
//! day turns. Questions about a past `as_of` are never cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use hl_domain::clock::local_date;
use hl_proto::ledger::v1::ReconciliationSummary;

use crate::reader::Scope;
use crate::reconciliation::{DiscrepancyRow, Snapshot};

/// How many scopes are kept per content; older ones make room. Each holds the rows it read
/// (at province scale, the whole district's hazards), so few are kept.
const SCOPES_KEPT: usize = 4;

/// The read model's content: its generation and each stream's applied sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentVersion {
    pub generation: i64,
    pub applied: Vec<(String, u64)>,
}

/// One reconciliation: what it read and what it found, and its summaries once asked for.
pub struct Reconciled {
    pub snapshot: Snapshot,
    pub discrepancies: Vec<DiscrepancyRow>,
    /// By GroupBy value.
    summaries: Mutex<HashMap<i32, Arc<ReconciliationSummary>>>,
}

impl Reconciled {
    pub fn new(snapshot: Snapshot, discrepancies: Vec<DiscrepancyRow>) -> Reconciled {
        Reconciled {
            snapshot,
            discrepancies,
            summaries: Mutex::default(),
        }
    }

    pub fn summary(&self, group_by: i32) -> Option<Arc<ReconciliationSummary>> {
        self.summaries
            .lock()
            .expect("summary lock")
            .get(&group_by)
            .cloned()
    }

    pub fn keep_summary(&self, group_by: i32, summary: Arc<ReconciliationSummary>) {
        self.summaries
            .lock()
            .expect("summary lock")
            .insert(group_by, summary);
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ScopeKey {
    day: NaiveDate,
    period_start: NaiveDate,
    period_end: NaiveDate,
    enterprise_id: Option<String>,
    township_code: Option<String>,
    industry: Option<i32>,
}

impl ScopeKey {
    fn of(scope: &Scope) -> ScopeKey {
        ScopeKey {
            day: local_date(scope.as_of),
            period_start: scope.period_start,
            period_end: scope.period_end,
            enterprise_id: scope.enterprise_id.clone(),
            township_code: scope.township_code.clone(),
            industry: scope.industry,
        }
    }
}

#[derive(Default)]
struct Entries {
    version: Option<ContentVersion>,
    /// With the order they were added in, to drop the oldest first.
    by_scope: HashMap<ScopeKey, (u64, Arc<Reconciled>)>,
    added: u64,
}

#[derive(Default)]
pub struct ReconciliationCache {
    entries: Mutex<Entries>,
}

impl ReconciliationCache {
    /// The kept reconciliation of a current scope for this content, if any.
    pub fn get(&self, version: &ContentVersion, scope: &Scope) -> Option<Arc<Reconciled>> {
        if !scope.current {
            return None;
        }
        let entries = self.entries.lock().expect("cache lock");
        if entries.version.as_ref() != Some(version) {
            return None;
        }
        entries
            .by_scope
            .get(&ScopeKey::of(scope))
            .map(|(_, reconciled)| reconciled.clone())
    }

    /// Keeps a reconciliation computed from content that was at least `version` when its
    /// reading began. Content read later than its key only costs a recomputation.
    pub fn put(&self, version: ContentVersion, scope: &Scope, reconciled: Arc<Reconciled>) {
        if !scope.current {
            return;
        }
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.version.as_ref() != Some(&version) {
            entries.version = Some(version);
            entries.by_scope.clear();
        }
        if entries.by_scope.len() >= SCOPES_KEPT
            && let Some(oldest) = entries
                .by_scope
                .iter()
                .min_by_key(|(_, (added, _))| *added)
                .map(|(key, _)| key.clone())
        {
            entries.by_scope.remove(&oldest);
        }
        entries.added += 1;
        let added = entries.added;
        entries
            .by_scope
            .insert(ScopeKey::of(scope), (added, reconciled));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn scope(as_of: DateTime<Utc>, current: bool, township: Option<&str>) -> Scope {
        Scope {
            as_of,
            known_at: as_of,
            current,
            period_start: NaiveDate::from_ymd_opt(2023, 1, 1).unwrap(),
            period_end: NaiveDate::from_ymd_opt(2023, 12, 31).unwrap(),
            enterprise_id: None,
            township_code: township.map(str::to_string),
            industry: None,
        }
    }

    fn reconciled(scope: &Scope) -> Arc<Reconciled> {
        Arc::new(Reconciled::new(
            Snapshot {
                as_of: scope.as_of,
                known_at: scope.known_at,
                period_start: scope.period_start,
                period_end: scope.period_end,
                hazards: Vec::new(),
                rejected_pairs: Default::default(),
                rounds: Vec::new(),
                statistics: Vec::new(),
                devices: Vec::new(),
                enterprises: Vec::new(),
                planned_visits: Vec::new(),
            },
            Vec::new(),
        ))
    }

    fn version(applied: u64) -> ContentVersion {
        ContentVersion {
            generation: 1,
            applied: vec![("HL_HAZARDS".into(), applied)],
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_current_scope_is_answered_again_until_the_content_moves() {
        let cache = ReconciliationCache::default();
        let first = scope(at("2023-06-01T02:00:00Z"), true, None);
        cache.put(version(10), &first, reconciled(&first));
        let later_same_day = scope(at("2023-06-01T09:00:00Z"), true, None);
        assert!(cache.get(&version(10), &later_same_day).is_some());
        assert!(
            cache.get(&version(11), &later_same_day).is_none(),
            "a batch applied since"
        );
        let next_day = scope(at("2023-06-02T02:00:00Z"), true, None);
        assert!(
            cache.get(&version(10), &next_day).is_none(),
            "the day turned"
        );
        let other_township = scope(at("2023-06-01T02:00:00Z"), true, Some("330903001"));
        assert!(cache.get(&version(10), &other_township).is_none());
    }

    #[test]
    fn a_past_as_of_is_never_kept() {
        let cache = ReconciliationCache::default();
        let past = scope(at("2023-06-01T02:00:00Z"), false, None);
        cache.put(version(10), &past, reconciled(&past));
        assert!(cache.get(&version(10), &past).is_none());
        let current = scope(past.as_of, true, None);
        assert!(cache.get(&version(10), &current).is_none());
    }

    #[test]
    fn new_content_drops_what_the_old_content_answered() {
        let cache = ReconciliationCache::default();
        let first = scope(at("2023-06-01T02:00:00Z"), true, None);
        cache.put(version(10), &first, reconciled(&first));
        let township = scope(first.as_of, true, Some("330903001"));
        cache.put(version(11), &township, reconciled(&township));
        assert!(cache.get(&version(11), &township).is_some());
        assert!(cache.get(&version(11), &first).is_none());
        assert!(cache.get(&version(10), &first).is_none());
    }

    #[test]
    fn the_oldest_scope_makes_room() {
        let cache = ReconciliationCache::default();
        let as_of = at("2023-06-01T02:00:00Z");
        let scopes: Vec<Scope> = (0..=SCOPES_KEPT)
            .map(|index| scope(as_of, true, Some(&format!("33090300{index}"))))
            .collect();
        for each in &scopes {
            cache.put(version(10), each, reconciled(each));
        }
        assert!(cache.get(&version(10), &scopes[0]).is_none());
        for each in &scopes[1..] {
            assert!(cache.get(&version(10), each).is_some());
        }
    }
}
