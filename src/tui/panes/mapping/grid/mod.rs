//! One open template: the working copy, the cursor, the editors and pick lists over it,
//! validation and the live preview. Every change edits the working copy in place (so the
//! preview follows it); only Ctrl-s sends it to the engine, and a refused save keeps it.

use std::collections::HashSet;

use super::edit::{
    cells, child, convert, lines, method_at, method_at_mut, op_index, set_step_param, source_of,
    step_kinds, step_params, Act, Editor, EditorKind, Input, KeyNames, Kind, Line, Overlay,
    ParamKind, Path, PathStep, Pick, PickItem, Slot,
};
use super::text;
use crate::engine::EngineError;
use crate::mapping::fields::{source_field, source_fields, target_field, target_fields};
use crate::mapping::{
    preview, step_label, validate, Condition, FieldMapping, Integration, Join, LengthUnit,
    MapError, MappingSet, Method, OnMiss, Op, Outcome, Rule, SourceRecord, Step, Template,
    ValidationIssue, WeightUnit,
};
use crate::tui::command::Command;

mod lines;
mod slots;
#[cfg(test)]
mod tests;

/// Rows PageUp / PageDown move.
const PAGE: usize = 20;

/// What a destructive key waits for (the answer comes back through `confirmed`).
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    DeleteRow(usize),
    DeleteStep(Path, usize),
    DeleteCond(Path, usize, usize),
    DeleteRule(Path, usize),
    Leave,
}

/// What the grid needs the pane to do after a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Nothing,
    Save,
    Confirm(String),
    Leave,
    Info(String),
}

pub struct Grid {
    pub source: String,
    pub integration: Integration,
    pub template: Template,
    /// The stored version; `None` while the template exists only here.
    pub saved: Option<Template>,
    /// What the last Ctrl-s sent, until the engine answers.
    pub sending: Option<Template>,
    pub row: usize,
    /// 0 target field, 1 method, 2 source field or value.
    pub col: usize,
    pub editors: Vec<Editor>,
    pub overlay: Option<Overlay>,
    /// Key names for questions and notes (see [`KeyNames`]).
    pub keys: KeyNames,
    /// From `validate`, recomputed after every change.
    pub issues: Vec<ValidationIssue>,
    /// From the engine's refusal of the last save, by field.
    pub engine_issues: Vec<ValidationIssue>,
    pub save_error: Option<String>,
    /// One per template row.
    pub preview: Vec<Result<Outcome, MapError>>,
    pub note: Option<String>,
    pub pending: Option<Pending>,
    /// The working copy changed since the last `recompute`.
    pub touched: bool,
}

impl Grid {
    pub fn new(
        source: String,
        template: Template,
        saved: Option<Template>,
        note: Option<String>,
    ) -> Grid {
        Grid {
            source,
            integration: template.integration,
            template,
            saved,
            sending: None,
            row: 0,
            col: 1,
            editors: Vec::new(),
            overlay: None,
            keys: KeyNames::default(),
            issues: Vec::new(),
            engine_issues: Vec::new(),
            save_error: None,
            preview: Vec::new(),
            note,
            pending: None,
            touched: true,
        }
    }

    pub fn dirty(&self) -> bool {
        self.saved.as_ref() != Some(&self.template)
    }

    pub fn target(&self) -> Option<&str> {
        self.template
            .fields
            .get(self.row)
            .map(|f| f.target.as_str())
    }

    pub fn row_method(&self, path: &[PathStep]) -> Option<&Method> {
        method_at(&self.template.fields.get(self.row)?.method, path)
    }

    fn row_method_mut(&mut self, path: &[PathStep]) -> Option<&mut Method> {
        self.touched = true;
        method_at_mut(&mut self.template.fields.get_mut(self.row)?.method, path)
    }

    fn steps_mut(&mut self, path: &[PathStep]) -> Option<&mut Vec<Step>> {
        match self.row_method_mut(path)? {
            Method::TransformIt { steps, .. } => Some(steps),
            _ => None,
        }
    }

    fn rules_mut(&mut self, path: &[PathStep]) -> Option<&mut Vec<Rule>> {
        match self.row_method_mut(path)? {
            Method::SmartRules { rules, .. } => Some(rules),
            _ => None,
        }
    }

