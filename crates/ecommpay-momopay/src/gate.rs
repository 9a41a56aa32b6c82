//! Gate API: `sale` (`POST /v2/payment/wallet/momopay/sale`) and `status`
//! (`POST /v2/payment/status`), and a status-polling helper (digest section 3).
//!
//! Each request body is signed without a signature (section 1), then the signature is
//! placed at `general.signature`.
//!
//! Errors: a non-2xx answer is [`ErrorKind::HttpStatus`](momo_core::ErrorKind::HttpStatus)
//! (status and the start of the body); when that body carries ecommpay's `code` and
//! `message`, an [`ErrorKind::Api`](momo_core::ErrorKind::Api) error holding them is its
//! [`source`](std::error::Error::source). A 2xx answer whose `status` is `error` is an
//! `Api` error itself. `sale` moves money and is never retried: a timeout, broken
//! connection or 5xx becomes [`ErrorKind::OutcomeUnknown`](momo_core::ErrorKind::OutcomeUnknown)
//! naming the payment id; settle it with [`Client::status`]. `status` is retried under
//! the configured [`RetryPolicy`](momo_core::RetryPolicy).

use std::net::IpAddr;
use std::time::Duration;

use momo_core::error::decode_json;
use momo_core::id::IdSource;
use momo_core::retry::money_outcome;
use momo_core::transport::json_post;
use momo_core::{Error, Idempotency, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::client::{API_NAME, Client};
use crate::codes::{AckStatus, PaymentStatus};
use crate::customer::{AmountLimits, CURRENCY, Customer, non_empty};
use crate::payment::{ErrorItem, Operation, Payment, opt_id_text};
use crate::payment_page::check_http_url;
use crate::signer;

/// Path of the MoMo Wallet sale.
pub const SALE_PATH: &str = "v2/payment/wallet/momopay/sale";
/// Path of the status request.
pub const STATUS_PATH: &str = "v2/payment/status";

/// Where the customer is sent back to (`return_url`); all three are required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnUrls {
    /// `success`: after a processed purchase.
    pub success: String,
    /// `decline`: after a declined purchase.
    pub decline: String,
    /// `return`: back to the web service before the payment completes.
    pub return_url: String,
}

/// A MoMo Wallet sale through Gate; build it with [`SaleRequest::builder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRequest {
    payment_id: String,
    amount: u64,
    customer: Customer,
    ip_address: IpAddr,
    return_url: ReturnUrls,
    merchant_callback_url: Option<String>,
}

/// Builds a [`SaleRequest`], validated by [`SaleRequestBuilder::build`].
#[derive(Debug, Clone)]
pub struct SaleRequestBuilder {
    request: SaleRequest,
    limits: AmountLimits,
}

impl SaleRequest {
    /// A sale of `amount` whole VND for `customer` at `ip_address`.
    pub fn builder(
        payment_id: impl Into<String>,
        amount: u64,
        customer: Customer,
        ip_address: IpAddr,
        return_url: ReturnUrls,
    ) -> SaleRequestBuilder {
        SaleRequestBuilder {
            request: SaleRequest {
                payment_id: payment_id.into(),
                amount,
                customer,
                ip_address,
                return_url,
                merchant_callback_url: None,
            },
            limits: AmountLimits::default(),
        }
    }

    /// The payment id.
    pub fn payment_id(&self) -> &str {
        &self.payment_id
    }

    /// The wire body **without** its signature, exactly as it is signed.
    pub fn unsigned_body(&self, project_id: u64) -> Result<Value> {
        let wire = SaleWire {
            general: GeneralWire {
                project_id,
                payment_id: &self.payment_id,
                merchant_callback_url: self.merchant_callback_url.as_deref(),
            },
            payment: PaymentWire {
                amount: self.amount,
                currency: CURRENCY,
            },
            customer: CustomerWire {
                id: &self.customer.id,
                ip_address: self.ip_address.to_string(),
                first_name: &self.customer.first_name,
                last_name: &self.customer.last_name,
                email: &self.customer.email,
            },
            return_url: ReturnUrlWire {
                success: &self.return_url.success,
                decline: &self.return_url.decline,
                return_url: &self.return_url.return_url,
            },
        };
        to_value(&wire)
    }
}

impl SaleRequestBuilder {
    /// `general.merchant_callback_url`: where this payment's callbacks go (otherwise
    /// the project's configured URL).
    pub fn merchant_callback_url(mut self, url: impl Into<String>) -> Self {
        self.request.merchant_callback_url = Some(url.into());
        self
    }

