//! The fulfillment request (FR) as lsbridge stores it: one order to be sent to the store as a
//! register sale, with the seed's billing/shipping address fields, its lines, its place in the
//! lifecycle (MISSION-ANCHORS §1.8) and what the send job learned about it.
//!
//! Every field is `#[serde(default)]` so records written by this version still decode after
//! fields are added (see `store::codec`); times are RFC 3339 strings in UTC, as elsewhere in the
//! store, so the stored JSON stays readable.

use std::borrow::Cow;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::mapping::{FieldValue, SourceRecord};
use crate::store::Record;

/// Where an FR is in its lifecycle. Stored as snake_case; shown with [`FrStatus::label`], the
/// names Flxpoint's UI and API use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FrStatus {
    /// Imported, waiting for someone (or auto-processing) to launch it.
    #[default]
    Unprocessed,
    /// Launched: the next Send FRs run sends it (once its hold has passed).
    Processing,
    /// Sent: the store accepted the sale.
    Processed,
    /// Sent and every line confirmed by the store.
    Acknowledged,
    /// The send failed; `fr retry` puts it back to Processing.
    Failed,
    Canceled,
    /// The send cannot proceed without a fix to the FR or the setup (e.g. a required address
    /// field is blank); `fr retry` after fixing it.
    AdditionalInfoRequired,
    /// A second FR with an FR number already sent; never sent.
    DuplicateFrNumber,
}

impl FrStatus {
    pub const ALL: [FrStatus; 8] = [
        FrStatus::Unprocessed,
        FrStatus::Processing,
        FrStatus::Processed,
        FrStatus::Acknowledged,
        FrStatus::Failed,
        FrStatus::Canceled,
        FrStatus::AdditionalInfoRequired,
        FrStatus::DuplicateFrNumber,
    ];

    /// The display name (Flxpoint's spelling).
    pub fn label(self) -> &'static str {
        match self {
            FrStatus::Unprocessed => "Unprocessed",
            FrStatus::Processing => "Processing",
            FrStatus::Processed => "Processed",
            FrStatus::Acknowledged => "Acknowledged",
            FrStatus::Failed => "Failed",
            FrStatus::Canceled => "Canceled",
            FrStatus::AdditionalInfoRequired => "Additional Info Required",
            FrStatus::DuplicateFrNumber => "Duplicate FR #",
        }
    }

    /// The kebab-case name for command-line filters (`--status additional-info-required`).
    pub fn key(self) -> &'static str {
        match self {
            FrStatus::Unprocessed => "unprocessed",
            FrStatus::Processing => "processing",
            FrStatus::Processed => "processed",
            FrStatus::Acknowledged => "acknowledged",
            FrStatus::Failed => "failed",
            FrStatus::Canceled => "canceled",
            FrStatus::AdditionalInfoRequired => "additional-info-required",
            FrStatus::DuplicateFrNumber => "duplicate-fr-number",
        }
    }

    /// No transition leaves this status.
    pub fn is_final(self) -> bool {
        crate::frs::status::next_states(self).is_empty()
    }
}

impl std::fmt::Display for FrStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Folds case and separators so "Duplicate FR #", "duplicate_fr_number" and
/// "duplicate-fr-number" all read the same; "#" is the word "number" in Flxpoint's labels.
fn fold(s: &str) -> String {
    s.replace('#', "number")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl std::str::FromStr for FrStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let want = fold(s);
        FrStatus::ALL
            .into_iter()
            .find(|st| fold(st.label()) == want || fold(st.key()) == want)
            .ok_or_else(|| crate::frs::messages::unknown_status(s))
    }
}

/// A billing or shipping address, with every field the seed lists. `address_line_3` exists on
/// shipping addresses only; billing keeps it empty (one struct keeps intake and mapping simple).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct FrAddress {
    pub address_line_1: String,
    pub address_line_2: String,
    pub address_line_3: String,
    pub city: String,
    pub company_name: String,
    pub country: String,
    pub country_code: String,
    pub email: String,
    pub first_name: String,
    pub full_name: String,
    pub last_name: String,
    pub phone: String,
    pub postal_code: String,
    pub state: String,
}

