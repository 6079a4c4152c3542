//! Inventory pool: a virtualised table over the whole pool of the current source. The pane
//! keeps one window of rows (`PoolPage`) around the viewport plus the row count
//! (`PoolCount`); scrolling anywhere fetches the window it needs, and only the visible rows
//! become table rows. `/` filters by SKU or title (the engine applies it), `A` cycles the
//! archived filter, Enter opens a variant's detail with its change history.

use super::{Fresh, ReplyId};
use std::cell::Cell as Shown;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{
    Cell, Paragraph, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, Table, Wrap,
};
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{EngineEvent, Integration, OutletView, Request, Response};
use crate::mapping::FieldValue;
use crate::pool::{PoolItem, PoolSort};
use crate::tui::command::Command;
use crate::tui::keymap::Context;
use crate::tui::view::pane_block;
use crate::tui::widgets::columns::{clip, fit_filling, Col};
use crate::tui::widgets::filter_line::{FilterLine, Filtered};

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
    pub const HEADER: [&str; 11] = [
        "SKU",
        "Title",
        "Options",
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

super::reply_ids! {
    /// Request kinds; each call carries the query generation ([`Fresh`]) so a reply to an
    /// older query (another filter, another source) is recognised and dropped.
    enum Reply {
        Count = 1,
        Page = 2,
        Outlets = 3,
    }
}

/// Rows fetched per window.
pub const WINDOW: usize = 500;
/// Rows a page key moves before the first frame says how tall the view is.
const DEFAULT_PAGE: usize = 20;

pub struct PoolPane {
    /// The source the cache belongs to.
    source: Option<String>,
    /// The `/` line; its text (SKU or title substring) is the engine's filter, asked again
    /// with every key typed (the pool index answers in milliseconds at a million items).
    filter: FilterLine,
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
    pending_count: Option<Fresh<Reply>>,
    /// (request id, offset) of the window in flight.
    pending_page: Option<(Fresh<Reply>, usize)>,
    error: Option<String>,
    detail: Option<detail::Detail>,
    /// The source's outlets by name (asked for when a detail first opens), or why not.
    outlets: Option<Result<Vec<OutletView>, String>>,
    pending_outlets: Option<Fresh<Reply>>,
}

impl Default for PoolPane {
    fn default() -> Self {
        PoolPane {
            source: None,
            filter: FilterLine::with_prompt(text::FILTER_PROMPT),
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
            detail: None,
            outlets: None,
            pending_outlets: None,
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

/// A variant's options in `room` cells: "Color: Black / Size: S" when the column has room
/// for the names (`named`), else the values alone ("Black / S"); cut with … when longer.
fn options_cell(item: &PoolItem, room: u16, named: bool) -> String {
    use crate::pool::options::{options_line, values_line};
    let line = if named {
        options_line(item)
    } else {
        values_line(item)
    };
    clip(&line, room)
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

    fn tag(&self, reply: Reply) -> Fresh<Reply> {
        Fresh {
            reply,
            generation: self.generation,
        }
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
        self.generation = Fresh::<Reply>::next_generation(self.generation);
        let what = self.tag(Reply::Count);
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
        let typed = self.filter.text().trim();
        (!typed.is_empty()).then(|| typed.to_string())
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
        let what = self.tag(Reply::Page);
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
                    Some(item) => {
                        let mut d = detail::Detail::new(item.clone());
                        d.set_outlets(self.outlets.clone());
                        self.detail = Some(d);
                        self.ask_outlets(ctx);
                    }
                    None => ctx.info(text::NOT_LOADED),
                }
                return true;
            }
            Command::Filter => {
                self.filter.command(cmd);
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
            Command::Back if !self.filter.text().is_empty() || self.archived.is_some() => {
                self.filter.command(Command::Back);
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
        let mut filter = text::filter_desc(self.filter.text().trim(), self.archived);
        filter.push_str(&text::sort_desc(self.sort, self.descending));
        let title = match &self.source {
            Some(s) => text::title(s, self.total, &filter, self.selected + 1),
            None => text::TITLE.to_string(),
        };
        let block = pane_block(title, t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let list = self.filter.render(f, inner, ui.theme);
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
        // Narrow terminals keep SKU, title, quantity and the variant's options; brand, money
        // and the last run give way before the stock columns. Numbers are never cut, so a
        // column that cannot show its header whole is left out. The options column is as wide
        // as the rows on screen need (none without options): whole ("Color: Black / Size: S")
        // unless that would push Available out, then the values alone ("Black / S").
        let widest = |line: fn(&PoolItem) -> String| {
            (top..end)
                .filter_map(|i| self.row(i))
                .map(|item| crate::tui::widgets::columns::width(&line(item)))
                .max()
                .map_or(0, |w| w.clamp(text::HEADER[2].len(), 28) as u16)
        };
        // SKUs are not cut while there is room for the widest on screen.
        let sku = (top..end)
            .filter_map(|i| self.row(i))
            .map(|item| crate::tui::widgets::columns::width(&item.sku))
            .max()
            .map_or(10, |w| w.clamp(10, 18) as u16);
        let (full, compact) = (
            widest(crate::pool::options::options_line),
            widest(crate::pool::options::values_line),
        );
        let fit_with = |options: u16| {
            fit_filling(
                &[
                    Col::new(sku, 18, 0),
                    Col::new(20, 20, 1),
                    Col::new(options, full, 3),
                    Col::new(8, 8, 2),
                    Col::new(9, 9, 6),
                    Col::new(9, 9, 5),
                    Col::new(8, 8, 7),
                    Col::new(8, 8, 8),
                    Col::new(6, 12, 9),
                    Col::new(4, 4, 4),
                    Col::new(8, 8, 10),
                ],
                list.width.saturating_sub(1),
                1,
                Some(1),
            )
        };
        let mut widths = fit_with(full);
        if widths[5] == 0 {
            widths = fit_with(compact);
        }
        // One form for the whole column, so rows line up.
        let named = widths[2] >= full;
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
                let cells = [
                    Cell::from(clip(&item.sku, widths[0])),
                    Cell::from(clip(&plain(f.get("Title")), widths[1])),
                    Cell::from(options_cell(item, widths[2], named)),
                    right(plain(f.get("Quantity"))),
                    right(committed),
                    right(available),
                    right(money(f.get("Cost"))),
                    right(money(f.get("MSRP"))),
                    Cell::from(clip(&plain(f.get("Brand")), widths[8])),
                    Cell::from(if item.archived { text::ARCHIVED } else { "" }),
                    right(match item.last_seen_run {
                        0 => String::new(),
                        r => r.to_string(),
                    }),
                ];
                Row::new(
                    cells
                        .into_iter()
                        .zip(&widths)
                        .filter(|(_, w)| **w > 0)
                        .map(|(c, _)| c)
                        .collect::<Vec<_>>(),
                )
                .style(if item.archived && i != self.selected {
                    t.dim
                } else {
                    style
                })
            })
            .collect();
        let header = Row::new(
            text::HEADER
                .iter()
                .enumerate()
                .filter(|(i, _)| widths[*i] > 0)
                .map(|(i, h)| {
                    if (3..=7).contains(&i) || i == 10 {
                        Cell::from(Line::from(*h).alignment(Alignment::Right))
                    } else {
                        Cell::from(*h)
                    }
                }),
        )
        .style(t.title);
        let table = Table::new(
            rows,
            widths
                .iter()
                .filter(|w| **w > 0)
                .map(|w| Constraint::Length(*w)),
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
        self.filter.context(Context::Pool)
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        let source = ctx.shared.source.clone();
        if source != self.source {
            self.source = source;
            self.detail = None;
            self.error = None;
            self.outlets = None;
            self.pending_outlets = None;
            self.requery(ctx);
        } else {
            self.reload(ctx);
        }
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        if self.filter.is_editing() {
            let cmd = if cmd == Command::Save {
                Command::Select
            } else {
                cmd
            };
            return match self.filter.command(cmd) {
                Filtered::NotMine => false,
                Filtered::Same => true,
                Filtered::Changed => {
                    self.requery(ctx);
                    true
                }
            };
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

    fn text_key(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        match self.filter.key(key) {
            Filtered::Changed => self.requery(ctx),
            // The arrows move the list while the line keeps focus.
            Filtered::NotMine => {
                let cmd = match key.code {
                    KeyCode::Up => Command::Up,
                    KeyCode::Down => Command::Down,
                    KeyCode::PageUp => Command::PageUp,
                    KeyCode::PageDown => Command::PageDown,
                    _ => return,
                };
                self.list_command(cmd, ctx);
            }
            Filtered::Same => {}
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        let Some(what) = Fresh::<Reply>::from_id(what) else {
            return;
        };
        if self.pending_outlets == Some(what) {
            self.pending_outlets = None;
            let got = match response {
                Response::Outlets(o) => Ok(o),
                Response::Error(e) => Err(e.to_string()),
                _ => return,
            };
            self.outlets = Some(got);
            if let Some(d) = &mut self.detail {
                d.set_outlets(self.outlets.clone());
            }
        } else if self.pending_count == Some(what) {
            self.pending_count = None;
            match response {
                Response::Count(n) => {
                    self.total = Some(n);
                    self.error = None;
                    self.moved(ctx);
                }
                Response::Error(e) => self.failed(e.to_string(), ctx),
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
                Response::Error(e) => self.failed(e.to_string(), ctx),
                _ => {}
            }
        }
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        if let EngineEvent::Idle {
            source,
            kind: Integration::Primary | Integration::Secondary,
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
    /// Asks for the source's outlet names once per source (a failure is asked again on the
    /// next detail).
    fn ask_outlets(&mut self, ctx: &mut Ctx) {
        let Some(source) = self.source.clone() else {
            return;
        };
        if matches!(self.outlets, Some(Ok(_))) || self.pending_outlets.is_some() {
            return;
        }
        let what = self.tag(Reply::Outlets);
        self.pending_outlets = Some(what);
        ctx.call(what, Request::Outlets { source });
    }

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
        assert_eq!(p.filter.text(), "x");
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
