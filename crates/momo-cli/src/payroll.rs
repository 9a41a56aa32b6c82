//! `momo payroll`: commands for `momo-payroll` (MoMo Payroll over OpenPGP).
//!
//! Every command that loads a key takes `--allow-sha1-bindings`, the explicit opt-in for
//! legacy keys bound with SHA-1 signatures; without it such a key fails with a message
//! naming SHA-1 and the flag. Exit codes: 0 success; 1 the operation failed or said no
//! (a non-zero result code, a wrong key, bad input); 2 usage errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use momo_core::{BaseUrl, ExposeSecret, SecretString};
use momo_payroll::pgp::{DecryptionKey, KeyPolicy, RecipientCert, generate_test_key};
use momo_payroll::{PayBatch, PayrollClient, WalletId};

use crate::{CmdResult, read_stdin};

/// MoMo Payroll: OpenPGP encryption, test keys, wallet checks and payouts.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Encrypt standard input to a certificate; the armored message goes to stdout.
    Encrypt {
        /// The recipient's certificate (armored or binary), e.g. MoMo's.
        #[arg(long, value_name = "CERT.asc")]
        recipient: PathBuf,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Decrypt an armored or binary message on standard input; plaintext to stdout.
    Decrypt {
        /// The secret key (armored or binary).
        #[arg(long, value_name = "KEY.asc")]
        key: PathBuf,
        /// Name of the environment variable holding the key's passphrase.
        #[arg(long, value_name = "VAR")]
        passphrase_env: Option<String>,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Write a Curve25519 test key pair (public.asc, secret.asc) for sandbox use.
    Keygen {
        /// Directory to write into (created if missing; existing files are not
        /// overwritten).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The key's user id.
        #[arg(
            long,
            default_value = "momo-sdk payroll test key <payroll-test@example.invalid>"
        )]
        user_id: String,
    },
    /// Check a wallet; prints `resultCode=<n> message=<text>`, exit 0 only for code 0.
    CheckWallet {
        /// The wallet id (Vietnamese mobile number, e.g. 0903412001).
        wallet: String,
        #[command(flatten)]
        conn: Connection,
    },
    /// Pay a batch from a JSON file and wait for the per-wallet results
    /// (`pay_and_confirm`); prints `<walletId> <resultCode> <paymentRef> <message>`.
    Pay {
        /// `{"description": "...", "walletIds": [{"walletId", "amount", "walletName"?,
        /// "personalId"?, "description"?}]}`.
        #[arg(long, value_name = "FILE.json")]
        input: PathBuf,
        #[command(flatten)]
        conn: Connection,
    },
}

/// The legacy-key opt-in.
#[derive(Debug, clap::Args)]
pub(crate) struct PolicyArgs {
    /// Accept keys bound with SHA-1 signatures (legacy GnuPG 2.0-era keys); SHA-1 is
    /// then accepted for second-preimage resistance only.
    #[arg(long)]
    allow_sha1_bindings: bool,
}

impl PolicyArgs {
    fn policy(&self) -> KeyPolicy {
        KeyPolicy::with_sha1_bindings(self.allow_sha1_bindings)
    }
}

/// How to reach MoMo Payroll.
#[derive(Debug, clap::Args)]
pub(crate) struct Connection {
    /// MoMo's base URL (https; http only for loopback, e.g. the sandbox).
    #[arg(long, value_name = "URL")]
    base_url: String,
    /// The partner code MoMo gave you.
    #[arg(long, value_name = "CODE")]
    partner_code: String,
    /// MoMo's certificate (what requests are encrypted to).
    #[arg(long, value_name = "CERT.asc")]
    momo_cert: PathBuf,
    /// Your secret key (what MoMo's answers are encrypted to).
    #[arg(long, value_name = "KEY.asc")]
    partner_key: PathBuf,
    /// Name of the environment variable holding the partner key's passphrase.
    #[arg(long, value_name = "VAR")]
    passphrase_env: Option<String>,
    /// Name of the environment variable holding the optional check password.
    #[arg(long, value_name = "VAR")]
    check_password_env: Option<String>,
    #[command(flatten)]
    policy: PolicyArgs,
}

fn env_secret(var: &Option<String>, what: &str) -> Result<Option<SecretString>, String> {
    match var {
        None => Ok(None),
        Some(name) => std::env::var(name)
            .map(|v| Some(SecretString::from(v)))
            .map_err(|_| format!("{what}: environment variable {name} is not set")),
    }
}

