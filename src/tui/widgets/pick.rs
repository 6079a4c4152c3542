//! The pick list every pane shares: a list with a filter line above it. With the list
//! focused (keymap context `pick`) `j`/`k` and the arrows move, `/` focuses the filter line,
//! and any other printable key starts the filter with itself. With the filter line focused
//! (context `text`) typing filters (every word must appear), the arrows still move, Ctrl-u
//! clears the line and gives the keys back to the list, and so does deleting its last
//! character. Enter picks, Esc closes without changing anything (the owner decides that).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_textarea::TextArea;

use crate::tui::command::Command;
use crate::tui::keymap::{Context, Keymap};

pub struct PickItem {
    pub key: String,
    pub label: String,
    pub detail: String,
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
