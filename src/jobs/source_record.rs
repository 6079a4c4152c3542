//! Turns a Lightspeed product row into the seed's "Lightspeed X Series Product" source fields,
//! the input of a mapping template.

use std::collections::HashMap;

use crate::lightspeed::models::{Brand, InventoryRecord, Product, ProductCategory};
use crate::lightspeed::product_row::ProductRow;
use crate::mapping::fields::{option_name_field, option_value_field, source as f};
use crate::mapping::{FieldValue, SourceRecord};
use crate::pool::StockLevels;

/// Names the product row refers to by id.
#[derive(Debug, Default, Clone)]
pub struct Lookups {
    pub brands: HashMap<String, String>,
    /// Category id → its path of names, root first.
    pub categories: HashMap<String, Vec<String>>,
}

impl Lookups {
    pub fn new(brands: &[Brand], categories: &[ProductCategory]) -> Lookups {
        Lookups {
            brands: brands
                .iter()
                .map(|b| (b.id.clone(), b.name.clone()))
                .collect(),
            categories: categories
                .iter()
                .map(|c| {
                    let path = if c.category_path.is_empty() {
                        vec![c.name.clone()]
                    } else {
                        c.category_path.iter().map(|p| p.name.clone()).collect()
                    };
                    (c.id.clone(), path)
                })
                .collect(),
        }
    }
}

fn text(v: Option<String>) -> FieldValue {
    match v {
        Some(s) if !s.is_empty() => FieldValue::Text(s),
        _ => FieldValue::Empty,
    }
}

fn num(v: Option<f64>) -> FieldValue {
    v.map_or(FieldValue::Empty, FieldValue::Number)
}

/// The API's unit codes as the seed's full names (pound, ounce, gram, kilogram).
pub fn weight_unit_name(code: &str) -> String {
    match code.to_ascii_uppercase().as_str() {
        "LB" => "pound".into(),
        "OZ" => "ounce".into(),
        "G" => "gram".into(),
        "KG" => "kilogram".into(),
        "CT" => "carat".into(),
        _ => code.to_string(),
    }
}

pub fn dimension_unit_name(code: &str) -> String {
    match code.to_ascii_uppercase().as_str() {
        "IN" => "inch".into(),
        "CM" => "centimeter".into(),
        "MM" => "millimeter".into(),
        "YD" => "yard".into(),
        _ => code.to_string(),
    }
}

/// `quantity`: the stock to report (sum over outlets or one outlet); `None` when untracked.
pub fn product_record(
    p: &Product,
    quantity: Option<f64>,
    parent_sku: Option<&str>,
    lk: &Lookups,
) -> SourceRecord {
    product_record_taking(&mut ProductRow::from(p.clone()), quantity, parent_sku, lk)
}

/// [`product_record`] that moves the row's descriptive text (brand, categories, description,
/// images, options…) into the record instead of copying it: an import builds one record per
/// product and drops the row right after. What identifies the row (id, SKU, name, parent,
/// flags) is left in place.
pub fn product_record_taking(
    p: &mut ProductRow,
    quantity: Option<f64>,
    parent_sku: Option<&str>,
    lk: &Lookups,
) -> SourceRecord {
    let take = std::mem::take::<String>;
    let mut r = SourceRecord::with_capacity(32);
    let brand = p
        .brand
        .as_mut()
        .map(|b| take(&mut b.name))
        .filter(|n| !n.is_empty())
        .or_else(|| {
            p.brand_id
                .as_ref()
                .and_then(|id| lk.brands.get(id).cloned())
        });
    r.insert(f::BRAND, text(brand));
    let mut path: Vec<String> = match &mut p.product_category {
        Some(c) if !c.category_path.is_empty() => c
            .category_path
            .iter_mut()
            .map(|x| take(&mut x.name))
            .collect(),
        Some(c) => lk
            .categories
            .get(&c.id)
            .cloned()
            .unwrap_or_else(|| vec![take(&mut c.name)]),
        None => Vec::new(),
    };
    path.truncate(3);
    path.resize(3, String::new());
    for (name, value) in [f::CATEGORY_1, f::CATEGORY_2, f::CATEGORY_3]
        .into_iter()
        .zip(path)
    {
        r.insert(name, text(Some(value)));
    }
    r.insert(f::DESCRIPTION, text(p.description.take()));
    r.insert(
        f::DIMENSION_UNIT,
        text(p.dimensions_unit.as_deref().map(dimension_unit_name)),
    );
    r.insert(f::HEIGHT, num(p.height));
    r.insert(f::ID, FieldValue::Text(p.id.clone()));
    r.insert(f::LENGTH, num(p.length));
    r.insert(f::LOYALTY_AMOUNT, num(p.loyalty_amount));
    r.insert(f::NAME, FieldValue::Text(p.name.clone()));
    r.insert(f::PARENT_SKU, text(parent_sku.map(str::to_string)));
    r.insert(
        f::PRICE_EXCLUDING_TAX,
        FieldValue::Number(p.price_excluding_tax),
    );
    r.insert(f::PRICE_INCLUDING_TAX, num(p.price_including_tax));
    r.insert(f::QUANTITY, num(quantity));
    r.insert(f::SKU, FieldValue::Text(p.sku.clone()));
    r.insert(f::SOURCE, text(p.source.take()));
    r.insert(f::SUPPLY_PRICE, num(p.supply_price));
    r.insert(f::VARIANT_NAME, text(p.variant_name.take()));
    r.insert(f::WEIGHT, num(p.weight));
    r.insert(
        f::WEIGHT_UNIT,
        text(p.weight_unit.as_deref().map(weight_unit_name)),
    );
    r.insert(f::WIDTH, num(p.width));
    // Variant images first: they show the variant itself.
    let images: Vec<String> = p
        .sku_images
        .iter_mut()
        .chain(p.images.iter_mut())
        .map(|i| take(&mut i.url))
        .filter(|u| !u.is_empty())
        .collect();
    r.insert(
        f::ALL_IMAGES,
        if images.is_empty() {
            FieldValue::Empty
        } else {
            FieldValue::List(images)
        },
    );
    for (i, o) in p.variant_options.iter_mut().enumerate().take(10) {
        if let (Some(n), Some(v)) = (option_name_field(i + 1), option_value_field(i + 1)) {
            r.insert(n, FieldValue::Text(take(&mut o.name)));
            r.insert(v, FieldValue::Text(take(&mut o.value)));
        }
    }
    r
}

/// A product's stock from its inventory records (as `GET /inventory/{id}` returns them);
/// deleted records are left out.
pub fn stock_levels(records: &[InventoryRecord]) -> StockLevels {
    let mut s = StockLevels::default();
    for r in records.iter().filter(|r| r.deleted_at.is_none()) {
        s.set(&r.outlet_id, Some(r.current_inventory_level));
    }
    s
}

/// The Secondary source record: the seed's "Lightspeed X Series Inventory: Inventory Level".
pub fn inventory_record(sku: &str, product_id: &str, level: Option<f64>) -> SourceRecord {
    let mut r = SourceRecord::with_capacity(3);
    r.insert(f::INVENTORY_LEVEL, num(level));
    r.insert(f::SKU, FieldValue::Text(sku.to_string()));
    r.insert(f::ID, FieldValue::Text(product_id.to_string()));
    r
}
