//! The client and its configuration.

use std::fmt;
use std::sync::Arc;

use momo_core::secret::Redacted;
use momo_core::{
    BaseUrl, Clock, ReqwestTransport, Result, RetryPolicy, SecretString, SystemClock, Transport,
};

/// Default Gate API base (`/v2/...` paths are joined to it).
pub const DEFAULT_GATE_BASE_URL: &str = "https://api.ecommpay.com";
/// Default Payment Page base (the `payment` path is joined to it).
pub const DEFAULT_PAGE_BASE_URL: &str = "https://paymentpage.ecommpay.com";

/// The name errors carry as their API (`Error::api_name`).
pub const API_NAME: &str = "ecommpay";

/// Project credentials and endpoints. Debug output never shows the secret.
///
/// ```
/// use ecommpay_momopay::Config;
/// let config = Config::new(210, "project-secret");
/// assert_eq!(config.gate_base_url().as_url().as_str(), "https://api.ecommpay.com/");
/// assert!(!format!("{config:?}").contains("project-secret"));
/// ```
#[derive(Clone)]
pub struct Config {
    project_id: u64,
    secret: SecretString,
    gate_base_url: BaseUrl,
    page_base_url: BaseUrl,
    retry: RetryPolicy,
}

impl Config {
    /// A configuration for `project_id` signing with `secret`, against the production
    /// endpoints ([`DEFAULT_GATE_BASE_URL`], [`DEFAULT_PAGE_BASE_URL`]).
    pub fn new(project_id: u64, secret: impl Into<SecretString>) -> Self {
        Config {
            project_id,
            secret: secret.into(),
            gate_base_url: builtin_base(DEFAULT_GATE_BASE_URL),
            page_base_url: builtin_base(DEFAULT_PAGE_BASE_URL),
            retry: RetryPolicy::default(),
        }
    }

    /// Sends Gate requests to `base` instead (a sandbox, for instance).
    pub fn with_gate_base_url(mut self, base: BaseUrl) -> Self {
        self.gate_base_url = base;
        self
    }

    /// Builds Payment Page URLs on `base` instead.
    pub fn with_page_base_url(mut self, base: BaseUrl) -> Self {
        self.page_base_url = base;
        self
    }

    /// The retry policy for idempotent calls (`status`); `sale` is never retried.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The project id.
    pub fn project_id(&self) -> u64 {
        self.project_id
    }

    /// The project's secret key.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// The Gate base URL.
    pub fn gate_base_url(&self) -> &BaseUrl {
        &self.gate_base_url
    }

    /// The Payment Page base URL.
    pub fn page_base_url(&self) -> &BaseUrl {
        &self.page_base_url
    }

    /// The retry policy for idempotent calls.
    pub fn retry(&self) -> RetryPolicy {
        self.retry
    }
}

/// Parses one of the built-in https constants; they are valid, so this cannot fail
/// in practice, and falls back to `BaseUrl`'s parse of a fixed literal.
fn builtin_base(s: &str) -> BaseUrl {
    match BaseUrl::parse(s) {
        Ok(b) => b,
        Err(_) => unreachable!("built-in base URL {s} is valid"),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("project_id", &self.project_id)
            .field("secret", &Redacted)
            .field("gate_base_url", &self.gate_base_url.as_url().as_str())
            .field("page_base_url", &self.page_base_url.as_url().as_str())
            .field("retry", &self.retry)
            .finish()
    }
}

/// Client for ecommpay's Payment Page and Gate API, MoMo Wallet method.
///
/// Cheap to clone (shared transport and clock). See [`Client::payment_page_url`],
/// [`Client::sale`], [`Client::status`] and [`Client::wait_for_final_status`].
#[derive(Clone)]
pub struct Client {
    pub(crate) config: Arc<Config>,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Client {
    /// A client over the default transport ([`ReqwestTransport`]) and the system clock.
    pub fn new(config: Config) -> Result<Self> {
        let transport: Arc<dyn Transport> = Arc::new(ReqwestTransport::new()?);
        Ok(Self::with_transport(config, transport))
    }

    /// A client over the caller's transport (a wrapper, a fake, a shorter timeout...).
    pub fn with_transport(config: Config, transport: Arc<dyn Transport>) -> Self {
        Client {
            config: Arc::new(config),
            transport,
            clock: Arc::new(SystemClock),
        }
    }

    /// Replaces the clock (used by retries and [`Client::wait_for_final_status`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let c = Config::new(1, "hunter2-secret");
        let client = Client::new(c.clone()).unwrap();
        let text = format!("{c:?} {c:#?} {client:?}");
        assert!(!text.contains("hunter2-secret"), "{text}");
        assert!(text.contains("[redacted]"));
    }

    #[test]
    fn base_urls_are_configurable() {
        let c = Config::new(7, "s")
            .with_gate_base_url(BaseUrl::parse("http://127.0.0.1:9000").unwrap())
            .with_page_base_url(BaseUrl::parse("https://pp.example.test/x").unwrap());
        assert_eq!(
            c.gate_base_url().as_url().as_str(),
            "http://127.0.0.1:9000/"
        );
        assert_eq!(
            c.page_base_url().as_url().as_str(),
            "https://pp.example.test/x/"
        );
        assert_eq!(c.project_id(), 7);
        assert_eq!(
            Config::new(1, "s").page_base_url().as_url().as_str(),
            "https://paymentpage.ecommpay.com/"
        );
    }
}
