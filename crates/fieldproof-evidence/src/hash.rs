//! SHA-256 digests as a validated type, and hex helpers. A digest read from a ledger entry, a
//! manifest or a file name is parsed before it is used in a path or a zip entry name, so a
//! tampered value can never point outside the blob store.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// A SHA-256 digest: exactly 64 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Hex(String);

impl Sha256Hex {
    /// Parses 64 lower-case hex digits.
    pub fn parse(text: &str) -> Result<Sha256Hex, String> {
        if text.len() == 64
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Sha256Hex(text.to_string()))
        } else {
            Err(format!(
                "'{}' is not a SHA-256 digest (64 lower-case hex digits)",
                text.chars().take(80).collect::<String>()
            ))
        }
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Sha256Hex {
        Sha256Hex(hex(&Sha256::digest(bytes)))
    }

    /// The digest of a finished hasher.
    pub fn from_hasher(hasher: Sha256) -> Sha256Hex {
        Sha256Hex(hex(&hasher.finalize()))
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first `n` hex digits, for display.
    pub fn short(&self, n: usize) -> &str {
        &self.0[..n.min(64)]
    }
}

impl fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Sha256Hex {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Sha256Hex::parse(&text)
    }
}

impl From<Sha256Hex> for String {
    fn from(hash: Sha256Hex) -> String {
        hash.0
    }
}

impl JsonSchema for Sha256Hex {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Sha256Hex".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "description": "A SHA-256 digest, 64 lower-case hex digits."
        })
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Decodes lower- or upper-case hex; `None` for anything else (odd length, other characters).
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// At most `n` characters of `text` (never splits a character), for one-line displays.
pub fn prefix(text: &str, n: usize) -> &str {
    match text.char_indices().nth(n) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_digests_parse() {
        let good = "ab".repeat(32);
        assert!(Sha256Hex::parse(&good).is_ok());
        for bad in [
            "../../../../etc/passwd".to_string(),
            "AB".repeat(32),
            "ab".repeat(31),
            format!("{}/", "a".repeat(63)),
            String::new(),
        ] {
            assert!(Sha256Hex::parse(&bad).is_err(), "{bad}");
        }
        let json = format!("\"{}\"", "0".repeat(63) + "/");
        assert!(serde_json::from_str::<Sha256Hex>(&json).is_err());
    }

    #[test]
    fn hex_round_trips_and_prefix_never_splits_characters() {
        assert_eq!(unhex(&hex(&[0, 1, 254, 255])), Some(vec![0, 1, 254, 255]));
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("é1"), None);
        assert_eq!(prefix("ééé", 2), "éé");
        assert_eq!(prefix("ab", 5), "ab");
    }
}
