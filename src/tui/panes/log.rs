//! The live log: streaming lines of every job, follow on and off, filters by level, source
//! and job, search, and jumping to the next error. Only the visible lines become rows.

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tui_textarea::TextArea;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{JobKind, Response};
use crate::jobs::events::Level;
use crate::tui::command::Command;
use crate::tui::keymap::Context;
use crate::tui::log_buffer::{LogBuffer, LogEntry};
use crate::tui::view::pane_block;

mod text {
    use crate::tui::command::Command;
    use crate::tui::keymap::{Context, Keymap};

    pub const TITLE: &str = " Log ";
    pub const EMPTY: &str =
        "No log lines yet. Run a job in Jobs (5); its lines stream here. Past runs are in History (9).";
    pub fn no_match(k: &Keymap) -> String {
        format!(
            "No line matches the filters. {} clears the search, {} and {} cycle level and job.",
            k.shown(Context::Log, Command::Back),
            k.shown(Context::Log, Command::CycleLevel),
            k.shown(Context::Log, Command::CycleJob)
        )
    }
    pub const NO_ERROR: &str = "no error below the cursor";
}

/// Level filter: everything, or warnings and errors, or errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LevelFilter {
    #[default]
    All,
    Warn,
    Error,
}

pub struct LogPane {
    /// Follow the newest line.
    follow: bool,
    /// Index into the buffer of the line at the bottom of the view when not following.
    cursor: usize,
    level: LevelFilter,
    job: Option<JobKind>,
    /// Only the current source's lines.
    source_only: bool,
    search: String,
    editing: Option<TextArea<'static>>,
}

impl Default for LogPane {
    fn default() -> Self {
        LogPane {
            follow: true,
            cursor: 0,
            level: LevelFilter::All,
            job: None,
            source_only: false,
            search: String::new(),
            editing: None,
        }
    }
}

impl LogPane {
    fn matches(&self, e: &LogEntry, source: Option<&str>) -> bool {
        let level_ok = match self.level {
            LevelFilter::All => true,
            LevelFilter::Warn => e.level != Level::Info,
            LevelFilter::Error => e.level == Level::Error,
        };
        level_ok
            && self.job.is_none_or(|k| k == e.kind)
            && (!self.source_only || source.is_none_or(|s| s == e.source))
            && (self.search.is_empty() || e.line.to_lowercase().contains(&self.search))
    }

    /// Indices of the `n` matching lines ending at `end` (exclusive), oldest first. Walks
    /// back from the end and stops when the view is full, so a million lines cost only
    /// what is on screen (plus the lines the filter skips).
    pub fn visible(&self, log: &LogBuffer, source: Option<&str>, n: usize) -> Vec<usize> {
        let end = if self.follow {
            log.len()
        } else {
            (self.cursor + 1).min(log.len())
        };
        let mut out = Vec::with_capacity(n);
        let mut i = end;
        while i > 0 && out.len() < n {
            i -= 1;
            if let Some(e) = log.get(i) {
                if self.matches(e, source) {
                    out.push(i);
                }
            }
        }
        out.reverse();
        out
    }
}

impl Pane for LogPane {
    fn id(&self) -> PaneId {
        PaneId::Log
    }

    fn has_filter(&self) -> bool {
        true
    }

    fn context(&self) -> Context {
        if self.editing.is_some() {
            Context::Text
        } else {
            Context::Log
        }
    }

