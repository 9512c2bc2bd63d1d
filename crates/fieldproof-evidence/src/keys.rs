//! The organisation's Ed25519 ledger key: created at `init`, the private half in a file only the
//! owner can read — optionally encrypted at rest under a passphrase (Argon2id, then
//! ChaCha20-Poly1305) — and the public half exportable so that auditors can check signatures
//! offline and pin the key.
//!
//! Rotation writes the next key beside the current one (`ledger.key.next`), records a ledger
//! entry signed by the current key that introduces the next one, then renames the next key into
//! place. An interruption between the entry and the rename is finished on the next load: the
//! ledger says which key is current.

use crate::hash::{hex, unhex};
use crate::EvidenceError;
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// File name of the private key inside the keys directory.
pub const SECRET_FILE: &str = "ledger.key";
/// File name of the next private key during a rotation.
pub const NEXT_FILE: &str = "ledger.key.next";
/// File name of the public key inside the keys directory.
pub const PUBLIC_FILE: &str = "ledger.pub";
const PLAIN_HEADER: &str = "fieldproof-ed25519-secret-v1";
const SEALED_HEADER: &str = "fieldproof-ed25519-secret-v2-argon2id-chacha20poly1305";

/// Argon2id cost of a new passphrase: 64 MiB, 3 passes, 1 lane (above the OWASP minimum).
const KDF_MEMORY_KIB: u32 = 64 * 1024;
const KDF_PASSES: u32 = 3;
const KDF_LANES: u32 = 1;

/// The signing key. `Debug` never shows the secret.
pub struct LedgerKey {
    signing: SigningKey,
}

impl std::fmt::Debug for LedgerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LedgerKey(public {}, secret redacted)",
            public_hex(&self.signing.verifying_key())
        )
    }
}

/// The public key as hex (64 characters).
pub fn public_hex(key: &VerifyingKey) -> String {
    hex(key.as_bytes())
}

/// A short fingerprint to compare out of band: SHA-256 of the public key, first 16 bytes, hex.
pub fn fingerprint(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    hex(&digest[..16])
}

