//! Fulfillment requests: the current source's queue with a status filter (←/→ cycle it,
//! each status with its count), a detail view with every field and the timeline, and the
//! actions on the selected FR: retry, release the hold, cancel (asks first), import a file
//! (a path prompt) and send now (a Send FRs run).

use super::{Fresh, ReplyId};
use std::cell::Cell as Shown;

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;
use tui_textarea::TextArea;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{EngineEvent, FrAction, Integration, Request, Response};
use crate::frs::{Fr, FrStatus};
use crate::tui::command::Command;
use crate::tui::keymap::Context;
use crate::tui::view::pane_block;
use crate::tui::widgets::prompt::prompt_line;

mod detail;
mod filter;
mod table;

mod text {
    use crate::frs::FrStatus;
    use crate::tui::command::Command;
    use crate::tui::keymap::{Context, Keymap};

    pub const TITLE: &str = " FRs ";
    /// Kept as the FR's reason when it is canceled from this pane.
    pub const CANCEL_REASON: &str = "canceled in the TUI";
    pub const NO_SOURCE: &str =
        "No source selected. Add or pick one in Sources (1); its fulfillment requests show here.";
    pub const LOADING: &str = "Loading fulfillment requests…";
    pub const HEADER: [&str; 7] = [
        "Number",
        "Status",
        "Customer",
        "Items",
        "Send after (UTC)",
        "Sale",
        "Reason",
    ];
    pub const ALL: &str = "All";
    pub const STATUS_HINT: &str = "←/→ status: ";
    pub fn import_title(k: &Keymap) -> String {
        format!(
            " Import FRs from a JSON or CSV file ({} imports, {} cancels) ",
            k.shown(Context::Text, Command::Select),
            k.shown(Context::Text, Command::Back)
        )
    }
    pub const PATH_PROMPT: &str = "path: ";
    pub const IMPORT_REPORT: &str = "FR import";
    pub const NO_PATH: &str = "type the path of a JSON or CSV file first";
    pub const NO_ROW: &str = "no FR selected";
    pub const SAMPLE_MARKER: &str = "sample FRs: ";

    pub fn empty(source: &str, k: &Keymap) -> String {
        format!(
            "No fulfillment requests for {source} yet. Press {} to import a JSON or CSV file \
             (the demo's sample is fixtures/frs/sample.json), then {} to send them.",
            k.shown(Context::Frs, Command::ImportFrs),
            k.shown(Context::Frs, Command::RunNow)
        )
    }

    pub fn none_in(status: FrStatus) -> String {
        format!("No FR is {status}. ←/→ change the status filter.")
    }

    pub fn error(e: &str, k: &Keymap) -> String {
        format!(
            "Could not load the fulfillment requests: {e}. {} tries again.",
            k.shown(Context::Global, Command::Refresh)
        )
    }

    pub fn title(source: &str, n: usize) -> String {
        format!(" FRs · {source} · {n} total ")
    }

    pub fn filter(status: Option<FrStatus>) -> String {
        format!("status: {}", status.map(|s| s.label()).unwrap_or("all"))
    }

    pub fn cancel_prompt(number: &str) -> String {
        format!("Cancel FR {number}? It will not be sent. This cannot be undone.")
    }

    pub fn cannot_cancel(number: &str, status: FrStatus) -> String {
        match status {
            FrStatus::Processed | FrStatus::Acknowledged => {
                format!("FR {number} is {status}; void its sale in Lightspeed to undo it")
            }
            s => format!("FR {number} is {s} and cannot be canceled"),
        }
    }

    pub fn action_done(number: &str, action: &str) -> String {
        format!("FR {number}: {action}")
    }

    pub fn sending(source: &str) -> String {
        format!("sending due FRs of {source}… (the Log (6) shows the run)")
    }
    pub fn dry_run(source: &str) -> String {
        format!("Send FRs dry run for {source}: checks every due FR, sends nothing (the Log (6) shows it)")
    }
}

super::reply_ids! {
    enum Reply {
        List = 1,
        Timeline = 2,
        Action = 3,
        Import = 4,
        Send = 5,
    }
}

/// The status filter's stops, in order: all, then every status.
const STOPS: usize = FrStatus::ALL.len() + 1;

fn stop(i: usize) -> Option<FrStatus> {
    i.checked_sub(1).and_then(|i| FrStatus::ALL.get(i).copied())
}

