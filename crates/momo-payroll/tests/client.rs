//! The client against wiremock: every test decrypts what the client sent and compares
//! the raw JSON with literal JSON from the spec; answers are encrypted to the partner.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use momo_core::id::{ManualClock, SequentialIds};
use momo_core::{BaseUrl, ErrorKind, ExposeSecret, ReqwestTransport, SecretString};
use momo_payroll::pgp::{DecryptionKey, KeyPolicy, RecipientCert, TestKeyPair, generate_test_key};
use momo_payroll::{PayBatch, PayrollClient, PollPolicy, ResultCode, Transfer, WalletId};
use serde_json::{Value, json};
use time::macros::datetime;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

struct Keys {
    momo: TestKeyPair,
    partner: TestKeyPair,
}

fn keys() -> Keys {
    Keys {
        momo: generate_test_key("MoMo (test) <momo@example.invalid>").unwrap(),
        partner: generate_test_key("Partner (test) <partner@example.invalid>").unwrap(),
    }
}

fn momo_key(k: &Keys) -> DecryptionKey {
    DecryptionKey::from_bytes(
        k.momo.secret.expose_secret().as_bytes(),
        None,
        KeyPolicy::standard(),
    )
    .unwrap()
}

fn partner_cert(k: &Keys) -> RecipientCert {
    RecipientCert::from_bytes(k.partner.public.as_bytes(), KeyPolicy::standard()).unwrap()
}

type AnswerFn = dyn Fn(&Value, usize) -> ResponseTemplate + Send + Sync;

/// Plays MoMo for one path: decrypts the request, records its raw JSON, answers.
struct Fake {
    momo: DecryptionKey,
    seen: Arc<Mutex<Vec<Value>>>,
    answer: Box<AnswerFn>,
}

impl Respond for Fake {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        // The spec's sample is an ASCII-armored message.
        assert!(
            request.body.starts_with(b"-----BEGIN PGP MESSAGE-----"),
            "request body is not an armored OpenPGP message"
        );
        let plain = self
            .momo
            .decrypt(&request.body)
            .expect("client sent an undecryptable body");
        let v: Value = serde_json::from_slice(&plain).unwrap();
        let n = {
            let mut seen = self.seen.lock().unwrap();
            seen.push(v.clone());
            seen.len()
        };
        (self.answer)(&v, n)
    }
}

/// An answer encrypted to the partner.
fn encrypted(partner: &RecipientCert, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/pgp-encrypted")
        .set_body_string(partner.encrypt(body.to_string().as_bytes()).unwrap())
}

struct Env {
    server: MockServer,
    keys: Keys,
    clock: Arc<ManualClock>,
}

impl Env {
    async fn new() -> Env {
        Env {
            server: MockServer::start().await,
            keys: keys(),
            clock: Arc::new(ManualClock::new(datetime!(2026-11-23 02:30:00 UTC))),
        }
    }

    /// Mounts a fake on `api/payroll/<op>`; returns what it will have seen.
    async fn mount(
        &self,
        op: &str,
        expect: impl Into<wiremock::Times>,
        answer: impl Fn(&RecipientCert, &Value, usize) -> ResponseTemplate + Send + Sync + 'static,
    ) -> Arc<Mutex<Vec<Value>>> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let p2 = partner_cert(&self.keys);
        Mock::given(method("POST"))
            .and(path(format!("/api/payroll/{op}")))
            .and(header("content-type", "application/pgp-encrypted"))
            .and(header("accept", "application/pgp-encrypted"))
            .and(header("partner-code", "MOMOTEST"))
            .respond_with(Fake {
                momo: momo_key(&self.keys),
                seen: seen.clone(),
                answer: Box::new(move |v, n| answer(&p2, v, n)),
            })
            .expect(expect)
            .mount(&self.server)
            .await;
        seen
    }

    fn builder(&self) -> momo_payroll::PayrollClientBuilder {
        self.builder_for(&self.server.uri(), "MOMOTEST")
    }

    /// The test client's builder, pointed at `base` with `partner_code`.
    fn builder_for(&self, base: &str, partner_code: &str) -> momo_payroll::PayrollClientBuilder {
        PayrollClient::builder(
            BaseUrl::parse(base).unwrap(),
            partner_code,
            RecipientCert::from_bytes(self.keys.momo.public.as_bytes(), KeyPolicy::standard())
                .unwrap(),
            DecryptionKey::from_bytes(
                self.keys.partner.secret.expose_secret().as_bytes(),
                None,
                KeyPolicy::standard(),
            )
            .unwrap(),
        )
        .ids(Arc::new(SequentialIds::new("req-")))
        .clock(self.clock.clone())
        .poll(PollPolicy {
            max_polls: 4,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(5),
        })
    }

    fn client(&self) -> PayrollClient {
        self.builder().build().unwrap()
    }
}

