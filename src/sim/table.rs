//! A collection ordered by the global version, as every X-Series list is: rows keyed by
//! id, plus a version index so `after`/`before` paging is a range scan, whatever the size.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;

use crate::lightspeed::models::{InventoryRecord, Product};

pub trait Row: Clone {
    fn row_id(&self) -> &str;
    fn row_version(&self) -> u64;
    fn set_version(&mut self, v: u64);
    fn is_deleted(&self) -> bool;
}

impl Row for Value {
    fn row_id(&self) -> &str {
        self.get("id").and_then(Value::as_str).unwrap_or("")
    }
    fn row_version(&self) -> u64 {
        self.get("version").and_then(Value::as_u64).unwrap_or(0)
    }
    fn set_version(&mut self, v: u64) {
        if let Some(o) = self.as_object_mut() {
            o.insert("version".into(), Value::from(v));
        }
    }
    fn is_deleted(&self) -> bool {
        matches!(self.get("deleted_at"), Some(v) if !v.is_null())
    }
}

impl Row for Product {
    fn row_id(&self) -> &str {
        &self.id
    }
    // The simulator's counter starts positive and only grows.
    fn row_version(&self) -> u64 {
        u64::try_from(self.version).unwrap_or(0)
    }
    fn set_version(&mut self, v: u64) {
        self.version = i64::try_from(v).unwrap_or(i64::MAX);
    }
    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

impl Row for InventoryRecord {
    fn row_id(&self) -> &str {
        &self.id
    }
    // The simulator's counter starts positive and only grows.
    fn row_version(&self) -> u64 {
        u64::try_from(self.version).unwrap_or(0)
    }
    fn set_version(&mut self, v: u64) {
        self.version = i64::try_from(v).unwrap_or(i64::MAX);
    }
    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Table<T> {
    rows: HashMap<String, T>,
    by_version: BTreeMap<u64, String>,
}

impl<T: Row> Table<T> {
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    pub fn get(&self, id: &str) -> Option<&T> {
        self.rows.get(id)
    }
    /// Insert or replace at version `v` (which must be fresh from the store's counter).
    pub fn put(&mut self, mut row: T, v: u64) {
        row.set_version(v);
        let id = row.row_id().to_string();
        if let Some(old) = self.rows.get(&id) {
            self.by_version.remove(&old.row_version());
        }
        self.by_version.insert(v, id.clone());
        self.rows.insert(id, row);
    }
    /// Change a row in place and move it to version `v`. Returns false if absent.
    pub fn update(&mut self, id: &str, v: u64, f: impl FnOnce(&mut T)) -> bool {
        let Some(mut row) = self.rows.get(id).cloned() else {
            return false;
        };
        f(&mut row);
        self.put(row, v);
        true
    }
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.by_version.values().filter_map(|id| self.rows.get(id))
    }
    /// Rows with `after < version ≤ before`, ascending, at most `limit`.
    pub fn page(
        &self,
        after: u64,
        before: Option<u64>,
        limit: usize,
        include_deleted: bool,
    ) -> Vec<&T> {
        let upper = before.unwrap_or(u64::MAX);
        if after >= upper {
            return Vec::new();
        }
        self.by_version
            .range(after.saturating_add(1)..=upper)
            .filter_map(|(_, id)| self.rows.get(id))
            .filter(|r| include_deleted || !r.is_deleted())
            .take(limit)
            .collect()
    }
    /// The same rows in descending order (`sort_direction=desc`).
    pub fn page_desc(
        &self,
        after: u64,
        before: Option<u64>,
        limit: usize,
        include_deleted: bool,
    ) -> Vec<&T> {
        let upper = before.unwrap_or(u64::MAX);
        if after >= upper {
            return Vec::new();
        }
        self.by_version
            .range(after.saturating_add(1)..=upper)
            .rev()
            .filter_map(|(_, id)| self.rows.get(id))
            .filter(|r| include_deleted || !r.is_deleted())
            .take(limit)
            .collect()
    }
    /// The last `limit` rows at or below `upto`: what a server whose cursor failed to
    /// advance would send again.
    pub fn page_ending_at(&self, upto: u64, limit: usize, include_deleted: bool) -> Vec<&T> {
        let mut v: Vec<&T> = self
            .by_version
            .range(..=upto)
            .rev()
            .filter_map(|(_, id)| self.rows.get(id))
            .filter(|r| include_deleted || !r.is_deleted())
            .take(limit)
            .collect();
        v.reverse();
        v
    }
}

/// Rows a store was built with and makes on demand instead of holding (a synthetic store of
/// millions): row `i`'s version is `version(i)`, ascending in `i`.
pub trait Base<T>: Send + Sync {
    fn rows(&self) -> usize;
    fn version(&self, i: usize) -> u64;
    /// Row `i`, its version set.
    fn row(&self, i: usize) -> T;
    fn find(&self, id: &str) -> Option<usize>;
}

/// A row of a [`Catalog`] in version order, before it is made: a base row's index or a
/// held row.
pub enum Entry<'a, T> {
    Base(usize),
    Held(&'a T),
}

/// A [`Table`] over an optional [`Base`]: the rows a store was built with stay in the base
/// and are made when served; a row changed or added since is held in the table, and hides
/// its base row. Without a base it is a plain table.
#[derive(Clone)]
pub struct Catalog<T> {
    base: Option<Arc<dyn Base<T>>>,
    /// One bit per base row: replaced by a held row.
    hidden: Vec<u64>,
    hidden_count: usize,
    held: Table<T>,
}

impl<T> Default for Catalog<T> {
    fn default() -> Self {
        Catalog {
            base: None,
            hidden: Vec::new(),
            hidden_count: 0,
            held: Table {
                rows: HashMap::new(),
                by_version: BTreeMap::new(),
            },
        }
    }
}

impl<T> std::fmt::Debug for Catalog<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("base_rows", &self.base.as_ref().map_or(0, |b| b.rows()))
            .field("hidden", &self.hidden_count)
            .field("held", &self.held.rows.len())
            .finish()
    }
}

