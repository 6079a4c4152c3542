//! Inventory pool: a virtualised table over the whole pool of the current source. The pane
//! keeps one window of rows (`PoolPage`) around the viewport plus the row count
//! (`PoolCount`); scrolling anywhere fetches the window it needs, and only the visible rows
//! become table rows. `/` filters by SKU or title (the engine applies it), `A` cycles the
//! archived filter, Enter opens a variant's detail with its change history.

use std::cell::Cell as Shown;

use crossterm::event::KeyEvent;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{
    Cell, Paragraph, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, Table, Wrap,
};
use ratatui::Frame;
use tui_textarea::TextArea;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{EngineEvent, JobKind, Request, Response};
use crate::mapping::FieldValue;
use crate::pool::{PoolItem, PoolSort};
use crate::tui::command::Command;
use crate::tui::keymap::Context;
use crate::tui::view::pane_block;
use crate::tui::widgets::prompt::prompt_line;

mod detail;

mod text {
    use crate::pool::PoolSort;
    use crate::tui::command::Command;
    use crate::tui::keymap::{Context, Keymap};

    pub const TITLE: &str = " Pool ";
    pub const NO_SOURCE: &str =
        "No source selected. Add or pick one in Sources (1); its inventory pool shows here.";
    pub const LOADING: &str = "Loading the pool…";
    pub const LOADING_ROW: &str = "…";
    pub const HEADER: [&str; 10] = [
        "SKU",
        "Title",
        "Quantity",
        "Committed",
        "Available",
        "Cost",
        "MSRP",
        "Brand",
        "Arch",
        "Last run",
    ];
    pub const ARCHIVED: &str = "yes";
    pub const FILTER_PROMPT: &str = "/ SKU or title: ";
    pub const NOT_LOADED: &str = "that row is still loading; try again in a moment";
    pub const FILTER_CLEARED: &str = "filter cleared";

    pub fn empty_pool(source: &str, k: &Keymap) -> String {
        format!(
            "The pool of {source} is empty. Run Get Inventory (Primary) in Jobs ({}): \
             select the Primary row and press {}.",
            k.shown(Context::Global, Command::Pane5),
            k.shown(Context::Jobs, Command::RunNow)
        )
    }

    pub fn no_match(filter: &str, k: &Keymap) -> String {
        format!(
            "No item matches{filter}. {} clears the filter; {} cycles the archived filter.",
            k.shown(Context::Pool, Command::Back),
            k.shown(Context::Pool, Command::ToggleArchived)
        )
    }

    pub fn error(e: &str, k: &Keymap) -> String {
        format!(
            "Could not load the pool: {e}. {} tries again.",
            k.shown(Context::Global, Command::Refresh)
        )
    }

    pub fn title(source: &str, total: Option<usize>, filter: &str, pos: usize) -> String {
        match total {
            Some(n) if n > 0 => format!(" Pool · {source} · {n} items{filter} · row {pos} of {n} "),
            Some(n) => format!(" Pool · {source} · {n} items{filter} "),
            None => format!(" Pool · {source}{filter} "),
        }
    }

    pub fn filter_desc(filter: &str, archived: Option<bool>) -> String {
        let mut s = String::new();
        if !filter.is_empty() {
            s.push_str(&format!(" · matching \"{filter}\""));
        }
        match archived {
            Some(true) => s.push_str(" · only archived"),
            Some(false) => s.push_str(" · archived hidden"),
            None => {}
        }
        s
    }

    /// Nothing for the default order (SKU, ascending), so the title stays short.
    pub fn sort_desc(sort: PoolSort, descending: bool) -> String {
        match (sort, descending) {
            (PoolSort::Sku, false) => String::new(),
            (s, false) => format!(" · by {}", s.label()),
            (s, true) => format!(" · by {}, descending", s.label()),
        }
    }

    pub fn sort_mode(sort: PoolSort, descending: bool) -> String {
        let order = if descending {
            "descending"
        } else {
            "ascending"
        };
        format!("sorted by {} ({order})", sort.label())
    }

    pub fn archived_mode(archived: Option<bool>) -> &'static str {
        match archived {
            None => "showing archived and active items",
            Some(true) => "showing only archived items",
            Some(false) => "hiding archived items",
        }
    }
}

