//! Stock per product and outlet, kept so a change reported for one outlet can be summed with
//! the others without asking the store again.
//!
//! One row per product holds all of its outlets. A store has a handful of outlets and
//! hundreds of thousands of products, so this is a third of the writes of one row per
//! (product, outlet), and sled's cost is per write.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::store::{keys, trees, Record, Store, StoreError, Table};

/// A product's stock: (outlet id, level), sorted by outlet id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StockLevels(pub Vec<(String, f64)>);

impl StockLevels {
    /// The sum over outlets, or one outlet's level. `None` when nothing is known.
    pub fn quantity(&self, outlet: Option<&str>) -> Option<f64> {
        match outlet {
            Some(o) => self.0.iter().find(|(x, _)| x == o).map(|(_, l)| *l),
            None if self.0.is_empty() => None,
            None => Some(self.0.iter().map(|(_, l)| l).sum()),
        }
    }

    /// Sets (or with `None`, forgets) one outlet's level.
    pub fn set(&mut self, outlet: &str, level: Option<f64>) {
        match (
            self.0.binary_search_by(|(o, _)| o.as_str().cmp(outlet)),
            level,
        ) {
            (Ok(i), Some(l)) => self.0[i].1 = l,
            (Ok(i), None) => {
                self.0.remove(i);
            }
            (Err(i), Some(l)) => self.0.insert(i, (outlet.to_string(), l)),
            (Err(_), None) => {}
        }
    }
}

/// Version 1 was one JSON number per (product, outlet) key; migration 2 dropped those rows.
/// Version 2 is postcard, like pool items: small values keep sled's leaf copies cheap.
impl Record for StockLevels {
    const VERSION: u16 = 2;

    fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), String> {
        postcard::to_io(self, out)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn decode_body(version: u16, body: &[u8]) -> Result<Self, String> {
        match version {
            2 => postcard::from_bytes(body).map_err(|e| e.to_string()),
            v => Err(format!("stock levels v{v} predate the per-product layout")),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Levels {
    table: Table<StockLevels>,
}

/// One incoming stock record: product, outlet, and the level (`None` = deleted).
pub type LevelChange<'a> = (&'a str, &'a str, Option<f64>);

impl Levels {
    pub fn open(store: &Store) -> Result<Levels, StoreError> {
        Ok(Levels {
            table: store.table(trees::LEVELS)?,
        })
    }

    pub fn get(&self, source: u64, product: &str) -> Result<Option<StockLevels>, StoreError> {
        self.table.get(&keys::u64_str(source, product))
    }

    /// Applies a page of changes: each touched product is read, merged and written once.
    pub fn apply_page<'a>(
        &self,
        source: u64,
        changes: impl IntoIterator<Item = LevelChange<'a>>,
    ) -> Result<(), StoreError> {
        let mut by_product: BTreeMap<&str, Vec<(&str, Option<f64>)>> = BTreeMap::new();
        for (product, outlet, level) in changes {
            by_product.entry(product).or_default().push((outlet, level));
        }
        let mut b = self.table.batch();
        for (product, changes) in by_product {
            let key = keys::u64_str(source, product);
            let mut row = self.table.get(&key)?.unwrap_or_default();
            for (outlet, level) in changes {
                row.set(outlet, level);
            }
            if row.0.is_empty() {
                b.remove(key);
            } else {
                b.put(key, &row)?;
            }
        }
        self.table.apply_batch_uncounted(b)
    }

    /// Every stored row of a source as (product id, levels), in key order.
    pub fn all(
        &self,
        source: u64,
    ) -> impl Iterator<Item = Result<(String, StockLevels), StoreError>> + '_ {
        self.table.scan_prefix(keys::u64_prefix(source)).map(|r| {
            let (k, v) = r?;
            let product = String::from_utf8_lossy(k.get(8..).unwrap_or(&[])).into_owned();
            Ok((product, v))
        })
    }

    /// Stock of `product`: the sum over outlets, or one outlet's.
    pub fn quantity(
        &self,
        source: u64,
        product: &str,
        outlet: Option<&str>,
    ) -> Result<Option<f64>, StoreError> {
        Ok(self
            .get(source, product)?
            .and_then(|row| row.quantity(outlet)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_outlets_sorted_and_forgets_deleted() {
        let mut s = StockLevels::default();
        s.set("b", Some(2.0));
        s.set("a", Some(1.0));
        s.set("c", Some(4.0));
        assert_eq!(s.quantity(None), Some(7.0));
        s.set("c", None);
        s.set("a", Some(5.0));
        assert_eq!(s.0, vec![("a".to_string(), 5.0), ("b".to_string(), 2.0)]);
        assert_eq!(s.quantity(Some("b")), Some(2.0));
        assert_eq!(s.quantity(Some("z")), None);
        s.set("a", None);
        s.set("b", None);
        assert_eq!(s.quantity(None), None);
    }
}
