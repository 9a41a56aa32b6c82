//! Notify Result: MoMo → partner, one request per transfer, **plain JSON**
//! (`Content-type: application/json`, not encrypted).
//!
//! [`NotifyHandler::handle`] is framework-agnostic: give it the request body, send back
//! the status and bytes it returns. It parses the notification ([`NotifyResult`]), calls
//! your callback, and answers `{requestId, resultCode, referenceId, message}`.
//!
//! It is idempotent on `requestId` through an [`IdempotencyStore`] (in-memory by
//! default; share one store between processes if you run several): a repeated
//! notification gets the same answer and does **not** reach the callback twice. Within
//! one handler, notifications are handled one at a time so two deliveries of the same
//! notification cannot race past the store. A callback error is not recorded (answer:
//! HTTP 500, result code 1015 "Partner system error"), so MoMo's redelivery reaches the
//! callback again.
//!
//! The spec publishes no signature for this call: treat a notification as a hint and
//! confirm with [`crate::PayrollClient::status`] before acting on money you did not
//! expect.
//!
//! ```
//! use momo_payroll::notify::{NotifyHandler, NotifyReply};
//! let handler = NotifyHandler::new(|n| {
//!     println!("{} got {:?} VND", n.wallet_id, n.amount_accepted);
//!     Ok(NotifyReply::success())
//! });
//! let body = br#"{"requestId":"wqrwpo2343240xsad213","paymentId":"dsadaad213",
//!   "createdDate":"2017-03-16 15:05:05.231","message":"sdfsd sfdsfs","walletId":"0903412002",
//!   "amount":12000000,"amountAccepted":12000000,"resultCode":"0","paymentRef":"1234567890125"}"#;
//! let (status, answer) = handler.handle(body);
//! assert_eq!(status, 200);
//! let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
//! assert_eq!(answer["requestId"], "wqrwpo2343240xsad213");
//! assert_eq!(answer["resultCode"], 0);
//! assert_eq!(handler.handle(body).1, serde_json::to_vec(&answer).unwrap()); // same answer again
//! ```

use std::fmt;
use std::sync::{Arc, Mutex};

use http::StatusCode;
use momo_core::error::{BoxError, decode_json};
use momo_core::{IdSource, IdempotencyStore, InMemoryStore, UuidV4};
use serde::Deserialize;
use serde_json::json;

use crate::codes::ResultCode;

/// One Notify Result from MoMo.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct NotifyResult {
    /// MoMo's id for this notification (the idempotency key).
    #[serde(rename = "requestId")]
    pub request_id: String,
    /// "The same requestId when partner send to Momo": the pay request id.
    #[serde(rename = "paymentId", default)]
    pub payment_id: Option<String>,
    /// MoMo's message.
    #[serde(default)]
    pub message: Option<String>,
    /// When MoMo made it (`yyyy-MM-dd HH:mi:ss.ZZZ`, kept as sent); `createDate`
    /// accepted too.
    #[serde(rename = "createdDate", alias = "createDate", default)]
    pub created_date: Option<String>,
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
    /// The transfer's result (a string on the wire, `"0"`; numbers accepted).
    #[serde(rename = "resultCode")]
    pub result_code: ResultCode,
    /// MoMo's payment reference ("using for report").
    #[serde(rename = "paymentRef", default)]
    pub payment_ref: Option<String>,
}

/// What the callback answers (the handler adds `requestId` and `referenceId`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyReply {
    /// `resultCode` of the answer (0: received).
    pub result_code: i64,
    /// `message` of the answer.
    pub message: String,
    /// `referenceId`; one is generated when `None`.
    pub reference_id: Option<String>,
}

impl NotifyReply {
    /// Received and processed: code 0, "Success".
    pub fn success() -> Self {
        NotifyReply {
            result_code: 0,
            message: "Success".into(),
            reference_id: None,
        }
    }
}

type Callback = dyn Fn(&NotifyResult) -> Result<NotifyReply, BoxError> + Send + Sync;

/// Handles Notify Result requests; see the [module docs](self).
pub struct NotifyHandler {
    callback: Box<Callback>,
    store: Arc<dyn IdempotencyStore>,
    ids: Arc<dyn IdSource>,
    serial: Mutex<()>,
}

impl fmt::Debug for NotifyHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyHandler").finish_non_exhaustive()
    }
}

