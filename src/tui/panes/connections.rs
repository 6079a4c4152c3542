//! Connections: the list with each one's endpoint, masked token and last Test Connection
//! result, Test Connection inline, and the form that adds one. The personal token is typed
//! into a masked field: only `•` is ever drawn, and the pane keeps the typed text only until
//! the form is saved or closed.

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::connections::NewConnection;
use crate::engine::{ConnectionView, EngineEvent, Request, Response};
use crate::tui::action::Effect;
use crate::tui::command::Command;
use crate::tui::keymap::Context;
use crate::tui::view::pane_block;
use crate::tui::widgets::columns::{clip, fit, sized};
use crate::tui::widgets::form::{Field, Form};

mod text {
    pub const TITLE: &str = " Connections ";
    pub fn empty(add_key: &str) -> String {
        format!("No connections yet. Press {add_key} to add one: a name, your store's domain prefix and a personal token.")
    }
    pub const HEADER: [&str; 4] = ["name", "endpoint", "token", "last test"];
    pub fn never(test_key: &str) -> String {
        format!("not tested ({test_key})")
    }
    pub const TESTING: &str = "testing…";
    pub fn testing(name: &str) -> String {
        format!("testing {name}…")
    }
    pub const OK_MARK: &str = "✔ ";
    pub const FAIL_MARK: &str = "✘ ";
    pub fn remove_prompt(name: &str) -> String {
        format!("Remove connection {name}? Sources using it stop working until given another.")
    }
    pub const REMOVED: &str = "connection removed";
    pub fn with_notice(notice: &str, msg: &str) -> String {
        format!("{notice}; {msg}")
    }
    pub fn saved(name: &str) -> String {
        format!("connection {name} saved: Test Connection checks the prefix and token")
    }
    pub const DETAIL: &str = " Selected ";
    pub fn untested(test_key: &str) -> String {
        format!("not tested yet: press {test_key} to Test Connection")
    }
    pub const DOMAIN_PREFIX: &str = "domain prefix ";
    pub const ENDPOINT: &str = "endpoint ";
    pub const TOKEN: &str = "token ";
    pub const LAST_TEST: &str = "last Test Connection ";

    pub const FORM_TITLE: &str = " Add connection ";
    pub const FORM_INTRO: &str =
        "One connection powers Get Inventory (Primary), (Secondary) and Send Fulfillment Requests.";
    pub const FORM_KEYS: &str =
        "Tab/↓ next field · Enter next field (saves on the last) · Ctrl-s save · Esc cancel";
    pub const SAVING: &str = "saving…";
    pub const NAME: &str = "Connection Name";
    pub const NAME_HELP: &str = "A friendly label for this connection.";
    pub const PREFIX: &str = "Domain Prefix";
    pub const PREFIX_HELP: &str =
        "The XXX of https://XXX.retail.lightspeed.app (not https:// or .retail.lightspeed.app).";
    pub const TOKEN_LABEL: &str = "Personal Token";
    pub const TOKEN_HELP: &str =
        "From Lightspeed: Setup → Personal Tokens. Shown as • only; env:VAR reads it from the environment.";
    pub const API_ROOT: &str = "API root";
    pub const API_ROOT_PLACEHOLDER: &str = "optional: the store's own host";
    pub const API_ROOT_HELP: &str = "Another origin, e.g. the simulator: http://127.0.0.1:7878";
    pub const VERSION: &str = "API version";
    pub const VERSION_PLACEHOLDER: &str = "optional: 2026-07";
    pub const REQUIRED_NAME: &str = "A connection needs a name.";
    pub const REQUIRED_PREFIX: &str = "Enter the domain prefix, e.g. mystore.";
    pub const REQUIRED_TOKEN: &str = "Paste the personal token (or env:VAR).";
    pub const DISCARD: &str = "Discard this connection? Nothing has been saved.";
    pub const DISCARDED: &str = "form closed; nothing saved";
}

const LIST: u32 = 1;
const TEST: u32 = 2;
const REMOVE: u32 = 3;
const ADD: u32 = 4;

const CONFIRM_REMOVE: u32 = 1;
const CONFIRM_DISCARD: u32 = 2;

