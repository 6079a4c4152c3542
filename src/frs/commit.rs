//! Commit Stock (Flxpoint's rule): Available = the store's quantity − units committed to open
//! FRs. An FR's units are committed from its import until it is released: when it is
//! Canceled, or when the pool's stock reflects its sale.
//!
//! The store takes a sale's stock out either when the sale is created or when it is closed
//! (undocumented; the source's [`CommitRelease`] setting says which). lsbridge learns the
//! first when the FR becomes Processed and the second when it becomes Acknowledged; the
//! repository stamps each with the store sequence number of that status change, in the same
//! transaction (see [`mark_release`]). The pool's quantity shows the sale only after a stock
//! read that began later, so an FR stays committed until such a read has completed: neither
//! the sale nor the commitment is ever counted twice, nor dropped before the stock shows it.
//!
//! Nothing else is stored: committed units are derived from the FRs each time, so they are
//! right after any crash.

use std::collections::HashMap;

use super::model::{Fr, FrStatus, LineState};
use super::repo::Frs;
use crate::source::CommitRelease;
use crate::store::StoreError;

/// Stamps `fr`, whose status has just changed in the transaction whose event has `seq`, with
/// the point that can release it.
pub(super) fn mark_release(fr: &mut Fr, seq: u64) {
    match fr.status {
        FrStatus::Processed => {
            fr.sale_created_seq.get_or_insert(seq);
        }
        FrStatus::Acknowledged => {
            fr.sale_created_seq.get_or_insert(seq);
            fr.sale_closed_seq.get_or_insert(seq);
        }
        _ => {}
    }
}

/// Whether `fr`'s units are still committed, given the release point and the sequence number
/// at which the last complete stock read began (0: none yet).
pub fn is_committed(fr: &Fr, release: CommitRelease, stock_read: u64) -> bool {
    // A stamp from before this version: the sale was handled long ago.
    let in_stock = |seq: Option<u64>| seq.is_none_or(|s| stock_read > s);
    match fr.status {
        FrStatus::Unprocessed
        | FrStatus::Processing
        | FrStatus::Failed
        | FrStatus::AdditionalInfoRequired => true,
        FrStatus::Canceled | FrStatus::DuplicateFrNumber => false,
        FrStatus::Processed => match release {
            CommitRelease::SaleCreated => !in_stock(fr.sale_created_seq),
            CommitRelease::SaleClosed => true,
        },
        FrStatus::Acknowledged => match release {
            CommitRelease::SaleCreated => !in_stock(fr.sale_created_seq),
            CommitRelease::SaleClosed => !in_stock(fr.sale_closed_seq),
        },
    }
}

/// The (SKU, units) `fr` commits now. A canceled line commits nothing; once the store has the
/// sale, only the lines it carries do.
pub fn committed_lines(
    fr: &Fr,
    release: CommitRelease,
    stock_read: u64,
) -> impl Iterator<Item = (&str, f64)> {
    let open = is_committed(fr, release, stock_read);
    let sent_only = matches!(fr.status, FrStatus::Processed | FrStatus::Acknowledged);
    fr.items
        .iter()
        .filter(move |i| {
            open && match i.line {
                LineState::Canceled { .. } => false,
                LineState::Sent => true,
                LineState::Pending | LineState::NotSent { .. } => !sent_only,
            }
        })
        .map(|i| (i.sku.trim(), i.quantity))
}

impl Frs {
    /// Units committed per SKU (as the FR lines spell it, trimmed) over `source`'s FRs.
    pub fn committed(
        &self,
        source: u64,
        release: CommitRelease,
        stock_read: u64,
    ) -> Result<HashMap<String, f64>, StoreError> {
        let mut out: HashMap<String, f64> = HashMap::new();
        for fr in self.list(Some(source), None)? {
            for (sku, units) in committed_lines(&fr, release, stock_read) {
                if units.is_finite() && units > 0.0 {
                    *out.entry(sku.to_string()).or_default() += units;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frs::model::FrItem;

    fn fr(status: FrStatus, lines: &[(&str, f64, LineState)]) -> Fr {
        Fr {
            status,
            items: lines
                .iter()
                .map(|(s, q, l)| FrItem {
                    sku: s.to_string(),
                    quantity: *q,
                    line: l.clone(),
                    ..FrItem::default()
                })
                .collect(),
            ..Fr::default()
        }
    }

    fn units(f: &Fr, r: CommitRelease, read: u64) -> f64 {
        committed_lines(f, r, read).map(|(_, q)| q).sum()
    }

    #[test]
    fn open_frs_commit_every_line_but_the_canceled_ones() {
        use FrStatus::*;
        let lines = [
            ("A", 2.0, LineState::Pending),
            ("B", 1.0, LineState::NotSent { reason: "x".into() }),
            ("C", 5.0, LineState::Canceled { reason: "y".into() }),
        ];
        for s in [Unprocessed, Processing, Failed, AdditionalInfoRequired] {
            for r in CommitRelease::ALL {
                assert_eq!(units(&fr(s, &lines), r, 99), 3.0, "{s:?} {r:?}");
            }
        }
        for s in [Canceled, DuplicateFrNumber] {
            assert_eq!(units(&fr(s, &lines), CommitRelease::SaleClosed, 0), 0.0);
        }
    }

    #[test]
    fn a_sale_releases_its_units_once_a_later_stock_read_has_completed() {
        let lines = [
            ("A", 2.0, LineState::Sent),
            ("B", 1.0, LineState::NotSent { reason: "x".into() }),
        ];
        let mut f = fr(FrStatus::Processed, &lines);
        mark_release(&mut f, 10);
        assert_eq!(f.sale_created_seq, Some(10));
        // Sale created: committed until a read that began after seq 10.
        assert_eq!(units(&f, CommitRelease::SaleCreated, 9), 2.0);
        assert_eq!(units(&f, CommitRelease::SaleCreated, 10), 2.0);
        assert_eq!(units(&f, CommitRelease::SaleCreated, 11), 0.0);
        // Sale closed: committed while the sale is open, whatever the reads.
        assert_eq!(units(&f, CommitRelease::SaleClosed, 50), 2.0);
        f.status = FrStatus::Acknowledged;
        mark_release(&mut f, 60);
        assert_eq!(f.sale_created_seq, Some(10), "the first stamp stays");
        assert_eq!(f.sale_closed_seq, Some(60));
        assert_eq!(units(&f, CommitRelease::SaleClosed, 50), 2.0);
        assert_eq!(units(&f, CommitRelease::SaleClosed, 61), 0.0);
        assert_eq!(units(&f, CommitRelease::SaleCreated, 11), 0.0);
    }
}
