//! Mapping: the current source's three templates (Primary, Secondary, Send FRs) and, for
//! the one opened, an editable grid of target field | method | source field or value | live
//! preview on a sample record, with the Transform It and Smart Rules editors, pick lists for
//! methods, fields and operators, validation markers, and save with the engine's errors shown
//! on their rows. Mapping sets have their own editor.
//!
//! Keys of the grid (context `mapping`): ↑↓/j k rows, ←→/h l columns, g G, PgUp PgDn,
//! Enter/e edit the cell, a add a row, d delete the row (asks), Ctrl-s save, Esc back to the
//! templates (asks when unsaved). The Transform It and Smart Rules editors have their own
//! keymap context (`editor`): j k h l g G move, Enter/e edit, a adds (a step, a condition),
//! r adds a rule, d deletes (asks), K / J move the step, condition or rule up / down, o or
//! Space switches a rule between AND and OR, Esc closes. Pick lists are the shared widget
//! (context `pick`, then `text` while its filter line has focus).

mod draw;
mod edit;
mod grid;
mod sets;

use crate::tui::panes::ReplyId;
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::api::SampleRecord;
use crate::engine::{EngineEvent, Request, Response};
use crate::mapping::defaults::{
    PRIMARY_TEMPLATE_NAME, SECONDARY_TEMPLATE_NAME, SEND_FRS_TEMPLATE_NAME,
};
use crate::mapping::{default_template, Integration, MappingSet, Template};
use crate::source::Source;
use crate::tui::command::Command;
use crate::tui::keymap::Context;
use edit::{Act, KeyNames, Overlay};
use grid::{Ask, Grid};
use sets::{SetAsk, SetsEditor};

/// Every user-facing string of the pane.
mod text {
    use crate::mapping::{FieldKind, Op};
    use crate::tui::command::Command;
    use crate::tui::keymap::{Context, Keymap};

    use super::edit::KeyNames;

    use super::edit::ParamKind;

    pub const TITLE: &str = " Mapping ";
    pub const EMPTY: &str = "No source yet. Add one in Sources (1); its three mapping templates, for Get Inventory (Primary), Get Inventory (Secondary) and Send FRs, are reviewed and edited here.";
    pub const LOADING: &str = "loading…";
    pub const NO_SOURCE: &str = "no source selected: pick one in Sources (1)";
    pub const PICKER_HEADER: [&str; 5] = ["", "integration", "template", "rows", "state"];
    pub const SETS_ROW: &str = "Mapping sets";
    pub const PICKER_HELP: [&str; 3] = [
        "Enter opens a template's grid: target field | method | source field or value | live preview on a sample record.",
        "The templates are the source's own (set in Sources); the starter templates are used when none is set.",
        "Mapping sets are the From → To tables Transform It can look values up in.",
    ];
    pub const VALID: &str = "✔ valid";
    pub const NOT_STORED_SHORT: &str = "not stored yet: opens the starter";

    pub fn picker_title(source: &str) -> String {
        format!(" Mapping · {source} ")
    }
    pub fn set_count(n: usize) -> String {
        match n {
            0 => "no sets yet".to_string(),
            1 => "1 set".to_string(),
            n => format!("{n} sets"),
        }
    }
    pub fn for_other(label: &str) -> String {
        format!("✘ a template for {label}")
    }
    pub fn picker_problems(n: usize) -> String {
        if n == 1 {
            "✘ 1 problem".to_string()
        } else {
            format!("✘ {n} problems")
        }
    }
    pub fn problems(n: usize) -> String {
        if n == 1 {
            "✘ 1 problem: the rows marked ✘ say what".to_string()
        } else {
            format!("✘ {n} problems: the rows marked ✘ say what")
        }
    }
    pub fn wrong_integration(name: &str, found: &str, wanted: &str) -> String {
        format!("template \"{name}\" is for {found}, not {wanted}: pick a {wanted} template in Sources (1)")
    }
    pub fn not_stored(name: &str, save: &str) -> String {
        format!("\"{name}\" is not stored yet: this is the starter template; {save} saves it under that name")
    }

