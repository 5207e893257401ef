//! A bounded map of recently used aggregates. Eviction is least-recently-inserted, which is
//! close enough to least-recently-used for command traffic and costs O(1).

use std::collections::{HashMap, VecDeque};

pub(crate) struct BoundedCache<V> {
    capacity: usize,
    entries: HashMap<String, (V, u64)>,
    /// Insertion order with the generation each key had when inserted; stale pairs are skipped.
    order: VecDeque<(String, u64)>,
    generation: u64,
}

impl<V> BoundedCache<V> {
    pub(crate) fn new(capacity: usize) -> Self {
        BoundedCache {
            capacity,
            entries: HashMap::new(),
            order: VecDeque::new(),
            generation: 0,
        }
    }

    #[cfg(test)]
    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        self.entries.get(key).map(|(value, _)| value)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn take(&mut self, key: &str) -> Option<V> {
        self.entries.remove(key).map(|(value, _)| value)
    }

    pub(crate) fn insert(&mut self, key: String, value: V) {
        if self.capacity == 0 {
            return;
        }
        self.generation += 1;
        self.order.push_back((key.clone(), self.generation));
        self.entries.insert(key, (value, self.generation));
        while self.entries.len() > self.capacity {
            let Some((oldest, generation)) = self.order.pop_front() else {
                break;
            };
            if self
                .entries
                .get(&oldest)
                .is_some_and(|(_, current)| *current == generation)
            {
                self.entries.remove(&oldest);
            }
        }
        // Stale order entries pile up when the same keys are re-inserted; drop them in bulk.
        if self.order.len() > self.capacity.saturating_mul(4).max(64) {
            let entries = &self.entries;
            self.order.retain(|(key, generation)| {
                entries
                    .get(key)
                    .is_some_and(|(_, current)| current == generation)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_at_most_capacity_and_evicts_the_oldest() {
        let mut cache = BoundedCache::new(2);
        cache.insert("a".into(), 1);
        cache.insert("b".into(), 2);
        cache.insert("a".into(), 3);
        cache.insert("c".into(), 4);
        assert_eq!(cache.get("a"), Some(&3));
        assert_eq!(cache.get("b"), None);
        assert_eq!(cache.get("c"), Some(&4));
        assert_eq!(cache.take("a"), Some(3));
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn stale_order_entries_do_not_grow_without_bound() {
        let mut cache = BoundedCache::new(4);
        for round in 0..1000 {
            cache.insert("hot".into(), round);
        }
        assert!(cache.order.len() <= 64);
        assert_eq!(cache.get("hot"), Some(&999));
    }
}
