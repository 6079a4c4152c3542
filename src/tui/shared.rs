//! State several panes read: the sources and which one is current, the jobs in flight as the
//! engine reports them, the live log, and the flash message. No ratatui types.

use std::collections::BTreeMap;
use std::time::SystemTime;

use super::log_buffer::{LogBuffer, LogEntry};
use crate::engine::{EngineEvent, Integration};
use crate::jobs::events::Level;
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
    pub kind: Integration,
    pub run: u64,
    pub dry_run: bool,
    pub phase: crate::jobs::Phase,
    pub done: u64,
    /// What `done` will reach, once the job says.
    pub total: Option<u64>,
    /// When the current phase began (the front end's clock): rate and ETA count from here.
    pub phase_started: SystemTime,
    /// When the job last reported: a new phase began then.
    pub last_report: SystemTime,
    pub counts: Counts,
    pub waiting_until: Option<SystemTime>,
    /// The client's latest retry ("store unreachable, retry 3 in 8 s") until progress resumes.
    pub retrying: Option<String>,
    /// Set when it ended: outcome and summary.
    pub finished: Option<(Outcome, String)>,
}

impl JobView {
    pub fn running(&self) -> bool {
        self.finished.is_none()
    }

    /// `done` of `total` as a fraction in 0..=1, when the total is known.
    pub fn ratio(&self) -> Option<f64> {
        let total = self.total.filter(|t| *t > 0)?;
        Some((self.done as f64 / total as f64).clamp(0.0, 1.0))
    }

    /// Items per second in the current phase, as of `now`.
    pub fn rate(&self, now: SystemTime) -> Option<f64> {
        let secs = now.duration_since(self.phase_started).ok()?.as_secs_f64();
        (secs >= 1.0 && self.done > 0).then(|| self.done as f64 / secs)
    }

    /// Time left in the current phase at the current rate.
    pub fn eta(&self, now: SystemTime) -> Option<std::time::Duration> {
        let left = self.total?.saturating_sub(self.done);
        let rate = self.rate(now)?;
        Some(std::time::Duration::from_secs_f64(left as f64 / rate))
    }
}

/// A short duration: `45s`, `3m05s`, `2h10m`.
pub fn short_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// A status-bar message as the message history keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// RFC 3339, from the front end's clock.
    pub at: String,
    pub kind: Flash,
    pub text: String,
}

/// A text for the app to show in a scrollable popup (a report too long for the bar).
#[derive(Debug, Clone, PartialEq)]
pub struct TextPopup {
    pub title: String,
    pub lines: Vec<String>,
}

/// Messages kept for `:messages`; older ones are dropped.
pub const MESSAGES_KEPT: usize = 500;

#[derive(Debug, Default)]
pub struct Shared {
    pub sources: Vec<Source>,
    /// The source the panes show (Sources pane's selection).
    pub source: Option<String>,
    /// By (source id, kind): the latest run of each integration seen this session.
    pub jobs: BTreeMap<(u64, Integration), JobView>,
    pub log: LogBuffer,
    pub flash: Option<(Flash, String)>,
    pub mode: crate::backend::Mode,
    /// Live views stop moving (`f`).
    pub frozen: bool,
    pub mouse: bool,
    /// Stamps log lines; set by the front end from its clock.
    pub now: String,
    /// Start-up notes (keys.toml problems, the demo's paths).
    pub notes: Vec<String>,
    /// Every status-bar message of this session, oldest first (`:messages`).
    pub messages: std::collections::VecDeque<Message>,
    /// Counts status-bar messages, so the app can tell a new one arrived.
    pub flash_seq: u64,
    /// The terminal's width at the last draw (0 before the first), to tell whether a
    /// message fits the status bar.
    pub width: u16,
    /// `flash_seq` of the last error a pane shows in full itself (at its row or field), so
    /// the app does not open it again in a popup.
    pub shown_seq: u64,
    /// A text a pane asks the app to open in a popup (the app takes it after each action).
    pub show: Option<TextPopup>,
    /// Runs asked for from this front end (source name, integration) that have not started:
    /// a refusal of one answers the user and opens whole; a scheduled run's refusal only
    /// uses the bar, so a monitor left open is never blocked by a popup.
    pub asked_to_run: Vec<(String, Integration)>,
}

