//! The one error type every momo-sdk crate returns.
//!
//! [`Error`] is a small struct: an [`ErrorKind`] saying *what* went wrong (matched on by
//! callers), an optional source error (the chain is kept, see
//! [`std::error::Error::source`]), and the API / operation it happened in. The taxonomy
//! follows the life of one call:
//!
//! | phase | kind |
//! |---|---|
//! | before any I/O | [`ErrorKind::InvalidRequest`] |
//! | sending | [`ErrorKind::Transport`] (connect / timeout / io) |
//! | the server answered non-2xx | [`ErrorKind::HttpStatus`] |
//! | the server answered 2xx with a failure code | [`ErrorKind::Api`] |
//! | the body could not be read | [`ErrorKind::Decode`] |
//! | signatures, checksums, encryption | [`ErrorKind::Signature`], [`ErrorKind::Crypto`] |
//! | a money-moving call whose result is unknown | [`ErrorKind::OutcomeUnknown`] |
//!
//! No error ever contains a secret: constructors take only what the caller already
//! knows is safe to print, and HTTP bodies are cut to [`BODY_SNIPPET_LIMIT`] bytes.

use std::error::Error as StdError;
use std::fmt;

/// Boxed error used as an [`Error`]'s source.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Shorthand for `Result<T, momo_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How many bytes of an HTTP body an [`ErrorKind::HttpStatus`] keeps.
pub const BODY_SNIPPET_LIMIT: usize = 512;

/// An error from any momo-sdk crate.
///
/// Match on [`Error::kind`]; use the predicates ([`Error::is_timeout`],
/// [`Error::is_retryable`], [`Error::api_code`]) for the common questions.
pub struct Error {
    kind: ErrorKind,
    source: Option<BoxError>,
    api: Option<&'static str>,
    operation: Option<&'static str>,
}

/// What went wrong. New variants may be added in minor releases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller's input was refused before anything was sent.
    #[error("invalid request: `{field}` {reason}")]
    InvalidRequest {
        /// The field (or parameter) at fault, as the caller knows it.
        field: String,
        /// Why it was refused.
        reason: String,
    },
    /// The request could not be sent or its answer could not be received.
    #[error("transport error ({0})")]
    Transport(TransportErrorKind),
    /// The server answered with a non-success HTTP status.
    #[error("HTTP status {status}: {body_snippet}")]
    HttpStatus {
        /// The HTTP status code.
        status: u16,
        /// The first [`BODY_SNIPPET_LIMIT`] bytes of the body, lossily decoded.
        body_snippet: String,
    },
    /// The API answered (usually HTTP 2xx) with a failure result code.
    #[error("{api} result code {code}: {message}")]
    Api {
        /// Which API answered (`"momo-payroll"`, `"ecommpay"`, ...).
        api: &'static str,
        /// The API's own result code, as text (some APIs use strings).
        code: String,
        /// The API's message, as sent.
        message: String,
    },
    /// A body could not be decoded into the expected type.
    #[error("could not decode response at `{path}`: {message}")]
    Decode {
        /// JSON path of the failure (`.` for the root), from `serde_path_to_error`.
        path: String,
        /// What the decoder said.
        message: String,
    },
    /// A signature or checksum did not verify, or was missing.
    #[error("signature error: {0}")]
    Signature(String),
    /// Encryption, decryption or key handling failed.
    #[error("crypto error: {0}")]
    Crypto(String),
    /// A money-moving request may or may not have been carried out. Do **not** resend
    /// it: ask the API for the status of `request_id` instead.
    ///
    /// Check for this kind *before* reading [`Error::api_code`] or treating an error as
    /// a refusal: the source chain may hold the API's answer (such as MoMo Payroll's
    /// code 10, "unknown result"), and [`Error::api_code`] deliberately returns `None`
    /// here.
    #[error(
        "outcome unknown for request {request_id}: query its status with this request id; do not resend"
    )]
    OutcomeUnknown {
        /// The request id to query.
        request_id: String,
    },
}

/// Why a transport failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made (DNS, refused, TLS handshake).
    #[error("connect")]
    Connect,
    /// The request or the answer took longer than the configured timeout.
    #[error("timeout")]
    Timeout,
    /// The connection broke while sending or receiving.
    #[error("io")]
    Io,
    /// Anything else the HTTP stack reported (bad request construction, redirects...).
    #[error("other")]
    Other,
}

