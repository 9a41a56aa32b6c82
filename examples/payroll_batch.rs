//! A payroll batch, end to end: validate, pay once, confirm every transfer.
//!
//! ```text
//! cargo run --example payroll_batch
//! ```
//!
//! By default it runs against the built-in payroll sandbox with a freshly generated
//! partner key. To run it against real MoMo, set **all** of:
//!
//! | variable | meaning |
//! |---|---|
//! | `MOMO_PAYROLL_BASE_URL` | the base URL MoMo gave you (`api/payroll/<op>` goes under it) |
//! | `MOMO_PAYROLL_PARTNER_CODE` | your partner code |
//! | `MOMO_PAYROLL_MOMO_CERT` | path of MoMo's PGP certificate |
//! | `MOMO_PAYROLL_PARTNER_KEY` | path of your PGP secret key |
//! | `MOMO_PAYROLL_BATCH` | path of the batch JSON (`{"description", "walletIds": [{"walletId", "amount", ...}]}`) |
//! | `MOMO_PAYROLL_CONFIRM` | must be `pay-real-money`: this moves real money |
//!
//! and optionally `MOMO_PAYROLL_PASSPHRASE` (the secret key's passphrase),
//! `MOMO_PAYROLL_CHECK_PASSWORD` (the optional check password) and
//! `MOMO_PAYROLL_ALLOW_SHA1_BINDINGS=1` (accept legacy SHA-1-bound keys).
//!
//! If the outcome of the payout is unknown, the example prints the request id to query
//! with `status`, and does **not** resend.

use std::process::ExitCode;

use momo_sandbox::payroll::{LOCKED_WALLET, PayrollSandbox};
use momo_sdk::core::{BaseUrl, ErrorKind, ExposeSecret, SecretString};
use momo_sdk::payroll::pgp::{DecryptionKey, KeyPolicy, RecipientCert, generate_test_key};
use momo_sdk::payroll::{PayBatch, PayrollClient, Transfer};

type Failure = Box<dyn std::error::Error>;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The real-MoMo client and batch, when the environment says so.
fn real() -> Result<Option<(PayrollClient, PayBatch)>, Failure> {
    let Some(base) = var("MOMO_PAYROLL_BASE_URL") else {
        return Ok(None);
    };
    let need =
        |n: &str| var(n).ok_or_else(|| format!("{n} must be set with MOMO_PAYROLL_BASE_URL"));
    if need("MOMO_PAYROLL_CONFIRM")? != "pay-real-money" {
        return Err("MOMO_PAYROLL_CONFIRM must be `pay-real-money` to pay with real MoMo".into());
    }
    let policy = KeyPolicy::with_sha1_bindings(
        var("MOMO_PAYROLL_ALLOW_SHA1_BINDINGS").as_deref() == Some("1"),
    );
    let passphrase = var("MOMO_PAYROLL_PASSPHRASE").map(SecretString::from);
    let mut b = PayrollClient::builder(
        BaseUrl::parse(&base)?,
        need("MOMO_PAYROLL_PARTNER_CODE")?,
        RecipientCert::from_file(need("MOMO_PAYROLL_MOMO_CERT")?, policy)?,
        DecryptionKey::from_file(
            need("MOMO_PAYROLL_PARTNER_KEY")?,
            passphrase.as_ref(),
            policy,
        )?,
    );
    if let Some(p) = var("MOMO_PAYROLL_CHECK_PASSWORD") {
        b = b.check_password(SecretString::from(p));
    }
    let batch = PayBatch::from_json(&std::fs::read(need("MOMO_PAYROLL_BATCH")?)?)?;
    Ok(Some((b.build()?, batch)))
}

async fn run() -> Result<bool, Failure> {
    // Keep the sandbox alive for the whole run.
    let mut _sandbox = None;
    let (client, batch) = match real()? {
        Some(pair) => pair,
        None => {
            println!("(sandbox mode: set MOMO_PAYROLL_BASE_URL and friends for real MoMo)");
            let partner = generate_test_key("Example partner <payroll@example.invalid>")?;
            let sandbox = PayrollSandbox::builder(&partner.public, "MOMOEXAMPLE")
                .start()
                .await?;
            let client = PayrollClient::builder(
                BaseUrl::parse(&sandbox.uri())?,
                "MOMOEXAMPLE",
                RecipientCert::from_bytes(sandbox.momo_cert().as_bytes(), KeyPolicy::standard())?,
                DecryptionKey::from_bytes(
                    partner.secret.expose_secret().as_bytes(),
                    None,
                    KeyPolicy::standard(),
                )?,
            )
            .build()?;
            _sandbox = Some(sandbox);
            let batch = PayBatch::builder()
                .description("November salaries")
                .transfer(Transfer::new("0903412001", 10_000_000).wallet_name("Nguyen Van B"))
                .transfer(Transfer::new("0903412002", 12_000_000).personal_id("023456789"))
                .transfer(Transfer::new(LOCKED_WALLET, 3_000_000).description("locked wallet"))
                .build()?;
            (client, batch)
        }
    };
    println!(
        "batch: {} transfer(s), total {} VND",
        batch.transfers().len(),
        batch.total_amount()
    );
    match client.pay_and_confirm(&batch).await {
        Ok(outcome) => {
            println!("pay request {}:", outcome.request_id);
            let mut all_ok = true;
            for t in &outcome.transfers {
                let code = t
                    .result_code
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "-".into());
                all_ok &= t.result_code.is_some_and(|c| c.is_success());
                println!(
                    "  {} {} accepted={} ref={} {}",
                    t.wallet_id,
                    code,
                    t.amount_accepted.unwrap_or(0),
                    t.payment_ref.as_deref().unwrap_or("-"),
                    t.message.as_deref().unwrap_or("")
                );
            }
            Ok(all_ok || _sandbox.is_some())
        }
        Err(err) => {
            if let ErrorKind::OutcomeUnknown { request_id } = err.kind() {
                println!("outcome unknown: query status for request {request_id}; do NOT resend");
            }
            Err(err.into())
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("payroll_batch: {e}");
            ExitCode::FAILURE
        }
    }
}
