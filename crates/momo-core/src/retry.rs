//! Retries with bounded exponential back-off and jitter.
//!
//! Only operations declared [`Idempotency::Idempotent`] are retried, and only on errors
//! for which [`Error::is_retryable`] is true. The request id is drawn **once**, before
//! the loop, and every attempt receives the same one, so the server can recognise a
//! repeat. Anything that moves money is declared [`Idempotency::MovesMoney`] and is
//! never retried here, whatever the policy says.
//!
//! ```
//! # tokio_test_shim::block_on(async {
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use momo_core::retry::{Idempotency, RetryPolicy};
//! use momo_core::id::{ManualClock, SequentialIds};
//!
//! let clock = ManualClock::new(time::OffsetDateTime::UNIX_EPOCH);
//! let attempts = AtomicU32::new(0);
//! let out = RetryPolicy::default()
//!     .run(Idempotency::Idempotent, &SequentialIds::new("r"), &clock, |request_id, _attempt| {
//!         let n = attempts.fetch_add(1, Ordering::SeqCst);
//!         let request_id = request_id.to_owned();
//!         async move {
//!             if n == 0 { Err(momo_core::Error::http_status(503, b"busy")) } else { Ok(request_id) }
//!         }
//!     })
//!     .await
//!     .unwrap();
//! assert_eq!(out, "r1"); // the same id on both attempts
//! assert_eq!(attempts.load(Ordering::SeqCst), 2);
//! # });
//! # mod tokio_test_shim { pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f) } }
//! ```

use std::future::Future;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::id::{Clock, IdSource};

/// Whether an operation may be sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Idempotency {
    /// Sending it again has no further effect (queries, status checks, token requests).
    Idempotent,
    /// Not safe to repeat blindly.
    NonIdempotent,
    /// Moves money: never retried automatically. A failure whose outcome is unknown must
    /// be settled by a status query with the same request id.
    MovesMoney,
}

/// Where jitter's randomness comes from.
pub trait JitterSource: Send + Sync {
    /// A uniformly random `u64`.
    fn next_u64(&self) -> u64;
}

/// Randomness from UUID v4 (the OS RNG behind `uuid`); the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsJitter;

impl JitterSource for OsJitter {
    fn next_u64(&self) -> u64 {
        let bytes = uuid::Uuid::new_v4().into_bytes();
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[..8]);
        u64::from_le_bytes(b)
    }
}

