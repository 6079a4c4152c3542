//! `Table<V>`: typed access to one sled tree whose values are [`Record`] envelopes.
//!
//! All methods block (sled is synchronous); call them from `spawn_blocking` in async code if a call may
//! touch many rows.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, RangeBounds};

use super::codec::{decode_record, encode_record, Record};
use super::error::StoreError;
use super::keys::display_key;
use super::meta::Meta;
use super::trees::TreeName;

/// A typed tree. Cheap to clone (sled handles are `Arc`s).
///
/// Keys are raw bytes built with [`keys`](super::keys). Rows come back in key byte order; for a string-keyed
/// table (e.g. connections by name) that is code-point order, so [`Table::iter`] lists names sorted.
///
/// Note: a live `Table` keeps the database (and its file lock) open even after the `Store` is dropped.
pub struct Table<V> {
    name: TreeName,
    tree: sled::Tree,
    meta: Meta,
    _v: PhantomData<fn() -> V>,
}

impl<V> Clone for Table<V> {
    fn clone(&self) -> Self {
        Table {
            name: self.name,
            tree: self.tree.clone(),
            meta: self.meta.clone(),
            _v: PhantomData,
        }
    }
}

impl<V> fmt::Debug for Table<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<V: Record> Table<V> {
    pub(crate) fn new(name: TreeName, tree: sled::Tree, meta: Meta) -> Self {
        Table {
            name,
            tree,
            meta,
            _v: PhantomData,
        }
    }

    pub fn name(&self) -> TreeName {
        self.name
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<V>, StoreError> {
        match self.tree.get(key)? {
            None => Ok(None),
            Some(bytes) => decode_record(self.name.as_str(), key, &bytes).map(Some),
        }
    }

    pub fn contains_key(&self, key: &[u8]) -> Result<bool, StoreError> {
        Ok(self.tree.contains_key(key)?)
    }

    /// Insert or replace. Returns `true` if the key was new.
    pub fn put(&self, key: &[u8], value: &V) -> Result<bool, StoreError> {
        let bytes = encode_record(self.name.as_str(), value)?;
        let was_new = self.tree.insert(key, bytes)?.is_none();
        if was_new {
            self.meta.add_count(self.name.as_str(), 1)?;
        }
        Ok(was_new)
    }

    /// Remove. Returns `true` if the key existed.
    pub fn remove(&self, key: &[u8]) -> Result<bool, StoreError> {
        let existed = self.tree.remove(key)?.is_some();
        if existed {
            self.meta.add_count(self.name.as_str(), -1)?;
        }
        Ok(existed)
    }

    /// All rows in key order (double-ended: `.rev()` / `.next_back()` for newest-first).
    pub fn iter(&self) -> Iter<V> {
        Iter::new(self.name, self.tree.iter())
    }

    /// Rows whose key is in `range`, in key order.
    pub fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Iter<V> {
        Iter::new(self.name, self.tree.range(range))
    }

    /// Rows whose key starts with `prefix` (e.g. [`keys::u64_prefix`](super::keys::u64_prefix)), in key order.
    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Iter<V> {
        Iter::new(self.name, self.tree.scan_prefix(prefix))
    }

    /// O(1): whether the tree has no rows.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// Row count from a counter in `meta`, O(1). An *estimate*: it is updated right after each write, not
    /// atomically with it, so a crash between the two or concurrent batches touching the same new keys can
    /// make it drift slightly; writes through `Table::raw_tree` are not counted. [`Table::recount`] repairs
    /// it. (sled's own `len()` is a full O(n) scan.)
    pub fn len_estimate(&self) -> Result<u64, StoreError> {
        self.meta.count(self.name.as_str())
    }

    /// Count rows with a full O(n) key scan (values are not decoded) and reset the counter to the result.
    pub fn recount(&self) -> Result<u64, StoreError> {
        let mut n = 0u64;
        for k in self.tree.iter().keys() {
            k?;
            n += 1;
        }
        self.meta.set_count(self.name.as_str(), n)?;
        Ok(n)
    }

    /// An empty batch for this table.
    pub fn batch(&self) -> TableBatch<V> {
        TableBatch {
            name: self.name,
            ops: BTreeMap::new(),
            _v: PhantomData,
        }
    }

    /// Apply all puts/removes of `batch` atomically (one `sled::Batch`). Later operations on the same key
    /// win, as with `sled::Batch`. Costs one extra key lookup per distinct key to maintain the counter.
    pub fn apply_batch(&self, batch: TableBatch<V>) -> Result<(), StoreError> {
        let mut delta: i64 = 0;
        let mut raw = sled::Batch::default();
        for (key, op) in batch.ops {
            let existed = self.tree.contains_key(&key)?;
            match op {
                Some(bytes) => {
                    if !existed {
                        delta += 1;
                    }
                    raw.insert(key, bytes);
                }
                None => {
                    if existed {
                        delta -= 1;
                    }
                    raw.remove(key);
                }
            }
        }
        self.tree.apply_batch(raw)?;
        self.meta.add_count(self.name.as_str(), delta)
    }

    /// For bulk trees (the pool and its index) written a page at a time: no row counter (the
    /// extra lookup per key costs more than the write, and nobody reads the count; see
    /// [`Table::recount`]), and applied key by key rather than atomically. A `sled::Batch`
    /// seals and rolls sled's 512 KiB log buffer before and after every batch (sled 0.34
    /// `PageCache::pin_log`), so batches of a page cost a fresh buffer, a write and page
    /// faults each; single inserts share the buffer. Callers make re-applying a page harmless
    /// (checkpoints are written after the page).
    pub fn apply_batch_uncounted(&self, batch: TableBatch<V>) -> Result<(), StoreError> {
        for (key, op) in batch.ops {
            match op {
                Some(bytes) => {
                    self.tree.insert(key, bytes)?;
                }
                None => {
                    self.tree.remove(key)?;
                }
            }
        }
        Ok(())
    }

    /// Envelope `value` for writing through `Table::raw_tree` (crate-internal) inside a transaction.
    pub fn encode_value(&self, value: &V) -> Result<Vec<u8>, StoreError> {
        encode_record(self.name.as_str(), value)
    }

    /// Decode bytes read through `Table::raw_tree` (crate-internal) inside a transaction.
    pub fn decode_value(&self, key: &[u8], bytes: &[u8]) -> Result<V, StoreError> {
        decode_record(self.name.as_str(), key, bytes)
    }

    /// The underlying tree, for multi-tree transactions inside the crate:
    /// `(a.raw_tree(), b.raw_tree()).transaction(|(ta, tb)| …)` with values from [`Table::encode_value`],
    /// errors via `ConflictableTransactionError::Abort(StoreError)` and `StoreError::from(TransactionError)`.
    /// The closure may be re-run on conflict: no side effects inside. Raw writes bypass the row counter.
    #[allow(dead_code)] // used by later entity modules (multi-tree transactions) and the unit test below
    pub(crate) fn raw_tree(&self) -> &sled::Tree {
        &self.tree
    }
}

/// Typed puts/removes for [`Table::apply_batch`]. Values are encoded when added, so encode errors surface early.
pub struct TableBatch<V> {
    name: TreeName,
    ops: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    _v: PhantomData<fn() -> V>,
}

impl<V: Record> TableBatch<V> {
    pub fn put(&mut self, key: impl Into<Vec<u8>>, value: &V) -> Result<(), StoreError> {
        let bytes = encode_record(self.name.as_str(), value)?;
        self.ops.insert(key.into(), Some(bytes));
        Ok(())
    }

