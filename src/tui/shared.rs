//! State several panes read: the sources and which one is current, the jobs in flight as the
//! engine reports them, the live log, and the flash message. No ratatui types.

use std::collections::BTreeMap;
use std::time::SystemTime;

use super::log_buffer::{LogBuffer, LogEntry};
use crate::engine::{EngineEvent, JobKind};
use crate::jobs::{Counts, JobEvent, Outcome};
use crate::source::Source;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flash {
    Info,
    Error,
}

/// One integration's live state, from engine events.
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    pub source: String,
    pub kind: JobKind,
    pub run: u64,
    pub dry_run: bool,
    pub phase: String,
    pub done: u64,
    pub counts: Counts,
    pub waiting_until: Option<SystemTime>,
    /// Set when it ended: outcome and summary.
    pub finished: Option<(Outcome, String)>,
}

impl JobView {
    pub fn running(&self) -> bool {
        self.finished.is_none()
    }
}

#[derive(Debug, Default)]
pub struct Shared {
    pub sources: Vec<Source>,
    /// The source the panes show (Sources pane's selection).
    pub source: Option<String>,
    /// By (source id, kind): the latest run of each integration seen this session.
    pub jobs: BTreeMap<(u64, JobKind), JobView>,
    pub log: LogBuffer,
    pub flash: Option<(Flash, String)>,
    /// "in-process" or "attached to daemon".
    pub mode: String,
    /// Live views stop moving (`f`).
    pub frozen: bool,
    pub mouse: bool,
    /// Stamps log lines; set by the front end from its clock.
    pub now: String,
    /// Start-up notes (keys.toml problems, the demo's paths).
    pub notes: Vec<String>,
}

impl Shared {
    /// The front end's clock as of the last action (what "now" means for display).
    pub fn clock_now(&self) -> std::time::SystemTime {
        crate::frs::model::parse_time(&self.now).unwrap_or_else(std::time::SystemTime::now)
    }

    pub fn flash(&mut self, kind: Flash, msg: impl Into<String>) {
        self.flash = Some((kind, msg.into()));
    }

    pub fn current_source(&self) -> Option<&Source> {
        let name = self.source.as_deref()?;
        self.sources.iter().find(|s| s.name == name)
    }

    pub fn source_name(&self, id: u64) -> String {
        self.sources
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| format!("source {id}"))
    }

    pub fn running_jobs(&self) -> usize {
        self.jobs.values().filter(|j| j.running()).count()
    }

    /// Applies an engine event. Returns whether a job ended badly (the bell rings).
    pub fn apply(&mut self, e: &EngineEvent) -> bool {
        let EngineEvent::Job {
            source,
            kind,
            event,
        } = e
        else {
            return false;
        };
        let name = self.source_name(*source);
        let key = (*source, *kind);
        match event {
            JobEvent::Started { run, dry_run, .. } => {
                self.jobs.insert(
                    key,
                    JobView {
                        source: name,
                        kind: *kind,
                        run: *run,
                        dry_run: *dry_run,
                        phase: "starting".into(),
                        done: 0,
                        counts: Counts::default(),
                        waiting_until: None,
                        finished: None,
                    },
                );
            }
            JobEvent::Progress {
                phase,
                done,
                counts,
                ..
            } => {
                if let Some(j) = self.jobs.get_mut(&key) {
                    j.phase.clone_from(phase);
                    j.done = *done;
                    j.counts = *counts;
                    j.waiting_until = None;
                }
            }
            JobEvent::WaitingForRateLimit { until, .. } => {
                if let Some(j) = self.jobs.get_mut(&key) {
                    j.waiting_until = Some(*until);
                }
            }
            JobEvent::Log { run, level, line } => {
                self.log.push(LogEntry {
                    seq: 0,
                    at: self.now.clone(),
                    run: *run,
                    source: name,
                    kind: *kind,
                    level: *level,
                    line: line.clone(),
                });
            }
            JobEvent::Finished {
                outcome,
                counts,
                summary,
                ..
            } => {
                if let Some(j) = self.jobs.get_mut(&key) {
                    j.counts = *counts;
                    j.waiting_until = None;
                    j.finished = Some((*outcome, summary.clone()));
                }
                let bad = matches!(outcome, Outcome::Failed | Outcome::Partial);
                self.flash(
                    if bad { Flash::Error } else { Flash::Info },
                    format!("{} for {name}: {outcome:?}: {summary}", kind.label()),
                );
                return bad;
            }
        }
        false
    }
}
