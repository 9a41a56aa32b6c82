//! The OpenPGP layer: every Payroll body is a JSON document encrypted as an
//! ASCII-armored OpenPGP message (`-----BEGIN PGP MESSAGE-----`).
//!
//! - requests are encrypted to **MoMo's certificate** ([`RecipientCert`]);
//! - answers arrive encrypted to **the partner's certificate** and are decrypted with the
//!   partner's secret key ([`DecryptionKey`], optionally passphrase-protected).
//!
//! Keys load from armored or binary bytes or files. Loading checks that the key can
//! actually be used (an encryption-capable key that is valid under the policy, alive,
//! not revoked; for secret keys, that the passphrase unlocks it), so configuration
//! mistakes show up at start-up with a clear message rather than at the first payout.
//!
//! # Legacy keys bound with SHA-1
//!
//! MoMo's Payroll spec dates from 2018 and its sample message was made by GnuPG 2.0.14.
//! Keys of that era are bound with SHA-1 signatures, which sequoia's `StandardPolicy`
//! rejects (SHA-1 is broken for collision resistance). [`KeyPolicy::standard`] (the
//! default) keeps that policy. [`KeyPolicy::allow_sha1_bindings`] is the explicit
//! opt-in: it accepts SHA-1 signatures **for second-preimage resistance only** (what a
//! binding signature made by the key holder needs), via
//! `StandardPolicy::accept_hash_property(SHA1, SecondPreImageResistance)`. When a key
//! fails only because of such bindings, the error says so and names the opt-in.
//!
//! # Example
//!
//! ```
//! use momo_payroll::pgp::{generate_test_key, DecryptionKey, KeyPolicy, RecipientCert};
//! use momo_payroll::momo_core::ExposeSecret;
//! # fn main() -> momo_payroll::Result<()> {
//! let pair = generate_test_key("Partner <payroll@example.com>")?;
//! let cert = RecipientCert::from_bytes(pair.public.as_bytes(), KeyPolicy::standard())?;
//! let key = DecryptionKey::from_bytes(pair.secret.expose_secret().as_bytes(), None, KeyPolicy::standard())?;
//! let armored = cert.encrypt(br#"{"requestId":"r1"}"#)?;
//! assert!(armored.starts_with("-----BEGIN PGP MESSAGE-----"));
//! assert_eq!(key.decrypt(armored.as_bytes())?, br#"{"requestId":"r1"}"#);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::io::{Read, Write};
use std::path::Path;

use momo_core::secret::{ExposeSecret, Redacted, SecretString};
use momo_core::{Error, Result};
use sequoia_openpgp as openpgp;

use openpgp::cert::CertBuilder;
use openpgp::cert::CipherSuite;
use openpgp::crypto::{Password, SessionKey};
use openpgp::packet::key::{SecretParts, UnspecifiedRole};
use openpgp::packet::{Key, PKESK, SKESK};
use openpgp::parse::Parse;
use openpgp::parse::stream::{
    DecryptionHelper, DecryptorBuilder, MessageLayer, MessageStructure, VerificationHelper,
};
use openpgp::policy::{HashAlgoSecurity, StandardPolicy};
use openpgp::serialize::SerializeInto;
use openpgp::serialize::stream::{Armorer, Encryptor, LiteralWriter, Message};
use openpgp::types::{Features, HashAlgorithm, SymmetricAlgorithm};
use openpgp::{Cert, KeyHandle};

/// The largest plaintext [`DecryptionKey::decrypt`] returns (guards against
/// decompression bombs); Payroll answers are a few kilobytes.
pub const MAX_PLAINTEXT: usize = 16 * 1024 * 1024;

/// The name of the opt-in, as it appears in error messages.
const SHA1_OPT_IN: &str = "allow_sha1_bindings (CLI: --allow-sha1-bindings)";

/// Which OpenPGP policy keys are checked against.
///
/// The default is [`KeyPolicy::standard`]: sequoia's `StandardPolicy`, which rejects
/// keys bound with SHA-1 signatures. See the [module docs](self) for the opt-in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyPolicy {
    allow_sha1_bindings: bool,
}

impl KeyPolicy {
    /// sequoia's `StandardPolicy`, unchanged.
    pub const fn standard() -> Self {
        KeyPolicy {
            allow_sha1_bindings: false,
        }
    }

