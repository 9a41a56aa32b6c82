//! The Payroll client and its operations.
//!
//! | method | path | notes |
//! |---|---|---|
//! | [`PayrollClient::check_wallet`] | `api/payroll/check-wallet` | any result code is an answer |
//! | [`PayrollClient::pay`] | `api/payroll/pay` | moves money: never retried |
//! | [`PayrollClient::pay_and_confirm`] | `pay`, then `status` | polls with bounded back-off |
//! | [`PayrollClient::check_tran`] | `api/payroll/check-tran` | |
//! | [`PayrollClient::status`] | `api/payroll/status` | `checkRequestId` = the pay request id |
//! | [`PayrollClient::get_trans`] | `api/payroll/get-trans` | one day's transactions |
//!
//! Every request is `POST`, its JSON body encrypted to MoMo's certificate, with headers
//! `Content-Type: application/pgp-encrypted`, `Accept: application/pgp-encrypted` and
//! `partner-code`. Every answer is decrypted with the partner's key.
//!
//! Field names sent are the spec's *table* names (`personalId`, `createdDate`,
//! `checkRequestId`, `totalAmount`); where the spec's examples spell them otherwise
//! (`persionalId`, `createDate`, `paymentId`), those spellings are accepted when
//! parsing. The table's `TotalAmount` (capital T) row is taken to be a typo for the
//! example's `totalAmount`, like every other field's camelCase.
//!
//! # The optional check password
//!
//! Error 1020 ("Invalid password to check") and the spec's examples show a `password`
//! field for get-trans, check-wallet and status. When configured with
//! [`PayrollClientBuilder::check_password`], it is sent on those three calls.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use momo_core::error::{BoxError, decode_json};
use momo_core::retry::{Idempotency, RetryPolicy, money_outcome};
use momo_core::secret::{ExposeSecret, Redacted, SecretString};
use momo_core::{
    BaseUrl, Clock, Error, ErrorKind, IdSource, ReqwestTransport, Result, SystemClock, Transport,
    UuidV4,
};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::codes::{Class, ResultCode};
use crate::pay::{PayBatch, WalletId};
use crate::pgp::{DecryptionKey, RecipientCert};

/// The API name recorded in errors.
pub const API: &str = "momo-payroll";

/// The media type of every request and answer body.
pub const PGP_MEDIA_TYPE: &str = "application/pgp-encrypted";

/// A failure result code as [`ErrorKind::Api`].
fn api_error(code: ResultCode, message: String) -> Error {
    Error::api(API, code.code(), message)
}

/// Formats a time as the spec's `createdDate` (`YYYY-MM-DDThh:mm:ssTZD`, e.g.
/// `2017-03-06T19:20:30+07:00`), in Vietnam time (UTC+07:00), MoMo's zone.
pub fn format_created_date(at: OffsetDateTime) -> String {
    let vn = at.to_offset(time::macros::offset!(+7));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+07:00",
        vn.year(),
        u8::from(vn.month()),
        vn.day(),
        vn.hour(),
        vn.minute(),
        vn.second()
    )
}

/// How [`PayrollClient::pay_and_confirm`] polls `status`: up to `max_polls` queries, the
/// wait before poll *n* being `min(first_delay × 2^(n-1), max_delay)`. The waits go
/// through the client's [`Clock`], so tests run them instantly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    /// How many `status` queries at most.
    pub max_polls: u32,
    /// Wait before the first query.
    pub first_delay: Duration,
    /// Upper bound of any single wait.
    pub max_delay: Duration,
}

