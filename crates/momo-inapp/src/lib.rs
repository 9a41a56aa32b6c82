//! Client for MoMo Vietnam app-in-app payments: init, the `momo://` payment link, and the payment notification. Specs: `momo-inapp.partner-api.txt`, `momo-vn.notes.md`.
//!
//! **Not yet implemented**: this crate is a placeholder that reserves the name and its
//! place in the workspace. Its operations, sandbox module, CLI commands and example
//! land with their own issue. Until then it only re-exports [`momo_core`], the shared
//! core every API crate builds on.

pub use momo_core;
