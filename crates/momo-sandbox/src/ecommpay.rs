//! ecommpay Gate and Payment Page for the MoMo Wallet method, simulated.
//!
//! Written from `ecommpay-momopay.txt` and `ecommpay.signing-and-gate.md` only (it has
//! its own signer over `serde_json::Value`):
//!
//! - `POST /v2/payment/wallet/momopay/sale` checks the signature on the raw JSON
//!   (`general.signature`), the project, the required fields, VND and the method's
//!   limits (100,000..=20,000,000), refuses a reused payment id, and answers with the
//!   acknowledgement `{"status":"success","request_id",...}`;
//! - `POST /v2/payment/status` answers with `project_id`, `payment`, `operations`,
//!   `customer`, `errors` from the payments it keeps;
//! - `GET /payment` (the Payment Page) checks a signed URL (signature, project, the
//!   required `payment_*` and `customer_*` parameters, VND and the limits) and answers
//!   200 or 400;
//! - `GET|POST /momopay/redirect` stands for MoMo's page the customer is redirected to.
//!
//! Refusals are HTTP 400 (404 for an unknown payment) with
//! `{"status":"error","code","message"}`; ecommpay does not publish its error codes,
//! so the codes are the sandbox's own ([`codes`]).
//!
//! Callbacks are the caller's to trigger: [`EcommpaySandbox::send_redirect_callback`]
//! POSTs the signed intermediate callback (`redirect_data`), and
//! [`EcommpaySandbox::send_final_callback`] settles the payment (success or decline)
//! and POSTs the signed final callback, shaped as the MoMo page's figures 10 and 11.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use momo_sandbox::ecommpay::EcommpaySandbox;
//! let sandbox = EcommpaySandbox::start().await;
//! assert!(sandbox.uri().starts_with("http://127.0.0.1:"));
//! assert_eq!(sandbox.project_id(), 210);
//! assert_eq!(sandbox.payment_status("nope"), None);
//! # });
//! ```

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};

