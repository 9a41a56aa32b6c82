//! `momo inapp`: commands for `momo-inapp`. None have landed yet; the group exists so the
//! command tree is stable.

use std::process::ExitCode;

use crate::CmdResult;

/// `momo inapp` takes no commands yet.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {}

pub(crate) fn run(_command: Command) -> CmdResult {
    eprintln!("momo inapp: no commands yet (`momo-inapp` has not landed its CLI)");
    Ok(ExitCode::from(2))
}