    pub fn remove(&mut self, key: impl Into<Vec<u8>>) {
        self.ops.insert(key.into(), None);
    }

    /// Number of distinct keys touched.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// A key as stored (no copy for short keys). Derefs to `[u8]`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StoredKey(sled::IVec);

impl Deref for StoredKey {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for StoredKey {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredKey({})", display_key(&self.0))
    }
}

/// Decoding iterator over a table. An undecodable row yields `Err(StoreError::Corrupt)` and iteration
/// continues with the next row; the caller decides whether to skip or stop.
pub struct Iter<V> {
    name: TreeName,
    inner: sled::Iter,
    _v: PhantomData<fn() -> V>,
}

impl<V: Record> Iter<V> {
    fn new(name: TreeName, inner: sled::Iter) -> Self {
        Iter {
            name,
            inner,
            _v: PhantomData,
        }
    }

    fn decode(
        &self,
        item: sled::Result<(sled::IVec, sled::IVec)>,
    ) -> Result<(StoredKey, V), StoreError> {
        let (k, v) = item?;
        let value = decode_record(self.name.as_str(), &k, &v)?;
        Ok((StoredKey(k), value))
    }
}

impl<V: Record> Iterator for Iter<V> {
    type Item = Result<(StoredKey, V), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.inner.next()?;
        Some(self.decode(item))
    }
}

impl<V: Record> DoubleEndedIterator for Iter<V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let item = self.inner.next_back()?;
        Some(self.decode(item))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{keys, trees, Store};
    use super::*;
    use sled::transaction::{ConflictableTransactionError, Transactional};

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Row {
        n: u32,
    }
    impl Record for Row {
        const VERSION: u16 = 1;
    }

    #[test]
    fn multi_tree_transaction_through_raw_trees() -> Result<(), StoreError> {
        let store = Store::open_temporary()?;
        let a: Table<Row> = store.table(trees::RUNS)?;
        let b: Table<Row> = store.table(trees::RUN_LOGS)?;
        let av = a.encode_value(&Row { n: 1 })?;
        let bv = b.encode_value(&Row { n: 2 })?;
        (a.raw_tree(), b.raw_tree())
            .transaction(|(ta, tb)| {
                ta.insert(&keys::u64_be(7), av.clone())?;
                tb.insert(&keys::u64_u64(7, 0), bv.clone())?;
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(StoreError::from)?;
        assert_eq!(a.get(&keys::u64_be(7))?, Some(Row { n: 1 }));
        assert_eq!(b.get(&keys::u64_u64(7, 0))?, Some(Row { n: 2 }));

        // An aborted transaction writes nothing and hands back our error.
        let err: Result<(), StoreError> = (a.raw_tree(), b.raw_tree())
            .transaction(|(ta, _tb)| {
                ta.insert(&keys::u64_be(8), av.clone())?;
                Err(ConflictableTransactionError::Abort(StoreError::NoDataDir))
            })
            .map_err(StoreError::from);
        assert!(matches!(err, Err(StoreError::NoDataDir)));
        assert_eq!(a.get(&keys::u64_be(8))?, None);
        Ok(())
    }
}