    /// `StandardPolicy` that also accepts SHA-1 signatures where only second-preimage
    /// resistance is needed (binding signatures on legacy keys, such as GnuPG 2.0 keys
    /// made around 2018). Collision-sensitive uses of SHA-1 stay rejected.
    pub const fn allow_sha1_bindings() -> Self {
        KeyPolicy {
            allow_sha1_bindings: true,
        }
    }

    /// [`KeyPolicy::allow_sha1_bindings`] when `allow` is true, else
    /// [`KeyPolicy::standard`] (convenient for a command-line flag).
    pub const fn with_sha1_bindings(allow: bool) -> Self {
        KeyPolicy {
            allow_sha1_bindings: allow,
        }
    }

    /// True when SHA-1 bindings are accepted.
    pub const fn allows_sha1_bindings(&self) -> bool {
        self.allow_sha1_bindings
    }

    fn policy(&self) -> StandardPolicy<'static> {
        let mut p = StandardPolicy::new();
        if self.allow_sha1_bindings {
            p.accept_hash_property(
                HashAlgorithm::SHA1,
                HashAlgoSecurity::SecondPreImageResistance,
            );
        }
        p
    }
}

fn crypto(reason: impl Into<String>) -> Error {
    Error::crypto(reason)
}

/// Reads a key file; the error names the path, never the content.
fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| crypto(format!("cannot read key file {}: {e}", path.display())).with_source(e))
}

fn parse_cert(bytes: &[u8], what: &str) -> Result<Cert> {
    // sequoia's own error text describes the packet structure, never key material.
    Cert::from_bytes(bytes).map_err(|e| {
        crypto(format!(
            "{what} is not an OpenPGP certificate (armored or binary): {e}"
        ))
    })
}

/// The public certificate, ASCII-armored (never the secret parts).
fn armored_public(cert: &Cert) -> Result<String> {
    let bytes = cert
        .armored()
        .to_vec()
        .map_err(|e| crypto(format!("cannot armor certificate: {e}")))?;
    String::from_utf8(bytes).map_err(|e| crypto(format!("armor is not UTF-8: {e}")))
}

/// Counts the encryption-capable keys of `cert` under `policy`.
fn usable_encryption_keys(cert: &Cert, policy: &StandardPolicy<'_>, alive: bool) -> usize {
    let keys = cert
        .keys()
        .with_policy(policy, None)
        .supported()
        .revoked(false)
        .for_transport_encryption()
        .for_storage_encryption();
    if alive {
        keys.alive().count()
    } else {
        keys.count()
    }
}

/// Says why `cert` has no usable encryption key under `policy`: SHA-1 bindings (naming
/// the opt-in), expiry, revocation, or no encryption-capable key at all.
fn explain_unusable(cert: &Cert, policy: KeyPolicy, what: &str, alive_needed: bool) -> Error {
    let fpr = cert.fingerprint();
    let relaxed = KeyPolicy::allow_sha1_bindings().policy();
    if !policy.allows_sha1_bindings() && usable_encryption_keys(cert, &relaxed, alive_needed) > 0 {
        return crypto(format!(
            "{what} {fpr} is bound with SHA-1 signatures (a legacy key, such as one made by \
             GnuPG 2.0 around 2018), which the standard OpenPGP policy rejects; if you trust \
             this key, opt in with {SHA1_OPT_IN}"
        ));
    }
    if alive_needed && usable_encryption_keys(cert, &relaxed, false) > 0 {
        return crypto(format!(
            "{what} {fpr} has no encryption key that is currently valid: every \
             encryption-capable key has expired (or is not valid yet)"
        ));
    }
    let has_enc_algo = cert.keys().any(|ka| ka.key().pk_algo().for_encryption());
    if !has_enc_algo {
        return crypto(format!(
            "{what} {fpr} has no encryption-capable key (only signing keys)"
        ));
    }
    let reason = match cert.with_policy(&relaxed, None) {
        Err(e) => format!(": {e}"),
        Ok(vc) => match vc.revocation_status() {
            openpgp::types::RevocationStatus::Revoked(_) => ": the certificate is revoked".into(),
            _ => String::new(),
        },
    };
    crypto(format!(
        "{what} {fpr} has no usable encryption key (revoked, not flagged for encryption, or \
         an unsupported algorithm){reason}"
    ))
}

/// A certificate (public key) to encrypt to: MoMo's, for requests.
#[derive(Clone)]
pub struct RecipientCert {
    cert: Cert,
    policy: KeyPolicy,
}

impl fmt::Debug for RecipientCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecipientCert")
            .field("fingerprint", &self.cert.fingerprint().to_hex())
            .field("policy", &self.policy)
            .finish()
    }
}

