//! `momo ecommpay`: commands for `ecommpay-momopay`. None have landed yet; the group exists so the
//! command tree is stable.

use std::process::ExitCode;

use crate::CmdResult;

/// `momo ecommpay` takes no commands yet.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {}

pub(crate) fn run(_command: Command) -> CmdResult {
    eprintln!("momo ecommpay: no commands yet (`ecommpay-momopay` has not landed its CLI)");
    Ok(ExitCode::from(2))
}
