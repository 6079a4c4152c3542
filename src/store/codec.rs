//! The value envelope.
//!
//! Format: `[version: u16 big-endian][JSON body]` — two bytes of record version, then `serde_json` bytes.
//!
//! Why not `{"v":1,"body":…}` as a JSON object:
//! - size: the object wrapper costs ~14 bytes per value; the `pool` tree holds up to a million rows, so that
//!   is ~14 MB of raw data before sled's space amplification, for nothing;
//! - speed: the version is readable without parsing, and the body is deserialised straight into the target
//!   type — no intermediate `Value`/`RawValue` pass to look at `v` before choosing how to decode `body`
//!   (which is what a record-version migration needs);
//! - still debuggable: skip two bytes and the rest is plain JSON, tolerant of added fields
//!   (`#[serde(default)]`).

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::StoreError;
use super::keys::display_key;

/// Bytes before the JSON body.
pub const HEADER_LEN: usize = 2;

/// A type stored in a [`Table`](super::Table). `VERSION` is written into every value's envelope.
///
/// Bump `VERSION` when the body's shape changes incompatibly and override [`Record::decode_body`] to read the
/// older shapes; added optional fields need no bump (`#[serde(default)]`).
pub trait Record: Serialize + DeserializeOwned {
    /// Record version written by this build.
    const VERSION: u16;

    /// Decode a body written with record `version` (never greater than `Self::VERSION`; newer versions are
    /// rejected as `Corrupt` before this is called). The default ignores the version.
    fn decode_body(version: u16, body: &[u8]) -> Result<Self, String> {
        let _ = version;
        serde_json::from_slice(body).map_err(|e| e.to_string())
    }

    /// Append the body for `Self::VERSION`. JSON unless a record overrides both this and
    /// [`Record::decode_body`]; large hot records use a compact binary body instead.
    fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), String> {
        serde_json::to_writer(out, self).map_err(|e| e.to_string())
    }
}

/// Why bytes could not be encoded/decoded. Carries no tree/key: use [`CodecError::at`] to place it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{why}")]
pub struct CodecError {
    why: String,
}

impl CodecError {
    fn new(why: impl Into<String>) -> Self {
        CodecError { why: why.into() }
    }

    pub fn why(&self) -> &str {
        &self.why
    }

    /// The decode error as `StoreError::Corrupt` for `key` in `tree`.
    pub fn at(self, tree: &str, key: &[u8]) -> StoreError {
        StoreError::Corrupt {
            tree: tree.to_owned(),
            key: display_key(key),
            why: self.why,
        }
    }
}

/// Envelope `value` with record `version`.
pub fn encode<T: Serialize + ?Sized>(value: &T, version: u16) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(&version.to_be_bytes());
    serde_json::to_writer(&mut out, value).map_err(|e| CodecError::new(e.to_string()))?;
    Ok(out)
}

/// Split an envelope into its record version and JSON body without parsing the body.
pub fn split(bytes: &[u8]) -> Result<(u16, &[u8]), CodecError> {
    if bytes.len() < HEADER_LEN {
        return Err(CodecError::new(format!(
            "value is {} byte(s), shorter than the {HEADER_LEN}-byte envelope header",
            bytes.len()
        )));
    }
    let (head, body) = bytes.split_at(HEADER_LEN);
    Ok((u16::from_be_bytes([head[0], head[1]]), body))
}

/// Decode an envelope into `(record version, value)`. Garbage yields an error, never a panic.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<(u16, T), CodecError> {
    let (version, body) = split(bytes)?;
    let value = serde_json::from_slice(body)
        .map_err(|e| CodecError::new(format!("record v{version}: {e}")))?;
    Ok((version, value))
}

/// Decode a stored value of record type `V`, with tree/key context for the error.
pub(crate) fn decode_record<V: Record>(
    tree: &str,
    key: &[u8],
    bytes: &[u8],
) -> Result<V, StoreError> {
    let (version, body) = split(bytes).map_err(|e| e.at(tree, key))?;
    if version > V::VERSION {
        return Err(CodecError::new(format!(
            "record version {version} is newer than this build understands ({})",
            V::VERSION
        ))
        .at(tree, key));
    }
    V::decode_body(version, body)
        .map_err(|e| CodecError::new(format!("record v{version}: {e}")).at(tree, key))
}

/// Encode a value of record type `V` at `V::VERSION`.
pub(crate) fn encode_record<V: Record>(tree: &str, value: &V) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(&V::VERSION.to_be_bytes());
    value
        .encode_body(&mut out)
        .map_err(|why| StoreError::Encode {
            tree: tree.to_owned(),
            why,
        })?;
    Ok(out)
}
