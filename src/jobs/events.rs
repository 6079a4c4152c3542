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
        phase: String,
        done: u64,
        counts: Counts,
    },
    WaitingForRateLimit {
        run: u64,
        until: SystemTime,
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
