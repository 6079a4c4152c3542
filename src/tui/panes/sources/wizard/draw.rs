//! Drawing the wizard: the step's form, its help line and an open pick list.

use super::*;

impl Wizard {
    pub fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let title = match &self.original {
            Some(o) => text::edit_title(&o.name),
            None => text::ADD_TITLE.to_string(),
        };
        let block = pane_block(title, t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        if inner.height < 4 {
            return;
        }
        let [crumbs, heading, intro, _, fields, error, keys] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        let step = self.form.section();
        let n = self.form.sections();
        // The steps, the current one highlighted, those with errors marked; when they do
        // not fit, the others by number only.
        let crumb_line = |names: bool| {
            let mut spans = Vec::new();
            for (i, name) in text::STEPS.iter().enumerate().take(n) {
                if i > 0 {
                    spans.push(Span::styled(text::SEP, t.dim));
                }
                let st = if i == step {
                    t.selected
                } else if i < step {
                    t.text
                } else {
                    t.dim
                };
                let label = if names || i == step {
                    (*name).to_string()
                } else {
                    (i + 1).to_string()
                };
                spans.push(Span::styled(label, st));
                if self.form.section_has_errors(i) {
                    spans.push(Span::styled(text::STEP_ERROR, t.error));
                }
            }
            Line::from(spans)
        };
        let line = crumb_line(true);
        let line = if line.width() > crumbs.width as usize {
            crumb_line(false)
        } else {
            line
        };
        f.render_widget(Paragraph::new(line), crumbs);
        let title = text::STEP_TITLES.get(step).copied().unwrap_or("");
        f.render_widget(
            Paragraph::new(Line::styled(text::step_heading(step, n, title), t.title)),
            heading,
        );
        f.render_widget(
            Paragraph::new(Line::styled(
                text::STEP_INTROS.get(step).copied().unwrap_or(""),
                t.dim,
            )),
            intro,
        );
        self.form.render(f, fields, t);
        if self.saving {
            f.render_widget(Paragraph::new(Line::styled(text::SAVING, t.accent)), error);
        } else if let (Some(_), Some(conn)) =
            (self.loading, self.form.selected_label(W::Connection))
        {
            f.render_widget(
                Paragraph::new(Line::styled(text::loading(conn), t.accent)),
                error,
            );
        } else if let Some(e) = &self.form.error {
            f.render_widget(
                Paragraph::new(Line::styled(format!("{}{e}", text::ERROR_MARK), t.error)),
                error,
            );
        }
        let keys_text = text::keys(ui.keymap, self.form.is_last_section());
        f.render_widget(Paragraph::new(Line::styled(keys_text, t.dim)), keys);
        if let Some((_, p)) = &self.picker {
            p.render(f, area, t, ui.keymap);
        }
    }
}
