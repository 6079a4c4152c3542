//! A form of labelled fields, shared by the panes' editors: single-line text fields
//! (tui-textarea, optionally masked) and choices that show every option. Fields belong to
//! sections (a wizard's steps); only the focused field's section is drawn, scrolled so the
//! focused field is visible, and only the visible fields become rows.
//!
//! Keys (the pane forwards what the keymap leaves unbound while the form has focus):
//! Up / Down move between fields, Left / Right / Space change a choice, everything else
//! edits the focused text field. Tab / Shift-Tab arrive as commands and call
//! [`Form::next_field`] / [`Form::prev_field`].

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tui_textarea::TextArea;

use crate::tui::theme::Theme;

mod text {
    pub const FOCUS: &str = "▸ ";
    pub const NO_FOCUS: &str = "  ";
    pub const ON: &str = "● ";
    pub const OFF: &str = "○ ";
    pub const ERROR: &str = "✘ ";
    pub const MASK: char = '•';
    pub const MORE_ABOVE: &str = "  ↑ more above";
    pub const MORE_BELOW: &str = "  ↓ more below";
}

/// One option of a choice field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    /// Shown under the field while this option is selected.
    pub help: Option<&'static str>,
}

impl Choice {
    pub fn new(label: impl Into<String>) -> Choice {
        Choice {
            label: label.into(),
            help: None,
        }
    }

    pub fn with_help(label: impl Into<String>, help: &'static str) -> Choice {
        Choice {
            label: label.into(),
            help: Some(help),
        }
    }
}

pub enum Value {
    Text {
        area: Box<TextArea<'static>>,
        /// Shown (dim) while the field is empty.
        placeholder: &'static str,
    },
    Choice {
        options: Vec<Choice>,
        selected: usize,
    },
}

pub struct Field<I> {
    pub id: I,
    pub section: usize,
    pub label: &'static str,
    /// A dim line under the field (a choice's selected option's help wins).
    pub help: Option<String>,
    pub value: Value,
    pub error: Option<String>,
    /// Changed by the user since the form opened.
    pub touched: bool,
}

fn single_line(initial: &str) -> TextArea<'static> {
    let one: String = initial
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut area = TextArea::new(vec![one]);
    area.move_cursor(tui_textarea::CursorMove::End);
    area.set_cursor_line_style(Style::default());
    area.set_selection_style(Style::default().add_modifier(Modifier::REVERSED));
    area.set_cursor_style(Style::default());
    area
}

impl<I: Copy + PartialEq> Field<I> {
    pub fn text(id: I, section: usize, label: &'static str, initial: &str) -> Field<I> {
        Field {
            id,
            section,
            label,
            help: None,
            value: Value::Text {
                area: Box::new(single_line(initial)),
                placeholder: "",
            },
            error: None,
            touched: false,
        }
    }

    pub fn choice(
        id: I,
        section: usize,
        label: &'static str,
        options: Vec<Choice>,
        selected: usize,
    ) -> Field<I> {
        let selected = selected.min(options.len().saturating_sub(1));
        Field {
            id,
            section,
            label,
            help: None,
            value: Value::Choice { options, selected },
            error: None,
            touched: false,
        }
    }

    /// A yes / no choice (yes first).
    pub fn yes_no(
        id: I,
        section: usize,
        label: &'static str,
        labels: [&'static str; 2],
        value: bool,
    ) -> Field<I> {
        Field::choice(
            id,
            section,
            label,
            vec![Choice::new(labels[0]), Choice::new(labels[1])],
            if value { 0 } else { 1 },
        )
    }

    pub fn placeholder(mut self, p: &'static str) -> Field<I> {
        if let Value::Text { placeholder, .. } = &mut self.value {
            *placeholder = p;
        }
        self
    }

    /// Typed characters are drawn as `•`; the text itself is never drawn.
    pub fn masked(mut self) -> Field<I> {
        if let Value::Text { area, .. } = &mut self.value {
            area.set_mask_char(text::MASK);
        }
        self
    }

    pub fn help(mut self, h: impl Into<String>) -> Field<I> {
        self.help = Some(h.into());
        self
    }

    fn is_choice(&self) -> bool {
        matches!(self.value, Value::Choice { .. })
    }

    fn shown_help(&self) -> Option<&str> {
        if let Value::Choice { options, selected } = &self.value {
            if let Some(h) = options.get(*selected).and_then(|o| o.help) {
                return Some(h);
            }
        }
        self.help.as_deref()
    }
}

/// One drawn row of a form.
enum FormRow<'a> {
    Line {
        label: Option<Line<'a>>,
        value: Line<'a>,
    },
    /// A non-empty text field: tui-textarea draws it (masked, with its cursor).
    Text {
        label: Line<'a>,
        area: &'a TextArea<'static>,
    },
}

