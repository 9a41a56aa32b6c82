//! Payment Page: signed URLs that open ecommpay's hosted payment form (digest
//! section 2).
//!
//! The signature is computed over the raw parameters, each rendered as text exactly as
//! it appears in the URL (booleans `1`/`0`), so URL and signature always agree. The
//! query is form-encoded (space → `+`), parameters in the order given, `signature`
//! last.
//!
//! ```
//! use ecommpay_momopay::payment_page::PageParams;
//! use momo_core::{BaseUrl, SecretString};
//! // The digest's known-answer URL.
//! let mut p = PageParams::new();
//! p.push("project_id", 100u64).unwrap();
//! p.push("interface_type", r#"{"id":23}"#).unwrap();
//! p.push("payment_id", "test payment id").unwrap();
//! p.push("payment_description", "B&W").unwrap();
//! let base = BaseUrl::parse("https://paymentpage.ecommpay.com").unwrap();
//! let url = p.signed_url(&base, &SecretString::from("secret")).unwrap();
//! assert!(url.as_str().starts_with(
//!     "https://paymentpage.ecommpay.com/payment?project_id=100&interface_type=%7B%22id%22%3A23%7D&payment_id=test+payment+id&payment_description=B%26W&signature=97JF"
//! ));
//! ```

use std::fmt;

use momo_core::{BaseUrl, Error, Result, SecretString};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use url::Url;

use crate::customer::{AmountLimits, CURRENCY, Customer, METHOD_CODE, non_empty};
use crate::signer;

/// One Payment Page parameter value; rendered as text the same way for the URL and
/// for the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageValue {
    /// Text, as it is.
    Text(String),
    /// An integer, in decimal.
    Integer(i128),
    /// A boolean, as `1` or `0`.
    Bool(bool),
}

impl PageValue {
    /// The text that is both signed and sent.
    pub fn render(&self) -> String {
        match self {
            PageValue::Text(s) => s.clone(),
            PageValue::Integer(i) => i.to_string(),
            PageValue::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        }
    }
}

impl From<&str> for PageValue {
    fn from(s: &str) -> Self {
        PageValue::Text(s.to_owned())
    }
}
impl From<String> for PageValue {
    fn from(s: String) -> Self {
        PageValue::Text(s)
    }
}
impl From<&String> for PageValue {
    fn from(s: &String) -> Self {
        PageValue::Text(s.clone())
    }
}
impl From<bool> for PageValue {
    fn from(b: bool) -> Self {
        PageValue::Bool(b)
    }
}
impl From<u64> for PageValue {
    fn from(i: u64) -> Self {
        PageValue::Integer(i128::from(i))
    }
}
impl From<i64> for PageValue {
    fn from(i: i64) -> Self {
        PageValue::Integer(i128::from(i))
    }
}
impl From<u32> for PageValue {
    fn from(i: u32) -> Self {
        PageValue::Integer(i128::from(i))
    }
}

/// An ordered list of Payment Page parameters (names unique, `signature` excluded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageParams {
    entries: Vec<(String, String)>,
}

