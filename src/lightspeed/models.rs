//! Typed shapes of the X-Series 2026-07 API, shared by the client (reading) and the
//! simulator (writing). Reading tolerates unknown fields, missing optional fields and
//! nulls; writing emits every field the spec marks required and omits absent optional
//! ones (never `null` where the spec does not allow it).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient::{f64_or_zero, null_default, one_record, opt_f64, opt_version, version};

/// Anything listed by version cursor. Versions are the spec's int64: negative ones are
/// allowed, and every comparison is signed.
pub trait Versioned {
    fn version(&self) -> i64;
    fn id(&self) -> &str;
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRange {
    #[serde(default, deserialize_with = "opt_version")]
    pub min: Option<i64>,
    #[serde(default, deserialize_with = "opt_version")]
    pub max: Option<i64>,
}

/// `{data:[…], version:{min,max}}` — the envelope of every version-cursor list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Collection<T> {
    #[serde(default = "Vec::new", deserialize_with = "null_default")]
    pub data: Vec<T>,
    #[serde(default)]
    pub version: Option<VersionRange>,
}

/// `{data: T}`. The spec's own examples for some single-record answers (`GET /users/{id}`,
/// `GET /user`) wrap the record in an array, so a one-element array is read as its element;
/// an empty or longer array is an error that names the field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Single<T> {
    #[serde(deserialize_with = "one_record")]
    pub data: T,
}

macro_rules! versioned {
    ($t:ty) => {
        impl Versioned for $t {
            fn version(&self) -> i64 {
                self.version
            }
            fn id(&self) -> &str {
                &self.id
            }
        }
    };
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Image {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub url: String,
    #[serde(deserialize_with = "version")]
    pub version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sizes: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VariantOption {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    #[serde(deserialize_with = "null_default")]
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NamedRef {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_version"
    )]
    pub version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductCode {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub code: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CategoryPathItem {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductCategory {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_category_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_category_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaf_category: Option<bool>,
    #[serde(deserialize_with = "null_default")]
    pub category_path: Vec<CategoryPathItem>,
}

/// A product row. Each variant is its own row linked by `variant_parent_id`/`family_id`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Product {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    #[serde(deserialize_with = "null_default")]
    pub handle: String,
    #[serde(deserialize_with = "null_default")]
    pub sku: String,
    #[serde(deserialize_with = "null_default")]
    pub active: bool,
    #[serde(deserialize_with = "null_default")]
    pub has_inventory: bool,
    #[serde(deserialize_with = "null_default")]
    pub has_variants: bool,
    #[serde(deserialize_with = "null_default")]
    pub is_composite: bool,
    #[serde(deserialize_with = "f64_or_zero")]
    pub price_excluding_tax: f64,
    /// Required by the spec but nullable.
    #[serde(deserialize_with = "opt_f64")]
    pub price_including_tax: Option<f64>,
    #[serde(deserialize_with = "null_default")]
    pub attributes: Vec<Value>,
    #[serde(deserialize_with = "null_default")]
    pub categories: Vec<NamedRef>,
    #[serde(deserialize_with = "null_default")]
    pub customizations: Vec<Value>,
    #[serde(deserialize_with = "null_default")]
    pub images: Vec<Image>,
    #[serde(rename = "skuImages", deserialize_with = "null_default")]
    pub sku_images: Vec<Image>,
    #[serde(deserialize_with = "null_default")]
    pub packaging: Map<String, Value>,
    #[serde(deserialize_with = "null_default")]
    pub product_codes: Vec<ProductCode>,
    #[serde(deserialize_with = "null_default")]
    pub product_suppliers: Vec<Value>,
    #[serde(deserialize_with = "null_default")]
    pub tag_ids: Vec<String>,
    #[serde(deserialize_with = "null_default")]
    pub variant_options: Vec<VariantOption>,
    #[serde(deserialize_with = "version")]
    pub version: i64,

    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<NamedRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_category: Option<ProductCategory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant_parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "opt_f64")]
    pub supply_price: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "opt_f64")]
    pub loyalty_amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "opt_f64")]
    pub weight: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "opt_f64")]
    pub length: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "opt_f64")]
    pub width: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "opt_f64")]
    pub height: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimensions_unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Value>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub product_type: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_thumbnail_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
}
versioned!(Product);

impl Product {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
    /// Whether `sku` names this product: its SKU or one of its product codes, trimmed and
    /// compared without case. `GET /products?sku=` matches "one of its SKUs", so a store may
    /// answer with products found by code, and nothing stops it adding others.
    pub fn answers_to_sku(&self, sku: &str) -> bool {
        let want = sku.trim();
        !want.is_empty()
            && (self.sku.trim().eq_ignore_ascii_case(want)
                || self
                    .product_codes
                    .iter()
                    .any(|c| c.code.trim().eq_ignore_ascii_case(want)))
    }
    /// A family parent row carries no stock of its own; its variants do.
    pub fn is_family_parent(&self) -> bool {
        self.has_variants && self.variant_parent_id.is_none()
    }
}

