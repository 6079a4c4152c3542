//! The live log: streaming lines of every job, follow on and off, filters by level, source
//! and job, search, and jumping to the next error. Only the visible lines become rows.

use std::cell::Cell;

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tui_textarea::TextArea;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{Integration, Response};
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
    /// Index into the buffer of the selected line when not following.
    cursor: usize,
    /// Index into the buffer of the first drawn line when not following (the render
    /// fills the view downwards from it, or from the end when too few lines follow).
    top: usize,
    /// Rows the list had at the last draw, so paging moves by a screen.
    rows: Cell<usize>,
    level: LevelFilter,
    job: Option<Integration>,
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
            top: 0,
            rows: Cell::new(20),
            level: LevelFilter::All,
            job: None,
            source_only: false,
            search: String::new(),
            editing: None,
        }
    }
}

/// Lines of context kept above a line jumped to (`n`), so what led to it shows too.
const CONTEXT_ABOVE: usize = 2;

/// The level as a word, so warnings and errors stay apart without colour (`NO_COLOR`).
pub fn level_tag(l: Level) -> &'static str {
    match l {
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Error => "error",
    }
}

fn job_label(k: Option<Integration>) -> &'static str {
    k.map_or("app", Integration::key)
}

/// Widths of the log's columns at one width; 0 leaves a column out. Each drawn column but
/// the message is followed by one space, so the sum never exceeds the width and no column
/// runs into the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    pub time: u16,
    pub level: u16,
    pub source: u16,
    pub job: u16,
    pub message: u16,
}

const TIME_W: u16 = 8;
const LEVEL_W: u16 = 5;
const JOB_W: u16 = 9;
const SOURCE_MIN: u16 = 6;
const SOURCE_MAX: u16 = 16;
/// Below this the message column takes the room of the others, least useful first.
const MESSAGE_MIN: u16 = 30;

impl Columns {
    /// `source_w`: the widest source name among the lines shown.
    pub fn at(width: u16, source_w: u16) -> Columns {
        let mut c = Columns {
            time: TIME_W,
            level: LEVEL_W,
            source: source_w.clamp(SOURCE_MIN, SOURCE_MAX),
            job: JOB_W,
            message: 0,
        };
        let used = |c: &Columns| {
            [c.time, c.level, c.source, c.job]
                .iter()
                .filter(|w| **w > 0)
                .map(|w| w + 1)
                .sum::<u16>()
        };
        // Give up the job, then shorten the source, then drop it, then the time; the
        // level tag stays (it is what tells lines apart without colour).
        if used(&c) + MESSAGE_MIN > width {
            c.job = 0;
        }
        if used(&c) + MESSAGE_MIN > width {
            let over = used(&c) + MESSAGE_MIN - width;
            c.source = c.source.saturating_sub(over).max(SOURCE_MIN);
        }
        if used(&c) + MESSAGE_MIN > width {
            c.source = 0;
        }
        if used(&c) + MESSAGE_MIN > width {
            c.time = 0;
        }
        if used(&c) >= width {
            c.level = 0;
        }
        c.message = width.saturating_sub(used(&c));
        c
    }

    /// Every drawn column plus its separator: never more than the width.
    pub fn total(&self) -> u16 {
        [self.time, self.level, self.source, self.job]
            .iter()
            .filter(|w| **w > 0)
            .map(|w| w + 1)
            .sum::<u16>()
            + self.message
    }
}

fn char_width(c: char) -> usize {
    let mut b = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut b)).width()
}

/// `s` cut to `w` columns (an ellipsis marks the cut) and padded to exactly `w`.
pub fn fit(s: &str, w: usize) -> String {
    let total: usize = s.chars().map(char_width).sum();
    let mut out = String::new();
    let mut used = 0;
    if total <= w {
        out.push_str(s);
        used = total;
    } else if w > 0 {
        for c in s.chars() {
            let cw = char_width(c);
            if used + cw + 1 > w {
                break;
            }
            out.push(c);
            used += cw;
        }
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(used)));
    out
}

