//! The FR rows: number, status, customer, items, earliest send, sale and reason, in columns
//! that shrink by priority so a narrow terminal (80×24) keeps the number, the status and
//! the customer whole and text never runs into the next column.

use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

use super::{short_time, text, FrsPane};
use crate::frs::query::customer;
use crate::frs::FrStatus;
use crate::tui::panes::Ui;
use crate::tui::widgets::columns::{clip, fit_filling, sized};

/// (min, max, rank) per column, in `text::HEADER` order; the reason takes the slack.
const COLS: [(u16, u16, u8); 7] = [
    (9, 24, 0),
    (10, 24, 1),
    (8, 24, 3),
    (5, 5, 2),
    (16, 16, 5),
    (7, 12, 6),
    (10, 200, 4),
];
const REASON: usize = 6;
const ITEMS: usize = 3;

impl FrsPane {
    /// Rows `top..top + h` of the visible FRs, with the header, in `list`.
    pub(super) fn render_table(&self, f: &mut Frame, list: Rect, ui: &Ui, top: usize, h: usize) {
        let t = ui.theme;
        let rows: Vec<(Vec<String>, Style, Style)> = self
            .visible
            .iter()
            .enumerate()
            .skip(top)
            .take(h)
            .filter_map(|(pos, i)| self.frs.get(*i).map(|fr| (pos, fr)))
            .map(|(pos, fr)| {
                let status_style = match fr.status {
                    FrStatus::Processed | FrStatus::Acknowledged => t.ok,
                    FrStatus::Failed | FrStatus::AdditionalInfoRequired => t.error,
                    FrStatus::Canceled | FrStatus::DuplicateFrNumber => t.dim,
                    FrStatus::Unprocessed | FrStatus::Processing => t.accent,
                };
                let sale = fr
                    .invoice_number
                    .clone()
                    .or_else(|| fr.sale_id.as_ref().map(|s| s.chars().take(8).collect()))
                    .unwrap_or_default();
                let cells = vec![
                    fr.number.clone(),
                    fr.status.label().to_string(),
                    customer(fr),
                    fr.items.len().to_string(),
                    short_time(&fr.earliest_send),
                    sale,
                    fr.reason.lines().next().unwrap_or("").to_string(),
                ];
                let row = if pos == self.selected {
                    t.selected
                } else {
                    t.text
                };
                (cells, row, status_style)
            })
            .collect();
        let plain: Vec<Vec<String>> = rows.iter().map(|(c, _, _)| c.clone()).collect();
        let widths = fit_filling(
            &sized(&COLS, &text::HEADER, &plain),
            list.width,
            1,
            Some(REASON),
        );
        let shown = |i: usize| widths.get(i).is_some_and(|w| *w > 0);
        let cell = |i: usize, s: &str| {
            let s = clip(s, widths[i]);
            if i == ITEMS {
                Cell::from(Line::from(s).alignment(Alignment::Right))
            } else {
                Cell::from(s)
            }
        };
        let table_rows: Vec<Row> = rows
            .into_iter()
            .map(|(cells, row, status_style)| {
                Row::new(
                    cells
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| shown(*i))
                        .map(|(i, c)| match i {
                            1 => Cell::from(Span::styled(clip(c, widths[i]), status_style)),
                            _ => cell(i, c),
                        })
                        .collect::<Vec<_>>(),
                )
                .style(row)
            })
            .collect();
        let header = Row::new(
            text::HEADER
                .iter()
                .enumerate()
                .filter(|(i, _)| shown(*i))
                .map(|(i, h)| cell(i, h))
                .collect::<Vec<_>>(),
        )
        .style(t.title);
        let table = Table::new(
            table_rows,
            widths
                .iter()
                .filter(|w| **w > 0)
                .map(|w| Constraint::Length(*w)),
        )
        .header(header);
        f.render_widget(table, list);
    }
}
