//! Every user-facing string of the FR domain in one place: errors (one line each, saying what to
//! do), the reasons a record is rejected at intake, and the reasons recorded on the timeline.
//! The CLI adds only its own framing; tests match these texts.

use std::path::PathBuf;

use super::model::{
    FrStatus, MAX_AMOUNT, MAX_FR_NUMBER_LEN, MAX_SKU_LEN, MAX_TEXT_LEN, MONEY_DECIMALS,
    QUANTITY_DECIMALS,
};
use crate::store::StoreError;

/// Why an FR could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum FrError {
    #[error("no FR {number:?} in this source: see lsbridge fr list")]
    NotFound { source_id: u64, number: String },
    /// The state machine refused the move; `hint` says what to do instead.
    #[error("FR {number} cannot go from {from} to {to}: {hint}")]
    IllegalTransition {
        number: String,
        from: FrStatus,
        to: FrStatus,
        hint: String,
    },
    /// An operation that is not a transition (release, retry) does not apply in this status.
    #[error("FR {number} is {status}: {hint}")]
    NotApplicable {
        number: String,
        status: FrStatus,
        hint: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a whole file could not be imported (as opposed to single records, see [`super::Rejection`]).
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("cannot read {}: {source}: check the path and its permissions", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file} is not UTF-8 text: save it as UTF-8 JSON or CSV")]
    NotText { file: String },
    #[error("{file} is not valid JSON (line {line}, column {column}: {why}): fix it and import it again")]
    Json {
        file: String,
        line: usize,
        column: usize,
        why: String,
    },
    #[error("{file}: expected a JSON array of FRs or an object {{\"frs\": [...]}}")]
    JsonShape { file: String },
    #[error("{file}: {why}")]
    CsvHeader { file: String, why: String },
    #[error(
        "{file} holds no fulfillment requests: add some (see README \"Fulfillment requests\")"
    )]
    Empty { file: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Fr(#[from] FrError),
}

/// Why an inbox pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("cannot read the inbox {}: {source}: check the path and its permissions", .dir.display())]
    ReadDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot move {} to {}: {source}: fix the permissions of the inbox", .from.display(), .to.display())]
    Move {
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}: fix the permissions of the inbox", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn unknown_status(s: &str) -> String {
    format!(
        "{s:?} is not an FR status: use unprocessed, processing, processed, acknowledged, failed, canceled, additional-info-required or duplicate-fr-number"
    )
}

/// What to do when `from → to` is refused.
pub(crate) fn transition_hint(from: FrStatus, to: FrStatus, allowed: &[FrStatus]) -> String {
    use FrStatus::*;
    match from {
        Canceled => "a canceled FR is final: import the order again under a new FR number if it must be sent".into(),
        Acknowledged => "it was sent and acknowledged by the store; nothing more can change".into(),
        DuplicateFrNumber => "an FR flagged Duplicate FR # is never sent: import the order under a new FR number".into(),
        Processed => "it was already sent as a sale: void or refund the sale in Lightspeed if it must be undone".into(),
        Unprocessed if to != Canceled => "launch it first (lsbridge fr release)".into(),
        Failed | AdditionalInfoRequired => "retry it first (lsbridge fr retry) or cancel it".into(),
        _ => format!("from {from} it can only go to {}", list(allowed)),
    }
}

fn list(states: &[FrStatus]) -> String {
    let v: Vec<&str> = states.iter().map(|s| s.label()).collect();
    v.join(", ")
}

pub(crate) fn release_not_applicable() -> String {
    "only Unprocessed or Processing FRs have a hold to release; a Failed or Additional Info Required FR is retried with lsbridge fr retry".into()
}

pub(crate) fn retry_not_applicable(status: FrStatus) -> String {
    match status {
        FrStatus::Processing => {
            "it is already queued: the next Send FRs run sends it (lsbridge fr release lifts a hold)".into()
        }
        FrStatus::Unprocessed => "it has not been sent yet: launch it with lsbridge fr release".into(),
        _ => "only Failed or Additional Info Required FRs can be retried".into(),
    }
}

// Timeline reasons.
pub const REASON_AUTO_PROCESS: &str = "auto-processing is on";
pub const REASON_WAITING: &str =
    "waiting to be launched (auto-processing is off): lsbridge fr release";
pub const REASON_RELEASED: &str = "released manually";
pub const REASON_HOLD_LIFTED: &str = "hold lifted manually";
pub const REASON_RETRY: &str = "retry requested manually";
pub const REASON_CANCELED: &str = "canceled manually";

pub(crate) fn imported(file: &str, line: usize, status_reason: &str, hold: Option<&str>) -> String {
    match hold {
        Some(until) => {
            format!("imported from {file} line {line}; {status_reason}; held until {until}")
        }
        None => format!("imported from {file} line {line}; {status_reason}"),
    }
}

pub(crate) fn duplicate_seen(file: &str, line: usize) -> String {
    format!("duplicate FR # seen in {file} line {line}; not imported")
}

// Intake rejection reasons: each names the problem and the fix.
pub(crate) fn missing_fr_number(field: &str) -> String {
    format!("missing FR number: fill in {field}")
}

pub(crate) fn fr_number_too_long(chars: usize) -> String {
    format!("FR number is {chars} characters long: the maximum is {MAX_FR_NUMBER_LEN}; shorten it")
}

pub(crate) fn fr_number_control() -> String {
    "FR number has control characters (tabs, line breaks): remove them".into()
}

pub(crate) fn fr_number_invisible(c: char) -> String {
    format!(
        "FR number has an invisible formatting character (U+{:04X}, e.g. a right-to-left override) that makes it look like another number: remove it",
        u32::from(c)
    )
}

