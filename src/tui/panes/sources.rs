//! Sources: the list (the selection is the current source every other pane shows) and the
//! wizard that adds or edits one.

use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{EngineEvent, Request, Response};
use crate::tui::command::Command;
use crate::tui::view::pane_block;

mod text {
    pub const TITLE: &str = " Sources ";
    pub const EMPTY: &str = "No sources yet. Press a to add one with the wizard.";
    pub const HEADER: [&str; 4] = ["name", "type", "connection", "fulfills orders"];
}

pub(crate) const LIST: u32 = 0;
const REMOVE: u32 = 1;
const CONFIRM_REMOVE: u32 = 1;

#[derive(Default)]
pub struct SourcesPane {
    selected: usize,
}

impl SourcesPane {
    fn select(&mut self, i: usize, ctx: &mut Ctx) {
        self.selected = i.min(ctx.shared.sources.len().saturating_sub(1));
        ctx.shared.source = ctx.shared.sources.get(self.selected).map(|s| s.name.clone());
    }
}

impl Pane for SourcesPane {
    fn id(&self) -> PaneId {
        PaneId::Sources
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        ctx.call(LIST, Request::ListSources);
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        let n = ctx.shared.sources.len();
        match cmd {
            Command::Up => self.select(self.selected.saturating_sub(1), ctx),
            Command::Down => self.select((self.selected + 1).min(n.saturating_sub(1)), ctx),
            Command::Top => self.select(0, ctx),
            Command::Bottom => self.select(n.saturating_sub(1), ctx),
            Command::Delete => {
                if let Some(s) = ctx.shared.sources.get(self.selected) {
                    let prompt = format!(
                        "Remove source {}? Its settings go; its pool items and FRs stay in the store.",
                        s.name
                    );
                    ctx.confirm(CONFIRM_REMOVE, prompt);
                }
            }
            _ => return false,
        }
        true
    }

    fn confirmed(&mut self, token: u32, ctx: &mut Ctx) {
        if token == CONFIRM_REMOVE {
            if let Some(s) = ctx.shared.sources.get(self.selected) {
                ctx.call(REMOVE, Request::RemoveSource { name: s.name.clone() });
            }
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        match (what, response) {
            (LIST, Response::Sources(_)) => {
                // The app stored the list in shared state; keep the selection on the current source.
                if let Some(i) = ctx
                    .shared
                    .sources
                    .iter()
                    .position(|s| Some(&s.name) == ctx.shared.source.as_ref())
                {
                    self.selected = i;
                }
            }
            (REMOVE, Response::Done) => {
                ctx.info("source removed");
                ctx.shared.source = None;
                self.selected = 0;
                self.refresh(ctx);
            }
            (_, Response::Error(e)) => ctx.error(e),
            _ => {}
        }
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        if let EngineEvent::DataChanged { .. } = event {
            self.refresh(ctx);
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let block = pane_block(text::TITLE, t);
        let sources = &ui.shared.sources;
        if sources.is_empty() {
            f.render_widget(Paragraph::new(text::EMPTY).style(t.dim).block(block), area);
            return;
        }
        let h = area.height.saturating_sub(3) as usize;
        let first = self.selected.saturating_sub(h.saturating_sub(1));
        let rows: Vec<Row> = sources
            .iter()
            .enumerate()
            .skip(first)
            .take(h)
            .map(|(i, s)| {
                Row::new(vec![
                    Cell::from(s.name.clone()),
                    Cell::from(s.source_type.label()),
                    Cell::from(s.connection.clone().unwrap_or_else(|| "(none)".into())),
                    Cell::from(if s.fulfills_orders { "yes" } else { "no" }),
                ])
                .style(if i == self.selected { t.selected } else { t.text })
            })
            .collect();
        f.render_widget(
            Table::new(
                rows,
                [
                    Constraint::Length(20),
                    Constraint::Length(28),
                    Constraint::Length(20),
                    Constraint::Min(8),
                ],
            )
            .header(Row::new(text::HEADER.map(Cell::from)).style(t.title))
            .block(block),
            area,
        );
    }
}
