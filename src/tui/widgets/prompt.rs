//! The one-line text field drawn under a list while the user types a filter or a path.

use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_textarea::TextArea;

use crate::tui::theme::Theme;

/// A one-line text field: the prompt, the text with a bar at the cursor.
pub fn prompt_line<'a>(prompt: &'a str, ta: &TextArea<'_>, t: &Theme) -> Paragraph<'a> {
    let text = ta.lines().first().cloned().unwrap_or_default();
    let col = ta.cursor().1;
    let split = text
        .char_indices()
        .nth(col)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let (before, after) = text.split_at(split);
    Paragraph::new(Line::from(vec![
        Span::styled(prompt, t.accent),
        Span::styled(before.to_string(), t.text),
        Span::styled("▏", t.accent),
        Span::styled(after.to_string(), t.text),
    ]))
}

/// Ctrl-u in a one-line field: the whole line goes.
pub fn clear_line(ta: &mut TextArea<'_>) {
    ta.move_cursor(tui_textarea::CursorMove::End);
    ta.delete_line_by_head();
}