pub(crate) fn sku_too_long(sku: &str) -> String {
    format!(
        "SKU {} is longer than {MAX_SKU_LEN} characters: check the sku field",
        crate::excerpt::quoted(sku)
    )
}

pub(crate) fn sku_control() -> String {
    "SKU has control characters (tabs, line breaks): remove them (a line break often means a broken CSV quote)".into()
}

pub(crate) fn text_too_long(field: &str, chars: usize) -> String {
    format!("{field} is {chars} characters long: the maximum is {MAX_TEXT_LEN}; shorten it")
}

pub(crate) fn quantity_out_of_range(shown: &str) -> String {
    format!(
        "quantity {shown} is out of range: use a number above 0 and at most {}",
        MAX_AMOUNT as u64
    )
}

pub(crate) fn quantity_rounds_to_zero(shown: &str) -> String {
    format!(
        "quantity {shown} is 0 at {QUANTITY_DECIMALS} decimal places: use a number of at least 0.0001"
    )
}

pub(crate) fn amount_out_of_range(field: &str, shown: &str) -> String {
    format!(
        "{field} {shown} is out of range: use an amount from 0 to {}",
        MAX_AMOUNT as u64
    )
}

/// The timeline note for a value rounded at intake. `what` is e.g. "item 2 (SKU X) quantity".
pub(crate) fn rounded(what: &str, shown: &str, to: f64, money: bool) -> String {
    if money {
        format!(
            "{what} {shown} rounded to {to:.MONEY_DECIMALS$} (amounts keep {MONEY_DECIMALS} decimal places, rounded half to even)"
        )
    } else {
        format!(
            "{what} {shown} rounded to {} (quantities keep {QUANTITY_DECIMALS} decimal places, rounded half to even)",
            crate::mapping::format_number(to)
        )
    }
}

pub(crate) fn no_items() -> String {
    "no items: add at least one item with sku, quantity and unit_price".into()
}

pub(crate) fn items_not_list() -> String {
    "items is not a list: use \"items\": [{\"sku\": …, \"quantity\": …, \"unit_price\": …}]".into()
}

pub(crate) fn missing_sku() -> String {
    "missing SKU: fill in sku".into()
}

pub(crate) fn missing_quantity() -> String {
    "missing quantity: fill in a number above 0".into()
}

pub(crate) fn bad_quantity(shown: &str) -> String {
    format!("quantity {shown} is not a positive number: use a number above 0")
}

pub(crate) fn missing_unit_price() -> String {
    "missing unit_price: fill in the price per unit (0 for a free item)".into()
}

pub(crate) fn bad_amount(field: &str, shown: &str) -> String {
    format!("{field} {shown} is not a number of 0 or more: use e.g. 19.99")
}

pub(crate) fn bad_date(shown: &str) -> String {
    format!(
        "created_at {shown} is not a date: use RFC 3339, e.g. 2026-03-04T15:30:00Z, or 2026-03-04"
    )
}

pub(crate) fn not_text(field: &str, kind: &str) -> String {
    format!("{field} is {kind}, not text: put it in quotes")
}

pub(crate) fn not_object(what: &str) -> String {
    format!("{what} is not an object: write it as {{\"field\": \"value\", …}}")
}

pub(crate) fn unknown_address_field(side: &str, key: &str) -> String {
    format!(
        "{side} has no field {key:?}: use address_line_1, address_line_2, address_line_3, city, company_name, country, country_code, email, first_name, full_name, last_name, phone, postal_code or state"
    )
}

pub(crate) fn csv_cell_count(cells: usize, header: usize) -> String {
    format!(
        "the row has {cells} cells but the header has {header}: quote cells that contain commas"
    )
}

pub(crate) fn csv_conflict(column: &str, value: &str, first_line: usize, earlier: &str) -> String {
    format!(
        "{column} {value:?} differs from line {first_line} ({earlier:?}): rows of one FR must agree on its order fields (or leave them blank)"
    )
}

pub(crate) fn csv_missing_columns(missing: &[&str]) -> String {
    format!(
        "the header lacks {}: a CSV of FRs needs fr_number, sku, quantity and unit_price columns",
        missing.join(", ")
    )
}

pub(crate) fn csv_unknown_column(column: &str) -> String {
    format!(
        "unknown column {column:?}: address columns are billing_<field> or shipping_<field> with field one of address_line_1, address_line_2, address_line_3, city, company_name, country, country_code, email, first_name, full_name, last_name, phone, postal_code, state"
    )
}

pub(crate) fn csv_repeated_column(column: &str) -> String {
    format!("column {column:?} appears twice in the header: keep one")
}

pub(crate) fn csv_unreadable(why: &str) -> String {
    format!("cannot read the CSV ({why}): check its quoting")
}

pub(crate) fn in_fr(number: &str, problem: &str) -> String {
    format!("FR {number}: {problem}")
}

/// "item 2 (SKU DW-PIL): …" — the SKU named when there is one.
pub(crate) fn in_item(n: usize, sku: &str, problem: &str) -> String {
    if sku.is_empty() {
        format!("item {n}: {problem}")
    } else {
        format!("item {n} (SKU {sku}): {problem}")
    }
}

pub(crate) fn in_element(n: usize, problem: &str) -> String {
    format!("element {n}: {problem}")
}

/// The header of a reason file written beside a processed or rejected inbox file.
pub(crate) fn reason_file_head(file: &str, at: &str, source: &str) -> String {
    format!("lsbridge fr inbox: {file} for source {source:?} at {at}\n")
}

pub(crate) fn summary(imported: usize, duplicates: usize, rejected: usize) -> String {
    format!("imported {imported}, duplicates {duplicates}, rejected {rejected}")
}