impl FrAddress {
    /// Field key (as in intake files: `city`, `address_line_1`, …) and the seed's label, in the
    /// seed's alphabetical order. Intake, mapping and `fr show` all walk this one list.
    pub const FIELDS: [(&'static str, &'static str); 14] = [
        ("address_line_1", "Address Line 1"),
        ("address_line_2", "Address Line 2"),
        ("address_line_3", "Address Line 3"),
        ("city", "City"),
        ("company_name", "Company Name"),
        ("country", "Country"),
        ("country_code", "Country Code"),
        ("email", "Email"),
        ("first_name", "First Name"),
        ("full_name", "Full Name"),
        ("last_name", "Last Name"),
        ("phone", "Phone"),
        ("postal_code", "Postal Code"),
        ("state", "State"),
    ];

    /// The field named by its key (`None` for an unknown key).
    pub fn field(&self, key: &str) -> Option<&str> {
        Some(match key {
            "address_line_1" => &self.address_line_1,
            "address_line_2" => &self.address_line_2,
            "address_line_3" => &self.address_line_3,
            "city" => &self.city,
            "company_name" => &self.company_name,
            "country" => &self.country,
            "country_code" => &self.country_code,
            "email" => &self.email,
            "first_name" => &self.first_name,
            "full_name" => &self.full_name,
            "last_name" => &self.last_name,
            "phone" => &self.phone,
            "postal_code" => &self.postal_code,
            "state" => &self.state,
            _ => return None,
        })
    }

    /// Mutable access by key, for intake.
    pub fn field_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "address_line_1" => &mut self.address_line_1,
            "address_line_2" => &mut self.address_line_2,
            "address_line_3" => &mut self.address_line_3,
            "city" => &mut self.city,
            "company_name" => &mut self.company_name,
            "country" => &mut self.country,
            "country_code" => &mut self.country_code,
            "email" => &mut self.email,
            "first_name" => &mut self.first_name,
            "full_name" => &mut self.full_name,
            "last_name" => &mut self.last_name,
            "phone" => &mut self.phone,
            "postal_code" => &mut self.postal_code,
            "state" => &mut self.state,
            _ => return None,
        })
    }
}

/// What happened to one line when the FR was sent. A line marked `Sent` is never sent again,
/// even when the FR is retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LineState {
    #[default]
    Pending,
    Sent,
    /// Left out of the sale (unknown or inactive SKU, no stock without backorders, …).
    NotSent {
        reason: String,
    },
    Canceled {
        reason: String,
    },
}