    // The grid.
    pub const GRID_HEADER: [&str; 5] = [
        "",
        "target field",
        "method",
        "source field or value",
        "preview",
    ];
    pub const REQUIRED_MARK: &str = " *";
    pub const LEGEND: &str = "   * required   ✘ problem";
    pub const SAMPLE_LOADING: &str = "Sample record: loading…";
    pub fn no_rows(k: &Keymap) -> String {
        format!(
            "No rows yet: {} adds a target field.",
            k.shown(Context::Mapping, Command::New)
        )
    }
    pub const PREVIEW_WAIT: &str = "…";
    pub const PREVIEW_EMPTY: &str = "(empty)";
    pub const PREVIEW_KEEP: &str = "(left as it is)";
    pub const PREVIEW_CLEAR: &str = "(cleared)";
    pub const SAVING: &str = "saving…";
    pub const STILL_SAVING: &str = "still saving the last change";
    pub fn unsaved(k: &Keymap) -> String {
        format!(
            "● unsaved changes: {} saves them; {} asks before leaving",
            k.shown(Context::Mapping, Command::Save),
            k.shown(Context::Mapping, Command::Back)
        )
    }
    pub const QUIT_UNSAVED: &str = "the template grid in Mapping (4)";
    pub const ALL_SAVED: &str = "✔ saved and valid";
    pub const SKIP_SUMMARY: &str = "—";
    pub const EMPTY_SUMMARY: &str = "(cleared on every sync)";

    pub fn grid_title(source: &str, integration: &str, name: &str, dirty: bool) -> String {
        format!(
            " Mapping · {source} · {integration} · {name}{} ",
            if dirty { " ●" } else { "" }
        )
    }
    pub fn sample_from(origin: &str) -> String {
        format!("Sample record: {origin}")
    }
    pub fn sample_failed(why: &str) -> String {
        format!("Sample record: none ({why})")
    }
    pub fn row_detail(target: &str, kind: Option<&str>, required: bool, method: &str) -> String {
        match kind {
            Some(k) => format!(
                "{target}: a {k} field{}, mapped with {method}. Enter edits the cell under the cursor.",
                if required { ", required" } else { "" }
            ),
            None => format!("{target}: not a target field of this integration"),
        }
    }
    /// The engine's refusal without its `template "…" is not valid: ` lead (the title
    /// names the template already).
    pub fn not_saved(e: &str) -> String {
        const MARK: &str = " is not valid: ";
        let body = e.find(MARK).map_or(e, |i| &e[i + MARK.len()..]);
        format!("✘ not saved: {body}")
    }
    pub fn saving(name: &str) -> String {
        format!("saving \"{name}\"…")
    }
    pub fn saved(name: &str) -> String {
        format!("saved \"{name}\"")
    }
    pub fn save_refused(e: &str) -> String {
        format!("not saved, nothing lost: {e}")
    }
    pub fn leave_unsaved(name: &str, k: &KeyNames) -> String {
        format!(
            "\"{name}\" has unsaved changes. Leave the grid and drop them? ({} keeps editing; {} saves)",
            k.no, k.save
        )
    }
    pub fn delete_row(target: &str, save: &str) -> String {
        format!("Delete the row for {target}? It is only gone for good after {save}.")
    }
    pub fn row_deleted(target: &str, save: &str) -> String {
        format!("row {target} deleted ({save} saves)")
    }
    pub fn row_added(target: &str) -> String {
        format!("row {target} added")
    }
    pub const ALL_MAPPED: &str = "every target field of this integration is mapped already";
    pub fn target_detail(kind: FieldKind, required: bool) -> String {
        if required {
            format!("{}, required", kind.label())
        } else {
            kind.label().to_string()
        }
    }