use momo_core::{Error, ExposeSecret, Result, SecretString, sign};
use serde_json::{Map, Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The project id the sandbox accepts by default (the MoMo page's Gate example).
pub const DEFAULT_PROJECT_ID: u64 = 210;
/// The secret key the sandbox signs and verifies with by default.
pub const DEFAULT_SECRET: &str = "sandbox-secret";
/// The method's smallest purchase, VND.
pub const MIN_AMOUNT: u64 = 100_000;
/// The method's largest purchase, VND.
pub const MAX_AMOUNT: u64 = 20_000_000;

/// The sandbox's own error codes (ecommpay does not publish its codes).
pub mod codes {
    /// The signature is missing or wrong.
    pub const WRONG_SIGNATURE: &str = "1001";
    /// A required field is missing or has the wrong type.
    pub const INVALID_FIELD: &str = "1002";
    /// The amount is outside the method's limits, or the currency is not VND.
    pub const AMOUNT_OR_CURRENCY: &str = "1003";
    /// The payment id was used before.
    pub const DUPLICATE_PAYMENT: &str = "1004";
    /// No payment with this id.
    pub const PAYMENT_NOT_FOUND: &str = "1005";
    /// The project id is not the sandbox's.
    pub const UNKNOWN_PROJECT: &str = "1006";
    /// The body is not JSON.
    pub const MALFORMED: &str = "1007";
}

/// How a payment ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `success`, code `0`.
    Success,
    /// `decline`, code `20000` "General decline".
    Decline,
}

#[derive(Debug, Clone)]
struct SandboxPayment {
    amount: u64,
    customer_id: String,
    request_id: String,
    operation_id: u64,
    status: &'static str,
    operation_status: &'static str,
    code: Option<(&'static str, &'static str)>,
    created: String,
    updated: String,
}

struct State {
    project_id: u64,
    secret: SecretString,
    uri: String,
    payments: Mutex<HashMap<String, SandboxPayment>>,
    seq: AtomicU64,
}

impl State {
    fn payments(&self) -> std::sync::MutexGuard<'_, HashMap<String, SandboxPayment>> {
        self.payments.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sign(&self, params: &Value) -> std::result::Result<String, String> {
        sign_params(&self.secret, params)
    }
}

/// A running ecommpay sandbox.
pub struct EcommpaySandbox {
    server: MockServer,
    state: Arc<State>,
}

impl EcommpaySandbox {
    /// Starts a sandbox for [`DEFAULT_PROJECT_ID`] and [`DEFAULT_SECRET`].
    pub async fn start() -> Self {
        Self::start_with(DEFAULT_PROJECT_ID, DEFAULT_SECRET).await
    }

    /// Starts a sandbox for `project_id` with `secret`.
    pub async fn start_with(project_id: u64, secret: &str) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(State {
            project_id,
            secret: SecretString::from(secret),
            uri: server.uri(),
            payments: Mutex::new(HashMap::new()),
            seq: AtomicU64::new(0),
        });
        Mock::given(method("POST"))
            .and(path("/v2/payment/wallet/momopay/sale"))
            .respond_with(Gate {
                state: state.clone(),
                op: GateOp::Sale,
            })
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/v2/payment/status"))
            .respond_with(Gate {
                state: state.clone(),
                op: GateOp::Status,
            })
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/payment"))
            .respond_with(Page {
                state: state.clone(),
            })
            .mount(&server)
            .await;
        Mock::given(path("/momopay/redirect"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "text/html; charset=utf-8")
                    .set_body_string("<!DOCTYPE html><title>MoMo (sandbox)</title><p>Scan the QR code in the MoMo app.</p>"),
            )
            .mount(&server)
            .await;
        EcommpaySandbox { server, state }
    }

    /// The base URL of both Gate and Payment Page (`http://127.0.0.1:<port>`).
    pub fn uri(&self) -> String {
        self.state.uri.clone()
    }

    /// The project id the sandbox accepts.
    pub fn project_id(&self) -> u64 {
        self.state.project_id
    }

    /// The secret the sandbox signs and verifies with (a sandbox secret, not a real one).
    pub fn secret(&self) -> &SecretString {
        &self.state.secret
    }

    /// The underlying server, to inspect `received_requests` or mount more mocks.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// The status (`payment.status`) of a payment the sandbox knows.
    pub fn payment_status(&self, payment_id: &str) -> Option<String> {
        self.state
            .payments()
            .get(payment_id)
            .map(|p| p.status.to_owned())
    }

    /// The signed intermediate callback for `payment_id` (its status becomes
    /// `awaiting redirect result`), redirecting by POST to the sandbox's MoMo page.
    pub fn redirect_callback(&self, payment_id: &str) -> Result<Vec<u8>> {
        let mut payments = self.state.payments();
        let p = payments
            .get_mut(payment_id)
            .ok_or_else(|| unknown_payment(payment_id))?;
        p.status = "awaiting redirect result";
        let body = json!({
            "project_id": self.state.project_id,
            "payment": {"id": payment_id, "status": p.status},
            "redirect_data": {
                "body": {
                    "Data": format!("{:064x}", p.operation_id.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                    "Remarks": "",
                    "EncryptText": format!("{:032X}", p.operation_id),
                },
                "method": "POST",
                "url": format!("{}/momopay/redirect", self.state.uri),
            }
        });
        drop(payments);
        self.signed(body)
    }

    /// Settles `payment_id` with `outcome` and returns its signed final callback.
    pub fn final_callback(&self, payment_id: &str, outcome: Outcome) -> Result<Vec<u8>> {
        let mut payments = self.state.payments();
        let p = payments
            .get_mut(payment_id)
            .ok_or_else(|| unknown_payment(payment_id))?;
        let (status, code) = match outcome {
            Outcome::Success => ("success", ("0", "Success")),
            Outcome::Decline => ("decline", ("20000", "General decline")),
        };
        p.status = status;
        p.operation_status = status;
        p.code = Some(code);
        p.updated = now_text();
        let mut body = payment_record(self.state.project_id, payment_id, p);
        if let Value::Object(map) = &mut body {
            let last_op = map
                .remove("operations")
                .and_then(|ops| ops.as_array().and_then(|a| a.last().cloned()));
            if let Some(op) = last_op {
                map.insert("operation".to_owned(), op);
            }
            map.remove("customer");
            map.remove("errors");
        }
        drop(payments);
        self.signed(body)
    }

    /// POSTs the intermediate callback of `payment_id` to `url`; returns the HTTP status
    /// the receiver answered.
    pub async fn send_redirect_callback(&self, payment_id: &str, url: &str) -> Result<u16> {
        let body = self.redirect_callback(payment_id)?;
        post_json(url, body).await
    }

    /// Settles `payment_id` with `outcome` and POSTs the final callback to `url`;
    /// returns the HTTP status the receiver answered.
    pub async fn send_final_callback(
        &self,
        payment_id: &str,
        outcome: Outcome,
        url: &str,
    ) -> Result<u16> {
        let body = self.final_callback(payment_id, outcome)?;
        post_json(url, body).await
    }

    /// `body` with its signature added at the top level (as ecommpay's callbacks carry it).
    fn signed(&self, mut body: Value) -> Result<Vec<u8>> {
        let signature = self
            .state
            .sign(&body)
            .map_err(|e| Error::invalid_request("callback", e))?;
        if let Value::Object(map) = &mut body {
            map.insert("signature".to_owned(), Value::String(signature));
        }
        serde_json::to_vec(&body).map_err(|e| Error::invalid_request("callback", e.to_string()))
    }
}

fn unknown_payment(payment_id: &str) -> Error {
    Error::invalid_request(
        "payment_id",
        format!("`{payment_id}` is unknown to the sandbox"),
    )
}

/// How long the sandbox waits for a callback receiver's answer.
const CALLBACK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

async fn post_json(url: &str, body: Vec<u8>) -> Result<u16> {
    // A receiver that never answers must not hang the sandbox's caller.
    let client = reqwest::Client::builder()
        .timeout(CALLBACK_TIMEOUT)
        .build()?;
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    Ok(response.status().as_u16())
}

/// The signature of `params` under `secret`, computed by the sandbox's own signer
/// (digest section 1); a non-integer number is refused.
pub fn sign_params(secret: &SecretString, params: &Value) -> std::result::Result<String, String> {
    let mut leaves = Vec::new();
    collect(params, String::new(), true, &mut leaves)?;
    leaves.sort_by(|a, b| nat_order(&a.0, &b.0));
    let text = leaves
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(";");
    Ok(sign::hmac_sha512_base64(
        secret.expose_secret().as_bytes(),
        text.as_bytes(),
    ))
}

fn collect(
    v: &Value,
    prefix: String,
    root: bool,
    out: &mut Vec<(String, String)>,
) -> std::result::Result<(), String> {
    let join = |k: &str| {
        let k = k.replace(':', "::");
        if root { k } else { format!("{prefix}:{k}") }
    };
    match v {
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| k.as_str() != "frame_mode")
            .try_for_each(|(k, x)| collect(x, join(k), false, out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| collect(x, join(&i.to_string()), false, out)),
        Value::Null => {
            out.push((prefix, String::new()));
            Ok(())
        }
        Value::Bool(b) => {
            out.push((prefix, u8::from(*b).to_string()));
            Ok(())
        }
        Value::String(s) => {
            out.push((prefix, s.clone()));
            Ok(())
        }
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            out.push((prefix, n.to_string()));
            Ok(())
        }
        Value::Number(n) => Err(format!("`{prefix}` is a non-integer number ({n})")),
    }
}

