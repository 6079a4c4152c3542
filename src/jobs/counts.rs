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
    /// Records left out because they have no SKU after mapping.
    pub skipped: u64,
    /// Records with at least one per-field mapping error (still imported where possible).
    /// In Primary these are not also counted as new, updated or unchanged (see
    /// [`Counts::accounted`]).
    pub errors: u64,
    /// SKUs that appeared more than once in the feed (the first row is kept, the rest reported).
    pub duplicates: u64,
    /// Primary: product rows read from the feed, deleted ones included.
    pub read: u64,
    /// Primary: rows the store has deleted (never pool items; archiving handles their items).
    pub deleted: u64,
    /// Primary: products that are not stock items (no inventory tracking, which is how gift
    /// cards and services come, or the store's discount product), left out unless the
    /// source's "include not-stock items" setting is on.
    pub not_stock: u64,
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

    /// Primary: every row read lands in exactly one of these buckets, so this equals
    /// [`Counts::read`].
    pub fn accounted(&self) -> u64 {
        self.new + self.updated + self.unchanged + self.skipped_total() + self.errors
    }

    /// Primary: rows not imported, for any reason other than a mapping error.
    pub fn skipped_total(&self) -> u64 {
        self.deleted + self.not_stock + self.skipped + self.duplicates
    }

    /// The summary of a Primary run: every row read is accounted for.
    pub fn primary_line(&self) -> String {
        let mut why = Vec::new();
        for (n, label) in [
            (self.not_stock, "not stock items"),
            (self.deleted, "deleted in the store"),
            (self.skipped, "no SKU"),
            (self.duplicates, "duplicate SKUs"),
        ] {
            if n > 0 {
                why.push(format!("{label} {n}"));
            }
        }
        let why = if why.is_empty() {
            String::new()
        } else {
            format!(" ({})", why.join(", "))
        };
        format!(
            "new {}, updated {}, unchanged {}, skipped {}{why}, errors {} of {} read; archived {}, un-archived {}",
            self.new,
            self.updated,
            self.unchanged,
            self.skipped_total(),
            self.errors,
            self.read,
            self.archived,
            self.unarchived
        )
    }

    pub fn line(&self) -> String {
        // Not-stock rows are skipped too: without them the progress line would say "skipped
        // 0" while the summary says "skipped 9 (not stock items 9)".
        let not_stock = if self.not_stock > 0 {
            format!(", not stock items {}", self.not_stock)
        } else {
            String::new()
        };
        format!(
            "new {}, updated {}, unchanged {}, archived {}, un-archived {}, skipped {}, errors {}, duplicate SKUs {}{not_stock}",
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
