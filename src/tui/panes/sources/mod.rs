//! Sources: the list (the selection is the current source every other pane shows), the
//! selected source's settings, and the wizard that adds or edits one
//! ([`wizard`]).

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

mod wizard;

use super::{Ctx, Pane, PaneId, Ui};
use crate::engine::{scheduler, EngineEvent, Request, Response};
use crate::source::{AutoProcessing, QuantityFrom, Schedule, ShippingEstimation, Source};
use crate::tui::action::Effect;
use crate::tui::command::Command;
use crate::tui::keymap::Context;
use crate::tui::view::pane_block;
use crate::tui::widgets::form::wrap;
use wizard::Wizard;

mod text {
    pub const QUIT_UNSAVED: &str = "the source wizard in Sources (1)";
    pub const TITLE: &str = " Sources ";
    pub fn empty(add_key: &str) -> String {
        format!("No sources yet. Press {add_key} to add one with the wizard: source type, order processing, shipping, Ship From, connection, and the three integrations.")
    }
    pub const HEADER: [&str; 4] = ["name", "type", "connection", "fulfills orders"];
    pub const NO_CONNECTION: &str = "(none)";
    pub const YES: &str = "yes";
    pub const NO: &str = "no";
    pub const SETTINGS: &str = " Settings ";
    pub fn remove_prompt(name: &str) -> String {
        format!("Remove source {name}? Its settings go; its pool items and FRs stay in the store.")
    }
    pub const REMOVED: &str = "source removed";
    pub fn added(name: &str) -> String {
        format!("source {name} added: its integrations are on the Integrations page (3)")
    }
    pub fn saved(name: &str) -> String {
        format!("source {name} saved")
    }
    pub const DISCARD: &str = "Discard the changes in this wizard? Nothing has been saved.";
    pub const DISCARDED: &str = "wizard closed; nothing saved";
    pub fn nothing_to_edit(add: &str) -> String {
        format!("no source selected: press {add} to add one")
    }
    pub const MANUAL: &str = "manual";
    pub const NOT_SET: &str = "not set";
    pub const AUTO: [&str; 3] = ["Use Global", "Auto Process", "Do NOT Auto Process"];
    pub const RATE_SHOPPING: &str = "rate shopping";
    pub const RULES: &str = "rules";
    pub const ALL_OUTLETS: &str = "all outlets";
    pub fn processing(auto: &str, commit: &str, backorders: &str, cancel: &str) -> String {
        format!("Auto Processing {auto} · Commit Stock {commit} · Allow Backorders {backorders} · Cancel Unacknowledged Items {cancel}")
    }
    pub fn shipping(est: &str, methods: &str, from: &str) -> String {
        format!("Shipping {est} · methods {methods} · Ship From {from}")
    }
    pub fn primary(template: &str, archive: &str, qty: &str, limit: u8, schedule: &str) -> String {
        format!("Primary: {template} · archive {archive} · quantity from {qty} · limit {limit}% · {schedule}")
    }
    pub fn secondary(template: &str, archive: &str, create: &str, schedule: &str) -> String {
        format!("Secondary: {template} · archive {archive} · create variants {create} · {schedule}")
    }
    pub fn send_frs(template: &str, ids: &str, hold: u32, hours: &str, schedule: &str) -> String {
        format!("Send FRs: {template} · {ids} · hold {hold}h · business hours {hours} · {schedule}")
    }
    pub const IDS: [&str; 3] = ["Register ID", "User ID", "Tax ID"];
    pub const IDS_SET: &str = "Register/User/Tax IDs set";
    pub fn ids_missing(which: &str) -> String {
        format!("{which} not set")
    }
    pub const ANY_TIME: &str = "any time";
    pub const NO_TEMPLATE: &str = "no template";
}

pub(crate) const LIST: u32 = 0;
const REMOVE: u32 = 1;
const CONNECTIONS: u32 = 2;
const TEMPLATES: u32 = 3;
const SAVE: u32 = 4;

const CONFIRM_REMOVE: u32 = 1;
const CONFIRM_DISCARD: u32 = 2;

