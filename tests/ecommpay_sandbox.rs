//! The ecommpay client against `momo_sandbox::ecommpay` (written from the specs, not
//! from the client): Payment Page URL, sale, both callbacks, status; and the
//! sandbox's refusals.
#![cfg(feature = "ecommpay")]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use ecommpay_momopay::{
    AmountLimits, Callback, Client, Config, PaymentStatus, Purchase, RedirectAction, SaleRequest,
    verify_callback,
};
use momo_core::transport::json_post;
use momo_core::{BaseUrl, ErrorKind, ExposeSecret, ReqwestTransport, SecretString, Transport};
use momo_sandbox::ecommpay::{EcommpaySandbox, Outcome, codes};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

mod ecommpay_common;
use ecommpay_common::{return_urls, spec_customer};

fn client(sandbox: &EcommpaySandbox, secret: &str) -> Client {
    let base = BaseUrl::parse(&sandbox.uri()).unwrap();
    let config = Config::new(sandbox.project_id(), secret)
        .with_gate_base_url(base.clone())
        .with_page_base_url(base);
    Client::new(config).unwrap()
}

fn sale(payment_id: &str, amount: u64) -> SaleRequest {
    SaleRequest::builder(
        payment_id,
        amount,
        spec_customer(),
        "192.0.2.0".parse().unwrap(),
        return_urls("https://example.com"),
    )
    .amount_limits(AmountLimits::new(1, u64::MAX))
    .build()
    .unwrap()
}

async fn receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

async fn get(url: &str) -> u16 {
    let t = ReqwestTransport::new().unwrap();
    let req = momo_core::http::Request::get(url).body(Vec::new()).unwrap();
    t.send(req).await.unwrap().status().as_u16()
}

fn api_code_of(err: &momo_core::Error) -> Option<String> {
    std::error::Error::source(err)
        .and_then(|s| s.downcast_ref::<momo_core::Error>())
        .and_then(|e| e.api_code().map(str::to_owned))
}

#[tokio::test]
async fn page_url_sale_callbacks_and_status_succeed() {
    let sandbox = EcommpaySandbox::start().await;
    let secret = sandbox.secret().expose_secret().to_owned();
    let client = client(&sandbox, &secret);

    let purchase = Purchase::builder("order-1", 150_000, spec_customer())
        .description("Tea & cakes")
        .build()
        .unwrap();
    let url = client.payment_page_url(&purchase).unwrap();
    assert_eq!(get(url.as_str()).await, 200, "{url}");
    let tampered = url
        .as_str()
        .replace("payment_amount=150000", "payment_amount=100000");
    assert_eq!(get(&tampered).await, 400);

    let ack = client.sale(&sale("order-1", 150_000)).await.unwrap();
    assert!(ack.request_id.unwrap().ends_with("-00000001"));
    assert_eq!(
        sandbox.payment_status("order-1").as_deref(),
        Some("processing")
    );
    let st = client.status("order-1").await.unwrap();
    assert_eq!(st.payment_status(), Some(&PaymentStatus::Processing));

    let merchant = receiver().await;
    let callback_url = format!("{}/ecommpay/callback", merchant.uri());
    assert_eq!(
        sandbox
            .send_redirect_callback("order-1", &callback_url)
            .await
            .unwrap(),
        200
    );
    assert_eq!(
        sandbox
            .send_final_callback("order-1", Outcome::Success, &callback_url)
            .await
            .unwrap(),
        200
    );
    let received = merchant.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    let secret = SecretString::from(secret);
    let Callback::Redirect(r) = verify_callback(&secret, &received[0].body).unwrap() else {
        panic!("first callback is the redirect")
    };
    let RedirectAction::PostForm(html) = r.redirect.action().unwrap() else {
        panic!("the sandbox redirects by POST")
    };
    assert!(html.contains(&format!("action=\"{}/momopay/redirect\"", sandbox.uri())));
    let Callback::Final(f) = verify_callback(&secret, &received[1].body).unwrap() else {
        panic!("second callback is final")
    };
    assert_eq!(f.status, PaymentStatus::Success);
    assert_eq!(f.payment.sum.as_ref().unwrap().amount, 150_000);
    assert_eq!(f.operation.as_ref().unwrap().code.as_deref(), Some("0"));
    // Verifying with another secret fails.
    assert!(verify_callback(&SecretString::from("other"), &received[1].body).is_err());

    let st = client.status("order-1").await.unwrap();
    assert_eq!(st.payment_status(), Some(&PaymentStatus::Success));
    assert_eq!(st.operations[0].message.as_deref(), Some("Success"));
}