fn spec_batch() -> PayBatch {
    PayBatch::builder()
        .description("test desc")
        .transfer(
            Transfer::new("0903412001", 10_000_000)
                .wallet_name("Nguyen van B")
                .personal_id("023456789")
                .description("desc"),
        )
        .transfer(Transfer::new("0903412002", 12_000_000).wallet_name("nguyen van A"))
        .build()
        .unwrap()
}

fn unknown_id(err: &momo_core::Error) -> String {
    match err.kind() {
        ErrorKind::OutcomeUnknown { request_id } => request_id.clone(),
        k => panic!("expected OutcomeUnknown, got {k:?} ({err})"),
    }
}

#[tokio::test]
async fn check_wallet_sends_the_spec_fields() {
    let env = Env::new().await;
    let seen = env
        .mount("check-wallet", 1, |p, v, _| {
            encrypted(p, json!({"requestId": v["requestId"], "resultCode": 0, "message": "Success", "referenceId": "sdfsfsdfdggfgf"}))
        })
        .await;
    let r = env
        .client()
        .check_wallet(&WalletId::parse("0902890666").unwrap())
        .await
        .unwrap();
    assert_eq!(
        seen.lock().unwrap()[0],
        json!({"requestId": "req-1", "walletId": "0902890666"})
    );
    assert_eq!(r.result_code, ResultCode::Success);
    assert_eq!(r.reference_id.as_deref(), Some("sdfsfsdfdggfgf"));
}

#[tokio::test]
async fn check_wallet_returns_failure_codes_as_answers_and_sends_the_check_password() {
    let env = Env::new().await;
    let seen = env
        .mount("check-wallet", 1, |p, v, _| {
            encrypted(p, json!({"requestId": v["requestId"], "resultCode": 1007, "message": "Wallet is locked", "referenceId": "x"}))
        })
        .await;
    let client = env
        .builder()
        .check_password(SecretString::from("12345678"))
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("12345678"));
    let r = client
        .check_wallet(&WalletId::parse("0907000007").unwrap())
        .await
        .unwrap();
    assert_eq!(r.result_code, ResultCode::WalletLocked);
    assert_eq!(
        seen.lock().unwrap()[0],
        json!({"requestId": "req-1", "walletId": "0907000007", "password": "12345678"})
    );
}

#[tokio::test]
async fn pay_sends_the_table_field_names_and_computed_total() {
    let env = Env::new().await;
    let seen = env
        .mount("pay", 1, |p, v, _| {
            encrypted(p, json!({"requestId": v["requestId"], "referenceId": "2313_e3w24", "resultCode": 0, "message": "Success"}))
        })
        .await;
    let accepted = env.client().pay(&spec_batch()).await.unwrap();
    assert_eq!(accepted.request_id, "req-1");
    assert_eq!(
        seen.lock().unwrap()[0],
        json!({
            "requestId": "req-1",
            "walletIds": [
                {"walletId": "0903412001", "amount": 10000000, "walletName": "Nguyen van B", "personalId": "023456789", "description": "desc"},
                {"walletId": "0903412002", "amount": 12000000, "walletName": "nguyen van A"}
            ],
            "totalAmount": 22000000,
            "createdDate": "2026-11-23T09:30:00+07:00",
            "description": "test desc"
        })
    );
}

#[tokio::test]
async fn pay_failure_code_is_an_api_error_and_not_polled() {
    let env = Env::new().await;
    env.mount("pay", 1, |p, v, _| {
        encrypted(p, json!({"requestId": v["requestId"], "referenceId": "r", "resultCode": 1001, "message": "test message response"}))
    })
    .await;
    env.mount("status", 0, |p, _, _| encrypted(p, json!({})))
        .await;
    let err = env
        .client()
        .pay_and_confirm(&spec_batch())
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Api { .. }), "{err:?}");
    assert_eq!(err.api_code(), Some("1001"), "{err}");
    assert!(env.clock.sleeps().is_empty());
}

