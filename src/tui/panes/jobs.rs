//! Jobs: every integration of every source with its schedule, last run (outcome, counts,
//! duration), next run, and — while running — progress and the rate-limit wait. Run now,
//! dry run and cancel act on the selected row.

use crate::tui::panes::ReplyId;
use std::collections::BTreeMap;

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{EngineEvent, Integration, Request, Response};
use crate::jobs::runs::RunRecord;
use crate::source::Schedule;
use crate::tui::command::Command;
use crate::tui::view::pane_block;
use crate::tui::widgets::columns::{clip, fit, sized};

/// The progress text is laid out for this many cells (the column may clip it).
const PROGRESS_W: u16 = 46;
use crate::tui::widgets::progress::{self, Holdup};

mod text {
    pub const TITLE: &str = " Jobs ";
    pub const EMPTY: &str = "No sources yet. Add one in Sources (1), then run its jobs here.";
    pub const HEADER: [&str; 5] = ["source", "job", "schedule", "last run (UTC)", "now"];
    pub const IDLE: &str = "idle";
    pub const NEVER: &str = "never run";
    pub const MANUAL: &str = "manual";
    pub const NO_ROW: &str = "no job selected";
    pub fn cancel_prompt(label: &str, source: &str) -> String {
        format!("Cancel {label} for {source}? It stops at its next page; the next run resumes from there.")
    }
    pub fn not_running(label: &str, source: &str) -> String {
        format!("{label} for {source} is not running; nothing to cancel")
    }
    pub const NO_SCHEDULE: &str =
        "runs only when started (set a schedule in the source's settings)";
}

super::reply_ids! {
    /// What a reply answers.
    enum Reply {
    Runs = 1,
    Start = 2,
    Cancel = 3,
    Schedules = 4,
    }
}
const CONFIRM_CANCEL: u32 = 1;

#[derive(Default)]
pub struct JobsPane {
    selected: usize,
    /// Newest run per (source name, kind).
    last: BTreeMap<(String, Integration), RunRecord>,
    /// Next scheduled run per (source name, kind).
    next: BTreeMap<(String, Integration), std::time::SystemTime>,
    error: Option<String>,
    /// The job a pending cancel question is about.
    cancel: Option<(String, Integration)>,
}

fn schedule_text(s: Option<&Schedule>) -> String {
    match s {
        None => text::MANUAL.to_string(),
        Some(Schedule::EveryMinutes(m)) if m % 60 == 0 => format!("every {}h", m / 60),
        Some(Schedule::EveryMinutes(m)) => format!("every {m}m"),
        Some(Schedule::Cron(c)) => format!("cron {c}"),
    }
}

fn duration(r: &RunRecord) -> String {
    let (Some(a), Some(b)) = (
        crate::frs::model::parse_time(&r.started_at),
        r.ended_at
            .as_deref()
            .and_then(crate::frs::model::parse_time),
    ) else {
        return String::new();
    };
    let s = b.duration_since(a).map(|d| d.as_secs()).unwrap_or(0);
    if s >= 60 {
        format!(" {}m{:02}s", s / 60, s % 60)
    } else {
        format!(" {s}s")
    }
}

impl JobsPane {
    fn rows<'a>(
        &self,
        ui_sources: &'a [crate::source::Source],
    ) -> Vec<(&'a crate::source::Source, Integration)> {
        ui_sources
            .iter()
            .flat_map(|s| Integration::ALL.into_iter().map(move |k| (s, k)))
            .collect()
    }

    fn selected_row(&self, ctx: &Ctx) -> Option<(String, Integration)> {
        let rows = self.rows(&ctx.shared.sources);
        rows.get(self.selected).map(|(s, k)| (s.name.clone(), *k))
    }
}

