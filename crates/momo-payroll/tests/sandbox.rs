//! End to end against `momo_sandbox::payroll` (written from the spec, independently of
//! this crate): wallet states, unknown outcomes, notify delivery, legacy partner keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use momo_core::id::{ManualClock, SequentialIds};
use momo_core::{BaseUrl, ErrorKind, ExposeSecret, ReqwestTransport};
use momo_payroll::pgp::{DecryptionKey, KeyPolicy, RecipientCert, TestKeyPair, generate_test_key};
use momo_payroll::{
    NotifyHandler, NotifyReply, PayBatch, PayrollClient, PayrollClientBuilder, PollPolicy,
    ResultCode, Transfer, WalletId,
};
use momo_sandbox::payroll::{
    LOCKED_WALLET, MISSING_WALLET, NEAR_LIMIT_WALLET, PayMode, PayrollSandbox,
    PayrollSandboxBuilder,
};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A client of `sandbox` with `partner`'s key, sending `partner_code`.
fn client_builder(
    sandbox: &PayrollSandbox,
    partner_code: &str,
    partner: &TestKeyPair,
) -> PayrollClientBuilder {
    PayrollClient::builder(
        BaseUrl::parse(&sandbox.uri()).unwrap(),
        partner_code,
        RecipientCert::from_bytes(sandbox.momo_cert().as_bytes(), KeyPolicy::standard()).unwrap(),
        DecryptionKey::from_bytes(
            partner.secret.expose_secret().as_bytes(),
            None,
            KeyPolicy::standard(),
        )
        .unwrap(),
    )
}

struct Setup {
    sandbox: PayrollSandbox,
    client: PayrollClient,
    clock: Arc<ManualClock>,
}

async fn setup_with(
    configure: impl FnOnce(PayrollSandboxBuilder) -> PayrollSandboxBuilder,
    transport: Option<ReqwestTransport>,
) -> Setup {
    let partner = generate_test_key("Partner <p@example.invalid>").unwrap();
    let sandbox = configure(PayrollSandbox::builder(&partner.public, "MOMOTEST"))
        .start()
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(
        time::macros::datetime!(2026-11-23 02:00:00 UTC),
    ));
    let mut b = client_builder(&sandbox, "MOMOTEST", &partner)
        .ids(Arc::new(SequentialIds::new("req-")))
        .clock(clock.clone())
        .poll(PollPolicy {
            max_polls: 5,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(4),
        });
    if let Some(t) = transport {
        b = b.transport(Arc::new(t));
    }
    Setup {
        sandbox,
        client: b.build().unwrap(),
        clock,
    }
}

async fn setup() -> Setup {
    setup_with(|b| b, None).await
}

