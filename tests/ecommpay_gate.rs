//! ecommpay Gate (`sale`, `status`, the polling helper) against wiremock: the raw
//! request JSON is compared with literal JSON from the MoMo page, and signatures with
//! HMAC-SHA512 of a string to sign written out by hand.
#![cfg(feature = "ecommpay")]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use ecommpay_momopay::{
    AmountLimits, Client, Config, Customer, PaymentStatus, PollOptions, PollOutcome, ReturnUrls,
    SaleRequest,
};
use momo_core::id::ManualClock;
use momo_core::{BaseUrl, Clock, ErrorKind, ReqwestTransport, RetryPolicy, SystemClock, sign};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

mod ecommpay_common;
use ecommpay_common::{figure_10, return_urls, spec_customer};

const SECRET: &str = "qwerty";

fn client_for(server: &MockServer) -> Client {
    client_with(server, 3, Duration::from_secs(10))
}

/// A client of `server` making up to `attempts` attempts (idempotent calls), each
/// timing out after `timeout`.
fn client_with(server: &MockServer, attempts: u32, timeout: Duration) -> Client {
    let config = Config::new(210, SECRET)
        .with_gate_base_url(BaseUrl::parse(&server.uri()).unwrap())
        .with_retry(RetryPolicy {
            max_attempts: attempts,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        });
    let transport = Arc::new(ReqwestTransport::with_timeout(timeout).unwrap());
    Client::with_transport(config, transport)
}

/// The MoMo page's Gate example (figure 8): 1000 VND, below the method's published
/// minimum, so the test widens the limits to send it as printed.
fn spec_sale() -> SaleRequest {
    SaleRequest::builder(
        "test_payment",
        1000,
        spec_customer(),
        "192.0.2.0".parse().unwrap(),
        return_urls("https://example.com"),
    )
    .amount_limits(AmountLimits::new(1, 20_000_000))
    .build()
    .unwrap()
}

fn only_request(requests: &[Request]) -> Value {
    assert_eq!(requests.len(), 1, "exactly one request");
    serde_json::from_slice(&requests[0].body).unwrap()
}

fn ack() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "status": "success",
        "request_id": "48be0494d37ab7106325f4eb16597a0d0-00000001",
        "project_id": 210,
        "payment_id": "test_payment"
    }))
}

#[tokio::test]
async fn sale_sends_the_spec_body_signed_at_general_signature() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/payment/wallet/momopay/sale"))
        .respond_with(ack())
        .expect(1)
        .mount(&server)
        .await;
    let got = client_for(&server).sale(&spec_sale()).await.unwrap();
    assert_eq!(
        got.request_id.as_deref(),
        Some("48be0494d37ab7106325f4eb16597a0d0-00000001")
    );
    assert_eq!(got.payment_id.as_deref(), Some("test_payment"));
    assert_eq!(got.project_id, Some(210));

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].headers["content-type"], "application/json");
    assert_eq!(requests[0].headers["accept"], "application/json");
    let mut body = only_request(&requests);
    let signature = body["general"]
        .as_object_mut()
        .unwrap()
        .remove("signature")
        .unwrap();
    // Figure 8 of the MoMo page, without its (placeholder) signature.
    assert_eq!(
        body,
        json!({
          "general": {"project_id": 210, "payment_id": "test_payment"},
          "payment": {"amount": 1000, "currency": "VND"},
          "customer": {
            "id": "customer123",
            "ip_address": "192.0.2.0",
            "first_name": "John",
            "last_name": "Doe",
            "email": "johndoe@example.com"
          },
          "return_url": {
            "success": "https://example.com/success",
            "decline": "https://example.com/decline",
            "return": "https://example.com/return"
          }
        })
    );
    let string_to_sign = "customer:email:johndoe@example.com;customer:first_name:John;customer:id:customer123;customer:ip_address:192.0.2.0;customer:last_name:Doe;general:payment_id:test_payment;general:project_id:210;payment:amount:1000;payment:currency:VND;return_url:decline:https://example.com/decline;return_url:return:https://example.com/return;return_url:success:https://example.com/success";
    assert_eq!(
        signature,
        json!(sign::hmac_sha512_base64(
            SECRET.as_bytes(),
            string_to_sign.as_bytes()
        ))
    );
}