/// The form: its fields, which one has focus, and a form-level error line.
pub struct Form<I> {
    fields: Vec<Field<I>>,
    focus: usize,
    /// An error that belongs to no one field.
    pub error: Option<String>,
}

impl<I: Copy + PartialEq> Form<I> {
    pub fn new(fields: Vec<Field<I>>) -> Form<I> {
        let mut f = Form {
            fields,
            focus: 0,
            error: None,
        };
        f.focus(0);
        f
    }

    pub fn fields(&self) -> &[Field<I>] {
        &self.fields
    }

    fn index(&self, id: I) -> Option<usize> {
        self.fields.iter().position(|f| f.id == id)
    }

    pub fn field(&self, id: I) -> Option<&Field<I>> {
        self.fields.iter().find(|f| f.id == id)
    }

    fn field_mut(&mut self, id: I) -> Option<&mut Field<I>> {
        self.fields.iter_mut().find(|f| f.id == id)
    }

    pub fn focused(&self) -> Option<I> {
        self.fields.get(self.focus).map(|f| f.id)
    }

    pub fn focus_index(&self) -> usize {
        self.focus
    }

    /// The section of the focused field.
    pub fn section(&self) -> usize {
        self.fields.get(self.focus).map_or(0, |f| f.section)
    }

    pub fn sections(&self) -> usize {
        self.fields.iter().map(|f| f.section + 1).max().unwrap_or(0)
    }

    /// Moves the focus to field `i` (clamped); the text cursor shows only on the focused field.
    pub fn focus(&mut self, i: usize) {
        if self.fields.is_empty() {
            return;
        }
        let i = i.min(self.fields.len() - 1);
        if let Some(Value::Text { area, .. }) =
            self.fields.get_mut(self.focus).map(|f| &mut f.value)
        {
            area.set_cursor_style(Style::default());
        }
        self.focus = i;
        if let Some(Value::Text { area, .. }) = self.fields.get_mut(i).map(|f| &mut f.value) {
            area.set_cursor_style(Style::default().add_modifier(Modifier::REVERSED));
        }
    }

    pub fn focus_id(&mut self, id: I) {
        if let Some(i) = self.index(id) {
            self.focus(i);
        }
    }

    /// Next field (crossing into the next section). False at the last field.
    pub fn next_field(&mut self) -> bool {
        if self.focus + 1 < self.fields.len() {
            self.focus(self.focus + 1);
            true
        } else {
            false
        }
    }

    /// Previous field. False at the first.
    pub fn prev_field(&mut self) -> bool {
        if self.focus > 0 {
            self.focus(self.focus - 1);
            true
        } else {
            false
        }
    }

    /// Focuses the first field of section `s` (if it has one).
    pub fn go_section(&mut self, s: usize) {
        if let Some(i) = self.fields.iter().position(|f| f.section == s) {
            self.focus(i);
        }
    }

    pub fn is_last_section(&self) -> bool {
        self.section() + 1 >= self.sections()
    }

    pub fn is_last_field(&self) -> bool {
        self.focus + 1 >= self.fields.len()
    }

    /// The text of a text field, trimmed.
    pub fn text(&self, id: I) -> String {
        match self.field(id).map(|f| &f.value) {
            Some(Value::Text { area, .. }) => area.lines().join("").trim().to_string(),
            _ => String::new(),
        }
    }

