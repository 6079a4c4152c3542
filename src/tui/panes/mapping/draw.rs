//! Drawing the Mapping pane: the template picker, the grid with its editors and pick lists,
//! and the mapping-set editor. Reads state, never changes it; builds rows only for what is
//! on screen.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line as TextLine, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::edit::{
    cells, lines, method_summary, on_miss_label, quote, source_of, step_params, Editor, EditorKind,
    Input, Kind, Line, Overlay, Pick,
};
use super::grid::Grid;
use super::sets::SetsEditor;
use super::text;
use crate::engine::api::SampleRecord;
use crate::mapping::fields::target_field;
use crate::mapping::{
    op_label, step_label, validate, Integration, Join, MappingSet, Method, Outcome, Template,
};
use crate::source::Source;
use crate::tui::keymap::Keymap;
use crate::tui::panes::Ui;
use crate::tui::theme::Theme;
use crate::tui::view::{centered, pane_block};

/// The cell under the cursor, on top of the selected row's style.
fn cursor_style() -> Style {
    Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}

/// First row to show so that `selected` is visible in `height` rows.
fn window(selected: usize, height: usize, len: usize) -> std::ops::Range<usize> {
    let height = height.max(1);
    let first = selected.saturating_sub(height - 1);
    first..(first + height).min(len)
}

/// What the picker shows for one integration: its template's name and state.
pub struct PickerRow {
    pub integration: Integration,
    pub name: String,
    pub template: Option<Template>,
}

pub fn empty(f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    f.render_widget(
        Paragraph::new(text::EMPTY)
            .style(t.dim)
            .wrap(Wrap { trim: true })
            .block(pane_block(text::TITLE, t)),
        area,
    );
}

pub fn picker(f: &mut Frame, area: Rect, ui: &Ui, pane: &super::MappingPane, source: &Source) {
    let t = ui.theme;
    let rows = pane.picker_rows(source);
    let (selected, sets, loaded) = (pane.picker, pane.sets.as_slice(), pane.loaded);
    let block = pane_block(text::picker_title(&source.name), t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [table_area, help] =
        Layout::vertical([Constraint::Length(6), Constraint::Min(1)]).areas(inner);
    let mut table_rows: Vec<Row> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (state, st) = match (&r.template, loaded) {
                (_, false) => (text::LOADING.to_string(), t.dim),
                (None, true) => (text::NOT_STORED_SHORT.to_string(), t.warn),
                (Some(tp), true) if tp.integration != r.integration => {
                    (text::for_other(tp.integration.label()), t.error)
                }
                (Some(tp), true) => match validate(tp, sets).len() {
                    0 => (text::VALID.to_string(), t.ok),
                    n => (text::picker_problems(n), t.error),
                },
            };
            let count = r
                .template
                .as_ref()
                .map(|tp| tp.fields.len().to_string())
                .unwrap_or_default();
            Row::new(vec![
                Cell::from(if i == selected { "›" } else { " " }),
                Cell::from(r.integration.label()),
                Cell::from(r.name.clone()),
                Cell::from(count),
                Cell::from(Span::styled(state, st)),
            ])
            .style(if i == selected { t.selected } else { t.text })
        })
        .collect();
    let name_w = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(20, 60) as u16;
    let i = rows.len();
    table_rows.push(
        Row::new(vec![
            Cell::from(if i == selected { "›" } else { " " }),
            Cell::from(text::SETS_ROW),
            Cell::from(text::set_count(sets.len())),
            Cell::from(""),
            Cell::from(""),
        ])
        .style(if i == selected { t.selected } else { t.text }),
    );
    f.render_widget(
        Table::new(
            table_rows,
            [
                Constraint::Length(1),
                Constraint::Length(27),
                Constraint::Length(name_w),
                Constraint::Length(5),
                Constraint::Min(12),
            ],
        )
        .header(Row::new(text::PICKER_HEADER.map(Cell::from)).style(t.title)),
        table_area,
    );
    f.render_widget(
        Paragraph::new(
            text::PICKER_HELP
                .map(|l| TextLine::styled(l, t.dim))
                .to_vec(),
        )
        .wrap(Wrap { trim: true }),
        help,
    );
}

