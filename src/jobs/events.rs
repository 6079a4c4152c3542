//! What jobs tell the outside (the CLI progress line, the TUI, the daemon's clients). Jobs send
//! an event only when something changed.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::counts::Counts;
use super::runs::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// Where a job is, for its progress line: front ends match on this, never on words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Started, nothing reported yet.
    Starting,
    /// Get Inventory (Primary): reading the stock levels.
    StockLevels,
    /// Get Inventory (Primary): reading the products.
    Products,
    /// Get Inventory (Secondary): reading the inventory change feed.
    StockChanges,
    /// Send FRs: sending the due FRs as sales (`done` counts FRs, not records read).
    SendingFrs,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::Starting => "starting",
            Phase::StockLevels => "stock levels",
            Phase::Products => "products",
            Phase::StockChanges => "stock changes",
            Phase::SendingFrs => "sending FRs",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum JobEvent {
    Started {
        run: u64,
        kind: crate::integration::Integration,
        source: String,
        dry_run: bool,
    },
    Progress {
        run: u64,
        phase: Phase,
        done: u64,
        /// How many `done` will reach, once the job knows (FRs due, stock records, the
        /// product span): front ends show a percentage and an ETA only with it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total: Option<u64>,
        counts: Counts,
    },
    WaitingForRateLimit {
        run: u64,
        until: SystemTime,
    },
    /// The client is retrying a request (the store is unreachable or answered 5xx): the
    /// `retry`-th retry goes in `delay_ms`. Without it a store that is down looks like a job
    /// that hangs.
    Retrying {
        run: u64,
        retry: u32,
        delay_ms: u64,
        /// No answer at all (connection refused, timeout), as opposed to an error answer.
        unreachable: bool,
        cause: String,
    },
    Log {
        run: u64,
        level: Level,
        line: String,
    },
    Finished {
        run: u64,
        outcome: Outcome,
        counts: Counts,
        summary: String,
    },
}

/// Where a job sends its events. Dropping events is fine when nobody listens.
#[derive(Clone, Debug, Default)]
pub struct Events {
    tx: Option<tokio::sync::mpsc::UnboundedSender<JobEvent>>,
}

impl Events {
    pub fn new(tx: tokio::sync::mpsc::UnboundedSender<JobEvent>) -> Self {
        Self { tx: Some(tx) }
    }
    pub fn none() -> Self {
        Self::default()
    }
    pub fn send(&self, e: JobEvent) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(e);
        }
    }
}

impl JobEvent {
    /// "store unreachable, retry 3 in 8 s" for a [`JobEvent::Retrying`].
    pub fn retry_line(retry: u32, delay_ms: u64, unreachable: bool, cause: &str) -> String {
        let what = if unreachable {
            "store unreachable".to_string()
        } else {
            format!("store answered {}", crate::excerpt::excerpt_n(cause, 60))
        };
        let delay = if delay_ms >= 1000 || delay_ms == 0 {
            format!("{} s", delay_ms.div_ceil(1000))
        } else {
            format!("{delay_ms} ms")
        };
        format!("{what}, retry {retry} in {delay}")
    }
}
