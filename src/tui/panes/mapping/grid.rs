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
use crate::mapping::fields::{source_field, source_fields, target_field, target_fields};
use crate::mapping::{
    preview, step_label, validate, Condition, FieldMapping, Integration, Join, LengthUnit,
    MapError, MappingSet, Method, OnMiss, Op, Outcome, Rule, SourceRecord, Step, Template,
    ValidationIssue, WeightUnit,
};
use crate::tui::command::Command;

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

    /// The engine refused the save: keep everything, point at the rows it names.
    pub fn save_failed(&mut self, message: String) {
        self.sending = None;
        let mut names: Vec<&str> = self
            .template
            .fields
            .iter()
            .map(|f| f.target.as_str())
            .chain(
                target_fields(self.integration)
                    .iter()
                    .map(|d| d.name.as_str()),
            )
            .collect();
        names.push("name");
        self.engine_issues = issues_in_message(&message, &names);
        self.save_error = Some(message);
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

    fn apply_pick(&mut self, slot: Slot, key: &str, sets: &[MappingSet]) -> Ask {
        match slot {
            Slot::NewRow => {
                let same_name = source_field(self.integration, key).is_some();
                let method = if same_name {
                    Method::match_it(key)
                } else {
                    Method::SkipIt
                };
                self.template.fields.push(FieldMapping {
                    target: key.to_string(),
                    method,
                });
                self.touched = true;
                self.row = self.template.fields.len() - 1;
                self.col = 1;
                if !same_name {
                    self.open(Slot::Method(Vec::new()), sets);
                }
                return Ask::Info(text::row_added(key));
            }
            Slot::Target => {
                if let Some(f) = self.template.fields.get_mut(self.row) {
                    f.target = key.to_string();
                    self.touched = true;
                }
            }
            Slot::Method(path) => {
                let Some(kind) = key.parse::<usize>().ok().and_then(|i| Kind::ALL.get(i)) else {
                    return Ask::Nothing;
                };
                let Some(old) = self.row_method(&path).cloned() else {
                    return Ask::Nothing;
                };
                let same = Kind::of(&old) == *kind;
                let new = convert(&old, *kind);
                if let Some(m) = self.row_method_mut(&path) {
                    *m = new.clone();
                }
                return self.follow_method(path, &new, same, sets);
            }
            Slot::Source(path) => {
                if let Some(Method::MatchIt { source } | Method::TransformIt { source, .. }) =
                    self.row_method_mut(&path)
                {
                    *source = key.to_string();
                }
            }
            Slot::MappingSet(path) => {
                if let Some(Method::TransformIt { mapping_set, .. }) = self.row_method_mut(&path) {
                    *mapping_set = (!key.is_empty()).then(|| key.to_string());
                }
            }
            Slot::OnMiss(path) => {
                let current = match self.row_method(&path) {
                    Some(Method::TransformIt {
                        on_miss: OnMiss::Fallback(v),
                        ..
                    }) => v.clone(),
                    _ => String::new(),
                };
                let new = match key {
                    "keep" => OnMiss::Keep,
                    "empty" => OnMiss::Empty,
                    _ => OnMiss::Fallback(current),
                };
                let fallback = matches!(new, OnMiss::Fallback(_));
                if let Some(Method::TransformIt { on_miss, .. }) = self.row_method_mut(&path) {
                    *on_miss = new;
                }
                if fallback {
                    return self.open(Slot::Fallback(path), sets);
                }
            }
            Slot::NewStep(path, at) => {
                let Some(step) = key
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| step_kinds().into_iter().nth(i))
                else {
                    return Ask::Nothing;
                };
                let has_params = !step_params(&step).is_empty();
                let Some(steps) = self.steps_mut(&path) else {
                    return Ask::Nothing;
                };
                let at = at.min(steps.len());
                steps.insert(at, step);
                self.focus(Line::Step(at), 0);
                if has_params {
                    return self.open(
                        Slot::StepParam {
                            path,
                            step: at,
                            param: 0,
                            chain: true,
                        },
                        sets,
                    );
                }
            }
            Slot::StepKind(path, i) => {
                let Some(new) = key
                    .parse::<usize>()
                    .ok()
                    .and_then(|k| step_kinds().into_iter().nth(k))
                else {
                    return Ask::Nothing;
                };
                let has_params = !step_params(&new).is_empty();
                let Some(step) = self.steps_mut(&path).and_then(|s| s.get_mut(i)) else {
                    return Ask::Nothing;
                };
                if step_label(step) == step_label(&new) {
                    return Ask::Nothing;
                }
                *step = new;
                if has_params {
                    return self.open(
                        Slot::StepParam {
                            path,
                            step: i,
                            param: 0,
                            chain: true,
                        },
                        sets,
                    );
                }
            }
            Slot::StepParam {
                path,
                step,
                param,
                chain,
            } => {
                if let Err(e) = self.set_param(&path, step, param, key) {
                    return Ask::Info(e);
                }
                return self.next_param(path, step, param, chain, sets);
            }
            Slot::NewCond { path, rule, .. } => {
                let Some(r) = self.rules_mut(&path).and_then(|r| r.get_mut(rule)) else {
                    return Ask::Nothing;
                };
                r.conditions.push(Condition::new(key, Op::Equals, ""));
                let cond = r.conditions.len() - 1;
                self.focus(Line::Cond(rule, cond), 1);
                return self.open(
                    Slot::CondOp {
                        path,
                        rule,
                        cond,
                        chain: true,
                    },
                    sets,
                );
            }
            Slot::CondField(path, rule, cond) => {
                if let Some(c) = self.cond_mut(&path, rule, cond) {
                    c.field = key.to_string();
                }
            }
            Slot::CondOp {
                path,
                rule,
                cond,
                chain,
            } => {
                let Some(op) = key.parse::<usize>().ok().and_then(|i| Op::ALL.get(i)) else {
                    return Ask::Nothing;
                };
                let Some(c) = self.cond_mut(&path, rule, cond) else {
                    return Ask::Nothing;
                };
                c.op = *op;
                if !op.takes_value() {
                    c.value.clear();
                } else if chain {
                    self.focus(Line::Cond(rule, cond), 2);
                    return self.open(Slot::CondValue(path, rule, cond), sets);
                }
            }
            _ => {}
        }
        Ask::Nothing
    }

    fn apply_input(
        &mut self,
        slot: &Slot,
        value: &str,
        sets: &[MappingSet],
    ) -> Result<Ask, String> {
        match slot {
            Slot::Value(path) => {
                if let Some(Method::SetIt { value: v }) = self.row_method_mut(path) {
                    *v = value.to_string();
                }
            }
            Slot::Fallback(path) => {
                if let Some(Method::TransformIt { on_miss, .. }) = self.row_method_mut(path) {
                    *on_miss = OnMiss::Fallback(value.to_string());
                }
            }
            Slot::StepParam {
                path,
                step,
                param,
                chain,
            } => {
                self.set_param(path, *step, *param, value)?;
                return Ok(self.next_param(path.clone(), *step, *param, *chain, sets));
            }
            Slot::CondValue(path, rule, cond) => {
                if let Some(c) = self.cond_mut(path, *rule, *cond) {
                    c.value = value.to_string();
                }
            }
            _ => {}
        }
        Ok(Ask::Nothing)
    }

    fn set_param(
        &mut self,
        path: &[PathStep],
        step: usize,
        param: usize,
        value: &str,
    ) -> Result<(), String> {
        match self.steps_mut(path).and_then(|s| s.get_mut(step)) {
            Some(s) => set_step_param(s, param, value),
            None => Ok(()),
        }
    }

    fn next_param(
        &mut self,
        path: Path,
        step: usize,
        param: usize,
        chain: bool,
        sets: &[MappingSet],
    ) -> Ask {
        let n = match self.row_method(&path) {
            Some(Method::TransformIt { steps, .. }) => {
                steps.get(step).map(|s| step_params(s).len()).unwrap_or(0)
            }
            _ => 0,
        };
        if chain && param + 1 < n {
            self.focus(Line::Step(step), param + 2);
            return self.open(
                Slot::StepParam {
                    path,
                    step,
                    param: param + 1,
                    chain,
                },
                sets,
            );
        }
        Ask::Nothing
    }

    /// After a method was picked: ask for what it needs next.
    fn follow_method(&mut self, path: Path, new: &Method, same: bool, sets: &[MappingSet]) -> Ask {
        let no_source = source_of(new).is_none_or(|s| s.trim().is_empty());
        match Kind::of(new) {
            Kind::Match if same || no_source => self.open(Slot::Source(path), sets),
            Kind::Set => self.open(Slot::Value(path), sets),
            Kind::Transform => {
                self.editors.push(Editor {
                    kind: EditorKind::Transform,
                    path: path.clone(),
                    line: 0,
                    cell: 0,
                });
                if no_source {
                    return self.open(Slot::Source(path), sets);
                }
                Ask::Nothing
            }
            Kind::Rules => {
                self.editors.push(Editor {
                    kind: EditorKind::Rules,
                    path,
                    line: 0,
                    cell: 0,
                });
                Ask::Nothing
            }
            _ => Ask::Nothing,
        }
    }

    /// Enter on a "source field or value" cell.
    fn edit_value(&mut self, path: Path, sets: &[MappingSet]) -> Ask {
        let Some(kind) = self.row_method(&path).map(Kind::of) else {
            return Ask::Nothing;
        };
        match kind {
            Kind::Match => self.open(Slot::Source(path), sets),
            Kind::Set => self.open(Slot::Value(path), sets),
            Kind::Transform | Kind::Rules => {
                self.editors.push(Editor {
                    kind: if kind == Kind::Transform {
                        EditorKind::Transform
                    } else {
                        EditorKind::Rules
                    },
                    path,
                    line: 0,
                    cell: 0,
                });
                Ask::Nothing
            }
            Kind::Skip | Kind::Empty => self.open(Slot::Method(path), sets),
        }
    }

    /// Puts the top editor's cursor on `line`.
    fn focus(&mut self, line: Line, cell: usize) {
        let Some(ed) = self.editors.last() else {
            return;
        };
        let Some(m) = self.row_method(&ed.path) else {
            return;
        };
        if let Some(i) = lines(ed.kind, m).iter().position(|l| *l == line) {
            if let Some(ed) = self.editors.last_mut() {
                ed.line = i;
                ed.cell = cell;
            }
        }
    }

    fn editor_act(&mut self, act: Act, sets: &[MappingSet]) -> Ask {
        let Some(ed) = self.editors.last().cloned() else {
            return Ask::Nothing;
        };
        let Some(m) = self.row_method(&ed.path).cloned() else {
            self.editors.pop();
            return Ask::Nothing;
        };
        let ls = lines(ed.kind, &m);
        let Some(last) = ls.len().checked_sub(1) else {
            self.editors.pop();
            return Ask::Nothing;
        };
        let li = ed.line.min(last);
        let line = ls[li];
        let ncells = cells(line, &m);
        let cell = ed.cell.min(ncells.saturating_sub(1));
        let mut cursor = |line: usize, cell: usize| {
            if let Some(e) = self.editors.last_mut() {
                e.line = line;
                e.cell = cell;
            }
        };
        let path = ed.path.clone();
        match act {
            Act::Up => cursor(li.saturating_sub(1), cell),
            Act::Down => cursor((li + 1).min(last), cell),
            Act::Top => cursor(0, cell),
            Act::Bottom => cursor(last, cell),
            Act::PageUp => cursor(li.saturating_sub(PAGE), cell),
            Act::PageDown => cursor((li + PAGE).min(last), cell),
            Act::Left => cursor(li, cell.saturating_sub(1)),
            Act::Right => cursor(li, (cell + 1).min(ncells.saturating_sub(1))),
            Act::Back => {
                self.editors.pop();
            }
            Act::Save => return Ask::Save,
            Act::Edit => return self.edit_line(path, line, cell, &m, sets),
            Act::Add => return self.add(path, line, &m, sets),
            Act::AddRule => match (&m, line) {
                (Method::SmartRules { .. }, Line::Rule(i) | Line::Cond(i, _)) => {
                    return self.add_rule(path, i + 1, sets)
                }
                (Method::SmartRules { rules, .. }, _) => {
                    return self.add_rule(path, rules.len(), sets)
                }
                _ => {}
            },
            Act::Delete => return self.delete(path, line, &m),
            Act::MoveUp | Act::MoveDown => self.shift(path, line, act == Act::MoveDown),
            Act::Toggle => {
                if let Line::Rule(i) | Line::Cond(i, _) = line {
                    self.toggle_join(&path, i);
                }
            }
            Act::Key(_) | Act::Filter | Act::ClearLine => {}
        }
        Ask::Nothing
    }

    fn edit_line(
        &mut self,
        path: Path,
        line: Line,
        cell: usize,
        m: &Method,
        sets: &[MappingSet],
    ) -> Ask {
        match line {
            Line::Source => self.open(Slot::Source(path), sets),
            Line::Set => self.open(Slot::MappingSet(path), sets),
            Line::OnMiss => self.open(Slot::OnMiss(path), sets),
            Line::AddStep => {
                let n = match m {
                    Method::TransformIt { steps, .. } => steps.len(),
                    _ => 0,
                };
                self.open(Slot::NewStep(path, n), sets)
            }
            Line::Step(i) if cell == 0 => self.open(Slot::StepKind(path, i), sets),
            Line::Step(i) => self.open(
                Slot::StepParam {
                    path,
                    step: i,
                    param: cell - 1,
                    chain: false,
                },
                sets,
            ),
            Line::Rule(i) => match cell {
                0 => {
                    self.toggle_join(&path, i);
                    Ask::Nothing
                }
                1 => self.open(Slot::Method(child(&path, PathStep::Then(i))), sets),
                _ => self.edit_value(child(&path, PathStep::Then(i)), sets),
            },
            Line::Cond(r, c) => match cell {
                0 => self.open(Slot::CondField(path, r, c), sets),
                1 => self.open(
                    Slot::CondOp {
                        path,
                        rule: r,
                        cond: c,
                        chain: false,
                    },
                    sets,
                ),
                _ => {
                    let takes = match m {
                        Method::SmartRules { rules, .. } => rules
                            .get(r)
                            .and_then(|x| x.conditions.get(c))
                            .is_some_and(|x| x.op.takes_value()),
                        _ => false,
                    };
                    if takes {
                        self.open(Slot::CondValue(path, r, c), sets)
                    } else {
                        Ask::Info(text::NO_VALUE_NEEDED.to_string())
                    }
                }
            },
            Line::Default if cell == 0 => {
                self.open(Slot::Method(child(&path, PathStep::Default)), sets)
            }
            Line::Default => self.edit_value(child(&path, PathStep::Default), sets),
        }
    }

    fn add(&mut self, path: Path, line: Line, m: &Method, sets: &[MappingSet]) -> Ask {
        match (m, line) {
            (Method::TransformIt { .. }, Line::Step(i)) => {
                self.open(Slot::NewStep(path, i + 1), sets)
            }
            (Method::TransformIt { steps, .. }, _) => {
                self.open(Slot::NewStep(path, steps.len()), sets)
            }
            (Method::SmartRules { .. }, Line::Rule(i) | Line::Cond(i, _)) => self.open(
                Slot::NewCond {
                    path,
                    rule: i,
                    fresh: false,
                },
                sets,
            ),
            (Method::SmartRules { rules, .. }, _) => self.add_rule(path, rules.len(), sets),
            _ => Ask::Nothing,
        }
    }

    /// A new rule at `at` whose result starts as the default's (so it changes nothing until
    /// edited), then its first condition.
    fn add_rule(&mut self, path: Path, at: usize, sets: &[MappingSet]) -> Ask {
        let default = match self.row_method(&path) {
            Some(Method::SmartRules { default, .. }) => default.as_ref().clone(),
            _ => return Ask::Nothing,
        };
        let Some(rules) = self.rules_mut(&path) else {
            return Ask::Nothing;
        };
        let at = at.min(rules.len());
        rules.insert(
            at,
            Rule {
                join: Join::And,
                conditions: Vec::new(),
                then: Box::new(default),
            },
        );
        self.focus(Line::Rule(at), 0);
        self.open(
            Slot::NewCond {
                path,
                rule: at,
                fresh: true,
            },
            sets,
        )
    }

    fn delete(&mut self, path: Path, line: Line, m: &Method) -> Ask {
        let (pending, prompt) = match (m, line) {
            (Method::TransformIt { steps, .. }, Line::Step(i)) => {
                let label = steps.get(i).map(step_label).unwrap_or_default();
                (
                    Pending::DeleteStep(path, i),
                    text::delete_step(i + 1, label),
                )
            }
            (Method::SmartRules { .. }, Line::Cond(r, c)) => (
                Pending::DeleteCond(path, r, c),
                text::delete_cond(c + 1, r + 1),
            ),
            (Method::SmartRules { .. }, Line::Rule(r)) => {
                (Pending::DeleteRule(path, r), text::delete_rule(r + 1))
            }
            _ => return Ask::Info(text::NOTHING_TO_DELETE.to_string()),
        };
        self.pending = Some(pending);
        Ask::Confirm(prompt)
    }

    /// K / J: moves the step, condition or rule under the cursor.
    fn shift(&mut self, path: Path, line: Line, down: bool) {
        let to = |i: usize, len: usize| -> Option<usize> {
            if down {
                (i + 1 < len).then_some(i + 1)
            } else {
                i.checked_sub(1)
            }
        };
        match line {
            Line::Step(i) => {
                let Some(steps) = self.steps_mut(&path) else {
                    return;
                };
                if let Some(j) = to(i, steps.len()) {
                    steps.swap(i, j);
                    self.focus(Line::Step(j), 0);
                }
            }
            Line::Cond(r, c) => {
                let Some(conds) = self
                    .rules_mut(&path)
                    .and_then(|rs| rs.get_mut(r))
                    .map(|x| &mut x.conditions)
                else {
                    return;
                };
                if let Some(j) = to(c, conds.len()) {
                    conds.swap(c, j);
                    self.focus(Line::Cond(r, j), 0);
                }
            }
            Line::Rule(r) => {
                let Some(rules) = self.rules_mut(&path) else {
                    return;
                };
                if let Some(j) = to(r, rules.len()) {
                    rules.swap(r, j);
                    self.focus(Line::Rule(j), 0);
                }
            }
            _ => {}
        }
    }

    fn toggle_join(&mut self, path: &[PathStep], rule: usize) {
        if let Some(r) = self.rules_mut(path).and_then(|r| r.get_mut(rule)) {
            r.join = match r.join {
                Join::And => Join::Or,
                Join::Or => Join::And,
            };
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

    fn source_items(&self) -> Vec<PickItem> {
        source_fields(self.integration)
            .iter()
            .map(|f| PickItem::new(&f.name, &f.name, f.kind.label()))
            .collect()
    }

    /// Opens the pick list or input for `slot`, showing the current value.
    fn open(&mut self, slot: Slot, sets: &[MappingSet]) -> Ask {
        let target = self.target().unwrap_or_default().to_string();
        let overlay = match &slot {
            Slot::NewRow | Slot::Target => {
                let current = (slot == Slot::Target).then(|| target.clone());
                let mapped: HashSet<&str> = self
                    .template
                    .fields
                    .iter()
                    .map(|f| f.target.as_str())
                    .collect();
                let items: Vec<PickItem> = target_fields(self.integration)
                    .iter()
                    .filter(|d| {
                        !mapped.contains(d.name.as_str()) || current.as_deref() == Some(&d.name)
                    })
                    .map(|d| {
                        PickItem::new(&d.name, &d.name, text::target_detail(d.kind, d.required))
                    })
                    .collect();
                if items.is_empty() {
                    return Ask::Info(text::ALL_MAPPED.to_string());
                }
                let title = if slot == Slot::NewRow {
                    text::PICK_NEW_TARGET.to_string()
                } else {
                    text::pick_target(&target)
                };
                Overlay::Pick(Pick::new(title, items, current.as_deref(), slot))
            }
            Slot::Method(path) => {
                let current = self
                    .row_method(path)
                    .map(|m| Kind::of(m).index().to_string());
                let items = Kind::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, k)| PickItem::new(i.to_string(), k.label(), k.detail()))
                    .collect();
                Overlay::Pick(Pick::new(
                    text::pick_method(&target),
                    items,
                    current.as_deref(),
                    slot,
                ))
            }
            Slot::Source(path) => {
                let current = self
                    .row_method(path)
                    .and_then(source_of)
                    .map(str::to_string);
                Overlay::Pick(Pick::new(
                    text::pick_source(&target),
                    self.source_items(),
                    current.as_deref(),
                    slot,
                ))
            }
            Slot::NewCond { .. } => Overlay::Pick(Pick::new(
                text::PICK_COND_FIELD.to_string(),
                self.source_items(),
                None,
                slot,
            )),
            Slot::CondField(path, r, c) => {
                let current = self.cond(path, *r, *c).map(|x| x.field.clone());
                Overlay::Pick(Pick::new(
                    text::PICK_COND_FIELD.to_string(),
                    self.source_items(),
                    current.as_deref(),
                    slot,
                ))
            }
            Slot::CondOp {
                path, rule, cond, ..
            } => {
                let current = self
                    .cond(path, *rule, *cond)
                    .map(|x| op_index(x.op).to_string());
                let items = Op::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, op)| {
                        PickItem::new(
                            i.to_string(),
                            crate::mapping::op_label(*op),
                            text::OP_DETAIL.get(i).copied().unwrap_or_default(),
                        )
                    })
                    .collect();
                Overlay::Pick(Pick::new(
                    text::PICK_OP.to_string(),
                    items,
                    current.as_deref(),
                    slot,
                ))
            }
            Slot::CondValue(path, r, c) => {
                let (value, op) = self
                    .cond(path, *r, *c)
                    .map(|x| (x.value.clone(), x.op))
                    .unwrap_or((String::new(), Op::Equals));
                Overlay::Input(Input::new(
                    text::COND_VALUE_TITLE.to_string(),
                    &value,
                    text::cond_value_hint(op).to_string(),
                    slot,
                ))
            }
            Slot::Value(path) => {
                let value = match self.row_method(path) {
                    Some(Method::SetIt { value }) => value.clone(),
                    _ => String::new(),
                };
                let kind = target_field(self.integration, &target).map(|d| d.kind);
                Overlay::Input(Input::new(
                    text::value_title(&target),
                    &value,
                    text::value_hint(kind),
                    slot,
                ))
            }
            Slot::MappingSet(path) => {
                let current = match self.row_method(path) {
                    Some(Method::TransformIt { mapping_set, .. }) => {
                        mapping_set.clone().unwrap_or_default()
                    }
                    _ => String::new(),
                };
                let mut items = vec![PickItem::new("", text::NO_SET, text::NO_SET_DETAIL)];
                items.extend(
                    sets.iter()
                        .map(|s| PickItem::new(&s.name, &s.name, text::set_rows(s.rows.len()))),
                );
                Overlay::Pick(Pick::new(
                    text::PICK_SET.to_string(),
                    items,
                    Some(&current),
                    slot,
                ))
            }
            Slot::OnMiss(path) => {
                let current = match self.row_method(path) {
                    Some(Method::TransformIt { on_miss, .. }) => match on_miss {
                        OnMiss::Keep => "keep",
                        OnMiss::Fallback(_) => "fallback",
                        OnMiss::Empty => "empty",
                    },
                    _ => "keep",
                };
                let items = ["keep", "fallback", "empty"]
                    .iter()
                    .zip(text::ON_MISS)
                    .map(|(k, (label, detail))| PickItem::new(*k, label, detail))
                    .collect();
                Overlay::Pick(Pick::new(
                    text::PICK_ON_MISS.to_string(),
                    items,
                    Some(current),
                    slot,
                ))
            }
            Slot::Fallback(path) => {
                let value = match self.row_method(path) {
                    Some(Method::TransformIt {
                        on_miss: OnMiss::Fallback(v),
                        ..
                    }) => v.clone(),
                    _ => String::new(),
                };
                Overlay::Input(Input::new(
                    text::FALLBACK_TITLE.to_string(),
                    &value,
                    text::FALLBACK_HINT.to_string(),
                    slot,
                ))
            }
            Slot::NewStep(..) | Slot::StepKind(..) => {
                let current = match &slot {
                    Slot::StepKind(path, i) => match self.row_method(path) {
                        Some(Method::TransformIt { steps, .. }) => steps.get(*i).and_then(|s| {
                            step_kinds()
                                .iter()
                                .position(|k| step_label(k) == step_label(s))
                                .map(|p| p.to_string())
                        }),
                        _ => None,
                    },
                    _ => None,
                };
                let items = step_kinds()
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        PickItem::new(
                            i.to_string(),
                            step_label(s),
                            text::STEP_DETAIL.get(i).copied().unwrap_or_default(),
                        )
                    })
                    .collect();
                Overlay::Pick(Pick::new(
                    text::PICK_STEP.to_string(),
                    items,
                    current.as_deref(),
                    slot,
                ))
            }
            Slot::StepParam {
                path, step, param, ..
            } => {
                let Some(prm) = (match self.row_method(path) {
                    Some(Method::TransformIt { steps, .. }) => steps
                        .get(*step)
                        .and_then(|s| step_params(s).into_iter().nth(*param)),
                    _ => None,
                }) else {
                    return Ask::Nothing;
                };
                let title = text::param_title(*step + 1, prm.label);
                if prm.kind.is_pick() {
                    let (from, weight) = match prm.kind {
                        ParamKind::WeightFrom => (true, true),
                        ParamKind::WeightTo => (false, true),
                        ParamKind::LengthFrom => (true, false),
                        _ => (false, false),
                    };
                    let mut items = Vec::new();
                    if from {
                        items.push(PickItem::new(
                            "",
                            text::UNIT_FROM_RECORD,
                            if weight {
                                text::UNIT_FROM_WEIGHT_FIELD
                            } else {
                                text::UNIT_FROM_LENGTH_FIELD
                            },
                        ));
                    }
                    if weight {
                        items.extend(
                            WeightUnit::ALL
                                .iter()
                                .map(|u| PickItem::new(u.full_name(), u.full_name(), "")),
                        );
                    } else {
                        items.extend(
                            LengthUnit::ALL
                                .iter()
                                .map(|u| PickItem::new(u.full_name(), u.full_name(), "")),
                        );
                    }
                    let current = if prm.raw == text::UNIT_FROM_RECORD {
                        String::new()
                    } else {
                        prm.raw.clone()
                    };
                    Overlay::Pick(Pick::new(title, items, Some(&current), slot))
                } else {
                    Overlay::Input(Input::new(
                        title,
                        &prm.raw,
                        text::param_hint(prm.kind).to_string(),
                        slot,
                    ))
                }
            }
            Slot::NewSet | Slot::SetFrom { .. } | Slot::SetTo { .. } => return Ask::Nothing,
        };
        self.overlay = Some(overlay);
        Ask::Nothing
    }

    fn cond(&self, path: &[PathStep], rule: usize, cond: usize) -> Option<&Condition> {
        match self.row_method(path)? {
            Method::SmartRules { rules, .. } => rules.get(rule)?.conditions.get(cond),
            _ => None,
        }
    }
}