    // Pick lists and inputs.
    pub fn input_keys(k: &Keymap) -> String {
        k.line(
            Context::Text,
            &[
                (&[Command::Select], "ok"),
                (&[Command::ClearLine], "clear"),
                (&[Command::Back], "cancel"),
            ],
        )
    }
    pub const PICK_NEW_TARGET: &str = "Add a row: target field";
    pub fn pick_target(target: &str) -> String {
        format!("Target field instead of {target}")
    }
    pub fn pick_method(target: &str) -> String {
        format!("Method for {target}")
    }
    pub fn pick_source(target: &str) -> String {
        format!("Source field for {target}")
    }
    pub fn value_title(target: &str) -> String {
        format!("Set It: the value of {target}")
    }
    pub fn value_hint(kind: Option<FieldKind>) -> String {
        match kind {
            Some(FieldKind::Number) => "a number, e.g. 12.5".to_string(),
            Some(FieldKind::Boolean) => "true or false (yes / no, 1 / 0)".to_string(),
            Some(FieldKind::List) => "one value (a list of one)".to_string(),
            _ => "any text; leave it empty to write an empty value".to_string(),
        }
    }
    pub const METHOD_DETAIL: [&str; 6] = [
        "directly map a source field",
        "set a fixed value",
        "steps and mapping-set lookups on a source field",
        "conditions decide the value",
        "leave the stored value as it is",
        "clear the field on each sync",
    ];