/// Request kinds; the query generation rides in the upper bits so a reply to an older query
/// (another filter, another source) is recognised and dropped.
const COUNT: u32 = 1;
const PAGE: u32 = 2;
const KIND_BITS: u32 = 4;

/// Rows fetched per window.
pub const WINDOW: usize = 500;
/// Rows a page key moves before the first frame says how tall the view is.
const DEFAULT_PAGE: usize = 20;

pub struct PoolPane {
    /// The source the cache belongs to.
    source: Option<String>,
    /// Applied filter (SKU or title substring); empty means none.
    filter: String,
    /// `None` all, `Some(true)` only archived, `Some(false)` hide archived.
    archived: Option<bool>,
    sort: PoolSort,
    descending: bool,
    /// Rows matching the query, once counted.
    total: Option<usize>,
    selected: usize,
    top: usize,
    /// Rows the last frame had room for (page keys move this far).
    page: Shown<usize>,
    /// The cached window: rows `offset..offset + rows.len()`.
    offset: usize,
    rows: Vec<PoolItem>,
    generation: u32,
    pending_count: Option<u32>,
    /// (request id, offset) of the window in flight.
    pending_page: Option<(u32, usize)>,
    error: Option<String>,
    editing: Option<TextArea<'static>>,
    detail: Option<detail::Detail>,
}

impl Default for PoolPane {
    fn default() -> Self {
        PoolPane {
            source: None,
            filter: String::new(),
            archived: None,
            sort: PoolSort::Sku,
            descending: false,
            total: None,
            selected: 0,
            top: 0,
            page: Shown::new(DEFAULT_PAGE),
            offset: 0,
            rows: Vec::new(),
            generation: 0,
            pending_count: None,
            pending_page: None,
            error: None,
            editing: None,
            detail: None,
        }
    }
}

/// The first visible row: `top` moved just enough that `selected` is on screen.
fn clamp_top(top: usize, selected: usize, height: usize, total: usize) -> usize {
    let height = height.max(1);
    let mut top = top.min(selected);
    if selected >= top + height {
        top = selected + 1 - height;
    }
    top.min(total.saturating_sub(height))
}

fn money(v: Option<&FieldValue>) -> String {
    match v {
        Some(FieldValue::Number(n)) => format!("{n:.2}"),
        Some(v) => v.as_text().into_owned(),
        None => String::new(),
    }
}

fn plain(v: Option<&FieldValue>) -> String {
    v.map(|v| v.as_text().into_owned()).unwrap_or_default()
}

/// Committed and Available as the Quantity column writes numbers; empty without a quantity
/// (family parents).
pub(super) fn commit_cells(item: &PoolItem) -> (String, String) {
    match item.available() {
        Some(a) => (
            FieldValue::Number(item.committed).as_text().into_owned(),
            FieldValue::Number(a).as_text().into_owned(),
        ),
        None => (String::new(), String::new()),
    }
}

impl PoolPane {
    /// A pane showing `rows` (rows `offset..`) of `total` for `source`, as if loaded (the
    /// render benchmark preloads 100,000 rows this way).
    #[doc(hidden)]
    pub fn preloaded(source: &str, total: usize, offset: usize, rows: Vec<PoolItem>) -> PoolPane {
        PoolPane {
            source: Some(source.to_string()),
            total: Some(total),
            offset,
            rows,
            ..PoolPane::default()
        }
    }

    /// Puts `pane` in `app` in place of its Pool pane (the render benchmark).
    #[doc(hidden)]
    pub fn install(self, app: &mut crate::tui::app::App) {
        if let Some(slot) = app.panes.get_mut(PaneId::Pool.index()) {
            *slot = Box::new(self);
        }
    }

    fn tag(&self, kind: u32) -> u32 {
        kind | (self.generation << KIND_BITS)
    }

    fn row(&self, i: usize) -> Option<&PoolItem> {
        i.checked_sub(self.offset).and_then(|j| self.rows.get(j))
    }

    fn total(&self) -> usize {
        self.total.unwrap_or(0)
    }

    /// A new query (source, filter or archived filter changed): the cache is dropped.
    fn requery(&mut self, ctx: &mut Ctx) {
        self.rows.clear();
        self.offset = 0;
        self.selected = 0;
        self.top = 0;
        self.total = None;
        self.reload(ctx);
    }

