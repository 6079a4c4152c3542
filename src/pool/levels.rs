//! Stock per product and outlet. Each pool item keeps its product's levels (so a change
//! reported for one outlet can be summed with the others without asking the store again);
//! [`StockMap`] holds them in memory while Get Inventory (Primary) reads the stock feed.

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

use crate::store::keys::canonical_uuid;

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

/// Stock read by Get Inventory (Primary), held in memory between its two phases: the stock
/// feed and the product feed come in unrelated orders, and nothing of it is written until
/// the product it belongs to is. Product ids are UUIDs in practice and are kept as 16 bytes,
/// with one fixed-width row of levels per product (one slot per outlet seen): about 70 bytes
/// per product, so 70 MB at a million.
#[derive(Default)]
pub struct StockMap {
    outlets: Vec<String>,
    /// Keyed by the UUID's bytes, not a `u128`: a `u128` is 16-byte aligned, which pads each
    /// entry to 32 bytes where these take 20; a million products need 2M buckets (the table
    /// doubles), so that is about 25 MB.
    by_uuid: FxHashMap<[u8; 16], u32>,
    other: FxHashMap<String, u32>,
    /// `rows × outlets.len()` levels; NaN = no record for that outlet.
    levels: Vec<f64>,
    /// Per level: the rank of the range read that set it (see [`StockMap::set_ranked`]).
    ranks: Vec<u8>,
    rows: usize,
}

impl StockMap {
    fn outlet(&mut self, id: &str) -> usize {
        if let Some(i) = self.outlets.iter().position(|o| o == id) {
            return i;
        }
        // A new outlet widens every row; outlets are few and all appear early in the feed.
        let old = self.outlets.len();
        let mut wider = Vec::with_capacity(self.rows * (old + 1));
        let mut ranks = Vec::with_capacity(self.rows * (old + 1));
        for r in 0..self.rows {
            wider.extend_from_slice(&self.levels[r * old..(r + 1) * old]);
            wider.push(f64::NAN);
            ranks.extend_from_slice(&self.ranks[r * old..(r + 1) * old]);
            ranks.push(0);
        }
        self.levels = wider;
        self.ranks = ranks;
        self.outlets.push(id.to_string());
        old
    }

    fn row(&self, product: &str, uuid: Option<u128>) -> Option<usize> {
        let r = match uuid {
            Some(u) => self.by_uuid.get(&u.to_be_bytes()),
            None => self.other.get(product),
        };
        r.map(|r| *r as usize)
    }

    /// Records one (product, outlet) level; `None` forgets it (a deleted record).
    pub fn set(&mut self, product: &str, outlet: &str, level: Option<f64>) {
        self.set_ranked(0, product, outlet, level)
    }

    /// [`StockMap::set`] for a feed read as version ranges side by side: `rank` is the
    /// range's place in version order. A record that changed during the read can be met in
    /// two ranges, and the higher range holds the newer version, so a level set from a
    /// higher range is never overwritten from a lower one.
    pub fn set_ranked(&mut self, rank: u8, product: &str, outlet: &str, level: Option<f64>) {
        let o = self.outlet(outlet);
        let uuid = canonical_uuid(product);
        let row = match self.row(product, uuid) {
            Some(r) => r,
            None => {
                // A forgotten level needs a row only to keep a lower range from setting it.
                if level.is_none() && rank == 0 {
                    return;
                }
                let r = self.rows;
                match uuid {
                    Some(u) => self.by_uuid.insert(u.to_be_bytes(), r as u32),
                    None => self.other.insert(product.to_string(), r as u32),
                };
                self.rows += 1;
                let width = self.outlets.len();
                self.levels.resize(self.rows * width, f64::NAN);
                self.ranks.resize(self.rows * width, 0);
                r
            }
        };
        let slot = row * self.outlets.len() + o;
        if self.ranks[slot] > rank {
            return;
        }
        self.ranks[slot] = rank;
        self.levels[slot] = level.unwrap_or(f64::NAN);
    }

    /// A product's stock, sorted by outlet id (empty when the feed had none).
    pub fn get(&self, product: &str) -> StockLevels {
        let Some(row) = self.row(product, canonical_uuid(product)) else {
            return StockLevels::default();
        };
        let width = self.outlets.len();
        let mut out: Vec<(String, f64)> = self.levels[row * width..(row + 1) * width]
            .iter()
            .zip(&self.outlets)
            .filter(|(l, _)| !l.is_nan())
            .map(|(l, o)| (o.clone(), *l))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        StockLevels(out)
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
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

    #[test]
    fn stock_map_widens_for_new_outlets_and_forgets_deleted_records() {
        let p1 = "0a0b0c0d-1111-4222-8333-444455556666";
        let mut m = StockMap::default();
        m.set(p1, "o2", Some(2.0));
        m.set("legacy", "o2", Some(7.0));
        m.set(p1, "o1", Some(1.0));
        m.set(p1, "o3", Some(4.0));
        m.set(p1, "o3", None);
        m.set("absent", "o1", None);
        assert_eq!(m.len(), 2);
        assert_eq!(
            m.get(p1).0,
            vec![("o1".to_string(), 1.0), ("o2".to_string(), 2.0)]
        );
        assert_eq!(m.get("legacy").0, vec![("o2".to_string(), 7.0)]);
        assert!(m.get("absent").0.is_empty());
        assert_eq!(m.get(p1).quantity(None), Some(3.0));
    }

    #[test]
    fn a_lower_range_never_overwrites_a_higher_ones_level() {
        let p = "0a0b0c0d-1111-4222-8333-444455556666";
        let mut m = StockMap::default();
        m.set_ranked(1, p, "o1", Some(5.0));
        m.set_ranked(0, p, "o1", Some(9.0));
        m.set_ranked(1, p, "o2", None);
        m.set_ranked(0, p, "o2", Some(3.0));
        m.set_ranked(0, p, "o3", Some(1.0));
        m.set_ranked(2, p, "o3", Some(2.0));
        m.set_ranked(2, p, "o3", Some(4.0));
        let q = "legacy-id";
        m.set_ranked(1, q, "o1", None);
        m.set_ranked(0, q, "o1", Some(8.0));
        assert!(m.get(q).0.is_empty());
        assert_eq!(
            m.get(p).0,
            vec![("o1".to_string(), 5.0), ("o3".to_string(), 4.0)]
        );
    }
}
