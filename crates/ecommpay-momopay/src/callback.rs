//! Callbacks: what ecommpay POSTs to the merchant (digest section 4).
//!
//! [`verify_callback`] checks the signature **before** anything is parsed into types:
//! it finds the signature (top-level `signature`, else `general.signature`), removes
//! every `signature` key at any depth, signs the rest and compares in constant time.
//! Only then is the body read as a [`Callback`]:
//!
//! - an intermediate callback (it carries `redirect_data`) is a
//!   [`Callback::Redirect`]: send the customer on with [`Redirect::action`];
//! - anything else is a [`Callback::Final`] with the payment's status.
//!
//! Answer every callback with HTTP 200, and make the handling idempotent: ecommpay
//! repeats callbacks (6 × 10 s, then at growing intervals for up to 11 days).
//!
//! The MoMo page and the digest spell the redirect object `redirect_data`; the
//! digest's known-answer callback spells it `redirectData`. Both are accepted (a body
//! carrying both is refused as a duplicate field).
//!
//! ```
//! use ecommpay_momopay::{Callback, PaymentStatus, verify_callback};
//! use momo_core::SecretString;
//! // A known-answer callback of the digest (V5 with its signature at the top level).
//! let body = br#"{"payment":{"id":"test-payment","status":"success"},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="}"#;
//! match verify_callback(&SecretString::from("qwerty"), body).unwrap() {
//!     Callback::Final(f) => assert_eq!(f.status, PaymentStatus::Success),
//!     Callback::Redirect(_) => unreachable!(),
//! }
//! assert!(verify_callback(&SecretString::from("wrong"), body).is_err());
//! ```

use std::fmt::{self, Write as _};
use std::future::Future;
use std::sync::Arc;

use momo_core::error::decode_json;
use momo_core::secret::Redacted;
use momo_core::{Error, IdempotencyStore, InMemoryStore, Result, SecretString};
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;
use url::Url;

use crate::client::API_NAME;
use crate::codes::{PaymentStatus, RedirectMethod};
use crate::payment::{ErrorItem, Operation, Payment};
use crate::signer;

/// A verified callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// Intermediate: the customer must be redirected to the provider.
    Redirect(Box<RedirectCallback>),
    /// Final: the payment's result.
    Final(Box<FinalCallback>),
}

impl Callback {
    /// The payment id the callback is about, where present.
    pub fn payment_id(&self) -> Option<&str> {
        match self {
            Callback::Redirect(r) => r.payment.as_ref().map(|p| p.id.as_str()),
            Callback::Final(f) => Some(f.payment.id.as_str()),
        }
    }
}

/// An intermediate callback (status `awaiting redirect result`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectCallback {
    /// `project_id`.
    pub project_id: Option<u64>,
    /// `payment`, where sent.
    pub payment: Option<Payment>,
    /// `redirect_data`.
    pub redirect: Redirect,
}

/// A final callback: `project_id`, `payment`, `operation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalCallback {
    /// `payment.status` (always present in a final callback).
    pub status: PaymentStatus,
    /// `project_id`.
    pub project_id: Option<u64>,
    /// `payment`.
    pub payment: Payment,
    /// `operation`, where sent.
    pub operation: Option<Operation>,
    /// `errors`, where sent.
    pub errors: Vec<ErrorItem>,
}

/// `redirect_data`: where and how to send the customer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Redirect {
    /// `url`, as sent (checked when rendered).
    pub url: String,
    /// `method`.
    pub method: RedirectMethod,
    /// `body`: the form fields, in the order sent (ecommpay sends `[]` for none).
    #[serde(default, deserialize_with = "form_fields")]
    pub body: Vec<(String, String)>,
}

/// What to do with the customer's browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectAction {
    /// Redirect (HTTP 302/303) to this URL; the body fields are in its query.
    Get(Url),
    /// Serve this self-submitting HTML page, which POSTs the body fields to the URL.
    PostForm(String),
}

impl Redirect {
    /// The customer's next step: a GET URL or a self-submitting POST form.
    pub fn action(&self) -> Result<RedirectAction> {
        match self.method.as_str().to_ascii_uppercase().as_str() {
            "GET" => self.get_url().map(RedirectAction::Get),
            "POST" => self.post_form_html().map(RedirectAction::PostForm),
            other => Err(Error::decode(
                "redirect_data.method",
                format!("unsupported redirect method `{other}`"),
            )),
        }
    }

