//! The pick list every pane shares: a list with a filter line above it. With the list
//! focused (keymap context `pick`) `j`/`k` and the arrows move, `/` focuses the filter line,
//! and any other printable key starts the filter with itself. With the filter line focused
//! (context `text`) typing filters (every word must appear), the arrows still move, Ctrl-u
//! clears the line and gives the keys back to the list, and so does deleting its last
//! character. Enter picks, Esc closes without changing anything (the owner decides that).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;
use tui_textarea::TextArea;

use crate::tui::command::Command;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::Theme;

mod text {
    pub const FILTER: &str = "filter: ";
    pub const NO_MATCH: &str = "nothing matches; Backspace widens the filter";
    pub const EMPTY: &str = "nothing to pick from";
}

pub struct PickItem {
    pub key: String,
    pub label: String,
    pub detail: String,
    /// Why it cannot be picked (a disabled payment type): shown, and refused when picked.
    pub refused: Option<String>,
}

impl PickItem {
    pub fn new(
        key: impl Into<String>,
        label: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        PickItem {
            key: key.into(),
            label: label.into(),
            detail: detail.into(),
            refused: None,
        }
    }
}

pub struct PickList {
    pub title: String,
    pub items: Vec<PickItem>,
    pub filter: TextArea<'static>,
    /// The filter line has focus: printable keys type into it.
    pub filtering: bool,
    /// Index into [`PickList::visible`].
    pub selected: usize,
    /// The popup's width (at most the screen's).
    pub width: u16,
}

const PAGE: isize = 10;

impl PickList {
    pub fn new(title: String, items: Vec<PickItem>, current: Option<&str>) -> PickList {
        let selected = current
            .and_then(|c| items.iter().position(|i| i.key == c))
            .unwrap_or(0);
        PickList {
            title,
            items,
            filter: TextArea::default(),
            filtering: false,
            selected,
            width: 76,
        }
    }

    /// The keymap context while this list is open.
    pub fn context(&self) -> Context {
        if self.filtering {
            Context::Text
        } else {
            Context::Pick
        }
    }

    pub fn filter_text(&self) -> String {
        self.filter.lines().join(" ")
    }

