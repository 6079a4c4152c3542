//! `synthetic:N[:seed]`: a deterministic store of N product rows for tests and benchmarks
//! (up to millions). Roughly half the rows belong to variant families; every stocked row
//! has one inventory record per outlet.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use uuid::Uuid;

use super::state::{round2, Seed};
use crate::lightspeed::models::{
    CategoryPathItem, Image, InventoryRecord, NamedRef, Product, ProductCategory, ProductCode,
    VariantOption,
};

const NS: Uuid = Uuid::from_u128(0x6c73_6272_6964_6765_0000_0000_0000_0001);

fn id(kind: &str, n: u64) -> String {
    Uuid::new_v5(&NS, format!("{kind}:{n}").as_bytes()).to_string()
}

const STAMP: &str = "2026-01-15T12:00:00+00:00";

pub const OUTLETS: usize = 3;
const BRANDS: &[&str] = &[
    "Northwind",
    "Summit Gear",
    "Harbor Co",
    "Pinecrest",
    "Riverstone",
    "Alder & Ash",
    "Blue Ridge",
    "Cedar Point",
    "Driftwood",
    "Evergreen",
    "Foxglove",
    "Granite Peak",
];
const ROOTS: &[(&str, &[&str])] = &[
    ("Apparel", &["Tops", "Bottoms", "Outerwear"]),
    ("Footwear", &["Boots", "Sneakers"]),
    ("Camping", &["Tents", "Sleeping", "Cookware"]),
    ("Accessories", &["Bags", "Hats", "Bottles"]),
];
const COLORS: &[&str] = &["Black", "Navy", "Olive", "Rust", "Sand", "Slate"];
const SIZES: &[&str] = &["XS", "S", "M", "L", "XL", "XXL"];
const NOUNS: &[&str] = &[
    "Tee", "Hoodie", "Jacket", "Pant", "Short", "Boot", "Sneaker", "Tent", "Quilt", "Pot", "Pack",
    "Cap", "Bottle", "Glove", "Sock", "Vest",
];
const ADJ: &[&str] = &[
    "Trail", "Alpine", "Coastal", "Urban", "Ridge", "Canyon", "Harbor", "Meadow", "Glacier",
    "Prairie",
];

