//! Field values, shared by both formats: each parser says what is wrong with the value.

use std::time::SystemTime;

use serde_json::Value;

use super::super::messages as msg;
use super::super::model::{
    is_invisible_format, round_half_even, MAX_AMOUNT, MAX_FR_NUMBER_LEN, MAX_SKU_LEN, MAX_TEXT_LEN,
    MONEY_DECIMALS, QUANTITY_DECIMALS,
};
use crate::clock::rfc3339;

/// A raw field value: CSV cells are all `Text` (blank = `Missing`); JSON keeps its types.
pub(super) enum Raw<'a> {
    Missing,
    Text(&'a str),
    Number(&'a serde_json::Number),
    Other(&'static str),
}

impl<'a> Raw<'a> {
    pub(super) fn cell(s: &'a str) -> Raw<'a> {
        if s.trim().is_empty() {
            Raw::Missing
        } else {
            Raw::Text(s)
        }
    }

    pub(super) fn json(v: Option<&'a Value>) -> Raw<'a> {
        match v {
            None | Some(Value::Null) => Raw::Missing,
            Some(Value::String(s)) if s.trim().is_empty() => Raw::Missing,
            Some(Value::String(s)) => Raw::Text(s),
            Some(Value::Number(n)) => Raw::Number(n),
            Some(Value::Bool(_)) => Raw::Other("true/false"),
            Some(Value::Array(_)) => Raw::Other("a list"),
            Some(Value::Object(_)) => Raw::Other("an object"),
        }
    }

    /// How the value is shown in a reason: text quoted, numbers as written.
    pub(super) fn shown(&self) -> String {
        match self {
            Raw::Missing => "\"\"".into(),
            Raw::Text(s) => crate::excerpt::quoted(s.trim()),
            Raw::Number(n) => n.to_string(),
            Raw::Other(k) => (*k).to_string(),
        }
    }
}

/// Text; a JSON number is accepted as its digits (postal codes, phone numbers, FR numbers).
pub(super) fn text(field: &str, raw: &Raw) -> Result<String, String> {
    match raw {
        Raw::Missing => Ok(String::new()),
        Raw::Text(s) => Ok(s.trim().to_string()),
        Raw::Number(n) => Ok(n.to_string()),
        Raw::Other(k) => Err(msg::not_text(field, k)),
    }
}

pub(super) fn number(raw: &Raw) -> Option<Option<f64>> {
    match raw {
        Raw::Missing => Some(None),
        Raw::Text(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Some),
        Raw::Number(n) => n.as_f64().filter(|n| n.is_finite()).map(Some),
        Raw::Other(_) => None,
    }
}

pub(super) fn fr_number(field: &str, raw: &Raw) -> Result<String, String> {
    let n = text(field, raw)?;
    if n.is_empty() {
        return Err(msg::missing_fr_number(field));
    }
    let chars = n.chars().count();
    if chars > MAX_FR_NUMBER_LEN {
        return Err(msg::fr_number_too_long(chars));
    }
    if n.chars().any(char::is_control) {
        return Err(msg::fr_number_control());
    }
    if let Some(c) = n.chars().find(|c| is_invisible_format(*c)) {
        return Err(msg::fr_number_invisible(c));
    }
    Ok(n)
}

/// Free text (address fields, payment and shipping method): at most [`MAX_TEXT_LEN`].
pub(super) fn free_text(field: &str, raw: &Raw) -> Result<String, String> {
    let t = text(field, raw)?;
    check_length(field, &t)?;
    Ok(t)
}

pub(super) fn check_length(field: &str, t: &str) -> Result<(), String> {
    let chars = t.chars().count();
    if chars > MAX_TEXT_LEN {
        return Err(msg::text_too_long(field, chars));
    }
    Ok(())
}

pub(super) fn sku(raw: &Raw) -> Result<String, String> {
    let s = text("sku", raw)?;
    if s.is_empty() {
        return Err(msg::missing_sku());
    }
    if s.chars().count() > MAX_SKU_LEN {
        return Err(msg::sku_too_long(&s));
    }
    if s.chars().any(char::is_control) {
        return Err(msg::sku_control());
    }
    Ok(s)
}

/// A number as read, and the timeline note when it had to be rounded.
type Rounded = (f64, Option<String>);

/// `what` names the value in the rounding note, e.g. "item 2 (SKU X) quantity".
pub(super) fn quantity(raw: &Raw, what: &str) -> Result<Rounded, String> {
    match number(raw) {
        Some(None) => Err(msg::missing_quantity()),
        Some(Some(q)) if q > MAX_AMOUNT => Err(msg::quantity_out_of_range(&raw.shown())),
        Some(Some(q)) if q > 0.0 => {
            let (r, changed) = round_half_even(q, QUANTITY_DECIMALS);
            if r <= 0.0 {
                return Err(msg::quantity_rounds_to_zero(&raw.shown()));
            }
            Ok((
                r,
                changed.then(|| msg::rounded(what, &raw.shown(), r, false)),
            ))
        }
        _ => Err(msg::bad_quantity(&raw.shown())),
    }
}

pub(super) fn money(field: &str, raw: &Raw, a: f64, what: &str) -> Result<Rounded, String> {
    if a > MAX_AMOUNT {
        return Err(msg::amount_out_of_range(field, &raw.shown()));
    }
    let (r, changed) = round_half_even(a, MONEY_DECIMALS);
    Ok((
        r,
        changed.then(|| msg::rounded(what, &raw.shown(), r, true)),
    ))
}

pub(super) fn unit_price(raw: &Raw, what: &str) -> Result<Rounded, String> {
    match number(raw) {
        Some(None) => Err(msg::missing_unit_price()),
        Some(Some(p)) if p >= 0.0 => money("unit_price", raw, p, what),
        _ => Err(msg::bad_amount("unit_price", &raw.shown())),
    }
}

/// An optional order amount (discount, shipping_cost, tax): blank is 0.
pub(super) fn amount(field: &str, raw: &Raw) -> Result<Rounded, String> {
    match number(raw) {
        Some(None) => Ok((0.0, None)),
        Some(Some(a)) if a >= 0.0 => money(field, raw, a, field),
        _ => Err(msg::bad_amount(field, &raw.shown())),
    }
}

/// "item 2 (SKU X) quantity": names a line's value in a rounding note.
pub(super) fn item_value(n: usize, sku: &str, field: &str) -> String {
    msg::in_item(n, sku, field)
}

/// RFC 3339 (any offset) or a bare date (midnight UTC), normalised to RFC 3339 UTC.
pub(super) fn date(raw: &Raw) -> Result<Option<String>, String> {
    let s = match raw {
        Raw::Missing => return Ok(None),
        Raw::Text(s) => s.trim(),
        _ => return Err(msg::bad_date(&raw.shown())),
    };
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(Some(rfc3339(SystemTime::from(
            d.with_timezone(&chrono::Utc),
        ))));
    }
    if let Some(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        return Ok(Some(rfc3339(SystemTime::from(d.and_utc()))));
    }
    Err(msg::bad_date(&raw.shown()))
}

/// Collects the problems of one record so the reason lists them all at once.
#[derive(Default)]
pub(super) struct Problems(Vec<String>);

impl Problems {
    /// A rounded number: the value, its note (if any) added to `notes`.
    pub(super) fn take_rounded(
        &mut self,
        r: Result<Rounded, String>,
        notes: &mut Vec<String>,
    ) -> f64 {
        let (v, note) = self.take(r);
        notes.extend(note);
        v
    }
    pub(super) fn take<T: Default>(&mut self, r: Result<T, String>) -> T {
        r.unwrap_or_else(|e| {
            self.0.push(e);
            T::default()
        })
    }
    pub(super) fn push(&mut self, e: String) {
        self.0.push(e);
    }
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub(super) fn join(&self) -> String {
        self.0.join("; ")
    }
}