impl LineState {
    pub fn label(&self) -> Cow<'_, str> {
        match self {
            LineState::Pending => "pending".into(),
            LineState::Sent => "sent".into(),
            LineState::NotSent { reason } => format!("not sent: {reason}").into(),
            LineState::Canceled { reason } => format!("canceled: {reason}").into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct FrItem {
    pub sku: String,
    /// Positive; fractional for items sold by weight or length.
    pub quantity: f64,
    /// Per unit, before tax; zero for free items.
    pub unit_price: f64,
    pub line: LineState,
}

/// One fulfillment request. Keyed by `(source, number)`: an FR number is unique per source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Fr {
    /// The source (Lightspeed store) it is sent to.
    pub source: u64,
    /// The FR number (at most [`MAX_FR_NUMBER_LEN`] characters).
    pub number: String,
    pub payment_method: String,
    pub billing: FrAddress,
    pub shipping: FrAddress,
    pub items: Vec<FrItem>,
    pub shipping_method: String,
    /// Order-level amounts, in the store's currency.
    pub discount: f64,
    pub shipping_cost: f64,
    pub tax: f64,
    /// When the order was placed (from the file), else when it was imported. RFC 3339, UTC.
    pub created_at: String,
    pub imported_at: String,
    /// Not sent before this time: `imported_at` + the source's Hold for X hours; `fr release`
    /// sets it to now.
    pub earliest_send: String,
    pub status: FrStatus,
    /// Why it is in its status (the last transition's reason).
    pub reason: String,
    /// The Lightspeed sale id, once a send was attempted (chosen by the client, so a retry after
    /// an unclear outcome can look the sale up instead of creating a second one).
    pub sale_id: Option<String>,
    /// The store's invoice number, once the sale exists.
    pub invoice_number: Option<String>,
    /// Send attempts so far (kept across retries).
    pub attempts: u32,
    pub updated_at: String,
    /// Commit Stock: the store sequence number (`Store::generate_id`) of the event that made
    /// the FR Processed, i.e. when lsbridge learned the store has its sale. Set by
    /// [`super::Frs`] in the same transaction as the status change.
    pub sale_created_seq: Option<u64>,
    /// Likewise for Acknowledged: when lsbridge learned the store closed the sale.
    pub sale_closed_seq: Option<u64>,
}

impl Record for Fr {
    const VERSION: u16 = 1;
}

/// Flxpoint's default "Max FR # length" (its strategies flag a longer number rather than trim it;
/// here intake rejects it, naming the limit).
pub const MAX_FR_NUMBER_LEN: usize = 50;

/// The longest SKU intake accepts (Lightspeed's own SKU field is far shorter in practice; a
/// longer one is a pasted blob, not a SKU).
pub const MAX_SKU_LEN: usize = 255;

/// The longest free-text field (address lines, names, payment and shipping method, notes).
pub const MAX_TEXT_LEN: usize = crate::source::validate::MAX_TEXT_LEN;

/// The largest quantity or amount intake accepts: far beyond any real order, and small enough
/// that sums of lines stay exact to the cent in an f64.
pub const MAX_AMOUNT: f64 = 1e9;

/// Decimal places kept: quantities (sold by weight or length) and money.
pub const QUANTITY_DECIMALS: usize = 4;
pub const MONEY_DECIMALS: usize = 2;

/// Characters that change how the text around them is shown without being visible
/// themselves: bidi embeddings, overrides and isolates, direction marks, zero-width
/// characters and the BOM. In an FR number they make two different numbers look alike.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{061C}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}')
}

/// `v` rounded half-to-even to `places` decimals, worked on its shortest decimal form (so
/// 2.00005 is a tie, as written, not the binary number just below it). Returns the rounded
/// value and whether it changed.
pub fn round_half_even(v: f64, places: usize) -> (f64, bool) {
    if !v.is_finite() {
        return (v, false);
    }
    // f64's Display never uses an exponent and gives the shortest form that reads back.
    let shown = format!("{}", v.abs());
    let (int, frac) = shown.split_once('.').unwrap_or((shown.as_str(), ""));
    if frac.len() <= places {
        return (v, false);
    }
    let (kept, rest) = frac.split_at(places);
    let mut digits: Vec<u8> = int.bytes().chain(kept.bytes()).map(|b| b - b'0').collect();
    let first = rest.as_bytes()[0];
    let up = match first.cmp(&b'5') {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => {
            rest.bytes().skip(1).any(|b| b != b'0') || digits.last().is_some_and(|d| d % 2 == 1)
        }
    };
    if up {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, 1);
                break;
            }
            i -= 1;
            if digits[i] == 9 {
                digits[i] = 0;
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let split = digits.len() - places;
    let text: String = digits[..split]
        .iter()
        .map(|d| char::from(b'0' + d))
        .chain(std::iter::once('.'))
        .chain(digits[split..].iter().map(|d| char::from(b'0' + d)))
        .collect();
    let rounded = text.parse::<f64>().unwrap_or(v.abs()).copysign(v);
    (rounded, true)
}