const KEY_PREFIX: &str = "momo-payroll:notify:";

impl NotifyHandler {
    /// A handler around `callback`, with an [`InMemoryStore`] and UUID reference ids.
    pub fn new<F>(callback: F) -> Self
    where
        F: Fn(&NotifyResult) -> Result<NotifyReply, BoxError> + Send + Sync + 'static,
    {
        NotifyHandler {
            callback: Box::new(callback),
            store: Arc::new(InMemoryStore::new()),
            ids: Arc::new(UuidV4),
            serial: Mutex::new(()),
        }
    }

    /// Uses `store` to remember answers (share it between processes that handle the
    /// same notifications).
    pub fn with_store(mut self, store: Arc<dyn IdempotencyStore>) -> Self {
        self.store = store;
        self
    }

    /// Where generated `referenceId`s come from.
    pub fn with_ids(mut self, ids: Arc<dyn IdSource>) -> Self {
        self.ids = ids;
        self
    }

    /// Handles one request body: `(200, answer)` when processed (or already processed),
    /// `(400, answer)` for a body that is not a Notify Result (including an empty
    /// `requestId`, which could not be deduplicated), `(500, answer)` when the
    /// callback failed (not recorded; a redelivery is processed afresh).
    pub fn handle(&self, body: &[u8]) -> (StatusCode, Vec<u8>) {
        let note: NotifyResult = match decode_json(body) {
            Ok(n) => n,
            Err(e) => {
                let request_id = serde_json::from_slice::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v.get("requestId")?.as_str().map(str::to_owned))
                    .unwrap_or_default();
                return (
                    StatusCode::BAD_REQUEST,
                    self.answer(
                        &request_id,
                        ResultCode::OtherError.code(),
                        &format!("invalid notification: {e}"),
                        None,
                    ),
                );
            }
        };
        // The idempotency key: an empty one would make every id-less notification a
        // "repeat" of the first, and none of the others would reach the callback.
        if note.request_id.trim().is_empty() {
            return (
                StatusCode::BAD_REQUEST,
                self.answer(
                    &note.request_id,
                    ResultCode::OtherError.code(),
                    "invalid notification: requestId must not be empty",
                    None,
                ),
            );
        }
        let key = format!("{KEY_PREFIX}{}", note.request_id);
        let _serial = self.serial.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(previous) = self.store.get(&key) {
            return (StatusCode::OK, previous);
        }
        match (self.callback)(&note) {
            Ok(reply) => {
                let bytes = self.answer(
                    &note.request_id,
                    reply.result_code,
                    &reply.message,
                    reply.reference_id,
                );
                (StatusCode::OK, self.store.put_if_absent(&key, bytes))
            }
            Err(e) => {
                tracing::warn!(request_id = %note.request_id, error = %e, "payroll notify callback failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    self.answer(
                        &note.request_id,
                        ResultCode::PartnerSystemError.code(),
                        ResultCode::PartnerSystemError.meaning(),
                        None,
                    ),
                )
            }
        }
    }

    fn answer(
        &self,
        request_id: &str,
        code: i64,
        message: &str,
        reference_id: Option<String>,
    ) -> Vec<u8> {
        let reference_id = reference_id.unwrap_or_else(|| self.ids.next_id());
        let v = json!({
            "requestId": request_id,
            "resultCode": code,
            "referenceId": reference_id,
            "message": message,
        });
        v.to_string().into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use momo_core::id::SequentialIds;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const BODY: &[u8] = br#"{
        "requestId": "wqrwpo2343240xsad213",
        "paymentId": "dsadaad213",
        "createdDate": "2017-03-16 15:05:05.231",
        "message": "sdfsd sfdsfs",
        "walletId": "0903412002",
        "amount": 12000000,
        "amountAccepted": 12000000,
        "resultCode": "0",
        "paymentRef": "1234567890125"
    }"#;

    fn counting() -> (NotifyHandler, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let h = NotifyHandler::new(move |n| {
            assert_eq!(n.result_code, ResultCode::Success);
            c.fetch_add(1, Ordering::SeqCst);
            Ok(NotifyReply::success())
        })
        .with_ids(Arc::new(SequentialIds::new("ref-")));
        (h, calls)
    }

    #[test]
    fn parses_the_spec_example_and_answers() {
        let n: NotifyResult = serde_json::from_slice(BODY).unwrap();
        assert_eq!(n.payment_id.as_deref(), Some("dsadaad213"));
        assert_eq!(n.amount, 12_000_000);
        assert_eq!(n.amount_accepted, Some(12_000_000));
        assert_eq!(n.created_date.as_deref(), Some("2017-03-16 15:05:05.231"));
        let (h, calls) = counting();
        let (status, body) = h.handle(BODY);
        assert_eq!(status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            json!({"requestId": "wqrwpo2343240xsad213", "resultCode": 0, "referenceId": "ref-1", "message": "Success"})
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn repeated_notification_gets_same_answer_without_second_callback() {
        let (h, calls) = counting();
        let first = h.handle(BODY);
        let second = h.handle(BODY);
        assert_eq!(first, second);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // A different requestId is a different notification.
        let other = String::from_utf8(BODY.to_vec())
            .unwrap()
            .replace("wqrwpo2343240xsad213", "another");
        assert_eq!(h.handle(other.as_bytes()).0, StatusCode::OK);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn numeric_result_code_and_create_date_spelling_are_accepted() {
        let n: NotifyResult = serde_json::from_str(
            r#"{"requestId":"r","walletId":"0903412002","amount":"5","resultCode":1005,"createDate":"x"}"#,
        )
        .unwrap();
        assert_eq!(n.result_code, ResultCode::OverBalance);
        assert_eq!(n.amount, 5);
        assert_eq!(n.created_date.as_deref(), Some("x"));
    }

    #[test]
    fn garbage_is_400_and_never_reaches_the_callback() {
        let (h, calls) = counting();
        for body in [
            &b"not json"[..],
            br#"{"requestId":"r1"}"#,
            br#"{"requestId":"r2","walletId":"0903412002","amount":1.5,"resultCode":"0"}"#,
        ] {
            let (status, answer) = h.handle(body);
            assert_eq!(status, StatusCode::BAD_REQUEST);
            let v: serde_json::Value = serde_json::from_slice(&answer).unwrap();
            assert_eq!(v["resultCode"], 11);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn empty_request_ids_are_refused_not_collapsed_into_one() {
        let (h, calls) = counting();
        for id in ["", "  "] {
            let body = String::from_utf8(BODY.to_vec())
                .unwrap()
                .replace("wqrwpo2343240xsad213", id);
            let (status, answer) = h.handle(body.as_bytes());
            assert_eq!(status, StatusCode::BAD_REQUEST);
            let v: serde_json::Value = serde_json::from_slice(&answer).unwrap();
            assert_eq!(v["resultCode"], 11);
            assert!(v["message"].as_str().unwrap().contains("requestId"), "{v}");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn no_body_panics() {
        let (h, _) = counting();
        for body in [
            &b""[..],
            b"\xff\xfe",
            b"[]",
            b"null",
            b"{\"requestId\":5}",
            b"{\"requestId\":\"r\",\"walletId\":\"0903412002\",\"amount\":-1,\"resultCode\":\"0\"}",
            b"{\"requestId\":\"r\",\"walletId\":\"0903412002\",\"amount\":18446744073709551616,\"resultCode\":\"0\"}",
            b"{\"requestId\":\"r\",\"walletId\":\"0903412002\",\"amount\":1,\"resultCode\":\"x\"}",
            b"{\"requestId\":\"r\",\"walletId\":\"0903412002\",\"amount\":1,\"resultCode\":99999999999999999999}",
        ] {
            let (status, answer) = h.handle(body);
            assert_eq!(status, StatusCode::BAD_REQUEST, "{:?}", String::from_utf8_lossy(body));
            assert!(serde_json::from_slice::<serde_json::Value>(&answer).is_ok());
        }
    }

    #[test]
    fn callback_failure_is_500_and_not_recorded() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let h = NotifyHandler::new(move |_| {
            if c.fetch_add(1, Ordering::SeqCst) == 0 {
                Err("database down".into())
            } else {
                Ok(NotifyReply::success())
            }
        });
        let (status, answer) = h.handle(BODY);
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let v: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(v["resultCode"], 1015);
        assert_eq!(h.handle(BODY).0, StatusCode::OK);
        assert_eq!(h.handle(BODY).0, StatusCode::OK);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
