//! A pool variant's detail: every mapped field (options, custom fields and images grouped),
//! the parent SKU, the archived flag, the units committed to open FRs and what is available
//! to sell, the stock per outlet (by the outlet names the store gives), and the change
//! history (run, field, old → new).

use std::cell::Cell as Shown;
use std::collections::BTreeMap;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::engine::OutletView;
use crate::mapping::FieldValue;
use crate::pool::PoolItem;
use crate::tui::command::Command;
use crate::tui::panes::Ui;
use crate::tui::view::pane_block;

mod text {
    use crate::tui::command::Command;
    use crate::tui::keymap::{Context, Keymap};

    pub const SKU: &str = "SKU";
    pub const TITLE_FIELD: &str = "Title";
    pub const PARENT: &str = "Parent SKU";
    pub const PRODUCT_ID: &str = "Product id";
    pub const ARCHIVED: &str = "Archived";
    pub const FAMILY_PARENT: &str = "Family parent";
    pub const LAST_SEEN: &str = "Last seen in run";
    pub const COMMITTED: &str = "Committed (open FRs)";
    pub const AVAILABLE: &str = "Available to sell";
    pub const YES: &str = "yes";
    pub const NO: &str = "no";
    pub const NONE: &str = "—";
    pub const FIELDS: &str = "Mapped fields";
    pub const OPTIONS: &str = "Options";
    pub const CUSTOM: &str = "Custom and summary fields";
    pub const IMAGES: &str = "Images";
    pub const HISTORY: &str = "Change history (newest first)";
    pub const NO_HISTORY: &str = "  No changes recorded since the item was first imported.";
    pub const NOTHING: &str = "  (none)";
    pub const EMPTY_VALUE: &str = "(empty)";
    pub const HISTORY_HEADER: [&str; 3] = ["run", "field", "old → new"];
    pub const STOCK: &str = "Stock per outlet";
    pub const NO_STOCK: &str = "  No stock record read for this variant.";
    pub const NAMES_LOADING: &str = "  (reading the outlet names from the store…)";
    pub const DELETED: &str = " (deleted)";
    pub const TOTAL: &str = "Total";

    pub fn names_failed(why: &str) -> String {
        format!("  (outlet names unavailable: {why})")
    }

    pub fn title(sku: &str, k: &Keymap) -> String {
        format!(
            " Variant {sku} ({} back, {}/{} scroll) ",
            k.shown(Context::Pool, Command::Back),
            k.shown(Context::Pool, Command::Down),
            k.shown(Context::Pool, Command::Up)
        )
    }

    pub fn option(n: u32, name: &str, value: &str) -> String {
        format!("  {n}. {name}: {value}")
    }
}

/// One line of the detail, before styling.
#[derive(Debug, Clone, PartialEq)]
enum DLine {
    Heading(&'static str),
    Field(String, String),
    /// Two fields side by side.
    Pair((&'static str, String), (&'static str, String)),
    Plain(String),
    Dim(&'static str),
    Note(String),
    History {
        run: String,
        field: String,
        old: String,
        new: String,
    },
    Blank,
}

pub struct Detail {
    pub item: PoolItem,
    outlets: Option<Result<Vec<OutletView>, String>>,
    lines: Vec<DLine>,
    scroll: usize,
    page: Shown<usize>,
}

fn shown(v: &FieldValue) -> String {
    match v {
        FieldValue::Empty => text::EMPTY_VALUE.to_string(),
        v => v.as_text().replace(['\n', '\r'], " "),
    }
}

/// `"Option Name 3"` → `("Option Name", 3)`.
fn slot(name: &str) -> Option<(&str, u32)> {
    let (prefix, n) = name.rsplit_once(' ')?;
    Some((prefix, n.parse().ok()?))
}

/// The stock per outlet: one line per outlet the item has a level for, named when the
/// store's outlet list is in, then the total.
fn stock_lines(item: &PoolItem, outlets: Option<&Result<Vec<OutletView>, String>>) -> Vec<DLine> {
    let mut out = vec![DLine::Heading(text::STOCK)];
    if item.stock.0.is_empty() {
        out.push(DLine::Dim(text::NO_STOCK));
        return out;
    }
    let number = |n: f64| FieldValue::Number(n).as_text().into_owned();
    let named = |id: &str| match outlets {
        Some(Ok(list)) => list.iter().find(|o| o.id == id).map(|o| {
            let mut s = o.name.clone();
            if o.deleted {
                s.push_str(text::DELETED);
            }
            s
        }),
        _ => None,
    };
    let mut rows: Vec<(Option<String>, &str, f64)> = item
        .stock
        .0
        .iter()
        .map(|(id, level)| (named(id), id.as_str(), *level))
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &(Option<String>, &str, f64)| r.0.as_deref().unwrap_or(r.1).to_lowercase();
        key(a).cmp(&key(b))
    });
    for (name, id, level) in rows {
        out.push(match name {
            // A long name is cut so it never runs into its level.
            Some(n) => DLine::Field(crate::tui::widgets::columns::clip(&n, 21), number(level)),
            // An id is shown whole (it is what the store and the CLI name the outlet by).
            None => DLine::Plain(format!("  {id}  {}", number(level))),
        });
    }
    if let Some(total) = item.stock.quantity(None) {
        out.push(DLine::Field(text::TOTAL.to_string(), number(total)));
    }
    match outlets {
        None => out.push(DLine::Note(text::NAMES_LOADING.to_string())),
        Some(Err(why)) => out.push(DLine::Note(text::names_failed(why))),
        Some(Ok(_)) => {}
    }
    out
}

