//! Opening a slot's picker or prompt, and applying what was picked or typed: the method,
//! its parameters, a source field, a mapping set, a step or a rule condition.

use super::*;

impl Grid {
    pub(super) fn apply_pick(&mut self, slot: Slot, key: &str, sets: &[MappingSet]) -> Ask {
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

    pub(super) fn apply_input(
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

    pub(super) fn set_param(
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

    pub(super) fn next_param(
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
    pub(super) fn follow_method(
        &mut self,
        path: Path,
        new: &Method,
        same: bool,
        sets: &[MappingSet],
    ) -> Ask {
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
    pub(super) fn edit_value(&mut self, path: Path, sets: &[MappingSet]) -> Ask {
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

    pub(super) fn source_items(&self) -> Vec<PickItem> {
        source_fields(self.integration)
            .iter()
            .map(|f| PickItem::new(&f.name, &f.name, f.kind.label()))
            .collect()
    }

    /// Opens the pick list or input for `slot`, showing the current value.
    pub(super) fn open(&mut self, slot: Slot, sets: &[MappingSet]) -> Ask {
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
}