impl Default for PollPolicy {
    /// 8 polls, 2 s first, 60 s cap (about 4½ minutes in all).
    fn default() -> Self {
        PollPolicy {
            max_polls: 8,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl PollPolicy {
    /// The wait before poll `n` (1-based).
    pub fn delay(&self, n: u32) -> Duration {
        let factor = 2u32.saturating_pow(n.saturating_sub(1));
        self.first_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// The answer to `check-wallet`. Any result code is an answer here (1007 "wallet is
/// locked" is information, not a failure of the call): inspect
/// [`CheckWalletResponse::result_code`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CheckWalletResponse {
    /// Same as the request's.
    #[serde(rename = "requestId", default)]
    pub request_id: String,
    /// The result.
    #[serde(rename = "resultCode")]
    pub result_code: ResultCode,
    /// MoMo's message.
    #[serde(default)]
    pub message: String,
    /// Unique per answer.
    #[serde(rename = "referenceId", default)]
    pub reference_id: Option<String>,
}

/// `pay` was accepted (result code 0): MoMo recorded the batch; each transfer's result
/// comes later (Notify Result, or [`PayrollClient::status`]).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PayAccepted {
    /// The pay request id: the `checkRequestId` for [`PayrollClient::status`].
    #[serde(rename = "requestId", default)]
    pub request_id: String,
    /// Unique per answer.
    #[serde(rename = "referenceId", default)]
    pub reference_id: Option<String>,
    /// MoMo's message.
    #[serde(default)]
    pub message: String,
}

/// The result of one transfer, as `status`, `get-trans` and Notify Result report it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TransferStatus {
    /// The wallet paid.
    #[serde(rename = "walletId")]
    pub wallet_id: String,
    /// The amount requested (VND).
    #[serde(deserialize_with = "crate::wire::vnd")]
    pub amount: u64,
    /// The amount transferred (VND).
    #[serde(
        rename = "amountAccepted",
        default,
        deserialize_with = "crate::wire::opt_vnd"
    )]
    pub amount_accepted: Option<u64>,
    /// MoMo's payment reference ("using for report").
    #[serde(rename = "paymentRef", default)]
    pub payment_ref: Option<String>,
    /// The transfer's result (a JSON string on the wire, `"0"`; numbers accepted).
    #[serde(rename = "resultCode", default)]
    pub result_code: Option<ResultCode>,
    /// MoMo's message for this transfer.
    #[serde(default)]
    pub message: Option<String>,
}

impl TransferStatus {
    /// True when this transfer has a final result (success or failure).
    pub fn is_final(&self) -> bool {
        self.result_code
            .is_some_and(|c| c.class() != Class::CheckStatus)
    }
}

/// The answer to `status`: per-transfer results of one pay request.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StatusResponse {
    /// Same as the request's (the status query's own id).
    #[serde(rename = "requestId", default)]
    pub request_id: String,
    /// Unique per answer.
    #[serde(rename = "referenceId", default)]
    pub reference_id: Option<String>,
    /// MoMo's message.
    #[serde(default)]
    pub message: String,
    /// One entry per transfer.
    #[serde(default)]
    pub data: Vec<TransferStatus>,
}

/// The answer to `check-tran`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CheckTranResponse {
    /// Same as the request's.
    #[serde(rename = "requestId", default)]
    pub request_id: String,
    /// Unique per answer.
    #[serde(rename = "referenceId", default)]
    pub reference_id: Option<String>,
    /// MoMo's message.
    #[serde(default)]
    pub message: String,
    /// "The same with data of the response of function that want to check": its shape
    /// depends on the operation checked, so it is kept as JSON.
    #[serde(default)]
    pub data: Option<Value>,
}

/// One pay request in a `get-trans` answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct DayTransaction {
    /// The pay request id.
    #[serde(rename = "requestId")]
    pub request_id: String,
    /// Its transfers.
    #[serde(rename = "walletIds", default)]
    pub wallet_ids: Vec<TransferStatus>,
}

/// The answer to `get-trans`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct GetTransResponse {
    /// Same as the request's.
    #[serde(rename = "requestId", default)]
    pub request_id: String,
    /// Unique per answer.
    #[serde(rename = "referenceId", default)]
    pub reference_id: Option<String>,
    /// MoMo's message.
    #[serde(default)]
    pub message: String,
    /// The day's pay requests.
    #[serde(default)]
    pub data: Vec<DayTransaction>,
}

