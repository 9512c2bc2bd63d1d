//! The organisation's Ed25519 ledger key: created at `init`, the private half in a file only the
//! owner can read, the public half exportable so that auditors can check signatures offline.

use crate::EvidenceError;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// File name of the private key inside the keys directory.
pub const SECRET_FILE: &str = "ledger.key";
/// File name of the public key inside the keys directory.
pub const PUBLIC_FILE: &str = "ledger.pub";
const SECRET_HEADER: &str = "fieldproof-ed25519-secret-v1";

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

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes lower- or upper-case hex.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The public key as hex (64 characters).
pub fn public_hex(key: &VerifyingKey) -> String {
    hex(key.as_bytes())
}

/// A short fingerprint to compare out of band: SHA-256 of the public key, first 16 bytes.
pub fn fingerprint(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    hex(&digest[..16])
}

/// Parses a public key from hex.
pub fn parse_public(text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = unhex(text.trim())?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

impl LedgerKey {
    /// Creates a new key pair in `dir` (`ledger.key` owner-only, `ledger.pub`). Refuses to
    /// overwrite an existing key.
    pub fn create(dir: &Path) -> Result<LedgerKey, EvidenceError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| EvidenceError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let secret_path = dir.join(SECRET_FILE);
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed)
            .map_err(|e| EvidenceError::Key(format!("no randomness available: {e}")))?;
        let signing = SigningKey::from_bytes(&seed);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&secret_path).map_err(io(&secret_path))?;
        writeln!(file, "{SECRET_HEADER}\n{}", hex(&seed)).map_err(io(&secret_path))?;
        file.sync_all().map_err(io(&secret_path))?;
        let public_path = dir.join(PUBLIC_FILE);
        std::fs::write(
            &public_path,
            format!("{}\n", public_hex(&signing.verifying_key())),
        )
        .map_err(io(&public_path))?;
        Ok(LedgerKey { signing })
    }

    /// Loads the key from `dir`, checking that the private key file is not readable by others.
    pub fn load(dir: &Path) -> Result<LedgerKey, EvidenceError> {
        let path = dir.join(SECRET_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| EvidenceError::Io {
            path: path.clone(),
            source,
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
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
        let mut lines = text.lines();
        let (Some(SECRET_HEADER), Some(seed)) = (lines.next(), lines.next()) else {
            return Err(EvidenceError::Key(format!(
                "{} is not a fieldproof ledger key",
                path.display()
            )));
        };
        let seed: [u8; 32] = unhex(seed)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| EvidenceError::Key(format!("{} is damaged", path.display())))?;
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

/// Reads the public key file of a keys directory.
pub fn read_public(dir: &Path) -> Result<VerifyingKey, EvidenceError> {
    let path: PathBuf = dir.join(PUBLIC_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| EvidenceError::Io {
        path: path.clone(),
        source,
    })?;
    parse_public(&text).ok_or_else(|| {
        EvidenceError::Key(format!("{} is not an Ed25519 public key", path.display()))
    })
}
