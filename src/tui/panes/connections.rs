//! Connections: the list with each one's endpoint, masked token and last Test Connection
//! result (its time, and what it found), Test Connection inline, and the form that adds one
//! or edits one (name, prefix, token rotation; the engine tests a change before saving it).
//! The personal token is typed into a masked field: only `•` is ever drawn, and the pane
//! keeps the typed text only until the form is saved or closed.

use crate::tui::panes::ReplyId;
use std::collections::BTreeMap;

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::{Ctx, Pane, PaneId, Ui};
use crate::connections::{ConnectionChange, NewConnection};
use crate::engine::{
    ConnectionField, ConnectionView, EngineError, EngineEvent, FieldId, Request, Response, Thing,
};
use crate::tui::action::Effect;
use crate::tui::command::Command;
use crate::tui::keymap::Context;
use crate::tui::view::pane_block;
use crate::tui::widgets::columns::{clip, fit, sized};
use crate::tui::widgets::filter_line::{self, FilterLine, Filtered};
use crate::tui::widgets::form::{Field, Form};

mod text {
    pub const TITLE: &str = " Connections ";
    pub fn no_match(filter: &str, clear: &str) -> String {
        format!("No connection matches \"{filter}\". {clear} clears the filter.")
    }
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
        format!("Remove connection {name}? (Refused while sources use it: they are named.)")
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
        "One connection powers Get Inventory (Primary), (Secondary) and Send FRs.";
    pub fn form_keys(k: &crate::tui::keymap::Keymap) -> String {
        use crate::tui::command::Command as C;
        let key = |c| k.shown(crate::tui::keymap::Context::Text, c);
        format!(
            "{}/↓ next field · {} next field (saves on the last) · {} save · {} cancel",
            key(C::Right),
            key(C::Select),
            key(C::Save),
            key(C::Back)
        )
    }
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

    pub fn edit_title(name: &str) -> String {
        format!(" Edit connection {name} ")
    }
    pub const EDIT_INTRO: &str =
        "Saving runs Test Connection on the changed settings first; nothing is saved if it fails.";
    pub const KEEP_TOKEN: &str = "leave empty to keep the current token";
    pub const TOKEN_ROTATE_HELP: &str =
        "A new personal token replaces the current one (token rotation). Shown as • only.";
    pub const TESTING_CHANGE: &str = "testing the change…";
    pub const NOTHING_CHANGED: &str = "nothing changed; form closed";
    pub fn test_failed(why: &str) -> String {
        format!("not saved: Test Connection of the change failed: {why}")
    }
    pub fn save_anyway(why: &str) -> String {
        format!("Test Connection of the change failed: {why}. Save it anyway?")
    }
    pub fn changed(name: &str, lines: &[String]) -> String {
        format!("connection {name} saved; {}", lines.join("; "))
    }
    pub fn facts(outlets: &str, registers: &str, budget: &str, scopes: &str) -> String {
        format!("outlets {outlets} · registers {registers} · rate limit {budget} · scopes {scopes}")
    }
    pub const LAST_REPORT: &str = "found ";
}

const CONFIRM_REMOVE: u32 = 1;
const CONFIRM_DISCARD: u32 = 2;
const CONFIRM_SAVE_ANYWAY: u32 = 3;

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

/// The edit form: name and prefix as they are, the token empty (kept unless one is typed).
fn edit_form(c: &ConnectionView) -> Form<C> {
    Form::new(vec![
        Field::text(C::Name, 0, text::NAME, &c.name).help(text::NAME_HELP),
        Field::text(C::Prefix, 0, text::PREFIX, &c.domain_prefix).help(text::PREFIX_HELP),
        Field::text(C::Token, 0, text::TOKEN_LABEL, "")
            .masked()
            .placeholder(text::KEEP_TOKEN)
            .help(text::TOKEN_ROTATE_HELP),
    ])
}

/// The form field an engine refusal concerns, from its typed field id (a taken name is the
/// name's).
fn field_for(e: &EngineError) -> Option<C> {
    if let EngineError::InUse {
        what: Thing::Connection,
        ..
    } = e
    {
        return Some(C::Name);
    }
    match e.field()? {
        FieldId::Connection(f) => Some(match f {
            ConnectionField::Name => C::Name,
            ConnectionField::DomainPrefix => C::Prefix,
            ConnectionField::Token => C::Token,
            ConnectionField::ApiRoot => C::ApiRoot,
            ConnectionField::ApiVersion => C::Version,
        }),
        FieldId::Source(_) => None,
    }
}