/// What [`PayrollClient::pay_and_confirm`] returns: the final result of every transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayrollOutcome {
    /// The pay request id.
    pub request_id: String,
    /// One entry per transfer of the batch, in the batch's order, as `status` reported
    /// them (each matched to the batch by wallet id and amount).
    pub transfers: Vec<TransferStatus>,
}

/// The top-level fields every answer carries.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "requestId", default)]
    request_id: Option<String>,
    #[serde(rename = "resultCode")]
    result_code: ResultCode,
    #[serde(default)]
    message: String,
}

/// A client for MoMo Payroll. Cheap to clone (shared state behind `Arc`).
#[derive(Clone)]
pub struct PayrollClient {
    inner: Arc<Inner>,
}

struct Inner {
    base: BaseUrl,
    partner_code: String,
    momo_cert: RecipientCert,
    partner_key: DecryptionKey,
    transport: Arc<dyn Transport>,
    ids: Arc<dyn IdSource>,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    poll: PollPolicy,
    check_password: Option<SecretString>,
}

impl fmt::Debug for PayrollClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("PayrollClient")
            .field("base", &i.base)
            .field("partner_code", &i.partner_code)
            .field("momo_cert", &i.momo_cert)
            .field("partner_key", &i.partner_key)
            .field("retry", &i.retry)
            .field("poll", &i.poll)
            .field(
                "check_password",
                &i.check_password.as_ref().map(|_| Redacted),
            )
            .finish()
    }
}

/// Configures a [`PayrollClient`].
pub struct PayrollClientBuilder {
    base: BaseUrl,
    partner_code: String,
    momo_cert: RecipientCert,
    partner_key: DecryptionKey,
    transport: Option<Arc<dyn Transport>>,
    ids: Arc<dyn IdSource>,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    poll: PollPolicy,
    check_password: Option<SecretString>,
}

impl fmt::Debug for PayrollClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayrollClientBuilder")
            .field("base", &self.base)
            .field("partner_code", &self.partner_code)
            .field(
                "check_password",
                &self.check_password.as_ref().map(|_| Redacted),
            )
            .finish_non_exhaustive()
    }
}

impl PayrollClientBuilder {
    /// The transport (default: [`default_transport`]: reqwest, the workspace's default
    /// timeout, redirects not followed).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Where request ids come from (default: UUID v4).
    pub fn ids(mut self, ids: Arc<dyn IdSource>) -> Self {
        self.ids = ids;
        self
    }

    /// The clock for `createdDate` and for waiting (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Retry policy for the idempotent queries (never applied to `pay`).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How `pay_and_confirm` polls `status`.
    pub fn poll(mut self, poll: PollPolicy) -> Self {
        self.poll = poll;
        self
    }

    /// The optional check password (see the [module docs](self)).
    pub fn check_password(mut self, password: SecretString) -> Self {
        self.check_password = Some(password);
        self
    }

    /// Builds the client; refuses an empty or non-printable partner code.
    pub fn build(self) -> Result<PayrollClient> {
        let code = self.partner_code.trim();
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_graphic()) {
            return Err(Error::invalid_request(
                "partner_code",
                "must be non-empty printable ASCII without spaces",
            ));
        }
        let transport = match self.transport {
            Some(t) => t,
            None => Arc::new(default_transport()?),
        };
        Ok(PayrollClient {
            inner: Arc::new(Inner {
                base: self.base,
                partner_code: code.to_owned(),
                momo_cert: self.momo_cert,
                partner_key: self.partner_key,
                transport,
                ids: self.ids,
                clock: self.clock,
                retry: self.retry,
                poll: self.poll,
                check_password: self.check_password,
            }),
        })
    }
}