pub fn reference_data(registers: usize) -> Seed {
    let tax_id = id("tax", 1);
    let no_tax = id("tax", 0);
    let outlets = (0..OUTLETS)
        .map(|i| {
            json!({
                "id": id("outlet", i as u64), "name": format!("Outlet {}", i + 1),
                "currency": "USD", "currency_symbol": "$", "default_tax_id": tax_id,
                "display_prices": "exclusive", "time_zone": "America/New_York",
                "attributes": [], "physical_city": "Portland", "physical_country_id": "US",
                "physical_state": "OR", "physical_postcode": "97201", "version": 0
            })
        })
        .collect();
    let registers = (0..registers.max(1))
        .map(|i| {
            json!({
                "id": id("register", i as u64), "name": format!("Register {}", i + 1),
                "outlet_id": id("outlet", (i % OUTLETS) as u64), "is_open": true,
                "invoice_prefix": format!("R{}-", i + 1), "invoice_sequence": 1000,
                "invoice_suffix": "", "ask_for_note_on_save": 0, "ask_for_user_on_sale": false,
                "email_receipt": false, "print_receipt": true, "print_note_on_receipt": false,
                "show_discounts_on_receipts": true, "receipt_template_id": id("receipt", 0),
                "version": 0
            })
        })
        .collect();
    let users = vec![json!({
        "id": id("user", 0), "username": "owner@example.com", "display_name": "Store Owner",
        "email": "owner@example.com", "account_type": "admin", "is_primary_user": true,
        "created_at": STAMP, "updated_at": STAMP, "restricted_outlet_ids": [], "version": 0
    })];
    let taxes = vec![
        json!({"id": no_tax, "name": "No Tax", "display_name": "No Tax", "is_default": false,
               "deleted_at": null, "rates": [{"id": id("rate", 0), "name": "No Tax", "display_name": "No Tax", "rate": 0.0}], "version": 0}),
        json!({"id": tax_id, "name": "Sales Tax", "display_name": "Sales Tax", "is_default": true,
               "deleted_at": null, "rates": [{"id": id("rate", 1), "name": "Sales Tax", "display_name": "Sales Tax", "rate": 0.08875}], "version": 0}),
    ];
    let payment_types = vec![
        json!({"id": id("pay", 0), "name": "Cash", "type_id": 1, "disabled": false, "internal": false, "version": 0}),
        json!({"id": id("pay", 1), "name": "Web Order", "type_id": 3, "disabled": false, "internal": false, "version": 0}),
    ];
    let brands = BRANDS
        .iter()
        .enumerate()
        .map(|(i, b)| json!({"id": id("brand", i as u64), "name": b, "deleted_at": null, "version": 0}))
        .collect();
    let mut categories = Vec::new();
    for (ri, (root, kids)) in ROOTS.iter().enumerate() {
        let rid = id("cat", ri as u64 * 100);
        categories.push(json!({
            "id": rid, "name": root, "root_category_id": rid, "leaf_category": false,
            "category_path": [{"id": rid, "name": root}]
        }));
        for (ki, kid) in kids.iter().enumerate() {
            let kid_id = id("cat", ri as u64 * 100 + ki as u64 + 1);
            categories.push(json!({
                "id": kid_id, "name": kid, "parent_category_id": rid, "root_category_id": rid,
                "leaf_category": true,
                "category_path": [{"id": rid, "name": root}, {"id": kid_id, "name": kid}]
            }));
        }
    }
    Seed {
        retailer: json!({
            "id": id("retailer", 0), "name": "Synthetic Outfitters", "domain_prefix": "synthetic",
            "currency": {"code": "USD", "symbol": "$"}, "timezone": "America/New_York",
            "tax_exclusive": true, "country": "US", "culture": "en-US", "version": "1"
        }),
        outlets,
        registers,
        users,
        taxes,
        payment_types,
        brands,
        categories,
        ..Seed::default()
    }
}

fn leaf_categories() -> Vec<ProductCategory> {
    let mut out = Vec::new();
    for (ri, (root, kids)) in ROOTS.iter().enumerate() {
        let rid = id("cat", ri as u64 * 100);
        for (ki, kid) in kids.iter().enumerate() {
            let kid_id = id("cat", ri as u64 * 100 + ki as u64 + 1);
            out.push(ProductCategory {
                id: kid_id.clone(),
                name: kid.to_string(),
                parent_category_id: Some(rid.clone()),
                root_category_id: Some(rid.clone()),
                leaf_category: Some(true),
                category_path: vec![
                    CategoryPathItem {
                        id: rid.clone(),
                        name: root.to_string(),
                    },
                    CategoryPathItem {
                        id: kid_id,
                        name: kid.to_string(),
                    },
                ],
            });
        }
    }
    out
}