/// Parses a public key from hex.
pub fn parse_public(text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = unhex(text.trim())?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// Whether `pin` (a public key in hex, or a fingerprint, any case, `:` and spaces ignored) names
/// `key`.
pub fn pin_matches(pin: &str, key: &VerifyingKey) -> bool {
    let pin: String = pin
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect::<String>()
        .to_ascii_lowercase();
    pin == public_hex(key) || pin == fingerprint(key)
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> EvidenceError + '_ {
    move |source| EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The key files of a workspace.
#[derive(Debug, Clone)]
pub struct KeyFiles {
    dir: PathBuf,
}

impl KeyFiles {
    /// The keys directory (`.fieldproof/keys`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        KeyFiles { dir: dir.into() }
    }

    /// The private key file.
    pub fn secret(&self) -> PathBuf {
        self.dir.join(SECRET_FILE)
    }

    /// The public key file.
    pub fn public(&self) -> PathBuf {
        self.dir.join(PUBLIC_FILE)
    }

    fn next(&self) -> PathBuf {
        self.dir.join(NEXT_FILE)
    }

    /// Creates the first key pair (refusing to overwrite one), encrypted when `passphrase` is
    /// given.
    pub fn create(&self, passphrase: Option<&str>) -> Result<LedgerKey, EvidenceError> {
        std::fs::create_dir_all(&self.dir).map_err(io_error(&self.dir))?;
        let key = LedgerKey::generate()?;
        key.write_new(&self.secret(), passphrase)?;
        self.write_public(&key.public())?;
        Ok(key)
    }

    /// Reads the public key file.
    pub fn read_public(&self) -> Result<VerifyingKey, EvidenceError> {
        let path = self.public();
        let text = std::fs::read_to_string(&path).map_err(io_error(&path))?;
        parse_public(&text).ok_or_else(|| {
            EvidenceError::Key(format!("{} is not an Ed25519 public key", path.display()))
        })
    }

    fn write_public(&self, key: &VerifyingKey) -> Result<(), EvidenceError> {
        let path = self.public();
        write_atomically(&path, format!("{}\n", public_hex(key)).as_bytes(), 0o644)
    }

    /// Whether the private key is encrypted under a passphrase.
    pub fn is_protected(&self) -> Result<bool, EvidenceError> {
        let path = self.secret();
        let text = std::fs::read_to_string(&path).map_err(io_error(&path))?;
        Ok(text.starts_with(SEALED_HEADER))
    }

    /// Loads the signing key that the ledger says is current (`expected`). When the key file
    /// holds the previous key and a rotation to `expected` was interrupted after its ledger
    /// entry, the rotation is finished here.
    pub fn load_current(
        &self,
        expected: &VerifyingKey,
        passphrase: Option<&str>,
    ) -> Result<LedgerKey, EvidenceError> {
        let key = LedgerKey::read(&self.secret(), passphrase)?;
        if key.public() == *expected {
            return Ok(key);
        }
        let next = self.next();
        if next.is_file() {
            let candidate = LedgerKey::read(&next, passphrase)?;
            if candidate.public() == *expected {
                std::fs::rename(&next, self.secret()).map_err(io_error(&next))?;
                self.write_public(expected)?;
                return Ok(candidate);
            }
        }
        Err(EvidenceError::Key(format!(
            "{} holds the key with fingerprint {}, but the ledger's current key is {}; restore the right key file",
            self.secret().display(),
            fingerprint(&key.public()),
            fingerprint(expected)
        )))
    }

    /// Writes `key` as the next key of a rotation (protected like the current one).
    pub fn stage_next(
        &self,
        key: &LedgerKey,
        passphrase: Option<&str>,
    ) -> Result<(), EvidenceError> {
        let next = self.next();
        let _ = std::fs::remove_file(&next); // an abandoned earlier attempt
        key.write_new(&next, passphrase)
    }

    /// Makes the staged next key current, once the rotation entry is in the ledger.
    pub fn promote_next(&self, key: &VerifyingKey) -> Result<(), EvidenceError> {
        let next = self.next();
        std::fs::rename(&next, self.secret()).map_err(io_error(&next))?;
        self.write_public(key)
    }

    /// Rewrites the private key under `passphrase` (or in the clear when `None`).
    pub fn reprotect(
        &self,
        key: &LedgerKey,
        passphrase: Option<&str>,
    ) -> Result<(), EvidenceError> {
        let temp = self.dir.join(format!("{SECRET_FILE}.rewrite"));
        let _ = std::fs::remove_file(&temp);
        key.write_new(&temp, passphrase)?;
        std::fs::rename(&temp, self.secret()).map_err(io_error(&temp))
    }
}

/// Writes `bytes` to `path` via a temporary file, fsync and rename.
fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> Result<(), EvidenceError> {
    let temp = path.with_extension("tmp-write");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&temp).map_err(io_error(&temp))?;
    file.write_all(bytes).map_err(io_error(&temp))?;
    file.sync_all().map_err(io_error(&temp))?;
    std::fs::rename(&temp, path).map_err(io_error(path))
}

fn kdf(
    passphrase: &str,
    salt: &[u8],
    memory: u32,
    passes: u32,
    lanes: u32,
) -> Result<[u8; 32], EvidenceError> {
    let params = Params::new(memory, passes, lanes, Some(32))
        .map_err(|e| EvidenceError::Key(format!("key file has bad KDF parameters: {e}")))?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|e| EvidenceError::Key(format!("deriving the key from the passphrase: {e}")))?;
    Ok(out)
}

fn random<const N: usize>() -> Result<[u8; N], EvidenceError> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| EvidenceError::Key(format!("no randomness available: {e}")))?;
    Ok(bytes)
}

