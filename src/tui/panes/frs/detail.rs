//! One FR in full: status and reason, times, payment and shipping, both addresses side by
//! side, the lines with their send state, the totals, and the timeline (time, status, kind,
//! reason, run).

use std::cell::Cell as Shown;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::frs::model::FrAddress;
use crate::frs::{Fr, FrEvent, FrStatus, LineState};
use crate::tui::command::Command;
use crate::tui::panes::Ui;
use crate::tui::theme::Theme;
use crate::tui::view::pane_block;

mod text {
    use crate::tui::command::Command;
    use crate::tui::keymap::{Context, Keymap};

    pub fn gone(k: &Keymap) -> String {
        format!(
            "This FR is no longer in the store. {} goes back.",
            k.shown(Context::Frs, Command::Back)
        )
    }
    pub const STATUS: &str = "Status";
    pub const REASON: &str = "Reason";
    pub const CREATED: &str = "Created (UTC)";
    pub const IMPORTED: &str = "Imported (UTC)";
    pub const EARLIEST: &str = "Earliest send (UTC)";
    pub const UPDATED: &str = "Updated (UTC)";
    pub const PAYMENT: &str = "Payment method";
    pub const SHIPPING_METHOD: &str = "Shipping method";
    pub const SALE_ID: &str = "Sale id";
    pub const INVOICE: &str = "Invoice number";
    pub const ATTEMPTS: &str = "Send attempts";
    pub const ADDRESSES: &str = "Addresses";
    pub const BILLING: &str = "Billing";
    pub const SHIPPING: &str = "Shipping";
    pub const ITEMS: &str = "Items";
    pub const ITEM_HEADER: [&str; 5] = ["SKU", "Quantity", "Unit price", "Line total", "State"];
    pub const TIMELINE: &str = "Timeline";
    pub const TIMELINE_HEADER: [&str; 5] = ["Time (UTC)", "Status", "Kind", "Run", "Reason"];
    pub const TIMELINE_LOADING: &str = "  loading…";
    pub const TIMELINE_EMPTY: &str = "  no events recorded";
    pub const NONE: &str = "—";

    pub fn title(number: &str, k: &Keymap) -> String {
        let key = |c| k.shown(Context::Frs, c);
        format!(
            " FR {number} ({} back · {} retry · {} release · {} cancel) ",
            key(Command::Back),
            key(Command::Retry),
            key(Command::Release),
            key(Command::Cancel)
        )
    }

