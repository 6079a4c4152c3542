//! The simulated store's data: one global version counter, versioned tables, and the live
//! mutations tests use to change the catalog while a client is paging through it.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::sale_money::SaleMoney;
use super::synthetic::{self, Synthetic};
use super::table::{Catalog, Entry, Row, Table};
use crate::lightspeed::models::{InventoryRecord, Product};

#[derive(Debug, Clone)]
pub struct SimStore {
    version: u64,
    version_gap: u64,
    pub retailer: Value,
    pub outlets: Table<Value>,
    pub registers: Table<Value>,
    pub users: Table<Value>,
    pub taxes: Table<Value>,
    pub payment_types: Table<Value>,
    pub brands: Table<Value>,
    /// Sorted by full path, paged by id (`page_info`), not versioned.
    pub categories: Vec<Value>,
    pub products: Catalog<Product>,
    pub inventory: Catalog<InventoryRecord>,
    pub customers: Table<Value>,
    pub sales: Table<Value>,
    /// The last request body each sale was created or updated from.
    pub sale_requests: HashMap<String, Value>,
    /// Each sale's money as last computed (see [`SaleMoney`]).
    pub sale_money: HashMap<String, SaleMoney>,
    /// `CustomerAddress` rows by their int64 id.
    pub customer_addresses: BTreeMap<u64, Value>,
    /// `id_token` (returned when an address is created) → address id, for
    /// `fulfillment_details[].shipping_address_token`.
    pub address_tokens: HashMap<String, u64>,
    next_address_id: u64,
    /// (product, outlet) → inventory record id, for rows not in [`SimStore::synthetic`].
    inv_key: HashMap<(String, String), String>,
    /// Lowercased SKU → product ids, for SKUs not in [`SimStore::synthetic`].
    sku_index: HashMap<String, Vec<String>>,
    /// The rows a `synthetic:N` store was built with, made when served.
    synthetic: Option<Arc<Synthetic>>,
}

/// Reference data and catalog before versions are assigned.
#[derive(Debug, Default)]
pub struct Seed {
    pub retailer: Value,
    pub outlets: Vec<Value>,
    pub registers: Vec<Value>,
    pub users: Vec<Value>,
    pub taxes: Vec<Value>,
    pub payment_types: Vec<Value>,
    pub brands: Vec<Value>,
    pub categories: Vec<Value>,
    pub products: Vec<Product>,
    pub inventory: Vec<InventoryRecord>,
    pub customers: Vec<Value>,
}

/// What a random mutation did, so tests know what changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    Stock {
        product_id: String,
        outlet_id: String,
        level: f64,
    },
    Price {
        product_id: String,
        price: f64,
    },
    Added {
        product_id: String,
    },
    Archived {
        product_id: String,
    },
    Deleted {
        product_id: String,
    },
}

impl SimStore {
    /// Versions are assigned in file order, starting well above zero like a real store.
    pub fn from_seed(seed: Seed, version_gap: u64, rng: &mut ChaCha8Rng) -> SimStore {
        let mut s = SimStore {
            version: 1_000_000,
            version_gap: version_gap.max(1),
            retailer: seed.retailer,
            outlets: Table::default(),
            registers: Table::default(),
            users: Table::default(),
            taxes: Table::default(),
            payment_types: Table::default(),
            brands: Table::default(),
            categories: seed.categories,
            products: Catalog::default(),
            inventory: Catalog::default(),
            customers: Table::default(),
            sales: Table::default(),
            sale_requests: HashMap::new(),
            sale_money: HashMap::new(),
            customer_addresses: BTreeMap::new(),
            address_tokens: HashMap::new(),
            next_address_id: 4_100_000,
            inv_key: HashMap::new(),
            sku_index: HashMap::new(),
            synthetic: None,
        };
        s.categories.sort_by_key(path_key);
        let gap = s.version_gap;
        let mut v = s.version;
        for (t, rows) in [
            (&mut s.outlets, seed.outlets),
            (&mut s.registers, seed.registers),
            (&mut s.users, seed.users),
            (&mut s.taxes, seed.taxes),
            (&mut s.payment_types, seed.payment_types),
            (&mut s.brands, seed.brands),
            (&mut s.customers, seed.customers),
        ] {
            for r in rows {
                v += rng.gen_range(1..=gap);
                t.put(r, v);
            }
        }
        s.version = v;
        for p in seed.products {
            let v = s.bump(rng);
            s.index_sku(&p);
            s.products.put(p, v);
        }
        for r in seed.inventory {
            let v = s.bump(rng);
            s.inv_key
                .insert((r.product_id.clone(), r.outlet_id.clone()), r.id.clone());
            s.inventory.put(r, v);
        }
        s
    }

