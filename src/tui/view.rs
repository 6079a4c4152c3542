//! Drawing: the tab bar, the current pane, the status and hint bars, and popups over them.
//! Reads the app, never changes it.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{palette_matches, App, Popup};
use super::command::Command;
use super::keymap::Context;
use super::panes::{PaneId, Ui};
use super::shared::Flash;
use super::theme::Theme;

/// Below this the panes cannot be drawn legibly; a message asks for more room.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

mod text {
    use crate::tui::command::Command;
    use crate::tui::keymap::{Context, Keymap};

    pub const TOO_SMALL: &str = "lsbridge needs at least 60×15; make the terminal larger";
    pub const QUIT_RUNNING: &str =
        "Jobs are running. Quit and stop them? They resume from their last checkpoint next time.";
    pub fn help_title(k: &Keymap) -> String {
        format!(" Keys ({} closes) ", k.shown(Context::Popup, Command::Back))
    }
    pub fn palette_title(k: &Keymap) -> String {
        format!(
            " Command ({} runs, {} closes) ",
            k.shown(Context::Text, Command::Select),
            k.shown(Context::Text, Command::Back)
        )
    }
    pub const CONFIRM_TITLE: &str = " Confirm ";
    pub const FROZEN: &str = " FROZEN ";
    pub fn quit_unsaved(what: &[&str], k: &Keymap) -> String {
        format!(
            "Unsaved changes in {}. Quit and drop them? ({} goes back; {} saves)",
            what.join(" and "),
            k.shown(Context::Confirm, Command::No),
            k.shown(Context::Text, Command::Save)
        )
    }
    /// The answer line under every question: only Yes acts, and Enter is among the No keys.
    pub fn answers(k: &Keymap) -> (String, String) {
        (
            k.shown(Context::Confirm, Command::Yes),
            k.shown_all(Context::Confirm, Command::No),
        )
    }
    pub fn no_filter(pane: &str, k: &Keymap) -> String {
        format!(
            " {pane} has no filter: typing here does nothing ({} closes) ",
            k.shown(Context::Text, Command::Back)
        )
    }
}

pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

pub fn draw(f: &mut Frame, app: &App, theme: &Theme) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        f.render_widget(
            Paragraph::new(text::TOO_SMALL)
                .style(theme.warn)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let [tabs, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_tabs(f, app, theme, tabs);
    let ui = Ui {
        theme,
        keymap: &app.keymap,
        shared: &app.shared,
    };
    app.pane(app.current()).render(f, body, &ui);
    draw_status(f, app, theme, status);
    draw_hints(f, app, theme, hints);
    match app.popup() {
        Some(Popup::Help { scroll }) => draw_help(f, app, theme, *scroll),
        Some(Popup::NoFilter { input, pane }) => {
            let r = centered(area, 64, 3);
            f.render_widget(Clear, r);
            f.render_widget(
                crate::tui::widgets::prompt::prompt_line("/", input, theme).block(
                    Block::bordered()
                        .title(text::no_filter(pane.title(), &app.keymap))
                        .border_style(theme.warn),
                ),
                r,
            );
        }
        Some(Popup::Palette { input, selected }) => {
            let r = centered(area, 60, 16);
            f.render_widget(Clear, r);
            let block = Block::bordered()
                .title(text::palette_title(&app.keymap))
                .border_style(theme.border_focused);
            let inner = block.inner(r);
            f.render_widget(block, r);
            let [field, list] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
            let typed = input.lines().join("");
            f.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled(": ", theme.accent),
                    Span::styled(typed.clone(), theme.text),
                    Span::styled("▏", theme.accent),
                ])),
                field,
            );
            let pane = app.pane(app.current());
            let matches = palette_matches(&app.keymap, pane.context(), pane.has_filter(), &typed);
            let sel = (*selected).min(matches.len().saturating_sub(1));
            let lines: Vec<Line> = matches
                .iter()
                .enumerate()
                .skip(sel.saturating_sub(list.height.saturating_sub(1) as usize))
                .take(list.height as usize)
                .map(|(i, (c, key))| {
                    let st = if i == sel { theme.selected } else { theme.text };
                    let key = key.map(|k| k.to_string()).unwrap_or_default();
                    Line::from(vec![
                        Span::styled(format!("{:<44}", c.describe()), st),
                        Span::styled(key, if i == sel { st } else { theme.key }),
                    ])
                })
                .collect();
            f.render_widget(Paragraph::new(lines), list);
        }
        Some(Popup::Confirm(c)) => draw_question(f, app, theme, &c.prompt, area),
        Some(Popup::QuitWhileRunning) => draw_question(f, app, theme, text::QUIT_RUNNING, area),
        Some(Popup::QuitUnsaved(what)) => {
            draw_question(f, app, theme, &text::quit_unsaved(what, &app.keymap), area)
        }
        None => {}
    }
}

