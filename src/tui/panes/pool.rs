//! Pool pane (being built).

use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::Response;
use crate::tui::command::Command;
use crate::tui::view::pane_block;

#[derive(Default)]
pub struct PoolPane;

impl Pane for PoolPane {
    fn id(&self) -> PaneId {
        PaneId::Pool
    }
    fn refresh(&mut self, _ctx: &mut Ctx) {}
    fn command(&mut self, _cmd: Command, _ctx: &mut Ctx) -> bool {
        false
    }
    fn reply(&mut self, _what: u32, _response: Response, _ctx: &mut Ctx) {}
    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        f.render_widget(
            Paragraph::new("").block(pane_block(" Pool ", ui.theme)),
            area,
        );
    }
}
