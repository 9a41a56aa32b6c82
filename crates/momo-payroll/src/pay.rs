//! Payout batches: [`WalletId`], [`Transfer`] and the validated [`PayBatch`].
//!
//! A batch is built and checked **before** any I/O:
//! - at least one transfer;
//! - every amount a positive whole number of VND (no floats anywhere), at most
//!   2^53 − 1 so that JSON readers using doubles keep it exact;
//! - every wallet id a Vietnamese mobile number ([`WalletId`]);
//! - no wallet twice in one batch (a repeated line is far more often a mistake than an
//!   intent, and a duplicated payout is the worst bug a payroll client can have; pay the
//!   same wallet twice with two batches);
//! - `totalAmount` is computed here as the exact sum, so it cannot disagree with the
//!   lines.
//!
//! ```
//! use momo_payroll::pay::{PayBatch, Transfer};
//! # fn main() -> momo_payroll::Result<()> {
//! let batch = PayBatch::builder()
//!     .description("Salary 11/2026")
//!     .transfer(Transfer::new("0903412001", 10_000_000).wallet_name("Nguyen Van B"))
//!     .transfer(Transfer::new("+84903412002", 12_000_000).personal_id("023456789"))
//!     .build()?;
//! assert_eq!(batch.total_amount(), 22_000_000);
//! assert_eq!(batch.transfers()[1].wallet_id().as_str(), "0903412002");
//!
//! let err = PayBatch::builder().transfer(Transfer::new("0903412001", 0)).build().unwrap_err();
//! assert!(err.to_string().contains("walletIds[0].amount"));
//! # Ok(())
//! # }
//! ```

use std::collections::HashSet;
use std::fmt;

use momo_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// The largest amount (per transfer and in total) accepted: 2^53 − 1 VND.
pub const MAX_AMOUNT: u64 = (1 << 53) - 1;

/// A MoMo wallet id: a Vietnamese mobile number, in the national format the spec's
/// examples use (`0903412001`).
///
/// Accepted input: ten digits `0[35789]xxxxxxxx` (mobile prefixes since the 2018
/// renumbering), optionally written in international form (`+84903412001` or
/// `84903412001`), with spaces, dots or dashes between digit groups. It is stored and
/// sent in the national form.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct WalletId(String);

impl WalletId {
    /// Validates and normalises `input`; the error names `field`.
    pub fn parse_field(input: &str, field: &str) -> Result<Self> {
        let digits: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        let national = if let Some(rest) = digits.strip_prefix("+84") {
            format!("0{rest}")
        } else if digits.len() == 11 && digits.starts_with("84") {
            format!("0{}", &digits[2..])
        } else {
            digits
        };
        let bytes = national.as_bytes();
        let ok = bytes.len() == 10
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'0'
            && matches!(bytes[1], b'3' | b'5' | b'7' | b'8' | b'9');
        if ok {
            Ok(WalletId(national))
        } else {
            Err(Error::invalid_request(
                field,
                format!(
                    "{input:?} is not a Vietnamese mobile number (expected 10 digits \
                     starting 03, 05, 07, 08 or 09, e.g. 0903412001)"
                ),
            ))
        }
    }

    /// Validates and normalises `input` (errors name the field `walletId`).
    pub fn parse(input: &str) -> Result<Self> {
        Self::parse_field(input, "walletId")
    }

    /// The national form, as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WalletId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WalletId({})", self.0)
    }
}

