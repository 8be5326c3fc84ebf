//! A small bounded map with a time to live per entry: what every in-process cache of the launcher
//! is built on (docs/performance.md lists them, their bounds and TTLs; docs/decisions.md says why
//! it is hand-written rather than a cache crate).
//!
//! Bounded in entries: when full, expired entries go first, then the least recently used eighth,
//! so one tenant cannot grow the process without limit and eviction costs O(log n) amortized. A
//! `Mutex` is enough: a Lambda instance serves one request at a time, and every critical section
//! is a hash lookup.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    capacity: usize,
    ttl: Duration,
    inner: Mutex<Inner<K, V>>,
}

struct Inner<K, V> {
    entries: HashMap<K, Slot<V>>,
    /// Logical clock for recency: bumped on every hit and insert.
    tick: u64,
}

struct Slot<V> {
    value: V,
    expires: Instant,
    used: u64,
}

impl<K: Hash + Eq + Clone, V: Clone> TtlCache<K, V> {
    /// At most `capacity` entries (at least 1), each trusted for `ttl` unless inserted with its own.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self { capacity: capacity.max(1), ttl, inner: Mutex::new(Inner { entries: HashMap::new(), tick: 0 }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // A panic while holding the lock cannot leave a half-written entry behind: every
        // operation is a single map call.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The live value for `key`, if any.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let now = Instant::now();
        match inner.entries.get_mut(key) {
            Some(slot) if slot.expires > now => {
                slot.used = tick;
                Some(slot.value.clone())
            }
            Some(_) => {
                inner.entries.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn insert(&self, key: K, value: V) {
        self.insert_until(key, value, Instant::now() + self.ttl);
    }

    /// Inserts with its own expiry (assumed-role credentials: shortly before they lapse).
    pub fn insert_until(&self, key: K, value: V, expires: Instant) {
        let mut inner = self.lock();
        inner.tick += 1;
        let used = inner.tick;
        if inner.entries.len() >= self.capacity && !inner.entries.contains_key(&key) {
            Self::make_room(&mut inner, self.capacity);
        }
        inner.entries.insert(key, Slot { value, expires, used });
    }

    fn make_room(inner: &mut Inner<K, V>, capacity: usize) {
        let now = Instant::now();
        inner.entries.retain(|_, slot| slot.expires > now);
        if inner.entries.len() < capacity {
            return;
        }
        let mut recency: Vec<u64> = inner.entries.values().map(|slot| slot.used).collect();
        let evict = (capacity / 8).max(1);
        let (_, cut, _) = recency.select_nth_unstable(evict - 1);
        let cut = *cut;
        inner.entries.retain(|_, slot| slot.used > cut);
    }

    pub fn remove<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().entries.remove(key);
    }

    /// Drops every entry whose key matches (unlink: everything of one connection).
    pub fn remove_where(&self, mut matches: impl FnMut(&K) -> bool) {
        self.lock().entries.retain(|key, _| !matches(key));
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire() {
        let cache = TtlCache::new(4, Duration::from_secs(60));
        cache.insert("a".to_owned(), 1);
        assert_eq!(cache.get("a"), Some(1));
        cache.insert_until("b".to_owned(), 2, Instant::now());
        assert_eq!(cache.get("b"), None);
        assert_eq!(cache.len(), 1, "an expired entry is dropped when read");
        cache.remove("a");
        assert!(cache.is_empty());
    }

    #[test]
    fn bounded_with_least_recently_used_evicted_first() {
        let cache = TtlCache::new(16, Duration::from_secs(60));
        for i in 0..16 {
            cache.insert(i, i);
        }
        // 0 is used again, so 1 and 2 are the least recently used.
        assert_eq!(cache.get(&0), Some(0));
        cache.insert(100, 100);
        assert_eq!(cache.len(), 15);
        assert_eq!(cache.get(&0), Some(0));
        assert_eq!(cache.get(&1), None);
        assert_eq!(cache.get(&2), None);
        assert_eq!(cache.get(&100), Some(100));
        for i in 0..10_000 {
            cache.insert(1000 + i, i);
            assert!(cache.len() <= 16);
        }
    }

    #[test]
    fn expired_entries_make_room_before_live_ones() {
        let cache = TtlCache::new(2, Duration::from_secs(60));
        cache.insert_until(1, 1, Instant::now());
        cache.insert(2, 2);
        cache.insert(3, 3);
        assert_eq!((cache.get(&2), cache.get(&3)), (Some(2), Some(3)));
    }

    #[test]
    fn remove_where_drops_matching_keys() {
        let cache = TtlCache::new(8, Duration::from_secs(60));
        cache.insert(("t".to_owned(), "prod".to_owned()), 1);
        cache.insert(("t".to_owned(), "dev".to_owned()), 2);
        cache.remove_where(|(tenant, id)| tenant == "t" && id == "prod");
        assert_eq!(cache.len(), 1);
    }
}
