//! Sending one HTTP request.
//!
//! Every API client holds an `Arc<dyn Transport>`. The default is [`ReqwestTransport`]
//! (reqwest with rustls); wrap it to add middleware (logging, metrics, proxies), or
//! replace it with an in-memory fake in tests.
//!
//! ```
//! use std::sync::Arc;
//! use momo_core::transport::{BoxFuture, HttpRequest, HttpResponse, Transport};
//!
//! /// A transport that answers every request with `{"ok":true}`.
//! struct Canned;
//! impl Transport for Canned {
//!     fn send(&self, _req: HttpRequest) -> BoxFuture<'_, momo_core::Result<HttpResponse>> {
//!         Box::pin(async { Ok(http::Response::new(br#"{"ok":true}"#.to_vec())) })
//!     }
//! }
//! let transport: Arc<dyn Transport> = Arc::new(Canned);
//! # let _ = transport;
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result, TransportErrorKind};

/// A boxed, `Send` future: what object-safe async traits in this workspace return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One HTTP request: method, URL, headers and body bytes.
pub type HttpRequest = http::Request<Vec<u8>>;

/// One HTTP response: status, headers and body bytes.
pub type HttpResponse = http::Response<Vec<u8>>;

/// Sends one HTTP request and returns the answer, whatever its status.
///
/// Implementations must not interpret the status: a 500 is `Ok(response)`; only a
/// failure to send or receive is `Err` (with [`crate::ErrorKind::Transport`]).
pub trait Transport: Send + Sync {
    /// Sends `request`.
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse>>;
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse>> {
        (**self).send(request)
    }
}

/// Default request timeout of [`ReqwestTransport`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The `User-Agent` every request carries: `momo-sdk/<version>`.
pub const USER_AGENT: &str = concat!("momo-sdk/", env!("CARGO_PKG_VERSION"));

/// [`Transport`] over a `reqwest::Client` (rustls).
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    timeout: Option<Duration>,
}

impl ReqwestTransport {
    /// A transport with the default timeout ([`DEFAULT_TIMEOUT`]) and user agent
    /// ([`USER_AGENT`]), which **does not follow redirects**.
    ///
    /// reqwest follows redirects by default and answers a `307`/`308` by sending the same
    /// `POST` body again to wherever `Location` points: for a payment, a second delivery
    /// nobody decided to make. Every API path in this workspace is fixed under its base
    /// URL, so a redirect is returned as it is (and becomes
    /// [`crate::ErrorKind::HttpStatus`] in the clients).
    pub fn new() -> Result<Self> {
        Self::with_timeout(DEFAULT_TIMEOUT)
    }

    /// Like [`ReqwestTransport::new`], with every request timing out after `timeout`.
    pub fn with_timeout(timeout: Duration) -> Result<Self> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::transport(TransportErrorKind::Other, e))?;
        Ok(ReqwestTransport {
            client,
            timeout: None,
        })
    }

    /// A transport over the caller's own client: its timeout, proxy, TLS, redirect and
    /// user-agent settings apply. Build it with
    /// `.redirect(reqwest::redirect::Policy::none())` (see [`ReqwestTransport::new`]) and
    /// `.user_agent(momo_core::transport::USER_AGENT)` to keep ours.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport {
            client,
            timeout: None,
        }
    }

    /// Sets a per-request timeout on top of the client's own.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse>> {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let url = parts.uri.to_string();
            let mut builder = self
                .client
                .request(parts.method, url)
                .headers(parts.headers)
                .body(body);
            if let Some(t) = self.timeout {
                builder = builder.timeout(t);
            }
            let response = builder.send().await.map_err(Error::from)?;
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response.bytes().await.map_err(Error::from)?;
            let mut out = http::Response::new(bytes.to_vec());
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            Ok(out)
        })
    }
}

