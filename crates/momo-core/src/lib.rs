//! Shared core of momo-sdk: what two or more API crates need.
//!
//! - [`transport`]: the object-safe [`Transport`] trait and its reqwest implementation;
//! - [`sign`]: HMAC-SHA256 (hex) and HMAC-SHA512 (Base64) with constant-time checks;
//! - [`secret`]: [`SecretString`] and redacted Debug output;
//! - [`error`]: the one [`Error`] type with its [`ErrorKind`] taxonomy;
//! - [`id`]: injectable request ids and clock;
//! - [`retry`]: bounded exponential back-off with jitter, idempotent operations only;
//! - [`endpoint`]: base URLs (`https` only, except loopback);
//! - [`store`]: the idempotency store used by inbound notification handlers.
//!
//! Nothing here is specific to one API.
//!
//! ```
//! use std::sync::Arc;
//! use momo_core::{BaseUrl, ErrorKind, Transport, ReqwestTransport, sign};
//!
//! # fn main() -> momo_core::Result<()> {
//! // A base URL: https, or http on loopback only.
//! let base = BaseUrl::parse("https://api.ecommpay.com")?;
//! let url = base.join("v2/payment/status")?;
//! assert_eq!(url.as_str(), "https://api.ecommpay.com/v2/payment/status");
//!
//! // The default transport, shared by clients as `Arc<dyn Transport>`.
//! let transport: Arc<dyn Transport> = Arc::new(ReqwestTransport::new()?);
//! # let _ = transport;
//!
//! // Signing and constant-time verification.
//! let sig = sign::hmac_sha256_hex(b"secret", b"amount=1000");
//! sign::verify_hmac_sha256_hex(b"secret", b"amount=1000", &sig)?;
//! let err = sign::verify_hmac_sha256_hex(b"other", b"amount=1000", &sig).unwrap_err();
//! assert!(matches!(err.kind(), ErrorKind::Signature(_)));
//! # Ok(())
//! # }
//! ```

pub mod endpoint;
pub mod error;
pub mod id;
pub mod retry;
pub mod secret;
pub mod sign;
pub mod store;
pub mod transport;

pub use endpoint::BaseUrl;
pub use error::{Error, ErrorKind, Result, TransportErrorKind};
pub use id::{Clock, IdSource, SystemClock, UuidV4};
pub use retry::{Idempotency, RetryPolicy};
pub use secret::{ExposeSecret, SecretString};
pub use store::{IdempotencyStore, InMemoryStore};
pub use transport::{HttpRequest, HttpResponse, ReqwestTransport, Transport};

/// Re-exported so users name the same `http` types as our [`Transport`].
pub use http;