    fn cond_mut(&mut self, path: &[PathStep], rule: usize, cond: usize) -> Option<&mut Condition> {
        self.rules_mut(path)?
            .get_mut(rule)?
            .conditions
            .get_mut(cond)
    }

    /// Validation and the preview of every row on `sample`.
    pub fn recompute(&mut self, sets: &[MappingSet], sample: Option<&SourceRecord>) {
        self.issues = validate(&self.template, sets);
        let empty = SourceRecord::new();
        self.preview = preview(&self.template, sets, sample.unwrap_or(&empty))
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        self.touched = false;
    }

    /// Problems of row `i`, each once.
    pub fn row_issues(&self, i: usize) -> Vec<&str> {
        let Some(f) = self.template.fields.get(i) else {
            return Vec::new();
        };
        let mut out: Vec<&str> = Vec::new();
        for x in self.issues.iter().chain(self.engine_issues.iter()) {
            if x.field == f.target && !out.contains(&x.message.as_str()) {
                out.push(&x.message);
            }
        }
        out
    }

    /// Problems no row shows: a required field with no row, the template's name.
    pub fn loose_issues(&self) -> Vec<&ValidationIssue> {
        let mut out: Vec<&ValidationIssue> = Vec::new();
        for x in self.issues.iter().chain(self.engine_issues.iter()) {
            if !self.template.fields.iter().any(|f| f.target == x.field)
                && !out
                    .iter()
                    .any(|o| o.field == x.field && o.message == x.message)
            {
                out.push(x);
            }
        }
        out
    }

    /// The engine refused the save: keep everything, point at the rows its issues name (by
    /// target field, never by reading the message).
    pub fn save_failed(&mut self, e: &EngineError) {
        self.sending = None;
        self.engine_issues = match e {
            EngineError::InvalidTemplate { issues, .. } => issues.clone(),
            _ => Vec::new(),
        };
        self.save_error = Some(e.to_string());
    }

    pub fn save_done(&mut self) {
        if let Some(t) = self.sending.take() {
            self.saved = Some(t);
        }
        self.engine_issues.clear();
        self.save_error = None;
        self.note = None;
    }

    pub fn act(&mut self, act: Act, sets: &[MappingSet]) -> Ask {
        if self.overlay.is_some() {
            return self.overlay_act(act, sets);
        }
        if !self.editors.is_empty() {
            return self.editor_act(act, sets);
        }
        self.grid_act(act, sets)
    }

    fn grid_act(&mut self, act: Act, sets: &[MappingSet]) -> Ask {
        let last = self.template.fields.len().saturating_sub(1);
        match act {
            Act::Up => self.row = self.row.saturating_sub(1),
            Act::Down => self.row = (self.row + 1).min(last),
            Act::Top => self.row = 0,
            Act::Bottom => self.row = last,
            Act::PageUp => self.row = self.row.saturating_sub(PAGE),
            Act::PageDown => self.row = (self.row + PAGE).min(last),
            Act::Left => self.col = self.col.saturating_sub(1),
            Act::Right => self.col = (self.col + 1).min(2),
            Act::Edit if self.template.fields.is_empty() => return self.open(Slot::NewRow, sets),
            Act::Edit => {
                return match self.col {
                    0 => self.open(Slot::Target, sets),
                    1 => self.open(Slot::Method(Vec::new()), sets),
                    _ => self.edit_value(Vec::new(), sets),
                }
            }
            Act::Add => return self.open(Slot::NewRow, sets),
            Act::Delete => {
                if let Some(t) = self.target() {
                    let prompt = text::delete_row(t, &self.keys.save);
                    self.pending = Some(Pending::DeleteRow(self.row));
                    return Ask::Confirm(prompt);
                }
            }
            Act::Save => return Ask::Save,
            Act::Back if self.dirty() => {
                self.pending = Some(Pending::Leave);
                return Ask::Confirm(text::leave_unsaved(&self.template.name, &self.keys));
            }
            Act::Back => return Ask::Leave,
            _ => {}
        }
        Ask::Nothing
    }

