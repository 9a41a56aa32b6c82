//! The tour's `ecommpay-momopay` line: the flow of `examples/ecommpay_checkout.rs`
//! (sandbox by default; ecommpay itself when `ECOMMPAY_PROJECT_ID` and
//! `ECOMMPAY_SECRET` are set).

#[path = "../ecommpay_checkout.rs"]
#[allow(dead_code)]
mod checkout;

/// Runs the checkout flow; `Ok` carries the summary printed after `ok`.
pub async fn run() -> Result<String, String> {
    checkout::run_flow().await
}