fn content(item: &PoolItem, outlets: Option<&Result<Vec<OutletView>, String>>) -> Vec<DLine> {
    let mut out = Vec::new();
    let field = |l: &str, v: String| DLine::Field(l.to_string(), v);
    let yes_no = |b: bool| if b { text::YES } else { text::NO }.to_string();
    let title = item.fields.get("Title").map(shown).unwrap_or_default();
    let parent = item.parent_sku.clone().unwrap_or_else(|| text::NONE.into());
    out.push(DLine::Pair(
        (text::SKU, item.sku.clone()),
        (text::ARCHIVED, yes_no(item.archived)),
    ));
    out.push(DLine::Pair(
        (text::PARENT, parent),
        (text::FAMILY_PARENT, yes_no(item.is_parent)),
    ));
    out.push(DLine::Pair(
        (text::PRODUCT_ID, item.product_id.clone()),
        (text::LAST_SEEN, item.last_seen_run.to_string()),
    ));
    out.push(field(text::TITLE_FIELD, title));
    if item.quantity().is_some() {
        // Quantity (from the store) is among the mapped fields below.
        let (committed, available) = super::commit_cells(item);
        out.push(DLine::Pair(
            (text::COMMITTED, committed),
            (text::AVAILABLE, available),
        ));
    }

    out.push(DLine::Blank);
    out.extend(stock_lines(item, outlets));

    out.push(DLine::Blank);
    out.push(DLine::Heading(text::HISTORY));
    if item.history.is_empty() {
        out.push(DLine::Dim(text::NO_HISTORY));
    } else {
        out.push(DLine::History {
            run: text::HISTORY_HEADER[0].into(),
            field: text::HISTORY_HEADER[1].into(),
            old: text::HISTORY_HEADER[2].into(),
            new: String::new(),
        });
    }
    for c in item.history.iter().rev() {
        out.push(DLine::History {
            run: c.run.to_string(),
            field: c.field.clone(),
            old: shown(&c.old),
            new: shown(&c.new),
        });
    }

    let mut options: BTreeMap<u32, (String, String)> = BTreeMap::new();
    let mut custom: BTreeMap<(&str, u32), String> = BTreeMap::new();
    let mut images: Vec<String> = Vec::new();
    let mut plain: Vec<DLine> = Vec::new();
    for (name, value) in &item.fields {
        match (name.as_ref(), slot(name)) {
            ("Title" | "SKU", _) => {}
            ("Images", _) => match value {
                FieldValue::List(l) => images.extend(l.iter().cloned()),
                FieldValue::Empty => {}
                v => images.push(v.as_text().into_owned()),
            },
            (_, Some(("Option Name", n))) => options.entry(n).or_default().0 = shown(value),
            (_, Some(("Option Value", n))) => options.entry(n).or_default().1 = shown(value),
            (_, Some((p @ ("Custom Field" | "Summary Field"), n))) => {
                custom.insert((p, n), shown(value));
            }
            _ => plain.push(field(name, shown(value))),
        }
    }
    out.push(DLine::Blank);
    out.push(DLine::Heading(text::FIELDS));
    if plain.is_empty() {
        out.push(DLine::Dim(text::NOTHING));
    }
    out.extend(plain);
    out.push(DLine::Blank);
    out.push(DLine::Heading(text::OPTIONS));
    if options.is_empty() {
        out.push(DLine::Dim(text::NOTHING));
    }
    for (n, (name, value)) in options {
        out.push(DLine::Plain(text::option(n, &name, &value)));
    }
    out.push(DLine::Blank);
    out.push(DLine::Heading(text::CUSTOM));
    if custom.is_empty() {
        out.push(DLine::Dim(text::NOTHING));
    }
    for ((p, n), v) in custom {
        out.push(DLine::Field(format!("{p} {n}"), v));
    }
    out.push(DLine::Blank);
    out.push(DLine::Heading(text::IMAGES));
    if images.is_empty() {
        out.push(DLine::Dim(text::NOTHING));
    }
    for url in images {
        out.push(DLine::Plain(format!("  {url}")));
    }
    out
}

