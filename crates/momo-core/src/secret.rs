//! Secrets: credentials live in [`SecretString`]; Debug output shows [`REDACTED`].
//!
//! `secrecy`'s own Debug prints `SecretBox<str>([REDACTED])`; our config and credential
//! types print the shorter `[redacted]` through [`Redacted`], so one grep of a log finds
//! every place a secret would have been.
//!
//! ```
//! use momo_core::secret::{Redacted, SecretString};
//! struct Config { partner_code: String, secret_key: SecretString }
//! impl std::fmt::Debug for Config {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         f.debug_struct("Config")
//!             .field("partner_code", &self.partner_code)
//!             .field("secret_key", &Redacted)
//!             .finish()
//!     }
//! }
//! let c = Config { partner_code: "MOMO".into(), secret_key: SecretString::from("hunter2") };
//! assert_eq!(format!("{c:?}"), r#"Config { partner_code: "MOMO", secret_key: [redacted] }"#);
//! ```

use std::fmt;

pub use secrecy::{ExposeSecret, SecretBox, SecretString};

use crate::error::{Error, Result};

/// What every Debug prints in place of a secret.
pub const REDACTED: &str = "[redacted]";

/// A value whose Debug and Display print [`REDACTED`]; use it in manual Debug impls.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Makes an HTTP header value from a secret and marks it sensitive, so `http`'s Debug
/// prints `Sensitive` and HTTP/2 never indexes it.
pub fn sensitive_header(value: &SecretString) -> Result<http::HeaderValue> {
    let mut v = http::HeaderValue::from_str(value.expose_secret()).map_err(|_| {
        // Never echo the value itself.
        Error::invalid_request("credential", "contains characters not allowed in a header")
    })?;
    v.set_sensitive(true);
    Ok(v)
}

/// `Authorization: Bearer <token>` as a sensitive header value.
pub fn bearer_header(token: &SecretString) -> Result<http::HeaderValue> {
    sensitive_header(&SecretString::from(format!(
        "Bearer {}",
        token.expose_secret()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const SECRET: &str = "s3cr3t-Pa55-do-not-print";

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Holder {
        plain_secrecy: SecretString,
        redacted: Redacted,
    }

    #[test]
    fn no_debug_output_contains_the_secret() {
        let s = SecretString::from(SECRET);
        let holder = Holder {
            plain_secrecy: s.clone(),
            redacted: Redacted,
        };
        let dbg = format!("{holder:?} {holder:#?}");
        assert!(!dbg.contains(SECRET), "{dbg}");
        assert!(dbg.contains(REDACTED));

        let mut req = http::Request::new(Vec::<u8>::new());
        req.headers_mut()
            .insert(http::header::AUTHORIZATION, bearer_header(&s).unwrap());
        req.headers_mut()
            .insert("x-secret", sensitive_header(&s).unwrap());
        let dbg = format!("{req:?} {:?}", req.headers());
        assert!(!dbg.contains(SECRET), "{dbg}");
        assert!(req.headers()[http::header::AUTHORIZATION].is_sensitive());
        // The value itself is still sent.
        assert_eq!(
            req.headers()[http::header::AUTHORIZATION],
            format!("Bearer {SECRET}").as_str()
        );
    }

    #[test]
    fn bad_header_secret_error_does_not_echo_it() {
        let s = SecretString::from(format!("{SECRET}\n"));
        let err = sensitive_header(&s).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::InvalidRequest { .. }));
        assert!(!format!("{err} {err:?}").contains(SECRET));
    }
}