    /// Replaces the default MoMo limits (100,000..=20,000,000 VND) with the project's.
    pub fn amount_limits(mut self, limits: AmountLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Validates (payment id, amount limits, customer fields and e-mail, URLs) and
    /// builds.
    pub fn build(self) -> Result<SaleRequest> {
        let r = &self.request;
        non_empty("general.payment_id", &r.payment_id)?;
        self.limits.check(r.amount).map_err(|e| match e.kind() {
            momo_core::ErrorKind::InvalidRequest { reason, .. } => {
                Error::invalid_request("payment.amount", reason.clone())
            }
            _ => e,
        })?;
        r.customer.validate("customer.")?;
        check_http_url("return_url.success", &r.return_url.success)?;
        check_http_url("return_url.decline", &r.return_url.decline)?;
        check_http_url("return_url.return", &r.return_url.return_url)?;
        if let Some(u) = &r.merchant_callback_url {
            check_http_url("general.merchant_callback_url", u)?;
        }
        Ok(self.request)
    }
}

#[derive(Serialize)]
struct SaleWire<'a> {
    general: GeneralWire<'a>,
    payment: PaymentWire<'a>,
    customer: CustomerWire<'a>,
    return_url: ReturnUrlWire<'a>,
}

#[derive(Serialize)]
struct GeneralWire<'a> {
    project_id: u64,
    payment_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_callback_url: Option<&'a str>,
}

#[derive(Serialize)]
struct PaymentWire<'a> {
    amount: u64,
    currency: &'a str,
}

#[derive(Serialize)]
struct CustomerWire<'a> {
    id: &'a str,
    ip_address: String,
    first_name: &'a str,
    last_name: &'a str,
    email: &'a str,
}

#[derive(Serialize)]
struct ReturnUrlWire<'a> {
    success: &'a str,
    decline: &'a str,
    #[serde(rename = "return")]
    return_url: &'a str,
}

#[derive(Serialize)]
struct StatusWire<'a> {
    general: GeneralWire<'a>,
}

fn to_value<T: Serialize>(wire: &T) -> Result<Value> {
    serde_json::to_value(wire)
        .map_err(|e| Error::invalid_request("request", format!("cannot be serialized: {e}")))
}

/// Gate's synchronous answer to a sale: the acknowledgement of receipt (the payment
/// result arrives by callback).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SaleAck {
    /// `status`: `success` when the request was accepted for processing.
    pub status: AckStatus,
    /// `request_id` ecommpay gave the request.
    #[serde(default)]
    pub request_id: Option<String>,
    /// `project_id`.
    #[serde(default)]
    pub project_id: Option<u64>,
    /// `payment_id`.
    #[serde(default, deserialize_with = "opt_id_text")]
    pub payment_id: Option<String>,
}

/// The answer to `status`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StatusResponse {
    /// `project_id`.
    #[serde(default)]
    pub project_id: Option<u64>,
    /// `payment`.
    #[serde(default)]
    pub payment: Option<Payment>,
    /// `operations`, oldest first.
    #[serde(default)]
    pub operations: Vec<Operation>,
    /// `customer`, as sent (its fields are not published for this method).
    #[serde(default)]
    pub customer: Option<Value>,
    /// `account`, as sent (its fields are not published for this method).
    #[serde(default)]
    pub account: Option<Value>,
    /// `errors`.
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
}

impl StatusResponse {
    /// `payment.status`, where present.
    pub fn payment_status(&self) -> Option<&PaymentStatus> {
        self.payment.as_ref().and_then(|p| p.status.as_ref())
    }
}

/// An error body: `status`, `code`, `message` (shape not published; all optional).
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default, deserialize_with = "opt_id_text")]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

impl ErrorBody {
    fn code_and_message(self) -> Option<(String, String)> {
        if let Some(code) = self.code {
            return Some((code, self.message.unwrap_or_default()));
        }
        let first = self.errors.into_iter().next()?;
        Some((
            first.code.unwrap_or_default(),
            first.message.unwrap_or_default(),
        ))
    }
}

/// The error for a non-2xx answer: HTTP status with the body's code and message as
/// source, where the body has them.
fn http_error(status: u16, body: &[u8]) -> Error {
    let err = Error::http_status(status, body);
    match serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(ErrorBody::code_and_message)
    {
        Some((code, message)) => err.with_source(Error::api(API_NAME, code, message)),
        None => err,
    }
}

