//! What the engine tells its front ends. Serialisable, because the daemon streams the same
//! events to attached clients.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::jobs::JobEvent;

pub use crate::integration::Integration;

/// A job in flight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunningJob {
    pub source: u64,
    pub kind: Integration,
    /// Known once the job has recorded its run.
    pub run: Option<u64>,
    pub started: SystemTime,
    pub dry_run: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum EngineEvent {
    /// A job's own event (started, progress, rate-limit wait, log line, finished).
    Job {
        source: u64,
        kind: Integration,
        event: JobEvent,
    },
    /// A job could not start (already running, not configured, …) or failed before its run
    /// was recorded.
    Refused {
        source: String,
        kind: Integration,
        reason: String,
    },
    /// A job ended; the engine is idle for this integration again.
    Idle { source: u64, kind: Integration },
    ConnectionTested {
        name: String,
        result: Result<String, String>,
    },
    /// Stored data changed outside a job (configuration, FR actions): views reload it.
    DataChanged { what: String },
    /// What a job that ran to its end returned, after its `Finished` event and before
    /// `Idle`: whether it resumed a checkpoint and, for a dry run, what it would change.
    Report {
        source: u64,
        kind: Integration,
        report: JobReport,
    },
}

/// A job's result as front ends print it (the CLI's summary line and dry-run details).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobReport {
    pub run: u64,
    pub outcome: crate::jobs::Outcome,
    pub message: String,
    pub requests: u64,
    pub resumed: bool,
    pub dry_run: bool,
    /// Dry runs of the inventory jobs: changed records, field by field.
    #[serde(default)]
    pub diffs: Vec<DiffView>,
    /// Dry runs of Send FRs: the sales that would be sent, or why not.
    #[serde(default)]
    pub previews: Vec<PreviewView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffView {
    pub sku: String,
    pub kind: String,
    /// (field, old, new)
    pub fields: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewView {
    pub fr: String,
    pub note: String,
    pub sale: Option<serde_json::Value>,
}
