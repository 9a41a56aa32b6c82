//! `momo ecommpay sign | verify-callback | payment-url`, driven through the binary with
//! the known-answer vectors of `ecommpay.signing-and-gate.md` (expected text copied
//! from the digest).
#![allow(clippy::unwrap_used)]

mod common;
use std::process::{Command, Output, Stdio};

fn momo(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_momo"))
        .arg("ecommpay")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::feed_stdin(child.stdin.take().unwrap(), stdin);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Exit 1 with a message, never a panic.
fn assert_refused(o: &Output) {
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let all = format!("{}{}", stdout(o), stderr(o));
    assert!(!all.trim().is_empty(), "a reason is printed");
    assert!(!all.contains("panicked"), "{all}");
}

const VECTORS: &[(&str, &str, &str)] = &[
    (
        "V1",
        "secret",
        r#"{"customer":{"project_id":0,"id":"sutm_id"},"card":{"pan":"4242424242424242","year":2020,"month":8,"card_holder":"John Smith","cvv":"123","save":true},"frame_mode":"popup"}"#,
    ),
    (
        "V2",
        "secret",
        r#"{"payment":{"id":"000049","status":"success"}}"#,
    ),
    (
        "V3",
        "qwerty",
        r#"{"payment":{"id":"test-payment","status":"success"},"some_bool_param":true,"frame_mode":"popup"}"#,
    ),
    (
        "V4",
        "qwerty",
        r#"{"payment":{"id":"test-payment"},"errors":[{"code":"123","message":"grand crash","description":["description-str",{"description1":1}]},{"code":"456","message":"minor crash","description":null}]}"#,
    ),
    (
        "V5",
        "qwerty",
        r#"{"payment":{"id":"test-payment","status":"success"}}"#,
    ),
    (
        "V7",
        "qwerty",
        r#"{"project_id":11,"payment_currency":"EUR","frame_mode":"popup","some_bool_param":true,"two_levels_param":{"param1":1,"param2":2}}"#,
    ),
    (
        "V8",
        "qwerty",
        r#"{"payment":{"id":"test.test-payment","status":"success","valid":true},"some-data":1234,"frame_mode":"popup"}"#,
    ),
];

const SIGNATURES: &[&str] = &[
    "lY0LTSAzpR7zGce5qfYGacOuYlHGWqkMcQlqmjlsDDZI2gVcE1qVeWANnkIR7mdOqRXJnL1kO0lUmkQ0YYLWRg==",
    "/3TrhHVz9BHaLfgLyhoxO7dsQNzbzZa/TdO3pxQocXWwgVM6tGlzMLVfpOxFNTnkR9iiFVK/77ZedMcbkCjmng==",
    "TZS0J65ReNUMgKzeXUey9xOGGyC7r4OhsFXt/3H8XZM2Le8Wot2E1NIjeSPOyV1F3sUU6F3kfo9om2dhbe3ieA==",
    "dxjnun8oySSl0CWlhhjy/k1V9CZcCtaHvu/Y5qJQbWHq8wd6TqTUt4bIfHrlWxT8ba9NOJfkgGHrGc5OgyQVGA==",
    "UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg==",
    "ehwG+e+Sq6b0QEek2hmHGUFzViX9/Xfcgnh0Ysn1+AqCY8BsKhC/Vcyr4XH8CKXW3iS0vW9S2mTwOt/0Ozf5pg==",
    "Z0YwpWdNwBspA/6wicHVr4f6n0xMFuyZnAlIxnO86Zu/EIo3FZUEntClEVjulKpBrVF+HlyPEK1X41iCjbFgWg==",
];

#[test]
fn sign_prints_every_known_answer_signature() {
    for ((name, secret, params), expected) in VECTORS.iter().zip(SIGNATURES) {
        let out = momo(&["sign", "--secret", secret], params.as_bytes());
        assert!(out.status.success(), "{name}: {out:?}");
        assert_eq!(stdout(&out), format!("{expected}\n"), "{name}");
    }
}

#[test]
fn sign_refuses_bad_input_with_exit_1() {
    for input in [
        &b""[..],
        b"not json",
        b"[1,2]",
        b"{\"amount\": 10.5}",
        b"\xff\xfe",
    ] {
        let out = momo(&["sign", "--secret", "s"], input);
        assert_refused(&out);
        assert!(stderr(&out).starts_with("momo: "), "{out:?}");
    }
    let out = momo(&["sign", "--secret", "s"], b"{\"amount\": 10.5}");
    assert!(stderr(&out).contains("non-integer"), "{out:?}");
}

#[test]
fn verify_callback_accepts_the_known_answer_callbacks() {
    let cases = [
        (
            "123",
            r#"{"general":{"signature":"Cm0L/+dLPg6Au/jEG0yr1FktzA1QwojRp95R9o5O4Wxx6MzjwTrso5B4rBXekM/fp5znut0WVGLFGG+TtJjuHQ=="},"redirectData":{"method":"GET","body":[],"encrypted":[],"url":"url data"},"payment":{"id":"qwerty123"}}"#,
        ),
        (
            "qwerty",
            r#"{"general":{"signature":"Rk9xmCfiv/BJbVrCz+oazsOOuiMqrktLVXruRLM9WJ2zmYvufwOS7uxz5Pd36kfKPqbBwKZjMs/EEzF/VsbbNw=="},"payment":{"id":"11","status":"success"},"provider_extra_fields":{"extended":{}}}"#,
        ),
        (
            "qwerty",
            r#"{"payment":{"id":"test-payment","status":"success"},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="}"#,
        ),
    ];
    for (secret, body) in cases {
        let out = momo(&["verify-callback", "--secret", secret], body.as_bytes());
        assert!(out.status.success(), "{out:?}");
        assert_eq!(stdout(&out), "valid\n");
    }
}

#[test]
fn verify_callback_refuses_tampered_unsigned_wrong_secret_and_garbage() {
    let good = r#"{"payment":{"id":"test-payment","status":"success"},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="}"#;
    let tampered = good.replace("success", "decline");
    let out = momo(
        &["verify-callback", "--secret", "qwerty"],
        tampered.as_bytes(),
    );
    assert_refused(&out);
    assert!(stdout(&out).contains("signature"), "{out:?}");
    assert!(!stdout(&out).contains("valid\n"));

    let out = momo(&["verify-callback", "--secret", "wrong"], good.as_bytes());
    assert_refused(&out);

    let out = momo(
        &["verify-callback", "--secret", "qwerty"],
        br#"{"payment":{"id":"test-payment","status":"success"}}"#,
    );
    assert_refused(&out);
    assert!(stdout(&out).contains("unsigned"), "{out:?}");

    for garbage in [&b""[..], b"{", b"[]", b"\x00\x01", b"42"] {
        assert_refused(&momo(&["verify-callback", "--secret", "qwerty"], garbage));
    }
}

const KNOWN_URL: &str = "https://paymentpage.ecommpay.com/payment?project_id=100&interface_type=%7B%22id%22%3A23%7D&payment_id=test+payment+id&payment_description=B%26W&signature=97JFQpAyJ4HPfGVedJh0M1MqQDOFt%2FMCbdh8VrsT7DdRyTBDAF2mvUOsDANx1ZPfbvZg0%2BVUbF43xJnq0jEeLA%3D%3D";

#[test]
fn payment_url_reproduces_the_known_answer_url() {
    for input in [
        r#"{"project_id":100,"interface_type":{"id":23},"payment_id":"test payment id","payment_description":"B&W"}"#,
        r#"{"project_id":100,"interface_type":"{\"id\":23}","payment_id":"test payment id","payment_description":"B&W"}"#,
    ] {
        let out = momo(&["payment-url", "--secret", "secret"], input.as_bytes());
        assert!(out.status.success(), "{out:?}");
        assert_eq!(stdout(&out), format!("{KNOWN_URL}\n"));
    }
    let out = momo(
        &[
            "payment-url",
            "--secret",
            "secret",
            "--base-url",
            "https://paymentpage.ecommpay.com/payment",
        ],
        br#"{"project_id":100,"interface_type":{"id":23},"payment_id":"test payment id","payment_description":"B&W"}"#,
    );
    assert_eq!(stdout(&out), format!("{KNOWN_URL}\n"));
}

#[test]
fn payment_url_keeps_order_and_honours_base_url() {
    let out = momo(
        &[
            "payment-url",
            "--secret",
            "secret",
            "--base-url",
            "http://127.0.0.1:8080",
        ],
        br#"{"payment_id":"p 1","project_id":100,"force_payment_method":"momopay"}"#,
    );
    assert!(out.status.success(), "{out:?}");
    let url = stdout(&out);
    // The signature of the string to sign written out (sorted; the URL keeps the order
    // given), percent-encoded by hand.
    let signature = momo_core::sign::hmac_sha512_base64(
        b"secret",
        b"force_payment_method:momopay;payment_id:p 1;project_id:100",
    )
    .replace('+', "%2B")
    .replace('/', "%2F")
    .replace('=', "%3D");
    assert_eq!(
        url,
        format!(
            "http://127.0.0.1:8080/payment?payment_id=p+1&project_id=100&force_payment_method=momopay&signature={signature}\n"
        )
    );
}

#[test]
fn payment_url_refuses_bad_input_with_exit_1() {
    let params = br#"{"project_id":100}"#;
    for base in [
        "http://paymentpage.ecommpay.com",
        "not a url",
        "ftp://x.test",
    ] {
        let out = momo(
            &["payment-url", "--secret", "s", "--base-url", base],
            params,
        );
        assert_refused(&out);
    }
    for input in [
        &b"[]"[..],
        b"",
        b"{\"a\":1.25}",
        b"{\"signature\":\"x\"}",
        b"{\"a\":1,\"a\":2}",
    ] {
        assert_refused(&momo(&["payment-url", "--secret", "s"], input));
    }
}

#[test]
fn missing_secret_is_a_usage_error() {
    let out = momo(&["sign"], b"{}");
    assert_eq!(out.status.code(), Some(2));
}

/// Runs `momo ecommpay <args>` with standard output going to `/dev/full` (every write
/// fails with ENOSPC, like a closed pipe fails with EPIPE).
#[cfg(target_os = "linux")]
fn momo_to_full_stdout(args: &[&str], stdin: &[u8]) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_momo"))
        .arg("ecommpay")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::from(full))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::feed_stdin(child.stdin.take().unwrap(), stdin);
    child.wait_with_output().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_stdout_is_exit_1_not_a_panic() {
    let v5 = r#"{"payment":{"id":"test-payment","status":"success"}}"#;
    let v5_signed = r#"{"payment":{"id":"test-payment","status":"success"},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="}"#;
    for (args, input) in [
        (&["sign", "--secret", "qwerty"][..], v5),
        (&["verify-callback", "--secret", "qwerty"][..], v5_signed),
        (&["verify-callback", "--secret", "wrong"][..], v5_signed),
        (
            &["payment-url", "--secret", "secret"][..],
            r#"{"project_id":100}"#,
        ),
    ] {
        let out = momo_to_full_stdout(args, input.as_bytes());
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            err.contains("cannot write standard output"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn deeply_nested_and_huge_inputs_are_refused_without_a_crash() {
    // 10,000 nested arrays: serde_json stops at depth 128, so the signer's own recursion
    // never sees them.
    let deep_array = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_member = format!(r#"{{"a":{}}}"#, deep_array);
    let deep_objects = format!(r#"{}1{}"#, r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    for input in [&deep_array, &deep_member, &deep_objects] {
        for cmd in ["sign", "verify-callback", "payment-url"] {
            let out = momo(&[cmd, "--secret", "s"], input.as_bytes());
            assert_refused(&out);
            let all = format!("{}{}", stdout(&out), stderr(&out));
            assert!(all.contains("recursion limit"), "{cmd}: {all}");
        }
    }
    // Numbers no integer type holds are refused, never rounded or truncated.
    for input in [
        r#"{"payment":{"amount":123456789012345678901234567890}}"#,
        r#"{"payment":{"amount":1e400}}"#,
        r#"{"payment":{"amount":100000.0}}"#,
    ] {
        let out = momo(&["sign", "--secret", "s"], input.as_bytes());
        assert_refused(&out);
        let out = momo(&["payment-url", "--secret", "s"], input.as_bytes());
        assert_refused(&out);
    }
    // A large but valid body is fine: 20,000 members.
    let members: Vec<String> = (0..20_000).map(|i| format!(r#""k{i}":{i}"#)).collect();
    let wide = format!("{{{}}}", members.join(","));
    let out = momo(&["sign", "--secret", "s"], wide.as_bytes());
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out).trim_end().len(), 88, "a Base64 HMAC-SHA512");
}
