//! Case-insensitive comparison and text edits that do not allocate on the common (ASCII) path.
//!
//! "Case-insensitive" here means Unicode simple lower-casing, character by character (`É` = `é`), which
//! is what users expect for product data. It is not full case folding: `ß` does not equal `SS`.
//! Needles are lower-cased once at compile time with [`lower`], haystacks are lowered lazily while comparing.

fn lower_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

/// The compile-time form of a needle. Char-wise, to agree with the comparisons below.
pub fn lower(s: &str) -> String {
    lower_chars(s).collect()
}

pub fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        lower_chars(a).eq(lower_chars(b))
    }
}

/// `needle_lower` must come from [`lower`].
pub fn eq_lowered(hay: &str, needle_lower: &str) -> bool {
    if hay.is_ascii() && needle_lower.is_ascii() {
        hay.eq_ignore_ascii_case(needle_lower)
    } else {
        lower_chars(hay).eq(needle_lower.chars())
    }
}

pub fn starts_with_lowered(hay: &str, needle_lower: &str) -> bool {
    let mut h = lower_chars(hay);
    needle_lower.chars().all(|c| h.next() == Some(c))
}

pub fn ends_with_lowered(hay: &str, needle_lower: &str) -> bool {
    let mut h = hay.chars().rev().flat_map(|c| c.to_lowercase().rev());
    needle_lower.chars().rev().all(|c| h.next() == Some(c))
}

pub fn contains_lowered(hay: &str, needle_lower: &str) -> bool {
    if needle_lower.is_empty() {
        return true;
    }
    if hay.is_ascii() && needle_lower.is_ascii() {
        let n = needle_lower.as_bytes();
        return hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n));
    }
    // Quadratic, but product texts are short and this keeps the non-ASCII path allocation-free.
    hay.char_indices().any(|(i, _)| {
        hay.get(i..)
            .is_some_and(|rest| starts_with_lowered(rest, needle_lower))
    })
}

/// A 64-bit hash of the lower-cased characters, so a case-insensitive set can be probed without building
/// a lower-cased copy of every incoming value. FNV-1a: tiny, deterministic, good enough for a lookup table
/// whose collisions are re-checked with [`eq_ci`].
pub fn hash_ci(s: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for c in lower_chars(s) {
        for b in (c as u32).to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
    }
    h
}

/// Upper-cases the first letter of each whitespace-separated word and lower-cases the rest. Only
/// whitespace starts a word so "don't" and "o'neil" keep their apostrophes intact ("Don't", "O'neil").
pub fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_word_start = true;
    for c in s.chars() {
        if c.is_whitespace() {
            at_word_start = true;
            out.push(c);
        } else if at_word_start {
            at_word_start = false;
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Truncates in place to at most `max_chars` characters; never splits a UTF-8 sequence.
pub fn truncate_chars(s: &mut String, max_chars: usize) {
    if let Some((byte_idx, _)) = s.char_indices().nth(max_chars) {
        s.truncate(byte_idx);
    }
}

/// Trims in place, without reallocating.
pub fn trim_in_place(s: &mut String) {
    let end = s.trim_end().len();
    s.truncate(end);
    let start = s.len() - s.trim_start().len();
    if start > 0 {
        s.drain(..start);
    }
}

/// `regex` renders syntax errors as a multi-line picture with a caret; keep the last line, which is the
/// actual reason, so messages stay on one line.
pub fn regex_reason(err: &regex::Error) -> String {
    let text = err.to_string();
    let last = text
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid pattern");
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_helpers_agree_on_unicode() {
        assert!(eq_ci("ÉCOLE", "école"));
        assert!(starts_with_lowered("Ünïcode Shirt", &lower("üNÏ")));
        assert!(ends_with_lowered("Grand CAFÉ", &lower("café")));
        assert!(contains_lowered("Grand CAFÉ noir", &lower("fé n")));
        assert!(!contains_lowered("abc", "abcd"));
        assert!(contains_lowered("ABC", ""));
        assert_eq!(hash_ci("Straße"), hash_ci("STRAßE"));
    }

    #[test]
    fn trim_and_truncate_in_place() {
        let mut s = String::from("  héllo  ");
        trim_in_place(&mut s);
        assert_eq!(s, "héllo");
        truncate_chars(&mut s, 2);
        assert_eq!(s, "hé");
        truncate_chars(&mut s, 10);
        assert_eq!(s, "hé");
    }
}
