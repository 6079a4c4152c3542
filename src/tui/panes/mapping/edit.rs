//! The grid's editing vocabulary: where an edit lands (a [`Slot`], addressed by a [`PathStep`]
//! path into nested Smart Rules), the pick lists and one-line inputs that collect it, the
//! lines of the Transform It and Smart Rules editors, and the parameters of each step.
//! Nothing here draws; `mapping_draw` reads these types.

use crossterm::event::KeyEvent;
use tui_textarea::{CursorMove, TextArea};

use super::text;
use crate::mapping::{
    format_number, step_label, text_to_number, LengthUnit, Method, OnMiss, Op, Step, WeightUnit,
};

/// One step down into a Smart Rules method: a rule's result, or the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathStep {
    Then(usize),
    Default,
}

pub type Path = Vec<PathStep>;

/// The method `path` leads to from `m` (`m` itself for an empty path).
pub fn method_at<'a>(m: &'a Method, path: &[PathStep]) -> Option<&'a Method> {
    let mut cur = m;
    for p in path {
        cur = match (cur, p) {
            (Method::SmartRules { rules, .. }, PathStep::Then(i)) => rules.get(*i)?.then.as_ref(),
            (Method::SmartRules { default, .. }, PathStep::Default) => default.as_ref(),
            _ => return None,
        };
    }
    Some(cur)
}

pub fn method_at_mut<'a>(m: &'a mut Method, path: &[PathStep]) -> Option<&'a mut Method> {
    let mut cur = m;
    for p in path {
        cur = match cur {
            Method::SmartRules { rules, default } => match p {
                PathStep::Then(i) => rules.get_mut(*i)?.then.as_mut(),
                PathStep::Default => default.as_mut(),
            },
            _ => return None,
        };
    }
    Some(cur)
}

pub fn child(path: &[PathStep], step: PathStep) -> Path {
    let mut p = path.to_vec();
    p.push(step);
    p
}

/// The six methods, in the seed's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Match,
    Set,
    Transform,
    Rules,
    Skip,
    Empty,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Match,
        Kind::Set,
        Kind::Transform,
        Kind::Rules,
        Kind::Skip,
        Kind::Empty,
    ];

    pub fn of(m: &Method) -> Kind {
        match m {
            Method::MatchIt { .. } => Kind::Match,
            Method::SetIt { .. } => Kind::Set,
            Method::TransformIt { .. } => Kind::Transform,
            Method::SmartRules { .. } => Kind::Rules,
            Method::SkipIt => Kind::Skip,
            Method::SetToEmpty => Kind::Empty,
        }
    }

    pub fn index(self) -> usize {
        Kind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }

    /// The engine's own label ("Match It", "Skip It (Don't Map)"…).
    pub fn label(self) -> &'static str {
        convert(&Method::SkipIt, self).label()
    }

    pub fn detail(self) -> &'static str {
        text::METHOD_DETAIL
            .get(self.index())
            .copied()
            .unwrap_or_default()
    }
}

/// `old` turned into `kind`, keeping what carries over: the source field between Match It and
/// Transform It, and the old method as the default of new Smart Rules.
pub fn convert(old: &Method, kind: Kind) -> Method {
    if Kind::of(old) == kind {
        return old.clone();
    }
    let source = source_of(old).unwrap_or_default().to_string();
    match kind {
        Kind::Match => Method::MatchIt { source },
        Kind::Set => Method::SetIt {
            value: String::new(),
        },
        Kind::Transform => Method::TransformIt {
            source,
            mapping_set: None,
            on_miss: OnMiss::Keep,
            steps: Vec::new(),
        },
        Kind::Rules => Method::SmartRules {
            rules: Vec::new(),
            default: Box::new(old.clone()),
        },
        Kind::Skip => Method::SkipIt,
        Kind::Empty => Method::SetToEmpty,
    }
}

pub fn source_of(m: &Method) -> Option<&str> {
    match m {
        Method::MatchIt { source } | Method::TransformIt { source, .. } => Some(source),
        _ => None,
    }
}

/// Text in quotes, shortened to `max` characters.
pub fn quote(s: &str, max: usize) -> String {
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// What a parameter of a step holds, which decides how it is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Text,
    Number,
    Count,
    WeightFrom,
    WeightTo,
    LengthFrom,
    LengthTo,
}

impl ParamKind {
    pub fn is_pick(self) -> bool {
        !matches!(self, ParamKind::Text | ParamKind::Number | ParamKind::Count)
    }
}

pub struct Param {
    pub label: &'static str,
    pub kind: ParamKind,
    /// As shown in the editor.
    pub shown: String,
    /// As edited (no quotes).
    pub raw: String,
}