/// A store with `n` product rows.
pub fn generate(n: u64, seed: u64, registers: usize) -> Seed {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut s = reference_data(registers);
    let leaves = leaf_categories();
    let outlets: Vec<String> = (0..OUTLETS).map(|i| id("outlet", i as u64)).collect();
    s.products.reserve(n as usize);
    s.inventory.reserve(n as usize * OUTLETS);
    let mut row = 0u64;
    let mut family = 0u64;
    while row < n {
        family += 1;
        let brand_i = rng.gen_range(0..BRANDS.len());
        let cat = &leaves[rng.gen_range(0..leaves.len())];
        let name = format!(
            "{} {} {}",
            ADJ[rng.gen_range(0..ADJ.len())],
            NOUNS[rng.gen_range(0..NOUNS.len())],
            family
        );
        let price = round2(rng.gen_range(8.0..250.0));
        let base = Product {
            name: name.clone(),
            handle: format!("fam-{family}"),
            active: true,
            has_inventory: true,
            price_excluding_tax: price,
            price_including_tax: Some(round2(price * 1.08875)),
            supply_price: Some(round2(price * 0.45)),
            brand_id: Some(id("brand", brand_i as u64)),
            brand: Some(NamedRef {
                id: id("brand", brand_i as u64),
                name: BRANDS[brand_i].to_string(),
                ..NamedRef::default()
            }),
            product_category: Some(cat.clone()),
            description: Some(format!("<p>{name}: built for the outdoors.</p>")),
            weight: Some(round2(rng.gen_range(0.1..12.0))),
            weight_unit: Some(["LB", "OZ", "KG", "G"][rng.gen_range(0..4)].to_string()),
            length: Some(round2(rng.gen_range(1.0..40.0))),
            width: Some(round2(rng.gen_range(1.0..30.0))),
            height: Some(round2(rng.gen_range(0.5..20.0))),
            dimensions_unit: Some(["IN", "CM", "MM"][rng.gen_range(0..3)].to_string()),
            loyalty_amount: None,
            source: Some("USER".into()),
            created_at: Some(STAMP.into()),
            updated_at: Some(STAMP.into()),
            ..Product::default()
        };
        let variants = if n - row >= 4 && rng.gen_bool(0.3) {
            rng.gen_range(2..=6u64).min(n - row - 1)
        } else {
            0
        };
        let parent_id = id("product", row);
        let image = |pid: &str, k: u64| Image {
            id: id("image", k),
            url: format!("https://images.example.com/synthetic/{pid}.jpg"),
            version: 1,
            sizes: None,
        };
        if variants == 0 {
            let mut p = base.clone();
            p.id = parent_id.clone();
            p.family_id = Some(parent_id.clone());
            p.sku = format!("SYN-{row:07}");
            p.images = vec![image(&parent_id, row)];
            p.image_url = Some(p.images[0].url.clone());
            p.product_codes = vec![ProductCode {
                id: id("code", row),
                code: p.sku.clone(),
                kind: Some("CUSTOM".into()),
            }];
            push_stock(&mut s, &mut rng, &p, &outlets);
            s.products.push(p);
            row += 1;
            continue;
        }
        let mut parent = base.clone();
        parent.id = parent_id.clone();
        parent.family_id = Some(parent_id.clone());
        parent.sku = format!("SYN-{row:07}");
        parent.has_variants = true;
        parent.variant_count = Some(variants as i64);
        parent.images = vec![image(&parent_id, row)];
        s.products.push(parent);
        row += 1;
        for k in 0..variants {
            let vid = id("product", row);
            let color = COLORS[(k as usize) % COLORS.len()];
            let size = SIZES[(k as usize) % SIZES.len()];
            let mut v = base.clone();
            v.id = vid.clone();
            v.family_id = Some(parent_id.clone());
            v.variant_parent_id = Some(parent_id.clone());
            v.sku = format!("SYN-{row:07}");
            v.variant_name = Some(format!("{name} / {color} / {size}"));
            v.variant_options = vec![
                VariantOption {
                    id: None,
                    name: "Color".into(),
                    value: color.into(),
                },
                VariantOption {
                    id: None,
                    name: "Size".into(),
                    value: size.into(),
                },
            ];
            v.sku_images = vec![image(&vid, row)];
            push_stock(&mut s, &mut rng, &v, &outlets);
            s.products.push(v);
            row += 1;
        }
    }
    s
}

fn push_stock(s: &mut Seed, rng: &mut ChaCha8Rng, p: &Product, outlets: &[String]) {
    for o in outlets {
        s.inventory.push(InventoryRecord {
            id: Uuid::new_v5(&NS, format!("inv:{}:{o}", p.id).as_bytes()).to_string(),
            product_id: p.id.clone(),
            outlet_id: o.clone(),
            current_inventory_level: rng.gen_range(0..80) as f64,
            quantity_to_procure: 0.0,
            reorder_point: Some(5.0),
            reorder_amount: Some(20.0),
            reorder_method: Some("FIXED".into()),
            ..InventoryRecord::default()
        });
    }
}

/// Keeps `Value` in the public signature readable for callers that only want the count.
pub fn describe(seed: &Seed) -> Value {
    json!({"products": seed.products.len(), "inventory": seed.inventory.len()})
}
