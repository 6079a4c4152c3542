//! History: every recorded run (kind, source, start, end, outcome, counts), and a run's
//! stored log on Enter.

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

const RUNS: u32 = 1;
const LOG: u32 = 2;

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
            RUNS,
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
                    ctx.call(LOG, Request::RunLog { run: r.id });
                }
            }
            _ => return false,
        }
        true
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        match (what, response) {
            (RUNS, Response::Runs(r)) => {
                self.runs = r;
                self.selected = self.selected.min(self.runs.len().saturating_sub(1));
            }
            (LOG, Response::Log(lines)) => {
                if let Some(r) = self.runs.get(self.selected) {
                    self.open = Some((r.id, lines, 0));
                }
            }
            (_, Response::Error(e)) => ctx.error(e),
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
        let rows: Vec<Row> = self
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
                let row = Row::new(vec![
                    Cell::from(r.id.to_string()),
                    Cell::from(format!(
                        "{}{}",
                        r.kind,
                        if r.dry_run { " (dry)" } else { "" }
                    )),
                    Cell::from(r.source.clone()),
                    Cell::from(
                        r.started_at
                            .get(..19)
                            .unwrap_or(&r.started_at)
                            .replace('T', " "),
                    ),
                    Cell::from(Span::styled(format!("{:?}", r.outcome), st)),
                    Cell::from(r.message.clone()),
                ]);
                if i == self.selected {
                    row.style(t.selected)
                } else {
                    row.style(t.text)
                }
            })
            .collect();
        f.render_widget(
            Table::new(
                rows,
                [
                    Constraint::Length(8),
                    Constraint::Length(16),
                    Constraint::Length(14),
                    Constraint::Length(20),
                    Constraint::Length(10),
                    Constraint::Min(10),
                ],
            )
            .header(Row::new(text::HEADER.map(Cell::from)).style(t.title))
            .block(block),
            area,
        );
    }
}
