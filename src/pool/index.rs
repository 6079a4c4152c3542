//! An in-memory index of one source's pool, so the Pool pane's jumps, filters and sorts
//! answer from a few compact arrays instead of decoding every item they skip.
//!
//! One pass over the pool builds it: the lowercase SKU and Title of every item in one text
//! arena (a substring filter is one `memmem` scan over it), the quantity, the last change's
//! run and the archived flag in flat arrays, and one permutation per sort key. Items are
//! numbered in SKU order, the pool tree's own order, so the SKU sort needs no permutation.
//! A page is then read from the store by key: only the rows shown are decoded.
//!
//! [`generation`] counts pool writes in this process; an index built at an older generation
//! is rebuilt by whoever asks next.

use std::cmp::Ordering;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use serde::{Deserialize, Serialize};

use super::item::PoolItem;
use super::repo::Pool;
use crate::store::StoreError;

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// How many times the pool has been written in this process (any store, any source).
pub fn generation() -> u64 {
    GENERATION.load(AtomicOrdering::Acquire)
}

pub(super) fn bump_generation() {
    GENERATION.fetch_add(1, AtomicOrdering::AcqRel);
}

/// The Pool pane's sort keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolSort {
    #[default]
    Sku,
    Title,
    Quantity,
    /// The run of the item's latest field change (items never changed come first).
    Updated,
}

impl PoolSort {
    pub const ALL: [PoolSort; 4] = [
        PoolSort::Sku,
        PoolSort::Title,
        PoolSort::Quantity,
        PoolSort::Updated,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PoolSort::Sku => "SKU",
            PoolSort::Title => "title",
            PoolSort::Quantity => "quantity",
            PoolSort::Updated => "updated",
        }
    }

    /// The next key in [`PoolSort::ALL`], wrapping.
    pub fn next(self) -> PoolSort {
        let i = PoolSort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        PoolSort::ALL[(i + 1) % PoolSort::ALL.len()]
    }
}

/// What a page of the pool is asked for with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolQuery {
    /// A case-insensitive substring of SKU or Title (a SKU prefix is a substring too).
    pub needle: Option<String>,
    pub archived: Option<bool>,
    pub sort: PoolSort,
    pub descending: bool,
}

/// Separates SKU from Title, and one item from the next, in the text arena; neither can be
/// typed into a filter, so a match never spans two fields.
const FIELD_SEP: u8 = 0x1f;
const ITEM_SEP: u8 = 0x1e;

#[derive(Debug)]
pub struct PoolIndex {
    pub generation: u64,
    /// The SKUs as stored (the keys to read a page by), concatenated.
    skus: String,
    sku_ends: Vec<u32>,
    /// `lowercase(sku) FIELD_SEP lowercase(title) ITEM_SEP` for every item.
    text: Vec<u8>,
    text_ends: Vec<u32>,
    /// Where each item's Title starts in `text`.
    title_starts: Vec<u32>,
    quantity: Vec<f64>,
    updated: Vec<u64>,
    archived: Vec<bool>,
    by_title: Vec<u32>,
    by_quantity: Vec<u32>,
    by_updated: Vec<u32>,
}

impl PoolIndex {
    /// Reads every item of `source` once.
    pub fn build(pool: &Pool, source: u64) -> Result<PoolIndex, StoreError> {
        let generation = generation();
        let mut ix = PoolIndex {
            generation,
            skus: String::new(),
            sku_ends: Vec::new(),
            text: Vec::new(),
            text_ends: Vec::new(),
            title_starts: Vec::new(),
            quantity: Vec::new(),
            updated: Vec::new(),
            archived: Vec::new(),
            by_title: Vec::new(),
            by_quantity: Vec::new(),
            by_updated: Vec::new(),
        };
        for item in pool.iter(source) {
            ix.push(&item?);
        }
        ix.sort_all();
        Ok(ix)
    }

    fn push(&mut self, item: &PoolItem) {
        self.skus.push_str(&item.sku);
        self.sku_ends.push(self.skus.len() as u32);
        push_lower(&mut self.text, &item.sku);
        self.text.push(FIELD_SEP);
        self.title_starts.push(self.text.len() as u32);
        if let Some(t) = item.fields.get("Title") {
            push_lower(&mut self.text, &t.as_text());
        }
        self.text.push(ITEM_SEP);
        self.text_ends.push(self.text.len() as u32);
        self.quantity.push(item.quantity().unwrap_or(f64::NAN));
        self.updated
            .push(item.history.back().map(|c| c.run).unwrap_or_default());
        self.archived.push(item.archived);
    }

