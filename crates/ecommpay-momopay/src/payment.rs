//! Payment and operation records, as status answers and callbacks carry them
//! (digest sections 3 and 4, MoMo page figures 5, 6, 10 and 11).
//!
//! Fields ecommpay may leave out are `Option`s; unknown fields are ignored. Ids that the
//! examples show as numbers (`operation.id`, `provider.id`) are accepted as numbers or
//! strings and kept as text. Amounts are integers in minor units (whole VND); a
//! fractional amount is a decode error, never rounded.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::codes::{OperationStatus, PaymentStatus};

/// An amount and its currency (`sum`, `sum_initial`, `sum_converted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sum {
    /// Amount in minor units (whole dong for VND).
    pub amount: i64,
    /// ISO 4217 alpha-3 currency code.
    pub currency: String,
}

/// The `payment` object.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Payment {
    /// The merchant's payment id.
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    /// `type` (`purchase`).
    #[serde(rename = "type", default)]
    pub payment_type: Option<String>,
    /// `status`.
    #[serde(default)]
    pub status: Option<PaymentStatus>,
    /// `date` as sent (`2021-03-12T08:34:25+0000`).
    #[serde(default)]
    pub date: Option<String>,
    /// `method` (`momopay`).
    #[serde(default)]
    pub method: Option<String>,
    /// `sum`.
    #[serde(default)]
    pub sum: Option<Sum>,
    /// `description`.
    #[serde(default)]
    pub description: Option<String>,
}

/// The provider part of an operation (`operation.provider`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Provider {
    /// Provider id (a number on the wire; kept as text).
    #[serde(default, deserialize_with = "opt_id_text")]
    pub id: Option<String>,
    /// The provider's own payment id.
    #[serde(default, deserialize_with = "opt_id_text")]
    pub payment_id: Option<String>,
    /// Authorisation code (often empty).
    #[serde(default)]
    pub auth_code: Option<String>,
}

/// One operation of a payment (`operation`, or an element of `operations`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Operation {
    /// Operation id (a number on the wire; kept as text).
    #[serde(default, deserialize_with = "opt_id_text")]
    pub id: Option<String>,
    /// `type` (`sale`).
    #[serde(rename = "type", default)]
    pub operation_type: Option<String>,
    /// `status`.
    #[serde(default)]
    pub status: Option<OperationStatus>,
    /// `date`.
    #[serde(default)]
    pub date: Option<String>,
    /// `created_date`.
    #[serde(default)]
    pub created_date: Option<String>,
    /// `request_id`.
    #[serde(default)]
    pub request_id: Option<String>,
    /// `sum_initial`.
    #[serde(default)]
    pub sum_initial: Option<Sum>,
    /// `sum_converted`.
    #[serde(default)]
    pub sum_converted: Option<Sum>,
    /// Result `code` (`"0"` for success; a number on the wire is kept as text).
    #[serde(default, deserialize_with = "opt_id_text")]
    pub code: Option<String>,
    /// Result `message`.
    #[serde(default)]
    pub message: Option<String>,
    /// `provider`.
    #[serde(default)]
    pub provider: Option<Provider>,
}

/// One element of `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorItem {
    /// `code` (kept as text).
    #[serde(default, deserialize_with = "opt_id_text")]
    pub code: Option<String>,
    /// `message`.
    #[serde(default)]
    pub message: Option<String>,
    /// `field` the error is about.
    #[serde(default)]
    pub field: Option<String>,
    /// `description`.
    #[serde(default)]
    pub description: Option<serde_json::Value>,
}

struct IdTextVisitor;

impl Visitor<'_> for IdTextVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an integer")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// A string or an integer, kept as text.
pub(crate) fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(IdTextVisitor)
}

/// Like [`id_text`], `null` or absent allowed.
pub(crate) fn opt_id_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "id_text")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_from_the_momo_page() {
        let op: Operation = serde_json::from_value(serde_json::json!({
            "id": 18, "type": "sale", "status": "success",
            "date": "2021-03-12T08:34:25+0000", "created_date": "2021-03-12T08:34:12+0000",
            "request_id": "48be0494d37ab7106325f4eb16597a0d0-00000001",
            "sum_initial": {"amount": 110000, "currency": "VND"},
            "sum_converted": {"amount": 110000, "currency": "VND"},
            "code": "0", "message": "Success",
            "provider": {"id": 2892, "payment_id": "1615538057957", "auth_code": ""}
        }))
        .unwrap();
        assert_eq!(op.id.as_deref(), Some("18"));
        assert_eq!(op.status, Some(OperationStatus::Success));
        assert_eq!(op.sum_initial.unwrap().amount, 110_000);
        let p = op.provider.unwrap();
        assert_eq!(p.id.as_deref(), Some("2892"));
        assert_eq!(p.auth_code.as_deref(), Some(""));
    }

    #[test]
    fn fractional_amounts_and_wrong_types_are_errors() {
        assert!(serde_json::from_str::<Sum>(r#"{"amount":1.5,"currency":"VND"}"#).is_err());
        assert!(serde_json::from_str::<Payment>(r#"{"id":true}"#).is_err());
        assert!(serde_json::from_str::<Payment>(r#"{"id":null}"#).is_err());
        let p: Payment = serde_json::from_str(r#"{"id":7,"code":null}"#).unwrap();
        assert_eq!(p.id, "7");
        assert_eq!(p.status, None);
    }
}