/// Splits an engine refusal (`template "X" is not valid: SKU: …; Title: …`) into issues by
/// the field names it starts its parts with. Messages may themselves contain "; ", so parts
/// are found by "NAME: " after "; " rather than by splitting.
pub fn issues_in_message(message: &str, names: &[&str]) -> Vec<ValidationIssue> {
    const MARK: &str = " is not valid: ";
    let body = match message.find(MARK) {
        Some(i) => &message[i + MARK.len()..],
        None => message,
    };
    let mut names: Vec<&str> = names.iter().copied().filter(|n| !n.is_empty()).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.dedup();
    let mut points: Vec<(usize, &str)> = Vec::new();
    for name in names {
        let pat = format!("{name}: ");
        let mut from = 0;
        while let Some(off) = body.get(from..).and_then(|b| b.find(&pat)) {
            let at = from + off;
            let starts_part = at == 0 || body.get(..at).is_some_and(|b| b.ends_with("; "));
            if starts_part && !points.iter().any(|(p, _)| *p == at) {
                points.push((at, name));
            }
            from = at + pat.len();
        }
    }
    points.sort();
    let mut out = Vec::new();
    for (k, (at, name)) in points.iter().enumerate() {
        let end = points.get(k + 1).map(|p| p.0).unwrap_or(body.len());
        let Some(seg) = body.get(at + name.len() + 2..end) else {
            continue;
        };
        let seg = seg.trim_end().trim_end_matches(';').trim_end();
        out.push(ValidationIssue {
            field: name.to_string(),
            message: seg.to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_split_by_field_even_with_semicolons_inside() {
        let msg = "template \"T\" is not valid: SKU: Get Inventory [Primary] requires this field, but it is set to Skip It (Don't Map); map it to a value; Customer: First Name: unknown source field \"x\"";
        let got = issues_in_message(msg, &["SKU", "Customer: First Name", "Title"]);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].field, "SKU");
        assert!(got[0].message.ends_with("map it to a value"), "{got:?}");
        assert_eq!(got[1].field, "Customer: First Name");
        assert_eq!(got[1].message, "unknown source field \"x\"");
        assert!(issues_in_message("disk full", &["SKU"]).is_empty());
    }

    #[test]
    fn picking_methods_chains_to_what_they_need() {
        let t = crate::mapping::default_template(Integration::Primary);
        let mut g = Grid::new("s".into(), t.clone(), Some(t), None);
        g.row = 1;
        g.col = 1;
        assert_eq!(g.act(Act::Edit, &[]), Ask::Nothing);
        assert!(matches!(g.overlay, Some(Overlay::Pick(_))));
        // Transform It keeps the source and opens its editor.
        g.act(Act::Down, &[]);
        g.act(Act::Down, &[]);
        g.act(Act::Edit, &[]);
        assert!(g.overlay.is_none());
        assert_eq!(g.editors.len(), 1);
        assert_eq!(source_of(&g.template.fields[1].method), Some("Name"));
        // a: add a step, pick Prefix (index 4), type its text.
        g.act(Act::Add, &[]);
        for _ in 0..4 {
            g.act(Act::Down, &[]);
        }
        g.act(Act::Edit, &[]);
        assert!(matches!(g.overlay, Some(Overlay::Input(_))));
        for c in "HP ".chars() {
            g.act(
                Act::Key(crossterm::event::KeyEvent::from(
                    crossterm::event::KeyCode::Char(c),
                )),
                &[],
            );
        }
        g.act(Act::Edit, &[]);
        assert_eq!(
            g.template.fields[1].method,
            Method::transform("Name", vec![Step::Prefix("HP ".into())])
        );
        assert!(g.dirty());
        // Esc closes the editor, a second Esc asks before dropping the change.
        g.act(Act::Back, &[]);
        assert!(matches!(g.act(Act::Back, &[]), Ask::Confirm(_)));
    }
}
