//! Sources: the list (the selection is the current source every other pane shows), the
//! selected source's settings, and the wizard that adds or edits one
//! ([`wizard`]).

use crate::tui::panes::ReplyId;
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
use crate::tui::widgets::columns::{clip, fit, sized};
use crate::tui::widgets::filter_line::{self, FilterLine, Filtered};
use crate::tui::widgets::form::wrap;
use wizard::{PickNeed, Wizard};

mod text {
    pub const QUIT_UNSAVED: &str = "the source wizard in Sources (1)";
    pub const TITLE: &str = " Sources ";
    pub fn no_match(filter: &str, clear: &str) -> String {
        format!("No source matches \"{filter}\". {clear} clears the filter.")
    }
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

const CONFIRM_REMOVE: u32 = 1;
const CONFIRM_DISCARD: u32 = 2;

super::reply_ids! {
    /// What a reply answers.
    pub(crate) enum Reply {
    List = 0,
    Remove = 1,
    Connections = 2,
    Templates = 3,
    Save = 4,
    /// The store's lists for the wizard's pick lists.
    Options = 5,
    }
}

#[derive(Default)]
pub struct SourcesPane {
    selected: usize,
    wizard: Option<Wizard>,
    /// The name being saved, to select it once saved.
    saving: Option<String>,
    /// The connection whose store's lists are being read.
    fetching: Option<String>,
    /// `/`: name, type or connection.
    filter: FilterLine,
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
    /// Indices of the sources the filter shows, in order.
    fn visible(&self, sources: &[Source]) -> Vec<usize> {
        sources
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                self.filter.matches(&[
                    &s.name,
                    s.source_type.label(),
                    s.connection.as_deref().unwrap_or(text::NO_CONNECTION),
                ])
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The selected source's index, if the filter shows it.
    fn current(&self, sources: &[Source]) -> Option<usize> {
        (self.selected < sources.len() && self.visible(sources).contains(&self.selected))
            .then_some(self.selected)
    }

    /// After the filter changed: the selection onto a shown source.
    fn reselect(&mut self, ctx: &mut Ctx) {
        let visible = self.visible(&ctx.shared.sources);
        if !visible.is_empty() {
            let i = filter_line::reselect(self.selected, &visible);
            self.select(i, ctx);
        }
    }

    fn step(&mut self, delta: isize, ctx: &mut Ctx) {
        let visible = self.visible(&ctx.shared.sources);
        let i = filter_line::step(self.selected, &visible, delta);
        self.select(i, ctx);
    }

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
        ctx.call(Reply::Connections, Request::ListConnections);
        ctx.call(Reply::Templates, Request::ListTemplates);
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
        ctx.call(Reply::Save, request);
    }

    /// Commands while the wizard is open. Everything but quit stays in the wizard.
    fn wizard_command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        let Some(w) = &mut self.wizard else {
            return false;
        };
        if w.picking().is_some() {
            w.pick_command(cmd);
            return true;
        }
        if cmd == Command::Select {
            match w.pick() {
                PickNeed::NotAList => {}
                PickNeed::Opened => return true,
                PickNeed::Fetch(conn) => {
                    self.fetching = Some(conn.clone());
                    ctx.call(Reply::Options, Request::StoreOptions { connection: conn });
                    return true;
                }
                PickNeed::NoConnection => {
                    ctx.effects.push(Effect::Bell);
                    return true;
                }
            }
        }
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
        if let Some(c) = self.wizard.as_ref().and_then(Wizard::picking) {
            c
        } else if self.wizard.is_some() {
            Context::Text
        } else {
            self.filter.context(Context::Sources)
        }
    }

