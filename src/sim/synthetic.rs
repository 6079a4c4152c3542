//! `synthetic:N[:seed]`: a deterministic store of N product rows for tests and benchmarks
//! (up to millions). Roughly half the rows belong to variant families; every stocked row
//! has one inventory record per outlet.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::sync::OnceLock;

use uuid::Uuid;

use super::state::{round2, Seed};
use super::table::Base;
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

/// What a family's rows share, drawn once from the generator's stream.
struct Family {
    /// Its parent's (or its one product's) row.
    first_row: u32,
    /// Variant rows after the parent; 0 for a simple product.
    variants: u8,
    brand: u8,
    category: u8,
    adjective: u8,
    noun: u8,
    weight_unit: u8,
    dimensions_unit: u8,
    price: f64,
    weight: f64,
    length: f64,
    width: f64,
    height: f64,
}

/// No stock rows: a family parent.
const NO_STOCK: u32 = u32::MAX;

/// `synthetic:N` as compact tables: each family's draws, each row's family and versions,
/// each stock level as a byte, and the ids sorted as 16 bytes for lookups. Rows are made
/// when served (see [`Base`]), so a million products take about 150 MB instead of several
/// GB, and start in seconds.
pub struct Synthetic {
    outlets: Vec<String>,
    leaves: Vec<ProductCategory>,
    families: Vec<Family>,
    /// Per product row: its family.
    family_of: Vec<u32>,
    /// Per product row: its first inventory record ÷ [`OUTLETS`], or [`NO_STOCK`].
    stock_of: Vec<u32>,
    /// Per group of [`OUTLETS`] inventory records: its product row.
    stock_row: Vec<u32>,
    /// Per inventory record: its level (drawn below 80).
    levels: Vec<u8>,
    product_versions: Vec<u64>,
    inventory_versions: Vec<u64>,
    /// (id, row), sorted. Bytes, not `u128`, whose alignment would pad each entry to 32.
    product_ids: Vec<([u8; 16], u32)>,
    /// Built when first asked for (a stock change): three ids per product to hash.
    inventory_ids: OnceLock<Vec<([u8; 16], u32)>>,
}

impl std::fmt::Debug for Synthetic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synthetic")
            .field("products", &self.family_of.len())
            .field("inventory", &self.levels.len())
            .finish()
    }
}

fn uuid_v5(name: &str) -> Uuid {
    Uuid::new_v5(&NS, name.as_bytes())
}

/// A lowercase hyphenated UUID (the only spelling the store's ids have), as bytes.
fn id_bytes(s: &str) -> Option<[u8; 16]> {
    if s.len() != 36 || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Uuid::try_parse(s).ok().map(|u| *u.as_bytes())
}

fn find_in(index: &[([u8; 16], u32)], id: &str) -> Option<usize> {
    let key = id_bytes(id)?;
    index
        .binary_search_by(|(k, _)| k.cmp(&key))
        .ok()
        .map(|i| index[i].1 as usize)
}

fn inventory_id(product_id: &str, outlet_id: &str) -> String {
    uuid_v5(&format!("inv:{product_id}:{outlet_id}")).to_string()
}