#[tokio::test]
async fn declined_payment() {
    let sandbox = EcommpaySandbox::start_with(1926, "another-secret").await;
    let client = client(&sandbox, "another-secret");
    client.sale(&sale("XPAY_1054", 110_000)).await.unwrap();
    let body = sandbox
        .final_callback("XPAY_1054", Outcome::Decline)
        .unwrap();
    let Callback::Final(f) = verify_callback(&"another-secret".into(), &body).unwrap() else {
        panic!()
    };
    assert_eq!(f.status, PaymentStatus::Decline);
    assert_eq!(f.project_id, Some(1926));
    assert_eq!(f.operation.as_ref().unwrap().code.as_deref(), Some("20000"));
    let st = client.status("XPAY_1054").await.unwrap();
    assert_eq!(st.payment_status(), Some(&PaymentStatus::Decline));
}

#[tokio::test]
async fn sandbox_refusals_reach_the_caller_with_status_and_code() {
    let sandbox = EcommpaySandbox::start().await;
    let secret = sandbox.secret().expose_secret().to_owned();
    let good = client(&sandbox, &secret);

    let err = client(&sandbox, "wrong-secret")
        .sale(&sale("p1", 150_000))
        .await
        .unwrap_err();
    assert_eq!(err.http_status_code(), Some(400));
    assert_eq!(api_code_of(&err).as_deref(), Some(codes::WRONG_SIGNATURE));

    good.sale(&sale("p1", 150_000)).await.unwrap();
    let err = good.sale(&sale("p1", 150_000)).await.unwrap_err();
    assert_eq!(api_code_of(&err).as_deref(), Some(codes::DUPLICATE_PAYMENT));

    // The client's limits were widened; the sandbox enforces the method's own.
    let err = good.sale(&sale("p2", 99_999)).await.unwrap_err();
    assert_eq!(err.http_status_code(), Some(400));
    assert_eq!(
        api_code_of(&err).as_deref(),
        Some(codes::AMOUNT_OR_CURRENCY)
    );

    let err = good.status("never-sold").await.unwrap_err();
    assert_eq!(err.http_status_code(), Some(404));
    assert_eq!(api_code_of(&err).as_deref(), Some(codes::PAYMENT_NOT_FOUND));

    let other_project = Client::new(
        Config::new(999, secret.as_str())
            .with_gate_base_url(BaseUrl::parse(&sandbox.uri()).unwrap()),
    )
    .unwrap();
    let err = other_project.status("p1").await.unwrap_err();
    assert_eq!(api_code_of(&err).as_deref(), Some(codes::UNKNOWN_PROJECT));

    let err = sandbox
        .final_callback("never-sold", Outcome::Success)
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidRequest { .. }));
}

