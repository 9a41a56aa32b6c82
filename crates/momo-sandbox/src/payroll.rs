//! A MoMo Payroll simulator (`payroll` feature), written from `momo-payroll.api.txt`.
//!
//! It plays MoMo: it has its own OpenPGP key pair (Curve25519, generated at start-up;
//! give [`PayrollSandbox::momo_cert`] to the client), decrypts every request, checks the
//! raw JSON fields against the spec's tables (an unknown or misspelt field is refused
//! with code 11 naming it), keeps state, and answers encrypted to the partner's
//! certificate. Like MoMo's GnuPG, it accepts a partner certificate bound with SHA-1.
//!
//! Wallets: any valid mobile number is an active wallet with balance 0 and a balance
//! limit of [`BALANCE_LIMIT`], except the presets [`LOCKED_WALLET`] (1007),
//! [`MISSING_WALLET`] (1008) and [`NEAR_LIMIT_WALLET`] (balance 10,000 VND below the
//! limit, so most payouts to it give 1005); [`PayrollSandbox::set_wallet`] adds more.
//!
//! Faults for the unknown-outcome path: [`PayMode::AnswerCode10`] records and executes
//! the payout but answers code 10; [`PayMode::Stall`] executes it and delays the answer.
//! [`PayrollSandboxBuilder::status_pending_polls`] makes `status` answer code 10 for the
//! first N queries of each pay request.
//!
//! Every request id is single-use, on every operation (code 8 "Duplicate request Id"
//! applies to all APIs in the spec's table).
//!
//! When a notify URL is set, each transfer's Notify Result is POSTed there (plain JSON)
//! after a pay; the answers are kept ([`PayrollSandbox::notify_answers`]).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use momo_sandbox::payroll::{generate_partner_key, PayrollSandbox};
//! let partner = generate_partner_key().unwrap();
//! let sandbox = PayrollSandbox::builder(&partner.public, "MOMOTEST").start().await.unwrap();
//! assert!(sandbox.momo_cert().starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
//! assert!(sandbox.requests("pay").is_empty());
//! # });
//! ```

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use momo_core::{Error, Result};
use sequoia_openpgp as openpgp;
use serde_json::{Map, Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use openpgp::cert::{CertBuilder, CipherSuite};
use openpgp::crypto::SessionKey;
use openpgp::packet::{PKESK, SKESK};
use openpgp::parse::Parse;
use openpgp::parse::stream::{
    DecryptionHelper, DecryptorBuilder, MessageLayer, MessageStructure, VerificationHelper,
};
use openpgp::policy::{HashAlgoSecurity, StandardPolicy};
use openpgp::serialize::SerializeInto;
use openpgp::serialize::stream::{Armorer, Encryptor, LiteralWriter, Message};
use openpgp::types::{Features, HashAlgorithm, SymmetricAlgorithm};
use openpgp::{Cert, KeyHandle};

/// The balance limit of every simulated wallet (VND).
pub const BALANCE_LIMIT: u64 = 100_000_000;
/// A wallet that is locked (1007).
pub const LOCKED_WALLET: &str = "0907000007";
/// A wallet that does not exist (1008).
pub const MISSING_WALLET: &str = "0908000008";
/// A wallet 10,000 VND below [`BALANCE_LIMIT`] (larger payouts give 1005).
pub const NEAR_LIMIT_WALLET: &str = "0905000005";

/// A simulated wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wallet {
    /// Usable; payouts that would take the balance over `limit` are refused (1005).
    Active {
        /// Current balance (VND).
        balance: u64,
        /// Balance limit (VND).
        limit: u64,
    },
    /// Locked (1007).
    Locked,
    /// Does not exist (1008).
    Missing,
}

/// How the sandbox answers `pay`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PayMode {
    /// Execute and answer code 0.
    #[default]
    Normal,
    /// Execute, but answer code 10 ("unknown result").
    AnswerCode10,
    /// Execute, then hold the answer back this long (make the client time out).
    Stall(Duration),
}

