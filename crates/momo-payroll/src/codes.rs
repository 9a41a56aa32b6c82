//! The Payroll result-code table ("Error Code", applies to every Payroll API).
//!
//! Each code has the spec's meaning and a [`Class`]: success, fail, or must-check-status.
//! Codes this version does not know are kept as [`ResultCode::Unknown`] and classed as
//! [`Class::CheckStatus`]: for a payout, treating an unrecognised answer as a failure could
//! lead a caller to pay twice, so the conservative reading is "look it up".
//!
//! The top-level `resultCode` is a JSON number; per-transfer codes (in `status`,
//! `get-trans` and Notify Result) are JSON strings (`"0"`). Both parse into this type.
//!
//! ```
//! use momo_payroll::codes::{Class, ResultCode};
//! assert_eq!(ResultCode::from_code(0), ResultCode::Success);
//! assert_eq!(ResultCode::from_code(10).class(), Class::CheckStatus);
//! assert_eq!(ResultCode::from_code(1007).meaning(), "Wallet is locked");
//! assert_eq!(ResultCode::from_code(4242), ResultCode::Unknown(4242));
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a result code is to be acted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// The operation succeeded.
    Success,
    /// The operation failed; nothing was (or will be) done.
    Fail,
    /// The outcome is unknown: query `status` with the same request id (never resend).
    CheckStatus,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $meaning:literal, $class:ident; )*) => {
        /// One Payroll result code (see the [module docs](self)).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ResultCode {
            $( $(#[$doc])* $variant, )*
            /// A code not in the spec's table (classed as [`Class::CheckStatus`]).
            Unknown(i64),
        }

        impl ResultCode {
            /// The code for a number.
            pub fn from_code(code: i64) -> Self {
                match code {
                    $( $code => ResultCode::$variant, )*
                    other => ResultCode::Unknown(other),
                }
            }

            /// The number on the wire.
            pub fn code(&self) -> i64 {
                match self {
                    $( ResultCode::$variant => $code, )*
                    ResultCode::Unknown(c) => *c,
                }
            }

            /// The spec's message for this code (spelling corrected).
            pub fn meaning(&self) -> &'static str {
                match self {
                    $( ResultCode::$variant => $meaning, )*
                    ResultCode::Unknown(_) => "Unknown result code",
                }
            }

            /// How to act on it.
            pub fn class(&self) -> Class {
                match self {
                    $( ResultCode::$variant => Class::$class, )*
                    ResultCode::Unknown(_) => Class::CheckStatus,
                }
            }
        }
    };
}