/// POSTs `body` as it is to the sandbox's `path`; returns the HTTP status and the
/// answer's `code` (empty when absent).
async fn post_raw(sandbox: &EcommpaySandbox, path: &str, body: Vec<u8>) -> (u16, String) {
    let url = BaseUrl::parse(&sandbox.uri()).unwrap().join(path).unwrap();
    let r = ReqwestTransport::new()
        .unwrap()
        .send(json_post(&url, body).unwrap())
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(r.body()).unwrap();
    (
        r.status().as_u16(),
        v["code"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn sandbox_checks_the_raw_json() {
    let sandbox = EcommpaySandbox::start().await;
    let send = |body: Vec<u8>| post_raw(&sandbox, "v2/payment/status", body);
    assert_eq!(
        send(b"{not json".to_vec()).await,
        (400, codes::MALFORMED.to_owned())
    );
    let unsigned = json!({"general": {"project_id": 210, "payment_id": "p"}});
    assert_eq!(
        send(serde_json::to_vec(&unsigned).unwrap()).await,
        (400, codes::WRONG_SIGNATURE.to_owned())
    );
    // A signature at the top level instead of `general.signature` is refused.
    let sig = momo_sandbox::ecommpay::sign_params(sandbox.secret(), &unsigned).unwrap();
    let misplaced = json!({"general": {"project_id": 210, "payment_id": "p"}, "signature": sig});
    assert_eq!(
        send(serde_json::to_vec(&misplaced).unwrap()).await,
        (400, codes::WRONG_SIGNATURE.to_owned())
    );
    let placed = json!({"general": {"project_id": 210, "payment_id": "p", "signature": sig}});
    assert_eq!(
        send(serde_json::to_vec(&placed).unwrap()).await,
        (404, codes::PAYMENT_NOT_FOUND.to_owned())
    );
}

#[tokio::test]
async fn arc_transport_is_shared_between_clients() {
    // Clients are cheap to clone and share one transport.
    let sandbox = EcommpaySandbox::start().await;
    let transport: Arc<dyn Transport> = Arc::new(ReqwestTransport::new().unwrap());
    let config = Config::new(sandbox.project_id(), sandbox.secret().clone())
        .with_gate_base_url(BaseUrl::parse(&sandbox.uri()).unwrap());
    let a = Client::with_transport(config, transport);
    let b = a.clone();
    a.sale(&sale("shared", 200_000)).await.unwrap();
    assert_eq!(
        b.status("shared").await.unwrap().payment_status(),
        Some(&PaymentStatus::Processing)
    );
}

#[tokio::test]
async fn sandbox_page_enforces_the_momo_parameters_on_signed_urls() {
    use ecommpay_momopay::PageParams;
    let sandbox = EcommpaySandbox::start().await;
    let base = BaseUrl::parse(&sandbox.uri()).unwrap();
    let full = [
        ("project_id", "210"),
        ("payment_id", "page-1"),
        ("payment_amount", "150000"),
        ("payment_currency", "VND"),
        ("customer_id", "customer1"),
        ("customer_first_name", "John"),
        ("customer_last_name", "Doe"),
        ("customer_email", "johndoe@example.com"),
    ];
    let url_with = |replace: Option<(&str, &str)>, drop: Option<&str>| {
        let mut p = PageParams::new();
        for (k, v) in full {
            if Some(k) == drop {
                continue;
            }
            let v = match replace {
                Some((rk, rv)) if rk == k => rv,
                _ => v,
            };
            p.push(k, v).unwrap();
        }
        p.signed_url(&base, sandbox.secret()).unwrap().to_string()
    };
    assert_eq!(get(&url_with(None, None)).await, 200);
    for field in [
        "customer_id",
        "customer_first_name",
        "customer_last_name",
        "customer_email",
        "payment_currency",
    ] {
        assert_eq!(get(&url_with(None, Some(field))).await, 400, "{field}");
    }
    for (k, v) in [
        ("payment_currency", "EUR"),
        ("payment_amount", "99999"),
        ("payment_amount", "20000001"),
        ("payment_amount", "150000.5"),
        ("customer_email", " "),
        ("project_id", "211"),
    ] {
        assert_eq!(get(&url_with(Some((k, v)), None)).await, 400, "{k}={v}");
    }
}

#[tokio::test]
async fn sandbox_gate_refuses_tampered_and_deeply_nested_bodies() {
    let sandbox = EcommpaySandbox::start().await;
    let send = |body: Vec<u8>| post_raw(&sandbox, "v2/payment/wallet/momopay/sale", body);
    let unsigned = json!({
        "general": {"project_id": 210, "payment_id": "raw-1"},
        "payment": {"amount": 150000, "currency": "VND"},
        "customer": {"id": "c", "ip_address": "192.0.2.0", "first_name": "J", "last_name": "D", "email": "j@d.vn"},
        "return_url": {"success": "https://e.com/s", "decline": "https://e.com/d", "return": "https://e.com/r"}
    });
    let sig = momo_sandbox::ecommpay::sign_params(sandbox.secret(), &unsigned).unwrap();
    let mut tampered = unsigned.clone();
    tampered["payment"]["amount"] = json!(1_500_000);
    tampered["general"]["signature"] = json!(sig);
    assert_eq!(
        send(serde_json::to_vec(&tampered).unwrap()).await,
        (400, codes::WRONG_SIGNATURE.to_owned())
    );
    assert_eq!(sandbox.payment_status("raw-1"), None);
    let deep = format!(
        r#"{{"general":{{"signature":"x"}},"a":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(
        send(deep.into_bytes()).await,
        (400, codes::MALFORMED.to_owned())
    );
    let mut signed = unsigned;
    signed["general"]["signature"] = json!(sig);
    assert_eq!(
        send(serde_json::to_vec(&signed).unwrap()).await,
        (200, String::new())
    );
    assert_eq!(
        sandbox.payment_status("raw-1").as_deref(),
        Some("processing")
    );
}
