//! ecommpay callbacks: the digest's three known-answer callbacks, the MoMo page's
//! callback figures, and every way a body can be wrong.
//!
//! Bodies without a published signature are signed with the sandbox's own signer
//! (`momo_sandbox::ecommpay::sign_params`, written separately from the client).
#![cfg(feature = "ecommpay")]
#![allow(clippy::unwrap_used)]

use ecommpay_momopay::{
    Callback, OperationStatus, PaymentStatus, RedirectAction, RedirectMethod, verify_callback,
};
use momo_core::{ErrorKind, SecretString};
use momo_sandbox::ecommpay::sign_params;
use serde_json::{Value, json};

mod ecommpay_common;
use ecommpay_common::figure_10;

fn secret(s: &str) -> SecretString {
    SecretString::from(s)
}

const KNOWN_REDIRECT: &str = r#"{"general":{"signature":"Cm0L/+dLPg6Au/jEG0yr1FktzA1QwojRp95R9o5O4Wxx6MzjwTrso5B4rBXekM/fp5znut0WVGLFGG+TtJjuHQ=="},"redirectData":{"method":"GET","body":[],"encrypted":[],"url":"url data"},"payment":{"id":"qwerty123"}}"#;
const KNOWN_GENERAL: &str = r#"{"general":{"signature":"Rk9xmCfiv/BJbVrCz+oazsOOuiMqrktLVXruRLM9WJ2zmYvufwOS7uxz5Pd36kfKPqbBwKZjMs/EEzF/VsbbNw=="},"payment":{"id":"11","status":"success"},"provider_extra_fields":{"extended":{}}}"#;
const KNOWN_TOP_LEVEL: &str = r#"{"payment":{"id":"test-payment","status":"success"},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="}"#;

fn signed(secret_text: &str, mut body: Value) -> Vec<u8> {
    let sig = sign_params(&secret(secret_text), &body).unwrap();
    body.as_object_mut()
        .unwrap()
        .insert("signature".into(), json!(sig));
    serde_json::to_vec(&body).unwrap()
}

fn assert_signature_error(result: momo_core::Result<Callback>) {
    let err = result.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Signature(_)), "{err:?}");
}

fn assert_decode_error(result: momo_core::Result<Callback>) {
    let err = result.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err:?}");
}

#[test]
fn known_answer_redirect_with_general_signature_and_empty_body() {
    let cb = verify_callback(&secret("123"), KNOWN_REDIRECT.as_bytes()).unwrap();
    let Callback::Redirect(r) = cb else {
        panic!("{cb:?}")
    };
    assert_eq!(r.payment.as_ref().unwrap().id, "qwerty123");
    assert_eq!(r.redirect.method, RedirectMethod::Get);
    assert_eq!(r.redirect.url, "url data");
    assert!(r.redirect.body.is_empty(), "`\"body\": []` is no fields");
    // "url data" is not a URL: rendering refuses it rather than guessing.
    let err = r.redirect.action().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { path, .. } if path == "redirect_data.url"));
}

#[test]
fn known_answer_final_with_general_signature() {
    let cb = verify_callback(&secret("qwerty"), KNOWN_GENERAL.as_bytes()).unwrap();
    let Callback::Final(f) = cb else {
        panic!("{cb:?}")
    };
    assert_eq!(f.payment.id, "11");
    assert_eq!(f.status, PaymentStatus::Success);
    assert!(f.operation.is_none());
}

#[test]
fn known_answer_final_with_top_level_signature() {
    let cb = verify_callback(&secret("qwerty"), KNOWN_TOP_LEVEL.as_bytes()).unwrap();
    assert_eq!(cb.payment_id(), Some("test-payment"));
    let Callback::Final(f) = cb else {
        panic!("{cb:?}")
    };
    assert_eq!(f.status, PaymentStatus::Success);
}

#[test]
fn wrong_secret_is_refused() {
    assert_signature_error(verify_callback(
        &secret("qwertY"),
        KNOWN_TOP_LEVEL.as_bytes(),
    ));
    assert_signature_error(verify_callback(
        &secret("qwerty"),
        KNOWN_REDIRECT.as_bytes(),
    ));
}