fn outcome_text(o: &Outcome) -> (String, bool) {
    match o {
        Outcome::Set(v) if v.is_blank() => (text::PREVIEW_EMPTY.to_string(), true),
        Outcome::Set(v) => (v.as_text().into_owned(), false),
        Outcome::Keep => (text::PREVIEW_KEEP.to_string(), true),
        Outcome::Clear => (text::PREVIEW_CLEAR.to_string(), true),
    }
}

/// The preview cell of row `i`: the text and its style.
fn preview_cell(
    g: &Grid,
    i: usize,
    sample: Option<&Result<SampleRecord, String>>,
    t: &Theme,
) -> (String, Style) {
    if sample.is_none() {
        return (text::PREVIEW_WAIT.to_string(), t.dim);
    }
    match g.preview.get(i) {
        Some(Ok(o)) => {
            let (s, dim) = outcome_text(o);
            (s, if dim { t.dim } else { t.text })
        }
        Some(Err(e)) => (format!("✘ {}", e.reason), t.error),
        None => (String::new(), t.dim),
    }
}

pub fn grid(
    f: &mut Frame,
    area: Rect,
    ui: &Ui,
    g: &Grid,
    sample: Option<&Result<SampleRecord, String>>,
) {
    let t = ui.theme;
    let block = pane_block(
        text::grid_title(
            &g.source,
            g.integration.label(),
            &g.template.name,
            g.dirty(),
        ),
        t,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [info, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(2),
        Constraint::Length(2),
    ])
    .areas(inner);
    let sample_line = match sample {
        None => Span::styled(text::SAMPLE_LOADING.to_string(), t.dim),
        Some(Ok(s)) => Span::styled(text::sample_from(&s.origin), t.dim),
        Some(Err(e)) => Span::styled(text::sample_failed(e), t.warn),
    };
    f.render_widget(
        Paragraph::new(TextLine::from(vec![
            sample_line,
            Span::styled(text::LEGEND, t.dim),
        ])),
        info,
    );
    let n = g.template.fields.len();
    if n == 0 {
        f.render_widget(Paragraph::new(text::no_rows(ui.keymap)).style(t.dim), body);
    } else {
        let height = body.height.saturating_sub(1) as usize;
        let rows: Vec<Row> = window(g.row, height, n)
            .filter_map(|i| g.template.fields.get(i).map(|fm| (i, fm)))
            .map(|(i, fm)| {
                let selected = i == g.row;
                let required = target_field(g.integration, &fm.target).is_some_and(|d| d.required);
                let bad = !g.row_issues(i).is_empty();
                let marker = format!(
                    "{}{}",
                    if selected { "›" } else { " " },
                    if bad { "✘" } else { " " }
                );
                let target = if required {
                    format!("{}{}", fm.target, text::REQUIRED_MARK)
                } else {
                    fm.target.clone()
                };
                let (pv, pv_style) = preview_cell(g, i, sample, t);
                let cell = |c: usize, s: String, st: Style| {
                    let st = if selected && c == g.col {
                        st.patch(cursor_style())
                    } else {
                        st
                    };
                    Cell::from(s).style(st)
                };
                let value_style = match fm.method {
                    Method::SkipIt | Method::SetToEmpty => t.dim,
                    _ => Style::default(),
                };
                Row::new(vec![
                    Cell::from(marker).style(if bad { t.error } else { Style::default() }),
                    cell(0, target, Style::default()),
                    cell(1, fm.method.label().to_string(), Style::default()),
                    cell(2, method_summary(&fm.method), value_style),
                    Cell::from(pv).style(if selected { Style::default() } else { pv_style }),
                ])
                .style(if selected { t.selected } else { t.text })
            })
            .collect();
        let header: Vec<Cell> = text::GRID_HEADER
            .iter()
            .enumerate()
            .map(|(c, h)| {
                if c >= 1 && c - 1 == g.col {
                    Cell::from(format!("▸ {h}"))
                } else {
                    Cell::from(*h)
                }
            })
            .collect();
        // As wide as the longest target (with its " *"), so the values get the rest.
        let target_w = g
            .template
            .fields
            .iter()
            .map(|fm| fm.target.chars().count() + text::REQUIRED_MARK.len())
            .max()
            .unwrap_or(0)
            .clamp(14, 34) as u16;
        f.render_widget(
            Table::new(
                rows,
                [
                    Constraint::Length(2),
                    Constraint::Length(target_w),
                    Constraint::Length(22),
                    Constraint::Fill(3),
                    Constraint::Fill(2),
                ],
            )
            .header(Row::new(header).style(t.title)),
            body,
        );
    }
    footer(f, foot, t, ui.keymap, g);
    if let Some(ed) = g.editors.last() {
        editor(f, area, ui, g, ed, sample);
    }
    match &g.overlay {
        Some(Overlay::Pick(p)) => pick(f, area, t, ui.keymap, p),
        Some(Overlay::Input(i)) => input(f, area, t, ui.keymap, i),
        None => {}
    }
}