impl LedgerKey {
    /// A new random key.
    pub fn generate() -> Result<LedgerKey, EvidenceError> {
        Ok(LedgerKey {
            signing: SigningKey::from_bytes(&random::<32>()?),
        })
    }

    /// Writes the key to a new file (owner-only), encrypted when `passphrase` is given.
    fn write_new(&self, path: &Path, passphrase: Option<&str>) -> Result<(), EvidenceError> {
        let seed = self.signing.to_bytes();
        let text = match passphrase {
            None => format!("{PLAIN_HEADER}\n{}\n", hex(&seed)),
            Some(passphrase) => {
                if passphrase.is_empty() {
                    return Err(EvidenceError::Key(
                        "the passphrase is empty; choose a non-empty passphrase".to_string(),
                    ));
                }
                let salt = random::<16>()?;
                let nonce = random::<12>()?;
                let derived = kdf(passphrase, &salt, KDF_MEMORY_KIB, KDF_PASSES, KDF_LANES)?;
                let public = public_hex(&self.public());
                let params = format!("m={KDF_MEMORY_KIB},t={KDF_PASSES},p={KDF_LANES}");
                let aad = format!("{SEALED_HEADER}\n{params}\n{public}");
                let sealed = ChaCha20Poly1305::new(Key::from_slice(&derived))
                    .encrypt(
                        Nonce::from_slice(&nonce),
                        Payload {
                            msg: &seed,
                            aad: aad.as_bytes(),
                        },
                    )
                    .map_err(|_| EvidenceError::Key("encrypting the key failed".to_string()))?;
                format!(
                    "{SEALED_HEADER}\n{params}\n{public}\n{}\n{}\n{}\n",
                    hex(&salt),
                    hex(&nonce),
                    hex(&sealed)
                )
            }
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(io_error(path))?;
        file.write_all(text.as_bytes()).map_err(io_error(path))?;
        file.sync_all().map_err(io_error(path))
    }

    /// Reads a key file, checking that others cannot read it and decrypting it when protected.
    pub fn read(path: &Path, passphrase: Option<&str>) -> Result<LedgerKey, EvidenceError> {
        let text = std::fs::read_to_string(path).map_err(io_error(path))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map(|m| m.permissions().mode() & 0o077)
                .unwrap_or(0);
            if mode != 0 {
                return Err(EvidenceError::Key(format!(
                    "{} is readable by group or others; run `chmod 600 {}`",
                    path.display(),
                    path.display()
                )));
            }
        }
        let damaged = || EvidenceError::Key(format!("{} is damaged", path.display()));
        let lines: Vec<&str> = text.lines().collect();
        let seed: [u8; 32] = match lines.as_slice() {
            [PLAIN_HEADER, seed, ..] => unhex(seed)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(damaged)?,
            [SEALED_HEADER, params, public, salt, nonce, sealed, ..] => {
                let Some(passphrase) = passphrase else {
                    return Err(EvidenceError::Key(format!(
                        "{} is protected by a passphrase; set FIELDPROOF_KEY_PASSPHRASE",
                        path.display()
                    )));
                };
                let cost = |name: &str| {
                    params
                        .split(',')
                        .find_map(|p| p.strip_prefix(name)?.parse::<u32>().ok())
                };
                let (Some(m), Some(t), Some(p)) = (cost("m="), cost("t="), cost("p=")) else {
                    return Err(damaged());
                };
                let salt = unhex(salt).ok_or_else(damaged)?;
                let nonce: [u8; 12] = unhex(nonce)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(damaged)?;
                let sealed = unhex(sealed).ok_or_else(damaged)?;
                let derived = kdf(passphrase, &salt, m, t, p)?;
                let aad = format!("{SEALED_HEADER}\n{params}\n{public}");
                let seed = ChaCha20Poly1305::new(Key::from_slice(&derived))
                    .decrypt(
                        Nonce::from_slice(&nonce),
                        Payload {
                            msg: &sealed,
                            aad: aad.as_bytes(),
                        },
                    )
                    .map_err(|_| {
                        EvidenceError::Key(format!(
                            "{}: wrong passphrase (FIELDPROOF_KEY_PASSPHRASE), or the file was altered",
                            path.display()
                        ))
                    })?;
                seed.try_into().map_err(|_| damaged())?
            }
            _ => {
                return Err(EvidenceError::Key(format!(
                    "{} is not a fieldproof ledger key",
                    path.display()
                )))
            }
        };
        Ok(LedgerKey {
            signing: SigningKey::from_bytes(&seed),
        })
    }