    // Transform It.
    pub const TF_SOURCE: &str = "Source field";
    pub const TF_SET: &str = "Mapping set";
    pub const TF_ON_MISS: &str = "Not in the set";
    pub const PICK_A_SOURCE: &str = "(pick a source field)";
    pub const ON_MISS_UNUSED: &str = "(used with a mapping set)";
    pub const ADD_STEP: &str = "+ add a step (a)";
    pub const NO_SET: &str = "(none)";
    pub const NO_SET_DETAIL: &str = "no lookup, only the steps";
    pub const PICK_SET: &str = "Mapping set to look the value up in";
    pub const PICK_ON_MISS: &str = "When the value is not in the mapping set";
    pub const ON_MISS: [(&str, &str); 3] = [
        ("keep the value", "pass the original value on"),
        ("use a fallback value", "write a value you type instead"),
        ("empty", "write nothing"),
    ];
    pub const FALLBACK_TITLE: &str = "Fallback value when not in the set";
    pub const FALLBACK_HINT: &str = "written when the mapping set has no row for the value";
    pub const PICK_STEP: &str = "Step";
    pub const STEP_DETAIL: [&str; 18] = [
        "remove surrounding spaces",
        "UPPER CASE",
        "lower case",
        "First Letter Of Each Word",
        "put text before",
        "put text after",
        "replace a text everywhere",
        "replace what a regex matches ($1 for groups)",
        "keep at most N characters",
        "+ a number",
        "− a number",
        "× a number",
        "÷ a number",
        "round half away from zero to N places",
        "round up to a whole number",
        "round down to a whole number",
        "convert between lb, oz, kg, g, ct",
        "convert between in, cm, mm, yd, ft, m",
    ];
    pub const P_TEXT: &str = "text";
    pub const P_FIND: &str = "find";
    pub const P_WITH: &str = "with";
    pub const P_PATTERN: &str = "pattern";
    pub const P_CHARS: &str = "characters";
    pub const P_BY: &str = "by";
    pub const P_PLACES: &str = "places";
    pub const P_FROM: &str = "from";
    pub const P_TO: &str = "to";
    pub const UNIT_FROM_RECORD: &str = "the record's unit";
    pub const UNIT_FROM_WEIGHT_FIELD: &str = "read from the record's Weight Unit";
    pub const UNIT_FROM_LENGTH_FIELD: &str = "read from the record's Dimension Unit";
    pub fn param_title(step: usize, label: &str) -> String {
        format!("Step {step}: {label}")
    }
    pub fn param_hint(kind: ParamKind) -> &'static str {
        match kind {
            ParamKind::Number => "a number, e.g. 1.1",
            ParamKind::Count => "a whole number, 0 or more",
            _ => "text; spaces count",
        }
    }
    pub fn not_a_number(v: &str) -> String {
        format!("\"{v}\" is not a number: type e.g. 1.5 or -2")
    }
    pub fn not_a_count(v: &str) -> String {
        format!("\"{v}\" is not a whole number: type e.g. 2")
    }
    pub fn not_a_unit(v: &str) -> String {
        format!("\"{v}\" is not a unit: pick one from the list")
    }
    pub fn set_summary(name: &str) -> String {
        format!("set \"{name}\"")
    }
    pub fn fallback_label(quoted: &str) -> String {
        format!("use {quoted}")
    }
    pub fn step_no(n: usize) -> String {
        format!("Step {n}")
    }
    pub fn in_sample(v: &str) -> String {
        format!("{v} in the sample")
    }
    pub const ROW_PREVIEW: &str = "Row preview: ";
    pub fn transform_keys(k: &Keymap) -> String {
        k.line(
            Context::Editor,
            &[
                (&[Command::Down, Command::Up], "move"),
                (&[Command::Left, Command::Right], "part"),
                (&[Command::Edit], "edit"),
                (&[Command::New], "add a step"),
                (&[Command::Delete], "delete"),
                (&[Command::MoveUp, Command::MoveDown], "move the step"),
                (&[Command::Back], "done"),
                (&[Command::Save], "saves the template"),
            ],
        )
    }

    // Smart Rules.
    pub fn rules_keys(k: &Keymap) -> String {
        k.line(
            Context::Editor,
            &[
                (&[Command::Down, Command::Up], "move"),
                (&[Command::Left, Command::Right], "part"),
                (&[Command::Edit], "edit"),
                (&[Command::New], "add a condition"),
                (&[Command::AddRule], "add a rule"),
                (&[Command::Toggle], "AND/OR"),
                (&[Command::Delete], "delete"),
                (&[Command::MoveUp, Command::MoveDown], "move"),
                (&[Command::Back], "done"),
            ],
        )
    }
    pub fn no_rules(k: &Keymap) -> String {
        format!(
            "  No rules yet: {} adds one. Until then the default below decides.",
            k.shown(Context::Editor, Command::AddRule)
        )
    }
    pub fn always_applies(k: &Keymap) -> String {
        format!(
            "      (no conditions: always applies; {} adds one)",
            k.shown(Context::Editor, Command::New)
        )
    }
    pub const JOIN_AND: &str = "all of (AND)";
    pub const JOIN_OR: &str = "any of (OR)";
    pub const THEN: &str = "then ";
    pub const IF: &str = "if";
    pub const AND: &str = "and";
    pub const OR: &str = "or";
    pub const OTHERWISE: &str = "Otherwise";
    pub const CRUMB_DEFAULT: &str = "otherwise";
    pub const PICK_COND_FIELD: &str = "Condition: source field";
    pub const PICK_OP: &str = "Condition: operator";
    pub const COND_VALUE_TITLE: &str = "Condition: value to compare with";
    pub const NO_VALUE_NEEDED: &str = "this operator compares with no value";
    pub const NOTHING_TO_DELETE: &str = "nothing to delete on this line";
    pub const OP_DETAIL: [&str; 14] = [
        "same text (any case) or same number",
        "not the same",
        "has the text anywhere",
        "does not have the text",
        "begins with",
        "ends with",
        "empty or only spaces",
        "has a value",
        "number >",
        "number ≥",
        "number <",
        "number ≤",
        "one of a comma-separated list",
        "a regular expression matches (any case)",
    ];
    pub fn cond_value_hint(op: Op) -> &'static str {
        match op {
            Op::InList => "values separated by commas, e.g. red, blue",
            Op::MatchesRegex => "a regular expression, e.g. ^HP-",
            o if o.is_numeric() => "a number",
            _ => "text; case is ignored",
        }
    }
    pub fn rules_summary(n: usize, default_method: &str, default_value: &str) -> String {
        let rules = if n == 1 {
            "1 rule".to_string()
        } else {
            format!("{n} rules")
        };
        format!("{rules}, else {default_method} {default_value}")
    }
    pub fn rule_no(n: usize) -> String {
        format!("Rule {n}")
    }
    pub fn crumb_rule(n: usize) -> String {
        format!("rule {n}")
    }
    pub fn delete_step(n: usize, label: &str) -> String {
        format!("Delete step {n} ({label})?")
    }
    pub fn delete_cond(n: usize, rule: usize) -> String {
        format!("Delete condition {n} of rule {rule}?")
    }
    pub fn delete_rule(n: usize) -> String {
        format!("Delete rule {n} and its conditions?")
    }
    // Mapping sets.
    pub const SETS_LIST_HEADER: &str = "  set";
    pub fn no_sets(k: &Keymap) -> String {
        format!(
            "  No sets yet: {} creates one.",
            k.shown(Context::Mapping, Command::New)
        )
    }
    pub const SET_ROWS_HEADER: [&str; 4] = ["", "convert from value", "", "to value"];
    pub fn set_unsaved(k: &Keymap) -> String {
        format!(
            "● unsaved: {} saves this set",
            k.shown(Context::Mapping, Command::Save)
        )
    }
    pub const SET_SAVED: &str = "✔ saved";
    pub fn sets_keys(k: &Keymap) -> String {
        k.line(
            Context::Mapping,
            &[
                (&[Command::New], "new set / row"),
                (&[Command::Edit], "edit"),
                (&[Command::Left, Command::Right], "list / rows"),
                (&[Command::Delete], "delete row"),
                (&[Command::Save], "save the set"),
                (&[Command::Back], "back"),
            ],
        )
    }
    pub fn sets_leave_unsaved(k: &KeyNames) -> String {
        format!(
            "Some mapping sets have unsaved changes. Leave and drop them? ({} keeps editing; {} saves the selected set)",
            k.no, k.save
        )
    }
    pub const SET_NO_DELETE: &str =
        "a mapping set cannot be removed here; remove its rows or stop using it";
    pub const NEW_SET_TITLE: &str = "New mapping set: name";
    pub const NEW_SET_HINT: &str = "e.g. Colors; Transform It rows pick sets by this name";
    pub const SET_FROM_TITLE: &str = "Convert from value";
    pub const SET_FROM_HINT: &str = "the incoming value; case and surrounding spaces are ignored";
    pub const SET_TO_HINT: &str = "what to write instead";
    pub const SET_NAME_BLANK: &str = "the set needs a name";
    pub fn sets_title(dirty: bool) -> String {
        format!(" Mapping sets{} ", if dirty { " ●" } else { "" })
    }
    pub fn set_rows(n: usize) -> String {
        if n == 1 {
            "1 row".to_string()
        } else {
            format!("{n} rows")
        }
    }
    pub fn set_empty(name: &str) -> String {
        format!("\"{name}\" has no rows yet: → then a adds one (From → To).")
    }
    pub fn set_to_title(from: &str) -> String {
        format!("To value for \"{from}\"")
    }
    pub fn set_name_taken(name: &str) -> String {
        format!("a set named \"{name}\" exists already: pick it in the list")
    }
    pub fn delete_set_row(from: &str, save: &str) -> String {
        format!("Delete the row for \"{from}\"? (gone for good after {save})")
    }
    pub fn set_row_deleted(from: &str, save: &str) -> String {
        format!("row \"{from}\" deleted ({save} saves)")
    }
    pub fn set_saved(name: &str) -> String {
        format!("saved mapping set \"{name}\"")
    }
}