fn footer(f: &mut Frame, area: Rect, t: &Theme, keys: &Keymap, g: &Grid) {
    let mut out: Vec<TextLine> = Vec::new();
    let issues = g.row_issues(g.row);
    match (g.template.fields.get(g.row), issues.first()) {
        (Some(fm), Some(first)) => out.push(TextLine::from(vec![Span::styled(
            format!("✘ {}: {first}", fm.target),
            t.error,
        )])),
        (Some(fm), None) => {
            let def = target_field(g.integration, &fm.target);
            out.push(TextLine::styled(
                text::row_detail(
                    &fm.target,
                    def.map(|d| d.kind.label()),
                    def.is_some_and(|d| d.required),
                    fm.method.label(),
                ),
                t.dim,
            ));
        }
        (None, _) => out.push(TextLine::default()),
    }
    let loose = g.loose_issues();
    let status = if let Some(e) = &g.save_error {
        Span::styled(text::not_saved(e), t.error)
    } else if let Some(x) = loose.first() {
        Span::styled(format!("✘ {x}"), t.error)
    } else if let Some(note) = &g.note {
        Span::styled(note.clone(), t.warn)
    } else if g.sending.is_some() {
        Span::styled(text::SAVING, t.accent)
    } else if g.dirty() {
        Span::styled(text::unsaved(keys), t.warn)
    } else if !g.issues.is_empty() {
        Span::styled(text::problems(g.issues.len()), t.error)
    } else {
        Span::styled(text::ALL_SAVED, t.ok)
    };
    out.push(TextLine::from(status));
    f.render_widget(Paragraph::new(out), area);
}

/// The popup area for an editor or a pick list over `area`.
fn popup(area: Rect, w: u16, h: u16) -> Rect {
    centered(
        area,
        w.min(area.width.saturating_sub(4)),
        h.min(area.height.saturating_sub(2)),
    )
}

