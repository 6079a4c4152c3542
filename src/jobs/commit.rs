//! Commit Stock as the pool shows it: each item's Quantity (from the store), Committed (units
//! of open FRs, see [`crate::frs::commit`]) and Available (what is left to sell).

use std::collections::HashMap;

use super::checkpoint::Checkpoints;
use crate::frs::Frs;
use crate::pool::PoolItem;
use crate::source::Source;
use crate::store::{Store, StoreError};

/// Units committed per SKU for `source`; empty when its Commit Stock is off.
#[derive(Debug, Clone, Default)]
pub struct Commitments(HashMap<String, f64>);

impl Commitments {
    pub fn load(store: &Store, source: &Source) -> Result<Commitments, StoreError> {
        if !source.commit_stock {
            return Ok(Commitments::default());
        }
        let stock_read = Checkpoints::open(store)?.stock_read(source.id)?;
        Ok(Commitments(Frs::open(store)?.committed(
            source.id,
            source.commit_release,
            stock_read,
        )?))
    }

    pub fn of(&self, sku: &str) -> f64 {
        self.0.get(sku).copied().unwrap_or(0.0)
    }

    /// Fills in `item.committed` (the pool stores no commitments: they follow the FRs).
    pub fn apply(&self, item: &mut PoolItem) {
        item.committed = self.of(&item.sku);
    }
}
