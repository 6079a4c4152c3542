//! Integrations: the status page of the current source — for each of its three
//! integrations, Connected / Configured / Mapped, and the exact missing item when one is not
//! met. `t` runs Test Connection on the source's connection.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{EngineEvent, Request, Response};
use crate::source::IntegrationStatus;
use crate::tui::command::Command;
use crate::tui::view::pane_block;

mod text {
    pub const TITLE: &str = " Integrations ";
    pub const NO_SOURCE: &str = "No source selected. Pick or add one in Sources (1).";
    pub fn no_connection(k: &crate::tui::keymap::Keymap) -> String {
        use crate::tui::command::Command;
        use crate::tui::keymap::Context;
        format!(
            "This source has no connection: pick one in Sources ({}), {} to edit.",
            k.shown(Context::Global, Command::Pane1),
            k.shown(Context::Sources, Command::Edit)
        )
    }
    pub const CHECKS: [&str; 3] = ["Connected", "Configured", "Mapped"];
}

const STATUS: u32 = 1;
const TEST: u32 = 2;

#[derive(Default)]
pub struct StatusPane {
    rows: Vec<IntegrationStatus>,
    error: Option<String>,
}

impl Pane for StatusPane {
    fn id(&self) -> PaneId {
        PaneId::Status
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        if let Some(s) = ctx.shared.source.clone() {
            ctx.call(STATUS, Request::SourceStatus { source: s });
        } else {
            self.rows.clear();
        }
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        match cmd {
            Command::TestConnection => {
                match ctx
                    .shared
                    .current_source()
                    .and_then(|s| s.connection.clone())
                {
                    Some(name) => {
                        ctx.info(format!("testing connection {name}…"));
                        ctx.call(TEST, Request::TestConnection { name });
                    }
                    None => ctx.error(text::no_connection(ctx.keys)),
                }
                true
            }
            _ => false,
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        match (what, response) {
            (STATUS, Response::Status(rows)) => {
                self.rows = rows;
                self.error = None;
            }
            (TEST, Response::Message(m)) => {
                ctx.info(m);
                self.refresh(ctx);
            }
            (TEST, Response::Error(e)) => {
                ctx.error(e);
                self.refresh(ctx);
            }
            (_, Response::Error(e)) => self.error = Some(e),
            _ => {}
        }
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        if let EngineEvent::DataChanged { .. } | EngineEvent::ConnectionTested { .. } = event {
            self.refresh(ctx);
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let title = match &ui.shared.source {
            Some(s) => format!("{}· {s} ", text::TITLE),
            None => text::TITLE.to_string(),
        };
        let block = pane_block(title, t);
        if ui.shared.source.is_none() {
            f.render_widget(
                Paragraph::new(text::NO_SOURCE).style(t.dim).block(block),
                area,
            );
            return;
        }
        let mut lines = Vec::new();
        if let Some(e) = &self.error {
            lines.push(Line::styled(e.clone(), t.error));
        }
        for r in &self.rows {
            lines.push(Line::styled(r.integration.label(), t.title));
            for (label, check) in text::CHECKS
                .iter()
                .zip([&r.connected, &r.configured, &r.mapped])
            {
                lines.push(match check {
                    Ok(()) => Line::from(vec![
                        Span::styled("  ✔ ", t.ok),
                        Span::styled(*label, t.text),
                    ]),
                    Err(why) => Line::from(vec![
                        Span::styled("  ✘ ", t.error),
                        Span::styled(format!("{label}: "), t.text),
                        Span::styled(why.clone(), t.warn),
                    ]),
                });
            }
            for n in &r.notes {
                lines.push(Line::from(vec![
                    Span::styled("  ! ", t.warn),
                    Span::styled(n.clone(), t.text),
                ]));
            }
            lines.push(Line::default());
        }
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block),
            area,
        );
    }
}