    fn refresh(&mut self, _ctx: &mut Ctx) {}

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        let len = ctx.shared.log.len();
        if let Some(area) = &mut self.editing {
            match cmd {
                Command::Select => {
                    self.search = area.lines().join("").trim().to_lowercase();
                    self.editing = None;
                }
                Command::Back => self.editing = None,
                Command::ClearLine => crate::tui::widgets::prompt::clear_line(area),
                _ => return false,
            }
            return true;
        }
        let unfollow = |s: &mut LogPane| {
            if s.follow {
                s.follow = false;
                s.cursor = len.saturating_sub(1);
            }
        };
        match cmd {
            Command::Up => {
                unfollow(self);
                self.cursor = self.cursor.saturating_sub(1);
            }
            Command::Down => {
                if !self.follow {
                    self.cursor += 1;
                    if self.cursor + 1 >= len {
                        self.follow = true;
                    }
                }
            }
            Command::PageUp => {
                unfollow(self);
                self.cursor = self.cursor.saturating_sub(20);
            }
            Command::PageDown => {
                if !self.follow {
                    self.cursor += 20;
                    if self.cursor + 1 >= len {
                        self.follow = true;
                    }
                }
            }
            Command::Top => {
                self.follow = false;
                self.cursor = 0;
            }
            Command::Bottom | Command::Follow if cmd == Command::Bottom || !self.follow => {
                self.follow = true;
            }
            Command::Follow => unfollow(self),
            Command::CycleLevel => {
                self.level = match self.level {
                    LevelFilter::All => LevelFilter::Warn,
                    LevelFilter::Warn => LevelFilter::Error,
                    LevelFilter::Error => LevelFilter::All,
                };
                ctx.info(format!("level: {:?}", self.level).to_lowercase());
            }
            Command::CycleJob => {
                self.job = match self.job {
                    None => Some(JobKind::Primary),
                    Some(JobKind::Primary) => Some(JobKind::Secondary),
                    Some(JobKind::Secondary) => Some(JobKind::SendFrs),
                    Some(JobKind::SendFrs) => None,
                };
                ctx.info(format!(
                    "job: {}",
                    self.job.map(|k| k.label()).unwrap_or("all")
                ));
            }
            Command::Select => {
                self.source_only = !self.source_only;
                ctx.info(if self.source_only {
                    "only the current source's lines"
                } else {
                    "every source's lines"
                });
            }
            Command::Filter => {
                let mut t = TextArea::default();
                t.insert_str(&self.search);
                self.editing = Some(t);
            }
            Command::Back if !self.search.is_empty() => self.search.clear(),
            Command::NextError => {
                let start = if self.follow { 0 } else { self.cursor + 1 };
                let found = (start..len).find(|i| {
                    ctx.shared
                        .log
                        .get(*i)
                        .is_some_and(|e| e.level == Level::Error)
                });
                match found {
                    Some(i) => {
                        self.follow = false;
                        self.cursor = i;
                    }
                    None => ctx.info(text::NO_ERROR),
                }
            }
            _ => return false,
        }
        true
    }

    fn text_key(&mut self, key: KeyEvent, _ctx: &mut Ctx) {
        if let Some(t) = &mut self.editing {
            t.input(key);
        }
    }

    fn reply(&mut self, _what: u32, _response: Response, _ctx: &mut Ctx) {}

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let title = format!(
            "{}{}{}{}{}",
            text::TITLE,
            if self.follow {
                "· following "
            } else {
                "· paused "
            },
            match self.level {
                LevelFilter::All => String::new(),
                l => format!("· {l:?} and worse ").to_lowercase(),
            },
            self.job
                .map(|k| format!("· {} ", k.label()))
                .unwrap_or_default(),
            if self.search.is_empty() {
                String::new()
            } else {
                format!("· \"{}\" ", self.search)
            }
        );
        let block = pane_block(title, t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let (list_area, field) = if self.editing.is_some() {
            let [a, b] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
            (a, Some(b))
        } else {
            (inner, None)
        };
        let log = &ui.shared.log;
        if log.is_empty() {
            f.render_widget(Paragraph::new(text::EMPTY).style(t.dim), list_area);
        } else {
            let src = if self.source_only {
                ui.shared.source.as_deref()
            } else {
                None
            };
            let idx = self.visible(log, src, list_area.height as usize);
            if idx.is_empty() {
                f.render_widget(
                    Paragraph::new(text::no_match(ui.keymap)).style(t.dim),
                    list_area,
                );
            } else {
                let lines: Vec<Line> = idx
                    .iter()
                    .filter_map(|i| log.get(*i).map(|e| (i, e)))
                    .map(|(i, e)| {
                        let st = match e.level {
                            Level::Info => t.text,
                            Level::Warn => t.warn,
                            Level::Error => t.error,
                        };
                        let mut l = Line::from(vec![
                            Span::styled(format!("{} ", e.at.get(11..19).unwrap_or("")), t.dim),
                            Span::styled(format!("{:<10.10} ", e.source), t.accent),
                            Span::styled(
                                format!(
                                    "{:<9}",
                                    match e.kind {
                                        JobKind::Primary => "primary",
                                        JobKind::Secondary => "secondary",
                                        JobKind::SendFrs => "send-frs",
                                    }
                                ),
                                t.dim,
                            ),
                            Span::styled(e.line.clone(), st),
                        ]);
                        if !self.follow && *i == self.cursor {
                            l = l.style(t.selected);
                        }
                        l
                    })
                    .collect();
                f.render_widget(Paragraph::new(lines), list_area);
            }
        }
        if let (Some(field), Some(ta)) = (field, &self.editing) {
            f.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled("/ ", t.accent),
                    Span::styled(ta.lines().join(""), t.text),
                    Span::styled("▏", t.accent),
                ])),
                field,
            );
        }
    }
}