/// Builds a JSON `POST` request with `Content-Type` and `Accept: application/json` set.
pub fn json_post(url: &url::Url, body: Vec<u8>) -> Result<HttpRequest> {
    http::Request::builder()
        .method(http::Method::POST)
        .uri(url.as_str())
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "application/json")
        .body(body)
        .map_err(|e| Error::invalid_request("url", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use wiremock::matchers::{body_json, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    /// A fake that records what it received.
    #[derive(Default)]
    struct Recorder {
        seen: Mutex<Vec<HttpRequest>>,
    }
    impl Transport for Recorder {
        fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse>> {
            self.seen.lock().unwrap().push(request);
            Box::pin(async {
                let mut r = http::Response::new(b"{}".to_vec());
                *r.status_mut() = http::StatusCode::ACCEPTED;
                Ok(r)
            })
        }
    }

    #[tokio::test]
    async fn custom_transport_receives_exactly_the_request_built() {
        let rec = Arc::new(Recorder::default());
        let dyn_t: Arc<dyn Transport> = rec.clone();
        let url = url::Url::parse("https://api.example.test/v2/x?q=1").unwrap();
        let mut req = json_post(&url, br#"{"a":1}"#.to_vec()).unwrap();
        req.headers_mut()
            .insert("partner-code", http::HeaderValue::from_static("MOMO1"));
        let resp = dyn_t.send(req).await.unwrap();
        assert_eq!(resp.status(), 202);

        let seen = rec.seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let r = &seen[0];
        assert_eq!(r.method(), http::Method::POST);
        assert_eq!(r.uri(), "https://api.example.test/v2/x?q=1");
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(r.headers()["accept"], "application/json");
        assert_eq!(r.headers()["partner-code"], "MOMO1");
        assert_eq!(r.body(), br#"{"a":1}"#);
    }

    #[tokio::test]
    async fn reqwest_transport_sends_and_returns_non_2xx_as_ok() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v2/thing"))
            .and(header("user-agent", USER_AGENT))
            .and(header("x-test", "yes"))
            .and(body_json(serde_json::json!({"a": 1})))
            .respond_with(
                ResponseTemplate::new(500)
                    .insert_header("x-answer", "42")
                    .set_body_string("boom"),
            )
            .expect(1)
            .mount(&server)
            .await;
        let t = ReqwestTransport::new().unwrap();
        let url = url::Url::parse(&format!("{}/v2/thing", server.uri())).unwrap();
        let mut req = json_post(&url, br#"{"a":1}"#.to_vec()).unwrap();
        req.headers_mut()
            .insert("x-test", http::HeaderValue::from_static("yes"));
        let resp = t.send(req).await.unwrap();
        assert_eq!(resp.status(), 500);
        assert_eq!(resp.headers()["x-answer"], "42");
        assert_eq!(resp.body(), b"boom");
        assert!(USER_AGENT.starts_with("momo-sdk/"));
    }

    #[tokio::test]
    async fn reqwest_transport_does_not_follow_redirects() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/pay"))
            .respond_with(ResponseTemplate::new(307).insert_header("location", "/elsewhere"))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path("/elsewhere"))
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&server)
            .await;
        let t = ReqwestTransport::new().unwrap();
        let url = url::Url::parse(&format!("{}/pay", server.uri())).unwrap();
        let resp = t
            .send(json_post(&url, b"{}".to_vec()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), 307);
        assert_eq!(resp.headers()["location"], "/elsewhere");
        // MockServer's drop verifies the expectations: one POST, no resend.
    }

    #[tokio::test]
    async fn reqwest_transport_timeout_is_a_timeout_error() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
            .mount(&server)
            .await;
        let t = ReqwestTransport::with_timeout(Duration::from_millis(100)).unwrap();
        let req = http::Request::get(server.uri()).body(Vec::new()).unwrap();
        let err = t.send(req).await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(err.is_retryable());
    }

    #[tokio::test]
    async fn connection_refused_is_a_connect_error() {
        // Bind then drop a listener to get a port nobody listens on.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let t =
            ReqwestTransport::from_client(reqwest::Client::new()).timeout(Duration::from_secs(5));
        let req = http::Request::get(format!("http://127.0.0.1:{port}/"))
            .body(Vec::new())
            .unwrap();
        let err = t.send(req).await.unwrap_err();
        assert_eq!(
            err.kind(),
            &crate::ErrorKind::Transport(TransportErrorKind::Connect),
            "{err:?}"
        );
    }
}