/// The form's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum C {
    Name,
    Prefix,
    Token,
    ApiRoot,
    Version,
}

fn new_form() -> Form<C> {
    Form::new(vec![
        Field::text(C::Name, 0, text::NAME, "").help(text::NAME_HELP),
        Field::text(C::Prefix, 0, text::PREFIX, "").help(text::PREFIX_HELP),
        Field::text(C::Token, 0, text::TOKEN_LABEL, "")
            .masked()
            .help(text::TOKEN_HELP),
        Field::text(C::ApiRoot, 0, text::API_ROOT, "")
            .placeholder(text::API_ROOT_PLACEHOLDER)
            .help(text::API_ROOT_HELP),
        Field::text(C::Version, 0, text::VERSION, "").placeholder(text::VERSION_PLACEHOLDER),
    ])
}

/// The field an engine refusal concerns.
fn field_for(msg: &str) -> Option<C> {
    let m = msg.to_lowercase();
    if m.contains("connection name") || m.contains("connection named") || m.contains("needs a name")
    {
        Some(C::Name)
    } else if m.contains("domain prefix") {
        Some(C::Prefix)
    } else if m.contains("personal token") || m.contains("env:") {
        Some(C::Token)
    } else if m.contains("api version") {
        Some(C::Version)
    } else if m.contains("not a url") || m.contains("plain http") {
        Some(C::ApiRoot)
    } else {
        None
    }
}

#[derive(Default)]
pub struct ConnectionsPane {
    list: Vec<ConnectionView>,
    selected: usize,
    testing: Option<String>,
    /// This session's Test Connection results: (passed, the store's name or the reason).
    results: BTreeMap<String, (bool, String)>,
    form: Option<Form<C>>,
    /// The name being added (select it once the list reloads).
    adding: Option<String>,
    select_after: Option<String>,
}

impl ConnectionsPane {
    fn save(&mut self, ctx: &mut Ctx) {
        let Some(form) = &mut self.form else { return };
        if self.adding.is_some() {
            return;
        }
        form.clear_errors();
        let name = form.text(C::Name);
        let prefix = form.text(C::Prefix);
        let token = form.raw_text(C::Token);
        if name.is_empty() {
            form.set_error(C::Name, text::REQUIRED_NAME);
        }
        if prefix.is_empty() {
            form.set_error(C::Prefix, text::REQUIRED_PREFIX);
        }
        if token.trim().is_empty() {
            form.set_error(C::Token, text::REQUIRED_TOKEN);
        }
        if form.focus_first_error() {
            ctx.effects.push(Effect::Bell);
            return;
        }
        let opt = |s: String| if s.is_empty() { None } else { Some(s) };
        let connection = NewConnection {
            name: name.clone(),
            domain_prefix: prefix,
            token,
            api_version: opt(form.text(C::Version)),
            api_root: opt(form.text(C::ApiRoot)),
        };
        self.adding = Some(name);
        ctx.call(ADD, Request::AddConnection { connection });
    }

    fn form_command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        let Some(form) = &mut self.form else {
            return false;
        };
        match cmd {
            Command::Right => {
                form.next_field();
            }
            Command::Left => {
                form.prev_field();
            }
            Command::Select if !form.next_field() => self.save(ctx),
            Command::Select => {}
            Command::Save => self.save(ctx),
            Command::Back => {
                if form.changed() {
                    ctx.confirm(CONFIRM_DISCARD, text::DISCARD);
                } else {
                    self.form = None;
                }
            }
            Command::Quit => return false,
            _ => {}
        }
        true
    }

    fn test_text(&self, c: &ConnectionView) -> Option<(bool, String)> {
        self.results
            .get(&c.name)
            .cloned()
            .or_else(|| c.last_test.clone())
    }

    fn render_form(&self, form: &Form<C>, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let block = pane_block(text::FORM_TITLE, t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [intro, _, fields, error, keys] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        f.render_widget(Paragraph::new(Line::styled(text::FORM_INTRO, t.dim)), intro);
        form.render(f, fields, t);
        if self.adding.is_some() {
            f.render_widget(Paragraph::new(Line::styled(text::SAVING, t.accent)), error);
        } else if let Some(e) = &form.error {
            f.render_widget(
                Paragraph::new(Line::styled(format!("{}{e}", text::FAIL_MARK), t.error)),
                error,
            );
        }
        f.render_widget(Paragraph::new(Line::styled(text::FORM_KEYS, t.dim)), keys);
    }
}

