//! Credentials encrypted at rest: ChaCha20-Poly1305 (the `chacha20poly1305` crate) under a
//! 32-byte key from the environment. A value is stored as `k<id>:<base64 of nonce and
//! ciphertext>`, where `<id>` names the key (8 hex digits of its SHA-256), so plain SQL shows
//! which key sealed which row; during a rotation both the current key (`CREDENTIALS_KEY`) and
//! the previous one (`CREDENTIALS_KEY_PREVIOUS`) open values. Keys are never printed.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use sha2::{Digest, Sha256};

/// The variable holding the current key: base64 of 32 random bytes (`openssl rand -base64 32`).
pub const KEY_VAR: &str = "CREDENTIALS_KEY";
/// The variable holding the key being rotated away from, during a rotation.
pub const PREVIOUS_KEY_VAR: &str = "CREDENTIALS_KEY_PREVIOUS";

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// A key could not be read; the message names the variable, never its value.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{var} is not set; set it to the base64 of 32 random bytes (for example the output of `openssl rand -base64 32`)")]
    Missing { var: &'static str },
    #[error("{var} is not a key: {reason}; set it to the base64 of 32 random bytes")]
    Malformed { var: &'static str, reason: String },
}

/// A stored value could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("the value is not sealed (it does not read as k<key id>:<base64>); it may still be plaintext")]
    NotSealed,
    #[error("the value was sealed with key k{id}, which is neither {KEY_VAR} nor {PREVIOUS_KEY_VAR}; set the key that sealed it")]
    UnknownKey { id: String },
    #[error("the value does not open under key k{id}: it was altered, or sealed by another key with the same id")]
    Corrupt { id: String },
}

/// One key and its id.
pub struct Key {
    id: String,
    cipher: ChaCha20Poly1305,
}

impl Key {
    /// The key whose base64 is `text`, as read from the variable `var` (named in errors).
    pub fn from_base64(var: &'static str, text: &str) -> Result<Key, KeyError> {
        let bytes = STANDARD
            .decode(text.trim())
            // Not the decoder's own words: they quote the offending character of the secret.
            .map_err(|_| KeyError::Malformed { var, reason: "it is not base64".into() })?;
        if bytes.len() != 32 {
            return Err(KeyError::Malformed { var, reason: format!("it decodes to {} bytes, not 32", bytes.len()) });
        }
        let digest = Sha256::digest(&bytes);
        let id = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        let cipher = ChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| KeyError::Malformed { var, reason: "wrong length".into() })?;
        Ok(Key { id, cipher })
    }

    /// The key's id: 8 hex digits of its SHA-256, as stored values name it.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key(k{})", self.id)
    }
}

/// The current key, and the previous one during a rotation.
#[derive(Debug)]
pub struct Keys {
    pub current: Key,
    pub previous: Option<Key>,
}

impl Keys {
    /// The keys from `CREDENTIALS_KEY` (required) and `CREDENTIALS_KEY_PREVIOUS` (optional).
    pub fn from_env() -> Result<Keys, KeyError> {
        Keys::from_lookup(|var| std::env::var(var).ok())
    }

    /// As [`Keys::from_env`], with the variables looked up by `var`.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Keys, KeyError> {
        let current = var(KEY_VAR).filter(|v| !v.trim().is_empty()).ok_or(KeyError::Missing { var: KEY_VAR })?;
        let current = Key::from_base64(KEY_VAR, &current)?;
        let previous = match var(PREVIOUS_KEY_VAR).filter(|v| !v.trim().is_empty()) {
            Some(text) => Some(Key::from_base64(PREVIOUS_KEY_VAR, &text)?),
            None => None,
        };
        Ok(Keys { current, previous })
    }

    /// `plaintext` sealed under the current key, with a fresh random nonce.
    pub fn seal(&self, plaintext: &str) -> String {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encrypting in memory cannot fail for inputs this size; an empty result would not open.
        let sealed = self.current.cipher.encrypt(&nonce, plaintext.as_bytes()).unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!("k{}:{}", self.current.id, STANDARD.encode(bytes))
    }

    /// The plaintext of `stored`, opened with the key it names.
    pub fn open(&self, stored: &str) -> Result<String, OpenError> {
        let (id, bytes) = parse(stored).ok_or(OpenError::NotSealed)?;
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == id)
            .ok_or_else(|| OpenError::UnknownKey { id: id.to_string() })?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let corrupt = || OpenError::Corrupt { id: id.to_string() };
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| corrupt())?;
        let plain = key.cipher.decrypt(&Nonce::from(nonce), ciphertext).map_err(|_| corrupt())?;
        String::from_utf8(plain).map_err(|_| corrupt())
    }

    /// Whether `stored` is sealed under the current key (a rotation leaves it alone).
    pub fn is_current(&self, stored: &str) -> bool {
        parse(stored).is_some_and(|(id, _)| id == self.current.id)
    }
}