    /// The text of a text field as typed (for secrets: leading spaces are the user's).
    pub fn raw_text(&self, id: I) -> String {
        match self.field(id).map(|f| &f.value) {
            Some(Value::Text { area, .. }) => area.lines().join(""),
            _ => String::new(),
        }
    }

    pub fn selected(&self, id: I) -> usize {
        match self.field(id).map(|f| &f.value) {
            Some(Value::Choice { selected, .. }) => *selected,
            _ => 0,
        }
    }

    pub fn selected_label(&self, id: I) -> Option<&str> {
        match self.field(id).map(|f| &f.value) {
            Some(Value::Choice { options, selected }) => {
                options.get(*selected).map(|o| o.label.as_str())
            }
            _ => None,
        }
    }

    pub fn set_selected(&mut self, id: I, i: usize) {
        if let Some(Value::Choice { options, selected }) = self.field_mut(id).map(|f| &mut f.value)
        {
            *selected = i.min(options.len().saturating_sub(1));
        }
    }

    /// Replaces a choice's options, keeping the selection on `keep` (a label) when it is
    /// among them, else on the first option.
    pub fn set_options(&mut self, id: I, new: Vec<Choice>, keep: Option<&str>) {
        if let Some(Value::Choice { options, selected }) = self.field_mut(id).map(|f| &mut f.value)
        {
            *selected = keep
                .and_then(|k| new.iter().position(|o| o.label == k))
                .unwrap_or(0);
            *options = new;
        }
    }

    /// Sets a text field's text as if the user typed it (a value picked from a list).
    pub fn set_text(&mut self, id: I, text: &str) {
        if let Some(f) = self.field_mut(id) {
            if let Value::Text { area, .. } = &mut f.value {
                let masked = area.mask_char();
                let mut fresh = single_line(text);
                if let Some(m) = masked {
                    fresh.set_mask_char(m);
                }
                **area = fresh;
                f.touched = true;
                f.error = None;
            }
        }
    }

    pub fn set_help(&mut self, id: I, help: Option<String>) {
        if let Some(f) = self.field_mut(id) {
            f.help = help;
        }
    }

    pub fn touched(&self, id: I) -> bool {
        self.field(id).is_some_and(|f| f.touched)
    }

    /// Whether the user changed anything since the form opened.
    pub fn changed(&self) -> bool {
        self.fields.iter().any(|f| f.touched)
    }

    pub fn set_error(&mut self, id: I, msg: impl Into<String>) {
        if let Some(f) = self.field_mut(id) {
            f.error = Some(msg.into());
        }
    }

    pub fn clear_errors(&mut self) {
        self.error = None;
        for f in &mut self.fields {
            f.error = None;
        }
    }

    pub fn has_errors(&self) -> bool {
        self.error.is_some() || self.fields.iter().any(|f| f.error.is_some())
    }

    pub fn section_has_errors(&self, s: usize) -> bool {
        self.fields
            .iter()
            .any(|f| f.section == s && f.error.is_some())
    }

    /// Focuses the first field with an error. False when there is none.
    pub fn focus_first_error(&mut self) -> bool {
        match self.fields.iter().position(|f| f.error.is_some()) {
            Some(i) => {
                self.focus(i);
                true
            }
            None => false,
        }
    }

    /// Ctrl-u: empties the focused text field. Returns whether it changed.
    pub fn clear_line(&mut self) -> bool {
        let Some(field) = self.fields.get_mut(self.focus) else {
            return false;
        };
        let Value::Text { area, .. } = &mut field.value else {
            return false;
        };
        if area.lines().join("").is_empty() {
            return false;
        }
        super::prompt::clear_line(area);
        field.touched = true;
        field.error = None;
        true
    }