/// Parses a stored RFC 3339 time; `None` if blank or malformed.
pub fn parse_time(s: &str) -> Option<SystemTime> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| SystemTime::from(d.with_timezone(&chrono::Utc)))
}

impl Fr {
    /// `earliest_send` as a time (`None` if unset or unreadable, which means "no hold").
    pub fn earliest_send_time(&self) -> Option<SystemTime> {
        parse_time(&self.earliest_send)
    }

    /// Whether the hold still keeps it from being sent at `now`.
    pub fn is_held(&self, now: SystemTime) -> bool {
        self.earliest_send_time().is_some_and(|t| t > now)
    }

    /// Processing and past its hold: what a Send FRs run picks up.
    pub fn is_due(&self, now: SystemTime) -> bool {
        self.status == FrStatus::Processing && !self.is_held(now)
    }

    /// Lines still to send.
    pub fn pending_items(&self) -> impl Iterator<Item = (usize, &FrItem)> {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.line == LineState::Pending)
    }

    /// Sum of quantity × unit price over all lines.
    pub fn items_total(&self) -> f64 {
        self.items.iter().map(|i| i.quantity * i.unit_price).sum()
    }

    /// What the customer pays: items − discount + shipping + tax.
    pub fn order_total(&self) -> f64 {
        self.items_total() - self.discount + self.shipping_cost + self.tax
    }
}

/// Seed labels of the FR source fields (Send FRs templates read these).
pub mod fields {
    pub const CREATED_AT: &str = "Fulfillment Request: Created At";
    pub const FR_NUMBER: &str = "Fulfillment Request: Fulfillment Request Number";
    pub const PAYMENT_METHOD: &str = "Fulfillment Request: Payment Method";
    pub const SUBTOTAL: &str = "Fulfillment Request: Subtotal";
    pub const TOTAL: &str = "Fulfillment Request: Total";
    pub const TOTAL_DISCOUNT: &str = "Fulfillment Request: Total Discount";
    pub const TOTAL_SHIPPING_COST: &str = "Fulfillment Request: Total Shipping Cost";
    pub const TOTAL_TAX: &str = "Fulfillment Request: Total Tax";
    pub const ITEM_SKU: &str = "FR Item: SKU";
    pub const ITEM_QUANTITY: &str = "FR Item: Quantity";
    pub const ITEM_UNIT_PRICE: &str = "FR Item: Unit Price";
    pub const SHIPPING_METHOD: &str = "Source Shipping Method: Method";
    pub const BILLING_PREFIX: &str = "Billing Address: ";
    pub const SHIPPING_PREFIX: &str = "Shipping Address: ";
}