    /// Asks again for the count and the window around the view; the rows shown stay until
    /// the answers arrive.
    fn reload(&mut self, ctx: &mut Ctx) {
        let Some(source) = self.source.clone() else {
            return;
        };
        self.generation = (self.generation + 1) & (u32::MAX >> KIND_BITS);
        let what = self.tag(COUNT);
        self.pending_count = Some(what);
        ctx.call(
            what,
            Request::PoolCount {
                source,
                filter: self.filter_arg(),
                archived: self.archived,
            },
        );
        self.pending_page = None;
        let offset = self.window_for(self.top, self.page.get());
        self.request_page(offset, ctx);
    }

    fn filter_arg(&self) -> Option<String> {
        (!self.filter.is_empty()).then(|| self.filter.clone())
    }

    /// Where a window serving rows `top..top + height` starts: the view in its middle.
    fn window_for(&self, top: usize, height: usize) -> usize {
        let start = top.saturating_sub(WINDOW.saturating_sub(height) / 2);
        match self.total {
            Some(t) => start.min(t.saturating_sub(WINDOW)),
            None => start,
        }
    }

    fn request_page(&mut self, offset: usize, ctx: &mut Ctx) {
        let Some(source) = self.source.clone() else {
            return;
        };
        let what = self.tag(PAGE);
        self.pending_page = Some((what, offset));
        ctx.call(
            what,
            Request::PoolPage {
                source,
                offset,
                limit: WINDOW,
                filter: self.filter_arg(),
                archived: self.archived,
                sort: self.sort,
                descending: self.descending,
            },
        );
    }

    /// Fetches a new window when the view (plus a page either side, so scrolling stays
    /// ahead of the cache) is not in the cached one. One window at a time.
    fn ensure(&mut self, ctx: &mut Ctx) {
        let Some(total) = self.total else {
            return;
        };
        if total == 0 || self.pending_page.is_some() {
            return;
        }
        let h = self.page.get().max(1);
        let lo = self.top.saturating_sub(h);
        let hi = (self.top + 2 * h).min(total);
        let cached_hi = self.offset + self.rows.len();
        if lo >= self.offset && hi <= cached_hi {
            return;
        }
        let offset = self.window_for(self.top, h);
        // A window that is already as good as it gets (the whole pool fits, or the cache
        // already sits at that offset) is not asked for again.
        if offset == self.offset && cached_hi >= (offset + WINDOW).min(total) {
            return;
        }
        self.request_page(offset, ctx);
    }

    fn moved(&mut self, ctx: &mut Ctx) {
        let total = self.total();
        self.selected = self.selected.min(total.saturating_sub(1));
        self.top = clamp_top(self.top, self.selected, self.page.get(), total);
        self.ensure(ctx);
    }