    /// A key the keymap left unbound. Returns whether a value changed.
    pub fn key(&mut self, k: KeyEvent) -> bool {
        match k.code {
            KeyCode::Up => {
                self.prev_field();
                return false;
            }
            KeyCode::Down => {
                self.next_field();
                return false;
            }
            _ => {}
        }
        let Some(field) = self.fields.get_mut(self.focus) else {
            return false;
        };
        let changed = match &mut field.value {
            Value::Choice { options, selected } => {
                let n = options.len();
                if n == 0 {
                    return false;
                }
                let before = *selected;
                match k.code {
                    KeyCode::Left => *selected = (*selected + n - 1) % n,
                    KeyCode::Right | KeyCode::Char(' ') => *selected = (*selected + 1) % n,
                    KeyCode::Home => *selected = 0,
                    KeyCode::End => *selected = n - 1,
                    _ => {}
                }
                *selected != before
            }
            Value::Text { area, .. } => {
                let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
                // One line only: nothing that would insert a line break or a tab.
                match k.code {
                    KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab => return false,
                    KeyCode::Char(c) if c.is_control() => return false,
                    KeyCode::Char('m' | 'j') if ctrl => return false,
                    _ => {}
                }
                let before = area.lines().join("");
                area.input(k);
                if area.lines().len() > 1 {
                    let joined = area.lines().join(" ");
                    let masked = area.mask_char();
                    let mut fresh = single_line(&joined);
                    if let Some(m) = masked {
                        fresh.set_mask_char(m);
                    }
                    fresh.set_cursor_style(Style::default().add_modifier(Modifier::REVERSED));
                    **area = fresh;
                }
                area.lines().join("") != before
            }
        };
        if changed {
            field.touched = true;
            field.error = None;
        }
        changed
    }

    /// The label column's width for a section.
    fn label_width(&self, section: usize) -> u16 {
        let w = self
            .fields
            .iter()
            .filter(|f| f.section == section)
            .map(|f| Span::raw(f.label).width())
            .max()
            .unwrap_or(0);
        (w as u16 + 4).clamp(14, 30)
    }

    /// Lines of a choice's options packed into `width` columns.
    fn option_lines(options: &[Choice], width: usize) -> Vec<Vec<usize>> {
        let mut lines: Vec<Vec<usize>> = Vec::new();
        let mut used = 0;
        for (i, o) in options.iter().enumerate() {
            let w = Span::raw(o.label.as_str()).width() + 2;
            match lines.last_mut() {
                Some(line) if used + 2 + w <= width => {
                    line.push(i);
                    used += 2 + w;
                }
                _ => {
                    lines.push(vec![i]);
                    used = w;
                }
            }
        }
        if lines.is_empty() {
            lines.push(Vec::new());
        }
        lines
    }

    fn height(&self, f: &Field<I>, value_w: usize) -> usize {
        let value = match &f.value {
            Value::Text { .. } => 1,
            Value::Choice { options, .. } => Self::option_lines(options, value_w).len(),
        };
        let help = f.shown_help().map_or(0, |h| wrap(h, value_w).len());
        let err = f
            .error
            .as_deref()
            .map_or(0, |e| wrap(&format!("{}{e}", text::ERROR), value_w).len());
        value + help + err
    }

