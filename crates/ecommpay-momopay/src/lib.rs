//! Client for ecommpay's Payment Page and Gate API for the MoMo Wallet method, and its callbacks. Specs: `ecommpay-momopay.txt`, `ecommpay.signing-and-gate.md`.
//!
//! **Not yet implemented**: this crate is a placeholder that reserves the name and its
//! place in the workspace. Its operations, sandbox module, CLI commands and example
//! land with their own issue. Until then it only re-exports [`momo_core`], the shared
//! core every API crate builds on.

pub use momo_core;