#[derive(Default)]
pub struct SourcesPane {
    selected: usize,
    wizard: Option<Wizard>,
    /// The name being saved, to select it once saved.
    saving: Option<String>,
}

fn yes_no(b: bool) -> &'static str {
    if b {
        text::YES
    } else {
        text::NO
    }
}

fn schedule(s: Option<&Schedule>) -> String {
    s.map_or(text::MANUAL.to_string(), scheduler::text)
}

/// The selected source's settings, one line per group.
fn settings_lines(s: &Source) -> Vec<String> {
    let auto = match s.auto_processing {
        AutoProcessing::UseGlobal => text::AUTO[0],
        AutoProcessing::AutoProcess => text::AUTO[1],
        AutoProcessing::DoNotAutoProcess => text::AUTO[2],
    };
    let a = &s.ship_from;
    let from: Vec<&str> = [
        a.address.as_str(),
        a.city.as_str(),
        a.state.as_str(),
        a.postal_code.as_str(),
        a.country.as_str(),
    ]
    .into_iter()
    .filter(|p| !p.is_empty())
    .collect();
    let from = if from.is_empty() {
        text::NOT_SET.to_string()
    } else {
        from.join(", ")
    };
    let methods = if s.shipping_methods.is_empty() {
        text::NOT_SET.to_string()
    } else {
        s.shipping_methods
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let tpl = |t: Option<&String>| t.map_or(text::NO_TEMPLATE.to_string(), Clone::clone);
    let f = &s.send_frs;
    let missing: Vec<&str> = text::IDS
        .into_iter()
        .zip([
            f.register_id.is_none(),
            f.user_id.is_none(),
            f.tax_id.is_none(),
        ])
        .filter(|(_, m)| *m)
        .map(|(n, _)| n)
        .collect();
    let ids = if missing.is_empty() {
        text::IDS_SET.to_string()
    } else {
        text::ids_missing(&missing.join(", "))
    };
    let qty = match &s.primary.quantity_from {
        QuantityFrom::AllOutlets => text::ALL_OUTLETS.to_string(),
        QuantityFrom::Outlet(o) => o.clone(),
    };
    vec![
        text::processing(
            auto,
            yes_no(s.commit_stock),
            yes_no(s.allow_backorders),
            yes_no(s.cancel_unacknowledged_items),
        ),
        text::shipping(
            match s.shipping_estimation {
                ShippingEstimation::RateShopping => text::RATE_SHOPPING,
                ShippingEstimation::Rules => text::RULES,
            },
            &methods,
            &from,
        ),
        text::primary(
            &tpl(s.primary.template.as_ref()),
            yes_no(s.primary.archive_unarchive),
            &qty,
            s.primary.archive_limit_pct,
            &schedule(s.primary.schedule.as_ref()),
        ),
        text::secondary(
            &tpl(s.secondary.template.as_ref()),
            yes_no(s.secondary.archive_unarchive),
            yes_no(s.secondary.allow_create_variant),
            &schedule(s.secondary.schedule.as_ref()),
        ),
        text::send_frs(
            &tpl(f.template.as_ref()),
            &ids,
            f.hold_hours,
            &f.business_hours
                .as_ref()
                .map_or(text::ANY_TIME.to_string(), |h| h.describe()),
            &schedule(f.schedule.as_ref()),
        ),
    ]
}

impl SourcesPane {
    fn select(&mut self, i: usize, ctx: &mut Ctx) {
        self.selected = i.min(ctx.shared.sources.len().saturating_sub(1));
        ctx.shared.source = ctx
            .shared
            .sources
            .get(self.selected)
            .map(|s| s.name.clone());
    }

    fn open(&mut self, w: Wizard, ctx: &mut Ctx) {
        self.wizard = Some(w);
        ctx.call(CONNECTIONS, Request::ListConnections);
        ctx.call(TEMPLATES, Request::ListTemplates);
    }

    fn save(&mut self, ctx: &mut Ctx) {
        let Some(w) = &mut self.wizard else { return };
        if w.saving {
            return;
        }
        let Some(source) = w.save(&ctx.shared.sources) else {
            ctx.effects.push(Effect::Bell);
            return;
        };
        w.saving = true;
        self.saving = Some(source.name.clone());
        let request = if w.is_edit() {
            Request::SaveSource { source }
        } else {
            Request::AddSource { source }
        };
        ctx.call(SAVE, request);
    }

    /// Commands while the wizard is open. Everything but quit stays in the wizard.
    fn wizard_command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        let Some(w) = &mut self.wizard else {
            return false;
        };
        let others = &ctx.shared.sources;
        match cmd {
            Command::Right => w.next_field(others),
            Command::Left => w.prev_field(others),
            Command::Select if w.next_step(others) => self.save(ctx),
            Command::Select => {}
            Command::Save => self.save(ctx),
            Command::ClearLine => w.clear_line(),
            Command::Back => {
                if w.changed() {
                    ctx.confirm(CONFIRM_DISCARD, text::DISCARD);
                } else {
                    self.wizard = None;
                }
            }
            Command::Quit => return false,
            _ => {}
        }
        true
    }
}