    fn has_filter(&self) -> bool {
        true
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        ctx.call(Reply::List, Request::ListSources);
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        if self.wizard.is_some() {
            return self.wizard_command(cmd, ctx);
        }
        match self.filter.command(cmd) {
            Filtered::Changed => {
                self.reselect(ctx);
                return true;
            }
            Filtered::Same => return true,
            Filtered::NotMine => {}
        }
        let current = self
            .current(&ctx.shared.sources)
            .and_then(|i| ctx.shared.sources.get(i))
            .cloned();
        match cmd {
            Command::Up => self.step(-1, ctx),
            Command::Down => self.step(1, ctx),
            Command::Top => self.step(isize::MIN / 2, ctx),
            Command::Bottom => self.step(isize::MAX / 2, ctx),
            Command::New => self.open(Wizard::add(), ctx),
            Command::Edit | Command::Select => match &current {
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
                if let Some(s) = current {
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
            if w.picking().is_some() {
                w.pick_key(key);
            } else {
                w.key(key, &ctx.shared.sources);
            }
            return;
        }
        match self.filter.key(key) {
            Filtered::Changed => self.reselect(ctx),
            Filtered::Same => {}
            // The arrows move the list while the filter line has focus.
            Filtered::NotMine => match key.code {
                crossterm::event::KeyCode::Up => self.step(-1, ctx),
                crossterm::event::KeyCode::Down => self.step(1, ctx),
                crossterm::event::KeyCode::PageUp => self.step(-10, ctx),
                crossterm::event::KeyCode::PageDown => self.step(10, ctx),
                _ => {}
            },
        }
    }

    fn confirmed(&mut self, token: u32, ctx: &mut Ctx) {
        match token {
            CONFIRM_REMOVE => {
                if let Some(s) = ctx.shared.sources.get(self.selected) {
                    ctx.call(
                        Reply::Remove,
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
        let Some(what) = Reply::from_id(what) else {
            return;
        };
        match (what, response) {
            (Reply::List, Response::Sources(_)) => {
                // The app stored the list in shared state; keep the selection on the current source.
                if let Some(i) = ctx
                    .shared
                    .sources
                    .iter()
                    .position(|s| Some(&s.name) == ctx.shared.source.as_ref())
                {
                    self.selected = i;
                }
                if !self.filter.text().is_empty() {
                    self.reselect(ctx);
                }
            }
            (Reply::Remove, Response::Done) => {
                ctx.info(text::REMOVED);
                ctx.shared.source = None;
                self.selected = 0;
                self.refresh(ctx);
            }
            (Reply::Connections, Response::Connections(list)) => {
                if let Some(w) = &mut self.wizard {
                    w.set_connections(list);
                }
            }
            (Reply::Templates, Response::Templates(list)) => {
                if let Some(w) = &mut self.wizard {
                    w.set_templates(&list);
                }
            }
            (Reply::Save, Response::Error(e)) => match &mut self.wizard {
                Some(w) => {
                    w.engine_error(&e);
                    ctx.effects.push(Effect::Bell);
                }
                None => ctx.error(e.to_string()),
            },
            (Reply::Save, response) => {
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
            (Reply::Options, Response::StoreOptions(o)) => {
                if let (Some(w), Some(conn)) = (&mut self.wizard, self.fetching.take()) {
                    w.set_store_options(conn, o);
                }
            }
            (Reply::Options, Response::Error(e)) => {
                self.fetching = None;
                let e = e.to_string();
                if let Some(w) = &mut self.wizard {
                    w.store_options_failed(e.clone());
                }
                ctx.error(e);
            }
            (Reply::Connections | Reply::Templates, Response::Error(e)) => {
                if let Some(w) = &mut self.wizard {
                    w.engine_error(&e);
                }
            }
            (_, Response::Error(e)) => ctx.error(e.to_string()),
            _ => {}
        }
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        match event {
            EngineEvent::DataChanged { .. } => {
                self.refresh(ctx);
                if self.wizard.is_some() {
                    ctx.call(Reply::Connections, Request::ListConnections);
                }
            }
            EngineEvent::ConnectionTested { .. } if self.wizard.is_some() => {
                ctx.call(Reply::Connections, Request::ListConnections);
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
        let note = self.filter.title_note();
        let title = if note.is_empty() {
            text::TITLE.to_string()
        } else {
            format!("{}{note}", text::TITLE)
        };
        let block = pane_block(title, t);
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
        let inner = self.filter.render(f, inner, t);
        let visible = self.visible(sources);
        if visible.is_empty() {
            let clear = ui.keymap.shown(Context::Sources, Command::Back);
            f.render_widget(
                Paragraph::new(text::no_match(self.filter.text(), &clear))
                    .style(t.dim)
                    .wrap(Wrap { trim: true }),
                inner,
            );
            return;
        }
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
        let at = visible
            .iter()
            .position(|&i| i == self.selected)
            .unwrap_or(0);
        let first = at.saturating_sub(h.saturating_sub(1));
        let cells: Vec<Vec<String>> = visible
            .iter()
            .filter_map(|&i| sources.get(i))
            .skip(first)
            .take(h)
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.source_type.label().to_string(),
                    s.connection
                        .clone()
                        .unwrap_or_else(|| text::NO_CONNECTION.into()),
                    yes_no(s.fulfills_orders).to_string(),
                ]
            })
            .collect();
        // Narrow terminals keep the name and the connection whole; the type gives way.
        let widths = fit(
            &sized(
                &[(6, 20, 0), (12, 32, 2), (8, 20, 1), (3, 16, 3)],
                &text::HEADER,
                &cells,
            ),
            list.width,
            1,
        );
        let shown: Vec<usize> = (0..widths.len()).filter(|&i| widths[i] > 0).collect();
        let rows: Vec<Row> = cells
            .iter()
            .enumerate()
            .map(|(n, r)| {
                Row::new(
                    shown
                        .iter()
                        .map(|&c| Cell::from(clip(&r[c], widths[c])))
                        .collect::<Vec<_>>(),
                )
                .style(if first + n == at { t.selected } else { t.text })
            })
            .collect();
        f.render_widget(
            Table::new(rows, shown.iter().map(|&i| Constraint::Length(widths[i]))).header(
                Row::new(
                    shown
                        .iter()
                        .map(|&i| Cell::from(clip(text::HEADER[i], widths[i])))
                        .collect::<Vec<_>>(),
                )
                .style(t.title),
            ),
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
        self.current(&ui.shared.sources)
            .and_then(|i| ui.shared.sources.get(i))
    }
}
