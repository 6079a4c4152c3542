//! Jobs: every integration of every source with its schedule, last run (outcome, counts,
//! duration), next run, and — while running — progress and the rate-limit wait. Run now,
//! dry run and cancel act on the selected row.

use std::collections::BTreeMap;

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{EngineEvent, JobKind, Request, Response};
use crate::jobs::runs::RunRecord;
use crate::source::Schedule;
use crate::tui::command::Command;
use crate::tui::view::pane_block;

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

const RUNS: u32 = 1;
const START: u32 = 2;
const CANCEL: u32 = 3;
const SCHEDULES: u32 = 4;
const CONFIRM_CANCEL: u32 = 1;

#[derive(Default)]
pub struct JobsPane {
    selected: usize,
    /// Newest run per (source name, kind).
    last: BTreeMap<(String, JobKind), RunRecord>,
    /// Next scheduled run per (source name, kind).
    next: BTreeMap<(String, JobKind), std::time::SystemTime>,
    error: Option<String>,
    /// The job a pending cancel question is about.
    cancel: Option<(String, JobKind)>,
}

fn short_label(k: JobKind) -> &'static str {
    match k {
        JobKind::Primary => "Primary",
        JobKind::Secondary => "Secondary",
        JobKind::SendFrs => "Send FRs",
    }
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
    ) -> Vec<(&'a crate::source::Source, JobKind)> {
        ui_sources
            .iter()
            .flat_map(|s| JobKind::ALL.into_iter().map(move |k| (s, k)))
            .collect()
    }

    fn selected_row(&self, ctx: &Ctx) -> Option<(String, JobKind)> {
        let rows = self.rows(&ctx.shared.sources);
        rows.get(self.selected).map(|(s, k)| (s.name.clone(), *k))
    }
}

impl Pane for JobsPane {
    fn id(&self) -> PaneId {
        PaneId::Jobs
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        ctx.call_for(PaneId::Sources, 0, Request::ListSources);
        ctx.call(
            RUNS,
            Request::Runs {
                source: None,
                limit: 500,
            },
        );
        ctx.call(SCHEDULES, Request::Schedules);
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
                ctx.call(
                    START,
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
                ctx.call(CANCEL, Request::CancelJob { source, kind });
            }
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        match (what, response) {
            (RUNS, Response::Runs(runs)) => {
                self.last.clear();
                // Newest first: keep the first seen per integration.
                for r in runs {
                    if let Some(k) = JobKind::from_run_kind(&r.kind) {
                        self.last.entry((r.source.clone(), k)).or_insert(r);
                    }
                }
                self.error = None;
            }
            (SCHEDULES, Response::Schedules(list)) => {
                self.next = list
                    .into_iter()
                    .map(|n| ((n.source, n.kind), n.at))
                    .collect();
            }
            (_, Response::Error(e)) => {
                self.error = Some(e.clone());
                ctx.error(e);
            }
            (_, Response::Message(m)) => ctx.info(m),
            _ => {}
        }
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        match event {
            EngineEvent::Idle { .. } => {
                ctx.call(
                    RUNS,
                    Request::Runs {
                        source: None,
                        limit: 500,
                    },
                );
                ctx.call(SCHEDULES, Request::Schedules);
            }
            EngineEvent::DataChanged { .. } => ctx.call(SCHEDULES, Request::Schedules),
            EngineEvent::Refused { reason, .. } => ctx.error(reason.clone()),
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
        let table_rows: Vec<Row> = rows
            .iter()
            .enumerate()
            .skip(first)
            .take(inner_h)
            .map(|(i, (s, k))| {
                let sched = match k {
                    JobKind::Primary => s.primary.schedule.as_ref(),
                    JobKind::Secondary => s.secondary.schedule.as_ref(),
                    JobKind::SendFrs => s.send_frs.schedule.as_ref(),
                };
                let last = self.last.get(&(s.name.clone(), *k));
                let last_text = match last {
                    None => Span::styled(text::NEVER, t.dim),
                    Some(r) => {
                        let st = match r.outcome {
                            crate::jobs::Outcome::Ok => t.ok,
                            crate::jobs::Outcome::Partial => t.warn,
                            crate::jobs::Outcome::Running => t.accent,
                            _ => t.error,
                        };
                        Span::styled(
                            format!(
                                "{:?} {}{} {}",
                                r.outcome,
                                r.started_at.get(11..16).unwrap_or(&r.started_at),
                                duration(r),
                                if *k == JobKind::SendFrs {
                                    format!("sent {}", r.counts.sent)
                                } else {
                                    format!(
                                        "new {} upd {} err {}",
                                        r.counts.new, r.counts.updated, r.counts.errors
                                    )
                                }
                            ),
                            st,
                        )
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
                    None => Span::styled(next.unwrap_or_else(|| text::IDLE.to_string()), t.dim),
                    Some(j) => match j.waiting_until {
                        Some(u) => Span::styled(
                            format!(
                                "waiting for rate limit until {} UTC",
                                chrono::DateTime::<chrono::Utc>::from(u).format("%H:%M:%S")
                            ),
                            t.warn,
                        ),
                        None => Span::styled(format!("{}: {}", j.phase, j.done), t.accent),
                    },
                };
                let style = if i == self.selected {
                    t.selected
                } else {
                    t.text
                };
                Row::new(vec![
                    Cell::from(s.name.clone()),
                    Cell::from(short_label(*k)),
                    Cell::from(schedule_text(sched)),
                    Cell::from(Line::from(last_text)),
                    Cell::from(Line::from(now)),
                ])
                .style(style)
            })
            .collect();
        let table = Table::new(
            table_rows,
            [
                Constraint::Length(10),
                Constraint::Length(9),
                Constraint::Length(11),
                Constraint::Fill(1),
                Constraint::Length(42),
            ],
        )
        .header(Row::new(text::HEADER.map(Cell::from)).style(t.title))
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
            f.render_widget(Paragraph::new(line).style(t.dim), footer);
        }
    }
}
