//! Small serde helpers for the spec's loosely typed fields.

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrText {
    Num(u64),
    Text(String),
}

fn to_vnd<E: serde::de::Error>(v: NumOrText) -> Result<u64, E> {
    match v {
        NumOrText::Num(n) => Ok(n),
        NumOrText::Text(t) => t
            .trim()
            .parse::<u64>()
            .map_err(|_| E::custom(format!("amount {t:?} is not a whole number of VND"))),
    }
}

/// An amount in whole VND: a JSON number, or a string holding one (the tables say
/// Number; being lenient on input costs nothing and never accepts a fraction).
pub(crate) fn vnd<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    to_vnd(NumOrText::deserialize(d)?)
}

/// Like [`vnd`], optional (missing or `null` is `None`).
pub(crate) fn opt_vnd<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<NumOrText>::deserialize(d)? {
        None => Ok(None),
        Some(v) => to_vnd(v).map(Some),
    }
}