/// A freshly generated partner key pair (armored); for tests and examples.
#[derive(Clone)]
pub struct PartnerKey {
    /// The certificate, for the sandbox.
    pub public: String,
    /// The secret key, for the client (not protected; test use only).
    pub secret: String,
}

impl std::fmt::Debug for PartnerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartnerKey")
            .field("public", &self.public)
            .field("secret", &momo_core::secret::Redacted)
            .finish()
    }
}

fn crypto(reason: impl Into<String>) -> Error {
    Error::crypto(reason)
}

fn new_key(user_id: &str) -> Result<Cert> {
    CertBuilder::new()
        .add_userid(user_id)
        .set_cipher_suite(CipherSuite::Cv25519)
        .set_features(Features::empty().set_seipdv1())
        .map_err(|e| crypto(e.to_string()))?
        .add_transport_encryption_subkey()
        .generate()
        .map(|(c, _)| c)
        .map_err(|e| crypto(e.to_string()))
}

fn armor(bytes: std::result::Result<Vec<u8>, impl std::fmt::Display>) -> Result<String> {
    let bytes = bytes.map_err(|e| crypto(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| crypto(e.to_string()))
}

/// Generates a Curve25519 partner key pair (for tests and examples).
pub fn generate_partner_key() -> Result<PartnerKey> {
    let cert = new_key("Sandbox partner (TEST KEY) <partner@sandbox.invalid>")?;
    Ok(PartnerKey {
        public: armor(cert.armored().to_vec())?,
        secret: armor(cert.as_tsk().armored().to_vec())?,
    })
}

/// GnuPG-like policy: the standard one, plus SHA-1 for second-preimage resistance.
fn gnupg_like_policy() -> StandardPolicy<'static> {
    let mut p = StandardPolicy::new();
    p.accept_hash_property(
        HashAlgorithm::SHA1,
        HashAlgoSecurity::SecondPreImageResistance,
    );
    p
}

/// Encrypts `plaintext` to `cert`, armored.
pub fn encrypt_to(cert: &Cert, plaintext: &[u8]) -> Result<String> {
    let p = gnupg_like_policy();
    let recipients: Vec<_> = cert
        .keys()
        .with_policy(&p, None)
        .supported()
        .alive()
        .revoked(false)
        .for_transport_encryption()
        .for_storage_encryption()
        .collect();
    if recipients.is_empty() {
        return Err(crypto("partner certificate has no usable encryption key"));
    }
    let mut sink = Vec::new();
    {
        let e = |e: openpgp::anyhow::Error| crypto(e.to_string());
        let m = Message::new(&mut sink);
        let m = Armorer::new(m).build().map_err(e)?;
        let m = Encryptor::for_recipients(m, recipients)
            .build()
            .map_err(e)?;
        let mut w = LiteralWriter::new(m).build().map_err(e)?;
        w.write_all(plaintext).map_err(|e| crypto(e.to_string()))?;
        w.finalize().map_err(e)?;
    }
    String::from_utf8(sink).map_err(|e| crypto(e.to_string()))
}

/// Decrypts `message` with the secret key `key`.
pub fn decrypt_with(key: &Cert, message: &[u8]) -> Result<Vec<u8>> {
    struct H<'a>(&'a Cert);
    impl VerificationHelper for H<'_> {
        fn get_certs(&mut self, _: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
            Ok(Vec::new())
        }
        fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
            // Like MoMo, refuse a message that is not encrypted (a bare literal-data
            // message would otherwise "decrypt" to its plaintext).
            match structure.iter().next() {
                Some(MessageLayer::Encryption { .. }) => Ok(()),
                _ => Err(openpgp::anyhow::anyhow!("message is not encrypted")),
            }
        }
    }
    impl DecryptionHelper for H<'_> {
        fn decrypt(
            &mut self,
            pkesks: &[PKESK],
            _: &[SKESK],
            sym: Option<SymmetricAlgorithm>,
            decrypt: &mut dyn FnMut(Option<SymmetricAlgorithm>, &SessionKey) -> bool,
        ) -> openpgp::Result<Option<Cert>> {
            let p = gnupg_like_policy();
            for ka in self
                .0
                .keys()
                .with_policy(&p, None)
                .secret()
                .for_transport_encryption()
                .for_storage_encryption()
            {
                let Ok(mut pair) = ka.key().clone().into_keypair() else {
                    continue;
                };
                for pkesk in pkesks {
                    if let Some((algo, sk)) = pkesk.decrypt(&mut pair, sym)
                        && decrypt(algo, &sk)
                    {
                        return Ok(None);
                    }
                }
            }
            Err(openpgp::anyhow::anyhow!("no matching key"))
        }
    }
    let p = StandardPolicy::new();
    let mut d = DecryptorBuilder::from_bytes(message)
        .and_then(|b| b.with_policy(&p, None, H(key)))
        .map_err(|e| crypto(e.to_string()))?;
    let mut out = Vec::new();
    d.read_to_end(&mut out).map_err(|e| crypto(e.to_string()))?;
    Ok(out)
}