    /// The rows field `i` draws: its label with the value, then help and error lines.
    fn rows<'a>(&'a self, i: usize, value_w: usize, theme: &Theme) -> Vec<FormRow<'a>> {
        let Some(field) = self.fields.get(i) else {
            return Vec::new();
        };
        let focused = i == self.focus;
        let label = Line::from(vec![
            Span::styled(
                if focused { text::FOCUS } else { text::NO_FOCUS },
                theme.accent,
            ),
            Span::styled(field.label, if focused { theme.accent } else { theme.text }),
        ]);
        let mut rows = Vec::new();
        match &field.value {
            Value::Text { area, .. } if !area.is_empty() => rows.push(FormRow::Text {
                label,
                area: area.as_ref(),
            }),
            Value::Text { placeholder, .. } => {
                let mut spans = Vec::new();
                if focused {
                    spans.push(Span::styled(
                        " ",
                        Style::default().add_modifier(Modifier::REVERSED),
                    ));
                }
                spans.push(Span::styled(*placeholder, theme.dim));
                rows.push(FormRow::Line {
                    label: Some(label),
                    value: Line::from(spans),
                });
            }
            Value::Choice { options, selected } => {
                let mut label = Some(label);
                for line in Self::option_lines(options, value_w) {
                    let mut spans = Vec::new();
                    for (n, oi) in line.iter().enumerate() {
                        if n > 0 {
                            spans.push(Span::raw("  "));
                        }
                        let Some(o) = options.get(*oi) else { continue };
                        let on = *oi == *selected;
                        let st = match (on, focused) {
                            (true, true) => theme.selected,
                            (true, false) => theme.accent,
                            (false, _) => theme.dim,
                        };
                        spans.push(Span::styled(
                            format!("{}{}", if on { text::ON } else { text::OFF }, o.label),
                            st,
                        ));
                    }
                    rows.push(FormRow::Line {
                        label: label.take(),
                        value: Line::from(spans),
                    });
                }
            }
        }
        if let Some(h) = field.shown_help() {
            for l in wrap(h, value_w) {
                rows.push(FormRow::Line {
                    label: None,
                    value: Line::styled(l, theme.dim),
                });
            }
        }
        if let Some(e) = &field.error {
            for l in wrap(&format!("{}{e}", text::ERROR), value_w) {
                rows.push(FormRow::Line {
                    label: None,
                    value: Line::styled(l, theme.error),
                });
            }
        }
        rows
    }

    /// Draws the focused section's fields into `area`, scrolled so the focused field is
    /// visible. Only the rows that fit are built.
    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let section = self.section();
        let label_w = self.label_width(section).min(area.width / 2);
        let value_w = area.width.saturating_sub(label_w).max(1);
        let in_section: Vec<usize> = (0..self.fields.len())
            .filter(|i| self.fields[*i].section == section)
            .collect();
        if in_section.is_empty() {
            return;
        }
        let avail = area.height as usize;
        let focus_pos = in_section
            .iter()
            .position(|i| *i == self.focus)
            .unwrap_or(0);
        // Scroll: the first field such that everything up to the focused one fits, with
        // rows for the "more above" and "more below" marks.
        let heights: Vec<usize> = in_section
            .iter()
            .take(focus_pos + 1)
            .map(|i| self.height(&self.fields[*i], value_w as usize))
            .collect();
        let more_after = usize::from(focus_pos + 1 < in_section.len());
        let need = |first: usize| {
            heights[first..=focus_pos].iter().sum::<usize>() + usize::from(first > 0) + more_after
        };
        let mut first = 0;
        while first < focus_pos && need(first) > avail {
            first += 1;
        }
        let mut rows: Vec<FormRow> = Vec::new();
        if first > 0 {
            rows.push(FormRow::Line {
                label: Some(Line::styled(text::MORE_ABOVE, theme.dim)),
                value: Line::default(),
            });
        }
        let mut more = false;
        for &i in in_section.iter().skip(first) {
            if rows.len() > avail {
                more = true;
                break;
            }
            rows.extend(self.rows(i, value_w as usize, theme));
        }
        if rows.len() > avail {
            more = true;
            rows.truncate(avail.saturating_sub(1));
        }
        if more {
            rows.push(FormRow::Line {
                label: Some(Line::styled(text::MORE_BELOW, theme.dim)),
                value: Line::default(),
            });
        }
        for (n, row) in rows.into_iter().take(avail).enumerate() {
            let y = area.y + n as u16;
            let label_r = Rect::new(area.x, y, label_w, 1);
            let value_r = Rect::new(area.x + label_w, y, value_w, 1);
            match row {
                FormRow::Line { label, value } => {
                    if let Some(l) = label {
                        let r = if value.width() == 0 {
                            Rect::new(area.x, y, area.width, 1)
                        } else {
                            label_r
                        };
                        f.render_widget(Paragraph::new(l), r);
                    }
                    f.render_widget(Paragraph::new(value), value_r);
                }
                FormRow::Text { label, area } => {
                    f.render_widget(Paragraph::new(label), label_r);
                    f.render_widget(area, value_r);
                }
            }
        }
    }

    /// Whether field `id` is a choice (tests, and panes that treat Space specially).
    pub fn is_choice(&self, id: I) -> bool {
        self.field(id).is_some_and(Field::is_choice)
    }
}