#[tokio::test]
async fn pay_http_500_is_outcome_unknown_after_one_request() {
    let env = Env::new().await;
    env.mount("pay", 1, |_, _, _| {
        ResponseTemplate::new(500).set_body_string("boom")
    })
    .await;
    let err = env.client().pay(&spec_batch()).await.unwrap_err();
    assert_eq!(unknown_id(&err), "req-1");
    assert!(err.to_string().contains("do not resend"), "{err}");
}

#[tokio::test]
async fn pay_timeout_is_outcome_unknown_and_sent_exactly_once() {
    let env = Env::new().await;
    env.mount("pay", 1, |p, v, _| {
        encrypted(
            p,
            json!({"requestId": v["requestId"], "resultCode": 0, "message": "Success"}),
        )
        .set_delay(Duration::from_secs(30))
    })
    .await;
    let transport = ReqwestTransport::with_timeout(Duration::from_millis(300)).unwrap();
    let client = env
        .builder()
        .transport(Arc::new(transport))
        .build()
        .unwrap();
    let err = client.pay(&spec_batch()).await.unwrap_err();
    assert_eq!(unknown_id(&err), "req-1");
    // `.expect(1)` on the mock is verified when the server drops: exactly one pay.
    assert_eq!(env.server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn pay_answer_that_cannot_be_read_is_outcome_unknown() {
    let env = Env::new().await;
    env.mount("pay", 1, |_, _, _| {
        ResponseTemplate::new(200).set_body_string("<html>gateway</html>")
    })
    .await;
    let err = env.client().pay(&spec_batch()).await.unwrap_err();
    assert_eq!(unknown_id(&err), "req-1");
}

#[tokio::test]
async fn code_10_polls_status_with_the_pay_request_id() {
    let env = Env::new().await;
    env.mount("pay", 1, |p, v, _| {
        encrypted(p, json!({"requestId": v["requestId"], "referenceId": "r", "resultCode": 10, "message": "Unknown result"}))
    })
    .await;
    let status = env
        .mount("status", 2, |p, v, n| {
            if n == 1 {
                return encrypted(p, json!({"requestId": v["requestId"], "referenceId": "s", "resultCode": 10, "message": "Unknown result"}));
            }
            // The spec's status example: per-transfer codes are strings.
            encrypted(
                p,
                json!({
                    "requestId": v["requestId"], "referenceId": "2313_e3w24_ddqwdq_dasdasda", "resultCode": 0, "message": "Success",
                    "data": [
                        {"walletId": "0903412001", "amount": 10000000, "amountAccepted": 10000000, "resultCode": "0", "paymentRef": "1234567890123", "message": "dshduashkcnkuz"},
                        {"walletId": "0903412002", "amount": 12000000, "amountAccepted": 0, "resultCode": "1005", "paymentRef": "1234567890124", "message": "Over balance"}
                    ]
                }),
            )
        })
        .await;
    let outcome = env.client().pay_and_confirm(&spec_batch()).await.unwrap();
    assert_eq!(outcome.request_id, "req-1");
    assert_eq!(
        *status.lock().unwrap(),
        vec![
            json!({"requestId": "req-2", "checkRequestId": "req-1"}),
            json!({"requestId": "req-3", "checkRequestId": "req-1"}),
        ]
    );
    assert_eq!(outcome.transfers[0].result_code, Some(ResultCode::Success));
    assert_eq!(
        outcome.transfers[0].payment_ref.as_deref(),
        Some("1234567890123")
    );
    assert_eq!(
        outcome.transfers[1].result_code,
        Some(ResultCode::OverBalance)
    );
    assert_eq!(outcome.transfers[1].amount_accepted, Some(0));
    assert_eq!(
        env.clock.sleeps(),
        vec![Duration::from_secs(2), Duration::from_secs(4)]
    );
}

#[tokio::test]
async fn pay_and_confirm_gives_up_with_outcome_unknown_after_bounded_polls() {
    let env = Env::new().await;
    env.mount("pay", 1, |_, _, _| ResponseTemplate::new(503))
        .await;
    env.mount("status", 4, |p, v, _| {
        encrypted(p, json!({"requestId": v["requestId"], "referenceId": "s", "resultCode": 1003, "message": "Payment Id not found"}))
    })
    .await;
    let err = env
        .client()
        .pay_and_confirm(&spec_batch())
        .await
        .unwrap_err();
    assert_eq!(unknown_id(&err), "req-1");
    assert_eq!(
        env.clock.sleeps(),
        vec![
            Duration::from_secs(2),
            Duration::from_secs(4),
            Duration::from_secs(5),
            Duration::from_secs(5)
        ]
    );
}

#[tokio::test]
async fn get_trans_and_check_tran_send_and_parse_the_spec_examples() {
    let env = Env::new().await;
    let gt = env
        .mount("get-trans", 1, |p, v, _| {
            encrypted(
                p,
                json!({
                    "requestId": v["requestId"], "referenceId": "2313", "resultCode": 0, "message": "Success",
                    "data": [{"requestId": "wqrwpo2343240xsad213", "walletIds": [
                        {"walletId": "0903412001", "amount": 10000000, "amountAccepted": 10000000, "resultCode": "0", "paymentRef": "1234567890123"},
                        {"walletId": "0903412002", "amount": 12000000, "amountAccepted": 12000000, "resultCode": "0", "paymentRef": "1234567890124"}]}]
                }),
            )
        })
        .await;
    let ct = env
        .mount("check-tran", 1, |p, v, _| {
            encrypted(
                p,
                json!({"requestId": v["requestId"], "referenceId": "2313", "resultCode": 0, "message": "Success",
                       "data": {"requestId": "wqrwposs2343240xsad213", "referenceId": "2313_e3w24_w432423_dasdasda", "resultCode": 0, "message": "Success"}}),
            )
        })
        .await;
    let client = env.client();
    let day = client
        .get_trans(time::macros::date!(2017 - 12 - 04))
        .await
        .unwrap();
    assert_eq!(
        gt.lock().unwrap()[0],
        json!({"requestId": "req-1", "date": "2017-12-04"})
    );
    assert_eq!(
        day.data[0].wallet_ids[1].payment_ref.as_deref(),
        Some("1234567890124")
    );
    let tran = client.check_tran("123456").await.unwrap();
    assert_eq!(
        ct.lock().unwrap()[0],
        json!({"requestId": "req-2", "paymentRef": "123456"})
    );
    assert_eq!(
        tran.data.unwrap()["referenceId"],
        "2313_e3w24_w432423_dasdasda"
    );
}

#[tokio::test]
async fn query_failure_code_is_an_api_error() {
    let env = Env::new().await;
    env.mount("status", 1, |p, v, _| {
        encrypted(p, json!({"requestId": v["requestId"], "resultCode": 9, "message": "Invalid partner code"}))
    })
    .await;
    let err = env.client().status("req-0").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Api { .. }), "{err:?}");
    assert_eq!(err.api_code(), Some("9"));
    assert_eq!(err.operation(), Some("status"));
}

