//! Stock per (product, outlet), kept so a change reported for one outlet can be summed with
//! the others without asking the store again.

use crate::store::{keys, trees, Record, Store, StoreError, Table, TableBatch};

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Level(pub f64);

impl Record for Level {
    const VERSION: u16 = 1;
}

#[derive(Clone, Debug)]
pub struct Levels {
    table: Table<Level>,
}

fn key(source: u64, product: &str, outlet: &str) -> Vec<u8> {
    let mut k = keys::u64_str_prefix(source, product);
    k.extend_from_slice(outlet.as_bytes());
    k
}

impl Levels {
    pub fn open(store: &Store) -> Result<Levels, StoreError> {
        Ok(Levels {
            table: store.table(trees::LEVELS)?,
        })
    }

    pub fn batch(&self) -> TableBatch<Level> {
        self.table.batch()
    }

    pub fn stage(
        &self,
        b: &mut TableBatch<Level>,
        source: u64,
        product: &str,
        outlet: &str,
        level: Option<f64>,
    ) -> Result<(), StoreError> {
        let k = key(source, product, outlet);
        match level {
            Some(l) => b.put(k, &Level(l)),
            None => {
                b.remove(k);
                Ok(())
            }
        }
    }

    pub fn apply(&self, b: TableBatch<Level>) -> Result<(), StoreError> {
        self.table.apply_batch_uncounted(b)
    }

    /// Every stored level of a source as (product id, outlet id, level), in key order.
    pub fn all(
        &self,
        source: u64,
    ) -> impl Iterator<Item = Result<(String, String, f64), StoreError>> + '_ {
        self.table.scan_prefix(keys::u64_prefix(source)).map(|r| {
            let (k, v) = r?;
            let rest = &k[8..];
            let sep = rest.iter().position(|b| *b == 0xFF).unwrap_or(rest.len());
            let product = String::from_utf8_lossy(&rest[..sep]).into_owned();
            let outlet = String::from_utf8_lossy(rest.get(sep + 1..).unwrap_or(&[])).into_owned();
            Ok((product, outlet, v.0))
        })
    }

    /// Stock of `product`: the sum over outlets, or one outlet's.
    pub fn quantity(
        &self,
        source: u64,
        product: &str,
        outlet: Option<&str>,
    ) -> Result<Option<f64>, StoreError> {
        if let Some(o) = outlet {
            return Ok(self.table.get(&key(source, product, o))?.map(|l| l.0));
        }
        let mut sum = None;
        for row in self
            .table
            .scan_prefix(keys::u64_str_prefix(source, product))
        {
            let (_, l) = row?;
            *sum.get_or_insert(0.0) += l.0;
        }
        Ok(sum)
    }
}