/// The client's default transport: [`ReqwestTransport::new`], which never follows
/// redirects.
///
/// A followed `307`/`308` would POST the same body again to wherever `Location`
/// points: for `pay`, a second delivery of the payout that this crate never decided to
/// make. Payroll's paths are fixed under the base URL, so a redirect is an error here
/// ([`ErrorKind::HttpStatus`]). Supply your own transport with
/// [`PayrollClientBuilder::transport`] if you need other settings; keep redirects off.
pub fn default_transport() -> Result<ReqwestTransport> {
    ReqwestTransport::new()
}

/// Why an exchange failed: before anything was sent, while sending, or after an answer
/// arrived. `pay` maps the last two to [`ErrorKind::OutcomeUnknown`].
enum Failure {
    BeforeSend(Error),
    Sending(Error),
    Answer(Error),
}

impl Failure {
    fn into_error(self) -> Error {
        match self {
            Failure::BeforeSend(e) | Failure::Sending(e) | Failure::Answer(e) => e,
        }
    }
}

impl PayrollClient {
    /// A builder: MoMo's base URL (the `api/payroll/<op>` paths go under it), the
    /// partner code MoMo gave you, MoMo's certificate and your secret key.
    pub fn builder(
        base_url: BaseUrl,
        partner_code: impl Into<String>,
        momo_cert: RecipientCert,
        partner_key: DecryptionKey,
    ) -> PayrollClientBuilder {
        PayrollClientBuilder {
            base: base_url,
            partner_code: partner_code.into(),
            momo_cert,
            partner_key,
            transport: None,
            ids: Arc::new(UuidV4),
            clock: Arc::new(SystemClock),
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
            check_password: None,
        }
    }

    fn with_password(&self, mut body: Value) -> Value {
        if let (Some(p), Some(obj)) = (&self.inner.check_password, body.as_object_mut()) {
            obj.insert(
                "password".into(),
                Value::String(p.expose_secret().to_owned()),
            );
        }
        body
    }

    /// Encrypts `body`, POSTs it to `api/payroll/<op>`, decrypts the answer and checks
    /// its envelope (returns the plaintext and the envelope).
    async fn exchange(
        &self,
        op: &'static str,
        request_id: &str,
        body: &Value,
    ) -> std::result::Result<(Vec<u8>, Envelope), Failure> {
        let i = &self.inner;
        let url = i
            .base
            .join(&format!("api/payroll/{op}"))
            .map_err(Failure::BeforeSend)?;
        let plaintext = serde_json::to_vec(body)
            .map_err(|e| Failure::BeforeSend(Error::invalid_request("body", e.to_string())))?;
        let armored = i
            .momo_cert
            .encrypt(&plaintext)
            .map_err(Failure::BeforeSend)?;
        let request = http::Request::builder()
            .method(http::Method::POST)
            .uri(url.as_str())
            .header(http::header::CONTENT_TYPE, PGP_MEDIA_TYPE)
            .header(http::header::ACCEPT, PGP_MEDIA_TYPE)
            .header("partner-code", i.partner_code.as_str())
            .body(armored.into_bytes())
            .map_err(|e| Failure::BeforeSend(Error::invalid_request("url", e.to_string())))?;
        tracing::debug!(op, request_id, "momo-payroll request");
        let response = i.transport.send(request).await.map_err(Failure::Sending)?;
        if !response.status().is_success() {
            return Err(Failure::Sending(Error::http_status(
                response.status().as_u16(),
                response.body(),
            )));
        }
        let plain = i
            .partner_key
            .decrypt(response.body())
            .map_err(Failure::Answer)?;
        let envelope: Envelope = decode_json(&plain).map_err(Failure::Answer)?;
        // An empty echo is tolerated (a server that could not decrypt cannot know it).
        if let Some(echo) = &envelope.request_id
            && !echo.is_empty()
            && echo != request_id
        {
            return Err(Failure::Answer(Error::decode(
                "requestId",
                format!("the answer is for request {echo:?}, not {request_id:?}"),
            )));
        }
        Ok((plain, envelope))
    }

