//! Every run is recorded: kind, source, start, end, counts, outcome, and its log lines.

use serde::{Deserialize, Serialize};

use super::counts::Counts;
use super::events::Level;
use crate::store::{keys, trees, Record, Store, StoreError, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Running,
    Ok,
    /// Finished, but some records failed.
    Partial,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: u64,
    pub kind: String,
    pub source_id: u64,
    pub source: String,
    pub dry_run: bool,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub outcome: Outcome,
    pub counts: Counts,
    pub message: String,
}

impl RunRecord {
    pub fn new(
        id: u64,
        kind: &str,
        source: &crate::sources::Source,
        dry_run: bool,
        started_at: String,
    ) -> Self {
        RunRecord {
            id,
            kind: kind.to_string(),
            source_id: source.id,
            source: source.name.clone(),
            dry_run,
            started_at,
            ended_at: None,
            outcome: Outcome::Running,
            counts: Counts::default(),
            message: String::new(),
        }
    }
}

impl Record for RunRecord {
    const VERSION: u16 = 1;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub at: String,
    pub level: Level,
    pub line: String,
}

impl Record for LogLine {
    const VERSION: u16 = 1;
}

#[derive(Clone, Debug)]
pub struct Runs {
    runs: Table<RunRecord>,
    logs: Table<LogLine>,
}

impl Runs {
    pub fn open(store: &Store) -> Result<Runs, StoreError> {
        Ok(Runs {
            runs: store.table(trees::RUNS)?,
            logs: store.table(trees::RUN_LOGS)?,
        })
    }

    pub fn save(&self, r: &RunRecord) -> Result<(), StoreError> {
        self.runs.put(&keys::u64_be(r.id), r).map(|_| ())
    }

    pub fn get(&self, id: u64) -> Result<Option<RunRecord>, StoreError> {
        self.runs.get(&keys::u64_be(id))
    }

    /// Newest first.
    pub fn recent(&self, n: usize) -> Result<Vec<RunRecord>, StoreError> {
        self.runs
            .iter()
            .rev()
            .take(n)
            .map(|r| r.map(|(_, v)| v))
            .collect()
    }

    pub fn log(&self, run: u64, seq: u64, line: &LogLine) -> Result<(), StoreError> {
        self.logs.put(&keys::u64_u64(run, seq), line).map(|_| ())
    }

    pub fn lines(&self, run: u64) -> Result<Vec<LogLine>, StoreError> {
        self.logs
            .scan_prefix(keys::u64_prefix(run))
            .map(|r| r.map(|(_, v)| v))
            .collect()
    }
}