    fn overlay_act(&mut self, act: Act, sets: &[MappingSet]) -> Ask {
        match act {
            Act::Edit => return self.commit(sets),
            Act::Back => self.cancel(),
            Act::Right | Act::Down => {
                if let Some(Overlay::Pick(p)) = &mut self.overlay {
                    p.step(1);
                }
            }
            Act::Left | Act::Up => {
                if let Some(Overlay::Pick(p)) = &mut self.overlay {
                    p.step(-1);
                }
            }
            Act::Key(k) => match &mut self.overlay {
                Some(Overlay::Pick(p)) => p.key(k),
                Some(Overlay::Input(i)) => i.key(k),
                None => {}
            },
            Act::ClearLine => match &mut self.overlay {
                Some(Overlay::Pick(p)) => p.clear_filter(),
                Some(Overlay::Input(i)) => i.clear(),
                None => {}
            },
            Act::Filter => {
                if let Some(Overlay::Pick(p)) = &mut self.overlay {
                    p.start_filter();
                }
            }
            Act::Top | Act::Bottom | Act::PageUp | Act::PageDown => {
                if let Some(Overlay::Pick(p)) = &mut self.overlay {
                    p.command(match act {
                        Act::Top => Command::Top,
                        Act::Bottom => Command::Bottom,
                        Act::PageUp => Command::PageUp,
                        _ => Command::PageDown,
                    });
                }
            }
            _ => {}
        }
        Ask::Nothing
    }

    fn commit(&mut self, sets: &[MappingSet]) -> Ask {
        match self.overlay.take() {
            None => Ask::Nothing,
            Some(Overlay::Pick(p)) => {
                let Some(key) = p.chosen().map(|i| i.key.clone()) else {
                    self.overlay = Some(Overlay::Pick(p));
                    return Ask::Nothing;
                };
                self.apply_pick(p.slot, &key, sets)
            }
            Some(Overlay::Input(mut input)) => {
                let value = input.value();
                match self.apply_input(&input.slot, &value, sets) {
                    Ok(ask) => ask,
                    Err(e) => {
                        input.error = Some(e);
                        self.overlay = Some(Overlay::Input(input));
                        Ask::Nothing
                    }
                }
            }
        }
    }

    /// Esc on a pick list or input: nothing changes, except that a rule added for a
    /// condition that was then not given goes away again.
    fn cancel(&mut self) {
        if let Some(ov) = self.overlay.take() {
            if let Slot::NewCond {
                path,
                rule,
                fresh: true,
            } = ov.slot()
            {
                let (path, rule) = (path.clone(), *rule);
                if let Some(rules) = self.rules_mut(&path) {
                    if rule < rules.len() {
                        rules.remove(rule);
                    }
                }
            }
        }
    }

    /// The user said yes to the last question.
    pub fn confirmed(&mut self) -> Ask {
        match self.pending.take() {
            Some(Pending::DeleteRow(i)) if i < self.template.fields.len() => {
                let gone = self.template.fields.remove(i);
                self.touched = true;
                self.row = self.row.min(self.template.fields.len().saturating_sub(1));
                return Ask::Info(text::row_deleted(&gone.target, &self.keys.save));
            }
            Some(Pending::DeleteStep(path, i)) => {
                if let Some(steps) = self.steps_mut(&path) {
                    if i < steps.len() {
                        steps.remove(i);
                    }
                }
            }
            Some(Pending::DeleteCond(path, r, c)) => {
                if let Some(rule) = self.rules_mut(&path).and_then(|rs| rs.get_mut(r)) {
                    if c < rule.conditions.len() {
                        rule.conditions.remove(c);
                    }
                }
            }
            Some(Pending::DeleteRule(path, r)) => {
                if let Some(rules) = self.rules_mut(&path) {
                    if r < rules.len() {
                        rules.remove(r);
                    }
                }
            }
            Some(Pending::Leave) => return Ask::Leave,
            Some(Pending::DeleteRow(_)) | None => {}
        }
        Ask::Nothing
    }

    fn cond(&self, path: &[PathStep], rule: usize, cond: usize) -> Option<&Condition> {
        match self.row_method(path)? {
            Method::SmartRules { rules, .. } => rules.get(rule)?.conditions.get(cond),
            _ => None,
        }
    }
}