    /// An idempotent query with retries. With `any_code`, every result code is
    /// returned; otherwise non-zero codes are errors.
    ///
    /// Each retry carries a **fresh** request id. The workspace default is to reuse one
    /// id so a server can recognise a repeat, but Payroll's result-code table applies
    /// code 8 "Duplicate request Id" to *all* APIs: a query that reached MoMo and timed
    /// out would only be refused if resent under the same id. Queries move nothing, so a
    /// new id is safe (`pay` is never retried at all).
    async fn query<T: serde::de::DeserializeOwned>(
        &self,
        op: &'static str,
        body: impl Fn(&str) -> Value,
        any_code: bool,
    ) -> Result<T> {
        let i = &self.inner;
        let body = &body;
        i.retry
            .run(
                Idempotency::Idempotent,
                i.ids.as_ref(),
                i.clock.as_ref(),
                |first_id, attempt| {
                    let request_id = if attempt <= 1 {
                        first_id.to_owned()
                    } else {
                        i.ids.next_id()
                    };
                    async move {
                        let value = body(&request_id);
                        let (plain, env) = self
                            .exchange(op, &request_id, &value)
                            .await
                            .map_err(Failure::into_error)?;
                        if !any_code && !env.result_code.is_success() {
                            return Err(api_error(env.result_code, env.message));
                        }
                        decode_json::<T>(&plain)
                    }
                },
            )
            .await
            .map_err(|e| e.with_context(API, op))
    }

    /// `check-wallet`: the state of a wallet. Any result code is returned (see
    /// [`CheckWalletResponse`]).
    pub async fn check_wallet(&self, wallet: &WalletId) -> Result<CheckWalletResponse> {
        self.query(
            "check-wallet",
            |id| self.with_password(json!({"requestId": id, "walletId": wallet.as_str()})),
            true,
        )
        .await
    }

    /// `check-tran`: one transaction by its `paymentRef`.
    pub async fn check_tran(&self, payment_ref: &str) -> Result<CheckTranResponse> {
        if payment_ref.trim().is_empty() {
            return Err(Error::invalid_request("paymentRef", "must not be empty")
                .with_context(API, "check-tran"));
        }
        self.query(
            "check-tran",
            |id| json!({"requestId": id, "paymentRef": payment_ref}),
            false,
        )
        .await
    }

    /// `status`: per-transfer results of the pay request `check_request_id`.
    pub async fn status(&self, check_request_id: &str) -> Result<StatusResponse> {
        if check_request_id.trim().is_empty() {
            return Err(
                Error::invalid_request("checkRequestId", "must not be empty")
                    .with_context(API, "status"),
            );
        }
        self.query(
            "status",
            |id| self.with_password(json!({"requestId": id, "checkRequestId": check_request_id})),
            false,
        )
        .await
    }