/// One inventory record per (product, outlet).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InventoryRecord {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub product_id: String,
    #[serde(deserialize_with = "null_default")]
    pub outlet_id: String,
    #[serde(deserialize_with = "f64_or_zero")]
    pub current_inventory_level: f64,
    #[serde(deserialize_with = "f64_or_zero")]
    pub quantity_to_procure: f64,
    #[serde(deserialize_with = "opt_f64")]
    pub average_cost: Option<f64>,
    #[serde(deserialize_with = "opt_f64")]
    pub reorder_amount: Option<f64>,
    pub reorder_method: Option<String>,
    #[serde(deserialize_with = "opt_f64")]
    pub reorder_point: Option<f64>,
    #[serde(deserialize_with = "opt_f64")]
    pub reorder_target: Option<f64>,
    pub deleted_at: Option<String>,
    #[serde(deserialize_with = "version")]
    pub version: i64,
}
versioned!(InventoryRecord);

/// The fields of an [`InventoryRecord`] a stock read needs; the others are skipped unparsed.
#[derive(Debug, Deserialize)]
pub struct StockRecord {
    #[serde(deserialize_with = "null_default")]
    pub product_id: String,
    #[serde(deserialize_with = "null_default")]
    pub outlet_id: String,
    #[serde(default, deserialize_with = "f64_or_zero")]
    pub current_inventory_level: f64,
    /// Present and not null on a deleted product's record; its value is not needed.
    #[serde(default)]
    pub deleted_at: Option<serde::de::IgnoredAny>,
    #[serde(default, deserialize_with = "version")]
    pub version: i64,
}

impl StockRecord {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// A stock record has no id of its own here (it is not read); its product's stands in.
impl Versioned for StockRecord {
    fn version(&self) -> i64 {
        self.version
    }
    fn id(&self) -> &str {
        &self.product_id
    }
}

/// Body of `POST /inventory` (a read, done by POST).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InventoryRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_direction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_deleted: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Outlet {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    pub time_zone: Option<String>,
    pub currency: Option<String>,
    pub deleted_at: Option<String>,
    #[serde(deserialize_with = "version")]
    pub version: i64,
}
versioned!(Outlet);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Register {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    #[serde(deserialize_with = "null_default")]
    pub outlet_id: String,
    #[serde(deserialize_with = "null_default")]
    pub is_open: bool,
    pub deleted_at: Option<String>,
    #[serde(deserialize_with = "version")]
    pub version: i64,
}
versioned!(Register);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub account_type: String,
    pub deleted_at: Option<String>,
    #[serde(deserialize_with = "version")]
    pub version: i64,
}
versioned!(User);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxRate {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    #[serde(deserialize_with = "f64_or_zero")]
    pub rate: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tax {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    #[serde(deserialize_with = "null_default")]
    pub display_name: String,
    #[serde(deserialize_with = "null_default")]
    pub is_default: bool,
    #[serde(deserialize_with = "null_default")]
    pub rates: Vec<TaxRate>,
    pub deleted_at: Option<String>,
    #[serde(deserialize_with = "version")]
    pub version: i64,
}
versioned!(Tax);

impl Tax {
    /// Sum of component rates (0.08875 = 8.875 %).
    pub fn rate(&self) -> f64 {
        self.rates.iter().map(|r| r.rate).sum()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentType {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    #[serde(deserialize_with = "null_default")]
    pub disabled: bool,
    pub deleted_at: Option<String>,
    #[serde(deserialize_with = "version")]
    pub version: i64,
}
versioned!(PaymentType);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Brand {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    pub deleted_at: Option<String>,
    #[serde(deserialize_with = "version")]
    pub version: i64,
}
versioned!(Brand);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Retailer {
    pub id: Option<String>,
    pub name: Option<String>,
    pub domain_prefix: Option<String>,
    pub timezone: Option<String>,
    pub tax_exclusive: Option<bool>,
    /// "The default discount product used for sale-level discounts."
    pub discount_product_id: Option<String>,
    /// "The default 0% rate tax used for tax-free line items."
    pub no_tax_group_id: Option<String>,
}

/// `GET /product_categories` answers `{data:{categories:[…]}, page_info:{has_next,last_seen}}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CategoryPage {
    pub data: CategoryData,
    pub page_info: PageInfo,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CategoryData {
    #[serde(deserialize_with = "null_default")]
    pub categories: Vec<ProductCategory>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PageInfo {
    #[serde(deserialize_with = "null_default")]
    pub has_next: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
}

/// Customer fields we read and write (the subset the Send FRs template maps).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Customer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_address_1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_address_2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_postcode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_country_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_field_1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_field_2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_field_3: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_field_4: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_version"
    )]
    pub version: Option<i64>,
}

impl Customer {
    /// Whether this customer's email is `email` (trimmed, without case). A customer with no
    /// email, or with another, is never taken for the one asked for.
    pub fn has_email(&self, email: &str) -> bool {
        let want = email.trim();
        !want.is_empty()
            && self
                .email
                .as_deref()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case(want))
    }
}