/// When to check the status of a payment, and when to give up (MoMo page: base time 3
/// minutes, threshold 30 minutes; digest: first check no sooner than 10 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// Wait after the sale before the first check; at least 10 s.
    pub first_check_after: Duration,
    /// Wait between checks.
    pub interval: Duration,
    /// After this long since the sale the payment counts as declined.
    pub threshold: Duration,
}

impl PollOptions {
    /// The shortest allowed [`PollOptions::first_check_after`].
    pub const MIN_FIRST_CHECK: Duration = Duration::from_secs(10);
}

impl Default for PollOptions {
    /// First check after 10 s, then every 30 s, declined after 30 minutes.
    fn default() -> Self {
        PollOptions {
            first_check_after: Self::MIN_FIRST_CHECK,
            interval: Duration::from_secs(30),
            threshold: Duration::from_secs(30 * 60),
        }
    }
}

/// How polling ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// The payment reached a final status ([`PaymentStatus::is_final`]).
    Final(Box<StatusResponse>),
    /// The threshold passed without a final status: ecommpay declines such payments.
    ThresholdPassed {
        /// The last status seen, if any check succeeded.
        last: Option<Box<StatusResponse>>,
    },
}

impl PollOutcome {
    /// The payment's status: the final one, or [`PaymentStatus::Decline`] once the
    /// threshold passed.
    pub fn status(&self) -> PaymentStatus {
        match self {
            PollOutcome::Final(r) => r
                .payment_status()
                .cloned()
                .unwrap_or(PaymentStatus::Decline),
            PollOutcome::ThresholdPassed { .. } => PaymentStatus::Decline,
        }
    }
}

/// The payment id is the request id of a status query and of its retries.
struct PaymentIdAsRequestId<'a>(&'a str);

impl IdSource for PaymentIdAsRequestId<'_> {
    fn next_id(&self) -> String {
        self.0.to_owned()
    }
}

impl Client {
    /// Signs `unsigned` (placing the signature at `general.signature`) and POSTs it to
    /// `path`; returns the 2xx body or the mapped error.
    async fn post_signed(&self, path: &str, mut unsigned: Value) -> Result<Vec<u8>> {
        let signature = signer::sign_value(self.config.secret(), &unsigned)?;
        if let Some(general) = unsigned.get_mut("general").and_then(Value::as_object_mut) {
            general.insert("signature".to_owned(), Value::String(signature));
        }
        let body = serde_json::to_vec(&unsigned)
            .map_err(|e| Error::invalid_request("request", e.to_string()))?;
        let url = self.config.gate_base_url().join(path)?;
        let request = json_post(&url, body)?;
        let response = self.transport.send(request).await?;
        let status = response.status();
        let body = response.into_body();
        if !status.is_success() {
            return Err(http_error(status.as_u16(), &body));
        }
        Ok(body)
    }

    /// `POST /v2/payment/wallet/momopay/sale`: asks ecommpay to start a MoMo Wallet
    /// purchase. The answer only acknowledges receipt; the customer must then be
    /// redirected (intermediate callback) and the result arrives by final callback.
    ///
    /// Never retried (it moves money: `Idempotency::MovesMoney`). A timeout, broken
    /// connection, 5xx, unreadable 2xx answer or an acknowledgement `status` other than
    /// `success` / `error` is `OutcomeUnknown` with the payment id: query
    /// [`Client::status`] before anything else. `status: error` is an `Api` error.
    pub async fn sale(&self, request: &SaleRequest) -> Result<SaleAck> {
        let run = async {
            let unsigned = request.unsigned_body(self.config.project_id())?;
            let body = self
                .post_signed(SALE_PATH, unsigned)
                .await
                .map_err(|e| money_outcome(e, &request.payment_id))?;
            // A 2xx that cannot be read: the sale was received, its fate is unknown.
            let ack: SaleAck = decode_json(&body)
                .map_err(|e| Error::outcome_unknown(&request.payment_id).with_source(e))?;
            let refusal = || {
                let (code, message) = serde_json::from_slice::<ErrorBody>(&body)
                    .ok()
                    .and_then(ErrorBody::code_and_message)
                    .unwrap_or_else(|| (ack.status.to_string(), String::new()));
                Error::api(API_NAME, code, message)
            };
            match &ack.status {
                AckStatus::Success => Ok(ack),
                // A definite refusal: nothing was started.
                AckStatus::Error => Err(refusal()),
                // A status this crate does not know says neither: the sale may be under
                // way, so it must be settled with `status`, never resent.
                AckStatus::Unknown(_) => {
                    Err(Error::outcome_unknown(&request.payment_id).with_source(refusal()))
                }
            }
        };
        run.await
            .map_err(|e: Error| e.with_context(API_NAME, "sale"))
    }

