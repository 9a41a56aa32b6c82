//! The momo-payroll flow of the tour, against the payroll sandbox: a partner key pair,
//! a wallet check, a two-line payout confirmed through `status`, a payout whose answer
//! is "unknown result" (code 10) settled without resending, and the Notify Results
//! delivered to a partner endpoint running `NotifyHandler`.
//!
//! Against real MoMo the tour moves no money: when `MOMO_PAYROLL_BASE_URL` is set it
//! only runs `check_wallet` on `MOMO_PAYROLL_WALLET`, with the connection variables of
//! `examples/payroll_batch.rs` (`MOMO_PAYROLL_PARTNER_CODE`, `MOMO_PAYROLL_MOMO_CERT`,
//! `MOMO_PAYROLL_PARTNER_KEY`, and optionally `MOMO_PAYROLL_PASSPHRASE`,
//! `MOMO_PAYROLL_CHECK_PASSWORD`, `MOMO_PAYROLL_ALLOW_SHA1_BINDINGS=1`). Use
//! `cargo run --example payroll_batch` for a real payout.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use momo_sandbox::payroll::{PayMode, PayrollSandbox};
use momo_sandbox::wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use momo_sdk::core::{BaseUrl, ExposeSecret, SecretString};
use momo_sdk::payroll::pgp::{DecryptionKey, KeyPolicy, RecipientCert, generate_test_key};
use momo_sdk::payroll::{
    NotifyHandler, NotifyReply, PayBatch, PayrollClient, PollPolicy, Transfer, WalletId,
};

/// Serves a [`NotifyHandler`] (what a partner's web framework would do).
struct Serve(Arc<NotifyHandler>);

impl Respond for Serve {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let (status, body) = self.0.handle(&request.body);
        ResponseTemplate::new(status.as_u16()).set_body_bytes(body)
    }
}

fn e(err: impl std::fmt::Display) -> String {
    err.to_string()
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Real MoMo, when `MOMO_PAYROLL_BASE_URL` is set: a wallet check only.
async fn real_check_wallet(base: &str) -> Result<String, String> {
    let need =
        |n: &str| var(n).ok_or_else(|| format!("{n} must be set with MOMO_PAYROLL_BASE_URL"));
    let policy = KeyPolicy::with_sha1_bindings(
        var("MOMO_PAYROLL_ALLOW_SHA1_BINDINGS").as_deref() == Some("1"),
    );
    let passphrase = var("MOMO_PAYROLL_PASSPHRASE").map(SecretString::from);
    let mut builder = PayrollClient::builder(
        BaseUrl::parse(base).map_err(e)?,
        need("MOMO_PAYROLL_PARTNER_CODE")?,
        RecipientCert::from_file(need("MOMO_PAYROLL_MOMO_CERT")?, policy).map_err(e)?,
        DecryptionKey::from_file(
            need("MOMO_PAYROLL_PARTNER_KEY")?,
            passphrase.as_ref(),
            policy,
        )
        .map_err(e)?,
    );
    if let Some(p) = var("MOMO_PAYROLL_CHECK_PASSWORD") {
        builder = builder.check_password(SecretString::from(p));
    }
    let client = builder.build().map_err(e)?;
    let wallet = WalletId::parse(&need("MOMO_PAYROLL_WALLET")?).map_err(e)?;
    let answer = client.check_wallet(&wallet).await.map_err(e)?;
    if !answer.result_code.is_success() {
        return Err(format!(
            "real MoMo check-wallet answered {}",
            answer.result_code
        ));
    }
    Ok(format!(
        "real MoMo: check-wallet {} -> 0; no payout sent",
        wallet
    ))
}

/// Runs the flow; returns a one-line summary.
pub async fn run() -> Result<String, String> {
    if let Some(base) = var("MOMO_PAYROLL_BASE_URL") {
        return real_check_wallet(&base).await;
    }
    // The partner's endpoint for Notify Result.
    let notified = Arc::new(AtomicUsize::new(0));
    let n = notified.clone();
    let handler = Arc::new(NotifyHandler::new(move |_note| {
        n.fetch_add(1, Ordering::SeqCst);
        Ok(NotifyReply::success())
    }));
    let partner_server = MockServer::start().await;
    Mock::given(momo_sandbox::wiremock::matchers::method("POST"))
        .respond_with(Serve(handler))
        .mount(&partner_server)
        .await;

    let partner = generate_test_key("Tour partner <tour@example.invalid>").map_err(e)?;
    let sandbox = PayrollSandbox::builder(&partner.public, "MOMOTOUR")
        .notify_url(format!("{}/payroll/notify", partner_server.uri()))
        .status_pending_polls(1)
        .start()
        .await
        .map_err(e)?;
    let client = PayrollClient::builder(
        BaseUrl::parse(&sandbox.uri()).map_err(e)?,
        "MOMOTOUR",
        RecipientCert::from_bytes(sandbox.momo_cert().as_bytes(), KeyPolicy::standard())
            .map_err(e)?,
        DecryptionKey::from_bytes(
            partner.secret.expose_secret().as_bytes(),
            None,
            KeyPolicy::standard(),
        )
        .map_err(e)?,
    )
    .poll(PollPolicy {
        max_polls: 6,
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(400),
    })
    .build()
    .map_err(e)?;

    let wallet = client
        .check_wallet(&WalletId::parse("0903412001").map_err(e)?)
        .await
        .map_err(e)?;
    if !wallet.result_code.is_success() {
        return Err(format!("check-wallet answered {}", wallet.result_code));
    }

    let batch = PayBatch::builder()
        .description("Tour salary")
        .transfer(Transfer::new("0903412001", 10_000_000).wallet_name("Nguyen Van B"))
        .transfer(Transfer::new("0903412002", 12_000_000))
        .build()
        .map_err(e)?;
    let first = client.pay_and_confirm(&batch).await.map_err(e)?;
    let paid = first
        .transfers
        .iter()
        .filter(|t| t.result_code.is_some_and(|c| c.is_success()))
        .count();
    if paid != 2 {
        return Err(format!(
            "expected 2 successful transfers, got {:?}",
            first.transfers
        ));
    }

    // MoMo answers "unknown result": pay_and_confirm polls status, never resends.
    sandbox.set_pay_mode(PayMode::AnswerCode10);
    let second = client
        .pay_and_confirm(
            &PayBatch::builder()
                .transfer(Transfer::new("0903412003", 1_500_000))
                .build()
                .map_err(e)?,
        )
        .await
        .map_err(e)?;
    let pays = sandbox.requests("pay").len();
    if pays != 2 {
        return Err(format!("expected 2 pay requests, the sandbox saw {pays}"));
    }

    let answers = sandbox
        .wait_for_notify_answers(3, Duration::from_secs(10))
        .await;
    if answers.len() != 3 || notified.load(Ordering::SeqCst) != 3 {
        return Err(format!(
            "expected 3 Notify Results handled, got {answers:?}"
        ));
    }
    Ok(format!(
        "check-wallet 0; pay {} -> {paid}/2 paid (paymentRef {}); code 10 on {} settled by status; 3 notifications handled",
        first.request_id,
        first.transfers[0].payment_ref.as_deref().unwrap_or("-"),
        second.request_id,
    ))
}
