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
    /// Send FRs: FRs whose sale is in the store (sent now, or found there by reconciliation).
    pub sent: u64,
    /// Send FRs: of `sent`, found already in the store after an unclear outcome.
    pub reconciled: u64,
    /// Send FRs: due but waiting (stock without backorders, business hours).
    pub held: u64,
    pub info_required: u64,
    pub failed: u64,
    pub canceled: u64,
    /// Send FRs: outcome still unknown; the next run checks the store before sending.
    pub unresolved: u64,
    pub acknowledged: u64,
}

impl Counts {
    /// The summary of a Send FRs run.
    pub fn send_line(&self) -> String {
        format!(
            "sent {} (of which {} found already in the store), held {}, additional info required {}, failed {}, canceled {}, unresolved {}, acknowledged {}",
            self.sent,
            self.reconciled,
            self.held,
            self.info_required,
            self.failed,
            self.canceled,
            self.unresolved,
            self.acknowledged
        )
    }

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