    /// `synthetic:N[:seed]` with `registers` registers: the same store as loading its rows
    /// one by one would give (same rows, same versions, same random stream after), built as
    /// compact tables whose rows are made when served.
    pub fn synthetic(
        n: u64,
        seed: u64,
        registers: usize,
        version_gap: u64,
        rng: &mut ChaCha8Rng,
    ) -> SimStore {
        let mut syn = Synthetic::generate(n, seed);
        let mut s = SimStore::from_seed(synthetic::reference_data(registers), version_gap, rng);
        syn.set_versions(|| s.bump(rng));
        let syn = Arc::new(syn);
        s.products = Catalog::with_base(syn.clone());
        s.inventory = Catalog::with_base(syn.clone());
        s.synthetic = Some(syn);
        s
    }

    pub fn bump(&mut self, rng: &mut ChaCha8Rng) -> u64 {
        self.version += rng.gen_range(1..=self.version_gap);
        self.version
    }

    pub fn current_version(&self) -> u64 {
        self.version
    }

    fn index_sku(&mut self, p: &Product) {
        let ids = self.sku_index.entry(p.sku.to_lowercase()).or_default();
        if !ids.contains(&p.id) {
            ids.push(p.id.clone());
        }
    }

    /// Every product the SKU was ever given to (the index is not pruned when a SKU changes),
    /// the store's own first.
    pub fn products_by_sku(&self, sku: &str) -> Vec<Cow<'_, Product>> {
        let key = sku.to_lowercase();
        let mut ids: Vec<String> = self
            .synthetic
            .as_ref()
            .and_then(|syn| syn.sku_row(&key).map(|r| syn.product_id(r)))
            .into_iter()
            .collect();
        for id in self.sku_index.get(&key).into_iter().flatten() {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        ids.iter().filter_map(|id| self.products.get(id)).collect()
    }

    pub fn inventory_id(&self, product_id: &str, outlet_id: &str) -> Option<String> {
        if let Some(id) = self
            .inv_key
            .get(&(product_id.to_string(), outlet_id.to_string()))
        {
            return Some(id.clone());
        }
        self.synthetic.as_ref()?.inventory_id(product_id, outlet_id)
    }