crate::tui::panes::reply_ids! {
    /// What a reply answers.
    enum Reply {
        Templates = 1,
        Sets = 2,
        Save = 3,
        SaveSet = 4,
        SamplePrimary = 10,
        SampleSecondary = 11,
        SampleSendFrs = 12,
    }
}

impl Reply {
    /// The sample request of `Integration::ALL[i]`.
    fn sample(i: usize) -> Reply {
        match i {
            0 => Reply::SamplePrimary,
            1 => Reply::SampleSecondary,
            _ => Reply::SampleSendFrs,
        }
    }

    /// Which `Integration::ALL` index a sample reply is for.
    fn sample_index(self) -> Option<usize> {
        match self {
            Reply::SamplePrimary => Some(0),
            Reply::SampleSecondary => Some(1),
            Reply::SampleSendFrs => Some(2),
            _ => None,
        }
    }
}

const CONFIRM_GRID: u32 = 1;
const CONFIRM_SETS: u32 = 2;

/// The picker's rows: the three integrations, then the mapping sets.
const PICKER_ROWS: usize = 4;

type Sample = Result<SampleRecord, String>;

#[derive(Default)]
pub struct MappingPane {
    templates: Vec<Template>,
    sets: Vec<MappingSet>,
    loaded: bool,
    picker: usize,
    grid: Option<Grid>,
    sets_editor: Option<SetsEditor>,
    /// By (source, integration).
    samples: Vec<(String, Integration, Sample)>,
    /// The source each integration's sample was asked for.
    asked: [Option<String>; 3],
}

