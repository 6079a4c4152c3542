//! The app: which pane is showing, the popups over it, and how an [`Action`] changes them.
//! `update` is the only place state changes; rendering (view.rs) reads it.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEventKind};
use tui_textarea::TextArea;

use super::action::{Action, Effect};
use super::command::Command;
use super::keymap::{Context, Key, Keymap};
use super::panes::{self, Confirm, Ctx, Pane, PaneId};
use super::shared::Shared;
use crate::engine::{EngineEvent, Response};

/// A popup over the panes. Esc closes it and never changes anything.
pub enum Popup {
    Help {
        scroll: usize,
    },
    Palette {
        input: Box<TextArea<'static>>,
        selected: usize,
    },
    Confirm(Confirm),
    /// `/` in a pane without a filter: what is typed after it lands here and is dropped,
    /// so it never runs as commands.
    NoFilter {
        input: Box<TextArea<'static>>,
        pane: PaneId,
    },
    QuitWhileRunning,
    /// Quitting would drop changes in these editors.
    QuitUnsaved(Vec<&'static str>),
    /// A text too long for the status bar, a report, or the message history: scrollable,
    /// wrapped to the popup's width.
    Text {
        title: String,
        lines: Vec<String>,
        scroll: usize,
        /// The largest useful scroll at the last draw (the view knows the wrapped height).
        max_scroll: std::cell::Cell<usize>,
    },
}

impl Popup {
    pub fn text(title: impl Into<String>, lines: Vec<String>, scroll: usize) -> Popup {
        Popup::Text {
            title: title.into(),
            lines,
            scroll,
            max_scroll: std::cell::Cell::new(usize::MAX),
        }
    }
}

mod text {
    pub const MESSAGE_TITLE: &str = "Message";
    pub const MESSAGES_TITLE: &str = "Messages of this session (newest last)";
    pub const NO_MESSAGES: &str = "No messages yet.";
}

pub struct App {
    pub(crate) panes: Vec<Box<dyn Pane>>,
    pub(crate) current: usize,
    pub shared: Shared,
    pub(crate) popup: Option<Popup>,
    pub keymap: Keymap,
    dirty: bool,
    quit: bool,
}

/// Commands the palette never lists: moving, and the keys that only make sense as keys.
fn palette_skips(c: Command) -> bool {
    matches!(
        c,
        Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::Top
            | Command::Bottom
            | Command::Left
            | Command::Right
            | Command::Select
            | Command::Back
            | Command::Palette
            | Command::Yes
            | Command::No
            | Command::ClearLine
    )
}

/// Palette rows: the commands that apply where `context` is (the pane's own, then the
/// global ones; the filter only where `has_filter`), with the key that does the same,
/// whose description or name contains the typed text.
pub fn palette_matches(
    keymap: &Keymap,
    context: Context,
    has_filter: bool,
    filter: &str,
) -> Vec<(Command, Option<Key>)> {
    let f = filter.trim().to_lowercase();
    let mut out: Vec<(Command, Option<Key>)> = Vec::new();
    for ctx in [context, Context::Global] {
        for b in keymap.bindings().iter().filter(|b| b.context == ctx) {
            let c = b.command;
            if palette_skips(c)
                || (c == Command::Filter && !has_filter)
                || out.iter().any(|(o, _)| *o == c)
            {
                continue;
            }
            if f.is_empty() || c.name().contains(&f) || c.describe().to_lowercase().contains(&f) {
                out.push((c, b.keys.first().copied()));
            }
        }
    }
    out
}

impl App {
    pub fn new(keymap: Keymap, mode: crate::backend::Mode) -> App {
        App {
            panes: panes::all(),
            current: 0,
            shared: Shared {
                mode,
                ..Shared::default()
            },
            popup: None,
            keymap,
            dirty: true,
            quit: false,
        }
    }

    /// Loads what the first pane and the shared state need.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut confirm = None;
        for i in [self.current, PaneId::Sources.index()] {
            let id = self.panes[i].id();
            let mut ctx = Ctx {
                shared: &mut self.shared,
                effects: &mut effects,
                confirm: &mut confirm,
                pane: id,
                keys: &self.keymap,
            };
            self.panes[i].refresh(&mut ctx);
        }
        effects.dedup();
        effects
    }