impl LogPane {
    fn matches(&self, e: &LogEntry, source: Option<&str>) -> bool {
        let level_ok = match self.level {
            LevelFilter::All => true,
            LevelFilter::Warn => e.level != Level::Info,
            LevelFilter::Error => e.level == Level::Error,
        };
        level_ok
            && self.job.is_none_or(|k| e.kind == Some(k))
            && (!self.source_only || source.is_none_or(|s| s == e.source))
            && (self.search.is_empty() || e.line.to_lowercase().contains(&self.search))
    }

    fn is_match(&self, log: &LogBuffer, i: usize, source: Option<&str>) -> bool {
        log.get(i).is_some_and(|e| self.matches(e, source))
    }

    /// The first matching line at or after `from`.
    fn match_from(&self, log: &LogBuffer, from: usize, source: Option<&str>) -> Option<usize> {
        (from..log.len()).find(|i| self.is_match(log, *i, source))
    }

    /// The last matching line before `before`.
    fn match_before(&self, log: &LogBuffer, before: usize, source: Option<&str>) -> Option<usize> {
        (0..before.min(log.len()))
            .rev()
            .find(|i| self.is_match(log, *i, source))
    }

    /// `n` matching lines back from `i` (or the first match when fewer are there).
    fn back(&self, log: &LogBuffer, i: usize, n: usize, source: Option<&str>) -> usize {
        let mut at = i;
        for _ in 0..n {
            match self.match_before(log, at, source) {
                Some(p) => at = p,
                None => break,
            }
        }
        at
    }

    /// `n` matching lines on from `i`; `None` when the end comes first.
    fn forward(&self, log: &LogBuffer, i: usize, n: usize, source: Option<&str>) -> Option<usize> {
        let mut at = i;
        for _ in 0..n {
            at = self.match_from(log, at + 1, source)?;
        }
        Some(at)
    }

    /// Moves the window so the cursor is in it.
    fn keep_cursor_visible(&mut self, log: &LogBuffer, source: Option<&str>) {
        let rows = self.rows.get().max(1);
        if self.cursor < self.top {
            self.top = self.cursor;
            return;
        }
        let mut shown = 0;
        let mut i = self.match_from(log, self.top, source);
        while let Some(at) = i {
            if at > self.cursor {
                break;
            }
            shown += 1;
            if shown > rows {
                self.top = self.back(log, self.cursor, rows - 1, source);
                return;
            }
            i = self.match_from(log, at + 1, source);
        }
    }

    /// Stops following, with the newest matching line selected at the bottom.
    fn pause(&mut self, log: &LogBuffer, source: Option<&str>) {
        if self.follow {
            self.follow = false;
            self.cursor = self
                .match_before(log, log.len(), source)
                .unwrap_or(log.len().saturating_sub(1));
            self.top = self.back(log, self.cursor, self.rows.get().max(1) - 1, source);
        }
    }