    fn list_command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        let total = self.total();
        let page = self.page.get().max(1);
        match cmd {
            Command::Up => self.selected = self.selected.saturating_sub(1),
            Command::Down => self.selected = (self.selected + 1).min(total.saturating_sub(1)),
            Command::PageUp => {
                self.selected = self.selected.saturating_sub(page);
                self.top = self.top.saturating_sub(page);
            }
            Command::PageDown => {
                self.selected = (self.selected + page).min(total.saturating_sub(1));
                self.top += page;
            }
            Command::Top => self.selected = 0,
            Command::Bottom => self.selected = total.saturating_sub(1),
            Command::Select => {
                if self.source.is_none() || total == 0 {
                    return true;
                }
                match self.row(self.selected) {
                    Some(item) => self.detail = Some(detail::Detail::new(item.clone())),
                    None => ctx.info(text::NOT_LOADED),
                }
                return true;
            }
            Command::Filter => {
                let mut t = TextArea::default();
                t.insert_str(&self.filter);
                self.editing = Some(t);
                return true;
            }
            Command::ToggleArchived => {
                self.archived = match self.archived {
                    None => Some(true),
                    Some(true) => Some(false),
                    Some(false) => None,
                };
                ctx.info(text::archived_mode(self.archived));
                self.requery(ctx);
                return true;
            }
            Command::CycleSort | Command::ReverseSort => {
                if cmd == Command::CycleSort {
                    self.sort = self.sort.next();
                } else {
                    self.descending = !self.descending;
                }
                ctx.info(text::sort_mode(self.sort, self.descending));
                self.requery(ctx);
                return true;
            }
            Command::Back if !self.filter.is_empty() || self.archived.is_some() => {
                self.filter.clear();
                self.archived = None;
                ctx.info(text::FILTER_CLEARED);
                self.requery(ctx);
                return true;
            }
            _ => return false,
        }
        self.moved(ctx);
        true
    }

    fn render_list(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let mut filter = text::filter_desc(&self.filter, self.archived);
        filter.push_str(&text::sort_desc(self.sort, self.descending));
        let title = match &self.source {
            Some(s) => text::title(s, self.total, &filter, self.selected + 1),
            None => text::TITLE.to_string(),
        };
        let block = pane_block(title, t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let (list, field) = if self.editing.is_some() {
            let [a, b] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
            (a, Some(b))
        } else {
            (inner, None)
        };
        if let (Some(field), Some(ta)) = (field, &self.editing) {
            f.render_widget(prompt_line(text::FILTER_PROMPT, ta, ui.theme), field);
        }
        let message = |f: &mut Frame, msg: String, style: ratatui::style::Style| {
            f.render_widget(
                Paragraph::new(msg).style(style).wrap(Wrap { trim: true }),
                list,
            );
        };
        let Some(source) = &self.source else {
            message(f, text::NO_SOURCE.to_string(), t.dim);
            return;
        };
        match (self.total, &self.error) {
            (_, Some(e)) if self.rows.is_empty() => {
                return message(f, text::error(e, ui.keymap), t.error)
            }
            (None, _) => return message(f, text::LOADING.to_string(), t.dim),
            (Some(0), _) if filter.is_empty() => {
                return message(f, text::empty_pool(source, ui.keymap), t.dim)
            }
            (Some(0), _) => return message(f, text::no_match(&filter, ui.keymap), t.dim),
            _ => {}
        }
        let total = self.total();
        let h = list.height.saturating_sub(1) as usize;
        self.page.set(h.max(1));
        let top = clamp_top(self.top, self.selected, h, total);
        let end = (top + h).min(total);
        let right = |s: String| Cell::from(Line::from(s).alignment(Alignment::Right));
        let rows: Vec<Row> = (top..end)
            .map(|i| {
                let style = if i == self.selected {
                    t.selected
                } else {
                    t.text
                };
                let Some(item) = self.row(i) else {
                    return Row::new(vec![Cell::from(text::LOADING_ROW)]).style(t.dim);
                };
                let f = &item.fields;
                let (committed, available) = commit_cells(item);
                Row::new(vec![
                    Cell::from(item.sku.as_str()),
                    Cell::from(plain(f.get("Title"))),
                    right(plain(f.get("Quantity"))),
                    right(committed),
                    right(available),
                    right(money(f.get("Cost"))),
                    right(money(f.get("MSRP"))),
                    Cell::from(plain(f.get("Brand"))),
                    Cell::from(if item.archived { text::ARCHIVED } else { "" }),
                    right(match item.last_seen_run {
                        0 => String::new(),
                        r => r.to_string(),
                    }),
                ])
                .style(if item.archived && i != self.selected {
                    t.dim
                } else {
                    style
                })
            })
            .collect();
        let header = Row::new(text::HEADER.iter().enumerate().map(|(i, h)| {
            if (2..=6).contains(&i) || i == 9 {
                Cell::from(Line::from(*h).alignment(Alignment::Right))
            } else {
                Cell::from(*h)
            }
        }))
        .style(t.title);
        let table = Table::new(
            rows,
            [
                Constraint::Length(18),
                Constraint::Min(16),
                Constraint::Length(8),
                Constraint::Length(9),
                Constraint::Length(9),
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Length(12),
                Constraint::Length(4),
                Constraint::Length(8),
            ],
        )
        .header(header);
        let table_area = Rect {
            width: list.width.saturating_sub(1),
            ..list
        };
        f.render_widget(table, table_area);
        if total > h {
            let mut state = ScrollbarState::new(total.saturating_sub(h)).position(top);
            f.render_stateful_widget(
                Scrollbar::new(ScrollbarOrientation::VerticalRight)
                    .begin_symbol(None)
                    .end_symbol(None)
                    .style(t.dim),
                list,
                &mut state,
            );
        }
    }
}

