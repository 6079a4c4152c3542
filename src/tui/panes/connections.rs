//! Connections: the list with each one's endpoint, masked token and last Test Connection
//! result, Test Connection inline, and the form that adds one.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{ConnectionView, EngineEvent, Request, Response};
use crate::tui::command::Command;
use crate::tui::view::pane_block;

mod text {
    pub const TITLE: &str = " Connections ";
    pub const EMPTY: &str = "No connections yet. Press a to add one (domain prefix and personal token).";
    pub const HEADER: [&str; 4] = ["name", "endpoint", "token", "last test"];
    pub const NEVER: &str = "not tested (t)";
}

const LIST: u32 = 1;
const TEST: u32 = 2;
const REMOVE: u32 = 3;
const CONFIRM_REMOVE: u32 = 1;

#[derive(Default)]
pub struct ConnectionsPane {
    list: Vec<ConnectionView>,
    selected: usize,
    testing: Option<String>,
}

impl Pane for ConnectionsPane {
    fn id(&self) -> PaneId {
        PaneId::Connections
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        ctx.call(LIST, Request::ListConnections);
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        let n = self.list.len();
        match cmd {
            Command::Up => self.selected = self.selected.saturating_sub(1),
            Command::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Command::Top => self.selected = 0,
            Command::Bottom => self.selected = n.saturating_sub(1),
            Command::TestConnection => {
                if let Some(c) = self.list.get(self.selected) {
                    self.testing = Some(c.name.clone());
                    ctx.info(format!("testing {}…", c.name));
                    ctx.call(TEST, Request::TestConnection { name: c.name.clone() });
                }
            }
            Command::Delete => {
                if let Some(c) = self.list.get(self.selected) {
                    ctx.confirm(
                        CONFIRM_REMOVE,
                        format!("Remove connection {}? Sources using it stop working until given another.", c.name),
                    );
                }
            }
            _ => return false,
        }
        true
    }

    fn confirmed(&mut self, token: u32, ctx: &mut Ctx) {
        if token == CONFIRM_REMOVE {
            if let Some(c) = self.list.get(self.selected) {
                ctx.call(REMOVE, Request::RemoveConnection { name: c.name.clone() });
            }
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        match (what, response) {
            (LIST, Response::Connections(l)) => {
                self.list = l;
                self.selected = self.selected.min(self.list.len().saturating_sub(1));
            }
            (TEST, r) => {
                self.testing = None;
                match r {
                    Response::Error(e) => ctx.error(e),
                    Response::Message(m) => ctx.info(m),
                    _ => {}
                }
                self.refresh(ctx);
            }
            (REMOVE, Response::Done) => {
                ctx.info("connection removed");
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
        if self.list.is_empty() {
            f.render_widget(Paragraph::new(text::EMPTY).style(t.dim).block(block), area);
            return;
        }
        let rows: Vec<Row> = self
            .list
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let test = if self.testing.as_deref() == Some(c.name.as_str()) {
                    Span::styled("testing…", t.accent)
                } else {
                    match &c.last_test {
                        None => Span::styled(text::NEVER, t.dim),
                        Some((true, m)) => Span::styled(format!("✔ {m}"), t.ok),
                        Some((false, m)) => Span::styled(format!("✘ {m}"), t.error),
                    }
                };
                Row::new(vec![
                    Cell::from(c.name.clone()),
                    Cell::from(c.endpoint.clone()),
                    Cell::from(c.token_masked.clone()),
                    Cell::from(test),
                ])
                .style(if i == self.selected { t.selected } else { t.text })
            })
            .collect();
        f.render_widget(
            Table::new(
                rows,
                [
                    Constraint::Length(16),
                    Constraint::Length(42),
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
