//! One pool item and how an incoming mapped record updates it.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::levels::StockLevels;
use crate::mapping::{field_name, FieldName, FieldValue, MappedRecord, Outcome};
use crate::store::Record;

/// How many field changes each item remembers.
pub const HISTORY_LEN: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub run: u64,
    pub field: String,
    pub old: FieldValue,
    pub new: FieldValue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct PoolItem {
    pub sku: String,
    /// Lightspeed product id of the row this item came from.
    pub product_id: String,
    pub parent_sku: Option<String>,
    /// A family parent (carries no stock of its own).
    pub is_parent: bool,
    /// Mapped target fields by target name (`Title`, `Cost`, `Option Name 1`, `Custom Field 7`…).
    pub fields: BTreeMap<FieldName, FieldValue>,
    pub archived: bool,
    pub last_seen_run: u64,
    pub history: VecDeque<Change>,
    /// Stock per outlet as last read, so a change at one outlet can be summed with the
    /// others without asking the store again.
    pub stock: StockLevels,
    /// Commit Stock: units committed to open FRs. Never stored (the wire form leaves it
    /// out): it follows the FRs, and readers that show or export the pool fill it in
    /// (`jobs::commit::Commitments`).
    pub committed: f64,
}

/// Version 1 bodies were JSON, version 2 postcard with field names as text and no stock.
/// Version 3 is the compact form in [`super::wire`]: the pool is the largest and hottest
/// tree, and sled's cost per write grows with the bytes written.
impl Record for PoolItem {
    const VERSION: u16 = 3;

    fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), String> {
        super::wire::encode(self, out)
    }

    fn decode_body(version: u16, body: &[u8]) -> Result<Self, String> {
        match version {
            1 => serde_json::from_slice(body).map_err(|e| e.to_string()),
            2 => super::wire::decode_v2(body),
            _ => super::wire::decode(body),
        }
    }
}

impl PoolItem {
    pub fn quantity(&self) -> Option<f64> {
        match self.fields.get("Quantity") {
            Some(FieldValue::Number(n)) => Some(*n),
            _ => None,
        }
    }

    /// What is left to sell: Quantity − Committed, never below zero (`None` without a
    /// quantity).
    pub fn available(&self) -> Option<f64> {
        self.quantity().map(|q| (q - self.committed).max(0.0))
    }

    /// Applies a mapped record: Set writes, Clear empties, Keep (Skip It, or a field that failed)
    /// leaves the stored value. Changed fields go to `diff` when given. Returns whether anything
    /// changed.
    pub fn apply_mapped(
        &mut self,
        run: u64,
        mapped: &MappedRecord,
        mut diff: Option<&mut BTreeMap<String, (FieldValue, FieldValue)>>,
    ) -> bool {
        let mut changed = false;
        for (target, outcome) in mapped.iter() {
            let new = match outcome {
                Outcome::Set(v) => v.clone(),
                Outcome::Clear => FieldValue::Empty,
                Outcome::Keep => continue,
            };
            let old = match diff {
                Some(_) => self
                    .fields
                    .get(target)
                    .cloned()
                    .unwrap_or(FieldValue::Empty),
                None => FieldValue::Empty,
            };
            if self.set(run, target, new.clone()) {
                changed = true;
                if let Some(d) = diff.as_deref_mut() {
                    d.insert(target.to_string(), (old, new));
                }
            }
        }
        changed
    }

    /// Fills a new item from a mapped record: the same fields as [`PoolItem::apply_mapped`],
    /// without history (a variant's first values are not changes, and twenty "empty → x"
    /// entries would double the size of every new item).
    /// The values are moved out of `mapped` (see [`MappedRecord::drain_named`]).
    pub fn fill_new(&mut self, mapped: &mut MappedRecord) {
        for (target, outcome) in mapped.drain_named() {
            match outcome {
                Outcome::Set(v) if v != FieldValue::Empty => {
                    self.fields.insert(target.clone(), v);
                }
                Outcome::Set(_) | Outcome::Clear => {
                    self.fields.remove(target.as_ref());
                }
                Outcome::Keep => {}
            }
        }
    }

    /// Set `field` to `value`, recording the change. Returns whether anything changed.
    pub fn set(&mut self, run: u64, field: &str, value: FieldValue) -> bool {
        let old = self.fields.get(field).cloned().unwrap_or(FieldValue::Empty);
        if old == value {
            return false;
        }
        if value == FieldValue::Empty {
            self.fields.remove(field);
        } else {
            self.fields.insert(field_name(field), value.clone());
        }
        self.history.push_back(Change {
            run,
            field: field.to_string(),
            old,
            new: value,
        });
        while self.history.len() > HISTORY_LEN {
            self.history.pop_front();
        }
        true
    }
}
