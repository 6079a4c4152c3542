//! The editor's lines of a Transform It or Smart Rules method: focus, edit, add, delete,
//! move, and the AND/OR of a rule.

use super::*;

impl Grid {
    pub(super) fn editor_act(&mut self, act: Act, sets: &[MappingSet]) -> Ask {
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

    pub(super) fn edit_line(
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

    pub(super) fn add(&mut self, path: Path, line: Line, m: &Method, sets: &[MappingSet]) -> Ask {
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
    pub(super) fn add_rule(&mut self, path: Path, at: usize, sets: &[MappingSet]) -> Ask {
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

    pub(super) fn delete(&mut self, path: Path, line: Line, m: &Method) -> Ask {
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
    pub(super) fn shift(&mut self, path: Path, line: Line, down: bool) {
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

    pub(super) fn toggle_join(&mut self, path: &[PathStep], rule: usize) {
        if let Some(r) = self.rules_mut(path).and_then(|r| r.get_mut(rule)) {
            r.join = match r.join {
                Join::And => Join::Or,
                Join::Or => Join::And,
            };
        }
    }

    /// Puts the top editor's cursor on `line`.
    pub(super) fn focus(&mut self, line: Line, cell: usize) {
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
}