fn status_index(s: FrStatus) -> usize {
    FrStatus::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// "2026-03-02T14:05:00Z" → "2026-03-02 14:05".
pub(super) fn short_time(s: &str) -> String {
    s.get(..16).unwrap_or(s).replace('T', " ")
}

pub struct FrsPane {
    source: Option<String>,
    frs: Vec<Fr>,
    /// FRs per status, in `FrStatus::ALL` order.
    counts: [usize; FrStatus::ALL.len()],
    /// Index into the filter's stops (0 = all).
    filter: usize,
    /// Indices into `frs` of the rows the filter shows.
    visible: Vec<usize>,
    selected: usize,
    top: usize,
    page: Shown<usize>,
    loaded: bool,
    error: Option<String>,
    generation: u32,
    detail: Option<detail::Detail>,
    prompt: Option<TextArea<'static>>,
    /// The FR a pending cancel confirmation is about.
    cancel: Option<(u32, String)>,
    next_token: u32,
    /// The search and the order of the rows.
    query: filter::Query,
    /// The FR an action was sent for, and what it was.
    acting: Option<(String, FrAction)>,
}

impl Default for FrsPane {
    fn default() -> Self {
        FrsPane {
            source: None,
            frs: Vec::new(),
            counts: [0; FrStatus::ALL.len()],
            filter: 0,
            visible: Vec::new(),
            selected: 0,
            top: 0,
            page: Shown::new(20),
            loaded: false,
            error: None,
            generation: 0,
            detail: None,
            prompt: None,
            cancel: None,
            next_token: 0,
            query: filter::Query::default(),
            acting: None,
        }
    }
}

fn clamp_top(top: usize, selected: usize, height: usize, total: usize) -> usize {
    let height = height.max(1);
    let mut top = top.min(selected);
    if selected >= top + height {
        top = selected + 1 - height;
    }
    top.min(total.saturating_sub(height))
}

/// The demo's sample file, when the start-up notes name one (`lsbridge demo` does).
fn sample_path(notes: &[String]) -> Option<String> {
    notes.iter().rev().find_map(|n| {
        n.split_once(text::SAMPLE_MARKER)
            .map(|(_, p)| p.trim().to_string())
            .filter(|p| !p.is_empty())
    })
}

impl FrsPane {
    fn tag(&self, reply: Reply) -> Fresh<Reply> {
        Fresh {
            reply,
            generation: self.generation,
        }
    }

    fn status_filter(&self) -> Option<FrStatus> {
        stop(self.filter)
    }

    fn selected_fr(&self) -> Option<&Fr> {
        self.visible
            .get(self.selected)
            .and_then(|i| self.frs.get(*i))
    }

    /// The FR actions apply to: the open one, else the selected row.
    fn target(&self) -> Option<String> {
        match &self.detail {
            Some(d) => Some(d.number.clone()),
            None => self.selected_fr().map(|f| f.number.clone()),
        }
    }

    fn find(&self, number: &str) -> Option<&Fr> {
        self.frs.iter().find(|f| f.number == number)
    }

    fn load(&mut self, ctx: &mut Ctx) {
        let Some(source) = self.source.clone() else {
            return;
        };
        ctx.call(
            self.tag(Reply::List),
            Request::Frs {
                source: Some(source.clone()),
                status: None,
            },
        );
        if let Some(d) = &self.detail {
            ctx.call(
                self.tag(Reply::Timeline),
                Request::FrTimeline {
                    source,
                    number: d.number.clone(),
                },
            );
        }
    }

    /// Recomputes counts and the filtered rows, keeping the selected FR selected.
    fn reindex(&mut self, keep: Option<String>) {
        // The counts are of the FRs the search matches; the rows also pass the status filter.
        let (matching, counts) = self.query.rows(&self.frs);
        self.counts = counts;
        let want = self.status_filter();
        self.visible = matching
            .into_iter()
            .filter(|i| {
                self.frs
                    .get(*i)
                    .is_some_and(|f| want.is_none_or(|s| f.status == s))
            })
            .collect();
        if let Some(n) = keep {
            if let Some(pos) = self
                .visible
                .iter()
                .position(|i| self.frs.get(*i).is_some_and(|f| f.number == n))
            {
                self.selected = pos;
            }
        }
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        self.top = clamp_top(self.top, self.selected, self.page.get(), self.visible.len());
        if let Some(d) = &mut self.detail {
            let fr = self.frs.iter().find(|f| f.number == d.number).cloned();
            d.set_fr(fr);
        }
    }

    fn act(&mut self, action: FrAction, number: String, ctx: &mut Ctx) {
        let Some(source) = self.source.clone() else {
            ctx.error(text::NO_SOURCE);
            return;
        };
        self.acting = Some((number.clone(), action));
        ctx.call(
            self.tag(Reply::Action),
            Request::FrAction {
                source,
                number,
                action,
                reason: (action == FrAction::Cancel).then(|| text::CANCEL_REASON.to_string()),
            },
        );
    }

    fn list_command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        let n = self.visible.len();
        let page = self.page.get().max(1);
        match cmd {
            Command::Up => self.selected = self.selected.saturating_sub(1),
            Command::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Command::PageUp => self.selected = self.selected.saturating_sub(page),
            Command::PageDown => self.selected = (self.selected + page).min(n.saturating_sub(1)),
            Command::Top => self.selected = 0,
            Command::Bottom => self.selected = n.saturating_sub(1),
            Command::Left | Command::Right => {
                self.filter = if cmd == Command::Right {
                    (self.filter + 1) % STOPS
                } else {
                    (self.filter + STOPS - 1) % STOPS
                };
                self.selected = 0;
                self.top = 0;
                let keep = None;
                self.reindex(keep);
                ctx.info(text::filter(self.status_filter()));
            }
            Command::Timeline | Command::Select => {
                let Some(fr) = self.selected_fr() else {
                    return true;
                };
                let number = fr.number.clone();
                self.detail = Some(detail::Detail::new(number.clone(), Some(fr.clone())));
                if let Some(source) = self.source.clone() {
                    ctx.call(
                        self.tag(Reply::Timeline),
                        Request::FrTimeline { source, number },
                    );
                }
            }
            Command::Back if self.filter != 0 && !self.query.is_filtered() => {
                self.filter = 0;
                self.reindex(self.selected_fr().map(|f| f.number.clone()));
                ctx.info(text::filter(None));
            }
            c => return self.query_command(c, ctx),
        }
        self.top = clamp_top(self.top, self.selected, page, n);
        true
    }

    /// Commands that act on an FR or the source, from the list and from the detail.
    fn action_command(&mut self, cmd: Command, ctx: &mut Ctx) -> Option<bool> {
        match cmd {
            Command::Retry | Command::Release | Command::Cancel => {
                let Some(number) = self.target() else {
                    ctx.info(text::NO_ROW);
                    return Some(true);
                };
                match cmd {
                    Command::Retry => self.act(FrAction::Retry, number, ctx),
                    Command::Release => self.act(FrAction::Release, number, ctx),
                    _ => {
                        let status = self.find(&number).map(|f| f.status);
                        match status {
                            Some(s) if !crate::frs::status::is_allowed(s, FrStatus::Canceled) => {
                                ctx.error(text::cannot_cancel(&number, s));
                            }
                            _ => {
                                self.next_token = self.next_token.wrapping_add(1);
                                self.cancel = Some((self.next_token, number.clone()));
                                ctx.confirm(self.next_token, text::cancel_prompt(&number));
                            }
                        }
                    }
                }
            }
            Command::ImportFrs => {
                if self.source.is_none() {
                    ctx.error(text::NO_SOURCE);
                    return Some(true);
                }
                let mut t = TextArea::default();
                if let Some(p) = sample_path(&ctx.shared.notes) {
                    t.insert_str(p);
                }
                self.prompt = Some(t);
            }
            Command::RunNow | Command::DryRun => {
                let Some(source) = self.source.clone() else {
                    ctx.error(text::NO_SOURCE);
                    return Some(true);
                };
                let dry_run = cmd == Command::DryRun;
                ctx.shared.ask_to_run(&source, Integration::SendFrs);
                ctx.call(
                    self.tag(Reply::Send),
                    Request::StartJob {
                        source: source.clone(),
                        kind: Integration::SendFrs,
                        dry_run,
                        confirm_archive: false,
                    },
                );
                ctx.info(if dry_run {
                    text::dry_run(&source)
                } else {
                    text::sending(&source)
                });
            }
            _ => return None,
        }
        Some(true)
    }

    fn render_list(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let title = match &self.source {
            Some(s) if self.loaded => {
                format!(
                    "{}{} ",
                    text::title(s, self.frs.len()).trim_end(),
                    self.query.describe()
                )
            }
            _ => text::TITLE.to_string(),
        };
        let block = pane_block(title, t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let inner = self.query.render_line(f, inner, ui);
        let message = |f: &mut Frame, msg: String, style: ratatui::style::Style, r: Rect| {
            f.render_widget(
                Paragraph::new(msg).style(style).wrap(Wrap { trim: true }),
                r,
            );
        };
        let Some(source) = &self.source else {
            return message(f, text::NO_SOURCE.to_string(), t.dim, inner);
        };
        if let (Some(e), true) = (&self.error, self.frs.is_empty()) {
            return message(f, text::error(e, ui.keymap), t.error, inner);
        }
        if !self.loaded {
            return message(f, text::LOADING.to_string(), t.dim, inner);
        }
        if self.frs.is_empty() {
            return message(f, text::empty(source, ui.keymap), t.dim, inner);
        }
        let bar_lines = self.bar_lines(inner.width, ui);
        let [bar, _, list] = Layout::vertical([
            Constraint::Length(bar_lines.len() as u16),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(inner);
        f.render_widget(Paragraph::new(bar_lines), bar);
        if self.visible.is_empty() && self.query.is_filtered() {
            let back = ui.keymap.shown(Context::Frs, Command::Back);
            return message(f, self.query.no_match(&back), t.dim, list);
        }
        if self.visible.is_empty() {
            let status = self.status_filter().unwrap_or(FrStatus::Unprocessed);
            return message(f, text::none_in(status), t.dim, list);
        }
        let h = list.height.saturating_sub(1) as usize;
        self.page.set(h.max(1));
        let top = clamp_top(self.top, self.selected, h, self.visible.len());
        self.render_table(f, list, ui, top, h);
    }

    /// The status filter with a count per status; the current stop highlighted. A label
    /// never breaks across lines; continuation lines line up under the first stop.
    fn bar_lines(&self, width: u16, ui: &Ui) -> Vec<Line<'static>> {
        let t = ui.theme;
        let hint = Span::styled(text::STATUS_HINT, t.dim);
        let indent = hint.width();
        let mut lines: Vec<Line> = Vec::new();
        let mut current = vec![hint];
        let mut used = indent;
        for i in 0..STOPS {
            let (label, n) = match stop(i) {
                // The FRs the search matches (all of them without one).
                None => (text::ALL, self.counts.iter().sum()),
                Some(s) => (s.label(), self.counts[status_index(s)]),
            };
            let style = if i == self.filter {
                t.selected
            } else if n == 0 {
                t.dim
            } else {
                t.text
            };
            let item = Span::styled(format!(" {label} {n} "), style);
            let w = item.width() + 1;
            if used + w > width as usize && used > indent {
                lines.push(Line::from(std::mem::take(&mut current)));
                current.push(Span::raw(" ".repeat(indent)));
                used = indent;
            }
            used += w;
            current.push(item);
            current.push(Span::raw(" "));
        }
        lines.push(Line::from(current));
        lines
    }

    fn render_prompt(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let Some(ta) = &self.prompt else {
            return;
        };
        let h = 3.min(area.height);
        let r = Rect {
            x: area.x + 1,
            y: area.y + area.height.saturating_sub(h + 1),
            width: area.width.saturating_sub(2),
            height: h,
        };
        f.render_widget(Clear, r);
        let block = Block::bordered()
            .title(text::import_title(ui.keymap))
            .border_style(ui.theme.border_focused);
        let inner = block.inner(r);
        f.render_widget(block, r);
        f.render_widget(prompt_line(text::PATH_PROMPT, ta, ui.theme), inner);
    }
}

impl Pane for FrsPane {
    fn id(&self) -> PaneId {
        PaneId::Frs
    }

    fn has_filter(&self) -> bool {
        true
    }

    fn context(&self) -> Context {
        if self.prompt.is_some() || self.query.editing() {
            Context::Text
        } else {
            Context::Frs
        }
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        let source = ctx.shared.source.clone();
        if source != self.source {
            self.source = source;
            self.generation = Fresh::<Reply>::next_generation(self.generation);
            self.frs.clear();
            self.visible.clear();
            self.counts = [0; FrStatus::ALL.len()];
            self.selected = 0;
            self.top = 0;
            self.loaded = false;
            self.error = None;
            self.detail = None;
        }
        self.load(ctx);
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        if let Some(ta) = &mut self.prompt {
            match cmd {
                Command::ClearLine => crate::tui::widgets::prompt::clear_line(ta),
                Command::Select | Command::Save => {
                    let path = ta.lines().join("").trim().to_string();
                    if path.is_empty() {
                        ctx.error(text::NO_PATH);
                        return true;
                    }
                    self.prompt = None;
                    if let Some(source) = self.source.clone() {
                        ctx.call(self.tag(Reply::Import), Request::ImportFrs { source, path });
                    }
                }
                Command::Back => self.prompt = None,
                _ => return false,
            }
            return true;
        }
        if self.query.editing() {
            return self.query_command(cmd, ctx);
        }
        if let Some(done) = self.action_command(cmd, ctx) {
            return done;
        }
        if let Some(d) = &mut self.detail {
            return match cmd {
                Command::Back => {
                    self.detail = None;
                    true
                }
                Command::Select | Command::Timeline => true,
                Command::Filter | Command::CycleSort | Command::ReverseSort => {
                    self.detail = None;
                    self.query_command(cmd, ctx)
                }
                c => d.scroll(c),
            };
        }
        self.list_command(cmd, ctx)
    }

    fn text_key(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        if let Some(t) = &mut self.prompt {
            t.input(key);
        } else if self.query.editing() {
            self.filter_key(key, ctx);
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        let Some(what) = Fresh::<Reply>::from_id(what) else {
            return;
        };
        // Actions, imports and sends answer whatever the list shows now.
        let Fresh { reply, .. } = what;
        match (what, response) {
            (w, Response::Frs(frs)) if w == self.tag(Reply::List) => {
                let keep = self.selected_fr().map(|f| f.number.clone());
                self.frs = frs;
                self.loaded = true;
                self.error = None;
                self.reindex(keep);
            }
            (w, Response::Timeline(events)) if w == self.tag(Reply::Timeline) => {
                if let Some(d) = &mut self.detail {
                    d.set_timeline(events);
                }
            }
            (_, Response::Fr(_)) if reply == Reply::Action => {
                if let Some((number, action)) = self.acting.take() {
                    let what = match action {
                        FrAction::Retry => {
                            format!("back to Processing; {} sends it", ctx.key(Command::RunNow))
                        }
                        FrAction::Release => "hold released".to_string(),
                        FrAction::Cancel => "canceled".to_string(),
                    };
                    ctx.info(text::action_done(&number, &what));
                }
            }
            // An import's report: every line not imported with its reason, in a popup and
            // in the Log.
            (_, Response::Message(m)) if reply == Reply::Import && m.contains('\n') => {
                ctx.shared.report(
                    crate::tui::shared::Flash::Info,
                    text::IMPORT_REPORT,
                    crate::jobs::events::Level::Warn,
                    &m,
                )
            }
            (_, Response::Message(m))
                if matches!(reply, Reply::Import | Reply::Action | Reply::Send) =>
            {
                ctx.info(m)
            }
            (_, Response::Done) if reply == Reply::Send => {}
            (w, Response::Error(e)) if w == self.tag(Reply::List) => {
                self.loaded = true;
                let e = e.to_string();
                if !self.frs.is_empty() {
                    ctx.error(text::error(&e, ctx.keys));
                }
                self.error = Some(e);
            }
            (_, Response::Error(e))
                if matches!(reply, Reply::Import | Reply::Action | Reply::Send) =>
            {
                ctx.error(e.to_string())
            }
            (w, Response::Error(e)) if w == self.tag(Reply::Timeline) => ctx.error(e.to_string()),
            _ => {}
        }
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        let reload = matches!(
            event,
            EngineEvent::DataChanged { .. }
                | EngineEvent::Idle {
                    kind: Integration::SendFrs,
                    ..
                }
        );
        if reload && !ctx.shared.frozen && self.source.is_some() {
            self.load(ctx);
        }
    }

    fn confirmed(&mut self, token: u32, ctx: &mut Ctx) {
        if let Some((t, number)) = self.cancel.take() {
            if t == token {
                self.act(FrAction::Cancel, number, ctx);
            }
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        match &self.detail {
            Some(d) => d.render(f, area, ui),
            None => self.render_list(f, area, ui),
        }
        self.render_prompt(f, area, ui);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_note_names_the_sample_file() {
        let notes = vec![
            "keys.toml: something".to_string(),
            "demo: data in /tmp/x, simulator at http://127.0.0.1:1; sample FRs: /tmp/x/sample-frs.json"
                .to_string(),
        ];
        assert_eq!(
            sample_path(&notes).as_deref(),
            Some("/tmp/x/sample-frs.json")
        );
        assert_eq!(sample_path(&[]), None);
    }

    #[test]
    fn status_stops_cover_all_and_every_status() {
        assert_eq!(stop(0), None);
        for (i, s) in FrStatus::ALL.iter().enumerate() {
            assert_eq!(stop(i + 1), Some(*s));
        }
        assert_eq!(stop(STOPS), None);
    }
}
