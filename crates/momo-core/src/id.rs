//! Injectable request ids and clock.
//!
//! API crates never call `SystemTime::now`, `OffsetDateTime::now_utc` or
//! `Uuid::new_v4` directly: they ask a [`Clock`] and an [`IdSource`], so tests can pin
//! both.
//!
//! ```
//! use std::time::Duration;
//! use momo_core::id::{Clock, IdSource, ManualClock, SequentialIds};
//! let ids = SequentialIds::new("req-");
//! assert_eq!(ids.next_id(), "req-1");
//! assert_eq!(ids.next_id(), "req-2");
//!
//! let clock = ManualClock::new(time::macros::datetime!(2026-01-02 03:04:05 +07:00));
//! clock.advance(Duration::from_secs(60));
//! assert_eq!(clock.now(), time::macros::datetime!(2026-01-02 03:05:05 +07:00));
//! ```

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;

use crate::transport::BoxFuture;

/// Makes request ids: one per logical call, reused by every retry of it.
pub trait IdSource: Send + Sync {
    /// A fresh id.
    fn next_id(&self) -> String;
}

/// Random UUID v4 ids (`"67e55044-10b1-426f-9247-bb680e5fe0c8"`); the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV4;

impl IdSource for UuidV4 {
    fn next_id(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

/// Predictable ids `<prefix>1`, `<prefix>2`, ... for tests and examples.
#[derive(Debug, Default)]
pub struct SequentialIds {
    prefix: String,
    counter: AtomicU64,
}

impl SequentialIds {
    /// Ids `<prefix>1`, `<prefix>2`, ...
    pub fn new(prefix: impl Into<String>) -> Self {
        SequentialIds {
            prefix: prefix.into(),
            counter: AtomicU64::new(0),
        }
    }
}

impl IdSource for SequentialIds {
    fn next_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{}{n}", self.prefix)
    }
}

/// The time, and a way to wait.
///
/// `sleep` belongs here so that a test clock can make waiting instant *and* move time
/// forward: retry back-off and status polling then run deterministically.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
    /// Waits `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// The real clock (UTC) and `tokio::time::sleep`; the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that stands still until told to move; `sleep` returns at once after moving
/// the clock forward by the duration, and is recorded (see [`ManualClock::sleeps`]).
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
    sleeps: Mutex<Vec<Duration>>,
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        ManualClock {
            now: Mutex::new(start),
            sleeps: Mutex::new(Vec::new()),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }

    /// Sets the clock.
    pub fn set(&self, to: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }

    /// Every duration `sleep` was called with, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.sleeps
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(duration);
        self.advance(duration);
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Arc;
    use time::macros::datetime;

    #[test]
    fn uuid_ids_are_v4_and_distinct() {
        let ids: HashSet<String> = (0..100).map(|_| UuidV4.next_id()).collect();
        assert_eq!(ids.len(), 100);
        for id in &ids {
            let u = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(u.get_version_num(), 4);
        }
    }

    #[test]
    fn sequential_ids_through_a_trait_object() {
        let src: Arc<dyn IdSource> = Arc::new(SequentialIds::new("t-"));
        assert_eq!(src.next_id(), "t-1");
        assert_eq!(src.next_id(), "t-2");
    }

    #[tokio::test]
    async fn manual_clock_sleep_moves_time_and_returns_at_once() {
        let c: Arc<dyn Clock> = Arc::new(ManualClock::new(datetime!(2026-11-23 00:00:00 UTC)));
        c.sleep(Duration::from_secs(10)).await;
        c.sleep(Duration::from_millis(500)).await;
        assert_eq!(c.now(), datetime!(2026-11-23 00:00:10.5 UTC));
    }

    #[tokio::test]
    async fn system_clock_is_utc_and_sleeps() {
        let before = SystemClock.now();
        SystemClock.sleep(Duration::from_millis(5)).await;
        let after = SystemClock.now();
        assert!(after > before);
        assert_eq!(after.offset(), time::UtcOffset::UTC);
    }
}
