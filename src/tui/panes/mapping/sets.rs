//! The mapping-set editor: every set on the left, the selected set's From → To rows on the
//! right. Rows are checked as they are typed (blank From, duplicates); Ctrl-s saves the
//! selected set, and leaving with unsaved sets asks first.

use super::edit::{Act, Input, KeyNames, Slot};
use super::grid::Ask;
use super::text;
use crate::mapping::MappingSet;

/// Rows PageUp / PageDown move.
const PAGE: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub enum SetPending {
    DeleteRow(usize, usize),
    Leave,
}

pub struct SetsEditor {
    /// Working copies of every set, plus sets created here and not saved yet.
    pub drafts: Vec<MappingSet>,
    pub set: usize,
    /// The cursor is in the rows (else in the list of sets).
    pub in_rows: bool,
    pub row: usize,
    /// 0 From, 1 To.
    pub col: usize,
    pub input: Option<Input>,
    pub pending: Option<SetPending>,
    /// What the last Ctrl-s sent, until the engine answers.
    pub sending: Option<MappingSet>,
    pub error: Option<String>,
    /// Key names for questions and notes (see [`KeyNames`]).
    pub keys: KeyNames,
}

/// What the sets editor needs the pane to do (besides what [`Ask`] covers).
pub enum SetAsk {
    Grid(Ask),
    Save(MappingSet),
}

impl SetsEditor {
    pub fn new(saved: &[MappingSet]) -> SetsEditor {
        SetsEditor {
            drafts: saved.to_vec(),
            set: 0,
            in_rows: false,
            row: 0,
            col: 0,
            input: None,
            pending: None,
            sending: None,
            error: None,
            keys: KeyNames::default(),
        }
    }

    pub fn is_dirty(&self, i: usize, saved: &[MappingSet]) -> bool {
        match self.drafts.get(i) {
            Some(d) => saved.iter().find(|s| s.name == d.name) != Some(d),
            None => false,
        }
    }

    pub fn any_dirty(&self, saved: &[MappingSet]) -> bool {
        (0..self.drafts.len()).any(|i| self.is_dirty(i, saved))
    }

    pub fn current(&self) -> Option<&MappingSet> {
        self.drafts.get(self.set)
    }

    /// New stored sets arrived: take them, except where a draft has unsaved changes.
    pub fn merge(&mut self, old: &[MappingSet], new: &[MappingSet]) {
        for s in new {
            match self.drafts.iter_mut().find(|d| d.name == s.name) {
                Some(d) => {
                    let untouched = old.iter().find(|o| o.name == s.name) == Some(d);
                    if untouched {
                        *d = s.clone();
                    }
                }
                None => self.drafts.push(s.clone()),
            }
        }
    }

    pub fn act(&mut self, act: Act, saved: &[MappingSet]) -> SetAsk {
        if self.input.is_some() {
            return self.input_act(act);
        }
        let nsets = self.drafts.len();
        let nrows = self.current().map(|s| s.rows.len()).unwrap_or(0);
        let nothing = SetAsk::Grid(Ask::Nothing);
        match act {
            Act::Save => {
                if let Some(s) = self.current() {
                    return SetAsk::Save(s.clone());
                }
            }
            Act::Back if self.in_rows => self.in_rows = false,
            Act::Back if self.any_dirty(saved) => {
                self.pending = Some(SetPending::Leave);
                return SetAsk::Grid(Ask::Confirm(text::sets_leave_unsaved(&self.keys)));
            }
            Act::Back => return SetAsk::Grid(Ask::Leave),
            Act::Add if !self.in_rows => self.open(Slot::NewSet),
            Act::Add if self.current().is_some() => self.open(Slot::SetFrom { row: None }),
            _ if !self.in_rows => match act {
                Act::Up => self.pick_set(self.set.saturating_sub(1)),
                Act::Down => self.pick_set((self.set + 1).min(nsets.saturating_sub(1))),
                Act::Top => self.pick_set(0),
                Act::Bottom => self.pick_set(nsets.saturating_sub(1)),
                Act::Right | Act::Edit if nsets > 0 => self.in_rows = true,
                Act::Delete => {
                    return SetAsk::Grid(Ask::Info(text::SET_NO_DELETE.to_string()));
                }
                _ => {}
            },
            Act::Up => self.row = self.row.saturating_sub(1),
            Act::Down => self.row = (self.row + 1).min(nrows.saturating_sub(1)),
            Act::Top => self.row = 0,
            Act::Bottom => self.row = nrows.saturating_sub(1),
            Act::PageUp => self.row = self.row.saturating_sub(PAGE),
            Act::PageDown => self.row = (self.row + PAGE).min(nrows.saturating_sub(1)),
            Act::Left if self.col == 0 => self.in_rows = false,
            Act::Left => self.col = 0,
            Act::Right => self.col = 1,
            Act::Edit => {
                let Some(r) = self.current().and_then(|s| s.rows.get(self.row)).cloned() else {
                    self.open(Slot::SetFrom { row: None });
                    return nothing;
                };
                if self.col == 0 {
                    self.open(Slot::SetFrom {
                        row: Some(self.row),
                    });
                } else {
                    self.open(Slot::SetTo {
                        row: Some(self.row),
                        from: r.from,
                    });
                }
            }
            Act::Delete => {
                if let Some(r) = self.current().and_then(|s| s.rows.get(self.row)) {
                    let prompt = text::delete_set_row(&r.from, &self.keys.save);
                    self.pending = Some(SetPending::DeleteRow(self.set, self.row));
                    return SetAsk::Grid(Ask::Confirm(prompt));
                }
            }
            _ => {}
        }
        nothing
    }

