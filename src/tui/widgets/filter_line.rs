//! The `/` filter of a list pane whose rows are all in memory (Sources, Connections, FRs,
//! History): the list narrows with every key typed. While the line has focus (keymap context `text`) every
//! printable key goes to it, so nothing typed there runs as a command; Enter keeps the
//! filter and gives the keys back to the list, Esc clears it, Ctrl-u clears the line. With
//! the list focused, Esc clears a filter still applied.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::Frame;
use tui_textarea::TextArea;

use super::prompt::{clear_line, prompt_line};
use crate::tui::command::Command;
use crate::tui::keymap::Context;
use crate::tui::theme::Theme;

mod text {
    pub const PROMPT: &str = "/ ";
    pub fn applied(filter: &str) -> String {
        format!("· matching \"{filter}\" ")
    }
}

/// What a command or key did to the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filtered {
    /// Not the filter's: the pane handles it.
    NotMine,
    /// Used, the filter text is as it was.
    Same,
    /// Used, and the filter text changed: the pane re-selects.
    Changed,
}

#[derive(Default)]
pub struct FilterLine {
    /// The line, while it has focus.
    editing: Option<TextArea<'static>>,
    /// The filter applied, as typed (kept when the line loses focus).
    text: String,
    /// What the line says before the text, when a pane says what it matches.
    prompt: Option<&'static str>,
}

impl FilterLine {
    pub fn with_prompt(prompt: &'static str) -> Self {
        FilterLine {
            prompt: Some(prompt),
            ..FilterLine::default()
        }
    }

    /// The line has focus: printable keys type into it.
    pub fn is_editing(&self) -> bool {
        self.editing.is_some()
    }

    /// The keymap context while the line has focus, else `list`.
    pub fn context(&self, list: Context) -> Context {
        if self.is_editing() {
            Context::Text
        } else {
            list
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether a row whose fields are `fields` is shown: every word typed appears in one of
    /// them (case-insensitive).
    pub fn matches(&self, fields: &[&str]) -> bool {
        if self.text.trim().is_empty() {
            return true;
        }
        let hay = fields.join(" ").to_lowercase();
        self.text
            .to_lowercase()
            .split_whitespace()
            .all(|w| hay.contains(w))
    }

    /// The pane title's note while a filter is applied (empty without one).
    pub fn title_note(&self) -> String {
        if self.text.is_empty() {
            String::new()
        } else {
            text::applied(&self.text)
        }
    }

    fn sync(&mut self) -> Filtered {
        let typed = self
            .editing
            .as_ref()
            .map(|ta| ta.lines().join(""))
            .unwrap_or_default();
        if typed == self.text {
            Filtered::Same
        } else {
            self.text = typed;
            Filtered::Changed
        }
    }

    /// A bound command. While the line has focus it takes every command but quit.
    pub fn command(&mut self, cmd: Command) -> Filtered {
        if let Some(ta) = &mut self.editing {
            return match cmd {
                Command::Select => {
                    self.editing = None;
                    Filtered::Same
                }
                Command::Back => {
                    self.editing = None;
                    self.clear()
                }
                Command::ClearLine => {
                    clear_line(ta);
                    self.sync()
                }
                Command::Quit => Filtered::NotMine,
                _ => Filtered::Same,
            };
        }
        match cmd {
            Command::Filter => {
                let mut ta = TextArea::default();
                ta.insert_str(&self.text);
                self.editing = Some(ta);
                Filtered::Same
            }
            Command::Back if !self.text.is_empty() => self.clear(),
            _ => Filtered::NotMine,
        }
    }

    fn clear(&mut self) -> Filtered {
        if self.text.is_empty() {
            Filtered::Same
        } else {
            self.text.clear();
            Filtered::Changed
        }
    }

    /// A key no binding took while the line has focus. The arrows are the list's (the pane
    /// moves on `NotMine`); everything else edits the line.
    pub fn key(&mut self, k: KeyEvent) -> Filtered {
        let Some(ta) = &mut self.editing else {
            return Filtered::NotMine;
        };
        match k.code {
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => Filtered::NotMine,
            _ => {
                ta.input(k);
                self.sync()
            }
        }
    }

    /// Splits `area` into the list and, while the line has focus, the line under it (drawn
    /// here); returns the list's area.
    pub fn render(&self, f: &mut Frame, area: Rect, t: &Theme) -> Rect {
        let Some(ta) = &self.editing else {
            return area;
        };
        let [list, line] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
        f.render_widget(
            prompt_line(self.prompt.unwrap_or(text::PROMPT), ta, t),
            line,
        );
        list
    }
}

/// The row to select in `visible` (indices into the whole list, in order) after the filter
/// or the list changed: `selected` if still shown, else the first shown after it, else the
/// last shown.
pub fn reselect(selected: usize, visible: &[usize]) -> usize {
    if visible.contains(&selected) {
        return selected;
    }
    visible
        .iter()
        .copied()
        .find(|&i| i > selected)
        .or_else(|| visible.last().copied())
        .unwrap_or(selected)
}

/// `selected` moved by `delta` rows within `visible`.
pub fn step(selected: usize, visible: &[usize], delta: isize) -> usize {
    let Some(pos) = visible.iter().position(|&i| i == selected) else {
        return visible.first().copied().unwrap_or(selected);
    };
    let to = (pos as isize + delta).clamp(0, visible.len().saturating_sub(1) as isize);
    visible.get(to as usize).copied().unwrap_or(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(c: char) -> KeyEvent {
        KeyEvent::from(KeyCode::Char(c))
    }

    #[test]
    fn typing_filters_and_esc_clears() {
        let mut f = FilterLine::default();
        assert_eq!(f.command(Command::Down), Filtered::NotMine);
        assert_eq!(f.command(Command::Filter), Filtered::Same);
        assert_eq!(f.context(Context::Sources), Context::Text);
        assert_eq!(f.key(ch('e')), Filtered::Changed);
        assert_eq!(f.key(ch('A')), Filtered::Changed);
        assert!(f.matches(&["WEST", "eastern"]));
        assert!(!f.matches(&["west"]));
        // A command typed in the line is the line's, not the pane's.
        assert_eq!(f.command(Command::Delete), Filtered::Same);
        assert_eq!(f.command(Command::Select), Filtered::Same);
        assert_eq!(f.context(Context::Sources), Context::Sources);
        assert_eq!(f.text(), "eA");
        assert_eq!(f.command(Command::Back), Filtered::Changed);
        assert!(f.text().is_empty());
        f.command(Command::Filter);
        f.key(ch('x'));
        assert_eq!(f.command(Command::ClearLine), Filtered::Changed);
        assert_eq!(f.command(Command::Back), Filtered::Same);
        assert!(!f.is_editing());
    }

    #[test]
    fn selection_stays_on_shown_rows() {
        assert_eq!(reselect(1, &[0, 2, 3]), 2);
        assert_eq!(reselect(4, &[0, 2]), 2);
        assert_eq!(reselect(2, &[0, 2]), 2);
        assert_eq!(step(2, &[0, 2, 5], 1), 5);
        assert_eq!(step(5, &[0, 2, 5], 1), 5);
        assert_eq!(step(2, &[0, 2, 5], -1), 0);
        assert_eq!(step(3, &[0, 2, 5], 1), 0);
    }
}