    pub fn inventory_of(&self, product_id: &str) -> Vec<Cow<'_, InventoryRecord>> {
        let mut v: Vec<Cow<'_, InventoryRecord>> = self
            .outlets
            .iter()
            .filter_map(|o| self.inventory_id(product_id, o.row_id()))
            .filter_map(|id| self.inventory.get(&id))
            .collect();
        v.sort_by_key(|r| r.version);
        v
    }

    /// `pid` and, with `variants`, every product of its family, in version order.
    pub fn family_ids(&self, pid: &str, variants: bool) -> Vec<String> {
        if !variants {
            return vec![pid.to_string()];
        }
        let fam = self
            .products
            .get(pid)
            .and_then(|p| p.family_id.clone())
            .unwrap_or_else(|| pid.to_string());
        let syn = self.synthetic.as_deref();
        // The store's own rows answer from their tables, without being made.
        let base_family = syn.and_then(|s| s.family_named(&fam));
        let base_row = syn.and_then(|s| s.product_row(pid));
        self.products
            .entries()
            .filter_map(|e| match (e, syn) {
                (Entry::Base(i), Some(s)) => (base_family == Some(s.family_of(i))
                    || base_row == Some(i))
                .then(|| s.product_id(i)),
                (Entry::Held(p), _) => (p.family_id.as_deref() == Some(fam.as_str())
                    || p.id == pid)
                    .then(|| p.id.clone()),
                (Entry::Base(_), None) => None,
            })
            .collect()
    }

    /// A fresh `CustomerAddress.id`.
    pub fn new_address_id(&mut self) -> u64 {
        self.next_address_id += 1;
        self.next_address_id
    }

    /// `Retailer.tax_exclusive`; a store file without it is tax-exclusive (the demo's mode).
    pub fn tax_exclusive(&self) -> bool {
        self.retailer
            .get("tax_exclusive")
            .and_then(Value::as_bool)
            .unwrap_or(true)
    }

    /// Switches the store between tax-exclusive and tax-inclusive, as its owner would in the
    /// store's settings: the retailer's `tax_exclusive` and every outlet's `display_prices`.
    pub fn set_tax_exclusive(&mut self, on: bool, rng: &mut ChaCha8Rng) {
        self.retailer["tax_exclusive"] = json!(on);
        let ids: Vec<String> = self
            .outlets
            .iter()
            .map(|o| o.row_id().to_string())
            .collect();
        for id in ids {
            let v = self.bump(rng);
            self.outlets.update(&id, v, |o| {
                o["display_prices"] = json!(if on { "exclusive" } else { "inclusive" });
            });
        }
    }

    pub fn register_count(&self) -> u64 {
        self.registers.iter().filter(|r| !r.is_deleted()).count() as u64
    }

    /// Whether stock can live on a product (not a family parent, not deleted).
    fn is_stock_row(&self, e: &Entry<'_, Product>) -> bool {
        match (e, self.synthetic.as_deref()) {
            (Entry::Base(i), Some(s)) => s.is_stock_row(*i),
            (Entry::Base(_), None) => false,
            (Entry::Held(p), _) => !p.is_deleted() && p.has_inventory && !p.is_family_parent(),
        }
    }

    /// The `k`-th product that stock can live on, in version order, and how many there are
    /// (counted without making the store's own rows).
    fn stock_rows(&self) -> usize {
        self.products
            .entries()
            .filter(|e| self.is_stock_row(e))
            .count()
    }

    fn stock_row(&self, k: usize) -> Option<String> {
        let e = self
            .products
            .entries()
            .filter(|e| self.is_stock_row(e))
            .nth(k)?;
        match (e, self.synthetic.as_deref()) {
            (Entry::Base(i), Some(s)) => Some(s.product_id(i)),
            (Entry::Held(p), _) => Some(p.id.clone()),
            (Entry::Base(_), None) => None,
        }
    }

    // ---- mutations -----------------------------------------------------------------

    pub fn set_stock(
        &mut self,
        product_id: &str,
        outlet_id: &str,
        level: f64,
        rng: &mut ChaCha8Rng,
    ) -> bool {
        let Some(id) = self.inventory_id(product_id, outlet_id) else {
            return false;
        };
        let v = self.bump(rng);
        self.inventory
            .update(&id, v, |r| r.current_inventory_level = level)
    }

    pub fn adjust_stock(
        &mut self,
        product_id: &str,
        outlet_id: &str,
        delta: f64,
        rng: &mut ChaCha8Rng,
    ) {
        if let Some(id) = self.inventory_id(product_id, outlet_id) {
            let v = self.bump(rng);
            self.inventory
                .update(&id, v, |r| r.current_inventory_level += delta);
        }
    }

    pub fn set_price(&mut self, product_id: &str, price: f64, rng: &mut ChaCha8Rng) -> bool {
        let v = self.bump(rng);
        let stamp = self.stamp();
        self.products.update(product_id, v, |p| {
            let ratio = p.price_including_tax.unwrap_or(0.0) / p.price_excluding_tax.max(0.01);
            p.price_excluding_tax = price;
            p.price_including_tax = Some(round2(price * if ratio > 0.0 { ratio } else { 1.0 }));
            p.updated_at = Some(stamp);
        })
    }

    /// Inactive: still listed, no longer sold.
    pub fn archive(&mut self, product_id: &str, rng: &mut ChaCha8Rng) -> bool {
        let v = self.bump(rng);
        let stamp = self.stamp();
        self.products.update(product_id, v, |p| {
            p.active = false;
            p.updated_at = Some(stamp);
        })
    }

    /// Soft delete: hidden unless `deleted=true`; its inventory records follow.
    pub fn delete(&mut self, product_id: &str, rng: &mut ChaCha8Rng) -> bool {
        let v = self.bump(rng);
        let stamp = self.stamp();
        let ok = self.products.update(product_id, v, |p| {
            p.deleted_at = Some(stamp.clone());
            p.updated_at = Some(stamp.clone());
        });
        if ok {
            self.set_inventory_deleted(product_id, Some(stamp), rng);
        }
        ok
    }

    /// Soft-deletes (or restores) every inventory record of a product, as the store does when
    /// the product goes.
    fn set_inventory_deleted(
        &mut self,
        product_id: &str,
        at: Option<String>,
        rng: &mut ChaCha8Rng,
    ) {
        let ids: Vec<String> = self
            .inventory_of(product_id)
            .iter()
            .map(|r| r.id.clone())
            .collect();
        for id in ids {
            let v = self.bump(rng);
            let at = at.clone();
            self.inventory.update(&id, v, |r| r.deleted_at = at);
        }
    }

    /// Undoes a soft delete (as restoring from the store's trash would).
    pub fn restore(&mut self, product_id: &str, rng: &mut ChaCha8Rng) -> bool {
        let v = self.bump(rng);
        let ok = self.products.update(product_id, v, |p| p.deleted_at = None);
        if ok {
            self.set_inventory_deleted(product_id, None, rng);
        }
        ok
    }

    /// Changes a product's SKU (staff re-labelling, or a data-entry mistake).
    pub fn set_sku(&mut self, product_id: &str, sku: &str, rng: &mut ChaCha8Rng) -> bool {
        let v = self.bump(rng);
        let ok = self
            .products
            .update(product_id, v, |p| p.sku = sku.to_string());
        if ok {
            if let Some(p) = self.products.get(product_id).map(Cow::into_owned) {
                self.index_sku(&p);
            }
        }
        ok
    }

    /// Adds a simple product with stock at every outlet.
    pub fn add_product(&mut self, mut p: Product, level: f64, rng: &mut ChaCha8Rng) -> String {
        let v = self.bump(rng);
        if p.created_at.is_none() {
            p.created_at = Some(self.stamp());
        }
        let id = p.id.clone();
        self.index_sku(&p);
        let has_inventory = p.has_inventory && !p.is_family_parent();
        self.products.put(p, v);
        if has_inventory {
            let outlets: Vec<String> = self
                .outlets
                .iter()
                .map(|o| o.row_id().to_string())
                .collect();
            for o in outlets {
                let v = self.bump(rng);
                let rec = InventoryRecord {
                    id: uuid::Uuid::new_v5(
                        &uuid::Uuid::NAMESPACE_OID,
                        format!("inv:{id}:{o}").as_bytes(),
                    )
                    .to_string(),
                    product_id: id.clone(),
                    outlet_id: o.clone(),
                    current_inventory_level: level,
                    ..InventoryRecord::default()
                };
                self.inv_key.insert((id.clone(), o), rec.id.clone());
                self.inventory.put(rec, v);
            }
        }
        id
    }

    /// One random change of the kind a busy store sees.
    pub fn mutate_random(&mut self, rng: &mut ChaCha8Rng) -> Option<Mutation> {
        let roll: u32 = rng.gen_range(0..100);
        let rows = self.stock_rows();
        if rows == 0 {
            return None;
        }
        let pick = self.stock_row(rng.gen_range(0..rows))?;
        match roll {
            0..=59 => {
                let outlets: Vec<String> = self
                    .outlets
                    .iter()
                    .map(|o| o.row_id().to_string())
                    .collect();
                let o = outlets.get(rng.gen_range(0..outlets.len().max(1)))?.clone();
                let level = rng.gen_range(0..60) as f64;
                self.set_stock(&pick, &o, level, rng)
                    .then_some(Mutation::Stock {
                        product_id: pick,
                        outlet_id: o,
                        level,
                    })
            }
            60..=79 => {
                let price = round2(rng.gen_range(5.0..200.0));
                self.set_price(&pick, price, rng)
                    .then_some(Mutation::Price {
                        product_id: pick,
                        price,
                    })
            }
            80..=89 => {
                let n = self.products.len();
                let id = uuid::Uuid::new_v5(
                    &uuid::Uuid::NAMESPACE_OID,
                    format!("sim-added:{n}:{}", self.version).as_bytes(),
                )
                .to_string();
                let p = Product {
                    id: id.clone(),
                    name: format!("New Arrival {n}"),
                    handle: format!("new-arrival-{n}"),
                    sku: format!("NEW-{n}-{}", self.version),
                    active: true,
                    has_inventory: true,
                    price_excluding_tax: 25.0,
                    price_including_tax: Some(27.22),
                    supply_price: Some(11.0),
                    family_id: Some(id.clone()),
                    source: Some("USER".into()),
                    ..Product::default()
                };
                let level = rng.gen_range(1..30) as f64;
                Some(Mutation::Added {
                    product_id: self.add_product(p, level, rng),
                })
            }
            90..=94 => self
                .archive(&pick, rng)
                .then_some(Mutation::Archived { product_id: pick }),
            _ => self
                .delete(&pick, rng)
                .then_some(Mutation::Deleted { product_id: pick }),
        }
    }

    fn stamp(&self) -> String {
        // Deterministic, increasing timestamps derived from the version counter.
        let secs = 1_767_225_600 + (self.version % 10_000_000) as i64;
        chrono::DateTime::from_timestamp(secs, 0)
            .map(|d| d.format("%Y-%m-%dT%H:%M:%S+00:00").to_string())
            .unwrap_or_else(|| "2026-01-01T00:00:00+00:00".into())
    }

    pub fn summary(&self) -> Value {
        json!({
            "version": self.version,
            "products": self.products.len(),
            "inventory_records": self.inventory.len(),
            "outlets": self.outlets.len(),
            "registers": self.register_count(),
            "customers": self.customers.len(),
            "sales": self.sales.len(),
        })
    }
}

fn path_key(c: &Value) -> String {
    c.get("category_path")
        .and_then(Value::as_array)
        .map(|p| {
            p.iter()
                .filter_map(|x| x.get("name").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\u{1f}")
        })
        .unwrap_or_default()
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
