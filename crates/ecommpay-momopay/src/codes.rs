//! Status values ecommpay sends: payment statuses (digest section 4) and operation
//! statuses. Both keep values this crate does not know as `Unknown(String)`, so a new
//! status never breaks parsing.
//!
//! ```
//! use ecommpay_momopay::PaymentStatus;
//! assert_eq!(PaymentStatus::from("awaiting redirect result"), PaymentStatus::AwaitingRedirectResult);
//! assert_eq!(PaymentStatus::from("brand new"), PaymentStatus::Unknown("brand new".into()));
//! assert!(PaymentStatus::Success.is_final());
//! assert!(!PaymentStatus::Processing.is_final());
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this crate does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The wire text of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Unknown(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $text => $name::$variant, )*
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::from(s.as_str()))
            }
        }
    };
}

string_enum! {
    /// A payment's status (`payment.status`).
    PaymentStatus {
        /// `success`: the purchase went through.
        Success => "success",
        /// `decline`: declined (also what a payment becomes after the 30-minute threshold).
        Decline => "decline",
        /// `awaiting 3ds result`.
        Awaiting3dsResult => "awaiting 3ds result",
        /// `awaiting redirect result`: the customer must be sent to the provider.
        AwaitingRedirectResult => "awaiting redirect result",
        /// `awaiting customer`.
        AwaitingCustomer => "awaiting customer",
        /// `awaiting clarification`.
        AwaitingClarification => "awaiting clarification",
        /// `awaiting capture`.
        AwaitingCapture => "awaiting capture",
        /// `canceled`.
        Canceled => "canceled",
        /// `refunded`.
        Refunded => "refunded",
        /// `partially refunded`.
        PartiallyRefunded => "partially refunded",
        /// `processing`.
        Processing => "processing",
        /// `error`.
        Error => "error",
        /// `reversed`.
        Reversed => "reversed",
        /// `partially reversed`.
        PartiallyReversed => "partially reversed",
    }
}

impl PaymentStatus {
    /// True for statuses after which the purchase will not move on by itself
    /// (`success`, `decline`, `canceled`, `error`, refunds and reversals). `processing`,
    /// the `awaiting ...` statuses and unknown values are not final.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            PaymentStatus::Success
                | PaymentStatus::Decline
                | PaymentStatus::Canceled
                | PaymentStatus::Refunded
                | PaymentStatus::PartiallyRefunded
                | PaymentStatus::Error
                | PaymentStatus::Reversed
                | PaymentStatus::PartiallyReversed
        )
    }
}

string_enum! {
    /// An operation's status (`operation.status`). The MoMo page shows `success` and
    /// `decline`; other values are kept as [`OperationStatus::Unknown`].
    OperationStatus {
        /// `success`.
        Success => "success",
        /// `decline`.
        Decline => "decline",
        /// `processing`.
        Processing => "processing",
    }
}

string_enum! {
    /// The acknowledgement status of a Gate request (`status` of the synchronous answer).
    AckStatus {
        /// `success`: the request was received and is valid.
        Success => "success",
        /// `error`: the request was refused (see `code` and `message`).
        Error => "error",
    }
}

string_enum! {
    /// How the customer is sent on (`redirect_data.method`).
    RedirectMethod {
        /// `GET`: the body fields go in the query string.
        Get => "GET",
        /// `POST`: the body fields are posted as a form.
        Post => "POST",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_status_parses_and_round_trips() {
        let all = [
            "success",
            "decline",
            "awaiting 3ds result",
            "awaiting redirect result",
            "awaiting customer",
            "awaiting clarification",
            "awaiting capture",
            "canceled",
            "refunded",
            "partially refunded",
            "processing",
            "error",
            "reversed",
            "partially reversed",
        ];
        for s in all {
            let st: PaymentStatus = serde_json::from_str(&format!("\"{s}\"")).unwrap();
            assert!(!matches!(st, PaymentStatus::Unknown(_)), "{s}");
            assert_eq!(st.as_str(), s);
            assert_eq!(serde_json::to_string(&st).unwrap(), format!("\"{s}\""));
        }
    }

    #[test]
    fn unknown_values_are_kept() {
        let st: PaymentStatus = serde_json::from_str("\"on hold\"").unwrap();
        assert_eq!(st, PaymentStatus::Unknown("on hold".into()));
        assert!(!st.is_final());
        assert_eq!(st.to_string(), "on hold");
        let op: OperationStatus = serde_json::from_str("\"external error\"").unwrap();
        assert_eq!(op, OperationStatus::Unknown("external error".into()));
    }

    #[test]
    fn non_string_status_is_an_error_not_a_panic() {
        assert!(serde_json::from_str::<PaymentStatus>("5").is_err());
    }
}