/// One piece of a path for natural ordering.
#[derive(Debug)]
enum Piece<'a> {
    Digits(&'a str),
    Byte(u8),
}

fn pieces(s: &str) -> Vec<Piece<'_>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Piece::Digits(&s[start..i]));
        } else {
            out.push(Piece::Byte(b[i]));
            i += 1;
        }
    }
    out
}

/// PHP `strnatcmp` as the digest states it: digit runs by value, other bytes as bytes.
fn nat_order(a: &str, b: &str) -> Ordering {
    let (pa, pb) = (pieces(a), pieces(b));
    for (x, y) in pa.iter().zip(pb.iter()) {
        let ord = match (x, y) {
            (Piece::Digits(x), Piece::Digits(y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then(x.cmp(y))
            }
            (Piece::Digits(x), Piece::Byte(y)) => x.as_bytes()[0].cmp(y),
            (Piece::Byte(x), Piece::Digits(y)) => x.cmp(&y.as_bytes()[0]),
            (Piece::Byte(x), Piece::Byte(y)) => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    pa.len().cmp(&pb.len())
}

/// `2021-03-12T08:34:25+0000`, as the MoMo page's callbacks show dates.
fn now_text() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

fn payment_record(project_id: u64, payment_id: &str, p: &SandboxPayment) -> Value {
    let sum = json!({"amount": p.amount, "currency": "VND"});
    let mut operation = json!({
        "id": p.operation_id,
        "type": "sale",
        "status": p.operation_status,
        "date": p.updated,
        "created_date": p.created,
        "request_id": p.request_id,
        "sum_initial": sum,
        "sum_converted": sum,
        "provider": {"id": 2892, "payment_id": format!("16155{:08}", p.operation_id), "auth_code": ""}
    });
    if let (Some((code, message)), Value::Object(op)) = (p.code, &mut operation) {
        op.insert("code".to_owned(), json!(code));
        op.insert("message".to_owned(), json!(message));
    }
    json!({
        "project_id": project_id,
        "payment": {
            "id": payment_id,
            "type": "purchase",
            "status": p.status,
            "date": p.updated,
            "method": "momopay",
            "sum": sum,
            "description": ""
        },
        "operations": [operation],
        "customer": {"id": p.customer_id},
        "errors": []
    })
}

#[derive(Clone, Copy)]
enum GateOp {
    Sale,
    Status,
}

struct Gate {
    state: Arc<State>,
    op: GateOp,
}

fn refuse(status: u16, code: &str, message: &str, body: Option<&Value>) -> ResponseTemplate {
    let general = body.and_then(|b| b.get("general"));
    ResponseTemplate::new(status).set_body_json(json!({
        "status": "error",
        "project_id": general.and_then(|g| g.get("project_id")).cloned().unwrap_or(Value::Null),
        "payment_id": general.and_then(|g| g.get("payment_id")).cloned().unwrap_or(Value::Null),
        "code": code,
        "message": message,
    }))
}

fn text<'a>(body: &'a Value, object: &str, field: &str) -> std::result::Result<&'a str, String> {
    match body.get(object).and_then(|o| o.get(field)) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        _ => Err(format!("{object}.{field} is required (a non-empty string)")),
    }
}

