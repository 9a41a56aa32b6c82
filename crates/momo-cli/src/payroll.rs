//! `momo payroll`: commands for `momo-payroll`. None have landed yet; the group exists so the
//! command tree is stable.

use std::process::ExitCode;

use crate::CmdResult;

/// `momo payroll` takes no commands yet.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {}

pub(crate) fn run(_command: Command) -> CmdResult {
    eprintln!("momo payroll: no commands yet (`momo-payroll` has not landed its CLI)");
    Ok(ExitCode::from(2))
}
