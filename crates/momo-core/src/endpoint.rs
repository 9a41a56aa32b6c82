//! Base URLs.
//!
//! Every client takes its base URL as a [`BaseUrl`]: an absolute `https://` URL, or
//! `http://` only for loopback hosts (`localhost`, `127.0.0.0/8`, `[::1]`), which is
//! what tests and the sandbox use. Credentials in the URL are refused (they would end up
//! in logs).
//!
//! ```
//! use momo_core::endpoint::BaseUrl;
//! let base = BaseUrl::parse("https://api.ecommpay.com").unwrap();
//! assert_eq!(base.join("v2/payment/status").unwrap().as_str(), "https://api.ecommpay.com/v2/payment/status");
//! assert!(BaseUrl::parse("http://api.ecommpay.com").is_err());
//! assert!(BaseUrl::parse("http://127.0.0.1:8080").is_ok());
//! ```

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use url::{Host, Url};

use crate::error::{Error, Result};

/// A validated base URL; always ends in `/` so [`BaseUrl::join`] appends.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Parses and validates `s` (see the module docs for the rules).
    pub fn parse(s: &str) -> Result<Self> {
        let url = Url::parse(s).map_err(|e| Error::invalid_request("base_url", e.to_string()))?;
        Self::new(url)
    }

    /// Validates an already parsed URL.
    pub fn new(mut url: Url) -> Result<Self> {
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(Error::invalid_request(
                    "base_url",
                    "must use https:// (http:// is allowed only for loopback hosts such as 127.0.0.1 or localhost)",
                ));
            }
            other => {
                return Err(Error::invalid_request(
                    "base_url",
                    format!("scheme `{other}` is not supported; use https://"),
                ));
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid_request(
                "base_url",
                "must not contain credentials",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::invalid_request(
                "base_url",
                "must not have a query or fragment",
            ));
        }
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        Ok(BaseUrl(url))
    }

    /// `path` (relative; a leading `/` is ignored) under this base.
    pub fn join(&self, path: &str) -> Result<Url> {
        self.0
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::invalid_request("path", e.to_string()))
    }

    /// The URL itself.
    pub fn as_url(&self) -> &Url {
        &self.0
    }

    /// True when the host is a loopback address.
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.0)
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

impl FromStr for BaseUrl {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        BaseUrl::parse(s)
    }
}

impl TryFrom<Url> for BaseUrl {
    type Error = Error;
    fn try_from(url: Url) -> Result<Self> {
        BaseUrl::new(url)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn https_is_accepted_and_joins_under_the_path() {
        let b = BaseUrl::parse("https://test-payment.momo.vn/pay").unwrap();
        assert_eq!(b.to_string(), "https://test-payment.momo.vn/pay/");
        assert_eq!(
            b.join("api/payroll/check-wallet").unwrap().as_str(),
            "https://test-payment.momo.vn/pay/api/payroll/check-wallet"
        );
        assert_eq!(
            b.join("/api/x").unwrap().as_str(),
            "https://test-payment.momo.vn/pay/api/x"
        );
        assert!(!b.is_loopback());
    }

    #[test]
    fn plain_http_is_refused_except_for_loopback() {
        let err = BaseUrl::parse("http://api.ecommpay.com").unwrap_err();
        match err.kind() {
            ErrorKind::InvalidRequest { field, reason } => {
                assert_eq!(field, "base_url");
                assert!(reason.contains("https://"), "{reason}");
            }
            k => panic!("{k:?}"),
        }
        for ok in [
            "http://127.0.0.1:1234",
            "http://127.8.9.10",
            "http://localhost:80/x",
            "http://LOCALHOST",
            "http://[::1]:9000",
        ] {
            let b = BaseUrl::parse(ok).unwrap();
            assert!(b.is_loopback(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "http://[::2]",
            "ftp://127.0.0.1",
            "not a url",
            "https://user:pw@api.example.com",
            "https://api.example.com/?q=1",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_in_url_are_not_echoed() {
        let err = BaseUrl::parse("https://user:hunter2@api.example.com").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hunter2"));
    }
}
