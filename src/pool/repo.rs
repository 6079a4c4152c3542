//! Reading and writing pool items in page-sized atomic batches.

use crate::store::{keys, trees, Record, Store, StoreError, Table, TableBatch};

use super::item::PoolItem;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SkuRef(pub String);

impl Record for SkuRef {
    const VERSION: u16 = 1;
}

#[derive(Clone, Debug)]
pub struct Pool {
    items: Table<PoolItem>,
    ids: Table<SkuRef>,
}

/// Writes for one page, applied together.
pub struct PoolWrite {
    items: TableBatch<PoolItem>,
    ids: TableBatch<SkuRef>,
    pub len: usize,
}

impl Pool {
    pub fn open(store: &Store) -> Result<Pool, StoreError> {
        Ok(Pool {
            items: store.table(trees::POOL)?,
            ids: store.table(trees::POOL_IDS)?,
        })
    }

    pub fn get(&self, source: u64, sku: &str) -> Result<Option<PoolItem>, StoreError> {
        self.items.get(&keys::u64_str(source, sku))
    }

    pub fn sku_of(&self, source: u64, product_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .ids
            .get(&keys::product_key(source, product_id))?
            .map(|s| s.0))
    }

    /// Every item of a source, in SKU order.
    pub fn iter(&self, source: u64) -> impl Iterator<Item = Result<PoolItem, StoreError>> {
        self.items
            .scan_prefix(keys::u64_prefix(source))
            .map(|r| r.map(|(_, v)| v))
    }

    pub fn count(&self, source: u64) -> Result<u64, StoreError> {
        let mut n = 0;
        for k in self.items.scan_prefix(keys::u64_prefix(source)) {
            k?;
            n += 1;
        }
        Ok(n)
    }

    pub fn write(&self) -> PoolWrite {
        PoolWrite {
            items: self.items.batch(),
            ids: self.ids.batch(),
            len: 0,
        }
    }

    pub fn stage(&self, w: &mut PoolWrite, source: u64, item: &PoolItem) -> Result<(), StoreError> {
        self.stage_with(w, source, item, true)
    }

    /// [`Pool::stage`], writing the id index entry only when `index`: a caller that read the
    /// item back under the same product id knows the entry is there already (it was written
    /// before the item, in the same or an earlier page), and on a catalog that is imported
    /// again every run, skipping it halves the keys written.
    pub fn stage_with(
        &self,
        w: &mut PoolWrite,
        source: u64,
        item: &PoolItem,
        index: bool,
    ) -> Result<(), StoreError> {
        w.items.put(keys::u64_str(source, &item.sku), item)?;
        if index && !item.product_id.is_empty() {
            w.ids.put(
                keys::product_key(source, &item.product_id),
                &SkuRef(item.sku.clone()),
            )?;
        }
        w.len += 1;
        Ok(())
    }

    /// Applies a page: the id index first, so an item is never visible without its index.
    pub fn commit(&self, w: PoolWrite) -> Result<(), StoreError> {
        self.ids.apply_batch_uncounted(w.ids)?;
        let r = self.items.apply_batch_uncounted(w.items);
        super::index::bump_generation();
        r
    }

    /// Removes every item of a source (used when a source is removed).
    pub fn clear(&self, source: u64) -> Result<u64, StoreError> {
        let mut w = self.write();
        let mut n = 0;
        for row in self.items.scan_prefix(keys::u64_prefix(source)) {
            let (k, v) = row?;
            w.items.remove(k.to_vec());
            w.ids.remove(keys::product_key(source, &v.product_id));
            n += 1;
        }
        self.commit(w)?;
        Ok(n)
    }
}