    /// The URL with the body fields appended to its query (for `GET`).
    pub fn get_url(&self) -> Result<Url> {
        let mut url = self.target()?;
        if !self.body.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in &self.body {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// A self-submitting HTML form POSTing the body fields to the URL (for `POST`).
    /// Every value, name and the URL are HTML-escaped. The form is submitted through
    /// `HTMLFormElement.prototype.submit`, so a field named `submit` cannot shadow it.
    pub fn post_form_html(&self) -> Result<String> {
        let url = self.target()?;
        let mut html = String::from(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Redirecting…</title></head>\n\
             <body onload=\"HTMLFormElement.prototype.submit.call(document.forms[0])\">\n",
        );
        let _ = writeln!(
            html,
            "<form method=\"post\" action=\"{}\">",
            html_escape(url.as_str())
        );
        for (k, v) in &self.body {
            let _ = writeln!(
                html,
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html_escape(k),
                html_escape(v)
            );
        }
        html.push_str(
            "<noscript><button type=\"submit\">Continue</button></noscript>\n</form>\n</body></html>\n",
        );
        Ok(html)
    }

    /// The URL, if it is an absolute `http(s)` URL (anything else, `javascript:`
    /// included, is refused).
    fn target(&self) -> Result<Url> {
        let url = Url::parse(&self.url)
            .map_err(|e| Error::decode("redirect_data.url", format!("is not a URL: {e}")))?;
        if url.scheme() != "https" && url.scheme() != "http" {
            return Err(Error::decode(
                "redirect_data.url",
                format!("scheme `{}` is not allowed", url.scheme()),
            ));
        }
        Ok(url)
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// `redirect_data.body`: an object of fields, in the order sent (scalars as text,
/// nested values as JSON), or an empty array / null for none. A repeated field name is
/// refused: the signature covers only the last value of a repeated JSON key.
fn form_fields<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    struct Fields;
    impl<'de> de::Visitor<'de> for Fields {
        type Value = Vec<(String, String)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of form fields or an empty array")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            match seq.next_element::<de::IgnoredAny>()? {
                None => Ok(Vec::new()),
                Some(_) => Err(de::Error::custom(
                    "expected an object of form fields or an empty array",
                )),
            }
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out: Vec<(String, String)> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            while let Some((k, v)) = map.next_entry::<String, Value>()? {
                // Only the last of repeated keys is signed; refuse rather than post an
                // unsigned value.
                if !seen.insert(k.clone()) {
                    return Err(de::Error::custom(format_args!(
                        "form field `{k}` is repeated"
                    )));
                }
                let text = match v {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                out.push((k, text));
            }
            Ok(out)
        }
    }
    d.deserialize_any(Fields)
}

#[derive(Deserialize)]
struct CallbackWire {
    #[serde(default)]
    project_id: Option<u64>,
    #[serde(default)]
    payment: Option<Payment>,
    #[serde(default)]
    operation: Option<Operation>,
    #[serde(default, alias = "redirectData")]
    redirect_data: Option<Redirect>,
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

/// Where the signature was found.
fn find_signature(body: &Value) -> Result<String> {
    let found = match body.get("signature") {
        Some(s) => Some(s),
        None => body.get("general").and_then(|g| g.get("signature")),
    };
    match found {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(_) => Err(Error::signature(
            "the callback's signature is not a non-empty string",
        )),
        None => Err(Error::signature(
            "the callback is unsigned (no `signature` nor `general.signature`)",
        )),
    }
}

/// Verifies a callback body with the project's `secret` and, only if it verifies,
/// reads it as a typed [`Callback`].
///
/// Errors: malformed JSON or a body that is not an object (`Decode`); missing or wrong
/// signature (`Signature`); a non-integer number, which cannot be signed (`Decode`);
/// a verified body that does not have the callback's shape (`Decode`, with the path).
pub fn verify_callback(secret: &SecretString, body: &[u8]) -> Result<Callback> {
    verify(secret, body).map_err(|e| e.with_context(API_NAME, "callback"))
}

fn verify(secret: &SecretString, body: &[u8]) -> Result<Callback> {
    let mut value: Value = decode_json(body)?;
    if !value.is_object() {
        return Err(Error::decode(".", "a callback must be a JSON object"));
    }
    let signature = find_signature(&value)?;
    signer::remove_signatures(&mut value);
    let text = signer::string_to_sign(&value).map_err(|e| match e.kind() {
        momo_core::ErrorKind::InvalidRequest { field, reason } => {
            Error::decode(field.clone(), reason.clone())
        }
        _ => e,
    })?;
    momo_core::sign::verify_hmac_sha512_base64(
        momo_core::ExposeSecret::expose_secret(secret).as_bytes(),
        text.as_bytes(),
        &signature,
    )?;
    // The typed view is read from the same bytes, in the order sent. Where JSON lets a
    // key repeat, only its last value was signed: the derived structs refuse repeated
    // fields, and so does `redirect_data.body` (see `form_fields`).
    let wire: CallbackWire = decode_json(body)?;
    if let Some(redirect) = wire.redirect_data {
        return Ok(Callback::Redirect(Box::new(RedirectCallback {
            project_id: wire.project_id,
            payment: wire.payment,
            redirect,
        })));
    }
    let payment = wire
        .payment
        .ok_or_else(|| Error::decode("payment", "a final callback must carry `payment`"))?;
    let status = payment.status.clone().ok_or_else(|| {
        Error::decode(
            "payment.status",
            "a final callback must carry the payment's status",
        )
    })?;
    Ok(Callback::Final(Box::new(FinalCallback {
        status,
        project_id: wire.project_id,
        payment,
        operation: wire.operation,
        errors: wire.errors,
    })))
}

/// A framework-agnostic callback endpoint: verify → parse → dedupe → your code →
/// HTTP answer.
///
/// ecommpay delivers each callback at least once and repeats it until it gets HTTP
/// 200. The handler answers `400` to a body that does not verify (your code is not
/// called), `200` to a repeat of a callback already handled (your code is not called
/// again), and otherwise calls your code: `Ok` → `200` (recorded in the
/// [`IdempotencyStore`] under [`Callback::dedupe_key`]), `Err` → `500`, not recorded,
/// so ecommpay tries again.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use ecommpay_momopay::callback::CallbackHandler;
/// let handler = CallbackHandler::new("qwerty".into());
/// let body = br#"{"payment":{"id":"test-payment","status":"success"},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="}"#;
/// let (status, _) = handler.handle(body, |cb| async move {
///     // Record the payment result (idempotently) here.
///     assert_eq!(cb.payment_id(), Some("test-payment"));
///     Ok(())
/// }).await;
/// assert_eq!(status, 200);
/// # });
/// ```
pub struct CallbackHandler {
    secret: SecretString,
    store: Arc<dyn IdempotencyStore>,
}

impl CallbackHandler {
    /// A handler verifying with the project's `secret`, remembering handled callbacks
    /// in memory ([`InMemoryStore`]).
    pub fn new(secret: SecretString) -> Self {
        Self::with_store(secret, Arc::new(InMemoryStore::new()))
    }

    /// A handler remembering handled callbacks in `store` (a database, to survive
    /// restarts or share between instances).
    pub fn with_store(secret: SecretString, store: Arc<dyn IdempotencyStore>) -> Self {
        CallbackHandler { secret, store }
    }

    /// Handles one callback body; returns the HTTP status and body to answer with.
    pub async fn handle<F, Fut>(&self, body: &[u8], on_callback: F) -> (u16, Vec<u8>)
    where
        F: FnOnce(Callback) -> Fut,
        Fut: Future<Output = std::result::Result<(), String>>,
    {
        let callback = match verify_callback(&self.secret, body) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "ecommpay callback refused");
                return (400, b"invalid callback".to_vec());
            }
        };
        let key = callback.dedupe_key();
        if let Some(answer) = self.store.get(&key) {
            return (200, answer);
        }
        match on_callback(callback).await {
            Ok(()) => (200, self.store.put_if_absent(&key, b"OK".to_vec())),
            Err(reason) => {
                tracing::warn!(%key, %reason, "ecommpay callback handler failed; ecommpay will retry");
                (500, b"handler failed".to_vec())
            }
        }
    }
}