#[tokio::test]
async fn sale_with_callback_url_puts_it_in_general_and_signs_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ack())
        .mount(&server)
        .await;
    let sale = SaleRequest::builder(
        "order-7",
        150_000,
        Customer::new("c7", "Lan", "Nguyen", "lan@example.vn"),
        "2001:db8::1".parse().unwrap(),
        return_urls("https://shop.example"),
    )
    .merchant_callback_url("https://shop.example/cb")
    .build()
    .unwrap();
    client_for(&server).sale(&sale).await.unwrap();
    let body = only_request(&server.received_requests().await.unwrap());
    let expected_sig = sign::hmac_sha512_base64(
        SECRET.as_bytes(),
        b"customer:email:lan@example.vn;customer:first_name:Lan;customer:id:c7;customer:ip_address:2001:db8::1;customer:last_name:Nguyen;general:merchant_callback_url:https://shop.example/cb;general:payment_id:order-7;general:project_id:210;payment:amount:150000;payment:currency:VND;return_url:decline:https://shop.example/decline;return_url:return:https://shop.example/return;return_url:success:https://shop.example/success",
    );
    assert_eq!(
        body,
        json!({
          "general": {"project_id": 210, "payment_id": "order-7", "merchant_callback_url": "https://shop.example/cb", "signature": expected_sig},
          "payment": {"amount": 150000, "currency": "VND"},
          "customer": {"id": "c7", "ip_address": "2001:db8::1", "first_name": "Lan", "last_name": "Nguyen", "email": "lan@example.vn"},
          "return_url": {"success": "https://shop.example/success", "decline": "https://shop.example/decline", "return": "https://shop.example/return"}
        })
    );
}

#[tokio::test]
async fn invalid_sales_are_refused_before_any_io() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ack())
        .expect(0)
        .mount(&server)
        .await;
    let urls = ReturnUrls {
        success: "https://e.com/s".into(),
        decline: "https://e.com/d".into(),
        return_url: "https://e.com/r".into(),
    };
    let cust = Customer::new("c", "J", "D", "j@d.vn");
    let ip = "192.0.2.0".parse().unwrap();
    let cases = [
        (
            SaleRequest::builder("p", 99_999, cust.clone(), ip, urls.clone()).build(),
            "payment.amount",
        ),
        (
            SaleRequest::builder("p", 20_000_001, cust.clone(), ip, urls.clone()).build(),
            "payment.amount",
        ),
        (
            SaleRequest::builder("", 100_000, cust.clone(), ip, urls.clone()).build(),
            "general.payment_id",
        ),
        (
            SaleRequest::builder(
                "p",
                100_000,
                Customer::new("c", "J", "D", "j.d.vn"),
                ip,
                urls.clone(),
            )
            .build(),
            "customer.email",
        ),
        (
            SaleRequest::builder(
                "p",
                100_000,
                Customer::new("c", "", "D", "j@d.vn"),
                ip,
                urls.clone(),
            )
            .build(),
            "customer.first_name",
        ),
        (
            SaleRequest::builder(
                "p",
                100_000,
                cust.clone(),
                ip,
                ReturnUrls {
                    decline: "javascript:alert(1)".into(),
                    ..urls.clone()
                },
            )
            .build(),
            "return_url.decline",
        ),
    ];
    for (result, field) in cases {
        let err = result.unwrap_err();
        match err.kind() {
            ErrorKind::InvalidRequest { field: f, .. } => assert_eq!(f, field),
            other => panic!("{other:?}"),
        }
    }
    // A blank payment id for status is refused too.
    let err = client_for(&server).status(" ").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidRequest { .. }));
}

#[tokio::test]
async fn sale_400_keeps_status_code_and_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": "error", "request_id": "", "project_id": 210, "payment_id": "test_payment",
            "code": "1001", "message": "Wrong signature"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client_for(&server).sale(&spec_sale()).await.unwrap_err();
    assert_eq!(err.http_status_code(), Some(400));
    assert_eq!(
        err.api_code(),
        Some("1001"),
        "the code is reachable from the top"
    );
    assert_eq!(err.api_name(), Some("ecommpay"));
    assert_eq!(err.operation(), Some("sale"));
    let ErrorKind::HttpStatus { body_snippet, .. } = err.kind() else {
        panic!("{err:?}")
    };
    assert!(body_snippet.contains("Wrong signature"));
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<momo_core::Error>())
        .expect("code and message kept as source");
    assert_eq!(source.api_code(), Some("1001"));
    assert!(source.to_string().contains("Wrong signature"));
    assert!(!err.to_string().contains(SECRET));
}

#[tokio::test]
async fn sale_500_is_outcome_unknown_and_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal error"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client_for(&server).sale(&spec_sale()).await.unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::OutcomeUnknown {
            request_id: "test_payment".into()
        }
    );
}

#[tokio::test]
async fn sale_2xx_error_status_is_an_api_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "error", "code": "3002", "message": "Payment already exists",
            "project_id": 210, "payment_id": "test_payment"
        })))
        .mount(&server)
        .await;
    let err = client_for(&server).sale(&spec_sale()).await.unwrap_err();
    assert_eq!(err.api_code(), Some("3002"));
    assert!(err.to_string().contains("Payment already exists"), "{err}");
}