impl Pane for PoolPane {
    fn id(&self) -> PaneId {
        PaneId::Pool
    }

    fn has_filter(&self) -> bool {
        true
    }

    fn context(&self) -> Context {
        if self.editing.is_some() {
            Context::Text
        } else {
            Context::Pool
        }
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        let source = ctx.shared.source.clone();
        if source != self.source {
            self.source = source;
            self.detail = None;
            self.error = None;
            self.requery(ctx);
        } else {
            self.reload(ctx);
        }
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        if let Some(ta) = &mut self.editing {
            match cmd {
                Command::ClearLine => crate::tui::widgets::prompt::clear_line(ta),
                Command::Select | Command::Save => {
                    let typed = ta.lines().join("").trim().to_string();
                    self.editing = None;
                    if typed != self.filter {
                        self.filter = typed;
                        self.requery(ctx);
                    }
                }
                Command::Back => self.editing = None,
                _ => return false,
            }
            return true;
        }
        if let Some(d) = &mut self.detail {
            match cmd {
                Command::Back => self.detail = None,
                Command::Select => {}
                Command::Filter | Command::ToggleArchived => {
                    self.detail = None;
                    return self.list_command(cmd, ctx);
                }
                c => return d.scroll(c),
            }
            return true;
        }
        self.list_command(cmd, ctx)
    }