impl RecipientCert {
    /// Loads a certificate from armored or binary bytes and checks that it has an
    /// encryption key usable now under `policy`.
    pub fn from_bytes(bytes: &[u8], policy: KeyPolicy) -> Result<Self> {
        let cert = parse_cert(bytes, "recipient certificate")?;
        let c = RecipientCert { cert, policy };
        if usable_encryption_keys(&c.cert, &policy.policy(), true) == 0 {
            return Err(explain_unusable(
                &c.cert,
                policy,
                "recipient certificate",
                true,
            ));
        }
        Ok(c)
    }

    /// Loads a certificate file (armored or binary); see [`RecipientCert::from_bytes`].
    pub fn from_file(path: impl AsRef<Path>, policy: KeyPolicy) -> Result<Self> {
        Self::from_bytes(&read_file(path.as_ref())?, policy)
    }

    /// The certificate's fingerprint (upper-case hex).
    pub fn fingerprint(&self) -> String {
        self.cert.fingerprint().to_hex()
    }

    /// The certificate, ASCII-armored.
    pub fn to_armored(&self) -> Result<String> {
        armored_public(&self.cert)
    }

    /// Encrypts `plaintext` to this certificate's usable encryption keys and returns the
    /// ASCII-armored message.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<String> {
        let policy = self.policy.policy();
        let recipients: Vec<_> = self
            .cert
            .keys()
            .with_policy(&policy, None)
            .supported()
            .alive()
            .revoked(false)
            .for_transport_encryption()
            .for_storage_encryption()
            .collect();
        if recipients.is_empty() {
            return Err(explain_unusable(
                &self.cert,
                self.policy,
                "recipient certificate",
                true,
            ));
        }
        let mut sink = Vec::new();
        {
            let message = Message::new(&mut sink);
            let message = Armorer::new(message)
                .kind(openpgp::armor::Kind::Message)
                .build()
                .map_err(|e| crypto(format!("encryption failed: {e}")))?;
            let message = Encryptor::for_recipients(message, recipients)
                .build()
                .map_err(|e| crypto(format!("encryption failed: {e}")))?;
            let mut writer = LiteralWriter::new(message)
                .build()
                .map_err(|e| crypto(format!("encryption failed: {e}")))?;
            writer
                .write_all(plaintext)
                .map_err(|e| crypto(format!("encryption failed: {e}")))?;
            writer
                .finalize()
                .map_err(|e| crypto(format!("encryption failed: {e}")))?;
        }
        String::from_utf8(sink).map_err(|e| crypto(format!("armor is not UTF-8: {e}")))
    }
}

/// A secret key to decrypt with: the partner's, for MoMo's answers.
///
/// The passphrase (if any) is used once, at load, to unlock the encryption subkeys; it
/// is not kept. Debug output shows the fingerprint only.
#[derive(Clone)]
pub struct DecryptionKey {
    cert: Cert,
    keys: Vec<Key<SecretParts, UnspecifiedRole>>,
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("fingerprint", &self.cert.fingerprint().to_hex())
            .field("secret", &Redacted)
            .finish()
    }
}

impl DecryptionKey {
    /// Loads a secret key (armored or binary), checks it has a decryption-capable secret
    /// key valid under `policy`, and unlocks it with `passphrase` when it is protected.
    pub fn from_bytes(
        bytes: &[u8],
        passphrase: Option<&SecretString>,
        policy: KeyPolicy,
    ) -> Result<Self> {
        let cert = parse_cert(bytes, "secret key")?;
        if !cert.is_tsk() {
            return Err(crypto(format!(
                "key {} has no secret key material (this is a public certificate; a secret \
                 key is needed to decrypt)",
                cert.fingerprint()
            )));
        }
        let p = policy.policy();
        let candidates: Vec<Key<SecretParts, UnspecifiedRole>> = cert
            .keys()
            .with_policy(&p, None)
            .supported()
            .secret()
            .for_transport_encryption()
            .for_storage_encryption()
            .map(|ka| ka.key().clone())
            .collect();
        if candidates.is_empty() {
            if usable_encryption_keys(&cert, &p, false) > 0 {
                return Err(crypto(format!(
                    "secret key {}: the encryption subkey's secret part is missing (only the \
                     public part, or a stub such as a smartcard reference, was exported)",
                    cert.fingerprint()
                )));
            }
            // Not requiring "alive": an expired key may still read old messages.
            return Err(explain_unusable(&cert, policy, "secret key", false));
        }
        let mut keys = Vec::with_capacity(candidates.len());
        for key in candidates {
            if key.secret().is_encrypted() {
                let Some(pass) = passphrase else {
                    return Err(crypto(format!(
                        "secret key {} is passphrase-protected and no passphrase was given",
                        cert.fingerprint()
                    )));
                };
                let password = Password::from(pass.expose_secret());
                let unlocked = key.decrypt_secret(&password).map_err(|_| {
                    crypto(format!(
                        "wrong passphrase for secret key {}",
                        cert.fingerprint()
                    ))
                })?;
                keys.push(unlocked);
            } else {
                keys.push(key);
            }
        }
        Ok(DecryptionKey { cert, keys })
    }

