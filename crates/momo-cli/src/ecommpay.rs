//! `momo ecommpay`: ecommpay's signature, callback verification and Payment Page URLs
//! (library: `ecommpay-momopay`). Each command reads JSON on standard input.

use std::fmt;
use std::process::ExitCode;

use ecommpay_momopay::client::DEFAULT_PAGE_BASE_URL;
use ecommpay_momopay::payment_page::PageParams;
use ecommpay_momopay::{signer, verify_callback};
use momo_core::secret::Redacted;
use momo_core::{BaseUrl, SecretString};

use crate::{CmdResult, read_stdin};

/// A project secret given on the command line; Debug prints `[redacted]`.
#[derive(Clone)]
pub(crate) struct Secret(SecretString);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Redacted, f)
    }
}

fn parse_secret(s: &str) -> Result<Secret, String> {
    Ok(Secret(SecretString::from(s)))
}

/// `momo ecommpay` commands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Signs the parameters (a JSON object on standard input); prints the signature.
    Sign {
        /// The project's secret key.
        #[arg(long, value_parser = parse_secret)]
        secret: Secret,
    },
    /// Verifies a callback (JSON on standard input): prints `valid` and exits 0, or
    /// prints the reason and exits 1.
    VerifyCallback {
        /// The project's secret key.
        #[arg(long, value_parser = parse_secret)]
        secret: Secret,
    },
    /// Builds a signed Payment Page URL from a JSON object of parameters on standard
    /// input: parameters in the given order, form-encoded, `signature` last.
    PaymentUrl {
        /// The project's secret key.
        #[arg(long, value_parser = parse_secret)]
        secret: Secret,
        /// The Payment Page base URL (`/payment` is appended unless already there).
        #[arg(long, default_value = DEFAULT_PAGE_BASE_URL)]
        base_url: String,
    },
}

pub(crate) fn run(command: Command) -> CmdResult {
    match command {
        Command::Sign { secret } => {
            let input = read_stdin()?;
            let signature = signer::sign_json(&secret.0, &input).map_err(|e| e.to_string())?;
            say(&signature)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::VerifyCallback { secret } => {
            let input = read_stdin()?;
            match verify_callback(&secret.0, &input) {
                Ok(_) => {
                    say("valid")?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    say(&e.to_string())?;
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::PaymentUrl { secret, base_url } => {
            let input = read_stdin()?;
            let base = BaseUrl::parse(&base_url).map_err(|e| e.to_string())?;
            let params = PageParams::from_json(&input).map_err(|e| e.to_string())?;
            let url = params
                .signed_url(&base, &secret.0)
                .map_err(|e| e.to_string())?;
            say(url.as_str())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints one line on standard output; a closed or full stdout is an error (exit 1),
/// not the panic `println!` would raise.
fn say(line: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(line.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write standard output: {e}"))
}
