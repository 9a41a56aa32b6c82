//! Client for MoMo Payroll: payouts to MoMo wallets, every body OpenPGP-encrypted.
//! Specs: `momo-payroll.api.txt`, and the Payroll section of `momo-vn.notes.md`.
//!
//! - [`pgp`]: encryption to MoMo's certificate, decryption with the partner's key,
//!   the legacy SHA-1 opt-in ([`pgp::KeyPolicy::allow_sha1_bindings`]);
//! - [`pay`]: validated payout batches ([`PayBatch`], [`WalletId`]);
//! - [`client`]: [`PayrollClient`] with `check_wallet`, `pay`, `pay_and_confirm`,
//!   `check_tran`, `status`, `get_trans`;
//! - [`codes`]: the result-code table with its classification;
//! - [`notify`]: the Notify Result handler (MoMo → partner, plain JSON).
//!
//! # Money safety
//!
//! `pay` is sent exactly once. When its outcome cannot be known (result code 10, an
//! unknown code, code 8 for a freshly drawn request id, a timeout, a broken connection,
//! an HTTP 5xx, an unreadable answer) the error is
//! [`momo_core::ErrorKind::OutcomeUnknown`] with the request id: query
//! [`PayrollClient::status`] with it, never resend the batch.
//! [`PayrollClient::pay_and_confirm`] does that polling for you.
//!
//! # Example (against the local sandbox)
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use momo_payroll::momo_core::{BaseUrl, ExposeSecret};
//! use momo_payroll::pgp::{generate_test_key, DecryptionKey, KeyPolicy, RecipientCert};
//! use momo_payroll::{PayBatch, PayrollClient, Transfer, WalletId};
//!
//! // The partner's key pair (Curve25519 test key) and a sandbox playing MoMo.
//! let partner = generate_test_key("Partner <payroll@example.com>")?;
//! let sandbox = momo_sandbox::payroll::PayrollSandbox::builder(&partner.public, "MOMOTEST")
//!     .start()
//!     .await?;
//!
//! let client = PayrollClient::builder(
//!     BaseUrl::parse(&sandbox.uri())?,
//!     "MOMOTEST",
//!     RecipientCert::from_bytes(sandbox.momo_cert().as_bytes(), KeyPolicy::standard())?,
//!     DecryptionKey::from_bytes(partner.secret.expose_secret().as_bytes(), None, KeyPolicy::standard())?,
//! )
//! .build()?;
//!
//! let wallet = client.check_wallet(&WalletId::parse("0903412001")?).await?;
//! assert!(wallet.result_code.is_success());
//!
//! let batch = PayBatch::builder()
//!     .description("Salary 11/2026")
//!     .transfer(Transfer::new("0903412001", 10_000_000).wallet_name("Nguyen Van B"))
//!     .transfer(Transfer::new("0903412002", 12_000_000))
//!     .build()?;
//! # // The doctest swaps in a manual clock so that status polling does not wait:
//! # let client = PayrollClient::builder(
//! #     BaseUrl::parse(&sandbox.uri())?, "MOMOTEST",
//! #     RecipientCert::from_bytes(sandbox.momo_cert().as_bytes(), KeyPolicy::standard())?,
//! #     DecryptionKey::from_bytes(partner.secret.expose_secret().as_bytes(), None, KeyPolicy::standard())?,
//! # ).clock(std::sync::Arc::new(momo_payroll::momo_core::id::ManualClock::new(time::OffsetDateTime::UNIX_EPOCH))).build()?;
//! let outcome = client.pay_and_confirm(&batch).await?;
//! for t in &outcome.transfers {
//!     println!("{} {:?} {:?}", t.wallet_id, t.result_code, t.payment_ref);
//! }
//! assert_eq!(outcome.transfers.len(), 2);
//! # Ok(())
//! # }
//! ```

pub mod client;
pub mod codes;
pub mod notify;
pub mod pay;
pub mod pgp;
mod wire;

pub use client::{
    CheckTranResponse, CheckWalletResponse, DayTransaction, GetTransResponse, PayAccepted,
    PayrollClient, PayrollClientBuilder, PayrollOutcome, PollPolicy, StatusResponse,
    TransferStatus,
};
pub use codes::{Class, ResultCode};
pub use notify::{NotifyHandler, NotifyReply, NotifyResult};
pub use pay::{PayBatch, PayBatchBuilder, Transfer, ValidTransfer, WalletId};
pub use pgp::{DecryptionKey, KeyPolicy, RecipientCert};

pub use momo_core;
/// Shorthand for `Result<T, momo_core::Error>`.
pub use momo_core::Result;