    /// `get-trans`: every pay request of one day.
    pub async fn get_trans(&self, date: time::Date) -> Result<GetTransResponse> {
        let day = format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        );
        self.query(
            "get-trans",
            |id| self.with_password(json!({"requestId": id, "date": day})),
            false,
        )
        .await
    }

    /// `pay`: sends a batch **once**. Never retried.
    ///
    /// - result code 0 → [`PayAccepted`] (recorded; results follow by Notify Result or
    ///   [`PayrollClient::status`]);
    /// - code 10, an unknown code, code 8 "Duplicate request Id" (MoMo already holds a
    ///   request with this fresh id: possibly this batch, delivered twice on the way), a
    ///   timeout or broken connection, an HTTP 5xx, or an answer that cannot be read or
    ///   that echoes another request id → [`ErrorKind::OutcomeUnknown`] carrying the
    ///   request id: query `status` with it; **do not resend** the batch;
    /// - any other code → [`ErrorKind::Api`] (nothing was paid);
    /// - a refused connection (nothing sent) or an HTTP 4xx (refused before processing)
    ///   → the transport or HTTP-status error itself.
    pub async fn pay(&self, batch: &PayBatch) -> Result<PayAccepted> {
        let request_id = self.inner.ids.next_id();
        self.pay_with_id(batch, &request_id)
            .await
            .map_err(|e| e.with_context(API, "pay"))
    }

    async fn pay_with_id(&self, batch: &PayBatch, request_id: &str) -> Result<PayAccepted> {
        let mut body = json!({
            "requestId": request_id,
            "walletIds": batch.transfers(),
            "totalAmount": batch.total_amount(),
            "createdDate": format_created_date(self.inner.clock.now()),
        });
        if let (Some(d), Some(obj)) = (batch.description(), body.as_object_mut()) {
            obj.insert("description".into(), Value::String(d.to_owned()));
        }
        let (plain, env) = match self.exchange("pay", request_id, &body).await {
            Ok(ok) => ok,
            Err(Failure::BeforeSend(e)) => return Err(e),
            Err(Failure::Sending(e)) => return Err(money_outcome(e, request_id)),
            Err(Failure::Answer(e)) => {
                return Err(Error::outcome_unknown(request_id).with_source(e));
            }
        };
        match env.result_code.class() {
            Class::Success => {
                let mut accepted = decode_json::<PayAccepted>(&plain)
                    .map_err(|e| Error::outcome_unknown(request_id).with_source(e))?;
                if accepted.request_id.is_empty() {
                    accepted.request_id = request_id.to_owned();
                }
                Ok(accepted)
            }
            // Code 8 "Duplicate request Id" to a pay whose id was drawn fresh for this
            // call means MoMo already holds a request with this id: most likely this very
            // batch, delivered twice on the way (a proxy or load balancer replaying it).
            // The table's "Fail" is true of the *repeat* only; the first delivery may
            // have been paid. Reading it as "nothing paid" would invite a resend.
            _ if env.result_code == ResultCode::DuplicateRequestId => {
                Err(Error::outcome_unknown(request_id)
                    .with_source(api_error(env.result_code, env.message)))
            }
            Class::CheckStatus => Err(Error::outcome_unknown(request_id)
                .with_source(api_error(env.result_code, env.message))),
            Class::Fail => Err(api_error(env.result_code, env.message)),
        }
    }

    /// Sends the batch once (see [`PayrollClient::pay`]), then polls `status`
    /// (`checkRequestId` = the pay request id) under the client's [`PollPolicy`] until
    /// every transfer of the batch has a final result, and returns them in the batch's
    /// order.
    ///
    /// If `pay` definitely failed, that error is returned. If the results are still not
    /// final after the last poll, or `status` fails in a way polling cannot fix, the
    /// error is [`ErrorKind::OutcomeUnknown`] with the pay request id (and the last
    /// status error as its source). So is a `status` answer that does not describe this
    /// batch (a wallet that is not in it, a different amount, a wallet reported twice):
    /// that is for a person to look at. The batch is never sent twice.
    pub async fn pay_and_confirm(&self, batch: &PayBatch) -> Result<PayrollOutcome> {
        let request_id = self.inner.ids.next_id();
        match self.pay_with_id(batch, &request_id).await {
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::OutcomeUnknown { .. }) => {
                tracing::warn!(request_id, "payroll pay outcome unknown; polling status");
            }
            Err(e) => return Err(e.with_context(API, "pay")),
        }
        self.confirm(&request_id, batch)
            .await
            .map_err(|e| e.with_context(API, "pay_and_confirm"))
    }

    async fn confirm(&self, request_id: &str, batch: &PayBatch) -> Result<PayrollOutcome> {
        let poll = self.inner.poll;
        let mut last: BoxError = "no status query was made".into();
        for n in 1..=poll.max_polls {
            self.inner.clock.sleep(poll.delay(n)).await;
            match self.status(request_id).await {
                Ok(st) => match settle(batch, st.data) {
                    Settled::Final(transfers) => {
                        return Ok(PayrollOutcome {
                            request_id: request_id.to_owned(),
                            transfers,
                        });
                    }
                    Settled::Pending(why) => last = why.into(),
                    Settled::Mismatch(why) => {
                        return Err(Error::outcome_unknown(request_id).with_source(why));
                    }
                },
                Err(e) => {
                    // 1003: MoMo has not recorded the pay (yet); 8: a retried query's id
                    // was already seen (the next poll draws a new one); 10 or unknown:
                    // not settled yet.
                    let top_level_code = match e.kind() {
                        ErrorKind::Api { code, .. } => ResultCode::parse(code),
                        _ => None,
                    };
                    let keep_polling = e.is_retryable()
                        || top_level_code.is_some_and(|c| {
                            c == ResultCode::PaymentIdNotFound
                                || c == ResultCode::DuplicateRequestId
                                || c.class() == Class::CheckStatus
                        });
                    if !keep_polling {
                        return Err(Error::outcome_unknown(request_id).with_source(e));
                    }
                    last = Box::new(e);
                }
            }
        }
        Err(Error::outcome_unknown(request_id).with_source(last))
    }
}