#[tokio::test]
async fn garbage_and_wrong_key_answers_are_crypto_errors() {
    let env = Env::new().await;
    let stranger = generate_test_key("Stranger <s@example.invalid>").unwrap();
    let stranger_cert =
        RecipientCert::from_bytes(stranger.public.as_bytes(), KeyPolicy::standard()).unwrap();
    env.mount("check-wallet", 2, move |_, v, n| {
        if n == 1 {
            ResponseTemplate::new(200).set_body_string("definitely not PGP")
        } else {
            let body = json!({"requestId": v["requestId"], "resultCode": 0, "message": "Success"});
            ResponseTemplate::new(200)
                .set_body_string(stranger_cert.encrypt(body.to_string().as_bytes()).unwrap())
        }
    })
    .await;
    let client = env
        .builder()
        .retry(momo_core::RetryPolicy::none())
        .build()
        .unwrap();
    let w = WalletId::parse("0903412001").unwrap();
    let err = client.check_wallet(&w).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Crypto(_)), "{err:?}");
    let err = client.check_wallet(&w).await.unwrap_err();
    match err.kind() {
        ErrorKind::Crypto(m) => assert!(m.contains("wrong key"), "{m}"),
        k => panic!("{k:?}"),
    }
}

#[tokio::test]
async fn http_500_on_a_query_is_retried_with_a_fresh_request_id() {
    // Payroll refuses a repeated requestId with code 8 on every API, so a retried query
    // must not reuse the id of an attempt that may have reached MoMo.
    let env = Env::new().await;
    let seen = env
        .mount("check-wallet", 2, |p, v, n| {
            if n == 1 {
                ResponseTemplate::new(500)
            } else {
                encrypted(
                    p,
                    json!({"requestId": v["requestId"], "resultCode": 0, "message": "Success"}),
                )
            }
        })
        .await;
    env.client()
        .check_wallet(&WalletId::parse("0903412001").unwrap())
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(
        *seen,
        vec![
            json!({"requestId": "req-1", "walletId": "0903412001"}),
            json!({"requestId": "req-2", "walletId": "0903412001"})
        ]
    );
}

