//! A bounded map of recently used aggregates, bounded both in entries and in the bytes they
//! weigh. Eviction is least-recently-inserted, which is close enough to least-recently-used for
//! command traffic and costs O(1).

use std::collections::{HashMap, VecDeque};

pub(crate) struct BoundedCache<V> {
    capacity: usize,
    /// What the entries may weigh together.
    byte_capacity: usize,
    /// What the entries weigh together now.
    bytes: usize,
    entries: HashMap<String, Entry<V>>,
    /// Insertion order with the generation each key had when inserted; stale pairs are skipped.
    order: VecDeque<(String, u64)>,
    generation: u64,
}

struct Entry<V> {
    /// Boxed, so that the map's slots stay small. An aggregate's state is kilobytes; kept in
    /// the slots themselves, the table (which hashbrown sizes to about 1.6 times the entries) is
    /// tens of MiB, and as entries come and go every slot is written in turn, so its pages
    /// become resident one after another: the process's memory climbed by half under sustained
    /// load with the entry count unchanged. Boxed, an evicted state's memory is reused by the
    /// next one.
    value: Box<V>,
    generation: u64,
    weight: usize,
}

impl<V> BoundedCache<V> {
    pub(crate) fn new(capacity: usize, byte_capacity: usize) -> Self {
        BoundedCache {
            capacity,
            byte_capacity,
            bytes: 0,
            entries: HashMap::new(),
            order: VecDeque::new(),
            generation: 0,
        }
    }

    #[cfg(test)]
    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        self.entries.get(key).map(|entry| &*entry.value)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// What the entries weigh together.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    pub(crate) fn take(&mut self, key: &str) -> Option<V> {
        let entry = self.entries.remove(key)?;
        self.bytes -= entry.weight;
        Some(*entry.value)
    }

    /// Keeps `value` under `key` as weighing `weight` bytes, in place of what the key held, and
    /// evicts the oldest entries until both bounds hold again.
    pub(crate) fn insert(&mut self, key: String, value: V, weight: usize) {
        self.take(&key);
        // An entry heavier than the whole bound would evict every other one and still not fit.
        if self.capacity == 0 || weight > self.byte_capacity {
            return;
        }
        self.generation += 1;
        self.order.push_back((key.clone(), self.generation));
        self.entries.insert(
            key,
            Entry {
                value: Box::new(value),
                generation: self.generation,
                weight,
            },
        );
        self.bytes += weight;
        while self.entries.len() > self.capacity || self.bytes > self.byte_capacity {
            let Some((oldest, generation)) = self.order.pop_front() else {
                break;
            };
            if self
                .entries
                .get(&oldest)
                .is_some_and(|entry| entry.generation == generation)
            {
                self.take(&oldest);
            }
        }
        // Stale order entries pile up when the same keys are re-inserted; drop them in bulk once
        // they outnumber the live ones three to one (amortised O(1) per insert), so a few hot
        // keys re-inserted on every use keep a short queue, not one of four times the capacity.
        if self.order.len() > self.entries.len().saturating_mul(4).max(64) {
            let entries = &self.entries;
            self.order.retain(|(key, generation)| {
                entries
                    .get(key)
                    .is_some_and(|entry| entry.generation == *generation)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_at_most_capacity_and_evicts_the_oldest() {
        let mut cache = BoundedCache::new(2, usize::MAX);
        cache.insert("a".into(), 1, 1);
        cache.insert("b".into(), 2, 1);
        cache.insert("a".into(), 3, 1);
        cache.insert("c".into(), 4, 1);
        assert_eq!(cache.get("a"), Some(&3));
        assert_eq!(cache.get("b"), None);
        assert_eq!(cache.get("c"), Some(&4));
        assert_eq!(cache.take("a"), Some(3));
        assert_eq!(cache.get("a"), None);
        assert_eq!(cache.bytes(), 1);
    }

    #[test]
    fn stale_order_entries_do_not_grow_without_bound() {
        let mut cache = BoundedCache::new(4, usize::MAX);
        for round in 0..1000 {
            cache.insert("hot".into(), round, 10);
        }
        assert!(cache.order.len() <= 64);
        assert_eq!(cache.get("hot"), Some(&999));
        assert_eq!(cache.bytes(), 10);
    }

    #[test]
    fn keeps_at_most_the_byte_bound_and_evicts_the_oldest() {
        let mut cache = BoundedCache::new(100, 100);
        cache.insert("a".into(), 1, 40);
        cache.insert("b".into(), 2, 40);
        assert_eq!(cache.bytes(), 80);
        // 120 bytes with all three: the oldest goes.
        cache.insert("c".into(), 3, 40);
        assert_eq!(cache.get("a"), None);
        assert_eq!((cache.len(), cache.bytes()), (2, 80));
        // 170 bytes with all of them: the two oldest go.
        cache.insert("d".into(), 4, 90);
        assert_eq!(cache.get("b"), None);
        assert_eq!(cache.get("c"), None);
        assert_eq!(cache.get("d"), Some(&4));
        assert_eq!((cache.len(), cache.bytes()), (1, 90));
    }

    #[test]
    fn an_entry_heavier_than_the_byte_bound_is_not_kept() {
        let mut cache = BoundedCache::new(100, 100);
        cache.insert("small".into(), 1, 30);
        cache.insert("huge".into(), 2, 101);
        assert_eq!(cache.get("huge"), None);
        // Nothing was evicted to make room for it.
        assert_eq!(cache.get("small"), Some(&1));
        assert_eq!(cache.bytes(), 30);
        // A key that grows past the bound is dropped, not kept at its old value.
        cache.insert("small".into(), 3, 101);
        assert_eq!(cache.get("small"), None);
        assert_eq!((cache.len(), cache.bytes()), (0, 0));
    }

    #[test]
    fn re_inserting_a_key_replaces_its_weight() {
        let mut cache = BoundedCache::new(100, 100);
        cache.insert("a".into(), 1, 60);
        cache.insert("a".into(), 2, 70);
        assert_eq!(cache.get("a"), Some(&2));
        assert_eq!((cache.len(), cache.bytes()), (1, 70));
        cache.insert("b".into(), 3, 30);
        assert_eq!((cache.len(), cache.bytes()), (2, 100));
        cache.insert("a".into(), 4, 10);
        assert_eq!((cache.len(), cache.bytes()), (2, 40));
    }
}
