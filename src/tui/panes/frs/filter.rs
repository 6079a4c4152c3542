//! The FRs list's search and order: `/` opens the filter line ([`FilterLine`], as in Sources)
//! that filters as you type by FR number, customer or SKU ([`crate::frs::query`]); `o`
//! cycles the sort, `O` reverses it; Esc clears. The pane holds the source's whole FR list
//! (its status counts need every FR), so the search and the sort run over that list here,
//! with the library's one definition of both (`lsbridge fr list --search --sort` uses it
//! too).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::Frame;

use crate::frs::query::{compare, customer_key, FrSearch, FrSort};
use crate::frs::{Fr, FrStatus};
use crate::tui::command::Command;
use crate::tui::panes::Ui;
use crate::tui::widgets::filter_line::{FilterLine, Filtered};

mod text {
    use crate::frs::query::FrSort;

    pub const CLEARED: &str = "filter cleared";

    pub fn describe(typed: &str, sort: FrSort, descending: bool) -> String {
        let mut s = String::new();
        if !typed.is_empty() {
            s.push_str(&format!(" · matching \"{typed}\""));
        }
        match (sort, descending) {
            (FrSort::Number, false) => {}
            (o, false) => s.push_str(&format!(" · by {}", o.label())),
            (o, true) => s.push_str(&format!(" · by {}, descending", o.label())),
        }
        s
    }

    pub fn sort_mode(sort: FrSort, descending: bool) -> String {
        let order = if descending {
            "descending"
        } else {
            "ascending"
        };
        format!("sorted by {} ({order})", sort.label())
    }

    pub fn no_match(typed: &str, back: &str) -> String {
        format!("No FR matches \"{typed}\" (number, customer or SKU). {back} clears the filter.")
    }
}

/// What the list shows of the FRs: the typed search and the order.
#[derive(Default)]
pub struct Query {
    line: FilterLine,
    /// `line`'s text, folded for matching.
    search: FrSearch,
    sort: FrSort,
    descending: bool,
}

/// What a command did to the query.
#[derive(Debug, PartialEq, Eq)]
pub enum Did {
    /// Not a query command.
    Nothing,
    /// Used; the rows are as they were.
    Kept,
    /// The rows must be worked out again.
    Changed,
}

impl Query {
    /// Whether the filter line has focus (keys type into it, never run as commands).
    pub fn editing(&self) -> bool {
        self.line.is_editing()
    }

    pub fn is_filtered(&self) -> bool {
        !self.search.is_empty()
    }

    /// The title's account of the search and the order (empty for none and by number).
    pub fn describe(&self) -> String {
        text::describe(self.line.text(), self.sort, self.descending)
    }

    pub fn no_match(&self, back: &str) -> String {
        text::no_match(self.line.text(), back)
    }

    /// What the line did, with the search rebuilt when its text changed; `info` hears
    /// "filter cleared" when it emptied.
    fn did(&mut self, f: Filtered, info: &mut dyn FnMut(String)) -> Did {
        match f {
            Filtered::NotMine => Did::Nothing,
            Filtered::Same => Did::Kept,
            Filtered::Changed => {
                self.search = FrSearch::new(self.line.text());
                if self.line.text().is_empty() && !self.line.is_editing() {
                    info(text::CLEARED.to_string());
                }
                Did::Changed
            }
        }
    }

    /// A typed key while the line has focus: the rows follow what is typed. The arrows and
    /// page keys are the list's (`Did::Nothing`).
    pub fn key(&mut self, key: KeyEvent) -> Did {
        let f = self.line.key(key);
        self.did(f, &mut |_| {})
    }

    /// Commands while the line has focus: Enter keeps the filter, Esc drops it, Ctrl-u
    /// empties the line; any other bound key is swallowed, so nothing typed runs.
    pub fn line_command(&mut self, cmd: Command, info: &mut dyn FnMut(String)) -> Did {
        let f = self.line.command(cmd);
        self.did(f, info)
    }

    /// `/`, `o`, `O` and Esc (clears the search) in the list.
    pub fn list_command(&mut self, cmd: Command, info: &mut dyn FnMut(String)) -> Did {
        match cmd {
            Command::CycleSort | Command::ReverseSort => {
                if cmd == Command::CycleSort {
                    self.sort = self.sort.next();
                } else {
                    self.descending = !self.descending;
                }
                info(text::sort_mode(self.sort, self.descending));
                Did::Changed
            }
            Command::Filter | Command::Back => {
                let f = self.line.command(cmd);
                self.did(f, info)
            }
            _ => Did::Nothing,
        }
    }

