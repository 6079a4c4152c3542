//! A collection ordered by the global version, as every X-Series list is: rows keyed by
//! id, plus a version index so `after`/`before` paging is a range scan, whatever the size.

use std::collections::{BTreeMap, HashMap};

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