fn draw_question(f: &mut Frame, app: &App, theme: &Theme, prompt: &str, area: Rect) {
    let r = centered(area, 56, 7);
    f.render_widget(Clear, r);
    let (yes, no) = text::answers(&app.keymap);
    f.render_widget(
        Paragraph::new(vec![
            Line::styled(prompt.to_string(), theme.text),
            Line::default(),
            Line::from(vec![
                Span::styled(yes, theme.key),
                Span::styled(" yes    ", theme.dim),
                Span::styled(no, theme.key),
                Span::styled(" no (the default)", theme.dim),
            ]),
        ])
        .wrap(Wrap { trim: true })
        .block(
            Block::bordered()
                .title(text::CONFIRM_TITLE)
                .border_style(theme.warn),
        ),
        r,
    );
}

fn draw_tabs(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let mut spans = vec![Span::styled(" lsbridge ", theme.title)];
    for (i, id) in PaneId::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, id.title());
        let st = if *id == app.current() {
            theme.selected
        } else {
            theme.dim
        };
        spans.push(Span::styled(label, st));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_status(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let s = &app.shared;
    let running = s.running_jobs();
    let mut spans = vec![
        Span::styled(format!(" {} ", s.mode), theme.bar),
        Span::styled(
            format!(" source: {} ", s.source.as_deref().unwrap_or("(none)")),
            theme.text,
        ),
        Span::styled(
            format!(
                " {running} job{} running ",
                if running == 1 { "" } else { "s" }
            ),
            if running > 0 { theme.accent } else { theme.dim },
        ),
    ];
    if s.frozen {
        spans.push(Span::styled(text::FROZEN, theme.warn));
    }
    if let Some((kind, msg)) = &s.flash {
        let st = match kind {
            Flash::Info => theme.ok,
            Flash::Error => theme.error,
        };
        spans.push(Span::styled(format!(" {msg}"), st));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_hints(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let ctx = app.context();
    let has_filter =
        ctx == Context::Pick || (app.popup().is_none() && app.pane(app.current()).has_filter());
    let mut spans = Vec::new();
    for (k, label) in app
        .keymap
        .hints_where(ctx, |c| c != Command::Filter || has_filter)
    {
        spans.push(Span::styled(k, theme.key));
        spans.push(Span::styled(format!(" {label}  "), theme.dim));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_help(f: &mut Frame, app: &App, theme: &Theme, scroll: usize) {
    let area = f.area();
    let r = centered(area, 76, area.height.saturating_sub(4));
    f.render_widget(Clear, r);
    let pane_ctx = app.pane(app.current()).context();
    let mut lines = Vec::new();
    for ctx in [pane_ctx, Context::Global] {
        lines.push(Line::styled(format!("{}:", ctx.name()), theme.title));
        for b in app.keymap.bindings().iter().filter(|b| b.context == ctx) {
            let keys: Vec<String> = b.keys.iter().map(|k| k.to_string()).collect();
            if keys.is_empty() {
                continue;
            }
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", keys.join(" ")), theme.key),
                Span::styled(b.command.describe(), theme.text),
            ]));
        }
    }
    let visible = r.height.saturating_sub(2) as usize;
    let scroll = scroll.min(lines.len().saturating_sub(visible));
    f.render_widget(
        Paragraph::new(lines.into_iter().skip(scroll).collect::<Vec<_>>()).block(
            Block::default()
                .borders(Borders::ALL)
                .title(text::help_title(&app.keymap))
                .border_style(theme.border_focused),
        ),
        r,
    );
}

/// A bordered block for a pane body, focused style.
pub fn pane_block<'a>(title: impl Into<Line<'a>>, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .title(title)
        .border_style(theme.border_focused)
        .style(Style::default())
}
