//! Client for ecommpay's Payment Page and Gate API with the **MoMo Wallet** method
//! (`momopay`), and for the callbacks ecommpay sends. Specs: `ecommpay-momopay.txt`
//! (the method page) and `ecommpay.signing-and-gate.md` (signature, Payment Page, Gate,
//! callbacks).
//!
//! - [`signer`]: ecommpay's signature over any JSON tree (every known-answer vector of
//!   the digest is a test);
//! - [`payment_page`]: validated [`Purchase`]s and signed Payment Page URLs;
//! - [`gate`]: [`Client::sale`], [`Client::status`] and
//!   [`Client::wait_for_final_status`] over any `momo_core::Transport`;
//! - [`callback`]: [`verify_callback`] (constant-time, before parsing), intermediate
//!   [`Redirect`]s and final results, and [`CallbackHandler`] (verify, dedupe, answer);
//! - [`codes`]: [`PaymentStatus`] and the other status values, each with
//!   `Unknown(String)`.
//!
//! MoMo Wallet takes VND only, 100,000 to 20,000,000 VND per purchase (overridable with
//! [`AmountLimits`]), purchases only (no refunds, no payouts). Amounts are whole dong
//! (`u64`), never floats.
//!
//! ## Where the specs disagree
//! - The MoMo page's request examples (figures 4 and 8) pay 1000 VND, below the
//!   method's own 100,000 VND minimum: the default limits refuse them; a project with
//!   other limits sets [`AmountLimits`] (the tests do, to send figure 8 as printed).
//! - The signatures printed in the MoMo page's figures are placeholders (too short for
//!   HMAC-SHA512); the digest's known-answer vectors are used instead.
//! - The redirect object is `redirect_data` on the MoMo page and in the digest's text,
//!   `redirectData` in the digest's known-answer callback: both are accepted.
//! - The error body of Gate is not published: non-2xx answers are kept as HTTP status
//!   plus body, with `code` / `message` extracted when present (see [`gate`]).
//!
//! ```
//! use std::sync::Arc;
//! use ecommpay_momopay::{
//!     Callback, Client, Config, Customer, PaymentStatus, Purchase, ReturnUrls, SaleRequest,
//!     verify_callback,
//! };
//! use momo_core::transport::{BoxFuture, HttpRequest, HttpResponse, Transport};
//!
//! // A stand-in for ecommpay's Gate (tests and examples use `momo_sandbox::ecommpay`).
//! struct Acknowledge;
//! impl Transport for Acknowledge {
//!     fn send(&self, _req: HttpRequest) -> BoxFuture<'_, momo_core::Result<HttpResponse>> {
//!         Box::pin(async {
//!             Ok(http::Response::new(
//!                 br#"{"status":"success","request_id":"r-1","project_id":210,"payment_id":"order-1"}"#.to_vec(),
//!             ))
//!         })
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let config = Config::new(210, "project-secret");
//! let client = Client::with_transport(config, Arc::new(Acknowledge));
//! let customer = Customer::new("customer123", "John", "Doe", "johndoe@example.com");
//!
//! // 1. Payment Page: a signed URL with MoMo preselected.
//! let purchase = Purchase::builder("order-1", 150_000, customer.clone()).build()?;
//! let url = client.payment_page_url(&purchase)?;
//! assert!(url.as_str().starts_with("https://paymentpage.ecommpay.com/payment?project_id=210&"));
//! assert!(url.as_str().contains("&force_payment_method=momopay&signature="));
//!
//! // 2. Gate: a sale, acknowledged; the result arrives by callback.
//! let sale = SaleRequest::builder(
//!     "order-1",
//!     150_000,
//!     customer,
//!     "192.0.2.0".parse().unwrap(),
//!     ReturnUrls {
//!         success: "https://shop.example/success".into(),
//!         decline: "https://shop.example/decline".into(),
//!         return_url: "https://shop.example/return".into(),
//!     },
//! )
//! .build()?;
//! let ack = client.sale(&sale).await?;
//! assert_eq!(ack.request_id.as_deref(), Some("r-1"));
//!
//! // 3. Callbacks: verified in constant time before they are parsed.
//! let body = br#"{"payment":{"id":"test-payment","status":"success"},"signature":"UGzKT0NC26f4u0niyJSQPx5q3kFFIndwLXeJVXahfCFwbY+Svg1WoXIxzrIyyjWUSLFhT8wAQ5SfBDRHnwm6Yg=="}"#;
//! let Callback::Final(result) = verify_callback(&"qwerty".into(), body)? else { unreachable!() };
//! assert_eq!(result.status, PaymentStatus::Success);
//! # Ok::<(), momo_core::Error>(())
//! # }).unwrap();
//! ```

pub mod callback;
pub mod client;
pub mod codes;
pub mod customer;
pub mod gate;
pub mod payment;
pub mod payment_page;
pub mod signer;

pub use callback::{
    Callback, CallbackHandler, FinalCallback, Redirect, RedirectAction, RedirectCallback,
    verify_callback,
};
pub use client::{Client, Config};
pub use codes::{AckStatus, OperationStatus, PaymentStatus, RedirectMethod};
pub use customer::{AmountLimits, Customer};
pub use gate::{PollOptions, PollOutcome, ReturnUrls, SaleAck, SaleRequest, StatusResponse};
pub use payment::{Operation, Payment, Provider, Sum};
pub use payment_page::{PageParams, PageValue, Purchase};

pub use momo_core;
/// Re-exported: Payment Page URLs and redirects are [`url::Url`]s.
pub use url;

impl Client {
    /// The signed Payment Page URL of `purchase` for this project, on the configured
    /// Payment Page base.
    pub fn payment_page_url(&self, purchase: &Purchase) -> momo_core::Result<url::Url> {
        purchase
            .signed_url(
                self.config.project_id(),
                self.config.page_base_url(),
                self.config.secret(),
            )
            .map_err(|e| e.with_context(client::API_NAME, "payment page"))
    }
}