fn p(label: &'static str, kind: ParamKind, raw: String) -> Param {
    let shown = match kind {
        ParamKind::Text => quote(&raw, 40),
        _ => raw.clone(),
    };
    Param {
        label,
        kind,
        shown,
        raw,
    }
}

fn unit_from<U>(from: &Option<U>, name: fn(U) -> &'static str) -> String
where
    U: Copy,
{
    match from {
        Some(u) => name(*u).to_string(),
        None => text::UNIT_FROM_RECORD.to_string(),
    }
}

pub fn step_params(step: &Step) -> Vec<Param> {
    use ParamKind as K;
    match step {
        Step::Prefix(s) | Step::Suffix(s) => vec![p(text::P_TEXT, K::Text, s.clone())],
        Step::Replace { find, with } => vec![
            p(text::P_FIND, K::Text, find.clone()),
            p(text::P_WITH, K::Text, with.clone()),
        ],
        Step::RegexReplace { pattern, with } => vec![
            p(text::P_PATTERN, K::Text, pattern.clone()),
            p(text::P_WITH, K::Text, with.clone()),
        ],
        Step::Truncate(n) => vec![p(text::P_CHARS, K::Count, n.to_string())],
        Step::Add(x) | Step::Subtract(x) | Step::Multiply(x) | Step::Divide(x) => {
            vec![p(text::P_BY, K::Number, format_number(*x))]
        }
        Step::Round { places } => vec![p(text::P_PLACES, K::Count, places.to_string())],
        Step::ConvertWeight { from, to, .. } => vec![
            p(
                text::P_FROM,
                K::WeightFrom,
                unit_from(from, WeightUnit::full_name),
            ),
            p(text::P_TO, K::WeightTo, to.full_name().to_string()),
        ],
        Step::ConvertLength { from, to, .. } => vec![
            p(
                text::P_FROM,
                K::LengthFrom,
                unit_from(from, LengthUnit::full_name),
            ),
            p(text::P_TO, K::LengthTo, to.full_name().to_string()),
        ],
        Step::Trim | Step::Upper | Step::Lower | Step::Title | Step::Ceil | Step::Floor => {
            Vec::new()
        }
    }
}

/// Sets parameter `i` from what the user typed or picked; the error says what to type.
pub fn set_step_param(step: &mut Step, i: usize, value: &str) -> Result<(), String> {
    let number = || match text_to_number(value) {
        Ok(Some(n)) => Ok(n),
        _ => Err(text::not_a_number(value)),
    };
    let count = || {
        value
            .trim()
            .parse::<u32>()
            .map_err(|_| text::not_a_count(value))
    };
    match (step, i) {
        (Step::Prefix(s) | Step::Suffix(s), 0) => *s = value.to_string(),
        (Step::Replace { find, .. }, 0) => *find = value.to_string(),
        (Step::RegexReplace { pattern, .. }, 0) => *pattern = value.to_string(),
        (Step::Replace { with, .. } | Step::RegexReplace { with, .. }, 1) => {
            *with = value.to_string()
        }
        (Step::Truncate(n), 0) => *n = count()? as usize,
        (Step::Add(x) | Step::Subtract(x) | Step::Multiply(x) | Step::Divide(x), 0) => {
            *x = number()?
        }
        (Step::Round { places }, 0) => *places = count()?,
        (Step::ConvertWeight { from, .. }, 0) => *from = WeightUnit::parse(value),
        (Step::ConvertWeight { to, .. }, 1) => {
            *to = WeightUnit::parse(value).ok_or_else(|| text::not_a_unit(value))?
        }
        (Step::ConvertLength { from, .. }, 0) => *from = LengthUnit::parse(value),
        (Step::ConvertLength { to, .. }, 1) => {
            *to = LengthUnit::parse(value).ok_or_else(|| text::not_a_unit(value))?
        }
        _ => {}
    }
    Ok(())
}

/// One of each step, with neutral parameters, in the order the step pick list shows them.
pub fn step_kinds() -> Vec<Step> {
    vec![
        Step::Trim,
        Step::Upper,
        Step::Lower,
        Step::Title,
        Step::Prefix(String::new()),
        Step::Suffix(String::new()),
        Step::Replace {
            find: String::new(),
            with: String::new(),
        },
        Step::RegexReplace {
            pattern: String::new(),
            with: String::new(),
        },
        Step::Truncate(100),
        Step::Add(0.0),
        Step::Subtract(0.0),
        Step::Multiply(1.0),
        Step::Divide(1.0),
        Step::Round { places: 2 },
        Step::Ceil,
        Step::Floor,
        Step::ConvertWeight {
            from: None,
            unit_field: None,
            to: WeightUnit::Lb,
        },
        Step::ConvertLength {
            from: None,
            unit_field: None,
            to: LengthUnit::In,
        },
    ]
}

/// `Prefix "HP "`, `Replace "a" → "b"`, `Round 2`.
pub fn step_summary(step: &Step) -> String {
    let params = step_params(step);
    let mut s = step_label(step).to_string();
    for (i, prm) in params.iter().enumerate() {
        s.push_str(if i == 0 { " " } else { " → " });
        s.push_str(&prm.shown);
    }
    s
}

/// The grid's "source field or value" cell.
pub fn method_summary(m: &Method) -> String {
    match m {
        Method::MatchIt { source } => source.clone(),
        Method::SetIt { value } => quote(value, 40),
        Method::TransformIt {
            source,
            mapping_set,
            steps,
            ..
        } => {
            let mut s = source.clone();
            if let Some(set) = mapping_set {
                s.push_str(" → ");
                s.push_str(&text::set_summary(set));
            }
            for st in steps {
                s.push_str(" → ");
                s.push_str(&step_summary(st));
            }
            s
        }
        Method::SmartRules { rules, default } => text::rules_summary(
            rules.len(),
            Kind::of(default).label(),
            &method_summary(default),
        ),
        Method::SkipIt => text::SKIP_SUMMARY.to_string(),
        Method::SetToEmpty => text::EMPTY_SUMMARY.to_string(),
    }
}

pub fn on_miss_label(o: &OnMiss) -> String {
    match o {
        OnMiss::Keep => text::ON_MISS[0].0.to_string(),
        OnMiss::Fallback(v) => text::fallback_label(&quote(v, 30)),
        OnMiss::Empty => text::ON_MISS[2].0.to_string(),
    }
}

pub fn op_index(op: Op) -> usize {
    Op::ALL.iter().position(|o| *o == op).unwrap_or(0)
}

/// Where a pick or an input writes when it is confirmed. Paths lead from the grid row's
/// method; `chain` means the next part of a new item is asked for right after.
#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    NewRow,
    Target,
    Method(Path),
    Source(Path),
    Value(Path),
    MappingSet(Path),
    OnMiss(Path),
    Fallback(Path),
    NewStep(Path, usize),
    StepKind(Path, usize),
    StepParam {
        path: Path,
        step: usize,
        param: usize,
        chain: bool,
    },
    /// `fresh`: the rule was just added for this condition and goes away if it is cancelled.
    NewCond {
        path: Path,
        rule: usize,
        fresh: bool,
    },
    CondField(Path, usize, usize),
    CondOp {
        path: Path,
        rule: usize,
        cond: usize,
        chain: bool,
    },
    CondValue(Path, usize, usize),
    NewSet,
    SetFrom {
        row: Option<usize>,
    },
    SetTo {
        row: Option<usize>,
        from: String,
    },
}