impl Pane for ConnectionsPane {
    fn id(&self) -> PaneId {
        PaneId::Connections
    }

    fn context(&self) -> Context {
        if self.form.is_some() {
            Context::Text
        } else {
            Context::Connections
        }
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        ctx.call(LIST, Request::ListConnections);
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        if self.form.is_some() {
            return self.form_command(cmd, ctx);
        }
        let n = self.list.len();
        match cmd {
            Command::Up => self.selected = self.selected.saturating_sub(1),
            Command::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Command::Top => self.selected = 0,
            Command::Bottom => self.selected = n.saturating_sub(1),
            Command::New => self.form = Some(new_form()),
            Command::TestConnection => {
                if let Some(c) = self.list.get(self.selected) {
                    self.testing = Some(c.name.clone());
                    ctx.info(text::testing(&c.name));
                    ctx.call(
                        TEST,
                        Request::TestConnection {
                            name: c.name.clone(),
                        },
                    );
                }
            }
            Command::Delete => {
                if let Some(c) = self.list.get(self.selected) {
                    ctx.confirm(CONFIRM_REMOVE, text::remove_prompt(&c.name));
                }
            }
            _ => return false,
        }
        true
    }

    fn text_key(&mut self, key: KeyEvent, _ctx: &mut Ctx) {
        if let Some(form) = &mut self.form {
            form.key(key);
        }
    }