    pub fn current(&self) -> PaneId {
        self.panes[self.current].id()
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Whether something changed since the last frame; clears the flag.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    pub fn popup(&self) -> Option<&Popup> {
        self.popup.as_ref()
    }

    pub fn pane(&self, id: PaneId) -> &dyn Pane {
        self.panes[id.index()].as_ref()
    }

    /// The keymap context of what has focus.
    pub fn context(&self) -> Context {
        match &self.popup {
            Some(Popup::Palette { .. } | Popup::NoFilter { .. }) => Context::Text,
            Some(Popup::Confirm(_) | Popup::QuitWhileRunning | Popup::QuitUnsaved(_)) => {
                Context::Confirm
            }
            Some(_) => Context::Popup,
            None => self.panes[self.current].context(),
        }
    }

    fn with_pane<R>(
        &mut self,
        id: PaneId,
        effects: &mut Vec<Effect>,
        f: impl FnOnce(&mut dyn Pane, &mut Ctx) -> R,
    ) -> R {
        let mut confirm = None;
        let r = {
            let mut ctx = Ctx {
                shared: &mut self.shared,
                effects,
                confirm: &mut confirm,
                pane: id,
                keys: &self.keymap,
            };
            f(self.panes[id.index()].as_mut(), &mut ctx)
        };
        if let Some(c) = confirm {
            self.popup = Some(Popup::Confirm(c));
        }
        r
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let seq = self.shared.flash_seq;
        // A message the user caused is shown in full; job events only use the bar.
        let by_user = !matches!(action, Action::Engine(_));
        let effects = self.update_inner(action);
        self.show_in_full(by_user, seq);
        effects
    }

    /// Opens what a pane asked to show, or a new error the status bar would cut.
    fn show_in_full(&mut self, by_user: bool, seq: u64) {
        if let Some(t) = self.shared.show.take() {
            if self.popup.is_none() {
                self.popup = Some(Popup::text(t.title, t.lines, 0));
                self.dirty = true;
            }
            return;
        }
        if !by_user
            || self.shared.flash_seq == seq
            || self.shared.flash_seq == self.shared.shown_seq
            || self.popup.is_some()
        {
            return;
        }
        // Errors are what must not be lost: one the bar would cut opens whole. A long
        // notice is cut with a mark and kept whole in the message history.
        if let Some((super::shared::Flash::Error, msg)) = &self.shared.flash {
            if !super::view::flash_fits(&self.shared, msg) {
                let lines = msg.lines().map(str::to_string).collect();
                self.popup = Some(Popup::text(text::MESSAGE_TITLE, lines, 0));
                self.dirty = true;
            }
        }
    }

    /// The message history as popup lines: time, kind, text (continued lines indented).
    fn messages_popup(&self) -> Popup {
        let mut lines = Vec::new();
        for m in &self.shared.messages {
            let kind = match m.kind {
                super::shared::Flash::Info => "info ",
                super::shared::Flash::Error => "error",
            };
            let at = m.at.get(11..19).unwrap_or("");
            for (i, l) in m.text.lines().enumerate() {
                if i == 0 {
                    lines.push(format!("{at} {kind} {l}"));
                } else {
                    lines.push(format!("               {l}"));
                }
            }
        }
        if lines.is_empty() {
            lines.push(text::NO_MESSAGES.to_string());
        }
        // Opens at the newest.
        Popup::text(text::MESSAGES_TITLE, lines, usize::MAX)
    }

    fn update_inner(&mut self, action: Action) -> Vec<Effect> {
        let mut effects = Vec::new();
        match action {
            Action::Key(k) => {
                if k.kind == KeyEventKind::Press {
                    self.key(k, &mut effects);
                    self.dirty = true;
                }
            }
            Action::Mouse(m) => {
                if self.shared.mouse {
                    let cmd = match m.kind {
                        MouseEventKind::ScrollDown => Some(Command::Down),
                        MouseEventKind::ScrollUp => Some(Command::Up),
                        _ => None,
                    };
                    if let Some(c) = cmd {
                        self.command(c, &mut effects);
                        self.dirty = true;
                    }
                }
            }
            Action::Command(c) => {
                self.command(c, &mut effects);
                self.dirty = true;
            }
            Action::Engine(e) => self.engine(e, &mut effects),
            Action::Lagged(n) => {
                self.shared.flash(
                    super::shared::Flash::Error,
                    format!("the screen fell {n} events behind; reloading"),
                );
                let id = self.current();
                self.with_pane(id, &mut effects, |p, ctx| p.refresh(ctx));
                self.dirty = true;
            }
            Action::Reply { tag, response } => {
                if tag.pane == PaneId::Sources || matches!(response, Response::Sources(_)) {
                    if let Response::Sources(list) = &response {
                        self.shared.sources = list.clone();
                        if self.shared.current_source().is_none() {
                            self.shared.source = list.first().map(|s| s.name.clone());
                        }
                    }
                }
                self.with_pane(tag.pane, &mut effects, |p, ctx| {
                    p.reply(tag.what, response, ctx)
                });
                self.dirty = true;
            }
            Action::Resize(w, _) => {
                self.shared.width = w;
                self.dirty = true;
            }
            Action::Disconnected(why) => {
                self.shared.mode = crate::backend::Mode::Disconnected;
                self.shared.flash(
                    super::shared::Flash::Error,
                    format!("{why}; quit (q) and start lsbridge again"),
                );
                effects.push(Effect::Bell);
                self.dirty = true;
            }
            Action::Terminate => {
                self.quit = true;
                effects.push(Effect::Quit);
            }
        }
        effects
    }

    fn engine(&mut self, e: EngineEvent, effects: &mut Vec<Effect>) {
        if self.shared.apply(&e) {
            effects.push(Effect::Bell);
        }
        for i in 0..self.panes.len() {
            let id = self.panes[i].id();
            self.with_pane(id, effects, |p, ctx| p.engine(&e, ctx));
        }
        // A frozen screen keeps its picture; the events are kept and shown on unfreeze.
        let visible = !self.shared.frozen
            && match &e {
                EngineEvent::Job { event, .. } => {
                    !matches!(event, crate::jobs::JobEvent::Log { .. })
                        || matches!(self.current(), PaneId::Log | PaneId::Jobs)
                }
                _ => true,
            };
        if visible {
            self.dirty = true;
        }
    }

    fn key(&mut self, k: KeyEvent, effects: &mut Vec<Effect>) {
        let ctx = self.context();
        let key = Key::from_event(&k);
        let cmd = self.keymap.lookup(ctx, key);
        let pane_ctx = self.panes[self.current].context();
        let has_filter = self.panes[self.current].has_filter();
        if let Some(Popup::Palette { input, selected }) = &mut self.popup {
            match (cmd, k.code) {
                (Some(Command::Back), _) => self.popup = None,
                (Some(Command::Quit), _) => self.popup = None,
                (Some(Command::ClearLine), _) => {
                    crate::tui::widgets::prompt::clear_line(input);
                    *selected = 0;
                }
                // The typed line has focus, so the arrows (not j / k) move.
                (_, KeyCode::Up) => *selected = selected.saturating_sub(1),
                (_, KeyCode::Down) => *selected += 1,
                (Some(Command::Select), _) => {
                    let matches = palette_matches(
                        &self.keymap,
                        pane_ctx,
                        has_filter,
                        &input.lines().join(""),
                    );
                    let chosen = matches
                        .get((*selected).min(matches.len().saturating_sub(1)))
                        .map(|(c, _)| *c);
                    self.popup = None;
                    if let Some(c) = chosen {
                        self.command(c, effects);
                    }
                }
                _ => {
                    input.input(k);
                    *selected = 0;
                }
            }
            return;
        }
        if let Some(Popup::NoFilter { input, .. }) = &mut self.popup {
            match cmd {
                Some(Command::Back | Command::Select | Command::Quit) => self.popup = None,
                Some(Command::ClearLine) => crate::tui::widgets::prompt::clear_line(input),
                _ => {
                    input.input(k);
                }
            }
            return;
        }
        match cmd {
            Some(c) => self.command(c, effects),
            None if matches!(ctx, Context::Text | Context::Pick) => {
                let id = self.current();
                self.with_pane(id, effects, |p, ctx| p.text_key(k, ctx));
            }
            None => {
                if self.popup.is_some() {
                    // A popup's keys are its bindings; anything else does nothing.
                } else {
                    let shown = self.keymap.key_for(Context::Global, Command::Help);
                    self.shared.flash(
                        super::shared::Flash::Info,
                        format!(
                            "{key} does nothing here; {} lists the keys",
                            shown.map(|k| k.to_string()).unwrap_or_else(|| "?".into())
                        ),
                    );
                }
            }
        }
    }

    fn switch_to(&mut self, i: usize, effects: &mut Vec<Effect>) {
        if i >= self.panes.len() {
            return;
        }
        self.current = i;
        let id = self.current();
        self.with_pane(id, effects, |p, ctx| p.refresh(ctx));
    }

    fn command(&mut self, cmd: Command, effects: &mut Vec<Effect>) {
        // Popups first: they own the keys while open.
        match &mut self.popup {
            Some(Popup::Help { scroll }) => {
                match cmd {
                    Command::Back | Command::Help | Command::Quit => self.popup = None,
                    Command::Down => *scroll += 1,
                    Command::Up => *scroll = scroll.saturating_sub(1),
                    _ => {}
                }
                return;
            }
            // Only Yes does it; Enter is No, so a hurried Enter never deletes or quits.
            Some(Popup::Confirm(c)) => {
                let (pane, token) = (c.pane, c.token);
                match cmd {
                    Command::Yes => {
                        self.popup = None;
                        self.with_pane(pane, effects, |p, ctx| p.confirmed(token, ctx));
                    }
                    Command::No | Command::Back | Command::Quit => self.popup = None,
                    _ => {}
                }
                return;
            }
            Some(Popup::Text {
                scroll, max_scroll, ..
            }) => {
                let max = max_scroll.get();
                let cur = (*scroll).min(max);
                match cmd {
                    Command::Back | Command::Quit | Command::Select | Command::Messages => {
                        self.popup = None
                    }
                    Command::Down => *scroll = (cur + 1).min(max),
                    Command::Up => *scroll = cur.saturating_sub(1),
                    Command::PageDown => *scroll = (cur + 10).min(max),
                    Command::PageUp => *scroll = cur.saturating_sub(10),
                    Command::Top => *scroll = 0,
                    Command::Bottom => *scroll = max,
                    _ => {}
                }
                return;
            }
            Some(Popup::QuitWhileRunning | Popup::QuitUnsaved(_)) => {
                match cmd {
                    Command::Yes => {
                        self.quit = true;
                        effects.push(Effect::Quit);
                    }
                    Command::No | Command::Back | Command::Quit => self.popup = None,
                    _ => {}
                }
                return;
            }
            Some(Popup::NoFilter { .. }) => {
                self.popup = None;
                return;
            }
            Some(Popup::Palette { .. }) | None => {}
        }
        // The pane gets the first say (its own meaning of Enter, /, Esc…).
        let id = self.current();
        if self.with_pane(id, effects, |p, ctx| p.command(cmd, ctx)) {
            return;
        }
        match cmd {
            Command::Quit => {
                let unsaved: Vec<&'static str> =
                    self.panes.iter().filter_map(|p| p.unsaved()).collect();
                if !unsaved.is_empty() {
                    self.popup = Some(Popup::QuitUnsaved(unsaved));
                } else if self.shared.running_jobs() > 0
                    && self.shared.mode == crate::backend::Mode::InProcess
                {
                    self.popup = Some(Popup::QuitWhileRunning);
                } else {
                    self.quit = true;
                    effects.push(Effect::Quit);
                }
            }
            Command::Help => self.popup = Some(Popup::Help { scroll: 0 }),
            Command::Messages => self.popup = Some(self.messages_popup()),
            Command::Palette => {
                self.popup = Some(Popup::Palette {
                    input: Box::default(),
                    selected: 0,
                })
            }
            Command::NextPane => self.switch_to((self.current + 1) % self.panes.len(), effects),
            Command::PrevPane => self.switch_to(
                (self.current + self.panes.len() - 1) % self.panes.len(),
                effects,
            ),
            // A pane's number is its place in the tab order (Overview is 0).
            Command::Pane0 => self.switch_to(0, effects),
            Command::Pane1 => self.switch_to(1, effects),
            Command::Pane2 => self.switch_to(2, effects),
            Command::Pane3 => self.switch_to(3, effects),
            Command::Pane4 => self.switch_to(4, effects),
            Command::Pane5 => self.switch_to(5, effects),
            Command::Pane6 => self.switch_to(6, effects),
            Command::Pane7 => self.switch_to(7, effects),
            Command::Pane8 => self.switch_to(8, effects),
            Command::Pane9 => self.switch_to(9, effects),
            Command::Refresh => {
                self.shared.flash = None;
                self.with_pane(id, effects, |p, ctx| p.refresh(ctx));
            }
            Command::Freeze => {
                self.shared.frozen = !self.shared.frozen;
                let msg = if self.shared.frozen {
                    format!(
                        "frozen: live views hold still ({} to unfreeze)",
                        self.keymap.shown(Context::Global, Command::Freeze)
                    )
                } else {
                    "live again".to_string()
                };
                self.shared.flash(super::shared::Flash::Info, msg);
            }
            // The pane has no filter: swallow what is typed after `/` instead of running it.
            Command::Filter => {
                self.popup = Some(Popup::NoFilter {
                    input: Box::default(),
                    pane: id,
                });
            }
            Command::ToggleMouse => {
                self.shared.mouse = !self.shared.mouse;
                effects.push(Effect::SetMouse(self.shared.mouse));
            }
            Command::Back => self.shared.flash = None,
            _ => {
                let help = self
                    .keymap
                    .key_for(Context::Global, Command::Help)
                    .map(|k| k.to_string())
                    .unwrap_or_else(|| "?".into());
                self.shared.flash(
                    super::shared::Flash::Info,
                    format!(
                        "\"{}\" does not apply in {}; {help} lists what does",
                        cmd.describe(),
                        id.title()
                    ),
                );
            }
        }
    }
}