    /// The public half.
    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// Signs `message`, returning the signature as hex.
    pub fn sign(&self, message: &[u8]) -> String {
        hex(&self.signing.sign(message).to_bytes())
    }
}

/// Checks a hex signature of `message` by `key`.
pub fn signature_ok(key: &VerifyingKey, message: &[u8], signature: &str) -> bool {
    use ed25519_dalek::Verifier;
    unhex(signature)
        .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
        .map(|bytes| ed25519_dalek::Signature::from_bytes(&bytes))
        .is_some_and(|signature| key.verify(message, &signature).is_ok())
}

/// The fingerprint of a hex public key, or the text itself when it is not one.
pub fn fingerprint_of(public_key: &str) -> String {
    parse_public(public_key)
        .map(|k| fingerprint(&k))
        .unwrap_or_else(|| public_key.to_string())
}

/// Whether `pin` names a key of the chain.
pub fn pinned_in(pin: &str, keys: &[fieldproof_store::KeyRecord]) -> bool {
    keys.iter()
        .filter_map(|k| parse_public(&k.public_key))
        .any(|k| pin_matches(pin, &k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_protected_key_needs_its_passphrase_and_detects_tampering() {
        let dir = tempfile::tempdir().expect("dir");
        let files = KeyFiles::new(dir.path());
        let key = files.create(Some("correct horse")).expect("create");
        assert!(files.is_protected().expect("read"));
        let text = std::fs::read_to_string(files.secret()).expect("read");
        assert!(
            !text.contains(&hex(&key.signing.to_bytes())),
            "no plain seed"
        );
        let err = |p: Option<&str>| {
            LedgerKey::read(&files.secret(), p)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(err(None).contains("FIELDPROOF_KEY_PASSPHRASE"));
        assert!(err(Some("wrong")).contains("wrong passphrase"));
        let loaded = LedgerKey::read(&files.secret(), Some("correct horse")).expect("load");
        assert_eq!(loaded.public(), key.public());
        // Swapping the recorded public key (used as associated data) breaks decryption.
        let other = public_hex(&LedgerKey::generate().expect("key").public());
        let swapped = text.replace(&public_hex(&key.public()), &other);
        std::fs::write(files.secret(), swapped).expect("write");
        assert!(err(Some("correct horse")).contains("wrong passphrase"));
    }

    #[test]
    fn an_interrupted_rotation_is_finished_on_load() {
        let dir = tempfile::tempdir().expect("dir");
        let files = KeyFiles::new(dir.path());
        let old = files.create(None).expect("create");
        let next = LedgerKey::generate().expect("next");
        files.stage_next(&next, None).expect("stage");
        // The ledger now says `next` is current, but the rename did not happen.
        let loaded = files.load_current(&next.public(), None).expect("finish");
        assert_eq!(loaded.public(), next.public());
        assert_eq!(files.read_public().expect("pub"), next.public());
        assert!(files.load_current(&old.public(), None).is_err());
    }

    #[test]
    fn pins_accept_keys_and_fingerprints_in_any_case() {
        let key = LedgerKey::generate().expect("key").public();
        assert!(pin_matches(&public_hex(&key).to_uppercase(), &key));
        let fp = fingerprint(&key);
        let spaced: String = fp
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(":");
        assert!(pin_matches(&spaced, &key));
        assert!(!pin_matches("00", &key));
    }
}
