//! History: every recorded run (kind, source, start, end, duration, outcome, counts), one
//! row per attempt (a run resumed after an interruption or a cancel shows each start with
//! its own end and duration), `/` filtering as you type by source, integration or outcome,
//! and a run's stored log on Enter.

use crate::tui::panes::ReplyId;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{EngineEvent, Request, Response};
use crate::jobs::events::Level;
use crate::jobs::runs::{Attempt, LogLine, RunRecord};
use crate::jobs::Outcome;
use crate::tui::command::Command;
use crate::tui::keymap::Context;
use crate::tui::view::pane_block;
use crate::tui::widgets::columns::{clip, fit, sized};
use crate::tui::widgets::filter_line::{FilterLine, Filtered};

mod text {
    pub const TITLE: &str = " History ";
    pub const EMPTY: &str = "No runs recorded yet. Run a job in Jobs (5).";
    pub const HEADER: [&str; 8] = [
        "run",
        "kind",
        "source",
        "started (UTC)",
        "ended",
        "took",
        "outcome",
        "summary",
    ];
    pub const LOG_EMPTY: &str = "This run has no stored log lines.";
    pub const FILTER_CLEARED: &str = "filter cleared";
    /// An attempt still running, or one whose end is not known.
    pub const RUNNING: &str = "running";
    pub const UNKNOWN: &str = "?";

    pub fn title(filter: &str, shown: usize, total: usize) -> String {
        if filter.is_empty() {
            " History ".to_string()
        } else {
            format!(" History · matching \"{filter}\" · {shown} of {total} runs ")
        }
    }

    pub fn no_match(filter: &str, back: &str) -> String {
        format!("No run matches \"{filter}\" (source, integration or outcome). {back} clears the filter.")
    }

    /// What an earlier attempt's row says instead of the run's summary.
    pub fn resumed(n: usize, of: usize) -> String {
        format!("attempt {n} of {of}; resumed by the next")
    }
}

super::reply_ids! {
    /// What a reply answers.
    enum Reply {
    Runs = 1,
    Log = 2,
    }
}

#[derive(Default)]
pub struct RunsPane {
    runs: Vec<RunRecord>,
    /// The rows shown: (index into `runs`, attempt index), newest run first and each run's
    /// latest attempt first.
    rows: Vec<(usize, usize)>,
    selected: usize,
    /// The `/` filter (as in Sources): source, integration or outcome.
    filter: FilterLine,
    /// The run whose log was asked for.
    opening: Option<u64>,
    /// The open run's log and the scroll position in it.
    open: Option<(u64, Vec<LogLine>, usize)>,
}