impl Connection {
    fn client(&self) -> Result<PayrollClient, String> {
        let policy = self.policy.policy();
        let base = BaseUrl::parse(&self.base_url).map_err(|e| e.to_string())?;
        let cert = RecipientCert::from_file(&self.momo_cert, policy).map_err(|e| e.to_string())?;
        let pass = env_secret(&self.passphrase_env, "--passphrase-env")?;
        let key = DecryptionKey::from_file(&self.partner_key, pass.as_ref(), policy)
            .map_err(|e| e.to_string())?;
        let mut b = PayrollClient::builder(base, self.partner_code.clone(), cert, key);
        if let Some(p) = env_secret(&self.check_password_env, "--check-password-env")? {
            b = b.check_password(p);
        }
        b.build().map_err(|e| e.to_string())
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

fn write_stdout(bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(|e| format!("cannot write standard output: {e}"))
}

/// Prints one line on standard output (an error, not a panic, when stdout is closed).
fn say(line: String) -> Result<(), String> {
    write_stdout(format!("{line}\n").as_bytes())
}

/// Server text made safe for a one-line, space-separated output field: control
/// characters (newlines included) become spaces, so an answer cannot add lines of its
/// own; with `token`, whitespace becomes `_` too and an empty value `-`.
fn clean(text: &str, token: bool) -> String {
    let out: String = text
        .chars()
        .map(|c| {
            if c.is_control() || (token && c.is_whitespace()) {
                if token { '_' } else { ' ' }
            } else {
                c
            }
        })
        .collect();
    if token && out.is_empty() {
        "-".to_owned()
    } else {
        out
    }
}

/// Writes `contents` to a new file (never overwriting); `private` makes it owner-only.
fn write_new(path: &Path, contents: &[u8], private: bool) -> Result<(), String> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut f = opts
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    f.write_all(contents)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub(crate) fn run(command: Command) -> CmdResult {
    match command {
        Command::Encrypt { recipient, policy } => {
            let cert =
                RecipientCert::from_file(&recipient, policy.policy()).map_err(|e| e.to_string())?;
            let input = read_stdin()?;
            let armored = cert.encrypt(&input).map_err(|e| e.to_string())?;
            write_stdout(armored.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Decrypt {
            key,
            passphrase_env,
            policy,
        } => {
            let pass = env_secret(&passphrase_env, "--passphrase-env")?;
            let key = DecryptionKey::from_file(&key, pass.as_ref(), policy.policy())
                .map_err(|e| e.to_string())?;
            let input = read_stdin()?;
            let plain = key.decrypt(&input).map_err(|e| e.to_string())?;
            write_stdout(&plain)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Keygen { out, user_id } => {
            let pair = generate_test_key(&user_id).map_err(|e| e.to_string())?;
            std::fs::create_dir_all(&out)
                .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
            let public = out.join("public.asc");
            let secret = out.join("secret.asc");
            if public.exists() || secret.exists() {
                return Err(format!(
                    "{} already holds public.asc or secret.asc; not overwriting",
                    out.display()
                ));
            }
            write_new(&public, pair.public.as_bytes(), false)?;
            write_new(&secret, pair.secret.expose_secret().as_bytes(), true)?;
            say(format!("public key: {}", public.display()))?;
            say(format!(
                "secret key: {} (TEST KEY, not passphrase-protected)",
                secret.display()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckWallet { wallet, conn } => {
            let wallet = WalletId::parse(&wallet).map_err(|e| e.to_string())?;
            let client = conn.client()?;
            let answer = runtime()?
                .block_on(client.check_wallet(&wallet))
                .map_err(|e| e.to_string())?;
            say(format!(
                "resultCode={} message={}",
                answer.result_code.code(),
                clean(&answer.message, false)
            ))?;
            Ok(if answer.result_code.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Pay { input, conn } => {
            let bytes = std::fs::read(&input)
                .map_err(|e| format!("cannot read {}: {e}", input.display()))?;
            let batch = PayBatch::from_json(&bytes).map_err(|e| e.to_string())?;
            let client = Arc::new(conn.client()?);
            let outcome = runtime()?
                .block_on(client.pay_and_confirm(&batch))
                .map_err(|e| e.to_string())?;
            let mut all_ok = outcome.transfers.len() == batch.transfers().len();
            // `pay_and_confirm` returns the transfers in the batch's order, each matched
            // by wallet: print the wallet id as validated from the input file.
            for (line, t) in batch.transfers().iter().zip(&outcome.transfers) {
                let code = t.result_code.map(|c| c.code());
                all_ok &= code == Some(0);
                say(format!(
                    "{} {} {} {}",
                    line.wallet_id(),
                    code.map_or_else(|| "-".to_owned(), |c| c.to_string()),
                    clean(t.payment_ref.as_deref().unwrap_or(""), true),
                    clean(t.message.as_deref().unwrap_or(""), false)
                ))?;
            }
            Ok(if all_ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn server_text_cannot_break_the_one_line_format() {
        assert_eq!(
            clean("locked\n0903412002 0 1 Success\r", false),
            "locked 0903412002 0 1 Success "
        );
        assert_eq!(clean("12 34\t5", true), "12_34_5");
        assert_eq!(clean("", true), "-");
        assert_eq!(clean("", false), "");
        assert_eq!(clean("Thành công", false), "Thành công");
    }
}
