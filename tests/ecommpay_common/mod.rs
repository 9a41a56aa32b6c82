//! Inputs shared by the ecommpay test files.
#![allow(dead_code, clippy::unwrap_used)]

use ecommpay_momopay::{Customer, ReturnUrls};
use serde_json::Value;

/// Figure 10 of the MoMo page (a success callback) without its placeholder signature,
/// from `tests/fixtures/ecommpay/callback_success.json`.
pub fn figure_10() -> Value {
    serde_json::from_str(include_str!("../fixtures/ecommpay/callback_success.json")).unwrap()
}

/// The customer of the MoMo page's Gate example (figure 8).
pub fn spec_customer() -> Customer {
    Customer::new("customer123", "John", "Doe", "johndoe@example.com")
}

/// `<base>/success`, `<base>/decline`, `<base>/return`.
pub fn return_urls(base: &str) -> ReturnUrls {
    ReturnUrls {
        success: format!("{base}/success"),
        decline: format!("{base}/decline"),
        return_url: format!("{base}/return"),
    }
}