#[tokio::test]
async fn status_answering_code_8_is_polled_again_with_a_new_id() {
    let env = Env::new().await;
    env.mount("pay", 1, |p, v, _| {
        encrypted(
            p,
            json!({"requestId": v["requestId"], "resultCode": 0, "message": "Success"}),
        )
    })
    .await;
    let status = env
        .mount("status", 2, |p, v, n| {
            if n == 1 {
                return encrypted(p, json!({"requestId": v["requestId"], "resultCode": 8, "message": "Duplicate request Id"}));
            }
            encrypted(
                p,
                json!({"requestId": v["requestId"], "resultCode": 0, "message": "Success", "data": [
                    {"walletId": "0903412001", "amount": 10000000, "amountAccepted": 10000000, "resultCode": "0", "paymentRef": "1"},
                    {"walletId": "0903412002", "amount": 12000000, "amountAccepted": 12000000, "resultCode": "0", "paymentRef": "2"}
                ]}),
            )
        })
        .await;
    let out = env.client().pay_and_confirm(&spec_batch()).await.unwrap();
    assert_eq!(out.transfers.len(), 2);
    assert_eq!(
        *status.lock().unwrap(),
        vec![
            json!({"requestId": "req-2", "checkRequestId": "req-1"}),
            json!({"requestId": "req-3", "checkRequestId": "req-1"})
        ]
    );
}

#[tokio::test]
async fn invalid_input_is_refused_before_any_request() {
    let env = Env::new().await;
    let client = env.client();
    let err = client.status(" ").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidRequest { .. }));
    let err = client.check_tran("").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidRequest { .. }));
    let err = env.builder_for(&env.server.uri(), " ").build().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidRequest { .. }));
    assert!(env.server.received_requests().await.unwrap().is_empty());
}

// ---- duplicate-payout safety: every ambiguous answer to `pay` ----

#[tokio::test]
async fn pay_code_8_duplicate_request_id_is_outcome_unknown_and_settled_by_status() {
    // A fresh request id answered "Duplicate request Id" means MoMo already holds a
    // request with this id (e.g. this batch, replayed on the way): it may be paid.
    let env = Env::new().await;
    env.mount("pay", 2, |p, v, _| {
        encrypted(p, json!({"requestId": v["requestId"], "referenceId": "r", "resultCode": 8, "message": "Duplicate request Id"}))
    })
    .await;
    let status = env
        .mount("status", 1, |p, v, _| {
            encrypted(
                p,
                json!({"requestId": v["requestId"], "referenceId": "s", "resultCode": 0, "message": "Success", "data": [
                    {"walletId": "0903412001", "amount": 10000000, "amountAccepted": 10000000, "resultCode": "0", "paymentRef": "1", "message": "ok"},
                    {"walletId": "0903412002", "amount": 12000000, "amountAccepted": 12000000, "resultCode": "0", "paymentRef": "2", "message": "ok"}
                ]}),
            )
        })
        .await;
    let client = env.client();
    let err = client.pay(&spec_batch()).await.unwrap_err();
    assert_eq!(unknown_id(&err), "req-1");
    // MoMo's answer is kept as the source, but an unknown outcome reports no code:
    // reading a code as "refused" here would invite a resend.
    assert_eq!(err.api_code(), None, "{err:?}");
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<momo_core::Error>())
        .expect("MoMo's answer kept as the source");
    assert_eq!(source.api_code(), Some("8"));
    let out = client.pay_and_confirm(&spec_batch()).await.unwrap();
    assert_eq!(out.request_id, "req-2");
    assert_eq!(
        *status.lock().unwrap(),
        vec![json!({"requestId": "req-3", "checkRequestId": "req-2"})]
    );
}

