//! The one value type every source field, constant and mapped result is expressed in, plus the coercions
//! between its shapes.
//!
//! Coercion rules (the TUI and the docs promise these, so tests pin them):
//! - text → number: surrounding whitespace is ignored, then Rust float syntax (`12.50`, `-3`, `1e3`, `.5`).
//!   `NaN`, `inf`, thousands separators (`1,234`) and currency signs are rejected: a feed that sends them
//!   is wrong and silently guessing would corrupt prices.
//! - number → text: the shortest text that reads back as the same number, without a trailing `.0`
//!   (`12.0` → `12`, `-0.0` → `0`).
//! - text ↔ bool: `true/false`, `yes/no`, `1/0`, any case, surrounding whitespace ignored.
//! - list → text: elements joined with `", "`; text → list: a one-element list (never split, because image
//!   URLs may legitimately contain commas).
//! - Blank (`Empty`, whitespace-only text, empty list) is never an error: it maps to `Empty`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "snake_case")]
pub enum FieldValue {
    Text(String),
    Number(f64),
    Bool(bool),
    List(Vec<String>),
    #[default]
    Empty,
}

/// Separator used whenever a list has to be read as one text.
pub const LIST_SEPARATOR: &str = ", ";

impl FieldValue {
    pub fn text(s: impl Into<String>) -> Self {
        FieldValue::Text(s.into())
    }

    /// `Empty`, whitespace-only text, or a list whose elements are all blank.
    pub fn is_blank(&self) -> bool {
        match self {
            FieldValue::Empty => true,
            FieldValue::Text(s) => s.trim().is_empty(),
            FieldValue::List(items) => items.iter().all(|s| s.trim().is_empty()),
            FieldValue::Number(_) | FieldValue::Bool(_) => false,
        }
    }

    /// The text view. Borrows for text so conditions and lookups on text fields never allocate.
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            FieldValue::Text(s) => Cow::Borrowed(s.as_str()),
            FieldValue::Number(n) => Cow::Owned(format_number(*n)),
            FieldValue::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            FieldValue::List(items) => match items.as_slice() {
                [one] => Cow::Borrowed(one.as_str()),
                _ => Cow::Owned(items.join(LIST_SEPARATOR)),
            },
            FieldValue::Empty => Cow::Borrowed(""),
        }
    }

    /// The number view: `Ok(None)` when blank, `Err(reason)` when present but not a finite number.
    pub fn as_number(&self) -> Result<Option<f64>, String> {
        match self {
            FieldValue::Number(n) if n.is_finite() => Ok(Some(*n)),
            FieldValue::Number(n) => Err(format!("{n} is not a finite number")),
            FieldValue::Bool(b) => Ok(Some(if *b { 1.0 } else { 0.0 })),
            FieldValue::Text(s) => text_to_number(s),
            FieldValue::List(items) => match items.as_slice() {
                [] => Ok(None),
                [one] => text_to_number(one),
                _ => Err(format!("a list of {} values is not a number", items.len())),
            },
            FieldValue::Empty => Ok(None),
        }
    }

    /// The boolean view: `Ok(None)` when blank, `Err(reason)` when present but not boolean-like.
    pub fn as_bool(&self) -> Result<Option<bool>, String> {
        match self {
            FieldValue::Bool(b) => Ok(Some(*b)),
            FieldValue::Number(n) if *n == 0.0 => Ok(Some(false)),
            FieldValue::Number(n) if *n == 1.0 => Ok(Some(true)),
            FieldValue::Number(n) => Err(format!(
                "{} is not a true/false value (use 1 or 0)",
                format_number(*n)
            )),
            FieldValue::Text(s) => text_to_bool(s),
            FieldValue::List(items) => match items.as_slice() {
                [] => Ok(None),
                [one] => text_to_bool(one),
                _ => Err(format!(
                    "a list of {} values is not a true/false value",
                    items.len()
                )),
            },
            FieldValue::Empty => Ok(None),
        }
    }
}

/// Blank text is "no value", not an error, so a missing price never fails a record.
pub fn text_to_number(s: &str) -> Result<Option<f64>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(Some(n)),
        // Rust's parser accepts "NaN"/"inf"/"infinity"; none of them is a usable quantity or price.
        _ => Err(format!("{} is not a number", quoted(s))),
    }
}

pub fn text_to_bool(s: &str) -> Result<Option<bool>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    const TRUE: [&str; 3] = ["true", "yes", "1"];
    const FALSE: [&str; 3] = ["false", "no", "0"];
    if TRUE.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Ok(Some(true))
    } else if FALSE.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Ok(Some(false))
    } else {
        Err(format!(
            "{} is not true/false (use true, false, yes, no, 1 or 0)",
            quoted(s)
        ))
    }
}

/// Rust's `Display` for `f64` is already the shortest round-tripping form and never uses exponents;
/// only negative zero needs care so a rounded `-0.001` does not show as `-0`.
pub fn format_number(n: f64) -> String {
    if n == 0.0 {
        "0".to_string()
    } else {
        format!("{n}")
    }
}

/// Quotes a value for an error message, shortened so one bad 10 KB description cannot flood a log line,
/// and with control characters escaped so the message stays on one line.
pub fn quoted(s: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut out = String::with_capacity(s.len().min(MAX_CHARS) + 2);
    out.push('"');
    for (i, c) in s.chars().enumerate() {
        if i == MAX_CHARS {
            out.push('…');
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
