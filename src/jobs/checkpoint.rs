//! Where a job stands, saved after every committed page so a crash or kill resumes from the
//! last committed page. Key: source id + job kind.

use serde::{Deserialize, Serialize};

use super::counts::Counts;
use crate::store::{keys, trees, Record, Store, StoreError, Table};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrimaryPhase {
    /// Reading stock levels; `after` is the inventory cursor.
    Inventory { after: u64 },
    /// Reading products; `after` is the product cursor.
    Products { after: u64 },
    /// Every page is committed; archiving (if on) is next.
    Archive,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrimaryCheckpoint {
    pub run: u64,
    pub phase: PrimaryPhase,
    /// Highest inventory version seen: where Secondary starts after this Primary.
    pub inventory_version: u64,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SecondaryCheckpoint {
    /// Inventory version cursor: records above it have not been applied.
    pub after: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Checkpoint {
    Primary(PrimaryCheckpoint),
    Secondary(SecondaryCheckpoint),
}

impl Record for Checkpoint {
    const VERSION: u16 = 1;
}

#[derive(Clone, Debug)]
pub struct Checkpoints {
    table: Table<Checkpoint>,
    store: Store,
}

impl Checkpoints {
    pub fn open(store: &Store) -> Result<Checkpoints, StoreError> {
        Ok(Checkpoints {
            table: store.table(trees::CHECKPOINTS)?,
            store: store.clone(),
        })
    }

    pub fn primary(&self, source: u64) -> Result<Option<PrimaryCheckpoint>, StoreError> {
        Ok(match self.table.get(&keys::u64_str(source, "primary"))? {
            Some(Checkpoint::Primary(p)) => Some(p),
            _ => None,
        })
    }

    pub fn secondary(&self, source: u64) -> Result<Option<SecondaryCheckpoint>, StoreError> {
        Ok(match self.table.get(&keys::u64_str(source, "secondary"))? {
            Some(Checkpoint::Secondary(p)) => Some(p),
            _ => None,
        })
    }

    /// Saved and flushed: a checkpoint is only worth anything once it is on disk.
    pub fn save_primary(&self, source: u64, c: &PrimaryCheckpoint) -> Result<(), StoreError> {
        self.table.put(
            &keys::u64_str(source, "primary"),
            &Checkpoint::Primary(c.clone()),
        )?;
        self.store.flush()
    }

    pub fn clear_primary(&self, source: u64) -> Result<(), StoreError> {
        self.table.remove(&keys::u64_str(source, "primary"))?;
        self.store.flush()
    }

    pub fn save_secondary(&self, source: u64, c: &SecondaryCheckpoint) -> Result<(), StoreError> {
        self.table.put(
            &keys::u64_str(source, "secondary"),
            &Checkpoint::Secondary(c.clone()),
        )?;
        self.store.flush()
    }
}
