//! The part of a product row that Get Inventory (Primary) maps. Product pages are most of an
//! import's parsing, and every string parsed is an allocation made on one thread and freed
//! on another; the fields nobody reads (codes, suppliers, tags, timestamps, nested ids…) are
//! skipped unparsed. What is read is read as leniently as [`Product`] reads it.

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::lenient::{f64_or_zero, null_default, opt_f64, version};
use super::models::{Product, VariantOption, Versioned};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProductRow {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    #[serde(deserialize_with = "null_default")]
    pub sku: String,
    #[serde(deserialize_with = "null_default")]
    pub has_inventory: bool,
    #[serde(deserialize_with = "null_default")]
    pub has_variants: bool,
    #[serde(deserialize_with = "f64_or_zero")]
    pub price_excluding_tax: f64,
    #[serde(deserialize_with = "opt_f64")]
    pub price_including_tax: Option<f64>,
    #[serde(deserialize_with = "null_default")]
    pub images: Vec<ImageUrl>,
    #[serde(rename = "skuImages", deserialize_with = "null_default")]
    pub sku_images: Vec<ImageUrl>,
    #[serde(deserialize_with = "null_default")]
    pub variant_options: Vec<VariantOption>,
    #[serde(deserialize_with = "version")]
    pub version: i64,
    pub brand_id: Option<String>,
    pub brand: Option<Named>,
    pub description: Option<String>,
    pub product_category: Option<CategoryRef>,
    pub variant_parent_id: Option<String>,
    pub variant_name: Option<String>,
    #[serde(deserialize_with = "opt_f64")]
    pub supply_price: Option<f64>,
    #[serde(deserialize_with = "opt_f64")]
    pub loyalty_amount: Option<f64>,
    #[serde(deserialize_with = "opt_f64")]
    pub weight: Option<f64>,
    pub weight_unit: Option<String>,
    #[serde(deserialize_with = "opt_f64")]
    pub length: Option<f64>,
    #[serde(deserialize_with = "opt_f64")]
    pub width: Option<f64>,
    #[serde(deserialize_with = "opt_f64")]
    pub height: Option<f64>,
    pub dimensions_unit: Option<String>,
    pub source: Option<String>,
    /// Present and not null on a deleted row; its value is not needed.
    pub deleted_at: Option<IgnoredAny>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ImageUrl {
    #[serde(deserialize_with = "null_default")]
    pub url: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Named {
    #[serde(deserialize_with = "null_default")]
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CategoryRef {
    #[serde(deserialize_with = "null_default")]
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    #[serde(deserialize_with = "null_default")]
    pub category_path: Vec<Named>,
}

impl ProductRow {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// A family parent row carries no stock of its own; its variants do.
    pub fn is_family_parent(&self) -> bool {
        self.has_variants && self.variant_parent_id.is_none()
    }
}

impl Versioned for ProductRow {
    fn version(&self) -> i64 {
        self.version
    }
    fn id(&self) -> &str {
        &self.id
    }
}

/// For the jobs that hold a whole [`Product`] (Secondary's new variants, the engine's sample).
impl From<Product> for ProductRow {
    fn from(p: Product) -> ProductRow {
        let url = |i: super::models::Image| ImageUrl { url: i.url };
        ProductRow {
            id: p.id,
            name: p.name,
            sku: p.sku,
            has_inventory: p.has_inventory,
            has_variants: p.has_variants,
            price_excluding_tax: p.price_excluding_tax,
            price_including_tax: p.price_including_tax,
            images: p.images.into_iter().map(url).collect(),
            sku_images: p.sku_images.into_iter().map(url).collect(),
            variant_options: p.variant_options,
            version: p.version,
            brand_id: p.brand_id,
            brand: p.brand.map(|b| Named { name: b.name }),
            description: p.description,
            product_category: p.product_category.map(|c| CategoryRef {
                id: c.id,
                name: c.name,
                category_path: c
                    .category_path
                    .into_iter()
                    .map(|x| Named { name: x.name })
                    .collect(),
            }),
            variant_parent_id: p.variant_parent_id,
            variant_name: p.variant_name,
            supply_price: p.supply_price,
            loyalty_amount: p.loyalty_amount,
            weight: p.weight,
            weight_unit: p.weight_unit,
            length: p.length,
            width: p.width,
            height: p.height,
            dimensions_unit: p.dimensions_unit,
            source: p.source,
            deleted_at: p.deleted_at.map(|_| IgnoredAny),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::source_record::{product_record, product_record_taking, Lookups};

    /// Reading a row lean gives the same source record as reading the whole product, for
    /// every product of the demo store and for a row with the API's loose forms (numbers as
    /// strings, nulls, a deleted row).
    #[test]
    fn lean_rows_map_exactly_like_whole_products() {
        let mut texts: Vec<String> = crate::sim::fixtures::demo()
            .unwrap()
            .products
            .iter()
            .map(|p| serde_json::to_string(p).unwrap())
            .collect();
        texts.push(
            r#"{"id":"p1","name":null,"sku":"S1","has_inventory":true,"price_excluding_tax":"12.5",
            "price_including_tax":null,"supply_price":"3","weight":"1.25","weight_unit":"lb",
            "images":null,"skuImages":[{"url":null},{"url":"https://x/y.jpg"}],
            "brand":{"id":"b","name":"Acme"},"product_category":{"id":"c","name":"Tents",
            "category_path":null},"variant_options":[{"name":"Size","value":"L"}],
            "version":"42","deleted_at":"2026-01-01T00:00:00Z"}"#
                .to_string(),
        );
        let lk = Lookups::default();
        for text in &texts {
            let whole: Product = serde_json::from_str(text).unwrap();
            let mut lean: ProductRow = serde_json::from_str(text).unwrap();
            assert_eq!(lean.version, whole.version, "{text}");
            assert_eq!(lean.is_deleted(), whole.is_deleted(), "{text}");
            assert_eq!(lean.is_family_parent(), whole.is_family_parent(), "{text}");
            assert_eq!(
                product_record_taking(&mut lean, Some(4.0), Some("P"), &lk),
                product_record(&whole, Some(4.0), Some("P"), &lk),
                "{text}"
            );
        }
        // A field Primary does not read cannot fail its row.
        let odd: ProductRow =
            serde_json::from_str(r#"{"id":"p2","sku":"S2","product_codes":"n/a","tag_ids":7}"#)
                .unwrap();
        assert_eq!(odd.sku, "S2");
    }
}
