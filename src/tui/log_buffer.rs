//! The live log: a bounded ring of lines with a global sequence number, so views index it by
//! arithmetic and build rows only for what is visible.

use std::collections::VecDeque;

use crate::engine::Integration;
use crate::jobs::events::Level;

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub seq: u64,
    pub at: String,
    pub run: u64,
    /// Empty for the app's own lines (messages).
    pub source: String,
    /// `None` for the app's own lines (an error shown in the status bar).
    pub kind: Option<Integration>,
    pub level: Level,
    pub line: String,
}

#[derive(Debug, Clone)]
pub struct LogBuffer {
    lines: VecDeque<LogEntry>,
    cap: usize,
    next_seq: u64,
}

/// Lines kept in memory; older ones stay in the store (each run's log) and the history pane.
pub const DEFAULT_CAP: usize = 200_000;

impl Default for LogBuffer {
    fn default() -> Self {
        LogBuffer::with_capacity(DEFAULT_CAP)
    }
}

impl LogBuffer {
    pub fn with_capacity(cap: usize) -> Self {
        LogBuffer {
            lines: VecDeque::new(),
            cap: cap.max(1),
            next_seq: 0,
        }
    }

    pub fn push(&mut self, mut e: LogEntry) {
        e.seq = self.next_seq;
        self.next_seq += 1;
        if self.lines.len() == self.cap {
            self.lines.pop_front();
        }
        self.lines.push_back(e);
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&LogEntry> {
        self.lines.get(i)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogEntry> + ExactSizeIterator {
        self.lines.iter()
    }
}