#[tokio::test]
async fn pay_unrecognised_code_and_foreign_echo_are_outcome_unknown() {
    let env = Env::new().await;
    env.mount("pay", 2, |p, v, n| {
        if n == 1 {
            encrypted(
                p,
                json!({"requestId": v["requestId"], "resultCode": 4242, "message": "new code"}),
            )
        } else {
            encrypted(
                p,
                json!({"requestId": "someone-else", "resultCode": 0, "message": "Success"}),
            )
        }
    })
    .await;
    let client = env.client();
    let err = client.pay(&spec_batch()).await.unwrap_err();
    assert_eq!(unknown_id(&err), "req-1");
    let err = client.pay(&spec_batch()).await.unwrap_err();
    assert_eq!(unknown_id(&err), "req-2");
}

#[tokio::test]
async fn pay_to_a_refused_connection_is_a_plain_connect_error() {
    // Nothing listens on the port: no byte can have reached MoMo.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let env = Env::new().await;
    let client = env
        .builder_for(&format!("http://127.0.0.1:{port}"), "MOMOTEST")
        .build()
        .unwrap();
    let err = client.pay(&spec_batch()).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Transport(momo_core::error::TransportErrorKind::Connect)
        ),
        "{err:?}"
    );
    assert!(env.clock.sleeps().is_empty(), "no retry wait");
}

#[tokio::test]
async fn pay_connection_broken_after_sending_is_outcome_unknown_and_sent_once() {
    use tokio::io::AsyncReadExt;
    // A server that reads the whole request, then hangs up without answering.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let a2 = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            a2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = sock.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                if got
                    .windows(b"-----END PGP MESSAGE-----".len())
                    .any(|w| w == b"-----END PGP MESSAGE-----")
                {
                    break;
                }
            }
            drop(sock);
        }
    });
    let env = Env::new().await;
    let client = env
        .builder_for(&format!("http://{addr}"), "MOMOTEST")
        .build()
        .unwrap();
    let err = client.pay(&spec_batch()).await.unwrap_err();
    assert_eq!(unknown_id(&err), "req-1");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
}

// ---- pay_and_confirm matches status to the batch ----

#[tokio::test]
async fn pay_and_confirm_waits_for_every_wallet_and_returns_batch_order() {
    let env = Env::new().await;
    env.mount("pay", 1, |p, v, _| {
        encrypted(p, json!({"requestId": v["requestId"], "referenceId": "r", "resultCode": 0, "message": "Success"}))
    })
    .await;
    env.mount("status", 2, |p, v, n| {
        let second = json!({"walletId": "0903412002", "amount": 12000000, "amountAccepted": 12000000, "resultCode": "0", "paymentRef": "p2", "message": "ok"});
        let data = if n == 1 {
            // Only one wallet reported so far.
            json!([second])
        } else {
            json!([second, {"walletId": "+84903412001", "amount": 10000000, "amountAccepted": 0, "resultCode": "1007", "paymentRef": "p1", "message": "locked"}])
        };
        encrypted(p, json!({"requestId": v["requestId"], "resultCode": 0, "message": "Success", "data": data}))
    })
    .await;
    let out = env.client().pay_and_confirm(&spec_batch()).await.unwrap();
    let got: Vec<(&str, Option<ResultCode>)> = out
        .transfers
        .iter()
        .map(|t| (t.payment_ref.as_deref().unwrap(), t.result_code))
        .collect();
    assert_eq!(
        got,
        vec![
            ("p1", Some(ResultCode::WalletLocked)),
            ("p2", Some(ResultCode::Success))
        ]
    );
    assert_eq!(env.clock.sleeps().len(), 2);
}