/// Configures a [`PayrollSandbox`].
#[derive(Debug)]
pub struct PayrollSandboxBuilder {
    partner_cert: String,
    partner_code: String,
    notify_url: Option<String>,
    check_password: Option<String>,
    status_pending_polls: u32,
}

impl PayrollSandboxBuilder {
    /// POST each transfer's Notify Result to `url` after a pay.
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// Require this `password` on check-wallet, status and get-trans (else 1020).
    pub fn check_password(mut self, password: impl Into<String>) -> Self {
        self.check_password = Some(password.into());
        self
    }

    /// `status` answers code 10 (no data) to the first `n` queries of each pay request.
    pub fn status_pending_polls(mut self, n: u32) -> Self {
        self.status_pending_polls = n;
        self
    }

    /// Generates MoMo's key pair and starts the server.
    pub async fn start(self) -> Result<PayrollSandbox> {
        let partner_cert = Cert::from_bytes(self.partner_cert.as_bytes())
            .map_err(|e| crypto(format!("partner certificate: {e}")))?;
        let momo_key = new_key("MoMo Payroll sandbox (TEST KEY) <payroll@sandbox.invalid>")?;
        let momo_cert = armor(momo_key.armored().to_vec())?;
        let mut wallets = HashMap::new();
        wallets.insert(LOCKED_WALLET.to_owned(), Wallet::Locked);
        wallets.insert(MISSING_WALLET.to_owned(), Wallet::Missing);
        wallets.insert(
            NEAR_LIMIT_WALLET.to_owned(),
            Wallet::Active {
                balance: BALANCE_LIMIT - 10_000,
                limit: BALANCE_LIMIT,
            },
        );
        let shared = Arc::new(Shared {
            momo_key,
            partner_cert,
            partner_code: self.partner_code,
            notify_url: self.notify_url,
            check_password: self.check_password,
            status_pending_polls: self.status_pending_polls,
            state: Mutex::new(State {
                wallets,
                ..State::default()
            }),
        });
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path_regex(r"^/api/payroll/[a-z-]+$"))
            .respond_with(Responder(shared.clone()))
            .mount(&server)
            .await;
        Ok(PayrollSandbox {
            server,
            shared,
            momo_cert,
        })
    }
}

/// The running simulator; see the [module docs](self).
pub struct PayrollSandbox {
    server: MockServer,
    shared: Arc<Shared>,
    momo_cert: String,
}

impl std::fmt::Debug for PayrollSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayrollSandbox")
            .field("uri", &self.server.uri())
            .finish_non_exhaustive()
    }
}

impl PayrollSandbox {
    /// A builder: the partner's certificate (answers are encrypted to it) and the
    /// partner code requests must carry.
    pub fn builder(partner_cert: &str, partner_code: &str) -> PayrollSandboxBuilder {
        PayrollSandboxBuilder {
            partner_cert: partner_cert.to_owned(),
            partner_code: partner_code.to_owned(),
            notify_url: None,
            check_password: None,
            status_pending_polls: 0,
        }
    }

    /// The base URL (`http://127.0.0.1:<port>`); paths are `api/payroll/<op>`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The underlying server (for `received_requests`).
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// MoMo's certificate (armored): what the client encrypts to.
    pub fn momo_cert(&self) -> &str {
        &self.momo_cert
    }