    pub fn totals(items: f64, discount: f64, shipping: f64, tax: f64, total: f64) -> String {
        format!(
            "  Totals: items {items:.2} · discount {discount:.2} · shipping {shipping:.2} · tax {tax:.2} · total {total:.2}"
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tone {
    Title,
    Dim,
    Text,
    Good,
    Bad,
    Accent,
}

/// One line before styling: spans of (text, tone).
type DLine = Vec<(String, Tone)>;

pub struct Detail {
    pub number: String,
    fr: Option<Fr>,
    timeline: Option<Vec<FrEvent>>,
    lines: Vec<DLine>,
    scroll: usize,
    page: Shown<usize>,
}

fn time(s: &str) -> String {
    if s.is_empty() {
        text::NONE.to_string()
    } else {
        s.get(..19).unwrap_or(s).replace('T', " ")
    }
}

fn status_tone(s: FrStatus) -> Tone {
    match s {
        FrStatus::Processed | FrStatus::Acknowledged => Tone::Good,
        FrStatus::Failed | FrStatus::AdditionalInfoRequired => Tone::Bad,
        FrStatus::Canceled | FrStatus::DuplicateFrNumber => Tone::Dim,
        FrStatus::Unprocessed | FrStatus::Processing => Tone::Accent,
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn field(label: &str, value: String, tone: Tone) -> DLine {
    vec![(format!("  {label:<22}"), Tone::Dim), (value, tone)]
}

/// Two fields side by side: `(label, value, tone)` on the left, `(label, value)` on the right.
fn pair(left: (&str, String, Tone), right: (&str, String)) -> DLine {
    vec![
        (format!("  {:<22}", left.0), Tone::Dim),
        (format!("{:<38}", left.1), left.2),
        (format!("{:<18}", right.0), Tone::Dim),
        (right.1, Tone::Text),
    ]
}

fn timeline_lines(out: &mut Vec<DLine>, timeline: Option<&[FrEvent]>) {
    out.push(vec![(text::TIMELINE.to_string(), Tone::Title)]);
    match timeline {
        None => out.push(vec![(text::TIMELINE_LOADING.to_string(), Tone::Dim)]),
        Some([]) => out.push(vec![(text::TIMELINE_EMPTY.to_string(), Tone::Dim)]),
        Some(events) => {
            let h = text::TIMELINE_HEADER;
            out.push(vec![(
                format!("  {:<21}{:<26}{:<11}{:<7}{}", h[0], h[1], h[2], h[3], h[4]),
                Tone::Dim,
            )]);
            for e in events {
                let tone = e
                    .status
                    .parse::<FrStatus>()
                    .map(status_tone)
                    .unwrap_or(Tone::Text);
                out.push(vec![
                    (format!("  {:<21}", time(&e.at)), Tone::Dim),
                    (format!("{:<26}", e.status), tone),
                    (format!("{:<11}", e.kind), Tone::Accent),
                    (
                        format!("{:<7}", e.run.map(|r| r.to_string()).unwrap_or_default()),
                        Tone::Dim,
                    ),
                    (one_line(&e.reason), Tone::Text),
                ]);
            }
        }
    }
}

fn content(fr: &Fr, timeline: Option<&[FrEvent]>) -> Vec<DLine> {
    let mut out: Vec<DLine> = Vec::new();
    let opt = |s: &str| {
        if s.is_empty() {
            text::NONE.to_string()
        } else {
            one_line(s)
        }
    };
    let sale = opt(fr.sale_id.as_deref().unwrap_or_default());
    let invoice = opt(fr.invoice_number.as_deref().unwrap_or_default());
    out.push(pair(
        (
            text::STATUS,
            fr.status.label().into(),
            status_tone(fr.status),
        ),
        (text::INVOICE, invoice),
    ));
    out.push(pair(
        (text::CREATED, time(&fr.created_at), Tone::Text),
        (text::SALE_ID, sale),
    ));
    out.push(pair(
        (text::IMPORTED, time(&fr.imported_at), Tone::Text),
        (text::ATTEMPTS, fr.attempts.to_string()),
    ));
    out.push(pair(
        (text::EARLIEST, time(&fr.earliest_send), Tone::Text),
        (text::PAYMENT, opt(&fr.payment_method)),
    ));
    out.push(pair(
        (text::UPDATED, time(&fr.updated_at), Tone::Text),
        (text::SHIPPING_METHOD, opt(&fr.shipping_method)),
    ));
    out.push(field(text::REASON, opt(&fr.reason), Tone::Text));

    out.push(Vec::new());
    timeline_lines(&mut out, timeline);

    out.push(Vec::new());
    out.push(vec![(text::ITEMS.to_string(), Tone::Title)]);
    let h = text::ITEM_HEADER;
    out.push(vec![(
        format!(
            "  {:<20}{:>10}{:>12}{:>12}  {}",
            h[0], h[1], h[2], h[3], h[4]
        ),
        Tone::Dim,
    )]);
    for item in &fr.items {
        let tone = match item.line {
            LineState::Sent => Tone::Good,
            LineState::Pending => Tone::Text,
            LineState::NotSent { .. } | LineState::Canceled { .. } => Tone::Bad,
        };
        out.push(vec![
            (
                format!(
                    "  {:<20}{:>10}{:>12.2}{:>12.2}  ",
                    item.sku,
                    crate::mapping::format_number(item.quantity),
                    item.unit_price,
                    item.quantity * item.unit_price
                ),
                Tone::Text,
            ),
            (one_line(&item.line.label()), tone),
        ]);
    }
    let items = fr.items_total();
    out.push(vec![(
        text::totals(
            items,
            fr.discount,
            fr.shipping_cost,
            fr.tax,
            items - fr.discount + fr.shipping_cost + fr.tax,
        ),
        Tone::Text,
    )]);

    out.push(Vec::new());
    out.push(vec![
        (format!("{:<24}", text::ADDRESSES), Tone::Title),
        (format!("{:<38}", text::BILLING), Tone::Title),
        (text::SHIPPING.to_string(), Tone::Title),
    ]);
    for (key, label) in FrAddress::FIELDS {
        let b = fr.billing.field(key).unwrap_or_default();
        let s = fr.shipping.field(key).unwrap_or_default();
        if b.is_empty() && s.is_empty() {
            continue;
        }
        out.push(vec![
            (format!("  {label:<22}"), Tone::Dim),
            (format!("{:<38}", one_line(b)), Tone::Text),
            (one_line(s), Tone::Text),
        ]);
    }
    out
}

fn style(t: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Title => t.title,
        Tone::Dim => t.dim,
        Tone::Text => t.text,
        Tone::Good => t.ok,
        Tone::Bad => t.error,
        Tone::Accent => t.accent,
    }
}

impl Detail {
    pub fn new(number: String, fr: Option<Fr>) -> Detail {
        let mut d = Detail {
            number,
            fr: None,
            timeline: None,
            lines: Vec::new(),
            scroll: 0,
            page: Shown::new(20),
        };
        d.set_fr(fr);
        d
    }

    fn rebuild(&mut self) {
        self.lines = match &self.fr {
            Some(fr) => content(fr, self.timeline.as_deref()),
            None => Vec::new(),
        };
    }

    pub fn set_fr(&mut self, fr: Option<Fr>) {
        self.fr = fr;
        self.rebuild();
    }

    pub fn set_timeline(&mut self, events: Vec<FrEvent>) {
        self.timeline = Some(events);
        self.rebuild();
    }

    /// Scroll keys; returns whether the command was one.
    pub fn scroll(&mut self, cmd: Command) -> bool {
        let page = self.page.get().max(1);
        let max = self.lines.len().saturating_sub(page);
        self.scroll = match cmd {
            Command::Up => self.scroll.saturating_sub(1),
            Command::Down => self.scroll + 1,
            Command::PageUp => self.scroll.saturating_sub(page),
            Command::PageDown => self.scroll + page,
            Command::Top => 0,
            Command::Bottom => max,
            _ => return false,
        }
        .min(max);
        true
    }

    pub fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let block = pane_block(text::title(&self.number, ui.keymap), t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        if self.fr.is_none() {
            f.render_widget(Paragraph::new(text::gone(ui.keymap)).style(t.dim), inner);
            return;
        }
        let h = inner.height as usize;
        self.page.set(h.max(1));
        let scroll = self.scroll.min(self.lines.len().saturating_sub(h));
        let lines: Vec<Line> = self
            .lines
            .iter()
            .skip(scroll)
            .take(h)
            .map(|l| {
                Line::from(
                    l.iter()
                        .map(|(s, tone)| Span::styled(s.as_str(), style(t, *tone)))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }
}
