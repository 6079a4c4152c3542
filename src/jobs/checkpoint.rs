//! Where a job stands, saved after every committed page so a crash or kill resumes from the
//! last committed page. Key: source id + job kind.

use serde::{Deserialize, Serialize};

use super::counts::Counts;
use crate::lightspeed::pager::{Cursor, ReadRange};
use crate::store::{keys, trees, Record, Store, StoreError, Table};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrimaryPhase {
    /// Reading stock levels; `after` is the inventory cursor.
    Inventory {
        #[serde(default)]
        after: Cursor,
    },
    /// Reading products with one cursor (checkpoints of earlier builds); `after` is the
    /// cursor (`None`: from the start).
    Products {
        #[serde(default)]
        after: Cursor,
    },
    /// Every page is committed; archiving (if on) is next.
    Archive,
    /// Reading products as version ranges side by side: each range's cursor, and the version
    /// every row had reached when the read began (see [`crate::lightspeed::pager::RangeMerge`]).
    ProductRanges {
        ranges: Vec<ReadRange>,
        #[serde(default)]
        floor: Cursor,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrimaryCheckpoint {
    pub run: u64,
    pub phase: PrimaryPhase,
    /// Highest inventory version seen: where Secondary starts after this Primary.
    #[serde(default)]
    pub inventory_version: Cursor,
    pub counts: Counts,
    /// Variants mapped before their parent row was seen: (SKU, parent product id).
    #[serde(default)]
    pub pending_parents: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SecondaryCheckpoint {
    /// Inventory version cursor: records above it have not been applied (`None`: none
    /// applied yet).
    #[serde(default)]
    pub after: Cursor,
}

/// How recent the pool's stock is, for Commit Stock: a store sequence number
/// ([`Store::generate_id`]) taken before the last complete stock read (a Primary that was not
/// resumed, or a Secondary) began: its run id. An FR whose release was recorded at a lower number has its
/// sale in the stock the pool holds; one released later is still committed, since the pool's
/// quantity does not show the sale yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StockRead {
    pub seq: u64,
}

// A stored record, decoded one at a time: the size of the small variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Checkpoint {
    Primary(PrimaryCheckpoint),
    Secondary(SecondaryCheckpoint),
    StockRead(StockRead),
}

/// Record 1 kept versions as u64, with 0 for "from the start"; record 2 keeps the spec's
/// int64 (negative versions exist) with `null` for the start, so 0 is a version like any
/// other.
impl Record for Checkpoint {
    const VERSION: u16 = 2;

    fn decode_body(version: u16, body: &[u8]) -> Result<Self, String> {
        let mut c: Checkpoint = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        if version < 2 {
            let start = |a: &mut Cursor| {
                if *a == Some(0) {
                    *a = None;
                }
            };
            match &mut c {
                Checkpoint::Primary(p) => {
                    start(&mut p.inventory_version);
                    match &mut p.phase {
                        PrimaryPhase::Inventory { after } | PrimaryPhase::Products { after } => {
                            start(after)
                        }
                        PrimaryPhase::ProductRanges { ranges, floor } => {
                            for r in ranges {
                                start(&mut r.after);
                            }
                            start(floor);
                        }
                        PrimaryPhase::Archive => {}
                    }
                }
                Checkpoint::Secondary(s) => start(&mut s.after),
                // A store sequence number, not a version.
                Checkpoint::StockRead(_) => {}
            }
        }
        Ok(c)
    }
}

#[derive(Clone, Debug)]
pub struct Checkpoints {
    table: Table<Checkpoint>,
    store: Store,
    last_flush: std::sync::Arc<std::sync::Mutex<std::time::Instant>>,
}

impl Checkpoints {
    pub fn open(store: &Store) -> Result<Checkpoints, StoreError> {
        Ok(Checkpoints {
            table: store.table(trees::CHECKPOINTS)?,
            store: store.clone(),
            last_flush: std::sync::Arc::new(std::sync::Mutex::new(std::time::Instant::now())),
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

    /// Written after the page it describes. sled logs writes in order and recovers a prefix of
    /// its log, so a checkpoint that survives a crash always has its page with it; callers
    /// flush on a cadence ([`Checkpoints::flush_due`]) to bound how much work a crash loses,
    /// instead of paying an fsync per page.
    pub fn save_primary(&self, source: u64, c: &PrimaryCheckpoint) -> Result<(), StoreError> {
        self.table.put(
            &keys::u64_str(source, "primary"),
            &Checkpoint::Primary(c.clone()),
        )?;
        self.flush_due()
    }

    /// Flushes if the last flush was more than a second ago.
    pub fn flush_due(&self) -> Result<(), StoreError> {
        let mut last = self.last_flush.lock().unwrap_or_else(|p| p.into_inner());
        if last.elapsed() >= std::time::Duration::from_secs(1) {
            self.store.flush()?;
            *last = std::time::Instant::now();
        }
        Ok(())
    }

    pub fn clear_primary(&self, source: u64) -> Result<(), StoreError> {
        self.table.remove(&keys::u64_str(source, "primary"))?;
        self.store.flush()
    }

    /// See [`StockRead`]; 0 when no stock read has completed.
    pub fn stock_read(&self, source: u64) -> Result<u64, StoreError> {
        Ok(
            match self.table.get(&keys::u64_str(source, "stock_read"))? {
                Some(Checkpoint::StockRead(r)) => r.seq,
                _ => 0,
            },
        )
    }

    /// Records a complete stock read that began at `seq` (kept if an earlier-begun read
    /// finishes later).
    pub fn save_stock_read(&self, source: u64, seq: u64) -> Result<(), StoreError> {
        if seq <= self.stock_read(source)? {
            return Ok(());
        }
        self.table.put(
            &keys::u64_str(source, "stock_read"),
            &Checkpoint::StockRead(StockRead { seq }),
        )?;
        self.flush_due()
    }

    pub fn save_secondary(&self, source: u64, c: &SecondaryCheckpoint) -> Result<(), StoreError> {
        self.table.put(
            &keys::u64_str(source, "secondary"),
            &Checkpoint::Secondary(c.clone()),
        )?;
        self.flush_due()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::codec;

    /// A checkpoint written by a build that kept versions as u64 reads back, with its 0s
    /// as "from the start" and its other cursors as they were.
    #[test]
    fn record_1_checkpoints_read_back() {
        let old = br#"{"primary":{"run":7,"phase":{"products":{"after":1000123}},"inventory_version":0,"counts":{},"pending_parents":[]}}"#;
        let c = Checkpoint::decode_body(1, old).expect("decodes");
        let Checkpoint::Primary(p) = c else {
            panic!("not primary")
        };
        assert_eq!(
            p.phase,
            PrimaryPhase::Products {
                after: Some(1000123)
            }
        );
        assert_eq!(p.inventory_version, None);
        let sec = Checkpoint::decode_body(1, br#"{"secondary":{"after":0}}"#).unwrap();
        assert_eq!(
            sec,
            Checkpoint::Secondary(SecondaryCheckpoint { after: None })
        );
        let sec = Checkpoint::decode_body(1, br#"{"secondary":{"after":42}}"#).unwrap();
        assert_eq!(
            sec,
            Checkpoint::Secondary(SecondaryCheckpoint { after: Some(42) })
        );
        // Record 2: 0 and negative versions are versions.
        let new = Checkpoint::Secondary(SecondaryCheckpoint { after: Some(-5) });
        let bytes = codec::encode(&new, Checkpoint::VERSION).unwrap();
        let (v, body) = codec::split(&bytes).unwrap();
        assert_eq!(Checkpoint::decode_body(v, body).unwrap(), new);
        let zero = Checkpoint::decode_body(2, br#"{"secondary":{"after":0}}"#).unwrap();
        assert_eq!(
            zero,
            Checkpoint::Secondary(SecondaryCheckpoint { after: Some(0) })
        );
    }
}