impl Respond for Gate {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return refuse(400, codes::MALFORMED, "the body is not JSON", None);
        };
        // The signature, checked on the raw JSON with only `general.signature` removed.
        let mut unsigned = body.clone();
        let signature = match unsigned
            .get_mut("general")
            .and_then(Value::as_object_mut)
            .and_then(|g| g.remove("signature"))
        {
            Some(Value::String(s)) => s,
            _ => {
                return refuse(
                    400,
                    codes::WRONG_SIGNATURE,
                    "general.signature is required",
                    Some(&body),
                );
            }
        };
        let text_to_sign = match signed_text(&unsigned) {
            Ok(t) => t,
            Err(e) => return refuse(400, codes::INVALID_FIELD, &e, Some(&body)),
        };
        if sign::verify_hmac_sha512_base64(
            self.state.secret.expose_secret().as_bytes(),
            text_to_sign.as_bytes(),
            &signature,
        )
        .is_err()
        {
            return refuse(400, codes::WRONG_SIGNATURE, "Wrong signature", Some(&body));
        }
        match body
            .get("general")
            .and_then(|g| g.get("project_id"))
            .and_then(Value::as_u64)
        {
            Some(p) if p == self.state.project_id => {}
            _ => {
                return refuse(
                    400,
                    codes::UNKNOWN_PROJECT,
                    "general.project_id is not this project",
                    Some(&body),
                );
            }
        }
        let payment_id = match text(&body, "general", "payment_id") {
            Ok(p) => p.to_owned(),
            Err(e) => return refuse(400, codes::INVALID_FIELD, &e, Some(&body)),
        };
        match self.op {
            GateOp::Sale => self.sale(&body, payment_id),
            GateOp::Status => self.status(&body, &payment_id),
        }
    }
}

/// The string the sandbox signs (same rules as [`sign_params`]), for verification.
fn signed_text(params: &Value) -> std::result::Result<String, String> {
    let mut leaves = Vec::new();
    collect(params, String::new(), true, &mut leaves)?;
    leaves.sort_by(|a, b| nat_order(&a.0, &b.0));
    Ok(leaves
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(";"))
}

