//! `momo bp`: commands for `momo-bp`. None have landed yet; the group exists so the
//! command tree is stable.

use std::process::ExitCode;

use crate::CmdResult;

/// `momo bp` takes no commands yet.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {}

pub(crate) fn run(_command: Command) -> CmdResult {
    eprintln!("momo bp: no commands yet (`momo-bp` has not landed its CLI)");
    Ok(ExitCode::from(2))
}
