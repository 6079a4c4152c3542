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
use super::shared::{Flash, Shared};
use super::theme::Theme;
use super::widgets::form::wrap;

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
    pub fn text_keys(k: &Keymap) -> String {
        format!(
            "({} closes, {}/{} scroll)",
            k.shown(Context::Popup, Command::Back),
            k.shown(Context::Popup, Command::Down),
            k.shown(Context::Popup, Command::Up)
        )
    }
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
        Some(p @ Popup::Text { .. }) => draw_text_popup(f, app, theme, p),
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

/// The tab labels for a bar `width` cells wide: every title when they fit, else numbers
/// only with the current pane's title, so every pane stays reachable and the current one
/// is always on screen (80×24 and 60×15 included). The name goes before the titles do.
pub fn tab_labels(current: PaneId, width: u16) -> (bool, Vec<(String, bool)>) {
    const BRAND: usize = 10;
    let full: Vec<(String, bool)> = PaneId::ALL
        .iter()
        .enumerate()
        .map(|(i, id)| (format!(" {i} {} ", id.title()), *id == current))
        .collect();
    let len = |v: &[(String, bool)]| v.iter().map(|(l, _)| l.chars().count()).sum::<usize>();
    if BRAND + len(&full) <= width as usize {
        return (true, full);
    }
    if len(&full) <= width as usize {
        return (false, full);
    }
    let compact: Vec<(String, bool)> = PaneId::ALL
        .iter()
        .enumerate()
        .map(|(i, id)| {
            if *id == current {
                (format!(" {i} {} ", id.title()), true)
            } else {
                (format!(" {i} "), false)
            }
        })
        .collect();
    (BRAND + len(&compact) <= width as usize, compact)
}

fn draw_tabs(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let (brand, labels) = tab_labels(app.current(), area.width);
    let mut spans = Vec::new();
    if brand {
        spans.push(Span::styled(" lsbridge ", theme.title));
    }
    for (label, active) in labels {
        let st = if active { theme.selected } else { theme.dim };
        spans.push(Span::styled(label, st));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The status bar before the message: mode, source, jobs running, frozen.
fn status_prefix(s: &Shared) -> [String; 4] {
    let running = s.running_jobs();
    [
        format!(" {} ", s.mode),
        format!(" source: {} ", s.source.as_deref().unwrap_or("(none)")),
        format!(
            " {running} job{} running ",
            if running == 1 { "" } else { "s" }
        ),
        if s.frozen {
            text::FROZEN.to_string()
        } else {
            String::new()
        },
    ]
}

/// Columns left for the message in the status bar (before the first draw: 80 columns).
fn flash_room(s: &Shared) -> usize {
    let width = if s.width == 0 { 80 } else { s.width } as usize;
    let used: usize = status_prefix(s)
        .iter()
        .map(|p| Span::raw(p.as_str()).width())
        .sum();
    // The leading space before the message.
    width.saturating_sub(used + 1)
}

/// Whether `msg` fits the status bar whole (one line, not cut).
pub fn flash_fits(s: &Shared, msg: &str) -> bool {
    !msg.contains('\n') && Span::raw(msg).width() <= flash_room(s)
}

fn draw_status(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let s = &app.shared;
    let running = s.running_jobs();
    let [mode, source, jobs, frozen] = status_prefix(s);
    let mut spans = vec![
        Span::styled(mode, theme.bar),
        Span::styled(source, theme.text),
        Span::styled(jobs, if running > 0 { theme.accent } else { theme.dim }),
    ];
    if s.frozen {
        spans.push(Span::styled(frozen, theme.warn));
    }
    if let Some((kind, msg)) = &s.flash {
        let st = match kind {
            Flash::Info => theme.ok,
            Flash::Error => theme.error,
        };
        // Cut with an ellipsis, never mid-word without a mark; the whole text is in the
        // popup it opened and in the message history (m).
        let room = flash_room(s);
        let first = msg.lines().next().unwrap_or("");
        let shown = if first.len() < msg.len() && Span::raw(first).width() < room {
            format!("{first}…")
        } else {
            first.to_string()
        };
        let shown = super::panes::log::fit(&shown, room);
        spans.push(Span::styled(format!(" {}", shown.trim_end()), st));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_text_popup(f: &mut Frame, app: &App, theme: &Theme, popup: &Popup) {
    let Popup::Text {
        title,
        lines,
        scroll,
        max_scroll,
    } = popup
    else {
        return;
    };
    let area = f.area();
    let w = area.width.saturating_sub(4).min(110);
    let inner_w = w.saturating_sub(2) as usize;
    let mut wrapped: Vec<String> = Vec::new();
    for l in lines {
        // Keep a line's indentation (continuations of a message, report details).
        let indent: String = l.chars().take_while(|c| *c == ' ').collect();
        for (i, part) in wrap(l, inner_w.saturating_sub(indent.len()).max(1))
            .into_iter()
            .enumerate()
        {
            if i == 0 || indent.is_empty() {
                wrapped.push(format!("{indent}{part}"));
            } else {
                wrapped.push(format!("{indent}  {part}"));
            }
        }
    }
    let h = (wrapped.len() as u16 + 2).min(area.height.saturating_sub(2));
    let r = centered(area, w, h);
    let visible = r.height.saturating_sub(2) as usize;
    let max = wrapped.len().saturating_sub(visible);
    max_scroll.set(max);
    let scroll = (*scroll).min(max);
    let more = if max > 0 {
        format!(" {}–{} of {} ", scroll + 1, scroll + visible, wrapped.len())
    } else {
        String::new()
    };
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(
            wrapped
                .into_iter()
                .skip(scroll)
                .take(visible)
                .map(|l| Line::styled(l, theme.text))
                .collect::<Vec<_>>(),
        )
        .block(
            Block::bordered()
                .title(format!(" {title} {} ", text::text_keys(&app.keymap)))
                .title_bottom(more)
                .border_style(theme.border_focused),
        ),
        r,
    );
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