/// "1.4s", "3m05s", "2h07m".
pub fn took(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// An end time next to its start: the time of day when on the same day, else the date too.
fn ended(a: &Attempt) -> String {
    match (&a.ended_at, a.outcome) {
        (None, Outcome::Running) => text::RUNNING.to_string(),
        (None, _) => text::UNKNOWN.to_string(),
        (Some(e), _) => {
            let same_day = e.get(..10) == a.started_at.get(..10);
            let (from, to) = if same_day { (11, 19) } else { (0, 19) };
            e.get(from..to).unwrap_or(e).replace('T', " ")
        }
    }
}

impl RunsPane {
    /// Moves the selection; returns whether `cmd` was a move.
    fn move_by(&mut self, cmd: Command) -> bool {
        let n = self.rows.len();
        self.selected = match cmd {
            Command::Up => self.selected.saturating_sub(1),
            Command::Down => (self.selected + 1).min(n.saturating_sub(1)),
            Command::PageUp => self.selected.saturating_sub(20),
            Command::PageDown => (self.selected + 20).min(n.saturating_sub(1)),
            Command::Top => 0,
            Command::Bottom => n.saturating_sub(1),
            _ => return false,
        };
        true
    }

    /// The rows again after the runs or the filter changed; the selection stays on its run
    /// when that run is still shown.
    fn reindex(&mut self) {
        let keep = self
            .rows
            .get(self.selected)
            .and_then(|(r, a)| self.runs.get(*r).map(|run| (run.id, *a)));
        let needle = self.filter.text().to_string();
        self.rows = self
            .runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.matches(&needle))
            .flat_map(|(i, r)| (0..r.attempts().len()).rev().map(move |a| (i, a)))
            .collect();
        if let Some((id, a)) = keep {
            if let Some(pos) = self
                .rows
                .iter()
                .position(|(r, x)| self.runs.get(*r).is_some_and(|run| run.id == id) && *x == a)
            {
                self.selected = pos;
            }
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    /// What the filter line did: the rows again from the top when its text changed.
    fn filtered(&mut self, f: Filtered, ctx: &mut Ctx) -> bool {
        match f {
            Filtered::NotMine => false,
            Filtered::Same => true,
            Filtered::Changed => {
                self.selected = 0;
                self.reindex();
                if self.filter.text().is_empty() && !self.filter.is_editing() {
                    ctx.info(text::FILTER_CLEARED);
                }
                true
            }
        }
    }

    fn render_log(&self, f: &mut Frame, area: Rect, ui: &Ui) -> bool {
        let t = ui.theme;
        let Some((id, lines, scroll)) = &self.open else {
            return false;
        };
        let back = ui.keymap.shown(Context::Runs, Command::Back);
        let block = pane_block(format!(" Run {id} log ({back} back) "), t);
        if lines.is_empty() {
            f.render_widget(
                Paragraph::new(text::LOG_EMPTY).style(t.dim).block(block),
                area,
            );
            return true;
        }
        let h = area.height.saturating_sub(2) as usize;
        let view: Vec<Line> = lines
            .iter()
            .skip(*scroll)
            .take(h)
            .map(|l| {
                let st = match l.level {
                    Level::Info => t.text,
                    Level::Warn => t.warn,
                    Level::Error => t.error,
                };
                Line::from(vec![
                    Span::styled(format!("{} ", l.at.get(11..19).unwrap_or("")), t.dim),
                    Span::styled(l.line.clone(), st),
                ])
            })
            .collect();
        f.render_widget(Paragraph::new(view).block(block), area);
        true
    }
}

impl Pane for RunsPane {
    fn id(&self) -> PaneId {
        PaneId::Runs
    }

    fn has_filter(&self) -> bool {
        true
    }

    fn context(&self) -> Context {
        self.filter.context(Context::Runs)
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        ctx.call(
            Reply::Runs,
            Request::Runs {
                source: None,
                limit: 1000,
            },
        );
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        if self.filter.is_editing() {
            // Every command but quit is the line's, so nothing typed runs.
            let f = self.filter.command(cmd);
            return self.filtered(f, ctx);
        }
        if let Some((_, lines, scroll)) = &mut self.open {
            match cmd {
                Command::Back => self.open = None,
                Command::Up => *scroll = scroll.saturating_sub(1),
                Command::Down => *scroll = (*scroll + 1).min(lines.len().saturating_sub(1)),
                Command::PageUp => *scroll = scroll.saturating_sub(20),
                Command::PageDown => *scroll = (*scroll + 20).min(lines.len().saturating_sub(1)),
                Command::Top => *scroll = 0,
                Command::Bottom => *scroll = lines.len().saturating_sub(1),
                // `/` from a run's log: back to the list, filtering.
                Command::Filter => {
                    self.open = None;
                    let f = self.filter.command(cmd);
                    return self.filtered(f, ctx);
                }
                _ => return false,
            }
            return true;
        }
        if self.move_by(cmd) {
            return true;
        }
        match cmd {
            Command::Select => {
                let run = self
                    .rows
                    .get(self.selected)
                    .and_then(|(r, _)| self.runs.get(*r))
                    .map(|r| r.id);
                if let Some(run) = run {
                    self.opening = Some(run);
                    ctx.call(Reply::Log, Request::RunLog { run });
                }
            }
            Command::Filter | Command::Back => {
                let f = self.filter.command(cmd);
                return self.filtered(f, ctx);
            }
            _ => return false,
        }
        true
    }

    fn text_key(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        let f = self.filter.key(key);
        if !self.filtered(f, ctx) {
            // The arrows and page keys move the list while the line has focus.
            let cmd = match key.code {
                KeyCode::Up => Command::Up,
                KeyCode::Down => Command::Down,
                KeyCode::PageUp => Command::PageUp,
                KeyCode::PageDown => Command::PageDown,
                _ => return,
            };
            self.move_by(cmd);
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        let Some(what) = Reply::from_id(what) else {
            return;
        };
        match (what, response) {
            (Reply::Runs, Response::Runs(r)) => {
                self.runs = r;
                self.reindex();
            }
            (Reply::Log, Response::Log(lines)) => {
                if let Some(id) = self.opening.take() {
                    self.open = Some((id, lines, 0));
                }
            }
            (_, Response::Error(e)) => ctx.error(e.to_string()),
            _ => {}
        }
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        if let EngineEvent::Idle { .. } = event {
            if !ctx.shared.frozen {
                self.refresh(ctx);
            }
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        if self.render_log(f, area, ui) {
            return;
        }
        let typed = self.filter.text();
        let title = if typed.is_empty() {
            text::TITLE.to_string()
        } else {
            let shown = self.runs.iter().filter(|r| r.matches(typed)).count();
            text::title(typed, shown, self.runs.len())
        };
        let block = pane_block(title, t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let list = self.filter.render(f, inner, t);
        if self.runs.is_empty() {
            f.render_widget(Paragraph::new(text::EMPTY).style(t.dim), list);
            return;
        }
        if self.rows.is_empty() {
            let back = ui.keymap.shown(Context::Runs, Command::Back);
            f.render_widget(
                Paragraph::new(text::no_match(typed, &back))
                    .style(t.dim)
                    .wrap(ratatui::widgets::Wrap { trim: true }),
                list,
            );
            return;
        }
        let h = list.height.saturating_sub(1) as usize;
        let first = self.selected.saturating_sub(h.saturating_sub(1));
        let style_of = |o: Outcome| match o {
            Outcome::Ok => t.ok,
            Outcome::Partial => t.warn,
            Outcome::Running => t.accent,
            Outcome::Failed | Outcome::Cancelled | Outcome::Interrupted => t.error,
        };
        // Narrow terminals keep the outcome, how long it took and when it ended, then the
        // run and its start; the summary takes what is left (80 columns fit every column).
        type Cells = Vec<(String, ratatui::style::Style)>;
        let cells: Vec<(Cells, ratatui::style::Style)> = self
            .rows
            .iter()
            .enumerate()
            .skip(first)
            .take(h)
            .filter_map(|(i, (r, a))| {
                let r = self.runs.get(*r)?;
                let attempts = r.attempts();
                let attempt = attempts.get(*a)?;
                let last = *a + 1 == attempts.len();
                let row_st = if i == self.selected {
                    t.selected
                } else {
                    t.text
                };
                let run = if attempts.len() > 1 {
                    format!("{}.{}", r.id, a + 1)
                } else {
                    r.id.to_string()
                };
                // The run's outcome on its last attempt (it reads Interrupted there when
                // its process died); an earlier attempt's own outcome.
                let outcome = if last { r.outcome } else { attempt.outcome };
                let summary = if last {
                    r.message.lines().next().unwrap_or("").to_string()
                } else {
                    text::resumed(a + 1, attempts.len())
                };
                let cells = vec![
                    (run, row_st),
                    (
                        format!("{}{}", r.kind.key(), if r.dry_run { " (dry)" } else { "" }),
                        row_st,
                    ),
                    (r.source.clone(), row_st),
                    (
                        attempt
                            .started_at
                            .get(..19)
                            .unwrap_or(&attempt.started_at)
                            .replace('T', " "),
                        row_st,
                    ),
                    (ended(attempt), row_st),
                    (
                        attempt
                            .duration()
                            .map(took)
                            .unwrap_or_else(|| "—".to_string()),
                        row_st,
                    ),
                    (format!("{outcome:?}"), style_of(outcome)),
                    (summary, row_st),
                ];
                Some((cells, row_st))
            })
            .collect();
        let plain: Vec<Vec<String>> = cells
            .iter()
            .map(|(r, _)| r.iter().map(|(c, _)| c.clone()).collect())
            .collect();
        let widths = fit(
            &sized(
                &[
                    (3, 12, 3),
                    (7, 16, 4),
                    (6, 14, 6),
                    (19, 19, 5),
                    (5, 19, 2),
                    (4, 8, 1),
                    (6, 11, 0),
                    (9, 400, 7),
                ],
                &text::HEADER,
                &plain,
            ),
            list.width,
            1,
        );
        let shown: Vec<usize> = (0..widths.len()).filter(|&i| widths[i] > 0).collect();
        let rows: Vec<Row> = cells
            .into_iter()
            .map(|(r, row_st)| {
                Row::new(
                    r.into_iter()
                        .zip(&widths)
                        .filter(|(_, w)| **w > 0)
                        .map(|((c, st), w)| Cell::from(Span::styled(clip(&c, *w), st)))
                        .collect::<Vec<_>>(),
                )
                .style(row_st)
            })
            .collect();
        f.render_widget(
            Table::new(rows, shown.iter().map(|&i| Constraint::Length(widths[i]))).header(
                Row::new(
                    shown
                        .iter()
                        .map(|&i| Cell::from(clip(text::HEADER[i], widths[i])))
                        .collect::<Vec<_>>(),
                )
                .style(t.title),
            ),
            list,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(took(Duration::from_millis(1400)), "1.4s");
        assert_eq!(took(Duration::from_secs(185)), "3m05s");
        assert_eq!(took(Duration::from_secs(7620)), "2h07m");
    }

    #[test]
    fn an_end_on_another_day_shows_its_date() {
        let a = Attempt {
            started_at: "2026-03-01T23:59:00Z".into(),
            ended_at: Some("2026-03-02T00:01:30Z".into()),
            outcome: Outcome::Ok,
        };
        assert_eq!(ended(&a), "2026-03-02 00:01:30");
        assert_eq!(a.duration(), Some(Duration::from_secs(150)));
        let same = Attempt {
            ended_at: Some("2026-03-01T23:59:07Z".into()),
            ..a
        };
        assert_eq!(ended(&same), "23:59:07");
    }
}