super::reply_ids! {
    /// What a reply answers.
    enum Reply {
    List = 1,
    Test = 2,
    Remove = 3,
    Add = 4,
    Set = 5,
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
    /// The form edits this connection (its name and prefix as they were), not a new one.
    editing: Option<(String, String)>,
    /// The change whose test failed, kept for "save anyway".
    untested: Option<(String, ConnectionChange)>,
    /// `/`: name, domain prefix or endpoint.
    filter: FilterLine,
}

impl ConnectionsPane {
    /// Indices of the connections the filter shows, in order.
    fn visible(&self) -> Vec<usize> {
        self.list
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                self.filter
                    .matches(&[&c.name, &c.domain_prefix, &c.endpoint])
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The selected connection, if the filter shows it.
    fn current(&self) -> Option<&ConnectionView> {
        self.visible()
            .contains(&self.selected)
            .then(|| self.list.get(self.selected))
            .flatten()
    }

    fn reselect(&mut self) {
        let visible = self.visible();
        self.selected = filter_line::reselect(self.selected, &visible);
    }

    fn step(&mut self, delta: isize) {
        self.selected = filter_line::step(self.selected, &self.visible(), delta);
    }
}

impl ConnectionsPane {
    /// The edit form's save: only what changed is sent, and the engine tests it first.
    fn save_edit(&mut self, ctx: &mut Ctx) {
        let (Some(form), Some((old_name, old_prefix))) = (&mut self.form, &self.editing) else {
            return;
        };
        if self.adding.is_some() {
            return;
        }
        form.clear_errors();
        form.error = None;
        let name = form.text(C::Name);
        let prefix = form.text(C::Prefix);
        let token = form.raw_text(C::Token);
        if name.is_empty() {
            form.set_error(C::Name, text::REQUIRED_NAME);
        }
        if prefix.is_empty() {
            form.set_error(C::Prefix, text::REQUIRED_PREFIX);
        }
        if form.focus_first_error() {
            ctx.effects.push(Effect::Bell);
            return;
        }
        let change = ConnectionChange {
            name: (name != *old_name).then(|| name.clone()),
            domain_prefix: (prefix != *old_prefix).then_some(prefix),
            token: (!token.trim().is_empty()).then_some(token),
        };
        if change == ConnectionChange::default() {
            self.form = None;
            self.editing = None;
            ctx.info(text::NOTHING_CHANGED);
            return;
        }
        self.send_change(old_name.clone(), change, false, ctx);
    }

    fn send_change(&mut self, name: String, change: ConnectionChange, force: bool, ctx: &mut Ctx) {
        self.adding = Some(change.name.clone().unwrap_or_else(|| name.clone()));
        self.untested = Some((name.clone(), change.clone()));
        ctx.call(
            Reply::Set,
            Request::SetConnection {
                name,
                change,
                force,
            },
        );
    }

    fn close_form(&mut self) {
        self.form = None;
        self.editing = None;
        self.untested = None;
    }

    fn save(&mut self, ctx: &mut Ctx) {
        if self.editing.is_some() {
            return self.save_edit(ctx);
        }
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
        ctx.call(Reply::Add, Request::AddConnection { connection });
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
            Command::ClearLine => {
                form.clear_line();
            }
            Command::Back => {
                if form.changed() {
                    ctx.confirm(CONFIRM_DISCARD, text::DISCARD);
                } else {
                    self.close_form();
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
        let (title, intro_text) = match &self.editing {
            Some((name, _)) => (text::edit_title(name), text::EDIT_INTRO),
            None => (text::FORM_TITLE.to_string(), text::FORM_INTRO),
        };
        let block = pane_block(title.as_str(), t);
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
        f.render_widget(Paragraph::new(Line::styled(intro_text, t.dim)), intro);
        form.render(f, fields, t);
        if self.adding.is_some() {
            let saving = if self.editing.is_some() {
                text::TESTING_CHANGE
            } else {
                text::SAVING
            };
            f.render_widget(Paragraph::new(Line::styled(saving, t.accent)), error);
        } else if let Some(e) = &form.error {
            f.render_widget(
                Paragraph::new(Line::styled(format!("{}{e}", text::FAIL_MARK), t.error)),
                error,
            );
        }
        f.render_widget(
            Paragraph::new(Line::styled(text::form_keys(ui.keymap), t.dim)),
            keys,
        );
    }
}

/// A stored RFC 3339 time as the pane shows it: `2026-03-02 14:05:00 UTC`.
fn when(at: &str) -> String {
    match at.strip_suffix('Z').or_else(|| at.strip_suffix("+00:00")) {
        Some(t) => format!("{} UTC", t.replacen('T', " ", 1)),
        None => at.replacen('T', " ", 1),
    }
}

/// What a passed Test Connection found, in one line.
fn facts(r: &crate::lightspeed::probe::ConnectionReport) -> String {
    use crate::lightspeed::probe::ScopeState;
    let n = |x: Option<usize>| x.map_or("?".to_string(), |v| v.to_string());
    let budget = match (r.rate_remaining, r.rate_limit) {
        (Some(left), Some(limit)) => format!("{left} of {limit} left"),
        _ => "not reported".to_string(),
    };
    let ok = r
        .scopes
        .iter()
        .filter(|s| s.state == ScopeState::Ok)
        .count();
    let missing: Vec<&str> = r
        .scopes
        .iter()
        .filter(|s| s.state == ScopeState::Missing)
        .map(|s| s.scope.as_str())
        .collect();
    let scopes = if missing.is_empty() {
        format!("{ok} ok")
    } else {
        format!("{ok} ok, missing {}", missing.join(", "))
    };
    text::facts(&n(r.outlets), &n(r.registers), &budget, &scopes)
}

impl Pane for ConnectionsPane {
    fn id(&self) -> PaneId {
        PaneId::Connections
    }

    fn context(&self) -> Context {
        if self.form.is_some() {
            Context::Text
        } else {
            self.filter.context(Context::Connections)
        }
    }

    fn has_filter(&self) -> bool {
        true
    }

    fn refresh(&mut self, ctx: &mut Ctx) {
        ctx.call(Reply::List, Request::ListConnections);
    }

    fn command(&mut self, cmd: Command, ctx: &mut Ctx) -> bool {
        if self.form.is_some() {
            return self.form_command(cmd, ctx);
        }
        match self.filter.command(cmd) {
            Filtered::Changed => {
                self.reselect();
                return true;
            }
            Filtered::Same => return true,
            Filtered::NotMine => {}
        }
        match cmd {
            Command::Up => self.step(-1),
            Command::Down => self.step(1),
            Command::Top => self.step(isize::MIN / 2),
            Command::Bottom => self.step(isize::MAX / 2),
            Command::New => {
                self.editing = None;
                self.form = Some(new_form());
            }
            Command::Edit => {
                if let Some(c) = self.current().cloned() {
                    self.editing = Some((c.name.clone(), c.domain_prefix.clone()));
                    self.form = Some(edit_form(&c));
                }
            }
            Command::TestConnection => {
                if let Some(c) = self.current().cloned() {
                    self.testing = Some(c.name.clone());
                    ctx.info(text::testing(&c.name));
                    ctx.call(
                        Reply::Test,
                        Request::TestConnection {
                            name: c.name.clone(),
                        },
                    );
                }
            }
            Command::Delete => {
                if let Some(c) = self.current() {
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
            return;
        }
        match self.filter.key(key) {
            Filtered::Changed => self.reselect(),
            Filtered::Same => {}
            // The arrows move the list while the filter line has focus.
            Filtered::NotMine => match key.code {
                crossterm::event::KeyCode::Up => self.step(-1),
                crossterm::event::KeyCode::Down => self.step(1),
                crossterm::event::KeyCode::PageUp => self.step(-10),
                crossterm::event::KeyCode::PageDown => self.step(10),
                _ => {}
            },
        }
    }

    fn confirmed(&mut self, token: u32, ctx: &mut Ctx) {
        match token {
            CONFIRM_REMOVE => {
                if let Some(c) = self.list.get(self.selected) {
                    ctx.call(
                        Reply::Remove,
                        Request::RemoveConnection {
                            name: c.name.clone(),
                        },
                    );
                }
            }
            CONFIRM_DISCARD => {
                self.close_form();
                ctx.info(text::DISCARDED);
            }
            CONFIRM_SAVE_ANYWAY => {
                if let Some((name, change)) = self.untested.take() {
                    self.send_change(name, change, true, ctx);
                }
            }
            _ => {}
        }
    }

    fn reply(&mut self, what: u32, response: Response, ctx: &mut Ctx) {
        let Some(what) = Reply::from_id(what) else {
            return;
        };
        match (what, response) {
            (Reply::List, Response::Connections(l)) => {
                self.list = l;
                if let Some(name) = self.select_after.take() {
                    if let Some(i) = self.list.iter().position(|c| c.name == name) {
                        self.selected = i;
                    }
                }
                self.selected = self.selected.min(self.list.len().saturating_sub(1));
                self.reselect();
            }
            (Reply::Test, r) => {
                let name = self.testing.take();
                match r {
                    Response::Error(e) => {
                        // The detail under the list shows a tested connection's reason
                        // whole: no popup for it.
                        if let Some(n) = name {
                            self.results.insert(n, (false, e.to_string()));
                            ctx.error_shown(e.to_string());
                        } else {
                            ctx.error(e.to_string());
                        }
                    }
                    // The store's name arrives with the engine's ConnectionTested event.
                    Response::Message(m) => ctx.info(m),
                    _ => {}
                }
                self.refresh(ctx);
            }
            (Reply::Add, Response::Error(e)) => {
                self.adding = None;
                ctx.effects.push(Effect::Bell);
                if let Some(form) = &mut self.form {
                    match field_for(&e) {
                        Some(id) => {
                            form.set_error(id, e.to_string());
                            form.focus_id(id);
                        }
                        None => form.error = Some(e.to_string()),
                    }
                }
            }
            (Reply::Add, r) => {
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
            (Reply::Set, Response::ConnectionSaved(c, lines)) => {
                self.adding = None;
                self.close_form();
                // This session's result gives way to the saved one (with its time).
                self.results.remove(&c.name);
                ctx.info(text::changed(&c.name, &lines));
                self.select_after = Some(c.name.clone());
                self.refresh(ctx);
            }
            (Reply::Set, Response::ConnectionTestFailed(why)) => {
                self.adding = None;
                ctx.effects.push(Effect::Bell);
                if let Some(form) = &mut self.form {
                    form.error = Some(text::test_failed(&why));
                }
                ctx.confirm(CONFIRM_SAVE_ANYWAY, text::save_anyway(&why));
            }
            (Reply::Set, Response::Error(e)) => {
                self.adding = None;
                self.untested = None;
                ctx.effects.push(Effect::Bell);
                if let Some(form) = &mut self.form {
                    match field_for(&e) {
                        Some(id) if form.field(id).is_some() => {
                            form.set_error(id, e.to_string());
                            form.focus_id(id);
                        }
                        _ => form.error = Some(e.to_string()),
                    }
                }
            }
            (Reply::Remove, Response::Done) => {
                ctx.info(text::REMOVED);
                self.refresh(ctx);
            }
            (_, Response::Error(e)) => ctx.error(e.to_string()),
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
        let note = self.filter.title_note();
        let title = if note.is_empty() {
            text::TITLE.to_string()
        } else {
            format!("{}{note}", text::TITLE)
        };
        let block = pane_block(title, t);
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
        let inner = self.filter.render(f, inner, t);
        let visible = self.visible();
        if visible.is_empty() {
            let clear = ui.keymap.shown(Context::Connections, Command::Back);
            f.render_widget(
                Paragraph::new(text::no_match(self.filter.text(), &clear))
                    .style(t.dim)
                    .wrap(Wrap { trim: true }),
                inner,
            );
            return;
        }
        let [list, detail] =
            Layout::vertical([Constraint::Min(2), Constraint::Length(7)]).areas(inner);
        let h = list.height.saturating_sub(1) as usize;
        let at = visible
            .iter()
            .position(|&i| i == self.selected)
            .unwrap_or(0);
        let first = at.saturating_sub(h.saturating_sub(1));
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
        let cells: Vec<Vec<Span>> = visible
            .iter()
            .filter_map(|&i| self.list.get(i))
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
        if let Some(c) = self.current() {
            let testing = self.testing.as_deref() == Some(c.name.as_str());
            let mut last = vec![Span::styled(text::LAST_TEST, t.dim)];
            if let (Some(at), false) = (&c.last_test_at, testing) {
                last.push(Span::styled(format!("{} ", when(at)), t.dim));
            }
            last.push(match self.test_text(c) {
                None if !testing => Span::styled(text::untested(&test_key), t.accent),
                // The full reason (the table cuts it).
                Some((false, m)) if !testing => {
                    Span::styled(format!("{}{m}", text::FAIL_MARK), t.error)
                }
                _ => status(c),
            });
            let mut lines = vec![
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
                Line::from(last),
            ];
            if let (Some(r), false, Some((true, _))) = (&c.last_report, testing, self.test_text(c))
            {
                lines.push(Line::from(vec![
                    Span::styled(text::LAST_REPORT, t.dim),
                    Span::styled(facts(r), t.text),
                ]));
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
