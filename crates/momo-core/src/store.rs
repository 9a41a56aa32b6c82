//! Idempotency store for inbound notifications and callbacks.
//!
//! MoMo and ecommpay deliver each notification *at least* once. A handler records the
//! answer it gave for an event id; a repeat of the same id gets the same answer and does
//! not reach the user's code again. [`InMemoryStore`] is the default; put a database
//! behind [`IdempotencyStore`] to survive restarts or share state between instances.

use std::collections::HashMap;
use std::sync::Mutex;

/// Remembers the answer given for each event id.
pub trait IdempotencyStore: Send + Sync {
    /// The answer recorded for `key`, if any.
    fn get(&self, key: &str) -> Option<Vec<u8>>;
    /// Records `answer` for `key` unless one is already recorded; returns the answer
    /// that is recorded afterwards (the earlier one wins).
    fn put_if_absent(&self, key: &str, answer: Vec<u8>) -> Vec<u8>;
}

/// A process-local [`IdempotencyStore`] (a mutex around a map; unbounded).
#[derive(Debug, Default)]
pub struct InMemoryStore {
    map: Mutex<HashMap<String, Vec<u8>>>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many keys are recorded.
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// True when nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl IdempotencyStore for InMemoryStore {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    fn put_if_absent(&self, key: &str, answer: Vec<u8>) -> Vec<u8> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.to_owned())
            .or_insert(answer)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_answer_wins() {
        let s = InMemoryStore::new();
        assert!(s.is_empty());
        assert_eq!(s.get("a"), None);
        assert_eq!(s.put_if_absent("a", b"one".to_vec()), b"one");
        assert_eq!(s.put_if_absent("a", b"two".to_vec()), b"one");
        assert_eq!(s.get("a").as_deref(), Some(&b"one"[..]));
        assert_eq!(s.len(), 1);
    }
}