impl Synthetic {
    /// A store with `n` product rows; versions are set by [`Synthetic::set_versions`].
    pub fn generate(n: u64, seed: u64) -> Synthetic {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let leaves = leaf_categories();
        let outlets: Vec<String> = (0..OUTLETS).map(|i| id("outlet", i as u64)).collect();
        let rows = usize::try_from(n).unwrap_or(usize::MAX);
        let mut s = Synthetic {
            outlets,
            leaves,
            families: Vec::with_capacity(rows / 2),
            family_of: Vec::with_capacity(rows),
            stock_of: Vec::with_capacity(rows),
            stock_row: Vec::with_capacity(rows),
            levels: Vec::with_capacity(rows * OUTLETS),
            product_versions: Vec::new(),
            inventory_versions: Vec::new(),
            product_ids: Vec::new(),
            inventory_ids: OnceLock::new(),
        };
        // The draws, in the order the rows were first generated in: changing it changes
        // every store a seed names.
        let mut row = 0u64;
        while row < n {
            let brand = rng.gen_range(0..BRANDS.len()) as u8;
            let category = rng.gen_range(0..s.leaves.len()) as u8;
            let adjective = rng.gen_range(0..ADJ.len()) as u8;
            let noun = rng.gen_range(0..NOUNS.len()) as u8;
            let price = round2(rng.gen_range(8.0..250.0));
            let weight = round2(rng.gen_range(0.1..12.0));
            let weight_unit = rng.gen_range(0..4usize) as u8;
            let length = round2(rng.gen_range(1.0..40.0));
            let width = round2(rng.gen_range(1.0..30.0));
            let height = round2(rng.gen_range(0.5..20.0));
            let dimensions_unit = rng.gen_range(0..3usize) as u8;
            let variants = if n - row >= 4 && rng.gen_bool(0.3) {
                rng.gen_range(2..=6u64).min(n - row - 1)
            } else {
                0
            };
            let f = s.families.len() as u32;
            s.families.push(Family {
                first_row: row as u32,
                variants: variants as u8,
                brand,
                category,
                adjective,
                noun,
                weight_unit,
                dimensions_unit,
                price,
                weight,
                length,
                width,
                height,
            });
            if variants > 0 {
                s.family_of.push(f);
                s.stock_of.push(NO_STOCK);
                row += 1;
            }
            for _ in 0..variants.max(1) {
                s.family_of.push(f);
                s.stock_of.push(s.stock_row.len() as u32);
                s.stock_row.push(row as u32);
                for _ in 0..OUTLETS {
                    // An `i32` draw, as the rows were first made with.
                    s.levels.push(rng.gen_range(0..80i32) as u8);
                }
                row += 1;
            }
        }
        s.index();
        s
    }

    fn index(&mut self) {
        let mut products: Vec<([u8; 16], u32)> = (0..self.family_of.len())
            .map(|row| (*uuid_v5(&format!("product:{row}")).as_bytes(), row as u32))
            .collect();
        products.sort_unstable();
        self.product_ids = products;
    }

    fn inventory_index(&self) -> &[([u8; 16], u32)] {
        self.inventory_ids.get_or_init(|| {
            let mut ids = Vec::with_capacity(self.levels.len());
            for (g, row) in self.stock_row.iter().enumerate() {
                let pid = self.product_id(*row as usize);
                for (o, outlet) in self.outlets.iter().enumerate() {
                    let id = uuid_v5(&format!("inv:{pid}:{outlet}"));
                    ids.push((*id.as_bytes(), (g * OUTLETS + o) as u32));
                }
            }
            ids.sort_unstable();
            ids
        })
    }

    /// Versions from the store's counter: every product row in order, then every inventory
    /// record, as a store loaded from files numbers its rows.
    pub fn set_versions(&mut self, mut next: impl FnMut() -> u64) {
        self.product_versions = (0..self.family_of.len()).map(|_| next()).collect();
        self.inventory_versions = (0..self.levels.len()).map(|_| next()).collect();
    }

    pub fn product_id(&self, row: usize) -> String {
        id("product", row as u64)
    }

    /// A product row's base index, whatever has happened to it since.
    pub fn product_row(&self, id: &str) -> Option<usize> {
        find_in(&self.product_ids, id)
    }

    /// A row that stock can live on: not a family parent (base rows are never deleted and
    /// all track inventory).
    pub fn is_stock_row(&self, row: usize) -> bool {
        self.stock_of[row] != NO_STOCK
    }

    pub fn family_of(&self, row: usize) -> usize {
        self.family_of[row] as usize
    }

    /// The family whose `family_id` is `id` (its first row's id).
    pub fn family_named(&self, id: &str) -> Option<usize> {
        let row = self.product_row(id)?;
        let f = self.family_of(row);
        (self.families[f].first_row as usize == row).then_some(f)
    }