impl PageParams {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `name=value`. Refuses an empty name, a repeated name and `signature`
    /// (the signer adds it).
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<PageValue>) -> Result<()> {
        let name = name.into();
        if name.is_empty() {
            return Err(Error::invalid_request(
                "params",
                "a parameter name is empty",
            ));
        }
        if name == "signature" {
            return Err(Error::invalid_request(
                "signature",
                "is computed by the signer; do not pass it",
            ));
        }
        if self.get(&name).is_some() {
            return Err(Error::invalid_request(name, "is given twice"));
        }
        self.entries.push((name, value.into().render()));
        Ok(())
    }

    /// The rendered value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The parameters in order, values rendered.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Parameters from a JSON object, **in the order written**. Strings are taken as
    /// they are, integers in decimal, booleans as `1`/`0`, `null` as empty text, and a
    /// nested object or array as its compact JSON text (members in the order written:
    /// `{"id":23}` for `interface_type`). Non-integer numbers are refused at any depth
    /// (a nested `1.5`, or an integer too large for 64 bits, would otherwise be
    /// re-rendered differently from what was written).
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let ordered: OrderedObject = serde_json::from_slice(json).map_err(|e| {
            Error::invalid_request(
                "params",
                format!("must be a JSON object of Payment Page parameters: {e}"),
            )
        })?;
        let mut params = PageParams::new();
        for (name, value) in ordered.0 {
            let text = match value {
                Ordered::Scalar(v) => signer::leaf_text(&v, &name)?,
                nested => nested.to_compact(&name)?,
            };
            params.push(name, text)?;
        }
        Ok(params)
    }

    /// The signature of these parameters (as text values; `frame_mode` is not signed).
    pub fn signature(&self, secret: &SecretString) -> Result<String> {
        let map: Map<String, Value> = self
            .entries
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        signer::sign_value(secret, &Value::Object(map))
    }

    /// The signed Payment Page URL: `<base>/payment?<params>&signature=<sig>`.
    ///
    /// `base` is the Payment Page host (`https://paymentpage.ecommpay.com`); a base
    /// that already ends in `/payment` is used as it is.
    pub fn signed_url(&self, base: &BaseUrl, secret: &SecretString) -> Result<Url> {
        let signature = self.signature(secret)?;
        let mut url = page_endpoint(base)?;
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.entries {
            query.append_pair(k, v);
        }
        query.append_pair("signature", &signature);
        url.set_query(Some(&query.finish()));
        Ok(url)
    }
}

fn page_endpoint(base: &BaseUrl) -> Result<Url> {
    let url = base.as_url();
    if url.path().trim_end_matches('/').ends_with("/payment") {
        let mut u = url.clone();
        let p = u.path().trim_end_matches('/').to_owned();
        u.set_path(&p);
        Ok(u)
    } else {
        base.join("payment")
    }
}

/// A top-level JSON object with its members in the order written.
struct OrderedObject(Vec<(String, Ordered)>);

/// A JSON value that keeps object members in the order written.
enum Ordered {
    Scalar(Value),
    Array(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

impl Ordered {
    /// Compact JSON text, members in the order written; `name` is the parameter, for
    /// errors. Non-integer numbers are refused (see [`PageParams::from_json`]).
    fn to_compact(&self, name: &str) -> Result<String> {
        let mut out = String::new();
        self.write(&mut out, name)?;
        Ok(out)
    }

    fn write(&self, out: &mut String, path: &str) -> Result<()> {
        match self {
            Ordered::Scalar(Value::Number(n)) if !(n.is_i64() || n.is_u64()) => {
                return Err(Error::invalid_request(
                    path,
                    format!(
                        "is the non-integer number {n}; only integers are accepted \
                         (send it as a string to keep it as written)"
                    ),
                ));
            }
            Ordered::Scalar(v) => out.push_str(&v.to_string()),
            Ordered::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out, &format!("{path}:{i}"))?;
                }
                out.push(']');
            }
            Ordered::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    v.write(out, &format!("{path}:{k}"))?;
                }
                out.push('}');
            }
        }
        Ok(())
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::from(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::String(v.to_owned())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Ordered>()? {
            items.push(item);
        }
        Ok(Ordered::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
        let mut members = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Ordered>()? {
            members.push((k, v));
        }
        Ok(Ordered::Object(members))
    }
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(OrderedVisitor)
    }
}

impl<'de> Deserialize<'de> for OrderedObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Ordered::deserialize(d)? {
            Ordered::Object(members) => Ok(OrderedObject(members)),
            _ => Err(de::Error::custom("expected a JSON object")),
        }
    }
}

/// A MoMo Wallet purchase on the Payment Page; build it with [`Purchase::builder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    payment_id: String,
    amount: u64,
    customer: Customer,
    optional: PageParams,
}

impl Purchase {
    /// A purchase of `amount` whole VND, identified by `payment_id` (unique within the
    /// project), for `customer` (all four customer fields are required by the MoMo
    /// method).
    pub fn builder(
        payment_id: impl Into<String>,
        amount: u64,
        customer: Customer,
    ) -> PurchaseBuilder {
        PurchaseBuilder {
            payment_id: payment_id.into(),
            amount,
            customer,
            force_payment_method: Some(METHOD_CODE.to_owned()),
            limits: AmountLimits::default(),
            optional: Vec::new(),
        }
    }

    /// The payment id.
    pub fn payment_id(&self) -> &str {
        &self.payment_id
    }