/// The id of the key that sealed `stored`, when it reads as a sealed value.
pub fn key_id(stored: &str) -> Option<&str> {
    parse(stored).map(|(id, _)| id)
}

/// `k<8 hex>:<base64 of at least a nonce and a tag>`, split into the id and the bytes.
fn parse(stored: &str) -> Option<(&str, Vec<u8>)> {
    let rest = stored.strip_prefix('k')?;
    let (id, body) = rest.split_once(':')?;
    if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes = STANDARD.decode(body).ok()?;
    (bytes.len() >= NONCE_LEN + TAG_LEN).then_some((id, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const B: &str = "HxwdHhscGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=";

    fn keys(current: &str, previous: Option<&str>) -> Keys {
        Keys::from_lookup(|var| match var {
            KEY_VAR => Some(current.to_string()),
            PREVIOUS_KEY_VAR => previous.map(str::to_string),
            _ => None,
        })
        .unwrap()
    }

    #[test]
    fn seals_opens_and_names_the_key() {
        let k = keys(A, None);
        let sealed = k.seal("s3cret-refresh-token");
        assert!(sealed.starts_with(&format!("k{}:", k.current.id())) && !sealed.contains("s3cret"), "{sealed}");
        assert_ne!(sealed, k.seal("s3cret-refresh-token"), "a fresh nonce each time");
        assert_eq!(k.open(&sealed).unwrap(), "s3cret-refresh-token");
        assert!(k.is_current(&sealed));
        assert!(sealed.len() <= 512, "fits the VARCHAR(512) columns");
    }

    #[test]
    fn rotation_opens_both_and_a_wrong_key_is_an_error() {
        let old = keys(A, None);
        let sealed = old.seal("client-secret");
        let rotating = keys(B, Some(A));
        assert_eq!(rotating.open(&sealed).unwrap(), "client-secret");
        assert!(!rotating.is_current(&sealed));
        let only_new = keys(B, None);
        let err = only_new.open(&sealed).unwrap_err().to_string();
        assert!(err.contains(&format!("k{}", old.current.id())) && !err.contains(A), "{err}");
        // One character of the ciphertext changed (inside the base64, so it still decodes).
        let at = sealed.len() - 12;
        let flipped = if &sealed[at..at + 1] == "A" { "B" } else { "A" };
        let altered = format!("{}{flipped}{}", &sealed[..at], &sealed[at + 1..]);
        assert!(matches!(old.open(&altered), Err(OpenError::Corrupt { .. })), "{altered}");
        assert!(matches!(old.open("plain text"), Err(OpenError::NotSealed)));
    }

    #[test]
    fn missing_or_malformed_keys_say_what_to_do_without_the_value() {
        let missing = Keys::from_lookup(|_| None).unwrap_err().to_string();
        assert!(missing.contains(KEY_VAR) && missing.contains("32 random bytes"), "{missing}");
        let short = Keys::from_lookup(|v| (v == KEY_VAR).then(|| "c2hvcnQ=".to_string())).unwrap_err().to_string();
        assert!(short.contains("5 bytes") && !short.contains("c2hvcnQ"), "{short}");
        let junk = Keys::from_lookup(|v| (v == KEY_VAR).then(|| "not base64!".to_string())).unwrap_err().to_string();
        assert!(junk.ends_with("it is not base64; set it to the base64 of 32 random bytes"), "{junk}");
    }
}