    /// Loads a secret key file; see [`DecryptionKey::from_bytes`].
    pub fn from_file(
        path: impl AsRef<Path>,
        passphrase: Option<&SecretString>,
        policy: KeyPolicy,
    ) -> Result<Self> {
        Self::from_bytes(&read_file(path.as_ref())?, passphrase, policy)
    }

    /// The primary key's fingerprint (upper-case hex).
    pub fn fingerprint(&self) -> String {
        self.cert.fingerprint().to_hex()
    }

    /// The public half, ASCII-armored (what the partner gives MoMo).
    pub fn public_armored(&self) -> Result<String> {
        armored_public(&self.cert)
    }

    /// Decrypts an OpenPGP message (armored or binary). The message must be encrypted
    /// (a plain literal message is refused); signatures, if any, are not checked (the
    /// Payroll spec defines none). Fails with [`momo_core::ErrorKind::Crypto`] on
    /// garbage, on a message for another key, and on tampering.
    pub fn decrypt(&self, message: &[u8]) -> Result<Vec<u8>> {
        let policy = StandardPolicy::new();
        let helper = Helper {
            keys: &self.keys,
            recipients: Vec::new(),
            decrypted: false,
        };
        let builder = DecryptorBuilder::from_bytes(message)
            .map_err(|e| crypto(format!("not an OpenPGP message: {e}")))?;
        let mut decryptor = match builder.with_policy(&policy, None, helper) {
            Ok(d) => d,
            Err(e) => return Err(self.decrypt_error(message, e.to_string())),
        };
        let mut out = Vec::new();
        let limit = (MAX_PLAINTEXT as u64).saturating_add(1);
        (&mut decryptor)
            .take(limit)
            .read_to_end(&mut out)
            .map_err(|e| {
                crypto(format!(
                    "decryption failed (corrupt or tampered message): {e}"
                ))
            })?;
        if out.len() > MAX_PLAINTEXT {
            return Err(crypto(format!(
                "decrypted message exceeds {MAX_PLAINTEXT} bytes"
            )));
        }
        if !decryptor.message_processed() {
            return Err(crypto(
                "decryption failed: message truncated or not verified",
            ));
        }
        Ok(out)
    }