#[test]
fn tampered_callbacks_are_refused() {
    for (from, to) in [
        (r#""status":"success""#, r#""status":"decline""#),
        (r#""id":"test-payment""#, r#""id":"test-payment2""#),
        (r#"{"payment""#, r#"{"extra":1,"payment""#),
        ("UGzKT0", "UGzKT1"),
    ] {
        let tampered = KNOWN_TOP_LEVEL.replace(from, to);
        assert_ne!(tampered, KNOWN_TOP_LEVEL);
        assert_signature_error(verify_callback(&secret("qwerty"), tampered.as_bytes()));
    }
    // A redirect target swapped for another is refused too.
    let tampered = KNOWN_REDIRECT.replace("url data", "https://evil.example/");
    assert_signature_error(verify_callback(&secret("123"), tampered.as_bytes()));
}

#[test]
fn unsigned_and_badly_signed_callbacks_are_refused() {
    assert_signature_error(verify_callback(
        &secret("qwerty"),
        br#"{"payment":{"id":"test-payment","status":"success"}}"#,
    ));
    assert_signature_error(verify_callback(
        &secret("qwerty"),
        br#"{"general":{},"payment":{"id":"test-payment","status":"success"}}"#,
    ));
    assert_signature_error(verify_callback(
        &secret("qwerty"),
        br#"{"payment":{"id":"test-payment","status":"success"},"signature":""}"#,
    ));
    assert_signature_error(verify_callback(
        &secret("qwerty"),
        br#"{"payment":{"id":"test-payment","status":"success"},"signature":12}"#,
    ));
    assert_signature_error(verify_callback(
        &secret("qwerty"),
        br#"{"payment":{"id":"test-payment","status":"success"},"signature":"%%% not base64"}"#,
    ));
}

#[test]
fn malformed_bodies_are_decode_errors_never_panics() {
    for body in [
        &b""[..],
        b"not json",
        b"{\"payment\":",
        b"[]",
        b"\"text\"",
        b"null",
        b"\xff\xfe\x00",
    ] {
        assert_decode_error(verify_callback(&secret("qwerty"), body));
    }
}

#[test]
fn a_float_cannot_be_signed_and_is_refused() {
    let body = br#"{"payment":{"id":"x","status":"success","sum":{"amount":1.5,"currency":"VND"}},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="}"#;
    assert_decode_error(verify_callback(&secret("qwerty"), body));
}

#[test]
fn verified_but_misshapen_callbacks_are_decode_errors() {
    // No payment at all.
    let body = signed("qwerty", json!({"project_id": 1}));
    assert_decode_error(verify_callback(&secret("qwerty"), &body));
    // No status in a final callback.
    let body = signed("qwerty", json!({"payment": {"id": "x"}}));
    let err = verify_callback(&secret("qwerty"), &body).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { path, .. } if path == "payment.status"));
    // redirect_data.body that is neither an object nor an empty array.
    let body = signed(
        "qwerty",
        json!({"payment": {"id": "x"}, "redirect_data": {"method": "GET", "url": "https://x.test/", "body": ["a"]}}),
    );
    assert_decode_error(verify_callback(&secret("qwerty"), &body));
}

#[test]
fn momo_page_success_callback_parses_fully() {
    let body = signed("project-secret", figure_10());
    let Callback::Final(f) = verify_callback(&secret("project-secret"), &body).unwrap() else {
        panic!()
    };
    assert_eq!(f.project_id, Some(1926));
    assert_eq!(f.status, PaymentStatus::Success);
    assert_eq!(f.payment.method.as_deref(), Some("momopay"));
    assert_eq!(f.payment.sum.as_ref().unwrap().amount, 110_000);
    assert_eq!(f.payment.sum.as_ref().unwrap().currency, "VND");
    let op = f.operation.as_ref().unwrap();
    assert_eq!(op.id.as_deref(), Some("18"));
    assert_eq!(op.status, Some(OperationStatus::Success));
    assert_eq!(op.code.as_deref(), Some("0"));
    assert_eq!(op.sum_converted.as_ref().unwrap().amount, 110_000);
    assert_eq!(
        op.provider.as_ref().unwrap().payment_id.as_deref(),
        Some("1615538057957")
    );
}

#[test]
fn momo_page_decline_callback_and_unknown_status() {
    let mut v = figure_10();
    v["payment"]["id"] = json!("XPAY_1054");
    v["payment"]["status"] = json!("decline");
    v["operation"]["status"] = json!("decline");
    v["operation"]["code"] = json!("20000");
    v["operation"]["message"] = json!("General decline");
    let body = signed("s", v.clone());
    let Callback::Final(f) = verify_callback(&secret("s"), &body).unwrap() else {
        panic!()
    };
    assert_eq!(f.status, PaymentStatus::Decline);
    assert_eq!(
        f.operation.unwrap().message.as_deref(),
        Some("General decline")
    );

    v["payment"]["status"] = json!("awaiting something new");
    let body = signed("s", v);
    let Callback::Final(f) = verify_callback(&secret("s"), &body).unwrap() else {
        panic!()
    };
    assert_eq!(
        f.status,
        PaymentStatus::Unknown("awaiting something new".into())
    );
}

#[test]
fn the_spec_figures_placeholder_signature_does_not_verify() {
    let mut v = figure_10();
    v["signature"] = json!("KMCoAR2yCd70I8VoAVT3NSF98zwoMfcDx2zwLixVsMW/Cvonik4A==");
    let body = serde_json::to_vec(&v).unwrap();
    assert_signature_error(verify_callback(&secret("anything"), &body));
}

#[test]
fn nested_signature_keys_are_removed_before_verifying() {
    // The signature of V5's parameters; extra `signature` keys deeper down are not signed.
    let body = br#"{"payment":{"id":"test-payment","status":"success","signature":"ignored"},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="}"#;
    assert!(verify_callback(&secret("qwerty"), body).is_ok());
}

#[test]
fn intermediate_post_callback_renders_an_escaped_self_submitting_form() {
    // Figure 9's redirect_data (Data shortened), with a hostile value added.
    let body = signed(
        "s",
        json!({
            "project_id": 1926,
            "payment": {"id": "1053", "status": "awaiting redirect result"},
            "redirect_data": {
                "body": {
                    "Data": "4dg65h72G63k68g61J6eK74I49h44i3dj41H43g50h30G30k30g33J26K43I75",
                    "Remarks": "\"><script>alert(1)</script>",
                    "EncryptText": "8F4AC9ED17D1579A7DE5121B16A45B4F"
                },
                "method": "POST",
                "url": "http://test.com/a/payment"
            }
        }),
    );
    let Callback::Redirect(r) = verify_callback(&secret("s"), &body).unwrap() else {
        panic!()
    };
    assert_eq!(
        r.payment.as_ref().unwrap().status,
        Some(PaymentStatus::AwaitingRedirectResult)
    );
    let RedirectAction::PostForm(html) = r.redirect.action().unwrap() else {
        panic!()
    };
    assert!(
        html.contains(r#"<form method="post" action="http://test.com/a/payment">"#),
        "{html}"
    );
    assert!(html.contains(
        r#"<input type="hidden" name="EncryptText" value="8F4AC9ED17D1579A7DE5121B16A45B4F">"#
    ));
    assert!(
        html.contains(r#"value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;""#),
        "{html}"
    );
    assert!(!html.contains("<script>alert"));
    assert!(
        html.contains(
            r#"<body onload="HTMLFormElement.prototype.submit.call(document.forms[0])">"#
        )
    );
}

#[test]
fn intermediate_get_callback_renders_a_url_with_fields_in_the_order_sent() {
    let unsigned = r#"{"payment":{"id":"1053","status":"awaiting redirect result"},"redirect_data":{"body":{"token":"a b&c","n":5},"method":"GET","url":"https://momo.example/pay?x=1"}}"#;
    let sig = sign_params(&secret("s"), &serde_json::from_str(unsigned).unwrap()).unwrap();
    let body = format!(
        "{},\"signature\":\"{sig}\"}}",
        &unsigned[..unsigned.len() - 1]
    );
    let Callback::Redirect(r) = verify_callback(&secret("s"), body.as_bytes()).unwrap() else {
        panic!()
    };
    let RedirectAction::Get(url) = r.redirect.action().unwrap() else {
        panic!()
    };
    assert_eq!(
        url.as_str(),
        "https://momo.example/pay?x=1&token=a+b%26c&n=5"
    );
}

/// `unsigned` (a JSON object written out) with `"signature":"<sig>"` appended as its
/// last member, where `sig` is the sandbox signer's signature of `signed_view`.
fn with_signature_of(unsigned: &str, signed_view: &str, secret_text: &str) -> String {
    let sig = sign_params(
        &secret(secret_text),
        &serde_json::from_str(signed_view).unwrap(),
    )
    .unwrap();
    let open = unsigned.strip_suffix('}').unwrap();
    format!(r#"{open},"signature":"{sig}"}}"#)
}

#[test]
fn a_repeated_form_field_is_refused_after_verification() {
    // JSON parsers keep the last of repeated keys, so the signature covers
    // `"Data":"signed"` only: the unsigned first `Data` must never reach the form.
    let signed_view = r#"{"payment":{"id":"1053","status":"awaiting redirect result"},"redirect_data":{"body":{"Data":"signed"},"method":"POST","url":"https://momo.example/pay"}}"#;
    let sent = r#"{"payment":{"id":"1053","status":"awaiting redirect result"},"redirect_data":{"body":{"Data":"injected","Data":"signed"},"method":"POST","url":"https://momo.example/pay"}}"#;
    let body = with_signature_of(sent, signed_view, "s");
    let err = verify_callback(&secret("s"), body.as_bytes()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Decode { path, message } if path == "redirect_data.body" && message.contains("repeated")),
        "{err:?}"
    );
    // The same body without the repeat verifies and keeps the field.
    let body = with_signature_of(signed_view, signed_view, "s");
    let Callback::Redirect(r) = verify_callback(&secret("s"), body.as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(
        r.redirect.body,
        vec![("Data".to_owned(), "signed".to_owned())]
    );
}

#[test]
fn both_spellings_of_the_redirect_object_are_refused() {
    let body = signed(
        "s",
        json!({
            "payment": {"id": "1"},
            "redirect_data": {"method": "GET", "url": "https://a.test/", "body": []},
            "redirectData": {"method": "GET", "url": "https://b.test/", "body": []}
        }),
    );
    assert_decode_error(verify_callback(&secret("s"), &body));
}

#[test]
fn redirect_with_an_empty_body_renders_the_bare_url_or_an_empty_form() {
    for empty in [json!([]), json!({}), Value::Null] {
        for method in ["GET", "POST"] {
            let body = signed(
                "s",
                json!({
                    "payment": {"id": "1053", "status": "awaiting redirect result"},
                    "redirect_data": {"body": empty, "method": method, "url": "https://momo.example/pay?t=1"}
                }),
            );
            let Callback::Redirect(r) = verify_callback(&secret("s"), &body).unwrap() else {
                panic!()
            };
            assert!(r.redirect.body.is_empty());
            match r.redirect.action().unwrap() {
                RedirectAction::Get(url) => {
                    assert_eq!(method, "GET");
                    assert_eq!(url.as_str(), "https://momo.example/pay?t=1");
                }
                RedirectAction::PostForm(html) => {
                    assert_eq!(method, "POST");
                    assert!(
                        html.contains(
                            r#"<form method="post" action="https://momo.example/pay?t=1">"#
                        ),
                        "{html}"
                    );
                    assert!(!html.contains("<input"), "{html}");
                }
            }
        }
    }
}

#[test]
fn a_field_named_submit_cannot_stop_the_form() {
    let body = signed(
        "s",
        json!({
            "payment": {"id": "1"},
            "redirect_data": {"body": {"submit": "x"}, "method": "POST", "url": "https://momo.example/pay"}
        }),
    );
    let Callback::Redirect(r) = verify_callback(&secret("s"), &body).unwrap() else {
        panic!()
    };
    let RedirectAction::PostForm(html) = r.redirect.action().unwrap() else {
        panic!()
    };
    // `form.submit` would be the input named `submit`; the prototype's method is not.
    assert!(html.contains(r#"<input type="hidden" name="submit" value="x">"#));
    assert!(html.contains("HTMLFormElement.prototype.submit.call(document.forms[0])"));
    assert!(!html.contains("forms[0].submit()"), "{html}");
}

#[test]
fn signatures_inside_arrays_are_removed_before_verifying() {
    // V4 of the digest (secret `qwerty`), with `signature` keys added inside the
    // `errors` array and its nested `description` array: none is signed.
    let body = br#"{"payment":{"id":"test-payment"},"errors":[{"code":"123","message":"grand crash","signature":"a","description":["description-str",{"description1":1,"signature":"b"}]},{"code":"456","message":"minor crash","description":null,"signature":{"c":1}}],"signature":"dxjnun8oySSl0CWlhhjy/k1V9CZcCtaHvu/Y5qJQbWHq8wd6TqTUt4bIfHrlWxT8ba9NOJfkgGHrGc5OgyQVGA=="}"#;
    // V4 has no payment status: verified, then refused as a final callback without one.
    let err = verify_callback(&secret("qwerty"), body).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Decode { path, .. } if path == "payment.status"),
        "{err:?}"
    );
    // With another secret the same body fails at the signature, before any parsing.
    assert_signature_error(verify_callback(&secret("qwertz"), body));
}

#[test]
fn deeply_nested_bodies_are_refused_without_overflowing_the_stack() {
    let deep = format!(
        r#"{{"payment":{{"id":"1","status":"success"}},"x":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let err = verify_callback(&secret("qwerty"), deep.as_bytes()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("recursion limit"), "{err}");
    let deep_objects = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    assert_decode_error(verify_callback(&secret("qwerty"), deep_objects.as_bytes()));
}