    /// Decrypts a message sent to MoMo (what a test uses to read a request body).
    pub fn decrypt(&self, message: &[u8]) -> Result<Vec<u8>> {
        decrypt_with(&self.shared.momo_key, message)
    }

    /// Every decrypted request body received on `api/payroll/<op>`, in order (the raw
    /// JSON, whatever its validity).
    pub fn requests(&self, op: &str) -> Vec<Value> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|(o, _)| o == op)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Sets how the following `pay` requests are answered.
    pub fn set_pay_mode(&self, mode: PayMode) {
        self.shared.lock().pay_mode = mode;
    }

    /// Adds or replaces a wallet.
    pub fn set_wallet(&self, wallet_id: &str, wallet: Wallet) {
        self.shared
            .lock()
            .wallets
            .insert(wallet_id.to_owned(), wallet);
    }

    /// A wallet's state (unknown valid numbers are active with balance 0).
    pub fn wallet(&self, wallet_id: &str) -> Wallet {
        self.shared.lock().wallet(wallet_id)
    }

    /// The Notify Result answers received from the partner: (HTTP status, body).
    pub fn notify_answers(&self) -> Vec<(u16, String)> {
        self.shared.lock().notify_answers.clone()
    }

    /// Waits (up to `max_wait`, polling every 20 ms) until at least `n` Notify Result
    /// answers have arrived; returns them.
    pub async fn wait_for_notify_answers(
        &self,
        n: usize,
        max_wait: Duration,
    ) -> Vec<(u16, String)> {
        let step = Duration::from_millis(20);
        let mut waited = Duration::ZERO;
        loop {
            let answers = self.notify_answers();
            if answers.len() >= n || waited >= max_wait {
                return answers;
            }
            tokio::time::sleep(step).await;
            waited += step;
        }
    }
}

#[derive(Default)]
struct State {
    wallets: HashMap<String, Wallet>,
    payments: Vec<Payment>,
    request_ids: HashSet<String>,
    requests: Vec<(String, Value)>,
    pay_mode: PayMode,
    status_queries: HashMap<String, u32>,
    notify_answers: Vec<(u16, String)>,
    counter: u64,
}

impl State {
    fn wallet(&self, id: &str) -> Wallet {
        self.wallets.get(id).copied().unwrap_or(Wallet::Active {
            balance: 0,
            limit: BALANCE_LIMIT,
        })
    }

    fn next(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{:010}", self.counter)
    }
}

#[derive(Clone)]
struct Payment {
    request_id: String,
    created_date: String,
    transfers: Vec<Done>,
}

#[derive(Clone)]
struct Done {
    wallet_id: String,
    amount: u64,
    accepted: u64,
    code: i64,
    payment_ref: String,
    message: &'static str,
}

impl Done {
    fn json(&self, with_message: bool) -> Value {
        let mut v = json!({
            "walletId": self.wallet_id,
            "amount": self.amount,
            "amountAccepted": self.accepted,
            "resultCode": self.code.to_string(),
            "paymentRef": self.payment_ref,
        });
        if with_message {
            v["message"] = json!(self.message);
        }
        v
    }
}

struct Shared {
    momo_key: Cert,
    partner_cert: Cert,
    partner_code: String,
    notify_url: Option<String>,
    check_password: Option<String>,
    status_pending_polls: u32,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct Responder(Arc<Shared>);

/// A refusal: result code and message.
type Refusal = (i64, String);

fn refuse(code: i64, message: impl Into<String>) -> Refusal {
    (code, message.into())
}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'0'
        && matches!(b[1], b'3' | b'5' | b'7' | b'8' | b'9')
}

/// Refuses fields outside `allowed` (catches misspellings such as `persionalId`).
fn only_fields(
    obj: &Map<String, Value>,
    allowed: &[&str],
    at: &str,
) -> std::result::Result<(), Refusal> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(refuse(11, format!("unexpected field `{at}{k}`"))),
        None => Ok(()),
    }
}