impl fmt::Debug for CallbackHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackHandler")
            .field("secret", &Redacted)
            .finish_non_exhaustive()
    }
}

impl Callback {
    /// What identifies one delivery for de-duplication: the payment id with the
    /// redirect URL (intermediate) or with the status and operation id (final).
    pub fn dedupe_key(&self) -> String {
        match self {
            Callback::Redirect(r) => format!(
                "redirect\u{1f}{}\u{1f}{}",
                self.payment_id().unwrap_or_default(),
                r.redirect.url
            ),
            Callback::Final(f) => format!(
                "final\u{1f}{}\u{1f}{}\u{1f}{}",
                f.payment.id,
                f.status,
                f.operation
                    .as_ref()
                    .and_then(|o| o.id.as_deref())
                    .unwrap_or_default()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V5_CALLBACK: &[u8] = br#"{"payment":{"id":"test-payment","status":"success"},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="}"#;

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn handler_calls_user_code_once_per_callback() {
        block_on(async {
            let store = Arc::new(InMemoryStore::new());
            let handler = CallbackHandler::with_store("qwerty".into(), store.clone());
            let calls = std::sync::atomic::AtomicU32::new(0);
            for _ in 0..3 {
                let (status, body) = handler
                    .handle(V5_CALLBACK, |cb| {
                        calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        async move {
                            assert_eq!(cb.payment_id(), Some("test-payment"));
                            Ok(())
                        }
                    })
                    .await;
                assert_eq!((status, body.as_slice()), (200, &b"OK"[..]));
            }
            assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
            assert_eq!(store.len(), 1);
        });
    }

    #[test]
    fn handler_refuses_bad_bodies_and_lets_failures_be_retried() {
        block_on(async {
            let handler = CallbackHandler::new("qwerty".into());
            let tampered = String::from_utf8(V5_CALLBACK.to_vec())
                .unwrap()
                .replace("success", "decline");
            let (status, _) = handler
                .handle(tampered.as_bytes(), |_| async {
                    panic!("must not be called")
                })
                .await;
            assert_eq!(status, 400);
            let (status, _) = handler
                .handle(V5_CALLBACK, |_| async { Err("database down".to_owned()) })
                .await;
            assert_eq!(status, 500);
            let (status, _) = handler.handle(V5_CALLBACK, |_| async { Ok(()) }).await;
            assert_eq!(status, 200, "a failed delivery is handled again");
            assert!(!format!("{handler:?}").contains("qwerty"));
        });
    }

    #[test]
    fn dedupe_keys_tell_deliveries_apart() {
        let cb = verify_callback(&"qwerty".into(), V5_CALLBACK).unwrap();
        assert_eq!(
            cb.dedupe_key(),
            "final\u{1f}test-payment\u{1f}success\u{1f}"
        );
    }

    #[test]
    fn html_escape_covers_the_five() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
        assert_eq!(html_escape("plain ăâ"), "plain ăâ");
    }

    #[test]
    fn post_form_escapes_every_value() {
        let r = Redirect {
            url: "https://pay.example.test/a?x=1&y=2".into(),
            method: RedirectMethod::Post,
            body: vec![("Da\"ta".into(), "<script>alert('x')</script>".into())],
        };
        let RedirectAction::PostForm(html) = r.action().unwrap() else {
            panic!("expected a form")
        };
        assert!(
            html.contains(r#"action="https://pay.example.test/a?x=1&amp;y=2""#),
            "{html}"
        );
        assert!(html.contains(r#"name="Da&quot;ta""#), "{html}");
        assert!(
            html.contains(r#"value="&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;""#),
            "{html}"
        );
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn get_appends_fields_to_the_query() {
        let r = Redirect {
            url: "https://pay.example.test/go?a=1".into(),
            method: RedirectMethod::Get,
            body: vec![("b".into(), "x y&z".into())],
        };
        assert_eq!(
            r.action().unwrap(),
            RedirectAction::Get(Url::parse("https://pay.example.test/go?a=1&b=x+y%26z").unwrap())
        );
    }

    #[test]
    fn unsafe_or_invalid_targets_are_refused() {
        for url in ["javascript:alert(1)", "url data", "data:text/html,hi"] {
            let r = Redirect {
                url: url.into(),
                method: RedirectMethod::Post,
                body: vec![],
            };
            assert!(r.action().is_err(), "{url}");
        }
        let r = Redirect {
            url: "https://x.test/".into(),
            method: RedirectMethod::Unknown("PUT".into()),
            body: vec![],
        };
        assert!(r.action().is_err());
    }
}