fn editor(
    f: &mut Frame,
    area: Rect,
    ui: &Ui,
    g: &Grid,
    ed: &Editor,
    sample: Option<&Result<SampleRecord, String>>,
) {
    let t = ui.theme;
    let Some(m) = g.row_method(&ed.path) else {
        return;
    };
    let ls = lines(ed.kind, m);
    let Some(last) = ls.len().checked_sub(1) else {
        return;
    };
    let cur = ed.line.min(last);
    // Lines to draw: (index of the focusable line, its text) plus notes in between.
    let mut drawn: Vec<(Option<usize>, TextLine)> = Vec::new();
    for (i, l) in ls.iter().enumerate() {
        let focus = (i == cur).then(|| ed.cell.min(cells(*l, m).saturating_sub(1)));
        drawn.push((Some(i), editor_line(*l, m, focus, sample, t)));
        if let (Line::Rule(r), Method::SmartRules { rules, .. }) = (l, m) {
            if rules.get(*r).is_some_and(|x| x.conditions.is_empty()) {
                drawn.push((
                    None,
                    TextLine::styled(text::always_applies(ui.keymap), t.dim),
                ));
            }
        }
    }
    if let (EditorKind::Rules, Method::SmartRules { rules, .. }) = (ed.kind, m) {
        if rules.is_empty() {
            drawn.insert(
                0,
                (None, TextLine::styled(text::no_rules(ui.keymap), t.dim)),
            );
        }
    }
    let r = popup(area, 110, drawn.len() as u16 + 7);
    f.render_widget(Clear, r);
    let crumbs = breadcrumbs(g, ed);
    let block = Block::bordered()
        .title(crumbs)
        .border_style(t.border_focused);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [body, _, pv, keys] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(inner);
    let h = body.height as usize;
    let at = drawn.iter().position(|(i, _)| *i == Some(cur)).unwrap_or(0);
    let first = at.saturating_sub(h.saturating_sub(1));
    let shown: Vec<TextLine> = drawn
        .into_iter()
        .skip(first)
        .take(h)
        .map(|(_, l)| l)
        .collect();
    f.render_widget(Paragraph::new(shown), body);
    let (pv_text, pv_style) = preview_cell(g, g.row, sample, t);
    let source_value = match (source_of(m), sample) {
        (Some(s), Some(Ok(smp))) if ed.kind == EditorKind::Transform => {
            Some(quote(&smp.record.text(s), 40))
        }
        _ => None,
    };
    f.render_widget(
        Paragraph::new(TextLine::from(vec![
            Span::styled(text::ROW_PREVIEW, t.title),
            Span::styled(
                source_value.map(|v| format!("{v} → ")).unwrap_or_default(),
                t.dim,
            ),
            Span::styled(pv_text, pv_style),
        ])),
        pv,
    );
    let legend = match ed.kind {
        EditorKind::Transform => text::transform_keys(ui.keymap),
        EditorKind::Rules => text::rules_keys(ui.keymap),
    };
    f.render_widget(
        Paragraph::new(legend)
            .style(t.dim)
            .wrap(Wrap { trim: true }),
        keys,
    );
}

/// "Smart Rules · Customer: Email › rule 1 › Transform It".
fn breadcrumbs(g: &Grid, ed: &Editor) -> String {
    let mut s = format!(
        " {} · {}",
        match ed.kind {
            EditorKind::Transform => Kind::Transform.label(),
            EditorKind::Rules => Kind::Rules.label(),
        },
        g.target().unwrap_or_default()
    );
    for p in &ed.path {
        s.push_str(" › ");
        s.push_str(&match p {
            super::edit::PathStep::Then(i) => text::crumb_rule(i + 1),
            super::edit::PathStep::Default => text::CRUMB_DEFAULT.to_string(),
        });
    }
    s.push(' ');
    s
}