impl Pane for JobsPane {
    fn id(&self) -> PaneId {
        PaneId::Jobs
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        ctx.call_for(
            PaneId::Sources,
            super::sources::Reply::List,
            Request::ListSources,
        );
        ctx.call(
            Reply::Runs,
            Request::Runs {
                source: None,
                limit: 500,
            },
        );
        ctx.call(Reply::Schedules, Request::Schedules);
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        let n = ctx.shared.sources.len() * 3;
        match cmd {
            Command::Up => self.selected = self.selected.saturating_sub(1),
            Command::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Command::Top => self.selected = 0,
            Command::Bottom => self.selected = n.saturating_sub(1),
            Command::RunNow | Command::DryRun => {
                let Some((source, kind)) = self.selected_row(ctx) else {
                    ctx.error(text::NO_ROW);
                    return true;
                };
                ctx.shared.ask_to_run(&source, kind);
                ctx.call(
                    Reply::Start,
                    Request::StartJob {
                        source: source.clone(),
                        kind,
                        dry_run: cmd == Command::DryRun,
                        confirm_archive: false,
                    },
                );
                ctx.info(format!(
                    "starting {}{} for {source}",
                    kind.label(),
                    if cmd == Command::DryRun {
                        " (dry run)"
                    } else {
                        ""
                    }
                ));
            }
            Command::Cancel => {
                let Some((source, kind)) = self.selected_row(ctx) else {
                    ctx.error(text::NO_ROW);
                    return true;
                };
                let running = ctx
                    .shared
                    .jobs
                    .values()
                    .any(|j| j.source == source && j.kind == kind && j.running());
                if running {
                    ctx.confirm(CONFIRM_CANCEL, text::cancel_prompt(kind.label(), &source));
                    self.cancel = Some((source, kind));
                } else {
                    ctx.info(text::not_running(kind.label(), &source));
                }
            }
            _ => return false,
        }
        true
    }