/// The template a source uses for `i`: its own, else the starter's name.
fn template_name(s: &Source, i: Integration) -> String {
    let (set, default) = match i {
        Integration::Primary => (&s.primary.template, PRIMARY_TEMPLATE_NAME),
        Integration::Secondary => (&s.secondary.template, SECONDARY_TEMPLATE_NAME),
        Integration::SendFrs => (&s.send_frs.template, SEND_FRS_TEMPLATE_NAME),
    };
    set.clone().unwrap_or_else(|| default.to_string())
}

fn integration_index(i: Integration) -> usize {
    Integration::ALL.iter().position(|x| *x == i).unwrap_or(0)
}

/// Commands as the grid and editors understand them.
fn act_of(cmd: Command) -> Option<Act> {
    Some(match cmd {
        Command::Up => Act::Up,
        Command::Down => Act::Down,
        Command::Left => Act::Left,
        Command::Right => Act::Right,
        Command::Top => Act::Top,
        Command::Bottom => Act::Bottom,
        Command::PageUp => Act::PageUp,
        Command::PageDown => Act::PageDown,
        Command::Select | Command::Edit => Act::Edit,
        Command::New => Act::Add,
        Command::Delete => Act::Delete,
        Command::Save => Act::Save,
        Command::Back => Act::Back,
        Command::AddRule => Act::AddRule,
        Command::MoveUp => Act::MoveUp,
        Command::MoveDown => Act::MoveDown,
        Command::Toggle => Act::Toggle,
        Command::Filter => Act::Filter,
        Command::ClearLine => Act::ClearLine,
        _ => return None,
    })
}

impl MappingPane {
    fn sample(&self, source: &str, i: Integration) -> Option<&Sample> {
        self.samples
            .iter()
            .find(|(s, x, _)| s == source && *x == i)
            .map(|(_, _, r)| r)
    }

    fn ask_sample(&mut self, source: &str, i: Integration, ctx: &mut Ctx) {
        let k = integration_index(i);
        if let Some(slot) = self.asked.get_mut(k) {
            *slot = Some(source.to_string());
        }
        ctx.call(
            Reply::sample(k),
            Request::SampleRecord {
                source: source.to_string(),
                integration: i,
            },
        );
    }

    fn reload(&mut self, ctx: &mut Ctx) {
        ctx.call(Reply::Templates, Request::ListTemplates);
        ctx.call(Reply::Sets, Request::ListMappingSets);
    }

    /// Validation and preview of the open grid, when its template or inputs changed.
    fn recompute(&mut self) {
        let Some(g) = &mut self.grid else {
            return;
        };
        if !g.touched {
            return;
        }
        let sample = self
            .samples
            .iter()
            .find(|(s, i, _)| *s == g.source && *i == g.integration)
            .and_then(|(_, _, r)| r.as_ref().ok())
            .map(|s| &s.record);
        g.recompute(&self.sets, sample);
    }

    fn open(&mut self, ctx: &mut Ctx) {
        let Some(src) = ctx.shared.current_source().cloned() else {
            ctx.info(text::NO_SOURCE);
            return;
        };
        let Some(&integration) = Integration::ALL.get(self.picker) else {
            self.sets_editor = Some(SetsEditor::new(&self.sets));
            return;
        };
        if !self.loaded {
            ctx.info(text::LOADING);
            return;
        }
        let name = template_name(&src, integration);
        let (template, saved, note) = match self.templates.iter().find(|t| t.name == name) {
            Some(t) if t.integration != integration => {
                ctx.error(text::wrong_integration(
                    &t.name,
                    t.integration.label(),
                    integration.label(),
                ));
                return;
            }
            Some(t) => (t.clone(), Some(t.clone()), None),
            None => {
                let mut t = default_template(integration);
                t.name = name.clone();
                (
                    t,
                    None,
                    Some(text::not_stored(&name, &ctx.key(Command::Save))),
                )
            }
        };
        self.grid = Some(Grid::new(src.name.clone(), template, saved, note));
        if self.sample(&src.name, integration).is_none() {
            self.ask_sample(&src.name, integration, ctx);
        }
        self.recompute();
    }