/// Body of `POST /sales` / `PUT /sales/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SaleRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub source: SaleSource,
    pub state: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    #[serde(default)]
    pub line_items: Vec<SaleLineItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<SalePayment>,
    /// Sale-level adjustments (the order's discount).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<SalePricing>,
    /// Where a delivery is shipped (DISPATCH) or that it is picked up (PICKUP).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fulfillment_details: Vec<FulfillmentDetail>,
}

/// The spec's `SalePricing`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SalePricing {
    #[serde(default)]
    pub adjustments: Vec<SaleAdjustment>,
}

/// The spec's `SaleAdjustment`: `type` is DISCOUNT, NON_CASH_FEE or TIP.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SaleAdjustment {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<AdjustmentAmount>,
}

/// The spec's `AdjustmentAmount`: `type` FIXED or PERCENT, `value` a decimal string.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdjustmentAmount {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// The spec's `FulfillmentDetail`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FulfillmentDetail {
    /// DISPATCH or PICKUP.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A customer address (`/customers/{id}/addresses`, the spec's `CustomerAddressBase` and
/// response). The id is an integer in the spec.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerAddress {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    /// BILLING or SHIPPING.
    #[serde(rename = "type")]
    pub kind: String,
    pub address_line_1: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line_2: Option<String>,
    pub city: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_code: Option<String>,
    pub postcode: String,
    pub country_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suburb: Option<String>,
}

impl CustomerAddress {
    /// The id as the sale's `shipping_address_id` (a string there).
    pub fn id_text(&self) -> Option<String> {
        match &self.id {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SaleSource {
    pub author_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdRef {
    pub id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SaleLineItem {
    pub product: IdRef,
    #[serde(deserialize_with = "f64_or_zero")]
    pub quantity: f64,
    pub pricing: LinePricing,
    pub tax: LineTax,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinePricing {
    /// Unit price.
    #[serde(deserialize_with = "f64_or_zero")]
    pub price: f64,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_f64"
    )]
    pub discount: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_f64"
    )]
    pub cost: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LineTax {
    /// A Tax id ("No Tax" for tax-free lines), not a rate id.
    pub id: String,
    /// Unit tax.
    #[serde(deserialize_with = "f64_or_zero")]
    pub amount: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SalePayment {
    #[serde(deserialize_with = "f64_or_zero")]
    pub amount: f64,
    #[serde(rename = "type")]
    pub kind: PaymentTypeRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentTypeRef {
    pub config_id: String,
}

/// The parts of a returned sale the engine uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Sale {
    pub id: String,
    pub state: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub attributes: Vec<String>,
    pub invoice_number: Option<String>,
    pub customer_id: Option<String>,
    pub note: Option<String>,
    pub created_at: Option<String>,
    pub deleted_at: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub line_items: Vec<Value>,
    pub totals: Option<Value>,
    pub source: Option<Value>,
}

impl Sale {
    /// `source.id`: the external reference the sale was created with (the FR number).
    pub fn source_id(&self) -> Option<&str> {
        self.source.as_ref()?.get("id")?.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sku_names_a_product_by_sku_or_code_only() {
        let p = Product {
            sku: "HP-MUG".into(),
            product_codes: vec![ProductCode {
                code: " 0840120 ".into(),
                ..ProductCode::default()
            }],
            ..Product::default()
        };
        assert!(p.answers_to_sku(" hp-mug "));
        assert!(p.answers_to_sku("0840120"));
        assert!(!p.answers_to_sku("HP-MUG-2"));
        assert!(!p.answers_to_sku("HP"));
        assert!(!p.answers_to_sku(""));
        assert!(!Product::default().answers_to_sku(" "));
    }

    #[test]
    fn a_customer_is_matched_on_the_whole_email() {
        let c = Customer {
            email: Some(" Ada@Example.com".into()),
            ..Customer::default()
        };
        assert!(c.has_email("ada@example.com "));
        assert!(!c.has_email("ada@example.co"));
        assert!(!c.has_email("da@example.com"));
        assert!(!c.has_email(""));
        assert!(!Customer::default().has_email("ada@example.com"));
    }

    #[test]
    fn a_sale_reads_its_source_reference() {
        let s: Sale =
            serde_json::from_str(r#"{"id":"x","source":{"id":"WEB-1","type":"lsbridge"}}"#)
                .unwrap();
        assert_eq!(s.source_id(), Some("WEB-1"));
        let s: Sale = serde_json::from_str(r#"{"id":"x","source":null}"#).unwrap();
        assert_eq!(s.source_id(), None);
        let s: Sale = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!((s.id.as_str(), s.source_id()), ("", None));
    }
}
