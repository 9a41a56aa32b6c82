//! `momo ec`: commands for `momo-ec`. None have landed yet; the group exists so the
//! command tree is stable.

use std::process::ExitCode;

use crate::CmdResult;

/// `momo ec` takes no commands yet.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {}

pub(crate) fn run(_command: Command) -> CmdResult {
    eprintln!("momo ec: no commands yet (`momo-ec` has not landed its CLI)");
    Ok(ExitCode::from(2))
}