    /// The amount in whole VND.
    pub fn amount(&self) -> u64 {
        self.amount
    }

    /// The Payment Page parameters for `project_id`, in the order they are sent:
    /// `project_id`, `payment_id`, `payment_amount`, `payment_currency`, the four
    /// `customer_*` fields, `force_payment_method`, then the optional ones as set.
    pub fn params(&self, project_id: u64) -> Result<PageParams> {
        let mut p = PageParams::new();
        p.push("project_id", project_id)?;
        p.push("payment_id", &self.payment_id)?;
        p.push("payment_amount", self.amount)?;
        p.push("payment_currency", CURRENCY)?;
        p.push("customer_id", &self.customer.id)?;
        p.push("customer_first_name", &self.customer.first_name)?;
        p.push("customer_last_name", &self.customer.last_name)?;
        p.push("customer_email", &self.customer.email)?;
        for (k, v) in self.optional.iter() {
            p.push(k, v)?;
        }
        Ok(p)
    }

    /// The signed Payment Page URL for this purchase.
    pub fn signed_url(
        &self,
        project_id: u64,
        base: &BaseUrl,
        secret: &SecretString,
    ) -> Result<Url> {
        self.params(project_id)?.signed_url(base, secret)
    }
}

/// Builds a [`Purchase`]; [`PurchaseBuilder::build`] validates everything before any
/// URL exists.
#[derive(Debug, Clone)]
pub struct PurchaseBuilder {
    payment_id: String,
    amount: u64,
    customer: Customer,
    force_payment_method: Option<String>,
    limits: AmountLimits,
    optional: Vec<(String, PageValue)>,
}

/// Names the typed setters own; [`PurchaseBuilder::param`] refuses them.
const TYPED: &[&str] = &[
    "project_id",
    "payment_id",
    "payment_amount",
    "payment_currency",
    "customer_id",
    "customer_first_name",
    "customer_last_name",
    "customer_email",
    "force_payment_method",
    "signature",
];

impl PurchaseBuilder {
    fn set(mut self, name: &str, value: impl Into<PageValue>) -> Self {
        self.optional.retain(|(k, _)| k != name);
        self.optional.push((name.to_owned(), value.into()));
        self
    }

    /// `payment_description`.
    pub fn description(self, text: impl Into<String>) -> Self {
        self.set("payment_description", text.into())
    }

    /// `language_code` (for example `vi` or `en`).
    pub fn language_code(self, code: impl Into<String>) -> Self {
        self.set("language_code", code.into())
    }

    /// `merchant_success_url`: where Payment Page sends the customer after success.
    pub fn merchant_success_url(self, url: impl Into<String>) -> Self {
        self.set("merchant_success_url", url.into())
    }

    /// `merchant_fail_url`.
    pub fn merchant_fail_url(self, url: impl Into<String>) -> Self {
        self.set("merchant_fail_url", url.into())
    }

    /// `redirect_success_url`.
    pub fn redirect_success_url(self, url: impl Into<String>) -> Self {
        self.set("redirect_success_url", url.into())
    }

    /// `redirect_fail_url`.
    pub fn redirect_fail_url(self, url: impl Into<String>) -> Self {
        self.set("redirect_fail_url", url.into())
    }

    /// `merchant_callback_url`: where ecommpay POSTs the callbacks of this payment.
    pub fn merchant_callback_url(self, url: impl Into<String>) -> Self {
        self.set("merchant_callback_url", url.into())
    }

    /// `best_before`: the page stops accepting the payment after this moment (sent as
    /// ISO 8601, `2026-01-02T03:04:05+07:00`).
    pub fn best_before(self, at: OffsetDateTime) -> Self {
        let text = format_iso8601(at);
        self.set("best_before", text)
    }

    /// `force_payment_method`: `momopay` by default; `None` lets the customer choose.
    pub fn force_payment_method(mut self, code: Option<&str>) -> Self {
        self.force_payment_method = code.map(str::to_owned);
        self
    }