pub use crate::tui::widgets::pick::{PickItem, PickList};

/// The keys the grid's and the sets editor's questions and notes name ("Ctrl-s saves",
/// "n keeps editing"), taken from the registry before each action so keys.toml shows.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyNames {
    pub save: String,
    pub no: String,
}

impl KeyNames {
    pub fn of(k: &crate::tui::keymap::Keymap) -> KeyNames {
        use crate::tui::command::Command;
        use crate::tui::keymap::Context;
        KeyNames {
            save: k.shown(Context::Mapping, Command::Save),
            no: k.shown(Context::Confirm, Command::No),
        }
    }
}

impl Default for KeyNames {
    fn default() -> Self {
        KeyNames::of(&crate::tui::keymap::Keymap::default())
    }
}

/// A pick list for a slot of the grid (the shared widget, plus where its answer goes).
pub struct Pick {
    pub list: PickList,
    pub slot: Slot,
}

impl Pick {
    pub fn new(title: String, items: Vec<PickItem>, current: Option<&str>, slot: Slot) -> Pick {
        Pick {
            list: PickList::new(title, items, current),
            slot,
        }
    }
}

impl std::ops::Deref for Pick {
    type Target = PickList;
    fn deref(&self) -> &PickList {
        &self.list
    }
}

impl std::ops::DerefMut for Pick {
    fn deref_mut(&mut self) -> &mut PickList {
        &mut self.list
    }
}

/// A one-line text input.
pub struct Input {
    pub title: String,
    pub area: TextArea<'static>,
    pub slot: Slot,
    pub hint: String,
    pub error: Option<String>,
}

impl Input {
    pub fn new(title: String, value: &str, hint: String, slot: Slot) -> Input {
        let mut area = TextArea::new(vec![value.to_string()]);
        area.move_cursor(CursorMove::End);
        Input {
            title,
            area,
            slot,
            hint,
            error: None,
        }
    }

    pub fn value(&self) -> String {
        self.area.lines().join(" ")
    }

    /// The text before and after the cursor, for drawing.
    pub fn split(&self) -> (String, String) {
        let v = self.value();
        let col = self.area.cursor().1;
        let before: String = v.chars().take(col).collect();
        let after: String = v.chars().skip(col).collect();
        (before, after)
    }