impl<T: Row> Catalog<T> {
    pub fn with_base(base: Arc<dyn Base<T>>) -> Self {
        let words = base.rows().div_ceil(64);
        Catalog {
            base: Some(base),
            hidden: vec![0; words],
            ..Catalog::default()
        }
    }

    fn base_len(&self) -> usize {
        self.base.as_ref().map_or(0, |b| b.rows())
    }

    fn is_hidden(&self, i: usize) -> bool {
        self.hidden[i / 64] & (1 << (i % 64)) != 0
    }

    /// The live base row of `id`, if the base has it and no held row replaced it.
    fn base_index(&self, id: &str) -> Option<usize> {
        let i = self.base.as_ref()?.find(id)?;
        (!self.is_hidden(i)).then_some(i)
    }

    pub fn len(&self) -> usize {
        self.base_len() - self.hidden_count + self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, id: &str) -> Option<Cow<'_, T>> {
        if let Some(r) = self.held.get(id) {
            return Some(Cow::Borrowed(r));
        }
        let i = self.base_index(id)?;
        self.base.as_ref().map(|b| Cow::Owned(b.row(i)))
    }

    /// Insert or replace at version `v` (which must be fresh from the store's counter).
    pub fn put(&mut self, row: T, v: u64) {
        if let Some(i) = self.base_index(row.row_id()) {
            self.hidden[i / 64] |= 1 << (i % 64);
            self.hidden_count += 1;
        }
        self.held.put(row, v);
    }

    /// Change a row and move it to version `v`. Returns false if absent.
    pub fn update(&mut self, id: &str, v: u64, f: impl FnOnce(&mut T)) -> bool {
        let Some(mut row) = self.get(id).map(Cow::into_owned) else {
            return false;
        };
        f(&mut row);
        self.put(row, v);
        true
    }

    /// The row an entry stands for.
    pub fn row<'a>(&'a self, e: &Entry<'a, T>) -> Option<Cow<'a, T>> {
        match e {
            Entry::Base(i) => self.base.as_ref().map(|b| Cow::Owned(b.row(*i))),
            Entry::Held(r) => Some(Cow::Borrowed(*r)),
        }
    }

    /// First base index whose version is above `v`.
    fn base_above(&self, v: u64) -> usize {
        let Some(b) = &self.base else { return 0 };
        let (mut lo, mut hi) = (0, b.rows());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if b.version(mid) <= v {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Entries with `after < version ≤ upper` in version order (descending with `desc`).
    pub fn entries_in(
        &self,
        after: u64,
        upper: u64,
        desc: bool,
    ) -> Box<dyn Iterator<Item = (u64, Entry<'_, T>)> + '_> {
        if after >= upper {
            return Box::new(std::iter::empty());
        }
        let (lo, hi) = (self.base_above(after), self.base_above(upper));
        let versioned = move |i: usize| {
            let b = self.base.as_ref()?;
            (!self.is_hidden(i)).then(|| (b.version(i), Entry::Base(i)))
        };
        let held = self
            .held
            .by_version
            .range(after.saturating_add(1)..=upper)
            .filter_map(|(v, id)| self.held.rows.get(id).map(|r| (*v, Entry::Held(r))));
        if desc {
            Box::new(Merge {
                a: (lo..hi).rev().filter_map(versioned).peekable(),
                b: held.rev().peekable(),
                desc,
            })
        } else {
            Box::new(Merge {
                a: (lo..hi).filter_map(versioned).peekable(),
                b: held.peekable(),
                desc,
            })
        }
    }

    /// Every entry, in version order.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_, T>> {
        self.entries_in(0, u64::MAX, false).map(|(_, e)| e)
    }

    /// Every row, in version order.
    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, T>> {
        self.entries().filter_map(|e| self.row(&e))
    }

    fn rows_of<'a>(
        &'a self,
        entries: impl Iterator<Item = (u64, Entry<'a, T>)>,
        limit: usize,
        include_deleted: bool,
    ) -> Vec<Cow<'a, T>> {
        entries
            .filter_map(|(_, e)| self.row(&e))
            .filter(|r| include_deleted || !r.is_deleted())
            .take(limit)
            .collect()
    }

    /// Rows with `after < version ≤ before`, ascending, at most `limit`.
    pub fn page(
        &self,
        after: u64,
        before: Option<u64>,
        limit: usize,
        include_deleted: bool,
    ) -> Vec<Cow<'_, T>> {
        let upper = before.unwrap_or(u64::MAX);
        self.rows_of(self.entries_in(after, upper, false), limit, include_deleted)
    }

    /// The same rows in descending order (`sort_direction=desc`).
    pub fn page_desc(
        &self,
        after: u64,
        before: Option<u64>,
        limit: usize,
        include_deleted: bool,
    ) -> Vec<Cow<'_, T>> {
        let upper = before.unwrap_or(u64::MAX);
        self.rows_of(self.entries_in(after, upper, true), limit, include_deleted)
    }

    /// The last `limit` rows at or below `upto`: what a server whose cursor failed to
    /// advance would send again.
    pub fn page_ending_at(
        &self,
        upto: u64,
        limit: usize,
        include_deleted: bool,
    ) -> Vec<Cow<'_, T>> {
        // Version 0 is below every row's: the range starts at 1 either way.
        let mut v = self.rows_of(self.entries_in(0, upto, true), limit, include_deleted);
        v.reverse();
        v
    }
}

/// Two version-ordered streams as one.
struct Merge<A: Iterator, B: Iterator> {
    a: std::iter::Peekable<A>,
    b: std::iter::Peekable<B>,
    desc: bool,
}

impl<'a, T: 'a, A, B> Iterator for Merge<A, B>
where
    A: Iterator<Item = (u64, Entry<'a, T>)>,
    B: Iterator<Item = (u64, Entry<'a, T>)>,
{
    type Item = (u64, Entry<'a, T>);
    fn next(&mut self) -> Option<Self::Item> {
        let take_a = match (self.a.peek(), self.b.peek()) {
            (Some((x, _)), Some((y, _))) => (x < y) != self.desc,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if take_a {
            self.a.next()
        } else {
            self.b.next()
        }
    }
}