    /// Indices of the matching lines to draw in `n` rows, oldest first. Following: the
    /// newest. Paused: from the window's top downwards, topped up from above when the end
    /// comes first. Walks only what it draws (plus the lines the filter skips), so a
    /// million lines cost what is on screen.
    pub fn visible(&self, log: &LogBuffer, source: Option<&str>, n: usize) -> Vec<usize> {
        let mut out = Vec::with_capacity(n);
        let mut i = if self.follow { log.len() } else { self.top };
        if !self.follow {
            while i < log.len() && out.len() < n {
                if self.is_match(log, i, source) {
                    out.push(i);
                }
                i += 1;
            }
            i = self.top;
        }
        let mut before = Vec::new();
        while i > 0 && out.len() + before.len() < n {
            i -= 1;
            if self.is_match(log, i, source) {
                before.push(i);
            }
        }
        before.reverse();
        before.extend(out);
        before
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
                // The search already follows every key typed: Enter keeps it, Esc drops it.
                Command::Select => self.editing = None,
                Command::Back => {
                    self.editing = None;
                    self.search.clear();
                }
                Command::ClearLine => {
                    crate::tui::widgets::prompt::clear_line(area);
                    self.search.clear();
                }
                _ => return false,
            }
            return true;
        }
        let src_name = ctx.shared.source.clone();
        let src = if self.source_only {
            src_name.as_deref()
        } else {
            None
        };
        let log = &ctx.shared.log;
        let rows = self.rows.get().max(1);
        match cmd {
            Command::Up | Command::PageUp => {
                let was_following = self.follow;
                self.pause(log, src);
                let n = if cmd == Command::Up { 1 } else { rows };
                if !(was_following && cmd == Command::Up) {
                    self.cursor = self.back(log, self.cursor, n, src);
                }
                if cmd == Command::PageUp {
                    self.top = self.back(log, self.top, n, src);
                }
                self.keep_cursor_visible(log, src);
            }
            Command::Down | Command::PageDown if !self.follow => {
                let n = if cmd == Command::Down { 1 } else { rows };
                match self.forward(log, self.cursor, n, src) {
                    Some(i) => {
                        self.cursor = i;
                        if cmd == Command::PageDown {
                            self.top = self.forward(log, self.top, n, src).unwrap_or(self.top);
                        }
                        self.keep_cursor_visible(log, src);
                    }
                    // Past the newest line: follow again.
                    None => self.follow = true,
                }
            }
            Command::Down | Command::PageDown => {}
            Command::Top => {
                self.follow = false;
                self.cursor = self.match_from(log, 0, src).unwrap_or(0);
                self.top = self.cursor;
            }
            Command::Bottom => self.follow = true,
            Command::Follow if !self.follow => self.follow = true,
            Command::Follow => self.pause(log, src),
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
                    None => Some(Integration::Primary),
                    Some(Integration::Primary) => Some(Integration::Secondary),
                    Some(Integration::Secondary) => Some(Integration::SendFrs),
                    Some(Integration::SendFrs) => None,
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
                let found =
                    (start..len).find(|i| log.get(*i).is_some_and(|e| e.level == Level::Error));
                match found {
                    Some(i) => {
                        self.follow = false;
                        self.cursor = i;
                        // The error near the top, with what follows it below.
                        self.top = self.back(log, i, CONTEXT_ABOVE.min(rows / 2), src);
                        if !self.is_match(log, i, src) {
                            // Filtered out: show it anyway by clearing the filters.
                            self.level = LevelFilter::All;
                            self.job = None;
                            self.search.clear();
                            self.source_only = false;
                            self.top = self.back(log, i, CONTEXT_ABOVE.min(rows / 2), None);
                        }
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
            self.search = t.lines().join("").trim().to_lowercase();
        }
    }

    fn reply(&mut self, _what: u32, _response: Response, _ctx: &mut Ctx) {}

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let log = &ui.shared.log;
        let title = format!(
            "{}{}{}{}{}",
            text::TITLE,
            if self.follow {
                "· following ".to_string()
            } else {
                format!("· paused at line {} of {} ", self.cursor + 1, log.len())
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
        self.rows.set(list_area.height as usize);
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
                let entries: Vec<(usize, &LogEntry)> = idx
                    .iter()
                    .filter_map(|i| log.get(*i).map(|e| (*i, e)))
                    .collect();
                let source_w = entries
                    .iter()
                    .map(|(_, e)| Span::raw(e.source.as_str()).width())
                    .max()
                    .unwrap_or(0);
                let cols = Columns::at(list_area.width, source_w.min(u16::MAX as usize) as u16);
                let lines: Vec<Line> = entries
                    .into_iter()
                    .map(|(i, e)| {
                        let st = match e.level {
                            Level::Info => t.text,
                            Level::Warn => t.warn,
                            Level::Error => t.error,
                        };
                        let mut spans = Vec::with_capacity(5);
                        let mut col = |w: u16, s: &str, style| {
                            if w > 0 {
                                spans.push(Span::styled(format!("{} ", fit(s, w as usize)), style));
                            }
                        };
                        col(cols.time, e.at.get(11..19).unwrap_or(""), t.dim);
                        col(cols.level, level_tag(e.level), st);
                        col(cols.source, &e.source, t.accent);
                        col(cols.job, job_label(e.kind), t.dim);
                        spans.push(Span::styled(fit(&e.line, cols.message as usize), st));
                        let mut l = Line::from(spans);
                        if !self.follow && i == self.cursor {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: usize, level: Level, source: &str, line: &str) -> LogEntry {
        LogEntry {
            seq: 0,
            at: format!("2026-12-07T10:00:{:02}Z", i % 60),
            run: 1,
            source: source.into(),
            kind: Some(Integration::Secondary),
            level,
            line: line.into(),
        }
    }

    #[test]
    fn columns_never_overlap_at_any_width() {
        for width in 1..=240u16 {
            for source_w in [0u16, 5, 14, 40] {
                let c = Columns::at(width, source_w);
                assert!(c.total() <= width, "{width} {source_w}: {c:?}");
                if width >= 40 {
                    assert!(c.message >= MESSAGE_MIN, "{width} {source_w}: {c:?}");
                    assert_eq!(c.level, LEVEL_W, "the level tag stays at {width}");
                }
            }
        }
        // Wide: every column, the source as wide as the names (up to its cap).
        assert_eq!(
            Columns::at(200, 14),
            Columns {
                time: 8,
                level: 5,
                source: 14,
                job: 9,
                message: 200 - 9 - 6 - 15 - 10
            }
        );
        // 80 columns (an SSH session, 78 inside the border): everything, 36 for the message.
        let c = Columns::at(78, 16);
        assert_eq!(
            (c.time, c.level, c.source, c.job, c.message),
            (8, 5, 16, 9, 36)
        );
        // 60 columns: the job goes first, then the source shrinks.
        let c = Columns::at(58, 16);
        assert_eq!((c.time, c.level, c.job), (8, 5, 0));
        assert_eq!(c.source, 58 - 9 - 6 - 1 - MESSAGE_MIN);
        // Narrow: only the level and the message.
        let c = Columns::at(38, 16);
        assert_eq!((c.time, c.source, c.job), (0, 0, 0));
        assert_eq!(c.level, 5);
    }

    #[test]
    fn fit_cuts_with_an_ellipsis_and_pads() {
        assert_eq!(fit("secondary", 9), "secondary");
        assert_eq!(fit("secondary", 6), "secon…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit("größe", 3), "gr…");
        assert_eq!(fit("x", 0), "");
    }

    fn render(p: &LogPane, log: &LogBuffer, w: u16, h: u16) -> Vec<String> {
        use ratatui::backend::TestBackend;
        let theme =
            crate::tui::theme::Theme::built_in("default", crate::tui::theme::ColorMode::NoColor)
                .unwrap();
        let keymap = crate::tui::keymap::Keymap::default();
        let shared = crate::tui::shared::Shared {
            log: log.clone(),
            ..Default::default()
        };
        let mut term = ratatui::Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| {
            let ui = Ui {
                theme: &theme,
                keymap: &keymap,
                shared: &shared,
            };
            p.render(f, f.area(), &ui)
        })
        .unwrap();
        let buf = term.backend().buffer().clone();
        (0..h)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect())
            .collect()
    }

    #[test]
    fn drawn_columns_stay_apart_at_several_widths() {
        let mut log = LogBuffer::default();
        log.push(entry(
            1,
            Level::Warn,
            "warehouse-east-annex",
            "SKU HP-MUG (Harbor Mug): not in the pool",
        ));
        let p = LogPane::default();
        for w in [40u16, 60, 80, 120, 200] {
            let screen = render(&p, &log, w, 4);
            let row = &screen[1];
            assert!(row.contains("warn "), "{w}: {row}");
            if w >= 80 {
                assert!(row.contains("warehouse-east-…"), "{w}: {row}");
            }
            if w >= 120 {
                assert!(row.contains("secondary SKU HP-MUG"), "{w}: {row}");
            }
            assert!(!row.contains("secondarySKU"), "{w}: {row}");
        }
    }
}