#[tokio::test]
async fn pay_and_confirm_refuses_a_status_that_describes_another_batch() {
    for (i, line) in [
        // A wallet that is not in the batch.
        json!({"walletId": "0988000111", "amount": 10000000, "amountAccepted": 10000000, "resultCode": "0", "paymentRef": "x"}),
        // A wallet of the batch with another amount.
        json!({"walletId": "0903412001", "amount": 99, "amountAccepted": 99, "resultCode": "0", "paymentRef": "x"}),
        // The same wallet twice.
        json!({"walletId": "0903412002", "amount": 12000000, "amountAccepted": 12000000, "resultCode": "0", "paymentRef": "y"}),
    ]
    .into_iter()
    .enumerate()
    {
        let env = Env::new().await;
        env.mount("pay", 1, |p, v, _| {
            encrypted(p, json!({"requestId": v["requestId"], "resultCode": 0, "message": "Success"}))
        })
        .await;
        // Exactly one status query: a mismatch is not polled again.
        env.mount("status", 1, move |p, v, _| {
            let data = json!([
                {"walletId": "0903412002", "amount": 12000000, "amountAccepted": 12000000, "resultCode": "0", "paymentRef": "p2"},
                line.clone()
            ]);
            encrypted(p, json!({"requestId": v["requestId"], "resultCode": 0, "message": "Success", "data": data}))
        })
        .await;
        let err = env
            .client()
            .pay_and_confirm(&spec_batch())
            .await
            .unwrap_err();
        assert_eq!(unknown_id(&err), "req-1", "case {i}");
        let source = std::error::Error::source(&err).unwrap().to_string();
        assert!(source.contains("wallet"), "case {i}: {source}");
    }
}

#[tokio::test]
async fn pay_http_4xx_is_a_definite_refusal_and_pay_and_confirm_does_not_poll() {
    let env = Env::new().await;
    env.mount("pay", 2, |_, _, _| {
        ResponseTemplate::new(403).set_body_string("forbidden")
    })
    .await;
    env.mount("status", 0, |p, _, _| encrypted(p, json!({})))
        .await;
    let client = env.client();
    let err = client.pay(&spec_batch()).await.unwrap_err();
    assert_eq!(err.http_status_code(), Some(403), "{err:?}");
    let err = client.pay_and_confirm(&spec_batch()).await.unwrap_err();
    assert_eq!(err.http_status_code(), Some(403), "{err:?}");
    assert!(env.clock.sleeps().is_empty());
}

#[tokio::test]
async fn the_check_password_goes_on_status_and_get_trans_but_not_check_tran() {
    let env = Env::new().await;
    let ok = |p: &RecipientCert, v: &Value, _: usize| {
        encrypted(
            p,
            json!({"requestId": v["requestId"], "resultCode": 0, "message": "Success"}),
        )
    };
    let st = env.mount("status", 1, ok).await;
    let gt = env.mount("get-trans", 1, ok).await;
    let ct = env.mount("check-tran", 1, ok).await;
    let client = env
        .builder()
        .check_password(SecretString::from("12345678"))
        .build()
        .unwrap();
    client.status("wqrwpo2343240xsad213").await.unwrap();
    client
        .get_trans(time::macros::date!(2017 - 12 - 04))
        .await
        .unwrap();
    client.check_tran("123456").await.unwrap();
    assert_eq!(
        st.lock().unwrap()[0],
        json!({"requestId": "req-1", "checkRequestId": "wqrwpo2343240xsad213", "password": "12345678"})
    );
    assert_eq!(
        gt.lock().unwrap()[0],
        json!({"requestId": "req-2", "date": "2017-12-04", "password": "12345678"})
    );
    assert_eq!(
        ct.lock().unwrap()[0],
        json!({"requestId": "req-3", "paymentRef": "123456"})
    );
}

#[tokio::test]
async fn a_redirected_pay_is_not_posted_again_elsewhere() {
    // reqwest's default policy would re-POST the payout to the Location of a 307.
    let env = Env::new().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&elsewhere)
        .await;
    let location = format!("{}/api/payroll/pay", elsewhere.uri());
    env.mount("pay", 1, move |_, _, _| {
        ResponseTemplate::new(307).insert_header("location", location.as_str())
    })
    .await;
    let err = env.client().pay(&spec_batch()).await.unwrap_err();
    assert_eq!(err.http_status_code(), Some(307), "{err:?}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}
