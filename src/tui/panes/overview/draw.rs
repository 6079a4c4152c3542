//! Drawing the Overview from its state and the shared job views. Reads, never changes.

use std::time::SystemTime;

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::state::{self, OverviewState};
use super::text;
use crate::engine::{Integration, RateLimitView};
use crate::jobs::runs::RunRecord;
use crate::jobs::Outcome;
use crate::tui::panes::Ui;
use crate::tui::shared::{short_duration, JobView};
use crate::tui::theme::Theme;
use crate::tui::view::pane_block;
use crate::tui::widgets::columns::{clip, fit, sized};
use crate::tui::widgets::progress::{self, Holdup};

const GAP: u16 = 1;

/// Hands out rows from the top of an area.
struct Rows {
    area: Rect,
    y: u16,
}

impl Rows {
    fn take(&mut self, h: u16) -> Rect {
        let bottom = self.area.y + self.area.height;
        let h = h.min(bottom.saturating_sub(self.y));
        let r = Rect {
            x: self.area.x,
            y: self.y,
            width: self.area.width,
            height: h,
        };
        self.y += h;
        r
    }

    fn left(&self) -> u16 {
        (self.area.y + self.area.height).saturating_sub(self.y)
    }
}

pub fn short_label(k: Integration) -> &'static str {
    match k {
        Integration::Primary => "Primary",
        Integration::Secondary => "Secondary",
        Integration::SendFrs => "Send FRs",
    }
}