    fn text_key(&mut self, key: KeyEvent, _ctx: &mut Ctx) {
        if let Some(t) = &mut self.editing {
            t.input(key);
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        if self.pending_count == Some(what) {
            self.pending_count = None;
            match response {
                Response::Count(n) => {
                    self.total = Some(n);
                    self.error = None;
                    self.moved(ctx);
                }
                Response::Error(e) => self.failed(e, ctx),
                _ => {}
            }
        } else if let Some((_, offset)) = self.pending_page.filter(|(id, _)| *id == what) {
            self.pending_page = None;
            match response {
                Response::Pool(rows) => {
                    // A short window before the counted end: the pool shrank meanwhile.
                    if rows.len() < WINDOW {
                        let end = offset + rows.len();
                        if self.total.is_some_and(|t| t > end) {
                            self.total = Some(end);
                        }
                    }
                    self.offset = offset;
                    self.rows = rows;
                    self.error = None;
                    if let Some(d) = &mut self.detail {
                        if let Some(item) = self.rows.iter().find(|r| r.sku == d.item.sku) {
                            d.set_item(item.clone());
                        }
                    }
                    self.moved(ctx);
                }
                Response::Error(e) => self.failed(e, ctx),
                _ => {}
            }
        }
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        if let EngineEvent::Idle {
            source,
            kind: JobKind::Primary | JobKind::Secondary,
        } = event
        {
            let name = ctx.shared.source_name(*source);
            if !ctx.shared.frozen && self.source.as_deref() == Some(name.as_str()) {
                self.reload(ctx);
            }
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        match &self.detail {
            Some(d) => d.render(f, area, ui),
            None => self.render_list(f, area, ui),
        }
    }
}

impl PoolPane {
    fn failed(&mut self, e: String, ctx: &mut Ctx) {
        if !self.rows.is_empty() {
            ctx.error(text::error(&e, ctx.keys));
        }
        self.error = Some(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::Effect;
    use crate::tui::shared::Shared;

    fn item(i: usize) -> PoolItem {
        PoolItem {
            sku: format!("SKU-{i:06}"),
            ..PoolItem::default()
        }
    }

    /// Answers every request the pane makes from a pool of `total` rows, until it asks for
    /// nothing more. Returns how many windows it served.
    fn serve(
        pane: &mut PoolPane,
        shared: &mut Shared,
        total: usize,
        mut effects: Vec<Effect>,
    ) -> usize {
        let mut pages = 0;
        while !effects.is_empty() {
            let mut next = Vec::new();
            for e in effects {
                let Effect::Call { tag, request } = e else {
                    continue;
                };
                let response = match request {
                    Request::PoolCount { .. } => Response::Count(total),
                    Request::PoolPage { offset, limit, .. } => {
                        pages += 1;
                        Response::Pool((offset..(offset + limit).min(total)).map(item).collect())
                    }
                    other => panic!("unexpected {other:?}"),
                };
                let mut confirm = None;
                let mut ctx = Ctx {
                    shared,
                    effects: &mut next,
                    confirm: &mut confirm,
                    pane: PaneId::Pool,
                    keys: &crate::tui::keymap::Keymap::default(),
                };
                pane.reply(tag.what, response, &mut ctx);
            }
            effects = next;
        }
        pages
    }

    fn run(
        pane: &mut PoolPane,
        shared: &mut Shared,
        f: impl FnOnce(&mut PoolPane, &mut Ctx),
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut confirm = None;
        let mut ctx = Ctx {
            shared,
            effects: &mut effects,
            confirm: &mut confirm,
            pane: PaneId::Pool,
            keys: &crate::tui::keymap::Keymap::default(),
        };
        f(pane, &mut ctx);
        effects
    }

    fn visible_cached(p: &PoolPane) -> bool {
        let h = p.page.get();
        let end = (p.top + h).min(p.total());
        (p.top..end).all(|i| p.row(i).is_some_and(|r| r.sku == format!("SKU-{i:06}")))
    }

    #[test]
    fn scrolling_anywhere_in_a_large_pool_fetches_the_window_it_needs() {
        let total = 100_000;
        let mut shared = Shared {
            source: Some("s".into()),
            ..Shared::default()
        };
        let mut p = PoolPane::default();
        let e = run(&mut p, &mut shared, |p, ctx| p.refresh(ctx));
        serve(&mut p, &mut shared, total, e);
        assert_eq!(p.total, Some(total));
        assert!(visible_cached(&p));

        let e = run(&mut p, &mut shared, |p, ctx| {
            p.command(Command::Bottom, ctx);
        });
        assert_eq!(serve(&mut p, &mut shared, total, e), 1);
        assert_eq!(p.selected, total - 1);
        assert!(visible_cached(&p));
        assert_eq!(p.offset + p.rows.len(), total);

        // Paging up through 2,000 rows: a window now and then, never one per key.
        let mut windows = 0;
        for _ in 0..100 {
            let e = run(&mut p, &mut shared, |p, ctx| {
                p.command(Command::PageUp, ctx);
            });
            windows += serve(&mut p, &mut shared, total, e);
            assert!(visible_cached(&p), "top {} offset {}", p.top, p.offset);
        }
        assert!((4..=10).contains(&windows), "{windows} windows");

        let e = run(&mut p, &mut shared, |p, ctx| {
            p.command(Command::Top, ctx);
        });
        serve(&mut p, &mut shared, total, e);
        assert_eq!((p.selected, p.top, p.offset), (0, 0, 0));
        assert!(visible_cached(&p));
    }

    #[test]
    fn a_reply_to_an_older_query_is_dropped() {
        let mut shared = Shared {
            source: Some("s".into()),
            ..Shared::default()
        };
        let mut p = PoolPane::default();
        let old = run(&mut p, &mut shared, |p, ctx| p.refresh(ctx));
        // The filter changes before the first answers arrive.
        let new = run(&mut p, &mut shared, |p, ctx| {
            p.command(Command::Filter, ctx);
            p.text_key(KeyEvent::from(crossterm::event::KeyCode::Char('x')), ctx);
            p.command(Command::Select, ctx);
        });
        assert_eq!(serve(&mut p, &mut shared, 1000, old), 1);
        assert_eq!(p.total, None, "the old count was not taken");
        assert!(p.rows.is_empty());
        serve(&mut p, &mut shared, 7, new);
        assert_eq!(p.total, Some(7));
        assert_eq!(p.rows.len(), 7);
        assert_eq!(p.filter, "x");
    }

    #[test]
    fn clamp_top_keeps_the_selection_visible() {
        assert_eq!(clamp_top(0, 0, 10, 100), 0);
        assert_eq!(clamp_top(0, 15, 10, 100), 6);
        assert_eq!(clamp_top(50, 20, 10, 100), 20);
        assert_eq!(clamp_top(95, 99, 10, 100), 90);
        assert_eq!(clamp_top(0, 0, 0, 0), 0);
    }
}