#[tokio::test]
async fn sale_malformed_2xx_is_outcome_unknown_with_the_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"status\": "))
        .mount(&server)
        .await;
    let err = client_for(&server).sale(&spec_sale()).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { .. }),
        "{err:?}"
    );
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<momo_core::Error>())
        .unwrap();
    assert!(matches!(source.kind(), ErrorKind::Decode { .. }));
}

#[tokio::test]
async fn sale_timeout_is_outcome_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ack().set_delay(Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    let err = client_with(&server, 3, Duration::from_millis(200))
        .sale(&spec_sale())
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { request_id } if request_id == "test_payment")
    );
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<momo_core::Error>())
        .unwrap();
    assert!(source.is_timeout());
}

/// A status answer as the digest describes it: figure 10's payment (with `status`)
/// and its operation in `operations`, plus `customer`, `account` and `errors`.
fn status_body(status: &str) -> Value {
    let mut v = figure_10();
    let map = v.as_object_mut().unwrap();
    let operation = map.remove("operation").unwrap();
    map.insert("operations".into(), json!([operation]));
    map.insert("customer".into(), json!({"id": "customer123"}));
    map.insert("account".into(), json!({"number": "0912345678"}));
    map.insert("errors".into(), json!([]));
    v["project_id"] = json!(210);
    v["payment"]["id"] = json!("test_payment");
    v["payment"]["status"] = json!(status);
    v
}

#[tokio::test]
async fn status_sends_the_signed_general_object_and_decodes_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/payment/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("success")))
        .expect(1)
        .mount(&server)
        .await;
    let r = client_for(&server).status("test_payment").await.unwrap();
    let body = only_request(&server.received_requests().await.unwrap());
    let sig = sign::hmac_sha512_base64(
        SECRET.as_bytes(),
        b"general:payment_id:test_payment;general:project_id:210",
    );
    assert_eq!(
        body,
        json!({"general": {"project_id": 210, "payment_id": "test_payment", "signature": sig}})
    );
    assert_eq!(r.payment_status(), Some(&PaymentStatus::Success));
    let p = r.payment.as_ref().unwrap();
    assert_eq!(p.sum.as_ref().unwrap().amount, 110_000);
    assert_eq!(p.method.as_deref(), Some("momopay"));
    assert_eq!(r.operations.len(), 1);
    assert_eq!(r.operations[0].code.as_deref(), Some("0"));
    assert_eq!(
        r.operations[0]
            .provider
            .as_ref()
            .unwrap()
            .payment_id
            .as_deref(),
        Some("1615538057957")
    );
    assert_eq!(r.account.as_ref().unwrap()["number"], "0912345678");
}

#[tokio::test]
async fn status_is_retried_after_a_500() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("busy"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("processing")))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let r = client_for(&server)
        .with_clock(clock.clone())
        .status("test_payment")
        .await
        .unwrap();
    assert_eq!(r.payment_status(), Some(&PaymentStatus::Processing));
    assert_eq!(clock.sleeps().len(), 1, "one back-off before the retry");
}

#[tokio::test]
async fn status_errors_404_malformed_and_unknown_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "status": "error", "code": "3061", "message": "Transaction not found"
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>not json</html>"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "project_id": 210,
            "payment": {"id": "test_payment", "status": "on hold"},
            "operations": [{"id": "op-1", "sum_initial": {"amount": 1.5, "currency": "VND"}}]
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "project_id": 210,
            "payment": {"id": "test_payment", "status": "on hold"}
        })))
        .mount(&server)
        .await;
    let client = client_for(&server);
    let err = client.status("test_payment").await.unwrap_err();
    assert_eq!(err.http_status_code(), Some(404));
    assert_eq!(err.operation(), Some("status"));
    let err = client.status("test_payment").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err:?}");
    let err = client.status("test_payment").await.unwrap_err();
    match err.kind() {
        ErrorKind::Decode { path, .. } => assert_eq!(path, "operations[0].sum_initial.amount"),
        other => panic!("{other:?}"),
    }
    let r = client.status("test_payment").await.unwrap();
    assert_eq!(
        r.payment_status(),
        Some(&PaymentStatus::Unknown("on hold".into()))
    );
}

