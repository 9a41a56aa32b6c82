//! ecommpay's signature: one algorithm for Gate requests, Payment Page URLs and
//! callbacks (digest section 1).
//!
//! 1. Flatten the parameter tree into leaves; a leaf's path joins the keys from the root
//!    with `:` (array elements are keyed by index; a literal `:` in a key is written
//!    `::`).
//! 2. Skip the key `frame_mode` (its whole subtree) at any depth.
//! 3. Leaf text: booleans `1`/`0`, `null` empty, strings as they are, integers in
//!    decimal. Empty strings are kept; empty arrays and objects contribute nothing.
//!    **Non-integer numbers are refused** (the official SDKs disagree on them).
//! 4. Each leaf is the entry `path:value`; entries are sorted by path in PHP's natural
//!    order ([`natural_cmp`]) and joined with `;`.
//! 5. HMAC-SHA512 under the project's secret key, standard Base64 with padding.
//!
//! ```
//! use ecommpay_momopay::signer;
//! use momo_core::SecretString;
//! let params = serde_json::json!({"payment": {"id": "000049", "status": "success"}});
//! assert_eq!(
//!     signer::string_to_sign(&params).unwrap(),
//!     "payment:id:000049;payment:status:success"
//! );
//! let sig = signer::sign_value(&SecretString::from("secret"), &params).unwrap();
//! assert_eq!(
//!     sig,
//!     "/3TrhHVz9BHaLfgLyhoxO7dsQNzbzZa/TdO3pxQocXWwgVM6tGlzMLVfpOxFNTnkR9iiFVK/77ZedMcbkCjmng=="
//! );
//! ```

use std::cmp::Ordering;

use momo_core::{Error, ExposeSecret, Result, SecretString, sign};
use serde::Serialize;
use serde_json::Value;

/// The key the signer skips at any depth.
pub const SKIPPED_KEY: &str = "frame_mode";

/// The flattened entries `(path, value text)` of `params`, sorted by path (natural
/// order). Fails on a non-integer number, naming its path.
pub fn flatten(params: &Value) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    walk(params, None, &mut out)?;
    out.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    Ok(out)
}

fn walk(value: &Value, path: Option<&str>, out: &mut Vec<(String, String)>) -> Result<()> {
    let child = |key: &str| -> String {
        let key = key.replace(':', "::");
        match path {
            Some(p) => format!("{p}:{key}"),
            None => key,
        }
    };
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key != SKIPPED_KEY {
                    walk(v, Some(&child(key)), out)?;
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, Some(&child(&i.to_string())), out)?;
            }
        }
        leaf => {
            let text = leaf_text(leaf, path.unwrap_or(""))?;
            // A bare scalar at the root has no path; it signs as `:value`, like PHP's
            // string cast of an empty key would.
            out.push((path.unwrap_or("").to_owned(), text));
        }
    }
    Ok(())
}

/// The text a scalar contributes: `1`/`0`, empty for null, strings as they are,
/// integers in decimal. Non-integer numbers are refused.
pub fn leaf_text(value: &Value, path: &str) -> Result<String> {
    Ok(match value {
        Value::Null => String::new(),
        Value::Bool(true) => "1".to_owned(),
        Value::Bool(false) => "0".to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.to_string()
            } else if let Some(u) = n.as_u64() {
                u.to_string()
            } else {
                return Err(Error::invalid_request(
                    if path.is_empty() { "params" } else { path },
                    format!(
                        "is the non-integer number {n}; ecommpay signs integers only \
                         (amounts are whole minor units), send it as an integer or a string"
                    ),
                ));
            }
        }
        Value::Array(_) | Value::Object(_) => {
            return Err(Error::invalid_request(
                path,
                "is not a scalar value".to_owned(),
            ));
        }
    })
}

/// The string that is signed: `path:value` entries in natural path order, joined
/// with `;`.
pub fn string_to_sign(params: &Value) -> Result<String> {
    let entries = flatten(params)?;
    let mut s = String::new();
    for (i, (path, value)) in entries.iter().enumerate() {
        if i > 0 {
            s.push(';');
        }
        s.push_str(path);
        s.push(':');
        s.push_str(value);
    }
    Ok(s)
}

/// The signature of a JSON parameter tree.
///
/// The walk is recursive: trees parsed from bytes are bounded by `serde_json`'s depth
/// limit (128), which every entry point of this crate taking bytes relies on
/// ([`sign_json`], [`crate::verify_callback`]); a tree built in code is as deep as its
/// builder made it.
pub fn sign_value(secret: &SecretString, params: &Value) -> Result<String> {
    let text = string_to_sign(params)?;
    Ok(sign::hmac_sha512_base64(
        secret.expose_secret().as_bytes(),
        text.as_bytes(),
    ))
}

