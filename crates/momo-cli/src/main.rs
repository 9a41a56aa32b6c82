//! `momo`: the command-line tool of momo-sdk.
//!
//! One subcommand group per API (`ec`, `inapp`, `bp`, `payroll`, `ecommpay`); each group
//! lives in its own module and only parses flags, calls a library function and prints.
//! No protocol logic lives here.
//!
//! Exit codes: 0 success; 1 the operation ran and said no (invalid signature, non-zero
//! result code, bad input); 2 usage errors (from clap).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bp;
mod ec;
mod ecommpay;
mod inapp;
mod payroll;

/// Command-line tool for the MoMo family of payment and commerce APIs.
#[derive(Debug, Parser)]
#[command(name = "momo", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// momo (Taiwan) SCM supplier API: orders, tracking, labels.
    Ec(ec::Command),
    /// MoMo Vietnam app-in-app payments.
    Inapp(inapp::Command),
    /// MoMo Business Page OpenAPI.
    Bp(bp::Command),
    /// MoMo Payroll: OpenPGP-encrypted payouts.
    #[command(subcommand)]
    Payroll(payroll::Command),
    /// ecommpay Payment Page and Gate with the MoMo Wallet method.
    #[command(subcommand)]
    Ecommpay(ecommpay::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ec(c) => ec::run(c),
        Command::Inapp(c) => inapp::run(c),
        Command::Bp(c) => bp::run(c),
        Command::Payroll(c) => payroll::run(c),
        Command::Ecommpay(c) => ecommpay::run(c),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("momo: {message}");
            ExitCode::from(1)
        }
    }
}

/// What a subcommand returns: an exit code, or a message printed as `momo: <message>`
/// with exit code 1.
pub(crate) type CmdResult = Result<ExitCode, String>;

/// Reads all of standard input.
#[allow(dead_code)]
pub(crate) fn read_stdin() -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(buf)
}