    /// Builds the error for a failed decryption: names the message's recipients when
    /// none of them is this key.
    fn decrypt_error(&self, message: &[u8], detail: String) -> Error {
        let recipients = message_recipients(message);
        if recipients.is_empty() {
            return crypto(format!("decryption failed: {detail}"));
        }
        let ours: Vec<KeyHandle> = self.keys.iter().map(|k| k.key_handle()).collect();
        let for_us = recipients
            .iter()
            .any(|r| ours.iter().any(|o| o.aliases(r)) || r.is_wildcard());
        if for_us {
            crypto(format!(
                "decryption failed (the message names this key but could not be \
                 decrypted: corrupt or tampered?): {detail}"
            ))
        } else {
            let list: Vec<String> = recipients.iter().map(|r| r.to_hex()).collect();
            crypto(format!(
                "wrong key: the message is encrypted to key id(s) {}, not to key {} \
                 (encryption subkey(s) {})",
                list.join(", "),
                self.cert.fingerprint(),
                ours.iter()
                    .map(|h| h.to_hex())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    }
}

/// The key handles named by a message's PKESK packets (best effort; empty on garbage).
fn message_recipients(message: &[u8]) -> Vec<KeyHandle> {
    use openpgp::Packet;
    use openpgp::parse::{PacketParser, PacketParserResult};
    let mut out = Vec::new();
    let Ok(mut ppr) = PacketParser::from_bytes(message) else {
        return out;
    };
    while let PacketParserResult::Some(pp) = ppr {
        if let Packet::PKESK(p) = &pp.packet {
            match p.recipient() {
                Some(h) => out.push(h),
                None => out.push(KeyHandle::KeyID(openpgp::KeyID::wildcard())),
            }
        }
        if matches!(pp.packet, Packet::SEIP(_)) {
            break;
        }
        match pp.next() {
            Ok((_, next)) => ppr = next,
            Err(_) => break,
        }
    }
    out
}

trait WildcardExt {
    fn is_wildcard(&self) -> bool;
}

impl WildcardExt for KeyHandle {
    fn is_wildcard(&self) -> bool {
        matches!(self, KeyHandle::KeyID(id) if id.is_wildcard())
    }
}

struct Helper<'k> {
    keys: &'k [Key<SecretParts, UnspecifiedRole>],
    recipients: Vec<KeyHandle>,
    decrypted: bool,
}

impl VerificationHelper for Helper<'_> {
    fn get_certs(&mut self, _ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(Vec::new())
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        // The outermost layer must be encryption: refuse plaintext passed off as an
        // answer.
        match structure.iter().next() {
            Some(MessageLayer::Encryption { .. }) if self.decrypted => Ok(()),
            _ => Err(openpgp::Error::InvalidOperation(
                "message is not encrypted (a plain OpenPGP message was refused)".into(),
            )
            .into()),
        }
    }
}

impl DecryptionHelper for Helper<'_> {
    fn decrypt(
        &mut self,
        pkesks: &[PKESK],
        _skesks: &[SKESK],
        sym_algo: Option<SymmetricAlgorithm>,
        decrypt: &mut dyn FnMut(Option<SymmetricAlgorithm>, &SessionKey) -> bool,
    ) -> openpgp::Result<Option<Cert>> {
        for pkesk in pkesks {
            let recipient = pkesk.recipient();
            if let Some(r) = &recipient {
                self.recipients.push(r.clone());
            }
            for key in self.keys {
                let matches = match &recipient {
                    Some(r) => r.aliases(key.key_handle()) || r.is_wildcard(),
                    None => true,
                };
                if !matches {
                    continue;
                }
                let Ok(mut pair) = key.clone().into_keypair() else {
                    continue;
                };
                if let Some((algo, sk)) = pkesk.decrypt(&mut pair, sym_algo)
                    && decrypt(algo, &sk)
                {
                    self.decrypted = true;
                    return Ok(None);
                }
            }
        }
        Err(openpgp::Error::MissingSessionKey("no matching key for this message".into()).into())
    }
}

/// A freshly generated key pair, both halves ASCII-armored.
///
/// Debug output redacts the secret half.
pub struct TestKeyPair {
    /// The certificate (public key), to give to the other side.
    pub public: String,
    /// The transferable secret key (not passphrase-protected).
    pub secret: SecretString,
}

impl fmt::Debug for TestKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestKeyPair")
            .field("public", &self.public)
            .field("secret", &Redacted)
            .finish()
    }
}

/// Generates a Curve25519 key pair (Ed25519 primary, Cv25519 encryption subkey) for
/// tests and sandbox use, advertising only SEIPDv1 so that GnuPG 2.x can read messages
/// encrypted to it. Not for production: the secret key is not passphrase-protected.
///
/// Note: GnuPG 2.0 (what MoMo's 2018 sample message came from) has no Curve25519
/// support; ask MoMo which algorithms their side accepts before using such a key there.
pub fn generate_test_key(user_id: &str) -> Result<TestKeyPair> {
    let (cert, _revocation) = CertBuilder::new()
        .add_userid(user_id)
        .set_cipher_suite(CipherSuite::Cv25519)
        .set_features(Features::empty().set_seipdv1())
        .map_err(|e| crypto(format!("key generation failed: {e}")))?
        .add_signing_subkey()
        .add_transport_encryption_subkey()
        .generate()
        .map_err(|e| crypto(format!("key generation failed: {e}")))?;
    let public = cert
        .armored()
        .to_vec()
        .map_err(|e| crypto(format!("cannot armor certificate: {e}")))?;
    let secret = cert
        .as_tsk()
        .armored()
        .to_vec()
        .map_err(|e| crypto(format!("cannot armor secret key: {e}")))?;
    Ok(TestKeyPair {
        public: String::from_utf8(public).map_err(|e| crypto(e.to_string()))?,
        secret: SecretString::from(String::from_utf8(secret).map_err(|e| crypto(e.to_string()))?),
    })
}