impl Error {
    /// A new error of this kind, with no source.
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            kind,
            source: None,
            api: None,
            operation: None,
        }
    }

    /// Attaches a source error (kept in the chain).
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Records which API and operation the error came from, unless already recorded.
    pub fn with_context(mut self, api: &'static str, operation: &'static str) -> Self {
        self.api.get_or_insert(api);
        self.operation.get_or_insert(operation);
        self
    }

    /// Caller input refused before sending; names the field.
    pub fn invalid_request(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest {
            field: field.into(),
            reason: reason.into(),
        })
    }

    /// A transport failure.
    pub fn transport(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        Self::new(ErrorKind::Transport(kind)).with_source(source)
    }

    /// A non-success HTTP status; keeps at most [`BODY_SNIPPET_LIMIT`] bytes of the body.
    pub fn http_status(status: u16, body: &[u8]) -> Self {
        Self::new(ErrorKind::HttpStatus {
            status,
            body_snippet: body_snippet(body),
        })
    }

    /// A failure result code from the API.
    pub fn api(api: &'static str, code: impl fmt::Display, message: impl Into<String>) -> Self {
        let mut err = Self::new(ErrorKind::Api {
            api,
            code: code.to_string(),
            message: message.into(),
        });
        err.api = Some(api);
        err
    }

    /// A decode failure at a JSON path.
    pub fn decode(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Decode {
            path: path.into(),
            message: message.into(),
        })
    }

    /// A signature that is missing or does not verify.
    pub fn signature(reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::Signature(reason.into()))
    }

    /// An encryption / decryption / key failure.
    pub fn crypto(reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::Crypto(reason.into()))
    }

    /// A money-moving call whose outcome is unknown.
    pub fn outcome_unknown(request_id: impl Into<String>) -> Self {
        Self::new(ErrorKind::OutcomeUnknown {
            request_id: request_id.into(),
        })
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The API the error came from, where known.
    pub fn api_name(&self) -> Option<&'static str> {
        self.api
    }

    /// The operation the error came from, where known.
    pub fn operation(&self) -> Option<&'static str> {
        self.operation
    }

    /// True when the request timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, ErrorKind::Transport(TransportErrorKind::Timeout))
    }

    /// True when trying the *same* request again may succeed: connection failures,
    /// timeouts, broken connections, HTTP 408/429/5xx. Whether it is *safe* to retry is
    /// a separate question answered by [`crate::retry::Idempotency`].
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            ErrorKind::Transport(
                TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Io,
            ) => true,
            ErrorKind::HttpStatus { status, .. } => {
                *status == 408 || *status == 429 || (500..=599).contains(status)
            }
            _ => false,
        }
    }

    /// The API's result code: of this error when it is [`ErrorKind::Api`], or of an
    /// [`ErrorKind::HttpStatus`] error whose body carried one (kept as its source).
    ///
    /// Never for [`ErrorKind::OutcomeUnknown`], even when the code that made the outcome
    /// unknown is in its source chain: a code is not a refusal there, so always look at
    /// [`Error::kind`] before deciding that nothing happened.
    pub fn api_code(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Api { code, .. } => Some(code),
            ErrorKind::HttpStatus { .. } => self
                .source
                .as_deref()
                .and_then(|s| s.downcast_ref::<Error>())
                .and_then(Error::api_code),
            _ => None,
        }
    }

    /// The HTTP status, for [`ErrorKind::HttpStatus`] errors.
    pub fn http_status_code(&self) -> Option<u16> {
        match &self.kind {
            ErrorKind::HttpStatus { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let ErrorKind::Api { api, code, message } = &self.kind {
            // The kind already names the API; put the operation beside it.
            return match self.operation() {
                Some(op) => write!(f, "{api} {op}: result code {code}: {message}"),
                None => write!(f, "{api} result code {code}: {message}"),
            };
        }
        match (self.api, self.operation()) {
            (Some(api), Some(op)) => write!(f, "{api} {op}: ")?,
            (Some(api), None) => write!(f, "{api}: ")?,
            _ => {}
        }
        fmt::Display::fmt(&self.kind, f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind);
        if let Some(api) = self.api {
            d.field("api", &api);
        }
        if let Some(op) = self.operation() {
            d.field("operation", &op);
        }
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

impl From<reqwest::Error> for Error {
    fn from(err: reqwest::Error) -> Self {
        let kind = if err.is_timeout() {
            TransportErrorKind::Timeout
        } else if err.is_connect() {
            TransportErrorKind::Connect
        } else if err.is_body() || err.is_request() || err.is_decode() {
            TransportErrorKind::Io
        } else {
            TransportErrorKind::Other
        };
        // reqwest's Display includes the URL; our URLs never carry secrets (credentials
        // go in headers or bodies), so keeping it as the source is safe.
        Error::transport(kind, err)
    }
}

/// Cuts a body to at most [`BODY_SNIPPET_LIMIT`] bytes on a UTF-8 boundary, decoding
/// lossily, with `…` appended when cut.
pub fn body_snippet(body: &[u8]) -> String {
    if body.len() <= BODY_SNIPPET_LIMIT {
        return String::from_utf8_lossy(body).into_owned();
    }
    let text = String::from_utf8_lossy(&body[..BODY_SNIPPET_LIMIT]);
    // A multi-byte character cut in half decodes as U+FFFD at the end; drop it.
    let trimmed = text.trim_end_matches('\u{FFFD}');
    format!("{trimmed}…")
}

/// Decodes JSON into `T`, reporting the path of the first failure
/// (via `serde_path_to_error`) as [`ErrorKind::Decode`].
pub fn decode_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        Error::decode(path, inner.to_string()).with_source(inner)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        data: Inner,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        items: Vec<Item>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        amount: i64,
    }

    #[test]
    fn decode_reports_json_path() {
        let err = decode_json::<Outer>(br#"{"data":{"items":[{"amount":1},{"amount":"x"}]}}"#)
            .unwrap_err();
        match err.kind() {
            ErrorKind::Decode { path, message } => {
                assert_eq!(path, "data.items[1].amount");
                assert!(message.contains("invalid type"), "{message}");
            }
            other => panic!("unexpected kind {other:?}"),
        }
        assert!(err.source().is_some(), "serde error kept as source");
    }

    #[test]
    fn decode_of_garbage_is_an_error_not_a_panic() {
        let err = decode_json::<Outer>(b"\xff\x00not json").unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Decode { .. }));
    }

    #[test]
    fn body_snippet_is_bounded_and_utf8_safe() {
        let body = "ă".repeat(1000); // 2 bytes each
        let s = body_snippet(body.as_bytes());
        assert!(s.len() <= BODY_SNIPPET_LIMIT + '…'.len_utf8());
        assert!(s.ends_with('…'));
        assert!(!s.contains('\u{FFFD}'));
        assert_eq!(body_snippet(b"short"), "short");
        let odd = format!("a{}", "ă".repeat(600)); // cut lands mid-character
        assert!(!body_snippet(odd.as_bytes()).contains('\u{FFFD}'));
    }

    #[test]
    fn predicates() {
        let t = Error::transport(TransportErrorKind::Timeout, "slow");
        assert!(t.is_timeout());
        assert!(t.is_retryable());
        assert!(Error::transport(TransportErrorKind::Connect, "refused").is_retryable());
        assert!(!Error::transport(TransportErrorKind::Other, "x").is_retryable());
        assert!(Error::http_status(503, b"busy").is_retryable());
        assert!(Error::http_status(429, b"").is_retryable());
        assert!(!Error::http_status(400, b"bad").is_retryable());
        assert_eq!(
            Error::http_status(400, b"bad").http_status_code(),
            Some(400)
        );
        let api = Error::api("momo-payroll", 1007, "wallet locked");
        assert_eq!(api.api_code(), Some("1007"));
        assert!(!api.is_retryable());
        assert!(!api.is_timeout());
        assert_eq!(t.api_code(), None);
        assert!(!Error::outcome_unknown("r1").is_retryable());
        // A status error whose body carried an API code exposes that code.
        let nested = Error::http_status(400, br#"{"code":"1201"}"#).with_source(Error::api(
            "ecommpay",
            "1201",
            "bad project",
        ));
        assert_eq!(nested.http_status_code(), Some(400));
        assert_eq!(nested.api_code(), Some("1201"));
        assert_eq!(
            Error::http_status(400, b"").with_source("plain").api_code(),
            None
        );
        // An unknown outcome never reports a code, whatever its source says.
        let unknown =
            Error::outcome_unknown("pay-1").with_source(Error::api("momo-payroll", 10, "unknown"));
        assert_eq!(unknown.api_code(), None);
    }

    #[test]
    fn display_names_api_operation_and_field() {
        let e =
            Error::invalid_request("amount", "must be positive").with_context("ecommpay", "sale");
        assert_eq!(
            e.to_string(),
            "ecommpay sale: invalid request: `amount` must be positive"
        );
        let e = Error::api("momo-payroll", 10, "unknown result");
        assert_eq!(e.to_string(), "momo-payroll result code 10: unknown result");
        assert_eq!(e.api_name(), Some("momo-payroll"));
        assert_eq!(e.operation(), None);
        let e = e.with_context("momo-payroll", "pay");
        assert_eq!(e.operation(), Some("pay"));
        assert_eq!(
            e.to_string(),
            "momo-payroll pay: result code 10: unknown result"
        );
        let e = Error::outcome_unknown("req-1");
        assert!(e.to_string().contains("req-1"));
        assert!(e.to_string().contains("do not resend"));
    }

    #[test]
    fn source_chain_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let e = Error::transport(TransportErrorKind::Io, io);
        let src = e.source().expect("source kept");
        assert_eq!(src.to_string(), "reset by peer");
    }
}