impl Pane for SourcesPane {
    fn unsaved(&self) -> Option<&'static str> {
        self.wizard
            .as_ref()
            .is_some_and(|w| w.changed())
            .then_some(text::QUIT_UNSAVED)
    }

    fn id(&self) -> PaneId {
        PaneId::Sources
    }

    fn context(&self) -> Context {
        if self.wizard.is_some() {
            Context::Text
        } else {
            Context::Sources
        }
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        ctx.call(LIST, Request::ListSources);
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        if self.wizard.is_some() {
            return self.wizard_command(cmd, ctx);
        }
        let n = ctx.shared.sources.len();
        match cmd {
            Command::Up => self.select(self.selected.saturating_sub(1), ctx),
            Command::Down => self.select((self.selected + 1).min(n.saturating_sub(1)), ctx),
            Command::Top => self.select(0, ctx),
            Command::Bottom => self.select(n.saturating_sub(1), ctx),
            Command::New => self.open(Wizard::add(), ctx),
            Command::Edit | Command::Select => match ctx.shared.sources.get(self.selected) {
                Some(s) => {
                    let w = Wizard::edit(s);
                    self.open(w, ctx);
                }
                None => {
                    let add = ctx.key(Command::New);
                    ctx.info(text::nothing_to_edit(&add))
                }
            },
            Command::Delete => {
                if let Some(s) = ctx.shared.sources.get(self.selected) {
                    let prompt = text::remove_prompt(&s.name);
                    ctx.confirm(CONFIRM_REMOVE, prompt);
                }
            }
            _ => return false,
        }
        true
    }

    fn text_key(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        if let Some(w) = &mut self.wizard {
            w.key(key, &ctx.shared.sources);
        }
    }

    fn confirmed(&mut self, token: u32, ctx: &mut Ctx) {
        match token {
            CONFIRM_REMOVE => {
                if let Some(s) = ctx.shared.sources.get(self.selected) {
                    ctx.call(
                        REMOVE,
                        Request::RemoveSource {
                            name: s.name.clone(),
                        },
                    );
                }
            }
            CONFIRM_DISCARD => {
                self.wizard = None;
                ctx.info(text::DISCARDED);
            }
            _ => {}
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        match (what, response) {
            (LIST, Response::Sources(_)) => {
                // The app stored the list in shared state; keep the selection on the current source.
                if let Some(i) = ctx
                    .shared
                    .sources
                    .iter()
                    .position(|s| Some(&s.name) == ctx.shared.source.as_ref())
                {
                    self.selected = i;
                }
            }
            (REMOVE, Response::Done) => {
                ctx.info(text::REMOVED);
                ctx.shared.source = None;
                self.selected = 0;
                self.refresh(ctx);
            }
            (CONNECTIONS, Response::Connections(list)) => {
                if let Some(w) = &mut self.wizard {
                    w.set_connections(list);
                }
            }
            (TEMPLATES, Response::Templates(list)) => {
                if let Some(w) = &mut self.wizard {
                    w.set_templates(&list);
                }
            }
            (SAVE, Response::Error(e)) => match &mut self.wizard {
                Some(w) => {
                    w.engine_error(e);
                    ctx.effects.push(Effect::Bell);
                }
                None => ctx.error(e),
            },
            (SAVE, response) => {
                let edit = self.wizard.as_ref().is_some_and(Wizard::is_edit);
                self.wizard = None;
                if let Some(name) = self.saving.take() {
                    ctx.info(if edit {
                        text::saved(&name)
                    } else {
                        text::added(&name)
                    });
                    ctx.shared.source = Some(name);
                }
                // Saved with a caveat (e.g. the store could not be asked about the ids).
                if let Response::Message(m) = response {
                    ctx.error(m);
                }
                self.refresh(ctx);
            }
            (CONNECTIONS | TEMPLATES, Response::Error(e)) => {
                if let Some(w) = &mut self.wizard {
                    w.engine_error(e);
                }
            }
            (_, Response::Error(e)) => ctx.error(e),
            _ => {}
        }
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        match event {
            EngineEvent::DataChanged { .. } => {
                self.refresh(ctx);
                if self.wizard.is_some() {
                    ctx.call(CONNECTIONS, Request::ListConnections);
                }
            }
            EngineEvent::ConnectionTested { .. } if self.wizard.is_some() => {
                ctx.call(CONNECTIONS, Request::ListConnections);
            }
            _ => {}
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        if let Some(w) = &self.wizard {
            w.render(f, area, ui);
            return;
        }
        let t = ui.theme;
        let block = pane_block(text::TITLE, t);
        let sources = &ui.shared.sources;
        if sources.is_empty() {
            let key = ui
                .keymap
                .key_for(Context::Sources, Command::New)
                .map(|k| k.to_string())
                .unwrap_or_default();
            f.render_widget(
                Paragraph::new(text::empty(&key))
                    .style(t.dim)
                    .wrap(Wrap { trim: true })
                    .block(block),
                area,
            );
            return;
        }
        let inner = block.inner(area);
        f.render_widget(block, area);
        // The settings, wrapped to the width (only what fits is drawn).
        let details: Option<Vec<String>> = self.selected_source(ui).map(|s| {
            settings_lines(s)
                .iter()
                .flat_map(|l| wrap(l, inner.width as usize))
                .collect()
        });
        let detail_h = details.as_ref().map_or(0, |d| d.len() as u16 + 1);
        let [list, detail] = Layout::vertical([
            Constraint::Min(2),
            Constraint::Length(detail_h.min(inner.height.saturating_sub(2))),
        ])
        .areas(inner);
        let h = list.height.saturating_sub(1) as usize;
        let first = self.selected.saturating_sub(h.saturating_sub(1));
        let rows: Vec<Row> = sources
            .iter()
            .enumerate()
            .skip(first)
            .take(h)
            .map(|(i, s)| {
                Row::new(vec![
                    Cell::from(s.name.clone()),
                    Cell::from(s.source_type.label()),
                    Cell::from(
                        s.connection
                            .clone()
                            .unwrap_or_else(|| text::NO_CONNECTION.into()),
                    ),
                    Cell::from(yes_no(s.fulfills_orders)),
                ])
                .style(if i == self.selected {
                    t.selected
                } else {
                    t.text
                })
            })
            .collect();
        f.render_widget(
            Table::new(
                rows,
                [
                    Constraint::Length(20),
                    Constraint::Length(32),
                    Constraint::Length(20),
                    Constraint::Min(8),
                ],
            )
            .header(Row::new(text::HEADER.map(Cell::from)).style(t.title)),
            list,
        );
        if let Some(lines) = details {
            let block = Block::default()
                .borders(Borders::TOP)
                .title(text::SETTINGS)
                .border_style(t.border);
            let lines: Vec<Line> = lines
                .into_iter()
                .map(|l| Line::from(Span::styled(l, t.text)))
                .collect();
            f.render_widget(Paragraph::new(lines).block(block), detail);
        }
    }
}

impl SourcesPane {
    fn selected_source<'a>(&self, ui: &'a Ui) -> Option<&'a Source> {
        ui.shared.sources.get(self.selected)
    }
}
