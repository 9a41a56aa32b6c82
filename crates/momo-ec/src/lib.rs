//! Client for the momo (Taiwan) SCM supplier API: importing orders, sending tracking numbers back, printing shipping labels. Specs: `momo-ec.feature-guide.txt`, `momo-ec.scm-orders.md`.
//!
//! **Not yet implemented**: this crate is a placeholder that reserves the name and its
//! place in the workspace. Its operations, sandbox module, CLI commands and example
//! land with their own issue. Until then it only re-exports [`momo_core`], the shared
//! core every API crate builds on.

pub use momo_core;
