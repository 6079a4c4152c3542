//! Overview: the first pane, a live monitor in the manner of k9s and htop. One row per
//! integration of every source (state, progress with rate and ETA, the last run's outcome
//! and reason, the next run), each connection's rate-limit budget, the FR queue, and the
//! last failures, whose run log Enter opens.
//!
//! State ([`state::OverviewState`]) is kept apart from drawing ([`draw`]); strings live in
//! [`text`].

mod draw;
pub mod state;
mod text;

use ratatui::layout::Rect;
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, ReplyId, Ui};
use crate::engine::{EngineEvent, Request, Response};
use crate::jobs::JobEvent;
use crate::tui::command::Command;
use crate::tui::keymap::Context;
use state::OverviewState;

super::reply_ids! {
    /// What a reply answers.
    enum Reply {
    Runs = 1,
    Schedules = 2,
    Rates = 3,
    Frs = 4,
    Log = 5,
    }
}

/// Runs read for the outcomes and the failures list.
const RUN_LIMIT: usize = 300;

#[derive(Default)]
pub struct OverviewPane {
    state: OverviewState,
    /// A rate-limit request is on its way (job events ask again only after its reply).
    rates_pending: bool,
}

impl OverviewPane {
    fn ask_rates(&mut self, ctx: &mut Ctx) {
        if !self.rates_pending {
            self.rates_pending = true;
            ctx.call(Reply::Rates, Request::RateLimits);
        }
    }

    fn reload(&mut self, ctx: &mut Ctx) {
        ctx.call(
            Reply::Runs,
            Request::Runs {
                source: None,
                limit: RUN_LIMIT,
            },
        );
        ctx.call(Reply::Schedules, Request::Schedules);
        ctx.call(
            Reply::Frs,
            Request::Frs {
                source: None,
                status: None,
            },
        );
        self.ask_rates(ctx);
    }

    /// The state, for tests and benches that draw it without an engine.
    pub fn state(&self) -> &OverviewState {
        &self.state
    }
}

impl Pane for OverviewPane {
    fn id(&self) -> PaneId {
        PaneId::Overview
    }

    fn context(&self) -> Context {
        if self.state.log.is_some() {
            Context::Popup
        } else {
            Context::Overview
        }
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        ctx.call_for(
            PaneId::Sources,
            super::sources::Reply::List,
            Request::ListSources,
        );
        self.reload(ctx);
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        if let Some((_, lines, scroll)) = &mut self.state.log {
            let last = lines.len().saturating_sub(1);
            match cmd {
                Command::Back => self.state.log = None,
                Command::Up => *scroll = scroll.saturating_sub(1),
                Command::Down => *scroll = (*scroll + 1).min(last),
                Command::PageUp => *scroll = scroll.saturating_sub(20),
                Command::PageDown => *scroll = (*scroll + 20).min(last),
                Command::Top => *scroll = 0,
                Command::Bottom => *scroll = last,
                _ => return false,
            }
            return true;
        }
        let n = self.state.failures.len();
        match cmd {
            Command::Up => self.state.selected = self.state.selected.saturating_sub(1),
            Command::Down => {
                self.state.selected = (self.state.selected + 1).min(n.saturating_sub(1))
            }
            Command::Top => self.state.selected = 0,
            Command::Bottom => self.state.selected = n.saturating_sub(1),
            Command::Select => match self.state.selected_failure() {
                Some(r) => ctx.call(Reply::Log, Request::RunLog { run: r.id }),
                None => ctx.info("no failed run to open"),
            },
            _ => return false,
        }
        true
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        let Some(what) = Reply::from_id(what) else {
            return;
        };
        match (what, response) {
            (Reply::Runs, Response::Runs(runs)) => self.state.set_runs(runs),
            (Reply::Schedules, Response::Schedules(list)) => {
                self.state.next = list
                    .into_iter()
                    .map(|n| ((n.source, n.kind), n.at))
                    .collect();
            }
            (Reply::Rates, Response::RateLimits(list)) => {
                self.rates_pending = false;
                self.state.rates = list;
                self.state.rates_loaded = true;
            }
            (Reply::Frs, Response::Frs(frs)) => self.state.set_frs(&frs),
            (Reply::Log, Response::Log(lines)) => {
                if let Some(r) = self.state.selected_failure() {
                    self.state.log = Some((r.clone(), lines, 0));
                }
            }
            (Reply::Rates, Response::Error(e)) => {
                self.rates_pending = false;
                ctx.error(e.to_string());
            }
            (_, Response::Error(e)) => ctx.error(e.to_string()),
            _ => {}
        }
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        match event {
            EngineEvent::Idle { .. } => self.reload(ctx),
            EngineEvent::DataChanged { .. } => {
                ctx.call(Reply::Schedules, Request::Schedules);
                ctx.call(
                    Reply::Frs,
                    Request::Frs {
                        source: None,
                        status: None,
                    },
                );
                self.ask_rates(ctx);
            }
            EngineEvent::ConnectionTested { .. } => self.ask_rates(ctx),
            // The budget moves with every request: ask again as the job reports.
            EngineEvent::Job {
                event:
                    JobEvent::Progress { .. }
                    | JobEvent::WaitingForRateLimit { .. }
                    | JobEvent::Retrying { .. },
                ..
            } => self.ask_rates(ctx),
            _ => {}
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        draw::render(&self.state, f, area, ui);
    }
}