fn batch(lines: &[(&str, u64)]) -> PayBatch {
    PayBatch::builder()
        .transfers(lines.iter().map(|(w, a)| Transfer::new(*w, *a)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn wallet_states_come_back_per_transfer() {
    let s = setup().await;
    for (w, code) in [
        ("0903412001", ResultCode::Success),
        (LOCKED_WALLET, ResultCode::WalletLocked),
        (MISSING_WALLET, ResultCode::WalletNotFound),
    ] {
        let r = s
            .client
            .check_wallet(&WalletId::parse(w).unwrap())
            .await
            .unwrap();
        assert_eq!(r.result_code, code, "{w}");
    }
    let out = s
        .client
        .pay_and_confirm(&batch(&[
            ("0903412001", 1_000_000),
            (LOCKED_WALLET, 1_000),
            (MISSING_WALLET, 1_000),
            (NEAR_LIMIT_WALLET, 20_000),
        ]))
        .await
        .unwrap();
    let codes: Vec<_> = out
        .transfers
        .iter()
        .map(|t| t.result_code.unwrap())
        .collect();
    assert_eq!(
        codes,
        vec![
            ResultCode::Success,
            ResultCode::WalletLocked,
            ResultCode::WalletNotFound,
            ResultCode::OverBalance
        ]
    );
    assert_eq!(out.transfers[0].amount_accepted, Some(1_000_000));
    // The sandbox read the raw request itself: the table's names, the computed total.
    let pay = &s.sandbox.requests("pay")[0];
    assert_eq!(pay["totalAmount"], 1_022_000);
    assert_eq!(pay["createdDate"], "2026-11-23T09:00:00+07:00");
    // get-trans for the day finds it; check-tran finds a paymentRef.
    let day = s
        .client
        .get_trans(time::macros::date!(2026 - 11 - 23))
        .await
        .unwrap();
    assert_eq!(day.data.len(), 1);
    let r = out.transfers[0].payment_ref.clone().unwrap();
    let tran = s.client.check_tran(&r).await.unwrap();
    assert_eq!(tran.data.unwrap()["resultCode"], 0);
}

#[tokio::test]
async fn code_10_then_status_settles_without_a_second_pay() {
    let s = setup_with(|b| b.status_pending_polls(2), None).await;
    s.sandbox.set_pay_mode(PayMode::AnswerCode10);
    let b = batch(&[("0903412001", 500_000)]);
    let err = s.client.pay(&b).await.unwrap_err();
    let ErrorKind::OutcomeUnknown { request_id } = err.kind() else {
        panic!("{err:?}")
    };
    assert_eq!(request_id, "req-1");
    // pay_and_confirm: one pay (code 10 again), then status until final.
    let out = s
        .client
        .pay_and_confirm(&batch(&[("0903412002", 700_000)]))
        .await
        .unwrap();
    assert_eq!(out.transfers[0].result_code, Some(ResultCode::Success));
    assert_eq!(s.sandbox.requests("pay").len(), 2);
    let statuses = s.sandbox.requests("status");
    assert_eq!(statuses.len(), 3);
    assert!(
        statuses
            .iter()
            .all(|v| v["checkRequestId"] == out.request_id.as_str())
    );
    assert_eq!(s.clock.sleeps().len(), 3);
}

#[tokio::test]
async fn stalled_pay_is_outcome_unknown_and_status_finds_the_payment() {
    let s = setup_with(
        |b| b,
        Some(ReqwestTransport::with_timeout(Duration::from_millis(300)).unwrap()),
    )
    .await;
    s.sandbox
        .set_pay_mode(PayMode::Stall(Duration::from_secs(10)));
    let err = s
        .client
        .pay_and_confirm(&batch(&[("0903412003", 42_000)]))
        .await;
    // The pay timed out; status (not stalled) then settled it.
    let out = err.unwrap();
    assert_eq!(out.transfers[0].amount_accepted, Some(42_000));
    assert_eq!(s.sandbox.requests("pay").len(), 1);
    assert_eq!(
        s.sandbox.wallet("0903412003"),
        momo_sandbox::payroll::Wallet::Active {
            balance: 42_000,
            limit: momo_sandbox::payroll::BALANCE_LIMIT
        }
    );
}

/// Serves a NotifyHandler over wiremock.
struct Serve(Arc<NotifyHandler>);

impl Respond for Serve {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let (status, body) = self.0.handle(&request.body);
        ResponseTemplate::new(status.as_u16()).set_body_bytes(body)
    }
}

#[tokio::test]
async fn notify_results_reach_the_handler_once_each() {
    let partner_server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let handler = Arc::new(NotifyHandler::new(move |n| {
        assert_eq!(n.payment_id.as_deref(), Some("req-1"));
        c.fetch_add(1, Ordering::SeqCst);
        Ok(NotifyReply::success())
    }));
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(Serve(handler.clone()))
        .mount(&partner_server)
        .await;
    let s = setup_with(
        |b| b.notify_url(format!("{}/payroll/notify", partner_server.uri())),
        None,
    )
    .await;
    s.client
        .pay(&batch(&[("0903412001", 1_000), ("0903412002", 2_000)]))
        .await
        .unwrap();
    let answers = s
        .sandbox
        .wait_for_notify_answers(2, Duration::from_secs(10))
        .await;
    assert_eq!(answers.len(), 2);
    assert!(
        answers.iter().all(|(status, _)| *status == 200),
        "{answers:?}"
    );
    // A redelivery of the first notification is answered the same, without a callback.
    let received = partner_server.received_requests().await.unwrap();
    let (status, again) = handler.handle(&received[0].body);
    assert_eq!(status, 200);
    assert_eq!(String::from_utf8(again).unwrap(), answers[0].1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn legacy_sha1_partner_key_works_end_to_end_with_the_opt_in_only() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let public = std::fs::read_to_string(root.join("gpg-legacy.pub.asc")).unwrap();
    let sandbox = PayrollSandbox::builder(&public, "MOMOTEST")
        .start()
        .await
        .unwrap();
    let err =
        DecryptionKey::from_file(root.join("gpg-legacy.sec.asc"), None, KeyPolicy::standard())
            .unwrap_err();
    assert!(err.to_string().contains("SHA-1"), "{err}");
    let key = DecryptionKey::from_file(
        root.join("gpg-legacy.sec.asc"),
        None,
        KeyPolicy::allow_sha1_bindings(),
    )
    .unwrap();
    let client = PayrollClient::builder(
        BaseUrl::parse(&sandbox.uri()).unwrap(),
        "MOMOTEST",
        RecipientCert::from_bytes(sandbox.momo_cert().as_bytes(), KeyPolicy::standard()).unwrap(),
        key,
    )
    .build()
    .unwrap();
    let r = client
        .check_wallet(&WalletId::parse("0903412001").unwrap())
        .await
        .unwrap();
    assert!(r.result_code.is_success());
}

#[tokio::test]
async fn wrong_partner_code_is_code_9() {
    let partner = generate_test_key("P <p@example.invalid>").unwrap();
    let sandbox = PayrollSandbox::builder(&partner.public, "OTHER")
        .start()
        .await
        .unwrap();
    let client = client_builder(&sandbox, "MOMOTEST", &partner)
        .build()
        .unwrap();
    let r = client
        .check_wallet(&WalletId::parse("0903412001").unwrap())
        .await
        .unwrap();
    assert_eq!(r.result_code, ResultCode::InvalidPartnerCode);
}

/// Delivers every request, but loses the answer to the first one (a timeout after the
/// request reached the server).
struct LoseFirstAnswer {
    inner: ReqwestTransport,
    calls: AtomicUsize,
}

impl momo_core::Transport for LoseFirstAnswer {
    fn send(
        &self,
        request: momo_core::HttpRequest,
    ) -> momo_core::transport::BoxFuture<'_, momo_core::Result<momo_core::HttpResponse>> {
        Box::pin(async move {
            let answer = self.inner.send(request).await?;
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                return Err(momo_core::Error::transport(
                    momo_core::error::TransportErrorKind::Timeout,
                    "answer lost",
                ));
            }
            Ok(answer)
        })
    }
}

#[tokio::test]
async fn a_query_whose_answer_was_lost_is_retried_under_a_new_id() {
    // The sandbox, like MoMo's table, refuses a request id it has seen (code 8) on every
    // API: a retry under the same id would get 8 instead of the wallet's state.
    let partner = generate_test_key("Partner <p@example.invalid>").unwrap();
    let sandbox = PayrollSandbox::builder(&partner.public, "MOMOTEST")
        .start()
        .await
        .unwrap();
    let client = client_builder(&sandbox, "MOMOTEST", &partner)
        .ids(Arc::new(SequentialIds::new("req-")))
        .clock(Arc::new(ManualClock::new(time::OffsetDateTime::UNIX_EPOCH)))
        .transport(Arc::new(LoseFirstAnswer {
            inner: ReqwestTransport::new().unwrap(),
            calls: AtomicUsize::new(0),
        }))
        .build()
        .unwrap();
    let r = client
        .check_wallet(&WalletId::parse(LOCKED_WALLET).unwrap())
        .await
        .unwrap();
    assert_eq!(r.result_code, ResultCode::WalletLocked);
    let ids: Vec<_> = sandbox
        .requests("check-wallet")
        .iter()
        .map(|v| v["requestId"].clone())
        .collect();
    assert_eq!(ids, ["req-1", "req-2"]);
}