    /// Indices into `frs` of the FRs the search matches, in the query's order, and the
    /// matches per status (in `FrStatus::ALL` order).
    pub fn rows(&self, frs: &[Fr]) -> (Vec<usize>, [usize; FrStatus::ALL.len()]) {
        let mut counts = [0; FrStatus::ALL.len()];
        let mut rows: Vec<usize> = frs
            .iter()
            .enumerate()
            .filter(|(_, f)| self.search.matches(f))
            .map(|(i, f)| {
                if let Some(s) = FrStatus::ALL.iter().position(|s| *s == f.status) {
                    counts[s] += 1;
                }
                i
            })
            .collect();
        if self.sort == FrSort::Customer {
            // The customer is worked out once per FR, not once per comparison.
            rows.sort_by_cached_key(|i| frs.get(*i).map(customer_key));
            if self.descending {
                rows.reverse();
            }
        } else {
            rows.sort_by(|a, b| {
                let (Some(x), Some(y)) = (frs.get(*a), frs.get(*b)) else {
                    return a.cmp(b);
                };
                let o = compare(x, y, self.sort);
                if self.descending {
                    o.reverse()
                } else {
                    o
                }
            });
        }
        (rows, counts)
    }

    /// The filter line under `area` while it has focus; returns the list's area.
    pub fn render_line(&self, f: &mut Frame, area: Rect, ui: &Ui) -> Rect {
        self.line.render(f, area, ui.theme)
    }
}

/// The list command an arrow or page key typed in the filter line means.
fn list_key(key: &KeyEvent) -> Option<Command> {
    match key.code {
        KeyCode::Up => Some(Command::Up),
        KeyCode::Down => Some(Command::Down),
        KeyCode::PageUp => Some(Command::PageUp),
        KeyCode::PageDown => Some(Command::PageDown),
        _ => None,
    }
}

impl super::FrsPane {
    /// A key typed while the filter line has focus: the rows follow the text; the arrows
    /// move the selection.
    pub(super) fn filter_key(&mut self, key: KeyEvent, ctx: &mut crate::tui::panes::Ctx) {
        match self.query.key(key) {
            Did::Changed => self.requeried(),
            Did::Nothing => {
                if let Some(cmd) = list_key(&key) {
                    self.list_command(cmd, ctx);
                }
            }
            Did::Kept => {}
        }
    }

    /// A query command from the list (or the filter line, while it has focus); the rows
    /// are worked out again when the query changed. Returns whether the command was used.
    pub(super) fn query_command(&mut self, cmd: Command, ctx: &mut crate::tui::panes::Ctx) -> bool {
        let mut said = None;
        let mut info = |m: String| said = Some(m);
        let did = if self.query.editing() {
            self.query.line_command(cmd, &mut info)
        } else {
            self.query.list_command(cmd, &mut info)
        };
        if let Some(m) = said {
            ctx.info(m);
        }
        match did {
            Did::Nothing => false,
            Did::Kept => true,
            Did::Changed => {
                self.requeried();
                true
            }
        }
    }

    /// The search or the order changed: the rows again, from the top.
    pub(super) fn requeried(&mut self) {
        self.selected = 0;
        self.top = 0;
        self.reindex(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyCode;

    fn fr(n: &str, sku: &str) -> Fr {
        Fr {
            number: n.into(),
            items: vec![crate::frs::FrItem {
                sku: sku.into(),
                ..Default::default()
            }],
            ..Fr::default()
        }
    }

    #[test]
    fn typing_filters_at_once_and_esc_clears() {
        let frs = vec![fr("WEB-1", "A"), fr("WEB-2", "B"), fr("POS-3", "WEB")];
        let mut q = Query::default();
        let mut said = Vec::new();
        let mut info = |m: String| said.push(m);
        assert_eq!(q.list_command(Command::Filter, &mut info), Did::Kept);
        assert!(q.editing());
        assert_eq!(q.key(KeyEvent::from(KeyCode::Char('2'))), Did::Changed);
        assert_eq!(q.rows(&frs).0, vec![1]);
        // Bound keys typed in the line never run: they are swallowed.
        assert_eq!(q.line_command(Command::RunNow, &mut info), Did::Kept);
        assert_eq!(q.line_command(Command::Select, &mut info), Did::Kept);
        assert!(!q.editing());
        assert_eq!(q.describe(), " · matching \"2\"");
        assert_eq!(q.list_command(Command::Back, &mut info), Did::Changed);
        assert_eq!(q.rows(&frs).0, vec![2, 0, 1]);
        assert_eq!(
            q.list_command(Command::ReverseSort, &mut info),
            Did::Changed
        );
        assert_eq!(q.rows(&frs).0, vec![1, 0, 2]);
        let (_, counts) = q.rows(&frs);
        assert_eq!(counts[0], 3);
    }
}
