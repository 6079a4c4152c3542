//! What the Overview knows, apart from how it is drawn: the latest run and next run of every
//! integration, each connection's budget, the FR queue and the last failures. Filled from
//! replies; read by `draw` through `&self` only.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::engine::{Integration, RateLimitView};
use crate::frs::{Fr, FrStatus};
use crate::jobs::runs::{LogLine, RunRecord};
use crate::jobs::Outcome;

/// Failed runs listed.
pub const FAILURES: usize = 8;

#[derive(Debug, Default)]
pub struct OverviewState {
    /// Newest run per (source name, kind).
    pub last: BTreeMap<(String, Integration), RunRecord>,
    /// Next scheduled run per (source name, kind).
    pub next: BTreeMap<(String, Integration), SystemTime>,
    /// One per connection (so an empty list is a data dir without connections).
    pub rates: Vec<RateLimitView>,
    pub rates_loaded: bool,
    /// FRs per status, in lifecycle order, statuses with none left out.
    pub fr_counts: Vec<(FrStatus, u64)>,
    /// Import time of the oldest FR not sent yet (Unprocessed or Processing).
    pub oldest_waiting: Option<SystemTime>,
    /// Failed and partial runs, newest first.
    pub failures: Vec<RunRecord>,
    /// The selected failure.
    pub selected: usize,
    /// The open run log and its scroll position.
    pub log: Option<(RunRecord, Vec<LogLine>, usize)>,
}

impl OverviewState {
    pub fn set_runs(&mut self, runs: Vec<RunRecord>) {
        self.last.clear();
        self.failures.clear();
        // Newest first: the first seen per integration is its latest.
        for r in runs {
            if matches!(r.outcome, Outcome::Failed | Outcome::Partial)
                && self.failures.len() < FAILURES
            {
                self.failures.push(r.clone());
            }
            self.last.entry((r.source.clone(), r.kind)).or_insert(r);
        }
        self.selected = self.selected.min(self.failures.len().saturating_sub(1));
    }

    pub fn set_frs(&mut self, frs: &[Fr]) {
        self.oldest_waiting = None;
        self.fr_counts = FrStatus::ALL
            .iter()
            .map(|s| (*s, frs.iter().filter(|f| f.status == *s).count() as u64))
            .filter(|(_, n)| *n > 0)
            .collect();
        for f in frs {
            if matches!(f.status, FrStatus::Unprocessed | FrStatus::Processing) {
                if let Some(t) = crate::frs::model::parse_time(&f.imported_at) {
                    self.oldest_waiting = Some(self.oldest_waiting.map_or(t, |o| o.min(t)));
                }
            }
        }
    }

    pub fn selected_failure(&self) -> Option<&RunRecord> {
        self.failures.get(self.selected)
    }
}

/// The first line of a run's message (the one-line reason).
pub fn reason(r: &RunRecord) -> &str {
    r.message.lines().next().unwrap_or("")
}

/// A UTC time as `HH:MM`, and with the local time: `14:05 UTC (16:05 local)`.
pub fn utc_hm(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%H:%M")
        .to_string()
}

pub fn utc_and_local(t: SystemTime, now: SystemTime) -> String {
    let utc = chrono::DateTime::<chrono::Utc>::from(t);
    let local = utc.with_timezone(&chrono::Local);
    let same_day = chrono::DateTime::<chrono::Utc>::from(now).date_naive() == utc.date_naive();
    if same_day {
        format!(
            "{} UTC ({} local)",
            utc.format("%H:%M"),
            local.format("%H:%M")
        )
    } else {
        format!(
            "{} UTC ({} local)",
            utc.format("%m-%d %H:%M"),
            local.format("%H:%M")
        )
    }
}

/// `▁▂▅█`: one bar per span, scaled to the largest; `▁` is none at all.
pub fn sparkline(values: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if max == 0 || v == 0 {
                BARS[0]
            } else {
                BARS[(1 + v * 6 / max) as usize]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_largest() {
        assert_eq!(sparkline(&[0, 1, 7, 14]), "▁▂▅█");
        assert_eq!(sparkline(&[0, 0]), "▁▁");
    }
}