impl Gate {
    fn sale(&self, body: &Value, payment_id: String) -> ResponseTemplate {
        let checks = || -> std::result::Result<(u64, String), (&'static str, String)> {
            let invalid = |e: String| (codes::INVALID_FIELD, e);
            for f in ["id", "ip_address", "first_name", "last_name", "email"] {
                text(body, "customer", f).map_err(invalid)?;
            }
            for f in ["success", "decline", "return"] {
                text(body, "return_url", f).map_err(invalid)?;
            }
            let ip = text(body, "customer", "ip_address").map_err(invalid)?;
            if ip.parse::<std::net::IpAddr>().is_err() {
                return Err(invalid("customer.ip_address is not an IP address".into()));
            }
            let amount = body
                .get("payment")
                .and_then(|p| p.get("amount"))
                .and_then(Value::as_u64)
                .ok_or_else(|| invalid("payment.amount is required (an integer)".into()))?;
            let currency = text(body, "payment", "currency").map_err(invalid)?;
            if currency != "VND" {
                return Err((
                    codes::AMOUNT_OR_CURRENCY,
                    "MoMo Wallet takes VND only".into(),
                ));
            }
            if !(MIN_AMOUNT..=MAX_AMOUNT).contains(&amount) {
                return Err((
                    codes::AMOUNT_OR_CURRENCY,
                    format!("payment.amount must be {MIN_AMOUNT}..={MAX_AMOUNT} VND"),
                ));
            }
            let customer = text(body, "customer", "id").map_err(invalid)?.to_owned();
            Ok((amount, customer))
        };
        let (amount, customer_id) = match checks() {
            Ok(v) => v,
            Err((code, message)) => return refuse(400, code, &message, Some(body)),
        };
        let mut payments = self.state.payments();
        if payments.contains_key(&payment_id) {
            return refuse(
                400,
                codes::DUPLICATE_PAYMENT,
                "payment_id was already used",
                Some(body),
            );
        }
        let n = self.state.seq.fetch_add(1, AtomicOrdering::Relaxed) + 1;
        let request_id = format!("{:040x}-00000001", n.wrapping_mul(0x2545_f491_4f6c_dd1d));
        let now = now_text();
        payments.insert(
            payment_id.clone(),
            SandboxPayment {
                amount,
                customer_id,
                request_id: request_id.clone(),
                operation_id: n,
                status: "processing",
                operation_status: "processing",
                code: None,
                created: now.clone(),
                updated: now,
            },
        );
        ResponseTemplate::new(200).set_body_json(json!({
            "status": "success",
            "request_id": request_id,
            "project_id": self.state.project_id,
            "payment_id": payment_id,
        }))
    }

    fn status(&self, body: &Value, payment_id: &str) -> ResponseTemplate {
        let payments = self.state.payments();
        match payments.get(payment_id) {
            Some(p) => ResponseTemplate::new(200).set_body_json(payment_record(
                self.state.project_id,
                payment_id,
                p,
            )),
            None => refuse(
                404,
                codes::PAYMENT_NOT_FOUND,
                "Payment not found",
                Some(body),
            ),
        }
    }
}

struct Page {
    state: Arc<State>,
}

