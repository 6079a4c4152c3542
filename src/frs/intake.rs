//! Intake: FRs from JSON or CSV files into the store.
//!
//! Each record is checked on its own: a bad one is rejected with its line and a reason that
//! says what to fix, and the good ones are imported anyway. An FR number already stored for the
//! source (or seen earlier in the same file) is never imported twice: the repeat is counted as a
//! Duplicate FR # and noted on the existing FR's timeline. That makes importing the same file
//! again harmless, which the inbox relies on.
//!
//! JSON: an array of FR objects, or `{"frs": [...]}`; fields as in [`Fr`] (`number`, billing /
//! shipping objects, `items: [{sku, quantity, unit_price}]`, …). Unknown top-level fields are
//! ignored (exports carry ids and notes); unknown address fields are rejected, since a field
//! dropped there (`zip` for `postal_code`) would only surface when the sale is refused.
//!
//! CSV: one row per item; rows with the same `fr_number` form one FR and must agree on its order
//! fields (blank cells take the value from the FR's other rows). A bad row keeps its whole FR
//! out: sending part of an order would be worse than sending none.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::messages::{self as msg, IntakeError};
use super::model::{
    is_invisible_format, round_half_even, Fr, FrAddress, FrItem, FrStatus, MAX_AMOUNT,
    MAX_FR_NUMBER_LEN, MAX_SKU_LEN, MAX_TEXT_LEN, MONEY_DECIMALS, QUANTITY_DECIMALS,
};
use super::repo::{kind, FrEvent, Frs};
use crate::clock::{rfc3339, SharedClock};
use crate::excerpt::excerpt;
use crate::sources::{AutoProcessing, Source};
use crate::store::Store;

/// What "Use Global" auto-processing means until global settings exist: Flxpoint's global
/// switch "Auto Process Fulfillment Requests", on.
pub const GLOBAL_AUTO_PROCESSING: AutoProcessing = AutoProcessing::AutoProcess;

/// Whether new FRs of a source start in Processing (sent on the next run) rather than
/// Unprocessed (waiting for `fr release`).
pub fn auto_processes(setting: AutoProcessing) -> bool {
    let resolved = match setting {
        AutoProcessing::UseGlobal => GLOBAL_AUTO_PROCESSING,
        other => other,
    };
    resolved == AutoProcessing::AutoProcess
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    /// By extension (case-insensitive): `.json` or `.csv`.
    pub fn from_path(p: &Path) -> Option<Format> {
        let ext = p.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// For files without a telling extension: JSON starts with `[` or `{`.
    pub fn sniff(text: &str) -> Format {
        match text.trim_start().chars().next() {
            Some('[' | '{') => Format::Json,
            _ => Format::Csv,
        }
    }
}

/// A record that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 1-based line in the file where the record starts.
    pub line: usize,
    pub reason: String,
}

/// A repeat of an FR number that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub line: usize,
    pub number: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    pub imported: usize,
    pub duplicates: usize,
    /// Sorted by line.
    pub rejected: Vec<Rejection>,
    pub imported_numbers: Vec<String>,
    pub duplicate_numbers: Vec<Duplicate>,
}

impl ImportReport {
    /// `imported N, duplicates D, rejected R`
    pub fn summary(&self) -> String {
        msg::summary(self.imported, self.duplicates, self.rejected.len())
    }
}

/// A valid FR read from a file, not stored yet.
#[derive(Debug, Clone, PartialEq)]
pub struct FrInput {
    pub line: usize,
    /// `source`, times and status are filled in at import.
    pub fr: Fr,
    /// Normalised RFC 3339, if the file gave one.
    pub created_at: Option<String>,
    /// What intake changed on the way in (amounts rounded), noted on the FR's timeline.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub frs: Vec<FrInput>,
    pub rejected: Vec<Rejection>,
}