/// The signature of anything that serializes to JSON (as `serde_json` renders it).
pub fn sign<T: Serialize + ?Sized>(secret: &SecretString, params: &T) -> Result<String> {
    let value = serde_json::to_value(params)
        .map_err(|e| Error::invalid_request("params", format!("cannot be serialized: {e}")))?;
    sign_value(secret, &value)
}

/// The signature of a JSON object given as bytes (what `momo ecommpay sign` reads).
/// Malformed JSON, anything but an object, and non-integer numbers are refused.
pub fn sign_json(secret: &SecretString, json: &[u8]) -> Result<String> {
    let value: Value = serde_json::from_slice(json)
        .map_err(|e| Error::invalid_request("params", format!("is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(Error::invalid_request("params", "must be a JSON object"));
    }
    sign_value(secret, &value)
}

/// Checks `signature` over `params` in constant time. `params` must not contain the
/// signature itself (see [`remove_signatures`]).
pub fn verify_value(secret: &SecretString, params: &Value, signature: &str) -> Result<()> {
    let text = string_to_sign(params)?;
    sign::verify_hmac_sha512_base64(
        secret.expose_secret().as_bytes(),
        text.as_bytes(),
        signature,
    )
}

/// Removes every `signature` key at any depth (inside objects and arrays), as callback
/// verification requires.
pub fn remove_signatures(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("signature");
            for v in map.values_mut() {
                remove_signatures(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(remove_signatures),
        _ => {}
    }
}

/// PHP's `strnatcmp` (case-sensitive) as the digest describes it: where both strings
/// have a run of ASCII digits, the runs compare as numbers (`2` < `10`); everything
/// else compares byte by byte (`AuthCode` < `account`, `a1` < `a:x`).
///
/// Digit runs with leading zeros are compared by value, then by length; PHP's own
/// handling of them (as fractions) differs, but they do not occur in ecommpay's
/// parameter names.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        match (a.get(i), b.get(j)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(ca), Some(cb)) if ca.is_ascii_digit() && cb.is_ascii_digit() => {
                let ea = digit_run_end(a, i);
                let eb = digit_run_end(b, j);
                let ord = cmp_digit_runs(&a[i..ea], &b[j..eb]);
                if ord != Ordering::Equal {
                    return ord;
                }
                i = ea;
                j = eb;
            }
            (Some(ca), Some(cb)) => {
                let ord = ca.cmp(cb);
                if ord != Ordering::Equal {
                    return ord;
                }
                i += 1;
                j += 1;
            }
        }
    }
}

fn digit_run_end(s: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < s.len() && s[end].is_ascii_digit() {
        end += 1;
    }
    end
}

fn cmp_digit_runs(a: &[u8], b: &[u8]) -> Ordering {
    let strip = |s: &[u8]| -> usize { s.iter().take_while(|&&c| c == b'0').count() };
    let (za, zb) = (strip(a), strip(b));
    let (na, nb) = (&a[za..], &b[zb..]);
    na.len()
        .cmp(&nb.len())
        .then_with(|| na.cmp(nb))
        .then_with(|| a.len().cmp(&b.len()))
}

#[cfg(test)]
mod tests {
    //! Every expected string and signature below is copied from
    //! `ecommpay.signing-and-gate.md`; none is computed with the code under test.
    use super::*;
    use momo_core::ErrorKind;
    use serde_json::json;

    fn s(secret: &str) -> SecretString {
        SecretString::from(secret)
    }

    fn check(secret: &str, params: &str, expected: &str) {
        let v: Value = serde_json::from_str(params).unwrap();
        assert_eq!(sign_value(&s(secret), &v).unwrap(), expected, "{params}");
        verify_value(&s(secret), &v, expected).unwrap();
    }

    #[test]
    fn v1() {
        check(
            "secret",
            r#"{"customer":{"project_id":0,"id":"sutm_id"},"card":{"pan":"4242424242424242","year":2020,"month":8,"card_holder":"John Smith","cvv":"123","save":true},"frame_mode":"popup"}"#,
            "lY0LTSAzpR7zGce5qfYGacOuYlHGWqkMcQlqmjlsDDZI2gVcE1qVeWANnkIR7mdOqRXJnL1kO0lUmkQ0YYLWRg==",
        );
    }