    /// Replaces the default MoMo limits (100,000..=20,000,000 VND) with the project's.
    pub fn amount_limits(mut self, limits: AmountLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Any other Payment Page parameter (escape hatch for ones without a setter).
    /// Refused at [`PurchaseBuilder::build`] if a typed setter owns the name.
    pub fn param(self, name: &str, value: impl Into<PageValue>) -> Self {
        self.set(name, value)
    }

    /// Validates and builds: payment id present, amount within the limits, customer
    /// fields present, e-mail shaped like one, URLs absolute `http(s)`.
    pub fn build(self) -> Result<Purchase> {
        non_empty("payment_id", &self.payment_id)?;
        self.limits
            .check(self.amount)
            .map_err(|e| rename_field(e, "payment_amount"))?;
        self.customer.validate("customer_")?;
        let mut optional = PageParams::new();
        if let Some(method) = &self.force_payment_method {
            non_empty("force_payment_method", method)?;
            optional.push("force_payment_method", method)?;
        }
        for (name, value) in self.optional {
            if TYPED.contains(&name.as_str()) {
                return Err(Error::invalid_request(
                    name,
                    "has its own setter; use it instead of `param`",
                ));
            }
            if let (true, PageValue::Text(u)) = (name.ends_with("_url"), &value) {
                check_http_url(&name, u)?;
            }
            optional.push(name, value)?;
        }
        Ok(Purchase {
            payment_id: self.payment_id,
            amount: self.amount,
            customer: self.customer,
            optional,
        })
    }
}

fn rename_field(e: Error, field: &str) -> Error {
    match e.kind() {
        momo_core::ErrorKind::InvalidRequest { reason, .. } => {
            Error::invalid_request(field, reason.clone())
        }
        _ => e,
    }
}

/// Refuses anything but an absolute `http`/`https` URL.
pub(crate) fn check_http_url(field: &str, value: &str) -> Result<()> {
    match Url::parse(value) {
        Ok(u) if u.scheme() == "https" || u.scheme() == "http" => Ok(()),
        Ok(_) => Err(Error::invalid_request(field, "must be an http(s) URL")),
        Err(e) => Err(Error::invalid_request(field, format!("is not a URL: {e}"))),
    }
}

/// `YYYY-MM-DDThh:mm:ss±hh:mm`.
fn format_iso8601(at: OffsetDateTime) -> String {
    let (h, m, _) = at.offset().as_hms();
    let sign = if at.offset().is_negative() { '-' } else { '+' };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use momo_core::ErrorKind;
    use time::macros::datetime;

    fn secret() -> SecretString {
        SecretString::from("secret")
    }

    fn base() -> BaseUrl {
        BaseUrl::parse("https://paymentpage.ecommpay.com").unwrap()
    }

    fn field(e: &Error) -> &str {
        match e.kind() {
            ErrorKind::InvalidRequest { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    const KNOWN_URL: &str = "https://paymentpage.ecommpay.com/payment?project_id=100&interface_type=%7B%22id%22%3A23%7D&payment_id=test+payment+id&payment_description=B%26W&signature=97JFQpAyJ4HPfGVedJh0M1MqQDOFt%2FMCbdh8VrsT7DdRyTBDAF2mvUOsDANx1ZPfbvZg0%2BVUbF43xJnq0jEeLA%3D%3D";

    #[test]
    fn known_answer_url_from_typed_params() {
        let mut p = PageParams::new();
        p.push("project_id", 100u64).unwrap();
        p.push("interface_type", r#"{"id":23}"#).unwrap();
        p.push("payment_id", "test payment id").unwrap();
        p.push("payment_description", "B&W").unwrap();
        assert_eq!(
            p.signed_url(&base(), &secret()).unwrap().as_str(),
            KNOWN_URL
        );
    }

    #[test]
    fn known_answer_url_from_json_with_a_nested_object() {
        let p = PageParams::from_json(
            br#"{"project_id":100,"interface_type":{"id":23},"payment_id":"test payment id","payment_description":"B&W"}"#,
        )
        .unwrap();
        assert_eq!(
            p.signed_url(&base(), &secret()).unwrap().as_str(),
            KNOWN_URL
        );
        // The same with the base already naming the endpoint.
        let b = BaseUrl::parse("https://paymentpage.ecommpay.com/payment").unwrap();
        assert_eq!(p.signed_url(&b, &secret()).unwrap().as_str(), KNOWN_URL);
    }

    #[test]
    fn json_keeps_member_order_and_renders_booleans() {
        let p = PageParams::from_json(br#"{"z":true,"a":false,"m":null,"n":{"b":1,"a":[2,"x"]}}"#)
            .unwrap();
        let got: Vec<_> = p.iter().collect();
        assert_eq!(
            got,
            vec![
                ("z", "1"),
                ("a", "0"),
                ("m", ""),
                ("n", r#"{"b":1,"a":[2,"x"]}"#)
            ]
        );
    }

    #[test]
    fn nested_non_integers_are_refused_not_rerendered() {
        // serde_json reads these as f64: `1.2345678901234568e29` would be sent instead
        // of the digits written, and `1.5` is not an amount.
        for (bad, path) in [
            (
                &br#"{"payment":{"amount":123456789012345678901234567890}}"#[..],
                "payment:amount",
            ),
            (br#"{"a":[1,{"b":1.5}]}"#, "a:1:b"),
            (br#"{"a":{"b":100000.0}}"#, "a:b"),
        ] {
            let e = PageParams::from_json(bad).unwrap_err();
            assert_eq!(field(&e), path, "{e}");
        }
        let p = PageParams::from_json(br#"{"a":{"b":-7,"c":18446744073709551615}}"#).unwrap();
        assert_eq!(p.get("a"), Some(r#"{"b":-7,"c":18446744073709551615}"#));
    }

    #[test]
    fn json_input_errors() {
        for bad in [
            &b"[1,2]"[..],
            b"not json",
            b"",
            br#"{"a":1.5}"#,
            br#"{"a":1,"a":2}"#,
            br#"{"signature":"x"}"#,
        ] {
            let e = PageParams::from_json(bad).unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::InvalidRequest { .. }),
                "{e:?}"
            );
        }
    }

    fn customer() -> Customer {
        Customer::new("customer1", "John", "Doe", "johndoe@example.com")
    }

    #[test]
    fn purchase_params_in_order_with_momopay_forced() {
        let p = Purchase::builder("580", 110_000, customer())
            .description("Order 580")
            .language_code("vi")
            .best_before(datetime!(2026-01-02 03:04:05 +07:00))
            .param("frame_mode", "popup")
            .build()
            .unwrap();
        let got: Vec<_> = p
            .params(120)
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(
            got,
            vec![
                "project_id=120",
                "payment_id=580",
                "payment_amount=110000",
                "payment_currency=VND",
                "customer_id=customer1",
                "customer_first_name=John",
                "customer_last_name=Doe",
                "customer_email=johndoe@example.com",
                "force_payment_method=momopay",
                "payment_description=Order 580",
                "language_code=vi",
                "best_before=2026-01-02T03:04:05+07:00",
                "frame_mode=popup",
            ]
        );
    }

    #[test]
    fn purchase_validation_names_the_field() {
        let e = Purchase::builder("1", 99_999, customer())
            .build()
            .unwrap_err();
        assert_eq!(field(&e), "payment_amount");
        let e = Purchase::builder("1", 20_000_001, customer())
            .build()
            .unwrap_err();
        assert_eq!(field(&e), "payment_amount");
        let e = Purchase::builder("", 100_000, customer())
            .build()
            .unwrap_err();
        assert_eq!(field(&e), "payment_id");
        let e = Purchase::builder("1", 100_000, Customer::new("c", "J", "D", "x@y"))
            .build()
            .unwrap_err();
        assert_eq!(field(&e), "customer_email");
        let e = Purchase::builder("1", 100_000, customer())
            .merchant_callback_url("not a url")
            .build()
            .unwrap_err();
        assert_eq!(field(&e), "merchant_callback_url");
        let e = Purchase::builder("1", 100_000, customer())
            .param("payment_amount", 5u64)
            .build()
            .unwrap_err();
        assert_eq!(field(&e), "payment_amount");
        // Overridden limits accept the spec example's 1000 VND.
        assert!(
            Purchase::builder("1", 1000, customer())
                .amount_limits(AmountLimits::new(1, 100_000_000))
                .build()
                .is_ok()
        );
    }

    #[test]
    fn iso8601_offsets() {
        assert_eq!(
            format_iso8601(datetime!(2026-11-23 02:47:00 UTC)),
            "2026-11-23T02:47:00+00:00"
        );
        assert_eq!(
            format_iso8601(datetime!(2026-11-23 02:47:00 -03:30)),
            "2026-11-23T02:47:00-03:30"
        );
    }
}