/// Reads and checks a file's records. `file` names it in errors. Errors only for the file as
/// a whole (not text, not JSON, bad CSV header, no records).
pub fn parse(file: &str, bytes: &[u8], format: Option<Format>) -> Result<Parsed, IntakeError> {
    let text = std::str::from_utf8(bytes).map_err(|_| IntakeError::NotText {
        file: file.to_string(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(IntakeError::Empty {
            file: file.to_string(),
        });
    }
    let mut parsed = match format.unwrap_or_else(|| Format::sniff(text)) {
        Format::Json => parse_json(file, text)?,
        Format::Csv => parse_csv(file, text)?,
    };
    if parsed.frs.is_empty() && parsed.rejected.is_empty() {
        return Err(IntakeError::Empty {
            file: file.to_string(),
        });
    }
    parsed.rejected.sort_by_key(|r| r.line);
    parsed.frs.sort_by_key(|f| f.line);
    Ok(parsed)
}

/// Stores the parsed FRs for `source` at `now`. Repeats of stored FR numbers are counted as
/// duplicates and noted on the stored FR's timeline; nothing is flushed.
pub fn import_parsed(
    frs: &Frs,
    source: &Source,
    file: &str,
    parsed: Parsed,
    now: SystemTime,
) -> Result<ImportReport, IntakeError> {
    let auto = auto_processes(source.auto_processing);
    // Capped: a hold stored before settings were validated (a config file could hold any
    // u32) would put the earliest send past the calendar's end.
    let hold_hours = source
        .send_frs
        .hold_hours
        .min(crate::source_validate::MAX_HOLD_HOURS);
    let hold = Duration::from_secs(u64::from(hold_hours) * 3600);
    let imported_at = rfc3339(now);
    let earliest = rfc3339(now.checked_add(hold).unwrap_or(now));
    let (status, status_reason) = if auto {
        (FrStatus::Processing, msg::REASON_AUTO_PROCESS)
    } else {
        (FrStatus::Unprocessed, msg::REASON_WAITING)
    };
    let mut report = ImportReport {
        rejected: parsed.rejected,
        ..ImportReport::default()
    };
    let mut rows = Vec::with_capacity(parsed.frs.len());
    let mut lines = Vec::with_capacity(parsed.frs.len());
    for input in parsed.frs {
        let mut fr = input.fr;
        fr.source = source.id;
        fr.created_at = input.created_at.unwrap_or_else(|| imported_at.clone());
        fr.imported_at = imported_at.clone();
        fr.earliest_send = earliest.clone();
        fr.updated_at = imported_at.clone();
        fr.status = status;
        fr.reason = status_reason.to_string();
        let event = FrEvent {
            at: imported_at.clone(),
            status: status.label().to_string(),
            kind: kind::IMPORTED.to_string(),
            reason: msg::imported(
                file,
                input.line,
                status_reason,
                (!hold.is_zero()).then_some(earliest.as_str()),
            ),
            run: None,
        };
        lines.push((input.line, input.notes));
        rows.push((fr, event));
    }
    let inserted = frs.insert_new_many(&rows)?;
    for (((fr, _), (line, notes)), inserted) in rows.into_iter().zip(lines).zip(inserted) {
        if inserted {
            // Notes (values rounded on intake) are rare: one event each, after the batch.
            for note in &notes {
                frs.record_event(source.id, &fr.number, kind::NOTE, note, None, now)?;
            }
            report.imported += 1;
            report.imported_numbers.push(fr.number);
        } else {
            frs.record_event(
                source.id,
                &fr.number,
                kind::DUPLICATE,
                &msg::duplicate_seen(file, line),
                None,
                now,
            )?;
            report.duplicates += 1;
            report.duplicate_numbers.push(Duplicate {
                line,
                number: fr.number,
            });
        }
    }
    Ok(report)
}

/// Parses and imports `bytes`, then flushes, so a caller that moves the file afterwards never
/// loses FRs to a crash.
pub fn import_bytes(
    store: &Store,
    source: &Source,
    file: &str,
    bytes: &[u8],
    format: Option<Format>,
    now: SystemTime,
) -> Result<ImportReport, IntakeError> {
    let parsed = parse(file, bytes, format)?;
    let frs = Frs::open(store)?;
    let report = import_parsed(&frs, source, file, parsed, now)?;
    store.flush()?;
    Ok(report)
}

/// Reads `path` and imports it (format from the extension, else sniffed). Errors name the file.
pub fn import_file(
    store: &Store,
    source: &Source,
    path: &Path,
    clock: &SharedClock,
) -> Result<ImportReport, IntakeError> {
    let bytes = std::fs::read(path).map_err(|e| IntakeError::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    import_bytes(
        store,
        source,
        &name,
        &bytes,
        Format::from_path(path),
        clock.now(),
    )
}

// ---------------------------------------------------------------------------------------------
// Field values, shared by both formats.

/// A raw field value: CSV cells are all `Text` (blank = `Missing`); JSON keeps its types.
enum Raw<'a> {
    Missing,
    Text(&'a str),
    Number(&'a serde_json::Number),
    Other(&'static str),
}

impl<'a> Raw<'a> {
    fn cell(s: &'a str) -> Raw<'a> {
        if s.trim().is_empty() {
            Raw::Missing
        } else {
            Raw::Text(s)
        }
    }

    fn json(v: Option<&'a Value>) -> Raw<'a> {
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
    fn shown(&self) -> String {
        match self {
            Raw::Missing => "\"\"".into(),
            Raw::Text(s) => crate::excerpt::quoted(s.trim()),
            Raw::Number(n) => n.to_string(),
            Raw::Other(k) => (*k).to_string(),
        }
    }
}

/// Text; a JSON number is accepted as its digits (postal codes, phone numbers, FR numbers).
fn text(field: &str, raw: &Raw) -> Result<String, String> {
    match raw {
        Raw::Missing => Ok(String::new()),
        Raw::Text(s) => Ok(s.trim().to_string()),
        Raw::Number(n) => Ok(n.to_string()),
        Raw::Other(k) => Err(msg::not_text(field, k)),
    }
}

fn number(raw: &Raw) -> Option<Option<f64>> {
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

fn fr_number(field: &str, raw: &Raw) -> Result<String, String> {
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
fn free_text(field: &str, raw: &Raw) -> Result<String, String> {
    let t = text(field, raw)?;
    check_length(field, &t)?;
    Ok(t)
}

fn check_length(field: &str, t: &str) -> Result<(), String> {
    let chars = t.chars().count();
    if chars > MAX_TEXT_LEN {
        return Err(msg::text_too_long(field, chars));
    }
    Ok(())
}

fn sku(raw: &Raw) -> Result<String, String> {
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
fn quantity(raw: &Raw, what: &str) -> Result<Rounded, String> {
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

fn money(field: &str, raw: &Raw, a: f64, what: &str) -> Result<Rounded, String> {
    if a > MAX_AMOUNT {
        return Err(msg::amount_out_of_range(field, &raw.shown()));
    }
    let (r, changed) = round_half_even(a, MONEY_DECIMALS);
    Ok((
        r,
        changed.then(|| msg::rounded(what, &raw.shown(), r, true)),
    ))
}

fn unit_price(raw: &Raw, what: &str) -> Result<Rounded, String> {
    match number(raw) {
        Some(None) => Err(msg::missing_unit_price()),
        Some(Some(p)) if p >= 0.0 => money("unit_price", raw, p, what),
        _ => Err(msg::bad_amount("unit_price", &raw.shown())),
    }
}

/// An optional order amount (discount, shipping_cost, tax): blank is 0.
fn amount(field: &str, raw: &Raw) -> Result<Rounded, String> {
    match number(raw) {
        Some(None) => Ok((0.0, None)),
        Some(Some(a)) if a >= 0.0 => money(field, raw, a, field),
        _ => Err(msg::bad_amount(field, &raw.shown())),
    }
}

/// "item 2 (SKU X) quantity": names a line's value in a rounding note.
fn item_value(n: usize, sku: &str, field: &str) -> String {
    msg::in_item(n, sku, field)
}

/// RFC 3339 (any offset) or a bare date (midnight UTC), normalised to RFC 3339 UTC.
fn date(raw: &Raw) -> Result<Option<String>, String> {
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
struct Problems(Vec<String>);

impl Problems {
    /// A rounded number: the value, its note (if any) added to `notes`.
    fn take_rounded(&mut self, r: Result<Rounded, String>, notes: &mut Vec<String>) -> f64 {
        let (v, note) = self.take(r);
        notes.extend(note);
        v
    }
    fn take<T: Default>(&mut self, r: Result<T, String>) -> T {
        r.unwrap_or_else(|e| {
            self.0.push(e);
            T::default()
        })
    }
    fn push(&mut self, e: String) {
        self.0.push(e);
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    fn join(&self) -> String {
        self.0.join("; ")
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

fn parse_json(file: &str, text: &str) -> Result<Parsed, IntakeError> {
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
fn strip_position(s: &str) -> String {
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// Line numbers of increasing offsets, counting each newline once (counting from the start
/// for every element made a large import quadratic).
struct LineCounter<'a> {
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
fn element_starts(text: &str, under_key: bool) -> Vec<usize> {
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

fn fr_from_json(v: &Value) -> Result<(Fr, Option<String>, Vec<String>), String> {
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

fn address_from_json(side: &str, v: Option<&Value>) -> Result<FrAddress, String> {
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
fn item_from_json(
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

// ---------------------------------------------------------------------------------------------
// CSV

/// Order-level CSV columns other than the addresses.
const ORDER_COLUMNS: [&str; 6] = [
    "payment_method",
    "created_at",
    "shipping_method",
    "discount",
    "shipping_cost",
    "tax",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Number,
    Order(&'static str),
    Billing(&'static str),
    Shipping(&'static str),
    Sku,
    Quantity,
    UnitPrice,
    Ignored,
}

fn column(name: &str) -> Result<Col, String> {
    let n = name.trim().to_ascii_lowercase();
    let addr = |rest: &str| {
        FrAddress::FIELDS
            .iter()
            .find(|(k, _)| *k == rest)
            .map(|(k, _)| *k)
    };
    Ok(match n.as_str() {
        "fr_number" | "number" => Col::Number,
        "sku" => Col::Sku,
        "quantity" => Col::Quantity,
        "unit_price" => Col::UnitPrice,
        _ => {
            if let Some(c) = ORDER_COLUMNS.iter().find(|c| **c == n) {
                Col::Order(c)
            } else if let Some(rest) = n.strip_prefix("billing_") {
                Col::Billing(addr(rest).ok_or_else(|| msg::csv_unknown_column(&excerpt(name)))?)
            } else if let Some(rest) = n.strip_prefix("shipping_") {
                Col::Shipping(addr(rest).ok_or_else(|| msg::csv_unknown_column(&excerpt(name)))?)
            } else {
                // Other columns (order notes, channel ids) are not part of an FR.
                Col::Ignored
            }
        }
    })
}

/// One FR being assembled from its rows.
struct Group {
    number: String,
    first_line: usize,
    /// Order-level column → (value, line it came from).
    order: HashMap<Col, (String, usize)>,
    items: Vec<FrItem>,
    /// Rounding notes of its rows.
    notes: Vec<String>,
    bad: bool,
}

fn col_name(c: Col) -> String {
    match c {
        Col::Order(s) => s.to_string(),
        Col::Billing(s) => format!("billing_{s}"),
        Col::Shipping(s) => format!("shipping_{s}"),
        Col::Number => "fr_number".into(),
        Col::Sku => "sku".into(),
        Col::Quantity => "quantity".into(),
        Col::UnitPrice => "unit_price".into(),
        Col::Ignored => String::new(),
    }
}

fn parse_csv(file: &str, text: &str) -> Result<Parsed, IntakeError> {
    let header_err = |why: String| IntakeError::CsvHeader {
        file: file.to_string(),
        why,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| header_err(msg::csv_unreadable(&e.to_string())))?
        .clone();
    let mut cols = Vec::with_capacity(headers.len());
    for h in headers.iter() {
        let c = column(h).map_err(header_err)?;
        if c != Col::Ignored && cols.contains(&c) {
            return Err(header_err(msg::csv_repeated_column(&excerpt(h.trim()))));
        }
        cols.push(c);
    }
    let missing: Vec<&str> = [
        (Col::Number, "fr_number"),
        (Col::Sku, "sku"),
        (Col::Quantity, "quantity"),
        (Col::UnitPrice, "unit_price"),
    ]
    .into_iter()
    .filter(|(c, _)| !cols.contains(c))
    .map(|(_, n)| n)
    .collect();
    if !missing.is_empty() {
        return Err(header_err(msg::csv_missing_columns(&missing)));
    }

    let mut out = Parsed::default();
    let mut groups: Vec<Group> = Vec::new();
    let mut by_number: HashMap<String, usize> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line_hint = rdr.position().line() as usize;
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // The csv reader cannot resynchronise reliably after a broken record: stop here.
                out.rejected.push(Rejection {
                    line: line_hint,
                    reason: msg::csv_unreadable(&e.to_string()),
                });
                break;
            }
        }
        let line = record
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(line_hint);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: Col| {
            cols.iter()
                .position(|x| *x == c)
                .and_then(|i| record.get(i))
                .unwrap_or("")
        };
        let number = match fr_number("fr_number", &Raw::cell(cell(Col::Number))) {
            Ok(n) => n,
            Err(reason) => {
                out.rejected.push(Rejection { line, reason });
                continue;
            }
        };
        let reject = |out: &mut Parsed, reason: String| {
            out.rejected.push(Rejection {
                line,
                reason: msg::in_fr(&number, &reason),
            })
        };
        let gi = *by_number.entry(number.clone()).or_insert_with(|| {
            groups.push(Group {
                number: number.clone(),
                first_line: line,
                order: HashMap::new(),
                items: Vec::new(),
                notes: Vec::new(),
                bad: false,
            });
            groups.len() - 1
        });
        let g = &mut groups[gi];
        if record.len() != headers.len() {
            g.bad = true;
            reject(&mut out, msg::csv_cell_count(record.len(), headers.len()));
            continue;
        }
        let mut p = Problems::default();
        // Order-level cells: check the value, then that it agrees with the FR's other rows.
        for (i, c) in cols.iter().enumerate() {
            if !matches!(c, Col::Order(_) | Col::Billing(_) | Col::Shipping(_)) {
                continue;
            }
            let v = record.get(i).unwrap_or("").trim();
            if v.is_empty() {
                continue;
            }
            let checked = match c {
                Col::Order(f @ ("discount" | "shipping_cost" | "tax")) => {
                    amount(f, &Raw::cell(v)).map(|_| ())
                }
                Col::Order("created_at") => date(&Raw::cell(v)).map(|_| ()),
                _ => check_length(&col_name(*c), v),
            };
            if let Err(e) = checked {
                p.push(e);
                continue;
            }
            match g.order.get(c) {
                Some((earlier, at)) if earlier != v => {
                    p.push(msg::csv_conflict(
                        &col_name(*c),
                        &excerpt(v),
                        *at,
                        &excerpt(earlier),
                    ));
                }
                Some(_) => {}
                None => {
                    g.order.insert(*c, (v.to_string(), line));
                }
            }
        }
        let sku = p.take(sku(&Raw::cell(cell(Col::Sku))));
        let n = g.items.len() + 1;
        let mut notes = Vec::new();
        let quantity = p.take_rounded(
            quantity(
                &Raw::cell(cell(Col::Quantity)),
                &item_value(n, &sku, "quantity"),
            ),
            &mut notes,
        );
        let unit_price = p.take_rounded(
            unit_price(
                &Raw::cell(cell(Col::UnitPrice)),
                &item_value(n, &sku, "unit_price"),
            ),
            &mut notes,
        );
        if p.is_empty() {
            g.notes.extend(notes);
            g.items.push(FrItem {
                sku,
                quantity,
                unit_price,
                ..FrItem::default()
            });
        } else {
            g.bad = true;
            reject(&mut out, p.join());
        }
    }

    for g in groups.into_iter().filter(|g| !g.bad) {
        let mut fr = Fr {
            number: g.number,
            items: g.items,
            ..Fr::default()
        };
        let mut notes = g.notes;
        let mut created_at = None;
        // Values were checked row by row above; only the rounding note is new here.
        let mut money = |f: &str, v: &str| match amount(f, &Raw::cell(v)) {
            Ok((a, note)) => {
                notes.extend(note);
                a
            }
            Err(_) => 0.0,
        };
        // In column order, so the notes come out in a stable order.
        let mut order: Vec<_> = g.order.iter().collect();
        order.sort_by_key(|(c, _)| cols.iter().position(|x| x == *c));
        for (c, (v, _)) in order {
            match c {
                Col::Order("payment_method") => fr.payment_method = v.clone(),
                Col::Order("shipping_method") => fr.shipping_method = v.clone(),
                Col::Order("discount") => fr.discount = money("discount", v),
                Col::Order("shipping_cost") => fr.shipping_cost = money("shipping_cost", v),
                Col::Order("tax") => fr.tax = money("tax", v),
                Col::Order("created_at") => created_at = date(&Raw::cell(v)).unwrap_or(None),
                Col::Billing(k) => {
                    if let Some(slot) = fr.billing.field_mut(k) {
                        *slot = v.clone();
                    }
                }
                Col::Shipping(k) => {
                    if let Some(slot) = fr.shipping.field_mut(k) {
                        *slot = v.clone();
                    }
                }
                _ => {}
            }
        }
        out.frs.push(FrInput {
            line: g.first_line,
            fr,
            created_at,
            notes,
        });
    }
    Ok(out)
}