/// Pads `s` to `w` columns (at least one space after it).
fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n + 1 >= w {
        format!("{s} ")
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

fn editor_line<'a>(
    l: Line,
    m: &Method,
    focus: Option<usize>,
    sample: Option<&Result<SampleRecord, String>>,
    t: &Theme,
) -> TextLine<'a> {
    let sel = focus.is_some();
    let mut spans = vec![Span::styled(
        if sel { "› " } else { "  " },
        if sel { t.accent } else { t.text },
    )];
    let cell = |i: usize, s: String, w: usize, base: Style| -> Span<'a> {
        let st = if focus == Some(i) { t.selected } else { base };
        Span::styled(pad(&s, w), st)
    };
    let label = |s: String| Span::styled(pad(&s, 16), t.title);
    match (l, m) {
        (Line::Source, Method::TransformIt { source, .. }) => {
            spans.push(label(text::TF_SOURCE.to_string()));
            let shown = if source.trim().is_empty() {
                text::PICK_A_SOURCE.to_string()
            } else {
                source.clone()
            };
            spans.push(cell(0, shown, 30, t.text));
            if let Some(Ok(smp)) = sample {
                if !source.trim().is_empty() {
                    spans.push(Span::styled(
                        text::in_sample(&quote(&smp.record.text(source), 40)),
                        t.dim,
                    ));
                }
            }
        }
        (Line::Set, Method::TransformIt { mapping_set, .. }) => {
            spans.push(label(text::TF_SET.to_string()));
            spans.push(cell(
                0,
                mapping_set
                    .clone()
                    .unwrap_or_else(|| text::NO_SET.to_string()),
                30,
                t.text,
            ));
        }
        (
            Line::OnMiss,
            Method::TransformIt {
                on_miss,
                mapping_set,
                ..
            },
        ) => {
            spans.push(label(text::TF_ON_MISS.to_string()));
            spans.push(cell(0, on_miss_label(on_miss), 30, t.text));
            if mapping_set.is_none() {
                spans.push(Span::styled(text::ON_MISS_UNUSED, t.dim));
            }
        }
        (Line::Step(i), Method::TransformIt { steps, .. }) => {
            spans.push(label(text::step_no(i + 1)));
            if let Some(s) = steps.get(i) {
                spans.push(cell(0, step_label(s).to_string(), 16, t.text));
                for (j, p) in step_params(s).iter().enumerate() {
                    spans.push(Span::styled(format!("{} ", p.label), t.dim));
                    spans.push(cell(j + 1, p.shown.clone(), 18, t.text));
                }
            }
        }
        (Line::AddStep, _) => {
            spans.push(label(String::new()));
            spans.push(cell(0, text::ADD_STEP.to_string(), 30, t.dim));
        }
        (Line::Rule(i), Method::SmartRules { rules, .. }) => {
            spans.push(label(text::rule_no(i + 1)));
            if let Some(r) = rules.get(i) {
                let join = match r.join {
                    Join::And => text::JOIN_AND,
                    Join::Or => text::JOIN_OR,
                };
                spans.push(cell(0, join.to_string(), 14, t.text));
                spans.push(Span::styled(text::THEN, t.dim));
                spans.push(cell(1, r.then.label().to_string(), 24, t.text));
                spans.push(cell(2, method_summary(&r.then), 36, t.text));
            }
        }
        (Line::Cond(i, j), Method::SmartRules { rules, .. }) => {
            let Some(r) = rules.get(i) else {
                return TextLine::from(spans);
            };
            let word = if j == 0 {
                text::IF
            } else if r.join == Join::And {
                text::AND
            } else {
                text::OR
            };
            spans.push(Span::styled(pad(&format!("  {word}"), 16), t.dim));
            if let Some(c) = r.conditions.get(j) {
                let field = if c.field.trim().is_empty() {
                    text::PICK_A_SOURCE.to_string()
                } else {
                    c.field.clone()
                };
                spans.push(cell(0, field, 32, t.text));
                spans.push(cell(1, op_label(c.op).to_string(), 18, t.text));
                if c.op.takes_value() {
                    spans.push(cell(2, quote(&c.value, 40), 20, t.text));
                } else {
                    spans.push(cell(2, String::new(), 2, t.text));
                }
            }
        }
        (Line::Default, Method::SmartRules { default, .. }) => {
            spans.push(label(text::OTHERWISE.to_string()));
            spans.push(Span::styled(pad("", 14), t.text));
            spans.push(Span::styled(text::THEN, t.dim));
            spans.push(cell(0, default.label().to_string(), 24, t.text));
            spans.push(cell(1, method_summary(default), 36, t.text));
        }
        _ => {}
    }
    TextLine::from(spans)
}

fn pick(f: &mut Frame, area: Rect, t: &Theme, keys: &Keymap, p: &Pick) {
    p.list.render(f, area, t, keys);
}

fn input(f: &mut Frame, area: Rect, t: &Theme, keys: &Keymap, i: &Input) {
    let r = popup(area, 80, 7);
    f.render_widget(Clear, r);
    let block = Block::bordered()
        .title(format!(" {} ", i.title))
        .border_style(t.border_focused);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let (before, after) = i.split();
    let mut out = vec![
        TextLine::from(vec![
            Span::styled(before, t.text),
            Span::styled("▏", t.accent),
            Span::styled(after, t.text),
        ]),
        TextLine::default(),
    ];
    match &i.error {
        Some(e) => out.push(TextLine::styled(format!("✘ {e}"), t.error)),
        None => out.push(TextLine::styled(i.hint.clone(), t.dim)),
    }
    out.push(TextLine::styled(text::input_keys(keys), t.dim));
    f.render_widget(Paragraph::new(out).wrap(Wrap { trim: false }), inner);
}