    fn confirmed(&mut self, token: u32, ctx: &mut Ctx) {
        if token == CONFIRM_CANCEL {
            if let Some((source, kind)) = self.cancel.take() {
                ctx.call(Reply::Cancel, Request::CancelJob { source, kind });
            }
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        let Some(what) = Reply::from_id(what) else {
            return;
        };
        match (what, response) {
            (Reply::Runs, Response::Runs(runs)) => {
                self.last.clear();
                // Newest first: keep the first seen per integration.
                for r in runs {
                    self.last.entry((r.source.clone(), r.kind)).or_insert(r);
                }
                self.error = None;
            }
            (Reply::Schedules, Response::Schedules(list)) => {
                self.next = list
                    .into_iter()
                    .map(|n| ((n.source, n.kind), n.at))
                    .collect();
            }
            (_, Response::Error(e)) => {
                self.error = Some(e.to_string());
                ctx.error(e.to_string());
            }
            (_, Response::Message(m)) => ctx.info(m),
            _ => {}
        }
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        match event {
            EngineEvent::Idle { .. } => {
                ctx.call(
                    Reply::Runs,
                    Request::Runs {
                        source: None,
                        limit: 500,
                    },
                );
                ctx.call(Reply::Schedules, Request::Schedules);
            }
            EngineEvent::DataChanged { .. } => ctx.call(Reply::Schedules, Request::Schedules),
            EngineEvent::Refused {
                source,
                kind,
                reason,
            } => {
                ctx.shared.refused(source, *kind, reason);
                ctx.effects.push(crate::tui::action::Effect::Bell);
            }
            _ => {}
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let block = pane_block(text::TITLE, t);
        let rows = self.rows(&ui.shared.sources);
        if rows.is_empty() {
            f.render_widget(Paragraph::new(text::EMPTY).style(t.dim).block(block), area);
            return;
        }
        let inner_h = area.height.saturating_sub(3) as usize;
        let first = self.selected.saturating_sub(inner_h.saturating_sub(1));
        let now_at = ui.shared.clock_now();
        let cells: Vec<(Vec<(String, Style)>, Style)> = rows
            .iter()
            .enumerate()
            .skip(first)
            .take(inner_h)
            .map(|(i, (s, k))| {
                let sched = crate::engine::scheduler::schedule_of(s, *k);
                let last = self.last.get(&(s.name.clone(), *k));
                let last_text = match last {
                    None => (text::NEVER.to_string(), t.dim),
                    Some(r) => {
                        let st = match r.outcome {
                            crate::jobs::Outcome::Ok => t.ok,
                            crate::jobs::Outcome::Partial => t.warn,
                            crate::jobs::Outcome::Running => t.accent,
                            _ => t.error,
                        };
                        let counts = if *k == Integration::SendFrs {
                            format!("sent {}", r.counts.sent)
                        } else {
                            format!(
                                "new {} upd {} err {}",
                                r.counts.new, r.counts.updated, r.counts.errors
                            )
                        };
                        let at = r.started_at.get(11..16).unwrap_or(&r.started_at);
                        let line = match r.outcome {
                            crate::jobs::Outcome::Ok | crate::jobs::Outcome::Running => {
                                format!("{:?} {at}{} {counts}", r.outcome, duration(r))
                            }
                            // A row that went wrong says why, first.
                            _ => format!(
                                "{:?} {at}{}: {} · {counts}",
                                r.outcome,
                                duration(r),
                                r.message.lines().next().unwrap_or("")
                            ),
                        };
                        (line, st)
                    }
                };
                let live = ui.shared.jobs.get(&(s.id, *k)).filter(|j| j.running());
                let next = self.next.get(&(s.name.clone(), *k)).map(|at| {
                    format!(
                        "next {} UTC",
                        chrono::DateTime::<chrono::Utc>::from(*at).format("%m-%d %H:%M")
                    )
                });
                let now = match live {
                    None => (next.unwrap_or_else(|| text::IDLE.to_string()), t.dim),
                    Some(j) => match progress::line(j, now_at, PROGRESS_W) {
                        (Holdup::None, p) => (p, t.accent),
                        (_, p) => (p, t.warn),
                    },
                };
                let style = if i == self.selected {
                    t.selected
                } else {
                    t.text
                };
                let cells = vec![
                    (s.name.clone(), style),
                    (k.short_label().to_string(), style),
                    (schedule_text(sched), style),
                    last_text,
                    now,
                ];
                (cells, style)
            })
            .collect();
        // Narrow terminals keep what is happening and how the last run went; the schedule
        // and the names give way first.
        let plain: Vec<Vec<String>> = cells
            .iter()
            .map(|(r, _)| r.iter().map(|(c, _)| c.clone()).collect())
            .collect();
        let widths = fit(
            &sized(
                &[
                    (6, 16, 4),
                    (9, 9, 3),
                    (8, 11, 5),
                    (16, 80, 2),
                    (8, PROGRESS_W, 0),
                ],
                &text::HEADER,
                &plain,
            ),
            area.width.saturating_sub(2),
            1,
        );
        let table_rows: Vec<Row> = cells
            .into_iter()
            .map(|(r, style)| {
                Row::new(
                    r.into_iter()
                        .zip(&widths)
                        .filter(|(_, w)| **w > 0)
                        .map(|((c, st), w)| Cell::from(Span::styled(clip(&c, *w), st)))
                        .collect::<Vec<_>>(),
                )
                .style(style)
            })
            .collect();
        let shown: Vec<usize> = (0..widths.len()).filter(|&i| widths[i] > 0).collect();
        let table = Table::new(
            table_rows,
            shown.iter().map(|&i| Constraint::Length(widths[i])),
        )
        .header(
            Row::new(
                shown
                    .iter()
                    .map(|&i| Cell::from(clip(text::HEADER[i], widths[i])))
                    .collect::<Vec<_>>(),
            )
            .style(t.title),
        )
        .block(block);
        f.render_widget(table, area);
        // The selected row's schedule in full: UTC and local time.
        if let Some((s, k)) = rows.get(self.selected) {
            let line = match crate::engine::scheduler::schedule_of(s, *k) {
                Some(sched) => format!(
                    " {} for {}: {} ",
                    k.label(),
                    s.name,
                    crate::engine::scheduler::describe(sched, ui.shared.clock_now())
                ),
                None => format!(" {} for {}: {} ", k.label(), s.name, text::NO_SCHEDULE),
            };
            let footer = Rect {
                x: area.x + 1,
                y: area.y + area.height.saturating_sub(1),
                width: area.width.saturating_sub(2),
                height: 1,
            };
            f.render_widget(
                Paragraph::new(clip(&line, footer.width)).style(t.dim),
                footer,
            );
        }
    }
}