fn req_str<'a>(obj: &'a Map<String, Value>, field: &str) -> std::result::Result<&'a str, Refusal> {
    match obj.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(refuse(11, format!("`{field}` must be a non-empty string"))),
        None => Err(refuse(11, format!("missing `{field}`"))),
    }
}

fn opt_str(obj: &Map<String, Value>, field: &str, at: &str) -> std::result::Result<(), Refusal> {
    match obj.get(field) {
        None | Some(Value::String(_)) => Ok(()),
        Some(_) => Err(refuse(11, format!("`{at}{field}` must be a string"))),
    }
}

/// `YYYY-MM-DDThh:mm:ssTZD`, e.g. `2017-03-06T19:20:30+07:00`.
fn valid_created_date(s: &str) -> bool {
    let fmt = time::format_description::well_known::Rfc3339;
    let shape = match s.len() {
        25 => s.as_bytes()[19] == b'+' || s.as_bytes()[19] == b'-',
        20 => s.ends_with('Z'),
        _ => false,
    };
    shape && time::OffsetDateTime::parse(s, &fmt).is_ok()
}

impl Shared {
    fn check_password(&self, obj: &Map<String, Value>) -> std::result::Result<(), Refusal> {
        match &self.check_password {
            None => Ok(()),
            Some(p) if obj.get("password").and_then(Value::as_str) == Some(p.as_str()) => Ok(()),
            Some(_) => Err(refuse(1020, "Invalid password to check")),
        }
    }

    fn check_wallet(&self, obj: &Map<String, Value>) -> std::result::Result<Value, Refusal> {
        only_fields(obj, &["requestId", "walletId", "password"], "")?;
        self.check_password(obj)?;
        let wallet = req_str(obj, "walletId")?;
        if !is_mobile(wallet) {
            return Err(refuse(4, "Invalid wallet Id"));
        }
        match self.lock().wallet(wallet) {
            Wallet::Active { .. } => Ok(json!({})),
            Wallet::Locked => Err(refuse(1007, "Wallet is locked")),
            Wallet::Missing => Err(refuse(1008, "Wallet isn't existed")),
        }
    }

