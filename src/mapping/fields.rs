//! Field catalogs: which source fields each integration can read and which targets it can write.
//!
//! Names are the user-visible labels from the Flxpoint page we mirror, and are matched exactly (case
//! included) because they are also the keys builders put in [`super::SourceRecord`]s; validation suggests
//! the right spelling when only the case differs.

use std::borrow::Cow;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    Boolean,
    /// A list of texts (image URLs). Only `All Images` and `Images` have it.
    List,
}

impl FieldKind {
    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Boolean => "true/false",
            FieldKind::List => "list",
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Integration {
    Primary,
    Secondary,
    SendFrs,
}

impl Integration {
    pub const ALL: [Integration; 3] = [
        Integration::Primary,
        Integration::Secondary,
        Integration::SendFrs,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Integration::Primary => "Get Inventory [Primary]",
            Integration::Secondary => "Get Inventory [Secondary]",
            Integration::SendFrs => "Send FRs",
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FieldDef {
    pub name: String,
    pub kind: FieldKind,
    /// Only meaningful for targets: validation refuses a template that leaves it unmapped.
    pub required: bool,
}

/// How many option name/value pairs, custom fields and summary fields the pool has.
pub const OPTION_SLOTS: usize = 10;
pub const CUSTOM_FIELD_SLOTS: usize = 100;
pub const SUMMARY_FIELD_SLOTS: usize = 10;
pub const CUSTOMER_CUSTOM_FIELD_SLOTS: usize = 4;

/// Source field names builders put in records, so they need not retype labels.
pub mod source {
    pub const BRAND: &str = "Brand";
    pub const CATEGORY_1: &str = "Category 1";
    pub const CATEGORY_2: &str = "Category 2";
    pub const CATEGORY_3: &str = "Category 3";
    pub const DESCRIPTION: &str = "Description";
    pub const DIMENSION_UNIT: &str = "Dimension Unit";
    pub const HEIGHT: &str = "Height";
    pub const ID: &str = "Id";
    pub const LENGTH: &str = "Length";
    pub const LOYALTY_AMOUNT: &str = "Loyalty Amount";
    pub const NAME: &str = "Name";
    pub const PARENT_SKU: &str = "Parent Sku";
    pub const PRICE_EXCLUDING_TAX: &str = "Price Excluding Tax";
    pub const PRICE_INCLUDING_TAX: &str = "Price Including Tax";
    pub const QUANTITY: &str = "Quantity";
    pub const SKU: &str = "Sku";
    pub const SOURCE: &str = "Source";
    pub const SUPPLY_PRICE: &str = "Supply Price";
    pub const VARIANT_NAME: &str = "Variant Name";
    pub const WEIGHT: &str = "Weight";
    pub const WEIGHT_UNIT: &str = "Weight Unit";
    pub const WIDTH: &str = "Width";
    pub const ALL_IMAGES: &str = "All Images";
    pub const INVENTORY_LEVEL: &str = "Inventory Level";
}

/// A target field's name as pool items and mapped records hold it: the catalog's names are
/// borrowed from its static list, so a million items do not each allocate thirty copies of
/// "Title" and "Option Value 3". Other names (read from older data) are owned.
pub type FieldName = Cow<'static, str>;

static TARGET_NAMES: LazyLock<rustc_hash::FxHashMap<&'static str, &'static str>> =
    LazyLock::new(|| {
        Integration::ALL
            .iter()
            .flat_map(|i| target_fields(*i).iter())
            .map(|f| (f.name.as_str(), f.name.as_str()))
            .collect()
    });

/// `name` as a [`FieldName`], borrowed when it is a target field of any integration.
pub fn field_name(name: &str) -> FieldName {
    match TARGET_NAMES.get(name) {
        Some(s) => Cow::Borrowed(*s),
        None => Cow::Owned(name.to_string()),
    }
}

/// `n` is 1-based; `None` outside 1..=10.
pub fn option_name_field(n: usize) -> Option<&'static str> {
    slot_name(&OPTION_NAMES, n)
}

pub fn option_value_field(n: usize) -> Option<&'static str> {
    slot_name(&OPTION_VALUES, n)
}

fn slot_name(names: &'static [String], n: usize) -> Option<&'static str> {
    n.checked_sub(1)
        .and_then(|i| names.get(i))
        .map(String::as_str)
}

static OPTION_NAMES: LazyLock<Vec<String>> =
    LazyLock::new(|| numbered("Option Name", OPTION_SLOTS));
static OPTION_VALUES: LazyLock<Vec<String>> =
    LazyLock::new(|| numbered("Option Value", OPTION_SLOTS));

fn numbered(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix} {i}")).collect()
}

pub fn source_fields(integration: Integration) -> &'static [FieldDef] {
    match integration {
        Integration::Primary => &PRIMARY_SOURCE,
        Integration::Secondary => &SECONDARY_SOURCE,
        Integration::SendFrs => &FR_SOURCE,
    }
}