/// What one `status` answer says about a batch.
enum Settled {
    /// Every transfer of the batch has a final result (in the batch's order).
    Final(Vec<TransferStatus>),
    /// Not yet: some transfer is missing or not final.
    Pending(String),
    /// The answer does not describe this batch.
    Mismatch(String),
}

/// Matches the transfers `status` reported against the batch, wallet by wallet.
fn settle(batch: &PayBatch, data: Vec<TransferStatus>) -> Settled {
    let lines = batch.transfers();
    let mut found: Vec<Option<TransferStatus>> = vec![None; lines.len()];
    for t in data {
        // MoMo may write the number in another form (+84...); compare national forms.
        let wallet = WalletId::parse(&t.wallet_id)
            .map(|w| w.as_str().to_owned())
            .unwrap_or_else(|_| t.wallet_id.clone());
        let Some(i) = lines.iter().position(|l| l.wallet_id().as_str() == wallet) else {
            return Settled::Mismatch(format!(
                "status reports a transfer to wallet {:?}, which is not in this batch",
                t.wallet_id
            ));
        };
        let expected = lines.get(i).map_or(0, |l| l.amount());
        if t.amount != expected {
            return Settled::Mismatch(format!(
                "status reports {} VND for wallet {wallet}; this batch pays it {expected} VND",
                t.amount
            ));
        }
        match found.get_mut(i) {
            Some(slot @ None) => *slot = Some(t),
            _ => {
                return Settled::Mismatch(format!("status reports wallet {wallet} more than once"));
            }
        }
    }
    let reported = found.iter().filter(|f| f.is_some()).count();
    let finals = found
        .iter()
        .filter(|f| f.as_ref().is_some_and(TransferStatus::is_final))
        .count();
    if finals == lines.len() {
        Settled::Final(found.into_iter().flatten().collect())
    } else {
        Settled::Pending(format!(
            "status: {reported} of {} transfer(s) reported, {finals} final",
            lines.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn created_date_is_vietnam_time_with_offset() {
        assert_eq!(
            format_created_date(datetime!(2017-03-06 12:20:30 UTC)),
            "2017-03-06T19:20:30+07:00"
        );
        assert_eq!(
            format_created_date(datetime!(2026-12-31 20:00:00.999 UTC)),
            "2027-01-01T03:00:00+07:00"
        );
    }

    #[test]
    fn poll_delays_are_bounded() {
        let p = PollPolicy {
            max_polls: 10,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(5),
        };
        let d: Vec<u64> = (1..=6).map(|n| p.delay(n).as_secs()).collect();
        assert_eq!(d, vec![1, 2, 4, 5, 5, 5]);
        assert_eq!(p.delay(200), Duration::from_secs(5));
    }
}