codes! {
    /// 0: success.
    Success = 0, "Success", Success;
    /// 2: MoMo could not decrypt the message (wrong certificate?).
    CannotDecrypt = 2, "Cannot decrypt message", Fail;
    /// 4: invalid wallet id.
    InvalidWalletId = 4, "Invalid wallet Id", Fail;
    /// 8: duplicate request id. Classed "Fail" as in the table (the repeat is refused),
    /// but [`crate::PayrollClient::pay`] reports it as an unknown outcome: the request
    /// MoMo already holds under that id may be this very batch.
    DuplicateRequestId = 8, "Duplicate request Id", Fail;
    /// 9: invalid partner code.
    InvalidPartnerCode = 9, "Invalid partner code", Fail;
    /// 10: unknown result: check by hand, or call `status` to get the final result.
    UnknownResult = 10, "Unknown result", CheckStatus;
    /// 11: other error.
    OtherError = 11, "Other error", Fail;
    /// 1001: invalid amount.
    InvalidAmount = 1001, "Invalid amount", Fail;
    /// 1002: rejected by MoMo rule.
    RejectedByMomoRule = 1002, "Reject by MoMo rule", Fail;
    /// 1003: payment id not found (`status`).
    PaymentIdNotFound = 1003, "Payment Id not found", Fail;
    /// 1004: invalid date.
    InvalidDate = 1004, "Invalid date", Fail;
    /// 1005: the receiver's new balance would exceed the allowed balance.
    OverBalance = 1005, "Over balance of receiver", Fail;
    /// 1006: wallet not identified (KYC).
    WalletNotIdentified = 1006, "Wallet don't identity", Fail;
    /// 1007: wallet is locked.
    WalletLocked = 1007, "Wallet is locked", Fail;
    /// 1008: the receiver's wallet does not exist.
    WalletNotFound = 1008, "Not existed walletId of receiver", Fail;
    /// 1009: invalid national id of receiver.
    InvalidNationalId = 1009, "Invalid national id of receiver", Fail;
    /// 1010: invalid name of receiver.
    InvalidName = 1010, "Invalid name of receiver", Fail;
    /// 1011: parameter verifyOtpUrl is null or empty.
    VerifyOtpUrlMissing = 1011, "Param verifyOtpUrl is null or empty", Fail;
    /// 1012: parameter notifyUrl is null or empty.
    NotifyUrlMissing = 1012, "Param notifyUrl is null or empty", Fail;
    /// 1013: parameter checkSumKey is null or empty.
    CheckSumKeyMissing = 1013, "Param checkSumKey is null or empty", Fail;
    /// 1014: parameter rejectIfOverBalance is null or empty.
    RejectIfOverBalanceMissing = 1014, "Param rejectIfOverBalance is null or empty", Fail;
    /// 1015: partner system error.
    PartnerSystemError = 1015, "Partner system error", Fail;
    /// 1016: wallet is destroyed.
    WalletDestroyed = 1016, "Wallet is destroyed", Fail;
    /// 1017: rejected by payroll rule (the check-wallet section's own table calls it
    /// "Reject by MoMo rule").
    RejectedByPayrollRule = 1017, "Reject by payroll rule", Fail;
    /// 1018: rejected by payout rule (sms).
    RejectedByPayoutRuleSms = 1018, "Reject by payout rule (sms)", Fail;
    /// 1019: rejected by payout rule (noti).
    RejectedByPayoutRuleNoti = 1019, "Reject by payout rule (noti)", Fail;
    /// 1020: invalid check password (get-trans, check-wallet, check-personal-id).
    InvalidCheckPassword = 1020, "Invalid password to check", Fail;
}

impl ResultCode {
    /// True for [`ResultCode::Success`].
    pub fn is_success(&self) -> bool {
        *self == ResultCode::Success
    }

    /// Parses a code sent as text (`"0"`, `" 1007 "`); `None` when it is not a number.
    pub fn parse(text: &str) -> Option<Self> {
        text.trim().parse::<i64>().ok().map(Self::from_code)
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.meaning())
    }
}

impl Serialize for ResultCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.code())
    }
}

impl<'de> Deserialize<'de> for ResultCode {
    /// Accepts a JSON number or a string holding one.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum NumOrText {
            Num(i64),
            Text(String),
        }
        match NumOrText::deserialize(d)? {
            NumOrText::Num(n) => Ok(ResultCode::from_code(n)),
            NumOrText::Text(t) => ResultCode::parse(&t).ok_or_else(|| {
                serde::de::Error::custom(format!("result code {t:?} is not a number"))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trips_and_classifies() {
        let all = [
            0, 2, 4, 8, 9, 10, 11, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010,
            1011, 1012, 1013, 1014, 1015, 1016, 1017, 1018, 1019, 1020,
        ];
        for c in all {
            let rc = ResultCode::from_code(c);
            assert!(!matches!(rc, ResultCode::Unknown(_)), "{c}");
            assert_eq!(rc.code(), c);
            let expected = match c {
                0 => Class::Success,
                10 => Class::CheckStatus,
                _ => Class::Fail,
            };
            assert_eq!(rc.class(), expected, "{c}");
        }
        assert_eq!(ResultCode::from_code(77).class(), Class::CheckStatus);
    }

    #[test]
    fn parses_numbers_and_strings() {
        let n: ResultCode = serde_json::from_str("1005").unwrap();
        let s: ResultCode = serde_json::from_str("\"1005\"").unwrap();
        assert_eq!(n, ResultCode::OverBalance);
        assert_eq!(s, ResultCode::OverBalance);
        assert!(serde_json::from_str::<ResultCode>("\"ok\"").is_err());
        assert_eq!(
            serde_json::to_string(&ResultCode::WalletLocked).unwrap(),
            "1007"
        );
    }
}