impl fmt::Display for WalletId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One line of a batch, as the caller writes it (unvalidated until
/// [`PayBatchBuilder::build`]).
///
/// Deserializes from the spec's transfer object, accepting the example's
/// `persionalId` spelling for `personalId`; any other unknown field is refused (a
/// misspelt optional field would otherwise vanish silently).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    #[serde(rename = "walletId")]
    wallet_id: String,
    amount: u64,
    #[serde(rename = "walletName", default)]
    wallet_name: Option<String>,
    /// The table says `personalId`; the spec's example writes `persionalId`.
    #[serde(rename = "personalId", alias = "persionalId", default)]
    personal_id: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

impl Transfer {
    /// `amount` VND to `wallet_id`.
    pub fn new(wallet_id: impl Into<String>, amount: u64) -> Self {
        Transfer {
            wallet_id: wallet_id.into(),
            amount,
            wallet_name: None,
            personal_id: None,
            description: None,
        }
    }

    /// The wallet holder's name (`walletName`).
    pub fn wallet_name(mut self, name: impl Into<String>) -> Self {
        self.wallet_name = Some(name.into());
        self
    }

    /// The holder's personal (national) id (`personalId`).
    pub fn personal_id(mut self, id: impl Into<String>) -> Self {
        self.personal_id = Some(id.into());
        self
    }

    /// A description of this line (`description`).
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }
}

/// One validated line of a [`PayBatch`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidTransfer {
    #[serde(rename = "walletId")]
    wallet_id: WalletId,
    amount: u64,
    #[serde(rename = "walletName", skip_serializing_if = "Option::is_none")]
    wallet_name: Option<String>,
    #[serde(rename = "personalId", skip_serializing_if = "Option::is_none")]
    personal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

impl ValidTransfer {
    /// The wallet paid.
    pub fn wallet_id(&self) -> &WalletId {
        &self.wallet_id
    }
    /// The amount in VND.
    pub fn amount(&self) -> u64 {
        self.amount
    }
    /// The holder's name, if given.
    pub fn wallet_name(&self) -> Option<&str> {
        self.wallet_name.as_deref()
    }
    /// The holder's personal id, if given.
    pub fn personal_id(&self) -> Option<&str> {
        self.personal_id.as_deref()
    }
    /// The line's description, if given.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

/// A validated payout batch: what [`crate::PayrollClient::pay`] sends.
///
/// `requestId` and `createdDate` are added when it is sent (from the client's id
/// source and clock); `totalAmount` is [`PayBatch::total_amount`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayBatch {
    transfers: Vec<ValidTransfer>,
    total: u64,
    description: Option<String>,
}

impl PayBatch {
    /// A builder.
    pub fn builder() -> PayBatchBuilder {
        PayBatchBuilder::default()
    }

    /// Parses the CLI's batch file format and validates it:
    /// `{"description": "...", "walletIds": [{"walletId", "amount", "walletName"?,
    /// "personalId"?, "description"?}]}` (`persionalId` accepted too).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            description: Option<String>,
            #[serde(rename = "walletIds")]
            wallet_ids: Vec<Transfer>,
        }
        let file: File = momo_core::error::decode_json(bytes).map_err(|e| {
            let reason = e.to_string();
            Error::invalid_request("batch", reason).with_source(e)
        })?;
        let mut b = PayBatch::builder();
        if let Some(d) = file.description {
            b = b.description(d);
        }
        for t in file.wallet_ids {
            b = b.transfer(t);
        }
        b.build()
    }

    /// The lines, in order.
    pub fn transfers(&self) -> &[ValidTransfer] {
        &self.transfers
    }

    /// The exact sum of the amounts (`totalAmount`).
    pub fn total_amount(&self) -> u64 {
        self.total
    }

    /// The batch description, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

/// Builds a [`PayBatch`]; see the [module docs](self) for the rules.
#[derive(Clone, Debug, Default)]
pub struct PayBatchBuilder {
    transfers: Vec<Transfer>,
    description: Option<String>,
}

impl PayBatchBuilder {
    /// Adds one line.
    pub fn transfer(mut self, transfer: Transfer) -> Self {
        self.transfers.push(transfer);
        self
    }

    /// Adds several lines.
    pub fn transfers(mut self, transfers: impl IntoIterator<Item = Transfer>) -> Self {
        self.transfers.extend(transfers);
        self
    }

