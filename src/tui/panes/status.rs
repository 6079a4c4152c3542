//! Integrations: the status page of the current source — for each of its three
//! integrations, Connected / Configured / Mapped, and the exact missing item when one is not
//! met. `t` runs Test Connection on the source's connection.

use crate::tui::panes::ReplyId;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{EngineEvent, Request, Response};
use crate::source::{IntegrationStatus, Missing};
use crate::tui::command::Command;
use crate::tui::keymap::{Context, Keymap};
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

/// A missing item as this page words it: what is missing, then the key that fixes it (from
/// the keymap, so a rebinding shows here too).
pub fn missing_hint(m: &Missing, keys: &Keymap) -> String {
    let key = |context, command| {
        keys.key_for(context, command)
            .map_or_else(|| "?".to_string(), |k| k.to_string())
    };
    let edit_source = || {
        format!(
            "in Sources ({}), {} to edit",
            key(Context::Global, Command::Pane1),
            key(Context::Sources, Command::Edit)
        )
    };
    match m {
        Missing::NoConnection | Missing::NoTemplate => format!("{m}: pick one {}", edit_source()),
        Missing::UnknownConnection { .. } => format!(
            "{m}: add it in Connections ({}), {} to add",
            key(Context::Global, Command::Pane2),
            key(Context::Connections, Command::New)
        ),
        Missing::TestFailed { .. } | Missing::Untested { .. } => format!(
            "{m}: press {} to test it",
            key(Context::Status, Command::TestConnection)
        ),
        Missing::NotFulfilling => format!("{m}: set Fulfills Orders to yes {}", edit_source()),
        Missing::SendIds { .. } => format!("{m}: set them {}", edit_source()),
        Missing::BadBusinessHours { .. } => format!("{m}: fix them {}", edit_source()),
        Missing::UnknownTemplate { .. } => format!("{m}: pick another {}", edit_source()),
        Missing::BadTemplate { .. } => format!(
            "{m}: fix it in Mapping ({})",
            key(Context::Global, Command::Pane4)
        ),
    }
}

super::reply_ids! {
    /// What a reply answers.
    enum Reply {
    Status = 1,
    Test = 2,
    }
}

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
            ctx.call(Reply::Status, Request::SourceStatus { source: s });
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
                        ctx.call(Reply::Test, Request::TestConnection { name });
                    }
                    None => ctx.error(text::no_connection(ctx.keys)),
                }
                true
            }
            _ => false,
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        let Some(what) = Reply::from_id(what) else {
            return;
        };
        match (what, response) {
            (Reply::Status, Response::Status(rows)) => {
                self.rows = rows;
                self.error = None;
            }
            (Reply::Test, Response::Message(m)) => {
                ctx.info(m);
                self.refresh(ctx);
            }
            (Reply::Test, Response::Error(e)) => {
                ctx.error(e.to_string());
                self.refresh(ctx);
            }
            (_, Response::Error(e)) => self.error = Some(e.to_string()),
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
                        Span::styled(missing_hint(why, ui.keymap), t.warn),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The same missing item the CLI words as a command line is a key hint here, and
    /// follows a rebinding.
    #[test]
    fn missing_items_are_worded_as_key_hints() {
        let m = Missing::Untested {
            connection: "demo".into(),
        };
        let hint = missing_hint(&m, &Keymap::default());
        assert_eq!(
            hint,
            "connection \"demo\" has not passed Test Connection yet: press t to test it"
        );
        assert!(!hint.contains("lsbridge"), "{hint}");
        let (rebound, problems) = Keymap::with_overrides("[status]\ntest_connection = [\"T\"]\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert!(missing_hint(&m, &rebound).ends_with("press T to test it"));
        let ids = Missing::SendIds {
            settings: vec!["Register ID".into(), "User ID".into()],
        };
        assert_eq!(
            missing_hint(&ids, &Keymap::default()),
            "Register ID, User ID not set: set them in Sources (1), e to edit"
        );
    }
}
