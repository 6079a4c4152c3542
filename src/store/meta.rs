//! Typed access to the `meta` tree (raw big-endian values, no envelope): schema version and row counters.

use std::sync::Arc;

use super::error::StoreError;
use super::keys::{display_key, from_u64_be};
use super::lock::LiveToken;
use super::trees::META;

/// Key of the schema version (`u32` BE).
pub(crate) const SCHEMA_VERSION_KEY: &[u8] = b"schema_version";

const COUNT_PREFIX: &[u8] = b"count:";

/// Handle on the `meta` tree. Cheap to clone. Every `Store` and `Table` carries one, and with it the
/// store's `LiveToken` (declared after the tree, so it drops after it).
#[derive(Clone)]
pub struct Meta {
    tree: sled::Tree,
    _live: Arc<LiveToken>,
}

impl Meta {
    pub(crate) fn new(tree: sled::Tree, live: Arc<LiveToken>) -> Self {
        Meta { tree, _live: live }
    }

    /// Stored schema version; `None` on a fresh database.
    pub fn schema_version(&self) -> Result<Option<u32>, StoreError> {
        let Some(raw) = self.tree.get(SCHEMA_VERSION_KEY)? else {
            return Ok(None);
        };
        let arr: [u8; 4] = raw.as_ref().try_into().map_err(|_| StoreError::Corrupt {
            tree: META.to_owned(),
            key: display_key(SCHEMA_VERSION_KEY),
            why: format!("schema version is {} byte(s), expected 4", raw.len()),
        })?;
        Ok(Some(u32::from_be_bytes(arr)))
    }

    /// Write the schema version (not flushed; migrations flush).
    pub(crate) fn set_schema_version(&self, version: u32) -> Result<(), StoreError> {
        self.tree
            .insert(SCHEMA_VERSION_KEY, &version.to_be_bytes())?;
        Ok(())
    }

    /// Row-count estimate for `tree` (0 if never counted).
    pub(crate) fn count(&self, tree: &str) -> Result<u64, StoreError> {
        let key = count_key(tree);
        match self.tree.get(&key)? {
            None => Ok(0),
            Some(raw) => from_u64_be(&raw).ok_or_else(|| StoreError::Corrupt {
                tree: META.to_owned(),
                key: display_key(&key),
                why: format!("counter is {} byte(s), expected 8", raw.len()),
            }),
        }
    }

    /// Add `delta` to the counter of `tree`, clamping at 0. A malformed counter restarts from 0
    /// (it is an estimate; `Table::recount` repairs it).
    pub(crate) fn add_count(&self, tree: &str, delta: i64) -> Result<(), StoreError> {
        if delta == 0 {
            return Ok(());
        }
        let key = count_key(tree);
        self.tree.update_and_fetch(&key, |old| {
            let old = old.and_then(from_u64_be).unwrap_or(0);
            let new = old.saturating_add_signed(delta);
            Some(new.to_be_bytes().to_vec())
        })?;
        Ok(())
    }

    pub(crate) fn set_count(&self, tree: &str, n: u64) -> Result<(), StoreError> {
        self.tree.insert(count_key(tree), &n.to_be_bytes())?;
        Ok(())
    }
}

fn count_key(tree: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(COUNT_PREFIX.len() + tree.len());
    k.extend_from_slice(COUNT_PREFIX);
    k.extend_from_slice(tree.as_bytes());
    k
}