    /// The row whose SKU is `sku` as the store built it (`syn-0000123`, any case).
    pub fn sku_row(&self, sku: &str) -> Option<usize> {
        let digits = sku
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("syn-"))
            .and(sku.get(4..))?;
        if digits.len() < 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let row: usize = digits.parse().ok()?;
        (format!("{row:07}") == digits && row < self.family_of.len()).then_some(row)
    }

    /// The id of a product's inventory record at an outlet, for the store's own products.
    pub fn inventory_id(&self, product_id: &str, outlet_id: &str) -> Option<String> {
        let row = self.product_row(product_id)?;
        if !self.is_stock_row(row) || !self.outlets.iter().any(|o| o == outlet_id) {
            return None;
        }
        Some(inventory_id(product_id, outlet_id))
    }

    fn product(&self, row: usize) -> Product {
        let f = &self.families[self.family_of[row] as usize];
        let family = self.family_of[row] as u64 + 1;
        let name = format!(
            "{} {} {}",
            ADJ[f.adjective as usize], NOUNS[f.noun as usize], family
        );
        let brand = f.brand as u64;
        let parent_row = f.first_row as u64;
        let parent_id = id("product", parent_row);
        let image = |pid: &str, k: u64| Image {
            id: id("image", k),
            url: format!("https://images.example.com/synthetic/{pid}.jpg"),
            version: 1,
            sizes: None,
        };
        let mut p = Product {
            description: Some(format!("<p>{name}: built for the outdoors.</p>")),
            name,
            handle: format!("fam-{family}"),
            active: true,
            has_inventory: true,
            price_excluding_tax: f.price,
            price_including_tax: Some(round2(f.price * 1.08875)),
            supply_price: Some(round2(f.price * 0.45)),
            brand_id: Some(id("brand", brand)),
            brand: Some(NamedRef {
                id: id("brand", brand),
                name: BRANDS[f.brand as usize].to_string(),
                ..NamedRef::default()
            }),
            product_category: Some(self.leaves[f.category as usize].clone()),
            weight: Some(f.weight),
            weight_unit: Some(["LB", "OZ", "KG", "G"][f.weight_unit as usize].to_string()),
            length: Some(f.length),
            width: Some(f.width),
            height: Some(f.height),
            dimensions_unit: Some(["IN", "CM", "MM"][f.dimensions_unit as usize].to_string()),
            loyalty_amount: None,
            source: Some("USER".into()),
            created_at: Some(STAMP.into()),
            updated_at: Some(STAMP.into()),
            family_id: Some(parent_id.clone()),
            sku: format!("SYN-{row:07}"),
            version: i64::try_from(self.product_versions[row]).unwrap_or(i64::MAX),
            ..Product::default()
        };
        let row = row as u64;
        if f.variants == 0 {
            p.images = vec![image(&parent_id, row)];
            p.image_url = Some(p.images[0].url.clone());
            p.product_codes = vec![ProductCode {
                id: id("code", row),
                code: p.sku.clone(),
                kind: Some("CUSTOM".into()),
            }];
            p.id = parent_id;
        } else if row == parent_row {
            p.has_variants = true;
            p.variant_count = Some(i64::from(f.variants));
            p.images = vec![image(&parent_id, row)];
            p.id = parent_id;
        } else {
            let k = (row - parent_row - 1) as usize;
            let color = COLORS[k % COLORS.len()];
            let size = SIZES[k % SIZES.len()];
            let vid = id("product", row);
            p.variant_name = Some(format!("{} / {color} / {size}", p.name));
            p.variant_options = vec![
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
            p.sku_images = vec![image(&vid, row)];
            p.variant_parent_id = Some(parent_id);
            p.id = vid;
        }
        p
    }

    fn inventory(&self, j: usize) -> InventoryRecord {
        let pid = self.product_id(self.stock_row[j / OUTLETS] as usize);
        let outlet = &self.outlets[j % OUTLETS];
        InventoryRecord {
            id: inventory_id(&pid, outlet),
            product_id: pid,
            outlet_id: outlet.clone(),
            current_inventory_level: f64::from(self.levels[j]),
            quantity_to_procure: 0.0,
            reorder_point: Some(5.0),
            reorder_amount: Some(20.0),
            reorder_method: Some("FIXED".into()),
            version: i64::try_from(self.inventory_versions[j]).unwrap_or(i64::MAX),
            ..InventoryRecord::default()
        }
    }
}

impl Base<Product> for Synthetic {
    fn rows(&self) -> usize {
        self.family_of.len()
    }
    fn version(&self, i: usize) -> u64 {
        self.product_versions[i]
    }
    fn row(&self, i: usize) -> Product {
        self.product(i)
    }
    fn find(&self, id: &str) -> Option<usize> {
        self.product_row(id)
    }
}

impl Base<InventoryRecord> for Synthetic {
    fn rows(&self) -> usize {
        self.levels.len()
    }
    fn version(&self, i: usize) -> u64 {
        self.inventory_versions[i]
    }
    fn row(&self, i: usize) -> InventoryRecord {
        self.inventory(i)
    }
    fn find(&self, id: &str) -> Option<usize> {
        find_in(self.inventory_index(), id)
    }
}

/// Keeps `Value` in the public signature readable for callers that only want the count.
pub fn describe(seed: &Seed) -> Value {
    json!({"products": seed.products.len(), "inventory": seed.inventory.len()})
}
