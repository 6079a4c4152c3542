//! Key encoding. Keys are hand-built bytes, never serde output: sled orders keys by raw bytes, so numbers are
//! fixed-width big-endian (little-endian "works" until the 257th item) and composite keys put the fixed-width
//! parts first, so a `scan_prefix` on the leading id returns exactly that id's rows, in order.
//!
//! Decoders return `None` for malformed input; callers turn that into `StoreError::Corrupt` with tree/key context.

/// Width of an encoded `u64`.
pub const U64_LEN: usize = 8;

/// Terminator after a string that is followed by more key parts. `0xFF` never occurs in UTF-8, so it cannot
/// collide with string content, and "abc" + 0xFF sorts after every "abc…" continuation — rows of one string
/// stay contiguous.
pub const STR_END: u8 = 0xFF;

/// `n` as 8 big-endian bytes.
pub fn u64_be(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// Inverse of [`u64_be`]; `None` unless `bytes` is exactly 8 bytes long.
pub fn from_u64_be(bytes: &[u8]) -> Option<u64> {
    let arr: [u8; 8] = bytes.try_into().ok()?;
    Some(u64::from_be_bytes(arr))
}

/// Prefix selecting every composite key whose first part is `id` (for `scan_prefix`).
pub fn u64_prefix(id: u64) -> [u8; 8] {
    u64_be(id)
}

/// `(id, s)`: 8 BE bytes + the UTF-8 of `s` (no terminator: the string is the last part).
/// Used for `pool` (source id, SKU), `checkpoints` (source id, job kind), `frs` (source id, FR number).
pub fn u64_str(id: u64, s: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(U64_LEN + s.len());
    k.extend_from_slice(&u64_be(id));
    k.extend_from_slice(s.as_bytes());
    k
}

/// First byte of a [`product_key`] holding a UUID. Keys of the older `u64_str` form start with
/// the source id's top byte, which is 0 for any id sled's counter will ever hand out.
pub const PRODUCT_KEY_UUID: u8 = 0xA1;
/// First byte of a [`product_key`] holding a product id that is not a canonical UUID.
pub const PRODUCT_KEY_TEXT: u8 = 0xA0;

/// `(source, product id)` for the `pool_ids` index, which is only ever read by exact key.
/// Product ids are UUIDs in practice; as tag + 16 bytes + the source id's low 5 bytes the key
/// is 22 bytes, which sled stores inline (no allocation, no shared pointer), and that makes
/// inserting these random keys about a third cheaper. Other ids, and source ids of 2^40 and
/// over, use tag + 8-byte source + the id's text.
pub fn product_key(source: u64, product_id: &str) -> Vec<u8> {
    match canonical_uuid(product_id) {
        Some(u) if source < (1 << 40) => {
            let mut k = Vec::with_capacity(22);
            k.push(PRODUCT_KEY_UUID);
            k.extend_from_slice(&u.to_be_bytes());
            k.extend_from_slice(&source.to_be_bytes()[3..]);
            k
        }
        _ => {
            let mut k = Vec::with_capacity(1 + U64_LEN + product_id.len());
            k.push(PRODUCT_KEY_TEXT);
            k.extend_from_slice(&u64_be(source));
            k.extend_from_slice(product_id.as_bytes());
            k
        }
    }
}

/// The UUID `s` spells, only when `s` is its canonical form (lowercase, hyphenated), so that
/// writing the UUID back as text gives `s` again.
pub fn canonical_uuid(s: &str) -> Option<u128> {
    if s.len() != 36 || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    uuid::Uuid::try_parse(s).ok().map(|u| u.as_u128())
}

/// Inverse of [`u64_str`].
pub fn split_u64_str(key: &[u8]) -> Option<(u64, &str)> {
    if key.len() < U64_LEN {
        return None;
    }
    let (id, rest) = key.split_at(U64_LEN);
    Some((from_u64_be(id)?, std::str::from_utf8(rest).ok()?))
}

/// `(a, b)`: 16 bytes, both big-endian. Used for `run_logs` (run id, seq).
pub fn u64_u64(a: u64, b: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..U64_LEN].copy_from_slice(&u64_be(a));
    k[U64_LEN..].copy_from_slice(&u64_be(b));
    k
}

/// Inverse of [`u64_u64`].
pub fn split_u64_u64(key: &[u8]) -> Option<(u64, u64)> {
    if key.len() != 2 * U64_LEN {
        return None;
    }
    let (a, b) = key.split_at(U64_LEN);
    Some((from_u64_be(a)?, from_u64_be(b)?))
}

/// `(id, s)` followed by [`STR_END`]: the prefix of every [`u64_str_u64`] key for that `(id, s)`.
pub fn u64_str_prefix(id: u64, s: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(U64_LEN + s.len() + 1 + U64_LEN);
    k.extend_from_slice(&u64_be(id));
    k.extend_from_slice(s.as_bytes());
    k.push(STR_END);
    k
}

/// `(id, s, seq)`: 8 BE bytes + UTF-8 of `s` + `0xFF` + 8 BE bytes. Used for `fr_events`
/// (source id, FR number, seq): all events of one FR are contiguous and in `seq` order.
pub fn u64_str_u64(id: u64, s: &str, seq: u64) -> Vec<u8> {
    let mut k = u64_str_prefix(id, s);
    k.extend_from_slice(&u64_be(seq));
    k
}

/// Inverse of [`u64_str_u64`].
pub fn split_u64_str_u64(key: &[u8]) -> Option<(u64, &str, u64)> {
    if key.len() < 2 * U64_LEN + 1 {
        return None;
    }
    let (head, seq) = key.split_at(key.len() - U64_LEN);
    let (id, rest) = head.split_at(U64_LEN);
    let (s, end) = rest.split_at(rest.len() - 1);
    if end != [STR_END] {
        return None;
    }
    Some((
        from_u64_be(id)?,
        std::str::from_utf8(s).ok()?,
        from_u64_be(seq)?,
    ))
}

/// A string key (e.g. a connection name). Sorted by UTF-8 bytes, i.e. by code point, case-sensitive.
pub fn str_key(s: &str) -> &[u8] {
    s.as_bytes()
}

/// Inverse of [`str_key`].
pub fn from_str_key(key: &[u8]) -> Option<&str> {
    std::str::from_utf8(key).ok()
}

/// Human-readable rendering of a key for errors and logs: printable ASCII as is, other bytes as `\xNN`.
pub fn display_key(key: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(key.len());
    for &b in key {
        if b.is_ascii_graphic() || b == b' ' {
            if b == b'\\' {
                out.push_str("\\\\");
            } else {
                out.push(char::from(b));
            }
        } else {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}