    /// The batch description (`description`, top level).
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Validates every line and computes the total. Errors name the field, e.g.
    /// `walletIds[2].amount`.
    pub fn build(self) -> Result<PayBatch> {
        if self.transfers.is_empty() {
            return Err(Error::invalid_request(
                "walletIds",
                "a batch needs at least one transfer",
            ));
        }
        if self
            .description
            .as_deref()
            .is_some_and(|d| d.trim().is_empty())
        {
            return Err(Error::invalid_request(
                "description",
                "must not be empty when given (leave it out instead)",
            ));
        }
        let mut seen = HashSet::new();
        let mut total: u64 = 0;
        let mut out = Vec::with_capacity(self.transfers.len());
        for (i, t) in self.transfers.into_iter().enumerate() {
            let wallet_id =
                WalletId::parse_field(&t.wallet_id, &format!("walletIds[{i}].walletId"))?;
            if t.amount == 0 {
                return Err(Error::invalid_request(
                    format!("walletIds[{i}].amount"),
                    "must be a positive whole number of VND",
                ));
            }
            if t.amount > MAX_AMOUNT {
                return Err(Error::invalid_request(
                    format!("walletIds[{i}].amount"),
                    format!("exceeds the maximum of {MAX_AMOUNT} VND"),
                ));
            }
            if !seen.insert(wallet_id.clone()) {
                return Err(Error::invalid_request(
                    format!("walletIds[{i}].walletId"),
                    format!(
                        "wallet {wallet_id} appears twice in one batch; pay it once, or use \
                         a second batch if two payments are really meant"
                    ),
                ));
            }
            total = total
                .checked_add(t.amount)
                .filter(|s| *s <= MAX_AMOUNT)
                .ok_or_else(|| {
                    Error::invalid_request(
                        "totalAmount",
                        format!("the sum of the amounts exceeds {MAX_AMOUNT} VND"),
                    )
                })?;
            for (name, value) in [
                ("walletName", &t.wallet_name),
                ("personalId", &t.personal_id),
                ("description", &t.description),
            ] {
                if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                    return Err(Error::invalid_request(
                        format!("walletIds[{i}].{name}"),
                        "must not be empty when given (leave it out instead)",
                    ));
                }
            }
            out.push(ValidTransfer {
                wallet_id,
                amount: t.amount,
                wallet_name: t.wallet_name,
                personal_id: t.personal_id,
                description: t.description,
            });
        }
        Ok(PayBatch {
            transfers: out,
            total,
            description: self.description,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use momo_core::ErrorKind;

    fn field_of(err: &Error) -> String {
        match err.kind() {
            ErrorKind::InvalidRequest { field, .. } => field.clone(),
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn wallet_ids_are_vietnamese_mobile_numbers() {
        for ok in [
            "0903412001",
            "0353412001",
            "0703412001",
            "0813412001",
            "0593412001",
            "+84903412001",
            "84903412001",
            "090 341 2001",
            "090-341-2001",
        ] {
            let w = WalletId::parse(ok).unwrap();
            assert_eq!(w.as_str().len(), 10, "{ok}");
        }
        assert_eq!(
            WalletId::parse("+84903412001").unwrap().as_str(),
            "0903412001"
        );
        for bad in [
            "",
            "090341200",
            "09034120011",
            "0203412001", // landline prefix
            "0103412001",
            "1903412001",
            "09034a2001",
            "+1903412001",
            "01234567890", // pre-2018 11-digit mobile
        ] {
            let err = WalletId::parse(bad).unwrap_err();
            assert_eq!(field_of(&err), "walletId", "{bad}");
        }
    }

    #[test]
    fn every_current_mobile_prefix_is_accepted_and_landlines_are_not() {
        // Mobile prefixes in use since the 2018 renumbering (Viettel 086 096-098 032-039,
        // Vinaphone 088 091 094 081-085, MobiFone 089 090 093 070 076-079, Vietnamobile
        // 092 052 056 058, Gmobile 099 059, Itelecom 087, Reddi 055).
        let prefixes = [
            "032", "033", "034", "035", "036", "037", "038", "039", "052", "055", "056", "058",
            "059", "070", "076", "077", "078", "079", "081", "082", "083", "084", "085", "086",
            "087", "088", "089", "090", "091", "092", "093", "094", "096", "097", "098", "099",
        ];
        for p in prefixes {
            let national = format!("{p}1234567");
            assert_eq!(WalletId::parse(&national).unwrap().as_str(), national);
            let international = format!("+84{}", &national[1..]);
            assert_eq!(WalletId::parse(&international).unwrap().as_str(), national);
        }
        // Landlines (02x, e.g. Hanoi 024, HCMC 028), pre-2018 11-digit mobiles (01x),
        // and the unused 00x/04x/06x ranges.
        for bad in [
            "0241234567",
            "0281234567",
            "02412345678",
            "01691234567",
            "0161234567",
            "0041234567",
            "0461234567",
            "0661234567",
            "+84241234567",
            "842812345678",
        ] {
            assert!(WalletId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn builder_rejects_bad_transfers_and_names_the_field() {
        let cases: Vec<(PayBatchBuilder, &str)> = vec![
            (PayBatch::builder(), "walletIds"),
            (
                PayBatch::builder().transfer(Transfer::new("0903412001", 0)),
                "walletIds[0].amount",
            ),
            (
                PayBatch::builder()
                    .transfer(Transfer::new("0903412001", 1))
                    .transfer(Transfer::new("12345", 1)),
                "walletIds[1].walletId",
            ),
            (
                PayBatch::builder()
                    .transfer(Transfer::new("0903412001", 1))
                    .transfer(Transfer::new("+84903412001", 2)),
                "walletIds[1].walletId",
            ),
            (
                PayBatch::builder().transfer(Transfer::new("0903412001", MAX_AMOUNT + 1)),
                "walletIds[0].amount",
            ),
            (
                PayBatch::builder()
                    .transfer(Transfer::new("0903412001", MAX_AMOUNT))
                    .transfer(Transfer::new("0903412002", 1)),
                "totalAmount",
            ),
            (
                PayBatch::builder().transfer(Transfer::new("0903412001", 5).wallet_name(" ")),
                "walletIds[0].walletName",
            ),
            (
                PayBatch::builder()
                    .description("")
                    .transfer(Transfer::new("0903412001", 5)),
                "description",
            ),
        ];
        for (b, field) in cases {
            let err = b.build().unwrap_err();
            assert_eq!(field_of(&err), field);
        }
    }

    #[test]
    fn total_is_the_exact_sum() {
        let b = PayBatch::builder()
            .transfers((0..50u64).map(|i| Transfer::new(format!("09034120{i:02}"), 1_000 + i)))
            .build()
            .unwrap();
        assert_eq!(b.total_amount(), (0..50u64).map(|i| 1_000 + i).sum::<u64>());
        assert_eq!(b.transfers().len(), 50);
    }

    #[test]
    fn batch_file_accepts_the_example_spelling() {
        let b = PayBatch::from_json(
            br#"{"description":"d","walletIds":[
                {"walletId":"0903412001","amount":10000000,"walletName":"Nguyen van B","persionalId":"023456789","description":"desc"},
                {"walletId":"0903412002","amount":12000000,"personalId":"1"}]}"#,
        )
        .unwrap();
        assert_eq!(b.total_amount(), 22_000_000);
        assert_eq!(b.transfers()[0].personal_id(), Some("023456789"));
        let err = PayBatch::from_json(br#"{"walletIds":[{"walletId":"0903412001","amount":1.5}]}"#)
            .unwrap_err();
        assert_eq!(field_of(&err), "batch");
        assert!(err.to_string().contains("walletIds[0].amount"), "{err}");
        let err = PayBatch::from_json(br#"{"walletIds":[{"walletId":"0903412001","amount":-3}]}"#)
            .unwrap_err();
        assert_eq!(field_of(&err), "batch");
        let err = PayBatch::from_json(
            br#"{"walletIds":[{"walletId":"0903412001","amount":3,"walletname":"x"}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("walletname"), "{err}");
    }
}
