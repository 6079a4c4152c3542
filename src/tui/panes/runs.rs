//! History: every recorded run (kind, source, start, end, outcome, counts), and a run's
//! stored log on Enter.

use crate::tui::panes::ReplyId;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{EngineEvent, Request, Response};
use crate::jobs::events::Level;
use crate::jobs::runs::{LogLine, RunRecord};
use crate::jobs::Outcome;
use crate::tui::command::Command;
use crate::tui::view::pane_block;
use crate::tui::widgets::columns::{clip, fit, sized};

mod text {
    pub const TITLE: &str = " History ";
    pub const EMPTY: &str = "No runs recorded yet. Run a job in Jobs (5).";
    pub const HEADER: [&str; 6] = [
        "run",
        "kind",
        "source",
        "started (UTC)",
        "outcome",
        "summary",
    ];
    pub const LOG_EMPTY: &str = "This run has no stored log lines.";
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
    selected: usize,
    /// The open run's log and the scroll position in it.
    open: Option<(u64, Vec<LogLine>, usize)>,
}

impl Pane for RunsPane {
    fn id(&self) -> PaneId {
        PaneId::Runs
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
        if let Some((_, lines, scroll)) = &mut self.open {
            match cmd {
                Command::Back => self.open = None,
                Command::Up => *scroll = scroll.saturating_sub(1),
                Command::Down => *scroll = (*scroll + 1).min(lines.len().saturating_sub(1)),
                Command::PageUp => *scroll = scroll.saturating_sub(20),
                Command::PageDown => *scroll = (*scroll + 20).min(lines.len().saturating_sub(1)),
                Command::Top => *scroll = 0,
                Command::Bottom => *scroll = lines.len().saturating_sub(1),
                _ => return false,
            }
            return true;
        }
        let n = self.runs.len();
        match cmd {
            Command::Up => self.selected = self.selected.saturating_sub(1),
            Command::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Command::PageUp => self.selected = self.selected.saturating_sub(20),
            Command::PageDown => self.selected = (self.selected + 20).min(n.saturating_sub(1)),
            Command::Top => self.selected = 0,
            Command::Bottom => self.selected = n.saturating_sub(1),
            Command::Select => {
                if let Some(r) = self.runs.get(self.selected) {
                    ctx.call(Reply::Log, Request::RunLog { run: r.id });
                }
            }
            _ => return false,
        }
        true
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        let Some(what) = Reply::from_id(what) else {
            return;
        };
        match (what, response) {
            (Reply::Runs, Response::Runs(r)) => {
                self.runs = r;
                self.selected = self.selected.min(self.runs.len().saturating_sub(1));
            }
            (Reply::Log, Response::Log(lines)) => {
                if let Some(r) = self.runs.get(self.selected) {
                    self.open = Some((r.id, lines, 0));
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
        if let Some((id, lines, scroll)) = &self.open {
            let back = ui
                .keymap
                .shown(crate::tui::keymap::Context::Runs, Command::Back);
            let block = pane_block(format!(" Run {id} log ({back} back) "), t);
            if lines.is_empty() {
                f.render_widget(
                    Paragraph::new(text::LOG_EMPTY).style(t.dim).block(block),
                    area,
                );
                return;
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
            return;
        }
        let block = pane_block(text::TITLE, t);
        if self.runs.is_empty() {
            f.render_widget(Paragraph::new(text::EMPTY).style(t.dim).block(block), area);
            return;
        }
        let h = area.height.saturating_sub(3) as usize;
        let first = self.selected.saturating_sub(h.saturating_sub(1));
        // Narrow terminals keep the outcome and its summary; the names give way first.
        let cells: Vec<(Vec<(String, ratatui::style::Style)>, ratatui::style::Style)> = self
            .runs
            .iter()
            .enumerate()
            .skip(first)
            .take(h)
            .map(|(i, r)| {
                let st = match r.outcome {
                    Outcome::Ok => t.ok,
                    Outcome::Partial => t.warn,
                    Outcome::Running => t.accent,
                    Outcome::Failed | Outcome::Cancelled | Outcome::Interrupted => t.error,
                };
                let row_st = if i == self.selected {
                    t.selected
                } else {
                    t.text
                };
                let cells = vec![
                    (r.id.to_string(), row_st),
                    (
                        format!("{}{}", r.kind.key(), if r.dry_run { " (dry)" } else { "" }),
                        row_st,
                    ),
                    (r.source.clone(), row_st),
                    (
                        r.started_at
                            .get(..19)
                            .unwrap_or(&r.started_at)
                            .replace('T', " "),
                        row_st,
                    ),
                    (format!("{:?}", r.outcome), st),
                    (r.message.lines().next().unwrap_or("").to_string(), row_st),
                ];
                (cells, row_st)
            })
            .collect();
        let plain: Vec<Vec<String>> = cells
            .iter()
            .map(|(r, _)| r.iter().map(|(c, _)| c.clone()).collect())
            .collect();
        let widths = fit(
            &sized(
                &[
                    (3, 8, 3),
                    (7, 16, 4),
                    (6, 14, 5),
                    (19, 19, 2),
                    (6, 11, 0),
                    (10, 400, 1),
                ],
                &text::HEADER,
                &plain,
            ),
            area.width.saturating_sub(2),
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
            Table::new(rows, shown.iter().map(|&i| Constraint::Length(widths[i])))
                .header(
                    Row::new(
                        shown
                            .iter()
                            .map(|&i| Cell::from(clip(text::HEADER[i], widths[i])))
                            .collect::<Vec<_>>(),
                    )
                    .style(t.title),
                )
                .block(block),
            area,
        );
    }
}