    pub fn key(&mut self, k: KeyEvent) {
        self.error = None;
        self.area.input(k);
    }

    pub fn clear(&mut self) {
        self.error = None;
        crate::tui::widgets::prompt::clear_line(&mut self.area);
    }
}

pub enum Overlay {
    Pick(Pick),
    Input(Input),
}

impl Overlay {
    pub fn slot(&self) -> &Slot {
        match self {
            Overlay::Pick(p) => &p.slot,
            Overlay::Input(i) => &i.slot,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditorKind {
    Transform,
    Rules,
}

/// An open Transform It or Smart Rules editor on the method at `path` of the grid's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Editor {
    pub kind: EditorKind,
    pub path: Path,
    pub line: usize,
    pub cell: usize,
}

/// The focusable lines of an editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    Source,
    Set,
    OnMiss,
    Step(usize),
    AddStep,
    Rule(usize),
    Cond(usize, usize),
    Default,
}

/// The lines of `kind`'s editor over `m`; empty when `m` is not of that kind any more.
pub fn lines(kind: EditorKind, m: &Method) -> Vec<Line> {
    match (kind, m) {
        (EditorKind::Transform, Method::TransformIt { steps, .. }) => {
            let mut v = vec![Line::Source, Line::Set, Line::OnMiss];
            v.extend((0..steps.len()).map(Line::Step));
            v.push(Line::AddStep);
            v
        }
        (EditorKind::Rules, Method::SmartRules { rules, .. }) => {
            let mut v = Vec::new();
            for (i, r) in rules.iter().enumerate() {
                v.push(Line::Rule(i));
                v.extend((0..r.conditions.len()).map(|j| Line::Cond(i, j)));
            }
            v.push(Line::Default);
            v
        }
        _ => Vec::new(),
    }
}

pub fn cells(line: Line, m: &Method) -> usize {
    match (line, m) {
        (Line::Step(i), Method::TransformIt { steps, .. }) => {
            1 + steps.get(i).map(|s| step_params(s).len()).unwrap_or(0)
        }
        (Line::Rule(_) | Line::Cond(..), _) => 3,
        (Line::Default, _) => 2,
        _ => 1,
    }
}

/// What the user asked for, whether it came as a bound command or a raw key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Up,
    Down,
    Left,
    Right,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Edit,
    Add,
    AddRule,
    Delete,
    MoveUp,
    MoveDown,
    Toggle,
    Back,
    Save,
    /// `/` in a pick list.
    Filter,
    /// Ctrl-u in a pick list's filter or an input.
    ClearLine,
    /// Typing into an open pick list or input.
    Key(KeyEvent),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{Condition, Rule};

    #[test]
    fn paths_reach_nested_rules() {
        let mut m = Method::SmartRules {
            rules: vec![Rule {
                join: Default::default(),
                conditions: vec![Condition::new("Sku", Op::IsBlank, "")],
                then: Box::new(Method::SmartRules {
                    rules: Vec::new(),
                    default: Box::new(Method::match_it("Name")),
                }),
            }],
            default: Box::new(Method::SkipIt),
        };
        let path = [PathStep::Then(0), PathStep::Default];
        assert_eq!(method_at(&m, &path), Some(&Method::match_it("Name")));
        if let Some(x) = method_at_mut(&mut m, &path) {
            *x = Method::SetToEmpty;
        }
        assert_eq!(method_at(&m, &path), Some(&Method::SetToEmpty));
        assert_eq!(method_at(&m, &[PathStep::Then(3)]), None);
        assert_eq!(method_at(&m, &[PathStep::Default, PathStep::Default]), None);
    }

    #[test]
    fn every_step_param_round_trips() {
        for mut step in step_kinds() {
            let params = step_params(&step);
            for (i, prm) in params.iter().enumerate() {
                let v = if prm.kind.is_pick() && prm.raw == text::UNIT_FROM_RECORD {
                    ""
                } else {
                    prm.raw.as_str()
                };
                assert_eq!(set_step_param(&mut step, i, v), Ok(()), "{step:?} {i}");
            }
        }
        let mut s = Step::Add(0.0);
        assert!(set_step_param(&mut s, 0, "abc").is_err());
        let mut r = Step::Round { places: 2 };
        assert!(set_step_param(&mut r, 0, "-1").is_err());
    }

    #[test]
    fn converting_keeps_the_source_and_wraps_rules_around_the_old_method() {
        let old = Method::match_it("Name");
        assert_eq!(source_of(&convert(&old, Kind::Transform)), Some("Name"));
        match convert(&old, Kind::Rules) {
            Method::SmartRules { rules, default } => {
                assert!(rules.is_empty());
                assert_eq!(*default, old);
            }
            other => panic!("{other:?}"),
        }
    }
}