    #[test]
    fn v1_string_to_sign() {
        let v: Value = serde_json::from_str(r#"{"customer":{"project_id":0,"id":"sutm_id"},"card":{"pan":"4242424242424242","year":2020,"month":8,"card_holder":"John Smith","cvv":"123","save":true},"frame_mode":"popup"}"#).unwrap();
        assert_eq!(
            string_to_sign(&v).unwrap(),
            "card:card_holder:John Smith;card:cvv:123;card:month:8;card:pan:4242424242424242;card:save:1;card:year:2020;customer:id:sutm_id;customer:project_id:0"
        );
    }

    #[test]
    fn v2() {
        check(
            "secret",
            r#"{"payment":{"id":"000049","status":"success"}}"#,
            "/3TrhHVz9BHaLfgLyhoxO7dsQNzbzZa/TdO3pxQocXWwgVM6tGlzMLVfpOxFNTnkR9iiFVK/77ZedMcbkCjmng==",
        );
    }

    #[test]
    fn v3() {
        check(
            "qwerty",
            r#"{"payment":{"id":"test-payment","status":"success"},"some_bool_param":true,"frame_mode":"popup"}"#,
            "TZS0J65ReNUMgKzeXUey9xOGGyC7r4OhsFXt/3H8XZM2Le8Wot2E1NIjeSPOyV1F3sUU6F3kfo9om2dhbe3ieA==",
        );
    }

    #[test]
    fn v4() {
        check(
            "qwerty",
            r#"{"payment":{"id":"test-payment"},"errors":[{"code":"123","message":"grand crash","description":["description-str",{"description1":1}]},{"code":"456","message":"minor crash","description":null}]}"#,
            "dxjnun8oySSl0CWlhhjy/k1V9CZcCtaHvu/Y5qJQbWHq8wd6TqTUt4bIfHrlWxT8ba9NOJfkgGHrGc5OgyQVGA==",
        );
    }

    #[test]
    fn v4_string_to_sign() {
        let v: Value = serde_json::from_str(r#"{"payment":{"id":"test-payment"},"errors":[{"code":"123","message":"grand crash","description":["description-str",{"description1":1}]},{"code":"456","message":"minor crash","description":null}]}"#).unwrap();
        assert_eq!(
            string_to_sign(&v).unwrap(),
            "errors:0:code:123;errors:0:description:0:description-str;errors:0:description:1:description1:1;errors:0:message:grand crash;errors:1:code:456;errors:1:description:;errors:1:message:minor crash;payment:id:test-payment"
        );
    }

    #[test]
    fn v5() {
        check(
            "qwerty",
            r#"{"payment":{"id":"test-payment","status":"success"}}"#,
            "UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg==",
        );
    }

    #[test]
    fn v7() {
        check(
            "qwerty",
            r#"{"project_id":11,"payment_currency":"EUR","frame_mode":"popup","some_bool_param":true,"two_levels_param":{"param1":1,"param2":2}}"#,
            "ehwG+e+Sq6b0QEek2hmHGUFzViX9/Xfcgnh0Ysn1+AqCY8BsKhC/Vcyr4XH8CKXW3iS0vW9S2mTwOt/0Ozf5pg==",
        );
    }

    #[test]
    fn v8() {
        check(
            "qwerty",
            r#"{"payment":{"id":"test.test-payment","status":"success","valid":true},"some-data":1234,"frame_mode":"popup"}"#,
            "Z0YwpWdNwBspA/6wicHVr4f6n0xMFuyZnAlIxnO86Zu/EIo3FZUEntClEVjulKpBrVF+HlyPEK1X41iCjbFgWg==",
        );
    }

    #[test]
    fn digest_flattening_example() {
        let v: Value = serde_json::from_str(
            r#"{"a":{"b":1111111111111111,"c":2},"d":false,"f":["g",{"h":7,"i":{"k":8}}],"e":[4,5],"j":null}"#,
        )
        .unwrap();
        assert_eq!(
            string_to_sign(&v).unwrap(),
            "a:b:1111111111111111;a:c:2;d:0;e:0:4;e:1:5;f:0:g;f:1:h:7;f:1:i:k:8;j:"
        );
    }

    #[test]
    fn sign_over_serialize_matches_value() {
        #[derive(Serialize)]
        struct Payment {
            id: &'static str,
            status: &'static str,
        }
        #[derive(Serialize)]
        struct P {
            payment: Payment,
        }
        let p = P {
            payment: Payment {
                id: "test-payment",
                status: "success",
            },
        };
        // V5.
        assert_eq!(
            sign(&s("qwerty"), &p).unwrap(),
            "UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="
        );
    }

    #[test]
    fn frame_mode_is_skipped_at_any_depth_and_empty_containers_vanish() {
        let v = json!({"a": {"frame_mode": {"x": 1}, "b": ""}, "c": [], "d": {}, "e": [{"frame_mode": 1}]});
        assert_eq!(string_to_sign(&v).unwrap(), "a:b:");
    }

    #[test]
    fn colons_in_keys_are_doubled() {
        let v = json!({"a:b": {"c": 1}});
        assert_eq!(string_to_sign(&v).unwrap(), "a::b:c:1");
    }

    #[test]
    fn indexes_sort_numerically() {
        let v = json!({"x": ["a","b","c","d","e","f","g","h","i","j","k"]});
        let s = string_to_sign(&v).unwrap();
        assert!(s.starts_with("x:0:a;x:1:b;x:2:c;"), "{s}");
        assert!(s.ends_with("x:9:j;x:10:k"), "{s}");
    }

    #[test]
    fn natural_order_examples_from_the_digest() {
        assert_eq!(natural_cmp("x2", "x10"), Ordering::Less);
        assert_eq!(natural_cmp("AuthCode", "account"), Ordering::Less);
        assert_eq!(natural_cmp("a1", "a:x"), Ordering::Less);
        assert_eq!(natural_cmp("a", "a:b"), Ordering::Less);
        assert_eq!(natural_cmp("a:10:b", "a:9:c"), Ordering::Greater);
        assert_eq!(natural_cmp("same", "same"), Ordering::Equal);
        assert_eq!(natural_cmp("", "a"), Ordering::Less);
    }

    #[test]
    fn non_integer_numbers_are_refused_with_their_path() {
        let err = string_to_sign(&json!({"payment": {"amount": 10.5}})).unwrap_err();
        match err.kind() {
            ErrorKind::InvalidRequest { field, reason } => {
                assert_eq!(field, "payment:amount");
                assert!(reason.contains("non-integer"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        // 1.0 is a float in JSON too: refused, not guessed.
        assert!(string_to_sign(&json!({"a": 1.0})).is_err());
        // Large unsigned integers are fine.
        assert_eq!(
            string_to_sign(&json!({"a": u64::MAX})).unwrap(),
            "a:18446744073709551615"
        );
        assert_eq!(string_to_sign(&json!({"a": -5})).unwrap(), "a:-5");
    }

    #[test]
    fn wrong_secret_and_tampering_fail_verification() {
        let v = json!({"payment": {"id": "test-payment", "status": "success"}});
        let good = "UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg==";
        let err = verify_value(&s("qwertz"), &v, good).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Signature(_)));
        let tampered = json!({"payment": {"id": "test-payment", "status": "decline"}});
        assert!(verify_value(&s("qwerty"), &tampered, good).is_err());
    }

    #[test]
    fn sign_json_reads_bytes_and_refuses_non_objects() {
        // V2.
        assert_eq!(
            sign_json(
                &s("secret"),
                br#"{"payment":{"id":"000049","status":"success"}}"#
            )
            .unwrap(),
            "/3TrhHVz9BHaLfgLyhoxO7dsQNzbzZa/TdO3pxQocXWwgVM6tGlzMLVfpOxFNTnkR9iiFVK/77ZedMcbkCjmng=="
        );
        for bad in [&b"[1]"[..], b"\"x\"", b"", b"{", b"{\"a\":0.5}"] {
            let e = sign_json(&s("secret"), bad).unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::InvalidRequest { .. }),
                "{e:?}"
            );
        }
    }

    #[test]
    fn sign_json_refuses_deep_nesting_at_the_parser() {
        let deep = format!(r#"{{"a":{}{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        let e = sign_json(&s("secret"), deep.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("recursion limit"), "{e}");
        // 100 levels are fine: the leaf's path has 100 indexes.
        let ok = format!(r#"{{"a":{}7{}}}"#, "[".repeat(100), "]".repeat(100));
        let v: Value = serde_json::from_str(&ok).unwrap();
        assert_eq!(
            string_to_sign(&v).unwrap(),
            format!("a{}:7", ":0".repeat(100))
        );
    }

    #[test]
    fn remove_signatures_reaches_arrays_and_nested_objects() {
        let mut v = json!({"signature": "x", "general": {"signature": "y", "a": 1}, "l": [{"signature": "z", "b": 2}]});
        remove_signatures(&mut v);
        assert_eq!(v, json!({"general": {"a": 1}, "l": [{"b": 2}]}));
    }
}