impl Detail {
    pub fn new(item: PoolItem) -> Detail {
        Detail {
            lines: content(&item, None),
            item,
            outlets: None,
            scroll: 0,
            page: Shown::new(20),
        }
    }

    pub fn set_item(&mut self, item: PoolItem) {
        self.lines = content(&item, self.outlets.as_ref());
        self.item = item;
    }

    /// The store's outlets (names for the stock per outlet), or why they could not be read.
    pub fn set_outlets(&mut self, outlets: Option<Result<Vec<OutletView>, String>>) {
        self.outlets = outlets;
        self.lines = content(&self.item, self.outlets.as_ref());
    }

    fn max_scroll(&self) -> usize {
        self.lines.len().saturating_sub(self.page.get())
    }

    /// Scroll keys; returns whether the command was one.
    pub fn scroll(&mut self, cmd: Command) -> bool {
        let page = self.page.get().max(1);
        self.scroll = match cmd {
            Command::Up => self.scroll.saturating_sub(1),
            Command::Down => self.scroll + 1,
            Command::PageUp => self.scroll.saturating_sub(page),
            Command::PageDown => self.scroll + page,
            Command::Top => 0,
            Command::Bottom => usize::MAX,
            _ => return false,
        }
        .min(self.max_scroll());
        true
    }

    pub fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let block = pane_block(text::title(&self.item.sku, ui.keymap), t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let h = inner.height as usize;
        self.page.set(h.max(1));
        let scroll = self.scroll.min(self.lines.len().saturating_sub(h));
        let lines: Vec<Line> = self
            .lines
            .iter()
            .skip(scroll)
            .take(h)
            .map(|l| match l {
                DLine::Heading(s) => Line::styled(*s, t.title),
                DLine::Field(k, v) => Line::from(vec![
                    Span::styled(format!("  {k:<22}"), t.dim),
                    Span::styled(v.clone(), t.text),
                ]),
                DLine::Pair((k1, v1), (k2, v2)) => Line::from(vec![
                    Span::styled(format!("  {k1:<22}"), t.dim),
                    Span::styled(format!("{v1:<40}"), t.text),
                    Span::styled(format!("{k2:<18}"), t.dim),
                    Span::styled(v2.clone(), t.text),
                ]),
                DLine::Plain(s) => Line::styled(s.clone(), t.text),
                DLine::Dim(s) => Line::styled(*s, t.dim),
                DLine::Note(s) => Line::styled(s.clone(), t.dim),
                DLine::History {
                    run,
                    field,
                    old,
                    new,
                } => {
                    let mut spans = vec![
                        Span::styled(format!("  {run:<8}"), t.dim),
                        Span::styled(format!("{field:<22}"), t.accent),
                        Span::styled(old.clone(), t.text),
                    ];
                    if !new.is_empty() {
                        spans.push(Span::styled(" → ", t.dim));
                        spans.push(Span::styled(new.clone(), t.text));
                    }
                    Line::from(spans)
                }
                DLine::Blank => Line::default(),
            })
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }
}