    /// `POST /v2/payment/status`: the current state of `payment_id`. Retried under the
    /// configured policy. ecommpay asks to wait at least 10 s after the sale before the
    /// first check ([`Client::wait_for_final_status`] does).
    pub async fn status(&self, payment_id: &str) -> Result<StatusResponse> {
        let run = async {
            non_empty("payment_id", payment_id)?;
            let unsigned = to_value(&StatusWire {
                general: GeneralWire {
                    project_id: self.config.project_id(),
                    payment_id,
                    merchant_callback_url: None,
                },
            })?;
            let ids = PaymentIdAsRequestId(payment_id);
            let body = self
                .config
                .retry()
                .run(
                    Idempotency::Idempotent,
                    &ids,
                    self.clock.as_ref(),
                    |_, _| self.post_signed(STATUS_PATH, unsigned.clone()),
                )
                .await?;
            let response: StatusResponse = decode_json(&body)?;
            if response.payment.is_none() {
                if let Some(first) = response.errors.first() {
                    return Err(Error::api(
                        API_NAME,
                        first.code.clone().unwrap_or_default(),
                        first.message.clone().unwrap_or_default(),
                    ));
                }
                return Err(Error::decode("payment", "the status answer has no payment"));
            }
            Ok(response)
        };
        run.await
            .map_err(|e: Error| e.with_context(API_NAME, "status"))
    }

    /// Polls [`Client::status`] until the payment is final or the threshold passes,
    /// honouring the method's timings: the first check no sooner than
    /// `options.first_check_after` (≥ 10 s) after `initiated_at`, then every
    /// `options.interval`; once `options.threshold` has passed since `initiated_at`
    /// without a final status, the payment counts as declined
    /// ([`PollOutcome::ThresholdPassed`]). Waiting goes through the client's clock, so
    /// tests can use `momo_core::id::ManualClock`.
    ///
    /// Retryable errors (timeouts, 5xx) are tolerated until the threshold; others end
    /// the polling. Refused before any request: `first_check_after` under 10 s, a zero
    /// `interval`, a `threshold` shorter than `first_check_after`, and durations that
    /// overflow the calendar.
    pub async fn wait_for_final_status(
        &self,
        payment_id: &str,
        initiated_at: OffsetDateTime,
        options: PollOptions,
    ) -> Result<PollOutcome> {
        if options.first_check_after < PollOptions::MIN_FIRST_CHECK {
            return Err(Error::invalid_request(
                "first_check_after",
                "must be at least 10 s (ecommpay asks to wait before the first status check)",
            )
            .with_context(API_NAME, "status"));
        }
        if options.interval.is_zero() {
            return Err(Error::invalid_request("interval", "must be positive")
                .with_context(API_NAME, "status"));
        }
        if options.threshold < options.first_check_after {
            return Err(Error::invalid_request(
                "threshold",
                "must not be shorter than first_check_after",
            )
            .with_context(API_NAME, "status"));
        }
        let after = |field: &'static str, wait: Duration| {
            time::Duration::try_from(wait)
                .ok()
                .and_then(|d| initiated_at.checked_add(d))
                .ok_or_else(|| {
                    Error::invalid_request(field, "is too long (past the end of time)")
                        .with_context(API_NAME, "status")
                })
        };
        let first = after("first_check_after", options.first_check_after)?;
        let deadline = after("threshold", options.threshold)?;
        let now = self.clock.now();
        if now < first {
            self.clock.sleep(duration_between(now, first)).await;
        }
        let mut last = None;
        loop {
            match self.status(payment_id).await {
                Ok(r) if r.payment_status().is_some_and(PaymentStatus::is_final) => {
                    return Ok(PollOutcome::Final(Box::new(r)));
                }
                Ok(r) => last = Some(Box::new(r)),
                Err(e) if e.is_retryable() => {
                    tracing::debug!(payment_id, error = %e, "status check failed; polling on");
                }
                Err(e) => return Err(e),
            }
            let now = self.clock.now();
            if now >= deadline {
                return Ok(PollOutcome::ThresholdPassed { last });
            }
            let wait = options.interval.min(duration_between(now, deadline));
            self.clock.sleep(wait).await;
        }
    }
}

fn duration_between(from: OffsetDateTime, to: OffsetDateTime) -> Duration {
    Duration::try_from(to - from).unwrap_or(Duration::ZERO)
}