pub fn sets(f: &mut Frame, area: Rect, ui: &Ui, se: &SetsEditor, saved: &[MappingSet]) {
    let t = ui.theme;
    let block = pane_block(text::sets_title(se.any_dirty(saved)), t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [main, foot] = Layout::vertical([Constraint::Min(2), Constraint::Length(2)]).areas(inner);
    let [left, right] =
        Layout::horizontal([Constraint::Length(36), Constraint::Min(10)]).areas(main);
    let list_h = left.height.saturating_sub(1) as usize;
    let mut names: Vec<TextLine> = vec![TextLine::styled(text::SETS_LIST_HEADER, t.title)];
    if se.drafts.is_empty() {
        names.push(TextLine::styled(text::no_sets(ui.keymap), t.dim));
    }
    names.extend(
        window(se.set, list_h, se.drafts.len())
            .filter_map(|i| se.drafts.get(i).map(|s| (i, s)))
            .map(|(i, s)| {
                let sel = i == se.set;
                let st = if sel && !se.in_rows {
                    t.selected
                } else if sel {
                    t.accent
                } else {
                    t.text
                };
                let mark = if se.is_dirty(i, saved) { " ●" } else { "" };
                TextLine::from(vec![
                    Span::styled(if sel { "› " } else { "  " }, st),
                    Span::styled(format!("{}{mark}", s.name), st),
                    Span::styled(format!("  {}", text::set_rows(s.rows.len())), t.dim),
                ])
            }),
    );
    f.render_widget(Paragraph::new(names), left);
    match se.current() {
        None => {}
        Some(s) if s.rows.is_empty() => {
            f.render_widget(
                Paragraph::new(text::set_empty(&s.name))
                    .style(t.dim)
                    .wrap(Wrap { trim: true }),
                right,
            );
        }
        Some(s) => {
            let h = right.height.saturating_sub(1) as usize;
            let rows: Vec<Row> = window(se.row, h, s.rows.len())
                .filter_map(|i| s.rows.get(i).map(|r| (i, r)))
                .map(|(i, r)| {
                    let sel = se.in_rows && i == se.row;
                    let c = |col: usize, v: &str| {
                        let st = if sel && col == se.col {
                            cursor_style()
                        } else {
                            Style::default()
                        };
                        Cell::from(v.to_string()).style(st)
                    };
                    Row::new(vec![
                        Cell::from(if sel { "›" } else { " " }),
                        c(0, &r.from),
                        Cell::from("→"),
                        c(1, &r.to),
                    ])
                    .style(if sel { t.selected } else { t.text })
                })
                .collect();
            f.render_widget(
                Table::new(
                    rows,
                    [
                        Constraint::Length(1),
                        Constraint::Fill(1),
                        Constraint::Length(1),
                        Constraint::Fill(1),
                    ],
                )
                .header(Row::new(text::SET_ROWS_HEADER.map(Cell::from)).style(t.title)),
                right,
            );
        }
    }
    let status = if let Some(e) = &se.error {
        TextLine::styled(text::not_saved(e), t.error)
    } else if se.sending.is_some() {
        TextLine::styled(text::SAVING, t.accent)
    } else if se.is_dirty(se.set, saved) {
        TextLine::styled(text::set_unsaved(ui.keymap), t.warn)
    } else {
        TextLine::styled(text::SET_SAVED, t.ok)
    };
    f.render_widget(
        Paragraph::new(vec![
            status,
            TextLine::styled(text::sets_keys(ui.keymap), t.dim),
        ]),
        foot,
    );
    if let Some(i) = &se.input {
        input(f, area, t, ui.keymap, i);
    }
}
