//! A pick list: a popup of named values (a store's registers, users, taxes…) to choose one
//! from. `j`/`k` move, `/` filters as you type (name, detail or value), Enter picks, Esc
//! closes (or leaves the filter). It takes keymap commands; only typed filter text arrives
//! as raw keys.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use crate::tui::command::Command;
use crate::tui::keymap::Context;
use crate::tui::theme::Theme;

mod text {
    pub const KEYS: &str = "j/k move · / filter · Enter picks · Esc closes";
    pub const NO_MATCH: &str = "Nothing matches the filter (Esc clears it).";
    pub const EMPTY: &str = "The store has none.";
}

/// One value to pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    /// What picking it sets (an id).
    pub value: String,
    /// The name shown first.
    pub label: String,
    /// More about it (an outlet, a rate, a username).
    pub detail: String,
    /// Why it cannot be picked (a disabled payment type), shown and refused.
    pub refused: Option<String>,
}

/// What a command did to the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    /// Still open.
    Open,
    /// Closed without a choice.
    Closed,
    /// This item was chosen.
    Chosen(PickItem),
    /// The highlighted item cannot be picked: why.
    Refused(String),
}

#[derive(Debug, Clone)]
pub struct PickList {
    pub title: String,
    items: Vec<PickItem>,
    /// The current value (highlighted first).
    filter: String,
    filtering: bool,
    /// Index into the filtered items.
    selected: usize,
}

impl PickList {
    pub fn new(title: impl Into<String>, items: Vec<PickItem>, current: &str) -> PickList {
        let selected = items.iter().position(|i| i.value == current).unwrap_or(0);
        PickList {
            title: title.into(),
            items,
            filter: String::new(),
            filtering: false,
            selected,
        }
    }

    /// `Text` while the filter is typed, else `Popup` (j/k, Enter, Esc).
    pub fn context(&self) -> Context {
        if self.filtering {
            Context::Text
        } else {
            Context::Popup
        }
    }

    pub fn shown(&self) -> Vec<&PickItem> {
        let f = self.filter.to_lowercase();
        self.items
            .iter()
            .filter(|i| {
                f.is_empty()
                    || i.label.to_lowercase().contains(&f)
                    || i.detail.to_lowercase().contains(&f)
                    || i.value.to_lowercase().contains(&f)
            })
            .collect()
    }

    pub fn command(&mut self, cmd: Command) -> Picked {
        let n = self.shown().len();
        let last = n.saturating_sub(1);
        match cmd {
            Command::Up => self.selected = self.selected.min(last).saturating_sub(1),
            Command::Down => self.selected = (self.selected + 1).min(last),
            Command::PageUp => self.selected = self.selected.min(last).saturating_sub(10),
            Command::PageDown => self.selected = (self.selected + 10).min(last),
            Command::Top => self.selected = 0,
            Command::Bottom => self.selected = last,
            Command::Filter => self.filtering = true,
            Command::Back if self.filtering => {
                self.filtering = false;
                self.filter.clear();
            }
            Command::Back | Command::Quit => return Picked::Closed,
            Command::Select => {
                let chosen = self
                    .shown()
                    .get(self.selected.min(last))
                    .map(|i| (*i).clone());
                return match chosen {
                    Some(i) => match &i.refused {
                        Some(why) => Picked::Refused(why.clone()),
                        None => Picked::Chosen(i),
                    },
                    None => Picked::Open,
                };
            }
            _ => {}
        }
        Picked::Open
    }

    /// Typing while filtering.
    pub fn key(&mut self, k: KeyEvent) {
        if !self.filtering {
            return;
        }
        match k.code {
            KeyCode::Char(c) if !c.is_control() => self.filter.push(c),
            KeyCode::Backspace => {
                self.filter.pop();
            }
            KeyCode::Up => {
                let _ = self.command(Command::Up);
            }
            KeyCode::Down => {
                let _ = self.command(Command::Down);
            }
            _ => return,
        }
        self.selected = self.selected.min(self.shown().len().saturating_sub(1));
    }

