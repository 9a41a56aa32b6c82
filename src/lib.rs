//! # momo-sdk
//!
//! Rust client libraries for the MoMo family of payment and commerce APIs. This umbrella
//! crate re-exports each API crate behind a feature of the same short name (all on by
//! default); depend on a single API crate directly if you need only one.
//!
//! | feature | module | crate |
//! |---|---|---|
//! | `ec` | [`ec`] | `momo-ec`: momo (Taiwan) SCM supplier API |
//! | `inapp` | [`inapp`] | `momo-inapp`: MoMo Vietnam app-in-app payments |
//! | `bp` | [`bp`] | `momo-bp`: MoMo Business Page OpenAPI |
//! | `payroll` | [`payroll`] | `momo-payroll`: MoMo Payroll over OpenPGP |
//! | `ecommpay` | [`ecommpay`] | `ecommpay-momopay`: ecommpay's MoMo Wallet method |
//!
//! [`core`] (`momo-core`) is always there: transport, signing, errors, ids, retries.
//!
//! ```
//! use momo_sdk::core::{BaseUrl, Error};
//! let err: Error = BaseUrl::parse("http://example.com").unwrap_err();
//! assert!(err.to_string().contains("https://"));
//! ```

pub use momo_core as core;

#[cfg(feature = "ecommpay")]
pub use ecommpay_momopay as ecommpay;
#[cfg(feature = "bp")]
pub use momo_bp as bp;
#[cfg(feature = "ec")]
pub use momo_ec as ec;
#[cfg(feature = "inapp")]
pub use momo_inapp as inapp;
#[cfg(feature = "payroll")]
pub use momo_payroll as payroll;