    fn after_grid(&mut self, ask: Ask, ctx: &mut Ctx) {
        match ask {
            Ask::Nothing => {}
            Ask::Save => self.save(ctx),
            Ask::Confirm(prompt) => ctx.confirm(CONFIRM_GRID, prompt),
            Ask::Leave => self.grid = None,
            Ask::Info(m) => ctx.info(m),
        }
        if let Some(g) = &mut self.grid {
            if g.touched {
                g.engine_issues.clear();
            }
        }
        self.recompute();
    }

    fn after_sets(&mut self, ask: SetAsk, ctx: &mut Ctx) {
        match ask {
            SetAsk::Grid(Ask::Confirm(prompt)) => ctx.confirm(CONFIRM_SETS, prompt),
            SetAsk::Grid(Ask::Leave) => self.sets_editor = None,
            SetAsk::Grid(Ask::Info(m)) => ctx.info(m),
            SetAsk::Grid(_) => {}
            SetAsk::Save(set) => {
                if let Some(se) = &mut self.sets_editor {
                    se.sending = Some(set.clone());
                    se.error = None;
                }
                ctx.call(Reply::SaveSet, Request::SaveMappingSet { set });
            }
        }
    }

    fn save(&mut self, ctx: &mut Ctx) {
        let Some(g) = &mut self.grid else {
            return;
        };
        if g.sending.is_some() {
            ctx.info(text::STILL_SAVING);
            return;
        }
        g.sending = Some(g.template.clone());
        ctx.info(text::saving(&g.template.name));
        ctx.call(
            Reply::Save,
            Request::SaveTemplate {
                template: g.template.clone(),
            },
        );
    }

    fn picker_rows(&self, s: &Source) -> Vec<draw::PickerRow> {
        Integration::ALL
            .iter()
            .map(|&i| {
                let name = template_name(s, i);
                let template = self.templates.iter().find(|t| t.name == name).cloned();
                draw::PickerRow {
                    integration: i,
                    name,
                    template,
                }
            })
            .collect()
    }
}