    pub fn visible(&self) -> Vec<usize> {
        let f = self.filter_text().to_lowercase();
        let words: Vec<&str> = f.split_whitespace().collect();
        self.items
            .iter()
            .enumerate()
            .filter(|(_, it)| {
                let hay = format!("{} {}", it.label, it.detail).to_lowercase();
                words.iter().all(|w| hay.contains(w))
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn selected_index(&self, visible: &[usize]) -> usize {
        self.selected.min(visible.len().saturating_sub(1))
    }

    pub fn chosen(&self) -> Option<&PickItem> {
        let v = self.visible();
        v.get(self.selected_index(&v))
            .and_then(|&i| self.items.get(i))
    }

    pub fn step(&mut self, delta: isize) {
        let n = self.visible().len();
        let cur = self.selected.min(n.saturating_sub(1)) as isize;
        self.selected = (cur + delta).clamp(0, n.saturating_sub(1) as isize) as usize;
    }

    /// Focuses the filter line.
    pub fn start_filter(&mut self) {
        self.filtering = true;
    }

    /// Empties the filter line and gives the keys back to the list.
    pub fn clear_filter(&mut self) {
        super::prompt::clear_line(&mut self.filter);
        self.filtering = false;
        self.selected = 0;
    }

    /// A bound command (moving, `/`, Ctrl-u). Returns whether the list used it; Enter and
    /// Esc are the owner's.
    pub fn command(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::Up | Command::Left => self.step(-1),
            Command::Down | Command::Right => self.step(1),
            Command::PageUp => self.step(-PAGE),
            Command::PageDown => self.step(PAGE),
            Command::Top => self.selected = 0,
            Command::Bottom => self.selected = usize::MAX,
            Command::Filter => self.start_filter(),
            Command::ClearLine => self.clear_filter(),
            _ => return false,
        }
        true
    }

    /// A key the keymap left unbound: typing into the filter line (which a printable key
    /// focuses), or the arrows while the filter line has focus.
    pub fn key(&mut self, k: KeyEvent) {
        let printable = matches!(k.code, KeyCode::Char(_))
            && !k
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        if !self.filtering {
            if !printable {
                return;
            }
            self.filtering = true;
        }
        match k.code {
            KeyCode::Up => self.step(-1),
            KeyCode::Down => self.step(1),
            KeyCode::PageUp => self.step(-PAGE),
            KeyCode::PageDown => self.step(PAGE),
            _ => {
                if self.filter.input(k) {
                    self.selected = 0;
                }
                if self.filter_text().is_empty() && k.code == KeyCode::Backspace {
                    self.filtering = false;
                }
            }
        }
    }

    /// The list as a popup centred in `area`: the filter line, the items, the key line.
    pub fn render(&self, f: &mut Frame, area: Rect, t: &Theme, keys: &Keymap) {
        // Sized by the whole list, so it keeps its size while the filter narrows it.
        let r = crate::tui::view::centered(
            area,
            self.width.min(area.width.saturating_sub(4)),
            (self.items.len().min(16) as u16 + 4).min(area.height.saturating_sub(2)),
        );
        f.render_widget(Clear, r);
        let block = Block::bordered()
            .title(format!(" {} ", self.title))
            .border_style(t.border_focused);
        let inner = block.inner(r);
        f.render_widget(block, r);
        let [filter, list, area_keys] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        // The bar shows where typing goes: only the focused filter line has it.
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(text::FILTER, t.accent),
                Span::styled(self.filter_text(), t.text),
                Span::styled(if self.filtering { "▏" } else { "" }, t.accent),
            ])),
            filter,
        );
        let visible = self.visible();
        if visible.is_empty() {
            let msg = if self.items.is_empty() {
                text::EMPTY
            } else {
                text::NO_MATCH
            };
            f.render_widget(Paragraph::new(msg).style(t.dim), list);
        } else {
            let sel = self.selected_index(&visible);
            let lw = self
                .items
                .iter()
                .map(|i| i.label.chars().count())
                .max()
                .unwrap_or(0)
                .min(40)
                + 2;
            let height = (list.height as usize).max(1);
            let first = sel.saturating_sub(height - 1);
            let shown: Vec<Line> = (first..(first + height).min(visible.len()))
                .filter_map(|k| visible.get(k).map(|&i| (k, i)))
                .filter_map(|(k, i)| self.items.get(i).map(|it| (k, it)))
                .map(|(k, it)| {
                    let st = if k == sel {
                        t.selected
                    } else if it.refused.is_some() {
                        t.dim
                    } else {
                        t.text
                    };
                    let detail = match &it.refused {
                        Some(why) if it.detail.is_empty() => format!("({why})"),
                        Some(why) => format!("{} ({why})", it.detail),
                        None => it.detail.clone(),
                    };
                    Line::from(vec![
                        Span::styled(if k == sel { "› " } else { "  " }, st),
                        Span::styled(pad(&it.label, lw), st),
                        Span::styled(detail, if k == sel { st } else { t.dim }),
                    ])
                })
                .collect();
            f.render_widget(Paragraph::new(shown), list);
        }
        f.render_widget(Paragraph::new(self.keys_line(keys)).style(t.dim), area_keys);
    }

    /// The key line under the list, from the registry.
    pub fn keys_line(&self, keys: &Keymap) -> String {
        if self.filtering {
            format!(
                "type to filter · ↑↓ choose · {}",
                keys.line(
                    Context::Text,
                    &[
                        (&[Command::ClearLine], "clear"),
                        (&[Command::Select], "pick"),
                        (&[Command::Back], "cancel"),
                    ],
                )
            )
        } else {
            keys.line(
                Context::Pick,
                &[
                    (&[Command::Down, Command::Up], "choose"),
                    (&[Command::Filter], "or any letter filters"),
                    (&[Command::Select], "pick"),
                    (&[Command::Back], "cancel"),
                ],
            )
        }
    }
}

/// `s` padded to `w` columns, with at least one space after it.
fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n + 1 >= w {
        format!("{s} ")
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> PickList {
        PickList::new(
            "t".into(),
            ["alpha", "juniper", "kiwi", "beta"]
                .iter()
                .map(|s| PickItem::new(*s, *s, ""))
                .collect(),
            None,
        )
    }

    fn ch(c: char) -> KeyEvent {
        KeyEvent::from(KeyCode::Char(c))
    }

    #[test]
    fn j_and_k_move_the_list_and_letters_start_the_filter() {
        let mut p = list();
        assert!(p.command(Command::Down));
        assert!(p.command(Command::Down));
        assert_eq!(p.chosen().map(|i| i.key.as_str()), Some("kiwi"));
        p.command(Command::Up);
        assert_eq!(p.chosen().map(|i| i.key.as_str()), Some("juniper"));
        // Another letter filters, and from then on j types.
        p.key(ch('b'));
        assert_eq!(p.context(), Context::Text);
        assert_eq!(p.chosen().map(|i| i.key.as_str()), Some("beta"));
        p.clear_filter();
        assert_eq!(p.context(), Context::Pick);
        p.command(Command::Filter);
        p.key(ch('j'));
        assert_eq!(p.filter_text(), "j");
        assert_eq!(p.visible().len(), 1);
        p.key(KeyEvent::from(KeyCode::Backspace));
        assert_eq!(p.context(), Context::Pick);
        assert_eq!(p.visible().len(), 4);
    }
}
