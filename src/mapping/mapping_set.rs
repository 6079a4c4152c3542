//! Mapping sets: two-column "Convert From Value" → "To Value" tables used by Transform It.
//!
//! Lookups are exact except for case and surrounding whitespace: `" New "` finds the row `new`, `News`
//! does not. Both columns are stored trimmed because spreadsheets and hand-typed CSVs add stray spaces that
//! would otherwise create rows nobody can tell apart. Row numbers in messages are 1-based.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::text::{eq_ci, hash_ci};
use super::value::quoted;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct MappingSet {
    pub name: String,
    #[serde(default)]
    pub rows: Vec<MappingRow>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct MappingRow {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MappingSetError {
    #[error("the \"from\" value is blank; type the value to convert")]
    BlankFrom,
    #[error("{} is already mapped in row {row}; edit that row instead", quoted(.from))]
    Duplicate { from: String, row: usize },
    #[error("there is no row {row} (the set has {len} rows)")]
    NoSuchRow { row: usize, len: usize },
}

impl MappingSet {
    pub fn new(name: impl Into<String>) -> Self {
        MappingSet {
            name: name.into(),
            rows: Vec::new(),
        }
    }

    /// Builds a set from pairs, refusing blanks and duplicates like the editor does.
    pub fn from_pairs<F, T>(
        name: impl Into<String>,
        pairs: impl IntoIterator<Item = (F, T)>,
    ) -> Result<Self, MappingSetError>
    where
        F: Into<String>,
        T: Into<String>,
    {
        let mut set = MappingSet::new(name);
        for (f, t) in pairs {
            set.add_row(f, t)?;
        }
        Ok(set)
    }

    /// The `to` value for `key`. A linear scan: for editing and previews; templates use a hashed index.
    pub fn lookup(&self, key: &str) -> Option<&str> {
        let key = key.trim();
        self.rows
            .iter()
            .find(|r| eq_ci(&r.from, key))
            .map(|r| r.to.as_str())
    }

    /// 0-based index of the row whose `from` matches `key`.
    pub fn find_row(&self, key: &str) -> Option<usize> {
        let key = key.trim();
        self.rows.iter().position(|r| eq_ci(&r.from, key))
    }

    pub fn add_row(
        &mut self,
        from: impl Into<String>,
        to: impl Into<String>,
    ) -> Result<(), MappingSetError> {
        let row = clean_row(from.into(), to.into())?;
        if let Some(i) = self.find_row(&row.from) {
            return Err(MappingSetError::Duplicate {
                from: row.from,
                row: i + 1,
            });
        }
        self.rows.push(row);
        Ok(())
    }

    /// Replaces row `index` (0-based). Changing `from` to a value another row already has is refused.
    pub fn update_row(
        &mut self,
        index: usize,
        from: impl Into<String>,
        to: impl Into<String>,
    ) -> Result<(), MappingSetError> {
        let len = self.rows.len();
        if index >= len {
            return Err(MappingSetError::NoSuchRow {
                row: index + 1,
                len,
            });
        }
        let row = clean_row(from.into(), to.into())?;
        if let Some(i) = self.find_row(&row.from).filter(|&i| i != index) {
            return Err(MappingSetError::Duplicate {
                from: row.from,
                row: i + 1,
            });
        }
        if let Some(slot) = self.rows.get_mut(index) {
            *slot = row;
        }
        Ok(())
    }

    pub fn remove_row(&mut self, index: usize) -> Result<MappingRow, MappingSetError> {
        if index >= self.rows.len() {
            return Err(MappingSetError::NoSuchRow {
                row: index + 1,
                len: self.rows.len(),
            });
        }
        Ok(self.rows.remove(index))
    }
}

fn clean_row(from: String, to: String) -> Result<MappingRow, MappingSetError> {
    let from = from.trim();
    if from.is_empty() {
        return Err(MappingSetError::BlankFrom);
    }
    Ok(MappingRow {
        from: from.to_string(),
        to: to.trim().to_string(),
    })
}

/// The hashed form a compiled template probes once per record: no lower-cased copies, one hash of the
/// incoming value and usually a single comparison.
#[derive(Debug)]
pub(crate) struct SetIndex {
    by_hash: HashMap<u64, Vec<usize>>,
    rows: Vec<MappingRow>,
}

impl SetIndex {
    pub(crate) fn new(set: &MappingSet) -> Self {
        let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::with_capacity(set.rows.len());
        for (i, row) in set.rows.iter().enumerate() {
            by_hash.entry(hash_ci(row.from.trim())).or_default().push(i);
        }
        SetIndex {
            by_hash,
            rows: set.rows.clone(),
        }
    }

    pub(crate) fn lookup(&self, key: &str) -> Option<&str> {
        let key = key.trim();
        let candidates = self.by_hash.get(&hash_ci(key))?;
        candidates
            .iter()
            .filter_map(|&i| self.rows.get(i))
            .find(|r| eq_ci(r.from.trim(), key))
            .map(|r| r.to.as_str())
    }

    pub(crate) fn rows(&self) -> &[MappingRow] {
        &self.rows
    }
}