fn table<'a>(rows: Vec<Row<'a>>, header: &[&'a str], widths: &[u16], t: &Theme) -> Table<'a> {
    // Hidden columns (width 0) are left out entirely, so no stray gap is drawn.
    let keep: Vec<usize> = (0..widths.len()).filter(|&i| widths[i] > 0).collect();
    let header = Row::new(
        keep.iter()
            .map(|&i| Cell::from(clip(header[i], widths[i])))
            .collect::<Vec<_>>(),
    )
    .style(t.title);
    Table::new(rows, keep.iter().map(|&i| Constraint::Length(widths[i])))
        .header(header)
        .column_spacing(GAP)
}

/// Only the shown cells of a row, each clipped to its column.
fn row<'a>(cells: Vec<(String, Style)>, widths: &[u16]) -> Row<'a> {
    Row::new(
        cells
            .into_iter()
            .zip(widths)
            .filter(|(_, w)| **w > 0)
            .map(|((s, st), w)| Cell::from(Span::styled(clip(&s, *w), st)))
            .collect::<Vec<_>>(),
    )
}

fn outcome_style(o: Outcome, t: &Theme) -> Style {
    match o {
        Outcome::Ok => t.ok,
        Outcome::Partial | Outcome::Cancelled | Outcome::Interrupted => t.warn,
        Outcome::Running => t.accent,
        Outcome::Failed => t.error,
    }
}

/// `Ok 14:00 · new 3 upd 2 same 300 skip 0 err 0`, and the reason when not Ok.
fn last_run(r: &RunRecord, k: Integration) -> String {
    let at = r.started_at.get(11..16).unwrap_or(&r.started_at);
    let c = &r.counts;
    let counts = if k == Integration::SendFrs {
        format!(
            "sent {} held {} failed {} info {}",
            c.sent, c.held, c.failed, c.info_required
        )
    } else {
        format!(
            "new {} upd {} same {} skip {} err {}",
            c.new, c.updated, c.unchanged, c.skipped, c.errors
        )
    };
    match r.outcome {
        Outcome::Ok | Outcome::Running => format!("{:?} {at} · {counts}", r.outcome),
        _ => format!("{:?} {at}: {} · {counts}", r.outcome, state::reason(r)),
    }
}

/// The state word and the progress text of a running job.
fn live(j: &JobView, now: SystemTime, width: u16, t: &Theme) -> ((String, Style), (String, Style)) {
    match progress::line(j, now, width) {
        (Holdup::RateLimit, p) => ((text::WAITING.into(), t.warn), (p, t.warn)),
        (Holdup::Retrying, p) => ((text::RETRYING.into(), t.warn), (p, t.warn)),
        (Holdup::None, p) => ((text::RUNNING.into(), t.accent), (p, t.accent)),
    }
}

/// Rows of styled cells, sized to their content, drawn as a table whose columns shrink by
/// rank and whose cells are clipped to their column.
fn draw_table(
    f: &mut Frame,
    area: Rect,
    t: &Theme,
    spec: &[(u16, u16, u8)],
    header: &[&str],
    cells: Vec<Vec<(String, Style)>>,
) {
    let plain: Vec<Vec<String>> = cells
        .iter()
        .map(|r| r.iter().map(|(c, _)| c.clone()).collect())
        .collect();
    let widths = fit(&sized(spec, header, &plain), area.width, GAP);
    let rows = cells.into_iter().map(|r| row(r, &widths)).collect();
    f.render_widget(table(rows, header, &widths, t), area);
}

/// Cells of the progress column get this many cells to lay out a bar in.
const PROGRESS_W: u16 = 52;

fn integrations(s: &OverviewState, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    let now = ui.shared.clock_now();
    let mut cells = Vec::new();
    for src in &ui.shared.sources {
        for k in Integration::ALL {
            let last = s.last.get(&(src.name.clone(), k));
            let running = ui.shared.jobs.get(&(src.id, k)).filter(|j| j.running());
            let (state_cell, progress_cell) = match running {
                Some(j) => live(j, now, PROGRESS_W.min(area.width / 2), t),
                None => {
                    let failed = last.is_some_and(|r| r.outcome == Outcome::Failed);
                    (
                        if failed {
                            (text::FAILED.into(), t.error)
                        } else {
                            (text::IDLE.into(), t.dim)
                        },
                        (text::NO_PROGRESS.into(), t.dim),
                    )
                }
            };
            let last_cell = match last {
                None => (text::NEVER.to_string(), t.dim),
                Some(r) => (last_run(r, k), outcome_style(r.outcome, t)),
            };
            let next_cell = match s.next.get(&(src.name.clone(), k)) {
                Some(at) => (state::utc_and_local(*at, now), t.text),
                None if crate::engine::scheduler::schedule_of(src, k).is_none() => {
                    (text::MANUAL.into(), t.dim)
                }
                None => (text::NO_PROGRESS.into(), t.dim),
            };
            cells.push(vec![
                (src.name.clone(), t.text),
                (short_label(k).into(), t.text),
                state_cell,
                progress_cell,
                last_cell,
                next_cell,
            ]);
        }
    }
    // What is happening and how the last run went stay; names and the next run give way.
    draw_table(
        f,
        area,
        t,
        &[
            (6, 16, 4),
            (9, 9, 3),
            (6, 10, 0),
            (8, PROGRESS_W, 1),
            (16, 72, 2),
            (8, 26, 5),
        ],
        &text::HEADER,
        cells,
    );
}

fn budget(r: &RateLimitView, t: &Theme) -> [(String, Style); 5] {
    let name = (r.connection.clone(), t.text);
    if !r.used {
        return [
            name,
            (text::RATE_UNUSED.into(), t.dim),
            (String::new(), t.dim),
            (String::new(), t.dim),
            (String::new(), t.dim),
        ];
    }
    let budget = match (r.limit, r.remaining) {
        (None, _) => (text::RATE_NO_LIMIT.to_string(), t.dim),
        (Some(l), Some(rem)) => (
            text::budget(rem, l),
            if rem * 10 < l { t.warn } else { t.ok },
        ),
        (Some(l), None) => (format!("? of {l}"), t.dim),
    };
    let fmt = |u: SystemTime| {
        chrono::DateTime::<chrono::Utc>::from(u)
            .format("%H:%M:%S UTC")
            .to_string()
    };
    let resets = match (r.blocked_until, r.resets_at) {
        (Some(b), _) => (format!("held {}", fmt(b)), t.warn),
        (None, Some(at)) => (fmt(at), t.text),
        (None, None) => (String::new(), t.dim),
    };
    let now_count = r.requests.last().copied().unwrap_or(0);
    let requests = (
        format!("{} {now_count}", state::sparkline(&r.requests)),
        t.accent,
    );
    let today = (
        text::today(r.rate_limited_today, r.waits_today),
        if r.rate_limited_today > 0 {
            t.warn
        } else {
            t.dim
        },
    );
    [name, budget, resets, requests, today]
}

fn rates(s: &OverviewState, f: &mut Frame, area: Rect, t: &Theme) {
    let cells = s.rates.iter().map(|r| budget(r, t).to_vec()).collect();
    draw_table(
        f,
        area,
        t,
        &[(8, 16, 0), (10, 20, 1), (8, 14, 2), (8, 18, 3), (10, 22, 4)],
        &text::RATE_HEADER,
        cells,
    );
}

fn fr_line(s: &OverviewState, now: SystemTime, width: u16, t: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{}  ", text::FR_TITLE), t.title)];
    if s.fr_counts.is_empty() {
        spans.push(Span::styled(text::FR_NONE, t.dim));
        return Line::from(spans);
    }
    let counts: Vec<String> = s
        .fr_counts
        .iter()
        .map(|(st, n)| format!("{} {n}", st.label()))
        .collect();
    let mut rest = counts.join(" · ");
    if let Some(age) = s
        .oldest_waiting
        .and_then(|o| now.duration_since(o).ok())
        .map(short_duration)
    {
        rest.push_str(" · ");
        rest.push_str(&text::oldest_waiting(&age));
    }
    let room = width.saturating_sub(text::FR_TITLE.len() as u16 + 2);
    spans.push(Span::styled(clip(&rest, room), t.text));
    Line::from(spans)
}

fn failures(s: &OverviewState, f: &mut Frame, area: Rect, t: &Theme) {
    if area.height == 0 {
        return;
    }
    let mut lines = vec![Line::styled(text::FAIL_TITLE, t.title)];
    if s.failures.is_empty() {
        lines.push(Line::styled(text::FAIL_NONE, t.dim));
    }
    let visible = area.height.saturating_sub(1) as usize;
    let first = s.selected.saturating_sub(visible.saturating_sub(1));
    for (i, r) in s.failures.iter().enumerate().skip(first).take(visible) {
        let kind = r.kind.short_label();
        let at = r
            .ended_at
            .as_deref()
            .unwrap_or(&r.started_at)
            .get(5..16)
            .unwrap_or("")
            .replace('T', " ");
        let head = format!("{at} UTC  {}  {kind}  ", r.source);
        let reason = clip(
            state::reason(r),
            area.width.saturating_sub(head.chars().count() as u16),
        );
        let st = if i == s.selected { t.selected } else { t.text };
        lines.push(Line::from(vec![
            Span::styled(head, st),
            Span::styled(reason, if i == s.selected { st } else { t.error }),
        ]));
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn run_log(s: &OverviewState, f: &mut Frame, area: Rect, t: &Theme) -> bool {
    let Some((run, lines, scroll)) = &s.log else {
        return false;
    };
    let kind = run.kind.label();
    let block = pane_block(text::log_title(run.id, kind, &run.source), t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if lines.is_empty() {
        f.render_widget(Paragraph::new(text::LOG_EMPTY).style(t.dim), inner);
        return true;
    }
    let shown: Vec<Line> = lines
        .iter()
        .skip(*scroll)
        .take(inner.height as usize)
        .map(|l| {
            let (tag, st) = match l.level {
                crate::jobs::events::Level::Info => ("info ", t.text),
                crate::jobs::events::Level::Warn => ("WARN ", t.warn),
                crate::jobs::events::Level::Error => ("ERROR", t.error),
            };
            let at = l.at.get(11..19).unwrap_or(&l.at).to_string();
            let head = format!("{at} {tag} ");
            let body = clip(
                &l.line,
                inner.width.saturating_sub(head.chars().count() as u16),
            );
            Line::from(vec![Span::styled(head, t.dim), Span::styled(body, st)])
        })
        .collect();
    f.render_widget(Paragraph::new(shown), inner);
    true
}

pub fn render(s: &OverviewState, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    if run_log(s, f, area, t) {
        return;
    }
    let block = pane_block(text::TITLE, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let mut rows = Rows {
        area: inner,
        y: inner.y,
    };
    let hint = if ui.shared.sources.is_empty() && s.rates_loaded && s.rates.is_empty() {
        Some(text::START_HERE)
    } else if ui.shared.sources.is_empty() && !s.rates.is_empty() {
        Some(text::ADD_SOURCE)
    } else {
        None
    };
    if let Some(h) = hint {
        let r = rows.take(1);
        f.render_widget(Paragraph::new(clip(h, r.width)).style(t.accent), r);
    }
    let n = ui.shared.sources.len() as u16 * 3;
    if n > 0 {
        // The integrations come first; the sections below get what is left.
        let below = 1 + (1 + s.rates.len() as u16).min(3) + 2 + 2;
        let h = (1 + n).min(rows.left().saturating_sub(below).max(4));
        integrations(s, f, rows.take(h), ui);
        rows.take(1);
    }
    if !s.rates.is_empty() {
        let title = rows.take(1);
        f.render_widget(Paragraph::new(text::RATE_TITLE).style(t.title), title);
        let h = 1 + s.rates.len() as u16;
        rates(s, f, rows.take(h), t);
        rows.take(1);
    }
    let fr = rows.take(1);
    f.render_widget(
        Paragraph::new(fr_line(s, ui.shared.clock_now(), fr.width, t)),
        fr,
    );
    rows.take(1);
    let rest = rows.left();
    failures(s, f, rows.take(rest), t);
}