/// `x` rounded to whole cents (money read from files may carry float noise).
fn cents_value(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn text(s: &str) -> FieldValue {
    if s.is_empty() {
        FieldValue::Empty
    } else {
        FieldValue::Text(s.to_string())
    }
}

/// The Send FRs source record for one line of `fr`: the order's fields (addresses, FR number,
/// payment and shipping method) plus this line's SKU, quantity and unit price, named as in
/// `mapping::fields` (FR_SOURCE). A template maps it to one sale line; the order-level fields are
/// the same on every line of an FR. Billing has no Address Line 3 in the seed, so it is left out.
pub fn fr_source_record(fr: &Fr, item: &FrItem) -> SourceRecord {
    use fields::*;
    let mut r = SourceRecord::with_capacity(2 * FrAddress::FIELDS.len() + 12);
    for (key, label) in FrAddress::FIELDS {
        if key == "address_line_3" {
            continue;
        }
        r.insert(
            format!("{BILLING_PREFIX}{label}"),
            text(fr.billing.field(key).unwrap_or_default()),
        );
    }
    r.insert(CREATED_AT, text(&fr.created_at));
    r.insert(FR_NUMBER, text(&fr.number));
    r.insert(PAYMENT_METHOD, text(&fr.payment_method));
    let money = |x: f64| FieldValue::Number(cents_value(x));
    r.insert(SUBTOTAL, money(fr.items_total()));
    r.insert(TOTAL, money(fr.order_total()));
    r.insert(TOTAL_DISCOUNT, money(fr.discount));
    r.insert(TOTAL_SHIPPING_COST, money(fr.shipping_cost));
    r.insert(TOTAL_TAX, money(fr.tax));
    r.insert(ITEM_SKU, text(&item.sku));
    r.insert(ITEM_QUANTITY, FieldValue::Number(item.quantity));
    r.insert(ITEM_UNIT_PRICE, FieldValue::Number(item.unit_price));
    for (key, label) in FrAddress::FIELDS {
        r.insert(
            format!("{SHIPPING_PREFIX}{label}"),
            text(fr.shipping.field(key).unwrap_or_default()),
        );
    }
    r.insert(SHIPPING_METHOD, text(&fr.shipping_method));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::fields::source_fields;
    use crate::mapping::{FieldKind, Integration};

    #[test]
    fn source_record_names_are_exactly_the_seed_fr_source_fields() {
        let fr = Fr {
            number: "1001".into(),
            ..Fr::default()
        };
        let item = FrItem {
            sku: "DW-R2P".into(),
            quantity: 2.0,
            unit_price: 349.0,
            ..FrItem::default()
        };
        let rec = fr_source_record(&fr, &item);
        let produced: Vec<&str> = rec.iter().map(|(k, _)| k).collect();
        let catalog: Vec<&str> = source_fields(Integration::SendFrs)
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(produced, catalog);
        for f in source_fields(Integration::SendFrs) {
            if f.kind == FieldKind::Number {
                assert!(
                    matches!(rec.value(&f.name), FieldValue::Number(_)),
                    "{}",
                    f.name
                );
            }
        }
        assert_eq!(rec.text(fields::FR_NUMBER), "1001");
    }

    #[test]
    fn rounding_is_half_even_on_the_written_decimals() {
        let r = |v: f64, p: usize| round_half_even(v, p);
        assert_eq!(r(2.00005, 4), (2.0, true));
        assert_eq!(r(2.00015, 4), (2.0002, true));
        assert_eq!(r(2.000051, 4), (2.0001, true));
        assert_eq!(r(1.005, 2), (1.0, true));
        assert_eq!(r(1.015, 2), (1.02, true));
        assert_eq!(r(0.125, 2), (0.12, true));
        assert_eq!(r(9.995, 2), (10.0, true));
        assert_eq!(r(99.999, 2), (100.0, true));
        assert_eq!(r(0.004, 2), (0.0, true));
        assert_eq!(r(19.99, 2), (19.99, false));
        assert_eq!(r(3.0, 4), (3.0, false));
        assert_eq!(r(-1.125, 2), (-1.12, true));
    }

    #[test]
    fn bidi_and_zero_width_characters_are_invisible_formats() {
        for c in [
            '\u{202E}', '\u{2066}', '\u{200E}', '\u{200F}', '\u{200B}', '\u{FEFF}',
        ] {
            assert!(is_invisible_format(c), "{c:?}");
        }
        for c in ['a', '-', '#', 'é', '\u{05D0}'] {
            assert!(!is_invisible_format(c), "{c:?}");
        }
    }

    #[test]
    fn status_names_parse_in_every_spelling() {
        for s in FrStatus::ALL {
            assert_eq!(s.label().parse::<FrStatus>(), Ok(s));
            assert_eq!(s.key().parse::<FrStatus>(), Ok(s));
            assert_eq!(s.key().replace('-', "_").parse::<FrStatus>(), Ok(s));
            assert_eq!(s.label().to_uppercase().parse::<FrStatus>(), Ok(s));
        }
        assert!("shipped".parse::<FrStatus>().is_err());
    }
}