/// Greedy word wrap to `width` columns; words longer than a line are cut.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in s.split_whitespace() {
        let w = Span::raw(word).width();
        if used > 0 && used + 1 + w <= width {
            line.push(' ');
            line.push_str(word);
            used += 1 + w;
            continue;
        }
        if used > 0 {
            out.push(std::mem::take(&mut line));
            used = 0;
        }
        if w <= width {
            line.push_str(word);
            used = w;
        } else {
            // Cut a long word into pieces of `width` characters.
            let chars: Vec<char> = word.chars().collect();
            for chunk in chars.chunks(width) {
                let piece: String = chunk.iter().collect();
                if chunk.len() == width {
                    out.push(piece);
                } else {
                    used = Span::raw(piece.as_str()).width();
                    line = piece;
                }
            }
        }
    }
    if used > 0 || out.is_empty() {
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum F {
        A,
        B,
        C,
    }

    fn form() -> Form<F> {
        Form::new(vec![
            Field::text(F::A, 0, "a", "x"),
            Field::choice(
                F::B,
                0,
                "b",
                vec![Choice::new("one"), Choice::new("two")],
                0,
            ),
            Field::text(F::C, 1, "c", "").masked(),
        ])
    }

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn wrap_breaks_words_and_long_words() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefg", 3), vec!["abc", "def", "g"]);
        assert_eq!(wrap("", 3), vec![""]);
        assert_eq!(wrap("abc", 0), vec!["a", "b", "c"]);
    }

    #[test]
    fn keys_edit_text_and_cycle_choices_on_one_line() {
        let mut f = form();
        assert!(f.key(key(KeyCode::Char('y'))));
        assert!(!f.key(key(KeyCode::Enter)));
        assert!(!f.key(KeyEvent::new(KeyCode::Char('m'), KeyModifiers::CONTROL)));
        assert_eq!(f.text(F::A), "xy");
        f.key(key(KeyCode::Down));
        assert_eq!(f.focused(), Some(F::B));
        assert!(f.key(key(KeyCode::Left)));
        assert_eq!(f.selected(F::B), 1);
        assert!(f.key(key(KeyCode::Char(' '))));
        assert_eq!(f.selected_label(F::B), Some("one"));
        assert!(f.touched(F::B) && f.changed());
        assert!(f.next_field());
        assert_eq!(f.section(), 1);
        assert!(!f.next_field());
        assert!(f.is_last_section() && f.is_last_field());
    }

    #[test]
    fn renders_at_any_size_and_never_draws_a_masked_text() {
        let theme =
            Theme::built_in("default", crate::tui::theme::ColorMode::NoColor).expect("theme");
        let mut f = form();
        f.key(key(KeyCode::Down));
        f.key(key(KeyCode::Down));
        for c in "hunter2".chars() {
            f.key(key(KeyCode::Char(c)));
        }
        f.set_error(F::A, "a long error message that wraps over several lines");
        let empty: Form<F> = Form::new(Vec::new());
        for (w, h) in [(0, 0), (1, 1), (3, 2), (20, 3), (80, 10)] {
            let mut term =
                ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("term");
            term.draw(|fr| {
                f.render(fr, fr.area(), &theme);
                empty.render(fr, fr.area(), &theme);
            })
            .expect("draw");
            let shown = format!("{:?}", term.backend().buffer());
            assert!(!shown.contains("hunter"), "{shown}");
        }
    }

    #[test]
    fn options_keep_the_selection_by_label() {
        let mut f = form();
        f.set_selected(F::B, 1);
        f.set_options(
            F::B,
            vec![Choice::new("zero"), Choice::new("two")],
            Some("two"),
        );
        assert_eq!(f.selected(F::B), 1);
        f.set_options(F::B, vec![Choice::new("zero")], Some("gone"));
        assert_eq!(f.selected(F::B), 0);
        f.set_options(F::B, Vec::new(), None);
        assert!(!f.key(key(KeyCode::Right)) || f.focused() != Some(F::B));
    }
}