impl Pane for MappingPane {
    fn unsaved(&self) -> Option<&'static str> {
        self.grid
            .as_ref()
            .is_some_and(|g| g.dirty())
            .then_some(text::QUIT_UNSAVED)
    }

    fn id(&self) -> PaneId {
        PaneId::Mapping
    }

    fn context(&self) -> Context {
        if let Some(se) = &self.sets_editor {
            return if se.input.is_some() {
                Context::Text
            } else {
                Context::Mapping
            };
        }
        match &self.grid {
            Some(g) => match &g.overlay {
                Some(Overlay::Pick(p)) => p.context(),
                Some(Overlay::Input(_)) => Context::Text,
                None if !g.editors.is_empty() => Context::Editor,
                None => Context::Mapping,
            },
            None => Context::Mapping,
        }
    }

    /// Reloads templates and sets and asks for a fresh sample; an open grid keeps its edits.
    fn refresh(&mut self, ctx: &mut Ctx) {
        ctx.call_for(
            PaneId::Sources,
            crate::tui::panes::sources::Reply::List,
            Request::ListSources,
        );
        self.reload(ctx);
        self.samples.clear();
        if let Some((source, i)) = self
            .grid
            .as_ref()
            .map(|g| (g.source.clone(), g.integration))
        {
            self.ask_sample(&source, i, ctx);
        }
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        let Some(act) = act_of(cmd) else {
            return false;
        };
        if let Some(se) = &mut self.sets_editor {
            se.keys = KeyNames::of(ctx.keys);
            let ask = se.act(act, &self.sets);
            self.after_sets(ask, ctx);
            return true;
        }
        if let Some(g) = &mut self.grid {
            g.keys = KeyNames::of(ctx.keys);
            let ask = g.act(act, &self.sets);
            self.after_grid(ask, ctx);
            return true;
        }
        match act {
            Act::Up => self.picker = self.picker.saturating_sub(1),
            Act::Down => self.picker = (self.picker + 1).min(PICKER_ROWS - 1),
            Act::Top => self.picker = 0,
            Act::Bottom => self.picker = PICKER_ROWS - 1,
            Act::Edit => self.open(ctx),
            _ => return false,
        }
        true
    }

    fn text_key(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        if let Some(se) = &mut self.sets_editor {
            if se.input.is_some() {
                let ask = se.act(Act::Key(key), &self.sets);
                self.after_sets(ask, ctx);
            }
            return;
        }
        let Some(g) = &mut self.grid else {
            return;
        };
        // The editors' keys are bound in the `editor` context; only an open pick list or
        // input takes typing.
        if g.overlay.is_none() {
            return;
        }
        let ask = g.act(Act::Key(key), &self.sets);
        self.after_grid(ask, ctx);
    }

    fn confirmed(&mut self, token: u32, ctx: &mut Ctx) {
        match token {
            CONFIRM_GRID => {
                if let Some(g) = &mut self.grid {
                    let ask = g.confirmed();
                    self.after_grid(ask, ctx);
                }
            }
            CONFIRM_SETS => {
                if let Some(se) = &mut self.sets_editor {
                    let ask = se.confirmed();
                    self.after_sets(ask, ctx);
                }
            }
            _ => {}
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        let Some(what) = Reply::from_id(what) else {
            return;
        };
        match (what, response) {
            (Reply::Templates, Response::Templates(list)) => {
                self.templates = list;
                self.loaded = true;
                // A grid without local changes follows the store.
                if let Some(g) = &mut self.grid {
                    if !g.dirty() && g.sending.is_none() {
                        if let Some(t) = self.templates.iter().find(|t| t.name == g.template.name) {
                            if Some(t) != g.saved.as_ref() && t.integration == g.integration {
                                g.template = t.clone();
                                g.saved = Some(t.clone());
                                g.row = g.row.min(g.template.fields.len().saturating_sub(1));
                                g.touched = true;
                            }
                        }
                    }
                }
            }
            (Reply::Sets, Response::MappingSets(list)) => {
                if let Some(se) = &mut self.sets_editor {
                    se.merge(&self.sets, &list);
                }
                self.sets = list;
                if let Some(g) = &mut self.grid {
                    g.touched = true;
                }
            }
            (Reply::Save, Response::Done) => {
                if let Some(g) = &mut self.grid {
                    g.save_done();
                    ctx.info(text::saved(&g.template.name));
                }
                ctx.call(Reply::Templates, Request::ListTemplates);
            }
            (Reply::Save, Response::Error(e)) => {
                if let Some(g) = &mut self.grid {
                    g.save_failed(&e);
                }
                ctx.error_shown(text::save_refused(&e.to_string()));
            }
            (Reply::SaveSet, Response::Done) => {
                if let Some(se) = &mut self.sets_editor {
                    if let Some(s) = se.sending.take() {
                        ctx.info(text::set_saved(&s.name));
                    }
                }
                ctx.call(Reply::Sets, Request::ListMappingSets);
            }
            (Reply::SaveSet, Response::Error(e)) => {
                if let Some(se) = &mut self.sets_editor {
                    se.sending = None;
                    se.error = Some(e.to_string());
                }
                ctx.error_shown(e.to_string());
            }
            (w, r) if w.sample_index().is_some() => {
                let k = w.sample_index().unwrap_or_default();
                let (Some(&integration), Some(Some(source))) =
                    (Integration::ALL.get(k), self.asked.get(k).cloned())
                else {
                    return;
                };
                let sample = match r {
                    Response::Record(s) => Ok(s),
                    Response::Error(e) => Err(e.to_string()),
                    _ => return,
                };
                self.samples
                    .retain(|(s, i, _)| !(*s == source && *i == integration));
                self.samples.push((source.clone(), integration, sample));
                if let Some(g) = &mut self.grid {
                    if g.source == source && g.integration == integration {
                        g.touched = true;
                    }
                }
            }
            (_, Response::Error(e)) => ctx.error(e.to_string()),
            _ => {}
        }
        self.recompute();
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        if let EngineEvent::DataChanged { .. } = event {
            self.reload(ctx);
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        if let Some(se) = &self.sets_editor {
            draw::sets(f, area, ui, se, &self.sets);
            return;
        }
        if let Some(g) = &self.grid {
            draw::grid(f, area, ui, g, self.sample(&g.source, g.integration));
            return;
        }
        match ui.shared.current_source() {
            None => draw::empty(f, area, ui),
            Some(s) => draw::picker(f, area, ui, self, s),
        }
    }
}
