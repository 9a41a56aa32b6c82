//! Local simulators of the MoMo-family API servers, for examples and tests: no
//! credentials, no network beyond loopback.
//!
//! Each API gets one module holding a [`wiremock::MockServer`] plus the state the API
//! keeps (payments, wallets...). The simulators are written from the specs in
//! `shared/specs`, **not** from the client crates' types: the sandbox does not depend on
//! them, so a client that spells a field wrong fails against it.
//!
//! Modules land with their API crates; until then this crate only re-exports the
//! `wiremock` it is built on.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let server = momo_sandbox::wiremock::MockServer::start().await;
//! assert!(server.uri().starts_with("http://127.0.0.1:"));
//! # });
//! ```

pub mod ecommpay;
#[cfg(feature = "payroll")]
pub mod payroll;
pub use wiremock;