/// Retry policy: how many attempts, and how long to wait between them.
///
/// The wait before retry *n* (n = 1, 2, ...) is drawn uniformly from
/// `[d/2, d]` where `d = min(base_delay × 2^(n-1), max_delay)` ("equal jitter"): never
/// more than `max_delay`, never less than half the back-off, so retries spread out
/// without hammering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first included. `1` means no retries.
    pub max_attempts: u32,
    /// Back-off before the first retry (before jitter).
    pub base_delay: Duration,
    /// Upper bound of any single wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 200 ms base, 5 s cap.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub const fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
        }
    }

    /// The upper bound of the wait before retry `retry` (1-based), before jitter.
    pub fn backoff_cap(&self, retry: u32) -> Duration {
        let shift = retry.saturating_sub(1).min(31);
        self.base_delay
            .checked_mul(1u32 << shift)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The wait before retry `retry` (1-based), with jitter from `random`.
    pub fn delay(&self, retry: u32, random: u64) -> Duration {
        let cap = self.backoff_cap(retry);
        let half = cap / 2;
        let span = (cap - half).as_nanos() as u64;
        let extra = if span == 0 { 0 } else { random % (span + 1) };
        half + Duration::from_nanos(extra)
    }

    /// Runs `op` under this policy with jitter from [`OsJitter`]. See
    /// [`RetryPolicy::run_with_jitter`].
    pub async fn run<T, F, Fut>(
        &self,
        idempotency: Idempotency,
        ids: &dyn IdSource,
        clock: &dyn Clock,
        op: F,
    ) -> Result<T>
    where
        F: FnMut(&str, u32) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.run_with_jitter(idempotency, ids, clock, &OsJitter, op)
            .await
    }

    /// Draws one request id, then calls `op(request_id, attempt)` (attempt 1-based)
    /// until it succeeds, fails with a non-retryable error, or attempts run out.
    /// Operations that are not [`Idempotency::Idempotent`] get exactly one attempt.
    pub async fn run_with_jitter<T, F, Fut>(
        &self,
        idempotency: Idempotency,
        ids: &dyn IdSource,
        clock: &dyn Clock,
        jitter: &dyn JitterSource,
        mut op: F,
    ) -> Result<T>
    where
        F: FnMut(&str, u32) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let request_id = ids.next_id();
        let max_attempts = match idempotency {
            Idempotency::Idempotent => self.max_attempts.max(1),
            Idempotency::NonIdempotent | Idempotency::MovesMoney => 1,
        };
        let mut attempt = 1;
        loop {
            match op(&request_id, attempt).await {
                Ok(v) => return Ok(v),
                Err(e) if attempt < max_attempts && e.is_retryable() => {
                    let wait = self.delay(attempt, jitter.next_u64());
                    tracing::debug!(%request_id, attempt, ?wait, error = %e, "retrying");
                    clock.sleep(wait).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Maps the failure of a money-moving request to [`crate::ErrorKind::OutcomeUnknown`]
/// when the request may have reached the server: a timeout, a connection broken
/// mid-exchange, or an HTTP 5xx. A failure to connect (nothing was sent), a 4xx or any
/// other error is returned as it is.
pub fn money_outcome(err: Error, request_id: &str) -> Error {
    use crate::error::{ErrorKind, TransportErrorKind as T};
    let maybe_delivered = match err.kind() {
        ErrorKind::Transport(T::Timeout | T::Io | T::Other) => true,
        ErrorKind::HttpStatus { status, .. } => (500..=599).contains(status),
        _ => false,
    };
    if maybe_delivered {
        Error::outcome_unknown(request_id).with_source(err)
    } else {
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::error::TransportErrorKind;
    use crate::id::{ManualClock, SequentialIds};
    use std::sync::Mutex;

    struct FixedJitter(u64);
    impl JitterSource for FixedJitter {
        fn next_u64(&self) -> u64 {
            self.0
        }
    }

    fn clock() -> ManualClock {
        ManualClock::new(time::OffsetDateTime::UNIX_EPOCH)
    }

    fn timeout() -> Error {
        Error::transport(TransportErrorKind::Timeout, "slow")
    }

    #[test]
    fn backoff_is_exponential_and_bounded() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        assert_eq!(p.backoff_cap(1), Duration::from_millis(100));
        assert_eq!(p.backoff_cap(2), Duration::from_millis(200));
        assert_eq!(p.backoff_cap(3), Duration::from_millis(400));
        assert_eq!(p.backoff_cap(4), Duration::from_millis(800));
        assert_eq!(p.backoff_cap(5), Duration::from_secs(1));
        assert_eq!(p.backoff_cap(40), Duration::from_secs(1));
        assert_eq!(p.backoff_cap(u32::MAX), Duration::from_secs(1));
        for r in [0, 1, 12345, u64::MAX] {
            for n in 1..12 {
                let d = p.delay(n, r);
                assert!(
                    d >= p.backoff_cap(n) / 2 && d <= p.backoff_cap(n),
                    "{n} {r} {d:?}"
                );
            }
        }
        assert_eq!(p.delay(1, 0), Duration::from_millis(50));
        assert_eq!(p.delay(1, 50_000_000), Duration::from_millis(100));
    }

    #[tokio::test]
    async fn idempotent_retries_reuse_one_request_id() {
        let c = clock();
        let seen = Mutex::new(Vec::new());
        let ids = SequentialIds::new("req-");
        let out = RetryPolicy::default()
            .run_with_jitter(
                Idempotency::Idempotent,
                &ids,
                &c,
                &FixedJitter(0),
                |id, attempt| {
                    seen.lock().unwrap().push((id.to_string(), attempt));
                    async move {
                        if attempt < 3 {
                            Err(timeout())
                        } else {
                            Ok(attempt)
                        }
                    }
                },
            )
            .await
            .unwrap();
        assert_eq!(out, 3);
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                ("req-1".into(), 1),
                ("req-1".into(), 2),
                ("req-1".into(), 3)
            ]
        );
        // Equal jitter with random 0 waits exactly half of each back-off step.
        assert_eq!(
            c.sleeps(),
            vec![Duration::from_millis(100), Duration::from_millis(200)]
        );
        assert_eq!(ids.next_id(), "req-2", "exactly one id drawn");
    }

    #[tokio::test]
    async fn gives_up_after_max_attempts_with_last_error() {
        let c = clock();
        let mut calls = 0;
        let err = RetryPolicy::default()
            .run(
                Idempotency::Idempotent,
                &SequentialIds::new("x"),
                &c,
                |_, _| {
                    calls += 1;
                    async { Err::<(), _>(Error::http_status(502, b"bad gateway")) }
                },
            )
            .await
            .unwrap_err();
        assert_eq!(calls, 3);
        assert_eq!(err.http_status_code(), Some(502));
        assert_eq!(c.sleeps().len(), 2);
    }

    #[tokio::test]
    async fn non_retryable_errors_stop_at_once() {
        let c = clock();
        let mut calls = 0;
        let err = RetryPolicy::default()
            .run(
                Idempotency::Idempotent,
                &SequentialIds::new("x"),
                &c,
                |_, _| {
                    calls += 1;
                    async { Err::<(), _>(Error::http_status(400, b"bad")) }
                },
            )
            .await
            .unwrap_err();
        assert_eq!(calls, 1);
        assert_eq!(err.http_status_code(), Some(400));
        assert!(c.sleeps().is_empty());
    }

    #[tokio::test]
    async fn money_moving_and_non_idempotent_calls_are_never_retried() {
        for idem in [Idempotency::MovesMoney, Idempotency::NonIdempotent] {
            let c = clock();
            let mut calls = 0;
            let policy = RetryPolicy {
                max_attempts: 10,
                ..RetryPolicy::default()
            };
            let err = policy
                .run(idem, &SequentialIds::new("pay-"), &c, |_, _| {
                    calls += 1;
                    async { Err::<(), _>(timeout()) }
                })
                .await
                .unwrap_err();
            assert_eq!(calls, 1, "{idem:?}");
            assert!(err.is_timeout());
            assert!(c.sleeps().is_empty());
        }
    }

    #[tokio::test]
    async fn policy_none_means_one_attempt() {
        let c = clock();
        let mut calls = 0;
        let _ = RetryPolicy::none()
            .run(
                Idempotency::Idempotent,
                &SequentialIds::new("x"),
                &c,
                |_, _| {
                    calls += 1;
                    async { Err::<(), _>(timeout()) }
                },
            )
            .await;
        assert_eq!(calls, 1);
    }

    #[test]
    fn money_outcome_maps_maybe_delivered_failures() {
        let e = money_outcome(timeout(), "pay-7");
        assert_eq!(
            e.kind(),
            &ErrorKind::OutcomeUnknown {
                request_id: "pay-7".into()
            }
        );
        assert!(std::error::Error::source(&e).is_some());
        let e = money_outcome(Error::http_status(504, b""), "pay-7");
        assert!(matches!(e.kind(), ErrorKind::OutcomeUnknown { .. }));
        let e = money_outcome(Error::invalid_request("amount", "negative"), "pay-7");
        assert!(matches!(e.kind(), ErrorKind::InvalidRequest { .. }));
        let e = money_outcome(
            Error::transport(TransportErrorKind::Connect, "refused"),
            "pay-7",
        );
        assert!(matches!(
            e.kind(),
            ErrorKind::Transport(TransportErrorKind::Connect)
        ));
        let e = money_outcome(Error::http_status(400, b"bad"), "pay-7");
        assert_eq!(e.http_status_code(), Some(400));
    }
}