    pub fn render(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let shown = self.shown();
        let w = area.width.saturating_sub(4).min(100);
        let h = (shown.len() as u16 + 4).clamp(6, area.height.saturating_sub(2).max(6));
        let r = crate::tui::view::centered(area, w, h);
        f.render_widget(Clear, r);
        let block = Block::bordered()
            .title(format!(" {} ", self.title))
            .title_bottom(format!(" {} ", text::KEYS))
            .border_style(t.border_focused);
        let inner = block.inner(r);
        f.render_widget(block, r);
        let [filter, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
        let mut fl = vec![
            Span::styled("/ ", t.accent),
            Span::styled(self.filter.clone(), t.text),
        ];
        if self.filtering {
            fl.push(Span::styled("▏", t.accent));
        }
        f.render_widget(Paragraph::new(Line::from(fl)), filter);
        if shown.is_empty() {
            let msg = if self.items.is_empty() {
                text::EMPTY
            } else {
                text::NO_MATCH
            };
            f.render_widget(Paragraph::new(Line::styled(msg, t.dim)), list);
            return;
        }
        let rows = list.height as usize;
        let sel = self.selected.min(shown.len() - 1);
        let skip = (sel + 1).saturating_sub(rows);
        let label_w = shown
            .iter()
            .map(|i| Span::raw(i.label.as_str()).width())
            .max()
            .unwrap_or(0)
            .min(list.width as usize / 2);
        let lines: Vec<Line> = shown
            .iter()
            .enumerate()
            .skip(skip)
            .take(rows)
            .map(|(n, i)| {
                let st = if n == sel {
                    t.selected
                } else if i.refused.is_some() {
                    t.dim
                } else {
                    t.text
                };
                let mut detail = i.detail.clone();
                if let Some(why) = &i.refused {
                    detail = format!("{detail} ({why})");
                }
                Line::from(vec![
                    Span::styled(
                        format!("{} ", crate::tui::panes::log::fit(&i.label, label_w)),
                        st,
                    ),
                    Span::styled(format!("{detail}  "), if n == sel { st } else { t.dim }),
                    Span::styled(i.value.clone(), if n == sel { st } else { t.dim }),
                ])
            })
            .collect();
        f.render_widget(Paragraph::new(lines), list);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(v: &str, l: &str) -> PickItem {
        PickItem {
            value: v.into(),
            label: l.into(),
            detail: String::new(),
            refused: None,
        }
    }

    #[test]
    fn moves_filters_and_picks() {
        let mut p = PickList::new(
            "Register",
            vec![
                item("r1", "Main"),
                item("r2", "Back office"),
                item("r3", "Web"),
            ],
            "r2",
        );
        assert_eq!(p.command(Command::Down), Picked::Open);
        assert_eq!(
            p.command(Command::Select),
            Picked::Chosen(item("r3", "Web"))
        );
        p.command(Command::Filter);
        assert_eq!(p.context(), Context::Text);
        for c in "MAIN".chars() {
            p.key(KeyEvent::from(KeyCode::Char(c)));
        }
        assert_eq!(p.shown().len(), 1);
        assert_eq!(
            p.command(Command::Select),
            Picked::Chosen(item("r1", "Main"))
        );
        assert_eq!(p.command(Command::Back), Picked::Open);
        assert_eq!(p.context(), Context::Popup);
        assert_eq!(p.command(Command::Back), Picked::Closed);
    }

    #[test]
    fn a_refused_item_says_why() {
        let mut off = item("p1", "Cheque");
        off.refused = Some("disabled in the store".into());
        let mut p = PickList::new("Payment type", vec![off], "");
        assert_eq!(
            p.command(Command::Select),
            Picked::Refused("disabled in the store".into())
        );
    }
}