pub fn target_fields(integration: Integration) -> &'static [FieldDef] {
    match integration {
        Integration::Primary => &PRIMARY_TARGET,
        Integration::Secondary => &SECONDARY_TARGET,
        Integration::SendFrs => &FR_TARGET,
    }
}

pub fn source_field(integration: Integration, name: &str) -> Option<&'static FieldDef> {
    source_fields(integration).iter().find(|f| f.name == name)
}

pub fn target_field(integration: Integration, name: &str) -> Option<&'static FieldDef> {
    target_fields(integration).iter().find(|f| f.name == name)
}

use FieldKind::{List as L, Number as N, Text as T};

fn def(name: impl Into<String>, kind: FieldKind) -> FieldDef {
    FieldDef {
        name: name.into(),
        kind,
        required: false,
    }
}

fn req(name: impl Into<String>, kind: FieldKind) -> FieldDef {
    FieldDef {
        required: true,
        ..def(name, kind)
    }
}

fn slots(out: &mut Vec<FieldDef>, prefix: &str, n: usize, kind: FieldKind) {
    out.extend((1..=n).map(|i| def(format!("{prefix} {i}"), kind)));
}

static PRIMARY_SOURCE: LazyLock<Vec<FieldDef>> = LazyLock::new(|| {
    use source::*;
    let mut v = vec![
        def(BRAND, T),
        def(CATEGORY_1, T),
        def(CATEGORY_2, T),
        def(CATEGORY_3, T),
        def(DESCRIPTION, T),
        def(DIMENSION_UNIT, T),
        def(HEIGHT, N),
        def(ID, T),
        def(LENGTH, N),
        def(LOYALTY_AMOUNT, N),
        def(NAME, T),
        def(PARENT_SKU, T),
        def(PRICE_EXCLUDING_TAX, N),
        def(PRICE_INCLUDING_TAX, N),
        def(QUANTITY, N),
        def(SKU, T),
        def(SOURCE, T),
        def(SUPPLY_PRICE, N),
        def(VARIANT_NAME, T),
        def(WEIGHT, N),
        def(WEIGHT_UNIT, T),
        def(WIDTH, N),
        def(ALL_IMAGES, L),
    ];
    slots(&mut v, "Option Name", OPTION_SLOTS, T);
    slots(&mut v, "Option Value", OPTION_SLOTS, T);
    v
});

// Secondary only refreshes variant quantities; the records it builds carry the level and the keys used
// to find the variant. Offering catalog fields here would let a template read fields the job never fills
// and blank the stored quantity on every run.
static SECONDARY_SOURCE: LazyLock<Vec<FieldDef>> = LazyLock::new(|| {
    vec![
        def(source::INVENTORY_LEVEL, N),
        def(source::SKU, T),
        def(source::ID, T),
    ]
});