impl Shared {
    /// The front end's clock as of the last action (what "now" means for display).
    pub fn clock_now(&self) -> std::time::SystemTime {
        crate::frs::model::parse_time(&self.now).unwrap_or_else(std::time::SystemTime::now)
    }

    /// Shows `msg` in the status bar and keeps it in the message history; an error also
    /// goes to the Log, one entry per line.
    pub fn flash(&mut self, kind: Flash, msg: impl Into<String>) {
        let msg = msg.into();
        if kind == Flash::Error {
            self.log_lines(Level::Error, &msg);
        }
        if self.messages.len() >= MESSAGES_KEPT {
            self.messages.pop_front();
        }
        self.messages.push_back(Message {
            at: self.now.clone(),
            kind,
            text: msg.clone(),
        });
        self.flash_seq += 1;
        self.flash = Some((kind, msg));
    }

    /// The app's own lines in the Log (no job, no source), one entry per line of `text`.
    pub fn log_lines(&mut self, level: Level, text: &str) {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            self.log.push(LogEntry {
                seq: 0,
                at: self.now.clone(),
                run: 0,
                source: String::new(),
                kind: None,
                level,
                line: line.to_string(),
            });
        }
    }

    /// A report: its first line in the status bar (and history), every line in the Log
    /// (`level`) and in a popup titled `title`.
    pub fn report(&mut self, kind: Flash, title: &str, level: Level, text: &str) {
        if kind != Flash::Error {
            self.log_lines(level, text);
        }
        self.flash(kind, text);
        self.show = Some(TextPopup {
            title: title.to_string(),
            lines: text.lines().map(str::to_string).collect(),
        });
    }

    /// A run this front end asked for: its refusal, if one comes, is the user's to read whole.
    pub fn ask_to_run(&mut self, source: &str, kind: Integration) {
        self.asked_to_run
            .retain(|(s, k)| !(s == source && *k == kind));
        self.asked_to_run.push((source.to_string(), kind));
    }

    /// A job refused: in the bar (and the history, the Log), and whole in a popup when the
    /// user asked for that run and the bar would cut the reason.
    pub fn refused(&mut self, source: &str, kind: Integration, reason: &str) {
        self.flash(Flash::Error, reason);
        let asked = self
            .asked_to_run
            .iter()
            .position(|(s, k)| s == source && *k == kind);
        if let Some(i) = asked {
            self.asked_to_run.remove(i);
            if !super::view::flash_fits(self, reason) {
                self.show = Some(TextPopup {
                    title: "Refused".into(),
                    lines: reason.lines().map(str::to_string).collect(),
                });
            }
        }
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
                self.asked_to_run
                    .retain(|(s, k)| !(*s == name && k == kind));
                self.jobs.insert(
                    key,
                    JobView {
                        source: name,
                        kind: *kind,
                        run: *run,
                        dry_run: *dry_run,
                        phase: crate::jobs::Phase::Starting,
                        done: 0,
                        total: None,
                        phase_started: self.clock_now(),
                        last_report: self.clock_now(),
                        counts: Counts::default(),
                        waiting_until: None,
                        retrying: None,
                        finished: None,
                    },
                );
            }
            JobEvent::Progress {
                phase,
                done,
                total,
                counts,
                ..
            } => {
                let now = self.clock_now();
                if let Some(j) = self.jobs.get_mut(&key) {
                    if j.phase != *phase {
                        j.phase.clone_from(phase);
                        j.phase_started = j.last_report;
                    }
                    j.last_report = now;
                    j.done = *done;
                    j.total = *total;
                    j.counts = *counts;
                    j.waiting_until = None;
                    j.retrying = None;
                }
            }
            JobEvent::Retrying {
                retry,
                delay_ms,
                unreachable,
                cause,
                ..
            } => {
                if let Some(j) = self.jobs.get_mut(&key) {
                    // A retry means the wait (if any) is over.
                    j.waiting_until = None;
                    j.retrying = Some(JobEvent::retry_line(*retry, *delay_ms, *unreachable, cause));
                }
            }
            JobEvent::WaitingForRateLimit { until, .. } => {
                if let Some(j) = self.jobs.get_mut(&key) {
                    j.waiting_until = Some(*until);
                    j.retrying = None;
                }
            }
            JobEvent::Log { run, level, line } => {
                self.log.push(LogEntry {
                    seq: 0,
                    at: self.now.clone(),
                    run: *run,
                    source: name,
                    kind: Some(*kind),
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
                    j.retrying = None;
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
