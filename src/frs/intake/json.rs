//! JSON: an array of FR objects, or `{"frs": [...]}`, with each record's line for rejections.

use serde_json::Value;

use super::super::messages::{self as msg, IntakeError};
use super::super::model::{Fr, FrAddress, FrItem};
use super::values::{
    amount, date, fr_number, free_text, item_value, quantity, sku, unit_price, Problems, Raw,
};
use super::{FrInput, Parsed, Rejection};
use crate::excerpt::excerpt;

pub(super) fn parse_json(file: &str, text: &str) -> Result<Parsed, IntakeError> {
    let root: Value = serde_json::from_str(text).map_err(|e| IntakeError::Json {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        why: strip_position(&e.to_string()),
    })?;
    let (elements, under_key) = match &root {
        Value::Array(a) => (a, false),
        Value::Object(o) => match o.get("frs") {
            Some(Value::Array(a)) => (a, true),
            _ => {
                return Err(IntakeError::JsonShape {
                    file: file.to_string(),
                })
            }
        },
        _ => {
            return Err(IntakeError::JsonShape {
                file: file.to_string(),
            })
        }
    };
    let starts = element_starts(text, under_key);
    let mut lines = LineCounter::new(text);
    let mut out = Parsed::default();
    for (i, v) in elements.iter().enumerate() {
        let line = starts.get(i).map(|&off| lines.line_at(off)).unwrap_or(1);
        match fr_from_json(v) {
            Ok((fr, created_at, notes)) => out.frs.push(FrInput {
                line,
                fr,
                created_at,
                notes,
            }),
            Err(reason) => out.rejected.push(Rejection {
                line,
                reason: msg::in_element(i + 1, &reason),
            }),
        }
    }
    Ok(out)
}

/// serde_json appends " at line L column C"; the error already carries them separately.
pub(super) fn strip_position(s: &str) -> String {
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// Line numbers of increasing offsets, counting each newline once (counting from the start
/// for every element made a large import quadratic).
pub(super) struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            bytes: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of `offset`; offsets must not decrease between calls (a smaller one
    /// gets the line of the last).
    fn line_at(&mut self, offset: usize) -> usize {
        let to = offset.min(self.bytes.len());
        if to > self.offset {
            self.line += self.bytes[self.offset..to]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.offset = to;
        }
        self.line
    }
}

/// Byte offsets where the elements of the FR array start: the top-level array, or (with
/// `under_key`) the array under the top-level key `"frs"`. serde_json's `Value` keeps no
/// positions, so this walks the text, which has already parsed as JSON: only strings (with
/// escapes) and brackets matter.
pub(super) fn element_starts(text: &str, under_key: bool) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = Vec::new();
    let mut depth = 0usize;
    let mut target: Option<usize> = None;
    let mut want_element = false;
    let mut last_key_is_frs = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if want_element && target == Some(depth) && c != b']' {
            starts.push(i);
            want_element = false;
        }
        match c {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                let s = text.get(start..i.min(b.len())).unwrap_or("");
                if under_key && depth == 1 && target.is_none() {
                    // A string at depth 1 of the root object followed by ':' is a key.
                    let rest = text.get(i + 1..).unwrap_or("").trim_start();
                    if rest.starts_with(':') {
                        last_key_is_frs = s == "frs";
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                let is_target = c == b'['
                    && target.is_none()
                    && if under_key {
                        depth == 2 && last_key_is_frs
                    } else {
                        depth == 1
                    };
                if is_target {
                    target = Some(depth);
                    want_element = true;
                }
            }
            b']' | b'}' => {
                if target == Some(depth) {
                    return starts;
                }
                depth = depth.saturating_sub(1);
            }
            b',' if target == Some(depth) => want_element = true,
            _ => {}
        }
        i += 1;
    }
    starts
}

pub(super) fn fr_from_json(v: &Value) -> Result<(Fr, Option<String>, Vec<String>), String> {
    let Value::Object(o) = v else {
        return Err(msg::not_object("the FR"));
    };
    let mut p = Problems::default();
    let field = |k: &str| Raw::json(o.get(k));
    let number_raw = match o.get("number") {
        Some(v) if !v.is_null() => Raw::json(Some(v)),
        _ => field("fr_number"),
    };
    // Without a number there is nothing to name the FR by: report just that.
    let number = fr_number("number", &number_raw)?;
    let mut fr = Fr {
        number: number.clone(),
        ..Fr::default()
    };
    let mut notes = Vec::new();
    fr.payment_method = p.take(free_text("payment_method", &field("payment_method")));
    fr.shipping_method = p.take(free_text("shipping_method", &field("shipping_method")));
    fr.discount = p.take_rounded(amount("discount", &field("discount")), &mut notes);
    fr.shipping_cost = p.take_rounded(amount("shipping_cost", &field("shipping_cost")), &mut notes);
    fr.tax = p.take_rounded(amount("tax", &field("tax")), &mut notes);
    let created_at = p.take(date(&field("created_at")));
    fr.billing = p.take(address_from_json("billing", o.get("billing")));
    fr.shipping = p.take(address_from_json("shipping", o.get("shipping")));
    match o.get("items") {
        None | Some(Value::Null) => p.push(msg::no_items()),
        Some(Value::Array(items)) if items.is_empty() => p.push(msg::no_items()),
        Some(Value::Array(items)) => {
            for (n, item) in items.iter().enumerate() {
                match item_from_json(n + 1, item, &mut notes) {
                    Ok(it) => fr.items.push(it),
                    Err((sku, e)) => p.push(msg::in_item(n + 1, &excerpt(&sku), &e)),
                }
            }
        }
        Some(_) => p.push(msg::items_not_list()),
    }
    if p.is_empty() {
        Ok((fr, created_at, notes))
    } else {
        Err(msg::in_fr(&number, &p.join()))
    }
}

pub(super) fn address_from_json(side: &str, v: Option<&Value>) -> Result<FrAddress, String> {
    let mut a = FrAddress::default();
    let o = match v {
        None | Some(Value::Null) => return Ok(a),
        Some(Value::Object(o)) => o,
        Some(_) => return Err(msg::not_object(side)),
    };
    let mut p = Problems::default();
    for (k, v) in o {
        let label = format!("{side}.{k}");
        match a.field_mut(k) {
            Some(slot) => *slot = p.take(free_text(&label, &Raw::json(Some(v)))),
            None => p.push(msg::unknown_address_field(side, &excerpt(k))),
        }
    }
    if p.is_empty() {
        Ok(a)
    } else {
        Err(p.join())
    }
}

/// On error: the SKU (if it is valid, to name the item) and the problems. Rounding notes go
/// to `notes`.
pub(super) fn item_from_json(
    n: usize,
    v: &Value,
    notes: &mut Vec<String>,
) -> Result<FrItem, (String, String)> {
    let Value::Object(o) = v else {
        return Err((String::new(), msg::not_object("the item")));
    };
    let mut p = Problems::default();
    let sku = p.take(sku(&Raw::json(o.get("sku"))));
    let quantity = p.take_rounded(
        quantity(
            &Raw::json(o.get("quantity")),
            &item_value(n, &sku, "quantity"),
        ),
        notes,
    );
    let unit_price = p.take_rounded(
        unit_price(
            &Raw::json(o.get("unit_price")),
            &item_value(n, &sku, "unit_price"),
        ),
        notes,
    );
    if !p.is_empty() {
        return Err((sku, p.join()));
    }
    Ok(FrItem {
        sku,
        quantity,
        unit_price,
        ..FrItem::default()
    })
}