static PRIMARY_TARGET: LazyLock<Vec<FieldDef>> = LazyLock::new(|| {
    let mut v = vec![
        req("SKU", T),
        req("Title", T),
        def("Description", T),
        def("Brand", T),
        def("Cost", N),
        def("MSRP", N),
        def("Quantity", N),
        def("Weight", N),
        def("Weight Unit", T),
        def("Height", N),
        def("Length", N),
        def("Width", N),
        def("Images", L),
        def("Primary Category", T),
        def("Sub Category", T),
        def("Parent SKU", T),
    ];
    slots(&mut v, "Option Name", OPTION_SLOTS, T);
    slots(&mut v, "Option Value", OPTION_SLOTS, T);
    slots(&mut v, "Custom Field", CUSTOM_FIELD_SLOTS, T);
    slots(&mut v, "Summary Field", SUMMARY_FIELD_SLOTS, T);
    v
});

// Catalog-level fields belong to Primary (the seed lists them as "Not Supported" here).
static SECONDARY_TARGET: LazyLock<Vec<FieldDef>> = LazyLock::new(|| vec![req("Quantity", N)]);

const ADDRESS_FIELDS: [&str; 13] = [
    "Address Line 1",
    "Address Line 2",
    "City",
    "Company Name",
    "Country",
    "Country Code",
    "Email",
    "First Name",
    "Full Name",
    "Last Name",
    "Phone",
    "Postal Code",
    "State",
];

static FR_SOURCE: LazyLock<Vec<FieldDef>> = LazyLock::new(|| {
    let mut v: Vec<FieldDef> = ADDRESS_FIELDS
        .iter()
        .map(|f| def(format!("Billing Address: {f}"), T))
        .collect();
    v.extend([
        // Order-level values (the same on every line of an FR).
        def("Fulfillment Request: Created At", T),
        def("Fulfillment Request: Fulfillment Request Number", T),
        def("Fulfillment Request: Payment Method", T),
        def("Fulfillment Request: Subtotal", N),
        def("Fulfillment Request: Total", N),
        def("Fulfillment Request: Total Discount", N),
        def("Fulfillment Request: Total Shipping Cost", N),
        def("Fulfillment Request: Total Tax", N),
        def("FR Item: SKU", T),
        def("FR Item: Quantity", N),
        def("FR Item: Unit Price", N),
    ]);
    // Shipping has a third address line that billing lacks; keep the seed's alphabetical order.
    for f in ADDRESS_FIELDS {
        v.push(def(format!("Shipping Address: {f}"), T));
        if f == "Address Line 2" {
            v.push(def("Shipping Address: Address Line 3", T));
        }
    }
    v.push(def("Source Shipping Method: Method", T));
    v
});

static FR_TARGET: LazyLock<Vec<FieldDef>> = LazyLock::new(|| {
    let mut v = vec![
        req("Customer: First Name", T),
        req("Customer: Last Name", T),
        def("Customer: Email", T),
        def("Customer: Phone", T),
        def("Customer: Company Name", T),
        req("Customer: Physical Address 1", T),
        def("Customer: Physical Address 2", T),
        req("Customer: Physical City", T),
        req("Customer: Physical State", T),
        req("Customer: Physical Postcode", T),
        req("Customer: Physical Country Id", T),
    ];
    slots(
        &mut v,
        "Customer: Custom Field",
        CUSTOMER_CUSTOM_FIELD_SLOTS,
        T,
    );
    v.extend([
        def("Register Sale: Note", T),
        def("Register Sale: Source Id", T),
        def("Register Sale: Status", T),
        req("Register Sale Item: Price", N),
        req("Register Sale Item: Quantity", N),
        def("Register Sale Item: Tax", N),
        def("Adjustments: Total Discount", N),
        def("Adjustments: Total Shipping Cost", N),
        def("Adjustments: Total Tax", N),
    ]);
    v
});