    fn sort_all(&mut self) {
        let n = self.len() as u32;
        let mut by_title: Vec<u32> = (0..n).collect();
        // Eight bytes of each title as a number settle most comparisons without touching
        // the arena; equal prefixes fall back to the whole title, then to SKU order.
        let heads: Vec<u64> = (0..self.len()).map(|i| head(self.title(i))).collect();
        by_title.sort_unstable_by(|&a, &b| {
            heads[a as usize]
                .cmp(&heads[b as usize])
                .then_with(|| self.title(a as usize).cmp(self.title(b as usize)))
                .then(a.cmp(&b))
        });
        let mut by_quantity: Vec<u32> = (0..n).collect();
        // Items without a quantity sort last; ties keep SKU order.
        by_quantity.sort_unstable_by(|&a, &b| {
            let (x, y) = (self.quantity[a as usize], self.quantity[b as usize]);
            match (x.is_nan(), y.is_nan()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => x.total_cmp(&y),
            }
            .then(a.cmp(&b))
        });
        let mut by_updated: Vec<u32> = (0..n).collect();
        by_updated.sort_unstable_by_key(|&i| (self.updated[i as usize], i));
        self.by_title = by_title;
        self.by_quantity = by_quantity;
        self.by_updated = by_updated;
    }

    pub fn len(&self) -> usize {
        self.sku_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sku_ends.is_empty()
    }

    fn start(ends: &[u32], i: usize) -> usize {
        if i == 0 {
            0
        } else {
            ends[i - 1] as usize
        }
    }

    pub fn sku(&self, i: usize) -> &str {
        &self.skus[Self::start(&self.sku_ends, i)..self.sku_ends[i] as usize]
    }

    fn title(&self, i: usize) -> &[u8] {
        &self.text[self.title_starts[i] as usize..self.text_ends[i] as usize - 1]
    }

    /// The items matching the query's filters, in SKU order.
    fn matching(&self, q: &PoolQuery) -> Option<Vec<bool>> {
        let needle = q
            .needle
            .as_deref()
            .map(|n| n.to_lowercase())
            .filter(|n| !n.is_empty());
        if needle.is_none() && q.archived.is_none() {
            return None;
        }
        let mut hit = match &needle {
            None => vec![true; self.len()],
            Some(n) if n.bytes().any(|b| b == FIELD_SEP || b == ITEM_SEP) => {
                vec![false; self.len()]
            }
            Some(n) => {
                let mut hit = vec![false; self.len()];
                let mut item = 0usize;
                for pos in memchr::memmem::find_iter(&self.text, n.as_bytes()) {
                    // Positions ascend, so the item they fall in only moves forward.
                    while item < self.len() && self.text_ends[item] as usize <= pos {
                        item += 1;
                    }
                    if item < self.len() {
                        hit[item] = true;
                    }
                }
                hit
            }
        };
        if let Some(a) = q.archived {
            for (h, archived) in hit.iter_mut().zip(&self.archived) {
                *h = *h && *archived == a;
            }
        }
        Some(hit)
    }

    fn order(&self, sort: PoolSort) -> Option<&[u32]> {
        match sort {
            PoolSort::Sku => None,
            PoolSort::Title => Some(&self.by_title),
            PoolSort::Quantity => Some(&self.by_quantity),
            PoolSort::Updated => Some(&self.by_updated),
        }
    }

    /// How many items the query's filters keep.
    pub fn count(&self, q: &PoolQuery) -> usize {
        match self.matching(q) {
            None => self.len(),
            Some(hit) => hit.iter().filter(|h| **h).count(),
        }
    }

    /// The SKUs of rows `offset..offset + limit` of the query's result, in its order.
    pub fn page(&self, q: &PoolQuery, offset: usize, limit: usize) -> Vec<&str> {
        let hit = self.matching(q);
        let keep = |i: usize| hit.as_ref().is_none_or(|h| h[i]);
        let n = self.len();
        let at = |k: usize| -> usize {
            let k = if q.descending { n - 1 - k } else { k };
            match self.order(q.sort) {
                None => k,
                Some(o) => o[k] as usize,
            }
        };
        let mut out = Vec::new();
        let mut skipped = 0;
        for k in 0..n {
            let i = at(k);
            if !keep(i) {
                continue;
            }
            if skipped < offset {
                skipped += 1;
                continue;
            }
            if out.len() >= limit {
                break;
            }
            out.push(self.sku(i));
        }
        out
    }
}