    fn confirmed(&mut self, token: u32, ctx: &mut Ctx) {
        match token {
            CONFIRM_REMOVE => {
                if let Some(c) = self.list.get(self.selected) {
                    ctx.call(
                        REMOVE,
                        Request::RemoveConnection {
                            name: c.name.clone(),
                        },
                    );
                }
            }
            CONFIRM_DISCARD => {
                self.form = None;
                ctx.info(text::DISCARDED);
            }
            _ => {}
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        match (what, response) {
            (LIST, Response::Connections(l)) => {
                self.list = l;
                if let Some(name) = self.select_after.take() {
                    if let Some(i) = self.list.iter().position(|c| c.name == name) {
                        self.selected = i;
                    }
                }
                self.selected = self.selected.min(self.list.len().saturating_sub(1));
            }
            (TEST, r) => {
                let name = self.testing.take();
                match r {
                    Response::Error(e) => {
                        if let Some(n) = name {
                            self.results.insert(n, (false, e.clone()));
                        }
                        ctx.error(e);
                    }
                    // The store's name arrives with the engine's ConnectionTested event.
                    Response::Message(m) => ctx.info(m),
                    _ => {}
                }
                self.refresh(ctx);
            }
            (ADD, Response::Error(e)) => {
                self.adding = None;
                ctx.effects.push(Effect::Bell);
                if let Some(form) = &mut self.form {
                    match field_for(&e) {
                        Some(id) => {
                            form.set_error(id, e);
                            form.focus_id(id);
                        }
                        None => form.error = Some(e),
                    }
                }
            }
            (ADD, r) => {
                self.form = None;
                if let Some(name) = self.adding.take() {
                    let mut msg = text::saved(&name);
                    if let Response::Message(notice) = r {
                        msg = text::with_notice(&notice, &msg);
                    }
                    ctx.info(msg);
                    self.select_after = Some(name);
                }
                self.refresh(ctx);
            }
            (REMOVE, Response::Done) => {
                ctx.info(text::REMOVED);
                self.refresh(ctx);
            }
            (_, Response::Error(e)) => ctx.error(e),
            _ => {}
        }
    }

    fn engine(&mut self, event: &EngineEvent, ctx: &mut Ctx) {
        match event {
            EngineEvent::DataChanged { .. } => self.refresh(ctx),
            EngineEvent::ConnectionTested { name, result } => {
                let r = match result {
                    Ok(store) => (true, store.clone()),
                    Err(e) => (false, e.clone()),
                };
                self.results.insert(name.clone(), r);
                self.refresh(ctx);
            }
            _ => {}
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        if let Some(form) = &self.form {
            self.render_form(form, f, area, ui);
            return;
        }
        let t = ui.theme;
        let block = pane_block(text::TITLE, t);
        if self.list.is_empty() {
            let key = ui
                .keymap
                .key_for(Context::Connections, Command::New)
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
        let test_key = ui
            .keymap
            .key_for(Context::Connections, Command::TestConnection)
            .map(|k| k.to_string())
            .unwrap_or_default();
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [list, detail] =
            Layout::vertical([Constraint::Min(2), Constraint::Length(6)]).areas(inner);
        let h = list.height.saturating_sub(1) as usize;
        let first = self.selected.saturating_sub(h.saturating_sub(1));
        let status = |c: &ConnectionView| -> Span {
            if self.testing.as_deref() == Some(c.name.as_str()) {
                return Span::styled(text::TESTING, t.accent);
            }
            match self.test_text(c) {
                None => Span::styled(text::never(&test_key), t.dim),
                Some((true, m)) => Span::styled(format!("{}{m}", text::OK_MARK), t.ok),
                Some((false, m)) => Span::styled(
                    format!("{}{}", text::FAIL_MARK, m.lines().next().unwrap_or("")),
                    t.error,
                ),
            }
        };
        let cells: Vec<Vec<Span>> = self
            .list
            .iter()
            .skip(first)
            .take(h)
            .map(|c| {
                vec![
                    Span::raw(c.name.clone()),
                    Span::raw(c.endpoint.clone()),
                    Span::raw(c.token_masked.clone()),
                    status(c),
                ]
            })
            .collect();
        // Narrow terminals keep the name and the test result; the endpoint gives way (the
        // detail below shows it whole).
        let plain: Vec<Vec<String>> = cells
            .iter()
            .map(|r| r.iter().map(|s| s.content.to_string()).collect())
            .collect();
        let widths = fit(
            &sized(
                &[(6, 16, 0), (12, 42, 3), (8, 10, 2), (10, 60, 1)],
                &text::HEADER,
                &plain,
            ),
            list.width,
            1,
        );
        let shown: Vec<usize> = (0..widths.len()).filter(|&i| widths[i] > 0).collect();
        let rows: Vec<Row> = cells
            .into_iter()
            .enumerate()
            .map(|(n, r)| {
                Row::new(
                    r.into_iter()
                        .zip(&widths)
                        .filter(|(_, w)| **w > 0)
                        .map(|(sp, w)| Cell::from(Span::styled(clip(&sp.content, *w), sp.style)))
                        .collect::<Vec<_>>(),
                )
                .style(if first + n == self.selected {
                    t.selected
                } else {
                    t.text
                })
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
        if let Some(c) = self.list.get(self.selected) {
            let lines = vec![
                Line::from(vec![
                    Span::styled(text::DOMAIN_PREFIX, t.dim),
                    Span::styled(c.domain_prefix.clone(), t.text),
                ]),
                Line::from(vec![
                    Span::styled(text::ENDPOINT, t.dim),
                    Span::styled(c.endpoint.clone(), t.text),
                ]),
                Line::from(vec![
                    Span::styled(text::TOKEN, t.dim),
                    Span::styled(c.token_masked.clone(), t.text),
                ]),
                Line::from(vec![
                    Span::styled(text::LAST_TEST, t.dim),
                    if self.testing.is_none() && self.test_text(c).is_none() {
                        Span::styled(text::untested(&test_key), t.accent)
                    } else {
                        status(c)
                    },
                ]),
            ];
            // The full reason (the table cuts it).
            let mut lines = lines;
            if let Some((false, m)) = self.test_text(c) {
                if self.testing.as_deref() != Some(c.name.as_str()) {
                    lines.pop();
                    lines.push(Line::from(vec![
                        Span::styled(text::LAST_TEST, t.dim),
                        Span::styled(format!("{}{m}", text::FAIL_MARK), t.error),
                    ]));
                }
            }
            f.render_widget(
                Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                    Block::default()
                        .borders(Borders::TOP)
                        .title(format!("{}· {} ", text::DETAIL, c.name))
                        .border_style(t.border),
                ),
                detail,
            );
        }
    }
}
