//! HMAC signing and constant-time verification.
//!
//! Two encodings are used across the MoMo family:
//! - HMAC-SHA256 as **lowercase hex** (MoMo Vietnam's `signature` fields);
//! - HMAC-SHA512 as **standard Base64** with `=` padding (ecommpay).
//!
//! Verification decodes the caller's signature and compares MACs with
//! [`Mac::verify_slice`], which runs in constant time; strings are never compared with
//! `==`.
//!
//! ```
//! use momo_core::sign;
//! let sig = sign::hmac_sha256_hex(b"key", b"The quick brown fox jumps over the lazy dog");
//! assert_eq!(sig, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
//! assert!(sign::verify_hmac_sha256_hex(b"key", b"The quick brown fox jumps over the lazy dog", &sig).is_ok());
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};

use crate::error::{Error, Result};

type HmacSha256 = Hmac<Sha256>;
type HmacSha512 = Hmac<Sha512>;

/// HMAC-SHA256 of `message` under `key`, as lowercase hex (64 characters).
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    hex::encode(hmac_sha256(key, message))
}

/// HMAC-SHA256 of `message` under `key`, raw bytes.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA512 of `message` under `key`, as standard Base64 with padding.
pub fn hmac_sha512_base64(key: &[u8], message: &[u8]) -> String {
    STANDARD.encode(hmac_sha512(key, message))
}

/// HMAC-SHA512 of `message` under `key`, raw bytes.
pub fn hmac_sha512(key: &[u8], message: &[u8]) -> [u8; 64] {
    let mut mac = <HmacSha512 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Checks a hex HMAC-SHA256 `signature` (either case) over `message`, in constant time.
pub fn verify_hmac_sha256_hex(key: &[u8], message: &[u8], signature: &str) -> Result<()> {
    let sig = hex::decode(signature.trim())
        .map_err(|_| Error::signature("signature is not hexadecimal"))?;
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.verify_slice(&sig)
        .map_err(|_| Error::signature("signature does not match"))
}

/// Checks a standard-Base64 HMAC-SHA512 `signature` over `message`, in constant time.
pub fn verify_hmac_sha512_base64(key: &[u8], message: &[u8], signature: &str) -> Result<()> {
    let sig = STANDARD
        .decode(signature.trim())
        .map_err(|_| Error::signature("signature is not valid Base64"))?;
    let mut mac = <HmacSha512 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.verify_slice(&sig)
        .map_err(|_| Error::signature("signature does not match"))
}

#[cfg(test)]
mod tests {
    //! RFC 4231 (HMAC-SHA-224/256/384/512 test vectors). Expected values are copied
    //! from the RFC, never computed here.
    use super::*;
    use crate::ErrorKind;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.replace([' ', '\n'], "")).unwrap()
    }

    struct Case {
        key: Vec<u8>,
        data: Vec<u8>,
        sha256: &'static str,
        sha512: &'static str,
    }

    fn cases() -> Vec<Case> {
        vec![
            // Test Case 1
            Case {
                key: vec![0x0b; 20],
                data: b"Hi There".to_vec(),
                sha256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                sha512: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde\
                         daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
            },
            // Test Case 2
            Case {
                key: b"Jefe".to_vec(),
                data: b"what do ya want for nothing?".to_vec(),
                sha256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                sha512: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
                         9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            },
            // Test Case 3
            Case {
                key: vec![0xaa; 20],
                data: vec![0xdd; 50],
                sha256: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
                sha512: "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39\
                         bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
            },
            // Test Case 4
            Case {
                key: unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                data: vec![0xcd; 50],
                sha256: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
                sha512: "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db\
                         a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
            },
            // Test Case 6 (key longer than the block size)
            Case {
                key: vec![0xaa; 131],
                data: b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                sha256: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                sha512: "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352\
                         6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
            },
            // Test Case 7
            Case {
                key: vec![0xaa; 131],
                data: b"This is a test using a larger than block-size key and a larger \
                        than block-size data. The key needs to be hashed before being \
                        used by the HMAC algorithm."
                    .to_vec(),
                sha256: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
                sha512: "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944\
                         b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
            },
        ]
    }

    #[test]
    fn rfc4231_sha256_hex() {
        for (i, c) in cases().iter().enumerate() {
            assert_eq!(hmac_sha256_hex(&c.key, &c.data), c.sha256, "case {i}");
            verify_hmac_sha256_hex(&c.key, &c.data, c.sha256).unwrap();
            verify_hmac_sha256_hex(&c.key, &c.data, &c.sha256.to_uppercase()).unwrap();
        }
    }

    #[test]
    fn rfc4231_sha512_base64() {
        for (i, c) in cases().iter().enumerate() {
            let expected_b64 = STANDARD.encode(unhex(c.sha512));
            assert_eq!(
                hmac_sha512_base64(&c.key, &c.data),
                expected_b64,
                "case {i}"
            );
            verify_hmac_sha512_base64(&c.key, &c.data, &expected_b64).unwrap();
        }
    }

    #[test]
    fn rfc4231_case5_truncated_is_a_prefix() {
        // Test Case 5 gives only the first 128 bits.
        let key = vec![0x0c; 20];
        let data = b"Test With Truncation";
        assert!(hmac_sha256_hex(&key, data).starts_with("a3b6167473100ee06e0c796c2955552b"));
        assert!(
            hex::encode(hmac_sha512(&key, data)).starts_with("415fad6271580a531d4179bc891d87a6")
        );
    }

    #[test]
    fn sha512_base64_known_answer_from_ecommpay_digest() {
        // V2 of ecommpay.signing-and-gate.md: the string to sign is `payment:id:000049;payment:status:success`.
        assert_eq!(
            hmac_sha512_base64(b"secret", b"payment:id:000049;payment:status:success"),
            "/3TrhHVz9BHaLfgLyhoxO7dsQNzbzZa/TdO3pxQocXWwgVM6tGlzMLVfpOxFNTnkR9iiFVK/77ZedMcbkCjmng=="
        );
    }

    #[test]
    fn verification_rejects_wrong_key_tampering_and_garbage() {
        let c = &cases()[1];
        let wrong_key = verify_hmac_sha256_hex(b"jefe", &c.data, c.sha256).unwrap_err();
        assert!(matches!(wrong_key.kind(), ErrorKind::Signature(_)));
        let mut tampered = c.sha256.to_string();
        tampered.replace_range(0..1, "6");
        assert!(verify_hmac_sha256_hex(&c.key, &c.data, &tampered).is_err());
        assert!(verify_hmac_sha256_hex(&c.key, &c.data, "zz").is_err());
        // A prefix of the right MAC is not accepted.
        assert!(verify_hmac_sha256_hex(&c.key, &c.data, &c.sha256[..32]).is_err());
        assert!(verify_hmac_sha256_hex(&c.key, &c.data, "").is_err());
        let b64 = STANDARD.encode(unhex(c.sha512));
        assert!(verify_hmac_sha512_base64(&c.key, b"other", &b64).is_err());
        assert!(verify_hmac_sha512_base64(&c.key, &c.data, "!!not base64!!").is_err());
        assert!(verify_hmac_sha512_base64(&c.key, &c.data, &b64[..40]).is_err());
    }
}
