//! What a run did, in the seed's terms.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counts {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub archived: u64,
    pub unarchived: u64,
    pub skipped: u64,
    /// Records with at least one per-field mapping error (still imported where possible).
    pub errors: u64,
    /// SKUs that appeared more than once in the feed (the first row is kept, the rest reported).
    pub duplicates: u64,
    pub requests: u64,
}

impl Counts {
    pub fn line(&self) -> String {
        format!(
            "new {}, updated {}, unchanged {}, archived {}, un-archived {}, skipped {}, errors {}, duplicate SKUs {}",
            self.new,
            self.updated,
            self.unchanged,
            self.archived,
            self.unarchived,
            self.skipped,
            self.errors,
            self.duplicates
        )
    }
}