    fn pay(&self, obj: &Map<String, Value>) -> std::result::Result<Payment, Refusal> {
        only_fields(
            obj,
            &[
                "requestId",
                "walletIds",
                "totalAmount",
                "TotalAmount",
                "createdDate",
                "description",
            ],
            "",
        )?;
        let request_id = req_str(obj, "requestId")?.to_owned();
        let lines = match obj.get("walletIds") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            _ => return Err(refuse(11, "`walletIds` must be a non-empty array")),
        };
        let mut sum: u64 = 0;
        let mut parsed = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let at = format!("walletIds[{i}].");
            let Value::Object(l) = line else {
                return Err(refuse(11, format!("`{at}` must be an object")));
            };
            only_fields(
                l,
                &[
                    "walletId",
                    "amount",
                    "walletName",
                    "personalId",
                    "description",
                ],
                &at,
            )?;
            for f in ["walletName", "personalId", "description"] {
                opt_str(l, f, &at)?;
            }
            let wallet = req_str(l, "walletId")?.to_owned();
            let amount = match l.get("amount") {
                Some(Value::Number(n)) => n.as_u64().filter(|a| *a > 0),
                _ => None,
            };
            let Some(amount) = amount else {
                return Err(refuse(1001, format!("Invalid amount at `{at}amount`")));
            };
            sum = sum
                .checked_add(amount)
                .ok_or_else(|| refuse(1001, "Invalid amount"))?;
            parsed.push((wallet, amount));
        }
        let total = obj.get("totalAmount").or_else(|| obj.get("TotalAmount"));
        if total.and_then(Value::as_u64) != Some(sum) {
            return Err(refuse(
                1001,
                format!("Invalid amount: totalAmount is not the sum {sum}"),
            ));
        }
        let created = req_str(obj, "createdDate")?.to_owned();
        if !valid_created_date(&created) {
            return Err(refuse(
                1004,
                "Invalid date (createdDate: YYYY-MM-DDThh:mm:ssTZD)",
            ));
        }
        opt_str(obj, "description", "")?;
        let mut st = self.lock();
        let mut done = Vec::new();
        for (wallet, amount) in parsed {
            let payment_ref = st.next("");
            let (code, message, accepted) = if !is_mobile(&wallet) {
                (4, "Invalid wallet Id", 0)
            } else {
                match st.wallet(&wallet) {
                    Wallet::Locked => (1007, "Wallet is locked", 0),
                    Wallet::Missing => (1008, "Not existed walletId of receiver", 0),
                    Wallet::Active { balance, limit } => match balance.checked_add(amount) {
                        Some(nb) if nb <= limit => {
                            st.wallets
                                .insert(wallet.clone(), Wallet::Active { balance: nb, limit });
                            (0, "Success", amount)
                        }
                        _ => (1005, "Over balance of receiver", 0),
                    },
                }
            };
            done.push(Done {
                wallet_id: wallet,
                amount,
                accepted,
                code,
                payment_ref,
                message,
            });
        }
        let payment = Payment {
            request_id,
            created_date: created,
            transfers: done,
        };
        st.payments.push(payment.clone());
        Ok(payment)
    }

    fn status(&self, obj: &Map<String, Value>) -> std::result::Result<Value, Refusal> {
        // The table says `checkRequestId`; the example sends `paymentId`.
        only_fields(
            obj,
            &["requestId", "checkRequestId", "paymentId", "password"],
            "",
        )?;
        self.check_password(obj)?;
        let id = req_str(obj, "checkRequestId").or_else(|_| req_str(obj, "paymentId"))?;
        let mut st = self.lock();
        let Some(p) = st.payments.iter().find(|p| p.request_id == id).cloned() else {
            return Err(refuse(1003, "Payment Id not found"));
        };
        let n = st.status_queries.entry(id.to_owned()).or_insert(0);
        *n += 1;
        if *n <= self.status_pending_polls {
            return Err(refuse(10, "Unknown result"));
        }
        Ok(json!({"data": p.transfers.iter().map(|d| d.json(true)).collect::<Vec<_>>()}))
    }

    fn check_tran(&self, obj: &Map<String, Value>) -> std::result::Result<Value, Refusal> {
        only_fields(obj, &["requestId", "paymentRef"], "")?;
        let r = req_str(obj, "paymentRef")?;
        let mut st = self.lock();
        let found = st.payments.iter().find_map(|p| {
            p.transfers
                .iter()
                .find(|d| d.payment_ref == r)
                .map(|d| (p.request_id.clone(), d.code, d.message))
        });
        let Some((pay_id, code, message)) = found else {
            return Err(refuse(1003, "Payment Id not found"));
        };
        let reference = st.next("ref-");
        Ok(
            json!({"data": {"requestId": pay_id, "referenceId": reference, "resultCode": code, "message": message}}),
        )
    }

    fn get_trans(&self, obj: &Map<String, Value>) -> std::result::Result<Value, Refusal> {
        only_fields(obj, &["requestId", "date", "password"], "")?;
        self.check_password(obj)?;
        let date = req_str(obj, "date")?;
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        if date.len() != 10 || time::Date::parse(date, &fmt).is_err() {
            return Err(refuse(1004, "Invalid date"));
        }
        let st = self.lock();
        let data: Vec<Value> = st
            .payments
            .iter()
            .filter(|p| p.created_date.starts_with(date))
            .map(|p| {
                json!({
                    "requestId": p.request_id,
                    "walletIds": p.transfers.iter().map(|d| d.json(false)).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(json!({"data": data}))
    }

    fn notify(self: &Arc<Self>, payment: &Payment) {
        let Some(url) = self.notify_url.clone() else {
            return;
        };
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let mut bodies = Vec::new();
        {
            let mut st = self.lock();
            for d in &payment.transfers {
                let id = st.next("notify-");
                bodies.push(json!({
                    "requestId": id,
                    "paymentId": payment.request_id,
                    "createdDate": "2026-11-23 09:00:00.000",
                    "message": d.message,
                    "walletId": d.wallet_id,
                    "amount": d.amount,
                    "amountAccepted": d.accepted,
                    "resultCode": d.code.to_string(),
                    "paymentRef": d.payment_ref,
                }));
            }
        }
        let shared = self.clone();
        handle.spawn(async move {
            let client = reqwest::Client::new();
            for body in bodies {
                let answer = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await;
                let record = match answer {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        (status, r.text().await.unwrap_or_default())
                    }
                    Err(e) => (0, e.to_string()),
                };
                shared.lock().notify_answers.push(record);
            }
        });
    }

    fn answer(
        &self,
        request_id: &str,
        result: std::result::Result<Value, Refusal>,
    ) -> ResponseTemplate {
        let reference = self.lock().next("ref-");
        let mut body = json!({"requestId": request_id, "referenceId": reference});
        match result {
            Ok(extra) => {
                body["resultCode"] = json!(0);
                body["message"] = json!("Success");
                if let Value::Object(m) = extra {
                    for (k, v) in m {
                        body[k] = v;
                    }
                }
            }
            Err((code, message)) => {
                body["resultCode"] = json!(code);
                body["message"] = json!(message);
            }
        }
        match encrypt_to(&self.partner_cert, body.to_string().as_bytes()) {
            Ok(armored) => ResponseTemplate::new(200)
                .insert_header("content-type", "application/pgp-encrypted")
                .set_body_string(armored),
            Err(e) => ResponseTemplate::new(500).set_body_string(e.to_string()),
        }
    }
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let s = &self.0;
        let op = request
            .url
            .path()
            .trim_start_matches("/api/payroll/")
            .to_owned();
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        if !header("content-type").starts_with("application/pgp-encrypted") {
            return ResponseTemplate::new(415)
                .set_body_string("Content-Type must be application/pgp-encrypted");
        }
        // The spec's header table asks for `Accept: application/pgp-encrypted` too.
        if !header("accept").contains("application/pgp-encrypted") {
            return ResponseTemplate::new(406)
                .set_body_string("Accept must be application/pgp-encrypted");
        }
        let Ok(plain) = decrypt_with(&s.momo_key, &request.body) else {
            return s.answer("", Err(refuse(2, "Cannot decrypt message")));
        };
        let value: Value = serde_json::from_slice(&plain).unwrap_or(Value::Null);
        s.lock().requests.push((op.clone(), value.clone()));
        let Value::Object(obj) = value else {
            return s.answer("", Err(refuse(11, "body is not a JSON object")));
        };
        let request_id = obj
            .get("requestId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if header("partner-code") != s.partner_code {
            return s.answer(&request_id, Err(refuse(9, "Invalid partner code")));
        }
        if let Err(r) = req_str(&obj, "requestId") {
            return s.answer(&request_id, Err(r));
        }
        // Code 8 "Duplicate request Id" applies to all APIs (the spec's table): every
        // request id is single-use, queries included.
        if !s.lock().request_ids.insert(request_id.clone()) {
            return s.answer(&request_id, Err(refuse(8, "Duplicate request Id")));
        }
        match op.as_str() {
            "check-wallet" => s.answer(&request_id, s.check_wallet(&obj)),
            "status" => s.answer(&request_id, s.status(&obj)),
            "check-tran" => s.answer(&request_id, s.check_tran(&obj)),
            "get-trans" => s.answer(&request_id, s.get_trans(&obj)),
            "pay" => match s.pay(&obj) {
                Err(r) => s.answer(&request_id, Err(r)),
                Ok(payment) => {
                    s.notify(&payment);
                    let mode = s.lock().pay_mode;
                    match mode {
                        PayMode::Normal => s.answer(&request_id, Ok(json!({}))),
                        PayMode::AnswerCode10 => {
                            s.answer(&request_id, Err(refuse(10, "Unknown result")))
                        }
                        PayMode::Stall(d) => s.answer(&request_id, Ok(json!({}))).set_delay(d),
                    }
                }
            },
            _ => ResponseTemplate::new(404),
        }
    }
}