    fn pick_set(&mut self, i: usize) {
        if i != self.set {
            self.set = i;
            self.row = 0;
        }
    }

    pub fn confirmed(&mut self) -> SetAsk {
        match self.pending.take() {
            Some(SetPending::DeleteRow(set, row)) => {
                if let Some(s) = self.drafts.get_mut(set) {
                    if let Ok(gone) = s.remove_row(row) {
                        self.row = self.row.min(s.rows.len().saturating_sub(1));
                        return SetAsk::Grid(Ask::Info(text::set_row_deleted(
                            &gone.from,
                            &self.keys.save,
                        )));
                    }
                }
            }
            Some(SetPending::Leave) => return SetAsk::Grid(Ask::Leave),
            None => {}
        }
        SetAsk::Grid(Ask::Nothing)
    }

    fn open(&mut self, slot: Slot) {
        let current = self.current().and_then(|s| s.rows.get(self.row)).cloned();
        let (title, value, hint) = match &slot {
            Slot::NewSet => (
                text::NEW_SET_TITLE.to_string(),
                String::new(),
                text::NEW_SET_HINT,
            ),
            Slot::SetFrom { row: Some(_) } => (
                text::SET_FROM_TITLE.to_string(),
                current.map(|r| r.from).unwrap_or_default(),
                text::SET_FROM_HINT,
            ),
            Slot::SetFrom { row: None } => (
                text::SET_FROM_TITLE.to_string(),
                String::new(),
                text::SET_FROM_HINT,
            ),
            Slot::SetTo { row, from } => (
                text::set_to_title(from),
                row.and(current).map(|r| r.to).unwrap_or_default(),
                text::SET_TO_HINT,
            ),
            _ => return,
        };
        self.input = Some(Input::new(title, &value, hint.to_string(), slot));
    }

    fn input_act(&mut self, act: Act) -> SetAsk {
        match act {
            Act::Back => self.input = None,
            Act::Key(k) => {
                if let Some(i) = &mut self.input {
                    i.key(k);
                }
            }
            Act::ClearLine => {
                if let Some(i) = &mut self.input {
                    i.clear();
                }
            }
            Act::Edit => {
                if let Some(mut input) = self.input.take() {
                    let value = input.value();
                    if let Err(e) = self.commit(&input.slot, &value) {
                        input.error = Some(e);
                        self.input = Some(input);
                    }
                }
            }
            _ => {}
        }
        SetAsk::Grid(Ask::Nothing)
    }

    fn commit(&mut self, slot: &Slot, value: &str) -> Result<(), String> {
        let v = value.trim();
        match slot {
            Slot::NewSet => {
                if v.is_empty() {
                    return Err(text::SET_NAME_BLANK.to_string());
                }
                if self.drafts.iter().any(|s| s.name.eq_ignore_ascii_case(v)) {
                    return Err(text::set_name_taken(v));
                }
                self.drafts.push(MappingSet::new(v));
                self.set = self.drafts.len() - 1;
                self.in_rows = true;
                self.row = 0;
                self.col = 0;
            }
            Slot::SetFrom { row: None } => {
                let Some(s) = self.current() else {
                    return Ok(());
                };
                if v.is_empty() {
                    return Err(crate::mapping::MappingSetError::BlankFrom.to_string());
                }
                if let Some(i) = s.find_row(v) {
                    return Err(crate::mapping::MappingSetError::Duplicate {
                        from: v.to_string(),
                        row: i + 1,
                    }
                    .to_string());
                }
                self.open(Slot::SetTo {
                    row: None,
                    from: v.to_string(),
                });
            }
            Slot::SetFrom { row: Some(r) } => {
                let Some(s) = self.drafts.get_mut(self.set) else {
                    return Ok(());
                };
                let to = s.rows.get(*r).map(|x| x.to.clone()).unwrap_or_default();
                s.update_row(*r, v, to).map_err(|e| e.to_string())?;
            }
            Slot::SetTo { row: None, from } => {
                let Some(s) = self.drafts.get_mut(self.set) else {
                    return Ok(());
                };
                s.add_row(from.as_str(), v).map_err(|e| e.to_string())?;
                self.row = s.rows.len() - 1;
            }
            Slot::SetTo { row: Some(r), .. } => {
                let Some(s) = self.drafts.get_mut(self.set) else {
                    return Ok(());
                };
                let from = s.rows.get(*r).map(|x| x.from.clone()).unwrap_or_default();
                s.update_row(*r, from, v).map_err(|e| e.to_string())?;
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent};

    fn typed(e: &mut SetsEditor, s: &str) {
        for c in s.chars() {
            e.act(Act::Key(KeyEvent::from(KeyCode::Char(c))), &[]);
        }
        e.act(Act::Edit, &[]);
    }

    #[test]
    fn a_set_is_made_row_by_row_and_duplicates_are_refused_in_place() {
        let mut e = SetsEditor::new(&[]);
        e.act(Act::Add, &[]);
        typed(&mut e, "Colors");
        assert!(e.in_rows);
        e.act(Act::Add, &[]);
        typed(&mut e, "Red");
        typed(&mut e, "Rouge");
        assert_eq!(e.drafts[0].lookup("red"), Some("Rouge"));
        e.act(Act::Add, &[]);
        typed(&mut e, " RED ");
        let err = e.input.as_ref().and_then(|i| i.error.clone());
        assert!(err.is_some_and(|m| m.contains("row 1")));
        assert!(e.any_dirty(&[]));
    }
}