fn push_lower(out: &mut Vec<u8>, s: &str) {
    for c in s.chars().flat_map(char::to_lowercase) {
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

fn head(s: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = s.len().min(8);
    b[..n].copy_from_slice(&s[..n]);
    u64::from_be_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::FieldValue;
    use crate::pool::Change;
    use crate::store::Store;

    fn item(sku: &str, title: &str, qty: Option<f64>, archived: bool, run: u64) -> PoolItem {
        let mut i = PoolItem {
            sku: sku.into(),
            archived,
            ..PoolItem::default()
        };
        i.fields
            .insert("Title".into(), FieldValue::Text(title.into()));
        if let Some(q) = qty {
            i.fields.insert("Quantity".into(), FieldValue::Number(q));
        }
        if run > 0 {
            i.history.push_back(Change {
                run,
                field: "Title".into(),
                old: FieldValue::Empty,
                new: FieldValue::Text(title.into()),
            });
        }
        i
    }

    fn index(items: &[PoolItem]) -> PoolIndex {
        let store = Store::open_temporary().unwrap();
        let pool = Pool::open(&store).unwrap();
        let mut w = pool.write();
        for i in items {
            pool.stage(&mut w, 7, i).unwrap();
        }
        pool.commit(w).unwrap();
        PoolIndex::build(&pool, 7).unwrap()
    }

    fn sample() -> PoolIndex {
        index(&[
            item("C-3", "Anchor Mug", Some(5.0), false, 4),
            item("A-1", "Zebra Tee", Some(1.0), true, 2),
            item("B-2", "mug, harbor", None, false, 9),
            item("D-4", "Lamp", Some(12.0), false, 0),
        ])
    }

    fn q(needle: Option<&str>, archived: Option<bool>, sort: PoolSort, desc: bool) -> PoolQuery {
        PoolQuery {
            needle: needle.map(str::to_string),
            archived,
            sort,
            descending: desc,
        }
    }

    #[test]
    fn pages_follow_each_sort_and_filter() {
        let ix = sample();
        assert_eq!(
            ix.page(&PoolQuery::default(), 0, 10),
            ["A-1", "B-2", "C-3", "D-4"]
        );
        assert_eq!(
            ix.page(&q(None, None, PoolSort::Sku, true), 1, 2),
            ["C-3", "B-2"]
        );
        assert_eq!(
            ix.page(&q(None, None, PoolSort::Title, false), 0, 10),
            ["C-3", "D-4", "B-2", "A-1"]
        );
        assert_eq!(
            ix.page(&q(None, None, PoolSort::Quantity, false), 0, 10),
            ["A-1", "C-3", "D-4", "B-2"]
        );
        assert_eq!(
            ix.page(&q(None, None, PoolSort::Updated, true), 0, 10),
            ["B-2", "C-3", "A-1", "D-4"]
        );
        let mug = q(Some("MUG"), None, PoolSort::Sku, false);
        assert_eq!(ix.count(&mug), 2);
        assert_eq!(ix.page(&mug, 0, 10), ["B-2", "C-3"]);
        assert_eq!(
            ix.page(&q(Some("b-"), None, PoolSort::Sku, false), 0, 10),
            ["B-2"]
        );
        let live = q(None, Some(false), PoolSort::Title, false);
        assert_eq!(ix.count(&live), 3);
        assert_eq!(ix.page(&live, 0, 10), ["C-3", "D-4", "B-2"]);
        assert_eq!(ix.count(&q(None, Some(true), PoolSort::Sku, false)), 1);
    }

    #[test]
    fn a_match_never_spans_two_fields_or_two_items() {
        let ix = sample();
        // "c-3" ends one SKU and "anchor" starts its title: typed together they match nothing.
        assert_eq!(ix.count(&q(Some("3anchor"), None, PoolSort::Sku, false)), 0);
        assert_eq!(ix.count(&q(Some("teeb"), None, PoolSort::Sku, false)), 0);
        assert_eq!(ix.count(&q(Some("\u{1f}"), None, PoolSort::Sku, false)), 0);
    }

    #[test]
    fn writes_move_the_generation() {
        let before = generation();
        let _ = sample();
        assert!(generation() > before);
    }
}