#[tokio::test]
async fn polling_waits_10s_then_checks_until_final() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("processing")))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("success")))
        .mount(&server)
        .await;
    let start = SystemClock.now();
    let clock = Arc::new(ManualClock::new(start));
    let outcome = client_for(&server)
        .with_clock(clock.clone())
        .wait_for_final_status("test_payment", start, PollOptions::default())
        .await
        .unwrap();
    assert!(matches!(outcome, PollOutcome::Final(_)));
    assert_eq!(outcome.status(), PaymentStatus::Success);
    assert_eq!(
        clock.sleeps(),
        vec![
            Duration::from_secs(10),
            Duration::from_secs(30),
            Duration::from_secs(30)
        ]
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn polling_gives_up_as_declined_after_the_threshold() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(status_body("awaiting redirect result")),
        )
        .mount(&server)
        .await;
    let start = SystemClock.now();
    let clock = Arc::new(ManualClock::new(start));
    let options = PollOptions {
        interval: Duration::from_secs(5 * 60),
        ..PollOptions::default()
    };
    let outcome = client_for(&server)
        .with_clock(clock.clone())
        .wait_for_final_status("test_payment", start, options)
        .await
        .unwrap();
    let PollOutcome::ThresholdPassed { last } = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        last.as_ref().unwrap().payment_status(),
        Some(&PaymentStatus::AwaitingRedirectResult)
    );
    assert_eq!(outcome.status(), PaymentStatus::Decline);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps[0], Duration::from_secs(10));
    // Waited exactly up to the 30-minute threshold, never past it.
    assert_eq!(
        sleeps.iter().sum::<Duration>(),
        Duration::from_secs(30 * 60)
    );
    // Checks at 10 s, 5:10, 10:10, ..., 25:10, and at 30:00.
    assert_eq!(server.received_requests().await.unwrap().len(), 7);
}

#[tokio::test]
async fn polling_refuses_a_first_check_sooner_than_10s_and_skips_time_already_waited() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("decline")))
        .mount(&server)
        .await;
    let now = SystemClock.now();
    let clock = Arc::new(ManualClock::new(now));
    let client = client_for(&server).with_clock(clock.clone());
    let err = client
        .wait_for_final_status(
            "test_payment",
            now,
            PollOptions {
                first_check_after: Duration::from_secs(9),
                ..PollOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "first_check_after")
    );
    assert!(server.received_requests().await.unwrap().is_empty());
    // The sale was 15 s ago: check at once.
    let outcome = client
        .wait_for_final_status(
            "test_payment",
            now - Duration::from_secs(15),
            PollOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(outcome.status(), PaymentStatus::Decline);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn status_timeout_is_a_timeout_error_after_the_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(status_body("success"))
                .set_delay(Duration::from_secs(5)),
        )
        .expect(2)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let err = client_with(&server, 2, Duration::from_millis(200))
        .with_clock(clock)
        .status("test_payment")
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.operation(), Some("status"));
}

#[tokio::test]
async fn sale_ack_with_an_unknown_status_is_outcome_unknown_not_a_refusal() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "queued", "request_id": "r-9", "project_id": 210, "payment_id": "test_payment"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client_for(&server).sale(&spec_sale()).await.unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::OutcomeUnknown {
            request_id: "test_payment".into()
        }
    );
    assert_eq!(err.operation(), Some("sale"));
}

#[tokio::test]
async fn sale_4xx_bodies_without_code_or_with_an_errors_list() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string("<html>Bad Request</html>"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "status": "error",
            "errors": [{"code": 2003, "message": "Invalid parameter", "field": "customer.email", "description": null}]
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let client = client_for(&server);

    let err = client.sale(&spec_sale()).await.unwrap_err();
    assert_eq!(err.http_status_code(), Some(400));
    assert!(
        err.to_string().contains("<html>Bad Request</html>"),
        "{err}"
    );
    assert!(
        std::error::Error::source(&err).is_none(),
        "no code to report"
    );

    let err = client.sale(&spec_sale()).await.unwrap_err();
    assert_eq!(err.http_status_code(), Some(422));
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<momo_core::Error>())
        .expect("the first error's code and message");
    assert_eq!(source.api_code(), Some("2003"));
    assert!(source.to_string().contains("Invalid parameter"), "{source}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn polling_refuses_inconsistent_or_overflowing_timings_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_body("success")))
        .expect(0)
        .mount(&server)
        .await;
    let now = SystemClock.now();
    let client = client_for(&server).with_clock(Arc::new(ManualClock::new(now)));
    for (options, field) in [
        (
            PollOptions {
                threshold: Duration::from_secs(5),
                ..PollOptions::default()
            },
            "threshold",
        ),
        (
            PollOptions {
                interval: Duration::ZERO,
                ..PollOptions::default()
            },
            "interval",
        ),
        (
            PollOptions {
                threshold: Duration::MAX,
                ..PollOptions::default()
            },
            "threshold",
        ),
        (
            PollOptions {
                first_check_after: Duration::MAX,
                threshold: Duration::MAX,
                ..PollOptions::default()
            },
            "first_check_after",
        ),
    ] {
        let err = client
            .wait_for_final_status("test_payment", now, options)
            .await
            .unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidRequest { field: f, .. } if f == field),
            "{options:?}: {err:?}"
        );
    }
}
