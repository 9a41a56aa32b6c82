//! ecommpay Payment Page URLs: the MoMo page's request (figure 4) as a typed
//! purchase, compared with the literal parameters and a signature over a string to
//! sign written out by hand.
#![cfg(feature = "ecommpay")]
#![allow(clippy::unwrap_used)]

use ecommpay_momopay::url;
use ecommpay_momopay::{AmountLimits, Client, Config, Customer, Purchase};
use momo_core::{BaseUrl, sign};

mod ecommpay_common;
use ecommpay_common::spec_customer;

fn client(secret: &str) -> Client {
    Client::new(Config::new(120, secret)).unwrap()
}

fn query(url: &url::Url) -> Vec<(String, String)> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn figure_4_as_a_typed_purchase() {
    let customer = Customer::new("customer1", "John", "Doe", "johndoe@example.com");
    let purchase = Purchase::builder("580", 1000, customer)
        .amount_limits(AmountLimits::new(1, 20_000_000))
        .force_payment_method(None)
        .build()
        .unwrap();
    let url = client("page-secret").payment_page_url(&purchase).unwrap();
    assert_eq!(url.scheme(), "https");
    assert_eq!(url.host_str(), Some("paymentpage.ecommpay.com"));
    assert_eq!(url.path(), "/payment");
    let signature = sign::hmac_sha512_base64(
        b"page-secret",
        b"customer_email:johndoe@example.com;customer_first_name:John;customer_id:customer1;customer_last_name:Doe;payment_amount:1000;payment_currency:VND;payment_id:580;project_id:120",
    );
    assert_eq!(
        query(&url),
        pairs(&[
            ("project_id", "120"),
            ("payment_id", "580"),
            ("payment_amount", "1000"),
            ("payment_currency", "VND"),
            ("customer_id", "customer1"),
            ("customer_first_name", "John"),
            ("customer_last_name", "Doe"),
            ("customer_email", "johndoe@example.com"),
            ("signature", &signature),
        ])
    );
}

#[test]
fn momopay_is_forced_by_default_and_optional_fields_are_signed_as_sent() {
    let purchase = Purchase::builder("order 9", 250_000, spec_customer())
        .description("Trà & bánh")
        .merchant_success_url("https://shop.example/ok?x=1")
        .param("frame_mode", "iframe")
        .param("card_operation_type", "sale")
        .build()
        .unwrap();
    let base = BaseUrl::parse("https://pp.example.test").unwrap();
    let config = Config::new(120, "s").with_page_base_url(base);
    let url = Client::new(config)
        .unwrap()
        .payment_page_url(&purchase)
        .unwrap();
    assert!(url.as_str().starts_with(
        "https://pp.example.test/payment?project_id=120&payment_id=order+9&payment_amount=250000&"
    ));
    // frame_mode is sent but never signed.
    let signature = sign::hmac_sha512_base64(
        b"s",
        "card_operation_type:sale;customer_email:johndoe@example.com;customer_first_name:John;customer_id:customer123;customer_last_name:Doe;force_payment_method:momopay;merchant_success_url:https://shop.example/ok?x=1;payment_amount:250000;payment_currency:VND;payment_description:Trà & bánh;payment_id:order 9;project_id:120".as_bytes(),
    );
    assert_eq!(
        query(&url),
        pairs(&[
            ("project_id", "120"),
            ("payment_id", "order 9"),
            ("payment_amount", "250000"),
            ("payment_currency", "VND"),
            ("customer_id", "customer123"),
            ("customer_first_name", "John"),
            ("customer_last_name", "Doe"),
            ("customer_email", "johndoe@example.com"),
            ("force_payment_method", "momopay"),
            ("payment_description", "Trà & bánh"),
            ("merchant_success_url", "https://shop.example/ok?x=1"),
            ("frame_mode", "iframe"),
            ("card_operation_type", "sale"),
            ("signature", &signature),
        ])
    );
    assert!(url.as_str().ends_with(&format!(
        "&signature={}",
        url::form_urlencoded::byte_serialize(signature.as_bytes()).collect::<String>()
    )));
}

#[test]
fn figure_4_amount_is_below_the_method_minimum() {
    let err = Purchase::builder("580", 1000, spec_customer())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("payment_amount"), "{err}");
}