impl Respond for Page {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut params = Map::new();
        let mut signature = None;
        for (k, v) in request.url.query_pairs() {
            if k == "signature" {
                signature = Some(v.into_owned());
            } else {
                params.insert(k.into_owned(), Value::String(v.into_owned()));
            }
        }
        let bad = |m: &str| {
            ResponseTemplate::new(400)
                .insert_header("content-type", "text/plain; charset=utf-8")
                .set_body_string(format!("sandbox payment page: {m}"))
        };
        let Some(signature) = signature else {
            return bad("signature is required");
        };
        let text = match signed_text(&Value::Object(params.clone())) {
            Ok(t) => t,
            Err(e) => return bad(&e),
        };
        if sign::verify_hmac_sha512_base64(
            self.state.secret.expose_secret().as_bytes(),
            text.as_bytes(),
            &signature,
        )
        .is_err()
        {
            return bad("wrong signature");
        }
        // Required for any payment, and (MoMo page, request format 3) the customer's
        // names and e-mail for this method.
        for required in [
            "project_id",
            "payment_id",
            "payment_amount",
            "payment_currency",
            "customer_id",
            "customer_first_name",
            "customer_last_name",
            "customer_email",
        ] {
            if params
                .get(required)
                .and_then(Value::as_str)
                .is_none_or(|v| v.trim().is_empty())
            {
                return bad(&format!("{required} is required"));
            }
        }
        if params.get("project_id").and_then(Value::as_str)
            != Some(&self.state.project_id.to_string())
        {
            return bad("project_id is not this project");
        }
        if params.get("payment_currency").and_then(Value::as_str) != Some("VND") {
            return bad("MoMo Wallet takes VND only");
        }
        let amount = params
            .get("payment_amount")
            .and_then(Value::as_str)
            .and_then(|a| a.parse::<u64>().ok());
        if !amount.is_some_and(|a| (MIN_AMOUNT..=MAX_AMOUNT).contains(&a)) {
            return bad(&format!(
                "payment_amount must be a whole number of VND, {MIN_AMOUNT}..={MAX_AMOUNT}"
            ));
        }
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/html; charset=utf-8")
            .set_body_string("<!DOCTYPE html><title>ecommpay Payment Page (sandbox)</title><p>Choose MoMo Wallet to pay.</p>")
    }
}

#[cfg(test)]
mod tests {
    //! Expected values are the digest's, written out.
    use super::*;

    fn s(x: &str) -> SecretString {
        SecretString::from(x)
    }

    #[test]
    fn own_signer_matches_the_digest_vectors() {
        let v1: Value = serde_json::from_str(r#"{"customer":{"project_id":0,"id":"sutm_id"},"card":{"pan":"4242424242424242","year":2020,"month":8,"card_holder":"John Smith","cvv":"123","save":true},"frame_mode":"popup"}"#).unwrap();
        assert_eq!(
            sign_params(&s("secret"), &v1).unwrap(),
            "lY0LTSAzpR7zGce5qfYGacOuYlHGWqkMcQlqmjlsDDZI2gVcE1qVeWANnkIR7mdOqRXJnL1kO0lUmkQ0YYLWRg=="
        );
        let v4: Value = serde_json::from_str(r#"{"payment":{"id":"test-payment"},"errors":[{"code":"123","message":"grand crash","description":["description-str",{"description1":1}]},{"code":"456","message":"minor crash","description":null}]}"#).unwrap();
        assert_eq!(
            sign_params(&s("qwerty"), &v4).unwrap(),
            "dxjnun8oySSl0CWlhhjy/k1V9CZcCtaHvu/Y5qJQbWHq8wd6TqTUt4bIfHrlWxT8ba9NOJfkgGHrGc5OgyQVGA=="
        );
        let v8: Value = serde_json::from_str(r#"{"payment":{"id":"test.test-payment","status":"success","valid":true},"some-data":1234,"frame_mode":"popup"}"#).unwrap();
        assert_eq!(
            sign_params(&s("qwerty"), &v8).unwrap(),
            "Z0YwpWdNwBspA/6wicHVr4f6n0xMFuyZnAlIxnO86Zu/EIo3FZUEntClEVjulKpBrVF+HlyPEK1X41iCjbFgWg=="
        );
        let flat: Value = serde_json::from_str(r#"{"a":{"b":1111111111111111,"c":2},"d":false,"f":["g",{"h":7,"i":{"k":8}}],"e":[4,5],"j":null}"#).unwrap();
        assert_eq!(
            signed_text(&flat).unwrap(),
            "a:b:1111111111111111;a:c:2;d:0;e:0:4;e:1:5;f:0:g;f:1:h:7;f:1:i:k:8;j:"
        );
        assert!(sign_params(&s("x"), &json!({"a": 0.5})).is_err());
    }

    #[test]
    fn natural_order() {
        assert_eq!(nat_order("x:2", "x:10"), Ordering::Less);
        assert_eq!(nat_order("AuthCode", "account"), Ordering::Less);
        assert_eq!(nat_order("a1", "a:x"), Ordering::Less);
        assert_eq!(nat_order("a", "a:b"), Ordering::Less);
    }
}
