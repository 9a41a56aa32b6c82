//! Inputs shared by Payment Page and Gate purchases: the customer, and the amount
//! limits of the MoMo Wallet method.

use momo_core::{Error, Result};

/// The currency of every MoMo Wallet purchase (VND has no minor unit: amounts are
/// whole dong).
pub const CURRENCY: &str = "VND";

/// The payment method code that preselects MoMo on the Payment Page.
pub const METHOD_CODE: &str = "momopay";

/// Purchase amount limits in whole VND, both ends inclusive.
///
/// The default is the MoMo page's 100,000 to 20,000,000 VND. ecommpay can change the
/// limits per project, so builders accept others ([`AmountLimits::new`]).
///
/// ```
/// use ecommpay_momopay::AmountLimits;
/// let l = AmountLimits::default();
/// assert!(l.check(100_000).is_ok());
/// assert!(l.check(99_999).is_err());
/// assert!(l.check(20_000_001).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountLimits {
    /// The smallest accepted amount.
    pub min: u64,
    /// The largest accepted amount.
    pub max: u64,
}

impl AmountLimits {
    /// The MoMo Wallet method's published limits.
    pub const MOMO: AmountLimits = AmountLimits {
        min: 100_000,
        max: 20_000_000,
    };

    /// Limits `min..=max` (for projects with their own limits).
    pub const fn new(min: u64, max: u64) -> Self {
        AmountLimits { min, max }
    }

    /// Refuses `amount` outside the limits, or zero, naming the field `amount`.
    pub fn check(&self, amount: u64) -> Result<()> {
        if amount == 0 {
            return Err(Error::invalid_request("amount", "must be positive"));
        }
        if amount < self.min || amount > self.max {
            return Err(Error::invalid_request(
                "amount",
                format!(
                    "{amount} VND is outside the accepted {}..={} VND",
                    self.min, self.max
                ),
            ));
        }
        Ok(())
    }
}

impl Default for AmountLimits {
    fn default() -> Self {
        Self::MOMO
    }
}

/// The customer of a purchase; the MoMo method requires all four fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Customer identifier, unique within the project.
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
}

impl Customer {
    /// A customer.
    pub fn new(
        id: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        email: impl Into<String>,
    ) -> Self {
        Customer {
            id: id.into(),
            first_name: first_name.into(),
            last_name: last_name.into(),
            email: email.into(),
        }
    }

    /// Checks every field is present and the e-mail looks like one; `prefix` names the
    /// fields in errors (`customer_` for the Payment Page, `customer.` for Gate).
    pub(crate) fn validate(&self, prefix: &str) -> Result<()> {
        non_empty(&format!("{prefix}id"), &self.id)?;
        non_empty(&format!("{prefix}first_name"), &self.first_name)?;
        non_empty(&format!("{prefix}last_name"), &self.last_name)?;
        check_email(&format!("{prefix}email"), &self.email)
    }
}

/// Refuses an empty or blank value.
pub(crate) fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid_request(field, "is required"));
    }
    Ok(())
}

/// Refuses anything not shaped like `local@domain.tld`: one `@`, a non-empty local
/// part, a domain with a dot inside it, no whitespace or control characters.
pub(crate) fn check_email(field: &str, email: &str) -> Result<()> {
    let bad = || Error::invalid_request(field, "is not an e-mail address");
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    if local.is_empty() || domain.contains('@') {
        return Err(bad());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use momo_core::ErrorKind;

    fn field_of(e: Error) -> String {
        match e.kind() {
            ErrorKind::InvalidRequest { field, .. } => field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn limits_are_inclusive_and_overridable() {
        let l = AmountLimits::default();
        assert!(l.check(100_000).is_ok());
        assert!(l.check(20_000_000).is_ok());
        assert_eq!(field_of(l.check(99_999).unwrap_err()), "amount");
        assert!(l.check(20_000_001).is_err());
        assert!(l.check(0).is_err());
        let custom = AmountLimits::new(1, 50_000_000);
        assert!(custom.check(1000).is_ok());
        assert!(custom.check(30_000_000).is_ok());
        assert!(custom.check(0).is_err());
    }

    #[test]
    fn emails() {
        for ok in ["johndoe@example.com", "a.b+c@sub.example.vn"] {
            assert!(check_email("e", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "johndoe",
            "@example.com",
            "john@",
            "john@example",
            "john@@example.com",
            "john doe@example.com",
            "john@example..com",
            "john@.example.com",
            "john@example.com.",
        ] {
            assert!(check_email("e", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn customer_fields_are_required_and_named() {
        let c = Customer::new("c1", "John", " ", "johndoe@example.com");
        assert_eq!(
            field_of(c.validate("customer_").unwrap_err()),
            "customer_last_name"
        );
        let c = Customer::new("", "John", "Doe", "johndoe@example.com");
        assert_eq!(
            field_of(c.validate("customer.").unwrap_err()),
            "customer.id"
        );
        let c = Customer::new("c1", "John", "Doe", "nope");
        assert_eq!(
            field_of(c.validate("customer_").unwrap_err()),
            "customer_email"
        );
        assert!(
            Customer::new("c1", "John", "Doe", "j@d.vn")
                .validate("x")
                .is_ok()
        );
    }
}
